// What a FileReporter does with its parser's facts at report time (coverage.py 7.17.3,
// parser.py PythonParser): first-line mapping of lines and arcs, the `with` jump fixes, and
// the English for arcs, rebuilt from the stored fragments.
#include <algorithm>

#include "covalesce/analysis.h"

namespace covalesce {
namespace {

// str.format(lineno=n) for the fragments coverage.py writes: "{lineno}" and doubled braces.
std::string FormatLineno(std::string_view text, LineNo n) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 8, "{lineno}") == 0) {
      out += std::to_string(n);
      i += 7;
    } else if ((text[i] == '{' || text[i] == '}') && i + 1 < text.size() && text[i + 1] == text[i]) {
      out += text[i++];
    } else {
      out += text[i];
    }
  }
  return out;
}

// _finish_action_msg: the default action, then formatted with the arc's end.
std::string FinishAction(std::optional<std::string_view> action, LineNo end) {
  if (action) return FormatLineno(*action, end);
  return end < 0 ? "jump to the function exit" : "jump to line " + std::to_string(end);
}

// An arc's fragments; an arc with none reads as one fragment with both texts None.
std::pair<const ArcFragments::Entry*, const ArcFragments::Entry*> FragmentsFor(const FileAnalysis& fa, Arc arc) {
  static constexpr ArcFragments::Entry kNone{};
  auto range = fa.arc_fragments.Find(arc);
  return range.first == range.second ? std::pair{&kNone, &kNone + 1} : range;
}

template <typename T>
void SortUnique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

std::pair<const ArcFragments::Entry*, const ArcFragments::Entry*> ArcFragments::Find(Arc arc) const {
  auto lo = std::lower_bound(entries_.begin(), entries_.end(), arc,
                             [](const Entry& e, Arc a) { return e.arc < a; });
  auto hi = lo;
  while (hi != entries_.end() && hi->arc == arc) ++hi;
  return {entries_.data() + (lo - entries_.begin()), entries_.data() + (hi - entries_.begin())};
}

bool ArcFragments::operator==(const ArcFragments& other) const {
  if (entries_.size() != other.entries_.size()) return false;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Entry& a = entries_[i];
    const Entry& b = other.entries_[i];
    if (a.arc != b.arc || Text(a.cause) != other.Text(b.cause) || Text(a.action) != other.Text(b.action))
      return false;
  }
  return true;
}

LineNo FileAnalysis::FirstLine(LineNo line) const {
  LineNo key = line < 0 ? -line : line;
  auto it = multiline.find(key);
  if (it == multiline.end()) return line;
  return line < 0 ? -it->second : it->second;
}

std::vector<LineNo> FileAnalysis::TranslateLines(const std::vector<LineNo>& lines) const {
  std::vector<LineNo> out;
  out.reserve(lines.size());
  for (LineNo l : lines) out.push_back(FirstLine(l));
  SortUnique(out);
  return out;
}

std::vector<Arc> FileAnalysis::TranslateArcs(const std::vector<Arc>& arcs) const {
  std::vector<Arc> out;
  out.reserve(arcs.size());
  for (Arc a : arcs) {
    auto fix = with_jump_fixers.find(a);
    if (fix != with_jump_fixers.end()) {
      if (!fix->second) continue;  // the fixer drops it
      a = *fix->second;
    }
    out.emplace_back(FirstLine(a.first), FirstLine(a.second));
  }
  SortUnique(out);
  return out;
}

std::string FileAnalysis::MissingArcDescription(LineNo start, LineNo end) const {
  // A plugin's FileReporter (covalesce takes only those that keep the base class's texts).
  if (!plugin.empty()) return "Line " + std::to_string(start) + " didn't jump to line " + std::to_string(end);
  std::string out;
  auto [f, last] = FragmentsFor(*this, {start, end});
  for (; f != last; ++f) {
    if (!out.empty()) out += " or ";
    out += "line " + std::to_string(start) + " didn't " + FinishAction(arc_fragments.Text(f->action), end);
    if (auto cause = arc_fragments.Text(f->cause)) out += " because " + FormatLineno(*cause, start);
  }
  return out;
}

std::string FileAnalysis::ArcDescription(LineNo start, LineNo end) const {
  if (!plugin.empty()) return "jump to line " + std::to_string(end);
  return FinishAction(arc_fragments.Text(FragmentsFor(*this, {start, end}).first->action), end);
}

}  // namespace covalesce
