"""What the three corpus checks (python_ast, statement_fidelity, arc_fidelity) share.

Each compares covalesce with a reference answer computed by each Python version's own
interpreter over every .py file of its standard library. This module finds the interpreters
(the reference venvs), lists the files, runs a reference script over them in parallel chunks,
and keeps the reference answers in ~/.cache/covalesce/<check>/ keyed by each file's content
hash, so that warm runs only run covalesce.
"""
import concurrent.futures
import hashlib
import json
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE_ROOT = os.path.join(os.path.expanduser("~"), ".cache", "covalesce")


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
