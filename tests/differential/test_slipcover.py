"""slipcover JSON files as combine and report inputs.

Real runs of slipcover 1.1.0 (the pinned version, installed by scripts/setup) and of coverage.py
7.17.3 on the same tests: the shapes project (tests/fixtures/slipcover/shapes: classes,
decorators, loops, try/except/finally, match, with, generators, async, a class body and a module
ending in an if) under pytest, and the bundled demo as a script, with and without --branch.

- The tracers agree: slipcover's executed lines are coverage.py's, and its executed branches,
  mapped as README.md says, are coverage.py's executed branch arcs, file by file.
- covalesce's data from a slipcover file is what slipcover_truth.py writes through coverage.py's
  own API (add_lines / add_arcs, branches mapped against coverage.py's PythonParser arcs).
- covalesce's reports from the slipcover file equal coverage.py's reports of that data file.
- Mixing with coverage.py shards follows coverage.py's rules (union; lines vs arcs is its
  cant-combine error), a malformed file is an errored, kept input."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, venv_python
from test_json import same_json
from test_report import normalize_stderr
from test_xml import normalize_xml

SHAPES = ROOT / "tests" / "fixtures" / "slipcover" / "shapes"
TRUTH = pathlib.Path(__file__).with_name("slipcover_truth.py")
VERSIONS = ["3.11", "3.12"]
PYTEST = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
DEMO_RUNS = [["apple=3", "pear=12", "-apple=1"], ["fig=5", "-fig=9", "pear=1"]]


def sh(cmd, cwd, check=True, env=None):
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, check=check,
                          env={**os.environ, **(env or {})})


def have_slipcover(version):
    py = venv_python(version)
    return py.exists() and sh([py, "-c", "import slipcover"], ROOT, check=False).returncode == 0


@pytest.fixture(scope="session")
def recorded(tmp_path_factory):
    """Per version: the shapes tree, with slipcover's and coverage.py's data of the same runs
    (lines and branch), and the demo's two slipcover runs."""
    out = {}
    for v in VERSIONS:
        if not have_slipcover(v):
            continue
        py = venv_python(v)
        base = tmp_path_factory.mktemp(f"slip{v}")
        src = base / "shapes"
        shutil.copytree(SHAPES, src)
        rec = {"src": src}
        for kind, flag in (("lines", []), ("branch", ["--branch"])):
            rec[f"slip_{kind}"] = base / f"slip-{kind}.json"
            sh([py, "-m", "slipcover", *flag, "--json", "--out", rec[f"slip_{kind}"], "--source=.", *PYTEST], src)
            rec[f"cov_{kind}"] = base / f"cov-{kind}"
            sh([py, "-m", "coverage", "run", *flag, f"--data-file={rec[f'cov_{kind}']}", "--source=.", *PYTEST], src)
        if v == VERSIONS[0]:  # the demo once: shapes is the version check
            demo = base / "demo"
            shutil.copytree(ROOT / "examples" / "demo", demo, ignore=shutil.ignore_patterns("shards"))
            for kind, flag in (("lines", []), ("branch", ["--branch"])):
                for i, args in enumerate(DEMO_RUNS):
                    sh([py, "-m", "slipcover", *flag, "--json", "--out", base / f"demo-{kind}-{i}.json",
                        "run_demo.py", *args], demo)
            rec["demo"] = demo
        out[v] = rec
    if not out:
        pytest.fail("slipcover is not installed in the reference venvs: run scripts/setup")
    return out


def version_rec(recorded, v):
    if v not in recorded:
        pytest.skip(f"no slipcover in the py{v} venv")
    return recorded[v]


def truth(py, slip_json, data_file, cwd, relative=False, moves=()):
    sh([py, TRUTH, slip_json, data_file, *(["--relative"] if relative else []),
        *(f"--move={a}={b}" for a, b in moves)], cwd)


