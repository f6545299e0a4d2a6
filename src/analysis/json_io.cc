// FileAnalysis <-> JSON. One schema serves two readers: the Python helper prints it (one
// line per file), `covalesce debug analysis` shows it (the cache stores binary_io.cc's
// rows). Reading uses simdjson's On-Demand API with error codes; any surprise is an Error,
// never a guess.
//
// {"path": s, "filename": s, "should_be_python": b,
//  "plugin": s, "relative_filename": s, "region_kinds": [[s, s]],  (files measured by a plugin)
//  "error": {"kind": "not_python"|"no_source"|"reporter"|"other", "type": s, "message": s}   (or:)
//  "statements": [n], "excluded": [n], "multiline": [[line, first]], "num_lines": n,
//  "regions": [{"kind": s, "name": s, "start": n, "lines": [n]}],
//  "arcs": [[a, b]], "exit_counts": [[line, n]], "no_branch": [n],                (branch)
//  "with_jump_fixers": [[[a, b], [c, d] | null]], "arc_fragments": [[[a, b], [[s|null, s|null]]]],
//  "source_lines": [s], "tokens": [[[cls, text]]]}                                  (source)
#include <charconv>
#include <simdjson.h>

#include <cstdio>
#include <unordered_map>

#include "covalesce/analysis.h"
#include "covalesce/json_text.h"
#include "internal.h"

