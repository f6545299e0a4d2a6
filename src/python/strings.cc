// Literals: numbers (ints of any size, floats, imaginary), str/bytes with every escape, the
// implicit concatenation of adjacent strings, and f-strings in both models: from 3.12 the
// tokenizer splits them (PEP 701) and replacement fields are parsed in place; under 3.11 an
// f-string is one STRING token whose fields are re-tokenized and parsed as "(expr)", with
// CPython 3.11's position arithmetic (whole-string positions for literal parts and
// FormattedValue nodes, shifted positions for the expressions inside).
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "covalesce/utf8.h"
#include "parser.h"

namespace covalesce::py {
namespace {

struct UName {
  const char* name;
  uint32_t cp;
};
const UName kUnicodeNames[] = {
#include "unicode_names.inc"
};

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Shared escape decoder; `bytes` limits it to the bytes escapes.
bool DecodeBody(std::string_view b, bool raw, bool bytes, std::string& out, std::string& error) {
  out.clear();
  out.reserve(b.size());
  for (size_t i = 0; i < b.size(); ++i) {
    // The text up to the next escape (all of it when raw) is copied in one append: most
    // literals have no escapes, and appending char by char was a visible cost.
    size_t run_end = raw ? b.size() : std::min(b.find('\\', i), b.size());
    if (bytes) {
      for (size_t k = i; k < run_end; ++k) {
        if ((unsigned char)b[k] >= 0x80) {
          error = "bytes can only contain ASCII literal characters";
          return false;
        }
      }
    }
    out.append(b.data() + i, run_end - i);
    i = run_end;
    if (i >= b.size()) break;
    char c = b[i];  // a backslash
    if (i + 1 >= b.size()) {
      out += c;
      continue;
    }
    char e = b[++i];
    switch (e) {
      case '\n': break;
      case '\\': out += '\\'; break;
      case '\'': out += '\''; break;
      case '"': out += '"'; break;
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        uint32_t v = e - '0';
        for (int k = 0; k < 2 && i + 1 < b.size() && b[i + 1] >= '0' && b[i + 1] <= '7'; ++k) v = v * 8 + (b[++i] - '0');
        if (bytes) out += char(v & 0xFF);
        else AppendUtf8(out, v);
        break;
      }
      case 'x': case 'u': case 'U': {
        if (bytes && e != 'x') {
          out += '\\';
          out += e;
          break;
        }
        int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        uint32_t v = 0;
        for (int k = 0; k < n; ++k) {
          int h = i + 1 < b.size() ? HexVal(b[i + 1]) : -1;
          if (h < 0) {
            error = e == 'x' ? "truncated \\xXX escape" : e == 'u' ? "truncated \\uXXXX escape" : "truncated \\UXXXXXXXX escape";
            return false;
          }
          v = v * 16 + h;
          ++i;
        }
        if (v > 0x10FFFF) {
          error = "illegal Unicode character";
          return false;
        }
        if (bytes) out += char(v);
        else AppendUtf8(out, v);
        break;
      }
      case 'N': {
        if (bytes) {
          out += "\\N";
          break;
        }
        size_t close = b.find('}', i);
        if (i + 1 >= b.size() || b[i + 1] != '{' || close == std::string_view::npos) {
          error = "malformed \\N character escape";
          return false;
        }
        std::string name(b.substr(i + 2, close - i - 2));
        const std::string orig = name;  // CJK code points must be spelled in upper-case hex
        for (char& ch : name) ch = char(toupper((unsigned char)ch));
        bool found = false;
        if (orig.rfind("CJK UNIFIED IDEOGRAPH-", 0) == 0 && (name.size() == 26 || name.size() == 27)) {
          uint32_t cp = 0;
          bool hex = true;
          for (size_t k = 22; k < name.size(); ++k) {
            int h = (orig[k] >= 'a' && orig[k] <= 'f') ? -1 : HexVal(orig[k]);
            hex &= h >= 0;
            cp = cp * 16 + uint32_t(h < 0 ? 0 : h);
          }
          if (hex && ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x323AF))) {
            AppendUtf8(out, cp);
            found = true;
          }
        }
        for (const UName& u : kUnicodeNames) {
          if (name == u.name) {
            AppendUtf8(out, u.cp);
            found = true;
            break;
          }
        }
        if (!found) {
          error = "unknown Unicode character name (outside covalesce's table)";
          return false;
        }
        i = close;
        break;
      }
      default:
        out += '\\';
        out += e;
    }
  }
  return true;
}


}  // namespace

