// Reads a coverage.py data file the way coverage.py 7.17.3 opens a combine input:
// read-only and immutable (no journal, no locks, nothing written), the same statements in
// the same order, so that a bad file fails at the same point with the same message. Rows
// land in flat columns with SQLite row ids turned into dense local indexes.
#include "covalesce/shard_reader.h"

#include <sys/stat.h>

#include <unistd.h>

#include <algorithm>
#include <tuple>
#include <unordered_map>

#include "covalesce/kernels.h"
#include "covalesce/pystr.h"
#include "id_index.h"
#include "sqlite_util.h"

namespace covalesce {
namespace sqlite {

std::string Db::error_text() const {
  return std::string(sqlite3_errmsg(db_)) + ": (" + SqliteErrorName(sqlite3_extended_errcode(db_)) + ")";
}

std::string FileUri(const std::string& abs_path, std::string_view query) {
  static const char* hex = "0123456789ABCDEF";
  std::string path = abs_path;
  if (path.empty() || path[0] != '/') {  // relative: SQLite URIs need an absolute path
    char buf[4096];
    if (getcwd(buf, sizeof buf)) path = std::string(buf) + "/" + path;
  }
  std::string uri = "file://";
  for (unsigned char c : path) {
    if (isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-' || c == '~') {
      uri += char(c);
    } else {
      uri += '%';
      uri += hex[c >> 4];
      uri += hex[c & 15];
    }
  }
  uri += query;
  return uri;
}

}  // namespace sqlite

namespace {

struct Reader {
  explicit Reader(const std::string& p) : path(p), repr(PyRepr(p)) {}
  const std::string& path;
  std::string repr;
  sqlite::Db db;

  Error fail() const { return Error{"Couldn't use data file " + repr + ": " + db.error_text()}; }

  // Runs `sql`, calling row(stmt) per row. Returns false (error in db) on failure.
  template <typename RowFn>
  bool query(std::string_view sql, RowFn&& row) {
    sqlite::Stmt st;
    if (db.prepare(sql, st) != SQLITE_OK) return false;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW) row(st);
    return rc == SQLITE_DONE;
  }
};

}  // namespace

