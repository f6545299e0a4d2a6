// Tests of LoadConfig: which file is read, value syntax (INI and TOML), environment expansion,
// error and warning texts, defaults and post-processing, and our [covalesce] section.
// Hand-written cases document the rules; "MatchesCoveragePy" runs a table of config trees
// through coverage.py 7.17.3's read_coverage_config in the reference venvs (.venvs/py3.11,
// py3.13) and compares every setting Config holds. Without the venvs it is skipped, saying so.
#include <stdlib.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "covalesce/config.h"
#include "test_util.h"

namespace covalesce {
namespace {

using namespace covalesce::testing;

namespace fs = std::filesystem;

// A fresh directory under $TMPDIR (or /tmp), removed afterwards; `path` is its real path.

using Env = std::map<std::string, std::string>;

GetEnv EnvOf(Env env) {
  return [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

// Loads the config of a directory holding `files`.
Result<Config> Load(const std::map<std::string, std::string>& files, Env env = {},
                    std::optional<std::string> rcfile = std::nullopt, std::string* cwd_out = nullptr) {
  TempDir dir;
  for (const auto& [name, text] : files) dir.Write(name, text);
  if (cwd_out) *cwd_out = dir.path;
  return LoadConfig(rcfile, dir.path, EnvOf(std::move(env)));
}

std::string ErrorOf(const Result<Config>& r) { return r.ok() ? "(no error)" : r.error().message; }

// ---------------------------------------------------------------------------------------------
// Which file is read

TEST(ConfigFile, DefaultsWithoutAnyFile) {
  auto c = Load({});
  ASSERT_TRUE(c.ok()) << ErrorOf(c);
  EXPECT_EQ(c->config_file, "");
  EXPECT_EQ(c->data_file, ".coverage");
  EXPECT_EQ(c->exclude_lines.size(), 3u);
  EXPECT_EQ(c->exclude_lines[2], R"(^\s*if (typing\.)?TYPE_CHECKING:)");
  EXPECT_EQ(c->partial_branches, std::vector<std::string>{R"(#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(branch|BRANCH))"});
  EXPECT_EQ(c->partial_branches_always[0], R"(^\s*while (True|1|False|0):)");
  EXPECT_EQ(c->html_dir, "htmlcov");
  EXPECT_EQ(c->xml_package_depth, 99);
  EXPECT_FALSE(c->source.has_value());
}

TEST(ConfigFile, CoveragercWinsEvenWhenEmpty) {
  std::string cwd;
  auto c = Load({{".coveragerc", ""}, {"setup.cfg", "[coverage:run]\nbranch = 1\n"}}, {}, std::nullopt, &cwd);
  ASSERT_TRUE(c.ok()) << ErrorOf(c);
  EXPECT_EQ(c->config_file, cwd + "/.coveragerc");
  EXPECT_TRUE(c->config_file_is_ours);
  EXPECT_FALSE(c->branch);
}

TEST(ConfigFile, SharedFilesCountOnlyWithCoverageSettings) {
  std::string cwd;
  // setup.cfg has only an unknown option (a warning) and a bare [run] (not ours to read).
  auto c = Load({{"setup.cfg", "[coverage:run]\nfoo = 1\n[run]\nbranch = 1\n"},
                 {"tox.ini", "[coverage:report]\nprecision = 2\n"},
                 {"pyproject.toml", "[tool.coverage.run]\nbranch = true\n"}},
                {}, std::nullopt, &cwd);
  ASSERT_TRUE(c.ok()) << ErrorOf(c);
  EXPECT_EQ(c->config_file, cwd + "/tox.ini");
  EXPECT_FALSE(c->config_file_is_ours);
  EXPECT_EQ(c->precision, 2);
  EXPECT_FALSE(c->branch);
  EXPECT_EQ(c->warnings, std::vector<std::string>{"Unrecognized option '[coverage:run] foo=' in config file setup.cfg"});
}

TEST(ConfigFile, PyprojectNeedsToolCoverage) {
  auto bare = Load({{"pyproject.toml", "[run]\nbranch = true\n"}});
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->config_file, "");
  auto tool = Load({{"pyproject.toml", "[tool.coverage.run]\nbranch = true\n"}});
  ASSERT_TRUE(tool.ok());
  EXPECT_TRUE(tool->branch);
  // An empty [coverage:paths] is no setting either.
  auto paths = Load({{"setup.cfg", "[coverage:paths]\n"}});
  ASSERT_TRUE(paths.ok());
  EXPECT_EQ(paths->config_file, "");
}

TEST(ConfigFile, OurTomlFileAcceptsBareSections) {
  auto c = Load({{".coveragerc.toml", "[run]\nbranch = true\n[tool.coverage.report]\nprecision = 1\n"}});
  ASSERT_TRUE(c.ok()) << ErrorOf(c);
  EXPECT_TRUE(c->branch);
  EXPECT_EQ(c->precision, 1);
  EXPECT_TRUE(c->config_file_is_ours);
}

TEST(ConfigFile, PrefixedSectionShadowsBareOne) {
  auto c = Load({{".coveragerc", "[coverage:run]\nparallel = true\n[run]\nbranch = true\n"}});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->parallel);
  EXPECT_FALSE(c->branch);
}

TEST(ConfigFile, RcfileArgumentAndEnvironment) {
  std::string cwd;
  auto given = Load({{"my.ini", "[run]\nbranch = on\n"}, {".coveragerc", "[run]\nparallel = 1\n"}}, {}, "my.ini", &cwd);
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(given->config_file, cwd + "/my.ini");
  EXPECT_TRUE(given->branch);
  EXPECT_FALSE(given->parallel);

  auto missing = Load({}, {}, "nope.ini");
  EXPECT_EQ(ErrorOf(missing), "Couldn't read 'nope.ini' as a config file");
  auto env_missing = Load({}, {{"COVERAGE_RCFILE", "gone.cfg"}});
  EXPECT_EQ(ErrorOf(env_missing), "Couldn't read 'gone.cfg' as a config file");
  auto env_empty = Load({{".coveragerc", "[run]\nbranch = 1\n"}}, {{"COVERAGE_RCFILE", ""}});
  ASSERT_TRUE(env_empty.ok());
  EXPECT_TRUE(env_empty->branch);

  // ".coveragerc" given explicitly means "not specified": the search goes on.
  auto dotrc = Load({{"setup.cfg", "[coverage:run]\nbranch = 1\n"}}, {}, ".coveragerc");
  ASSERT_TRUE(dotrc.ok()) << ErrorOf(dotrc);
  EXPECT_TRUE(dotrc->branch);
  // An empty --rcfile reads nothing at all.
  auto none = Load({{".coveragerc", "[run]\nbranch = 1\n"}}, {{"COVERAGE_RCFILE", "x"}}, "");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->branch);
  // A directory is not a readable file.
  auto dir = Load({{"d.ini/x", ""}}, {}, "d.ini");
  EXPECT_EQ(ErrorOf(dir), "Couldn't read 'd.ini' as a config file");
}

TEST(ConfigFile, EnvironmentOverrides) {
  auto c = Load({{".coveragerc", "[run]\ndata_file = from_rc\ndebug = a\n"}},
                {{"COVERAGE_FILE", "/tmp/x.cov"}, {"COVERAGE_DEBUG", "pathmap, combine,,"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->data_file, "/tmp/x.cov");
  EXPECT_EQ(c->debug, (std::vector<std::string>{"a", "pathmap", "combine", "", ""}));
}

// ---------------------------------------------------------------------------------------------
// INI value syntax

TEST(IniValues, ListsBooleansNumbersAndComments) {
  auto c = Load({{".coveragerc",
                  "[run]\n"
                  "BRANCH : Yes\n"
                  "source =\n"
                  "    src, lib\n"
                  "    # a comment inside the value\n"
                  "\n"
                  "    tests ,\n"
                  "[report]\n"
                  "fail_under = 8_5.5\n"
                  "precision = +2\n"
                  "sort = Cover # not a comment\n"
                  "exclude_also =\n"
                  "    if DEBUG:\n"
                  "    raise (NotImplementedError, ValueError)\n"
                  "; comment\n"
                  "omit = a/*,b/*\n"}});
  ASSERT_TRUE(c.ok()) << ErrorOf(c);
  EXPECT_TRUE(c->branch);
  EXPECT_EQ(*c->source, (std::vector<std::string>{"src", "lib", "tests"}));
  EXPECT_DOUBLE_EQ(c->fail_under, 85.5);
  EXPECT_EQ(c->precision, 2);
  EXPECT_EQ(*c->sort, "Cover # not a comment");
  EXPECT_EQ(c->exclude_also, (std::vector<std::string>{"if DEBUG:", "raise (NotImplementedError, ValueError)"}));
  ASSERT_EQ(c->exclude_lines.size(), 5u);  // defaults + exclude_also
  EXPECT_EQ(c->exclude_lines[4], "raise (NotImplementedError, ValueError)");
  EXPECT_EQ(*c->report_omit, (std::vector<std::string>{"a/*", "b/*"}));
}

TEST(IniValues, DefaultSectionLeaksIntoEverySection) {
  auto c = Load({{".coveragerc", "[DEFAULT]\nbranch = true\n[run]\nparallel = true\n[report]\n"}});
  ASSERT_TRUE(c.ok()) << ErrorOf(c);
  EXPECT_TRUE(c->branch);
  // ...and is an unknown option of [report].
  EXPECT_EQ(c->warnings, std::vector<std::string>{"Unrecognized option '[report] branch=' in config file .coveragerc"});
}

TEST(IniValues, ErrorTexts) {
  EXPECT_EQ(ErrorOf(Load({{".coveragerc", "[run]\nbranch = maybe\n"}})),
            "Couldn't read config file .coveragerc: Not a boolean: maybe");
  EXPECT_EQ(ErrorOf(Load({{".coveragerc", "[report]\nprecision = 2.5\n"}})),
            "Couldn't read config file .coveragerc: invalid literal for int() with base 10: '2.5'");
  EXPECT_EQ(ErrorOf(Load({{".coveragerc", "[report]\nfail_under = lots\n"}})),
            "Couldn't read config file .coveragerc: could not convert string to float: 'lots'");
  EXPECT_EQ(ErrorOf(Load({{".coveragerc", "[run]\n[run]\n"}})),
            "Couldn't read config file .coveragerc: While reading from '.coveragerc' [line  2]: section 'run' "
            "already exists");
  EXPECT_EQ(ErrorOf(Load({{".coveragerc", "[run]\nbranch = 1\nBranch = 0\n"}})),
            "Couldn't read config file .coveragerc: While reading from '.coveragerc' [line  3]: option 'branch' "
            "in section 'run' already exists");
  EXPECT_EQ(ErrorOf(Load({{".coveragerc", "branch = 1\n"}})),
            "Couldn't read config file .coveragerc: File contains no section headers.\nfile: '.coveragerc', "
            "line: 1\n'branch = 1\\n'");
  EXPECT_EQ(ErrorOf(Load({{".coveragerc", "[run]\njunk\n= x\n"}})),
            "Couldn't read config file .coveragerc: Source contains parsing errors: '.coveragerc'\n\t[line  2]: "
            "'junk\\n'\n\t[line  3]: '= x\\n'");
  EXPECT_EQ(ErrorOf(Load({{".coveragerc", "[report]\nexclude_lines =\n    ok\n    bad(\n"}})),
            "Invalid [report].exclude_lines value 'bad(': missing ), unterminated subpattern at position 3");
  // Errors in a file coverage.py only peeks into still stop everything.
  EXPECT_EQ(ErrorOf(Load({{"setup.cfg", "[metadata]\nname = a\nname = b\n"}})),
            "Couldn't read config file setup.cfg: While reading from 'setup.cfg' [line  3]: option 'name' in "
            "section 'metadata' already exists");
}

TEST(IniValues, ConcurrencyChecksAndPatch) {
  EXPECT_EQ(ErrorOf(Load({{".coveragerc", "[run]\nconcurrency = thread, zzz, aaa\n"}})),
            "Unknown concurrency choices: aaa, zzz");
  EXPECT_EQ(ErrorOf(Load({{".coveragerc", "[run]\nconcurrency = gevent, eventlet\n"}})),
            "Conflicting concurrency settings: eventlet, gevent");
  auto c = Load({{".coveragerc", "[run]\npatch = subprocess\n"}});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->parallel);
}

// ---------------------------------------------------------------------------------------------
// Environment expansion and ~

TEST(EnvExpansion, AllForms) {
  auto c = Load({{".coveragerc",
                  "[html]\ntitle = $A/${A}/${NOPE}/${NOPE-dflt}/${A-unused}/$$A/$/${ A}/$A_B.x\n"
                  "[run]\ndata_file = ~/data/$A\nsource = $LIST\n"
                  "[paths]\nsrc =\n    ~/src\n    /ci/src\n"}},
                {{"A", "x"}, {"A_B", "y"}, {"HOME", "/home/me"}, {"LIST", "p, q"}});
  ASSERT_TRUE(c.ok()) << ErrorOf(c);
  EXPECT_EQ(c->html_title, "x/x//dflt/x/$A/$/${ A}/y.x");
  EXPECT_EQ(c->data_file, "/home/me/data/x");
  EXPECT_EQ(*c->source, (std::vector<std::string>{"p", "q"}));  // substituted before splitting
  ASSERT_EQ(c->paths.size(), 1u);
  EXPECT_EQ(c->paths[0].values, (std::vector<std::string>{"/home/me/src", "/ci/src"}));

  EXPECT_EQ(ErrorOf(Load({{".coveragerc", "[run]\ndata_file = a${NOPE?}b\n"}})),
            "Variable NOPE is undefined: 'a${NOPE?}b'");
  EXPECT_EQ(ErrorOf(Load({{"pyproject.toml", "[tool.coverage.run]\nomit = [\"${X?}\"]\n"}})),
            "Variable X is undefined: '${X?}'");
}

// ---------------------------------------------------------------------------------------------
// TOML

TEST(TomlValues, TypesAndErrors) {
  auto c = Load({{"pyproject.toml",
                  "[tool.coverage.run]\nbranch = \"true\"\nsource = [\" src \", \"\"]\n"
                  "[tool.coverage.report]\nfail_under = 90\nprecision = \"3\"\n"
                  "exclude_also = [\"  x  \", \"\"]\n"
                  "[tool.coverage.paths]\nzeta = [\"z/\", \"/ci/z/\"]\nalpha = [\"a/\", \"/ci/a/\"]\n"}});
  ASSERT_TRUE(c.ok()) << ErrorOf(c);
  EXPECT_TRUE(c->branch);
  EXPECT_EQ(*c->source, (std::vector<std::string>{" src ", ""}));  // list items as written
  EXPECT_EQ(c->exclude_also, std::vector<std::string>{"x"});        // regex lists stripped
  EXPECT_DOUBLE_EQ(c->fail_under, 90.0);
  EXPECT_EQ(c->precision, 3);
  ASSERT_EQ(c->paths.size(), 2u);
  EXPECT_EQ(c->paths[0].name, "zeta");  // file order, not sorted
  EXPECT_EQ(c->paths[1].name, "alpha");

  const auto err = [](const std::string& body) {
    return ErrorOf(Load({{"pyproject.toml", body}}));
  };
  const std::string pre = "Couldn't read config file pyproject.toml: ";
  EXPECT_EQ(err("[tool.coverage.report]\nprecision = 1.5\n"), pre + "Option [tool.coverage.report]precision is not an integer: 1.5");
  EXPECT_EQ(err("[tool.coverage.report]\nprecision = \"x\"\n"),
            pre + "Option [tool.coverage.report]precision couldn't convert to an integer: 'x'");
  EXPECT_EQ(err("[tool.coverage.run]\nbranch = \"yes\"\n"),
            pre + "Option [tool.coverage.run]branch couldn't convert to a boolean: 'yes'");
  EXPECT_EQ(err("[tool.coverage.run]\nbranch = 1\n"), pre + "Option [tool.coverage.run]branch is not a boolean: 1");
  EXPECT_EQ(err("[tool.coverage.run]\ndata_file = 3\n"), pre + "Option [tool.coverage.run]data_file is not a string: 3");
  EXPECT_EQ(err("[tool.coverage.run]\nomit = \"a\"\n"), pre + "Option [tool.coverage.run]omit is not a list: 'a'");
  EXPECT_EQ(err("[tool.coverage.run]\nomit = [\"a\", 1]\n"),
            pre + "Option [tool.coverage.run]omit is not a list of strings: 1");
  EXPECT_EQ(err("[tool.coverage.report]\nfail_under = [1.0, true]\n"),
            pre + "Option [tool.coverage.report]fail_under is not a float: [1.0, True]");
  EXPECT_EQ(err("[tool.coverage.report]\nexclude_lines = [\"(\"]\n"),
            "Invalid [tool.coverage.report].exclude_lines value '(': missing ), unterminated subpattern at position 0");
  // The section named in messages is the one found.
  auto ours = Load({{"x.toml", "[report]\nprecision = 1.5\n"}}, {}, "x.toml");
  EXPECT_EQ(ErrorOf(ours), "Couldn't read config file x.toml: Option [report]precision is not an integer: 1.5");
  // Parse errors: toml++'s description (tomllib words them differently).
  const std::string parse = err("[tool.coverage.run\n");
  EXPECT_EQ(parse.rfind(pre, 0), 0u) << parse;
  EXPECT_NE(parse.find("(at line 1, column"), std::string::npos) << parse;
}

TEST(TomlValues, BooleanIntegersAreIntegers) {
  // Python's bool is an int: coverage.py keeps `True` as the precision (and later crashes on
  // it); we take it as 1.
  auto c = Load({{"pyproject.toml", "[tool.coverage.report]\nprecision = true\nfail_under = false\n"}});
  ASSERT_TRUE(c.ok()) << ErrorOf(c);
  EXPECT_EQ(c->precision, 1);
  EXPECT_DOUBLE_EQ(c->fail_under, 0.0);
}

TEST(TomlValues, NonStringPlainOptionsAreStringified) {
  auto c = Load({{"pyproject.toml", "[tool.coverage.html]\ntitle = 3\n[tool.coverage.report]\nsort = true\n"}});
  ASSERT_TRUE(c.ok()) << ErrorOf(c);
  EXPECT_EQ(c->html_title, "3");
  EXPECT_EQ(*c->sort, "True");
}

// ---------------------------------------------------------------------------------------------
// [covalesce]

TEST(CovalesceSection, ReadFromTheUsedFileOnly) {
  auto ini = Load({{".coveragerc", "[run]\n[covalesce]\npython_version = 3.13\nreports = text,\n  xml\nbogus = 1\n"}});
  ASSERT_TRUE(ini.ok()) << ErrorOf(ini);
  EXPECT_EQ(*ini->python_version, "3.13");
  EXPECT_EQ(*ini->reports, (std::vector<std::string>{"text", "xml"}));
  EXPECT_EQ(ini->warnings, std::vector<std::string>{"Unrecognized option '[covalesce] bogus=' in config file .coveragerc"});

  auto setup = Load({{"setup.cfg", "[coverage:run]\nbranch = 1\n[covalesce]\npython_version = 3.12\n"}});
  ASSERT_TRUE(setup.ok());
  EXPECT_EQ(*setup->python_version, "3.12");

  auto toml = Load({{"pyproject.toml", "[tool.coverage.run]\nbranch = true\n[tool.covalesce]\nreports = [\"json\"]\n"}});
  ASSERT_TRUE(toml.ok());
  EXPECT_EQ(*toml->reports, std::vector<std::string>{"json"});
  EXPECT_TRUE(toml->warnings.empty());

  auto ours = Load({{".coveragerc.toml", "[covalesce]\npython_version = \"3.11\"\n"}});
  ASSERT_TRUE(ours.ok());
  EXPECT_EQ(*ours->python_version, "3.11");

  // A [covalesce] section alone does not make a shared file "used".
  auto unused = Load({{"setup.cfg", "[covalesce]\npython_version = 3.12\n"}});
  ASSERT_TRUE(unused.ok());
  EXPECT_FALSE(unused->python_version.has_value());

  EXPECT_EQ(ErrorOf(Load({{"pyproject.toml", "[tool.coverage.run]\nbranch = true\n[tool.covalesce]\nreports = \"x\"\n"}})),
            "Couldn't read config file pyproject.toml: Option [tool.covalesce]reports is not a list: 'x'");
}

// ---------------------------------------------------------------------------------------------
// Against coverage.py: every field Config holds, plus the warnings, for a table of trees.

struct Case {
  std::string name;
  std::map<std::string, std::string> files;
  Env env;
  std::optional<std::string> rcfile;
};




// json.dumps(ensure_ascii=False) of the values Config holds.
std::string Json(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}
std::string Json(bool b) { return b ? "true" : "false"; }
std::string Json(int i) { return std::to_string(i); }
std::string Json(double d) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, res.ptr);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}
std::string Json(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + Json(v[i]);
  return out + "]";
}
template <typename T>
std::string Json(const std::optional<T>& v) {
  return v ? Json(*v) : "null";
}

