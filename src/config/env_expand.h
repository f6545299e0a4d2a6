// $VAR / ${VAR} / ${VAR?} / ${VAR-default} / $$ substitution in config values, as coverage.py's
// misc.substitute_variables does it. Private to src/config.
#pragma once
#include <string>
#include <string_view>

#include "covalesce/config.h"
#include "covalesce/result.h"

namespace covalesce {

// Replaces the variables in `text`; an undefined ${VAR?} is the error
// "Variable VAR is undefined: '<text>'" (coverage.py raises it unwrapped).
Result<std::string> SubstituteVariables(std::string_view text, const GetEnv& env);

}  // namespace covalesce
