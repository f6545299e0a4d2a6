// What the report commands (report, json, xml, lcov, all, html) share around their writer:
// the --analysis check, the configuration, the report arguments and Session options from the
// command line, and covalesce's own notices printed as they come. ReportFrame puts them
// together, so that a command's file says only what is its own.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// The frame a report command runs in. RunReportCommand checks --analysis, reads the config
// (its error printed: exit 1), takes the report arguments from the command line, runs `body`,
// and prints --timings on the way out, whatever the body returns.
//
//   int RunX(const Parsed& options) {
//     return RunReportCommand(options, [&](ReportFrame& f) {
//       Config effective = f.Effective();   // + the command's own overrides
//       auto session = f.Open(std::move(effective), f.SessionOptions());
//       if (!session) return f.Fail(session.error());
//       ...                                  // the report itself, f.ShowNotices() as it goes
//       return f.Judge(total);
//     });
//   }
struct ReportFrame {
  explicit ReportFrame(const Parsed& o) : options(o), cwd(CurrentDir()) {}

  const Parsed& options;
  std::string cwd;
  Timings timings;
  Config config;            // as loaded: fail_under is judged against it
  report::ReportArgs args;  // from the command line
  std::optional<report::Session> session;  // set by Open

  // The config the report sees: the loaded one with the command line's report arguments
  // applied (coverage.py's override_config).
  Config Effective() const;
  // SessionOptionsFrom(options, cwd, keep_option).
  report::SessionOptions SessionOptions(const char* keep_option = "keep_combined") const;
  // Makes the session over `effective` and loads its data (combining the shards beside the
  // data file), printing notices as they come.
  Result<report::Session*> Open(Config effective, const report::SessionOptions& so);
  // Prints the session's notices not printed yet.
  void ShowNotices();
  // Prints coverage.py's message for `error`; its exit status. A combine still finishing
  // in the background is waited for first, and its own failure, which came first, is the
  // one printed.
  int Fail(const Error& error);
  // fail_under judged on `total`: the exit status (coverage.py's message printed when it fails).
  int Judge(double total);

  // Opens the session over `effective` and writes a report that `write` makes from the
  // analysed files, through coverage.py's render_report (RenderReport: the output file goes if
  // the report fails), shows the notices and judges the total: json's and lcov's whole report.
  // `query_contexts`: set [report] contexts first, inside the render, as coverage.py's json
  // reporter does (lcov's never does).
  using FileWriter = std::function<Result<double>(const report::Session&, const std::vector<report::FileReport>&,
                                                  std::string&)>;
  int RenderFiles(Config effective, const report::SessionOptions& so, const std::string& output,
                  std::string_view report_type, const char* phase, bool query_contexts, const FileWriter& write);

 private:
  size_t notices_shown_ = 0;
};

int RunReportCommand(const Parsed& options, const std::function<int(ReportFrame&)>& body);

}  // namespace covalesce::cli
