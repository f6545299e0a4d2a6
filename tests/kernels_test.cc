// Every kernel in covalesce/kernels.h against its scalar twin, on every Highway target the
// kernels library compiled and this CPU runs: each TEST_P is instantiated once per target
// (KernelsTest/AVX2.BitmapToLines, ...) and hwy::TestWithParamTarget points dynamic dispatch
// at that target for the test's duration. Inputs are random bitmaps of several densities
// plus the edge cases (empty, line 0, all ones, 200k lines, odd lengths, unaligned
// pointers); outputs sit between canaries so a kernel writing out of bounds fails too.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "covalesce/kernels.h"
#include "gtest/gtest.h"
#include "hwy/targets.h"
#include "hwy/tests/hwy_gtest.h"

namespace covalesce::kernels {
namespace {

// Targets to test, asked of the library itself: mock each target the CPU supports and keep
// it if dispatch really lands there. (hwy::SupportedAndGeneratedTargets() would use this
// file's HWY_TARGETS, not the library's, which also compiles AVX3_DL.)
std::vector<int64_t> KernelTargets() {
  std::vector<int64_t> targets;
  for (int64_t bits = hwy::SupportedTargets(); bits != 0; bits &= bits - 1) {
    const int64_t target = bits & -bits;
    hwy::SetSupportedTargetsForTest(target);
    if (ActiveTarget() == hwy::TargetName(target)) targets.push_back(target);
  }
  hwy::SetSupportedTargetsForTest(0);
  return targets;
}

class KernelsTest : public hwy::TestWithParamTarget {};
INSTANTIATE_TEST_SUITE_P(PerTarget, KernelsTest, testing::ValuesIn(KernelTargets()),
                         hwy::TestParamTargetName);

constexpr uint64_t kCanary = 0xC0FFEE00DEADBEEFull;

enum class Density { kZero, kSparse, kQuarter, kHalf, kDense, kOnes, kRuns };
constexpr Density kDensities[] = {Density::kZero,  Density::kSparse, Density::kQuarter,
                                  Density::kHalf,  Density::kDense,  Density::kOnes,
                                  Density::kRuns};

std::vector<uint64_t> RandomBitmap(std::mt19937_64& rng, size_t nwords, Density density) {
  std::vector<uint64_t> words(nwords);
  bool in_run = false;
  for (uint64_t& w : words) {
    switch (density) {
      case Density::kZero: w = 0; break;
      case Density::kSparse: w = rng() & rng() & rng() & rng() & rng(); break;  // ~3%
      case Density::kQuarter: w = rng() & rng(); break;
      case Density::kHalf: w = rng(); break;
      case Density::kDense: w = rng() | rng() | rng(); break;  // ~88%
      case Density::kOnes: w = ~uint64_t{0}; break;
      case Density::kRuns:  // executed stretches and whole unexecuted words, like real code
        if (rng() % 4 == 0) in_run = !in_run;
        w = in_run ? ~(rng() & rng() & rng()) : 0;
        break;
    }
  }
  return words;
}

// Word counts covering empty, sub-vector, odd and multi-block lengths (200k lines = 3125).
const std::vector<size_t> kLengths = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64,
                                      65, 100, 127, 129, 255, 257, 1000, 2047, 2049, 3125};

// A buffer of canaries with room for `n` values at `offset` (to misalign vector accesses).
template <typename T>
struct Guarded {
  static constexpr size_t kSlack = 64;
  Guarded(size_t n, size_t offset) : buf(n + offset + kSlack, static_cast<T>(kCanary)),
                                     offset(offset), n(n) {}
  T* data() { return buf.data() + offset; }
  std::vector<T> Contents() const { return {buf.begin() + offset, buf.begin() + offset + n}; }
  bool CanariesIntact() const {
    const auto canary = [](T v) { return v == static_cast<T>(kCanary); };
    return std::all_of(buf.begin(), buf.begin() + offset, canary) &&
           std::all_of(buf.begin() + offset + n, buf.end(), canary);
  }
  std::vector<T> buf;
  size_t offset, n;
};

TEST_P(KernelsTest, DispatchRunsRequestedTarget) {
  EXPECT_EQ(ActiveTarget(), hwy::TargetName(GetParam()));
}

TEST_P(KernelsTest, DecodeNumbitsMatchesScalar) {
  std::mt19937_64 rng(1);
  for (size_t nbytes :
       {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1023, 25000}) {
    for (size_t offset : {0, 1, 3, 17}) {
      std::vector<uint8_t> blob(offset + nbytes);
      for (auto& b : blob) b = static_cast<uint8_t>(rng());
      const size_t nwords = WordsForBytes(nbytes);
      Guarded<uint64_t> got(nwords, offset % 4), want(nwords, 0);
      DecodeNumbits(blob.data() + offset, nbytes, got.data());
      scalar::DecodeNumbits(blob.data() + offset, nbytes, want.data());
      EXPECT_EQ(got.Contents(), want.Contents()) << nbytes << " bytes";
      EXPECT_TRUE(got.CanariesIntact()) << nbytes << " bytes";
    }
  }
}

TEST_P(KernelsTest, OrIntoMatchesScalar) {
  std::mt19937_64 rng(2);
  for (size_t n : kLengths) {
    for (size_t offset : {0, 1, 3}) {
      const auto a = RandomBitmap(rng, n, Density::kQuarter);
      const auto b = RandomBitmap(rng, n + offset, Density::kSparse);
      Guarded<uint64_t> got(n, offset);
      std::copy(a.begin(), a.end(), got.data());
      std::vector<uint64_t> want = a;
      OrInto(got.data(), b.data() + offset, n);
      scalar::OrInto(want.data(), b.data() + offset, n);
      EXPECT_EQ(got.Contents(), want) << n << " words";
      EXPECT_TRUE(got.CanariesIntact()) << n << " words";
      // dst == src leaves it unchanged.
      OrInto(want.data(), want.data(), n);
      EXPECT_EQ(got.Contents(), want);
    }
  }
}

TEST_P(KernelsTest, UnionManyMatchesScalar) {
  std::mt19937_64 rng(3);
  for (size_t count : {0, 1, 2, 3, 4, 5, 8, 339}) {
    for (size_t max_len : {0, 1, 5, 17, 300, 5000}) {
      std::vector<std::vector<uint64_t>> bitmaps(count);
      std::vector<const uint64_t*> srcs;
      std::vector<size_t> lens;
      for (auto& bm : bitmaps) {
        // Mostly full-length sources, some shorter (and some empty), as shards differ.
        const size_t len = (rng() % 3 == 0) ? rng() % (max_len + 1) : max_len;
        bm = RandomBitmap(rng, len, (rng() % 2) ? Density::kSparse : Density::kRuns);
        srcs.push_back(bm.data());
        lens.push_back(len);
      }
      const size_t dst_words = max_len + rng() % 3;  // may exceed every source
      Guarded<uint64_t> got(dst_words, 1), want(dst_words, 0);
      UnionMany(srcs.data(), lens.data(), count, got.data(), dst_words);
      scalar::UnionMany(srcs.data(), lens.data(), count, want.data(), dst_words);
      EXPECT_EQ(got.Contents(), want.Contents()) << count << " sources, " << max_len;
      EXPECT_TRUE(got.CanariesIntact()) << count << " sources, " << max_len;
    }
  }
}

TEST_P(KernelsTest, PopcountMatchesScalar) {
  std::mt19937_64 rng(4);
  for (size_t n : kLengths) {
    for (Density density : kDensities) {
      for (size_t offset : {0, 1}) {
        auto words = RandomBitmap(rng, n + offset, density);
        EXPECT_EQ(Popcount(words.data() + offset, n), scalar::Popcount(words.data() + offset, n))
            << n << " words";
      }
    }
  }
  // Many all-ones vectors: the per-byte accumulators must not overflow.
  const std::vector<uint64_t> ones(100000, ~uint64_t{0});
  EXPECT_EQ(Popcount(ones.data(), ones.size()), 64u * ones.size());
}

void ExpectLinesMatch(const std::vector<uint64_t>& words, size_t offset = 0) {
  const uint64_t* bits = words.data() + offset;
  const size_t nwords = words.size() - offset;
  const size_t count = scalar::Popcount(bits, nwords);
  Guarded<uint32_t> got(count, offset % 5), want(count, 0);
  ASSERT_EQ(BitmapToLines(bits, nwords, got.data()), count) << nwords << " words";
  ASSERT_EQ(scalar::BitmapToLines(bits, nwords, want.data()), count);
  EXPECT_EQ(got.Contents(), want.Contents()) << nwords << " words";
  EXPECT_TRUE(got.CanariesIntact()) << nwords << " words";  // `out` holds exactly `count`
}

TEST_P(KernelsTest, BitmapToLinesMatchesScalar) {
  std::mt19937_64 rng(5);
  for (size_t n : kLengths) {
    for (Density density : kDensities) {
      ExpectLinesMatch(RandomBitmap(rng, n, density));
      ExpectLinesMatch(RandomBitmap(rng, n + 3, density), 3);
    }
  }
}

TEST_P(KernelsTest, BitmapToLinesEdgeCases) {
  uint32_t line = 12345;
  EXPECT_EQ(BitmapToLines(nullptr, 0, &line), 0u);
  EXPECT_EQ(line, 12345u);
  ExpectLinesMatch({1});                        // line 0 only
  ExpectLinesMatch({uint64_t{1} << 63});        // last bit of a word
  ExpectLinesMatch(std::vector<uint64_t>(3125, ~uint64_t{0}));  // 200k lines, all run
  for (size_t bit : {0, 1, 63, 64, 127, 128, 511, 512, 199999}) {
    std::vector<uint64_t> single(3125, 0);
    single[bit / 64] = uint64_t{1} << (bit % 64);
    uint32_t out = 0;
    ASSERT_EQ(BitmapToLines(single.data(), single.size(), &out), 1u);
    EXPECT_EQ(out, bit);
  }
  // Dense words right up to the end, where the compress path must hand over to ctz.
  std::mt19937_64 rng(6);
  for (size_t n = 1; n < 40; ++n) {
    auto words = RandomBitmap(rng, n, Density::kDense);
    words.back() = ~uint64_t{0};
    ExpectLinesMatch(words);
  }
}

void ExpectEncodeMatches(const std::vector<uint64_t>& words, size_t offset = 0) {
  const size_t nwords = words.size() - offset;
  Guarded<uint8_t> got(8 * nwords, offset % 7), want(8 * nwords, 0);
  const size_t len = EncodeNumbits(words.data() + offset, nwords, got.data());
  const size_t want_len = scalar::EncodeNumbits(words.data() + offset, nwords, want.data());
  ASSERT_EQ(len, want_len) << nwords << " words";
  EXPECT_TRUE(std::equal(got.data(), got.data() + len, want.data())) << nwords << " words";
  EXPECT_TRUE(got.CanariesIntact()) << nwords << " words";
  if (len > 0) {
    EXPECT_NE(got.data()[len - 1], 0) << "trailing zero byte kept";
  }
}

TEST_P(KernelsTest, EncodeNumbitsMatchesScalar) {
  std::mt19937_64 rng(7);
  for (size_t n : kLengths) {
    for (Density density : kDensities) {
      ExpectEncodeMatches(RandomBitmap(rng, n, density));
      ExpectEncodeMatches(RandomBitmap(rng, n + 1, density), 1);
      // Trailing zero words and bytes to trim.
      auto words = RandomBitmap(rng, n, density);
      for (size_t z = 0; z < std::min<size_t>(n, rng() % 20); ++z) words[n - 1 - z] = 0;
      if (n > 0) words[0] |= 1;
      ExpectEncodeMatches(words);
    }
  }
  ExpectEncodeMatches(std::vector<uint64_t>(3125, 0));  // all zero -> length 0
  for (int byte = 0; byte < 8; ++byte) ExpectEncodeMatches({0, uint64_t{0x80} << (8 * byte)});
}

TEST_P(KernelsTest, NumbitsRoundTrip) {
  std::mt19937_64 rng(8);
  for (size_t nbytes : {1, 2, 3, 5, 7, 9, 13, 31, 33, 1001}) {  // odd lengths, last byte set
    std::vector<uint8_t> blob(nbytes);
    for (auto& b : blob) b = static_cast<uint8_t>(rng());
    blob.back() |= 0x10;
    std::vector<uint64_t> words(WordsForBytes(nbytes), kCanary);
    DecodeNumbits(blob.data(), nbytes, words.data());
    std::vector<uint8_t> back(8 * words.size());
    ASSERT_EQ(EncodeNumbits(words.data(), words.size(), back.data()), nbytes);
    back.resize(nbytes);
    EXPECT_EQ(back, blob);
  }
}

TEST_P(KernelsTest, KnownNumbits) {
  // coverage.py: nums_to_numbits([1,2,3,4,6,8,9,10,11,14,15,17,...,23,25,26,27]).
  const uint8_t blob[] = {0x5E, 0xCF, 0xFE, 0x0E};
  uint64_t word = kCanary;
  DecodeNumbits(blob, sizeof blob, &word);
  std::vector<uint32_t> lines(Popcount(&word, 1));
  lines.resize(BitmapToLines(&word, 1, lines.data()));
  EXPECT_EQ(lines, (std::vector<uint32_t>{1, 2, 3, 4, 6, 8, 9, 10, 11, 14, 15, 17, 18, 19, 20,
                                          21, 22, 23, 25, 26, 27}));

  const auto encode = [](std::vector<uint64_t> words) {
    std::vector<uint8_t> out(8 * words.size());
    out.resize(EncodeNumbits(words.data(), words.size(), out.data()));
    return out;
  };
  EXPECT_EQ(encode({0b110}), (std::vector<uint8_t>{0x06}));  // lines {1, 2}
  EXPECT_EQ(encode({1 | (1 << 7) | (1 << 8) | (1 << 17)}),  // lines {0, 7, 8, 17}
            (std::vector<uint8_t>{0x81, 0x01, 0x02}));
  EXPECT_EQ(encode({0x0EFECF5E, 0, 0}), (std::vector<uint8_t>{0x5E, 0xCF, 0xFE, 0x0E}));
  EXPECT_TRUE(encode({0, 0}).empty());
  EXPECT_TRUE(encode({}).empty());
}

TEST_P(KernelsTest, SortUniqueMatchesScalar) {
  std::mt19937_64 rng(9);
  for (size_t n : {0, 1, 2, 3, 16, 17, 100, 1000, 4097, 100000}) {
    for (uint64_t range : {uint64_t{4}, uint64_t{1000}, ~uint64_t{0}}) {
      std::vector<uint64_t> keys(n);
      for (auto& k : keys) k = rng() % range;  // small ranges: many duplicates
      auto want = keys;
      const size_t len = SortUnique(keys.data(), n);
      want.resize(scalar::SortUnique(want.data(), n));
      keys.resize(len);
      EXPECT_EQ(keys, want) << n << " keys below " << range;
    }
  }
  std::vector<uint64_t> dups(1000, 42);
  EXPECT_EQ(SortUnique(dups.data(), dups.size()), 1u);
  EXPECT_EQ(dups[0], 42u);
}

TEST_P(KernelsTest, PackArcOrdersLikeSignedPairs) {
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  std::vector<std::pair<int32_t, int32_t>> arcs = {
      {-1, 5}, {5, -1}, {1, 2}, {-3, -7}, {0, 0}, {kMin, kMax}, {kMax, kMin}, {-1, -1},
      {1, -2}, {1, 2},  {0, -1}, {-1, 0}, {kMin, kMin}, {kMax, kMax}, {-1, 5}};
  std::mt19937_64 rng(10);
  for (int i = 0; i < 2000; ++i) {
    arcs.emplace_back(static_cast<int32_t>(rng() % 200) - 100,
                      static_cast<int32_t>(rng() % 200) - 100);
  }
  std::vector<uint64_t> keys;
  for (auto [from, to] : arcs) {
    keys.push_back(PackArc(from, to));
    EXPECT_EQ(ArcFrom(keys.back()), from);
    EXPECT_EQ(ArcTo(keys.back()), to);
  }
  std::sort(arcs.begin(), arcs.end());
  arcs.erase(std::unique(arcs.begin(), arcs.end()), arcs.end());
  keys.resize(SortUnique(keys.data(), keys.size()));
  ASSERT_EQ(keys.size(), arcs.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(std::make_pair(ArcFrom(keys[i]), ArcTo(keys[i])), arcs[i]) << i;
  }
}

// Source-like text over a small alphabet, so that needles and line breaks occur often,
// with `rare` bytes (other line breaks, UTF-8 lead bytes) mixed in at the given odds.
std::string RandomText(std::mt19937_64& rng, size_t n, int rare_per_1000) {
  static constexpr char kCommon[] = "ab pr#\nPRagm\n  ";
  static constexpr uint8_t kRare[] = {0x0b, 0x0c, 0x0d, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
                                      0xc2, 0x85, 0xe2, 0x80, 0xa8, 0xc3, 0xe1, 0x00};
  std::string text(n, ' ');
  for (char& c : text) {
    c = int(rng() % 1000) < rare_per_1000 ? char(kRare[rng() % sizeof(kRare)])
                                          : kCommon[rng() % (sizeof(kCommon) - 1)];
  }
  return text;
}

TEST_P(KernelsTest, CountNewlinesMatchesScalar) {
  std::mt19937_64 rng(11);
  for (size_t n : {size_t{0}, size_t{1}, size_t{31}, size_t{32}, size_t{33}, size_t{63}, size_t{64},
                   size_t{65}, size_t{200}, size_t{4099}}) {
    for (int rare : {0, 1, 50}) {
      for (size_t offset : {size_t{0}, size_t{1}, size_t{7}}) {  // unaligned starts
        const std::string buffer = RandomText(rng, n + offset, rare);
        const auto* text = reinterpret_cast<const uint8_t*>(buffer.data()) + offset;
        bool simd_other = true, scalar_other = false;
        const size_t simd = CountNewlines(text, n, &simd_other);
        const size_t expected = scalar::CountNewlines(text, n, &scalar_other);
        EXPECT_EQ(simd, expected) << n << " " << rare << " " << offset;
        EXPECT_EQ(simd_other, scalar_other) << n << " " << rare << " " << offset;
        EXPECT_EQ(expected, size_t(std::count(text, text + n, '\n')));
      }
    }
  }
  // Each rare byte alone, at the very start and at the very end of a long text, is seen.
  for (uint8_t rare : {0x0b, 0x0d, 0x1c, 0x1d, 0x1e, 0xc2, 0xe2}) {
    for (size_t at : {size_t{0}, size_t{100}, size_t{4095}}) {
      std::string text(4096, 'x');
      text[at] = char(rare);
      bool other = false;
      EXPECT_EQ(CountNewlines(reinterpret_cast<const uint8_t*>(text.data()), text.size(), &other), 0u);
      EXPECT_TRUE(other) << int(rare) << " at " << at;
    }
  }
  // Bytes next to them are not: \f, \x1b, \x1f, other lead bytes.
  std::string text(4096, 'x');
  for (uint8_t c : {0x0c, 0x1b, 0x1f, 0xc3, 0xe1, 0x85}) text[size_t(c) * 7] = char(c);
  bool other = true;
  CountNewlines(reinterpret_cast<const uint8_t*>(text.data()), text.size(), &other);
  EXPECT_FALSE(other);
}

TEST_P(KernelsTest, ContainsAnyNeedleMatchesScalar) {
  std::mt19937_64 rng(12);
  const std::vector<std::vector<std::string_view>> needle_sets = {
      {"p"}, {"#"}, {"pr"}, {"pragma", "PRAGMA"}, {"ab", "ba", "#a", "  #"}, {"pragmapragmapragmapragmapragma"},
      {"\n#", "a"}, {"Ragm\n", "x"}, {"zz", "yy"}};
  for (size_t n : {size_t{0}, size_t{1}, size_t{5}, size_t{31}, size_t{32}, size_t{33}, size_t{64},
                   size_t{95}, size_t{200}, size_t{3000}}) {
    for (const auto& needles : needle_sets) {
      for (int round = 0; round < 20; ++round) {
        const size_t offset = rng() % 8;
        const std::string buffer = RandomText(rng, n + offset, 5);
        const auto* text = reinterpret_cast<const uint8_t*>(buffer.data()) + offset;
        EXPECT_EQ(ContainsAnyNeedle(text, n, needles.data(), needles.size()),
                  scalar::ContainsAnyNeedle(text, n, needles.data(), needles.size()))
            << n << " " << needles[0] << " round " << round;
      }
    }
  }
  // A needle at every position of a text of every length up to 200 is found, and a text that
  // lacks it by one byte (its last byte changed) is not.
  const std::vector<std::string_view> needles = {"pragma", "PRAGMA", "#x"};
  for (size_t n = 0; n <= 200; ++n) {
    for (size_t at = 0; at + 6 <= n; at += 1 + at / 16) {
      std::string text(n, ' ');
      std::memcpy(text.data() + at, "pragma", 6);
      const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
      EXPECT_TRUE(ContainsAnyNeedle(bytes, n, needles.data(), needles.size())) << n << " " << at;
      text[at + 5] = 'A';
      EXPECT_FALSE(ContainsAnyNeedle(bytes, n, needles.data(), needles.size())) << n << " " << at;
      text[at] = '#';
      text[at + 1] = 'x';
      EXPECT_TRUE(ContainsAnyNeedle(bytes, n, needles.data(), needles.size())) << n << " " << at;
    }
  }
  EXPECT_FALSE(ContainsAnyNeedle(nullptr, 0, needles.data(), 0));
}

// Outside the per-target suite: the list above must cover the best and the fallback target.
TEST(KernelTargets, CoverBestAndFallback) {
  const std::vector<int64_t> targets = KernelTargets();
  ASSERT_FALSE(targets.empty());
  EXPECT_EQ(hwy::TargetName(targets.front()), ActiveTarget());  // lowest bit = best
  EXPECT_EQ(targets.back(), HWY_STATIC_TARGET);
}

}  // namespace
}  // namespace covalesce::kernels
