// The reporting session: loading the data a report reads (with the implicit combine of
// coverage.py 7.14+ and the in-memory [paths] remap), choosing the files, analysing them
// through the exact python fallback, and turning per-file failures into coverage.py's
// warnings and errors. See report.h for the coverage.py functions each step mirrors.
#include <sys/stat.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>

#include "covalesce/atomic_file.h"
#include "covalesce/os_path.h"
#include "covalesce/pcre.h"
#include "covalesce/combine.h"
#include "covalesce/consumed_inputs.h"
#include "covalesce/data_writer.h"
#include "covalesce/discover.h"
#include "covalesce/kernels.h"
#include "covalesce/native_analysis.h"
#include "covalesce/path_aliases.h"
#include "covalesce/pystr.h"
#include "covalesce/report.h"
#include "covalesce/run_lock.h"
#include "covalesce/version.h"

namespace covalesce::report {
namespace {

void MakeDirs(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') mkdir(dir.substr(0, i).c_str(), 0777);
  }
}

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool EndsWith(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// The exception classes of coverage.exceptions: coverage.py's main() prints their message;
// anything else escapes as a traceback.
bool IsCoverageException(const std::string& type) {
  static const std::set<std::string> kTypes = {
      "CoverageException", "ConfigError", "DataError", "NoDataError", "NoCode",
      "NoSource", "NotPython", "PluginError", "_BaseCoverageException"};
  return kTypes.count(type) > 0;
}

// Adds src's values (one per context id, parallel to src_contexts) to dst's: a value for a
// context dst lacks is moved over, one for a context it has is merged into its own.
template <typename Value, typename Merge>
void MergeByContext(std::vector<uint32_t>& dst_contexts, std::vector<Value>& dst,
                    const std::vector<uint32_t>& src_contexts, std::vector<Value>& src, Merge merge) {
  for (size_t k = 0; k < src.size(); ++k) {
    auto pos = std::find(dst_contexts.begin(), dst_contexts.end(), src_contexts[k]);
    if (pos == dst_contexts.end()) {
      dst_contexts.push_back(src_contexts[k]);
      dst.push_back(std::move(src[k]));
    } else {
      merge(dst[size_t(pos - dst_contexts.begin())], src[k]);
    }
  }
}

// The data reported on, indexed by path, with the context filter applied on reads.
struct DataView {
  CoverageData data;
  bool has_arcs = false;
  std::unordered_map<std::string, size_t> index;  // path -> data.files index
  std::vector<bool> context_ok;                    // empty: every context

  void Reindex() {
    index.clear();
    for (size_t i = 0; i < data.files.size(); ++i) index.emplace(data.files[i].path, i);
  }
  const FileCoverage* Find(const std::string& path) const {
    auto it = index.find(path);
    return it == index.end() ? nullptr : &data.files[it->second];
  }
  bool Wanted(uint32_t context) const {
    return context_ok.empty() || (context < context_ok.size() && context_ok[context]);
  }

  // CoverageData.lines(): the union over the queried contexts (from arcs with branch data).
  std::vector<LineNo> Lines(const FileCoverage& fc) const {
    std::vector<LineNo> out;
    if (has_arcs) {
      for (const Arc& a : Arcs(fc)) {
        if (a.first > 0) out.push_back(a.first);
        if (a.second > 0) out.push_back(a.second);
      }
      std::sort(out.begin(), out.end());
      out.erase(std::unique(out.begin(), out.end()), out.end());
      return out;
    }
    LineBitmap acc;
    for (size_t k = 0; k < fc.lines.size(); ++k) {
      if (!Wanted(fc.line_contexts[k])) continue;
      const LineBitmap& b = fc.lines[k];
      if (acc.size() < b.size()) acc.resize(b.size(), 0);
      kernels::OrInto(acc.data(), b.data(), b.size());
    }
    std::vector<uint32_t> nums(kernels::Popcount(acc.data(), acc.size()));
    nums.resize(kernels::BitmapToLines(acc.data(), acc.size(), nums.data()));
    out.assign(nums.begin(), nums.end());
    return out;
  }

  // CoverageData.arcs(): the distinct arcs over the queried contexts.
  std::vector<Arc> Arcs(const FileCoverage& fc) const {
    std::vector<uint64_t> keys;
    for (size_t k = 0; k < fc.arcs.size(); ++k) {
      if (Wanted(fc.arc_contexts[k])) keys.insert(keys.end(), fc.arcs[k].begin(), fc.arcs[k].end());
    }
    keys.resize(kernels::SortUnique(keys.data(), keys.size()));
    std::vector<Arc> out;
    out.reserve(keys.size());
    for (uint64_t key : keys) out.emplace_back(kernels::ArcFrom(key), kernels::ArcTo(key));
    return out;
  }
};

// One candidate of get_analysis_to_report, before analysis.
struct Candidate {
  std::string morf, filename, relative_filename, data_key;
};

}  // namespace

struct Session::Impl {
  Config config;
  SessionOptions options;
  Sink sink;
  Timings& timings;
  std::string data_file;
  DataView view;
  bool loaded = false;
  int python_minor = 0;
  std::vector<std::string> notices;
  RunLock lock;  // taken by LoadData
  std::set<std::string> warned;
  AnalysisStats stats;
  std::string relative_dir;  // files.RELATIVE_DIR
  // options.background_store: the cache store left by the last Analyse, running beside the
  // reports on a thread of its own, and what it reports when joined.
  PendingStore pending;
  std::thread store_thread;
  AnalysisStats store_stats;
  // options.background_write: the data file's write and the shards' deletes, their first
  // failure, their times, and the "Combined" message they hold back.
  std::thread combine_thread;
  std::optional<Error> combine_error;
  std::optional<double> write_seconds, delete_seconds;  // of the stages that ran
  std::string pending_message;

