// The HTML report (see report_html.h for what matches coverage.py and what is covalesce's
// own). The data flows as in coverage.py's HtmlReporter.report():
//
//   1. every analysed file adds its Numbers to the index totals; skip_covered / skip_empty
//      pick the files that get a page (a skipped file's old page is deleted);
//   2. each reported file gets its page name (flat_rootname, made unique), its neighbours
//      for the prev / next links, and a digest of everything its page shows; pages whose
//      digest is in the manifest (and whose file is still there) are kept as they are;
//   3. in parallel (tbb::parallel_for), each other page is rendered (line statuses as
//      HtmlDataGeneration.data_for_file decides them, highlighting, annotations, contexts)
//      and written to a temporary file renamed into place; each file's function and class
//      rows are narrowed at the same time;
//   4. the index, function index and class index pages, the assets and the manifest.
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "covalesce/atomic_file.h"
#include "covalesce/json_text.h"
#include "covalesce/python_tokens.h"
#include "covalesce/report_html.h"
#include "covalesce/report_json.h"
#include "covalesce/version.h"
#include "html_internal.h"

namespace covalesce::report {
namespace {

constexpr const char* kManifest = "covalesce-html.json";
constexpr int kManifestFormat = 1;
constexpr const char* kEmptyContext = "(empty)";

// ---- small helpers -------------------------------------------------------------------------

class Digest {
 public:
  Digest() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Digest() { EVP_MD_CTX_free(ctx_); }
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;
  Digest& Str(std::string_view s) {
    uint64_t n = s.size();
    EVP_DigestUpdate(ctx_, &n, sizeof n);
    EVP_DigestUpdate(ctx_, s.data(), s.size());
    return *this;
  }
  Digest& Int(int64_t v) {
    EVP_DigestUpdate(ctx_, &v, sizeof v);
    return *this;
  }
  template <typename T>
  Digest& Ints(const std::vector<T>& v) {
    Int(int64_t(v.size()));
    for (const T& x : v) Int(int64_t(x));
    return *this;
  }
  std::string Hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, md, &len);
    std::string out;
    char b[3];
    for (unsigned k = 0; k < len; ++k) {
      std::snprintf(b, sizeof b, "%02x", md[k]);
      out += b;
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

std::string OsErrorText(int err, const std::string& path) {
  static const std::map<int, std::string> kTypes = {
      {ENOENT, "FileNotFoundError"}, {EACCES, "PermissionError"}, {EPERM, "PermissionError"},
      {EISDIR, "IsADirectoryError"}, {ENOTDIR, "NotADirectoryError"}, {EEXIST, "FileExistsError"}};
  auto it = kTypes.find(err);
  std::string repr = "'" + path + "'";
  return (it == kTypes.end() ? std::string("OSError") : it->second) + "\n[Errno " + std::to_string(err) +
         "] " + std::strerror(err) + ": " + repr;
}

Error OsError(int err, const std::string& path) {
  std::string text = OsErrorText(err, path);
  size_t nl = text.find('\n');
  return UncaughtError(text.substr(0, nl), text.substr(nl + 1));
}

std::string Join(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

Status MakeDirs(const std::string& path) {
  if (path.empty()) return ok_status();
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return ok_status();
    return OsError(EEXIST, path);
  }
  size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    if (Status st2 = MakeDirs(path.substr(0, slash)); !st2) return st2;
  }
  if (mkdir(path.c_str(), 0777) != 0 && errno != EEXIST) return OsError(errno, path);
  return ok_status();
}

// Each page, index and asset replaces its old file whole (atomic_file.h); no fsync per
// page: a kill loses nothing that the page cache holds, and pages are rebuilt from the data.
Status WriteAtomically(const std::string& path, std::string_view content) {
  if (int err = WriteFileAtomically(path, content, /*durable=*/false)) return OsError(err, path);
  return ok_status();
}

bool ReadFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = std::move(ss).str();
  return true;
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::string ShortHash(std::string_view content) {
  Digest d;
  d.Str(content);
  return d.Hex().substr(0, 12);
}

// misc.plural(): "1 file", "2 files".
std::string Plural(int64_t n, const std::string& noun, const std::string& plural) {
  return std::to_string(n) + " " + (n == 1 ? noun : plural);
}

std::string LocalTimestamp() {
  // format_local_datetime(): "2025-01-31 12:34 +0000".
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M %z", &tm);
  return buf;
}

// ---- what a page shows -----------------------------------------------------------------------

struct Shown {
  std::string pc_covered, pc_statements, pc_branches;
};

Shown ShowNumbers(const Numbers& n) {
  return {n.pc_covered_str().value(), n.pc_statements_str().value(), n.pc_branches_str().value()};
}

// data-* numbers of a file page's <body>, an index row or the totals row (data-percent as
// the report shows it; the script sorts on the exact value it computes from the counts).
void AppendNumberAttrs(std::string& out, const Numbers& n) {
  char buf[32];
  auto attr = [&](const char* name, int64_t v) {
    out += name;
    out.append(buf, size_t(std::to_chars(buf, buf + sizeof buf, v).ptr - buf));
  };
  attr(" data-statements=", n.n_statements);
  attr(" data-missing=", n.n_missing);
  attr(" data-excluded=", n.n_excluded);
  attr(" data-branches=", n.n_branches);
  attr(" data-partial=", n.n_partial_branches);
  attr(" data-missing-branches=", n.n_missing_branches);
  out += " data-percent=" + n.pc_covered_str().value();
}

void AppendHead(std::string& out, std::string_view title, const std::string& css, const std::string& js,
                const std::string& extra_css) {
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<meta name=\"generator\" content=\"covalesce ";
  out += kVersion;
  out += "\">\n<title>";
  AppendHtmlEscaped(out, title);
  out += "</title>\n<link rel=\"stylesheet\" href=\"" + UrlEscape(css) + "\">\n";
  if (!extra_css.empty()) out += "<link rel=\"stylesheet\" href=\"" + UrlEscape(extra_css) + "\">\n";
  out += "<script src=\"" + UrlEscape(js) + "\" defer></script>\n";
}

// One reported file, and what its pages and index rows need.
struct PageJob {
  const FileReport* file = nullptr;
  std::string rootname, page;  // "z_..._x_py", "z_..._x_py.html"
  std::string prev, next;
  std::string digest;
  bool keep = false;  // the page on disk is current
  // Filled by the parallel pass.
  std::optional<Error> error;
  struct RegionRow {
    std::string url, name, sort_name;
    bool no_noun = false;
    Numbers nums;
  };
  // One per region kind of the file's reporter (function, class; a plugin's own): its rows
  // (after skipping), its totals and the counts skipped.
  struct Kind {
    std::string noun, plural;
    std::vector<RegionRow> rows;
    Numbers totals;
    int64_t skipped_covered = 0, skipped_empty = 0;
  };
  std::vector<Kind> kinds;
};

// FileReporter.code_region_kinds(): coverage.py's Python reporter's, or a plugin's own.
const std::vector<std::pair<std::string, std::string>>& RegionKinds(const FileAnalysis& fa) {
  static const std::vector<std::pair<std::string, std::string>> kPython = {{"function", "functions"},
                                                                           {"class", "classes"}};
  return fa.plugin.empty() ? kPython : fa.region_kinds;
}

struct Ctx {
  const Session& session;
  const HtmlOptions& options;
  bool has_arcs;
  int minor;
  std::string dir;  // absolute output directory
  std::string css, js, extra_css;  // asset file names
};

// should_report(): adds `n` to the page's totals, then decides.
bool ShouldReport(const Numbers& n, const HtmlOptions& o, Numbers& totals, int64_t& skipped_covered,
                  int64_t& skipped_empty) {
  totals += n;
  if (o.skip_covered && n.n_missing == 0 && n.n_partial_branches == 0) {
    ++skipped_covered;
    return false;
  }
  if (o.skip_empty && n.n_statements == 0) {
    ++skipped_empty;
    return false;
  }
  return true;
}

// The file's bytes, read once: hashed for the manifest, decoded only for a page that is
// rewritten. Read from the file (the analysis may not keep the source); when that fails, the
// analysis's own lines.
std::string RawSource(const FileReport& f, bool& from_file) {
  std::string raw;
  from_file = f.parsed && ReadFile(f.parsed->path, raw);
  if (!from_file && f.parsed) {
    for (const std::string& l : f.parsed->source_lines) raw += l + "\n";
  }
  return raw;
}

// The decoded text whose lines the page shows, as coverage.py's source_token_lines() sees
// them: the source's codec (BOM, PEP 263 cookie) and universal newlines.
std::string PageText(const std::string& raw, bool from_file, int minor) {
  if (from_file) {
    py::DecodedSource decoded;
    py::SyntaxErrorInfo err;
    py::PyVersion v = minor >= 13 ? py::PyVersion::k313 : minor == 12 ? py::PyVersion::k312 : py::PyVersion::k311;
    if (py::DecodeSource(raw, v, decoded, err)) return std::move(decoded.text);
  }
  std::string text;
  text.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r') {
      text += '\n';
      if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
    } else {
      text += raw[i];
    }
  }
  return text;
}

