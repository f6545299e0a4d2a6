// `covalesce verify`: the trust tool. On the user's own data and configuration it runs
//
//   coverage combine; coverage report -m; coverage json; coverage xml; coverage lcov; coverage html
//
// (coverage.py in --python, each step its own process) and `covalesce all -m` side by side,
// compares what they wrote, and prints one row per report: `identical`, or the first lines
// that differ. Then both wall times and their ratio. Exit status 0 only when everything
// matches, 1 otherwise (or when it cannot run).
//
// The inputs are never touched: the shards beside the data file (or, with none, the data file
// itself) are copied into a temporary directory, once per side, and both tools run in the
// user's current directory (measured file names are relative to it) with the data file and
// every output pointed into that directory (--data-file, -o, -d for coverage.py; the same
// places for `all`, whatever [json] output, [html] directory and the like say). The
// directory is removed afterwards unless --keep-temp.
//
// What legitimately differs is blanked before comparing (README, "Deliberate differences"):
// JSON meta.version/timestamp and context-list order, the XML version/timestamp/"Generated
// by" comment. HTML is compared by what the pages show: each line's status and partial-branch
// annotations, every index row's numbers (verify.h).
//
// COVALESCE_VERIFY_TEST_PERTURB (tests only): lines "REPORT<TAB>FROM<TAB>TO"; after covalesce's
// side has written its reports, the first FROM in that report's file (for html: in the first
// page holding it) becomes TO, so that a test can check how a difference is shown.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "covalesce/discover.h"
#include "covalesce/process.h"
#include "covalesce/pystr.h"
#include "covalesce/report.h"
#include "covalesce/verify.h"
#include "covalesce/version.h"
#include "report_command.h"

namespace covalesce::cli {
namespace {

namespace fs = std::filesystem;

enum Kind { kReport = 0, kJson, kXml, kLcov, kHtml, kKinds };
const char* const kNames[kKinds] = {"report", "json", "xml", "lcov", "html"};
// Where each side's output lands in its half of the temporary directory.
const char* const kOutputs[kKinds] = {"report.txt", "coverage.json", "coverage.xml", "coverage.lcov", "htmlcov"};

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return bool(out.flush());
}

std::string FirstLine(const std::string& text) {
  size_t start = text.find_first_not_of("\n");
  if (start == std::string::npos) return "";
  return text.substr(start, text.find('\n', start) - start);
}

std::string LastLine(const std::string& text) {
  size_t end = text.find_last_not_of("\n");
  if (end == std::string::npos) return "";
  size_t start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1, end + 1 - (start == std::string::npos ? 0 : start + 1));
}

// The value options verify passes on to both tools, as each coverage.py command takes them
// (combine takes only --rcfile).
struct Passed {
  const char* dest;
  const char* flag;
  bool in[kKinds];  // which report commands have it: report, json, xml, lcov, html
};
const Passed kPassed[] = {
    {"rcfile", "--rcfile", {true, true, true, true, true}},
    {"include", "--include", {true, true, true, true, true}},
    {"omit", "--omit", {true, true, true, true, true}},
    {"contexts", "--contexts", {true, true, false, false, true}},
    {"fail_under", "--fail-under", {true, true, true, true, true}},
};
constexpr int kCombine = -1;

// One coverage.py step: its name, arguments, and what it did.
struct Step {
  std::string name;
  std::vector<std::string> argv;
  double seconds = 0.0;
  int exit_code = 0;
  std::string out, err;
};