  Impl(Config c, SessionOptions o, Sink s, Timings& t)
      : config(std::move(c)), options(std::move(o)), sink(std::move(s)), timings(t) {}
  ~Impl() {  // the store, the write and the deletes end before the run lock is let go
    if (store_thread.joinable()) store_thread.join();
    if (combine_thread.joinable()) combine_thread.join();
  }

  // Writes the combined data (view.data) when `write`, then, unless keep_combined, deletes
  // `gone`; the error names the first failure (deletes: in input order).
  std::optional<Error> WriteAndDelete(bool write, const std::vector<std::string>& gone, bool parallel);
  // The times of WriteAndDelete's stages that ran, as phases of their own or as busy time
  // beside the analysis.
  void AddCombineTimings(bool overlapped) {
    for (auto [name, seconds] : {std::pair{"write", write_seconds}, std::pair{"delete", delete_seconds}}) {
      if (!seconds) continue;
      if (overlapped) timings.AddOverlapped(name, *seconds);
      else timings.Add(name, *seconds);
    }
  }

  // Waits for the background write and deletes; then says what the combine would have said
  // at its end. Its error stands for good: coverage.py would have stopped at the combine.
  Status Settle() {
    if (combine_thread.joinable()) {
      combine_thread.join();
      AddCombineTimings(/*overlapped=*/true);
      if (!combine_error && !pending_message.empty()) Say(pending_message);
      pending_message.clear();
    }
    if (combine_error) return *combine_error;
    return ok_status();
  }
  void Say(const std::string& message) {
    if (!options.messages) return;
    if (sink.message) sink.message(message);
    else std::fprintf(stderr, "%s\n", message.c_str());
  }

  // An analysis's (or a store's) counts and warnings into the session's: hits, misses, a
  // rebuilt cache, and each warning as a notice.
  void Absorb(const AnalysisStats& s) {
    stats.hits += s.hits;
    stats.misses += s.misses;
    stats.rebuilt |= s.rebuilt;
    for (const std::string& w : s.warnings) notices.push_back("covalesce: " + w);
  }

  void JoinStore() {
    if (!store_thread.joinable()) return;
    store_thread.join();
    for (const Timings::Entry& e : store_stats.timings.entries()) timings.AddOverlapped("analysis:" + e.name, e.seconds);
    Absorb(store_stats);
    store_stats = AnalysisStats{};
  }

  bool Debugging(const char* what) const {
    auto has = [&](const std::vector<std::string>& v) { return std::find(v.begin(), v.end(), what) != v.end(); };
    return has(config.debug) || has(options.debug);
  }
  void Debug(const std::string& line) {
    if (sink.debug) sink.debug(line);
    else std::fprintf(stderr, "%s\n", line.c_str());
  }

  // files.relative_filename(), with RELATIVE_DIR = abs_file(os.curdir) + os.sep.
  std::string RelativeFilename(const std::string& filename) const {
    if (filename.compare(0, relative_dir.size(), relative_dir) == 0) return filename.substr(relative_dir.size());
    return filename;
  }
  // files.canonical_filename(): a relative name is looked for in the current directory
  // (coverage.py also tries sys.path; covalesce does not know the user's sys.path).
  std::string CanonicalFilename(const std::string& filename) const {
    return ospath::AbsFile(filename, options.cwd);
  }
  // python.source_for_file().
  static std::string SourceForFile(const std::string& filename) {
    if (EndsWith(filename, ".py")) return filename;
    if (EndsWith(filename, ".pyc") || EndsWith(filename, ".pyo")) return filename.substr(0, filename.size() - 1);
    return filename;
  }
  // Coverage._file_mapper.
  std::string FileMapper(const std::string& filename) const {
    return config.relative_files ? RelativeFilename(filename) : ospath::AbsFile(filename, options.cwd);
  }

