// Source text exactly as coverage.py reads it (python.get_python_source): newline and form
// feed normalisation on the bytes, tokenize.detect_encoding, decode with errors="replace".
#include <algorithm>
#include <cstring>

#include "covalesce/kernels.h"
#include "covalesce/python_codecs.h"
#include "covalesce/utf8.h"
#include "internal.h"

namespace covalesce::native {
namespace {

using py::CodecKind;
using py::CodecRef;
using py::LookupCodec;

const char kReplacement[] = "\xEF\xBF\xBD";

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t bad;
    size_t n = Utf8SequenceLength(s, i, bad);
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
    size_t n = Utf8SequenceLength(s, i, bad);
    if (n) {
      out.append(s.data() + i, n);
      i += n;
    } else {
      out += kReplacement;
      i += bad;
    }
  }
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
    std::string enc = py::NormalCookieName(*name);
    if (LookupCodec(enc).kind == CodecKind::Unknown) {
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
  const CodecRef codec = LookupCodec(encoding);
  switch (codec.kind) {
    case CodecKind::Utf8Sig:
      if (all.size() >= 3 && all.compare(0, 3, "\xEF\xBB\xBF") == 0) body = 3;
      DecodeUtf8Replace(all.substr(body), text);
      break;
    case CodecKind::Utf8:
      DecodeUtf8Replace(all, text);
      break;
    case CodecKind::Latin1:
      for (unsigned char c : all) AppendUtf8(text, c);
      break;
    case CodecKind::Ascii:
      for (unsigned char c : all) {
        if (c < 0x80) text += char(c);
        else text += kReplacement;
      }
      break;
    case CodecKind::Table:
      for (unsigned char c : all) {
        if (c < 0x80) text += char(c);
        else if (codec.high[c - 0x80]) AppendUtf8(text, codec.high[c - 0x80]);
        else text += kReplacement;
      }
      break;
    case CodecKind::Unknown:
      why = "encoding '" + encoding + "' is not decoded natively";
      return DecodeStatus::kUnsupported;
  }
  if (!text.empty() && text.back() != '\n') text += '\n';
  return DecodeStatus::kOk;
}

std::vector<std::string> SplitLines(std::string_view t) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    const unsigned char c = t[i];
    size_t boundary = 0;
    if (c == '\n' || c == '\v' || c == '\f' || c == 0x1c || c == 0x1d || c == 0x1e) boundary = 1;
    else if (c == '\r') boundary = (i + 1 < t.size() && t[i + 1] == '\n') ? 2 : 1;
    else if (c == 0xC2 && i + 1 < t.size() && static_cast<unsigned char>(t[i + 1]) == 0x85) boundary = 2;
    else if (c == 0xE2 && i + 2 < t.size() && static_cast<unsigned char>(t[i + 1]) == 0x80 &&
             (static_cast<unsigned char>(t[i + 2]) == 0xA8 || static_cast<unsigned char>(t[i + 2]) == 0xA9))
      boundary = 3;
    if (!boundary) continue;
    lines.emplace_back(t.substr(start, i - start));
    i += boundary - 1;
    start = i + 1;
  }
  if (start < t.size()) lines.emplace_back(t.substr(start));
  return lines;
}

int CountSplitLines(std::string_view t) {
  // Usually only "\n" ends lines: count those when no rarer boundary byte is present.
  bool rare = false;
  const size_t newlines = kernels::CountNewlines(reinterpret_cast<const uint8_t*>(t.data()), t.size(), &rare);
  if (t.empty()) return 0;
  if (!rare) return int(newlines) + (t.back() != '\n' ? 1 : 0);
  // The boundaries cannot overlap (\r\n is one, counted by its \n), so their number is the
  // sum of each one's occurrences; each rare lead byte is found with memchr.
  auto occurrences = [&](char lead, auto&& is_boundary) {
    size_t n = 0;
    for (const char* p = t.data(); (p = static_cast<const char*>(std::memchr(p, lead, size_t(t.data() + t.size() - p)))); ++p)
      n += is_boundary(std::string_view(p, size_t(t.data() + t.size() - p)));
    return n;
  };
  auto always = [](std::string_view) { return true; };
  size_t lines = newlines;
  for (char c : {'\v', '\x1c', '\x1d', '\x1e'}) lines += occurrences(c, always);
  lines += occurrences('\r', [](std::string_view at) { return at.size() == 1 || at[1] != '\n'; });
  lines += occurrences('\xc2', [](std::string_view at) { return at.starts_with("\xc2\x85"); });
  lines += occurrences('\xe2', [](std::string_view at) {
    return at.starts_with("\xe2\x80\xa8") || at.starts_with("\xe2\x80\xa9");
  });
  // A last line without a boundary after it counts too.
  const std::string_view last3 = t.substr(t.size() - std::min<size_t>(3, t.size()));
  const bool ends_with_boundary = std::string_view("\n\v\r\x1c\x1d\x1e").find(t.back()) != std::string_view::npos ||
                                  last3.ends_with("\xc2\x85") || last3 == "\xe2\x80\xa8" || last3 == "\xe2\x80\xa9";
  return int(lines) + (ends_with_boundary ? 0 : 1);
}

}  // namespace covalesce::native
