"""Differential tests for `covalesce report`: real shards recorded by coverage.py 7.17.3
(lines and branches, contexts, excluded code, partial branches, an unparsable file, a file
deleted after the run, a measured path that is now a directory, a non-Python file, unusual
file names, relative_files, [paths]) reported by `coverage report` and `covalesce report`
on identical copies of the data. Exit status, stdout and stderr (Python's warning framing
aside) must be byte-identical, and the same data files must remain afterwards."""
import contextlib
import os
import pathlib
import re
import shutil
import sqlite3
import subprocess
import sys

import pytest

from conftest import venv_python

PY = "3.11"
COUNT = {"compared": 0}

# ---- the measured program ----------------------------------------------------------------

SOURCES = {
    "pkg/__init__.py": "",
    "pkg/lines.py": '''\
import os


def classify(n):
    if n < 0:
        return "neg"
    elif n == 0:
        return "zero"
    for i in range(n):
        if i > 100:
            break
    else:
        pass
    while n > 10:
        n -= 10
    return "pos"


def never():  # pragma: no cover
    return 1


def partial(x):
    if x:  # pragma: no branch
        y = 1
    return x


class Thing:
    def method(self, a,
               b):
        total = (a +
                 b)
        with open(os.devnull) as f:
            pass
        return total

    def unused(self):
        return [x for x in range(3)
                if x]


def loop_forever(k):
    while True:
        k += 1
        if k > 3:
            return k


if __name__ == "__main__":  # never true here
    classify(1)
''',
    "pkg/full.py": "def one():\n    return 1\n\n\nVALUE = one()\n",
    "pkg/empty.py": "# nothing to run here\n",
    "pkg/mod2.py": "A = 2\nif A > 5:\n    A = 5\n",
    "pkg/mod10.py": "B = 10\nif B > 5:\n    B = 5\nelse:\n    B = 0\n",
    "pkg/broken.py": "def f():\n    return 1\n\n\nf()\n",
    "pkg/gone.py": "def g():\n    return 2\n\n\ng()\n",
    "pkg/dirmod.py": "D = 1\n",
    "pkg/excl.py": "def h(x):\n    if x:\n        return 1  # noqa: EXCL\n    return 2\n\n\nh(0)\nh(1)\n",
    "pkg/sp ace.py": "S = 1\nif S:\n    S = 2\n",
    "pkg/quo'te.py": "Q = 1\n",
    "pkg/\u00fcn\u00ef.py": "U = 1\nif not U:\n    U = 0\n",
    "pkg/nb\u00a0sp.py": "N = 1\n",
    "pkg/tab\tname.py": "T = 1\n",
    "prog.txt": "P = 1\nif P:\n    P = 2\n",
    "tool": "Z = 1\n",
    "main.py": '''\
import importlib.util
import runpy
import sys

from pkg import broken, dirmod, empty, excl, full, gone, lines, mod2, mod10

for name in ["sp ace", "quo'te", "\\u00fcn\\u00ef", "nb\\u00a0sp", "tab\\tname"]:
    spec = importlib.util.spec_from_file_location("m" + str(abs(hash(name))), f"pkg/{name}.py")
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
runpy.run_path("prog.txt")
runpy.run_path("tool")

for arg in sys.argv[1:]:
    if arg == "t":
        lines.Thing().method(1, 2)
    elif arg == "p":
        lines.partial(0)
    elif arg == "w":
        lines.loop_forever(0)
    else:
        lines.classify(int(arg))
''',
    "tests_runner.py": '''\
import sys

from pkg import lines


def test_neg():
    lines.classify(-1)


def test_big():
    lines.classify(25)


def test_thing():
    lines.Thing().method(1, 2)


if __name__ == "__main__":
    for name, fn in sorted(globals().items()):
        if name.startswith("test_") and (sys.argv[1:] == [] or name in sys.argv[1:]):
            fn()
''',
}

