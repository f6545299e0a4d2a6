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
//
// The model is spread over: fold.h (ast_opt.c's constant folding), compiler.h (the abstract
// code and the Model class), compiler_statements.cc, compiler_annotations.cc,
// compiler_flow.cc, compiler_match.cc and compiler_expressions.cc (the compiler's walk, by
// concept). This file runs it over a module and does the optimiser's part: reachability
// from each code object's entry, then the lines of the instructions that survive, visiting
// nested code objects only where their constant survives in the parent.
#include <algorithm>
#include <deque>
#include <vector>

#include "compiler.h"
#include "internal.h"

namespace covalesce::native {
namespace compiler {

void Model::CompileModule(const ModuleNode* m) {
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

namespace {
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
}  // namespace compiler

using compiler::Code;
using compiler::Model;
using compiler::Reach;
using compiler::Survey;
using py::ModuleNode;

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

