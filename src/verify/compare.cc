// Text comparison for `covalesce verify`: the first differing line, and the JSON and XML fields
// that name the producing tool or the time blanked on both sides before comparing.
#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "covalesce/json_text.h"
#include "covalesce/verify.h"

namespace covalesce::verify {
namespace {

// Replaces the value of the first `"key": "..."` in text[from, to) with "-".
void BlankJsonString(std::string& text, std::string_view key, size_t from, size_t& to) {
  std::string needle = "\"" + std::string(key) + "\": \"";
  size_t at = text.find(needle, from);
  if (at == std::string::npos || at >= to) return;
  size_t start = at + needle.size();
  size_t end = start;
  while (end < text.size() && text[end] != '"') end += text[end] == '\\' ? 2 : 1;
  if (end >= text.size()) return;
  text.replace(start, end - start, "-");
  to = to - (end - start) + 1;
}

void SkipSpace(std::string_view s, size_t& p) {
  while (p < s.size() && (s[p] == ' ' || s[p] == '\n' || s[p] == '\r' || s[p] == '\t')) ++p;
}

// Skips the white space after a list item or object entry and, where a ',' follows, it and
// the white space after it, keeping the first such separator in `sep` (to write the sorted
// items with). Whether there was a ','.
bool EatSeparator(std::string_view text, size_t& p, std::string& sep) {
  const size_t start = p;
  SkipSpace(text, p);
  if (p >= text.size() || text[p] != ',') return false;
  ++p;
  SkipSpace(text, p);
  if (sep.empty()) sep = text.substr(start, p - start);
  return true;
}

// The end (one past the closing quote) of the JSON string starting at s[p] == '"'; npos if none.
size_t StringEnd(std::string_view s, size_t p) {
  if (p >= s.size() || s[p] != '"') return std::string_view::npos;
  for (size_t i = p + 1; i < s.size(); ++i) {
    if (s[i] == '\\') ++i;
    else if (s[i] == '"') return i + 1;
  }
  return std::string_view::npos;
}

// A JSON string token's value as UTF-8, whose byte order is Python's str order.
std::string DecodeJsonString(std::string_view token) {
  size_t i = 1;  // past the opening quote
  return JsonUnquote(token, i, EscapedByte::kSurrogate).value_or("");
}

// The "contexts" object starting at text[p] == '{' rewritten in covalesce's order (entries by
// line number, each list sorted); returns the end of the object, or npos (text unchanged)
// when it is not an object of string lists.
size_t SortContextsObject(std::string& text, size_t p) {
  struct Entry {
    long line;
    std::string key, list;
  };
  std::vector<Entry> entries;
  std::string entry_sep;
  const size_t open = p;
  ++p;
  SkipSpace(text, p);
  const size_t first = p;
  size_t last_end = p;
  if (p < text.size() && text[p] == '}') return p + 1;
  for (;;) {
    size_t key_end = StringEnd(text, p);
    if (key_end == std::string::npos) return std::string::npos;
    Entry e;
    e.key = text.substr(p, key_end - p);
    char* end = nullptr;
    std::string digits = DecodeJsonString(e.key);
    e.line = std::strtol(digits.c_str(), &end, 10);
    if (digits.empty() || *end) return std::string::npos;
    p = key_end;
    if (text.compare(p, 2, ": ") != 0) return std::string::npos;
    p += 2;
    if (p >= text.size() || text[p] != '[') return std::string::npos;
    const size_t list_open = p;
    ++p;
    std::vector<std::string> items;
    std::string item_sep;
    size_t items_first = p, items_last_end = p;
    SkipSpace(text, p);
    items_first = p;
    while (p < text.size() && text[p] != ']') {
      size_t item_end = StringEnd(text, p);
      if (item_end == std::string::npos) return std::string::npos;
      items.push_back(text.substr(p, item_end - p));
      items_last_end = p = item_end;
      EatSeparator(text, p, item_sep);
    }
    if (p >= text.size()) return std::string::npos;
    std::sort(items.begin(), items.end(),
              [](const std::string& a, const std::string& b) { return DecodeJsonString(a) < DecodeJsonString(b); });
    std::string list = text.substr(list_open, items_first - list_open);
    for (size_t i = 0; i < items.size(); ++i) list += (i ? item_sep : "") + items[i];
    list += items.empty() ? text.substr(items_first, p + 1 - items_first) : text.substr(items_last_end, p + 1 - items_last_end);
    e.list = std::move(list);
    entries.push_back(std::move(e));
    last_end = ++p;
    if (EatSeparator(text, p, entry_sep)) continue;
    if (p < text.size() && text[p] == '}') break;
    return std::string::npos;
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.line < b.line; });
  std::string body;
  for (size_t i = 0; i < entries.size(); ++i) body += (i ? entry_sep : "") + entries[i].key + ": " + entries[i].list;
  text.replace(first, last_end - first, body);
  (void)open;
  return first + body.size() + (p - last_end) + 1;
}

}  // namespace

