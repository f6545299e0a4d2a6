// Source text exactly as coverage.py reads it (python.get_python_source): newline and form
// feed normalisation on the bytes, tokenize.detect_encoding, decode with errors="replace".
#include <algorithm>
#include <cstring>

#include "internal.h"

namespace covalesce::native {
namespace {

enum class Codec { Utf8, Utf8Sig, Latin1, Ascii, Cp1252, Koi8r, Unsupported };

// cp1252 0x80..0x9f (0: undefined, decodes to U+FFFD under "replace").
const uint16_t kCp1252High[32] = {
    0x20ac, 0,      0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017d, 0,      0,      0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
    0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0,      0x017e, 0x0178};

// koi8-r 0x80..0xff.
const uint16_t kKoi8rHigh[128] = {
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

void PutUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

const char kReplacement[] = "\xEF\xBF\xBD";

// The length of the valid UTF-8 sequence at s[i], or 0 with `bad` = the length of the maximal
// invalid subpart (what CPython replaces with one U+FFFD).
size_t Utf8SeqLen(std::string_view s, size_t i, size_t& bad) {
  const unsigned char c = s[i];
  bad = 1;
  if (c < 0x80) return 1;
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) need = 1;
  else if (c == 0xE0) need = 2, lo = 0xA0;
  else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) need = 2;
  else if (c == 0xED) need = 2, hi = 0x9F;
  else if (c == 0xF0) need = 3, lo = 0x90;
  else if (c >= 0xF1 && c <= 0xF3) need = 3;
  else if (c == 0xF4) need = 3, hi = 0x8F;
  else return 0;
  for (size_t k = 1; k <= need; ++k) {
    if (i + k >= s.size()) {
      bad = k;
      return 0;
    }
    const unsigned char d = s[i + k];
    const unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (d < l || d > h) {
      bad = k;
      return 0;
    }
  }
  return need + 1;
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t bad;
    size_t n = Utf8SeqLen(s, i, bad);
    if (!n) return false;
    i += n;
  }
  return true;
}

// The length of the ASCII prefix of s[i..], eight bytes at a time.
size_t AsciiRun(std::string_view s, size_t i) {
  size_t j = i;
  while (j + 8 <= s.size()) {
    uint64_t w;
    std::memcpy(&w, s.data() + j, 8);
    if (w & 0x8080808080808080ull) break;
    j += 8;
  }
  while (j < s.size() && static_cast<unsigned char>(s[j]) < 0x80) ++j;
  return j;
}

void DecodeUtf8Replace(std::string_view s, std::string& out) {
  out.reserve(out.size() + s.size() + 1);
  size_t i = 0;
  while (i < s.size()) {
    // Fast path over ASCII.
    size_t j = AsciiRun(s, i);
    out.append(s.data() + i, j - i);
    i = j;
    if (i >= s.size()) break;
    size_t bad;
    size_t n = Utf8SeqLen(s, i, bad);
    if (n) {
      out.append(s.data() + i, n);
      i += n;
    } else {
      out += kReplacement;
      i += bad;
    }
  }
}

