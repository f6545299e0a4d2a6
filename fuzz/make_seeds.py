#!/usr/bin/env python3
"""Writes a fuzz target's seed inputs into a directory (scripts/fuzz calls this; nothing
here is committed). Seeds come from the repository's own files, files coverage.py itself
writes, the standard library and covalesce's own output:

  shard_reader     the demo's real shards; shards CoverageData writes (lines, arcs with
                   contexts, a file tracer, overflow pages, multi-level B-trees); and copies
                   changed through SQLite (512-byte pages, a freelist, auto-vacuum, WAL
                   header, ids and values stored as another type).
  kernels          numbits blobs of those shards, behind the target's two control bytes.
  python_parser,   the standard library's .py files (from the interpreter running this),
  native_analysis  and some of them with bytes that are not UTF-8 or a coding cookie added.
  encodings        only those changed files (not a fuzz target: scripts/test replays them
                   through covalesce's parser and CPython's, scripts/fuzz replay-ast).
  config           the repository's config files and a few written here, behind the
                   target's kind byte (0 .coveragerc, 1 setup.cfg, 2 .coveragerc.toml,
                   3 pyproject.toml).
  analysis_json    `covalesce debug analysis --branch --source` lines for the demo's and
                   some stdlib files.
  analysis_cache   the .covalesce_cache/analysis.sqlite that run leaves, and a 512-byte-page copy.

Usage: make_seeds.py TARGET OUT_DIR [--binary COVALESCE] [--quick]
(--quick: a few seeds only, for the CI smoke run.)
"""
import argparse
import glob
import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def put(out, data, name=None):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    name = name or hashlib.sha1(data).hexdigest()
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def stdlib_files(max_size, quick):
    lib = sysconfig.get_paths()["stdlib"]
    files = []
    for root, dirs, names in os.walk(lib):
        dirs[:] = sorted(d for d in dirs if d not in ("site-packages", "__pycache__"))
        files += [os.path.join(root, n) for n in sorted(names) if n.endswith(".py")]
    files = [f for f in files if os.path.getsize(f) <= max_size]
    if quick:
        random.Random(1).shuffle(files)
        files = files[:40]
    return files


# ---- sources in odd encodings ------------------------------------------------------------

# Runs that are not UTF-8: a bad lead byte, a lone continuation, truncated sequences, a
# surrogate, a code point past U+10FFFF.
BAD_UTF8 = [b"\xff", b"\xfe\xfe", b"\x80", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"]
# Cookies: single-byte codecs covalesce decodes from its tables (by alias too), and a
# multi-byte one it leaves to coverage.py.
COOKIES = [b"latin4", b"cp852", b"koi8-u", b"mac-greek", b"iso8859-15", b"cp1006", b"tis-620",
           b"windows-1251", b"l7", b"shift_jis"]


def encoding_variants(files, count, seed=1):
    """`count` changed copies of stdlib files: bytes that are not UTF-8 in comments (which
    CPython never decodes), anywhere on a line (names, strings, f-strings, line starts), or a
    coding cookie with bytes >= 0x80 in comments and strings."""
    rng = random.Random(seed)
    out = []
    for k in range(count):
        with open(files[rng.randrange(len(files))], "rb") as f:
            lines = f.read().split(b"\n")
        kind = k % 3
        if kind == 2:
            body = b"\n".join(lines).replace(b"# ", b"# \xe0\xa9\xbf ", 3)
            out.append(b"# -*- coding: " + rng.choice(COOKIES) + b" -*-\n" + body)
            continue
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(lines))
            line = lines[i]
            if kind == 0 and b"#" in line:
                j = line.index(b"#") + rng.randint(1, 3)
            else:
                j = rng.randint(0, len(line))
            lines[i] = line[:j] + rng.choice(BAD_UTF8) + line[j:]
        out.append(b"\n".join(lines))
    return out


# ---- shards --------------------------------------------------------------------------

def coverage_shards(work):
    """Data files written by coverage.py's own CoverageData."""
    from coverage import CoverageData
    made = []

    def data(name):
        path = os.path.join(work, name)
        made.append(path)
        return CoverageData(basename=path)

    d = data("lines.coverage")
    d.add_lines({"/src/a.py": [1, 2, 3, 10], "/src/b.py": [1], "/src/pkg/c.py": list(range(1, 200, 3))})
    d.write()

    d = data("arcs_contexts.coverage")
    for ctx in ("", "test_one", "test_two|run"):
        d.set_context(ctx)
        d.add_arcs({"/src/a.py": [(-1, 1), (1, 2), (2, -1)], "/src/b.py": [(-1, 5), (5, 6), (6, 5), (5, -1)]})
    d.write()

    d = data("tracer_overflow.coverage")
    long_path = "/src/" + "deep/" * 1300 + "x.html"
    d.add_lines({long_path: list(range(1, 60000, 7)), "/src/t.py": [1, 2]})
    d.add_file_tracers({long_path: "plugin.HtmlTracer"})
    d.write()

    d = data("many_files.coverage")
    d.add_arcs({"/src/m%04d.py" % i: [(-1, 1), (1, i + 2), (i + 2, -1)] for i in range(400)})
    d.write()

    d = data("empty.coverage")
    d.add_lines({})
    d.write()
    return [p for p in made if os.path.exists(p)]


