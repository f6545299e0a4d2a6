"""Ground truth for covalesce's slipcover reader: a slipcover JSON file written as a coverage.py
data file through coverage.py's own API (CoverageData.add_lines / add_arcs), with the branch
mapping README.md describes done here in Python against coverage.py's own PythonParser arcs
(no exclusions), not covalesce's native analysis.

    python slipcover_truth.py SLIPCOVER.json DATA_FILE [--relative] [--move=OLD=NEW ...]

run in the directory slipcover ran in (names are joined to it, as covalesce does). Also
importable: branch_arcs() maps one file's branches."""
import json
import os
import sys

from coverage.data import CoverageData
from coverage.parser import PythonParser


def possible_arcs(path, moves=()):
    for old, new in moves:  # where [paths] says the sources are now
        if path.startswith(old) and os.path.exists(new + path[len(old):]):
            path = new + path[len(old):]
    parser = PythonParser(filename=path, exclude=None)
    parser.parse_source()
    return parser.arcs()


def branch_arcs(entry, possible):
    """slipcover's executed branches of one file as coverage.py arcs; (arcs, unmapped count)."""
    dests = {}
    for a, b in possible:
        dests.setdefault(a, []).append(b)
    slip = {}
    for a, b in entry.get("executed_branches", []) + entry.get("missing_branches", []):
        slip.setdefault(a, set()).add(b)

    def same(s, c):
        return c < 0 if s == 0 else s == c

    out, unmapped = set(), 0
    for f, t in entry.get("executed_branches", []):
        d = dests.get(f)
        if d is None:
            unmapped += 1
            continue
        if len(d) == 1 and d[0] > f and d[0] not in slip[f]:
            # match: from the match line coverage.py goes to the first case; walk the cases.
            cur, chain = d[0], []
            while True:
                cd = dests.get(cur, [])
                hits = [c for c in cd if same(t, c)]
                if hits:
                    chain.append((cur, hits[0]))
                    out.update(chain)
                    break
                if len(cd) == 2 and min(cd) > 0:
                    chain.append((cur, max(cd)))
                    cur = max(cd)
                    continue
                unmapped += 1
                break
            continue
        hits = [c for c in d if same(t, c)]
        if hits and (t != 0 or sum(c < 0 for c in d) == 1):
            out.add((f, hits[0]))
            continue
        slip_left = [s for s in slip[f] if not any(same(s, c) for c in d)]
        cov_left = [c for c in d if not any(same(s, c) for s in slip[f])]
        if slip_left == [t] and len(cov_left) == 1:
            out.add((f, cov_left[0]))
        else:
            unmapped += 1
    return out, unmapped


def to_coverage_data(slip, data_file, cwd, relative=False, moves=()):
    data = CoverageData(data_file)
    branch = slip["meta"]["branch_coverage"]
    lines, arcs, touched = {}, {}, []
    for name, entry in slip["files"].items():
        path = name if relative or os.path.isabs(name) else os.path.normpath(os.path.join(cwd, name))
        if not entry["executed_lines"]:
            touched.append(path)  # known, never run: a file row only
        elif branch:
            got = set()
            if entry.get("executed_branches"):
                got, _ = branch_arcs(entry, possible_arcs(os.path.join(cwd, name), moves))
            got |= {(-l, l) for l in entry["executed_lines"]}
            arcs[path] = sorted(got)
        else:
            lines[path] = entry["executed_lines"]
    if branch:
        data.add_arcs(arcs)
    else:
        data.add_lines(lines)
    if touched:
        data.touch_files(touched)
    data.write()
    return data


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        slip = json.load(f)
    moves = [a[len("--move="):].split("=", 1) for a in sys.argv[3:] if a.startswith("--move=")]
    to_coverage_data(slip, sys.argv[2], os.getcwd(), relative="--relative" in sys.argv[3:], moves=moves)
