// Fuzz target: the Python decoder, tokenizer and parser (src/python) and the AST dump, on
// raw file bytes, for each modelled version (3.11, 3.12, 3.13). Checks: no crash, hang,
// sanitizer report or runaway memory on any input, and a failed parse always has a message.
// Whether covalesce accepts exactly what CPython accepts cannot be asked in-process:
// `scripts/fuzz replay-ast` runs this target's corpus through `covalesce debug ast` and
// CPython's `ast.parse` and reports every disagreement.
#include <string_view>

#include "covalesce/python_ast.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace covalesce;
  std::string_view source(reinterpret_cast<const char*>(data), size);
  for (py::PyVersion v : {py::PyVersion::k311, py::PyVersion::k312, py::PyVersion::k313}) {
    py::ParseOutcome outcome = py::ParseModule(source, v);
    if (outcome.failed && outcome.error.message.empty()) fuzz::Fail("a syntax error without a message");
    if (!outcome.failed && outcome.tree.module == nullptr) fuzz::Fail("a parse without a tree");
    std::string dump = py::DumpOutcome(outcome, v);
    if (dump.empty()) fuzz::Fail("an empty dump");
  }
  return 0;
}
