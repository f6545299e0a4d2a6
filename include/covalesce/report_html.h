// `covalesce html`: the information of coverage.py 7.17.3's HTML report (html.py), in
// covalesce's own markup, CSS and JavaScript (html_assets.cc).
//
// What matches coverage.py: which files get a page (skip_covered / skip_empty, with the
// totals still counting every file), the page names (files.flat_rootname: index.html,
// x_py.html, z_<sha3 of the directory>_x_py.html), every line's status (run / mis / exc /
// par, continuation lines of a multi-line statement with their statement's status), the
// partial-branch annotations ("12 ↛ 14" and "line 12 didn't jump to line 14 because ..."),
// the contexts of each line with show_contexts, the index rows and totals, the function and
// class index rows (coverage.py's regions narrowed as its AnalysisNarrower does), the
// "N files skipped due to complete coverage." notes, and the message and return value.
//
// What is covalesce's own: the markup, which gives automation stable hooks instead of
// classes to scrape — every source line element has data-line and data-status ("run",
// "mis", "exc", "par" or ""), each file page's <body> and each index row have data-file and
// data-statements, data-missing, data-excluded, data-branches, data-partial, data-percent;
// the static assets (one CSS and one JS file, named by a hash of their content); and the
// incremental manifest, covalesce-html.json, which replaces coverage.py's status.json: a page
// is rewritten only when its source, its data, its neighbours or the report's settings (or
// covalesce's version) changed. Pages are built and written in parallel (tbb), each through a
// temporary file renamed into place, so a reader never sees half a page.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "covalesce/report.h"

namespace covalesce::report {

struct HtmlOptions {
  std::string directory = "htmlcov";    // -d / [html] directory
  std::string title = "Coverage report";  // --title / [html] title
  std::optional<std::string> extra_css;  // [html] extra_css: a file copied beside the pages
  bool show_contexts = false;
  bool skip_covered = false;  // [html] skip_covered, else [report] skip_covered
  bool skip_empty = false;    // [html] skip_empty, else [report] skip_empty
};
// The options as coverage.py's HtmlReporter reads them from the (overridden) config.
HtmlOptions HtmlOptionsFrom(const Config& config);

struct HtmlResult {
  double total = 0.0;       // what HtmlReporter.report returns: 0 without statements
  std::string index_file;   // directory + "/index.html", for "Wrote HTML report to ..."
  size_t pages_written = 0, pages_kept = 0;
  // Busy time per stage, summed over threads (for --timings): regions, source, render, write,
  // index.
  std::vector<std::pair<std::string, double>> busy;
};

// The report of files already analysed (SetQueryContexts + AnalysisToReport done by the
// caller, with the [report] contexts). Writes the directory; says nothing (the caller says
// "Wrote HTML report to <index_file>" through Session::Message). A failure to write is the
// Error Python's open() would have raised.
Result<HtmlResult> WriteHtmlReport(const Session& session, const std::vector<FileReport>& files,
                                   const HtmlOptions& options);

// HtmlDataGeneration's warning: show_contexts on data whose only context is "".
bool NoContextsMeasured(const CoverageData& data);

// ---- pieces, exposed for the unit tests --------------------------------------------------

// files.flat_rootname(): "a/b/c.py" -> "z_86bbcbe134d28fd2_c_py", "c.py" -> "c_py".
std::string FlatRootname(std::string_view relative_filename);
// Text or a double-quoted attribute value: & < > " ' as entities; C0 controls (but tab and
// newline) and DEL as their visible Control Pictures (U+2400...); bytes that are not UTF-8
// as U+FFFD.
void AppendHtmlEscaped(std::string& out, std::string_view text);
std::string HtmlEscape(std::string_view text);
// Element text only (source lines): as AppendHtmlEscaped, but quotes stay as they are.
void AppendHtmlText(std::string& out, std::string_view text);
// A page name as a relative URL: every byte outside [A-Za-z0-9._~-] percent-encoded.
std::string UrlEscape(std::string_view name);
// A JSON string safe inside an inline <script>: json.dumps(ensure_ascii) with < > & also as
// \u escapes, so "</script>" or "<!--" cannot end or change the element.
std::string ScriptJsonString(std::string_view utf8);
// The decoded source's lines as highlighted markup, appended to `html`, each line's end offset
// pushed to `ends` (lines as coverage.py's source_token_lines() has them: split at "\n",
// tabs expanded to 8 columns). HighlightSource: the same, one string per line (for tests).
void HighlightLines(std::string_view text, int python_minor, std::string& html, std::vector<size_t>& ends);
std::vector<std::string> HighlightSource(std::string_view text, int python_minor);

}  // namespace covalesce::report
