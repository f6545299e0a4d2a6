// The analysis cache: .covalesce_cache/analysis.sqlite beside the data file, like
// .ruff_cache or .mypy_cache. A row is the ToBinary() form of one FileAnalysis, found by a
// sha256 of everything that decides it. WAL mode and a busy timeout let two runs share the
// file; a run that cannot get the write lock in time only loses its new entries. Anything
// that looks damaged sends the whole database to the bin: recomputing is always correct.
// Rows carry the day they were last written or used; rows unused for kKeepDays are dropped
// when a run writes, so edited files do not pile up old analyses forever.
#include <openssl/evp.h>
#include <sqlite3.h>
#include <tbb/parallel_for.h>
#include <tbb/task_group.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "covalesce/analysis.h"
#include "covalesce/hex.h"
#include "covalesce/version.h"
#include "internal.h"

namespace covalesce {
namespace analysis {

std::string Sha256Hex(std::initializer_list<std::string_view> parts) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for (std::string_view p : parts) EVP_DigestUpdate(ctx, p.data(), p.size());
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  return LowerHex(digest, len);
}

}  // namespace analysis

namespace {

// 3: compact arc fragments; 4: a rowid table (WITHOUT ROWID kept each ~15 KB row inside the
// key's B-tree, so every insert moved whole rows about: most of a cold run's store);
// 5: binary rows (binary_io.cc) instead of compact JSON.
constexpr const char* kSchema = "covalesce-analysis-cache-5";
constexpr int64_t kKeepDays = 30;

int64_t Today() { return int64_t(time(nullptr) / 86400); }

sqlite3* Sql(void* db) { return static_cast<sqlite3*>(db); }

bool Damaged(int rc) {
  int primary = rc & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  int rc() const { return rc_; }
  sqlite3_stmt* get() { return s_; }
  std::string_view Text(int col) {
    auto p = static_cast<const char*>(sqlite3_column_blob(s_, col));
    return p ? std::string_view(p, size_t(sqlite3_column_bytes(s_, col))) : std::string_view();
  }
  void Bind(int i, std::string_view v) { sqlite3_bind_text(s_, i, v.data(), int(v.size()), SQLITE_STATIC); }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_;
};

}  // namespace

Result<std::unique_ptr<AnalysisCache>> AnalysisCache::Open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{"Couldn't create the cache directory '" + dir + "': " + ec.message()};
  std::string ignore = dir + "/.gitignore";
  if (access(ignore.c_str(), F_OK) != 0) std::ofstream(ignore) << "# Created by covalesce.\n*\n";

  std::unique_ptr<AnalysisCache> cache(new AnalysisCache());
  cache->path_ = dir + "/analysis.sqlite";
  std::string why;
  switch (cache->OpenDb(/*check=*/true, why)) {
    case Opened::kOk: break;
    case Opened::kDamaged:
      if (Status s = cache->Rebuild(); !s) return s.error();
      break;
    case Opened::kFailed:
      // An existing file SQLite will not use (a mangled header: "unsupported file format") is
      // damage too: the cache is only ever a copy, so it is rebuilt rather than trusted.
      if (access(cache->path_.c_str(), F_OK) == 0 && cache->Rebuild()) break;
      return Error{"Couldn't open the analysis cache '" + cache->path_ + "': " + why};
  }
  return cache;
}

AnalysisCache::~AnalysisCache() { sqlite3_close_v2(Sql(db_)); }

AnalysisCache::Opened AnalysisCache::OpenDb(bool check, std::string& why) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  db_ = db;
  auto fail = [&](int code) {
    why = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    return Damaged(code) ? Opened::kDamaged : Opened::kFailed;
  };
  if (rc != SQLITE_OK) return fail(rc);
  sqlite3_busy_timeout(db, 10000);
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA cache_size=-512",
                          "CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value TEXT)"}) {
    if ((rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr)) != SQLITE_OK) return fail(rc);
  }
  // The layout is checked before anything else touches the tables: a cache written by
  // another version may lack columns the statements below name.
  std::string set = std::string("INSERT OR IGNORE INTO meta VALUES('schema', '") + kSchema + "')";
  if ((rc = sqlite3_exec(db, set.c_str(), nullptr, nullptr, nullptr)) != SQLITE_OK) return fail(rc);
  {
    Stmt schema(db, "SELECT value FROM meta WHERE name = 'schema'");
    if (schema.rc() != SQLITE_OK) return fail(schema.rc());
    if ((rc = sqlite3_step(schema.get())) != SQLITE_ROW) return fail(rc);
    if (schema.Text(0) != kSchema) {
      why = "schema " + std::string(schema.Text(0));
      return Opened::kDamaged;  // another layout: start again rather than guess
    }
  }
  for (const char* sql : {"CREATE TABLE IF NOT EXISTS analysis(key TEXT PRIMARY KEY, digest TEXT "
                          "NOT NULL, value BLOB NOT NULL, day INTEGER NOT NULL)",
                          "CREATE INDEX IF NOT EXISTS analysis_day ON analysis(day)"}) {
    if ((rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr)) != SQLITE_OK) return fail(rc);
  }
  if (check) {
    Stmt quick(db, "PRAGMA quick_check");
    if (quick.rc() != SQLITE_OK) return fail(quick.rc());
    rc = sqlite3_step(quick.get());
    if (rc != SQLITE_ROW) return fail(rc);
    if (quick.Text(0) != "ok") {
      why = std::string(quick.Text(0));
      return Opened::kDamaged;
    }
  }
  return Opened::kOk;
}

