"""`covalesce combine --watch` against real coverage.py 7.17.3 workers writing shards while it
runs: shards are folded as their writers finish them (before the end condition), a shard whose
writer is still inside save() is not read, one whose writer was killed before finishing is
reported, kept and never folded, and the result equals coverage.py's combine of the complete
shards."""
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from conftest import venv_python
from test_combine import dump

# A worker measured by coverage.py's API, so that it can stop at a chosen point of save():
# "ok" saves normally; "slow" flushes its data into the (still unhashed) shard, waits, then
# finishes it; "killed" flushes and is SIGKILLed before coverage.py renames the shard.
WORKER = r"""
import os, runpy, signal, sys, time
import coverage
mode, data_file, tests = sys.argv[1], sys.argv[2], sys.argv[3:]
cov = coverage.Coverage(data_file=data_file, data_suffix=True, branch=True)
cov.start()
sys.argv = ["run_tests.py", *tests]
runpy.run_path("run_tests.py", run_name="__main__")
cov.stop()
if mode != "ok":
    cov.get_data()                      # rows written into .coverage.HOST.pidN.XrrrrrrX
    if mode == "killed":
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(float(os.environ.get("SLOW_SECONDS", "1.5")))
cov.save()                              # meta hash, close, rename to ...Hhhhhhhhhhhh
"""

TESTS = [["test_add_and_remove"], ["test_pricing"], ["test_low"], ["test_add_and_remove", "test_low"]]


class Watch:
    """covalesce combine --watch in the background, its stderr lines collected as they come."""

    def __init__(self, covalesce, cwd, *args):
        self.proc = subprocess.Popen([covalesce, "combine", "--watch", "--debug=combine", *args],
                                     cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def combined(self):
        return [l for l in self.lines if l.startswith("Combined data file ")]

    def wait_for(self, n, timeout=30):
        deadline = time.time() + timeout
        while len(self.combined()) < n and time.time() < deadline and self.proc.poll() is None:
            time.sleep(0.05)
        return len(self.combined())

    def finish(self, timeout=60):
        self.proc.wait(timeout=timeout)
        self.reader.join(timeout=5)
        return self.proc.returncode, self.proc.stdout.read()


@pytest.fixture
def work(source_tree, tmp_path):
    d = tmp_path / "proj"
    shutil.copytree(source_tree, d)
    (d / "worker.py").write_text(WORKER)
    (d / "data").mkdir()
    return d


def worker(work, mode, tests, env=None):
    return subprocess.Popen([str(venv_python()), "worker.py", mode, str(work / "data" / ".coverage"), *tests],
                            cwd=work, env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def reference(work, tmp_path, shards):
    """coverage.py's combine of copies of the given complete shards."""
    d = tmp_path / "ref"
    d.mkdir()
    for s in shards:
        shutil.copy(s, d)
    subprocess.run([str(venv_python()), "-m", "coverage", "combine"], cwd=d, check=True, capture_output=True)
    return dump(d / ".coverage")


def shards_in(d):
    return sorted(p for p in d.iterdir() if p.name.startswith(".coverage."))


@pytest.mark.parametrize("end", ["until", "pid", "workers"])
def test_folds_shards_as_workers_finish(work, tmp_path, covalesce, end):
    data = work / "data"
    if end == "pid":
        # The "test runner": a parent that runs the workers one after another, then exits.
        runner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        args = [f"--pid={runner.pid}"]
    elif end == "until":
        args = ["--until=../tests-done"]
    else:
        args = [f"--workers={len(TESTS)}"]
    w = Watch(covalesce, data, "--keep", *args)
    try:
        for i, tests in enumerate(TESTS):
            assert worker(work, "ok", tests).wait() == 0
            # Folded while the "tests" still run, before any end condition.
            assert w.wait_for(i + 1) == i + 1, w.lines
        complete = shards_in(data)
        assert len(complete) == len(TESTS)
        if end == "pid":
            runner.kill()
            runner.wait()
        elif end == "until":
            (work / "tests-done").touch()
        rc, out = w.finish()
    finally:
        if w.proc.poll() is None:
            w.proc.kill()
    assert rc == 0, (out, w.lines)
    assert w.lines[-1] == f"Combined {len(TESTS)} files", w.lines
    assert dump(data / ".coverage") == reference(work, tmp_path, complete)
    assert shards_in(data) == complete  # --keep


def test_unfinished_and_killed_writers(work, tmp_path, covalesce):
    data = work / "data"
    w = Watch(covalesce, data, "--until=../tests-done")
    try:
        assert worker(work, "ok", TESTS[0]).wait() == 0
        assert w.wait_for(1) == 1
        # A writer inside save(): its rows are in an unhashed shard, and it is still running.
        slow = worker(work, "slow", TESTS[1], env={"SLOW_SECONDS": "2"})
        deadline = time.time() + 30
        while len(shards_in(data)) < 2 and time.time() < deadline:
            time.sleep(0.02)
        unhashed = [p for p in shards_in(data) if ".H" not in p.name[-14:]]
        assert len(unhashed) == 1, shards_in(data)
        time.sleep(0.5)
        assert len(w.combined()) == 1, w.lines  # not read while its writer is in save()
        # A writer killed after writing its rows, before coverage.py finished the shard.
        killed = worker(work, "killed", TESTS[2])
        assert killed.wait() == -signal.SIGKILL
        partial = [p for p in shards_in(data) if p not in unhashed and ".H" not in p.name[-14:]]
        assert len(partial) == 1, shards_in(data)
        assert slow.wait() == 0
        assert worker(work, "ok", TESTS[3]).wait() == 0
        assert w.wait_for(3) == 3, w.lines
        complete = [p for p in shards_in(data) if p != partial[0]]
        kept = {p: p.read_bytes() for p in complete}
        (work / "tests-done").touch()
        rc, out = w.finish()
    finally:
        if w.proc.poll() is None:
            w.proc.kill()
    assert rc == 0, (out, w.lines)
    pid = partial[0].name.split(".pid")[1].split(".")[0]
    assert (f"CoverageWarning: Couldn't use data file '{partial[0]}': its writer (pid {pid}) "
            "ended before finishing it") in w.lines
    assert w.lines[-1] == "Combined 3 files, 1 file errored", w.lines
    # The partial shard is kept, untouched; the folded ones are gone once the data file is written.
    assert shards_in(data) == partial
    ref_dir = tmp_path / "complete"
    ref_dir.mkdir()
    for p, b in kept.items():
        (ref_dir / p.name).write_bytes(b)
    assert dump(data / ".coverage") == reference(work, tmp_path, shards_in(ref_dir))


def test_hard_error_writes_and_deletes_nothing(work, tmp_path, covalesce, source_tree):
    data = work / "data"
    assert worker(work, "ok", TESTS[0]).wait() == 0
    subprocess.run([str(venv_python()), "-m", "coverage", "run", "-p", f"--data-file={data}/.coverage",
                    "run_tests.py", "test_low"], cwd=work, check=True, capture_output=True)
    before = shards_in(data)
    p = subprocess.run([covalesce, "combine", "--watch", "--until-idle=0.3"], cwd=data,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert "Can't combine" in p.stdout, p.stdout
    assert shards_in(data) == before and not (data / ".coverage").exists()


def test_watch_options_need_watch(work, covalesce):
    p = subprocess.run([covalesce, "combine", "--until=x"], cwd=work, capture_output=True, text=True)
    assert (p.returncode, p.stdout) == (1, "--until needs --watch\n")
