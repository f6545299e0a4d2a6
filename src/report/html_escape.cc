// The HTML report's text handling: escaping for each place a string lands (element text,
// attribute value, URL, inline script data), coverage.py's page names (files.flat_rootname),
// and syntax highlighting from covalesce's own tokenizer.
//
// Escaping is one pass over UTF-8: the five HTML-significant characters become entities; C0
// controls other than tab and newline, and DEL, become their Control Pictures (U+2400 +
// code, U+2421), so a form feed or an escape sequence in a source line shows as a visible,
// inert glyph; a byte that does not start a valid UTF-8 sequence becomes U+FFFD.
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>

#include "covalesce/utf8.h"
#include "covalesce/python_tokens.h"
#include "covalesce/report_html.h"
#include "covalesce/report_json.h"

namespace covalesce::report {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0.
size_t Utf8Len(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  const size_t left = s.size() - i;
  auto cont = [&](size_t k) { return (b(i + k) & 0xC0) == 0x80; };
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || !cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || !cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;
    if (c == 0xF4 && b(i + 1) >= 0x90) return 0;
    return 4;
  }
  return 0;
}

}  // namespace

namespace {

// Bytes that pass through as they are (printable ASCII but & < > " ', tab, newline): 1.
constexpr auto kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x7F; ++c) t[size_t(c)] = c != '&' && c != '<' && c != '>' && c != '"' && c != '\'';
  t['\t'] = t['\n'] = true;
  return t;
}();

void AppendEscaped(std::string& out, std::string_view text, bool quotes) {
  size_t i = 0, plain = 0;
  auto flush = [&] { out.append(text.data() + plain, i - plain); };
  const size_t n_text = text.size();
  while (i < n_text) {
    while (i < n_text && kPlain[static_cast<unsigned char>(text[i])]) ++i;  // the common case
    if (i == n_text) break;
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const char* rep = nullptr;
    switch (c) {
      case '&': rep = "&amp;"; break;
      case '<': rep = "&lt;"; break;
      case '>': rep = "&gt;"; break;
      case '"': rep = quotes ? "&quot;" : nullptr; break;
      case '\'': rep = quotes ? "&#39;" : nullptr; break;
      default: break;
    }
    if (rep) {
      flush();
      out += rep;
      plain = ++i;
      continue;
    }
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) {
        flush();
        AppendUtf8(out, c == 0x7F ? 0x2421 : 0x2400 + c);
        plain = ++i;
      } else {
        ++i;
      }
      continue;
    }
    size_t n = Utf8Len(text, i);
    if (n == 0) {
      flush();
      out += "\xEF\xBF\xBD";  // U+FFFD
      plain = ++i;
      continue;
    }
    i += n;
  }
  flush();
}

}  // namespace

void AppendHtmlEscaped(std::string& out, std::string_view text) { AppendEscaped(out, text, true); }
void AppendHtmlText(std::string& out, std::string_view text) { AppendEscaped(out, text, false); }

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  AppendHtmlEscaped(out, text);
  return out;
}

std::string UrlEscape(std::string_view name) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(name.size());
  for (unsigned char c : name) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string ScriptJsonString(std::string_view utf8) {
  std::string json;
  AppendJsonString(json, utf8);
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

std::string FlatRootname(std::string_view filename) {
  // ntpath.split(): the drive ("C:"), then everything up to the last / or \ as the head with
  // its trailing separators stripped (unless it is all separators), the rest as the tail.
  auto is_sep = [](char c) { return c == '/' || c == '\\'; };
  std::string_view drive;
  std::string_view p = filename;
  if (p.size() >= 2 && p[1] == ':') {
    drive = p.substr(0, 2);
    p.remove_prefix(2);
  } else if (p.size() >= 2 && is_sep(p[0]) && is_sep(p[1]) && !(p.size() >= 3 && is_sep(p[2]))) {
    // UNC: \\server\share is the drive.
    size_t a = 2;
    while (a < p.size() && !is_sep(p[a])) ++a;
    size_t b = a < p.size() ? a + 1 : a;
    while (b < p.size() && !is_sep(p[b])) ++b;
    if (a < p.size() && b > a + 1) {
      drive = p.substr(0, b);
      p.remove_prefix(b);
    }
  }
  size_t i = p.size();
  while (i > 0 && !is_sep(p[i - 1])) --i;
  std::string_view head = p.substr(0, i), tail = p.substr(i);
  size_t h = head.size();
  while (h > 0 && is_sep(head[h - 1])) --h;
  if (h > 0) head = head.substr(0, h);
  std::string dirname = std::string(drive) + std::string(head);

  std::string out;
  if (!dirname.empty()) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(dirname.data(), dirname.size(), md, &len, EVP_sha3_256(), nullptr);
    char hex[17];
    for (int k = 0; k < 8; ++k) std::snprintf(hex + 2 * k, 3, "%02x", md[k]);
    out = "z_" + std::string(hex, 16) + "_";
  }
  for (char c : tail) out += c == '.' ? '_' : c;
  return out;
}

// ---- highlighting --------------------------------------------------------------------------

