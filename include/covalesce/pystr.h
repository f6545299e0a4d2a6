// Python-compatible text helpers: coverage.py's messages embed paths through repr().
#pragma once
#include <string>
#include <string_view>

namespace covalesce {

// Python's repr() of a str: single quotes unless the text has a ' and no ", escapes for
// backslash, the quote, \n \r \t and other control characters.
std::string PyRepr(std::string_view s);

// "1 file" / "2 files", as coverage.misc.plural.
std::string Plural(size_t n, std::string_view thing);

}  // namespace covalesce
