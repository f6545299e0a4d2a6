// Pieces shared inside the analysis component: the embedded helper script (and, from
// covalesce/process.h, running a program with its output captured).
#pragma once
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "covalesce/analysis.h"
#include "covalesce/process.h"
#include "covalesce/result.h"

namespace covalesce::analysis {

// helper.py's text (helper_script.cc).
extern const std::string_view kHelperScript;

// The string fields of a flat JSON object such as the helper's probe line (json_io.cc);
// nullopt when `json` is not an object.
std::optional<std::map<std::string, std::string>> StringFields(std::string_view json);

// Whether `fa` has the shape ToJson and ToBinary are given: fields of another kind of
// analysis empty (no statements in an error, no arc fields without has_arcs...).
bool WriterShape(const FileAnalysis& fa);

// The analysis cache's row: FileAnalysis as varints and strings (binary_io.cc), read back
// equal; FromBinary rejects anything else with an error.
std::string ToBinary(const FileAnalysis& fa);
Result<FileAnalysis> FromBinary(std::string_view row);

// The sha256 of the parts, one after another, in hex.
std::string Sha256Hex(std::initializer_list<std::string_view> parts);

}  // namespace covalesce::analysis
