// `covalesce html`: coverage.py's html command. As the other report commands: the config is
// read (with -d, --title, --skip-covered / --no-skip-covered, --skip-empty, --show-contexts and
// --precision over [html] and [report]), the shards beside the data file are combined into
// it, each file is analysed once, and the pages are written in parallel (report_html.h).
// The markup, CSS and JavaScript are covalesce's own; the page names, line statuses,
// annotations and numbers are coverage.py's.
#include <cstdio>
#include <cstdlib>

#include "commands.h"
#include "report_command.h"
#include "covalesce/config.h"
#include "covalesce/report_html.h"

namespace covalesce::cli {

int RunHtml(const Parsed& options) {
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
  // html_report() gives --skip-covered / --no-skip-covered / --skip-empty to [html]'s settings,
  // not [report]'s (an [html] skip_covered = false loses to --skip-covered).
  const std::optional<bool> skip_covered = args.skip_covered, skip_empty = args.skip_empty;
  args.skip_covered.reset();
  args.skip_empty.reset();
  report::SessionOptions so = SessionOptionsFrom(options, cwd);

  // The loaded config stays as it is for the fail-under check; the report sees the overrides
  // (html_report's override_config).
  Config effective = *config;
  report::ApplyReportArgs(args, effective);
  if (auto d = options.get("directory")) effective.html_dir = *d;
  if (auto t = options.get("title")) effective.html_title = *t;
  if (skip_covered) effective.html_skip_covered = *skip_covered;
  if (skip_empty.value_or(false)) effective.html_skip_empty = true;
  if (Flag(options, "show_contexts").value_or(false)) effective.html_show_contexts = true;
  const report::HtmlOptions html = report::HtmlOptionsFrom(effective);

  report::Session session(std::move(effective), so, report::Sink{}, timings);
  NoticePrinter show_notices(session);
  show_notices();

  if (Status loaded = session.LoadData(); !loaded) return finish(report::PrintError(loaded.error()));
  if (html.show_contexts && report::NoContextsMeasured(session.data())) {
    session.Warn("No contexts were measured");
  }
  if (Status st = session.SetQueryContexts(); !st) return finish(report::PrintError(st.error()));
  auto files = session.AnalysisToReport(args.morfs);
  show_notices();
  if (!files) return finish(report::PrintError(files.error()));

  Result<report::HtmlResult> written = Error{};
  {
    Timings::Phase t(timings, "html");
    written = report::WriteHtmlReport(session, *files, html);
  }
  if (!written) return finish(report::PrintError(written.error()));
  for (const auto& [stage, seconds] : written->busy) timings.AddOverlapped(stage, seconds);
  session.Message("Wrote HTML report to " + written->index_file);

  auto status = report::CheckFailUnder(written->total, args, *config);
  if (!status) return finish(report::PrintError(status.error()));
  return finish(*status);
}

}  // namespace covalesce::cli