std::string PageDigest(const Ctx& c, const PageJob& job, const std::string& raw_source,
                       const std::map<LineNo, std::vector<std::string>>* contexts) {
  const FileReport& f = *job.file;
  const Analysis& a = f.analysis;
  Digest d;
  d.Str(job.page).Str(job.prev).Str(job.next).Str(f.relative_filename).Str(raw_source);
  d.Ints(a.statements).Ints(a.excluded).Ints(a.missing).Ints(a.executed);
  d.Int(int64_t(a.arc_possibilities.size()));
  for (const Arc& arc : a.arc_possibilities) d.Int(arc.first).Int(arc.second);
  d.Int(int64_t(a.arcs_executed.size()));
  for (const Arc& arc : a.arcs_executed) d.Int(arc.first).Int(arc.second);
  for (const auto& [line, n] : a.exit_counts) d.Int(line).Int(n);
  d.Ints(a.no_branch);
  if (f.parsed) {
    for (const auto& [line, first] : f.parsed->multiline) d.Int(line).Int(first);
  }
  if (contexts) {
    for (const auto& [line, labels] : *contexts) {
      d.Int(line);
      for (const std::string& l : labels) d.Str(l);
    }
  }
  return d.Hex();
}

// FileReporter.source_token_lines() of a plugin's reporter: source().splitlines(), each line
// as plain text.
void PlainLines(std::string_view text, std::string& html, std::vector<size_t>& ends) {
  size_t start = 0, i = 0;
  auto line = [&](size_t end, size_t next) {
    AppendHtmlText(html, text.substr(start, end - start));
    ends.push_back(html.size());
    start = i = next;
  };
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n' || c == '\x0b' || c == '\x0c' || (c >= 0x1c && c <= 0x1e)) {
      line(i, i + 1);
    } else if (c == '\r') {
      line(i, i + 1 < text.size() && text[i + 1] == '\n' ? i + 2 : i + 1);
    } else if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x85) {
      line(i, i + 2);  // U+0085
    } else if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(text[i + 2]) == 0xA8 || static_cast<unsigned char>(text[i + 2]) == 0xA9)) {
      line(i, i + 3);  // U+2028, U+2029
    } else {
      ++i;
    }
  }
  if (start < text.size()) line(text.size(), text.size());
}

