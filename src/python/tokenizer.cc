// The Python tokenizer: decoded text in, tokens with byte ranges and line/column spans out.
// It follows CPython's tokenizer (Parser/tokenizer.c) in behaviour, not in code: indentation
// with tabsize 8 plus the tabsize-1 consistency check, NEWLINE vs NL (blank lines, comment
// lines and lines inside brackets give NL), implicit NEWLINE at EOF, line continuations, and
// from 3.12 PEP 701 f-strings split into FSTRING_START / MIDDLE / END around ordinary tokens
// for each replacement field. Under 3.11 an f-string is a single STRING token.
#include <cstring>
#include <string>

#include "covalesce/python_tokens.h"
#include "unicode.h"

namespace covalesce::py {
namespace {

bool IsIdStart(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80; }
bool IsIdChar(unsigned char c) { return IsIdStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }

Kw KeywordOf(std::string_view s) {
  static const struct { const char* text; Kw kw; } kTable[] = {
      {"False", Kw::False}, {"None", Kw::None}, {"True", Kw::True}, {"and", Kw::And},
      {"as", Kw::As}, {"assert", Kw::Assert}, {"async", Kw::Async}, {"await", Kw::Await},
      {"break", Kw::Break}, {"class", Kw::Class}, {"continue", Kw::Continue}, {"def", Kw::Def},
      {"del", Kw::Del}, {"elif", Kw::Elif}, {"else", Kw::Else}, {"except", Kw::Except},
      {"finally", Kw::Finally}, {"for", Kw::For}, {"from", Kw::From}, {"global", Kw::Global},
      {"if", Kw::If}, {"import", Kw::Import}, {"in", Kw::In}, {"is", Kw::Is},
      {"lambda", Kw::Lambda}, {"nonlocal", Kw::Nonlocal}, {"not", Kw::Not}, {"or", Kw::Or},
      {"pass", Kw::Pass}, {"raise", Kw::Raise}, {"return", Kw::Return}, {"try", Kw::Try},
      {"while", Kw::While}, {"with", Kw::With}, {"yield", Kw::Yield}, {"match", Kw::Match},
      {"case", Kw::Case}, {"type", Kw::Type}, {"_", Kw::Underscore},
  };
  if (s.size() > 8) return Kw::None_;
  for (const auto& k : kTable) {
    if (s[0] == k.text[0] && s == k.text) return k.kw;
  }
  return Kw::None_;
}

struct Op3 {
  const char* text;
  Tok tok;
};
// Longest first within each leading character.
const Op3 kOps[] = {
    {"**=", Tok::DoubleStarEqual}, {"//=", Tok::DoubleSlashEqual}, {"<<=", Tok::LeftShiftEqual},
    {">>=", Tok::RightShiftEqual}, {"...", Tok::Ellipsis},         {"!=", Tok::NotEqual},
    {"%=", Tok::PercentEqual},     {"&=", Tok::AmperEqual},        {"**", Tok::DoubleStar},
    {"*=", Tok::StarEqual},        {"+=", Tok::PlusEqual},         {"-=", Tok::MinEqual},
    {"->", Tok::RArrow},           {"//", Tok::DoubleSlash},       {"/=", Tok::SlashEqual},
    {":=", Tok::ColonEqual},       {"<<", Tok::LeftShift},         {"<=", Tok::LessEqual},
    {"==", Tok::EqEqual},          {">=", Tok::GreaterEqual},      {">>", Tok::RightShift},
    {"@=", Tok::AtEqual},          {"^=", Tok::CircumflexEqual},   {"|=", Tok::VBarEqual},
    {"!", Tok::Exclamation},       {"%", Tok::Percent},            {"&", Tok::Amper},
    {"(", Tok::LPar},              {")", Tok::RPar},               {"*", Tok::Star},
    {"+", Tok::Plus},              {",", Tok::Comma},              {"-", Tok::Minus},
    {".", Tok::Dot},               {"/", Tok::Slash},              {":", Tok::Colon},
    {";", Tok::Semi},              {"<", Tok::Less},               {"=", Tok::Equal},
    {">", Tok::Greater},           {"@", Tok::At},                 {"[", Tok::LSqb},
    {"]", Tok::RSqb},              {"^", Tok::Circumflex},         {"{", Tok::LBrace},
    {"|", Tok::VBar},              {"}", Tok::RBrace},             {"~", Tok::Tilde},
};

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
      while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\f')) ++i_;
      if (i_ >= s_.size()) {
        End();
        return;
      }
      unsigned char c = s_[i_];
      size_t start = i_;
      if (c == '#') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
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
        while (i_ < s_.size() && IsIdChar(s_[i_])) ++i_;
        if (i_ < s_.size() && (s_[i_] == '\'' || s_[i_] == '"') && IsStringPrefix(start, i_)) {
          LexString(start);
          continue;
        }
        CheckIdentifier(start, i_);
        Emit(Tok::Name, start, i_).kw = KeywordOf(s_.substr(start, i_ - start));
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
      Emit(Tok::FStringStart, start, i_);
      fstack_.push_back(FMode{q, triple, raw, FState::Literal, start_line, {}});
      return;
    }
    i_ += triple ? 3 : 1;
    while (true) {
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
    ++paren_;
    parens_.push_back({c, lineno_});
  }

  void LexOperator() {
    size_t start = i_;
    unsigned char c = s_[i_];
    for (const Op3& op : kOps) {
      if (op.text[0] != char(c)) continue;  // the cheap test first: most entries differ here
      size_t n = std::strlen(op.text);
      if (s_.compare(i_, n, op.text) != 0) continue;
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
