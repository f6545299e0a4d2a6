#!/usr/bin/env python3
"""Random programs for the statement fidelity test.

    fuzz.py OUTDIR [--count N] [--seed S] [--version 3.11|3.12|3.13]

Writes N small Python programs that stress what decides CPython's line tables: dead code after
return/raise/break/continue, constant conditions (folded by ast_opt.c and by the compiler),
loops with else, try/except/else/finally with jumps out of them, with, match, nested and
decorated functions and classes in dead code, lambdas and comprehensions, annotations, global
declarations, exclusion pragmas and multi-line statements. Every program compiles on the given
version (syntax the version lacks is not generated). Then run:

    fidelity.py 3.12 --corpus OUTDIR
"""
import argparse
import os
import random
import warnings

CONDS = [
    "x", "0", "1", "True", "False", "None", "__debug__", "not __debug__", '""', '"a"', "()", "(1,)",
    "0 and x", "x and 0", "1 or x", "x or 1", "not x", "not 0", "not 1", "f''", "f'a'", "f'{x}'",
    "1 if x else 0", "x if 1 else y", "-1", "2 - 2", "1 + 1", "x < y < z", "x == 1", "[]", "[1, 2, 3]",
    "...", "b''", "0.0", "0j", "(x and\n        0)", "(0 or\n        x)", "x.y", "x is None",
    "(not\n        __debug__)", "TYPE_CHECKING", "typing.TYPE_CHECKING", "'abc'[0]", "2 ** 3",
]

SIMPLE = [
    "x = 1", "f()", "pass", "...", '"doc"', "1", "x += 1", "del x", "import os", "from os import path",
    "x: int", "x: int = 1", "self.a: int", "x = lambda: 1", "x = [i for i in y if i]",
    "x = (i for i in y)", "x = {k: v for k, v in y}", "x = {i for i in y}", "assert x", "assert x, 'msg'",
    "assert False", "assert 0, 'never'", "x = (\n    1,\n    2,\n)", "f(\n    a,\n    b=2,\n)",
    "x = '''\nmulti\nline\n'''", "x = y if z else w", "x = 0 and (lambda: 1)", "x = 1  # pragma: no cover",
    "raise NotImplementedError", "x = f'{a}{b!r:>10}'", "x, y = y, x", "x = [*a, *b]", "x = {**a}",
    "print(x, file=f)", "x = a[1:2]", "x = -1", "x = (yield_ := 3)", "global g", "x = 'a' 'b'",
    "x = 1; y = 2", "del (a, b)", "del ()", "x = [[j for j in i if 0] for i in y]", "x = {**a, 'k': 1, 'j': 2}",
    "x = {'a': 1, 'b': 2, 'c': 3}", "f(*args, k=1, **kw)", "x = a[::2]", "x = not 0", "x = 0 if 1 else f()",
    "x = lambda a=1, *, b=2: a", "x = (lambda: (yield))", "x = f'{x!r}' f'{y:{w}}'", "x = b'a' b'b'",
    "if x: pass", "while 0: pass", "for i in y: continue", "x = [i for i in range(3) if i if 0]",
    "x = (i for i in y if (n := i))", "x = super().f()", "x: 'int' = 1", "x = 1 if x else (\n    2)",
    "assert (x, 'msg')", "x = ...; ...", "x = __debug__", "x = sum(i for i in y)",
]


