// Running the Python helper: posix_spawnp with stdin and stderr in anonymous memory files
// and stdout on a pipe, so a worker can neither block on a full pipe nor raise SIGPIPE in
// covalesce. Every descriptor is close-on-exec, so workers started at the same time from
// different threads do not hold each other's pipes open.
#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "internal.h"

extern char** environ;

namespace covalesce::analysis {
namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(size_t(n));
  }
  return true;
}

void ReadAll(int fd, std::string& out) {
  char buf[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    out.append(buf, size_t(n));
  }
}

// NAME of a "NAME=value" environment entry.
std::string_view NameOf(std::string_view entry) { return entry.substr(0, entry.find('=')); }

Error SystemError(const std::string& what) { return Error{what + ": " + std::strerror(errno)}; }

}  // namespace

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv, std::string_view input,
                                 const std::vector<std::string>& env) {
  Fd in(memfd_create("covalesce-stdin", MFD_CLOEXEC));
  Fd err(memfd_create("covalesce-stderr", MFD_CLOEXEC));
  int out_pipe[2];
  if (in.get() < 0 || err.get() < 0 || pipe2(out_pipe, O_CLOEXEC) != 0) {
    return SystemError("Couldn't set up a process for " + argv[0]);
  }
  Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (!WriteAll(in.get(), input) || lseek(in.get(), 0, SEEK_SET) != 0) {
    return SystemError("Couldn't write the input of " + argv[0]);
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err.get(), 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e) {
    auto same_name = [&](const std::string& mine) { return NameOf(mine) == NameOf(*e); };
    if (std::none_of(env.begin(), env.end(), same_name)) envp.push_back(*e);
  }
  for (const std::string& mine : env) envp.push_back(const_cast<char*>(mine.c_str()));
  envp.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return Error{"Couldn't run " + argv[0] + ": " + std::strerror(rc)};
  out_write.reset();  // so that the read below ends when the child exits

  ProcessResult result;
  ReadAll(out_read.get(), result.out);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  lseek(err.get(), 0, SEEK_SET);
  ReadAll(err.get(), result.err);
  return result;
}

}  // namespace covalesce::analysis
