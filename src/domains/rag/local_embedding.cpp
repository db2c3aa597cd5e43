#include "labctl/domains/rag/local_embedding.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace labctl::rag {

namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

// Not characters of any text: the separator, and the marks padding each word for n-grams.
constexpr uint32_t kSeparator = 0;
constexpr uint32_t kWordBegin = 2;
constexpr uint32_t kWordEnd = 3;

// The two low bits of a feature key say its kind; the kinds hash from different seeds.
enum Kind : uint64_t { kWord = 0, kPair = 1, kTrigram = 2, kQuadgram = 3 };
constexpr float kWeight[4] = {1.0f, 0.5f, 0.4f, 0.4f};
constexpr uint64_t kSeed[4] = {kFnvOffset, kFnvOffset ^ 0x9e3779b97f4a7c15ull,
                               kFnvOffset ^ 0xc2b2ae3d27d4eb4full,
                               kFnvOffset ^ 0x165667b19e3779f9ull};

// Buffers kept between calls on one thread, dropped after an unusually large text.
constexpr size_t kKeepCapacity = 1 << 16;

uint64_t fnv(uint64_t h, uint32_t cp) { return (h ^ cp) * kFnvPrime; }

// MurmurHash3's 64-bit finaliser: FNV's low bits are weak, the index and sign need good ones.
uint64_t mix(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ull;
  k ^= k >> 33;
  return k;
}

uint64_t key(Kind kind, uint64_t h) { return (mix(h) & ~uint64_t{3}) | kind; }

constexpr uint32_t kInvalid = 0xFFFFFFFF;

// The code point starting at s[i], advancing i past it; an invalid, overlong, surrogate or
// truncated sequence gives kInvalid and advances one byte.
uint32_t decode(std::string_view s, size_t& i) {
  auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) {
    ++i;
    return b;
  }
  size_t len;
  uint32_t cp, min;
  if (b >= 0xC2 && b <= 0xDF) {
    len = 2, cp = b & 0x1F, min = 0x80;
  } else if (b >= 0xE0 && b <= 0xEF) {
    len = 3, cp = b & 0x0F, min = 0x800;
  } else if (b >= 0xF0 && b <= 0xF4) {
    len = 4, cp = b & 0x07, min = 0x10000;
  } else {
    ++i;
    return kInvalid;
  }
  if (i + len > s.size()) {
    ++i;
    return kInvalid;
  }
  for (size_t k = 1; k < len; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) {
      ++i;
      return kInvalid;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kInvalid;
  }
  i += len;
  return cp;
}

// The lower-cased code point as a word character, or kSeparator.
uint32_t fold(uint32_t c) {
  if (c < 0x80) {
    if (c >= 'A' && c <= 'Z') return c + 32;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return c;
    return kSeparator;
  }
  if (c < 0xC0) return kSeparator;  // C1 controls, NBSP, Latin-1 punctuation and symbols
  if (c < 0x100) {
    if (c == 0xD7 || c == 0xF7) return kSeparator;  // × ÷
    return c < 0xDF ? c + 0x20 : c;                 // À-Þ → à-þ
  }
  if (c >= 0x400 && c < 0x460) {
    if (c < 0x410) c += 0x50;                     // Ѐ-Џ (Ё among them) → ѐ-џ
    else if (c < 0x430) c += 0x20;                // А-Я → а-я
    return c == 0x451 ? 0x435 : c;                // ё → е
  }
  if ((c >= 0x2000 && c < 0x2C00) ||   // punctuation, symbols, arrows, ZWJ, box drawing…
      (c >= 0x2E00 && c < 0x2E80) ||   // supplemental punctuation
      (c >= 0x3000 && c < 0x3040) ||   // CJK punctuation, ideographic space
      (c >= 0xFE00 && c < 0xFE10) ||   // variation selectors
      c == 0xFEFF || (c >= 0xFFF0 && c < 0x10000) || c == kInvalid ||
      (c >= 0x1F000 && c < 0x1FB00) ||  // emoji and pictographs
      (c >= 0xE0000 && c < 0xE0080))    // tags (flag sequences)
    return kSeparator;
  return c;
}

