// The slipcover reader's own rules: how an input is recognised, which JSON it refuses and
// with what words, and the branch mapping on small cases of each kind. Real slipcover runs
// against coverage.py are tests/differential/test_slipcover.py's.
#include <gtest/gtest.h>

#include <fstream>

#include "covalesce/kernels.h"
#include "covalesce/slipcover_reader.h"
#include "test_util.h"

namespace covalesce {
namespace {

TEST(Slipcover, RecognisedByFirstByte) {
  EXPECT_TRUE(LooksLikeJson("{\"meta\": {}}"));
  EXPECT_TRUE(LooksLikeJson("\n  \t{"));
  EXPECT_FALSE(LooksLikeJson(std::string("SQLite format 3\0", 16)));
  EXPECT_FALSE(LooksLikeJson("[1, 2]"));
  EXPECT_FALSE(LooksLikeJson(""));
}

std::string ParseError(const std::string& json) {
  auto r = ParseSlipcoverJson(json);
  return r ? "" : r.error().message;
}

TEST(Slipcover, RefusesWhatSlipcoverDoesNotWrite) {
  EXPECT_EQ(ParseError(R"({"files": {}})"), "not slipcover JSON: meta.software is missing");
  EXPECT_EQ(ParseError(R"({"meta": {"software": "coverage.py"}, "files": {}})"),
            "not slipcover JSON: meta.software is 'coverage.py'");
  EXPECT_EQ(ParseError(R"({"meta": {"software": "slipcover"}})"), "files is missing");
  EXPECT_EQ(ParseError(R"({"meta": {"software": "slipcover"}, "files": {"a.py": {"missing_lines": []}}})"),
            "files['a.py'].executed_lines is missing");
  EXPECT_EQ(ParseError(R"({"meta": {"software": "slipcover"}, "files": {"a.py": {"executed_lines": [0]}}})"),
            "files['a.py'].executed_lines: line number 0 out of range");
  EXPECT_EQ(ParseError(R"({"meta": {"software": "slipcover", "branch_coverage": true}, "files": {"a.py":
            {"executed_lines": [1], "executed_branches": [[1, -2]]}}})"),
            "files['a.py'].executed_branches: branch [1, -2] out of range");
  EXPECT_EQ(ParseError(R"({"meta": {"software": "slipcover"}, "files": {"a.py":
            {"executed_lines": [1], "executed_branches": [[1, 2]]}}})"),
            "files['a.py'] has branches but meta.branch_coverage is false");
  EXPECT_EQ(ParseError(R"({"meta": {"software": "slipcover", "show_contexts": true}, "files": {}})"),
            "meta.show_contexts is true, which slipcover's JSON cannot hold");
  EXPECT_EQ(ParseError(R"({"meta": {"software": "slipcover"}, "files": {"a.py": {"executed_li)").substr(0, 14),
            "invalid JSON: ");
  auto ok = ParseSlipcoverJson(R"({"meta": {"software": "slipcover", "version": "1.1.0", "branch_coverage": true},
      "files": {"a.py": {"executed_lines": [3, 1, 3], "missing_lines": [2], "executed_branches": [[1, 3]],
      "missing_branches": [[1, 0]], "summary": {"covered_lines": 2}}}, "summary": {}})");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->version, "1.1.0");
  ASSERT_EQ(ok->files.size(), 1u);
  EXPECT_EQ(ok->files[0].executed_lines, (std::vector<int32_t>{1, 3}));  // sorted, unique
  EXPECT_EQ(ok->files[0].missing_branches, (std::vector<SlipcoverArc>{{1, 0}}));
}

SlipcoverFile File(std::vector<SlipcoverArc> executed, std::vector<SlipcoverArc> missing) {
  SlipcoverFile f;
  f.name = "a.py";
  f.executed_branches = std::move(executed);
  f.missing_branches = std::move(missing);
  return f;
}

TEST(Slipcover, BranchesMappedOntoPossibleArcs) {
  size_t unmapped = 9;
  // The same destinations, and an exit: 0 is the line's only negative destination.
  EXPECT_EQ(MapSlipcoverBranches(File({{2, 3}, {2, 0}}, {}), {{-1, 2}, {2, 3}, {2, -1}, {3, -1}}, &unmapped),
            (std::vector<SlipcoverArc>{{2, -1}, {2, 3}}));
  EXPECT_EQ(unmapped, 0u);
  // One destination each side that the other lacks (a class body's end, a decorated def): paired.
  EXPECT_EQ(MapSlipcoverBranches(File({{5, 9}}, {{5, 6}}), {{5, 6}, {5, -3}}, &unmapped),
            (std::vector<SlipcoverArc>{{5, -3}}));
  // match at 10, cases at 11 (body 12), 13 (body 14), 15 (body 16), falling through to 17.
  const std::vector<SlipcoverArc> match = {{10, 11}, {11, 12}, {11, 13}, {13, 14}, {13, 15}, {15, 16}, {15, 17}};
  EXPECT_EQ(MapSlipcoverBranches(File({{10, 14}}, {{10, 12}, {10, 16}, {10, 17}}), match, &unmapped),
            (std::vector<SlipcoverArc>{{11, 13}, {13, 14}}));
  EXPECT_EQ(MapSlipcoverBranches(File({{10, 17}}, {}), match, &unmapped),
            (std::vector<SlipcoverArc>{{11, 13}, {13, 15}, {15, 17}}));
  // A `while True:` exit coverage.py has no arc for, and a line it does not know: dropped.
  EXPECT_EQ(MapSlipcoverBranches(File({{20, 22}, {30, 31}}, {{20, 21}}), {{20, 21}, {21, 20}}, &unmapped),
            (std::vector<SlipcoverArc>{}));
  EXPECT_EQ(unmapped, 2u);
}

