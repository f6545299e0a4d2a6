// Fuzz target: the JSON reader of src/analysis/json_io.cc, which reads the Python helper's
// output lines, the analysis cache's rows and `covalesce debug analysis` input. Checks: no
// crash or sanitizer report on any bytes (simdjson's padding included); an error has a
// message; and whatever FromJson accepts survives a round trip: ToJson of it reads back
// equal, and writes the same text again; so does its compact (cache) form. Also runs the
// helper probe line's reader.
#include <string_view>

#include "../src/analysis/internal.h"
#include "covalesce/analysis.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace covalesce;
  std::string_view json(reinterpret_cast<const char*>(data), size);
  (void)analysis::StringFields(json);
  Result<FileAnalysis> a = FromJson(json);
  if (!a) {
    if (a.error().message.empty()) fuzz::Fail("a JSON error without a message");
    return 0;
  }
  const std::string text = ToJson(*a);
  Result<FileAnalysis> b = FromJson(text);
  if (!b) fuzz::Fail("ToJson wrote JSON FromJson rejects: " + b.error().message + "\n" + text);
  if (!(*b == *a)) fuzz::Fail("FromJson(ToJson(a)) != a\n" + text);
  if (ToJson(*b) != text) fuzz::Fail("ToJson not stable over a round trip\n" + text);
  // The cache's compact form of the same analysis reads back equal too.
  const std::string compact = ToJson(*a, /*compact=*/true);
  Result<FileAnalysis> c = FromJson(compact);
  if (!c) fuzz::Fail("compact ToJson wrote JSON FromJson rejects: " + c.error().message + "\n" + compact);
  if (!(*c == *a)) fuzz::Fail("FromJson(ToJson(a, compact)) != a\n" + compact);
  return 0;
}
