// The HTML report's two static files, written beside the pages under names that carry a hash
// of their content (so a browser never mixes an old script with new pages). Both are
// covalesce's own. The markup they serve (html_report.cc) is plain data: every source line is
// <p id="tN" data-line="N" data-status="run|mis|exc|par|"> holding the highlighted text; the
// line number is drawn by CSS from data-line, so it is neither in the page's text nor in what
// a reader copies. Which statuses are highlighted is a class on <body> (show-run, show-mis,
// show-exc, show-par), so the page reads correctly without JavaScript; the script adds the
// toggles, keyboard navigation between missing chunks, the contexts lists, and the index's
// sorting and filtering. No network fetches: everything works from file://.
#include "html_internal.h"

namespace covalesce::report::html {

const std::string_view kCss = R"css(:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--mu:#656d76;--ln:#d0d7de;--hd:#f6f8fa;
--run:#e6f6ea;--mis:#fde8e8;--exc:#eef0f3;--par:#fdf5cf;--runb:#2da44e;--misb:#cf222e;--excb:#8c959f;--parb:#bf8700;
--k:#8250df;--s:#0a3069;--m:#0550ae;--c:#6e7781;--a:#0969da;--sel:#fff3b0}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--mu:#8d96a0;--ln:#30363d;--hd:#161b22;
--run:#112419;--mis:#3a1518;--exc:#1b2027;--par:#2d2713;--runb:#3fb950;--misb:#f85149;--excb:#6e7681;--parb:#d29922;
--k:#d2a8ff;--s:#a5d6ff;--m:#79c0ff;--c:#8b949e;--a:#58a6ff;--sel:#4a3f00}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--a)}
header{position:sticky;top:0;z-index:2;background:var(--hd);border-bottom:1px solid var(--ln);padding:.5em 1em}
h1{font-size:1.2em;margin:0 0 .25em;overflow-wrap:anywhere}
h1 .pc{font-weight:400;color:var(--mu);margin-left:.5em}
nav a{margin-right:1.2em}
.keys,footer{color:var(--mu);font-size:.85em}
footer{padding:1em}
kbd{border:1px solid var(--ln);border-radius:3px;padding:0 .3em;font-size:.9em}
button{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--ln);border-left-width:5px;border-radius:4px;padding:0 .5em;margin-right:.3em;cursor:pointer}
button[data-show=run]{border-left-color:var(--runb)}button[data-show=mis]{border-left-color:var(--misb)}
button[data-show=exc]{border-left-color:var(--excb)}button[data-show=par]{border-left-color:var(--parb)}
button[aria-pressed=false]{opacity:.55}
#help{margin:.3em 0}
#source{font:13px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;padding:.4em 0 40vh}
#source p{margin:0;min-height:1.5em;padding:0 1em 0 5.2em;position:relative;white-space:pre-wrap;overflow-wrap:anywhere;border-left:5px solid transparent}
#source p::before{content:attr(data-line);position:absolute;left:0;width:4.4em;text-align:right;color:var(--mu);cursor:pointer;user-select:none}
#source p[data-status=run]{border-left-color:var(--runb)}
#source p[data-status=mis]{border-left-color:var(--misb)}
#source p[data-status=exc]{border-left-color:var(--excb)}
#source p[data-status=par]{border-left-color:var(--parb)}
.show-run #source p[data-status=run]{background:var(--run)}
.show-mis #source p[data-status=mis]{background:var(--mis)}
.show-exc #source p[data-status=exc]{background:var(--exc);color:var(--mu)}
.show-par #source p[data-status=par]{background:var(--par)}
#source p:target,#source p.sel{outline:2px solid var(--a);outline-offset:-2px}
#source p.sel{background:var(--sel)!important}
.k{color:var(--k);font-weight:600}.s{color:var(--s)}.m{color:var(--m)}.c{color:var(--c);font-style:italic}
.a,.cx{float:right;margin-left:1em;font:12px/1.9 system-ui,sans-serif;color:var(--mu);white-space:nowrap}
.a i{display:none;font-style:normal;white-space:normal}
#source p:hover .a i,#source p:target .a i,#source p.sel .a i{display:inline;margin-left:.6em}
.cx{cursor:pointer;text-decoration:underline dotted}
.cl{display:block;clear:both;margin:.2em 0 .4em;padding:.2em .6em;border-left:3px solid var(--ln);font:12px/1.5 system-ui,sans-serif;color:var(--mu);white-space:pre-wrap}
.ctl{color:var(--misb)}
.tools{margin:.4em 0 0}
.tools input[type=search]{font:inherit;padding:.1em .4em;border:1px solid var(--ln);border-radius:4px;background:var(--bg);color:var(--fg);width:18em}
table{border-collapse:collapse;margin:.6em 1em;font-variant-numeric:tabular-nums}
th,td{padding:.15em .7em;text-align:right;border-bottom:1px solid var(--ln)}
th{cursor:pointer;user-select:none;white-space:nowrap;position:sticky;top:0}
th:first-child,td:first-child,th.name,td.name{text-align:left}
th[aria-sort=ascending]::after{content:" \25B2"}th[aria-sort=descending]::after{content:" \25BC"}
tbody tr:hover{background:var(--hd)}
tfoot td{font-weight:600;border-top:2px solid var(--ln)}
.none{margin:0 1em;color:var(--mu)}
.note{margin:.3em 1em;color:var(--mu)}
)css";

