// The compiler model: annotations (compiler_annassign, compiler_visit_annotations,
// find_ann).
//
// A module or class body with an annotated assignment anywhere in it (find_ann: it looks
// into if/for/while/try/with/match bodies, not into nested defs) begins with
// SETUP_ANNOTATIONS, on the first statement's line. An annotated assignment evaluates its
// value and target, and in a module or class its annotation too when the target is a
// simple name. Under `from __future__ import annotations` an annotation is not evaluated:
// ast_unparse.c turns it back into source text, a string constant, so the model unparses it
// the same way (the text is the constant's identity in co_consts). A function's parameter
// and return annotations are a tuple the optimiser folds into one constant.
#include <algorithm>
#include <string>

#include "compiler.h"

namespace covalesce::native::compiler {

bool Model::FindAnn(const NodeList& stmts) {
  for (const Node* s : stmts) {
    switch (s->kind) {
      case Kind::AnnAssign: return true;
      case Kind::For:
      case Kind::AsyncFor: {
        auto* f = static_cast<const ForNode*>(s);
        if (FindAnn(f->body) || FindAnn(f->orelse)) return true;
        break;
      }
      case Kind::While:
      case Kind::If: {
        auto* w = static_cast<const WhileNode*>(s);
        if (FindAnn(w->body) || FindAnn(w->orelse)) return true;
        break;
      }
      case Kind::With:
      case Kind::AsyncWith:
        if (FindAnn(static_cast<const WithNode*>(s)->body)) return true;
        break;
      case Kind::Try:
      case Kind::TryStar: {
        auto* t = static_cast<const TryNode*>(s);
        for (const Node* h : t->handlers)
          if (FindAnn(static_cast<const ExceptHandlerNode*>(h)->body)) return true;
        if (FindAnn(t->body) || FindAnn(t->finalbody) || FindAnn(t->orelse)) return true;
        break;
      }
      case Kind::Match:
        for (const MatchCase* c : static_cast<const MatchNode*>(s)->cases)
          if (FindAnn(c->body)) return true;
        break;
      default: break;
    }
  }
  return false;
}

// compiler_visit_annotations: ('name', value, ...) as LOAD_CONSTs and values, then
// BUILD_TUPLE, which the optimiser folds into one new constant when every value is one.
void Model::Annotations(const Arguments* a, const Node* returns) {
  if (!a) return;
  bool all_const = true;
  std::string key = "t(";
  size_t n = 0;
  LineNo at = 0;
  auto one = [&](std::string_view name, const Node* annotation) {
    if (!annotation) return;
    EmitConst(StrKey(name), annotation->pos.lineno);
    auto v = future_annotations_ ? std::optional<CVal>(Opaque(CVal::kStr, AnnotationKey(annotation))) : Fold(annotation);
    if (future_annotations_) EmitConst(AnnotationKey(annotation), annotation->pos.lineno);
    else Expression(annotation);
    if (!v) all_const = false;
    else key += (n ? "," : "") + StrKey(name) + "," + v->K();
    ++n;
    at = annotation->pos.lineno;
  };
  for (const Arg* x : a->args) one(x->arg, x->annotation);
  for (const Arg* x : a->posonlyargs) one(x->arg, x->annotation);
  if (a->vararg) one(a->vararg->arg, a->vararg->annotation);
  for (const Arg* x : a->kwonlyargs) one(x->arg, x->annotation);
  if (a->kwarg) one(a->kwarg->arg, a->kwarg->annotation);
  one("return", returns);
  if (n && all_const) EmitOptimizerConst(key + ")", at);
}

void Model::AnnAssign(const AnnAssignNode* a) {
  const LineNo line = a->pos.lineno;
  if (a->value) {
    Expression(a->value);
    Expression(a->target);
  }
  const bool scope_stores = U().is_module || U().is_class;
  switch (a->target->kind) {
    case Kind::Name:
      if (a->simple && scope_stores) {
        // __annotations__['x'] = <annotation> (a string under `from __future__ import annotations`)
        Annotation(a->annotation);
        EmitConst(StrKey(static_cast<const NameNode*>(a->target)->id), line);
        Line(line);
      }
      break;
    case Kind::Attribute:
      if (!a->value) Expression(static_cast<const AttributeNode*>(a->target)->value), Line(line);
      break;
    case Kind::Subscript:
      if (!a->value) {
        auto* s = static_cast<const SubscriptNode*>(a->target);
        Expression(s->value);
        Expression(s->slice);
        Line(line);
      }
      break;
    default: break;
  }
  if (!a->simple && scope_stores && !future_annotations_) {
    Expression(a->annotation);
    Line(line);
  }
}

// Under `from __future__ import annotations` an annotation is the string ast_unparse.c
// makes of it: equal strings are one constant.
std::string Model::AnnotationKey(const Node* e) {
  std::string text;
  if (Unparse(e, text)) return StrKey(text);
  return "?ann:" + std::to_string(e->pos.lineno) + ":" + std::to_string(e->pos.col_offset);
}

// ast_unparse.c for the usual annotation shapes; false for anything else.
bool Model::Unparse(const Node* e, std::string& out) {
  switch (e->kind) {
    case Kind::Name: out += static_cast<const NameNode*>(e)->id; return true;
    case Kind::Attribute: {
      auto* a = static_cast<const AttributeNode*>(e);
      if (a->value->kind != Kind::Name && a->value->kind != Kind::Attribute) return false;
      if (!Unparse(a->value, out)) return false;
      out += '.';
      out += a->attr;
      return true;
    }
    case Kind::Subscript: {
      auto* sub = static_cast<const SubscriptNode*>(e);
      if (!Unparse(sub->value, out)) return false;
      out += '[';
      if (sub->slice->kind == Kind::Tuple) {
        auto* t = static_cast<const EltsNode*>(sub->slice);
        if (t->elts.n == 0) return false;
        for (uint32_t i = 0; i < t->elts.n; ++i) {
          if (i) out += ", ";
          if (!Unparse(t->elts[i], out)) return false;
        }
      } else if (!Unparse(sub->slice, out)) {
        return false;
      }
      out += ']';
      return true;
    }
    case Kind::Constant: {
      auto* c = static_cast<const ConstantNode*>(e);
      switch (c->ck) {
        case ConstKind::None: out += "None"; return true;
        case ConstKind::True: out += "True"; return true;
        case ConstKind::False: out += "False"; return true;
        case ConstKind::Ellipsis: out += "..."; return true;
        case ConstKind::Int:
          if (c->big_int) return false;
          out += std::to_string(c->ival);
          return true;
        case ConstKind::Str:
          if (c->u_prefix) return false;
          out += PyRepr(c->text);
          return true;
        default: return false;
      }
    }
    case Kind::BinOp: {
      auto* b = static_cast<const BinOpNode*>(e);
      if (b->op != Op::BitOr) return false;
      if (b->left->kind == Kind::BinOp && static_cast<const BinOpNode*>(b->left)->op != Op::BitOr) return false;
      if (b->right->kind == Kind::BinOp) return false;
      if (!Unparse(b->left, out)) return false;
      out += " | ";
      return Unparse(b->right, out);
    }
    case Kind::List: {
      auto* l = static_cast<const EltsNode*>(e);
      out += '[';
      for (uint32_t i = 0; i < l->elts.n; ++i) {
        if (i) out += ", ";
        if (!Unparse(l->elts[i], out)) return false;
      }
      out += ']';
      return true;
    }
    default: return false;
  }
}

void Model::Annotation(const Node* e) {
  if (future_annotations_) {
    EmitConst(AnnotationKey(e), e->pos.lineno);
  } else {
    Expression(e);
  }
}

}  // namespace covalesce::native::compiler
