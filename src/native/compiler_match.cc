// The compiler model: match statements (compiler_match, compiler_pattern).
//
// Each case's pattern compiles to tests that fail to the next case, and a guard is one more
// condition on the way. An irrefutable pattern (a capture, a wildcard, an or-pattern with
// one) cannot fail, so it has no failure edge: after it nothing is tried. A last `case _:`
// (of two or more cases) is compiled as the default, without a pattern test, and 3.11
// leaves no location after it. Sequence and mapping patterns emit their length and key
// checks on the pattern's lines, skipping what a wildcard or star-wildcard makes needless.
#include <algorithm>
#include <string>

#include "compiler.h"

namespace covalesce::native::compiler {

bool Model::Irrefutable(const Node* p) {
  switch (p->kind) {
    case Kind::MatchAs: {
      auto* a = static_cast<const MatchAsNode*>(p);
      return !a->pattern || Irrefutable(a->pattern);
    }
    case Kind::MatchOr: {
      auto* o = static_cast<const PatternsNode*>(p);
      for (const Node* alt : o->patterns)
        if (Irrefutable(alt)) return true;
      return false;
    }
    default: return false;
  }
}

bool Model::IsWildcard(const Node* p) {
  if (p->kind != Kind::MatchAs) return false;
  auto* a = static_cast<const MatchAsNode*>(p);
  return !a->pattern && !a->name.data();
}

bool Model::IsWildcardPattern(const Node* p) {
  if (p->kind == Kind::MatchAs) return IsWildcard(p);
  if (p->kind == Kind::MatchStar) return !static_cast<const MatchStarNode*>(p)->name.data();
  return false;
}

// compiler_pattern (3.11's constants matter: sizes, key tuples, attribute-name tuples).
void Model::Pattern(const Node* p) {
  const LineNo line = p->pos.lineno;
  Line(line);
  switch (p->kind) {
    case Kind::MatchValue: Expression(static_cast<const MatchValueNode*>(p)->value); break;
    case Kind::MatchSingleton: {
      const ConstKind v = static_cast<const MatchSingletonNode*>(p)->value;
      EmitConst(v == ConstKind::True ? "T" : v == ConstKind::False ? "F" : "N", line);
      break;
    }
    case Kind::MatchSequence: {
      const NodeList& pats = static_cast<const PatternsNode*>(p)->patterns;
      const int64_t size = pats.n;
      int64_t star = -1;
      bool only_wildcard = true;
      for (uint32_t i = 0; i < pats.n; ++i) {
        if (pats[i]->kind == Kind::MatchStar) star = i;
        if (!IsWildcardPattern(pats[i])) only_wildcard = false;
      }
      const bool star_wildcard = star >= 0 && IsWildcardPattern(pats[size_t(star)]);
      if (star < 0) EmitConst("i" + std::to_string(size), line);
      else if (size - 1 > 0) EmitConst("i" + std::to_string(size - 1), line);
      if (only_wildcard) break;
      for (int64_t i = 0; i < size; ++i) {
        const Node* sub = pats[size_t(i)];
        if (star_wildcard) {
          if (IsWildcardPattern(sub) || i == star) continue;
          EmitConst("i" + std::to_string(i < star ? i : size - i), line);
        }
        Pattern(sub);
      }
      break;
    }
    case Kind::MatchMapping: {
      auto* m = static_cast<const MatchMappingNode*>(p);
      const size_t size = m->keys.n;
      if (!size && !m->rest.data()) break;
      if (size) EmitConst("i" + std::to_string(size), line);
      bool all_const = true;
      std::string key = "t(";
      for (size_t i = 0; i < size; ++i) {
        auto v = Fold(m->keys[i]);
        if (!v) all_const = false;
        else key += (i ? "," : "") + v->K();
        Expression(m->keys[i]);
      }
      if (all_const) EmitOptimizerConst(key + ")", line);  // BUILD_TUPLE of constants
      EmitConst("N", line);
      for (const Node* c : m->patterns) Pattern(c);
      break;
    }
    case Kind::MatchClass: {
      auto* m = static_cast<const MatchClassNode*>(p);
      Expression(m->cls);
      std::string names = "t(";
      for (uint32_t i = 0; i < m->kwd_attrs.n; ++i) names += (i ? "," : "") + StrKey(m->kwd_attrs[i]);
      EmitConst(names + ")", line);
      EmitConst("N", line);
      for (const Node* c : m->patterns)
        if (!IsWildcard(c)) Pattern(c);
      for (const Node* c : m->kwd_patterns)
        if (!IsWildcard(c)) Pattern(c);
      break;
    }
    case Kind::MatchOr:
      for (const Node* c : static_cast<const PatternsNode*>(p)->patterns) Pattern(c);
      break;
    case Kind::MatchAs:
      if (static_cast<const MatchAsNode*>(p)->pattern) Pattern(static_cast<const MatchAsNode*>(p)->pattern);
      break;
    default: break;
  }
}

void Model::Match(const MatchNode* s) {
  Expression(s->subject);
  Line(s->pos.lineno);
  const int end = NewBlock();
  const size_t cases = s->cases.n;
  const bool has_default = cases > 1 && IsWildcard(s->cases[cases - 1]->pattern);
  for (size_t i = 0; i < cases - (has_default ? 1 : 0); ++i) {
    const MatchCase* m = s->cases[i];
    const int fail = NewBlock();
    Pattern(m->pattern);
    if (!Irrefutable(m->pattern)) Branch(fail, 0, m->pattern->pos.lineno);
    if (m->guard) JumpIf(m->guard, fail, false);
    Stmts(m->body);
    U().loc = m->pattern->pos.lineno;
    Jump(end);
    UseNext(fail);
    Line(m->pattern->pos.lineno);
  }
  if (has_default) {
    const MatchCase* m = s->cases[cases - 1];
    Line(m->pattern->pos.lineno);
    if (m->guard) JumpIf(m->guard, end, false);
    Stmts(m->body);
    U().loc = -1;  // 3.11 leaves no location after a trailing `case _` (observed)
  }
  UseNext(end);
}

}  // namespace covalesce::native::compiler
