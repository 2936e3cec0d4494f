// CandidateScore as JSON: what an MPI worker sends back must be the score bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/error.h"
#include "search/candidate_score.h"

namespace {

using pk::CandidateScore;

TEST(CandidateScoreJson, RoundTripsEveryFieldBitForBit) {
  CandidateScore s;
  s.accuracy = 0.1 + 0.2;  // 0.30000000000000004: shortest printing is not enough
  s.loss = std::nextafter(2.0, 3.0);
  s.distance = 1.0 / 3.0;
  s.latency_ms = std::numeric_limits<double>::denorm_min();
  s.macs = (int64_t{1} << 53) + 1;  // not representable as a double
  s.params = 123456789;
  s.seconds = {0.125, 1e-9, 3.5, 7.0 / 9.0, 2.0};
  const std::string text = pk::candidate_score_to_json(s).dump();
  const CandidateScore back = pk::candidate_score_from_json(nlohmann::json::parse(text));
  EXPECT_EQ(back.accuracy, s.accuracy);
  EXPECT_EQ(back.loss, s.loss);
  EXPECT_EQ(back.distance, s.distance);
  EXPECT_EQ(back.latency_ms, s.latency_ms);
  EXPECT_EQ(back.macs, s.macs);
  EXPECT_EQ(back.params, s.params);
  EXPECT_EQ(back.seconds.apply, s.seconds.apply);
  EXPECT_EQ(back.seconds.recalib, s.seconds.recalib);
  EXPECT_EQ(back.seconds.finetune, s.seconds.finetune);
  EXPECT_EQ(back.seconds.eval, s.seconds.eval);
  EXPECT_EQ(back.seconds.latency, s.seconds.latency);
}

TEST(CandidateScoreJson, AMissingFieldIsAnErrorNamingIt) {
  nlohmann::json j = pk::candidate_score_to_json(CandidateScore{});
  j.erase("params");
  try {
    pk::candidate_score_from_json(j);
    FAIL() << "expected pk::Error";
  } catch (const pk::Error& e) {
    EXPECT_NE(std::string(e.what()).find("params"), std::string::npos) << e.what();
  }
}

}  // namespace
