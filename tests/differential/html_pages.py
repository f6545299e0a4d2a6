"""Reading an HTML report back into data, for coverage.py 7.17.3's pages and covalesce's, with
html.parser only: per file page, every line's status, annotations and contexts; per index page
(files, functions, classes), every row's numbers, the totals and the "skipped" notes.

Both readers return the same shapes, so a test compares them with ==:

    page:  {"file": name, "lines": [(lineno, status, shorts, long, ctx_label, contexts)],
            "nums": {...}}
    index: {"rows": [(file, region, statements, missing, excluded, branches, partial, percent)],
            "total": (...), "notes": [...]}

statuses: "run", "mis", "exc", "par" or ""; shorts: the targets of "12 ↛ 14" annotations
("14", "exit", "anywhere"); contexts: the labels listed for the line, sorted."""
import html.parser
import json
import pathlib
import re

HTML_SAFE = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
             "!#$%'()*+,-./:;=?@[]^_`{|}~")
SHORT = re.compile("\u219b\u202f(\\w+)")


def targets(text):
    return SHORT.findall(text or "")


class Tree(html.parser.HTMLParser):
    """A minimal element tree: (tag, attrs, children) with text as str children."""

    VOID = {"meta", "link", "input", "br", "img", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = ("#root", {}, [])
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        el = (tag, dict(attrs), [])
        self.stack[-1][2].append(el)
        if tag not in self.VOID:
            self.stack.append(el)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1][2].append((tag, dict(attrs), []))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1][2].append(data)


def parse(path):
    t = Tree()
    t.feed(pathlib.Path(path).read_text(encoding="utf-8"))
    t.close()
    return t.root


def walk(el):
    yield el
    for c in el[2]:
        if not isinstance(c, str):
            yield from walk(c)


def text(el):
    return "".join(c if isinstance(c, str) else text(c) for c in el[2])


def classes(el):
    return el[1].get("class", "").split()


def find_all(root, pred):
    return [e for e in walk(root) if pred(e)]


def find(root, pred):
    for e in walk(root):
        if pred(e):
            return e
    return None


# ---- coverage.py's pages ----------------------------------------------------------------------

def ref_status(cls):
    for s in ("par", "mis", "exc", "run"):
        if s in cls:
            return s
    return ""


def decode_contexts(context_str, table):
    if not context_str:
        return []
    width = int(context_str[0])
    codes = [context_str[i:i + width].strip() for i in range(1, len(context_str), width)]
    return sorted(table[c] for c in codes)


def ref_page(path):
    root = parse(path)
    table = {}
    for s in find_all(root, lambda e: e[0] == "script" and not e[1].get("src")):
        m = re.search(r"contexts = (\{.*\})", text(s), re.S)
        if m:
            table = json.loads(m.group(1))
    lines = []
    main = find(root, lambda e: e[0] == "main" and e[1].get("id") == "source")
    for p in [c for c in main[2] if not isinstance(c, str) and c[0] == "p"]:
        a = find(p, lambda e: e[0] == "a" and e[1].get("id", "").startswith("t"))
        short = find(p, lambda e: "annotate" in classes(e) and "short" in classes(e))
        long = find(p, lambda e: "annotate" in classes(e) and "long" in classes(e))
        label = find(p, lambda e: e[0] == "label" and "ctx" in classes(e))
        ctxs = find(p, lambda e: "ctxs" in classes(e))
        lines.append((int(a[1]["id"][1:]), ref_status(classes(p)),
                      targets(text(short)) if short else [],
                      text(long).strip() if long else "",
                      text(label).strip() if label else "",
                      decode_contexts(text(ctxs).strip(), table) if ctxs else []))
    h1 = find(root, lambda e: e[0] == "h1")
    name = text(find(h1, lambda e: e[0] == "b"))
    return {"file": name, "lines": lines}


def ref_index(path):
    root = parse(path)
    head = find(root, lambda e: e[0] == "tr" and "tablehead" in classes(e) and "grouphead" not in classes(e))
    cols = [th[1].get("id") or "spacer" for th in head[2] if not isinstance(th, str) and th[0] == "th"]

    def row(tr):
        tds = [td for td in tr[2] if not isinstance(td, str) and td[0] == "td"]
        got = {col: text(td).strip() for col, td in zip(cols, tds)}
        return (got["file"], got.get("region", ""), int(got["statements"]), int(got["missing"]),
                int(got["excluded"]), int(got.get("branches", 0)), int(got.get("partial", 0)),
                got["coverage"])

    rows = [row(tr) for tr in find_all(root, lambda e: e[0] == "tr" and "region" in classes(e))]
    total = row(find(root, lambda e: e[0] == "tr" and "total" in classes(e)))
    notes = [text(p).strip() for p in find_all(root, lambda e: e[0] == "p") if "skipped" in text(p)]
    return {"rows": rows, "total": total[2:], "notes": notes}


# ---- covalesce's pages --------------------------------------------------------------------------

def our_page(path):
    root = parse(path)
    data = find(root, lambda e: e[0] == "script" and e[1].get("id") == "contexts")
    table = json.loads(text(data)) if data else []
    body = find(root, lambda e: e[0] == "body")
    lines = []
    for p in find_all(root, lambda e: e[0] == "p" and "data-line" in e[1]):
        a = find(p, lambda e: e[0] == "span" and "a" in classes(e))
        short = find(a, lambda e: e[0] == "b") if a else None
        long = find(a, lambda e: e[0] == "i") if a else None
        cx = find(p, lambda e: "cx" in classes(e))
        ctx = sorted(table[int(k)] for k in cx[1]["data-ctx"].split()) if cx and "data-ctx" in cx[1] else []
        lines.append((int(p[1]["data-line"]), p[1]["data-status"] or "", targets(text(short)) if short else [],
                      text(long).strip() if long else "", text(cx).strip() if cx else "", ctx))
    return {"file": body[1]["data-file"], "lines": lines, "attrs": body[1]}


def our_index(path):
    root = parse(path)

    def row(tr):
        a = {k: v or "" for k, v in tr[1].items()}
        return (a["data-file"], a.get("data-name", ""), int(a["data-statements"]), int(a["data-missing"]),
                int(a["data-excluded"]), int(a["data-branches"]), int(a["data-partial"]), a["data-percent"] + "%")

    tbody = find(root, lambda e: e[0] == "tbody")
    rows = [row(tr) for tr in tbody[2] if not isinstance(tr, str) and tr[0] == "tr"]
    total = row(find(root, lambda e: e[0] == "tr" and "total" in classes(e)))
    notes = [text(p).strip() for p in find_all(root, lambda e: e[0] == "p" and "note" in classes(e))]
    # The visible cells must say what the data-* attributes say.
    for tr in [t for t in tbody[2] if not isinstance(t, str) and t[0] == "tr"]:
        cells = [text(td).strip() for td in tr[2] if not isinstance(td, str) and td[0] == "td"]
        assert cells[0] == tr[1]["data-file"]
        assert cells[-1] == tr[1]["data-percent"] + "%"
    return {"rows": rows, "total": total[2:], "notes": notes}


def pages(directory):
    """Page file names in a report directory, index pages apart."""
    d = pathlib.Path(directory)
    return sorted(p.name for p in d.glob("*.html") if not p.name.endswith("index.html"))
