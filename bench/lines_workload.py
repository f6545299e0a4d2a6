#!/usr/bin/env python3
"""Derive a line-coverage workload from a branch workload built by make_workload.py.

Rerunning CPython's 339 test modules without --branch takes hours; the executed lines are
already in the branch shards (coverage.py derives them from the arcs itself). For each
`.coverage.*` shard of --from, this script asks coverage.py's own CoverageData for every
file's executed lines in every context and writes them, with coverage.py's own CoverageData,
into a shard of the same name under --out: real coverage.py line shards holding what the
test run executed. The workload's coveragerc is copied with `branch = true` removed and
data_file pointing at --out.

Run it with the reference interpreter (it imports coverage 7.17.3):

    .venvs/py3.11/bin/python bench/lines_workload.py \
        --from ~/.cache/covalesce/workload/stdlib-339 --out ~/.cache/covalesce/workload/stdlib-339-lines

Shards already converted are skipped, so the run can be resumed.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def convert(src: str, dst: str) -> str:
    from coverage import CoverageData

    if os.path.exists(dst):
        return "skipped"
    data = CoverageData(src)
    data.read()
    if not data.has_arcs():
        raise SystemExit(f"{src}: not a branch shard")
    tmp = dst + ".tmp"
    if os.path.exists(tmp):
        os.unlink(tmp)
    out = CoverageData(tmp)
    for context in sorted(data.measured_contexts()):
        data.set_query_contexts(["^" + re.escape(context) + "$"])
        lines = {f: data.lines(f) or [] for f in data.measured_files()}
        lines = {f: ls for f, ls in lines.items() if ls}
        out.set_context(context or None)
        out.add_lines(lines)
    tracers = {f: t for f in data.measured_files() if (t := data.file_tracer(f))}
    if tracers:
        out.add_file_tracers(tracers)
    out.write()
    os.replace(tmp, dst)
    return "written"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--from", dest="src", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    shards = sorted(p for p in args.src.glob(".coverage.*") if p.is_file())
    if not shards:
        ap.error(f"no .coverage.* shards in {args.src}")
    args.out.mkdir(parents=True, exist_ok=True)
    rc = (args.src / "coveragerc").read_text()
    rc = "".join(l for l in rc.splitlines(True) if l.strip() != "branch = true")
    rc = rc.replace(str(args.src / ".coverage"), str(args.out / ".coverage"))
    (args.out / "coveragerc").write_text(rc)
    with ProcessPoolExecutor(args.jobs) as pool:
        done = list(pool.map(convert, [str(s) for s in shards], [str(args.out / s.name) for s in shards]))
    print(f"{len(shards)} shards: {done.count('written')} written, {done.count('skipped')} already there",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
