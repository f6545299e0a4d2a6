// The bits of Python's str behaviour that report layouts depend on: len() in code points,
// isprintable() (per Python version: each one ships its own Unicode database), the
// human sort key of misc.py, and markdown escaping.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "covalesce/py_compat.h"
#include "covalesce/report.h"
#include "covalesce/version.h"

namespace covalesce::report {
namespace {

struct PrintableRange {
  uint32_t first, last;
  int minor;
};
constexpr PrintableRange kPrintable[] = {
#include "printable.inc"
};

// Decodes one code point at s[i]; returns its byte length (an invalid byte is one "char").
size_t Decode(std::string_view s, size_t i, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t len = 0;
  uint32_t v = 0, min = 0;
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if ((c & 0xE0) == 0xC0) len = 2, v = c & 0x1F, min = 0x80;
  else if ((c & 0xF0) == 0xE0) len = 3, v = c & 0x0F, min = 0x800;
  else if ((c & 0xF8) == 0xF0) len = 4, v = c & 0x07, min = 0x10000;
  if (len == 0 || i + len > s.size()) {
    *cp = 0xFFFFFFFF;
    return 1;
  }
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) {
      *cp = 0xFFFFFFFF;
      return 1;
    }
    v = (v << 6) | (b(i + k) & 0x3F);
  }
  if (v < min || v > 0x10FFFF) {
    *cp = 0xFFFFFFFF;
    return 1;
  }
  *cp = v;
  return len;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Compares two runs of ASCII digits as integers.
int CompareNumbers(std::string_view a, std::string_view b) {
  auto strip = [](std::string_view s) {
    size_t i = 0;
    while (i + 1 < s.size() && s[i] == '0') ++i;
    return s.substr(i);
  };
  a = strip(a);
  b = strip(b);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0;
}

// re.split(r"(\d+)", s): text chunks at even indexes, digit runs at odd ones, always an odd
// count (the text chunks may be empty).
std::vector<std::string_view> HumanChunks(std::string_view s) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  for (bool digits = false;; digits = !digits) {
    size_t start = pos;
    while (pos < s.size() && IsDigit(s[pos]) == digits) ++pos;
    out.push_back(s.substr(start, pos - start));
    if (pos == s.size() && !digits) break;
  }
  return out;
}

}  // namespace

int PythonMinor(std::string_view version) {
  if (version.size() < 3 || version.substr(0, 2) != "3.") return 0;
  return std::atoi(std::string(version.substr(2)).c_str());
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  uint32_t cp;
  for (size_t i = 0; i < s.size(); i += Decode(s, i, &cp)) ++n;
  return n;
}

bool IsPrintable(uint32_t cp, int minor) {
  if (minor < 11) minor = 11;
  auto it = std::upper_bound(std::begin(kPrintable), std::end(kPrintable), cp,
                             [](uint32_t c, const PrintableRange& r) { return c < r.first; });
  if (it == std::begin(kPrintable)) return false;
  --it;
  return cp <= it->last && it->minor <= minor;
}

std::string NeutralizeControl(std::string_view s, int minor) {
  // Nearly every text (LCOV's branch descriptions, file names) is printable ASCII: as is.
  if (std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; })) return std::string(s);
  std::string out;
  out.reserve(s.size());
  uint32_t cp;
  for (size_t i = 0; i < s.size();) {
    size_t len = Decode(s, i, &cp);
    // An undecodable byte cannot come from a Python str; keep it as it is.
    if (cp == 0xFFFFFFFF || IsPrintable(cp, minor)) out.append(s.substr(i, len));
    else out += '?';
    i += len;
  }
  return out;
}

std::string EscapeMarkdown(std::string_view s) {
  static const std::string_view kPunctuation = "!\"#$%&'()*+:;<=>?@[\\]^_`{|}~";
  return py::BackslashEach(s, kPunctuation);
}

int HumanCompare(std::string_view a, std::string_view b) {
  std::vector<std::string_view> ka = HumanChunks(a), kb = HumanChunks(b);
  for (size_t k = 0; k < ka.size() && k < kb.size(); ++k) {
    int c = k % 2 ? CompareNumbers(ka[k], kb[k]) : ka[k].compare(kb[k]);
    if (c != 0) return c < 0 ? -1 : 1;
  }
  if (ka.size() != kb.size()) return ka.size() < kb.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0;
}

std::string WithErrorSlug(std::string_view message, std::string_view slug) {
  size_t end = message.find_last_not_of('.');
  std::string out(message.substr(0, end == std::string_view::npos ? 0 : end + 1));
  return out + "; see " + kCoverageDocUrl + "/messages.html#error-" + std::string(slug);
}

}  // namespace covalesce::report
