// `covalesce all`: the whole post-test stage in one process, standing in for
//
//   coverage combine; coverage report -m; coverage json; coverage xml; coverage lcov; coverage html
//
// The shards beside the data file are combined into it (and deleted unless --keep, as
// `combine` does), each measured file is analysed once, and every report asked for is built
// from that one analysis, the reports in parallel (tbb). Which reports: --quick (terminal and
// JSON), else --reports=report,json,..., else [covalesce] reports, else all of report, json,
// xml, lcov, html. Each report takes its options from the config as its own command would ([report]
// show_missing..., [json] output, [xml] output, [lcov] output...). The terminal report goes
// to stdout first, then the files are written in the order report, json, xml, lcov (HTML's
// directory as it is built), each with its "Wrote ... to ..." message. fail_under is judged once, on the terminal report's
// total (else the first report's), after every report is written: coverage.py's message on
// stdout and exit status 2.
//
// Like coverage.py's XML and LCOV reporters, those two reports never narrow to [report]
// contexts / --contexts; when contexts are given, the files are analysed a second time
// without them for those two (the analysis cache makes that cheap).
//
// Differences from running the five coverage.py commands: the combine messages and
// warnings are said once, not once per command; an error stops at the first report that
// fails (coverage.py's sequence would go on to the next command); an unwritable output file
// is found after the analysis, not before it.
#include <tbb/task_group.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "report_command.h"
#include "covalesce/config.h"
#include "covalesce/report.h"
#include "covalesce/report_html.h"
#include "covalesce/report_json.h"
#include "covalesce/report_lcov.h"
#include "covalesce/report_xml.h"

