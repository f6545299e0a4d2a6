"""`covalesce --version`, `covalesce help` and bare `covalesce` have the shape of coverage.py's,
and the help lists exactly the commands covalesce accepts, each with one line."""
import re
import subprocess

from conftest import ROOT, venv_python

PY = "3.11"


def coverage(*args):
    exe = venv_python(PY).parent / "coverage"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, check=True).stdout


def ours(covalesce, *args):
    p = subprocess.run([covalesce, *args], capture_output=True, text=True)
    return p.returncode, p.stdout


def project_version():
    text = (ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(covalesce\s+VERSION\s+([0-9.]+)", text).group(1)


def command_lines(help_text):
    """{name: summary} of the "Commands:" block, in the order printed."""
    block = help_text.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    out = {}
    for line in block.splitlines():
        m = re.fullmatch(r"    (\S+) +(\S.*)", line)
        assert m, line
        out[m.group(1)] = m.group(2)
    return out


def test_version(covalesce):
    ref = coverage("--version").splitlines()
    coverage_version = re.match(r"Coverage\.py, version (\S+)", ref[0]).group(1)
    rc, out = ours(covalesce, "--version")
    assert rc == 0
    assert out.splitlines() == [
        f"covalesce, version {project_version()} (compatible with coverage.py {coverage_version})",
        ref[-1]]  # "Full documentation is at ..." for the matched release


def test_bare_command_is_one_line_and_the_documentation(covalesce):
    ref = coverage().splitlines()
    rc, out = ours(covalesce)
    assert rc == 0
    assert out.splitlines() == [
        f"Combine and report coverage.py data, version {project_version()}. Use 'covalesce help' for help.",
        ref[-1]]


def test_help_has_coverage_help_shape(covalesce):
    ref = coverage("help")
    rc, out = ours(covalesce, "help")
    assert rc == 0
    # Same frame: version line, one-line description, usage, the command block, pointer, docs.
    def frame(text, name):
        text = re.sub(rf"\b{name}(?= )", "PROG", text)  # the program's name, not the docs' URL
        return [re.sub(r"^    \S+ +.*$", "CMD", line) for line in text.splitlines()]

    ref_frame, our_frame = frame(ref, "coverage"), frame(out, "covalesce")
    assert [l for l in our_frame if l != "CMD"][2:] == [l for l in ref_frame if l != "CMD"][2:]
    assert our_frame[0] == ours(covalesce, "--version")[1].splitlines()[0]


def test_help_lists_exactly_the_commands_covalesce_runs(covalesce):
    listed = command_lines(ours(covalesce, "help")[1])
    assert list(listed) == sorted(listed)
    # Candidates: coverage.py's commands and the names in covalesce's command table.
    table = re.findall(r'\{\{"(\w+)",', (ROOT / "src" / "cli" / "commands.cc").read_text())
    ref_listed = command_lines(coverage("help"))
    for name in sorted(set(ref_listed) | set(table) | {"help"}):
        if name == "help":
            accepted = ours(covalesce, "help")[0] == 0
        else:
            accepted = ours(covalesce, name, "--help")[0] == 0
        assert (name in listed) == accepted, name
        if name in listed and name != "help":
            assert ours(covalesce, "help", name)[1].startswith(f"Usage: covalesce {name} ")
    assert set(table) <= set(listed)
    # A command coverage.py has too is described by the same line, with covalesce's name.
    for name in set(listed) & set(ref_listed):
        assert listed[name] == ref_listed[name].replace("coverage.py", "covalesce"), name