const std::string_view kJs = R"js((function () {
  "use strict";
  var B = document.body;
  function typing(e) {
    var t = e.target;
    return e.ctrlKey || e.metaKey || e.altKey || (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA"));
  }
  function onKeys(map) {
    document.addEventListener("keydown", function (e) {
      if (typing(e)) return;
      var f = map[e.key];
      if (f) { e.preventDefault(); f(); }
    });
  }
  function go(href) { if (href) location.href = href; }
  function helpToggle() { var h = document.getElementById("help"); if (h) h.hidden = !h.hidden; }

  function filePage() {
    var src = document.getElementById("source");
    var lines = Array.prototype.slice.call(src.getElementsByTagName("p"));
    var chunks = [], cur = null, sel = -1;
    lines.forEach(function (p, i) {
      var s = p.getAttribute("data-status");
      if (s === "mis" || s === "par") {
        if (cur) cur[1] = i; else { cur = [i, i]; chunks.push(cur); }
      } else cur = null;
    });
    function select(n) {
      if (!chunks.length) return;
      n = Math.max(0, Math.min(chunks.length - 1, n));
      Array.prototype.forEach.call(src.querySelectorAll("p.sel"), function (p) { p.classList.remove("sel"); });
      sel = n;
      for (var i = chunks[n][0]; i <= chunks[n][1]; i++) lines[i].classList.add("sel");
      lines[chunks[n][0]].scrollIntoView({block: "center"});
      B.setAttribute("data-chunk", String(n));
    }
    function startFromHash() {
      var m = /^#t(\d+)$/.exec(location.hash);
      if (!m || sel >= 0) return;
      var line = +m[1];
      for (var c = 0; c < chunks.length; c++) {
        if (+lines[chunks[c][0]].getAttribute("data-line") >= line) { sel = c - 1; return; }
      }
      sel = chunks.length - 1;
    }
    function next() { startFromHash(); select(sel + 1); }
    function prev() { startFromHash(); select(sel < 0 ? chunks.length - 1 : sel - 1); }
    function toggle(kind) {
      var b = document.querySelector("button[data-show=" + kind + "]");
      if (!b) return;
      var on = !B.classList.contains("show-" + kind);
      B.classList.toggle("show-" + kind, on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    }
    Array.prototype.forEach.call(document.querySelectorAll("button[data-show]"), function (b) {
      b.addEventListener("click", function () { toggle(b.getAttribute("data-show")); });
    });
    var labels = null;
    function contextList(cx) {
      var p = cx.parentNode, open = p.querySelector(".cl");
      if (open) { p.removeChild(open); return; }
      if (!labels) {
        var data = document.getElementById("contexts");
        labels = data ? JSON.parse(data.textContent) : [];
      }
      var box = document.createElement("span");
      box.className = "cl";
      box.textContent = cx.getAttribute("data-ctx").split(" ").map(function (k) { return labels[+k]; }).join("\n");
      p.appendChild(box);
    }
    src.addEventListener("click", function (e) {
      var t = e.target;
      if (t.classList && t.classList.contains("cx") && t.hasAttribute("data-ctx")) { contextList(t); return; }
      var p = t.closest ? t.closest("p") : null;
      if (!p || p.parentNode !== src) return;
      var gutter = parseFloat(getComputedStyle(p).paddingLeft) || 0;
      if (e.clientX - p.getBoundingClientRect().left < gutter) location.hash = "t" + p.getAttribute("data-line");
    });
    src.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && e.target.classList.contains("cx") && e.target.hasAttribute("data-ctx")) contextList(e.target);
    });
    onKeys({
      j: next, k: prev, n: next, N: prev,
      "0": function () { window.scrollTo(0, 0); },
      "1": function () { sel = -1; select(0); },
      r: function () { toggle("run"); }, m: function () { toggle("mis"); },
      x: function () { toggle("exc"); }, p: function () { toggle("par"); },
      "[": function () { go(B.getAttribute("data-prev")); },
      "]": function () { go(B.getAttribute("data-next")); },
      u: function () { go("index.html"); },
      "?": helpToggle
    });
  }

  function indexPage() {
    var table = document.getElementById("index");
    if (!table) { onKeys({"?": helpToggle}); return; }
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (r, i) { r.order = i; });
    function num(r, k) { return +(r.getAttribute("data-" + k) || 0); }
    function percent(r) {  // the exact value behind data-percent, from the counts
      var all = num(r, "statements") + num(r, "branches");
      return all ? 100 * (all - num(r, "missing") - num(r, "missing-branches")) / all : 100;
    }
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var precision = +(B.getAttribute("data-precision") || 0);
    function sortBy(th) {
      var col = th.getAttribute("data-col"), text = th.classList.contains("name");
      var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      heads.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", dir);
      rows.sort(function (a, b) {
        var c;
        if (col === "percent") {
          c = percent(a) - percent(b);
        } else if (text) {
          var x = a.getAttribute("data-" + col), y = b.getAttribute("data-" + col);
          c = x < y ? -1 : x > y ? 1 : 0;
        } else {
          c = num(a, col) - num(b, col);
        }
        if (!c) c = a.order - b.order;
        else if (dir === "descending") c = -c;
        return c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    }
    heads.forEach(function (th) {
      th.tabIndex = 0;
      th.addEventListener("click", function () { sortBy(th); });
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") sortBy(th); });
    });
    var filter = document.getElementById("filter"), hide = document.getElementById("hide100");
    var foot = table.tFoot ? table.tFoot.rows[0] : null;
    function shown(pc) {
      var near0 = 1 / Math.pow(10, precision), near100 = 100 - near0;
      if (pc > 0 && pc < near0) pc = near0; else if (pc > near100 && pc < 100) pc = near100;
      return pc.toFixed(precision);
    }
    function apply() {
      var q = filter.value.toLowerCase(), h = hide.checked, n = 0;
      var keys = ["statements", "missing", "excluded", "branches", "partial", "missing-branches"], tot = {};
      keys.forEach(function (k) { tot[k] = 0; });
      rows.forEach(function (r) {
        var name = (r.getAttribute("data-file") + " " + (r.getAttribute("data-name") || "")).toLowerCase();
        var ok = (!q || name.indexOf(q) >= 0) &&
                 !(h && +r.getAttribute("data-missing") === 0 && +r.getAttribute("data-partial") === 0);
        r.hidden = !ok;
        if (!ok) return;
        n++;
        keys.forEach(function (k) { tot[k] += +(r.getAttribute("data-" + k) || 0); });
      });
      document.getElementById("none").hidden = n > 0;
      if (!foot) return;
      var all = tot.statements + tot.branches;
      var done = tot.statements - tot.missing + tot.branches - tot["missing-branches"];
      tot.percent = all ? shown(100 * done / all) : shown(100);
      keys.concat(["percent"]).forEach(function (k) {
        foot.setAttribute("data-" + k, String(tot[k]));
        var cell = foot.querySelector("[data-k=" + k + "]");
        if (cell) cell.textContent = String(tot[k]) + (k === "percent" ? "%" : "");
      });
    }
    filter.addEventListener("input", apply);
    hide.addEventListener("change", apply);
    onKeys({
      "/": function () { filter.focus(); },
      "?": helpToggle
    });
  }

  if (B.classList.contains("filepage")) filePage(); else indexPage();
})();
)js";

}  // namespace covalesce::report::html
