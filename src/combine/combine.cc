// combine: discover -> read (parallel) -> remap + check (in input order) -> union -> result.
//
// Shards are read by all threads, each into flat columns, in a pipeline whose last stage
// merges them one at a time in sorted input order, as coverage.py does, because path remapping can learn
// new rules as it goes and the first lines-vs-arcs or tracer conflict must be the one
// coverage.py would report. Line bitmaps are OR-ed into one accumulator per (file,
// context) as they arrive; arc keys go into a hash set per (file, context), so memory
// follows the size of the union, not the sum of the shards. A final parallel pass sorts
// the arcs of every (file, context).
#include "covalesce/combine.h"

#include <tbb/parallel_for.h>
#include <unistd.h>
#include <tbb/parallel_pipeline.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "covalesce/discover.h"
#include "covalesce/kernels.h"
#include "covalesce/path_aliases.h"
#include "covalesce/pystr.h"
#include "covalesce/shard_reader.h"
#include "covalesce/slipcover_reader.h"
#include "possible_arcs.h"
#include "covalesce/version.h"

namespace covalesce {
namespace {

enum class Kind { kNone, kLines, kArcs };

// A set of arc keys: open addressing, linear probing, kept at most half full. The merge
// stage (serial, in input order) adds every arc row of every shard here, ~2.1 million on
// the 339 stdlib shards for a union of ~140,000: a probe into a table of a few hundred
// slots that stays in cache is cheaper than appending and sorting again and again, and
// memory follows the union, not the sum of the shards. Key 0 marks an empty slot, so
// the key 0 itself (the arc INT32_MIN -> INT32_MIN) is kept aside in a flag.
class ArcKeySet {
 public:
  void Add(uint64_t key) {
    if (key == 0) {
      has_zero_ = true;
      return;
    }
    if (2 * (size_ + 1) > slots_.size()) Grow();
    const size_t mask = slots_.size() - 1;
    for (size_t i = Hash(key) & mask;; i = (i + 1) & mask) {
      if (slots_[i] == key) return;
      if (slots_[i] == 0) {
        slots_[i] = key;
        ++size_;
        return;
      }
    }
  }
  // The keys, sorted; the set is left empty.
  ArcKeys TakeSorted() {
    ArcKeys out;
    out.reserve(size_ + has_zero_);
    if (has_zero_) out.push_back(0);
    for (uint64_t k : slots_) {
      if (k) out.push_back(k);
    }
    out.resize(kernels::SortUnique(out.data(), out.size()));
    slots_ = {};
    size_ = 0;
    has_zero_ = false;
    return out;
  }

 private:
  static size_t Hash(uint64_t k) { return size_t((k * 0x9E3779B97F4A7C15ULL) >> 20); }
  void Grow() {
    std::vector<uint64_t> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : 2 * old.size(), 0);
    const size_t mask = slots_.size() - 1;
    for (uint64_t k : old) {
      if (!k) continue;
      size_t i = Hash(k) & mask;
      while (slots_[i]) i = (i + 1) & mask;
      slots_[i] = k;
    }
  }
  std::vector<uint64_t> slots_;
  size_t size_ = 0;
  bool has_zero_ = false;
};

// Everything merged so far for one (file, context).
struct Accumulator {
  uint32_t file, context;
  LineBitmap lines;
  ArcKeySet arcs;

  void AddArcs(const uint64_t* keys, size_t n) {
    for (size_t i = 0; i < n; ++i) arcs.Add(keys[i]);
  }
  void AddNumbits(const uint8_t* bytes, size_t n) {
    const size_t words = kernels::WordsForBytes(n);
    if (lines.size() < words) lines.resize(words, 0);
    // Numbits are little-endian bitmaps already: decode into a scratch row, then OR.
    thread_local std::vector<uint64_t> scratch;
    scratch.resize(words);
    kernels::DecodeNumbits(bytes, n, scratch.data());
    kernels::OrInto(lines.data(), scratch.data(), words);
  }
};

bool FileExists(const std::string& p) { return access(p.c_str(), F_OK) == 0; }

}  // namespace

struct ShardMerger::Impl {
  Impl(const CombineSettings& s, const CombineSink& sink, PathAliases aliases)
      : s_(s), sink_(sink), aliases_(std::move(aliases)) {}

