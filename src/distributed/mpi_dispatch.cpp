#include "distributed/mpi_dispatch.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <thread>

#include "core/error.h"
#include "core/interrupt.h"
#include "core/timer.h"
#include "plan/plan_json.h"
#include "search/candidate_evaluator.h"

namespace pk {
namespace {

using nlohmann::json;

// How long a waiting rank sleeps between polls: short next to any candidate (≥ tens of ms).
constexpr std::chrono::milliseconds kPollInterval{1};
// Jobs a worker holds at most: the one it scores and the next, already delivered.
constexpr size_t kWorkerQueueDepth = 2;

}  // namespace

MpiDispatch::MpiDispatch(MpiRuntime& mpi, MpiDispatchOptions options)
    : mpi_(mpi), options_(options), queues_(static_cast<size_t>(mpi.size())) {
  PK_ASSERT(mpi.rank() == 0, "MpiDispatch runs on rank 0, not on rank {}", mpi.rank());
  PK_CHECK(options.worker_timeout_seconds > 0, "--worker-timeout must be > 0 seconds (got {})",
           options.worker_timeout_seconds);
  stats_.per_rank.assign(static_cast<size_t>(mpi.size()), 0);
}

MpiDispatch::~MpiDispatch() { stop_workers(); }

void MpiDispatch::send_job(int worker, int index, const std::string& plan_json) {
  Timer t;
  WorkerQueue& q = queues_[static_cast<size_t>(worker)];
  if (q.indices.empty()) q.started_at = clock_.seconds();
  q.indices.push_back(index);
  // Posted, not waited for: a queued job is taken when the worker finishes its current one.
  mpi_.post(worker, MessageTag::kJob, json{{"index", index}, {"plan", plan_json}}.dump());
  stats_.mpi_seconds += t.seconds();
}

int MpiDispatch::hand_out(const std::vector<PrunePlan>& resolved, int next) {
  const int n = static_cast<int>(resolved.size());
  for (size_t depth = 1; depth <= kWorkerQueueDepth; ++depth)
    for (int r = 1; r < mpi_.size(); ++r) {
      const int keep_for_rank_0 = depth == 1 ? 0 : 1;
      if (n - next <= keep_for_rank_0) return next;
      if (queues_[static_cast<size_t>(r)].indices.size() >= depth) continue;
      send_job(r, next, plan_to_json(resolved[static_cast<size_t>(next)]));
      ++next;
    }
  return next;
}

void MpiDispatch::lost_worker(int worker) {
  mpi_.require_abort();  // the lost rank can never be stopped cleanly
  throw Error(fmt::format(
      "{} has not returned its candidate {:.0f} s after it was sent (--worker-timeout {:g}): the search stops with "
      "the checkpoint of its last complete update; rerun with --resume (at any number of ranks) to continue",
      mpi_.describe(worker), clock_.seconds() - queues_[static_cast<size_t>(worker)].started_at,
      options_.worker_timeout_seconds));
}

bool MpiDispatch::take_result(std::vector<CandidateScore>& scores, std::vector<bool>& have,
                              const CandidateDone& done) {
  Timer t;
  std::optional<MpiMessage> m = mpi_.poll(-1, MessageTag::kResult);
  if (!m) return false;
  stats_.mpi_seconds += t.seconds();
  WorkerQueue& worker = queues_.at(static_cast<size_t>(m->source));
  const json reply = json::parse(m->bytes);
  const int index = reply.at("index").get<int>();
  PK_ASSERT(!worker.indices.empty() && index == worker.indices.front() && index < static_cast<int>(scores.size()),
            "{} returned candidate {} of this update out of turn", mpi_.describe(m->source), index);
  worker.indices.pop_front();
  worker.started_at = clock_.seconds();
  if (reply.contains("error"))
    throw Error(fmt::format("{} could not score candidate {} of this update: {}", mpi_.describe(m->source), index,
                            reply.at("error").get<std::string>()));
  scores[static_cast<size_t>(index)] = candidate_score_from_json(reply.at("score"));
  have[static_cast<size_t>(index)] = true;
  stats_.mpi_seconds += reply.at("mpi_seconds").get<double>();
  ++stats_.scored_remotely;
  ++stats_.per_rank[static_cast<size_t>(m->source)];
  if (done) done(index, scores[static_cast<size_t>(index)]);
  return true;
}

void MpiDispatch::check_timeouts() {
  for (int r = 1; r < mpi_.size(); ++r) {
    const WorkerQueue& q = queues_[static_cast<size_t>(r)];
    if (!q.indices.empty() && clock_.seconds() - q.started_at > options_.worker_timeout_seconds) lost_worker(r);
  }
}

std::vector<CandidateScore> MpiDispatch::score(const std::vector<PrunePlan>& resolved, CandidateEvaluator& local,
                                               const CandidateDone& done) {
  const int n = static_cast<int>(resolved.size());
  std::vector<CandidateScore> scores(resolved.size());
  std::vector<bool> have(resolved.size(), false);
  int next = 0, arrived = 0;
  while (arrived < n) {
    throw_if_interrupted();  // the update is dropped; the checkpoint has the last one
    next = hand_out(resolved, next);
    if (take_result(scores, have, done)) {
      ++arrived;
    } else if (next < n) {  // every worker holds its share: rank 0 scores one itself
      const int k = next++;
      const BackgroundProgress progress(mpi_);  // jobs queued for busy workers still move
      scores[static_cast<size_t>(k)] = local.evaluate(resolved[static_cast<size_t>(k)]);
      have[static_cast<size_t>(k)] = true;
      ++stats_.scored_here;
      ++stats_.per_rank[0];
      if (done) done(k, scores[static_cast<size_t>(k)]);
      ++arrived;
    } else {
      check_timeouts();
      std::this_thread::sleep_for(kPollInterval);
    }
  }
  stats_.bytes_sent = mpi_.bytes_sent();
  stats_.bytes_received = mpi_.bytes_received();
  return scores;
}

void MpiDispatch::stop_workers() noexcept {
  if (stopped_) return;
  stopped_ = true;
  try {
    for (int r = 1; r < mpi_.size(); ++r) {
      WorkerQueue& q = queues_[static_cast<size_t>(r)];
      // A worker still scoring (the search stopped on an error elsewhere) finishes first; its
      // results are dropped. After an interrupt, or past the timeout, the job is aborted instead.
      while (!q.indices.empty()) {
        if (interrupt_signal() != 0 || clock_.seconds() - q.started_at > options_.worker_timeout_seconds) {
          mpi_.require_abort();
          return;
        }
        if (std::optional<MpiMessage> m = mpi_.poll(r, MessageTag::kResult)) {
          q.indices.pop_front();
          q.started_at = clock_.seconds();
        } else {
          std::this_thread::sleep_for(kPollInterval);
        }
      }
      if (!mpi_.send(r, MessageTag::kStop, "", options_.worker_timeout_seconds)) {
        mpi_.require_abort();
        return;
      }
    }
  } catch (const std::exception&) {
    mpi_.require_abort();
  }
}

}  // namespace pk