std::string Dump(const Config& c) {
  std::string out;
  auto add = [&](const char* name, const std::string& json) { out += std::string(name) + "=" + json + "\n"; };
  add("config_file", c.config_file.empty() ? "null" : Json(c.config_file));
  add("data_file", Json(c.data_file));
  add("branch", Json(c.branch));
  add("parallel", Json(c.parallel));
  add("relative_files", Json(c.relative_files));
  add("source", Json(c.source));
  add("disable_warnings", Json(c.disable_warnings));
  add("debug", Json(c.debug));
  add("plugins", Json(c.plugins));
  std::string paths = "{";
  for (size_t i = 0; i < c.paths.size(); ++i) paths += (i ? ", " : "") + Json(c.paths[i].name) + ": " + Json(c.paths[i].values);
  add("paths", paths + "}");
  add("exclude_lines", Json(c.exclude_lines));
  add("exclude_also", Json(c.exclude_also));
  add("partial_branches", Json(c.partial_branches));
  add("partial_also", Json(c.partial_also));
  add("partial_branches_always", Json(c.partial_branches_always));
  add("fail_under", Json(c.fail_under));
  add("precision", Json(c.precision));
  add("show_missing", Json(c.show_missing));
  add("skip_covered", Json(c.skip_covered));
  add("skip_empty", Json(c.skip_empty));
  add("sort", Json(c.sort));
  add("format", Json(c.format));
  add("report_include", Json(c.report_include));
  add("report_omit", Json(c.report_omit));
  add("ignore_errors", Json(c.ignore_errors));
  add("contexts", Json(c.contexts));
  add("html_dir", Json(c.html_dir));
  add("html_title", Json(c.html_title));
  add("extra_css", Json(c.extra_css));
  add("html_show_contexts", Json(c.html_show_contexts));
  add("html_skip_covered", Json(c.html_skip_covered));
  add("html_skip_empty", Json(c.html_skip_empty));
  add("xml_output", Json(c.xml_output));
  add("xml_package_depth", Json(c.xml_package_depth));
  add("json_output", Json(c.json_output));
  add("json_pretty_print", Json(c.json_pretty_print));
  add("json_show_contexts", Json(c.json_show_contexts));
  add("lcov_output", Json(c.lcov_output));
  add("lcov_line_checksums", Json(c.lcov_line_checksums));
  std::vector<std::string> warnings = c.warnings;
  std::sort(warnings.begin(), warnings.end());  // coverage.py's order comes from a set
  add("warnings", Json(warnings));
  return out;
}

