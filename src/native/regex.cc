// Python `re` patterns over PCRE2, for PythonParser.lines_matching: re.finditer(regex, text,
// re.MULTILINE). PCRE2 runs in UTF + Unicode-property mode with "\n" as the only newline, '^'
// also matching after a final newline (as Python's does), and the few Python spellings PCRE2
// reads differently rewritten first (\Z, \uXXXX, \UXXXXXXXX, \s and its ASCII extras).
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <memory>
#include <optional>

#include "covalesce/kernels.h"
#include "internal.h"

namespace covalesce::native {
namespace {

// Python's str patterns: \s also matches \x1c-\x1f; \Z is PCRE2's \z; \u / \U escapes.
std::string ForPcre(std::string_view p) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      const char e = p[i + 1];
      if (e == 'Z' && !in_class) {
        out += "\\z";
      } else if (e == 's') {
        out += in_class ? "\\s\\x{1c}-\\x{1f}" : "[\\s\\x{1c}-\\x{1f}]";
      } else if (e == 'S' && !in_class) {
        out += "[^\\s\\x{1c}-\\x{1f}]";
      } else if ((e == 'u' || e == 'U') && i + 2 < p.size()) {
        const size_t n = e == 'u' ? 4 : 8;
        out += "\\x{" + std::string(p.substr(i + 2, n)) + "}";
        i += n;
      } else {
        out += c;
        out += e;
      }
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out += c;
      continue;
    }
    if (c == '{' && i + 1 < p.size() && p[i + 1] == ',') {
      // Python's {,n} (no minimum) is PCRE2's {0,n}.
      size_t j = i + 2;
      while (j < p.size() && p[j] >= '0' && p[j] <= '9') ++j;
      if (j > i + 2 && j < p.size() && p[j] == '}') {
        out += "{0";
        continue;
      }
    }
    if (c == '[') {
      in_class = true;
      out += c;
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') out += "\\]", ++i;  // a leading ']' is literal
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string JoinRegex(const std::vector<std::string>& regexes) {
  if (regexes.size() == 1) return regexes[0];
  std::string out;
  for (size_t i = 0; i < regexes.size(); ++i) {
    if (i) out += '|';
    out += "(?:" + regexes[i] + ")";
  }
  return out;
}

namespace {

constexpr uint32_t kOptions = PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE | PCRE2_ALT_CIRCUMFLEX;

pcre2_code* CompileTranslated(const std::string& translated, int& err, PCRE2_SIZE& offset, uint32_t extra = 0) {
  pcre2_compile_context* ctx = pcre2_compile_context_create(nullptr);
  pcre2_set_newline(ctx, PCRE2_NEWLINE_LF);
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                                   kOptions | extra, &err, &offset, ctx);
  pcre2_compile_context_free(ctx);
  return code;
}

using FirstBytes = std::array<uint8_t, 32>;  // a bitmap of bytes

bool Has(const FirstBytes& bits, uint8_t b) { return (bits[b / 8] >> (b % 8)) & 1; }

// The ASCII bytes \s matches: white space and \x1c-\x1f.
bool AsciiSpace(uint32_t b) { return (b >= 0x09 && b <= 0x0d) || b == 0x20 || (b >= 0x1c && b <= 0x1f); }

// What \s can start with, as bytes: those, or any non-ASCII byte (Unicode's spaces are
// several bytes).
bool MaySpace(uint32_t b) { return AsciiSpace(b) || b >= 0x80; }

// The bytes a match of `rest` can start with, as PCRE2 itself works them out, when `rest`
// can match neither the empty string nor anything that starts with a byte \s could start
// with; nullopt otherwise.
std::optional<FirstBytes> FirstBytesNeverSpace(const std::string& rest) {
  int err = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = CompileTranslated(rest, err, offset);
  if (!code) return std::nullopt;
  std::optional<FirstBytes> out;
  uint32_t min_length = 0, first_type = 0;
  pcre2_pattern_info(code, PCRE2_INFO_MINLENGTH, &min_length);
  pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODETYPE, &first_type);
  if (min_length > 0 && first_type == 1) {  // one first byte (a letter's other case too)
    uint32_t unit = 0;
    pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODEUNIT, &unit);
    if (!MaySpace(unit)) {
      FirstBytes bits{};
      for (uint32_t b : {unit, unit < 0x80 ? uint32_t(std::tolower(int(unit))) : unit,
                         unit < 0x80 ? uint32_t(std::toupper(int(unit))) : unit}) {
        bits[b / 8] |= uint8_t(1 << (b % 8));
      }
      out = bits;
    }
  } else if (min_length > 0) {
    const uint8_t* map = nullptr;  // the 256 bytes a match can start with, when known
    pcre2_pattern_info(code, PCRE2_INFO_FIRSTBITMAP, &map);
    if (map) {
      FirstBytes bits;
      std::memcpy(bits.data(), map, bits.size());
      bool never = true;
      for (uint32_t b = 0; b < 256 && never; ++b) never = !(MaySpace(b) && Has(bits, uint8_t(b)));
      if (never) out = bits;
    }
  }
  pcre2_code_free(code);
  return out;
}

