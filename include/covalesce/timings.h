// Wall time per phase, printed on stderr with --timings (mold's Timer, in miniature).
#pragma once
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace covalesce {

class Timings {
 public:
  struct Entry {
    std::string name;
    double seconds;
    bool overlapped = false;  // busy time inside an overlapped phase: not added to the total
  };

  // Times the enclosing scope as phase `name`.
  class Phase {
   public:
    Phase(Timings& t, std::string name)
        : t_(t), name_(std::move(name)), start_(std::chrono::steady_clock::now()) {}
    ~Phase() {
      std::chrono::duration<double> d = std::chrono::steady_clock::now() - start_;
      t_.entries_.push_back({std::move(name_), d.count(), false});
    }

   private:
    Timings& t_;
    std::string name_;
    std::chrono::steady_clock::time_point start_;
  };

  // A phase timed elsewhere (as if by Phase).
  void Add(std::string name, double seconds) { entries_.push_back({std::move(name), seconds, false}); }
  // Busy time of a stage that ran overlapped with others (summed over threads); shown
  // under the phase that contains it, not added to the total.
  void AddOverlapped(std::string name, double seconds) {
    entries_.push_back({std::move(name), seconds, true});
  }
  const std::vector<Entry>& entries() const { return entries_; }
  void Print(FILE* out) const {
    double total = 0;
    for (const Entry& e : entries_) {
      if (e.overlapped) {
        std::fprintf(out, "timings:   %-8s %9.1f ms busy (overlapped)\n", e.name.c_str(), e.seconds * 1e3);
        continue;
      }
      std::fprintf(out, "timings: %-10s %9.1f ms\n", e.name.c_str(), e.seconds * 1e3);
      total += e.seconds;
    }
    std::fprintf(out, "timings: %-10s %9.1f ms\n", "total", total * 1e3);
  }

 private:
  std::vector<Entry> entries_;
};

}  // namespace covalesce