  // Seeds the target with the existing data file (--append); its paths are not remapped.
  void SeedFromTarget(const Shard& target) {
    if (target.meta_has_arcs) kind_ = *target.meta_has_arcs ? Kind::kArcs : Kind::kLines;
    for (const std::string& w : target.warnings) sink_.warn(w);
    std::vector<uint32_t> files, contexts;
    for (size_t i = 0; i < target.files.size(); ++i) {
      files.push_back(FileId(target.files[i], target.tracers[i]));
    }
    for (const std::string& c : target.contexts) contexts.push_back(ContextId(c));
    AddRows(target, files, contexts);
  }

  // Merges one shard, or returns coverage.py's hard error for it.
  Status Merge(Shard& shard) {  // takes the shard's path list for the next call
    const bool other_arcs = shard.meta_has_arcs.value_or(false);
    const bool other_lines = shard.meta_has_arcs.has_value() && !*shard.meta_has_arcs;
    const std::string slug_tail =
        std::string("; see ") + kCoverageDocUrl + "/messages.html#error-cant-combine";
    if (kind_ == Kind::kLines && other_arcs) {
      return Error{"Can't combine branch coverage data with statement data: data file " +
                   PyRepr(shard.path) + " measured branch coverage, but data file " +
                   PyRepr(s_.data_file) + " didn't" + slug_tail};
    }
    if (kind_ == Kind::kArcs && other_lines) {
      return Error{"Can't combine statement coverage data with branch data: data file " +
                   PyRepr(shard.path) + " didn't measure branch coverage, but data file " +
                   PyRepr(s_.data_file) + " did" + slug_tail};
    }

    // Resolve each path to its output file. Mapping is memoised for the whole run (as
    // coverage.py's functools.cache of aliases.map), so a path seen before skips it.
    // Shards of one test run list the same files in the same order, so the previous
    // shard's answer at the same position is checked first (a memcmp, not a hash).
    std::vector<uint32_t> files(shard.files.size());
    const size_t files_before = data_.files.size();
    for (size_t i = 0; i < shard.files.size(); ++i) {
      if (i < prev_raw_.size() && prev_raw_[i] == shard.files[i]) {
        files[i] = prev_file_[i];
      } else {
        auto [it, added] = raw_to_file_.try_emplace(shard.files[i], 0);
        if (added) {
          std::string mapped = FixSlashes(aliases_.Map(shard.files[i]));
          FlushPathmapDebug();
          auto [fit, new_file] = file_index_.try_emplace(std::move(mapped), uint32_t(data_.files.size()));
          if (new_file) data_.files.push_back(FileCoverage{fit->first, shard.tracers[i], {}, {}, {}, {}});
          it->second = fit->second;
        }
        files[i] = it->second;
      }
      // The first input naming a file fixes its tracer; a later input that disagrees is
      // an error. (A hard error ends the command before anything is written, so files
      // added above do no harm.)
      const std::string& mine = data_.files[files[i]].tracer;
      if (files[i] < files_before && mine != shard.tracers[i]) {
        return Error{"Conflicting file tracer name for " + PyRepr(data_.files[files[i]].path) +
                     ": " + PyRepr(mine) + " vs " + PyRepr(shard.tracers[i])};
      }
    }
    if (shard.has_arc_rows()) {
      if (kind_ == Kind::kLines) return Error{"Can't add branch measurements to existing line data"};
      kind_ = Kind::kArcs;
    }
    if (shard.has_line_rows()) {
      if (kind_ == Kind::kArcs) return Error{"Can't add line measurements to existing branch data"};
      kind_ = Kind::kLines;
    }

    for (const std::string& w : shard.warnings) sink_.warn(w);
    // The memos grow with the distinct paths of the inputs (a CI matrix: nodes x files),
    // not with the result: past a few times the result's files they are dropped, so memory
    // follows the union. Consecutive shards of one node still hit prev_raw_. (Not with
    // --debug=pathmap, whose lines coverage.py says once per distinct path.)
    if (!s_.debug_pathmap && raw_to_file_.size() > 4 * data_.files.size() + 4096) {
      raw_to_file_.clear();
      aliases_.ForgetMemo();
    }

    std::vector<uint32_t> contexts;
    for (const std::string& c : shard.contexts) contexts.push_back(ContextId(c));
    AddRows(shard, files, contexts);
    prev_raw_.swap(shard.files);
    prev_file_ = std::move(files);
    return ok_status();
  }