  Status Remap();
  Result<std::vector<Candidate>> Select(const std::vector<std::string>& morfs);
  AnalysisSettings Settings() const;
  // The analyses of the files plugins measured, by morf (filled by Select).
  std::unordered_map<std::string, std::shared_ptr<const FileAnalysis>> plugin_files;
  Result<std::vector<FileAnalysis>> Analyse(const std::vector<std::string>& files);
  Timings analysis_timings;  // Analyse's own phases (hash, lookup, analyse, store)
  Result<std::vector<FileAnalysis>> AnalysePython(const std::vector<std::string>& files);
};

Session::Session(Config config, SessionOptions options, Sink sink, Timings& timings)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(options), std::move(sink), timings)) {
  Impl& m = *impl_;
  if (m.options.cwd.empty()) {
    char buf[4096];
    m.options.cwd = getcwd(buf, sizeof buf) ? buf : ".";
  }
  m.data_file = AbsPath(m.options.data_file.value_or(m.config.data_file), m.options.cwd);
  m.relative_dir = ospath::AbsFile(".", m.options.cwd);
  if (m.relative_dir.back() != '/') m.relative_dir += '/';
  std::optional<std::string> version = m.options.python_version;
  if (!version) version = m.config.python_version;
  if (version) m.python_minor = PythonMinor(*version);
}
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;

const Config& Session::config() const { return impl_->config; }
Config& Session::config() { return impl_->config; }
const SessionOptions& Session::options() const { return impl_->options; }
const std::string& Session::data_file() const { return impl_->data_file; }
const CoverageData& Session::data() const { return impl_->view.data; }
bool Session::has_arcs() const { return impl_->view.has_arcs; }
int Session::python_minor() const { return impl_->python_minor; }
const std::vector<std::string>& Session::notices() const { return impl_->notices; }
Status Session::FinishBackground() {
  impl_->JoinStore();
  return impl_->Settle();
}
const AnalysisStats& Session::analysis_stats() const { return impl_->stats; }

void Session::Warn(const std::string& message, const std::string& slug) {
  Impl& m = *impl_;
  if (!m.Settle()) return;  // the combine failed: nothing after it is said
  if (!slug.empty() && std::find(m.config.disable_warnings.begin(), m.config.disable_warnings.end(), slug) !=
                           m.config.disable_warnings.end()) {
    return;
  }
  std::string text = message;
  if (!slug.empty()) text += " (" + slug + "); see " + kCoverageDocUrl + "/messages.html#warning-" + slug;
  if (!m.warned.insert(text).second) return;  // Python's warnings registry shows a text once
  if (m.sink.warn) m.sink.warn(text);
  else std::fprintf(stderr, "CoverageWarning: %s\n", text.c_str());
}

void Session::Message(const std::string& message) {
  Impl& m = *impl_;
  if (!m.Settle()) return;  // the combine failed: nothing after it is said
  m.Say(message);
}

Status Session::Settle() { return impl_->Settle(); }

std::optional<Error> Session::Impl::WriteAndDelete(bool write, const std::vector<std::string>& gone, bool parallel) {
  auto since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  auto start = std::chrono::steady_clock::now();
  if (write) {
    Status written = WriteDataFile(view.data, data_file, kCoverageVersion);
    write_seconds = since(start);
    if (!written) return written.error();
  }
  if (options.keep_combined) return std::nullopt;
  // Unlinking hundreds of shards is mostly the file system freeing their blocks (~0.3 ms
  // each on ext4): spread over the cores, unless beside the analysis.
  start = std::chrono::steady_clock::now();
  std::vector<int> errs(gone.size(), 0);
  auto one = [&](size_t i) {
    if (unlink(gone[i].c_str()) != 0 && errno != ENOENT) errs[i] = errno;
  };
  if (parallel) {
    tbb::parallel_for(size_t(0), gone.size(), one);
  } else {
    for (size_t i = 0; i < gone.size(); ++i) one(i);
  }
  delete_seconds = since(start);
  for (size_t i = 0; i < gone.size(); ++i) {
    if (errs[i]) return Error{"Couldn't delete data file " + PyRepr(gone[i]) + ": " + std::strerror(errs[i])};
  }
  return std::nullopt;
}

Status Session::LoadData() {
  Impl& m = *impl_;
  MakeDirs(Dirname(m.data_file));  // Coverage._init_data: ensure_dir_for_file
  // One run at a time in this directory (run_lock.h), held for the whole session: the
  // combine, its deletes and the reports written from it.
  m.lock = RunLock::Acquire(m.data_file, [&] {
    std::fprintf(stderr, "covalesce: waiting for another covalesce run to finish with %s\n",
                 PyRepr(m.data_file).c_str());
  });

  CombineSettings s;
  s.cwd = m.options.cwd;
  s.data_file = m.data_file;
  s.append = true;  // load() ran first: the data file's own data is kept
  s.parallel = m.config.parallel;
  s.relative_files = m.config.relative_files;
  s.aliases = m.config.paths;
  s.python_version = m.options.python_version ? m.options.python_version : m.config.python_version;
  s.debug_combine = m.Debugging("combine");
  s.debug_pathmap = m.Debugging("pathmap");
  CombineSink combine_sink{[&](const std::string& w) { Warn(w); }, [&](const std::string& d) { m.Debug(d); },
                           [&](const std::string& n) { m.notices.push_back(n); }};
  auto combined = CombineData(s, combine_sink, m.timings);
  if (!combined) return combined.error();

  std::string message;
  if (combined->combined + combined->skipped + combined->errored > 0) {
    message = "Combined " + Plural(combined->combined, "file");
    if (combined->skipped) message += ", skipped " + std::to_string(combined->skipped);
    if (combined->errored) message += ", " + Plural(combined->errored, "file") + " errored";
  }
  if (combined->combined > 0 && !m.options.keep_combined) {
    combined->data.meta.push_back(ConsumedInputsRow(combined->deletable));
  }
  std::vector<std::string> gone;
  if (!m.options.keep_combined) gone = std::move(combined->deletable);
  m.view.data = std::move(combined->data);
  m.view.has_arcs = m.view.data.has_arcs.value_or(false);

  // The data file is written whole (temporary file, fsync, rename) and only then are the
  // shards it holds deleted. With background_write both happen on a thread of their own,
  // beside the selection and the analysis, and the "Combined" message waits for them
  // (Settle); remapped data is rebuilt from the combined data, so it is written first.
  const bool write = combined->combined > 0;
  if (m.options.background_write && m.config.paths.empty()) {
    m.pending_message = std::move(message);
    m.combine_thread = std::thread([&m, write, gone = std::move(gone)] {
      m.combine_error = m.WriteAndDelete(write, gone, /*parallel=*/false);
    });
  } else {
    auto err = m.WriteAndDelete(write, gone, /*parallel=*/true);
    m.AddCombineTimings(/*overlapped=*/false);
    if (err) return *err;
    if (!message.empty()) Message(message);
  }
  if (!m.config.paths.empty()) {
    Timings::Phase t(m.timings, "remap");
    if (Status st = m.Remap(); !st) return st;
  }
  m.view.Reindex();
  m.loaded = true;
  return ok_status();
}

