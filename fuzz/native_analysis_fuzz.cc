// Fuzz target: native source analysis (src/native) on raw file bytes: statements, exclusions,
// the multi-line map and regions, and, in a second pass, branch analysis (arcs, exit counts,
// missing-branch fragments) with the source tokens the HTML report uses. The Python version
// modelled is picked from the input's length, so every version sees mutations of every seed:
// 3.11, 3.12 with no patch release (with-statement arcs that depend on it are a fallback),
// 3.12.1 (the with rule before 3.12.6) and 3.13.
// Checks: no crash, hang or sanitizer report; an analysis is an error, a fallback with its
// reason, or a result whose lines are sorted, positive and within the file, with arcs exactly
// when branch analysis was asked for.
#include <algorithm>
#include <iterator>
#include <memory>

#include "covalesce/analysis.h"
#include "covalesce/config.h"
#include "covalesce/native_analysis.h"
#include "fuzz_util.h"

namespace {

using namespace covalesce;

const NativeAnalyzer& Analyzer(int version, bool branch) {
  static const char* const kVersions[] = {"3.11", "3.12", "3.12.1", "3.13"};
  static std::unique_ptr<NativeAnalyzer> analyzers[std::size(kVersions)][2];
  std::unique_ptr<NativeAnalyzer>& a = analyzers[version][branch];
  if (!a) {
    Config defaults;  // coverage.py's default exclusion and partial-branch regexes
    AnalysisSettings s;
    s.exclude = defaults.exclude_lines;
    s.partial = defaults.partial_branches;
    s.partial_always = defaults.partial_branches_always;
    s.relative_files = true;
    s.branch = branch;
    s.source = branch;
    s.python_version = kVersions[version];
    auto made = NativeAnalyzer::Create(s);
    if (!made) fuzz::Fail("NativeAnalyzer::Create: " + made.error().message);
    a = std::move(*made);
  }
  return *a;
}

void CheckLines(const std::vector<LineNo>& lines, int num_lines, const char* what) {
  if (!std::is_sorted(lines.begin(), lines.end())) fuzz::Fail(std::string(what) + " not sorted");
  for (LineNo l : lines) {
    if (l < 1 || l > num_lines + 1) fuzz::Fail(std::string(what) + " line " + std::to_string(l) + " outside the file");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view source(reinterpret_cast<const char*>(data), size);
  const int version = int(size % 4);
  for (bool branch : {false, true}) {
    NativeResult r = Analyzer(version, branch).Analyze("fuzz.py", source);
    const FileAnalysis& fa = r.analysis;
    if (r.fallback) {  // handed to coverage.py: nothing of the native result is used
      if (r.fallback_reason.empty()) fuzz::Fail("a fallback without a reason");
      continue;
    }
    if (!fa.ok()) {
      if (fa.error.empty()) fuzz::Fail("an analysis error without a message");
      continue;
    }
    CheckLines(fa.statements, fa.num_lines, "statements");
    CheckLines(fa.excluded, fa.num_lines, "excluded");
    if (branch != fa.has_arcs) fuzz::Fail("has_arcs does not follow the branch setting");
    if (!std::is_sorted(fa.arcs.begin(), fa.arcs.end())) fuzz::Fail("arcs not sorted");
  }
  return 0;
}
