// Native branch analysis. coverage.py 7.17.3 finds a file's possible arcs by walking the AST
// (parser.py, AstArcAnalyzer): every code object (module, class, function) is analysed on
// its own; each statement handler returns the "exits" of its statement (a line, and the
// English reason an arc from it may be missed), and the next statement of the body is
// joined to them. Jumps (break, continue, raise, return) are handed up a stack of blocks
// (loops, try statements, the function). Only lines among the raw statements (the line
// tables of the compiled code) can be arc ends. On 3.10+ leaving a `with` body jumps back to
// the `with` line, so arcs through it are then rewritten ("with jump fixers"), and finally
// every line is mapped to the first line of its statement.
//
// This file models that walk on covalesce's tree, handler by handler, keeping coverage.py's
// order of visits wherever the result depends on it. One thing coverage.py leaves to chance:
// several message fragments on one arc come from iterating a Python set of (line, reason)
// pairs whose order follows string hashes, different in every process. Here they come in the
// order the exits were found.
#include "arcs.h"

#include <algorithm>
#include <climits>
#include <deque>
#include <iterator>
#include <set>
#include <unordered_map>

#include "covalesce/native_analysis.h"

namespace covalesce::native {

namespace {

using py::Kind;
using py::Node;

// The `missing_cause_msg` fragments coverage.py writes ("{lineno}" is the arc's start).
enum Cause : uint8_t {
  kNone,  // Python's None: no fragment unless there is an action
  kEmpty,  // ArcStart's default "": a fragment, and a message ending in "because "
  kBreak, kContinue, kLoopNeverStarted, kLoopDidntComplete, kNeverTrue, kAlwaysTrue,
  kPatternAlwaysMatched, kPatternNeverMatched, kRaise, kReturn, kExceptionDidntHappen,
};
constexpr std::string_view kCauseText[] = {
    "",
    "",
    "the break on line {lineno} wasn't executed",
    "the continue on line {lineno} wasn't executed",
    "the loop on line {lineno} never started",
    "the loop on line {lineno} didn't complete",
    "the condition on line {lineno} was never true",
    "the condition on line {lineno} was always true",
    "the pattern on line {lineno} always matched",
    "the pattern on line {lineno} never matched",
    "the raise on line {lineno} wasn't executed",
    "the return on line {lineno} wasn't executed",
    "the exception caught by line {lineno} didn't happen",
};

// coverage.py's ArcStart.
struct Start {
  LineNo line;
  Cause cause;
  bool operator==(const Start&) const = default;
};

// A Python set of ArcStarts, kept in insertion order. Nearly always one or two: those live
// inline, so a statement's exits cost no allocation.
class Starts {
 public:
  Starts() = default;
  explicit Starts(Start s) : n_(1) { small_[0] = s; }
  const Start* begin() const { return heap_ ? big_.data() : small_; }
  const Start* end() const { return begin() + n_; }
  bool empty() const { return n_ == 0; }
  void Add(Start s) {
    if (std::find(begin(), end(), s) != end()) return;
    if (!heap_ && n_ < kInline) {
      small_[n_++] = s;
      return;
    }
    if (!heap_) big_.assign(small_, small_ + n_), heap_ = true;
    big_.push_back(s);
    ++n_;
  }
  void Merge(const Starts& o) {
    for (Start s : o) Add(s);
  }

