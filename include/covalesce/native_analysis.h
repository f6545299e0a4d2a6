// Native statement analysis: what coverage.py 7.17.3's PythonParser computes for a source
// file (statements, excluded lines, the multi-line map) and what regions.code_regions finds
// (functions and classes), computed from covalesce's own tokenizer and AST, for CPython 3.11,
// 3.12 and 3.13. coverage.py takes the statement lines from the line tables of the code objects
// CPython compiles; covalesce models that compiler (dead code after return/raise/break/continue,
// constant conditions, NOP-only statements, nested code objects kept or dropped) with a shared
// core and one small table of rules per version (src/native/rules.cc).
//
// Only the statement fields are filled in (statements, excluded, multiline, regions, num_lines,
// path, filename, should_be_python, or an error); arcs and source tokens are not.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "covalesce/analysis.h"
#include "covalesce/result.h"

namespace covalesce {

// The CPython minor versions the native model covers: "3.11", "3.12", "3.13".
const std::vector<std::string>& NativeModelledVersions();
// True when `version` ("3.12" or "3.12.4") has a native model.
bool NativeModels(std::string_view version);
// "3.12.4" -> "3.12"; "" when `version` is not of the form 3.N[.M...].
std::string PythonMinor(std::string_view version);

// Which Python version to model, as every analysing command decides it: --python-version,
// else [covalesce] python_version, else the version of `python` (the interpreter on PATH,
// asked once), else the newest modelled one. `modelled` is false for a version with no
// model (3.10, 3.14, ...): the caller then uses the exact fallback, with `notice` as its
// one-line message.
struct VersionChoice {
  std::string version;  // "3.12" (minor only)
  std::string given;    // as given or probed, patch release included when known: "3.12.6"
  std::string source;   // "--python-version", "python_version", "python3", "default"
  bool modelled = true;
  std::string notice;   // set when !modelled
};
VersionChoice ChooseNativeVersion(const std::optional<std::string>& option,
                                  const std::optional<std::string>& config,
                                  const std::string& python = "python3");
// The version of `python` ("3.12.1"), or "" when it cannot be run; remembered between runs
// (python_probe.cc says how, and when it is asked again).
std::string ProbePythonVersion(const std::string& python);
struct PythonProbe {
  std::string version;  // "" when it cannot be run
  bool cached = false;  // answered from the cache, without running it
};
// The same with the cache in `cache_dir` ("": no cache).
PythonProbe ProbePythonVersionCached(const std::string& python, const std::string& cache_dir);

// The analyser's identity for cache keys: "native:<covalesce version>:model-<N>:py3.12".
std::string NativeAnalyser(std::string_view python_minor);

// One file's native analysis. `fallback` is set when the answer must come from the exact
// fallback (--analysis=python) instead: the analysis is then an error whose text may not be
// coverage.py's (a syntax error whose CPython message the native parser does not reproduce,
// an encoding covalesce does not decode, a compile-time error, NUL bytes, ...).
struct NativeResult {
  FileAnalysis analysis;
  bool fallback = false;
  std::string fallback_reason;  // one line, for a warning
};

// A reusable analyser: the exclusion regex is compiled once; Analyze is thread-safe.
class NativeAnalyzer {
 public:
  // Fails when the version has no model, or an exclusion regex is not a valid Python regex
  // (the error names the regex: a config error).
  static Result<std::unique_ptr<NativeAnalyzer>> Create(const AnalysisSettings& settings);
  ~NativeAnalyzer();

  // Analyses already-read source bytes; `path` is used for messages and `filename`.
  NativeResult Analyze(const std::string& path, std::string_view source_bytes) const;
  // Reads `path` first: an unreadable file is coverage.py's NoSource error.
  NativeResult AnalyzeFile(const std::string& path) const;

  struct Impl;

 private:
  explicit NativeAnalyzer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One-shot convenience: Create + Analyze. Errors are settings errors only; per-file problems
// are FileAnalysis errors (check NativeResult.fallback through the class API when it matters).
Result<FileAnalysis> AnalyzeNative(const std::string& path, std::string_view source_bytes,
                                   const AnalysisSettings& settings);

// The raw statement lines of a source text, as ByteParser.find_statements() reports them
// (every line in the line table of every code object CPython would compile), without
// exclusions or docstring removal. For tests and `debug statements --raw`.
Result<std::vector<LineNo>> NativeRawStatements(std::string_view source_bytes,
                                                std::string_view python_minor);

}  // namespace covalesce
