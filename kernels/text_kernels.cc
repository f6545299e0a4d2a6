// Compiles text_kernels-inl.h once per Highway target and routes each text kernel in
// covalesce/kernels.h through one HWY_DYNAMIC_DISPATCH, as bitmap_kernels.cc does for the
// bitmap kernels.
#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "text_kernels-inl.h"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "text_kernels-inl.h"

#if HWY_ONCE
namespace covalesce::kernels {

HWY_EXPORT(CountNewlines);
HWY_EXPORT(ContainsAnyNeedle);

size_t CountNewlines(const uint8_t* text, size_t n, bool* other_breaks) {
  return HWY_DYNAMIC_DISPATCH(CountNewlines)(text, n, other_breaks);
}
bool ContainsAnyNeedle(const uint8_t* text, size_t n, const std::string_view* needles, size_t count) {
  return HWY_DYNAMIC_DISPATCH(ContainsAnyNeedle)(text, n, needles, count);
}

}  // namespace covalesce::kernels
#endif  // HWY_ONCE
