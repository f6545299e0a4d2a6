// The canonical text form of a tree, identical to what tests/python_ast/dump_ast.py prints
// for CPython's `ast`: one line per node or field, two spaces per level, `Type l:c-el:ec`
// for nodes that have positions, every field in `_fields` order for the chosen version,
// `[]`/`None` explicit, ints in decimal (hex beyond int64), floats as Python's repr, and
// strings quoted with every character outside printable ASCII escaped.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "covalesce/python_ast.h"
#include "covalesce/python_tokens.h"

namespace covalesce::py {
namespace {

// Python's repr() of a double; `complex_part` drops the ".0" as complex repr does.
std::string FloatRepr(double v, bool complex_part) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::isnan(v)) return "nan";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, r.ptr);
  std::string sign;
  if (s[0] == '-') sign = "-", s.erase(0, 1);
  size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  int exp = std::atoi(s.c_str() + e + 1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  int decpt = exp + 1;
  std::string out;
  if (digits == "0") {
    out = complex_part ? "0" : "0.0";
  } else if (decpt <= -4 || decpt > 16) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    out += eb;
  } else if (decpt <= 0) {
    out = "0." + std::string(size_t(-decpt), '0') + digits;
  } else if (size_t(decpt) >= digits.size()) {
    out = digits + std::string(size_t(decpt) - digits.size(), '0');
    if (!complex_part) out += ".0";
  } else {
    out = digits.substr(0, size_t(decpt)) + "." + digits.substr(size_t(decpt));
  }
  return sign + out;
}

std::string QuoteStr(std::string_view s) {
  std::string out = "'";
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  char buf[16];
  for (size_t i = 0; i < n;) {
    uint32_t cp = p[i];
    size_t len = 1;
    if (cp >= 0xF0 && i + 3 < n) {
      cp = ((p[i] & 7u) << 18) | ((p[i + 1] & 63u) << 12) | ((p[i + 2] & 63u) << 6) | (p[i + 3] & 63u);
      len = 4;
    } else if (cp >= 0xE0) {
      cp = ((p[i] & 15u) << 12) | ((p[i + 1] & 63u) << 6) | (p[i + 2] & 63u);
      len = 3;
    } else if (cp >= 0xC0) {
      cp = ((p[i] & 31u) << 6) | (p[i + 1] & 63u);
      len = 2;
    }
    i += len;
    if (cp >= 0x20 && cp <= 0x7E && cp != '\\' && cp != '\'') {
      out += char(cp);
    } else {
      if (cp < 0x100) std::snprintf(buf, sizeof buf, "\\x%02x", cp);
      else if (cp < 0x10000) std::snprintf(buf, sizeof buf, "\\u%04x", cp);
      else std::snprintf(buf, sizeof buf, "\\U%08x", cp);
      out += buf;
    }
  }
  return out + "'";
}

