// Temporary names, atomic replacement, and the clean-up of a killed writer's leftovers.
#include "covalesce/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <functional>
#include <memory>

namespace covalesce {
namespace {

constexpr std::string_view kSuffix = ".covalesce-tmp";

// gethostname() with dots made underscores (as coverage.py names shards), so that the
// name's fields stay dot-separated.
std::string HostTag() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  std::string host(buf);
  for (char& c : host) {
    if (c == '.' || c == '/') c = '_';
  }
  return host.empty() ? "localhost" : host;
}

bool ProcessRunning(long pid) {
  if (pid <= 0) return true;  // not ours to judge
  return kill(pid_t(pid), 0) == 0 || errno == EPERM;
}

// The writer's host and pid of a temporary name: "...<host>.<pid>.<n>.covalesce-tmp".
bool ParseTemp(std::string_view name, std::string_view& host, long& pid) {
  if (name.size() <= kSuffix.size() || name[0] != '.' ||
      name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return false;
  }
  std::string_view rest = name.substr(0, name.size() - kSuffix.size());
  size_t n_dot = rest.rfind('.');
  if (n_dot == std::string_view::npos || n_dot == 0) return false;
  size_t pid_dot = rest.rfind('.', n_dot - 1);
  if (pid_dot == std::string_view::npos || pid_dot == 0) return false;
  size_t host_dot = rest.rfind('.', pid_dot - 1);
  if (host_dot == std::string_view::npos) return false;
  std::string_view pid_text = rest.substr(pid_dot + 1, n_dot - pid_dot - 1);
  auto [end, ec] = std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), pid);
  if (ec != std::errc() || end != pid_text.data() + pid_text.size()) return false;
  host = rest.substr(host_dot + 1, pid_dot - host_dot - 1);
  return true;
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::string TempPathBeside(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return dir + "." + base + "." + HostTag() + "." + std::to_string(getpid()) + "." +
         std::to_string(counter++) + std::string(kSuffix);
}

int SyncPath(const std::string& path, bool directory) {
  int fd = open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY | O_CLOEXEC : O_RDWR | O_CLOEXEC);
  if (fd < 0) return errno;
  int rc = fsync(fd);
  int err = errno;
  close(fd);
  return rc == 0 ? 0 : err;
}

std::FILE* CreateTempBeside(const std::string& path, std::string& temp) {
  temp = TempPathBeside(path);
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return nullptr;
  std::FILE* f = fdopen(fd, "wb");
  if (!f) {
    const int err = errno;
    close(fd);
    unlink(temp.c_str());
    errno = err;
  }
  return f;
}

int FinishTemp(std::FILE* f, bool durable) {
  int err = 0;
  if (std::fflush(f) != 0) err = errno;
  else if (durable && fsync(fileno(f)) != 0) err = errno;
  if (std::fclose(f) != 0 && !err) err = errno;
  return err;
}

int RenameIntoPlace(const std::string& temp, const std::string& path, bool durable) {
  if (rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(temp.c_str());
    return err;
  }
  return durable ? SyncPath(DirOf(path), true) : 0;
}

int WriteFileAtomicallyWith(const std::string& path, const std::function<bool(std::FILE*)>& write,
                            bool durable) {
  std::string tmp;
  std::FILE* f = CreateTempBeside(path, tmp);
  if (!f) return errno;
  errno = 0;
  int err = 0;
  if (!write(f)) {
    err = errno ? errno : EIO;
    std::fclose(f);
  } else {
    err = FinishTemp(f, durable);
  }
  if (err) {
    unlink(tmp.c_str());
    return err;
  }
  return RenameIntoPlace(tmp, path, durable);
}

int WriteFileAtomically(const std::string& path, std::string_view content, bool durable) {
  return WriteFileAtomicallyWith(path, [&](std::FILE* f) {
    return std::fwrite(content.data(), 1, content.size(), f) == content.size();
  }, durable);
}

void RemoveStaleTemps(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.empty() ? "." : dir.c_str()), closedir);
  if (!d) return;
  const std::string host = HostTag();
  while (dirent* e = readdir(d.get())) {
    std::string_view writer_host;
    long pid = 0;
    if (!ParseTemp(e->d_name, writer_host, pid)) continue;
    if (writer_host != host || ProcessRunning(pid)) continue;
    unlinkat(dirfd(d.get()), e->d_name, 0);
  }
}

}  // namespace covalesce
