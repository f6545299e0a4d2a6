// Writes the combined data file: built as SQLite pages directly (page_writer.h), checked by
// SQLite's own quick_check, and written through the SQLite API instead should that check
// ever fail. Either way the file is a temp file beside the target until it is complete and
// fsynced; a rename then replaces the target, so a reader sees the old file or the new one.
#include "covalesce/data_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <numeric>
#include <thread>

#include "covalesce/atomic_file.h"
#include "covalesce/kernels.h"
#include "covalesce/pystr.h"
#include "page_writer.h"
#include "sqlite_util.h"

namespace covalesce {

const std::vector<TableSql>& CoverageSchema() {
  // Same tables, columns, types and constraints as coverage.py's schema version 7.
  static const std::vector<TableSql> schema = {
      {"table", "coverage_schema", "coverage_schema", "CREATE TABLE coverage_schema (version integer)"},
      {"table", "meta", "meta", "CREATE TABLE meta (key text, value text, unique (key))"},
      {"index", "sqlite_autoindex_meta_1", "meta", ""},
      {"table", "file", "file", "CREATE TABLE file (id integer primary key, path text, unique (path))"},
      {"index", "sqlite_autoindex_file_1", "file", ""},
      {"table", "context", "context",
       "CREATE TABLE context (id integer primary key, context text, unique (context))"},
      {"index", "sqlite_autoindex_context_1", "context", ""},
      {"table", "line_bits", "line_bits",
       "CREATE TABLE line_bits (file_id integer, context_id integer, numbits blob, "
       "foreign key (file_id) references file (id), foreign key (context_id) references context (id), "
       "unique (file_id, context_id))"},
      {"index", "sqlite_autoindex_line_bits_1", "line_bits", ""},
      {"table", "arc", "arc",
       "CREATE TABLE arc (file_id integer, context_id integer, fromno integer, tono integer, "
       "foreign key (file_id) references file (id), foreign key (context_id) references context (id), "
       "unique (file_id, context_id, fromno, tono))"},
      {"index", "sqlite_autoindex_arc_1", "arc", ""},
      {"table", "tracer", "tracer",
       "CREATE TABLE tracer (file_id integer primary key, tracer text, "
       "foreign key (file_id) references file (id))"},
  };
  return schema;
}

namespace {

std::string DirName(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Fills the SQLite file at `tmp`. Errors name the final `path`, which is what the user knows.
Status FillThroughApi(const CoverageData& data, const std::string& tmp, const std::string& path,
            const std::string& meta_version) {
  sqlite::Db db;
  auto fail = [&]() {
    return Error{"Couldn't write data file " + PyRepr(path) + ": " + db.error_text()};
  };
  if (sqlite3_open_v2(tmp.c_str(), db.out(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    return fail();
  }
  if (db.exec("pragma journal_mode=off") != SQLITE_OK) return fail();
  if (db.exec("pragma synchronous=off") != SQLITE_OK) return fail();
  if (db.exec("begin") != SQLITE_OK) return fail();
  for (const TableSql& t : CoverageSchema()) {
    if (!t.sql.empty() && db.exec(t.sql.c_str()) != SQLITE_OK) return fail();
  }
  if (db.exec("insert into coverage_schema (version) values (7)") != SQLITE_OK) return fail();

  auto insert_all = [&](const char* sql, auto&& bind_rows) -> bool {
    sqlite::Stmt st;
    if (db.prepare(sql, st) != SQLITE_OK) return false;
    return bind_rows(st);
  };
  auto step = [](sqlite::Stmt& st) {
    int rc = st.step();
    st.reset();
    return rc == SQLITE_DONE;
  };

  bool ok = insert_all("insert into meta (key, value) values (?, ?)", [&](sqlite::Stmt& st) {
    sqlite3_bind_text(st.get(), 1, "version", -1, SQLITE_STATIC);
    sqlite3_bind_text(st.get(), 2, meta_version.c_str(), -1, SQLITE_STATIC);
    if (!step(st)) return false;
    if (data.has_arcs) {
      sqlite3_bind_text(st.get(), 1, "has_arcs", -1, SQLITE_STATIC);
      sqlite3_bind_text(st.get(), 2, *data.has_arcs ? "1" : "0", -1, SQLITE_STATIC);
      if (!step(st)) return false;
    }
    for (const auto& [key, value] : data.meta) {
      sqlite3_bind_text(st.get(), 1, key.data(), int(key.size()), SQLITE_STATIC);
      sqlite3_bind_text(st.get(), 2, value.data(), int(value.size()), SQLITE_STATIC);
      if (!step(st)) return false;
    }
    return true;
  });
  // The file and context tables: (id, text) rows, ids numbered from 1 in index order.
  auto insert_numbered = [&](const char* sql, size_t count, const auto& text_at) {
    return insert_all(sql, [&](sqlite::Stmt& st) {
      for (size_t i = 0; i < count; ++i) {
        sqlite3_bind_int64(st.get(), 1, int64_t(i) + 1);
        const std::string& text = text_at(i);
        sqlite3_bind_text(st.get(), 2, text.data(), int(text.size()), SQLITE_STATIC);
        if (!step(st)) return false;
      }
      return true;
    });
  };
  ok = ok && insert_numbered("insert into file (id, path) values (?, ?)", data.files.size(),
                             [&](size_t i) -> const std::string& { return data.files[i].path; });
  ok = ok && insert_numbered("insert into context (id, context) values (?, ?)", data.contexts.size(),
                             [&](size_t i) -> const std::string& { return data.contexts[i]; });


  ok = ok && insert_all("insert into line_bits (file_id, context_id, numbits) values (?, ?, ?)",
                        [&](sqlite::Stmt& st) {
    return ForEachLineBitsRow(data, [&](size_t f, uint32_t context, std::string_view numbits) {
      sqlite3_bind_int64(st.get(), 1, int64_t(f) + 1);
      sqlite3_bind_int64(st.get(), 2, int64_t(context) + 1);
      sqlite3_bind_blob(st.get(), 3, numbits.empty() ? "" : numbits.data(), int(numbits.size()), SQLITE_STATIC);
      return step(st);
    });
  });
  ok = ok && insert_all("insert into arc (file_id, context_id, fromno, tono) values (?, ?, ?, ?)",
                        [&](sqlite::Stmt& st) {
    for (size_t f = 0; f < data.files.size(); ++f) {
      const FileCoverage& fc = data.files[f];
      sqlite3_bind_int64(st.get(), 1, int64_t(f) + 1);
      for (uint32_t k : ContextOrder(fc.arc_contexts)) {
        sqlite3_bind_int64(st.get(), 2, int64_t(fc.arc_contexts[k]) + 1);
        for (uint64_t key : fc.arcs[k]) {
          sqlite3_bind_int64(st.get(), 3, kernels::ArcFrom(key));
          sqlite3_bind_int64(st.get(), 4, kernels::ArcTo(key));
          if (!step(st)) return false;
        }
      }
    }
    return true;
  });
  ok = ok && insert_all("insert into tracer (file_id, tracer) values (?, ?)", [&](sqlite::Stmt& st) {
    for (size_t f = 0; f < data.files.size(); ++f) {
      const std::string& t = data.files[f].tracer;
      if (t.empty()) continue;
      sqlite3_bind_int64(st.get(), 1, int64_t(f) + 1);
      sqlite3_bind_text(st.get(), 2, t.data(), int(t.size()), SQLITE_STATIC);
      if (!step(st)) return false;
    }
    return true;
  });
  if (!ok) return fail();
  if (db.exec("commit") != SQLITE_OK) return fail();
  if (sqlite3_close_v2(*db.out()) != SQLITE_OK) return fail();
  *db.out() = nullptr;
  return ok_status();
}

// Whether SQLite finds the finished file sound.
bool QuickCheckOk(const std::string& path) {
  sqlite::Db db;
  if (sqlite3_open_v2(path.c_str(), db.out(), SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    return false;
  }
  // Mapped, the check reads the pages where the page cache holds them, without a read call
  // and a copy for each.
  db.exec("pragma mmap_size=1073741824");
  sqlite::Stmt st;
  if (db.prepare("pragma quick_check", st) != SQLITE_OK || st.step() != SQLITE_ROW) return false;
  return st.text(0) == "ok" && st.step() == SQLITE_DONE;
}

// Fills `tmp` with pages built directly. An OS error (full disk, read-only directory) is
// the answer; only pages SQLite finds unsound (`unsound`) are worth a second try through
// the SQLite API.
Status FillDirect(const CoverageData& data, const std::string& tmp, const std::string& path,
                  const std::string& meta_version, bool& unsound) {
  auto os_error = [&](const std::string& why) {
    return Error{"Couldn't write data file " + PyRepr(path) + ": " + why};
  };
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return os_error(std::strerror(errno));
  Status st = WritePages(data, fd, meta_version, CoverageSchema());
  if (!st) {
    close(fd);
    return os_error(st.error().message);
  }
  // The fsync waits on the disk and the quick_check reads the pages back from the page
  // cache: side by side, the check costs no wall time beyond the slower of the two.
  int sync_err = 0;
  std::thread sync([&] {
    if (fsync(fd) != 0) sync_err = errno;
  });
  const bool sound = QuickCheckOk(tmp);
  sync.join();
  if (sync_err) {
    close(fd);
    return os_error(std::strerror(sync_err));
  }
  if (close(fd) != 0) return os_error(std::strerror(errno));
  if (!sound) {
    unsound = true;
    return Error{"quick_check failed"};
  }
  return ok_status();
}

}  // namespace

Status WriteDataFile(const CoverageData& data, const std::string& path,
                     const std::string& meta_version, WriteMethod method) {
  const std::string dir = DirName(path);
  RemoveStaleTemps(dir);  // what a killed writer left here
  const std::string tmp = TempPathBeside(path);
  auto fail = [&](Status st) {
    unlink(tmp.c_str());
    return st;
  };
  bool unsound = method == WriteMethod::kSqliteApi;
  if (method != WriteMethod::kSqliteApi) {
    Status st = FillDirect(data, tmp, path, meta_version, unsound);
    if (!st && (!unsound || method == WriteMethod::kPagesOnly)) return fail(st);
    if (st) unsound = false;
  }
  if (unsound) {
    unlink(tmp.c_str());
    if (Status st = FillThroughApi(data, tmp, path, meta_version); !st) return fail(st);
    if (int err = SyncPath(tmp, false)) return fail(Error{"Couldn't sync " + PyRepr(path) + ": " + std::strerror(err)});
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return fail(Error{"Couldn't write data file " + PyRepr(path) + ": " + std::strerror(errno)});
  }
  if (int err = SyncPath(dir, true)) {
    return Error{"Couldn't sync the directory of " + PyRepr(path) + ": " + std::strerror(err)};
  }
  return ok_status();
}

}  // namespace covalesce
