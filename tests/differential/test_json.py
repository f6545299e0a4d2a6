"""Differential tests for `covalesce json`: real shards recorded by coverage.py 7.17.3 (the
report tests' program plus a module of nested, decorated, duplicated and conditional
functions and classes), reported by `coverage json` and `covalesce json` on identical copies
of the data. The report file (or stdout with -o -), exit status, stdout, stderr and the files
left behind must be identical, apart from the two meta fields that name the producer:
meta.version (covalesce's version) and meta.timestamp. coverage.py writes --show-contexts'
per-line lists in no fixed order; covalesce writes them sorted, so coverage.py's are sorted
before comparing, and everything else still compares byte for byte.

The machinery here (datasets, run_both) is shared with test_lcov.py."""
import collections
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from conftest import venv_python
from test_report import RUNS, SOURCES, listing, mutated, normalize_stderr

PY = "3.11"
COUNT = collections.Counter()

# ---- the measured program: the report tests' tree plus regions of every shape ---------------

REGIONS = '''\
import asyncio
import functools


def deco(fn):
    @functools.wraps(fn)
    def wrapper(*a, **k):
        return fn(*a, **k)
    return wrapper


@deco
def decorated(x):
    if x:
        return 1
    return 2


def outer(n):
    def inner(m):
        if m > 1:
            return m
        return -m

    class Local:
        def meth(self):
            return inner(n)

    return Local().meth()


class Outer:
    X = 1

    class Inner:
        def deep(self):
            return 1

        def unused(self):
            return 2

    def method(self):
        return self.Inner().deep()

    @property
    def prop(self):
        return 3

    @staticmethod
    def static():
        return 4


def dup():
    return 1


def dup():
    return 2


class Empty:
    pass


class Twice:
    def f(self):
        return 1


class Twice:
    def f(self):
        return 2


async def coro(flag):
    if flag:
        return 5
    return 6


def excluded_fn():  # pragma: no cover
    return 6


def one_liner(): return 7


def empty_body():
    """Only a docstring."""


if True:
    def conditional():
        return 8
else:
    def conditional():
        return 9


lam = lambda: 10  # noqa: E731


def gen(n):
    for i in range(n):
        if i % 2:
            yield i


def \u00fcber():
    return "\\u00fc\\u00e9\\U0001f600"
'''

REGIONS_MAIN = '''\
import asyncio
import sys

from pkg import regions as r

r.decorated(sys.argv[1:] == ["a"])
r.outer(3)
r.Outer().method()
r.dup()
asyncio.run(r.coro(True))
r.conditional()
r.lam()
list(r.gen(4))
r.\u00fcber()
'''

EXTRA = {"pkg/regions.py": REGIONS, "regions_main.py": REGIONS_MAIN}
ALL_RUNS = RUNS + [["regions_main.py", "a"], ["regions_main.py"]]


def write_tree(root):
    for rel, text in {**SOURCES, **EXTRA}.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def record(src, shard_dir, args, coverage_args=(), rcfile=None, version=PY):
    cmd = [str(venv_python(version)), "-m", "coverage", "run", "-p",
           f"--data-file={shard_dir}/.coverage", *coverage_args]
    if rcfile:
        cmd.append(f"--rcfile={rcfile}")
    subprocess.run(cmd + args, cwd=src, check=True, capture_output=True)


def make_dataset(tmp_path_factory, name, coverage_args=(), rc_text=None, runs=ALL_RUNS, version=PY,
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
        r, extra = r if isinstance(r, tuple) else (r, ())
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
            (["main.py", "3"], ("--context=ctxA",)), (["regions_main.py"], ("--context=ctxR",))]
    return make_dataset(tmp_path_factory, "contexts", rc_text=rc, runs=runs)


@pytest.fixture(scope="session")
def line_context_data(tmp_path_factory):
    runs = [(["main.py", "1"], ("--context=one",)), (["main.py", "-1", "t"], ("--context=two",)),
            (["regions_main.py"], ("--context=two",))]
    return make_dataset(tmp_path_factory, "linectx", runs=runs)


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

