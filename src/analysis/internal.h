// Pieces shared inside the analysis component: the embedded helper script and a way to
// run a program to completion with its output captured.
#pragma once
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "covalesce/result.h"

namespace covalesce::analysis {

// helper.py's text (helper_script.cc).
extern const std::string_view kHelperScript;

struct ProcessResult {
  int exit_code = 0;  // 128 + signal number when killed by a signal
  std::string out, err;
};

// Runs argv[0] (looked up on PATH) with `input` as its stdin and this process's environment
// plus `env` ("NAME=value" entries, replacing any of the same name); waits for it. Fails
// only when the program cannot be started.
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv, std::string_view input,
                                 const std::vector<std::string>& env = {});

// The string fields of a flat JSON object such as the helper's probe line (json_io.cc);
// nullopt when `json` is not an object.
std::optional<std::map<std::string, std::string>> StringFields(std::string_view json);

// The sha256 of the parts, one after another, in hex.
std::string Sha256Hex(std::initializer_list<std::string_view> parts);

}  // namespace covalesce::analysis
