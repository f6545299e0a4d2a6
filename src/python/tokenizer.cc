// The Python tokenizer: decoded text in, tokens with byte ranges and line/column spans out.
// It follows CPython's tokenizer (Parser/tokenizer.c) in behaviour, not in code: indentation
// with tabsize 8 plus the tabsize-1 consistency check, NEWLINE vs NL (blank lines, comment
// lines and lines inside brackets give NL), implicit NEWLINE at EOF, line continuations, and
// from 3.12 PEP 701 f-strings split into FSTRING_START / MIDDLE / END around ordinary tokens
// for each replacement field. Under 3.11 an f-string is a single STRING token.
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>

#include "covalesce/python_tokens.h"
#include "unicode.h"

namespace covalesce::py {
namespace {

bool IsIdStart(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80; }
bool IsIdChar(unsigned char c) { return IsIdStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }

// IsIdChar as a table: the name loop runs for every byte of every name.
struct IdCharTable {
  bool is[256];
  constexpr IdCharTable() : is() {
    for (int c = 0; c < 256; ++c) is[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80 || (c >= '0' && c <= '9');
  }
};
constexpr IdCharTable kIdChar;

// The bytes that end a run of plain string-literal text: quotes, backslash, newline.
struct StrSpecialTable {
  bool is[256];
  constexpr StrSpecialTable() : is() { is['\''] = is['"'] = is['\\'] = is['\n'] = true; }
};
constexpr StrSpecialTable kStrSpecial;

// CPython's tokenizer limits (Parser/tokenizer.h): MAXLEVEL open brackets, MAXINDENT
// indentation levels (the stack includes column 0), MAXFSTRINGLEVEL nested f-strings (3.12+).
constexpr size_t kMaxLevel = 200;
constexpr size_t kMaxIndent = 100;
constexpr size_t kMaxFStringLevel = 150;

// The spelling of each keyword, in Kw's order (index 0 is Kw::None_).
constexpr std::string_view kKeywordSpelling[] = {
    "",
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in",
    "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    "match", "case", "type", "_",
};
static_assert(std::size(kKeywordSpelling) == size_t(Kw::Underscore) + 1, "a Kw without a spelling");

// The keywords grouped by first byte: every Name token is looked up, and this way a name is
// compared with at most five spellings (those that start like it), as a switch would do.
struct KeywordsByFirstByte {
  uint8_t begin[257] = {};  // keywords starting with byte c are kw[begin[c]] .. kw[begin[c + 1] - 1]
  Kw kw[std::size(kKeywordSpelling) - 1] = {};
  constexpr KeywordsByFirstByte() {
    size_t n = 0;
    for (int c = 0; c < 256; ++c) {
      begin[c] = uint8_t(n);
      for (size_t k = 1; k < std::size(kKeywordSpelling); ++k)
        if ((unsigned char)kKeywordSpelling[k][0] == c) kw[n++] = Kw(k);
    }
    begin[256] = uint8_t(n);
  }
};
constexpr KeywordsByFirstByte kKeywordsByFirstByte;

// Keyword of a name (Kw::None_ if none).
Kw KeywordOf(std::string_view s) {
  unsigned char c = s[0];
  for (int i = kKeywordsByFirstByte.begin[c]; i < kKeywordsByFirstByte.begin[c + 1]; ++i) {
    Kw k = kKeywordsByFirstByte.kw[i];
    if (kKeywordSpelling[size_t(k)] == s) return k;
  }
  return Kw::None_;
}

// The operator or delimiter at the start of `s` (longest match), or {EndMarker, 0} if none.
// A switch on the first character: the tokenizer calls this for every operator token.
struct OpMatch {
  Tok tok;
  size_t len;
};
OpMatch MatchOperator(std::string_view s) {
  char c1 = s.size() > 1 ? s[1] : '\0', c2 = s.size() > 2 ? s[2] : '\0';
  // X, X= (the augmented assignment / comparison form).
  auto with_eq = [&](Tok plain, Tok eq) { return c1 == '=' ? OpMatch{eq, 2} : OpMatch{plain, 1}; };
  // X, XX, X=, XX= (**, //, <<, >>).
  auto doubled = [&](char c, Tok plain, Tok eq, Tok dbl, Tok dbl_eq) {
    if (c1 == c) return c2 == '=' ? OpMatch{dbl_eq, 3} : OpMatch{dbl, 2};
    return with_eq(plain, eq);
  };
  switch (s[0]) {
    case '(': return {Tok::LPar, 1};
    case ')': return {Tok::RPar, 1};
    case '[': return {Tok::LSqb, 1};
    case ']': return {Tok::RSqb, 1};
    case '{': return {Tok::LBrace, 1};
    case '}': return {Tok::RBrace, 1};
    case ',': return {Tok::Comma, 1};
    case ';': return {Tok::Semi, 1};
    case '~': return {Tok::Tilde, 1};
    case ':': return with_eq(Tok::Colon, Tok::ColonEqual);
    case '=': return with_eq(Tok::Equal, Tok::EqEqual);
    case '!': return with_eq(Tok::Exclamation, Tok::NotEqual);
    case '%': return with_eq(Tok::Percent, Tok::PercentEqual);
    case '&': return with_eq(Tok::Amper, Tok::AmperEqual);
    case '+': return with_eq(Tok::Plus, Tok::PlusEqual);
    case '^': return with_eq(Tok::Circumflex, Tok::CircumflexEqual);
    case '|': return with_eq(Tok::VBar, Tok::VBarEqual);
    case '@': return with_eq(Tok::At, Tok::AtEqual);
    case '-': return c1 == '>' ? OpMatch{Tok::RArrow, 2} : with_eq(Tok::Minus, Tok::MinEqual);
    case '.': return c1 == '.' && c2 == '.' ? OpMatch{Tok::Ellipsis, 3} : OpMatch{Tok::Dot, 1};
    case '*': return doubled('*', Tok::Star, Tok::StarEqual, Tok::DoubleStar, Tok::DoubleStarEqual);
    case '/': return doubled('/', Tok::Slash, Tok::SlashEqual, Tok::DoubleSlash, Tok::DoubleSlashEqual);
    case '<': return doubled('<', Tok::Less, Tok::LessEqual, Tok::LeftShift, Tok::LeftShiftEqual);
    case '>': return doubled('>', Tok::Greater, Tok::GreaterEqual, Tok::RightShift, Tok::RightShiftEqual);
    default: return {Tok::EndMarker, 0};
  }
}

struct SyntaxFail {
  SyntaxErrorInfo info;
};

class Lexer {
 public:
  Lexer(std::string_view s, PyVersion v, TokenStream& out) : s_(s), v_(v), out_(out) {}

