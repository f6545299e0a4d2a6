// [paths] remapping of measured file names, as coverage.py's PathAliases (files.py) does it,
// plus the glob -> regex translation shared with include/omit.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "covalesce/config.h"
#include "covalesce/result.h"

namespace covalesce {

// Translates coverage.py file globs to one regex (Python `re` syntax, also valid PCRE2).
// `partial` = prefix match (for [paths]); otherwise the regex is anchored with \Z.
// The text is exactly coverage.py's `.pattern`: `case_insensitive` is a compile flag there and
// does not change it (compile with PCRE2_CASELESS yourself). In PCRE2, Python's \Z is spelled
// \z (PCRE2's \Z also matches before a final newline). Errors: "File pattern can't include
// '***'" etc., or a Python-style re error for a bad character class.
Result<std::string> GlobsToRegex(const std::vector<std::string>& patterns, bool case_insensitive,
                                 bool partial);

// Replaces every '/' and '\' with '/', as combine does to every stored path on POSIX.
std::string FixSlashes(const std::string& path);

class PathAliases {
 public:
  // `relative` is [run] relative_files; `cwd` is the current directory (absolute).
  static Result<PathAliases> Make(const std::vector<PathsEntry>& paths, bool relative,
                                  const std::string& cwd);
  // As above, for the Python version coverage.py ran under ([covalesce] python_version, e.g.
  // "3.13"): from 3.13 on, ntpath.isabs no longer calls "\x..." (one backslash, no drive) absolute,
  // which changes which patterns are made cwd-relative and which paths get auto rules.
  // Without a version (or with the 3-argument form) the 3.11/3.12 rule applies.
  static Result<PathAliases> Make(const std::vector<PathsEntry>& paths, bool relative,
                                  const std::string& cwd,
                                  const std::optional<std::string>& python_version);
  PathAliases(PathAliases&&) noexcept;
  PathAliases& operator=(PathAliases&&) noexcept;
  ~PathAliases();

  // No rules so far. In relative mode Map() still rewrites paths (relative_filename and
  // auto-generated rules) even when empty.
  bool empty() const;
  // Maps one path (memoised; in relative mode may add auto-generated rules, so results
  // depend on call order, exactly as in coverage.py). Not thread-safe: call in input order.
  const std::string& Map(const std::string& path);
  // Drops the memo (not the rules, learned ones included): the same path maps the same
  // again, only its debug lines would be said twice.
  void ForgetMemo();
  // Lines coverage.py prints with --debug=pathmap.
  std::vector<std::string> TakeDebugLines();

 private:
  struct Impl;
  explicit PathAliases(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace covalesce
