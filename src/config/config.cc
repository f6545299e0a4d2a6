// LoadConfig: coverage.py 7.17.3's read_coverage_config for the settings covalesce uses.
// Which file: --rcfile / COVERAGE_RCFILE / .coveragerc, then .coveragerc.toml, setup.cfg,
// tox.ini, pyproject.toml; the first that is "used" wins (coverage's own files always are, the
// shared ones only when they hold a coverage setting). Every option coverage.py knows is read
// in its CONFIG_FILE_OPTIONS order, so type errors surface for the same option first, even for
// options covalesce then ignores. Our own settings live in [covalesce] (any INI file) or
// [tool.covalesce] (TOML; bare [covalesce] too in coverage's own TOML files), read from the file
// that was used; coverage.py never looks there, so it never warns about them.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <variant>

#include <fmt/format.h>

#include "config_source.h"
#include "covalesce/config.h"
#include "covalesce/os_path.h"
#include "covalesce/py_compat.h"

namespace covalesce {
namespace {

enum class Kind { kString, kBool, kInt, kFloat, kFile, kList, kRegexList };
using Value = std::variant<std::string, bool, long long, double, std::vector<std::string>>;

// Settings coverage.py reads that Config has no field for but that post-processing needs.
struct Loading {
  Config config;
  std::vector<std::string> concurrency;
  std::vector<std::string> patch;
};

struct OptionSpec {
  const char* section;
  const char* option;
  Kind kind;
  void (*set)(Loading&, Value&&);  // nullptr: read and checked, then dropped
};

template <typename T>
T Take(Value& v) {
  return std::get<T>(std::move(v));
}

#define COV_SET(expr) [](Loading & l, Value && v) { expr; }
// coverage.py's CONFIG_FILE_OPTIONS, in order.
const OptionSpec kOptions[] = {
    {"run", "branch", Kind::kBool, COV_SET(l.config.branch = Take<bool>(v))},
    {"run", "command_line", Kind::kString, nullptr},
    {"run", "concurrency", Kind::kList, COV_SET(l.concurrency = Take<std::vector<std::string>>(v))},
    {"run", "context", Kind::kString, nullptr},
    {"run", "core", Kind::kString, nullptr},
    {"run", "cover_pylib", Kind::kBool, nullptr},
    {"run", "data_file", Kind::kFile, COV_SET(l.config.data_file = Take<std::string>(v))},
    {"run", "debug", Kind::kList, COV_SET(l.config.debug = Take<std::vector<std::string>>(v))},
    {"run", "debug_file", Kind::kFile, nullptr},
    {"run", "disable_warnings", Kind::kList, COV_SET(l.config.disable_warnings = Take<std::vector<std::string>>(v))},
    {"run", "dynamic_context", Kind::kString, nullptr},
    {"run", "parallel", Kind::kBool, COV_SET(l.config.parallel = Take<bool>(v))},
    {"run", "patch", Kind::kList, COV_SET(l.patch = Take<std::vector<std::string>>(v))},
    {"run", "plugins", Kind::kList, COV_SET(l.config.plugins = Take<std::vector<std::string>>(v))},
    {"run", "relative_files", Kind::kBool, COV_SET(l.config.relative_files = Take<bool>(v))},
    {"run", "include", Kind::kList, nullptr},
    {"run", "omit", Kind::kList, nullptr},
    {"run", "sigterm", Kind::kBool, nullptr},
    {"run", "source", Kind::kList, COV_SET(l.config.source = Take<std::vector<std::string>>(v))},
    {"run", "source_pkgs", Kind::kList, nullptr},
    {"run", "source_dirs", Kind::kList, nullptr},
    {"run", "timid", Kind::kBool, nullptr},
    {"run", "_crash", Kind::kString, nullptr},
    {"report", "exclude_lines", Kind::kRegexList, COV_SET(l.config.exclude_lines = Take<std::vector<std::string>>(v))},
    {"report", "exclude_also", Kind::kRegexList, COV_SET(l.config.exclude_also = Take<std::vector<std::string>>(v))},
    {"report", "fail_under", Kind::kFloat, COV_SET(l.config.fail_under = Take<double>(v))},
    {"report", "format", Kind::kString, COV_SET(l.config.format = Take<std::string>(v))},
    {"report", "ignore_errors", Kind::kBool, COV_SET(l.config.ignore_errors = Take<bool>(v))},
    {"report", "include_namespace_packages", Kind::kBool, nullptr},
    {"report", "partial_branches_always", Kind::kRegexList,
     COV_SET(l.config.partial_branches_always = Take<std::vector<std::string>>(v))},
    {"report", "partial_branches", Kind::kRegexList,
     COV_SET(l.config.partial_branches = Take<std::vector<std::string>>(v))},
    {"report", "partial_also", Kind::kRegexList, COV_SET(l.config.partial_also = Take<std::vector<std::string>>(v))},
    {"report", "precision", Kind::kInt, COV_SET(l.config.precision = static_cast<int>(Take<long long>(v)))},
    {"report", "contexts", Kind::kList, COV_SET(l.config.contexts = Take<std::vector<std::string>>(v))},
    {"report", "include", Kind::kList, COV_SET(l.config.report_include = Take<std::vector<std::string>>(v))},
    {"report", "omit", Kind::kList, COV_SET(l.config.report_omit = Take<std::vector<std::string>>(v))},
    {"report", "show_missing", Kind::kBool, COV_SET(l.config.show_missing = Take<bool>(v))},
    {"report", "skip_covered", Kind::kBool, COV_SET(l.config.skip_covered = Take<bool>(v))},
    {"report", "skip_empty", Kind::kBool, COV_SET(l.config.skip_empty = Take<bool>(v))},
    {"report", "sort", Kind::kString, COV_SET(l.config.sort = Take<std::string>(v))},
    {"html", "extra_css", Kind::kString, COV_SET(l.config.extra_css = Take<std::string>(v))},
    {"html", "directory", Kind::kFile, COV_SET(l.config.html_dir = Take<std::string>(v))},
    {"html", "skip_covered", Kind::kBool, COV_SET(l.config.html_skip_covered = Take<bool>(v))},
    {"html", "skip_empty", Kind::kBool, COV_SET(l.config.html_skip_empty = Take<bool>(v))},
    {"html", "title", Kind::kString, COV_SET(l.config.html_title = Take<std::string>(v))},
    {"html", "show_contexts", Kind::kBool, COV_SET(l.config.html_show_contexts = Take<bool>(v))},
    {"xml", "output", Kind::kFile, COV_SET(l.config.xml_output = Take<std::string>(v))},
    {"xml", "package_depth", Kind::kInt, COV_SET(l.config.xml_package_depth = static_cast<int>(Take<long long>(v)))},
    {"json", "output", Kind::kFile, COV_SET(l.config.json_output = Take<std::string>(v))},
    {"json", "pretty_print", Kind::kBool, COV_SET(l.config.json_pretty_print = Take<bool>(v))},
    {"json", "show_contexts", Kind::kBool, COV_SET(l.config.json_show_contexts = Take<bool>(v))},
    {"lcov", "output", Kind::kFile, COV_SET(l.config.lcov_output = Take<std::string>(v))},
    {"lcov", "line_checksums", Kind::kBool, COV_SET(l.config.lcov_line_checksums = Take<bool>(v))},
};

// Our own [covalesce] section.
const OptionSpec kOwnOptions[] = {
    {"covalesce", "python_version", Kind::kString, COV_SET(l.config.python_version = Take<std::string>(v))},
    {"covalesce", "reports", Kind::kList, COV_SET(l.config.reports = Take<std::vector<std::string>>(v))},
};
#undef COV_SET

Result<Value> Read(const ConfigSource& cp, const OptionSpec& spec) {
  const std::string section = spec.section, option = spec.option;
  auto wrap = [](auto r) -> Result<Value> {
    if (!r.ok()) return r.error();
    return Value(std::move(*r));
  };
  switch (spec.kind) {
    case Kind::kString: return wrap(cp.Get(section, option));
    case Kind::kBool: return wrap(cp.GetBool(section, option));
    case Kind::kInt: return wrap(cp.GetInt(section, option));
    case Kind::kFloat: return wrap(cp.GetFloat(section, option));
    case Kind::kFile: return wrap(cp.GetFile(section, option));
    case Kind::kList: return wrap(cp.GetList(section, option));
    case Kind::kRegexList: return wrap(cp.GetRegexList(section, option));
  }
  return Error{"unreachable"};
}

// Reads options of `specs` present in the file; returns whether any was. Unknown options of
// the sections named in `specs` become warnings.
Result<bool> ReadOptions(Loading& l, const ConfigSource& cp, const std::string& filename,
                         const OptionSpec* begin, const OptionSpec* end) {
  bool any_set = false;
  for (const OptionSpec* spec = begin; spec != end; ++spec) {
    if (!cp.HasOption(spec->section, spec->option)) continue;
    auto value = Read(cp, *spec);
    if (!value.ok()) return value.error();
    if (spec->set != nullptr) spec->set(l, std::move(*value));
    any_set = true;
  }
  std::vector<std::string> sections;
  for (const OptionSpec* spec = begin; spec != end; ++spec)
    if (std::find(sections.begin(), sections.end(), spec->section) == sections.end())
      sections.push_back(spec->section);
  for (const auto& section : sections) {
    const auto real = cp.RealSection(section);
    if (!real) continue;
    for (const auto& option : cp.Options(section)) {
      const bool known = std::any_of(begin, end, [&](const OptionSpec& s) {
        return s.section == section && s.option == option;
      });
      if (!known)
        l.config.warnings.push_back(
            fmt::format("Unrecognized option '[{}] {}=' in config file {}", *real, option, filename));
    }
  }
  return any_set;
}

// os.path.splitext(p)[1] == ".toml"
bool IsToml(const std::string& path) {
  const size_t sep = path.rfind('/'), dot = path.rfind('.');
  if (dot == std::string::npos || (sep != std::string::npos && dot < sep)) return false;
  const size_t name = sep == std::string::npos ? 0 : sep + 1;
  const bool only_dots_before = path.find_first_not_of('.', name) >= dot;
  return !only_dots_before && path.substr(dot) == ".toml";
}

// Reads a regular file; nullopt when Python's open() would fail.
std::optional<std::string> ReadFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st;
  if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    close(fd);
    return std::nullopt;
  }
  std::string text;
  char buf[65536];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) != 0;) {
    if (n < 0) {
      close(fd);
      return std::nullopt;
    }
    text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

// CoverageConfig.from_file: returns whether the file was used.
Result<bool> FromFile(Loading& l, const std::string& filename, bool our_file, const std::string& cwd,
                      const GetEnv& env) {
  auto text = ReadFile(ospath::Join(cwd, filename));
  if (!text) return false;
  if (auto bad = py::InvalidUtf8At(*text))
    return Error{fmt::format("Couldn't read config file {}: 'utf-8' codec can't decode byte 0x{:02x} in position {}",
                             filename, static_cast<unsigned char>((*text)[*bad]), *bad)};
  const bool toml = IsToml(filename);
  if (toml) {  // Python reads text files with universal newlines
    std::string fixed;
    for (size_t i = 0; i < text->size(); ++i) {
      if ((*text)[i] == '\r') {
        fixed += '\n';
        if (i + 1 < text->size() && (*text)[i + 1] == '\n') ++i;
      } else {
        fixed += (*text)[i];
      }
    }
    *text = std::move(fixed);
  }
  auto made = toml ? MakeTomlSource(*text, filename, our_file, env) : MakeIniSource(*text, filename, our_file, env);
  if (!made.ok()) return made.error();
  ConfigSource& cp = **made;

  auto any = ReadOptions(l, cp, filename, std::begin(kOptions), std::end(kOptions));
  if (!any.ok()) return any.error();
  bool any_set = *any;

  if (cp.RealSection("paths")) {
    for (const auto& option : cp.Options("paths")) {
      auto values = cp.GetList("paths", option);
      if (!values.ok()) return values.error();
      auto it = std::find_if(l.config.paths.begin(), l.config.paths.end(),
                             [&](const PathsEntry& e) { return e.name == option; });
      if (it != l.config.paths.end()) it->values = std::move(*values);
      else l.config.paths.push_back(PathsEntry{option, std::move(*values)});
      any_set = true;
    }
  }

  const bool used = our_file || any_set;
  if (!used) return false;
  l.config.config_file = ospath::AbsPath(filename, cwd);
  l.config.config_file_is_ours = our_file;

  if (toml) cp.set_prefixes(our_file ? std::vector<std::string>{"tool.", ""} : std::vector<std::string>{"tool."});
  else cp.set_prefixes({""});
  auto own = ReadOptions(l, cp, filename, std::begin(kOwnOptions), std::end(kOwnOptions));
  if (!own.ok()) return own.error();
  return true;
}

std::string JoinSorted(const std::set<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// CoverageConfig.post_process.
Status PostProcess(Loading& l, const GetEnv& env) {
  Config& c = l.config;
  for (auto& entry : c.paths)
    for (auto& value : entry.values) value = ospath::ExpandUser(value, env);
  c.exclude_lines.insert(c.exclude_lines.end(), c.exclude_also.begin(), c.exclude_also.end());
  c.partial_branches.insert(c.partial_branches.end(), c.partial_also.begin(), c.partial_also.end());
  if (std::find(l.patch.begin(), l.patch.end(), "subprocess") != l.patch.end()) c.parallel = true;

  static const std::set<std::string> kChoices = {"thread", "gevent", "greenlet", "eventlet", "multiprocessing"};
  static const std::set<std::string> kLightThreads = {"greenlet", "eventlet", "gevent"};
  std::set<std::string> unknown, light;
  for (const auto& c : l.concurrency) {
    if (!kChoices.count(c)) unknown.insert(c);
    if (kLightThreads.count(c)) light.insert(c);
  }
  if (!unknown.empty()) return Error{"Unknown concurrency choices: " + JoinSorted(unknown)};
  if (light.size() > 1) return Error{"Conflicting concurrency settings: " + JoinSorted(light)};
  return ok_status();
}

}  // namespace

GetEnv ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<Config> LoadConfig(const std::optional<std::string>& rcfile, const std::string& cwd, const GetEnv& env) {
  Loading l;
  // --rcfile= (empty) reads no file at all; ".coveragerc" means "not specified".
  const bool read_files = !rcfile || !rcfile->empty();
  if (read_files) {
    std::string first = ".coveragerc";
    bool specified = rcfile && *rcfile != ".coveragerc";
    if (specified) {
      first = *rcfile;
    } else if (auto env_rc = env("COVERAGE_RCFILE"); env_rc && !env_rc->empty()) {
      first = *env_rc;
      specified = true;
    }
    const struct {
      std::string name;
      bool ours, specified;
    } candidates[] = {
        {first, true, specified},      {".coveragerc.toml", true, false}, {"setup.cfg", false, false},
        {"tox.ini", false, false},     {"pyproject.toml", false, false},
    };
    for (const auto& cand : candidates) {
      auto used = FromFile(l, cand.name, cand.ours, cwd, env);
      if (!used.ok()) return used.error();
      if (*used) break;
      if (cand.specified) return Error{fmt::format("Couldn't read {} as a config file", py::Repr(cand.name))};
    }
  }

  if (auto data_file = env("COVERAGE_FILE"); data_file && !data_file->empty()) l.config.data_file = *data_file;
  if (auto debugs = env("COVERAGE_DEBUG"); debugs && !debugs->empty())
    for (const auto& d : py::Split(*debugs, ',')) l.config.debug.emplace_back(py::Strip(d));

  if (auto st = PostProcess(l, env); !st.ok()) return st.error();
  return std::move(l.config);
}

}  // namespace covalesce
