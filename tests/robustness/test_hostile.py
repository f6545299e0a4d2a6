"""Hostile inputs that the differential suite does not already cover, each run through both
coverage.py 7.17.3 and covalesce on identical copies (the README's "Hostile inputs" table
is this file's and tests/differential's cases). covalesce must never crash (no signal, no
uncaught error of its own), never change or delete an input it could not use, and never
leave a half-written output; where coverage.py's answer is sensible, covalesce's exit
status and messages must be the same."""
import json
import os
import pathlib
import re
import shutil
import sqlite3
import subprocess
import xml.dom.minidom

import pytest

from conftest import PY, copy_into, run

OUTCOMES = []
COVALESCE = []


@pytest.fixture(scope="module", autouse=True)
def show_outcomes(covalesce):
    COVALESCE.append(covalesce)
    yield
    print("\nhostile inputs: case | coverage.py | covalesce")
    for row in OUTCOMES:
        print(" | ".join(row))


def summary(p):
    """Exit status and the last line said, for the table."""
    lines = (p.stdout + p.stderr).strip().splitlines()
    lines = [l for l in lines if not l.startswith(("covalesce: ", "Combined "))] or [""]
    return f"exit {p.returncode}: {lines[-1][:150]}"


def normalise(text, d):
    text = text.replace(str(d), "<DIR>")
    out = []
    for line in text.splitlines():
        m = re.match(r"^.*\.py:\d+: (CoverageWarning: .*)$", line)
        if m:
            out.append(m.group(1))
        elif line.startswith("  ") and out and out[-1].startswith("CoverageWarning"):
            continue
        elif not line.startswith("covalesce: "):
            out.append(line)
    return "\n".join(out).replace("'coverage help'", "'<prog> help'").replace("'covalesce help'", "'<prog> help'")


def both(tmp_path, name, make, args, covalesce):
    """Builds the case twice with `make(dir)`, runs `coverage ARGS` and `covalesce ARGS`."""
    out = {}
    for tool in ("coverage", "covalesce"):
        d = tmp_path / tool / "run"
        d.mkdir(parents=True)
        make(d)
        before = inputs(d)
        exe = [str(PY), "-m", "coverage"] if tool == "coverage" else [covalesce]
        p = run(exe + args + ([f"--python={PY}"] if tool == "covalesce" and args[0] != "combine" else []), d)
        out[tool] = dict(p=p, dir=d, before=before, rc=p.returncode,
                         out=normalise(p.stdout, d), err=normalise(p.stderr, d))
        if tool == "covalesce":
            assert p.returncode in (0, 1, 2), (p.returncode, p.stdout, p.stderr)  # no signal
            assert "coverage.py would not catch" not in p.stderr or "Error" in p.stderr
            check_whole(d)
    OUTCOMES.append((name, summary(out["coverage"]["p"]), summary(out["covalesce"]["p"])))
    return out["coverage"], out["covalesce"]


def inputs(d):
    return {str(p.relative_to(d)): p.read_bytes() for p in pathlib.Path(d).rglob(".coverage.*")
            if p.is_file() and not p.is_symlink()}


def check_whole(d):
    for name in ("coverage.json",):
        if (d / name).exists():
            json.loads((d / name).read_text())
    if (d / "coverage.xml").exists():
        xml.dom.minidom.parse(str(d / "coverage.xml"))
    if (d / ".coverage").exists():
        con = sqlite3.connect(f"file:{d}/.coverage?mode=ro", uri=True)
        assert con.execute("pragma integrity_check").fetchall() == [("ok",)]
        con.close()


def same(ref, ours):
    """Same exit status and messages; an exception neither tool catches is compared by its
    last line (coverage.py prints Python's traceback, covalesce a stand-in for it)."""
    tb = "Traceback (most recent call last):\n"
    if tb in ref["err"]:
        head, _, ref_tb = ref["err"].partition(tb)
        ours_head, _, ours_tb = ours["err"].partition(tb)
        assert ours_tb.startswith("  (coverage.py would not catch"), ours["p"]
        assert (ours["rc"], ours["out"], ours_head, ours_tb.splitlines()[-1]) == \
            (ref["rc"], ref["out"], head, ref_tb.splitlines()[-1]), (ref["p"], ours["p"])
        return
    assert (ours["rc"], ours["out"], ours["err"]) == (ref["rc"], ref["out"], ref["err"]), (ref["p"], ours["p"])


def record(src, script, shards, *args):
    subprocess.run([str(PY), "-m", "coverage", "run", "-p", "--branch", f"--data-file={shards}/.coverage",
                    *args, script], cwd=src, check=True, capture_output=True)


# ---- shards -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_shards(workload):
    return workload[0][:2]


def test_corrupt_page_past_the_header(tmp_path, covalesce, two_shards):
    """A shard whose schema reads but whose later pages are garbage."""
    def make(d):
        copy_into(two_shards, d)
        victim = sorted(d.iterdir())[0]
        data = bytearray(victim.read_bytes())
        for off in range(3 * 4096, len(data), 4096):
            data[off:off + 64] = b"\xff" * 64
        victim.write_bytes(bytes(data))
    ref, ours = both(tmp_path, "shard: corrupt pages past the header", make, ["combine"], covalesce)
    same(ref, ours)  # an errored shard, kept, on both sides
    assert ours["rc"] == 0 and "errored" in ours["err"]
    assert inputs(ours["dir"]).keys() == {sorted(ours["before"])[0]}
    assert inputs(ours["dir"])[sorted(ours["before"])[0]] == ours["before"][sorted(ours["before"])[0]]


