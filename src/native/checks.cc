// The SyntaxErrors CPython raises after parsing, in future.c, symtable.c and compile.c:
// coverage.py compiles every file (ByteParser), so such a file is "Couldn't parse" to it too.
// The messages and lines are CPython's for the cases tests/native_analysis_test.cc checks
// against the reference interpreters; the analysis still defers such files to the exact
// fallback.
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include "internal.h"

namespace covalesce::native {
namespace {

using namespace py;

enum class Scope : uint8_t { kModule, kClass, kFunction, kLambda, kComprehension };

// symtable.c's DEF_* flags, as far as the checks need them.
enum Flag : uint8_t {
  kParam = 1,
  kAssigned = 2,  // DEF_LOCAL: stores, del, for/with/except/match targets
  kUsed = 4,
  kAnnot = 8,
  kGlobal = 16,
  kNonlocal = 32,
  kBound = 64,  // imports: bindings the global checks do not look at
};

struct ScopeInfo {
  Scope kind;
  bool async = false;
  const Node* comp = nullptr;  // kComprehension: the comprehension
  ScopeInfo* parent = nullptr;
  std::unordered_map<std::string_view, uint8_t> flags;
  std::vector<std::pair<std::string_view, int>> nonlocals;  // name, line
  std::unordered_map<std::string_view, int> directive_line;  // first global/nonlocal of a name
  std::set<std::string_view> iter_vars;                     // kComprehension: its targets' names
  bool coroutine = false;  // kComprehension: async for or await inside
  int comp_iter_expr = 0;  // visiting a comprehension's iterable (ste_comp_iter_expr)
  std::string_view private_name;  // the class whose name mangles __names here (st_private)
  std::vector<std::unique_ptr<ScopeInfo>> children;
};

struct Fail {
  CompileError e;
};

const char* CompName(Kind k) {
  switch (k) {
    case Kind::ListComp: return "list comprehension";
    case Kind::SetComp: return "set comprehension";
    case Kind::DictComp: return "dict comprehension";
    default: return "generator expression";
  }
}

class Checker {
 public:
  explicit Checker(PyVersion v) : v_(v) {}

  void Module(const ModuleNode* m) {
    root_ = std::make_unique<ScopeInfo>();
    root_->kind = Scope::kModule;
    cur_ = root_.get();
    // Only names some global or nonlocal statement declares can break symtable's rules:
    // the flags of other names are never looked at, so they are not kept.
    CollectDeclared(m->body);
    Future(m->body);
    Stmts(m->body);
    CheckNonlocalBindings(root_.get());
  }

 private:
  PyVersion v_;
  std::unique_ptr<ScopeInfo> root_;
  ScopeInfo* cur_ = nullptr;
  int loops_ = 0;        // loops enclosing the current statement in this scope
  int except_star_ = 0;  // except* handler bodies enclosing it (in this scope)

  [[noreturn]] void Error(int line, const std::string& msg) { throw Fail{{line, msg}}; }

  bool InFunction() const { return cur_->kind == Scope::kFunction || cur_->kind == Scope::kLambda; }

  ScopeInfo* Open(Scope kind, bool async = false, std::string_view class_name = {}) {
    auto s = std::make_unique<ScopeInfo>();
    s->kind = kind;
    s->async = async;
    s->parent = cur_;
    s->private_name = kind == Scope::kClass ? class_name : cur_->private_name;
    ScopeInfo* raw = s.get();
    cur_->children.push_back(std::move(s));
    cur_ = raw;
    return raw;
  }
  void Close() { cur_ = cur_->parent; }

