// combine --watch: scan -> judge each new shard -> read the finished ones (parallel) -> fold
// (serial, ShardMerger) -> sleep until inotify, a writer's exit (pidfd), a signal or the poll
// interval -> ... until the end condition; then the unfinished ones get `grace` seconds.
//
// How coverage.py 7.17.3 writes a parallel shard (sqldata.py, sqlitedb.py): at save() the
// name ".coverage.HOST.pidN.XrrrrrrX" is chosen, any old file of that name erased, and the
// file created with the schema; the data goes in through several short connections (one per
// `with` block, each opened and closed again), journal_mode=off and synchronous=off, so no
// -journal file normally exists and the file is closed between those blocks. write() then
// stores the hash in meta, closes, and renames the file to "<name>.Hhhhhhhhhhhh". So the
// rename is the writer's "done"; a file with no hash is being written or its writer died;
// and "not open right now" alone proves nothing.
#include "covalesce/watch.h"

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <tbb/parallel_pipeline.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <set>
#include <unordered_set>

#include "covalesce/discover.h"
#include "covalesce/pystr.h"
#include "covalesce/shard_reader.h"

namespace covalesce {

std::optional<FileStamp> StampOf(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  FileStamp s;
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.size = st.st_size;
  s.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  s.ctime_ns = int64_t(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  return s;
}

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int64_t RealtimeNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

bool Exists(const std::string& p) { return access(p.c_str(), F_OK) == 0; }

// A process that has exited is gone even while it waits, a zombie, for its parent.
bool ProcessRunning(pid_t pid) {
  if (pid <= 0) return false;
  if (kill(pid, 0) != 0 && errno == ESRCH) return false;
  FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (!f) return Exists("/proc/" + std::to_string(pid)) || !Exists("/proc/self");
  char buf[512];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* close_paren = std::strrchr(buf, ')');  // "pid (comm) S ..."
  if (!close_paren || close_paren[1] != ' ') return true;
  return close_paren[2] != 'Z' && close_paren[2] != 'X';
}

// Every regular file some process on this machine holds open, as (dev, ino). Processes of
// other users are invisible unless covalesce runs as root.
std::set<std::pair<uint64_t, uint64_t>> OpenFiles() {
  std::set<std::pair<uint64_t, uint64_t>> open;
  std::unique_ptr<DIR, int (*)(DIR*)> proc(opendir("/proc"), closedir);
  if (!proc) return open;
  const std::string self = std::to_string(getpid());
  while (dirent* e = readdir(proc.get())) {
    if (!std::isdigit(static_cast<unsigned char>(e->d_name[0])) || self == e->d_name) continue;
    const std::string fd_dir = std::string("/proc/") + e->d_name + "/fd";
    std::unique_ptr<DIR, int (*)(DIR*)> fds(opendir(fd_dir.c_str()), closedir);
    if (!fds) continue;
    while (dirent* f = readdir(fds.get())) {
      if (f->d_name[0] == '.') continue;
      struct stat st;
      if (stat((fd_dir + "/" + f->d_name).c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        open.emplace(uint64_t(st.st_dev), uint64_t(st.st_ino));
      }
    }
  }
  return open;
}

// False while another connection holds the database mid-write (SQLite refuses a read lock).
// Anything else, including "not a database", is for the real read to report.
bool ReadLockFree(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(db, 0);
    rc = sqlite3_exec(db, "begin; select count(*) from sqlite_master; commit;", nullptr, nullptr, nullptr);
  }
  sqlite3_close(db);
  return rc != SQLITE_BUSY && rc != SQLITE_LOCKED;
}

// This machine's name as coverage.py puts it in a shard name (dots made underscores).
std::string ShardHostName() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  std::string host = buf;
  std::replace(host.begin(), host.end(), '.', '_');
  return host;
}

enum class NameKind { kHashed, kUnhashed, kOther };
struct ShardName {
  NameKind kind = NameKind::kOther;
  std::string host;
  pid_t pid = 0;
};

// coverage.py's SUFFIX_PATTERN (\w Unicode-aware, as in Python).
class ShardNameParser {
 public:
  ShardNameParser() {
    int err;
    PCRE2_SIZE off;
    re_.reset(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(R"(\.([^.]+)\.pid(\d+)\.X\w{6}x(\.H\w{10}h)?$)"),
                            PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP, &err, &off, nullptr));
    if (re_) md_.reset(pcre2_match_data_create_from_pattern(re_.get(), nullptr));
  }
  ShardName Parse(const std::string& path) const {
    ShardName name;
    if (!re_ || !md_) return name;
    int rc = pcre2_match(re_.get(), reinterpret_cast<PCRE2_SPTR>(path.data()), path.size(), 0, 0,
                         md_.get(), nullptr);
    if (rc < 3) return name;
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md_.get());
    name.host = path.substr(ov[2], ov[3] - ov[2]);
    const std::string digits = path.substr(ov[4], ov[5] - ov[4]);
    name.pid = digits.size() <= 9 ? pid_t(std::stol(digits)) : 0;
    name.kind = rc >= 4 && ov[6] != PCRE2_UNSET ? NameKind::kHashed : NameKind::kUnhashed;
    return name;
  }

 private:
  std::unique_ptr<pcre2_code, void (*)(pcre2_code*)> re_{nullptr, pcre2_code_free};
  std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data*)> md_{nullptr, pcre2_match_data_free};
};

