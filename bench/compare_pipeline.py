#!/usr/bin/env python3
"""Time the whole post-test stage: coverage.py's six steps against `covalesce all`.

coverage.py (in temp dir A), each step its own process, as a CI script runs them:

    coverage combine --rcfile RC --data-file .coverage
    coverage report -m -i --rcfile RC --data-file .coverage
    coverage json -i      --rcfile RC --data-file .coverage
    coverage xml -i       --rcfile RC --data-file .coverage
    coverage lcov -i      --rcfile RC --data-file .coverage
    coverage html -i      --rcfile RC --data-file .coverage

covalesce (in temp dir B and more), --repeat times (default 5) each way, alternating: with a
cold analysis cache, then warm (given that cold run's cache); each run in a new directory
with its own copy of the shards (nothing is deleted between runs: see run_dir). Each way's figure is the median run by wall time (its --timings
phases are that run's), with every run's wall time beside it: a single covalesce run on this
noisy VM varied by +-30%, and coverage.py's steps take minutes, so they run once:

    covalesce all -m -i --timings --reports=report,json,xml,lcov,html --rcfile RC --data-file .coverage --python PY

(--no-html: the first five steps, and `all` without html.)

RC is the workload's `coveragerc` (the config the shards were recorded with). -i because the
standard-library workload measures a path that is now a directory (Lib/test), which every
report otherwise stops at. Each run
goes through compare_combine.py's fork/exec/wait4 launcher, so wall time and peak RSS are
the tool's own (wait4's ru_maxrss covers the tool and the helper processes it waited for;
coverage.py's steps are single processes). Prints each coverage.py step's time and RSS,
covalesce's --timings phases for the cold and the warm run, the end-to-end ratios, and the
peak RSS of both (coverage.py's: its largest step).

Afterwards the outputs are checked against each other: the terminal report's text, the
LCOV file byte for byte, the XML and JSON with their timestamp and tool-version fields
blanked. Exit status: 0 when they agree, 1 on a mismatch, 2 when a tool fails.

--workload DIR takes any workload built the same way (e.g. a lines-only one) with its
`coveragerc` inside; --rcfile overrides.

Then the HTML report alone (skip with --no-html), on copies of the combined data, against
coverage html's step above:

    covalesce html -i --timings --rcfile RC --data-file .coverage ...     (cold cache, then
        warm in a new directory given that cache, then an incremental rerun there with htmlcov
        kept; the three --repeat times, medians as above)

with both htmlcov directories' sizes. The pages of `all`'s cold run and of `html`'s are
compared with coverage.py's line by line (statuses, annotations, index rows:
tests/differential/html_pages.py) unless --no-html-check.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_combine import (build_launcher, child_env, copy_shards, resolve_tools, temp_dir,  # noqa: E402
                             workload_shards)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_WORKLOAD = Path.home() / ".cache/covalesce/workload/stdlib-339"
STEPS = [["combine"], ["report", "-m", "-i"], ["json", "-i"], ["xml", "-i"], ["lcov", "-i"], ["html", "-i"]]
# covalesce all's --reports for the same steps (without html with --no-html).
ALL_REPORTS = "report,json,xml,lcov,html"


def run_timed(cmd: list[str], cwd: Path, launcher: str | None, stdout_path: Path) -> dict:
    """The command through the launcher, stdout into `stdout_path`, stderr captured."""
    with open(stdout_path, "wb") as out:
        if launcher:
            fd, res_path = tempfile.mkstemp(prefix="covalesce-pipe-ru-")
            os.close(fd)
            try:
                r = subprocess.run([launcher, res_path, *cmd], cwd=cwd, env=child_env(),
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE)
                fields = Path(res_path).read_text().split()
            finally:
                os.unlink(res_path)
            err = r.stderr.decode(errors="replace")
            if r.returncode != 0 or len(fields) != 5:
                return {"wall_s": 0.0, "maxrss_kib": 0, "cpu_s": 0.0, "rc": r.returncode or 126,
                        "stderr": err}
            return {"wall_s": float(fields[1]), "maxrss_kib": int(fields[2]),
                    "cpu_s": float(fields[3]) + float(fields[4]), "rc": int(fields[0]), "stderr": err}
        import time
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=child_env(), stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.PIPE)
        err = proc.stderr.read()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.stderr.close()
        return {"wall_s": wall, "maxrss_kib": ru.ru_maxrss, "cpu_s": ru.ru_utime + ru.ru_stime,
                "rc": os.waitstatus_to_exitcode(status), "stderr": err.decode(errors="replace")}


TIMING = re.compile(r"^timings: (\S+)\s+([\d.]+) ms$|^timings:\s+(\S+)\s+([\d.]+) ms busy", re.M)


def parse_timings(stderr: str) -> list[tuple[str, float, bool]]:
    out = []
    for m in TIMING.finditer(stderr):
        if m.group(1):
            out.append((m.group(1), float(m.group(2)), False))
        else:
            out.append((m.group(3), float(m.group(4)), True))
    return out


def normalized(d: Path, name: str) -> str | None:
    p = d / name
    if not p.is_file():
        return None
    text = p.read_text(encoding="utf-8", errors="surrogateescape")
    if name.endswith(".json"):
        text = re.sub(r'("version": )"[^"]*"(, |,\n +)("timestamp": )"[^"]*"', r'\1"V"\2\3"T"', text, count=1)
    elif name.endswith(".xml"):
        text = re.sub(r'^<coverage version="[^"]*" timestamp="\d+"', '<coverage version="V" timestamp="T"',
                      text, flags=re.M)
        text = re.sub(r"^\t<!-- Generated by .* -->$", "\t<!-- Generated by TOOL -->", text, flags=re.M)
    return text


def median_run(runs: list[dict]) -> dict:
    """The run of median wall time (the lower middle of an even count), with every run's wall
    time under "walls_s"."""
    ordered = sorted(runs, key=lambda r: r["wall_s"])
    return {**ordered[(len(ordered) - 1) // 2], "walls_s": [r["wall_s"] for r in runs]}


def run_dir(tmp: Path, name: str, shards: list[Path] | None = None, combined: Path | None = None,
            cache_from: Path | None = None) -> Path:
    """A new directory for one covalesce run: the shards copied in (or the combined data
    file), and with `cache_from`, that directory's analysis cache. Runs never reuse a
    directory and nothing is deleted between them: right after a few hundred files are
    deleted, ext4 skips the freed inodes when it allocates new ones (`perf`: find_inode_bit,
    recently_deleted), and the 680 HTML pages of the next run then took up to 1 s instead of
    ~70 ms, a penalty a CI job's fresh checkout does not pay."""
    d = tmp / name
    d.mkdir()
    if shards:
        copy_shards(d, shards)
    if combined:
        shutil.copyfile(combined, d / ".coverage")
    if cache_from and (cache_from / ".covalesce_cache").is_dir():
        shutil.copytree(cache_from / ".covalesce_cache", d / ".covalesce_cache")
    # Both tools start from inputs at rest on disk: 118 MB of shards copied just before a run
    # are still being written back during it, and that writeback slowed covalesce's 680 page
    # writes from ~60 ms to ~450 ms busy (a lines-workload run from 0.55 s to 0.85 s).
    os.sync()
    return d


