// Structural pattern matching (PEP 634): the patterns after `case`, as CPython's grammar
// builds them: MatchValue/MatchSingleton for literals, MatchAs for captures, wildcards and
// `as`, MatchOr, MatchSequence (bracketed or open), MatchMapping, MatchClass, MatchStar.
#include "parser.h"

namespace covalesce::py {

Node* Parser::MakePatterns(Kind k, NodeList patterns, size_t start) {
  auto* s = Make<PatternsNode>(k, start);
  s->patterns = patterns;
  return s;
}

Node* Parser::Patterns() {
  size_t start = p_;
  Node* first = StarOrPattern();
  if (!At(Tok::Comma)) {
    // A lone star pattern is an open sequence of one.
    if (first->kind == Kind::MatchStar) return MakePatterns(Kind::MatchSequence, ToList(std::vector<Node*>{first}), start);
    return first;
  }
  std::vector<Node*> pats{first};
  while (Eat(Tok::Comma) && !At(Tok::Colon) && !AtKw(Kw::If)) pats.push_back(StarOrPattern());
  return MakePatterns(Kind::MatchSequence, ToList(pats), start);
}

Node* Parser::StarOrPattern() {
  if (At(Tok::Star)) {
    size_t start = p_++;
    auto* s = New<MatchStarNode>(Kind::MatchStar);
    Ident name = ExpectName();
    if (name != "_") s->name = name;
    return Finish(s, start);
  }
  return Pattern();
}

Node* Parser::Pattern() {
  size_t start = p_;
  Node* p = OrPattern();
  if (!EatKw(Kw::As)) return p;
  auto* m = New<MatchAsNode>(Kind::MatchAs);
  m->pattern = p;
  if (AtKw(Kw::Underscore)) Fail(T().lineno, "cannot use '_' as a target");
  m->name = ExpectName();
  return Finish(m, start);
}

Node* Parser::OrPattern() {
  size_t start = p_;
  LocalList<Node*> alternatives;
  do alternatives.push_back(ClosedPattern());
  while (Eat(Tok::VBar));
  if (alternatives.size() == 1) return alternatives[0];
  return MakePatterns(Kind::MatchOr, ToList(alternatives), start);
}

// signed_number ['+'|'-' imaginary] or strings, as an expression for MatchValue / mapping keys.
Node* Parser::LiteralExpr(bool allow_complex) {
  size_t start = p_;
  if (At(Tok::String) || At(Tok::FStringStart)) return Strings();
  Node* e;
  if (At(Tok::Minus)) {
    ++p_;
    if (!At(Tok::Number)) FailHere();
    const Token& t = toks_[p_++];
    Node* num = Number(t, p_ - 1);
    auto* u = Make<UnaryOpNode>(Kind::UnaryOp, start);
    u->op = UnaryOpKind::USub;
    u->operand = num;
    e = u;
  } else {
    if (!At(Tok::Number)) FailHere();
    const Token& t = toks_[p_++];
    e = Number(t, p_ - 1);
  }
  if (allow_complex && (At(Tok::Plus) || At(Tok::Minus))) {
    Op op = At(Tok::Plus) ? Op::Add : Op::Sub;
    ++p_;
    if (!At(Tok::Number)) FailHere();
    const Token& t = toks_[p_++];
    Node* imag = Number(t, p_ - 1);
    e = MakeBinOp(e, op, imag, start);
  }
  return e;
}

// NAME ('.' NAME)*: a Name or an Attribute chain (Load).
Node* Parser::NameOrAttr() {
  size_t start = p_;
  auto* n = New<NameNode>(Kind::Name);
  n->id = ExpectName();
  n->pos = Span(start);
  Node* e = n;
  while (Eat(Tok::Dot)) {
    Ident attr = ExpectName();
    e = MakeAttribute(e, attr, start);
  }
  return e;
}

Node* Parser::ClosedPattern() {
  size_t start = p_;
  const Token& t = T();
  if (t.kind == Tok::Number || t.kind == Tok::Minus || t.kind == Tok::String || t.kind == Tok::FStringStart) {
    if (t.kind == Tok::FStringStart) Fail(t.lineno, "patterns may only match literals and attribute lookups");
    auto* m = New<MatchValueNode>(Kind::MatchValue);
    m->value = LiteralExpr(true);
    return Finish(m, start);
  }
  if (t.kind == Tok::Name && (t.kw == Kw::None || t.kw == Kw::True || t.kw == Kw::False)) {
    ++p_;
    auto* m = Make<MatchSingletonNode>(Kind::MatchSingleton, start);
    m->value = t.kw == Kw::None ? ConstKind::None : t.kw == Kw::True ? ConstKind::True : ConstKind::False;
    return m;
  }
  if (t.kind == Tok::Name) {
    Node* target = NameOrAttr();
    if (At(Tok::LPar)) {
      ++p_;
      auto* c = New<MatchClassNode>(Kind::MatchClass);
      c->cls = target;
      std::vector<Node*> pats, kwpats;
      std::vector<Ident> kwnames;
      while (!At(Tok::RPar)) {
        if (K() == Tok::Name && T(1).kind == Tok::Equal) {
          kwnames.push_back(ExpectName());
          ++p_;
          kwpats.push_back(Pattern());
        } else {
          if (!kwnames.empty()) Fail(T().lineno, "positional patterns follow keyword patterns");
          pats.push_back(Pattern());
        }
        if (!Eat(Tok::Comma)) break;
      }
      Expect(Tok::RPar);
      c->patterns = ToList(pats);
      c->kwd_attrs = ToList(kwnames);
      c->kwd_patterns = ToList(kwpats);
      return Finish(c, start);
    }
    if (target->kind == Kind::Attribute) {
      auto* m = Make<MatchValueNode>(Kind::MatchValue, start);
      m->value = target;
      return m;
    }
    auto* m = Make<MatchAsNode>(Kind::MatchAs, start);
    Ident name = static_cast<NameNode*>(target)->id;
    if (name != "_") m->name = name;
    return m;
  }
  if (t.kind == Tok::LPar || t.kind == Tok::LSqb) {
    Tok close = t.kind == Tok::LPar ? Tok::RPar : Tok::RSqb;
    ++p_;
    std::vector<Node*> pats;
    bool comma = false;
    while (!At(close)) {
      pats.push_back(StarOrPattern());
      if (!Eat(Tok::Comma)) break;
      comma = true;
    }
    Expect(close);
    if (close == Tok::RPar && pats.size() == 1 && !comma && pats[0]->kind != Kind::MatchStar) return pats[0];
    return MakePatterns(Kind::MatchSequence, ToList(pats), start);
  }
  if (t.kind == Tok::LBrace) {
    ++p_;
    auto* m = New<MatchMappingNode>(Kind::MatchMapping);
    std::vector<Node*> keys, pats;
    while (!At(Tok::RBrace)) {
      if (Eat(Tok::DoubleStar)) {
        m->rest = ExpectName();
        Eat(Tok::Comma);
        break;
      }
      const Token& k = T();
      Node* key;
      if (k.kind == Tok::Name && (k.kw == Kw::None || k.kw == Kw::True || k.kw == Kw::False)) {
        size_t ks = p_++;
        auto* c = Make<ConstantNode>(Kind::Constant, ks);
        c->ck = k.kw == Kw::None ? ConstKind::None : k.kw == Kw::True ? ConstKind::True : ConstKind::False;
        key = c;
      } else if (k.kind == Tok::Name) {
        key = NameOrAttr();
        if (key->kind != Kind::Attribute) Fail(k.lineno, "mapping pattern keys may only match literals and attribute lookups");
      } else {
        key = LiteralExpr(true);
      }
      Expect(Tok::Colon);
      keys.push_back(key);
      pats.push_back(Pattern());
      if (!Eat(Tok::Comma)) break;
    }
    Expect(Tok::RBrace);
    m->keys = ToList(keys);
    m->patterns = ToList(pats);
    return Finish(m, start);
  }
  FailHere();
}

}  // namespace covalesce::py
