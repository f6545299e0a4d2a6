// Tests of the native statement analysis (src/native): source decoding as coverage.py reads
// files, Python-`re` exclusion matching, the token pass (multi-line map, suite exclusion), the
// compiler model's raw statement lines per CPython version, the AST rules (docstrings,
// decorator carry-over, irrefutable cases), regions, and errors. A battery of snippets is also
// checked against coverage.py's own PythonParser in each reference venv when they exist. The
// whole-stdlib comparison is scripts/statement-fidelity.
#include <gtest/gtest.h>
#include <pthread.h>

#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "../src/native/internal.h"
#include "covalesce/native_analysis.h"
#include "test_util.h"

using namespace covalesce;
using covalesce::testing::TempDir;

namespace {

const char* const kVersions[] = {"3.11", "3.12", "3.13"};

const std::vector<std::string> kDefaultExclude = {
    R"(#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER))",
    R"(^\s*(((async )?def .*?)?[\])]+(\s*->.*?)?:\s*)?\.\.\.\s*(#|$))",
    R"(^\s*if (typing\.)?TYPE_CHECKING:)",
};

std::vector<std::string> CustomExclude() {
  std::vector<std::string> v = kDefaultExclude;
  for (const char* r : {"if TYPE_CHECKING:", "raise NotImplementedError", "@abstractmethod", R"(\.\.\.)"})
    v.push_back(r);
  return v;
}

NativeResult Analyze(const std::string& src, const std::string& version = "3.12",
                     const std::vector<std::string>& exclude = kDefaultExclude) {
  AnalysisSettings s;
  s.python_version = version;
  s.exclude = exclude;
  s.relative_files = true;
  auto a = NativeAnalyzer::Create(s);
  EXPECT_TRUE(a.ok());
  return (*a)->Analyze("x.py", src);
}

std::vector<LineNo> Raw(const std::string& src, const std::string& version) {
  auto r = NativeRawStatements(src, version);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : std::vector<LineNo>{};
}

using V = std::vector<LineNo>;

// ---- versions ---------------------------------------------------------------------------------

TEST(NativeVersions, MinorAndModels) {
  EXPECT_EQ(PythonMinor("3.12.1"), "3.12");
  EXPECT_EQ(PythonMinor("3.13"), "3.13");
  EXPECT_EQ(PythonMinor("3.1x"), "");
  EXPECT_EQ(PythonMinor("2.7.18"), "");
  EXPECT_TRUE(NativeModels("3.11.7"));
  EXPECT_TRUE(NativeModels("3.13"));
  EXPECT_FALSE(NativeModels("3.10.13"));
  EXPECT_FALSE(NativeModels("3.14"));
}

TEST(NativeVersions, ChoiceOrder) {
  auto c = ChooseNativeVersion(std::string("3.12.4"), std::string("3.11"), "/nonexistent/python");
  EXPECT_EQ(c.version, "3.12");
  EXPECT_EQ(c.source, "--python-version");
  EXPECT_TRUE(c.modelled);
  c = ChooseNativeVersion(std::nullopt, std::string("3.11"), "/nonexistent/python");
  EXPECT_EQ(c.version, "3.11");
  EXPECT_EQ(c.source, "python_version");
  c = ChooseNativeVersion(std::nullopt, std::nullopt, "/nonexistent/python");
  EXPECT_EQ(c.version, "3.13");
  EXPECT_EQ(c.source, "default");
  c = ChooseNativeVersion(std::string("3.10"), std::nullopt, "/nonexistent/python");
  EXPECT_FALSE(c.modelled);
  EXPECT_NE(c.notice.find("no native model"), std::string::npos);
}

TEST(NativeVersions, UnmodelledVersionIsASettingsError) {
  AnalysisSettings s;
  s.python_version = "3.10";
  EXPECT_FALSE(NativeAnalyzer::Create(s).ok());
  s.python_version = "3.12";
  s.exclude = {"(unclosed"};
  auto a = NativeAnalyzer::Create(s);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find("(unclosed"), std::string::npos);
}

// ---- decoding ---------------------------------------------------------------------------------

TEST(NativeDecode, NewlinesFormFeedsAndFinalNewline) {
  native::CoverageSource src;
  std::string why;
  ASSERT_EQ(native::DecodeLikeCoverage("a = 1\r\nb = 2\rc = 3\f", src, why), native::DecodeStatus::kOk);
  EXPECT_EQ(src.text, "a = 1\nb = 2\nc = 3 \n");
  ASSERT_EQ(native::DecodeLikeCoverage("", src, why), native::DecodeStatus::kOk);
  EXPECT_EQ(src.text, "");
}

