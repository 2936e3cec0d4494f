#include "distributed/candidate_worker.h"

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

/// The result message of one job.
json score_job(const json& job, CandidateEvaluator& evaluator, double receive_seconds) {
  json reply{{"index", job.at("index").get<int>()}};
  try {
    const PrunePlan plan = plan_from_json(job.at("plan").get<std::string>(), "the plan sent by rank 0");
    reply["score"] = candidate_score_to_json(evaluator.evaluate(plan));
    reply["mpi_seconds"] = receive_seconds;
  } catch (const Interrupted&) {
    throw;
  } catch (const std::exception& e) {  // pk::Error, c10::Error, std::bad_alloc, ...
    reply["error"] = e.what();
  }
  return reply;
}

}  // namespace

int serve_candidates(MpiRuntime& mpi, CandidateEvaluator& evaluator) {
  int scored = 0;
  for (;;) {
    throw_if_interrupted();
    Timer receive;
    std::optional<MpiMessage> m = mpi.poll(0, std::nullopt);
    if (!m) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    const double receive_seconds = receive.seconds();
    if (m->tag == MessageTag::kStop) return scored;
    PK_ASSERT(m->tag == MessageTag::kJob, "rank {} got a message with tag {} from rank 0", mpi.rank(),
              static_cast<int>(m->tag));
    const json reply = score_job(json::parse(m->bytes), evaluator, receive_seconds);
    mpi.send(0, MessageTag::kResult, reply.dump());
    ++scored;
  }
}

}  // namespace pk
