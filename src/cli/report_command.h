// What the report commands (report, json, xml, lcov, all, html) share around their writer:
// the --analysis check, the configuration, the report arguments and Session options from the
// command line, and covalesce's own notices printed as they come.
#pragma once
#include <optional>
#include <string>

#include "commands.h"
#include "covalesce/config.h"
#include "covalesce/report.h"

namespace covalesce::cli {

std::string CurrentDir();
// A flag given on the command line as true or false (--skip-covered / --no-skip-covered),
// nullopt when not given.
std::optional<bool> Flag(const Parsed& options, const std::string& dest);

// --analysis must be 'native' (the default) or 'python': the usage error's exit status if not.
std::optional<int> CheckAnalysisOption(const Parsed& options);

// The config file (--rcfile, else the usual search), its warnings printed. On an error its
// message is printed and nullopt returned: the command exits kErr.
std::optional<Config> LoadCommandConfig(const Parsed& options, const std::string& cwd, Timings& timings);

// The options every report command takes: morfs, --include, --omit, --contexts, -i,
// --fail-under, and (where the command has them) --show-missing, --skip-covered,
// --skip-empty, --precision. An option a command does not have is simply not given.
report::ReportArgs ReportArgsFrom(const Parsed& options);

// The session's options: --data-file, --keep-combined (`keep_option` names it: `all` says
// --keep), -q, --debug, --python, --python-version, --analysis, --no-cache.
report::SessionOptions SessionOptionsFrom(const Parsed& options, const std::string& cwd,
                                          const char* keep_option = "keep_combined");

// Prints the session's notices not yet printed, on stderr.
class NoticePrinter {
 public:
  explicit NoticePrinter(const report::Session& session) : session_(session) {}
  void operator()();

 private:
  const report::Session& session_;
  size_t shown_ = 0;
};

}  // namespace covalesce::cli