class Gen:
    def __init__(self, rng, version):
        self.r = rng
        self.v = version
        self.names = 0

    def name(self, prefix):
        self.names += 1
        return "%s%d" % (prefix, self.names)

    def cond(self):
        return self.r.choice(CONDS)

    def simple(self, ctx):
        r = self.r.random()
        if ctx.get("func") and r < 0.12:
            return self.r.choice(["return", "return 1", "return x", "return (\n        1)"])
        if ctx.get("loop") and r < 0.22:
            return self.r.choice(["break", "continue"])
        if r < 0.27:
            return self.r.choice(["raise ValueError", "raise", "raise E from None"])
        if ctx.get("func") and r < 0.30 and not ctx.get("async"):
            return self.r.choice(["yield", "yield x", "x = yield"])
        if ctx.get("async") and r < 0.33:
            return "await x"
        s = self.r.choice(SIMPLE)
        if s == "global g" and (ctx.get("class") or not ctx.get("func")):
            return "g = 1"
        if s == "self.a: int" and not ctx.get("func"):
            return "x = 2"
        return s

    def block(self, depth, ctx, n=None):
        if n is None:
            n = self.r.randint(1, 4)
        out = []
        for _ in range(n):
            out.extend(self.stmt(depth, ctx))
        return out

    def stmt(self, depth, ctx):
        if depth <= 0 or self.r.random() < 0.45:
            return [self.simple(ctx)]
        kind = self.r.choice(["if", "if", "while", "for", "try", "try", "with", "def", "class", "match",
                              "ifelse", "decorated", "pragma", "oneliner", "generic", "nested"])
        if kind == "generic" and self.v < (3, 12):
            kind = "def"
        if kind == "match" and self.v < (3, 10):
            kind = "if"
        r = self.r
        ind = lambda lines: ["    " + l for l in "\n".join(lines).split("\n")]
        if kind in ("if", "ifelse"):
            out = ["if %s:" % self.cond()] + ind(self.block(depth - 1, ctx))
            if kind == "ifelse" or r.random() < 0.4:
                if r.random() < 0.5:
                    out += ["elif %s:" % self.cond()] + ind(self.block(depth - 1, ctx))
                out += ["else:"] + ind(self.block(depth - 1, ctx))
            return out
        if kind == "while":
            inner = dict(ctx, loop=True)
            inner.pop("star", None)
            out = ["while %s:" % self.cond()] + ind(self.block(depth - 1, inner))
            if r.random() < 0.3:
                out += ["else:"] + ind(self.block(depth - 1, ctx))
            return out
        if kind == "for":
            inner = dict(ctx, loop=True)
            inner.pop("star", None)
            head = "async for" if ctx.get("async") and r.random() < 0.3 else "for"
            out = ["%s i in %s:" % (head, r.choice(["y", "range(3)", "(1, 2)", "[]", "(\n        y)"]))]
            out += ind(self.block(depth - 1, inner))
            if r.random() < 0.3:
                out += ["else:"] + ind(self.block(depth - 1, ctx))
            return out
        if kind == "try":
            out = ["try:"] + ind(self.block(depth - 1, ctx))
            star = self.v >= (3, 11) and r.random() < 0.15
            handlers = r.choice([0, 1, 1, 2])
            final = r.random() < 0.5 or handlers == 0
            for h in range(handlers):
                hctx = dict(ctx)
                if star:
                    hctx = dict(ctx, star=True, loop=False, func=False)
                    head = "except* %s%s:" % (r.choice(["ValueError", "(A, B)"]), r.choice(["", " as e"]))
                else:
                    head = r.choice(["except:", "except E:", "except E as e:", "except (A, B):"])
                    if head == "except:" and h != handlers - 1:
                        head = "except E:"
                out += [head] + ind(self.block(depth - 1, hctx))
            if handlers and r.random() < 0.3:
                out += ["else:"] + ind(self.block(depth - 1, ctx))
            if final:
                fctx = dict(ctx)
                out += ["finally:"] + ind(self.block(depth - 1, fctx))
            return out
        if kind == "with":
            head = "async with" if ctx.get("async") and r.random() < 0.3 else "with"
            items = r.choice(["a", "a as b", "a, b as c", "(\n        a)"])
            return ["%s %s:" % (head, items)] + ind(self.block(depth - 1, ctx))
        if kind in ("def", "decorated"):
            is_async = r.random() < 0.2
            fctx = {"func": True, "async": is_async}
            out = []
            if kind == "decorated":
                out += [r.choice(["@dec", "@dec(\n    1)", "@abstractmethod", "@dec  # pragma: no cover"])]
            sig = r.choice(["(self)", "(a, b=1)", "(\n    a,\n    b,\n)", "(*args, **kw)", "() -> int"])
            out += ["%sdef %s%s:" % ("async " if is_async else "", self.name("f"), sig)]
            body = []
            if r.random() < 0.3:
                body.append('"""Docstring."""')
            body += self.block(depth - 1, fctx)
            return out + ind(body)
        if kind == "pragma":
            # An excluded compound statement or clause.
            head = r.choice(["if %s:  # pragma: no cover" % self.cond(), "while x:  # pragma: no cover",
                             "for i in y:  # pragma: no cover", "with a:  # pragma: no cover"])
            out = [head] + ind(self.block(depth - 1, dict(ctx, loop=True) if "while" in head or "for" in head else ctx))
            if head.startswith("if") and r.random() < 0.5:
                out += ["else:  # pragma: no cover"] + ind(self.block(depth - 1, ctx))
            return out
        if kind == "oneliner":
            return [r.choice(["if %s: %s" % (self.cond(), self.simple(ctx)),
                              "while %s: %s" % (self.cond(), self.simple(dict(ctx, loop=True))),
                              "with a: %s" % self.simple(ctx), "for i in y: %s" % self.simple(dict(ctx, loop=True))])]
        if kind == "generic":
            choice = r.choice(["def", "class", "type"])
            if choice == "type":
                return ["type %s[T] = list[T]" % self.name("A")]
            if choice == "def":
                return ["def %s[T: int, *Ts, **P](a: T) -> T:" % self.name("g")] + ind(self.block(depth - 1, {"func": True}))
            return ["class %s[T]:" % self.name("G")] + ind(self.block(depth - 1, {"class": True}))
        if kind == "nested":
            outer, inner = self.name("o"), self.name("i")
            body = ["v = 1", "def %s():" % inner] + ["    nonlocal v", "    v = 2"] + [
                "    " + l for l in "\n".join(self.block(depth - 1, {"func": True})).split("\n")] + ["return %s" % inner]
            return ["def %s():" % outer] + ind(body)
        if kind == "class":
            out = []
            if r.random() < 0.3:
                out.append("@dec")
            out.append("class %s%s:" % (self.name("C"), r.choice(["", "(B)", "(B, metaclass=M)"])))
            body = []
            if r.random() < 0.3:
                body.append('"""Docstring."""')
            body += self.block(depth - 1, {"class": True})
            return out + ind(body)
        if kind == "match":
            out = ["match %s:" % r.choice(["x", "(x, y)", "b''"])]
            n = r.randint(1, 3)
            for i in range(n):
                last = i == n - 1
                pats = ["1", "'a'", "None", "[a, b]", "{'k': v}", "C(x=1)", "1 | 2", "[*_]", "(1 | 2) as z"]
                if last:
                    pats += ["_", "y", "_ if x", "y if 0", "y if 1", "1 | _"]
                pat = r.choice(pats)
                guard = "" if " if " in pat or r.random() < 0.7 else " if %s" % self.cond()
                out += ["    case %s%s:" % (pat, guard)] + ["    " + l for l in ind(self.block(depth - 1, ctx))]
            return out
        return [self.simple(ctx)]


