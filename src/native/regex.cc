// Python `re` patterns over PCRE2, for PythonParser.lines_matching: re.finditer(regex, text,
// re.MULTILINE). PCRE2 runs in UTF + Unicode-property mode with "\n" as the only newline, '^'
// also matching after a final newline (as Python's does), and the few Python spellings PCRE2
// reads differently rewritten first (\Z, \uXXXX, \UXXXXXXXX, \s and its ASCII extras).
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

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

Result<std::shared_ptr<PyRegex>> PyRegex::Compile(const std::string& pattern) {
  std::string translated = ForPcre(pattern);
  pcre2_compile_context* ctx = pcre2_compile_context_create(nullptr);
  pcre2_set_newline(ctx, PCRE2_NEWLINE_LF);
  int err = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE | PCRE2_ALT_CIRCUMFLEX |
                                       PCRE2_MATCH_INVALID_UTF,
                                   &err, &offset, ctx);
  pcre2_compile_context_free(ctx);
  if (!code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof buf);
    return Error{"Invalid exclusion regex " + pattern + ": " + reinterpret_cast<char*>(buf)};
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // best effort; the interpreter is the fallback
  auto re = std::shared_ptr<PyRegex>(new PyRegex());
  re->code_ = code;
  return re;
}

PyRegex::~PyRegex() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

bool PyRegex::Next(std::string_view text, size_t pos, bool not_empty_at_start, size_t& s, size_t& e) const {
  auto* code = static_cast<pcre2_code*>(code_);
  thread_local pcre2_match_data* md = nullptr;
  if (!md) md = pcre2_match_data_create(64, nullptr);
  // Python 3.7+: an empty match may not start where the previous empty match was.
  const int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), pos,
                             not_empty_at_start ? PCRE2_NOTEMPTY_ATSTART : 0, md, nullptr);
  if (rc < 0 && rc != PCRE2_ERROR_NOMATCH && not_empty_at_start) return false;
  if (rc < 0) return false;
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
  s = ov[0];
  e = ov[1];
  return true;
}

}  // namespace covalesce::native
