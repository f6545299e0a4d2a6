"""Differential tests for `covalesce html`: coverage.py 7.17.3's `coverage html` and covalesce's
on identical copies of the same shards, read back with html.parser (html_pages.py) and
compared file by file and line by line: the same pages (by coverage.py's names), every line's
status, the partial-branch annotations (short targets and the long sentence), the contexts of
each line with --show-contexts, every row and the totals of the file, function and class
indexes, the "skipped" notes; and the exit status, stdout and stderr of both runs.

The markup itself is covalesce's own and is not compared; its safety (escaping) and the
incremental manifest are checked here on covalesce alone. A slice of the standard-library
workload (scripts/make-workload) is compared too when it is there."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

import html_pages as H
from conftest import venv_python
from test_plugins import plugin_data  # noqa: F401
from test_plugins import run_both as plugin_run_both
from test_report import mutated
from test_json import (COUNT, branch_data, context_data, line_context_data, lines_data,  # noqa: F401
                       make_dataset, relative_data, remote_data, run, run_both)

PY = "3.11"


@pytest.fixture(scope="session", autouse=True)
def covalesce_exe(covalesce):
    import test_json
    test_json.COVALESCE = covalesce
    pytest.covalesce = covalesce  # test_plugins.run_both's
    global COVALESCE
    COVALESCE = covalesce
    yield
    print(f"\n{COUNT['html']} html invocations compared with coverage.py", file=sys.stderr)


def compare_dirs(ref_dir, our_dir, contexts=False):
    """Every page and index of two report directories; returns the number of lines compared."""
    ref_dir, our_dir = pathlib.Path(ref_dir), pathlib.Path(our_dir)
    assert H.pages(our_dir) == H.pages(ref_dir)
    n = 0
    for page in H.pages(ref_dir):
        ref = H.ref_page(ref_dir / page)
        ours = H.our_page(our_dir / page)
        attrs = ours.pop("attrs")
        assert ours["file"] == ref["file"], page
        assert len(ours["lines"]) == len(ref["lines"]), page
        for a, b in zip(ref["lines"], ours["lines"]):
            if not contexts:
                a, b = a[:4], b[:4]
            assert b == a, (page, a, b)
        n += len(ref["lines"])
        # The page's data-* numbers are the index row's.
        row = [r for r in H.ref_index(ref_dir / "index.html")["rows"] if r[0] == ref["file"]]
        if row:
            r = row[0]
            assert (int(attrs["data-statements"]), int(attrs["data-missing"]), int(attrs["data-excluded"]),
                    int(attrs["data-branches"]), int(attrs["data-partial"]), attrs["data-percent"] + "%") == \
                (r[2], r[3], r[4], r[5], r[6], r[7])
    for index in ("index.html", "function_index.html", "class_index.html"):
        if not (ref_dir / index).exists():
            assert not (our_dir / index).exists()
            continue
        assert H.our_index(our_dir / index) == H.ref_index(ref_dir / index), index
    return n


def compare(tmp_path, src, shards, args, rc_text="", version=PY, contexts=False, **kw):
    d = tmp_path / "run"
    ref, ours = run_both(tmp_path, "html", src, shards, [*args, "-d", f"{d}/htmlcov"], rc_text,
                         version=version, **kw)
    assert ours["rc"] == ref["rc"], (ref, ours)
    assert ours["out"] == ref["out"]
    assert ours["err"] == ref["err"]
    ref_dir, our_dir = tmp_path / "coverage" / "htmlcov", tmp_path / "covalesce" / "htmlcov"
    if ref["rc"] in (0, 2):
        compare_dirs(ref_dir, our_dir, contexts)
    else:
        assert not our_dir.exists() or not (our_dir / "index.html").exists()
    return ref, ours


SCENARIOS = [
    [], ["-q"], ["--skip-covered"], ["--skip-empty"], ["--skip-covered", "--skip-empty"],
    ["--precision=2"], ["--include=*/pkg/*"], ["--omit=*mod*"], ["--fail-under=90"], ["--fail-under=10"],
    ["-i"], ["pkg/lines.py", "pkg/regions.py"], ["--omit=*"], ["--title=My <b>title</b> & \"q\""],
    ["--no-skip-covered"],
]


@pytest.mark.parametrize("args", SCENARIOS, ids=lambda a: " ".join(a) or "plain")
def test_lines(tmp_path, lines_data, args):
    compare(tmp_path, *lines_data, args)


@pytest.mark.parametrize("args", SCENARIOS, ids=lambda a: " ".join(a) or "plain")
def test_branch(tmp_path, branch_data, args):
    compare(tmp_path, *branch_data, args)


@pytest.mark.parametrize("rc", [
    "[html]\nskip_covered = true\n", "[report]\nskip_covered = true\n",
    "[report]\nskip_covered = true\n[html]\nskip_covered = false\n",
    "[html]\nskip_empty = true\ntitle = Config title\n", "[report]\nprecision = 1\n",
    "[report]\nexclude_also =\n    def outer\n    if m > 1:\n",
    "[report]\npartial_branches =\n    if x:\n",
])
def test_config(tmp_path, branch_data, rc):
    compare(tmp_path, *branch_data, [], rc_text=rc)


@pytest.mark.parametrize("rc,args", [
    ("[html]\nskip_covered = false\n", ["--skip-covered"]),
    ("[html]\nskip_covered = true\n", ["--no-skip-covered"]),
    ("[report]\nskip_covered = true\nskip_empty = true\n", ["--no-skip-covered"]),
    ("[html]\nskip_empty = false\n", ["--skip-empty"]),
])
def test_options_over_config(tmp_path, branch_data, rc, args):
    compare(tmp_path, *branch_data, args, rc_text=rc)


def test_config_directory_and_extra_css(tmp_path, branch_data):
    """[html] directory and extra_css: the same message and pages; the stylesheet copied beside
    them (under a name with its hash) and linked from every page."""
    src, shards = branch_data
    css = tmp_path / "extra.css"
    css.write_text("body { font-size: 20px }\n")
    d = tmp_path / "run"
    ref, ours = run_both(tmp_path, "html", src, shards, [], f"[html]\ndirectory = {d}/custom\nextra_css = {css}\n")
    assert ours["rc"] == ref["rc"] == 0 and ours["out"] == ref["out"] and ours["err"] == ref["err"]
    ours_dir = tmp_path / "covalesce" / "custom"
    compare_dirs(tmp_path / "coverage" / "custom", ours_dir)
    copied = list(ours_dir.glob("extra_*.css"))
    assert len(copied) == 1 and copied[0].read_text() == css.read_text()
    for page in ours_dir.glob("*.html"):
        assert f'href="{copied[0].name}"' in page.read_text(encoding="utf-8")
    assert (ours_dir / ".gitignore").exists()  # a new directory, as coverage.py does


@pytest.mark.parametrize("args", [["--show-contexts"], ["--show-contexts", "--contexts=ctxA,ctxR"],
                                  ["--contexts=ctxB"], []])
def test_contexts(tmp_path, context_data, args):
    compare(tmp_path, *context_data, args, contexts=True)


def test_line_contexts(tmp_path, line_context_data):
    compare(tmp_path, *line_context_data, ["--show-contexts"], contexts=True)


@pytest.mark.parametrize("kind", ["broken", "gone", "dir", "all"])
def test_unreadable_sources(tmp_path, branch_data, kind):
    """Sources changed after recording: with -i the same warnings and the same pages; without
    it coverage.py's error and no report."""
    with mutated(branch_data[0], kind):
        for name, args in (("i", ["-i"]), ("strict", [])):
            (tmp_path / name).mkdir()
            compare(tmp_path / name, *branch_data, args)