const std::string kIndent = "^[\\s\\x{1c}-\\x{1f}]*";

// A pattern that starts with a (greedy) "^\s*" whose rest can never start with white
// space: the rest, and the bytes it can start with.
struct IndentedRest {
  std::string rest;
  FirstBytes first;
};
std::optional<IndentedRest> RestAfterIndent(const std::string& translated) {
  if (translated.compare(0, kIndent.size(), kIndent) != 0) return std::nullopt;
  std::string rest = translated.substr(kIndent.size());
  if (rest.empty() || rest[0] == '?' || rest[0] == '+' || rest[0] == '{') return std::nullopt;
  auto first = FirstBytesNeverSpace(rest);
  if (!first) return std::nullopt;
  return IndentedRest{std::move(rest), *first};
}

// coverage.py's default exclusions (and most users' own) read "^\s*...": at each line start
// the greedy \s* takes the indent, and when the rest fails PCRE2 gives the indent back one
// character at a time, retrying the rest each time: most of a file's scan. When the rest can
// never start with white space those retries cannot succeed, and a possessive \s*+ (which
// gives nothing back) finds the same matches, two to three times faster.
std::string Possessive(const IndentedRest& r) { return kIndent + "+" + r.rest; }

}  // namespace

std::string PossessiveIndent(const std::string& translated) {
  auto r = RestAfterIndent(translated);
  return r ? Possessive(*r) : translated;
}

namespace {

// A compiled pattern. `line_starts`: every match starts at a line start (PCRE2's
// "startline"), after a possessive \s*+, at a byte of `first` (or a non-ASCII one) that
// ends the indent: Run then visits the line starts itself, skipping each indent with a
// byte loop and the line with memchr, and has PCRE2 try only the lines whose first
// non-space byte can begin the rest. PCRE2's own scan tries every line.
struct Code {
  pcre2_code* code = nullptr;
  bool jit = false;  // compiled to machine code: matched with pcre2_jit_match, skipping the checks
  ~Code() { pcre2_code_free(code); }
};
struct Compiled {
  Code any;       // searches from its start offset
  Code anchored;  // with line_starts: the same pattern compiled to match only at its start
  bool line_starts = false;
  FirstBytes first{};
};

Result<Compiled*> CompileOne(const std::string& pattern) {
  int err = 0;
  PCRE2_SIZE offset = 0;
  const std::string translated = ForPcre(pattern);
  const std::optional<IndentedRest> indented = RestAfterIndent(translated);
  const std::string rewritten = indented ? Possessive(*indented) : translated;
  pcre2_code* code = CompileTranslated(rewritten, err, offset);
  if (!code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof buf);
    return Error{"Invalid exclusion regex " + pattern + ": " + reinterpret_cast<char*>(buf)};
  }
  auto c = std::make_unique<Compiled>();
  c->any.code = code;
  c->any.jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;  // best effort; else the interpreter
  uint32_t first_type = 0;
  pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODETYPE, &first_type);
  if (indented && first_type == 2) {
    // An anchored match asked of a pattern compiled unanchored runs in the interpreter,
    // not the JIT: the line-start search has its own anchored copy.
    c->anchored.code = CompileTranslated(rewritten, err, offset, PCRE2_ANCHORED);
    if (c->anchored.code) {
      c->anchored.jit = pcre2_jit_compile(c->anchored.code, PCRE2_JIT_COMPLETE) == 0;
      c->first = indented->first;
      c->line_starts = true;
    }
  }
  return c.release();
}

struct MatchData {
  pcre2_match_data* md = pcre2_match_data_create(64, nullptr);
  ~MatchData() { pcre2_match_data_free(md); }
};

bool Match(const Code& c, std::string_view text, size_t pos, uint32_t flags, size_t& s, size_t& e) {
  thread_local MatchData data;
  // The text is valid UTF-8 (decoded with errors="replace"): no check on every call.
  const auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  // pcre2_jit_match ignores PCRE2_ANCHORED: an anchored run of unanchored code interprets.
  const int rc = c.jit && !(flags & PCRE2_ANCHORED)
                     ? pcre2_jit_match(c.code, subject, text.size(), pos, flags, data.md, nullptr)
                       : pcre2_match(c.code, subject, text.size(), pos, flags | PCRE2_NO_UTF_CHECK, data.md, nullptr);
  if (rc < 0) return false;  // no match (or a matching error: treated as none)
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data.md);
  s = ov[0];
  e = ov[1];
  return true;
}