// _prepare_data_for_reporting: a fresh in-memory data set updated from the loaded one through
// a new PathAliases (map + slash fix), file by file in the data's order.
Status Session::Impl::Remap() {
  auto aliases = PathAliases::Make(config.paths, config.relative_files, options.cwd,
                                   options.python_version ? options.python_version : config.python_version);
  if (!aliases) return aliases.error();
  const bool debug_pathmap = Debugging("pathmap");
  auto flush = [&] {
    for (std::string& line : aliases->TakeDebugLines()) {
      if (debug_pathmap) Debug(line);
    }
  };
  flush();
  CoverageData& in = view.data;
  CoverageData out;
  out.contexts = in.contexts;
  std::unordered_map<std::string, size_t> index;
  std::vector<size_t> target(in.files.size());
  bool any_arcs = false, any_lines = false;
  for (size_t i = 0; i < in.files.size(); ++i) {
    FileCoverage& fc = in.files[i];
    std::string mapped = FixSlashes(aliases->Map(fc.path));
    flush();
    auto [it, added] = index.try_emplace(mapped, out.files.size());
    if (added) {
      out.files.push_back(FileCoverage{mapped, fc.tracer, {}, {}, {}, {}});
    } else if (out.files[it->second].tracer != fc.tracer) {
      return Error{"Conflicting file tracer name for " + PyRepr(mapped) + ": " +
                   PyRepr(out.files[it->second].tracer) + " vs " + PyRepr(fc.tracer)};
    }
    target[i] = it->second;
    for (const ArcKeys& a : fc.arcs) any_arcs |= !a.empty();
    any_lines |= !fc.lines.empty();
  }
  // Merge per (file, context): OR the bitmaps, union the arc keys.
  for (size_t i = 0; i < in.files.size(); ++i) {
    FileCoverage& src = in.files[i];
    FileCoverage& dst = out.files[target[i]];
    MergeByContext(dst.line_contexts, dst.lines, src.line_contexts, src.lines,
                   [](LineBitmap& acc, const LineBitmap& more) {
                     if (acc.size() < more.size()) acc.resize(more.size(), 0);
                     kernels::OrInto(acc.data(), more.data(), more.size());
                   });
    MergeByContext(dst.arc_contexts, dst.arcs, src.arc_contexts, src.arcs, [](ArcKeys& acc, const ArcKeys& more) {
      acc.insert(acc.end(), more.begin(), more.end());
      acc.resize(kernels::SortUnique(acc.data(), acc.size()));
    });
  }
  // The new data's kind comes from the rows it received, as CoverageData.update decides it.
  if (any_arcs) out.has_arcs = true;
  else if (any_lines) out.has_arcs = false;
  view.has_arcs = any_arcs;
  view.data = std::move(out);
  return ok_status();
}

Status Session::SetQueryContexts() {
  Impl& m = *impl_;
  m.view.context_ok.clear();
  if (!m.config.contexts || m.config.contexts->empty()) return ok_status();
  // CoverageData.set_query_contexts opens the database, which creates an empty data file
  // when there is none.
  if (access(m.data_file.c_str(), F_OK) != 0) {
    if (Status st = WriteDataFile(CoverageData{}, m.data_file, kCoverageVersion); !st) return st;
  }
  std::vector<Pcre> regexes;
  for (const std::string& c : *m.config.contexts) {
    if (Status st = CheckPythonRegex(c); !st) {
      return Error{"Invalid context regex " + PyRepr(c) + ": " + st.error().message};
    }
    auto re = Pcre::Compile(c);
    if (!re) return Error{"Invalid context regex " + PyRepr(c) + ": " + re.error().message};
    regexes.push_back(std::move(*re));
  }
  m.view.context_ok.assign(m.view.data.contexts.size(), false);
  for (size_t i = 0; i < m.view.data.contexts.size(); ++i) {
    for (const Pcre& re : regexes) {
      if (re.Search(m.view.data.contexts[i])) {
        m.view.context_ok[i] = true;
        break;
      }
    }
  }
  // Every context filtered out still means "these contexts only": keep a non-empty vector.
  if (m.view.context_ok.empty()) m.view.context_ok.push_back(false);
  return ok_status();
}

