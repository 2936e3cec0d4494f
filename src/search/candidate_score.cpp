#include "search/candidate_score.h"

#include "core/error.h"

namespace pk {

using nlohmann::json;

json candidate_score_to_json(const CandidateScore& s) {
  return json{{"accuracy", s.accuracy},
              {"loss", s.loss},
              {"distance", s.distance},
              {"latency_ms", s.latency_ms},
              {"macs", s.macs},
              {"params", s.params},
              {"seconds",
               {{"apply", s.seconds.apply},
                {"recalib", s.seconds.recalib},
                {"finetune", s.seconds.finetune},
                {"eval", s.seconds.eval},
                {"latency", s.seconds.latency}}}};
}

CandidateScore candidate_score_from_json(const json& j) {
  try {
    CandidateScore s;
    s.accuracy = j.at("accuracy").get<double>();
    s.loss = j.at("loss").get<double>();
    s.distance = j.at("distance").get<double>();
    s.latency_ms = j.at("latency_ms").get<double>();
    s.macs = j.at("macs").get<int64_t>();
    s.params = j.at("params").get<int64_t>();
    const json& t = j.at("seconds");
    s.seconds = {t.at("apply").get<double>(), t.at("recalib").get<double>(), t.at("finetune").get<double>(),
                 t.at("eval").get<double>(), t.at("latency").get<double>()};
    return s;
  } catch (const json::exception& e) {
    throw Error(fmt::format("malformed candidate score {}: {}", j.dump(), e.what()));
  }
}

}  // namespace pk
