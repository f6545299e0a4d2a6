// coverage.py's HandyConfigParser over our configparser-compatible reader: "coverage:" (and, for
// coverage's own files, bare) section names, env substitution on every get, and configparser's
// boolean/int/float conversions with their ValueError texts.
#include <fmt/format.h>

#include "config_source.h"
#include "env_expand.h"
#include "ini.h"
#include "covalesce/os_path.h"
#include "covalesce/pcre.h"
#include "covalesce/py_compat.h"

namespace covalesce {
namespace {

class IniSource : public ConfigSource {
 public:
  IniSource(IniDoc doc, std::string filename, GetEnv env)
      : doc_(std::move(doc)), filename_(std::move(filename)), env_(std::move(env)) {}

  std::optional<std::string> RealSection(const std::string& section) const override {
    for (const auto& prefix : prefixes_)
      if (doc_.HasSection(prefix + section)) return prefix + section;
    return std::nullopt;
  }

  bool HasOption(const std::string& section, const std::string& option) const override {
    const auto real = RealSection(section);
    return real && doc_.HasOption(*real, option);
  }

  std::vector<std::string> Options(const std::string& section) const override {
    const auto real = RealSection(section);
    return real ? doc_.Options(*real) : std::vector<std::string>{};
  }

  Result<std::string> Get(const std::string& section, const std::string& option) const override {
    for (const auto& prefix : prefixes_)
      if (auto v = doc_.Get(prefix + section, option)) return SubstituteVariables(*v, env_);
    return Error{fmt::format("No option {} in section: {}", py::Repr(option), py::Repr(section))};
  }

  Result<bool> GetBool(const std::string& section, const std::string& option) const override {
    auto v = Get(section, option);
    if (!v.ok()) return v.error();
    const std::string lower = py::Lower(*v);
    if (lower == "1" || lower == "yes" || lower == "true" || lower == "on") return true;
    if (lower == "0" || lower == "no" || lower == "false" || lower == "off") return false;
    return Wrapped("Not a boolean: " + *v);
  }

  Result<long long> GetInt(const std::string& section, const std::string& option) const override {
    auto v = Get(section, option);
    if (!v.ok()) return v.error();
    if (auto i = py::ParseInt(*v)) return *i;
    return Wrapped("invalid literal for int() with base 10: " + py::Repr(*v));
  }

  Result<double> GetFloat(const std::string& section, const std::string& option) const override {
    auto v = Get(section, option);
    if (!v.ok()) return v.error();
    if (auto f = py::ParseFloat(*v)) return *f;
    return Wrapped("could not convert string to float: " + py::Repr(*v));
  }

  Result<std::string> GetFile(const std::string& section, const std::string& option) const override {
    auto v = Get(section, option);
    if (!v.ok()) return v.error();
    return ospath::ExpandUser(*v, env_);
  }

  // Newline- and comma-separated, each item stripped, empty ones dropped.
  Result<std::vector<std::string>> GetList(const std::string& section,
                                           const std::string& option) const override {
    auto v = Get(section, option);
    if (!v.ok()) return v.error();
    std::vector<std::string> items;
    for (const auto& line : py::Split(*v, '\n'))
      for (const auto& item : py::Split(line, ','))
        if (auto s = py::Strip(item); !s.empty()) items.emplace_back(s);
    return items;
  }

  // One regex per line (commas are regex syntax).
  Result<std::vector<std::string>> GetRegexList(const std::string& section,
                                                const std::string& option) const override {
    auto v = Get(section, option);
    if (!v.ok()) return v.error();
    return ProcessRegexList(section, option, py::SplitLines(*v));
  }

 private:
  Error Wrapped(const std::string& msg) const {
    return Error{fmt::format("Couldn't read config file {}: {}", filename_, msg)};
  }

  IniDoc doc_;
  std::string filename_;
  GetEnv env_;
};

}  // namespace

Result<std::vector<std::string>> ProcessRegexList(const std::string& section, const std::string& option,
                                                  const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& raw : values) {
    const std::string value(py::Strip(raw));
    if (auto st = CheckPythonRegex(value); !st.ok())
      return Error{fmt::format("Invalid [{}].{} value {}: {}", section, option, py::Repr(value), st.error().message)};
    if (!value.empty()) out.push_back(value);
  }
  return out;
}

Result<std::unique_ptr<ConfigSource>> MakeIniSource(const std::string& text, const std::string& filename,
                                                    bool our_file, const GetEnv& env) {
  auto doc = ParseIni(text, filename);
  if (!doc.ok()) return Error{fmt::format("Couldn't read config file {}: {}", filename, doc.error().message)};
  auto source = std::make_unique<IniSource>(std::move(*doc), filename, env);
  source->set_prefixes(our_file ? std::vector<std::string>{"coverage:", ""} : std::vector<std::string>{"coverage:"});
  return std::unique_ptr<ConfigSource>(std::move(source));
}

}  // namespace covalesce
