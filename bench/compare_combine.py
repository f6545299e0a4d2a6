#!/usr/bin/env python3
"""Time `coverage combine --keep` against `covalesce combine --keep`.

Both tools get identical inputs: the workload's .coverage.* shards are copied
into two fresh temporary directories, A (coverage.py) and B (covalesce), and
each tool runs with that directory as cwd as

    <tool> combine --keep -q --data-file .coverage

with no rcfile (the directories hold no .coveragerc/setup.cfg/tox.ini/
pyproject.toml, and COVERAGE_* variables are cleared).  The runs alternate
(A, B, A, B, ...), --repeat times each; the combined .coverage is deleted
before each run.  Wall time and the child's peak RSS (os.wait4 ru_maxrss) are
recorded; medians are reported.  The floor is the time to read every shard's
bytes in Python (page cache warm).

Afterwards both combined files are opened with the reference venv's
coverage.CoverageData and compared: measured files, per-file arcs (or lines),
file tracers, measured contexts.  Exit status: 0 when they agree, 1 on any
mismatch, 2 when a tool fails.
"""

from __future__ import annotations

import argparse
import contextlib
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
DEFAULT_WORKLOAD = Path.home() / ".cache/covalesce/workload/stdlib-339"

VERIFY = r"""
import json, sys
from coverage import CoverageData

def load(p):
    d = CoverageData(basename=p)
    d.read()
    return d

a, b = load(sys.argv[1]), load(sys.argv[2])
out = {"mismatches": 0, "examples": [], "files": 0, "arcs": 0, "lines": 0}

def bad(what):
    out["mismatches"] += 1
    if len(out["examples"]) < 20:
        out["examples"].append(what)

if a.has_arcs() != b.has_arcs():
    bad(f"has_arcs: {a.has_arcs()} vs {b.has_arcs()}")
ca, cb = a.measured_contexts(), b.measured_contexts()
if ca != cb:
    bad(f"measured_contexts differ: {sorted(ca ^ cb)[:5]}")
fa, fb = a.measured_files(), b.measured_files()
for f in sorted(fa - fb):
    bad(f"only in coverage.py output: {f}")
for f in sorted(fb - fa):
    bad(f"only in covalesce output: {f}")
for f in sorted(fa & fb):
    out["files"] += 1
    arcs_a, arcs_b = a.arcs(f), b.arcs(f)
    if (arcs_a is None) != (arcs_b is None) or set(arcs_a or ()) != set(arcs_b or ()):
        sa, sb = set(arcs_a or ()), set(arcs_b or ())
        bad(f"arcs differ for {f}: {len(sa - sb)} only in coverage.py, {len(sb - sa)} only in covalesce")
    out["arcs"] += len(arcs_a or ())
    la, lb = a.lines(f), b.lines(f)
    if set(la or ()) != set(lb or ()):
        bad(f"lines differ for {f}")
    out["lines"] += len(la or ())
    ta, tb = a.file_tracer(f), b.file_tracer(f)
    if ta != tb:
        bad(f"file tracer differs for {f}: {ta!r} vs {tb!r}")
print(json.dumps(out))
"""


# Peak RSS must be the tool's own.  A child forked (or vforked) from this
# Python process inherits Python's RSS high-water mark into ru_maxrss across
# exec, which would put a ~15 MiB floor under a small C++ binary.  So the
# tools are started through this tiny launcher: it forks (its own image is
# ~1 MiB), execs the tool, and reports the tool's wait4() rusage and the
# fork-to-reap wall time.  Built with cc on first use; without cc the script
# falls back to wait4() on the direct child and says so.
LAUNCHER_C = r"""
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
int main(int argc, char **argv) {
    if (argc < 3) return 125;
    struct timespec t0, t1;
    struct rusage ru;
    int status;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) return 126;
    if (pid == 0) { execvp(argv[2], argv + 2); perror(argv[2]); _exit(127); }
    if (wait4(pid, &status, 0, &ru) < 0) return 126;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    FILE *f = fopen(argv[1], "w");
    if (!f) return 126;
    fprintf(f, "%d %.9f %ld %.6f %.6f\n",
            WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
            (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9, ru.ru_maxrss,
            ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6,
            ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6);
    fclose(f);
    return 0;
}
"""