// The page of one file: HtmlDataGeneration.data_for_file's decisions in covalesce's markup.
std::string RenderPage(const Ctx& c, const PageJob& job, const std::string& text,
                       const std::map<LineNo, std::vector<std::string>>* contexts_by_line) {
  const FileReport& f = *job.file;
  const Analysis& a = f.analysis;
  const Numbers& n = a.numbers;
  std::string highlighted;
  std::vector<size_t> ends;
  if (f.parsed && !f.parsed->plugin.empty()) {
    PlainLines(text, highlighted, ends);  // a plugin's reporter: its source as plain lines
  } else {
    HighlightLines(text, c.minor, highlighted, ends);
  }
  const LineNo count = LineNo(ends.size());

  auto mark = [&](const std::vector<LineNo>& v) {
    std::vector<char> m(size_t(count) + 1, 0);
    for (LineNo l : v) {
      if (l >= 1 && l <= count) m[size_t(l)] = 1;
    }
    return m;
  };
  const std::vector<char> excluded = mark(a.excluded), missing = mark(a.missing), statements = mark(a.statements);
  const BranchArcs& mba = a.MissingBranchArcs();  // empty without arcs
  LineMap<std::pair<int, int>> stats;
  if (c.has_arcs) stats = a.BranchStats();
  const bool show_contexts = c.options.show_contexts && contexts_by_line;

  const Shown shown = ShowNumbers(n);
  std::string out;
  out.reserve(highlighted.size() + size_t(count) * 48 + 4096);
  AppendHead(out, "Coverage for " + f.relative_filename + ": " + shown.pc_covered + "%", c.css, c.js, c.extra_css);

  // Each line's status, as data_for_file decides it; a continuation line of a multi-line
  // statement takes its statement's ("exc2", "mis2", ... in coverage.py's classes).
  enum : char { kNone, kRun, kMis, kExc, kPar };
  static const char* const kStatus[] = {"", "run", "mis", "exc", "par"};
  std::vector<char> status(size_t(count) + 1, kNone), continuation(size_t(count) + 1, 0);
  struct Annotation {
    std::string brief, full;  // "12 ↛ 14" / "line 12 didn't jump to line 14 because ..."
  };
  std::map<LineNo, Annotation> annotations;
  for (LineNo ln = 1; ln <= count; ++ln) {
    char cat = kNone, cat2 = kNone;
    if (excluded[size_t(ln)]) {
      cat = kExc;
    } else if (missing[size_t(ln)]) {
      cat = kMis;
    } else if (auto m = c.has_arcs ? mba.find(ln) : mba.end(); m != mba.end()) {
      cat = kPar;
      Annotation& an = annotations[ln];
      const std::string arrow = std::to_string(ln) + "\u202F\u219B\u202F";
      auto st = stats.find(ln);
      if (st != stats.end() && int(m->second.size()) == st->second.first) {
        an.brief = arrow + "anywhere";
        an.full = "line " + std::to_string(ln) + " didn't jump anywhere: it always raised an exception.";
      } else {
        for (LineNo b : m->second) {
          if (!an.brief.empty()) an.brief += ", ";
          an.brief += arrow + (b < 0 ? std::string("exit") : std::to_string(b));
          if (!an.full.empty()) an.full += " ";
          if (f.parsed) an.full += f.parsed->MissingArcDescription(ln, b);
        }
      }
    } else if (statements[size_t(ln)]) {
      cat = kRun;
    } else if (f.parsed) {
      auto it = f.parsed->multiline.find(ln);
      if (it != f.parsed->multiline.end() && it->second != 0) {
        const LineNo first = it->second;
        auto in = [&](const std::vector<LineNo>& v) { return std::binary_search(v.begin(), v.end(), first); };
        if (in(a.excluded)) cat2 = kExc;
        else if (in(a.missing)) cat2 = kMis;
        else if (c.has_arcs && mba.count(first)) cat2 = kPar;
        else if (in(a.statements)) cat2 = kRun;
      }
    }
    continuation[size_t(ln)] = cat == kNone && cat2 != kNone;
    status[size_t(ln)] = cat == kNone ? cat2 : cat;
  }

  // Contexts (only on lines with a status of their own, as coverage.py shows them): each
  // label once in the page's JSON list, numbered by how often it appears (the most common 0).
  std::vector<std::string> labels;
  std::unordered_map<std::string, size_t> label_ids;
  std::map<LineNo, std::vector<std::string>> per_line;
  if (show_contexts) {
    struct Use {
      size_t count = 0, first = 0;
    };
    std::unordered_map<std::string, Use> uses;
    for (const auto& [ln, raw] : *contexts_by_line) {
      if (ln < 1 || ln > count || status[size_t(ln)] == kNone || continuation[size_t(ln)]) continue;
      std::vector<std::string> ctx;
      for (const std::string& label : raw) ctx.push_back(label.empty() ? kEmptyContext : label);
      std::sort(ctx.begin(), ctx.end(), [](const std::string& x, const std::string& y) { return HumanCompare(x, y) < 0; });
      for (const std::string& label : ctx) {
        Use& u = uses[label];
        if (u.count++ == 0) u.first = uses.size();
      }
      per_line[ln] = std::move(ctx);
    }
    std::vector<const std::pair<const std::string, Use>*> order;
    for (const auto& u : uses) order.push_back(&u);
    std::sort(order.begin(), order.end(), [](auto* x, auto* y) {
      if (x->second.count != y->second.count) return x->second.count > y->second.count;
      return x->second.first < y->second.first;
    });
    for (auto* u : order) {
      label_ids[u->first] = labels.size();
      labels.push_back(u->first);
    }
  }

  std::string body;
  body.reserve(highlighted.size() + size_t(count) * 48);
  char num[16];
  size_t line_start = 0;
  for (LineNo ln = 1; ln <= count; ++ln) {
    const size_t nlen = size_t(std::to_chars(num, num + sizeof num, ln).ptr - num);
    const std::string_view number(num, nlen);
    body += "<p id=t";
    body += number;
    body += " data-line=";
    body += number;
    const char st = status[size_t(ln)];
    if (st == kNone) {
      body += " data-status";  // present and empty
    } else {
      body += " data-status=";
      body += kStatus[int(st)];
    }
    if (continuation[size_t(ln)]) body += " class=cont";
    body += '>';
    if (auto an = annotations.find(ln); an != annotations.end()) {
      body += "<span class=a><b>";
      AppendHtmlEscaped(body, an->second.brief);
      body += "</b><i>";
      AppendHtmlEscaped(body, an->second.full);
      body += "</i></span>";
    }
    if (auto pl = per_line.find(ln); pl != per_line.end()) {
      const auto& ctx = pl->second;
      if (ctx.size() == 1 && ctx[0] == kEmptyContext) {
        body += "<span class=cx>(empty)</span>";
      } else {
        body += "<span class=cx tabindex=0 data-ctx=\"";
        for (size_t k = 0; k < ctx.size(); ++k) {
          if (k) body += ' ';
          body += std::to_string(label_ids[ctx[k]]);
        }
        body += "\">" + std::to_string(ctx.size()) + " ctx</span>";
      }
    }
    body.append(highlighted, line_start, ends[size_t(ln - 1)] - line_start);
    line_start = ends[size_t(ln - 1)];
    body += "</p>\n";
  }

  if (!labels.empty()) {
    out += "<script type=\"application/json\" id=\"contexts\">[";
    for (size_t k = 0; k < labels.size(); ++k) {
      if (k) out += ',';
      out += ScriptJsonString(labels[k]);
    }
    out += "]</script>\n";
  }
  out += "</head>\n<body class=\"filepage show-mis show-exc show-par\" data-file=\"";
  AppendHtmlEscaped(out, f.relative_filename);
  out += '"';
  AppendNumberAttrs(out, n);
  out += " data-prev=\"" + UrlEscape(job.prev) + "\" data-next=\"" + UrlEscape(job.next) + "\">\n<header>\n<nav>";
  out += "<a id=\"prev\" href=\"" + UrlEscape(job.prev) + "\">&#8249; prev</a><a id=\"up\" href=\"index.html\">index</a>";
  out += "<a id=\"next\" href=\"" + UrlEscape(job.next) + "\">next &#8250;</a></nav>\n<h1>";
  AppendHtmlEscaped(out, f.relative_filename);
  out += "<span class=\"pc\">" + shown.pc_covered + "%</span></h1>\n<p>";
  out += std::to_string(n.n_statements) + " statements: ";
  out += "<button type=\"button\" data-show=\"run\" aria-pressed=\"false\" title=\"r\">" + std::to_string(n.n_executed()) + " run</button>";
  out += "<button type=\"button\" data-show=\"mis\" aria-pressed=\"true\" title=\"m\">" + std::to_string(n.n_missing) + " missing</button>";
  out += "<button type=\"button\" data-show=\"exc\" aria-pressed=\"true\" title=\"x\">" + std::to_string(n.n_excluded) + " excluded</button>";
  if (c.has_arcs) {
    out += "<button type=\"button\" data-show=\"par\" aria-pressed=\"true\" title=\"p\">" +
           std::to_string(n.n_partial_branches) + " partial</button>";
  }
  out += "</p>\n<p class=\"keys\" id=\"help\" hidden><kbd>j</kbd>/<kbd>k</kbd> next/previous missing or partial "
         "lines &#183; <kbd>1</kbd> first &#183; <kbd>0</kbd> top &#183; <kbd>r</kbd> <kbd>m</kbd> <kbd>x</kbd> "
         "<kbd>p</kbd> toggle highlighting &#183; <kbd>[</kbd>/<kbd>]</kbd> previous/next file &#183; "
         "<kbd>u</kbd> index</p>\n<p class=\"keys\">Press <kbd>?</kbd> for keys.</p>\n</header>\n<main id=\"source\">\n";
  out += body;
  out += "</main>\n</body>\n</html>\n";
  return out;
}

