"""Shared set-up for the differential tests: where the tools are, and a source tree of
the bundled example in a temp dir that every scenario records real shards from."""
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENVS = pathlib.Path(os.environ.get("COVALESCE_VENVS", ROOT / ".venvs"))
BUILD = pathlib.Path(os.environ.get("COVALESCE_BUILD", ROOT / "build"))


def venv_python(version="3.11"):
    return VENVS / f"py{version}" / "bin" / "python"


@pytest.fixture(scope="session")
def covalesce():
    exe = BUILD / "covalesce"
    if not exe.exists():
        pytest.fail(f"{exe} is missing: build covalesce first (scripts/setup)")
    return str(exe)


@pytest.fixture(scope="session")
def source_tree(tmp_path_factory):
    """The example package plus the test runner, copied to a fresh directory."""
    src = tmp_path_factory.mktemp("src")
    shutil.copytree(ROOT / "examples" / "demo" / "inventory", src / "inventory")
    shutil.copy(ROOT / "examples" / "demo" / "run_demo.py", src)
    shutil.copy(ROOT / "tests" / "fixtures" / "combine" / "run_tests.py", src)
    return src


def record(src, shard_dir, script_args, coverage_args=(), rcfile=None, version="3.11", env=None):
    """Runs `python -m coverage run -p ... script args` in `src`, writing a shard into shard_dir."""
    cmd = [str(venv_python(version)), "-m", "coverage", "run", "-p",
           f"--data-file={shard_dir}/.coverage", *coverage_args]
    if rcfile:
        cmd.append(f"--rcfile={rcfile}")
    cmd += script_args
    subprocess.run(cmd, cwd=src, check=True, capture_output=True,
                   env={**os.environ, **(env or {})})
