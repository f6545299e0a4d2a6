// coverage.py's JsonReporter (jsonreport.py), format 3, and render_report() for the one-file
// reports. The output is what Python's json.dump writes for the report's dicts: ensure_ascii,
// separators ", " / ": " (",", ": " and a 4-space indent with pretty_print), int dict keys as
// strings, tuples as lists, floats by repr. Each file's object is rendered on its own (in
// parallel) and spliced into the whole.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <unordered_map>

#include "covalesce/json_text.h"
#include "covalesce/py_compat.h"
#include "covalesce/pystr.h"
#include "covalesce/report_json.h"
#include "covalesce/utf8.h"
#include "covalesce/version.h"

namespace covalesce::report {

// ---- Python's json encoder ------------------------------------------------------------------

namespace {

void AppendU(std::string& out, uint32_t unit) {
  static const char kHex[] = "0123456789abcdef";
  char buf[6] = {'\\', 'u', kHex[(unit >> 12) & 15], kHex[(unit >> 8) & 15], kHex[(unit >> 4) & 15],
                 kHex[unit & 15]};
  out.append(buf, 6);
}

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Text built from owned pieces and shared ones: with --show-contexts, every region of a file
// repeats the file's whole contexts object, which is rendered once and copied only into the
// final output.
class Rope {
 public:
  // The owned piece at the end, to append to (valid until the next Share or Splice).
  std::string& Tail() {
    if (pieces_.empty() || pieces_.back().shared) pieces_.emplace_back();
    return pieces_.back().own;
  }
  void Share(std::shared_ptr<const std::string> text) { pieces_.push_back({{}, std::move(text)}); }
  void Splice(Rope&& other) {
    for (Piece& p : other.pieces_) pieces_.push_back(std::move(p));
    other.pieces_.clear();
  }
  size_t size() const {
    size_t n = 0;
    for (const Piece& p : pieces_) n += p.shared ? p.shared->size() : p.own.size();
    return n;
  }
  void AppendTo(std::string& out) const {
    for (const Piece& p : pieces_) out += p.shared ? *p.shared : p.own;
  }
  // Hands every piece to `write`, then holds nothing.
  void Drain(const TextSink& write) {
    for (const Piece& p : pieces_) write(p.shared ? std::string_view(*p.shared) : std::string_view(p.own));
    pieces_.clear();
  }

 private:
  struct Piece {
    std::string own;
    std::shared_ptr<const std::string> shared;
  };
  std::vector<Piece> pieces_;
};

// json.dump's layout: where separators, newlines and indentation go.
class Emitter {
 public:
  Emitter(Rope& rope, bool pretty, int depth) : rope_(rope), out_(&rope.Tail()), pretty_(pretty), depth_(depth) {}

  void Open(char c) {
    *out_ += c;
    ++depth_;
    first_.push_back(true);
  }
  void Close(char c) {
    --depth_;
    const bool empty = first_.back();
    first_.pop_back();
    if (pretty_ && !empty) Newline();
    *out_ += c;
  }
  // Before each element of a list or item of a dict.
  void Item() {
    if (!first_.back()) *out_ += pretty_ ? "," : ", ";
    first_.back() = false;
    if (pretty_) Newline();
  }
  void Key(std::string_view key) {
    Item();
    AppendJsonString(*out_, key);
    *out_ += ": ";
  }
  void IntKey(int64_t key) {
    Item();
    *out_ += '"';
    AppendInt(*out_, key);
    *out_ += "\": ";
  }
  void Int(int64_t v) { AppendInt(*out_, v); }
  void KeyInt(std::string_view key, int64_t v) {
    Key(key);
    Int(v);
  }
  void Float(double v) { *out_ += JsonFloat(v); }
  void Bool(bool v) { *out_ += v ? "true" : "false"; }
  void String(std::string_view s) { AppendJsonString(*out_, s); }
  void Share(std::shared_ptr<const std::string> text) {
    rope_.Share(std::move(text));
    out_ = &rope_.Tail();
  }
  void Splice(Rope&& other) {
    rope_.Splice(std::move(other));
    out_ = &rope_.Tail();
  }
  // Writes out what is emitted so far (the layout state stays).
  void Drain(const TextSink& write) {
    rope_.Drain(write);
    out_ = &rope_.Tail();
  }

