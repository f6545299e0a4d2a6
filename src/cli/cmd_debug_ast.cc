// `covalesce debug ast FILE... [--python-version X.Y] [--ast-digest]`: prints the Python
// parser's tree in the canonical text form of tests/python_ast/dump_ast.py (or, with
// --ast-digest, one "<sha256 of the dump>  <file>" line per file, parsed in parallel), so the
// AST fidelity corpus test can compare covalesce with CPython file by file.
#include <openssl/evp.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "covalesce/hex.h"
#include "covalesce/python_ast.h"

namespace covalesce::cli {

namespace {
std::string Sha256Hex(const std::string& s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), md, &len, EVP_sha256(), nullptr);
  return LowerHex(md, len);
}

bool ReadFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}
}  // namespace

int RunDebugAst(const Parsed& given, const std::vector<std::string>& args) {
  // Options stop at the topic, so `debug ast FILE --python-version 3.12` is taken apart here.
  Parsed options = given;
  std::vector<std::string> files;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--python-version" && i + 1 < args.size()) options.values["python_version"] = args[++i];
    else if (args[i].rfind("--python-version=", 0) == 0) options.values["python_version"] = std::string(args[i].begin() + 17, args[i].end());
    else if (args[i] == "--ast-digest") options.values["ast_digest"] = "1";
    else if (args[i] == "--timings") options.values["timings"] = "1";
    else files.push_back(args[i]);
  }
  py::PyVersion version = py::PyVersion::k313;
  if (auto v = options.get("python_version")) {
    auto parsed = py::ParsePyVersion(*v);
    if (!parsed) return UsageError(parsed.error().message);
    version = *parsed;
  }
  if (files.empty()) return UsageError("'debug ast' needs at least one FILE");
  bool digest = options.flag("ast_digest");
  std::vector<std::string> results(files.size());
  std::vector<char> unreadable(files.size(), 0);
  auto t0 = std::chrono::steady_clock::now();
  size_t bytes = 0;
  std::atomic<size_t> total_bytes{0};
  tbb::parallel_for(size_t(0), files.size(), [&](size_t i) {
    std::string source;
    if (!ReadFile(files[i], source)) {
      unreadable[i] = 1;
      return;
    }
    total_bytes += source.size();
    py::ParseOutcome outcome = py::ParseModule(source, version);
    std::string dump = py::DumpOutcome(outcome, version);
    results[i] = digest ? Sha256Hex(dump) + "  " + files[i] + "\n" : std::move(dump);
  });
  bytes = total_bytes;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  int rc = kOk;
  for (size_t i = 0; i < files.size(); ++i) {
    if (unreadable[i]) {
      std::fprintf(stderr, "covalesce: couldn't read %s\n", files[i].c_str());
      rc = kErr;
      continue;
    }
    std::fwrite(results[i].data(), 1, results[i].size(), stdout);
  }
  if (options.flag("timings"))
    std::fprintf(stderr, "debug ast: %zu files, %.1f MB in %.3f s (%.0f files/s, parse and dump)\n", files.size(),
                 bytes / 1e6, secs, files.size() / secs);
  return rc;
}

}  // namespace covalesce::cli
