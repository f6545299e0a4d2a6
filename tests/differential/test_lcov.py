"""Differential tests for `covalesce lcov`: the JSON tests' datasets (real shards recorded by
coverage.py 7.17.3, with nested, decorated, duplicated and conditional functions), reported
by `coverage lcov` and `covalesce lcov` on identical copies of the data. LCOV names no
producer and has no timestamp, so the report must be byte-identical, and so must the exit
status, stdout, stderr and the files left. coverage.py runs with PYTHONHASHSEED=0: its BRDA
branch names come from the first of an arc's message fragments, whose order follows string
hashing. The output is also read by a real consumer, lcov's genhtml, when it is installed."""
import os
import shutil
import subprocess

import pytest

import test_json
from conftest import venv_python
from test_json import (  # noqa: F401 (fixtures)
    PY, branch_data, context_data, ids, line_context_data, lines_data, other_python_data,
    output_arg, record, relative_data, remote_data, run_both, check_common, strip_our_options,
    workload_slice, WORKLOAD,
)
from test_report import mutated


def compare(tmp_path, src, shards, args, rc_text="", out="out.lcov", **kw):
    """`coverage lcov` vs `covalesce lcov`: the report (at `out`, or stdout with -o -) and
    everything else the run shows or leaves."""
    ref, ours = run_both(tmp_path, "lcov", src, shards, args, rc_text, outputs=[out],
                         default_out="out.lcov" if out == "out.lcov" else None, **kw)
    check_common(ref, ours)
    assert ours["out"] == ref["out"], (ref["err"], ours["err"])
    assert ours["texts"][out] == ref["texts"][out]
    return ref, ours


@pytest.fixture(scope="module", autouse=True)
def covalesce_exe(covalesce):
    test_json.COVALESCE = covalesce
    global COVALESCE
    COVALESCE = covalesce
    yield


COMMON = [
    [], ["-q"], ["-o", "-"], ["-o-", "-q"], ["-o", "sub/dir/x.lcov"],
    ["--fail-under=50"], ["--fail-under=99.5"], ["--fail-under=100", "-q"], ["--fail-under=101"],
    ["--include=*/pkg/*"], ["--omit=*mod*,*quo*"], ["--include=pkg/regions.py"], ["--omit=*"],
    ["--include=[z-a]"], ["-i"], ["pkg/lines.py", "pkg/full.py"], ["pkg/lines.py", "pkg/lines.py"],
    ["./pkg/lines.py", "pkg/lines.py"], ["nothere.py"], ["pkg"], ["--keep-combined"],
    ["--debug=combine"], ["--contexts=x"], ["--pretty-print"], ["--fail-under=x"],
]


@pytest.mark.parametrize("args", COMMON, ids=ids(COMMON))
def test_lines(lines_data, tmp_path, args):
    compare(tmp_path, *lines_data, args)


@pytest.mark.parametrize("args", COMMON, ids=ids(COMMON))
def test_branch(branch_data, tmp_path, args):
    compare(tmp_path, *branch_data, args)


ERROR_CASES = [
    ("broken", []), ("broken", ["-i"]), ("broken", ["--omit=*broken*,*tool"]), ("gone", []),
    ("gone", ["-i"]), ("dir", []), ("dir", ["-i"]), ("all", ["-i"]), ("all", ["--include=*/pkg/*"]),
]


@pytest.mark.parametrize("kind,args", ERROR_CASES, ids=[f"{k}:{' '.join(a)}" for k, a in ERROR_CASES])
@pytest.mark.parametrize("data", ["lines_data", "branch_data"])
def test_source_errors(request, data, tmp_path, kind, args):
    src, shards = request.getfixturevalue(data)
    with mutated(src, kind):
        compare(tmp_path, src, shards, args)


CONFIGS = [
    "[lcov]\nline_checksums = true\n",
    "[lcov]\noutput = sub/dir/report.lcov\n",
    "[report]\nskip_empty = true\n",
    "[report]\nskip_empty = true\n[lcov]\nline_checksums = true\n",
    "[report]\nprecision = 3\nfail_under = 99.99\n",
    "[report]\ninclude = */pkg/*\nomit = */pkg/mod*\n",
    "[report]\nexclude_also =\n    noqa: EXCL\n    if __name__ == .__main__.:\n    def dup\n",
    "[report]\nexclude_lines =\n    while True\npartial_branches =\n    if i > 100\n",
    "[report]\nignore_errors = true\ncontexts = nomatch\n",
]


@pytest.mark.parametrize("rc_text", CONFIGS, ids=range(len(CONFIGS)))
@pytest.mark.parametrize("data", ["lines_data", "branch_data"])
def test_config(request, data, tmp_path, rc_text):
    out = "sub/dir/report.lcov" if "output =" in rc_text else "out.lcov"
    rc = rc_text.replace("output = ", f"output = {tmp_path}/run/") if "output =" in rc_text else rc_text
    compare(tmp_path, *request.getfixturevalue(data), [], rc_text=rc, out=out)


def test_default_output_name(branch_data, tmp_path):
    """No -o: coverage.lcov in the current directory."""
    compare(tmp_path, *branch_data, ["-q"], in_tree=True, out="coverage.lcov")


@pytest.mark.parametrize("rc_text", ["", "[report]\ncontexts = ctxA\n"])
def test_contexts_are_not_narrowed(context_data, tmp_path, rc_text):
    compare(tmp_path, *context_data, [], rc_text=rc_text)