  void IntList(const std::vector<LineNo>& v) {
    Open('[');
    for (LineNo x : v) {
      Item();
      Int(x);
    }
    Close(']');
  }
  // _convert_branch_arcs: {l1: [l2a, l2b]} as [[l1, l2a], [l1, l2b]].
  void ArcList(const BranchArcs& arcs) {
    Open('[');
    for (const auto& [from, tos] : arcs) {
      for (LineNo to : tos) {
        Item();
        Open('[');
        Item();
        Int(from);
        Item();
        Int(to);
        Close(']');
      }
    }
    Close(']');
  }

  int depth() const { return depth_; }

 private:
  void Newline() {
    *out_ += '\n';
    out_->append(size_t(depth_) * 4, ' ');
  }
  Rope& rope_;
  std::string* out_;
  bool pretty_;
  int depth_;
  std::vector<bool> first_;
};

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      size_t j = i + 1;  // a run of plain ASCII
      while (j < s.size()) {
        const unsigned char d = static_cast<unsigned char>(s[j]);
        if (d < 0x20 || d >= 0x7f || d == '"' || d == '\\') break;
        ++j;
      }
      out.append(s.data() + i, j - i);
      i = j;
      continue;
    }
    uint32_t code = 0;
    size_t len = DecodeUtf8(s, i, &code);
    const int32_t cp = len ? int32_t(code) : -1;  // -1: a byte that is not UTF-8
    if (!len) len = 1;
    if (cp == -1) {
      AppendU(out, 0xDC00 | c);  // surrogateescape's lone surrogate
    } else if (const char* escape = JsonShortEscape(uint32_t(cp))) {
      out += escape;
    } else if (cp >= 0x10000) {
      const uint32_t v = uint32_t(cp) - 0x10000;
      AppendU(out, 0xD800 | (v >> 10));
      AppendU(out, 0xDC00 | (v & 0x3FF));
    } else {
      AppendU(out, uint32_t(cp));
    }
    i += len;
  }
  out += '"';
}

std::string JsonFloat(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value < 0 ? "-Infinity" : "Infinity";
  return py::FloatRepr(value);
}

