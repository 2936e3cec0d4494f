#include "distributed/every_rank.h"

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"

namespace pk {

void on_every_rank(MpiRuntime* mpi, const std::function<void()>& step) {
  if (mpi == nullptr) return step();
  std::string failure;
  try {
    step();
  } catch (const std::exception& e) {
    failure = e.what();
    if (failure.empty()) failure = "failed";
  }
  const std::vector<std::string> failures = mpi->gather(failure);
  std::string report;
  for (int r = 0; r < static_cast<int>(failures.size()); ++r)
    if (!failures[static_cast<size_t>(r)].empty())
      report += (report.empty() ? "" : "\n") + mpi->describe(r) + ": " + failures[static_cast<size_t>(r)];
  const bool any = mpi->broadcast(report.empty() ? "0" : "1") == "1";
  if (!any) return;
  if (mpi->rank() == 0) throw UserError(report);
  throw ReportedByRankZero(failure.empty() ? "another rank failed" : failure);
}

std::string broadcast_file(MpiRuntime& mpi, const std::string& path) {
  std::string envelope;  // "1" + the file's bytes, or "0" + why rank 0 could not read it
  if (mpi.rank() == 0) {
    try {
      envelope = "1" + read_file(path);
    } catch (const std::exception& e) {
      envelope = std::string("0") + e.what();
    }
  }
  envelope = mpi.broadcast(envelope);
  PK_CHECK(!envelope.empty() && envelope[0] == '1', "{}",
           mpi.rank() == 0 ? envelope.substr(1)
                           : fmt::format("the model was not broadcast: rank 0 could not read '{}'", path));
  return envelope.substr(1);
}

}  // namespace pk
