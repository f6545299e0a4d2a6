// Fuzz target: the analysis cache (src/analysis/cache.cc) opening a damaged or foreign
// .covalesce_cache/analysis.sqlite: the input is the database file's bytes. Checks: no
// crash, hang or sanitizer report; Open either gives a cache or an error with a message;
// every hit Lookup serves reads back as a valid analysis; and the cache keeps working
// whatever the file held: after Open, a Store and a Lookup of the same key give back the
// stored analysis.
#include <sqlite3.h>
#include <unistd.h>

#include "covalesce/analysis.h"
#include "fuzz_util.h"

namespace {

// The keys the file's analysis table holds (at most 64), read without the cache's code.
std::vector<std::string> StoredKeys(const std::string& path) {
  std::vector<std::string> keys;
  sqlite3* db = nullptr;
  std::string uri = "file:" + path + "?mode=ro&immutable=1";
  if (sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT key FROM analysis LIMIT 64", -1, &st, nullptr) == SQLITE_OK) {
      while (sqlite3_step(st) == SQLITE_ROW) {
        auto p = reinterpret_cast<const char*>(sqlite3_column_blob(st, 0));
        keys.emplace_back(p ? std::string(p, size_t(sqlite3_column_bytes(st, 0))) : std::string());
      }
    }
    sqlite3_finalize(st);
  }
  sqlite3_close_v2(db);
  return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace covalesce;
  const std::string dir = fuzz::ScratchDir() + "/cache";
  std::filesystem::create_directories(dir);
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) unlink((dir + "/analysis.sqlite" + suffix).c_str());
  const std::string path = fuzz::WriteScratch("cache/analysis.sqlite", data, size);
  std::vector<std::string> keys = StoredKeys(path);

  auto opened = AnalysisCache::Open(dir);
  if (!opened) fuzz::Fail("a writable cache directory that Open gives up on: " + opened.error().message);
  AnalysisCache& cache = **opened;
  for (const std::optional<FileAnalysis>& hit : cache.Lookup(keys)) {
    if (hit && ToJson(*hit).empty()) fuzz::Fail("an empty analysis served");
  }

  FileAnalysis fa;
  fa.path = fa.filename = "/fuzz/stored.py";
  fa.statements = {1, 2, 5};
  fa.num_lines = 5;
  const std::string key = AnalysisCache::Key("fuzz-fingerprint", fa.path, "source");
  if (Status st = cache.Store({{key, &fa}}); !st) fuzz::Fail("Store after Open failed: " + st.error().message);
  std::vector<std::optional<FileAnalysis>> back = cache.Lookup({key});
  if (!back[0] || !(*back[0] == fa)) fuzz::Fail("the analysis just stored is not served back");
  return 0;
}
