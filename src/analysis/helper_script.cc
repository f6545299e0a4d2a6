// Embeds helper.py in the binary. The Python file opens with R"PY(#" and closes with
// #)PY", so it is a C++ raw string literal as well as a runnable script, and the build
// tracks it like a header.
#include "internal.h"

namespace covalesce::analysis {

static const char kText[] =
#include "helper.py"
    ;

const std::string_view kHelperScript(kText, sizeof(kText) - 1);

}  // namespace covalesce::analysis
