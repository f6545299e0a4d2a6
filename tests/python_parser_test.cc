// Tests of the Python tokenizer and parser (src/python). Ruff-style inline snippets: each `ok`
// snippet must parse, keep every node on token boundaries and, when the pinned interpreters
// in .venvs/ are present, dump exactly as CPython's `ast` does; each `err` snippet must fail
// on the line CPython reports. Plus tokenizer, decoding and version-gating unit tests. The
// whole-stdlib comparison is scripts/ast-fidelity.
#include <gtest/gtest.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "covalesce/python_ast.h"
#include "covalesce/python_tokens.h"
#include "covalesce/utf8.h"

using namespace covalesce::py;
namespace fs = std::filesystem;

namespace {

const PyVersion kAll[] = {PyVersion::k311, PyVersion::k312, PyVersion::k313};

std::vector<Token> Tokens(const std::string& src, PyVersion v = PyVersion::k313) {
  TokenStream ts;
  SyntaxErrorInfo err;
  EXPECT_TRUE(Tokenize(src, v, ts, err)) << err.message;
  return ts.tokens;
}

std::string Kinds(const std::string& src, PyVersion v = PyVersion::k313) {
  std::string out;
  for (const Token& t : Tokens(src, v)) {
    if (!out.empty()) out += ' ';
    out += TokName(t.kind);
  }
  return out;
}

// Every positioned node must start where a token starts and end where a token ends (f-string
// internals excepted: CPython places those parts by other rules).
void CheckTokenBoundaries(const std::string& src, PyVersion v, const ModuleNode* m) {
  DecodedSource d;
  SyntaxErrorInfo err;
  ASSERT_TRUE(DecodeSource(src, v, d, err));
  TokenStream ts;
  ASSERT_TRUE(Tokenize(d.text, v, ts, err));
  std::set<std::pair<int, int>> starts, ends;
  for (const Token& t : ts.tokens) {
    if (t.kind == Tok::Newline || t.kind == Tok::NL || t.kind == Tok::Indent || t.kind == Tok::Dedent ||
        t.kind == Tok::Comment || t.kind == Tok::EndMarker)
      continue;
    starts.insert({t.lineno, t.col});
    ends.insert({t.end_lineno, t.end_col});
  }
  std::function<void(const Node*)> walk = [&](const Node* n) {
    if (HasPosition(n->kind)) {
      EXPECT_TRUE(starts.count({n->pos.lineno, n->pos.col_offset}))
          << KindName(n->kind) << " starts off a token at " << n->pos.lineno << ":" << n->pos.col_offset;
      EXPECT_TRUE(ends.count({n->pos.end_lineno, n->pos.end_col_offset}))
          << KindName(n->kind) << " ends off a token at " << n->pos.end_lineno << ":" << n->pos.end_col_offset;
    }
    if (n->kind == Kind::JoinedStr) return;
    ForEachChild(n, walk);
  };
  walk(m);
}

std::string Python(PyVersion v) {
  return std::string(COVALESCE_SOURCE_DIR) + "/.venvs/py" + PyVersionName(v) + "/bin/python";
}

// CPython's dump of `src`, or "" when that interpreter is not installed.
std::string CPythonDump(const std::string& src, PyVersion v) {
  if (access(Python(v).c_str(), X_OK) != 0) return "";
  char path[] = "/tmp/covalesce_pyparse_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return "";
  (void)!write(fd, src.data(), src.size());
  close(fd);
  std::string cmd = Python(v) + " " + COVALESCE_SOURCE_DIR + "/tests/python_ast/dump_ast.py " + path;
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  unlink(path);
  return out;
}

// Snippets every modelled version accepts (and the versions listed for newer syntax).
struct Snippet {
  const char* name;
  const char* src;
  PyVersion since = PyVersion::k311;
};
const Snippet kOk[] = {
    // CPython never decodes a comment: bytes that are not UTF-8 there are accepted.
    {"undecodable_in_comment", "x = 1  # caf\xe9\n# \xff\xfe\ny = (1,  # \xc3\n     2)\n"},
    {"assign_chain", "a = b = c, d = 1, 2\nx: int = 3\n(y): str\nz += 1; w @= m\n"},
    {"slices", "x = a[1:2, ::3]\nb[*c]\nd[:]\ne[f, *g]\n"},
    {"calls", "f(a, *b, c=1, **d)\ng(x for x in y)\nh(*[] or [2], **{} or {})\n"},
    {"decorated_async", "@dec\nasync def f(a, /, b: int = 1, *args: int, c, d=2, **kw) -> None:\n"
                        "    return [y async for y in z if y]\n"},
    {"classes", "class A(B, metaclass=M):\n    '''doc'''\n    x = 1\n"},
    {"lambda", "f = lambda a, b=1, *c, d, **e: (a, b)\ng = lambda: 0\n"},
    {"comprehensions", "[x for x in y if x for z in x]\n{k: v for k, v in d}\n{s for s in t}\n(g for g in h)\n"},
    {"operators", "x = -a ** -b * c // d % e @ f + g - h << i >> j & k ^ l | m\n"
                  "y = not a and b or c if d else e\nz = a < b <= c != d is not e not in f\n"},
    {"walrus_star", "if (n := len(a)) > 10: pass\nfirst, *rest = items\n"},
    {"try_star", "try:\n    pass\nexcept* ValueError as e:\n    pass\nexcept* (A, B):\n    pass\n"},
    {"try_full", "try:\n    pass\nexcept E:\n    pass\nelse:\n    pass\nfinally:\n    pass\n"},
    {"with_forms", "with a as b, c:\n    pass\nwith (a as b, c as d,):\n    pass\nwith (a, b) as c:\n    pass\n"},
    {"match", "match p:\n    case [1, *rest] | {\"k\": _, **kw} if rest:\n        pass\n"
              "    case Point(x=0, y=-1.5j) as pt:\n        pass\n    case None | True | 'a' 'b':\n        pass\n"
              "    case a.b.c:\n        pass\n    case (1, 2), *_:\n        pass\n"},
    {"soft_keywords_as_names", "match = 1\ncase = match\ntype = 2\n_ = type\nprint(match, case)\n"},
    {"imports", "import a.b as c, d\nfrom . import x\nfrom ..m import (y as z, w,)\nfrom .... import q\nfrom m import *\n"},
    {"strings", "a = 'x' \"y\" '''z'''\nb = b'\\x00' rb'\\d'\nc = u'k'\nd = '\\N{COPYRIGHT SIGN}\\N{CJK UNIFIED IDEOGRAPH-4E00}\\u1234\\U0001F600\\ud800'\n"},
    {"numbers", "a = 1_000, 0x_ff, 0o17, 0b1, 1.5e-3, 1e100j, .5, 5., 0xffffffffffffffffffffffffffff, 1e500\n"},
    {"fstrings", "a = f'x{y!r:>{w}}z' 'tail'\nb = f'{x=}' f\"{y=!s:^4}\"\nc = f'''multi\n{line}\n'''\n"},
    {"globals", "def f():\n    global a, b\n    nonlocal c\n    del d, e[0], f.g\n    yield\n    x = yield from y\n"},
    {"continuations", "x = 1 + \\\n    2\nif (a and\n        b):  # comment\n    pass\n"},
    {"tabs_and_formfeed", "if x:\n\tif y:\n\t\tpass\n\x0cz = 1\n"},
    {"dict_unpack", "d = {**a, 'b': 1, **c}\ns = {*a, *b}\nt = *a, *b\n"},
    {"type_alias", "type X = int\ntype Y[T: str, *Ts, **P] = list[T]\ndef f[T](x: T) -> T: ...\n", PyVersion::k312},
    {"type_defaults", "def f[T = int, *Ts = *tuple[int], **P = [int]](): pass\n", PyVersion::k313},
    {"pep701", "x = f\"{'a' + \"b\"}\" f'{\"\\n\".join(y)}' f'{a # comment\n}'\n", PyVersion::k312},
};

struct ErrSnippet {
  const char* name;
  const char* src;
  int line311, line312, line313;  // CPython's SyntaxError.lineno; 0 = accepted; -1 = None
};
const ErrSnippet kErr[] = {
    {"assign_call", "x = 1\nf() = x\n", 2, 2, 2},
    {"assign_literal", "x = 1\n1 = x\n", 2, 2, 2},
    {"bad_fstring", "a = 1\nb = f'{}'\n", 2, 2, 2},
    {"bad_indent", "if x:\n    a = 1\n  b = 2\n", 3, 3, 3},
    {"bad_token", "a = 1\nb = $\n", 2, 2, 2},
    {"bad_utf8", "a = 1\nb = '\xff'\n", 2, 2, 2},
    {"continuation_eof", "a = 1 + \\\n", 1, 1, 1},
    {"empty_block", "def f():\nx = 1\n", 2, 2, 2},
    {"eof_in_block", "class A:\n", 1, 1, 1},
    {"except_both", "try:\n    pass\nexcept* A:\n    pass\nexcept B:\n    pass\n", 5, 5, 5},
    {"gen_unparen", "f(x for x in y, 1)\n", 1, 1, 1},
    {"kw_assign", "a = 1\nNone = 2\n", 2, 2, 2},
    {"lambda_default", "f = lambda a=1, b: 0\n", 1, 1, 1},
    {"leading_zero", "a = 1\nb = 012\n", 2, 2, 2},
    {"mismatch", "a = (1,\n2]\n", 2, 2, 2},
    {"missing_colon", "if x\n    pass\n", 1, 1, 1},
    {"nested_quotes", "x = 1\ny = f\"{'a' + \"b\"}\"\n", 2, 0, 0},
    {"star_alone", "a = 1\n*b\n", 0, 0, 0},
    {"star_in_dict_comp", "a = 1\n{**a for a in b}\n", 2, 2, 2},
    {"star_in_set_comp", "a = 1\n{*a for a in b}\n", 2, 2, 2},
    {"tabs", "if x:\n\tif y:\n        pass\n", 3, 3, 3},
    {"type_default", "def f[T = int]():\n    pass\n", 1, 1, 0},
    {"type_params", "def f[T](x: T) -> T:\n    return x\n", 1, 0, 0},
    {"type_stmt", "type X = int\n", 1, 0, 0},
    {"unclosed_paren", "x = (1,\n2\n", 1, 1, 1},
    {"unexpected_indent", "a = 1\n    b = 2\n", 2, 2, 2},
    {"unmatched", "a = 1\nb = )\n", 2, 2, 2},
    {"unterminated_str", "a = 1\nb = 'abc\n", 2, 2, 2},
    {"unterminated_triple", "a = 1\nb = '''abc\n\n", 2, 2, 2},
    {"walrus_target", "a = 1\n(a.b := 1)\n", 2, 2, 2},
    {"null_byte", std::string_view("a = 1\nb = 2\0\n", 13).data(), -1, -1, -1},
    // CPython reports a codec's failure on line 0.
    {"codec_unknown", "# coding: uft-8\nx = 1\n", 0, 0, 0},
    {"codec_undefined_byte", "# coding: cp1253\nx = '\xaa'\n", 0, 0, 0},
    // Bytes that are not UTF-8 outside a comment: a string reports its last line under 3.11,
    // its first from 3.12; a 3.12+ f-string none (-1).
    {"undecodable_in_name", "a = 1\nb\xff = 2\n", 2, 2, 2},
    {"undecodable_in_string", "a = 1\nb = \"\"\"\n\xff\n\"\"\"\n", 4, 2, 2},
    {"undecodable_in_fstring", "a = 1\nf\"{a}\xff\"\n", 2, -1, -1},
};

}  // namespace

