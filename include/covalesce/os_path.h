// The os.path behaviour coverage.py's file handling rests on, on a POSIX host: posixpath.join /
// normpath / abspath / realpath / expanduser, ntpath.isabs (which changed in Python 3.13), and
// os.path.exists. Paths relative to `cwd` are resolved against it rather than the process's
// directory, so nothing depends on global state. Used by src/config and src/report.
#pragma once
#include <string>
#include <string_view>

#include "covalesce/config.h"

namespace covalesce::ospath {

// Which ntpath.isabs to use: before 3.13 a path starting with one '\' (no drive) counted as
// absolute; from 3.13 on only "X:\..." and "\\..." do.
struct Flavor {
  bool nt_isabs_313 = false;
};
// Parses "3.13", "3.13.1", ... ; anything else (or nothing) keeps the pre-3.13 rule.
Flavor FlavorFor(const std::optional<std::string>& python_version);

bool IsAbsPosix(std::string_view p);
bool IsAbsNt(std::string_view p, Flavor flavor);
bool IsAbsAnywhere(std::string_view p, Flavor flavor);  // files.isabs_anywhere

std::string Join(std::string_view a, std::string_view b);  // posixpath.join(a, b)
std::string NormPath(std::string_view p);                  // posixpath.normpath
std::string AbsPath(std::string_view p, std::string_view cwd);
std::string RealPath(std::string_view p, std::string_view cwd);  // non-strict, like Python's
std::string AbsFile(std::string_view p, std::string_view cwd);   // files.abs_file on POSIX
bool Exists(std::string_view p, std::string_view cwd);            // os.path.exists
std::string ExpandUser(std::string_view p, const GetEnv& env);    // os.path.expanduser

}  // namespace covalesce::ospath
