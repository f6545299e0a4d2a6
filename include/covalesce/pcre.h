// A small RAII wrapper over PCRE2 for the regexes coverage.py writes in Python `re` syntax: the
// [paths] prefix regexes, the glob tokenizer, $VAR expansion, and the validity check of the
// [report] regex lists. Compiled as UTF + Unicode properties, '\n' newlines, like Python's str
// patterns. Used by src/config and src/report.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "covalesce/result.h"

namespace covalesce {

class Pcre {
 public:
  struct Match {
    size_t start = 0, end = 0;
    std::vector<std::optional<std::pair<size_t, size_t>>> groups;  // [0] is the whole match
    std::string_view Group(std::string_view subject, size_t i) const;
    bool Has(size_t i) const { return i < groups.size() && groups[i].has_value(); }
  };

  // Compiles `pattern`; the error is PCRE2's message with its offset.
  static Result<Pcre> Compile(std::string_view pattern, bool caseless = false);

  // Match starting exactly at `offset` (Python's rx.match(s, pos)); '^' still means the start
  // of the subject, as in Python.
  std::optional<Match> MatchAt(std::string_view subject, size_t offset = 0) const;
  // First match at or after `offset` (Python's rx.search).
  std::optional<Match> Search(std::string_view subject, size_t offset = 0) const;

  const std::string& pattern() const { return pattern_; }

 private:
  struct Code;
  std::optional<Match> Run(std::string_view subject, size_t offset, bool anchored) const;
  std::shared_ptr<const Code> code_;
  std::string pattern_;
};

// Checks that `pattern` compiles as a Python regex (re.compile). The error text imitates
// Python's for the common mistakes ("missing ), unterminated subpattern at position 0") and
// falls back to PCRE2's wording otherwise.
Status CheckPythonRegex(std::string_view pattern);

}  // namespace covalesce
