// coverage.py's LcovReporter (lcovreport.py): one record per file, sorted by the name
// reports show, each rendered on its own (in parallel) and written in order.
#include <openssl/evp.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "covalesce/report_lcov.h"

namespace covalesce::report {

std::string LcovLineHash(std::string_view line) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(line.data(), line.size(), digest, &len, EVP_md5(), nullptr);
  static const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (unsigned int i = 0; i < len; i += 3) {
    uint32_t v = uint32_t(digest[i]) << 16;
    if (i + 1 < len) v |= uint32_t(digest[i + 1]) << 8;
    if (i + 2 < len) v |= digest[i + 2];
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    if (i + 1 < len) out += kB64[(v >> 6) & 63];
    if (i + 2 < len) out += kB64[v & 63];
  }
  return out;  // the '=' padding is what rstrip("=") removes
}

namespace {

void Line(std::string& out, std::initializer_list<std::string_view> parts) {
  for (std::string_view p : parts) out += p;
  out += '\n';
}

std::string Num(int64_t n) { return std::to_string(n); }

// lcov_functions(): FN/FNDA per function with statements, then FNF/FNH.
void Functions(const FileReport& file, int minor, std::string& out) {
  struct Fn {
    LineNo first, last;
    const Region* region;
  };
  std::vector<Fn> functions;
  for (const Region& r : file.parsed->regions) {
    if (r.kind != "function" || r.lines.empty()) continue;
    const auto [lo, hi] = std::minmax_element(r.lines.begin(), r.lines.end());
    functions.push_back({std::min(r.start, *lo), std::max(r.start, *hi), &r});
  }
  if (functions.empty()) return;

  AnalysisNarrower narrower(file.analysis);
  std::vector<std::vector<LineNo>> lines;
  lines.reserve(functions.size());
  for (const Fn& f : functions) lines.push_back(f.region->lines);
  narrower.AddRegions(lines);

  // Sorted as (first, last, region) tuples: CodeRegion orders by name, then its first line.
  std::stable_sort(functions.begin(), functions.end(), [](const Fn& a, const Fn& b) {
    if (a.first != b.first) return a.first < b.first;
    if (a.last != b.last) return a.last < b.last;
    if (a.region->name != b.region->name) return a.region->name < b.region->name;
    return a.region->lines.front() < b.region->lines.front();
  });
  int64_t found = 0, hit_count = 0;
  std::set<std::string> names;
  for (const Fn& f : functions) {
    const Analysis narrowed = narrower.Narrow(f.region->lines);
    if (narrowed.numbers.n_statements == 0) continue;
    ++found;
    const int hit = narrowed.numbers.n_executed() > 0;
    hit_count += hit;
    std::string name = NeutralizeControl(f.region->name, minor);
    if (names.count(name)) name.append(1, '@').append(Num(f.first));
    else names.insert(name);
    Line(out, {"FN:", Num(f.first), ",", Num(f.last), ",", name});
    Line(out, {"FNDA:", Num(hit), ",", name});
  }
  Line(out, {"FNF:", Num(found)});
  Line(out, {"FNH:", Num(hit_count)});
}

// lcov_arcs(): BRDA per branch of each branch line, then BRF/BRH.
void Arcs(const FileReport& file, int minor, std::string& out) {
  const Analysis& a = file.analysis;
  const auto stats = a.BranchStats();
  const auto executed = a.ExecutedBranchArcs();
  const BranchArcs& missing = a.MissingBranchArcs();
  static const std::vector<LineNo> kNone;
  auto get = [](const BranchArcs& m, LineNo line) -> const std::vector<LineNo>& {
    auto it = m.find(line);
    return it == m.end() ? kNone : it->second;
  };
  for (LineNo line : a.statements) {
    auto st = stats.find(line);
    if (st == stats.end()) continue;
    const int taken = st->second.second;
    std::vector<std::pair<LineNo, const char*>> destinations;
    if (taken == 0) {
      for (LineNo dst : get(missing, line)) destinations.emplace_back(dst, "-");
    } else {
      for (LineNo dst : get(executed, line)) destinations.emplace_back(dst, "1");
      for (LineNo dst : get(missing, line)) destinations.emplace_back(dst, "0");
    }
    // Exits after normal arcs; then by destination and the hit text.
    std::sort(destinations.begin(), destinations.end(), [](const auto& x, const auto& y) {
      return std::make_tuple(x.first < 0, x.first, std::string_view(x.second)) <
             std::make_tuple(y.first < 0, y.first, std::string_view(y.second));
    });
    for (const auto& [dst, hit] : destinations) {
      Line(out, {"BRDA:", Num(line), ",0,", NeutralizeControl(file.parsed->ArcDescription(line, dst), minor), ",",
                 hit});
    }
  }
  int64_t brf = 0, unhit = 0;
  for (const auto& [line, tk] : stats) {
    brf += tk.first;
    unhit += tk.first - tk.second;
  }
  if (brf > 0) {
    Line(out, {"BRF:", Num(brf)});
    Line(out, {"BRH:", Num(brf - unhit)});
  }
}

// lcov_file().
Status FileRecord(const Session& session, const FileReport& file, std::string& out) {
  const Config& config = session.config();
  const Analysis& a = file.analysis;
  const int minor = session.python_minor();
  if (a.numbers.n_statements == 0 && config.skip_empty) return ok_status();
  Line(out, {"SF:", NeutralizeControl(file.relative_filename, minor)});

  const std::vector<std::string>* source = nullptr;
  if (config.lcov_line_checksums) {
    if (!file.parsed->has_source) {
      return Error{"covalesce: internal error: no source kept for " + file.filename + " (line_checksums)"};
    }
    if (!file.parsed->source_lines.empty()) source = &file.parsed->source_lines;
  }
  for (LineNo line : a.statements) {
    std::string hash;
    if (source) {
      if (line < 1 || size_t(line) > source->size()) return UncaughtError("IndexError", "list index out of range");
      hash.assign(1, ',').append(LcovLineHash((*source)[size_t(line) - 1]));
    }
    const bool hit = !std::binary_search(a.missing.begin(), a.missing.end(), line);
    Line(out, {"DA:", Num(line), ",", hit ? "1" : "0", hash});
  }
  if (a.numbers.n_statements > 0) {
    Line(out, {"LF:", Num(a.numbers.n_statements)});
    Line(out, {"LH:", Num(a.numbers.n_executed())});
  }
  Functions(file, minor, out);
  if (a.has_arcs) Arcs(file, minor, out);
  out += "end_of_record\n";
  return ok_status();
}

}  // namespace