TEST(NativeDecode, CookiesBomAndReplacement) {
  native::CoverageSource src;
  std::string why;
  ASSERT_EQ(native::DecodeLikeCoverage("# -*- coding: latin-1 -*-\nx = '\xe9'\n", src, why), native::DecodeStatus::kOk);
  EXPECT_EQ(src.encoding, "iso-8859-1");
  EXPECT_NE(src.text.find("'\xc3\xa9'"), std::string::npos);
  ASSERT_EQ(native::DecodeLikeCoverage("\xef\xbb\xbfx = 1\n", src, why), native::DecodeStatus::kOk);
  EXPECT_EQ(src.encoding, "utf-8-sig");
  EXPECT_EQ(src.text, "x = 1\n");
  // Invalid UTF-8 after the first two lines decodes with U+FFFD, as errors="replace".
  ASSERT_EQ(native::DecodeLikeCoverage("x = 1\ny = 2\nz = '\xff\xe2\x82'\n", src, why), native::DecodeStatus::kOk);
  EXPECT_NE(src.text.find("'\xef\xbf\xbd\xef\xbf\xbd'"), std::string::npos);
  // ... but on line 1 it is detect_encoding's SyntaxError.
  EXPECT_EQ(native::DecodeLikeCoverage("x = '\xff'\n", src, why), native::DecodeStatus::kSyntaxError);
  EXPECT_EQ(why, "invalid or missing encoding declaration");
  EXPECT_EQ(native::DecodeLikeCoverage("\xef\xbb\xbf# coding: latin-1\n", src, why), native::DecodeStatus::kSyntaxError);
  EXPECT_EQ(why, "encoding problem: utf-8");
  EXPECT_EQ(native::DecodeLikeCoverage("# coding: euc-jp\n", src, why), native::DecodeStatus::kUnsupported);
}

TEST(NativeDecode, SplitLinesAndRepr) {
  EXPECT_EQ(native::CountSplitLines(""), 0);
  EXPECT_EQ(native::CountSplitLines("a\n"), 1);
  EXPECT_EQ(native::CountSplitLines("a\nb"), 2);
  EXPECT_EQ(native::CountSplitLines("a\x0b" "b\n"), 2);
  EXPECT_EQ(native::CountSplitLines("a\xe2\x80\xa8" "b\n\n"), 3);
  EXPECT_EQ(native::PyRepr("invalid syntax"), "'invalid syntax'");
  EXPECT_EQ(native::PyRepr("expected ':'"), "\"expected ':'\"");
  EXPECT_EQ(native::PyRepr("a'b\"c"), "'a\\'b\"c'");
}

// len(text.splitlines()) spelled out from Python's definition, one boundary at a time (the
// text has been through read_python_source, so no \f).
int SplitLinesReference(std::string_view t) {
  int lines = 0;
  size_t start = 0;
  for (size_t i = 0; i < t.size();) {
    size_t boundary = 0;
    for (std::string_view b : {"\r\n", "\n", "\r", "\v", "\x1c", "\x1d", "\x1e", "\xc2\x85", "\xe2\x80\xa8", "\xe2\x80\xa9"}) {
      if (t.substr(i).starts_with(b)) {
        boundary = b.size();
        break;
      }
    }
    if (boundary == 0) {
      ++i;
      continue;
    }
    ++lines;
    i += boundary;
    start = i;
  }
  return lines + (start < t.size() ? 1 : 0);
}

TEST(NativeDecode, CountSplitLinesMatchesPythonsBoundaries) {
  std::mt19937_64 rng(5);
  const std::vector<std::string> pieces = {"a", "bc ", "\n", "\r", "\r\n", "\v", "\x1c", "\x1d", "\x1e", "\x1b",
                                           "\xc2\x85", "\xc2\xa0", "\xc2", "\x85", "\xe2\x80\xa8", "\xe2\x80\xa9",
                                           "\xe2\x80\x94", "\xe2\x80", "\xe2", "\xc3\xa9"};
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const size_t n = rng() % 12;
    for (size_t k = 0; k < n; ++k) text += pieces[rng() % pieces.size()];
    if (round % 3 == 0) text += std::string(rng() % 80, 'x') + "\n";  // past one SIMD vector
    EXPECT_EQ(native::CountSplitLines(text), SplitLinesReference(text)) << ::testing::PrintToString(text);
  }
}

// ---- regex ------------------------------------------------------------------------------------

std::vector<std::pair<size_t, size_t>> FindAll(const std::vector<std::string>& patterns, const std::string& text) {
  auto re = native::PyRegex::Compile(patterns);
  EXPECT_TRUE(re.ok());
  std::vector<std::pair<size_t, size_t>> out;
  (*re)->FindAll(text, [&](size_t s, size_t e) { out.emplace_back(s, e); });
  return out;
}

