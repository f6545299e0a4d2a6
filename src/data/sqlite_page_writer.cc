// Writes the combined data file as SQLite pages directly (https://sqlite.org/fileformat2.html).
//
// Inserting 145K arc rows through the SQLite API costs ~1.2 us a row (table B-tree plus the
// unique index), most of a combine's time. The rows are already sorted, so each B-tree can
// instead be bulk-built bottom-up: leaves filled in key order, interior pages over them,
// streamed to the file as they complete, page 1 (header + schema) written last. The result
// is the same database the API writes: same tables, SQL, autoindexes and rows.
// data_writer.cc has SQLite check the file (quick_check) before it replaces anything, and
// writes through the API instead if the check ever fails.
#include <sqlite3.h>
#include <tbb/task_group.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "covalesce/coverage_data.h"
#include "covalesce/kernels.h"
#include "covalesce/result.h"
#include "page_writer.h"

namespace covalesce {
namespace {

constexpr uint32_t kPageSize = 4096;
constexpr uint32_t kUsable = kPageSize;  // no reserved bytes

void PutBe16(uint8_t* p, uint32_t v) { p[0] = uint8_t(v >> 8), p[1] = uint8_t(v); }
void PutBe32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24), p[1] = uint8_t(v >> 16), p[2] = uint8_t(v >> 8), p[3] = uint8_t(v);
}

// Writes v as a SQLite varint at p; returns its length (1-9).
size_t EncodeVarint(uint8_t* p, uint64_t v) {
  if (v < 0x80) {
    p[0] = uint8_t(v);
    return 1;
  }
  if (v < 0x4000) {
    p[0] = uint8_t(0x80 | (v >> 7)), p[1] = uint8_t(v & 0x7f);
    return 2;
  }
  if (v > 0x00ffffffffffffffULL) {  // nine bytes: the last carries 8 bits
    p[8] = uint8_t(v);
    v >>= 8;
    for (int i = 7; i >= 0; --i) p[i] = uint8_t((v & 0x7f) | 0x80), v >>= 7;
    return 9;
  }
  uint8_t buf[9];
  size_t n = 0;
  do {
    buf[n++] = uint8_t(v & 0x7f);
    v >>= 7;
  } while (v);
  for (size_t i = 0; i < n; ++i) p[i] = uint8_t(buf[n - 1 - i] | (n - 1 - i ? 0x80 : 0));
  return n;
}

void PutVarint(std::string& out, uint64_t v) {
  uint8_t buf[9];
  out.append(reinterpret_cast<const char*>(buf), EncodeVarint(buf, v));
}

// An integer column: its serial type, and its big-endian bytes at `body`; returns their
// count (0 for the constants 0 and 1, types 8 and 9 of schema format 4).
size_t PutInt(int64_t v, uint64_t& type, uint8_t* body) {
  if (v == 0 || v == 1) {
    type = 8 + uint64_t(v);
    return 0;
  }
  size_t len;
  if (v >= -128 && v <= 127) type = 1, len = 1;
  else if (v >= -32768 && v <= 32767) type = 2, len = 2;
  else if (v >= -8388608 && v <= 8388607) type = 3, len = 3;
  else if (v >= INT32_MIN && v <= INT32_MAX) type = 4, len = 4;
  else if (v >= -140737488355328 && v <= 140737488355327) type = 5, len = 6;
  else type = 6, len = 8;
  for (size_t i = 0; i < len; ++i) body[i] = uint8_t(uint64_t(v) >> (8 * (len - 1 - i)));
  return len;
}

// A record of N integer columns (an arc row, an arc index entry) encoded at `out` (room for
// 1 + 9 * N bytes); returns its length. The same bytes Record makes, without its strings:
// these are most of a combine's rows.
template <size_t N>
size_t IntRecord(const int64_t (&v)[N], uint8_t* out) {
  static_assert(N < 16, "the header length must fit one byte");
  uint8_t* body = out + 1 + N;  // every type of an integer is one byte
  for (size_t i = 0; i < N; ++i) {
    uint64_t type;
    body += PutInt(v[i], type, body);
    out[1 + i] = uint8_t(type);
  }
  out[0] = uint8_t(1 + N);
  return size_t(body - out);
}

