#include "report_command.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "covalesce/report_json.h"

namespace covalesce::cli {

std::string CurrentDir() {
  char buf[4096];
  return getcwd(buf, sizeof buf) ? std::string(buf) : std::string(".");
}

std::optional<bool> Flag(const Parsed& options, const std::string& dest) {
  auto v = options.get(dest);
  if (!v) return std::nullopt;
  return *v == "1";
}

std::optional<int> CheckAnalysisOption(const Parsed& options) {
  const std::string analysis = options.get("analysis").value_or("native");
  if (analysis == "python" || analysis == "native") return std::nullopt;
  return UsageError("option --analysis: invalid choice: '" + analysis + "' (choose from 'python', 'native')");
}

std::optional<Config> LoadCommandConfig(const Parsed& options, const std::string& cwd, Timings& timings) {
  Result<Config> config = Error{};
  {
    Timings::Phase t(timings, "config");
    config = LoadConfig(options.get("rcfile"), cwd, ProcessEnv());
  }
  if (!config) {
    std::printf("%s\n", config.error().message.c_str());
    return std::nullopt;
  }
  for (const std::string& w : config->warnings) std::fprintf(stderr, "CoverageWarning: %s\n", w.c_str());
  return std::move(*config);
}

report::ReportArgs ReportArgsFrom(const Parsed& options) {
  report::ReportArgs args;
  args.morfs = options.args;
  args.include = report::UnshellList(options.get("include"));
  args.omit = report::UnshellList(options.get("omit"));
  args.contexts = report::UnshellList(options.get("contexts"));
  args.ignore_errors = Flag(options, "ignore_errors");
  args.show_missing = Flag(options, "show_missing");
  args.skip_covered = Flag(options, "skip_covered");
  args.skip_empty = Flag(options, "skip_empty");
  if (auto p = options.get("precision")) args.precision = int(std::strtol(p->c_str(), nullptr, 0));
  args.sort = options.get("sort");
  args.format = options.get("format");
  if (auto f = options.get("fail_under")) args.fail_under = std::strtod(f->c_str(), nullptr);
  return args;
}

report::SessionOptions SessionOptionsFrom(const Parsed& options, const std::string& cwd, const char* keep_option) {
  report::SessionOptions so;
  so.cwd = cwd;
  so.data_file = options.get("data_file");
  if (so.data_file && so.data_file->empty()) so.data_file.reset();
  so.keep_combined = options.flag(keep_option);
  so.messages = !options.flag("quiet");
  so.debug = report::UnshellList(options.get("debug")).value_or(std::vector<std::string>{});
  so.python = options.get("python").value_or("python3");
  so.python_version = options.get("python_version");
  so.native = options.get("analysis").value_or("native") == "native";
  so.use_cache = !options.flag("no_cache");
  return so;
}

Config ReportFrame::Effective() const {
  Config effective = config;
  report::ApplyReportArgs(args, effective);
  return effective;
}

report::SessionOptions ReportFrame::SessionOptions(const char* keep_option) const {
  return SessionOptionsFrom(options, cwd, keep_option);
}

Result<report::Session*> ReportFrame::Open(Config effective, const report::SessionOptions& so) {
  session.emplace(std::move(effective), so, report::Sink{}, timings);
  ShowNotices();
  if (Status loaded = session->LoadData(); !loaded) return loaded.error();
  return &*session;
}

void ReportFrame::ShowNotices() {
  if (!session) return;
  const auto& notices = session->notices();
  for (; notices_shown_ < notices.size(); ++notices_shown_) std::fprintf(stderr, "%s\n", notices[notices_shown_].c_str());
}

int ReportFrame::Fail(const Error& error) {
  if (session) {
    if (Status combined = session->Settle(); !combined) return report::PrintError(combined.error());
  }
  return report::PrintError(error);
}

int ReportFrame::Judge(double total) {
  auto status = report::CheckFailUnder(total, args, config);
  if (!status) return Fail(status.error());
  return *status;
}

int ReportFrame::RenderFiles(Config effective, const report::SessionOptions& so, const std::string& output,
                             std::string_view report_type, const char* phase, bool query_contexts,
                             const FileWriter& write) {
  auto opened = Open(std::move(effective), so);
  if (!opened) return Fail(opened.error());
  report::Session& s = **opened;
  Result<double> total = report::RenderReport(s, output, report_type, [&](std::string& out) -> Result<double> {
    if (query_contexts) {
      if (Status st = s.SetQueryContexts(); !st) return st.error();
    }
    auto files = s.AnalysisToReport(args.morfs);
    ShowNotices();
    if (!files) return files.error();
    Timings::Phase t(timings, phase);
    return write(s, *files, out);
  });
  ShowNotices();
  if (!total) return Fail(total.error());
  return Judge(*total);
}

int RunReportCommand(const Parsed& options, const std::function<int(ReportFrame&)>& body) {
  if (auto bad = CheckAnalysisOption(options)) return *bad;
  ReportFrame f(options);
  std::optional<Config> config = LoadCommandConfig(options, f.cwd, f.timings);
  int rc = kErr;
  if (config) {
    f.config = std::move(*config);
    f.args = ReportArgsFrom(options);
    rc = body(f);
  }
  if (options.flag("timings")) f.timings.Print(stderr);
  return rc;
}

void NoticePrinter::operator()() {
  const auto& notices = session_.notices();
  for (; shown_ < notices.size(); ++shown_) std::fprintf(stderr, "%s\n", notices[shown_].c_str());
}

}  // namespace covalesce::cli
