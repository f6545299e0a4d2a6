// The Python abstract syntax tree covalesce analyses: the node types and fields of CPython's
// `ast` module (3.11, 3.12 and 3.13), with CPython's positions on every node that has them
// (lineno, col_offset, end_lineno, end_col_offset; columns in UTF-8 bytes). Statement lines,
// exclusions, the multi-line map and function/class regions are all computed from this tree,
// so positions must match `ast.parse` exactly; tests/python_ast checks that over the stdlib.
//
// Nodes live in an Arena owned by the Module result: plain structs, never destroyed one by one.
// A null pointer is Python's None; an identifier whose data() is null is None too.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "covalesce/result.h"

namespace covalesce::py {

// The Python whose grammar and AST shapes are modelled.
enum class PyVersion : uint8_t { k311 = 11, k312 = 12, k313 = 13 };
// "3.11" / "3.12" / "3.13" (a patch part such as "3.12.1" is accepted and ignored).
Result<PyVersion> ParsePyVersion(std::string_view text);
const char* PyVersionName(PyVersion v);

// A bump allocator for nodes, arrays and decoded strings.
class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  // The bump itself is inline (the parser allocates for every node and list); only starting a
  // new block is out of line.
  void* alloc(size_t size, size_t align = alignof(std::max_align_t)) {
    size_t pad = (align - (reinterpret_cast<uintptr_t>(cur_) & (align - 1))) & (align - 1);
    if (size + pad > left_) return alloc_new_block(size, align);
    char* p = cur_ + pad;
    cur_ += pad + size;
    left_ -= pad + size;
    used_ += size;
    return p;
  }
  template <class T>
  T* make() {
    return new (alloc(sizeof(T), alignof(T))) T();
  }
  std::string_view copy(std::string_view s);
  size_t bytes_used() const { return used_; }

 private:
  void* alloc_new_block(size_t size, size_t align);
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* cur_ = nullptr;
  size_t left_ = 0, used_ = 0;
};

// An arena array.
template <class T>
struct List {
  T* items = nullptr;
  uint32_t n = 0;
  T* begin() const { return items; }
  T* end() const { return items + n; }
  size_t size() const { return n; }
  bool empty() const { return n == 0; }
  T& operator[](size_t i) const { return items[i]; }
};

struct Pos {
  int32_t lineno = 0, col_offset = 0, end_lineno = 0, end_col_offset = 0;
};

enum class Kind : uint8_t {
  Module,
  // statements
  FunctionDef, AsyncFunctionDef, ClassDef, Return, Delete, Assign, TypeAlias, AugAssign,
  AnnAssign, For, AsyncFor, While, If, With, AsyncWith, Match, Raise, Try, TryStar, Assert,
  Import, ImportFrom, Global, Nonlocal, Expr, Pass, Break, Continue,
  // expressions
  BoolOp, NamedExpr, BinOp, UnaryOp, Lambda, IfExp, Dict, Set, ListComp, SetComp, DictComp,
  GeneratorExp, Await, Yield, YieldFrom, Compare, Call, FormattedValue, JoinedStr, Constant,
  Attribute, Subscript, Starred, Name, List, Tuple, Slice,
  // patterns
  MatchValue, MatchSingleton, MatchSequence, MatchMapping, MatchClass, MatchStar, MatchAs,
  MatchOr,
  // type parameters
  TypeVar, ParamSpec, TypeVarTuple,
  // helper nodes (no position in CPython, except these three: ExceptHandler, arg, keyword, alias)
  ExceptHandler, Arguments, Arg, Keyword, Alias, WithItem, MatchCase, Comprehension,
};
const char* KindName(Kind k);
bool IsStmt(Kind k);
bool IsExpr(Kind k);
bool HasPosition(Kind k);  // as CPython: not arguments, withitem, match_case, comprehension, Module