RUNS = [["main.py", "5"], ["main.py", "-1", "t"], ["main.py", "0", "p", "w"], ["main.py", "12"]]


def write_tree(root):
    for rel, text in SOURCES.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def record(src, shard_dir, args, coverage_args=(), rcfile=None, version=PY):
    cmd = [str(venv_python(version)), "-m", "coverage", "run", "-p",
           f"--data-file={shard_dir}/.coverage", *coverage_args]
    if rcfile:
        cmd.append(f"--rcfile={rcfile}")
    subprocess.run(cmd + args, cwd=src, check=True, capture_output=True)


def make_dataset(tmp_path_factory, name, coverage_args=(), rc_text=None, runs=RUNS, version=PY,
                 record_dir=None):
    """A source tree and the shards recorded from it (or from a copy at record_dir)."""
    base = tmp_path_factory.mktemp(name)
    src = base / "proj"
    write_tree(src)
    shards = base / "shards"
    shards.mkdir()
    rc = None
    if rc_text:
        rc = base / "record.ini"
        rc.write_text(rc_text)
    where = src
    if record_dir:
        where = base / record_dir
        write_tree(where)
    for r in runs:
        if isinstance(r, tuple):
            r, extra = r
        else:
            extra = ()
        record(where, shards, r, [*coverage_args, *extra], rc, version)
    return src, shards


@pytest.fixture(scope="session")
def lines_data(tmp_path_factory):
    return make_dataset(tmp_path_factory, "lines")


@pytest.fixture(scope="session")
def branch_data(tmp_path_factory):
    return make_dataset(tmp_path_factory, "branch", ["--branch"])


@pytest.fixture(scope="session")
def context_data(tmp_path_factory):
    rc = "[run]\nbranch = true\ndynamic_context = test_function\n"
    runs = [(["tests_runner.py"], ()), (["tests_runner.py", "test_big"], ("--context=ctxB",)),
            (["main.py", "3"], ("--context=ctxA",))]
    return make_dataset(tmp_path_factory, "contexts", rc_text=rc, runs=runs)


@pytest.fixture(scope="session")
def relative_data(tmp_path_factory):
    return make_dataset(tmp_path_factory, "relative", ["--branch"],
                        rc_text="[run]\nrelative_files = true\n")


@pytest.fixture(scope="session")
def remote_data(tmp_path_factory):
    """Recorded in another directory ("ci/proj"), reported where the sources are now."""
    return make_dataset(tmp_path_factory, "remote", ["--branch"], record_dir="ci/proj")


@pytest.fixture(scope="session", params=["3.12", "3.13"])
def other_python_data(request, tmp_path_factory):
    version = request.param
    src, shards = make_dataset(tmp_path_factory, "py" + version.replace(".", ""), ["--branch"],
                               version=version)
    return src, shards, version


# ---- running both tools --------------------------------------------------------------------

def normalize_stderr(text):
    """Python's warning framing off, so both tools' warnings read "CoverageWarning: ...", and
    covalesce's own "covalesce: ..." notices (which analyser answered for which file) left out:
    the tests that need them look at them directly."""
    out = []
    for line in text.splitlines():
        m = re.match(r"^.*\.py:\d+: (CoverageWarning: .*)$", line)
        if line.startswith("covalesce: "):
            continue
        if m:
            out.append(m.group(1))
        elif line.startswith("  ") and out and out[-1].startswith("CoverageWarning"):
            continue
        else:
            out.append(line)
    if any(l.startswith("Traceback (most recent call last):") for l in out):
        out = ["Traceback (most recent call last):", out[-1]]  # only the exception line
    text = "\n".join(out)
    return text.replace("'coverage help'", "'<prog> help'").replace("'covalesce help'", "'<prog> help'")


def listing(d):
    return sorted(str(p.relative_to(d)) for p in pathlib.Path(d).rglob("*")
                  if p.is_file() and ".covalesce_cache" not in p.parts)


