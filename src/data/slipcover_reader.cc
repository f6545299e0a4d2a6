// slipcover JSON -> Shard. Parsed with simdjson's On-Demand API; anything that is not the
// shape slipcover writes is an error naming the field, never a guess.
#include "covalesce/slipcover_reader.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include "covalesce/coverage_data.h"
#include "covalesce/discover.h"
#include "covalesce/kernels.h"
#include "covalesce/pystr.h"

namespace covalesce {
namespace {

namespace od = simdjson::ondemand;

// Line numbers past this are refused: they would only come from a damaged file, and each
// costs a bit in the file's bitmap.
constexpr int64_t kMaxLine = int64_t(1) << 26;

std::string ErrorText(simdjson::error_code e) { return simdjson::error_message(e); }

// Calls on_field(key, value) for each field of `object` and stops at the first problem it
// returns; a field that cannot be read is the problem `unreadable` + simdjson's message.
// "" when every field was read.
template <typename OnField>
std::string ForEachField(od::object& object, std::string_view unreadable, OnField&& on_field) {
  for (auto item : object) {
    od::field field;
    std::string_view key;
    if (auto e = std::move(item).get(field)) return std::string(unreadable) + ErrorText(e);
    if (auto e = field.unescaped_key().get(key)) return std::string(unreadable) + ErrorText(e);
    od::value value = field.value();
    if (std::string problem = on_field(key, value); !problem.empty()) return problem;
  }
  return "";
}

// Reads an array of line numbers into `out`; "" or the problem.
std::string ReadLines(od::value& v, std::vector<int32_t>& out) {
  od::array arr;
  if (auto e = v.get_array().get(arr)) return "not a list (" + ErrorText(e) + ")";
  for (auto el : arr) {
    int64_t n;
    if (auto e = el.get_int64().get(n)) return "not a list of line numbers (" + ErrorText(e) + ")";
    if (n < 1 || n > kMaxLine) return "line number " + std::to_string(n) + " out of range";
    out.push_back(int32_t(n));
  }
  return "";
}

// Reads an array of [from, to] pairs; "" or the problem.
std::string ReadBranches(od::value& v, std::vector<SlipcoverArc>& out) {
  od::array arr;
  if (auto e = v.get_array().get(arr)) return "not a list (" + ErrorText(e) + ")";
  for (auto el : arr) {
    od::array pair;
    if (auto e = el.get_array().get(pair)) return "not a list of [from, to] pairs (" + ErrorText(e) + ")";
    int64_t ends[2];
    size_t n = 0;
    for (auto x : pair) {
      int64_t k;
      if (auto e = x.get_int64().get(k)) return "not a list of [from, to] pairs (" + ErrorText(e) + ")";
      if (n < 2) ends[n] = k;
      ++n;
    }
    if (n != 2) return "a branch with " + std::to_string(n) + " numbers instead of 2";
    if (ends[0] < 1 || ends[0] > kMaxLine || ends[1] < 0 || ends[1] > kMaxLine) {
      return "branch [" + std::to_string(ends[0]) + ", " + std::to_string(ends[1]) + "] out of range";
    }
    out.emplace_back(int32_t(ends[0]), int32_t(ends[1]));
  }
  return "";
}

std::string ReadFile(od::value& v, SlipcoverFile& file) {
  od::object obj;
  if (auto e = v.get_object().get(obj)) return "not an object (" + ErrorText(e) + ")";
  bool lines = false;
  std::string problem = ForEachField(obj, "", [&](std::string_view key, od::value& value) {
    std::string problem;
    if (key == "executed_lines") {
      lines = true;
      problem = ReadLines(value, file.executed_lines);
    } else if (key == "executed_branches") {
      problem = ReadBranches(value, file.executed_branches);
    } else if (key == "missing_branches") {
      problem = ReadBranches(value, file.missing_branches);
    }  // missing_lines and summary: slipcover's own report; coverage.py's come from the source
    return problem.empty() ? problem : std::string(key) + ": " + problem;
  });
  if (!problem.empty()) return problem;
  if (!lines) return "executed_lines is missing";
  return "";
}

}  // namespace

bool LooksLikeJson(std::string_view head) {
  for (char c : head) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    return c == '{';
  }
  return false;
}

bool IsJsonFile(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f) return false;
  char head[64];
  size_t n = std::fread(head, 1, sizeof head, f.get());
  return LooksLikeJson(std::string_view(head, n));
}