def run(cmd, cwd, tool_dir, env=None):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, env={**os.environ, **(env or {})})
    out = p.stdout.decode("utf-8", "surrogateescape")
    err = normalize_stderr(p.stderr.decode("utf-8", "surrogateescape")).replace(str(tool_dir), "<DIR>")
    return p.returncode, out, err


def run_both(tmp_path, command, src, shards, args, rc_text="", version=PY, setup=None,
             in_tree=False, data_name=".coverage", outputs=(), default_out=None, ours_extra=()):
    """Copies `shards` twice, runs `coverage COMMAND ARGS` and `covalesce COMMAND ARGS` in the
    same directory (renamed away after each run), and returns both results: exit status,
    stdout (with the run directory as <DIR>), stderr, the files left and the texts of
    `outputs` (paths relative to the run directory). Unless ARGS has -o, the report goes to
    <run dir>/`default_out`. With in_tree the sources are copied too and both run inside the
    copy; otherwise both run in `src`."""
    results = {}
    for tool in ("coverage", "covalesce"):
        d = tmp_path / "run"
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
        if default_out and output_arg(args) is None:
            common += ["-o", f"{d}/{default_out}"]
        env = {"PYTHONHASHSEED": "0"}  # coverage.py's arc descriptions follow string hashing
        if tool == "coverage":
            cmd = [str(venv_python(version)), "-m", "coverage", command, *common, *args]
        else:
            cmd = [COVALESCE, command, *common, f"--python={venv_python(version)}", *ours_extra, *args]
        rc, out, err = run(cmd, cwd, d, env)
        texts = {}
        for name in outputs:
            p = d / name
            texts[name] = p.read_bytes().decode("utf-8", "surrogateescape") if p.is_file() else None
        results[tool] = dict(rc=rc, out=out.replace(str(d), "<DIR>"), raw_out=out, err=err,
                             files=listing(d), texts=texts)
        d.rename(tmp_path / tool)
    COUNT[command] += 1
    return results["coverage"], results["covalesce"]


def check_common(ref, ours, check_files=True):
    assert ours["rc"] == ref["rc"], (ref, ours)
    assert ours["err"] == ref["err"]
    if check_files:
        assert ours["files"] == ref["files"]


# ---- JSON comparison -------------------------------------------------------------------------

META = re.compile(r'("version": )"[^"]*"(, |,\n +)("timestamp": )"[^"]*"')


