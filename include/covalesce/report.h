// The reporting core shared by every report command (report, json, xml, lcov, and `all`):
// what coverage.py 7.17.3 does between "the command line is parsed" and "a reporter writes":
//
//   Coverage.load() + combine(strict=False, keep=--keep-combined)   Session::LoadData
//   _prepare_data_for_reporting ([paths] remap, in memory)          Session::LoadData
//   set_query_contexts + get_analysis_to_report                     Session::AnalysisToReport
//   results.Analysis / Numbers / format_lines / fail-under          Analysis, Numbers, ...
//
// A report command builds a Session from the loaded Config (after applying its own command
// line to it, as coverage.py's override_config does), calls LoadData(), then
// AnalysisToReport(morfs), and writes its format from the FileReports it gets back. Errors
// are coverage.py's exact messages; print them with PrintError() and exit 1.
#pragma once
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "covalesce/analysis.h"
#include "covalesce/config.h"
#include "covalesce/coverage_data.h"
#include "covalesce/result.h"
#include "covalesce/timings.h"

namespace covalesce::report {

// A branch line's destinations (missing or taken), by line.
using BranchArcs = LineMap<std::vector<LineNo>>;

// ---- results.py -------------------------------------------------------------------------

// Python's round(x, ndigits) for a float (correctly rounded, ties to even on the exact value).
double PyRound(double x, int ndigits);

// display_covered(): "0" only for exactly 0, "100" only for exactly 100. A negative precision
// is coverage.py's ConfigError "precision=-1 is invalid. Must not be negative.".
Result<std::string> DisplayCovered(double pc, int precision);

// results.Numbers: per-file counts, summed for totals.
struct Numbers {
  int precision = 0;
  int64_t n_files = 0, n_statements = 0, n_excluded = 0, n_missing = 0;
  int64_t n_branches = 0, n_partial_branches = 0, n_missing_branches = 0;

  int64_t n_executed() const { return n_statements - n_missing; }
  int64_t n_executed_branches() const { return n_branches - n_missing_branches; }
  // (100.0 * num) / den, or 100.0 when den is 0: the same bits as Python's.
  static double Percent(int64_t numerator, int64_t denominator);
  double pc_covered() const;     // statements and branches together
  double pc_statements() const;
  double pc_branches() const;
  Result<std::string> pc_covered_str() const { return DisplayCovered(pc_covered(), precision); }
  Result<std::string> pc_statements_str() const { return DisplayCovered(pc_statements(), precision); }
  Result<std::string> pc_branches_str() const { return DisplayCovered(pc_branches(), precision); }
  Numbers& operator+=(const Numbers& other);  // keeps this->precision, as __add__ does
};

// format_lines(): "1-2, 5-11, 13-14", with "4->6" / "4->exit" for missing branch arcs
// whose start line is not itself missing. `statements` and `lines` sorted; lines ⊆ statements.
std::string FormatLines(const std::vector<LineNo>& statements, const std::vector<LineNo>& lines,
                        const BranchArcs* arcs = nullptr);

// should_fail_under(): a fail_under outside [0, 100] is coverage.py's ConfigError
// "fail_under=101.0 is invalid. Must be between 0 and 100.".
Result<bool> ShouldFailUnder(double total, double fail_under, int precision);
// format_fail_under_msg(): "total of 85.71 is less than fail-under=90.00".
std::string FormatFailUnderMsg(double total, double fail_under, int precision);

// results.Analysis: one file's statements and arcs against its measured data. Every line and
// arc list is sorted and unique; the maps are ordered by line, which is also the order
// coverage.py's dicts have wherever a report iterates them.
struct Analysis {
  std::string filename;  // the data file's name for it (Coverage._file_mapper(fr.filename))
  bool has_arcs = false;
  std::vector<LineNo> statements, excluded, executed, missing;
  std::vector<Arc> arc_possibilities, arcs_executed;
  LineMap<int> exit_counts;
  std::vector<LineNo> no_branch;
  Numbers numbers;
  // missing_branch_arcs(), computed once by FromSets: every report asks for it, most of
  // them twice (directly and through BranchStats).
  BranchArcs missing_branch_arcs;