namespace covalesce {
namespace {

// ---- writing ------------------------------------------------------------------------

void PutString(std::string& out, std::string_view s) {
  out += '"';
  // Runs that need no escape (UTF-8 included) go in whole; what stops a run is '"', '\\' or a
  // control character.
  while (!s.empty()) {
    size_t plain = 0;
    while (plain < s.size() && static_cast<unsigned char>(s[plain]) >= 0x20 && s[plain] != '"' && s[plain] != '\\') {
      ++plain;
    }
    out.append(s.data(), plain);
    s.remove_prefix(plain);
    if (s.empty()) break;
    const unsigned char byte = static_cast<unsigned char>(s.front());
    s.remove_prefix(1);
    if (const char* escape = JsonShortEscape(byte)) {
      out += escape;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", byte);
      out += buf;
    }
  }
  out += '"';
}

void PutOptString(std::string& out, std::optional<std::string_view> s) {
  if (s) PutString(out, *s);
  else out += "null";
}

void PutInt(std::string& out, long long n) {
  char buf[24];  // into the output directly: a temporary string per number was most of ToJson
  out.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}

// [a, b], each written by `put`.
template <typename T, typename Put>
void PutTwo(std::string& out, const T& a, const T& b, Put put) {
  out += '[';
  put(out, a);
  out += ',';
  put(out, b);
  out += ']';
}

void PutPair(std::string& out, const Arc& p) { PutTwo(out, p.first, p.second, PutInt); }

// A JSON array of `items`, each written by `put`.
template <typename Items, typename Put>
void PutList(std::string& out, const Items& items, Put put) {
  out += '[';
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    put(out, item);
  }
  out += ']';
}

void PutLines(std::string& out, const std::vector<LineNo>& lines) { PutList(out, lines, PutInt); }

// A map of line numbers (or a list of pairs) as a list of [key, value] pairs; a generic
// lambda, so that it can be handed to PutField as it is.
constexpr auto PutIntMap = [](std::string& out, const auto& pairs) {
  PutList(out, pairs, [](std::string& o, const auto& kv) { PutPair(o, {kv.first, kv.second}); });
};

// An object's member after its first: ,"name": and the value, as `put` writes it.
template <typename Value, typename Put>
void PutField(std::string& out, std::string_view name, const Value& value, Put put) {
  out += ",\"";
  out += name;
  out += "\":";
  put(out, value);
}

void PutStringPair(std::string& out, const std::pair<std::string, std::string>& p) {
  PutTwo(out, p.first, p.second, PutString);
}

void PutRegion(std::string& out, const Region& r) {
  out += "{\"kind\":";
  PutString(out, r.kind);
  PutField(out, "name", r.name, PutString);
  PutField(out, "start", r.start, PutInt);
  PutField(out, "lines", r.lines, PutLines);
  out += '}';
}

// A with statement's raw arc and its replacement, or null where the arc is dropped.
void PutJumpFixer(std::string& out, const std::pair<const Arc, std::optional<Arc>>& fixer) {
  out += '[';
  PutPair(out, fixer.first);
  out += ',';
  if (fixer.second) PutPair(out, *fixer.second);
  else out += "null";
  out += ']';
}

const char* KindName(FileAnalysis::ErrorKind k) {
  switch (k) {
    case FileAnalysis::ErrorKind::kNotPython: return "not_python";
    case FileAnalysis::ErrorKind::kNoSource: return "no_source";
    case FileAnalysis::ErrorKind::kReporter: return "reporter";
    default: return "other";
  }
}

// ---- reading ------------------------------------------------------------------------

namespace od = simdjson::ondemand;

// Each reader returns false on any type or syntax surprise.
bool Read(od::value& v, std::string& out) {
  std::string_view s;
  if (v.get_string().get(s)) return false;
  out.assign(s);
  return true;
}

bool Read(od::value& v, LineNo& out) {
  int64_t n;
  if (v.get_int64().get(n) || n < INT32_MIN || n > INT32_MAX) return false;
  out = LineNo(n);
  return true;
}

bool Read(od::value& v, int64_t& out) { return !v.get_int64().get(out); }

bool Read(od::value& v, bool& out) { return !v.get_bool().get(out); }

// Overloads used by the templates below, declared before them.
bool Read(od::value& v, Arc& out);
bool Read(od::value& v, Region& out);
bool Read(od::value& v, std::pair<std::string, std::string>& out);
template <typename T>
bool Read(od::value& v, std::vector<T>& out);

// null, or a value of the type inside.
template <typename T>
bool Read(od::value& v, std::optional<T>& out) {
  bool null = false;
  if (v.is_null().get(null)) return false;
  if (null) {
    out.reset();
    return true;
  }
  out.emplace();
  return Read(v, *out);
}

// Calls visit(item) for every element of v as a Container (od::array: its values, od::object:
// its fields, each still a simdjson result); false when v is not one, or at the first false.
template <typename Container, typename F>
bool ForEachItem(od::value& v, F&& visit) {
  Container items;
  if (v.get(items)) return false;
  for (auto item : items)
    if (!visit(std::move(item))) return false;
  return true;
}

// Calls each(value&) for every element of an array.
template <typename F>
bool ForEach(od::value& v, F&& each) {
  return ForEachItem<od::array>(v, [&](auto item) {
    od::value ev;
    return !std::move(item).get(ev) && each(ev);
  });
}

// Reads [x, y] into two values of any readable type.
template <typename A, typename B>
bool ReadPair(od::value& v, A& a, B& b) {
  int n = 0;
  bool ok = ForEach(v, [&](od::value& e) {
    ++n;
    return n == 1 ? Read(e, a) : n == 2 ? Read(e, b) : false;
  });
  return ok && n == 2;
}

bool Read(od::value& v, Arc& out) { return ReadPair(v, out.first, out.second); }

// [[[a, b], [[cause|null, action|null], ...]], ...]: each text stored once per file.
bool Read(od::value& v, ArcFragments& out) {
  out.clear();
  std::unordered_map<std::string, uint32_t> ids;
  auto intern = [&](const std::optional<std::string>& text) {
    if (!text) return ArcFragments::kNoText;
    auto [it, added] = ids.try_emplace(*text, 0);
    if (added) it->second = out.AddText(*text);
    return it->second;
  };
  return ForEach(v, [&](od::value& item) {
    Arc arc;
    int n = 0;
    bool ok = ForEach(item, [&](od::value& part) {
      ++n;
      if (n == 1) return Read(part, arc);
      if (n != 2) return false;
      return ForEach(part, [&](od::value& frag) {
        std::optional<std::string> cause, action;
        if (!ReadPair(frag, cause, action)) return false;
        out.Add(arc, intern(cause), intern(action));
        return true;
      });
    });
    return ok && n == 2;
  });
}

template <typename T>
bool Read(od::value& v, std::vector<T>& out) {
  out.clear();
  return ForEach(v, [&](od::value& e) { return Read(e, out.emplace_back()); });
}

// A list of [key, value] pairs into a std::map or a LineMap: a repeated key's last value kept.
template <typename K, typename V, typename Map>
bool ReadKeyed(od::value& v, Map& out) {
  out.clear();
  return ForEach(v, [&](od::value& e) {
    K k;
    V val;
    if (!ReadPair(e, k, val)) return false;
    out[k] = std::move(val);
    return true;
  });
}

template <typename K, typename V>
bool Read(od::value& v, std::map<K, V>& out) {
  return ReadKeyed<K, V>(v, out);
}

template <typename V>
bool Read(od::value& v, LineMap<V>& out) {
  return ReadKeyed<LineNo, V>(v, out);
}

bool Read(od::value& v, std::pair<std::string, std::string>& out) {
  return ReadPair(v, out.first, out.second);
}

// Calls each(key, value&) for every field of an object.
template <typename F>
bool ForFields(od::value& v, F&& each) {
  return ForEachItem<od::object>(v, [&](auto item) {
    od::field f;
    std::string_view key;
    return !std::move(item).get(f) && !f.unescaped_key().get(key) && each(key, f.value());
  });
}

bool Read(od::value& v, Region& out) {
  return ForFields(v, [&](std::string_view key, od::value& val) {
    return key == "kind"    ? Read(val, out.kind)
           : key == "name"  ? Read(val, out.name)
           : key == "start" ? Read(val, out.start)
           : key == "lines" ? Read(val, out.lines)
                            : true;  // a field from a newer writer: ignored
  });
}

bool ReadError(od::value& v, FileAnalysis& fa) {
  std::string kind;
  bool ok = ForFields(v, [&](std::string_view key, od::value& val) {
    if (key == "kind") return Read(val, kind);
    if (key == "type") return Read(val, fa.error_type);
    if (key == "message") return Read(val, fa.error);
    return true;
  });
  using K = FileAnalysis::ErrorKind;
  fa.error_kind = kind == "not_python"  ? K::kNotPython
                  : kind == "no_source" ? K::kNoSource
                  : kind == "reporter"  ? K::kReporter
                                        : K::kOther;
  return ok && !kind.empty();
}

bool ReadAnalysis(od::value& v, FileAnalysis& fa) {
  return ForFields(v, [&](std::string_view key, od::value& val) {
    if (key == "path") return Read(val, fa.path);
    if (key == "filename") return Read(val, fa.filename);
    if (key == "should_be_python") return Read(val, fa.should_be_python);
    if (key == "plugin") return Read(val, fa.plugin);
    if (key == "relative_filename") return Read(val, fa.relative_filename);
    if (key == "region_kinds") return Read(val, fa.region_kinds);
    if (key == "error") return ReadError(val, fa);
    if (key == "statements") return Read(val, fa.statements);
    if (key == "excluded") return Read(val, fa.excluded);
    if (key == "multiline") return Read(val, fa.multiline);
    if (key == "num_lines") return Read(val, fa.num_lines);
    if (key == "regions") return Read(val, fa.regions);
    if (key == "arcs") return fa.has_arcs = true, Read(val, fa.arcs);
    if (key == "exit_counts") {  // read as a map: sorted, a repeated line's last count kept
      std::map<LineNo, int> counts;
      if (!Read(val, counts)) return false;
      fa.exit_counts.assign(counts.begin(), counts.end());
      return true;
    }
    if (key == "no_branch") return Read(val, fa.no_branch);
    if (key == "with_jump_fixers") return Read(val, fa.with_jump_fixers);
    if (key == "arc_fragments") return Read(val, fa.arc_fragments);
    if (key == "source_lines") return fa.has_source = true, Read(val, fa.source_lines);
    if (key == "tokens") return Read(val, fa.tokens);
    return true;  // a field from a newer helper: ignored
  });
}

}  // namespace

