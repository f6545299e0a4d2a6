// The Cobertura XML report (see include/covalesce/report_xml.h for what it reproduces and
// where it differs on purpose). The document is written straight into a string in the
// shape xml.dom.minidom's toprettyxml() gives the DOM xmlreport.py builds, so no DOM is kept.
#include "covalesce/report_xml.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>

#include "covalesce/os_path.h"
#include "covalesce/discover.h"
#include "covalesce/pystr.h"
#include "covalesce/report_json.h"  // RenderReport
#include "covalesce/version.h"

namespace covalesce::report {
namespace {

constexpr const char* kDtdUrl = "https://raw.githubusercontent.com/cobertura/web/master/htdocs/xml/coverage-04.dtd";

// ---- Python str behaviour on UTF-8 ----------------------------------------------------------

// The byte offset just after the first `n` code points of `s` (its size if it has fewer).
size_t CodePointOffset(std::string_view s, size_t n) {
  size_t i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == 0) return i;
      --n;
    }
  }
  return s.size();
}

std::string Replace(std::string s, char from, char to) {
  std::replace(s.begin(), s.end(), from, to);
  return s;
}

// str.rstrip("\\/").
std::string RstripSlashes(std::string s) {
  while (!s.empty() && (s.back() == '/' || s.back() == '\\')) s.pop_back();
  return s;
}

// posixpath.dirname().
std::string PyDirname(std::string_view p) {
  size_t i = p.rfind('/');
  std::string head(i == std::string_view::npos ? std::string_view() : p.substr(0, i + 1));
  if (!head.empty() && head.find_first_not_of('/') != std::string::npos) {
    while (!head.empty() && head.back() == '/') head.pop_back();
  }
  return head;
}

// "/".join(dirname.split("/")[:depth]), with Python's slice bounds.
std::string CutToDepth(const std::string& dirname, int depth) {
  std::vector<std::string_view> parts;
  std::string_view rest(dirname);
  for (;;) {
    size_t k = rest.find('/');
    parts.push_back(rest.substr(0, k));
    if (k == std::string_view::npos) break;
    rest.remove_prefix(k + 1);
  }
  int64_t n = int64_t(parts.size());
  int64_t stop = depth < 0 ? std::max<int64_t>(0, n + depth) : std::min<int64_t>(n, depth);
  std::string out;
  for (int64_t k = 0; k < stop; ++k) {
    if (k) out += '/';
    out += parts[size_t(k)];
  }
  return out;
}

// os.path.relpath(path, start), both resolved against `cwd` as abspath() would.
std::string PyRelPath(const std::string& path, const std::string& start, const std::string& cwd) {
  return RelPath(ospath::AbsPath(path, cwd), ospath::AbsPath(start, cwd));
}

// ---- minidom's serialization ----------------------------------------------------------------

// xml.dom.minidom._write_data(): text nodes and attribute values, as the Python modelled
// escapes them.
void AppendEscaped(std::string& out, std::string_view text, bool attr, int minor) {
  const bool new_rules = minor >= 13;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"':
        if (!new_rules || attr) out += "&quot;";
        else out += c;
        break;
      case '\r': case '\n': case '\t':  // &#13; &#10; &#9;
        if (new_rules && attr) out += "&#" + std::to_string(int(c)) + ";";
        else out += c;
        break;
      default: out += c;
    }
  }
}

// An element's start tag with its attributes in the order they were set.
class Tag {
 public:
  Tag(std::string& out, int minor, int depth, std::string_view name) : out_(out), minor_(minor) {
    out_.append(size_t(depth), '\t');
    out_ += '<';
    out_ += name;
  }
  Tag& Attr(std::string_view name, std::string_view value) {
    out_ += ' ';
    out_ += name;
    out_ += "=\"";
    AppendEscaped(out_, value, true, minor_);
    out_ += '"';
    return *this;
  }
  void Open() { out_ += ">\n"; }     // children follow, each on its own lines
  void Empty() { out_ += "/>\n"; }  // no children