struct Candidate {
  std::string path;
  ShardName name;
  bool done = false;
  bool writer_running = false;  // on this machine, at the last look
  std::string waiting_for;  // why it is not folded yet
};

enum class Verdict { kWait, kReady, kIncomplete, kGone };

// One read in flight: what it was judged by, and what came of it.
struct Read {
  Candidate* c;
  FileStamp before;
  std::string identity;
  std::optional<Result<Shard>> shard;
  std::optional<FileStamp> after;
};

// Signals that end the watch gracefully, received through a signalfd (no handler, no
// global flag). The mask is set before any oneTBB worker thread exists in this process.
class EndSignals {
 public:
  EndSignals() {
    sigemptyset(&mask_);
    sigaddset(&mask_, SIGINT);
    sigaddset(&mask_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &mask_, &old_);
    fd_ = signalfd(-1, &mask_, SFD_NONBLOCK | SFD_CLOEXEC);
  }
  ~EndSignals() {
    if (fd_ >= 0) close(fd_);
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  int fd() const { return fd_; }
  bool Received() {
    signalfd_siginfo info;
    bool got = false;
    while (fd_ >= 0 && read(fd_, &info, sizeof info) == sizeof info) got = true;
    return got;
  }

 private:
  sigset_t mask_, old_;
  int fd_ = -1;
};

class Watcher {
 public:
  static constexpr size_t kMaxReads = 16;

  Watcher(const WatchSettings& s, const CombineSink& sink, ShardMerger& merger, CombineResult& result)
      : s_(s), sink_(sink), merger_(merger), result_(result), host_(ShardHostName()) {}
  ~Watcher() {
    if (inotify_ >= 0) close(inotify_);
  }

  Status Run(WatchResult& out, Timings& timings) {
    last_activity_ = Clock::now();
    WatchDirectories();
    std::optional<Clock::time_point> ended_at;
    std::optional<Timings::Phase> phase;  // "watch" until the end condition, then "tail"
    phase.emplace(timings, "watch");
    int64_t read_ns = 0, merge_ns = 0;
    while (true) {
      if (!ended_at && (out.ended_by = EndReason()) != "") {
        ended_at = Clock::now();
        phase.reset();
        phase.emplace(timings, "tail");
      }
      const bool ended = ended_at.has_value();
      Scan();
      std::vector<Read> reads = Judge(ended);
      if (!reads.empty()) {
        const size_t before = dealt_with_;
        if (Status st = ReadAndFold(reads, out, read_ns, merge_ns); !st) return st;
        if (dealt_with_ > before) {
          last_activity_ = Clock::now();
          continue;  // more may be ready already
        }  // else each changed while it was read: wait before trying again
      }
      const size_t pending = Pending();
      if (ended && pending == 0) break;
      if (ended && Seconds(Clock::now() - *ended_at) >= s_.grace) {
        GiveUpOnPending();
        break;
      }
      Sleep(ended);
    }
    phase.reset();
    auto finished = Clock::now();
    timings.AddOverlapped("read", double(read_ns) * 1e-9);
    timings.AddOverlapped("remap", double(merge_ns) * 1e-9);
    out.tail_seconds = Seconds(finished - *ended_at);
    return ok_status();
  }