  // _Py_Mangle: __name inside a class is _Class__name (not __dunder__, not dotted).
  std::string_view Mangle(std::string_view name) {
    std::string_view cls = cur_->private_name;
    if (cls.empty() || name.size() < 3 || name[0] != '_' || name[1] != '_') return name;
    if (name.size() >= 4 && name[name.size() - 1] == '_' && name[name.size() - 2] == '_') return name;
    if (name.find('.') != std::string_view::npos) return name;
    while (!cls.empty() && cls[0] == '_') cls.remove_prefix(1);
    if (cls.empty()) return name;
    std::string m(1, '_');
    m.append(cls).append(name);
    mangled_.push_back(std::move(m));
    return mangled_.back();
  }
  std::deque<std::string> mangled_;  // storage for mangled names (string_views point here)

  std::set<std::string_view> declared_;  // raw names of every global / nonlocal statement

  void CollectDeclared(const NodeList& body) {
    for (const Node* s : body) {
      if (s->kind == Kind::Global || s->kind == Kind::Nonlocal) {
        for (std::string_view n : static_cast<const GlobalNode*>(s)->names) declared_.insert(n);
        continue;
      }
      VisitStatementLists(s, [&](const NodeList& l) { CollectDeclared(l); });
    }
  }

  // The statement lists directly inside a statement.
  template <class F>
  static void VisitStatementLists(const Node* s, F&& fn) {
    switch (s->kind) {
      case Kind::FunctionDef:
      case Kind::AsyncFunctionDef: fn(static_cast<const FunctionDefNode*>(s)->body); break;
      case Kind::ClassDef: fn(static_cast<const ClassDefNode*>(s)->body); break;
      case Kind::For:
      case Kind::AsyncFor: fn(static_cast<const ForNode*>(s)->body), fn(static_cast<const ForNode*>(s)->orelse); break;
      case Kind::While:
      case Kind::If: fn(static_cast<const WhileNode*>(s)->body), fn(static_cast<const WhileNode*>(s)->orelse); break;
      case Kind::With:
      case Kind::AsyncWith: fn(static_cast<const WithNode*>(s)->body); break;
      case Kind::Try:
      case Kind::TryStar: {
        auto* t = static_cast<const TryNode*>(s);
        fn(t->body), fn(t->orelse), fn(t->finalbody);
        for (const Node* h : t->handlers) fn(static_cast<const ExceptHandlerNode*>(h)->body);
        break;
      }
      case Kind::Match:
        for (const MatchCase* c : static_cast<const MatchNode*>(s)->cases) fn(c->body);
        break;
      default: break;
    }
  }

  void Def(std::string_view name, uint8_t flag, int line) {
    if (declared_.empty() || !declared_.count(name)) return;
    name = Mangle(name);
    uint8_t& f = cur_->flags[name];
    if (flag == kAnnot && (f & (kGlobal | kNonlocal)))
      Error(line, "annotated name '" + std::string(name) + "' can't be " + ((f & kGlobal) ? "global" : "nonlocal"));
    f |= flag;
  }

  // from __future__ imports: only at the start (after a docstring), known features.
  void Future(const NodeList& body) {
    bool start = true;
    for (size_t i = 0; i < body.n; ++i) {
      const Node* s = body[i];
      if (i == 0 && s->kind == Kind::Expr && static_cast<const ValueNode*>(s)->value->kind == Kind::Constant &&
          static_cast<const ConstantNode*>(static_cast<const ValueNode*>(s)->value)->ck == ConstKind::Str)
        continue;
      const bool future = s->kind == Kind::ImportFrom && static_cast<const ImportFromNode*>(s)->module == "__future__";
      if (!future) {
        start = false;
        continue;
      }
      if (!start) Error(s->pos.lineno, "from __future__ imports must occur at the beginning of the file");
      for (const Alias* a : static_cast<const ImportFromNode*>(s)->names) {
        static const char* kKnown[] = {"nested_scopes", "generators", "division", "absolute_import",
                                       "with_statement", "print_function", "unicode_literals",
                                       "barry_as_FLUFL", "generator_stop", "annotations"};
        bool known = false;
        for (const char* k : kKnown) known |= a->name == k;
        if (a->name == "braces") Error(s->pos.lineno, "not a chance");
        if (!known) Error(s->pos.lineno, "future feature " + std::string(a->name) + " is not defined");
      }
    }
  }

