// Which files `combine` reads, in which order, and which it skips as duplicates: the
// rules of coverage.py's combinable_files() and DataFileClassifier, with Python's path
// semantics (abspath/normpath, glob of "<base>.*", code-point sort).
#include "covalesce/discover.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <openssl/evp.h>
#include <pcre2.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>

#include "covalesce/hex.h"

namespace covalesce {
namespace {

bool IsDir(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool IsFile(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::vector<std::string> SplitSlash(const std::string& p) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    parts.push_back(p.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

// posixpath.normpath.
std::string NormPath(const std::string& path) {
  if (path.empty()) return ".";
  size_t initial = 0;
  if (path[0] == '/') initial = (path.size() > 1 && path[1] == '/' && (path.size() < 3 || path[2] != '/')) ? 2 : 1;
  std::vector<std::string> out;
  for (const std::string& comp : SplitSlash(path)) {
    if (comp.empty() || comp == ".") continue;
    if (comp != ".." || (!initial && out.empty()) || (!out.empty() && out.back() == "..")) {
      out.push_back(comp);
    } else if (!out.empty()) {
      out.pop_back();
    }
  }
  std::string s(initial, '/');
  for (size_t i = 0; i < out.size(); ++i) s += (i ? "/" : "") + out[i];
  return s.empty() ? "." : s;
}

}  // namespace

std::string AbsPath(const std::string& path, const std::string& cwd) {
  if (!path.empty() && path[0] == '/') return NormPath(path);
  return NormPath(cwd + "/" + path);
}

std::string RelPath(const std::string& path, const std::string& cwd) {
  auto a = SplitSlash(NormPath(path)), b = SplitSlash(NormPath(cwd));
  // Both absolute: drop the leading empty component, and treat "/" as no components.
  auto clean = [](std::vector<std::string>& v) {
    v.erase(std::remove(v.begin(), v.end(), std::string()), v.end());
  };
  clean(a);
  clean(b);
  size_t common = 0;
  while (common < a.size() && common < b.size() && a[common] == b[common]) ++common;
  std::string out;
  for (size_t i = common; i < b.size(); ++i) out += out.empty() ? ".." : "/..";
  for (size_t i = common; i < a.size(); ++i) out += (out.empty() ? "" : "/") + a[i];
  return out.empty() ? "." : out;
}

Result<std::vector<std::string>> CombinableFiles(const std::string& data_file_abs,
                                                 const std::vector<std::string>& paths,
                                                 const std::string& cwd) {
  const size_t slash = data_file_abs.rfind('/');
  const std::string data_dir = slash == 0 ? "/" : data_file_abs.substr(0, slash);
  const std::string prefix = data_file_abs.substr(slash + 1) + ".";

  std::vector<std::string> args = paths;
  if (args.empty()) args.push_back(data_dir);
  std::vector<std::string> found;
  for (const std::string& p : args) {
    const std::string abs = AbsPath(p, cwd);
    if (IsFile(abs)) {
      found.push_back(abs);
    } else if (IsDir(abs)) {
      std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir(abs.c_str()), closedir);
      if (!dir) continue;
      while (dirent* e = readdir(dir.get())) {
        std::string name = e->d_name;
        if (name.compare(0, prefix.size(), prefix) == 0) {
          found.push_back(abs == "/" ? "/" + name : abs + "/" + name);
        }
      }
    } else {
      return Error{"Couldn't combine from non-existent path '" + p + "'"};
    }
  }
  // SQLite may leave journal files beside data files; they are never combined.
  std::erase_if(found, [](const std::string& f) {
    return f.size() >= 8 && f.compare(f.size() - 8, 8, "-journal") == 0;
  });
  std::sort(found.begin(), found.end());
  return found;
}

namespace {

// The fields of coverage.py's parallel suffix ".HOST.pidN.XrrrrrrX[.Hhhhhhhhhhhh]".
struct ParallelName {
  std::string host, pid;
  std::optional<std::string> hash;
};

std::optional<ParallelName> MatchParallelName(const std::string& path) {
  // coverage.py's filename_match regex; \w is Unicode-aware there, hence UTF+UCP here.
  static constexpr const char* kPattern =
      R"(\.([^.]+)\.pid(\d+)\.X(\w{6})x(\.H(\w{10}h))?$)";
  int err;
  PCRE2_SIZE off;
  // Compiled per call: cheap next to opening a database, and no shared mutable state.
  std::unique_ptr<pcre2_code, void (*)(pcre2_code*)> re(
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(kPattern), PCRE2_ZERO_TERMINATED,
                    PCRE2_UTF | PCRE2_UCP, &err, &off, nullptr),
      pcre2_code_free);
  if (!re) return std::nullopt;
  std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data*)> md(
      pcre2_match_data_create_from_pattern(re.get(), nullptr), pcre2_match_data_free);
  int rc = pcre2_match(re.get(), reinterpret_cast<PCRE2_SPTR>(path.data()), path.size(), 0, 0,
                       md.get(), nullptr);
  if (rc < 4) return std::nullopt;  // no match, or invalid UTF-8
  PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
  ParallelName name;
  name.host = path.substr(ov[2], ov[3] - ov[2]);
  name.pid = path.substr(ov[4], ov[5] - ov[4]);
  if (rc >= 6 && ov[10] != PCRE2_UNSET) name.hash = path.substr(ov[10], ov[11] - ov[10]);
  return name;
}

}  // namespace

std::optional<std::string> ParallelNameHash(const std::string& path) {
  auto name = MatchParallelName(path);
  if (!name) return std::nullopt;
  return name->hash;
}

std::optional<long> StillBeingWritten(const std::string& path) {
  auto name = MatchParallelName(path);
  if (!name || name->hash) return std::nullopt;
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return std::nullopt;
  std::string host(buf);
  std::replace(host.begin(), host.end(), '.', '_');  // as coverage.py puts it in the name
  if (name->host != host || name->pid.size() > 9) return std::nullopt;
  long pid = std::stol(name->pid);
  if (pid <= 0 || pid == long(getpid())) return std::nullopt;
  if (kill(pid_t(pid), 0) != 0 && errno != EPERM) return std::nullopt;  // its writer is gone
  return pid;
}

Result<std::string> FileSha3Hex(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f) return Error{"Couldn't read " + path};
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha3_256(), nullptr);
  std::vector<unsigned char> buf(1 << 16);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) {
    EVP_DigestUpdate(ctx.get(), buf.data(), n);
  }
  if (std::ferror(f.get())) return Error{"Couldn't read " + path};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  return LowerHex(digest, len);
}

}  // namespace covalesce