TEST(NativeRegex, PythonFinditerSemantics) {
  using P = std::vector<std::pair<size_t, size_t>>;
  // re.finditer('x*', 'axx') -> (0,0) (1,3) (3,3)
  EXPECT_EQ(FindAll({"x*"}, "axx"), (P{{0, 0}, {1, 3}, {3, 3}}));
  // MULTILINE: ^ after every newline, including a final one.
  EXPECT_EQ(FindAll({"^"}, "a\nb\n"), (P{{0, 0}, {2, 2}, {4, 4}}));
  EXPECT_EQ(FindAll({"a$"}, "a\na"), (P{{0, 1}, {2, 3}}));
  EXPECT_EQ(FindAll({R"(\Z)"}, "ab"), (P{{2, 2}}));
  EXPECT_EQ(FindAll({"a{,2}b"}, "aaab b"), (P{{1, 4}, {5, 6}}));
  // Several patterns behave as their join: the first alternative that matches at the
  // leftmost place wins, and the scan goes on after it (re.finditer('(?:ab)|(?:b+c)', ...)).
  EXPECT_EQ(FindAll({"ab", "b+c"}, "abbc xbbc"), (P{{0, 2}, {2, 4}, {6, 9}}));
  EXPECT_EQ(FindAll({"b+c", "ab"}, "abbc"), (P{{0, 2}, {2, 4}}));
  EXPECT_EQ(FindAll({"x*", "a"}, "aa"), (P{{0, 0}, {0, 1}, {1, 1}, {1, 2}, {2, 2}}));
  using L = std::vector<std::string>;
  EXPECT_EQ(native::RequiredChoices(R"(^\s*(((async )?def .*?)?[\])]+(\s*->.*?)?:\s*)?\.\.\.\s*(#|$))"), L{"..."});
  EXPECT_EQ(native::RequiredChoices(R"(^\s*if (typing\.)?TYPE_CHECKING:)"), L{"TYPE_CHECKING:"});
  EXPECT_EQ(native::RequiredChoices("raise NotImplementedError"), L{"raise NotImplementedError"});
  EXPECT_EQ(native::RequiredChoices("abc?d"), L{"ab"});
  EXPECT_EQ(native::RequiredChoices("a|b"), L{});
  EXPECT_EQ(native::RequiredChoices("(?i)abc"), L{});
  EXPECT_EQ(native::RequiredChoices("x[abc]yz+"), L{"yz"});
  EXPECT_EQ(native::JoinRegex({"a"}), "a");
  EXPECT_EQ(native::JoinRegex({"a", "b|c"}), "(?:a)|(?:b|c)");
}

// A leading "^\s*" is made possessive only where giving back indent can never help, and
// the line starts are then visited by Run itself; both find the same matches as the pattern
// PCRE2 would otherwise run: each pattern is also run behind a no-op "(?:)", which neither
// touches, over random texts made of indents (ASCII, \x1c-\x1f and Unicode spaces),
// newlines and the characters the patterns look for.
TEST(NativeRegex, PossessiveIndentKeepsTheMatches) {
  const std::string indent = R"(^[\s\x{1c}-\x{1f}]*)";
  EXPECT_EQ(native::PossessiveIndent(indent + "while (True|1|False|0):"), indent + "+while (True|1|False|0):");
  EXPECT_EQ(native::PossessiveIndent(indent + R"((((async )?def .*?)?[\])]+)?\.\.\.)"),
            indent + R"(+(((async )?def .*?)?[\])]+)?\.\.\.)");
  // The rest may start with white space, or be empty: left alone.
  for (const std::string rest : {std::string(R"([\s\x{1c}-\x{1f}]x)"), std::string("(\n|a)"), std::string("$"),
                                 std::string("a?"), std::string(""), std::string("?a"), std::string("a|\n"),
                                 std::string("\xc2\xa0x"), std::string(R"(\x{3000}x)")}) {
    EXPECT_EQ(native::PossessiveIndent(indent + rest), indent + rest) << rest;
  }
  const std::vector<std::string> patterns = {
      R"(^\s*(((async )?def .*?)?[\])]+(\s*->.*?)?:\s*)?\.\.\.\s*(#|$))",
      R"(^\s*if (typing\.)?TYPE_CHECKING:)",
      R"(^\s*while (True|1|False|0):)",
      R"(^\s*\s?x)",
      R"(^\s*(\n|x))",
      R"(^\s*$)",
      R"(^\s*x|\s+y)",
      R"(^\s*(?i)X)",
      R"(^\s*(?<=\s)x)",
      R"(^\s*)",
      R"(^\s*x|^y)",
      R"(^\s*x|^\s*y)",
      R"(^\s*(x|y\s*$))",
      R"(^\s*\.\.\.)",
  };
  const std::vector<std::string> pieces = {" ", "  ", "\t", "\n", "\n\n", "\r", "\x0b", "\x1c", "\xc2\xa0", "\xe3\x80\x80", "x", "y",
                                           "X", "...", "def f()", ")", "]", ":", "->", "#", "if TYPE_CHECKING:",
                                           "while 1:", "async def g()"};
  std::mt19937 rng(1234);
  for (const std::string& p : patterns) {
    for (int round = 0; round < 300; ++round) {
      std::string text;
      for (int i = int(rng() % 40); i > 0; --i) text += pieces[rng() % pieces.size()];
      EXPECT_EQ(FindAll({p}, text), FindAll({"(?:)" + p}, text)) << p << " on " << ::testing::PrintToString(text);
    }
  }
}

// ---- the analysis -----------------------------------------------------------------------------