TEST(Slipcover, ShardOfALinesFileAndABranchFile) {
  testing::TempDir dir;
  const std::string lines = dir.path + "/lines.json", branch = dir.path + "/branch.json";
  std::ofstream(lines) << R"({"meta": {"software": "slipcover", "branch_coverage": false}, "files":
      {"pkg/a.py": {"executed_lines": [1, 2, 70]}, "/abs/b.py": {"executed_lines": []}}})";
  std::ofstream(branch) << R"({"meta": {"software": "slipcover", "branch_coverage": true}, "files":
      {"a.py": {"executed_lines": [1, 2], "executed_branches": [[1, 2], [1, 0]], "missing_branches": []}}})";
  SlipcoverReadOptions options{"/work", false, nullptr};
  auto s = ReadSlipcoverShard(lines, options);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->meta_has_arcs, false);
  EXPECT_EQ(s->files, (std::vector<std::string>{"/work/pkg/a.py", "/abs/b.py"}));
  EXPECT_EQ(s->contexts, (std::vector<std::string>{""}));
  ASSERT_EQ(s->line_file, (std::vector<uint32_t>{0}));  // b.py: a file row only
  std::vector<uint64_t> words(kernels::WordsForBytes(s->line_bytes.size()));
  kernels::DecodeNumbits(s->line_bytes.data(), s->line_bytes.size(), words.data());
  std::vector<uint32_t> got(kernels::Popcount(words.data(), words.size()));
  kernels::BitmapToLines(words.data(), words.size(), got.data());
  EXPECT_EQ(got, (std::vector<uint32_t>{1, 2, 70}));

  const std::string empty = dir.path + "/empty.json";
  std::ofstream(empty) << R"({"meta": {"software": "slipcover", "branch_coverage": true}, "files": {}})";
  auto e = ReadSlipcoverShard(empty, options);
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->meta_has_arcs.has_value());  // measured nothing: combines with either kind

  options.relative_files = true;
  options.possible_arcs = [](const std::string& p) -> Result<std::vector<SlipcoverArc>> {
    EXPECT_EQ(p, "/work/a.py");
    return std::vector<SlipcoverArc>{{-1, 1}, {1, 2}, {1, -1}, {2, -1}};
  };
  auto b = ReadSlipcoverShard(branch, options);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->meta_has_arcs, true);
  EXPECT_EQ(b->files, (std::vector<std::string>{"a.py"}));  // relative_files: as recorded
  std::vector<SlipcoverArc> arcs;
  for (uint64_t k : b->arc_keys) arcs.emplace_back(kernels::ArcFrom(k), kernels::ArcTo(k));
  std::sort(arcs.begin(), arcs.end());
  EXPECT_EQ(arcs, (std::vector<SlipcoverArc>{{-2, 2}, {-1, 1}, {1, -1}, {1, 2}}));

  // A file with branching lines run but no branch recorded (a test file under pytest): said.
  const std::string none = dir.path + "/none.json";
  std::ofstream(none) << R"({"meta": {"software": "slipcover", "branch_coverage": true}, "files":
      {"a.py": {"executed_lines": [1, 2], "executed_branches": [], "missing_branches": []}}})";
  auto n = ReadSlipcoverShard(none, options);
  ASSERT_TRUE(n);
  ASSERT_EQ(n->warnings.size(), 1u);
  EXPECT_EQ(n->warnings[0], "slipcover recorded no branches for 'a.py' in '" + none +
                                "', though its executed lines branch (slipcover cannot measure branches in files"
                                " pytest rewrites); they count as not taken");

  options.possible_arcs = [](const std::string&) -> Result<std::vector<SlipcoverArc>> {
    return Error{"No source for code: '/work/a.py'."};
  };
  b = ReadSlipcoverShard(branch, options);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->arc_keys.size(), 3u);  // (1, 0) left out
  ASSERT_EQ(b->warnings.size(), 1u);
  EXPECT_EQ(b->warnings[0], "Couldn't resolve the slipcover branch exits of 'a.py' in '" + branch +
                                "' (No source for code: '/work/a.py'.); they are left out");
}

}  // namespace
}  // namespace covalesce
