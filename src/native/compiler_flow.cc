// The compiler model: control flow (if, while, for, break/continue/return unwinding, with,
// try/except, try/except*, try/finally, assert) and conditions (compiler_jump_if).
//
// This is where lines appear and vanish. Loops test at the top and again at the bottom, so
// a loop's line is reached from its body's end as well as from before it. A `finally` body
// is compiled again into every exit through it (the normal path, the exception path, each
// return, break and continue), so a line of it is in the table if any copy survives.
// break, continue and return unwind the frame-block stack as compiler_unwind_fblock does,
// emitting each `with` exit and `finally` copy on the way out; a stack deeper than
// CO_MAXBLOCKS is CPython's "too many statically nested blocks". `with` has a handler path
// that can swallow the exception, so the code after it stays reachable even when the body
// always raises. Conditions follow compiler_jump_if: `not`, `and`/`or` and chained
// comparisons become jumps between blocks, and a condition folded to a known constant
// becomes an unconditional jump or nothing, leaving the other side unreachable.
#include <algorithm>
#include <string>

#include "compiler.h"

namespace covalesce::native::compiler {

void Model::If(const IfNode* s) {
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

void Model::While(const WhileNode* s) {
  const int loop = NewBlock(), body = NewBlock(), anchor = NewBlock(), end = NewBlock();
  UseNext(loop);
  PushFB({FB::kWhileLoop, loop, end});
  JumpIf(s->test, anchor, false);
  UseNext(body);
  Stmts(s->body);
  U().loc = s->pos.lineno;
  JumpIf(s->test, body, true);
  U().fblocks.pop_back();
  ElseThenEnd(anchor, s->orelse, end);
}

void Model::For(const ForNode* s) {
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

void Model::Break(LineNo line) {
  Line(line);
  int loop = UnwindStack(false, true);
  if (loop < 0) return;  // 'break' outside loop: a compile error found elsewhere
  const FBlock info = U().fblocks[size_t(loop)];
  Unwind(info, false, line);
  Jump(info.exit, line);
  NextBlock();
}

void Model::Continue(LineNo line) {
  Line(line);
  int loop = UnwindStack(false, true);
  if (loop < 0) return;
  Jump(U().fblocks[size_t(loop)].block, line);
  NextBlock();
}

void Model::Return(const ValueNode* s) {
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
  else if (constant) EmitConst(KeyFor(*constant), line);
  Line(line);
  Exit(line);
  NextBlock();
}

// compiler_unwind_fblock_stack: unwinds every frame above the innermost loop (loop_only) or
// all of them (return); returns the loop's index, or -1. The frames are restored afterwards.
int Model::UnwindStack(bool preserve_tos, bool to_loop) {
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

void Model::Unwind(const FBlock& info, bool preserve_tos, LineNo line) {
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

void Model::With(const WithNode* s, size_t pos) {
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

void Model::StmtsUnder(const FBlock& fb, const NodeList& body) {
  PushFB(fb);
  Stmts(body);
  U().fblocks.pop_back();
}

void Model::HandlerBody(const ExceptHandlerNode* h) {
  const int cleanup_body = NewBlock();
  UseNext(cleanup_body);
  StmtsUnder({FB::kHandlerCleanup, cleanup_body, -1, h}, h->body);
}

void Model::ElseThenEnd(int from, const NodeList& orelse, int end) {
  UseNext(from);
  Stmts(orelse);
  UseNext(end);
}

void Model::TryExcept(const TryNode* s) {
  const LineNo line = s->pos.lineno;
  const int body = NewBlock(), except = NewBlock(), end = NewBlock(), cleanup = NewBlock();
  Setup(except, line);
  UseNext(body);
  StmtsUnder({FB::kTryExcept, body}, s->body);
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
      const int cleanup_end = NewBlock();
      Setup(cleanup_end, hl);
      HandlerBody(h);
      EmitConst("N", 0);
      Jump(end);
      UseNext(cleanup_end);
      EmitConst("N", 0);
      Exit(0);
    } else {
      HandlerBody(h);
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

void Model::TryStarExcept(const TryNode* s) {
  const LineNo line = s->pos.lineno;
  const int body = NewBlock(), except = NewBlock(), orelse = NewBlock(), end = NewBlock(),
            cleanup = NewBlock(), reraise_star = NewBlock();
  Setup(except, line);
  UseNext(body);
  StmtsUnder({FB::kTryExcept, body}, s->body);
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
    const int cleanup_end = NewBlock();
    Setup(cleanup_end, hl);
    HandlerBody(h);
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
  ElseThenEnd(orelse, s->orelse, end);
}

void Model::TryFinally(const TryNode* s) {
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

void Model::Assert(const AssertNode* s) {
  const LineNo line = s->pos.lineno;
  const int end = NewBlock();
  JumpIf(s->test, end, true);
  Line(line);  // LOAD_ASSERTION_ERROR
  if (s->msg) Expression(s->msg);
  Exit(line);
  UseNext(end);
}

void Model::JumpIf(const Node* e, int next, bool cond) {
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
    if (fold) FoldedConst(KeyFor(*v), e->pos.lineno);
    else EmitConst(KeyFor(*v), e->pos.lineno);
    Branch(next, fold, e->pos.lineno);
    return;
  }
  Expression(e);
  Branch(next, 0, e->pos.lineno);
}

}  // namespace covalesce::native::compiler
