// The SyntaxErrors CPython raises after parsing, in symtable.c and compile.c: coverage.py
// compiles every file (ByteParser), so such a file is "Couldn't parse" to it too. Only the
// line matters here (the message may be CPython's or close to it: such files go to the exact
// fallback for their text).
#include <set>
#include <string>

#include "internal.h"

namespace covalesce::native {
namespace {

using namespace py;

enum class Scope : uint8_t { kModule, kClass, kFunction, kLambda, kComprehension };

struct Frame {
  Scope scope;
  bool async = false;
};

struct Fail {
  CompileError e;
};

class Checker {
 public:
  explicit Checker(PyVersion v) : v_(v) {}

  void Module(const ModuleNode* m) {
    frames_.push_back({Scope::kModule});
    Future(m->body);
    Stmts(m->body);
    frames_.pop_back();
  }

 private:
  PyVersion v_;
  std::vector<Frame> frames_;
  int loops_ = 0;          // loops enclosing the current statement in this scope
  int except_star_ = 0;    // except* handler bodies enclosing it (in this scope)

  [[noreturn]] void Error(int line, const std::string& msg) { throw Fail{{line, msg}}; }

  const Frame& F() const { return frames_.back(); }
  bool InFunction() const { return F().scope == Scope::kFunction || F().scope == Scope::kLambda; }

  // from __future__ imports: only at the start (after a docstring), known features.
  void Future(const NodeList& body) {
    bool start = true;
    for (size_t i = 0; i < body.n; ++i) {
      const Node* s = body[i];
      if (i == 0 && s->kind == Kind::Expr &&
          static_cast<const ValueNode*>(s)->value->kind == Kind::Constant &&
          static_cast<const ConstantNode*>(static_cast<const ValueNode*>(s)->value)->ck == ConstKind::Str)
        continue;
      const bool future = s->kind == Kind::ImportFrom && static_cast<const ImportFromNode*>(s)->module == "__future__";
      if (future) {
        auto* f = static_cast<const ImportFromNode*>(s);
        if (!start) Error(s->pos.lineno, "from __future__ imports must occur at the beginning of the file");
        for (const Alias* a : f->names) {
          static const char* kKnown[] = {"nested_scopes", "generators", "division", "absolute_import",
                                         "with_statement", "print_function", "unicode_literals",
                                         "barry_as_FLUFL", "generator_stop", "annotations"};
          bool known = false;
          for (const char* k : kKnown) known |= a->name == k;
          if (a->name == "braces") Error(s->pos.lineno, "not a chance");
          if (!known) Error(s->pos.lineno, "future feature " + std::string(a->name) + " is not defined");
        }
      } else {
        start = false;
      }
    }
    // A later `from __future__ import` anywhere else (nested) is an error too.
  }

  void Stmts(const NodeList& l) {
    for (const Node* s : l) Stmt(s);
  }

  void Body(const NodeList& l, Frame f) {
    frames_.push_back(f);
    const int loops = loops_, star = except_star_;
    loops_ = 0, except_star_ = 0;
    Stmts(l);
    loops_ = loops, except_star_ = star;
    frames_.pop_back();
  }

  void Args(const Arguments* a) {
    if (!a) return;
    std::set<std::string_view> seen;
    auto one = [&](const Arg* x) {
      if (!x) return;
      if (!seen.insert(x->arg).second)
        Error(x->pos.lineno, "duplicate argument '" + std::string(x->arg) + "' in function definition");
      if (x->annotation) Expr(x->annotation);
    };
    for (const Arg* x : a->posonlyargs) one(x);
    for (const Arg* x : a->args) one(x);
    one(a->vararg);
    for (const Arg* x : a->kwonlyargs) one(x);
    one(a->kwarg);
    for (const Node* d : a->defaults) Expr(d);
    for (const Node* d : a->kw_defaults)
      if (d) Expr(d);
  }