bool DecodeStrBody(std::string_view body, bool raw, std::string& out, std::string& error) {
  return DecodeBody(body, raw, false, out, error);
}
bool DecodeBytesBody(std::string_view body, bool raw, std::string& out, std::string& error) {
  return DecodeBody(body, raw, true, out, error);
}

// ---- numbers ----

Node* Parser::Number(const Token& t, size_t start) {
  auto* c = MakeAt<ConstantNode>(Kind::Constant, Pos{t.lineno, t.col, t.end_lineno, t.end_col});
  // Most numbers are plain decimal ints of a few digits: up to 18 digits always fit int64, so
  // they are read directly, without the copy and the limbs below.
  std::string_view digits = Text(t);
  if (digits.size() <= 18) {
    uint64_t v = 0;  // unsigned: wraps harmlessly when a non-digit is folded in
    bool plain = true;
    for (char ch : digits) {
      plain &= ch >= '0' && ch <= '9';
      v = v * 10 + uint64_t(ch - '0');
    }
    if (plain) {
      c->ck = ConstKind::Int;
      c->ival = int64_t(v);
      return c;
    }
  }
  std::string s;
  for (char ch : Text(t))
    if (ch != '_') s += ch;
  char last = s.back();
  if (last == 'j' || last == 'J') {
    s.pop_back();
    c->ck = ConstKind::Complex;
    c->fval = std::strtod(s.c_str(), nullptr);
    return c;
  }
  bool is_hex = s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  bool is_oct = s.size() > 1 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O');
  bool is_bin = s.size() > 1 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B');
  if (!is_hex && s.find_first_of(".eE") != std::string::npos) {
    c->ck = ConstKind::Float;
    c->fval = std::strtod(s.c_str(), nullptr);
    return c;
  }
  c->ck = ConstKind::Int;
  int base = is_hex ? 16 : is_oct ? 8 : is_bin ? 2 : 10;
  size_t i = base == 10 ? 0 : 2;
  if (base == 10 && s.size() > 4300) Fail(t.lineno, "Exceeds the limit (4300 digits) for integer string conversion");
  // Little-endian 32-bit limbs.
  std::vector<uint32_t> limbs{0};
  for (; i < s.size(); ++i) {
    uint64_t carry = uint64_t(HexVal(s[i]));
    for (uint32_t& l : limbs) {
      uint64_t v = uint64_t(l) * base + carry;
      l = uint32_t(v);
      carry = v >> 32;
    }
    if (carry) limbs.push_back(uint32_t(carry));
  }
  while (limbs.size() > 1 && limbs.back() == 0) limbs.pop_back();
  if (limbs.size() <= 2 && (limbs.size() < 2 || limbs[1] < 0x80000000u)) {
    c->ival = int64_t(limbs[0]) | (limbs.size() == 2 ? int64_t(limbs[1]) << 32 : 0);
    return c;
  }
  c->big_int = true;
  std::string hex = "0x";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%x", limbs.back());
  hex += buf;
  for (size_t k = limbs.size() - 1; k-- > 0;) {
    std::snprintf(buf, sizeof buf, "%08x", limbs[k]);
    hex += buf;
  }
  c->text = a_.copy(hex);
  return c;
}

// ---- strings ----

namespace {
struct StrTok {
  bool raw = false, bytes = false, fstr = false, u = false;
  size_t prefix = 0, quote = 1;  // lengths
};
StrTok Classify(std::string_view text) {
  StrTok s;
  size_t i = 0;
  while (i < text.size() && text[i] != '\'' && text[i] != '"') {
    char c = char(text[i] | 0x20);
    if (c == 'r') s.raw = true;
    if (c == 'b') s.bytes = true;
    if (c == 'f') s.fstr = true;
    if (c == 'u') s.u = true;
    ++i;
  }
  s.prefix = i;
  s.quote = (text.size() >= i + 6 && text[i + 1] == text[i] && text[i + 2] == text[i]) ? 3 : 1;
  return s;
}

// Drops empty literals and merges adjacent ones (first start to last end).
std::vector<StrPiece> MergeStrPieces(std::vector<StrPiece>& in) {
  std::vector<StrPiece> out;
  for (StrPiece& p : in) {
    if (p.literal && !out.empty() && out.back().literal) {
      out.back().text += p.text;
      out.back().pos.end_lineno = p.pos.end_lineno;
      out.back().pos.end_col_offset = p.pos.end_col_offset;
      continue;
    }
    out.push_back(std::move(p));
  }
  std::vector<StrPiece> kept;
  for (StrPiece& p : out)
    if (!p.literal || !p.text.empty()) kept.push_back(std::move(p));
  return kept;
}
}  // namespace

