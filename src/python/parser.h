// The recursive-descent parser's internal interface, shared by its source files:
// parser_stmt.cc (statements, blocks, definitions), parser_expr.cc (the Pratt expression loop,
// atoms, calls, comprehensions, targets), parser_pattern.cc (match patterns) and strings.cc
// (string/bytes/number literals and f-strings). Node positions follow CPython's rule: a node
// spans the first to the last token its grammar rule consumed (NEWLINE/INDENT/DEDENT never
// count as last), except a parenthesised expression, which keeps its inner position.
#pragma once
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "covalesce/python_ast.h"
#include "covalesce/python_tokens.h"

namespace covalesce::py {

// A list built while parsing one rule, then copied to the arena with ToList: its first N
// elements live inline, so the usual short list (call arguments, comparison operands) costs no
// heap allocation. For trivially copyable T (pointers, enums) only.
template <class T, size_t N = 8>
class LocalList {
 public:
  LocalList() = default;
  explicit LocalList(T first) { push_back(first); }  // a list that starts with `first`
  LocalList(const LocalList&) = delete;
  LocalList& operator=(const LocalList&) = delete;
  ~LocalList() {
    if (data_ != inline_) delete[] data_;
  }
  void push_back(T v) {
    if (size_ == cap_) Grow();
    data_[size_++] = v;
  }
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  const T& operator[](size_t i) const { return data_[i]; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

 private:
  void Grow() {
    T* bigger = new T[cap_ * 2];
    std::copy(data_, data_ + size_, bigger);
    if (data_ != inline_) delete[] data_;
    data_ = bigger;
    cap_ *= 2;
  }
  T inline_[N];
  T* data_ = inline_;
  size_t size_ = 0, cap_ = N;
};

// One part of a string group: literal text (merged later) or a FormattedValue.
struct StrPiece {
  bool literal = true;
  std::string text;
  Pos pos;
  Node* node = nullptr;
};

struct ParseFail {
  SyntaxErrorInfo info;
};

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> toks, PyVersion v, Arena& arena)
      : src_(text), toks_(std::move(toks)), last_(toks_.empty() ? 0 : toks_.size() - 1), v_(v), a_(arena) {}
  ModuleNode* ParseFile();

  // ---- tokens ----
  // Past the end it is the last token (the EndMarker). `last_` is kept, not recomputed: a
  // vector's size() of 28-byte tokens is a division, and the parser peeks ~20M times a stdlib.
  const Token& T(size_t k = 0) const { return toks_[std::min(p_ + k, last_)]; }
  Tok K(size_t k = 0) const { return T(k).kind; }
  bool At(Tok t) const { return K() == t; }
  bool AtKw(Kw k) const { return K() == Tok::Name && T().kw == k; }
  bool AtName() const { return K() == Tok::Name && !IsHardKeyword(T().kw); }
  bool Eat(Tok t) {
    if (!At(t)) return false;
    ++p_;
    return true;
  }
  bool EatKw(Kw k) {
    if (!AtKw(k)) return false;
    ++p_;
    return true;
  }
  const Token& Expect(Tok t);
  void ExpectKw(Kw k);
  std::string_view Text(const Token& t) const { return src_.substr(t.start, t.end - t.start); }
  Ident ExpectName();
  Ident NameText(const Token& t);  // NFKC-normalised when non-ASCII
  [[noreturn]] void Fail(int line, const std::string& msg, int col = 0) const;
  [[noreturn]] void FailHere(const std::string& msg = "invalid syntax") const;

  // ---- nodes ----
  Pos Span(size_t start) const;  // from token `start` to the last token consumed
  template <class N>
  N* Make(Kind k, size_t start) {
    N* n = a_.make<N>();
    n->kind = k;
    n->pos = Span(start);
    return n;
  }
  // A node made before its rule has consumed its tokens: Finish gives it its position once the
  // rule has (from token `start` to the last token consumed) and returns it.
  template <class N>
  N* New(Kind k) {
    N* n = a_.make<N>();
    n->kind = k;
    return n;
  }
  template <class N>
  N* Finish(N* n, size_t start) {
    n->pos = Span(start);
    return n;
  }
  // The nodes more than one rule builds, their parts parsed already; each spans from `start`.
  Node* MakeAttribute(Node* value, Ident attr, size_t start);  // value.attr
  Node* MakeBinOp(Node* left, Op op, Node* right, size_t start);
  Node* MakeStarred(Node* value, size_t start);  // *value
  Node* MakeElts(Kind k, List<Node*> elts, size_t start);  // a Tuple, List or Set
  Node* MakePatterns(Kind k, NodeList patterns, size_t start);          // a MatchSequence or MatchOr
  template <class N>
  N* MakeAt(Kind k, Pos pos) {
    N* n = a_.make<N>();
    n->kind = k;
    n->pos = pos;
    return n;
  }
  template <class X>
  List<X> ToList(const std::vector<X>& v) {
    return ToListOf<X>(v);
  }
  template <class X, size_t N>
  List<X> ToList(const LocalList<X, N>& v) {
    return ToListOf<X>(v);
  }
  // v[from, to) (to: npos for the end).
  template <class X, class V>
  List<X> ToListOf(const V& v, size_t from = 0, size_t to = size_t(-1)) {
    to = std::min(to, v.size());
    List<X> l;
    l.n = uint32_t(to - from);
    if (l.n) {
      l.items = static_cast<X*>(a_.alloc(sizeof(X) * l.n, alignof(X)));
      for (size_t i = 0; i < l.n; ++i) l.items[i] = v[from + i];
    }
    return l;
  }
  bool AtLeast(PyVersion v) const { return v_ >= v; }

