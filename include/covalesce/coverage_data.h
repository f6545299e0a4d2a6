// The in-memory form of one coverage data file: what a shard holds once read, and what
// combine produces. Columnar: per file, one bitmap or one sorted arc-key array per context.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace covalesce {

// Line numbers as a word bitmap (see kernels.h); arcs as PackArc keys, sorted and unique.
using LineBitmap = std::vector<uint64_t>;
using ArcKeys = std::vector<uint64_t>;

struct FileCoverage {
  std::string path;
  std::string tracer;                      // "" = plain Python file
  std::vector<uint32_t> line_contexts;     // context ids, parallel to `lines`
  std::vector<LineBitmap> lines;
  std::vector<uint32_t> arc_contexts;      // context ids, parallel to `arcs`
  std::vector<ArcKeys> arcs;
};

struct CoverageData {
  // meta.has_arcs: nullopt when the file has no measurements yet (it combines with anything).
  std::optional<bool> has_arcs;
  std::vector<std::string> contexts;       // context id -> label
  std::vector<FileCoverage> files;
  // covalesce's own meta rows (key, value), written after version and has_arcs; coverage.py
  // ignores keys it does not know. Reading a shard leaves this empty.
  std::vector<std::pair<std::string, std::string>> meta;
};

}  // namespace covalesce
