// Environment-variable expansion in config values (coverage/misc.py substitute_variables).
// `\w` is Unicode-aware in Python, so the scan is done with PCRE2 in UCP mode, one regex with the
// same alternatives: $$, $word, ${word}, ${word?}, ${word-default}. Anything else is left alone.
#include "env_expand.h"

#include "covalesce/pcre.h"
#include "covalesce/py_compat.h"

namespace covalesce {

Result<std::string> SubstituteVariables(std::string_view text, const GetEnv& env) {
  if (text.find('$') == std::string_view::npos) return std::string(text);
  // Groups: 1 dollar, 2 word1, 3 word2, 4 strict marker, 5 default value.
  auto re = Pcre::Compile(R"(\$(?:(\$)|(\w+)|\{(\w+)(?:(\?)|-([^}]*))?\}))");
  if (!re.ok()) return re.error();
  std::string out;
  size_t pos = 0;
  while (auto m = re->Search(text, pos)) {
    out.append(text.substr(pos, m->start - pos));
    pos = m->end;
    if (m->Has(1)) {
      out += '$';
      continue;
    }
    const std::string word(m->Has(2) ? m->Group(text, 2) : m->Group(text, 3));
    if (auto value = env(word)) {
      out += *value;
    } else if (m->Has(4)) {
      return Error{"Variable " + word + " is undefined: " + py::Repr(text)};
    } else {
      out.append(m->Group(text, 5));  // the default, or nothing
    }
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace covalesce