TEST(NativeAnalysis, StatementsDocstringsAndMultiline) {
  auto r = Analyze(
      "\"\"\"Module\n"
      "docstring.\"\"\"\n"
      "x = (1,\n"
      "     2)\n"
      "def f(a,\n"
      "      b):\n"
      "    \"\"\"Doc.\"\"\"\n"
      "    return a\n");
  const FileAnalysis& fa = r.analysis;
  ASSERT_TRUE(fa.ok()) << fa.error;
  EXPECT_EQ(fa.statements, (V{3, 5, 8}));
  EXPECT_EQ(fa.multiline, (LineMap<LineNo>{{1, 1}, {2, 1}, {3, 3}, {4, 3}, {5, 5}, {6, 5}}));
  EXPECT_EQ(fa.num_lines, 8);
  ASSERT_EQ(fa.regions.size(), 1u);
  EXPECT_EQ(fa.regions[0].name, "f");
  EXPECT_EQ(fa.regions[0].lines, (V{7, 8}));
}

TEST(NativeAnalysis, ExclusionsCarryIntoSuitesAndBodies) {
  auto r = Analyze(
      "import typing\n"                    // 1
      "if typing.TYPE_CHECKING:\n"         // 2 excluded: the suite goes too
      "    import os\n"                    // 3
      "@dec  # pragma: no cover\n"         // 4 decorator: the whole def
      "def f():\n"                         // 5
      "    return 1\n"                     // 6
      "def g(): ...\n"                     // 7 stub
      "x = 1\n");                          // 8
  const FileAnalysis& fa = r.analysis;
  ASSERT_TRUE(fa.ok()) << fa.error;
  EXPECT_EQ(fa.statements, (V{1, 8}));
  EXPECT_EQ(fa.excluded, (V{2, 3, 4, 5, 6, 7}));
}

TEST(NativeAnalysis, IrrefutableCaseIsExcludedWithItsBody) {
  auto r = Analyze(
      "match x:\n"
      "    case 1:\n"
      "        y = 1\n"
      "    case _:\n"
      "        raise NotImplementedError\n",
      "3.12", CustomExclude());
  const FileAnalysis& fa = r.analysis;
  ASSERT_TRUE(fa.ok()) << fa.error;
  EXPECT_EQ(fa.statements, (V{1, 2, 3}));
  EXPECT_EQ(fa.excluded, (V{4, 5}));
}

TEST(NativeAnalysis, EmptyAndCommentOnlyFiles) {
  for (const char* src : {"", "# just a comment\n", "\n\n"}) {
    auto r = Analyze(src);
    ASSERT_TRUE(r.analysis.ok());
    EXPECT_TRUE(r.analysis.statements.empty());
  }
}

TEST(NativeAnalysis, RegionsNestAsCoveragePyDoes) {
  auto r = Analyze(
      "class T:\n"                       // 1
      "    def test(self):\n"            // 2
      "        class Outer:\n"           // 3
      "            class Inner:\n"       // 4
      "                def get():\n"     // 5
      "                    return 1\n"   // 6
      "        a = 1\n");                // 7
  const FileAnalysis& fa = r.analysis;
  ASSERT_TRUE(fa.ok());
  ASSERT_EQ(fa.regions.size(), 5u);
  EXPECT_EQ(fa.regions[0].name, "T");
  EXPECT_EQ(fa.regions[0].lines, (V{3, 4, 5, 7}));  // Inner's lines leave every enclosing class
  EXPECT_EQ(fa.regions[1].name, "T.test");
  EXPECT_EQ(fa.regions[1].lines, (V{3, 4, 5, 7}));
  EXPECT_EQ(fa.regions[3].name, "T.test.Outer.Inner");
  EXPECT_EQ(fa.regions[3].lines, (V{6}));
  EXPECT_EQ(fa.regions[4].kind, "function");
}

TEST(NativeAnalysis, ErrorsGoToTheFallback) {
  auto r = Analyze("def f(:\n  pass\n");
  EXPECT_FALSE(r.analysis.ok());
  EXPECT_EQ(r.analysis.error_kind, FileAnalysis::ErrorKind::kNotPython);
  EXPECT_TRUE(r.fallback);
  EXPECT_EQ(r.analysis.error.rfind("Couldn't parse 'x.py' as Python source: ", 0), 0u) << r.analysis.error;
  r = Analyze("return 1\n");  // a compile-time error, not a parse error
  EXPECT_FALSE(r.analysis.ok());
  EXPECT_TRUE(r.fallback);
  r = Analyze(std::string("x = 1\0\n", 7));
  EXPECT_TRUE(r.fallback);

  AnalysisSettings s;
  s.python_version = "3.12";
  auto a = NativeAnalyzer::Create(s);
  ASSERT_TRUE(a.ok());
  NativeResult missing = (*a)->AnalyzeFile("/nonexistent/dir/m.py");
  EXPECT_EQ(missing.analysis.error_kind, FileAnalysis::ErrorKind::kNoSource);
  EXPECT_EQ(missing.analysis.error, "No source for code: '/nonexistent/dir/m.py'.");
  EXPECT_FALSE(missing.fallback);
}

