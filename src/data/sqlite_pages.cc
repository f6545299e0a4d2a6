// A direct reader of SQLite's documented file format (https://sqlite.org/fileformat2.html),
// for the one kind of file combine reads hundreds of: a healthy coverage.py schema-7 data
// file. Walking the table B-trees of `file`, `context`, `line_bits`, `arc` and `tracer`
// straight from the bytes skips the VDBE, the page cache and every index, which makes a
// shard several times cheaper to read than through the SQLite API.
//
// It is deliberately strict: anything it does not expect (another text encoding, WAL mode,
// a size mismatch, a missing table, an odd record, a cycle) makes it give up and return
// nothing, and the caller reads the file through the SQLite API instead, which also words
// every error exactly as coverage.py reports it. tests/ and `covalesce debug shards`
// check that both paths agree on real shards.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "covalesce/kernels.h"
#include "covalesce/shard_reader.h"
#include "id_index.h"
#include "page_writer.h"

namespace covalesce {
namespace {

struct Mapped {
  const uint8_t* data = nullptr;
  size_t size = 0;
  ~Mapped() {
    if (data) munmap(const_cast<uint8_t*>(data), size);
  }
};

// SQLite varint: 1-9 bytes, big-endian 7-bit groups, the 9th byte contributes 8 bits.
bool Varint(const uint8_t*& p, const uint8_t* end, uint64_t& out) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    if (p >= end) return false;
    uint8_t b = *p++;
    v = (v << 7) | (b & 0x7f);
    if (!(b & 0x80)) {
      out = v;
      return true;
    }
  }
  if (p >= end) return false;
  out = (v << 8) | *p++;
  return true;
}

// A CREATE statement reduced to what SQLite's parser sees: `--` comments dropped, runs of
// white space made one space, and no space beside a parenthesis or a comma. coverage.py's
// SCHEMA text (with its comments and indentation) and covalesce's own one-line text reduce
// to the same string; anything else (columns renamed, reordered or retyped, another table
// name) does not.
std::string ReduceSql(std::string_view sql) {
  std::string out;
  bool space = false;
  auto punct = [](char c) { return c == '(' || c == ')' || c == ','; };
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
      space = true;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
      space = true;
      continue;
    }
    if (space && !out.empty() && !punct(out.back()) && !punct(c)) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// One column value of a record.
struct Value {
  enum Kind { kNull, kInt, kFloat, kText, kBlob } kind = kNull;
  int64_t i = 0;
  std::string_view bytes;
};

