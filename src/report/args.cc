// The command-line side every report command shares: coverage.py's unshell_list,
// override_config and the fail-under check at the end of command_line().
#include <cstdio>

#include "covalesce/report.h"

namespace covalesce::report {

std::optional<std::vector<std::string>> UnshellList(const std::optional<std::string>& value) {
  if (!value || value->empty()) return std::nullopt;
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = value->find(',', start);
    out.push_back(value->substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

void ApplyReportArgs(const ReportArgs& a, Config& c) {
  if (a.ignore_errors) c.ignore_errors = *a.ignore_errors;
  if (a.omit) c.report_omit = a.omit;
  if (a.include) c.report_include = a.include;
  if (a.contexts) c.contexts = a.contexts;
  if (a.show_missing) c.show_missing = *a.show_missing;
  if (a.skip_covered) c.skip_covered = *a.skip_covered;
  if (a.skip_empty) c.skip_empty = *a.skip_empty;
  if (a.precision) c.precision = *a.precision;
  if (a.sort) c.sort = a.sort;
  if (a.format) c.format = a.format;
}

Result<int> CheckFailUnder(double total, const ReportArgs& args, const Config& config) {
  const double fail_under = args.fail_under.value_or(config.fail_under);
  const int precision = args.precision.value_or(config.precision);
  auto fail = ShouldFailUnder(total, fail_under, precision);
  if (!fail) return fail.error();
  if (!*fail) return 0;
  std::printf("Coverage failure: %s\n", FormatFailUnderMsg(total, fail_under, precision).c_str());
  return 2;
}

}  // namespace covalesce::report
