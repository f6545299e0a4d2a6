// Identifier characters and NFKC normalisation (unicode.cc).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace covalesce::py {
bool IsIdStartCp(uint32_t cp);
bool IsIdContinueCp(uint32_t cp);
uint32_t DecodeUtf8At(std::string_view s, size_t& i);  // advances i past one code point
std::string NfkcIdentifier(std::string_view s);
}  // namespace covalesce::py
