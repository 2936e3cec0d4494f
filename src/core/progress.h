// A one-line progress bar on stderr for long work: "label [#####     ] 42/100  key=val ... ETA 1m03s".
// Redraws in place on a terminal (at most every 0.2 s); when stderr is not a terminal
// (logs, CI) it prints a line at most every `log_interval_s` seconds and at the end.
#pragma once

#include <cstdint>
#include <string>

#include "core/timer.h"

namespace pk {

class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, double log_interval_s = 10.0);
  ~ProgressBar();
  /// Advance to `done` units and show `status` (e.g. "loss=0.31 acc=88.2% 1530 img/s").
  void update(int64_t done, const std::string& status = "");
  /// Draw the final state and end the line. Called by the destructor if not called before.
  void finish(const std::string& status = "");
  /// Formats seconds as "1h02m", "3m04s" or "12s".
  static std::string format_duration(double seconds);

 private:
  void draw(bool final_line);
  std::string label_;
  int64_t total_;
  int64_t done_ = 0;
  std::string status_;
  double log_interval_s_;
  double last_draw_ = -1e9;
  bool tty_;
  bool finished_ = false;
  Timer timer_;
};

}  // namespace pk