enum class Ctx : uint8_t { Load, Store, Del };
enum class Op : uint8_t { Add, Sub, Mult, MatMult, Div, Mod, Pow, LShift, RShift, BitOr, BitXor, BitAnd, FloorDiv };
enum class BoolOpKind : uint8_t { And, Or };
enum class UnaryOpKind : uint8_t { Invert, Not, UAdd, USub };
enum class CmpOp : uint8_t { Eq, NotEq, Lt, LtE, Gt, GtE, Is, IsNot, In, NotIn };
const char* OpName(Op o);
const char* CmpOpName(CmpOp o);

using Ident = std::string_view;  // data() == nullptr: None

struct Node {
  Kind kind;
  Pos pos;
};
using NodeList = List<Node*>;

struct Arguments;
struct Keyword;
struct Alias;
struct WithItem;
struct MatchCase;
struct Comprehension;

// ---- statements ----
struct FunctionDefNode : Node {  // FunctionDef and AsyncFunctionDef
  Ident name;
  Arguments* args = nullptr;
  NodeList body, decorator_list;
  Node* returns = nullptr;
  NodeList type_params;
};
struct ClassDefNode : Node {
  Ident name;
  NodeList bases;
  List<Keyword*> keywords;
  NodeList body, decorator_list, type_params;
};
struct ValueNode : Node {  // Return, Expr, Await, Yield, YieldFrom (value may be null)
  Node* value = nullptr;
};
struct TargetsNode : Node {  // Delete
  NodeList targets;
};
struct AssignNode : Node {
  NodeList targets;
  Node* value = nullptr;
};
struct TypeAliasNode : Node {
  Node* name = nullptr;
  NodeList type_params;
  Node* value = nullptr;
};
struct AugAssignNode : Node {
  Node* target = nullptr;
  Op op;
  Node* value = nullptr;
};
struct AnnAssignNode : Node {
  Node *target = nullptr, *annotation = nullptr, *value = nullptr;
  bool simple = false;
};
struct ForNode : Node {  // For and AsyncFor
  Node *target = nullptr, *iter = nullptr;
  NodeList body, orelse;
};
struct WhileNode : Node {  // While and If
  Node* test = nullptr;
  NodeList body, orelse;
};
using IfNode = WhileNode;
struct WithNode : Node {  // With and AsyncWith
  List<WithItem*> items;
  NodeList body;
};
struct MatchNode : Node {
  Node* subject = nullptr;
  List<MatchCase*> cases;
};
struct RaiseNode : Node {
  Node *exc = nullptr, *cause = nullptr;
};
struct TryNode : Node {  // Try and TryStar
  NodeList body, handlers, orelse, finalbody;
};
struct AssertNode : Node {
  Node *test = nullptr, *msg = nullptr;
};
struct ImportNode : Node {
  List<Alias*> names;
};
struct ImportFromNode : Node {
  Ident module;
  List<Alias*> names;
  int level = 0;
};
struct GlobalNode : Node {  // Global and Nonlocal
  List<Ident> names;
};

