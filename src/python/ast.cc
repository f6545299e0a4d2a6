// The AST's small runtime pieces: the arena, node-kind names and classes, version names, and
// ParseModule, the entry point that runs decoding, tokenizing and parsing in order.
#include <cstring>

#include "covalesce/python_ast.h"
#include "covalesce/python_tokens.h"
#include "parser.h"

namespace covalesce::py {

void* Arena::alloc_new_block(size_t size, size_t align) {
  size_t block = std::max<size_t>(size + align, 64 * 1024);
  blocks_.emplace_back(new char[block]);
  cur_ = blocks_.back().get();
  left_ = block;
  size_t pad = (align - (reinterpret_cast<uintptr_t>(cur_) & (align - 1))) & (align - 1);
  char* p = cur_ + pad;
  cur_ += pad + size;
  left_ -= pad + size;
  used_ += size;
  return p;
}

std::string_view Arena::copy(std::string_view s) {
  if (s.empty()) return std::string_view("", 0);
  char* p = static_cast<char*>(alloc(s.size(), 1));
  std::memcpy(p, s.data(), s.size());
  return std::string_view(p, s.size());
}

Result<PyVersion> ParsePyVersion(std::string_view text) {
  if (text.rfind("3.11", 0) == 0 && (text.size() == 4 || text[4] == '.')) return PyVersion::k311;
  if (text.rfind("3.12", 0) == 0 && (text.size() == 4 || text[4] == '.')) return PyVersion::k312;
  if (text.rfind("3.13", 0) == 0 && (text.size() == 4 || text[4] == '.')) return PyVersion::k313;
  return Error{"unsupported Python version '" + std::string(text) + "' (the parser models 3.11, 3.12 and 3.13)"};
}

const char* PyVersionName(PyVersion v) {
  switch (v) {
    case PyVersion::k311: return "3.11";
    case PyVersion::k312: return "3.12";
    case PyVersion::k313: return "3.13";
  }
  return "?";
}

const char* KindName(Kind k) {
  static const char* kNames[] = {
      "Module", "FunctionDef", "AsyncFunctionDef", "ClassDef", "Return", "Delete", "Assign",
      "TypeAlias", "AugAssign", "AnnAssign", "For", "AsyncFor", "While", "If", "With",
      "AsyncWith", "Match", "Raise", "Try", "TryStar", "Assert", "Import", "ImportFrom",
      "Global", "Nonlocal", "Expr", "Pass", "Break", "Continue", "BoolOp", "NamedExpr", "BinOp",
      "UnaryOp", "Lambda", "IfExp", "Dict", "Set", "ListComp", "SetComp", "DictComp",
      "GeneratorExp", "Await", "Yield", "YieldFrom", "Compare", "Call", "FormattedValue",
      "JoinedStr", "Constant", "Attribute", "Subscript", "Starred", "Name", "List", "Tuple",
      "Slice", "MatchValue", "MatchSingleton", "MatchSequence", "MatchMapping", "MatchClass",
      "MatchStar", "MatchAs", "MatchOr", "TypeVar", "ParamSpec", "TypeVarTuple", "ExceptHandler",
      "arguments", "arg", "keyword", "alias", "withitem", "match_case", "comprehension"};
  return kNames[size_t(k)];
}

bool IsStmt(Kind k) { return k >= Kind::FunctionDef && k <= Kind::Continue; }
bool IsExpr(Kind k) { return k >= Kind::BoolOp && k <= Kind::Slice; }
bool HasPosition(Kind k) {
  return k != Kind::Module && k != Kind::Arguments && k != Kind::WithItem && k != Kind::MatchCase &&
         k != Kind::Comprehension;
}

const char* OpName(Op o) {
  static const char* k[] = {"Add", "Sub", "Mult", "MatMult", "Div", "Mod", "Pow",
                            "LShift", "RShift", "BitOr", "BitXor", "BitAnd", "FloorDiv"};
  return k[size_t(o)];
}
const char* CmpOpName(CmpOp o) {
  static const char* k[] = {"Eq", "NotEq", "Lt", "LtE", "Gt", "GtE", "Is", "IsNot", "In", "NotIn"};
  return k[size_t(o)];
}

ParseOutcome ParseModule(std::string_view source, PyVersion version) {
  ParseOutcome out;
  DecodedSource decoded;
  if (!DecodeSource(source, version, decoded, out.error)) {
    out.failed = true;
    return out;
  }
  auto arena = std::make_unique<Arena>();
  std::string_view text = arena->copy(decoded.text);
  if (text.data() == nullptr) text = std::string_view("", 0);
  TokenStream ts;
  if (!Tokenize(text, version, ts, out.error)) {
    out.failed = true;
    return out;
  }
  std::vector<Token> toks;
  toks.reserve(ts.tokens.size());
  for (const Token& t : ts.tokens)
    if (t.kind != Tok::Comment && t.kind != Tok::NL) toks.push_back(t);
  Parser parser(text, std::move(toks), version, *arena);
  try {
    out.tree.module = parser.ParseFile();
  } catch (const ParseFail& f) {
    out.failed = true;
    out.error = f.info;
    return out;
  }
  out.tree.arena = std::move(arena);
  return out;
}

}  // namespace covalesce::py

namespace covalesce::py {

void ForEachChild(const Node* n, const std::function<void(const Node*)>& fn) {
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

}  // namespace covalesce::py
