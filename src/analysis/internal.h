// Pieces shared inside the analysis component: the embedded helper script (and, from
// covalesce/process.h, running a program with its output captured).
#pragma once
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "covalesce/process.h"
#include "covalesce/result.h"

namespace covalesce::analysis {

// helper.py's text (helper_script.cc).
extern const std::string_view kHelperScript;

// The string fields of a flat JSON object such as the helper's probe line (json_io.cc);
// nullopt when `json` is not an object.
std::optional<std::map<std::string, std::string>> StringFields(std::string_view json);

// The sha256 of the parts, one after another, in hex.
std::string Sha256Hex(std::initializer_list<std::string_view> parts);

}  // namespace covalesce::analysis