// ---- expressions ----
struct BoolOpNode : Node {
  BoolOpKind op;
  NodeList values;
};
struct NamedExprNode : Node {
  Node *target = nullptr, *value = nullptr;
};
struct BinOpNode : Node {
  Node* left = nullptr;
  Op op;
  Node* right = nullptr;
};
struct UnaryOpNode : Node {
  UnaryOpKind op;
  Node* operand = nullptr;
};
struct LambdaNode : Node {
  Arguments* args = nullptr;
  Node* body = nullptr;
};
struct IfExpNode : Node {
  Node *test = nullptr, *body = nullptr, *orelse = nullptr;
};
struct DictNode : Node {
  NodeList keys, values;  // a null key is `**mapping`
};
struct EltsNode : Node {  // Set, List, Tuple
  NodeList elts;
  Ctx ctx = Ctx::Load;
};
struct CompNode : Node {  // ListComp, SetComp, GeneratorExp, DictComp (elt is the key)
  Node* elt = nullptr;
  Node* value = nullptr;  // DictComp only
  List<Comprehension*> generators;
};
struct CompareNode : Node {
  Node* left = nullptr;
  List<CmpOp> ops;
  NodeList comparators;
};
struct CallNode : Node {
  Node* func = nullptr;
  NodeList args;
  List<Keyword*> keywords;
};
struct FormattedValueNode : Node {
  Node* value = nullptr;
  int conversion = -1;
  Node* format_spec = nullptr;
};
struct JoinedStrNode : Node {
  NodeList values;
};
enum class ConstKind : uint8_t { None, True, False, Ellipsis, Int, Float, Complex, Str, Bytes };
struct ConstantNode : Node {
  ConstKind ck = ConstKind::None;
  bool u_prefix = false;   // kind='u'
  bool big_int = false;    // the int did not fit int64: `text` holds it in hex ("0x...")
  int64_t ival = 0;
  double fval = 0;         // Float value, or Complex imaginary part
  std::string_view text;   // Str: UTF-8 (lone surrogates as 3-byte sequences); Bytes: raw
};
struct AttributeNode : Node {
  Node* value = nullptr;
  Ident attr;
  Ctx ctx = Ctx::Load;
};
struct SubscriptNode : Node {
  Node *value = nullptr, *slice = nullptr;
  Ctx ctx = Ctx::Load;
};
struct StarredNode : Node {
  Node* value = nullptr;
  Ctx ctx = Ctx::Load;
};
struct NameNode : Node {
  Ident id;
  Ctx ctx = Ctx::Load;
};
struct SliceNode : Node {
  Node *lower = nullptr, *upper = nullptr, *step = nullptr;
};

// ---- patterns ----
struct MatchValueNode : Node {
  Node* value = nullptr;
};
struct MatchSingletonNode : Node {
  ConstKind value = ConstKind::None;
};
struct PatternsNode : Node {  // MatchSequence, MatchOr
  NodeList patterns;
};
struct MatchMappingNode : Node {
  NodeList keys, patterns;
  Ident rest;
};
struct MatchClassNode : Node {
  Node* cls = nullptr;
  NodeList patterns;
  List<Ident> kwd_attrs;
  NodeList kwd_patterns;
};
struct MatchStarNode : Node {
  Ident name;
};
struct MatchAsNode : Node {
  Node* pattern = nullptr;
  Ident name;
};

// ---- type parameters ----
struct TypeParamNode : Node {  // TypeVar (bound), ParamSpec, TypeVarTuple
  Ident name;
  Node* bound = nullptr;
  Node* default_value = nullptr;
};

// ---- helpers ----
struct ExceptHandlerNode : Node {
  Node* type = nullptr;
  Ident name;
  NodeList body;
};
struct Arg : Node {
  Ident arg;
  Node* annotation = nullptr;
};
struct Arguments : Node {
  List<Arg*> posonlyargs, args;
  Arg* vararg = nullptr;
  List<Arg*> kwonlyargs;
  NodeList kw_defaults;  // null entries: no default
  Arg* kwarg = nullptr;
  NodeList defaults;
};
struct Keyword : Node {
  Ident arg;  // None for **kwargs
  Node* value = nullptr;
};
struct Alias : Node {
  Ident name, asname;
};
struct WithItem : Node {
  Node *context_expr = nullptr, *optional_vars = nullptr;
};
struct MatchCase : Node {
  Node *pattern = nullptr, *guard = nullptr;
  NodeList body;
};
struct Comprehension : Node {
  Node *target = nullptr, *iter = nullptr;
  NodeList ifs;
  bool is_async = false;
};

struct ModuleNode : Node {
  NodeList body;
};

// A parsed file: the tree and the arena that holds it.
struct ParsedModule {
  std::unique_ptr<Arena> arena;
  ModuleNode* module = nullptr;
};

// A syntax error as CPython reports it: the line (SyntaxError.lineno) and a message.
struct SyntaxErrorInfo {
  int lineno = 0;
  int col = 0;
  std::string message;
};

struct ParseOutcome {
  ParsedModule tree;           // valid when !error
  bool failed = false;
  SyntaxErrorInfo error;
  bool deep = false;           // the tree may be too deep to walk on a pool thread's stack
};

// Decodes (BOM, PEP 263 cookie), tokenizes and parses `source` (raw file bytes) as `version`.
ParseOutcome ParseModule(std::string_view source, PyVersion version);