  void Stmts(const NodeList& l) {
    for (const Node* s : l) Stmt(s);
  }

  // A function or class body: a fresh loop / except* context.
  void Body(const NodeList& l) {
    const int loops = loops_, star = except_star_;
    loops_ = 0, except_star_ = 0;
    Stmts(l);
    loops_ = loops, except_star_ = star;
  }

  void Args(const Arguments* a) {
    if (!a) return;
    std::vector<std::string_view> seen;
    seen.reserve(a->posonlyargs.n + a->args.n + a->kwonlyargs.n + 2);
    auto one = [&](const Arg* x) {
      if (!x) return;
      for (std::string_view s : seen)
        if (s == x->arg) Error(x->pos.lineno, "duplicate argument '" + std::string(x->arg) + "' in function definition");
      seen.push_back(x->arg);
      Def(x->arg, kParam, x->pos.lineno);
    };
    for (const Arg* x : a->posonlyargs) one(x);
    for (const Arg* x : a->args) one(x);
    one(a->vararg);
    for (const Arg* x : a->kwonlyargs) one(x);
    one(a->kwarg);
  }

  // Defaults and annotations are evaluated in the enclosing scope.
  void ArgExprs(const Arguments* a) {
    if (!a) return;
    for (const Node* d : a->defaults) Expr(d);
    for (const Node* d : a->kw_defaults)
      if (d) Expr(d);
    auto ann = [&](const Arg* x) {
      if (x && x->annotation) Expr(x->annotation);
    };
    for (const Arg* x : a->posonlyargs) ann(x);
    for (const Arg* x : a->args) ann(x);
    ann(a->vararg);
    for (const Arg* x : a->kwonlyargs) ann(x);
    ann(a->kwarg);
  }

  void Declare(const GlobalNode* g, bool global) {
    const char* what = global ? "global" : "nonlocal";
    for (std::string_view name : g->names) {
      name = Mangle(name);
      uint8_t& f = cur_->flags[name];
      if (f & (kParam | kAssigned | kUsed | kAnnot)) {
        std::string n(name);
        if (f & kParam) Error(g->pos.lineno, "name '" + n + "' is parameter and " + what);
        if (f & kUsed) Error(g->pos.lineno, "name '" + n + "' is used prior to " + what + " declaration");
        if (f & kAnnot) Error(g->pos.lineno, "annotated name '" + n + "' can't be " + what);
        Error(g->pos.lineno, "name '" + n + "' is assigned to before " + what + " declaration");
      }
      f |= global ? kGlobal : kNonlocal;
      cur_->directive_line.try_emplace(name, g->pos.lineno);
      if (!global) cur_->nonlocals.emplace_back(name, g->pos.lineno);
    }
  }

  int depth_ = 0;

 public:
  int max_depth_ = 0;

 private:
  int depth_limit_ = RulesFor(v_).ast_depth_limit;
  struct Deeper {
    Checker* c;
    explicit Deeper(Checker* ch, const Node* n) : c(ch) {
      if (++c->depth_ > c->depth_limit_)
        throw Fail{{n->pos.lineno, "maximum recursion depth exceeded during ast construction", true}};
      if (c->depth_ > c->max_depth_) c->max_depth_ = c->depth_;
    }
    ~Deeper() { --c->depth_; }
  };

