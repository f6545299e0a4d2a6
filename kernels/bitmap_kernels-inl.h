// SIMD bodies of the line-bitmap kernels declared in covalesce/kernels.h, written once with
// Highway ops and compiled once per x86 target by bitmap_kernels.cc (foreach_target.h
// re-includes this file, hence the toggle guard instead of #pragma once). Loops are
// length-agnostic: whole vectors first, then a word-at-a-time remainder, so every target,
// down to HWY_SCALAR's one-lane "vectors", computes exactly what kernels::scalar computes.
// Byte views of word arrays (uint8_t*) rely on a little-endian host; bitmap_kernels.cc
// asserts that.

#if defined(COVALESCE_KERNELS_BITMAP_KERNELS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef COVALESCE_KERNELS_BITMAP_KERNELS_INL_H_
#undef COVALESCE_KERNELS_BITMAP_KERNELS_INL_H_
#else
#define COVALESCE_KERNELS_BITMAP_KERNELS_INL_H_
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "covalesce/kernels.h"
#include "hwy/highway.h"

// Target-independent tables, defined once (outside the toggle).
#ifndef COVALESCE_KERNELS_BIT_TABLES_
#define COVALESCE_KERNELS_BIT_TABLES_
namespace covalesce::kernels::detail {
// Row b: positions of the set bits of byte b, ascending, zero-padded; and their count.
inline constexpr auto kBitPositions = [] {
  std::array<std::array<uint8_t, 8>, 256> rows{};
  for (size_t b = 0; b < 256; ++b) {
    size_t n = 0;
    for (uint8_t i = 0; i < 8; ++i) {
      if (b & (1u << i)) rows[b][n++] = i;
    }
  }
  return rows;
}();
inline constexpr auto kBitCounts = [] {
  std::array<uint8_t, 256> counts{};
  for (unsigned b = 0; b < 256; ++b) counts[b] = static_cast<uint8_t>(std::popcount(b));
  return counts;
}();
}  // namespace covalesce::kernels::detail
#endif  // COVALESCE_KERNELS_BIT_TABLES_

HWY_BEFORE_NAMESPACE();
namespace covalesce::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Which target this copy was compiled for; ActiveTarget() names the one dispatch picks.
inline int64_t CompiledTarget() { return HWY_TARGET; }

// Byte copy: whole vectors, then the last Lanes(d8)-1 bytes one by one.
inline void CopyBytes(const uint8_t* HWY_RESTRICT from, size_t n, uint8_t* HWY_RESTRICT to) {
  const hn::ScalableTag<uint8_t> d8;
  const size_t N = hn::Lanes(d8);
  size_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(hn::LoadU(d8, from + i), d8, to + i);
  for (; i < n; ++i) to[i] = from[i];
}

inline void DecodeNumbits(const uint8_t* HWY_RESTRICT numbits, size_t nbytes,
                          uint64_t* HWY_RESTRICT words) {
  // Little-endian: the words' bytes are the blob's bytes, zero-padded to a whole word.
  uint8_t* out = reinterpret_cast<uint8_t*>(words);
  CopyBytes(numbits, nbytes, out);
  for (size_t i = nbytes; i < 8 * WordsForBytes(nbytes); ++i) out[i] = 0;
}

// dst |= src over n words (dst may equal src: OR is idempotent).
inline void OrInto(uint64_t* dst, const uint64_t* src, size_t n) {
  const hn::ScalableTag<uint64_t> d;
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto a = hn::Or(hn::LoadU(d, dst + i), hn::LoadU(d, src + i));
    const auto b = hn::Or(hn::LoadU(d, dst + i + N), hn::LoadU(d, src + i + N));
    hn::StoreU(a, d, dst + i);
    hn::StoreU(b, d, dst + i + N);
  }
  for (; i + N <= n; i += N) {
    hn::StoreU(hn::Or(hn::LoadU(d, dst + i), hn::LoadU(d, src + i)), d, dst + i);
  }
  for (; i < n; ++i) dst[i] |= src[i];
}