def run(cmd, cwd, tool_dir, env=None):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, env={**os.environ, **(env or {})})
    out = p.stdout.decode("utf-8", "surrogateescape").replace(str(tool_dir), "<DIR>")
    err = normalize_stderr(p.stderr.decode("utf-8", "surrogateescape")).replace(str(tool_dir), "<DIR>")
    return p.returncode, out, err


def compare(tmp_path, src, shards, args, rc_text="", version=PY, setup=None, in_tree=False,
            data_name=".coverage", env=None, ours_extra=(), check_files=True, stdout_only=False):
    """Copies `shards` twice, runs `coverage report ARGS` and `covalesce report ARGS`, and
    asserts they agree. With in_tree, the sources are copied too and both run inside the copy
    (for relative file names); otherwise both run in `src` with --data-file pointing at their
    copy of the shards."""
    results = {}
    for tool in ("coverage", "covalesce"):
        d = tmp_path / "run"  # the same path for both tools, so messages name the same files
        if in_tree:
            shutil.copytree(src, d)
            for p in shards.iterdir():
                shutil.copy(p, d / p.name)
            cwd = d
        else:
            shutil.copytree(shards, d)
            cwd = src
        (d / "rc.ini").write_text(rc_text)
        if setup:
            setup(d)
        common = [f"--rcfile={d}/rc.ini"]
        if not in_tree or data_name != ".coverage":
            common.append(f"--data-file={d}/{data_name}")
        if tool == "coverage":
            cmd = [str(venv_python(version)), "-m", "coverage", "report", *common, *args]
        else:
            cmd = [COVALESCE, "report", *common, f"--python={venv_python(version)}", *ours_extra, *args]
        rc, out, err = run(cmd, cwd, d, env)
        results[tool] = dict(rc=rc, out=out, err=err, files=listing(d))
        d.rename(tmp_path / tool)
    ref, ours = results["coverage"], results["covalesce"]
    COUNT["compared"] += 1
    if os.environ.get("COVALESCE_SHOW"):  # to see what a scenario produces
        print(f"\n=== {args} exit {ref['rc']}\n{ref['out']}--- stderr\n{ref['err']}")
    assert ours["out"] == ref["out"], (ref["err"], ours["err"])
    assert ours["rc"] == ref["rc"], (ref, ours)
    if not stdout_only:
        assert ours["err"] == ref["err"]
    if check_files:
        assert ours["files"] == ref["files"]
    return ref, ours


@pytest.fixture(scope="session", autouse=True)
def covalesce_exe(covalesce):
    global COVALESCE
    COVALESCE = covalesce
    yield
    print(f"\n{COUNT['compared']} report invocations compared with coverage.py", file=sys.stderr)


@contextlib.contextmanager
def mutated(src, kind):
    """Changes the sources after recording: a syntax error, a deleted file, a directory where
    a measured file was, a non-Python text file. Restores them afterwards."""
    saved = {}
    try:
        if kind in ("broken", "all"):
            p = src / "pkg/broken.py"
            saved[p] = p.read_text()
            p.write_text("def f(:\n    return 1\n")
            p = src / "prog.txt"
            saved[p] = p.read_text()
            p.write_text("this is not python at all\n")
            p = src / "tool"
            saved[p] = p.read_text()
            p.write_text("Z = = 1\n")
        if kind in ("gone", "all"):
            p = src / "pkg/gone.py"
            saved[p] = p.read_text()
            p.unlink()
        if kind in ("dir", "all"):
            p = src / "pkg/dirmod.py"
            saved[p] = p.read_text()
            p.unlink()
            p.mkdir()
        yield
    finally:
        for p, text in saved.items():
            if p.is_dir():
                p.rmdir()
            p.write_text(text)


# ---- option combinations -------------------------------------------------------------------

