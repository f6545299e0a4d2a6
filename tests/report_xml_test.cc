// Units of the Cobertura XML writer: xmlreport.rate() (checked against Python's f"{x:.4g}"
// where the reference venv exists), and the document's shape for hand-made analyses: the
// minidom layout, escaping before and from Python 3.13, packages cut to package_depth, and
// the source paths xmlreport.py derives. The differential tests compare real reports.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <sstream>

#include "covalesce/report_xml.h"
#include "covalesce/version.h"
#include "test_util.h"

namespace covalesce::report {
namespace {

TEST(Xml, Rate) {
  EXPECT_EQ(XmlRate(0, 0), "1");
  EXPECT_EQ(XmlRate(5, 5), "1");
  EXPECT_EQ(XmlRate(0, 5), "0");
  EXPECT_EQ(XmlRate(1, 3), "0.3333");
  EXPECT_EQ(XmlRate(2, 3), "0.6667");
  EXPECT_EQ(XmlRate(1, 8), "0.125");
  EXPECT_EQ(XmlRate(5, 16), "0.3125");
  EXPECT_EQ(XmlRate(1, 1000), "0.001");
  EXPECT_EQ(XmlRate(33, 1000), "0.033");
  EXPECT_EQ(XmlRate(1, 20000), "0.0001");       // never "0" ...
  EXPECT_EQ(XmlRate(19999, 20000), "0.9999");   // ... nor "1" unless exact
  EXPECT_EQ(XmlRate(12345, 12346), "0.9999");
  EXPECT_EQ(XmlRate(74, 81), "0.9136");
}

TEST(Xml, RateAgreesWithPython) {
  const std::string python = testing::ReferencePython("3.11");
  if (python.empty()) GTEST_SKIP() << "no reference venv";
  testing::TempDir dir;
  dir.Write("check.py",
            "import sys\n"
            "for line in sys.stdin:\n"
            "    hit, num = map(int, line.split())\n"
            "    print(f'{min(max(hit / num, 0.0001), 0.9999):.4g}' if 0 < hit < num else '?')\n");
  std::mt19937_64 rng(7);
  std::string input;
  std::vector<std::string> expected;
  for (int i = 0; i < 3000; ++i) {
    int64_t num = 2 + int64_t(rng() % (i % 3 == 0 ? 100 : i % 3 == 1 ? 100000 : 100000000));
    int64_t hit = 1 + int64_t(rng() % uint64_t(num - 1));
    input += std::to_string(hit) + " " + std::to_string(num) + "\n";
    expected.push_back(XmlRate(hit, num));
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

// A FileReport with `statements`, of which `missing` were not run (line data).
FileReport File(const std::string& filename, const std::string& relative, std::vector<LineNo> statements,
                std::vector<LineNo> missing) {
  std::vector<LineNo> executed;
  for (LineNo l : statements) {
    if (std::find(missing.begin(), missing.end(), l) == missing.end()) executed.push_back(l);
  }
  FileReport fr;
  fr.morf = fr.filename = filename;
  fr.relative_filename = relative;
  fr.analysis = Analysis::FromSets(filename, false, statements, {}, executed, {}, {}, {}, {}, 0);
  return fr;
}

struct Fixture {
  testing::TempDir dir;
  Timings timings;
  std::string Xml(const std::vector<FileReport>& files, int minor, Config config = {}) {
    SessionOptions so;
    so.cwd = dir.path;
    so.python_version = "3." + std::to_string(minor);
    Session session(std::move(config), so, Sink{}, timings);
    XmlOptions xo;
    xo.timestamp_ms = 1234;
    auto out = XmlReport(static_cast<const Session&>(session), files, xo);
    EXPECT_TRUE(out.ok());
    return out.ok() ? out->xml : "";
  }
};

TEST(Xml, EmptyReport) {
  Fixture f;
  EXPECT_EQ(f.Xml({}, 11),
            "<?xml version=\"1.0\" ?>\n"
            "<coverage version=\"" + std::string(kVersion) + "\" timestamp=\"1234\" lines-valid=\"0\" "
            "lines-covered=\"0\" line-rate=\"1\" branches-covered=\"0\" branches-valid=\"0\" "
            "branch-rate=\"0\" complexity=\"0\">\n"
            "\t<!--" + XmlGeneratorComment() + "-->\n"
            "\t<!-- Based on https://raw.githubusercontent.com/cobertura/web/master/htdocs/xml/coverage-04.dtd -->\n"
            "\t<sources/>\n"
            "\t<packages/>\n"
            "</coverage>\n");
}

TEST(Xml, PackagesClassesAndEscaping) {
  Fixture f;
  f.dir.Write("q\"&<>/x.py", "");
  const std::string cwd = f.dir.path;
  std::vector<FileReport> files = {
      File(cwd + "/a\"b.py", "a\"b.py", {1, 2}, {2}),
      File(cwd + "/pkg/mod10.py", "pkg/mod10.py", {}, {}),
      File(cwd + "/pkg/mod7.py", "pkg/mod7.py", {3}, {}),
      File(cwd + "/pkg/sub/t\tab.py", "pkg/sub/t\tab.py", {1}, {1}),
  };
  const std::string xml11 = f.Xml(files, 11);
  const std::string xml13 = f.Xml(files, 13);
  // The source path is cwd; " escaped in text up to 3.12 only.
  EXPECT_NE(xml11.find("\t\t<source>" + cwd + "</source>\n"), std::string::npos) << xml11;
  EXPECT_NE(xml11.find("\t\t\t\t<class name=\"a&quot;b.py\" filename=\"a&quot;b.py\" complexity=\"0\" "
                       "line-rate=\"0.5\" branch-rate=\"0\">\n"
                       "\t\t\t\t\t<methods/>\n"
                       "\t\t\t\t\t<lines>\n"
                       "\t\t\t\t\t\t<line number=\"1\" hits=\"1\"/>\n"
                       "\t\t\t\t\t\t<line number=\"2\" hits=\"0\"/>\n"
                       "\t\t\t\t\t</lines>\n"
                       "\t\t\t\t</class>\n"),
            std::string::npos)
      << xml11;
  EXPECT_EQ(xml11, xml13);  // no text node has a quote here
  // Human order: mod7 before mod10; an empty file has <lines/>; a tab becomes '?'.
  size_t m7 = xml11.find("name=\"mod7.py\""), m10 = xml11.find("name=\"mod10.py\"");
  EXPECT_LT(m7, m10);
  EXPECT_NE(xml11.find("filename=\"pkg/mod10.py\" complexity=\"0\" line-rate=\"1\" branch-rate=\"0\">\n"
                       "\t\t\t\t\t<methods/>\n\t\t\t\t\t<lines/>\n"),
            std::string::npos);
  EXPECT_NE(xml11.find("<package name=\"pkg.sub\" line-rate=\"0\""), std::string::npos);
  EXPECT_NE(xml11.find("<class name=\"t?ab.py\" filename=\"pkg/sub/t?ab.py\""), std::string::npos);
  EXPECT_NE(xml11.find("lines-valid=\"4\" lines-covered=\"2\" line-rate=\"0.5\""), std::string::npos);

  // package_depth = 1: pkg/sub's file joins pkg, named "sub/...".
  Config depth1;
  depth1.xml_package_depth = 1;
  const std::string d1 = f.Xml(files, 11, depth1);
  EXPECT_NE(d1.find("<class name=\"sub/t?ab.py\" filename=\"pkg/sub/t?ab.py\""), std::string::npos) << d1;
  EXPECT_EQ(d1.find("pkg.sub"), std::string::npos);

  // A [run] source directory whose name needs escaping: text escaping differs from 3.13 on.
  Config with_source;
  with_source.source = std::vector<std::string>{"q\"&<>", "nothere"};
  std::vector<FileReport> in_src = {File(cwd + "/q\"&<>/x.py", "q\"&<>/x.py", {1}, {})};
  const std::string s11 = f.Xml(in_src, 11, with_source), s13 = f.Xml(in_src, 13, with_source);
  EXPECT_NE(s11.find("<source>" + cwd + "/q&quot;&amp;&lt;&gt;</source>"), std::string::npos) << s11;
  EXPECT_NE(s13.find("<source>" + cwd + "/q\"&amp;&lt;&gt;</source>"), std::string::npos) << s13;
  EXPECT_NE(s11.find("<package name=\".\""), std::string::npos);
  EXPECT_NE(s11.find("<class name=\"x.py\" filename=\"x.py\""), std::string::npos);
}

TEST(Xml, FilesOutsideTheCurrentDirectory) {
  Fixture f;
  const std::string cwd = f.dir.path;
  // "/" sorts before the temporary directory: the first file's directory part is "", which
  // then names every later absolute path without its leading slash.
  std::vector<FileReport> files = {
      File("/0outside/x/c.py", "/0outside/x/c.py", {1}, {}),
      File("/0outside/y/d.py", "/0outside/y/d.py", {1}, {}),
      File(cwd + "/a.py", "a.py", {1}, {}),
  };
  const std::string xml = f.Xml(files, 12);
  EXPECT_NE(xml.find("\t<sources>\n\t\t<source></source>\n\t</sources>\n"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<package name=\".0outside.x\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<class name=\"c.py\" filename=\"/0outside/x/c.py\""), std::string::npos);
  // "" is the current directory when matched (canonical_filename("") is the cwd).
  EXPECT_NE(xml.find("<package name=\".0outside.y\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<class name=\"a.py\" filename=\"a.py\""), std::string::npos);
}

}  // namespace
}  // namespace covalesce::report