// A record (one row's or one index entry's payload), built column by column. Reused
// across rows (Clear) so the hot loops allocate nothing.
class Record {
 public:
  void Clear() { ntypes_ = 0, body_.clear(); }
  void Null() { types_[ntypes_++] = 0; }
  void Int(int64_t v) {
    uint8_t buf[8];
    const size_t len = PutInt(v, types_[ntypes_++], buf);
    body_.append(reinterpret_cast<const char*>(buf), len);
  }
  void Text(std::string_view s) { types_[ntypes_++] = 13 + 2 * s.size(), body_.append(s); }
  void Blob(std::string_view b) { types_[ntypes_++] = 12 + 2 * b.size(), body_.append(b); }

  // Appends the encoded record to `out`.
  void AppendTo(std::string& out) const {
    uint8_t hdr[1 + 9 * 8 + 1];
    size_t n = 1;  // the header length, first: almost always one byte
    for (size_t i = 0; i < ntypes_; ++i) n += EncodeVarint(hdr + n, types_[i]);
    if (n < 128) {
      hdr[0] = uint8_t(n);
      out.append(reinterpret_cast<const char*>(hdr), n);
    } else {
      PutVarint(out, n + 1);
      out.append(reinterpret_cast<const char*>(hdr + 1), n - 1);
    }
    out += body_;
  }
  std::string Bytes() const {
    std::string out;
    AppendTo(out);
    return out;
  }

 private:
  uint64_t types_[8];
  size_t ntypes_ = 0;
  std::string body_;
};

class File {
 public:
  explicit File(int fd) : fd_(fd) {}
  // A file in memory (Pages()): its pages are numbered from 1, for AppendRelocated to place.
  File() : fd_(-1), next_(1) {}
  uint32_t next_page() const { return next_; }
  // Appends a completed page; returns its number. Page 1 is reserved and written last.
  uint32_t Append(const uint8_t* page) {
    buf_.insert(buf_.end(), page, page + kPageSize);
    if (fd_ >= 0 && buf_.size() >= (1u << 20)) ok_ = ok_ && Flush();
    return next_++;
  }
  // Appends the pages of an in-memory File, adding `delta` to every child page number of
  // their interior pages. Only for trees without overflow pages (their chains are not
  // followed): the arc index, whose entries are five integers.
  void AppendRelocated(const std::vector<uint8_t>& pages, uint32_t delta) {
    uint8_t page[kPageSize];
    for (size_t at = 0; at < pages.size(); at += kPageSize) {
      std::memcpy(page, pages.data() + at, kPageSize);
      if (page[0] == 2 || page[0] == 5) {  // interior: a right-most child, and one per cell
        PutBe32(page + 8, Be32(page + 8) + delta);
        const uint32_t cells = Be16(page + 3);
        for (uint32_t i = 0; i < cells; ++i) {
          uint8_t* cell = page + Be16(page + 12 + 2 * i);
          PutBe32(cell, Be32(cell) + delta);
        }
      }
      Append(page);
    }
  }
  const std::vector<uint8_t>& Pages() const { return buf_; }
  void Reserve(size_t pages) { buf_.reserve(pages * kPageSize); }
  bool Flush() {
    size_t done = 0;
    while (done < buf_.size()) {
      ssize_t n = pwrite(fd_, buf_.data() + done, buf_.size() - done, off_);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Failed();
      done += size_t(n), off_ += n;
    }
    buf_.clear();
    return true;
  }
  bool WritePage1(const uint8_t* page) { return pwrite(fd_, page, kPageSize, 0) == kPageSize || Failed(); }
  bool ok() const { return ok_; }
  // Why a write failed ("No space left on device"), as the OS said it.
  std::string error() const { return std::strerror(err_ ? err_ : EIO); }

 private:
  int fd_;
  uint32_t next_ = 2;
  off_t off_ = kPageSize;
  std::vector<uint8_t> buf_;
  bool ok_ = true;
  int err_ = 0;

  bool Failed() {
    if (!err_) err_ = errno;
    return false;
  }
};