COMMON = [
    [], ["-m"], ["--skip-covered"], ["--skip-empty"], ["--skip-covered", "--skip-empty", "-m"],
    ["--precision=2"], ["--precision=1", "-m", "--format=markdown"], ["--format=markdown"],
    ["--format=markdown", "--skip-covered", "--skip-empty"], ["--format=total"],
    ["--format=total", "--precision=3"], ["--sort=cover"], ["--sort=-cover", "-m"],
    ["--sort=stmts"], ["--sort=-miss"], ["--sort=Name"], ["--sort=-name"], ["--sort=+miss"],
    ["--sort=bogus"], ["--format=total", "--sort=bogus"], ["--format=bogus"],
    ["--precision=-1"], ["--fail-under=50"], ["--fail-under=99.5", "--precision=1"],
    ["--fail-under=100"], ["--fail-under=101"], ["--fail-under=0.125"],
    ["--include=*/pkg/*"], ["--omit=*mod*,*quo*"], ["--include=pkg/lines.py"], ["--omit=*"],
    ["--include=[z-a]"], ["--omit=***"], ["-i", "-m"], ["--skip-covered", "--no-skip-covered"],
    ["pkg/lines.py", "pkg/full.py"], ["./pkg/lines.py", "pkg/lines.py"], ["nothere.py"],
    ["pkg/full.py", "main.py", "--format=markdown"], ["pkg/full.pyc"],
    ["--debug=combine"], ["--keep-combined"], ["tests_runner.py", "-m"], ["pkg"],
    ["pkg/lines.py", "pkg/lines.py", "--sort=-name"],
]
BRANCH_ONLY = [["--sort=branch"], ["--sort=-brpart", "-m"], ["--precision=4", "-m", "--sort=cover"]]


def ids(combos):
    return [" ".join(c) or "(none)" for c in combos]


@pytest.mark.parametrize("args", COMMON, ids=ids(COMMON))
def test_lines(lines_data, tmp_path, args):
    compare(tmp_path, *lines_data, args)


@pytest.mark.parametrize("args", COMMON + BRANCH_ONLY, ids=ids(COMMON + BRANCH_ONLY))
def test_branch(branch_data, tmp_path, args):
    compare(tmp_path, *branch_data, args)


ERROR_CASES = [
    ("broken", []), ("broken", ["-i"]), ("broken", ["-i", "-m", "--skip-covered"]),
    ("broken", ["--omit=*broken*,*tool"]), ("broken", ["--include=*prog.txt"]),
    ("gone", []), ("gone", ["-i"]), ("gone", ["pkg/gone.py"]),
    ("dir", []), ("dir", ["-i", "-m"]),
    ("all", ["-i"]), ("all", ["-i", "--format=total"]), ("all", ["--include=*/pkg/*"]),
]


@pytest.mark.parametrize("kind,args", ERROR_CASES, ids=[f"{k}:{' '.join(a)}" for k, a in ERROR_CASES])
@pytest.mark.parametrize("data", ["lines_data", "branch_data"])
def test_source_errors(request, data, tmp_path, kind, args):
    src, shards = request.getfixturevalue(data)
    with mutated(src, kind):
        compare(tmp_path, src, shards, args)


def test_ignore_errors_from_config_and_disabled_warning(branch_data, tmp_path):
    src, shards = branch_data
    with mutated(src, "all"):
        compare(tmp_path, src, shards, ["-m"], rc_text="[report]\nignore_errors = true\n")
        compare(tmp_path / "2", src, shards, [],
                rc_text="[report]\nignore_errors = true\n[run]\ndisable_warnings = couldnt-parse\n")


CONFIGS = [
    "[report]\nshow_missing = true\nskip_covered = true\nprecision = 1\n",
    "[report]\nsort = -Cover\nformat = markdown\n",
    "[report]\nformat = total\nprecision = 2\nfail_under = 99.99\n",
    "[report]\ninclude = */pkg/*\nomit = */pkg/mod*\n",
    "[report]\nexclude_also =\n    noqa: EXCL\n    if __name__ == .__main__.:\nshow_missing = true\n",
    "[report]\nexclude_lines =\n    while True\npartial_branches =\n    if i > 100\nshow_missing = true\n",
    "[report]\nskip_empty = true\nfail_under = 90\n",
    "[report]\nsort = bogus\n",
    "[run]\nparallel = true\n",
    "[report]\nprecision = 2\n",
    "[report]\nfoo = 1\nshow_missing = yes\n",
]