// The test hook (see the top of the file): applies every perturbation meant for covalesce's side.
void Perturb(const std::string& side_dir) {
  const char* spec = std::getenv("COVALESCE_VERIFY_TEST_PERTURB");
  if (!spec) return;
  std::istringstream lines(spec);
  std::string line;
  while (std::getline(lines, line)) {
    size_t t1 = line.find('\t'), t2 = t1 == std::string::npos ? t1 : line.find('\t', t1 + 1);
    if (t2 == std::string::npos) continue;
    const std::string report = line.substr(0, t1), from = line.substr(t1 + 1, t2 - t1 - 1), to = line.substr(t2 + 1);
    std::vector<std::string> files;
    for (int k = 0; k < kKinds; ++k) {
      if (report != kNames[k]) continue;
      std::string path = side_dir + "/" + kOutputs[k];
      if (k != kHtml) {
        files.push_back(path);
      } else if (fs::is_directory(path)) {
        for (const auto& e : fs::directory_iterator(path)) {
          if (e.path().extension() == ".html") files.push_back(e.path().string());
        }
        std::sort(files.begin(), files.end());
      }
    }
    for (const std::string& f : files) {
      auto text = ReadFile(f);
      size_t at = text ? text->find(from) : std::string::npos;
      if (at == std::string::npos) continue;
      text->replace(at, from.size(), to);
      WriteFile(f, *text);
      break;
    }
  }
}

// One row of the table: whether the two sides agree, the summary, and the lines under it.
struct Verdict {
  bool same = true;
  std::string summary;              // "identical", "identical (3 pages, ...)", "differs at line 4:"
  std::vector<std::string> detail;  // the two differing lines
};

