"""coverage.py's own branch answers for the arc fidelity test.

Run by each reference venv's python (coverage 7.17.3 installed):

    python reference.py SETTINGS_JSON FILE...

SETTINGS_JSON is {"exclude": [...], "partial": [...], "partial_always": [...]} (the config
lists, *_also appended). Prints one JSON line per file, in order, with what a
PythonFileReporter gives the reports on branch data: "arcs", "exit_counts", "no_branch",
"with_jump_fixers", "arc_fragments" (each arc's fragment list sorted: coverage.py builds it by
iterating a set whose order follows string hashes, so the order differs between processes),
and "descriptions": per possible arc, missing_arc_description() with its " or " parts sorted
(the same reason), and every action arc_description() could give, depending on that order.
Or "error": {"type", "message"} when coverage.py raises.
"""
import json
import sys
import warnings


def main():
    settings = json.loads(sys.argv[1])
    warnings.simplefilter("ignore")
    import coverage
    from coverage.python import PythonFileReporter

    cov = coverage.Coverage(data_file=None, config_file=False)
    cov.config.exclude_list = settings["exclude"]
    cov.config.partial_list = settings["partial"]
    cov.config.partial_always_list = settings["partial_always"]
    out = sys.stdout
    for path in sys.argv[2:]:
        result = {"path": path}
        try:
            fr = PythonFileReporter(path, cov)
            fr.lines()
            arcs = sorted(fr.arcs())
            parser = fr.parser
            result["arcs"] = [list(a) for a in arcs]
            result["exit_counts"] = sorted([k, v] for k, v in fr.exit_counts().items())
            result["no_branch"] = sorted(fr.no_branch_lines())
            result["with_jump_fixers"] = sorted(
                [[a, b], None if to is None else list(to)] for (a, b), to in parser._with_jump_fixers.items())
            frags = parser._missing_arc_fragments
            result["arc_fragments"] = sorted(
                [[a, b], sorted([[c, act] for c, act in fl], key=json.dumps)] for (a, b), fl in frags.items())
            descs = []
            for a, b in arcs:
                missing = " or ".join(sorted(parser.missing_arc_description(a, b).split(" or ")))
                actions = {parser.arc_description(a, b)}
                for _, act in frags.get((a, b), []):
                    actions.add(parser._finish_action_msg(act, b))
                descs.append([a, b, missing, sorted(actions)])
            result["descriptions"] = descs
        except Exception as exc:  # what the reports would see
            for key in list(result):
                if key != "path":
                    del result[key]
            result["error"] = {"type": type(exc).__name__, "message": str(exc)}
        out.write(json.dumps(result, separators=(",", ":"), ensure_ascii=True) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
