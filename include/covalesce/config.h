// coverage.py configuration: which file is read, its sections and values, environment
// expansion, and the typed settings covalesce uses. Mirrors coverage/config.py and
// coverage/tomlconfig.py of coverage.py 7.17.3 (see ../shared/spec/config.md).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "covalesce/result.h"

namespace covalesce {

// Environment lookup, injected so tests need no global state.
using GetEnv = std::function<std::optional<std::string>(const std::string&)>;
GetEnv ProcessEnv();

// One [paths] entry: values[0] is the canonical location, the rest are patterns.
struct PathsEntry {
  std::string name;
  std::vector<std::string> values;
};

struct Config {
  std::string config_file;            // the file actually read, "" if none
  bool config_file_is_ours = false;   // .coveragerc / --rcfile / .coveragerc.toml

  // [run]
  std::string data_file = ".coverage";  // after COVERAGE_FILE; not yet made absolute
  bool branch = false;
  bool parallel = false;
  bool relative_files = false;
  std::optional<std::vector<std::string>> source;
  std::vector<std::string> disable_warnings;
  std::vector<std::string> debug;     // plus COVERAGE_DEBUG items
  std::vector<std::string> plugins;

  // [paths], in file order
  std::vector<PathsEntry> paths;

  // [report]
  // Defaults copied from coverage.py 7.17.3 (DEFAULT_EXCLUDE, DEFAULT_PARTIAL,
  // DEFAULT_PARTIAL_ALWAYS). After LoadConfig, exclude_lines includes exclude_also and
  // partial_branches includes partial_also, as coverage.py's post-processing leaves them.
  std::vector<std::string> exclude_lines = {
      R"(#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER))",
      R"(^\s*(((async )?def .*?)?[\])]+(\s*->.*?)?:\s*)?\.\.\.\s*(#|$))",
      R"(^\s*if (typing\.)?TYPE_CHECKING:)",
  };
  std::vector<std::string> exclude_also;
  std::vector<std::string> partial_branches = {
      R"(#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(branch|BRANCH))",
  };
  std::vector<std::string> partial_also;
  std::vector<std::string> partial_branches_always = {
      R"(^\s*while (True|1|False|0):)",
      R"(^\s*if (True|1|False|0):)",
  };
  double fail_under = 0.0;
  int precision = 0;
  bool show_missing = false;
  bool skip_covered = false;
  bool skip_empty = false;
  std::optional<std::string> sort;
  std::optional<std::string> format;
  std::optional<std::vector<std::string>> report_include;
  std::optional<std::vector<std::string>> report_omit;
  bool ignore_errors = false;
  std::optional<std::vector<std::string>> contexts;

  // [html]
  std::string html_dir = "htmlcov";
  std::string html_title = "Coverage report";
  std::optional<std::string> extra_css;
  bool html_show_contexts = false;
  std::optional<bool> html_skip_covered;
  std::optional<bool> html_skip_empty;

  // [xml]
  std::string xml_output = "coverage.xml";
  int xml_package_depth = 99;

  // [json]
  std::string json_output = "coverage.json";
  bool json_pretty_print = false;
  bool json_show_contexts = false;

  // [lcov]
  std::string lcov_output = "coverage.lcov";
  bool lcov_line_checksums = false;

  // [covalesce] (our own section; ignored by coverage.py)
  std::optional<std::string> python_version;
  std::optional<std::vector<std::string>> reports;

  // Non-fatal messages to print on stderr, e.g. "Unrecognized option '[run] foo=' in config file x".
  std::vector<std::string> warnings;
};

// Reads the configuration the way coverage.py does from the current directory `cwd`.
// `rcfile` is the --rcfile argument if given. Errors carry coverage.py's exact text, e.g.
// "Couldn't read 'x.ini' as a config file".
Result<Config> LoadConfig(const std::optional<std::string>& rcfile, const std::string& cwd,
                          const GetEnv& env);

}  // namespace covalesce