@pytest.mark.parametrize("rc_text", CONFIGS, ids=range(len(CONFIGS)))
@pytest.mark.parametrize("data", ["lines_data", "branch_data"])
def test_config(request, data, tmp_path, rc_text):
    compare(tmp_path, *request.getfixturevalue(data), ["-m"] if "sort = b" in rc_text else [],
            rc_text=rc_text)


def test_precision_on_command_line_beats_config(branch_data, tmp_path):
    compare(tmp_path, *branch_data, ["--precision=3", "--fail-under=95.5"],
            rc_text="[report]\nprecision = 1\nfail_under = 10\n")


CONTEXT_ARGS = [[], ["--contexts=ctxA", "-m"], ["--contexts=ctxA,ctxB", "-m"],
                ["--contexts=test_big", "-m"], ["--contexts=^tests_runner\\.test_(neg|thing)$", "-m"],
                ["--contexts=nomatch", "-m", "--skip-covered"], ["--contexts=("],
                ["--contexts=ctx", "--format=total"]]


@pytest.mark.parametrize("args", CONTEXT_ARGS, ids=ids(CONTEXT_ARGS))
def test_contexts(context_data, tmp_path, args):
    compare(tmp_path, *context_data, args)


def test_contexts_from_config(context_data, tmp_path):
    compare(tmp_path, *context_data, ["-m"], rc_text="[report]\ncontexts = ctxB\n    test_neg\n")


RELATIVE_ARGS = [[], ["-m"], ["--skip-covered", "-m"], ["pkg/lines.py"], ["--include=pkg/*"],
                 ["--omit=pkg/*"], ["--format=markdown", "--sort=-stmts"]]


@pytest.mark.parametrize("args", RELATIVE_ARGS, ids=ids(RELATIVE_ARGS))
def test_relative_files(relative_data, tmp_path, args):
    """relative_files data, reported from a copy of the tree (paths are relative), using the
    default data file in the current directory."""
    compare(tmp_path, *relative_data, args, rc_text="[run]\nrelative_files = true\n", in_tree=True)


def test_relative_data_without_relative_files(relative_data, tmp_path):
    compare(tmp_path, *relative_data, ["-m"], in_tree=True)


REMOTE_ARGS = [["-m"], ["--include=*/pkg/*", "--skip-covered"], ["--debug=pathmap"]]


@pytest.mark.parametrize("args", REMOTE_ARGS, ids=ids(REMOTE_ARGS))
def test_paths_remap(remote_data, tmp_path, args):
    src, shards = remote_data
    ci = src.parent / "ci" / "proj"
    rc = f"[paths]\nsource =\n    {src}\n    {ci}\n"
    compare(tmp_path, src, shards, args, rc_text=rc)


def test_no_paths_remap_means_missing_sources(remote_data, tmp_path):
    src, shards = remote_data
    compare(tmp_path, src, shards, ["-i"])


def test_other_pythons(other_python_data, tmp_path):
    src, shards, version = other_python_data
    for i, args in enumerate([["-m"], ["--format=markdown", "--sort=-cover"], ["-i"]]):
        with mutated(src, "broken" if args == ["-i"] else "none"):
            compare(tmp_path / str(i), src, shards, args, version=version)


