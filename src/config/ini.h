// A reader for INI files that behaves like Python's configparser.ConfigParser(interpolation=None)
// as coverage.py uses it. Private to src/config.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "covalesce/result.h"

namespace covalesce {

struct IniSection {
  std::string name;
  std::vector<std::pair<std::string, std::string>> options;  // lower-cased names, file order
  const std::string* Find(std::string_view option) const;
};

struct IniDoc {
  std::vector<IniSection> sections;  // file order, without [DEFAULT]
  IniSection defaults;               // [DEFAULT]: visible in every section, as in configparser

  bool HasSection(std::string_view name) const;  // false for "DEFAULT"
  bool HasOption(std::string_view section, std::string_view option) const;
  // Section options, then the [DEFAULT] ones the section lacks.
  std::vector<std::string> Options(std::string_view section) const;
  std::optional<std::string> Get(std::string_view section, std::string_view option) const;
};

// Parses `text` (already decoded, any newline style). Errors are configparser's str(error),
// e.g. "While reading from 'setup.cfg' [line  4]: section 'run' already exists", with `source`
// as the file name shown.
Result<IniDoc> ParseIni(std::string_view text, const std::string& source);

}  // namespace covalesce