// _get_file_reporters + [report] include/omit.
Result<std::vector<Candidate>> Session::Impl::Select(const std::vector<std::string>& morfs_in) {
  std::vector<std::string> morfs = morfs_in;
  if (morfs.empty()) {
    for (const FileCoverage& fc : view.data.files) morfs.push_back(fc.path);
  }
  std::vector<Candidate> out(morfs.size());
  tbb::parallel_for(size_t(0), morfs.size(), [&](size_t i) {
    Candidate& c = out[i];
    c.morf = morfs[i];
    const std::string source = SourceForFile(c.morf);
    c.filename = config.relative_files ? source : CanonicalFilename(source);
    c.relative_filename = RelativeFilename(source);
    c.data_key = FileMapper(c.filename);
  });
  // A file measured by a plugin gets that plugin's FileReporter, which names the file:
  // coverage.py asks for every file's reporter before include/omit, so a plugin's failure
  // there stops the report whatever is selected. covalesce asks the plugin in the user's
  // python (the exact fallback) and keeps the whole analysis for later.
  plugin_files.clear();
  std::vector<size_t> traced;
  std::vector<std::string> traced_files, tracers;
  bool any_tracer = false;
  for (const FileCoverage& fc : view.data.files) any_tracer |= !fc.tracer.empty();
  for (size_t i = 0; any_tracer && i < out.size(); ++i) {
    const FileCoverage* fc = view.Find(out[i].data_key);
    if (!fc || fc->tracer.empty()) continue;
    traced.push_back(i);  // a tracer no configured plugin has is the helper's KeyError
    traced_files.push_back(out[i].data_key);
    tracers.push_back(fc->tracer);
  }
  if (!traced.empty()) {
    auto got = RunPluginHelper(traced_files, tracers, config.config_file, Settings());
    if (!got) return got.error();
    for (size_t k = 0; k < traced.size(); ++k) {
      FileAnalysis& fa = (*got)[k];
      if (fa.error_kind == FileAnalysis::ErrorKind::kReporter) {
        if (!IsCoverageException(fa.error_type)) return UncaughtError(fa.error_type, fa.error);
        return Error{fa.error};
      }
      Candidate& c = out[traced[k]];
      if (!fa.plugin.empty()) {
        c.filename = fa.filename;
        c.relative_filename = fa.relative_filename;
      }
      plugin_files[c.morf] = std::make_shared<const FileAnalysis>(std::move(fa));
    }
  }

  auto filter = [&](const std::optional<std::vector<std::string>>& patterns, bool keep) -> Status {
    if (!patterns || patterns->empty()) return ok_status();
    std::vector<std::string> prepped;
    for (const std::string& p : *patterns) {
      prepped.push_back(p);
      if (!(p.size() && (p[0] == '*' || p[0] == '?'))) prepped.push_back(ospath::AbsFile(p, options.cwd));
    }
    auto rx = GlobsToRegex(prepped, false, false);
    if (!rx) {
      // A pattern the tokenizer refuses is a ConfigError; one that makes a bad regex (such as
      // "[z-a]") is re.error escaping from re.compile.
      if (rx.error().message.rfind("File pattern can't include", 0) == 0) return rx.error();
      return UncaughtError("re.error", rx.error().message);
    }
    std::string pcre = *rx;
    // Python's \Z is PCRE2's \z.
    if (pcre.size() >= 2 && pcre.compare(pcre.size() - 2, 2, "\\Z") == 0) pcre.replace(pcre.size() - 2, 2, "\\z");
    auto re = Pcre::Compile(pcre);
    if (!re) return re.error();
    std::erase_if(out, [&](const Candidate& c) { return bool(re->MatchAt(c.filename)) != keep; });
    return ok_status();
  };
  if (Status st = filter(config.report_include, true); !st) return st.error();
  if (Status st = filter(config.report_omit, false); !st) return st.error();
  if (out.empty()) return Error{"No data to report."};
  std::stable_sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
    return a.filename != b.filename ? a.filename < b.filename : a.morf < b.morf;
  });
  return out;
}

AnalysisSettings Session::Impl::Settings() const {
  AnalysisSettings as;
  as.python = options.python;
  as.exclude = config.exclude_lines;
  as.partial = config.partial_branches;
  as.partial_always = config.partial_branches_always;
  as.relative_files = config.relative_files;
  as.branch = view.has_arcs;
  as.source = options.want_source;
  as.python_version = python_minor ? "3." + std::to_string(python_minor) : "";
  as.jobs = options.jobs;
  as.cache_dir = Dirname(data_file) + "/.covalesce_cache";
  as.use_cache = options.use_cache;
  return as;
}

