// Units of the reporting core: Numbers and their display rounding, fail-under, format_lines,
// Analysis arithmetic, the human sort key and the Python text helpers. Where the reference
// venv exists, the rounding and sort cases are also checked against Python itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <set>
#include <sstream>

#include "covalesce/py_compat.h"
#include "covalesce/report.h"
#include "test_util.h"

namespace covalesce::report {
namespace {

std::string Display(double pc, int precision) {
  auto r = DisplayCovered(pc, precision);
  return r ? *r : "ERROR: " + r.error().message;
}

TEST(Numbers, Percent) {
  EXPECT_EQ(Numbers::Percent(0, 0), 100.0);
  EXPECT_EQ(Numbers::Percent(1, 3), (100.0 * 1) / 3);
  Numbers n;
  n.n_statements = 10;
  n.n_missing = 3;
  n.n_branches = 4;
  n.n_missing_branches = 1;
  EXPECT_EQ(n.n_executed(), 7);
  EXPECT_EQ(n.n_executed_branches(), 3);
  EXPECT_EQ(n.pc_covered(), (100.0 * 10) / 14);
  EXPECT_EQ(n.pc_statements(), 70.0);
  EXPECT_EQ(n.pc_branches(), 75.0);
  Numbers total;
  total.precision = 2;
  total += n;
  total += n;
  EXPECT_EQ(total.n_statements, 20);
  EXPECT_EQ(total.precision, 2);
  EXPECT_EQ(*total.pc_covered_str(), "71.43");
}

TEST(Numbers, DisplayCovered) {
  EXPECT_EQ(Display(0, 0), "0");
  EXPECT_EQ(Display(100, 0), "100");
  EXPECT_EQ(Display(99.9, 0), "99");
  EXPECT_EQ(Display(0.2, 0), "1");
  EXPECT_EQ(Display(99.995, 2), "99.99");
  EXPECT_EQ(Display(12.5, 0), "12");  // ties to even
  EXPECT_EQ(Display(87.5, 0), "88");
  EXPECT_EQ(Display(85.714285714, 2), "85.71");
  EXPECT_EQ(Display(50, 3), "50.000");
  EXPECT_EQ(Display(1, -1), "ERROR: precision=-1 is invalid. Must not be negative.");
}

TEST(Numbers, FailUnder) {
  EXPECT_FALSE(*ShouldFailUnder(90, 0, 0));
  EXPECT_TRUE(*ShouldFailUnder(85.71, 90, 0));
  EXPECT_TRUE(*ShouldFailUnder(99.999, 100, 0));
  EXPECT_FALSE(*ShouldFailUnder(100, 100, 0));
  EXPECT_FALSE(*ShouldFailUnder(89.6, 90, 0));  // rounds to 90
  EXPECT_TRUE(*ShouldFailUnder(89.6, 89.75, 0));  // the threshold's own two decimals count
  EXPECT_EQ(ShouldFailUnder(1, 101, 0).error().message,
            "fail_under=101.0 is invalid. Must be between 0 and 100.");
  EXPECT_EQ(ShouldFailUnder(1, -0.5, 0).error().message,
            "fail_under=-0.5 is invalid. Must be between 0 and 100.");
  EXPECT_EQ(FormatFailUnderMsg(85.714, 90, 2), "total of 85.71 is less than fail-under=90.00");
  EXPECT_EQ(FormatFailUnderMsg(89.6, 89.75, 0), "total of 89.60 is less than fail-under=89.75");
  EXPECT_EQ(FormatFailUnderMsg(99.999, 100, 0), "total of 99 is less than fail-under=100");
  EXPECT_EQ(FormatFailUnderMsg(1.0, 1.5e-05, 0), "total of 1.000000 is less than fail-under=0.000015");
}

// NumbersOf (the HTML region rows) counts what FromSets builds, on random sets: executed
// not always inside statements, arcs into excluded lines, no-branch lines, lines without
// an exit count.
TEST(Numbers, NumbersOfAgreesWithFromSets) {
  std::mt19937 rng(5);
  auto some = [&](int n, int top) {
    std::vector<LineNo> v;
    for (int i = 0; i < n; ++i) v.push_back(LineNo(1 + rng() % top));
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  };
  for (int round = 0; round < 2000; ++round) {
    const int top = 2 + int(rng() % 40);
    std::vector<LineNo> statements = some(int(rng() % 30), top), excluded = some(int(rng() % 5), top);
    std::vector<LineNo> executed;
    for (LineNo l : statements) {
      if (rng() % 2) executed.push_back(l);
    }
    if (round % 5 == 0) executed = some(int(rng() % 20), top);  // not a subset
    std::vector<Arc> possible, ran;
    for (int i = int(rng() % 40); i > 0; --i) {
      LineNo to = rng() % 6 == 0 ? -LineNo(1 + rng() % 3) : LineNo(1 + rng() % top);
      possible.emplace_back(LineNo(1 + rng() % top), to);
    }
    std::sort(possible.begin(), possible.end());
    possible.erase(std::unique(possible.begin(), possible.end()), possible.end());
    for (const Arc& a : possible) {
      if (rng() % 2) ran.push_back(a);
    }
    LineMap<int> exits;
    for (const Arc& a : possible) {
      if (rng() % 4) exits[a.first] = 1 + int(rng() % 3);
    }
    std::vector<LineNo> no_branch = some(int(rng() % 3), top);
    for (bool arcs : {false, true}) {
      Analysis a = Analysis::FromSets("f", arcs, statements, excluded, executed, possible, ran, exits, no_branch, 2);
      Numbers n = Analysis::NumbersOf(arcs, a.statements, a.excluded, a.executed, a.arc_possibilities,
                                      a.arcs_executed, a.exit_counts, a.no_branch, 2);
      // Against the lists FromSets builds, as coverage.py's Numbers counts them.
      int64_t missing_branches = 0, partial = 0;
      for (const auto& [line, dests] : a.MissingBranchArcs()) {
        missing_branches += int64_t(dests.size());
        if (!std::binary_search(a.missing.begin(), a.missing.end(), line)) partial += int64_t(dests.size());
      }
      EXPECT_EQ(n.n_statements, int64_t(a.statements.size())) << round;
      EXPECT_EQ(n.n_missing, int64_t(a.missing.size())) << round;
      EXPECT_EQ(n.n_excluded, int64_t(a.excluded.size())) << round;
      EXPECT_EQ(n.n_missing_branches, arcs ? missing_branches : 0) << round;
      EXPECT_EQ(n.n_partial_branches, arcs ? partial : 0) << round;
      EXPECT_EQ(n.n_branches, a.numbers.n_branches) << round;
    }
  }
}

TEST(FormatLines, Ranges) {
  std::vector<LineNo> statements = {1, 2, 3, 4, 5, 10, 11, 12, 13, 14};
  EXPECT_EQ(FormatLines(statements, {1, 2, 5, 10, 11, 13, 14}), "1-2, 5-11, 13-14");
  EXPECT_EQ(FormatLines(statements, {}), "");
  EXPECT_EQ(FormatLines(statements, {14}), "14");
  EXPECT_EQ(FormatLines(statements, statements), "1-14");
}

TEST(FormatLines, Arcs) {
  std::vector<LineNo> statements = {1, 2, 3, 4, 5, 6, 10};
  BranchArcs arcs = {{4, {6, 10, -1}}, {5, {6}}, {2, {3}}};
  // 5 is missing, so its arcs are not shown; "4->10" sorts before "4->6" as text.
  EXPECT_EQ(FormatLines(statements, {5}, &arcs), "2->3, 4->10, 4->6, 4->exit, 5");
}

Analysis Sample() {
  // 1: if x:        (two exits: 2, 4)
  // 2:     y = 1
  // 3: # excluded
  // 4: z = 2         (exit)
  return Analysis::FromSets("f.py", true, {1, 2, 4}, {3}, {1, 4}, {{-1, 1}, {1, 2}, {1, 4}, {2, 4}, {4, -1}},
                            {{-1, 1}, {1, 4}, {4, -1}}, {{1, 2}, {2, 1}, {4, 1}}, {}, 0);
}

TEST(Analysis, Numbers) {
  Analysis a = Sample();
  EXPECT_EQ(a.missing, std::vector<LineNo>{2});
  EXPECT_EQ(a.numbers.n_statements, 3);
  EXPECT_EQ(a.numbers.n_excluded, 1);
  EXPECT_EQ(a.numbers.n_missing, 1);
  EXPECT_EQ(a.numbers.n_branches, 2);
  EXPECT_EQ(a.numbers.n_partial_branches, 1);
  EXPECT_EQ(a.numbers.n_missing_branches, 1);
  EXPECT_EQ(*a.numbers.pc_covered_str(), "60");
  auto mba = a.MissingBranchArcs();
  ASSERT_EQ(mba.size(), 1u);
  EXPECT_EQ(mba[1], std::vector<LineNo>{2});
  EXPECT_EQ(a.ExecutedBranchArcs()[1], std::vector<LineNo>{4});
  EXPECT_EQ(a.BranchStats()[1], std::make_pair(2, 1));
  EXPECT_EQ(a.MissingFormatted(true), "2");  // 1->2 lands on a missing line
  EXPECT_EQ(a.MissingFormatted(false), "2");
}

TEST(Analysis, FromFileFoldsSelfArcs) {
  FileAnalysis fa;
  fa.statements = {1, 2, 3};
  fa.arcs = {{-1, 1}, {1, 2}, {2, 3}, {3, -1}};
  fa.exit_counts = {{1, 1}, {2, 1}, {3, 1}};
  // A measured (2, 2) stands for line 2's single exit.
  Analysis a = Analysis::FromFile(fa, "f.py", true, {1, 2}, {{-1, 1}, {1, 2}, {2, 2}}, 0);
  EXPECT_EQ(a.arcs_executed, (std::vector<Arc>{{-1, 1}, {1, 2}, {2, 3}}));
  EXPECT_EQ(a.executed, (std::vector<LineNo>{1, 2}));
  EXPECT_EQ(a.missing, std::vector<LineNo>{3});
}

TEST(Text, HumanCompare) {
  EXPECT_LT(HumanCompare("mod2.py", "mod10.py"), 0);
  EXPECT_GT(HumanCompare("mod10.py", "mod2.py"), 0);
  EXPECT_GT(HumanCompare("x1y", "x001y"), 0);  // equal chunks: the strings decide
  EXPECT_LT(HumanCompare("a", "a1"), 0);
  EXPECT_LT(HumanCompare("1", "a"), 0);  // "" < "a"
  EXPECT_EQ(HumanCompare("abc", "abc"), 0);
  EXPECT_LT(HumanCompare("a9b", "a10"), 0);
}

TEST(Text, PythonHelpers) {
  EXPECT_EQ(CodePoints("\xc3\xbcn\xc3\xaf.py"), 6u);
  EXPECT_EQ(NeutralizeControl("a\tb\nc", 11), "a?b?c");
  EXPECT_EQ(NeutralizeControl("nb\xc2\xa0sp", 11), "nb?sp");
  EXPECT_EQ(NeutralizeControl("\xc3\xbc", 11), "\xc3\xbc");
  EXPECT_EQ(EscapeMarkdown("4->6, a_b [x]"), "4-\\>6, a\\_b \\[x\\]");
  EXPECT_EQ(WithErrorSlug("No source for code: 'x'.", "no-source"),
            "No source for code: 'x'; see https://coverage.readthedocs.io/en/7.17.3/messages.html#error-no-source");
  EXPECT_EQ(PythonMinor("3.12.1 (main, ...)"), 12);
  EXPECT_EQ(*UnshellList(std::string("a,b,")), (std::vector<std::string>{"a", "b", ""}));
  EXPECT_FALSE(UnshellList(std::string("")));
}

// Against the reference Python: rounding, float repr, human sort and isprintable on random
// inputs.
TEST(Text, AgreesWithPython) {
  const std::string python = testing::ReferencePython("3.12");
  if (python.empty()) GTEST_SKIP() << "no reference venv";
  std::mt19937_64 rng(7);
  std::string script =
      "import sys\n"
      "from coverage.results import display_covered\n"
      "from coverage.misc import human_sorted\n"
      "for line in sys.stdin:\n"
      "    kind, a, b = line.split()\n"
      "    if kind == 'd':\n"
      "        print(display_covered(float.fromhex(a), int(b)))\n"
      "    elif kind == 'r':\n"
      "        print(repr(float.fromhex(a)))\n"
      "    else:\n"
      "        x, y = bytes.fromhex(a).decode(), bytes.fromhex(b).decode()\n"
      "        print('<' if human_sorted([x, y])[0] == x and x != y else ('=' if x == y else '>'))\n";
  testing::TempDir dir;
  dir.Write("check.py", script);
  std::string input;
  std::vector<std::string> expected;
  const char* names[] = {"a", "b1", "b10", "b2", "01", "1", "x1y", "x001y", "", "z9", "z09", "A"};
  for (int i = 0; i < 400; ++i) {
    double num = double(rng() % 2000), den = double(1 + rng() % 2000);
    double pc = std::min(100.0, (100.0 * num) / den);
    if (i % 50 == 0) pc = i % 100 ? 1e-9 : 100.0 - 1e-9;  // below near0, above 100 - near0
    // Past 12 places DisplayCovered takes the round trip through strtod that it skips below.
    int p = i % 3 ? int(rng() % 4) : int(rng() % 16);
    char hex[64];
    std::snprintf(hex, sizeof hex, "%a", pc);
    input += std::string("d ") + hex + " " + std::to_string(p) + "\n";
    expected.push_back(Display(pc, p));
    // repr(): percentages, and doubles of any exponent from random bits.
    uint64_t bits = rng();
    double any;
    std::memcpy(&any, &bits, sizeof any);
    if (!std::isfinite(any)) any = double(bits % 100000) / 7.0;
    for (double v : {pc, any, pc / 1e6, double(rng() % 100000000) * 1e9}) {
      std::snprintf(hex, sizeof hex, "%a", v);
      input += std::string("r ") + hex + " 0\n";
      expected.push_back(py::FloatRepr(v));
    }
    std::string x = names[rng() % 12], y = names[rng() % 12];
    x += names[rng() % 12];
    y += names[rng() % 12];
    input += "h " + (x.empty() ? std::string("20") : testing::Hex(x)) + " " +
             (y.empty() ? std::string("20") : testing::Hex(y)) + "\n";
    if (x.empty()) x = " ";
    if (y.empty()) y = " ";
    int c = HumanCompare(x, y);
    expected.push_back(c < 0 ? "<" : c == 0 ? "=" : ">");
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

// Python's repr of a sorted list of ints, and of sorted(dict.items()) for a line -> lines map.
std::string PyList(const std::vector<LineNo>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
  return out + "]";
}
std::string PyItems(const BranchArcs& m) {
  std::string out = "[";
  bool first = true;
  for (const auto& [k, v] : m) {
    out += (first ? "(" : ", (") + std::to_string(k) + ", " + PyList(v) + ")";
    first = false;
  }
  return out + "]";
}
std::string ArcList(const std::vector<Arc>& arcs) {
  std::string out = "[";
  for (size_t i = 0; i < arcs.size(); ++i) {
    out += (i ? ", (" : "(") + std::to_string(arcs[i].first) + ", " + std::to_string(arcs[i].second) + ")";
  }
  return out + "]";
}
std::string Summary(const Analysis& a) {
  const Numbers& n = a.numbers;
  return PyList(a.statements) + "|" + PyList(a.executed) + "|" + PyList(a.missing) + "|" +
         std::to_string(n.n_branches) + "," + std::to_string(n.n_partial_branches) + "," +
         std::to_string(n.n_missing_branches) + "|" + PyItems(a.MissingBranchArcs()) + "|" +
         PyItems(a.ExecutedBranchArcs()) + "|" + a.MissingFormatted(true);
}

// Random analyses narrowed to random regions, against coverage.py's AnalysisNarrower.
TEST(AnalysisNarrower, AgreesWithPython) {
  const std::string python = testing::ReferencePython("3.12");
  if (python.empty()) GTEST_SKIP() << "no reference venv";
  const std::string script = R"(
import ast, sys
from coverage.results import Analysis, AnalysisNarrower
for line in sys.stdin:
    c = ast.literal_eval(line)
    a = Analysis(precision=0, filename="f.py", has_arcs=True, statements=set(c["st"]),
                 excluded=set(c["ex"]), executed=set(c["run"]), arc_possibilities_set=set(c["arcs"]),
                 arcs_executed_set=set(c["ran"]), exit_counts=dict(c["exits"]), no_branch=set(c["nb"]))
    narrower = AnalysisNarrower(a)
    for group in c["groups"]:
        narrower.add_regions([set(r) for r in group])
    for lines in [a] + [set(r) for group in c["groups"] for r in group]:
        n = a if lines is a else narrower.narrow(lines)
        m = n.numbers
        print(f"{sorted(n.statements)}|{sorted(n.executed)}|{sorted(n.missing)}|"
              f"{m.n_branches},{m.n_partial_branches},{m.n_missing_branches}|"
              f"{sorted(n.missing_branch_arcs().items())}|{sorted(n.executed_branch_arcs().items())}|"
              f"{n.missing_formatted(branches=True)}")
)";
  testing::TempDir dir;
  dir.Write("check.py", script);
  std::mt19937 rng(11);
  std::string input;
  std::vector<std::string> expected;
  for (int c = 0; c < 200; ++c) {
    const int n = 3 + int(rng() % 20);
    std::vector<LineNo> st, ex, run, nb;
    for (LineNo l = 1; l <= n; ++l) {
      if (rng() % 5 == 0) ex.push_back(l);
      else if (rng() % 4) st.push_back(l);
    }
    for (LineNo l : st) if (rng() % 3) run.push_back(l);
    std::vector<Arc> arcs, ran;
    LineMap<int> exits;
    for (LineNo l : st) {
      int k = 1 + int(rng() % 3);
      std::set<LineNo> dests;
      for (int j = 0; j < k; ++j) dests.insert(rng() % 6 == 0 ? -1 : 1 + LineNo(rng() % n));
      dests.erase(l);
      for (LineNo d : dests) {
        arcs.emplace_back(l, d);
        if (rng() % 2) ran.emplace_back(l, d);
      }
      if (!dests.empty()) exits[l] = int(dests.size());
      if (rng() % 10 == 0) nb.push_back(l);
    }
    std::vector<std::vector<std::vector<LineNo>>> groups(1 + rng() % 2);
    for (auto& g : groups) {
      for (int r = 0; r < 1 + int(rng() % 3); ++r) {
        std::vector<LineNo> lines;
        LineNo a = 1 + LineNo(rng() % n), b = a + LineNo(rng() % 6);
        for (LineNo l = a; l <= b; ++l) lines.push_back(l);
        g.push_back(lines);
      }
    }
    std::string exits_text = "[";
    for (auto [l, k] : exits) exits_text += "(" + std::to_string(l) + ", " + std::to_string(k) + "), ";
    exits_text += "]";
    std::string groups_text = "[";
    for (auto& g : groups) {
      groups_text += "[";
      for (auto& r : g) groups_text += PyList(r) + ", ";
      groups_text += "], ";
    }
    groups_text += "]";
    input += "{'st': " + PyList(st) + ", 'ex': " + PyList(ex) + ", 'run': " + PyList(run) +
             ", 'arcs': " + ArcList(arcs) + ", 'ran': " + ArcList(ran) + ", 'exits': " + exits_text +
             ", 'nb': " + PyList(nb) + ", 'groups': " + groups_text + "}\n";
    Analysis a = Analysis::FromSets("f.py", true, st, ex, run, arcs, ran, exits, nb, 0);
    AnalysisNarrower narrower(a);
    for (auto& g : groups) narrower.AddRegions(g);
    expected.push_back(Summary(a));
    for (auto& g : groups) {
      for (auto& r : g) expected.push_back(Summary(narrower.Narrow(r)));
    }
  }
  dir.Write("in.txt", input);
  std::string cmd = python + " " + dir / "check.py" + " < " + dir / "in.txt" + " > " + dir / "out.txt";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::istringstream got(testing::ReadAll(dir / "out.txt"));
  std::string line;
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_TRUE(std::getline(got, line));
    ASSERT_EQ(line, expected[i]) << "case line " << i;
  }
}

}  // namespace
}  // namespace covalesce::report
