// Compiles bitmap_kernels-inl.h once per Highway target and routes each public kernel in
// covalesce/kernels.h through one HWY_DYNAMIC_DISPATCH, so the binary is built for the
// baseline CPU yet runs the best target the machine has. Tests and benchmarks pick other
// targets with hwy::SetSupportedTargetsForTest; ActiveTarget() reports which one ran.
#include <bit>

#include "covalesce/kernels.h"

// AVX3_DL (Ice Lake and later, Zen 4) adds native per-byte popcount; Highway 1.0.3
// compiles it only on request.
#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "bitmap_kernels-inl.h"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "bitmap_kernels-inl.h"

#if HWY_ONCE
namespace covalesce::kernels {

static_assert(std::endian::native == std::endian::little,
              "the SIMD kernels view words as numbits bytes; big-endian needs a byte swap");

HWY_EXPORT(CompiledTarget);
HWY_EXPORT(DecodeNumbits);
HWY_EXPORT(OrInto);
HWY_EXPORT(UnionMany);
HWY_EXPORT(Popcount);
HWY_EXPORT(BitmapToLines);
HWY_EXPORT(EncodeNumbits);

void DecodeNumbits(const uint8_t* numbits, size_t nbytes, uint64_t* words) {
  HWY_DYNAMIC_DISPATCH(DecodeNumbits)(numbits, nbytes, words);
}
void OrInto(uint64_t* dst, const uint64_t* src, size_t nwords) {
  // Up to 512 lines, dispatch (a call into libhwy for the chosen target, ~3 ns) costs more
  // than the loop itself; callers OR small files' bitmaps millions of times.
  if (nwords <= 8) {
    for (size_t i = 0; i < nwords; ++i) dst[i] |= src[i];
    return;
  }
  HWY_DYNAMIC_DISPATCH(OrInto)(dst, src, nwords);
}
void UnionMany(const uint64_t* const* srcs, const size_t* lens, size_t count, uint64_t* dst,
               size_t dst_words) {
  HWY_DYNAMIC_DISPATCH(UnionMany)(srcs, lens, count, dst, dst_words);
}
uint64_t Popcount(const uint64_t* words, size_t nwords) {
  return HWY_DYNAMIC_DISPATCH(Popcount)(words, nwords);
}
size_t BitmapToLines(const uint64_t* words, size_t nwords, uint32_t* out) {
  return HWY_DYNAMIC_DISPATCH(BitmapToLines)(words, nwords, out);
}
size_t EncodeNumbits(const uint64_t* words, size_t nwords, uint8_t* out) {
  return HWY_DYNAMIC_DISPATCH(EncodeNumbits)(words, nwords, out);
}

std::string ActiveTarget() { return hwy::TargetName(HWY_DYNAMIC_DISPATCH(CompiledTarget)()); }

}  // namespace covalesce::kernels
#endif  // HWY_ONCE