// Deep trees: the walks that recurse as deep as the tree run on a thread of their own, so a
// caller on a small stack (a thread pool's) does not overflow; trees past CPython's limits go
// to the fallback.
TEST(NativeAnalysis, DeepTreesOnSmallStacks) {
  std::string chain = "x = 1";
  for (int i = 0; i < 2700; ++i) chain += " + a";
  chain += "\n";
  std::string constants = "x = 1";
  for (int i = 0; i < 2700; ++i) constants += " + 1";
  constants += "\nif 0:\n    y = 2\n";
  std::string too_deep = "x = a";
  for (int i = 0; i < 4000; ++i) too_deep += " + a";
  too_deep += "\n";
  struct Case {
    const std::string* src;
    std::vector<LineNo> statements;
    bool fallback;
  } cases[] = {{&chain, {1}, false}, {&constants, {1, 2}, false}, {&too_deep, {}, true}};
  for (const Case& c : cases) {
    NativeResult r;
    struct Args {
      const std::string* src;
      NativeResult* out;
    } args{c.src, &r};
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1 << 20);
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, &attr, [](void* p) -> void* {
      auto* a = static_cast<Args*>(p);
      *a->out = Analyze(*a->src, "3.12");
      return nullptr;
    }, &args), 0);
    pthread_join(t, nullptr);
    pthread_attr_destroy(&attr);
    EXPECT_EQ(r.fallback, c.fallback);
    if (!c.fallback) {
      EXPECT_EQ(r.analysis.statements, c.statements);
    }
  }
}

// ---- the compiler model, per version ------------------------------------------------------------

struct RawCase {
  const char* src;
  V v311, v312, v313;
};

// Answers of ByteParser.find_statements() on CPython 3.11.7, 3.12.1 and 3.13.0.
const RawCase kRawCases[] = {
    {"def f():\n    return 1\n    x = 2\nwhile True:\n    pass\ny = 3\n", {1, 2, 4, 5}, {1, 2, 4, 5}, {1, 2, 4, 5}},
    {"if 0:\n    def f():\n        a = 1\nx = 2\n", {1, 2, 3, 4}, {1, 4}, {1, 4}},
    {"if 0:\n    @d\n    def f():\n        a = 1\nx = 2\n", {1, 2, 4, 5}, {1, 5}, {1, 5}},
    {"import os\nif 0:\n    def h(): pass\n", {1, 2}, {1, 2}, {1, 2}},
    {"def g():\n    x = 7\n    if 0:\n        def h(): pass\n    return 8\n", {1, 2, 3, 4, 5}, {1, 2, 3, 5}, {1, 2, 3, 5}},
    {"global x\nx = 1\n", {2}, {2}, {2}},
    {"while True:\n    x = 1\nelse:\n    y = 2\nz = 3\n", {1, 2}, {1, 2}, {1, 2}},
    {"assert False\nx = 1\n", {1}, {1}, {1}},
    {"try:\n    x = 1\nexcept E:\n    y = 2\nelse:\n    z = 3\nfinally:\n    w = 4\n",
     {1, 2, 3, 4, 6, 8}, {1, 2, 3, 4, 6, 8}, {1, 2, 3, 4, 6, 8}},
    {"def f():\n    with a:\n        return 1\n    y = 3\n", {1, 2, 3, 4}, {1, 2, 3, 4}, {1, 2, 3, 4}},
    {"def f():\n    try:\n        return 1\n    finally:\n        x = 2\n    y = 3\n", {1, 2, 3, 5}, {1, 2, 3, 5}, {1, 2, 3, 5}},
    {"if 1 or x:\n    y = 1\nelse:\n    w = 3\nz = 2\n", {1, 2, 5}, {1, 2, 5}, {1, 2, 5}},
    {"if f'':\n    x = 1\nelse:\n    y = 2\n", {1, 2, 4}, {1, 2, 4}, {1, 4}},
    {"def f():\n    match b'':\n        case n if f'e':\n            pass\n        case []:\n            pass\n", {1, 2, 3, 4}, {1, 2, 3, 4}, {1, 2, 3, 4}},
    {"del ()\nx = 1\n", {2}, {2}, {2}},
    // 3.11's leaked "current location": the cleanup of a try/finally gets the line of the last
    // statement compiled in the finally body, even a dead one.
    {"def f():\n    try:\n        a()\n    finally:\n        if 0:\n            x = 1\n", {1, 2, 3, 5, 6}, {1, 2, 3, 5}, {1, 2, 3, 5}},
    {"def f():\n    try:\n        a()\n    finally:\n        return\n        a()\n", {1, 2, 3, 5}, {1, 2, 3, 5}, {1, 2, 3, 5}},
    // ... but not after a trailing `case _`.
    {"def main():\n    try:\n        a()\n    finally:\n        assert False\n        match b'':\n            case 1:\n"
     "                print(x)\n            case _:\n                z = 1\n",
     {1, 2, 3, 5}, {1, 2, 3, 5}, {1, 2, 3, 5}},
    // 3.11's async with: the POP_BLOCK after the body keeps the body's location (`del ()`: no code).
    {"async def f():\n    async with a:\n        del ()\n", {1, 2, 3}, {1, 2}, {1, 2}},
    // A dead code object that is co_consts[0] stays (3.12+), with what it loads.
    {"raise X\ndef h():\n    x = 1\n", {1, 2, 3}, {1, 2, 3}, {1, 2, 3}},
    {"x = 1\nraise X\ndef h():\n    x = 1\n", {1, 2}, {1, 2}, {1, 2}},
    {"raise X\nx = [i for i in y]\n", {1, 2}, {1}, {1}},
    // SETUP_ANNOTATIONS takes the first statement's line, even one with no code of its own.
    {"del ()\nmatch x:\n    case 1:\n        y: int = 1\n", {1, 2, 3, 4}, {1, 2, 3, 4}, {1, 2, 3, 4}},
};