// The function and class rows of one file (write_region_index_pages, one file's part).
// AnalysisNarrower's answer for every region of one kind at once, for index rows: the same
// inputs to Analysis::FromSets (statements, exclusions and executed lines cut to the region's
// lines; arcs and exit counts by the region that owns their lines, the regions added in one
// call and the lines outside them in a second, a line owned by the last region listing it,
// regions with equal line sets one region), without its per-region maps and copies.
class RegionNumbers {
 public:
  RegionNumbers(const Analysis& a, const std::vector<const std::vector<LineNo>*>& regions,
                const std::vector<LineNo>& outside)
      : a_(a) {
    for (const std::vector<LineNo>* lines : regions) ids_.push_back(Id(*lines));
    outside_id_ = Id(outside);
    cut_.resize(sets_.size());
    exact_.assign(sets_.size(), 1);
    possible_.resize(sets_.size());
    executed_.resize(sets_.size());
    exits_.resize(sets_.size());
    LineNo top = 0;
    for (const std::vector<LineNo>* s : sets_) {
      if (!s->empty()) top = std::max(top, s->back());
    }
    std::vector<int> owner(size_t(top) + 1, -1);
    for (size_t i = 0; i < regions.size(); ++i) {
      for (LineNo l : *regions[i]) {
        if (l < 0) continue;
        int& o = owner[size_t(l)];
        if (o >= 0 && o != ids_[i]) exact_[size_t(o)] = exact_[size_t(ids_[i])] = 0;  // shared line
        o = ids_[i];
      }
    }
    Collect(owner);
    std::fill(owner.begin(), owner.end(), -1);
    for (LineNo l : outside) {
      if (l >= 0) owner[size_t(l)] = outside_id_;
    }
    if (std::find(ids_.begin(), ids_.end(), outside_id_) != ids_.end()) exact_[size_t(outside_id_)] = 0;
    Collect(owner);
  }

  Numbers Region(size_t i, const std::vector<LineNo>& lines) const { return Narrow(ids_[i], lines); }
  Numbers Outside(const std::vector<LineNo>& lines) const { return Narrow(outside_id_, lines); }

 private:
  struct Less {
    bool operator()(const std::vector<LineNo>* x, const std::vector<LineNo>* y) const { return *x < *y; }
  };

  int Id(const std::vector<LineNo>& lines) {
    auto [it, added] = by_lines_.emplace(&lines, int(sets_.size()));
    if (added) sets_.push_back(&lines);
    return it->second;
  }

  // The file's line lists dealt out to the regions owning each line (each list sorted, so
  // each share is): a region that owns all of its lines alone gets its cut from here
  // instead of a set intersection of its own.
  struct Cut {
    std::vector<LineNo> statements, excluded, executed, no_branch;
  };

