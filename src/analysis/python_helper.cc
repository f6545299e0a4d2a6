// --analysis=python: coverage.py's own parser, run by the user's python3 in a few worker
// processes. Files are dealt to workers by size (largest first, to the least loaded), each
// worker prints one JSON line per file, and each worker's thread decodes its own lines.
// Workers run with PYTHONHASHSEED=0: coverage.py collects an arc's message fragments by
// iterating a set of objects holding strings, so under hash randomisation the order of the
// "... or ..." parts of a message changes from run to run; a fixed seed fixes it.
#include <sys/stat.h>

#include <algorithm>
#include <thread>

#include "covalesce/analysis.h"
#include "internal.h"

namespace covalesce {
namespace {

using analysis::kHelperScript;
using analysis::RunProcess;

std::string JsonList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) (out += i ? "," : "") += JsonQuote(items[i]);
  return out + "]";
}

// The last non-empty line of a worker's stderr: the exception of a traceback.
std::string LastLine(const std::string& text) {
  size_t end = text.find_last_not_of("\r\n");
  if (end == std::string::npos) return "";
  size_t start = text.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return text.substr(start, end + 1 - start);
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

Error CantRun(const std::string& python, const Error& why) {
  // RunProcess says "Couldn't run X: <strerror>"; the interpreter is named once, here.
  std::string reason = why.message.substr(why.message.rfind(": ") + 2);
  return Error{"Couldn't run the Python interpreter '" + python + "' for --analysis=python: " + reason};
}

// The {"fatal": ...} line the helper prints when it cannot import coverage.py.
std::optional<Error> Fatal(const std::string& python, const std::string& out) {
  auto fields = analysis::StringFields(FirstLine(out));
  if (!fields || !fields->count("fatal")) return std::nullopt;
  std::string exe = (*fields)["executable"];
  return Error{"The Python interpreter '" + python + "'" + (exe.empty() || exe == python ? "" : " (" + exe + ")") +
               " can't import coverage.py (" + (*fields)["fatal"] +
               "): install coverage there, or name another interpreter with --python"};
}

Error HelperFailed(const std::string& python, const analysis::ProcessResult& r) {
  std::string why = LastLine(r.err);
  if (why.empty()) why = "exit status " + std::to_string(r.exit_code);
  return Error{"The analysis helper failed in '" + python + "': " + why};
}

// Largest files first, each to the worker with the fewest bytes so far.
std::vector<std::vector<size_t>> Deal(const std::vector<std::string>& files, size_t workers) {
  std::vector<std::pair<off_t, size_t>> sized;
  for (size_t i = 0; i < files.size(); ++i) {
    struct stat st;
    sized.emplace_back(stat(files[i].c_str(), &st) == 0 ? st.st_size : 0, i);
  }
  std::sort(sized.begin(), sized.end(), [](auto& a, auto& b) { return a.first > b.first; });
  std::vector<std::vector<size_t>> dealt(workers);
  std::vector<off_t> load(workers, 0);
  for (auto [size, i] : sized) {
    size_t w = size_t(std::min_element(load.begin(), load.end()) - load.begin());
    dealt[w].push_back(i);
    load[w] += size + 4096;  // a file costs something even when empty
  }
  for (auto& d : dealt) std::sort(d.begin(), d.end());
  return dealt;
}

}  // namespace

Result<PythonInfo> ProbePython(const std::string& python) {
  auto run = RunProcess({python, "-c", std::string(kHelperScript), "probe"}, "");
  if (!run) return CantRun(python, run.error());
  if (auto fatal = Fatal(python, run->out)) return *fatal;
  auto fields = analysis::StringFields(FirstLine(run->out));
  if (run->exit_code != 0 || !fields || !fields->count("python") || !fields->count("coverage")) {
    return HelperFailed(python, *run);
  }
  return PythonInfo{python, (*fields)["python"], (*fields)["coverage"]};
}

namespace {
Result<std::vector<FileAnalysis>> RunHelper(const std::vector<std::string>& files, const AnalysisSettings& s,
                                            const std::vector<std::string>* tracers,
                                            const std::string& config_file);
}  // namespace

Result<std::vector<FileAnalysis>> RunPythonHelper(const std::vector<std::string>& files,
                                                  const AnalysisSettings& s) {
  return RunHelper(files, s, nullptr, "");
}

Result<std::vector<FileAnalysis>> RunPluginHelper(const std::vector<std::string>& files,
                                                  const std::vector<std::string>& tracers,
                                                  const std::string& config_file, const AnalysisSettings& s) {
  AnalysisSettings one = s;
  one.jobs = 1;  // plugins are loaded once, in one process
  return RunHelper(files, one, &tracers, config_file);
}

namespace {
Result<std::vector<FileAnalysis>> RunHelper(const std::vector<std::string>& files, const AnalysisSettings& s,
                                            const std::vector<std::string>* tracers,
                                            const std::string& config_file) {
  std::vector<FileAnalysis> results(files.size());
  if (files.empty()) return results;
  size_t cores = std::max(1u, std::thread::hardware_concurrency());
  size_t workers = s.jobs ? s.jobs : std::min(cores, (files.size() + 7) / 8);
  workers = std::clamp<size_t>(workers, 1, files.size());
  auto dealt = Deal(files, workers);

  std::string common = "\"exclude\":" + JsonList(s.exclude) + ",\"partial\":" + JsonList(s.partial) +
                       ",\"partial_always\":" + JsonList(s.partial_always) +
                       ",\"relative_files\":" + (s.relative_files ? "true" : "false") +
                       ",\"branch\":" + (s.branch ? "true" : "false") +
                       ",\"source\":" + (s.source ? "true" : "false");
  std::vector<std::optional<Error>> errors(workers);
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      std::vector<std::string> mine;
      for (size_t i : dealt[w]) mine.push_back(files[i]);
      std::string request = "{" + common + ",\"files\":" + JsonList(mine);
      if (tracers) {
        std::vector<std::string> theirs;
        for (size_t i : dealt[w]) theirs.push_back((*tracers)[i]);
        request += ",\"tracers\":" + JsonList(theirs) + ",\"config_file\":" + JsonQuote(config_file);
      }
      request += "}";
      auto run = RunProcess({s.python, "-c", std::string(kHelperScript), "analyse"}, request,
                            {"PYTHONHASHSEED=0"});
      if (!run) {
        errors[w] = CantRun(s.python, run.error());
        return;
      }
      if (auto fatal = Fatal(s.python, run->out)) {
        errors[w] = *fatal;
        return;
      }
      std::string_view out = run->out;
      for (size_t k = 0; k < mine.size(); ++k) {
        size_t nl = out.find('\n');
        if (nl == std::string_view::npos) {
          errors[w] = HelperFailed(s.python, *run);
          return;
        }
        auto fa = FromJson(out.substr(0, nl));
        if (!fa || fa->path != mine[k]) {
          errors[w] = fa ? Error{"The analysis helper answered for the wrong file: " + fa->path}
                         : fa.error();
          return;
        }
        results[dealt[w][k]] = std::move(*fa);
        out.remove_prefix(nl + 1);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors) {
    if (e) return *e;
  }
  return results;
}

}  // namespace

}  // namespace covalesce
