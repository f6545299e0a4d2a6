// coverage.py's results.py: Numbers and their display, format_lines, fail-under, and the
// per-file Analysis built from a FileAnalysis and the measured lines or arcs.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "covalesce/py_compat.h"
#include "covalesce/report.h"

namespace covalesce::report {
namespace {

// Most lists arrive sorted (narrowed from sorted ones): check before sorting.
template <typename T>
void SortUnique(std::vector<T>& v) {
  if (!std::is_sorted(v.begin(), v.end())) std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

template <typename T>
bool Contains(const std::vector<T>& sorted, const T& x) {
  return std::binary_search(sorted.begin(), sorted.end(), x);
}

// f"{x:.{p}f}": glibc's %f is correctly rounded on the exact binary value, as Python's is.
// std::to_chars with a precision rounds the same way, without printf's format parsing.
std::string FixedFormat(double x, int precision) {
  char buf[400];  // the widest double in fixed notation (309 digits) plus a long precision
  auto r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::fixed, precision);
  if (r.ec == std::errc()) return std::string(buf, r.ptr);
  int n = std::snprintf(nullptr, 0, "%.*f", precision, x);
  std::string out(size_t(n) + 1, '\0');
  std::snprintf(out.data(), out.size(), "%.*f", precision, x);
  out.resize(size_t(n));
  return out;
}

// 1.0 / 10**precision, with the int converted to the nearest double first, as Python does.
double Near0(int precision) {
  // Powers of ten up to 1e22 are exact doubles: no string to parse.
  static constexpr double kExact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (precision >= 0 && precision <= 22) return 1.0 / kExact[precision];
  std::string ten = "1e" + std::to_string(precision);
  return 1.0 / std::strtod(ten.c_str(), nullptr);
}

// Decimal(str(f)).as_tuple().exponent for a finite float.
int DecimalExponent(double f) {
  std::string r = py::FloatRepr(f);
  int exp = 0;
  size_t e = r.find_first_of("eE");
  if (e != std::string::npos) {
    exp = std::atoi(r.c_str() + e + 1);
    r.resize(e);
  }
  size_t dot = r.find('.');
  int frac = dot == std::string::npos ? 0 : int(r.size() - dot - 1);
  return exp - frac;
}

int FailUnderPrecision(double fail_under, int precision) {
  if (fail_under == std::trunc(fail_under)) return precision;
  return std::max(precision, -DecimalExponent(fail_under));
}

// Numbers' counts, and (when asked) missing_branch_arcs() itself, in one walk of the sorted
// sets: the one place the rule for a missing branch is written.
Numbers CountNumbers(bool has_arcs, const std::vector<LineNo>& statements, const std::vector<LineNo>& excluded,
                     const std::vector<LineNo>& executed, const std::vector<Arc>& arc_possibilities,
                     const std::vector<Arc>& arcs_executed, const LineMap<int>& exit_counts,
                     const std::vector<LineNo>& no_branch, int precision, BranchArcs* missing_branch_arcs) {
  Numbers n;
  n.precision = precision;
  n.n_files = 1;
  n.n_statements = int64_t(statements.size());
  n.n_excluded = int64_t(excluded.size());
  // len(statements - executed), walked: no list made.
  auto e = executed.begin();
  for (LineNo l : statements) {
    while (e != executed.end() && *e < l) ++e;
    if (e == executed.end() || *e != l) ++n.n_missing;
  }
  if (!has_arcs) return n;
  for (const auto& [line, count] : exit_counts) {
    if (count > 1) n.n_branches += count;
  }
  // missing_branch_arcs(): the possible arcs not executed (arcs_missing: nor from a
  // no-branch line, nor into an excluded one) from lines with more than one exit; partial
  // when their line ran.
  auto ran = arcs_executed.begin();
  for (const Arc& p : arc_possibilities) {
    while (ran != arcs_executed.end() && *ran < p) ++ran;
    if (ran != arcs_executed.end() && *ran == p) continue;
    if (Contains(no_branch, p.first) || Contains(excluded, p.second)) continue;
    auto it = exit_counts.find(p.first);
    if (it == exit_counts.end() || it->second <= 1) continue;
    ++n.n_missing_branches;
    if (!Contains(statements, p.first) || Contains(executed, p.first)) ++n.n_partial_branches;
    if (missing_branch_arcs) (*missing_branch_arcs)[p.first].push_back(p.second);
  }
  return n;
}

}  // namespace

double PyRound(double x, int ndigits) {
  if (!std::isfinite(x)) return x;
  if (ndigits > 340) return x;
  return std::strtod(FixedFormat(x, ndigits).c_str(), nullptr);
}

Result<std::string> DisplayCovered(double pc, int precision) {
  if (precision < 0) {
    return Error{"precision=" + std::to_string(precision) + " is invalid. Must not be negative."};
  }
  const double near0 = Near0(precision);
  if (0 < pc && pc < near0) {
    pc = near0;
  } else if ((100.0 - near0) < pc && pc < 100) {
    pc = 100.0 - near0;
  } else if (precision > 12) {
    pc = PyRound(pc, precision);
  }
  // Up to 12 places, round(pc, precision) formatted again gives the digits formatting pc
  // gives (0 <= pc <= 100: at most 15 significant digits, which a double holds exactly),
  // so the round trip through strtod is only needed past that.
  return FixedFormat(pc, precision);
}

double Numbers::Percent(int64_t numerator, int64_t denominator) {
  if (denominator > 0) return (100.0 * double(numerator)) / double(denominator);
  return 100.0;
}
double Numbers::pc_covered() const {
  return Percent(n_executed() + n_executed_branches(), n_statements + n_branches);
}
double Numbers::pc_statements() const { return Percent(n_executed(), n_statements); }
double Numbers::pc_branches() const { return Percent(n_executed_branches(), n_branches); }

Numbers& Numbers::operator+=(const Numbers& o) {
  n_files += o.n_files;
  n_statements += o.n_statements;
  n_excluded += o.n_excluded;
  n_missing += o.n_missing;
  n_branches += o.n_branches;
  n_partial_branches += o.n_partial_branches;
  n_missing_branches += o.n_missing_branches;
  return *this;
}

std::string FormatLines(const std::vector<LineNo>& statements, const std::vector<LineNo>& lines,
                        const BranchArcs* arcs) {
  std::vector<std::pair<LineNo, std::string>> items;
  // _line_ranges: runs of consecutive statements that are all in `lines`.
  LineNo start = 0, end = 0;
  size_t lidx = 0;
  auto pair_text = [](LineNo a, LineNo b) {
    return a == b ? std::to_string(a) : std::to_string(a) + "-" + std::to_string(b);
  };
  for (LineNo stmt : statements) {
    if (lidx >= lines.size()) break;
    if (stmt == lines[lidx]) {
      ++lidx;
      if (!start) start = stmt;
      end = stmt;
    } else if (start) {
      items.emplace_back(start, pair_text(start, end));
      start = 0;
    }
  }
  if (start) items.emplace_back(start, pair_text(start, end));
  if (arcs) {
    for (const auto& [line, exits] : *arcs) {
      std::vector<LineNo> sorted_exits = exits;
      std::sort(sorted_exits.begin(), sorted_exits.end());
      for (LineNo ex : sorted_exits) {
        if (!Contains(lines, line) && !Contains(lines, ex)) {
          items.emplace_back(line, std::to_string(line) + "->" + (ex > 0 ? std::to_string(ex) : "exit"));
        }
      }
    }
  }
  std::sort(items.begin(), items.end());
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    out += items[i].second;
  }
  return out;
}

