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

// Calls fn for each direct child node of n, in CPython's field order (None children skipped).
// The template serves the hot walks (no std::function per call); ForEachChild wraps it.
template <class F>
void VisitChildren(const Node* n, F&& fn) {
  auto one = [&](const Node* c) {
    if (c) fn(c);
  };
  auto many = [&](const auto& list) {
    for (const Node* c : list) one(c);
  };
  switch (n->kind) {
    case Kind::Module: many(static_cast<const ModuleNode*>(n)->body); break;
    case Kind::FunctionDef:
    case Kind::AsyncFunctionDef: {
      auto* x = static_cast<const FunctionDefNode*>(n);
      one(x->args), many(x->body), many(x->decorator_list), one(x->returns), many(x->type_params);
      break;
    }
    case Kind::ClassDef: {
      auto* x = static_cast<const ClassDefNode*>(n);
      many(x->bases), many(x->keywords), many(x->body), many(x->decorator_list), many(x->type_params);
      break;
    }
    case Kind::Return: case Kind::Expr: case Kind::Await: case Kind::Yield: case Kind::YieldFrom:
      one(static_cast<const ValueNode*>(n)->value);
      break;
    case Kind::Delete: many(static_cast<const TargetsNode*>(n)->targets); break;
    case Kind::Assign: many(static_cast<const AssignNode*>(n)->targets), one(static_cast<const AssignNode*>(n)->value); break;
    case Kind::TypeAlias: {
      auto* x = static_cast<const TypeAliasNode*>(n);
      one(x->name), many(x->type_params), one(x->value);
      break;
    }
    case Kind::AugAssign: one(static_cast<const AugAssignNode*>(n)->target), one(static_cast<const AugAssignNode*>(n)->value); break;
    case Kind::AnnAssign: {
      auto* x = static_cast<const AnnAssignNode*>(n);
      one(x->target), one(x->annotation), one(x->value);
      break;
    }
    case Kind::For: case Kind::AsyncFor: {
      auto* x = static_cast<const ForNode*>(n);
      one(x->target), one(x->iter), many(x->body), many(x->orelse);
      break;
    }
    case Kind::While: case Kind::If: {
      auto* x = static_cast<const WhileNode*>(n);
      one(x->test), many(x->body), many(x->orelse);
      break;
    }
    case Kind::With: case Kind::AsyncWith: many(static_cast<const WithNode*>(n)->items), many(static_cast<const WithNode*>(n)->body); break;
    case Kind::Match: one(static_cast<const MatchNode*>(n)->subject), many(static_cast<const MatchNode*>(n)->cases); break;
    case Kind::Raise: one(static_cast<const RaiseNode*>(n)->exc), one(static_cast<const RaiseNode*>(n)->cause); break;
    case Kind::Try: case Kind::TryStar: {
      auto* x = static_cast<const TryNode*>(n);
      many(x->body), many(x->handlers), many(x->orelse), many(x->finalbody);
      break;
    }
    case Kind::Assert: one(static_cast<const AssertNode*>(n)->test), one(static_cast<const AssertNode*>(n)->msg); break;
    case Kind::Import: many(static_cast<const ImportNode*>(n)->names); break;
    case Kind::ImportFrom: many(static_cast<const ImportFromNode*>(n)->names); break;
    case Kind::BoolOp: many(static_cast<const BoolOpNode*>(n)->values); break;
    case Kind::NamedExpr: one(static_cast<const NamedExprNode*>(n)->target), one(static_cast<const NamedExprNode*>(n)->value); break;
    case Kind::BinOp: one(static_cast<const BinOpNode*>(n)->left), one(static_cast<const BinOpNode*>(n)->right); break;
    case Kind::UnaryOp: one(static_cast<const UnaryOpNode*>(n)->operand); break;
    case Kind::Lambda: one(static_cast<const LambdaNode*>(n)->args), one(static_cast<const LambdaNode*>(n)->body); break;
    case Kind::IfExp: {
      auto* x = static_cast<const IfExpNode*>(n);
      one(x->test), one(x->body), one(x->orelse);
      break;
    }
    case Kind::Dict: {
      auto* x = static_cast<const DictNode*>(n);
      for (uint32_t i = 0; i < x->values.n; ++i) one(x->keys[i]), one(x->values[i]);
      break;
    }
    case Kind::Set: case Kind::List: case Kind::Tuple: many(static_cast<const EltsNode*>(n)->elts); break;
    case Kind::ListComp: case Kind::SetComp: case Kind::GeneratorExp: case Kind::DictComp: {
      auto* x = static_cast<const CompNode*>(n);
      one(x->elt), one(x->value), many(x->generators);
      break;
    }
    case Kind::Compare: one(static_cast<const CompareNode*>(n)->left), many(static_cast<const CompareNode*>(n)->comparators); break;
    case Kind::Call: {
      auto* x = static_cast<const CallNode*>(n);
      one(x->func), many(x->args), many(x->keywords);
      break;
    }
    case Kind::FormattedValue: one(static_cast<const FormattedValueNode*>(n)->value), one(static_cast<const FormattedValueNode*>(n)->format_spec); break;
    case Kind::JoinedStr: many(static_cast<const JoinedStrNode*>(n)->values); break;
    case Kind::Attribute: one(static_cast<const AttributeNode*>(n)->value); break;
    case Kind::Subscript: one(static_cast<const SubscriptNode*>(n)->value), one(static_cast<const SubscriptNode*>(n)->slice); break;
    case Kind::Starred: one(static_cast<const StarredNode*>(n)->value); break;
    case Kind::Slice: {
      auto* x = static_cast<const SliceNode*>(n);
      one(x->lower), one(x->upper), one(x->step);
      break;
    }
    case Kind::MatchValue: one(static_cast<const MatchValueNode*>(n)->value); break;
    case Kind::MatchSequence: case Kind::MatchOr: many(static_cast<const PatternsNode*>(n)->patterns); break;
    case Kind::MatchMapping: many(static_cast<const MatchMappingNode*>(n)->keys), many(static_cast<const MatchMappingNode*>(n)->patterns); break;
    case Kind::MatchClass: {
      auto* x = static_cast<const MatchClassNode*>(n);
      one(x->cls), many(x->patterns), many(x->kwd_patterns);
      break;
    }
    case Kind::MatchAs: one(static_cast<const MatchAsNode*>(n)->pattern); break;
    case Kind::TypeVar: case Kind::ParamSpec: case Kind::TypeVarTuple:
      one(static_cast<const TypeParamNode*>(n)->bound), one(static_cast<const TypeParamNode*>(n)->default_value);
      break;
    case Kind::ExceptHandler: one(static_cast<const ExceptHandlerNode*>(n)->type), many(static_cast<const ExceptHandlerNode*>(n)->body); break;
    case Kind::Arguments: {
      auto* x = static_cast<const Arguments*>(n);
      many(x->posonlyargs), many(x->args), one(x->vararg), many(x->kwonlyargs), many(x->kw_defaults), one(x->kwarg), many(x->defaults);
      break;
    }
    case Kind::Arg: one(static_cast<const Arg*>(n)->annotation); break;
    case Kind::Keyword: one(static_cast<const Keyword*>(n)->value); break;
    case Kind::WithItem: one(static_cast<const WithItem*>(n)->context_expr), one(static_cast<const WithItem*>(n)->optional_vars); break;
    case Kind::MatchCase: {
      auto* x = static_cast<const MatchCase*>(n);
      one(x->pattern), one(x->guard), many(x->body);
      break;
    }
    case Kind::Comprehension: {
      auto* x = static_cast<const Comprehension*>(n);
      one(x->target), one(x->iter), many(x->ifs);
      break;
    }
    default: break;
  }
}

void ForEachChild(const Node* n, const std::function<void(const Node*)>& fn);

// The canonical text form shared with tests/python_ast/dump_ast.py.
std::string DumpAst(const ModuleNode* module, PyVersion version);
// The dump of a parse outcome: the tree, or "SyntaxError line N".
std::string DumpOutcome(const ParseOutcome& outcome, PyVersion version);

}  // namespace covalesce::py
