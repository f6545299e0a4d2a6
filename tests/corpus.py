"""What the three corpus checks (python_ast, statement_fidelity, arc_fidelity) share.

Each compares covalesce with a reference answer computed by each Python version's own
interpreter over every .py file of its standard library. This module finds the interpreters
(the reference venvs), lists the files, runs a reference script over them in parallel chunks,
and keeps the reference answers in ~/.cache/covalesce/<check>/ keyed by each file's content
hash, so that warm runs only run covalesce.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE_ROOT = os.path.join(os.path.expanduser("~"), ".cache", "covalesce")


# coverage.py 7.17.3's default exclude_lines, and a realistic exclude_also list: the two
# exclusion sets the statement and arc checks run with.
DEFAULT_EXCLUDE = [
    r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)",
    r"^\s*(((async )?def .*?)?[\])]+(\s*->.*?)?:\s*)?\.\.\.\s*(#|$)",
    r"^\s*if (typing\.)?TYPE_CHECKING:",
]
CUSTOM_ALSO = [
    r"if TYPE_CHECKING:",
    r"raise NotImplementedError",
    r"@abstractmethod",
    r"\.\.\.",
]


def venv_python(version):
    return os.path.join(ROOT, ".venvs", "py" + version, "bin", "python")


def stdlib_files(python, corpus=None):
    """The interpreter's stdlib directory (or `corpus`), its version, coverage.py's version,
    and every .py file below the directory (site-packages skipped unless it is the corpus)."""
    out = subprocess.check_output(
        [python, "-c", "import sysconfig, platform, coverage; print(sysconfig.get_paths()['stdlib']); "
                       "print(platform.python_version()); print(coverage.__version__)"],
        text=True).split("\n")
    stdlib, full, cov = out[0], out[1], out[2]
    if corpus:
        stdlib = os.path.abspath(corpus)
    files = []
    for root, dirs, names in os.walk(stdlib):
        dirs[:] = sorted(d for d in dirs if d not in ("site-packages", "__pycache__"))
        for n in sorted(names):
            if n.endswith(".py"):
                files.append(os.path.join(root, n))
    return stdlib, full, cov, files


def file_hash(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def text_hash(text):
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def run_chunks(cmd, files, chunks, workers):
    """`cmd + chunk` for each of `chunks` interleaved slices of `files`, `workers` at a time:
    their stdouts, in chunk order."""
    parts = [files[i::chunks] for i in range(chunks)]

    def run(chunk):
        if not chunk:
            return ""
        return subprocess.run(cmd + chunk, capture_output=True, text=True, check=True).stdout

    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as ex:
        return list(ex.map(run, parts))


def reference_answers(cache_path, files, compute, store=lambda answer, path: answer):
    """The reference answer for every file, by content hash: from the cache file, else
    `compute(missing_files)` (a dict by path), stored as `store(answer, path)`. Returns the
    answers by hash, each file's hash, and how many were computed."""
    os.makedirs(os.path.dirname(cache_path), exist_ok=True)
    cache = {}
    if os.path.exists(cache_path):
        with open(cache_path) as f:
            cache = json.load(f)
    hashes = {p: file_hash(p) for p in files}
    missing = [p for p in files if hashes[p] not in cache]
    if missing:
        computed = compute(missing)
        for p in missing:
            cache[hashes[p]] = store(computed[p], p)
        with open(cache_path + ".tmp", "w") as f:
            json.dump(cache, f)
        os.replace(cache_path + ".tmp", cache_path)
    return cache, hashes, len(missing)


def reference_by_path(python, script, settings_json, files, jobs):
    """`python script settings_json FILE...` over parallel chunks of files: its JSON lines
    (each with a "path"), by path."""
    result = {}
    for out in run_chunks([python, script, settings_json], files, jobs * 4, jobs):
        for line in out.splitlines():
            r = json.loads(line)
            result[r.pop("path")] = r
    return result


def covalesce_json_lines(cmd, files):
    """covalesce's JSON lines (each with a "path") for `cmd + files`, run in a scratch
    directory, by path (the "path" key kept), and its stderr; exits on failure."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(cmd + files, capture_output=True, text=True, cwd=tmp)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit("covalesce %s failed (%d)" % (" ".join(cmd[1:3]), out.returncode))
    result = {}
    for line in out.stdout.splitlines():
        r = json.loads(line)
        result[r["path"]] = r
    return result, out.stderr


def error_lines(ref, ours):
    """How two answers of which one at least is an error (or a fallback) differ, as two lines."""
    fallback = "  (fallback: %s)" % ours["fallback"] if "fallback" in ours else ""
    return ["coverage.py: %s" % (ref.get("error") or "parsed"),
            "covalesce:   %s%s" % (ours.get("error") or "parsed", fallback)]


def differing_fields(ref, ours, fields):
    """(field, reference value, covalesce's value) for each of `fields` where the two differ."""
    for field in fields:
        a, b = ref.get(field), ours.get(field)
        if a != b:
            yield field, a, b


def argument_parser(doc, show_help):
    """The options every corpus check takes: versions (or "all"), --binary, --show, --list."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("versions", nargs="*", default=["all"])
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "covalesce"))
    ap.add_argument("--show", type=int, default=5, help=show_help)
    ap.add_argument("--list", action="store_true", help="list every mismatching file, no details")
    return ap


def versions(requested):
    out = []
    for v in requested:
        out += ["3.11", "3.12", "3.13"] if v == "all" else [v]
    return out


def settings_sets_main(doc, check, sets_help):
    """main() of the statement and arc checks: every version times every settings set;
    exit status 1 if any file mismatches."""
    ap = argument_parser(doc, "mismatches to describe")
    ap.add_argument("--sets", default="default,custom", help=sets_help)
    ap.add_argument("--corpus", help="analyse the .py files under this directory instead of the stdlib")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="reference processes")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    total = 0
    start = time.time()
    for v in versions(args.versions):
        for s in args.sets.split(","):
            total += check(v, s, binary, args.show, args.jobs, args.list, args.corpus)
    print("%d mismatching files in all (%.1fs)" % (total, time.time() - start))
    return 1 if total else 0
