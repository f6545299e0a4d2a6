"""`python -m covalesce ARGS`: replaces this process with the covalesce binary the wheel installed.

pip puts the binary in the scripts directory of the scheme that holds this package (a venv's
bin/, ~/.local/bin for --user, ...), so look there first, then in the running interpreter's
scripts directory, then on PATH.
"""
import os
import shutil
import sys
import sysconfig


def candidate_binaries():
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for scheme in sysconfig.get_scheme_names():
        try:
            paths = sysconfig.get_paths(scheme)
        except KeyError:  # a scheme that needs variables this platform lacks
            continue
        libs = {os.path.abspath(paths.get(k, "")) for k in ("purelib", "platlib")}
        if package_parent in libs and paths.get("scripts"):
            yield os.path.join(paths["scripts"], "covalesce")
    yield os.path.join(sysconfig.get_path("scripts"), "covalesce")
    on_path = shutil.which("covalesce")
    if on_path:
        yield on_path


def find_binary():
    for path in candidate_binaries():
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def main():
    binary = find_binary()
    if binary is None:
        sys.stderr.write("covalesce: the covalesce binary is not installed beside this package "
                         "(looked in the scripts directories and on PATH)\n")
        return 1
    sys.stdout.flush()
    os.execv(binary, [binary] + sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