// Appends to `cell` the part of a payload stored in the cell, spilling the rest to a chain
// of overflow pages.
void AppendLocal(File& f, std::string_view payload, bool index, std::string& cell) {
  const uint64_t max_local = index ? ((kUsable - 12) * 64 / 255) - 23 : kUsable - 35;
  const uint64_t min_local = ((kUsable - 12) * 32 / 255) - 23;
  if (payload.size() <= max_local) {
    cell += payload;
    return;
  }
  uint64_t local = min_local + (payload.size() - min_local) % (kUsable - 4);
  if (local > max_local) local = min_local;
  cell += payload.substr(0, local);
  // Overflow pages are appended in order, so each one's successor is the next page.
  std::string_view rest = payload.substr(local);
  uint8_t page[kPageSize];
  uint8_t first[4];
  PutBe32(first, f.next_page());
  cell.append(reinterpret_cast<char*>(first), 4);
  while (!rest.empty()) {
    std::memset(page, 0, kPageSize);
    size_t take = std::min<size_t>(rest.size(), kUsable - 4);
    std::memcpy(page + 4, rest.data(), take);
    rest.remove_prefix(take);
    PutBe32(page, rest.empty() ? 0 : f.next_page() + 1);
    f.Append(page);
  }
}

// One B-tree page under construction: cells are kept (in one byte arena) until the page
// is serialised, so a full page can still give back its last cell.
struct PageBuild {
  explicit PageBuild(uint8_t t) : type(t) {}
  uint8_t type;                    // 13 table leaf, 5 table interior, 10 index leaf, 2 index interior
  size_t header_offset = 0;        // 100 on page 1
  std::string arena;               // cell bytes, back to back
  std::vector<uint32_t> ends;      // end offset of each cell in `arena`

  size_t ncells() const { return ends.size(); }
  size_t header_size() const { return (type == 5 || type == 2) ? 12 : 8; }
  bool Fits(size_t cell) const {
    return header_offset + header_size() + arena.size() + 2 * ends.size() + cell + 2 <= kUsable;
  }
  void Add(std::string_view cell) {
    arena += cell;
    ends.push_back(uint32_t(arena.size()));
  }
  std::string Pop() {
    size_t begin = ends.size() > 1 ? ends[ends.size() - 2] : 0;
    std::string cell = arena.substr(begin);
    arena.resize(begin);
    ends.pop_back();
    return cell;
  }
  void Reset() { arena.clear(), ends.clear(); }
  void Serialise(uint8_t* page, uint32_t rightmost) const {
    std::memset(page, 0, kPageSize);
    uint8_t* hdr = page + header_offset;
    hdr[0] = type;
    PutBe16(hdr + 3, uint32_t(ends.size()));
    if (header_size() == 12) PutBe32(hdr + 8, rightmost);
    size_t content = kUsable;
    uint8_t* ptrs = hdr + header_size();
    for (size_t i = 0; i < ends.size(); ++i) {
      size_t begin = i ? ends[i - 1] : 0, len = ends[i] - begin;
      content -= len;
      std::memcpy(page + content, arena.data() + begin, len);
      PutBe16(ptrs + 2 * i, uint32_t(content));
    }
    PutBe16(hdr + 5, uint32_t(content == 65536 ? 0 : content));
  }
};

// Builds a table B-tree from rows given in rowid order; returns the root page.
class TableTree {
 public:
  explicit TableTree(File& f) : f_(f) {}
  void Add(int64_t rowid, std::string_view payload) {
    cell_.clear();
    PutVarint(cell_, payload.size());
    PutVarint(cell_, uint64_t(rowid));
    AppendLocal(f_, payload, false, cell_);
    if (!leaf_.Fits(cell_.size())) FinishLeaf();
    leaf_.Add(cell_);
    last_rowid_ = rowid;
  }
  uint32_t Finish() {
    if (leaf_.ncells() || children_.empty()) FinishLeaf();
    // Interior levels: each page holds (child, max rowid) cells and a right-most child.
    // Every page keeps at least one cell: SQLite rejects an interior page without any.
    std::vector<std::pair<uint32_t, int64_t>> level = std::move(children_);
    while (level.size() > 1) {
      std::vector<std::pair<uint32_t, int64_t>> up;
      PageBuild page{5};
      const size_t n = level.size();
      for (size_t i = 0; i + 1 < n; ++i) {
        std::string cell = InteriorCell(level[i]);
        if (page.Fits(cell.size())) {
          page.Add(cell);
        } else if (i + 2 < n) {
          up.push_back({Write(page, level[i].first), level[i].second});  // child i closes it
          page.Reset();
        } else {
          // Only the last child would be left for a new page: close one cell earlier.
          page.Pop();
          up.push_back({Write(page, level[i - 1].first), level[i - 1].second});
          page.Reset();
          page.Add(cell);
        }
      }
      up.push_back({Write(page, level[n - 1].first), level[n - 1].second});
      level = std::move(up);
    }
    return level[0].first;
  }

