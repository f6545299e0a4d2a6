R"PY(#"
# covalesce's exact analysis fallback (--analysis=python). covalesce runs this script in
# the user's own python3 (python3 -c SCRIPT), so that coverage.py's own parser, on the
# Python that measured the code, decides statements, exclusions, arcs and messages.
#
#   python3 -c SCRIPT probe       prints {"python": sys.version, "coverage": version, ...}
#   python3 -c SCRIPT analyse     reads a request (JSON) on stdin and prints one JSON line
#                                 per file, in request order (schema: json_io.cc)
#
# This file is also a C++ raw string (the first and last lines), so helper_script.cc can
# #include it: keep those two lines, and never write the two characters ) P Y " in a row.
import sys

if sys.path and sys.path[0] in ("", "."):
    del sys.path[0]  # -c puts the current directory first; it must not shadow coverage

import json
import warnings


def fail(message):
    print(json.dumps({"fatal": message, "executable": sys.executable}))
    sys.exit(3)


def probe():
    """Finds coverage.py without importing it (an import costs 100 ms; this, 5): its
    version.py is written to be exec'd on its own, as its setup.py does."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("coverage")
    if spec is None or not spec.origin:
        fail("ModuleNotFoundError: No module named 'coverage'")
    try:
        namespace = {}
        with open(os.path.join(os.path.dirname(spec.origin), "version.py")) as f:
            exec(f.read(), namespace)
        version = namespace["__version__"]
    except Exception:
        try:
            import coverage
            version = coverage.__version__
        except Exception as exc:
            fail(f"{type(exc).__name__}: {exc}")
    print(json.dumps({"python": sys.version, "coverage": version, "origin": spec.origin}))


if sys.argv[1:] == ["probe"]:
    probe()
    sys.exit(0)

try:
    import coverage
    from coverage.exceptions import NoSource, NotPython
    from coverage.python import PythonFileReporter
except Exception as exc:  # ImportError, or a coverage.py too old to have these modules
    fail(f"{type(exc).__name__}: {exc}")

try:
    from coverage.regions import RegionFinder
except ImportError:  # then FileReporter.code_regions(), which parses again
    RegionFinder = None


def sorted_pairs(mapping):
    return sorted([k, v] for k, v in mapping.items())


def arc_list(arcs):
    return sorted([a, b] for a, b in arcs)


def error_of(exc):
    if isinstance(exc, NotPython):
        kind = "not_python"
    elif isinstance(exc, NoSource):
        kind = "no_source"
    else:
        kind = "other"
    return {"kind": kind, "type": type(exc).__name__, "message": str(exc)}


def regions_of(fr):
    """FileReporter.code_regions() parses the source again; the same RegionFinder over
    the tree the parser already built (same text, same ast.parse) saves that parse."""
    tree = getattr(fr.parser, "_ast_root", None)
    if RegionFinder is None or tree is None:
        return fr.code_regions()
    finder = RegionFinder()
    finder.handle_node(tree)
    return finder.regions


def analyse(path, cov, want_arcs, want_source):
    """What coverage.py's reporting (Coverage._analyze and the reporters) asks a
    PythonFileReporter, in the order that decides which error a broken file gives."""
    fr = PythonFileReporter(path, cov)
    out = {"path": path, "filename": fr.filename, "should_be_python": fr.should_be_python()}
    try:
        out["statements"] = sorted(fr.lines())
        out["excluded"] = sorted(fr.excluded_lines())
        out["multiline"] = sorted_pairs(fr.multiline_map())
        parser = fr.parser
        out["num_lines"] = len(parser.text.splitlines())  # parser.text is fr.source()
        out["regions"] = [  # before arcs(), which lets go of the parser's tree
            {"kind": r.kind, "name": r.name, "start": r.start, "lines": sorted(r.lines)}
            for r in regions_of(fr)
        ]
        if want_arcs:
            out["arcs"] = arc_list(fr.arcs())
            out["exit_counts"] = sorted_pairs(fr.exit_counts())
            out["no_branch"] = sorted(fr.no_branch_lines())
            # What translate_arcs and missing_arc_description read: the with-statement
            # fixers and the message fragments, both keyed by unmapped arcs.
            out["with_jump_fixers"] = sorted(
                [[a, b], None if to is None else list(to)]
                for (a, b), to in parser._with_jump_fixers.items()
            )
            out["arc_fragments"] = sorted(
                [[a, b], [[cause, action] for cause, action in frags]]
                for (a, b), frags in parser._missing_arc_fragments.items()
            )
        if want_source:
            out["source_lines"] = fr.source().splitlines()
            out["tokens"] = [[list(t) for t in line] for line in fr.source_token_lines()]
    except Exception as exc:
        for key in list(out):
            if key not in ("path", "filename", "should_be_python"):
                del out[key]
        out["error"] = error_of(exc)
    return out


def analyse_plugin(path, fr, tracer, want_arcs, want_source):
    """A file measured through a plugin: what reporting asks its own FileReporter. Methods
    whose answers covalesce cannot carry (translations, arc texts) must be the base class's."""
    from coverage.plugin import FileReporter

    out = {"path": path, "filename": fr.filename, "should_be_python": True, "plugin": tracer,
           "relative_filename": fr.relative_filename(),
           "region_kinds": [list(k) for k in fr.code_region_kinds()]}
    methods = ["translate_lines"]
    if want_arcs:
        methods += ["translate_arcs", "missing_arc_description", "arc_description"]
    for name in methods:
        if getattr(type(fr), name, None) is not getattr(FileReporter, name):
            out["error"] = {"kind": "unsupported", "type": "CovalesceUnsupported",
                            "message": f"covalesce can't report {fr.filename}: the {tracer} plugin's "
                                       f"file reporter has its own {name}()"}
            return out
    try:
        out["statements"] = sorted(fr.lines())
        out["excluded"] = sorted(fr.excluded_lines())
        out["multiline"] = []
        out["num_lines"] = len(fr.source().splitlines())
        out["regions"] = [
            {"kind": r.kind, "name": r.name, "start": r.start, "lines": sorted(r.lines)}
            for r in fr.code_regions()
        ]
        if want_arcs:
            out["arcs"] = arc_list(fr.arcs())
            out["exit_counts"] = sorted_pairs(fr.exit_counts())
            out["no_branch"] = sorted(fr.no_branch_lines())
            out["with_jump_fixers"] = []
            out["arc_fragments"] = []
        if want_source:
            out["source_lines"] = fr.source().splitlines()
            out["tokens"] = [[list(t) for t in line] for line in fr.source_token_lines()]
    except Exception as exc:
        for key in list(out):
            if key not in ("path", "filename", "should_be_python", "plugin", "relative_filename",
                           "region_kinds"):
                del out[key]
        out["error"] = error_of(exc)
    return out