// One match of `code` at or after `pos` (exactly at `pos` when anchored).
bool Run(void* code, std::string_view text, size_t pos, uint32_t flags, size_t& s, size_t& e) {
  const Compiled& c = *static_cast<const Compiled*>(code);
  if (!c.line_starts || (flags & PCRE2_ANCHORED)) return Match(c.any, text, pos, flags, s, e);
  const size_t n = text.size();
  size_t line = pos;
  if (line > 0 && text[line - 1] != '\n') {  // '^' cannot match inside a line
    const size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) return false;
    line = nl + 1;
  }
  // The end of the last indent skipped: line starts inside it end their indent there too.
  size_t indent_end = 0;
  bool candidate = false;
  while (true) {
    if (line >= indent_end) {
      size_t q = line;
      // Indents are mostly spaces: eight at a time, then byte by byte.
      for (uint64_t eight; q + 8 <= n && (std::memcpy(&eight, text.data() + q, 8), eight == 0x2020202020202020u);) q += 8;
      while (q < n && AsciiSpace(uint8_t(text[q]))) ++q;
      indent_end = q;
      candidate = q == n || uint8_t(text[q]) >= 0x80 || Has(c.first, uint8_t(text[q]));
    }
    // Tried anchored at each possible line start, in order: the first match is the leftmost.
    if (candidate && Match(c.anchored, text, line, line == pos ? flags : 0, s, e)) return true;
    if (line >= n) return false;
    const size_t nl = text.find('\n', line);
    if (nl == std::string_view::npos) return false;
    line = nl + 1;
  }
}

}  // namespace

namespace {

// Whether `text` holds one of `choices` (not empty; RequiredChoices makes at most 16): one
// SIMD pass over the text for all of them (kernels::ContainsAnyNeedle). More choices than
// that are never ruled out.
bool ContainsAny(std::string_view text, const std::vector<std::string>& choices) {
  std::array<std::string_view, 16> needles;
  if (choices.size() > needles.size()) return true;
  for (size_t k = 0; k < choices.size(); ++k) needles[k] = choices[k];
  return kernels::ContainsAnyNeedle(reinterpret_cast<const uint8_t*>(text.data()), text.size(),
                                    needles.data(), choices.size());
}

// The index of the ']' that closes the character class opening at p[open] (p.size() or past
// it when nothing closes it); a ']' first in the class, or just after its '^', is a literal.
size_t ClassEnd(std::string_view p, size_t open) {
  size_t i = open + 1;
  if (i < p.size() && p[i] == '^') ++i;
  if (i < p.size() && p[i] == ']') ++i;
  while (i < p.size() && p[i] != ']') {
    if (p[i] == '\\') ++i;
    ++i;
  }
  return i;
}

}  // namespace

std::vector<std::string> RequiredChoices(std::string_view p) {
  if (p.find("(?") != std::string_view::npos) return {};  // inline flags, lookarounds, ...
  // `cur`: the strings one of which the text at this point of the run must read; a simple
  // group of literal alternatives, "(True|1|False|0)", multiplies them.
  std::vector<std::string> best, cur{""};
  auto score = [](const std::vector<std::string>& v) {
    size_t m = v.empty() ? 0 : SIZE_MAX;
    for (const std::string& x : v) m = std::min(m, x.size());
    return m;
  };
  auto flush = [&] {
    if (score(cur) > score(best)) best = cur;
    cur.assign(1, "");
  };
  auto append = [&](char c) {
    for (std::string& x : cur) x += c;
  };
  auto quantifier = [](char c) { return c == '*' || c == '?' || c == '{' || c == '+'; };
  bool last_literal = false;  // the last atom was one literal character, appended to `cur`
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) return {};
      const char e = p[++i];
      const bool word = (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9') || e == '_';
      if (word) flush(), last_literal = false;
      else append(e), last_literal = true;  // an escaped metacharacter is itself
      continue;
    }
    if (c == '[') {  // a character class: skip it
      flush();
      last_literal = false;
      i = ClassEnd(p, i);
      continue;
    }
    if (c == '(') {
      // Find the matching ')', skipping escapes and classes.
      size_t j = i + 1;
      int depth = 1;
      bool simple = true;  // only literal characters and '|'
      for (; j < p.size(); ++j) {
        const char d = p[j];
        if (d == '\\') {
          simple = false;
          ++j;
        } else if (d == '[') {
          simple = false;
          j = ClassEnd(p, j);
        } else if (d == '(') {
          simple = false;
          ++depth;
        } else if (d == ')') {
          if (--depth == 0) break;
        } else if (std::string_view(".^$*+?{}").find(d) != std::string_view::npos ||
                   static_cast<unsigned char>(d) >= 0x80) {
          simple = false;
        }
      }
      if (j >= p.size()) return {};
      const bool quantified = j + 1 < p.size() && quantifier(p[j + 1]);
      last_literal = false;
      if (simple && !quantified) {
        std::vector<std::string> alternatives;
        std::string_view body = p.substr(i + 1, j - i - 1);
        for (size_t at = 0;;) {
          const size_t bar = body.find('|', at);
          alternatives.emplace_back(body.substr(at, bar == std::string_view::npos ? std::string_view::npos : bar - at));
          if (bar == std::string_view::npos) break;
          at = bar + 1;
        }
        if (cur.size() * alternatives.size() <= 16) {
          std::vector<std::string> next;
          for (const std::string& x : cur)
            for (const std::string& a : alternatives) next.push_back(x + a);
          cur = std::move(next);
          i = j;
          continue;
        }
      }
      flush();
      i = j;
      continue;
    }
    if (c == ')' || c == '|') return {};  // unbalanced, or alternatives at the top
    if (quantifier(c)) {
      if (c != '+' && last_literal) {  // the previous character may be absent
        for (std::string& x : cur) x.pop_back();
      }
      flush();
      last_literal = false;
      if (c == '{') {
        while (i < p.size() && p[i] != '}') ++i;
      }
      continue;
    }
    if (c == '.' || c == '^' || c == '$' || static_cast<unsigned char>(c) >= 0x80) {
      flush();
      last_literal = false;
      continue;
    }
    append(c);
    last_literal = true;
  }
  flush();
  return best;
}

