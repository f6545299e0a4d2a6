// JSON string literals: the short escapes that every writer of one uses (the analysis cache,
// the JSON report), and reading back a literal that covalesce or Python's json module wrote
// (the HTML report's manifest, `verify`'s comparison of JSON reports).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "covalesce/utf8.h"

namespace covalesce {

// JSON's two-character escape for the code point, as Python's json module writes it, or
// nullptr where it has none (other control characters are written as \u00XX).
inline const char* JsonShortEscape(uint32_t cp) {
  switch (cp) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '\b': return "\\b";
    case '\f': return "\\f";
    default: return nullptr;
  }
}

// What an escaped lone surrogate \udc80-\udcff (the way Python's surrogateescape keeps a byte
// that is not UTF-8) decodes to.
enum class EscapedByte {
  kSurrogate,  // the surrogate itself, in WTF-8: byte order stays Python's str order
  kByte,       // the byte it stands for: the text is a file name again
};

// The JSON string body starting at text[i] (just after its opening quote), decoded to UTF-8;
// `i` ends just after the closing quote. nullopt where the string is not closed or a \u
// escape is not four hex digits.
inline std::optional<std::string> JsonUnquote(std::string_view text, size_t& i, EscapedByte escaped_byte) {
  std::string out;
  auto hex4 = [&](size_t at, uint32_t& v) {
    if (at + 4 > text.size()) return false;
    v = 0;
    for (size_t k = at; k < at + 4; ++k) {
      char c = text[k];
      v = v * 16 + uint32_t(c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                                 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99);
      if (v > 0xFFFF) return false;
    }
    return true;
  };
  while (i < text.size()) {
    char c = text[i++];
    if (c == '"') return out;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (i >= text.size()) return std::nullopt;
    char e = text[i++];
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        uint32_t cp;
        if (!hex4(i, cp)) return std::nullopt;
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && text.compare(i, 2, "\\u") == 0) {
          uint32_t lo;
          if (hex4(i + 2, lo) && lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
        }
        if (escaped_byte == EscapedByte::kByte && cp >= 0xDC80 && cp <= 0xDCFF) {
          out += char(cp - 0xDC00);
        } else {
          AppendUtf8(out, cp);
        }
        break;
      }
      default: out += e; break;  // \" \\ \/
    }
  }
  return std::nullopt;
}

}  // namespace covalesce