  void Stmt(const Node* s) {
    const int line = s->pos.lineno;
    Deeper deeper(this, s);
    switch (s->kind) {
      case Kind::FunctionDef:
      case Kind::AsyncFunctionDef: {
        auto* f = static_cast<const FunctionDefNode*>(s);
        for (const Node* d : f->decorator_list) Expr(d);
        ArgExprs(f->args);
        if (f->returns) Expr(f->returns);
        Def(f->name, kAssigned, line);
        Open(Scope::kFunction, s->kind == Kind::AsyncFunctionDef);
        Args(f->args);
        Body(f->body);
        Close();
        break;
      }
      case Kind::ClassDef: {
        auto* c = static_cast<const ClassDefNode*>(s);
        for (const Node* d : c->decorator_list) Expr(d);
        for (const Node* b : c->bases) Expr(b);
        for (const Keyword* k : c->keywords) Expr(k->value);
        Def(c->name, kAssigned, line);
        Open(Scope::kClass, false, c->name);
        Body(c->body);
        Close();
        break;
      }
      case Kind::Return:
        if (static_cast<const ValueNode*>(s)->value) Expr(static_cast<const ValueNode*>(s)->value);
        if (!InFunction()) Error(line, "'return' outside function");
        if (except_star_) Error(line, "'break', 'continue' and 'return' cannot appear in an except* block");
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
        Target(f->target);
        Expr(f->iter);
        if (s->kind == Kind::AsyncFor && !(cur_->kind == Scope::kFunction && cur_->async))
          Error(line, "'async for' outside async function");
        Loop(f->body);
        Stmts(f->orelse);
        break;
      }
      case Kind::While: {
        auto* w = static_cast<const WhileNode*>(s);
        Expr(w->test);
        Loop(w->body);
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
        for (const WithItem* i : w->items) {
          Expr(i->context_expr);
          if (i->optional_vars) Target(i->optional_vars);
        }
        if (s->kind == Kind::AsyncWith && !(cur_->kind == Scope::kFunction && cur_->async))
          Error(line, "'async with' outside async function");
        Stmts(w->body);
        break;
      }
      case Kind::Try:
      case Kind::TryStar: {
        // symtable.c's order: body, else, handlers, finally (3.13: handlers before else).
        auto* t = static_cast<const TryNode*>(s);
        const bool else_first = RulesFor(v_).symtable_try_else_first;
        Stmts(t->body);
        if (else_first) Stmts(t->orelse);
        for (size_t i = 0; i < t->handlers.n; ++i) {
          auto* h = static_cast<const ExceptHandlerNode*>(t->handlers[i]);
          Expr(h->type);
          if (h->name.data()) Def(h->name, kAssigned, h->pos.lineno);
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
        if (!else_first) Stmts(t->orelse);
        Stmts(t->finalbody);
        for (size_t i = 0; i + 1 < t->handlers.n; ++i) {
          auto* h = static_cast<const ExceptHandlerNode*>(t->handlers[i]);
          if (!h->type) Error(h->pos.lineno, "default 'except:' must be last");
        }
        break;
      }
      case Kind::Match: {
        auto* m = static_cast<const MatchNode*>(s);
        Expr(m->subject);
        for (size_t i = 0; i < m->cases.n; ++i) {
          const MatchCase* c = m->cases[i];
          Pattern(c->pattern);
          if (c->guard) Expr(c->guard);
          Stmts(c->body);
        }
        for (size_t i = 0; i + 1 < m->cases.n; ++i) {
          const MatchCase* c = m->cases[i];
          if (c->guard || !Irrefutable(c->pattern)) continue;
          const Node* p = c->pattern;
          while (p->kind == Kind::MatchOr) {
            auto* o = static_cast<const PatternsNode*>(p);
            p = o->patterns[o->patterns.n - 1];
          }
          while (p->kind == Kind::MatchAs && static_cast<const MatchAsNode*>(p)->pattern)
            p = static_cast<const MatchAsNode*>(p)->pattern;
          auto* a = static_cast<const MatchAsNode*>(p);
          if (a->name.data())
            Error(c->pattern->pos.lineno, "name capture '" + std::string(a->name) + "' makes remaining patterns unreachable");
          Error(c->pattern->pos.lineno, "wildcard makes remaining patterns unreachable");
        }
        break;
      }
      case Kind::Import:
        for (const Alias* a : static_cast<const ImportNode*>(s)->names) {
          std::string_view n = a->asname.data() ? a->asname : a->name.substr(0, a->name.find('.'));
          Def(n, kBound, line);
        }
        break;
      case Kind::ImportFrom:
        for (const Alias* a : static_cast<const ImportFromNode*>(s)->names) {
          if (a->name == "*") {
            if (cur_->kind != Scope::kModule) Error(line, "import * only allowed at module level");
            continue;
          }
          Def(a->asname.data() ? a->asname : a->name, kBound, line);
        }
        break;
      case Kind::Global:
        Declare(static_cast<const GlobalNode*>(s), true);
        break;
      case Kind::Nonlocal:
        if (cur_->kind == Scope::kModule) Error(line, "nonlocal declaration not allowed at module level");
        Declare(static_cast<const GlobalNode*>(s), false);
        break;
      case Kind::Expr:
      case Kind::Raise:
      case Kind::Assert:  // expressions only, in field order
        VisitChildren(s, [&](const Node* c) { Expr(c); });
        break;
      case Kind::Assign: {
        auto* a = static_cast<const AssignNode*>(s);
        for (const Node* t : a->targets) Target(t);
        Expr(a->value);
        break;
      }
      case Kind::AugAssign: {
        auto* a = static_cast<const AugAssignNode*>(s);
        Target(a->target), Expr(a->value);
        break;
      }
      case Kind::AnnAssign: {
        auto* a = static_cast<const AnnAssignNode*>(s);
        if (a->target->kind == Kind::Name && a->simple) {
          Def(static_cast<const NameNode*>(a->target)->id, kAnnot, line);
          if (a->value) Def(static_cast<const NameNode*>(a->target)->id, kAssigned, line);
        } else {
          Target(a->target);
        }
        Expr(a->annotation), Expr(a->value);
        break;
      }
      case Kind::Delete:
        for (const Node* t : static_cast<const TargetsNode*>(s)->targets) Target(t);
        break;
      case Kind::TypeAlias: {
        auto* t = static_cast<const TypeAliasNode*>(s);
        Target(t->name), Expr(t->value);
        break;
      }
      default: break;
    }
  }

