// Tests of the native branch analysis (src/native/arcs.cc): possible arcs, exit counts,
// no-branch lines and missing-branch messages for small snippets of each construct, against
// coverage.py's own answers, and the per-version with-statement rule. The whole-stdlib
// comparison is scripts/arc-fidelity.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "../src/native/arcs.h"
#include "covalesce/native_analysis.h"

using namespace covalesce;

namespace {

struct ArcCase {
  const char* name;
  const char* source;
  const char* arcs;   // "1>2 2>-1": PythonParser.arcs(), sorted
  const char* exits;  // "1:1 2:2": exit_counts(), sorted
};
struct DescCase {
  const char* name;
  const char* arc;  // "4>7"
  const char* text;  // missing_arc_description(), its " or " parts sorted
};

// Recorded by running coverage.py 7.17.3 (PythonFileReporter with the default exclude and
// partial-branch patterns: arcs(), exit_counts(), missing_arc_description()) on each snippet
// under CPython 3.11.7, 3.12.1 and 3.13.0; all three gave the same answers.
const ArcCase kArcCases[] = {
    {"IfElifElse",
     "a = 1\nif a == 1:\n    b = 2\nelif a == 2:\n    b = 3\nelse:\n    b = 4\nc = 5\n",
     "1>2 2>3 2>4 3>8 4>5 4>7 5>8 7>8 8>-1",
     "1:1 2:2 3:1 4:2 5:1 7:1 8:1"},
    {"WhileElseBreakContinue",
     "i = 0\nwhile i < 10:\n    i += 1\n    if i == 3:\n        continue\n    if i == 7:\n        break\nelse:\n    i = -1\nprint(i)\n",
     "1>2 2>3 2>9 3>4 4>5 4>6 5>2 6>2 6>7 7>10 9>10 10>-1",
     "1:1 2:2 3:1 4:2 5:1 6:2 7:1 9:1 10:1"},
    {"ForElse",
     "for x in range(3):\n    if x:\n        break\nelse:\n    y = 1\nz = 2\n",
     "1>2 1>5 2>1 2>3 3>6 5>6 6>-1",
     "1:2 2:2 3:1 5:1 6:1"},
    {"AsyncFor",
     "async def f(xs):\n    async for x in xs:\n        print(x)\n    return 1\n",
     "1>-1 2>3 2>4 3>2 4>-1",
     "1:1 2:2 3:1 4:1"},
    {"TryExceptElseFinally",
     "try:\n    a = 1\nexcept ValueError:\n    a = 2\nexcept (TypeError, KeyError) as e:\n    raise\nelse:\n    a = 3\nfinally:\n    b = 4\nc = 5\n",
     "1>2 2>8 3>4 4>10 5>6 8>10 10>11 11>-1",
     "1:1 2:1 3:1 4:1 5:1 8:1 10:1 11:1"},
    {"TryStar",
     "try:\n    a = 1\nexcept* ValueError:\n    a = 2\nexcept* TypeError:\n    a = 3\nd = 4\n",
     "1>2 2>7 3>4 4>7 5>6 6>7 7>-1",
     "1:1 2:1 3:1 4:1 5:1 6:1 7:1"},
    {"RaiseInFunctionTry",
     "def f(x):\n    try:\n        if x:\n            raise ValueError(x)\n        return 1\n    except ValueError:\n        return 2\n    finally:\n        print('done')\n",
     "1>-1 2>3 3>4 3>5 4>6 5>-1 6>7 7>-1",
     "1:1 2:1 3:2 4:1 5:1 6:1 7:1"},
    {"With",
     "with open('a') as f:\n    b = 2\n    c = 3\nd = 4\n",
     "1>2 2>3 3>4 4>-1",
     "1:1 2:1 3:1 4:1"},
    {"WithMultipleItems",
     "with (\n    open('a') as f,\n    open('b') as g,\n):\n    x = 5\ny = 6\n",
     "1>5 5>6 6>-1",
     "1:1 5:1 6:1"},
    {"NestedWith",
     "def f():\n    with a:\n        with b:\n            x = 4\n    return x\n",
     "1>-1 2>3 3>4 4>5 5>-1",
     "1:1 2:1 3:1 4:1 5:1"},
    {"AsyncWith",
     "async def f():\n    async with a as b:\n        await b.c()\n    return 4\n",
     "1>-1 2>3 3>4 4>-1",
     "1:1 2:1 3:1 4:1"},
    {"MatchCase",
     "match x:\n    case 1:\n        y = 3\n    case [a, b] if a > b:\n        y = 5\n    case {'k': v}:\n        y = 7\n    case _:\n        y = 9\nz = 10\n",
     "1>2 2>3 2>4 3>10 4>5 4>6 5>10 6>7 6>8 7>10 8>9 9>10 10>-1",
     "1:1 2:2 3:1 4:2 5:1 6:2 7:1 8:1 9:1 10:1"},
    {"MatchNoWildcard",
     "match x:\n    case 1 | 2:\n        y = 3\n    case str() as s:\n        y = 5\nz = 6\n",
     "1>2 2>3 2>4 3>6 4>5 4>6 5>6 6>-1",
     "1:1 2:2 3:1 4:2 5:1 6:1"},
    {"ReturnYieldAwait",
     "def g():\n    yield 1\n    x = yield\n    return x\nasync def h():\n    await g()\n    return 7\n",
     "1>5 2>3 3>4 4>-1 5>-1 6>7 7>-5",
     "1:1 2:1 3:1 4:1 5:1 6:1 7:1"},
    {"NestedDefAndClass",
     "def outer():\n    def inner():\n        return 3\n    class C:\n        a = 5\n        def m(self):\n            pass\n    return inner\n",
     "1>-1 2>4 3>-2 4>8 5>6 6>-4 7>-6 8>-1",
     "1:1 2:1 3:1 4:1 5:1 6:1 7:1 8:1"},
    {"Lambdas",
     "f = lambda x: x + 1\ng = (lambda:\n     2)\nh = f(g())\n",
     "1>2 2>4 4>-1",
     "1:1 2:1 4:1"},
    {"Comprehensions",
     "a = [x for x in range(3) if x]\nb = {x: y for x, y in a}\nc = (x for x in a)\nd = {x\n     for x in a}\n",
     "1>2 2>3 3>4 4>-1",
     "1:1 2:1 3:1 4:1"},
    {"WhileTrue",
     "def f():\n    while True:\n        if g():\n            break\n    while 1:\n        return 6\n",
     "1>-1 2>3 3>2 3>4 4>5 5>6 6>-1",
     "1:1 2:1 3:2 4:1 5:1 6:1"},
    {"ConstantIfs",
     "if 0:\n    a = 2\nif False:\n    a = 4\nif __debug__:\n    a = 6\nif not True:\n    a = 8\nelse:\n    a = 10\nb = 11\n",
     "1>3 3>5 5>6 6>7 7>10 10>11 11>-1",
     "1:1 3:1 5:1 6:1 7:1 10:1 11:1"},
    {"Decorators",
     "@dec1\n@dec2(\n    3)\ndef f():\n    return 5\n@dec\nclass C:\n    pass\n",
     "1>2 2>4 4>6 5>-1 6>7 7>-1 8>-6",
     "1:1 2:1 4:1 5:1 6:1 7:1 8:1"},
    {"Excluded",
     "a = 1\nif a:  # pragma: no cover\n    b = 3\nelse:\n    b = 5\ndef f():  # pragma: no cover\n    return 7\nc = 8\n",
     "1>2 2>3 2>5 3>6 5>6 6>8 7>-6 8>-1",
     "8:1"},
    {"DeadCode",
     "def f():\n    return 2\n    x = 3\n    if x:\n        y = 5\n",
     "1>-1 2>-1",
     "1:1 2:1"},
    {"EmptyModule",
     "",
     "1>-1",
     "1:1"},
    {"DocstringOnly",
     "'''Doc.'''\n",
     "1>-1",
     "1:1"},
    {"MultilineStatements",
     "x = {\n    'a': 1,\n}\ny = [\n    2,\n]\nif (x and\n        y):\n    z = 9\n",
     "1>4 4>7 7>-1 7>9 9>-1",
     "1:1 4:1 7:2 9:1"},
    {"PartialBranches",
     "while True:\n    x = 2\n    if x:  # pragma: no branch\n        break\n",
     "1>2 2>3 3>1 3>4 4>-1",
     "1:1 2:1 3:2 4:1"},
    {"OneLiners",
     "for x in y: pass\nif a: b = 2\nwhile c: c -= 1\n",
     "1>2 2>3 3>-1",
     "1:1 2:1 3:1"},
};

const DescCase kDescCases[] = {
    {"IfElifElse", "2>3", "line 2 didn't jump to line 3 because the condition on line 2 was never true"},
    {"IfElifElse", "2>4", "line 2 didn't jump to line 4 because the condition on line 2 was always true"},
    {"IfElifElse", "4>5", "line 4 didn't jump to line 5 because the condition on line 4 was never true"},
    {"IfElifElse", "4>7", "line 4 didn't jump to line 7 because the condition on line 4 was always true"},
    {"WhileElseBreakContinue", "2>3", "line 2 didn't jump to line 3 because the condition on line 2 was never true"},
    {"WhileElseBreakContinue", "2>9", "line 2 didn't jump to line 9 because the condition on line 2 was always true"},
    {"WhileElseBreakContinue", "4>5", "line 4 didn't jump to line 5 because the condition on line 4 was never true"},
    {"WhileElseBreakContinue", "4>6", "line 4 didn't jump to line 6 because the condition on line 4 was always true"},
    {"WhileElseBreakContinue", "5>2", "line 5 didn't jump to line 2 because the continue on line 5 wasn't executed"},
    {"WhileElseBreakContinue", "6>2", "line 6 didn't jump to line 2 because the condition on line 6 was always true"},
    {"WhileElseBreakContinue", "6>7", "line 6 didn't jump to line 7 because the condition on line 6 was never true"},
    {"WhileElseBreakContinue", "7>10", "line 7 didn't jump to line 10 because the break on line 7 wasn't executed"},
    {"ForElse", "1>2", "line 1 didn't jump to line 2 because the loop on line 1 never started"},
    {"ForElse", "1>5", "line 1 didn't jump to line 5 because the loop on line 1 didn't complete"},
    {"ForElse", "2>1", "line 2 didn't jump to line 1 because the condition on line 2 was always true"},
    {"ForElse", "2>3", "line 2 didn't jump to line 3 because the condition on line 2 was never true"},
    {"ForElse", "3>6", "line 3 didn't jump to line 6 because the break on line 3 wasn't executed"},
    {"RaiseInFunctionTry", "3>4", "line 3 didn't jump to line 4 because the condition on line 3 was never true"},
    {"RaiseInFunctionTry", "3>5", "line 3 didn't jump to line 5 because the condition on line 3 was always true"},
    {"RaiseInFunctionTry", "4>6", "line 4 didn't jump to line 6 because the raise on line 4 wasn't executed"},
    {"RaiseInFunctionTry", "5>-1", "line 5 didn't return from function 'f' because the return on line 5 wasn't executed"},
    {"RaiseInFunctionTry", "6>7", "line 6 didn't jump to line 7 because the exception caught by line 6 didn't happen"},
    {"RaiseInFunctionTry", "7>-1", "line 7 didn't return from function 'f' because the return on line 7 wasn't executed"},
    {"MatchNoWildcard", "1>2", "line 1 didn't jump to line 2 because the pattern on line 1 always matched"},
    {"MatchNoWildcard", "2>3", "line 2 didn't jump to line 3 because the pattern on line 2 never matched"},
    {"MatchNoWildcard", "2>4", "line 2 didn't jump to line 4 because the pattern on line 2 always matched"},
    {"MatchNoWildcard", "4>5", "line 4 didn't jump to line 5 because the pattern on line 4 never matched"},
    {"MatchNoWildcard", "4>6", "line 4 didn't jump to line 6 because the pattern on line 4 always matched"},
    {"NestedDefAndClass", "3>-2", "line 3 didn't return from function 'inner' because the return on line 3 wasn't executed"},
    {"NestedDefAndClass", "8>-1", "line 8 didn't return from function 'outer' because the return on line 8 wasn't executed"},
    {"WhileTrue", "2>3", "line 2 didn't jump to line 3 because the condition on line 2 was never true"},
    {"WhileTrue", "3>2", "line 3 didn't jump to line 2 because the condition on line 3 was always true"},
    {"WhileTrue", "3>4", "line 3 didn't jump to line 4 because the condition on line 3 was never true"},
    {"WhileTrue", "4>5", "line 4 didn't jump to line 5 because the break on line 4 wasn't executed"},
    {"WhileTrue", "5>6", "line 5 didn't jump to line 6 because the condition on line 5 was never true"},
    {"WhileTrue", "6>-1", "line 6 didn't return from function 'f' because the return on line 6 wasn't executed"},
    {"TryExceptElseFinally", "3>4", "line 3 didn't jump to line 4 because the exception caught by line 3 didn't happen"},
    {"TryExceptElseFinally", "5>6", "line 5 didn't jump to line 6 because the exception caught by line 5 didn't happen"},
};

const std::vector<std::string> kDefaultExclude = {
    R"(#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER))",
    R"(^\s*(((async )?def .*?)?[\])]+(\s*->.*?)?:\s*)?\.\.\.\s*(#|$))",
    R"(^\s*if (typing\.)?TYPE_CHECKING:)",
};

FileAnalysis Analyze(const std::string& src, const std::string& version) {
  AnalysisSettings s;
  s.python_version = version;
  s.exclude = kDefaultExclude;
  s.partial = {R"(#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(branch|BRANCH))"};
  s.partial_always = {R"(^\s*while (True|1|False|0):)", R"(^\s*if (True|1|False|0):)"};
  s.relative_files = true;
  s.branch = true;
  auto a = NativeAnalyzer::Create(s);
  EXPECT_TRUE(a.ok());
  NativeResult r = (*a)->Analyze("x.py", src);
  EXPECT_FALSE(r.fallback) << r.fallback_reason;
  EXPECT_TRUE(r.analysis.has_arcs);
  return r.analysis;
}

std::string ArcsText(const FileAnalysis& fa) {
  std::string out;
  for (const Arc& a : fa.arcs) out += (out.empty() ? "" : " ") + std::to_string(a.first) + ">" + std::to_string(a.second);
  return out;
}

std::string ExitsText(const FileAnalysis& fa) {
  std::string out;
  for (const auto& [line, n] : fa.exit_counts) out += (out.empty() ? "" : " ") + std::to_string(line) + ":" + std::to_string(n);
  return out;
}

std::string SortedParts(const std::string& text) {
  std::vector<std::string> parts;
  size_t at = 0;
  for (size_t i; (i = text.find(" or ", at)) != std::string::npos; at = i + 4) parts.push_back(text.substr(at, i - at));
  parts.push_back(text.substr(at));
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : " or ") + p;
  return out;
}