 private:
  static std::string InteriorCell(const std::pair<uint32_t, int64_t>& child) {
    std::string cell(4, '\0');
    PutBe32(reinterpret_cast<uint8_t*>(cell.data()), child.first);
    PutVarint(cell, uint64_t(child.second));
    return cell;
  }
  uint32_t Write(const PageBuild& p, uint32_t rightmost) {
    uint8_t buf[kPageSize];
    p.Serialise(buf, rightmost);
    return f_.Append(buf);
  }
  void FinishLeaf() {
    children_.push_back({Write(leaf_, 0), last_rowid_});
    leaf_.Reset();
  }
  File& f_;
  PageBuild leaf_{13};
  std::string cell_;
  int64_t last_rowid_ = 0;
  std::vector<std::pair<uint32_t, int64_t>> children_;
};

// Builds an index B-tree from entries given in key order; returns the root page.
// In an index B-tree every entry is stored once: dividers live in the interior pages.
// Entries stream into leaves with one entry of lookahead (the last entry may have to
// trade places with a divider); only the leaf-level dividers are kept in memory.
class IndexTree {
 public:
  explicit IndexTree(File& f) : f_(f) {}
  void Add(std::string_view payload) {
    if (has_pending_) Place(pending_, false);
    pending_.clear();
    PutVarint(pending_, payload.size());
    AppendLocal(f_, payload, true, pending_);
    has_pending_ = true;
  }

  uint32_t Finish() {
    if (has_pending_) Place(pending_, true);
    children_.push_back(Write(leaf_, 0));
    std::vector<uint32_t> children = std::move(children_);
    std::vector<std::string> dividers = std::move(dividers_);

    // Interior levels: cells are (left child, divider); the last child is right-most.
    while (children.size() > 1) {
      std::vector<uint32_t> up_children;
      std::vector<std::string> up_dividers;
      PageBuild page{2};
      size_t k = 0;
      for (; k < dividers.size(); ++k) {
        std::string cell(4, '\0');
        PutBe32(reinterpret_cast<uint8_t*>(cell.data()), children[k]);
        cell += dividers[k];  // an interior cell is the child number + the leaf cell's bytes
        if (page.Fits(cell.size())) {
          page.Add(cell);
        } else if (k + 1 < dividers.size()) {
          // children[k] closes this page; dividers[k] moves up a level.
          up_children.push_back(Write(page, children[k]));
          up_dividers.push_back(std::move(dividers[k]));
          page.Reset();
        } else {
          // The last divider: close one cell earlier so the new page is not empty.
          std::string popped = page.Pop();
          up_children.push_back(Write(page, children[k - 1]));
          up_dividers.push_back(popped.substr(4));
          page.Reset();
          page.Add(cell);
        }
      }
      up_children.push_back(Write(page, children[k]));
      children = std::move(up_children);
      dividers = std::move(up_dividers);
    }
    return children[0];
  }

