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
#include "covalesce/report_lcov.h"

namespace covalesce::cli {
int RunLcov(const Parsed& options) {
  return RunReportCommand(options, [](ReportFrame& f) {
    report::SessionOptions so = f.SessionOptions();
    so.want_source = f.config.lcov_line_checksums;
    Config effective = f.Effective();
    if (auto o = f.options.get("outfile")) effective.lcov_output = *o;
    const std::string output = effective.lcov_output;
    return f.RenderFiles(std::move(effective), so, output, "LCOV report", "lcov", /*query_contexts=*/false,
                         [](const report::Session& session, const std::vector<report::FileReport>& files,
                            std::string& out) { return report::WriteLcovReport(session, files, out); });
  });
}

}  // namespace covalesce::cli
