// Throughput of each kernel in covalesce/kernels.h, as bytes of input per second: the scalar
// twin, the dispatched version (best target on this CPU, named in the "hwy_target" context
// line), and the dispatched version pinned to each other compiled target with
// hwy::SetSupportedTargetsForTest. Names read Kernel/size/variant, e.g.
// BitmapToLines/16KiB/AVX2. Sizes follow real data: a 64 B bitmap is a 500-line file,
// 16 KiB a 131k-line one; a combine unions a file's bitmap from ~339 shards. The text
// kernels scan a 32 KiB source file.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "covalesce/kernels.h"
#include "hwy/targets.h"

namespace covalesce::kernels {
namespace {

// Executed stretches separated by unexecuted ones (about 45% of bits set).
std::vector<uint64_t> CoverageBitmap(size_t nwords, uint64_t seed, int sparse_shift = 0) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> words(nwords);
  bool in_run = false;
  for (uint64_t& w : words) {
    if (rng() % 4 == 0) in_run = !in_run;
    w = in_run ? ~(rng() & rng() & rng()) : 0;
    for (int i = 0; i < sparse_shift; ++i) w &= rng();  // thin out for the sparse case
  }
  return words;
}

struct Variant {
  std::string name;
  int64_t target;  // 0: do not pin (the dispatched default)
  bool scalar;
};

// Pins dispatch to one target for a benchmark's lifetime.
class PinTarget {
 public:
  explicit PinTarget(int64_t target) : pinned_(target != 0) {
    if (pinned_) hwy::SetSupportedTargetsForTest(target);
  }
  ~PinTarget() {
    if (pinned_) hwy::SetSupportedTargetsForTest(0);
  }

