// Single-threaded native analysis over a list of files, timed in CPU time of this thread (and
// wall time), for bench/analysis_bench: CPU time is what a loaded machine changes least, and
// nothing but the analysis (reading, decoding, parsing, statements, and with --branch the
// arcs, exit counts, no-branch lines and fragments) is inside the timed loop.
//
//   native_analysis_bench [--branch] [--python-version 3.12.1] [--repeat N] < file-list
//   native_analysis_bench --serve [--branch] [--python-version 3.12.1]
//
// Prints "files F fallback K wall S cpu S" with the best of N runs of each. With --serve, reads
// one chunk of tab-separated paths per line and answers "wall cpu" for each, so a caller can
// alternate chunks with another tool in one warm process.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "covalesce/native_analysis.h"

using namespace covalesce;

namespace {

double Now(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  AnalysisSettings s;
  s.python_version = "3.12";
  int repeat = 3;
  bool serve = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--branch")) s.branch = true;
    else if (!std::strcmp(argv[i], "--serve")) serve = true;
    else if (!std::strcmp(argv[i], "--python-version") && i + 1 < argc) s.python_version = argv[++i];
    else if (!std::strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = std::max(1, std::atoi(argv[++i]));
  }
  // coverage.py 7.17.3's defaults (config.py DEFAULT_EXCLUDE, DEFAULT_PARTIAL, _ALWAYS).
  s.exclude = {R"(#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER))",
               R"(^\s*(((async )?def .*?)?[\])]+(\s*->.*?)?:\s*)?\.\.\.\s*(#|$))",
               R"(^\s*if (typing\.)?TYPE_CHECKING:)"};
  s.partial = {R"(#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(branch|BRANCH))"};
  s.partial_always = {R"(^\s*while (True|1|False|0):)", R"(^\s*if (True|1|False|0):)"};
  auto analyzer = NativeAnalyzer::Create(s);
  if (!analyzer) {
    std::fprintf(stderr, "%s\n", analyzer.error().message.c_str());
    return 2;
  }
  if (serve) {
    for (std::string line; std::getline(std::cin, line);) {
      std::vector<std::string> chunk;
      for (size_t at = 0; at <= line.size();) {
        size_t tab = line.find('\t', at);
        if (tab == std::string::npos) tab = line.size();
        if (tab > at) chunk.push_back(line.substr(at, tab - at));
        at = tab + 1;
      }
      const double w0 = Now(CLOCK_MONOTONIC), c0 = Now(CLOCK_THREAD_CPUTIME_ID);
      for (const std::string& f : chunk) (*analyzer)->AnalyzeFile(f);
      const double cpu = Now(CLOCK_THREAD_CPUTIME_ID) - c0, wall = Now(CLOCK_MONOTONIC) - w0;
      std::printf("%.6f %.6f\n", wall, cpu);
      std::fflush(stdout);
    }
    return 0;
  }
  std::vector<std::string> files;
  for (std::string line; std::getline(std::cin, line);)
    if (!line.empty()) files.push_back(line);

  double best_wall = 1e30, best_cpu = 1e30;
  size_t fallbacks = 0;
  for (int r = 0; r < repeat; ++r) {
    fallbacks = 0;
    const double w0 = Now(CLOCK_MONOTONIC), c0 = Now(CLOCK_THREAD_CPUTIME_ID);
    for (const std::string& f : files) fallbacks += (*analyzer)->AnalyzeFile(f).fallback;
    best_cpu = std::min(best_cpu, Now(CLOCK_THREAD_CPUTIME_ID) - c0);
    best_wall = std::min(best_wall, Now(CLOCK_MONOTONIC) - w0);
  }
  std::printf("files %zu fallback %zu wall %.4f cpu %.4f\n", files.size(), fallbacks, best_wall, best_cpu);
  return 0;
}