def dump(py, data_file):
    """Everything a data file holds, through coverage.py's API."""
    code = ("import json,sys\nfrom coverage.data import CoverageData\n"
            "d=CoverageData(sys.argv[1]); d.read()\n"
            "print(json.dumps({'arcs': d.has_arcs(), 'files': {f: {'lines': sorted(d.lines(f) or []),"
            " 'arcs': sorted(d.arcs(f) or []), 'tracer': d.file_tracer(f)} for f in sorted(d.measured_files())}}))")
    return json.loads(sh([py, "-c", code, data_file], ROOT).stdout)


@pytest.mark.parametrize("v", VERSIONS)
def test_tracers_agree(recorded, v):
    """slipcover and coverage.py on the same tests: the same executed lines, and slipcover's
    branches mapped onto coverage.py's arcs are coverage.py's executed branch arcs."""
    rec = version_rec(recorded, v)
    py = venv_python(v)
    code = f"""
import json, os, sys
sys.path.insert(0, {str(TRUTH.parent)!r})
import coverage
from coverage.data import CoverageData
from slipcover_truth import branch_arcs, possible_arcs
out = {{}}
for kind in ("lines", "branch"):
    slip = json.load(open(sys.argv[1] if kind == "lines" else sys.argv[3]))
    data = CoverageData(sys.argv[2] if kind == "lines" else sys.argv[4]); data.read()
    cov = coverage.Coverage(data_file=None, branch=True)
    for name, f in slip["files"].items():
        path = os.path.abspath(name)
        row = out.setdefault(name, {{}})
        row[kind + "_slip_lines"] = f["executed_lines"]
        row[kind + "_cov_lines"] = sorted(data.lines(path) or [])
        if kind == "branch":
            fr = coverage.python.PythonFileReporter(path, cov)
            br = {{l for l, c in fr.exit_counts().items() if c > 1}}
            possible = set(fr.arcs())
            row["cov_branches"] = sorted(a for a in data.arcs(path) if a[0] in br and a in possible)
            mapped, unmapped = branch_arcs(f, possible_arcs(path))
            row["slip_branches"] = sorted(a for a in mapped if a[0] in br)
            row["slip_raw"] = len(f["executed_branches"])
            row["unmapped"] = unmapped
print(json.dumps(out))
"""
    res = json.loads(sh([py, "-c", code, rec["slip_lines"], rec["cov_lines"], rec["slip_branch"],
                         rec["cov_branch"]], rec["src"]).stdout)
    assert set(res) == {"shapes.py", "tests/test_shapes.py"}
    for name, row in res.items():
        for kind in ("lines", "branch"):
            assert row[f"{kind}_slip_lines"] == row[f"{kind}_cov_lines"], (name, kind)
        assert [tuple(a) for a in row["slip_branches"]] == [tuple(a) for a in row["cov_branches"]], name
        assert row["unmapped"] == 0, name
    shapes = res["shapes.py"]
    assert len(shapes["cov_branches"]) > 40  # the fixture exercises branches
    print(f"\npy{v} shapes.py: {len(shapes['lines_slip_lines'])} lines executed by both tracers, "
          f"{len(shapes['cov_branches'])} executed branch arcs equal after mapping "
          f"(from {shapes['slip_raw']} slipcover branches)", file=sys.stderr)


def inputs(rec, kind, which):
    if which == "shapes":
        return rec["src"], [rec[f"slip_{kind}"]]
    base = rec["demo"].parent
    return rec["demo"], [base / f"demo-{kind}-{i}.json" for i in range(len(DEMO_RUNS))]


def combined_truth(py, cwd, slip_files, dest, rc=None, relative=False, moves=()):
    """coverage.py's own combine of the truth data files, one per slipcover file."""
    tmp = dest.parent / (dest.name + ".parts")
    tmp.mkdir()
    for i, s in enumerate(slip_files):
        truth(py, s, tmp / f"{dest.name}.slip{i}", cwd, relative, moves)
    sh([py, "-m", "coverage", "combine", f"--data-file={dest}", *([f"--rcfile={rc}"] if rc else []), tmp], cwd)
    shutil.rmtree(tmp)


@pytest.mark.parametrize("v,kind,which", [(v, k, w) for v in VERSIONS for k in ("lines", "branch")
                                            for w in ("shapes", "demo") if w == "shapes" or v == VERSIONS[0]])