// encodings.normalize_encoding + the aliases covalesce decodes itself.
Codec LookupCodec(std::string_view name) {
  std::string n;
  bool punct = false;
  for (char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.';
    if (alnum) {
      if (punct && !n.empty()) n += '_';
      punct = false;
      n += (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
    } else {
      punct = true;
    }
  }
  static const struct {
    const char* name;
    Codec codec;
  } kNames[] = {
      {"utf_8", Codec::Utf8},           {"utf8", Codec::Utf8},           {"u8", Codec::Utf8},
      {"utf", Codec::Utf8},             {"utf8_ucs2", Codec::Utf8},      {"utf8_ucs4", Codec::Utf8},
      {"cp65001", Codec::Utf8},         {"utf_8_sig", Codec::Utf8Sig},   {"latin_1", Codec::Latin1},
      {"latin1", Codec::Latin1},        {"iso_8859_1", Codec::Latin1},   {"iso8859_1", Codec::Latin1},
      {"8859", Codec::Latin1},          {"cp819", Codec::Latin1},        {"latin", Codec::Latin1},
      {"l1", Codec::Latin1},            {"iso_ir_100", Codec::Latin1},   {"iso_8859_1_1987", Codec::Latin1},
      {"csisolatin1", Codec::Latin1},   {"ibm819", Codec::Latin1},       {"ascii", Codec::Ascii},
      {"us_ascii", Codec::Ascii},       {"646", Codec::Ascii},           {"us", Codec::Ascii},
      {"ansi_x3.4_1968", Codec::Ascii}, {"ansi_x3_4_1968", Codec::Ascii}, {"ansi_x3.4_1986", Codec::Ascii},
      {"cp367", Codec::Ascii},          {"csascii", Codec::Ascii},       {"ibm367", Codec::Ascii},
      {"iso646_us", Codec::Ascii},      {"iso_646.irv_1991", Codec::Ascii}, {"iso_ir_6", Codec::Ascii},
      {"cp1252", Codec::Cp1252},        {"windows_1252", Codec::Cp1252}, {"koi8_r", Codec::Koi8r},
      {"cskoi8r", Codec::Koi8r},
  };
  for (const auto& k : kNames) {
    if (n == k.name) return k.codec;
  }
  return Codec::Unsupported;
}

// tokenize._get_normal_name.
std::string NormalName(std::string_view orig) {
  std::string enc;
  for (size_t i = 0; i < orig.size() && i < 12; ++i) {
    char c = orig[i];
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    enc += c == '_' ? '-' : c;
  }
  auto starts = [&](const char* p) { return enc.rfind(p, 0) == 0; };
  if (enc == "utf-8" || starts("utf-8-")) return "utf-8";
  if (enc == "latin-1" || enc == "iso-8859-1" || enc == "iso-latin-1" || starts("latin-1-") ||
      starts("iso-8859-1-") || starts("iso-latin-1-"))
    return "iso-8859-1";
  return std::string(orig);
}

bool IsWordAscii(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// cookie_re = r'^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)' (re.ASCII), on one line.
std::optional<std::string> MatchCookie(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\f')) ++i;
  if (i >= line.size() || line[i] != '#') return std::nullopt;
  // `.*?` does not cross a newline; the line holds at most its own final "\n".
  size_t end = line.find('\n', i);
  if (end == std::string_view::npos) end = line.size();
  for (size_t p = i + 1; p + 7 <= end; ++p) {
    if (line.compare(p, 6, "coding") != 0 || (line[p + 6] != ':' && line[p + 6] != '=')) continue;
    size_t q = p + 7;
    while (q < end && (line[q] == ' ' || line[q] == '\t')) ++q;
    size_t r = q;
    while (r < end && (IsWordAscii(line[r]) || line[r] == '-' || line[r] == '.')) ++r;
    if (r > q) return std::string(line.substr(q, r - q));
  }
  return std::nullopt;
}

// blank_re = br'^[ \t\f]*(?:[#\r\n]|$)'
bool IsBlankLine(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\f')) ++i;
  return i == line.size() || line[i] == '#' || line[i] == '\r' || line[i] == '\n';
}

}  // namespace

DecodeStatus DecodeLikeCoverage(std::string_view raw, CoverageSource& out, std::string& why) {
  // read_python_source: \r\n -> \n, then \r -> \n; then \f -> " ". Most files have neither.
  std::string copy;
  std::string_view bytes = raw;
  if (std::memchr(raw.data(), '\r', raw.size()) || std::memchr(raw.data(), '\f', raw.size())) {
    copy.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
      char c = raw[i];
      if (c == '\r') {
        if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
        c = '\n';
      } else if (c == '\f') {
        c = ' ';
      }
      copy += c;
    }
    bytes = copy;
  }

  // tokenize.detect_encoding over bytes.splitlines(True).
  std::string_view all(bytes);
  auto line_at = [&](size_t start) {
    if (start >= all.size()) return std::string_view();
    size_t nl = all.find('\n', start);
    return all.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl + 1 - start);
  };
  bool bom = false;
  std::string encoding = "utf-8";
  std::string_view first = line_at(0);
  size_t body = 0;
  if (first.size() >= 3 && first.compare(0, 3, "\xEF\xBB\xBF") == 0) {
    bom = true;
    first.remove_prefix(3);
    encoding = "utf-8-sig";
  }
  auto find_cookie = [&](std::string_view line, std::optional<std::string>& found) -> DecodeStatus {
    if (!IsValidUtf8(line)) {
      why = "invalid or missing encoding declaration";
      return DecodeStatus::kSyntaxError;
    }
    auto name = MatchCookie(line);
    if (!name) return DecodeStatus::kOk;
    std::string enc = NormalName(*name);
    if (LookupCodec(enc) == Codec::Unsupported) {
      why = "encoding '" + enc + "' is not decoded natively";
      return DecodeStatus::kUnsupported;
    }
    if (bom) {
      if (enc != "utf-8") {
        why = "encoding problem: utf-8";
        return DecodeStatus::kSyntaxError;
      }
      enc += "-sig";
    }
    found = enc;
    return DecodeStatus::kOk;
  };
  if (!first.empty()) {
    std::optional<std::string> cookie;
    DecodeStatus st = find_cookie(first, cookie);
    if (st != DecodeStatus::kOk) return st;
    if (cookie) {
      encoding = *cookie;
    } else if (IsBlankLine(first)) {
      std::string_view second = line_at((bom ? 3 : 0) + first.size());
      if (!second.empty()) {
        st = find_cookie(second, cookie);
        if (st != DecodeStatus::kOk) return st;
        if (cookie) encoding = *cookie;
      }
    }
  }
  out.encoding = encoding;

  // source_bytes.decode(encoding, "replace")
  std::string& text = out.text;
  text.clear();
  switch (LookupCodec(encoding)) {
    case Codec::Utf8Sig:
      if (all.size() >= 3 && all.compare(0, 3, "\xEF\xBB\xBF") == 0) body = 3;
      DecodeUtf8Replace(all.substr(body), text);
      break;
    case Codec::Utf8:
      DecodeUtf8Replace(all, text);
      break;
    case Codec::Latin1:
      for (unsigned char c : all) PutUtf8(text, c);
      break;
    case Codec::Ascii:
      for (unsigned char c : all) {
        if (c < 0x80) text += char(c);
        else text += kReplacement;
      }
      break;
    case Codec::Cp1252:
      for (unsigned char c : all) {
        if (c >= 0x80 && c < 0xA0) {
          if (kCp1252High[c - 0x80]) PutUtf8(text, kCp1252High[c - 0x80]);
          else text += kReplacement;
        } else {
          PutUtf8(text, c);
        }
      }
      break;
    case Codec::Koi8r:
      for (unsigned char c : all) PutUtf8(text, c < 0x80 ? c : kKoi8rHigh[c - 0x80]);
      break;
    case Codec::Unsupported:
      why = "encoding '" + encoding + "' is not decoded natively";
      return DecodeStatus::kUnsupported;
  }
  if (!text.empty() && text.back() != '\n') text += '\n';
  return DecodeStatus::kOk;
}

