// Unit tests of the analysis component: the JSON form, the report-time helpers of a
// FileAnalysis, the SQLite cache (hits, misses, invalidation, damage, sharing), and the
// Python helper through the reference venv (skipped when the venv is missing).
#include <gtest/gtest.h>

#include <random>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "../src/analysis/internal.h"
#include "covalesce/analysis.h"

namespace covalesce {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/analysis_test.XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string Write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return (path / name).string();
  }
};

FileAnalysis Sample(const std::string& path = "/p/m.py") {
  FileAnalysis fa;
  fa.path = fa.filename = path;
  fa.statements = {1, 2, 4, 7};
  fa.excluded = {9};
  fa.multiline = {{4, 4}, {5, 4}, {6, 4}};
  fa.regions = {{"class", "C", 3, {4, 5}}, {"function", "C.m", 4, {5}}};
  fa.num_lines = 9;
  fa.has_arcs = true;
  fa.arcs = {{1, 2}, {2, 4}, {2, 7}, {4, -3}, {7, -1}};
  fa.exit_counts = {{1, 1}, {2, 2}, {4, 1}, {7, 1}};
  fa.no_branch = {7};
  fa.with_jump_fixers = {{{6, 2}, Arc{6, 7}}, {{2, 7}, std::nullopt}};
  const uint32_t none = ArcFragments::kNoText;
  auto& frags = fa.arc_fragments;
  frags.Add({4, -3}, frags.AddText("the return on line {lineno} wasn't executed"),
            frags.AddText("return from function 'm'"));  // out of order: Add keeps them sorted
  frags.Add({2, 4}, frags.AddText("the condition on line {lineno} was never true"), none);
  frags.Add({2, 7}, frags.AddText(""), none);
  frags.Add({2, 7}, none, frags.AddText("jump to line {lineno} \"quoted\"\n"));
  fa.has_source = true;
  fa.source_lines = {"x = 1  # \xc3\xa9", "\ttab"};
  fa.tokens = {{{"nam", "x"}, {"ws", " "}}, {}};
  return fa;
}

// ---- JSON -----------------------------------------------------------------------------

TEST(AnalysisJson, RoundTripsEveryField) {
  FileAnalysis fa = Sample();
  auto back = FromJson(ToJson(fa));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, fa);
}

// ---- the cache's binary rows ---------------------------------------------------------

TEST(AnalysisRow, RoundTripsEveryField) {
  FileAnalysis fa = Sample();
  auto back = analysis::FromBinary(analysis::ToBinary(fa));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, fa);
  // A plugin's file, and an error.
  FileAnalysis plugin = Sample();
  plugin.plugin = "django_coverage_plugin.DjangoTemplatePlugin";
  plugin.relative_filename = "templates/a.html";
  plugin.region_kinds = {{"block", "Block"}, {"", ""}};
  back = analysis::FromBinary(analysis::ToBinary(plugin));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, plugin);
  FileAnalysis error;
  error.path = error.filename = "/p/x.html";
  error.should_be_python = false;
  error.error_kind = FileAnalysis::ErrorKind::kNotPython;
  error.error_type = "NotPython";
  error.error = "Couldn't parse '/p/x.html' as Python source: 'invalid syntax' at line 1";
  back = analysis::FromBinary(analysis::ToBinary(error));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, error);
}

// Extreme line numbers survive (arcs into negative exits, lines near INT32_MAX), and the
// row is much smaller than the JSON for the same analysis.
TEST(AnalysisRow, ExtremesAndSize) {
  FileAnalysis fa = Sample();
  fa.statements = {1, 2, 1000000, INT32_MAX};
  fa.arcs = {{INT32_MIN, 1}, {-5, INT32_MAX}, {1, -1}, {INT32_MAX, INT32_MIN}};
  fa.multiline = {{-3, -3}, {1, 1}, {INT32_MAX, 1}};
  fa.exit_counts = {{1, INT32_MAX}, {2, -1}};
  auto back = analysis::FromBinary(analysis::ToBinary(fa));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, fa);
  FileAnalysis big = Sample();
  for (LineNo l = 10; l < 5000; ++l) big.statements.push_back(l), big.arcs.push_back({l, l + 1});
  EXPECT_LT(analysis::ToBinary(big).size() * 3, ToJson(big).size());
}