// dst |= s0 | s1 | s2 | s3: one load/store of dst per four sources.
inline void Or4Into(uint64_t* HWY_RESTRICT dst, const uint64_t* s0, const uint64_t* s1,
                    const uint64_t* s2, const uint64_t* s3, size_t n) {
  const hn::ScalableTag<uint64_t> d;
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    const auto a = hn::Or(hn::LoadU(d, s0 + i), hn::LoadU(d, s1 + i));
    const auto b = hn::Or(hn::LoadU(d, s2 + i), hn::LoadU(d, s3 + i));
    hn::StoreU(hn::Or(hn::LoadU(d, dst + i), hn::Or(a, b)), d, dst + i);
  }
  for (; i < n; ++i) dst[i] |= s0[i] | s1[i] | s2[i] | s3[i];
}

// Sources must not overlap dst (it is zeroed first).
inline void UnionMany(const uint64_t* const* srcs, const size_t* lens, size_t count,
                      uint64_t* HWY_RESTRICT dst, size_t dst_words) {
  std::fill(dst, dst + dst_words, uint64_t{0});
  // Blocks of dst small enough to stay in L1 while every source streams through them.
  constexpr size_t kBlock = 2048;
  for (size_t begin = 0; begin < dst_words; begin += kBlock) {
    const size_t end = std::min(dst_words, begin + kBlock);
    const uint64_t* full[4];  // sources covering the whole block, ORed four at a time
    size_t nfull = 0;
    for (size_t k = 0; k < count; ++k) {
      const size_t len = std::min(lens[k], end);
      if (len <= begin) continue;
      if (len < end) {
        OrInto(dst + begin, srcs[k] + begin, len - begin);
        continue;
      }
      full[nfull++] = srcs[k] + begin;
      if (nfull == 4) {
        Or4Into(dst + begin, full[0], full[1], full[2], full[3], end - begin);
        nfull = 0;
      }
    }
    for (size_t j = 0; j < nfull; ++j) OrInto(dst + begin, full[j], end - begin);
  }
}

inline uint64_t Popcount(const uint64_t* HWY_RESTRICT words, size_t nwords) {
  uint64_t total = 0;
  size_t i = 0;
#if HWY_TARGET != HWY_SCALAR  // one-lane u8 vectors cannot be summed into u64 lanes
  // Per-byte counts (native VPOPCNTB on AVX3_DL, nibble lookup elsewhere), accumulated as
  // bytes for up to 31 vectors (31 * 8 < 256), then widened with SumsOf8 (PSADBW).
  const hn::ScalableTag<uint8_t> d8;
  const size_t N = hn::Lanes(d8);
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(words);
  const size_t nbytes = 8 * nwords;
  auto sums = hn::SumsOf8(hn::Zero(d8));
  while (i + N <= nbytes) {
    auto counts = hn::Zero(d8);
    for (int k = 0; k < 31 && i + N <= nbytes; ++k, i += N) {
      counts = hn::Add(counts, hn::PopulationCount(hn::LoadU(d8, bytes + i)));
    }
    sums = hn::Add(sums, hn::SumsOf8(counts));
  }
  const hn::DFromV<decltype(sums)> d64;
  total = hn::GetLane(hn::SumOfLanes(d64, sums));
  i /= 8;  // bytes -> words
#endif
  for (; i < nwords; ++i) total += hwy::PopCount(words[i]);
  return total;
}

// Appends base + position of every set bit of `bits`, lowest first, one ctz per bit.
HWY_INLINE uint32_t* EmitExact(uint64_t bits, uint32_t base, uint32_t* HWY_RESTRICT out) {
  for (; bits != 0; bits &= bits - 1) *out++ = base + static_cast<uint32_t>(std::countr_zero(bits));
  return out;
}

// As EmitExact for a word with `count` set bits, but the first eight stores are
// unconditional, which spares sparse words the mispredicted loop exit; up to 7 entries
// of scratch land past the word's lines.
HWY_INLINE uint32_t* EmitSparse(uint64_t bits, size_t count, uint32_t base,
                                uint32_t* HWY_RESTRICT out) {
  for (int i = 0; i < 8; ++i) {
    out[i] = base + static_cast<uint32_t>(std::countr_zero(bits));  // 64 once bits run out
    bits &= bits - 1;
  }
  if (count > 8) EmitExact(bits, base, out + 8);
  return out + count;
}

