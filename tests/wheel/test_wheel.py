"""The wheel scripts/wheel writes to dist/, installed with pip into fresh environments: every
command run through it on the bundled example gives what the build tree's binary gives, it
runs where only glibc, libstdc++, libm and libgcc_s are present, and `python -m covalesce`
finds the binary in a venv and in a --user install."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("COVALESCE_BUILD", ROOT / "build"))
DIST = pathlib.Path(os.environ.get("COVALESCE_DIST", ROOT / "dist"))
DEMO = ROOT / "examples" / "demo"
# What every manylinux system provides: the wheel may take these from the system, nothing else.
SYSTEM_LIBRARIES = re.compile(r"^(linux-vdso\.so|ld-linux-x86-64\.so|libc\.so|libm\.so|libstdc\+\+\.so|libgcc_s\.so)")


def project_version():
    text = (ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(covalesce\s+VERSION\s+([0-9.]+)", text).group(1)


@pytest.fixture(scope="module")
def wheel():
    found = sorted(DIST.glob("covalesce-*.whl"))
    if len(found) != 1:
        pytest.fail(f"expected one wheel in {DIST}, found {found}: run scripts/wheel")
    return found[0]


@pytest.fixture(scope="module")
def build_binary():
    exe = BUILD / "covalesce"
    if not exe.exists():
        pytest.fail(f"{exe} is missing: build covalesce first (scripts/setup)")
    return exe


@pytest.fixture(scope="module")
def venv(tmp_path_factory, wheel):
    """A fresh venv with nothing but the wheel, installed offline."""
    path = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(path / "bin" / "python"), "install",
                    "--quiet", "--disable-pip-version-check", "--no-index", str(wheel)], check=True)
    return path


def demo_copy(where):
    """The example's sources and shards, as scripts/demo lays them out."""
    shutil.copytree(DEMO, where)
    return where


def run(exe, args, cwd, **kw):
    p = subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, **kw)
    return p.returncode, p.stdout, p.stderr


def files_of(tree):
    """Every file the commands wrote, as bytes by relative path (sources and shards left out)."""
    out = {}
    for p in sorted(tree.rglob("*")):
        rel = p.relative_to(tree)
        if p.is_file() and rel.parts[0] not in ("inventory", "shards", ".covalesce_cache") \
                and rel.name != "run_demo.py":
            out[str(rel)] = p.read_bytes()
    return out


# Each step after the first reads the .coverage the first wrote; `all` starts again from the
# shards beside the data file.
STEPS = [["combine", "shards"], ["report", "-m"], ["json"], ["xml"], ["lcov"], ["html"]]


def venv_env(venv):
    """As in an activated venv: its python3 is the one covalesce asks for its version."""
    return {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}


def run_steps(exe, tree, env):
    results = [run(exe, step, tree, env=env) for step in STEPS]
    return results, files_of(tree)


def run_all(exe, tree, env):
    for shard in (tree / "shards").iterdir():
        shutil.copy(shard, tree)
    return run(exe, ["all"], tree, env=env), files_of(tree)


def same_ignoring_timestamps(a, b):
    """Byte-equal, except for the creation times coverage.py's formats carry."""
    stamp = re.compile(rb'(timestamp="\d+"|"timestamp": "[^"]*"|created at [0-9-]+ [0-9:]+ [+-]\d+)')
    return stamp.sub(b"TIME", a) == stamp.sub(b"TIME", b)


def data_rows(blob):
    """A data file's SQL rows, without the meta row naming the consumed inputs (it holds
    their absolute paths, which differ between the two trees)."""
    import sqlite3
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".sqlite") as f:
        f.write(blob)
        f.flush()
        con = sqlite3.connect(f.name)
        rows = [line for line in con.iterdump() if "covalesce_consumed" not in line]
        con.close()
    return rows


def same_file(name, a, b):
    base = pathlib.PurePath(name).name
    if base == ".coverage" or base.startswith(".coverage."):
        return data_rows(a) == data_rows(b)
    return same_ignoring_timestamps(a, b)


