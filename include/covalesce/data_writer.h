// Writes a CoverageData as a coverage.py data file (SQLite, schema 7), durably:
// a temp file beside the target, fsync, rename over the target, fsync of the directory.
#pragma once
#include <string>

#include "covalesce/coverage_data.h"
#include "covalesce/result.h"

namespace covalesce {

// How the SQLite file is produced: pages built directly and checked by SQLite (falling
// back to the SQLite API if the check fails), or one of the two alone (for tests).
enum class WriteMethod { kAuto, kSqliteApi, kPagesOnly };

// `meta_version` is the coverage.py version written in meta.version.
Status WriteDataFile(const CoverageData& data, const std::string& path,
                     const std::string& meta_version, WriteMethod method = WriteMethod::kAuto);

}  // namespace covalesce
