// Units of the HTML report's text handling: coverage.py's page names (flat_rootname, values
// from coverage.py 7.17.3), escaping for text/attributes, URLs and inline script data, and
// the highlighter's lines (tab expansion, multi-line strings, control characters).
#include <gtest/gtest.h>

#include <random>
#include <string_view>

#include "covalesce/report_html.h"

namespace covalesce::report {
namespace {

TEST(Html, FlatRootname) {
  EXPECT_EQ(FlatRootname("a/b/c.py"), "z_86bbcbe134d28fd2_c_py");
  EXPECT_EQ(FlatRootname("c.py"), "c_py");
  EXPECT_EQ(FlatRootname("pkg/__init__.py"), "z_8580997e71e7a198___init___py");
  EXPECT_EQ(FlatRootname("C:\\foo\\bar.py"), "z_09078502dcf6aeda_bar_py");
  EXPECT_EQ(FlatRootname("/abs/dir//x.y.py"), "z_32571ce734aed6f8_x_y_py");
  EXPECT_EQ(FlatRootname("dir\\sub/it's <b>.py"), "z_32e73b89df201548_it's <b>_py");
  EXPECT_EQ(FlatRootname("\\\\server\\share\\m.py"), "z_d5c0e8c503127c08_m_py");
  EXPECT_EQ(FlatRootname("d/"), "z_4ce8765e720c576f_");
  // Same base name, different directories: different pages.
  EXPECT_NE(FlatRootname("a/util.py"), FlatRootname("b/util.py"));
}

TEST(Html, EscapeText) {
  EXPECT_EQ(HtmlEscape("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
  EXPECT_EQ(HtmlEscape("</script><!--"), "&lt;/script&gt;&lt;!--");
  // Tab and newline stay; other controls and DEL become visible Control Pictures.
  EXPECT_EQ(HtmlEscape("\t\n"), "\t\n");
  EXPECT_EQ(HtmlEscape(std::string("\x00\x01\x0c\x1b\x7f", 5)),
            "\u2400\u2401\u240c\u241b\u2421");
  EXPECT_EQ(HtmlEscape("\r"), "\u240d");
  // Element text keeps its quotes (smaller pages); everything else is the same.
  std::string text;
  AppendHtmlText(text, "'a' \"b\" <c> & \x1b");
  EXPECT_EQ(text, "'a' \"b\" &lt;c&gt; &amp; \u241b");
  // UTF-8 passes through; bytes that are not UTF-8 become U+FFFD.
  EXPECT_EQ(HtmlEscape("\xc3\xa9\xf0\x9f\x98\x80"), "\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(HtmlEscape("a\xff" "b\xc3"), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  EXPECT_EQ(HtmlEscape("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  EXPECT_EQ(HtmlEscape("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong
}

TEST(Html, EscapeUrl) {
  EXPECT_EQ(UrlEscape("z_0123_x_py.html"), "z_0123_x_py.html");
  EXPECT_EQ(UrlEscape("it's <b> & \"q\"#?%.html"), "it%27s%20%3Cb%3E%20%26%20%22q%22%23%3F%25.html");
  EXPECT_EQ(UrlEscape("\xc3\xbc" "ber.html"), "%C3%BCber.html");
  EXPECT_EQ(UrlEscape("javascript:alert(1)"), "javascript%3Aalert%281%29");
}

TEST(Html, ScriptData) {
  EXPECT_EQ(ScriptJsonString("</script><script>x</script>"),
            R"("\u003c/script\u003e\u003cscript\u003ex\u003c/script\u003e")");
  EXPECT_EQ(ScriptJsonString("<!-- a&b"), R"("\u003c!-- a\u0026b")");
  EXPECT_EQ(ScriptJsonString("\xe2\x80\xa8"), R"("\u2028")");
  EXPECT_EQ(ScriptJsonString("q\"\\"), R"("q\"\\")");
}

TEST(Html, HighlightLines) {
  auto lines = HighlightSource("import os\n\ndef f(a):\n\tif a:\t# c\n\t\treturn '''x\n<y>\n'''\n", 11);
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_EQ(lines[0], "<span class=k>import</span> os");
  EXPECT_EQ(lines[1], "");
  EXPECT_EQ(lines[2], "<span class=k>def</span> f(a):");
  // Tabs expanded to 8 columns, as coverage.py's expandtabs(8).
  EXPECT_EQ(lines[3], "        <span class=k>if</span> a:   <span class=c># c</span>");
  // A string over three lines: coloured on each.
  EXPECT_EQ(lines[4], "                <span class=k>return</span> <span class=s>'''x</span>");
  EXPECT_EQ(lines[5], "<span class=s>&lt;y&gt;</span>");
  EXPECT_EQ(lines[6], "<span class=s>'''</span>");
  // No final newline: the last line still counts; an empty source has none.
  EXPECT_EQ(HighlightSource("x = 1", 12).size(), 1u);
  EXPECT_EQ(HighlightSource("", 12).size(), 0u);
  EXPECT_EQ(HighlightSource("\n", 12).size(), 1u);
  // Soft keywords only where they start a statement.
  auto m = HighlightSource("match x:\n    case 1:\n        pass\nmatch = 3\n", 12);
  EXPECT_EQ(m[0], "<span class=k>match</span> x:");
  EXPECT_EQ(m[1], "    <span class=k>case</span> <span class=m>1</span>:");
  EXPECT_EQ(m[3], "match = <span class=m>3</span>");
  // Control characters inside a string literal come out as Control Pictures.
  auto c = HighlightSource("s = '\x1b[0m\x0c'\n", 13);
  EXPECT_EQ(c[0], "s = <span class=s>'\u241b[0m\u240c'</span>");
  // Source the tokenizer rejects is still shown, uncoloured after the error.
  auto bad = HighlightSource("x = (\n'unterminated\n", 11);
  EXPECT_EQ(bad.size(), 2u);
}

// An independent UTF-8 check: shortest forms, no surrogates, nothing above U+10FFFF.
bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    static const uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return false;
    i += n;
  }
  return true;
}

// Any bytes at all: the escaped text is valid UTF-8 with no markup character left bare and
// no control character but tab and newline, and each entity is one of the five.
TEST(Html, EscapeRandomBytes) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 2000; ++round) {
    std::string in(rng() % 64, '\0');
    for (char& c : in) c = char(rng() % 4 == 0 ? "<>&\"'\x1b\x7f\xc3\xa9\xed\xa0\xff"[rng() % 12] : rng() % 256);
    for (bool attr : {true, false}) {
      std::string out;
      if (attr) AppendHtmlEscaped(out, in);
      else AppendHtmlText(out, in);
      for (size_t i = 0; i < out.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(out[i]);
        ASSERT_FALSE(c == '<' || c == '>') << out;
        ASSERT_FALSE(c < 0x20 && c != '\t' && c != '\n') << out;
        ASSERT_NE(c, 0x7F);
        if (attr) ASSERT_FALSE(c == '"' || c == '\'') << out;
        if (c == '&') {
          std::string_view rest = std::string_view(out).substr(i);
          ASSERT_TRUE(rest.starts_with("&amp;") || rest.starts_with("&lt;") || rest.starts_with("&gt;") ||
                      rest.starts_with("&quot;") || rest.starts_with("&#39;"))
              << out;
        }
      }
      ASSERT_TRUE(ValidUtf8(out)) << out;
    }
  }
}

TEST(Html, OptionsFromConfig) {
  Config c;
  c.skip_covered = true;
  EXPECT_TRUE(HtmlOptionsFrom(c).skip_covered);
  c.html_skip_covered = false;
  EXPECT_FALSE(HtmlOptionsFrom(c).skip_covered);
  c.skip_empty = true;
  EXPECT_TRUE(HtmlOptionsFrom(c).skip_empty);
  c.extra_css = "";
  EXPECT_FALSE(HtmlOptionsFrom(c).extra_css.has_value());
}

}  // namespace
}  // namespace covalesce::report