  void Run() {
    out_.line_starts.push_back(0);
    while (true) {
      if (!fstack_.empty() && fstack_.back().state != FState::Expr) {
        LexFStringLiteral();
        continue;
      }
      if (atbol_) {
        atbol_ = false;
        if (Indentation()) continue;
      }
      // Skip whitespace.
      SkipWhile([](unsigned char c) { return c == ' ' || c == '\t' || c == '\f'; });
      if (i_ >= s_.size()) {
        End();
        return;
      }
      unsigned char c = s_[i_];
      size_t start = i_;
      if (c == '#') {
        size_t nl = s_.find('\n', i_);  // memchr, not a byte loop: comments are long
        i_ = nl == std::string_view::npos ? s_.size() : nl;
        Emit(Tok::Comment, start, i_);
        continue;
      }
      if (c == '\n') {
        ++i_;
        bool logical = paren_ == 0 && line_has_token_;
        Emit(logical ? Tok::Newline : Tok::NL, start, i_);
        NewLine();
        if (paren_ == 0) {
          atbol_ = true;
          line_has_token_ = false;
        }
        continue;
      }
      if (c == '\\') {
        if (i_ + 1 < s_.size() && s_[i_ + 1] == '\n') {
          i_ += 2;
          NewLine();
          if (i_ >= s_.size()) Fail(lineno_ - 1, "unexpected EOF while parsing");
          continue;
        }
        if (i_ + 1 >= s_.size()) Fail(lineno_, "unexpected EOF while parsing");
        Fail(lineno_, "unexpected character after line continuation character");
      }
      line_has_token_ = true;
      if (IsIdStart(c)) {
        unsigned char bits = 0;  // the OR of the name's bytes: bit 7 set if any is non-ASCII
        SkipWhile([&bits](unsigned char c) { return kIdChar.is[c] && (bits |= c, true); });
        if (i_ < s_.size() && (s_[i_] == '\'' || s_[i_] == '"') && IsStringPrefix(start, i_)) {
          LexString(start);
          continue;
        }
        if (bits & 0x80) CheckIdentifier(start, i_);
        Token& name = Emit(Tok::Name, start, i_);
        name.kw = KeywordOf(s_.substr(start, i_ - start));
        name.non_ascii = bits & 0x80;
        continue;
      }
      if (IsDigit(c) || (c == '.' && i_ + 1 < s_.size() && IsDigit(s_[i_ + 1]))) {
        LexNumber();
        Emit(Tok::Number, start, i_);
        continue;
      }
      if (c == '\'' || c == '"') {
        LexString(start);
        continue;
      }
      LexOperator();
    }
  }