class PageFile {
 public:
  PageFile(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool Open() {
    if (size_ < 512 || std::memcmp(data_, "SQLite format 3\0", 16) != 0) return false;
    page_size_ = Be16(data_ + 16);
    if (page_size_ == 1) page_size_ = 65536;
    if (page_size_ < 512 || (page_size_ & (page_size_ - 1))) return false;
    if (data_[18] != 1 || data_[19] != 1) return false;  // rollback journal, not WAL
    usable_ = page_size_ - data_[20];
    if (usable_ < 480) return false;
    if (Be32(data_ + 56) != 1) return false;  // UTF-8 text only
    uint32_t in_header = Be32(data_ + 28);
    if (in_header == 0 || Be32(data_ + 24) != Be32(data_ + 92)) return false;
    if (uint64_t(in_header) * page_size_ != size_) return false;  // truncated or padded
    page_count_ = in_header;
    return true;
  }

  // Calls row(rowid, record) for every row of the table B-tree at `root`, in rowid order.
  template <typename RowFn>
  bool ScanTable(uint32_t root, RowFn&& row) {
    budget_ = page_count_;  // no walk may visit more pages than the file has
    return Walk(root, 0, row);
  }

  // Splits a record into column values; false if malformed.
  bool Columns(std::string_view rec, Value* out, size_t ncols, size_t& have) const {
    const uint8_t* p = reinterpret_cast<const uint8_t*>(rec.data());
    const uint8_t* end = p + rec.size();
    uint64_t hdr;
    const uint8_t* start = p;
    if (!Varint(p, end, hdr) || hdr > rec.size()) return false;
    const uint8_t* hdr_end = start + hdr;
    const uint8_t* body = hdr_end;
    have = 0;
    while (p < hdr_end) {
      uint64_t t;
      if (!Varint(p, hdr_end, t)) return false;
      Value v;
      size_t len = 0;
      if (t == 0) {
        v.kind = Value::kNull;
      } else if (t <= 6) {
        static const size_t kLen[] = {0, 1, 2, 3, 4, 6, 8};
        len = kLen[t];
        if (len > size_t(end - body)) return false;
        int64_t x = int8_t(body[0]);  // sign from the first byte
        for (size_t k = 1; k < len; ++k) x = (x << 8) | body[k];
        v.kind = Value::kInt;
        v.i = x;
      } else if (t == 7) {
        len = 8;
        v.kind = Value::kFloat;
      } else if (t == 8 || t == 9) {
        v.kind = Value::kInt;
        v.i = int64_t(t - 8);
      } else if (t >= 12) {
        // A length up to 2^63 from a corrupt header: compared, never added to a pointer.
        len = size_t((t - 12) / 2);
        v.kind = (t & 1) ? Value::kText : Value::kBlob;
        if (len > size_t(end - body)) return false;
        v.bytes = std::string_view(reinterpret_cast<const char*>(body), len);
      } else {
        return false;
      }
      if (len > size_t(end - body)) return false;
      body += len;
      if (have < ncols) out[have] = v;
      ++have;
    }
    return true;
  }

 private:
  const uint8_t* Page(uint32_t n) const { return data_ + size_t(n - 1) * page_size_; }

  template <typename RowFn>
  bool Walk(uint32_t pgno, int depth, RowFn& row) {
    if (pgno < 1 || pgno > page_count_ || depth > 40 || budget_-- == 0) return false;
    const uint8_t* page = Page(pgno);
    const uint8_t* hdr = page + (pgno == 1 ? 100 : 0);
    const uint8_t type = hdr[0];
    const uint32_t ncells = Be16(hdr + 3);
    const uint8_t* cells = hdr + (type == 5 ? 12 : 8);
    if (cells + 2 * ncells > page + usable_) return false;
    const uint8_t* page_end = page + usable_;
    if (type == 5) {  // interior table page: left children, then the right-most child
      for (uint32_t c = 0; c < ncells; ++c) {
        uint32_t off = Be16(cells + 2 * c);
        if (off + 4 > usable_) return false;
        if (!Walk(Be32(page + off), depth + 1, row)) return false;
      }
      return Walk(Be32(hdr + 8), depth + 1, row);
    }
    if (type != 13) return false;
    for (uint32_t c = 0; c < ncells; ++c) {
      uint32_t off = Be16(cells + 2 * c);
      if (off >= usable_) return false;
      const uint8_t* p = page + off;
      uint64_t payload, rowid;
      if (!Varint(p, page_end, payload) || !Varint(p, page_end, rowid)) return false;
      const uint64_t max_local = usable_ - 35;
      if (payload <= max_local) {
        if (payload > uint64_t(page_end - p)) return false;
        if (!row(int64_t(rowid), std::string_view(reinterpret_cast<const char*>(p), payload))) return false;
        continue;
      }
      // Spilled payload: the local part, then a chain of overflow pages.
      const uint64_t min_local = (uint64_t(usable_ - 12) * 32 / 255) - 23;
      uint64_t local = min_local + (payload - min_local) % (usable_ - 4);
      if (local > max_local) local = min_local;
      if (local + 4 > uint64_t(page_end - p)) return false;
      overflow_.assign(reinterpret_cast<const char*>(p), local);
      uint32_t next = Be32(p + local);
      while (overflow_.size() < payload) {
        if (next < 1 || next > page_count_ || budget_-- == 0) return false;
        const uint8_t* op = Page(next);
        size_t take = std::min<uint64_t>(usable_ - 4, payload - overflow_.size());
        overflow_.append(reinterpret_cast<const char*>(op + 4), take);
        next = Be32(op);
      }
      if (!row(int64_t(rowid), std::string_view(overflow_))) return false;
    }
    return true;
  }

  const uint8_t* data_;
  size_t size_;
  uint32_t page_size_ = 0, usable_ = 0, page_count_ = 0;
  uint64_t budget_ = 0;
  std::string overflow_;
};

// Decodes a record of exactly four integer columns (an arc row) without the general path.
inline bool FourInts(std::string_view rec, int64_t out[4]) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(rec.data());
  const uint8_t* end = p + rec.size();
  if (rec.size() < 5 || p[0] != 5) return false;  // header: its size byte + 4 one-byte types
  const uint8_t* body = p + 5;
  for (int c = 0; c < 4; ++c) {
    const uint8_t t = p[1 + c];
    if (t == 8 || t == 9) {
      out[c] = t - 8;
      continue;
    }
    static const uint8_t kLen[] = {0, 1, 2, 3, 4, 6, 8};
    if (t < 1 || t > 6) return false;
    const uint8_t len = kLen[t];
    if (body + len > end) return false;
    int64_t x = int8_t(body[0]);
    for (uint8_t k = 1; k < len; ++k) x = (x << 8) | body[k];
    out[c] = x;
    body += len;
  }
  return body == end;
}

}  // namespace

