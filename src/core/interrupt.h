// Graceful SIGINT/SIGTERM: the handler only records the signal; long loops (training batches,
// search candidates) and every atomic file write call throw_if_interrupted() at a point where
// stopping loses nothing but the current step, and main() reports it (exit 128 + signal). A
// second signal kills the process at once (the handler restores the default action).
#pragma once

#include <stdexcept>

namespace pk {

/// Thrown by throw_if_interrupted(); deliberately not a pk::Error, so no handler turns it into an
/// ordinary error message.
class Interrupted : public std::runtime_error {
 public:
  explicit Interrupted(int signal);
  int signal() const { return signal_; }

 private:
  int signal_;
};

/// Installs the SIGINT and SIGTERM handlers (idempotent).
void install_interrupt_handlers();

/// The signal received since the handlers were installed, 0 if none.
int interrupt_signal();

/// Throws Interrupted if a signal was received.
void throw_if_interrupted();

}  // namespace pk