std::string IsoTimestampNow() {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  struct tm tm;
  time_t secs = tv.tv_sec;
  localtime_r(&secs, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (tv.tv_usec != 0) {
    std::snprintf(buf, sizeof buf, ".%06ld", long(tv.tv_usec));
    out += buf;
  }
  return out;
}

// ---- the report ----------------------------------------------------------------------------

namespace {

struct JsonSettings {
  bool pretty = false;
  bool show_contexts = false;
  bool has_arcs = false;
};

// A percentage as coverage.py's summaries give it: the number under `key`, then its display
// string under `key` + "_display".
void Percent(Emitter& e, const std::string& key, double pc, const std::string& display) {
  e.Key(key);
  e.Float(pc);
  e.Key(key + "_display");
  e.String(display);
}

// make_summary + make_branch_summary.
Status Summary(Emitter& e, const Numbers& n, bool branches) {
  auto pc = n.pc_covered_str();
  if (!pc) return pc.error();
  auto pc_statements = n.pc_statements_str();
  if (!pc_statements) return pc_statements.error();
  e.Open('{');
  e.KeyInt("covered_lines", n.n_executed());
  e.KeyInt("num_statements", n.n_statements);
  Percent(e, "percent_covered", n.pc_covered(), *pc);
  e.KeyInt("missing_lines", n.n_missing);
  e.KeyInt("excluded_lines", n.n_excluded);
  Percent(e, "percent_statements_covered", n.pc_statements(), *pc_statements);
  if (branches) {
    auto pc_branches = n.pc_branches_str();
    if (!pc_branches) return pc_branches.error();
    e.KeyInt("num_branches", n.n_branches);
    e.KeyInt("num_partial_branches", n.n_partial_branches);
    e.KeyInt("covered_branches", n.n_executed_branches());
    e.KeyInt("missing_branches", n.n_missing_branches);
    Percent(e, "percent_branches_covered", n.pc_branches(), *pc_branches);
  }
  e.Close('}');
  return ok_status();
}

// contexts_by_lineno() as a JSON object, rendered once per nesting depth.
class ContextsText {
 public:
  ContextsText(const Session& session, const FileReport& file, bool pretty)
      : session_(session), file_(file), pretty_(pretty) {}
  std::shared_ptr<const std::string> At(int depth) {
    auto it = by_depth_.find(depth);
    if (it != by_depth_.end()) return it->second;
    if (!loaded_) {
      contexts_ = session_.ContextsByLineno(file_);
      loaded_ = true;
    }
    Rope rope;
    Emitter e(rope, pretty_, depth);
    e.Open('{');
    for (const auto& [line, labels] : contexts_) {
      e.IntKey(line);
      e.Open('[');
      for (const std::string& label : labels) {
        e.Item();
        e.String(label);
      }
      e.Close(']');
    }
    e.Close('}');
    auto text = std::make_shared<std::string>();
    text->reserve(rope.size());
    rope.AppendTo(*text);
    by_depth_[depth] = text;
    return text;
  }

 private:
  const Session& session_;
  const FileReport& file_;
  bool pretty_;
  bool loaded_ = false;
  std::map<LineNo, std::vector<std::string>> contexts_;
  std::map<int, std::shared_ptr<const std::string>> by_depth_;
};

// The body shared by a file's object and a region's: lines, summary, [start_line], contexts,
// branches.
Status Body(Emitter& e, const Analysis& a, const JsonSettings& s, ContextsText& contexts,
            const LineNo* start_line) {
  e.Key("executed_lines");
  e.IntList(a.executed);
  e.Key("summary");
  if (Status st = Summary(e, a.numbers, s.has_arcs); !st) return st;
  e.Key("missing_lines");
  e.IntList(a.missing);
  e.Key("excluded_lines");
  e.IntList(a.excluded);
  if (start_line) {
    e.Key("start_line");
    e.Int(*start_line);
  }
  if (s.show_contexts) {
    e.Key("contexts");
    e.Share(contexts.At(e.depth()));
  }
  if (s.has_arcs) {
    e.Key("executed_branches");
    e.ArcList(a.ExecutedBranchArcs());
    e.Key("missing_branches");
    e.ArcList(a.MissingBranchArcs());
  }
  return ok_status();
}

// A dict that keeps its first insertion's position when a key is assigned again.
struct OrderedObject {
  std::vector<std::pair<std::string, Rope>> items;
  std::unordered_map<std::string, size_t> index;
  bool Has(const std::string& key) const { return index.count(key) > 0; }
  void Set(const std::string& key, Rope value) {
    auto [it, added] = index.try_emplace(key, items.size());
    if (added) items.emplace_back(key, std::move(value));
    else items[it->second].second = std::move(value);
  }
};

// report_one_file(): the object for one file, rendered at `depth` (inside "files").
Status FileObject(const Session& session, const FileReport& file, const JsonSettings& s, int depth,
                  Rope& out) {
  const Analysis& analysis = file.analysis;
  const FileAnalysis& fa = *file.parsed;
  ContextsText contexts(session, file, s.pretty);
  Emitter e(out, s.pretty, depth);
  e.Open('{');
  if (Status st = Body(e, analysis, s, contexts, nullptr); !st) return st;

  // code_region_kinds(): coverage.py's Python reporter has these two; a plugin's, its own.
  static const std::vector<std::pair<std::string, std::string>> kPythonKinds = {{"function", "functions"},
                                                                                {"class", "classes"}};
  for (const auto& [noun, plural] : fa.plugin.empty() ? kPythonKinds : fa.region_kinds) {
    std::vector<const Region*> noun_regions;
    std::vector<char> inside(size_t(std::max(fa.num_lines, 0)) + 1, 0);
    for (const Region& r : fa.regions) {
      if (r.kind != noun) continue;
      noun_regions.push_back(&r);
      for (LineNo l : r.lines) {
        if (l >= 1 && l <= fa.num_lines) inside[size_t(l)] = 1;
      }
    }
    std::vector<LineNo> outside;
    for (LineNo l = 1; l <= fa.num_lines; ++l) {
      if (!inside[size_t(l)]) outside.push_back(l);
    }

    AnalysisNarrower narrower(analysis);
    std::vector<std::vector<LineNo>> lines;
    lines.reserve(noun_regions.size());
    for (const Region* r : noun_regions) lines.push_back(r->lines);
    narrower.AddRegions(lines);
    narrower.AddRegions({outside});

    std::stable_sort(noun_regions.begin(), noun_regions.end(),
                     [](const Region* a, const Region* b) { return a->start < b->start; });
    std::vector<Analysis> narrowed;
    narrowed.reserve(noun_regions.size());
    std::unordered_map<std::string, bool> named;  // names of regions with statements
    for (const Region* r : noun_regions) {
      narrowed.push_back(narrower.Narrow(r->lines));
      if (narrowed.back().numbers.n_statements) named[r->name] = true;
    }

    e.Key(plural);
    const int region_depth = e.depth() + 1;  // inside this dict
    OrderedObject regions;
    for (size_t k = 0; k < noun_regions.size(); ++k) {
      const Region& r = *noun_regions[k];
      std::string name = r.name;
      if (regions.Has(name) || (named.count(name) && !narrowed[k].numbers.n_statements)) {
        name.append(1, '@').append(std::to_string(r.start));
      }
      Rope text;
      Emitter re(text, s.pretty, region_depth);
      re.Open('{');
      if (Status st = Body(re, narrowed[k], s, contexts, &r.start); !st) return st;
      re.Close('}');
      regions.Set(name, std::move(text));
    }
    {
      Rope text;
      Emitter re(text, s.pretty, region_depth);
      const LineNo start = outside.empty() ? 1 : outside.front();
      re.Open('{');
      if (Status st = Body(re, narrower.Narrow(outside), s, contexts, &start); !st) return st;
      re.Close('}');
      regions.Set("", std::move(text));
    }
    e.Open('{');
    for (auto& [name, text] : regions.items) {
      e.Key(name);
      e.Splice(std::move(text));
    }
    e.Close('}');
  }
  e.Close('}');
  return ok_status();
}

}  // namespace

Result<double> WriteJsonReport(const Session& session, const std::vector<FileReport>& files,
                               const TextSink& write, std::string_view timestamp) {
  const Config& config = session.config();
  JsonSettings s;
  s.pretty = config.json_pretty_print;
  s.show_contexts = config.json_show_contexts;
  s.has_arcs = session.has_arcs();

  // "files" is a dict: a name reported again keeps its first place and takes the later file's
  // object. slots[k]: the file whose object is the k-th entry.
  std::vector<size_t> slots;
  std::vector<char> shown(files.size(), 0);
  {
    std::unordered_map<std::string_view, size_t> slot_of;
    for (size_t i = 0; i < files.size(); ++i) {
      auto [it, added] = slot_of.try_emplace(files[i].relative_filename, slots.size());
      if (added) slots.push_back(i);
      else slots[it->second] = i;
    }
    for (size_t i : slots) shown[i] = 1;
  }

  Numbers total;
  total.precision = config.precision;
  for (const FileReport& f : files) total += f.analysis.numbers;

  Rope text;
  Emitter e(text, s.pretty, 0);
  e.Open('{');
  e.Key("meta");
  e.Open('{');
  e.Key("format");
  e.Int(3);
  e.Key("version");
  e.String(kVersion);
  e.Key("timestamp");
  e.String(timestamp.empty() ? IsoTimestampNow() : std::string(timestamp));
  e.Key("branch_coverage");
  e.Bool(s.has_arcs);
  e.Key("show_contexts");
  e.Bool(s.show_contexts);
  e.Close('}');
  e.Key("files");
  e.Open('{');

  // The files' objects a batch at a time, each batch in parallel, written out in order as they
  // are done: the report is never whole in memory. The first failure in file order wins.
  constexpr size_t kBatch = 64;
  std::vector<Rope> texts(files.size());
  size_t next_slot = 0;
  for (size_t begin = 0; begin < files.size(); begin += kBatch) {
    const size_t end = std::min(files.size(), begin + kBatch);
    std::vector<std::optional<Error>> errors(end - begin);
    tbb::parallel_for(begin, end, [&](size_t i) {
      if (Status st = FileObject(session, files[i], s, 2, texts[i]); !st) errors[i - begin] = st.error();
    });
    for (auto& error : errors) {
      if (error) return *error;
    }
    for (; next_slot < slots.size() && slots[next_slot] < end; ++next_slot) {
      e.Key(files[slots[next_slot]].relative_filename);
      e.Splice(std::move(texts[slots[next_slot]]));
    }
    for (size_t i = begin; i < end; ++i) {
      if (!shown[i]) texts[i] = Rope();  // its name is reported again, by a later file
    }
    e.Drain(write);
  }
  e.Close('}');
  e.Key("totals");
  if (Status st = Summary(e, total, s.has_arcs); !st) return st.error();
  e.Close('}');
  e.Drain(write);
  return total.n_statements ? total.pc_covered() : 0.0;
}

Result<double> WriteJsonReport(const Session& session, const std::vector<FileReport>& files,
                               std::string& out, std::string_view timestamp) {
  const size_t before = out.size();
  auto total = WriteJsonReport(session, files, [&](std::string_view piece) { out += piece; }, timestamp);
  if (!total) out.resize(before);
  return total;
}

Result<double> JsonReport(Session& session, const std::vector<std::string>& morfs, std::string& out) {
  if (Status st = session.SetQueryContexts(); !st) return st.error();
  auto files = session.AnalysisToReport(morfs);
  if (!files) return files.error();
  return WriteJsonReport(session, *files, out);
}

// ---- render_report ---------------------------------------------------------------------------

namespace {

// An OSError as Python shows it, escaping coverage.py's main() as a traceback.
Error OsError(int err, const std::string& path) {
  static const std::map<int, std::string> kTypes = {
      {ENOENT, "FileNotFoundError"}, {EACCES, "PermissionError"}, {EPERM, "PermissionError"},
      {EISDIR, "IsADirectoryError"}, {ENOTDIR, "NotADirectoryError"}, {EEXIST, "FileExistsError"}};
  auto it = kTypes.find(err);
  return UncaughtError(it == kTypes.end() ? "OSError" : it->second,
                       "[Errno " + std::to_string(err) + "] " + std::strerror(err) + ": " + PyRepr(path));
}

bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// os.makedirs(directory, exist_ok=True), with its errors.
Status MakeDirs(const std::string& dir) {
  if (dir.empty() || IsDir(dir)) return ok_status();
  size_t slash = dir.find_last_of('/');
  while (slash != std::string::npos && slash > 0 && dir[slash - 1] == '/') --slash;
  if (slash != std::string::npos && slash > 0) {
    const std::string head = dir.substr(0, slash);
    if (access(head.c_str(), F_OK) != 0) {
      if (Status st = MakeDirs(head); !st) return st;
    }
  }
  if (mkdir(dir.c_str(), 0777) != 0) {
    const int err = errno;
    if (err == EEXIST && IsDir(dir)) return ok_status();
    return OsError(err, dir);
  }
  return ok_status();
}

}  // namespace

Result<double> RenderReport(Session& session, const std::string& output_path,
                            std::string_view report_type,
                            const std::function<Result<double>(std::string&)>& produce) {
  std::string content;
  if (output_path == "-") {
    auto total = produce(content);
    if (!total) return total.error();
    if (Status st = WriteReport(session, output_path, report_type, content); !st) return st.error();
    return *total;
  }
  // ensure_dir_for_file() and open(output_path, "w"): both before the report is made.
  // os.path.dirname(): up to the last slash, trailing slashes dropped unless it is all slashes.
  std::string dir = output_path.substr(0, output_path.find_last_of('/') + 1);
  if (dir.find_first_not_of('/') != std::string::npos) dir.erase(dir.find_last_not_of('/') + 1);
  if (!dir.empty()) {
    if (Status st = MakeDirs(dir); !st) return st.error();
  }
  // open(output_path, "w") fails here when coverage.py's would; unlike it, nothing is
  // truncated yet: the old report stays whole until the new one replaces it.
  const bool existed = access(output_path.c_str(), F_OK) == 0;
  const int fd = open(output_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) return OsError(errno, output_path);
  close(fd);
  auto total = produce(content);
  if (!total) {
    unlink(output_path.c_str());  // file_be_gone()
    return total.error();
  }
  if (Status st = WriteReport(session, output_path, report_type, content); !st) {
    if (!existed) unlink(output_path.c_str());  // the empty file the check above made
    return st.error();
  }
  return *total;
}

}  // namespace covalesce::report