def test_no_contexts_measured(tmp_path, branch_data):
    ref, ours = compare(tmp_path, *branch_data, ["--show-contexts"], contexts=True)
    assert "No contexts were measured" in ours["err"]


def test_relative_and_remote(tmp_path, relative_data, remote_data):
    for name, data in (("a", relative_data), ("b", remote_data)):
        (tmp_path / name).mkdir()
        compare(tmp_path / name, *data, [])


@pytest.mark.parametrize("version", ["3.12", "3.13"])
def test_other_pythons(tmp_path, tmp_path_factory, version):
    src, shards = make_dataset(tmp_path_factory, "html" + version.replace(".", ""), ["--branch"],
                               version=version)
    compare(tmp_path, src, shards, [], version=version)


def test_plugin_files(tmp_path, plugin_data):
    """A file measured through a coverage.py plugin (test_plugins.py's template plugin): its page
    from the plugin's reporter (plain lines, its statements and exclusions), and the region
    indexes with the plugin reporter's kinds (none) beside the Python files'."""
    ref, ours = plugin_run_both(tmp_path, plugin_data, "html", ["-d", f"{tmp_path}/run/htmlcov"])
    assert ref["rc"] == 0, ref
    assert ours["rc"] == ref["rc"] and ours["out"] == ref["out"] and ours["err"] == ref["err"], (ref, ours)
    compare_dirs(tmp_path / "coverage" / "htmlcov", tmp_path / "covalesce" / "htmlcov")
    assert "page_tmpl.html" in H.pages(tmp_path / "covalesce" / "htmlcov")


