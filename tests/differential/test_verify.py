"""`covalesce verify` on real data: the bundled demo's shards, the JSON tests' tree recorded by
coverage.py 7.17.3 (lines, branches, contexts), shards recorded live from the example package
(conftest's `record`), and a combined data file without shards. Each must come out all
identical with exit status 0, leave the project's files exactly as they were, and write
nothing into it.

Differences are injected two ways, and each must be shown (the report's row, its first
differing lines) with exit status 1:
- coverage.py's side sees another configuration: --python is a wrapper that sets
  COVERAGE_RCFILE to a file excluding one more line, so every report differs;
- the test-only hook COVALESCE_VERIFY_TEST_PERTURB changes one known string in one of
  covalesce's outputs per report, so exactly those rows differ, with those lines shown.

And the errors: a --python that cannot import coverage, one that does not exist, no data."""
import hashlib
import os
import pathlib
import shutil
import stat
import subprocess

import pytest

from conftest import ROOT, record, venv_python
from test_json import make_dataset

PY = venv_python("3.11")
ROWS = ["report", "json", "xml", "lcov", "html", "exit"]


def snapshot(d):
    """Every file under d with a digest of its bytes."""
    return {str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(pathlib.Path(d).rglob("*")) if p.is_file()}


def verify(covalesce, cwd, *args, env=None, python=PY):
    p = subprocess.run([covalesce, "verify", f"--python={python}", *args], cwd=cwd, capture_output=True,
                       text=True, env={**os.environ, **(env or {})})
    return p.returncode, p.stdout, p.stderr


def rows(out):
    """{row name: its summary} from verify's table, and the detail lines under each row."""
    got, detail, current = {}, {}, None
    for line in out.splitlines():
        parts = line.split(None, 1)
        if line.startswith("  ") and not line.startswith("   ") and parts and parts[0] in ROWS:
            current = parts[0]
            got[current] = parts[1] if len(parts) > 1 else ""
            detail[current] = []
        elif line.startswith("             ") and current:
            detail[current].append(line.strip())
        else:
            current = None
    return got, detail


def assert_identical(covalesce, cwd, *args):
    before = snapshot(cwd)
    rc, out, err = verify(covalesce, cwd, *args)
    assert rc == 0, (out, err)
    got, _ = rows(out)
    chosen = [a.split("=", 1)[1].split(",") for a in args if a.startswith("--reports=")]
    assert set(got) == set(chosen[0] + ["exit"] if chosen else ROWS), out
    for name, summary in got.items():
        assert summary.startswith("identical"), (name, out)
    assert "Everything identical." in out
    assert "ratio" in out
    assert snapshot(cwd) == before  # nothing changed, nothing written
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    d = tmp_path_factory.mktemp("verify-demo") / "demo"
    shutil.copytree(ROOT / "examples" / "demo", d)
    return d


def test_demo_shards(covalesce, demo):
    out = assert_identical(covalesce, demo, "--data-file=shards/.coverage")
    assert "6 shards beside shards/.coverage" in out
    assert "html     identical (3 pages" in out


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    contexts_rc = "[run]\nbranch = true\ndynamic_context = test_function\n"
    context_runs = [(["tests_runner.py"], ()), (["tests_runner.py", "test_big"], ("--context=ctxB",)),
                    (["main.py", "3"], ("--context=ctxA",)), (["regions_main.py"], ("--context=ctxR",))]
    return {"lines": make_dataset(tmp_path_factory, "verify-lines"),
            "branch": make_dataset(tmp_path_factory, "verify-branch", ["--branch"]),
            "contexts": make_dataset(tmp_path_factory, "verify-contexts", rc_text=contexts_rc, runs=context_runs)}


@pytest.mark.parametrize("which", ["lines", "branch"])
def test_fixture_shards(covalesce, datasets, which):
    src, shards = datasets[which]
    assert_identical(covalesce, src, f"--data-file={shards}/.coverage")


