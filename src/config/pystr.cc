// Python-compatible repr() and plural(), so messages match coverage.py's byte for byte.
#include "covalesce/pystr.h"

#include <cstdio>

namespace covalesce {

std::string PyRepr(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c == quote) {
          out += '\\';
          out += char(c);
        } else if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += char(c);  // UTF-8 bytes of printable characters pass through
        }
    }
  }
  out += quote;
  return out;
}

std::string Plural(size_t n, std::string_view thing) {
  std::string out = std::to_string(n) + " " + std::string(thing);
  if (n != 1) out += "s";
  return out;
}

}  // namespace covalesce
