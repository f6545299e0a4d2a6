// Expressions: a Pratt (precedence-climbing) loop for the binary operators from `|` down to
// `*`/`@`, recursive functions for the levels CPython's grammar treats specially (lambda,
// conditional, or/and/not, comparisons, unary, power, await, primary chains), the bracketed
// atoms with their comprehensions, call arguments, subscripts and slices, and assignment
// targets with their Store/Del contexts.
#include "parser.h"

namespace covalesce::py {

namespace {
// The binary operators, a line per precedence level as BitOr climbs them (lowest first), each
// with its augmented-assignment token. '**' is at level 0, outside BitOr's loop: Power parses it,
// as it binds tighter than a unary minus on its left.
struct BinOpRow {
  Tok tok, aug_tok;
  Op op;
  uint8_t prec;
};
constexpr BinOpRow kBinOps[] = {
    {Tok::VBar, Tok::VBarEqual, Op::BitOr, 1},
    {Tok::Circumflex, Tok::CircumflexEqual, Op::BitXor, 2},
    {Tok::Amper, Tok::AmperEqual, Op::BitAnd, 3},
    {Tok::LeftShift, Tok::LeftShiftEqual, Op::LShift, 4}, {Tok::RightShift, Tok::RightShiftEqual, Op::RShift, 4},
    {Tok::Plus, Tok::PlusEqual, Op::Add, 5}, {Tok::Minus, Tok::MinEqual, Op::Sub, 5},
    {Tok::Star, Tok::StarEqual, Op::Mult, 6}, {Tok::Slash, Tok::SlashEqual, Op::Div, 6},
    {Tok::DoubleSlash, Tok::DoubleSlashEqual, Op::FloorDiv, 6}, {Tok::Percent, Tok::PercentEqual, Op::Mod, 6},
    {Tok::At, Tok::AtEqual, Op::MatMult, 6},
    {Tok::DoubleStar, Tok::DoubleStarEqual, Op::Pow, 0},
};

// kBinOps indexed by token, for BitOr's loop, which looks up the token after every operand.
struct BinOpsByTok {
  uint8_t prec[256] = {};  // 0: not an operator BitOr's loop takes
  bool aug[256] = {};      // an augmented-assignment token
  Op op[256] = {};         // the Op of an operator or augmented-assignment token
  constexpr BinOpsByTok() {
    for (const BinOpRow& r : kBinOps) {
      prec[uint8_t(r.tok)] = r.prec;
      op[uint8_t(r.tok)] = r.op;
      aug[uint8_t(r.aug_tok)] = true;
      op[uint8_t(r.aug_tok)] = r.op;
    }
  }
};
constexpr BinOpsByTok kBinOpsByTok;

// BitOr's precedence of `t` (0 if it takes none), and its Op.
int BinPrec(Tok t, Op& op) {
  op = kBinOpsByTok.op[uint8_t(t)];
  return kBinOpsByTok.prec[uint8_t(t)];
}
}  // namespace

bool AugAssignOp(Tok t, Op& op) {
  if (!kBinOpsByTok.aug[uint8_t(t)]) return false;
  op = kBinOpsByTok.op[uint8_t(t)];
  return true;
}

Node* Parser::MakeAttribute(Node* value, Ident attr, size_t start) {
  auto* a = Make<AttributeNode>(Kind::Attribute, start);
  a->value = value;
  a->attr = attr;
  return a;
}

Node* Parser::MakeBinOp(Node* left, Op op, Node* right, size_t start) {
  auto* b = Make<BinOpNode>(Kind::BinOp, start);
  b->left = left;
  b->op = op;
  b->right = right;
  return b;
}

Node* Parser::MakeElts(Kind k, List<Node*> elts, size_t start) {
  auto* e = Make<EltsNode>(k, start);
  e->elts = elts;
  return e;
}

Node* Parser::MakeStarred(Node* value, size_t start) {
  auto* s = Make<StarredNode>(Kind::Starred, start);
  s->value = value;
  return s;
}

Node* Parser::StarExpressions() {
  size_t start = p_;
  Node* first = StarExpression();
  if (!At(Tok::Comma)) return first;
  LocalList<Node*> elts(first);
  while (Eat(Tok::Comma)) {
    // Another element follows unless the list ends here.
    switch (K()) {
      case Tok::Newline: case Tok::Semi: case Tok::Equal: case Tok::RPar: case Tok::Colon:
      case Tok::RSqb: case Tok::RBrace: case Tok::EndMarker:
        goto done;
      default: break;
    }
    if (K() == Tok::Name && (T().kw == Kw::In || T().kw == Kw::For || T().kw == Kw::If)) goto done;
    if (K() >= Tok::PlusEqual) goto done;  // an augmented assignment's operator
    elts.push_back(StarExpression());
  }
done:
  return MakeElts(Kind::Tuple, ToList(elts), start);
}

Node* Parser::StarExpression() {
  if (!At(Tok::Star)) return Expression();
  size_t start = p_++;
  return MakeStarred(BitOr(), start);
}

Node* Parser::StarNamedExpression() {
  if (At(Tok::Star)) return StarExpression();
  return NamedExpression();
}

Node* Parser::NamedExpression() {
  if (K() == Tok::Name && T(1).kind == Tok::ColonEqual && AtName()) {
    size_t start = p_;
    auto* name = New<NameNode>(Kind::Name);
    name->id = NameText(T());
    ++p_;
    name->pos = Span(start);
    name->ctx = Ctx::Store;
    ++p_;
    auto* n = New<NamedExprNode>(Kind::NamedExpr);
    n->target = name;
    n->value = Expression();
    return Finish(n, start);
  }
  Node* e = Expression();
  if (At(Tok::ColonEqual)) Fail(T().lineno, "cannot use assignment expressions with this expression");
  return e;
}

Node* Parser::Expression() {
  Nest nest(*this);
  if (AtKw(Kw::Lambda)) return Lambda();
  size_t start = p_;
  Node* body = Disjunction();
  if (AtKw(Kw::If)) {
    ++p_;
    auto* n = New<IfExpNode>(Kind::IfExp);
    n->body = body;
    n->test = Disjunction();
    if (!AtKw(Kw::Else)) Fail(T().lineno, "expected 'else' after 'if' expression");
    ++p_;
    n->orelse = Expression();
    return Finish(n, start);
  }
  return body;
}

Node* Parser::Lambda() {
  size_t start = p_++;
  auto* l = New<LambdaNode>(Kind::Lambda);
  l->args = Parameters(Tok::Colon, true);
  Expect(Tok::Colon);
  l->body = Expression();
  return Finish(l, start);
}

// operand (kw operand)*: the operand alone, or a BoolOp of them all. The operand rule is a
// template argument, so each use compiles to a direct call.
template <Node* (Parser::*Operand)()>
Node* Parser::BoolOpChain(Kw kw, BoolOpKind op) {
  size_t start = p_;
  Node* first = (this->*Operand)();
  if (!AtKw(kw)) return first;
  LocalList<Node*> values(first);
  while (EatKw(kw)) values.push_back((this->*Operand)());
  auto* b = Make<BoolOpNode>(Kind::BoolOp, start);
  b->op = op;
  b->values = ToList(values);
  return b;
}

Node* Parser::Disjunction() { return BoolOpChain<&Parser::Conjunction>(Kw::Or, BoolOpKind::Or); }

Node* Parser::Conjunction() { return BoolOpChain<&Parser::Inversion>(Kw::And, BoolOpKind::And); }

Node* Parser::Inversion() {
  if (AtKw(Kw::Not)) {
    Nest nest(*this);
    size_t start = p_++;
    auto* u = New<UnaryOpNode>(Kind::UnaryOp);
    u->op = UnaryOpKind::Not;
    u->operand = Inversion();
    return Finish(u, start);
  }
  return Comparison();
}

Node* Parser::Comparison() {
  size_t start = p_;
  Node* left = BitOr();
  LocalList<CmpOp> ops;
  LocalList<Node*> comps;
  while (true) {
    CmpOp op;
    switch (K()) {
      case Tok::EqEqual: op = CmpOp::Eq; break;
      case Tok::NotEqual: op = CmpOp::NotEq; break;
      case Tok::Less: op = CmpOp::Lt; break;
      case Tok::LessEqual: op = CmpOp::LtE; break;
      case Tok::Greater: op = CmpOp::Gt; break;
      case Tok::GreaterEqual: op = CmpOp::GtE; break;
      case Tok::Name:
        if (T().kw == Kw::In) {
          op = CmpOp::In;
          break;
        }
        if (T().kw == Kw::Is) {
          if (T(1).kind == Tok::Name && T(1).kw == Kw::Not) {
            ++p_;
            op = CmpOp::IsNot;
          } else {
            op = CmpOp::Is;
          }
          break;
        }
        if (T().kw == Kw::Not && T(1).kind == Tok::Name && T(1).kw == Kw::In) {
          ++p_;
          op = CmpOp::NotIn;
          break;
        }
        goto done;
      default: goto done;
    }
    ++p_;
    ops.push_back(op);
    comps.push_back(BitOr());
  }
done:
  if (ops.empty()) return left;
  auto* c = Make<CompareNode>(Kind::Compare, start);
  c->left = left;
  c->ops = ToList(ops);
  c->comparators = ToList(comps);
  return c;
}

Node* Parser::BitOr(int min_prec) {
  size_t start = p_;
  Node* left = Factor();
  while (true) {
    Op op;
    int prec = BinPrec(K(), op);
    if (prec == 0 || prec < min_prec) break;
    ++p_;
    Node* right = BitOr(prec + 1);
    left = MakeBinOp(left, op, right, start);
  }
  return left;
}

Node* Parser::Factor() {
  UnaryOpKind op;
  switch (K()) {
    case Tok::Plus: op = UnaryOpKind::UAdd; break;
    case Tok::Minus: op = UnaryOpKind::USub; break;
    case Tok::Tilde: op = UnaryOpKind::Invert; break;
    default: return Power();
  }
  Nest nest(*this);
  size_t start = p_++;
  auto* u = New<UnaryOpNode>(Kind::UnaryOp);
  u->op = op;
  u->operand = Factor();
  return Finish(u, start);
}

Node* Parser::Power() {
  size_t start = p_;
  Node* base;
  if (AtKw(Kw::Await)) {
    ++p_;
    auto* a = New<ValueNode>(Kind::Await);
    a->value = Primary();
    a->pos = Span(start);
    base = a;
  } else {
    base = Primary();
  }
  if (!At(Tok::DoubleStar)) return base;
  ++p_;
  Node* exponent = Factor();
  return MakeBinOp(base, Op::Pow, exponent, start);
}

Node* Parser::Primary() {
  size_t start = p_;
  Node* e = Atom();
  while (true) {
    if (At(Tok::Dot)) {
      ++p_;
      Ident attr = ExpectName();
      e = MakeAttribute(e, attr, start);
    } else if (At(Tok::LPar)) {
      size_t lp = p_++;
      auto* c = New<CallNode>(Kind::Call);
      c->func = e;
      CallArgs(lp, c->args, c->keywords);
      c->pos = Span(start);
      e = c;
    } else if (At(Tok::LSqb)) {
      ++p_;
      auto* s = New<SubscriptNode>(Kind::Subscript);
      s->value = e;
      s->slice = Slices();
      Expect(Tok::RSqb);
      s->pos = Span(start);
      e = s;
    } else {
      return e;
    }
  }
}

// After '(' of a call or class bases: arguments up to and including ')'.
void Parser::CallArgs(size_t lparen, NodeList& args_out, List<Keyword*>& kw_out) {
  LocalList<Node*> args;
  LocalList<Keyword*> kws;
  bool seen_kw = false, seen_dstar = false;
  while (!At(Tok::RPar)) {
    size_t start = p_;
    if (At(Tok::DoubleStar)) {
      ++p_;
      auto* k = New<Keyword>(Kind::Keyword);
      k->value = Expression();
      k->pos = Span(start);
      kws.push_back(k);
      seen_dstar = true;
    } else if (At(Tok::Star)) {
      if (seen_dstar) Fail(T().lineno, "iterable argument unpacking follows keyword argument unpacking");
      ++p_;
      args.push_back(MakeStarred(Expression(), start));
    } else if (K() == Tok::Name && T(1).kind == Tok::Equal) {
      auto* k = New<Keyword>(Kind::Keyword);
      if (!AtName()) {
        if (T().kw == Kw::True || T().kw == Kw::False || T().kw == Kw::None)
          Fail(T().lineno, "cannot assign to " + std::string(Text(T())));
        FailHere();
      }
      k->arg = NameText(T());
      p_ += 2;
      k->value = Expression();
      k->pos = Span(start);
      kws.push_back(k);
      seen_kw = true;
    } else {
      Node* e = NamedExpression();
      if (AtComprehension()) {
        // f(x for x in y): the generator takes the call's parentheses.
        auto* g = New<CompNode>(Kind::GeneratorExp);
        g->elt = e;
        g->generators = ForIfClauses();
        if (!args.empty() || !kws.empty() || !At(Tok::RPar)) {
          if (At(Tok::Comma) && T(1).kind == Tok::RPar && args.empty() && kws.empty()) {
            Fail(toks_[lparen].lineno, "Generator expression must be parenthesized");
          }
          Fail(e->pos.lineno, "Generator expression must be parenthesized");
        }
        ++p_;
        g->pos = Span(lparen);
        args.push_back(g);
        args_out = ToList(args);
        kw_out = ToList(kws);
        return;
      }
      if (At(Tok::Equal)) Fail(T().lineno, "expression cannot contain assignment, perhaps you meant \"==\"?");
      if (seen_dstar) Fail(e->pos.lineno, "positional argument follows keyword argument unpacking");
      if (seen_kw) Fail(e->pos.lineno, "positional argument follows keyword argument");
      args.push_back(e);
    }
    if (!Eat(Tok::Comma)) break;
  }
  Expect(Tok::RPar);
  args_out = ToList(args);
  kw_out = ToList(kws);
}

Node* Parser::Slices() {
  size_t start = p_;
  Node* first = SliceItem();
  if (!At(Tok::Comma) && first->kind != Kind::Starred) return first;
  LocalList<Node*> elts(first);
  while (Eat(Tok::Comma) && !At(Tok::RSqb)) elts.push_back(SliceItem());
  return MakeElts(Kind::Tuple, ToList(elts), start);
}

Node* Parser::SliceItem() {
  size_t start = p_;
  if (At(Tok::Star)) {
    ++p_;
    return MakeStarred(Expression(), start);
  }
  Node* lower = nullptr;
  if (!At(Tok::Colon)) {
    lower = NamedExpression();
    if (!At(Tok::Colon)) return lower;
  }
  auto* s = New<SliceNode>(Kind::Slice);
  s->lower = lower;
  ++p_;  // ':'
  if (!At(Tok::Colon) && !At(Tok::Comma) && !At(Tok::RSqb)) s->upper = Expression();
  if (Eat(Tok::Colon)) {
    if (!At(Tok::Comma) && !At(Tok::RSqb)) s->step = Expression();
  }
  return Finish(s, start);
}

List<Comprehension*> Parser::ForIfClauses() {
  LocalList<Comprehension*, 4> gens;
  while (AtComprehension()) {
    auto* c = New<Comprehension>(Kind::Comprehension);
    if (EatKw(Kw::Async)) c->is_async = true;
    ++p_;
    c->target = Targets(true);
    SetCtx(c->target, Ctx::Store, "assign to");
    ExpectKw(Kw::In);
    c->iter = Disjunction();
    LocalList<Node*, 4> ifs;
    while (EatKw(Kw::If)) ifs.push_back(Disjunction());
    c->ifs = ToList(ifs);
    gens.push_back(c);
  }
  return ToList(gens);
}

// After a comprehension's element (and a DictComp's value): its for/if clauses and `close`.
Node* Parser::CompAfterElt(Kind k, Node* elt, Node* value, Tok close, size_t start) {
  auto* g = New<CompNode>(k);
  g->elt = elt;
  g->value = value;
  g->generators = ForIfClauses();
  Expect(close);
  return Finish(g, start);
}

Node* Parser::YieldExpr() {
  size_t start = p_++;
  auto* y = a_.make<ValueNode>();
  if (EatKw(Kw::From)) {
    y->kind = Kind::YieldFrom;
    y->value = Expression();
  } else {
    y->kind = Kind::Yield;
    if (!At(Tok::RPar) && !At(Tok::Newline) && !At(Tok::Semi) && !At(Tok::Equal) && !At(Tok::RBrace) &&
        !At(Tok::RSqb))
      y->value = StarExpressions();
  }
  return Finish(y, start);
}

Node* Parser::Atom() {
  size_t start = p_;
  const Token& t = T();
  switch (t.kind) {
    case Tok::Name: {
      if (t.kw == Kw::True || t.kw == Kw::False || t.kw == Kw::None) {
        ++p_;
        auto* c = Make<ConstantNode>(Kind::Constant, start);
        c->ck = t.kw == Kw::True ? ConstKind::True : t.kw == Kw::False ? ConstKind::False : ConstKind::None;
        return c;
      }
      if (IsHardKeyword(t.kw)) FailHere();
      ++p_;
      auto* n = Make<NameNode>(Kind::Name, start);
      n->id = NameText(t);
      return n;
    }
    case Tok::Number:
      ++p_;
      return Number(t, start);
    case Tok::String:
    case Tok::FStringStart:
      return Strings();
    case Tok::Ellipsis: {
      ++p_;
      auto* c = Make<ConstantNode>(Kind::Constant, start);
      c->ck = ConstKind::Ellipsis;
      return c;
    }
    case Tok::LPar: return ParenAtom();
    case Tok::LSqb: return ListAtom();
    case Tok::LBrace: return BraceAtom();
    default: FailHere();
  }
}

Node* Parser::ParenAtom() {
  size_t start = p_++;
  if (Eat(Tok::RPar)) {
    auto* t = Make<EltsNode>(Kind::Tuple, start);
    return t;
  }
  if (AtKw(Kw::Yield)) {
    Node* y = YieldExpr();
    Expect(Tok::RPar);
    return y;
  }
  Node* first = StarNamedExpression();
  if (AtComprehension()) {
    if (first->kind == Kind::Starred) Fail(first->pos.lineno, "iterable unpacking cannot be used in comprehension");
    return CompAfterElt(Kind::GeneratorExp, first, nullptr, Tok::RPar, start);
  }
  if (Eat(Tok::RPar)) {
    if (first->kind == Kind::Starred) Fail(first->pos.lineno, "cannot use starred expression here");
    return first;
  }
  LocalList<Node*> elts(first);
  if (!At(Tok::Comma)) FailHere();
  while (Eat(Tok::Comma) && !At(Tok::RPar)) elts.push_back(StarNamedExpression());
  Expect(Tok::RPar);
  return MakeElts(Kind::Tuple, ToList(elts), start);
}

Node* Parser::ListAtom() {
  size_t start = p_++;
  LocalList<Node*> elts;
  if (!At(Tok::RSqb)) {
    Node* first = StarNamedExpression();
    if (AtComprehension()) {
      if (first->kind == Kind::Starred) Fail(first->pos.lineno, "iterable unpacking cannot be used in comprehension");
      return CompAfterElt(Kind::ListComp, first, nullptr, Tok::RSqb, start);
    }
    elts.push_back(first);
    while (Eat(Tok::Comma) && !At(Tok::RSqb)) elts.push_back(StarNamedExpression());
  }
  Expect(Tok::RSqb);
  return MakeElts(Kind::List, ToList(elts), start);
}

Node* Parser::BraceAtom() {
  size_t start = p_++;
  if (Eat(Tok::RBrace)) return Make<DictNode>(Kind::Dict, start);
  LocalList<Node*> keys, values;
  auto finish_dict = [&]() {
    while (Eat(Tok::Comma) && !At(Tok::RBrace)) {
      if (Eat(Tok::DoubleStar)) {
        keys.push_back(nullptr);
        values.push_back(BitOr());
      } else {
        keys.push_back(Expression());
        Expect(Tok::Colon);
        values.push_back(Expression());
      }
    }
    Expect(Tok::RBrace);
    auto* d = Make<DictNode>(Kind::Dict, start);
    d->keys = ToList(keys);
    d->values = ToList(values);
    return d;
  };
  if (Eat(Tok::DoubleStar)) {
    keys.push_back(nullptr);
    values.push_back(BitOr());
    return finish_dict();
  }
  Node* first = StarNamedExpression();
  if (At(Tok::Colon) && first->kind != Kind::Starred) {
    ++p_;
    Node* value = Expression();
    if (AtComprehension()) {
      return CompAfterElt(Kind::DictComp, first, value, Tok::RBrace, start);
    }
    keys.push_back(first);
    values.push_back(value);
    return finish_dict();
  }
  if (AtComprehension()) {
    if (first->kind == Kind::Starred) Fail(first->pos.lineno, "iterable unpacking cannot be used in comprehension");
    return CompAfterElt(Kind::SetComp, first, nullptr, Tok::RBrace, start);
  }
  LocalList<Node*> elts(first);
  while (Eat(Tok::Comma) && !At(Tok::RBrace)) elts.push_back(StarNamedExpression());
  Expect(Tok::RBrace);
  return MakeElts(Kind::Set, ToList(elts), start);
}

// star_targets for `for` and comprehensions: stops before `in`, so names are parsed at the
// bitwise-or level, never as comparisons.
Node* Parser::Targets(bool stop_at_in) {
  size_t start = p_;
  Node* first = StarTarget();
  if (!At(Tok::Comma)) return first;
  LocalList<Node*> elts(first);
  while (Eat(Tok::Comma)) {
    if (AtKw(Kw::In) || At(Tok::Equal) || At(Tok::Newline)) break;
    elts.push_back(StarTarget());
  }
  return MakeElts(Kind::Tuple, ToList(elts), start);
}

Node* Parser::StarTarget() {
  if (!At(Tok::Star)) return BitOr();
  size_t start = p_++;
  return MakeStarred(StarTarget(), start);
}

void Parser::SetCtx(Node* n, Ctx ctx, const char* what) {
  switch (n->kind) {
    case Kind::Name: {
      auto* name = static_cast<NameNode*>(n);
      if (ctx == Ctx::Store && name->id == "__debug__") Fail(n->pos.lineno, "cannot assign to __debug__");
      name->ctx = ctx;
      return;
    }
    case Kind::Attribute: static_cast<AttributeNode*>(n)->ctx = ctx; return;
    case Kind::Subscript: static_cast<SubscriptNode*>(n)->ctx = ctx; return;
    case Kind::Starred:
      static_cast<StarredNode*>(n)->ctx = ctx;
      SetCtx(static_cast<StarredNode*>(n)->value, ctx, what);
      return;
    case Kind::Tuple:
    case Kind::List: {
      auto* t = static_cast<EltsNode*>(n);
      t->ctx = ctx;
      for (Node* e : t->elts) SetCtx(e, ctx, what);
      return;
    }
    default: {
      std::string msg = std::string("cannot ") + what + " " + KindName(n->kind);
      Fail(n->pos.lineno, msg);
    }
  }
}

}  // namespace covalesce::py
