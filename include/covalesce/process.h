// Running a program to completion with its output captured (src/analysis/process.cc): the
// exact fallback's helper processes, and `covalesce verify`'s coverage.py commands.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "covalesce/result.h"

namespace covalesce::analysis {

struct ProcessResult {
  int exit_code = 0;  // 128 + signal number when killed by a signal
  std::string out, err;
};

// Runs argv[0] (looked up on PATH) with `input` as its stdin and this process's environment
// plus `env` ("NAME=value" entries, replacing any of the same name); waits for it. Fails
// only when the program cannot be started.
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv, std::string_view input,
                                 const std::vector<std::string>& env = {});

}  // namespace covalesce::analysis
