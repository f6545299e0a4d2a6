// coverage.py's TomlConfigParser on top of toml++: dotted section lookup ("tool.coverage.run",
// or bare "run" in coverage's own TOML files), keys in file order (toml++ sorts them, tomllib
// keeps insertion order, and [paths] rule order depends on it), and the strict type checks
// with their messages ("Option [tool.coverage.report]precision is not an integer: 1.5").
#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "config_source.h"
#include "env_expand.h"
#include "covalesce/os_path.h"
#include "covalesce/py_compat.h"

namespace covalesce {
namespace {

// Table entries in the order their keys appear in the file.
std::vector<std::pair<std::string, const toml::node*>> InFileOrder(const toml::table& table) {
  std::vector<std::tuple<toml::source_position, std::string, const toml::node*>> entries;
  for (const auto& [key, node] : table) entries.emplace_back(key.source().begin, std::string(key.str()), &node);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const auto& pa = std::get<0>(a);
    const auto& pb = std::get<0>(b);
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  std::vector<std::pair<std::string, const toml::node*>> out;
  for (auto& [pos, key, node] : entries) out.emplace_back(std::move(key), node);
  return out;
}

std::string TimeArgs(const toml::time& t) {
  std::string s = fmt::format("{}, {}", +t.hour, +t.minute);
  const unsigned micro = t.nanosecond / 1000;
  if (t.second != 0 || micro != 0) s += fmt::format(", {}", +t.second);
  if (micro != 0) s += fmt::format(", {}", micro);
  return s;
}

// Python's repr() of the value tomllib would have produced.
std::string PyRepr(const toml::node& node) {
  if (auto s = node.as_string()) return py::Repr(s->get());
  if (auto i = node.as_integer()) return std::to_string(i->get());
  if (auto f = node.as_floating_point()) return py::FloatRepr(f->get());
  if (auto b = node.as_boolean()) return b->get() ? "True" : "False";
  if (auto a = node.as_array()) {
    std::string out = "[";
    for (size_t i = 0; i < a->size(); ++i) out += (i ? ", " : "") + PyRepr(*a->get(i));
    return out + "]";
  }
  if (auto t = node.as_table()) {
    std::string out = "{";
    bool first = true;
    for (const auto& [key, value] : InFileOrder(*t)) {
      out += (first ? "" : ", ") + py::Repr(key) + ": " + PyRepr(*value);
      first = false;
    }
    return out + "}";
  }
  if (auto d = node.as_date()) return fmt::format("datetime.date({}, {}, {})", d->get().year, +d->get().month, +d->get().day);
  if (auto t = node.as_time()) return fmt::format("datetime.time({})", TimeArgs(t->get()));
  if (auto dt = node.as_date_time()) {
    const auto& v = dt->get();
    std::string s = fmt::format("datetime.datetime({}, {}, {}, {}", v.date.year, +v.date.month, +v.date.day,
                                TimeArgs(v.time));
    if (v.offset) {
      const int secs = v.offset->minutes * 60;
      if (secs == 0) s += ", tzinfo=datetime.timezone.utc";
      else if (secs > 0) s += fmt::format(", tzinfo=datetime.timezone(datetime.timedelta(seconds={}))", secs);
      else s += fmt::format(", tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds={}))", 86400 + secs);
    }
    return s + ")";
  }
  return "None";
}

std::string IsoTime(const toml::time& t) {
  std::string s = fmt::format("{:02}:{:02}:{:02}", +t.hour, +t.minute, +t.second);
  if (t.nanosecond / 1000 != 0) s += fmt::format(".{:06}", t.nanosecond / 1000);
  return s;
}

// Python's str() of a value: the string itself, isoformat() for dates, repr() otherwise.
std::string PyStr(const toml::node& node) {
  if (auto s = node.as_string()) return s->get();
  const auto iso_date = [](const toml::date& d) { return fmt::format("{:04}-{:02}-{:02}", d.year, +d.month, +d.day); };
  if (auto d = node.as_date()) return iso_date(d->get());
  if (auto t = node.as_time()) return IsoTime(t->get());
  if (auto dt = node.as_date_time()) {
    const auto& v = dt->get();
    std::string s = iso_date(v.date) + " " + IsoTime(v.time);
    if (v.offset) {
      const int m = v.offset->minutes;
      s += fmt::format("{}{:02}:{:02}", m < 0 ? '-' : '+', std::abs(m) / 60, std::abs(m) % 60);
    }
    return s;
  }
  return PyRepr(node);
}

class TomlSource : public ConfigSource {
 public:
  TomlSource(toml::table data, std::string filename, GetEnv env)
      : data_(std::move(data)), filename_(std::move(filename)), env_(std::move(env)) {}