  void Stmt(const Node* s) {
    const int line = s->pos.lineno;
    switch (s->kind) {
      case Kind::FunctionDef:
      case Kind::AsyncFunctionDef: {
        auto* f = static_cast<const FunctionDefNode*>(s);
        for (const Node* d : f->decorator_list) Expr(d);
        Args(f->args);
        if (f->returns) Expr(f->returns);
        Body(f->body, {Scope::kFunction, s->kind == Kind::AsyncFunctionDef});
        break;
      }
      case Kind::ClassDef: {
        auto* c = static_cast<const ClassDefNode*>(s);
        for (const Node* d : c->decorator_list) Expr(d);
        for (const Node* b : c->bases) Expr(b);
        for (const Keyword* k : c->keywords) Expr(k->value);
        Body(c->body, {Scope::kClass});
        break;
      }
      case Kind::Return:
        if (!InFunction()) Error(line, "'return' outside function");
        if (except_star_) Error(line, "'break', 'continue' and 'return' cannot appear in an except* block");
        if (static_cast<const ValueNode*>(s)->value) Expr(static_cast<const ValueNode*>(s)->value);
        break;
      case Kind::Break:
        if (except_star_ && !loops_) Error(line, "'break', 'continue' and 'return' cannot appear in an except* block");
        if (!loops_) Error(line, "'break' outside loop");
        break;
      case Kind::Continue:
        if (except_star_ && !loops_) Error(line, "'break', 'continue' and 'return' cannot appear in an except* block");
        if (!loops_) Error(line, "'continue' not properly in loop");
        break;
      case Kind::For:
      case Kind::AsyncFor: {
        auto* f = static_cast<const ForNode*>(s);
        if (s->kind == Kind::AsyncFor && !(F().scope == Scope::kFunction && F().async))
          Error(line, "'async for' outside async function");
        Expr(f->target), Expr(f->iter);
        ++loops_;
        const int star = except_star_;
        except_star_ = 0;
        Stmts(f->body);
        except_star_ = star;
        --loops_;
        Stmts(f->orelse);
        break;
      }
      case Kind::While: {
        auto* w = static_cast<const WhileNode*>(s);
        Expr(w->test);
        ++loops_;
        const int star = except_star_;
        except_star_ = 0;
        Stmts(w->body);
        except_star_ = star;
        --loops_;
        Stmts(w->orelse);
        break;
      }
      case Kind::If: {
        auto* w = static_cast<const WhileNode*>(s);
        Expr(w->test), Stmts(w->body), Stmts(w->orelse);
        break;
      }
      case Kind::With:
      case Kind::AsyncWith: {
        auto* w = static_cast<const WithNode*>(s);
        if (s->kind == Kind::AsyncWith && !(F().scope == Scope::kFunction && F().async))
          Error(line, "'async with' outside async function");
        for (const WithItem* i : w->items) Expr(i->context_expr), Expr(i->optional_vars);
        Stmts(w->body);
        break;
      }
      case Kind::Try:
      case Kind::TryStar: {
        auto* t = static_cast<const TryNode*>(s);
        Stmts(t->body);
        for (size_t i = 0; i < t->handlers.n; ++i) {
          auto* h = static_cast<const ExceptHandlerNode*>(t->handlers[i]);
          if (!h->type && i + 1 < t->handlers.n) Error(h->pos.lineno, "default 'except:' must be last");
          Expr(h->type);
          if (s->kind == Kind::TryStar) {
            const int loops = loops_;
            loops_ = 0;
            ++except_star_;
            Stmts(h->body);
            --except_star_;
            loops_ = loops;
          } else {
            Stmts(h->body);
          }
        }
        Stmts(t->orelse);
        Stmts(t->finalbody);
        break;
      }
      case Kind::Match: {
        auto* m = static_cast<const MatchNode*>(s);
        Expr(m->subject);
        for (size_t i = 0; i < m->cases.n; ++i) {
          const MatchCase* c = m->cases[i];
          if (i + 1 < m->cases.n && !c->guard && Irrefutable(c->pattern)) {
            const Node* p = c->pattern;
            while (p->kind == Kind::MatchOr) {
              auto* o = static_cast<const PatternsNode*>(p);
              p = o->patterns[o->patterns.n - 1];
            }
            auto* a = static_cast<const MatchAsNode*>(p);
            if (a->name.data())
              Error(c->pattern->pos.lineno, "name capture '" + std::string(a->name) + "' makes remaining patterns unreachable");
            Error(c->pattern->pos.lineno, "wildcard makes remaining patterns unreachable");
          }
          if (c->guard) Expr(c->guard);
          Stmts(c->body);
        }
        break;
      }
      case Kind::ImportFrom: {
        auto* f = static_cast<const ImportFromNode*>(s);
        for (const Alias* a : f->names) {
          if (a->name == "*" && F().scope != Scope::kModule) Error(line, "import * only allowed at module level");
        }
        break;
      }
      case Kind::Nonlocal:
        if (F().scope == Scope::kModule) Error(line, "nonlocal declaration not allowed at module level");
        break;
      case Kind::Expr: Expr(static_cast<const ValueNode*>(s)->value); break;
      case Kind::Assign: {
        auto* a = static_cast<const AssignNode*>(s);
        for (const Node* t : a->targets) Expr(t);
        Expr(a->value);
        break;
      }
      case Kind::AugAssign: {
        auto* a = static_cast<const AugAssignNode*>(s);
        Expr(a->target), Expr(a->value);
        break;
      }
      case Kind::AnnAssign: {
        auto* a = static_cast<const AnnAssignNode*>(s);
        Expr(a->target), Expr(a->annotation), Expr(a->value);
        break;
      }
      case Kind::Delete:
        for (const Node* t : static_cast<const TargetsNode*>(s)->targets) Expr(t);
        break;
      case Kind::Raise: {
        auto* r = static_cast<const RaiseNode*>(s);
        Expr(r->exc), Expr(r->cause);
        break;
      }
      case Kind::Assert: {
        auto* a = static_cast<const AssertNode*>(s);
        Expr(a->test), Expr(a->msg);
        break;
      }
      default: break;
    }
  }

