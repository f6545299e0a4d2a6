// coverage.py's SummaryReporter (report.py): the terminal report in its text, markdown and
// total formats. Widths are counted in code points and every line is right-stripped, as
// Python's str.format and the reporter's write() do.
#include <algorithm>
#include <variant>

#include "covalesce/pystr.h"
#include "covalesce/report.h"

namespace covalesce::report {
namespace {

// One table row: the name, then the columns' values (ints and strings), and pc_covered.
struct Row {
  std::string name;
  std::vector<std::variant<int64_t, std::string>> values;  // after the name
  double pc_covered = 0;
};

std::string Str(const std::variant<int64_t, std::string>& v) {
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  return std::get<std::string>(v);
}

int CompareValue(const std::variant<int64_t, std::string>& a, const std::variant<int64_t, std::string>& b) {
  if (a.index() == 0) {
    int64_t x = std::get<0>(a), y = std::get<0>(b);
    return x < y ? -1 : x > y;
  }
  int c = std::get<1>(a).compare(std::get<1>(b));
  return c < 0 ? -1 : c > 0;
}

// "{:<w}" / "{:>w}" in code points.
std::string Left(const std::string& s, size_t width) {
  size_t n = CodePoints(s);
  return n >= width ? s : s + std::string(width - n, ' ');
}
std::string Right(const std::string& s, size_t width) {
  size_t n = CodePoints(s);
  return n >= width ? s : std::string(width - n, ' ') + s;
}

void WriteLine(std::string& out, std::string line) {
  line.erase(line.find_last_not_of(" \t\n\r\f\v") + 1);
  out += line;
  out += '\n';
}

// The value columns of the header after Name.
struct Layout {
  std::vector<std::string> header;  // Name, Stmts, Miss, [Branch, BrPart], Cover, [Missing]
  size_t cover;                     // index of Cover in header
};

void ReportText(const Layout& l, const std::vector<Row>& rows, const Row& total,
                const std::vector<std::string>& end_lines, std::string& out) {
  size_t max_name = 5;
  for (const Row& r : rows) max_name = std::max(max_name, CodePoints(r.name));
  max_name += 1;
  const size_t ci = l.cover - 1;  // index into values
  size_t max_n = std::max(CodePoints(Str(total.values[ci])) + 2, size_t(6)) + 1;
  for (const Row& r : rows) max_n = std::max(max_n, CodePoints(Str(r.values[ci])) + 2);

  std::string header;
  for (const std::string& h : l.header) {
    if (h == "Name") header += Left(h, max_name);
    else if (h == "Cover") header += Right(h, max_n);
    else if (h == "Missing") header += Right(h, 10);
    else header += Right(h, 7);
  }
  const std::string rule(header.size(), '-');  // the header is ASCII
  WriteLine(out, header);
  WriteLine(out, rule);
  auto row_text = [&](const Row& r) {
    std::string line = Left(r.name, max_name);
    for (size_t k = 0; k < r.values.size(); ++k) {
      const std::string& h = l.header[k + 1];
      std::string v = Str(r.values[k]);
      if (h == "Cover") line += Right(v, max_n - 1) + "%";
      else if (h == "Missing") line += "   " + Left(v, 9);
      else line += Right(v, 7);
    }
    return line;
  };
  for (const Row& r : rows) WriteLine(out, row_text(r));
  if (!rows.empty()) WriteLine(out, rule);
  WriteLine(out, row_text(total));
  for (const std::string& e : end_lines) WriteLine(out, e);
}

void ReportMarkdown(const Layout& l, const std::vector<Row>& rows, const Row& total,
                    const std::vector<std::string>& end_lines, std::string& out) {
  size_t max_name = 0;
  for (const Row& r : rows) max_name = std::max(max_name, CodePoints(EscapeMarkdown(r.name)));
  max_name = std::max(max_name, std::string("**TOTAL**").size()) + 1;
  const size_t ci = l.cover - 1;
  const size_t max_n = std::max(CodePoints(Str(total.values[ci])) + 6, std::string(" Cover ").size());

  std::vector<std::string> header_items;
  for (const std::string& h : l.header) {
    if (h == "Name") header_items.push_back("| " + Left(h, max_name) + "|");
    else if (h == "Cover") header_items.push_back(Right(h, max_n) + " |");
    else if (h == "Missing") header_items.push_back(Right(h, 10) + " |");
    else header_items.push_back(Right(h, 9) + " |");
  }
  std::string header;
  for (const std::string& h : header_items) header += h;
  auto rjust = [](const std::string& s, size_t width) {
    return s.size() >= width ? s : std::string(width - s.size(), '-') + s;
  };
  std::string rule = "|" + rjust("- |", header_items[0].size() - 1);
  for (size_t k = 1; k < header_items.size(); ++k) rule += " " + rjust("-: |", header_items[k].size() - 1);
  WriteLine(out, header);
  WriteLine(out, rule);

  for (const Row& r : rows) {
    std::string line = "| " + Left(EscapeMarkdown(r.name), max_name) + "|";
    for (size_t k = 0; k < r.values.size(); ++k) {
      const std::string& h = l.header[k + 1];
      std::string v = EscapeMarkdown(Str(r.values[k]));
      if (h == "Cover") line += Right(v, max_n - 1) + "% |";
      else if (h == "Missing") line += Right(v, 10) + " |";
      else line += Right(v, 9) + " |";
    }
    WriteLine(out, line);
  }
  // TOTAL: bold values; an empty value stays empty.
  std::string line = "|" + Left(" **TOTAL**", max_name) + " |";
  for (size_t k = 0; k < total.values.size(); ++k) {
    const std::string& h = l.header[k + 1];
    std::string v = Str(total.values[k]);
    std::string insert = v.empty() ? v : h == "Cover" ? " **" + v + "%**" : " **" + v + "**";
    if (h == "Cover") line += Right(insert, max_n) + " |";
    else if (h == "Missing") line += Right(insert, 10) + " |";
    else line += Right(insert, 9) + " |";
  }
  WriteLine(out, line);
  for (const std::string& e : end_lines) WriteLine(out, e);
}

}  // namespace

Status CheckSummaryFormat(const Config& config) {
  std::string format = config.format.value_or("");
  if (format.empty() || format == "text" || format == "markdown" || format == "total") return ok_status();
  return Error{"Unknown report format choice: " + PyRepr(format)};
}

Result<double> SummaryReport(Session& session, const std::vector<std::string>& morfs, std::string& out) {
  if (Status st = CheckSummaryFormat(session.config()); !st) return st.error();
  if (Status st = session.SetQueryContexts(); !st) return st.error();
  auto files = session.AnalysisToReport(morfs);
  if (!files) return files.error();
  return WriteSummaryReport(session, *files, out);
}

Result<double> WriteSummaryReport(const Session& session, const std::vector<FileReport>& files,
                                  std::string& out) {
  const Config& config = session.config();
  if (Status st = CheckSummaryFormat(config); !st) return st.error();
  std::string format = config.format.value_or("");
  if (format.empty()) format = "text";
  const bool branches = session.has_arcs();

  Numbers total;
  total.precision = config.precision;
  size_t skipped = 0, empty = 0;
  std::vector<const FileReport*> shown;
  for (const FileReport& f : files) {
    const Numbers& n = f.analysis.numbers;
    total += n;
    if (config.skip_covered && n.n_missing == 0 && n.n_partial_branches == 0) {
      ++skipped;
    } else if (config.skip_empty && n.n_statements == 0) {
      ++empty;
    } else {
      shown.push_back(&f);
    }
  }
  if (total.n_files == 0 && skipped == 0) return Error{"No data to report."};

  std::string result;
  if (format == "total") {
    auto pc = total.pc_covered_str();
    if (!pc) return pc.error();
    WriteLine(result, *pc);
    out += result;
    return total.pc_covered();
  }

  Layout layout;
  layout.header = {"Name", "Stmts", "Miss"};
  if (branches) layout.header.insert(layout.header.end(), {"Branch", "BrPart"});
  layout.cover = layout.header.size();
  layout.header.push_back("Cover");
  if (config.show_missing) layout.header.push_back("Missing");

  const int minor = session.python_minor();
  std::vector<Row> rows;
  for (const FileReport* f : shown) {
    const Numbers& n = f->analysis.numbers;
    Row r;
    r.name = NeutralizeControl(f->relative_filename, minor);
    r.values = {n.n_statements, n.n_missing};
    if (branches) r.values.insert(r.values.end(), {n.n_branches, n.n_partial_branches});
    auto pc = n.pc_covered_str();
    if (!pc) return pc.error();
    r.values.push_back(*pc);
    if (config.show_missing) r.values.push_back(f->analysis.MissingFormatted(true));
    r.pc_covered = n.pc_covered();
    rows.push_back(std::move(r));
  }

  // Sorting: "name" (human order), or a column then the name; a leading '-' reverses.
  std::string sort_option = config.sort.value_or("");
  if (sort_option.empty()) sort_option = "name";
  for (char& c : sort_option) c = char(std::tolower(static_cast<unsigned char>(c)));
  bool reverse = false;
  if (sort_option[0] == '-') {
    reverse = true;
    sort_option.erase(0, 1);
  } else if (sort_option[0] == '+') {
    sort_option.erase(0, 1);
  }
  int column = -2;  // index into values; -1 = pc_covered
  if (sort_option == "stmts") column = 0;
  else if (sort_option == "miss") column = 1;
  else if (sort_option == "cover") column = -1;
  else if (branches && sort_option == "branch") column = 2;
  else if (branches && sort_option == "brpart") column = 3;
  else if (sort_option != "name") return Error{"Invalid sorting option: " + PyRepr(*config.sort)};

  auto compare = [&](const Row& a, const Row& b) -> int {
    if (sort_option == "name") {
      if (int c = HumanCompare(a.name, b.name)) return c;
      for (size_t k = 0; k < a.values.size(); ++k) {
        if (int c = CompareValue(a.values[k], b.values[k])) return c;
      }
      return a.pc_covered < b.pc_covered ? -1 : a.pc_covered > b.pc_covered;
    }
    if (column == -1) {
      if (a.pc_covered != b.pc_covered) return a.pc_covered < b.pc_covered ? -1 : 1;
    } else if (int c = CompareValue(a.values[size_t(column)], b.values[size_t(column)])) {
      return c;
    }
    int c = a.name.compare(b.name);
    return c < 0 ? -1 : c > 0;
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    return reverse ? compare(b, a) < 0 : compare(a, b) < 0;
  });

  Row total_row;
  total_row.name = "TOTAL";
  total_row.values = {total.n_statements, total.n_missing};
  if (branches) total_row.values.insert(total_row.values.end(), {total.n_branches, total.n_partial_branches});
  auto total_pc = total.pc_covered_str();
  if (!total_pc) return total_pc.error();
  total_row.values.push_back(*total_pc);
  if (config.show_missing) total_row.values.push_back(std::string());

  std::vector<std::string> end_lines;
  if (config.skip_covered && skipped) {
    end_lines.push_back("\n" + Plural(skipped, "file") + " skipped due to complete coverage.");
  }
  if (config.skip_empty && empty) end_lines.push_back("\n" + Plural(empty, "empty file") + " skipped.");

  if (format == "markdown") ReportMarkdown(layout, rows, total_row, end_lines, result);
  else ReportText(layout, rows, total_row, end_lines, result);
  out += result;
  return total.pc_covered();
}

}  // namespace covalesce::report
