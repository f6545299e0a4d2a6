// The commands covalesce offers, each with coverage.py's name, options and exit statuses.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "options.h"

namespace covalesce::cli {

inline constexpr const char* kProgram = "covalesce";
inline constexpr int kOk = 0, kErr = 1, kFailUnder = 2;

struct Command {
  CommandSpec spec;
  int (*run)(const Parsed& options);
  // The line `covalesce help` lists; when empty, the description's first sentence.
  std::string summary = "";
};

const std::vector<Command>& Commands();
const Command* FindCommand(const std::string& name);
// The "Commands:" lines of `covalesce help`: every command of the table and `help`, by name.
std::string CommandSummaries();

// An option whose key in Parsed::values is optparse's default: the long name without "--",
// '_' for '-'.
OptionSpec Flag(std::string short_name, std::string long_name, std::string help);
OptionSpec Flag(std::string long_name, std::string help);
OptionSpec Value(std::string long_name, OptionSpec::Type type, std::string metavar, std::string help);

// Options shared by commands, with coverage.py's help texts.
OptionSpec DataFileOption();
OptionSpec DebugOption();
OptionSpec HelpOption();
OptionSpec RcfileOption();
OptionSpec TimingsOption();

int RunCombine(const Parsed& options);
// `all` with its report files written elsewhere than the configuration says (`verify`
// points them into its temporary directory); unset ones as configured.
struct AllOutputs {
  std::optional<std::string> json, xml, lcov, html;
};
int RunAllTo(const Parsed& options, const AllOutputs& to);
int RunDebug(const Parsed& options);
// `debug ast FILE...` (cmd_debug_ast.cc).
int RunDebugAst(const Parsed& options, const std::vector<std::string>& files);

// Prints an error the way coverage.py's show_help(error) does, and returns kErr.
int UsageError(const std::string& message);

}  // namespace covalesce::cli
