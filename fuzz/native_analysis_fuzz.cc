// Fuzz target: native source analysis (src/native) on raw file bytes: statements, exclusions,
// the multi-line map and regions, and, in a second pass, branch analysis (arcs, exit counts,
// missing-branch fragments) with the source tokens the HTML report uses. The Python version
// modelled is picked from the input's length, so every version sees mutations of every seed.
// Checks: no crash, hang or sanitizer report; an analysis is either an error or a result
// whose lines are sorted, positive and within the file, and whose arcs start at statements
// or entries.
#include <algorithm>
#include <memory>

#include "covalesce/analysis.h"
#include "covalesce/config.h"
#include "covalesce/native_analysis.h"
#include "fuzz_util.h"

namespace {

using namespace covalesce;

const NativeAnalyzer& Analyzer(int version, bool branch) {
  static std::unique_ptr<NativeAnalyzer> analyzers[3][2];
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
    s.python_version = std::string("3.") + std::to_string(11 + version);
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
  const int version = int(size % 3);
  for (bool branch : {false, true}) {
    NativeResult r = Analyzer(version, branch).Analyze("fuzz.py", source);
    const FileAnalysis& fa = r.analysis;
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