  void Collect(const std::vector<int>& owner) {
    auto own = [&](LineNo l) { return l >= 0 && size_t(l) < owner.size() ? owner[size_t(l)] : -1; };
    auto deal = [&](const std::vector<LineNo>& v, std::vector<LineNo> Cut::*field) {
      for (LineNo l : v) {
        if (int o = own(l); o >= 0) (cut_[size_t(o)].*field).push_back(l);
      }
    };
    deal(a_.statements, &Cut::statements);
    deal(a_.excluded, &Cut::excluded);
    deal(a_.executed, &Cut::executed);
    if (!a_.has_arcs) return;
    deal(a_.no_branch, &Cut::no_branch);
    auto collect = [&](const std::vector<Arc>& arcs, std::vector<std::vector<Arc>>& into) {
      for (const Arc& arc : arcs) {  // an arc with both ends in one region goes in once
        const int from = own(arc.first), to = own(arc.second);
        if (from >= 0) into[size_t(from)].push_back(arc);
        if (to >= 0 && to != from) into[size_t(to)].push_back(arc);
      }
    };
    collect(a_.arc_possibilities, possible_);
    collect(a_.arcs_executed, executed_);
    for (const auto& [line, count] : a_.exit_counts) {
      if (int o = own(line); o >= 0) exits_[size_t(o)][line] = count;
    }
  }

  Numbers Narrow(int id, const std::vector<LineNo>& lines) const {
    const bool arcs = a_.has_arcs;
    if (exact_[size_t(id)]) {  // every list sorted and unique: counted in place
      const Cut& c = cut_[size_t(id)];
      return Analysis::NumbersOf(arcs, c.statements, c.excluded, c.executed, possible_[size_t(id)],
                                 executed_[size_t(id)], exits_[size_t(id)], c.no_branch, a_.numbers.precision);
    }
    auto keep = [&](const std::vector<LineNo>& v) {
      std::vector<LineNo> out;
      std::set_intersection(v.begin(), v.end(), lines.begin(), lines.end(), std::back_inserter(out));
      return out;
    };
    return Analysis::FromSets(std::string(), arcs, keep(a_.statements), keep(a_.excluded), keep(a_.executed),
                              arcs ? possible_[size_t(id)] : std::vector<Arc>{},
                              arcs ? executed_[size_t(id)] : std::vector<Arc>{},
                              arcs ? exits_[size_t(id)] : LineMap<int>{},
                              arcs ? keep(a_.no_branch) : std::vector<LineNo>{}, a_.numbers.precision)
        .numbers;
  }

  const Analysis& a_;
  std::map<const std::vector<LineNo>*, int, Less> by_lines_;
  std::vector<const std::vector<LineNo>*> sets_;
  std::vector<int> ids_;
  int outside_id_ = 0;
  std::vector<std::vector<Arc>> possible_, executed_;
  std::vector<LineMap<int>> exits_;
  std::vector<Cut> cut_;
  std::vector<char> exact_;  // per id: owns each of its lines alone, and in one call only
};

// The function and class rows of one file (write_region_index_pages, one file's part).
void RegionRows(const HtmlOptions& o, PageJob& job) {
  const FileReport& f = *job.file;
  if (!f.parsed) return;
  const FileAnalysis& fa = *f.parsed;
  for (const auto& [noun, plural] : RegionKinds(fa)) {
    job.kinds.push_back({noun, plural, {}, {}, 0, 0});
    PageJob::Kind& kind = job.kinds.back();
    std::vector<const Region*> regions;
    std::vector<char> inside(size_t(std::max(fa.num_lines, 0)) + 1, 0);
    std::vector<std::vector<LineNo>> fixed;  // a region's lines made sorted and unique, if they were not
    fixed.reserve(fa.regions.size());
    std::vector<const std::vector<LineNo>*> lines;
    for (const Region& r : fa.regions) {
      if (r.kind != noun) continue;
      regions.push_back(&r);
      const std::vector<LineNo>* l = &r.lines;
      if (std::adjacent_find(l->begin(), l->end(), std::greater_equal<LineNo>()) != l->end()) {
        fixed.push_back(r.lines);
        std::sort(fixed.back().begin(), fixed.back().end());
        fixed.back().erase(std::unique(fixed.back().begin(), fixed.back().end()), fixed.back().end());
        l = &fixed.back();
      }
      lines.push_back(l);
      for (LineNo x : *l) {
        if (x >= 1 && x <= fa.num_lines) inside[size_t(x)] = 1;
      }
    }
    std::vector<LineNo> outside;
    for (LineNo l = 1; l <= fa.num_lines; ++l) {
      if (!inside[size_t(l)]) outside.push_back(l);
    }
    RegionNumbers numbers(f.analysis, lines, outside);
    for (size_t i = 0; i < regions.size(); ++i) {
      const Region* r = regions[i];
      Numbers nums = numbers.Region(i, *lines[i]);
      if (!ShouldReport(nums, o, kind.totals, kind.skipped_covered, kind.skipped_empty)) continue;
      std::string sort_name = r->name;
      if (size_t dot = sort_name.rfind('.'); dot != std::string::npos) sort_name = sort_name.substr(dot + 1);
      sort_name.erase(0, sort_name.find_first_not_of('_') == std::string::npos ? sort_name.size()
                                                                               : sort_name.find_first_not_of('_'));
      kind.rows.push_back({job.page + "#t" + std::to_string(r->start), r->name, sort_name, false, nums});
    }
    Numbers nums = numbers.Outside(outside);
    if (ShouldReport(nums, o, kind.totals, kind.skipped_covered, kind.skipped_empty)) {
      kind.rows.push_back({job.page, "(no " + noun + ")", "", true, nums});
    }
  }
}

struct IndexRow {
  std::string url, file, name, sort_name;
  bool region = false, no_noun = false;
  Numbers nums;
};

