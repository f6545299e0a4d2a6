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
#include "covalesce/config.h"
#include "covalesce/report.h"
#include "covalesce/report_xml.h"

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

int RunXml(const Parsed& options) {
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
  args.ignore_errors = Flag(options, "ignore_errors");
  args.skip_empty = Flag(options, "skip_empty");
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
  // (xml_report's override_config: -o is xml_output).
  Config effective = *config;
  report::ApplyReportArgs(args, effective);
  if (auto outfile = options.get("outfile")) effective.xml_output = *outfile;
  report::Session session(std::move(effective), so, report::Sink{}, timings);
  for (const std::string& n : session.notices()) std::fprintf(stderr, "%s\n", n.c_str());
  size_t notices_shown = session.notices().size();
  auto show_notices = [&] {
    for (; notices_shown < session.notices().size(); ++notices_shown) {
      std::fprintf(stderr, "%s\n", session.notices()[notices_shown].c_str());
    }
  };

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