const char kConfigOracle[] = R"PY(
import json, os, sys
from coverage.config import read_coverage_config
u = lambda h: bytes.fromhex(h).decode()
FIELDS = [
    ("config_file", "config_file"), ("data_file", "data_file"), ("branch", "branch"),
    ("parallel", "parallel"), ("relative_files", "relative_files"), ("source", "source"),
    ("disable_warnings", "disable_warnings"), ("debug", "debug"), ("plugins", "plugins"),
    ("paths", "paths"), ("exclude_lines", "exclude_list"), ("exclude_also", "exclude_also"),
    ("partial_branches", "partial_list"), ("partial_also", "partial_also"),
    ("partial_branches_always", "partial_always_list"), ("fail_under", "fail_under"),
    ("precision", "precision"), ("show_missing", "show_missing"), ("skip_covered", "skip_covered"),
    ("skip_empty", "skip_empty"), ("sort", "sort"), ("format", "format"),
    ("report_include", "report_include"), ("report_omit", "report_omit"),
    ("ignore_errors", "ignore_errors"), ("contexts", "report_contexts"), ("html_dir", "html_dir"),
    ("html_title", "html_title"), ("extra_css", "extra_css"), ("html_show_contexts", "show_contexts"),
    ("html_skip_covered", "html_skip_covered"), ("html_skip_empty", "html_skip_empty"),
    ("xml_output", "xml_output"), ("xml_package_depth", "xml_package_depth"),
    ("json_output", "json_output"), ("json_pretty_print", "json_pretty_print"),
    ("json_show_contexts", "json_show_contexts"), ("lcov_output", "lcov_output"),
    ("lcov_line_checksums", "lcov_line_checksums"),
]
base_env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL")}
out = []
for block in sys.stdin.read().split("\n=\n"):
    lines = block.splitlines()
    cwd, rc = lines[0].split(" ")
    rcfile = True if rc == "-" else u(rc[:-1])
    os.environ.clear()
    os.environ.update(base_env)
    for line in lines[1:]:
        k, v = line.split(" ")
        os.environ[u(k[:-1])] = u(v[:-1])
    os.chdir(u(cwd))
    warns = []
    try:
        cfg = read_coverage_config(config_file=rcfile, warn=warns.append)
        text = "".join(f"{name}={json.dumps(getattr(cfg, attr), ensure_ascii=False)}\n" for name, attr in FIELDS)
        text += "warnings=" + json.dumps(sorted(warns), ensure_ascii=False) + "\n"
    except Exception as e:
        text = "ERR " + str(e) + "\n"
    out.append(text)
