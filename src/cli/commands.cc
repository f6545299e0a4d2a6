// The command table and the options several commands share.
#include "commands.h"

#include <algorithm>
#include <string_view>
#include <utility>

namespace covalesce::cli {

using T = OptionSpec::Type;

OptionSpec Flag(std::string short_name, std::string long_name, std::string help) {
  std::string dest = long_name.substr(2);
  std::replace(dest.begin(), dest.end(), '-', '_');
  return {std::move(short_name), std::move(long_name), std::move(dest), T::kFlag, "", std::move(help)};
}
OptionSpec Flag(std::string long_name, std::string help) { return Flag("", std::move(long_name), std::move(help)); }
OptionSpec Value(std::string long_name, T type, std::string metavar, std::string help) {
  OptionSpec o = Flag(std::move(long_name), std::move(help));
  o.type = type;
  o.metavar = std::move(metavar);
  return o;
}

OptionSpec DataFileOption() {
  return Value("--data-file", T::kString, "DATAFILE",
               "Base name of the data files to operate on. Defaults to '.coverage'. [env: COVERAGE_FILE]");
}
OptionSpec DebugOption() {
  return Value("--debug", T::kString, "OPTS", "Debug options, separated by commas. [env: COVERAGE_DEBUG]");
}
OptionSpec HelpOption() { return Flag("-h", "--help", "Get help on this command."); }
OptionSpec RcfileOption() {
  return Value("--rcfile", T::kString, "RCFILE",
               "Specify configuration file. By default '.coveragerc', 'setup.cfg', 'tox.ini', and "
               "'pyproject.toml' are tried. [env: COVERAGE_RCFILE]");
}
OptionSpec TimingsOption() { return Flag("--timings", "Print each phase's wall time on stderr."); }

// -o of the json, lcov and xml commands: coverage.py gives it no long name.
OptionSpec OutfileOption(const std::string& report, const std::string& default_file) {
  return {"-o", "", "outfile", T::kString, "OUTFILE",
          "Write the " + report + " report to this file. Defaults to '" + default_file + "'"};
}

// --include and --omit, whose help texts coverage.py words alike.
OptionSpec PatternsOption(std::string long_name, const std::string& verb) {
  return Value(std::move(long_name), T::kString, "PAT1,PAT2,...",
               verb + " files whose paths match one of these patterns. Accepts shell-style wildcards, which must be "
                      "quoted.");
}

int RunReport(const Parsed& options);  // cmd_report.cc

// The options coverage.py's report commands share, with its help texts, and the options
// covalesce's report commands add after coverage.py's; looked up by long name without "--".
OptionSpec ReportOption(std::string_view name) {
  static const std::vector<OptionSpec> options = {
      Value("--contexts", T::kString, "REGEX1,REGEX2,...",
            "Only display data from lines covered in the given contexts. Accepts Python regexes, which must be "
            "quoted."),
      Value("--data-file", T::kString, "INFILE",
            "Read coverage data for report generation from this file. Defaults to '.coverage'. [env: COVERAGE_FILE]"),
      Value("--fail-under", T::kFloat, "MIN", "Exit with a status of 2 if the total coverage is less than MIN."),
      Flag("-i", "--ignore-errors", "Ignore errors while reading source files."),
      PatternsOption("--include", "Include only"),
      Flag("--keep-combined", "Keep original coverage files, otherwise they are deleted after combining."),
      PatternsOption("--omit", "Omit"),
      Value("--precision", T::kInt, "N",
            "Number of digits after the decimal point to display for reported coverage percentages."),
      Flag("-q", "--quiet", "Don't print messages about what is happening."),
      Flag("-m", "--show-missing", "Show line numbers of statements in each module that weren't executed."),
      Flag("--show-contexts", "Show contexts for covered lines."),
      Flag("--skip-covered", "Skip files with 100% coverage."),
      {"", "--no-skip-covered", "skip_covered", T::kFalseFlag, "", "Disable --skip-covered."},
      Flag("--skip-empty", "Skip files with no code."),
      // covalesce's own.
      Value("--analysis", T::kString, "KIND",
            "How source files are analysed: 'native' (covalesce's own parser, the default; files it cannot answer "
            "exactly go to 'python' with a notice) or 'python' (coverage.py's own parser, run by --python)."),
      Flag("--no-cache", "Neither read nor write the analysis cache (.covalesce_cache beside the data file)."),
      Value("--python", T::kString, "EXE",
            "The Python interpreter, with coverage.py installed, for --analysis=python and the files native "
            "analysis hands over. Defaults to 'python3'."),
      Value("--python-version", T::kString, "X.Y",
            "The Python version whose behaviour is modelled (3.11, 3.12 or 3.13; others use --analysis=python). "
            "Defaults to [covalesce] python_version, else the version of --python, else 3.13."),
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

// A report command's options: coverage.py's own for the command, then the ones coverage.py
// gives every command, then covalesce's.
std::vector<OptionSpec> ReportCommandOptions(std::vector<OptionSpec> options) {
  options.insert(options.end(), {DebugOption(), HelpOption(), RcfileOption(), ReportOption("analysis"),
                                 ReportOption("no-cache"), ReportOption("python"), ReportOption("python-version"),
                                 TimingsOption()});
  return options;
}

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {{"all",
        "[options] [modules]",
        "Combine the data files beside the data file, analyse each measured file once, and "
        "write every report the configuration asks for ([covalesce] reports; default: report, "
        "json, xml, lcov, html) from that one analysis, in parallel. Stands in for 'coverage "
        "combine; coverage report; coverage json; coverage xml; coverage lcov; coverage html'.",
        ReportCommandOptions(
            {ReportOption("contexts"), ReportOption("data-file"), ReportOption("fail-under"),
             ReportOption("ignore-errors"), ReportOption("include"),
             Flag("--keep", "Keep original coverage files, otherwise they are deleted after combining."),
             ReportOption("omit"), Flag("--quick", "Write only the terminal report and the JSON report."),
             ReportOption("quiet"),
             Value("--reports", T::kString, "REPORT1,REPORT2,...",
                   "The reports to write: report, json, xml, lcov, html. Defaults to [covalesce] reports, else all."),
             ReportOption("show-missing")})},
       RunAll,
       "Combine, then write every configured report in one pass."},
      {{"combine",
        "[options] <path1> <path2> ... <pathN>",
        "Combine data from multiple coverage files. The combined results are written to a "
        "single file representing the union of the data. The positional arguments are data "
        "files or directories containing data files. If no paths are provided, data files in "
        "the default data file's directory are combined.",
        {Flag("-a", "--append", "Append data to the data file. Otherwise it starts clean each time."),
         DataFileOption(),
         Flag("--keep", "Keep original coverage files, otherwise they are deleted."),
         ReportOption("quiet"), DebugOption(), HelpOption(), RcfileOption(),
         Flag("--watch",
              "Combine shards as their writers finish them, while the tests still run, until an end condition "
              "(--until, --pid, --workers, --until-idle) or SIGINT/SIGTERM; then write the data file."),
         Value("--until", T::kString, "FILE", "With --watch: end once FILE exists."),
         Value("--pid", T::kString, "PID1,PID2,...", "With --watch: end once these processes have exited."),
         Value("--workers", T::kInt, "N", "With --watch: end once N shards have been combined (or found unusable)."),
         Value("--until-idle", T::kFloat, "SECONDS", "With --watch: end after SECONDS with no new shard."),
         Value("--settle", T::kFloat, "SECONDS", "With --watch: how long a shard whose writer cannot be watched "
               "(another host, a custom suffix) must be unchanged before it is read. Defaults to 1."),
         Value("--grace", T::kFloat, "SECONDS", "With --watch: after the end condition, how long shards still "
               "being written are waited for before they are reported and kept. Defaults to 10."),
         TimingsOption()}},
       RunCombine,
       "Combine a number of data files."},
      {{"debug",
        "<topic>",
        "Display information about the internals of covalesce, for diagnosing problems. "
        "Topics are: 'shards FILE...' to check that the direct page reader and SQLite read "
        "each data file alike; 'ast FILE...' to print the Python parser's tree of each file.",
        {DebugOption(), HelpOption(), RcfileOption(),
         Value("--python-version", T::kString, "X.Y", "The Python whose grammar is modelled (3.11, 3.12 or 3.13)."),
         Flag("--ast-digest", "For 'ast': print a SHA-256 of each file's dump instead of the dump."),
         TimingsOption()}},
       RunDebug,
       "Display information about the internals of covalesce"},
      {{"html",
        "[options] [modules]",
        "Create an HTML report of coverage results. Each file gets its own page, with the "
        "source decorated to show executed, excluded, and missed lines.",
        ReportCommandOptions(
            {ReportOption("contexts"),
             {"-d", "--directory", "directory", T::kString, "DIR", "Write the output files to DIR."},
             ReportOption("data-file"), ReportOption("fail-under"), ReportOption("ignore-errors"),
             ReportOption("include"), ReportOption("keep-combined"), ReportOption("omit"),
             ReportOption("precision"), ReportOption("quiet"), ReportOption("show-contexts"),
             ReportOption("skip-covered"), ReportOption("no-skip-covered"), ReportOption("skip-empty"),
             Value("--title", T::kString, "TITLE", "A text string to use as the title on the HTML.")})},
       RunHtml,
       "Create an HTML report."},
      {{"json",
        "[options] [modules]",
        "Generate a JSON report of coverage results.",
        ReportCommandOptions(
            {ReportOption("contexts"), ReportOption("data-file"), ReportOption("fail-under"),
             ReportOption("ignore-errors"), ReportOption("include"), ReportOption("keep-combined"),
             ReportOption("omit"), OutfileOption("JSON", "coverage.json"),
             Flag("--pretty-print", "Format the JSON for human readers."), ReportOption("quiet"),
             ReportOption("show-contexts")})},
       RunJson,
       "Create a JSON report of coverage results."},
      {{"lcov",
        "[options] [modules]",
        "Generate an LCOV report of coverage results.",
        ReportCommandOptions({ReportOption("data-file"), ReportOption("fail-under"), ReportOption("ignore-errors"),
                              ReportOption("include"), ReportOption("keep-combined"),
                              OutfileOption("LCOV", "coverage.lcov"), ReportOption("omit"), ReportOption("quiet")})},
       RunLcov,
       "Create an LCOV report of coverage results."},
      {{"report",
        "[options] [modules]",
        "Report coverage statistics on modules.",
        ReportCommandOptions(
            {ReportOption("contexts"), ReportOption("data-file"), ReportOption("fail-under"),
             Value("--format", T::kString, "FORMAT", "Output format, either text (default), markdown, or total."),
             ReportOption("ignore-errors"), ReportOption("include"), ReportOption("keep-combined"),
             ReportOption("omit"), ReportOption("precision"),
             Value("--sort", T::kString, "COLUMN",
                   "Sort the report by the named column: name, stmts, miss, branch, brpart, or cover. Default is "
                   "name."),
             ReportOption("show-missing"), ReportOption("skip-covered"), ReportOption("no-skip-covered"),
             ReportOption("skip-empty")})},
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
         Flag("--keep-temp", "Keep the temporary directory with both tools' inputs and outputs, and print its name."),
         ReportOption("omit"),
         Value("--reports", T::kString, "REPORT1,REPORT2,...",
               "The reports to compare: report, json, xml, lcov, html. Defaults to all."),
         HelpOption(), RcfileOption(), ReportOption("analysis"), ReportOption("no-cache"),
         Value("--python", T::kString, "EXE",
               "The Python interpreter with coverage.py installed, which runs coverage.py's side (and covalesce's "
               "exact fallback). Defaults to 'python3'."),
         ReportOption("python-version")}},
       RunVerify,
       "Compare covalesce's reports with coverage.py's on your data."},
      {{"xml",
        "[options] [modules]",
        "Generate an XML report of coverage results.",
        ReportCommandOptions({ReportOption("data-file"), ReportOption("fail-under"), ReportOption("ignore-errors"),
                              ReportOption("include"), ReportOption("keep-combined"), ReportOption("omit"),
                              OutfileOption("XML", "coverage.xml"), ReportOption("quiet"),
                              ReportOption("skip-empty")})},
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
