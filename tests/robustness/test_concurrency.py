"""Concurrency, with real processes: two `covalesce all` runs on one directory at once, a run
that must wait for another, and `covalesce combine` while a test process is still writing
its shard (coverage.py writes a parallel shard in place, journal off, under a name without
the ".H<hash>h" that CoverageData.write adds by renaming when the process saves)."""
import fcntl
import os
import re
import shutil
import subprocess
import sys
import time

from conftest import PY, copy_into, data_dump, run, snapshot, temp_files


def all_cmd(covalesce):
    return [covalesce, "all", "-q", f"--python={PY}"]


def test_second_run_waits_for_the_lock(tmp_path, covalesce, workload):
    """While another process holds the directory's lock, `all` says it is waiting, touches
    nothing, and does its whole job once the lock is released."""
    first, second = workload
    d = tmp_path / "d"
    copy_into(first + second, d)
    before = {p.name: p.read_bytes() for p in d.iterdir()}
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        p = subprocess.Popen(all_cmd(covalesce), cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = p.stderr.readline()
        assert line == f"covalesce: waiting for another covalesce run to finish with '{d}/.coverage'\n"
        time.sleep(0.3)
        assert p.poll() is None
        assert {q.name: q.read_bytes() for q in d.iterdir()} == before  # nothing read-and-deleted, nothing written
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, (out, err)
    assert not any(q.name.startswith(".coverage.") for q in d.iterdir())
    ref = tmp_path / "ref"
    copy_into(first + second, ref)
    assert run(all_cmd(covalesce), ref).returncode == 0
    assert snapshot(d) == snapshot(ref)


def test_two_all_runs_at_once(tmp_path, covalesce, workload):
    """Two `all` runs started together, three times: both succeed, one after the other, and
    the result is exactly one run's (no shard lost or counted twice, no half-written file)."""
    first, second = workload
    ref = tmp_path / "ref"
    copy_into(first + second, ref)
    assert run(all_cmd(covalesce), ref).returncode == 0
    expected = snapshot(ref)
    waited = 0
    for k in range(3):
        d = tmp_path / f"d{k}"
        copy_into(first + second, d)
        procs = [subprocess.Popen(all_cmd(covalesce), cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        results = [p.communicate(timeout=300) + (p.returncode,) for p in procs]
        for out, err, rc in results:
            assert rc == 0, (out, err)
            waited += "covalesce: waiting for another covalesce run" in err
        assert temp_files(d) == []
        assert snapshot(d) == expected
    assert waited >= 1  # the runs did overlap


WRITER = """
import os, sys, time
def test_one():
    import json
    return json.dumps({"a": [1, 2]})
def test_two():
    import textwrap
    return textwrap.fill("x " * 50, 20)
test_one()
test_two()  # starting this test flushes test_one's data: the shard now exists, unfinished
open(sys.argv[1], "w").close()
while not os.path.exists(sys.argv[2]):
    time.sleep(0.01)
import shlex
shlex.split("a 'b c'")
"""


def write_shard_in_background(src, shards):
    """A real `coverage run -p` with per-test dynamic contexts, paused after it has flushed
    some data into its shard: returns the process and the file that lets it finish."""
    (src / "writer.py").write_text(WRITER)
    (src / "rc.ini").write_text("[run]\nbranch = true\ndynamic_context = test_function\n")
    ready, go = src / "ready", src / "go"
    p = subprocess.Popen([str(PY), "-m", "coverage", "run", "-p", f"--data-file={shards}/.coverage",
                          f"--rcfile={src}/rc.ini", "writer.py", str(ready), str(go)], cwd=src,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not ready.exists():
        assert p.poll() is None, p.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return p, go


def test_combine_while_a_shard_is_written(tmp_path, covalesce, workload):
    """`combine` leaves a shard whose coverage.py process is still running alone (a notice
    says so), combines the finished ones, and a second combine after the process has saved
    gets its data: together, exactly what coverage.py combines from the finished shards."""
    first, _ = workload
    src, d = tmp_path / "src", tmp_path / "d"
    src.mkdir()
    copy_into(first, d)
    writer, go = write_shard_in_background(src, d)
    try:
        unfinished = [q for q in d.iterdir() if q.name.startswith(".coverage.") and ".H" not in q.name[-13:]]
        assert len(unfinished) == 1, sorted(q.name for q in d.iterdir())
        partial = unfinished[0].read_bytes()
        p = run([covalesce, "combine"], d)
        assert p.returncode == 0, (p.stdout, p.stderr)
        assert (f"covalesce: {unfinished[0].name}: still being written by process {writer.pid}; "
                "not combined, kept for the next run\n") in p.stderr
        m = re.search(r"Combined (\d+) files(, skipped (\d+))?\n$", p.stderr)  # duplicates are skipped
        assert m and int(m[1]) + int(m[3] or 0) == len(first), p.stderr
        assert unfinished[0].read_bytes() == partial  # untouched
    finally:
        go.touch()
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, (out, err)
    finished = [q for q in d.iterdir() if q.name.startswith(".coverage.")]
    assert len(finished) == 1 and finished[0].name.startswith(unfinished[0].name + ".H")
    # The reference: coverage.py combining copies of every finished shard.
    ref = tmp_path / "ref"
    copy_into(first + finished, ref)
    subprocess.run([str(PY), "-m", "coverage", "combine", "-q"], cwd=ref, check=True, capture_output=True)
    p = run([covalesce, "combine", "--append"], d)
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert data_dump(d / ".coverage") == data_dump(ref / ".coverage")
    assert sorted(q.name for q in d.iterdir() if q.is_file()) == [".coverage"]


def test_shard_of_a_dead_writer_is_combined(tmp_path, covalesce, workload):
    """A shard without its hash whose process is gone (killed before it saved) is as complete
    as it will be: combined like any other, as coverage.py does."""
    first, _ = workload
    d = tmp_path / "d"
    copy_into(first[:2], d)
    src = tmp_path / "src"
    src.mkdir()
    writer, go = write_shard_in_background(src, d)
    writer.kill()
    writer.communicate()
    p = run([covalesce, "combine"], d)
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert "still being written" not in p.stderr
    assert "Combined 3 files" in p.stderr
    assert "__main__.test_one" in data_dump(d / ".coverage")["contexts"]
