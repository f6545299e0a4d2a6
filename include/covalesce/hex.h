// Lower-case hex of bytes: how covalesce writes the digests it makes (the analysis cache's
// keys, data file hashes, `debug ast --ast-digest`).
#pragma once
#include <cstddef>
#include <string>

namespace covalesce {

inline std::string LowerHex(const unsigned char* bytes, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 15];
  }
  return out;
}

}  // namespace covalesce
