// Python tokenizer and parser tests (filled in below).
#include <gtest/gtest.h>

#include "covalesce/python_ast.h"

TEST(PythonParser, Smoke) {
  auto out = covalesce::py::ParseModule("x = 1\n", covalesce::py::PyVersion::k313);
  ASSERT_FALSE(out.failed);
}
