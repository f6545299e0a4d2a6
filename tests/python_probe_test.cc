// The --python version probe's cache (src/native/python_probe.cc): a second probe of the same
// interpreter is answered without running it, and a changed interpreter or a changed pyenv
// choice is probed again. The expected versions come from running the interpreters.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "covalesce/native_analysis.h"
#include "test_util.h"

namespace covalesce {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// platform.python_version() of `python`, by running it (the oracle).
std::string RunVersion(const std::string& python) {
  FILE* p = popen(("'" + python + "' -c 'import platform; print(platform.python_version())' 2>/dev/null").c_str(), "r");
  if (!p) return "";
  char buf[128] = {};
  std::string out = fgets(buf, sizeof buf, p) ? buf : "";
  pclose(p);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// A Python interpreter binary (not a script) on this machine.
std::string SomeInterpreter() {
  for (const char* c : {"/usr/bin/python3", "/usr/local/bin/python3"}) {
    std::error_code ec;
    std::string real = fs::canonical(c, ec).string();
    if (!ec && !RunVersion(real).empty()) return real;
  }
  return "";
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) setenv(name, value, 1);
    else unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(PythonProbe, SecondProbeComesFromTheCache) {
  const std::string python = SomeInterpreter();
  if (python.empty()) GTEST_SKIP() << "no python3 binary";
  const std::string expected = RunVersion(python);
  TempDir cache;
  PythonProbe first = ProbePythonVersionCached(python, cache.path);
  EXPECT_EQ(first.version, expected);
  EXPECT_FALSE(first.cached);
  PythonProbe second = ProbePythonVersionCached(python, cache.path);
  EXPECT_EQ(second.version, expected);
  EXPECT_TRUE(second.cached);
  // No cache directory: always run.
  EXPECT_FALSE(ProbePythonVersionCached(python, "").cached);
  EXPECT_EQ(ProbePythonVersionCached("/nonexistent/python", cache.path).version, "");
}

TEST(PythonProbe, ChangedInterpreterIsProbedAgain) {
  const std::string python = SomeInterpreter();
  if (python.empty()) GTEST_SKIP() << "no python3 binary";
  TempDir dir, cache;
  const std::string copy = dir / "python3";
  fs::copy_file(python, copy);
  fs::permissions(copy, fs::perms::owner_all);
  const std::string expected = RunVersion(copy);
  ASSERT_FALSE(expected.empty());
  EXPECT_FALSE(ProbePythonVersionCached(copy, cache.path).cached);
  EXPECT_TRUE(ProbePythonVersionCached(copy, cache.path).cached);

  // Touched (as a reinstall would): asked again.
  struct timespec times[2] = {{1000000000, 0}, {1000000000, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, copy.c_str(), times, 0), 0);
  PythonProbe touched = ProbePythonVersionCached(copy, cache.path);
  EXPECT_FALSE(touched.cached);
  EXPECT_EQ(touched.version, expected);

  // Replaced by another file at the same path: asked again.
  fs::remove(copy);
  fs::copy_file(python, copy);
  fs::permissions(copy, fs::perms::owner_all);
  EXPECT_FALSE(ProbePythonVersionCached(copy, cache.path).cached);
  EXPECT_TRUE(ProbePythonVersionCached(copy, cache.path).cached);
}

// Two pyenv versions with a python3, by name.
std::vector<std::string> PyenvVersions(const std::string& root) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root + "/versions", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("3.", 0) == 0 && !RunVersion(entry.path().string() + "/bin/python3").empty()) names.push_back(name);
    if (names.size() == 2) break;
  }
  return names;
}

TEST(PythonProbe, PyenvShimFollowsWhatPyenvWouldRun) {
  const char* env_root = std::getenv("PYENV_ROOT");
  const std::string root = env_root ? env_root : std::string(std::getenv("HOME") ? std::getenv("HOME") : "") + "/.pyenv";
  const std::string shim = root + "/shims/python3";
  std::vector<std::string> versions = PyenvVersions(root);
  if (access(shim.c_str(), X_OK) != 0 || versions.size() < 2) GTEST_SKIP() << "no pyenv with two versions";
  const std::string a = versions[0], b = versions[1];
  TempDir cache, project;

  {
    ScopedEnv pin("PYENV_VERSION", a.c_str());
    PythonProbe p = ProbePythonVersionCached(shim, cache.path);
    EXPECT_EQ(p.version, RunVersion(shim));
    EXPECT_EQ(p.version, a);
    EXPECT_FALSE(p.cached);
    EXPECT_TRUE(ProbePythonVersionCached(shim, cache.path).cached);
  }
  {
    ScopedEnv pin("PYENV_VERSION", b.c_str());
    PythonProbe p = ProbePythonVersionCached(shim, cache.path);
    EXPECT_EQ(p.version, b);
    EXPECT_FALSE(p.cached);
  }
  {
    // A .python-version file in the project, found from PYENV_DIR: its content decides.
    ScopedEnv unpin("PYENV_VERSION", nullptr);
    ScopedEnv dir("PYENV_DIR", project.path.c_str());
    project.Write(".python-version", a + "\n");
    EXPECT_EQ(ProbePythonVersionCached(shim, cache.path).version, a);
    project.Write(".python-version", b + "\n");
    PythonProbe p = ProbePythonVersionCached(shim, cache.path);
    EXPECT_EQ(p.version, b);
    EXPECT_EQ(p.version, RunVersion(shim));
  }
}

}  // namespace
}  // namespace covalesce