  // analysis_from_file_reporter(): `measured_lines` / `measured_arcs` are what the data holds
  // for the file (in the queried contexts), unsorted and raw; arcs only with branch data.
  static Analysis FromFile(const FileAnalysis& fa, std::string filename, bool has_arcs,
                           std::vector<LineNo> measured_lines, std::vector<Arc> measured_arcs,
                           int precision);
  // The dataclass constructor (__post_init__): fills missing and numbers from the sets.
  static Analysis FromSets(std::string filename, bool has_arcs, std::vector<LineNo> statements,
                           std::vector<LineNo> excluded, std::vector<LineNo> executed,
                           std::vector<Arc> arc_possibilities, std::vector<Arc> arcs_executed,
                           LineMap<int> exit_counts, std::vector<LineNo> no_branch,
                           int precision);

  // The numbers FromSets gives for these sets, counted without building the Analysis (the
  // HTML index's function and class rows need only the numbers). Each list sorted and
  // unique, as FromSets makes them.
  static Numbers NumbersOf(bool has_arcs, const std::vector<LineNo>& statements,
                           const std::vector<LineNo>& excluded, const std::vector<LineNo>& executed,
                           const std::vector<Arc>& arc_possibilities, const std::vector<Arc>& arcs_executed,
                           const LineMap<int>& exit_counts, const std::vector<LineNo>& no_branch, int precision);

  std::vector<LineNo> BranchLines() const;  // lines with more than one exit
  const BranchArcs& MissingBranchArcs() const { return missing_branch_arcs; }
  BranchArcs ExecutedBranchArcs() const;
  LineMap<std::pair<int, int>> BranchStats() const;  // line -> (exits, taken)
  std::string MissingFormatted(bool branches = false) const;
};

// results.AnalysisNarrower: an Analysis cut down to a region's lines (JSON functions and
// classes, LCOV functions). Add every region's lines first (one AddRegions call per group, as
// jsonreport.py does: within one call, a line belongs to the last region listing it); then
// Narrow(lines) for one of the added line sets. A region is identified by its set of lines.
class AnalysisNarrower {
 public:
  explicit AnalysisNarrower(const Analysis& analysis);
  ~AnalysisNarrower();
  // Each entry: one region's lines (any order, duplicates allowed).
  void AddRegions(const std::vector<std::vector<LineNo>>& regions);
  Analysis Narrow(std::vector<LineNo> lines) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- Python text behaviour the reports need ---------------------------------------------

// A Python minor version as an int (11 for 3.11); 0 when unknown (treated as 3.11).
int PythonMinor(std::string_view version);
// len() of a str holding UTF-8 `s` (invalid bytes count one each).
size_t CodePoints(std::string_view s);
// str.isprintable() of one code point, for the Unicode database of Python 3.<minor>.
bool IsPrintable(uint32_t cp, int minor);
// misc.neutralize_control(): every non-printable character becomes '?'.
std::string NeutralizeControl(std::string_view s, int minor);
// report.escape_markdown(): '\' before ASCII punctuation other than . , / -
std::string EscapeMarkdown(std::string_view s);
// misc._human_key order: digit runs compare as numbers, then the whole strings.
int HumanCompare(std::string_view a, std::string_view b);
// "; see <url>/messages.html#error-<slug>" after the message without its trailing dots.
std::string WithErrorSlug(std::string_view message, std::string_view slug);

// ---- the reporting session --------------------------------------------------------------

// Where output other than the report itself goes. Defaults (all nullptr) print as coverage.py
// does: warnings as "CoverageWarning: <text>" and messages and debug lines as they are, on
// stderr.
struct Sink {
  std::function<void(const std::string&)> warn;     // text already has its slug suffix
  std::function<void(const std::string&)> message;  // "Combined 2 files" (Coverage._message)
  std::function<void(const std::string&)> debug;    // --debug=combine,pathmap lines
};

struct SessionOptions {
  std::string cwd;                         // absolute current directory
  std::optional<std::string> data_file;    // --data-file (else [run] data_file / COVERAGE_FILE)
  bool keep_combined = false;              // --keep-combined
  bool messages = true;                    // false with -q (json, xml, lcov)
  std::vector<std::string> debug;          // --debug items, added to [run] debug
  // The exact fallback: coverage.py's own parser in this interpreter.
  std::string python = "python3";
  std::optional<std::string> python_version;  // --python-version; else [covalesce], else probed
  bool native = true;                      // --analysis=native (the default); false: --analysis=python
  bool use_cache = true;                   // --no-cache turns .covalesce_cache off
  size_t jobs = 0;                         // helper processes; 0: automatic
  bool want_source = false;                // keep source lines (LCOV checksums, HTML)
  // Write the analysis cache on a thread of its own while the reports are made; the
  // caller calls FinishBackground() before its last notices.
  bool background_store = false;
  // Write the combined data file and then delete the shards it holds on a thread of their
  // own, while the files are selected and analysed. The "Combined" message, and anything the
  // session says after it, waits for them (Settle); AnalysisToReport settles before it
  // returns, answering a failed write or delete with its error before any report is made.
  bool background_write = false;
};

// One file a report covers, in coverage.py's order (ascending `filename`).
struct FileReport {
  std::string morf;               // a measured path, or a name given on the command line
  std::string filename;           // FileReporter.filename (canonical unless relative_files)
  std::string relative_filename;  // FileReporter.relative_filename(): the name reports show
  std::shared_ptr<const FileAnalysis> parsed;  // the static analysis (regions, source, arcs...)
  Analysis analysis;              // against the data, in the queried contexts
};

class Session {
 public:
  // `config` is the effective configuration: the caller has applied its command-line
  // overrides (include, omit, contexts, ignore_errors, precision, ...) already.
  Session(Config config, SessionOptions options, Sink sink, Timings& timings);
  ~Session();
  Session(Session&&) noexcept;