def sqlite_variants(path, work):
    """Copies of a shard changed through SQLite: real files with unusual layouts and values."""
    base = os.path.splitext(os.path.basename(path))[0]
    out = []

    def variant(suffix, *sql):
        dst = os.path.join(work, base + "." + suffix)
        shutil.copy(path, dst)
        con = sqlite3.connect(dst, isolation_level=None)
        for s in sql:
            con.execute(s)
        con.close()
        out.append(dst)

    variant("p512", "PRAGMA page_size=512", "VACUUM")
    variant("freelist", "PRAGMA page_size=512", "VACUUM", "DELETE FROM line_bits WHERE rowid % 2 = 0",
            "DELETE FROM arc WHERE rowid % 2 = 0")
    variant("autovacuum", "PRAGMA page_size=512", "PRAGMA auto_vacuum=FULL", "VACUUM")
    variant("wal", "PRAGMA journal_mode=WAL", "PRAGMA wal_checkpoint(TRUNCATE)")
    # Values of another storage class where coverage.py writes integers.
    variant("text_ids",
            "UPDATE line_bits SET file_id = CAST(file_id AS TEXT) || 'x'",
            "UPDATE arc SET context_id = CAST(context_id AS TEXT) || 'x'")
    variant("real_values", "PRAGMA page_size=512", "VACUUM", "UPDATE arc SET fromno = fromno + 0.5")
    variant("big_has_arcs",
            "UPDATE meta SET value = '18446744073709551616' WHERE key = 'has_arcs'")
    variant("sparse_ids", "PRAGMA page_size=512", "VACUUM",
            "UPDATE file SET id = id + 9000000000", "UPDATE line_bits SET file_id = file_id + 9000000000",
            "UPDATE arc SET file_id = file_id + 9000000000", "UPDATE tracer SET file_id = file_id + 9000000000")
    return out


def shard_seeds(out, quick):
    work = tempfile.mkdtemp()
    try:
        shards = sorted(glob.glob(os.path.join(ROOT, "examples", "demo", "shards", ".coverage*")))
        made = coverage_shards(work)
        files = shards[:1] + made
        for p in made:
            files += sqlite_variants(p, work)
        if quick:
            files = [f for f in files if os.path.getsize(f) <= 16384]
        for p in files:
            with open(p, "rb") as f:
                put(out, f.read(), os.path.basename(p))
        return files
    finally:
        shutil.rmtree(work)


def kernel_seeds(out, quick):
    work = tempfile.mkdtemp()
    try:
        blobs = []
        for p in coverage_shards(work):
            con = sqlite3.connect(p)
            blobs += [r[0] for r in con.execute("select numbits from line_bits")]
            con.close()
        rng = random.Random(7)
        for i, b in enumerate(blobs[: 8 if quick else 64]):
            put(out, bytes([i % 8, i % 6]) + b)
        for n in (0, 1, 7, 8, 9, 63, 64, 65, 255, 1000, 4000):
            put(out, bytes([n % 8, n % 6]) + bytes(rng.getrandbits(8) & rng.getrandbits(8) for _ in range(n)))
            put(out, bytes([n % 8, 5]) + b"\xff" * n)
    finally:
        shutil.rmtree(work)


# ---- config --------------------------------------------------------------------------

HAND_CONFIGS = [
    (0, "[run]\nbranch = True\nsource = pkg\n    other\nrelative_files = ${VAR}\n[paths]\nsource =\n    src/\n    */site-packages/\n"
        "[report]\nexclude_also =\n    def __repr__\n    if self\\.debug:\n    (?i)raise NotImplementedError\nprecision = 2\nfail_under = 90.5\n"),
    (1, "[coverage:run]\nbranch = 1\n[coverage:report]\nshow_missing = yes\nexclude_lines =\n    pragma: no cover\n    ^\\s*\\.\\.\\.$\n[covalesce]\npython_version = 3.12\n"),
    (2, "[run]\nbranch = true\ndata_file = \"${HOME}/.coverage\"\n[report]\nexclude_also = ['if TYPE_CHECKING:', '(?x) foo  # comment']\n"
        "partial_branches = ['while True:']\n[paths]\nsource = ['src/', '/ci/*/src/']\n"),
    (3, "[tool.coverage.run]\nbranch = true\nparallel = true\nconcurrency = ['thread']\n[tool.coverage.report]\nprecision = 1\n"
        "skip_covered = true\nsort = '-cover'\n[tool.covalesce]\nreports = ['json', 'xml']\n"),
    (3, "[tool.coverage.report]\nfail_under = 1e400\nexclude_lines = [\"\"\"\nmultiline\"\"\", '''lit\\eral''']\n"
        "[tool.coverage.paths]\nx = { a = 1 }\n[[tool.coverage.array]]\nv = 1979-05-27T07:32:00Z\n"),
]