def assert_same_files(ours, ref):
    assert sorted(ours) == sorted(ref)
    different = [name for name in ref if not same_file(name, ours[name], ref[name])]
    assert different == []


def test_wheel_is_named_for_its_version_and_policy(wheel):
    assert re.fullmatch(rf"covalesce-{re.escape(project_version())}-py3-none-manylinux_2_\d+_x86_64\.whl",
                        wheel.name)


def test_wheel_build_compiles_as_the_main_build_does(wheel):
    """Only link options differ, so ccache serves the wheel build the main build's objects."""
    def commands(build):
        entries = json.loads((build / "compile_commands.json").read_text())
        return {e["file"]: e["command"].replace(str(build), "BUILD") for e in entries}
    ours, main = commands(ROOT / "build-wheel"), commands(BUILD)
    assert ours and {f: c for f, c in ours.items() if main.get(f) != c} == {}


def test_installed_binary_is_the_command_not_a_wrapper(venv):
    exe = venv / "bin" / "covalesce"
    assert exe.read_bytes()[:4] == b"\x7fELF"
    # The bundled libraries sit where the binary's RPATH points, once installed.
    assert sorted(p.name for p in (venv / "lib" / "covalesce").iterdir()) == [
        "libfmt.so.9", "libhwy.so.1", "libhwy_contrib.so.1", "libsimdjson.so.14", "libtbb.so.12",
        "libtbbmalloc.so.2", "libtomlplusplus.so.3"]


def test_every_command_matches_the_build_tree_binary(tmp_path, venv, build_binary):
    installed = venv / "bin" / "covalesce"
    env = venv_env(venv)
    ours = run_steps(installed, demo_copy(tmp_path / "wheel"), env)
    ref = run_steps(build_binary, demo_copy(tmp_path / "build"), env)
    assert [r[0] for r in ref[0]] == [0] * len(STEPS)
    assert ours[0] == ref[0]
    assert_same_files(ours[1], ref[1])
    assert {".coverage", "coverage.json", "coverage.xml", "coverage.lcov", "htmlcov/index.html"} <= set(ref[1])

    ours = run_all(installed, demo_copy(tmp_path / "wheel-all"), env)
    ref = run_all(build_binary, demo_copy(tmp_path / "build-all"), env)
    assert ref[0][0] == 0
    assert ours[0] == ref[0]
    assert_same_files(ours[1], ref[1])


def test_version_help_and_python_m(venv, build_binary, tmp_path):
    installed = venv / "bin" / "covalesce"
    python = venv / "bin" / "python"
    for args in (["--version"], ["help"], ["help", "report"]):
        ref = run(build_binary, args, tmp_path)
        assert run(installed, args, tmp_path) == ref
        assert run(python, ["-m", "covalesce", *args], tmp_path) == ref
    assert run(installed, ["--version"], tmp_path)[1].startswith(f"covalesce, version {project_version()} ")
    # The package's metadata carries the same one version.
    meta = run(python, ["-c", "import importlib.metadata as m; print(m.version('covalesce'))"], tmp_path)
    assert meta == (0, project_version() + "\n", "")
    # Exit statuses pass through the exec.
    assert run(python, ["-m", "covalesce", "nosuchcommand"], tmp_path)[0] == 1


def test_user_install_finds_its_libraries(tmp_path, wheel, build_binary):
    """pip --user puts scripts in <userbase>/bin and data in <userbase>: the RPATH still holds."""
    base = getattr(sys, "_base_executable", sys.executable)
    env = {**os.environ, "PYTHONUSERBASE": str(tmp_path / "userbase")}
    subprocess.run([base, "-m", "pip", "install", "--user", "--quiet", "--disable-pip-version-check",
                    "--no-index", "--no-warn-script-location", str(wheel)], check=True, env=env)
    scripts = sysconfig.get_path("scripts", f"{os.name}_user", vars={"userbase": env["PYTHONUSERBASE"]})
    installed = pathlib.Path(scripts) / "covalesce"
    ref = run(build_binary, ["--version"], tmp_path)
    assert run(installed, ["--version"], tmp_path, env=env) == ref
    assert run(base, ["-m", "covalesce", "--version"], tmp_path, env=env) == ref
    assert "lib/covalesce/libtbb.so.12" in ldd(installed)["libtbb.so.12"]


