// Constant folding, as CPython's Python/ast_opt.c does it before the compiler runs.
//
// Which lines a module's code objects carry depends on folding: `if 0:`, `while 1:`,
// `if not __debug__:`, `if (1, 2):` and `x in [1, 2]` are decided at compile time, and the
// blocks they make unreachable are dropped with their lines. ast_opt.c folds unary and binary
// operators on constants (with its size limits: no 100-item tuple repeated, no huge powers or
// shifts), tuples of constants, subscripts of constant strings, bytes and tuples, and the
// compiler then treats the result as one LOAD_CONST. The model folds the same expressions to
// a CVal: the value where it matters for truth (a condition) or for a further fold, and
// otherwise a key that is equal exactly when CPython's constants would compare equal in
// co_consts (3.11 numbers its constants, so equal constants share one index). A value the
// model cannot compute but CPython would fold is Opaque: its key still identifies it, its
// truth is unknown, and a condition on it is compiled as a test that can go either way.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "internal.h"

namespace covalesce::native::compiler {

using namespace py;

// A constant's co_consts identity: equal exactly when CPython would merge the two constants.
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

// The key of a str constant with these UTF-8 bytes.
std::string StrKey(std::string_view s);

// A constant CPython would fold but whose value the model does not track.
CVal Opaque(CVal::T t, const std::string& key);

// An f-string with no parts is LOAD_CONST '' from 3.13 (BUILD_STRING 0 before): set from the
// version's rules by the Model before it compiles.
extern thread_local bool fold_empty_fstring;

// `e` as ast_opt.c would fold it, or nullopt when it is not a constant after folding.
std::optional<CVal> Fold(const Node* e);

}  // namespace covalesce::native::compiler