// The exact fallback: coverage.py's own parser in options.python, through the cache.
Result<std::vector<FileAnalysis>> Session::Impl::AnalysePython(const std::vector<std::string>& files) {
  if (python_minor == 0) {
    auto info = ProbePython(options.python);
    if (!info) return info.error();
    python_minor = PythonMinor(info->version);
  }
  AnalysisStats s;
  auto analysed = AnalyzeWithPython(files, Settings(), &s);
  Absorb(s);
  return analysed;
}

// Native analysis of every file, in parallel; the files it cannot answer exactly (and, with
// branch data, files whose arcs it does not model) go to the exact fallback. A Python version
// with no native model, or --analysis=python, sends everything there.
Result<std::vector<FileAnalysis>> Session::Impl::Analyse(const std::vector<std::string>& files) {
  JoinStore();  // one store at a time: the next one may write the same rows
  std::string version;
  if (options.native) {
    VersionChoice vc = ChooseNativeVersion(options.python_version, config.python_version, options.python);
    if (!vc.modelled) {
      notices.push_back("covalesce: " + vc.notice);
    } else {
      python_minor = PythonMinor(vc.version);
      version = vc.given;
    }
  }
  stats = AnalysisStats{};
  if (version.empty()) return AnalysePython(files);

  AnalysisSettings as = Settings();
  as.python_version = version;
  auto analyzer = NativeAnalyzer::Create(as);
  if (!analyzer) return analyzer.error();
  auto native = [&](const std::vector<std::string>& missing, std::vector<bool>& storable)
      -> Result<std::vector<FileAnalysis>> {
    std::vector<NativeResult> results(missing.size());
    tbb::parallel_for(size_t(0), missing.size(), [&](size_t i) { results[i] = (*analyzer)->AnalyzeFile(missing[i]); });
    std::vector<FileAnalysis> out(missing.size());
    std::vector<size_t> todo;  // indexes for the fallback
    size_t no_arcs = 0;
    for (size_t i = 0; i < missing.size(); ++i) {
      NativeResult& r = results[i];
      if (r.fallback) {
        todo.push_back(i);
      } else if (as.branch && r.analysis.ok() && !r.analysis.has_arcs) {
        todo.push_back(i);
        ++no_arcs;
      } else {
        out[i] = std::move(r.analysis);
      }
    }
    if (todo.empty()) return out;
    for (size_t i : todo) storable[i] = false;  // the fallback caches under its own key

    std::vector<std::string> rest;
    for (size_t i : todo) rest.push_back(missing[i]);
    auto exact = AnalysePython(rest);
    if (!exact) {
      // Without coverage.py to ask, a file native analysis answered with an error keeps that
      // answer (its message may differ from CPython's); missing arcs cannot be made up.
      if (no_arcs) return exact.error();
      notices.push_back("covalesce: the exact fallback is unavailable (" + exact.error().message +
                        "); keeping the native answer for " + std::to_string(todo.size()) + " file(s)");
      for (size_t i : todo) out[i] = std::move(results[i].analysis);
      return out;
    }
    const std::string who = "coverage.py in " + options.python;
    for (size_t k = 0; k < todo.size(); ++k) {
      const size_t i = todo[k];
      if (results[i].fallback) {
        notices.push_back("covalesce: " + missing[i] + ": " + results[i].fallback_reason + "; analysed by " + who);
      }
      out[i] = std::move((*exact)[k]);
    }
    if (no_arcs) {
      notices.push_back("covalesce: native branch analysis did not answer for " + std::to_string(no_arcs) +
                        " file(s); their arcs come from " + who);
    }
    return out;
  };
  AnalysisStats st;
  auto analysed = AnalyzeCached(files, as, NativeAnalyser(covalesce::PythonMinor(version)), native, st,
                                options.background_store ? &pending : nullptr);
  Absorb(st);
  analysis_timings = std::move(st.timings);
  return analysed;
}

