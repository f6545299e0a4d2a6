// `covalesce xml`: coverage.py's xml command. The configuration is read, the shards beside
// the data file are combined into it (as coverage.py 7.14+ does before any report), the
// output file is opened before the analysis as render_report() does (and removed if the
// report fails), each file is analysed once, and the Cobertura XML is written as
// coverage.py's minidom output would be (report_xml.h).
//
// --analysis, --no-cache, --python, --python-version and --timings are covalesce's own, as
// for `covalesce report`.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "commands.h"
#include "report_command.h"
#include "covalesce/config.h"
#include "covalesce/report.h"
#include "covalesce/report_xml.h"

namespace covalesce::cli {
int RunXml(const Parsed& options) {
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

  // The loaded config stays as it is for the fail-under check; the report sees the overrides
  // (xml_report's override_config: -o is xml_output).
  Config effective = *config;
  report::ApplyReportArgs(args, effective);
  if (auto outfile = options.get("outfile")) effective.xml_output = *outfile;
  report::Session session(std::move(effective), so, report::Sink{}, timings);
  NoticePrinter show_notices(session);
  show_notices();

  if (Status loaded = session.LoadData(); !loaded) return finish(report::PrintError(loaded.error()));

  report::XmlOptions xml_options;
  xml_options.timings = &timings;
  Result<double> total = report::RenderXmlReport(session, args.morfs, xml_options);
  show_notices();
  if (!total) return finish(report::PrintError(total.error()));

  auto status = report::CheckFailUnder(*total, args, *config);
  if (!status) return finish(report::PrintError(status.error()));
  return finish(*status);
}

}  // namespace covalesce::cli