def build_launcher() -> str | None:
    cache = Path.home() / ".cache/covalesce/bench"
    exe = cache / "rusage-launcher"
    src = cache / "rusage-launcher.c"
    if exe.exists() and src.exists() and src.read_text() == LAUNCHER_C:
        return str(exe)
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        return None
    cache.mkdir(parents=True, exist_ok=True)
    src.write_text(LAUNCHER_C)
    tmp_exe = cache / f"rusage-launcher.{os.getpid()}"
    r = subprocess.run([cc, "-O2", "-o", str(tmp_exe), str(src)], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"note: could not build the rusage launcher:\n{r.stderr}", file=sys.stderr)
        return None
    os.replace(tmp_exe, exe)
    return str(exe)


def workload_shards(ap: argparse.ArgumentParser, workload: Path) -> list[Path]:
    """The workload's .coverage.* shards, sorted; an argparse error where there are none."""
    shards = sorted(p for p in workload.glob(".coverage.*") if p.is_file())
    if not shards:
        ap.error(f"no .coverage.* shards in {workload} (build them with scripts/make-workload)")
    return shards


def resolve_tools(ap: argparse.ArgumentParser, coverage: str, covalesce: str) -> dict:
    """Each tool's executable by absolute path: the tools run with a temp copy as cwd."""
    tools = {}
    for name, path in {"coverage": coverage, "covalesce": covalesce}.items():
        found = os.path.abspath(path) if os.sep in path else shutil.which(path)
        if not found or not (os.path.isfile(found) and os.access(found, os.X_OK)):
            ap.error(f"--{name} {path}: not an executable")
        tools[name] = found
    return tools


def copy_shards(d: Path, shards: list[Path]) -> None:
    for s in shards:
        shutil.copyfile(s, d / s.name)


