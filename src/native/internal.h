// Internal interface of the native analysis (src/native): the pieces analyze.cc puts together.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "covalesce/analysis.h"
#include "covalesce/python_ast.h"
#include "covalesce/python_tokens.h"
#include "covalesce/pystr.h"
#include "covalesce/result.h"

namespace covalesce::native {

// The AST child walk is py::VisitChildren (python_ast.h).
using py::VisitChildren;

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
// text.splitlines(): the lines without their ends, at str.splitlines boundaries.
std::vector<std::string> SplitLines(std::string_view text);
// Python's repr() of a str given as UTF-8: the one in pystr.h, which the data files' messages use.
using covalesce::PyRepr;

// ---- regex.cc: Python `re` finditer over the whole text with re.MULTILINE -----------------
// The regex is misc.join_regex(patterns): "(?:p1)|(?:p2)|...". Its leftmost match is found as
// the leftmost match of any one pattern (each searched on its own, so PCRE2 can use its
// start-of-line and first-character optimisations, and remembered until passed), then the
// joined regex is run anchored there: the same matches as searching with the joined regex.
class PyRegex {
 public:
  static Result<std::shared_ptr<PyRegex>> Compile(const std::vector<std::string>& patterns);
  ~PyRegex();
  // Calls fn(start, end) for each match, as re.finditer(join_regex(patterns), text, re.MULTILINE).
  void FindAll(std::string_view text, const std::function<void(size_t, size_t)>& fn) const;

 private:
  PyRegex() = default;
  void* joined_ = nullptr;           // pcre2_code*
  std::vector<void*> alternatives_;  // pcre2_code* per pattern (empty when there is one)
  // Per pattern (one entry when there is one pattern): strings one of which every match
  // contains (none: no such strings known).
  std::vector<std::vector<std::string>> required_;
};
// Strings one of which every match of `pattern` must contain (a pattern none of whose strings
// is in the text cannot match it, and is not searched), also through groups of literal
// alternatives: "^\s*while (True|1|False|0):" needs "while True:", "while 1:", "while False:"
// or "while 0:". Empty when nothing is evident.
std::vector<std::string> RequiredChoices(std::string_view pattern);
// A pattern as PCRE2 reads it (after the \s translation), with a leading "^\s*" made
// possessive when the rest can never start with white space (the same matches, faster).
std::string PossessiveIndent(const std::string& translated);
// Python's misc.join_regex.
std::string JoinRegex(const std::vector<std::string>& regexes);

// ---- tokens.cc: PythonParser._raw_parse's token pass ----------------------------------------
struct TokenFacts {
  LineMap<LineNo> multiline;  // multiline_map_from_tokens
  std::vector<LineNo> excluded;        // raw excluded + suite exclusion, before first_lines
  bool empty = true;                   // no significant token at all
  // A bound on the depth of the syntax tree: every level of an expression takes an operator,
  // opening bracket or keyword of its logical line, every level of statements an indent.
  int depth_bound = 0;
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
  // symtable.c visits a try statement's `else` before its handlers (3.11, 3.12), which
  // decides whether `global x` there comes after an assignment to x in a handler.
  bool symtable_try_else_first;
  // CO_MAXBLOCKS: "too many statically nested blocks" past this many loops, try/with blocks
  // and handlers (3.11, 3.12: 20; 3.13: 21).
  size_t max_fblocks;
  // Python-ast.c converts the tree with a recursion limit: deeper trees are a RecursionError
  // ("during ast construction") that coverage.py does not catch. About 3 x
  // sys.getrecursionlimit() less the caller's depth (3.11, 3.12), about 10000 (3.13). Files
  // deeper than this limit (below both) go to the exact fallback, which also bounds the
  // recursion of covalesce's own tree walks.
  int ast_depth_limit;
};
const VersionRules& RulesFor(py::PyVersion v);

// ---- checks.cc: errors the compiler (not the parser) raises -----------------------------------
// Returns the line of the first compile-time SyntaxError compile() would raise ('return'
// outside function, 'break' outside loop, misplaced __future__ import, ...), or 0.
struct CompileError {
  int line = 0;
  std::string message;
  bool recursion = false;  // not a SyntaxError: the tree is too deep (RecursionError)
};

// ---- lines.cc: the compiler model ------------------------------------------------------------
// The lines of every code object's line table, as a set (sorted, unique); or nothing, with
// `error` set, when compiling fails ("too many statically nested blocks").
std::vector<LineNo> RawStatementLines(const py::ModuleNode* module, const VersionRules& rules,
                                      CompileError* error = nullptr);
// `max_depth`, when given, is set to the depth of the tree (statements and expressions).
CompileError FindCompileError(const py::ModuleNode* module, py::PyVersion version, int* max_depth = nullptr);

// A case whose pattern always matches (no guard; `_` or a capture, also at the end of an
// or-pattern): coverage.py's irrefutable case.
inline bool CaseIsIrrefutable(const py::MatchCase* c) {
  if (c->guard) return false;
  const py::Node* p = c->pattern;
  while (p->kind == py::Kind::MatchOr) {
    auto* o = static_cast<const py::PatternsNode*>(p);
    p = o->patterns[o->patterns.n - 1];
  }
  while (p->kind == py::Kind::MatchAs && static_cast<const py::MatchAsNode*>(p)->pattern)
    p = static_cast<const py::MatchAsNode*>(p)->pattern;
  return p->kind == py::Kind::MatchAs && !static_cast<const py::MatchAsNode*>(p)->pattern;
}

// walk_statement_nodes' children: statements, except handlers and match cases, in field order.
template <class F>
void StatementChildren(const py::Node* n, F&& fn) {
  auto many = [&](const py::NodeList& l) {
    for (const py::Node* c : l) fn(c);
  };
  switch (n->kind) {
    case py::Kind::Module: many(static_cast<const py::ModuleNode*>(n)->body); break;
    case py::Kind::FunctionDef:
    case py::Kind::AsyncFunctionDef: many(static_cast<const py::FunctionDefNode*>(n)->body); break;
    case py::Kind::ClassDef: many(static_cast<const py::ClassDefNode*>(n)->body); break;
    case py::Kind::For:
    case py::Kind::AsyncFor: {
      auto* f = static_cast<const py::ForNode*>(n);
      many(f->body), many(f->orelse);
      break;
    }
    case py::Kind::While:
    case py::Kind::If: {
      auto* w = static_cast<const py::WhileNode*>(n);
      many(w->body), many(w->orelse);
      break;
    }
    case py::Kind::With:
    case py::Kind::AsyncWith: many(static_cast<const py::WithNode*>(n)->body); break;
    case py::Kind::Match:
      for (const py::MatchCase* c : static_cast<const py::MatchNode*>(n)->cases) fn(c);
      break;
    case py::Kind::Try:
    case py::Kind::TryStar: {
      auto* t = static_cast<const py::TryNode*>(n);
      many(t->body), many(t->handlers), many(t->orelse), many(t->finalbody);
      break;
    }
    case py::Kind::ExceptHandler: many(static_cast<const py::ExceptHandlerNode*>(n)->body); break;
    case py::Kind::MatchCase: many(static_cast<const py::MatchCase*>(n)->body); break;
    default: break;
  }
}

}  // namespace covalesce::native