print("\n=\n".join(out).encode().hex())
)PY";


std::vector<Case> OracleCases() {
  const std::string kToml = "pyproject.toml";
  return {
      {"empty", {}, {}, {}},
      {"coveragerc-full",
       {{".coveragerc",
         "[run]\nbranch = True\nparallel = 1\nrelative_files = on\nsource = src,\n  lib\n"
         "disable_warnings = no-data-collected\ndebug = pathmap\nplugins = a.b\ndata_file = .cov/data\n"
         "[paths]\nsource =\n    src/\n    /ci/*/src/\n    D:\\w\\src\nother = lib/, /x/lib/\n"
         "[report]\nexclude_lines =\n    pragma: no cover\n    def __repr__\n"
         "exclude_also = if DEBUG:, x\npartial_branches = maybe\npartial_also = also\n"
         "partial_branches_always = always\nfail_under = 85.5\nprecision = 2\nshow_missing = true\n"
         "skip_covered = yes\nskip_empty = 1\nsort = -cover\nformat = markdown\ninclude = a/*\nomit = b/*, c/*\n"
         "ignore_errors = true\ncontexts = ctx1, ctx2\n"
         "[html]\ndirectory = out/html\ntitle = My title: \"quoted\"\nextra_css = x.css\nshow_contexts = 1\n"
         "skip_covered = false\nskip_empty = true\n"
         "[xml]\noutput = -\npackage_depth = 3\n[json]\noutput = j.json\npretty_print = 1\nshow_contexts = 1\n"
         "[lcov]\noutput = l.info\nline_checksums = 1\n"}},
       {},
       {}},
      {"ini-syntax",
       {{".coveragerc",
         "# leading comment\n[coverage:run]\nBRANCH: ON\nsource =\n\n  a,b\n  ; comment in value\n\n  c\n\n"
         "[coverage:report]\nsort = Name # not a comment\nexclude_also =\n    raise (A, B)\n    \\s+x  \n"
         "[run]\nparallel = true\n[DEFAULT]\ndebug = dflt\n"}},
       {},
       {}},
      {"setup-cfg-unused-then-tox", {{"setup.cfg", "[coverage:run]\nfoo = 1\n[run]\nbranch = 1\n"}, {"tox.ini", "[coverage:report]\nprecision = 4\nbar = 2\n"}}, {}, {}},
      {"setup-cfg-used", {{"setup.cfg", "[metadata]\nname = x\n[coverage:paths]\ns = a/, b/\n"}, {"tox.ini", "[coverage:run]\nbranch = 1\n"}}, {}, {}},
      {"setup-cfg-empty-paths", {{"setup.cfg", "[coverage:paths]\n"}, {kToml, "[tool.coverage.run]\nbranch = true\n"}}, {}, {}},
      {"pyproject-bare-sections", {{kToml, "[run]\nbranch = true\n[tool.other]\nx = 1\n"}}, {}, {}},
      {"pyproject",
       {{kToml,
         "[tool.coverage.run]\nbranch = \"true\"\nsource = [\" src \", \"\"]\nrelative_files = true\nunknown = 1\n"
         "[tool.coverage.report]\nfail_under = 90\nprecision = \"3\"\nexclude_also = [\"  x  \", \"\"]\n"
         "show_missing = \"false\"\nomit = [\"a/*\"]\n"
         "[tool.coverage.paths]\nzeta = [\"z/\", \"/ci/z/\"]\nalpha = [\"a/\", \"/ci/a/\"]\n"
         "[tool.coverage.html]\ndirectory = \"~/h\"\n"
         "[tool.covalesce]\npython_version = \"3.12\"\nreports = [\"xml\"]\n"}},
       {{"HOME", "/home/t"}},
       {}},
      {"coveragerc-toml", {{".coveragerc.toml", "[run]\nparallel = true\n[tool.coverage.run]\nbranch = true\n[report]\nprecision = 1\n"}}, {}, {}},
      {"rcfile-toml", {{"x.toml", "[report]\nprecision = 2\nextra = 1\n[paths]\np = [\"a\", \"b\"]\n"}}, {}, "x.toml"},
      {"rcfile-ini", {{"my.cfg", "[run]\nbranch = 1\n"}, {".coveragerc", "[run]\nparallel = 1\n"}}, {}, "my.cfg"},
      {"rcfile-missing", {}, {}, "nope.ini"},
      {"rcfile-dot-coveragerc", {{"setup.cfg", "[coverage:run]\nbranch = 1\n"}}, {}, ".coveragerc"},
      {"rcfile-empty", {{".coveragerc", "[run]\nbranch = 1\n"}}, {}, ""},
      {"rcfile-env", {{"env.ini", "[run]\nbranch = 1\n"}}, {{"COVERAGE_RCFILE", "env.ini"}}, {}},
      {"rcfile-env-missing", {}, {{"COVERAGE_RCFILE", "gone.ini"}}, {}},
      {"rcfile-env-empty", {{".coveragerc", "[run]\nbranch = 1\n"}}, {{"COVERAGE_RCFILE", ""}}, {}},
      {"rcfile-directory", {{"d.ini/x", ""}}, {}, "d.ini"},
      {"env-overrides", {{".coveragerc", "[run]\ndata_file = rc\ndebug = a\n"}}, {{"COVERAGE_FILE", "env.cov"}, {"COVERAGE_DEBUG", " b , c,,"}}, {}},
      {"env-file-empty", {{".coveragerc", "[run]\ndata_file = rc\n"}}, {{"COVERAGE_FILE", ""}, {"COVERAGE_DEBUG", ""}}, {}},
      {"env-expansion",
       {{".coveragerc",
         "[html]\ntitle = $A/${A}/${NOPE}/${NOPE-dflt}/${A-unused}/$$A/$/${ A}/$A_B.x/${A-}\n"
         "[run]\ndata_file = ~/data/$A\nsource = $LIST\n[paths]\nsrc =\n    ~/src\n    /ci/src\n    ~other/x\n"}},
       {{"A", "x"}, {"A_B", "y"}, {"HOME", "/home/me/"}, {"LIST", "p, q"}},
       {}},
      {"env-strict", {{".coveragerc", "[run]\ndata_file = a${NOPE?}b\n"}}, {}, {}},
      {"env-toml-list", {{kToml, "[tool.coverage.run]\nomit = [\"$X\", \"${Y-d}\"]\n"}}, {{"X", "1,2"}}, {}},
      {"bool-error", {{".coveragerc", "[run]\nbranch = maybe\n"}}, {}, {}},
      {"int-error", {{".coveragerc", "[report]\nprecision = 2.5\n"}}, {}, {}},
      {"int-syntax", {{".coveragerc", "[report]\nprecision =  -1_0 \nfail_under = 1_0.5e1\n"}}, {}, {}},
      {"float-error", {{".coveragerc", "[report]\nfail_under = lots\n"}}, {}, {}},
      {"dup-section", {{".coveragerc", "[run]\n[report]\n[run]\n"}}, {}, {}},
      {"dup-option", {{".coveragerc", "[run]\nbranch = 1\nBranch = 0\n"}}, {}, {}},
      {"no-section", {{".coveragerc", "branch = 1\n"}}, {}, {}},
      {"parse-errors", {{".coveragerc", "[run]\njunk\n= x\nlast"}}, {}, {}},
      {"crlf", {{".coveragerc", "[run]\r\nsource = a,\r\n  b\r\n[report]\rprecision = 1\r"}}, {}, {}},
      {"regex-error", {{".coveragerc", "[report]\nexclude_lines =\n    ok\n    bad(\n"}}, {}, {}},
      {"regex-error-toml", {{kToml, "[tool.coverage.report]\nexclude_also = [\"a\", \"[x\"]\n"}}, {}, {}},
      {"toml-type-int", {{kToml, "[tool.coverage.report]\nprecision = 1.5\n"}}, {}, {}},
      {"toml-type-int-str", {{kToml, "[tool.coverage.report]\nprecision = \"x\"\n"}}, {}, {}},
      {"toml-type-bool-str", {{kToml, "[tool.coverage.run]\nbranch = \"yes\"\n"}}, {}, {}},
      {"toml-type-bool", {{kToml, "[tool.coverage.run]\nbranch = 1\n"}}, {}, {}},
      {"toml-type-file", {{kToml, "[tool.coverage.run]\ndata_file = 3\n"}}, {}, {}},
      {"toml-type-list", {{kToml, "[tool.coverage.run]\nomit = \"a\"\n"}}, {}, {}},
      {"toml-type-list-items", {{kToml, "[tool.coverage.run]\nomit = [\"a\", 1]\n"}}, {}, {}},
      {"toml-type-float", {{kToml, "[tool.coverage.report]\nfail_under = [1.0, true, \"s\"]\n"}}, {}, {}},
      {"toml-type-paths", {{kToml, "[tool.coverage.paths]\nsrc = \"a\"\n"}}, {}, {}},
      {"toml-int-float-ok", {{kToml, "[tool.coverage.report]\nfail_under = \"87.5\"\nprecision = \" 7 \"\n[tool.coverage.xml]\npackage_depth = 2\n"}}, {}, {}},
      {"concurrency-unknown", {{".coveragerc", "[run]\nconcurrency = thread, zzz, aaa\n"}}, {}, {}},
      {"concurrency-conflict", {{".coveragerc", "[run]\nconcurrency = gevent, eventlet\n"}}, {}, {}},
      {"patch-subprocess", {{".coveragerc", "[run]\npatch = subprocess\n"}}, {}, {}},
      {"unknown-options", {{".coveragerc", "[run]\nbogus = 1\nother = 2\n[html]\nnope = 3\n[paths]\nanything = a, b\n[covalesce]\npython_version = 3.13\n[weird]\nx = 1\n"}}, {}, {}},
      {"covalesce-in-setup", {{"setup.cfg", "[coverage:run]\nbranch = 1\n[covalesce]\nreports = xml\n"}}, {}, {}},
      {"paths-order-ini", {{".coveragerc", "[paths]\nzz = a/, b/\naa = c/\n"}}, {}, {}},
      {"tilde-options", {{".coveragerc", "[run]\ndata_file = ~\n[xml]\noutput = ~/x.xml\n[html]\ndirectory = ~nosuchuser/h\n"}}, {{"HOME", "/h"}}, {}},
      {"unicode", {{".coveragerc", "[html]\ntitle = \xc3\xa9t\xc3\xa9 \xe2\x82\xac\n[paths]\ns\xc3\xa9 = a/\n"}}, {}, {}},
      {"ini-bom", {{".coveragerc", "\xef\xbb\xbf[run]\nbranch = 1\n"}}, {}, {}},
      {"ini-edges",
       {{".coveragerc",
         "[run] trailing text\ndata_file: a = b\nsource = x\n\ty,\t z\n  [not a section]\n[report]]\nprecision = 1\n"
         "[html]\n  title = indented option\n"}},
       {},
       {}},
      {"toml-strings",
       {{kToml,
         "[tool.coverage.paths]\nsrc = ['src', 'D:\\w\\src', \"C:\\\\x\\\\\", \"\"\"\nmulti\\\n  line\"\"\"]\n"
         "[tool.coverage.report]\nexclude_also = ['''\nraise\n''', \"\\u00e9\"]\n"
         "[tool.coverage]\nhtml.title = \"dotted\"\nxml = { output = \"inline.xml\" }\n"}},
       {},
       {}},
  };
}