  // ---- statements (parser_stmt.cc) ----
  // A block's statements: most blocks are short enough for LocalList's inline part.
  using StmtList = LocalList<Node*, 16>;
  void Statement(StmtList& out);
  void SimpleStmts(StmtList& out);
  Node* SimpleStmt();
  NodeList Block();
  NodeList ColonBlock();  // the ':' that opens a block, and the block
  Node* Compound();
  Kind EatAsyncKw(Kw kw, Kind plain, Kind async);
  Node* FunctionDef(size_t start, std::vector<Node*>& decorators);
  Node* ClassDef(size_t start, std::vector<Node*>& decorators);
  Node* IfStmt(size_t start);
  Node* ForStmt(size_t start);   // and 'async for'
  Node* WithStmt(size_t start);  // and 'async with'
  Node* TryStmt();
  Node* WhileStmt(size_t start);
  template <class Loop>
  Loop* LoopBlocks(Loop* loop, size_t start);
  Node* MatchStmt();
  Node* ImportStmt();
  Node* FromImport();
  Node* TypeAliasStmt();
  Node* AssignmentOrExpr();
  Arguments* Parameters(Tok close, bool lambda);
  NodeList TypeParams();
  bool LooksLikeMatch();
  bool LooksLikeTypeAlias();

  // ---- expressions (parser_expr.cc) ----
  Node* StarExpressions();        // a, *b, c  -> Tuple when there is a comma
  Node* StarExpression();         // *a | expression
  Node* StarNamedExpression();    // *a | named_expression
  Node* NamedExpression();
  Node* Expression();
  Node* Disjunction();
  Node* Conjunction();
  template <Node* (Parser::*Operand)()>
  Node* BoolOpChain(Kw kw, BoolOpKind op);
  Node* Inversion();
  Node* Comparison();
  Node* BitOr(int min_prec = 1);
  Node* Factor();
  Node* Power();
  Node* Primary();
  Node* Atom();
  Node* Lambda();
  Node* YieldExpr();
  Node* ParenAtom();
  Node* ListAtom();
  Node* BraceAtom();
  Node* Slices();
  Node* SliceItem();
  void CallArgs(size_t start, NodeList& args, List<Keyword*>& keywords);
  // At 'for' or 'async for': the clauses of a comprehension follow its element.
  bool AtComprehension() const { return AtKw(Kw::For) || (AtKw(Kw::Async) && T(1).kw == Kw::For); }
  List<Comprehension*> ForIfClauses();
  Node* CompAfterElt(Kind k, Node* elt, Node* value, Tok close, size_t start);
  Node* Targets(bool stop_at_in);  // star_targets
  Node* StarTarget();
  void SetCtx(Node* n, Ctx ctx, const char* what);
  Node* YieldOrStarExpressions();

  // ---- patterns (parser_pattern.cc) ----
  Node* Patterns();
  Node* Pattern();
  Node* OrPattern();
  Node* ClosedPattern();
  Node* StarOrPattern();
  Node* LiteralExpr(bool allow_complex);
  Node* NameOrAttr();

  // ---- literals (strings.cc) ----
  Node* Strings();
  Node* Number(const Token& t, size_t start);
  void FString312(std::vector<StrPiece>& pieces);
  void FString311(const Token& t, std::vector<StrPiece>& pieces);
  Node* ParseSubExpression311(std::string_view expr, int line, int col, size_t off);

  // The recursion guard. CPython's parser gives up past 6000 levels of its rules (MAXSTACK: a
  // MemoryError, "too complex to parse"); each construct that nests here (an expression, a
  // 'not', a unary operator, an 'elif') costs CPython at least one level, so a source CPython
  // parses never reaches the limit, and no source exhausts the stack.
  static constexpr int kMaxNesting = 6000;
  struct Nest {
    Parser& p;
    explicit Nest(Parser& parser) : p(parser) {
      if (p.nesting_ >= kMaxNesting) p.Fail(p.T().lineno, "too complex to parse (nested too deeply)");
      ++p.nesting_;
    }
    ~Nest() { --p.nesting_; }
  };

  std::string_view src_;
  std::vector<Token> toks_;
  size_t last_;  // toks_.size() - 1
  PyVersion v_;
  Arena& a_;
  size_t p_ = 0;
  int nesting_ = 0;
  int fstring_depth_ = 0;
  std::string str_scratch_;  // Strings()' decoding buffer, reused from literal to literal
};

// The Op of an augmented-assignment token (`+=`: Add); false for any other token.
bool AugAssignOp(Tok t, Op& op);

// String-literal helpers shared by the f-string code.
// Decodes escapes of a str literal body into UTF-8 (surrogates kept as 3-byte sequences).
// Returns false on an invalid escape that CPython rejects (e.g. truncated \x).
bool DecodeStrBody(std::string_view body, bool raw, std::string& out, std::string& error);
bool DecodeBytesBody(std::string_view body, bool raw, std::string& out, std::string& error);

}  // namespace covalesce::py