Status AnalysisCache::Rebuild() {
  stale_.clear();
  sqlite3_close_v2(Sql(db_));
  db_ = nullptr;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) unlink((path_ + suffix).c_str());
  rebuilt_ = true;
  std::string why;
  if (OpenDb(/*check=*/false, why) != Opened::kOk) {
    return Error{"Couldn't recreate the analysis cache '" + path_ + "': " + why};
  }
  return ok_status();
}

std::string AnalysisCache::Fingerprint(const AnalysisSettings& s, std::string_view analyser) {
  std::string f = std::string(kSchema) + "\ncovalesce " + kVersion + "\n" + std::string(analyser) +
                  "\nmodel " + s.python_version + "\nrelative_files " +
                  (s.relative_files ? "1" : "0") + "\nbranch " + (s.branch ? "1" : "0") +
                  "\nsource " + (s.source ? "1" : "0");
  for (auto [name, list] : {std::pair{"exclude", &s.exclude}, {"partial", &s.partial},
                            {"partial_always", &s.partial_always}}) {
    f += '\n';
    f += name;
    for (const std::string& re : *list) (f += ' ') += JsonQuote(re);
  }
  return f;
}

std::string AnalysisCache::Key(std::string_view fingerprint, std::string_view path,
                               std::string_view source_bytes) {
  std::string sizes = std::to_string(fingerprint.size()) + "," + std::to_string(path.size());
  return analysis::Sha256Hex({sizes, "\n", fingerprint, path, source_bytes});
}

std::vector<std::optional<FileAnalysis>> AnalysisCache::Lookup(const std::vector<std::string>& keys) {
  std::vector<std::optional<FileAnalysis>> found(keys.size());
  auto distrust = [&] {
    (void)Rebuild();  // if even that fails, later calls find no database and miss
    return std::vector<std::optional<FileAnalysis>>(keys.size());
  };
  if (!db_) return found;
  bool damaged = false;
  {  // the statement is finalised before a rebuild closes the database
    Stmt get(Sql(db_), "SELECT digest, value, day FROM analysis WHERE key = ?1");
    if (Damaged(get.rc())) damaged = true;
    else if (get.rc() != SQLITE_OK) return found;
    // A batch of rows at a time: their bytes are as large as the analyses they decode
    // to, and holding every row's text at once set a warm run's peak memory.
    constexpr size_t kBatch = 64;
    std::vector<std::pair<std::string, std::string>> rows;  // digest, value
    std::vector<char> hit;
    for (size_t start = 0; start < keys.size() && !damaged; start += kBatch) {
      const size_t n = std::min(kBatch, keys.size() - start);
      rows.assign(n, {});
      hit.assign(n, 0);
      for (size_t j = 0; j < n; ++j) {
        const size_t i = start + j;
        get.Bind(1, keys[i]);
        int rc = sqlite3_step(get.get());
        if (rc == SQLITE_ROW) {
          rows[j] = {std::string(get.Text(0)), std::string(get.Text(1))};
          hit[j] = 1;
          if (sqlite3_column_int64(get.get(), 2) < Today()) stale_.push_back(keys[i]);
        } else if (Damaged(rc)) {
          damaged = true;
          break;
        }
        sqlite3_reset(get.get());
      }
      if (damaged) break;
      std::atomic<bool> undecodable = false;
      tbb::parallel_for(size_t(0), n, [&](size_t j) {
        if (!hit[j]) return;
        auto& [digest, value] = rows[j];
        auto fa = digest == analysis::Sha256Hex({value}) ? analysis::FromBinary(value) : Error{"digest"};
        if (fa) found[start + j] = std::move(*fa);
        else undecodable = true;
      });
      damaged = undecodable;
    }
  }
  if (damaged) return distrust();
  return found;
}

