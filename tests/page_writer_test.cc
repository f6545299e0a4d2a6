// The direct page writer against SQLite itself: every file it writes must pass SQLite's
// full integrity_check and read back (through the SQLite API) exactly as the same data
// written through the SQLite API does. Shapes cover empty tables, overflow pages (long
// paths, huge line bitmaps), multi-level table and index B-trees, and random mixes.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <random>

#include "covalesce/data_writer.h"
#include "covalesce/kernels.h"
#include "covalesce/shard_reader.h"
#include "test_util.h"

namespace covalesce {
namespace {

using testing::TempDir;

std::string IntegrityCheck(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, "pragma integrity_check", -1, &st, nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) out += reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  } else {
    out = sqlite3_errmsg(db);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// Writes `data` both ways and checks the page-written file against the API-written one.
void CheckBothWays(const CoverageData& data) {
  TempDir dir;
  ASSERT_TRUE(WriteDataFile(data, dir / "pages", "7.17.3", WriteMethod::kPagesOnly).ok());
  ASSERT_TRUE(WriteDataFile(data, dir / "api", "7.17.3", WriteMethod::kSqliteApi).ok());
  EXPECT_EQ(IntegrityCheck(dir / "pages"), "ok");
  auto pages = ReadShardSqlite(dir / "pages");
  auto api = ReadShardSqlite(dir / "api");
  ASSERT_TRUE(pages.ok()) << pages.error().message;
  ASSERT_TRUE(api.ok()) << api.error().message;
  EXPECT_EQ(CompareShards(*pages, *api), "");
  // And the direct reader reads the direct writer's file alike.
  auto direct = ReadShardPages(dir / "pages");
  ASSERT_TRUE(direct.has_value());
  EXPECT_EQ(CompareShards(*direct, *api), "");
}

LineBitmap Lines(std::mt19937& rng, uint32_t max_line, uint32_t count) {
  LineBitmap bm(max_line / 64 + 1);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t l = 1 + rng() % max_line;
    bm[l / 64] |= uint64_t(1) << (l % 64);
  }
  return bm;
}

CoverageData RandomArcData(std::mt19937& rng, size_t files, size_t contexts, size_t arcs_per) {
  CoverageData d;
  d.has_arcs = true;
  for (size_t c = 0; c < contexts; ++c) d.contexts.push_back(c ? "test_ctx_" + std::to_string(c) : "");
  for (size_t f = 0; f < files; ++f) {
    FileCoverage fc{"/src/pkg/module_" + std::to_string(rng() % 100000) + "_" + std::to_string(f) + ".py",
                    f % 7 == 3 ? "plugin.tracer" : "", {}, {}, {}, {}};
    for (size_t c = 0; c < contexts; ++c) {
      if (rng() % 3 == 0 && c) continue;
      ArcKeys keys;
      for (size_t i = 0; i < arcs_per; ++i) {
        keys.push_back(kernels::PackArc(int32_t(rng() % 3000) - 100, int32_t(rng() % 3000) - 100));
      }
      keys.resize(kernels::SortUnique(keys.data(), keys.size()));
      fc.arc_contexts.push_back(uint32_t(c));
      fc.arcs.push_back(keys);
    }
    d.files.push_back(fc);
  }
  return d;
}

TEST(PageWriter, EmptyData) { CheckBothWays(CoverageData{}); }

TEST(PageWriter, FilesWithoutData) {
  CoverageData d;
  d.contexts = {""};
  d.files = {FileCoverage{"/a.py", "", {}, {}, {}, {}}, FileCoverage{"/b.py", "x", {}, {}, {}, {}}};
  CheckBothWays(d);
}

TEST(PageWriter, LineDataWithOverflowingBitmaps) {
  std::mt19937 rng(1);
  CoverageData d;
  d.has_arcs = false;
  d.contexts = {"", "ctx"};
  for (uint32_t max : {10u, 1000u, 40000u, 200000u, 1000000u}) {
    d.files.push_back(FileCoverage{"/f" + std::to_string(max) + ".py", "", {0, 1},
                                   {Lines(rng, max, 500), Lines(rng, max, 3)}, {}, {}});
  }
  CheckBothWays(d);
}

TEST(PageWriter, LongPathsOverflowTableAndIndex) {
  CoverageData d;
  d.contexts = {std::string(3000, 'c'), ""};
  for (size_t len : {900, 1003, 1500, 4100, 9000, 20000}) {
    d.files.push_back(FileCoverage{"/" + std::string(len, 'p') + std::to_string(len), "", {}, {}, {}, {}});
  }
  CheckBothWays(d);
}

TEST(PageWriter, ManyFilesMakeMultiLevelIndexes) {
  std::mt19937 rng(2);
  CheckBothWays(RandomArcData(rng, 60000, 1, 1));
}

TEST(PageWriter, ManyArcsMakeDeepTrees) {
  std::mt19937 rng(3);
  CheckBothWays(RandomArcData(rng, 40, 3, 20000));
}

TEST(PageWriter, RandomShapes) {
  std::mt19937 rng(4);
  for (int round = 0; round < 12; ++round) {
    SCOPED_TRACE(round);
    CheckBothWays(RandomArcData(rng, 1 + rng() % 300, 1 + rng() % 5, rng() % 400));
  }
}

}  // namespace
}  // namespace covalesce
