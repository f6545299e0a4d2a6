// Deep sources: a parse, or a walk of the tree it makes, recurses about as deep as the source
// nests, and a pathological file (hundreds of operators on one line, thousands of 'elif's)
// would overflow a pool thread's stack. Such work runs on a thread with a stack of its own.
#include <pthread.h>

#include <condition_variable>
#include <functional>
#include <mutex>

#include "covalesce/python_tokens.h"

namespace covalesce::py {

std::vector<Token> ParserTokens(const TokenStream& ts, bool& deep) {
  // Below these counts even the costliest nesting (an open bracket: 13 parser frames, so
  // under 100 of them) stays well inside a 1 MiB stack, sanitizers' larger frames included.
  constexpr size_t kLineTokens = 200, kElifs = 400;
  size_t line_tokens = 0, elifs = 0;
  deep = false;
  std::vector<Token> out;
  out.reserve(ts.tokens.size());
  for (const Token& t : ts.tokens) {
    if (t.kind == Tok::Comment || t.kind == Tok::NL) continue;
    out.push_back(t);
    if (t.kind == Tok::Newline) {
      line_tokens = 0;
      continue;
    }
    if (++line_tokens > kLineTokens) deep = true;
    if (t.kind == Tok::Name && t.kw == Kw::Elif && ++elifs > kElifs) deep = true;
  }
  return out;
}

namespace {

// One helper thread with a large stack per calling thread, made on first use and kept: a
// stdlib analysis asks for one for ~270 calls (every file with a long line), and a fresh
// 256 MiB thread each time cost a clone, a mapping, page faults on a new stack and an
// unmapping that interrupts every other CPU. The caller waits for each job, so one helper
// per caller is enough; it ends with the caller.
class LargeStackHelper {
 public:
  bool Run(const std::function<void()>& fn) {
    if (!started_ && !Start()) return false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = &fn;
    }
    cv_.notify_all();
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return job_ == nullptr; });
    return true;
  }
  ~LargeStackHelper() {
    if (!started_) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      quit_ = true;
    }
    cv_.notify_all();
    pthread_join(thread_, nullptr);
  }

 private:
  bool Start() {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, size_t(256) << 20);  // address space only, until touched
    started_ = pthread_create(&thread_, &attr, &LargeStackHelper::Loop, this) == 0;
    pthread_attr_destroy(&attr);
    return started_;
  }
  static void* Loop(void* p) {
    auto& self = *static_cast<LargeStackHelper*>(p);
    std::unique_lock<std::mutex> lock(self.mu_);
    for (;;) {
      self.cv_.wait(lock, [&] { return self.job_ != nullptr || self.quit_; });
      if (self.job_ == nullptr) return nullptr;  // quit
      const std::function<void()>* job = self.job_;
      lock.unlock();
      (*job)();
      lock.lock();
      self.job_ = nullptr;
      self.cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  const std::function<void()>* job_ = nullptr;
  bool quit_ = false;
  bool started_ = false;
  pthread_t thread_{};
};

}  // namespace

void RunWithLargeStack(const std::function<void()>& fn) {
  thread_local LargeStackHelper helper;
  if (!helper.Run(fn)) fn();  // no thread to be had: try on this one
}

}  // namespace covalesce::py
