// `covalesce lcov`: coverage.py's lcov command. As `covalesce report` does: the config is
// read, the shards beside the data file are combined into it, each file is analysed once
// (through the exact python fallback for now; with [lcov] line_checksums it keeps the source
// lines) and the report is written where -o or [lcov] output says ("-" is stdout), as
// coverage.py's render_report does. coverage.py's lcov command has no --contexts, and its
// reporter never narrows to [report] contexts: neither does this one.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "commands.h"
#include "report_command.h"
#include "covalesce/config.h"
#include "covalesce/report_json.h"
#include "covalesce/report_lcov.h"

namespace covalesce::cli {
int RunLcov(const Parsed& options) {
  const std::string cwd = CurrentDir();
  Timings timings;
  auto finish = [&](int rc) {
    if (options.flag("timings")) timings.Print(stderr);
    return rc;
  };

  if (auto bad = CheckAnalysisOption(options)) return *bad;
  std::optional<Config> config = LoadCommandConfig(options, cwd, timings);
  if (!config) return finish(kErr);

  report::ReportArgs args = ReportArgsFrom(options);

  report::SessionOptions so = SessionOptionsFrom(options, cwd);
  so.want_source = config->lcov_line_checksums;

  // The loaded config stays as it is for the fail-under check; the report sees the overrides.
  Config effective = *config;
  report::ApplyReportArgs(args, effective);
  if (auto o = options.get("outfile")) effective.lcov_output = *o;
  const std::string output = effective.lcov_output;

  report::Session session(std::move(effective), so, report::Sink{}, timings);
  NoticePrinter show_notices(session);
  show_notices();

  if (Status loaded = session.LoadData(); !loaded) return finish(report::PrintError(loaded.error()));

  Result<double> total =
      report::RenderReport(session, output, "LCOV report", [&](std::string& out) -> Result<double> {
        auto files = session.AnalysisToReport(args.morfs);
        show_notices();
        if (!files) return files.error();
        Timings::Phase t(timings, "lcov");
        return report::WriteLcovReport(session, *files, out);
      });
  show_notices();
  if (!total) return finish(report::PrintError(total.error()));

  auto status = report::CheckFailUnder(*total, args, *config);
  if (!status) return finish(report::PrintError(status.error()));
  return finish(*status);
}

}  // namespace covalesce::cli
