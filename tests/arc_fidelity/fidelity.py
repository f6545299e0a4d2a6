#!/usr/bin/env python3
"""Arc fidelity corpus test: covalesce's native branch analysis against coverage.py 7.17.3.

For each requested version (3.11, 3.12, 3.13) and each settings set ("default": coverage.py's
default exclude_lines and partial-branch patterns; "custom": those plus exclude_also and
partial_also lists), it analyses every .py file under that interpreter's stdlib directory
(test/ included, site-packages excluded) with coverage.py itself (reference.py, run by that
version's reference venv) and with `covalesce debug analysis --analysis=native --branch
--describe`, then compares file by file: the possible arcs, exit counts, no-branch lines, the
with-statement jump fixers, the message fragments, and for every possible arc the
missing-arc description and the arc description, as the reports derive them.

coverage.py builds an arc's fragment list by iterating a Python set of (line, reason) pairs,
whose order follows string hashes and changes from process to process; so fragment lists and
the " or " parts of a description are compared as sorted lists, and the arc description
(the first fragment's action) must be one coverage.py could give.

The version modelled is the reference interpreter's full version (3.12.1, say): coverage.py's
with-statement rule changes at 3.12.6. coverage.py's answers are cached in
~/.cache/covalesce/arc-ref/, keyed as stmt-ref is, so warm runs only run covalesce.
"""
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import corpus as common  # noqa: E402  (tests/corpus.py)

ROOT = common.ROOT
REFERENCE = os.path.join(HERE, "reference.py")
CACHE = os.path.join(common.CACHE_ROOT, "arc-ref")

