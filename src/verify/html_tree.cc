#include "html_tree.h"
#include "covalesce/utf8.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>

namespace covalesce::verify {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsVoid(std::string_view tag) {
  static const char* const kVoid[] = {"area", "base", "br",   "col",   "embed", "hr",  "img",
                                      "input", "link", "meta", "source", "track", "wbr"};
  return std::any_of(std::begin(kVoid), std::end(kVoid), [&](const char* v) { return tag == v; });
}

// The code point of a named character reference DecodeEntities knows; null for any other name.
const uint32_t* NamedEntity(std::string_view name) {
  struct Named {
    std::string_view name;
    uint32_t cp;
  };
  static constexpr Named kNamed[] = {{"amp", '&'},   {"lt", '<'},    {"gt", '>'},
                                     {"quot", '"'}, {"apos", '\''}, {"nbsp", 0xA0}};
  for (const Named& n : kNamed)
    if (n.name == name) return &n.cp;
  return nullptr;
}

}  // namespace

std::string DecodeEntities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '&') {
      size_t next = s.find('&', i);
      if (next == std::string_view::npos) next = s.size();
      out.append(s.substr(i, next - i));
      i = next;
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) {
      out += '&';
      ++i;
      continue;
    }
    std::string_view name = s.substr(i + 1, semi - i - 1);
    bool known = true;
    if (!name.empty() && name[0] == '#') {
      const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
      std::string digits(name.substr(hex ? 2 : 1));
      char* end = nullptr;
      unsigned long cp = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
      if (digits.empty() || *end != '\0' || cp > 0x10FFFF) known = false;
      else AppendUtf8(out, uint32_t(cp));
    } else if (const uint32_t* cp = NamedEntity(name)) {
      AppendUtf8(out, *cp);
    } else {
      known = false;
    }
    if (!known) {
      out += '&';
      ++i;
      continue;
    }
    i = semi + 1;
  }
  return out;
}

const std::string* HtmlNode::attr(std::string_view name) const {
  for (const auto& [k, v] : attrs) {
    if (k == name) return &v;
  }
  return nullptr;
}

bool HtmlNode::has_class(std::string_view cls) const {
  const std::string* c = attr("class");
  if (!c) return false;
  std::string_view rest(*c);
  while (!rest.empty()) {
    size_t start = 0;
    while (start < rest.size() && IsSpace(rest[start])) ++start;
    size_t end = start;
    while (end < rest.size() && !IsSpace(rest[end])) ++end;
    if (end > start && rest.substr(start, end - start) == cls) return true;
    rest.remove_prefix(end);
  }
  return false;
}

HtmlTree::HtmlTree(std::string_view s) {
  nodes_.push_back(HtmlNode{"#root", {}, "", {}});
  std::vector<size_t> open = {0};
  auto add = [&](HtmlNode n) {
    nodes_.push_back(std::move(n));
    nodes_[open.back()].children.push_back(nodes_.size() - 1);
    return nodes_.size() - 1;
  };
  auto add_text = [&](std::string_view raw, bool decode) {
    if (raw.empty()) return;
    HtmlNode t;
    t.text = decode ? DecodeEntities(raw) : std::string(raw);
    add(std::move(t));
  };
  size_t i = 0;
  while (i < s.size()) {
    size_t lt = s.find('<', i);
    if (lt == std::string_view::npos) lt = s.size();
    add_text(s.substr(i, lt - i), true);
    i = lt;
    if (i >= s.size()) break;
    if (s.compare(i, 4, "<!--") == 0) {
      size_t end = s.find("-->", i + 4);
      i = end == std::string_view::npos ? s.size() : end + 3;
      continue;
    }
    if (i + 1 < s.size() && (s[i + 1] == '!' || s[i + 1] == '?')) {
      size_t end = s.find('>', i);
      i = end == std::string_view::npos ? s.size() : end + 1;
      continue;
    }
    const bool closing = i + 1 < s.size() && s[i + 1] == '/';
    size_t p = i + (closing ? 2 : 1);
    size_t name_end = p;
    while (name_end < s.size() && (std::isalnum(static_cast<unsigned char>(s[name_end])) || s[name_end] == '-')) {
      ++name_end;
    }
    if (name_end == p) {  // a '<' that starts no tag is text
      add_text("<", false);
      ++i;
      continue;
    }
    std::string tag = Lower(s.substr(p, name_end - p));
    p = name_end;
    if (closing) {
      size_t end = s.find('>', p);
      i = end == std::string_view::npos ? s.size() : end + 1;
      for (size_t k = open.size(); k-- > 1;) {
        if (nodes_[open[k]].tag == tag) {
          open.resize(k);
          break;
        }
      }
      continue;
    }
    HtmlNode el;
    el.tag = tag;
    bool self_closing = false;
    while (p < s.size()) {
      while (p < s.size() && IsSpace(s[p])) ++p;
      if (p >= s.size()) break;
      if (s[p] == '>') {
        ++p;
        break;
      }
      if (s[p] == '/') {
        ++p;
        if (p < s.size() && s[p] == '>') {
          self_closing = true;
          ++p;
          break;
        }
        continue;
      }
      size_t a = p;
      while (p < s.size() && !IsSpace(s[p]) && s[p] != '=' && s[p] != '>' && s[p] != '/') ++p;
      std::string name = Lower(s.substr(a, p - a));
      while (p < s.size() && IsSpace(s[p])) ++p;
      std::string value;
      if (p < s.size() && s[p] == '=') {
        ++p;
        while (p < s.size() && IsSpace(s[p])) ++p;
        if (p < s.size() && (s[p] == '"' || s[p] == '\'')) {
          char q = s[p];
          size_t end = s.find(q, p + 1);
          if (end == std::string_view::npos) end = s.size();
          value = DecodeEntities(s.substr(p + 1, end - p - 1));
          p = std::min(end + 1, s.size());
        } else {
          size_t v = p;
          while (p < s.size() && !IsSpace(s[p]) && s[p] != '>') ++p;
          value = DecodeEntities(s.substr(v, p - v));
        }
      }
      if (name.empty()) {
        ++p;
        continue;
      }
      el.attrs.emplace_back(std::move(name), std::move(value));
    }
    i = p;
    size_t idx = add(std::move(el));
    const std::string& t = nodes_[idx].tag;
    if (self_closing || IsVoid(t)) continue;
    if (t == "script" || t == "style") {  // raw text up to the matching end tag
      std::string close = "</" + t;
      size_t end = i;
      for (;;) {
        end = s.find("</", end);
        if (end == std::string_view::npos || Lower(s.substr(end, close.size())) == close) break;
        end += 2;
      }
      if (end == std::string_view::npos) end = s.size();
      open.push_back(idx);
      add_text(s.substr(i, end - i), false);
      open.pop_back();
      size_t gt = s.find('>', end);
      i = gt == std::string_view::npos ? s.size() : gt + 1;
      continue;
    }
    open.push_back(idx);
  }
}

std::string HtmlTree::Text(size_t i) const {
  std::string out;
  auto collect = [&](auto&& self, size_t n) -> void {
    const HtmlNode& node = nodes_[n];
    if (node.tag.empty()) out += node.text;
    for (size_t c : node.children) self(self, c);
  };
  collect(collect, i);
  return out;
}

std::vector<size_t> HtmlTree::Children(size_t i, std::string_view tag) const {
  std::vector<size_t> out;
  for (size_t c : nodes_[i].children) {
    if (nodes_[c].tag == tag) out.push_back(c);
  }
  return out;
}

}  // namespace covalesce::verify
