// The canonical text form of a tree, identical to what tests/python_ast/dump_ast.py prints
// for CPython's `ast`: one line per node or field, two spaces per level, `Type l:c-el:ec`
// for nodes that have positions, every field in `_fields` order for the chosen version,
// `[]`/`None` explicit, ints in decimal (hex beyond int64), floats as Python's repr, and
// strings quoted with every character outside printable ASCII escaped.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "covalesce/python_ast.h"
#include "covalesce/python_tokens.h"

namespace covalesce::py {
namespace {

// Python's repr() of a double; `complex_part` drops the ".0" as complex repr does.
std::string FloatRepr(double v, bool complex_part) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::isnan(v)) return "nan";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, r.ptr);
  std::string sign;
  if (s[0] == '-') sign = "-", s.erase(0, 1);
  size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  int exp = std::atoi(s.c_str() + e + 1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  int decpt = exp + 1;
  std::string out;
  if (digits == "0") {
    out = complex_part ? "0" : "0.0";
  } else if (decpt <= -4 || decpt > 16) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    out += eb;
  } else if (decpt <= 0) {
    out = "0." + std::string(size_t(-decpt), '0') + digits;
  } else if (size_t(decpt) >= digits.size()) {
    out = digits + std::string(size_t(decpt) - digits.size(), '0');
    if (!complex_part) out += ".0";
  } else {
    out = digits.substr(0, size_t(decpt)) + "." + digits.substr(size_t(decpt));
  }
  return sign + out;
}

std::string QuoteStr(std::string_view s) {
  std::string out = "'";
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  char buf[16];
  for (size_t i = 0; i < n;) {
    uint32_t cp = p[i];
    size_t len = 1;
    if (cp >= 0xF0 && i + 3 < n) {
      cp = ((p[i] & 7u) << 18) | ((p[i + 1] & 63u) << 12) | ((p[i + 2] & 63u) << 6) | (p[i + 3] & 63u);
      len = 4;
    } else if (cp >= 0xE0) {
      cp = ((p[i] & 15u) << 12) | ((p[i + 1] & 63u) << 6) | (p[i + 2] & 63u);
      len = 3;
    } else if (cp >= 0xC0) {
      cp = ((p[i] & 31u) << 6) | (p[i + 1] & 63u);
      len = 2;
    }
    i += len;
    if (cp >= 0x20 && cp <= 0x7E && cp != '\\' && cp != '\'') {
      out += char(cp);
    } else {
      if (cp < 0x100) std::snprintf(buf, sizeof buf, "\\x%02x", cp);
      else if (cp < 0x10000) std::snprintf(buf, sizeof buf, "\\u%04x", cp);
      else std::snprintf(buf, sizeof buf, "\\U%08x", cp);
      out += buf;
    }
  }
  return out + "'";
}

