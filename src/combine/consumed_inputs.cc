// The consumed-inputs record of consumed_inputs.h. One line per input:
// "<size> <mtime in ns> <path length>:<path>\n" (the length makes any byte safe in a path).
#include "covalesce/consumed_inputs.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "covalesce/pystr.h"

namespace covalesce {
namespace {

struct Identity {
  int64_t size = -1, mtime_ns = -1;
};

Identity IdentityOf(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
  return {int64_t(st.st_size), int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

bool ReadNumber(std::string_view& s, char end, int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || p == s.data() + s.size() || *p != end) return false;
  s.remove_prefix(size_t(p - s.data()) + 1);
  return true;
}

}  // namespace

std::pair<std::string, std::string> ConsumedInputsRow(const std::vector<std::string>& inputs) {
  std::string value;
  for (const std::string& path : inputs) {
    Identity id = IdentityOf(path);
    if (id.size < 0) continue;
    value += std::to_string(id.size) + " " + std::to_string(id.mtime_ns) + " " + std::to_string(path.size()) +
             ":" + path + "\n";
  }
  return {kConsumedMetaKey, value};
}

Result<size_t> FinishInterruptedDeletes(const std::string& data_file) {
  if (access(data_file.c_str(), F_OK) != 0) return size_t(0);
  std::string value;
  {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(data_file.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
      sqlite3_close_v2(db);
      return size_t(0);
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "select value from meta where key = ?", -1, &st, nullptr) == SQLITE_OK) {
      sqlite3_bind_text(st, 1, kConsumedMetaKey, -1, SQLITE_STATIC);
      if (sqlite3_step(st) == SQLITE_ROW) {
        const void* p = sqlite3_column_blob(st, 0);
        if (p) value.assign(static_cast<const char*>(p), size_t(sqlite3_column_bytes(st, 0)));
      }
    }
    sqlite3_finalize(st);
    sqlite3_close_v2(db);
  }
  size_t deleted = 0;
  std::string_view s = value;
  while (!s.empty()) {
    int64_t size, mtime_ns, len;
    if (!ReadNumber(s, ' ', size) || !ReadNumber(s, ' ', mtime_ns) || !ReadNumber(s, ':', len) || len < 0 ||
        size_t(len) + 1 > s.size() || s[size_t(len)] != '\n') {
      break;  // not a record covalesce wrote: trust none of the rest
    }
    std::string path(s.substr(0, size_t(len)));
    s.remove_prefix(size_t(len) + 1);
    Identity now = IdentityOf(path);
    if (now.size != size || now.mtime_ns != mtime_ns) continue;  // gone, or another file now
    if (unlink(path.c_str()) != 0 && errno != ENOENT) {
      return Error{"Couldn't delete data file " + PyRepr(path) + ": " + std::strerror(errno)};
    }
    ++deleted;
  }
  return deleted;
}

}  // namespace covalesce
