// The per-version rule tables of the compiler model (lines.cc holds the shared core). Each
// row is a place where CPython 3.11, 3.12 and 3.13 put different lines in their line tables,
// as the statement fidelity corpus (tests/statement_fidelity) shows them.
#include "internal.h"

namespace covalesce::native {

namespace {

// CPython 3.11.
constexpr VersionRules k311{
    .version = py::PyVersion::k311,
    .trim_tail_consts_only = true,   // compile.c trim_unused_consts: only the tail goes
    .inline_comprehensions = false,  // comprehensions are code objects of their own
    .none_first_const = true,        // a function's co_consts[0] is its docstring or None
    .fold_empty_fstring = false,
    .leaky_finally_location = true,
    .symtable_try_else_first = true,
    .max_fblocks = 20,
    .ast_depth_limit = 2800,
};

// CPython 3.12: 3.11 but for what changed.
constexpr VersionRules k312 = [] {
  VersionRules r = k311;
  r.version = py::PyVersion::k312;
  r.trim_tail_consts_only = false;  // flowgraph.c remove_unused_consts drops them all
  r.inline_comprehensions = true;   // PEP 709
  r.leaky_finally_location = false;
  return r;
}();

// CPython 3.13: 3.12 but for what changed.
constexpr VersionRules k313 = [] {
  VersionRules r = k312;
  r.version = py::PyVersion::k313;
  r.fold_empty_fstring = true;
  r.symtable_try_else_first = false;
  r.max_fblocks = 21;
  return r;
}();

}  // namespace

const VersionRules& RulesFor(py::PyVersion v) {
  switch (v) {
    case py::PyVersion::k311: return k311;
    case py::PyVersion::k312: return k312;
    default: return k313;
  }
}

}  // namespace covalesce::native
