// `covalesce combine`: coverage.py's combine command, with one deliberate difference:
// a hard error (lines vs arcs, tracer conflict, unwritable output) leaves every input and
// the old output untouched, where coverage.py has already merged and deleted some inputs.
// Inputs are deleted only after the combined file is durably in place.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <sstream>

#include "commands.h"
#include "covalesce/combine.h"
#include "covalesce/config.h"
#include "covalesce/consumed_inputs.h"
#include "covalesce/data_writer.h"
#include "covalesce/discover.h"
#include "covalesce/pystr.h"
#include "covalesce/run_lock.h"
#include "covalesce/version.h"
#include "covalesce/watch.h"

namespace covalesce::cli {
namespace {

std::string CurrentDir() {
  char buf[4096];
  return getcwd(buf, sizeof buf) ? std::string(buf) : std::string(".");
}

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

void MakeDirs(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') mkdir(dir.substr(0, i).c_str(), 0777);
  }
}

// coverage.py's file_be_gone: a file already gone is fine.
bool RemoveFile(const std::string& path) {
  if (unlink(path.c_str()) == 0 || errno == ENOENT) return true;
  std::printf("Couldn't delete data file %s: %s\n", PyRepr(path).c_str(), std::strerror(errno));
  return false;
}

// The --watch options, checked.
Result<WatchSettings> WatchOptions(const Parsed& options, const CombineSettings& s) {
  WatchSettings ws;
  ws.combine = s;
  if (auto u = options.get("until")) ws.until_file = AbsPath(*u, s.cwd);
  if (auto p = options.get("pid")) {
    for (const std::string& item : SplitCommas(*p)) {
      char* end = nullptr;
      long pid = std::strtol(item.c_str(), &end, 10);
      if (*end || pid <= 0) return Error{"--pid: not a process id: '" + item + "'"};
      ws.pids.push_back(pid_t(pid));
    }
  }
  auto number = [&](const char* dest, const char* name, double& into) -> Status {
    if (auto v = options.get(dest)) {
      into = std::strtod(v->c_str(), nullptr);
      if (!(into >= 0)) return Error{std::string("--") + name + ": must not be negative"};
    }
    return ok_status();
  };
  double workers = 0;
  for (Status st : {number("workers", "workers", workers), number("until_idle", "until-idle", ws.until_idle),
                    number("settle", "settle", ws.settle), number("grace", "grace", ws.grace)}) {
    if (!st) return st.error();
  }
  ws.workers = size_t(workers);
  return ws;
}

}  // namespace

