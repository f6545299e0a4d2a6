#!/usr/bin/env python3
"""Fan-in at scale: per-node combines, then one combine of the partial files, as a CI matrix does.

From a set of real shards (default: the stdlib workload's 339), make T shards spread over N
"nodes" (N x S, S shards per node): node k gets base shards (k*S + j) mod len(base), copied
with every path in its file table moved under the node's own checkout root
(<root>/x.py -> /ci/nodeKKK/<last part of root>/x.py) and a name of its own (a node name as
host, a fresh data hash, so no two copies are duplicates). Then, timed with the child's
wall time and peak RSS (the rusage launcher of compare_combine.py):

  one     covalesce combine --keep of all T shards at once, [paths] mapping every node's
          root back to the real one (which exists, as coverage.py's remapping requires);
  nodes   on each node, covalesce combine --keep of its S shards with no [paths]
          (the node's checkout path is the only one it knows), giving one partial file;
  fanin   covalesce combine --keep of the N partials (copied into one directory as
          .coverage.nodeKKK, as a CI artefact download would leave them), with [paths];
  ref     coverage.py 7.17.3's combine of all T at once with the same [paths]
          (only for T <= --coverage-max: it takes ~10 ms a shard).

Afterwards one == fanin == ref is checked through coverage.py's own CoverageData API
(measured files, lines, arcs, file tracers, measured contexts, and per context the lines or
arcs of every file). Exit status 1 on any mismatch, 2 when a tool fails.

  bench/fanin.py [--sizes 339:3x113,3390:30x113,10000:100x100] [--base DIR] [--tmp DIR]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import multiprocessing
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import compare_combine as cc  # noqa: E402  (its rusage launcher and run_timed)

DEFAULT_BASE = Path.home() / ".cache/covalesce/workload/stdlib-339"

DUMP = r"""
import json, re, sys
from coverage import CoverageData
out = []
for p in sys.argv[1:]:
    d = CoverageData(basename=p); d.read()
    contexts = sorted(d.measured_contexts())
    files = {}
    for f in sorted(d.measured_files()):
        per = {}
        for c in [None] + (contexts if len(contexts) > 1 else []):
            d.set_query_contexts(None if c is None else ["^" + re.escape(c) + "$"])
            v = d.arcs(f) if d.has_arcs() else d.lines(f)
            per["*" if c is None else "=" + c] = sorted(v or [])
        d.set_query_contexts(None)
        files[f] = {"tracer": d.file_tracer(f), "lines": sorted(d.lines(f) or []), "data": per}
    out.append({"has_arcs": d.has_arcs(), "contexts": contexts, "files": files})
