// `covalesce debug analysis [options] FILE...`: prints each file's static analysis (the
// FileAnalysis the reports would use) as one JSON line, so the analysers can be compared
// with each other and with coverage.py. Exclusion and partial-branch patterns, branch mode
// and the data file's directory (for .covalesce_cache) come from the configuration.
#include <unistd.h>

#include <tbb/parallel_for.h>

#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "covalesce/analysis.h"
#include "covalesce/config.h"
#include "covalesce/native_analysis.h"

namespace covalesce::cli {
namespace {

using T = OptionSpec::Type;

CommandSpec AnalysisSpec() {
  return {"debug analysis",
          "[options] FILE...",
          "Print the static analysis of each file as JSON.",
          {Value("--analysis", T::kString, "KIND",
                 "'native' (the default) or 'python' (coverage.py itself, in --python)."),
           Flag("--branch", "Include arcs even if [run] branch is off."),
           Flag("--describe",
                "Add what reports derive: each possible arc's descriptions, and the translation of every line and of "
                "the possible and raw arcs."),
           Flag("--no-cache", "Neither read nor write .covalesce_cache."),
           Value("--python", T::kString, "EXE",
                 "The Python interpreter for --analysis=python. Defaults to 'python3'."),
           Value("--python-version", T::kString, "X.Y",
                 "The Python version native analysis models. Defaults to [covalesce] python_version, else the "
                 "version of --python, else 3.13."),
           RcfileOption(), Flag("--source", "Include source lines and HTML tokens."), TimingsOption()}};
}

std::string PairJson(Arc arc) {
  std::string out = "[";
  return out.append(std::to_string(arc.first)).append(",").append(std::to_string(arc.second)) += "]";
}

// Joins the JSON texts of the items as a list.
template <typename T, typename F>
std::string ListJson(const std::vector<T>& items, F&& json_of) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) (out += i ? "," : "") += json_of(items[i]);
  return out + "]";
}

// The --describe fields, appended to the JSON object: what a report derives from the
// analysis, for comparing with coverage.py's own FileReporter on the same file.
std::string Described(const FileAnalysis& fa) {
  std::string json = ToJson(fa);
  if (!fa.ok()) return json;
  json.pop_back();
  json += ",\"arc_descriptions\":" + ListJson(fa.arcs, [&](Arc arc) {
    std::string out = PairJson(arc);
    out.pop_back();
    return out.append(",").append(JsonQuote(fa.MissingArcDescription(arc.first, arc.second)))
               .append(",").append(JsonQuote(fa.ArcDescription(arc.first, arc.second))) += "]";
  });
  std::vector<LineNo> lines;
  for (LineNo l = 1; l <= fa.num_lines; ++l) lines.push_back(l);
  json += ",\"translated_lines\":" +
          ListJson(fa.TranslateLines(lines), [](LineNo l) { return std::to_string(l); });
  std::vector<Arc> probe = fa.arcs;
  for (const auto& [arc, to] : fa.with_jump_fixers) probe.push_back(arc);
  for (const auto& frag : fa.arc_fragments.entries()) probe.push_back(frag.arc);
  json += ",\"translated_arcs\":" + ListJson(fa.TranslateArcs(probe), PairJson);
  return json + "}";
}

}  // namespace

int RunDebugAnalysis(const Parsed& debug_options) {
  Parsed opts;
  std::vector<std::string> rest(debug_options.args.begin() + 1, debug_options.args.end());
  if (auto err = Parse(AnalysisSpec(), rest, opts)) return UsageError(*err);
  if (opts.args.empty()) return UsageError("Which files would you like analysed?");

  std::error_code ec;
  std::string cwd = std::filesystem::current_path(ec).string();
  auto rcfile = opts.get("rcfile") ? opts.get("rcfile") : debug_options.get("rcfile");
  auto config = LoadConfig(rcfile, cwd, ProcessEnv());
  if (!config) {
    std::printf("%s\n", config.error().message.c_str());
    return kErr;
  }
  for (const std::string& w : config->warnings) std::fprintf(stderr, "%s\n", w.c_str());

  std::string kind = opts.get("analysis").value_or("native");
  if (kind != "python" && kind != "native") {
    return UsageError("--analysis must be 'native' or 'python', not '" + kind + "'");
  }

  AnalysisSettings s;
  s.python = opts.get("python").value_or("python3");
  s.exclude = config->exclude_lines;
  s.partial = config->partial_branches;
  s.partial_always = config->partial_branches_always;
  s.relative_files = config->relative_files;
  s.branch = config->branch || opts.flag("branch");
  s.source = opts.flag("source");
  s.python_version = config->python_version.value_or("");
  std::filesystem::path data = std::filesystem::absolute(config->data_file, ec);
  s.cache_dir = (data.parent_path() / ".covalesce_cache").string();
  s.use_cache = !opts.flag("no_cache");

  auto print = [&](const FileAnalysis& fa) {
    std::printf("%s\n", (opts.flag("describe") ? Described(fa) : ToJson(fa)).c_str());
  };

  if (kind == "native") {
    // Native answers only, never the fallback: a file native analysis would hand over is
    // printed as native analysis has it, with the reason on stderr.
    VersionChoice vc = ChooseNativeVersion(opts.get("python_version"), config->python_version, s.python);
    if (!vc.modelled) {
      std::fprintf(stderr, "%s\n", vc.notice.c_str());
      return kErr;
    }
    s.python_version = vc.given;
    Timings timings;
    auto analyzer = NativeAnalyzer::Create(s);
    if (!analyzer) {
      std::fprintf(stderr, "%s\n", analyzer.error().message.c_str());
      return kErr;
    }
    std::vector<NativeResult> results(opts.args.size());
    {
      Timings::Phase t(timings, "native");
      tbb::parallel_for(size_t(0), results.size(), [&](size_t i) { results[i] = (*analyzer)->AnalyzeFile(opts.args[i]); });
    }
    size_t handed = 0;
    for (const NativeResult& r : results) {
      print(r.analysis);
      if (r.fallback) {
        ++handed;
        std::fprintf(stderr, "%s: would use --analysis=python: %s\n", r.analysis.path.c_str(), r.fallback_reason.c_str());
      }
    }
    std::fprintf(stderr, "%zu files: native analysis of Python %s (from %s), %zu would use the fallback\n",
                 results.size(), vc.version.c_str(), vc.source.c_str(), handed);
    if (opts.flag("timings")) timings.Print(stderr);
    return kOk;
  }

  AnalysisStats stats;
  auto results = AnalyzeWithPython(opts.args, s, &stats);
  for (const std::string& w : stats.warnings) std::fprintf(stderr, "Warning: %s\n", w.c_str());
  if (!results) {
    std::fprintf(stderr, "%s\n", results.error().message.c_str());
    return kErr;
  }
  for (const FileAnalysis& fa : *results) print(fa);
  std::fprintf(stderr, "%zu files: %zu from the cache, %zu analysed%s\n", results->size(),
               stats.hits, stats.misses, stats.rebuilt ? " (damaged cache rebuilt)" : "");
  if (opts.flag("timings")) stats.timings.Print(stderr);
  return kOk;
}

}  // namespace covalesce::cli
