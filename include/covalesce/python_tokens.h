// Python source decoding and tokens, as CPython's tokenizer produces them. Tokens carry byte
// ranges into the decoded (UTF-8, universal-newline) text plus line/column spans, and the
// stream keeps COMMENT, NL and NEWLINE tokens, because coverage.py's PythonParser tokenizes
// the source too (multi-line statements, exclusions, docstrings) and covalesce must see the
// same lines it does.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "covalesce/python_ast.h"

namespace covalesce::py {

enum class Tok : uint8_t {
  EndMarker, Name, Number, String, Newline, NL, Indent, Dedent, Comment,
  FStringStart, FStringMiddle, FStringEnd,
  // operators and delimiters
  LPar, RPar, LSqb, RSqb, LBrace, RBrace, Colon, Comma, Semi, Dot, Ellipsis, At, RArrow,
  ColonEqual, Exclamation, Equal,
  Plus, Minus, Star, Slash, DoubleSlash, Percent, DoubleStar, VBar, Amper, Circumflex, Tilde,
  LeftShift, RightShift, Less, Greater, EqEqual, NotEqual, LessEqual, GreaterEqual,
  PlusEqual, MinEqual, StarEqual, SlashEqual, DoubleSlashEqual, PercentEqual, DoubleStarEqual,
  VBarEqual, AmperEqual, CircumflexEqual, LeftShiftEqual, RightShiftEqual, AtEqual,
};
const char* TokName(Tok t);

// Keywords and soft keywords, recognised in Name tokens.
enum class Kw : uint8_t {
  None_ = 0,  // not a keyword
  False, None, True, And, As, Assert, Async, Await, Break, Class, Continue, Def, Del, Elif, Else,
  Except, Finally, For, From, Global, If, Import, In, Is, Lambda, Nonlocal, Not, Or, Pass, Raise,
  Return, Try, While, With, Yield,
  // soft keywords: still plain names to the grammar outside their statements
  Match, Case, Type, Underscore,
};
inline bool IsHardKeyword(Kw k) { return k != Kw::None_ && k < Kw::Match; }

struct Token {
  Tok kind;
  Kw kw = Kw::None_;
  bool non_ascii = false;       // a Name with a byte >= 0x80 (it needs NFKC normalising)
  uint32_t start = 0, end = 0;  // byte range in the decoded text
  int32_t lineno = 0, col = 0, end_lineno = 0, end_col = 0;
};

struct DecodedSource {
  std::string text;              // UTF-8, "\r\n" and "\r" turned into "\n"
  std::string encoding;          // "utf-8", or the cookie's codec
  // Where a UTF-8 source held bytes that are not UTF-8: each run became one U+FFFD at `offset`
  // in text. CPython accepts them in a comment and rejects them anywhere else.
  struct Undecodable {
    uint32_t offset;
    int line;
  };
  std::vector<Undecodable> undecodable;
};

// Decodes raw file bytes as CPython does: UTF-8 BOM, a PEP 263 cookie on line 1 or 2, and
// universal newlines. Unknown codecs, and bytes a cookie's codec cannot decode, are syntax
// errors with the line; bytes that are not UTF-8 in a UTF-8 source are U+FFFD, listed in
// `undecodable` for the caller to judge once it knows where the comments are.
bool DecodeSource(std::string_view raw, PyVersion version, DecodedSource& out, SyntaxErrorInfo& err);

struct TokenStream {
  std::vector<Token> tokens;
  std::vector<uint32_t> line_starts;  // byte offset of each line's start (line 1 at index 0)
};

// Tokenizes decoded text. Under 3.11 an f-string is one String token; from 3.12 it is
// FStringStart, FStringMiddle / replacement-field tokens, FStringEnd (PEP 701).
bool Tokenize(std::string_view text, PyVersion version, TokenStream& out, SyntaxErrorInfo& err);

// The tokens the parser reads (no comments, no NLs), in one pass with `deep`: whether parsing
// them, or walking the tree they make, may recurse deeper than a pool thread's stack allows
// (a logical line of hundreds of tokens, a long 'elif' chain).
std::vector<Token> ParserTokens(const TokenStream& ts, bool& deep);
// Runs fn on a thread with a 256 MiB stack (address space, touched only as used) and waits.
// fn must not throw.
void RunWithLargeStack(const std::function<void()>& fn);

}  // namespace covalesce::py
