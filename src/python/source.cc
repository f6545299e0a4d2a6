// Source decoding as CPython's tokenizer does it before tokenizing: a UTF-8 BOM, a PEP 263
// coding cookie on line 1 (or on line 2 when line 1 is blank or a comment), and universal
// newlines. Single-byte codecs are table driven (include/covalesce/python_codecs.h); a codec
// outside the table is refused the way CPython refuses an unknown one, so covalesce never
// guesses at a file's text.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>

#include "covalesce/python_codecs.h"
#include "covalesce/utf8.h"
#include "covalesce/python_tokens.h"

namespace covalesce::py {
namespace {

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
    name = NormalCookieName(line.substr(b, j - b));
    return true;
  }
  return false;
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
  CodecRef codec{CodecKind::Utf8, nullptr};
  out.encoding = "utf-8";
  if (found) {
    codec = LookupCodec(cookie);
    out.encoding = cookie;
    if (codec.kind == CodecKind::Unknown) {
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
  out.undecodable.clear();
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  const size_t n = raw.size();
  // The next byte at or after j that is not copied as it is: '\r', NUL or a non-ASCII byte.
  // Eight bytes at a time: sources are mostly ASCII with "\n" line ends, and the byte loop
  // this replaces was most of decoding's time.
  auto next_special = [&](size_t j) {
    constexpr uint64_t k01 = 0x0101010101010101ULL, k80 = 0x8080808080808080ULL;
    for (; j + 8 <= n; j += 8) {
      uint64_t x;
      std::memcpy(&x, p + j, 8);
      const uint64_t cr = x ^ (k01 * '\r');
      if ((((x - k01) & ~x) | ((cr - k01) & ~cr) | x) & k80) break;  // a NUL, a '\r' or a high bit
    }
    while (j < n && p[j] != '\r' && p[j] != 0 && p[j] < 0x80) ++j;
    return j;
  };
  // The line of the byte about to be decoded, counted only when an undecodable byte needs it.
  size_t counted = 0;
  int line = 1;
  auto line_here = [&] {
    line += int(std::count(t.begin() + std::ptrdiff_t(counted), t.end(), '\n'));
    counted = t.size();
    return line;
  };
  for (size_t i = 0; i < n;) {
    const size_t j = next_special(i);
    t.append(raw.data() + i, j - i);
    i = j;
    if (i == n) break;
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
    switch (codec.kind) {
      case CodecKind::Utf8:
      case CodecKind::Utf8Sig: {
        size_t bad;
        size_t len = Utf8SequenceLength(raw, i, bad);
        if (len == 0) {
          // CPython decodes UTF-8 token by token: bytes that are not UTF-8 are an error only
          // in a token (ParseModule checks), never in a comment.
          out.undecodable.push_back({uint32_t(t.size()), line_here()});
          t += "\xEF\xBF\xBD";
          i += bad;
          continue;
        }
        t.append(raw.data() + i, len);
        i += len;
        continue;
      }
      case CodecKind::Latin1:
        AppendUtf8(t, c);
        break;
      case CodecKind::Ascii:
        err = {0, 0, "(unicode error) 'ascii' codec can't decode byte"};  // CPython: line 0
        return false;
      case CodecKind::Table:
        // A cookie's codec decodes the whole file before tokenizing: an undefined byte is an
        // error wherever it is, and CPython reports it on line 0.
        if (codec.high[c - 0x80] == 0) {
          err = {0, 0, "(unicode error) 'charmap' codec can't decode byte"};
          return false;
        }
        AppendUtf8(t, codec.high[c - 0x80]);
        break;
      case CodecKind::Unknown:
        break;
    }
    ++i;
  }
  return true;
}

}  // namespace covalesce::py