TEST(PythonTokenizer, NewlineNlIndentDedentComment) {
  EXPECT_EQ(Kinds("if x:  # c\n\n    y = 1\nz\n"),
            "NAME NAME : COMMENT NEWLINE NL INDENT NAME = NUMBER NEWLINE DEDENT NAME NEWLINE ENDMARKER");
  EXPECT_EQ(Kinds("(a,\n b)\n"), "( NAME , NL NAME ) NEWLINE ENDMARKER");
  EXPECT_EQ(Kinds("x"), "NAME NEWLINE ENDMARKER");  // implicit NEWLINE at EOF
  EXPECT_EQ(Kinds("a = 1 + \\\n  2\n"), "NAME = NUMBER + NUMBER NEWLINE ENDMARKER");
}

TEST(PythonTokenizer, Positions) {
  auto toks = Tokens("x = '''a\nb''' + 1\n");
  ASSERT_GE(toks.size(), 3u);
  const Token& s = toks[2];
  EXPECT_EQ(s.kind, Tok::String);
  EXPECT_EQ(s.lineno, 1);
  EXPECT_EQ(s.col, 4);
  EXPECT_EQ(s.end_lineno, 2);
  EXPECT_EQ(s.end_col, 4);
  auto u = Tokens("é = 1\n");  // columns in UTF-8 bytes
  EXPECT_EQ(u[1].col, 3);
}

