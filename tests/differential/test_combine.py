"""Differential tests: real shards recorded by coverage.py 7.17.3, combined by both
`coverage combine` and `covalesce combine` on identical copies. Exit status, messages,
which inputs remain, the combined data itself, and coverage.py's own `report -m`, `json`
and `xml` on each combined file must all agree."""
import json
import os
import pathlib
import re
import shutil
import sqlite3
import subprocess

import pytest

from conftest import record, venv_python

PY = "3.11"


# ---- running both tools ---------------------------------------------------------------

def normalize_stderr(text, tool_dir):
    """Drops Python's warning framing and makes the two runs' directories comparable."""
    out = []
    for line in text.splitlines():
        m = re.match(r"^.*\.py:\d+: (CoverageWarning: .*)$", line)
        if m:
            out.append(m.group(1))
        elif line.startswith("  ") and out and out[-1].startswith("CoverageWarning"):
            continue  # the echoed source line of a Python warning
        else:
            out.append(line)
    text = "\n".join(out).replace(str(tool_dir), "<DIR>")
    return text.replace("'coverage help'", "'<prog> help'").replace("'covalesce help'", "'<prog> help'")


def run_tool(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return p.returncode, p.stdout.replace(str(cwd), "<DIR>"), normalize_stderr(p.stderr, cwd)


def listing(d):
    return sorted(str(p.relative_to(d)) for p in pathlib.Path(d).rglob("*") if p.is_file())


def both(tmp_path, shards, args, covalesce, config=None, setup=None):
    """Copies `shards` twice, runs both combines with `args`, returns the two results."""
    results = {}
    for tool in ("coverage", "covalesce"):
        d = tmp_path / tool
        shutil.copytree(shards, d)
        if config:
            (d / ".coveragerc").write_text(config)
        if setup:
            setup(d)
        exe = [str(venv_python(PY)), "-m", "coverage"] if tool == "coverage" else [covalesce]
        rc, out, err = run_tool(exe + ["combine", *args], d)
        results[tool] = dict(dir=d, rc=rc, out=out, err=err, files=listing(d))
    return results["coverage"], results["covalesce"]


# ---- comparing combined data ----------------------------------------------------------

DUMP = r"""
import json, re, sys
from coverage import CoverageData
d = CoverageData(sys.argv[1]); d.read()
contexts = sorted(d.measured_contexts())
out = {"has_arcs": d.has_arcs(), "contexts": contexts, "files": {}}
for f in sorted(d.measured_files()):
    per_ctx = {}
    for c in [None] + contexts:
        d.set_query_contexts(None if c is None else [f"^{re.escape(c)}$"])
        v = d.arcs(f) if d.has_arcs() else d.lines(f)
        per_ctx["*" if c is None else "=" + c] = sorted(v or [])
    d.set_query_contexts(None)
    out["files"][f] = {"tracer": d.file_tracer(f), "data": per_ctx}
print(json.dumps(out, sort_keys=True))
"""


def dump(data_file):
    p = subprocess.run([str(venv_python(PY)), "-c", DUMP, str(data_file)],
                       capture_output=True, text=True, check=True)
    return json.loads(p.stdout)


def reports(data_file, src, work):
    """coverage.py's report -m, json and xml on an isolated copy of one combined file."""
    work.mkdir()
    shutil.copy(data_file, work / ".coverage")
    (work / "empty.ini").write_text("")
    base = [str(venv_python(PY)), "-m", "coverage"]
    common = [f"--data-file={work}/.coverage", f"--rcfile={work}/empty.ini"]
    out = {}
    p = subprocess.run(base + ["report", "-m", *common], cwd=src, capture_output=True, text=True)
    out["report"] = (p.returncode, p.stdout)
    subprocess.run(base + ["json", "-o", f"{work}/c.json", *common], cwd=src, check=True, capture_output=True)
    j = json.loads((work / "c.json").read_text())
    j["meta"].pop("timestamp")
    out["json"] = j
    subprocess.run(base + ["xml", "-o", f"{work}/c.xml", *common], cwd=src, check=True, capture_output=True)
    out["xml"] = re.sub(r'timestamp="\d+"', "", (work / "c.xml").read_text())
    return out


def assert_same(ref, ours, src, tmp_path, same_files=True):
    assert ours["rc"] == ref["rc"], (ref, ours)
    assert ours["out"] == ref["out"]
    assert ours["err"] == ref["err"]
    if same_files:
        assert ours["files"] == ref["files"]
    if ref["rc"] == 0:
        a, b = ref["dir"] / ".coverage", ours["dir"] / ".coverage"
        assert dump(b) == dump(a)
        assert reports(b, src, tmp_path / "rep-ours") == reports(a, src, tmp_path / "rep-ref")


# ---- shard sets (recorded once per session) --------------------------------------------

RUNS = [["run_demo.py", "apple=3", "pear=12"], ["run_demo.py", "fig=5", "-fig=2"],
        ["run_demo.py", "apple=1", "-apple=1", "-pear=3"], ["run_demo.py", "pear=10", "fig=1"]]


@pytest.fixture(scope="session")
def line_shards(source_tree, tmp_path_factory):
    d = tmp_path_factory.mktemp("lines")
    for r in RUNS:
        record(source_tree, d, r)
    return d


@pytest.fixture(scope="session")
def branch_shards(source_tree, tmp_path_factory):
    d = tmp_path_factory.mktemp("branch")
    for r in RUNS:
        record(source_tree, d, r, ["--branch"])
    return d


@pytest.fixture(scope="session")
def context_shards(source_tree, tmp_path_factory):
    d = tmp_path_factory.mktemp("contexts")
    record(source_tree, d, RUNS[0], ["--branch", "--context=ctxA"])
    record(source_tree, d, RUNS[1], ["--branch", "--context=ctxB"])
    rc = tmp_path_factory.mktemp("rc") / "dyn.ini"
    rc.write_text("[run]\nbranch = true\ndynamic_context = test_function\n")
    record(source_tree, d, ["run_tests.py"], rcfile=rc)
    record(source_tree, d, ["run_tests.py", "test_low"], rcfile=rc, version="3.12")
    return d


@pytest.fixture(scope="session")
def remap_shards(source_tree, tmp_path_factory):
    """Shards recorded from a second copy of the sources at another absolute path."""
    d = tmp_path_factory.mktemp("remap")
    ci = tmp_path_factory.mktemp("ci") / "build"
    shutil.copytree(source_tree, ci)
    record(ci, d, RUNS[0], ["--branch"])
    record(ci, d, RUNS[2], ["--branch"])
    record(source_tree, d, RUNS[1], ["--branch"])
    return d, ci


# ---- scenarios -------------------------------------------------------------------------

@pytest.mark.parametrize("args", [[], ["--keep"], ["-q"], ["--keep", "-q"]])
def test_lines(line_shards, source_tree, tmp_path, covalesce, args):
    ref, ours = both(tmp_path, line_shards, args, covalesce)
    assert_same(ref, ours, source_tree, tmp_path)


def test_branch(branch_shards, source_tree, tmp_path, covalesce):
    ref, ours = both(tmp_path, branch_shards, [], covalesce)
    assert_same(ref, ours, source_tree, tmp_path)


def test_contexts(context_shards, source_tree, tmp_path, covalesce):
    ref, ours = both(tmp_path, context_shards, ["--keep"], covalesce)
    assert_same(ref, ours, source_tree, tmp_path)
    assert len(dump(ours["dir"] / ".coverage")["contexts"]) >= 5


def test_paths_remap(remap_shards, source_tree, tmp_path, covalesce):
    shards, ci = remap_shards
    config = f"[paths]\nsource =\n    {source_tree}\n    {ci}\n"
    ref, ours = both(tmp_path, shards, ["--debug=pathmap,combine"], covalesce, config=config)
    assert_same(ref, ours, source_tree, tmp_path)
    files = dump(ours["dir"] / ".coverage")["files"]
    assert all(f.startswith(str(source_tree)) for f in files), files


def test_relative_files_demo_shards(source_tree, tmp_path, covalesce):
    shards = pathlib.Path(__file__).resolve().parents[2] / "examples" / "demo" / "shards"
    config = "[run]\nrelative_files = true\n"
    ref, ours = both(tmp_path, shards, ["--keep"], covalesce, config=config)
    assert_same(ref, ours, source_tree, tmp_path)


def corrupt_inputs(d):
    shards = sorted(p for p in d.iterdir() if p.name.startswith(".coverage."))
    first = shards[0]
    (d / ".coverage.bad").write_text("hi\n")
    (d / ".coverage.empty").write_bytes(b"")
    data = first.read_bytes()
    (d / ".coverage.trunc").write_bytes(data[:5000])
    con = sqlite3.connect(d / ".coverage.foreign")
    con.execute("create table t (x)")
    con.commit()
    con.close()
    shutil.copy(first, d / ".coverage.v6")
    con = sqlite3.connect(d / ".coverage.v6")
    con.execute("update coverage_schema set version = 6")
    con.commit()
    con.close()
    # A byte-identical copy under a plain name, and one under another hash name (skipped).
    shutil.copy(first, d / ".coverage.copy")
    m = re.search(r"\.H(\w{10}h)$", first.name)
    shutil.copy(first, d / f".coverage.other.pid1.Xabcdefx.H{m.group(1)}")
    (d / ".coverage.bad2").write_text("hi\n")


def test_corrupt_and_duplicate_shards(branch_shards, source_tree, tmp_path, covalesce):
    ref, ours = both(tmp_path, branch_shards, ["--debug=combine"], covalesce, setup=corrupt_inputs)
    assert "errored" in ref["err"] and "skipped" in ref["err"]
    assert_same(ref, ours, source_tree, tmp_path)
    assert ".coverage.bad" in ours["files"] and ".coverage.trunc" in ours["files"]


def test_mixed_kinds_error_touches_nothing(line_shards, branch_shards, source_tree, tmp_path, covalesce):
    mixed = tmp_path / "mixed"
    shutil.copytree(branch_shards, mixed)
    for p in line_shards.iterdir():
        shutil.copy(p, mixed / p.name)
    ref, ours = both(tmp_path, mixed, [], covalesce)
    assert ref["rc"] == ours["rc"] == 1
    assert ours["out"] == ref["out"] and "cant-combine" in ours["out"]
    # Deliberate difference: coverage.py has already merged and deleted some inputs.
    assert ours["files"] == listing(mixed)


def test_tracer_conflict(branch_shards, source_tree, tmp_path, covalesce):
    def add_tracer(d):
        last = sorted(p for p in d.iterdir() if p.name.startswith(".coverage."))[-1]
        con = sqlite3.connect(last)
        con.execute("insert into tracer (file_id, tracer) select id, 'my.plugin' from file limit 1")
        con.commit()
        con.close()
    ref, ours = both(tmp_path, branch_shards, [], covalesce, setup=add_tracer)
    assert ref["rc"] == ours["rc"] == 1
    assert ours["out"] == ref["out"] and "Conflicting file tracer" in ours["out"]


def test_tracer_rows_are_kept(branch_shards, source_tree, tmp_path, covalesce):
    def add_tracers(d):
        for p in d.iterdir():
            if p.name.startswith(".coverage."):
                con = sqlite3.connect(p)
                con.execute("insert into tracer (file_id, tracer) select id, 'my.plugin' from file "
                            "where path like '%stock.py'")
                con.commit()
                con.close()
    ref, ours = both(tmp_path, branch_shards, ["--keep"], covalesce, setup=add_tracers)
    assert ref["rc"] == ours["rc"] == 0
    assert dump(ours["dir"] / ".coverage") == dump(ref["dir"] / ".coverage")


def test_append(branch_shards, source_tree, tmp_path, covalesce):
    def first_half(d):
        shards = sorted(p for p in d.iterdir() if p.name.startswith(".coverage."))
        subprocess.run([str(venv_python(PY)), "-m", "coverage", "combine", *map(str, shards[:2])],
                       cwd=d, check=True, capture_output=True)
    ref, ours = both(tmp_path, branch_shards, ["--append"], covalesce, setup=first_half)
    assert_same(ref, ours, source_tree, tmp_path)


@pytest.mark.parametrize("args", [["--keep", "LISTED"], ["--keep", "."], ["nonexistent"]])
def test_explicit_paths(branch_shards, source_tree, tmp_path, covalesce, args):
    if "LISTED" in args:
        names = sorted(p.name for p in branch_shards.iterdir())[1:3]
        args = ["--keep", *names]
    ref, ours = both(tmp_path, branch_shards, args, covalesce)
    assert_same(ref, ours, source_tree, tmp_path)


@pytest.mark.parametrize("args", [[], ["--foo"], ["--data-file"], ["-x"], ["--kee"], ["--keep=1"]])
def test_usage_and_empty(tmp_path, source_tree, covalesce, args):
    empty = tmp_path / "empty"
    empty.mkdir()
    ref, ours = both(tmp_path, empty, args, covalesce)
    assert (ours["rc"], ours["out"], ours["err"]) == (ref["rc"], ref["out"], ref["err"])


def test_no_usable_data(tmp_path, source_tree, covalesce):
    d = tmp_path / "bad"
    d.mkdir()
    (d / ".coverage.bad").write_text("not a database\n")
    ref, ours = both(tmp_path, d, [], covalesce)
    assert_same(ref, ours, source_tree, tmp_path)


def test_data_file_option_and_env(branch_shards, source_tree, tmp_path, covalesce):
    def rename(d):
        for p in list(d.iterdir()):
            p.rename(d / p.name.replace(".coverage", "cov.data", 1))
    ref, ours = both(tmp_path, branch_shards, ["--data-file=cov.data"], covalesce, setup=rename)
    assert ref["rc"] == 0
    assert ours["files"] == ref["files"]
    assert dump(ours["dir"] / "cov.data") == dump(ref["dir"] / "cov.data")


def test_page_reader_agrees_with_sqlite(line_shards, branch_shards, context_shards, remap_shards, covalesce):
    """Every real shard above is read alike by the direct page reader and the SQLite API."""
    shards, _ = remap_shards
    demo = pathlib.Path(__file__).resolve().parents[2] / "examples" / "demo" / "shards"
    files = [str(p) for d in (line_shards, branch_shards, context_shards, shards, demo)
             for p in sorted(d.iterdir()) if p.name.startswith(".coverage.")]
    p = subprocess.run([covalesce, "debug", "shards", *files], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout
    assert p.stdout.strip() == f"{len(files)} shards: {len(files)} read directly, 0 only through SQLite, 0 unreadable, 0 differ"


COVALESCE_ONLY = ("--timings", "--watch", "--until", "--pid", "--workers", "--until-idle",
                  "--settle", "--grace")


def test_help_matches_coverage(tmp_path, covalesce):
    """`help combine` is coverage.py's text with our name, plus covalesce's own options
    (--timings and the --watch family), each with its wrapped help lines."""
    ref = subprocess.run([str(venv_python(PY).parent / "coverage"), "help", "combine"],
                         capture_output=True, text=True).stdout
    ours = subprocess.run([covalesce, "help", "combine"], capture_output=True, text=True).stdout
    kept, ours_only = [], []
    for line in ours.splitlines():
        if line.startswith("  -"):
            name = line.split()[0].split("=")[0]
            skipping = name in COVALESCE_ONLY
            if skipping:
                ours_only.append(name)
        elif not line.startswith("    "):
            skipping = False
        if not skipping:
            kept.append(line)
    assert sorted(ours_only) == sorted(COVALESCE_ONLY)
    assert "\n".join(kept).replace("covalesce", "coverage") == ref.rstrip("\n")


def test_timings_name_every_phase(branch_shards, tmp_path, covalesce):
    d = tmp_path / "t"
    shutil.copytree(branch_shards, d)
    p = subprocess.run([covalesce, "combine", "--timings"], cwd=d, capture_output=True, text=True)
    assert p.returncode == 0
    phases = [l.split()[1] for l in p.stderr.splitlines() if l.startswith("timings:")]
    for phase in ("discover", "read+remap", "read", "remap", "union", "write", "delete", "total"):
        assert phase in phases, p.stderr
