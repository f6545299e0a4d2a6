// Thin RAII wrappers over the SQLite C API, shared by the shard reader and the writer.
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace covalesce::sqlite {

class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt(Stmt&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  ~Stmt() { sqlite3_finalize(s_); }
  sqlite3_stmt** out() { return &s_; }
  sqlite3_stmt* get() const { return s_; }
  int step() { return sqlite3_step(s_); }
  void reset() { sqlite3_reset(s_); }
  int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
  int type(int col) const { return sqlite3_column_type(s_, col); }
  std::string_view text(int col) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string_view(p, size_t(sqlite3_column_bytes(s_, col))) : std::string_view();
  }
  std::string_view blob(int col) const {
    auto p = static_cast<const char*>(sqlite3_column_blob(s_, col));
    return p ? std::string_view(p, size_t(sqlite3_column_bytes(s_, col))) : std::string_view();
  }

 private:
  sqlite3_stmt* s_ = nullptr;
};

class Db {
 public:
  Db() = default;
  Db(const Db&) = delete;
  ~Db() { sqlite3_close_v2(db_); }
  sqlite3** out() { return &db_; }
  sqlite3* get() const { return db_; }
  // "<message>: (<SQLITE_NAME>)", the way Python's sqlite3 reports an error.
  std::string error_text() const;
  int prepare(std::string_view sql, Stmt& st) const {
    return sqlite3_prepare_v2(db_, sql.data(), int(sql.size()), st.out(), nullptr);
  }
  int exec(const char* sql) const { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }

 private:
  sqlite3* db_ = nullptr;
};

// "file:" URI for `abs_path` with `query` appended (percent-encoding as pathlib.as_uri).
std::string FileUri(const std::string& abs_path, std::string_view query);

}  // namespace covalesce::sqlite
