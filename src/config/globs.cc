// coverage.py's file-glob -> regex translation (files.py globs_to_regex / _glob_to_regex), used
// for [paths] patterns here and for [report] include/omit elsewhere. The tokenizer is the same
// ordered list of Python regexes, run through PCRE2 so that its matching (greedy runs,
// backtracking, '^'/'$' at the pattern's ends) is the one Python's `re` performs.
#include <fmt/format.h>

#include "covalesce/path_aliases.h"
#include "covalesce/pcre.h"
#include "covalesce/py_compat.h"

namespace covalesce {
namespace {

enum class Sub { kError, kText, kCopy, kEscape };

struct Token {
  const char* regex;
  Sub sub;
  const char* text = "";  // for Sub::kText
};

// In the order coverage.py tries them; the first that matches at the position wins.
constexpr Token kTokens[] = {
    {R"(\*\*\*+)", Sub::kError},            // can't have ***
    {R"([^/]+\*\*+)", Sub::kError},         // can't have x**
    {R"(\*\*+[^/]+)", Sub::kError},         // can't have **x
    {R"(\*\*/\*\*)", Sub::kError},          // can't have **/**
    {R"(^\*+/)", Sub::kText, R"((.*[/\\])?)"},  // leading */ : any prefix ending in a slash, or none
    {R"(/\*+$)", Sub::kText, R"([/\\].*)"},     // trailing /* : any slash-suffix
    {R"(\*\*/)", Sub::kText, R"((.*[/\\])?)"},  // **/ : any subdirectories, including none
    {R"(/)", Sub::kText, R"([/\\])"},           // either slash
    {R"(\*)", Sub::kText, R"([^/\\]*)"},        // any run of non-slashes
    {R"(\?)", Sub::kText, R"([^/\\])"},         // one non-slash
    {R"(\[.*?\])", Sub::kCopy},                 // [a-f] stays a character class
    {R"([a-zA-Z0-9_-]+)", Sub::kCopy},          // word characters match themselves
    {R"([\[\]])", Sub::kError},                 // a lone bracket
    {R"([\s\S])", Sub::kEscape},                // anything else, escaped
};

Result<std::string> GlobToRegex(std::string pattern, const std::vector<Pcre>& tokens) {
  for (char& c : pattern)
    if (c == '\\') c = '/';
  if (pattern.find('/') == std::string::npos) pattern = "**/" + pattern;
  std::string rx;
  size_t pos = 0;
  while (pos < pattern.size()) {
    std::optional<Pcre::Match> m;
    size_t t = 0;
    for (; t < tokens.size() && !(m = tokens[t].MatchAt(pattern, pos)); ++t) {
    }
    if (!m) {  // a byte that is not valid UTF-8: escape it alone
      rx += '\\';
      rx += pattern[pos++];
      continue;
    }
    const std::string_view text = std::string_view(pattern).substr(m->start, m->end - m->start);
    switch (kTokens[t].sub) {
      case Sub::kError:
        return Error{"File pattern can't include " + py::Repr(text)};
      case Sub::kText:
        rx += kTokens[t].text;
        break;
      case Sub::kCopy:
        rx += text;
        break;
      case Sub::kEscape:
        rx += '\\';
        rx += text;
        break;
    }
    pos = m->end;
  }
  return rx;
}

}  // namespace

Result<std::string> GlobsToRegex(const std::vector<std::string>& patterns, bool case_insensitive,
                                 bool partial) {
  // Case-insensitivity is a compile flag in coverage.py, not part of the text; callers compile
  // the result with it themselves.
  (void)case_insensitive;
  std::vector<Pcre> tokens;
  for (const auto& token : kTokens) {
    auto re = Pcre::Compile(token.regex);
    if (!re.ok()) return re.error();
    tokens.push_back(std::move(*re));
  }
  std::vector<std::string> parts;
  for (const auto& p : patterns) {
    auto rx = GlobToRegex(p, tokens);
    if (!rx.ok()) return rx.error();
    parts.push_back(std::move(*rx));
  }
  std::string rx;
  if (parts.size() == 1) {
    rx = parts[0];
  } else {
    for (size_t i = 0; i < parts.size(); ++i) rx += fmt::format("{}(?:{})", i ? "|" : "", parts[i]);
  }
  if (!partial) rx = "(?:" + rx + ")\\Z";
  // coverage.py compiles the result, so a bad character class such as "[z-a]" fails here.
  if (auto st = CheckPythonRegex(rx); !st.ok()) return st.error();
  return rx;
}

std::string FixSlashes(const std::string& path) {
  std::string out = path;
  for (char& c : out)
    if (c == '\\') c = '/';
  return out;
}

}  // namespace covalesce