int CountSplitLines(std::string_view t) {
  // Usually only "\n" ends lines: count those when no rarer boundary byte is present.
  bool rare = false;
  for (unsigned char c : {0x0b, 0x0d, 0x1c, 0x1d, 0x1e, 0xc2, 0xe2}) {
    if (std::memchr(t.data(), c, t.size())) {
      rare = true;
      break;
    }
  }
  if (!rare) {
    int n = 0;
    for (const char* p = t.data(); (p = static_cast<const char*>(std::memchr(p, '\n', size_t(t.data() + t.size() - p))));
         ++p)
      ++n;
    return n + (!t.empty() && t.back() != '\n' ? 1 : 0);
  }
  int lines = 0;
  bool open = false;  // a line has started and not ended
  for (size_t i = 0; i < t.size(); ++i) {
    const unsigned char c = t[i];
    size_t boundary = 0;
    if (c == '\n' || c == '\v' || c == 0x1c || c == 0x1d || c == 0x1e) boundary = 1;
    else if (c == '\r') boundary = (i + 1 < t.size() && t[i + 1] == '\n') ? 2 : 1;
    else if (c == 0xC2 && i + 1 < t.size() && static_cast<unsigned char>(t[i + 1]) == 0x85) boundary = 2;
    else if (c == 0xE2 && i + 2 < t.size() && static_cast<unsigned char>(t[i + 1]) == 0x80 &&
             (static_cast<unsigned char>(t[i + 2]) == 0xA8 || static_cast<unsigned char>(t[i + 2]) == 0xA9))
      boundary = 3;
    if (boundary) {
      ++lines;
      open = false;
      i += boundary - 1;
    } else {
      open = true;
    }
  }
  return lines + (open ? 1 : 0);
}

std::string PyRepr(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char q = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, q);
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = s[i];
    if (c == q || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += char(c);
    }
  }
  out += q;
  return out;
}

}  // namespace covalesce::native