TEST(NativeArcs, EveryConstructAsCoveragePyHasIt) {
  for (const char* version : {"3.11", "3.12.1", "3.12.8", "3.13"}) {
    for (const ArcCase& c : kArcCases) {
      FileAnalysis fa = Analyze(c.source, version);
      EXPECT_EQ(ArcsText(fa), c.arcs) << c.name << " on " << version;
      EXPECT_EQ(ExitsText(fa), c.exits) << c.name << " on " << version;
    }
  }
}

TEST(NativeArcs, MissingBranchMessages) {
  for (const DescCase& d : kDescCases) {
    const ArcCase* c = nullptr;
    for (const ArcCase& a : kArcCases)
      if (std::string(a.name) == d.name) c = &a;
    ASSERT_TRUE(c) << d.name;
    FileAnalysis fa = Analyze(c->source, "3.12.1");
    LineNo from = 0, to = 0;
    char sep;
    std::istringstream(d.arc) >> from >> sep >> to;
    EXPECT_EQ(SortedParts(fa.MissingArcDescription(from, to)), d.text) << d.name << " " << d.arc;
  }
}

TEST(NativeArcs, NoBranchLinesAndExcludedArcs) {
  // coverage.py 7.17.3 (3.12.1): no_branch_lines() {1, 3}. In the second snippet every line
  // but 1 and 8 is excluded, so exit_counts() counts only 8 -> exit (1 -> 2 ends excluded).
  FileAnalysis fa = Analyze("while True:\n    x = 2\n    if x:  # pragma: no branch\n        break\n", "3.12.1");
  EXPECT_EQ(fa.no_branch, (std::vector<LineNo>{1, 3}));
  FileAnalysis ex = Analyze(
      "a = 1\nif a:  # pragma: no cover\n    b = 3\nelse:\n    b = 5\ndef f():  # pragma: no cover\n    return 7\nc = 8\n",
      "3.13");
  EXPECT_EQ(ExitsText(ex), "8:1");
}

