// PCRE2 wrapper and the Python-flavoured regex check; see pcre.h.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "covalesce/pcre.h"

#include <pcre2.h>

#include <fmt/format.h>

namespace covalesce {

struct Pcre::Code {
  pcre2_code* code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

std::string_view Pcre::Match::Group(std::string_view subject, size_t i) const {
  if (!Has(i)) return {};
  return subject.substr(groups[i]->first, groups[i]->second - groups[i]->first);
}

Result<Pcre> Pcre::Compile(std::string_view pattern, bool caseless) {
  pcre2_compile_context* ctx = pcre2_compile_context_create(nullptr);
  pcre2_set_newline(ctx, PCRE2_NEWLINE_LF);
  uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF;
  if (caseless) options |= PCRE2_CASELESS;
  int err = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   options, &err, &offset, ctx);
  pcre2_compile_context_free(ctx);
  if (code == nullptr) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof buf);
    return Error{fmt::format("{} at offset {} (PCRE2 error {})", reinterpret_cast<char*>(buf), offset, err)};
  }
  Pcre re;
  auto holder = std::make_shared<Code>();
  holder->code = code;
  re.code_ = std::move(holder);
  re.pattern_ = std::string(pattern);
  return re;
}

std::optional<Pcre::Match> Pcre::Run(std::string_view subject, size_t offset, bool anchored) const {
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(code_->code, nullptr);
  const int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(),
                             offset, anchored ? PCRE2_ANCHORED : 0, md, nullptr);
  std::optional<Match> result;
  if (rc > 0) {
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    Match m;
    m.start = ov[0];
    m.end = ov[1];
    for (int i = 0; i < rc; ++i) {
      if (ov[2 * i] == PCRE2_UNSET) m.groups.emplace_back(std::nullopt);
      else m.groups.emplace_back(std::make_pair(size_t{ov[2 * i]}, size_t{ov[2 * i + 1]}));
    }
    result = std::move(m);
  }
  pcre2_match_data_free(md);
  return result;
}

std::optional<Pcre::Match> Pcre::MatchAt(std::string_view subject, size_t offset) const {
  return Run(subject, offset, true);
}

std::optional<Pcre::Match> Pcre::Search(std::string_view subject, size_t offset) const {
  return Run(subject, offset, false);
}

namespace {

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The checks Python's sre_parse makes that PCRE2 would not: escapes Python does not know or
// finds incomplete, global flags after the start, PCRE-only group syntax. Returns Python's
// message, if any.
std::optional<std::string> PythonOnlyError(std::string_view p) {
  static constexpr std::string_view kEscapes = "abBdDfnrsStvwWxuUNAZ";
  static constexpr std::string_view kClassEscapes = "abfnrtvxuUNdDsSwW";
  static constexpr std::string_view kHex = "0123456789abcdefABCDEF";
  bool in_class = false;
  size_t flags_prefix_end = 0;  // end of the "(?i)(?m)..." groups at the very start
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) return fmt::format("bad escape (end of pattern) at position {}", i);
      const char e = p[i + 1];
      const std::string_view known = in_class ? kClassEscapes : kEscapes;
      if (IsAsciiLetter(e) && known.find(e) == std::string_view::npos)
        return fmt::format("bad escape \\{} at position {}", e, i);
      const size_t want = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
      if (want != 0) {
        size_t n = 0;
        while (n < want && i + 2 + n < p.size() && kHex.find(p[i + 2 + n]) != std::string_view::npos) ++n;
        if (n < want) return fmt::format("incomplete escape {} at position {}", p.substr(i, 2 + n), i);
      }
      ++i;
    } else if (in_class) {
      if (c == ']') in_class = false;
    } else if (c == '[') {
      in_class = true;
      if (i + 1 < p.size() && p[i + 1] == '^') ++i;
      if (i + 1 < p.size() && p[i + 1] == ']') ++i;  // a leading ']' is a literal
    } else if (c == '(' && i + 1 < p.size() && p[i + 1] == '?') {
      size_t j = i + 2;
      if (j < p.size() && p[j] == '<' && (j + 1 >= p.size() || (p[j + 1] != '=' && p[j + 1] != '!')))
        return fmt::format("unknown extension ?<{} at position {}", p.substr(j + 1, 1), i + 1);
      while (j < p.size() && std::string_view("aiLmsux").find(p[j]) != std::string_view::npos) ++j;
      if (j > i + 2 && j < p.size() && p[j] == ')') {
        if (i != flags_prefix_end)
          return fmt::format("global flags not at the start of the expression at position {}", i);
        flags_prefix_end = j + 1;
      }
    }
  }
  return std::nullopt;
}

