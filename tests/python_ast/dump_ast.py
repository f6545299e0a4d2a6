#!/usr/bin/env python3
"""CPython's reference for covalesce's AST fidelity test.

Prints `ast.parse(source)` of each FILE in the canonical text form that
`covalesce debug ast` prints (see src/python/dump.cc), using the interpreter that runs
this script: run it with the venv python of the version to compare against.

Form: one line per node or field, indented two spaces per level.  A node is
`Type lineno:col-end_lineno:end_col` (the position only for node types that carry one),
followed by each of its `_fields` as `name=value`; lists print `name=[]` or `name=[` with
one `- item` per element one level deeper.  Scalars: None/True/False, ints in decimal
(hex beyond 64 bits), floats and complex as repr, `...`, strings and bytes in a quoting
that escapes everything outside printable ASCII.  A file CPython rejects prints
`SyntaxError line N`.

Modes: `dump_ast.py FILE` prints one dump; `dump_ast.py --digest FILE...` prints
`<sha256-of-dump>  <file>` per file (the corpus test caches these).
"""
import ast
import hashlib
import sys
import warnings


def qstr(s):
    out = ["'"]
    for c in s:
        o = ord(c)
        if 0x20 <= o <= 0x7E and c != "\\" and c != "'":
            out.append(c)
        elif o < 0x100:
            out.append("\\x%02x" % o)
        elif o < 0x10000:
            out.append("\\u%04x" % o)
        else:
            out.append("\\U%08x" % o)
    out.append("'")
    return "".join(out)


def qbytes(b):
    out = ["b'"]
    for o in b:
        if 0x20 <= o <= 0x7E and o != 0x5C and o != 0x27:
            out.append(chr(o))
        else:
            out.append("\\x%02x" % o)
    out.append("'")
    return "".join(out)


def scalar(v):
    if v is None or v is True or v is False:
        return repr(v)
    if v is Ellipsis:
        return "..."
    if isinstance(v, int):
        return str(v) if -(2**63) <= v < 2**63 else hex(v)
    if isinstance(v, (float, complex)):
        return repr(v)
    if isinstance(v, str):
        return qstr(v)
    if isinstance(v, bytes):
        return qbytes(v)
    raise TypeError(type(v))


def emit(prefix, v, depth, out):
    ind = "  " * depth
    if isinstance(v, ast.AST):
        head = type(v).__name__
        if "end_col_offset" in v._attributes:
            head += " %d:%d-%d:%d" % (v.lineno, v.col_offset, v.end_lineno, v.end_col_offset)
        out.append(ind + prefix + head)
        for f in v._fields:
            emit(f + "=", getattr(v, f, None), depth + 1, out)
    elif isinstance(v, list):
        if not v:
            out.append(ind + prefix + "[]")
        else:
            out.append(ind + prefix + "[")
            for x in v:
                emit("- ", x, depth + 1, out)
    else:
        out.append(ind + prefix + scalar(v))


def dump_file(path):
    with open(path, "rb") as f:
        source = f.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source, path)
    except SyntaxError as e:
        return "SyntaxError line %s\n" % e.lineno
    except (ValueError, UnicodeError):
        return "SyntaxError line None\n"
    out = []
    emit("", tree, 0, out)
    return "\n".join(out) + "\n"


def main(argv):
    sys.setrecursionlimit(100000)
    if argv and argv[0] == "--digest":
        for path in argv[1:]:
            text = dump_file(path)
            print(hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest() + "  " + path)
        return 0
    for path in argv:
        sys.stdout.write(dump_file(path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
