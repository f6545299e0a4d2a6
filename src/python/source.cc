// Source decoding as CPython's tokenizer does it before tokenizing: a UTF-8 BOM, a PEP 263
// coding cookie on line 1 (or on line 2 when line 1 is blank or a comment), and universal
// newlines. Single-byte codecs are table driven; a codec outside the table is refused the way
// CPython refuses an unknown one, so covalesce never guesses at a file's text.
#include <cstring>

#include "covalesce/utf8.h"
#include "covalesce/python_tokens.h"

namespace covalesce::py {
namespace {

const uint16_t kCp1252[128] = {
    0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039,
    0x0152, 0, 0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc,
    0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178};  // 0xa0.. are latin-1 (filled below)
const uint16_t kKoi8r[128] = {
    0x2500, 0x2502, 0x250c, 0x2510, 0x2514, 0x2518, 0x251c, 0x2524, 0x252c, 0x2534, 0x253c,
    0x2580, 0x2584, 0x2588, 0x258c, 0x2590, 0x2591, 0x2592, 0x2593, 0x2320, 0x25a0, 0x2219,
    0x221a, 0x2248, 0x2264, 0x2265, 0x00a0, 0x2321, 0x00b0, 0x00b2, 0x00b7, 0x00f7, 0x2550,
    0x2551, 0x2552, 0x0451, 0x2553, 0x2554, 0x2555, 0x2556, 0x2557, 0x2558, 0x2559, 0x255a,
    0x255b, 0x255c, 0x255d, 0x255e, 0x255f, 0x2560, 0x2561, 0x0401, 0x2562, 0x2563, 0x2564,
    0x2565, 0x2566, 0x2567, 0x2568, 0x2569, 0x256a, 0x256b, 0x256c, 0x00a9, 0x044e, 0x0430,
    0x0431, 0x0446, 0x0434, 0x0435, 0x0444, 0x0433, 0x0445, 0x0438, 0x0439, 0x043a, 0x043b,
    0x043c, 0x043d, 0x043e, 0x043f, 0x044f, 0x0440, 0x0441, 0x0442, 0x0443, 0x0436, 0x0432,
    0x044c, 0x044b, 0x0437, 0x0448, 0x044d, 0x0449, 0x0447, 0x044a, 0x042e, 0x0410, 0x0411,
    0x0426, 0x0414, 0x0415, 0x0424, 0x0413, 0x0425, 0x0418, 0x0419, 0x041a, 0x041b, 0x041c,
    0x041d, 0x041e, 0x041f, 0x042f, 0x0420, 0x0421, 0x0422, 0x0423, 0x0416, 0x0412, 0x042c,
    0x042b, 0x0417, 0x0428, 0x042d, 0x0429, 0x0427, 0x042a};

enum class Codec { Utf8, Latin1, Ascii, Cp1252, Koi8r, Unknown };

// Python's codec lookup normalisation, then the aliases covalesce knows.
Codec LookupCodec(std::string name) {
  for (char& c : name) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    if (c == '-' || c == ' ') c = '_';
  }
  static const struct { const char* name; Codec codec; } kAliases[] = {
      {"utf_8", Codec::Utf8},       {"utf8", Codec::Utf8},        {"u8", Codec::Utf8},
      {"utf", Codec::Utf8},         {"utf8_ucs2", Codec::Utf8},   {"utf8_ucs4", Codec::Utf8},
      {"cp65001", Codec::Utf8},     {"latin_1", Codec::Latin1},   {"latin1", Codec::Latin1},
      {"iso_8859_1", Codec::Latin1}, {"iso8859_1", Codec::Latin1}, {"8859", Codec::Latin1},
      {"cp819", Codec::Latin1},     {"latin", Codec::Latin1},     {"l1", Codec::Latin1},
      {"iso_ir_100", Codec::Latin1}, {"iso_8859_1:1987", Codec::Latin1},
      {"ascii", Codec::Ascii},      {"us_ascii", Codec::Ascii},   {"646", Codec::Ascii},
      {"us", Codec::Ascii},         {"cp1252", Codec::Cp1252},    {"windows_1252", Codec::Cp1252},
      {"koi8_r", Codec::Koi8r},
  };
  for (const auto& a : kAliases) {
    if (name == a.name) return a.codec;
  }
  return Codec::Unknown;
}

// CPython's get_normal_name: the spellings that mean utf-8 or latin-1 outright.
std::string NormalName(const std::string& s) {
  std::string low;
  for (size_t i = 0; i < s.size() && i < 12; ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    low += c == '_' ? '-' : c;
  }
  auto is = [&](const char* n) {
    size_t len = std::strlen(n);
    return low == n || (low.compare(0, len, n) == 0 && low.size() > len && low[len] == '-');
  };
  if (is("utf-8")) return "utf-8";
  if (is("latin-1") || is("iso-8859-1") || is("iso-latin-1")) return "iso-8859-1";
  return s;
}

// The cookie of one line, if it is a comment line that has one. `comment_or_blank` says
// whether the line holds nothing but whitespace and a comment.
bool FindCookie(std::string_view line, std::string& name, bool& comment_or_blank) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\f')) ++i;
  comment_or_blank = i >= line.size() || line[i] == '#' || line[i] == '\n' || line[i] == '\r';
  if (i >= line.size() || line[i] != '#') return false;
  for (size_t k = i; k + 6 < line.size(); ++k) {
    if (line.compare(k, 6, "coding") != 0) continue;
    size_t j = k + 6;
    if (line[j] != ':' && line[j] != '=') continue;
    ++j;
    while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
    size_t b = j;
    while (j < line.size() && (isalnum((unsigned char)line[j]) || line[j] == '-' ||
                               line[j] == '_' || line[j] == '.'))
      ++j;
    if (j == b) continue;
    name = NormalName(std::string(line.substr(b, j - b)));
    return true;
  }
  return false;
}