// Two fields every CPython tree has and covalesce never stores: `type_comment` (always None, as
// ast.parse is called without type_comments) and Module's `type_ignores` (always []).
struct NoneField {};
struct EmptyListField {};

template <class T>
const T* As(const Node* n) { return static_cast<const T*>(n); }

// The one table of the tree's fields: calls fn(name, value) for every field of n in the
// `_fields` order of CPython `version`. A value is a node pointer (null: None), a List of node
// pointers, an Ident, a List<Ident>, an Op/BoolOpKind/UnaryOpKind/Ctx/ConstKind, a List<CmpOp>,
// an int (AnnAssign.simple and comprehension.is_async are ints in CPython too), the ConstantNode
// itself for Constant.value, or a NoneField/EmptyListField. DumpAst prints every field; VisitChildren keeps
// the nodes. One line per node kind, so a field is added in one place.
template <class F>
void ForEachField(const Node* n, PyVersion version, F&& fn) {
  const bool k312 = version >= PyVersion::k312, k313 = version >= PyVersion::k313;
  switch (n->kind) {
    case Kind::Module: fn("body", As<ModuleNode>(n)->body), fn("type_ignores", EmptyListField{}); break;
    case Kind::FunctionDef:
    case Kind::AsyncFunctionDef:
      if (auto* x = As<FunctionDefNode>(n)) {
        fn("name", x->name), fn("args", x->args), fn("body", x->body), fn("decorator_list", x->decorator_list);
        fn("returns", x->returns), fn("type_comment", NoneField{});
        if (k312) fn("type_params", x->type_params);
      }
      break;
    case Kind::ClassDef:
      if (auto* x = As<ClassDefNode>(n)) {
        fn("name", x->name), fn("bases", x->bases), fn("keywords", x->keywords), fn("body", x->body);
        fn("decorator_list", x->decorator_list);
        if (k312) fn("type_params", x->type_params);
      }
      break;
    case Kind::Return: case Kind::Expr: case Kind::Await: case Kind::Yield: case Kind::YieldFrom:
      fn("value", As<ValueNode>(n)->value);
      break;
    case Kind::Delete: fn("targets", As<TargetsNode>(n)->targets); break;
    case Kind::Assign: if (auto* x = As<AssignNode>(n)) fn("targets", x->targets), fn("value", x->value), fn("type_comment", NoneField{}); break;
    case Kind::TypeAlias: if (auto* x = As<TypeAliasNode>(n)) fn("name", x->name), fn("type_params", x->type_params), fn("value", x->value); break;
    case Kind::AugAssign: if (auto* x = As<AugAssignNode>(n)) fn("target", x->target), fn("op", x->op), fn("value", x->value); break;
    case Kind::AnnAssign:
      if (auto* x = As<AnnAssignNode>(n)) fn("target", x->target), fn("annotation", x->annotation), fn("value", x->value), fn("simple", int(x->simple));
      break;
    case Kind::For: case Kind::AsyncFor:
      if (auto* x = As<ForNode>(n)) fn("target", x->target), fn("iter", x->iter), fn("body", x->body), fn("orelse", x->orelse), fn("type_comment", NoneField{});
      break;
    case Kind::While: case Kind::If: if (auto* x = As<WhileNode>(n)) fn("test", x->test), fn("body", x->body), fn("orelse", x->orelse); break;
    case Kind::With: case Kind::AsyncWith: if (auto* x = As<WithNode>(n)) fn("items", x->items), fn("body", x->body), fn("type_comment", NoneField{}); break;
    case Kind::Match: fn("subject", As<MatchNode>(n)->subject), fn("cases", As<MatchNode>(n)->cases); break;
    case Kind::Raise: fn("exc", As<RaiseNode>(n)->exc), fn("cause", As<RaiseNode>(n)->cause); break;
    case Kind::Try: case Kind::TryStar:
      if (auto* x = As<TryNode>(n)) fn("body", x->body), fn("handlers", x->handlers), fn("orelse", x->orelse), fn("finalbody", x->finalbody);
      break;
    case Kind::Assert: fn("test", As<AssertNode>(n)->test), fn("msg", As<AssertNode>(n)->msg); break;
    case Kind::Import: fn("names", As<ImportNode>(n)->names); break;
    case Kind::ImportFrom: if (auto* x = As<ImportFromNode>(n)) fn("module", x->module), fn("names", x->names), fn("level", x->level); break;
    case Kind::Global: case Kind::Nonlocal: fn("names", As<GlobalNode>(n)->names); break;
    case Kind::Pass: case Kind::Break: case Kind::Continue: break;
    case Kind::BoolOp: fn("op", As<BoolOpNode>(n)->op), fn("values", As<BoolOpNode>(n)->values); break;
    case Kind::NamedExpr: fn("target", As<NamedExprNode>(n)->target), fn("value", As<NamedExprNode>(n)->value); break;
    case Kind::BinOp: if (auto* x = As<BinOpNode>(n)) fn("left", x->left), fn("op", x->op), fn("right", x->right); break;
    case Kind::UnaryOp: fn("op", As<UnaryOpNode>(n)->op), fn("operand", As<UnaryOpNode>(n)->operand); break;
    case Kind::Lambda: fn("args", As<LambdaNode>(n)->args), fn("body", As<LambdaNode>(n)->body); break;
    case Kind::IfExp: if (auto* x = As<IfExpNode>(n)) fn("test", x->test), fn("body", x->body), fn("orelse", x->orelse); break;
    case Kind::Dict: fn("keys", As<DictNode>(n)->keys), fn("values", As<DictNode>(n)->values); break;
    case Kind::Set: fn("elts", As<EltsNode>(n)->elts); break;
    case Kind::List: case Kind::Tuple: fn("elts", As<EltsNode>(n)->elts), fn("ctx", As<EltsNode>(n)->ctx); break;
    case Kind::ListComp: case Kind::SetComp: case Kind::GeneratorExp:
      fn("elt", As<CompNode>(n)->elt), fn("generators", As<CompNode>(n)->generators);
      break;
    case Kind::DictComp: if (auto* x = As<CompNode>(n)) fn("key", x->elt), fn("value", x->value), fn("generators", x->generators); break;
    case Kind::Compare: if (auto* x = As<CompareNode>(n)) fn("left", x->left), fn("ops", x->ops), fn("comparators", x->comparators); break;
    case Kind::Call: if (auto* x = As<CallNode>(n)) fn("func", x->func), fn("args", x->args), fn("keywords", x->keywords); break;
    case Kind::FormattedValue:
      if (auto* x = As<FormattedValueNode>(n)) fn("value", x->value), fn("conversion", x->conversion), fn("format_spec", x->format_spec);
      break;
    case Kind::JoinedStr: fn("values", As<JoinedStrNode>(n)->values); break;
    // kind is the str 'u' for a u"" literal, else None.
    case Kind::Constant: fn("value", *As<ConstantNode>(n)), fn("kind", As<ConstantNode>(n)->u_prefix ? Ident("u") : Ident()); break;
    case Kind::Attribute: if (auto* x = As<AttributeNode>(n)) fn("value", x->value), fn("attr", x->attr), fn("ctx", x->ctx); break;
    case Kind::Subscript: if (auto* x = As<SubscriptNode>(n)) fn("value", x->value), fn("slice", x->slice), fn("ctx", x->ctx); break;
    case Kind::Starred: fn("value", As<StarredNode>(n)->value), fn("ctx", As<StarredNode>(n)->ctx); break;
    case Kind::Name: fn("id", As<NameNode>(n)->id), fn("ctx", As<NameNode>(n)->ctx); break;
    case Kind::Slice: if (auto* x = As<SliceNode>(n)) fn("lower", x->lower), fn("upper", x->upper), fn("step", x->step); break;
    case Kind::MatchValue: fn("value", As<MatchValueNode>(n)->value); break;
    case Kind::MatchSingleton: fn("value", As<MatchSingletonNode>(n)->value); break;
    case Kind::MatchSequence: case Kind::MatchOr: fn("patterns", As<PatternsNode>(n)->patterns); break;
    case Kind::MatchMapping: if (auto* x = As<MatchMappingNode>(n)) fn("keys", x->keys), fn("patterns", x->patterns), fn("rest", x->rest); break;
    case Kind::MatchClass:
      if (auto* x = As<MatchClassNode>(n)) fn("cls", x->cls), fn("patterns", x->patterns), fn("kwd_attrs", x->kwd_attrs), fn("kwd_patterns", x->kwd_patterns);
      break;
    case Kind::MatchStar: fn("name", As<MatchStarNode>(n)->name); break;
    case Kind::MatchAs: fn("pattern", As<MatchAsNode>(n)->pattern), fn("name", As<MatchAsNode>(n)->name); break;
    case Kind::TypeVar: case Kind::ParamSpec: case Kind::TypeVarTuple:
      if (auto* x = As<TypeParamNode>(n)) {
        fn("name", x->name);
        if (n->kind == Kind::TypeVar) fn("bound", x->bound);
        if (k313) fn("default_value", x->default_value);
      }
      break;
    case Kind::ExceptHandler: if (auto* x = As<ExceptHandlerNode>(n)) fn("type", x->type), fn("name", x->name), fn("body", x->body); break;
    case Kind::Arguments:
      if (auto* x = As<Arguments>(n)) {
        fn("posonlyargs", x->posonlyargs), fn("args", x->args), fn("vararg", x->vararg), fn("kwonlyargs", x->kwonlyargs);
        fn("kw_defaults", x->kw_defaults), fn("kwarg", x->kwarg), fn("defaults", x->defaults);
      }
      break;
    case Kind::Arg: if (auto* x = As<Arg>(n)) fn("arg", x->arg), fn("annotation", x->annotation), fn("type_comment", NoneField{}); break;
    case Kind::Keyword: fn("arg", As<Keyword>(n)->arg), fn("value", As<Keyword>(n)->value); break;
    case Kind::Alias: fn("name", As<Alias>(n)->name), fn("asname", As<Alias>(n)->asname); break;
    case Kind::WithItem: fn("context_expr", As<WithItem>(n)->context_expr), fn("optional_vars", As<WithItem>(n)->optional_vars); break;
    case Kind::MatchCase: if (auto* x = As<MatchCase>(n)) fn("pattern", x->pattern), fn("guard", x->guard), fn("body", x->body); break;
    case Kind::Comprehension:
      if (auto* x = As<Comprehension>(n)) fn("target", x->target), fn("iter", x->iter), fn("ifs", x->ifs), fn("is_async", int(x->is_async));
      break;
  }
}