Result<std::shared_ptr<PyRegex>> PyRegex::Compile(const std::vector<std::string>& patterns) {
  auto re = std::shared_ptr<PyRegex>(new PyRegex());
  auto joined = CompileOne(JoinRegex(patterns));
  if (!joined) {
    // Name the pattern at fault.
    for (const std::string& p : patterns) {
      auto one = CompileOne(p);
      if (!one) return Error{one.error().message};
      delete *one;
    }
    return Error{joined.error().message};
  }
  re->joined_ = *joined;
  if (patterns.size() == 1) re->required_.push_back(RequiredChoices(patterns[0]));
  if (patterns.size() > 1) {
    for (const std::string& p : patterns) {
      auto one = CompileOne(p);
      if (!one) return Error{one.error().message};
      re->alternatives_.push_back(*one);
      re->required_.push_back(RequiredChoices(p));
    }
  }
  return re;
}

PyRegex::~PyRegex() {
  delete static_cast<Compiled*>(joined_);
  for (void* c : alternatives_) delete static_cast<Compiled*>(c);
}

void PyRegex::FindAll(std::string_view text, const std::function<void(size_t, size_t)>& fn) const {
  // Python 3.7+: after an empty match, the next match may not be empty at the same place.
  size_t pos = 0;
  bool after_empty = false;
  constexpr size_t kNone = SIZE_MAX;
  // Per alternative: the start of its leftmost match at or after `from`, found with `flag`.
  struct Next {
    size_t start = 0, from = 0;
    bool flag = false, known = false;
  };
  if (alternatives_.empty() && !required_.empty() && !required_[0].empty() && !ContainsAny(text, required_[0]))
    return;  // the one pattern cannot match anywhere in this text: most files hold no pragma
  std::vector<Next> next(alternatives_.size());
  for (size_t i = 0; i < alternatives_.size(); ++i) {
    if (!required_[i].empty() && !ContainsAny(text, required_[i])) {
      next[i].start = kNone;  // it cannot match anywhere in this text
      next[i].known = true;
    }
  }
  while (pos <= text.size()) {
    const uint32_t flags = after_empty ? PCRE2_NOTEMPTY_ATSTART : 0;
    size_t s = 0, e = 0;
    if (alternatives_.empty()) {
      if (!Run(joined_, text, pos, flags, s, e)) break;
    } else {
      size_t best = kNone;
      for (size_t i = 0; i < alternatives_.size(); ++i) {
        Next& n = next[i];
        const bool stale = !n.known || (n.start != kNone && n.start < pos) || (n.start == pos && after_empty && !n.flag);
        if (stale) {
          size_t ms, me;
          n.start = Run(alternatives_[i], text, pos, flags, ms, me) ? ms : kNone;
          n.from = pos;
          n.flag = after_empty;
          n.known = true;
        }
        best = std::min(best, n.start);
      }
      if (best == kNone) break;
      const uint32_t at_flags = PCRE2_ANCHORED | (best == pos ? flags : 0);
      if (!Run(joined_, text, best, at_flags, s, e)) break;  // cannot happen: an alternative matched there
    }
    fn(s, e);
    after_empty = s == e;
    pos = e;
  }
}

}  // namespace covalesce::native
