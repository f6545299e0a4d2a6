// covalesce's entry point: global options, help topics and dispatch, laid out as
// coverage.py's cmdline.py so that a script swapping the word `coverage` sees the same.
#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "commands.h"
#include "covalesce/version.h"

namespace covalesce::cli {
namespace {

void PrintDocLine() { std::printf("Full documentation is at %s\n", kCoverageDocUrl); }

std::string VersionLine() {
  return std::string("covalesce, version ") + kVersion + " (compatible with coverage.py " +
         kCoverageVersion + ")";
}

void ShowTopic(const std::string& topic) {
  if (topic == "help") {
    std::printf("%s\n", VersionLine().c_str());
    std::printf(
        "Combine and report coverage.py data, natively and in parallel.\n\n"
        "usage: %s <command> [options] [args]\n\n"
        "Commands:\n"
        "%s\n"
        "Use \"%s help <command>\" for detailed help on any command.\n",
        kProgram, CommandSummaries().c_str(), kProgram);
  } else if (topic == "minimum_help") {
    std::printf("Combine and report coverage.py data, version %s. Use '%s help' for help.\n",
                kVersion, kProgram);
  } else if (topic == "version") {
    std::printf("%s\n", VersionLine().c_str());
  } else {
    std::printf("Don't know topic '%s'\n", topic.c_str());
  }
  PrintDocLine();
}

void ShowCommandHelp(const Command& c) {
  std::printf("%s\n\n", FormatHelp(c.spec, kProgram).c_str());
  PrintDocLine();
}

CommandSpec GlobalSpec() {
  CommandSpec s{"", "<command> [options] [args]", "", {}};
  s.options.push_back(HelpOption());
  s.options.push_back(Flag("--version", "Display version information and exit."));
  return s;
}

int Main(const std::vector<std::string>& argv) {
  if (argv.empty()) {
    ShowTopic("minimum_help");
    return kOk;
  }
  if (argv[0].size() > 0 && argv[0][0] == '-') {
    Parsed p;
    if (auto err = Parse(GlobalSpec(), argv, p)) return UsageError(*err);
    if (p.flag("help")) ShowTopic("help");
    else if (p.flag("version")) ShowTopic("version");
    else ShowTopic("help");
    return kOk;
  }
  if (argv[0] == "help") {
    if (argv.size() == 1) ShowTopic("help");
    for (size_t i = 1; i < argv.size(); ++i) {
      if (const Command* c = FindCommand(argv[i])) ShowCommandHelp(*c);
      else ShowTopic(argv[i]);
    }
    return kOk;
  }
  const Command* c = FindCommand(argv[0]);
  if (!c) return UsageError("Unknown command: '" + argv[0] + "'");
  Parsed p;
  if (auto err = Parse(c->spec, std::vector<std::string>(argv.begin() + 1, argv.end()), p)) {
    return UsageError(*err);
  }
  if (p.flag("help")) {
    ShowCommandHelp(*c);
    return kOk;
  }
  return c->run(p);
}

}  // namespace

int UsageError(const std::string& message) {
  std::fprintf(stderr, "%s\nUse '%s help' for help.\n", message.c_str(), kProgram);
  PrintDocLine();
  return kErr;
}

}  // namespace covalesce::cli

int main(int argc, char** argv) {
  // One malloc arena per core, not glibc's default of eight: besides TBB's workers a run has
  // the main thread, the cache store's and the combine write's, and the large-stack helpers,
  // and with an arena each the freed memory of one phase was not reused by the next (peak
  // RSS of a cold branch `all` on the stdlib: 64.1 MiB with the default, 60.1 MiB with two,
  // and no slower).
  mallopt(M_ARENA_MAX, int(std::max(2u, std::thread::hardware_concurrency())));
  std::vector<std::string> args(argv + 1, argv + argc);
  int rc = covalesce::cli::Main(args);
  std::fflush(stdout);
  return rc;
}
