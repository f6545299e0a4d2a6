// regions.code_regions: functions and classes with their lines, walking only the statement
// fields coverage.py's RegionFinder visits, in its order (body, orelse, finalbody, handlers,
// cases). A region's line set is shared with the finder's context, so later subtractions (a
// nested function taken out of its enclosing function) show in regions already emitted.
#include <algorithm>
#include <iterator>

#include "internal.h"

namespace covalesce::native {
namespace {

using namespace py;

using Lines = std::vector<LineNo>;  // sorted, unique

void Subtract(Lines& a, const Lines& b) {
  if (a.empty() || b.empty()) return;
  Lines out;
  out.reserve(a.size());
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  a.swap(out);
}

void Unite(Lines& a, const Lines& b) {
  if (b.empty()) return;
  Lines out;
  out.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  a.swap(out);
}

struct Context {
  std::string name;
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
      case Kind::AsyncFunctionDef:
        Function(static_cast<const FunctionDefNode*>(n));
        break;
      case Kind::ClassDef:
        Class(static_cast<const ClassDefNode*>(n));
        break;
      default:
        Body(n);
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
    std::string out;
    for (size_t i = 0; i < context_.size(); ++i) {
      if (i) out += '.';
      out += context_[i].name;
    }
    return out;
  }

  void Function(const FunctionDefNode* f) {
    Lines body;
    const LineNo lo = f->body[0]->pos.lineno, hi = f->body[f->body.n - 1]->pos.end_lineno;
    for (LineNo l = lo; l <= hi; ++l) body.push_back(l);
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
    context_.push_back({std::string(f->name), false, idx});
    regions[idx].name = Qualified();
    Body(f);
    context_.pop_back();
  }

  void Class(const ClassDefNode* c) {
    const size_t idx = regions.size();
    regions.push_back(Region{"class", "", c->pos.lineno, {}});
    lines.emplace_back();
    context_.push_back({std::string(c->name), true, idx});
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
  for (size_t i = 0; i < f.regions.size(); ++i) f.regions[i].lines = std::move(f.lines[i]);
  return std::move(f.regions);
}

}  // namespace covalesce::native