namespace analysis {

// Whether fa has the shape every writer gives (ToJson, ToBinary, the helper): plugin fields with a
// plugin, nothing but the error with an error, branch fields with "arcs", tokens with
// "source_lines". Anything else ToJson could not write back, so it is not ours.
bool WriterShape(const FileAnalysis& fa) {
  if (fa.plugin.empty() && (!fa.relative_filename.empty() || !fa.region_kinds.empty())) return false;
  if (!fa.ok() && (!fa.statements.empty() || !fa.excluded.empty() || !fa.multiline.empty() ||
                   !fa.regions.empty() || fa.num_lines != 0 || fa.has_arcs || fa.has_source)) {
    return false;
  }
  if (!fa.has_arcs && (!fa.exit_counts.empty() || !fa.no_branch.empty() || !fa.with_jump_fixers.empty() ||
                       !fa.arc_fragments.empty())) {
    return false;
  }
  return fa.has_source || fa.tokens.empty();
}

}  // namespace analysis

std::string ToJson(const FileAnalysis& fa) {
  std::string o;
  o.reserve(256 + fa.statements.size() * 8 + fa.arcs.size() * 16);
  o += "{\"path\":";
  PutString(o, fa.path);
  PutField(o, "filename", fa.filename, PutString);
  o += fa.should_be_python ? ",\"should_be_python\":true" : ",\"should_be_python\":false";
  if (!fa.plugin.empty()) {
    PutField(o, "plugin", fa.plugin, PutString);
    PutField(o, "relative_filename", fa.relative_filename, PutString);
    o += ",\"region_kinds\":";
    PutList(o, fa.region_kinds, PutStringPair);
  }
  if (!fa.ok()) {
    o += ",\"error\":{\"kind\":\"";
    o += KindName(fa.error_kind);
    o += "\",\"type\":";
    PutString(o, fa.error_type);
    PutField(o, "message", fa.error, PutString);
    return o += "}}";
  }
  AppendStatementFields(o, fa);
  if (fa.has_arcs) {
    o += ",\"arcs\":";
    PutList(o, fa.arcs, PutPair);
    PutField(o, "exit_counts", fa.exit_counts, PutIntMap);
    PutField(o, "no_branch", fa.no_branch, PutLines);
    o += ",\"with_jump_fixers\":";
    PutList(o, fa.with_jump_fixers, PutJumpFixer);
    o += ",\"arc_fragments\":[";
    const auto& frags = fa.arc_fragments.entries();  // sorted: an arc's fragments together
    for (size_t i = 0; i < frags.size();) {
      o += i ? ",[" : "[";
      PutPair(o, frags[i].arc);
      o += ",[";
      for (size_t j = i; i < frags.size() && frags[i].arc == frags[j].arc; ++i) {
        o += i > j ? ",[" : "[";
        PutOptString(o, fa.arc_fragments.Text(frags[i].cause));
        o += ',';
        PutOptString(o, fa.arc_fragments.Text(frags[i].action));
        o += ']';
      }
      o += "]]";
    }
    o += ']';
  }
  if (fa.has_source) {
    o += ",\"source_lines\":";
    PutList(o, fa.source_lines, PutString);
    o += ",\"tokens\":";
    PutList(o, fa.tokens, [](std::string& out, const auto& line) { PutList(out, line, PutStringPair); });
  }
  return o += '}';
}

