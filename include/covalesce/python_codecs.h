// The codecs a Python source may name in its PEP 263 cookie that covalesce decodes itself:
// UTF-8, latin-1, ASCII and the single-byte tables generated from Python's own codecs
// (src/python/gen_codecs.py). One lookup serves the parser, which reads a cookie as CPython's
// tokenizer does, and the native analysis, which decodes as coverage.py does.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace covalesce::py {

enum class CodecKind : uint8_t { Utf8, Utf8Sig, Latin1, Ascii, Table, Unknown };

struct CodecRef {
  CodecKind kind = CodecKind::Unknown;
  const uint16_t* high = nullptr;  // Table: the characters of bytes 0x80..0xFF, 0 = undefined
};

// A cookie's codec name as CPython's tokenizer (get_normal_name) and Python's tokenize
// (_get_normal_name) both normalise it: the spellings of utf-8 and latin-1 become "utf-8" and
// "iso-8859-1"; any other name is returned as it is.
std::string NormalCookieName(std::string_view name);

// A codec name resolved as codecs.lookup resolves it: encodings.normalize_encoding, then
// Python's aliases. Unknown for every codec covalesce does not decode itself.
CodecRef LookupCodec(std::string_view name);

}  // namespace covalesce::py
