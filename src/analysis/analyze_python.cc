// AnalyzeCached: the analysis cache around any analyser; AnalyzeWithPython: the exact
// fallback put together. Probe the interpreter (its name and
// coverage.py's version are part of every cache key), hash each file's bytes, serve hits
// from the cache, run the helper over the misses, store what is worth keeping.
#include <tbb/parallel_for.h>

#include <cstdio>

#include "covalesce/analysis.h"
#include "internal.h"

namespace covalesce {
namespace {

std::optional<std::string> ReadBytes(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return std::nullopt;
  std::string bytes;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.append(buf, n);
  bool ok = !std::ferror(f);
  std::fclose(f);
  if (!ok) return std::nullopt;
  return bytes;
}

// Results that depend only on the key's inputs: not a missing or unreadable file (looked
// for again next time), nor the machine running short of something.
bool Keepable(const FileAnalysis& fa) {
  static const char* const kTransient[] = {"MemoryError", "OSError", "PermissionError",
                                           "FileNotFoundError", "IsADirectoryError",
                                           "TimeoutError", "KeyboardInterrupt"};
  if (fa.error_kind == FileAnalysis::ErrorKind::kNoSource) return false;
  for (const char* t : kTransient) {
    if (fa.error_type == t) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<FileAnalysis>> AnalyzeCached(const std::vector<std::string>& files,
                                                const AnalysisSettings& settings, std::string_view analyser,
                                                const AnalyzeMissing& compute, AnalysisStats& st,
                                                PendingStore* later) {
  Timings& timings = st.timings;
  std::optional<Timings::Phase> phase;
  std::unique_ptr<AnalysisCache> cache;
  if (settings.use_cache && !settings.cache_dir.empty()) {
    phase.emplace(timings, "hash");
    auto opened = AnalysisCache::Open(settings.cache_dir);
    if (opened) cache = std::move(*opened);
    else st.warnings.push_back(opened.error().message);
  }

  std::vector<std::string> keys(files.size());
  std::vector<std::optional<FileAnalysis>> found(files.size());
  if (cache) {
    std::string fingerprint = AnalysisCache::Fingerprint(settings, analyser);
    tbb::parallel_for(size_t(0), files.size(), [&](size_t i) {
      if (auto bytes = ReadBytes(files[i])) keys[i] = AnalysisCache::Key(fingerprint, files[i], *bytes);
    });
    phase.emplace(timings, "lookup");
    std::vector<size_t> keyed;
    std::vector<std::string> lookup;
    for (size_t i = 0; i < files.size(); ++i) {
      if (!keys[i].empty()) keyed.push_back(i), lookup.push_back(keys[i]);
    }
    auto got = cache->Lookup(lookup);
    for (size_t k = 0; k < keyed.size(); ++k) found[keyed[k]] = std::move(got[k]);
    st.rebuilt = cache->rebuilt();
  }

  std::vector<size_t> missing;
  std::vector<std::string> missing_files;
  for (size_t i = 0; i < files.size(); ++i) {
    if (!found[i]) missing.push_back(i), missing_files.push_back(files[i]);
  }
  st.hits += files.size() - missing.size();
  st.misses += missing.size();
  phase.emplace(timings, "analyse");
  std::vector<bool> storable(missing.size(), true);
  auto computed = compute(missing_files, storable);
  if (!computed) return computed.error();

  // The answers worth keeping, by key and index in the results: stored here, or handed to
  // the caller (`later`) to store while it goes on.
  PendingStore store;
  if (cache) {
    for (size_t k = 0; k < missing.size(); ++k) {
      if (!keys[missing[k]].empty() && storable[k] && Keepable((*computed)[k])) {
        store.entries.emplace_back(keys[missing[k]], missing[k]);
      }
    }
    if (!store.entries.empty() || cache->has_unmarked_hits()) store.cache = std::move(cache);
  }
  phase.reset();

  std::vector<FileAnalysis> results(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    if (found[i]) results[i] = std::move(*found[i]);
  }
  for (size_t k = 0; k < missing.size(); ++k) results[missing[k]] = std::move((*computed)[k]);
  if (store && later) {
    *later = std::move(store);
  } else if (store) {
    std::vector<const FileAnalysis*> answers(results.size());
    for (size_t i = 0; i < results.size(); ++i) answers[i] = &results[i];
    store.Run(answers, st);
  }
  return results;
}

void PendingStore::Run(const std::vector<const FileAnalysis*>& results, AnalysisStats& st) {
  if (!cache) return;
  std::vector<std::pair<std::string, const FileAnalysis*>> to_store;
  to_store.reserve(entries.size());
  for (auto& [key, index] : entries) to_store.emplace_back(std::move(key), results[index]);
  {
    Timings::Phase t(st.timings, "store");
    if (Status s = cache->Store(to_store); !s) st.warnings.push_back(s.error().message);
  }
  st.rebuilt |= cache->rebuilt();
  cache.reset();
  entries.clear();
}

Result<std::vector<FileAnalysis>> AnalyzeWithPython(const std::vector<std::string>& files,
                                                    const AnalysisSettings& settings,
                                                    AnalysisStats* stats) {
  AnalysisStats local;
  AnalysisStats& st = stats ? *stats : local;
  std::optional<Timings::Phase> phase;
  phase.emplace(st.timings, "probe");
  auto info = ProbePython(settings.python);
  if (!info) return info.error();
  phase.reset();
  return AnalyzeCached(files, settings, info->analyser(),
                       [&](const std::vector<std::string>& missing, std::vector<bool>&) {
                         return RunPythonHelper(missing, settings);
                       },
                       st);
}

}  // namespace covalesce