def sorted_contexts(obj):
    """coverage.py's report with every "contexts" object in covalesce's order: lines
    ascending, each line's labels sorted."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k == "contexts" and isinstance(v, dict):
                out[k] = {line: sorted(v[line]) for line in sorted(v, key=int)}
            else:
                out[k] = sorted_contexts(v)
        return out
    if isinstance(obj, list):
        return [sorted_contexts(x) for x in obj]
    return obj


def same_json(ref_text, ours_text):
    """Byte comparison, with meta.version and meta.timestamp taken from covalesce's, and with
    the context lists of coverage.py's put in covalesce's order."""
    assert ref_text is not None and ours_text is not None, (ref_text, ours_text)
    ours = json.loads(ours_text)
    assert ours["meta"]["version"] != "7.17.3"  # covalesce names its own version
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?", ours["meta"]["timestamp"])
    ref = json.loads(ref_text)
    if ref["meta"]["show_contexts"]:
        pretty = ref_text.startswith("{\n")
        ref_text = json.dumps(sorted_contexts(ref), indent=4 if pretty else None)
    m = META.search(ours_text)
    assert m, ours_text[:300]
    ref_text = META.sub(lambda r: f'{r.group(1)}"{ours["meta"]["version"]}"{r.group(2)}{r.group(3)}'
                                  f'"{ours["meta"]["timestamp"]}"', ref_text, count=1)
    if ref_text != ours_text:  # a readable difference first
        for i, (a, b) in enumerate(zip(ref_text, ours_text)):
            if a != b:
                break
        else:
            i = min(len(ref_text), len(ours_text))
        assert ours_text[max(0, i - 200):i + 200] == ref_text[max(0, i - 200):i + 200]
    assert ours_text == ref_text


def output_arg(args):
    """The value of -o in ARGS (optparse: "-o X" or "-oX"), or None."""
    for i, a in enumerate(args):
        if a == "-o" and i + 1 < len(args):
            return args[i + 1]
        if a.startswith("-o") and not a.startswith("--"):
            return a[2:]
    return None


def compare(tmp_path, src, shards, args, rc_text="", out="out.json", **kw):
    """`coverage json` vs `covalesce json`: the report (at `out`, or stdout with -o -) and
    everything else the run shows or leaves."""
    ref, ours = run_both(tmp_path, "json", src, shards, args, rc_text, outputs=[out],
                         default_out="out.json" if out == "out.json" else None, **kw)
    check_common(ref, ours)
    if output_arg(args) == "-" and ref["rc"] in (0, 2):
        # The report, with no newline after it, then whatever else was printed.
        end_ref = json.JSONDecoder().raw_decode(ref["raw_out"])[1]
        end_ours = json.JSONDecoder().raw_decode(ours["raw_out"])[1]
        same_json(ref["raw_out"][:end_ref], ours["raw_out"][:end_ours])
        assert ours["raw_out"][end_ours:] == ref["raw_out"][end_ref:]
    else:
        assert ours["out"] == ref["out"], (ref["err"], ours["err"])
        if ref["texts"][out] is None:
            assert ours["texts"][out] is None
        else:
            same_json(ref["texts"][out], ours["texts"][out])
    return ref, ours


@pytest.fixture(scope="session", autouse=True)
def covalesce_exe(covalesce):
    global COVALESCE
    COVALESCE = covalesce
    yield
    for command, n in sorted(COUNT.items()):
        print(f"\n{n} {command} invocations compared with coverage.py", file=sys.stderr)


# ---- scenarios -------------------------------------------------------------------------------

COMMON = [
    [], ["--pretty-print"], ["-q"], ["-o", "-"], ["-o", "-", "--pretty-print"], ["-o-", "-q"],
    ["--fail-under=50"], ["--fail-under=99.5"], ["--fail-under=100", "-q"], ["--fail-under=101"],
    ["--include=*/pkg/*"], ["--omit=*mod*,*quo*"], ["--include=pkg/regions.py", "--pretty-print"],
    ["--omit=*"], ["--include=[z-a]"], ["-i"], ["pkg/lines.py", "pkg/full.py"],
    ["pkg/lines.py", "pkg/lines.py"], ["./pkg/lines.py", "pkg/lines.py"], ["nothere.py"],
    ["pkg"], ["--keep-combined"], ["--debug=combine"], ["--show-contexts"],
    ["--show-contexts", "--pretty-print", "pkg/regions.py"], ["--contexts=("], ["--contexts=nomatch"],
    ["--foo"], ["--fail-under=x"],
]


def ids(combos):
    return [" ".join(c) or "(none)" for c in combos]


@pytest.mark.parametrize("args", COMMON, ids=ids(COMMON))
def test_lines(lines_data, tmp_path, args):
    compare(tmp_path, *lines_data, args)


@pytest.mark.parametrize("args", COMMON, ids=ids(COMMON))
def test_branch(branch_data, tmp_path, args):
    compare(tmp_path, *branch_data, args)


ERROR_CASES = [
    ("broken", []), ("broken", ["-i"]), ("broken", ["-i", "--pretty-print"]),
    ("broken", ["--omit=*broken*,*tool"]), ("gone", []), ("gone", ["-i"]),
    ("dir", []), ("dir", ["-i"]), ("all", ["-i"]), ("all", ["--include=*/pkg/*"]),
]


@pytest.mark.parametrize("kind,args", ERROR_CASES, ids=[f"{k}:{' '.join(a)}" for k, a in ERROR_CASES])
@pytest.mark.parametrize("data", ["lines_data", "branch_data"])
def test_source_errors(request, data, tmp_path, kind, args):
    src, shards = request.getfixturevalue(data)
    with mutated(src, kind):
        compare(tmp_path, src, shards, args)


CONFIGS = [
    "[json]\npretty_print = true\n",
    "[json]\nshow_contexts = true\npretty_print = true\n",
    "[json]\noutput = sub/dir/report.json\n",
    "[report]\nprecision = 2\n",
    "[report]\nprecision = 3\nfail_under = 99.99\n",
    "[report]\nprecision = -1\n",
    "[report]\ninclude = */pkg/*\nomit = */pkg/mod*\n",
    "[report]\nexclude_also =\n    noqa: EXCL\n    if __name__ == .__main__.:\n    def dup\n",
    "[report]\nexclude_lines =\n    while True\npartial_branches =\n    if i > 100\n",
    "[report]\nignore_errors = true\nskip_empty = true\n",
]


@pytest.mark.parametrize("rc_text", CONFIGS, ids=range(len(CONFIGS)))
@pytest.mark.parametrize("data", ["lines_data", "branch_data"])
def test_config(request, data, tmp_path, rc_text):
    out = "sub/dir/report.json" if "output =" in rc_text else "out.json"
    rc = rc_text.replace("output = ", f"output = {tmp_path}/run/") if "output =" in rc_text else rc_text
    compare(tmp_path, *request.getfixturevalue(data), [], rc_text=rc, out=out)


def test_command_line_beats_config(branch_data, tmp_path):
    compare(tmp_path, *branch_data, ["--fail-under=95.5", "-o", "-"],
            rc_text="[report]\nprecision = 1\nfail_under = 10\n[json]\noutput = nowhere.json\n")


def test_default_output_name(branch_data, tmp_path):
    """No -o: coverage.json in the current directory."""
    compare(tmp_path, *branch_data, ["-q"], in_tree=True, out="coverage.json")


CONTEXT_ARGS = [["--show-contexts"], ["--show-contexts", "--pretty-print"],
                ["--show-contexts", "--contexts=ctxA,ctxR"], ["--contexts=test_big"],
                ["--show-contexts", "--contexts=^tests_runner\\.test_(neg|thing)$"],
                ["--show-contexts", "--contexts=nomatch"], []]


@pytest.mark.parametrize("args", CONTEXT_ARGS, ids=ids(CONTEXT_ARGS))
def test_contexts(context_data, tmp_path, args):
    compare(tmp_path, *context_data, args)


@pytest.mark.parametrize("args", [["--show-contexts"], ["--show-contexts", "--contexts=two", "--pretty-print"]])
def test_line_contexts(line_context_data, tmp_path, args):
    compare(tmp_path, *line_context_data, args)


def test_contexts_from_config(context_data, tmp_path):
    compare(tmp_path, *context_data, [],
            rc_text="[report]\ncontexts = ctxB\n    test_neg\n[json]\nshow_contexts = true\n")


RELATIVE_ARGS = [[], ["--pretty-print", "--show-contexts"], ["pkg/lines.py"], ["--include=pkg/*"],
                 ["--omit=pkg/*"]]


@pytest.mark.parametrize("args", RELATIVE_ARGS, ids=ids(RELATIVE_ARGS))
def test_relative_files(relative_data, tmp_path, args):
    compare(tmp_path, *relative_data, args, rc_text="[run]\nrelative_files = true\n", in_tree=True)


@pytest.mark.parametrize("args", [[], ["--include=*/pkg/*", "--pretty-print"]], ids=ids([[], ["inc"]]))
def test_paths_remap(remote_data, tmp_path, args):
    src, shards = remote_data
    ci = src.parent / "ci" / "proj"
    compare(tmp_path, src, shards, args, rc_text=f"[paths]\nsource =\n    {src}\n    {ci}\n")


def test_no_paths_remap_means_missing_sources(remote_data, tmp_path):
    src, shards = remote_data
    compare(tmp_path, src, shards, ["-i"])


def test_other_pythons(other_python_data, tmp_path):
    src, shards, version = other_python_data
    for i, args in enumerate([["--pretty-print"], ["-o", "-"], ["-i"], []]):
        with mutated(src, "broken" if args == ["-i"] else "none"):
            compare(tmp_path / str(i), src, shards, args, version=version)


def test_no_data(tmp_path, lines_data):
    src, _ = lines_data
    empty = tmp_path / "empty"
    empty.mkdir()
    compare(tmp_path, src, empty, [])


def test_failed_report_deletes_its_file(branch_data, tmp_path):
    """coverage.py opens the output first and deletes it when the report fails."""
    def stale(d):
        (d / "out.json").write_text("old report\n")
    compare(tmp_path, *branch_data, ["--omit=*"], setup=stale)
    compare(tmp_path / "2", *branch_data, ["--contexts=("], setup=stale)


def test_output_is_a_directory(branch_data, tmp_path):
    def make_dir(d):
        (d / "out.json").mkdir()
        (d / "out.json" / "keep").write_text("x")
    compare(tmp_path, *branch_data, ["--omit=*"], setup=make_dir)


def test_help_matches_coverage():
    ref = subprocess.run([str(venv_python(PY).parent / "coverage"), "help", "json"],
                         capture_output=True, text=True).stdout
    ours = subprocess.run([COVALESCE, "help", "json"], capture_output=True, text=True).stdout
    assert strip_our_options(ours) == ref.rstrip("\n")


def strip_our_options(text):
    """covalesce's help less the options coverage.py does not have, with coverage's name."""
    lines, skipping = [], False
    for line in text.splitlines():
        if re.match(r"  --(analysis|no-cache|python|python-version|timings)\b", line):
            skipping = True
            continue
        if skipping and line.startswith("                        "):
            continue
        skipping = False
        lines.append(line)
    return "\n".join(lines).replace("covalesce", "coverage")


def test_help_topic_lists_the_command():
    ours = subprocess.run([COVALESCE, "help"], capture_output=True, text=True).stdout
    assert "    json        Create a JSON report of coverage results.\n" in ours


def test_float_repr_and_escapes(tmp_path):
    """Odd numbers of statements make percentages whose repr needs all 17 digits; unusual file
    names need ensure_ascii escapes. A dataset of its own: many small files."""
    src = tmp_path / "proj"
    src.mkdir()
    names = []
    for k in range(1, 30):
        name = f"m{k}\u00e9\U0001f600\"\\.py" if k % 7 == 0 else f"m{k}.py"
        body = "".join(f"x{i} = {i}\nif x{i} > {k % 3}:\n    x{i} = 0\n" for i in range(k))
        (src / name).write_text(body, encoding="utf-8")
        names.append(name)
    (src / "run_all.py").write_text(
        "import runpy, sys\nfor n in sys.argv[1:]:\n    runpy.run_path(n)\n", encoding="utf-8")
    shards = tmp_path / "shards"
    shards.mkdir()
    record(src, shards, ["run_all.py", *names], ["--branch"])
    for i, args in enumerate([[], ["--pretty-print"], ["--precision=5"]]):
        compare(tmp_path / str(i), src, shards, args, rc_text="[report]\nprecision = 2\n")


WORKLOAD = pathlib.Path(os.environ.get("COVALESCE_WORKLOAD",
                                       pathlib.Path.home() / ".cache/covalesce/workload/stdlib-339"))


def workload_slice(tmp_path, n=12):
    shards = tmp_path / "slice"
    shards.mkdir()
    for p in sorted(WORKLOAD.glob(".coverage.*"))[:n]:
        shutil.copy(p, shards / p.name)
    rc = (WORKLOAD / "coveragerc").read_text().replace(f"data_file = {WORKLOAD}/.coverage", "")
    return shards, rc


@pytest.mark.skipif(not (WORKLOAD / "coveragerc").exists(), reason="no stdlib workload (bench/make_workload.py)")
@pytest.mark.parametrize("args", [["-i"], ["-i", "--pretty-print", "--include=*/json/*,*/email/*"]])
def test_stdlib_workload_slice(tmp_path, args):
    """A slice of the real standard-library test-suite shards (the workload measures a path
    that is now a directory, so both need -i)."""
    shards, rc = workload_slice(tmp_path)
    compare(tmp_path, tmp_path, shards, args, rc_text=rc)