struct IndexPage {
  std::string noun, plural, filename;
  std::vector<IndexRow> rows;
  Numbers totals;
  int64_t skipped_covered = 0, skipped_empty = 0;
};

// str.title() for ASCII: each run of letters capitalised, the rest lower case.
std::string Title(std::string s) {
  bool in_word = false;
  for (char& ch : s) {
    const unsigned char u = static_cast<unsigned char>(ch);
    const bool letter = std::isalpha(u);
    if (letter) ch = char(in_word ? std::tolower(u) : std::toupper(u));
    in_word = letter;
  }
  return s;
}

// Streamed into `f` a few rows at a time: the function index of a large project runs to
// megabytes, and building it whole set the HTML report's peak memory.
bool WriteIndex(const Ctx& c, const IndexPage& page, const std::vector<const IndexPage*>& all,
                const std::string& timestamp, std::FILE* f) {
  constexpr size_t kFlushAt = 64 * 1024;
  auto flush = [f](std::string& text) {
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    text.clear();
    return ok;
  };
  const bool region = page.noun != "file";
  const Shown total = ShowNumbers(page.totals);
  std::string out;
  AppendHead(out, c.options.title, c.css, c.js, c.extra_css);
  out += "</head>\n<body class=\"index\" data-page=\"" + page.noun + "\" data-precision=\"" +
         std::to_string(c.session.config().precision) + "\">\n<header>\n<h1>";
  AppendHtmlEscaped(out, c.options.title);
  out += "<span class=\"pc\">" + total.pc_covered + "%</span></h1>\n<nav>";
  for (const IndexPage* p : all) {
    if (p == &page) out += "<strong>" + Title(p->plural) + "</strong> ";
    else out += "<a href=\"" + UrlEscape(p->filename) + "\">" + Title(p->plural) + "</a> ";
  }
  out += "</nav>\n<p class=\"tools\"><input type=\"search\" id=\"filter\" placeholder=\"Filter (/)\" "
         "aria-label=\"Filter\"> <label><input type=\"checkbox\" id=\"hide100\"";
  if (c.options.skip_covered) out += " checked disabled";
  out += "> hide covered</label></p>\n</header>\n<main>\n<table id=\"index\">\n<thead><tr>"
         "<th class=name data-col=file aria-sort=none>File</th>";
  if (region) out += "<th class=\"name\" data-col=\"sort\" aria-sort=\"none\">" + page.noun + "</th>";
  out += "<th data-col=\"statements\" aria-sort=\"none\">statements</th><th data-col=\"missing\" aria-sort=\"none\">missing</th>"
         "<th data-col=\"excluded\" aria-sort=\"none\">excluded</th>";
  if (c.has_arcs) {
    out += "<th data-col=\"branches\" aria-sort=\"none\">branches</th><th data-col=\"partial\" aria-sort=\"none\">partial</th>";
  }
  out += "<th data-col=\"percent\" aria-sort=\"none\">coverage</th></tr></thead>\n<tbody>\n";
  for (const IndexRow& r : page.rows) {
    out += "<tr data-file=\"";
    AppendHtmlEscaped(out, r.file);
    out += '"';
    if (region) {
      out += " data-name=\"";
      AppendHtmlEscaped(out, r.name);
      out += "\" data-sort=\"";
      AppendHtmlEscaped(out, r.sort_name);
      out += '"';
    }
    AppendNumberAttrs(out, r.nums);
    // The URL is a page name (percent-encoded) plus an optional "#tN".
    std::string url;
    size_t hash = r.url.find('#');
    url = UrlEscape(r.url.substr(0, hash));
    if (hash != std::string::npos) url += r.url.substr(hash);
    out += "><td class=name><a href=\"" + url + "\">";
    AppendHtmlEscaped(out, r.file);
    out += "</a></td>";
    if (region) {
      out += "<td class=name><a href=\"" + url + "\">";
      if (r.no_noun) out += "<em>";
      AppendHtmlEscaped(out, r.name);
      if (r.no_noun) out += "</em>";
      out += "</a></td>";
    }
    out += "<td>" + std::to_string(r.nums.n_statements) + "</td><td>" + std::to_string(r.nums.n_missing) +
           "</td><td>" + std::to_string(r.nums.n_excluded) + "</td>";
    if (c.has_arcs) {
      out += "<td>" + std::to_string(r.nums.n_branches) + "</td><td>" + std::to_string(r.nums.n_partial_branches) + "</td>";
    }
    out += "<td>" + r.nums.pc_covered_str().value() + "%</td></tr>\n";
    if (out.size() >= kFlushAt && !flush(out)) return false;
  }
  out += "</tbody>\n<tfoot><tr class=\"total\" data-file=\"Total\"";
  AppendNumberAttrs(out, page.totals);
  out += "><td class=name>Total</td>";
  if (region) out += "<td class=name></td>";
  const Numbers& t = page.totals;
  out += "<td data-k=\"statements\">" + std::to_string(t.n_statements) + "</td><td data-k=\"missing\">" +
         std::to_string(t.n_missing) + "</td><td data-k=\"excluded\">" + std::to_string(t.n_excluded) + "</td>";
  if (c.has_arcs) {
    out += "<td data-k=\"branches\">" + std::to_string(t.n_branches) + "</td><td data-k=\"partial\">" +
           std::to_string(t.n_partial_branches) + "</td>";
  }
  out += "<td data-k=\"percent\">" + total.pc_covered + "%</td></tr></tfoot>\n</table>\n";
  out += "<p class=\"none\" id=\"none\"";
  if (!page.rows.empty()) out += " hidden";
  out += ">No items found using the specified filter.</p>\n";
  if (page.skipped_covered) {
    out += "<p class=\"note\" id=\"skipped-covered\">" +
           Plural(page.skipped_covered, page.noun, page.plural) + " skipped due to complete coverage.</p>\n";
  }
  if (page.skipped_empty) {
    out += "<p class=\"note\" id=\"skipped-empty\">" +
           Plural(page.skipped_empty, "empty " + page.noun, "empty " + page.plural) + " skipped.</p>\n";
  }
  out += "</main>\n<footer>covalesce ";
  out += kVersion;
  out += " (coverage.py ";
  out += kCoverageVersion;
  out += " compatible), created at " + timestamp + ". Click a heading to sort; <kbd>/</kbd> filters.</footer>\n"
         "</body>\n</html>\n";
  return flush(out);
}