Result<SlipcoverData> ParseSlipcoverJson(std::string_view json) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end, so the text is copied once.
  simdjson::padded_string padded(json);
  od::parser parser;
  od::document doc;
  if (auto e = parser.iterate(padded).get(doc)) return Error{"invalid JSON: " + ErrorText(e)};
  od::object root;
  if (auto e = doc.get_object().get(root)) return Error{"invalid JSON: " + ErrorText(e)};

  SlipcoverData data;
  std::optional<std::string> software;
  bool has_files = false;
  auto read_meta = [&](std::string_view key, od::value& value) -> std::string {
    if (key == "software") {
      std::string_view s;
      if (auto e = value.get_string().get(s)) return "meta.software: " + ErrorText(e);
      software.emplace(s);
    } else if (key == "version") {
      std::string_view s;
      if (auto e = value.get_string().get(s)) return "meta.version: " + ErrorText(e);
      data.version.assign(s);
    } else if (key == "branch_coverage") {
      if (auto e = value.get_bool().get(data.branch)) return "meta.branch_coverage: " + ErrorText(e);
    } else if (key == "show_contexts") {
      bool contexts = false;
      if (auto e = value.get_bool().get(contexts)) return "meta.show_contexts: " + ErrorText(e);
      if (contexts) return "meta.show_contexts is true, which slipcover's JSON cannot hold";
    }
    return "";
  };
  auto read_file = [&](std::string_view name, od::value& value) -> std::string {
    SlipcoverFile file;
    file.name.assign(name);
    if (file.name.empty()) return "files: an empty file name";
    if (std::string problem = ReadFile(value, file); !problem.empty()) {
      return "files[" + PyRepr(file.name) + "]." + problem;
    }
    data.files.push_back(std::move(file));
    return "";
  };
  auto read_root = [&](std::string_view key, od::value& value) -> std::string {
    if (key == "meta") {
      od::object meta;
      if (auto e = value.get_object().get(meta)) return "meta: not an object (" + ErrorText(e) + ")";
      return ForEachField(meta, "invalid JSON: ", read_meta);
    }
    if (key == "files") {
      has_files = true;
      od::object files;
      if (auto e = value.get_object().get(files)) return "files: not an object (" + ErrorText(e) + ")";
      return ForEachField(files, "files: ", read_file);
    }
    return "";
  };
  if (std::string problem = ForEachField(root, "invalid JSON: ", read_root); !problem.empty()) return Error{problem};
  if (!software) return Error{"not slipcover JSON: meta.software is missing"};
  if (*software != "slipcover") return Error{"not slipcover JSON: meta.software is " + PyRepr(*software)};
  if (!has_files) return Error{"files is missing"};
  for (SlipcoverFile& f : data.files) {
    std::sort(f.executed_lines.begin(), f.executed_lines.end());
    f.executed_lines.erase(std::unique(f.executed_lines.begin(), f.executed_lines.end()), f.executed_lines.end());
    if (!data.branch && (!f.executed_branches.empty() || !f.missing_branches.empty())) {
      return Error{"files[" + PyRepr(f.name) + "] has branches but meta.branch_coverage is false"};
    }
  }
  return data;
}

