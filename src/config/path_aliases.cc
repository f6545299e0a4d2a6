// [paths] remapping, rule for rule what coverage.py 7.17.3's files.PathAliases does:
//  * add(): the pattern's own separator, trailing separators stripped, no trailing wildcard,
//    made absolute against the (real) cwd unless relative mode, a '*' start, or absolute on any
//    OS; then a case-insensitive prefix regex from the glob rules. Results get one trailing
//    separator of their own kind.
//  * map(): the first rule that matches *and* produces an existing file wins; only the matched
//    prefix is replaced; separators converted to the result's; canonicalised (realpath) unless
//    relative; a "./" start dropped. In relative mode an unmatched relative path "dir1/..." adds
//    the rule "*/dir1" -> "dir1/" for good and is mapped again, so results depend on call order.
// Map() is memoised like combine's functools.cache(aliases.map). Debug lines are the
// --debug=pathmap texts, with Python reprs.
#include <algorithm>

#include <fmt/format.h>

#include "covalesce/path_aliases.h"
#include "covalesce/os_path.h"
#include "covalesce/pcre.h"
#include "covalesce/py_compat.h"

namespace covalesce {
namespace {

// files.sep: the first slash or backslash in `s`, else os.sep.
char SepOf(std::string_view s) {
  const size_t i = s.find_first_of("/\\");
  return i == std::string_view::npos ? '/' : s[i];
}

std::string RStripSeps(std::string_view s) {
  while (!s.empty() && (s.back() == '/' || s.back() == '\\')) s.remove_suffix(1);
  return std::string(s);
}

bool StartsWithDotSep(std::string_view s) { return s.rfind("./", 0) == 0 || s.rfind(".\\", 0) == 0; }

// files.zip_location: inside an existing .zip/.whl/.egg/.pex/.par?
bool InExistingArchive(const std::string& path, const std::string& cwd) {
  for (const char* ext : {".zip", ".whl", ".egg", ".pex", ".par"}) {
    const std::string marker = std::string(ext) + SepOf(path);
    const size_t at = path.find(marker);
    if (at != std::string::npos && ospath::Exists(path.substr(0, at) + ext, cwd)) return true;
  }
  return false;
}

}  // namespace

struct PathAliases::Impl {
  struct Rule {
    std::string pattern;  // as written (or "*/dir1" for generated rules)
    Pcre regex;
    std::string result;
  };

  bool relative = false;
  ospath::Flavor flavor;
  std::string cwd;           // real path of the current directory
  std::string relative_dir;  // files.RELATIVE_DIR: cwd + os.sep
  std::vector<Rule> rules;
  bool pprinted = false;
  std::unordered_map<std::string, std::string> cache;
  std::vector<std::string> debug;