// ---- the manifest ----------------------------------------------------------------------------

struct Manifest {
  std::string globals;
  std::map<std::string, std::string> pages;  // page file name -> digest
};

// {"note":...,"format":1,"version":"<covalesce's>","globals":"<hex>","pages":{
// "x_py.html":"<hex>", one page a line}}: a page is kept when the version and the globals
// (settings and assets) are the same and its own digest is.
std::string ManifestText(const Manifest& m) {
  std::string out = "{\"note\":\"covalesce's record of the pages it wrote, to skip rewriting unchanged pages\","
                    "\"format\":" + std::to_string(kManifestFormat) + ",\"version\":";
  AppendJsonString(out, kVersion);
  out += ",\"globals\":";
  AppendJsonString(out, m.globals);
  out += ",\"pages\":{";
  bool first = true;
  for (const auto& [page, digest] : m.pages) {
    if (!first) out += ',';
    first = false;
    out += '\n';
    AppendJsonString(out, page);
    out += ':';
    AppendJsonString(out, digest);
  }
  out += "}}\n";
  return out;
}

// Reads what ManifestText wrote; anything else (or another version) is an empty manifest.
Manifest ReadManifest(const std::string& path) {
  Manifest m;
  std::string text;
  if (!ReadFile(path, text)) return m;
  std::string version;
  AppendJsonString(version, kVersion);
  const std::string head = ",\"format\":" + std::to_string(kManifestFormat) + ",\"version\":" + version + ",\"globals\":\"";
  size_t h = text.find(head);
  if (h == std::string::npos) return m;
  size_t g = h + head.size(), ge = text.find('"', g);
  if (ge == std::string::npos) return m;
  m.globals = text.substr(g, ge - g);
  // Page lines: "\n"<name>":"<hex>", the name as AppendJsonString wrote it.
  size_t pos = ge;
  while ((pos = text.find("\n\"", pos)) != std::string::npos) {
    size_t i = pos + 2;
    std::optional<std::string> name = JsonUnquote(text, i, EscapedByte::kByte);
    if (!name || text.compare(i, 2, ":\"") != 0) break;
    size_t ds = i + 2, de = text.find('"', ds);
    if (de == std::string::npos) break;
    m.pages[*name] = text.substr(ds, de - ds);
    pos = de;
  }
  return m;
}

}  // namespace

HtmlOptions HtmlOptionsFrom(const Config& config) {
  HtmlOptions o;
  o.directory = config.html_dir;
  o.title = config.html_title;
  o.extra_css = config.extra_css;
  if (o.extra_css && o.extra_css->empty()) o.extra_css.reset();
  o.show_contexts = config.html_show_contexts;
  o.skip_covered = config.html_skip_covered.value_or(config.skip_covered);
  o.skip_empty = config.html_skip_empty.value_or(config.skip_empty);
  return o;
}

bool NoContextsMeasured(const CoverageData& data) {
  return data.contexts.size() == 1 && data.contexts[0].empty();
}