DEFAULT_PARTIAL = [r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(branch|BRANCH)"]
DEFAULT_PARTIAL_ALWAYS = [r"^\s*while (True|1|False|0):", r"^\s*if (True|1|False|0):"]
PARTIAL_ALSO = [
    r"if __name__ == .__main__.:",
    r"except ImportError:",
    r"for .* in .*\.items\(\):",
    r"while \w+:",
]
SETTINGS = {
    "default": {"exclude": common.DEFAULT_EXCLUDE, "partial": DEFAULT_PARTIAL,
                "partial_always": DEFAULT_PARTIAL_ALWAYS, "rc": "[report]\n"},
    "custom": {"exclude": common.DEFAULT_EXCLUDE + common.CUSTOM_ALSO,
               "partial": DEFAULT_PARTIAL + PARTIAL_ALSO, "partial_always": DEFAULT_PARTIAL_ALWAYS,
               "rc": "[report]\nexclude_also =\n" + "".join("    %s\n" % r for r in common.CUSTOM_ALSO)
                     + "partial_also =\n" + "".join("    %s\n" % r for r in PARTIAL_ALSO)},
}
FIELDS = ("arcs", "exit_counts", "no_branch", "with_jump_fixers", "arc_fragments", "descriptions")


def run_reference(python, settings, files, jobs):
    arg = json.dumps({k: settings[k] for k in ("exclude", "partial", "partial_always")})
    return common.reference_by_path(python, REFERENCE, arg, files, jobs)


def normalize_ours(r):
    """covalesce's --describe JSON in reference.py's terms."""
    if "error" in r:
        return {"error": r["error"]}
    if "arcs" not in r:
        return {"error": {"type": "no arcs", "message": "no branch data"}}
    out = {f: r[f] for f in ("arcs", "exit_counts", "no_branch", "with_jump_fixers")}
    out["arc_fragments"] = [[arc, sorted(fl, key=json.dumps)] for arc, fl in r["arc_fragments"]]
    out["descriptions"] = [[a, b, " or ".join(sorted(m.split(" or "))), d]
                           for a, b, m, d in r["arc_descriptions"]]
    return out


def run_native(binary, version, settings, files):
    with tempfile.TemporaryDirectory() as tmp:
        rc = os.path.join(tmp, "rc.ini")
        with open(rc, "w") as f:
            f.write(settings["rc"] + "[covalesce]\npython_version = %s\n" % version)
        cmd = [binary, "debug", "analysis", "--analysis=native", "--branch", "--describe", "--no-cache",
               "--rcfile", rc, "--timings"]
        raw, stderr = common.covalesce_json_lines(cmd, files)
    result = {path: normalize_ours(r) for path, r in raw.items()}
    marker = ": would use --analysis=python: "
    for line in stderr.splitlines():
        if marker in line:
            path, why = line.split(marker, 1)
            if path in result:
                result[path]["fallback"] = why
    return result, stderr.strip()


def describe(ref, ours, limit=4):
    if "error" in ref or "error" in ours or "fallback" in ours:
        return common.error_lines(ref, ours)
    lines = []
    for field, a, b in common.differing_fields(ref, ours, FIELDS):
        sa, sb = {json.dumps(x) for x in a}, {json.dumps(x) for x in b}
        missing = sorted(sa - sb)[:limit]
        extra = sorted(sb - sa)[:limit]
        if field == "descriptions":
            # ours: [a, b, missing, action]; the action must be one of coverage.py's.
            refd = {(x[0], x[1]): x for x in a}
            bad = []
            for x in b:
                r = refd.get((x[0], x[1]))
                if r is None or r[2] != x[2] or x[3] not in r[3]:
                    bad.append((r, x))
            if not bad and len(a) == len(b):
                continue
            lines.append("descriptions: %d differ, first: coverage.py %s / covalesce %s" % (
                len(bad), json.dumps(bad[0][0]) if bad else "-", json.dumps(bad[0][1]) if bad else "-"))
            continue
        lines.append("%s: covalesce lacks %s, has extra %s" % (field, missing, extra))
    return lines


def compare(ref, ours):
    if "error" in ref:
        return "fallback" if ("error" in ours or "fallback" in ours) else "mismatch"
    if "error" in ours or "fallback" in ours:
        return "mismatch"
    return "ok" if not describe(ref, ours) else "mismatch"


def check(version, set_name, binary, show, jobs, list_all, corpus=None):
    settings = SETTINGS[set_name]
    python = common.venv_python(version)
    t0 = time.time()
    stdlib, full, cov, files = common.stdlib_files(python, corpus)
    script = common.file_hash(REFERENCE)[:12]
    key = json.dumps({k: settings[k] for k in ("exclude", "partial", "partial_always")})
    cache_path = os.path.join(CACHE, "cov%s-py%s-%s-%s.json" % (cov, full, script, common.text_hash(key)))
    cache, hashes, computed = common.reference_answers(
        cache_path, files, lambda missing: run_reference(python, settings, missing, jobs))
    t1 = time.time()
    ours, timing = run_native(binary, full, settings, files)
    t2 = time.time()
    counts = {"ok": 0, "fallback": 0, "mismatch": 0}
    bad = []
    for p in files:
        mine = ours.get(p, {"error": {"type": "missing", "message": "no output"}})
        verdict = compare(cache[hashes[p]], mine)
        counts[verdict] += 1
        if verdict == "mismatch":
            bad.append((p, cache[hashes[p]], mine))
    print("Python %s, %s settings%s: %d files, %d mismatching, %d errors both ways "
          "(reference %.1fs, %d computed; covalesce %.1fs)" %
          (full, set_name, " over " + stdlib if corpus else "", len(files), counts["mismatch"],
           counts["fallback"], t1 - t0, computed, t2 - t1))
    for p, ref, mine in (bad if list_all else bad[:show]):
        print("  MISMATCH %s" % os.path.relpath(p, stdlib))
        if not list_all:
            for line in describe(ref, mine):
                print("    " + line[:600])
    return counts["mismatch"]


def main():
    return common.settings_sets_main(__doc__, check, "settings sets: default,custom")


if __name__ == "__main__":
    sys.exit(main())
