// `covalesce debug statements FILE... [--python-version X.Y] [--rcfile FILE] [--raw]
// [--timings] [--threads N]`: the native statement analysis of each file (what coverage.py's
// PythonParser gives: statements, excluded lines, the multi-line map, regions, num_lines), one
// JSON line per file, analysed in parallel. Exclusion patterns come from the configuration
// ([report] exclude_lines / exclude_also); the version modelled from --python-version, else
// [covalesce] python_version, else the python3 on PATH, else the newest modelled one.
//
// {"path": s, "statements": [n], "excluded": [n], "multiline": [[line, first]], "num_lines": n,
//  "regions": [{"kind", "name", "start", "lines"}], "raw": [n] (with --raw)}
// or {"path": s, "error": {"type": s, "message": s}, "fallback": s (when the exact fallback
// would take over: the reason)}.
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "covalesce/config.h"
#include "covalesce/native_analysis.h"

namespace covalesce::cli {

namespace {

void Ints(std::string& out, const std::vector<LineNo>& v) {
  out += '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(v[i]);
  }
  out += ']';
}

std::string StatementsJson(const NativeResult& r, const std::vector<LineNo>* raw) {
  const FileAnalysis& fa = r.analysis;
  std::string out = "{\"path\":" + JsonQuote(fa.path);
  if (!fa.ok()) {
    out += ",\"error\":{\"type\":" + JsonQuote(fa.error_type) + ",\"message\":" + JsonQuote(fa.error) + "}";
    if (r.fallback) out += ",\"fallback\":" + JsonQuote(r.fallback_reason);
    return out + "}";
  }
  AppendStatementFields(out, fa);
  if (raw) {
    out += ",\"raw\":";
    Ints(out, *raw);
  }
  return out + "}";
}

}  // namespace

int RunDebugStatements(const Parsed& given, const std::vector<std::string>& args) {
  std::optional<std::string> version_option, rcfile = given.get("rcfile");
  std::vector<std::string> files;
  bool raw = false, timings = given.flag("timings");
  size_t threads = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* name, std::optional<std::string>& dest) {
      const std::string n(name);
      if (a == n && i + 1 < args.size()) return dest = args[++i], true;
      if (a.rfind(n + "=", 0) == 0) return dest = a.substr(n.size() + 1), true;
      return false;
    };
    std::optional<std::string> t;
    if (value("--python-version", version_option) || value("--rcfile", rcfile)) continue;
    if (value("--threads", t)) {
      threads = size_t(std::stoul(*t));
      continue;
    }
    if (a == "--raw") raw = true;
    else if (a == "--timings") timings = true;
    else files.push_back(a);
  }
  if (given.get("python_version")) version_option = given.get("python_version");
  if (files.empty()) return UsageError("'debug statements' needs at least one FILE");

  std::error_code ec;
  std::string cwd = std::filesystem::current_path(ec).string();
  auto config = LoadConfig(rcfile, cwd, ProcessEnv());
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().message.c_str());
    return kErr;
  }
  for (const std::string& w : config->warnings) std::fprintf(stderr, "%s\n", w.c_str());

  VersionChoice choice = ChooseNativeVersion(version_option, config->python_version);
  if (!choice.modelled) {
    std::fprintf(stderr, "%s\n", choice.notice.c_str());
    return kErr;
  }
  AnalysisSettings settings;
  settings.exclude = config->exclude_lines;
  settings.relative_files = config->relative_files;
  settings.python_version = choice.version;
  auto analyzer = NativeAnalyzer::Create(settings);
  if (!analyzer) {
    std::fprintf(stderr, "%s\n", analyzer.error().message.c_str());
    return kErr;
  }

  std::optional<tbb::global_control> limit;
  if (threads) limit.emplace(tbb::global_control::max_allowed_parallelism, threads);
  // Analysis first (what --timings measures), then the JSON.
  std::vector<NativeResult> results(files.size());
  const auto t0 = std::chrono::steady_clock::now();
  tbb::parallel_for(size_t(0), files.size(), [&](size_t i) { results[i] = (*analyzer)->AnalyzeFile(files[i]); });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<std::string> out(files.size());
  tbb::parallel_for(size_t(0), files.size(), [&](size_t i) {
    std::vector<LineNo> raw_lines;
    if (raw && results[i].analysis.ok()) {
      std::ifstream in(files[i], std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      if (auto lines = NativeRawStatements(ss.str(), choice.version)) raw_lines = *lines;
    }
    out[i] = StatementsJson(results[i], raw ? &raw_lines : nullptr);
  });
  for (const std::string& line : out) std::printf("%s\n", line.c_str());
  if (timings)
    std::fprintf(stderr, "debug statements: %zu files analysed natively (Python %s) in %.3f s\n", files.size(),
                 choice.version.c_str(), secs);
  return kOk;
}

}  // namespace covalesce::cli