 private:
  bool pinned_;
};

using Body = std::function<void(benchmark::State&, bool scalar)>;

void Register(const std::string& name, const std::vector<Variant>& variants, Body body) {
  for (const Variant& v : variants) {
    benchmark::RegisterBenchmark((name + "/" + v.name).c_str(),
                                 [body, v](benchmark::State& state) {
                                   PinTarget pin(v.target);
                                   body(state, v.scalar);
                                 });
  }
}

void RegisterAll(const std::vector<Variant>& variants) {
  const std::pair<const char*, size_t> sizes[] = {{"64B", 8}, {"1KiB", 128}, {"16KiB", 2048}};
  for (auto [label, nwords] : sizes) {
    const std::string sz = label;
    const int64_t bytes = static_cast<int64_t>(8 * nwords);
    const auto bitmap = CoverageBitmap(nwords, 1);

    Register("DecodeNumbits/" + sz, variants, [=](benchmark::State& state, bool scalar) {
      std::vector<uint8_t> blob(bytes - 3, 0x5A);  // odd length, as blobs usually are
      std::vector<uint64_t> words(WordsForBytes(blob.size()));
      for (auto _ : state) {
        (scalar ? scalar::DecodeNumbits : DecodeNumbits)(blob.data(), blob.size(), words.data());
        benchmark::DoNotOptimize(words.data());
        benchmark::ClobberMemory();
      }
      state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(blob.size()));
    });
    Register("OrInto/" + sz, variants, [=](benchmark::State& state, bool scalar) {
      std::vector<uint64_t> dst(nwords, 0);
      for (auto _ : state) {
        (scalar ? scalar::OrInto : OrInto)(dst.data(), bitmap.data(), nwords);
        benchmark::DoNotOptimize(dst.data());
        benchmark::ClobberMemory();
      }
      state.SetBytesProcessed(state.iterations() * bytes);
    });
    Register("Popcount/" + sz, variants, [=](benchmark::State& state, bool scalar) {
      for (auto _ : state) {
        benchmark::DoNotOptimize((scalar ? scalar::Popcount : Popcount)(bitmap.data(), nwords));
      }
      state.SetBytesProcessed(state.iterations() * bytes);
    });
    // Executed runs as generated (~45% of bits), thinned to ~22% and ~6%.
    for (auto [density, shift] :
         {std::pair{"runs", 0}, std::pair{"mid", 1}, std::pair{"sparse", 3}}) {
      const auto bits = CoverageBitmap(nwords, 2, shift);
      Register("BitmapToLines/" + sz + "/" + density, variants,
               [=](benchmark::State& state, bool scalar) {
                 std::vector<uint32_t> lines(scalar::Popcount(bits.data(), nwords));
                 for (auto _ : state) {
                   benchmark::DoNotOptimize(
                       (scalar ? scalar::BitmapToLines : BitmapToLines)(bits.data(), nwords,
                                                                        lines.data()));
                   benchmark::ClobberMemory();
                 }
                 state.SetBytesProcessed(state.iterations() * bytes);
                 state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(lines.size()));
               });
    }
    Register("EncodeNumbits/" + sz, variants, [=](benchmark::State& state, bool scalar) {
      std::vector<uint8_t> out(bytes);
      for (auto _ : state) {
        benchmark::DoNotOptimize(
            (scalar ? scalar::EncodeNumbits : EncodeNumbits)(bitmap.data(), nwords, out.data()));
        benchmark::ClobberMemory();
      }
      state.SetBytesProcessed(state.iterations() * bytes);
    });
  }

  // One file's union over 339 shards; some shards saw a shorter, older version of it.
  for (auto [label, nwords] :
       {std::pair{"339x1KiB", size_t{128}}, std::pair{"339x16KiB", size_t{2048}}}) {
    const auto body = [nwords](benchmark::State& state, bool scalar) {
      std::vector<std::vector<uint64_t>> shards;
      std::vector<const uint64_t*> srcs;
      std::vector<size_t> lens;
      int64_t total = 0;
      for (int k = 0; k < 339; ++k) {
        shards.push_back(CoverageBitmap(k % 10 == 0 ? nwords / 2 : nwords, 100 + k, 2));
        srcs.push_back(shards.back().data());
        lens.push_back(shards.back().size());
        total += static_cast<int64_t>(8 * lens.back());
      }
      std::vector<uint64_t> dst(nwords);
      for (auto _ : state) {
        (scalar ? scalar::UnionMany : UnionMany)(srcs.data(), lens.data(), srcs.size(),
                                                 dst.data(), nwords);
        benchmark::DoNotOptimize(dst.data());
        benchmark::ClobberMemory();
      }
      state.SetBytesProcessed(state.iterations() * total);
    };
    Register(std::string("UnionMany/") + label, variants, body);
  }

  // Arc keys with duplicates (the same arc seen by many tests); the copy is timed too.
  // vqsort dispatches inside libhwy_contrib, so a pinned target that library was not built
  // for (AVX3_DL in Debian's) measures its portable fallback, not this CPU's best.
  for (auto [label, n] : {std::pair{"1k", size_t{1000}}, std::pair{"1M", size_t{1000000}}}) {
    const auto body = [n](benchmark::State& state, bool scalar) {
      std::mt19937_64 rng(7);
      std::vector<uint64_t> keys(n);
      const int32_t span = static_cast<int32_t>(n / 2);
      for (auto& k : keys) {
        k = PackArc(static_cast<int32_t>(rng() % span) - 1, static_cast<int32_t>(rng() % span) - 1);
      }
      std::vector<uint64_t> work(n);
      for (auto _ : state) {
        work = keys;
        benchmark::DoNotOptimize((scalar ? scalar::SortUnique : SortUnique)(work.data(), n));
      }
      state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(8 * n));
    };
    Register(std::string("SortUnique/") + label, variants, body);
  }

  // The analysis's scans over one source file: ~32 KiB of Python-like text (indented
  // statements, comments, docstrings, no needle in it, so every byte is scanned).
  std::string source;
  const char* lines[] = {"def handler(self, request, *args, **kwargs):\n",
                         "    \"\"\"Return the response for this request, or None.\"\"\"\n",
                         "    if request.method not in self.allowed:  # refuse early\n",
                         "        return self.error(405, headers={'Allow': ', '.join(self.allowed)})\n",
                         "    for key, value in sorted(kwargs.items()):\n",
                         "        self.params[key] = value\n", "\n"};
  for (size_t i = 0; source.size() < 32 * 1024; ++i) source += lines[i % std::size(lines)];
  const int64_t text_bytes = static_cast<int64_t>(source.size());
  // Each benchmark scans its own copy (the lambdas outlive this function's `source`).
  Register("CountNewlines/src32KiB", variants, [=](benchmark::State& state, bool scalar) {
    const auto* text = reinterpret_cast<const uint8_t*>(source.data());
    bool other = false;
    for (auto _ : state) {
      benchmark::DoNotOptimize((scalar ? scalar::CountNewlines : CountNewlines)(text, source.size(), &other));
    }
    state.SetBytesProcessed(state.iterations() * text_bytes);
  });
  // coverage.py's default exclusion and partial-branch patterns' required strings.
  Register("ContainsAnyNeedle/src32KiB", variants, [=](benchmark::State& state, bool scalar) {
    const auto* text = reinterpret_cast<const uint8_t*>(source.data());
    const std::string_view needles[] = {"pragma",   "PRAGMA",      "TYPE_CHECKING:", "while True:",
                                        "while 1:", "while False:", "while 0:",       "if True:",
                                        "if 1:",    "if False:",   "if 0:"};
    for (auto _ : state) {
      benchmark::DoNotOptimize((scalar ? scalar::ContainsAnyNeedle : ContainsAnyNeedle)(
          text, source.size(), needles, std::size(needles)));
    }
    state.SetBytesProcessed(state.iterations() * text_bytes);
  });
}

}  // namespace
}  // namespace covalesce::kernels

int main(int argc, char** argv) {
  using namespace covalesce::kernels;
  benchmark::Initialize(&argc, argv);
  // Every target the kernels library compiled that this CPU runs, best first.
  std::vector<Variant> variants = {{"scalar", 0, true}, {"dispatch", 0, false}};
  std::string compiled;
  for (int64_t bits = hwy::SupportedTargets(); bits != 0; bits &= bits - 1) {
    const int64_t target = bits & -bits;
    hwy::SetSupportedTargetsForTest(target);
    if (ActiveTarget() == hwy::TargetName(target)) {
      variants.push_back({hwy::TargetName(target), target, false});
      if (!compiled.empty()) compiled += ',';
      compiled += hwy::TargetName(target);
    }
  }
  hwy::SetSupportedTargetsForTest(0);
  benchmark::AddCustomContext("hwy_target", ActiveTarget());
  benchmark::AddCustomContext("hwy_targets_benchmarked", compiled);
  RegisterAll(variants);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