int LineOf(std::string_view s, size_t pos) {
  int line = 1;
  for (size_t i = 0; i < pos && i < s.size(); ++i) {
    if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n'))) ++line;
  }
  return line;
}

// Length of a valid UTF-8 sequence at p (strict: no surrogates, no overlongs), or 0.
size_t Utf8Len(const unsigned char* p, size_t left) {
  unsigned c = p[0];
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07;
  else return 0;
  if (left < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return n;
}

}  // namespace

bool DecodeSource(std::string_view raw, PyVersion version, DecodedSource& out, SyntaxErrorInfo& err) {
  bool bom = raw.size() >= 3 && raw.compare(0, 3, "\xEF\xBB\xBF") == 0;
  if (bom) raw.remove_prefix(3);
  // The cookie: line 1, else line 2 when line 1 is only a comment or blank.
  std::string cookie;
  size_t eol1 = raw.find_first_of("\r\n");
  std::string_view line1 = raw.substr(0, eol1 == std::string_view::npos ? raw.size() : eol1 + 1);
  bool blank1 = false, found = FindCookie(line1, cookie, blank1);
  if (!found && blank1 && line1.size() < raw.size()) {
    std::string_view rest = raw.substr(line1.size());
    if (!rest.empty() && rest[0] == '\n' && !line1.empty() && line1.back() == '\r') rest.remove_prefix(1);
    size_t eol2 = rest.find_first_of("\r\n");
    bool blank2 = false;
    found = FindCookie(rest.substr(0, eol2 == std::string_view::npos ? rest.size() : eol2 + 1),
                       cookie, blank2);
  }
  Codec codec = Codec::Utf8;
  out.encoding = "utf-8";
  if (found) {
    codec = LookupCodec(cookie);
    out.encoding = cookie;
    if (codec == Codec::Unknown) {
      err = {0, 0, "unknown encoding: " + cookie};
      return false;
    }
    if (bom && cookie != "utf-8") {
      err = {0, 0, "encoding problem: " + cookie + " with BOM"};
      return false;
    }
  }
  std::string& t = out.text;
  t.clear();
  t.reserve(raw.size() + 1);
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  size_t n = raw.size();
  for (size_t i = 0; i < n;) {
    unsigned c = p[i];
    if (c == '\r') {
      t += '\n';
      i += (i + 1 < n && p[i + 1] == '\n') ? 2 : 1;
      continue;
    }
    if (c == 0) {
      err = {-1, 0, "source code cannot contain null bytes"};  // CPython gives no line
      return false;
    }
    if (c < 0x80) {
      t += char(c);
      ++i;
      continue;
    }
    switch (codec) {
      case Codec::Utf8: {
        size_t len = Utf8Len(p + i, n - i);
        if (len == 0) {
          err = {LineOf(raw, i), 0, "(unicode error) 'utf-8' codec can't decode byte"};
          return false;
        }
        t.append(raw.data() + i, len);
        i += len;
        continue;
      }
      case Codec::Latin1:
        AppendUtf8(t, c);
        break;
      case Codec::Ascii:
        err = {LineOf(raw, i), 0, "(unicode error) 'ascii' codec can't decode byte"};
        return false;
      case Codec::Cp1252: {
        uint32_t cp = c >= 0xA0 ? c : kCp1252[c - 0x80];
        if (cp == 0) {
          err = {LineOf(raw, i), 0, "(unicode error) 'charmap' codec can't decode byte"};
          return false;
        }
        AppendUtf8(t, cp);
        break;
      }
      case Codec::Koi8r:
        AppendUtf8(t, kKoi8r[c - 0x80]);
        break;
      case Codec::Unknown:
        break;
    }
    ++i;
  }
  return true;
}

}  // namespace covalesce::py
