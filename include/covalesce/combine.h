// Combining many coverage data files into one, with coverage.py's rules for which files
// are read, duplicates, path remapping, contexts, tracers and lines-vs-arcs conflicts.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "covalesce/config.h"
#include "covalesce/coverage_data.h"
#include "covalesce/result.h"
#include "covalesce/timings.h"

namespace covalesce {

struct CombineSettings {
  std::string data_file;               // absolute base name; the output file
  std::vector<std::string> paths;      // positional arguments (files or directories)
  std::string cwd;                     // absolute current directory
  bool append = false;                 // start from the existing data file
  bool parallel = false;               // [run] parallel: a missing data file is not read
  bool relative_files = false;         // [run] relative_files
  std::vector<PathsEntry> aliases;     // [paths]
  bool debug_combine = false;          // --debug=combine lines
  bool debug_pathmap = false;          // --debug=pathmap lines
  size_t batch = 8;                    // shards in flight at once (bounds memory)
  // [covalesce] python_version: the model whose arcs slipcover branches are mapped onto.
  std::optional<std::string> python_version;
};

struct CombineResult {
  CoverageData data;
  size_t candidates = 0;                // files found (before duplicates and errors)
  size_t combined = 0, skipped = 0, errored = 0;
  std::vector<std::string> deletable;  // inputs combined or skipped, in processing order
  size_t in_progress = 0;               // shards still being written: left alone
};

// Messages produced while combining, in coverage.py's order: warnings go to stderr as
// "CoverageWarning: <text>", debug lines to stderr as they are.
struct CombineSink {
  std::function<void(const std::string&)> warn;
  std::function<void(const std::string&)> debug;
  std::function<void(const std::string&)> notice;  // covalesce's own "covalesce: ..." lines
};

// Reads and merges. Hard errors (no inputs, non-existent path, lines vs arcs, tracer
// conflicts) return an Error holding coverage.py's message; nothing is written or deleted.
Result<CombineResult> CombineData(const CombineSettings& settings, const CombineSink& sink,
                                  Timings& timings);

}  // namespace covalesce