 private:
  static constexpr uint32_t kInline = 4;
  Start small_[kInline];
  uint32_t n_ = 0;
  bool heap_ = false;
  std::vector<Start> big_;
};

struct Block {
  enum Type { kLoop, kFunction, kTry } type;
  LineNo start = 0;          // loop: its start line; function: its first line
  LineNo handler_start = 0;  // try: the first handler's line, 0 for None
  std::string name;          // function: repr(name)
  Starts breaks;             // loop: the break exits
  const std::string* raise_action = nullptr;   // function: made on first use
  const std::string* return_action = nullptr;
};

// One add_arc() fragment, in the order they were added.
struct Fragment {
  Arc arc;
  Cause cause;
  const std::string* action;  // null: None
};

// Python's truth value of a constant.
bool Truthy(const py::ConstantNode* c) {
  switch (c->ck) {
    case py::ConstKind::None:
    case py::ConstKind::False: return false;
    case py::ConstKind::True:
    case py::ConstKind::Ellipsis: return true;
    case py::ConstKind::Int: return c->big_int || c->ival != 0;
    case py::ConstKind::Float:
    case py::ConstKind::Complex: return c->fval != 0;  // NaN is true, as != says
    case py::ConstKind::Str:
    case py::ConstKind::Bytes: return !c->text.empty();
  }
  return false;
}

// is_constant_test_expr: (is a constant, its truth value).
std::pair<bool, bool> ConstantTest(const Node* n) {
  switch (n->kind) {
    case Kind::Constant: return {true, Truthy(static_cast<const py::ConstantNode*>(n))};
    case Kind::Name: {
      std::string_view id = static_cast<const py::NameNode*>(n)->id;
      if (id == "True" || id == "__debug__") return {true, true};
      if (id == "False" || id == "None") return {true, false};
      return {false, false};
    }
    case Kind::UnaryOp: {
      auto* u = static_cast<const py::UnaryOpNode*>(n);
      if (u->op != py::UnaryOpKind::Not) return {false, false};
      auto [c, v] = ConstantTest(u->operand);
      return {c, !v};
    }
    case Kind::BoolOp: {
      auto* b = static_cast<const py::BoolOpNode*>(n);
      bool all_const = true, any = false, all = true;
      for (const Node* v : b->values) {
        auto [c, t] = ConstantTest(v);
        all_const = all_const && c;
        any = any || t;
        all = all && t;
      }
      if (!all_const) return {false, false};
      return {true, b->op == py::BoolOpKind::Or ? any : all};
    }
    default: return {false, false};
  }
}


// Thrown where coverage.py itself would raise (an assert, a KeyError), or where the rules
// are unknown: the file goes to the exact fallback.
struct Unsupported {
  std::string why;
};

class ArcAnalyzer {
 public:
  ArcAnalyzer(const std::vector<LineNo>& raw, const LineMap<LineNo>& multiline, const ArcRules& rules,
              FileAnalysis& fa)
      : rules_(rules), fa_(fa) {
    LineNo max_line = 1;
    if (!raw.empty()) max_line = std::max(max_line, raw.back());
    if (!multiline.empty()) max_line = std::max(max_line, multiline.rbegin()->first);
    first_of_.resize(size_t(max_line) + 1);
    for (LineNo l = 0; l <= max_line; ++l) first_of_[size_t(l)] = l;
    for (const auto& [l, f] : multiline) first_of_[size_t(l)] = f;
    statement_.assign(first_of_.size() + 1, 0);
    for (LineNo l : raw) Mark(Map(l));
  }

  void Analyze(const py::ModuleNode* module);
  void Finish();

 private:
  LineNo Map(LineNo l) const { return l >= 0 && size_t(l) < first_of_.size() ? first_of_[size_t(l)] : l; }
  void Mark(LineNo l) {
    if (l < 0) return;
    if (size_t(l) >= statement_.size()) statement_.resize(size_t(l) + 1, 0);
    statement_[size_t(l)] = 1;
  }
  bool IsStatement(LineNo l) const { return l >= 0 && size_t(l) < statement_.size() && statement_[size_t(l)]; }

  LineNo LineFor(const Node* n) const;
  void AddArc(LineNo start, LineNo end, Cause cause = kNone, const std::string* action = nullptr);
  Starts ProcessBody(const py::NodeList& body, Starts prev);
  Starts NodeExits(const Node* n);

