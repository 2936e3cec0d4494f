#include "train/quick_finetune.h"

#include "core/error.h"
#include "data/loader.h"
#include "train/distillation.h"

namespace pk {

FinetuneScope finetune_scope_from_name(const std::string& name) {
  if (name == "head") return FinetuneScope::kHead;
  if (name == "all") return FinetuneScope::kAll;
  throw UserError(fmt::format("fine-tune scope '{}' is unknown; use head or all", name));
}

const char* finetune_scope_name(FinetuneScope scope) { return scope == FinetuneScope::kHead ? "head" : "all"; }

void quick_finetune(Executor& net, const Dataset& train, const Normalization& normalization,
                    const QuickFinetuneOptions& o, Executor* teacher) {
  PK_CHECK(o.steps >= 0, "fine-tune steps must be ≥ 0, got {}", o.steps);
  if (o.steps == 0) return;
  PK_CHECK(o.lr > 0 && o.batch_size > 0, "fine-tune needs lr > 0 and batch size > 0");
  PK_CHECK(train.size() > 0, "fine-tune: the training set '{}' is empty", train.name);
  std::vector<torch::Tensor> params;
  if (o.scope == FinetuneScope::kHead) {
    const Graph& g = net.graph();
    const Node& head = g.node(g.outputs().at(0));
    PK_CHECK(head.op == OpKind::kLinear, "fine-tune scope head needs a network ending in a Linear layer; '{}' is not",
             head.name);
    for (const char* t : {"weight", "bias"})
      if (net.weights().has(head.name, t)) {
        torch::Tensor p = net.weights().get(head.name, t);
        p.set_requires_grad(true);
        params.push_back(p);
      }
  } else {
    params = net.parameters();
  }
  torch::optim::SGD optimizer(params, torch::optim::SGDOptions(o.lr).momentum(0.9));
  if (teacher) teacher->eval();
  DistillationOptions label_free;
  label_free.alpha = 1.0;

  DataLoader loader(train, LoaderOptions::sampled(o.batch_size, normalization, o.seed));
  loader.start_epoch(0);
  net.train(o.scope == FinetuneScope::kAll);
  Batch batch;
  for (int step = 0; step < o.steps; ++step) {
    if (!loader.next(batch)) {  // fewer batches than steps: next epoch
      loader.start_epoch(step);
      PK_CHECK(loader.next(batch), "fine-tune: no batch in '{}'", train.name);
    }
    const auto logits = net.forward(batch.images);
    torch::Tensor loss;
    if (teacher) {
      torch::Tensor teacher_logits;
      {
        torch::NoGradGuard no_grad;
        teacher_logits = teacher->forward(batch.images);
      }
      loss = distillation_loss(logits, teacher_logits, torch::Tensor(), label_free);
    } else {
      PK_CHECK(batch.labels.defined(), "fine-tuning candidates on '{}' needs labels (it has none)", train.name);
      loss = torch::nn::functional::cross_entropy(logits, batch.labels);
    }
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
  net.eval();
}

}  // namespace pk