namespace covalesce::cli {
namespace {

enum Kind { kReport = 0, kJson, kXml, kLcov, kHtml, kKinds };
const char* const kNames[kKinds] = {"report", "json", "xml", "lcov", "html"};

// One report's result, built on a worker thread: the terminal report's text in `content`,
// a file report's in `spool` (on disk until it is written, so that the reports are not all
// in memory at once).
struct Built {
  bool wanted = false;
  std::optional<Error> error;
  std::string content;
  std::unique_ptr<report::Spool> spool;
  double total = 0.0;
  double seconds = 0.0;
};

int All(ReportFrame& f, const AllOutputs& to) {
  const Parsed& options = f.options;
  Timings& timings = f.timings;
  const Config& config = f.config;
  const report::ReportArgs& args = f.args;

  // Which reports.
  bool want[kKinds] = {};
  std::vector<std::string> chosen;
  if (options.flag("quick")) {
    chosen = {"report", "json"};
  } else if (auto r = report::UnshellList(options.get("reports"))) {
    chosen = *r;
  } else if (config.reports) {
    chosen = *config.reports;
  } else {
    chosen = {"report", "json", "xml", "lcov", "html"};
  }
  for (const std::string& name : chosen) {
    bool known = false;
    for (int k = 0; k < kKinds; ++k) {
      if (name == kNames[k]) want[k] = known = true;
    }
    if (known) continue;
    return UsageError("Unknown report: '" + name + "' (choose from 'report', 'json', 'xml', 'lcov', 'html')");
  }

  report::SessionOptions so = f.SessionOptions("keep");
  so.want_source = want[kLcov] && config.lcov_line_checksums;
  so.background_store = true;
  so.background_write = true;

  Config effective = f.Effective();
  if (to.json) effective.json_output = *to.json;
  if (to.xml) effective.xml_output = *to.xml;
  if (to.lcov) effective.lcov_output = *to.lcov;
  if (to.html) effective.html_dir = *to.html;
  const std::string outputs[kKinds] = {"-", effective.json_output, effective.xml_output, effective.lcov_output,
                                       effective.html_dir};
  const char* const types[kKinds] = {"", "JSON report", report::kXmlReportType, "LCOV report", "HTML report"};
  const report::HtmlOptions html_options = report::HtmlOptionsFrom(effective);
  std::string html_index;  // "htmlcov/index.html", for its message
  std::vector<std::pair<std::string, double>> html_busy;  // its stages, for --timings

  auto opened = f.Open(std::move(effective), so);
  if (!opened) return f.Fail(opened.error());
  report::Session& session = **opened;
  if (want[kHtml] && html_options.show_contexts && report::NoContextsMeasured(session.data())) {
    session.Warn("No contexts were measured");
  }
  if (want[kReport]) {
    if (Status st = report::CheckSummaryFormat(session.config()); !st) {
      return f.Fail(st.error());
    }
  }

  // The shared analysis: narrowed to the queried contexts for the terminal and JSON reports;
  // XML and LCOV see every context, so with contexts given they get their own pass (done
  // first, so that the session is left querying the contexts the JSON report shows).
  const bool narrowed = session.config().contexts.has_value();
  std::optional<std::vector<report::FileReport>> all_contexts;
  if (narrowed && (want[kXml] || want[kLcov])) {
    auto contexts = session.config().contexts;
    session.config().contexts.reset();
    if (Status st = session.SetQueryContexts(); !st) return f.Fail(st.error());
    auto files = session.AnalysisToReport(args.morfs);
    f.ShowNotices();
    if (!files) return f.Fail(files.error());
    all_contexts = std::move(*files);
    session.config().contexts = std::move(contexts);
  }
  if (Status st = session.SetQueryContexts(); !st) return f.Fail(st.error());
  auto analysed = session.AnalysisToReport(args.morfs);
  f.ShowNotices();
  if (!analysed) return f.Fail(analysed.error());
  const std::vector<report::FileReport>& files = *analysed;
  const std::vector<report::FileReport>& unnarrowed = all_contexts ? *all_contexts : files;

  // Every report built from the one analysis, in parallel.
  Built built[kKinds];
  {
    Timings::Phase t(timings, "reports");
    const report::Session& s = session;
    auto run = [&](Kind k, auto&& produce) {
      Built& b = built[k];
      b.wanted = true;
      if (k != kReport && k != kHtml) b.spool = report::Spool::Beside(outputs[k]);
      auto start = std::chrono::steady_clock::now();
      Result<double> total = produce(b);
      if (total && b.spool) b.spool->Finish();  // its fsync here, beside the other reports
      b.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (total) b.total = *total;
      else b.error = total.error();
    };
    tbb::task_group group;
    if (want[kReport]) {
      group.run([&] { run(kReport, [&](Built& b) { return report::WriteSummaryReport(s, files, b.content); }); });
    }
    if (want[kJson]) {
      group.run([&] { run(kJson, [&](Built& b) { return report::WriteJsonReport(s, files, b.spool->Sink()); }); });
    }
    if (want[kXml]) {
      group.run([&] {
        run(kXml, [&](Built& b) { return report::XmlReport(s, unnarrowed, b.spool->Sink()); });
      });
    }
    if (want[kLcov]) {
      group.run([&] {
        run(kLcov, [&](Built& b) { return report::WriteLcovReport(s, unnarrowed, b.spool->Sink()); });
      });
    }
    if (want[kHtml]) {  // writes its directory here (pages in parallel); its message comes in order below
      group.run([&] {
        run(kHtml, [&](Built&) -> Result<double> {
          auto html = report::WriteHtmlReport(s, files, html_options);
          if (!html) return html.error();
          html_index = html->index_file;
          html_busy = std::move(html->busy);
          return html->total;
        });
      });
    }
    group.wait();
  }
  Status background = session.FinishBackground();  // the cache store, beside the reports: its warnings now
  f.ShowNotices();
  if (!background) return f.Fail(background.error());
  for (int k = 0; k < kKinds; ++k) {
    if (built[k].wanted) timings.AddOverlapped(kNames[k], built[k].seconds);
    if (k == kHtml) {
      for (const auto& [stage, seconds] : html_busy) timings.AddOverlapped("html:" + stage, seconds);
    }
  }

  // Written in coverage.py's command order, each with its message.
  std::optional<double> judged;
  {
    Timings::Phase t(timings, "output");
    for (int k = 0; k < kKinds; ++k) {
      Built& b = built[k];
      if (!b.wanted) continue;
      if (b.error) return f.Fail(*b.error);
      if (k == kReport) {
        std::fwrite(b.content.data(), 1, b.content.size(), stdout);
        std::fflush(stdout);
      } else if (k == kHtml) {
        session.Message("Wrote HTML report to " + html_index);
      } else if (Status st = report::WriteReport(session, outputs[k], types[k], *b.spool); !st) {
        return f.Fail(st.error());
      }
      if (!judged) judged = b.total;
      if (b.spool) b.spool->Clear();
    }
  }
  if (!judged) return kOk;
  return f.Judge(*judged);
}

}  // namespace

int RunAll(const Parsed& options) { return RunAllTo(options, AllOutputs{}); }

int RunAllTo(const Parsed& options, const AllOutputs& to) {
  return RunReportCommand(options, [&](ReportFrame& f) { return All(f, to); });
}

}  // namespace covalesce::cli