 private:
  // Puts one leaf cell in place; the cell that does not fit becomes the divider above.
  void Place(const std::string& cell, bool last) {
    if (leaf_.Fits(cell.size())) {
      leaf_.Add(cell);
    } else if (!last) {
      children_.push_back(Write(leaf_, 0));
      dividers_.push_back(cell);
      leaf_.Reset();
    } else {
      // The very last entry cannot be a divider (nothing would follow it): the leaf's
      // own last cell moves up instead, and the entry starts the final leaf.
      dividers_.push_back(leaf_.Pop());
      children_.push_back(Write(leaf_, 0));
      leaf_.Reset();
      leaf_.Add(cell);
    }
  }
  uint32_t Write(const PageBuild& p, uint32_t rightmost) {
    uint8_t buf[kPageSize];
    p.Serialise(buf, rightmost);
    return f_.Append(buf);
  }
  File& f_;
  PageBuild leaf_{10};
  std::string pending_;
  bool has_pending_ = false;
  std::vector<uint32_t> children_;
  std::vector<std::string> dividers_;
};

}  // namespace

std::vector<uint32_t> ContextOrder(const std::vector<uint32_t>& contexts) {
  std::vector<uint32_t> order(contexts.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return contexts[a] < contexts[b]; });
  return order;
}