  Status CheckInputsExist() {
    auto found = CombinableFiles(s_.combine.data_file, s_.combine.paths, s_.combine.cwd);
    if (!found) return found.error();
    return ok_status();
  }

 private:
  // inotify on each watched directory (and the --until file's), so a new or renamed shard
  // wakes the loop at once; the poll interval covers anything inotify misses.
  void WatchDirectories() {
    inotify_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_ < 0) return;
    std::vector<std::string> dirs;
    const std::string& df = s_.combine.data_file;
    if (s_.combine.paths.empty()) dirs.push_back(df.substr(0, std::max<size_t>(df.rfind('/'), 1)));
    for (const std::string& p : s_.combine.paths) dirs.push_back(AbsPath(p, s_.combine.cwd));
    if (!s_.until_file.empty()) {
      dirs.push_back(s_.until_file.substr(0, std::max<size_t>(s_.until_file.rfind('/'), 1)));
    }
    for (const std::string& d : dirs) {
      inotify_add_watch(inotify_, d.c_str(),
                        IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE | IN_DELETE | IN_ATTRIB);
    }
  }

  std::string EndReason() {
    if (signals_.Received()) return "signal";
    if (!s_.until_file.empty() && Exists(s_.until_file)) return "until";
    if (!s_.pids.empty() &&
        std::none_of(s_.pids.begin(), s_.pids.end(), [](pid_t p) { return ProcessRunning(p); })) {
      return "pid";
    }
    if (s_.workers && dealt_with_ >= s_.workers) return "workers";
    if (s_.until_idle > 0 && Seconds(Clock::now() - last_activity_) >= s_.until_idle) return "idle";
    return "";
  }

  void Scan() {
    auto found = CombinableFiles(s_.combine.data_file, s_.combine.paths, s_.combine.cwd);
    if (!found) return;  // a watched directory went away: keep what is known
    for (std::string& f : *found) {
      if (f == s_.combine.data_file || f == s_.until_file || candidates_.count(f)) continue;
      Candidate c;
      c.path = f;
      c.name = names_.Parse(f);
      ++result_.candidates;
      last_activity_ = Clock::now();
      candidates_.emplace(std::move(f), std::move(c));
    }
  }

  size_t Pending() const {
    return size_t(std::count_if(candidates_.begin(), candidates_.end(), [](auto& kv) { return !kv.second.done; }));
  }

  // The cheap checks first (name, writer, journal, quiet time); then, only for the shards
  // that pass them, whether any process holds them open and whether SQLite can lock them.
  std::vector<Read> Judge(bool ended) {
    std::vector<Read> ready;
    next_settle_ = std::nullopt;
    for (auto it = candidates_.begin(); it != candidates_.end();) {
      Candidate& c = it->second;
      if (c.done) {
        ++it;
        continue;
      }
      FileStamp stamp;
      switch (Check(c, ended, stamp)) {
        case Verdict::kGone:
          --result_.candidates;  // renamed (finished) or removed: not an input any more
          it = candidates_.erase(it);
          continue;
        case Verdict::kIncomplete:
          Unusable(c, c.waiting_for);
          break;
        case Verdict::kReady:
          ready.push_back(Read{&c, stamp, "", std::nullopt, std::nullopt});
          break;
        case Verdict::kWait:
          break;
      }
      ++it;
    }
    if (ready.empty()) return ready;
    const auto open = OpenFiles();
    std::erase_if(ready, [&](const Read& r) {
      if (open.count({r.before.dev, r.before.ino})) {
        r.c->waiting_for = "a process has it open";
        return true;
      }
      if (!ReadLockFree(r.c->path)) {
        r.c->waiting_for = "a writer holds its lock";
        return true;
      }
      return false;
    });
    return ready;
  }

