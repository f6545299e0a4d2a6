// The command table and the options several commands share.
#include "commands.h"

#include <algorithm>
#include <string_view>
#include <utility>

namespace covalesce::cli {

using T = OptionSpec::Type;

OptionSpec DataFileOption() {
  return {"", "--data-file", "data_file", T::kString, "DATAFILE",
          "Base name of the data files to operate on. Defaults to '.coverage'. "
          "[env: COVERAGE_FILE]"};
}
OptionSpec DebugOption() {
  return {"", "--debug", "debug", T::kString, "OPTS",
          "Debug options, separated by commas. [env: COVERAGE_DEBUG]"};
}
OptionSpec HelpOption() { return {"-h", "--help", "help", T::kFlag, "", "Get help on this command."}; }
OptionSpec RcfileOption() {
  return {"", "--rcfile", "rcfile", T::kString, "RCFILE",
          "Specify configuration file. By default '.coveragerc', 'setup.cfg', 'tox.ini', and "
          "'pyproject.toml' are tried. [env: COVERAGE_RCFILE]"};
}
OptionSpec TimingsOption() {
  return {"", "--timings", "timings", T::kFlag, "", "Print each phase's wall time on stderr."};
}

int RunReport(const Parsed& options);  // cmd_report.cc

// The options coverage.py's report commands share, with its help texts, and the options
// covalesce's report commands add after coverage.py's; looked up by long name without "--".
OptionSpec ReportOption(std::string_view name) {
  static const std::vector<OptionSpec> options = {
      {"", "--contexts", "contexts", T::kString, "REGEX1,REGEX2,...",
       "Only display data from lines covered in the given contexts. Accepts Python regexes, "
       "which must be quoted."},
      {"", "--data-file", "data_file", T::kString, "INFILE",
       "Read coverage data for report generation from this file. Defaults to '.coverage'. "
       "[env: COVERAGE_FILE]"},
      {"", "--fail-under", "fail_under", T::kFloat, "MIN",
       "Exit with a status of 2 if the total coverage is less than MIN."},
      {"-i", "--ignore-errors", "ignore_errors", T::kFlag, "", "Ignore errors while reading source files."},
      {"", "--include", "include", T::kString, "PAT1,PAT2,...",
       "Include only files whose paths match one of these patterns. Accepts shell-style "
       "wildcards, which must be quoted."},
      {"", "--keep-combined", "keep_combined", T::kFlag, "",
       "Keep original coverage files, otherwise they are deleted after combining."},
      {"", "--omit", "omit", T::kString, "PAT1,PAT2,...",
       "Omit files whose paths match one of these patterns. Accepts shell-style wildcards, "
       "which must be quoted."},
      {"", "--precision", "precision", T::kInt, "N",
       "Number of digits after the decimal point to display for reported coverage "
       "percentages."},
      {"-q", "--quiet", "quiet", T::kFlag, "", "Don't print messages about what is happening."},
      {"-m", "--show-missing", "show_missing", T::kFlag, "",
       "Show line numbers of statements in each module that weren't executed."},
      {"", "--show-contexts", "show_contexts", T::kFlag, "", "Show contexts for covered lines."},
      {"", "--skip-covered", "skip_covered", T::kFlag, "", "Skip files with 100% coverage."},
      {"", "--no-skip-covered", "skip_covered", T::kFalseFlag, "", "Disable --skip-covered."},
      {"", "--skip-empty", "skip_empty", T::kFlag, "", "Skip files with no code."},
      // covalesce's own.
      {"", "--analysis", "analysis", T::kString, "KIND",
       "How source files are analysed: 'native' (covalesce's own parser, the default; files it "
       "cannot answer exactly go to 'python' with a notice) or 'python' (coverage.py's own "
       "parser, run by --python)."},
      {"", "--no-cache", "no_cache", T::kFlag, "",
       "Neither read nor write the analysis cache (.covalesce_cache beside the data file)."},
      {"", "--python", "python", T::kString, "EXE",
       "The Python interpreter, with coverage.py installed, for --analysis=python and the "
       "files native analysis hands over. Defaults to 'python3'."},
      {"", "--python-version", "python_version", T::kString, "X.Y",
       "The Python version whose behaviour is modelled (3.11, 3.12 or 3.13; others use "
       "--analysis=python). Defaults to [covalesce] python_version, else the version of "
       "--python, else 3.13."},
  };
  for (const OptionSpec& o : options) {
    if (std::string_view(o.long_name).substr(2) == name) return o;
  }
  return {};
}

int RunHtml(const Parsed& options);  // cmd_html.cc
int RunJson(const Parsed& options);  // cmd_json.cc
int RunLcov(const Parsed& options);  // cmd_lcov.cc
int RunXml(const Parsed& options);   // cmd_xml.cc
int RunAll(const Parsed& options);   // cmd_all.cc
int RunVerify(const Parsed& options);  // cmd_verify.cc

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {{"all",
        "[options] [modules]",
        "Combine the data files beside the data file, analyse each measured file once, and "
        "write every report the configuration asks for ([covalesce] reports; default: report, "
        "json, xml, lcov, html) from that one analysis, in parallel. Stands in for 'coverage "
        "combine; coverage report; coverage json; coverage xml; coverage lcov; coverage html'.",
        {ReportOption("contexts"), ReportOption("data-file"), ReportOption("fail-under"),
         ReportOption("ignore-errors"), ReportOption("include"),
         {"", "--keep", "keep", T::kFlag, "",
          "Keep original coverage files, otherwise they are deleted after combining."},
         ReportOption("omit"),
         {"", "--quick", "quick", T::kFlag, "", "Write only the terminal report and the JSON report."},
         ReportOption("quiet"),
         {"", "--reports", "reports", T::kString, "REPORT1,REPORT2,...",
          "The reports to write: report, json, xml, lcov, html. Defaults to [covalesce] reports, else "
          "all."},
         ReportOption("show-missing"), DebugOption(), HelpOption(), RcfileOption(), ReportOption("analysis"),
         ReportOption("no-cache"), ReportOption("python"), ReportOption("python-version"), TimingsOption()}},
       RunAll,
       "Combine, then write every configured report in one pass."},
      {{"combine",
        "[options] <path1> <path2> ... <pathN>",
        "Combine data from multiple coverage files. The combined results are written to a "
        "single file representing the union of the data. The positional arguments are data "
        "files or directories containing data files. If no paths are provided, data files in "
        "the default data file's directory are combined.",
        {{"-a", "--append", "append", T::kFlag, "",
          "Append data to the data file. Otherwise it starts clean each time."},
         DataFileOption(),
         {"", "--keep", "keep", T::kFlag, "",
          "Keep original coverage files, otherwise they are deleted."},
         ReportOption("quiet"), DebugOption(), HelpOption(), RcfileOption(),
         {"", "--watch", "watch", T::kFlag, "",
          "Combine shards as their writers finish them, while the tests still run, until an end "
          "condition (--until, --pid, --workers, --until-idle) or SIGINT/SIGTERM; then write the "
          "data file."},
         {"", "--until", "until", T::kString, "FILE", "With --watch: end once FILE exists."},
         {"", "--pid", "pid", T::kString, "PID1,PID2,...",
          "With --watch: end once these processes have exited."},
         {"", "--workers", "workers", T::kInt, "N",
          "With --watch: end once N shards have been combined (or found unusable)."},
         {"", "--until-idle", "until_idle", T::kFloat, "SECONDS",
          "With --watch: end after SECONDS with no new shard."},
         {"", "--settle", "settle", T::kFloat, "SECONDS",
          "With --watch: how long a shard whose writer cannot be watched (another host, a custom "
          "suffix) must be unchanged before it is read. Defaults to 1."},
         {"", "--grace", "grace", T::kFloat, "SECONDS",
          "With --watch: after the end condition, how long shards still being written are waited "
          "for before they are reported and kept. Defaults to 10."},
         TimingsOption()}},
       RunCombine,
       "Combine a number of data files."},
      {{"debug",
        "<topic>",
        "Display information about the internals of covalesce, for diagnosing problems. "
        "Topics are: 'shards FILE...' to check that the direct page reader and SQLite read "
        "each data file alike; 'ast FILE...' to print the Python parser's tree of each file.",
        {DebugOption(), HelpOption(), RcfileOption(),
         {"", "--python-version", "python_version", T::kString, "X.Y",
          "The Python whose grammar is modelled (3.11, 3.12 or 3.13)."},
         {"", "--ast-digest", "ast_digest", T::kFlag, "",
          "For 'ast': print a SHA-256 of each file's dump instead of the dump."},
         TimingsOption()}},
       RunDebug,
       "Display information about the internals of covalesce"},
      {{"html",
        "[options] [modules]",
        "Create an HTML report of coverage results. Each file gets its own page, with the "
        "source decorated to show executed, excluded, and missed lines.",
        {ReportOption("contexts"),
         {"-d", "--directory", "directory", T::kString, "DIR", "Write the output files to DIR."},
         ReportOption("data-file"), ReportOption("fail-under"),
         ReportOption("ignore-errors"), ReportOption("include"),
         ReportOption("keep-combined"), ReportOption("omit"), ReportOption("precision"),
         ReportOption("quiet"), ReportOption("show-contexts"), ReportOption("skip-covered"),
         ReportOption("no-skip-covered"), ReportOption("skip-empty"),
         {"", "--title", "title", T::kString, "TITLE", "A text string to use as the title on the HTML."},
         DebugOption(), HelpOption(), RcfileOption(), ReportOption("analysis"),
         ReportOption("no-cache"), ReportOption("python"), ReportOption("python-version"), TimingsOption()}},
       RunHtml,
       "Create an HTML report."},
      {{"json",
        "[options] [modules]",
        "Generate a JSON report of coverage results.",
        {ReportOption("contexts"), ReportOption("data-file"), ReportOption("fail-under"),
         ReportOption("ignore-errors"), ReportOption("include"),
         ReportOption("keep-combined"), ReportOption("omit"),
         {"-o", "", "outfile", T::kString, "OUTFILE",
          "Write the JSON report to this file. Defaults to 'coverage.json'"},
         {"", "--pretty-print", "pretty_print", T::kFlag, "", "Format the JSON for human readers."},
         ReportOption("quiet"), ReportOption("show-contexts"),
         DebugOption(), HelpOption(), RcfileOption(), ReportOption("analysis"),
         ReportOption("no-cache"), ReportOption("python"), ReportOption("python-version"), TimingsOption()}},
       RunJson,
       "Create a JSON report of coverage results."},
      {{"lcov",
        "[options] [modules]",
        "Generate an LCOV report of coverage results.",
        {ReportOption("data-file"), ReportOption("fail-under"), ReportOption("ignore-errors"),
         ReportOption("include"), ReportOption("keep-combined"),
         {"-o", "", "outfile", T::kString, "OUTFILE",
          "Write the LCOV report to this file. Defaults to 'coverage.lcov'"},
         ReportOption("omit"), ReportOption("quiet"), DebugOption(), HelpOption(), RcfileOption(),
         ReportOption("analysis"), ReportOption("no-cache"), ReportOption("python"),
         ReportOption("python-version"), TimingsOption()}},
       RunLcov,
       "Create an LCOV report of coverage results."},
      {{"report",
        "[options] [modules]",
        "Report coverage statistics on modules.",
        {ReportOption("contexts"), ReportOption("data-file"), ReportOption("fail-under"),
         {"", "--format", "format", T::kString, "FORMAT",
          "Output format, either text (default), markdown, or total."},
         ReportOption("ignore-errors"), ReportOption("include"), ReportOption("keep-combined"),
         ReportOption("omit"), ReportOption("precision"),
         {"", "--sort", "sort", T::kString, "COLUMN",
          "Sort the report by the named column: name, stmts, miss, branch, brpart, or cover. "
          "Default is name."},
         ReportOption("show-missing"), ReportOption("skip-covered"), ReportOption("no-skip-covered"),
         ReportOption("skip-empty"), DebugOption(), HelpOption(), RcfileOption(), ReportOption("analysis"),
         ReportOption("no-cache"), ReportOption("python"), ReportOption("python-version"), TimingsOption()}},
       RunReport,
       "Report coverage stats on modules."},
      {{"verify",
        "[options] [modules]",
        "Check covalesce against coverage.py on your own data: copies the shards (or the data "
        "file) into a temporary directory, runs coverage.py's combine, report -m, json, xml, lcov "
        "and html (in --python) and 'covalesce all -m' side by side in the current directory, "
        "compares every report, and prints for each 'identical' or the first lines that differ, "
        "then both wall times. Exit status 0 only when everything is identical. Inputs are never "
        "changed.",
        {ReportOption("contexts"), ReportOption("data-file"), ReportOption("fail-under"),
         ReportOption("ignore-errors"), ReportOption("include"),
         {"", "--keep-temp", "keep_temp", T::kFlag, "",
          "Keep the temporary directory with both tools' inputs and outputs, and print its name."},
         ReportOption("omit"),
         {"", "--reports", "reports", T::kString, "REPORT1,REPORT2,...",
          "The reports to compare: report, json, xml, lcov, html. Defaults to all."},
         HelpOption(), RcfileOption(), ReportOption("analysis"), ReportOption("no-cache"),
         {"", "--python", "python", T::kString, "EXE",
          "The Python interpreter with coverage.py installed, which runs coverage.py's side (and "
          "covalesce's exact fallback). Defaults to 'python3'."},
         ReportOption("python-version")}},
       RunVerify,
       "Compare covalesce's reports with coverage.py's on your data."},
      {{"xml",
        "[options] [modules]",
        "Generate an XML report of coverage results.",
        {ReportOption("data-file"), ReportOption("fail-under"), ReportOption("ignore-errors"),
         ReportOption("include"), ReportOption("keep-combined"), ReportOption("omit"),
         {"-o", "", "outfile", T::kString, "OUTFILE",
          "Write the XML report to this file. Defaults to 'coverage.xml'"},
         ReportOption("quiet"), ReportOption("skip-empty"), DebugOption(), HelpOption(), RcfileOption(),
         ReportOption("analysis"), ReportOption("no-cache"), ReportOption("python"),
         ReportOption("python-version"), TimingsOption()}},
       RunXml,
       "Create an XML report of coverage results."},
  };
  return commands;
}

const Command* FindCommand(const std::string& name) {
  for (const Command& c : Commands()) {
    if (c.spec.name == name) return &c;
  }
  return nullptr;
}

std::string CommandSummaries() {
  std::vector<std::pair<std::string, std::string>> lines;
  for (const Command& c : Commands()) {
    std::string summary = c.summary;
    if (summary.empty()) {
      const size_t end = c.spec.description.find(". ");
      summary = end == std::string::npos ? c.spec.description : c.spec.description.substr(0, end + 1);
    }
    lines.emplace_back(c.spec.name, summary);
  }
  lines.emplace_back("help", std::string("Get help on using ") + kProgram + ".");
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& [name, summary] : lines) {
    std::string padded = name;
    padded.resize(std::max<size_t>(name.size() + 1, 12), ' ');  // coverage.py's "%-12s" column
    out += "    " + padded + summary + "\n";
  }
  return out;
}

}  // namespace covalesce::cli
