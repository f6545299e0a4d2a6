// Internal: the direct SQLite page writer (sqlite_page_writer.cc) used by data_writer.cc.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "covalesce/coverage_data.h"
#include "covalesce/kernels.h"
#include "covalesce/result.h"

namespace covalesce {

// SQLite's big-endian page fields, as the page reader and the page writer both read them.
inline uint32_t Be16(const uint8_t* p) { return uint32_t(p[0]) << 8 | p[1]; }
inline uint32_t Be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

// One sqlite_schema row: a table or one of its autoindexes (sql empty).
struct TableSql {
  std::string type, name, table, sql;
};

// The schema-7 tables and autoindexes, in creation order (as coverage.py creates them).
const std::vector<TableSql>& CoverageSchema();

// Positions of `contexts` in ascending context-id order: rows of one file are written in
// (context, value) order so that every B-tree and unique index is built in key order.
std::vector<uint32_t> ContextOrder(const std::vector<uint32_t>& contexts);

// The line_bits rows of `data` in the order both writers write them (by file, then
// ContextOrder): row(file index, context index, numbits blob) for each, the blob valid
// during the call only; stops at the first row that returns false, and returns false then.
template <typename Row>
bool ForEachLineBitsRow(const CoverageData& data, Row row) {
  std::vector<uint8_t> buf;
  for (size_t f = 0; f < data.files.size(); ++f) {
    const FileCoverage& fc = data.files[f];
    for (uint32_t k : ContextOrder(fc.line_contexts)) {
      const LineBitmap& bm = fc.lines[k];
      buf.resize(bm.size() * 8);
      const size_t n = kernels::EncodeNumbits(bm.data(), bm.size(), buf.data());
      if (!row(f, fc.line_contexts[k], std::string_view(reinterpret_cast<const char*>(buf.data()), n))) return false;
    }
  }
  return true;
}

// Writes `data` into the empty file `fd` as a complete SQLite database.
Status WritePages(const CoverageData& data, int fd, const std::string& meta_version,
                  const std::vector<TableSql>& schema);

}  // namespace covalesce