  Verdict Check(Candidate& c, bool ended, FileStamp& stamp) {
    const bool here = c.name.kind != NameKind::kOther && !host_.empty() && c.name.host == host_;
    // The writer is looked at before the file: once it has exited nothing renames the file,
    // so a file still there afterwards is what it left.
    const bool alive = here && ProcessRunning(c.name.pid);
    c.writer_running = alive;
    auto st = StampOf(c.path);
    if (!st) return Verdict::kGone;
    stamp = *st;
    if (Exists(c.path + "-journal") || Exists(c.path + "-wal")) {
      c.waiting_for = "a journal file lies beside it";
      return Verdict::kWait;
    }
    switch (c.name.kind) {
      case NameKind::kUnhashed:
        if (here && !alive) {
          c.waiting_for = "its writer (pid " + std::to_string(c.name.pid) + ") ended before finishing it";
          return Verdict::kIncomplete;
        }
        c.waiting_for = "its writer has not finished it (no data hash in its name)";
        return Verdict::kWait;
      case NameKind::kHashed:
        if (alive && !ended) {
          c.waiting_for = "its writer (pid " + std::to_string(c.name.pid) + ") is still running";
          return Verdict::kWait;
        }
        break;
      case NameKind::kOther:
        if (!ended) {
          c.waiting_for = "its name does not say when it is finished, so it waits for the end";
          return Verdict::kWait;
        }
        break;
    }
    if (!(here && !alive)) {  // a writer we cannot watch must have been quiet a while
      const double age = double(RealtimeNs() - std::max(stamp.mtime_ns, stamp.ctime_ns)) * 1e-9;
      if (age < s_.settle) {
        c.waiting_for = "it changed less than " + FormatSeconds(s_.settle) + " ago";
        const double left = s_.settle - std::max(age, 0.0);
        next_settle_ = std::min(next_settle_.value_or(left), left);
        return Verdict::kWait;
      }
    }
    return Verdict::kReady;
  }

