// [paths] remapping of measured file names, as coverage.py's PathAliases (files.py) does it,
// plus the glob -> regex translation shared with include/omit.
#pragma once
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "covalesce/config.h"
#include "covalesce/result.h"

namespace covalesce {

// Translates coverage.py file globs to one regex (Python `re` syntax, also valid PCRE2).
// `partial` = prefix match (for [paths]); otherwise the regex is anchored with \Z.
Result<std::string> GlobsToRegex(const std::vector<std::string>& patterns, bool case_insensitive,
                                 bool partial);

// Replaces every '/' and '\' with '/', as combine does to every stored path on POSIX.
std::string FixSlashes(const std::string& path);

class PathAliases {
 public:
  // `relative` is [run] relative_files; `cwd` is the current directory (absolute).
  static Result<PathAliases> Make(const std::vector<PathsEntry>& paths, bool relative,
                                  const std::string& cwd);
  PathAliases(PathAliases&&) noexcept;
  PathAliases& operator=(PathAliases&&) noexcept;
  ~PathAliases();

  bool empty() const;
  // Maps one path (memoised; in relative mode may add auto-generated rules, so results
  // depend on call order, exactly as in coverage.py). Not thread-safe: call in input order.
  const std::string& Map(const std::string& path);
  // Lines coverage.py prints with --debug=pathmap.
  std::vector<std::string> TakeDebugLines();

 private:
  struct Impl;
  explicit PathAliases(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace covalesce
