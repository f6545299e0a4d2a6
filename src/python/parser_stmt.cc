// Statements: the module, blocks, simple statements (assignments, imports, ...) and compound
// statements (def, class, if, for, while, with, try, match), plus parameters and PEP 695
// type parameters. Grammar as CPython's python.gram, one function per rule family.
#include <algorithm>

#include "parser.h"
#include "unicode.h"

namespace covalesce::py {

const Token& Parser::Expect(Tok t) {
  if (!At(t)) {
    if (t == Tok::Colon) Fail(T().lineno, "expected ':'");
    if (At(Tok::Indent)) Fail(T().lineno, "unexpected indent");
    FailHere();
  }
  return toks_[p_++];
}

void Parser::ExpectKw(Kw k) {
  if (!AtKw(k)) FailHere();
  ++p_;
}

Ident Parser::ExpectName() {
  if (!AtName()) FailHere();
  return NameText(toks_[p_++]);
}

Ident Parser::NameText(const Token& t) {
  // The tokenizer has already seen whether the name is ASCII; no second scan here.
  if (t.non_ascii) return a_.copy(NfkcIdentifier(Text(t)));
  return Text(t);
}

void Parser::Fail(int line, const std::string& msg, int col) const { throw ParseFail{{line, col, msg}}; }

void Parser::FailHere(const std::string& msg) const {
  const Token& t = T();
  if (t.kind == Tok::Indent) Fail(t.lineno, "unexpected indent");
  if (t.kind == Tok::Dedent && p_ > 0) Fail(t.lineno, "unindent does not match any outer indentation level");
  if (t.kind == Tok::EndMarker || (t.kind == Tok::Dedent && T(1).kind == Tok::EndMarker)) {
    // At the end of the file CPython reports the last line that has a token.
    int line = p_ > 0 ? toks_[p_ - 1].end_lineno : 1;
    Fail(line, msg);
  }
  Fail(t.lineno, msg, t.col);
}

Pos Parser::Span(size_t start) const {
  const Token& a = toks_[start];
  size_t e = p_ ? p_ - 1 : 0;
  while (e > start && (toks_[e].kind == Tok::Newline || toks_[e].kind == Tok::Indent || toks_[e].kind == Tok::Dedent))
    --e;
  const Token& b = toks_[e];
  return Pos{a.lineno, a.col, b.end_lineno, b.end_col};
}

ModuleNode* Parser::ParseFile() {
  auto* m = New<ModuleNode>(Kind::Module);
  StmtList body;
  while (!At(Tok::EndMarker)) {
    if (At(Tok::Newline)) {  // a NEWLINE alone (e.g. after a lone ';'-free continuation)
      FailHere();
    }
    Statement(body);
  }
  m->body = ToList(body);
  return m;
}

void Parser::Statement(StmtList& out) {
  if (At(Tok::Indent)) Fail(T().lineno, "unexpected indent");
  if (Node* c = Compound()) {
    out.push_back(c);
    return;
  }
  SimpleStmts(out);
}

void Parser::SimpleStmts(StmtList& out) {
  while (true) {
    out.push_back(SimpleStmt());
    if (Eat(Tok::Semi)) {
      if (At(Tok::Newline)) break;
      continue;
    }
    break;
  }
  if (!At(Tok::Newline)) FailHere();
  ++p_;
}

NodeList Parser::ColonBlock() {
  Expect(Tok::Colon);
  return Block();
}

NodeList Parser::Block() {
  StmtList body;
  if (Eat(Tok::Newline)) {
    if (!At(Tok::Indent)) {
      if (At(Tok::EndMarker)) FailHere("expected an indented block");
      Fail(T().lineno, "expected an indented block");
    }
    ++p_;
    while (!At(Tok::Dedent) && !At(Tok::EndMarker)) Statement(body);
    Eat(Tok::Dedent);
  } else {
    if (At(Tok::EndMarker)) FailHere();
    SimpleStmts(body);
  }
  return ToList(body);
}

Node* Parser::Compound() {
  if (K() == Tok::At) {
    std::vector<Node*> decorators;
    while (Eat(Tok::At)) {
      decorators.push_back(NamedExpression());
      Expect(Tok::Newline);
    }
    size_t start = p_;
    if (AtKw(Kw::Class)) return ClassDef(start, decorators);
    if (AtKw(Kw::Def) || (AtKw(Kw::Async) && T(1).kw == Kw::Def && T(1).kind == Tok::Name))
      return FunctionDef(start, decorators);
    FailHere();
  }
  if (K() != Tok::Name) return nullptr;
  size_t start = p_;
  std::vector<Node*> none;
  switch (T().kw) {
    case Kw::Def: return FunctionDef(start, none);
    case Kw::Class: return ClassDef(start, none);
    case Kw::If: return IfStmt(start);
    case Kw::For: return ForStmt(start);
    case Kw::While: return WhileStmt(start);
    case Kw::With: return WithStmt(start);
    case Kw::Try: return TryStmt();
    case Kw::Async:
      if (T(1).kw == Kw::Def) return FunctionDef(start, none);
      if (T(1).kw == Kw::For) return ForStmt(start);
      if (T(1).kw == Kw::With) return WithStmt(start);
      ++p_;
      FailHere();
    case Kw::Match:
      if (LooksLikeMatch()) return MatchStmt();
      return nullptr;
    default: return nullptr;
  }
}

// `[async] kw`, which opens a def, for or with: the kind of node it makes.
Kind Parser::EatAsyncKw(Kw kw, Kind plain, Kind async) {
  Kind k = EatKw(Kw::Async) ? async : plain;
  ExpectKw(kw);
  return k;
}

Node* Parser::FunctionDef(size_t start, std::vector<Node*>& decorators) {
  auto* f = New<FunctionDefNode>(EatAsyncKw(Kw::Def, Kind::FunctionDef, Kind::AsyncFunctionDef));
  f->name = ExpectName();
  if (At(Tok::LSqb)) f->type_params = TypeParams();
  Expect(Tok::LPar);
  f->args = Parameters(Tok::RPar, false);
  Expect(Tok::RPar);
  if (Eat(Tok::RArrow)) f->returns = Expression();
  f->body = ColonBlock();
  f->decorator_list = ToList(decorators);
  return Finish(f, start);
}

Node* Parser::ClassDef(size_t start, std::vector<Node*>& decorators) {
  ExpectKw(Kw::Class);
  auto* c = New<ClassDefNode>(Kind::ClassDef);
  c->name = ExpectName();
  if (At(Tok::LSqb)) c->type_params = TypeParams();
  if (At(Tok::LPar)) {
    size_t lp = p_;
    ++p_;
    CallArgs(lp, c->bases, c->keywords);
  }
  c->body = ColonBlock();
  c->decorator_list = ToList(decorators);
  return Finish(c, start);
}

NodeList Parser::TypeParams() {
  if (!AtLeast(PyVersion::k312)) FailHere();
  Expect(Tok::LSqb);
  std::vector<Node*> params;
  while (!At(Tok::RSqb)) {
    size_t start = p_;
    auto* tp = New<TypeParamNode>(Eat(Tok::Star)         ? Kind::TypeVarTuple
                                  : Eat(Tok::DoubleStar) ? Kind::ParamSpec
                                                         : Kind::TypeVar);
    tp->name = ExpectName();
    if (tp->kind == Kind::TypeVar) {
      if (Eat(Tok::Colon)) tp->bound = Expression();
    } else if (At(Tok::Colon)) {
      Fail(T().lineno, tp->kind == Kind::TypeVarTuple ? "cannot use bound with TypeVarTuple"
                                                      : "cannot use bound with ParamSpec");
    }
    if (Eat(Tok::Equal)) {
      if (!AtLeast(PyVersion::k313)) FailHere();
      // Only a TypeVarTuple's default may be starred (`*Ts = *tuple[int]`).
      tp->default_value = tp->kind == Kind::TypeVarTuple ? StarExpression() : Expression();
    }
    params.push_back(Finish(tp, start));
    if (!Eat(Tok::Comma)) break;
  }
  if (params.empty()) FailHere();
  Expect(Tok::RSqb);
  return ToList(params);
}

// Parameters of a def (annotations allowed) or a lambda, up to `close`.
Arguments* Parser::Parameters(Tok close, bool lambda) {
  auto* args = New<Arguments>(Kind::Arguments);
  // Every positional parameter goes to `normal`; those before a '/' are the first `posonly`.
  LocalList<Arg*> normal, kwonly;
  LocalList<Node*> defaults, kw_defaults;
  size_t posonly = 0;
  bool star_seen = false, slash_seen = false, default_seen = false;
  auto param = [&](bool star_annotation) {
    size_t start = p_;
    auto* a = New<Arg>(Kind::Arg);
    a->arg = ExpectName();
    if (!lambda && Eat(Tok::Colon)) {
      a->annotation = star_annotation && At(Tok::Star) ? StarExpression() : Expression();
    }
    return Finish(a, start);
  };
  while (!At(close)) {
    if (At(Tok::Slash)) {
      if (slash_seen) Fail(T().lineno, "/ may appear only once");
      if (star_seen) Fail(T().lineno, "/ must be ahead of *");
      if (normal.empty()) Fail(T().lineno, "at least one argument must precede /");
      ++p_;
      slash_seen = true;
      posonly = normal.size();
    } else if (At(Tok::Star)) {
      if (star_seen) Fail(T().lineno, "* argument may appear only once");
      ++p_;
      star_seen = true;
      if (!At(Tok::Comma) && !At(close)) {
        args->vararg = param(AtLeast(PyVersion::k311));
        if (At(Tok::Equal)) Fail(T().lineno, "var-positional argument cannot have default value");
      } else if (At(close) || (At(Tok::Comma) && T(1).kind == close)) {
        Fail(T().lineno, "named arguments must follow bare *");
      }
    } else if (At(Tok::DoubleStar)) {
      ++p_;
      args->kwarg = param(false);
      if (At(Tok::Equal)) Fail(T().lineno, "var-keyword argument cannot have default value");
      Eat(Tok::Comma);
      if (!At(close)) Fail(T().lineno, "arguments cannot follow var-keyword argument");
      break;
    } else {
      Arg* a = param(false);
      Node* def = nullptr;
      if (Eat(Tok::Equal)) def = Expression();
      if (star_seen) {
        kwonly.push_back(a);
        kw_defaults.push_back(def);
      } else {
        normal.push_back(a);
        if (def) {
          default_seen = true;
          defaults.push_back(def);
        } else if (default_seen) {
          Fail(a->pos.lineno, AtLeast(PyVersion::k312) ? "parameter without a default follows parameter with a default"
                                                       : "non-default argument follows default argument");
        }
      }
    }
    if (!Eat(Tok::Comma)) break;
  }
  args->posonlyargs = ToListOf<Arg*>(normal, 0, posonly);
  args->args = ToListOf<Arg*>(normal, posonly);
  args->kwonlyargs = ToList(kwonly);
  args->kw_defaults = ToList(kw_defaults);
  args->defaults = ToList(defaults);
  return args;
}

Node* Parser::IfStmt(size_t start) {
  Nest nest(*this);  // an 'elif' is an If nested in the orelse
  ++p_;  // 'if' or 'elif'
  auto* n = New<IfNode>(Kind::If);
  n->test = NamedExpression();
  n->body = ColonBlock();
  if (AtKw(Kw::Elif)) {
    std::vector<Node*> orelse{IfStmt(p_)};
    n->orelse = ToList(orelse);
  } else if (EatKw(Kw::Else)) {
    n->orelse = ColonBlock();
  }
  return Finish(n, start);
}

// The block of a while or for loop and the else block that may follow: the loop ends there.
template <class Loop>
Loop* Parser::LoopBlocks(Loop* loop, size_t start) {
  loop->body = ColonBlock();
  if (EatKw(Kw::Else)) loop->orelse = ColonBlock();
  return Finish(loop, start);
}

Node* Parser::WhileStmt(size_t start) {
  ExpectKw(Kw::While);
  auto* n = New<WhileNode>(Kind::While);
  n->test = NamedExpression();
  return LoopBlocks(n, start);
}

Node* Parser::ForStmt(size_t start) {
  auto* n = New<ForNode>(EatAsyncKw(Kw::For, Kind::For, Kind::AsyncFor));
  n->target = Targets(true);
  SetCtx(n->target, Ctx::Store, "assign to");
  ExpectKw(Kw::In);
  n->iter = StarExpressions();
  return LoopBlocks(n, start);
}

Node* Parser::WithStmt(size_t start) {
  auto* n = New<WithNode>(EatAsyncKw(Kw::With, Kind::With, Kind::AsyncWith));
  std::vector<WithItem*> items;
  auto item = [&]() {
    auto* w = New<WithItem>(Kind::WithItem);
    w->context_expr = Expression();
    if (EatKw(Kw::As)) {
      w->optional_vars = StarTarget();
      SetCtx(w->optional_vars, Ctx::Store, "assign to");
      if (!At(Tok::Comma) && !At(Tok::RPar) && !At(Tok::Colon)) FailHere();
    }
    return w;
  };
  bool done = false;
  if (At(Tok::LPar)) {
    // with ( item, item, ) :   -- tried first, as CPython's grammar does.
    size_t save = p_;
    try {
      ++p_;
      std::vector<WithItem*> tmp;
      while (true) {
        tmp.push_back(item());
        if (!Eat(Tok::Comma)) break;
        if (At(Tok::RPar)) break;
      }
      Expect(Tok::RPar);
      if (!At(Tok::Colon)) throw ParseFail{};
      items = std::move(tmp);
      done = true;
    } catch (const ParseFail&) {
      p_ = save;
    }
  }
  if (!done) {
    while (true) {
      items.push_back(item());
      if (!Eat(Tok::Comma)) break;
    }
  }
  n->items = ToList(items);
  n->body = ColonBlock();
  return Finish(n, start);
}

Node* Parser::TryStmt() {
  size_t start = p_++;
  auto* n = New<TryNode>(Kind::Try);
  n->body = ColonBlock();
  std::vector<Node*> handlers;
  int star = -1;
  while (AtKw(Kw::Except)) {
    size_t hs = p_++;
    bool is_star = false;
    if (At(Tok::Star)) {
      if (!AtLeast(PyVersion::k311)) FailHere();
      ++p_;
      is_star = true;
    }
    if (star >= 0 && star != int(is_star))
      Fail(toks_[hs].lineno, "cannot have both 'except' and 'except*' on the same 'try'");
    star = is_star;
    auto* h = New<ExceptHandlerNode>(Kind::ExceptHandler);
    if (!At(Tok::Colon)) {
      h->type = Expression();
      if (At(Tok::Comma)) Fail(T().lineno, "multiple exception types must be parenthesized");
      if (EatKw(Kw::As)) h->name = ExpectName();
    } else if (is_star) {
      Fail(T().lineno, "expected one or more exception types");
    }
    h->body = ColonBlock();
    h->pos = Span(hs);
    handlers.push_back(h);
  }
  if (star == 1) n->kind = Kind::TryStar;
  n->handlers = ToList(handlers);
  if (AtKw(Kw::Else)) {
    if (handlers.empty()) FailHere();
    ++p_;
    n->orelse = ColonBlock();
  }
  if (EatKw(Kw::Finally)) n->finalbody = ColonBlock();
  if (handlers.empty() && n->finalbody.empty()) Fail(T().lineno, "expected 'except' or 'finally' block");
  return Finish(n, start);
}

// `match` starts a match statement only when a subject, ':' and NEWLINE follow.
bool Parser::LooksLikeMatch() {
  size_t save = p_;
  bool ok = false;
  try {
    ++p_;
    Node* subject = StarNamedExpression();
    if (At(Tok::Comma)) {
      while (Eat(Tok::Comma) && !At(Tok::Colon)) StarNamedExpression();
    } else if (subject->kind == Kind::Starred) {
      throw ParseFail{};
    }
    ok = At(Tok::Colon) && T(1).kind == Tok::Newline;
  } catch (const ParseFail&) {
  }
  p_ = save;
  return ok;
}

Node* Parser::MatchStmt() {
  size_t start = p_++;
  auto* m = New<MatchNode>(Kind::Match);
  size_t sstart = p_;
  Node* subject = StarNamedExpression();
  if (At(Tok::Comma)) {
    LocalList<Node*> elts(subject);
    while (Eat(Tok::Comma) && !At(Tok::Colon)) elts.push_back(StarNamedExpression());
    subject = MakeElts(Kind::Tuple, ToList(elts), sstart);
  }
  m->subject = subject;
  Expect(Tok::Colon);
  Expect(Tok::Newline);
  if (!At(Tok::Indent)) Fail(T().lineno, "expected an indented block after 'match' statement");
  ++p_;
  std::vector<MatchCase*> cases;
  while (AtKw(Kw::Case)) {
    ++p_;
    auto* c = New<MatchCase>(Kind::MatchCase);
    c->pattern = Patterns();
    if (EatKw(Kw::If)) c->guard = NamedExpression();
    c->body = ColonBlock();
    cases.push_back(c);
  }
  if (cases.empty()) FailHere();
  if (!Eat(Tok::Dedent)) FailHere();
  m->cases = ToList(cases);
  return Finish(m, start);
}

bool Parser::LooksLikeTypeAlias() {
  return AtKw(Kw::Type) && T(1).kind == Tok::Name && !IsHardKeyword(T(1).kw) &&
         (T(2).kind == Tok::Equal || T(2).kind == Tok::LSqb);
}

Node* Parser::TypeAliasStmt() {
  size_t start = p_++;
  auto* t = New<TypeAliasNode>(Kind::TypeAlias);
  size_t ns = p_;
  auto* name = Make<NameNode>(Kind::Name, ns);
  name->id = ExpectName();
  name->pos = Span(ns);
  name->ctx = Ctx::Store;
  t->name = name;
  if (At(Tok::LSqb)) t->type_params = TypeParams();
  Expect(Tok::Equal);
  t->value = Expression();
  return Finish(t, start);
}

Node* Parser::SimpleStmt() {
  size_t start = p_;
  if (K() == Tok::Name) {
    switch (T().kw) {
      case Kw::Pass:
      case Kw::Break:
      case Kw::Continue: {
        Kind k = T().kw == Kw::Pass ? Kind::Pass : T().kw == Kw::Break ? Kind::Break : Kind::Continue;
        ++p_;
        return Make<Node>(k, start);
      }
      case Kw::Return: {
        ++p_;
        auto* r = New<ValueNode>(Kind::Return);
        if (!At(Tok::Newline) && !At(Tok::Semi)) r->value = StarExpressions();
        return Finish(r, start);
      }
      case Kw::Raise: {
        ++p_;
        auto* r = New<RaiseNode>(Kind::Raise);
        if (!At(Tok::Newline) && !At(Tok::Semi)) {
          r->exc = Expression();
          if (EatKw(Kw::From)) r->cause = Expression();
        }
        return Finish(r, start);
      }
      case Kw::Global:
      case Kw::Nonlocal: {
        Kind k = T().kw == Kw::Global ? Kind::Global : Kind::Nonlocal;
        ++p_;
        std::vector<Ident> names;
        do names.push_back(ExpectName());
        while (Eat(Tok::Comma));
        auto* g = New<GlobalNode>(k);
        g->names = ToList(names);
        return Finish(g, start);
      }
      case Kw::Del: {
        ++p_;
        std::vector<Node*> targets;
        while (true) {
          Node* t = StarTarget();
          if (t->kind == Kind::Starred) Fail(t->pos.lineno, "cannot delete starred");
          SetCtx(t, Ctx::Del, "delete");
          targets.push_back(t);
          if (!Eat(Tok::Comma)) break;
          if (At(Tok::Newline) || At(Tok::Semi)) break;
        }
        auto* d = New<TargetsNode>(Kind::Delete);
        d->targets = ToList(targets);
        return Finish(d, start);
      }
      case Kw::Assert: {
        ++p_;
        auto* a = New<AssertNode>(Kind::Assert);
        a->test = Expression();
        if (Eat(Tok::Comma)) a->msg = Expression();
        return Finish(a, start);
      }
      case Kw::Import: return ImportStmt();
      case Kw::From: return FromImport();
      case Kw::Type:
        if (AtLeast(PyVersion::k312) && LooksLikeTypeAlias()) return TypeAliasStmt();
        break;
      default: break;
    }
  }
  return AssignmentOrExpr();
}

Node* Parser::ImportStmt() {
  size_t start = p_++;
  std::vector<Alias*> names;
  do {
    size_t as = p_;
    auto* al = New<Alias>(Kind::Alias);
    size_t b = T().start;
    ExpectName();
    while (Eat(Tok::Dot)) ExpectName();
    if (toks_[p_ - 1].end - b == 0) FailHere();
    // Dotted names are joined without the whitespace between their parts.
    std::string joined;
    for (size_t k = as; k < p_; ++k) joined += NameText(toks_[k]);
    al->name = a_.copy(joined);
    if (EatKw(Kw::As)) al->asname = ExpectName();
    al->pos = Span(as);
    names.push_back(al);
  } while (Eat(Tok::Comma));
  auto* n = New<ImportNode>(Kind::Import);
  n->names = ToList(names);
  return Finish(n, start);
}

Node* Parser::FromImport() {
  size_t start = p_++;
  auto* n = New<ImportFromNode>(Kind::ImportFrom);
  int level = 0;
  while (At(Tok::Dot) || At(Tok::Ellipsis)) level += At(Tok::Dot) ? 1 : 3, ++p_;
  if (!AtKw(Kw::Import)) {
    size_t ms = p_;
    ExpectName();
    while (Eat(Tok::Dot)) ExpectName();
    std::string joined;
    for (size_t k = ms; k < p_; ++k) joined += NameText(toks_[k]);
    n->module = a_.copy(joined);
  } else if (level == 0) {
    FailHere();
  }
  n->level = level;
  ExpectKw(Kw::Import);
  std::vector<Alias*> names;
  if (At(Tok::Star)) {
    size_t as = p_++;
    auto* al = New<Alias>(Kind::Alias);
    al->name = "*";
    al->pos = Span(as);
    names.push_back(al);
  } else {
    bool paren = Eat(Tok::LPar);
    while (true) {
      size_t as = p_;
      auto* al = New<Alias>(Kind::Alias);
      al->name = ExpectName();
      if (EatKw(Kw::As)) al->asname = ExpectName();
      al->pos = Span(as);
      names.push_back(al);
      if (!Eat(Tok::Comma)) break;
      if (paren && At(Tok::RPar)) break;
      if (!paren && (At(Tok::Newline) || At(Tok::Semi)))
        Fail(toks_[p_ - 1].lineno, "trailing comma not allowed without surrounding parentheses");
    }
    if (paren) Expect(Tok::RPar);
  }
  n->names = ToList(names);
  return Finish(n, start);
}

Node* Parser::YieldOrStarExpressions() {
  if (AtKw(Kw::Yield)) return YieldExpr();
  return StarExpressions();
}

Node* Parser::AssignmentOrExpr() {
  size_t start = p_;
  Node* first = YieldOrStarExpressions();
  if (At(Tok::Colon)) {
    // Annotated assignment: a single target.
    bool simple = first->kind == Kind::Name && toks_[start].kind == Tok::Name;
    if (first->kind != Kind::Name && first->kind != Kind::Attribute && first->kind != Kind::Subscript) {
      if (first->kind == Kind::Tuple) Fail(first->pos.lineno, "only single target (not tuple) can be annotated");
      if (first->kind == Kind::List) Fail(first->pos.lineno, "only single target (not list) can be annotated");
      Fail(first->pos.lineno, "illegal target for annotation");
    }
    SetCtx(first, Ctx::Store, "assign to");
    ++p_;
    auto* a = New<AnnAssignNode>(Kind::AnnAssign);
    a->target = first;
    a->annotation = Expression();
    a->simple = simple;
    if (Eat(Tok::Equal)) a->value = YieldOrStarExpressions();
    return Finish(a, start);
  }
  if (At(Tok::Equal)) {
    LocalList<Node*, 4> targets(first);
    Node* value = nullptr;
    while (Eat(Tok::Equal)) {
      value = YieldOrStarExpressions();
      if (At(Tok::Equal)) targets.push_back(value);
    }
    for (Node* t : targets) SetCtx(t, Ctx::Store, "assign to");
    auto* a = New<AssignNode>(Kind::Assign);
    a->targets = ToList(targets);
    a->value = value;
    return Finish(a, start);
  }
  Op op;
  if (AugAssignOp(K(), op)) {
    if (first->kind != Kind::Name && first->kind != Kind::Attribute && first->kind != Kind::Subscript)
      Fail(first->pos.lineno, "'" + std::string(KindName(first->kind)) + "' is an illegal expression for augmented assignment");
    SetCtx(first, Ctx::Store, "assign to");
    ++p_;
    auto* a = New<AugAssignNode>(Kind::AugAssign);
    a->target = first;
    a->op = op;
    a->value = YieldOrStarExpressions();
    return Finish(a, start);
  }
  auto* e = New<ValueNode>(Kind::Expr);
  e->value = first;
  e->pos = Span(start);
  if (!At(Tok::Newline) && !At(Tok::Semi)) FailHere();
  return e;
}

}  // namespace covalesce::py