  std::optional<std::string> RealSection(const std::string& section) const override {
    return FindSection(section).first;
  }

  bool HasOption(const std::string& section, const std::string& option) const override {
    const toml::table* table = FindSection(section).second;
    return table != nullptr && table->contains(option);
  }

  std::vector<std::string> Options(const std::string& section) const override {
    std::vector<std::string> names;
    if (const toml::table* table = FindSection(section).second)
      for (const auto& entry : InFileOrder(*table)) names.push_back(entry.first);
    return names;
  }

  Result<std::string> Get(const std::string& section, const std::string& option) const override {
    auto [name, node] = Lookup(section, option);
    if (auto s = node->as_string()) return SubstituteVariables(s->get(), env_);
    return PyStr(*node);  // tomllib hands non-strings through unchanged
  }

  Result<bool> GetBool(const std::string& section, const std::string& option) const override {
    auto [name, node] = Lookup(section, option);
    if (auto b = node->as_boolean()) return b->get();
    if (auto s = node->as_string()) {
      return Convert<bool>(name, option, s->get(), "a boolean", [](const std::string& v) -> std::optional<bool> {
        if (v == "true") return true;
        if (v == "false") return false;
        return std::nullopt;
      });
    }
    return TypeError(name, option, "is not", "a boolean", PyRepr(*node));
  }

  Result<long long> GetInt(const std::string& section, const std::string& option) const override {
    auto [name, node] = Lookup(section, option);
    if (auto i = node->as_integer()) return i->get();
    if (auto b = node->as_boolean()) return b->get() ? 1 : 0;  // Python's bool is an int
    if (auto s = node->as_string()) {
      return Convert<long long>(name, option, s->get(), "an integer",
                                [](const std::string& v) { return py::ParseInt(v); });
    }
    return TypeError(name, option, "is not", "an integer", PyRepr(*node));
  }

  Result<double> GetFloat(const std::string& section, const std::string& option) const override {
    auto [name, node] = Lookup(section, option);
    if (auto f = node->as_floating_point()) return f->get();
    if (auto i = node->as_integer()) return static_cast<double>(i->get());
    if (auto b = node->as_boolean()) return b->get() ? 1.0 : 0.0;
    if (auto s = node->as_string()) {
      return Convert<double>(name, option, s->get(), "a float",
                             [](const std::string& v) { return py::ParseFloat(v); });
    }
    return TypeError(name, option, "is not", "a float", PyRepr(*node));
  }

  Result<std::string> GetFile(const std::string& section, const std::string& option) const override {
    auto [name, node] = Lookup(section, option);
    auto s = node->as_string();
    if (s == nullptr) return TypeError(name, option, "is not", "a string", PyRepr(*node));
    auto v = SubstituteVariables(s->get(), env_);
    if (!v.ok()) return v.error();
    return ospath::ExpandUser(*v, env_);
  }

  // An array of strings, each substituted; items are kept exactly as written.
  Result<std::vector<std::string>> GetList(const std::string& section,
                                           const std::string& option) const override {
    auto [name, node] = Lookup(section, option);
    return ListOf(name, option, *node);
  }