TEST(PythonTokenizer, FStringsPerVersion) {
  EXPECT_EQ(Kinds("f'a{b!r:>{w}}c'\n", PyVersion::k312),
            "FSTRING_START FSTRING_MIDDLE { NAME ! NAME : FSTRING_MIDDLE { NAME } } FSTRING_MIDDLE FSTRING_END "
            "NEWLINE ENDMARKER");
  EXPECT_EQ(Kinds("f'a{b!r:>{w}}c'\n", PyVersion::k311), "STRING NEWLINE ENDMARKER");
}

TEST(PythonTokenizer, NumbersAndOperators) {
  EXPECT_EQ(Kinds("1_0 0x_f 0o7 0b1 1.e5 .5j 1if x else y\n"),
            "NUMBER NUMBER NUMBER NUMBER NUMBER NUMBER NUMBER NAME NAME NAME NAME NEWLINE ENDMARKER");
  EXPECT_EQ(Kinds("a **= b // c -> d := e ... f != g\n"),
            "NAME **= NAME // NAME -> NAME := NAME ... NAME != NAME NEWLINE ENDMARKER");
  TokenStream ts;
  SyntaxErrorInfo err;
  EXPECT_FALSE(Tokenize("x = 1__0\n", PyVersion::k313, ts, err));
  EXPECT_FALSE(Tokenize("x = 0b2\n", PyVersion::k313, ts, err));
  EXPECT_FALSE(Tokenize("x = 1abc\n", PyVersion::k313, ts, err));
}

