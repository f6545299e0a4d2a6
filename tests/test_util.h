// Helpers shared by the GoogleTest binaries: temp directories, file I/O, and running a
// Python oracle in the reference coverage.py venvs.
#pragma once
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace covalesce::testing {

namespace fs = std::filesystem;

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/covalesce-test-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = fs::canonical(tmpl).string();
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  std::string operator/(const std::string& rel) const { return path + "/" + rel; }
  // Writes `text` to `rel`, creating directories.
  void Write(const std::string& rel, const std::string& text) const {
    fs::create_directories(fs::path(path + "/" + rel).parent_path());
    std::ofstream(path + "/" + rel, std::ios::binary) << text;
  }
  std::string path;
};

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Byte strings through a line-based oracle protocol, as hex.
inline std::string Hex(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) out += {digits[c >> 4], digits[c & 15]};
  return out;
}
inline std::string Unhex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
  return out;
}

// The reference interpreter (venv with coverage.py 7.17.3) for Python `version`, or "" if
// that venv is missing.
inline std::string ReferencePython(const std::string& version) {
  const char* venvs = std::getenv("COVALESCE_VENVS");
  const std::string python =
      std::string(venvs ? venvs : COVALESCE_SOURCE_DIR "/.venvs") + "/py" + version + "/bin/python";
  return access(python.c_str(), X_OK) == 0 ? python : "";
}

}  // namespace covalesce::testing