def test_combine_data(recorded, v, kind, which, tmp_path, covalesce):
    """`covalesce combine` of slipcover files found by discovery (named .coverage.*): the data
    coverage.py writes from them through its own API, the inputs deleted as coverage.py deletes
    combined shards."""
    rec = version_rec(recorded, v)
    py = venv_python(v)
    cwd, slips = inputs(rec, kind, which)
    ref = tmp_path / "ref.coverage"
    combined_truth(py, cwd, slips, ref)
    shards = tmp_path / "shards"
    shards.mkdir()
    for i, s in enumerate(slips):
        shutil.copy(s, shards / f".coverage.slipcover.{i}.json")
    p = sh([covalesce, "combine", f"--data-file={shards}/.coverage", shards], cwd, check=False)
    assert (p.returncode, p.stdout, p.stderr) == (0, b"", f"Combined {len(slips)} file{'s' * (len(slips) > 1)}\n".encode())
    assert sorted(os.listdir(shards)) == [".coverage"]
    assert dump(py, shards / ".coverage") == dump(py, ref)


def report_pair(py, covalesce, cwd, data_file, args, tool_data):
    """Runs `coverage ARGS` on the truth data file, then `covalesce ARGS` on the slipcover
    data, in the same directory; returns both (rc, stdout, output file text)."""
    out = []
    for tool, data in (("coverage", data_file), ("covalesce", tool_data)):
        for f in ("coverage.json", "coverage.xml", "coverage.lcov"):
            (cwd / f).unlink(missing_ok=True)
        exe = [py, "-m", "coverage"] if tool == "coverage" else [covalesce]
        p = sh([*exe, *args, f"--data-file={data}"], cwd, check=False)
        written = {f: (cwd / f).read_text() for f in ("coverage.json", "coverage.xml", "coverage.lcov")
                   if (cwd / f).exists()}
        out.append((p.returncode, p.stdout.decode(), normalize_stderr(p.stderr.decode()), written))
    return out


@pytest.mark.parametrize("which", ["shapes", "demo"])
@pytest.mark.parametrize("kind", ["lines", "branch"])
def test_reports(recorded, kind, which, tmp_path, covalesce):
    """report -m, json, xml and lcov from slipcover files equal coverage.py's from the data file
    holding the same lines and arcs. covalesce reads the slipcover files through the report's
    own combine step (named .coverage.* beside the data file), and from the data file itself
    (--data-file=FILE.json)."""
    v = "3.11"
    rec = version_rec(recorded, v)
    py = venv_python(v)
    cwd, slips = inputs(rec, kind, which)
    ref = tmp_path / "ref.coverage"
    combined_truth(py, cwd, slips, ref)
    for args in (["report", "-m"], ["json", "--pretty-print"], ["xml"], ["lcov"]):
        shards = tmp_path / "shards"
        shutil.rmtree(shards, ignore_errors=True)
        shards.mkdir()
        for i, s in enumerate(slips):
            shutil.copy(s, shards / f".coverage.slipcover.{i}.json")
        theirs, ours = report_pair(py, covalesce, cwd, ref, args, shards / ".coverage")
        assert ours[0] == theirs[0] == 0, (ours, theirs)
        assert ours[1] == theirs[1]
        assert f"Combined {len(slips)} file{'s' * (len(slips) > 1)}" in ours[2].splitlines(), ours[2]
        for f, text in theirs[3].items():
            if f.endswith(".json"):
                same_json(text, ours[3][f])
            elif f.endswith(".xml"):
                assert normalize_xml(ours[3][f], "covalesce") == normalize_xml(text, "coverage")
            else:
                assert ours[3][f] == text
        assert set(ours[3]) == set(theirs[3])
        if which == "shapes" and args[0] == "report":
            # The tracers agree on these tests, so this is also coverage.py's report of its own run.
            own = sh([py, "-m", "coverage", "report", "-m", f"--data-file={rec[f'cov_{kind}']}"], cwd)
            assert ours[1] == own.stdout.decode()
        if len(slips) == 1 and args[0] == "report":  # the slipcover file as the data file: read, not written
            before = slips[0].read_bytes()
            theirs, ours = report_pair(py, covalesce, cwd, ref, args, slips[0])
            assert (ours[0], ours[1]) == (theirs[0], theirs[1])
            assert slips[0].read_bytes() == before


