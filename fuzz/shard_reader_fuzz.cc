// Fuzz target: the direct SQLite page reader and the SQLite-API shard reader on one file.
//
// Checks: neither reader crashes, hangs or reads out of bounds on any bytes; and where both
// accept a file they hold the same rows (`covalesce debug shards`' comparison). A file SQLite's
// own `PRAGMA integrity_check` calls damaged is exempt from agreement: on a corrupt file the
// API path may read an index where the page reader reads the table, and neither is "right".
// The page reader also must not accept a healthy file that the API path rejects.
//
// The custom mutator keeps a file's page structure most of the time (it mutates inside one
// page, or adds or drops a whole page and fixes the header's page count), so mutations reach
// the B-tree walk instead of dying at the header checks.
#include <sqlite3.h>

#include <cstring>
#include <random>
#include <vector>

#include "covalesce/shard_reader.h"
#include "fuzz_util.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

uint32_t PageSize(const uint8_t* data, size_t size) {
  if (size < 100 || std::memcmp(data, "SQLite format 3\0", 16) != 0) return 0;
  uint32_t ps = uint32_t(data[16]) << 8 | data[17];
  if (ps == 1) ps = 65536;
  if (ps < 512 || (ps & (ps - 1)) || size % ps != 0) return 0;
  return ps;
}

void SetPageCount(uint8_t* data, uint32_t n) {
  data[28] = uint8_t(n >> 24), data[29] = uint8_t(n >> 16), data[30] = uint8_t(n >> 8), data[31] = uint8_t(n);
}

// SQLite's verdict on the file: "ok" or its first complaint.
std::string IntegrityCheck(const std::string& path) {
  sqlite3* db = nullptr;
  std::string uri = "file:" + path + "?mode=ro&immutable=1";
  std::string verdict = "cannot open";
  if (sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1, &st, nullptr) == SQLITE_OK) {
      int rc = sqlite3_step(st);
      if (rc == SQLITE_ROW) verdict = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      else verdict = sqlite3_errmsg(db);
    } else {
      verdict = sqlite3_errmsg(db);
    }
    sqlite3_finalize(st);
  }
  sqlite3_close_v2(db);
  return verdict;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace covalesce;
  const std::string path = fuzz::WriteScratch("shard.coverage", data, size);
  std::optional<Shard> fast = ReadShardPages(path);
  Result<Shard> slow = ReadShardSqlite(path);
  if (fast && slow) {
    std::string diff = CompareShards(*fast, *slow);
    if (!diff.empty()) {
      std::string verdict = IntegrityCheck(path);
      if (verdict == "ok") fuzz::Fail("page reader and SQLite API disagree on a healthy file: " + diff);
    }
  } else if (fast && !slow) {
    std::string verdict = IntegrityCheck(path);
    if (verdict == "ok") {
      fuzz::Fail("page reader accepts a healthy file the SQLite API rejects: " + slow.error().message);
    }
  }
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  std::minstd_rand rng(seed);
  const uint32_t ps = PageSize(data, size);
  if (ps == 0 || rng() % 10 == 0) return LLVMFuzzerMutate(data, size, max_size);
  const uint32_t npages = uint32_t(size / ps);
  switch (rng() % 8) {
    case 0:  // append a copy of a page: room for a longer chain or another child
      if (size + ps <= max_size) {
        std::memcpy(data + size, data + size_t(rng() % npages) * ps, ps);
        SetPageCount(data, npages + 1);
        return size + ps;
      }
      break;
    case 1:  // drop the last page: pointers into it now dangle
      if (npages > 1) {
        SetPageCount(data, npages - 1);
        return size - ps;
      }
      break;
    default: break;
  }
  // Mutate inside one page, keeping its size (bytes the mutator drops come back from the original).
  const size_t page = rng() % npages;
  uint8_t* p = data + page * ps;
  std::vector<uint8_t> buf(p, p + ps);
  size_t n = LLVMFuzzerMutate(buf.data(), ps, ps);
  std::memcpy(p, buf.data(), std::min<size_t>(n, ps));
  return size;
}
