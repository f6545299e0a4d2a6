// SIMD kernels for line bitmaps, arc keys and source text scans, dispatched at run time by
// Highway.
//
// A LineBitmap is an array of uint64_t words; line n is bit (n % 64) of word (n / 64).
// On a little-endian machine that is byte-for-byte coverage.py's "numbits" blob (byte i,
// bit j = number 8*i+j), padded to whole words, so decode/encode are mostly copies plus
// trimming; the kernels exist because union/popcount/extraction run over every file of
// every shard. Every kernel (declared in covalesce/kernel_functions.inc) has a scalar twin
// in covalesce::kernels::scalar with identical results; tests compare the two on every
// compiled target.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace covalesce::kernels {

// Words needed to hold a numbits blob of `nbytes` bytes.
inline size_t WordsForBytes(size_t nbytes) { return (nbytes + 7) / 8; }

#include "covalesce/kernel_functions.inc"

// Arcs (fromno, tono) as one 64-bit key whose unsigned order is (fromno, tono) order.
inline uint64_t PackArc(int32_t from, int32_t to) {
  return (uint64_t(uint32_t(from) ^ 0x80000000u) << 32) | uint64_t(uint32_t(to) ^ 0x80000000u);
}
inline int32_t ArcFrom(uint64_t key) { return int32_t(uint32_t(key >> 32) ^ 0x80000000u); }
inline int32_t ArcTo(uint64_t key) { return int32_t(uint32_t(key) ^ 0x80000000u); }

// Name of the Highway target the dispatched kernels use on this CPU (e.g. "AVX2").
std::string ActiveTarget();

namespace scalar {
#include "covalesce/kernel_functions.inc"
}  // namespace scalar

}  // namespace covalesce::kernels