  Status Add(const std::string& pattern_in, const std::string& result_in);
  std::string MapUncached(std::string path);
};

Status PathAliases::Impl::Add(const std::string& original, const std::string& result_in) {
  std::string pattern = original;
  const char pattern_sep = SepOf(pattern);
  if (pattern.size() > 1) pattern = RStripSeps(pattern);
  if (!pattern.empty() && pattern.back() == '*') return Error{"Pattern must not end with wildcards."};
  if (!relative && pattern.rfind('*', 0) != 0 && !ospath::IsAbsAnywhere(pattern + pattern_sep, flavor))
    pattern = ospath::AbsFile(pattern, cwd);
  if (pattern.empty() || pattern.back() != pattern_sep) pattern += pattern_sep;

  auto rx = GlobsToRegex({pattern}, /*case_insensitive=*/true, /*partial=*/true);
  if (!rx.ok()) return rx.error();
  auto regex = Pcre::Compile(*rx, /*caseless=*/true);
  if (!regex.ok()) return regex.error();
  const std::string result = RStripSeps(result_in) + SepOf(result_in);
  rules.push_back(Rule{original, std::move(*regex), result});
  return ok_status();
}

std::string PathAliases::Impl::MapUncached(std::string path) {
  if (!pprinted) {
    debug.push_back(fmt::format("Aliases (relative={}):", relative ? "True" : "False"));
    for (const auto& r : rules)
      debug.push_back(fmt::format(" Rule: {} -> {} using regex {}", py::Repr(r.pattern), py::Repr(r.result),
                                  py::Repr(r.regex.pattern())));
    pprinted = true;
  }

  for (size_t i = 0; i < rules.size(); ++i) {
    const Rule& rule = rules[i];
    const auto m = rule.regex.MatchAt(path);
    if (!m) continue;
    std::string mapped = rule.result + path.substr(m->end);
    const char from = SepOf(path), to = SepOf(rule.result);
    for (char& c : mapped)
      if (c == from) c = to;
    if (!relative) mapped = ospath::AbsFile(mapped, cwd);  // canonical_filename, with [cwd] for sys.path
    const bool dot_start = StartsWithDotSep(rule.result) && rule.result.size() > 2;
    if (StartsWithDotSep(mapped) && !dot_start) mapped.erase(0, 2);
    if (!ospath::Exists(mapped, cwd) && !InExistingArchive(mapped, cwd)) {
      debug.push_back(fmt::format("Rule {} changed {} to {} which doesn't exist, continuing", py::Repr(rule.pattern),
                                  py::Repr(path), py::Repr(mapped)));
      continue;
    }
    debug.push_back(fmt::format("Matched path {} to rule {} -> {}, producing {}", py::Repr(path),
                                py::Repr(rule.pattern), py::Repr(rule.result), py::Repr(mapped)));
    return mapped;
  }

  if (relative) {
    if (path.rfind(relative_dir, 0) == 0) path.erase(0, relative_dir.size());  // relative_filename
    if (!ospath::IsAbsAnywhere(path, flavor)) {
      const size_t sep = path.find_first_of("/\\");
      if (sep != std::string::npos) {
        const std::string dir1 = path.substr(0, sep);
        const std::string pattern = "*/" + dir1;
        const bool known = std::any_of(rules.begin(), rules.end(), [&](const Rule& r) { return r.pattern == pattern; });
        if (!known) {
          const std::string rx = "^(.*[\\\\/])?" + py::ReEscape(dir1) + "[\\\\/]";
          const std::string result = dir1 + "/";
          debug.push_back(fmt::format("Generating rule: {} -> {} using regex {}", py::Repr(pattern),
                                      py::Repr(result), py::Repr(rx)));
          if (auto regex = Pcre::Compile(rx); regex.ok()) {
            rules.push_back(Rule{pattern, std::move(*regex), result});
            return MapUncached(path);
          }
        }
      }
    }
  }
  debug.push_back(fmt::format("No rules match, path {} is unchanged", py::Repr(path)));
  return path;
}

Result<PathAliases> PathAliases::Make(const std::vector<PathsEntry>& paths, bool relative, const std::string& cwd) {
  return Make(paths, relative, cwd, std::nullopt);
}

Result<PathAliases> PathAliases::Make(const std::vector<PathsEntry>& paths, bool relative, const std::string& cwd,
                                      const std::optional<std::string>& python_version) {
  auto impl = std::make_unique<Impl>();
  impl->relative = relative;
  impl->flavor = ospath::FlavorFor(python_version);
  impl->cwd = ospath::AbsFile(cwd, "/");
  impl->relative_dir = impl->cwd.back() == '/' ? impl->cwd : impl->cwd + "/";
  for (const auto& entry : paths) {
    // coverage.py indexes paths[0] without a check and dies with IndexError.
    if (entry.values.empty())
      return Error{fmt::format("IndexError: list index out of range ([paths] {} has no values)", entry.name)};
    for (size_t i = 1; i < entry.values.size(); ++i)
      if (auto st = impl->Add(entry.values[i], entry.values[0]); !st.ok()) return st.error();
  }
  return PathAliases(std::move(impl));
}

PathAliases::PathAliases(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PathAliases::PathAliases(PathAliases&&) noexcept = default;
PathAliases& PathAliases::operator=(PathAliases&&) noexcept = default;
PathAliases::~PathAliases() = default;

bool PathAliases::empty() const { return impl_->rules.empty(); }

const std::string& PathAliases::Map(const std::string& path) {
  auto it = impl_->cache.find(path);
  if (it == impl_->cache.end()) it = impl_->cache.emplace(path, impl_->MapUncached(path)).first;
  return it->second;
}

void PathAliases::ForgetMemo() { impl_->cache.clear(); }

std::vector<std::string> PathAliases::TakeDebugLines() { return std::exchange(impl_->debug, {}); }

}  // namespace covalesce
