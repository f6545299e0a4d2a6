// `covalesce html`: coverage.py's html command. As the other report commands: the config is
// read (with -d, --title, --skip-covered / --no-skip-covered, --skip-empty, --show-contexts and
// --precision over [html] and [report]), the shards beside the data file are combined into
// it, each file is analysed once, and the pages are written in parallel (report_html.h).
// The markup, CSS and JavaScript are covalesce's own; the page names, line statuses,
// annotations and numbers are coverage.py's.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "commands.h"
#include "covalesce/config.h"
#include "covalesce/report_html.h"

namespace covalesce::cli {
namespace {

std::string CurrentDir() {
  char buf[4096];
  return getcwd(buf, sizeof buf) ? std::string(buf) : std::string(".");
}

std::optional<bool> Flag(const Parsed& p, const std::string& dest) {
  auto v = p.get(dest);
  if (!v) return std::nullopt;
  return *v == "1";
}

}  // namespace

int RunHtml(const Parsed& options) {
  const std::string cwd = CurrentDir();
  Timings timings;
  auto finish = [&](int rc) {
    if (options.flag("timings")) timings.Print(stderr);
    return rc;
  };

  std::string analysis = options.get("analysis").value_or("python");
  if (analysis != "python" && analysis != "native") {
    return UsageError("option --analysis: invalid choice: '" + analysis + "' (choose from 'python', 'native')");
  }

  Result<Config> config = Error{};
  {
    Timings::Phase t(timings, "config");
    config = LoadConfig(options.get("rcfile"), cwd, ProcessEnv());
  }
  if (!config) {
    std::printf("%s\n", config.error().message.c_str());
    return finish(kErr);
  }
  for (const std::string& w : config->warnings) std::fprintf(stderr, "CoverageWarning: %s\n", w.c_str());

  report::ReportArgs args;
  args.morfs = options.args;
  args.include = report::UnshellList(options.get("include"));
  args.omit = report::UnshellList(options.get("omit"));
  args.contexts = report::UnshellList(options.get("contexts"));
  args.ignore_errors = Flag(options, "ignore_errors");
  if (auto p = options.get("precision")) args.precision = std::atoi(p->c_str());
  if (auto f = options.get("fail_under")) args.fail_under = std::strtod(f->c_str(), nullptr);

  report::SessionOptions so;
  so.cwd = cwd;
  so.data_file = options.get("data_file");
  if (so.data_file && so.data_file->empty()) so.data_file.reset();
  so.keep_combined = options.flag("keep_combined");
  so.messages = !options.flag("quiet");
  so.debug = report::UnshellList(options.get("debug")).value_or(std::vector<std::string>{});
  so.python = options.get("python").value_or("python3");
  so.python_version = options.get("python_version");
  so.native = analysis == "native";
  so.use_cache = !options.flag("no_cache");

  // The loaded config stays as it is for the fail-under check; the report sees the overrides
  // (html_report's override_config).
  Config effective = *config;
  report::ApplyReportArgs(args, effective);
  if (auto d = options.get("directory")) effective.html_dir = *d;
  if (auto t = options.get("title")) effective.html_title = *t;
  if (auto s = Flag(options, "skip_covered")) effective.html_skip_covered = *s;
  if (Flag(options, "skip_empty").value_or(false)) effective.html_skip_empty = true;
  if (Flag(options, "show_contexts").value_or(false)) effective.html_show_contexts = true;
  const report::HtmlOptions html = report::HtmlOptionsFrom(effective);

  report::Session session(std::move(effective), so, report::Sink{}, timings);
  for (const std::string& n : session.notices()) std::fprintf(stderr, "%s\n", n.c_str());
  size_t notices_shown = session.notices().size();
  auto show_notices = [&] {
    for (; notices_shown < session.notices().size(); ++notices_shown) {
      std::fprintf(stderr, "%s\n", session.notices()[notices_shown].c_str());
    }
  };

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
