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

// The first byte run of a UTF-8 source that was not UTF-8 and lies outside every comment
// (CPython decodes each token's text, and skips a comment's), with the line CPython reports:
// in a string, its last line under 3.11 and its first from 3.12; none at all inside a 3.12+
// f-string, where the decoder's UnicodeDecodeError escapes without one; elsewhere the byte's.
static bool FindUndecodableToken(const DecodedSource& decoded, const TokenStream& ts, PyVersion version,
                                 SyntaxErrorInfo& err) {
  size_t k = 0;
  for (const DecodedSource::Undecodable& u : decoded.undecodable) {
    while (k < ts.tokens.size() && ts.tokens[k].end <= u.offset) ++k;
    const Token* tok = k < ts.tokens.size() && ts.tokens[k].start <= u.offset ? &ts.tokens[k] : nullptr;
    if (tok && tok->kind == Tok::Comment) continue;
    int line = u.line;
    if (tok && tok->kind == Tok::String) line = version >= PyVersion::k312 ? tok->lineno : tok->end_lineno;
    else if (tok && tok->kind == Tok::FStringMiddle) line = -1;
    err = {line, 0, "(unicode error) 'utf-8' codec can't decode byte"};
    return true;
  }
  return false;
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
  const bool tokenized = Tokenize(text, version, ts, out.error);
  if (!tokenized || !decoded.undecodable.empty()) {
    // Bytes that are not UTF-8 outside a comment: CPython's decode error, unless the
    // tokenizer already failed on an earlier line.
    SyntaxErrorInfo undecodable;
    if (FindUndecodableToken(decoded, ts, version, undecodable) &&
        (tokenized || out.error.lineno <= 0 || undecodable.lineno <= out.error.lineno)) {
      out.error = undecodable;
      out.failed = true;
      return out;
    }
  }
  if (!tokenized) {
    out.failed = true;
    return out;
  }
  Parser parser(text, ParserTokens(ts, out.deep), version, *arena);
  auto parse = [&] {
    try {
      out.tree.module = parser.ParseFile();
    } catch (const ParseFail& f) {
      out.failed = true;
      out.error = f.info;
    }
  };
  if (out.deep) RunWithLargeStack(parse);
  else parse();
  if (out.failed) return out;
  out.tree.arena = std::move(arena);
  return out;
}

}  // namespace covalesce::py

namespace covalesce::py {

void ForEachChild(const Node* n, const std::function<void(const Node*)>& fn) { VisitChildren(n, fn); }

}  // namespace covalesce::py
