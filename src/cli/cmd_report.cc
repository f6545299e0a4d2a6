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
  return RunReportCommand(options, [](ReportFrame& f) {
    auto session = f.Open(f.Effective(), f.SessionOptions());
    if (!session) return f.Fail(session.error());

    std::string out;
    Result<double> total = report::SummaryReport(**session, f.args.morfs, out);
    f.ShowNotices();
    if (!total) return f.Fail(total.error());
    std::fwrite(out.data(), 1, out.size(), stdout);
    return f.Judge(*total);
  });
}

}  // namespace covalesce::cli
