// Reads one coverage.py data file (SQLite, schema 7) read-only into columnar arrays.
// One connection per call, so many shards are read at once from different threads.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "covalesce/result.h"

namespace covalesce {

// One shard as stored: rows kept in columns, ids already turned into local indexes.
struct Shard {
  std::string path;                         // as given to ReadShard (absolute)
  std::optional<bool> meta_has_arcs;        // meta 'has_arcs', if present
  std::vector<std::string> files;           // local file index -> path (file rowid order)
  std::vector<std::string> tracers;         // local file index -> tracer ("" if none)
  std::vector<std::string> contexts;        // local context index -> label
  // line_bits rows: file, context, and the numbits blob at bytes[offsets[i]..offsets[i+1]).
  std::vector<uint32_t> line_file, line_context, line_offsets;
  std::vector<uint8_t> line_bytes;
  // arc rows: file, context, PackArc(fromno, tono).
  std::vector<uint32_t> arc_file, arc_context;
  std::vector<uint64_t> arc_keys;
  // Read from a slipcover JSON file (slipcover_reader.h), not a coverage.py data file.
  bool slipcover = false;
  // Warnings the reader had that lose no data file (printed as CoverageWarning when merged).
  std::vector<std::string> warnings;

  bool has_line_rows() const { return !line_file.empty(); }
  bool has_arc_rows() const { return !arc_keys.empty(); }
};

// Reads `path` as coverage.py 7.17.3 does for a combine input. Errors carry coverage.py's
// text, e.g. "Couldn't use data file '/x/.coverage.bad': file is not a database: (SQLITE_NOTADB)".
// Tries the direct page reader first and uses the SQLite API for anything it declines.
Result<Shard> ReadShard(const std::string& path);

// The two paths, separately (for tests and `covalesce debug shards`).
Result<Shard> ReadShardSqlite(const std::string& path);
// nullopt: the file is not a plain, healthy schema-7 data file this reader understands.
std::optional<Shard> ReadShardPages(const std::string& path);

// Whether two reads of one shard hold the same rows (row order aside); "" if they do,
// else a description of the first difference.
std::string CompareShards(const Shard& a, const Shard& b);

// The name Python's sqlite3 gives an (extended) result code, e.g. "SQLITE_NOTADB".
std::string SqliteErrorName(int extended_code);

}  // namespace covalesce
