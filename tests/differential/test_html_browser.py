"""A real browser on covalesce's HTML report: Debian's chromium, headless, driven over the
DevTools protocol on a pipe (--remote-debugging-pipe: fd 3 in, fd 4 out, NUL-separated JSON),
opens the index and a file page from file:// and checks what it renders and what the script
does: the totals row, sorting by a column, filtering by name (the totals follow), the "hide
covered" box, keyboard navigation between missing chunks (j / k), the highlight toggles, the
contexts list, dark mode, and that no page asks for anything but file:// URLs. Screenshots
go to $COVALESCE_ARTEFACTS (default: <repo>/test-artefacts/html-browser/).

Skipped (not failed) only where chromium is not installed."""
import base64
import fcntl
import json
import os
import pathlib
import select
import shutil
import subprocess
import time

import pytest

from conftest import venv_python
from test_json import context_data, make_dataset  # noqa: F401

PY = "3.11"
ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTEFACTS = pathlib.Path(os.environ.get("COVALESCE_ARTEFACTS", ROOT / "test-artefacts")) / "html-browser"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(not CHROMIUM, reason="chromium is not installed (scripts/setup installs it)")


class Browser:
    """Just enough of the DevTools protocol: commands with replies, events kept for later."""

    def __init__(self, profile):
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        # Copies at fd >= 10, so that placing them at 3 and 4 in the child cannot clobber each other.
        keep_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
        keep_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)

        def child_fds():
            os.dup2(keep_r, 3)
            os.dup2(keep_w, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", f"--user-data-dir={profile}", "--window-size=1200,900",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False, preexec_fn=child_fds)
        for fd in (to_chrome_r, from_chrome_w, keep_r, keep_w):
            os.close(fd)
        self.out, self.inp = to_chrome_w, from_chrome_r
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer")
            ready, _, _ = select.select([self.inp], [], [], left)
            if ready:
                chunk = os.read(self.inp, 1 << 20)
                if not chunk:
                    raise EOFError("chromium closed the pipe")
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, session=True, timeout=30, **params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.out, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def js(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def open(self, url):
        if not self.session:
            target = self.call("Target.createTarget", session=False, url="about:blank")["targetId"]
            self.session = self.call("Target.attachToTarget", session=False, targetId=target, flatten=True)["sessionId"]
            self.call("Network.enable")
            self.call("Page.enable")
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.js("document.readyState === 'complete' && location.href") == url:
                # deferred scripts have run by "complete"
                return
            time.sleep(0.05)
        raise TimeoutError(url)

    def key(self, k):
        self.call("Input.dispatchKeyEvent", type="keyDown", key=k, text=k)
        self.call("Input.dispatchKeyEvent", type="keyUp", key=k)

    def click(self, selector):
        box = self.js(f"(function(){{var r=document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
                      f"return [r.left + r.width / 2, r.top + r.height / 2];}})()")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def requested_urls(self):
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def close(self):
        try:
            self.call("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.out)
        os.close(self.inp)


@pytest.fixture(scope="module")
def report(tmp_path_factory, covalesce, context_data):
    """covalesce's HTML report (branch data with contexts) in a fresh directory."""
    src, shards = context_data
    d = tmp_path_factory.mktemp("browser")
    shutil.copytree(shards, d / "data")
    p = subprocess.run([covalesce, "html", f"--data-file={d}/data/.coverage", "-d", str(d / "htmlcov"),
                        "--show-contexts", f"--python={venv_python(PY)}", "--title=Browser <test>"],
                       cwd=src, capture_output=True)
    assert p.returncode == 0, p
    return d / "htmlcov"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


def test_index(browser, report):
    url = (report / "index.html").as_uri()
    browser.open(url)
    assert browser.js("document.title") == "Browser <test>"
    rows = browser.js("Array.from(document.querySelectorAll('#index tbody tr')).map(r => "
                      "[r.dataset.file, +r.dataset.statements, +r.dataset.missing, r.cells[r.cells.length-1].textContent])")
    assert len(rows) > 5
    # The rendered totals are the sum of the rows.
    total = browser.js("Array.from(document.querySelectorAll('#index tfoot td')).map(c => c.textContent)")
    assert total[0] == "Total"
    assert int(total[1]) == sum(r[1] for r in rows) and int(total[2]) == sum(r[2] for r in rows)
    totals_shown = browser.js("document.querySelector('#index tfoot tr').dataset.percent")
    assert total[-1] == totals_shown + "%"
    browser.screenshot(ARTEFACTS / "index.png")

    # Sorting: one click on "missing" sorts ascending, a second descending.
    browser.click("th[data-col=missing]")
    asc = browser.js("Array.from(document.querySelectorAll('#index tbody tr')).map(r => +r.dataset.missing)")
    assert asc == sorted(asc)
    browser.click("th[data-col=missing]")
    desc = browser.js("Array.from(document.querySelectorAll('#index tbody tr')).map(r => +r.dataset.missing)")
    assert desc == sorted(desc, reverse=True) and desc[0] > 0
    assert browser.js("document.querySelector('th[data-col=missing]').getAttribute('aria-sort')") == "descending"
    browser.click("th[data-col=percent]")
    pcs = browser.js("Array.from(document.querySelectorAll('#index tbody tr')).map(r => parseFloat(r.dataset.percent))")
    assert pcs == sorted(pcs) and pcs[0] < pcs[-1]
    browser.click("th[data-col=file]")
    names = browser.js("Array.from(document.querySelectorAll('#index tbody tr')).map(r => r.dataset.file)")
    assert names == sorted(names)

    # Filtering by typing: only matching rows stay, and the totals follow them.
    browser.click("#filter")
    browser.call("Input.insertText", text="lines")
    shown = browser.js("Array.from(document.querySelectorAll('#index tbody tr')).filter(r => !r.hidden)"
                       ".map(r => [r.dataset.file, r.dataset.statements, r.dataset.percent])")
    assert shown and all("lines" in r[0] for r in shown)
    foot = browser.js("(function(){var f=document.querySelector('#index tfoot tr');"
                      "return [f.querySelector('[data-k=statements]').textContent, f.dataset.percent];})()")
    assert int(foot[0]) == sum(int(r[1]) for r in shown)
    if len(shown) == 1:
        assert foot[1] == shown[0][2]
    browser.screenshot(ARTEFACTS / "index-filtered.png")
    browser.call("Input.insertText", text="no-such-file")
    assert browser.js("document.getElementById('none').hidden") is False
    browser.js("(function(){var f=document.getElementById('filter'); f.value=''; "
               "f.dispatchEvent(new Event('input'));})()")
    # "hide covered": rows with nothing missing disappear.
    browser.click("#hide100")
    hidden = browser.js("Array.from(document.querySelectorAll('#index tbody tr')).filter(r => r.hidden)"
                        ".map(r => +r.dataset.missing + +r.dataset.partial)")
    assert hidden and not any(hidden)
    # The other index pages are linked and render.
    browser.open((report / "function_index.html").as_uri())
    assert browser.js("document.querySelectorAll('#index tbody tr').length") > 5
    assert all(u.startswith("file://") for u in browser.requested_urls()), browser.requested_urls()


def test_file_page(browser, report):
    page = next(p for p in report.glob("z_*_lines_py.html"))
    browser.open(page.as_uri())
    info = browser.js("(function(){var b=document.body.dataset; return {missing: b.missing, percent: b.percent,"
                      "title: document.title, h1: document.querySelector('h1 .pc').textContent,"
                      "button: document.querySelector('button[data-show=mis]').textContent,"
                      "lines: document.querySelectorAll('#source p').length,"
                      "hot: Array.from(document.querySelectorAll('#source p')).filter(p => "
                      "p.dataset.status === 'mis' || p.dataset.status === 'par').map(p => +p.dataset.line)};})()")
    assert info["h1"] == info["percent"] + "%"
    assert info["button"] == info["missing"] + " missing"
    assert info["title"].endswith(info["percent"] + "%")
    assert info["lines"] > 10 and info["hot"]
    # The line numbers are drawn (from data-line) in the gutter.
    assert browser.js("getComputedStyle(document.querySelector('#source p'), '::before').content") == '"1"'
    # Chunks: runs of consecutive missing/partial lines.
    chunks = []
    for n in info["hot"]:
        if chunks and n == chunks[-1][-1] + 1:
            chunks[-1].append(n)
        else:
            chunks.append([n])
    selected = "Array.from(document.querySelectorAll('#source p.sel')).map(p => +p.dataset.line)"
    browser.key("j")
    assert browser.js(selected) == chunks[0]
    if len(chunks) > 1:
        browser.key("j")
        assert browser.js(selected) == chunks[1]
        browser.key("k")
        assert browser.js(selected) == chunks[0]
    # The selected chunk is scrolled into view.
    assert browser.js("(function(){var r=document.querySelector('#source p.sel').getBoundingClientRect();"
                      "return r.top >= 0 && r.bottom <= innerHeight;})()")
    browser.screenshot(ARTEFACTS / "file-page.png")
    # r toggles the "run" highlighting.
    assert browser.js("document.body.classList.contains('show-run')") is False
    browser.key("r")
    assert browser.js("document.body.classList.contains('show-run')") is True
    assert browser.js("document.querySelector('button[data-show=run]').getAttribute('aria-pressed')") == "true"
    # A contexts label opens its list.
    if browser.js("!!document.querySelector('.cx[data-ctx]')"):
        browser.js("document.querySelector('.cx[data-ctx]').scrollIntoView({block: 'center'})")
        browser.click(".cx[data-ctx]")
        assert browser.js("document.querySelector('.cl').textContent.length") > 0
    # Dark mode: the page follows prefers-color-scheme.
    light = browser.js("getComputedStyle(document.body).backgroundColor")
    browser.call("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": "dark"}])
    dark = browser.js("getComputedStyle(document.body).backgroundColor")
    assert light != dark and dark.startswith("rgb(") and sum(map(int, dark[4:-1].split(","))) < 150
    browser.screenshot(ARTEFACTS / "file-page-dark.png")
    browser.call("Emulation.setEmulatedMedia", features=[])
    # ] goes to the next page, u to the index.
    nxt = browser.js("document.body.dataset.next")
    browser.key("]")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not browser.js("location.href").endswith(nxt):
        time.sleep(0.05)
    assert browser.js("location.href").endswith(nxt)
    assert all(u.startswith("file://") for u in browser.requested_urls()), browser.requested_urls()
