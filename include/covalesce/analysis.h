// Per-file static analysis: everything a report needs about a measured source file that the
// data file does not hold (statements, exclusions, the multi-line map, regions, possible arcs
// and their messages). Two analysers fill the same FileAnalysis: the native parser, and the
// exact fallback (--analysis=python) that asks coverage.py itself in the user's python3.
// Results are cached on disk (SQLite, .covalesce_cache/) keyed by source bytes and settings.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "covalesce/line_map.h"
#include "covalesce/result.h"
#include "covalesce/timings.h"

namespace covalesce {

using LineNo = int32_t;
using Arc = std::pair<LineNo, LineNo>;  // a negative end is an exit from the code object

// coverage.py's _missing_arc_fragments: for an arc, each way it can be missed, as
// AstArcAnalyzer recorded it. Both texts are unformatted: "{lineno}" is filled in when a
// message is made; nullopt is Python's None.
//
// Flat rather than a map of vectors of optional strings: one entry per fragment, sorted by
// arc (an arc's fragments stay in the order they were added), and the texts, which repeat
// ("exit the module", one action per function), held once per file in one buffer. Building
// and freeing the map form (a node, a vector and up to two strings per fragment) was 7% of
// native branch analysis.
class ArcFragments {
 public:
  static constexpr uint32_t kNoText = UINT32_MAX;  // Python's None
  struct Entry {
    Arc arc;
    uint32_t cause = kNoText;   // "the condition on line {lineno} was never true"
    uint32_t action = kNoText;  // "return from function 'f'"; kNoText: jump to ...
    bool operator==(const Entry&) const = default;
  };

  // Stores a text and gives its id for Add (no de-duplication: callers intern).
  // (Inline, as are Add's, so the native analyser needs no link to the analysis library.)
  uint32_t AddText(std::string_view text) {
    spans_.emplace_back(uint32_t(texts_.size()), uint32_t(text.size()));
    texts_.append(text);
    return uint32_t(spans_.size() - 1);
  }
  std::optional<std::string_view> Text(uint32_t id) const {
    if (id == kNoText) return std::nullopt;
    return std::string_view(texts_).substr(spans_[id].first, spans_[id].second);
  }
  // Adds a fragment after the arc's earlier ones; in sorted order of arcs this is an append.
  void Add(Arc arc, uint32_t cause, uint32_t action) {
    auto after = entries_.end();
    if (!entries_.empty() && arc < entries_.back().arc)  // rare: an arc out of order
      after = std::upper_bound(entries_.begin(), entries_.end(), arc,
                               [](Arc a, const Entry& e) { return a < e.arc; });
    entries_.insert(after, Entry{arc, cause, action});
  }
  // One arc's fragments in the order they were added; empty if it has none.
  std::pair<const Entry*, const Entry*> Find(Arc arc) const;
  const std::vector<Entry>& entries() const { return entries_; }  // sorted by arc
  size_t text_count() const { return spans_.size(); }               // ids are 0..text_count()-1
  bool empty() const { return entries_.empty(); }
  void clear() { *this = ArcFragments(); }
  // The same fragments with the same texts, however the texts were stored.
  bool operator==(const ArcFragments& other) const;

 private:
  std::vector<Entry> entries_;
  std::string texts_;                                    // every text, end to end
  std::vector<std::pair<uint32_t, uint32_t>> spans_;     // id -> (offset, length) in texts_
};

// A function or class, as coverage.py's regions.code_regions() finds it.
struct Region {
  std::string kind;  // "function" or "class"
  std::string name;  // dotted: "C.method", "outer.inner"
  LineNo start = 0;  // the def/class line
  std::vector<LineNo> lines;  // sorted
  bool operator==(const Region&) const = default;
};

struct FileAnalysis {
  // kReporter: getting the file's reporter failed (a plugin's file_reporter() raised or
  // returned None), which coverage.py raises before it selects any file.
  enum class ErrorKind { kNone, kNotPython, kNoSource, kReporter, kOther };

  std::string path;      // as requested
  std::string filename;  // coverage.py's FileReporter.filename (canonical unless relative_files)
  bool should_be_python = true;  // extension .py* or none: a parse failure is an error
  // A file measured through a coverage.py plugin: the plugin's name, and its FileReporter's
  // relative_filename(). Empty for coverage.py's own Python reporter.
  std::string plugin;
  std::string relative_filename;
  std::vector<std::pair<std::string, std::string>> region_kinds;  // its code_region_kinds()

  // A file that could not be analysed: coverage.py's exception and its exact text, e.g.
  // NotPython "Couldn't parse '/p/x.py' as Python source: 'invalid syntax' at line 3" or
  // NoSource "No source for code: '/p/x.py'.". Nothing below is filled in then.
  ErrorKind error_kind = ErrorKind::kNone;
  std::string error_type;  // Python's exception class name: "NotPython", "SyntaxError", ...
  std::string error;