 private:
  enum class FState : uint8_t { Literal, Expr, Spec };
  struct FMode {
    char quote;
    bool triple, raw;
    FState state;
    int start_line;
    std::vector<int> fields;  // paren depth inside each open replacement field
  };

  // Advances i_ over the bytes `keep` accepts. The loop runs on a local: a char may alias
  // the member i_, so a loop on i_ itself stores it at every byte (the lexer's hot loops).
  template <typename Keep>
  void SkipWhile(Keep keep) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(s_.data());
    const size_t n = s_.size();
    size_t i = i_;
    while (i < n && keep(p[i])) ++i;
    i_ = i;
  }

  [[noreturn]] void Fail(int line, const std::string& msg) { throw SyntaxFail{{line, int(i_ - line_start_), msg}}; }

  void NewLine() {
    ++lineno_;
    line_start_ = i_;
    out_.line_starts.push_back(uint32_t(i_));
  }

  // Line and column of byte offset `off`, which lies on or before the current line.
  void PosOf(size_t off, int32_t& line, int32_t& col) {
    if (off >= line_start_) {
      line = lineno_;
      col = int32_t(off - line_start_);
      return;
    }
    int l = lineno_ - 1;
    while (l > 1 && out_.line_starts[l - 1] > off) --l;
    line = l;
    col = int32_t(off - out_.line_starts[l - 1]);
  }

  Token& Emit(Tok kind, size_t start, size_t end) {
    Token t;
    t.kind = kind;
    t.start = uint32_t(start);
    t.end = uint32_t(end);
    PosOf(start, t.lineno, t.col);
    PosOf(end, t.end_lineno, t.end_col);
    out_.tokens.push_back(t);
    return out_.tokens.back();
  }

  // At the beginning of a line: measure its indentation and emit INDENT/DEDENTs. Returns true
  // when the line was consumed (nothing left to do for it here).
  bool Indentation() {
    int col = 0, altcol = 0;
    size_t j = i_;
    for (; j < s_.size(); ++j) {
      char c = s_[j];
      if (c == ' ') ++col, ++altcol;
      else if (c == '\t') col = (col / 8 + 1) * 8, altcol += 1;
      else if (c == '\f') col = altcol = 0;
      else break;
    }
    if (j >= s_.size() || s_[j] == '#' || s_[j] == '\n') return false;  // blank line
    if (s_[j] == '\\' && j + 1 < s_.size() && s_[j + 1] == '\n' && false) return false;
    if (paren_ > 0) return false;
    i_ = j;
    if (col == indents_.back()) {
      if (altcol != alt_.back()) Fail(lineno_, "inconsistent use of tabs and spaces in indentation");
    } else if (col > indents_.back()) {
      if (indents_.size() >= kMaxIndent) Fail(lineno_, "too many levels of indentation");
      if (altcol <= alt_.back()) Fail(lineno_, "inconsistent use of tabs and spaces in indentation");
      indents_.push_back(col);
      alt_.push_back(altcol);
      Emit(Tok::Indent, line_start_, j);
    } else {
      while (indents_.size() > 1 && col < indents_.back()) {
        indents_.pop_back();
        alt_.pop_back();
        Emit(Tok::Dedent, j, j);
      }
      if (col != indents_.back()) Fail(lineno_, "unindent does not match any outer indentation level");
      if (altcol != alt_.back()) Fail(lineno_, "inconsistent use of tabs and spaces in indentation");
    }
    return false;
  }

  // Non-ASCII names must be made of XID_Start / XID_Continue characters.
  void CheckIdentifier(size_t b, size_t e) {
    bool ascii = true;
    for (size_t k = b; k < e; ++k) ascii &= (unsigned char)s_[k] < 0x80;
    if (ascii) return;
    std::string_view id = s_.substr(b, e - b);
    for (size_t k = 0; k < id.size();) {
      bool first = k == 0;
      uint32_t cp = DecodeUtf8At(id, k);
      if (cp < 0x80) continue;
      if (first ? !IsIdStartCp(cp) : !IsIdContinueCp(cp)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "invalid character (U+%04X)", cp);
        Fail(lineno_, buf);
      }
    }
  }