// The normalised text as words, each framed by kWordBegin … kWordEnd.
void normalise(std::string_view text, std::vector<uint32_t>& out) {
  bool in_word = false;
  for (size_t i = 0; i < text.size();) {
    uint32_t c = fold(decode(text, i));
    if (c == kSeparator) {
      if (in_word) out.push_back(kWordEnd);
      in_word = false;
      continue;
    }
    if (!in_word) out.push_back(kWordBegin);
    in_word = true;
    out.push_back(c);
  }
  if (in_word) out.push_back(kWordEnd);
}

// Every feature occurrence of the framed words, as a key (hash with its kind in the low bits).
void collect_features(const std::vector<uint32_t>& cps, std::vector<uint64_t>& keys) {
  uint64_t previous_word = 0;
  bool has_previous = false;
  size_t n = cps.size();
  for (size_t begin = 0; begin < n;) {
    size_t end = begin + 1;  // the word's kWordEnd
    uint64_t word = kSeed[kWord];
    for (; cps[end] != kWordEnd; ++end) word = fnv(word, cps[end]);
    keys.push_back(key(kWord, word));
    if (has_previous) keys.push_back(key(kPair, previous_word * kFnvPrime ^ word ^ kSeed[kPair]));
    previous_word = word;
    has_previous = true;
    // n-grams over the framed word [begin, end]: at least 3 code points long.
    for (size_t i = begin; i + 2 <= end; ++i) {
      uint64_t h = fnv(fnv(fnv(kSeed[kTrigram], cps[i]), cps[i + 1]), cps[i + 2]);
      keys.push_back(key(kTrigram, h));
      if (i + 3 <= end) keys.push_back(key(kQuadgram, fnv(h ^ kSeed[kQuadgram], cps[i + 3])));
    }
    begin = end + 1;
  }
}

void add(std::vector<float>& v, uint64_t k, float weight) {
  auto index = static_cast<size_t>(((k >> 32) * v.size()) >> 32);
  v[index] += (k & 4) ? -weight : weight;
}

template <typename T>
void release_if_large(std::vector<T>& buffer) {
  if (buffer.capacity() > kKeepCapacity) std::vector<T>().swap(buffer);
}

}  // namespace

std::vector<float> local_embedding(std::string_view text, size_t dimension) {
  if (dimension < kLocalEmbeddingMinDimension || dimension > kLocalEmbeddingMaxDimension)
    throw std::invalid_argument("local embedding dimension must be 64..4096, got " +
                                std::to_string(dimension));
  thread_local std::vector<uint32_t> cps;
  thread_local std::vector<uint64_t> keys;
  cps.clear();
  keys.clear();
  normalise(text, cps);
  collect_features(cps, keys);
  std::sort(keys.begin(), keys.end());

  std::vector<float> v(dimension, 0.0f);
  for (size_t i = 0; i < keys.size();) {
    size_t j = i + 1;
    while (j < keys.size() && keys[j] == keys[i]) ++j;
    float tf = static_cast<float>(j - i);
    add(v, keys[i], kWeight[keys[i] & 3] * (1.0f + std::log(tf)));
    i = j;
  }
  release_if_large(cps);
  release_if_large(keys);

  double norm = 0;
  for (float x : v) norm += static_cast<double>(x) * x;
  if (norm == 0) {  // no words (or, in theory, features that cancelled out exactly)
    add(v, key(kWord, kSeed[kWord] ^ 0x656d707479ull), 1.0f);  // "empty"
    return v;
  }
  auto scale = static_cast<float>(1.0 / std::sqrt(norm));
  for (float& x : v) x *= scale;
  return v;
}

}  // namespace labctl::rag