TEST(PythonTokenizer, NestingLimit) {
  // CPython's tokenizer allows 200 open brackets (MAXLEVEL); the 201st is a SyntaxError on its line.
  TokenStream ts;
  SyntaxErrorInfo err;
  for (PyVersion v : kAll) {
    EXPECT_TRUE(Tokenize("x = " + std::string(200, '(') + "1" + std::string(200, ')') + "\n", v, ts, err));
    ASSERT_FALSE(Tokenize("x = 1\ny = " + std::string(100, '[') + std::string(101, '(') + "\n", v, ts, err));
    EXPECT_EQ(err.message, "too many nested parentheses");
    EXPECT_EQ(err.lineno, 2);
  }
}

TEST(PythonTokenizer, SoftKeywords) {
  auto toks = Tokens("match case type _\n");
  EXPECT_EQ(toks[0].kw, Kw::Match);
  EXPECT_EQ(toks[1].kw, Kw::Case);
  EXPECT_EQ(toks[2].kw, Kw::Type);
  EXPECT_EQ(toks[3].kw, Kw::Underscore);
  EXPECT_FALSE(IsHardKeyword(Kw::Match));
  EXPECT_TRUE(IsHardKeyword(Kw::Lambda));
}

TEST(PythonSource, Decoding) {
  DecodedSource d;
  SyntaxErrorInfo err;
  ASSERT_TRUE(DecodeSource("\xEF\xBB\xBFx = 1\r\ny = 2\r", PyVersion::k313, d, err));
  EXPECT_EQ(d.text, "x = 1\ny = 2\n");
  ASSERT_TRUE(DecodeSource("# -*- coding: latin-1 -*-\nx = '\xe9'\n", PyVersion::k313, d, err));
  EXPECT_EQ(d.text, "# -*- coding: latin-1 -*-\nx = '\xc3\xa9'\n");
  ASSERT_TRUE(DecodeSource("#!/usr/bin/python\n# vim: set fileencoding=cp1252 :\nx = '\x80'\n", PyVersion::k313, d, err));
  EXPECT_NE(d.text.find("\xe2\x82\xac"), std::string::npos);  // the euro sign
  EXPECT_FALSE(DecodeSource("x = 1\n# coding: latin-1\n", PyVersion::k313, d, err) && d.encoding != "utf-8");
  EXPECT_FALSE(DecodeSource("# coding: klingon\n", PyVersion::k313, d, err));
  EXPECT_FALSE(DecodeSource("\xEF\xBB\xBF# coding: latin-1\n", PyVersion::k313, d, err));
  // A codec outside latin-1/ASCII/UTF-8, from the tables generated off Python's codecs.
  ASSERT_TRUE(DecodeSource("# coding: latin4\nx = '\xe0'\n", PyVersion::k313, d, err));
  EXPECT_EQ(d.text, "# coding: latin4\nx = '\xc4\x81'\n");
  // Bytes that are not UTF-8 become U+FFFD (one per maximal invalid run, as Python's decoder),
  // listed with their line for ParseModule to judge.
  ASSERT_TRUE(DecodeSource("x = 1\ny = '\xff\xe2\x82' # \xc3\n", PyVersion::k313, d, err));
  EXPECT_EQ(d.text, "x = 1\ny = '\xef\xbf\xbd\xef\xbf\xbd' # \xef\xbf\xbd\n");
  ASSERT_EQ(d.undecodable.size(), 3u);
  EXPECT_EQ(d.undecodable[0].line, 2);
  EXPECT_EQ(d.undecodable[0].offset, 11u);
  EXPECT_EQ(d.undecodable[1].offset, 14u);
}

