// Codec lookup by name, for PEP 263 cookies (include/covalesce/python_codecs.h).
#include <string>

#include "covalesce/python_codecs.h"

namespace covalesce::py {
namespace {
#include "codecs.inc"
}  // namespace

std::string NormalCookieName(std::string_view name) {
  std::string low;  // the first 12 characters, lower case, '_' as '-'
  for (size_t i = 0; i < name.size() && i < 12; ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    low += c == '_' ? '-' : c;
  }
  auto is = [&](std::string_view n) {  // the name, or the name and a '-' suffix
    return low == n || (low.size() > n.size() && low.compare(0, n.size(), n) == 0 && low[n.size()] == '-');
  };
  if (is("utf-8")) return "utf-8";
  if (is("latin-1") || is("iso-8859-1") || is("iso-latin-1")) return "iso-8859-1";
  return std::string(name);
}

CodecRef LookupCodec(std::string_view name) {
  // encodings.normalize_encoding: runs of characters other than alphanumerics and '.' become
  // one '_' (none leading), then lower case as the search function does.
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
    CodecKind kind;
  } kNames[] = {
      {"utf_8", CodecKind::Utf8},           {"utf8", CodecKind::Utf8},            {"u8", CodecKind::Utf8},
      {"utf", CodecKind::Utf8},             {"utf8_ucs2", CodecKind::Utf8},       {"utf8_ucs4", CodecKind::Utf8},
      {"cp65001", CodecKind::Utf8},         {"utf_8_sig", CodecKind::Utf8Sig},    {"latin_1", CodecKind::Latin1},
      {"latin1", CodecKind::Latin1},        {"iso_8859_1", CodecKind::Latin1},    {"iso8859_1", CodecKind::Latin1},
      {"8859", CodecKind::Latin1},          {"cp819", CodecKind::Latin1},         {"latin", CodecKind::Latin1},
      {"l1", CodecKind::Latin1},            {"iso_ir_100", CodecKind::Latin1},    {"iso_8859_1_1987", CodecKind::Latin1},
      {"csisolatin1", CodecKind::Latin1},   {"ibm819", CodecKind::Latin1},        {"ascii", CodecKind::Ascii},
      {"us_ascii", CodecKind::Ascii},       {"646", CodecKind::Ascii},            {"us", CodecKind::Ascii},
      {"ansi_x3.4_1968", CodecKind::Ascii}, {"ansi_x3_4_1968", CodecKind::Ascii}, {"ansi_x3.4_1986", CodecKind::Ascii},
      {"cp367", CodecKind::Ascii},          {"csascii", CodecKind::Ascii},        {"ibm367", CodecKind::Ascii},
      {"iso646_us", CodecKind::Ascii},      {"iso_646.irv_1991", CodecKind::Ascii}, {"iso_ir_6", CodecKind::Ascii},
  };
  for (const auto& k : kNames) {
    if (n == k.name) return {k.kind, nullptr};
  }
  std::string dotless = n;
  for (char& c : dotless)
    if (c == '.') c = '_';
  for (const std::string& candidate : {n, dotless}) {
    std::string_view codec = candidate;
    for (const auto& a : kSingleByteAliases) {
      if (candidate == a.alias) {
        codec = a.codec;
        break;
      }
    }
    for (const auto& t : kSingleByteCodecs) {
      if (codec == t.name) return {CodecKind::Table, t.high};
    }
  }
  return {};
}

}  // namespace covalesce::py