def reporter_for(pcov, path, tracer):
    """Coverage._get_file_reporter for a file the data says `tracer` measured: None when
    the plugin hands it back to coverage.py's own Python reporter."""
    from coverage.exceptions import PluginError

    plugin = pcov._plugins.get(tracer)  # a plugin that is not configured: KeyError
    fr = plugin.file_reporter(path)
    if fr is None:
        raise PluginError(
            f"Plugin {plugin._coverage_plugin_name!r} did not provide a file reporter for {path!r}.")
    return None if fr == "python" else fr


def main():
    request = json.loads(sys.stdin.buffer.read())  # UTF-8 whatever the locale
    warnings.simplefilter("ignore")  # compile() warns about odd escapes; reports don't care
    cov = coverage.Coverage(data_file=None, config_file=False)
    cov.config.exclude_list = request["exclude"]
    cov.config.partial_list = request["partial"]
    cov.config.partial_always_list = request["partial_always"]
    cov.config.relative_files = request["relative_files"]
    write = sys.stdout.write
    tracers = request.get("tracers")
    if tracers:
        # The plugins as the user's configuration loads and configures them.
        pcov = coverage.Coverage(data_file=None, config_file=request.get("config_file") or False)
        pcov.config.exclude_list = request["exclude"]
        pcov.config.partial_list = request["partial"]
        pcov.config.partial_always_list = request["partial_always"]
        pcov.config.relative_files = request["relative_files"]
        pcov._init()
        cov = pcov
    for i, path in enumerate(request["files"]):
        try:
            fr = reporter_for(cov, path, tracers[i]) if tracers else None
            if fr is not None:
                result = analyse_plugin(path, fr, tracers[i], request["branch"], request["source"])
            else:
                result = analyse(path, cov, request["branch"], request["source"])
        except Exception as exc:  # before a file reporter exists: report it, keep going
            result = {"path": path, "filename": path, "should_be_python": True,
                      "error": error_of(exc)}
            if tracers:
                result["error"]["kind"] = "reporter"
        write(json.dumps(result, separators=(",", ":")) + "\n")
    sys.stdout.flush()


main()
#)PY"