  void BreakExits(const Starts& exits);
  void ContinueExits(const Starts& exits);
  void RaiseExits(const Starts& exits);
  // The arcs from `exits` out of function block `b`, with the action (`why` and the function's
  // name, made on first use and kept in `action`) that says why they leave it.
  void FunctionExits(const Starts& exits, Block& b, const std::string*& action, const char* why);
  void ReturnExits(const Starts& exits);

  Starts Decorated(const Node* n, const py::NodeList& decorators);
  Starts For(const py::ForNode* n);
  // A for or while loop's body, entered at `start` for the `enter` reason: its arcs back to
  // `start`; returns the breaks out of it.
  Starts LoopBody(LineNo start, const py::NodeList& body, Cause enter);
  Starts If(const py::IfNode* n);
  Starts Match(const py::MatchNode* n);
  Starts Try(const py::TryNode* n);
  Starts While(const py::WhileNode* n);
  Starts With(const py::WithNode* n);

  const ArcRules& rules_;
  FileAnalysis& fa_;
  std::vector<LineNo> first_of_;
  std::vector<char> statement_;
  std::vector<Arc> arcs_;
  std::vector<Block> blocks_;
  std::set<LineNo> current_with_starts_, all_with_starts_;
  std::set<Arc> with_entries_, with_exits_;
  std::vector<Fragment> fragments_;
  std::deque<std::string> actions_;  // the action texts fragments point to
};

LineNo ArcAnalyzer::LineFor(const Node* n) const {
  LineNo line = n->pos.lineno;
  switch (n->kind) {
    case Kind::FunctionDef:
    case Kind::AsyncFunctionDef: {
      auto* f = static_cast<const py::FunctionDefNode*>(n);
      if (f->decorator_list.n) line = f->decorator_list[0]->pos.lineno;
      break;
    }
    case Kind::ClassDef: {
      auto* c = static_cast<const py::ClassDefNode*>(n);
      if (c->decorator_list.n) line = c->decorator_list[0]->pos.lineno;
      break;
    }
    case Kind::Assign: line = LineFor(static_cast<const py::AssignNode*>(n)->value); break;
    case Kind::Dict: {
      auto* d = static_cast<const py::DictNode*>(n);
      if (d->values.n) line = d->keys[0] ? d->keys[0]->pos.lineno : d->values[0]->pos.lineno;
      break;
    }
    case Kind::List: {
      auto* l = static_cast<const py::EltsNode*>(n);
      if (l->elts.n) line = LineFor(l->elts[0]);
      break;
    }
    case Kind::Module: line = 1; break;
    default: break;
  }
  return Map(line);
}

void ArcAnalyzer::AddArc(LineNo start, LineNo end, Cause cause, const std::string* action) {
  arcs_.emplace_back(start, end);
  if (!current_with_starts_.empty() && current_with_starts_.count(start)) with_entries_.insert({start, end});
  if (cause != kNone || action) fragments_.push_back({{start, end}, cause, action});
}

Starts ArcAnalyzer::ProcessBody(const py::NodeList& body, Starts prev) {
  for (const Node* n : body) {
    const LineNo line = LineFor(n);
    if (!IsStatement(line)) continue;
    for (Start s : prev) AddArc(s.line, line, s.cause);
    prev = NodeExits(n);
  }
  return prev;
}

void ArcAnalyzer::BreakExits(const Starts& exits) {
  for (size_t i = blocks_.size(); i-- > 0;) {
    if (blocks_[i].type == Block::kLoop) {
      blocks_[i].breaks.Merge(exits);
      return;
    }
  }
}

void ArcAnalyzer::ContinueExits(const Starts& exits) {
  for (size_t i = blocks_.size(); i-- > 0;) {
    if (blocks_[i].type == Block::kLoop) {
      for (Start s : exits) AddArc(s.line, blocks_[i].start, s.cause);
      return;
    }
  }
}

void ArcAnalyzer::RaiseExits(const Starts& exits) {
  for (size_t i = blocks_.size(); i-- > 0;) {
    Block& b = blocks_[i];
    if (b.type == Block::kFunction) return FunctionExits(exits, b, b.raise_action, "except from function ");
    if (b.type == Block::kTry) {
      if (b.handler_start)
        for (Start s : exits) AddArc(s.line, b.handler_start, s.cause);
      return;
    }
  }
}

void ArcAnalyzer::FunctionExits(const Starts& exits, Block& b, const std::string*& action, const char* why) {
  if (!action) action = &actions_.emplace_back(why + b.name);
  for (Start s : exits) AddArc(s.line, -b.start, s.cause, action);
}

void ArcAnalyzer::ReturnExits(const Starts& exits) {
  for (size_t i = blocks_.size(); i-- > 0;) {
    Block& b = blocks_[i];
    if (b.type == Block::kFunction) return FunctionExits(exits, b, b.return_action, "return from function ");
  }
}

Starts ArcAnalyzer::NodeExits(const Node* n) {
  switch (n->kind) {
    case Kind::Break: BreakExits(Starts({LineFor(n), kBreak})); return {};
    case Kind::Continue: ContinueExits(Starts({LineFor(n), kContinue})); return {};
    case Kind::Raise: RaiseExits(Starts({LineFor(n), kRaise})); return {};
    case Kind::Return: ReturnExits(Starts({LineFor(n), kReturn})); return {};
    case Kind::FunctionDef:
    case Kind::AsyncFunctionDef: return Decorated(n, static_cast<const py::FunctionDefNode*>(n)->decorator_list);
    case Kind::ClassDef: return Decorated(n, static_cast<const py::ClassDefNode*>(n)->decorator_list);
    case Kind::For:
    case Kind::AsyncFor: return For(static_cast<const py::ForNode*>(n));
    case Kind::If: return If(static_cast<const py::IfNode*>(n));
    case Kind::Match: return Match(static_cast<const py::MatchNode*>(n));
    case Kind::Try:
    case Kind::TryStar: return Try(static_cast<const py::TryNode*>(n));
    case Kind::While: return While(static_cast<const py::WhileNode*>(n));
    case Kind::With:
    case Kind::AsyncWith: return With(static_cast<const py::WithNode*>(n));
    default: return Starts({LineFor(n), kEmpty});
  }
}

// _handle_decorated: decorator lines in turn, then the def/class line itself (unmapped).
Starts ArcAnalyzer::Decorated(const Node* n, const py::NodeList& decorators) {
  const LineNo main = n->pos.lineno;
  LineNo last = main;
  if (decorators.n) {
    last = 0;
    for (const Node* d : decorators) {
      const LineNo dec = LineFor(d);
      if (last && dec != last) AddArc(last, dec);
      last = dec;
    }
    AddArc(last, main);
    last = main;
  }
  return Starts({last, kEmpty});
}

Starts ArcAnalyzer::LoopBody(LineNo start, const py::NodeList& body, Cause enter) {
  blocks_.push_back({Block::kLoop, start, 0, {}, {}, nullptr, nullptr});
  Starts ends = ProcessBody(body, Starts({start, enter}));
  for (Start s : ends) AddArc(s.line, start, s.cause);
  Block mine = std::move(blocks_.back());
  blocks_.pop_back();
  return std::move(mine.breaks);
}

Starts ArcAnalyzer::For(const py::ForNode* n) {
  const LineNo start = LineFor(n->iter);
  Starts exits = LoopBody(start, n->body, kLoopNeverStarted);
  const Start from{start, kLoopDidntComplete};
  if (n->orelse.n) exits.Merge(ProcessBody(n->orelse, Starts(from)));
  else exits.Add(from);
  return exits;
}

Starts ArcAnalyzer::If(const py::IfNode* n) {
  const LineNo start = LineFor(n->test);
  auto [constant, value] = ConstantTest(n->test);
  Starts exits;
  if (!constant || value) exits.Merge(ProcessBody(n->body, Starts({start, kNeverTrue})));
  if (!constant || !value) exits.Merge(ProcessBody(n->orelse, Starts({start, kAlwaysTrue})));
  return exits;
}

Starts ArcAnalyzer::Match(const py::MatchNode* n) {
  const LineNo start = LineFor(n);
  LineNo last = start, case_start = start;
  Starts exits;
  for (const py::MatchCase* c : n->cases) {
    case_start = LineFor(c->pattern);
    AddArc(last, case_start, kPatternAlwaysMatched);
    exits.Merge(ProcessBody(c->body, Starts({case_start, kPatternNeverMatched})));
    last = case_start;
  }
  if (!n->cases.n || !CaseIsIrrefutable(n->cases[n->cases.n - 1])) exits.Add({case_start, kPatternAlwaysMatched});
  return exits;
}

Starts ArcAnalyzer::Try(const py::TryNode* n) {
  Block block{Block::kTry, 0, 0, {}, {}, nullptr, nullptr};
  if (n->handlers.n) block.handler_start = LineFor(n->handlers[0]);
  blocks_.push_back(std::move(block));
  const size_t mine = blocks_.size() - 1;
  Starts exits = ProcessBody(n->body, Starts({LineFor(n), kEmpty}));
  // The try body is done: the block handles no more exceptions, but stays (with a finally)
  // for the handlers and else clause.
  if (n->finalbody.n) blocks_[mine].handler_start = 0;
  else blocks_.pop_back();
  Starts handler_exits;
  for (const Node* h : n->handlers) {
    const LineNo hs = LineFor(h);
    handler_exits.Merge(
        ProcessBody(static_cast<const py::ExceptHandlerNode*>(h)->body, Starts({hs, kExceptionDidntHappen})));
  }
  if (n->orelse.n) exits = ProcessBody(n->orelse, std::move(exits));
  exits.Merge(handler_exits);
  if (n->finalbody.n) {
    blocks_.pop_back();
    Starts final_exits = ProcessBody(n->finalbody, exits);
    if (!exits.empty()) exits = std::move(final_exits);
  }
  return exits;
}

Starts ArcAnalyzer::While(const py::WhileNode* n) {
  const LineNo start = LineFor(n->test);
  const bool constant = ConstantTest(n->test).first;
  Starts exits = LoopBody(start, n->body, kNeverTrue);
  const Start from{start, kAlwaysTrue};
  if (n->orelse.n) exits.Merge(ProcessBody(n->orelse, Starts(from)));
  else if (!constant) exits.Add(from);
  return exits;
}

Starts ArcAnalyzer::With(const py::WithNode* n) {
  // Both rules give the `with` line whenever the context managers' lines all map to it (the
  // multi-line map usually sees to that); where they do not, an unknown rule is a fallback.
  std::vector<LineNo> starts;
  if (rules_.exit_with_through_ctxmgr || rules_.with_rule_unknown) {
    for (const py::WithItem* item : n->items) starts.push_back(LineFor(item->context_expr));
  }
  if (rules_.with_rule_unknown) {
    const LineNo line = LineFor(n);
    for (LineNo s : starts)
      if (s != line)
        throw Unsupported{"with-statement arcs at line " + std::to_string(line) +
                          " depend on the 3.12 patch release (coverage.py's rule changes at 3.12.6)"};
    starts.assign(1, line);
  } else if (!rules_.exit_with_through_ctxmgr) {
    starts.push_back(LineFor(n));
  }
  for (LineNo s : starts) current_with_starts_.insert(s), all_with_starts_.insert(s);
  const LineNo start = starts.back();
  Starts exits = ProcessBody(n->body, Starts({start, kEmpty}));
  if (!current_with_starts_.erase(start)) throw Unsupported{"coverage.py raises KeyError on this with statement"};
  if (!exits.empty()) {
    for (Start s : exits) {
      AddArc(s.line, start);
      with_exits_.insert({s.line, start});
    }
    exits = Starts({start, kEmpty});
  }
  return exits;
}

void ArcAnalyzer::Analyze(const py::ModuleNode* module) {
  std::vector<const Node*> todo{module};
  while (!todo.empty()) {
    const Node* node = todo.back();
    todo.pop_back();
    switch (node->kind) {
      case Kind::Module: {
        const LineNo start = LineFor(node);
        if (module->body.n) {
          static const std::string kAction = "exit the module";
          Starts exits = ProcessBody(module->body, {});
          for (Start s : exits) AddArc(s.line, -start, s.cause, &kAction);
        } else {
          AddArc(start, -start);
        }
        break;
      }
      case Kind::FunctionDef:
      case Kind::AsyncFunctionDef: {
        auto* f = static_cast<const py::FunctionDefNode*>(node);
        const LineNo start = LineFor(node);
        blocks_.push_back({Block::kFunction, start, 0, PyRepr(f->name), {}, nullptr, nullptr});
        Starts exits = ProcessBody(f->body, {});
        ReturnExits(exits);
        blocks_.pop_back();
        break;
      }
      case Kind::ClassDef: {
        auto* c = static_cast<const py::ClassDefNode*>(node);
        const LineNo start = LineFor(node);
        const std::string* action = &actions_.emplace_back("exit class " + PyRepr(c->name));
        Starts exits = ProcessBody(c->body, {});
        for (Start s : exits) AddArc(s.line, -start, s.cause, action);
        break;
      }
      default: break;
    }
    StatementChildren(node, [&](const Node* c) { todo.push_back(c); });
  }
}

// with_jump_fixers(), fix_with_jumps() and the first-line mapping of _analyze_ast, then
// exit_counts().
void ArcAnalyzer::Finish() {
  std::sort(arcs_.begin(), arcs_.end());
  arcs_.erase(std::unique(arcs_.begin(), arcs_.end()), arcs_.end());

  std::map<LineNo, LineNo> nexts;
  for (LineNo start : all_with_starts_) {
    auto lo = std::lower_bound(arcs_.begin(), arcs_.end(), Arc{start, INT32_MIN});
    std::optional<LineNo> next;
    for (auto it = lo; it != arcs_.end() && it->first == start; ++it) {
      if (with_entries_.count(*it)) continue;
      if (next && *next != it->second)
        throw Unsupported{"coverage.py's with_jump_fixers asserts on the with statement at line " +
                          std::to_string(start)};
      next = it->second;
    }
    if (next) nexts[start] = *next;
  }
  auto final_next = [&](LineNo start) {
    LineNo next = nexts.at(start);
    for (size_t steps = 0; with_exits_.count({start, next}) && nexts.count(next); ++steps) {
      if (steps > nexts.size()) throw Unsupported{"with statements jump in a cycle"};
      start = next;
      next = nexts.at(next);
    }
    return next;
  };
  auto& fixers = fa_.with_jump_fixers;
  for (const auto& [end, start] : with_exits_)
    if (nexts.count(start)) fixers[{end, start}] = Arc{end, final_next(start)};
  for (const auto& [start, next] : nexts)
    if (!with_exits_.count({start, start})) fixers[{start, next}] = std::nullopt;

  std::vector<Arc> out;
  out.reserve(arcs_.size());
  for (Arc a : arcs_) {
    if (!fixers.empty()) {
      auto fix = fixers.find(a);
      if (fix != fixers.end()) {
        if (!fix->second) continue;
        a = *fix->second;
      }
    }
    const LineNo f1 = a.first < 0 ? -Map(-a.first) : Map(a.first);
    const LineNo f2 = a.second < 0 ? -Map(-a.second) : Map(a.second);
    if (f1 != f2) out.emplace_back(f1, f2);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());

  const std::vector<LineNo>& excluded = fa_.excluded;
  auto is_excluded = [&](LineNo l) { return std::binary_search(excluded.begin(), excluded.end(), l); };
  auto& counts = fa_.exit_counts;
  for (Arc a : out) {  // sorted by start: each count is added at the end, so counts stay sorted
    if (is_excluded(a.first) || is_excluded(a.second)) continue;
    if (!counts.empty() && counts.back().first == a.first) ++counts.back().second;
    else counts.emplace_back(a.first, 1);
  }
  fa_.arcs = std::move(out);

  // missing_arc_fragments: each arc's fragments in the order they were added.
  std::stable_sort(fragments_.begin(), fragments_.end(),
                   [](const Fragment& a, const Fragment& b) { return a.arc < b.arc; });
  // Each text is stored once: causes by kind, actions by their string in actions_.
  auto& frags = fa_.arc_fragments;
  uint32_t cause_ids[std::size(kCauseText)];
  std::fill(std::begin(cause_ids), std::end(cause_ids), ArcFragments::kNoText);
  std::unordered_map<const std::string*, uint32_t> action_ids;
  for (const Fragment& f : fragments_) {
    uint32_t cause = ArcFragments::kNoText;
    if (f.cause != kNone) {
      uint32_t& id = cause_ids[f.cause];
      if (id == ArcFragments::kNoText) id = frags.AddText(kCauseText[f.cause]);
      cause = id;
    }
    uint32_t action = ArcFragments::kNoText;
    if (f.action) {
      auto [known, added] = action_ids.try_emplace(f.action, 0);
      if (added) known->second = frags.AddText(*f.action);
      action = known->second;
    }
    frags.Add(f.arc, cause, action);
  }
  fa_.has_arcs = true;
}

}  // namespace

ArcRules ArcRulesFor(std::string_view version) {
  ArcRules r;
  const std::string minor = PythonMinor(version);
  if (minor == "3.11" || minor.empty()) return r;
  if (minor != "3.12") {
    r.exit_with_through_ctxmgr = true;
    return r;
  }
  // "3.12.N": the patch release decides.
  if (version.size() <= 5 || version[4] != '.') {
    r.with_rule_unknown = true;
    return r;
  }
  int patch = 0;
  size_t i = 5;
  for (; i < version.size() && version[i] >= '0' && version[i] <= '9'; ++i) patch = patch * 10 + (version[i] - '0');
  if (i == 5) r.with_rule_unknown = true;
  else r.exit_with_through_ctxmgr = patch >= 6;
  return r;
}

std::string AnalyzeArcs(const py::ModuleNode* module, const std::vector<LineNo>& raw_statements,
                        const ArcRules& rules, FileAnalysis& fa) {
  try {
    ArcAnalyzer a(raw_statements, fa.multiline, rules, fa);
    a.Analyze(module);
    a.Finish();
    return "";
  } catch (const Unsupported& u) {
    fa.has_arcs = false;
    fa.arcs.clear();
    fa.exit_counts.clear();
    fa.with_jump_fixers.clear();
    fa.arc_fragments.clear();
    return u.why;
  }
}

std::vector<LineNo> NoBranchLines(const PyRegex* regex, std::string_view text,
                                  const LineMap<LineNo>& multiline) {
  auto first = [&](LineNo l) {
    auto it = multiline.find(l);
    return it == multiline.end() ? l : it->second;
  };
  std::vector<LineNo> out;
  if (!regex) {  // "" matches at every offset, the end included
    const LineNo lines = LineNo(std::count(text.begin(), text.end(), '\n')) + 1;
    for (LineNo l = 1; l <= lines; ++l) out.push_back(first(l));
  } else {
    size_t last_start = 0;
    LineNo last_start_line = 0;
    regex->FindAll(text, [&](size_t s, size_t e) {
      const LineNo start_line =
          last_start_line + LineNo(std::count(text.begin() + last_start, text.begin() + s, '\n'));
      const LineNo end_line = start_line + LineNo(std::count(text.begin() + s, text.begin() + e, '\n'));
      for (LineNo l = start_line + 1; l <= end_line + 1; ++l) out.push_back(first(l));
      last_start = s;
      last_start_line = start_line;
    });
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace covalesce::native
