// Helpers shared by the libFuzzer targets in this folder: a scratch directory per fuzzing
// process (in /dev/shm where there is one, so the file-based readers cost no disk I/O), and
// a loud failure for a broken invariant that libFuzzer records as a crash with its input.
#pragma once
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace covalesce::fuzz {

// The process's scratch directory, created on first use and removed when the process exits.
inline const std::string& ScratchDir() {
  static const std::string dir = [] {
    const char* base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    std::string d = std::string(base) + "/covalesce-fuzz-" + std::to_string(getpid());
    std::filesystem::create_directories(d);
    static struct Remover {
      std::string path;
      ~Remover() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
      }
    } remover{d};
    return d;
  }();
  return dir;
}

// Writes `data` to `ScratchDir()/name` (replacing it) and returns the path.
inline std::string WriteScratch(const std::string& name, const uint8_t* data, size_t size) {
  std::string path = ScratchDir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
  out.close();
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

// A broken invariant: printed, then abort() so libFuzzer saves the input as a crash.
[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "\n=== fuzz invariant broken: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace covalesce::fuzz
