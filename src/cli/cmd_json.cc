// `covalesce json`: coverage.py's json command. As `covalesce report` does: the config is
// read, the shards beside the data file are combined into it, each file is analysed once
// (through the exact python fallback for now) and the report is written where -o or [json]
// output says ("-" is stdout), as coverage.py's render_report does. See report_json.h for
// the two meta fields that name covalesce instead of coverage.py.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "commands.h"
#include "report_command.h"
#include "covalesce/config.h"
#include "covalesce/report_json.h"

namespace covalesce::cli {
int RunJson(const Parsed& options) {
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
  if (auto o = options.get("outfile")) effective.json_output = *o;
  if (Flag(options, "pretty_print")) effective.json_pretty_print = true;
  if (Flag(options, "show_contexts")) effective.json_show_contexts = true;
  const std::string output = effective.json_output;

  report::Session session(std::move(effective), so, report::Sink{}, timings);
  NoticePrinter show_notices(session);
  show_notices();

  if (Status loaded = session.LoadData(); !loaded) return finish(report::PrintError(loaded.error()));

  Result<double> total =
      report::RenderReport(session, output, "JSON report", [&](std::string& out) -> Result<double> {
        if (Status st = session.SetQueryContexts(); !st) return st.error();
        auto files = session.AnalysisToReport(args.morfs);
        show_notices();
        if (!files) return files.error();
        Timings::Phase t(timings, "json");
        return report::WriteJsonReport(session, *files, out);
      });
  show_notices();
  if (!total) return finish(report::PrintError(total.error()));

  auto status = report::CheckFailUnder(*total, args, *config);
  if (!status) return finish(report::PrintError(status.error()));
  return finish(*status);
}

}  // namespace covalesce::cli