Result<bool> ShouldFailUnder(double total, double fail_under, int precision) {
  if (!(0 <= fail_under && fail_under <= 100.0)) {
    return Error{"fail_under=" + py::FloatRepr(fail_under) + " is invalid. Must be between 0 and 100."};
  }
  if (fail_under == 100.0 && total != 100.0) return true;
  return PyRound(total, FailUnderPrecision(fail_under, precision)) < fail_under;
}

std::string FormatFailUnderMsg(double total, double fail_under, int precision) {
  precision = FailUnderPrecision(fail_under, precision);
  std::string shown_total;
  if (fail_under == 100.0 && total != 100.0) {
    auto shown = DisplayCovered(total, precision);
    shown_total = shown ? *shown : FixedFormat(total, precision);
  } else {
    shown_total = FixedFormat(PyRound(total, precision), precision);
  }
  return "total of " + shown_total + " is less than fail-under=" + FixedFormat(fail_under, precision);
}

// ---- Analysis ----------------------------------------------------------------------------

Analysis Analysis::FromSets(std::string filename, bool has_arcs, std::vector<LineNo> statements,
                            std::vector<LineNo> excluded, std::vector<LineNo> executed,
                            std::vector<Arc> arc_possibilities, std::vector<Arc> arcs_executed,
                            LineMap<int> exit_counts, std::vector<LineNo> no_branch,
                            int precision) {
  Analysis a;
  a.filename = std::move(filename);
  a.has_arcs = has_arcs;
  SortUnique(statements);
  SortUnique(excluded);
  SortUnique(executed);
  SortUnique(arc_possibilities);
  SortUnique(arcs_executed);
  SortUnique(no_branch);
  a.statements = std::move(statements);
  a.excluded = std::move(excluded);
  a.executed = std::move(executed);
  a.arc_possibilities = std::move(arc_possibilities);
  a.arcs_executed = std::move(arcs_executed);
  a.exit_counts = std::move(exit_counts);
  a.no_branch = std::move(no_branch);
  std::set_difference(a.statements.begin(), a.statements.end(), a.executed.begin(), a.executed.end(),
                      std::back_inserter(a.missing));

  a.numbers = CountNumbers(a.has_arcs, a.statements, a.excluded, a.executed, a.arc_possibilities,
                           a.arcs_executed, a.exit_counts, a.no_branch, precision, &a.missing_branch_arcs);
  return a;
}