Result<FileAnalysis> FromJson(std::string_view json) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end, so the text is copied once.
  simdjson::padded_string padded(json);
  thread_local od::parser parser;
  od::document doc;
  od::value root;
  FileAnalysis fa;
  if (parser.iterate(padded).get(doc) || doc.get_value().get(root) || !ReadAnalysis(root, fa) || !analysis::WriterShape(fa)) {
    std::string head(json.substr(0, 80));
    return Error{"Unreadable analysis JSON: " + head + (json.size() > 80 ? "..." : "")};
  }
  return fa;
}

void AppendStatementFields(std::string& out, const FileAnalysis& fa) {
  PutField(out, "statements", fa.statements, PutLines);
  PutField(out, "excluded", fa.excluded, PutLines);
  PutField(out, "multiline", fa.multiline, PutIntMap);
  PutField(out, "num_lines", fa.num_lines, PutInt);
  out += ",\"regions\":";
  PutList(out, fa.regions, PutRegion);
}

std::string JsonQuote(std::string_view s) {
  std::string out;
  PutString(out, s);
  return out;
}

namespace analysis {

std::optional<std::map<std::string, std::string>> StringFields(std::string_view json) {
  simdjson::padded_string padded(json);
  od::parser parser;
  od::document doc;
  od::value root;
  std::map<std::string, std::string> fields;
  bool ok = !parser.iterate(padded).get(doc) && !doc.get_value().get(root) &&
            ForFields(root, [&](std::string_view key, od::value& v) {
              std::string_view text;
              if (!v.get_string().get(text)) fields[std::string(key)] = std::string(text);
              return true;
            });
  if (!ok) return std::nullopt;
  return fields;
}

}  // namespace analysis
}  // namespace covalesce