def ldd(exe):
    out = subprocess.run(["ldd", str(exe)], capture_output=True, text=True, check=True).stdout
    libs = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+)(?: => (\S+))?", line)
        if m:
            libs[m.group(1)] = m.group(2) or m.group(1)
    return libs


def test_resolves_only_system_basics_and_bundled_libraries(venv):
    libs = ldd(venv / "bin" / "covalesce")
    outside = {name: path for name, path in libs.items()
               if not SYSTEM_LIBRARIES.match(os.path.basename(name)) and not path.startswith(str(venv) + "/")}
    assert outside == {}
    assert "not found" not in "".join(libs.values())


def sandbox_root(where):
    """A /usr holding only the dynamic loader, libc, libm, libstdc++, libgcc_s and /bin/sh (for
    the Python probe, which then finds no Python): none of the -dev packages' libraries."""
    libdir = where / "usr" / "lib" / "x86_64-linux-gnu"
    libdir.mkdir(parents=True)
    (where / "usr" / "lib64").mkdir()
    (where / "usr" / "bin").mkdir()
    for name in ("libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1"):
        shutil.copy(f"/lib/x86_64-linux-gnu/{name}", libdir / name)
    shutil.copy("/lib64/ld-linux-x86-64.so.2", where / "usr" / "lib64")
    shutil.copy(os.path.realpath("/bin/sh"), where / "usr" / "bin" / "sh")
    return where


def bwrap(root, binds, cwd, args):
    cmd = ["bwrap", "--unshare-all", "--die-with-parent", "--clearenv", "--setenv", "PATH", "/usr/bin",
           "--ro-bind", str(root / "usr"), "/usr", "--symlink", "usr/lib", "/lib",
           "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
           "--proc", "/proc", "--dev", "/dev"]
    for path in binds:
        cmd += ["--bind", str(path), str(path)]
    return run(cmd[0], [*cmd[1:], "--chdir", str(cwd), *map(str, args)], cwd)


def test_runs_in_a_sandbox_without_the_build_dependencies(tmp_path, venv, build_binary):
    if shutil.which("bwrap") is None or subprocess.run(
            ["bwrap", "--ro-bind", "/", "/", "--unshare-all", "true"], capture_output=True).returncode != 0:
        pytest.skip("bubblewrap cannot make a sandbox here (scripts/setup installs it where it can)")
    root = sandbox_root(tmp_path / "root")
    installed = venv / "bin" / "covalesce"
    # The sandbox really hides the build's libraries: the build tree's binary cannot start there.
    rc, _, err = bwrap(root, [build_binary.parent], build_binary.parent,
                        [build_binary, "--version"])
    assert rc != 0 and "error while loading shared libraries" in err

    assert bwrap(root, [venv], venv, [installed, "--version"]) == run(build_binary, ["--version"], tmp_path)
    tree = demo_copy(tmp_path / "sandboxed")
    for shard in (tree / "shards").iterdir():
        shutil.copy(shard, tree)
    ours = bwrap(root, [venv, tree], tree, [installed, "all", "--python-version", "3.11"]), files_of(tree)
    ref_tree = demo_copy(tmp_path / "reference")
    for shard in (ref_tree / "shards").iterdir():
        shutil.copy(shard, ref_tree)
    ref = run(build_binary, ["all", "--python-version", "3.11"], ref_tree), files_of(ref_tree)
    assert ref[0][0] == 0
    assert ours[0] == ref[0]
    assert_same_files(ours[1], ref[1])