  void FlushPathmapDebug() {
    for (std::string& line : aliases_.TakeDebugLines()) {
      if (s_.debug_pathmap) sink_.debug(line);
    }
  }

  // Final sort+unique of every accumulator, then the columnar result.
  CoverageData Finish() {
    std::vector<ArcKeys> sorted(accs_.size());
    tbb::parallel_for(size_t(0), accs_.size(), [&](size_t i) {
      sorted[i] = accs_[i].arcs.TakeSorted();
    });
    if (kind_ != Kind::kNone) data_.has_arcs = kind_ == Kind::kArcs;
    for (size_t i = 0; i < accs_.size(); ++i) {
      Accumulator& a = accs_[i];
      FileCoverage& fc = data_.files[a.file];
      if (kind_ == Kind::kArcs) {
        fc.arc_contexts.push_back(a.context);
        fc.arcs.push_back(std::move(sorted[i]));
      } else {
        fc.line_contexts.push_back(a.context);
        fc.lines.push_back(std::move(a.lines));
      }
    }
    accs_.clear();
    return std::move(data_);
  }

  uint32_t FileId(const std::string& path, const std::string& tracer) {
    auto [it, added] = file_index_.try_emplace(path, uint32_t(data_.files.size()));
    if (added) data_.files.push_back(FileCoverage{path, tracer, {}, {}, {}, {}});
    return it->second;
  }
  uint32_t ContextId(const std::string& label) {
    auto [it, added] = context_index_.try_emplace(label, uint32_t(data_.contexts.size()));
    if (added) data_.contexts.push_back(label);
    return it->second;
  }
  Accumulator& Acc(uint32_t file, uint32_t context) {
    uint64_t key = (uint64_t(file) << 32) | context;
    auto [it, added] = acc_index_.try_emplace(key, uint32_t(accs_.size()));
    if (added) accs_.push_back(Accumulator{file, context, {}, {}});
    return accs_[it->second];
  }

  void AddRows(const Shard& shard, const std::vector<uint32_t>& files,
               const std::vector<uint32_t>& contexts) {
    for (size_t r = 0; r < shard.line_file.size(); ++r) {
      Accumulator& a = Acc(files[shard.line_file[r]], contexts[shard.line_context[r]]);
      uint32_t begin = shard.line_offsets[r], end = shard.line_offsets[r + 1];
      a.AddNumbits(shard.line_bytes.data() + begin, end - begin);
    }
    // Arc rows of one (file, context) are usually adjacent: hand them over as runs.
    const size_t n = shard.arc_keys.size();
    for (size_t r = 0; r < n;) {
      size_t e = r + 1;
      while (e < n && shard.arc_file[e] == shard.arc_file[r] &&
             shard.arc_context[e] == shard.arc_context[r]) {
        ++e;
      }
      Acc(files[shard.arc_file[r]], contexts[shard.arc_context[r]])
          .AddArcs(shard.arc_keys.data() + r, e - r);
      r = e;
    }
  }

  CombineSettings s_;  // copies: a merger may outlive the caller's settings (--watch)
  CombineSink sink_;
  PathAliases aliases_;
  Kind kind_ = Kind::kNone;
  CoverageData data_;
  std::unordered_map<std::string, uint32_t> file_index_, context_index_;
  std::unordered_map<std::string, uint32_t> raw_to_file_;  // unmapped path -> output file
  std::vector<std::string> prev_raw_;    // the previous shard's paths ...
  std::vector<uint32_t> prev_file_;      // ... and their output files
  std::unordered_map<uint64_t, uint32_t> acc_index_;
  std::vector<Accumulator> accs_;
};