// Damage is an error, never a crash or a wrong analysis: every truncation, and every
// single-byte change that still decodes gives back an analysis that writes the same row.
TEST(AnalysisRow, DamagedRowsAreErrors) {
  const std::string row = analysis::ToBinary(Sample());
  for (size_t n = 0; n < row.size(); ++n) EXPECT_FALSE(analysis::FromBinary(row.substr(0, n)).ok()) << n;
  EXPECT_FALSE(analysis::FromBinary(row + '\0').ok());
  EXPECT_FALSE(analysis::FromBinary("").ok());
  std::mt19937 rng(7);
  for (int round = 0; round < 4000; ++round) {
    std::string bad = row;
    bad[rng() % bad.size()] = char(rng());
    auto fa = analysis::FromBinary(bad);
    if (fa) EXPECT_EQ(analysis::FromBinary(analysis::ToBinary(*fa)).value(), *fa);
  }
  // A count larger than the bytes left is refused before anything is allocated.
  std::string huge = row.substr(0, 2) + "\xff\xff\xff\xff\xff\xff\xff\xff\x7f";
  EXPECT_FALSE(analysis::FromBinary(huge).ok());
  // Shapes no writer makes: statements beside an error.
  FileAnalysis odd = Sample();
  odd.error_kind = FileAnalysis::ErrorKind::kOther;
  EXPECT_FALSE(analysis::FromBinary(analysis::ToBinary(odd)).ok());
}

TEST(AnalysisJson, RoundTripsErrors) {
  FileAnalysis fa;
  fa.path = "x.html";
  fa.filename = "/p/x.html";
  fa.should_be_python = false;
  fa.error_kind = FileAnalysis::ErrorKind::kNotPython;
  fa.error_type = "NotPython";
  fa.error = "Couldn't parse '/p/x.html' as Python source: 'invalid syntax' at line 1";
  auto back = FromJson(ToJson(fa));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, fa);
  EXPECT_FALSE(back->ok());
}

// Found by fuzz/analysis_json_fuzz.cc: a text whose fields ToJson could not write back
// (branch fields without "arcs", tokens without "source_lines", analysis fields beside an
// error, plugin fields without a plugin) was accepted and changed on a round trip; no writer
// makes one, so it is unreadable.
TEST(AnalysisJson, RejectsShapesNoWriterMakes) {
  const std::string head = R"({"path":"/p/a.py","filename":"/p/a.py","should_be_python":true)";
  const std::string body = R"(,"statements":[1],"excluded":[],"multiline":[],"num_lines":1,"regions":[])";
  EXPECT_TRUE(FromJson(head + body + "}").ok());
  EXPECT_TRUE(FromJson(head + body + R"(,"arcs":[[1,-1]],"exit_counts":[[1,1]],"no_branch":[],"with_jump_fixers":[],"arc_fragments":[]})").ok());
  EXPECT_FALSE(FromJson(head + body + R"(,"exit_counts":[[1,1]]})").ok());
  EXPECT_FALSE(FromJson(head + body + R"(,"tokens":[[["key","x"]]]})").ok());
  EXPECT_FALSE(FromJson(head + R"(,"relative_filename":"a.py")" + body + "}").ok());
  EXPECT_FALSE(FromJson(head + R"(,"error":{"kind":"other","type":"E","message":"m"})" + body + "}").ok());
  EXPECT_TRUE(FromJson(head + R"(,"error":{"kind":"other","type":"E","message":"m"}})").ok());
}

