// The compiler model: which lines CPython's compiler puts in the line tables of the code
// objects it makes from a module (what coverage.py's ByteParser.find_statements collects).
//
// It mirrors compile.c / codegen.c at the level that decides line presence: every statement
// and expression emits abstract instructions carrying its line into basic blocks, with the
// jumps, exception-handler edges and exits the real compiler emits (loops test twice,
// `finally` bodies are copied into every exit through them, `with` has a handler path that
// can swallow an exception, match cases fail to the next case). Then, as the real optimiser:
// conditional jumps on constants (after ast_opt.c's folding: `0`, `not __debug__`, `1 + 1`,
// `(1, 2)`) become unconditional jumps or nothing, and blocks no path reaches are dropped.
// CPython never drops a line otherwise (NOP removal keeps one instruction per line).
// Nested code objects (functions, classes, lambdas, comprehensions) are kept or dropped with
// their constant: 3.12+ drop a constant no surviving instruction loads; 3.11 only trims the
// constants after the highest index a surviving instruction loads, so the model numbers the
// constants of every code object as the compiler adds them (the rules table says which).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <functional>
#include <unordered_map>

#include "internal.h"

namespace covalesce::native {
namespace {

using namespace py;

// ---------------------------------------------------------------------------------------------
// Constant folding, as Python/ast_opt.c does it before compiling.

std::string KeyOf(const ConstantNode* c);

struct CVal {
  enum T : uint8_t { kNone, kBool, kInt, kFloat, kComplex, kStr, kBytes, kTuple, kEllipsis, kFrozenset };
  T t = kNone;
  bool truth_known = true;
  bool truth = false;
  bool int_exact = true;  // kInt: `i` holds the value
  int64_t i = 0;
  double f = 0;
  size_t len = 0;         // kStr (UTF-8 bytes), kBytes, kTuple: number of items
  const ConstantNode* src = nullptr;  // a literal: its text and key come from it, lazily
  std::string str;        // kStr / kBytes computed by folding: the bytes
  mutable std::string key;  // co_consts identity (K())

