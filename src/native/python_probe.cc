// Which Python version `--python` is, for commands that model the version of the interpreter
// they are given (ChooseNativeVersion). Running the interpreter costs ~20 ms, and ~0.3 s
// through a pyenv shim (a bash script that runs `pyenv exec`), on every command; so the answer
// is remembered in a small file per interpreter under $XDG_CACHE_HOME/covalesce/python (else
// ~/.cache/covalesce/python), keyed by what decides it:
//
// - an interpreter binary: its resolved path and its identity on disk (device, inode, size,
//   mtime, ctime), so a reinstalled or rebuilt interpreter is probed again;
// - a pyenv shim: the shim itself plus everything pyenv reads to choose the version it runs
//   (PYENV_VERSION, the first .python-version found walking up from PYENV_DIR or the current
//   directory, $PYENV_ROOT/version, the set of installed versions, PATH for "system", the
//   active virtualenv for pyenv-virtualenv); and
//   the interpreter the probe found behind it, checked again on every hit;
// - any other script (another version manager's shim, a wrapper) depends on what it reads,
//   which covalesce cannot know: it is probed every time.
//
// A cache file that cannot be read or written is simply not used.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "covalesce/native_analysis.h"

namespace covalesce {
namespace {

std::string ReadSmallFile(const std::string& path, size_t limit = 4096) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::string text(limit, '\0');
  in.read(text.data(), std::streamsize(limit));
  text.resize(size_t(in.gcount()));
  return text;
}

// The identity of a file on disk; "" when it does not exist.
std::string FileIdentity(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return "";
  std::ostringstream s;
  s << st.st_dev << ':' << st.st_ino << ':' << st.st_size << ':' << st.st_mtim.tv_sec << '.' << st.st_mtim.tv_nsec
    << ':' << st.st_ctim.tv_sec << '.' << st.st_ctim.tv_nsec;
  return s.str();
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The executable `python` names: itself when it has a slash, else the first on PATH.
std::string FindExecutable(const std::string& python) {
  if (python.find('/') != std::string::npos) return python;
  std::string path = Env("PATH");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + python;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

// pyenv's shim (pyenv's `rehash` writes them): `exec "<root>/libexec/pyenv" exec "$program"`.
// Returns PYENV_ROOT as the shim sets it, or "" for anything else.
std::string PyenvShimRoot(const std::string& text) {
  if (text.rfind("#!", 0) != 0 || text.find("/libexec/pyenv\" exec ") == std::string::npos) return "";
  const std::string marker = "export PYENV_ROOT=\"";
  size_t at = text.find(marker);
  if (at == std::string::npos) return "";
  at += marker.size();
  size_t end = text.find('"', at);
  return end == std::string::npos ? "" : text.substr(at, end - at);
}

// What pyenv reads to choose the interpreter a shim runs (pyenv-version-name,
// pyenv-version-file, pyenv-which).
std::string PyenvInputs(const std::string& root) {
  std::string key = "PYENV_VERSION=" + Env("PYENV_VERSION") + "\n";
  // pyenv-virtualenv's hooks look at the active virtualenv.
  key += "VIRTUAL_ENV=" + Env("VIRTUAL_ENV") + "\nPYENV_VIRTUAL_ENV=" + Env("PYENV_VIRTUAL_ENV") + "\n";
  std::string dir = Env("PYENV_DIR");
  if (dir.empty()) {
    std::error_code ec;
    dir = std::filesystem::current_path(ec).string();
  }
  for (std::string d = dir; !d.empty();) {
    const std::string file = d + "/.python-version";
    struct stat st;
    if (stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      key += "local=" + file + "\n" + ReadSmallFile(file) + "\n";
      break;
    }
    const size_t slash = d.find_last_of('/');
    d = slash == std::string::npos ? "" : d.substr(0, slash);
  }
  key += "global=" + ReadSmallFile(root + "/version") + "\n";
  key += "versions=" + FileIdentity(root + "/versions") + "\n";
  key += "PATH=" + Env("PATH") + "\n";
  return key;
}

std::string CacheDir() {
  std::string base = Env("XDG_CACHE_HOME");
  if (base.empty()) {
    const std::string home = Env("HOME");
    if (home.empty()) return "";
    base = home + "/.cache";
  }
  return base + "/covalesce/python";
}

// FNV-1a, for a file name: the file holds the whole key, compared on reading.
std::string KeyName(const std::string& key) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// Runs `python` for its version and the executable it really is (sys.executable).
bool RunProbe(const std::string& python, std::string& version, std::string& executable) {
  std::string cmd = "'";
  for (char c : python) {
    if (c == '\'') cmd += "'\\''";
    else cmd += c;
  }
  cmd += "' -c 'import platform, sys; print(platform.python_version()); print(sys.executable)' 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return false;
  char buf[512];
  std::string out;
  while (fgets(buf, sizeof buf, p)) out += buf;
  if (pclose(p) != 0) return false;
  std::istringstream lines(out);
  std::getline(lines, version);
  std::getline(lines, executable);
  while (!version.empty() && (version.back() == '\r' || version.back() == ' ')) version.pop_back();
  return !version.empty();
}

}  // namespace

PythonProbe ProbePythonVersionCached(const std::string& python, const std::string& cache_dir) {
  PythonProbe probe;
  std::string key;
  bool check_target = false;  // a shim: the interpreter behind it is checked on a hit
  const std::string found = FindExecutable(python);
  std::error_code ec;
  const std::string real = found.empty() ? "" : std::filesystem::canonical(found, ec).string();
  if (!real.empty() && !ec) {
    const std::string head = ReadSmallFile(real, 1024);
    if (head.rfind("#!", 0) != 0) {
      key = "exe " + real + " " + FileIdentity(real) + "\n";
    } else if (std::string root = PyenvShimRoot(head); !root.empty()) {
      key = "pyenv-shim " + real + " " + FileIdentity(real) + "\n" + PyenvInputs(root);
      check_target = true;
    }
  }
  const std::string file = key.empty() || cache_dir.empty() ? "" : cache_dir + "/" + KeyName(key);

  if (!file.empty()) {
    // The entry: the key, then the version, then (a shim) the interpreter and its identity.
    std::istringstream entry(ReadSmallFile(file, 65536));
    std::string stored_key, line, version, target, identity;
    while (std::getline(entry, line) && line != "--") stored_key += line + "\n";
    std::getline(entry, version);
    std::getline(entry, target);
    std::getline(entry, identity);
    if (stored_key == key && !version.empty() && (!check_target || FileIdentity(target) == identity)) {
      probe.version = version;
      probe.cached = true;
      return probe;
    }
  }

  std::string executable;
  if (!RunProbe(python, probe.version, executable)) return PythonProbe{};
  if (!file.empty()) {
    std::string text = key + "--\n" + probe.version + "\n" + executable + "\n" + FileIdentity(executable) + "\n";
    std::filesystem::create_directories(cache_dir, ec);
    const std::string tmp = file + ".tmp" + std::to_string(getpid());
    if (std::ofstream out(tmp, std::ios::binary | std::ios::trunc); out) {
      out << text;
      out.close();
      if (!out || std::rename(tmp.c_str(), file.c_str()) != 0) std::remove(tmp.c_str());
    }
  }
  return probe;
}

std::string ProbePythonVersion(const std::string& python) {
  return ProbePythonVersionCached(python, CacheDir()).version;
}

}  // namespace covalesce