  void End() {
    if (!fstack_.empty()) Fail(fstack_.back().start_line, "unterminated f-string literal");
    if (paren_ > 0) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "'%c' was never closed", parens_.back().first);
      Fail(parens_.back().second, buf);
    }
    if (line_has_token_) Emit(Tok::Newline, i_, i_);
    while (indents_.size() > 1) {
      indents_.pop_back();
      Emit(Tok::Dedent, i_, i_);
    }
    Emit(Tok::EndMarker, i_, i_);
  }

  bool IsStringPrefix(size_t b, size_t e) {
    size_t n = e - b;
    if (n > 2) return false;
    bool r = false, u = false, bb = false, f = false;
    for (size_t k = b; k < e; ++k) {
      char c = char(s_[k] | 0x20);
      if (c == 'r' && !r) r = true;
      else if (c == 'u' && !u) u = true;
      else if (c == 'b' && !bb) bb = true;
      else if (c == 'f' && !f) f = true;
      else return false;
    }
    if (u && n > 1) return false;
    if (bb && f) return false;
    return true;
  }

  void LexString(size_t start) {
    bool raw = false, fstr = false;
    for (size_t k = start; k < i_; ++k) {
      char c = char(s_[k] | 0x20);
      if (c == 'r') raw = true;
      if (c == 'f') fstr = true;
    }
    char q = s_[i_];
    bool triple = i_ + 2 < s_.size() && s_[i_ + 1] == q && s_[i_ + 2] == q;
    int start_line = lineno_;
    if (fstr && v_ >= PyVersion::k312) {
      i_ += triple ? 3 : 1;
      if (fstack_.size() + 2 > kMaxFStringLevel) Fail(lineno_, "too many nested f-strings");
      Emit(Tok::FStringStart, start, i_);
      fstack_.push_back(FMode{q, triple, raw, FState::Literal, start_line, {}});
      return;
    }
    i_ += triple ? 3 : 1;
    while (true) {
      SkipWhile([](unsigned char c) { return !kStrSpecial.is[c]; });  // plain text
      if (i_ >= s_.size()) {
        if (triple) Fail(start_line, "unterminated triple-quoted string literal");
        Fail(start_line, "unterminated string literal");
      }
      char c = s_[i_];
      if (c == '\\') {
        if (i_ + 1 < s_.size() && s_[i_ + 1] == '\n') {
          i_ += 2;
          NewLine();
        } else {
          i_ += 2;
        }
        continue;
      }
      if (c == '\n') {
        if (!triple) Fail(start_line, "unterminated string literal");
        ++i_;
        NewLine();
        continue;
      }
      if (c == q) {
        if (!triple) {
          ++i_;
          break;
        }
        if (i_ + 2 < s_.size() && s_[i_ + 1] == q && s_[i_ + 2] == q) {
          i_ += 3;
          break;
        }
      }
      ++i_;
    }
    if (i_ > s_.size()) i_ = s_.size();
    Emit(Tok::String, start, i_);
  }

  // Inside an f-string's literal text (or a format spec): up to the next field or the end.
  void LexFStringLiteral() {
    FMode& m = fstack_.back();
    size_t start = i_;
    auto flush = [&] {
      if (i_ > start) Emit(Tok::FStringMiddle, start, i_);
    };
    while (true) {
      if (i_ >= s_.size()) {
        Fail(m.start_line, m.triple ? "unterminated triple-quoted f-string literal" : "unterminated f-string literal");
      }
      char c = s_[i_];
      if (c == m.quote && (!m.triple || (i_ + 2 < s_.size() && s_[i_ + 1] == c && s_[i_ + 2] == c))) {
        if (m.state == FState::Spec) Fail(lineno_, "f-string: expecting '}'");
        flush();
        size_t qs = i_;
        i_ += m.triple ? 3 : 1;
        Emit(Tok::FStringEnd, qs, i_);
        fstack_.pop_back();
        return;
      }
      if (c == '\n') {
        if (!m.triple) Fail(m.start_line, "unterminated f-string literal");
        ++i_;
        NewLine();
        continue;
      }
      if (c == '\\' && i_ + 1 < s_.size()) {
        if (!m.raw && s_[i_ + 1] == 'N' && i_ + 2 < s_.size() && s_[i_ + 2] == '{') {
          size_t close = s_.find('}', i_);
          if (close != std::string_view::npos) {
            i_ = close + 1;
            continue;
          }
        }
        if (s_[i_ + 1] == '\n') {
          i_ += 2;
          NewLine();
          continue;
        }
        if (s_[i_ + 1] == '{' || s_[i_ + 1] == '}') {
          ++i_;
          continue;
        }
        i_ += 2;
        continue;
      }
      if (c == '{') {
        if (i_ + 1 < s_.size() && s_[i_ + 1] == '{' && m.state == FState::Literal) {
          i_ += 2;
          continue;
        }
        flush();
        Emit(Tok::LBrace, i_, i_ + 1);
        ++i_;
        OpenParen('{');
        m.fields.push_back(paren_);
        m.state = FState::Expr;
        return;
      }
      if (c == '}') {
        if (m.state == FState::Literal) {
          if (i_ + 1 < s_.size() && s_[i_ + 1] == '}') {
            i_ += 2;
            continue;
          }
          Fail(lineno_, "f-string: single '}' is not allowed");
        }
        flush();
        CloseField(m);
        return;
      }
      ++i_;
    }
  }

  void CloseField(FMode& m) {
    Emit(Tok::RBrace, i_, i_ + 1);
    ++i_;
    --paren_;
    parens_.pop_back();
    m.fields.pop_back();
    m.state = m.fields.empty() ? FState::Literal : FState::Spec;
  }

  void OpenParen(char c) {
    // CPython's tokenizer: MAXLEVEL (200) brackets open at once, then a SyntaxError.
    if (size_t(paren_) >= kMaxLevel) Fail(lineno_, "too many nested parentheses");
    ++paren_;
    parens_.push_back({c, lineno_});
  }

  void LexOperator() {
    size_t start = i_;
    unsigned char c = s_[i_];
    OpMatch op = MatchOperator(s_.substr(i_));
    if (op.len != 0) {
      size_t n = op.len;
      // Inside an f-string replacement field at its own level: '}' closes, ':' opens the
      // spec, '!' the conversion.
      if (!fstack_.empty() && fstack_.back().state == FState::Expr && paren_ == fstack_.back().fields.back()) {
        FMode& m = fstack_.back();
        if (c == '}') {
          CloseField(m);
          return;
        }
        if (c == ':' && op.tok != Tok::ColonEqual) {
          Emit(Tok::Colon, i_, i_ + 1);
          ++i_;
          m.state = FState::Spec;
          return;
        }
        if (c == ':' && op.tok == Tok::ColonEqual) {
          Emit(Tok::Colon, i_, i_ + 1);
          ++i_;
          m.state = FState::Spec;
          return;
        }
      }
      i_ += n;
      switch (op.tok) {
        case Tok::LPar: OpenParen('('); break;
        case Tok::LSqb: OpenParen('['); break;
        case Tok::LBrace: OpenParen('{'); break;
        case Tok::RPar:
        case Tok::RSqb:
        case Tok::RBrace: {
          char want = op.tok == Tok::RPar ? '(' : op.tok == Tok::RSqb ? '[' : '{';
          if (paren_ == 0) {
            std::string msg = "unmatched '";
            msg += char(c);
            Fail(lineno_, msg + "'");
          }
          if (parens_.back().first != want) {
            std::string msg = "closing parenthesis '";
            msg += char(c);
            msg += "' does not match opening parenthesis '";
            msg += parens_.back().first;
            Fail(lineno_, msg + "'");
          }
          --paren_;
          parens_.pop_back();
          break;
        }
        default: break;
      }
      Emit(op.tok, start, i_);
      return;
    }
    if (c == '$' || c == '?' || c == '`') Fail(lineno_, "invalid syntax");
    Fail(lineno_, "invalid character");
  }

  // Digits with single underscores between them; returns false if a '_' is misplaced.
  void Digits(bool (*ok)(unsigned char), const char* what) {
    while (i_ < s_.size()) {
      if (ok(s_[i_])) {
        ++i_;
      } else if (s_[i_] == '_' && i_ + 1 < s_.size() && ok(s_[i_ + 1])) {
        i_ += 2;
      } else if (s_[i_] == '_') {
        ++i_;
        Fail(lineno_, std::string("invalid ") + what + " literal");
      } else {
        break;
      }
    }
  }

  void LexNumber() {
    auto dec = [](unsigned char c) { return c >= '0' && c <= '9'; };
    auto hex = [](unsigned char c) { return isxdigit(c) != 0; };
    auto oct = [](unsigned char c) { return c >= '0' && c <= '7'; };
    auto bin = [](unsigned char c) { return c == '0' || c == '1'; };
    char c = s_[i_];
    if (c == '0' && i_ + 1 < s_.size() && strchr("xXoObB", s_[i_ + 1]) && s_[i_ + 1]) {
      char k = char(s_[i_ + 1] | 0x20);
      i_ += 2;
      if (i_ < s_.size() && s_[i_] == '_') ++i_;
      bool (*ok)(unsigned char) = k == 'x' ? +hex : k == 'o' ? +oct : +bin;
      const char* what = k == 'x' ? "hexadecimal" : k == 'o' ? "octal" : "binary";
      if (i_ >= s_.size() || !ok(s_[i_])) {
        if (i_ < s_.size() && IsDigit(s_[i_])) Fail(lineno_, std::string("invalid digit in ") + what + " literal");
        Fail(lineno_, std::string("invalid ") + what + " literal");
      }
      Digits(ok, what);
      if (i_ < s_.size() && IsDigit(s_[i_])) Fail(lineno_, std::string("invalid digit in ") + what + " literal");
      EndOfNumber(what);
      return;
    }
    bool is_float = false;
    if (c == '.') {
      is_float = true;
      ++i_;
      Digits(+dec, "decimal");
    } else {
      bool leading_zero = c == '0';
      size_t begin = i_;
      Digits(+dec, "decimal");
      bool nonzero = false;
      for (size_t k = begin; k < i_; ++k) nonzero |= s_[k] != '0' && s_[k] != '_';
      if (i_ < s_.size() && s_[i_] == '.') {
        is_float = true;
        ++i_;
        if (i_ < s_.size() && IsDigit(s_[i_])) Digits(+dec, "decimal");
      }
      if (!is_float && leading_zero && nonzero) {
        bool expo = i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E' || s_[i_] == 'j' || s_[i_] == 'J');
        if (!expo)
          Fail(lineno_, "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers");
      }
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      size_t k = i_ + 1;
      if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
      if (k < s_.size() && IsDigit(s_[k])) {
        i_ = k;
        Digits(+dec, "decimal");
      } else {
        EndOfNumber("decimal");
        return;
      }
    }
    if (i_ < s_.size() && (s_[i_] == 'j' || s_[i_] == 'J')) ++i_;
    EndOfNumber(is_float ? "decimal" : "decimal");
  }

  // A number directly followed by a name: allowed only before some keywords (with a warning).
  void EndOfNumber(const char* what) {
    if (i_ >= s_.size() || !IsIdChar(s_[i_])) return;
    static const char* kOk[] = {"and", "else", "for", "if", "in", "is", "not", "or"};
    for (const char* k : kOk) {
      if (s_.compare(i_, strlen(k), k) == 0) return;
    }
    Fail(lineno_, std::string("invalid ") + what + " literal");
  }

  std::string_view s_;
  PyVersion v_;
  TokenStream& out_;
  size_t i_ = 0, line_start_ = 0;
  int lineno_ = 1;
  bool atbol_ = true, line_has_token_ = false;
  int paren_ = 0;
  std::vector<std::pair<char, int>> parens_;
  std::vector<int> indents_{0}, alt_{0};
  std::vector<FMode> fstack_;
};

}  // namespace

const char* TokName(Tok t) {
  static const char* kNames[] = {
      "ENDMARKER", "NAME", "NUMBER", "STRING", "NEWLINE", "NL", "INDENT", "DEDENT", "COMMENT",
      "FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END", "(", ")", "[", "]", "{", "}", ":", ",",
      ";", ".", "...", "@", "->", ":=", "!", "=", "+", "-", "*", "/", "//", "%", "**", "|", "&",
      "^", "~", "<<", ">>", "<", ">", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "//=",
      "%=", "**=", "|=", "&=", "^=", "<<=", ">>=", "@="};
  return kNames[size_t(t)];
}

bool Tokenize(std::string_view text, PyVersion version, TokenStream& out, SyntaxErrorInfo& err) {
  out.tokens.clear();
  out.line_starts.clear();
  out.tokens.reserve(text.size() / 4 + 16);
  Lexer lx(text, version, out);
  try {
    lx.Run();
  } catch (const SyntaxFail& f) {
    err = f.info;
    return false;
  }
  return true;
}

}  // namespace covalesce::py