void HighlightLines(std::string_view text, int python_minor, std::string& html, std::vector<size_t>& ends) {
  // Lines as coverage.py's source_token_lines() yields them: split at "\n", no empty line
  // after a final newline; tabs expanded to 8 columns (source.expandtabs(8)).
  std::vector<uint32_t> starts;
  for (size_t i = 0; i < text.size();) {
    starts.push_back(uint32_t(i));
    size_t nl = text.find('\n', i);
    if (nl == std::string_view::npos) break;
    i = nl + 1;
  }
  const size_t n_lines = starts.size();

  // The spans worth a colour: keywords, strings, numbers, comments. Everything else (names,
  // operators, whitespace) is plain text, which keeps the pages small.
  struct Span {
    uint32_t start, end;
    char cls;
  };
  std::vector<Span> spans;
  {
    py::PyVersion v = python_minor >= 13 ? py::PyVersion::k313
                      : python_minor == 12 ? py::PyVersion::k312
                                           : py::PyVersion::k311;
    py::TokenStream ts;
    py::SyntaxErrorInfo err;
    py::Tokenize(text, v, ts, err);  // on an error, the tokens before it still colour
    const auto& toks = ts.tokens;
    for (size_t k = 0; k < toks.size(); ++k) {
      const py::Token& t = toks[k];
      if (t.end <= t.start || t.end > text.size()) continue;
      char cls = 0;
      switch (t.kind) {
        case py::Tok::Name:
          if (py::IsHardKeyword(t.kw)) {
            cls = 'k';
          } else if (t.kw == py::Kw::Match || t.kw == py::Kw::Case || t.kw == py::Kw::Type) {
            // A soft keyword where it starts a statement and is followed by an operand.
            bool starts_line = k == 0 || toks[k - 1].kind == py::Tok::Newline ||
                               toks[k - 1].kind == py::Tok::Indent || toks[k - 1].kind == py::Tok::Dedent ||
                               toks[k - 1].kind == py::Tok::NL;
            bool operand = k + 1 < toks.size() &&
                           (toks[k + 1].kind == py::Tok::Name || toks[k + 1].kind == py::Tok::Number ||
                            toks[k + 1].kind == py::Tok::String || toks[k + 1].kind == py::Tok::LSqb ||
                            toks[k + 1].kind == py::Tok::LBrace || toks[k + 1].kind == py::Tok::Minus ||
                            toks[k + 1].kind == py::Tok::FStringStart ||
                            (toks[k + 1].kind == py::Tok::LPar && t.kw != py::Kw::Type));
            if (starts_line && operand) cls = 'k';
          }
          break;
        case py::Tok::String:
        case py::Tok::FStringStart:
        case py::Tok::FStringMiddle:
        case py::Tok::FStringEnd:
          cls = 's';
          break;
        case py::Tok::Number: cls = 'm'; break;
        case py::Tok::Comment: cls = 'c'; break;
        default: break;
      }
      if (!cls) continue;
      if (!spans.empty() && spans.back().cls == cls && spans.back().end == t.start) {
        spans.back().end = t.end;  // adjacent f-string pieces: one span
      } else if (spans.empty() || t.start >= spans.back().end) {
        spans.push_back({t.start, t.end, cls});
      }
    }
  }

  html.reserve(html.size() + text.size() + text.size() / 4);
  ends.reserve(ends.size() + n_lines);
  size_t si = 0;
  for (size_t ln = 0; ln < n_lines; ++ln) {
    const uint32_t ls = starts[ln];
    uint32_t le = ln + 1 < n_lines ? starts[ln + 1] - 1 : uint32_t(text.size());
    if (le > ls && le == text.size() && text[le - 1] == '\n') --le;
    size_t col = 0;  // for tab expansion, in code points
    auto emit = [&](uint32_t a, uint32_t b) {
      std::string_view piece = text.substr(a, b - a);
      if (piece.find('\t') == std::string_view::npos) {
        AppendHtmlText(html, piece);
        for (char c : piece) col += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
        return;
      }
      std::string expanded;
      for (char c : piece) {
        if (c == '\t') {
          size_t to = (col / 8 + 1) * 8;
          expanded.append(to - col, ' ');
          col = to;
        } else {
          expanded += c;
          col += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
        }
      }
      AppendHtmlText(html, expanded);
    };
    while (si < spans.size() && spans[si].end <= ls) ++si;
    uint32_t pos = ls;
    for (size_t k = si; k < spans.size() && spans[k].start < le; ++k) {
      uint32_t a = std::max(spans[k].start, ls), b = std::min(spans[k].end, le);
      if (a > pos) emit(pos, a);
      if (b > a) {
        html += "<span class=";
        html += spans[k].cls;
        html += '>';
        emit(a, b);
        html += "</span>";
      }
      pos = std::max(pos, b);
    }
    if (le > pos) emit(pos, le);
    ends.push_back(html.size());
  }
}

std::vector<std::string> HighlightSource(std::string_view text, int python_minor) {
  std::string html;
  std::vector<size_t> ends;
  HighlightLines(text, python_minor, html, ends);
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t e : ends) {
    out.push_back(html.substr(start, e - start));
    start = e;
  }
  return out;
}

}  // namespace covalesce::report
