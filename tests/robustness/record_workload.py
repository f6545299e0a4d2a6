"""Records real coverage.py shards of a small real workload: standard-library modules exercised
in different ways, one shard per round, each written by coverage.py's own Coverage API
(data_suffix=True, so names and hashes are exactly `coverage run -p`'s). One process writes
them all, which is much cheaper than one interpreter per shard.

    python record_workload.py OUT_DIR ROUNDS [--lines] [--first N]

Rounds are numbered from N (default 0). Rounds from LATE on also run task_late, code no
earlier round runs, so that shards of rounds >= LATE always add lines and arcs to those of
rounds < LATE (the kill tests tell their OLD and NEW states apart by that)."""
import sys
import warnings

import coverage
from coverage.exceptions import CoverageWarning

PACKAGES = ["json", "html", "urllib", "tomllib", "argparse", "difflib", "textwrap",
            "csv", "configparser", "pprint", "ipaddress", "statistics", "fractions", "shlex", "calendar"]


def task_json(i):
    import json
    text = json.dumps({"k": list(range(i % 7)), "s": "é\n" * (i % 3), "f": i / 3}, indent=i % 3 or None,
                      sort_keys=bool(i % 2))
    assert json.loads(text)["f"] == i / 3
    try:
        json.loads("{" * (i % 2) + "]")
    except json.JSONDecodeError:
        pass


def task_markup(i):
    import html
    from html.parser import HTMLParser
    HTMLParser().feed(f"<p class=x>a&amp;b<br/><!-- c {i} --></p>" * (1 + i % 3))
    html.unescape(f"&lt;{i}&gt; &eacute;")


def task_text(i):
    import csv
    import difflib
    import io
    import textwrap
    a = [f"line {k}\n" for k in range(10)]
    b = a[: i % 10] + ["new\n"] + a[i % 10:]
    list(difflib.unified_diff(a, b)) if i % 2 else difflib.SequenceMatcher(None, a, b).ratio()
    textwrap.fill("word " * (5 + i), width=20 + i % 10)
    textwrap.dedent("   x\n   y\n")
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL if i % 2 else csv.QUOTE_MINIMAL).writerow(["a", "b,c", i])
    list(csv.reader(io.StringIO(out.getvalue())))


def task_config(i):
    import argparse
    import configparser
    import shlex
    import tomllib
    p = argparse.ArgumentParser(prog="p")
    p.add_argument("--n", type=int, default=1)
    p.add_argument("files", nargs="*")
    p.parse_args(shlex.split(f"--n {i} a 'b c'"))
    cp = configparser.ConfigParser()
    cp.read_string(f"[s]\nk = {i}\nx = %(k)s\n")
    cp.get("s", "x")
    tomllib.loads(f"a = {i}\n[t]\nb = [1, 2]\nc = 'd'\n")


def task_numbers(i):
    import calendar
    import fractions
    import ipaddress
    import pprint
    import statistics
    statistics.mean(range(1, i + 2))
    statistics.median([3, 1, i])
    fractions.Fraction(i, 7) + fractions.Fraction("1/3")
    ipaddress.ip_network(f"10.{i % 250}.0.0/16").supernet()
    ipaddress.ip_address("::1").exploded
    pprint.pformat({"k": list(range(i % 20))}, width=30)
    calendar.month(2024, 1 + i % 12)


def task_urls(i):
    import urllib.parse
    u = urllib.parse.urlsplit(f"https://u:p@h.example:8{i % 10}/a/b?q={i}&r=x#f")
    urllib.parse.parse_qs(u.query)
    urllib.parse.quote(f"a b/{i}é")
    urllib.parse.urljoin("http://a/b/c/d", "../g" if i % 2 else "g?y")


def task_late(i):
    import csv
    import fractions
    import ipaddress
    list(ipaddress.collapse_addresses([ipaddress.ip_network(f"10.0.{k}.0/24") for k in range(i % 4 + 2)]))
    fractions.Fraction(i, 7).limit_denominator(3)
    csv.Sniffer().sniff("a;b;c\n1;2;3\n")


LATE = 12
TASKS = [task_json, task_markup, task_text, task_config, task_numbers, task_urls]


def main():
    out, rounds = sys.argv[1], int(sys.argv[2])
    branch = "--lines" not in sys.argv
    first = int(sys.argv[sys.argv.index("--first") + 1]) if "--first" in sys.argv else 0
    warnings.simplefilter("ignore", CoverageWarning)  # "previously imported": expected after round 1
    for i in range(first, first + rounds):
        cov = coverage.Coverage(data_file=f"{out}/.coverage", data_suffix=True, branch=branch,
                                source_pkgs=PACKAGES, config_file=False)
        cov.start()
        for k, task in enumerate(TASKS):
            if (i + k) % 3:
                task(i)
        if i >= LATE:
            task_late(i)
        cov.stop()
        cov.save()


if __name__ == "__main__":
    main()
