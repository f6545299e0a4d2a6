// The analysis cache's row format: a FileAnalysis as varints and length-prefixed strings.
//
// The cache first stored compact JSON (ToJson). Writing it was half of a cold run's store,
// each ~15 KB row spilled over several SQLite pages, and a warm run parsed it back with
// simdjson's on-demand API, which is compiled for the build's baseline CPU, not dispatched.
// Rows are now about a third of the size, and both directions are a plain walk.
//
// Layout: the byte 'B', the format version, then the fields in FileAnalysis's order. Numbers
// are LEB128 varints, signed ones zigzagged; a line list is its count, then each line as the
// zigzag difference from the one before (sorted lists give one-byte steps); an arc list
// steps its first line and writes the second as it is. A string is its length and bytes.
// The reader checks every length against the bytes left, so a damaged row is an error (the
// cache then starts again), never a crash or a huge allocation; it also asks for the shape
// the writer makes (WriterShape), as FromJson does.
#include <cstring>

#include "covalesce/analysis.h"
#include "internal.h"

namespace covalesce {
namespace {

constexpr uint8_t kMagic = 'B';
constexpr uint8_t kVersion = 1;

uint64_t Zig(int64_t v) { return (uint64_t(v) << 1) ^ uint64_t(v >> 63); }
int64_t Unzig(uint64_t v) { return int64_t(v >> 1) ^ -int64_t(v & 1); }

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void U(uint64_t v) {
    char buf[10];
    size_t n = 0;
    while (v >= 0x80) buf[n++] = char(uint8_t(v) | 0x80), v >>= 7;
    buf[n++] = char(v);
    out_.append(buf, n);
  }
  void I(int64_t v) { U(Zig(v)); }
  void S(std::string_view s) {
    U(s.size());
    out_.append(s);
  }
  void Lines(const std::vector<LineNo>& lines) {
    U(lines.size());
    LineNo prev = 0;
    for (LineNo l : lines) I(int64_t(l) - prev), prev = l;
  }
  void Arcs(const std::vector<Arc>& arcs) {
    U(arcs.size());
    LineNo prev = 0;
    for (const Arc& a : arcs) I(int64_t(a.first) - prev), I(a.second), prev = a.first;
  }
  void OneArc(const Arc& a) { I(a.first), I(a.second); }

 private:
  std::string& out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : p_(reinterpret_cast<const uint8_t*>(in.data())), end_(p_ + in.size()) {}
  bool ok() const { return ok_; }
  bool done() const { return ok_ && p_ == end_; }
  uint8_t Byte() {
    if (p_ >= end_) return Fail(), 0;
    return *p_++;
  }
  uint64_t U() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) return Fail(), 0;
      const uint8_t b = *p_++;
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return Fail(), 0;
  }
  // A signed number: every one written is a line, a count or a difference of two lines,
  // far inside 2^40, so sums of two never overflow.
  int64_t I() {
    const int64_t v = Unzig(U());
    if (v < -(int64_t(1) << 40) || v > (int64_t(1) << 40)) return Fail(), 0;
    return v;
  }
  // A line number: it must fit LineNo.
  LineNo Line(int64_t v) {
    if (v < INT32_MIN || v > INT32_MAX) Fail();
    return LineNo(v);
  }
  // A count of items that take at least `min_bytes` each: no more than the bytes left allow.
  size_t Count(size_t min_bytes = 1) {
    const uint64_t n = U();
    if (n > uint64_t(end_ - p_) / min_bytes) return Fail(), 0;
    return size_t(n);
  }
  std::string S() {
    const size_t n = Count();
    if (!ok_) return {};
    std::string s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }
  bool Bool() {
    const uint8_t b = Byte();
    if (b > 1) Fail();
    return b == 1;
  }
  std::vector<LineNo> Lines() {
    std::vector<LineNo> out(Count());
    int64_t prev = 0;
    for (LineNo& l : out) l = Line(prev += I()), prev = l;
    return out;
  }
  std::vector<Arc> Arcs() {
    std::vector<Arc> out(Count(2));
    int64_t prev = 0;
    for (Arc& a : out) a.first = Line(prev += I()), prev = a.first, a.second = Line(I());
    return out;
  }
  Arc OneArc() {
    Arc a;
    a.first = Line(I());
    a.second = Line(I());
    return a;
  }
  void Fail() { ok_ = false, p_ = end_; }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
  bool ok_ = true;
};

}  // namespace

