// Internal: the direct SQLite page writer (sqlite_page_writer.cc) used by data_writer.cc.
#pragma once
#include <string>
#include <vector>

#include "covalesce/coverage_data.h"
#include "covalesce/result.h"

namespace covalesce {

// One sqlite_schema row: a table or one of its autoindexes (sql empty).
struct TableSql {
  std::string type, name, table, sql;
};

// The schema-7 tables and autoindexes, in creation order (as coverage.py creates them).
const std::vector<TableSql>& CoverageSchema();

// Positions of `contexts` in ascending context-id order: rows of one file are written in
// (context, value) order so that every B-tree and unique index is built in key order.
std::vector<uint32_t> ContextOrder(const std::vector<uint32_t>& contexts);

// Writes `data` into the empty file `fd` as a complete SQLite database.
Status WritePages(const CoverageData& data, int fd, const std::string& meta_version,
                  const std::vector<TableSql>& schema);

}  // namespace covalesce
