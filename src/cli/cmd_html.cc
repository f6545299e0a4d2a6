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
  return RunReportCommand(options, [](ReportFrame& f) {
    // html_report() gives --skip-covered / --no-skip-covered / --skip-empty to [html]'s
    // settings, not [report]'s (an [html] skip_covered = false loses to --skip-covered).
    const std::optional<bool> skip_covered = f.args.skip_covered, skip_empty = f.args.skip_empty;
    f.args.skip_covered.reset();
    f.args.skip_empty.reset();
    Config effective = f.Effective();  // html_report's override_config
    if (auto d = f.options.get("directory")) effective.html_dir = *d;
    if (auto t = f.options.get("title")) effective.html_title = *t;
    if (skip_covered) effective.html_skip_covered = *skip_covered;
    if (skip_empty.value_or(false)) effective.html_skip_empty = true;
    if (Flag(f.options, "show_contexts").value_or(false)) effective.html_show_contexts = true;
    const report::HtmlOptions html = report::HtmlOptionsFrom(effective);
    report::SessionOptions so = f.SessionOptions();
    so.background_store = true;
    auto opened = f.Open(std::move(effective), so);
    if (!opened) return f.Fail(opened.error());
    report::Session& session = **opened;

    if (html.show_contexts && report::NoContextsMeasured(session.data())) {
      session.Warn("No contexts were measured");
    }
    if (Status st = session.SetQueryContexts(); !st) return f.Fail(st.error());
    auto files = session.AnalysisToReport(f.args.morfs);
    f.ShowNotices();
    if (!files) return f.Fail(files.error());

    Result<report::HtmlResult> written = Error{};
    {
      Timings::Phase t(f.timings, "html");
      written = report::WriteHtmlReport(session, *files, html);
    }
    Status background = session.FinishBackground();  // the cache store, beside the pages: its warnings now
    f.ShowNotices();
    if (!background) return f.Fail(background.error());
    if (!written) return f.Fail(written.error());
    for (const auto& [stage, seconds] : written->busy) f.timings.AddOverlapped(stage, seconds);
    session.Message("Wrote HTML report to " + written->index_file);
    return f.Judge(written->total);
  });
}

}  // namespace covalesce::cli