Status AnalysisCache::Store(const std::vector<std::pair<std::string, const FileAnalysis*>>& entries) {
  // Rows are made (ToBinary, digest) a batch at a time on the pool while this thread inserts
  // the batch before: SQLite's inserts are serial, and a cold run's cache holds megabytes
  // of rows that need not all be in memory at once.
  constexpr size_t kBatch = 8;
  struct Row {
    std::string digest, value;
  };
  auto make_batch = [&](size_t start) {
    std::vector<Row> rows(std::min(kBatch, entries.size() - start));
    tbb::parallel_for(size_t(0), rows.size(), [&](size_t j) {
      rows[j].value = analysis::ToBinary(*entries[start + j].second);
      rows[j].digest = analysis::Sha256Hex({rows[j].value});
    });
    return rows;
  };
  // Damage that only a write finds (Open's check reads the schema, not every page) rebuilds
  // the cache; the batch is then written once more into the fresh file (found by the
  // analysis_cache fuzzer: a mangled page under the analysis table).
  bool rebuilt = false;
  auto attempt = [&]() -> Status {
    sqlite3* db = Sql(db_);
    if (!db) return Error{"The analysis cache '" + path_ + "' is not open"};
    // `layout`: a statement of ours does not prepare, so the file holds another layout than
    // Open's check saw (a mangled CREATE text): damage too (found by the fuzzer).
    auto failed = [&](int rc, bool layout = false) -> Status {
      std::string why = layout ? "statement does not prepare (" + std::string(sqlite3_errstr(rc)) + ")" : sqlite3_errmsg(db);
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      if (layout || Damaged(rc)) {
        if (Status s = Rebuild(); !s) return s;
        rebuilt = true;
      }
      return Error{"Couldn't write the analysis cache '" + path_ + "': " + why};
    };
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return failed(rc);
    {
      int64_t today = Today();
      Stmt put(db, "INSERT OR REPLACE INTO analysis(key, digest, value, day) VALUES(?1, ?2, ?3, ?4)");
      Stmt touch(db, "UPDATE analysis SET day = ?2 WHERE key = ?1");
      Stmt prune(db, "DELETE FROM analysis WHERE day < ?1");
      for (Stmt* st : {&put, &touch, &prune}) {
        if (st->rc() != SQLITE_OK) return failed(st->rc(), /*layout=*/true);
      }
      std::vector<Row> batch = entries.empty() ? std::vector<Row>() : make_batch(0);
      for (size_t start = 0; start < entries.size(); start += kBatch) {
        std::vector<Row> next;
        tbb::task_group ahead;
        if (start + kBatch < entries.size()) ahead.run([&] { next = make_batch(start + kBatch); });
        int batch_rc = SQLITE_DONE;
        for (size_t j = 0; j < batch.size() && batch_rc == SQLITE_DONE; ++j) {
          put.Bind(1, entries[start + j].first);
          put.Bind(2, batch[j].digest);
          sqlite3_bind_blob(put.get(), 3, batch[j].value.data(), int(batch[j].value.size()), SQLITE_STATIC);
          sqlite3_bind_int64(put.get(), 4, today);
          batch_rc = sqlite3_step(put.get());
          sqlite3_reset(put.get());
        }
        ahead.wait();
        if (batch_rc != SQLITE_DONE) return failed(batch_rc);
        batch = std::move(next);
      }
      for (const std::string& key : stale_) {
        touch.Bind(1, key);
        sqlite3_bind_int64(touch.get(), 2, today);
        if ((rc = sqlite3_step(touch.get())) != SQLITE_DONE) return failed(rc);
        sqlite3_reset(touch.get());
      }
      sqlite3_bind_int64(prune.get(), 1, today - kKeepDays);
      if ((rc = sqlite3_step(prune.get())) != SQLITE_DONE) return failed(rc);
    }
    if ((rc = sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr)) != SQLITE_OK) return failed(rc);
    return ok_status();
  };
  Status st = attempt();
  if (!st && rebuilt) {
    rebuilt = false;
    st = attempt();
  }
  if (!st) return st;
  stale_.clear();
  return ok_status();
}

}  // namespace covalesce
