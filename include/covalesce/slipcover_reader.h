// Reads slipcover's JSON output (`python -m slipcover --json --out FILE`, slipcover 1.1.0) as a
// combine input: the same Shard the SQLite reader gives, so combine and the reports treat it
// like any coverage.py shard.
//
// slipcover's format: {"meta": {"software": "slipcover", "version", "timestamp",
// "branch_coverage": bool, "show_contexts": false}, "files": {NAME: {"executed_lines": [int],
// "missing_lines": [int], "executed_branches": [[from, to]], "missing_branches": [[from, to]],
// "summary": {...}}}, "summary": {...}}. NAME is relative to slipcover's working directory when
// the file is below it, else absolute. A branch is (line of the if/for/while/match, first line
// of where it goes), `to` 0 meaning "leaves the function or module".
//
// How it becomes coverage.py data:
// - paths: absolute (joined with `cwd`) unless `relative_files`, as coverage.py records them;
// - without branch_coverage: line data, executed_lines as they are (a file where no file has
//   an executed line is of neither kind, as a coverage.py data file without measurements);
// - with branch_coverage: arc data. Each executed line l becomes the arc (-l, l), an entry arc
//   that no report counts as a branch, so the file's executed lines are exactly
//   executed_lines; each executed branch becomes coverage.py's arc for it, resolved against
//   coverage.py's possible arcs of the source (`possible_arcs`, see MapSlipcoverBranches).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "covalesce/result.h"
#include "covalesce/shard_reader.h"

namespace covalesce {

using SlipcoverArc = std::pair<int32_t, int32_t>;

// One file of a slipcover JSON file, as recorded.
struct SlipcoverFile {
  std::string name;
  std::vector<int32_t> executed_lines;
  std::vector<SlipcoverArc> executed_branches, missing_branches;
};

struct SlipcoverData {
  std::string version;  // meta.version
  bool branch = false;  // meta.branch_coverage
  std::vector<SlipcoverFile> files;
};

// Whether the bytes start like a JSON object (first non-blank byte '{'): how a combine input
// is told apart from a SQLite data file, which starts "SQLite format 3".
bool LooksLikeJson(std::string_view head);
// Reads the first bytes of `path` and applies LooksLikeJson.
bool IsJsonFile(const std::string& path);

// Parses slipcover JSON text. Errors are one line without the file name: "not slipcover JSON:
// meta.software is missing", "invalid JSON: ...", "files['x.py'].executed_lines: ...".
Result<SlipcoverData> ParseSlipcoverJson(std::string_view json);

// coverage.py's possible arcs of a source file (first lines, sorted), or an error saying why
// there are none (no source, not Python).
using PossibleArcs = std::function<Result<std::vector<SlipcoverArc>>(const std::string& abs_path)>;

// slipcover's branches of one file as coverage.py's arcs, given coverage.py's possible arcs:
// - (f, t) with t a possible destination from f: (f, t);
// - (f, 0), "exit": (f, -s) where -s is f's only possible exit (s: the first line of the code
//   object, the decorator's line for a decorated function);
// - a branch line where the two disagree on one destination each (slipcover: the statement
//   after a class whose body ends in the if; coverage.py: the class's exit; slipcover: a
//   `def` line, coverage.py: its decorator's line): those two paired;
// - match: slipcover's branches go from the `match` line to each case's body, coverage.py's
//   from each `case` line to its body or to the next case: an executed (match, body) becomes
//   the chain of arcs through the cases tried before it;
// - anything else is dropped, counted in `unmapped` (only ever from unexecutable or
//   unanalysable code: a `while True:` exit that cannot run).
std::vector<SlipcoverArc> MapSlipcoverBranches(const SlipcoverFile& file,
                                               const std::vector<SlipcoverArc>& possible,
                                               size_t* unmapped = nullptr);

struct SlipcoverReadOptions {
  std::string cwd;              // absolute: relative names are joined to it
  bool relative_files = false;  // [run] relative_files: names kept relative
  PossibleArcs possible_arcs;   // needed for branch data; without it exits are dropped
};

// Reads `path` (absolute) as a slipcover JSON file into a Shard. Errors carry the combine
// warning's text: "Couldn't use data file '/x/.coverage.s.json': not slipcover JSON: ...".
// Problems that lose nothing but precision (a source that cannot be analysed, so exits are
// dropped) are in Shard::warnings.
Result<Shard> ReadSlipcoverShard(const std::string& path, const SlipcoverReadOptions& options);

}  // namespace covalesce