# ---- odd names and odd source ------------------------------------------------------------------

ODD_SOURCE = (
    "# -*- coding: utf-8 -*-\n"
    "X = '\x0c\x1b[31m red \x7f'  # control characters in a string\n"
    "def f(a):\n"
    "\tif a:\t# tab-indented\n"
    "\t\treturn '</script><script>alert(1)</script>'\n"
    "\treturn \"&amp; <b>not bold</b>\"\n"
    "\n"
    "print(f(1))\n"
)
ODD_FILES = {
    "odd dir/it's <b> & \"q\".py": ODD_SOURCE,
    "a/util.py": "def u(x):\n    return x + 1 if x else 0\nprint(u(1))\n",
    "b/util.py": "def u(x):\n    if x:\n        return 2\n    return 3\nprint(u(0))\n",
    "a.b.py": "print('dots')\n",
    "a_b.py": "print('underscore')\n",
}


@pytest.fixture(scope="session")
def odd_data(tmp_path_factory):
    base = tmp_path_factory.mktemp("odd")
    src = base / "proj"
    for rel, text in ODD_FILES.items():
        p = src / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    shards = base / "shards"
    shards.mkdir()
    for rel in ODD_FILES:
        subprocess.run([str(venv_python(PY)), "-m", "coverage", "run", "-p", "--branch",
                        f"--data-file={shards}/.coverage", "--context=</script><b>ctx</b>", rel],
                       cwd=src, check=True, capture_output=True)
    return src, shards


def test_odd_names(tmp_path, odd_data):
    src, shards = odd_data
    d = tmp_path / "run"
    ref, ours = run_both(tmp_path, "html", src, shards, ["--show-contexts", "-d", f"{d}/htmlcov",
                                                         "--include=*/util.py,*/odd dir/*"])
    assert ours["rc"] == ref["rc"] == 0, (ref, ours)
    compare_dirs(tmp_path / "coverage" / "htmlcov", tmp_path / "covalesce" / "htmlcov", contexts=True)
    out = tmp_path / "covalesce" / "htmlcov"
    # Same base name in two directories: two pages.
    assert len([p for p in out.glob("z_*_util_py.html")]) == 2
    for page in out.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        # Nothing from a name, a context or the source became markup.
        assert "<b>ctx" not in text and "<b>not bold" not in text and "<b> &" not in text
        assert "alert(1)</script>" not in text
        assert "<script>" not in text
        assert text.count("</script>") == text.count("<script")
        assert not any(c in text for c in "\x0c\x1b\x7f")
    odd = next(out.glob("z_*_it*.html"))
    body = H.our_page(odd)
    assert body["file"] == "odd dir/it's <b> & \"q\".py"
    assert "\u240c\u241b[31m red \u2421" in odd.read_text(encoding="utf-8")
    labels = H.our_page(odd)["lines"][2][5]
    assert labels == ["</script><b>ctx</b>"]
    # Links to the page work as URLs (percent-encoded) and name the file on disk.
    index = (out / "index.html").read_text(encoding="utf-8")
    href = odd.name.replace("'", "%27").replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")
    href = href.replace("&", "%26").replace('"', "%22")
    assert f'href="{href}"' in index


