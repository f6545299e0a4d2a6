// Deep sources: a parse, or a walk of the tree it makes, recurses about as deep as the source
// nests, and a pathological file (hundreds of operators on one line, thousands of 'elif's)
// would overflow a pool thread's stack. Such work runs on a thread with a stack of its own.
#include <pthread.h>

#include <functional>

#include "covalesce/python_tokens.h"

namespace covalesce::py {

bool MayNestDeeply(const std::vector<Token>& tokens) {
  // Below these counts even the costliest nesting (an open bracket: 13 parser frames, so
  // under 100 of them) stays well inside a 1 MiB stack, sanitizers' larger frames included.
  constexpr size_t kLineTokens = 200, kElifs = 400;
  size_t line_tokens = 0, elifs = 0;
  for (const Token& t : tokens) {
    if (t.kind == Tok::Newline) {
      line_tokens = 0;
      continue;
    }
    if (++line_tokens > kLineTokens) return true;
    if (t.kind == Tok::Name && t.kw == Kw::Elif && ++elifs > kElifs) return true;
  }
  return false;
}

void RunWithLargeStack(const std::function<void()>& fn) {
  struct Job {
    const std::function<void()>* fn;
    static void* Run(void* p) {
      (*static_cast<Job*>(p)->fn)();
      return nullptr;
    }
  } job{&fn};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, size_t(256) << 20);  // address space only, until touched
  pthread_t thread;
  if (pthread_create(&thread, &attr, &Job::Run, &job) == 0) {
    pthread_join(thread, nullptr);
  } else {
    fn();  // no thread to be had: try on this one
  }
  pthread_attr_destroy(&attr);
}

}  // namespace covalesce::py