Node* Parser::Strings() {
  size_t start = p_;
  // The common case, one plain str/bytes token not followed by another: decoded into a reused
  // buffer and copied to the arena, without the piece vector and the joined copy below.
  if (At(Tok::String) && T(1).kind != Tok::String && T(1).kind != Tok::FStringStart) {
    const Token& t = T();
    std::string_view text = Text(t);
    StrTok st = Classify(text);
    if (!st.fstr) {
      ++p_;
      std::string_view body = text.substr(st.prefix + st.quote, text.size() - st.prefix - 2 * st.quote);
      std::string err;
      if (!DecodeBody(body, st.raw, st.bytes, str_scratch_, err)) Fail(t.lineno, "(unicode error) " + err);
      auto* c = MakeAt<ConstantNode>(Kind::Constant, Span(start));
      c->ck = st.bytes ? ConstKind::Bytes : ConstKind::Str;
      c->u_prefix = st.u;
      c->text = a_.copy(str_scratch_);
      return c;
    }
  }
  std::vector<StrPiece> pieces;
  bool has_f = false, bytes = false, nonbytes = false, first_u = false;
  std::vector<size_t> f311;  // 3.11 f-string token indexes
  while (At(Tok::String) || At(Tok::FStringStart)) {
    const Token& t = T();
    std::string_view text = Text(t);
    StrTok st = Classify(text);
    if (p_ == start) first_u = st.u;
    (st.bytes ? bytes : nonbytes) = true;
    if (bytes && nonbytes) Fail(t.lineno, "cannot mix bytes and nonbytes literals");
    if (t.kind == Tok::FStringStart) {
      has_f = true;
      FString312(pieces);
      continue;
    }
    ++p_;
    if (st.fstr) {
      has_f = true;
      f311.push_back(p_ - 1);
      FString311(t, pieces);
      continue;
    }
    std::string_view body = text.substr(st.prefix + st.quote, text.size() - st.prefix - 2 * st.quote);
    StrPiece pc;
    std::string err;
    if (!DecodeBody(body, st.raw, st.bytes, pc.text, err)) {
      int line = t.lineno;
      Fail(line, "(unicode error) " + err);
    }
    pc.pos = Pos{t.lineno, t.col, t.end_lineno, t.end_col};
    pieces.push_back(std::move(pc));
  }
  Pos whole = Span(start);
  if (!has_f) {
    auto* c = MakeAt<ConstantNode>(Kind::Constant, whole);
    c->ck = bytes ? ConstKind::Bytes : ConstKind::Str;
    c->u_prefix = first_u;
    std::string all;
    for (StrPiece& p : pieces) all += p.text;
    c->text = a_.copy(all);
    return c;
  }
  std::vector<StrPiece> merged = MergeStrPieces(pieces);
  std::vector<Node*> values;
  for (StrPiece& p : merged) {
    if (p.literal) {
      auto* c = MakeAt<ConstantNode>(Kind::Constant, v_ == PyVersion::k311 ? whole : p.pos);
      c->ck = ConstKind::Str;
      c->text = a_.copy(p.text);
      values.push_back(c);
    } else {
      if (v_ == PyVersion::k311) {
        p.node->pos = whole;
        auto* fv = static_cast<FormattedValueNode*>(p.node);
        std::function<void(Node*)> fill = [&](Node* spec) {
          if (!spec) return;
          for (Node* v : static_cast<JoinedStrNode*>(spec)->values) {
            if (v->pos.lineno == -1) v->pos = whole;
            if (v->kind == Kind::FormattedValue) fill(static_cast<FormattedValueNode*>(v)->format_spec);
          }
        };
        fill(fv->format_spec);
      }
      values.push_back(p.node);
    }
  }
  auto* j = MakeAt<JoinedStrNode>(Kind::JoinedStr, whole);
  j->values = ToList(values);
  return j;
}