Result<Shard> ReadShardSqlite(const std::string& path) {
  Reader r(path);
  Shard shard;
  shard.path = path;

  // CoverageData.read(): a read-only data file that os.path.exists() denies (missing, a
  // dangling link, a symlink loop) is "it doesn't exist", before SQLite is asked.
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return Error{"Couldn't use data file " + r.repr + ": it doesn't exist"};
  const std::string uri = sqlite::FileUri(path, "?mode=ro&immutable=1");
  if (sqlite3_open_v2(uri.c_str(), r.db.out(), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    return r.fail();
  }
  if (r.db.exec("pragma journal_mode=off") != SQLITE_OK) return r.fail();

  // Schema version. coverage.py turns any failure here into "isn't a coverage data file".
  {
    std::string not_ours = "Data file " + r.repr + " isn't a coverage data file: ";
    int rows = 0;
    std::string version_text;
    bool version_ok = false;
    if (!r.query("select version from coverage_schema", [&](sqlite::Stmt& st) {
          ++rows;
          // Python compares with != 7, so 7.0 passes too.
          version_ok = (st.type(0) == SQLITE_INTEGER && st.i64(0) == 7) ||
                       (st.type(0) == SQLITE_FLOAT && sqlite3_column_double(st.get(), 0) == 7.0);
          version_text = std::string(st.text(0));
          if (st.type(0) == SQLITE_FLOAT && version_text.find('.') == std::string::npos) {
            version_text += ".0";
          }
        })) {
      return Error{not_ours + r.fail().message};
    }
    if (rows == 0) return Error{not_ours};  // Python: str(AssertionError()) is empty
    if (rows > 1) {
      return Error{not_ours + "SQL 'select version from coverage_schema' shouldn't return " +
                   std::to_string(rows) + " rows"};
    }
    if (!version_ok) {
      return Error{"Couldn't use data file " + r.repr + ": wrong schema: " + version_text +
                   " instead of 7"};
    }
  }

  if (!r.query("select value from meta where key = 'has_arcs'", [&](sqlite::Stmt& st) {
        shard.meta_has_arcs = st.i64(0) != 0;
      })) {
    return r.fail();
  }

  IdIndex file_ids, context_ids;
  if (!r.query("select id, path from file", [&](sqlite::Stmt& st) {
        file_ids.Add(st.i64(0), uint32_t(shard.files.size()));
        shard.files.emplace_back(st.text(1));
      })) {
    return r.fail();
  }
  shard.tracers.assign(shard.files.size(), std::string());

  if (!r.query("select id, context from context", [&](sqlite::Stmt& st) {
        context_ids.Add(st.i64(0), uint32_t(shard.contexts.size()));
        shard.contexts.emplace_back(st.text(1));
      })) {
    return r.fail();
  }

  // Rows whose file or context id has no row are dropped, as coverage.py's joins drop them.
  shard.line_offsets.push_back(0);
  if (!r.query("select file_id, context_id, numbits from line_bits", [&](sqlite::Stmt& st) {
        uint32_t f = file_ids.Get(st.i64(0)), c = context_ids.Get(st.i64(1));
        if (f == kMissing || c == kMissing) return;
        std::string_view bits = st.blob(2);
        shard.line_file.push_back(f);
        shard.line_context.push_back(c);
        shard.line_bytes.insert(shard.line_bytes.end(), bits.begin(), bits.end());
        shard.line_offsets.push_back(uint32_t(shard.line_bytes.size()));
      })) {
    return r.fail();
  }

  if (!r.query("select file_id, context_id, fromno, tono from arc", [&](sqlite::Stmt& st) {
        uint32_t f = file_ids.Get(st.i64(0)), c = context_ids.Get(st.i64(1));
        if (f == kMissing || c == kMissing) return;
        shard.arc_file.push_back(f);
        shard.arc_context.push_back(c);
        shard.arc_keys.push_back(kernels::PackArc(int32_t(st.i64(2)), int32_t(st.i64(3))));
      })) {
    return r.fail();
  }

  if (!r.query("select file_id, tracer from tracer", [&](sqlite::Stmt& st) {
        uint32_t f = file_ids.Get(st.i64(0));
        if (f != kMissing) shard.tracers[f] = std::string(st.text(1));
      })) {
    return r.fail();
  }
  return shard;
}

Result<Shard> ReadShard(const std::string& path) {
  if (auto fast = ReadShardPages(path)) return std::move(*fast);
  return ReadShardSqlite(path);
}

std::string CompareShards(const Shard& a, const Shard& b) {
  if (a.meta_has_arcs != b.meta_has_arcs) return "meta has_arcs differs";
  if (a.files != b.files) return "file rows differ";
  if (a.tracers != b.tracers) return "tracer rows differ";
  if (a.contexts != b.contexts) return "context rows differ";
  auto lines = [](const Shard& s) {
    std::vector<std::tuple<uint32_t, uint32_t, std::string>> rows;
    for (size_t i = 0; i < s.line_file.size(); ++i) {
      rows.emplace_back(s.line_file[i], s.line_context[i],
                        std::string(s.line_bytes.begin() + s.line_offsets[i],
                                    s.line_bytes.begin() + s.line_offsets[i + 1]));
    }
    std::sort(rows.begin(), rows.end());
    return rows;
  };
  if (lines(a) != lines(b)) return "line_bits rows differ";
  auto arcs = [](const Shard& s) {
    std::vector<std::tuple<uint32_t, uint32_t, uint64_t>> rows;
    for (size_t i = 0; i < s.arc_keys.size(); ++i) rows.emplace_back(s.arc_file[i], s.arc_context[i], s.arc_keys[i]);
    std::sort(rows.begin(), rows.end());
    return rows;
  };
  if (arcs(a) != arcs(b)) return "arc rows differ";
  return "";
}

}  // namespace covalesce