// Regexes in [report] lists must compile as Python regexes; the error wording is imitated for
// the common mistakes. Not imitated (PCRE2's words, or accepted): Python's group-name errors
// ("bad character in group name", "unknown group name") and forward references such as "\1(a)".
std::vector<Case> RegexCases() {
  const std::vector<std::string> patterns = {
      "(", "a(b", "(a(b)", ")", "ab)", "*", "a**", "+a", "[", "a[bc", "[]", "a{2,1}", "a\\", "x(?i)", "(?i)x",
      "(?i)(?m)x", "(?i:x)", "\\k", "\\p{L}", "\\z", "(?<n>a)", "a{,3}", "[z-a]", "[\\d-z]", "a++", "a*?+",
      "(?#c)", "\\8", "(a)\\2", "a|*", "(*)", "(?", "\\Z", "\\x4", "\\u00e9", "\\N{EM DASH}", "(?x)a #c",
      "(?<!a+)b", "[[:alpha:]]", "{", "a{1", "x{2}{3}", "a{1,2}{3}", "[]a]", "[^]a]", "(?s:.)", "(?-i:a)",
      "\\s*# pragma: no cover", "def __repr__", "if 0:, x",
  };
  std::vector<Case> cases;
  for (const auto& p : patterns)
    cases.push_back(Case{"regex " + p, {{".coveragerc", "[report]\nexclude_lines =\n    " + p + "\n"}}, {}, {}});
  return cases;
}

