// The compiler model: statements and definitions (compiler_visit_stmt, compiler_body,
// compiler_function, compiler_class, the PEP 695 generic wrappers).
//
// A statement's line is in the line table when one of its instructions carries it and
// survives. Most statements emit at least one (`pass` is a NOP that keeps its line, a
// constant expression statement too); `global` and `nonlocal` emit nothing; `del ()` has no
// target and so no line. A module's or class's docstring is evaluated and stored in __doc__;
// a function's is only its co_consts[0], never executed, so its line is not in the table
// (and which constant comes first matters to 3.11's constant trimming). A `def` or `class`
// evaluates its decorators, defaults and annotations in the enclosing code, then loads the
// nested code object as a constant: the nested code's lines count only if that load
// survives (a `def` in dead code takes its whole body with it). A class body that uses
// `super()` or `__class__` stores __classcell__ on its last line.
#include <algorithm>
#include <string>

#include "compiler.h"

namespace covalesce::native::compiler {

bool Model::IsDocstring(const Node* s) {
  if (s->kind != Kind::Expr) return false;
  const Node* v = static_cast<const ValueNode*>(s)->value;
  return v->kind == Kind::Constant && static_cast<const ConstantNode*>(v)->ck == ConstKind::Str;
}

// compiler_body: module and class bodies (the docstring is stored in __doc__).
void Model::Body(const NodeList& stmts, bool module) {
  if (FindAnn(stmts)) Line(module && stmts.n ? stmts[0]->pos.lineno : C().firstlineno);
  size_t i = 0;
  if (stmts.n && IsDocstring(stmts[0])) {
    Expression(static_cast<const ValueNode*>(stmts[0])->value);
    i = 1;
  }
  for (; i < stmts.n; ++i) Stmt(stmts[i]);
}

void Model::Stmts(const NodeList& stmts) {
  for (const Node* s : stmts) Stmt(s);
}

void Model::Stmt(const Node* s) {
  const LineNo line = s->pos.lineno;
  U().loc = line;
  stmt_line_ = line;
  switch (s->kind) {
    case Kind::FunctionDef:
    case Kind::AsyncFunctionDef: FunctionDef(static_cast<const FunctionDefNode*>(s)); break;
    case Kind::ClassDef: ClassDef(static_cast<const ClassDefNode*>(s)); break;
    case Kind::Return: Return(static_cast<const ValueNode*>(s)); break;
    case Kind::Delete:
      // Only the targets emit code: `del ()` has none, so no line.
      for (const Node* t : static_cast<const TargetsNode*>(s)->targets) Expression(t);
      break;
    case Kind::Assign: {
      auto* a = static_cast<const AssignNode*>(s);
      Expression(a->value);
      for (const Node* t : a->targets) Expression(t);
      Line(line);
      break;
    }
    case Kind::TypeAlias: {
      // compiler_typealias: the name, then (inside `<generic parameters of X>` when generic)
      // the type parameters and the value as a function of its own, evaluated lazily.
      auto* t = static_cast<const TypeAliasNode*>(s);
      const std::string_view name = static_cast<const NameNode*>(t->name)->id;
      int generic = -1;
      if (t->type_params.n) {
        generic = BeginCode(line, true, false);
        Line(line);
        EmitConst(StrKey(name), line);
        for (const Node* p : t->type_params) Expression(p);
      } else {
        EmitConst(StrKey(name), line);
        EmitConst("N", line);
      }
      const int id = BeginCode(line, true, false, name);
      Line(line);
      Expression(t->value);
      Exit(t->value->pos.lineno);
      EndCode();
      LoadCode(id, line, t);
      Line(line);
      if (generic >= 0) EndGeneric(generic, line, &t->type_params);
      Line(line);
      break;
    }
    case Kind::AugAssign: {
      auto* a = static_cast<const AugAssignNode*>(s);
      Expression(a->target);
      Expression(a->value);
      Line(line);
      break;
    }
    case Kind::AnnAssign: AnnAssign(static_cast<const AnnAssignNode*>(s)); break;
    case Kind::For:
    case Kind::AsyncFor: For(static_cast<const ForNode*>(s)); break;
    case Kind::While: While(static_cast<const WhileNode*>(s)); break;
    case Kind::If: If(static_cast<const IfNode*>(s)); break;
    case Kind::With:
    case Kind::AsyncWith: With(static_cast<const WithNode*>(s), 0); break;
    case Kind::Match: Match(static_cast<const MatchNode*>(s)); break;
    case Kind::Raise: {
      auto* r = static_cast<const RaiseNode*>(s);
      if (r->exc) Expression(r->exc);
      if (r->cause) Expression(r->cause);
      Line(line);
      Exit(line);
      NextBlock();
      break;
    }
    case Kind::Try:
      if (static_cast<const TryNode*>(s)->finalbody.n) TryFinally(static_cast<const TryNode*>(s));
      else TryExcept(static_cast<const TryNode*>(s));
      break;
    case Kind::TryStar:
      if (static_cast<const TryNode*>(s)->finalbody.n) TryFinally(static_cast<const TryNode*>(s));
      else TryStarExcept(static_cast<const TryNode*>(s));
      break;
    case Kind::Assert: Assert(static_cast<const AssertNode*>(s)); break;
    case Kind::Import:
      for (const Alias* a : static_cast<const ImportNode*>(s)->names) {
        EmitConst("i0", line);
        EmitConst("N", line);
        Line(a->pos.lineno);
      }
      break;
    case Kind::ImportFrom: {
      auto* f = static_cast<const ImportFromNode*>(s);
      EmitConst("i" + std::to_string(f->level), line);
      std::string names = "t(";
      for (uint32_t i = 0; i < f->names.n; ++i) {
        if (i) names += ',';
        std::string_view n = f->names[i]->name;
        names += "s" + std::to_string(n.size()) + ":" + std::string(n);
      }
      EmitConst(names + ")", line);
      for (const Alias* a : f->names) Line(a->pos.lineno);
      Line(line);
      break;
    }
    case Kind::Global:
    case Kind::Nonlocal:
      break;  // no code at all
    case Kind::Expr: {
      const Node* v = static_cast<const ValueNode*>(s)->value;
      if (v->kind != Kind::JoinedStr && Fold(v)) {
        Line(line);  // a constant statement (after ast_opt.c) is a NOP that keeps its line
      } else {
        Expression(v);
        Line(line);
        U().loc = -1;  // the POP_TOP is artificial: UNSET_LOC
      }
      break;
    }
    case Kind::Pass: Line(line); break;
    case Kind::Break: Break(line); break;
    case Kind::Continue: Continue(line); break;
    default: Line(line); break;
  }
}

void Model::Decorators(const NodeList& decorators) {
  for (const Node* d : decorators) Expression(d);
}

void Model::Arguments_(const Arguments* a, bool lambda) {
  if (!a) return;
  if (a->defaults.n) {
    bool all_const = true;
    std::string key = "t(";
    for (uint32_t i = 0; i < a->defaults.n; ++i) {
      auto v = Fold(a->defaults[i]);
      if (!v) all_const = false;
      else key += (i ? "," : "") + v->K();
      Expression(a->defaults[i]);
    }
    // LOAD_CONST...; BUILD_TUPLE: the optimiser folds all-constant defaults into one tuple.
    if (all_const) EmitOptimizerConst(key + ")", a->defaults[0]->pos.lineno);
  }
  // Keyword-only defaults: the values, then the tuple of their names (BUILD_CONST_KEY_MAP).
  std::string names;
  LineNo at = 0;
  for (uint32_t i = 0; i < a->kwonlyargs.n; ++i) {
    if (a->kw_defaults[i]) {
      if (!names.empty()) names += ',';
      names += StrKey(a->kwonlyargs[i]->arg);
      Expression(a->kw_defaults[i]);
      at = a->kw_defaults[i]->pos.lineno;
    }
  }
  if (!names.empty()) EmitConst("t(" + names + ")", at);
  (void)lambda;
}

// PEP 695 (3.12+): a generic function or class is made inside a code object of its own,
// `<generic parameters of f>`, which creates the type parameters first.
int Model::BeginGeneric(const NodeList& type_params, LineNo first) {
  const int id = BeginCode(first, true, false);
  Line(first);
  for (const Node* p : type_params) Expression(p);
  return id;
}

void Model::EndGeneric(int id, LineNo line, const void* source) {
  Exit(line);
  EndCode();
  LoadCode(id, line, source);
  Line(line);
}

void Model::FunctionDef(const FunctionDefNode* f) {
  const LineNo line = f->pos.lineno;
  Decorators(f->decorator_list);
  const LineNo first = f->decorator_list.n ? f->decorator_list[0]->pos.lineno : line;
  Arguments_(f->args, false);
  const int generic = f->type_params.n ? BeginGeneric(f->type_params, first) : -1;
  Annotations(f->args, f->returns);
  const int id = BeginCode(first, true, false, f->name);
  Line(first);  // RESUME
  const NodeList& body = f->body;
  const bool doc = body.n && IsDocstring(body[0]);
  if (rules_.none_first_const || doc) ConstIndex(doc ? "doc" : "N");
  for (size_t i = doc ? 1 : 0; i < body.n; ++i) Stmt(body[i]);
  EmitConst("N", 0);
  Exit(0);
  EndCode();
  LoadCode(id, line, f);
  Line(line);
  if (generic >= 0) EndGeneric(generic, line, &f->type_params);
  for (const Node* d : f->decorator_list) Line(d->pos.lineno);  // the decorator calls
  Line(line);  // STORE_NAME
}

void Model::ClassDef(const ClassDefNode* c) {
  const LineNo line = c->pos.lineno;
  Decorators(c->decorator_list);
  const LineNo first = c->decorator_list.n ? c->decorator_list[0]->pos.lineno : line;
  const int generic = c->type_params.n ? BeginGeneric(c->type_params, first) : -1;
  Line(line);  // LOAD_BUILD_CLASS
  const int id = BeginCode(first, false, true, c->name);
  Line(first);
  EmitConst("?qualname" + std::to_string(id), first);  // __qualname__: a string of its own
  Body(c->body, false);
  // The class body returns its __classcell__ when a method uses super() or __class__,
  // else None.
  if (track_consts_ || C().nconsts == 0) {
    if (NeedsClassCell(c->body)) Line(0);
    else EmitConst("N", 0);
  }
  Exit(0);
  EndCode();
  LoadCode(id, line, c);
  EmitConst(StrKey(c->name), line);  // the class name argument
  CallArgs(c->bases, c->keywords, line);
  Line(line);
  if (generic >= 0) EndGeneric(generic, line, &c->type_params);
  for (const Node* d : c->decorator_list) Line(d->pos.lineno);
  Line(line);
}

// symtable's ste_needs_class_closure: a function in the class body (at any depth, not
// through nested classes) names `super` or `__class__`.
bool Model::UsesClassCell(const Node* n) {
  if (!n) return false;
  if (n->kind == Kind::Name) {
    auto id = static_cast<const NameNode*>(n)->id;
    return id == "super" || id == "__class__";
  }
  if (n->kind == Kind::ClassDef) return false;
  bool found = false;
  VisitChildren(n, [&](const Node* c) { found = found || UsesClassCell(c); });
  return found;
}

void Model::ScanForClassCell(const Node* n, bool& found) {
  if (found) return;
  if (n->kind == Kind::FunctionDef || n->kind == Kind::AsyncFunctionDef || n->kind == Kind::Lambda) {
    if (n->kind == Kind::Lambda) {
      found = UsesClassCell(static_cast<const LambdaNode*>(n)->body);
    } else {
      for (const Node* st : static_cast<const FunctionDefNode*>(n)->body)
        if (UsesClassCell(st)) found = true;
    }
    return;
  }
  if (n->kind == Kind::ClassDef) return;
  VisitChildren(n, [&](const Node* c) { ScanForClassCell(c, found); });
}

bool Model::NeedsClassCell(const NodeList& body) {
  bool found = false;
  for (const Node* s : body) ScanForClassCell(s, found);
  return found;
}

}  // namespace covalesce::native::compiler