def test_symlink_loop_shard(tmp_path, covalesce, two_shards):
    def make(d):
        copy_into(two_shards, d)
        os.symlink(".coverage.loop", d / ".coverage.loop")
    ref, ours = both(tmp_path, "shard: a symlink loop", make, ["combine"], covalesce)
    same(ref, ours)
    assert os.path.islink(ours["dir"] / ".coverage.loop")


def test_directory_named_like_a_shard(tmp_path, covalesce, two_shards):
    def make(d):
        copy_into(two_shards, d)
        (d / ".coverage.dir").mkdir()
    ref, ours = both(tmp_path, "shard: a directory named .coverage.x", make, ["combine"], covalesce)
    same(ref, ours)
    assert (ours["dir"] / ".coverage.dir").is_dir()


@pytest.mark.parametrize("suffix", ["new\nline", "ctl\x01\x1b", "bytes\udcff\udcfe", "q'uote\"<lt>"],
                         ids=["newline", "control", "non-utf8", "quotes"])
def test_odd_shard_names(tmp_path, covalesce, two_shards, suffix):
    def make(d):
        copy_into(two_shards, d)
        first = sorted(d.iterdir())[0]
        os.rename(first, os.fsencode(str(d / ".coverage.")) + os.fsencode(suffix))
    ref, ours = both(tmp_path, f"shard: name with {suffix!r}", make, ["combine", "--keep"], covalesce)
    same(ref, ours)


# ---- sources ------------------------------------------------------------------------------------

def source_case(text_or_bytes, name="mod.py"):
    """A module recorded by coverage.py as a small program, then replaced by the hostile text."""
    def make(d):
        (d / name).write_text("x = 1\nif x:\n    y = 2\n")
        record(d, name, d)
        p = d / name
        if isinstance(text_or_bytes, bytes):
            p.write_bytes(text_or_bytes)
        else:
            p.write_text(text_or_bytes)
    return make


SOURCES = {
    "undecodable bytes (not UTF-8)": b"x = 1\nif x:\n    y = '\xff\xfe'\n",
    "unknown coding declaration": b"# -*- coding: no-such-codec -*-\nx = 1\nif x:\n    y = 2\n",
    "bytes not UTF-8 in comments": b"x = 1  # caf\xe9\nif x:\n    y = 2  # \xff\xfe\n",
    "single-byte codec cookie (cp852)": b"# -*- coding: cp852 -*-\nx = '\xa5\xe0'\nif x:\n    y = 2\n",
    "multi-byte codec cookie (shift_jis)": "# -*- coding: shift_jis -*-\nx = '\u8868'\nif x:\n    y = 2\n".encode("shift_jis"),
    "syntax error": "x = 1\nif x:\n    y = = 2\n",
    "nested parentheses (300 deep)": "x = 1\nif x:\n    y = " + "(" * 300 + "1" + ")" * 300 + "\n",
    "nested blocks (30 deep)": "x = 1\nif x:\n    y = 2\n" + "".join("    " * i + "if x:\n" for i in range(30)) + "    " * 30 + "pass\n",
    "nested expressions (5000-term sum)": "x = 1\nif x:\n    y = " + " + ".join(["x"] * 5000) + "\n",
    "NUL byte": "x = 1\nif x:\n    y = 2\x00\n",
}


@pytest.mark.parametrize("case", list(SOURCES))
def test_hostile_source(tmp_path, covalesce, case):
    ref, ours = both(tmp_path, f"source: {case}", source_case(SOURCES[case]), ["report", "-m"], covalesce)
    same(ref, ours)
    all_like_report(ours)


def all_like_report(ours):
    """`all` on the same directory: the report's exit status, and every output whole."""
    p = run([COVALESCE[0], "all", "-q", f"--python={PY}"], ours["dir"])
    assert p.returncode == ours["rc"], (p.stdout, p.stderr)
    check_whole(ours["dir"])


def test_huge_source(tmp_path, covalesce):
    """A 0.5 MB module of 25,001 statements, a third of them never run (bigger costs CI
    minutes in coverage.py's own analysis, not in covalesce's)."""
    body = "x = 1\n" + "".join(f"if x > {i % 3}:\n    y{i} = {i}\n" for i in range(12500))

    def make(d):
        (d / "huge.py").write_text(body)
        record(d, "huge.py", d)
    ref, ours = both(tmp_path, "source: 0.5 MB module", make, ["report", "-m"], covalesce)
    same(ref, ours)
    all_like_report(ours)


def test_symlink_loop_source(tmp_path, covalesce):
    def make(d):
        source_case("x = 1\n")(d)
        (d / "mod.py").unlink()
        os.symlink("mod.py", d / "mod.py")
    ref, ours = both(tmp_path, "source: a symlink loop", make, ["report", "-m"], covalesce)
    same(ref, ours)
    all_like_report(ours)


@pytest.mark.parametrize("name", ["new\nline.py", "ctl\x01\x1b.py", "bytes\udcff.py", "q'uote\"<lt>.py"],
                         ids=["newline", "control", "non-utf8", "quotes"])
def test_odd_source_names(tmp_path, covalesce, name):
    """Files with these names really measured by coverage.py, then every report."""
    def make(d):
        p = pathlib.Path(os.fsdecode(os.path.join(os.fsencode(str(d)), os.fsencode(name))))
        p.write_text("x = 1\nif x:\n    y = 2\n")
        record(d, name, d)
    ref, ours = both(tmp_path, f"source name {name!r}", make, ["report", "-m"], covalesce)
    same(ref, ours)
    all_like_report(ours)
