// Python str/int/float/re helpers; see py_compat.h. Each function names the Python behaviour it
// copies, since the texts it produces end up in messages compared byte for byte with coverage.py.
#include "covalesce/py_compat.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include "covalesce/utf8.h"

namespace covalesce::py {
namespace {

bool IsSpace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

bool IsLineBreak(uint32_t cp) {
  return cp == '\n' || cp == '\r' || cp == 0x0B || cp == 0x0C || (cp >= 0x1C && cp <= 0x1E) ||
         cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

// str.isprintable() for non-ASCII code points, approximately: separators, controls, format
// characters, private use and unassigned specials are not printable.
bool IsPrintableNonAscii(uint32_t cp) {
  if (cp <= 0xA0 || cp == 0xAD) return false;
  if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F)) return false;
  if ((cp >= 0x205F && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF) return false;
  if ((cp >= 0xE000 && cp <= 0xF8FF) || (cp >= 0xFFF9 && cp <= 0xFFFB) || (cp >= 0xFFFE && cp <= 0xFFFF))
    return false;
  if (cp >= 0xF0000) return false;
  return true;
}

// True if `s` is a Python decimal digit part: digit (['_'] digit)*.
bool IsDigitPart(std::string_view s) {
  if (s.empty() || s.front() == '_' || s.back() == '_') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      if (s[i + 1] == '_') return false;
    } else if (s[i] < '0' || s[i] > '9') {
      return false;
    }
  }
  return true;
}

std::string WithoutUnderscores(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '_') out += c;
  return out;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return Lower(a) == b;
}

}  // namespace

std::string Repr(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0) {  // an undecodable byte, as Python's surrogateescape shows it
      out += fmt::format("\\udc{:02x}", static_cast<unsigned char>(s[i]));
      ++i;
      continue;
    }
    if (cp == '\\' || cp == static_cast<uint32_t>(quote)) {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp < 0x20 || cp == 0x7F) {
      out += fmt::format("\\x{:02x}", cp);
    } else if (cp < 0x80 || IsPrintableNonAscii(cp)) {
      out.append(s.substr(i, len));
    } else if (cp < 0x100) {
      out += fmt::format("\\x{:02x}", cp);
    } else if (cp < 0x10000) {
      out += fmt::format("\\u{:04x}", cp);
    } else {
      out += fmt::format("\\U{:08x}", cp);
    }
    i += len;
  }
  out += quote;
  return out;
}

std::string FloatRepr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  // Shortest round-trip digits from to_chars ("-1.2345e+06"), laid out as Python's repr: fixed
  // notation for exponents -4..15, else "1.2345e+16". In char buffers: the JSON report calls
  // this for every percentage of every file and region.
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const char* p = buf;
  std::string out;
  out.reserve(32);
  if (*p == '-') out += '-', ++p;
  const char* e = std::find(p, static_cast<const char*>(res.ptr), 'e');
  char digits[32];
  size_t nd = 0;
  for (const char* q = p; q < e && nd < sizeof digits; ++q) {
    if (*q != '.') digits[nd++] = *q;
  }
  int exp = 0;
  std::from_chars(e + 1 + (e[1] == '+'), res.ptr, exp);
  if (exp < -4 || exp >= 16) {
    out += digits[0];
    if (nd > 1) out.append(1, '.').append(digits + 1, nd - 1);
    out += exp < 0 ? "e-" : "e+";
    if (std::abs(exp) < 10) out += '0';
    out += std::to_string(std::abs(exp));
    return out;
  }
  if (exp < 0) return out.append("0.").append(size_t(-exp - 1), '0').append(digits, nd);
  const size_t int_len = size_t(exp) + 1;
  if (nd <= int_len) return out.append(digits, nd).append(int_len - nd, '0').append(".0");
  return out.append(digits, int_len).append(1, '.').append(digits + int_len, nd - int_len);
}