def test_name_collision(tmp_path, odd_data):
    """coverage.py writes a.b.py and a_b.py to the same page; covalesce gives the second its own."""
    src, shards = odd_data
    d = tmp_path / "run"
    shutil.copytree(shards, d)
    p = subprocess.run([COVALESCE, "html", f"--data-file={d}/.coverage", "-d", f"{d}/htmlcov",
                        f"--python={venv_python(PY)}", "--include=a*.py", "-q"], cwd=src, capture_output=True)
    assert p.returncode == 0, p
    index = H.our_index(d / "htmlcov" / "index.html")
    assert [r[0] for r in index["rows"]] == ["a.b.py", "a_b.py"]
    assert (d / "htmlcov" / "a_b_py.html").exists() and (d / "htmlcov" / "a_b_py_2.html").exists()


# ---- incremental --------------------------------------------------------------------------------

def test_incremental(tmp_path, tmp_path_factory):
    work, data = make_dataset(tmp_path_factory, "incremental", ["--branch"])  # a tree of its own to edit
    out = tmp_path / "htmlcov"

    def html(*extra):
        p = subprocess.run([COVALESCE, "html", f"--data-file={data}/.coverage", "-d", str(out), "--keep-combined",
                            f"--python={venv_python(PY)}", "--timings", *extra], cwd=work, capture_output=True)
        assert p.returncode == 0, p
        return {f.name: f.stat().st_mtime_ns for f in out.glob("*.html")}

    first = html()
    manifest = json.loads((out / "covalesce-html.json").read_text())
    assert set(manifest["pages"]) == {n for n in first if not n.endswith("index.html")}
    again = html()
    pages = [n for n in first if not n.endswith("index.html")]
    assert all(again[n] == first[n] for n in pages)          # no page rewritten
    assert again["index.html"] != first["index.html"]         # the index always is
    # One source changes: only its page (and nothing else) is rewritten.
    lines = work / "pkg" / "lines.py"
    lines.write_text(lines.read_text() + "\n# a comment\n")
    third = html()
    changed = sorted(n for n in pages if third[n] != again[n])
    assert changed == [n for n in sorted(pages) if n.endswith("_lines_py.html")]
    # A setting changes: everything is rewritten.
    fourth = html("--precision=1")
    assert all(fourth[n] != third[n] for n in pages)
    # A different covalesce version: everything is rewritten.
    manifest = (out / "covalesce-html.json").read_text()
    (out / "covalesce-html.json").write_text(manifest.replace('"version":"', '"version":"0.0.0-old'))
    fifth = html("--precision=1")
    assert all(fifth[n] != fourth[n] for n in pages)
    # A deleted page is written again.
    victim = pages[0]
    (out / victim).unlink()
    html("--precision=1")
    assert (out / victim).exists()
    assert not list(out.glob(".covalesce-tmp-*"))


# ---- a slice of the standard-library workload ----------------------------------------------------

WORKLOAD = pathlib.Path.home() / ".cache/covalesce/workload/stdlib-339"
SLICE = ["test_json", "test_textwrap", "test_csv", "test_heapq", "test_bisect", "test_fnmatch",
         "test_shlex", "test_difflib"]


def test_stdlib_slice(tmp_path):
    manifest = WORKLOAD / "manifest.jsonl"
    if not manifest.exists():
        pytest.skip("no workload (scripts/make-workload)")
    shards = [json.loads(line) for line in manifest.read_text().splitlines()]
    chosen = [s["shard"] for s in shards if s["module"] in SLICE and s.get("shard")]
    results = {}
    include = "*/json/*,*/textwrap.py,*/csv.py,*/heapq.py,*/bisect.py,*/fnmatch.py,*/shlex.py,*/difflib.py"
    for tool in ("coverage", "covalesce"):
        d = tmp_path / tool
        d.mkdir()
        for s in chosen:
            for p in WORKLOAD.glob(s + "*"):
                shutil.copy(p, d / p.name)
        common = [f"--rcfile={WORKLOAD}/coveragerc", f"--data-file={d}/.coverage", "-i", f"--include={include}",
                  "-d", f"{d}/htmlcov"]
        if tool == "coverage":
            cmd = [str(venv_python(PY)), "-m", "coverage", "html", *common]
        else:
            cmd = [COVALESCE, "html", *common, f"--python={venv_python(PY)}"]
        results[tool] = run(cmd, tmp_path, d, {"PYTHONHASHSEED": "0"})
    assert results["covalesce"][0] == results["coverage"][0] == 0, results
    n = compare_dirs(tmp_path / "coverage" / "htmlcov", tmp_path / "covalesce" / "htmlcov")
    assert n > 5000
