// PythonParser._raw_parse's token pass over covalesce's tokens: the multi-line map
// (multiline_map_from_tokens) and the suite-exclusion state machine. Token kinds map onto
// Python's tokenize ones: INDENT, DEDENT, NEWLINE, NL, COMMENT, OP (every operator and
// delimiter), and the rest; a token is "significant" when its text is not blank and it is
// not a comment, exactly as `ttext.strip() and toktype != COMMENT`.
#include <algorithm>

#include "internal.h"

namespace covalesce::native {
namespace {

using py::Tok;

bool IsOp(Tok t) { return t >= Tok::LPar; }

bool IsBlankText(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f') return false;
  }
  return true;
}

bool Significant(const py::Token& t, std::string_view text) {
  switch (t.kind) {
    case Tok::EndMarker:
    case Tok::Newline:
    case Tok::NL:
    case Tok::Indent:
    case Tok::Dedent:
    case Tok::Comment:
      return false;
    case Tok::FStringMiddle:
      return !IsBlankText(text.substr(t.start, t.end - t.start));
    default:
      return true;
  }
}

// Whether a token can open a level of the syntax tree: an operator, an opening bracket or a
// keyword; not an atom, a separator or a closing bracket (each level takes one of these).
bool Nests(const py::Token& t) {
  switch (t.kind) {
    case Tok::Name: return py::IsHardKeyword(t.kw) && t.kw != py::Kw::True && t.kw != py::Kw::False && t.kw != py::Kw::None;
    case Tok::Comma:
    case Tok::Colon:
    case Tok::RPar:
    case Tok::RSqb:
    case Tok::RBrace:
    case Tok::Equal:
    case Tok::Semi:
      return false;
    default: return IsOp(t.kind);
  }
}

}  // namespace

void TokenPass(std::string_view text, const std::vector<py::Token>& tokens,
               const std::vector<LineNo>& raw_excluded, TokenFacts& out) {
  // multiline_map_from_tokens
  {
    LineNo first_line = 0;
    int line_tokens = 0, max_line_tokens = 0, indent = 0, max_indent = 0;
    for (const py::Token& t : tokens) {
      if (Nests(t)) ++line_tokens;
      if (t.kind == Tok::Indent) max_indent = std::max(max_indent, ++indent);
      else if (t.kind == Tok::Dedent) --indent;
      if (t.kind == Tok::Newline) {
        max_line_tokens = std::max(max_line_tokens, line_tokens);
        line_tokens = 0;
        if (first_line && t.end_lineno != first_line) {
          for (LineNo l = first_line; l <= t.end_lineno; ++l)
            out.multiline.insert_or_assign(out.multiline.end(), l, first_line);
        }
        first_line = 0;
      }
      if (!first_line && Significant(t, text)) first_line = t.lineno;
    }
    max_line_tokens = std::max(max_line_tokens, line_tokens);
    out.depth_bound = 2 * max_line_tokens + 3 * max_indent + 16;  // Call + keyword: two levels a "("
  }

  // With no line matching an exclusion regex, the state machine never starts excluding.
  if (raw_excluded.empty()) {
    for (const py::Token& t : tokens) {
      if (Significant(t, text)) {
        out.empty = false;
        break;
      }
    }
    return;
  }

  // The exclusion state machine. `excluded` is a set of raw lines.
  LineNo max_line = 1;
  for (const py::Token& t : tokens) max_line = std::max(max_line, t.end_lineno);
  for (LineNo l : raw_excluded) max_line = std::max(max_line, l);
  std::vector<char> excluded(size_t(max_line) + 2, 0);
  std::vector<LineNo> excluded_list;  // prefix sums would be overkill: the check is rare
  for (LineNo l : raw_excluded) excluded[l] = 1;
  bool any_excluded = !raw_excluded.empty();

  int indent = 0, exclude_indent = 0, nesting = 0;
  bool excluding = false;
  LineNo first_line = 0;
  for (const py::Token& t : tokens) {
    switch (t.kind) {
      case Tok::Indent:
        ++indent;
        break;
      case Tok::Dedent:
        --indent;
        break;
      case Tok::Newline:
        first_line = 0;
        break;
      case Tok::Colon:
        if (nesting == 0 && any_excluded && !excluding) {
          bool should_exclude = false;
          for (LineNo l = first_line; l <= t.end_lineno && !should_exclude; ++l) {
            if (l >= 0 && size_t(l) < excluded.size() && excluded[l]) should_exclude = true;
          }
          if (should_exclude) {
            excluded[t.end_lineno] = 1;
            exclude_indent = indent;
            excluding = true;
          }
        }
        break;
      case Tok::LPar:
      case Tok::LSqb:
      case Tok::LBrace:
        ++nesting;
        break;
      case Tok::RPar:
      case Tok::RSqb:
      case Tok::RBrace:
        --nesting;
        break;
      default:
        break;
    }
    if (Significant(t, text)) {
      out.empty = false;
      if (!first_line) {
        first_line = t.lineno;
        if (excluding && indent <= exclude_indent) excluding = false;
        if (excluding) {
          excluded[t.end_lineno] = 1;
          any_excluded = true;
        }
      }
    }
  }
  for (LineNo l = 0; l < LineNo(excluded.size()); ++l) {
    if (excluded[l]) out.excluded.push_back(l);
  }
}

}  // namespace covalesce::native
