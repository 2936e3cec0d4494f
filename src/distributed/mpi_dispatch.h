// Candidate scoring spread over the ranks of an MPI job (docs/design.md "Distributed search").
// Rank 0 runs the search (strategy, driver, log, checkpoint) and hands each update's resolved
// plans to ranks 1..K-1, keeping up to two queued per worker (one scoring, one waiting, so a
// worker never idles while rank 0 is busy), and scores the rest itself; workers
// (candidate_worker.h) score with the same evaluator, so a plan's score does not depend on the
// rank. Messages (JSON): job {"index", "plan"} → result {"index", "score", "mpi_seconds"}
// or {"index", "error"}; stop ends a worker.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "core/timer.h"
#include "distributed/mpi_runtime.h"
#include "search/candidate_dispatch.h"

namespace pk {

struct MpiDispatchOptions {
  /// A worker that has not returned its candidate this long after it was sent is lost: the
  /// search stops (UserError naming the rank, host and candidate) and the job is aborted.
  double worker_timeout_seconds = 3600;
};

/// What the dispatch moved, for the closing summary of a distributed search.
struct MpiDispatchStats {
  int scored_here = 0, scored_remotely = 0;
  std::vector<int> per_rank;       // candidates scored by each rank
  uint64_t bytes_sent = 0, bytes_received = 0;
  double mpi_seconds = 0;          // in MPI calls for remote candidates, rank 0 and workers together
};

class MpiDispatch : public CandidateDispatch {
 public:
  /// Rank 0 only.
  MpiDispatch(MpiRuntime& mpi, MpiDispatchOptions options);
  /// Stops every worker (waiting, up to the timeout, for those still scoring).
  ~MpiDispatch() override;
  MpiDispatch(const MpiDispatch&) = delete;
  MpiDispatch& operator=(const MpiDispatch&) = delete;

  std::vector<CandidateScore> score(const std::vector<PrunePlan>& resolved, CandidateEvaluator& local,
                                    const CandidateDone& done) override;
  const MpiDispatchStats& stats() const { return stats_; }

 private:
  /// The jobs sent to one worker and not yet returned, oldest first (it scores them in order).
  struct WorkerQueue {
    std::deque<int> indices;  // into the current update
    double started_at = 0;    // when the oldest one started: sent to an idle worker, or the previous returned
  };
  /// Sends candidates to workers: first one to every idle worker, then a second to each while
  /// more than one candidate is left (the last one is rank 0's). Returns the next unsent index.
  int hand_out(const std::vector<PrunePlan>& resolved, int next);
  void send_job(int worker, int index, const std::string& plan_json);
  /// Takes one result if any has arrived: stores it, frees its worker. False if none.
  bool take_result(std::vector<CandidateScore>& scores, std::vector<bool>& have, const CandidateDone& done);
  void check_timeouts();
  /// Aborts the job (require_abort) and throws the Error naming `worker`.
  [[noreturn]] void lost_worker(int worker);
  void stop_workers() noexcept;

  MpiRuntime& mpi_;
  MpiDispatchOptions options_;
  std::vector<WorkerQueue> queues_;  // per rank (rank 0's entry unused)
  MpiDispatchStats stats_;
  Timer clock_;  // seconds since construction: when jobs were sent
  bool stopped_ = false;
};

}  // namespace pk