TEST(AnalysisJson, ReadsTheHelpersOutput) {
  // A line as the helper prints it: spacing, field order and unknown fields are free.
  auto fa = FromJson(R"({"filename": "/a.py", "path": "a.py", "new_field": {"x": [1]},
      "should_be_python": true, "statements": [1, 3], "excluded": [], "multiline": [[3, 3], [4, 3]],
      "num_lines": 4, "regions": [], "arcs": [[1, 3], [3, -1]], "exit_counts": [[1, 1]],
      "no_branch": [], "with_jump_fixers": [[[3, 1], null]],
      "arc_fragments": [[[3, -1], [["", "exit the module"]]]]})");
  ASSERT_TRUE(fa) << fa.error().message;
  EXPECT_EQ(fa->statements, (std::vector<LineNo>{1, 3}));
  EXPECT_EQ(fa->FirstLine(4), 3);
  EXPECT_TRUE(fa->has_arcs);
  EXPECT_FALSE(fa->has_source);
  EXPECT_EQ(fa->with_jump_fixers.at({3, 1}), std::nullopt);
}

TEST(AnalysisJson, RejectsMalformedText) {
  for (const char* bad : {"", "{", "[]", R"({"statements": [1, "2"]})", R"({"statements": [1.5]})",
                          R"({"multiline": [[1, 2, 3]]})", R"({"path": 3})",
                          R"({"statements": [99999999999]})", R"({"error": {"type": "X"}})"}) {
    EXPECT_FALSE(FromJson(bad)) << bad;
  }
}

// ---- report-time helpers ---------------------------------------------------------------

TEST(FileAnalysisHelpers, FirstLineAndTranslation) {
  FileAnalysis fa = Sample();
  EXPECT_EQ(fa.FirstLine(5), 4);
  EXPECT_EQ(fa.FirstLine(-6), -4);
  EXPECT_EQ(fa.FirstLine(8), 8);
  EXPECT_EQ(fa.TranslateLines({6, 5, 1, 4}), (std::vector<LineNo>{1, 4}));
  // (6, 2) is fixed to (6, 7) then mapped to (4, 7); (2, 7) is dropped.
  EXPECT_EQ(fa.TranslateArcs({{2, 7}, {6, 2}, {1, 2}, {5, -1}}),
            (std::vector<Arc>{{1, 2}, {4, -1}, {4, 7}}));
}

TEST(FileAnalysisHelpers, MissingArcDescriptions) {
  FileAnalysis fa = Sample();
  EXPECT_EQ(fa.MissingArcDescription(2, 4),
            "line 2 didn't jump to line 4 because the condition on line 2 was never true");
  EXPECT_EQ(fa.MissingArcDescription(2, 7),
            "line 2 didn't jump to line 7 because  or line 2 didn't jump to line 7 \"quoted\"\n");
  EXPECT_EQ(fa.MissingArcDescription(4, -3),
            "line 4 didn't return from function 'm' because the return on line 4 wasn't executed");
  EXPECT_EQ(fa.MissingArcDescription(1, 2), "line 1 didn't jump to line 2");
  EXPECT_EQ(fa.MissingArcDescription(7, -1), "line 7 didn't jump to the function exit");
  EXPECT_EQ(fa.ArcDescription(4, -3), "return from function 'm'");
  EXPECT_EQ(fa.ArcDescription(2, 4), "jump to line 4");
  EXPECT_EQ(fa.ArcDescription(7, -1), "jump to the function exit");
}

// ---- cache -----------------------------------------------------------------------------

std::unique_ptr<AnalysisCache> OpenCache(const TempDir& t) {
  auto c = AnalysisCache::Open((t.path / ".covalesce_cache").string());
  EXPECT_TRUE(c) << (c ? "" : c.error().message);
  return c ? std::move(*c) : nullptr;
}

