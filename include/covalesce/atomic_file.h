// Files that readers see whole or not at all: written under a temporary name beside the
// target and renamed over it. A run killed half-way leaves the old file and, at worst, a
// temporary file that the next run in that directory removes (RemoveStaleTemps).
#pragma once
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

namespace covalesce {

// "<dir>/.<base>.<host>.<pid>.<n>.covalesce-tmp": hidden, never "<base>.<anything>" (so
// never taken for a shard of a data file called <base>), and naming the process that
// writes it, so that a later run can tell a dead writer's leftover from a live one's file.
std::string TempPathBeside(const std::string& path);

// Writes `content` to `path` through TempPathBeside(path); `durable` adds an fsync of the
// file before the rename and of the directory after it. Returns 0, or the errno of the
// step that failed (the temporary file is removed then, and `path` is untouched).
int WriteFileAtomically(const std::string& path, std::string_view content, bool durable);

// The same for text that `write` puts into the open file (false, errno set, on an error), so a
// large report streams to its temporary file instead of being built whole in memory.
int WriteFileAtomicallyWith(const std::string& path, const std::function<bool(std::FILE*)>& write,
                            bool durable);

// WriteFileAtomicallyWith in three steps, for a writer that fills the temporary file over
// time (`covalesce all`'s reports): CreateTempBeside makes it (nullptr, errno set, when it
// cannot; its name in `temp`); FinishTemp flushes, with `durable` fsyncs, and closes it
// (0 or the first errno); RenameIntoPlace renames it over `path` (removing it if the rename
// fails) and with `durable` syncs the directory (0 or the errno).
std::FILE* CreateTempBeside(const std::string& path, std::string& temp);
int FinishTemp(std::FILE* f, bool durable);
int RenameIntoPlace(const std::string& temp, const std::string& path, bool durable);

// fsync of a file or directory; 0 or the errno.
int SyncPath(const std::string& path, bool directory);

// Removes from `dir` the temporary files of writers on this host that are no longer
// running (killed, crashed, power lost). Another live process's files are left alone.
void RemoveStaleTemps(const std::string& dir);

}  // namespace covalesce