def test_python_from_path(branch_data, tmp_path):
    """No --python: `python3` on PATH is the user's python."""
    src, shards = branch_data
    env = {"PATH": f"{venv_python(PY).parent}:{os.environ['PATH']}"}
    results = []
    for tool in ("coverage", "covalesce"):
        d = tmp_path / tool
        shutil.copytree(shards, d)
        cmd = ([str(venv_python(PY)), "-m", "coverage"] if tool == "coverage" else [COVALESCE])
        results.append(run(cmd + ["report", "-m", f"--data-file={d}/.coverage"], src, d, env))
    assert results[0] == results[1]


# ---- the data side ---------------------------------------------------------------------------

def test_no_data(tmp_path, lines_data):
    src, _ = lines_data
    empty = tmp_path / "empty"
    empty.mkdir()
    compare(tmp_path, src, empty, [])
    compare(tmp_path / "2", src, empty, ["--contexts=x"])


def test_existing_data_file_and_new_shards(branch_data, tmp_path):
    src, shards = branch_data

    def first_half(d):
        found = sorted(p for p in d.iterdir() if p.name.startswith(".coverage."))
        subprocess.run([str(venv_python(PY)), "-m", "coverage", "combine", *map(str, found[:2])],
                       cwd=d, check=True, capture_output=True)
    compare(tmp_path, src, shards, ["-m"], setup=first_half)


def test_only_data_file(branch_data, tmp_path):
    src, shards = branch_data

    def combined(d):
        subprocess.run([str(venv_python(PY)), "-m", "coverage", "combine"], cwd=d, check=True,
                       capture_output=True)
    compare(tmp_path, src, shards, ["-m"], setup=combined)


def test_bad_and_duplicate_shards(branch_data, tmp_path):
    src, shards = branch_data

    def spoil(d):
        first = sorted(p for p in d.iterdir() if p.name.startswith(".coverage."))[0]
        (d / ".coverage.bad").write_text("hi\n")
        shutil.copy(first, d / ".coverage.copy")
    compare(tmp_path, src, shards, [], setup=spoil)


def test_lines_and_branch_shards_dont_mix(lines_data, branch_data, tmp_path):
    src, shards = branch_data

    def add_lines(d):
        for p in lines_data[1].iterdir():
            shutil.copy(p, d / p.name)
    compare(tmp_path, src, shards, [], setup=add_lines, check_files=False)


def test_corrupt_data_file(branch_data, tmp_path):
    src, shards = branch_data
    empty = tmp_path / "e"
    empty.mkdir()

    def corrupt(d):
        (d / ".coverage").write_text("this is not a database\n")
    compare(tmp_path, src, empty, [], setup=corrupt)


def test_other_data_file_name(branch_data, tmp_path):
    src, shards = branch_data

    def rename(d):
        for p in list(d.iterdir()):
            if p.name.startswith(".coverage"):
                p.rename(d / p.name.replace(".coverage", "cov.data", 1))
    compare(tmp_path, src, shards, ["-m"], setup=rename, data_name="cov.data")


def test_plugin_tracer_without_plugin(branch_data, tmp_path):
    src, shards = branch_data

    def add_tracer(d):
        for p in d.iterdir():
            if p.name.startswith(".coverage."):
                con = sqlite3.connect(p)
                con.execute("insert into tracer (file_id, tracer) select id, 'my.plugin' from file "
                            "where path like '%full.py'")
                con.commit()
                con.close()
    compare(tmp_path, src, shards, [], setup=add_tracer)


