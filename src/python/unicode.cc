// The Unicode side of identifiers: which non-ASCII characters may start or continue a name
// (CPython rejects others with "invalid character"), and the NFKC normalisation CPython
// applies to every non-ASCII identifier (so `ｗｉｄｔｈ` is the name `width`). Tables are
// generated from unicodedata into unicode_ident.inc; normalisation maps one character at a
// time, which is NFKC for identifiers without combining sequences.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "unicode.h"

namespace covalesce::py {
namespace {
struct Range {
  uint32_t lo, hi;
};
const Range kStart[] = {
#define COVALESCE_ID_START
#include "unicode_ident.inc"
#undef COVALESCE_ID_START
};
const Range kContinue[] = {
#define COVALESCE_ID_CONTINUE
#include "unicode_ident.inc"
#undef COVALESCE_ID_CONTINUE
};
struct Nfkc {
  uint32_t cp;
  const char* utf8;
};
const Nfkc kNfkc[] = {
#define COVALESCE_NFKC
#include "unicode_ident.inc"
#undef COVALESCE_NFKC
};

bool InRanges(const Range* b, const Range* e, uint32_t cp) {
  auto it = std::upper_bound(b, e, cp, [](uint32_t v, const Range& r) { return v < r.lo; });
  return it != b && cp <= (it - 1)->hi;
}
}  // namespace

bool IsIdStartCp(uint32_t cp) { return InRanges(std::begin(kStart), std::end(kStart), cp); }
bool IsIdContinueCp(uint32_t cp) { return InRanges(std::begin(kContinue), std::end(kContinue), cp); }

uint32_t DecodeUtf8At(std::string_view s, size_t& i) {
  auto c = (unsigned char)s[i];
  if (c < 0x80) return s[i++], c;
  int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
  uint32_t cp = c & (n == 4 ? 7 : n == 3 ? 15 : 31);
  for (int k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | ((unsigned char)s[i + k] & 63);
  i += n;
  return cp;
}

std::string NfkcIdentifier(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    size_t b = i;
    uint32_t cp = DecodeUtf8At(s, i);
    auto it = std::lower_bound(std::begin(kNfkc), std::end(kNfkc), cp,
                               [](const Nfkc& e, uint32_t v) { return e.cp < v; });
    if (it != std::end(kNfkc) && it->cp == cp) out += it->utf8;
    else out.append(s.substr(b, i - b));
  }
  return out;
}

}  // namespace covalesce::py
