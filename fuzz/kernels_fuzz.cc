// Fuzz target: every kernel of covalesce/kernels.h, dispatched on each Highway target this
// CPU runs, against its scalar twin on the same bytes. The input is a numbits blob (after a
// few bytes that pick an unaligned start and how to split it); each buffer is allocated at
// its exact size, so a kernel reading or writing a byte past its end is an ASan report.
// Also checked: EncodeNumbits(DecodeNumbits(b)) is b without its trailing zero bytes, and
// SortUnique equals std::sort + std::unique. The text kernels read the same blob as source
// text, with needles cut from it (one of them its last bytes, so a match ends at the
// allocation's end).
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "covalesce/kernels.h"
#include "fuzz_util.h"
#include "hwy/targets.h"

namespace {

using namespace covalesce;

// The targets the kernels library compiled that this CPU runs (as tests/kernels_test.cc).
const std::vector<int64_t>& KernelTargets() {
  static const std::vector<int64_t> targets = [] {
    std::vector<int64_t> t;
    for (int64_t bits = hwy::SupportedTargets(); bits != 0; bits &= bits - 1) {
      const int64_t target = bits & -bits;
      hwy::SetSupportedTargetsForTest(target);
      if (kernels::ActiveTarget() == hwy::TargetName(target)) t.push_back(target);
    }
    hwy::SetSupportedTargetsForTest(0);
    return t;
  }();
  return targets;
}

template <class T>
std::unique_ptr<T[]> Exact(size_t n) {  // n == 0 still gets a (1-element) allocation
  return std::unique_ptr<T[]>(new T[n ? n : 1]());
}

void Check(bool ok, const char* what, int64_t target) {
  if (!ok) covalesce::fuzz::Fail(std::string(what) + " differs from scalar on " + hwy::TargetName(target));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const size_t misalign = in.ConsumeIntegralInRange<size_t>(0, 7);
  const size_t nsources = in.ConsumeIntegralInRange<size_t>(1, 6);
  std::vector<uint8_t> rest = in.ConsumeRemainingBytes<uint8_t>();

  // The numbits blob, starting `misalign` bytes into its allocation and ending at its end.
  const size_t nbytes = rest.size();
  auto blob_alloc = Exact<uint8_t>(nbytes + misalign);
  uint8_t* blob = blob_alloc.get() + misalign;
  if (nbytes) std::memcpy(blob, rest.data(), nbytes);
  const size_t nwords = kernels::WordsForBytes(nbytes);

  // Scalar references.
  auto ref_words = Exact<uint64_t>(nwords);
  kernels::scalar::DecodeNumbits(blob, nbytes, ref_words.get());
  const uint64_t ref_pop = kernels::scalar::Popcount(ref_words.get(), nwords);
  auto ref_lines = Exact<uint32_t>(ref_pop);
  const size_t ref_nlines = kernels::scalar::BitmapToLines(ref_words.get(), nwords, ref_lines.get());
  if (ref_nlines != ref_pop) covalesce::fuzz::Fail("scalar BitmapToLines count != Popcount");
  auto ref_enc = Exact<uint8_t>(8 * nwords);
  const size_t ref_enclen = kernels::scalar::EncodeNumbits(ref_words.get(), nwords, ref_enc.get());
  size_t trimmed = nbytes;
  while (trimmed && blob[trimmed - 1] == 0) --trimmed;
  if (ref_enclen != trimmed || std::memcmp(ref_enc.get(), blob, trimmed) != 0) {
    covalesce::fuzz::Fail("scalar EncodeNumbits(DecodeNumbits(b)) is not b trimmed");
  }

  // Sources for OrInto / UnionMany: consecutive slices of the decoded words.
  std::vector<std::unique_ptr<uint64_t[]>> src_alloc;
  std::vector<const uint64_t*> srcs;
  std::vector<size_t> lens;
  size_t max_len = 0;
  for (size_t k = 0, at = 0; k < nsources; ++k) {
    size_t len = k + 1 == nsources ? nwords - at : std::min(nwords - at, (nwords / nsources) + k);
    auto s = Exact<uint64_t>(len);
    if (len) std::memcpy(s.get(), ref_words.get() + at, len * 8);
    at += len;
    srcs.push_back(s.get());
    lens.push_back(len);
    max_len = std::max(max_len, len);
    src_alloc.push_back(std::move(s));
  }
  const size_t dst_words = max_len + misalign % 3;
  auto ref_union = Exact<uint64_t>(dst_words);
  kernels::scalar::UnionMany(srcs.data(), lens.data(), srcs.size(), ref_union.get(), dst_words);
  auto ref_or = Exact<uint64_t>(lens[0]);
  if (lens[0]) std::memcpy(ref_or.get(), srcs[0], lens[0] * 8);
  const size_t or_len = std::min(lens[0], lens.back());
  kernels::scalar::OrInto(ref_or.get(), srcs.back(), or_len);

  // Arc keys: the blob read as 64-bit keys.
  const size_t nkeys = nbytes / 8;
  std::vector<uint64_t> keys(nkeys);
  if (nkeys) std::memcpy(keys.data(), blob, nkeys * 8);
  std::vector<uint64_t> ref_keys = keys;
  std::sort(ref_keys.begin(), ref_keys.end());
  ref_keys.erase(std::unique(ref_keys.begin(), ref_keys.end()), ref_keys.end());
  {
    auto k = Exact<uint64_t>(nkeys);
    if (nkeys) std::memcpy(k.get(), keys.data(), nkeys * 8);
    size_t n = kernels::scalar::SortUnique(k.get(), nkeys);
    if (n != ref_keys.size() || !std::equal(ref_keys.begin(), ref_keys.end(), k.get())) {
      covalesce::fuzz::Fail("scalar SortUnique differs from std::sort + std::unique");
    }
  }

  // Text: the blob itself; up to four needles cut from it (the first nsources - 1 at spread
  // offsets and lengths, the last its tail), plus one that is rarely there.
  std::vector<std::string> needle_text;
  for (size_t k = 0; nbytes && k + 1 < nsources; ++k) {
    const size_t at = (k * 7919 + misalign) % nbytes;
    const size_t len = std::min(nbytes - at, 1 + (k * 5 + misalign) % 24);
    needle_text.emplace_back(reinterpret_cast<const char*>(blob + at), len);
  }
  if (nbytes) needle_text.emplace_back(reinterpret_cast<const char*>(blob + nbytes - std::min<size_t>(nbytes, 1 + misalign)), std::min<size_t>(nbytes, 1 + misalign));
  needle_text.emplace_back("pragma: no cover");
  std::vector<std::string_view> needles(needle_text.begin(), needle_text.end());
  bool ref_other = false;
  const size_t ref_newlines = kernels::scalar::CountNewlines(blob, nbytes, &ref_other);
  const bool ref_found = kernels::scalar::ContainsAnyNeedle(blob, nbytes, needles.data(), needles.size());
  if (needles.size() > 1 && !ref_found) covalesce::fuzz::Fail("scalar ContainsAnyNeedle misses a needle cut from the text");
  const bool ref_found_last = kernels::scalar::ContainsAnyNeedle(blob, nbytes, &needles.back(), 1);

  for (int64_t target : KernelTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    bool other = !ref_other;
    Check(kernels::CountNewlines(blob, nbytes, &other) == ref_newlines && other == ref_other, "CountNewlines", target);
    Check(kernels::ContainsAnyNeedle(blob, nbytes, needles.data(), needles.size()) == ref_found, "ContainsAnyNeedle", target);
    Check(kernels::ContainsAnyNeedle(blob, nbytes, &needles.back(), 1) == ref_found_last,
          "ContainsAnyNeedle (the rare needle alone)", target);
    auto words = Exact<uint64_t>(nwords);
    kernels::DecodeNumbits(blob, nbytes, words.get());
    Check(std::equal(words.get(), words.get() + nwords, ref_words.get()), "DecodeNumbits", target);
    Check(kernels::Popcount(words.get(), nwords) == ref_pop, "Popcount", target);
    auto lines = Exact<uint32_t>(ref_pop);
    size_t nlines = kernels::BitmapToLines(words.get(), nwords, lines.get());
    Check(nlines == ref_nlines && std::equal(lines.get(), lines.get() + nlines, ref_lines.get()), "BitmapToLines", target);
    auto enc = Exact<uint8_t>(8 * nwords);
    size_t enclen = kernels::EncodeNumbits(words.get(), nwords, enc.get());
    Check(enclen == ref_enclen && std::memcmp(enc.get(), ref_enc.get(), enclen) == 0, "EncodeNumbits", target);
    auto uni = Exact<uint64_t>(dst_words);
    kernels::UnionMany(srcs.data(), lens.data(), srcs.size(), uni.get(), dst_words);
    Check(std::equal(uni.get(), uni.get() + dst_words, ref_union.get()), "UnionMany", target);
    auto orr = Exact<uint64_t>(lens[0]);
    if (lens[0]) std::memcpy(orr.get(), srcs[0], lens[0] * 8);
    kernels::OrInto(orr.get(), srcs.back(), or_len);
    Check(std::equal(orr.get(), orr.get() + lens[0], ref_or.get()), "OrInto", target);
    auto k = Exact<uint64_t>(nkeys);
    if (nkeys) std::memcpy(k.get(), keys.data(), nkeys * 8);
    size_t n = kernels::SortUnique(k.get(), nkeys);
    Check(n == ref_keys.size() && std::equal(ref_keys.begin(), ref_keys.end(), k.get()), "SortUnique", target);
  }
  hwy::SetSupportedTargetsForTest(0);
  return 0;
}
