#!/usr/bin/env python3
"""Statement fidelity corpus test: covalesce's native analysis against coverage.py's PythonParser.

For each requested version (3.11, 3.12, 3.13) and each exclusion set ("default": coverage.py's
default exclude_lines; "custom": those plus a realistic exclude_also list), it analyses every
.py file under that interpreter's stdlib directory (test/ included, site-packages excluded)
twice: with coverage.py 7.17.3 itself (reference.py, run by that version's reference venv) and
with `covalesce debug statements`, then compares statements, excluded lines, the multi-line
map, num_lines and the function/class regions file by file. It prints the number of
mismatching files and the first differences, and exits 1 if any file differs.

A file coverage.py cannot parse must be an error natively too; where covalesce hands such a
file to the exact fallback (its message is not CPython's), that counts as a match and is
listed as a fallback. A fallback for a file coverage.py parses is a mismatch.

coverage.py's answers are cached in ~/.cache/covalesce/stmt-ref/, keyed by coverage.py's
version, the interpreter's full version, reference.py's hash, the settings and each file's
content hash, so warm runs only run covalesce.
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
CACHE = os.path.join(common.CACHE_ROOT, "stmt-ref")

DEFAULT_EXCLUDE = common.DEFAULT_EXCLUDE
CUSTOM_ALSO = common.CUSTOM_ALSO
SETTINGS = {
    "default": {"exclude": DEFAULT_EXCLUDE, "rc": "[report]\n"},
    "custom": {"exclude": DEFAULT_EXCLUDE + CUSTOM_ALSO,
               "rc": "[report]\nexclude_also =\n" + "".join("    %s\n" % r for r in CUSTOM_ALSO)},
}
FIELDS = ("statements", "excluded", "multiline", "num_lines", "regions")


venv_python = common.venv_python
stdlib_files = common.stdlib_files
file_hash = common.file_hash
text_hash = common.text_hash


def run_reference(python, settings, files, jobs):
    """coverage.py's results per path, from parallel chunks of files."""
    return common.reference_by_path(python, REFERENCE, json.dumps({"exclude": settings["exclude"]}), files, jobs)


def normalize_error(result, path):
    if "error" in result:
        result = dict(result)
        err = dict(result["error"])
        err["message"] = err["message"].replace(path, "{path}")
        result["error"] = err
    return result


def run_native(binary, version, settings, files, threads=None):
    with tempfile.TemporaryDirectory() as tmp:
        rc = os.path.join(tmp, "rc.ini")
        with open(rc, "w") as f:
            f.write(settings["rc"])
        cmd = [binary, "debug", "statements", "--python-version", version, "--rcfile", rc, "--timings"]
        if threads:
            cmd += ["--threads", str(threads)]
        result, stderr = common.covalesce_json_lines(cmd, files)
    for r in result.values():
        del r["path"]
    return result, stderr.strip()


def describe(ref, ours, limit=6):
    """The first differences of one file, as short lines."""
    if "error" in ref or "error" in ours:
        return common.error_lines(ref, ours)
    lines = []
    for field, a, b in common.differing_fields(ref, ours, FIELDS):
        if field in ("statements", "excluded"):
            missing = sorted(set(a) - set(b))
            extra = sorted(set(b) - set(a))
            lines.append("%s: covalesce lacks %s, has extra %s" % (field, missing[:limit], extra[:limit]))
        elif field == "multiline":
            da, db = dict(map(tuple, a)), dict(map(tuple, b))
            diff = sorted(k for k in set(da) | set(db) if da.get(k) != db.get(k))
            lines.append("multiline: differs at %s" % [(k, da.get(k), db.get(k)) for k in diff[:limit]])
        elif field == "regions":
            for i, (ra, rb) in enumerate(zip(a, b)):
                if ra != rb:
                    lines.append("regions[%d]: coverage.py %s / covalesce %s" % (
                        i, json.dumps(ra)[:150], json.dumps(rb)[:150]))
                    break
            else:
                lines.append("regions: %d vs %d regions" % (len(a), len(b)))
        else:
            lines.append("%s: %r vs %r" % (field, a, b))
    return lines


def compare(ref, ours):
    """'ok', 'fallback' (an error both ways; covalesce defers to the fallback) or 'mismatch'."""
    if "error" in ref:
        if "error" not in ours:
            return "mismatch"
        if "fallback" in ours:
            return "fallback"
        return "ok" if ours["error"] == ref["error"] else "mismatch"
    if "error" in ours:
        return "mismatch"
    return "ok" if all(ref.get(f) == ours.get(f) for f in FIELDS) else "mismatch"


def check(version, set_name, binary, show, jobs, list_all, corpus=None):
    settings = SETTINGS[set_name]
    python = venv_python(version)
    t0 = time.time()
    stdlib, full, cov, files = stdlib_files(python, corpus)
    script = common.file_hash(REFERENCE)[:12]
    cache_path = os.path.join(CACHE, "cov%s-py%s-%s-%s.json" % (
        cov, full, script, text_hash(json.dumps(settings["exclude"]))))
    cache, hashes, computed = common.reference_answers(
        cache_path, files, lambda missing: run_reference(python, settings, missing, jobs), normalize_error)
    t1 = time.time()
    ours, timing = run_native(binary, version, settings, files)
    t2 = time.time()
    counts = {"ok": 0, "fallback": 0, "mismatch": 0}
    bad, fallbacks = [], []
    for p in files:
        ref = cache[hashes[p]]
        mine = normalize_error(ours.get(p, {"error": {"type": "missing", "message": "no output"}}), p)
        verdict = compare(ref, mine)
        counts[verdict] += 1
        if verdict == "mismatch":
            bad.append((p, ref, mine))
        elif verdict == "fallback":
            fallbacks.append((p, mine))
    print("Python %s, %s exclusions%s: %d files, %d mismatching, %d parse errors left to the fallback "
          "(reference %.1fs, %d computed; covalesce %.1fs)" %
          (full, set_name, " over " + stdlib if corpus else "", len(files), counts["mismatch"], counts["fallback"], t1 - t0, computed, t2 - t1))
    for p, ref, mine in (bad if list_all else bad[:show]):
        print("  MISMATCH %s" % os.path.relpath(p, stdlib))
        if not list_all:
            for line in describe(ref, mine):
                print("    " + line[:400])
    for p, mine in fallbacks[:show]:
        print("  fallback %s: %s" % (os.path.relpath(p, stdlib), mine.get("fallback")))
    return counts["mismatch"]


def main():
    return common.settings_sets_main(__doc__, check, "exclusion sets: default,custom")


if __name__ == "__main__":
    sys.exit(main())
