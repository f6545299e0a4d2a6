// Internal interface of the native analysis (src/native): the pieces analyze.cc puts together.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "covalesce/analysis.h"
#include "covalesce/python_ast.h"
#include "covalesce/python_tokens.h"
#include "covalesce/result.h"

namespace covalesce::native {

// ---- decode.cc: coverage.py's get_python_source -------------------------------------------
struct CoverageSource {
  std::string text;       // UTF-8, "\n" line ends, "\f" as " ", ends with "\n" unless empty
  std::string encoding;   // tokenize.detect_encoding's answer
};
enum class DecodeStatus { kOk, kSyntaxError, kUnsupported };
// Reads bytes as coverage.py does: \r\n and \r to \n, \f to space, PEP 263 / BOM detection as
// tokenize.detect_encoding, decode with errors="replace", a final "\n" added. kSyntaxError:
// detect_encoding raises (message in `why`, Python's text); kUnsupported: a codec covalesce
// does not decode natively.
DecodeStatus DecodeLikeCoverage(std::string_view raw, CoverageSource& out, std::string& why);
// len(text.splitlines()) with Python's str.splitlines boundaries.
int CountSplitLines(std::string_view text);
// Python's repr() of a str given as UTF-8.
std::string PyRepr(std::string_view s);

// ---- regex.cc: Python `re` finditer over the whole text with re.MULTILINE -----------------
class PyRegex {
 public:
  static Result<std::shared_ptr<PyRegex>> Compile(const std::string& pattern);
  ~PyRegex();
  // Calls fn(start, end) for each match, as re.finditer(pattern, text, re.MULTILINE).
  template <class F>
  void FindAll(std::string_view text, F&& fn) const {
    size_t pos = 0;
    bool after_empty = false;
    size_t s = 0, e = 0;
    while (pos <= text.size() && Next(text, pos, after_empty, s, e)) {
      fn(s, e);
      after_empty = s == e;
      pos = e;
    }
  }

 private:
  bool Next(std::string_view text, size_t pos, bool not_empty_at_start, size_t& s, size_t& e) const;
  void* code_ = nullptr;  // pcre2_code*
};
// Python's misc.join_regex.
std::string JoinRegex(const std::vector<std::string>& regexes);

// ---- tokens.cc: PythonParser._raw_parse's token pass ----------------------------------------
struct TokenFacts {
  std::map<LineNo, LineNo> multiline;  // multiline_map_from_tokens
  std::vector<LineNo> excluded;        // raw excluded + suite exclusion, before first_lines
  bool empty = true;                   // no significant token at all
};
void TokenPass(std::string_view text, const std::vector<py::Token>& tokens,
               const std::vector<LineNo>& raw_excluded, TokenFacts& out);

// ---- regions.cc: regions.code_regions --------------------------------------------------------
std::vector<Region> CodeRegions(const py::ModuleNode* module);

// ---- rules.cc: the per-version tables --------------------------------------------------------
struct VersionRules {
  py::PyVersion version;
  // Nested code objects in dead code: 3.11 keeps every constant up to the highest index a
  // surviving LOAD_CONST uses (trim_unused_consts trims only the tail); 3.12+ drop every
  // unused constant.
  bool trim_tail_consts_only;
  // PEP 709: list/set/dict comprehensions are inlined (no code object of their own).
  bool inline_comprehensions;
  // A function's first constant is its docstring or None (3.11, 3.12); 3.13 adds the
  // docstring only when there is one.
  bool none_first_const;
  // `f''` (a JoinedStr with no values) compiles to LOAD_CONST '' (3.13) rather than
  // BUILD_STRING 0, so a condition on it is folded.
  bool fold_empty_fstring;
  // compile.c (3.11) keeps a "current location" that statements set and do not restore; the
  // cleanup block of a try/finally takes whatever the exceptional copy of the finally body
  // left there, which can be the line of a dead statement. 3.12+ give every instruction
  // an explicit location.
  bool leaky_finally_location;
};
const VersionRules& RulesFor(py::PyVersion v);

// ---- lines.cc: the compiler model ------------------------------------------------------------
// The lines of every code object's line table, as a set (sorted, unique).
std::vector<LineNo> RawStatementLines(const py::ModuleNode* module, const VersionRules& rules);

// ---- checks.cc: errors the compiler (not the parser) raises -----------------------------------
// Returns the line of the first compile-time SyntaxError compile() would raise ('return'
// outside function, 'break' outside loop, misplaced __future__ import, ...), or 0.
struct CompileError {
  int line = 0;
  std::string message;
};
CompileError FindCompileError(const py::ModuleNode* module, py::PyVersion version);

}  // namespace covalesce::native