template <class T>
struct IsNodeListT : std::false_type {};
template <class T>
struct IsNodeListT<List<T*>> : std::is_base_of<Node, T> {};

// Calls fn for each direct child node of n, in CPython's field order (None children skipped),
// except Dict, whose keys and values are visited pairwise, in evaluation order. The template
// serves the hot walks (no std::function per call); ForEachChild wraps it.
template <class F>
void VisitChildren(const Node* n, F&& fn) {
  if (n->kind == Kind::Dict) {
    auto* x = As<DictNode>(n);
    for (uint32_t i = 0; i < x->values.n; ++i) {
      if (x->keys[i]) fn(x->keys[i]);
      if (x->values[i]) fn(x->values[i]);
    }
    return;
  }
  ForEachField(n, PyVersion::k313, [&](const char*, const auto& value) {
    using V = std::decay_t<decltype(value)>;
    if constexpr (std::is_pointer_v<V>) {
      if (value) fn(value);
    } else if constexpr (IsNodeListT<V>::value) {
      for (const Node* c : value)
        if (c) fn(c);
    }
  });
}

void ForEachChild(const Node* n, const std::function<void(const Node*)>& fn);

// The canonical text form shared with tests/python_ast/dump_ast.py.
std::string DumpAst(const ModuleNode* module, PyVersion version);
// The dump of a parse outcome: the tree, or "SyntaxError line N".
std::string DumpOutcome(const ParseOutcome& outcome, PyVersion version);

}  // namespace covalesce::py