def program(gen):
    r = gen.r
    lines = []
    if r.random() < 0.3:
        lines.append('"""Module docstring."""')
    if r.random() < 0.2:
        lines.append("from __future__ import annotations")
    if r.random() < 0.2:
        lines.append("import typing")
    body = gen.block(4, {}, n=r.randint(2, 6))
    if r.random() < 0.5:
        # Most of the interesting cases are in function bodies.
        body = ["def main():"] + ["    " + l for l in "\n".join(gen.block(4, {"func": True}, n=r.randint(2, 6))).split("\n")] + body
    return "\n".join(lines + body) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--version", default="3.13")
    args = ap.parse_args()
    version = tuple(int(p) for p in args.version.split("."))
    os.makedirs(args.outdir, exist_ok=True)
    rng = random.Random(args.seed)
    warnings.simplefilter("ignore")  # compile() warns about `assert (x, 'msg')`
    written = 0
    attempts = 0
    while written < args.count and attempts < args.count * 20:
        attempts += 1
        gen = Gen(rng, version)
        src = program(gen)
        try:
            compile(src, "<fuzz>", "exec", dont_inherit=True)
        except SyntaxError:
            continue
        with open(os.path.join(args.outdir, "p%05d.py" % written), "w") as f:
            f.write(src)
        written += 1
    print("%d programs in %s (%d attempts)" % (written, args.outdir, attempts))


if __name__ == "__main__":
    main()