// PEP 701 f-string: FSTRING_START ... FSTRING_END, appending pieces.
void Parser::FString312(std::vector<StrPiece>& pieces) {
  const Token& st_tok = T();
  StrTok st = Classify(Text(st_tok));
  ++p_;
  auto literal = [&](const Token& m, std::vector<StrPiece>& out) {
    StrPiece pc;
    std::string_view raw = Text(m);
    std::string braces;
    for (size_t i = 0; i < raw.size(); ++i) {
      braces += raw[i];
      if ((raw[i] == '{' || raw[i] == '}') && i + 1 < raw.size() && raw[i + 1] == raw[i]) ++i;
      else if (raw[i] == '\\' && i + 1 < raw.size() && !st.raw) braces += raw[++i];
    }
    std::string err;
    if (!DecodeBody(braces, st.raw, false, pc.text, err)) Fail(m.lineno, "(unicode error) " + err);
    pc.pos = Pos{m.lineno, m.col, m.end_lineno, m.end_col};
    out.push_back(std::move(pc));
  };
  // One replacement field, from '{' to '}'.
  std::function<Node*(std::vector<StrPiece>&)> field = [&](std::vector<StrPiece>& out) -> Node* {
    size_t lb = p_++;
    if (At(Tok::RBrace)) Fail(T().lineno, "f-string: valid expression required before '}'");
    ++fstring_depth_;
    Node* value = AtKw(Kw::Yield) ? YieldExpr() : StarExpressions();
    --fstring_depth_;
    auto* fv = New<FormattedValueNode>(Kind::FormattedValue);
    fv->value = value;
    bool debug = false;
    if (At(Tok::Equal)) {
      debug = true;
      const Token& eq = T();
      ++p_;
      const Token& nx = T();
      StrPiece pc;
      const Token& b = toks_[lb];
      std::string_view raw = src_.substr(b.end, nx.start - b.end);
      char q = 0;
      for (size_t k = 0; k < raw.size(); ++k) {  // comments are not part of the text
        char ch = raw[k];
        if (q) {
          if (ch == q) q = 0;
        } else if (ch == '\'' || ch == '"') {
          q = ch;
        } else if (ch == '#') {
          while (k < raw.size() && raw[k] != '\n') ++k;
          if (k < raw.size()) pc.text += '\n';
          continue;
        }
        pc.text += ch;
      }
      pc.pos = Pos{b.end_lineno, b.end_col, nx.lineno, nx.col};
      (void)eq;
      out.push_back(std::move(pc));
    }
    if (At(Tok::Exclamation)) {
      ++p_;
      if (!At(Tok::Name)) Fail(T().lineno, "f-string: missing conversion character");
      std::string_view conv = Text(T());
      if (conv != "s" && conv != "r" && conv != "a")
        Fail(T().lineno, "f-string: invalid conversion character");
      fv->conversion = conv[0];
      ++p_;
    }
    if (At(Tok::Colon)) {
      size_t colon = p_++;
      std::vector<StrPiece> spec;
      bool last_was_field = false;
      while (!At(Tok::RBrace)) {
        if (At(Tok::FStringMiddle)) {
          literal(T(), spec);
          ++p_;
          last_was_field = false;
        } else if (At(Tok::LBrace)) {
          StrPiece pc;
          pc.literal = false;
          pc.node = field(spec);
          spec.push_back(std::move(pc));
          last_was_field = true;
        } else {
          FailHere("f-string: expecting '}'");
        }
      }
      const Token& rb = T();
      if (v_ == PyVersion::k312 && last_was_field) {
        StrPiece pc;
        pc.pos = Pos{rb.lineno, rb.col, rb.lineno, rb.col};
        pc.text = "\x01";  // kept although empty (3.12 keeps this one)
        spec.push_back(std::move(pc));
      }
      spec = MergeStrPieces(spec);
      std::vector<Node*> vals;
      for (StrPiece& p : spec) {
        if (p.literal) {
          if (p.text.empty()) continue;
          auto* c = MakeAt<ConstantNode>(Kind::Constant, p.pos);
          c->ck = ConstKind::Str;
          c->text = p.text == "\x01" ? std::string_view("") : a_.copy(p.text);
          vals.push_back(c);
        } else {
          vals.push_back(p.node);
        }
      }
      const Token& ct = toks_[colon];
      auto* js = MakeAt<JoinedStrNode>(Kind::JoinedStr, Pos{ct.lineno, ct.col, rb.lineno, rb.col});
      js->values = ToList(vals);
      fv->format_spec = js;
    }
    if (!At(Tok::RBrace)) FailHere("f-string: expecting '}'");
    ++p_;
    if (debug && fv->conversion == -1 && !fv->format_spec) fv->conversion = 'r';
    return Finish(fv, lb);
  };
  while (!At(Tok::FStringEnd)) {
    if (At(Tok::FStringMiddle)) {
      literal(T(), pieces);
      ++p_;
    } else if (At(Tok::LBrace)) {
      StrPiece pc;
      pc.literal = false;
      pc.node = field(pieces);
      pieces.push_back(std::move(pc));
    } else {
      FailHere();
    }
  }
  ++p_;
}

