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
  return RunReportCommand(options, [](ReportFrame& f) {
    Config effective = f.Effective();
    if (auto o = f.options.get("outfile")) effective.json_output = *o;
    if (Flag(f.options, "pretty_print")) effective.json_pretty_print = true;
    if (Flag(f.options, "show_contexts")) effective.json_show_contexts = true;
    const std::string output = effective.json_output;
    return f.RenderFiles(std::move(effective), f.SessionOptions(), output, "JSON report", "json", /*query_contexts=*/true,
                         [](const report::Session& session, const std::vector<report::FileReport>& files,
                            std::string& out) { return report::WriteJsonReport(session, files, out); });
  });
}

}  // namespace covalesce::cli
