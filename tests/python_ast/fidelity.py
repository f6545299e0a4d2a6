#!/usr/bin/env python3
"""AST fidelity corpus test: covalesce's Python parser against CPython's own `ast`.

For each requested version (3.11, 3.12, 3.13) it takes every .py file under that
interpreter's stdlib directory (test/ included, site-packages excluded), compares the
SHA-256 of covalesce's canonical dump (`covalesce debug ast --ast-digest`) with the SHA-256
of CPython's dump (dump_ast.py run by that version's venv python), prints the number of
mismatching files and the first differences, and exits 1 if any file differs.

CPython's digests are cached in ~/.cache/covalesce/ast-ref/ keyed by the interpreter's full
version, the dump script's hash and each file's content hash, so warm runs only run
covalesce.
"""
import difflib
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import corpus as common  # noqa: E402  (tests/corpus.py)

ROOT = common.ROOT
DUMP = os.path.join(HERE, "dump_ast.py")
CACHE = os.path.join(common.CACHE_ROOT, "ast-ref")


def reference_digests(python, files):
    """CPython's dump digest per file, in parallel chunks."""
    result = {}
    for out in common.run_chunks([python, DUMP, "--digest"], files, 8, os.cpu_count() or 2):
        for line in out.splitlines():
            digest, path = line.split("  ", 1)
            result[path] = digest
    return result


def covalesce_digests(binary, version, files):
    out = subprocess.run([binary, "debug", "--python-version", version, "--ast-digest", "--timings", "ast"] + files,
                         capture_output=True, text=True)
    sys.stderr.write(out.stderr)
    result = {}
    for line in out.stdout.splitlines():
        digest, path = line.split("  ", 1)
        result[path] = digest
    return result


def first_difference(binary, python, version, path, context):
    ours = subprocess.run([binary, "debug", "--python-version", version, "ast", path], capture_output=True,
                          text=True, errors="replace").stdout.splitlines()
    theirs = subprocess.run([python, DUMP, path], capture_output=True, text=True,
                            errors="replace").stdout.splitlines()
    diff = list(difflib.unified_diff(theirs, ours, "cpython", "covalesce", n=3, lineterm=""))
    return diff[:context]


def check(version, binary, show, context, list_all):
    python = common.venv_python(version)
    t0 = time.time()
    stdlib, full, _, files = common.stdlib_files(python)
    script_hash = common.file_hash(DUMP)[:12]
    cache_path = os.path.join(CACHE, "py%s-%s.json" % (full, script_hash))
    cache, hashes, computed = common.reference_answers(cache_path, files,
                                                       lambda missing: reference_digests(python, missing))
    t1 = time.time()
    ours = covalesce_digests(binary, version, files)
    t2 = time.time()
    bad = [p for p in files if ours.get(p) != cache[hashes[p]]]
    print("Python %s: %d files under %s, %d mismatching (reference %.1fs, %d computed; covalesce %.1fs)" %
          (full, len(files), stdlib, len(bad), t1 - t0, computed, t2 - t1))
    for p in (bad if list_all else bad[:show]):
        print("  MISMATCH %s" % os.path.relpath(p, stdlib))
        if not list_all:
            for line in first_difference(binary, python, version, p, context):
                print("    " + line)
    return len(bad)


def main():
    ap = common.argument_parser(__doc__, "mismatches to show a diff for")
    ap.add_argument("--context", type=int, default=30, help="diff lines per mismatch")
    args = ap.parse_args()
    total = 0
    for v in common.versions(args.versions):
        total += check(v, args.binary, args.show, args.context, args.list)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
