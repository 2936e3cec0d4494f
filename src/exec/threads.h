// libtorch starts with one intra-op thread on these machines; prunekit uses every core unless
// told otherwise.
#pragma once

namespace pk {

/// The largest accepted thread count: 4 × the cores (std::thread::hardware_concurrency(), taken
/// as 1 when unknown). More threads than that only oversubscribe the cores (--threads 10000 made
/// 100 images take 3 minutes).
int max_threads();

/// UserError naming --threads, the value and the allowed range 0..max_threads() unless
/// `threads` is in it. For commands that take several counts, to refuse them all up front.
void check_thread_count(int threads);

/// Sets libtorch's intra-op thread count: `threads` in 1..max_threads() as given, 0 = number
/// of cores; anything else is refused by check_thread_count and changes nothing. Returns the
/// count in effect.
int configure_threads(int threads = 0);

/// Call first thing in main() of a program that times or runs forward passes. libtorch's OpenMP
/// runtime (libgomp) spins up to 300000 iterations before a waiting thread sleeps: on an idle
/// machine that changes nothing measurable (bench/README.md), but when another process holds the
/// cores a forward pass became 10–100× slower. OMP_WAIT_POLICY=PASSIVE makes waiting threads sleep
/// at once. libgomp reads it in its own initializer, before main(), so when it is unset this
/// re-executes the program (/proc/self/exe, same argv) once with it set, about the cost of a
/// second start-up (~0.5 s). A value the user set is kept; if the re-exec fails it returns and
/// the run goes on as it is.
void reexec_with_passive_openmp_wait(char** argv);

}  // namespace pk
