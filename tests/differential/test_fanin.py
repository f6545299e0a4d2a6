"""Fan-in as a CI matrix does it: real shards recorded by coverage.py 7.17.3 on three "nodes"
(three checkouts of the example at different absolute paths), combined on each node with no
[paths] section (the node knows only its own checkout), then the partial files fanned in with
a [paths] section that maps every node's checkout to the fan-in job's own. Because combining
is associative and commutative, per-node-then-fan-in, any grouping or order of the partials,
one combine of every shard, and coverage.py's combine of every shard must hold the same data
(compared through coverage.py's CoverageData: files, lines or arcs per context, tracers)."""
import json
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import record, venv_python
from test_combine import DUMP

# test_combine's dump, for many files in one Python process.
DUMP_MANY = ("import sys\nfor _f in sys.argv[1:]:\n    sys.argv = ['dump', _f]\n"
             f"    exec(compile({DUMP!r}, 'dump', 'exec'), {{}})\n")


def dump_all(files):
    p = subprocess.run([str(venv_python()), "-c", DUMP_MANY, *map(str, files)],
                       capture_output=True, text=True, check=True)
    return [json.loads(line) for line in p.stdout.splitlines()]

NODES = 3
# Per node: 4 shards; static contexts name the node, dynamic ones name each test function.
RUNS = [(["run_demo.py", "apple=3", "pear=12"], ["--context=node{k}"]),
        (["run_demo.py", "fig=5", "-fig=2"], []),
        (["run_tests.py", "test_add_and_remove", "test_low"], ["DYN"]),
        (["run_tests.py", "test_pricing"], ["DYN"])]


def record_nodes(source_tree, root, branch):
    """Three checkouts, four shards each, recorded four at a time."""
    dyn = root / "dyn.ini"
    dyn.write_text(f"[run]\nbranch = {branch}\ndynamic_context = test_function\n")
    jobs = []
    for k in range(NODES):
        checkout = root / f"runner{k}" / "work" / "proj"
        shutil.copytree(source_tree, checkout)
        shards = root / f"shards{k}"
        shards.mkdir()
        for i, (args, extra) in enumerate(RUNS):
            extra = [e.format(k=k) for e in extra]
            rc = dyn if extra == ["DYN"] else None
            cov = ([] if rc else (["--branch"] if branch else [])) + [e for e in extra if e != "DYN"]
            # Run 1 differs per node (so nodes are not duplicates of each other) ...
            if i == 1:
                args = args + [f"pear={k + 1}"]
            jobs.append((checkout, shards, args, cov, rc))
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda j: record(j[0], j[1], j[2], j[3], rcfile=j[4]), jobs))
    checkouts = [root / f"runner{k}" / "work" / "proj" for k in range(NODES)]
    return [root / f"shards{k}" for k in range(NODES)], checkouts


@pytest.fixture(scope="module", params=["lines", "branch"])
def nodes(request, source_tree, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"fanin-{request.param}")
    shard_dirs, checkouts = record_nodes(source_tree, root, request.param == "branch")
    return shard_dirs, checkouts


def combine(tool, cwd, rcfile, *paths):
    exe = [str(venv_python()), "-m", "coverage"] if tool == "coverage" else [tool]
    p = subprocess.run(exe + ["combine", "--keep", f"--rcfile={rcfile}", *map(str, paths)],
                       cwd=cwd, capture_output=True, text=True)
    assert p.returncode == 0, (p.stdout, p.stderr)
    return cwd / ".coverage"


def node_partials(tool, shard_dirs, work, empty_rc):
    """Each node's own combine, then its .coverage as the artefact it uploads."""
    partials = []
    for k, shards in enumerate(shard_dirs):
        d = work / f"{tool.split('/')[-1]}-node{k}"
        shutil.copytree(shards, d)
        partials.append(combine(tool, d, empty_rc))
    return partials


def fan_in(tool, partials, work, name, fanin_rc, names=None):
    d = work / name
    d.mkdir()
    for i, p in enumerate(partials):
        shutil.copy(p, d / (names[i] if names else f".coverage.node{i}"))
    return combine(tool, d, fanin_rc)


def test_fan_in_equals_one_combine_equals_coverage(nodes, source_tree, tmp_path, covalesce):
    shard_dirs, checkouts = nodes
    empty_rc = tmp_path / "empty.ini"
    empty_rc.write_text("[run]\n")
    fanin_rc = tmp_path / "fanin.ini"
    fanin_rc.write_text("[paths]\nsource =\n    " + "\n    ".join(map(str, [source_tree, *checkouts])) + "\n")

    results = {}
    # One combine of all 12 shards, by both tools.
    for tool in ("coverage", covalesce):
        d = tmp_path / f"one-{tool.split('/')[-1]}"
        d.mkdir()
        results[f"one {tool}"] = combine(tool, d, fanin_rc, *shard_dirs)
    # Per node, then the fan-in.
    ours = node_partials(covalesce, shard_dirs, tmp_path, empty_rc)
    results["fan-in"] = fan_in(covalesce, ours, tmp_path, "fanin-ours", fanin_rc)
    # The partials in the reverse order (combine reads them sorted by name) ...
    results["reversed"] = fan_in(covalesce, ours, tmp_path, "fanin-rev", fanin_rc,
                                 names=[f".coverage.{'cba'[i]}" for i in range(NODES)])
    # ... and grouped both ways: (n0 + n1) + n2 and n0 + (n1 + n2).
    left = fan_in(covalesce, ours[:2], tmp_path, "left01", fanin_rc)
    results["(n0+n1)+n2"] = fan_in(covalesce, [left, ours[2]], tmp_path, "left", fanin_rc)
    right = fan_in(covalesce, ours[1:], tmp_path, "right12", fanin_rc)
    results["n0+(n1+n2)"] = fan_in(covalesce, [ours[0], right], tmp_path, "right", fanin_rc)

    names = list(results)
    dumps = dict(zip(names + ["node0"], dump_all([results[n] for n in names] + [ours[0]])))
    ref = dumps["one coverage"]
    for name in names:
        assert dumps[name] == ref, name
    # The remapping really happened, and the data is not trivial.
    assert ref["files"] and all(f.startswith(str(source_tree)) for f in ref["files"]), ref["files"]
    assert {f"node{k}" for k in range(NODES)} <= set(ref["contexts"])
    assert any(c.startswith("test_pricing") or c.endswith("test_pricing") for c in ref["contexts"])
    # A node's partial still names its own checkout: only the fan-in remaps.
    assert all(f.startswith(str(checkouts[0])) for f in dumps["node0"]["files"])
