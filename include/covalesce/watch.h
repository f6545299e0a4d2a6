// `combine --watch`: combining shards while the tests that write them still run, so that
// after the last worker only the tail is left (the last shards, the write, the delete).
//
// A shard is folded into the union only once its writer has finished it. For coverage.py
// 7.17.3's parallel-mode names (".HOST.pidN.XrrrrrrX") that means: the data hash is in the
// name (coverage.py renames the file to ".HOST.pidN.XrrrrrrX.Hhhhhhhhhhhh" after its last
// write and close), the writer process has exited (when HOST is this machine), no process
// has the file open, no journal lies beside it, and SQLite can take a read lock on it. The
// file's identity, size and times must be the same before and after it is read, or it is
// read again later. Anything else (custom suffixes, shards from other hosts) waits for the
// end condition and a quiet period. A shard whose writer died before finishing it is
// reported as unusable and kept, never folded.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "covalesce/combine.h"
#include "covalesce/result.h"
#include "covalesce/timings.h"

namespace covalesce {

struct WatchSettings {
  CombineSettings combine;      // output, inputs (directories are watched), [paths], append
  std::string until_file;       // end once this file exists ("" = not used)
  std::vector<pid_t> pids;      // end once every one of these processes has exited
  size_t workers = 0;           // end once this many shards have been dealt with (0 = not used)
  double until_idle = 0;        // end after this many seconds without a new or folded shard
  double settle = 1.0;          // quiet time asked of a shard whose writer cannot be watched
  double grace = 10.0;          // after the end: how long unfinished shards are waited for
  double poll = 0.1;            // longest sleep between scans (inotify and pidfds wake it sooner)
};

// Who a file is: equal stamps before and after a read mean nobody wrote it in between.
struct FileStamp {
  uint64_t dev = 0, ino = 0;
  int64_t size = 0, mtime_ns = 0, ctime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};
std::optional<FileStamp> StampOf(const std::string& path);

struct WatchResult {
  CombineResult combined;                  // as CombineData's
  std::vector<FileStamp> deletable_stamps;  // parallel to combined.deletable, as read
  double tail_seconds = 0;                  // from the end condition to the union being ready
  std::string ended_by;                     // which end condition fired
};

// Watches until an end condition (or SIGINT/SIGTERM), folding each finished shard as it
// comes. Hard errors as CombineData's (nothing is to be written or deleted then).
Result<WatchResult> WatchAndCombine(const WatchSettings& settings, const CombineSink& sink,
                                    Timings& timings);

}  // namespace covalesce
