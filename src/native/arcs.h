// Internal interface of the native branch analysis (arcs.cc): what coverage.py 7.17.3's
// PythonParser.arcs(), exit_counts(), no_branch_lines(), _with_jump_fixers and
// _missing_arc_fragments hold for a file, from covalesce's AST and the raw statement lines.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "internal.h"

namespace covalesce::native {

// coverage.py's PYBEHAVIOR flags that change the arcs, for the Python that runs it.
struct ArcRules {
  // PYBEHAVIOR.exit_with_through_ctxmgr (CPython >= 3.12.6): a `with` statement's start is
  // each context manager's line, and the body exits through the last one; before, the
  // `with` line itself.
  bool exit_with_through_ctxmgr = false;
  // The 3.12 patch release was not given, so the flag above is not known: a file where the
  // two rules differ goes to the exact fallback.
  bool with_rule_unknown = false;
};
// The rules for a version as given ("3.11", "3.12.6", "3.13.0").
ArcRules ArcRulesFor(std::string_view python_version);

// Fills fa.arcs, fa.exit_counts, fa.with_jump_fixers and fa.arc_fragments (and sets
// fa.has_arcs) from the tree, the raw statement lines (ByteParser's), fa.multiline and
// fa.excluded. Returns "" on success, else why the exact fallback must answer instead
// (coverage.py itself would fail, or the rules are not known): nothing is filled in then.
std::string AnalyzeArcs(const py::ModuleNode* module, const std::vector<LineNo>& raw_statements,
                        const ArcRules& rules, FileAnalysis& fa);

// PythonFileReporter.no_branch_lines(): the lines (first lines of their statements) that
// `regex` (partial_branches + partial_branches_always, joined) matches, as lines_matching
// finds them; a null regex is the empty pattern, which matches every line.
std::vector<LineNo> NoBranchLines(const PyRegex* regex, std::string_view text,
                                  const LineMap<LineNo>& multiline);

}  // namespace covalesce::native
