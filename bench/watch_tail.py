#!/usr/bin/env python3
"""The tail after the last test worker: `combine --watch` during the run against a plain
`covalesce all` after it.

Real workers: CPython regression-test modules run by coverage.py 7.17.3 (`coverage run -m test
test_xxx`, the stdlib workload's own coveragerc: parallel, branch, source = the stdlib, so each
shard lists every stdlib file, ~300 KB), --jobs at a time, the quickest modules of the
workload's manifest first. While they run, `covalesce combine --watch --until DONE --keep`
folds each shard as its worker finishes it; right after the last worker exits the driver
touches DONE (the CI recipe `pytest ...; touch DONE`), waits for the watch, then runs
`covalesce all -i --no-cache --reports=...`.

  watch tail = from the last worker's exit to the reports written (watch end + all)
  plain tail = `covalesce all -i --no-cache --reports=...` on a fresh copy of the same shards
               (median of --repeat)

Both outputs are checked equal (coverage.json, timestamps aside).

  bench/watch_tail.py [--modules 40] [--jobs 2] [--reports report,json,xml,lcov]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORKLOAD = Path.home() / ".cache/covalesce/workload/stdlib-339"


def quickest_modules(n: int) -> list[str]:
    rows = [json.loads(line) for line in (WORKLOAD / "manifest.jsonl").open()]
    rows = [r for r in rows if r.get("status") == "ok" and r.get("seconds") and not r.get("timed_out")]
    rows.sort(key=lambda r: r["seconds"])
    return [r["module"] for r in rows[:n]]


# --replay: a worker that delivers one real shard the way coverage.py 7.17.3 does at save():
# the bytes go into ".coverage.HOST.pidN.XrrrrrrX" (this process's pid), the file is closed,
# then renamed to "<that>.Hhhhhhhhhhhh" (the shard's own data hash), and the process exits.
REPLAY = r"""
import os, shutil, socket, sys
src, data = sys.argv[1], sys.argv[2]
host = socket.gethostname().replace(".", "_")
rand, h = os.path.basename(src).split(".")[-2:]
name = os.path.join(data, f".coverage.{host}.pid{os.getpid()}.{rand}")
shutil.copyfile(src, name)
os.rename(name, f"{name}.{h}")
"""


def json_report(path: Path) -> dict:
    j = json.loads(path.read_text())
    j["meta"].pop("timestamp", None)
    return j


def timed_on_copy(d: Path, shards: list[Path], cmd: list[str], env: dict) -> tuple[float, subprocess.CompletedProcess]:
    """`cmd` run in a new directory `d` holding copies of the shards: its wall time and result."""
    d.mkdir()
    for s in shards:
        shutil.copyfile(s, d / s.name)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=d, capture_output=True, text=True, env=env)
    return time.perf_counter() - t0, r


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--modules", type=int, default=40)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--reports", default="report,json,xml,lcov")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--covalesce", default=str(REPO / "build" / "covalesce"))
    ap.add_argument("--python", default=str(REPO / ".venvs" / "py3.11" / "bin" / "python"))
    ap.add_argument("--tmp", type=Path, default=None)
    ap.add_argument("--replay", type=int, default=0,
                    help="instead of running test modules, replay this many of the workload's "
                         "shards, one short worker process each")
    args = ap.parse_args()
    exe = os.path.abspath(args.covalesce)
    if args.replay:
        modules = sorted(str(p) for p in WORKLOAD.glob(".coverage.*"))[:args.replay]
    else:
        modules = quickest_modules(args.modules)
    work = Path(tempfile.mkdtemp(prefix="covalesce-watch-tail-", dir=args.tmp))
    try:
        data = work / "data"
        data.mkdir()
        rc = work / "coveragerc"
        text = (WORKLOAD / "coveragerc").read_text()
        rc.write_text("\n".join(l for l in text.splitlines() if not l.startswith("data_file")) +
                      f"\ndata_file = {data}/.coverage\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
        done = work / "tests-done"
        report_args = ["all", "-i", "-q", "--no-cache", f"--reports={args.reports}"]

        watch = subprocess.Popen([exe, "combine", "--watch", f"--until={done}", "--keep", "--timings"],
                                 cwd=data, stderr=subprocess.PIPE, text=True, env=env)
        t_start = time.perf_counter()
        running: list[subprocess.Popen] = []
        queue = list(modules)
        while queue or running:
            while queue and len(running) < args.jobs:
                cmd = ([sys.executable, "-c", REPLAY, queue.pop(0), str(data)] if args.replay else
                       [args.python, "-m", "coverage", "run", f"--rcfile={rc}", "-m", "test", queue.pop(0)])
                running.append(subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL,
                                                stderr=subprocess.DEVNULL, env=env))
            time.sleep(0.01)
            running = [p for p in running if p.poll() is None]
        t_last = time.perf_counter()
        done.touch()
        watch_err = watch.communicate()[1]
        t_watch = time.perf_counter()
        # The watch kept its shards (--keep) for the plain runs: move them aside, untimed, so
        # that `all` finds only the combined file, as after a watch that deleted them.
        kept = work / "shards"
        kept.mkdir()
        for s in data.glob(".coverage.*"):
            s.rename(kept / s.name)
        t_all = time.perf_counter()
        live = subprocess.run([exe, *report_args], cwd=data, capture_output=True, text=True, env=env)
        t_reports = time.perf_counter()
        if watch.returncode != 0 or live.returncode not in (0, 2):
            print(f"watch rc {watch.returncode}:\n{watch_err}\nall rc {live.returncode}:\n{live.stdout}\n{live.stderr}")
            return 2
        shards = sorted(kept.glob(".coverage.*"))
        plain = []
        for i in range(args.repeat):
            seconds, r = timed_on_copy(work / f"plain{i}", shards, [exe, *report_args], env)
            plain.append(seconds)
            if r.returncode not in (0, 2):
                print(f"plain all rc {r.returncode}:\n{r.stdout}\n{r.stderr}")
                return 2
        combine_only = []
        for i in range(args.repeat):
            seconds, r = timed_on_copy(work / f"combine{i}", shards, [exe, "combine", "-q"], env)
            r.check_returncode()
            combine_only.append(seconds)
        same = json_report(data / "coverage.json") == json_report(work / "plain0" / "coverage.json")
        tail_watch = (t_watch - t_last) + (t_reports - t_all)
        res = {"modules": len(modules), "shards": len(shards), "jobs": args.jobs,
               "run_s": t_last - t_start, "watch_end_s": t_watch - t_last,
               "all_after_watch_s": t_reports - t_all, "tail_watch_s": tail_watch,
               "tail_plain_s": statistics.median(plain), "plain_runs_s": plain, "plain_combine_s": statistics.median(combine_only), "same_json": same,
               "watch_timings": [l for l in watch_err.splitlines() if l.startswith("timings:")]}
        print(json.dumps(res, indent=1))
        print(f"{len(shards)} shards from {len(modules)} workers ({args.jobs} at a time, {res['run_s']:.1f} s): "
              f"tail with --watch {tail_watch:.3f} s (watch end {res['watch_end_s']:.3f} s + all "
              f"{res['all_after_watch_s']:.3f} s), plain all {res['tail_plain_s']:.3f} s (of which combine alone "
              f"{res['plain_combine_s']:.3f} s); "
              f"ratio {res['tail_plain_s'] / tail_watch:.2f}x; same coverage.json: {same}")
        return 0 if same else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