std::string_view Strip(std::string_view s) {
  size_t b = 0;
  while (b < s.size()) {
    uint32_t cp = 0;
    size_t len = DecodeUtf8(s, b, &cp);
    if (len == 0 || !IsSpace(cp)) break;
    b += len;
  }
  return RStrip(s.substr(b));
}

std::string_view RStrip(std::string_view s) {
  size_t b = 0, e = s.size();
  while (e > b) {
    size_t start = e - 1;
    while (start > b && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    uint32_t cp = 0;
    size_t len = DecodeUtf8(s, start, &cp);
    if (len != e - start || !IsSpace(cp)) break;
    e = start;
  }
  return s.substr(b, e - b);
}

std::vector<std::string> SplitLines(std::string_view s) {
  std::vector<std::string> lines;
  size_t start = 0, i = 0;
  while (i < s.size()) {
    uint32_t cp = 0;
    size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0) len = 1, cp = 0xFFFD;
    if (IsLineBreak(cp)) {
      lines.emplace_back(s.substr(start, i - start));
      if (cp == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++len;
      start = i + len;
    }
    i += len;
  }
  if (start < s.size()) lines.emplace_back(s.substr(start));
  return lines;
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t pos; (pos = s.find(sep, start)) != std::string_view::npos; start = pos + 1)
    parts.emplace_back(s.substr(start, pos - start));
  parts.emplace_back(s.substr(start));
  return parts;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::optional<long long> ParseInt(std::string_view s) {
  s = Strip(s);
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) neg = s[0] == '-', s.remove_prefix(1);
  if (!IsDigitPart(s)) return std::nullopt;
  const std::string digits = WithoutUnderscores(s);
  unsigned long long v = 0;
  auto res = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (res.ec != std::errc() || v > static_cast<unsigned long long>(INT64_MAX)) return std::nullopt;
  return neg ? -static_cast<long long>(v) : static_cast<long long>(v);
}

std::optional<double> ParseFloat(std::string_view s) {
  s = Strip(s);
  std::string_view body = s;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) neg = body[0] == '-', body.remove_prefix(1);
  if (EqualsNoCase(body, "inf") || EqualsNoCase(body, "infinity")) return neg ? -INFINITY : INFINITY;
  if (EqualsNoCase(body, "nan")) return neg ? -NAN : NAN;
  std::string_view mant = body, exp;
  if (size_t e = body.find_first_of("eE"); e != std::string_view::npos) {
    mant = body.substr(0, e);
    exp = body.substr(e + 1);
    if (!exp.empty() && (exp[0] == '+' || exp[0] == '-')) exp.remove_prefix(1);
    if (!IsDigitPart(exp)) return std::nullopt;
  }
  const size_t dot = mant.find('.');
  if (dot == std::string_view::npos) {
    if (!IsDigitPart(mant)) return std::nullopt;
  } else {
    std::string_view ip = mant.substr(0, dot), fp = mant.substr(dot + 1);
    if (ip.empty() && fp.empty()) return std::nullopt;
    if ((!ip.empty() && !IsDigitPart(ip)) || (!fp.empty() && !IsDigitPart(fp))) return std::nullopt;
  }
  const std::string text = WithoutUnderscores(body);
  double v = 0;
  auto res = std::from_chars(text.data(), text.data() + text.size(), v);
  if (res.ec == std::errc::result_out_of_range) {
    // Python gives inf for huge values and 0.0 for tiny ones rather than an error.
    const bool tiny = exp.size() < body.size() && body[body.size() - exp.size() - 1] == '-';
    v = tiny ? 0.0 : INFINITY;
  } else if (res.ec != std::errc() || res.ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return neg ? -v : v;
}

std::string BackslashEach(std::string_view s, std::string_view special) {
  std::string out;
  for (char c : s) {
    if (special.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string ReEscape(std::string_view s) {
  static constexpr std::string_view kSpecial = "()[]{}?*+-|^$\\.&~# \t\n\r\v\f";
  return BackslashEach(s, kSpecial);
}

std::optional<size_t> InvalidUtf8At(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0) return i;
    i += len;
  }
  return std::nullopt;
}

}  // namespace covalesce::py
