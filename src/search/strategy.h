// SearchStrategy: ask for candidates, tell their rewards. Strategies do no I/O and no
// evaluation; the driver loop does both. A strategy's whole state (including its random
// generator) is saved and restored through save/load, so a resumed search continues exactly.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "search/search_space.h"

namespace pk {

class SearchStrategy {
 public:
  virtual ~SearchStrategy() = default;
  virtual std::string name() const = 0;
  /// `n` new candidates. Every ask is followed by exactly one tell of the same candidates.
  virtual std::vector<Action> ask(int n) = 0;
  /// Rewards of the candidates of the last ask, in the same order (higher is better).
  virtual void tell(const std::vector<ScoredAction>& scored) = 0;
  /// Complete state (parameters, optimizer, baseline, random generator), binary.
  virtual void save(std::ostream& out) const = 0;
  virtual void load(std::istream& in) = 0;
};

}  // namespace pk
