// Fuzz target: the configuration reader (src/config): INI through configparser's rules and
// TOML through toml++, coverage.py's section prefixes, typed getters, ${VAR} expansion,
// [paths] and the Python-regex-to-PCRE2 translation of exclusion settings. The first input
// byte picks the file the rest is written to (.coveragerc, setup.cfg, .coveragerc.toml,
// pyproject.toml), so seeds are `<kind byte><file text>`. Checks: no crash, hang or sanitizer
// report; an error has a message; a loaded configuration's regexes either build a native
// analyser (and run over a small source) or fail with a message.
#include <unistd.h>

#include <map>

#include "covalesce/analysis.h"
#include "covalesce/config.h"
#include "covalesce/native_analysis.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace covalesce;
  if (size == 0) return 0;
  static const char* kNames[] = {".coveragerc", "setup.cfg", ".coveragerc.toml", "pyproject.toml"};
  const std::string dir = fuzz::ScratchDir() + "/config";
  static bool made = [&] {
    std::filesystem::create_directories(dir);
    return true;
  }();
  (void)made;
  for (const char* n : kNames) unlink((dir + "/" + n).c_str());
  const std::string name = kNames[data[0] % 4];
  fuzz::WriteScratch("config/" + name, data + 1, size - 1);

  static const std::map<std::string, std::string> kEnv = {
      {"HOME", "/home/fuzz"}, {"USER", "fuzz"}, {"VAR", "value"}, {"EMPTY", ""}, {"X", "${VAR}"}};
  GetEnv env = [](const std::string& k) -> std::optional<std::string> {
    auto it = kEnv.find(k);
    if (it == kEnv.end()) return std::nullopt;
    return it->second;
  };
  Result<Config> config = LoadConfig(std::nullopt, dir, env);
  if (!config) {
    if (config.error().message.empty()) fuzz::Fail("a config error without a message");
    return 0;
  }
  AnalysisSettings s;
  s.exclude = config->exclude_lines;
  s.partial = config->partial_branches;
  s.partial_always = config->partial_branches_always;
  s.branch = true;
  s.relative_files = true;
  s.python_version = "3.12";
  auto analyzer = NativeAnalyzer::Create(s);
  if (!analyzer) {
    if (analyzer.error().message.empty()) fuzz::Fail("an analyser error without a message");
    return 0;
  }
  static const char kSource[] =
      "import os  # pragma: no cover\n"
      "def f(x):\n"
      "    if x:  # pragma: no branch\n"
      "        return 1\n"
      "    while True:\n"
      "        break\n"
      "class C:\n"
      "    def g(self): ...\n";
  (*analyzer)->Analyze("fuzz.py", kSource);
  return 0;
}
