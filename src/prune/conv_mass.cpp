#include "prune/conv_mass.h"

#include "core/error.h"

namespace pk {

MassMatrix conv_mass_matrix(const torch::Tensor& weight) {
  PK_CHECK(weight.defined() && weight.dim() == 4, "conv mass matrix needs a 4-d [F, C, kh, kw] weight, got {}-d",
           weight.defined() ? weight.dim() : 0);
  PK_CHECK(weight.is_floating_point(), "conv mass matrix needs a floating-point weight");
  PK_CHECK(weight.numel() > 0, "conv mass matrix needs a weight without zero-sized dimensions");
  torch::NoGradGuard no_grad;
  const torch::Tensor w = weight.detach().to(torch::kCPU, torch::kDouble);
  torch::Tensor s = w.pow(2).sum({2, 3}).sqrt().contiguous();  // [F, C]
  const double frobenius = s.pow(2).sum().sqrt().item<double>();
  if (frobenius > 0) s = s / frobenius;

  MassMatrix m;
  m.rows = static_cast<int>(s.size(0));
  m.cols = static_cast<int>(s.size(1));
  const double* data = s.data_ptr<double>();
  m.values.assign(data, data + s.numel());
  return m;
}

}  // namespace pk
