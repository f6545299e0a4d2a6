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
#include "covalesce/result.h"

namespace covalesce::native {

// ---- walk.h-like helper: the direct children of a node, in CPython's field order (None
// children skipped), as py::ForEachChild but without a std::function per call.
template <class F>
void VisitChildren(const py::Node* n, F&& fn) {
  using namespace py;
  auto one = [&](const Node* c) {
    if (c) fn(c);
  };
  auto many = [&](const auto& list) {
    for (const Node* c : list) one(c);
  };
  switch (n->kind) {
    case Kind::Module: many(static_cast<const ModuleNode*>(n)->body); break;
    case Kind::FunctionDef:
    case Kind::AsyncFunctionDef: {
      auto* x = static_cast<const FunctionDefNode*>(n);
      one(x->args), many(x->body), many(x->decorator_list), one(x->returns), many(x->type_params);
      break;
    }
    case Kind::ClassDef: {
      auto* x = static_cast<const ClassDefNode*>(n);
      many(x->bases), many(x->keywords), many(x->body), many(x->decorator_list), many(x->type_params);
      break;
    }
    case Kind::Return: case Kind::Expr: case Kind::Await: case Kind::Yield: case Kind::YieldFrom:
      one(static_cast<const ValueNode*>(n)->value);
      break;
    case Kind::Delete: many(static_cast<const TargetsNode*>(n)->targets); break;
    case Kind::Assign: many(static_cast<const AssignNode*>(n)->targets), one(static_cast<const AssignNode*>(n)->value); break;
    case Kind::TypeAlias: {
      auto* x = static_cast<const TypeAliasNode*>(n);
      one(x->name), many(x->type_params), one(x->value);
      break;
    }
    case Kind::AugAssign: one(static_cast<const AugAssignNode*>(n)->target), one(static_cast<const AugAssignNode*>(n)->value); break;
    case Kind::AnnAssign: {
      auto* x = static_cast<const AnnAssignNode*>(n);
      one(x->target), one(x->annotation), one(x->value);
      break;
    }
    case Kind::For: case Kind::AsyncFor: {
      auto* x = static_cast<const ForNode*>(n);
      one(x->target), one(x->iter), many(x->body), many(x->orelse);
      break;
    }
    case Kind::While: case Kind::If: {
      auto* x = static_cast<const WhileNode*>(n);
      one(x->test), many(x->body), many(x->orelse);
      break;
    }
    case Kind::With: case Kind::AsyncWith: many(static_cast<const WithNode*>(n)->items), many(static_cast<const WithNode*>(n)->body); break;
    case Kind::Match: one(static_cast<const MatchNode*>(n)->subject), many(static_cast<const MatchNode*>(n)->cases); break;
    case Kind::Raise: one(static_cast<const RaiseNode*>(n)->exc), one(static_cast<const RaiseNode*>(n)->cause); break;
    case Kind::Try: case Kind::TryStar: {
      auto* x = static_cast<const TryNode*>(n);
      many(x->body), many(x->handlers), many(x->orelse), many(x->finalbody);
      break;
    }
    case Kind::Assert: one(static_cast<const AssertNode*>(n)->test), one(static_cast<const AssertNode*>(n)->msg); break;
    case Kind::Import: many(static_cast<const ImportNode*>(n)->names); break;
    case Kind::ImportFrom: many(static_cast<const ImportFromNode*>(n)->names); break;
    case Kind::BoolOp: many(static_cast<const BoolOpNode*>(n)->values); break;
    case Kind::NamedExpr: one(static_cast<const NamedExprNode*>(n)->target), one(static_cast<const NamedExprNode*>(n)->value); break;
    case Kind::BinOp: one(static_cast<const BinOpNode*>(n)->left), one(static_cast<const BinOpNode*>(n)->right); break;
    case Kind::UnaryOp: one(static_cast<const UnaryOpNode*>(n)->operand); break;
    case Kind::Lambda: one(static_cast<const LambdaNode*>(n)->args), one(static_cast<const LambdaNode*>(n)->body); break;
    case Kind::IfExp: {
      auto* x = static_cast<const IfExpNode*>(n);
      one(x->test), one(x->body), one(x->orelse);
      break;
    }
    case Kind::Dict: {
      auto* x = static_cast<const DictNode*>(n);
      for (uint32_t i = 0; i < x->values.n; ++i) one(x->keys[i]), one(x->values[i]);
      break;
    }
    case Kind::Set: case Kind::List: case Kind::Tuple: many(static_cast<const EltsNode*>(n)->elts); break;
    case Kind::ListComp: case Kind::SetComp: case Kind::GeneratorExp: case Kind::DictComp: {
      auto* x = static_cast<const CompNode*>(n);
      one(x->elt), one(x->value), many(x->generators);
      break;
    }
    case Kind::Compare: one(static_cast<const CompareNode*>(n)->left), many(static_cast<const CompareNode*>(n)->comparators); break;
    case Kind::Call: {
      auto* x = static_cast<const CallNode*>(n);
      one(x->func), many(x->args), many(x->keywords);
      break;
    }
    case Kind::FormattedValue: one(static_cast<const FormattedValueNode*>(n)->value), one(static_cast<const FormattedValueNode*>(n)->format_spec); break;
    case Kind::JoinedStr: many(static_cast<const JoinedStrNode*>(n)->values); break;
    case Kind::Attribute: one(static_cast<const AttributeNode*>(n)->value); break;
    case Kind::Subscript: one(static_cast<const SubscriptNode*>(n)->value), one(static_cast<const SubscriptNode*>(n)->slice); break;
    case Kind::Starred: one(static_cast<const StarredNode*>(n)->value); break;
    case Kind::Slice: {
      auto* x = static_cast<const SliceNode*>(n);
      one(x->lower), one(x->upper), one(x->step);
      break;
    }
    case Kind::MatchValue: one(static_cast<const MatchValueNode*>(n)->value); break;
    case Kind::MatchSequence: case Kind::MatchOr: many(static_cast<const PatternsNode*>(n)->patterns); break;
    case Kind::MatchMapping: many(static_cast<const MatchMappingNode*>(n)->keys), many(static_cast<const MatchMappingNode*>(n)->patterns); break;
    case Kind::MatchClass: {
      auto* x = static_cast<const MatchClassNode*>(n);
      one(x->cls), many(x->patterns), many(x->kwd_patterns);
      break;
    }
    case Kind::MatchAs: one(static_cast<const MatchAsNode*>(n)->pattern); break;
    case Kind::TypeVar: case Kind::ParamSpec: case Kind::TypeVarTuple:
      one(static_cast<const TypeParamNode*>(n)->bound), one(static_cast<const TypeParamNode*>(n)->default_value);
      break;
    case Kind::ExceptHandler: one(static_cast<const ExceptHandlerNode*>(n)->type), many(static_cast<const ExceptHandlerNode*>(n)->body); break;
    case Kind::Arguments: {
      auto* x = static_cast<const Arguments*>(n);
      many(x->posonlyargs), many(x->args), one(x->vararg), many(x->kwonlyargs), many(x->kw_defaults), one(x->kwarg), many(x->defaults);
      break;
    }
    case Kind::Arg: one(static_cast<const Arg*>(n)->annotation); break;
    case Kind::Keyword: one(static_cast<const Keyword*>(n)->value); break;
    case Kind::WithItem: one(static_cast<const WithItem*>(n)->context_expr), one(static_cast<const WithItem*>(n)->optional_vars); break;
    case Kind::MatchCase: {
      auto* x = static_cast<const MatchCase*>(n);
      one(x->pattern), one(x->guard), many(x->body);
      break;
    }
    case Kind::Comprehension: {
      auto* x = static_cast<const Comprehension*>(n);
      one(x->target), one(x->iter), many(x->ifs);
      break;
    }
    default: break;
  }
}

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
// Python's repr() of a str given as UTF-8.
std::string PyRepr(std::string_view s);

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
  // Per pattern: strings one of which every match contains (none: no such strings known).
  std::vector<std::vector<std::string>> required_;
};
// A literal every match of `pattern` must contain ("" when none is evident): a pattern whose
// literal is not in the text cannot match it, and is not searched.
std::string RequiredLiteral(std::string_view pattern);
// Strings one of which every match of `pattern` must contain, as RequiredLiteral but through
// groups of literal alternatives: "^\s*while (True|1|False|0):" needs "while True:", "while 1:",
// "while False:" or "while 0:". Empty when nothing is evident.
std::vector<std::string> RequiredChoices(std::string_view pattern);
// Python's misc.join_regex.
std::string JoinRegex(const std::vector<std::string>& regexes);

// ---- tokens.cc: PythonParser._raw_parse's token pass ----------------------------------------
struct TokenFacts {
  std::map<LineNo, LineNo> multiline;  // multiline_map_from_tokens
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
