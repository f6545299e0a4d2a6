"""The recipes in examples/recipes/ run end to end on their small project (a package and 12
tests): the nox session (in CI mode and locally, where it adds --quick), the two tox
environments (`coverage run --parallel-mode` with pytest-xdist, and pytest-cov with an empty
--cov-report), with pytest-xdist -n 2 and coverage.py's subprocess patch, so the workers write
their own shards. The GitHub Actions job cannot run here: its YAML is parsed (PyYAML) and
its test commands must be the ones the nox session really ran.

nox, tox and what their environments install are pinned and come from PyPI through
scripts/setup-recipe-tools (a tool venv and a wheelhouse under ~/.cache/covalesce/recipe-tools;
the environments then install offline from the wheelhouse and are reused between runs).

The covalesce under test is $COVALESCE_BINARY if set (e.g. a wheel's), else the build tree's.
It is put on PATH behind a small wrapper that, when the recipe calls `covalesce all`, first
runs `covalesce verify` on the same data (coverage.py's six steps against covalesce, on
copies): so every recipe run is checked to give coverage.py's reports for that very run."""
import configparser
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import ROOT

RECIPES = ROOT / "examples" / "recipes"
TOOLS = pathlib.Path(os.environ.get("COVALESCE_RECIPE_TOOLS", pathlib.Path.home() / ".cache/covalesce/recipe-tools"))


@pytest.fixture(scope="module")
def tools():
    p = subprocess.run([str(ROOT / "scripts" / "setup-recipe-tools")], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"scripts/setup-recipe-tools failed (no PyPI?): {p.stderr[-500:]}")
    return TOOLS


@pytest.fixture(scope="module")
def binary(covalesce):
    return os.environ.get("COVALESCE_BINARY") or covalesce


def project(tmp_path, binary):
    """A copy of the recipes' project, and a PATH whose `covalesce` verifies before `all`."""
    proj = tmp_path / "proj"
    shutil.copytree(RECIPES, proj)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "verify.log"
    wrapper = bin_dir / "covalesce"
    wrapper.write_text(f"""#!/bin/sh
if [ "$1" = all ]; then
  "{binary}" verify >>"{log}" 2>&1 || echo "verify failed: exit $?" >>"{log}"
fi
exec "{binary}" "$@"
""")
    wrapper.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "CI" and not k.startswith(("COVERAGE_", "PIP_", "TOX_"))}
    env.update(PATH=f"{bin_dir}:{TOOLS / 'venv' / 'bin'}:{env['PATH']}", PIP_FIND_LINKS=str(TOOLS / "wheelhouse"),
               PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", VIRTUALENV_NO_PERIODIC_UPDATE="1")
    return proj, env, log


def check_verified(proj, log, quick=False, shards=True):
    text = log.read_text()
    assert text.count("Everything identical.") == 1 and "verify failed" not in text, text
    if shards:  # the main process and both xdist workers each wrote one
        m = re.search(r"verify: (\d+) shards beside \.coverage", text)
        assert m and int(m.group(1)) >= 3, text
    else:  # pytest-cov combined the workers' data itself
        assert "the data file .coverage" in text, text
    names = {p.name for p in proj.iterdir()}
    assert ".coverage" in names and not any(n.startswith(".coverage.") for n in names), names
    assert "coverage.json" in names
    for report in ("coverage.xml", "coverage.lcov", "htmlcov"):
        assert (report in names) != quick, (report, names)
    return text


def nox_run(tools, tmp_path, binary, ci):
    proj, env, log = project(tmp_path, binary)
    if ci:
        env["CI"] = "true"
    # Environments reused between runs (-R: no reinstall), one per noxfile content.
    key = hashlib.sha256((RECIPES / "noxfile.py").read_bytes()).hexdigest()[:12]
    p = subprocess.run([str(tools / "venv" / "bin" / "nox"), "--envdir", str(tools / f"nox-{key}"), "-R"],
                       cwd=proj, env=env, capture_output=True, text=True)
    assert p.returncode == 0, (p.stdout[-3000:], p.stderr[-3000:])
    commands = [line[len("nox > "):] for line in p.stderr.splitlines() if line.startswith("nox > ")]
    return proj, log, commands, p


@pytest.fixture(scope="module")
def nox_ci(tools, tmp_path_factory, binary):
    return nox_run(tools, tmp_path_factory.mktemp("nox-ci"), binary, ci=True)


def test_nox_session_ci(nox_ci):
    proj, log, commands, p = nox_ci
    check_verified(proj, log)
    assert "coverage run --parallel-mode -m pytest -n 2" in commands and "covalesce all -m" in commands, commands
    assert "Wrote HTML report to htmlcov/index.html" in p.stdout + p.stderr


def test_nox_session_local_quick(tools, tmp_path, binary):
    proj, log, commands, _ = nox_run(tools, tmp_path, binary, ci=False)
    assert "covalesce all -m --quick" in commands, commands
    check_verified(proj, log, quick=True)


@pytest.mark.parametrize("tox_env", ["py", "pytest-cov"])
def test_tox_env(tools, tmp_path, binary, tox_env):
    proj, env, log = project(tmp_path, binary)
    p = subprocess.run([str(tools / "venv" / "bin" / "tox"), "--workdir", str(tools / "tox-work"), "-e", tox_env],
                       cwd=proj, env=env, capture_output=True, text=True)
    assert p.returncode == 0, (p.stdout[-3000:], p.stderr[-3000:])
    check_verified(proj, log, shards=tox_env == "py")
    if tox_env == "pytest-cov":
        assert "plugins: xdist-3.8.0, cov-7.1.0" in p.stdout


def yaml_steps(tools):
    script = ("import json, sys, yaml; d = yaml.safe_load(open(sys.argv[1])); "
              "print(json.dumps(d['jobs']['tests']['steps']))")
    p = subprocess.run([str(tools / "venv" / "bin" / "python"), "-c", script, str(RECIPES / "github-actions.yml")],
                       capture_output=True, text=True, check=True)
    return json.loads(p.stdout)


def test_github_actions_job_matches_nox(tools, nox_ci):
    """The job's commands after its install step are the ones the nox session ran with CI
    set, it installs the nox session's pins plus covalesce, and uploads every report."""
    _, _, commands, _ = nox_ci
    steps = yaml_steps(tools)
    runs = [s["run"].strip() for s in steps if "run" in s]
    install, test_steps = runs[0], runs[1:]
    nox_test_commands = [c for c in commands if c.startswith(("coverage ", "covalesce "))]
    assert test_steps == nox_test_commands == ["coverage run --parallel-mode -m pytest -n 2", "covalesce all -m"]
    session_pins = re.search(r"session\.install\(([^)]*)\)", (RECIPES / "noxfile.py").read_text()).group(1)
    pins = re.findall(r'"([^"]+)"', session_pins)
    assert install == "pip install " + " ".join(pins) + " covalesce"
    upload = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact")]
    assert upload and upload[0]["with"]["path"].split() == ["coverage.json", "coverage.xml", "coverage.lcov", "htmlcov/"]


def test_tox_commands_match_nox(nox_ci):
    _, _, commands, _ = nox_ci
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(RECIPES / "tox.ini")
    tox_commands = [c.replace(" {posargs}", "") for c in ini["testenv"]["commands"].split("\n") if c.strip()]
    assert tox_commands == [c for c in commands if c.startswith(("coverage ", "covalesce "))]