Result<ShardMerger> ShardMerger::Make(const CombineSettings& s, const CombineSink& sink) {
  auto aliases = PathAliases::Make(s.aliases, s.relative_files, s.cwd);
  if (!aliases) return aliases.error();
  ShardMerger merger(std::make_unique<Impl>(s, sink, std::move(*aliases)));
  if (s.debug_pathmap) merger.impl_->FlushPathmapDebug();
  return merger;
}
ShardMerger::ShardMerger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ShardMerger::ShardMerger(ShardMerger&&) noexcept = default;
ShardMerger& ShardMerger::operator=(ShardMerger&&) noexcept = default;
ShardMerger::~ShardMerger() = default;
void ShardMerger::SeedFromTarget(const Shard& target) { impl_->SeedFromTarget(target); }
Status ShardMerger::Merge(Shard& shard) { return impl_->Merge(shard); }
CoverageData ShardMerger::Finish() { return impl_->Finish(); }

namespace {

// A combine input or target: slipcover JSON when it starts like JSON, else coverage.py's SQLite.
// A healthy SQLite shard (nearly every input) goes straight to the page reader, which checks
// SQLite's magic first: no file it accepts can be JSON, and the extra open is saved.
Result<Shard> ReadInput(const std::string& path, const SlipcoverReadOptions& slipcover) {
  if (auto fast = ReadShardPages(path)) return std::move(*fast);
  if (IsJsonFile(path)) return ReadSlipcoverShard(path, slipcover);
  return ReadShardSqlite(path);
}

// The output is written as a coverage.py data file: never over a slipcover file (an input).
Error NotOverSlipcover(const std::string& data_file) {
  return Error{"Couldn't write combined data to " + PyRepr(data_file) +
               ": it is a slipcover JSON file; name a coverage.py data file with --data-file"};
}

}  // namespace

Result<std::optional<Shard>> ReadAppendTarget(const CombineSettings& s) {
  // The output is always a coverage.py file: a slipcover data file is never written over.
  if (FileExists(s.data_file) && IsJsonFile(s.data_file)) return NotOverSlipcover(s.data_file);
  if (!s.append || (s.parallel && !FileExists(s.data_file)) || !FileExists(s.data_file)) {
    return std::optional<Shard>();
  }
  auto target = ReadShard(s.data_file);
  if (target) return std::optional<Shard>(std::move(*target));
  if (target.error().message.find("no such table: coverage_schema") != std::string::npos) {
    return std::optional<Shard>();  // an empty or foreign SQLite target is simply empty
  }
  return target.error();
}

