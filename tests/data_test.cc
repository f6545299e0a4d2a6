// Shard reader, data writer and discovery: round trips through real SQLite files, the
// error texts coverage.py 7.17.3 prints for bad inputs (checked end to end against
// coverage.py itself in tests/differential), and Python's path semantics.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <set>

#include "covalesce/data_writer.h"
#include "covalesce/discover.h"
#include "covalesce/kernels.h"
#include "covalesce/pystr.h"
#include "covalesce/shard_reader.h"
#include "test_util.h"

namespace covalesce {
namespace {

using testing::TempDir;

void WriteText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

LineBitmap Bitmap(std::initializer_list<uint32_t> lines) {
  LineBitmap bm;
  for (uint32_t l : lines) {
    if (bm.size() <= l / 64) bm.resize(l / 64 + 1);
    bm[l / 64] |= uint64_t(1) << (l % 64);
  }
  return bm;
}

TEST(DataFile, ArcRoundTrip) {
  TempDir dir;
  CoverageData data;
  data.has_arcs = true;
  data.contexts = {"", "test_a"};
  FileCoverage f1{"/src/a.py", "", {}, {}, {0, 1},
                  {{kernels::PackArc(-1, 1), kernels::PackArc(1, 2), kernels::PackArc(2, -1)},
                   {kernels::PackArc(1, 3)}}};
  FileCoverage f2{"/src/b.py", "plug.in", {}, {}, {}, {}};
  data.files = {f1, f2};
  ASSERT_TRUE(WriteDataFile(data, dir / ".coverage", "7.17.3").ok());

  auto shard = ReadShard(dir / ".coverage");
  ASSERT_TRUE(shard.ok()) << shard.error().message;
  EXPECT_EQ(shard->meta_has_arcs, std::optional<bool>(true));
  EXPECT_EQ(shard->files, (std::vector<std::string>{"/src/a.py", "/src/b.py"}));
  EXPECT_EQ(shard->tracers, (std::vector<std::string>{"", "plug.in"}));
  EXPECT_EQ(shard->contexts, (std::vector<std::string>{"", "test_a"}));
  ASSERT_EQ(shard->arc_keys.size(), 4u);
  std::set<std::tuple<uint32_t, uint32_t, int, int>> arcs;
  for (size_t i = 0; i < 4; ++i) {
    arcs.insert({shard->arc_file[i], shard->arc_context[i], kernels::ArcFrom(shard->arc_keys[i]),
                 kernels::ArcTo(shard->arc_keys[i])});
  }
  EXPECT_TRUE(arcs.count({0, 0, -1, 1}) && arcs.count({0, 0, 2, -1}) && arcs.count({0, 1, 1, 3}));
  EXPECT_FALSE(shard->has_line_rows());
}

TEST(DataFile, LineRoundTripTrimsNumbits) {
  TempDir dir;
  CoverageData data;
  data.has_arcs = false;
  data.contexts = {""};
  LineBitmap bm = Bitmap({1, 2, 17, 200});
  bm.resize(10);  // trailing zero words must not reach the blob
  data.files = {FileCoverage{"m.py", "", {0}, {bm}, {}, {}}};
  ASSERT_TRUE(WriteDataFile(data, dir / "d", "7.17.3").ok());
  auto shard = ReadShard(dir / "d");
  ASSERT_TRUE(shard.ok());
  EXPECT_EQ(shard->meta_has_arcs, std::optional<bool>(false));
  ASSERT_EQ(shard->line_file.size(), 1u);
  EXPECT_EQ(shard->line_offsets[1] - shard->line_offsets[0], 200u / 8 + 1);
  EXPECT_EQ(shard->line_bytes[0], 0x06);  // lines 1 and 2
}

TEST(DataFile, EmptyDataHasNoKind) {
  TempDir dir;
  ASSERT_TRUE(WriteDataFile(CoverageData{}, dir / "d", "7.17.3").ok());
  auto shard = ReadShard(dir / "d");
  ASSERT_TRUE(shard.ok());
  EXPECT_FALSE(shard->meta_has_arcs.has_value());
  EXPECT_TRUE(shard->files.empty());
}

TEST(DataFile, WriteReplacesAtomicallyAndLeavesNoTemp) {
  TempDir dir;
  WriteText(dir / "d", "old contents");
  ASSERT_TRUE(WriteDataFile(CoverageData{}, dir / "d", "7.17.3").ok());
  EXPECT_TRUE(ReadShard(dir / "d").ok());
  EXPECT_EQ(std::system(("test $(ls -A '" + dir.path + "' | wc -l) = 1").c_str()), 0);
}

TEST(DataFile, WriteIntoMissingDirectoryFailsCleanly) {
  TempDir dir;
  Status st = WriteDataFile(CoverageData{}, dir / "no/such/dir/d", "7.17.3");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("no/such/dir/d"), std::string::npos);
}

// Texts as coverage.py 7.17.3 prints them for the same files (see tests/differential).
TEST(ShardReader, NotADatabase) {
  TempDir dir;
  WriteText(dir / ".coverage.bad", "hi\n");
  auto r = ReadShard(dir / ".coverage.bad");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "Couldn't use data file '" + (dir / ".coverage.bad") +
                                   "': file is not a database: (SQLITE_NOTADB)");
}