int RunCombine(const Parsed& options) {
  const std::string cwd = CurrentDir();
  auto config = LoadConfig(options.get("rcfile"), cwd, ProcessEnv());
  if (!config) {
    std::printf("%s\n", config.error().message.c_str());
    return kErr;
  }
  for (const std::string& w : config->warnings) std::fprintf(stderr, "CoverageWarning: %s\n", w.c_str());

  std::vector<std::string> debug = config->debug;
  if (auto d = options.get("debug")) {
    for (auto& item : SplitCommas(*d)) debug.push_back(item);
  }
  auto debugging = [&](const char* what) {
    return std::find(debug.begin(), debug.end(), what) != debug.end();
  };

  CombineSettings s;
  s.cwd = cwd;
  s.data_file = AbsPath(options.get("data_file").value_or(config->data_file), cwd);
  s.paths = options.args;
  s.append = options.flag("append");
  s.parallel = config->parallel;
  s.relative_files = config->relative_files;
  s.aliases = config->paths;
  s.python_version = config->python_version;
  s.debug_combine = debugging("combine");
  s.debug_pathmap = debugging("pathmap");
  MakeDirs(s.data_file.substr(0, s.data_file.rfind('/')));

  Timings timings;
  auto finish = [&](int rc) {
    if (options.flag("timings")) timings.Print(stderr);
    return rc;
  };
  // One run at a time in this directory (run_lock.h): held until we return.
  RunLock lock = RunLock::Acquire(s.data_file, [&] {
    std::fprintf(stderr, "covalesce: waiting for another covalesce run to finish with %s\n",
                 PyRepr(s.data_file).c_str());
  });
  if (!s.append) {
    // A run killed after replacing the data file but before deleting all it had combined:
    // finish its deletes, or this run would replace the data with the leftovers alone.
    auto finished = FinishInterruptedDeletes(s.data_file);
    if (!finished) {
      std::printf("%s\n", finished.error().message.c_str());
      return finish(kErr);
    }
    if (*finished) {
      std::fprintf(stderr, "covalesce: deleted %s that an interrupted run had already combined into %s\n",
                   Plural(int64_t(*finished), "data file").c_str(), PyRepr(s.data_file).c_str());
    }
  }
  CombineSink sink{
      [](const std::string& w) { std::fprintf(stderr, "CoverageWarning: %s\n", w.c_str()); },
      [](const std::string& d) { std::fprintf(stderr, "%s\n", d.c_str()); },
      [](const std::string& n) { std::fprintf(stderr, "%s\n", n.c_str()); }};

  const char* const watch_only[] = {"until", "pid", "workers", "until_idle", "settle", "grace"};
  std::optional<WatchResult> watched;
  Result<CombineResult> combined = Error{""};
  if (options.flag("watch")) {
    auto ws = WatchOptions(options, s);
    if (!ws) {
      std::printf("%s\n", ws.error().message.c_str());
      return finish(kErr);
    }
    auto w = WatchAndCombine(*ws, sink, timings);
    if (!w) {
      std::printf("%s\n", w.error().message.c_str());
      return finish(kErr);
    }
    combined = std::move(w->combined);
    watched = std::move(*w);
  } else {
    for (const char* dest : watch_only) {
      if (options.has(dest)) {
        std::printf("--%s needs --watch\n", dest == std::string("until_idle") ? "until-idle" : dest);
        return finish(kErr);
      }
    }
    combined = CombineData(s, sink, timings);
  }
  if (!combined) {
    std::printf("%s\n", combined.error().message.c_str());
    return finish(kErr);
  }
  if (combined->candidates == 0) {
    std::printf("No data to combine\n");
    return finish(kErr);
  }
  if (combined->combined == 0) {
    // coverage.py deletes skipped duplicates before saying this; we delete nothing
    // when nothing was written.
    std::printf("No usable data files\n");
    return finish(kErr);
  }

  {
    Timings::Phase t(timings, "write");
    if (!options.flag("keep")) combined->data.meta.push_back(ConsumedInputsRow(combined->deletable));
    Status written = WriteDataFile(combined->data, s.data_file, kCoverageVersion);
    if (!written) {
      std::printf("%s\n", written.error().message.c_str());
      return finish(kErr);
    }
  }
  if (!options.flag("keep")) {
    Timings::Phase t(timings, "delete");
    for (size_t i = 0; i < combined->deletable.size(); ++i) {
      const std::string& f = combined->deletable[i];
      // A watched shard is deleted only if it is still the file that was read.
      if (watched && StampOf(f) != std::optional<FileStamp>(watched->deletable_stamps[i])) {
        if (StampOf(f)) sink.warn("Data file " + PyRepr(f) + " changed after it was combined; kept");
        continue;
      }
      if (!RemoveFile(f)) return finish(kErr);
    }
  }
  if (!options.flag("quiet")) {
    std::string msg = "Combined " + Plural(combined->combined, "file");
    if (combined->skipped) msg += ", skipped " + std::to_string(combined->skipped);
    if (combined->errored) msg += ", " + Plural(combined->errored, "file") + " errored";
    std::fprintf(stderr, "%s\n", msg.c_str());
  }
  return finish(kOk);
}

}  // namespace covalesce::cli
