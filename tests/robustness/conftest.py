"""Shared set-up for the robustness tests (kills, full disks, read-only directories,
concurrent runs, hostile inputs): where the tools are, a real shard set recorded by
coverage.py, and snapshots of a directory's state to compare against."""
import os
import pathlib
import re
import shutil
import sqlite3
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENVS = pathlib.Path(os.environ.get("COVALESCE_VENVS", ROOT / ".venvs"))
BUILD = pathlib.Path(os.environ.get("COVALESCE_BUILD", ROOT / "build"))
PY = VENVS / "py3.11" / "bin" / "python"
HERE = pathlib.Path(__file__).resolve().parent

# The temporary names covalesce writes beside an output before renaming it into place.
TEMP_NAME = re.compile(r"(^|/)\..*\.covalesce-tmp$")


@pytest.fixture(scope="session")
def covalesce():
    exe = BUILD / "covalesce"
    if not exe.exists():
        pytest.fail(f"{exe} is missing: build covalesce first (scripts/setup)")
    return str(exe)


def record_workload(out, rounds=24, lines=False, first=0):
    """Real shards: record_workload.py runs stdlib code under coverage.py's own API."""
    out.mkdir(parents=True, exist_ok=True)
    cmd = [str(PY), str(HERE / "record_workload.py"), str(out), str(rounds), "--first", str(first)]
    if lines:
        cmd.append("--lines")
    subprocess.run(cmd, check=True, capture_output=True)
    return sorted(p for p in out.iterdir() if p.name.startswith(".coverage."))


@pytest.fixture(scope="session")
def workload(tmp_path_factory):
    """24 real branch shards (about 30 measured stdlib files), in two halves: rounds 0-11 and
    12-23. The second half always adds lines and arcs to the first (record_workload.py's
    task_late), which the kill tests need to tell OLD from NEW; a random split by shard name
    once made the halves' combined data equal, and test_kill_all failed about one run in ten."""
    out = tmp_path_factory.mktemp("workload")
    first = record_workload(out / "first", rounds=12)
    second = record_workload(out / "second", rounds=12, first=12)
    assert shard_data(first) != shard_data(first + second), "the second half adds nothing"
    return first, second


def shard_data(shards):
    """The lines or arcs the shards hold together, by file, as coverage.py reads them."""
    from coverage import CoverageData
    out = {}
    for f in shards:
        d = CoverageData(str(f))
        d.read()
        for m in d.measured_files():
            out.setdefault(m, set()).update(d.arcs(m) or d.lines(m) or [])
    return out


def scratch_root():
    """Where the kill tests copy their directories: a tmpfs when there is one, so that
    50+ copies and runs cost memory bandwidth, not disk writes."""
    shm = pathlib.Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else None


TIMESTAMPS = [
    (re.compile(rb'"timestamp": "[^"]*"'), b'"timestamp": "T"'),
    (re.compile(rb'timestamp="\d+"'), b'timestamp="T"'),
    (re.compile(rb"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?( [+-]\d{4})?"), b"T"),
]


def normalise(data):
    for pattern, repl in TIMESTAMPS:
        data = pattern.sub(repl, data)
    return data


def data_dump(path):
    """The data of a coverage data file as coverage.py reads it (raises if it cannot)."""
    from coverage import CoverageData
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert con.execute("pragma integrity_check").fetchall() == [("ok",)], path
    finally:
        con.close()
    d = CoverageData(str(path))
    d.read()
    files = {}
    for f in sorted(d.measured_files()):
        files[f] = sorted(d.arcs(f) or []) if d.has_arcs() else sorted(d.lines(f) or [])
    return {"arcs": d.has_arcs(), "files": files, "contexts": sorted(d.measured_contexts())}


def cache_rows(cache_dir):
    """Rows in the analysis cache after SQLite's own recovery; None when there is none."""
    db = cache_dir / "analysis.sqlite"
    if not db.exists():
        return None
    con = sqlite3.connect(db)
    try:
        assert con.execute("pragma integrity_check").fetchall() == [("ok",)], db
        return con.execute("select count(*) from analysis").fetchone()[0]
    finally:
        con.close()


def snapshot(d):
    """Every file under d (relative name -> normalised bytes), the data file as its dump,
    the cache as its row count."""
    d = pathlib.Path(d)
    out = {}
    for p in sorted(d.rglob("*")):
        rel = str(p.relative_to(d))
        if p.is_dir() or rel.startswith(".covalesce_cache/"):
            continue
        if rel == ".coverage":
            out[rel] = data_dump(p)
        elif rel.startswith(".coverage."):
            out[rel] = p.read_bytes()  # a shard: exactly its bytes
        else:
            out[rel] = normalise(p.read_bytes())
    out[".covalesce_cache"] = cache_rows(d / ".covalesce_cache")
    return out


def temp_files(d):
    return sorted(str(p.relative_to(d)) for p in pathlib.Path(d).rglob("*")
                  if p.is_file() and TEMP_NAME.search(str(p.relative_to(d))))


def copy_into(files, d):
    d.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy2(f, d / f.name)


def mount_tmpfs(path, size):
    """Mounts a tmpfs of `size` at path, or skips the test saying why it cannot."""
    path.mkdir(parents=True, exist_ok=True)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root and mount rights): {p.stderr.strip()}")


def remount_read_only(path):
    """Bind-mounts path onto itself read-only (root ignores permission bits), or skips."""
    p = subprocess.run(["mount", "--bind", str(path), str(path)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot bind-mount here (needs root and mount rights): {p.stderr.strip()}")
    p = subprocess.run(["mount", "-o", "remount,bind,ro", str(path)], capture_output=True, text=True)
    if p.returncode != 0:
        unmount(path)
        pytest.skip(f"cannot remount read-only here: {p.stderr.strip()}")


def unmount(path):
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


def run(cmd, cwd, **kw):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONHASHSEED": "0"}, **kw)