// ---- 3.11: one STRING token, fields re-parsed ----

Node* Parser::ParseSubExpression311(std::string_view expr, int line, int col, size_t) {
  std::string sub = "(" + std::string(expr) + ")";
  std::string_view text = a_.copy(sub);
  TokenStream ts;
  SyntaxErrorInfo err;
  if (!Tokenize(text, PyVersion::k311, ts, err)) Fail(line + err.lineno - 1, err.message);
  std::vector<Token> toks;
  for (Token t : ts.tokens) {
    if (t.kind == Tok::Comment) Fail(line, "f-string expression part cannot include '#'");
    if (t.kind == Tok::NL || t.kind == Tok::Newline || t.kind == Tok::Indent || t.kind == Tok::Dedent) continue;
    bool first_line = t.end_lineno == 1;
    t.lineno = line + t.lineno - 1;
    t.end_lineno = line + t.end_lineno - 1;
    if (first_line) {
      t.col += col;
      t.end_col += col;
    }
    toks.push_back(t);
  }
  Parser sub_parser(text, std::move(toks), PyVersion::k311, a_);
  sub_parser.fstring_depth_ = fstring_depth_ + 1;
  sub_parser.nesting_ = nesting_;
  Node* e = sub_parser.StarExpressions();
  if (!sub_parser.At(Tok::EndMarker)) sub_parser.FailHere("f-string: invalid syntax");
  return e;
}