Verdict CompareTexts(const std::optional<std::string>& theirs, const std::optional<std::string>& ours,
                     const std::string& what) {
  Verdict v;
  if (!theirs && !ours) {
    v.summary = "identical (neither tool wrote " + what + ")";
    return v;
  }
  if (!theirs || !ours) {
    v.same = false;
    v.summary = std::string("differs: only ") + (theirs ? "coverage.py" : "covalesce") + " wrote " + what;
    return v;
  }
  auto diff = verify::FirstDifference(*theirs, *ours);
  if (!diff) {
    v.summary = "identical";
    return v;
  }
  v.same = false;
  v.summary = "differs at line " + std::to_string(diff->line) + ":";
  size_t column = 0;
  if (diff->theirs && diff->ours) {
    const std::string &a = *diff->theirs, &b = *diff->ours;
    while (column < a.size() && column < b.size() && a[column] == b[column]) ++column;
  }
  auto show = [&](const std::optional<std::string>& l) {
    return l ? verify::Excerpt(*l, column) : std::string("(no such line: the file ends before it)");
  };
  v.detail.push_back("coverage.py: " + show(diff->theirs));
  v.detail.push_back("covalesce:   " + show(diff->ours));
  return v;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

Verdict CompareHtml(const std::string& theirs_dir, const std::string& ours_dir) {
  const bool have_theirs = fs::is_directory(theirs_dir), have_ours = fs::is_directory(ours_dir);
  if (!have_theirs || !have_ours) {
    return CompareTexts(have_theirs ? std::optional<std::string>("") : std::nullopt,
                        have_ours ? std::optional<std::string>("") : std::nullopt, "an HTML report");
  }
  auto theirs = verify::ReadCoveragePyHtml(theirs_dir);
  auto ours = verify::ReadCovalesceHtml(ours_dir);
  if (!theirs || !ours) {
    Verdict v;
    v.same = false;
    v.summary = "differs: " + (!theirs ? theirs.error().message : ours.error().message);
    return v;
  }
  Verdict v = CompareTexts(Join(theirs->lines), Join(ours->lines), "an HTML report");
  if (v.same) {
    v.summary += " (" + std::to_string(theirs->pages) + " pages, " + std::to_string(theirs->source_lines) +
                 " source lines, 3 indexes: statuses, annotations, numbers)";
  } else {
    v.summary = "differs (first differing fact of the pages):";
  }
  return v;
}


// Copies a file, failing with a sentence that names it.
Status CopyInto(const std::string& from, const std::string& dir) {
  std::error_code ec;
  fs::copy_file(from, fs::path(dir) / fs::path(from).filename(), fs::copy_options::overwrite_existing, ec);
  if (ec) return Error{"Couldn't copy " + from + " to " + dir + ": " + ec.message()};
  return ok_status();
}

// Runs `all` in this process with stdout and stderr in files of `dir`.
int RunCovalesceSide(const Parsed& all_options, const AllOutputs& to, const std::string& dir) {
  std::fflush(stdout);
  std::fflush(stderr);
  int out = open((dir + "/stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err = open((dir + "/stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int saved_out = fcntl(1, F_DUPFD_CLOEXEC, 3), saved_err = fcntl(2, F_DUPFD_CLOEXEC, 3);
  if (out < 0 || err < 0 || saved_out < 0 || saved_err < 0) return -1;
  dup2(out, 1);
  dup2(err, 2);
  int rc = RunAllTo(all_options, to);
  std::fflush(stdout);
  std::fflush(stderr);
  dup2(saved_out, 1);
  dup2(saved_err, 2);
  for (int fd : {out, err, saved_out, saved_err}) close(fd);
  return rc;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "covalesce verify: %s\n", message.c_str());
  return kErr;
}

}  // namespace

int RunVerify(const Parsed& options) {
  const std::string cwd = CurrentDir();
  Timings timings;
  if (auto bad = CheckAnalysisOption(options)) return *bad;
  std::optional<Config> config = LoadCommandConfig(options, cwd, timings);
  if (!config) return kErr;

  bool want[kKinds] = {};
  std::vector<std::string> chosen =
      report::UnshellList(options.get("reports")).value_or(std::vector<std::string>(kNames, kNames + kKinds));
  for (const std::string& name : chosen) {
    bool known = false;
    for (int k = 0; k < kKinds; ++k) {
      if (name == kNames[k]) want[k] = known = true;
    }
    if (!known) {
      return UsageError("Unknown report: '" + name + "' (choose from 'report', 'json', 'xml', 'lcov', 'html')");
    }
  }

  // coverage.py must be importable in --python.
  const std::string python = options.get("python").value_or("python3");
  auto probe = analysis::RunProcess({python, "-c", "import coverage, sys; sys.stdout.write(coverage.__version__)"}, "");
  if (!probe) return Fail(probe.error().message);
  if (probe->exit_code != 0) {
    std::string why = LastLine(probe->err);
    return Fail(python + " cannot import coverage (install coverage.py there, or name another Python with --python)" +
                (why.empty() ? "" : ": " + why));
  }
  const std::string coverage_version = probe->out;

  // The inputs: the shards beside the data file, else the data file itself.
  const std::string data_file = AbsPath(options.get("data_file").value_or(config->data_file), cwd);
  auto shards = CombinableFiles(data_file, {}, cwd);
  if (!shards) return Fail(shards.error().message);
  std::vector<std::string> inputs = *shards;
  if (inputs.empty()) {
    if (access(data_file.c_str(), R_OK) != 0) {
      return Fail("no data: neither " + RelPath(data_file, cwd) + " nor shards beside it (" +
                  fs::path(data_file).filename().string() + ".*) exist");
    }
    inputs.push_back(data_file);
  }

  std::string temp_template = (fs::temp_directory_path() / "covalesce-verify-XXXXXX").string();
  if (!mkdtemp(temp_template.data())) return Fail("Couldn't make a temporary directory: " + std::string(std::strerror(errno)));
  const std::string temp = temp_template;
  const bool keep_temp = options.flag("keep_temp");
  auto finish = [&](int rc) {
    if (keep_temp) {
      std::printf("Kept both sides' inputs and outputs in %s (coverage/, covalesce/)\n", temp.c_str());
    } else {
      std::error_code ec;
      fs::remove_all(temp, ec);
    }
    return rc;
  };
  const std::string theirs_dir = temp + "/coverage", ours_dir = temp + "/covalesce";
  for (const std::string& d : {theirs_dir, ours_dir}) {
    fs::create_directory(d);
    for (const std::string& f : inputs) {
      if (Status st = CopyInto(f, d); !st) return finish(Fail(st.error().message));
    }
  }
  const std::string base = fs::path(data_file).filename().string();

  // covalesce's side first: coverage.py's run warms no page cache for it.
  Parsed all;
  for (const char* dest : {"rcfile", "include", "omit", "contexts", "fail_under", "ignore_errors", "python",
                           "python_version", "analysis", "no_cache"}) {
    if (auto v = options.get(dest)) all.values[dest] = *v;
  }
  all.values["data_file"] = ours_dir + "/" + base;
  all.values["show_missing"] = "1";
  {
    std::string reports;
    for (int k = 0; k < kKinds; ++k) {
      if (want[k]) reports += std::string(reports.empty() ? "" : ",") + kNames[k];
    }
    all.values["reports"] = reports;
  }
  all.args = options.args;
  AllOutputs to{ours_dir + "/" + kOutputs[kJson], ours_dir + "/" + kOutputs[kXml], ours_dir + "/" + kOutputs[kLcov],
                ours_dir + "/" + kOutputs[kHtml]};
  auto start = std::chrono::steady_clock::now();
  const int ours_rc = RunCovalesceSide(all, to, ours_dir);
  const double ours_seconds = Since(start);
  if (ours_rc < 0) return finish(Fail("Couldn't capture covalesce's output in " + ours_dir));
  std::error_code ec;
  fs::rename(ours_dir + "/stdout", ours_dir + "/" + kOutputs[kReport], ec);
  Perturb(ours_dir);

  // coverage.py's side: each step its own process, as a CI script runs them.
  std::vector<Step> steps;
  auto step = [&](const std::string& name, std::vector<std::string> extra, int kind) {
    Step s;
    s.name = name;
    s.argv = {python, "-m", "coverage", name, "--data-file=" + theirs_dir + "/" + base};
    for (const Passed& p : kPassed) {
      const bool has = kind == kCombine ? p.dest == std::string("rcfile") : p.in[kind];
      if (!has) continue;
      if (auto v = options.get(p.dest)) s.argv.push_back(std::string(p.flag) + "=" + *v);
    }
    if (kind != kCombine && options.flag("ignore_errors")) s.argv.push_back("-i");
    for (std::string& e : extra) s.argv.push_back(std::move(e));
    if (kind != kCombine) s.argv.insert(s.argv.end(), options.args.begin(), options.args.end());
    auto t0 = std::chrono::steady_clock::now();
    auto r = analysis::RunProcess(s.argv, "");
    s.seconds = Since(t0);
    if (r) {
      s.exit_code = r->exit_code;
      s.out = std::move(r->out);
      s.err = std::move(r->err);
    } else {
      s.exit_code = 127;
      s.err = r.error().message;
    }
    steps.push_back(std::move(s));
  };
  if (!shards->empty()) step("combine", {}, kCombine);
  if (want[kReport]) step("report", {"-m"}, kReport);
  if (want[kJson]) step("json", {"-o", theirs_dir + "/" + kOutputs[kJson]}, kJson);
  if (want[kXml]) step("xml", {"-o", theirs_dir + "/" + kOutputs[kXml]}, kXml);
  if (want[kLcov]) step("lcov", {"-o", theirs_dir + "/" + kOutputs[kLcov]}, kLcov);
  if (want[kHtml]) step("html", {"-d", theirs_dir + "/" + kOutputs[kHtml]}, kHtml);
  double theirs_seconds = 0.0;
  int theirs_rc = 0;
  for (const Step& s : steps) {
    theirs_seconds += s.seconds;
    if (s.name == "report") theirs_rc = s.exit_code;
  }
  if (!want[kReport]) {
    for (const Step& s : steps) {
      if (s.exit_code != 0) {
        theirs_rc = s.exit_code;
        break;
      }
    }
  }
  for (const Step& s : steps) {
    if (s.name == "report") WriteFile(theirs_dir + "/" + kOutputs[kReport], s.out);
    WriteFile(theirs_dir + "/" + s.name + ".stdout", s.out);
    WriteFile(theirs_dir + "/" + s.name + ".stderr", s.err);
  }

  // The comparison, one row per report.
  std::vector<std::pair<std::string, Verdict>> rows;
  for (int k = 0; k < kKinds; ++k) {
    if (!want[k]) continue;
    const std::string theirs_path = theirs_dir + "/" + kOutputs[k], ours_path = ours_dir + "/" + kOutputs[k];
    if (k == kHtml) {
      rows.emplace_back(kNames[k], CompareHtml(theirs_path, ours_path));
      continue;
    }
    auto theirs = ReadFile(theirs_path), ours = ReadFile(ours_path);
    if (k == kJson) {
      if (theirs) theirs = verify::NormalizeJson(std::move(*theirs));
      if (ours) ours = verify::NormalizeJson(std::move(*ours));
    } else if (k == kXml) {
      if (theirs) theirs = verify::NormalizeXml(std::move(*theirs));
      if (ours) ours = verify::NormalizeXml(std::move(*ours));
    }
    rows.emplace_back(kNames[k], CompareTexts(theirs, ours, k == kReport ? "a terminal report" : kOutputs[k]));
  }
  {
    Verdict v;
    v.same = theirs_rc == ours_rc;
    v.summary = v.same ? "identical (" + std::to_string(ours_rc) + ")"
                       : "differs: coverage.py " + std::to_string(theirs_rc) + ", covalesce " + std::to_string(ours_rc);
    rows.emplace_back("exit", v);
  }

  // The table. Paths under the current directory are shown relative to it.
  auto shown = [&](const std::string& path) {
    std::string rel = RelPath(path, cwd);
    return rel.rfind("../", 0) == 0 ? path : rel;
  };
  std::string what = inputs.size() == 1 && shards->empty()
                         ? "the data file " + shown(data_file)
                         : Plural(shards->size(), "shard") + " beside " + shown(data_file);
  std::printf("covalesce verify: %s; coverage.py %s in %s against covalesce %s\n", what.c_str(),
              coverage_version.c_str(), python.c_str(), kVersion);
  if (coverage_version != kCoverageVersion) {
    std::printf("  (covalesce follows coverage.py %s; other versions may differ)\n", kCoverageVersion);
  }
  bool all_same = true;
  std::vector<std::string> differing;
  for (const auto& [name, v] : rows) {
    std::printf("  %-8s %s\n", name.c_str(), v.summary.c_str());
    for (const std::string& d : v.detail) std::printf("             %s\n", d.c_str());
    if (!v.same) {
      all_same = false;
      differing.push_back(name);
    }
  }
  for (const Step& s : steps) {
    if (s.exit_code != 0 && s.exit_code != 2) {
      std::printf("  note: coverage %s exited %d: %s\n", s.name.c_str(), s.exit_code,
                  FirstLine(s.out.empty() ? s.err : s.out).c_str());
    }
  }
  std::string step_names;
  for (const Step& s : steps) step_names += (step_names.empty() ? "" : "; ") + s.name;
  std::printf("  %-12s %9.3f s  (%s, each its own process)\n", "coverage.py", theirs_seconds, step_names.c_str());
  std::printf("  %-12s %9.3f s  (all, cold analysis cache)\n", "covalesce", ours_seconds);
  if (ours_seconds > 0) std::printf("  %-12s %9.1fx\n", "ratio", theirs_seconds / ours_seconds);
  if (all_same) {
    std::printf("Everything identical.\n");
  } else {
    std::string names;
    for (const std::string& n : differing) names += (names.empty() ? "" : ", ") + n;
    std::printf("Differences in: %s.\n", names.c_str());
  }
  return finish(all_same ? kOk : kErr);
}

}  // namespace covalesce::cli
