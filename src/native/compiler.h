// The compiler model's abstract code, and the Model class that emits it.
//
// CPython's compiler (compile.c; codegen.c and flowgraph.c from 3.13) turns each statement
// and expression into instructions in basic blocks, every instruction carrying a location;
// the line table of a code object lists the lines of the instructions that survive the
// optimiser. What decides whether a line is there is not the instructions themselves but the
// control flow between them: which blocks a jump, a fallthrough or an exception handler can
// reach, and which constants and nested code objects survive. So the model keeps only that:
// an instruction is a line marker, a constant load (3.11 numbers its constants, see
// VersionRules::trim_tail_consts_only), a nested code object's load, a jump, a conditional
// jump (with what folding decided about it), an exception-handler setup, or an exit.
//
// Model walks the tree as the compiler does, one method per compiler_* function it mirrors,
// split by concept over compiler_statements.cc, compiler_annotations.cc, compiler_flow.cc,
// compiler_match.cc and compiler_expressions.cc; lines.cc runs it and does the optimiser's
// part. Its small emitters (a block, a line, a jump) are here, inline.
#pragma once
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fold.h"
#include "internal.h"

namespace covalesce::native::compiler {

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

  void CompileModule(const ModuleNode* m);

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
    c.blocks.reserve(16);  // before the first block: one allocation, not two
    c.blocks.emplace_back();
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
    // 3.12+ ask only for co_consts[0] (every call is guarded by nconsts == 0) and never read
    // the keys back (lines.cc does only when tracking): no map entry needed.
    if (!track_consts_ && c.nconsts == 0) {
      c.nconsts = 1;
      return 0;
    }
    auto [it, added] = c.consts.try_emplace(key, c.nconsts);
    if (added) ++c.nconsts;
    return it->second;
  }
  // A folded constant's key where one is ever read; 3.12+ read none (see ConstIndex), so a
  // literal's key is not even made.
  const std::string& KeyFor(const CVal& v) const {
    static const std::string kUnread;
    return track_consts_ ? v.K() : kUnread;
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

  // ---- statements and definitions (compiler_statements.cc) ----
  static bool IsDocstring(const Node* s);
  void Body(const NodeList& stmts, bool module);
  void Stmts(const NodeList& stmts);
  void Stmt(const Node* s);
  void Decorators(const NodeList& decorators);
  void Arguments_(const Arguments* a, bool lambda);
  int BeginGeneric(const NodeList& type_params, LineNo first);
  void EndGeneric(int id, LineNo line, const void* source);
  void FunctionDef(const FunctionDefNode* f);
  void ClassDef(const ClassDefNode* c);
  static bool UsesClassCell(const Node* n);
  static void ScanForClassCell(const Node* n, bool& found);
  static bool NeedsClassCell(const NodeList& body);

  // ---- annotations (compiler_annotations.cc) ----
  static bool FindAnn(const NodeList& stmts);
  void Annotations(const Arguments* a, const Node* returns);
  void AnnAssign(const AnnAssignNode* a);
  std::string AnnotationKey(const Node* e);
  static bool Unparse(const Node* e, std::string& out);
  void Annotation(const Node* e);

  // ---- control flow and conditions (compiler_flow.cc) ----
  void If(const IfNode* s);
  void While(const WhileNode* s);
  void For(const ForNode* s);
  void Break(LineNo line);
  void Continue(LineNo line);
  void Return(const ValueNode* s);
  int UnwindStack(bool preserve_tos, bool to_loop);
  void Unwind(const FBlock& info, bool preserve_tos, LineNo line);
  void With(const WithNode* s, size_t pos);
  void TryExcept(const TryNode* s);
  void TryStarExcept(const TryNode* s);
  void TryFinally(const TryNode* s);
  // Statements under an fblock (a try body, a handler body) that break, continue and return
  // unwind through.
  void StmtsUnder(const FBlock& fb, const NodeList& body);
  // An except handler's body in a block of its own, under its kHandlerCleanup fblock.
  void HandlerBody(const ExceptHandlerNode* h);
  // The else body of a while loop or a try statement, entered at block `from`; then `end`.
  void ElseThenEnd(int from, const NodeList& orelse, int end);
  void Assert(const AssertNode* s);
  void JumpIf(const Node* e, int next, bool cond);

  // ---- match statements (compiler_match.cc) ----
  static bool Irrefutable(const Node* p);
  static bool IsWildcard(const Node* p);
  static bool IsWildcardPattern(const Node* p);
  void Pattern(const Node* p);
  void Match(const MatchNode* s);

  // ---- expressions (compiler_expressions.cc) ----
  static constexpr uint32_t kStackUseGuideline = 30;
  void Expression(const Node* e);
  void SubDict(const DictNode* d, uint32_t begin, uint32_t end);
  void CallArgs(const NodeList& args, const List<Keyword*>& keywords, LineNo line);
  void SubKwargs(const List<Keyword*>& keywords, uint32_t begin, uint32_t end, LineNo line);
  void Lazy(const Node* e, std::string_view name);
  void CompGen(const CompNode* c, size_t gen);
  static std::optional<std::string> ConstantCollection(const Node* e);
  void Iterable(const Node* e);
  void ForEachChildExpr(const Node* e);
};

}  // namespace covalesce::native::compiler
