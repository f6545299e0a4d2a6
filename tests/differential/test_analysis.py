"""Differential tests of the exact analysis fallback (`--analysis=python`): for real files
(the example package, stdlib modules, broken, oddly encoded and excluded files),
`covalesce debug analysis --describe` must give what coverage.py's own Coverage._analyze,
analysis2 and FileReporter compute, here, in each reference venv. Also: the cache's warm,
shared and damaged states, and the error for an interpreter without coverage.py."""
import json
import os
import pathlib
import shutil
import subprocess
import textwrap

import pytest

from conftest import ROOT, venv_python

VERSIONS = [v for v in ("3.11", "3.12", "3.13") if venv_python(v).exists()]

# coverage.py's view of each file, computed in the venv under test: the Analysis a report
# builds (branch data on, nothing executed), analysis2's lists, and the FileReporter's
# answers for every line and arc the reports ask about.
REFERENCE = r"""
import json, sys
import coverage
request = json.loads(sys.stdin.read())
cov = coverage.Coverage(data_file=None, config_file=request["rcfile"], branch=True)
cov.get_data().add_arcs({})   # arc data, so the Analysis computes branches
out = []
for path in request["files"]:
    try:
        a = cov._analyze(path)
    except Exception as exc:
        out.append({"error": [type(exc).__name__, str(exc)]})
        continue
    fr = cov._get_file_reporter(path)
    name, statements, excluded, missing, _ = cov.analysis2(path)
    assert statements == sorted(a.statements) and excluded == sorted(a.excluded)
    source = fr.source()
    n = len(source.splitlines())
    probe = set(fr.arcs()) | set(fr.parser._with_jump_fixers)
    probe |= set(fr.parser._missing_arc_fragments)
    r = {
        "filename": fr.filename,
        "should_be_python": fr.should_be_python(),
        "statements": statements,
        "excluded": excluded,
        "multiline": sorted([k, v] for k, v in fr.multiline_map().items()),
        "num_lines": n,
        "regions": [{"kind": g.kind, "name": g.name, "start": g.start, "lines": sorted(g.lines)}
                    for g in fr.code_regions()],
        "arcs": [list(x) for x in a.arc_possibilities],
        "exit_counts": sorted([k, v] for k, v in a.exit_counts.items()),
        "no_branch": sorted(a.no_branch),
        "arc_descriptions": [[x, y, fr.missing_arc_description(x, y), fr.arc_description(x, y)]
                             for x, y in a.arc_possibilities],
        "translated_lines": sorted(fr.translate_lines(range(1, n + 1))),
        "translated_arcs": sorted(list(x) for x in fr.translate_arcs(probe)),
    }
    if request["source"]:
        r["source_lines"] = source.splitlines()
        r["tokens"] = [[list(t) for t in line] for line in fr.source_token_lines()]
    out.append(r)
print(json.dumps(out))
"""

COMPARED = ["filename", "should_be_python", "statements", "excluded", "multiline", "num_lines",
            "regions", "arcs", "exit_counts", "no_branch", "arc_descriptions",
            "translated_lines", "translated_arcs"]

RCFILE = """\
[run]
branch = True
[report]
exclude_also =
    if TYPE_CHECKING:
    raise NotImplementedError
    @abstractmethod
    \\.\\.\\.
    ^\\s*assert_never\\(
partial_also =
    if DEBUG:
"""

