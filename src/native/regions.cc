// regions.code_regions: functions and classes with their lines, walking only the statement
// fields coverage.py's RegionFinder visits, in its order (body, orelse, finalbody, handlers,
// cases). A region's line set is shared with the finder's context, so later subtractions (a
// nested function taken out of its enclosing function) show in regions already emitted.
#include <algorithm>
#include <iterator>
#include <string_view>

#include "internal.h"

namespace covalesce::native {
namespace {

using namespace py;

// A set of lines as sorted, disjoint, non-adjacent [lo, hi] intervals: function and class line
// sets are unions and differences of line ranges, so they stay short.
using Lines = std::vector<std::pair<LineNo, LineNo>>;

void Subtract(Lines& a, const Lines& b) {
  if (a.empty() || b.empty()) return;
  Lines out;
  out.reserve(a.size() + b.size());
  size_t j = 0;
  for (auto [lo, hi] : a) {
    while (j < b.size() && b[j].second < lo) ++j;
    size_t k = j;
    while (lo <= hi && k < b.size() && b[k].first <= hi) {
      if (b[k].first > lo) out.emplace_back(lo, b[k].first - 1);
      lo = std::max(lo, b[k].second + 1);
      ++k;
    }
    if (lo <= hi) out.emplace_back(lo, hi);
  }
  a.swap(out);
}

void Unite(Lines& a, const Lines& b) {
  if (b.empty()) return;
  // A class's methods come in order, so each body usually lies after the lines so far.
  if (a.empty() || b.front().first > a.back().second + 1) {
    a.insert(a.end(), b.begin(), b.end());
    return;
  }
  Lines all;
  all.reserve(a.size() + b.size());
  std::merge(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(all));
  Lines out;
  for (auto [lo, hi] : all) {
    if (!out.empty() && lo <= out.back().second + 1) out.back().second = std::max(out.back().second, hi);
    else out.emplace_back(lo, hi);
  }
  a.swap(out);
}

struct Context {
  std::string_view name;  // into the tree's source
  bool is_class;
  size_t region;  // index into regions/lines
};

class Finder {
 public:
  std::vector<Region> regions;
  std::vector<Lines> lines;  // per region, shared with the context entry

  void Node_(const Node* n) {
    switch (n->kind) {
      case Kind::FunctionDef:
      case Kind::AsyncFunctionDef: Function(static_cast<const FunctionDefNode*>(n)); break;
      case Kind::ClassDef: Class(static_cast<const ClassDefNode*>(n)); break;
      default: Body(n);
    }
  }

  void List_(const NodeList& l) {
    for (const Node* c : l) Node_(c);
  }

  void Body(const Node* n) {
    switch (n->kind) {
      case Kind::Module: List_(static_cast<const ModuleNode*>(n)->body); break;
      case Kind::FunctionDef:
      case Kind::AsyncFunctionDef: List_(static_cast<const FunctionDefNode*>(n)->body); break;
      case Kind::ClassDef: List_(static_cast<const ClassDefNode*>(n)->body); break;
      case Kind::For:
      case Kind::AsyncFor: {
        auto* x = static_cast<const ForNode*>(n);
        List_(x->body), List_(x->orelse);
        break;
      }
      case Kind::While:
      case Kind::If: {
        auto* x = static_cast<const WhileNode*>(n);
        List_(x->body), List_(x->orelse);
        break;
      }
      case Kind::With:
      case Kind::AsyncWith: List_(static_cast<const WithNode*>(n)->body); break;
      case Kind::Try:
      case Kind::TryStar: {
        auto* x = static_cast<const TryNode*>(n);
        List_(x->body), List_(x->orelse), List_(x->finalbody), List_(x->handlers);
        break;
      }
      case Kind::ExceptHandler: List_(static_cast<const ExceptHandlerNode*>(n)->body); break;
      case Kind::Match:
        for (const MatchCase* c : static_cast<const MatchNode*>(n)->cases) Node_(c);
        break;
      case Kind::MatchCase: List_(static_cast<const MatchCase*>(n)->body); break;
      default: break;
    }
  }

  std::string Qualified() const {
    size_t size = context_.size();
    for (const Context& c : context_) size += c.name.size();
    std::string out;
    out.reserve(size);
    for (size_t i = 0; i < context_.size(); ++i) {
      if (i) out += '.';
      out += context_[i].name;
    }
    return out;
  }

  void Function(const FunctionDefNode* f) {
    Lines body;
    const LineNo lo = f->body[0]->pos.lineno, hi = f->body[f->body.n - 1]->pos.end_lineno;
    if (lo <= hi) body.emplace_back(lo, hi);
    if (!context_.empty() && context_.back().is_class) Unite(lines[context_.back().region], body);
    for (auto it = context_.rbegin(); it != context_.rend(); ++it) {
      if (!it->is_class) {
        Subtract(lines[it->region], body);
        break;
      }
    }
    const size_t idx = regions.size();
    regions.push_back(Region{"function", "", f->pos.lineno, {}});
    lines.push_back(std::move(body));
    context_.push_back({f->name, false, idx});
    regions[idx].name = Qualified();
    Body(f);
    context_.pop_back();
  }

  void Class(const ClassDefNode* c) {
    const size_t idx = regions.size();
    regions.push_back(Region{"class", "", c->pos.lineno, {}});
    lines.emplace_back();
    context_.push_back({c->name, true, idx});
    regions[idx].name = Qualified();
    Body(c);
    context_.pop_back();
    // Every enclosing class loses them (coverage.py's loop has no `break` here).
    for (auto it = context_.rbegin(); it != context_.rend(); ++it) {
      if (it->is_class) Subtract(lines[it->region], lines[idx]);
    }
  }

 private:
  std::vector<Context> context_;
};

}  // namespace

std::vector<Region> CodeRegions(const ModuleNode* module) {
  Finder f;
  f.Node_(module);
  for (size_t i = 0; i < f.regions.size(); ++i) {
    std::vector<LineNo>& out = f.regions[i].lines;
    size_t count = 0;
    for (auto [lo, hi] : f.lines[i]) count += size_t(hi - lo + 1);
    out.reserve(count);
    for (auto [lo, hi] : f.lines[i])
      for (LineNo l = lo; l <= hi; ++l) out.push_back(l);
  }
  return std::move(f.regions);
}

}  // namespace covalesce::native