std::string QuoteBytes(std::string_view s) {
  std::string out = "b'";
  char buf[8];
  for (unsigned char c : s) {
    if (c >= 0x20 && c <= 0x7E && c != '\\' && c != '\'') {
      out += char(c);
    } else {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out + "'";
}

std::string ConstRepr(ConstKind ck) {
  switch (ck) {
    case ConstKind::None: return "None";
    case ConstKind::True: return "True";
    case ConstKind::False: return "False";
    case ConstKind::Ellipsis: return "...";
    default: return "?";
  }
}

const char* CtxName(Ctx c) { return c == Ctx::Load ? "Load" : c == Ctx::Store ? "Store" : "Del"; }
const char* UnaryOpName(UnaryOpKind o) {
  static const char* names[] = {"Invert", "Not", "UAdd", "USub"};
  return names[size_t(o)];
}

std::string ConstantRepr(const ConstantNode& c) {
  switch (c.ck) {
    case ConstKind::Int: return c.big_int ? std::string(c.text) : std::to_string(c.ival);
    case ConstKind::Float: return FloatRepr(c.fval, false);
    case ConstKind::Complex: return FloatRepr(c.fval, true) + "j";
    case ConstKind::Str: return QuoteStr(c.text);
    case ConstKind::Bytes: return QuoteBytes(c.text);
    default: return ConstRepr(c.ck);
  }
}

// Prints one node and, through ForEachField, every field of it: one overload per kind of value.
class Dumper {
 public:
  explicit Dumper(PyVersion v) : v_(v) {}
  std::string out;

  void Emit(int depth, const std::string& prefix, const Node* n) {
    Line(depth, prefix, Head(n));
    ForEachField(n, v_, [&](const char* name, const auto& value) { Field(depth + 1, name, value); });
  }

 private:
  void Line(int depth, const std::string& prefix, const std::string& text) {
    out.append(size_t(depth) * 2, ' ');
    out += prefix;
    out += text;
    out += '\n';
  }
  std::string Head(const Node* n) {
    std::string h = KindName(n->kind);
    if (HasPosition(n->kind)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, " %d:%d-%d:%d", n->pos.lineno, n->pos.col_offset, n->pos.end_lineno,
                    n->pos.end_col_offset);
      h += buf;
    }
    return h;
  }
  static std::string Eq(const char* name) { return std::string(name) + "="; }
  // A list field: `name=[]`, or `name=[` and one `- item` line per element.
  template <class L, class Item>
  void ListField(int d, const char* name, const L& list, Item item) {
    if (list.empty()) return Line(d, Eq(name), "[]");
    Line(d, Eq(name), "[");
    for (const auto& e : list) item(d + 1, e);
  }

  void Text(int d, const char* name, std::string_view text) { Line(d, Eq(name), std::string(text)); }
  void Field(int d, const char* name, const Node* n) {
    if (!n) return Line(d, Eq(name), "None");
    Emit(d, Eq(name), n);
  }
  template <class T>
  void Field(int d, const char* name, const List<T*>& l) {
    ListField(d, name, l, [&](int di, const Node* n) {
      if (!n) Line(di, "- ", "None");
      else Emit(di, "- ", n);
    });
  }
  void Field(int d, const char* name, const List<Ident>& l) {
    ListField(d, name, l, [&](int di, Ident s) { Line(di, "- ", QuoteStr(s)); });
  }
  void Field(int d, const char* name, const List<CmpOp>& l) {
    ListField(d, name, l, [&](int di, CmpOp o) { Line(di, "- ", CmpOpName(o)); });
  }
  void Field(int d, const char* name, Ident s) { Text(d, name, s.data() ? QuoteStr(s) : "None"); }
  void Field(int d, const char* name, int v) { Text(d, name, std::to_string(v)); }
  void Field(int d, const char* name, Op o) { Text(d, name, OpName(o)); }
  void Field(int d, const char* name, BoolOpKind o) { Text(d, name, o == BoolOpKind::And ? "And" : "Or"); }
  void Field(int d, const char* name, UnaryOpKind o) { Text(d, name, UnaryOpName(o)); }
  void Field(int d, const char* name, Ctx c) { Text(d, name, CtxName(c)); }
  void Field(int d, const char* name, ConstKind c) { Text(d, name, ConstRepr(c)); }
  void Field(int d, const char* name, const ConstantNode& c) { Text(d, name, ConstantRepr(c)); }
  void Field(int d, const char* name, NoneField) { Text(d, name, "None"); }
  void Field(int d, const char* name, EmptyListField) { Text(d, name, "[]"); }

  PyVersion v_;
};

}  // namespace

std::string DumpAst(const ModuleNode* module, PyVersion version) {
  Dumper d(version);
  d.out.reserve(1 << 16);
  d.Emit(0, "", module);
  return std::move(d.out);
}

std::string DumpOutcome(const ParseOutcome& outcome, PyVersion version) {
  if (outcome.failed) {
    int line = outcome.error.lineno;
    return "SyntaxError line " + (line < 0 ? std::string("None") : std::to_string(line)) + "\n";
  }
  if (!outcome.deep) return DumpAst(outcome.tree.module, version);
  std::string dump;  // the dump recurses as deep as the tree
  RunWithLargeStack([&] { dump = DumpAst(outcome.tree.module, version); });
  return dump;
}

}  // namespace covalesce::py