TEST(ShardReader, EmptyFileIsNotOurs) {
  TempDir dir;
  WriteText(dir / ".coverage.e", "");
  auto r = ReadShard(dir / ".coverage.e");
  ASSERT_FALSE(r.ok());
  const std::string q = "'" + (dir / ".coverage.e") + "'";
  EXPECT_EQ(r.error().message, "Data file " + q + " isn't a coverage data file: Couldn't use data file " +
                                   q + ": no such table: coverage_schema: (SQLITE_ERROR)");
  // Read-only: nothing was written into it.
  struct stat st;
  ASSERT_EQ(stat((dir / ".coverage.e").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 0);
}

TEST(ShardReader, WrongSchemaAndMissingFile) {
  TempDir dir;
  ASSERT_TRUE(WriteDataFile(CoverageData{}, dir / "d", "7.17.3").ok());
  sqlite3* db;
  sqlite3_open((dir / "d").c_str(), &db);
  sqlite3_exec(db, "update coverage_schema set version = 6", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto r = ReadShard(dir / "d");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "Couldn't use data file '" + (dir / "d") + "': wrong schema: 6 instead of 7");
  auto missing = ReadShard(dir / "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "Couldn't use data file '" + (dir / "nope") + "': it doesn't exist");
}

TEST(ShardReader, TruncatedFileIsAnErrorNotACrash) {
  TempDir dir;
  CoverageData data;
  data.has_arcs = true;
  data.contexts = {""};
  ArcKeys keys;
  for (int i = 1; i < 5000; ++i) keys.push_back(kernels::PackArc(i, i + 1));
  data.files = {FileCoverage{"/a.py", "", {}, {}, {0}, {keys}}};
  ASSERT_TRUE(WriteDataFile(data, dir / "d", "7.17.3").ok());
  std::ifstream in(dir / "d", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  for (size_t cut : {size_t(100), size_t(4096), bytes.size() / 2}) {
    std::ofstream(dir / "t", std::ios::binary).write(bytes.data(), long(cut));
    auto r = ReadShard(dir / "t");
    EXPECT_FALSE(r.ok()) << cut;
  }
}

// The direct page reader on files found by fuzzing (fuzz/shard_reader_fuzz.cc): each either
// reads what the SQLite API reads, or declines so that ReadShard takes the API path.
void ExecSql(const std::string& path, const std::vector<std::string>& statements) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  for (const std::string& sql : statements) ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  sqlite3_close(db);
}

void WriteArcShard(const std::string& path) {
  CoverageData data;
  data.has_arcs = true;
  data.contexts = {"", "test_a"};
  ArcKeys keys;
  for (int i = 1; i < 300; ++i) keys.push_back(kernels::PackArc(i, i + 1));
  data.files = {FileCoverage{"/src/a.py", "", {}, {}, {0, 1}, {keys, {kernels::PackArc(-1, 1)}}},
                FileCoverage{"/src/" + std::string(3000, 'b') + ".py", "plug.in", {}, {}, {0}, {{kernels::PackArc(1, 2)}}}};
  ASSERT_TRUE(WriteDataFile(data, path, "7.17.3").ok());
}

void ExpectReadersAgree(const std::string& path, bool direct) {
  auto fast = ReadShardPages(path);
  auto slow = ReadShardSqlite(path);
  ASSERT_TRUE(slow.ok()) << slow.error().message;
  EXPECT_EQ(fast.has_value(), direct);
  if (fast) EXPECT_EQ(CompareShards(*fast, *slow), "");
  auto chosen = ReadShard(path);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(CompareShards(*chosen, *slow), "");
}

TEST(PageReader, SmallPagesSpillSchemaRowsIntoOverflowPages) {
  // With 512-byte pages the CREATE TABLE texts overflow; table names read from the reused
  // overflow buffer used to be overwritten by the next spilled row (no table found, or a
  // read of freed memory).
  TempDir dir;
  WriteArcShard(dir / "d");
  ExecSql(dir / "d", {"PRAGMA page_size=512", "VACUUM"});
  ExpectReadersAgree(dir / "d", true);
}

TEST(PageReader, IdsStoredAsTextAreLeftToSqlite) {
  // SQLite converts a text id ('1x') to 1 where the page reader used to drop the row.
  TempDir dir;
  WriteArcShard(dir / "d");
  ExecSql(dir / "d", {"UPDATE arc SET context_id = CAST(context_id AS TEXT) || 'x' WHERE rowid % 2 = 0"});
  ExpectReadersAgree(dir / "d", false);
  CoverageData lines;
  lines.contexts = {""};
  lines.files = {FileCoverage{"/src/a.py", "", {0}, {LineBitmap{0x0e}}, {}, {}}};
  ASSERT_TRUE(WriteDataFile(lines, dir / "l", "7.17.3").ok());
  ExecSql(dir / "l", {"UPDATE line_bits SET file_id = CAST(file_id AS TEXT) || 'x'"});
  ExpectReadersAgree(dir / "l", false);
}

TEST(PageReader, ASchemaOtherThanCoveragePysIsLeftToSqlite) {
  // SQLite reads columns by the names in the CREATE text; the page reader read them by
  // position, so a healthy file whose line_bits text names its first two columns the other
  // way round gave other rows than SQLite (found by the shard_reader fuzzer).
  TempDir dir;
  CoverageData lines;
  lines.contexts = {"", "ctx"};
  lines.files = {FileCoverage{"/src/a.py", "", {1}, {LineBitmap{0x0e}}, {}, {}}};
  ASSERT_TRUE(WriteDataFile(lines, dir / "l", "7.17.3").ok());
  ExpectReadersAgree(dir / "l", true);
  ExecSql(dir / "l", {"PRAGMA writable_schema=ON",
                      "UPDATE sqlite_master SET sql = 'CREATE TABLE line_bits (context_id integer, file_id integer, "
                      "numbits blob, unique (context_id, file_id))' WHERE name = 'line_bits'"});
  ExpectReadersAgree(dir / "l", false);
  auto swapped = ReadShard(dir / "l");
  ASSERT_TRUE(swapped.ok());
  EXPECT_TRUE(swapped->line_file.empty());  // file_id 2 and context_id 1: no such file, dropped

  // coverage.py's own text, comments and indentation included, is read directly; so is a
  // file with one more object in its schema only through SQLite.
  WriteArcShard(dir / "c");
  ExecSql(dir / "c", {"PRAGMA writable_schema=ON",
                      "UPDATE sqlite_master SET sql = 'CREATE TABLE tracer (\n    -- A row per file.\n    file_id "
                      "integer primary key,\n    tracer text,\n    foreign key (file_id) references file (id)\n)' "
                      "WHERE name = 'tracer'"});
  ExpectReadersAgree(dir / "c", true);
  ExecSql(dir / "c", {"CREATE TABLE extra (x)"});
  ExpectReadersAgree(dir / "c", false);
}

TEST(PageReader, HasArcsBeyondSixtyFourBits) {
  // bool(int('18446744073709551616')) is True; the page reader's int64 used to wrap to 0
  // (and overflow a signed integer on the way).
  TempDir dir;
  WriteArcShard(dir / "d");
  ExecSql(dir / "d", {"UPDATE meta SET value = '18446744073709551616' WHERE key = 'has_arcs'"});
  ExpectReadersAgree(dir / "d", true);
  EXPECT_EQ(ReadShardPages(dir / "d")->meta_has_arcs, std::optional<bool>(true));
  ExecSql(dir / "d", {"UPDATE meta SET value = '000000000000000000000000' WHERE key = 'has_arcs'"});
  ExpectReadersAgree(dir / "d", true);
  EXPECT_EQ(ReadShardPages(dir / "d")->meta_has_arcs, std::optional<bool>(false));
}

TEST(Discover, AbsPathAndRelPathFollowPython) {
  EXPECT_EQ(AbsPath("a/../b/./c", "/w"), "/w/b/c");
  EXPECT_EQ(AbsPath("/x//y/", "/w"), "/x/y");
  EXPECT_EQ(AbsPath("../..", "/w"), "/");
  EXPECT_EQ(AbsPath("//net/p", "/w"), "//net/p");
  EXPECT_EQ(RelPath("/w/a/b", "/w"), "a/b");
  EXPECT_EQ(RelPath("/x/y", "/w/z"), "../../x/y");
  EXPECT_EQ(RelPath("/w", "/w"), ".");
}

TEST(Discover, ParallelNameHash) {
  EXPECT_EQ(ParallelNameHash("/d/.coverage.vm.pid4365.XtHTTHBx.Hm7ccDDpweLh"), "m7ccDDpweLh");
  EXPECT_EQ(ParallelNameHash("/d/.coverage.vm.pid4365.XtHTTHBx"), std::nullopt);
  EXPECT_EQ(ParallelNameHash("/d/.coverage.copy"), std::nullopt);
  EXPECT_EQ(ParallelNameHash("/d/.coverage.h\xc3\xa9.pid1.Xab\xc3\xa9" "def" "x.H0123456789h"), "0123456789h");
}

TEST(Discover, CombinableFilesSortsFiltersAndErrors) {
  TempDir dir;
  for (const char* n : {".coverage.b", ".coverage.a", ".coverage.a-journal", ".coverage", "other.x", ".coveragex"}) {
    WriteText(dir / n, "");
  }
  mkdir((dir / "sub").c_str(), 0777);
  WriteText(dir / "sub/.coverage.z", "");
  auto files = CombinableFiles(dir / ".coverage", {}, "/");
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(*files, (std::vector<std::string>{dir / ".coverage.a", dir / ".coverage.b"}));
  auto listed = CombinableFiles(dir / ".coverage", {dir / "other.x", dir / "sub"}, "/");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(*listed, (std::vector<std::string>{dir / "other.x", dir / "sub/.coverage.z"}));
  auto missing = CombinableFiles(dir / ".coverage", {"nope"}, dir.path);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "Couldn't combine from non-existent path 'nope'");
}

TEST(Discover, Sha3MatchesKnownDigest) {
  TempDir dir;
  WriteText(dir / "f", "abc");
  // SHA3-256("abc") from FIPS 202's examples.
  EXPECT_EQ(*FileSha3Hex(dir / "f"),
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
}

TEST(PyStr, ReprAndPlural) {
  EXPECT_EQ(PyRepr("a/b"), "'a/b'");
  EXPECT_EQ(PyRepr("it's"), "\"it's\"");
  EXPECT_EQ(PyRepr("both'\""), "'both\\'\"'");
  EXPECT_EQ(PyRepr("tab\there\\"), "'tab\\there\\\\'");
  EXPECT_EQ(Plural(1, "file"), "1 file");
  EXPECT_EQ(Plural(0, "file"), "0 files");
}

}  // namespace
}  // namespace covalesce