 private:
  std::string& out_;
  int minor_;
};

void Close(std::string& out, int depth, std::string_view name) {
  out.append(size_t(depth), '\t');
  out += "</";
  out += name;
  out += ">\n";
}

// ---- the report -------------------------------------------------------------------------------

// The source paths xmlreport.py keeps in a set: distinct, remembered in the order added.
class SourcePaths {
 public:
  bool Add(const std::string& path) {
    if (!seen_.insert(path).second) return false;
    order_.push_back(path);
    return true;
  }
  // The order the matching loop tries them in (see report_xml.h): "" first.
  std::vector<std::string> LoopOrder() const {
    std::vector<std::string> out;
    if (seen_.count("")) out.push_back("");
    for (const std::string& p : order_) {
      if (!p.empty()) out.push_back(p);
    }
    return out;
  }
  std::vector<std::string> HumanSorted() const {
    std::vector<std::string> out = order_;
    std::sort(out.begin(), out.end(),
              [](const std::string& a, const std::string& b) { return HumanCompare(a, b) < 0; });
    return out;
  }

 private:
  std::set<std::string> seen_;
  std::vector<std::string> order_;
};

struct HumanLess {
  bool operator()(const std::string& a, const std::string& b) const { return HumanCompare(a, b) < 0; }
};

struct PackageData {
  std::map<std::string, std::string, HumanLess> elements;  // rel_name -> the <class> text
  int64_t hits = 0, lines = 0, br_hits = 0, branches = 0;
};

bool SortedContains(const std::vector<LineNo>& v, LineNo x) { return std::binary_search(v.begin(), v.end(), x); }

int64_t NowMs() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return int64_t(std::chrono::duration<double>(now).count() * 1000);
}

}  // namespace

std::string XmlGeneratorComment() {
  return std::string(" Generated by covalesce ") + kVersion + " (compatible with coverage.py " +
         kCoverageVersion + ") ";
}

std::string XmlRate(int64_t hit, int64_t num) {
  if (num == 0 || hit == num) return "1";
  if (hit == 0) return "0";
  double frac = std::min(std::max(double(hit) / double(num), 0.0001), 0.9999);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", frac);
  return buf;
}

