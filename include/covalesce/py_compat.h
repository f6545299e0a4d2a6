// Small pieces of Python's str/int/float/re behaviour that coverage.py's config and path code
// leans on: repr() quoting (debug lines and error texts show Python reprs), str.strip(),
// str.splitlines(), int()/float() parsing and re.escape(). Used by src/config and src/report.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace covalesce::py {

// repr() of a Python str holding the UTF-8 text `s`: 'x', "it's", '\\', '\n', '\x07'.
std::string Repr(std::string_view s);
// repr() of a float: 1.0, 0.1, 1e+20, inf, nan.
std::string FloatRepr(double v);
// str.strip() / str.isspace() over UTF-8 (ASCII and the common Unicode spaces).
std::string_view Strip(std::string_view s);
std::string_view RStrip(std::string_view s);
// str.splitlines() (without keepends).
std::vector<std::string> SplitLines(std::string_view s);
// str.split(sep) for one character: always at least one piece.
std::vector<std::string> Split(std::string_view s, char sep);
// ASCII lower-casing (configparser's optionxform for the names people write).
std::string Lower(std::string_view s);
// int(s) and float(s) for a str: whitespace, sign, '_' between digits; nullopt if Python
// would raise ValueError.
std::optional<long long> ParseInt(std::string_view s);
std::optional<double> ParseFloat(std::string_view s);
// `s` with a backslash before each of its characters that is one of `special`.
std::string BackslashEach(std::string_view s, std::string_view special);
// re.escape(s).
std::string ReEscape(std::string_view s);
// Offset of the first byte that is not valid UTF-8, or nullopt.
std::optional<size_t> InvalidUtf8At(std::string_view s);

}  // namespace covalesce::py