def test_mixed_with_coverage_shards(recorded, tmp_path, covalesce):
    """A slipcover branch file combined with coverage.py branch shards: the union coverage.py
    makes of their data. A slipcover lines file with branch shards: coverage.py's cant-combine
    error, word for word (the JSON named as coverage.py names the shard), and nothing deleted."""
    rec = version_rec(recorded, "3.11")
    py = venv_python("3.11")
    src = rec["src"]
    results = {}
    for tool in ("coverage", "covalesce"):
        d = tmp_path / "mix"  # the same path for both, so messages match
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        shutil.copy(rec["cov_branch"], d / ".coverage.cov")
        if tool == "coverage":
            truth(py, rec["slip_branch"], d / ".coverage.slip", src)
        else:
            shutil.copy(rec["slip_branch"], d / ".coverage.slip")
        exe = [py, "-m", "coverage"] if tool == "coverage" else [covalesce]
        p = sh([*exe, "combine", "--keep", f"--data-file={d}/.coverage", d], src, check=False)
        results[tool] = (p.returncode, p.stdout, normalize_stderr(p.stderr.decode()), dump(py, d / ".coverage"))
    assert results["coverage"] == results["covalesce"]

    for tool in ("coverage", "covalesce"):
        d = tmp_path / "mix"
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        shutil.copy(rec["cov_branch"], d / ".coverage.b")
        if tool == "coverage":
            truth(py, rec["slip_lines"], d / ".coverage.a.json", src)
        else:
            shutil.copy(rec["slip_lines"], d / ".coverage.a.json")
        exe = [py, "-m", "coverage"] if tool == "coverage" else [covalesce]
        p = sh([*exe, "combine", f"--data-file={d}/.coverage", d], src, check=False)
        results[tool] = (p.returncode, p.stdout.decode())
        if tool == "covalesce":
            assert sorted(os.listdir(d)) == [".coverage.a.json", ".coverage.b"]
    assert results["coverage"] == results["covalesce"]
    assert results["coverage"][0] == 1 and "Can't combine branch coverage data with statement data" in results["coverage"][1]


def test_paths_and_relative_files(recorded, tmp_path, covalesce):
    """Names are made absolute against the current directory, or kept relative under
    [run] relative_files; then [paths] remaps them as any shard's: the data coverage.py's combine
    makes of the truth files under the same configuration."""
    rec = version_rec(recorded, "3.11")
    py = venv_python("3.11")
    cwd, slips = inputs(rec, "branch", "demo")
    configs = {
        "relative": "[run]\nrelative_files = true\n",
        "paths": f"[paths]\nsource =\n    {cwd}/inventory\n    /elsewhere/inventory\n",
    }
    for name, rc_text in configs.items():
        rc = tmp_path / f"{name}.rc"
        rc.write_text(rc_text)
        ref = tmp_path / f"{name}.ref"
        work = tmp_path / f"{name}.work"
        work.mkdir()
        if name == "paths":  # names recorded elsewhere: absolute, under /elsewhere
            moved = []
            for i, s in enumerate(slips):
                data = json.loads(s.read_text())
                data["files"] = {(f"/elsewhere/{k}" if k.startswith("inventory/") else k): e
                                 for k, e in data["files"].items()}
                moved.append(tmp_path / f"moved{i}.json")
                moved[-1].write_text(json.dumps(data))
            src_slips = moved
        else:
            src_slips = slips
        combined_truth(py, cwd, src_slips, ref, rc=rc, relative=(name == "relative"),
                       moves=[("/elsewhere/inventory", f"{cwd}/inventory")])
        for i, s in enumerate(src_slips):
            shutil.copy(s, work / f".coverage.s{i}")
        p = sh([covalesce, "combine", f"--rcfile={rc}", f"--data-file={work}/.coverage", work], cwd, check=False)
        assert p.returncode == 0, p
        assert dump(py, work / ".coverage") == dump(py, ref), name
        files = dump(py, ref)["files"]
        if name == "relative":
            assert "inventory/pricing.py" in files
        else:
            assert f"{cwd}/inventory/pricing.py" in files


