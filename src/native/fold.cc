// Constant folding (fold.h): ast_opt.c's rules, on covalesce's tree.
#include "fold.h"

#include <cmath>
#include <cstring>

namespace covalesce::native::compiler {
namespace {

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

}  // namespace

thread_local bool fold_empty_fstring = false;  // the version being modelled

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

std::string StrKey(std::string_view s) { return "s" + std::to_string(s.size()) + ":" + std::string(s); }

// A constant CPython would fold but whose value the model does not track.
CVal Opaque(CVal::T t, const std::string& key) {
  CVal v;
  v.t = t, v.truth_known = false, v.int_exact = false, v.key = key;
  return v;
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

}  // namespace covalesce::native::compiler