Result<std::vector<FileReport>> Session::AnalysisToReport(const std::vector<std::string>& morfs) {
  Impl& m = *impl_;
  std::vector<Candidate> chosen;
  {
    Timings::Phase t(m.timings, "select");
    auto selected = m.Select(morfs);
    if (!selected) return selected.error();
    chosen = std::move(*selected);
  }

  // Each distinct file once (a plugin's files were analysed by Select already).
  std::vector<std::string> files;
  std::unordered_map<std::string, size_t> file_index;
  for (const Candidate& c : chosen) {
    if (m.plugin_files.count(c.morf)) continue;
    if (file_index.try_emplace(c.filename, files.size()).second) files.push_back(c.filename);
  }
  std::vector<std::shared_ptr<const FileAnalysis>> parsed(files.size());
  {
    Timings::Phase t(m.timings, "analysis");
    auto analysed = m.Analyse(files);
    if (Status combined = m.Settle(); !combined) return combined.error();
    if (!analysed) return analysed.error();
    for (size_t i = 0; i < files.size(); ++i) {
      parsed[i] = std::make_shared<const FileAnalysis>(std::move((*analysed)[i]));
    }
  }
  for (const Timings::Entry& e : m.analysis_timings.entries()) {
    m.timings.AddOverlapped("analysis:" + e.name, e.seconds);
  }
  if (m.pending) {
    // The answers are in place for good (shared, const): the store reads them beside the
    // reports. FinishBackground (or the session's end) waits for it.
    std::vector<std::shared_ptr<const FileAnalysis>> keep = parsed;
    m.store_thread = std::thread([&m, keep = std::move(keep)] {
      std::vector<const FileAnalysis*> results(keep.size());
      for (size_t i = 0; i < keep.size(); ++i) results[i] = keep[i].get();
      m.pending.Run(results, m.store_stats);
    });
  }
  std::vector<std::shared_ptr<const FileAnalysis>> of(chosen.size());
  for (size_t i = 0; i < chosen.size(); ++i) {
    auto it = m.plugin_files.find(chosen[i].morf);
    of[i] = it != m.plugin_files.end() ? it->second : parsed[file_index[chosen[i].filename]];
  }

  // The measured side, per file and in parallel.
  std::vector<std::optional<Analysis>> analyses(chosen.size());
  {
    Timings::Phase t(m.timings, "results");
    tbb::parallel_for(size_t(0), chosen.size(), [&](size_t i) {
      const FileAnalysis& fa = *of[i];
      if (!fa.ok()) return;
      std::vector<LineNo> lines;
      std::vector<Arc> arcs;
      if (const FileCoverage* fc = m.view.Find(chosen[i].data_key)) {
        lines = m.view.Lines(*fc);
        if (m.view.has_arcs) arcs = m.view.Arcs(*fc);
      }
      analyses[i] = Analysis::FromFile(fa, chosen[i].data_key, m.view.has_arcs, std::move(lines),
                                       std::move(arcs), m.config.precision);
    });
  }

  // get_analysis_to_report's error handling, in filename order.
  std::vector<FileReport> out;
  out.reserve(chosen.size());
  for (size_t i = 0; i < chosen.size(); ++i) {
    const Candidate& c = chosen[i];
    const auto& fa = of[i];
    if (fa->error_type == "CovalesceUnsupported") return Error{fa->error};
    if (fa->error_kind == FileAnalysis::ErrorKind::kNotPython) {
      if (!fa->should_be_python) continue;
      if (!m.config.ignore_errors) return Error{fa->error};
      Warn("Couldn't parse Python file '" + c.filename + "'", "couldnt-parse");
      continue;
    }
    if (!fa->ok()) {
      if (m.config.ignore_errors) {
        std::string msg = "Couldn't parse '" + c.filename + "': " + fa->error;
        msg.erase(msg.find_last_not_of(" \t\n\r\f\v") + 1);
        Warn(msg, "couldnt-parse");
        continue;
      }
      if (!IsCoverageException(fa->error_type)) return UncaughtError(fa->error_type, fa->error);
      // NoSource raised for a file that does not exist carries the slug "no-source".
      if (fa->error_type == "NoSource" && fa->error.rfind("No source for code: '", 0) == 0 &&
          EndsWith(fa->error, "'.")) {
        return Error{WithErrorSlug(fa->error, "no-source")};
      }
      return Error{fa->error};
    }
    out.push_back(FileReport{c.morf, c.filename, c.relative_filename, fa, std::move(*analyses[i])});
  }
  return out;
}

std::map<LineNo, std::vector<std::string>> Session::ContextsByLineno(const FileReport& file) const {
  const Impl& m = *impl_;
  std::map<LineNo, std::vector<std::string>> out;
  const FileCoverage* fc = m.view.Find(file.analysis.filename);
  if (!fc) return out;
  std::map<LineNo, std::set<uint32_t>> ids;
  if (m.view.has_arcs) {
    for (size_t k = 0; k < fc->arcs.size(); ++k) {
      if (!m.view.Wanted(fc->arc_contexts[k])) continue;
      for (uint64_t key : fc->arcs[k]) {
        LineNo a = kernels::ArcFrom(key), b = kernels::ArcTo(key);
        if (a > 0) ids[a].insert(fc->arc_contexts[k]);
        if (b > 0) ids[b].insert(fc->arc_contexts[k]);
      }
    }
  } else {
    for (size_t k = 0; k < fc->lines.size(); ++k) {
      if (!m.view.Wanted(fc->line_contexts[k])) continue;
      const LineBitmap& b = fc->lines[k];
      std::vector<uint32_t> nums(kernels::Popcount(b.data(), b.size()));
      nums.resize(kernels::BitmapToLines(b.data(), b.size(), nums.data()));
      for (uint32_t n : nums) ids[LineNo(n)].insert(fc->line_contexts[k]);
    }
  }
  for (auto& [line, set] : ids) {
    std::vector<std::string>& labels = out[line];
    for (uint32_t id : set) labels.push_back(m.view.data.contexts[id]);
    std::sort(labels.begin(), labels.end());
  }
  return out;
}

