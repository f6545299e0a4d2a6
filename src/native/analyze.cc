// The native analysis of one file, step by step as PythonParser.parse_source takes it:
// source text (decode.cc), tokens and AST (src/python), exclusion regex lines (regex.cc), the
// token pass (tokens.cc), the raw statements (lines.cc), then the AST walk for docstrings,
// exclusions carried from decorators into bodies and irrefutable `case` clauses, and the
// final statement set; regions (regions.cc) beside it.
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "../python/parser.h"
#include "covalesce/analyser_digest.h"
#include "covalesce/native_analysis.h"
#include "covalesce/version.h"
#include "arcs.h"
#include "internal.h"

namespace covalesce {

using native::CoverageSource;
using native::DecodeStatus;

// Bumped whenever a change to the model can change an analysis (cache keys include it).
constexpr int kModelRevision = 2;

const std::vector<std::string>& NativeModelledVersions() {
  static const std::vector<std::string> v{"3.11", "3.12", "3.13"};
  return v;
}

std::string PythonMinor(std::string_view version) {
  if (version.size() < 3 || version[0] != '3' || version[1] != '.') return "";
  size_t i = 2;
  while (i < version.size() && version[i] >= '0' && version[i] <= '9') ++i;
  if (i == 2 || (i < version.size() && version[i] != '.')) return "";
  return std::string(version.substr(0, i));
}

bool NativeModels(std::string_view version) {
  const std::string minor = PythonMinor(version);
  for (const std::string& v : NativeModelledVersions())
    if (v == minor) return true;
  return false;
}

std::string NativeAnalyser(std::string_view python_minor) {
  return std::string("native:") + kVersion + ":model-" + std::to_string(kModelRevision) + ":" + kAnalyserDigest + ":py" +
         std::string(python_minor);
}

VersionChoice ChooseNativeVersion(const std::optional<std::string>& option,
                                  const std::optional<std::string>& config, const std::string& python) {
  VersionChoice c;
  std::string given;
  if (option && !option->empty()) given = *option, c.source = "--python-version";
  else if (config && !config->empty()) given = *config, c.source = "python_version";
  else if (std::string probed = ProbePythonVersion(python); !probed.empty()) given = probed, c.source = python;
  if (given.empty()) {
    c.version = c.given = NativeModelledVersions().back();
    c.source = "default";
    return c;
  }
  c.given = given;
  c.version = PythonMinor(given);
  if (c.version.empty()) c.version = given;
  c.modelled = NativeModels(c.version);
  if (!c.modelled) {
    c.notice = "Python " + given + " (from " + c.source +
               ") has no native model (3.11, 3.12, 3.13): analysing with coverage.py itself (--analysis=python)";
  }
  return c;
}

struct NativeAnalyzer::Impl {
  AnalysisSettings settings;
  py::PyVersion version = py::PyVersion::k313;
  const native::VersionRules* rules = nullptr;
  std::shared_ptr<native::PyRegex> exclude;
  native::ArcRules arc_rules;               // branch: coverage.py's PYBEHAVIOR for this Python
  std::shared_ptr<native::PyRegex> partial;  // branch: partial_branches + _always; null: ""