Result<double> XmlReport(const Session& session, const std::vector<FileReport>& files, const TextSink& write,
                         const XmlOptions& options) {
  std::optional<Timings::Phase> phase;
  if (options.timings) phase.emplace(*options.timings, "xml");
  const Config& config = session.config();
  const std::string& cwd = session.options().cwd;
  int minor = options.python_minor.value_or(session.python_minor());
  if (minor == 0) minor = 11;
  const bool has_arcs = session.has_arcs();
  const bool relative = config.relative_files;

  // XmlReporter.__init__: the existing source directories.
  SourcePaths source_paths;
  if (config.source) {
    for (const std::string& src : *config.source) {
      if (!ospath::Exists(src, cwd)) continue;
      source_paths.Add(relative ? RstripSlashes(src) : ospath::AbsFile(src, cwd));
    }
  }
  std::map<std::string, std::string> canonical;  // files.canonical_filename of a source path
  auto canonical_of = [&](const std::string& p) -> const std::string& {
    auto it = canonical.find(p);
    if (it == canonical.end()) it = canonical.emplace(p, ospath::AbsFile(p, cwd)).first;
    return it->second;
  };

  std::map<std::string, PackageData, HumanLess> packages;
  for (const FileReport& fr : files) {
    const Analysis& analysis = fr.analysis;
    if (config.skip_empty && analysis.numbers.n_statements == 0) continue;

    // The file's name relative to a source directory, or its relative name (whose
    // directory part then becomes a source directory).
    const std::string filename = Replace(fr.filename, '\\', '/');
    std::optional<std::string> rel_name;
    for (const std::string& sp : source_paths.LoopOrder()) {
      const std::string source_path = relative ? sp : canonical_of(sp);
      const std::string prefix = Replace(source_path, '\\', '/') + "/";
      if (filename.compare(0, prefix.size(), prefix) == 0) {
        rel_name = filename.substr(prefix.size());
        break;
      }
    }
    if (!rel_name) {
      rel_name = Replace(fr.relative_filename, '\\', '/');
      size_t keep_cp = 0;
      size_t n_file = CodePoints(fr.filename), n_rel = CodePoints(*rel_name);
      if (n_rel > 0 && n_rel < n_file) keep_cp = n_file - n_rel;
      source_paths.Add(RstripSlashes(fr.filename.substr(0, CodePointOffset(fr.filename, keep_cp))));
    }
    const std::string name = NeutralizeControl(*rel_name, minor);

    std::string dirname = PyDirname(name);
    if (dirname.empty()) dirname = ".";
    dirname = CutToDepth(dirname, config.xml_package_depth);
    PackageData& package = packages[Replace(dirname, '/', '.')];

    const auto branch_stats = analysis.BranchStats();
    const BranchArcs& missing_branch_arcs = analysis.MissingBranchArcs();
    int64_t class_lines = int64_t(analysis.statements.size());
    int64_t class_hits = class_lines - int64_t(analysis.missing.size());
    int64_t class_branches = 0, class_br_hits = 0;
    if (has_arcs) {
      int64_t missing_branches = 0;
      for (const auto& [line, stat] : branch_stats) {
        class_branches += stat.first;
        missing_branches += stat.first - stat.second;
      }
      class_br_hits = class_branches - missing_branches;
    }

    std::string x;
    x.reserve(64 + analysis.statements.size() * 48);
    Tag(x, minor, 4, "class")
        .Attr("name", PyRelPath(name, dirname, cwd))
        .Attr("filename", name)
        .Attr("complexity", "0")
        .Attr("line-rate", XmlRate(class_hits, class_lines))
        .Attr("branch-rate", has_arcs ? XmlRate(class_br_hits, class_branches) : "0")
        .Open();
    Tag(x, minor, 5, "methods").Empty();
    Tag lines(x, minor, 5, "lines");
    if (analysis.statements.empty()) {
      lines.Empty();
    } else {
      lines.Open();
      for (LineNo line : analysis.statements) {
        Tag xline(x, minor, 6, "line");
        xline.Attr("number", std::to_string(line));
        xline.Attr("hits", SortedContains(analysis.missing, line) ? "0" : "1");
        if (has_arcs) {
          if (auto it = branch_stats.find(line); it != branch_stats.end()) {
            auto [total, taken] = it->second;
            xline.Attr("branch", "true");
            xline.Attr("condition-coverage", std::to_string(100 * int64_t(taken) / total) + "% (" +
                                                 std::to_string(taken) + "/" + std::to_string(total) + ")");
          }
          if (auto it = missing_branch_arcs.find(line); it != missing_branch_arcs.end()) {
            std::string ann;
            for (LineNo b : it->second) {
              if (!ann.empty()) ann += ',';
              ann += b < 0 ? std::string("exit") : std::to_string(b);
            }
            xline.Attr("missing-branches", ann);
          }
        }
        xline.Empty();
      }
      Close(x, 5, "lines");
    }
    Close(x, 4, "class");

    package.elements[name] = std::move(x);
    package.hits += class_hits;
    package.lines += class_lines;
    package.br_hits += class_br_hits;
    package.branches += class_branches;
  }

  // The totals <coverage> shows before the packages.
  int64_t lnum_tot = 0, lhits_tot = 0, bnum_tot = 0, bhits_tot = 0;
  for (const auto& [pkg_name, pkg] : packages) {
    lhits_tot += pkg.hits;
    lnum_tot += pkg.lines;
    bhits_tot += pkg.br_hits;
    bnum_tot += pkg.branches;
  }

  std::string out;
  out += "<?xml version=\"1.0\" ?>\n";
  Tag coverage(out, minor, 0, "coverage");
  coverage.Attr("version", kVersion);
  coverage.Attr("timestamp", std::to_string(options.timestamp_ms.value_or(NowMs())));
  coverage.Attr("lines-valid", std::to_string(lnum_tot));
  coverage.Attr("lines-covered", std::to_string(lhits_tot));
  coverage.Attr("line-rate", XmlRate(lhits_tot, lnum_tot));
  if (has_arcs) {
    coverage.Attr("branches-valid", std::to_string(bnum_tot));
    coverage.Attr("branches-covered", std::to_string(bhits_tot));
    coverage.Attr("branch-rate", XmlRate(bhits_tot, bnum_tot));
  } else {
    coverage.Attr("branches-covered", "0");
    coverage.Attr("branches-valid", "0");
    coverage.Attr("branch-rate", "0");
  }
  coverage.Attr("complexity", "0");
  coverage.Open();
  out += "\t<!--" + XmlGeneratorComment() + "-->\n";
  out += std::string("\t<!-- Based on ") + kDtdUrl + " -->\n";
  std::vector<std::string> sources = source_paths.HumanSorted();
  Tag xsources(out, minor, 1, "sources");
  if (sources.empty()) {
    xsources.Empty();
  } else {
    xsources.Open();
    for (const std::string& path : sources) {
      out += "\t\t<source>";
      AppendEscaped(out, NeutralizeControl(path, minor), false, minor);
      out += "</source>\n";
    }
    Close(out, 1, "sources");
  }
  // The packages, written out a class at a time: the document is never whole in memory.
  Tag xpackages(out, minor, 1, "packages");
  if (packages.empty()) {
    xpackages.Empty();
  } else {
    xpackages.Open();
    for (auto& [pkg_name, pkg] : packages) {
      Tag(out, minor, 2, "package")
          .Attr("name", pkg_name)
          .Attr("line-rate", XmlRate(pkg.hits, pkg.lines))
          .Attr("branch-rate", has_arcs ? XmlRate(pkg.br_hits, pkg.branches) : "0")
          .Attr("complexity", "0")
          .Open();
      Tag(out, minor, 3, "classes").Open();  // a package has at least one class
      write(out);
      out.clear();
      for (auto& [_, text] : pkg.elements) {
        write(text);
        std::string().swap(text);
      }
      Close(out, 3, "classes");
      Close(out, 2, "package");
    }
    Close(out, 1, "packages");
  }
  Close(out, 0, "coverage");
  write(out);

  int64_t denom = lnum_tot + bnum_tot;
  return denom == 0 ? 0.0 : 100.0 * double(lhits_tot + bhits_tot) / double(denom);
}

Result<XmlOutput> XmlReport(const Session& session, const std::vector<FileReport>& files,
                            const XmlOptions& options) {
  XmlOutput result;
  auto total = XmlReport(session, files, [&](std::string_view piece) { result.xml += piece; }, options);
  if (!total) return total.error();
  result.total = *total;
  return result;
}

Result<XmlOutput> XmlReport(Session& session, const std::vector<std::string>& morfs,
                            const XmlOptions& options) {
  if (Status st = session.SetQueryContexts(); !st) return st.error();
  Result<std::vector<FileReport>> files = session.AnalysisToReport(morfs);
  if (!files) return files.error();
  return XmlReport(static_cast<const Session&>(session), *files, options);
}

Result<double> RenderXmlReport(Session& session, const std::vector<std::string>& morfs,
                               const XmlOptions& options) {
  return RenderReport(session, session.config().xml_output, kXmlReportType,
                      [&](std::string& out) -> Result<double> {
                        Result<XmlOutput> report = XmlReport(session, morfs, options);
                        if (!report) return report.error();
                        out = std::move(report->xml);
                        return report->total;
                      });
}

}  // namespace covalesce::report
