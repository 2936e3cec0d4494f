// Steps every rank of a distributed search takes alike (reading the model and data): a failure
// on any rank stops the whole job, reported once, by rank 0, naming each rank and host.
#pragma once

#include <functional>
#include <string>

#include "core/error.h"
#include "distributed/mpi_runtime.h"

namespace pk {

/// Thrown on ranks other than 0 when rank 0 reports the failure: main() prints nothing for it.
class ReportedByRankZero : public UserError {
 public:
  using UserError::UserError;
};

/// Runs `step`. Without MPI (`mpi` null) that is all. Under MPI every rank then learns whether
/// `step` threw on any rank (collective): if so, rank 0 throws a UserError listing "rank R on
/// host H: message" per failed rank, the others throw ReportedByRankZero.
void on_every_rank(MpiRuntime* mpi, const std::function<void()>& step);

/// The file at `path` as rank 0 reads it, on every rank (collective). UserError on every rank
/// if rank 0 cannot read it (the message of rank 0's error there).
std::string broadcast_file(MpiRuntime& mpi, const std::string& path);

}  // namespace pk
