// Combining many coverage data files into one, with coverage.py's rules for which files
// are read, duplicates, path remapping, contexts, tracers and lines-vs-arcs conflicts.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "covalesce/config.h"
#include "covalesce/coverage_data.h"
#include "covalesce/result.h"
#include "covalesce/shard_reader.h"
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

// The union of shards merged one at a time: coverage.py's rules for lines vs arcs, tracers,
// path remapping (rules learned as it goes) and contexts. CombineData feeds it in sorted
// input order; `combine --watch` in the order shards complete. Memory follows the union.
class ShardMerger {
 public:
  // Errors: a bad [paths] section.
  static Result<ShardMerger> Make(const CombineSettings& settings, const CombineSink& sink);
  ShardMerger(ShardMerger&&) noexcept;
  ShardMerger& operator=(ShardMerger&&) noexcept;
  ~ShardMerger();

  // Starts from the existing data file (--append); its paths are not remapped.
  void SeedFromTarget(const Shard& target);
  // Merges one shard, or returns coverage.py's hard error for it (then the union is not
  // to be written). Takes the shard's path list.
  Status Merge(Shard& shard);
  // The union, with every (file, context)'s arcs sorted and unique. Call once.
  CoverageData Finish();

 private:
  struct Impl;
  explicit ShardMerger(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The existing data file for --append: its rows, or nullopt when there is none to read (it
// does not exist, `parallel` is set and it is missing, or it is an empty/foreign SQLite file).
Result<std::optional<Shard>> ReadAppendTarget(const CombineSettings& settings);

// Reads and merges. Hard errors (no inputs, non-existent path, lines vs arcs, tracer
// conflicts) return an Error holding coverage.py's message; nothing is written or deleted.
Result<CombineResult> CombineData(const CombineSettings& settings, const CombineSink& sink,
                                  Timings& timings);

}  // namespace covalesce