Numbers Analysis::NumbersOf(bool has_arcs, const std::vector<LineNo>& statements,
                            const std::vector<LineNo>& excluded, const std::vector<LineNo>& executed,
                            const std::vector<Arc>& arc_possibilities, const std::vector<Arc>& arcs_executed,
                            const LineMap<int>& exit_counts, const std::vector<LineNo>& no_branch, int precision) {
  return CountNumbers(has_arcs, statements, excluded, executed, arc_possibilities, arcs_executed, exit_counts,
                      no_branch, precision, nullptr);
}

Analysis Analysis::FromFile(const FileAnalysis& fa, std::string filename, bool has_arcs,
                            std::vector<LineNo> measured_lines, std::vector<Arc> measured_arcs,
                            int precision) {
  std::vector<LineNo> executed;
  for (LineNo l : fa.TranslateLines(measured_lines)) {
    if (Contains(fa.statements, l)) executed.push_back(l);
  }
  std::vector<Arc> possible, arcs_executed;
  LineMap<int> exit_counts;
  std::vector<LineNo> no_branch;
  if (has_arcs) {
    possible = fa.arcs;
    SortUnique(possible);
    std::vector<Arc> arcs = fa.TranslateArcs(measured_arcs);
    // Reduce the arcs to the ones that could be branches: a line's jump to itself stands for
    // its one possible exit, if it has exactly one.
    std::unordered_map<LineNo, std::pair<LineNo, int>> dests;  // from -> (a destination, count)
    for (const Arc& p : possible) {
      auto [it, added] = dests.try_emplace(p.first, p.second, 0);
      it->second.second++;  // `possible` is unique, so this counts distinct destinations
    }
    std::vector<Arc> new_arcs;
    for (const Arc& a : arcs) {
      if (a.first != a.second) {
        new_arcs.push_back(a);
      } else if (auto it = dests.find(a.first); it != dests.end() && it->second.second == 1) {
        new_arcs.emplace_back(a.first, it->second.first);
      }
    }
    SortUnique(new_arcs);
    arcs_executed = fa.TranslateArcs(new_arcs);
    exit_counts = LineMap<int>(fa.exit_counts.begin(), fa.exit_counts.end());
    no_branch = fa.no_branch;
  }
  return FromSets(std::move(filename), has_arcs, fa.statements, fa.excluded, std::move(executed),
                  std::move(possible), std::move(arcs_executed), std::move(exit_counts),
                  std::move(no_branch), precision);
}

std::vector<LineNo> Analysis::BranchLines() const {
  std::vector<LineNo> out;
  for (const auto& [line, count] : exit_counts) {
    if (count > 1) out.push_back(line);
  }
  return out;
}

BranchArcs Analysis::ExecutedBranchArcs() const {
  BranchArcs eba;
  auto possible = arc_possibilities.begin();  // both sorted: one walk, no search per arc
  for (const Arc& a : arcs_executed) {
    while (possible != arc_possibilities.end() && *possible < a) ++possible;
    if (possible == arc_possibilities.end() || *possible != a) continue;
    auto it = exit_counts.find(a.first);
    if (it != exit_counts.end() && it->second > 1) eba[a.first].push_back(a.second);
  }
  return eba;
}

LineMap<std::pair<int, int>> Analysis::BranchStats() const {
  const BranchArcs& mba = missing_branch_arcs;
  LineMap<std::pair<int, int>> stats;
  for (const auto& [line, exits] : exit_counts) {
    if (exits <= 1) continue;
    auto it = mba.find(line);
    int missing = it == mba.end() ? 0 : int(it->second.size());
    stats[line] = {exits, exits - missing};
  }
  return stats;
}

std::string Analysis::MissingFormatted(bool branches) const {
  if (branches && has_arcs) {
    return FormatLines(statements, missing, &missing_branch_arcs);
  }
  return FormatLines(statements, missing);
}

}  // namespace covalesce::report

// ---- AnalysisNarrower ----------------------------------------------------------------------