// Same result a byte (or nibble, on 4-lane targets) at a time, no branches: the table row
// for the byte lists its set bits' positions; widened to u32 and offset, the row is stored
// whole, so up to G - 1 entries of scratch land past the word's lines.
template <class D32>
HWY_INLINE uint32_t* EmitDense(D32 d32, uint64_t bits, uint32_t base,
                               uint32_t* HWY_RESTRICT out) {
  constexpr size_t G = hn::MaxLanes(D32());  // bits per group: 8 (or 4, 1)
  const hn::Rebind<uint8_t, D32> d8;
  constexpr uint64_t kGroupMask = (uint64_t{1} << G) - 1;
  for (size_t g = 0; g < 64; g += G) {
    const size_t mask = static_cast<size_t>((bits >> g) & kGroupMask);
    const auto pos = hn::PromoteTo(d32, hn::LoadU(d8, detail::kBitPositions[mask].data()));
    hn::StoreU(hn::Add(pos, hn::Set(d32, base + static_cast<uint32_t>(g))), d32, out);
    out += detail::kBitCounts[mask];
  }
  return out;
}

inline size_t BitmapToLines(const uint64_t* HWY_RESTRICT words, size_t nwords,
                            uint32_t* HWY_RESTRICT out) {
  const hn::ScalableTag<uint64_t> d64;
  const size_t N64 = hn::Lanes(d64);
  const hn::CappedTag<uint32_t, 8> d32;  // one lane per bit of a table row
  constexpr size_t G = hn::MaxLanes(decltype(d32)());
  // From this many set bits on, 64 / G table rows beat ctz per bit.
  constexpr size_t kDense = (G >= 8) ? 12 : (G >= 4) ? 20 : 65;
  // `out` holds exactly the set bits, and the fast paths store up to 7 entries of scratch
  // past a word's lines, which later words overwrite. So they may only run while at least
  // 8 set bits follow: words from `fast_end` on take the exact loop.
  size_t fast_end = nwords;
  for (size_t after = 0; fast_end > 0 && after < 8;) after += hwy::PopCount(words[--fast_end]);

  uint32_t* pos = out;
  const auto emit_fast = [&](uint64_t bits, uint32_t base) HWY_ATTR {
    if (bits == 0) return;
    const size_t count = hwy::PopCount(bits);
    pos = (count >= kDense) ? EmitDense(d32, bits, base, pos)
                            : EmitSparse(bits, count, base, pos);
  };
  size_t w = 0;
  for (; w + N64 <= fast_end; w += N64) {
    // Skip all-zero vectors (unexecuted stretches) with one compare.
    if (hn::AllTrue(d64, hn::Eq(hn::LoadU(d64, words + w), hn::Zero(d64)))) continue;
    for (size_t j = w; j < w + N64; ++j) emit_fast(words[j], static_cast<uint32_t>(64 * j));
  }
  for (; w < fast_end; ++w) emit_fast(words[w], static_cast<uint32_t>(64 * w));
  for (; w < nwords; ++w) pos = EmitExact(words[w], static_cast<uint32_t>(64 * w), pos);
  return static_cast<size_t>(pos - out);
}

inline size_t EncodeNumbits(const uint64_t* HWY_RESTRICT words, size_t nwords,
                            uint8_t* HWY_RESTRICT out) {
  // Find the last non-zero word, a vector at a time from the end.
  const hn::ScalableTag<uint64_t> d;
  const size_t N = hn::Lanes(d);
  size_t last = nwords;
  while (last >= N && hn::AllTrue(d, hn::Eq(hn::LoadU(d, words + last - N), hn::Zero(d)))) {
    last -= N;
  }
  while (last > 0 && words[last - 1] == 0) --last;
  if (last == 0) return 0;
  // Keep the top word's bytes up to its highest set bit.
  const size_t high_bit = 63 - hwy::Num0BitsAboveMS1Bit_Nonzero64(words[last - 1]);
  const size_t nbytes = 8 * (last - 1) + high_bit / 8 + 1;
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(words);
  CopyBytes(bytes, nbytes, out);
  return nbytes;
}

}  // namespace HWY_NAMESPACE
}  // namespace covalesce::kernels
HWY_AFTER_NAMESPACE();

#endif  // COVALESCE_KERNELS_BITMAP_KERNELS_INL_H_ toggle guard