TEST(AnalysisCacheTest, HitMissAndInvalidation) {
  TempDir t;
  AnalysisSettings s;
  std::string fp = AnalysisCache::Fingerprint(s, "native:1");
  std::string k1 = AnalysisCache::Key(fp, "/p/m.py", "x = 1\n");
  std::string k2 = AnalysisCache::Key(fp, "/p/n.py", "x = 1\n");
  FileAnalysis fa = Sample();
  {
    auto cache = OpenCache(t);
    auto miss = cache->Lookup({k1});
    EXPECT_FALSE(miss[0]);
    ASSERT_TRUE(cache->Store({{k1, &fa}}));
  }
  auto cache = OpenCache(t);
  EXPECT_TRUE(fs::exists(t.path / ".covalesce_cache" / ".gitignore"));
  auto got = cache->Lookup({k2, k1});
  EXPECT_FALSE(got[0]);  // the path is part of the key
  ASSERT_TRUE(got[1]);
  EXPECT_EQ(*got[1], fa);
  EXPECT_FALSE(cache->rebuilt());

  // Every setting that changes an analysis changes the key.
  std::vector<AnalysisSettings> changed(8, s);
  changed[0].exclude.push_back("nocover");
  changed[1].partial.push_back("nobranch");
  changed[2].partial_always = {"while True:"};
  changed[3].python_version = "3.12";
  changed[4].branch = true;
  changed[5].source = true;
  changed[6].relative_files = true;
  changed[7].exclude = {"a|b"};
  std::set<std::string> keys = {k1};
  for (const AnalysisSettings& c : changed) {
    keys.insert(AnalysisCache::Key(AnalysisCache::Fingerprint(c, "native:1"), "/p/m.py", "x = 1\n"));
  }
  keys.insert(AnalysisCache::Key(AnalysisCache::Fingerprint(s, "native:2"), "/p/m.py", "x = 1\n"));
  keys.insert(AnalysisCache::Key(fp, "/p/m.py", "x = 2\n"));
  EXPECT_EQ(keys.size(), 11u);
  // ... and the settings that do not, do not.
  AnalysisSettings same = s;
  same.python = "/other/python";
  same.jobs = 7;
  same.use_cache = false;
  EXPECT_EQ(AnalysisCache::Fingerprint(same, "native:1"), fp);
}

TEST(AnalysisCacheTest, GarbageFileIsRebuilt) {
  TempDir t;
  fs::create_directories(t.path / ".covalesce_cache");
  t.Write(".covalesce_cache/analysis.sqlite", std::string(5000, 'x'));
  auto cache = OpenCache(t);
  ASSERT_TRUE(cache);
  EXPECT_TRUE(cache->rebuilt());
  FileAnalysis fa = Sample();
  ASSERT_TRUE(cache->Store({{"k", &fa}}));
  EXPECT_TRUE(cache->Lookup({"k"})[0]);
}

