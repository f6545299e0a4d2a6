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
  return RunReportCommand(options, [](ReportFrame& f) {
    // xml_report's override_config: -o is xml_output.
    Config effective = f.Effective();
    if (auto outfile = f.options.get("outfile")) effective.xml_output = *outfile;
    auto session = f.Open(std::move(effective), f.SessionOptions());
    if (!session) return f.Fail(session.error());

    report::XmlOptions xml_options;
    xml_options.timings = &f.timings;
    Result<double> total = report::RenderXmlReport(**session, f.args.morfs, xml_options);
    f.ShowNotices();
    if (!total) return f.Fail(total.error());
    return f.Judge(*total);
  });
}

}  // namespace covalesce::cli