  static std::string FormatSeconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g s", s);
    return buf;
  }

  // As CombineData's pipeline: the shards read in parallel, folded one at a time in path
  // order, at most kMaxReads in flight (which bounds memory with a backlog of thousands).
  Status ReadAndFold(std::vector<Read>& reads, WatchResult& out, int64_t& read_ns, int64_t& merge_ns) {
    std::atomic<int64_t> reading{0};
    std::optional<Error> hard_error;
    size_t next = 0;
    tbb::parallel_pipeline(
        kMaxReads,
        tbb::make_filter<void, Read*>(tbb::filter_mode::serial_in_order,
                                      [&](tbb::flow_control& fc) -> Read* {
                                        if (next == reads.size() || hard_error) {
                                          fc.stop();
                                          return nullptr;
                                        }
                                        return &reads[next++];
                                      }) &
            tbb::make_filter<Read*, Read*>(tbb::filter_mode::parallel,
                                           [&](Read* r) {
                                             auto t0 = Clock::now();
                                             ReadOne(*r);
                                             reading += (Clock::now() - t0).count();
                                             return r;
                                           }) &
            tbb::make_filter<Read*, void>(tbb::filter_mode::serial_in_order, [&](Read* r) {
              if (hard_error) return;
              auto t0 = Clock::now();
              if (Status st = FoldOne(*r, out); !st) hard_error = st.error();
              r->shard.reset();
              merge_ns += (Clock::now() - t0).count();
            }));
    read_ns += reading.load();
    if (hard_error) return *hard_error;
    return ok_status();
  }

  static void ReadOne(Read& r) {
    if (auto h = ParallelNameHash(r.c->path)) {
      r.identity = *h;
    } else if (auto sha = FileSha3Hex(r.c->path)) {
      r.identity = *sha;
    }
    r.shard.emplace(ReadShard(r.c->path));
    r.after = StampOf(r.c->path);
  }

  Status FoldOne(Read& r, WatchResult& out) {
    Candidate& c = *r.c;
    if (!r.after) return ok_status();  // gone while read: the next scan forgets it
    if (!(*r.after == r.before)) {
      c.waiting_for = "it changed while it was read";
      return ok_status();  // read again on a later round
    }
    c.done = true;
    ++dealt_with_;
    const std::string rel = RelPath(c.path, s_.combine.cwd);
    if (!r.identity.empty() && !identities_.insert(r.identity).second) {
      ++result_.skipped;
      if (s_.combine.debug_combine) sink_.debug("Skipping duplicate data " + rel);
      result_.deletable.push_back(c.path);
      out.deletable_stamps.push_back(r.before);
      return ok_status();
    }
    if (!*r.shard) {
      const std::string& msg = r.shard->error().message;
      ++result_.errored;
      sink_.warn(msg);
      if (s_.combine.debug_combine) sink_.debug("Couldn't combine data file " + rel + ": " + msg);
      return ok_status();
    }
    if (Status merged = merger_.Merge(**r.shard); !merged) return merged;
    ++result_.combined;
    if (s_.combine.debug_combine) sink_.debug("Combined data file " + rel);
    result_.deletable.push_back(c.path);
    out.deletable_stamps.push_back(r.before);
    return ok_status();
  }

  void Unusable(Candidate& c, const std::string& why) {
    c.done = true;
    ++dealt_with_;
    ++result_.errored;
    const std::string msg = "Couldn't use data file " + PyRepr(c.path) + ": " + why;
    sink_.warn(msg);
    if (s_.combine.debug_combine) {
      sink_.debug("Couldn't combine data file " + RelPath(c.path, s_.combine.cwd) + ": " + why);
    }
  }

  void GiveUpOnPending() {
    for (auto& [path, c] : candidates_) {
      if (!c.done) Unusable(c, "not finished when the watch ended (" + c.waiting_for + ")");
    }
  }

  // Until something happens: a directory event, a watched process's exit (pidfd), a
  // signal, the next quiet-time deadline, or the poll interval.
  void Sleep(bool ended) {
    std::vector<pollfd> fds;
    if (inotify_ >= 0) fds.push_back({inotify_, POLLIN, 0});
    if (signals_.fd() >= 0) fds.push_back({signals_.fd(), POLLIN, 0});
    std::vector<int> pidfds;
    auto watch_pid = [&](pid_t pid) {
      if (pidfds.size() >= 64) return;
      int fd = int(syscall(SYS_pidfd_open, pid, 0));
      if (fd >= 0) {
        pidfds.push_back(fd);
        fds.push_back({fd, POLLIN, 0});
      }
    };
    if (!ended) {
      for (pid_t p : s_.pids) {
        if (ProcessRunning(p)) watch_pid(p);  // a zombie's pidfd is always readable
      }
    }
    for (auto& [path, c] : candidates_) {
      if (!c.done && c.writer_running) watch_pid(c.name.pid);
    }
    double timeout = s_.poll;
    if (next_settle_) timeout = std::min(timeout, *next_settle_ + 0.001);
    if (!ended && s_.until_idle > 0) {
      timeout = std::min(timeout, std::max(0.0, s_.until_idle - Seconds(Clock::now() - last_activity_)));
    }
    poll(fds.data(), fds.size(), int(timeout * 1000) + 1);
    if (inotify_ >= 0) {
      alignas(inotify_event) char buf[8192];
      while (read(inotify_, buf, sizeof buf) > 0) {
      }
    }
    for (int fd : pidfds) close(fd);
  }

  const WatchSettings& s_;
  const CombineSink& sink_;
  ShardMerger& merger_;
  CombineResult& result_;
  const std::string host_;
  ShardNameParser names_;
  EndSignals signals_;
  int inotify_ = -1;
  std::map<std::string, Candidate> candidates_;  // every input seen, sorted by path
  std::unordered_set<std::string> identities_;
  size_t dealt_with_ = 0;  // combined, skipped or found unusable
  Clock::time_point last_activity_;
  std::optional<double> next_settle_;
};

}  // namespace

Result<WatchResult> WatchAndCombine(const WatchSettings& s, const CombineSink& sink, Timings& timings) {
  WatchResult out;
  auto made = ShardMerger::Make(s.combine, sink);
  if (!made) return made.error();
  ShardMerger& merger = *made;
  {
    // Also refuses a slipcover data file, which the combined file must not replace.
    Timings::Phase t(timings, "read-target");
    auto target = ReadAppendTarget(s.combine);
    if (!target) return target.error();
    if (*target) merger.SeedFromTarget(**target);
  }
  Watcher watcher(s, sink, merger, out.combined);
  if (Status st = watcher.CheckInputsExist(); !st) return st.error();
  if (Status st = watcher.Run(out, timings); !st) return st.error();
  {
    Timings::Phase t(timings, "union");
    out.combined.data = merger.Finish();
  }
  return out;
}

}  // namespace covalesce
