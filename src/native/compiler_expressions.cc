// The compiler model: expressions (compiler_visit_expr and its helpers: calls, dict
// displays, comprehensions, lambdas, lazily evaluated type-parameter bounds).
//
// An expression contributes the lines its instructions carry. In a multi-line expression
// each sub-expression's instructions carry that sub-expression's line, so a call over lines
// 3-5 can put line 4 in the table through one argument. The model emits an expression's
// children before its own instruction, as the compiler does, with CPython's special shapes:
// a folded expression is one LOAD_CONST on its line; `x in [1, 2]` tests a constant tuple
// (a frozenset for a set display); a dict display with two or more constant keys is built
// with BUILD_CONST_KEY_MAP (the keys one constant, after the values); displays and calls past
// the stack-use guideline are built in pieces; lambdas, generator expressions and (before
// 3.12) comprehensions are nested code objects, 3.12+ comprehensions are inlined.
#include <algorithm>
#include <string>

#include "compiler.h"

namespace covalesce::native::compiler {

void Model::Expression(const Node* e) {
  if (!e) return;
  const LineNo line = e->pos.lineno;
  if (auto v = Fold(e)) {
    EmitConst(KeyFor(*v), line);
    return;
  }
  switch (e->kind) {
    case Kind::BoolOp: {
      auto* b = static_cast<const BoolOpNode*>(e);
      const int end = NewBlock();
      const bool jump_if_true = b->op == BoolOpKind::Or;
      for (uint32_t i = 0; i + 1 < b->values.n; ++i) {
        const Node* v = b->values[i];
        auto c = Fold(v);
        int8_t fold = 0;
        if (c && c->truth_known) fold = c->truth == jump_if_true ? 1 : -1;
        // JUMP_IF_xxx_OR_POP on a constant: a jump keeps the LOAD_CONST (it is the value),
        // falling through turns it into a NOP.
        if (fold == -1) FoldedConst(KeyFor(*c), v->pos.lineno);
        else Expression(v);
        Branch(end, fold, v->pos.lineno);
        NextBlock();
      }
      Expression(b->values[b->values.n - 1]);
      UseNext(end);
      return;
    }
    case Kind::IfExp: {
      auto* x = static_cast<const IfExpNode*>(e);
      const int end = NewBlock(), next = NewBlock();
      JumpIf(x->test, next, false);
      Expression(x->body);
      Jump(end);
      UseNext(next);
      Expression(x->orelse);
      UseNext(end);
      return;
    }
    case Kind::Lambda: {
      auto* l = static_cast<const LambdaNode*>(e);
      Arguments_(l->args, true);
      const int id = BeginCode(line, true, false);
      Line(line);
      ConstIndex("N");  // "Make None the first constant"
      Expression(l->body);
      Exit(l->body->pos.lineno);
      EndCode();
      LoadCode(id, line, e);
      Line(line);
      return;
    }
    case Kind::GeneratorExp:
    case Kind::ListComp:
    case Kind::SetComp:
    case Kind::DictComp: {
      auto* c = static_cast<const CompNode*>(e);
      const bool inline_ = rules_.inline_comprehensions && e->kind != Kind::GeneratorExp;
      // The outermost iterable is evaluated in the enclosing scope: before the inlined
      // comprehension, after the comprehension's code object is loaded.
      if (inline_) {
        Iterable(c->generators[0]->iter);
        Line(line);
        CompGen(c, 0);
        Line(line);
        return;
      }
      const int id = BeginCode(line, true, false);
      Line(line);
      CompGen(c, 0);
      EmitConst("N", 0);
      Exit(0);
      EndCode();
      LoadCode(id, line, e);
      Iterable(c->generators[0]->iter);
      Line(line);
      return;
    }
    case Kind::Attribute: {
      auto* a = static_cast<const AttributeNode*>(e);
      Expression(a->value);
      Line(e->pos.end_lineno);
      return;
    }
    case Kind::Call: {
      auto* c = static_cast<const CallNode*>(e);
      Expression(c->func);
      CallArgs(c->args, c->keywords, line);
      Line(line);
      return;
    }
    case Kind::Dict: {
      // compiler_dict: runs of key: value between ** unpackings, each a compiler_subdict.
      auto* d = static_cast<const DictNode*>(e);
      const uint32_t n = d->values.n;
      uint32_t run = 0;
      for (uint32_t i = 0; i < n; ++i) {
        if (!d->keys[i]) {
          if (run) SubDict(d, i - run, i);
          run = 0;
          Expression(d->values[i]);
        } else if (run * 2 > kStackUseGuideline) {
          SubDict(d, i - run, i + 1);
          run = 0;
        } else {
          ++run;
        }
      }
      if (run) SubDict(d, n - run, n);
      Line(line);
      return;
    }
    case Kind::List:
    case Kind::Set: {
      auto* l = static_cast<const EltsNode*>(e);
      bool all_const = l->elts.n > 2 && l->ctx == Ctx::Load;
      std::string key = e->kind == Kind::Set ? "z(" : "t(";
      for (uint32_t i = 0; all_const && i < l->elts.n; ++i) {
        auto v = l->elts[i]->kind == Kind::Starred ? std::nullopt : Fold(l->elts[i]);
        if (!v) all_const = false;
        else key += (i ? "," : "") + v->K();
      }
      if (all_const) {
        Line(line);
        EmitConst(key + ")", line);
        Line(line);
        return;
      }
      for (const Node* x : l->elts) Expression(x);
      if (l->ctx != Ctx::Del) Line(line);
      return;
    }
    case Kind::Yield: {
      auto* y = static_cast<const ValueNode*>(e);
      if (y->value) Expression(y->value);
      else EmitConst("N", line);
      Line(line);
      return;
    }
    case Kind::Await:
    case Kind::YieldFrom:
      Expression(static_cast<const ValueNode*>(e)->value);
      EmitConst("N", line);
      Line(line);
      return;
    case Kind::JoinedStr: {
      for (const Node* v : static_cast<const JoinedStrNode*>(e)->values) Expression(v);
      Line(line);
      return;
    }
    case Kind::FormattedValue: {
      auto* f = static_cast<const FormattedValueNode*>(e);
      Expression(f->value);
      if (f->format_spec) Expression(f->format_spec);
      Line(line);
      return;
    }
    case Kind::TypeVar:
    case Kind::ParamSpec:
    case Kind::TypeVarTuple: {
      auto* t = static_cast<const TypeParamNode*>(e);
      EmitConst(StrKey(t->name), line);
      Line(line);
      if (t->bound) Lazy(t->bound, t->name);
      if (t->default_value) Lazy(t->default_value, t->name);
      return;
    }
    default: break;
  }
  // Everything else: its children, then its own instruction.
  ForEachChildExpr(e);
  if (e->kind == Kind::Tuple && static_cast<const EltsNode*>(e)->ctx == Ctx::Del) return;
  Line(line);
}

// compiler_subdict: two or more constant keys are one tuple of keys after the values
// (BUILD_CONST_KEY_MAP); otherwise key, value, key, value...
void Model::SubDict(const DictNode* d, uint32_t begin, uint32_t end) {
  const uint32_t n = end - begin;
  const bool big = n * 2 > kStackUseGuideline;
  bool const_keys = n > 1 && !big;
  std::string key = "t(";
  for (uint32_t i = begin; const_keys && i < end; ++i) {
    auto v = Fold(d->keys[i]);
    if (!v) const_keys = false;
    else key += (i > begin ? "," : "") + v->K();
  }
  if (const_keys) {
    for (uint32_t i = begin; i < end; ++i) Expression(d->values[i]);
    EmitConst(key + ")", d->pos.lineno);
    return;
  }
  for (uint32_t i = begin; i < end; ++i) {
    Expression(d->keys[i]);
    Expression(d->values[i]);
  }
}

// compiler_call_helper: positional and keyword arguments with KW_NAMES, or, with *args or
// **kwargs (or very many arguments), CALL_FUNCTION_EX with a list and dicts of keywords.
void Model::CallArgs(const NodeList& args, const List<Keyword*>& keywords, LineNo line) {
  bool ex = args.n + keywords.n * 2 > kStackUseGuideline;
  for (const Node* a : args) ex = ex || a->kind == Kind::Starred;
  for (const Keyword* k : keywords) ex = ex || !k->arg.data();
  if (!ex) {
    for (const Node* a : args) Expression(a);
    if (keywords.n) {
      std::string names = "t(";
      for (uint32_t i = 0; i < keywords.n; ++i) {
        Expression(keywords[i]->value);
        if (i) names += ',';
        names += StrKey(keywords[i]->arg);
      }
      EmitConst(names + ")", line);  // KW_NAMES
    }
    return;
  }
  if (args.n == 1 && args[0]->kind == Kind::Starred) {
    Expression(static_cast<const StarredNode*>(args[0])->value);
  } else {
    for (const Node* a : args) Expression(a->kind == Kind::Starred ? static_cast<const StarredNode*>(a)->value : a);
  }
  uint32_t seen = 0;
  for (uint32_t i = 0; i < keywords.n; ++i) {
    if (!keywords[i]->arg.data()) {
      if (seen) SubKwargs(keywords, i - seen, i, line);
      seen = 0;
      Expression(keywords[i]->value);
    } else {
      ++seen;
    }
  }
  if (seen) SubKwargs(keywords, keywords.n - seen, keywords.n, line);
}

// compiler_subkwargs: two or more keywords are their values then a tuple of names;
// otherwise 'name', value pairs.
void Model::SubKwargs(const List<Keyword*>& keywords, uint32_t begin, uint32_t end, LineNo line) {
  const uint32_t n = end - begin;
  if (n > 1 && n * 2 <= kStackUseGuideline) {
    std::string names = "t(";
    for (uint32_t i = begin; i < end; ++i) {
      Expression(keywords[i]->value);
      if (i > begin) names += ',';
      names += StrKey(keywords[i]->arg);
    }
    EmitConst(names + ")", line);
    return;
  }
  for (uint32_t i = begin; i < end; ++i) {
    EmitConst(StrKey(keywords[i]->arg), line);
    Expression(keywords[i]->value);
  }
}

// A lazily evaluated expression (a type parameter's bound or default): a code object.
void Model::Lazy(const Node* e, std::string_view name) {
  const int id = BeginCode(e->pos.lineno, true, false, name);
  Line(e->pos.lineno);
  Expression(e);
  Exit(e->pos.lineno);
  EndCode();
  LoadCode(id, e->pos.lineno, e);
}

void Model::CompGen(const CompNode* c, size_t gen) {
  const Comprehension* g = c->generators[gen];
  if (gen > 0) Iterable(g->iter);
  const int start = NewBlock(), if_cleanup = NewBlock(), anchor = NewBlock();
  UseNext(start);
  if (g->is_async) EmitConst("N", g->iter->pos.lineno);  // the await of __anext__
  Branch(anchor, 0, g->iter->pos.lineno);  // FOR_ITER
  NextBlock();
  Expression(g->target);
  for (const Node* cond : g->ifs) JumpIf(cond, if_cleanup, false);
  if (gen + 1 < c->generators.n) {
    CompGen(c, gen + 1);
  } else {
    Expression(c->elt);
    if (c->value) Expression(c->value);
    Line(c->pos.lineno);
  }
  UseNext(if_cleanup);
  Jump(start);
  UseNext(anchor);
}

// A list or set display of constants as ast_opt.c turns it into a constant (for `in` and
// `for`): the tuple's / frozenset's key.
std::optional<std::string> Model::ConstantCollection(const Node* e) {
  if (e->kind != Kind::List && e->kind != Kind::Set) return std::nullopt;
  auto* l = static_cast<const EltsNode*>(e);
  std::string key = e->kind == Kind::Set ? "z(" : "t(";
  for (uint32_t i = 0; i < l->elts.n; ++i) {
    if (l->elts[i]->kind == Kind::Starred) return std::nullopt;
    auto v = Fold(l->elts[i]);
    if (!v) return std::nullopt;
    key += (i ? "," : "") + v->K();
  }
  return key + ")";
}

// An iterable as ast_opt.c fold_iter leaves it.
void Model::Iterable(const Node* e) {
  if (auto k = ConstantCollection(e)) {
    EmitConst(*k, e->pos.lineno);
    return;
  }
  Expression(e);
}

void Model::ForEachChildExpr(const Node* e) {
  switch (e->kind) {
    case Kind::NamedExpr: {  // the value first, then the store
      auto* n = static_cast<const NamedExprNode*>(e);
      Expression(n->value);
      Expression(n->target);
      break;
    }
    case Kind::BinOp:
    case Kind::UnaryOp:
    case Kind::Subscript:
    case Kind::Starred:  // expressions only, in field order
      VisitChildren(e, [&](const Node* c) { Expression(c); });
      break;
    case Kind::Tuple:
      for (const Node* x : static_cast<const EltsNode*>(e)->elts) Expression(x);
      if (static_cast<const EltsNode*>(e)->ctx == Ctx::Del) return;  // nothing of its own
      break;
    case Kind::Compare: {
      auto* c = static_cast<const CompareNode*>(e);
      Expression(c->left);
      for (uint32_t i = 0; i < c->comparators.n; ++i) {
        const CmpOp op = c->ops[i];
        if (i + 1 == c->comparators.n && (op == CmpOp::In || op == CmpOp::NotIn)) {
          // ast_opt.c fold_compare: `x in [1, 2]` tests a constant tuple (a frozenset for {..}).
          if (auto k = ConstantCollection(c->comparators[i])) {
            EmitConst(*k, c->comparators[i]->pos.lineno);
            continue;
          }
        }
        Expression(c->comparators[i]);
      }
      break;
    }
    case Kind::Slice: {
      auto* s = static_cast<const SliceNode*>(e);
      if (s->lower) Expression(s->lower);
      else EmitConst("N", e->pos.lineno);
      if (s->upper) Expression(s->upper);
      else EmitConst("N", e->pos.lineno);
      if (s->step) Expression(s->step);
      break;
    }
    default: break;
  }
}

}  // namespace covalesce::native::compiler