TEST(NativeRaw, PerVersionLineTables) {
  for (const RawCase& c : kRawCases) {
    EXPECT_EQ(Raw(c.src, "3.11"), c.v311) << c.src;
    EXPECT_EQ(Raw(c.src, "3.12"), c.v312) << c.src;
    EXPECT_EQ(Raw(c.src, "3.13"), c.v313) << c.src;
  }
}

// ---- against coverage.py itself ------------------------------------------------------------------

// Snippets for the oracle battery: everything above and the corners the model must get right.
const char* const kBattery[] = {
    "1\n\"doc\"\nx = 1\n",
    "def f():\n    \"doc\"\n    x = 1\n",
    "if __debug__:\n    x = 1\nelse:\n    y = 2\nz = 3\n",
    "if not __debug__:\n    x = 1\nz = 3\n",
    "while 0:\n    x = 1\nelse:\n    y = 2\nz = 3\n",
    "for x in y:\n    break\n    z = 1\nelse:\n    w = 2\n",
    "@dec\n@dec2(\n  1)\ndef f():\n    pass\n",
    "match x:\n    case 1:\n        pass\n    case _:\n        pass\n",
    "def f():\n    match x:\n        case 1:\n            return\n        case y:\n            return\n    z = 1\n",
    "x: int\ndef f():\n    y: int\n    self.z: int\n    w: int = 3\n",
    "def f():\n    try:\n        return 1\n    except:\n        return 2\n    else:\n        z = 1\n    y = 3\n",
    "def f():\n    while x:\n        try:\n            break\n        finally:\n            w = 1\n        q = 2\n",
    "async def f():\n    async with x:\n        pass\n    async for y in z:\n        pass\n    await q\n",
    "class C:\n    x = 1\n    if 0:\n        def h(): pass\n",
    "x = 1\nwhile True:\n    pass\ndef f(): pass\n",
    "def f(output):\n    try:\n        output.append(2)\n    finally:\n        return\n        with x:\n            y = 1\n        pass\n",
    "def f():\n    try:\n        a()\n    finally:\n        return\n        match x:\n            case 1:\n                pass\n            case 2:\n                pass\n",
    "if TYPE_CHECKING:\n    import os\nelse:\n    os = None\n",
    "class A:\n    @abstractmethod\n    def f(self):\n        raise NotImplementedError\n    def g(self): ...\n",
    "def f(\n    a,\n):  # pragma: no cover\n    return a\nx = [\n    1,  # pragma: no cover\n    2,\n]\n",
    "def stub(): ...\n\n\ndef other():\n    pass\n",
    "s = '''\nlines\n'''\nt = f'''{s}\n'''\n",
    "try:\n    pass\nexcept* ValueError:\n    x = 1\ny = 2\n",
    "x = lambda: (yield)\ny = [i for i in range(3) if i]\n",
};

std::string Json(const std::string& path, const FileAnalysis& fa) {
  auto ints = [](const std::vector<LineNo>& v) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out += ',';
      out += std::to_string(v[i]);
    }
    out += ']';
    return out;
  };
  std::string out = "{\"path\":\"" + path + "\"";
  if (!fa.ok()) return out + ",\"error\"}";
  out += ",\"statements\":" + ints(fa.statements) + ",\"excluded\":" + ints(fa.excluded) + ",\"multiline\":[";
  bool first = true;
  for (const auto& [k, v] : fa.multiline) {
    if (!first) out += ',';
    out += '[';
    out += std::to_string(k);
    out += ',';
    out += std::to_string(v);
    out += ']';
    first = false;
  }
  out += "],\"num_lines\":" + std::to_string(fa.num_lines) + ",\"regions\":[";
  for (size_t i = 0; i < fa.regions.size(); ++i) {
    const Region& g = fa.regions[i];
    if (i) out += ',';
    out += "{\"kind\":\"" + g.kind + "\",\"name\":\"" + g.name + "\",\"start\":";
    out += std::to_string(g.start);
    out += ",\"lines\":" + ints(g.lines) + "}";
  }
  return out + "]}";
}