def test_line_contexts(line_context_data, tmp_path):
    compare(tmp_path, *line_context_data, [])


@pytest.mark.parametrize("args", [[], ["pkg/lines.py"], ["--omit=pkg/*"]], ids=ids([[], ["f"], ["o"]]))
def test_relative_files(relative_data, tmp_path, args):
    compare(tmp_path, *relative_data, args, rc_text="[run]\nrelative_files = true\n", in_tree=True)


def test_paths_remap(remote_data, tmp_path):
    src, shards = remote_data
    ci = src.parent / "ci" / "proj"
    compare(tmp_path, src, shards, [], rc_text=f"[paths]\nsource =\n    {src}\n    {ci}\n")


def test_other_pythons(other_python_data, tmp_path):
    src, shards, version = other_python_data
    for i, args in enumerate([[], ["-i"]]):
        with mutated(src, "broken" if args == ["-i"] else "none"):
            compare(tmp_path / str(i), src, shards, args, version=version,
                    rc_text="[lcov]\nline_checksums = true\n")


def test_no_data(tmp_path, lines_data):
    src, _ = lines_data
    empty = tmp_path / "empty"
    empty.mkdir()
    compare(tmp_path, src, empty, [])


def test_failed_report_deletes_its_file(branch_data, tmp_path):
    def stale(d):
        (d / "out.lcov").write_text("old report\n")
    compare(tmp_path, *branch_data, ["--omit=*"], setup=stale)


def test_output_is_a_directory(branch_data, tmp_path):
    def make_dir(d):
        (d / "out.lcov").mkdir()
        (d / "out.lcov" / "keep").write_text("x")
    compare(tmp_path, *branch_data, [], setup=make_dir)


def test_unusual_names(tmp_path):
    """Control characters in a file name and in a function name become '?' (lcov_field)."""
    src = tmp_path / "proj"
    src.mkdir()
    (src / "new\nline.py").write_text("def f():\n    return 1\n\n\nf()\n")
    (src / "tab\tname.py").write_text("X = 1\nif X:\n    X = 2\n")
    shards = tmp_path / "shards"
    shards.mkdir()
    (src / "go.py").write_text("import runpy\nrunpy.run_path('new\\nline.py')\nrunpy.run_path('tab\\tname.py')\n")
    record(src, shards, ["go.py"], ["--branch"])
    compare(tmp_path / "a", src, shards, [])


def test_line_checksums_over_rare_line_ends(tmp_path):
    """str.splitlines() also ends lines at \\v, \\x1c-\\x1e, \\x85, U+2028 and U+2029, so the
    source lines coverage.py hashes shift after one; native analysis must split the same way."""
    src = tmp_path / "proj"
    src.mkdir()
    (src / "odd.py").write_text("X = 1  # a\vb\n# c\x1cd\u2028e\u2029f\x85g\nY = X\nif Y:\n    Z = 2\n",
                                encoding="utf-8")
    shards = tmp_path / "shards"
    shards.mkdir()
    record(src, shards, ["odd.py"], ["--branch"])
    compare(tmp_path / "a", src, shards, [], rc_text="[lcov]\nline_checksums = true\n")


def test_help_matches_coverage():
    ref = subprocess.run([str(venv_python(PY).parent / "coverage"), "help", "lcov"],
                         capture_output=True, text=True).stdout
    ours = subprocess.run([COVALESCE, "help", "lcov"], capture_output=True, text=True).stdout
    assert strip_our_options(ours) == ref.rstrip("\n")


def test_help_topic_lists_the_command():
    ours = subprocess.run([COVALESCE, "help"], capture_output=True, text=True).stdout
    assert "    lcov        Create an LCOV report of coverage results.\n" in ours


@pytest.mark.skipif(not shutil.which("genhtml"), reason="lcov's genhtml is not installed (apt-get install lcov)")
def test_genhtml_reads_it(branch_data, tmp_path):
    """A real consumer: genhtml turns covalesce's LCOV into HTML, with the same summary as for
    coverage.py's (line, function and branch counts)."""
    src, shards = branch_data
    # Names with a character that lcov_field turns into '?' would not be found by genhtml.
    ref, ours = compare(tmp_path, src, shards, ["-o", "-", "--omit=*nb*,*tab*"],
                        rc_text="[lcov]\nline_checksums = true\n")
    summaries = []
    for name, res in (("ref", ref), ("ours", ours)):
        lcov = tmp_path / f"{name}.lcov"
        lcov.write_text(res["raw_out"].split("Wrote")[0])
        p = subprocess.run(["genhtml", "--branch-coverage", "-o",
                            str(tmp_path / f"html-{name}"), str(lcov)], cwd=src,
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        summary = [l for l in p.stdout.splitlines() if l.strip().startswith(("lines", "functions", "branches"))]
        assert len(summary) == 3, p.stdout
        summaries.append(summary)
    assert summaries[0] == summaries[1]
    assert "lines......: 0.0%" not in summaries[1][0]


@pytest.mark.skipif(not (WORKLOAD / "coveragerc").exists(), reason="no stdlib workload (bench/make_workload.py)")
@pytest.mark.parametrize("rc_extra", ["", "[lcov]\nline_checksums = true\n"])
def test_stdlib_workload_slice(tmp_path, rc_extra):
    """A slice of the real standard-library test-suite shards (the workload measures a path
    that is now a directory, so both need -i)."""
    shards, rc = workload_slice(tmp_path)
    compare(tmp_path, tmp_path, shards, ["-i"], rc_text=rc + rc_extra)
