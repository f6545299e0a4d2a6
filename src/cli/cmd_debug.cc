// `covalesce debug TOPIC`: diagnostics. `shards FILE...` reads each data file through both
// the direct page reader and the SQLite API and reports whether they agree; a slipcover JSON
// file (a combine input too) is parsed as JSON instead and counted apart.
#include <tbb/parallel_for.h>

#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "covalesce/shard_reader.h"
#include "covalesce/slipcover_reader.h"

namespace covalesce::cli {

int RunDebugAnalysis(const Parsed& options);  // cmd_debug_analysis.cc
int RunDebugStatements(const Parsed& options, const std::vector<std::string>& args);  // cmd_debug_statements.cc

int RunDebug(const Parsed& options) {
  if (options.args.empty()) return UsageError("What information would you like: shards?");
  const std::string& topic = options.args[0];
  if (topic == "analysis") return RunDebugAnalysis(options);
  if (topic == "ast") return RunDebugAst(options, {options.args.begin() + 1, options.args.end()});
  if (topic == "statements") return RunDebugStatements(options, {options.args.begin() + 1, options.args.end()});
  if (topic != "shards") return UsageError("Don't know what you mean by '" + topic + "'");
  std::vector<std::string> files(options.args.begin() + 1, options.args.end());
  std::vector<std::string> verdict(files.size());
  const std::string cwd = std::filesystem::current_path().string();
  tbb::parallel_for(size_t(0), files.size(), [&](size_t i) {
    if (IsJsonFile(files[i])) {
      auto shard = ReadSlipcoverShard(files[i], SlipcoverReadOptions{cwd, false, {}});
      verdict[i] = shard ? "slipcover" : "error: " + shard.error().message;
      return;
    }
    auto fast = ReadShardPages(files[i]);
    auto slow = ReadShardSqlite(files[i]);
    if (!fast) {
      verdict[i] = slow ? "sqlite" : "error: " + slow.error().message;
    } else if (!slow) {
      verdict[i] = "DIFFERS: only the page reader could read it";
    } else {
      std::string diff = CompareShards(*fast, *slow);
      verdict[i] = diff.empty() ? "direct" : "DIFFERS: " + diff;
    }
  });
  size_t direct = 0, sqlite = 0, slipcover = 0, errors = 0, differ = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& v = verdict[i];
    if (v == "direct") ++direct;
    else if (v == "sqlite") ++sqlite;
    else if (v == "slipcover") ++slipcover;
    else if (v.rfind("error", 0) == 0) ++errors;
    else ++differ;
    if (v != "direct" && v != "slipcover") std::printf("%s: %s\n", files[i].c_str(), v.c_str());
  }
  std::printf("%zu shards: %zu read directly, %zu only through SQLite, %zu unreadable, %zu differ", files.size(),
              direct, sqlite, errors, differ);
  if (slipcover) std::printf(", %zu slipcover JSON", slipcover);
  std::printf("\n");
  return differ ? kErr : kOk;
}

}  // namespace covalesce::cli
