// The directory lock of run_lock.h.
#include "covalesce/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

namespace covalesce {

RunLock RunLock::Acquire(const std::string& data_file, const std::function<void()>& on_wait) {
  RunLock lock;
  size_t slash = data_file.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : data_file.substr(0, slash);
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return lock;  // the write that follows will say what is wrong with the directory
  int rc;
  while ((rc = flock(fd, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR) {
  }
  if (rc != 0 && errno == EWOULDBLOCK) {
    if (on_wait) on_wait();
    while ((rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR) {
    }
  }
  if (rc != 0) {  // no flock here (ENOLCK, EINVAL...): run unlocked
    close(fd);
    return lock;
  }
  lock.fd_ = fd;
  return lock;
}

RunLock& RunLock::operator=(RunLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

RunLock::~RunLock() {
  if (fd_ >= 0) close(fd_);  // closing the descriptor releases the flock
}

}  // namespace covalesce