  const Config& config() const;
  Config& config();
  const SessionOptions& options() const;
  // The absolute data file name.
  const std::string& data_file() const;

  // load() + combine(strict=False, keep) + [paths] remap. Combines the shards beside the data
  // file into it (rewriting it) and deletes them unless keep_combined; prints "Combined ..."
  // through the sink. A hard combine error is returned with nothing written or deleted.
  Status LoadData();
  const CoverageData& data() const;
  bool has_arcs() const;  // CoverageData.has_arcs() of the data reported on

  // set_query_contexts(config().contexts): a bad regex is coverage.py's ConfigError
  // "Invalid context regex '(': missing ), unterminated subpattern at position 0".
  Status SetQueryContexts();

  // get_analysis_to_report(): file reporters for `morfs` (every measured file when empty),
  // [report] include / omit, analysis, and coverage.py's handling of files that fail
  // (warnings with ignore_errors, else the first failure in filename order is the Error).
  // "No data to report." when nothing is selected. Call LoadData() and SetQueryContexts()
  // first.
  Result<std::vector<FileReport>> AnalysisToReport(const std::vector<std::string>& morfs);

  // CoverageData.contexts_by_lineno(filename) in the queried contexts, each list sorted.
  std::map<LineNo, std::vector<std::string>> ContextsByLineno(const FileReport& file) const;

  // Coverage._warn(): dropped when [run] disable_warnings names the slug, and (as Python's
  // warnings module does) printed only once per text.
  void Warn(const std::string& message, const std::string& slug = "");
  // Coverage._message(): unless messages are off.
  void Message(const std::string& message);

  // The Python minor version modelled (11 for 3.11), known after AnalysisToReport() or after
  // the python fallback was probed; from the options or [covalesce] before that.
  int python_minor() const;
  // "covalesce: ..." lines covalesce itself has to say (e.g. that native analysis is not
  // available yet), for the command to print on stderr.
  const std::vector<std::string>& notices() const;
  // Waits for work left running beside the reports (the analysis cache's store, and the
  // shards' deletes if AnalysisToReport did not already); the store's warnings join
  // notices(), a failed delete is the answer.
  Status FinishBackground();
  // Waits for the background write and deletes (background_write) and says the combine's
  // message; their error, if they failed (then for good: nothing after it is said).
  Status Settle();
  // Cache hits and misses of the last analysis.
  const AnalysisStats& analysis_stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// report_core.render_report(): writes a one-file report to `output_path` ("-" is stdout),
// creating its directory, and then says "Wrote <report_type> to <path>" through
// Session::Message (report_type is e.g. "JSON report"). A write that fails is the Error
// Python's open() would raise, as an uncaught exception.
Status WriteReport(Session& session, const std::string& output_path, std::string_view report_type,
                   std::string_view content);

// Where a report's text goes as it is made, piece by piece.
using TextSink = std::function<void(std::string_view)>;

// A report's text parked until it is written where it belongs (`covalesce all` builds its
// reports in parallel and writes them in coverage.py's order), so that it is never whole in
// memory. Spool::Beside parks it in the temporary file the report will be renamed from (so
// WriteReport moves it into place instead of copying it, and Finish fsyncs it while the
// other reports are still being made); a plain Spool in an unnamed temporary file, or in
// memory when no temporary file can be made.
class Spool {
 public:
  Spool();
  // A spool in a temporary file beside `path` (TempPathBeside), when `path` is a file whose
  // directory exists; otherwise a plain Spool.
  static std::unique_ptr<Spool> Beside(const std::string& path);
  ~Spool();  // a temporary file beside a target that was never renamed is removed
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  void Write(std::string_view text);
  TextSink Sink() {
    return [this](std::string_view text) { Write(text); };
  }
  // A Beside spool's file flushed and fsynced, so that WriteReport has only a rename left;
  // an error is kept for WriteReport to report. Nothing for a plain Spool.
  void Finish();
  // Copies the text to `f`: false (errno set) on a read or write error.
  bool CopyTo(std::FILE* f);
  // Drops the text.
  void Clear();