  static bool Irrefutable(const Node* p) {
    switch (p->kind) {
      case Kind::MatchAs: {
        auto* a = static_cast<const MatchAsNode*>(p);
        return !a->pattern || Irrefutable(a->pattern);
      }
      case Kind::MatchOr: {
        for (const Node* alt : static_cast<const PatternsNode*>(p)->patterns)
          if (Irrefutable(alt)) return true;
        return false;
      }
      default: return false;
    }
  }

  void Expr(const Node* e) {
    if (!e) return;
    switch (e->kind) {
      case Kind::Yield:
      case Kind::YieldFrom:
        if (F().scope == Scope::kModule || F().scope == Scope::kClass) Error(e->pos.lineno, "'yield' outside function");
        if (F().scope == Scope::kFunction && F().async && e->kind == Kind::YieldFrom)
          Error(e->pos.lineno, "'yield from' inside async function");
        break;
      case Kind::Await:
        if (F().scope == Scope::kModule || F().scope == Scope::kClass) Error(e->pos.lineno, "'await' outside function");
        if ((F().scope == Scope::kFunction && !F().async) || F().scope == Scope::kLambda)
          Error(e->pos.lineno, "'await' outside async function");
        break;
      case Kind::ListComp:
      case Kind::SetComp:
      case Kind::DictComp:
      case Kind::GeneratorExp: {
        // A comprehension is a scope of its own; `await` in one makes it asynchronous.
        auto* c = static_cast<const CompNode*>(e);
        Expr(c->generators[0]->iter);
        frames_.push_back({Scope::kComprehension});
        for (uint32_t i = 0; i < c->generators.n; ++i) {
          if (i) Expr(c->generators[i]->iter);
          Expr(c->generators[i]->target);
          for (const Node* x : c->generators[i]->ifs) Expr(x);
        }
        Expr(c->elt), Expr(c->value);
        frames_.pop_back();
        return;
      }
      case Kind::Lambda: {
        auto* l = static_cast<const LambdaNode*>(e);
        Args(l->args);
        frames_.push_back({Scope::kLambda});
        Expr(l->body);
        frames_.pop_back();
        return;
      }
      default: break;
    }
    VisitChildren(e, [&](const Node* c) {
      if (IsExpr(c->kind) || c->kind == Kind::Keyword || c->kind == Kind::Comprehension || c->kind == Kind::Arguments ||
          c->kind == Kind::Arg)
        Expr(c);
    });
  }
};

}  // namespace

CompileError FindCompileError(const ModuleNode* module, PyVersion version) {
  try {
    Checker(version).Module(module);
  } catch (const Fail& f) {
    return f.e;
  }
  return {};
}

}  // namespace covalesce::native
