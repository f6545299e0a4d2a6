// Fuzz target: the JSON reader of src/analysis/json_io.cc, which reads the Python helper's
// output lines and `covalesce debug analysis` input, and the analysis cache's binary row
// reader (binary_io.cc). Checks: no crash or sanitizer report on any bytes (simdjson's
// padding included); an error has a message; whatever FromJson accepts survives a round
// trip: ToJson of it reads back equal, and writes the same text again; so does its cache
// row. The same bytes also go to the row reader as a row: whatever it accepts writes a row
// that reads back equal. Also runs the helper probe line's reader.
#include <string_view>

#include "../src/analysis/internal.h"
#include "covalesce/analysis.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace covalesce;
  std::string_view json(reinterpret_cast<const char*>(data), size);
  (void)analysis::StringFields(json);
  if (Result<FileAnalysis> row = analysis::FromBinary(json); row) {
    Result<FileAnalysis> again = analysis::FromBinary(analysis::ToBinary(*row));
    if (!again || !(*again == *row)) fuzz::Fail("FromBinary(ToBinary(a)) != a for a row FromBinary accepted");
  } else if (row.error().message.empty()) {
    fuzz::Fail("a row error without a message");
  }
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
  // The cache's row of the same analysis reads back equal too.
  Result<FileAnalysis> c = analysis::FromBinary(analysis::ToBinary(*a));
  if (!c) fuzz::Fail("ToBinary wrote a row FromBinary rejects: " + c.error().message + "\n" + text);
  if (!(*c == *a)) fuzz::Fail("FromBinary(ToBinary(a)) != a\n" + text);
  return 0;
}