// Runs one SQL statement on the cache file, behind the cache's back.
void Tamper(const TempDir& t, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((t.path / ".covalesce_cache/analysis.sqlite").c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

TEST(AnalysisCacheTest, DamagedRowsAreNeverTrusted) {
  // A value that no longer matches its digest, and one that matches (hashlib.sha256 of the
  // row's first two bytes) but does not decode.
  for (const char* sql : {"UPDATE analysis SET value = CAST(value || x'00' AS BLOB)",
                          "UPDATE analysis SET value = x'4201', digest = "
                          "'4cb1fd840b329ec808f95c7a17d95ccc8848275c382ab11e4dfabd290c068070'"}) {
    TempDir t;
    FileAnalysis fa = Sample();
    ASSERT_TRUE(OpenCache(t)->Store({{"k1", &fa}, {"k2", &fa}}));
    Tamper(t, sql);
    auto cache = OpenCache(t);
    auto got = cache->Lookup({"k1", "k2"});
    EXPECT_FALSE(got[0]) << sql;
    EXPECT_FALSE(got[1]) << sql;  // one bad row throws the whole cache away
    EXPECT_TRUE(cache->rebuilt());
    EXPECT_FALSE(OpenCache(t)->Lookup({"k2"})[0]);
  }
}

TEST(AnalysisCacheTest, ForeignSchemaIsRebuilt) {
  TempDir t;
  FileAnalysis fa = Sample();
  ASSERT_TRUE(OpenCache(t)->Store({{"k", &fa}}));
  Tamper(t, "UPDATE meta SET value = 'something-else' WHERE name = 'schema'");
  auto cache = OpenCache(t);
  EXPECT_TRUE(cache->rebuilt());
  EXPECT_FALSE(cache->Lookup({"k"})[0]);
}

TEST(AnalysisCacheTest, OlderLayoutIsRebuilt) {
  // A cache written before rows had a `day`: opening it must not trip over the missing column.
  TempDir t;
  fs::create_directories(t.path / ".covalesce_cache");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((t.path / ".covalesce_cache/analysis.sqlite").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT);"
                         "INSERT INTO meta VALUES('schema', 'covalesce-analysis-cache-1');"
                         "CREATE TABLE analysis(key TEXT PRIMARY KEY, digest TEXT NOT NULL, "
                         "value BLOB NOT NULL) WITHOUT ROWID;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto cache = OpenCache(t);
  ASSERT_TRUE(cache);
  EXPECT_TRUE(cache->rebuilt());
  FileAnalysis fa = Sample();
  ASSERT_TRUE(cache->Store({{"k", &fa}}));
  EXPECT_TRUE(OpenCache(t)->Lookup({"k"})[0]);
}

// The `day` of a row, or -1 when it is gone.
int64_t RowDay(const TempDir& t, const std::string& key) {
  sqlite3* db = nullptr;
  sqlite3_open((t.path / ".covalesce_cache/analysis.sqlite").c_str(), &db);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT day FROM analysis WHERE key = ?1", -1, &st, nullptr);
  sqlite3_bind_text(st, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  int64_t day = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return day;
}

TEST(AnalysisCacheTest, UsedRowsAreKeptAndUnusedOnesExpire) {
  TempDir t;
  FileAnalysis fa = Sample();
  ASSERT_TRUE(OpenCache(t)->Store({{"used", &fa}, {"unused", &fa}, {"recent", &fa}}));
  int64_t today = RowDay(t, "used");
  Tamper(t, "UPDATE analysis SET day = day - 40 WHERE key != 'recent'");
  auto cache = OpenCache(t);
  EXPECT_TRUE(cache->Lookup({"used"})[0]);  // a hit on an old row is still a hit...
  EXPECT_TRUE(cache->has_unmarked_hits());
  ASSERT_TRUE(cache->Store({}));            // ... and the next write marks it as used today
  EXPECT_FALSE(cache->has_unmarked_hits());
  EXPECT_EQ(RowDay(t, "used"), today);
  EXPECT_EQ(RowDay(t, "unused"), -1);       // 40 days unused: dropped
  EXPECT_EQ(RowDay(t, "recent"), today);
}

TEST(AnalysisCacheTest, ConcurrentWritersAndReaders) {
  // Separate connections lock like separate processes: every store must land.
  TempDir t;
  FileAnalysis fa = Sample();
  constexpr int kWriters = 4, kRounds = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures = 0;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int r = 0; r < kRounds; ++r) {
        auto cache = AnalysisCache::Open((t.path / ".covalesce_cache").string());
        if (!cache) {
          ++failures;
          continue;
        }
        std::string key = std::to_string(w) + "/" + std::to_string(r);
        if (!(*cache)->Store({{key, &fa}, {"shared", &fa}})) ++failures;
        auto got = (*cache)->Lookup({key, "shared"});
        if (!got[0] || !got[1] || (*cache)->rebuilt()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  auto cache = OpenCache(t);
  for (int w = 0; w < kWriters; ++w) {
    for (int r = 0; r < kRounds; ++r) {
      EXPECT_TRUE(cache->Lookup({std::to_string(w) + "/" + std::to_string(r)})[0]);
    }
  }
}

// ---- the Python helper -----------------------------------------------------------------

std::string VenvPython() {
  std::string p = std::string(COVALESCE_SOURCE_DIR) + "/.venvs/py3.11/bin/python";
  return access(p.c_str(), X_OK) == 0 ? p : "";
}

TEST(PythonHelper, AnalysesFilesLikeCoveragePy) {
  std::string python = VenvPython();
  if (python.empty()) GTEST_SKIP() << "no reference venv";
  TempDir t;
  std::string good = t.Write("good.py", "import os\n\nif os:\n    x = (1,\n         2)\nelse:  # pragma: no cover\n    y = 3\n");
  std::string bad = t.Write("bad.py", "def f(:\n");
  std::string gone = (t.path / "gone.py").string();
  AnalysisSettings s;
  s.python = python;
  s.exclude = {R"(#\s*pragma: no cover)"};
  s.branch = true;
  s.cache_dir = (t.path / ".covalesce_cache").string();
  AnalysisStats stats;
  auto r = AnalyzeWithPython({good, bad, gone}, s, &stats);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  const FileAnalysis& g = (*r)[0];
  EXPECT_TRUE(g.ok()) << g.error;
  EXPECT_EQ(g.statements, (std::vector<LineNo>{1, 3, 4}));
  EXPECT_EQ(g.excluded, (std::vector<LineNo>{6, 7}));
  EXPECT_EQ(g.FirstLine(5), 4);
  EXPECT_EQ(g.arcs, (std::vector<Arc>{{1, 3}, {3, 4}, {3, 7}, {4, -1}, {7, -1}}));
  EXPECT_EQ(g.MissingArcDescription(3, 4),
            "line 3 didn't jump to line 4 because the condition on line 3 was never true");
  EXPECT_EQ((*r)[1].error_kind, FileAnalysis::ErrorKind::kNotPython);
  EXPECT_EQ((*r)[1].error, "Couldn't parse '" + bad + "' as Python source: 'invalid syntax' at line 1");
  EXPECT_EQ((*r)[2].error_kind, FileAnalysis::ErrorKind::kNoSource);
  EXPECT_EQ((*r)[2].error, "No source for code: '" + gone + "'.");
  EXPECT_EQ(stats.hits, 0u);
  EXPECT_EQ(stats.misses, 3u);

  // Warm: the parsed and the unparsable file come from the cache, the missing one never.
  AnalysisStats warm;
  auto again = AnalyzeWithPython({good, bad, gone}, s, &warm);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *r);
  EXPECT_EQ(warm.hits, 2u);
  // A changed file or a changed setting is analysed again.
  t.Write("good.py", "x = 1\n");
  s.exclude.push_back("nothing");
  AnalysisStats changed;
  auto third = AnalyzeWithPython({good, bad}, s, &changed);
  ASSERT_TRUE(third);
  EXPECT_EQ(changed.hits, 0u);
  EXPECT_EQ((*third)[0].statements, (std::vector<LineNo>{1}));
}

TEST(PythonHelper, ManyFilesOverSeveralWorkers) {
  std::string python = VenvPython();
  if (python.empty()) GTEST_SKIP() << "no reference venv";
  TempDir t;
  std::vector<std::string> files;
  for (int i = 0; i < 40; ++i) {
    std::string body;
    for (int j = 0; j <= i; ++j) ((body += "a") += std::to_string(j)) += " = 0\n";
    files.push_back(t.Write(std::to_string(i) + ".py", body));
  }
  AnalysisSettings s;
  s.python = python;
  s.jobs = 3;
  auto r = RunPythonHelper(files, s);
  ASSERT_TRUE(r) << r.error().message;
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ((*r)[i].path, files[i]);
    EXPECT_EQ((*r)[i].statements.size(), size_t(i + 1));
    EXPECT_FALSE((*r)[i].has_arcs);
  }
}

TEST(PythonHelper, ClearErrorsForUnusableInterpreters) {
  std::string python = VenvPython();
  if (python.empty()) GTEST_SKIP() << "no reference venv";
  TempDir t;
  auto missing = ProbePython((t.path / "no-such-python").string());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("Couldn't run the Python interpreter"), std::string::npos);
  // The venv's python without site-packages cannot import coverage.
  std::string wrapper = t.Write("python-nosite", "#!/bin/sh\nexec " + python + " -S \"$@\"\n");
  fs::permissions(wrapper, fs::perms::owner_all);
  auto no_cov = ProbePython(wrapper);
  ASSERT_FALSE(no_cov);
  EXPECT_EQ(no_cov.error().message.find("The Python interpreter '" + wrapper + "'"), 0u);
  EXPECT_NE(no_cov.error().message.find("can't import coverage.py (ModuleNotFoundError: No module named 'coverage')"),
            std::string::npos)
      << no_cov.error().message;
  EXPECT_EQ(no_cov.error().message.find('\n'), std::string::npos);
  auto probe = ProbePython(python);
  ASSERT_TRUE(probe) << probe.error().message;
  EXPECT_EQ(probe->coverage_version, "7.17.3");
  EXPECT_EQ(probe->analyser().rfind("python:3.11", 0), 0u);
}

}  // namespace
}  // namespace covalesce