def test_contexts_shown(covalesce, datasets, tmp_path):
    """With show_contexts, coverage.py lists each line's contexts in no fixed order: verify
    compares them as covalesce orders them."""
    src, shards = datasets["contexts"]
    rc = tmp_path / "rc.ini"
    rc.write_text("[json]\nshow_contexts = true\npretty_print = true\n[html]\nshow_contexts = true\n")
    assert_identical(covalesce, src, f"--data-file={shards}/.coverage", f"--rcfile={rc}")
    one_line = tmp_path / "one-line.ini"  # json.dumps' other layout, narrowed to two contexts
    one_line.write_text("[json]\nshow_contexts = true\n")
    assert_identical(covalesce, src, f"--data-file={shards}/.coverage", f"--rcfile={one_line}",
                     "--contexts=ctxA,ctxB", "--reports=report,json")


def test_options_and_config_outputs(covalesce, datasets, tmp_path):
    """Report options reach both sides; configured output places are overridden, so the
    project directory gets nothing even where the config names files in it."""
    src, shards = datasets["branch"]
    rc = tmp_path / "rc.ini"
    rc.write_text("[report]\nskip_covered = true\nprecision = 1\nsort = -cover\n[json]\noutput = out/j.json\n"
                  "[xml]\noutput = x.xml\n[lcov]\noutput = l.info\n[html]\ndirectory = web\n")
    assert_identical(covalesce, src, f"--data-file={shards}/.coverage", f"--rcfile={rc}", "--omit=*mod*",
                     "--include=*/pkg/*,*main*")


def test_combined_data_file(covalesce, datasets, tmp_path):
    """No shards: the data file itself is the input (copied, never rewritten)."""
    src, shards = datasets["branch"]
    data = tmp_path / "combined"
    shutil.copytree(shards, data)
    subprocess.run([str(PY), "-m", "coverage", "combine", f"--data-file={data}/.coverage"], cwd=src, check=True,
                   capture_output=True)
    out = assert_identical(covalesce, src, f"--data-file={data}/.coverage")
    assert "the data file" in out


@pytest.mark.parametrize("branch", [False, True], ids=["lines", "branch"])
def test_live_recorded(covalesce, source_tree, tmp_path, branch):
    shards = tmp_path / "shards"
    shards.mkdir()
    args = ["--branch"] if branch else []
    for script in (["run_tests.py"], ["run_demo.py", "apple=2", "-apple=1"], ["run_demo.py", "fig=3", "pear=1"]):
        record(source_tree, shards, script, args)
    assert_identical(covalesce, source_tree, f"--data-file={shards}/.coverage", "--reports=report,json,xml,lcov,html")


# ---- differences ------------------------------------------------------------------------

def test_injected_config_difference(covalesce, demo, tmp_path):
    """coverage.py's side reads a config that also excludes `raise KeyError(name)`."""
    rc = tmp_path / "other.ini"
    rc.write_text((demo / ".coveragerc").read_text() + "[report]\nexclude_also =\n    raise KeyError\n")
    wrapper = tmp_path / "python-other-config"
    wrapper.write_text(f"#!/bin/sh\nCOVERAGE_RCFILE={rc} exec {PY} \"$@\"\n")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    before = snapshot(demo)
    rc_, out, err = verify(covalesce, demo, "--data-file=shards/.coverage", python=wrapper)
    assert rc_ == 1, (out, err)
    got, detail = rows(out)
    for name in ("report", "json", "xml", "lcov", "html"):
        assert got[name].startswith("differs"), (name, out)
    assert got["exit"].startswith("identical")
    # The terminal report's first difference: pricing.py's line, one statement fewer there.
    assert detail["report"][0].startswith("coverage.py: inventory/pricing.py       14 "), out
    assert detail["report"][1].startswith("covalesce:   inventory/pricing.py       15 "), out
    assert "Differences in: report, json, xml, lcov, html." in out
    assert snapshot(demo) == before