Result<double> WriteLcovReport(const Session& session, const std::vector<FileReport>& files,
                               const TextSink& write) {
  // Sorted by the relative name (then the file reporter, which orders by filename).
  std::vector<const FileReport*> order;
  order.reserve(files.size());
  for (const FileReport& f : files) order.push_back(&f);
  std::stable_sort(order.begin(), order.end(), [](const FileReport* a, const FileReport* b) {
    if (a->relative_filename != b->relative_filename) return a->relative_filename < b->relative_filename;
    return a->filename < b->filename;
  });

  Numbers total;
  total.precision = session.config().precision;
  for (const FileReport* f : order) total += f->analysis.numbers;

  // A batch of records at a time, each batch in parallel, written out in order: the report is
  // never whole in memory. The first failure in order wins.
  constexpr size_t kBatch = 64;
  std::vector<std::string> texts(kBatch);
  std::vector<std::optional<Error>> errors(kBatch);
  for (size_t begin = 0; begin < order.size(); begin += kBatch) {
    const size_t end = std::min(order.size(), begin + kBatch);
    tbb::parallel_for(begin, end, [&](size_t i) {
      texts[i - begin].clear();
      errors[i - begin].reset();
      if (Status st = FileRecord(session, *order[i], texts[i - begin]); !st) errors[i - begin] = st.error();
    });
    for (size_t i = 0; i < end - begin; ++i) {
      if (errors[i]) return *errors[i];
    }
    for (size_t i = 0; i < end - begin; ++i) write(texts[i]);
  }
  return total.n_statements ? total.pc_covered() : 0.0;
}

Result<double> WriteLcovReport(const Session& session, const std::vector<FileReport>& files,
                               std::string& out) {
  const size_t before = out.size();
  auto total = WriteLcovReport(session, files, [&](std::string_view piece) { out += piece; });
  if (!total) out.resize(before);
  return total;
}

Result<double> LcovReport(Session& session, const std::vector<std::string>& morfs, std::string& out) {
  auto files = session.AnalysisToReport(morfs);
  if (!files) return files.error();
  return WriteLcovReport(session, *files, out);
}

}  // namespace covalesce::report
