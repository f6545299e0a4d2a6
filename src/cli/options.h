// A command-line parser with Python optparse's behaviour, because covalesce must accept,
// reject and describe options exactly as coverage.py (built on optparse) does: long-option
// prefixes, "--opt=value", clustered short flags, options stop at the first argument, the
// same error texts, and the same help layout.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace covalesce::cli {

struct OptionSpec {
  enum class Type { kFlag, kFalseFlag, kString, kInt, kFloat };
  std::string short_name;  // "-q" or ""
  std::string long_name;   // "--quiet" or ""
  std::string dest;        // key in Parsed::values
  Type type = Type::kFlag;
  std::string metavar;     // for value options
  std::string help;
};

struct CommandSpec {
  std::string name;
  std::string usage;        // after "<program> <name> "
  std::string description;  // one paragraph
  std::vector<OptionSpec> options;
};

struct Parsed {
  std::map<std::string, std::string> values;  // dest -> value ("1"/"0" for flags)
  std::vector<std::string> args;
  bool has(const std::string& dest) const { return values.count(dest) > 0; }
  bool flag(const std::string& dest) const {
    auto it = values.find(dest);
    return it != values.end() && it->second == "1";
  }
  std::optional<std::string> get(const std::string& dest) const {
    auto it = values.find(dest);
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
};

// Parses `argv`; on failure returns optparse's error message (e.g. "no such option: --x").
std::optional<std::string> Parse(const CommandSpec& spec, const std::vector<std::string>& argv,
                                 Parsed& out);

// optparse's IndentedHelpFormatter output for the command, without the trailing newline.
std::string FormatHelp(const CommandSpec& spec, const std::string& program);

// textwrap.fill(text, width).
std::string Wrap(const std::string& text, size_t width, const std::string& indent = "",
                 const std::string& first_indent = "");

}  // namespace covalesce::cli
