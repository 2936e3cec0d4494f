#include "search/random_strategy.h"

#include <istream>
#include <ostream>

#include <algorithm>

#include "core/error.h"
#include "search/strategy_registry.h"

namespace pk {

RandomStrategy::RandomStrategy(SearchSpace space, RandomStrategyOptions options)
    : space_(std::move(space)), options_(options), rng_(options.seed) {
  validate(space_);
  PK_CHECK(options_.remove_probability >= 0 && options_.remove_probability <= 1,
           "remove probability {} must be in [0, 1]", options_.remove_probability);
}

std::vector<Action> RandomStrategy::ask(int n) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<Action> actions(n);
  for (auto& a : actions) {
    a.values.resize(space_.size());
    for (int i = 0; i < space_.size(); ++i) {
      const Decision& d = space_.decisions[i];
      // Draw every number even for skipped decisions so the stream does not depend on them.
      const double u = unit(rng_);
      if (d.owner_block >= 0 && a.values[d.owner_block] == 1.0) {
        a.values[i] = Action::kSkipped;
      } else if (d.kind == DecisionKind::kBlockBit) {
        a.values[i] = u < options_.remove_probability ? 1.0 : 0.0;
      } else if (d.kind == DecisionKind::kCategory) {
        const int n = static_cast<int>(d.choices.size());
        a.values[i] = std::min(n - 1, static_cast<int>(u * n));
      } else {
        a.values[i] = u * space_.max_ratio;
      }
    }
  }
  return actions;
}

void RandomStrategy::save(std::ostream& out) const { out << rng_; }

void RandomStrategy::load(std::istream& in) {
  in >> rng_;
  PK_CHECK(!in.fail(), "random strategy state is corrupt");
}

StrategyInfo random_strategy_info() {
  StrategyInfo info;
  info.name = "random";
  info.summary = "independent uniform samples, the baseline every learned method must beat";
  info.default_fill = true;
  info.options = {{"remove_probability", "probability of removing each residual block", 0.5}};
  info.create = [](const StrategyContext& context, const nlohmann::json& o) -> std::unique_ptr<SearchStrategy> {
    RandomStrategyOptions r;
    r.remove_probability = o.at("remove_probability").get<double>();
    r.seed = context.seed;
    return std::make_unique<RandomStrategy>(context.space, r);
  };
  return info;
}

}  // namespace pk
