// One parsed config file seen the way coverage.py's HandyConfigParser (INI) and
// TomlConfigParser (TOML) present it: logical sections ("run") found through prefixes
// ("coverage:", "tool.coverage.", ""), and typed getters that substitute environment variables
// and fail with coverage.py's texts. Private to src/config.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "covalesce/config.h"
#include "covalesce/result.h"

namespace covalesce {

class ConfigSource {
 public:
  virtual ~ConfigSource() = default;

  // Section prefixes tried in order; the first whose section exists is the real section.
  void set_prefixes(std::vector<std::string> prefixes) { prefixes_ = std::move(prefixes); }

  virtual std::optional<std::string> RealSection(const std::string& section) const = 0;
  virtual bool HasOption(const std::string& section, const std::string& option) const = 0;
  virtual std::vector<std::string> Options(const std::string& section) const = 0;

  // Getters for an option HasOption reported. Error texts are final: value errors come wrapped
  // as "Couldn't read config file <f>: ...", regex and ${VAR?} errors unwrapped, as in coverage.py.
  virtual Result<std::string> Get(const std::string& section, const std::string& option) const = 0;
  virtual Result<bool> GetBool(const std::string& section, const std::string& option) const = 0;
  virtual Result<long long> GetInt(const std::string& section, const std::string& option) const = 0;
  virtual Result<double> GetFloat(const std::string& section, const std::string& option) const = 0;
  virtual Result<std::string> GetFile(const std::string& section, const std::string& option) const = 0;
  virtual Result<std::vector<std::string>> GetList(const std::string& section,
                                                   const std::string& option) const = 0;
  virtual Result<std::vector<std::string>> GetRegexList(const std::string& section,
                                                        const std::string& option) const = 0;

 protected:
  std::vector<std::string> prefixes_;
};

// Parses `text`, the contents of the file the user knows as `filename`. `our_file` selects the
// prefixes coverage.py allows. Errors: "Couldn't read config file <filename>: <parser error>".
Result<std::unique_ptr<ConfigSource>> MakeIniSource(const std::string& text, const std::string& filename,
                                                    bool our_file, const GetEnv& env);
Result<std::unique_ptr<ConfigSource>> MakeTomlSource(const std::string& text, const std::string& filename,
                                                     bool our_file, const GetEnv& env);

// config.process_regexlist: strips each value, checks it compiles, drops the empty ones.
Result<std::vector<std::string>> ProcessRegexList(const std::string& section, const std::string& option,
                                                  const std::vector<std::string>& values);

}  // namespace covalesce