TEST(NativeArcs, WithJumpFixers) {
  // coverage.py 7.17.3: _with_jump_fixers {(3, 1): (3, 4), (1, 4): None}.
  FileAnalysis fa = Analyze("with open('a') as f:\n    b = 2\n    c = 3\nd = 4\n", "3.13");
  std::map<Arc, std::optional<Arc>> want{{{3, 1}, Arc{3, 4}}, {{1, 4}, std::nullopt}};
  EXPECT_EQ(fa.with_jump_fixers, want);
  EXPECT_EQ(fa.TranslateArcs({{1, 2}, {2, 3}, {3, 1}, {1, 4}}), (std::vector<Arc>{{1, 2}, {2, 3}, {3, 4}}));
}

TEST(NativeArcs, WithRulePerVersion) {
  EXPECT_FALSE(native::ArcRulesFor("3.11").exit_with_through_ctxmgr);
  EXPECT_FALSE(native::ArcRulesFor("3.12.5").exit_with_through_ctxmgr);
  EXPECT_TRUE(native::ArcRulesFor("3.12.6").exit_with_through_ctxmgr);
  EXPECT_TRUE(native::ArcRulesFor("3.12").with_rule_unknown);
  EXPECT_TRUE(native::ArcRulesFor("3.13").exit_with_through_ctxmgr);
  // With the patch unknown, a with statement whose lines agree under both rules is analysed.
  EXPECT_EQ(ArcsText(Analyze("with a, b:\n    x = 2\ny = 3\n", "3.12")), "1>2 2>3 3>-1");
}