  void Loop(const NodeList& body) {
    ++loops_;
    const int star = except_star_;
    except_star_ = 0;
    Stmts(body);
    except_star_ = star;
    --loops_;
  }

  // An assignment target: names bind, everything else is evaluated.
  void Target(const Node* t) {
    if (!t) return;
    switch (t->kind) {
      case Kind::Name: Def(static_cast<const NameNode*>(t)->id, kAssigned, t->pos.lineno); return;
      case Kind::Tuple:
      case Kind::List:
        for (const Node* e : static_cast<const EltsNode*>(t)->elts) Target(e);
        return;
      case Kind::Starred: Target(static_cast<const StarredNode*>(t)->value); return;
      default: Expr(t); return;
    }
  }

  void Pattern(const Node* p) {
    if (!p) return;
    switch (p->kind) {
      case Kind::MatchAs:
        if (static_cast<const MatchAsNode*>(p)->name.data()) Def(static_cast<const MatchAsNode*>(p)->name, kAssigned, p->pos.lineno);
        Pattern(static_cast<const MatchAsNode*>(p)->pattern);
        return;
      case Kind::MatchStar:
        if (static_cast<const MatchStarNode*>(p)->name.data())
          Def(static_cast<const MatchStarNode*>(p)->name, kAssigned, p->pos.lineno);
        return;
      case Kind::MatchMapping: {
        auto* m = static_cast<const MatchMappingNode*>(p);
        for (const Node* k : m->keys) Expr(k);
        for (const Node* c : m->patterns) Pattern(c);
        if (m->rest.data()) Def(m->rest, kAssigned, p->pos.lineno);
        return;
      }
      case Kind::MatchValue: Expr(static_cast<const MatchValueNode*>(p)->value); return;
      case Kind::MatchClass: {
        auto* m = static_cast<const MatchClassNode*>(p);
        Expr(m->cls);
        for (const Node* c : m->patterns) Pattern(c);
        for (const Node* c : m->kwd_patterns) Pattern(c);
        return;
      }
      case Kind::MatchSequence:
      case Kind::MatchOr:
        for (const Node* c : static_cast<const PatternsNode*>(p)->patterns) Pattern(c);
        return;
      default: return;
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

  void Comprehension(const CompNode* c) {
    // The first iterable belongs to the enclosing scope.
    InIterable(c->generators[0]->iter);
    ScopeInfo* scope = Open(Scope::kComprehension);
    scope->comp = c;
    for (uint32_t i = 0; i < c->generators.n; ++i) {
      const py::Comprehension* g = c->generators[i];
      if (g->is_async) scope->coroutine = true;
      CompTargets(g->target, scope);
      if (i) InIterable(g->iter);
      for (const Node* x : g->ifs) Expr(x);
    }
    Expr(c->elt), Expr(c->value);
    Close();
    if (scope->coroutine) {
      const Scope outer = cur_->kind;
      if (c->kind != Kind::GeneratorExp && !(outer == Scope::kFunction && cur_->async) && outer != Scope::kComprehension)
        Error(c->pos.lineno, "asynchronous comprehension outside of an asynchronous function");
      if (c->kind != Kind::GeneratorExp && outer == Scope::kComprehension) cur_->coroutine = true;
    }
  }

  void CompTargets(const Node* t, ScopeInfo* scope) {
    if (t->kind == Kind::Name) {
      scope->iter_vars.insert(v_ >= PyVersion::k313 ? Mangle(static_cast<const NameNode*>(t)->id)
                                                     : static_cast<const NameNode*>(t)->id);
      Def(static_cast<const NameNode*>(t)->id, kAssigned, t->pos.lineno);
    } else if (t->kind == Kind::Tuple || t->kind == Kind::List) {
      for (const Node* e : static_cast<const EltsNode*>(t)->elts) CompTargets(e, scope);
    } else if (t->kind == Kind::Starred) {
      CompTargets(static_cast<const StarredNode*>(t)->value, scope);
    } else {
      Expr(t);
    }
  }

  void InIterable(const Node* e) {
    ScopeInfo* s = cur_;
    ++s->comp_iter_expr;
    Expr(e);
    --s->comp_iter_expr;
  }

  // symtable_extend_namedexpr_scope: in a comprehension the target binds in the nearest
  // function (declared nonlocal, or global if the function has it global, in the
  // comprehension) or module. 3.11 and 3.12 look the function's name up unmangled.
  void NamedExpr(const NamedExprNode* n) {
    const std::string_view raw = static_cast<const NameNode*>(n->target)->id;
    Expr(n->value);
    if (cur_->comp_iter_expr > 0)
      Error(n->pos.lineno, "assignment expression cannot be used in a comprehension iterable expression");
    if (cur_->kind != Scope::kComprehension) {
      Def(raw, kAssigned, n->pos.lineno);
      return;
    }
    const std::string_view name = Mangle(raw);
    const std::string_view lookup = v_ >= PyVersion::k313 ? name : raw;
    ScopeInfo* comp = cur_;
    for (ScopeInfo* s = cur_; s; s = s->parent) {
      if (s->kind == Scope::kComprehension) {
        if (s->iter_vars.count(lookup))
          Error(n->pos.lineno, "assignment expression cannot rebind comprehension iteration variable '" + std::string(raw) + "'");
        continue;
      }
      if (s->kind == Scope::kClass)
        Error(n->pos.lineno, "assignment expression within a comprehension cannot be used in a class body");
      if (s->kind == Scope::kModule) {
        comp->flags[name] |= kGlobal;
        s->flags[name] |= kAssigned;
        return;
      }
      // A function or lambda.
      auto it = s->flags.find(lookup);
      const bool global = it != s->flags.end() && (it->second & kGlobal);
      comp->flags[name] |= global ? kGlobal : kNonlocal;
      comp->directive_line.try_emplace(name, n->pos.lineno);
      if (!global) comp->nonlocals.emplace_back(name, n->pos.lineno);
      s->flags[name] |= kAssigned;
      return;
    }
  }

  void Expr(const Node* e) {
    if (!e) return;
    Deeper deeper(this, e);
    switch (e->kind) {
      case Kind::Name: {
        auto* n = static_cast<const NameNode*>(e);
        Def(n->id, n->ctx == Ctx::Load ? kUsed : kAssigned, e->pos.lineno);
        return;
      }
      case Kind::Yield:
      case Kind::YieldFrom:
        if (cur_->kind == Scope::kComprehension)
          Error(e->pos.lineno, std::string("'yield' inside ") + CompName(cur_->comp->kind));
        if (cur_->kind == Scope::kModule || cur_->kind == Scope::kClass) Error(e->pos.lineno, "'yield' outside function");
        if (cur_->kind == Scope::kFunction && cur_->async && e->kind == Kind::YieldFrom)
          Error(e->pos.lineno, "'yield from' inside async function");
        break;
      case Kind::Await:
        if (cur_->kind == Scope::kComprehension) {
          cur_->coroutine = true;
          break;
        }
        if (cur_->kind == Scope::kModule || cur_->kind == Scope::kClass) Error(e->pos.lineno, "'await' outside function");
        if ((cur_->kind == Scope::kFunction && !cur_->async) || cur_->kind == Scope::kLambda)
          Error(e->pos.lineno, "'await' outside async function");
        break;
      case Kind::Lambda: {
        auto* l = static_cast<const LambdaNode*>(e);
        ArgExprs(l->args);
        Open(Scope::kLambda);
        Args(l->args);
        Expr(l->body);
        Close();
        return;
      }
      case Kind::ListComp:
      case Kind::SetComp:
      case Kind::DictComp:
      case Kind::GeneratorExp:
        Comprehension(static_cast<const CompNode*>(e));
        return;
      case Kind::NamedExpr:
        NamedExpr(static_cast<const NamedExprNode*>(e));
        return;
      default: break;
    }
    VisitChildren(e, [&](const Node* c) {
      if (IsExpr(c->kind) || c->kind == Kind::Keyword || c->kind == Kind::Comprehension || c->kind == Kind::Arguments ||
          c->kind == Kind::Arg)
        Expr(c);
    });
  }

  // symtable.c's analysis: a nonlocal name must be bound in an enclosing function scope.
  void CheckNonlocalBindings(ScopeInfo* s) {
    for (const auto& [name, f] : s->flags) {
      if ((f & kGlobal) && (f & kNonlocal))
        Error(s->directive_line[name], "name '" + std::string(name) + "' is nonlocal and global");
    }
    for (const auto& [name, line] : s->nonlocals) {
      bool bound = false;
      for (ScopeInfo* p = s->parent; p && p->kind != Scope::kModule; p = p->parent) {
        if (p->kind == Scope::kClass) {
          if (name == "__class__") bound = true;  // the implicit class cell
          if (bound) break;
          continue;
        }
        auto it = p->flags.find(name);
        if (it == p->flags.end()) continue;
        const uint8_t f = it->second;
        if (f & kGlobal) break;
        if (f & (kParam | kAssigned | kAnnot | kBound)) {
          bound = true;
          break;
        }
      }
      if (!bound) Error(line, "no binding for nonlocal '" + std::string(name) + "' found");
    }
    for (auto& c : s->children) CheckNonlocalBindings(c.get());
  }
};

}  // namespace

CompileError FindCompileError(const ModuleNode* module, PyVersion version, int* max_depth) {
  Checker checker(version);
  try {
    checker.Module(module);
  } catch (const Fail& f) {
    return f.e;
  }
  if (max_depth) *max_depth = checker.max_depth_;
  return {};
}

}  // namespace covalesce::native