WRITTEN = {
    # Exclusions, partial branches, with/match/try/async shapes, decorators, regions.
    "shapes.py": '''\
        """Module docstring."""
        import abc
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            import os

        DEBUG = False


        class Base(abc.ABC):
            """Class docstring."""

            @abc.abstractmethod
            def run(self):
                ...

            def stop(self):  # pragma: no cover
                raise NotImplementedError

            class Inner:
                def deep(self, x):
                    def helper():
                        return x
                    return helper


        def flow(items, path):
            total = 0
            for item in items:  # pragma: no branch
                if item is None:
                    continue
                if item < 0:
                    break
                total += item
            else:
                total = -1
            while True:
                if total:
                    break
            with open(path) as f, open(path) as g:
                with open(path) as h:
                    data = (f.read() +
                            g.read())
            try:
                x = 1 / total
            except ZeroDivisionError:
                raise ValueError("zero")
            finally:
                total = 0
            try:
                pass
            except* OSError:
                total = 2
            if DEBUG:
                print("debug")
            match data:
                case "a" | "b":
                    return 1
                case [x, *rest] if x:
                    return 2
                case _:
                    return 3


        async def agen(xs):
            async with xs as y:
                async for z in y:
                    yield z
            return
        ''',
    "one_liners.py": "def _f(): pass\nclass C: x = 1\nlambda: 0\nwhile 1: break\n",
    "empty.py": "",
    "only_comments.py": "# nothing\n\n# here\n",
    "syntax_error.py": "def broken(:\n    pass\n",
    "indentation.py": "if True:\nprint('x')\n",
    "unterminated.py": 'x = """never closed\n\ny = 2\n',
    "py2.py": "print 'hello'\n",
    "tabs.py": "if True:\n\tx = 1\n        y = 2\n",
    "page.html": "<html><body>not python</body></html>\n",
    "noext": "x = 1\nif x:\n    y = 2\n",
}

WRITTEN_BYTES = {
    "latin1.py": b"# -*- coding: latin-1 -*-\ns = '\xe9t\xe9'\nif s:\n    t = 1\n",
    "bad_utf8.py": b"s = 'caf\xe9'\nt = 2\n",
    "bad_utf8_code.py": b"x = 1\n\xff = 2\n",
    "unknown_cookie.py": b"# coding: uft-8\nx = 1\n",
    "bom.py": b"\xef\xbb\xbfx = 1\nif x:\n    y = 2\n",
    "crlf.py": b"x = 1\r\nif x:\r\n    y = (2,\r\n         3)\r\n",
    "cr_only.py": b"x = 1\rif x:\r    y = 2\r",
    "formfeed.py": b"x = 1\n\x0c\ndef f():\n    \x0creturn 2\n",
    "no_newline.py": b"x = 1\nif x:\n    y = 2",
}

STDLIB = ["argparse.py", "contextlib.py", "dataclasses.py", "json/decoder.py", "traceback.py",
          "asyncio/base_events.py", "typing.py", "tokenize.py", "email/_header_value_parser.py"]


def stdlib_files(python):
    out = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    return [str(pathlib.Path(out) / f) for f in STDLIB]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    d = tmp_path_factory.mktemp("analysis")
    shutil.copytree(ROOT / "examples" / "demo" / "inventory", d / "inventory")
    for name, text in WRITTEN.items():
        (d / name).write_text(textwrap.dedent(text) if name == "shapes.py" else text)
    for name, data in WRITTEN_BYTES.items():
        (d / name).write_bytes(data)
    (d / ".coveragerc").write_text(RCFILE)
    files = sorted(str(p) for p in (d / "inventory").glob("*.py"))
    files += [str(d / n) for n in list(WRITTEN) + list(WRITTEN_BYTES)]
    files += [str(d / "missing.py"), "inventory/stock.py"]  # a missing file; a relative name
    return d, files