  NativeResult Analyze(const std::string& path, std::string_view bytes) const;
};

namespace {

// files.canonical_filename for a path that exists: absolute, symlinks resolved.
std::string Canonical(const std::string& path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (ec) return path;
  std::filesystem::path real = std::filesystem::weakly_canonical(abs, ec);
  return ec ? abs.lexically_normal().string() : real.string();
}

// FileReporter.should_be_python: a .py* extension or none.
bool ShouldBePython(const std::string& filename) {
  std::filesystem::path p(filename);
  std::string ext = p.extension().string();
  return ext.empty() || ext.rfind(".py", 0) == 0;
}

void SetError(NativeResult& r, FileAnalysis::ErrorKind kind, const std::string& type, const std::string& message,
              bool fallback, const std::string& reason) {
  r.analysis.error_kind = kind;
  r.analysis.error_type = type;
  r.analysis.error = message;
  r.fallback = fallback;
  r.fallback_reason = reason;
}

std::string NotPythonMessage(const std::string& filename, const std::string& msg, int line) {
  return "Couldn't parse '" + filename + "' as Python source: " + native::PyRepr(msg) + " at line " +
         std::to_string(line);
}

using py::Kind;

// Trees deeper than this are walked on a thread with a large stack.
constexpr int kDeepTree = 200;

// A small dense set of line numbers.
struct LineSet {
  std::vector<char> bits;
  explicit LineSet(size_t n = 0) : bits(n + 2, 0) {}
  void Grow(LineNo l) {
    if (size_t(l) >= bits.size()) bits.resize(size_t(l) + 1, 0);
  }
  void Add(LineNo l) {
    if (l < 0) return;
    Grow(l);
    bits[size_t(l)] = 1;
  }
  bool Has(LineNo l) const { return l >= 0 && size_t(l) < bits.size() && bits[size_t(l)]; }
  bool AnyIn(LineNo lo, LineNo hi) const {
    for (LineNo l = std::max<LineNo>(lo, 0); l <= hi; ++l)
      if (Has(l)) return true;
    return false;
  }
  void AddRange(LineNo lo, LineNo hi) {
    if (hi < lo) return;
    Grow(hi);
    for (LineNo l = std::max<LineNo>(lo, 0); l <= hi; ++l) bits[size_t(l)] = 1;
  }
  std::vector<LineNo> Sorted() const {
    std::vector<LineNo> out;
    for (size_t l = 0; l < bits.size(); ++l)
      if (bits[l]) out.push_back(LineNo(l));
    return out;
  }
};

// The statement-level children of a node, in ast.iter_child_nodes order.


}  // namespace

NativeResult NativeAnalyzer::Impl::Analyze(const std::string& path, std::string_view bytes) const {
  NativeResult r;
  FileAnalysis& fa = r.analysis;
  fa.path = path;
  fa.filename = settings.relative_files ? path : Canonical(path);
  fa.should_be_python = ShouldBePython(fa.filename);

  CoverageSource src;
  std::string why;
  switch (native::DecodeLikeCoverage(bytes, src, why)) {
    case DecodeStatus::kOk: break;
    case DecodeStatus::kSyntaxError:
      SetError(r, FileAnalysis::ErrorKind::kOther, "SyntaxError", why, true, "source encoding: " + why);
      return r;
    case DecodeStatus::kUnsupported:
      SetError(r, FileAnalysis::ErrorKind::kOther, "LookupError", why, true, why);
      return r;
  }
  const std::string& text = src.text;
  if (text.find('\0') != std::string::npos) {
    SetError(r, FileAnalysis::ErrorKind::kNotPython, "NotPython",
             NotPythonMessage(fa.filename, "source code string cannot contain null bytes", 0), true,
             "the source holds NUL bytes");
    return r;
  }

  // Tokens, then the tree (ast.parse(text): a str, so no coding cookie is looked at again).
  py::TokenStream ts;
  py::SyntaxErrorInfo err;
  if (!py::Tokenize(text, version, ts, err)) {
    SetError(r, FileAnalysis::ErrorKind::kNotPython, "NotPython", NotPythonMessage(fa.filename, err.message, err.lineno),
             true, "syntax error at line " + std::to_string(err.lineno));
    return r;
  }
  py::Arena arena;
  const py::ModuleNode* module = nullptr;
  bool deep = false;  // parse and walks may recurse too deep for this thread's stack
  {
    py::Parser parser(text, py::ParserTokens(ts, deep), version, arena);
    std::optional<py::ParseFail> failed;
    auto parse = [&] {
      try {
        module = parser.ParseFile();
      } catch (const py::ParseFail& f) {
        failed = f;
      }
    };
    if (deep) py::RunWithLargeStack(parse);
    else parse();
    if (failed) {
      SetError(r, FileAnalysis::ErrorKind::kNotPython, "NotPython",
               NotPythonMessage(fa.filename, failed->info.message, failed->info.lineno), true,
               "syntax error at line " + std::to_string(failed->info.lineno));
      return r;
    }
  }

  // Exclusion regex lines (lines_matching, with the multi-line map still empty).
  std::vector<LineNo> raw_excluded;
  if (exclude) {
    size_t last_start = 0;
    LineNo last_start_line = 0;
    exclude->FindAll(text, [&](size_t s, size_t e) {
      const LineNo start_line = last_start_line + LineNo(std::count(text.begin() + last_start, text.begin() + s, '\n'));
      const LineNo end_line = start_line + LineNo(std::count(text.begin() + s, text.begin() + e, '\n'));
      for (LineNo l = start_line + 1; l <= end_line + 1; ++l) raw_excluded.push_back(l);
      last_start = s;
      last_start_line = start_line;
    });
  }

  native::TokenFacts facts;
  native::TokenPass(text, ts.tokens, raw_excluded, facts);

  // The compile step raises what the parser does not (return outside a function, ...); the
  // compiler model gives the raw statements. These walks recurse as deep as the tree: a tree
  // that may be deep is walked on a thread with a large stack of its own, whatever thread
  // (a pool's, with a small stack) asked.
  std::vector<LineNo> raw;
  native::CompileError ce;
  auto walks = [&] {
    if (!facts.empty) {
      ce = native::FindCompileError(module, version);
      if (ce.line) return;
      raw = native::RawStatementLines(module, *rules, &ce);
      if (ce.line) return;
    }
    fa.regions = native::CodeRegions(module);
  };
  if (deep || facts.depth_bound > kDeepTree) py::RunWithLargeStack(walks);
  else walks();
  if (ce.recursion) {
    SetError(r, FileAnalysis::ErrorKind::kOther, "RecursionError", ce.message, true,
             "the syntax tree is too deep for CPython (line " + std::to_string(ce.line) + ")");
    fa.regions.clear();
    return r;
  }
  if (ce.line) {
    SetError(r, FileAnalysis::ErrorKind::kNotPython, "NotPython", NotPythonMessage(fa.filename, ce.message, ce.line),
             true, "compile error at line " + std::to_string(ce.line) + ": " + ce.message);
    fa.regions.clear();
    return r;
  }

  const auto& ml = facts.multiline;
  LineNo max_line = 1;
  if (!ts.tokens.empty()) max_line = std::max(max_line, ts.tokens.back().end_lineno);
  if (!raw.empty()) max_line = std::max(max_line, raw.back());
  if (!ml.empty()) max_line = std::max(max_line, ml.rbegin()->first);
  std::vector<LineNo> first_of(size_t(max_line) + 1);
  for (LineNo l = 0; l <= max_line; ++l) first_of[size_t(l)] = l;
  for (const auto& [l, f] : ml) first_of[size_t(l)] = f;
  auto first_line = [&](LineNo l) { return l >= 0 && l <= max_line ? first_of[size_t(l)] : l; };

  LineSet excluded(size_t(max_line) + 1);
  for (LineNo l : facts.excluded) excluded.Add(first_line(l));
  LineSet raw_set(size_t(max_line) + 1);
  for (LineNo l : raw) raw_set.Add(l);
  LineSet docstrings(size_t(max_line) + 1);

  // walk_statement_nodes: a stack, children pushed in field order, the last popped first.
  std::vector<const py::Node*> todo{module};
  while (!todo.empty()) {
    const py::Node* node = todo.back();
    todo.pop_back();
    const py::NodeList* body = nullptr;
    switch (node->kind) {
      case Kind::Module: body = &static_cast<const py::ModuleNode*>(node)->body; break;
      case Kind::ClassDef: body = &static_cast<const py::ClassDefNode*>(node)->body; break;
      case Kind::FunctionDef:
      case Kind::AsyncFunctionDef: body = &static_cast<const py::FunctionDefNode*>(node)->body; break;
      default: break;
    }
    if (body && body->n) {
      const py::Node* first = (*body)[0];
      if (first->kind == Kind::Expr) {
        const py::Node* v = static_cast<const py::ValueNode*>(first)->value;
        if (v->kind == Kind::Constant && static_cast<const py::ConstantNode*>(v)->ck == py::ConstKind::Str)
          docstrings.AddRange(first->pos.lineno, first->pos.end_lineno);
      }
    }
    if (node->kind == Kind::ClassDef || node->kind == Kind::FunctionDef || node->kind == Kind::AsyncFunctionDef) {
      const py::NodeList& decos = node->kind == Kind::ClassDef
                                      ? static_cast<const py::ClassDefNode*>(node)->decorator_list
                                      : static_cast<const py::FunctionDefNode*>(node)->decorator_list;
      LineNo first = node->pos.lineno;
      for (const py::Node* d : decos) first = std::min(first, d->pos.lineno);
      if (excluded.AnyIn(first, node->pos.lineno)) excluded.AddRange(first, node->pos.end_lineno);
    }
    if (node->kind == Kind::MatchCase) {
      auto* c = static_cast<const py::MatchCase*>(node);
      if (native::CaseIsIrrefutable(c)) {
        const LineNo lo = c->body[0]->pos.lineno, hi = c->body[c->body.n - 1]->pos.end_lineno;
        bool any = false, all = true;
        for (LineNo l = lo; l <= hi; ++l) {
          if (raw_set.Has(l)) {
            any = true;
            if (!excluded.Has(l)) all = false;
          }
        }
        if (any && all) excluded.AddRange(c->pattern->pos.lineno, c->pattern->pos.end_lineno);
      }
    }
    native::StatementChildren(node, [&](const py::Node* c) { todo.push_back(c); });
  }

  // statements = first_lines(raw - ignore) - ignore
  auto ignored = [&](LineNo l) { return excluded.Has(l) || docstrings.Has(l); };
  LineSet statements(size_t(max_line) + 1);
  for (LineNo l : raw) {
    if (ignored(l)) continue;
    const LineNo f = first_line(l);
    if (!ignored(f)) statements.Add(f);
  }
  fa.statements = statements.Sorted();
  fa.excluded = excluded.Sorted();
  fa.multiline = std::move(facts.multiline);
  fa.num_lines = native::CountSplitLines(text);
  if (settings.branch) {  // arcs.cc: PythonParser.arcs(), exit_counts(), no_branch_lines()
    std::string unsupported;
    auto branches = [&] { unsupported = native::AnalyzeArcs(module, raw, arc_rules, fa); };
    if (deep || facts.depth_bound > kDeepTree) py::RunWithLargeStack(branches);
    else branches();
    if (!unsupported.empty()) {
      r.fallback = true;
      r.fallback_reason = unsupported;
      return r;
    }
    fa.no_branch = native::NoBranchLines(partial.get(), text, fa.multiline);
  }
  if (settings.source) {
    // fr.source().splitlines(): LCOV's line checksums and the HTML pages read these.
    fa.has_source = true;
    fa.source_lines = native::SplitLines(text);
  }
  return r;
}

NativeAnalyzer::NativeAnalyzer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NativeAnalyzer::~NativeAnalyzer() = default;

Result<std::unique_ptr<NativeAnalyzer>> NativeAnalyzer::Create(const AnalysisSettings& settings) {
  auto impl = std::make_unique<Impl>();
  impl->settings = settings;
  const std::string minor = PythonMinor(settings.python_version.empty() ? NativeModelledVersions().back()
                                                                        : settings.python_version);
  auto v = py::ParsePyVersion(minor.empty() ? settings.python_version : minor);
  if (!v) return Error{"No native model for Python " + settings.python_version + ": " + v.error().message};
  impl->version = *v;
  impl->rules = &native::RulesFor(*v);
  if (!settings.exclude.empty()) {
    auto re = native::PyRegex::Compile(settings.exclude);
    if (!re) return Error{re.error().message};
    impl->exclude = *re;
  }
  if (settings.branch) {
    impl->arc_rules = native::ArcRulesFor(settings.python_version.empty() ? minor : settings.python_version);
    std::vector<std::string> partial = settings.partial;
    partial.insert(partial.end(), settings.partial_always.begin(), settings.partial_always.end());
    if (!partial.empty()) {
      auto re = native::PyRegex::Compile(partial);
      if (!re) return Error{re.error().message};
      impl->partial = *re;
    }
  }
  return std::unique_ptr<NativeAnalyzer>(new NativeAnalyzer(std::move(impl)));
}

NativeResult NativeAnalyzer::Analyze(const std::string& path, std::string_view source_bytes) const {
  return impl_->Analyze(path, source_bytes);
}

NativeResult NativeAnalyzer::AnalyzeFile(const std::string& path) const {
  auto unreadable = [&](bool exists, int err) {
    NativeResult r;
    r.analysis.path = path;
    r.analysis.filename = impl_->settings.relative_files ? path : Canonical(path);
    r.analysis.should_be_python = ShouldBePython(r.analysis.filename);
    // A path that is not there is get_python_source's NoSource; one that is there but cannot
    // be read (a directory, no permission) is PythonParser's NoSource around the OSError.
    const std::string& name = r.analysis.filename;
    std::string msg = "No source for code: '" + name + "'.";
    if (exists) {
      msg = "No source for code: '" + name + "': [Errno " + std::to_string(err) + "] " + std::strerror(err) + ": " +
            native::PyRepr(name);
    }
    SetError(r, FileAnalysis::ErrorKind::kNoSource, "NoSource", msg, false, "");
    return r;
  };
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return unreadable(false, errno);  // os.path.exists is False
  if (S_ISDIR(st.st_mode)) return unreadable(true, EISDIR);
  std::ifstream in(path, std::ios::binary);
  if (!in) return unreadable(true, errno ? errno : EACCES);
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  std::string bytes(size > 0 ? size_t(size) : 0, '\0');
  if (size > 0) in.read(bytes.data(), size);
  if (size < 0 || !in) {  // not seekable: read it as a stream
    in.clear();
    in.seekg(0, std::ios::beg);
    std::ostringstream ss;
    ss << in.rdbuf();
    bytes = ss.str();
  }
  return impl_->Analyze(path, bytes);
}

Result<FileAnalysis> AnalyzeNative(const std::string& path, std::string_view source_bytes,
                                   const AnalysisSettings& settings) {
  auto a = NativeAnalyzer::Create(settings);
  if (!a) return Error{a.error().message};
  return (*a)->Analyze(path, source_bytes).analysis;
}

Result<std::vector<LineNo>> NativeRawStatements(std::string_view source_bytes, std::string_view python_minor) {
  auto v = py::ParsePyVersion(python_minor);
  if (!v) return Error{v.error().message};
  CoverageSource src;
  std::string why;
  if (native::DecodeLikeCoverage(source_bytes, src, why) != DecodeStatus::kOk) return Error{why};
  py::ParseOutcome outcome = py::ParseModule(src.text, *v);
  if (outcome.failed) return Error{outcome.error.message + " at line " + std::to_string(outcome.error.lineno)};
  if (!outcome.deep) return native::RawStatementLines(outcome.tree.module, native::RulesFor(*v));
  std::vector<LineNo> lines;  // the walk recurses as deep as the tree
  py::RunWithLargeStack([&] { lines = native::RawStatementLines(outcome.tree.module, native::RulesFor(*v)); });
  return lines;
}

}  // namespace covalesce
