// Units of the JSON and LCOV writers' Python pieces: json.dumps of strings (ensure_ascii)
// and floats (repr), the isoformat timestamp, and LCOV's line hash. Where the reference venv
// exists, random floats and strings are also checked against Python's json module.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <regex>
#include <sstream>

#include "covalesce/report_json.h"
#include "covalesce/report_lcov.h"
#include "test_util.h"

namespace covalesce::report {
namespace {

std::string Quote(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

TEST(Json, Strings) {
  EXPECT_EQ(Quote(""), "\"\"");
  EXPECT_EQ(Quote("pkg/lines.py"), "\"pkg/lines.py\"");
  EXPECT_EQ(Quote("a\"b\\c\n\r\t\b\f\x01\x7f"), R"("a\"b\\c\n\r\t\b\f\u0001\u007f")");
  EXPECT_EQ(Quote("\xc3\xa9\xf0\x9f\x98\x80"), R"("\u00e9\ud83d\ude00")");
  // Bytes that are not UTF-8: the lone surrogates of surrogateescape.
  EXPECT_EQ(Quote("a\xff" "b\xc3"), R"("a\udcffb\udcc3")");
  EXPECT_EQ(Quote("\xed\xa0\x80"), R"("\udced\udca0\udc80")");
  EXPECT_EQ(Quote("/"), "\"/\"");  // json.dumps does not escape '/'
}

TEST(Json, Floats) {
  EXPECT_EQ(JsonFloat(100.0), "100.0");
  EXPECT_EQ(JsonFloat(100.0 / 3), "33.333333333333336");
  EXPECT_EQ(JsonFloat((100.0 * 1) / 3), "33.333333333333336");
  EXPECT_EQ(JsonFloat((100.0 * 2) / 3), "66.66666666666667");
  EXPECT_EQ(JsonFloat(0.1), "0.1");
  EXPECT_EQ(JsonFloat(0.0), "0.0");
  EXPECT_EQ(JsonFloat(1e16), "1e+16");
  EXPECT_EQ(JsonFloat(1e-5), "1e-05");
  EXPECT_EQ(JsonFloat(0.0001), "0.0001");
  EXPECT_EQ(JsonFloat(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(JsonFloat(5e-324), "5e-324");
  EXPECT_EQ(JsonFloat(12.5), "12.5");
  EXPECT_EQ(JsonFloat(1.0 / 0.0), "Infinity");
  EXPECT_EQ(JsonFloat(-1.0 / 0.0), "-Infinity");
}

TEST(Json, Timestamp) {
  const std::string t = IsoTimestampNow();
  EXPECT_TRUE(std::regex_match(t, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?)"))) << t;
}

TEST(Lcov, LineHash) {
  EXPECT_EQ(LcovLineHash(""), "1B2M2Y8AsgTpgAmY7PhCfg");
  EXPECT_EQ(LcovLineHash("def f():"), "AOMhqYE2jxzXZ9gHx4pZ8A");
  EXPECT_EQ(LcovLineHash("    return \"\xc3\xbc\""), "T996DpWZGd2KvzV+J8WiTw");
}

// Random percentages and strings through Python's json.dumps and hashlib.
TEST(Json, AgreesWithPython) {
  const std::string python = testing::ReferencePython("3.12");
  if (python.empty()) GTEST_SKIP() << "no reference venv";
  std::mt19937_64 rng(11);
  testing::TempDir dir;
  dir.Write("check.py",
            "import base64, hashlib, json, sys\n"
            "for line in sys.stdin:\n"
            "    kind, a = line.split()\n"
            "    if kind == 'f':\n"
            "        print(json.dumps(float.fromhex(a)))\n"
            "    elif kind == 's':\n"
            "        print(json.dumps(bytes.fromhex(a).decode('utf-8', 'surrogateescape')))\n"
            "    else:\n"
            "        h = hashlib.md5(bytes.fromhex(a)).digest()\n"
            "        print(base64.b64encode(h).decode('ascii').rstrip('='))\n");
  std::string input;
  std::vector<std::string> expected;
  const char* pieces[] = {"a", "\"", "\\", "\n", "\x1f", "\x7f", "\xc3\xa9", "\xe2\x80\xa8", "\xf0\x9f\x98\x80",
                          "\xff", " ", "/", "\xe4\xb8\xad"};
  for (int i = 0; i < 500; ++i) {
    double pc;
    switch (rng() % 3) {
      case 0: pc = (100.0 * double(rng() % 5000)) / double(1 + rng() % 5000); break;
      case 1: pc = std::ldexp(double(rng() >> 11), int(rng() % 200) - 150); break;
      default: pc = double(rng() % 1000) / 8; break;
    }
    char hex[64];
    std::snprintf(hex, sizeof hex, "%a", pc);
    input += std::string("f ") + hex + "\n";
    expected.push_back(JsonFloat(pc));
    std::string s = "x";
    for (int k = int(rng() % 6); k > 0; --k) s += pieces[rng() % (sizeof pieces / sizeof *pieces)];
    input += "s " + testing::Hex(s) + "\n";
    expected.push_back(Quote(s));
    input += "h " + testing::Hex(s) + "\n";
    expected.push_back(LcovLineHash(s));
  }
  dir.Write("in.txt", input);
  std::string cmd = python + " " + dir / "check.py" + " < " + dir / "in.txt" + " > " + dir / "out.txt";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::istringstream got(testing::ReadAll(dir / "out.txt"));
  std::string line;
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_TRUE(std::getline(got, line));
    EXPECT_EQ(line, expected[i]) << "case " << i;
  }
}

}  // namespace
}  // namespace covalesce::report
