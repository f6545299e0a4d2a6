// `covalesce report`: coverage.py's report command. The configuration is read, the shards
// beside the data file are combined into it (as coverage.py 7.14+ does before any report),
// each file is analysed once (for now through coverage.py's own parser in --python, the
// exact fallback), and the summary table is written in coverage.py's layout.
//
// --analysis=native is accepted for the day native analysis lands; until then it prints one
// "covalesce: ..." notice on stderr and uses the python fallback, so scripts can already ask
// for it.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "commands.h"
#include "report_command.h"
#include "covalesce/config.h"
#include "covalesce/report.h"

namespace covalesce::cli {
int RunReport(const Parsed& options) {
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

  // The loaded config stays as it is for the fail-under check; the report sees the overrides.
  Config effective = *config;
  report::ApplyReportArgs(args, effective);
  report::Session session(std::move(effective), so, report::Sink{}, timings);
  NoticePrinter show_notices(session);
  show_notices();

  if (Status loaded = session.LoadData(); !loaded) return finish(report::PrintError(loaded.error()));

  std::string out;
  Result<double> total = report::SummaryReport(session, args.morfs, out);
  show_notices();
  if (!total) return finish(report::PrintError(total.error()));
  std::fwrite(out.data(), 1, out.size(), stdout);

  auto status = report::CheckFailUnder(*total, args, *config);
  if (!status) return finish(report::PrintError(status.error()));
  return finish(*status);
}

}  // namespace covalesce::cli
