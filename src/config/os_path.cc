// POSIX os.path emulation for config and [paths] handling; see os_path.h. RealPath follows
// CPython's posixpath._joinrealpath: symlinks are resolved component by component, missing
// components are kept as written, and a symlink loop leaves the rest unresolved.
#include "covalesce/os_path.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <optional>
#include <vector>

#include "covalesce/py_compat.h"

namespace covalesce::ospath {
namespace {

std::pair<std::string, std::string> Split(const std::string& p) {  // posixpath.split
  const size_t i = p.rfind('/') + 1;  // npos + 1 == 0
  std::string head = p.substr(0, i), tail = p.substr(i);
  if (!head.empty() && head.find_first_not_of('/') != std::string::npos)
    while (!head.empty() && head.back() == '/') head.pop_back();
  return {head, tail};
}

std::optional<std::string> ReadLink(const std::string& p) {
  std::vector<char> buf(4096);
  for (;;) {
    const ssize_t n = readlink(p.c_str(), buf.data(), buf.size());
    if (n < 0) return std::nullopt;
    if (static_cast<size_t>(n) < buf.size()) return std::string(buf.data(), static_cast<size_t>(n));
    buf.resize(buf.size() * 2);
  }
}

// Returns {resolved path, ok}; `seen` maps a symlink to its resolution (nullopt while in progress).
std::pair<std::string, bool> JoinRealPath(std::string path, std::string_view rest,
                                          std::map<std::string, std::optional<std::string>>& seen) {
  if (IsAbsPosix(rest)) {
    rest.remove_prefix(1);
    path.assign(1, '/');
  }
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    const std::string name(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (name.empty() || name == ".") continue;
    if (name == "..") {
      if (!path.empty()) {
        auto [head, tail] = Split(path);
        path = tail == ".." ? Join(Join(head, ".."), "..") : head;
      } else {
        path = "..";
      }
      continue;
    }
    const std::string newpath = Join(path, name);
    struct stat st;
    if (lstat(newpath.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) {
      path = newpath;
      continue;
    }
    if (auto it = seen.find(newpath); it != seen.end()) {
      if (it->second) {
        path = *it->second;
        continue;
      }
      return {Join(newpath, rest), false};  // symlink loop
    }
    seen[newpath] = std::nullopt;
    const auto target = ReadLink(newpath);
    auto [resolved, ok] = JoinRealPath(path, target.value_or(""), seen);
    if (!ok) return {Join(resolved, rest), false};
    path = resolved;
    seen[newpath] = path;
  }
  return {path, true};
}

}  // namespace

Flavor FlavorFor(const std::optional<std::string>& python_version) {
  Flavor f;
  if (!python_version) return f;
  const auto parts = py::Split(*python_version, '.');
  if (parts.size() >= 2) {
    const auto major = py::ParseInt(parts[0]), minor = py::ParseInt(parts[1]);
    f.nt_isabs_313 = major && minor && (*major > 3 || (*major == 3 && *minor >= 13));
  }
  return f;
}

bool IsAbsPosix(std::string_view p) { return !p.empty() && p[0] == '/'; }

bool IsAbsNt(std::string_view p, Flavor flavor) {
  std::string s(p.substr(0, 3));
  for (char& c : s)
    if (c == '/') c = '\\';
  const bool drive_root = s.size() >= 3 && s[1] == ':' && s[2] == '\\';
  if (flavor.nt_isabs_313) return drive_root || s.rfind("\\\\", 0) == 0;
  return drive_root || s.rfind('\\', 0) == 0;
}

bool IsAbsAnywhere(std::string_view p, Flavor flavor) { return IsAbsNt(p, flavor) || IsAbsPosix(p); }

std::string Join(std::string_view a, std::string_view b) {
  if (IsAbsPosix(b)) return std::string(b);
  if (a.empty() || a.back() == '/') return std::string(a) + std::string(b);
  return std::string(a) + "/" + std::string(b);
}

std::string NormPath(std::string_view p) {
  if (p.empty()) return ".";
  size_t initial = 0;
  if (p[0] == '/') initial = (p.size() > 1 && p[1] == '/' && (p.size() < 3 || p[2] != '/')) ? 2 : 1;
  std::vector<std::string> comps;
  for (const auto& comp : py::Split(p, '/')) {
    if (comp.empty() || comp == ".") continue;
    if (comp != ".." || (initial == 0 && comps.empty()) || (!comps.empty() && comps.back() == ".."))
      comps.push_back(comp);
    else if (!comps.empty())
      comps.pop_back();
  }
  std::string out(initial, '/');
  for (size_t i = 0; i < comps.size(); ++i) out += (i ? "/" : "") + comps[i];
  return out.empty() ? "." : out;
}

std::string AbsPath(std::string_view p, std::string_view cwd) {
  return NormPath(IsAbsPosix(p) ? std::string(p) : Join(cwd, p));
}

std::string RealPath(std::string_view p, std::string_view cwd) {
  std::map<std::string, std::optional<std::string>> seen;
  const std::string full = IsAbsPosix(p) ? std::string(p) : Join(cwd, p);
  return AbsPath(JoinRealPath("", full, seen).first, cwd);
}

std::string AbsFile(std::string_view p, std::string_view cwd) { return AbsPath(RealPath(p, cwd), cwd); }

bool Exists(std::string_view p, std::string_view cwd) {
  if (p.find('\0') != std::string_view::npos) return false;
  const std::string full = IsAbsPosix(p) ? std::string(p) : Join(cwd, p);
  struct stat st;
  return stat(full.c_str(), &st) == 0;
}

std::string ExpandUser(std::string_view p, const GetEnv& env) {
  if (p.empty() || p[0] != '~') return std::string(p);
  size_t i = p.find('/', 1);
  if (i == std::string_view::npos) i = p.size();
  std::string home;
  if (i == 1) {
    if (auto h = env("HOME")) {
      home = *h;
    } else {
      struct passwd pw, *res = nullptr;
      std::vector<char> buf(16384);
      if (getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &res) != 0 || res == nullptr) return std::string(p);
      home = pw.pw_dir;
    }
  } else {
    const std::string name(p.substr(1, i - 1));
    struct passwd pw, *res = nullptr;
    std::vector<char> buf(16384);
    if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &res) != 0 || res == nullptr) return std::string(p);
    home = pw.pw_dir;
  }
  while (!home.empty() && home.back() == '/') home.pop_back();
  std::string out = home + std::string(p.substr(i));
  return out.empty() ? "/" : out;
}

}  // namespace covalesce::ospath