// DecodeSource copies runs of plain bytes found eight at a time; against the byte-at-a-time
// rule it replaced, on random UTF-8 sources mixing ASCII, '\r', "\r\n", NUL, valid and
// invalid multi-byte sequences, at every offset relative to the 8-byte words.
TEST(PythonSource, DecodingAgreesWithByteLoop) {
  auto reference = [](std::string_view raw, std::string& text, std::vector<std::pair<uint32_t, int>>& bad_at) {
    text.clear();
    bad_at.clear();
    int line = 1;
    for (size_t i = 0; i < raw.size();) {
      const unsigned c = static_cast<unsigned char>(raw[i]);
      if (c == '\r' || c == '\n') {
        text += '\n';
        ++line;
        i += (c == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') ? 2 : 1;
      } else if (c == 0) {
        return false;
      } else if (c < 0x80) {
        text += char(c);
        ++i;
      } else {
        size_t bad;
        size_t len = covalesce::Utf8SequenceLength(raw, i, bad);
        if (len == 0) {
          bad_at.emplace_back(uint32_t(text.size()), line);
          text += "\xEF\xBF\xBD";
          i += bad;
        } else {
          text.append(raw.substr(i, len));
          i += len;
        }
      }
    }
    return true;
  };
  const char* pieces[] = {"x", "= 1", "\n", "\r", "\r\n", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                          "\xff", "\xe2\x82", "\xc3", "    ", "# c", "'s'", "<NUL>"};
  std::mt19937 rng(13);
  for (int round = 0; round < 3000; ++round) {
    std::string raw = "a";  // never a BOM or a coding cookie: only the copying is under test
    const int n = int(rng() % 40);
    for (int k = 0; k < n; ++k) {
      const size_t pick = rng() % std::size(pieces);
      raw += pick + 1 == std::size(pieces) ? std::string(1, '\0') : std::string(pieces[pick]);
    }
    if (rng() % 4 == 0) raw.erase(std::remove(raw.begin(), raw.end(), '\0'), raw.end());
    std::string want;
    std::vector<std::pair<uint32_t, int>> want_bad;
    const bool ok = reference(raw, want, want_bad);
    DecodedSource d;
    SyntaxErrorInfo err;
    ASSERT_EQ(DecodeSource(raw, PyVersion::k313, d, err), ok) << round;
    if (!ok) continue;
    EXPECT_EQ(d.text, want) << round;
    ASSERT_EQ(d.undecodable.size(), want_bad.size()) << round;
    for (size_t k = 0; k < want_bad.size(); ++k) {
      EXPECT_EQ(d.undecodable[k].offset, want_bad[k].first) << round;
      EXPECT_EQ(d.undecodable[k].line, want_bad[k].second) << round;
    }
  }
}

TEST(PythonParser, OkSnippets) {
  for (const Snippet& s : kOk) {
    for (PyVersion v : kAll) {
      if (v < s.since) continue;
      SCOPED_TRACE(std::string(s.name) + " on " + PyVersionName(v));
      ParseOutcome out = ParseModule(s.src, v);
      ASSERT_FALSE(out.failed) << "line " << out.error.lineno << ": " << out.error.message;
      CheckTokenBoundaries(s.src, v, out.tree.module);
      std::string ref = CPythonDump(s.src, v);
      if (!ref.empty()) EXPECT_EQ(DumpAst(out.tree.module, v), ref);
    }
  }
}

TEST(PythonParser, ErrSnippetsReportCPythonsLine) {
  for (const ErrSnippet& s : kErr) {
    std::string src = s.name == std::string("null_byte") ? std::string("a = 1\nb = 2\0\n", 13) : s.src;
    int want[] = {s.line311, s.line312, s.line313};
    for (int i = 0; i < 3; ++i) {
      SCOPED_TRACE(std::string(s.name) + " on " + PyVersionName(kAll[i]));
      ParseOutcome out = ParseModule(src, kAll[i]);
      const bool rejected = want[i] != 0 || std::string(s.name).rfind("codec_", 0) == 0;
      if (!rejected) {
        EXPECT_FALSE(out.failed) << out.error.message;
        continue;
      }
      ASSERT_TRUE(out.failed);
      EXPECT_EQ(out.error.lineno, want[i]) << out.error.message;
      // The expected line is CPython's own, where the interpreter is at hand.
      std::string ref = CPythonDump(src, kAll[i]);
      if (!ref.empty())
        EXPECT_EQ(ref, "SyntaxError line " + (want[i] < 0 ? std::string("None") : std::to_string(want[i])) + "\n");
    }
  }
}

TEST(PythonParser, VersionGating) {
  auto fails = [](const char* src, PyVersion v) { return ParseModule(src, v).failed; };
  EXPECT_TRUE(fails("type X = int\n", PyVersion::k311));
  EXPECT_FALSE(fails("type X = int\n", PyVersion::k312));
  EXPECT_TRUE(fails("class A[T]: pass\n", PyVersion::k311));
  EXPECT_FALSE(fails("class A[T]: pass\n", PyVersion::k312));
  EXPECT_TRUE(fails("class A[T=int]: pass\n", PyVersion::k312));
  EXPECT_FALSE(fails("class A[T=int]: pass\n", PyVersion::k313));
  EXPECT_TRUE(fails("f'{'a'}'\n", PyVersion::k311));
  EXPECT_FALSE(fails("f'{'a'}'\n", PyVersion::k312));
  EXPECT_TRUE(fails("f'{a\\\n}'\n", PyVersion::k311));
  // Soft keywords stay names where their statements cannot start.
  EXPECT_FALSE(fails("type = 1\nmatch(x)\n", PyVersion::k311));
}

TEST(PythonParser, SnapshotWithoutInterpreter) {
  // A fixed dump, so the format is checked even where the venvs are missing.
  ParseOutcome out = ParseModule("x = a[1:2, ::3]\n", PyVersion::k313);
  ASSERT_FALSE(out.failed);
  std::string dump = DumpAst(out.tree.module, PyVersion::k313);
  EXPECT_NE(dump.find("    - Assign 1:0-1:15\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("slice=Tuple 1:6-1:14\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("- Slice 1:11-1:14\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("lower=None\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("  type_ignores=[]\n"), std::string::npos) << dump;
}

TEST(PythonParser, DocstringsAndConstantsAreKept) {
  ParseOutcome out = ParseModule("'''doc'''\n-1\nu'k'\n", PyVersion::k313);
  ASSERT_FALSE(out.failed);
  const ModuleNode* m = out.tree.module;
  ASSERT_EQ(m->body.size(), 3u);
  auto* doc = static_cast<const ValueNode*>(m->body[0]);
  ASSERT_EQ(doc->value->kind, Kind::Constant);
  EXPECT_EQ(static_cast<const ConstantNode*>(doc->value)->text, "doc");
  // No constant folding: -1 is UnaryOp(USub, 1).
  EXPECT_EQ(static_cast<const ValueNode*>(m->body[1])->value->kind, Kind::UnaryOp);
  EXPECT_TRUE(static_cast<const ConstantNode*>(static_cast<const ValueNode*>(m->body[2])->value)->u_prefix);
}

TEST(PythonParser, StdlibSampleKeepsTokenBoundaries) {
  // A few real files through the invariant (skipped where the interpreter is absent).
  const char* dir = "/root/.pyenv/versions/3.13.0/lib/python3.13";
  if (!fs::exists(dir)) GTEST_SKIP() << "no 3.13 stdlib";
  for (const char* name : {"ast.py", "dataclasses.py", "typing.py", "argparse.py", "enum.py"}) {
    std::ifstream in(std::string(dir) + "/" + name, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    ParseOutcome out = ParseModule(ss.str(), PyVersion::k313);
    ASSERT_FALSE(out.failed) << name;
    CheckTokenBoundaries(ss.str(), PyVersion::k313, out.tree.module);
  }
}

namespace {

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::string NestedIfs(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += std::string(size_t(i), ' ') + "if 1:\n";
  return out + std::string(size_t(n), ' ') + "pass\n";
}

// Runs fn on a thread with a 1 MiB stack, a quarter of a oneTBB worker's.
void OnSmallStack(const std::function<void()>& fn) {
  struct Job {
    const std::function<void()>* fn;
    static void* Run(void* p) {
      (*static_cast<Job*>(p)->fn)();
      return nullptr;
    }
  } job{&fn};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, size_t(1) << 20);
  pthread_t t;
  ASSERT_EQ(pthread_create(&t, &attr, &Job::Run, &job), 0);
  pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
}

}  // namespace

// CPython's tokenizer limits, at and just past each one (found by fuzzing: 5000 nested
// brackets overflowed the stack). When the pinned interpreters are present, CPython's dump
// is the expectation; otherwise the texts CPython 3.11-3.13 give.
// Found by the python_parser fuzzer: in a 3.11 f-string, a \N{ with no closing brace sent the
// literal scan back to the start of the string, appending forever. CPython 3.11 stops at the
// end of the string and reports a malformed escape, as covalesce now does; every version must
// fail (CPython does) rather than loop.
TEST(PythonParser, UnclosedNamedEscapeInFStringIsAnError) {
  for (const char* src : {"f\"\"\"a \\N{DASH# b\nc\"\"\"\n", "x = f'\\N{abc'\ny = '}'\n"}) {
    for (PyVersion v : kAll) {
      SCOPED_TRACE(std::string(src) + " on " + PyVersionName(v));
      ParseOutcome out = ParseModule(src, v);
      ASSERT_TRUE(out.failed);
      if (v == PyVersion::k311)
        EXPECT_NE(out.error.message.find("malformed \\N character escape"), std::string::npos) << out.error.message;
    }
  }
}

TEST(PythonParser, TokenizerLimitsAreCPythons) {
  struct Case {
    std::string src;
    PyVersion since;
    int line;  // 0: accepted
    const char* message;
  };
  const Case cases[] = {
      {Repeat("(", 200) + Repeat(")", 200) + "\n", PyVersion::k311, 0, ""},
      {Repeat("(", 201) + Repeat(")", 201) + "\n", PyVersion::k311, 1, "too many nested parentheses"},
      {"x = [\n" + Repeat("{", 200) + "\n", PyVersion::k311, 2, "too many nested parentheses"},
      {NestedIfs(99), PyVersion::k311, 0, ""},
      {NestedIfs(100), PyVersion::k311, 101, "too many levels of indentation"},
      {Repeat("f\"{", 149) + "1" + Repeat("}\"", 149) + "\n", PyVersion::k312, 0, ""},
      {Repeat("f\"{", 150) + "1" + Repeat("}\"", 150) + "\n", PyVersion::k312, 1, "too many nested f-strings"},
  };
  for (const Case& c : cases) {
    for (PyVersion v : kAll) {
      if (v < c.since) continue;
      SCOPED_TRACE(c.src.substr(0, 40) + " on " + PyVersionName(v));
      ParseOutcome out = ParseModule(c.src, v);
      EXPECT_EQ(out.failed, c.line != 0) << out.error.message;
      if (c.line) {
        EXPECT_EQ(out.error.lineno, c.line);
        EXPECT_EQ(out.error.message, c.message);
      }
      std::string ref = CPythonDump(c.src, v);
      if (!ref.empty()) EXPECT_EQ(DumpOutcome(out, v), ref);
    }
  }
}

// Sources that nest thousands deep parse (or fail cleanly past the parser's limit) and dump
// without overflowing even a small thread stack: deep work moves to a large stack of its own.
// (Found by fuzzing: unary chains, lambdas, elif chains and long operator chains overflowed
// the stack in the parser or the dump.) Every construct here at 2900 levels is within what
// CPython 3.11-3.13 parse; dumps (which grow with the square of the depth) are taken at 1000.
TEST(PythonParser, DeepSourcesNeverOverflowTheStack) {
  const std::function<std::string(int)> nested[] = {
      [](int n) { return Repeat("-", n) + "1\n"; },
      [](int n) { return Repeat("not ", n) + "1\n"; },
      [](int n) { return Repeat("1 if 2 else ", n) + "1\n"; },
      [](int n) { return Repeat("lambda: ", n) + "1\n"; },
      [](int n) { return Repeat("2**", n) + "1\n"; },
      [](int n) { return "if a: pass\n" + Repeat("elif a: pass\n", n); },
      [](int n) { return Repeat("(-", n / 15) + "1" + Repeat(")", n / 15) + "\n"; },
      [](int n) { return "1" + Repeat(" + 1", n) + "\n"; },
      [](int n) { return "x" + Repeat(".y", n) + "\n"; },
      [](int n) { return "f" + Repeat("()", n) + "\n"; },
  };
  OnSmallStack([&] {
    for (const auto& make : nested) {
      for (PyVersion v : kAll) {
        const std::string src = make(2900);
        SCOPED_TRACE(src.substr(0, 30) + " on " + PyVersionName(v));
        ParseOutcome out = ParseModule(src, v);
        EXPECT_FALSE(out.failed) << out.error.message;
        ParseOutcome small = ParseModule(make(1000), v);
        EXPECT_NE(DumpOutcome(small, v).find("Module"), std::string::npos);
      }
    }
    // Left-associative chains nest as deep as they are long (3.11 parses 100000 with a high
    // recursion limit).
    EXPECT_FALSE(ParseModule("1" + Repeat(" + 1", 50000) + "\n", PyVersion::k311).failed);
    // Past 6000 levels CPython's parser gives up too (MemoryError: too complex to parse).
    for (const std::string& src : {Repeat("-", 7000) + "1\n", Repeat("lambda: ", 7000) + "1\n"}) {
      ParseOutcome out = ParseModule(src, PyVersion::k313);
      EXPECT_TRUE(out.failed);
      EXPECT_EQ(out.error.message, "too complex to parse (nested too deeply)");
    }
  });
}