def dir_size(d: Path) -> tuple[int, int]:
    files = [p for p in d.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def html_differences(ref_dir: Path, our_dir: Path) -> tuple[int, int, list[str]]:
    """coverage.py's htmlcov against covalesce's: pages, line statuses and annotations, index rows."""
    sys.path.insert(0, str(REPO / "tests" / "differential"))
    import html_pages as hp
    bad, lines = [], 0
    if hp.pages(ref_dir) != hp.pages(our_dir):
        bad.append("page names")
    for page in hp.pages(ref_dir):
        if not (our_dir / page).exists():
            continue
        ref, ours = hp.ref_page(ref_dir / page), hp.our_page(our_dir / page)
        ours.pop("attrs")
        lines += len(ref["lines"])
        if [x[:4] for x in ref["lines"]] != [x[:4] for x in ours["lines"]] or ref["file"] != ours["file"]:
            bad.append(page)
    for index in ("index.html", "function_index.html", "class_index.html"):
        if hp.ref_index(ref_dir / index) != hp.our_index(our_dir / index):
            bad.append(index)
    return len(hp.pages(ref_dir)), lines, bad


def compare_html(tmp: Path, combined: Path, tools: dict, common: list[str], python: str, args,
                 launcher, ref: tuple[dict, Path] | None = None) -> dict | None:
    """coverage html against covalesce html (cold, warm, incremental) on the combined data.

    `ref`: coverage html's timing and htmlcov from the pipeline run, when it was one of its
    steps on the same combined data (not run again)."""
    H = tmp / "H"
    C = run_dir(tmp, "C", combined=combined)
    out: dict = {}
    if ref:
        r, ref_dir = ref
        print(f"\ncoverage html -i: the pipeline's step", flush=True)
    else:
        H.mkdir()
        shutil.copyfile(combined, H / ".coverage")
        ref_dir = H / "htmlcov"
        print(f"\ncoverage html -i ({tools['coverage']}):", flush=True)
        r = run_timed([tools["coverage"], "html", "-i", *common], H, launcher, H / "stdout.html")
        if r["rc"] not in (0, 2):
            print(f"coverage html failed (rc {r['rc']}):\n{r['stderr'][-2000:]}", file=sys.stderr)
            return None
    size, count = dir_size(ref_dir)
    out["coverage"] = {**{k: r[k] for k in ("wall_s", "cpu_s", "maxrss_kib")}, "bytes": size, "files": count}
    print(f"  {r['wall_s']:8.3f} s  {r['maxrss_kib'] / 1024:7.1f} MiB; htmlcov {size / 2**20:.1f} MiB in {count} files",
          flush=True)
    samples: dict[str, list[dict]] = {"cold": [], "warm": [], "incremental": []}
    for rep in range(args.repeat):
        # Each cold and warm run in a directory of its own (the warm one given the cold
        # one's cache), none deleted until the end: ext4 allocates slowly right after a few
        # hundred files are deleted (see run_dir), which would weigh on every run but the first.
        cold_dir = C if rep == 0 else run_dir(tmp, f"C{rep}", combined=combined)
        for label in ("cold", "warm", "incremental"):
            if label == "warm":
                warm_dir = run_dir(tmp, f"C{rep}w", combined=combined, cache_from=cold_dir)
            d = cold_dir if label == "cold" else warm_dir
            cmd = [tools["covalesce"], "html", "-i", "--timings", *common, f"--python={python}",
                   f"--analysis={args.analysis}"]
            r = run_timed(cmd, d, launcher, d / f"stdout.html.{label}")
            if r["rc"] not in (0, 2):
                print(f"covalesce html ({label}) failed (rc {r['rc']}):\n{r['stderr'][-3000:]}", file=sys.stderr)
                return None
            size, count = dir_size(d / "htmlcov")
            samples[label].append({**{k: r[k] for k in ("wall_s", "cpu_s", "maxrss_kib")}, "bytes": size,
                                   "files": count, "phases": parse_timings(r["stderr"])})
    for label, runs in samples.items():
        m = median_run(runs)
        m["ratio"] = out["coverage"]["wall_s"] / m["wall_s"] if m["wall_s"] else float("inf")
        m["maxrss_kib"] = max(r["maxrss_kib"] for r in runs)
        out[label] = m
        print(f"covalesce html, {label}: {m['wall_s']:8.3f} s median of {len(runs)} "
              f"({', '.join(f'{w:.3f}' for w in m['walls_s'])}), peak {m['maxrss_kib'] / 1024:7.1f} MiB "
              f"(cpu {m['cpu_s']:.2f} s); {m['ratio']:.1f}x; htmlcov {m['bytes'] / 2**20:.1f} MiB in {m['files']} files",
              flush=True)
    out["size_ratio"] = out["coverage"]["bytes"] / out["warm"]["bytes"]
    print(f"htmlcov size: coverage.py {out['coverage']['bytes'] / 2**20:.1f} MiB, covalesce "
          f"{out['warm']['bytes'] / 2**20:.1f} MiB ({out['size_ratio']:.1f}x smaller)")
    if not args.no_html_check:
        out["pages"], out["lines_compared"], bad = html_differences(ref_dir, C / "htmlcov")
        out["mismatching_files"] = bad
        print(f"html: {out['pages']} pages, {out['lines_compared']} lines and 3 indexes compared: "
              f"{'identical statuses, annotations and numbers' if not bad else 'DIFFER: ' + ', '.join(bad[:10])}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workload", type=Path, default=DEFAULT_WORKLOAD,
                    help=f"dir holding the .coverage.* shards and coveragerc (default {DEFAULT_WORKLOAD})")
    ap.add_argument("--rcfile", type=Path, default=None, help="default: WORKLOAD/coveragerc")
    ap.add_argument("--covalesce", default=str(REPO / "build" / "covalesce"))
    ap.add_argument("--coverage", default=str(REPO / ".venvs" / "py3.11" / "bin" / "coverage"),
                    help="reference coverage.py entry point")
    ap.add_argument("--python", default=None,
                    help="covalesce's --python (default: the python next to --coverage)")
    ap.add_argument("--analysis", default="native", help="covalesce's --analysis (native, the default, or python)")
    ap.add_argument("--no-warm", action="store_true", help="skip the warm-cache covalesce run")
    ap.add_argument("--repeat", type=int, default=5,
                    help="covalesce runs each way (cold, warm; html: cold, warm, incremental); the median is reported")
    ap.add_argument("--tmp", type=Path, default=None, help="where to make the temp copies")
    ap.add_argument("--keep-temp", action="store_true")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--no-html", action="store_true", help="skip the coverage html / covalesce html comparison")
    ap.add_argument("--no-html-check", action="store_true", help="time the HTML reports but do not compare them")
    ap.add_argument("--html-only", action="store_true",
                    help="only `coverage combine`, then the coverage html / covalesce html comparison")
    args = ap.parse_args()

    shards = workload_shards(ap, args.workload)
    rcfile = (args.rcfile or args.workload / "coveragerc").resolve()
    if not rcfile.is_file():
        ap.error(f"no rcfile {rcfile}")
    tools = resolve_tools(ap, args.coverage, args.covalesce)
    python = args.python or str(Path(tools["coverage"]).parent / "python")

    launcher = build_launcher()
    if not launcher:
        print("note: no C compiler; peak RSS includes this Python's high-water mark", file=sys.stderr)
    common = [f"--rcfile={rcfile}", "--data-file", ".coverage"]
    res: dict = {"workload": str(args.workload), "shards": len(shards), "rcfile": str(rcfile),
                 "analysis": args.analysis}
    with temp_dir("covalesce-pipe-", args.tmp, args.keep_temp, "temp copies kept in") as tmp:
        A, B = run_dir(tmp, "A", shards), run_dir(tmp, "B", shards)

        # coverage.py, step by step.
        steps = []
        print(f"coverage.py 7.17.3, {len(shards)} shards ({tools['coverage']}):", flush=True)
        chosen = STEPS[:1] if args.html_only else STEPS[:5] if args.no_html else STEPS
        for i, step in enumerate(chosen):
            r = run_timed([tools["coverage"], *step, *common], A, launcher, A / f"stdout.{i}")
            if r["rc"] not in (0, 2):
                print(f"coverage {' '.join(step)} failed (rc {r['rc']}):\n{r['stderr'][-2000:]}",
                      file=sys.stderr)
                return 2
            steps.append({"step": " ".join(step), **{k: r[k] for k in ("wall_s", "cpu_s", "maxrss_kib", "rc")}})
            print(f"  coverage {' '.join(step):10s} {r['wall_s']:8.3f} s  {r['maxrss_kib'] / 1024:7.1f} MiB",
                  flush=True)
        cov_total = sum(s["wall_s"] for s in steps)
        cov_rss = max(s["maxrss_kib"] for s in steps) / 1024
        res["coverage_steps"] = steps
        res["coverage_total_s"] = cov_total
        res["coverage_peak_rss_mib"] = cov_rss
        print(f"  {'total':19s} {cov_total:8.3f} s  peak {cov_rss:.1f} MiB (largest step)", flush=True)
        if args.html_only:
            html = compare_html(tmp, A / ".coverage", tools, common, python, args, launcher)
            if html is None:
                return 2
            res["html"] = html
            if args.json:
                args.json.write_text(json.dumps(res, indent=1) + "\n")
            return 1 if html.get("mismatching_files") else 0

        # covalesce all, cold then warm, --repeat times, alternating, each in a directory of
        # its own (see run_dir).
        samples: dict[str, list[dict]] = {"cold": [], "warm": []}
        for rep in range(args.repeat):
            cold_dir = B if rep == 0 else run_dir(tmp, f"B{rep}", shards)
            for label in ("cold", "warm"):
                if label == "warm" and args.no_warm:
                    break
                d = cold_dir if label == "cold" else run_dir(tmp, f"B{rep}w", shards, cache_from=cold_dir)
                reports = "report,json,xml,lcov" if args.no_html else ALL_REPORTS
                cmd = [tools["covalesce"], "all", "-m", "-i", "--timings", f"--reports={reports}", *common,
                       f"--python={python}", f"--analysis={args.analysis}"]
                r = run_timed(cmd, d, launcher, d / f"stdout.{label}")
                if r["rc"] not in (0, 2):
                    print(f"covalesce all ({label}) failed (rc {r['rc']}):\n{r['stderr'][-3000:]}", file=sys.stderr)
                    return 2
                samples[label].append({**{k: r[k] for k in ("wall_s", "cpu_s", "maxrss_kib", "rc")},
                                       "phases": parse_timings(r["stderr"])})
                if label == "cold" and rep == 0:
                    outputs_cold = {n: normalized(B, n) for n in ("coverage.json", "coverage.xml", "coverage.lcov")}
                    stdout_cold = (B / "stdout.cold").read_text(errors="surrogateescape")
                    if not args.no_html and not args.no_html_check:
                        shutil.copytree(B / "htmlcov", tmp / "htmlcov.cold")
        runs = {}
        for label, got in samples.items():
            if not got:
                continue
            m = median_run(got)
            m["maxrss_kib"] = max(r["maxrss_kib"] for r in got)
            runs[label] = m
            print(f"covalesce all, {label} analysis cache: {m['wall_s']:.3f} s median of {len(got)} "
                  f"({', '.join(f'{w:.3f}' for w in m['walls_s'])}), peak RSS {m['maxrss_kib'] / 1024:.1f} MiB "
                  f"(cpu {m['cpu_s']:.2f} s)", flush=True)
            for name, ms, overlapped in m["phases"]:
                print(f"  {'  ' if overlapped else ''}{name:12s} {ms:10.1f} ms{' busy (overlapped)' if overlapped else ''}")
        res["covalesce"] = runs

        # The outputs must agree.
        mismatches = []
        ref_stdout = "".join((A / f"stdout.{i}").read_text(errors="surrogateescape") for i in range(len(chosen)))
        ref_stdout = re.sub(r"^Coverage failure: .*\n", "", ref_stdout, flags=re.M)
        ours_stdout = re.sub(r"^Coverage failure: .*\n", "", stdout_cold, flags=re.M)
        if ours_stdout != ref_stdout:
            mismatches.append("stdout (terminal report and messages)")
        for name, text in outputs_cold.items():
            if text is None or text != normalized(A, name):
                mismatches.append(name)
        res["mismatches"] = mismatches

        print()
        print(f"coverage.py end to end:  {cov_total:8.3f} s, peak RSS {cov_rss:.1f} MiB (largest step)")
        for label, r in runs.items():
            ratio = cov_total / r["wall_s"] if r["wall_s"] else float("inf")
            res[f"ratio_{label}"] = ratio
            print(f"covalesce all ({label}):  {r['wall_s']:8.3f} s, peak RSS {r['maxrss_kib'] / 1024:.1f} MiB; "
                  f"{ratio:.1f}x faster end to end")
        print(f"outputs: {'identical (timestamps and tool versions aside)' if not mismatches else 'DIFFER: ' + ', '.join(mismatches)}")
        if not args.no_html and not args.no_html_check:
            pages, lines, bad = html_differences(A / "htmlcov", tmp / "htmlcov.cold")
            print(f"htmlcov of `all`: {pages} pages, {lines} lines and 3 indexes compared: "
                  f"{'identical statuses, annotations and numbers' if not bad else 'DIFFER: ' + ', '.join(bad[:10])}")
            if bad:
                mismatches.append("htmlcov of all")
        if not args.no_html:
            # `covalesce html` alone, on the same combined data as coverage html's step.
            html = compare_html(tmp, A / ".coverage", tools, common, python, args, launcher,
                                ref=(steps[-1], A / "htmlcov"))
            if html is None:
                return 2
            res["html"] = html
            if html.get("mismatching_files"):
                mismatches.append("html")
        if args.json:
            args.json.write_text(json.dumps(res, indent=1) + "\n")
        return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
