// The command table and the options several commands share.
#include "commands.h"

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

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
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
         {"-q", "--quiet", "quiet", T::kFlag, "", "Don't print messages about what is happening."},
         DebugOption(), HelpOption(), RcfileOption(), TimingsOption()}},
       RunCombine},
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
       RunDebug},
  };
  return commands;
}

const Command* FindCommand(const std::string& name) {
  for (const Command& c : Commands()) {
    if (c.spec.name == name) return &c;
  }
  return nullptr;
}

}  // namespace covalesce::cli