def reference(python, files, cwd, rcfile=".coveragerc", source=False):
    req = json.dumps({"files": files, "rcfile": rcfile, "source": source})
    # The helper runs with PYTHONHASHSEED=0, which fixes the order coverage.py gives the
    # "... or ..." parts of a missing-arc message (it varies with string hashing).
    p = subprocess.run([str(python), "-c", REFERENCE], input=req, cwd=cwd, capture_output=True,
                       text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def ours(covalesce, python, files, cwd, *extra):
    p = subprocess.run([covalesce, "debug", "analysis", "--analysis=python", f"--python={python}",
                        "--describe", *extra, *files], cwd=cwd, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return [json.loads(line) for line in p.stdout.splitlines()], p.stderr


def compare(ref, got, files, fields=COMPARED):
    assert len(got) == len(ref) == len(files)
    for path, r, g in zip(files, ref, got):
        assert g["path"] == path
        if "error" in r:
            assert "error" in g, path
            assert [g["error"]["type"], g["error"]["message"]] == r["error"], path
            continue
        assert "error" not in g, (path, g.get("error"))
        for field in fields:
            assert g[field] == r[field], (path, field)


@pytest.mark.parametrize("version", VERSIONS)
def test_fallback_matches_coverage_py(covalesce, project, version):
    d, files = project
    python = venv_python(version)
    files = files + stdlib_files(python)
    got, err = ours(covalesce, python, files, d, "--no-cache")
    compare(reference(python, files, d), got, files)
    assert not (d / ".covalesce_cache").exists()  # --no-cache neither reads nor writes


def test_line_mode_and_default_exclusions(covalesce, project, tmp_path):
    """No rcfile: coverage.py's default exclusions, and no arcs without branch mode."""
    d, files = project
    files = [f for f in files if os.path.isabs(f)]
    python = venv_python(VERSIONS[0])
    (tmp_path / "empty.ini").write_text("")
    p = subprocess.run([covalesce, "debug", "analysis", "--analysis=python", f"--python={python}",
                        "--rcfile=empty.ini", "--no-cache", *files], cwd=tmp_path,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    got = [json.loads(line) for line in p.stdout.splitlines()]
    assert not any("arcs" in g for g in got)
    ref = reference(python, files, tmp_path, rcfile="empty.ini")
    compare(ref, got, files, ["filename", "statements", "excluded", "multiline", "regions"])


def test_source_lines_and_tokens(covalesce, project):
    d, files = project
    python = venv_python(VERSIONS[-1])
    few = [f for f in files if f.endswith(("shapes.py", "latin1.py", "crlf.py", "formfeed.py",
                                          "tabs.py", "stock.py"))]
    got, _ = ours(covalesce, python, few, d, "--no-cache", "--source")
    compare(reference(python, few, d, source=True), got, few, COMPARED + ["source_lines", "tokens"])


def test_cache_warm_shared_and_damaged(covalesce, project, tmp_path):
    d, files = project
    python = venv_python(VERSIONS[0])
    work = tmp_path / "w"
    shutil.copytree(d, work)
    files = [f.replace(str(d), str(work)) for f in files]
    ref = reference(python, files, work)
    cache = work / ".covalesce_cache" / "analysis.sqlite"

    # Two runs at once on an empty cache: both right, both write.
    cmd = [covalesce, "debug", "analysis", "--analysis=python", f"--python={python}", "--describe", *files]
    procs = [subprocess.Popen(cmd, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for p in procs:
        out, err = p.communicate()
        assert p.returncode == 0, err
        compare(ref, [json.loads(line) for line in out.splitlines()], files)
    assert cache.exists()

    # Warm: everything but the missing file comes from the cache, with the same answers.
    got, err = ours(covalesce, python, files, work)
    compare(ref, got, files)
    assert f"{len(files)} files: {len(files) - 1} from the cache, 1 analysed" in err

    # A changed setting misses.
    (work / "other.ini").write_text(RCFILE + "    if FLAG:\n")
    _, err = ours(covalesce, python, files, work, "--rcfile=other.ini")
    assert f"0 from the cache, {len(files)} analysed" in err

    # A damaged file is thrown away, and the answers are still right.
    data = bytearray(cache.read_bytes())
    data[100:4096] = b"\x5a" * (4096 - 100)
    cache.write_bytes(bytes(data))
    got, err = ours(covalesce, python, files, work)
    compare(ref, got, files)
    assert "damaged cache rebuilt" in err
    _, err = ours(covalesce, python, files, work)
    assert f"{len(files) - 1} from the cache" in err


def test_interpreter_without_coverage(covalesce, tmp_path):
    python = venv_python(VERSIONS[0])
    wrapper = tmp_path / "python-nosite"
    wrapper.write_text(f'#!/bin/sh\nexec {python} -S "$@"\n')
    wrapper.chmod(0o755)
    (tmp_path / "a.py").write_text("x = 1\n")
    p = subprocess.run([covalesce, "debug", "analysis", "--analysis=python", f"--python={wrapper}", "a.py"],
                       cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 1
    assert p.stdout == ""
    assert p.stderr.startswith(f"The Python interpreter '{wrapper}' (")
    assert "can't import coverage.py (ModuleNotFoundError: No module named 'coverage')" in p.stderr
    assert p.stderr.count("\n") == 1
