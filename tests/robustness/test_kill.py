"""Fault injection: `covalesce combine` and `covalesce all` killed with SIGKILL at many points
of a run over real shards, measured first and spread across the whole run.

Before each kill the directory is in a known OLD state: the combined data, reports,
htmlcov/ and analysis cache of the first half of the shards, with the second half's shards
beside them. A complete run from there gives the NEW state. After each kill:

- every shard is byte-identical to before, or gone, and gone only if the data file is NEW
  (inputs are deleted only after the output is durably in place);
- the data file opens in SQLite (integrity_check) and in coverage.py and holds exactly OLD's
  or NEW's data; every report file, HTML page and index is OLD's or NEW's byte for byte
  (timestamps aside); nothing else is there but covalesce's temporary files; the analysis
  cache passes integrity_check;
- a rerun succeeds, ends in NEW, and leaves no temporary file behind.

COVALESCE_KILLS sets the kills per command (default 50)."""
import os
import random
import shutil
import signal
import subprocess
import time

import pytest

from conftest import PY, copy_into, data_dump, run, scratch_root, snapshot, temp_files

KILLS = int(os.environ.get("COVALESCE_KILLS", "50"))


def timed(cmd, cwd):
    start = time.monotonic()
    p = run(cmd, cwd)
    assert p.returncode == 0, (p.stdout, p.stderr)
    return time.monotonic() - start


def kill_after(cmd, cwd, delay):
    """Starts cmd, SIGKILLs it after `delay` seconds; returns whether it had already ended."""
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        p.wait(timeout=delay)
        return True
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGKILL)
        p.wait()
        return False


def check_state(d, old, new, shards):
    """The directory after a kill: every file OLD's or NEW's, shards intact or consumed."""
    now = snapshot(d)
    temps = set(temp_files(d))
    data = now.get(".coverage")
    assert data in (old[".coverage"], new[".coverage"]), "data file is neither OLD nor NEW"
    data_is_new = data == new[".coverage"] and data != old[".coverage"]
    for name, content in shards.items():
        if name in now:
            assert now[name] == content, f"shard {name} changed"
        else:
            assert data_is_new, f"shard {name} deleted before the data file was replaced"
    for name, content in now.items():
        if name in shards or name == ".coverage" or name in temps:
            continue
        if name == ".covalesce_cache":
            continue  # integrity_check passed in snapshot(); rows come and go in transactions
        assert content in (old.get(name), new.get(name)), f"{name} is neither OLD nor NEW"
    return data_is_new, temps


def kill_loop(tmp, covalesce, cmd, setup, expect_rerun):
    """Builds OLD with `setup`, NEW by a complete run, then kills KILLS runs from OLD."""
    base = tmp / "old"
    shards = setup(base)
    old = snapshot(base)
    new_dir = tmp / "new"
    shutil.copytree(base, new_dir, symlinks=True)
    timed(cmd, new_dir)
    new = snapshot(new_dir)
    # The run's length from OLD, measured, as the kills will see it (best of 3).
    lengths = []
    for k in range(3):
        d = tmp / f"measure{k}"
        shutil.copytree(base, d, symlinks=True)
        lengths.append(timed(cmd, d))
        shutil.rmtree(d)
    length = min(lengths)
    rng = random.Random(11)
    counts = {"before_replace": 0, "after_replace": 0, "finished": 0, "temps_left": 0}
    for i in range(KILLS):
        d = tmp / "run"
        if d.exists():
            shutil.rmtree(d)
        shutil.copytree(base, d, symlinks=True)
        delay = length * 1.1 * (i + rng.random()) / KILLS
        finished = kill_after(cmd, d, delay)
        data_is_new, temps = check_state(d, old, new, shards)
        counts["finished" if finished else "after_replace" if data_is_new else "before_replace"] += 1
        counts["temps_left"] += bool(temps)
        p = run(cmd, d)
        expect_rerun(p, data_is_new or finished)
        assert temp_files(d) == [], f"rerun left temporary files: {temp_files(d)}"
        assert snapshot(d) == new, f"kill {i} after {delay * 1000:.1f} ms: rerun did not end in NEW"
    print(f"\n{cmd[1]}: run {length * 1000:.0f} ms; {KILLS} kills: {counts}")
    return counts


@pytest.fixture
def scratch(tmp_path):
    root = scratch_root()
    if root is None:
        yield tmp_path
        return
    d = root / f"covalesce-kill-{os.getpid()}-{tmp_path.name}"
    d.mkdir()
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_kill_combine(scratch, covalesce, workload):
    """`combine` (no --append): OLD's data file is the first half's; NEW's is the second's."""
    first, second = workload

    def setup(d):
        copy_into(first, d)
        p = run([covalesce, "combine", "-q"], d)
        assert p.returncode == 0, p.stdout
        copy_into(second, d)
        return {f.name: f.read_bytes() for f in second}

    def expect_rerun(p, data_was_new):
        if data_was_new:  # the killed run had replaced the data file: its inputs are spent
            assert (p.returncode, p.stdout) == (1, "No data to combine\n"), (p.stdout, p.stderr)
        else:
            assert p.returncode == 0, (p.stdout, p.stderr)

    counts = kill_loop(scratch, covalesce, [covalesce, "combine", "-q"], setup, expect_rerun)
    assert counts["before_replace"] >= 1


def test_kill_all(scratch, covalesce, workload):
    """`all`: OLD is `all` over the first half; NEW adds the second half (`all` appends)."""
    first, second = workload
    cmd = [covalesce, "all", "-q", f"--python={PY}"]

    def setup(d):
        copy_into(first, d)
        p = run(cmd, d)
        assert p.returncode == 0, (p.stdout, p.stderr)
        copy_into(second, d)
        return {f.name: f.read_bytes() for f in second}

    def expect_rerun(p, data_was_new):
        assert p.returncode == 0, (p.stdout, p.stderr)

    counts = kill_loop(scratch, covalesce, cmd, setup, expect_rerun)
    # The data file is replaced in the first tenth of the run, the reports take the rest.
    assert counts["before_replace"] >= 1 and counts["after_replace"] >= KILLS // 4


def test_rerun_finishes_an_interrupted_delete(tmp_path, covalesce, workload):
    """The state a kill between the rename and the last delete leaves (the new data file and
    some of its inputs, unchanged): a plain `combine` rerun deletes those inputs instead of
    replacing the data file with them alone. Inputs that changed, and data files that
    coverage.py wrote, are left alone."""
    first, second = workload
    d = tmp_path / "d"
    copy_into(first + second, d)
    p = run([covalesce, "combine", "-q"], d)
    assert p.returncode == 0
    combined = data_dump(d / ".coverage")
    copy_into(second[:5], d)  # copy2 keeps size and mtime: the shards as they were
    changed = d / second[5].name
    shutil.copy(second[5], changed)  # a new mtime: not the file that was combined
    p = run([covalesce, "combine", "-q"], d)
    assert p.stderr.startswith(f"covalesce: deleted 5 data files that an interrupted run had already "
                               f"combined into '{d}/.coverage'\n"), p.stderr
    assert p.returncode == 0 and data_dump(d / ".coverage") != combined  # the changed one was combined
    assert sorted(q.name for q in d.iterdir()) == [".coverage"]
    # A data file coverage.py combined records nothing: its leftovers are combined as usual.
    e = tmp_path / "e"
    copy_into(first, e)
    subprocess.run([str(PY), "-m", "coverage", "combine", "--keep", "-q"], cwd=e, check=True)
    p = run([covalesce, "combine", "-q"], e)
    assert p.returncode == 0 and "interrupted" not in p.stderr