print(json.dumps(out, sort_keys=True))
"""


def common_root(shards: list[Path]) -> str:
    paths = []
    for s in shards[:20]:
        with sqlite3.connect(f"file:{s}?mode=ro", uri=True) as con:
            paths += [r[0] for r in con.execute("select path from file")]
    return os.path.dirname(os.path.commonpath(paths) + "/")


def node_name(k: int) -> str:
    return f"node{k:03d}"


def new_hash(node: str, name: str) -> str:
    digest = hashlib.sha256((node + name).encode()).digest()
    return base64.b64encode(digest, altchars=b"01").decode()[:10]


def make_node(job: tuple) -> int:
    """Writes node k's S shards: copies with the file table moved under the node's root."""
    k, per_node, base, root, nodes_dir = job
    node = node_name(k)
    d = Path(nodes_dir) / node
    d.mkdir(parents=True, exist_ok=True)
    new_root = f"/ci/{node}/{os.path.basename(root)}"
    for j in range(per_node):
        src = Path(base[(k * per_node + j) % len(base)])
        # .coverage.HOST.pidN.XrrrrrrX.Hhhhhhhhhhhh -> the node as host, a hash of its own
        parts = src.name.split(".")
        pid, rand = parts[3], parts[4]
        dst = d / f".coverage.{node}.{pid}.{rand}.H{new_hash(node, src.name)}h"
        shutil.copyfile(src, dst)
        con = sqlite3.connect(dst)
        con.execute("update file set path = ? || substr(path, ?) where substr(path, 1, ?) = ?",
                    (new_root, len(root) + 1, len(root), root))
        con.commit()
        con.close()
    return per_node


def timed(cmd: list[str], cwd: Path, launcher) -> dict:
    r = cc.run_timed(cmd, cwd, launcher)
    if r["rc"] != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed in {cwd} (rc {r['rc']}):\n{r['stderr']}")
    return r


def dump(python: str, files: list[Path]) -> list:
    p = subprocess.run([python, "-c", DUMP, *map(str, files)], capture_output=True, text=True,
                       env=cc.child_env())
    if p.returncode != 0:
        raise RuntimeError(f"dump failed:\n{p.stderr}")
    return json.loads(p.stdout)


def differences(a: dict, b: dict) -> list[str]:
    out = []
    for key in ("has_arcs", "contexts"):
        if a[key] != b[key]:
            out.append(f"{key}: {a[key]!r} vs {b[key]!r}")
    fa, fb = set(a["files"]), set(b["files"])
    out += [f"only in first: {f}" for f in sorted(fa - fb)[:5]]
    out += [f"only in second: {f}" for f in sorted(fb - fa)[:5]]
    out += [f"differs: {f}" for f in sorted(fa & fb) if a["files"][f] != b["files"][f]][:5]
    return out


def run_size(total: int, nodes: int, per_node: int, base: list[Path], root: str, args, launcher,
             ref_python: str) -> dict:
    with cc.temp_dir(f"covalesce-fanin-{total}-", args.tmp, args.keep_temp, "kept") as work:
        nodes_dir = work / "nodes"
        t0 = time.perf_counter()
        jobs = [(k, per_node, [str(b) for b in base], root, str(nodes_dir)) for k in range(nodes)]
        with multiprocessing.Pool(args.jobs) as pool:
            made = sum(pool.map(make_node, jobs))
        gen_s = time.perf_counter() - t0
        shard_bytes = sum(p.stat().st_size for p in nodes_dir.rglob(".coverage.*"))
        (work / "empty.rc").write_text("[run]\n")
        (work / "fanin.rc").write_text(
            f"[paths]\nsource =\n    {root}\n    /ci/node*/{os.path.basename(root)}\n")
        node_dirs = [nodes_dir / node_name(k) for k in range(nodes)]
        exe = args.covalesce
        res = {"shards": made, "nodes": nodes, "per_node": per_node, "shard_bytes": shard_bytes,
               "generate_s": gen_s}

        # one combine of everything
        (work / "all").mkdir()
        one = []
        for _ in range(args.repeat):
            (work / "all" / ".coverage").unlink(missing_ok=True)
            one.append(timed([exe, "combine", "--keep", "-q", f"--rcfile={work}/fanin.rc",
                              f"--data-file={work}/all/.coverage", *map(str, node_dirs)],
                             work / "all", launcher))
        res["one_wall_s"] = statistics.median(r["wall_s"] for r in one)
        res["one_cpu_s"] = statistics.median(r["user_s"] + r["sys_s"] for r in one)
        res["one_rss_mib"] = max(r["maxrss_kib"] for r in one) / 1024

        # per node, then the fan-in
        node_runs = [timed([exe, "combine", "--keep", "-q", f"--rcfile={work}/empty.rc"], d, launcher)
                     for d in node_dirs]
        res["nodes_wall_s"] = sum(r["wall_s"] for r in node_runs)
        res["nodes_cpu_s"] = sum(r["user_s"] + r["sys_s"] for r in node_runs)
        res["node_max_wall_s"] = max(r["wall_s"] for r in node_runs)
        res["node_rss_mib"] = max(r["maxrss_kib"] for r in node_runs) / 1024
        fanin = work / "fanin"
        fanin.mkdir()
        for d in node_dirs:
            shutil.copyfile(d / ".coverage", fanin / f".coverage.{d.name}")
        res["partial_bytes"] = sum(p.stat().st_size for p in fanin.iterdir())
        fan = []
        for _ in range(args.repeat):
            (fanin / ".coverage").unlink(missing_ok=True)
            fan.append(timed([exe, "combine", "--keep", "-q", f"--rcfile={work}/fanin.rc"], fanin, launcher))
        res["fanin_wall_s"] = statistics.median(r["wall_s"] for r in fan)
        res["fanin_cpu_s"] = statistics.median(r["user_s"] + r["sys_s"] for r in fan)
        res["fanin_rss_mib"] = max(r["maxrss_kib"] for r in fan) / 1024

        compared = [work / "all" / ".coverage", fanin / ".coverage"]
        if total <= args.coverage_max:
            ref = work / "ref"
            ref.mkdir()
            r = timed([args.coverage, "combine", "--keep", "-q", f"--rcfile={work}/fanin.rc",
                       f"--data-file={ref}/.coverage", *map(str, node_dirs)], ref, launcher)
            res["coverage_wall_s"] = r["wall_s"]
            res["coverage_cpu_s"] = r["user_s"] + r["sys_s"]
            res["coverage_rss_mib"] = r["maxrss_kib"] / 1024
            compared.append(ref / ".coverage")
        dumps = dump(ref_python, compared)
        res["combined_files"] = len(dumps[0]["files"])
        res["combined_arcs"] = sum(len(f["data"]["*"]) for f in dumps[0]["files"].values())
        res["fanin_vs_one"] = differences(dumps[0], dumps[1])
        res["coverage_vs_one"] = differences(dumps[0], dumps[2]) if len(dumps) > 2 else None
        return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", type=Path, default=DEFAULT_BASE, help="dir of real .coverage.* shards")
    ap.add_argument("--sizes", default="339:3x113,3390:30x113,10000:100x100",
                    help="TOTAL:NODESxPER_NODE,... (default %(default)s)")
    ap.add_argument("--covalesce", default=str(REPO / "build" / "covalesce"))
    ap.add_argument("--coverage", default=str(REPO / ".venvs" / "py3.11" / "bin" / "coverage"))
    ap.add_argument("--coverage-max", type=int, default=3390,
                    help="run coverage.py's combine only up to this many shards (default %(default)s)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of the one and fan-in combines")
    ap.add_argument("--jobs", type=int, default=2, help="processes making the node shards")
    ap.add_argument("--tmp", type=Path, default=None, help="where the copies go (default $TMPDIR)")
    ap.add_argument("--keep-temp", action="store_true")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    base = sorted(p for p in args.base.glob(".coverage.*") if p.is_file())
    if not base:
        ap.error(f"no shards in {args.base}")
    args.covalesce = os.path.abspath(args.covalesce)
    args.coverage = os.path.abspath(args.coverage)
    ref_python = str(Path(args.coverage).parent / "python")
    root = common_root(base)
    launcher = cc.build_launcher()
    results = []
    bad = False
    for spec in args.sizes.split(","):
        total, shape = spec.split(":")
        nodes, per_node = map(int, shape.split("x"))
        assert nodes * per_node == int(total), spec
        print(f"== {total} shards = {nodes} nodes x {per_node} (base {len(base)} shards, root {root})",
              flush=True)
        r = run_size(int(total), nodes, per_node, base, root, args, launcher, ref_python)
        results.append(r)
        us = lambda s: s / r["shards"] * 1e6  # noqa: E731
        print(f"  made {r['shards']} shards ({r['shard_bytes'] / 2**20:.0f} MiB) in {r['generate_s']:.1f} s")
        print(f"  one combine:   {r['one_wall_s']:7.3f} s ({us(r['one_wall_s']):6.0f} us/shard), "
              f"cpu {r['one_cpu_s']:.3f} s, peak {r['one_rss_mib']:.1f} MiB")
        print(f"  node combines: {r['nodes_wall_s']:7.3f} s in all ({us(r['nodes_wall_s']):6.0f} us/shard), "
              f"cpu {r['nodes_cpu_s']:.3f} s, slowest {r['node_max_wall_s']:.3f} s, peak {r['node_rss_mib']:.1f} MiB")
        print(f"  fan-in of {r['nodes']}:  {r['fanin_wall_s']:7.3f} s, cpu {r['fanin_cpu_s']:.3f} s, peak {r['fanin_rss_mib']:.1f} MiB "
              f"(partials {r['partial_bytes'] / 2**20:.1f} MiB)")
        if "coverage_wall_s" in r:
            print(f"  coverage.py:   {r['coverage_wall_s']:7.3f} s ({us(r['coverage_wall_s']):6.0f} us/shard), "
                  f"cpu {r['coverage_cpu_s']:.3f} s, peak {r['coverage_rss_mib']:.1f} MiB")
        print(f"  result: {r['combined_files']} files, {r['combined_arcs']:,} arcs; "
              f"fan-in == one: {not r['fanin_vs_one']}; coverage.py == one: "
              f"{'not run' if r['coverage_vs_one'] is None else not r['coverage_vs_one']}", flush=True)
        for d in (r["fanin_vs_one"] or []) + (r["coverage_vs_one"] or []):
            print(f"    {d}")
        bad |= bool(r["fanin_vs_one"] or r["coverage_vs_one"])
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
