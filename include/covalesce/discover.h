// Finding the shards to combine and telling duplicates apart, as coverage.py's
// combinable_files() and DataFileClassifier do.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "covalesce/result.h"

namespace covalesce {

// Python's os.path.abspath: join with `cwd` if relative, then normpath (no symlinks resolved).
std::string AbsPath(const std::string& path, const std::string& cwd);
// Python's os.path.relpath(path, cwd) for absolute inputs.
std::string RelPath(const std::string& path, const std::string& cwd);

// The sorted candidate files: each existing file argument, and in each directory argument
// every "<basename of data_file>.*" entry; "-journal" names dropped. No arguments means the
// data file's directory. Errors: "Couldn't combine from non-existent path '<p>'".
Result<std::vector<std::string>> CombinableFiles(const std::string& data_file_abs,
                                                 const std::vector<std::string>& paths,
                                                 const std::string& cwd);

// The "H…h" data hash of a parallel-mode shard name ".HOST.pidN.XrrrrrrX.Hhhhhhhhhhhh", if any.
std::optional<std::string> ParallelNameHash(const std::string& path);

// coverage.py writes a parallel shard under its final name only when the process saves
// (CoverageData.write adds ".H<hash>h" by renaming); until then the file has no hash in its
// name, is written in place with journal_mode=off (so a reader can see half a transaction)
// and may get more data (every dynamic-context switch flushes). Such a shard whose writer
// is a live process on this host is still being written: returns that pid. (A shard whose
// writer died, or from another host, is as complete as it will ever be: nullopt.)
std::optional<long> StillBeingWritten(const std::string& path);

// Lowercase hex SHA3-256 of the file's bytes.
Result<std::string> FileSha3Hex(const std::string& path);

}  // namespace covalesce
