#include "core/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace pk {

ProgressBar::ProgressBar(std::string label, int64_t total, double log_interval_s)
    : label_(std::move(label)), total_(std::max<int64_t>(total, 1)), log_interval_s_(log_interval_s),
      tty_(::isatty(STDERR_FILENO) != 0) {}

ProgressBar::~ProgressBar() {
  if (!finished_) finish(status_);
}

std::string ProgressBar::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

void ProgressBar::update(int64_t done, const std::string& status) {
  done_ = std::min(done, total_);
  status_ = status;
  const double now = timer_.seconds();
  const double interval = tty_ ? 0.2 : log_interval_s_;
  if (now - last_draw_ >= interval) {
    last_draw_ = now;
    draw(false);
  }
}

void ProgressBar::finish(const std::string& status) {
  if (finished_) return;
  status_ = status;
  done_ = total_;
  draw(true);
  finished_ = true;
}

void ProgressBar::draw(bool final_line) {
  constexpr int kWidth = 24;
  const double frac = static_cast<double>(done_) / static_cast<double>(total_);
  const int filled = static_cast<int>(frac * kWidth);
  const double elapsed = timer_.seconds();
  std::string timing = final_line || done_ == 0
                           ? fmt::format("{}", format_duration(elapsed))
                           : fmt::format("ETA {}", format_duration(elapsed / frac - elapsed));
  std::string line = fmt::format("{} [{}{}] {}/{} {} {}", label_, std::string(filled, '#'),
                                 std::string(kWidth - filled, ' '), done_, total_, status_, timing);
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace pk