TEST(NativeArcs, RequiredChoicesPrefilterPartialPatterns) {
  using L = std::vector<std::string>;
  EXPECT_EQ(native::RequiredChoices(R"(^\s*while (True|1|False|0):)"),
            (L{"while True:", "while 1:", "while False:", "while 0:"}));
  EXPECT_EQ(native::RequiredChoices(R"(#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(branch|BRANCH))"), (L{"pragma", "PRAGMA"}));
  EXPECT_EQ(native::RequiredChoices(R"(^\s*if (typing\.)?TYPE_CHECKING:)"), (L{"TYPE_CHECKING:"}));
  EXPECT_EQ(native::RequiredChoices("abc?d"), (L{"ab"}));
  EXPECT_EQ(native::RequiredChoices("(a|b)?cd"), (L{"cd"}));
  EXPECT_EQ(native::RequiredChoices("x(a|b)+"), (L{"x"}));
  EXPECT_EQ(native::RequiredChoices("a|b"), L{});
  EXPECT_EQ(native::RequiredChoices("(?i)while (True|1)"), L{});
  EXPECT_EQ(native::RequiredChoices("while (a.|b)"), (L{"while "}));
  // A file with no such line skips the pattern, with the same lines matched.
  FileAnalysis fa = Analyze("x = 1\nwhile 1:\n    pass\nif x:\n    pass\n", "3.12.1");
  EXPECT_EQ(fa.no_branch, (std::vector<LineNo>{2}));
}

}  // namespace