namespace covalesce::report {

struct AnalysisNarrower::Impl {
  struct Region {
    std::vector<Arc> possible, executed;  // sets, in order
    LineMap<int> exit_counts;
    // The file's line sets cut to this region's lines, filled while the region owns each of
    // its lines alone; a region that shares a line with another, or is added twice, is cut
    // in Narrow instead (`exact` false).
    std::vector<LineNo> statements, excluded, executed_lines, no_branch;
    bool exact = true, filled = false;
  };
  const Analysis& analysis;
  std::map<std::vector<LineNo>, Region> regions;  // keyed by the sorted, unique lines
};

AnalysisNarrower::AnalysisNarrower(const Analysis& analysis) : impl_(new Impl{analysis, {}}) {}
AnalysisNarrower::~AnalysisNarrower() = default;

void AnalysisNarrower::AddRegions(const std::vector<std::vector<LineNo>>& liness) {
  const Analysis& a = impl_->analysis;
  // Line -> region as a dense table: regions cover a file's lines, so this is small, and it
  // is looked up twice per arc.
  LineNo max_line = 0;
  for (const std::vector<LineNo>& lines : liness) {
    for (LineNo l : lines) max_line = std::max(max_line, l);
  }
  std::vector<Impl::Region*> line2region(size_t(max_line) + 1, nullptr);
  std::vector<Impl::Region*> touched;
  for (std::vector<LineNo> lines : liness) {
    SortUnique(lines);
    Impl::Region* r = &impl_->regions[lines];
    if (r->filled) r->exact = false;  // the same lines again: its buckets would be doubled
    r->filled = true;
    touched.push_back(r);
    for (LineNo l : lines) {
      if (l < 0) continue;
      Impl::Region*& owner = line2region[size_t(l)];
      if (owner && owner != r) owner->exact = r->exact = false;
      owner = r;
    }
  }
  auto find = [&](LineNo l) -> Impl::Region* {
    return l >= 0 && l <= max_line ? line2region[size_t(l)] : nullptr;
  };
  auto bucket = [&](const std::vector<LineNo>& v, std::vector<LineNo> Impl::Region::*field) {
    for (LineNo l : v) {  // sorted, so each bucket is too
      if (Impl::Region* r = find(l)) (r->*field).push_back(l);
    }
  };
  bucket(a.statements, &Impl::Region::statements);
  bucket(a.excluded, &Impl::Region::excluded);
  bucket(a.executed, &Impl::Region::executed_lines);
  if (!a.has_arcs) return;
  bucket(a.no_branch, &Impl::Region::no_branch);
  // The arc lists are sorted sets, so each region's share comes out in order; an arc with
  // both ends in one region is added to it once.
  auto collect = [&](const std::vector<Arc>& arcs, std::vector<Arc> Impl::Region::*field) {
    for (const Arc& arc : arcs) {
      Impl::Region* from = find(arc.first);
      Impl::Region* to = find(arc.second);
      if (from) (from->*field).push_back(arc);
      if (to && to != from) (to->*field).push_back(arc);
    }
  };
  collect(a.arc_possibilities, &Impl::Region::possible);
  collect(a.arcs_executed, &Impl::Region::executed);
  for (const auto& [line, count] : a.exit_counts) {
    if (Impl::Region* r = find(line)) r->exit_counts[line] = count;
  }
  for (Impl::Region* r : touched) {
    // A region added twice saw the arcs twice: made sets again.
    if (!r->exact) {
      SortUnique(r->possible);
      SortUnique(r->executed);
    }
  }
}

Analysis AnalysisNarrower::Narrow(std::vector<LineNo> lines) const {
  const Analysis& a = impl_->analysis;
  SortUnique(lines);
  auto keep = [&](const std::vector<LineNo>& v) {
    std::vector<LineNo> out;
    std::set_intersection(v.begin(), v.end(), lines.begin(), lines.end(), std::back_inserter(out));
    return out;
  };
  auto it = impl_->regions.find(lines);
  const Impl::Region* r = it != impl_->regions.end() ? &it->second : nullptr;
  std::vector<Arc> possible, executed;
  LineMap<int> exit_counts;
  std::vector<LineNo> no_branch;
  if (a.has_arcs) {
    if (r) {
      possible = r->possible;
      executed = r->executed;
      exit_counts = r->exit_counts;
    }
    no_branch = r && r->exact ? r->no_branch : keep(a.no_branch);
  }
  if (r && r->exact) {
    return Analysis::FromSets(a.filename, a.has_arcs, r->statements, r->excluded, r->executed_lines,
                              std::move(possible), std::move(executed), std::move(exit_counts),
                              std::move(no_branch), a.numbers.precision);
  }
  return Analysis::FromSets(a.filename, a.has_arcs, keep(a.statements), keep(a.excluded), keep(a.executed),
                            std::move(possible), std::move(executed), std::move(exit_counts),
                            std::move(no_branch), a.numbers.precision);
}

}  // namespace covalesce::report
