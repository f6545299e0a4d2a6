// `covalesce json`: coverage.py 7.17.3's JsonReporter (jsonreport.py), format 3, written
// byte for byte as `json.dump(report, f, indent=4 if pretty_print else None)` writes it:
// ensure_ascii escapes, Python's float repr, coverage.py's key order, no trailing newline.
//
// Two fields differ from coverage.py's, by design:
//   meta.timestamp  the time of this run (datetime.now().isoformat(), local time);
//   meta.version    covalesce's version (e.g. "0.1.0") instead of coverage.py's: the report
//                   names its producer's version, as the issue asks. meta.format stays 3.
// Everything else matches. The per-line lists of --show-contexts are sorted (coverage.py
// writes them, and the line keys, in an order that depends on its SQLite rows); compare
// them as sets.
//
// Also here: render_report() as coverage.py runs it around a one-file reporter (shared by
// `covalesce json` and `covalesce lcov`).
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "covalesce/report.h"

namespace covalesce::report {

// The JSON report of files already analysed: the caller has called SetQueryContexts() and
// AnalysisToReport() (JsonReporter queries the config's [report] contexts; the other one-file
// reports do not). [json] pretty_print and show_contexts and [report] precision come from
// session.config(). Appends the report to `out` and returns what JsonReporter.report returns
// for the fail-under check: 0 when there are no statements, else the total pc_covered.
// `timestamp`: meta.timestamp; empty means now (IsoTimestampNow()).
Result<double> WriteJsonReport(const Session& session, const std::vector<FileReport>& files,
                               std::string& out, std::string_view timestamp = {});
// The same, handing the text to `write` piece by piece as it is made (a batch of files at a
// time): the report is never whole in memory. On an error, what was written is to be dropped.
Result<double> WriteJsonReport(const Session& session, const std::vector<FileReport>& files,
                               const TextSink& write, std::string_view timestamp = {});

// The whole of JsonReporter.report(): SetQueryContexts, AnalysisToReport(morfs), and the report.
Result<double> JsonReport(Session& session, const std::vector<std::string>& morfs, std::string& out);

// json.dumps() of a str held as UTF-8, with ensure_ascii: \" \\ \n \r \t \b \f, \u00XX for
// other controls and DEL, \uXXXX (surrogate pairs above U+FFFF) for non-ASCII; a byte that is
// not UTF-8 is the lone surrogate \udcXX that Python's surrogateescape would have made of it.
void AppendJsonString(std::string& out, std::string_view utf8);
// json.dumps() of a float: float.__repr__ (shortest round-trip digits), NaN and Infinity as
// Python spells them.
std::string JsonFloat(double value);
// datetime.datetime.now().isoformat(): "2025-01-31T12:34:56.123456" (no fraction when the
// microseconds are 0).
std::string IsoTimestampNow();

// report_core.render_report() around `produce`, which appends a report to its string and
// returns the reporter's total. For a file (not "-"), the directory is created and the file
// opened (truncating it) before `produce` runs, as coverage.py does, so an unwritable output
// is the error even when there is nothing to report; if `produce` fails, the file is deleted.
// On success the report is written through WriteReport(), which says "Wrote <report_type> to
// <path>"; "-" writes to stdout and says nothing.
Result<double> RenderReport(Session& session, const std::string& output_path,
                            std::string_view report_type,
                            const std::function<Result<double>(std::string&)>& produce);

}  // namespace covalesce::report
