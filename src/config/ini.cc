// configparser-compatible INI reading (Python 3.11-3.13 RawConfigParser._read with coverage.py's
// settings: interpolation off, strict, '=' and ':' delimiters, '#' and ';' full-line comments
// only, blank lines kept inside multi-line values). Errors carry configparser's exact wording
// because coverage.py shows them as "Couldn't read config file x: <configparser error>".
#include "ini.h"

#include <algorithm>

#include <fmt/format.h>

#include "covalesce/py_compat.h"

namespace covalesce {
namespace {

constexpr std::string_view kDefaultSection = "DEFAULT";

// Splits like Python's universal-newline text reading: each line keeps a "\n" terminator
// (converted from \r\n or \r) except possibly the last.
std::vector<std::string> ReadLines(std::string_view text) {
  std::vector<std::string> lines;
  std::string cur;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      lines.push_back(cur + "\n");
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) lines.push_back(cur);
  return lines;
}

std::string LineNo(size_t lineno) { return fmt::format("{:2d}", lineno); }

// Index of the first non-whitespace character (configparser's NONSPACECRE), 0 if none.
size_t IndentOf(std::string_view line) {
  const std::string_view stripped = py::Strip(line);
  return stripped.empty() ? 0 : static_cast<size_t>(stripped.data() - line.data());
}

IniSection* FindSection(std::vector<IniSection>& sections, std::string_view name) {
  for (auto& s : sections)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace

const std::string* IniSection::Find(std::string_view option) const {
  for (const auto& [name, value] : options)
    if (name == option) return &value;
  return nullptr;
}

bool IniDoc::HasSection(std::string_view name) const {
  for (const auto& s : sections)
    if (s.name == name) return true;
  return false;
}

bool IniDoc::HasOption(std::string_view section, std::string_view option) const {
  return Get(section, option).has_value();
}

std::vector<std::string> IniDoc::Options(std::string_view section) const {
  std::vector<std::string> names;
  for (const auto& s : sections)
    if (s.name == section)
      for (const auto& opt : s.options) names.push_back(opt.first);
  for (const auto& opt : defaults.options)
    if (std::find(names.begin(), names.end(), opt.first) == names.end()) names.push_back(opt.first);
  return names;
}

std::optional<std::string> IniDoc::Get(std::string_view section, std::string_view option) const {
  const std::string name = py::Lower(option);
  for (const auto& s : sections) {
    if (s.name != section) continue;
    if (const std::string* v = s.Find(name)) return *v;
    if (const std::string* v = defaults.Find(name)) return *v;
    return std::nullopt;
  }
  return std::nullopt;
}

Result<IniDoc> ParseIni(std::string_view text, const std::string& source) {
  IniDoc doc;
  // Values are collected as line lists and joined at the end, as configparser does.
  struct Pending {
    IniSection* section;
    size_t option;
    std::vector<std::string> lines;
  };
  std::vector<Pending> pending;
  IniSection* cursect = nullptr;
  std::string sectname;
  Pending* curopt = nullptr;  // the option a continuation line would extend
  std::vector<std::string> added;  // sections and "section\0option" seen in this file
  std::string parse_errors;
  size_t indent_level = 0;
  const auto lines = ReadLines(text);
  doc.sections.reserve(lines.size());  // keeps IniSection pointers stable
  pending.reserve(lines.size());

  for (size_t idx = 0; idx < lines.size(); ++idx) {
    const size_t lineno = idx + 1;
    const std::string& line = lines[idx];
    const std::string_view stripped = py::Strip(line);
    const bool comment = !stripped.empty() && (stripped[0] == '#' || stripped[0] == ';');
    const std::string_view value = comment ? std::string_view() : stripped;
    if (value.empty()) {
      if (!comment && cursect != nullptr && curopt != nullptr) curopt->lines.emplace_back();
      continue;
    }
    const size_t cur_indent = IndentOf(line);
    if (cursect != nullptr && curopt != nullptr && cur_indent > indent_level) {
      curopt->lines.emplace_back(value);
      continue;
    }
    indent_level = cur_indent;
    // Section header: '[' then the longest run up to a ']' ("[a]b]" names "a]b").
    const size_t close = value.rfind(']');
    if (value[0] == '[' && close != std::string_view::npos && close >= 2) {
      sectname = std::string(value.substr(1, close - 1));
      if (sectname == kDefaultSection) {
        cursect = &doc.defaults;
      } else if (IniSection* existing = FindSection(doc.sections, sectname)) {
        if (std::find(added.begin(), added.end(), sectname) != added.end())
          return Error{fmt::format("While reading from {} [line {}]: section {} already exists",
                                   py::Repr(source), LineNo(lineno), py::Repr(sectname))};
        cursect = existing;
      } else {
        doc.sections.push_back(IniSection{sectname, {}});
        cursect = &doc.sections.back();
        added.push_back(sectname);
      }
      curopt = nullptr;
      continue;
    }
    if (cursect == nullptr)
      return Error{fmt::format("File contains no section headers.\nfile: {}, line: {}\n{}", py::Repr(source),
                               lineno, py::Repr(line))};
    // Option line: the name runs up to the first '=' or ':'.
    const size_t delim = value.find_first_of("=:");
    if (delim == std::string_view::npos) {
      parse_errors += fmt::format("\n\t[line {}]: {}", LineNo(lineno), py::Repr(line));
      continue;
    }
    const std::string optname = py::Lower(py::Strip(value.substr(0, delim)));
    if (optname.empty()) parse_errors += fmt::format("\n\t[line {}]: {}", LineNo(lineno), py::Repr(line));
    const std::string key = sectname + '\0' + optname;
    if (std::find(added.begin(), added.end(), key) != added.end())
      return Error{fmt::format("While reading from {} [line {}]: option {} in section {} already exists",
                               py::Repr(source), LineNo(lineno), py::Repr(optname), py::Repr(sectname))};
    added.push_back(key);
    const size_t index = cursect->options.size();
    cursect->options.emplace_back(optname, "");
    pending.push_back(Pending{cursect, index, {std::string(py::Strip(value.substr(delim + 1)))}});
    // An empty name is stored but never continued (configparser's `if optname` test).
    curopt = optname.empty() ? nullptr : &pending.back();
  }

  for (const auto& p : pending) {
    std::string joined;
    for (size_t i = 0; i < p.lines.size(); ++i) joined += (i ? "\n" : "") + p.lines[i];
    p.section->options[p.option].second = std::string(py::RStrip(joined));
  }
  if (!parse_errors.empty())
    return Error{fmt::format("Source contains parsing errors: {}{}", py::Repr(source), parse_errors)};
  return doc;
}

}  // namespace covalesce