 private:
  friend Status WriteReport(Session& session, const std::string& output_path, std::string_view report_type,
                            Spool& content);
  explicit Spool(std::nullptr_t) {}  // no file yet: Beside opens its own
  std::FILE* file_ = nullptr;
  std::string memory_;
  int error_ = 0;         // the errno of a failed write to file_
  std::string target_;    // Beside: the report's path ...
  std::string temp_;      // ... and the temporary file beside it, until renamed
};

// WriteReport of a spooled text.
Status WriteReport(Session& session, const std::string& output_path, std::string_view report_type, Spool& content);

// Prints an Error the way coverage.py's main() shows it: a coverage.py error on stdout; an
// error that coverage.py shows as an uncaught exception ("Traceback (most recent call
// last):..." text) on stderr. Returns 1, the exit status.
int PrintError(const Error& error);
// An Error that stands for an uncaught Python exception, e.g. ("KeyError", "'plugin'").
Error UncaughtError(std::string_view type, std::string_view text);

// ---- what every report command shares on its command line --------------------------------

// The report options a command line gave (nullopt: not given), as coverage.py's cmdline
// passes them to Coverage.report() & co.
struct ReportArgs {
  std::vector<std::string> morfs;  // positional arguments
  std::optional<std::vector<std::string>> include, omit, contexts;
  std::optional<bool> ignore_errors, show_missing, skip_covered, skip_empty;
  std::optional<int> precision;
  std::optional<std::string> sort, format;
  std::optional<double> fail_under;
};

// cmdline.unshell_list(): "a,b" -> {"a", "b"}; nothing or "" -> nullopt.
std::optional<std::vector<std::string>> UnshellList(const std::optional<std::string>& value);

// override_config() / CoverageConfig.from_args(): every given value replaces the config's.
void ApplyReportArgs(const ReportArgs& args, Config& config);

// The end of coverage.py's command_line(): fail_under and precision from the command line,
// else from the config; when the total is under, prints "Coverage failure: total of ... is
// less than fail-under=..." on stdout and returns 2, else 0. A fail_under outside [0, 100] is
// the Error coverage.py shows.
Result<int> CheckFailUnder(double total, const ReportArgs& args, const Config& config);

// ---- the summary (terminal) report ------------------------------------------------------

// SummaryReporter: text, markdown and total formats, with [report] format, show_missing,
// skip_covered, skip_empty, precision and sort taken from the session's config. Checks the
// format first ("Unknown report format choice: 'x'") and, like coverage.py, analyses only
// after that. Writes the report to `out` and returns total.pc_covered for fail-under.
Result<double> SummaryReport(Session& session, const std::vector<std::string>& morfs,
                             std::string& out);
// The two halves, for a caller that analyses once for several reports (`covalesce all`):
// the format check SummaryReporter's constructor makes, and the report from files already
// analysed (SetQueryContexts + AnalysisToReport done by the caller).
Status CheckSummaryFormat(const Config& config);
Result<double> WriteSummaryReport(const Session& session, const std::vector<FileReport>& files,
                                  std::string& out);

}  // namespace covalesce::report