Status WritePages(const CoverageData& data, int fd, const std::string& meta_version,
                  const std::vector<TableSql>& schema) {
  File f(fd);
  std::vector<uint32_t> roots;

  // coverage_schema
  {
    TableTree t(f);
    Record r;
    r.Int(7);
    t.Add(1, r.Bytes());
    roots.push_back(t.Finish());
  }
  // meta + its unique (key) index
  {
    std::vector<std::pair<std::string, std::string>> rows = {{"version", meta_version}};
    if (data.has_arcs) rows.push_back({"has_arcs", *data.has_arcs ? "1" : "0"});
    for (const auto& row : data.meta) rows.push_back(row);
    TableTree t(f);
    std::vector<std::pair<std::string, int64_t>> keys;
    for (size_t i = 0; i < rows.size(); ++i) {
      Record r;
      r.Text(rows[i].first);
      r.Text(rows[i].second);
      t.Add(int64_t(i) + 1, r.Bytes());
      keys.push_back({rows[i].first, int64_t(i) + 1});
    }
    roots.push_back(t.Finish());
    std::sort(keys.begin(), keys.end());
    IndexTree ix(f);
    for (auto& [k, rowid] : keys) {
      Record r;
      r.Text(k);
      r.Int(rowid);
      ix.Add(r.Bytes());
    }
    roots.push_back(ix.Finish());
  }
  // file / context: INTEGER PRIMARY KEY (stored as NULL) + unique text index
  auto text_table = [&](const std::vector<std::string_view>& values) {
    TableTree t(f);
    for (size_t i = 0; i < values.size(); ++i) {
      Record r;
      r.Null();
      r.Text(values[i]);
      t.Add(int64_t(i) + 1, r.Bytes());
    }
    roots.push_back(t.Finish());
    std::vector<uint32_t> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return values[a] < values[b]; });
    IndexTree ix(f);
    for (uint32_t i : order) {
      Record r;
      r.Text(values[i]);
      r.Int(int64_t(i) + 1);
      ix.Add(r.Bytes());
    }
    roots.push_back(ix.Finish());
  };
  std::vector<std::string_view> paths, contexts;
  for (const FileCoverage& fc : data.files) paths.push_back(fc.path);
  for (const std::string& c : data.contexts) contexts.push_back(c);
  text_table(paths);
  text_table(contexts);

  // line_bits + unique (file_id, context_id): rows in key order, so rowid order = index order.
  {
    TableTree t(f);
    IndexTree ix(f);
    int64_t rowid = 0;
    ForEachLineBitsRow(data, [&](size_t fi, uint32_t context, std::string_view numbits) {
      Record r;
      r.Int(int64_t(fi) + 1);
      r.Int(int64_t(context) + 1);
      r.Blob(numbits);
      t.Add(++rowid, r.Bytes());
      Record key;
      key.Int(int64_t(fi) + 1);
      key.Int(int64_t(context) + 1);
      key.Int(rowid);
      ix.Add(key.Bytes());
      return true;
    });
    roots.push_back(t.Finish());
    roots.push_back(ix.Finish());
  }
  // arc + unique (file_id, context_id, fromno, tono): the index entry is the row's
  // columns plus its rowid. The two trees are built side by side, the index into memory
  // (its pages numbered from 1, moved after the table's when both are done): the arc rows
  // are most of the file, and this is the one serial phase of a combine.
  {
    auto each_arc = [&](auto&& fn) {
      int64_t rowid = 0;
      for (size_t fi = 0; fi < data.files.size(); ++fi) {
        const FileCoverage& fc = data.files[fi];
        for (uint32_t k : ContextOrder(fc.arc_contexts)) {
          for (uint64_t key : fc.arcs[k]) fn(int64_t(fi) + 1, int64_t(fc.arc_contexts[k]) + 1, key, ++rowid);
        }
      }
    };
    File index_pages;
    uint32_t index_root = 0;
    tbb::task_group side;
    size_t arcs = 0;
    for (const FileCoverage& fc : data.files)
      for (const ArcKeys& keys : fc.arcs) arcs += keys.size();
    side.run([&] {
      index_pages.Reserve(arcs / 150 + 8);  // entries take under 27 bytes: 150 fill a page
      IndexTree ix(index_pages);
      uint8_t row[1 + 9 * 5];
      each_arc([&](int64_t file_id, int64_t context_id, uint64_t key, int64_t rowid) {
        const int64_t v[5] = {file_id, context_id, kernels::ArcFrom(key), kernels::ArcTo(key), rowid};
        ix.Add(std::string_view(reinterpret_cast<const char*>(row), IntRecord(v, row)));
      });
      index_root = ix.Finish();
    });
    TableTree t(f);
    uint8_t row[1 + 9 * 4];
    each_arc([&](int64_t file_id, int64_t context_id, uint64_t key, int64_t rowid) {
      const int64_t v[4] = {file_id, context_id, kernels::ArcFrom(key), kernels::ArcTo(key)};
      t.Add(rowid, std::string_view(reinterpret_cast<const char*>(row), IntRecord(v, row)));
    });
    roots.push_back(t.Finish());
    side.wait();
    const uint32_t delta = f.next_page() - 1;
    f.AppendRelocated(index_pages.Pages(), delta);
    roots.push_back(index_root + delta);
  }
  // tracer: file_id INTEGER PRIMARY KEY
  {
    TableTree t(f);
    for (size_t fi = 0; fi < data.files.size(); ++fi) {
      if (data.files[fi].tracer.empty()) continue;
      Record r;
      r.Null();
      r.Text(data.files[fi].tracer);
      t.Add(int64_t(fi) + 1, r.Bytes());
    }
    roots.push_back(t.Finish());
  }
  if (!f.ok() || !f.Flush()) return Error{f.error()};

  // Page 1: the database header, then sqlite_schema's single leaf.
  if (roots.size() != schema.size()) return Error{"schema mismatch"};
  PageBuild p1{13};
  p1.header_offset = 100;
  for (size_t i = 0; i < schema.size(); ++i) {
    Record r;
    r.Text(schema[i].type);
    r.Text(schema[i].name);
    r.Text(schema[i].table);
    r.Int(roots[i]);
    if (schema[i].sql.empty()) r.Null();
    else r.Text(schema[i].sql);
    std::string payload = r.Bytes();
    std::string cell;
    PutVarint(cell, payload.size());
    PutVarint(cell, i + 1);
    cell += payload;
    if (payload.size() > kUsable - 35 || !p1.Fits(cell.size())) return Error{"schema too large"};
    p1.Add(std::move(cell));
  }
  uint8_t page[kPageSize];
  p1.Serialise(page, 0);
  std::memcpy(page, "SQLite format 3", 16);
  PutBe16(page + 16, kPageSize);
  page[18] = 1, page[19] = 1;        // rollback journal
  page[20] = 0;                      // reserved bytes
  page[21] = 64, page[22] = 32, page[23] = 32;
  PutBe32(page + 24, 1);             // change counter
  PutBe32(page + 28, f.next_page() - 1);
  PutBe32(page + 40, 1);             // schema cookie
  PutBe32(page + 44, 4);             // schema format
  PutBe32(page + 56, 1);             // UTF-8
  PutBe32(page + 92, 1);             // version-valid-for = change counter
  PutBe32(page + 96, uint32_t(sqlite3_libversion_number()));
  if (!f.WritePage1(page)) return Error{f.error()};
  return ok_status();
}

}  // namespace covalesce