TEST(Config, MatchesCoveragePy) {
  for (const std::string version : {"3.11", "3.13"}) {
    const std::string python = ReferencePython(version);
    if (python.empty()) GTEST_SKIP() << "reference venv .venvs/py" << version << " missing: cannot compare with coverage.py";
    auto cases = OracleCases();
    for (auto& c : RegexCases()) cases.push_back(std::move(c));
    std::vector<std::unique_ptr<TempDir>> dirs;
    std::string input;
    for (const auto& c : cases) {
      dirs.push_back(std::make_unique<TempDir>());
      for (const auto& [name, text] : c.files) dirs.back()->Write(name, text);
      if (!input.empty()) input += "\n=\n";
      input += Hex(dirs.back()->path) + " " + (c.rcfile ? Hex(*c.rcfile) + "." : "-") + "\n";
      for (const auto& [k, v] : c.env) input += Hex(k) + ". " + Hex(v) + ".\n";
    }
    TempDir io;
    std::ofstream(io.path + "/oracle.py") << kConfigOracle;
    std::ofstream(io.path + "/in.txt") << input;
    const std::string cmd = python + " " + io.path + "/oracle.py < " + io.path + "/in.txt > " + io.path +
                            "/out.txt 2> " + io.path + "/err.txt";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << ReadAll(io.path + "/err.txt");
    std::string all = ReadAll(io.path + "/out.txt");
    while (!all.empty() && all.back() == '\n') all.pop_back();
    all = Unhex(all);
    std::vector<std::string> expected;
    for (size_t start = 0;;) {
      const size_t at = all.find("\n=\n", start);
      expected.push_back(all.substr(start, at == std::string::npos ? std::string::npos : at - start));
      if (at == std::string::npos) break;
      start = at + 3;
    }
    ASSERT_EQ(expected.size(), cases.size());
    for (size_t i = 0; i < cases.size(); ++i) {
      std::string want = expected[i];
      while (!want.empty() && want.back() == '\n') want.pop_back();
      auto loaded = LoadConfig(cases[i].rcfile, dirs[i]->path, EnvOf(cases[i].env));
      std::string got = loaded.ok() ? Dump(*loaded) : "ERR " + loaded.error().message;
      while (!got.empty() && got.back() == '\n') got.pop_back();
      EXPECT_EQ(got, want) << "case " << cases[i].name << " (Python " << version << ")";
      if (std::getenv("COVALESCE_TEST_VERBOSE")) std::cerr << "== " << cases[i].name << "\n" << got << "\n";
    }
  }
}

}  // namespace
}  // namespace covalesce