std::optional<Shard> ReadShardPages(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st;
  Mapped m;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 512) {
    close(fd);
    return std::nullopt;
  }
  m.size = size_t(st.st_size);
  void* addr = mmap(nullptr, m.size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (addr == MAP_FAILED) return std::nullopt;
  m.data = static_cast<const uint8_t*>(addr);
  madvise(addr, m.size, MADV_SEQUENTIAL);

  PageFile db(m.data, m.size);
  if (!db.Open()) return std::nullopt;

  // sqlite_schema (page 1): type, name, tbl_name, rootpage, sql. SQLite reads columns by
  // the names in each table's CREATE text, this reader by position: so it reads only a file
  // whose schema is exactly coverage.py's (the same objects, each CREATE text the same up to
  // comments and spacing). Any other schema, however healthy, goes to the SQLite API
  // (found by the shard_reader fuzzer: a CREATE text with two columns swapped).
  // Names copied: a spilled row's bytes live in a buffer the next spilled row overwrites.
  const std::vector<TableSql>& schema = CoverageSchema();
  static const std::vector<std::string> reduced = [] {
    std::vector<std::string> r;
    for (const TableSql& t : CoverageSchema()) r.push_back(ReduceSql(t.sql));
    return r;
  }();
  std::vector<bool> seen(schema.size());
  std::unordered_map<std::string, uint32_t> roots;
  bool ok = db.ScanTable(1, [&](int64_t, std::string_view rec) {
    Value v[5];
    size_t n;
    if (!db.Columns(rec, v, 5, n) || n != 5) return false;
    if (v[0].kind != Value::kText || v[1].kind != Value::kText || v[2].kind != Value::kText) return false;
    if (v[3].kind != Value::kInt) return false;
    size_t i = 0;
    while (i < schema.size() && !(v[0].bytes == schema[i].type && v[1].bytes == schema[i].name && v[2].bytes == schema[i].table)) ++i;
    if (i == schema.size() || seen[i]) return false;  // an object coverage.py never makes, or a duplicate
    if (reduced[i].empty() ? v[4].kind != Value::kNull : v[4].kind != Value::kText || ReduceSql(v[4].bytes) != reduced[i]) {
      return false;
    }
    seen[i] = true;
    if (v[0].bytes == "table") roots[std::string(v[1].bytes)] = uint32_t(v[3].i);
    return true;
  });
  // Every object present: the seven tables' roots are all known below.
  if (!ok || std::find(seen.begin(), seen.end(), false) != seen.end()) return std::nullopt;

  Shard shard;
  shard.path = path;
  auto scan = [&](const char* table, size_t ncols, auto&& fn) {
    return db.ScanTable(roots.at(table), [&](int64_t rowid, std::string_view rec) {
      Value v[4];
      size_t n;
      if (!db.Columns(rec, v, 4, n) || n != ncols) return false;
      return fn(rowid, v);
    });
  };

  int schema_rows = 0;
  bool schema_ok = false;
  if (!scan("coverage_schema", 1, [&](int64_t, Value* v) {
        ++schema_rows;
        schema_ok = v[0].kind == Value::kInt && v[0].i == 7;
        return true;
      })) {
    return std::nullopt;
  }
  if (schema_rows != 1 || !schema_ok) return std::nullopt;  // the API path words these

  if (!scan("meta", 2, [&](int64_t, Value* v) {
        if (v[0].kind == Value::kText && v[0].bytes == "has_arcs") {
          // coverage.py: bool(int(value)); anything but a plain integer text goes the slow way.
          // A digit string is true when any digit is not 0 (it may not fit in 64 bits).
          if (v[1].kind != Value::kText || v[1].bytes.empty()) return false;
          bool nonzero = false;
          for (char c : v[1].bytes) {
            if (c < '0' || c > '9') return false;
            nonzero |= c != '0';
          }
          shard.meta_has_arcs = nonzero;
        }
        return true;
      })) {
    return std::nullopt;
  }

  // Row ids -> dense indexes. Files and contexts are INTEGER PRIMARY KEY tables: the id
  // column is stored as NULL and the value is the rowid.
  IdIndex file_ids, context_ids;
  auto scan_names = [&](const char* table, IdIndex& ids, std::vector<std::string>& names) {
    return scan(table, 2, [&](int64_t rowid, Value* v) {
      if (v[0].kind != Value::kNull || v[1].kind != Value::kText) return false;
      ids.Add(rowid, uint32_t(names.size()));
      names.emplace_back(v[1].bytes);
      return true;
    });
  };
  if (!scan_names("file", file_ids, shard.files)) return std::nullopt;
  shard.tracers.assign(shard.files.size(), std::string());
  if (!scan_names("context", context_ids, shard.contexts)) return std::nullopt;
  auto lookup = [](const IdIndex& m, const Value& v) {
    return v.kind == Value::kInt ? m.Get(v.i) : kMissing;
  };

  shard.line_offsets.push_back(0);
  if (!scan("line_bits", 3, [&](int64_t, Value* v) {
        // Ids stored as another type (text '1 ', a real) SQLite converts; this reader declines.
        if (v[0].kind != Value::kInt || v[1].kind != Value::kInt || v[2].kind != Value::kBlob) return false;
        uint32_t f = lookup(file_ids, v[0]), c = lookup(context_ids, v[1]);
        if (f == kMissing || c == kMissing) return true;  // dropped, as coverage.py's joins do
        shard.line_file.push_back(f);
        shard.line_context.push_back(c);
        shard.line_bytes.insert(shard.line_bytes.end(), v[2].bytes.begin(), v[2].bytes.end());
        shard.line_offsets.push_back(uint32_t(shard.line_bytes.size()));
        return true;
      })) {
    return std::nullopt;
  }

  // Cache the last (file_id, context_id) lookup: arc rows come grouped by them.
  int64_t last_f = INT64_MIN, last_c = INT64_MIN;
  uint32_t last_fi = kMissing, last_ci = kMissing;
  if (!db.ScanTable(roots.at("arc"), [&](int64_t, std::string_view rec) {
        int64_t v[4];
        if (!FourInts(rec, v)) {  // an unusual encoding: decode it the general way
          Value g[4];
          size_t n;
          if (!db.Columns(rec, g, 4, n) || n != 4) return false;
          for (int c = 0; c < 4; ++c) {
            if (g[c].kind != Value::kInt) return false;
            v[c] = g[c].i;
          }
        }
        if (v[0] != last_f) last_f = v[0], last_fi = file_ids.Get(v[0]);
        if (v[1] != last_c) last_c = v[1], last_ci = context_ids.Get(v[1]);
        if (last_fi == kMissing || last_ci == kMissing) return true;
        if (v[2] != int32_t(v[2]) || v[3] != int32_t(v[3])) return false;
        shard.arc_file.push_back(last_fi);
        shard.arc_context.push_back(last_ci);
        shard.arc_keys.push_back(kernels::PackArc(int32_t(v[2]), int32_t(v[3])));
        return true;
      })) {
    return std::nullopt;
  }

  if (!scan("tracer", 2, [&](int64_t rowid, Value* v) {
        if (v[0].kind != Value::kNull) return false;
        uint32_t f = file_ids.Get(rowid);
        if (f == kMissing) return true;
        if (v[1].kind == Value::kText) shard.tracers[f] = std::string(v[1].bytes);
        else if (v[1].kind != Value::kNull) return false;
        return true;
      })) {
    return std::nullopt;
  }
  return shard;
}

}  // namespace covalesce
