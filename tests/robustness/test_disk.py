"""A full disk (a small tmpfs) and a read-only output directory (a read-only bind mount; root
ignores permission bits, so chmod would prove nothing): a clear error naming the file, a
non-zero exit, inputs intact (or, for `all`, consumed only into a complete data file), no
partial output and no temporary file left; after the space comes back, a rerun gives the
right result. Skipped, saying why, only where mounting is impossible."""
import json
import os
import re
import subprocess
import xml.dom.minidom

import pytest

from conftest import (PY, copy_into, data_dump, mount_tmpfs, remount_read_only, run, snapshot, temp_files,
                      unmount)


def all_cmd(covalesce):
    return [covalesce, "all", "-q", f"--python={PY}"]


@pytest.fixture
def small_disk(tmp_path):
    d = tmp_path / "disk"
    mount_tmpfs(d, "24m")
    yield d
    unmount(d)


@pytest.fixture
def reference(tmp_path_factory, workload, covalesce):
    """`all` over the whole workload in an ordinary directory: the sizes and the result."""
    first, second = workload
    d = tmp_path_factory.mktemp("ref")
    copy_into(first + second, d)
    p = run(all_cmd(covalesce), d)
    assert p.returncode == 0, p.stdout
    return d


def fill(disk, leave):
    """Fills `disk` up to `leave` bytes of free space."""
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    with open(disk / "filler", "wb") as f:
        f.write(b"\0" * max(0, free - leave))
    return disk / "filler"


def shard_bytes(d):
    return {p.name: p.read_bytes() for p in d.iterdir() if p.name.startswith(".coverage.")}


def assert_outputs_whole(d):
    """Each report present is complete; pages are whole HTML documents."""
    if (d / "coverage.json").exists():
        json.loads((d / "coverage.json").read_text())
    if (d / "coverage.xml").exists():
        xml.dom.minidom.parse(str(d / "coverage.xml"))
    if (d / "coverage.lcov").exists():
        assert (d / "coverage.lcov").read_text().endswith("end_of_record\n")
    for page in (d / "htmlcov").glob("*.html") if (d / "htmlcov").is_dir() else []:
        assert page.read_text().rstrip().endswith("</html>"), page


def test_full_disk_combine(small_disk, covalesce, workload):
    first, second = workload
    d = small_disk
    copy_into(first + second, d)
    before = shard_bytes(d)
    filler = fill(d, 8 * 1024)
    p = run([covalesce, "combine"], d)
    assert p.returncode == 1
    assert p.stdout == f"Couldn't write data file '{d}/.coverage': No space left on device\n"
    assert shard_bytes(d) == before
    assert not (d / ".coverage").exists()
    assert temp_files(d) == []
    filler.unlink()
    p = run([covalesce, "combine"], d)
    assert p.returncode == 0, p.stdout
    assert shard_bytes(d) == {}


def test_full_disk_all(small_disk, covalesce, workload, reference):
    """Room for the combined data file but not for the reports."""
    first, second = workload
    d = small_disk
    copy_into(first + second, d)
    before = shard_bytes(d)
    filler = fill(d, (reference / ".coverage").stat().st_size + 64 * 1024)
    p = run(all_cmd(covalesce), d)
    assert p.returncode == 1
    last = (p.stdout + p.stderr).strip().splitlines()[-1]
    assert re.fullmatch(r"OSError: \[Errno 28\] No space left on device: '(coverage\.(json|xml|lcov)|htmlcov/.+)'",
                        last), last
    if (d / ".coverage").exists():  # combined whole before any input went
        assert data_dump(d / ".coverage") == data_dump(reference / ".coverage")
    else:
        assert shard_bytes(d) == before
    assert all(shard_bytes(d)[k] == v for k, v in before.items() if k in shard_bytes(d))
    assert_outputs_whole(d)
    assert temp_files(d) == []
    filler.unlink()
    p = run(all_cmd(covalesce), d)
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert snapshot(d) == snapshot(reference)


@pytest.fixture
def read_only(tmp_path):
    mounted = []

    def make(path):
        remount_read_only(path)
        mounted.append(path)
    yield make
    for path in reversed(mounted):
        unmount(path)


def test_read_only_data_directory(tmp_path, read_only, covalesce, workload):
    first, _ = workload
    d = tmp_path / "ro"
    copy_into(first, d)
    before = shard_bytes(d)
    read_only(d)
    # all without -q too: its write runs beside the analysis, and the "Combined" message it
    # holds back must not appear when the write fails (coverage combine prints only the error).
    for cmd in ([covalesce, "combine"], all_cmd(covalesce), [covalesce, "all", f"--python={PY}"]):
        p = run(cmd, d)
        assert p.returncode == 1, cmd
        assert p.stdout == f"Couldn't write data file '{d}/.coverage': Read-only file system\n", cmd
        assert "Combined" not in p.stderr and "Wrote" not in p.stderr, (cmd, p.stderr)
        assert shard_bytes(d) == before


