"""Files measured through a coverage.py plugin: covalesce reports them through the plugin's
own FileReporter, loaded in the user's python (the exact fallback), and must write what
coverage.py 7.17.3 writes.

The fixture is a real file-tracer plugin (plugins/tmplplugin.py): while render.py runs, its
lines are recorded as lines of page.tmpl, and the plugin's FileReporter says which lines of
page.tmpl are statements and which are excluded. Shards are recorded by `coverage run -p`
with the plugin loaded, so their tracer rows are coverage.py's own.
"""
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import venv_python
from test_report import listing, normalize_stderr

PY = "3.11"

PLUGIN = '''
import os

import coverage


class TmplPlugin(coverage.CoveragePlugin):
    def __init__(self, options):
        self.mode = options.get("mode", "plain")

    def file_tracer(self, filename):
        if os.path.basename(filename) == "render.py":
            return Tracer(filename)
        return None

    def file_reporter(self, filename):
        if self.mode == "none":
            return None
        if not filename.endswith(".tmpl"):
            return "python"
        return (Translating if self.mode == "translating" else Reporter)(filename)


class Tracer(coverage.FileTracer):
    def __init__(self, filename):
        self._source = os.path.join(os.path.dirname(filename), "page.tmpl")

    def source_filename(self):
        return self._source

    def line_number_range(self, frame):
        return frame.f_lineno, frame.f_lineno


class Reporter(coverage.FileReporter):
    def source(self):
        with open(self.filename, encoding="utf-8") as f:
            return f.read()

    def lines(self):
        return {n for n, text in enumerate(self.source().splitlines(), 1)
                if text.strip() and not text.lstrip().startswith("{#")}

    def excluded_lines(self):
        return {n for n, text in enumerate(self.source().splitlines(), 1) if "nocover" in text}


class Translating(Reporter):
    def translate_lines(self, lines):
        return {n + 0 for n in lines}


def coverage_init(reg, options):
    reg.add_file_tracer(TmplPlugin(options))
'''

SOURCES = {
    "render.py": textwrap.dedent('''\
        def render(x):
            out = []
            if x > 0:
                out.append("pos")
            else:
                out.append("neg")
            if x > 100:  # nocover
                out.append("big")
            return out
        '''),
    "page.tmpl": textwrap.dedent('''\
        <h1>{{ title }}</h1>
        {# a comment line #}
        {% if x %}
          <p>positive</p>
        {% else %}
          <p>negative</p>
        {% if huge %}  nocover
          <p>big</p>
        <footer/>
        '''),
    "main.py": textwrap.dedent('''\
        import sys
        from render import render

        print(render(int(sys.argv[1])))
        '''),
}


def rc_text(mode, branch):
    return (f"[run]\nplugins = tmplplugin\nbranch = {branch}\n"
            f"[tmplplugin]\nmode = {mode}\n")


@pytest.fixture(scope="module", params=["lines", "branch"])
def plugin_data(request, tmp_path_factory):
    branch = request.param == "branch"
    base = tmp_path_factory.mktemp("plugin-" + request.param)
    src = base / "proj"
    (src / "plugins").mkdir(parents=True)
    (src / "plugins" / "tmplplugin.py").write_text(PLUGIN)
    for rel, text in SOURCES.items():
        (src / rel).write_text(text)
    shards = base / "shards"
    shards.mkdir()
    rc = base / "record.ini"
    rc.write_text(rc_text("plain", branch))
    env = {**os.environ, "PYTHONPATH": str(src / "plugins")}
    for arg in ("5", "-3"):
        subprocess.run([str(venv_python(PY)), "-m", "coverage", "run", "-p", f"--rcfile={rc}",
                        f"--data-file={shards}/.coverage", "main.py", arg],
                       cwd=src, env=env, check=True, capture_output=True)
    return src, shards, branch


def run_both(tmp_path, data, command, args, mode="plain", outputs=()):
    src, shards, branch = data
    env = {**os.environ, "PYTHONPATH": str(src / "plugins")}
    results = {}
    for tool in ("coverage", "covalesce"):
        d = tmp_path / "run"
        shutil.copytree(shards, d)
        (d / "rc.ini").write_text(rc_text(mode, branch))
        common = [f"--rcfile={d}/rc.ini", f"--data-file={d}/.coverage"]
        if tool == "coverage":
            cmd = [str(venv_python(PY)), "-m", "coverage", command, *common, *args]
        else:
            cmd = [pytest.covalesce, command, *common, f"--python={venv_python(PY)}", *args]
        p = subprocess.run(cmd, cwd=src, env=env, capture_output=True)
        out = p.stdout.decode("utf-8", "surrogateescape").replace(str(d), "<DIR>")
        err = normalize_stderr(p.stderr.decode("utf-8", "surrogateescape")).replace(str(d), "<DIR>")
        texts = {}
        for o in outputs:
            f = d / o
            texts[o] = f.read_text() if f.exists() else None
        results[tool] = dict(rc=p.returncode, out=out, err=err, files=listing(d), texts=texts)
        d.rename(tmp_path / tool)
    return results["coverage"], results["covalesce"]


@pytest.fixture(scope="module", autouse=True)
def covalesce_exe(covalesce):
    pytest.covalesce = covalesce


def blank_versions(command, text):
    import json
    import re
    if text is None:
        return None
    if command == "json":
        data = json.loads(text)
        data["meta"]["version"] = data["meta"]["timestamp"] = "X"
        return data
    if command == "xml":
        text = re.sub(r'<coverage version="[^"]*" timestamp="\d+"', '<coverage version="V" timestamp="T"', text)
        return re.sub(r"<!-- Generated by .*? -->", "<!-- Generated by TOOL -->", text)
    return text


@pytest.mark.parametrize("command,args,output", [
    ("report", ["-m"], None),
    ("report", ["-m", "--format=markdown"], None),
    ("json", ["--pretty-print"], "coverage.json"),
    ("xml", [], "coverage.xml"),
    ("lcov", [], "coverage.lcov"),
])
def test_plugin_files_reported_as_coverage_py_does(plugin_data, tmp_path, command, args, output):
    outputs = [] if output is None else [output]
    if output:
        args = [*args, "-o", f"{tmp_path}/run/{output}"]
    ref, ours = run_both(tmp_path, plugin_data, command, args, outputs=outputs)
    assert ref["rc"] == 0, ref
    assert "page.tmpl" in (ref["out"] + str(ref["texts"])), ref  # the plugin's file is in the report
    assert ours["rc"] == ref["rc"], (ref, ours)
    assert ours["out"].replace("covalesce", "coverage") == ref["out"] or ours["out"] == ref["out"], (ref, ours)
    assert ours["err"] == ref["err"]
    for o in outputs:
        assert blank_versions(command, ours["texts"][o]) == blank_versions(command, ref["texts"][o])


def test_plugin_without_a_reporter_is_coverage_py_error(plugin_data, tmp_path):
    ref, ours = run_both(tmp_path, plugin_data, "report", ["-m"], mode="none")
    assert ref["rc"] == 1 and "did not provide a file reporter" in ref["out"], ref
    assert (ours["rc"], ours["out"], ours["files"]) == (ref["rc"], ref["out"], ref["files"])


def test_reporter_with_its_own_translation_is_a_clear_error(plugin_data, tmp_path):
    ref, ours = run_both(tmp_path, plugin_data, "report", ["-m"], mode="translating")
    assert ref["rc"] == 0, ref
    assert ours["rc"] == 1
    assert "covalesce can't report" in ours["out"] and "translate_lines()" in ours["out"], ours
