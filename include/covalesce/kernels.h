// SIMD kernels for line bitmaps and arc keys, dispatched at run time by Highway.
//
// A LineBitmap is an array of uint64_t words; line n is bit (n % 64) of word (n / 64).
// On a little-endian machine that is byte-for-byte coverage.py's "numbits" blob (byte i,
// bit j = number 8*i+j), padded to whole words, so decode/encode are mostly copies plus
// trimming; the kernels exist because union/popcount/extraction run over every file of
// every shard. Every function here has a scalar twin in covalesce::kernels::scalar with
// identical results; tests compare the two on every compiled target.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace covalesce::kernels {

// Words needed to hold a numbits blob of `nbytes` bytes.
inline size_t WordsForBytes(size_t nbytes) { return (nbytes + 7) / 8; }

// numbits bytes -> words. `words` has WordsForBytes(nbytes) entries; the tail is zero-filled.
void DecodeNumbits(const uint8_t* numbits, size_t nbytes, uint64_t* words);
// dst[i] |= src[i] for i < nwords.
void OrInto(uint64_t* dst, const uint64_t* src, size_t nwords);
// dst = OR of srcs[k][0..lens[k]) for k < count; dst has dst_words >= max(lens) words
// (words past a source's length count as zero).
void UnionMany(const uint64_t* const* srcs, const size_t* lens, size_t count, uint64_t* dst,
               size_t dst_words);
// Number of set bits.
uint64_t Popcount(const uint64_t* words, size_t nwords);
// Writes the set bits' positions in ascending order to `out` (room for Popcount entries);
// returns how many were written.
size_t BitmapToLines(const uint64_t* words, size_t nwords, uint32_t* out);
// words -> numbits bytes with trailing zero bytes trimmed (as coverage.py's
// nums_to_numbits writes them); `out` has room for 8*nwords bytes; returns the length.
size_t EncodeNumbits(const uint64_t* words, size_t nwords, uint8_t* out);

// Arcs (fromno, tono) as one 64-bit key whose unsigned order is (fromno, tono) order.
inline uint64_t PackArc(int32_t from, int32_t to) {
  return (uint64_t(uint32_t(from) ^ 0x80000000u) << 32) | uint64_t(uint32_t(to) ^ 0x80000000u);
}
inline int32_t ArcFrom(uint64_t key) { return int32_t(uint32_t(key >> 32) ^ 0x80000000u); }
inline int32_t ArcTo(uint64_t key) { return int32_t(uint32_t(key) ^ 0x80000000u); }
// Sorts keys ascending (Highway vqsort) and removes duplicates; returns the new length.
size_t SortUnique(uint64_t* keys, size_t n);

// Name of the Highway target the dispatched kernels use on this CPU (e.g. "AVX2").
std::string ActiveTarget();

namespace scalar {
void DecodeNumbits(const uint8_t* numbits, size_t nbytes, uint64_t* words);
void OrInto(uint64_t* dst, const uint64_t* src, size_t nwords);
void UnionMany(const uint64_t* const* srcs, const size_t* lens, size_t count, uint64_t* dst,
               size_t dst_words);
uint64_t Popcount(const uint64_t* words, size_t nwords);
size_t BitmapToLines(const uint64_t* words, size_t nwords, uint32_t* out);
size_t EncodeNumbits(const uint64_t* words, size_t nwords, uint8_t* out);
size_t SortUnique(uint64_t* keys, size_t n);
}  // namespace scalar

}  // namespace covalesce::kernels