namespace analysis {

std::string ToBinary(const FileAnalysis& fa) {
  std::string out;
  out.reserve(64 + fa.statements.size() * 2 + fa.arcs.size() * 3 + fa.multiline.size() * 2);
  out += char(kMagic);
  out += char(kVersion);
  Writer w(out);
  w.S(fa.path);
  w.S(fa.filename);
  w.U(fa.should_be_python);
  w.S(fa.plugin);
  w.S(fa.relative_filename);
  w.U(fa.region_kinds.size());
  for (const auto& [a, b] : fa.region_kinds) w.S(a), w.S(b);
  w.U(uint64_t(fa.error_kind));
  w.S(fa.error_type);
  w.S(fa.error);
  w.Lines(fa.statements);
  w.Lines(fa.excluded);
  w.U(fa.multiline.size());
  LineNo prev = 0;
  for (const auto& [line, first] : fa.multiline) w.I(int64_t(line) - prev), w.I(int64_t(first) - line), prev = line;
  w.U(fa.regions.size());
  for (const Region& r : fa.regions) w.S(r.kind), w.S(r.name), w.I(r.start), w.Lines(r.lines);
  w.I(fa.num_lines);
  w.U(fa.has_arcs);
  w.Arcs(fa.arcs);
  w.U(fa.exit_counts.size());
  prev = 0;
  for (const auto& [line, count] : fa.exit_counts) w.I(int64_t(line) - prev), w.I(count), prev = line;
  w.Lines(fa.no_branch);
  w.U(fa.with_jump_fixers.size());
  for (const auto& [from, to] : fa.with_jump_fixers) {
    w.OneArc(from);
    w.U(to.has_value());
    if (to) w.OneArc(*to);
  }
  w.U(fa.arc_fragments.text_count());
  for (uint32_t id = 0; id < fa.arc_fragments.text_count(); ++id) w.S(*fa.arc_fragments.Text(id));
  w.U(fa.arc_fragments.entries().size());
  for (const ArcFragments::Entry& e : fa.arc_fragments.entries()) {
    w.OneArc(e.arc);
    // Text ids plus one: 0 is Python's None.
    w.U(e.cause == ArcFragments::kNoText ? 0 : uint64_t(e.cause) + 1);
    w.U(e.action == ArcFragments::kNoText ? 0 : uint64_t(e.action) + 1);
  }
  w.U(fa.has_source);
  w.U(fa.source_lines.size());
  for (const std::string& l : fa.source_lines) w.S(l);
  w.U(fa.tokens.size());
  for (const auto& line : fa.tokens) {
    w.U(line.size());
    for (const auto& [kind, text] : line) w.S(kind), w.S(text);
  }
  return out;
}

Result<FileAnalysis> FromBinary(std::string_view row) {
  FileAnalysis fa;
  Reader r(row);
  if (r.Byte() != kMagic || r.Byte() != kVersion) r.Fail();
  fa.path = r.S();
  fa.filename = r.S();
  fa.should_be_python = r.Bool();
  fa.plugin = r.S();
  fa.relative_filename = r.S();
  fa.region_kinds.resize(r.Count(2));
  for (auto& [a, b] : fa.region_kinds) a = r.S(), b = r.S();
  const uint64_t kind = r.U();
  if (kind > uint64_t(FileAnalysis::ErrorKind::kOther)) r.Fail();
  fa.error_kind = FileAnalysis::ErrorKind(kind);
  fa.error_type = r.S();
  fa.error = r.S();
  fa.statements = r.Lines();
  fa.excluded = r.Lines();
  const size_t multiline = r.Count(2);
  int64_t prev = 0;
  for (size_t i = 0; i < multiline && r.ok(); ++i) {
    const LineNo line = r.Line(prev += r.I());
    prev = line;
    const LineNo first = r.Line(line + r.I());
    // In line order, as the writer leaves them: a line out of order is damage.
    if (!fa.multiline.empty() && line <= fa.multiline.rbegin()->first) r.Fail();
    fa.multiline.insert_or_assign(line, first);
  }
  fa.regions.resize(r.Count(4));
  for (Region& g : fa.regions) g.kind = r.S(), g.name = r.S(), g.start = r.Line(r.I()), g.lines = r.Lines();
  const int64_t num_lines = r.I();
  if (num_lines < 0 || num_lines > INT32_MAX) r.Fail();
  fa.num_lines = int(num_lines);
  fa.has_arcs = r.Bool();
  fa.arcs = r.Arcs();
  fa.exit_counts.resize(r.Count(2));
  prev = 0;
  for (auto& [line, count] : fa.exit_counts) {
    line = r.Line(prev += r.I());
    prev = line;
    const int64_t c = r.I();
    if (c < INT32_MIN || c > INT32_MAX) r.Fail();
    count = int(c);
  }
  fa.no_branch = r.Lines();
  const size_t fixers = r.Count(3);
  for (size_t i = 0; i < fixers && r.ok(); ++i) {
    const Arc from = r.OneArc();
    std::optional<Arc> to;
    if (r.Bool()) to = r.OneArc();
    if (!fa.with_jump_fixers.emplace(from, to).second) r.Fail();
  }
  const size_t texts = r.Count();
  for (size_t i = 0; i < texts && r.ok(); ++i) fa.arc_fragments.AddText(r.S());
  const size_t entries = r.Count(4);
  for (size_t i = 0; i < entries && r.ok(); ++i) {
    const Arc arc = r.OneArc();
    const uint64_t cause = r.U(), action = r.U();
    if (cause > texts || action > texts) r.Fail();
    if (!r.ok()) break;
    fa.arc_fragments.Add(arc, cause ? uint32_t(cause - 1) : ArcFragments::kNoText,
                         action ? uint32_t(action - 1) : ArcFragments::kNoText);
  }
  fa.has_source = r.Bool();
  fa.source_lines.resize(r.Count());
  for (std::string& l : fa.source_lines) l = r.S();
  fa.tokens.resize(r.Count());
  for (auto& line : fa.tokens) {
    line.resize(r.Count(2));
    for (auto& [kind, text] : line) kind = r.S(), text = r.S();
  }
  if (!r.done() || !WriterShape(fa)) return Error{"Unreadable analysis row"};
  return fa;
}

}  // namespace analysis

}  // namespace covalesce