std::string QuoteBytes(std::string_view s) {
  std::string out = "b'";
  char buf[8];
  for (unsigned char c : s) {
    if (c >= 0x20 && c <= 0x7E && c != '\\' && c != '\'') {
      out += char(c);
    } else {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out + "'";
}

std::string ConstRepr(ConstKind ck) {
  switch (ck) {
    case ConstKind::None: return "None";
    case ConstKind::True: return "True";
    case ConstKind::False: return "False";
    case ConstKind::Ellipsis: return "...";
    default: return "?";
  }
}

class Dumper {
 public:
  Dumper(PyVersion v) : v_(v) {}
  std::string out;

  void Line(int depth, const std::string& prefix, const std::string& text) {
    out.append(size_t(depth) * 2, ' ');
    out += prefix;
    out += text;
    out += '\n';
  }
  std::string Ident(Ident s) { return s.data() ? QuoteStr(s) : "None"; }
  std::string Head(const Node* n) {
    std::string h = KindName(n->kind);
    if (HasPosition(n->kind)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, " %d:%d-%d:%d", n->pos.lineno, n->pos.col_offset, n->pos.end_lineno,
                    n->pos.end_col_offset);
      h += buf;
    }
    return h;
  }
  void Field(int d, const char* name, const std::string& scalar) { Line(d, std::string(name) + "=", scalar); }
  void Field(int d, const char* name, const Node* n) {
    if (!n) return Line(d, std::string(name) + "=", "None");
    Emit(d, std::string(name) + "=", n);
  }
  template <class T>
  void Field(int d, const char* name, const List<T*>& l) {
    if (l.empty()) return Line(d, std::string(name) + "=", "[]");
    Line(d, std::string(name) + "=", "[");
    for (const Node* n : l) {
      if (!n) Line(d + 1, "- ", "None");
      else Emit(d + 1, "- ", n);
    }
  }
  void Idents(int d, const char* name, const List<std::string_view>& l) {
    if (l.empty()) return Line(d, std::string(name) + "=", "[]");
    Line(d, std::string(name) + "=", "[");
    for (std::string_view s : l) Line(d + 1, "- ", QuoteStr(s));
  }
  const char* CtxName(Ctx c) { return c == Ctx::Load ? "Load" : c == Ctx::Store ? "Store" : "Del"; }

  void Emit(int d, const std::string& prefix, const Node* n) {
    Line(d, prefix, Head(n));
    int f = d + 1;
    bool tp = v_ >= PyVersion::k312;
    switch (n->kind) {
      case Kind::Module: {
        auto* m = static_cast<const ModuleNode*>(n);
        Field(f, "body", m->body);
        Field(f, "type_ignores", "[]");
        break;
      }
      case Kind::FunctionDef:
      case Kind::AsyncFunctionDef: {
        auto* x = static_cast<const FunctionDefNode*>(n);
        Field(f, "name", Ident(x->name));
        Field(f, "args", x->args);
        Field(f, "body", x->body);
        Field(f, "decorator_list", x->decorator_list);
        Field(f, "returns", x->returns);
        Field(f, "type_comment", "None");
        if (tp) Field(f, "type_params", x->type_params);
        break;
      }
      case Kind::ClassDef: {
        auto* x = static_cast<const ClassDefNode*>(n);
        Field(f, "name", Ident(x->name));
        Field(f, "bases", x->bases);
        Field(f, "keywords", x->keywords);
        Field(f, "body", x->body);
        Field(f, "decorator_list", x->decorator_list);
        if (tp) Field(f, "type_params", x->type_params);
        break;
      }
      case Kind::Return:
      case Kind::Expr:
      case Kind::Await:
      case Kind::Yield:
      case Kind::YieldFrom:
        Field(f, "value", static_cast<const ValueNode*>(n)->value);
        break;
      case Kind::Delete: Field(f, "targets", static_cast<const TargetsNode*>(n)->targets); break;
      case Kind::Assign: {
        auto* x = static_cast<const AssignNode*>(n);
        Field(f, "targets", x->targets);
        Field(f, "value", x->value);
        Field(f, "type_comment", "None");
        break;
      }
      case Kind::TypeAlias: {
        auto* x = static_cast<const TypeAliasNode*>(n);
        Field(f, "name", x->name);
        Field(f, "type_params", x->type_params);
        Field(f, "value", x->value);
        break;
      }
      case Kind::AugAssign: {
        auto* x = static_cast<const AugAssignNode*>(n);
        Field(f, "target", x->target);
        Field(f, "op", OpName(x->op));
        Field(f, "value", x->value);
        break;
      }
      case Kind::AnnAssign: {
        auto* x = static_cast<const AnnAssignNode*>(n);
        Field(f, "target", x->target);
        Field(f, "annotation", x->annotation);
        Field(f, "value", x->value);
        Field(f, "simple", x->simple ? "1" : "0");
        break;
      }
      case Kind::For:
      case Kind::AsyncFor: {
        auto* x = static_cast<const ForNode*>(n);
        Field(f, "target", x->target);
        Field(f, "iter", x->iter);
        Field(f, "body", x->body);
        Field(f, "orelse", x->orelse);
        Field(f, "type_comment", "None");
        break;
      }
      case Kind::While:
      case Kind::If: {
        auto* x = static_cast<const WhileNode*>(n);
        Field(f, "test", x->test);
        Field(f, "body", x->body);
        Field(f, "orelse", x->orelse);
        break;
      }
      case Kind::With:
      case Kind::AsyncWith: {
        auto* x = static_cast<const WithNode*>(n);
        Field(f, "items", x->items);
        Field(f, "body", x->body);
        Field(f, "type_comment", "None");
        break;
      }
      case Kind::Match: {
        auto* x = static_cast<const MatchNode*>(n);
        Field(f, "subject", x->subject);
        Field(f, "cases", x->cases);
        break;
      }
      case Kind::Raise: {
        auto* x = static_cast<const RaiseNode*>(n);
        Field(f, "exc", x->exc);
        Field(f, "cause", x->cause);
        break;
      }
      case Kind::Try:
      case Kind::TryStar: {
        auto* x = static_cast<const TryNode*>(n);
        Field(f, "body", x->body);
        Field(f, "handlers", x->handlers);
        Field(f, "orelse", x->orelse);
        Field(f, "finalbody", x->finalbody);
        break;
      }
      case Kind::Assert: {
        auto* x = static_cast<const AssertNode*>(n);
        Field(f, "test", x->test);
        Field(f, "msg", x->msg);
        break;
      }
      case Kind::Import: Field(f, "names", static_cast<const ImportNode*>(n)->names); break;
      case Kind::ImportFrom: {
        auto* x = static_cast<const ImportFromNode*>(n);
        Field(f, "module", Ident(x->module));
        Field(f, "names", x->names);
        Field(f, "level", std::to_string(x->level));
        break;
      }
      case Kind::Global:
      case Kind::Nonlocal: Idents(f, "names", static_cast<const GlobalNode*>(n)->names); break;
      case Kind::Pass:
      case Kind::Break:
      case Kind::Continue: break;
      case Kind::BoolOp: {
        auto* x = static_cast<const BoolOpNode*>(n);
        Field(f, "op", x->op == BoolOpKind::And ? "And" : "Or");
        Field(f, "values", x->values);
        break;
      }
      case Kind::NamedExpr: {
        auto* x = static_cast<const NamedExprNode*>(n);
        Field(f, "target", x->target);
        Field(f, "value", x->value);
        break;
      }
      case Kind::BinOp: {
        auto* x = static_cast<const BinOpNode*>(n);
        Field(f, "left", x->left);
        Field(f, "op", OpName(x->op));
        Field(f, "right", x->right);
        break;
      }
      case Kind::UnaryOp: {
        auto* x = static_cast<const UnaryOpNode*>(n);
        static const char* k[] = {"Invert", "Not", "UAdd", "USub"};
        Field(f, "op", k[size_t(x->op)]);
        Field(f, "operand", x->operand);
        break;
      }
      case Kind::Lambda: {
        auto* x = static_cast<const LambdaNode*>(n);
        Field(f, "args", x->args);
        Field(f, "body", x->body);
        break;
      }
      case Kind::IfExp: {
        auto* x = static_cast<const IfExpNode*>(n);
        Field(f, "test", x->test);
        Field(f, "body", x->body);
        Field(f, "orelse", x->orelse);
        break;
      }
      case Kind::Dict: {
        auto* x = static_cast<const DictNode*>(n);
        Field(f, "keys", x->keys);
        Field(f, "values", x->values);
        break;
      }
      case Kind::Set: Field(f, "elts", static_cast<const EltsNode*>(n)->elts); break;
      case Kind::List:
      case Kind::Tuple: {
        auto* x = static_cast<const EltsNode*>(n);
        Field(f, "elts", x->elts);
        Field(f, "ctx", CtxName(x->ctx));
        break;
      }
      case Kind::ListComp:
      case Kind::SetComp:
      case Kind::GeneratorExp: {
        auto* x = static_cast<const CompNode*>(n);
        Field(f, "elt", x->elt);
        Field(f, "generators", x->generators);
        break;
      }
      case Kind::DictComp: {
        auto* x = static_cast<const CompNode*>(n);
        Field(f, "key", x->elt);
        Field(f, "value", x->value);
        Field(f, "generators", x->generators);
        break;
      }
      case Kind::Compare: {
        auto* x = static_cast<const CompareNode*>(n);
        Field(f, "left", x->left);
        Line(f, "ops=", "[");
        for (CmpOp o : x->ops) Line(f + 1, "- ", CmpOpName(o));
        Field(f, "comparators", x->comparators);
        break;
      }
      case Kind::Call: {
        auto* x = static_cast<const CallNode*>(n);
        Field(f, "func", x->func);
        Field(f, "args", x->args);
        Field(f, "keywords", x->keywords);
        break;
      }
      case Kind::FormattedValue: {
        auto* x = static_cast<const FormattedValueNode*>(n);
        Field(f, "value", x->value);
        Field(f, "conversion", std::to_string(x->conversion));
        Field(f, "format_spec", x->format_spec);
        break;
      }
      case Kind::JoinedStr: Field(f, "values", static_cast<const JoinedStrNode*>(n)->values); break;
      case Kind::Constant: {
        auto* x = static_cast<const ConstantNode*>(n);
        std::string v;
        switch (x->ck) {
          case ConstKind::Int: v = x->big_int ? std::string(x->text) : std::to_string(x->ival); break;
          case ConstKind::Float: v = FloatRepr(x->fval, false); break;
          case ConstKind::Complex: v = FloatRepr(x->fval, true) + "j"; break;
          case ConstKind::Str: v = QuoteStr(x->text); break;
          case ConstKind::Bytes: v = QuoteBytes(x->text); break;
          default: v = ConstRepr(x->ck);
        }
        Field(f, "value", v);
        Field(f, "kind", x->u_prefix ? "'u'" : "None");
        break;
      }
      case Kind::Attribute: {
        auto* x = static_cast<const AttributeNode*>(n);
        Field(f, "value", x->value);
        Field(f, "attr", Ident(x->attr));
        Field(f, "ctx", CtxName(x->ctx));
        break;
      }
      case Kind::Subscript: {
        auto* x = static_cast<const SubscriptNode*>(n);
        Field(f, "value", x->value);
        Field(f, "slice", x->slice);
        Field(f, "ctx", CtxName(x->ctx));
        break;
      }
      case Kind::Starred: {
        auto* x = static_cast<const StarredNode*>(n);
        Field(f, "value", x->value);
        Field(f, "ctx", CtxName(x->ctx));
        break;
      }
      case Kind::Name: {
        auto* x = static_cast<const NameNode*>(n);
        Field(f, "id", Ident(x->id));
        Field(f, "ctx", CtxName(x->ctx));
        break;
      }
      case Kind::Slice: {
        auto* x = static_cast<const SliceNode*>(n);
        Field(f, "lower", x->lower);
        Field(f, "upper", x->upper);
        Field(f, "step", x->step);
        break;
      }
      case Kind::MatchValue: Field(f, "value", static_cast<const MatchValueNode*>(n)->value); break;
      case Kind::MatchSingleton: Field(f, "value", ConstRepr(static_cast<const MatchSingletonNode*>(n)->value)); break;
      case Kind::MatchSequence:
      case Kind::MatchOr: Field(f, "patterns", static_cast<const PatternsNode*>(n)->patterns); break;
      case Kind::MatchMapping: {
        auto* x = static_cast<const MatchMappingNode*>(n);
        Field(f, "keys", x->keys);
        Field(f, "patterns", x->patterns);
        Field(f, "rest", Ident(x->rest));
        break;
      }
      case Kind::MatchClass: {
        auto* x = static_cast<const MatchClassNode*>(n);
        Field(f, "cls", x->cls);
        Field(f, "patterns", x->patterns);
        Idents(f, "kwd_attrs", x->kwd_attrs);
        Field(f, "kwd_patterns", x->kwd_patterns);
        break;
      }
      case Kind::MatchStar: Field(f, "name", Ident(static_cast<const MatchStarNode*>(n)->name)); break;
      case Kind::MatchAs: {
        auto* x = static_cast<const MatchAsNode*>(n);
        Field(f, "pattern", x->pattern);
        Field(f, "name", Ident(x->name));
        break;
      }
      case Kind::TypeVar:
      case Kind::ParamSpec:
      case Kind::TypeVarTuple: {
        auto* x = static_cast<const TypeParamNode*>(n);
        Field(f, "name", Ident(x->name));
        if (n->kind == Kind::TypeVar) Field(f, "bound", x->bound);
        if (v_ >= PyVersion::k313) Field(f, "default_value", x->default_value);
        break;
      }
      case Kind::ExceptHandler: {
        auto* x = static_cast<const ExceptHandlerNode*>(n);
        Field(f, "type", x->type);
        Field(f, "name", Ident(x->name));
        Field(f, "body", x->body);
        break;
      }
      case Kind::Arguments: {
        auto* x = static_cast<const Arguments*>(n);
        Field(f, "posonlyargs", x->posonlyargs);
        Field(f, "args", x->args);
        Field(f, "vararg", x->vararg);
        Field(f, "kwonlyargs", x->kwonlyargs);
        Field(f, "kw_defaults", x->kw_defaults);
        Field(f, "kwarg", x->kwarg);
        Field(f, "defaults", x->defaults);
        break;
      }
      case Kind::Arg: {
        auto* x = static_cast<const Arg*>(n);
        Field(f, "arg", Ident(x->arg));
        Field(f, "annotation", x->annotation);
        Field(f, "type_comment", "None");
        break;
      }
      case Kind::Keyword: {
        auto* x = static_cast<const Keyword*>(n);
        Field(f, "arg", Ident(x->arg));
        Field(f, "value", x->value);
        break;
      }
      case Kind::Alias: {
        auto* x = static_cast<const Alias*>(n);
        Field(f, "name", Ident(x->name));
        Field(f, "asname", Ident(x->asname));
        break;
      }
      case Kind::WithItem: {
        auto* x = static_cast<const WithItem*>(n);
        Field(f, "context_expr", x->context_expr);
        Field(f, "optional_vars", x->optional_vars);
        break;
      }
      case Kind::MatchCase: {
        auto* x = static_cast<const MatchCase*>(n);
        Field(f, "pattern", x->pattern);
        Field(f, "guard", x->guard);
        Field(f, "body", x->body);
        break;
      }
      case Kind::Comprehension: {
        auto* x = static_cast<const Comprehension*>(n);
        Field(f, "target", x->target);
        Field(f, "iter", x->iter);
        Field(f, "ifs", x->ifs);
        Field(f, "is_async", x->is_async ? "1" : "0");
        break;
      }
    }
  }

 private:
  PyVersion v_;
};

}  // namespace

std::string DumpAst(const ModuleNode* module, PyVersion version) {
  Dumper d(version);
  d.out.reserve(1 << 16);
  d.Emit(0, "", module);
  return std::move(d.out);
}

std::string DumpOutcome(const ParseOutcome& outcome, PyVersion version) {
  if (outcome.failed) {
    int line = outcome.error.lineno;
    return "SyntaxError line " + (line < 0 ? std::string("None") : std::to_string(line)) + "\n";
  }
  if (!outcome.deep) return DumpAst(outcome.tree.module, version);
  std::string dump;  // the dump recurses as deep as the tree
  RunWithLargeStack([&] { dump = DumpAst(outcome.tree.module, version); });
  return dump;
}

}  // namespace covalesce::py