def config_seeds(out, quick):
    kinds = {".coveragerc": 0, "setup.cfg": 1, "tox.ini": 1, ".coveragerc.toml": 2, "pyproject.toml": 3}
    for root, dirs, names in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith((".", "build")) and d != "node_modules"]
        for n in names:
            kind = kinds.get(n)
            if kind is None and (n.endswith(".coveragerc") or n.endswith(".ini") or n.endswith(".cfg")):
                kind = 0
            if kind is not None:
                with open(os.path.join(root, n), "rb") as f:
                    put(out, bytes([kind]) + f.read())
    for kind, text in HAND_CONFIGS:
        put(out, bytes([kind]) + text.encode())


# ---- analysis JSON and cache ---------------------------------------------------------

def debug_analysis(binary, files, cwd, python=False):
    """covalesce's JSON lines for the files; with python=True coverage.py's own analysis
    through the helper (answers the cache keeps: native ones are not stored)."""
    how = ["--analysis=python", "--python", sys.executable] if python else ["--python-version", "3.12"]
    res = subprocess.run([binary, "debug", "analysis", "--branch", "--source"] + how + files,
                         cwd=cwd, capture_output=True)
    return [line for line in res.stdout.splitlines() if line.startswith(b"{")]


def analysis_inputs(quick):
    demo = sorted(glob.glob(os.path.join(ROOT, "examples", "demo", "inventory", "*.py")))
    extra = stdlib_files(6000, True)[: 4 if quick else 40]
    return demo, extra


def json_seeds(out, binary, quick):
    demo, extra = analysis_inputs(quick)
    work = tempfile.mkdtemp()
    try:
        for python in (False, True):
            for line in debug_analysis(binary, demo + extra[: 8 if python else None], work, python):
                put(out, line)
    finally:
        shutil.rmtree(work)


def cache_seeds(out, binary, quick):
    demo, _ = analysis_inputs(quick)
    work = tempfile.mkdtemp()
    try:
        debug_analysis(binary, demo, work, python=True)
        db = os.path.join(work, ".covalesce_cache", "analysis.sqlite")
        if not os.path.exists(db):
            sys.exit("make_seeds: %s left no %s" % (binary, db))
        con = sqlite3.connect(db, isolation_level=None)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        with open(db, "rb") as f:
            put(out, f.read(), "analysis.sqlite")
        small = os.path.join(work, "small.sqlite")
        shutil.copy(db, small)
        con = sqlite3.connect(small, isolation_level=None)
        for s in ("PRAGMA journal_mode=DELETE", "PRAGMA page_size=512", "VACUUM"):
            con.execute(s)
        con.close()
        with open(small, "rb") as f:
            put(out, f.read(), "analysis-p512.sqlite")
    finally:
        shutil.rmtree(work)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("target")
    ap.add_argument("out")
    ap.add_argument("--binary", help="a covalesce binary (analysis_json, analysis_cache)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--max-size", type=int, default=65536, help="largest stdlib file taken")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    t = args.target
    if t == "shard_reader":
        shard_seeds(args.out, args.quick)
    elif t == "kernels":
        kernel_seeds(args.out, args.quick)
    elif t in ("python_parser", "native_analysis"):
        files = stdlib_files(args.max_size, args.quick)
        for p in files:
            with open(p, "rb") as f:
                put(args.out, f.read())
        for data in encoding_variants(files, 10 if args.quick else 100):
            put(args.out, data)
    elif t == "encodings":
        for data in encoding_variants(stdlib_files(args.max_size, False), 10 if args.quick else 300):
            put(args.out, data)
    elif t == "config":
        config_seeds(args.out, args.quick)
    elif t == "analysis_json":
        json_seeds(args.out, args.binary, args.quick)
    elif t == "analysis_cache":
        cache_seeds(args.out, args.binary, args.quick)
    else:
        sys.exit("make_seeds: no seeds for target %r" % t)
    print("%s: %d seeds in %s" % (t, len(os.listdir(args.out)), args.out))


if __name__ == "__main__":
    main()