std::optional<Difference> FirstDifference(std::string_view theirs, std::string_view ours) {
  if (theirs == ours) return std::nullopt;
  // Each text as its '\n'-separated segments ("a\n" is "a" and ""): equal texts have equal
  // segments, so the first unequal segment, or the first one past the end of one text, is it.
  size_t line = 1, a = 0, b = 0;
  for (;;) {
    const bool has_a = a != std::string_view::npos, has_b = b != std::string_view::npos;
    if (!has_a && !has_b) return std::nullopt;
    size_t ea = has_a ? theirs.find('\n', a) : a, eb = has_b ? ours.find('\n', b) : b;
    std::string_view la = has_a ? theirs.substr(a, ea == std::string_view::npos ? ea : ea - a) : "";
    std::string_view lb = has_b ? ours.substr(b, eb == std::string_view::npos ? eb : eb - b) : "";
    if (has_a != has_b || la != lb) {
      Difference d;
      d.line = line;
      if (has_a) d.theirs = std::string(la);
      if (has_b) d.ours = std::string(lb);
      return d;
    }
    a = ea == std::string_view::npos ? ea : ea + 1;
    b = eb == std::string_view::npos ? eb : eb + 1;
    ++line;
  }
}

std::string Excerpt(std::string_view line, size_t column, size_t width) {
  if (line.size() <= width) return std::string(line);
  size_t start = column > width / 2 ? column - width / 2 : 0;
  while (start > 0 && (static_cast<unsigned char>(line[start]) & 0xC0) == 0x80) --start;  // whole characters
  size_t end = std::min(line.size(), start + width);
  while (end < line.size() && (static_cast<unsigned char>(line[end]) & 0xC0) == 0x80) ++end;
  return std::string(start ? "\xE2\x80\xA6" : "") + std::string(line.substr(start, end - start)) +
         (end < line.size() ? "\xE2\x80\xA6" : "");
}

std::string NormalizeJson(std::string text) {
  size_t meta = text.find("\"meta\": {");
  if (meta != std::string::npos) {
    size_t end = text.find('}', meta);
    if (end != std::string::npos) {
      BlankJsonString(text, "version", meta, end);
      BlankJsonString(text, "timestamp", meta, end);
    }
  }
  static const std::string kKey = "\"contexts\": {";
  for (size_t at = text.find(kKey); at != std::string::npos; at = text.find(kKey, at)) {
    size_t end = SortContextsObject(text, at + kKey.size() - 1);
    at = end == std::string::npos ? at + kKey.size() : end;
  }
  return text;
}

std::string NormalizeXml(std::string text) {
  size_t head = text.find("<coverage version=\"");
  if (head != std::string::npos) {
    size_t v = head + std::string_view("<coverage version=\"").size();
    size_t v_end = text.find('"', v);
    if (v_end != std::string::npos) text.replace(v, v_end - v, "-");
    size_t ts = text.find(" timestamp=\"", head);
    if (ts != std::string::npos && ts < text.find('>', head)) {
      size_t t = ts + std::string_view(" timestamp=\"").size();
      size_t t_end = text.find('"', t);
      if (t_end != std::string::npos) text.replace(t, t_end - t, "-");
    }
  }
  size_t comment = text.find("<!-- Generated by ");
  if (comment != std::string::npos) {
    size_t end = text.find(" -->", comment);
    if (end != std::string::npos) text.replace(comment, end - comment, "<!-- Generated by -");
  }
  return text;
}

}  // namespace covalesce::verify