def test_read_only_report_directory(tmp_path, read_only, covalesce, workload, reference):
    """The data file's directory is writable, htmlcov/ is not: the data is combined whole
    (so the shards may go), the error names the page, and the other reports are whole."""
    first, second = workload
    d = tmp_path / "d"
    copy_into(first + second, d)
    (d / "htmlcov").mkdir()
    read_only(d / "htmlcov")
    p = run(all_cmd(covalesce), d)
    assert p.returncode == 1
    last = p.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"OSError: \[Errno 30\] Read-only file system: '(.*/)?htmlcov/.+'", last), last
    assert data_dump(d / ".coverage") == data_dump(reference / ".coverage")
    assert_outputs_whole(d)
    assert os.listdir(d / "htmlcov") == []


def test_full_cache_disk_all(tmp_path, covalesce, workload, reference):
    """The analysis cache's disk fills while `all` writes the cache on a thread beside the
    reports: a warning naming the cache, the run goes on and exits 0, every report is whole
    and the same as the reference's, and the warning comes before the reports' messages
    (the store is waited for before anything is written out)."""
    first, second = workload
    d = tmp_path / "d"
    copy_into(first + second, d)
    mount_tmpfs(d / ".covalesce_cache", "96k")
    try:
        p = subprocess.run([covalesce, "all", f"--python={PY}"], cwd=d, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    finally:
        unmount(d / ".covalesce_cache")
    assert p.returncode == 0, p.stdout
    lines = p.stdout.splitlines()
    warned = [i for i, line in enumerate(lines)
              if line.startswith(f"covalesce: Couldn't write the analysis cache '{d}/.covalesce_cache/analysis.sqlite'")]
    assert warned, p.stdout
    assert lines[warned[0]].endswith(": database or disk is full"), lines[warned[0]]
    wrote = [i for i, line in enumerate(lines) if line.startswith("Wrote ")]
    assert wrote and warned[0] < wrote[0], p.stdout
    got, want = snapshot(d), snapshot(reference)
    got.pop(".covalesce_cache"), want.pop(".covalesce_cache")
    assert got == want
    assert temp_files(d) == []


@pytest.fixture
def immutable():
    """chattr +i: a file even root cannot delete (unlink gives EPERM), in a writable directory."""
    made = []

    def make(path):
        p = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
        if p.returncode != 0:
            pytest.skip(f"chattr +i is refused here: {p.stderr.strip()}")
        made.append(path)
    yield make
    for path in made:
        if path.exists():
            subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.mark.parametrize("command", ["combine", "all"])
def test_shard_that_cannot_be_deleted(tmp_path, immutable, covalesce, workload, reference, command):
    """The data file is written whole, then a shard refuses to go: exit 1 with the error naming
    it, no report written (`all` deletes beside its analysis and answers the failure before
    any report is made), and once the shard can go a rerun ends as an undisturbed run."""
    first, second = workload
    d = tmp_path / "d"
    copy_into(first + second, d)
    stuck = d / second[3].name
    immutable(stuck)
    cmd = [covalesce, "combine", "-q"] if command == "combine" else all_cmd(covalesce)
    p = run(cmd, d)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert p.stdout == f"Couldn't delete data file '{stuck}': Operation not permitted\n", p.stdout
    assert stuck.read_bytes() == second[3].read_bytes()
    assert data_dump(d / ".coverage") == data_dump(reference / ".coverage")
    left = {q.name for q in d.iterdir()} - {".coverage", ".covalesce_cache"}
    # combine deletes in input order and stops at the failure, as coverage.py does; all
    # deletes every other shard.
    assert stuck.name in left and left <= {f.name for f in first + second}, left
    if command == "all":
        assert left == {stuck.name}, left
    subprocess.run(["chattr", "-i", str(stuck)], check=True)
    p = run(cmd, d)
    if command == "all":
        assert p.returncode == 0, (p.stdout, p.stderr)
        assert snapshot(d) == snapshot(reference)
    else:
        # The interrupted-delete record names the stuck shard: the rerun finishes its delete.
        assert p.returncode == 1 and p.stdout == "No data to combine\n", (p.stdout, p.stderr)
        n = len(left)
        assert f"deleted {n} data file{'s' if n > 1 else ''} that an interrupted run had already combined" in p.stderr, p.stderr
        assert sorted(q.name for q in d.iterdir()) == [".coverage"]