std::vector<SlipcoverArc> MapSlipcoverBranches(const SlipcoverFile& file,
                                               const std::vector<SlipcoverArc>& possible,
                                               size_t* unmapped) {
  // coverage.py's destinations from each line.
  std::map<int32_t, std::vector<int32_t>> dests;
  for (auto [from, to] : possible) dests[from].push_back(to);
  auto dests_of = [&](int32_t line) -> const std::vector<int32_t>* {
    auto it = dests.find(line);
    return it == dests.end() ? nullptr : &it->second;
  };
  // slipcover's destinations from each line, executed or not.
  std::map<int32_t, std::set<int32_t>> slip;
  for (auto [f, t] : file.executed_branches) slip[f].insert(t);
  for (auto [f, t] : file.missing_branches) slip[f].insert(t);

  std::vector<SlipcoverArc> out;
  size_t dropped = 0;
  auto matches = [](int32_t slip_to, int32_t cov_to) { return slip_to == 0 ? cov_to < 0 : slip_to == cov_to; };

  for (auto [f, t_binding] : file.executed_branches) {
    const int32_t t = t_binding;  // a plain variable: clang 14 cannot capture a structured binding
    const std::vector<int32_t>* d = dests_of(f);
    if (!d) {
      ++dropped;
      continue;
    }
    const std::set<int32_t>& mine = slip[f];
    // A match statement: coverage.py goes from the match line to the first case only.
    if (d->size() == 1 && (*d)[0] > f && !mine.count((*d)[0])) {
      int32_t cur = (*d)[0];
      std::vector<SlipcoverArc> chain;
      bool found = false;
      for (size_t guard = 0; guard < possible.size() && !found; ++guard) {
        const std::vector<int32_t>* cd = dests_of(cur);
        if (!cd) break;
        auto hit = std::find_if(cd->begin(), cd->end(), [&](int32_t to) { return matches(t, to); });
        if (hit != cd->end()) {
          chain.emplace_back(cur, *hit);
          found = true;
        } else if (cd->size() == 2 && (*cd)[0] > 0 && (*cd)[1] > 0) {
          // Not this case: the other way out of it, to the next case, comes after its body.
          int32_t next = std::max((*cd)[0], (*cd)[1]);
          chain.emplace_back(cur, next);
          cur = next;
        } else {
          break;
        }
      }
      if (found) {
        out.insert(out.end(), chain.begin(), chain.end());
      } else {
        ++dropped;
      }
      continue;
    }
    // An ordinary branch line: the same destination, the exit, or the one each side has left.
    auto hit = std::find_if(d->begin(), d->end(), [&](int32_t to) { return matches(t, to); });
    if (hit != d->end() && (t != 0 || std::count_if(d->begin(), d->end(), [](int32_t to) { return to < 0; }) == 1)) {
      out.emplace_back(f, *hit);
      continue;
    }
    std::vector<int32_t> slip_left, cov_left;
    for (int32_t s : mine) {
      if (std::none_of(d->begin(), d->end(), [&](int32_t to) { return matches(s, to); })) slip_left.push_back(s);
    }
    for (int32_t c : *d) {
      if (std::none_of(mine.begin(), mine.end(), [&](int32_t s) { return matches(s, c); })) cov_left.push_back(c);
    }
    if (slip_left.size() == 1 && cov_left.size() == 1 && slip_left[0] == t) {
      out.emplace_back(f, cov_left[0]);
    } else {
      ++dropped;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (unmapped) *unmapped = dropped;
  return out;
}

Result<Shard> ReadSlipcoverShard(const std::string& path, const SlipcoverReadOptions& options) {
  const std::string prefix = "Couldn't use data file " + PyRepr(path) + ": ";
  std::string text;
  {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
    if (!f) return Error{prefix + "cannot be read"};
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) text.append(buf, n);
    if (std::ferror(f.get())) return Error{prefix + "cannot be read"};
  }
  auto data = ParseSlipcoverJson(text);
  if (!data) return Error{prefix + data.error().message};

  Shard shard;
  shard.path = path;
  shard.slipcover = true;
  // As in coverage.py, the kind is fixed by the first measurement: a file that measured
  // nothing combines with either kind.
  if (std::any_of(data->files.begin(), data->files.end(),
                  [](const SlipcoverFile& f) { return !f.executed_lines.empty(); })) {
    shard.meta_has_arcs = data->branch;
  }
  shard.contexts.push_back("");  // coverage.py's default context
  shard.line_offsets.push_back(0);
  for (const SlipcoverFile& file : data->files) {
    const uint32_t index = uint32_t(shard.files.size());
    // coverage.py records absolute names, relative ones under relative_files.
    shard.files.push_back(options.relative_files || file.name[0] == '/' ? file.name
                                                                         : AbsPath(file.name, options.cwd));
    shard.tracers.emplace_back();
    if (file.executed_lines.empty()) continue;  // known but never run: a file row only
    if (!data->branch) {
      LineBitmap bits(size_t(file.executed_lines.back()) / 64 + 1, 0);
      for (int32_t l : file.executed_lines) bits[size_t(l) / 64] |= uint64_t(1) << (l % 64);
      const size_t at = shard.line_bytes.size();
      shard.line_bytes.resize(at + 8 * bits.size());
      const size_t len = kernels::EncodeNumbits(bits.data(), bits.size(), shard.line_bytes.data() + at);
      shard.line_bytes.resize(at + len);
      shard.line_file.push_back(index);
      shard.line_context.push_back(0);
      shard.line_offsets.push_back(uint32_t(shard.line_bytes.size()));
      continue;
    }
    std::vector<SlipcoverArc> arcs;
    if (file.executed_branches.empty() && file.missing_branches.empty() && options.possible_arcs) {
      // No branch at all, executed or not: slipcover did not instrument the file's branches
      // (1.1.0 cannot in the test files pytest rewrites). Said, since they will count as missing.
      if (auto possible = options.possible_arcs(AbsPath(file.name, options.cwd))) {
        std::map<int32_t, int> exits;
        for (auto [f, t] : *possible) {
          if (f > 0 && std::binary_search(file.executed_lines.begin(), file.executed_lines.end(), f)) ++exits[f];
        }
        if (std::any_of(exits.begin(), exits.end(), [](const auto& e) { return e.second > 1; })) {
          shard.warnings.push_back("slipcover recorded no branches for " + PyRepr(file.name) + " in " + PyRepr(path) +
                                   ", though its executed lines branch (slipcover cannot measure branches in"
                                   " files pytest rewrites); they count as not taken");
        }
      }
    }
    if (!file.executed_branches.empty()) {
      const std::string source = AbsPath(file.name, options.cwd);
      Result<std::vector<SlipcoverArc>> possible =
          options.possible_arcs ? options.possible_arcs(source) : Result<std::vector<SlipcoverArc>>(Error{"no analyser"});
      if (possible) {
        size_t unmapped = 0;
        arcs = MapSlipcoverBranches(file, *possible, &unmapped);
      } else {
        // Without coverage.py's arcs only the destinations that are lines can be kept.
        for (auto [f, t] : file.executed_branches) {
          if (t > 0) arcs.emplace_back(f, t);
        }
        shard.warnings.push_back("Couldn't resolve the slipcover branch exits of " + PyRepr(file.name) + " in " +
                                 PyRepr(path) + " (" + possible.error().message + "); they are left out");
      }
    }
    for (int32_t l : file.executed_lines) arcs.emplace_back(-l, l);
    for (auto [f, t] : arcs) {
      shard.arc_file.push_back(index);
      shard.arc_context.push_back(0);
      shard.arc_keys.push_back(kernels::PackArc(f, t));
    }
  }
  return shard;
}

}  // namespace covalesce