TEST(NativeOracle, BatteryMatchesCoveragePy) {
  bool any = false;
  TempDir dir;
  std::vector<std::string> paths;
  std::vector<std::string> sources;
  for (const char* s : kBattery) sources.push_back(s);
  for (const RawCase& c : kRawCases) sources.push_back(c.src);
  for (size_t i = 0; i < sources.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "s%03zu.py", i);
    dir.Write(name, sources[i]);
    paths.push_back(dir / name);
  }
  for (const char* version : kVersions) {
    const std::string python = covalesce::testing::ReferencePython(version);
    if (python.empty()) continue;
    for (int set = 0; set < 2; ++set) {
      const std::vector<std::string> exclude = set ? CustomExclude() : kDefaultExclude;
      std::string settings = "{\"exclude\": [";
      for (size_t i = 0; i < exclude.size(); ++i) {
        std::string q;
        for (char c : exclude[i]) {
          if (c == '\\' || c == '"') q += '\\';
          q += c;
        }
        settings += (i ? ", \"" : "\"") + q + "\"";
      }
      settings += "]}";
      std::string cmd = python + " " + COVALESCE_SOURCE_DIR "/tests/statement_fidelity/reference.py '" + settings + "'";
      for (const std::string& p : paths) cmd += " " + p;
      FILE* pipe = popen(cmd.c_str(), "r");
      ASSERT_NE(pipe, nullptr);
      std::string out;
      char buf[4096];
      while (size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
      ASSERT_EQ(pclose(pipe), 0) << cmd;
      AnalysisSettings s;
      s.python_version = version;
      s.exclude = exclude;
      s.relative_files = true;
      auto a = NativeAnalyzer::Create(s);
      ASSERT_TRUE(a.ok());
      size_t pos = 0;
      for (size_t i = 0; i < paths.size(); ++i) {
        const size_t nl = out.find('\n', pos);
        ASSERT_NE(nl, std::string::npos);
        std::string expected = out.substr(pos, nl - pos);
        pos = nl + 1;
        if (expected.find("\"error\"") != std::string::npos) expected = "{\"path\":\"" + paths[i] + "\",\"error\"}";
        NativeResult r = (*a)->AnalyzeFile(paths[i]);
        EXPECT_EQ(Json(paths[i], r.analysis), expected) << "Python " << version << (set ? " custom" : " default")
                                                       << " exclusions, snippet:\n" << sources[i];
      }
      any = true;
    }
  }
  if (!any) GTEST_SKIP() << "no reference venvs in .venvs/";
}

// Files CPython compiles or rejects after parsing (future.c, symtable.c, compile.c).
const char* const kCompileCases[] = {
    "x = 1\nreturn 1\n",
    "class C:\n    return\n",
    "x = 1\nbreak\n",
    "def f():\n    continue\n",
    "yield 1\n",
    "class C:\n    yield\n",
    "await x\n",
    "def f():\n    await x\n",
    "x = lambda: await y\n",
    "nonlocal x\n",
    "def f():\n    from os import *\n",
    "def f(a, a):\n    pass\n",
    "def f(a, *, b, **b):\n    pass\n",
    "x = 1\nfrom __future__ import annotations\n",
    "from __future__ import nope\n",
    "from __future__ import braces\n",
    "try:\n    pass\nexcept:\n    pass\nexcept E:\n    pass\n",
    "match x:\n    case y:\n        pass\n    case 1:\n        pass\n",
    "match x:\n    case _:\n        pass\n    case 1:\n        pass\n",
    "for x in y:\n    try:\n        pass\n    except* E:\n        break\n",
    "def f():\n    try:\n        pass\n    except* E:\n        return\n",
    "async def f():\n    yield from x\n",
    "def f():\n    async for x in y:\n        pass\n",
    "def f():\n    async with x:\n        pass\n",
    "x = [(yield) for i in y]\n",
    "def f():\n    x = 1\n    global x\n",
    "def f(a):\n    global a\n",
    "def f():\n    nonlocal q\n",
    "def f():\n    x = [i async for i in y]\n",
    "x = [i async for i in y]\n",
    "x = [await i for i in y]\n",
    "def f():\n    x = [await i for i in y]\n",
    "def f():\n    x = (i async for i in y)\n",
    "def f():\n    x = [j for i in y for j in (k async for k in i)]\n",
    "async def f():\n    x = [i async for i in y]\n",
    "async def f():\n    def g():\n        x = [i async for i in y]\n",
    "x = {i: 1 async for i in y}\n",
    "class C:\n    x = [i async for i in y]\n",
    "x = (yield)\n",
    "x = {(yield) for i in y}\n",
    "x = ((yield) for i in y)\n",
    "def f():\n    x = [i for i in (yield)]\n",
    "def f():\n    global x\n    global x\n",
    "def f():\n    nonlocal x\n    global x\n",
    "def f():\n    global x\n    x: int = 1\n",
    "def f():\n    print(x)\n    global x\n",
    "def f():\n    for x in y: pass\n    global x\n",
    "def f():\n    import x\n    global x\n",
    "def f():\n    def x(): pass\n    global x\n",
    "def outer():\n    x = 1\n    class C:\n        def f(self):\n            nonlocal x\n",
    "def outer():\n    class C:\n        x = 1\n        def f(self):\n            nonlocal x\n",
    "def outer():\n    def inner():\n        nonlocal x\n    x = 2\n",
    "def outer():\n    global x\n    def inner():\n        nonlocal x\n",
    "def outer():\n    [x := 1 for i in y]\n    def inner():\n        nonlocal x\n",
    "x = [i for i in y if (i := 2)]\n",
    "def f():\n    [i for i in y if (i := 2)]\n",
    "def f():\n    del x\n    global x\n",
    "def f():\n    x += 1\n    global x\n",
    "def f():\n    with a as x: pass\n    global x\n",
    "def f():\n    try: pass\n    except E as x: pass\n    global x\n",
    "def f():\n    match y:\n        case x: pass\n    global x\n",
    "[x for x in (y := z)]\n",
    "class C:\n    [(y := 1) for z in w]\n",
    "def f():\n    x: int\n    def g():\n        nonlocal x\n",
    "def f():\n    try:\n        pass\n    except E:\n        g = 1\n    else:\n        global g\n",
    "def f():\n    try:\n        g = 1\n    except E:\n        global g\n",
    "class Foo:\n    def f(self_):\n        global __x1\n        __x1 = 0\n        [_Foo__x1 := 1 for a in [2]]\n        [__x1 := 2 for a in [3]]\n",
    "class T:\n    def f(self):\n        nonlocal __class__\n        __class__ = T\n",    // CO_MAXBLOCKS
    "def f():\n for i in x:\n  for i in x:\n   for i in x:\n    for i in x:\n     for i in x:\n      for i in x:\n       for i in x:\n        for i in x:\n         for i in x:\n          for i in x:\n           for i in x:\n            for i in x:\n             for i in x:\n              for i in x:\n               for i in x:\n                for i in x:\n                 for i in x:\n                  for i in x:\n                   for i in x:\n                    for i in x:\n                     for i in x:\n                      pass\n",
    // CO_MAXBLOCKS
    "def f():\n for i in x:\n  for i in x:\n   for i in x:\n    for i in x:\n     for i in x:\n      for i in x:\n       for i in x:\n        for i in x:\n         for i in x:\n          for i in x:\n           for i in x:\n            for i in x:\n             for i in x:\n              for i in x:\n               for i in x:\n                for i in x:\n                 for i in x:\n                  for i in x:\n                   for i in x:\n                    for i in x:\n                     for i in x:\n                      for i in x:\n                       pass\n",
    // CO_MAXBLOCKS
    "def f():\n with a:\n  with a:\n   with a:\n    with a:\n     with a:\n      with a:\n       with a:\n        with a:\n         with a:\n          with a:\n           with a:\n            with a:\n             with a:\n              with a:\n               with a:\n                with a:\n                 with a:\n                  with a:\n                   with a:\n                    with a:\n                     with a:\n                      pass\n",
    // CO_MAXBLOCKS
    "def f():\n while x:\n  while x:\n   while x:\n    while x:\n     while x:\n      while x:\n       while x:\n        while x:\n         while x:\n          while x:\n           while x:\n            while x:\n             while x:\n              while x:\n               while x:\n                while x:\n                 while x:\n                  while x:\n                   while x:\n                    while x:\n                     while x:\n                      while x:\n                       pass\n",
};

