// Both tools' HTML reports read back into the same listing (verify.h): coverage.py's pages by
// their classes and ids (`<p class="par run show_par">`, `<a id="t8">`, "annotate short",
// the index's `<th id=...>` columns), covalesce's by the data-* attributes the README
// documents. Pages are read in parallel; the listing is in page-name order.
#include <dirent.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "covalesce/verify.h"
#include "html_tree.h"

namespace covalesce::verify {
namespace {

using Tree = HtmlTree;
constexpr size_t npos = HtmlTree::npos;

bool EndsWith(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// str.strip(), for ASCII whitespace and U+00A0.
std::string Strip(std::string s) {
  auto is_ws_at = [&](size_t i, bool back) -> size_t {  // bytes of whitespace at i (or ending at i)
    if (back) {
      if (i >= 1 && std::string_view(" \t\n\r\f\v").find(s[i - 1]) != std::string_view::npos) return 1;
      if (i >= 2 && s.compare(i - 2, 2, "\xC2\xA0") == 0) return 2;
      return 0;
    }
    if (i < s.size() && std::string_view(" \t\n\r\f\v").find(s[i]) != std::string_view::npos) return 1;
    if (s.compare(i, 2, "\xC2\xA0") == 0) return 2;
    return 0;
  };
  size_t b = 0, e = s.size();
  while (b < e) {
    size_t n = is_ws_at(b, false);
    if (!n) break;
    b += n;
  }
  while (e > b) {
    size_t n = is_ws_at(e, true);
    if (!n) break;
    e -= n;
  }
  return s.substr(b, e - b);
}

// The targets of "12 ↛ 14" annotations: "14", "exit", "anywhere".
std::vector<std::string> Targets(const std::string& text) {
  static const std::string kArrow = "\xE2\x86\x9B";  // ↛
  std::vector<std::string> out;
  for (size_t at = text.find(kArrow); at != std::string::npos; at = text.find(kArrow, at)) {
    size_t p = at + kArrow.size();
    for (;;) {
      if (text.compare(p, 3, "\xE2\x80\xAF") == 0) p += 3;       // U+202F
      else if (text.compare(p, 2, "\xC2\xA0") == 0) p += 2;      // U+00A0
      else if (p < text.size() && text[p] == ' ') p += 1;
      else break;
    }
    size_t e = p;
    while (e < text.size() && (std::isalnum(static_cast<unsigned char>(text[e])) || text[e] == '_')) ++e;
    if (e > p) out.push_back(text.substr(p, e - p));
    at = e;
  }
  return out;
}

std::string LineEntry(const std::string& page, const std::string& line, const std::string& status,
                      const std::vector<std::string>& shorts, const std::string& long_text) {
  std::string out = page + ":" + line + " " + (status.empty() ? "-" : status);
  if (!shorts.empty()) {
    out += " \xE2\x86\x9B ";
    for (size_t i = 0; i < shorts.size(); ++i) out += (i ? "," : "") + shorts[i];
  }
  if (!long_text.empty()) out += " | " + long_text;
  return out;
}

struct Row {
  std::string file, region, statements, missing, excluded, branches, partial, percent;
  std::string Numbers() const {
    return statements + " " + missing + " " + excluded + " " + branches + " " + partial + " " + percent;
  }
};

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"Couldn't read " + path};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The page file names of a report directory, index pages apart, sorted.
Result<std::vector<std::string>> Pages(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (!d) return Error{"No HTML report in " + dir};
  std::vector<std::string> out;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (EndsWith(name, ".html") && !EndsWith(name, "index.html")) out.push_back(name);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// One page's lines, the pages read in parallel, then the indexes.
template <typename ReadPage, typename ReadIndex>
Result<HtmlListing> Listing(const std::string& dir, ReadPage read_page, ReadIndex read_index) {
  auto pages = Pages(dir);
  if (!pages) return pages.error();
  std::vector<std::vector<std::string>> per_page(pages->size());
  std::vector<size_t> counts(pages->size());
  tbb::parallel_for(size_t(0), pages->size(), [&](size_t i) {
    const std::string& page = (*pages)[i];
    auto text = ReadText(dir + "/" + page);
    if (!text) {
      per_page[i].push_back(page + ": unreadable");
      return;
    }
    Tree tree(*text);
    counts[i] = read_page(tree, page, per_page[i]);
  });
  HtmlListing listing;
  listing.pages = pages->size();
  for (size_t i = 0; i < pages->size(); ++i) {
    listing.source_lines += counts[i];
    for (std::string& l : per_page[i]) listing.lines.push_back(std::move(l));
  }
  for (const char* index : {"index.html", "function_index.html", "class_index.html"}) {
    auto text = ReadText(dir + "/" + index);
    if (!text) {
      listing.lines.push_back(std::string(index) + ": missing");
      continue;
    }
    Tree tree(*text);
    std::vector<Row> rows;
    std::optional<Row> total;
    std::vector<std::string> notes;
    read_index(tree, rows, total, notes);
    for (const Row& r : rows) {
      listing.lines.push_back(std::string(index) + ": " + r.file + (r.region.empty() ? "" : " | " + r.region) +
                              " | " + r.Numbers());
    }
    listing.lines.push_back(std::string(index) + ": total | " + (total ? total->Numbers() : "missing"));
    for (const std::string& n : notes) listing.lines.push_back(std::string(index) + ": note | " + n);
  }
  return listing;
}

// ---- coverage.py's pages --------------------------------------------------------------

std::string CoveragePyStatus(const HtmlNode& p) {
  for (const char* s : {"par", "mis", "exc", "run"}) {
    if (p.has_class(s)) return s;
  }
  return "";
}

size_t CoveragePyPage(const Tree& t, const std::string& page, std::vector<std::string>& out) {
  size_t h1 = t.Find(t.root(), [](const HtmlNode& n) { return n.tag == "h1"; });
  size_t b = h1 == npos ? npos : t.Find(h1, [](const HtmlNode& n) { return n.tag == "b"; });
  out.push_back(page + ": file " + (b == npos ? std::string("?") : t.Text(b)));
  size_t main = t.Find(t.root(), [](const HtmlNode& n) {
    const std::string* id = n.attr("id");
    return n.tag == "main" && id && *id == "source";
  });
  if (main == npos) {
    out.push_back(page + ": no source lines");
    return 0;
  }
  size_t count = 0;
  for (size_t p : t.Children(main, "p")) {
    size_t a = t.Find(p, [](const HtmlNode& n) {
      const std::string* id = n.attr("id");
      return n.tag == "a" && id && id->size() > 1 && (*id)[0] == 't';
    });
    size_t shrt = t.Find(p, [](const HtmlNode& n) { return n.has_class("annotate") && n.has_class("short"); });
    size_t lng = t.Find(p, [](const HtmlNode& n) { return n.has_class("annotate") && n.has_class("long"); });
    out.push_back(LineEntry(page, a == npos ? "?" : t.node(a).attr("id")->substr(1), CoveragePyStatus(t.node(p)),
                            shrt == npos ? std::vector<std::string>{} : Targets(t.Text(shrt)),
                            lng == npos ? "" : Strip(t.Text(lng))));
    ++count;
  }
  return count;
}

void CoveragePyIndex(const Tree& t, std::vector<Row>& rows, std::optional<Row>& total, std::vector<std::string>& notes) {
  size_t head = t.Find(t.root(), [](const HtmlNode& n) {
    return n.tag == "tr" && n.has_class("tablehead") && !n.has_class("grouphead");
  });
  std::vector<std::string> cols;
  if (head != npos) {
    for (size_t th : t.Children(head, "th")) {
      const std::string* id = t.node(th).attr("id");
      cols.push_back(id ? *id : "spacer");
    }
  }
  auto row = [&](size_t tr) {
    std::map<std::string, std::string> got;
    std::vector<size_t> tds = t.Children(tr, "td");
    for (size_t i = 0; i < tds.size() && i < cols.size(); ++i) got[cols[i]] = Strip(t.Text(tds[i]));
    auto get = [&](const char* col, const char* otherwise) {
      auto it = got.find(col);
      return it == got.end() ? std::string(otherwise) : it->second;
    };
    // The file cell holds the name escaped twice (coverage.py escapes it, then its template).
    return Row{DecodeEntities(get("file", "")), get("region", ""), get("statements", "?"), get("missing", "?"),
               get("excluded", "?"), get("branches", "0"), get("partial", "0"), get("coverage", "?")};
  };
  for (size_t tr : t.FindAll(t.root(), [](const HtmlNode& n) { return n.tag == "tr" && n.has_class("region"); })) {
    rows.push_back(row(tr));
  }
  size_t tot = t.Find(t.root(), [](const HtmlNode& n) { return n.tag == "tr" && n.has_class("total"); });
  if (tot != npos) total = row(tot);
  for (size_t p : t.FindAll(t.root(), [](const HtmlNode& n) { return n.tag == "p"; })) {
    std::string text = Strip(t.Text(p));
    if (text.find("skipped") != std::string::npos) notes.push_back(text);
  }
}

// ---- covalesce's pages ----------------------------------------------------------------

std::string Attr(const HtmlNode& n, const char* name) {
  const std::string* v = n.attr(name);
  return v ? *v : "?";
}

size_t CovalescePage(const Tree& t, const std::string& page, std::vector<std::string>& out) {
  size_t body = t.Find(t.root(), [](const HtmlNode& n) { return n.tag == "body"; });
  out.push_back(page + ": file " + (body == npos ? std::string("?") : Attr(t.node(body), "data-file")));
  size_t count = 0;
  for (size_t p : t.FindAll(t.root(), [](const HtmlNode& n) { return n.tag == "p" && n.attr("data-line"); })) {
    size_t a = t.Find(p, [](const HtmlNode& n) { return n.tag == "span" && n.has_class("a"); });
    size_t b = a == npos ? npos : t.Find(a, [](const HtmlNode& n) { return n.tag == "b"; });
    size_t i = a == npos ? npos : t.Find(a, [](const HtmlNode& n) { return n.tag == "i"; });
    const std::string* status = t.node(p).attr("data-status");
    out.push_back(LineEntry(page, *t.node(p).attr("data-line"), status ? *status : "",
                            b == npos ? std::vector<std::string>{} : Targets(t.Text(b)),
                            i == npos ? "" : Strip(t.Text(i))));
    ++count;
  }
  return count;
}

void CovalesceIndex(const Tree& t, std::vector<Row>& rows, std::optional<Row>& total, std::vector<std::string>& notes) {
  auto row = [&](size_t tr) {
    const HtmlNode& n = t.node(tr);
    const std::string* name = n.attr("data-name");
    return Row{Attr(n, "data-file"), name ? *name : "", Attr(n, "data-statements"), Attr(n, "data-missing"),
               Attr(n, "data-excluded"), Attr(n, "data-branches"), Attr(n, "data-partial"),
               Attr(n, "data-percent") + "%"};
  };
  size_t tbody = t.Find(t.root(), [](const HtmlNode& n) { return n.tag == "tbody"; });
  if (tbody != npos) {
    for (size_t tr : t.Children(tbody, "tr")) rows.push_back(row(tr));
  }
  size_t tot = t.Find(t.root(), [](const HtmlNode& n) { return n.tag == "tr" && n.has_class("total"); });
  if (tot != npos) total = row(tot);
  for (size_t p : t.FindAll(t.root(), [](const HtmlNode& n) { return n.tag == "p" && n.has_class("note"); })) {
    notes.push_back(Strip(t.Text(p)));
  }
}

}  // namespace

Result<HtmlListing> ReadCoveragePyHtml(const std::string& dir) { return Listing(dir, CoveragePyPage, CoveragePyIndex); }

Result<HtmlListing> ReadCovalesceHtml(const std::string& dir) { return Listing(dir, CovalescePage, CovalesceIndex); }

}  // namespace covalesce::verify