namespace {

// The exception Python's open() or write() raises for `err` on `path`, uncaught.
Error OpenError(int err, const std::string& path) {
  static const std::map<int, std::string> kTypes = {
      {ENOENT, "FileNotFoundError"}, {EACCES, "PermissionError"}, {EPERM, "PermissionError"},
      {EISDIR, "IsADirectoryError"}, {ENOTDIR, "NotADirectoryError"}};
  auto it = kTypes.find(err);
  return UncaughtError(it == kTypes.end() ? "OSError" : it->second,
                       "[Errno " + std::to_string(err) + "] " + std::strerror(err) + ": " + PyRepr(path));
}

// render_report's writing: `write` puts the text into the open file (false, errno set, on an
// error).
Status WriteReportWith(Session& session, const std::string& output_path, std::string_view report_type,
                       const std::function<bool(std::FILE*)>& write) {
  if (output_path == "-") {
    write(stdout);
    return ok_status();
  }
  std::string path = output_path;
  if (path.find('/') != std::string::npos) MakeDirs(Dirname(AbsPath(path, session.options().cwd)));
  auto os_error = [&](int err) { return OpenError(err, path); };
  // Whole or not at all: a temporary file beside the report, fsynced and renamed over it,
  // so a run killed or out of disk leaves the old report, never half of a new one.
  const std::string dir = path.find('/') == std::string::npos ? "." : Dirname(AbsPath(path, session.options().cwd));
  RemoveStaleTemps(dir);
  if (int err = WriteFileAtomicallyWith(path, write, /*durable=*/true)) return os_error(err);
  session.Message("Wrote " + std::string(report_type) + " to " + output_path);
  return ok_status();
}

}  // namespace

Status WriteReport(Session& session, const std::string& output_path, std::string_view report_type,
                   std::string_view content) {
  return WriteReportWith(session, output_path, report_type, [&](std::FILE* f) {
    errno = 0;
    return std::fwrite(content.data(), 1, content.size(), f) == content.size();
  });
}

Status WriteReport(Session& session, const std::string& output_path, std::string_view report_type, Spool& content) {
  if (content.temp_.empty() || content.target_ != output_path) {
    return WriteReportWith(session, output_path, report_type, [&](std::FILE* f) { return content.CopyTo(f); });
  }
  // Already in its temporary file beside the target: finish it (if the report's task did
  // not), then rename it into place and sync the directory, as WriteReportWith would.
  content.Finish();
  if (content.error_) return OpenError(content.error_, output_path);
  const int err = RenameIntoPlace(content.temp_, output_path, /*durable=*/true);
  content.temp_.clear();  // renamed, or removed by a failed rename
  if (err) return OpenError(err, output_path);
  session.Message("Wrote " + std::string(report_type) + " to " + output_path);
  return ok_status();
}

Spool::Spool() : file_(std::tmpfile()) {}

std::unique_ptr<Spool> Spool::Beside(const std::string& path) {
  struct stat st;
  const std::string dir = Dirname(path);
  if (path == "-" || path.empty() || stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return std::make_unique<Spool>();
  }
  RemoveStaleTemps(dir);
  std::string temp;
  std::FILE* f = CreateTempBeside(path, temp);
  if (!f) return std::make_unique<Spool>();  // the error is the write's, later and in order
  auto spool = std::unique_ptr<Spool>(new Spool(nullptr));
  spool->file_ = f;
  spool->target_ = path;
  spool->temp_ = std::move(temp);
  return spool;
}

Spool::~Spool() {
  if (file_) std::fclose(file_);
  if (!temp_.empty()) unlink(temp_.c_str());
}

void Spool::Write(std::string_view text) {
  if (!file_) {
    memory_ += text;
  } else if (!error_ && std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
    error_ = errno ? errno : EIO;
  }
}

void Spool::Finish() {
  if (temp_.empty() || !file_) return;  // a plain spool, or finished
  if (error_) std::fclose(file_);  // a write failed: that errno is the error
  else if (int err = FinishTemp(file_, /*durable=*/true)) error_ = err;
  file_ = nullptr;
}

bool Spool::CopyTo(std::FILE* f) {
  errno = 0;
  if (!file_) return std::fwrite(memory_.data(), 1, memory_.size(), f) == memory_.size();
  if (error_ || std::fflush(file_) != 0 || std::fseek(file_, 0, SEEK_SET) != 0) {
    errno = error_ ? error_ : errno;
    return false;
  }
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0) {
    if (std::fwrite(buf, 1, n, f) != n) return false;
  }
  return !std::ferror(file_);
}

void Spool::Clear() {
  std::string().swap(memory_);
  if (file_) {
    std::fclose(file_);
    file_ = nullptr;
  }
}

int PrintError(const Error& error) {
  if (error.message.rfind("Traceback (most recent call last):", 0) == 0) {
    std::fprintf(stderr, "%s\n", error.message.c_str());
  } else {
    std::printf("%s\n", error.message.c_str());
  }
  return 1;
}

Error UncaughtError(std::string_view type, std::string_view text) {
  std::string msg = "Traceback (most recent call last):\n  (coverage.py would not catch this exception)\n";
  msg += std::string(type);
  if (!text.empty()) msg += ": " + std::string(text);
  return Error{msg};
}

}  // namespace covalesce::report