BAD = {
    ".coverage.trunc.json": '{"meta": {"software": "slipcover", "version": "1.1.0", "branch_coverage": false}, "files": {"a.py": {"executed_li',
    ".coverage.other.json": '{"meta": {"software": "other"}, "files": {}}',
    ".coverage.type.json": '{"meta": {"software": "slipcover", "branch_coverage": false}, "files": {"a.py": {"executed_lines": ["x"]}}}',
    ".coverage.pair.json": '{"meta": {"software": "slipcover", "branch_coverage": true}, "files": {"a.py": {"executed_lines": [1], "executed_branches": [[1, 2, 3]], "missing_branches": []}}}',
}
REASONS = {
    ".coverage.trunc.json": "invalid JSON: ",
    ".coverage.other.json": "not slipcover JSON: meta.software is 'other'",
    ".coverage.type.json": "files['a.py'].executed_lines: not a list of line numbers (",
    ".coverage.pair.json": "files['a.py'].executed_branches: a branch with 3 numbers instead of 2",
}


def test_malformed_files(recorded, tmp_path, covalesce):
    """Each malformed slipcover file: one CoverageWarning line naming it and the problem,
    counted as errored, kept; the good inputs are combined."""
    rec = version_rec(recorded, "3.11")
    d = tmp_path / "bad"
    d.mkdir()
    shutil.copy(rec["slip_lines"], d / ".coverage.good.json")
    for name, text in BAD.items():
        (d / name).write_text(text)
    p = sh([covalesce, "combine", f"--data-file={d}/.coverage", d], rec["src"], check=False)
    err = p.stderr.decode().splitlines()
    assert p.returncode == 0, p
    assert err[-1] == f"Combined 1 file, {len(BAD)} files errored"
    warnings = err[:-1]
    assert len(warnings) == len(BAD)
    for name, reason in REASONS.items():
        prefix = f"CoverageWarning: Couldn't use data file '{d / name}': "
        assert any(w.startswith(prefix + reason) for w in warnings), (name, warnings)
    assert sorted(os.listdir(d)) == sorted([".coverage", *BAD])


def test_debug_shards_knows_slipcover(recorded, tmp_path, covalesce):
    """`debug shards` parses a slipcover JSON file as slipcover JSON (counted apart) rather than
    calling it an unreadable SQLite file; a malformed one is named with its problem."""
    rec = version_rec(recorded, "3.11")
    bad = tmp_path / "bad.json"
    bad.write_text(BAD[".coverage.other.json"])
    p = subprocess.run([covalesce, "debug", "shards", rec["slip_lines"], rec["slip_branch"], bad],
                       capture_output=True, text=True)
    assert p.returncode == 0, p
    lines = p.stdout.splitlines()
    assert lines[-1] == "3 shards: 0 read directly, 0 only through SQLite, 1 unreadable, 0 differ, 2 slipcover JSON"
    assert lines[0] == f"{bad}: error: Couldn't use data file '{bad}': {REASONS['.coverage.other.json']}", lines


def test_never_written_over(recorded, tmp_path, covalesce):
    """The combined data is a coverage.py data file: combine refuses to write it over a
    slipcover file, which it leaves as it was."""
    rec = version_rec(recorded, "3.11")
    d = tmp_path / "over"
    d.mkdir()
    target = d / "slip.json"
    shutil.copy(rec["slip_lines"], target)
    shutil.copy(rec["slip_lines"], d / "slip.json.1")
    before = target.read_bytes()
    for extra in ([], ["--append"]):
        p = sh([covalesce, "combine", *extra, f"--data-file={target}", d / "slip.json.1"], rec["src"], check=False)
        assert p.returncode == 1
        assert p.stdout.decode() == (f"Couldn't write combined data to '{target}': it is a slipcover JSON file; "
                                     "name a coverage.py data file with --data-file\n")
        assert target.read_bytes() == before and (d / "slip.json.1").exists()
