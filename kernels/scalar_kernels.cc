// Plain C++ twins of the SIMD kernels: the reference the per-target tests compare against
// and the baseline the benchmarks measure. Written for clarity, byte by byte where the
// format is defined in bytes, so they hold on any endianness.
#include <algorithm>
#include <bit>
#include <cstring>

#include "covalesce/kernels.h"

namespace covalesce::kernels::scalar {

void DecodeNumbits(const uint8_t* numbits, size_t nbytes, uint64_t* words) {
  std::fill(words, words + WordsForBytes(nbytes), uint64_t{0});
  for (size_t i = 0; i < nbytes; ++i) words[i / 8] |= uint64_t{numbits[i]} << (8 * (i % 8));
}

void OrInto(uint64_t* dst, const uint64_t* src, size_t nwords) {
  for (size_t i = 0; i < nwords; ++i) dst[i] |= src[i];
}

void UnionMany(const uint64_t* const* srcs, const size_t* lens, size_t count, uint64_t* dst,
               size_t dst_words) {
  std::fill(dst, dst + dst_words, uint64_t{0});
  for (size_t k = 0; k < count; ++k) OrInto(dst, srcs[k], std::min(lens[k], dst_words));
}

uint64_t Popcount(const uint64_t* words, size_t nwords) {
  uint64_t total = 0;
  for (size_t i = 0; i < nwords; ++i) total += std::popcount(words[i]);
  return total;
}

size_t BitmapToLines(const uint64_t* words, size_t nwords, uint32_t* out) {
  size_t n = 0;
  for (size_t w = 0; w < nwords; ++w) {
    for (uint64_t bits = words[w]; bits != 0; bits &= bits - 1) {
      out[n++] = static_cast<uint32_t>(64 * w + std::countr_zero(bits));
    }
  }
  return n;
}

size_t EncodeNumbits(const uint64_t* words, size_t nwords, uint8_t* out) {
  size_t len = 0;
  for (size_t i = 0; i < 8 * nwords; ++i) {
    out[i] = static_cast<uint8_t>(words[i / 8] >> (8 * (i % 8)));
    if (out[i] != 0) len = i + 1;
  }
  return len;
}

size_t SortUnique(uint64_t* keys, size_t n) {
  std::sort(keys, keys + n);
  return static_cast<size_t>(std::unique(keys, keys + n) - keys);
}

size_t CountNewlines(const uint8_t* text, size_t n, bool* other_breaks) {
  size_t count = 0;
  bool other = false;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t c = text[i];
    count += c == '\n';
    other |= c == 0x0b || c == 0x0d || c == 0x1c || c == 0x1d || c == 0x1e || c == 0xc2 || c == 0xe2;
  }
  *other_breaks = other;
  return count;
}

bool ContainsAnyNeedle(const uint8_t* text, size_t n, const std::string_view* needles, size_t count) {
  const std::string_view haystack(reinterpret_cast<const char*>(text), n);
  for (size_t k = 0; k < count; ++k) {
    if (haystack.find(needles[k]) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace covalesce::kernels::scalar