Result<CombineResult> CombineData(const CombineSettings& s, const CombineSink& sink,
                                  Timings& timings) {
  CombineResult result;
  const bool target_slipcover = FileExists(s.data_file) && IsJsonFile(s.data_file);
  if (target_slipcover && !s.append) return NotOverSlipcover(s.data_file);
  PossibleArcsSource possible(s.python_version);
  // A slipcover file's sources are looked for where [paths] maps its names (recorded on
  // another machine, they are not where they were), else where they were recorded. A PathAliases
  // of its own: the merge's, which prints debug lines and learns rules in input order, is not
  // shared with the reading threads.
  auto source_aliases = PathAliases::Make(s.aliases, s.relative_files, s.cwd);
  if (!source_aliases) return source_aliases.error();
  std::mutex source_aliases_mu;
  SlipcoverReadOptions slipcover{s.cwd, s.relative_files, [&](const std::string& p) {
                                   std::string mapped;
                                   {
                                     std::lock_guard<std::mutex> lock(source_aliases_mu);
                                     mapped = AbsPath(FixSlashes(source_aliases->Map(p)), s.cwd);
                                     source_aliases->TakeDebugLines();
                                   }
                                   return possible.Get(FileExists(mapped) ? mapped : p);
                                 }};

  // discover: candidates, and for each whether it duplicates an earlier one.
  std::vector<std::string> candidates;
  std::vector<std::string> identity;
  {
    Timings::Phase t(timings, "discover");
    auto found = CombinableFiles(s.data_file, s.paths, s.cwd);
    if (!found) return found.error();
    candidates = std::move(*found);
    // A shard its test process is still writing is neither read nor deleted.
    std::erase_if(candidates, [&](const std::string& f) {
      auto pid = StillBeingWritten(f);
      if (!pid) return false;
      ++result.in_progress;
      if (sink.notice) {
        sink.notice("covalesce: " + RelPath(f, s.cwd) + ": still being written by process " +
                    std::to_string(*pid) + "; not combined, kept for the next run");
      }
      return true;
    });
    result.candidates = candidates.size();
    std::erase(candidates, s.data_file);  // never combine the output into itself
    identity.resize(candidates.size());
    tbb::parallel_for(size_t(0), candidates.size(), [&](size_t i) {
      if (auto h = ParallelNameHash(candidates[i])) {
        identity[i] = *h;
      } else if (auto sha = FileSha3Hex(candidates[i])) {
        identity[i] = *sha;
      }  // unreadable: no identity, so it is combined (and will fail to read)
    });
  }
  auto made = ShardMerger::Make(s, sink);
  if (!made) return made.error();
  ShardMerger& merger = *made;

  if (s.append && FileExists(s.data_file)) {
    Timings::Phase t(timings, "read-target");
    auto target = ReadInput(s.data_file, slipcover);
    if (target) {
      merger.SeedFromTarget(*target);
    } else if (target.error().message.find("no such table: coverage_schema") ==
               std::string::npos) {
      return target.error();  // an empty or foreign SQLite target is simply empty
    }
  }

  std::unordered_set<std::string> seen;
  std::vector<bool> skip(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    skip[i] = !identity[i].empty() && !seen.insert(identity[i]).second;
  }

  auto rel = [&](const std::string& f) { return RelPath(f, s.cwd); };
  // read (parallel) -> merge (serial, in input order), overlapped: while one thread
  // merges shard i, the others read the shards after it. At most `batch` shards are in
  // flight, which bounds memory.
  std::atomic<int64_t> read_ns{0};
  int64_t merge_ns = 0;
  std::optional<Error> hard_error;
  size_t next = 0;
  auto now = [] { return std::chrono::steady_clock::now(); };
  {
    Timings::Phase t(timings, "read+remap");
    tbb::parallel_pipeline(
        std::max<size_t>(1, s.batch),
        tbb::make_filter<void, size_t>(tbb::filter_mode::serial_in_order,
                                       [&](tbb::flow_control& fc) -> size_t {
                                         if (next == candidates.size() || hard_error) {
                                           fc.stop();
                                           return 0;
                                         }
                                         return next++;
                                       }) &
            tbb::make_filter<size_t, std::pair<size_t, std::optional<Result<Shard>>>>(
                tbb::filter_mode::parallel,
                [&](size_t i) {
                  std::pair<size_t, std::optional<Result<Shard>>> out{i, std::nullopt};
                  if (skip[i]) return out;
                  auto t0 = now();
                  out.second.emplace(ReadInput(candidates[i], slipcover));
                  read_ns += (now() - t0).count();
                  return out;
                }) &
            tbb::make_filter<std::pair<size_t, std::optional<Result<Shard>>>, void>(
                tbb::filter_mode::serial_in_order,
                [&](std::pair<size_t, std::optional<Result<Shard>>> item) {
                  if (hard_error) return;
                  auto t0 = now();
                  const std::string& f = candidates[item.first];
                  if (!item.second) {
                    ++result.skipped;
                    if (s.debug_combine) sink.debug("Skipping duplicate data " + rel(f));
                    result.deletable.push_back(f);
                  } else if (!*item.second) {
                    const std::string& msg = item.second->error().message;
                    ++result.errored;
                    sink.warn(msg);
                    if (s.debug_combine) sink.debug("Couldn't combine data file " + rel(f) + ": " + msg);
                  } else if (Status merged = merger.Merge(**item.second); !merged) {
                    hard_error = merged.error();
                  } else {
                    ++result.combined;
                    if (s.debug_combine) sink.debug("Combined data file " + rel(f));
                    result.deletable.push_back(f);
                  }
                  merge_ns += (now() - t0).count();
                }));
  }
  timings.AddOverlapped("read", double(read_ns.load()) * 1e-9);
  timings.AddOverlapped("remap", double(merge_ns) * 1e-9);
  if (hard_error) return *hard_error;
  // A report reading a slipcover file as its data file can show it, but not store more in it.
  if (target_slipcover && result.combined > 0) return NotOverSlipcover(s.data_file);
  {
    Timings::Phase t(timings, "union");
    result.data = merger.Finish();
  }
  return result;
}

}  // namespace covalesce