// Python escapes PCRE2 spells differently, rewritten so that PCRE2 can judge the rest:
// \uXXXX and \UXXXXXXXX become \x{...}, \N{name} a plain letter.
std::string ForPcre(std::string_view p) {
  std::string out;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] != '\\' || i + 1 >= p.size()) {
      out += p[i];
      continue;
    }
    const char e = p[i + 1];
    if ((e == 'u' || e == 'U') && i + 2 < p.size()) {
      const size_t n = e == 'u' ? 4 : 8;
      out += "\\x{" + std::string(p.substr(i + 2, n)) + "}";
      i += 1 + n;
    } else if (e == 'N' && i + 2 < p.size() && p[i + 2] == '{' && p.find('}', i) != std::string_view::npos) {
      out += 'N';
      i = p.find('}', i);
    } else {
      out += p.substr(i, 2);
      ++i;
    }
  }
  return out;
}

// Position of the '(' that is never closed, for "missing ), unterminated subpattern".
size_t UnclosedParen(std::string_view p) {
  std::vector<size_t> open;
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') ++i;
    else if (in_class) in_class = c != ']';
    else if (c == '[') {
      in_class = true;
      if (i + 1 < p.size() && p[i + 1] == '^') ++i;
      if (i + 1 < p.size() && p[i + 1] == ']') ++i;
    } else if (c == '(') open.push_back(i);
    else if (c == ')' && !open.empty()) open.pop_back();
  }
  return open.empty() ? 0 : open.front();
}

bool IsRepeatChar(char c) { return c == '*' || c == '+' || c == '?'; }

// Python's wording for the PCRE2 errors people actually make; PCRE2's own otherwise.
std::string PythonMessage(std::string_view p, int err, size_t at) {
  switch (err) {
    case 114: {  // missing closing parenthesis
      const size_t open = UnclosedParen(p);
      if (open + 2 == p.size() && p[open + 1] == '?') return fmt::format("unexpected end of pattern at position {}", p.size());
      return fmt::format("missing ), unterminated subpattern at position {}", open);
    }
    case 122:  // unmatched closing parenthesis
      return fmt::format("unbalanced parenthesis at position {}", at);
    case 109: {  // quantifier does not follow a repeatable item
      size_t q = at;
      if (!(q < p.size() && IsRepeatChar(p[q]))) {
        if (q > 0 && IsRepeatChar(p[q - 1])) q = q - 1;
        else if (size_t b = p.rfind('{', q); b != std::string_view::npos) q = b;
      }
      const bool after_repeat = q > 0 && (IsRepeatChar(p[q - 1]) || p[q - 1] == '}');
      return fmt::format("{} at position {}", after_repeat ? "multiple repeat" : "nothing to repeat", q);
    }
    case 106: {  // missing terminating ] for character class
      const size_t open = p.rfind('[');
      return fmt::format("unterminated character set at position {}", open == std::string_view::npos ? 0 : open);
    }
    case 104: {  // numbers out of order in {} quantifier
      const size_t brace = p.rfind('{', at);
      return fmt::format("min repeat greater than max repeat at position {}", brace == std::string_view::npos ? at : brace + 1);
    }
    case 108:    // range out of order in character class
    case 150: {  // invalid range in character class
      const size_t dash = p.rfind('-', at);
      if (dash == std::string_view::npos || dash == 0) break;
      const size_t low = dash >= 2 && p[dash - 2] == '\\' ? dash - 2 : dash - 1;
      const size_t high_end = std::min(p.size(), dash + (dash + 1 < p.size() && p[dash + 1] == '\\' ? 3 : 2));
      return fmt::format("bad character range {} at position {}", p.substr(low, high_end - low), low);
    }
    case 115: {  // reference to non-existent subpattern
      if (at > 0 && p[at - 1] == '\\') {
        size_t end = at;
        while (end < p.size() && p[end] >= '0' && p[end] <= '9') ++end;
        return fmt::format("invalid group reference {} at position {}", p.substr(at, end - at), at);
      }
      break;
    }
    case 125:  // lookbehind assertion is not fixed length
      return "look-behind requires fixed-width pattern";
    default:
      break;
  }
  PCRE2_UCHAR buf[256];
  pcre2_get_error_message(err, buf, sizeof buf);
  return fmt::format("{} at position {}", reinterpret_cast<char*>(buf), at);
}

}  // namespace

Status CheckPythonRegex(std::string_view pattern) {
  if (auto err = PythonOnlyError(pattern)) return Error{*err};
  const std::string rewritten = ForPcre(pattern);
  int err = 0;
  PCRE2_SIZE off = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(rewritten.data()), rewritten.size(),
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &err, &off, nullptr);
  if (code != nullptr) {
    pcre2_code_free(code);
    return ok_status();
  }
  // Offsets are into the rewritten text; they only differ after a \u, \U or \N escape.
  return Error{PythonMessage(rewritten, err, off)};
}

}  // namespace covalesce
