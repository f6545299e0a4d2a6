// One covalesce run at a time per data-file directory. Commands that combine (combine, all,
// and the report commands' implicit combine) hold an advisory lock (flock) on the directory
// of the data file from before they look for shards until they exit, so two runs never
// read, replace and delete the same files at once; the second waits, saying so once.
// Nothing is written for it: the lock is on the directory itself, so nothing is left
// behind, and a read-only directory can still be locked. Where the filesystem has no flock
// (some network filesystems), runs go ahead unlocked.
#pragma once
#include <functional>
#include <string>

namespace covalesce {

class RunLock {
 public:
  // Locks the directory of `data_file` (absolute), calling `on_wait` once first if another
  // process holds it.
  static RunLock Acquire(const std::string& data_file, const std::function<void()>& on_wait);

  RunLock() = default;
  RunLock(RunLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  RunLock& operator=(RunLock&& other) noexcept;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  ~RunLock();

  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace covalesce