  std::vector<LineNo> statements;  // sorted, first lines, exclusions removed
  std::vector<LineNo> excluded;    // sorted, first lines (may include non-statement lines)
  LineMap<LineNo> multiline;       // line -> first line of its multi-line statement
  std::vector<Region> regions;     // discovery order (a class before its methods)
  int num_lines = 0;               // len(source.splitlines())

  // Branch analysis (has_arcs only).
  bool has_arcs = false;
  std::vector<Arc> arcs;                   // possible arcs, first lines, sorted
  // (line, count), sorted by line; excluded lines and arcs into them not counted. A sorted
  // vector rather than a map: one allocation per file, not one per branching line.
  std::vector<std::pair<LineNo, int>> exit_counts;
  std::vector<LineNo> no_branch;           // lines matching partial_branches(+_always)
  std::map<Arc, std::optional<Arc>> with_jump_fixers;  // raw arc -> replacement, or dropped
  ArcFragments arc_fragments;              // keyed by raw (unmapped) arcs

  // Source for HTML and LCOV checksums (has_source only): Python's str.splitlines() of the
  // decoded source, and phystokens.source_token_lines() as (class, text) pairs per line.
  bool has_source = false;
  std::vector<std::string> source_lines;
  std::vector<std::vector<std::pair<std::string, std::string>>> tokens;

  bool ok() const { return error_kind == ErrorKind::kNone; }

  // PythonParser.first_line / translate_lines / translate_arcs.
  LineNo FirstLine(LineNo line) const;
  std::vector<LineNo> TranslateLines(const std::vector<LineNo>& lines) const;  // sorted, unique
  std::vector<Arc> TranslateArcs(const std::vector<Arc>& arcs) const;          // sorted, unique
  // PythonParser.missing_arc_description ("line 3 didn't jump to line 5 because ...") and
  // arc_description (LCOV's "jump to line 5"), for an arc of `arcs`.
  std::string MissingArcDescription(LineNo start, LineNo end) const;
  std::string ArcDescription(LineNo start, LineNo end) const;

