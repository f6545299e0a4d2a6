// SIMD bodies of the text kernels declared in covalesce/kernels.h (scans over Python source
// bytes that the analysis makes once per file), compiled once per x86 target by
// text_kernels.cc; the toggle guard lets foreach_target.h re-include this file. Each loop
// covers whole vectors and finishes byte by byte, so every target, HWY_SCALAR included,
// returns what kernels::scalar returns.

#if defined(COVALESCE_KERNELS_TEXT_KERNELS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef COVALESCE_KERNELS_TEXT_KERNELS_INL_H_
#undef COVALESCE_KERNELS_TEXT_KERNELS_INL_H_
#else
#define COVALESCE_KERNELS_TEXT_KERNELS_INL_H_
#endif

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "covalesce/kernels.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace covalesce::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The bytes, besides '\n', that may begin one of str.splitlines()'s other line boundaries
// as CountSplitLines counts them: \v, \r, \x1c-\x1e, and the lead bytes of U+0085 (C2) and
// U+2028/U+2029 (E2).
HWY_INLINE bool IsOtherBreakByte(uint8_t c) {
  return c == 0x0b || c == 0x0d || (c >= 0x1c && c <= 0x1e) || c == 0xc2 || c == 0xe2;
}

inline size_t CountNewlines(const uint8_t* HWY_RESTRICT text, size_t n, bool* other_breaks) {
  size_t count = 0;
  bool other = false;
  size_t i = 0;
#if HWY_TARGET != HWY_SCALAR
  const hn::ScalableTag<uint8_t> d;
  const size_t N = hn::Lanes(d);
  const auto newline = hn::Set(d, '\n'), vt = hn::Set(d, 0x0b), cr = hn::Set(d, 0x0d);
  const auto fs = hn::Set(d, 0x1c), three = hn::Set(d, 3);
  const auto c2 = hn::Set(d, 0xc2), e2 = hn::Set(d, 0xe2);
  auto others = hn::Zero(d);  // lanes that ever held another break's byte: all ones
  for (; i + N <= n; i += N) {
    const auto v = hn::LoadU(d, text + i);
    count += hn::CountTrue(d, hn::Eq(v, newline));
    // \x1c-\x1e: (v - 0x1c) < 3 as unsigned bytes.
    const auto group = hn::Lt(hn::Sub(v, fs), three);
    const auto other = hn::Or(hn::Or(hn::Eq(v, vt), hn::Eq(v, cr)),
                              hn::Or(group, hn::Or(hn::Eq(v, c2), hn::Eq(v, e2))));
    others = hn::Or(others, hn::VecFromMask(d, other));
  }
  other = !hn::AllTrue(d, hn::Eq(others, hn::Zero(d)));
#endif
  for (; i < n; ++i) {
    count += text[i] == '\n';
    other |= IsOtherBreakByte(text[i]);
  }
  *other_breaks = other;
  return count;
}

// Whether needles[k] (each non-empty) occurs at text[at..).
HWY_INLINE bool NeedleAt(const uint8_t* text, size_t n, size_t at, std::string_view needle) {
  return at + needle.size() <= n && std::memcmp(text + at, needle.data(), needle.size()) == 0;
}

inline bool ContainsAnyNeedle(const uint8_t* HWY_RESTRICT text, size_t n,
                              const std::string_view* needles, size_t count) {
  if (count == 0) return false;
  size_t longest = 0;
  for (size_t k = 0; k < count; ++k) longest = std::max(longest, needles[k].size());
  size_t i = 0;
#if HWY_TARGET != HWY_SCALAR
  // Per vector of start positions, a needle's candidates are where both its first and its
  // last byte sit at the right distance (Muła's generic SIMD substring search); few places
  // in source text pass both, and only those are compared whole.
  const hn::ScalableTag<uint8_t> d;
  const size_t N = hn::Lanes(d);
  static_assert(hn::MaxLanes(d) <= 64, "mask bits are gathered into one 64-bit word");
  if (n >= longest + N) {
    // Every needle's last-byte load stays inside the text for starts up to n - longest.
    const size_t vector_end = n - longest + 1;
    // One needle at a time over the text (the whole text is a few cache-resident KB), so that
    // its two bytes stay broadcast in registers.
    for (size_t k = 0; k < count; ++k) {
      const std::string_view needle = needles[k];
      const auto first = hn::Set(d, uint8_t(needle.front()));
      const auto last = hn::Set(d, uint8_t(needle.back()));
      const uint8_t* tails = text + needle.size() - 1;
      for (size_t at = 0; at + N <= vector_end; at += N) {
        const auto m = hn::And(hn::Eq(hn::LoadU(d, text + at), first), hn::Eq(hn::LoadU(d, tails + at), last));
        if (HWY_LIKELY(hn::AllFalse(d, m))) continue;
        uint64_t bits = 0;
        hn::StoreMaskBits(d, m, reinterpret_cast<uint8_t*>(&bits));
        for (; bits != 0; bits &= bits - 1) {
          if (NeedleAt(text, n, at + size_t(std::countr_zero(bits)), needle)) return true;
        }
      }
    }
    i = vector_end - vector_end % N;  // the starts every needle's loop covered
  }
#endif
  for (; i < n; ++i) {
    for (size_t k = 0; k < count; ++k) {
      if (text[i] == uint8_t(needles[k].front()) && NeedleAt(text, n, i, needles[k])) return true;
    }
  }
  return false;
}

}  // namespace HWY_NAMESPACE
}  // namespace covalesce::kernels
HWY_AFTER_NAMESPACE();

#endif  // COVALESCE_KERNELS_TEXT_KERNELS_INL_H_ toggle guard