def test_cache_gives_the_same_report(branch_data, tmp_path):
    src, shards = branch_data
    d = tmp_path / "c"
    shutil.copytree(shards, d)
    cmd = [COVALESCE, "report", "-m", "--keep-combined", f"--data-file={d}/.coverage",
           f"--python={venv_python(PY)}", "--timings"]
    first = subprocess.run(cmd, cwd=src, capture_output=True, text=True)
    second = subprocess.run(cmd, cwd=src, capture_output=True, text=True)
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout
    assert (d / ".covalesce_cache").is_dir()
    none = subprocess.run(cmd + ["--no-cache"], cwd=src, capture_output=True, text=True)
    assert none.stdout == first.stdout
    phases = [l.split()[1] for l in first.stderr.splitlines() if l.startswith("timings:")]
    for phase in ("discover", "write", "select", "analysis", "results", "total"):
        assert phase in phases, first.stderr
    # Without --keep-combined the shards are deleted after the write: both timed.
    e = tmp_path / "e"
    shutil.copytree(shards, e)
    p = subprocess.run([COVALESCE, "report", f"--data-file={e}/.coverage", f"--python={venv_python(PY)}",
                        "--timings"], cwd=src, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    phases = [l.split()[1] for l in p.stderr.splitlines() if l.startswith("timings:")]
    assert "write" in phases and "delete" in phases, p.stderr


def test_python_fallback_gives_the_same_report(branch_data, tmp_path):
    src, shards = branch_data
    compare(tmp_path, src, shards, ["-m"], ours_extra=["--analysis=python"])


def test_line_reports_need_no_python(lines_data, tmp_path):
    """Native analysis answers for line data on its own: no interpreter is ever run."""
    src, shards = lines_data
    compare(tmp_path, src, shards, ["-m"], ours_extra=["--python=/nonexistent/python3", "--python-version=3.11"])


def test_unmodelled_version_uses_the_fallback_with_a_notice(lines_data, tmp_path):
    src, shards = lines_data
    compare(tmp_path, src, shards, ["-m"], ours_extra=["--python-version=3.10"])
    d = tmp_path / "again"
    shutil.copytree(shards, d)
    p = subprocess.run([COVALESCE, "report", f"--data-file={d}/.coverage", f"--python={venv_python(PY)}",
                        "--python-version=3.10"], cwd=src, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stderr.splitlines()[1] == (
        "covalesce: Python 3.10 (from --python-version) has no native model (3.11, 3.12, 3.13): "
        "analysing with coverage.py itself (--analysis=python)"), p.stderr


def test_help_matches_coverage():
    ref = subprocess.run([str(venv_python(PY).parent / "coverage"), "help", "report"],
                         capture_output=True, text=True).stdout
    ours = subprocess.run([COVALESCE, "help", "report"], capture_output=True, text=True).stdout
    ours_lines, skipping = [], False
    for line in ours.splitlines():
        if re.match(r"  --(analysis|no-cache|python|python-version|timings)\b", line):
            skipping = True
            continue
        if skipping and line.startswith("                        "):
            continue
        skipping = False
        ours_lines.append(line)
    assert "\n".join(ours_lines).replace("covalesce", "coverage") == ref.rstrip("\n")


@pytest.mark.parametrize("args", [["--foo"], ["--precision=x"], ["--fail-under=x"], ["--sort"],
                                  ["-x"], ["--skip"]])
def test_usage_errors(tmp_path, lines_data, args):
    src, shards = lines_data
    compare(tmp_path, src, shards, args)


WORKLOAD = pathlib.Path(os.environ.get("COVALESCE_WORKLOAD",
                                       pathlib.Path.home() / ".cache/covalesce/workload/stdlib-339"))


@pytest.mark.skipif(not (WORKLOAD / "coveragerc").exists(), reason="no stdlib workload (bench/make_workload.py)")
@pytest.mark.parametrize("args", [["-m", "-i"], ["-m"], ["--format=markdown", "-i", "--sort=-cover",
                                                           "--include=*/json/*,*/email/*"]])
def test_stdlib_workload_slice(tmp_path, args):
    """A slice of the real standard-library test-suite shards (the workload measures a path
    that is now a directory, so without -i both tools stop at it)."""
    shards = tmp_path / "slice"
    shards.mkdir()
    for p in sorted(WORKLOAD.glob(".coverage.*"))[:12]:
        shutil.copy(p, shards / p.name)
    rc = (WORKLOAD / "coveragerc").read_text().replace(f"data_file = {WORKLOAD}/.coverage", "")
    compare(tmp_path, tmp_path, shards, args, rc_text=rc)