  bool operator==(const FileAnalysis&) const = default;
};

// The settings that change what an analysis contains. Every field but python, jobs,
// cache_dir and use_cache is part of the cache key.
struct AnalysisSettings {
  std::string python = "python3";        // interpreter for --analysis=python (PATH lookup)
  std::vector<std::string> exclude;      // Config::exclude_lines (exclude_also included)
  std::vector<std::string> partial;      // Config::partial_branches (partial_also included)
  std::vector<std::string> partial_always;  // Config::partial_branches_always
  bool relative_files = false;           // [run] relative_files: filenames not canonicalised
  bool branch = false;                   // compute arcs, exit counts, no-branch, fragments
  bool source = false;                   // keep source lines and HTML tokens
  std::string python_version;            // the version modelled, "3.12" (native analysis)
  size_t jobs = 0;                       // helper processes; 0: min(cores, needed)
  std::string cache_dir;                 // ".covalesce_cache" beside the data file; "" = none
  bool use_cache = true;                 // false: --no-cache
};

// What the chosen python3 is, from a quick probe run of the helper.
struct PythonInfo {
  std::string executable;        // as given
  std::string version;           // sys.version
  std::string coverage_version;  // coverage.__version__
  std::string analyser() const { return "python:" + version + ":coverage-" + coverage_version; }
};

// Runs the helper's probe: fails with one line naming the interpreter when it cannot run or
// cannot import coverage.
Result<PythonInfo> ProbePython(const std::string& python);

// Files measured through coverage.py plugins (tracer rows): each analysed by the FileReporter
// its plugin gives (or coverage.py's Python reporter, if the plugin says "python"), with the
// plugins loaded from `config_file` as coverage.py loads them. `tracers[i]` measured
// `files[i]`. A reporter whose translations or arc texts covalesce cannot carry is an
// error of type "CovalesceUnsupported". No cache.
Result<std::vector<FileAnalysis>> RunPluginHelper(const std::vector<std::string>& files,
                                                  const std::vector<std::string>& tracers,
                                                  const std::string& config_file,
                                                  const AnalysisSettings& settings);

// Runs coverage.py's parser over `files` in up to `settings.jobs` helper processes. No cache.
// One FileAnalysis per file, in order; per-file problems are FileAnalysis errors, not Errors.
Result<std::vector<FileAnalysis>> RunPythonHelper(const std::vector<std::string>& files,
                                                  const AnalysisSettings& settings);

// The exact fallback with the cache: probes the interpreter, serves what the cache has,
// runs the helper on the rest and stores what it computed. A cache that cannot be used is
// skipped with a warning; only the interpreter failing is an Error.
struct AnalysisStats {
  size_t hits = 0, misses = 0;
  bool rebuilt = false;                // the cache was damaged and was recreated
  std::vector<std::string> warnings;   // e.g. "Couldn't open the analysis cache ...: ..."
  Timings timings;                     // probe, hash, lookup, helper, store
};
Result<std::vector<FileAnalysis>> AnalyzeWithPython(const std::vector<std::string>& files,
                                                    const AnalysisSettings& settings,
                                                    AnalysisStats* stats = nullptr);

// The cache around any analyser (`analyser` names it and its version, for the keys): each
// file's bytes hashed, hits served, `compute` run once on the misses (one FileAnalysis per
// file, in order; it may set `storable[i]` false for an answer that must not be cached, e.g.
// one another analyser gave), and the new answers stored. Without a usable cache, every file
// is a miss.
// With `later`, the store is left to the caller (see PendingStore) instead of done here.
struct PendingStore;
using AnalyzeMissing = std::function<Result<std::vector<FileAnalysis>>(const std::vector<std::string>& files,
                                                                       std::vector<bool>& storable)>;
Result<std::vector<FileAnalysis>> AnalyzeCached(const std::vector<std::string>& files,
                                                const AnalysisSettings& settings, std::string_view analyser,
                                                const AnalyzeMissing& compute, AnalysisStats& stats,
                                                PendingStore* later = nullptr);

// The JSON form of a FileAnalysis: what the helper prints (one line per file) and what
// `covalesce debug analysis` shows.
std::string ToJson(const FileAnalysis& analysis);
Result<FileAnalysis> FromJson(std::string_view json);
std::string JsonQuote(std::string_view text);  // a JSON string, escaped as ToJson does
// The statement fields of ToJson, which `debug statements` prints too:
// ,"statements":[n],"excluded":[n],"multiline":[[line,first]],"num_lines":n,"regions":[{...}]
void AppendStatementFields(std::string& out, const FileAnalysis& fa);

// The on-disk cache, one SQLite database in WAL mode shared by concurrent runs. Keys are
// sha256 digests of (settings fingerprint, path, source bytes); values are binary rows
// (binary_io.cc) with their own sha256, and the day the row was last used. Any sign of
// damage (open, quick_check, schema, a row failing its digest or decoding) deletes the
// database and starts an empty one: a cache is never trusted over a recompute.
class AnalysisCache {
 public:
  // Opens or creates `dir`/analysis.sqlite (creating `dir`, with a .gitignore of "*").
  static Result<std::unique_ptr<AnalysisCache>> Open(const std::string& dir);
  ~AnalysisCache();

  // Every setting that changes an analysis, and the analyser ("python:<sys.version>:
  // coverage-<ver>" or "native:<ver>"), as one string; Key() hashes it with a file.
  static std::string Fingerprint(const AnalysisSettings& settings, std::string_view analyser);
  static std::string Key(std::string_view fingerprint, std::string_view path,
                         std::string_view source_bytes);

  // One entry per key; nullopt for a miss (and for every key, if the cache proved damaged).
  std::vector<std::optional<FileAnalysis>> Lookup(const std::vector<std::string>& keys);
  // Stores in one transaction (waiting for another run's transaction if need be), marks the
  // hits of earlier lookups as used today, and drops rows unused for 30 days.
  Status Store(const std::vector<std::pair<std::string, const FileAnalysis*>>& entries);
  // Whether Store({}) has something to do: hits not yet marked as used today.
  bool has_unmarked_hits() const { return !stale_.empty(); }

  bool rebuilt() const { return rebuilt_; }
  const std::string& path() const { return path_; }

 private:
  AnalysisCache() = default;
  enum class Opened { kOk, kDamaged, kFailed };
  Opened OpenDb(bool check, std::string& why);
  Status Rebuild();
  void* db_ = nullptr;  // sqlite3*
  std::string path_;
  std::vector<std::string> stale_;  // hit keys whose row was last used before today
  bool rebuilt_ = false;
};

// The store a cold run owes the cache, handed back by AnalyzeCached (its `later`) so that the
// caller can write it while it makes the reports: SQLite's inserts are serial, and on a cold
// run of the stdlib they took as long as the analysis itself with one CPU idle. Holds the
// open cache and, for each answer worth keeping, its key and its index in the results.
struct PendingStore {
  std::unique_ptr<AnalysisCache> cache;
  std::vector<std::pair<std::string, size_t>> entries;
  explicit operator bool() const { return cache != nullptr; }
  // Writes results[index] under each key (and marks earlier hits as used); a warning and a
  // rebuild go to `stats`. The results must stay put until it returns.
  void Run(const std::vector<const FileAnalysis*>& results, AnalysisStats& stats);
};

}  // namespace covalesce