void Parser::FString311(const Token& t, std::vector<StrPiece>& pieces) {
  std::string_view text = Text(t);
  StrTok st = Classify(text);
  size_t body_start = st.prefix + st.quote;
  size_t body_end = text.size() - st.quote;

  // Parses literal text and fields in text[i, end) into out; stops at an unmatched '}' when in_spec.
  std::function<void(size_t&, size_t, bool, std::vector<StrPiece>&, int)> parse =
      [&](size_t& i, size_t end, bool in_spec, std::vector<StrPiece>& out, int depth) {
        std::string lit;
        auto flush = [&] {
          if (lit.empty()) return;
          StrPiece pc;
          std::string err;
          if (!DecodeBody(lit, st.raw, false, pc.text, err)) Fail(t.lineno, "(unicode error) " + err);
          out.push_back(std::move(pc));
          lit.clear();
        };
        while (i < end) {
          char c = text[i];
          if (c == '\\' && !st.raw && i + 1 < end) {
            if (text[i + 1] == 'N' && i + 2 < end && text[i + 2] == '{') {
              // As 3.11's fstring_find_literal: up to the matching '}' or the end of this part
              // (an unclosed \N{ is then a malformed escape for DecodeBody to report).
              size_t close = text.substr(0, end).find('}', i + 3);
              size_t stop = close == std::string_view::npos ? end : close + 1;
              lit.append(text.substr(i, stop - i));
              i = stop;
              continue;
            }
            lit += c;
            lit += text[i + 1];
            i += 2;
            continue;
          }
          if (c == '{' || c == '}') {
            if (!in_spec && i + 1 < end && text[i + 1] == c) {
              lit += c;
              i += 2;
              continue;
            }
            if (c == '}') {
              if (in_spec) break;
              Fail(t.lineno, "f-string: single '}' is not allowed");
            }
            flush();
            if (depth >= 2) Fail(t.lineno, "f-string: expressions nested too deeply");
            // A replacement field: find the end of its expression.
            size_t lb = i++;
            size_t es = i;
            int nest = 0;
            char quote = 0;
            bool triple = false;
            size_t e = i;
            bool debug = false;
            for (; e < end; ++e) {
              char ch = text[e];
              if (quote) {
                if (ch == quote && (!triple || (e + 2 < end && text[e + 1] == ch && text[e + 2] == ch))) {
                  if (triple) e += 2;
                  quote = 0;
                }
                continue;
              }
              if (ch == '\\') Fail(t.lineno, "f-string expression part cannot include a backslash");
              if (ch == '\'' || ch == '"') {
                quote = ch;
                triple = e + 2 < end && text[e + 1] == ch && text[e + 2] == ch;
                if (triple) e += 2;
                continue;
              }
              if (ch == '(' || ch == '[' || ch == '{') ++nest;
              else if (ch == ')' || ch == ']' || (ch == '}' && nest > 0)) --nest;
              else if (nest == 0) {
                if (ch == '}' || ch == ':') break;
                if (ch == '!' && e + 1 < end && text[e + 1] != '=') break;
                if (ch == '=' && e + 1 < end && text[e + 1] != '=' && text[e - 1] != '=' && text[e - 1] != '!' &&
                    text[e - 1] != '<' && text[e - 1] != '>') {
                  debug = true;
                  break;
                }
                if (ch == '#') Fail(t.lineno, "f-string expression part cannot include '#'");
              }
            }
            if (quote) Fail(t.lineno, "f-string: unterminated string");
            if (e >= end) Fail(t.lineno, "f-string: expecting '}'");
            std::string_view expr = text.substr(es, e - es);
            if (expr.find_first_not_of(" \t\n\f") == std::string_view::npos)
              Fail(t.lineno, "f-string: empty expression not allowed");
            // CPython 3.11's fstring_find_expr_location.
            int lines = 0, cols = 0;
            bool newline_after_brace = true;
            for (size_t k = lb + 1; k < end && text[k] != '}' && text[k] != '\n'; ++k) {
              if (text[k] != ' ' && text[k] != '\t' && text[k] != '\f') {
                newline_after_brace = false;
                break;
              }
            }
            if (!newline_after_brace) {
              size_t s = lb;
              while (s > 0 && text[s] != '\n') --s;
              cols += int(lb - s);
              if (text[s] == '\n') cols -= 1;
            }
            for (size_t k = 0; k < lb; ++k) lines += text[k] == '\n';
            int start_line = t.lineno + lines;
            int start_col = lines == 0 ? t.col + cols : cols;
            Node* value = ParseSubExpression311(expr, start_line, start_col, 0);
            auto* fv = New<FormattedValueNode>(Kind::FormattedValue);
            fv->value = value;
            i = e;
            if (debug) {
              ++i;
              while (i < end && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\f')) ++i;
              StrPiece pc;
              pc.text = std::string(text.substr(es, i - es));
              out.push_back(std::move(pc));
            }
            if (i < end && text[i] == '!') {
              ++i;
              if (i >= end || (text[i] != 's' && text[i] != 'r' && text[i] != 'a'))
                Fail(t.lineno, "f-string: invalid conversion character: expected 's', 'r', or 'a'");
              fv->conversion = text[i++];
            }
            if (i < end && text[i] == ':') {
              ++i;
              std::vector<StrPiece> spec;
              parse(i, end, true, spec, depth + 1);
              std::vector<Node*> vals;
              Pos tok_pos{t.lineno, t.col, t.end_lineno, t.end_col};
              for (size_t k = 0; k < spec.size(); ++k) {
                StrPiece& p = spec[k];
                if (p.literal) {
                  auto* c = New<ConstantNode>(Kind::Constant);
                  // 3.11: the literal that ends a spec is placed on the f-string token; every
                  // other part of a spec on the whole string group (-1: filled in later).
                  c->pos = k + 1 == spec.size() ? tok_pos : Pos{-1, 0, 0, 0};
                  c->ck = ConstKind::Str;
                  c->text = a_.copy(p.text);
                  vals.push_back(c);
                } else {
                  p.node->pos = Pos{-1, 0, 0, 0};
                  vals.push_back(p.node);
                }
              }
              auto* js = MakeAt<JoinedStrNode>(Kind::JoinedStr, Pos{t.lineno, t.col, t.end_lineno, t.end_col});
              js->values = ToList(vals);
              fv->format_spec = js;
            }
            if (i >= end || text[i] != '}') Fail(t.lineno, "f-string: expecting '}'");
            ++i;
            if (debug && fv->conversion == -1 && !fv->format_spec) fv->conversion = 'r';
            StrPiece pc;
            pc.literal = false;
            pc.node = fv;
            out.push_back(std::move(pc));
            continue;
          }
          lit += c;
          ++i;
        }
        flush();
      };
  size_t i = body_start;
  std::vector<StrPiece> mine;
  parse(i, body_end, false, mine, 0);
  for (StrPiece& p : mine) pieces.push_back(std::move(p));
}

}  // namespace covalesce::py