PERTURB = {
    "report": ("inventory/pricing.py       15", "inventory/pricing.py       16"),
    "json": ('"num_statements": 15', '"num_statements": 16'),
    "xml": ('line-rate="0.9062"', 'line-rate="0.9063"'),
    "lcov": ("DA:9,0", "DA:9,1"),
    "html": ("data-status=mis", "data-status=run"),
}


def test_injected_report_differences(covalesce, demo):
    env = {"COVALESCE_VERIFY_TEST_PERTURB": "\n".join(f"{k}\t{a}\t{b}" for k, (a, b) in PERTURB.items())}
    rc, out, err = verify(covalesce, demo, "--data-file=shards/.coverage", env=env)
    assert rc == 1, (out, err)
    got, detail = rows(out)
    for name, (theirs, ours) in PERTURB.items():
        assert got[name].startswith("differs"), (name, out)
        assert len(detail[name]) == 2, (name, out)
        assert detail[name][0].startswith("coverage.py: ") and detail[name][1].startswith("covalesce:   ")
        if name != "html":
            assert theirs in detail[name][0] and ours in detail[name][1], (name, out)
    # html: the first missing line of the first page holding one is shown with both statuses
    assert detail["html"][0].endswith(" mis"), out
    assert detail["html"][1].endswith(" run"), out
    assert got["report"].startswith("differs at line ")
    assert got["exit"].startswith("identical")
    assert "Differences in: report, json, xml, lcov, html." in out


def test_injected_single_difference(covalesce, demo):
    """One perturbed report: only its row differs."""
    env = {"COVALESCE_VERIFY_TEST_PERTURB": "lcov\tDA:9,0\tDA:9,7"}
    rc, out, _ = verify(covalesce, demo, "--data-file=shards/.coverage", "--reports=report,lcov", env=env)
    assert rc == 1
    got, detail = rows(out)
    assert set(got) == {"report", "lcov", "exit"}
    assert got["report"] == "identical"
    assert got["lcov"].startswith("differs at line ")
    assert detail["lcov"] == ["coverage.py: DA:9,0", "covalesce:   DA:9,7"]


def test_keep_temp(covalesce, demo):
    rc, out, _ = verify(covalesce, demo, "--data-file=shards/.coverage", "--keep-temp", "--reports=json")
    assert rc == 0
    kept = pathlib.Path(out.split("Kept both sides' inputs and outputs in ")[1].split()[0])
    try:
        assert (kept / "coverage" / "coverage.json").is_file() and (kept / "covalesce" / "coverage.json").is_file()
    finally:
        shutil.rmtree(kept)


# ---- errors -----------------------------------------------------------------------------

def test_python_without_coverage(covalesce, demo, tmp_path):
    wrapper = tmp_path / "python-no-site"  # the venv's python without its site-packages
    wrapper.write_text(f"#!/bin/sh\nexec {PY} -S \"$@\"\n")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    rc, out, err = verify(covalesce, demo, "--data-file=shards/.coverage", python=wrapper)
    assert rc == 1 and out == ""
    assert err == (f"covalesce verify: {wrapper} cannot import coverage (install coverage.py there, or name another "
                   "Python with --python): ModuleNotFoundError: No module named 'coverage'\n")


def test_python_missing(covalesce, demo, tmp_path):
    rc, out, err = verify(covalesce, demo, "--data-file=shards/.coverage", python=tmp_path / "nope")
    assert rc == 1 and out == ""
    assert err.startswith("covalesce verify: ") and "nope" in err and err.count("\n") == 1


def test_no_data(covalesce, tmp_path):
    rc, out, err = verify(covalesce, tmp_path)
    assert rc == 1
    assert err == "covalesce verify: no data: neither .coverage nor shards beside it (.coverage.*) exist\n"