  Result<std::vector<std::string>> GetRegexList(const std::string& section,
                                                const std::string& option) const override {
    auto [name, node] = Lookup(section, option);
    auto values = ListOf(name, option, *node);
    if (!values.ok()) return values.error();
    return ProcessRegexList(name, option, *values);
  }

 private:
  // TomlConfigParser._get_section: the first prefix whose dotted path leads to a table.
  std::pair<std::optional<std::string>, const toml::table*> FindSection(const std::string& section) const {
    for (const auto& prefix : prefixes_) {
      const std::string real = prefix + section;
      const toml::table* table = &data_;
      for (const auto& part : py::Split(real, '.')) {
        const toml::node* next = table->get(part);
        table = next != nullptr ? next->as_table() : nullptr;
        if (table == nullptr) break;
      }
      if (table != nullptr) return {real, table};
    }
    return {std::nullopt, nullptr};
  }

  // Only called for options HasOption found.
  std::pair<std::string, const toml::node*> Lookup(const std::string& section, const std::string& option) const {
    auto [name, table] = FindSection(section);
    return {name.value_or(section), table->get(option)};
  }

  Result<std::vector<std::string>> ListOf(const std::string& name, const std::string& option,
                                          const toml::node& node) const {
    const toml::array* array = node.as_array();
    if (array == nullptr) return TypeError(name, option, "is not", "a list", PyRepr(node));
    std::vector<std::string> values;
    for (const auto& item : *array) {
      auto s = item.as_string();
      if (s == nullptr) return TypeError(name, option, "is not", "a list of strings", PyRepr(item));
      auto v = SubstituteVariables(s->get(), env_);
      if (!v.ok()) return v.error();
      values.push_back(std::move(*v));
    }
    return values;
  }

  // A string value as the type `what` names: variables substituted, then `parse`d (nullopt:
  // it does not convert).
  template <typename T, typename Parse>
  Result<T> Convert(const std::string& name, const std::string& option, const std::string& text, const char* what,
                    Parse parse) const {
    auto v = SubstituteVariables(text, env_);
    if (!v.ok()) return v.error();
    if (std::optional<T> converted = parse(*v)) return *converted;
    return TypeError(name, option, "couldn't convert to", what, py::Repr(*v));
  }

  Error TypeError(const std::string& name, const std::string& option, const char* verb, const char* what,
                  const std::string& value) const {
    return Error{fmt::format("Couldn't read config file {}: Option [{}]{} {} {}: {}", filename_, name, option,
                             verb, what, value)};
  }

  toml::table data_;
  std::string filename_;
  GetEnv env_;
};

}  // namespace

Result<std::unique_ptr<ConfigSource>> MakeTomlSource(const std::string& text, const std::string& filename,
                                                     bool our_file, const GetEnv& env) {
  toml::table data;
#if TOML_EXCEPTIONS
  try {
    data = toml::parse(text, filename);
  } catch (const toml::parse_error& err) {
    return Error{fmt::format("Couldn't read config file {}: {} (at line {}, column {})", filename,
                             err.description(), err.source().begin.line, err.source().begin.column)};
  }
#else
  toml::parse_result parsed = toml::parse(text, filename);
  if (!parsed) {
    const auto& err = parsed.error();
    return Error{fmt::format("Couldn't read config file {}: {} (at line {}, column {})", filename,
                             err.description(), err.source().begin.line, err.source().begin.column)};
  }
  data = std::move(parsed).table();
#endif
  auto source = std::make_unique<TomlSource>(std::move(data), filename, env);
  source->set_prefixes(our_file ? std::vector<std::string>{"tool.coverage.", ""}
                                : std::vector<std::string>{"tool.coverage."});
  return std::unique_ptr<ConfigSource>(std::move(source));
}

}  // namespace covalesce
