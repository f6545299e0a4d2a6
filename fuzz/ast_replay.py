#!/usr/bin/env python3
"""Replays a fuzz corpus through covalesce's parser and CPython's, for 3.11, 3.12, 3.13.

libFuzzer cannot call CPython in-process, so the python_parser target only checks that the
parser never crashes or loops; this script checks what it accepts. Every file of the given
directories is dumped by `covalesce debug ast --ast-digest` and by tests/python_ast/dump_ast.py
under each version's venv python (the corpus test's own comparison), and each file whose
digests differ is classified:

  accepts-rejects   covalesce parses it, CPython raises SyntaxError (or the reverse)   FINDING
  tree-differs      both parse it, to different trees                                 FINDING
  error-line        both reject it, at different lines                                reported
  cpython-limit     CPython gives up (RecursionError, MemoryError: too deep/complex)    reported
  codec-not-native  its cookie names a codec CPython has and covalesce does not decode
                    itself (multi-byte ones such as shift_jis): covalesce refuses it, and
                    the analysis of such a file falls back to coverage.py               reported

Exit status 1 when there is a FINDING. Usage: ast_replay.py --binary COVALESCE [--venvs DIR]
[--versions 3.11,3.12,3.13] [--show N] DIR...
"""
import argparse
import codecs
import encodings
import hashlib
import os
import re
import subprocess
import sys
import tokenize

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "python_ast"))
import fidelity  # noqa: E402  (tests/python_ast/fidelity.py: covalesce's side of the corpus test)

# CPython's side: dump_ast.py's digest per file, except that an interpreter limit (which
# dump_ast.py, written for the stdlib, lets propagate) is reported as such instead of
# ending the run.
REFERENCE = r"""
import hashlib, sys
sys.path.insert(0, sys.argv[1])
sys.setrecursionlimit(100000)
import dump_ast
for path in sys.argv[2:]:
    try:
        text = dump_ast.dump_file(path)
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    except (RecursionError, MemoryError, OverflowError) as e:
        digest = "limit:" + type(e).__name__
    print(digest + "  " + path, flush=True)
"""


def reference(python, files):
    out = {}
    for i in range(0, len(files), 500):
        chunk = files[i:i + 500]
        res = subprocess.run([python, "-c", REFERENCE, fidelity.HERE] + chunk, capture_output=True, text=True)
        for line in res.stdout.splitlines():
            digest, path = line.split("  ", 1)
            out[path] = digest
        for path in chunk:  # a file that killed the interpreter outright
            out.setdefault(path, "limit:crashed")
    return out


def native_codecs():
    """The codecs covalesce decodes itself: its generated single-byte tables, UTF-8, latin-1, ASCII."""
    with open(os.path.join(ROOT, "src", "python", "codecs.inc")) as f:
        tables = set(re.findall(r'^    \{"(\w+)", \{', f.read(), re.M))
    return tables | {"utf_8", "utf_8_sig", "latin_1", "iso8859_1", "ascii"}


def codec_not_native(path, native):
    """Whether the file's cookie names a codec Python has and covalesce does not decode."""
    try:
        with open(path, "rb") as f:
            enc, _ = tokenize.detect_encoding(f.readline)
        name = codecs.lookup(enc).name
    except (SyntaxError, LookupError):
        return False
    return encodings.normalize_encoding(name).lower().replace("-", "_") not in native


def dump_head(cmd):
    res = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    return res.stdout.splitlines()[:1] or ["(no output: exit %d)" % res.returncode]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--binary", required=True)
    ap.add_argument("--venvs", default=os.path.join(ROOT, ".venvs"))
    ap.add_argument("--versions", default="3.11,3.12,3.13")
    ap.add_argument("--show", type=int, default=5, help="findings to show a diff for, per version")
    args = ap.parse_args()
    files = sorted(os.path.join(d, n) for d in args.dirs if os.path.isdir(d) for n in os.listdir(d)
                   if os.path.isfile(os.path.join(d, n)))
    if not files:
        print("ast_replay: no corpus files in %s" % ", ".join(args.dirs))
        return 0
    findings = 0
    native = native_codecs()
    for version in args.versions.split(","):
        python = os.path.join(args.venvs, "py" + version, "bin", "python")
        ref = reference(python, files)
        ours = {}
        for i in range(0, len(files), 2000):
            ours.update(fidelity.covalesce_digests(args.binary, version, files[i:i + 2000]))
        kinds = {"accepts-rejects": [], "tree-differs": [], "error-line": [], "cpython-limit": [],
                 "codec-not-native": []}
        for path in files:
            theirs, mine = ref.get(path), ours.get(path)
            if theirs == mine:
                continue
            if theirs.startswith("limit:"):
                kinds["cpython-limit"].append((path, theirs[6:]))
                continue
            a = dump_head([python, fidelity.DUMP, path])[0]
            b = dump_head([args.binary, "debug", "--python-version", version, "ast", path])[0]
            a_err, b_err = a.startswith("SyntaxError"), b.startswith("SyntaxError")
            if a_err and b_err:
                kinds["error-line"].append((path, "CPython %s, covalesce %s" % (a, b)))
            elif b_err and not a_err and b == "SyntaxError line 0" and codec_not_native(path, native):
                kinds["codec-not-native"].append((path, "covalesce: %s" % b))
            elif a_err or b_err:
                kinds["accepts-rejects"].append((path, "CPython: %s; covalesce: %s" % (a, b)))
            else:
                kinds["tree-differs"].append((path, ""))
        bad = len(kinds["accepts-rejects"]) + len(kinds["tree-differs"])
        findings += bad
        print("Python %s: %d corpus files, %d agree; %d accept/reject, %d tree, %d error-line, %d CPython-limit, "
              "%d codec-not-native" %
              (version, len(files), len(files) - sum(len(v) for v in kinds.values()), len(kinds["accepts-rejects"]),
               len(kinds["tree-differs"]), len(kinds["error-line"]), len(kinds["cpython-limit"]),
               len(kinds["codec-not-native"])))
        for kind in ("accepts-rejects", "tree-differs", "error-line", "cpython-limit", "codec-not-native"):
            for path, note in kinds[kind][: args.show]:
                print("  %s %s %s" % (kind.upper(), path, note))
                if kind == "tree-differs":
                    for line in fidelity.first_difference(args.binary, python, version, path, 20):
                        print("    " + line)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