Result<HtmlResult> WriteHtmlReport(const Session& session, const std::vector<FileReport>& files,
                                   const HtmlOptions& options) {
  if (auto p = DisplayCovered(100.0, session.config().precision); !p) return p.error();
  if (files.empty()) return Error{"No data to report."};

  Ctx c{session, options, session.has_arcs(), session.python_minor(), "", "", "", ""};
  c.dir = options.directory;
  if (c.dir.empty() || c.dir[0] != '/') c.dir = Join(session.options().cwd, c.dir);
  HtmlResult result;
  result.index_file = Join(options.directory, "index.html");

  // 1. Which files get a page; the totals count them all.
  IndexPage file_index{"file", "files", "index.html", {}, {}, 0, 0};
  file_index.totals.precision = session.config().precision;
  std::vector<PageJob> jobs;
  std::vector<std::string> gone;
  std::unordered_set<std::string> used;
  for (const FileReport& f : files) {
    std::string root = FlatRootname(f.relative_filename);
    if (!ShouldReport(f.analysis.numbers, options, file_index.totals, file_index.skipped_covered,
                      file_index.skipped_empty)) {
      gone.push_back(root + ".html");
      continue;
    }
    // coverage.py would overwrite one page with another when two names flatten alike
    // ("a.b.py" and "a_b.py"); the later one gets a suffix instead.
    std::string unique = root;
    for (int k = 2; used.count(unique); ++k) unique = root + "_" + std::to_string(k);
    used.insert(unique);
    PageJob job;
    job.file = &f;
    job.rootname = unique;
    job.page = unique + ".html";
    jobs.push_back(std::move(job));
  }
  for (size_t i = 0; i < jobs.size(); ++i) {
    jobs[i].prev = i == 0 ? "index.html" : jobs[i - 1].page;
    jobs[i].next = i + 1 == jobs.size() ? "index.html" : jobs[i + 1].page;
  }

  // 2. The directory, the assets, the manifest.
  bool was_empty = false;
  {
    struct stat st;
    bool existed = stat(c.dir.c_str(), &st) == 0;
    if (Status s = MakeDirs(c.dir); !s) return s.error();
    RemoveStaleTemps(c.dir);  // what a killed run left
    if (!existed) {
      was_empty = true;
    } else if (DIR* d = opendir(c.dir.c_str())) {
      was_empty = true;
      while (dirent* e = readdir(d)) {
        if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) {
          was_empty = false;
          break;
        }
      }
      closedir(d);
    }
  }
  c.css = "covalesce_" + ShortHash(html::kCss) + ".css";
  c.js = "covalesce_" + ShortHash(html::kJs) + ".js";
  std::string extra;
  if (options.extra_css) {
    std::string src = *options.extra_css;
    if (src[0] != '/') src = Join(session.options().cwd, src);
    if (!ReadFile(src, extra)) return OsError(ENOENT, *options.extra_css);
    std::string base = options.extra_css->substr(options.extra_css->find_last_of('/') + 1);
    size_t dot = base.rfind('.');
    c.extra_css = (dot == std::string::npos ? base : base.substr(0, dot)) + "_" + ShortHash(extra) + ".css";
  }
  for (const auto& [name, content] : {std::pair<std::string, std::string_view>{c.css, html::kCss},
                                      {c.js, html::kJs}, {c.extra_css, extra}}) {
    if (name.empty()) continue;
    const std::string path = Join(c.dir, name);
    std::string old;
    if (ReadFile(path, old) && old == content) continue;
    if (Status s = WriteAtomically(path, content); !s) return s.error();
  }
  if (was_empty) {
    if (Status s = WriteAtomically(Join(c.dir, ".gitignore"), "# Created by covalesce\n*\n"); !s) return s.error();
  }

  const std::string manifest_path = Join(c.dir, kManifest);
  Manifest old = ReadManifest(manifest_path);
  Manifest now;
  {
    Digest g;
    g.Str(kVersion).Int(kManifestFormat).Str(html::kCss).Str(html::kJs).Str(c.css).Str(c.js).Str(c.extra_css);
    g.Int(c.has_arcs).Int(c.minor).Int(session.config().precision).Int(options.show_contexts);
    for (const auto* list : {&session.config().exclude_lines, &session.config().partial_branches,
                             &session.config().partial_branches_always}) {
      g.Int(int64_t(list->size()));
      for (const std::string& s : *list) g.Str(s);
    }
    now.globals = g.Hex();
  }
  const bool same_globals = old.globals == now.globals;

  // 3. The pages and region rows, in parallel.
  for (const std::string& page : gone) unlink(Join(c.dir, page).c_str());
  std::atomic<size_t> written{0};
  enum { kRegions, kSource, kRender, kWrite, kStages };
  std::atomic<int64_t> busy_ns[kStages] = {};
  using Clock = std::chrono::steady_clock;
  auto lap = [&](int stage, Clock::time_point& t) {
    Clock::time_point now = Clock::now();
    busy_ns[stage].fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(now - t).count(),
                             std::memory_order_relaxed);
    t = now;
  };
  tbb::parallel_for(size_t(0), jobs.size(), [&](size_t i) {
    PageJob& job = jobs[i];
    Clock::time_point t = Clock::now();
    RegionRows(options, job);
    lap(kRegions, t);
    std::map<LineNo, std::vector<std::string>> contexts;
    if (options.show_contexts) contexts = session.ContextsByLineno(*job.file);
    bool from_file = false;
    const std::string raw = RawSource(*job.file, from_file);
    job.digest = PageDigest(c, job, raw, options.show_contexts ? &contexts : nullptr);
    const std::string path = Join(c.dir, job.page);
    const bool keep = same_globals && [&] {
      auto it = old.pages.find(job.page);
      return it != old.pages.end() && it->second == job.digest && Exists(path);
    }();
    lap(kSource, t);
    if (keep) {
      job.keep = true;
      return;
    }
    std::string html = RenderPage(c, job, PageText(raw, from_file, c.minor), options.show_contexts ? &contexts : nullptr);
    lap(kRender, t);
    Status st = WriteAtomically(path, html);
    lap(kWrite, t);
    if (!st) {
      job.error = st.error();
      return;
    }
    written.fetch_add(1, std::memory_order_relaxed);
  });
  static const char* const kStageNames[kStages] = {"regions", "source", "render", "write"};
  for (int k = 0; k < kStages; ++k) result.busy.emplace_back(kStageNames[k], double(busy_ns[k].load()) * 1e-9);
  for (PageJob& job : jobs) {
    if (job.error) return *job.error;
    now.pages[job.page] = job.digest;
    result.pages_kept += job.keep;
  }
  result.pages_written = written.load();

  // 4. The index pages.
  for (const PageJob& job : jobs) {
    file_index.rows.push_back({job.page, job.file->relative_filename, "", "", false, false, job.file->analysis.numbers});
  }
  // One index page per region kind, in the order the kinds first appear (coverage.py's
  // index_pages dict), each gathering the files that have that kind.
  std::vector<IndexPage> region_pages;
  for (const PageJob& job : jobs) {
    for (const PageJob::Kind& kind : job.kinds) {
      auto page = std::find_if(region_pages.begin(), region_pages.end(),
                               [&](const IndexPage& p) { return p.noun == kind.noun; });
      if (page == region_pages.end()) {
        region_pages.push_back({kind.noun, kind.plural, kind.noun + "_index.html", {}, {}, 0, 0});
        region_pages.back().totals.precision = session.config().precision;
        page = region_pages.end() - 1;
      }
      page->totals += kind.totals;
      page->skipped_covered += kind.skipped_covered;
      page->skipped_empty += kind.skipped_empty;
      for (const PageJob::RegionRow& r : kind.rows) {
        page->rows.push_back({r.url, job.file->relative_filename, r.name, r.sort_name, true, r.no_noun, r.nums});
      }
    }
  }
  std::vector<const IndexPage*> all{&file_index};
  for (const IndexPage& p : region_pages) all.push_back(&p);
  const Clock::time_point index_start = Clock::now();
  const std::string stamp = LocalTimestamp();
  for (const IndexPage* p : all) {
    const std::string path = Join(c.dir, p->filename);
    auto write = [&](std::FILE* f) { return WriteIndex(c, *p, all, stamp, f); };
    if (int err = WriteFileAtomicallyWith(path, write, /*durable=*/false)) return OsError(err, path);
  }
  if (Status s = WriteAtomically(manifest_path, ManifestText(now)); !s) return s.error();
  result.busy.emplace_back("index", std::chrono::duration<double>(Clock::now() - index_start).count());

  result.total = file_index.totals.n_statements ? file_index.totals.pc_covered() : 0.0;
  return result;
}

}  // namespace covalesce::report
