// Seeded, platform-independent randomness for the data layer. Everything here is defined by
// this file alone (no std::uniform_int_distribution or std::shuffle, whose outputs differ
// between standard libraries), so a seed gives the same split and batch order everywhere.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace pk {

/// SplitMix64 finalizer: a bijective 64-bit mix, used to derive independent seeds.
inline uint64_t mix_seed(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// Seed for stream `stream` (a constant naming the purpose, e.g. "split") of run `seed`,
/// sub-indexed by `index` (e.g. the epoch). Different arguments give unrelated streams.
inline uint64_t derive_seed(uint64_t seed, uint64_t stream, uint64_t index = 0) {
  return mix_seed(mix_seed(mix_seed(seed) ^ stream) ^ index);
}

/// 64-bit generator with a portable bounded draw.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  uint64_t next() { return engine_(); }
  /// Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; bias < n / 2^64).
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(engine_()) * n) >> 64);
  }
  /// Uniform double in [0, 1) from the top 53 bits of one draw.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  /// Uniform double in [lo, hi) (lo when hi ≤ lo).
  double uniform(double lo, double hi) { return hi > lo ? lo + (hi - lo) * uniform() : lo; }

 private:
  std::mt19937_64 engine_;
};

/// A uniformly random permutation of 0..n-1 (Fisher–Yates), a pure function of (n, seed).
inline std::vector<int64_t> random_permutation(int64_t n, uint64_t seed) {
  std::vector<int64_t> p(static_cast<size_t>(n < 0 ? 0 : n));
  for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<int64_t>(i);
  Rng rng(seed);
  for (size_t i = p.size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(rng.below(i));
    std::swap(p[i - 1], p[j]);
  }
  return p;
}

}  // namespace pk
