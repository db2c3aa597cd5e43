#pragma once
// Deterministic randomness: every generated value is a pure function of (seed, where it is),
// so any record can be rebuilt on demand without generating the ones before it.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace labctl::sandbox {

inline uint64_t mix64(uint64_t x) {  // splitmix64 finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

inline uint64_t hash_of(std::initializer_list<uint64_t> parts) {
  uint64_t h = 0x6a09e667f3bcc909ULL;
  for (uint64_t p : parts) h = mix64(h ^ p);
  return h;
}

class Rng {
 public:
  explicit Rng(uint64_t state) : state_(state) {}
  Rng(std::initializer_list<uint64_t> parts) : state_(hash_of(parts)) {}

  uint64_t next() { return mix64(state_++); }
  // Uniform in [lo, hi], both inclusive.
  int64_t range(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1)); }
  double unit() { return static_cast<double>(next() >> 11) / static_cast<double>(1ULL << 53); }
  bool chance(double p) { return unit() < p; }
  template <typename T>
  const T& pick(const std::vector<T>& v) { return v[next() % v.size()]; }

 private:
  uint64_t state_;
};

// A UUID-v4-shaped id that depends only on the given parts.
inline std::string stable_uuid(std::initializer_list<uint64_t> parts) {
  uint64_t a = hash_of(parts), b = mix64(a ^ 0x5bd1e995ULL);
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 32; ++i) {
    uint64_t word = i < 16 ? a : b;
    s.push_back(hex[(word >> (60 - 4 * (i % 16))) & 0xf]);
    if (i == 7 || i == 11 || i == 15 || i == 19) s.push_back('-');
  }
  return s;
}

}  // namespace labctl::sandbox
