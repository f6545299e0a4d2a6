// The merge engine on synthetic shards written by WriteDataFile: unions are checked
// against sets computed here from the inputs; coverage.py's own behaviour on real shards is
// checked in tests/differential.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <map>
#include <random>
#include <set>

#include "covalesce/combine.h"
#include "covalesce/data_writer.h"
#include "covalesce/kernels.h"
#include "test_util.h"

namespace covalesce {
namespace {

using testing::TempDir;

using ArcSet = std::set<std::tuple<std::string, std::string, int, int>>;  // file, context, from, to

CoverageData ArcShard(const ArcSet& arcs, const std::map<std::string, std::string>& tracers = {}) {
  CoverageData d;
  d.has_arcs = true;
  std::map<std::string, uint32_t> ctx;
  std::map<std::string, std::map<uint32_t, ArcKeys>> per_file;
  for (auto& [f, c, a, b] : arcs) {
    auto [it, added] = ctx.try_emplace(c, uint32_t(d.contexts.size()));
    if (added) d.contexts.push_back(c);
    per_file[f][it->second].push_back(kernels::PackArc(a, b));
  }
  for (auto& [f, m] : per_file) {
    FileCoverage fc{f, tracers.count(f) ? tracers.at(f) : "", {}, {}, {}, {}};
    for (auto& [c, keys] : m) {
      fc.arc_contexts.push_back(c);
      fc.arcs.push_back(keys);
    }
    d.files.push_back(fc);
  }
  return d;
}

ArcSet Arcs(const CoverageData& d) {
  ArcSet out;
  for (const FileCoverage& fc : d.files) {
    for (size_t k = 0; k < fc.arcs.size(); ++k) {
      for (uint64_t key : fc.arcs[k]) {
        out.insert({fc.path, d.contexts[fc.arc_contexts[k]], kernels::ArcFrom(key), kernels::ArcTo(key)});
      }
    }
  }
  return out;
}

ArcSet RandomArcs(std::mt19937& rng, int n) {
  ArcSet s;
  const char* files[] = {"/s/a.py", "/s/b.py", "/s/c.py"};
  const char* ctxs[] = {"", "t1", "t2"};
  for (int i = 0; i < n; ++i) {
    s.insert({files[rng() % 3], ctxs[rng() % 3], int(rng() % 60) - 5, int(rng() % 60) - 5});
  }
  return s;
}

Result<CombineResult> CombineDir(const TempDir& dir, size_t batch = 64) {
  CombineSettings s;
  s.data_file = dir / ".coverage";
  s.cwd = dir.path;
  s.batch = batch;
  Timings t;
  CombineSink sink{[](const std::string&) {}, [](const std::string&) {}};
  return CombineData(s, sink, t);
}

TEST(Combine, ArcUnionMatchesSetUnionForAnyBatchSize) {
  TempDir dir;
  std::mt19937 rng(7);
  ArcSet all;
  for (int i = 0; i < 9; ++i) {
    ArcSet s = RandomArcs(rng, 300);
    all.insert(s.begin(), s.end());
    ASSERT_TRUE(WriteDataFile(ArcShard(s), dir / (".coverage.s" + std::to_string(i)), "7.17.3").ok());
  }
  for (size_t batch : {size_t(1), size_t(2), size_t(64)}) {
    auto r = CombineDir(dir, batch);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->combined, 9u);
    EXPECT_EQ(Arcs(r->data), all);
    EXPECT_EQ(r->data.has_arcs, std::optional<bool>(true));
    for (const FileCoverage& fc : r->data.files) {
      for (const ArcKeys& keys : fc.arcs) EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
    }
  }
}

TEST(Combine, LinesAreOred) {
  TempDir dir;
  std::vector<std::set<uint32_t>> inputs = {{1, 2, 3}, {3, 64, 65, 700}, {}};
  std::set<uint32_t> want;
  for (size_t i = 0; i < inputs.size(); ++i) {
    CoverageData d;
    d.has_arcs = false;
    d.contexts = {""};
    LineBitmap bm;
    for (uint32_t l : inputs[i]) {
      if (bm.size() <= l / 64) bm.resize(l / 64 + 1);
      bm[l / 64] |= uint64_t(1) << (l % 64);
      want.insert(l);
    }
    d.files = {FileCoverage{"m.py", "", {0}, {bm}, {}, {}}};
    ASSERT_TRUE(WriteDataFile(d, dir / (".coverage." + std::to_string(i)), "7.17.3").ok());
  }
  auto r = CombineDir(dir);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->data.files.size(), 1u);
  const LineBitmap& bm = r->data.files[0].lines.at(0);
  std::set<uint32_t> got;
  for (size_t w = 0; w < bm.size(); ++w) {
    for (int b = 0; b < 64; ++b) {
      if (bm[w] >> b & 1) got.insert(uint32_t(w * 64 + b));
    }
  }
  EXPECT_EQ(got, want);
}

TEST(Combine, MixedKindsIsAHardError) {
  TempDir dir;
  ASSERT_TRUE(WriteDataFile(ArcShard({{"/a.py", "", 1, 2}}), dir / ".coverage.1", "7.17.3").ok());
  CoverageData lines;
  lines.has_arcs = false;
  lines.contexts = {""};
  lines.files = {FileCoverage{"/a.py", "", {0}, {{6}}, {}, {}}};
  ASSERT_TRUE(WriteDataFile(lines, dir / ".coverage.2", "7.17.3").ok());
  auto r = CombineDir(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("Can't combine statement coverage data with branch data: data file '" +
                                        (dir / ".coverage.2") + "' didn't measure branch coverage",
                                    0),
            0u);
}

TEST(Combine, TracerConflictAndAgreement) {
  TempDir dir;
  ASSERT_TRUE(WriteDataFile(ArcShard({{"/a.py", "", 1, 2}}, {{"/a.py", "p.x"}}), dir / ".coverage.1", "7.17.3").ok());
  ASSERT_TRUE(WriteDataFile(ArcShard({{"/a.py", "", 2, 3}}, {{"/a.py", "p.x"}}), dir / ".coverage.2", "7.17.3").ok());
  auto ok = CombineDir(dir);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->data.files.at(0).tracer, "p.x");
  ASSERT_TRUE(WriteDataFile(ArcShard({{"/a.py", "", 2, 3}}), dir / ".coverage.3", "7.17.3").ok());
  auto bad = CombineDir(dir);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "Conflicting file tracer name for '/a.py': 'p.x' vs ''");
}

TEST(Combine, DuplicateHashNamesAreSkipped) {
  TempDir dir;
  ASSERT_TRUE(WriteDataFile(ArcShard({{"/a.py", "", 1, 2}}), dir / ".coverage.h.pid1.Xaaaaaax.H0123456789h", "7.17.3").ok());
  ASSERT_TRUE(WriteDataFile(ArcShard({{"/a.py", "", 5, 6}}), dir / ".coverage.h.pid2.Xbbbbbbx.H0123456789h", "7.17.3").ok());
  auto r = CombineDir(dir);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->combined, 1u);
  EXPECT_EQ(r->skipped, 1u);
  EXPECT_EQ(Arcs(r->data), (ArcSet{{"/a.py", "", 1, 2}}));
  EXPECT_EQ(r->deletable.size(), 2u);
}

}  // namespace
}  // namespace covalesce