@contextlib.contextmanager
def temp_dir(prefix: str, parent: Path | None, keep: bool, kept_note: str):
    """A new temporary directory, removed afterwards unless `keep` (then kept_note names it)."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        yield tmp
    finally:
        if keep:
            print(f"{kept_note} {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def child_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    return env


def run_timed(cmd: list[str], cwd: Path, launcher: str | None) -> dict:
    if launcher:
        fd, res_path = tempfile.mkstemp(prefix="covalesce-cmp-ru-")
        os.close(fd)
        try:
            r = subprocess.run([launcher, res_path, *cmd], cwd=cwd, env=child_env(),
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
            fields = Path(res_path).read_text().split()
        finally:
            os.unlink(res_path)
        if r.returncode != 0 or len(fields) != 5:
            return {"wall_s": 0.0, "maxrss_kib": 0, "user_s": 0.0, "sys_s": 0.0,
                    "rc": r.returncode or 126, "stderr": r.stderr.decode(errors="replace")[-2000:]}
        return {"wall_s": float(fields[1]), "maxrss_kib": int(fields[2]),
                "user_s": float(fields[3]), "sys_s": float(fields[4]), "rc": int(fields[0]),
                "stderr": r.stderr.decode(errors="replace")[-2000:]}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=child_env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # Read stderr before reaping so a chatty child cannot block on the pipe.
    err = proc.stderr.read()
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    return {"wall_s": wall, "maxrss_kib": ru.ru_maxrss, "user_s": ru.ru_utime, "sys_s": ru.ru_stime,
            "rc": proc.returncode, "stderr": err.decode(errors="replace")[-2000:]}


def read_floor(files: list[Path]) -> float:
    t0 = time.perf_counter()
    n = 0
    for f in files:
        with open(f, "rb") as fh:
            n += len(fh.read())
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workload", type=Path, default=DEFAULT_WORKLOAD,
                    help=f"dir holding the .coverage.* shards (default {DEFAULT_WORKLOAD})")
    ap.add_argument("--covalesce", default=str(REPO / "build" / "covalesce"),
                    help="covalesce binary, or any command with coverage's combine CLI")
    ap.add_argument("--coverage", default=str(REPO / ".venvs" / "py3.11" / "bin" / "coverage"),
                    help="reference coverage.py entry point")
    ap.add_argument("--verify-python", default=None,
                    help="python with coverage.py importable (default: next to --coverage)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per tool (default 3)")
    ap.add_argument("--tmp", type=Path, default=None, help="where to make the temp copies")
    ap.add_argument("--keep-temp", action="store_true", help="leave the temp copies behind")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()

    shards = workload_shards(ap, args.workload)
    tools = resolve_tools(ap, args.coverage, args.covalesce)
    verify_py = args.verify_python or str(Path(tools["coverage"]).parent / "python")

    rc = 0
    with temp_dir("covalesce-cmp-", args.tmp, args.keep_temp, "temp copies kept in") as tmp:
        dirs = {"coverage": tmp / "A", "covalesce": tmp / "B"}
        for d in dirs.values():
            d.mkdir()
            copy_shards(d, shards)
        total_bytes = sum(s.stat().st_size for s in shards)
        copies_b = sorted(dirs["covalesce"].glob(".coverage.*"))

        launcher = build_launcher()
        if not launcher:
            print("note: no C compiler; peak RSS comes from wait4() on a child of this "
                  "Python process and includes its ~15 MiB high-water mark", file=sys.stderr)
        floor = [read_floor(copies_b) for _ in range(max(args.repeat, 3))]
        runs: dict[str, list[dict]] = {"coverage": [], "covalesce": []}
        for i in range(args.repeat):
            for name in ("coverage", "covalesce"):
                out = dirs[name] / ".coverage"
                if out.exists():
                    out.unlink()
                r = run_timed([tools[name], "combine", "--keep", "-q", "--data-file", ".coverage"],
                              dirs[name], launcher)
                runs[name].append(r)
                print(f"  run {i + 1}/{args.repeat} {name:9s}: {r['wall_s']:7.3f} s  "
                      f"{r['maxrss_kib'] / 1024:8.1f} MiB  rc {r['rc']}", flush=True)
                if r["rc"] != 0 or not out.exists():
                    print(f"{name} combine failed (rc {r['rc']}):\n{r['stderr']}", file=sys.stderr)
                    return 2
                left = len(list(dirs[name].glob(".coverage.*")))
                if left != len(shards):
                    print(f"{name} combine --keep left {left} of {len(shards)} shards",
                          file=sys.stderr)
                    return 2

        ver = subprocess.run([verify_py, "-c", VERIFY, str(dirs["coverage"] / ".coverage"),
                              str(dirs["covalesce"] / ".coverage")],
                             capture_output=True, text=True, env=child_env())
        if ver.returncode != 0:
            print(f"verification failed to run:\n{ver.stderr}", file=sys.stderr)
            return 2
        v = json.loads(ver.stdout)

        med = {n: statistics.median(r["wall_s"] for r in runs[n]) for n in runs}
        rss = {n: max(r["maxrss_kib"] for r in runs[n]) / 1024 for n in runs}
        cpu = {n: statistics.median(r["user_s"] + r["sys_s"] for r in runs[n]) for n in runs}
        floor_med = statistics.median(floor)
        res = {
            "workload": str(args.workload), "shards": len(shards), "bytes": total_bytes,
            "repeat": args.repeat, "rss_method": "launcher" if launcher else "wait4-direct",
            "coverage_cmd": tools["coverage"], "covalesce_cmd": tools["covalesce"],
            "coverage_median_s": med["coverage"], "covalesce_median_s": med["covalesce"],
            "ratio_coverage_over_covalesce": med["coverage"] / med["covalesce"],
            "coverage_cpu_median_s": cpu["coverage"], "covalesce_cpu_median_s": cpu["covalesce"],
            "coverage_peak_rss_mib": rss["coverage"], "covalesce_peak_rss_mib": rss["covalesce"],
            "floor_read_median_s": floor_med,
            "covalesce_over_floor": med["covalesce"] / floor_med if floor_med else None,
            "coverage_runs_s": [r["wall_s"] for r in runs["coverage"]],
            "covalesce_runs_s": [r["wall_s"] for r in runs["covalesce"]],
            "combined_files": v["files"], "combined_arcs": v["arcs"],
            "mismatches": v["mismatches"], "mismatch_examples": v["examples"],
            "output_bytes": {n: (dirs[n] / ".coverage").stat().st_size for n in dirs},
        }
        print(f"shards:                 {res['shards']}")
        print(f"total bytes:            {total_bytes:,} ({total_bytes / 2**20:.1f} MiB)")
        print(f"coverage.py combine:    {med['coverage']:.3f} s median "
              f"(cpu {cpu['coverage']:.3f} s), peak RSS {rss['coverage']:.1f} MiB")
        print(f"covalesce combine:      {med['covalesce']:.3f} s median "
              f"(cpu {cpu['covalesce']:.3f} s), peak RSS {rss['covalesce']:.1f} MiB")
        print(f"ratio coverage/covalesce: {res['ratio_coverage_over_covalesce']:.2f}x")
        print(f"floor (read all shards, warm cache): {floor_med * 1000:.1f} ms; "
              f"covalesce is {res['covalesce_over_floor']:.1f}x the floor")
        print(f"combined output:        {v['files']} files, {v['arcs']:,} arcs")
        print(f"mismatches:             {v['mismatches']}")
        for e in v["examples"]:
            print(f"  {e}")
        if args.json:
            args.json.write_text(json.dumps(res, indent=1) + "\n")
        rc = 1 if v["mismatches"] else 0
        return rc


if __name__ == "__main__":
    sys.exit(main())