// The compile-time errors the native analysis finds are CPython's, message and line.
TEST(NativeOracle, CompileErrorsMatchCPython) {
  bool any = false;
  TempDir dir;
  std::vector<std::string> paths;
  const size_t n = sizeof kCompileCases / sizeof kCompileCases[0];
  for (size_t i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "c%03zu.py", i);
    dir.Write(name, kCompileCases[i]);
    paths.push_back(dir / name);
  }
  for (const char* version : kVersions) {
    const std::string python = covalesce::testing::ReferencePython(version);
    if (python.empty()) continue;
    std::string cmd = python +
                      " -c 'import sys, warnings\nwarnings.simplefilter(\"ignore\")\nfor p in sys.argv[1:]:\n"
                      "    try:\n        compile(open(p).read(), p, \"exec\", dont_inherit=True); print(\"OK\")\n"
                      "    except SyntaxError as e:\n        print(repr(e.args[0]), \"at line\", e.lineno)'";
    for (const std::string& p : paths) cmd += " " + p;
    FILE* pipe = popen(cmd.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string out;
    char buf[4096];
    while (size_t k = fread(buf, 1, sizeof buf, pipe)) out.append(buf, k);
    ASSERT_EQ(pclose(pipe), 0);
    AnalysisSettings s;
    s.python_version = version;
    s.relative_files = true;
    auto a = NativeAnalyzer::Create(s);
    ASSERT_TRUE(a.ok());
    size_t pos = 0;
    for (size_t i = 0; i < n; ++i) {
      const size_t nl = out.find('\n', pos);
      ASSERT_NE(nl, std::string::npos);
      const std::string expected = out.substr(pos, nl - pos);
      pos = nl + 1;
      NativeResult r = (*a)->AnalyzeFile(paths[i]);
      std::string ours = "OK";
      if (!r.analysis.ok()) {
        const std::string prefix = "Couldn't parse '" + paths[i] + "' as Python source: ";
        ours = r.analysis.error.rfind(prefix, 0) == 0 ? r.analysis.error.substr(prefix.size()) : r.analysis.error;
        EXPECT_TRUE(r.fallback);
      }
      EXPECT_EQ(ours, expected) << "Python " << version << ":\n" << kCompileCases[i];
    }
    any = true;
  }
  if (!any) GTEST_SKIP() << "no reference venvs in .venvs/";
}


}  // namespace