  const std::string& K() const {
    if (key.empty() && src) key = KeyOf(src);
    return key;
  }
  std::string_view S() const { return src ? src->text : std::string_view(str); }
};

size_t Utf8Len(std::string_view s);
// Python's len() of a str or bytes value.
size_t PyLen(const CVal& v) { return v.t == CVal::kStr ? Utf8Len(v.S()) : v.len; }

size_t Utf8Len(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string DoubleKey(char tag, double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return std::string(1, tag) + std::to_string(bits);
}

std::string KeyOf(const ConstantNode* c) {
  switch (c->ck) {
    case ConstKind::None: return "N";
    case ConstKind::True: return "T";
    case ConstKind::False: return "F";
    case ConstKind::Ellipsis: return "E";
    case ConstKind::Int: return c->big_int ? "I" + std::string(c->text) : "i" + std::to_string(c->ival);
    case ConstKind::Float: return DoubleKey('f', c->fval);
    case ConstKind::Complex: return DoubleKey('c', c->fval);
    case ConstKind::Str: return "s" + std::to_string(c->text.size()) + ":" + std::string(c->text);
    case ConstKind::Bytes: return "b" + std::to_string(c->text.size()) + ":" + std::string(c->text);
  }
  return "?";
}

CVal FromConstant(const ConstantNode* c) {
  CVal v;
  v.src = c;
  switch (c->ck) {
    case ConstKind::None: v.t = CVal::kNone, v.truth = false; break;
    case ConstKind::True: v.t = CVal::kBool, v.i = 1, v.truth = true; break;
    case ConstKind::False: v.t = CVal::kBool, v.i = 0, v.truth = false; break;
    case ConstKind::Ellipsis: v.t = CVal::kEllipsis, v.truth = true; break;
    case ConstKind::Int:
      v.t = CVal::kInt;
      if (c->big_int) {
        v.int_exact = false;
        v.truth = true;  // a big literal is never zero
      } else {
        v.i = c->ival;
        v.truth = c->ival != 0;
      }
      break;
    case ConstKind::Float: v.t = CVal::kFloat, v.f = c->fval, v.truth = c->fval != 0; break;
    case ConstKind::Complex: v.t = CVal::kComplex, v.f = c->fval, v.truth = c->fval != 0; break;
    case ConstKind::Str: v.t = CVal::kStr, v.len = c->text.size(), v.truth = v.len != 0; break;
    case ConstKind::Bytes: v.t = CVal::kBytes, v.len = c->text.size(), v.truth = v.len != 0; break;
  }
  return v;
}

CVal MakeInt(int64_t i) {
  CVal v;
  v.t = CVal::kInt, v.i = i, v.truth = i != 0, v.key = "i" + std::to_string(i);
  return v;
}
CVal MakeBool(bool b) {
  CVal v;
  v.t = CVal::kBool, v.i = b, v.truth = b, v.key = b ? "T" : "F";
  return v;
}
CVal MakeFloat(double d) {
  CVal v;
  v.t = CVal::kFloat, v.f = d, v.truth = d != 0, v.key = DoubleKey('f', d);
  return v;
}
std::string StrKey(std::string_view s) { return "s" + std::to_string(s.size()) + ":" + std::string(s); }

// A constant CPython would fold but whose value the model does not track.
CVal Opaque(CVal::T t, const std::string& key) {
  CVal v;
  v.t = t, v.truth_known = false, v.int_exact = false, v.key = key;
  return v;
}

bool IsNumber(const CVal& v) { return v.t == CVal::kInt || v.t == CVal::kBool || v.t == CVal::kFloat || v.t == CVal::kComplex; }
bool IsIntLike(const CVal& v) { return (v.t == CVal::kInt || v.t == CVal::kBool) && v.int_exact; }

std::optional<CVal> FoldUnary(UnaryOpKind op, const CVal& a) {
  if (op == UnaryOpKind::Not) {
    if (!a.truth_known) return Opaque(CVal::kBool, "?not" + a.K());
    return MakeBool(!a.truth);
  }
  if (!IsNumber(a)) return std::nullopt;  // TypeError: not folded
  if (op == UnaryOpKind::Invert && (a.t == CVal::kFloat || a.t == CVal::kComplex)) return std::nullopt;
  if (a.t == CVal::kInt || a.t == CVal::kBool) {
    if (!a.int_exact) return Opaque(CVal::kInt, "?u" + a.K());
    switch (op) {
      case UnaryOpKind::USub:
        if (a.i == INT64_MIN) return Opaque(CVal::kInt, "?neg" + a.K());
        return MakeInt(-a.i);
      case UnaryOpKind::UAdd: return MakeInt(a.i);
      case UnaryOpKind::Invert: return MakeInt(~a.i);
      default: break;
    }
  }
  if (a.t == CVal::kFloat) return MakeFloat(op == UnaryOpKind::USub ? -a.f : a.f);
  CVal c = a;
  if (op == UnaryOpKind::USub) c.f = -c.f, c.key = DoubleKey('c', c.f);  // imaginary part only
  return c;
}

int BitLen(int64_t v) {
  uint64_t u = v < 0 ? uint64_t(-(v + 1)) + 1 : uint64_t(v);
  int n = 0;
  while (u) ++n, u >>= 1;
  return n;
}

std::optional<CVal> FoldBinary(Op op, const CVal& a, const CVal& b) {
  constexpr int kMaxIntSize = 128;
  constexpr size_t kMaxCollection = 256, kMaxStr = 4096;
  const bool ints = (a.t == CVal::kInt || a.t == CVal::kBool) && (b.t == CVal::kInt || b.t == CVal::kBool);
  if (ints) {
    if (!a.int_exact || !b.int_exact) return Opaque(CVal::kInt, "?b");
    int64_t r = 0;
    switch (op) {
      case Op::Add:
        if (__builtin_add_overflow(a.i, b.i, &r)) return Opaque(CVal::kInt, "?b");
        return MakeInt(r);
      case Op::Sub:
        if (__builtin_sub_overflow(a.i, b.i, &r)) return Opaque(CVal::kInt, "?b");
        return MakeInt(r);
      case Op::Mult:
        if (a.i && b.i && BitLen(a.i) + BitLen(b.i) > kMaxIntSize) return std::nullopt;
        if (__builtin_mul_overflow(a.i, b.i, &r)) return Opaque(CVal::kInt, "?b");
        return MakeInt(r);
      case Op::FloorDiv:
      case Op::Mod: {
        if (b.i == 0) return std::nullopt;  // ZeroDivisionError: not folded
        if (a.i == INT64_MIN && b.i == -1) return Opaque(CVal::kInt, "?b");
        int64_t q = a.i / b.i, m = a.i % b.i;
        if (m != 0 && ((m < 0) != (b.i < 0))) --q, m += b.i;
        return MakeInt(op == Op::FloorDiv ? q : m);
      }
      case Op::Div:
        if (b.i == 0) return std::nullopt;
        return MakeFloat(double(a.i) / double(b.i));
      case Op::Pow: {
        if (b.i < 0) {
          if (a.i == 0) return std::nullopt;
          return Opaque(CVal::kFloat, "?pow");
        }
        if (a.i && b.i > 0 && int64_t(BitLen(a.i)) * b.i > kMaxIntSize) return std::nullopt;
        int64_t acc = 1;
        for (int64_t k = 0; k < b.i; ++k) {
          if (__builtin_mul_overflow(acc, a.i, &acc)) return Opaque(CVal::kInt, "?b");
        }
        return MakeInt(acc);
      }
      case Op::LShift: {
        if (b.i < 0) return std::nullopt;
        if (a.i && (b.i > kMaxIntSize || BitLen(a.i) + b.i > kMaxIntSize)) return std::nullopt;
        if (a.i == 0) return MakeInt(0);
        if (BitLen(a.i) + b.i > 62) return Opaque(CVal::kInt, "?b");
        return MakeInt(a.i * (int64_t(1) << b.i));
      }
      case Op::RShift:
        if (b.i < 0) return std::nullopt;
        return MakeInt(b.i >= 63 ? (a.i < 0 ? -1 : 0) : (a.i >> b.i));
      case Op::BitOr: return MakeInt(a.i | b.i);
      case Op::BitXor: return MakeInt(a.i ^ b.i);
      case Op::BitAnd: return MakeInt(a.i & b.i);
      case Op::MatMult: return std::nullopt;
    }
    return std::nullopt;
  }
  if (IsNumber(a) && IsNumber(b)) {
    if (op == Op::MatMult || op == Op::LShift || op == Op::RShift || op == Op::BitOr ||
        op == Op::BitXor || op == Op::BitAnd)
      return std::nullopt;
    if (a.t == CVal::kComplex || b.t == CVal::kComplex) return Opaque(CVal::kComplex, "?c");
    const double x = a.t == CVal::kFloat ? a.f : double(a.i), y = b.t == CVal::kFloat ? b.f : double(b.i);
    switch (op) {
      case Op::Add: return MakeFloat(x + y);
      case Op::Sub: return MakeFloat(x - y);
      case Op::Mult: return MakeFloat(x * y);
      case Op::Div:
        if (y == 0) return std::nullopt;
        return MakeFloat(x / y);
      default: return Opaque(CVal::kFloat, "?f");
    }
  }
  auto seq = [](const CVal& v) { return v.t == CVal::kStr || v.t == CVal::kBytes || v.t == CVal::kTuple; };
  if (op == Op::Add && seq(a) && a.t == b.t) {
    CVal r;
    r.t = a.t;
    r.len = a.len + b.len;
    r.truth = r.len != 0;
    if (a.t == CVal::kTuple) {
      r.key = "t(" + a.key.substr(2, a.key.size() - 3) + (a.len && b.len ? "," : "") + b.key.substr(2, b.key.size() - 3) + ")";
    } else {
      r.str = std::string(a.S()) + std::string(b.S());
      r.key = std::string(1, a.t == CVal::kStr ? 's' : 'b') + std::to_string(r.str.size()) + ":" + r.str;
    }
    return r;
  }
  if (op == Op::Mult && ((seq(a) && IsIntLike(b)) || (IsIntLike(a) && seq(b)))) {
    const CVal& s = seq(a) ? a : b;
    const CVal& n = seq(a) ? b : a;
    const int64_t count = n.i < 0 ? 0 : n.i;
    const size_t limit = s.t == CVal::kTuple ? kMaxCollection : kMaxStr;
    if (PyLen(s) && count && (size_t(count) > limit || PyLen(s) * size_t(count) > limit)) return std::nullopt;
    CVal r;
    r.t = s.t;
    r.len = s.len * size_t(count);
    r.truth = r.len != 0;
    if (s.t == CVal::kTuple) {
      std::string inner = s.key.substr(2, s.key.size() - 3), all;
      for (int64_t k = 0; k < count; ++k) all += (k ? "," : "") + inner;
      r.key = "t(" + (r.len ? all : std::string()) + ")";
    } else {
      for (int64_t k = 0; k < count; ++k) r.str += s.S();
      r.key = std::string(1, s.t == CVal::kStr ? 's' : 'b') + std::to_string(r.str.size()) + ":" + r.str;
    }
    return r;
  }
  return std::nullopt;
}

thread_local bool fold_empty_fstring = false;  // the version being modelled

std::optional<CVal> Fold(const Node* e);

std::optional<CVal> FoldTuple(const EltsNode* t) {
  if (t->ctx != Ctx::Load) return std::nullopt;
  CVal r;
  r.t = CVal::kTuple;
  r.key = "t(";
  for (uint32_t i = 0; i < t->elts.n; ++i) {
    if (t->elts[i]->kind == Kind::Starred) return std::nullopt;
    auto v = Fold(t->elts[i]);
    if (!v) return std::nullopt;
    if (i) r.key += ',';
    r.key += v->K();
  }
  r.key += ')';
  r.len = t->elts.n;
  r.truth = r.len != 0;
  return r;
}

std::optional<CVal> Fold(const Node* e) {
  switch (e->kind) {
    case Kind::Constant: return FromConstant(static_cast<const ConstantNode*>(e));
    case Kind::Name: {
      auto* n = static_cast<const NameNode*>(e);
      if (n->ctx == Ctx::Load && n->id == "__debug__") return MakeBool(true);
      return std::nullopt;
    }
    case Kind::UnaryOp: {
      auto* u = static_cast<const UnaryOpNode*>(e);
      auto a = Fold(u->operand);
      if (!a) return std::nullopt;
      return FoldUnary(u->op, *a);
    }
    case Kind::BinOp: {
      // The right operand first: in a long left-leaning chain (a + b + c ...) it is the leaf
      // that usually decides, so the chain is not walked again at every level.
      auto* b = static_cast<const BinOpNode*>(e);
      auto r = Fold(b->right);
      if (!r) return std::nullopt;
      auto l = Fold(b->left);
      if (!l) return std::nullopt;
      return FoldBinary(b->op, *l, *r);
    }
    case Kind::Tuple: return FoldTuple(static_cast<const EltsNode*>(e));
    case Kind::JoinedStr: {
      // Not ast_opt.c, but the compiler: one constant part is just LOAD_CONST; no part at all
      // is LOAD_CONST '' from 3.13 (BUILD_STRING 0 before).
      auto* j = static_cast<const JoinedStrNode*>(e);
      if (j->values.n == 1 && j->values[0]->kind == Kind::Constant) return Fold(j->values[0]);
      if (j->values.n == 0 && fold_empty_fstring) {
        CVal v;
        v.t = CVal::kStr, v.truth = false, v.key = "s0:";
        return v;
      }
      return std::nullopt;
    }
    case Kind::Subscript: {
      auto* s = static_cast<const SubscriptNode*>(e);
      if (s->ctx != Ctx::Load) return std::nullopt;
      auto v = Fold(s->value);
      if (!v) return std::nullopt;
      auto k = Fold(s->slice);
      if (!k) return std::nullopt;
      if ((v->t == CVal::kStr || v->t == CVal::kBytes || v->t == CVal::kTuple) && IsIntLike(*k)) {
        const int64_t n = int64_t(PyLen(*v));
        if (k->i >= n || k->i < -n) return std::nullopt;  // IndexError: not folded
        if (v->t == CVal::kBytes) {
          unsigned char byte = v->S()[size_t(k->i < 0 ? k->i + n : k->i)];
          return MakeInt(byte);
        }
        if (v->t == CVal::kStr) {
          CVal r;
          r.t = CVal::kStr, r.len = 1, r.truth = true, r.key = "?str-item" + v->K() + k->K();
          return r;
        }
        return Opaque(CVal::kTuple, "?item" + v->K() + k->K());
      }
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

// ---------------------------------------------------------------------------------------------
// Abstract code: blocks of instructions that carry lines.

enum class In : uint8_t {
  kLine,    // falls through
  kConst,   // LOAD_CONST / KW_NAMES of constant `arg` (3.11 trimming); falls through
  kOptConst,  // LOAD_CONST of a constant the optimiser makes (key `arg` of Code::opt_keys)
  kCode,    // loads nested code object `arg` (its constant is `aux`); falls through
  kJump,    // unconditional jump to block `arg`
  kBranch,  // conditional jump to block `arg`; `fold`: 0 either way, 1 always, -1 never
  kSetup,   // pushes an exception handler at block `arg`; falls through
  kExit,    // return / raise / reraise
};

struct Instr {
  In op;
  int8_t fold = 0;
  LineNo line = 0;
  int32_t arg = -1;
  int32_t aux = -1;
};

// The compiler only ever appends to its current block and never returns to a block it has
// left, so each block's instructions are one run [begin, end) of its code's instructions.
struct Block {
  int32_t begin = 0, end = 0;
  int32_t next = -1;  // layout successor (fallthrough)
};

constexpr int kOptimizerConst = 1 << 30;  // constants the optimiser appends (folded tuples)

struct Code {
  std::vector<Block> blocks;
  std::vector<Instr> ins;
  int32_t cur = 0;  // the block being appended to
  LineNo firstlineno = 0;
  std::unordered_map<std::string, int> consts;  // 3.11: key -> index
  int nconsts = 0;
  std::vector<int> children;                    // nested code ids
  std::vector<std::string> opt_keys;            // constants the optimiser folds (kOptConst)
  std::string const_key;                        // its key among its parent's constants (when tracked)
  bool const_zero = false;                      // it is its parent's co_consts[0]
  // Its co_name is "__annotate__": ByteParser skips such code objects (meant for 3.14's
  // deferred annotations, it also skips a user's def or class of that name), not their
  // children.
  bool annotate = false;
};

// Function-body frame kinds for break/continue/return unwinding (compile.c fblocktype).
enum class FB : uint8_t {
  kWhileLoop, kForLoop, kTryExcept, kFinallyTry, kFinallyEnd, kWith, kAsyncWith,
  kHandlerCleanup, kPopValue, kExceptionHandler, kExceptionGroupHandler, kAsyncComprehension,
};

struct FBlock {
  FB type;
  int32_t block = -1;  // loop: continue target
  int32_t exit = -1;   // loop: break target
  const Node* datum = nullptr;        // with statement / except handler
  const NodeList* finalbody = nullptr;  // kFinallyTry
};

struct Unit {
  int code = 0;
  int cur = 0;  // current block
  std::vector<FBlock> fblocks;
  bool is_function = false;
  bool is_class = false;
  bool is_module = false;
  LineNo loc = -1;  // 3.11's "current location" (see VersionRules::leaky_finally_location)
};

class Model {
 public:
  explicit Model(const VersionRules& r) : rules_(r), track_consts_(r.trim_tail_consts_only) {
    fold_empty_fstring = r.fold_empty_fstring;
  }

  std::deque<Code> codes;

  void CompileModule(const ModuleNode* m) {
    for (const Node* s : m->body) {
      if (s->kind == Kind::ImportFrom && static_cast<const ImportFromNode*>(s)->module == "__future__") {
        for (const Alias* a : static_cast<const ImportFromNode*>(s)->names)
          if (a->name == "annotations") future_annotations_ = true;
      }
    }
    int id = NewCode(0);
    Unit u;
    u.code = id;
    u.is_module = true;
    units_.push_back(u);
    code_ = &codes[size_t(id)];
    Body(m->body, true);
    // The implicit `return None` (no line: it takes its predecessor's).
    EmitConst("N", 0);
    Exit(0);
    Seal();
    units_.pop_back();
  }

 private:
  const VersionRules& rules_;
  bool track_consts_;
  Code* code_ = nullptr;  // the code object being compiled (deque elements stay put)
  bool future_annotations_ = false;  // from __future__ import annotations
  LineNo stmt_line_ = 0;             // the statement being compiled

 public:
  // compiler_push_fblock's limit (CO_MAXBLOCKS): the line of the statement that passed it.
  LineNo too_many_blocks = 0;

 private:
  void PushFB(const FBlock& b) {
    if (U().fblocks.size() >= rules_.max_fblocks && !too_many_blocks) too_many_blocks = stmt_line_;
    U().fblocks.push_back(b);
  }
  std::deque<Unit> units_;  // a deque: references to the current unit survive nested pushes

  // ---- code objects and blocks ----
  int NewCode(LineNo firstlineno) {
    codes.emplace_back();
    Code& c = codes.back();
    c.firstlineno = firstlineno;
    c.blocks.emplace_back();
    c.blocks.reserve(16);
    c.ins.reserve(64);
    return int(codes.size()) - 1;
  }
  Unit& U() { return units_.back(); }
  Code& C() { return *code_; }
  int NewBlock() {
    code_->blocks.emplace_back();
    return int(code_->blocks.size()) - 1;
  }
  void UseNext(int b) {
    Code& c = *code_;
    Block& cur = c.blocks[size_t(c.cur)];
    cur.end = int32_t(c.ins.size());
    cur.next = b;
    c.blocks[size_t(b)].begin = c.blocks[size_t(b)].end = int32_t(c.ins.size());
    c.cur = b;
    U().cur = b;
  }
  void NextBlock() { UseNext(NewBlock()); }
  void Push(Instr i) { code_->ins.push_back(i); }
  void Line(LineNo l) {
    if (l <= 0) return;
    // Consecutive instructions on one line are one line-table entry to the model.
    Code& c = *code_;
    if (int32_t(c.ins.size()) > c.blocks[size_t(c.cur)].begin && c.ins.back().op == In::kLine && c.ins.back().line == l)
      return;
    c.ins.push_back({In::kLine, 0, l});
  }
  // Closes the current block of the current code (its end is the instructions so far).
  void Seal() { code_->blocks[size_t(code_->cur)].end = int32_t(code_->ins.size()); }
  int ConstIndex(const std::string& key) {
    Code& c = C();
    auto [it, added] = c.consts.try_emplace(key, c.nconsts);
    if (added) ++c.nconsts;
    return it->second;
  }
  void EmitConst(const std::string& key, LineNo l) {
    if (!track_consts_) {
      // 3.12+ drop every constant no instruction loads, except co_consts[0]: only which
      // constant comes first matters.
      if (C().nconsts == 0) ConstIndex(key);
      Line(l);
      return;
    }
    Push({In::kConst, 0, l, ConstIndex(key)});
  }
  // A LOAD_CONST the optimiser turns into a NOP (a folded condition): its constant still
  // takes an index, but no surviving instruction loads it.
  void FoldedConst(const std::string& key, LineNo l) {
    if (track_consts_ || C().nconsts == 0) ConstIndex(key);
    Line(l);
  }
  // A constant only the optimiser creates (a folded tuple): after every compile-time one,
  // unless it equals one of them.
  void EmitOptimizerConst(const std::string& key, LineNo l) {
    if (!track_consts_) {
      Line(l);
      return;
    }
    // It reuses an equal compile-time constant, if any (decided once all are known).
    C().opt_keys.push_back(key);
    Push({In::kOptConst, 0, l, int32_t(C().opt_keys.size()) - 1});
  }
  void Jump(int target, LineNo l = 0) {
    Push({In::kJump, 0, l, target});
  }
  void Branch(int target, int8_t fold, LineNo l) { Push({In::kBranch, fold, l, target}); }
  void Setup(int target, LineNo l) { Push({In::kSetup, 0, l, target}); }
  void Exit(LineNo l) { Push({In::kExit, 0, l}); }

  // Starts a nested code object; returns its id. The caller compiles into it, then EndCode.
  int BeginCode(LineNo firstlineno, bool is_function, bool is_class, std::string_view name = {}) {
    const int parent = U().code;
    const int id = NewCode(firstlineno);
    codes[size_t(id)].annotate = name == "__annotate__";
    codes[parent].children.push_back(id);
    Unit u;
    u.code = id;
    u.is_function = is_function;
    u.is_class = is_class;
    units_.push_back(u);
    code_ = &codes[size_t(id)];
    return id;
  }
  void EndCode() {
    Seal();
    units_.pop_back();
    code_ = &codes[size_t(U().code)];
  }
  // The parent's LOAD_CONST of code object `id`.
  // Code objects compare by value, so the copies a `finally` body gets compiled into are
  // one constant: the key is the node compiled.
  void LoadCode(int id, LineNo l, const void* source) {
    int idx = -1;
    if (track_consts_ || C().nconsts == 0) {
      codes[size_t(id)].const_key = "code@" + std::to_string(reinterpret_cast<uintptr_t>(source));
      idx = ConstIndex(codes[size_t(id)].const_key);
      codes[size_t(id)].const_zero = idx == 0;
    }
    Push({In::kCode, 0, l, id, idx});
  }

  // ---- statements ----
  static bool IsDocstring(const Node* s) {
    if (s->kind != Kind::Expr) return false;
    const Node* v = static_cast<const ValueNode*>(s)->value;
    return v->kind == Kind::Constant && static_cast<const ConstantNode*>(v)->ck == ConstKind::Str;
  }

  static bool FindAnn(const NodeList& stmts) {
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

  // compiler_body: module and class bodies (the docstring is stored in __doc__).
  void Body(const NodeList& stmts, bool module) {
    if (FindAnn(stmts)) Line(module && stmts.n ? stmts[0]->pos.lineno : C().firstlineno);
    size_t i = 0;
    if (stmts.n && IsDocstring(stmts[0])) {
      Expression(static_cast<const ValueNode*>(stmts[0])->value);
      i = 1;
    }
    for (; i < stmts.n; ++i) Stmt(stmts[i]);
  }

  void Stmts(const NodeList& stmts) {
    for (const Node* s : stmts) Stmt(s);
  }

  void Stmt(const Node* s) {
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

  void Decorators(const NodeList& decorators) {
    for (const Node* d : decorators) Expression(d);
  }

  void Arguments_(const Arguments* a, bool lambda) {
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

  // compiler_visit_annotations: ('name', value, ...) as LOAD_CONSTs and values, then
  // BUILD_TUPLE, which the optimiser folds into one new constant when every value is one.
  void Annotations(const Arguments* a, const Node* returns) {
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

  // PEP 695 (3.12+): a generic function or class is made inside a code object of its own,
  // `<generic parameters of f>`, which creates the type parameters first.
  int BeginGeneric(const NodeList& type_params, LineNo first) {
    const int id = BeginCode(first, true, false);
    Line(first);
    for (const Node* p : type_params) Expression(p);
    return id;
  }
  void EndGeneric(int id, LineNo line, const void* source) {
    Exit(line);
    EndCode();
    LoadCode(id, line, source);
    Line(line);
  }

  void FunctionDef(const FunctionDefNode* f) {
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

  void ClassDef(const ClassDefNode* c) {
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
  static bool UsesClassCell(const Node* n) {
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
  static void ScanForClassCell(const Node* n, bool& found) {
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
  static bool NeedsClassCell(const NodeList& body) {
    bool found = false;
    for (const Node* s : body) ScanForClassCell(s, found);
    return found;
  }

  void AnnAssign(const AnnAssignNode* a) {
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
  std::string AnnotationKey(const Node* e) {
    std::string text;
    if (Unparse(e, text)) return StrKey(text);
    return "?ann:" + std::to_string(e->pos.lineno) + ":" + std::to_string(e->pos.col_offset);
  }

  // ast_unparse.c for the usual annotation shapes; false for anything else.
  static bool Unparse(const Node* e, std::string& out) {
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

  void Annotation(const Node* e) {
    if (future_annotations_) {
      EmitConst(AnnotationKey(e), e->pos.lineno);
    } else {
      Expression(e);
    }
  }

  // ---- control flow ----
  void If(const IfNode* s) {
    const int end = NewBlock();
    const int next = s->orelse.n ? NewBlock() : end;
    JumpIf(s->test, next, false);
    Stmts(s->body);
    if (s->orelse.n) {
      Jump(end);
      UseNext(next);
      Stmts(s->orelse);
    }
    UseNext(end);
  }

  void While(const WhileNode* s) {
    const int loop = NewBlock(), body = NewBlock(), anchor = NewBlock(), end = NewBlock();
    UseNext(loop);
    PushFB({FB::kWhileLoop, loop, end});
    JumpIf(s->test, anchor, false);
    UseNext(body);
    Stmts(s->body);
    U().loc = s->pos.lineno;
    JumpIf(s->test, body, true);
    U().fblocks.pop_back();
    UseNext(anchor);
    Stmts(s->orelse);
    UseNext(end);
  }

  void For(const ForNode* s) {
    const LineNo line = s->pos.lineno;
    const int start = NewBlock(), body = NewBlock(), cleanup = NewBlock(), end = NewBlock();
    const bool async = s->kind == Kind::AsyncFor;
    PushFB({FB::kForLoop, start, end});
    // ast_opt.c folds a constant list/set iterable into a tuple for `for`, not `async for`.
    if (async) Expression(s->iter);
    else Iterable(s->iter);
    Line(line);  // GET_ITER
    UseNext(start);
    if (async) {
      Setup(cleanup, line);
      EmitConst("N", line);  // GET_ANEXT; LOAD_CONST None; SEND
    }
    Branch(cleanup, 0, line);  // FOR_ITER
    UseNext(body);
    Expression(s->target);
    Stmts(s->body);
    U().loc = async ? s->iter->pos.lineno : -1;
    Jump(start);
    UseNext(cleanup);
    U().fblocks.pop_back();
    Line(line);  // END_FOR / END_ASYNC_FOR
    Stmts(s->orelse);
    UseNext(end);
  }

  void Break(LineNo line) {
    Line(line);
    int loop = UnwindStack(false, true);
    if (loop < 0) return;  // 'break' outside loop: a compile error found elsewhere
    const FBlock info = U().fblocks[size_t(loop)];
    Unwind(info, false, line);
    Jump(info.exit, line);
    NextBlock();
  }

  void Continue(LineNo line) {
    Line(line);
    int loop = UnwindStack(false, true);
    if (loop < 0) return;
    Jump(U().fblocks[size_t(loop)].block, line);
    NextBlock();
  }

  void Return(const ValueNode* s) {
    const LineNo line = s->pos.lineno;
    // A constant value (after ast_opt.c) is loaded after any `finally` bodies it leaves.
    std::optional<CVal> constant;
    if (s->value && s->value->kind != Kind::JoinedStr) constant = Fold(s->value);
    const bool preserve_tos = s->value && !constant;
    if (preserve_tos) Expression(s->value);
    else if (s->value) Line(s->value->pos.lineno);
    Line(line);
    UnwindStack(preserve_tos, false);
    if (!s->value) EmitConst("N", line);
    else if (constant) EmitConst(constant->K(), line);
    Line(line);
    Exit(line);
    NextBlock();
  }

  // compiler_unwind_fblock_stack: unwinds every frame above the innermost loop (loop_only) or
  // all of them (return); returns the loop's index, or -1. The frames are restored afterwards.
  int UnwindStack(bool preserve_tos, bool to_loop) {
    std::vector<FBlock>& stack = U().fblocks;
    std::vector<FBlock> saved;
    int loop = -1;
    while (!stack.empty()) {
      FBlock top = stack.back();
      if (to_loop && (top.type == FB::kWhileLoop || top.type == FB::kForLoop)) {
        loop = int(stack.size()) - 1;
        break;
      }
      if (top.type == FB::kExceptionGroupHandler) break;  // a compile error
      stack.pop_back();
      saved.push_back(top);
      Unwind(top, preserve_tos, 0);
    }
    // Unwinding may have compiled statements that pushed and popped frames of their own; the
    // frames taken off are put back in order.
    while (!saved.empty()) {
      U().fblocks.push_back(saved.back());
      saved.pop_back();
    }
    return loop;
  }

  void Unwind(const FBlock& info, bool preserve_tos, LineNo line) {
    switch (info.type) {
      case FB::kWith:
      case FB::kAsyncWith: {
        const LineNo wl = info.datum->pos.lineno;
        Line(wl);
        EmitConst("N", wl);
        Line(wl);
        U().loc = -1;
        break;
      }
      case FB::kFinallyTry:
        if (preserve_tos) PushFB({FB::kPopValue});
        Stmts(*info.finalbody);
        if (preserve_tos) U().fblocks.pop_back();
        U().loc = -1;
        break;
      case FB::kHandlerCleanup:
        if (info.datum && static_cast<const ExceptHandlerNode*>(info.datum)->name.data()) EmitConst("N", 0);
        break;
      default: break;
    }
    (void)line;
  }

  void With(const WithNode* s, size_t pos) {
    const LineNo line = s->pos.lineno;
    const bool async = s->kind == Kind::AsyncWith;
    const int block = NewBlock(), final_ = NewBlock(), exit = NewBlock();
    const WithItem* item = s->items[pos];
    Expression(item->context_expr);
    Line(line);
    if (async) EmitConst("N", line);
    Setup(final_, line);
    UseNext(block);
    PushFB({async ? FB::kAsyncWith : FB::kWith, block, -1, s});
    if (item->optional_vars) Expression(item->optional_vars);
    if (pos + 1 == s->items.n) Stmts(s->body);
    else With(s, pos + 1);
    U().fblocks.pop_back();
    // 3.11's async with: the POP_BLOCK after the body keeps the body's leaked location.
    if (async && rules_.leaky_finally_location) Line(U().loc);
    U().loc = line;
    Line(line);
    EmitConst("N", line);  // __exit__(None, None, None)
    Jump(exit, line);
    UseNext(final_);
    // The handler: the exception may be swallowed (on to `exit`) or re-raised.
    Line(line);
    const int reraise = NewBlock();
    Branch(reraise, 0, line);
    Jump(exit, line);
    UseNext(reraise);
    Exit(line);
    UseNext(exit);
    U().loc = -1;  // compiler_with_except_finish starts with UNSET_LOC
  }

  void TryExcept(const TryNode* s) {
    const LineNo line = s->pos.lineno;
    const int body = NewBlock(), except = NewBlock(), end = NewBlock(), cleanup = NewBlock();
    Setup(except, line);
    UseNext(body);
    PushFB({FB::kTryExcept, body});
    Stmts(s->body);
    U().fblocks.pop_back();
    Stmts(s->orelse);
    Jump(end);
    UseNext(except);
    Setup(cleanup, 0);
    PushFB({FB::kExceptionHandler});
    const size_t n = s->handlers.n;
    for (size_t i = 0; i < n; ++i) {
      auto* h = static_cast<const ExceptHandlerNode*>(s->handlers[i]);
      const LineNo hl = h->pos.lineno;
      const int next_handler = NewBlock();
      if (h->type) {
        Expression(h->type);
        Line(hl);
        Branch(next_handler, 0, hl);
      }
      Line(hl);
      if (h->name.data()) {
        const int cleanup_end = NewBlock(), cleanup_body = NewBlock();
        Setup(cleanup_end, hl);
        UseNext(cleanup_body);
        PushFB({FB::kHandlerCleanup, cleanup_body, -1, h});
        Stmts(h->body);
        U().fblocks.pop_back();
        EmitConst("N", 0);
        Jump(end);
        UseNext(cleanup_end);
        EmitConst("N", 0);
        Exit(0);
      } else {
        const int cleanup_body = NewBlock();
        UseNext(cleanup_body);
        PushFB({FB::kHandlerCleanup, cleanup_body, -1, h});
        Stmts(h->body);
        U().fblocks.pop_back();
        Jump(end);
      }
      UseNext(next_handler);
    }
    U().fblocks.pop_back();
    U().loc = -1;
    Exit(0);  // RERAISE: no handler matched
    UseNext(cleanup);
    Exit(0);
    UseNext(end);
  }

  void TryStarExcept(const TryNode* s) {
    const LineNo line = s->pos.lineno;
    const int body = NewBlock(), except = NewBlock(), orelse = NewBlock(), end = NewBlock(),
              cleanup = NewBlock(), reraise_star = NewBlock();
    Setup(except, line);
    UseNext(body);
    PushFB({FB::kTryExcept, body});
    Stmts(s->body);
    U().fblocks.pop_back();
    Jump(orelse);
    UseNext(except);
    Setup(cleanup, 0);
    PushFB({FB::kExceptionGroupHandler});
    for (size_t i = 0; i < s->handlers.n; ++i) {
      auto* h = static_cast<const ExceptHandlerNode*>(s->handlers[i]);
      const LineNo hl = h->pos.lineno;
      const int next_handler = NewBlock();
      if (h->type) Expression(h->type);
      Line(hl);
      Branch(next_handler, 0, hl);  // no match
      const int cleanup_end = NewBlock(), cleanup_body = NewBlock();
      Setup(cleanup_end, hl);
      UseNext(cleanup_body);
      PushFB({FB::kHandlerCleanup, cleanup_body, -1, h});
      Stmts(h->body);
      U().fblocks.pop_back();
      if (h->name.data()) EmitConst("N", 0);
      Jump(next_handler);
      UseNext(cleanup_end);
      if (h->name.data()) EmitConst("N", 0);
      Jump(next_handler);
      UseNext(next_handler);
    }
    U().fblocks.pop_back();
    U().loc = -1;
    UseNext(reraise_star);
    const int reraise = NewBlock();
    Branch(reraise, 0, 0);
    Jump(end);
    UseNext(reraise);
    Exit(0);
    UseNext(cleanup);
    Exit(0);
    UseNext(orelse);
    Stmts(s->orelse);
    UseNext(end);
  }

  void TryFinally(const TryNode* s) {
    const LineNo line = s->pos.lineno;
    const int body = NewBlock(), end = NewBlock(), exit = NewBlock(), cleanup = NewBlock();
    Setup(end, line);
    UseNext(body);
    PushFB({FB::kFinallyTry, body, -1, nullptr, &s->finalbody});
    if (s->handlers.n) {
      if (s->kind == Kind::TryStar) TryStarExcept(s);
      else TryExcept(s);
    } else {
      Stmts(s->body);
    }
    U().fblocks.pop_back();
    Stmts(s->finalbody);
    Jump(exit);
    UseNext(end);
    Setup(cleanup, 0);
    PushFB({FB::kFinallyEnd, end});
    U().loc = -1;
    Stmts(s->finalbody);
    U().fblocks.pop_back();
    const LineNo leaked = rules_.leaky_finally_location ? U().loc : 0;
    Exit(leaked);  // RERAISE
    UseNext(cleanup);
    Line(leaked);  // POP_EXCEPT_AND_RERAISE
    Exit(leaked);
    UseNext(exit);
  }

  void Assert(const AssertNode* s) {
    const LineNo line = s->pos.lineno;
    const int end = NewBlock();
    JumpIf(s->test, end, true);
    Line(line);  // LOAD_ASSERTION_ERROR
    if (s->msg) Expression(s->msg);
    Exit(line);
    UseNext(end);
  }

  // ---- match ----
  static bool Irrefutable(const Node* p) {
    switch (p->kind) {
      case Kind::MatchAs: {
        auto* a = static_cast<const MatchAsNode*>(p);
        return !a->pattern || Irrefutable(a->pattern);
      }
      case Kind::MatchOr: {
        auto* o = static_cast<const PatternsNode*>(p);
        for (const Node* alt : o->patterns)
          if (Irrefutable(alt)) return true;
        return false;
      }
      default: return false;
    }
  }
  static bool IsWildcard(const Node* p) {
    if (p->kind != Kind::MatchAs) return false;
    auto* a = static_cast<const MatchAsNode*>(p);
    return !a->pattern && !a->name.data();
  }

  static bool IsWildcardPattern(const Node* p) {
    if (p->kind == Kind::MatchAs) return IsWildcard(p);
    if (p->kind == Kind::MatchStar) return !static_cast<const MatchStarNode*>(p)->name.data();
    return false;
  }

  // compiler_pattern (3.11's constants matter: sizes, key tuples, attribute-name tuples).
  void Pattern(const Node* p) {
    const LineNo line = p->pos.lineno;
    Line(line);
    switch (p->kind) {
      case Kind::MatchValue: Expression(static_cast<const MatchValueNode*>(p)->value); break;
      case Kind::MatchSingleton: {
        const ConstKind v = static_cast<const MatchSingletonNode*>(p)->value;
        EmitConst(v == ConstKind::True ? "T" : v == ConstKind::False ? "F" : "N", line);
        break;
      }
      case Kind::MatchSequence: {
        const NodeList& pats = static_cast<const PatternsNode*>(p)->patterns;
        const int64_t size = pats.n;
        int64_t star = -1;
        bool only_wildcard = true;
        for (uint32_t i = 0; i < pats.n; ++i) {
          if (pats[i]->kind == Kind::MatchStar) star = i;
          if (!IsWildcardPattern(pats[i])) only_wildcard = false;
        }
        const bool star_wildcard = star >= 0 && IsWildcardPattern(pats[size_t(star)]);
        if (star < 0) EmitConst("i" + std::to_string(size), line);
        else if (size - 1 > 0) EmitConst("i" + std::to_string(size - 1), line);
        if (only_wildcard) break;
        for (int64_t i = 0; i < size; ++i) {
          const Node* sub = pats[size_t(i)];
          if (star_wildcard) {
            if (IsWildcardPattern(sub) || i == star) continue;
            EmitConst("i" + std::to_string(i < star ? i : size - i), line);
          }
          Pattern(sub);
        }
        break;
      }
      case Kind::MatchMapping: {
        auto* m = static_cast<const MatchMappingNode*>(p);
        const size_t size = m->keys.n;
        if (!size && !m->rest.data()) break;
        if (size) EmitConst("i" + std::to_string(size), line);
        bool all_const = true;
        std::string key = "t(";
        for (size_t i = 0; i < size; ++i) {
          auto v = Fold(m->keys[i]);
          if (!v) all_const = false;
          else key += (i ? "," : "") + v->K();
          Expression(m->keys[i]);
        }
        if (all_const) EmitOptimizerConst(key + ")", line);  // BUILD_TUPLE of constants
        EmitConst("N", line);
        for (const Node* c : m->patterns) Pattern(c);
        break;
      }
      case Kind::MatchClass: {
        auto* m = static_cast<const MatchClassNode*>(p);
        Expression(m->cls);
        std::string names = "t(";
        for (uint32_t i = 0; i < m->kwd_attrs.n; ++i) names += (i ? "," : "") + StrKey(m->kwd_attrs[i]);
        EmitConst(names + ")", line);
        EmitConst("N", line);
        for (const Node* c : m->patterns)
          if (!IsWildcard(c)) Pattern(c);
        for (const Node* c : m->kwd_patterns)
          if (!IsWildcard(c)) Pattern(c);
        break;
      }
      case Kind::MatchOr:
        for (const Node* c : static_cast<const PatternsNode*>(p)->patterns) Pattern(c);
        break;
      case Kind::MatchAs:
        if (static_cast<const MatchAsNode*>(p)->pattern) Pattern(static_cast<const MatchAsNode*>(p)->pattern);
        break;
      default: break;
    }
  }

  void Match(const MatchNode* s) {
    Expression(s->subject);
    Line(s->pos.lineno);
    const int end = NewBlock();
    const size_t cases = s->cases.n;
    const bool has_default = cases > 1 && IsWildcard(s->cases[cases - 1]->pattern);
    for (size_t i = 0; i < cases - (has_default ? 1 : 0); ++i) {
      const MatchCase* m = s->cases[i];
      const int fail = NewBlock();
      Pattern(m->pattern);
      if (!Irrefutable(m->pattern)) Branch(fail, 0, m->pattern->pos.lineno);
      if (m->guard) JumpIf(m->guard, fail, false);
      Stmts(m->body);
      U().loc = m->pattern->pos.lineno;
      Jump(end);
      UseNext(fail);
      Line(m->pattern->pos.lineno);
    }
    if (has_default) {
      const MatchCase* m = s->cases[cases - 1];
      Line(m->pattern->pos.lineno);
      if (m->guard) JumpIf(m->guard, end, false);
      Stmts(m->body);
      U().loc = -1;  // 3.11 leaves no location after a trailing `case _` (observed)
    }
    UseNext(end);
  }

  // ---- conditions: compiler_jump_if ----
  void JumpIf(const Node* e, int next, bool cond) {
    switch (e->kind) {
      case Kind::UnaryOp: {
        auto* u = static_cast<const UnaryOpNode*>(e);
        if (u->op == UnaryOpKind::Not && !Fold(e)) {
          JumpIf(u->operand, next, !cond);
          return;
        }
        break;
      }
      case Kind::BoolOp: {
        auto* b = static_cast<const BoolOpNode*>(e);
        const bool cond2 = b->op == BoolOpKind::Or;
        int next2 = next;
        if (cond2 != cond) next2 = NewBlock();
        for (uint32_t i = 0; i + 1 < b->values.n; ++i) JumpIf(b->values[i], next2, cond2);
        JumpIf(b->values[b->values.n - 1], next, cond);
        if (next2 != next) UseNext(next2);
        return;
      }
      case Kind::IfExp: {
        auto* x = static_cast<const IfExpNode*>(e);
        const int end = NewBlock(), next2 = NewBlock();
        JumpIf(x->test, next2, false);
        JumpIf(x->body, next, cond);
        Jump(end);
        UseNext(next2);
        JumpIf(x->orelse, next, cond);
        UseNext(end);
        return;
      }
      case Kind::Compare: {
        auto* c = static_cast<const CompareNode*>(e);
        if (c->ops.n > 1) {
          const int cleanup = NewBlock();
          Expression(c->left);
          for (uint32_t i = 0; i + 1 < c->ops.n; ++i) {
            Expression(c->comparators[i]);
            Line(e->pos.lineno);
            Branch(cleanup, 0, e->pos.lineno);
          }
          Expression(c->comparators[c->ops.n - 1]);
          Line(e->pos.lineno);
          Branch(next, 0, e->pos.lineno);
          const int end = NewBlock();
          Jump(end);
          UseNext(cleanup);
          if (!cond) Jump(next);
          UseNext(end);
          return;
        }
        break;
      }
      default: break;
    }
    auto v = Fold(e);
    if (v) {
      int8_t fold = 0;
      if (v->truth_known) fold = (v->truth == cond) ? 1 : -1;
      if (fold) FoldedConst(v->K(), e->pos.lineno);
      else EmitConst(v->K(), e->pos.lineno);
      Branch(next, fold, e->pos.lineno);
      return;
    }
    Expression(e);
    Branch(next, 0, e->pos.lineno);
  }

  // ---- expressions ----
  void Expression(const Node* e) {
    if (!e) return;
    const LineNo line = e->pos.lineno;
    if (auto v = Fold(e)) {
      EmitConst(v->K(), line);
      return;
    }
    switch (e->kind) {
      case Kind::BoolOp: {
        auto* b = static_cast<const BoolOpNode*>(e);
        const int end = NewBlock();
        const bool jump_if_true = b->op == BoolOpKind::Or;
        for (uint32_t i = 0; i + 1 < b->values.n; ++i) {
          const Node* v = b->values[i];
          auto c = Fold(v);
          int8_t fold = 0;
          if (c && c->truth_known) fold = c->truth == jump_if_true ? 1 : -1;
          // JUMP_IF_xxx_OR_POP on a constant: a jump keeps the LOAD_CONST (it is the value),
          // falling through turns it into a NOP.
          if (fold == -1) FoldedConst(c->K(), v->pos.lineno);
          else Expression(v);
          Branch(end, fold, v->pos.lineno);
          NextBlock();
        }
        Expression(b->values[b->values.n - 1]);
        UseNext(end);
        return;
      }
      case Kind::IfExp: {
        auto* x = static_cast<const IfExpNode*>(e);
        const int end = NewBlock(), next = NewBlock();
        JumpIf(x->test, next, false);
        Expression(x->body);
        Jump(end);
        UseNext(next);
        Expression(x->orelse);
        UseNext(end);
        return;
      }
      case Kind::Lambda: {
        auto* l = static_cast<const LambdaNode*>(e);
        Arguments_(l->args, true);
        const int id = BeginCode(line, true, false);
        Line(line);
        ConstIndex("N");  // "Make None the first constant"
        Expression(l->body);
        Exit(l->body->pos.lineno);
        EndCode();
        LoadCode(id, line, e);
        Line(line);
        return;
      }
      case Kind::GeneratorExp:
      case Kind::ListComp:
      case Kind::SetComp:
      case Kind::DictComp: {
        auto* c = static_cast<const CompNode*>(e);
        const bool inline_ = rules_.inline_comprehensions && e->kind != Kind::GeneratorExp;
        // The outermost iterable is evaluated in the enclosing scope: before the inlined
        // comprehension, after the comprehension's code object is loaded.
        if (inline_) {
          Iterable(c->generators[0]->iter);
          Line(line);
          CompGen(c, 0);
          Line(line);
          return;
        }
        const int id = BeginCode(line, true, false);
        Line(line);
        CompGen(c, 0);
        EmitConst("N", 0);
        Exit(0);
        EndCode();
        LoadCode(id, line, e);
        Iterable(c->generators[0]->iter);
        Line(line);
        return;
      }
      case Kind::Attribute: {
        auto* a = static_cast<const AttributeNode*>(e);
        Expression(a->value);
        Line(e->pos.end_lineno);
        return;
      }
      case Kind::Call: {
        auto* c = static_cast<const CallNode*>(e);
        Expression(c->func);
        CallArgs(c->args, c->keywords, line);
        Line(line);
        return;
      }
      case Kind::Dict: {
        // compiler_dict: runs of key: value between ** unpackings, each a compiler_subdict.
        auto* d = static_cast<const DictNode*>(e);
        const uint32_t n = d->values.n;
        uint32_t run = 0;
        for (uint32_t i = 0; i < n; ++i) {
          if (!d->keys[i]) {
            if (run) SubDict(d, i - run, i);
            run = 0;
            Expression(d->values[i]);
          } else if (run * 2 > kStackUseGuideline) {
            SubDict(d, i - run, i + 1);
            run = 0;
          } else {
            ++run;
          }
        }
        if (run) SubDict(d, n - run, n);
        Line(line);
        return;
      }
      case Kind::List:
      case Kind::Set: {
        auto* l = static_cast<const EltsNode*>(e);
        bool all_const = l->elts.n > 2 && l->ctx == Ctx::Load;
        std::string key = e->kind == Kind::Set ? "z(" : "t(";
        for (uint32_t i = 0; all_const && i < l->elts.n; ++i) {
          auto v = l->elts[i]->kind == Kind::Starred ? std::nullopt : Fold(l->elts[i]);
          if (!v) all_const = false;
          else key += (i ? "," : "") + v->K();
        }
        if (all_const) {
          Line(line);
          EmitConst(key + ")", line);
          Line(line);
          return;
        }
        for (const Node* x : l->elts) Expression(x);
        if (l->ctx != Ctx::Del) Line(line);
        return;
      }
      case Kind::Yield: {
        auto* y = static_cast<const ValueNode*>(e);
        if (y->value) Expression(y->value);
        else EmitConst("N", line);
        Line(line);
        return;
      }
      case Kind::Await:
      case Kind::YieldFrom:
        Expression(static_cast<const ValueNode*>(e)->value);
        EmitConst("N", line);
        Line(line);
        return;
      case Kind::JoinedStr: {
        for (const Node* v : static_cast<const JoinedStrNode*>(e)->values) Expression(v);
        Line(line);
        return;
      }
      case Kind::FormattedValue: {
        auto* f = static_cast<const FormattedValueNode*>(e);
        Expression(f->value);
        if (f->format_spec) Expression(f->format_spec);
        Line(line);
        return;
      }
      case Kind::TypeVar:
      case Kind::ParamSpec:
      case Kind::TypeVarTuple: {
        auto* t = static_cast<const TypeParamNode*>(e);
        EmitConst(StrKey(t->name), line);
        Line(line);
        if (t->bound) Lazy(t->bound, t->name);
        if (t->default_value) Lazy(t->default_value, t->name);
        return;
      }
      default: break;
    }
    // Everything else: its children, then its own instruction.
    ForEachChildExpr(e);
    if (e->kind == Kind::Tuple && static_cast<const EltsNode*>(e)->ctx == Ctx::Del) return;
    Line(line);
  }

  static constexpr uint32_t kStackUseGuideline = 30;

  // compiler_subdict: two or more constant keys are one tuple of keys after the values
  // (BUILD_CONST_KEY_MAP); otherwise key, value, key, value...
  void SubDict(const DictNode* d, uint32_t begin, uint32_t end) {
    const uint32_t n = end - begin;
    const bool big = n * 2 > kStackUseGuideline;
    bool const_keys = n > 1 && !big;
    std::string key = "t(";
    for (uint32_t i = begin; const_keys && i < end; ++i) {
      auto v = Fold(d->keys[i]);
      if (!v) const_keys = false;
      else key += (i > begin ? "," : "") + v->K();
    }
    if (const_keys) {
      for (uint32_t i = begin; i < end; ++i) Expression(d->values[i]);
      EmitConst(key + ")", d->pos.lineno);
      return;
    }
    for (uint32_t i = begin; i < end; ++i) {
      Expression(d->keys[i]);
      Expression(d->values[i]);
    }
  }

  // compiler_call_helper: positional and keyword arguments with KW_NAMES, or, with *args or
  // **kwargs (or very many arguments), CALL_FUNCTION_EX with a list and dicts of keywords.
  void CallArgs(const NodeList& args, const List<Keyword*>& keywords, LineNo line) {
    bool ex = args.n + keywords.n * 2 > kStackUseGuideline;
    for (const Node* a : args) ex = ex || a->kind == Kind::Starred;
    for (const Keyword* k : keywords) ex = ex || !k->arg.data();
    if (!ex) {
      for (const Node* a : args) Expression(a);
      if (keywords.n) {
        std::string names = "t(";
        for (uint32_t i = 0; i < keywords.n; ++i) {
          Expression(keywords[i]->value);
          if (i) names += ',';
          names += StrKey(keywords[i]->arg);
        }
        EmitConst(names + ")", line);  // KW_NAMES
      }
      return;
    }
    if (args.n == 1 && args[0]->kind == Kind::Starred) {
      Expression(static_cast<const StarredNode*>(args[0])->value);
    } else {
      for (const Node* a : args) Expression(a->kind == Kind::Starred ? static_cast<const StarredNode*>(a)->value : a);
    }
    uint32_t seen = 0;
    for (uint32_t i = 0; i < keywords.n; ++i) {
      if (!keywords[i]->arg.data()) {
        if (seen) SubKwargs(keywords, i - seen, i, line);
        seen = 0;
        Expression(keywords[i]->value);
      } else {
        ++seen;
      }
    }
    if (seen) SubKwargs(keywords, keywords.n - seen, keywords.n, line);
  }

  // compiler_subkwargs: two or more keywords are their values then a tuple of names;
  // otherwise 'name', value pairs.
  void SubKwargs(const List<Keyword*>& keywords, uint32_t begin, uint32_t end, LineNo line) {
    const uint32_t n = end - begin;
    if (n > 1 && n * 2 <= kStackUseGuideline) {
      std::string names = "t(";
      for (uint32_t i = begin; i < end; ++i) {
        Expression(keywords[i]->value);
        if (i > begin) names += ',';
        names += StrKey(keywords[i]->arg);
      }
      EmitConst(names + ")", line);
      return;
    }
    for (uint32_t i = begin; i < end; ++i) {
      EmitConst(StrKey(keywords[i]->arg), line);
      Expression(keywords[i]->value);
    }
  }

  // A lazily evaluated expression (a type parameter's bound or default): a code object.
  void Lazy(const Node* e, std::string_view name) {
    const int id = BeginCode(e->pos.lineno, true, false, name);
    Line(e->pos.lineno);
    Expression(e);
    Exit(e->pos.lineno);
    EndCode();
    LoadCode(id, e->pos.lineno, e);
  }

  void CompGen(const CompNode* c, size_t gen) {
    const Comprehension* g = c->generators[gen];
    if (gen > 0) Iterable(g->iter);
    const int start = NewBlock(), if_cleanup = NewBlock(), anchor = NewBlock();
    UseNext(start);
    if (g->is_async) EmitConst("N", g->iter->pos.lineno);  // the await of __anext__
    Branch(anchor, 0, g->iter->pos.lineno);  // FOR_ITER
    NextBlock();
    Expression(g->target);
    for (const Node* cond : g->ifs) JumpIf(cond, if_cleanup, false);
    if (gen + 1 < c->generators.n) {
      CompGen(c, gen + 1);
    } else {
      Expression(c->elt);
      if (c->value) Expression(c->value);
      Line(c->pos.lineno);
    }
    UseNext(if_cleanup);
    Jump(start);
    UseNext(anchor);
  }

  // A list or set display of constants as ast_opt.c turns it into a constant (for `in` and
  // `for`): the tuple's / frozenset's key.
  static std::optional<std::string> ConstantCollection(const Node* e) {
    if (e->kind != Kind::List && e->kind != Kind::Set) return std::nullopt;
    auto* l = static_cast<const EltsNode*>(e);
    std::string key = e->kind == Kind::Set ? "z(" : "t(";
    for (uint32_t i = 0; i < l->elts.n; ++i) {
      if (l->elts[i]->kind == Kind::Starred) return std::nullopt;
      auto v = Fold(l->elts[i]);
      if (!v) return std::nullopt;
      key += (i ? "," : "") + v->K();
    }
    return key + ")";
  }

  // An iterable as ast_opt.c fold_iter leaves it.
  void Iterable(const Node* e) {
    if (auto k = ConstantCollection(e)) {
      EmitConst(*k, e->pos.lineno);
      return;
    }
    Expression(e);
  }

  void ForEachChildExpr(const Node* e) {
    switch (e->kind) {
      case Kind::NamedExpr: {
        auto* n = static_cast<const NamedExprNode*>(e);
        Expression(n->value);
        Expression(n->target);
        break;
      }
      case Kind::BinOp: {
        auto* b = static_cast<const BinOpNode*>(e);
        Expression(b->left);
        Expression(b->right);
        break;
      }
      case Kind::UnaryOp: Expression(static_cast<const UnaryOpNode*>(e)->operand); break;
      case Kind::Tuple:
        for (const Node* x : static_cast<const EltsNode*>(e)->elts) Expression(x);
        if (static_cast<const EltsNode*>(e)->ctx == Ctx::Del) return;  // nothing of its own
        break;
      case Kind::Compare: {
        auto* c = static_cast<const CompareNode*>(e);
        Expression(c->left);
        for (uint32_t i = 0; i < c->comparators.n; ++i) {
          const CmpOp op = c->ops[i];
          if (i + 1 == c->comparators.n && (op == CmpOp::In || op == CmpOp::NotIn)) {
            // ast_opt.c fold_compare: `x in [1, 2]` tests a constant tuple (a frozenset for {..}).
            if (auto k = ConstantCollection(c->comparators[i])) {
              EmitConst(*k, c->comparators[i]->pos.lineno);
              continue;
            }
          }
          Expression(c->comparators[i]);
        }
        break;
      }
      case Kind::Subscript: {
        auto* s = static_cast<const SubscriptNode*>(e);
        Expression(s->value);
        Expression(s->slice);
        break;
      }
      case Kind::Starred: Expression(static_cast<const StarredNode*>(e)->value); break;
      case Kind::Slice: {
        auto* s = static_cast<const SliceNode*>(e);
        if (s->lower) Expression(s->lower);
        else EmitConst("N", e->pos.lineno);
        if (s->upper) Expression(s->upper);
        else EmitConst("N", e->pos.lineno);
        if (s->step) Expression(s->step);
        break;
      }
      default: break;
    }
  }

  void UnusedBreak() {}
};

// ---------------------------------------------------------------------------------------------
// The optimiser's part: reachability, then the lines of what survives.

struct Survey {
  int max_const = 0;  // trim_unused_consts always keeps co_consts[0] (a docstring, maybe)
};

// Marks the lines of every instruction reachable from the entry block of `code`.
void Reach(const Code& code, Survey& s, std::vector<char>& child_loaded, std::vector<char>& lines) {
  const bool record = !code.annotate;
  thread_local std::vector<char> reachable;
  thread_local std::vector<int> stack;
  reachable.assign(code.blocks.size(), 0);
  stack.clear();
  stack.push_back(0);
  reachable[0] = 1;
  auto mark = [&](int b) {
    if (b >= 0 && !reachable[size_t(b)]) {
      reachable[size_t(b)] = 1;
      stack.push_back(b);
    }
  };
  while (!stack.empty()) {
    const int b = stack.back();
    stack.pop_back();
    const Block& blk = code.blocks[size_t(b)];
    bool falls = true;
    for (int32_t k = blk.begin; k < blk.end; ++k) {
      const Instr& i = code.ins[size_t(k)];
      if (i.line > 0 && record) {
        if (size_t(i.line) >= lines.size()) lines.resize(size_t(i.line) * 2 + 1, 0);
        lines[size_t(i.line)] = 1;
      }
      bool stop = false;
      switch (i.op) {
        case In::kLine: break;
        case In::kConst: s.max_const = std::max(s.max_const, i.arg); break;
        case In::kOptConst: {
          auto it = code.consts.find(code.opt_keys[size_t(i.arg)]);
          s.max_const = std::max(s.max_const, it == code.consts.end() ? kOptimizerConst : it->second);
          break;
        }
        case In::kCode:
          child_loaded[size_t(i.arg)] = 1;
          s.max_const = std::max(s.max_const, i.aux);
          break;
        case In::kJump: mark(i.arg), stop = true; break;
        case In::kBranch:
          if (i.fold >= 0) mark(i.arg);
          if (i.fold == 1) stop = true;
          break;
        case In::kSetup: mark(i.arg); break;
        case In::kExit: stop = true; break;
      }
      if (stop) {
        falls = false;
        break;
      }
    }
    if (falls) mark(blk.next);
  }
}

}  // namespace

std::vector<LineNo> RawStatementLines(const ModuleNode* module, const VersionRules& rules, CompileError* error) {
  Model model(rules);
  model.CompileModule(module);
  if (model.too_many_blocks && error) {
    error->line = model.too_many_blocks;
    error->message = "too many statically nested blocks";
    return {};
  }
  const std::deque<Code>& codes = model.codes;
  std::vector<char> loaded(codes.size(), 0);
  std::vector<char> seen(size_t(module->pos.end_lineno > 0 ? module->pos.end_lineno : 0) + 2, 0);
  // Code objects are visited from the module down; a child is compiled into the constants of
  // its parent only if it survives there.
  std::vector<int> todo{0};
  while (!todo.empty()) {
    const int id = todo.back();
    todo.pop_back();
    const Code& code = codes[size_t(id)];
    Survey s;
    Reach(code, s, loaded, seen);
    for (int child : code.children) {
      bool keep;
      if (rules.trim_tail_consts_only) {
        auto it = code.consts.find(codes[size_t(child)].const_key);
        keep = it != code.consts.end() && it->second <= s.max_const;
      } else {
        // Unused constants go, but co_consts[0] always stays.
        keep = loaded[size_t(child)] || codes[size_t(child)].const_zero;
      }
      if (keep) todo.push_back(child);
    }
  }
  std::vector<LineNo> out;
  for (size_t l = 1; l < seen.size(); ++l)
    if (seen[l]) out.push_back(LineNo(l));
  return out;
}

}  // namespace covalesce::native
