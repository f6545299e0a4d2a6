"""coverage.py's own answers for the statement fidelity test.

Run by each reference venv's python (coverage 7.17.3 installed):

    python reference.py SETTINGS_JSON FILE...

SETTINGS_JSON is {"exclude": [regex, ...]} (the exclude_lines list, exclude_also appended).
Prints one JSON line per file, in order: {"path", ...} with what a PythonFileReporter gives
the reports: "statements", "excluded", "multiline" ([line, first] pairs), "num_lines" and
"regions" (code_regions), every list sorted; or "error": {"type", "message"} when coverage.py
raises (NotPython, NoSource, SyntaxError from a bad coding cookie, ...).
"""
import json
import sys
import warnings


def main():
    settings = json.loads(sys.argv[1])
    warnings.simplefilter("ignore")
    from coverage.misc import join_regex
    from coverage.parser import PythonParser
    from coverage.regions import code_regions

    exclude = join_regex(settings["exclude"]) if settings["exclude"] else None
    out = sys.stdout
    for path in sys.argv[2:]:
        result = {"path": path}
        try:
            parser = PythonParser(filename=path, exclude=exclude)
            parser.parse_source()
            result["statements"] = sorted(parser.statements)
            result["excluded"] = sorted(parser.excluded)
            result["multiline"] = sorted([k, v] for k, v in parser.multiline_map.items())
            result["num_lines"] = len(parser.text.splitlines())
            result["regions"] = [
                {"kind": r.kind, "name": r.name, "start": r.start, "lines": sorted(r.lines)}
                for r in code_regions(parser.text)
            ]
        except Exception as exc:  # what the reports would see
            for key in list(result):
                if key != "path":
                    del result[key]
            result["error"] = {"type": type(exc).__name__, "message": str(exc)}
        out.write(json.dumps(result, separators=(",", ":"), ensure_ascii=True) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
