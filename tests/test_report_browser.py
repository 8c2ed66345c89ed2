"""The HTML report in a real browser: headless Chromium driven over the DevTools protocol.

Three pages are loaded at 1400 x 2000 px: the committed ``reports/index.html``, the committed
``reports/evidence.json`` rendered by the current templates, and a small report freshly rendered
by :func:`landscape._core.report.stage_report` from a fixture evidence document (figures,
landscape figures, a stored counterexample, a verdict that is not the expected one, a traceback).
For each page: every claim of the evidence has its section, every figure is an ``<img>`` that
decoded, the findings link every finding, nothing is loaded from elsewhere, the console stays free
of errors, the page does not scroll sideways, and the load (navigation start to the end of the
``load`` event, ``performance`` timing) takes less than 2 s.  A screenshot of the top of the page
is taken (set ``LANDSCAPE_REPORT_SCREENSHOT=DIR`` to keep them).

The browser is driven with ``--remote-debugging-pipe`` (NUL-separated JSON on file descriptors 3
and 4) and the standard library only.  Skipped when no Chromium / Chrome executable is found.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless_shell")
WIDTH, HEIGHT = 1400, 2000
LOAD_LIMIT_MS = 2000.0


def _executable() -> str | None:
    env = os.environ.get("LANDSCAPE_CHROMIUM")
    if env:
        return shutil.which(env) or (env if os.access(env, os.X_OK) else None)
    return next((p for p in map(shutil.which, NAMES) if p), None)


EXE = _executable()
if EXE is None:
    pytest.skip(f"no headless browser: none of {', '.join(NAMES)} is on PATH (or set LANDSCAPE_CHROMIUM); "
                "install Chromium to run the browser checks of the HTML report", allow_module_level=True)


class Browser:
    """A headless Chromium and a DevTools session over ``--remote-debugging-pipe``."""

    FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
             "--no-default-browser-check", "--remote-debugging-pipe")

    TRAMPOLINE = ("import os, sys; r, w = int(sys.argv[1]), int(sys.argv[2]); os.dup2(r, 3); os.dup2(w, 4); "
                  "os.close(r); os.close(w); os.execv(sys.argv[3], sys.argv[3:])")

    def __init__(self, exe: str, timeout: float = 20.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="landscape-chromium-")
        cmd_r, self.cmd_w = os.pipe()
        self.resp_r, resp_w = os.pipe()
        # the browser reads commands on fd 3 and writes responses on fd 4: the pipe ends go over on fds
        # >= 10 (so that moving one to 3 or 4 cannot overwrite the other) and a Python trampoline moves them
        cmd_r, resp_w = (self._high(fd) for fd in (cmd_r, resp_w))
        self.proc = subprocess.Popen(
            [sys.executable, "-c", self.TRAMPOLINE, str(cmd_r), str(resp_w), exe, *self.FLAGS,
             f"--user-data-dir={self.profile}", "about:blank"],
            pass_fds=(cmd_r, resp_w), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(cmd_r)
        os.close(resp_w)
        self.buf = b""
        self.next_id = 0
        self.events: list[dict] = []

    @staticmethod
    def _high(fd: int) -> int:
        high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
        os.close(fd)
        return high

    def _message(self, deadline: float) -> dict:
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from the browser")
            ready, _, _ = select.select([self.resp_r], [], [], left)
            if ready:
                chunk = os.read(self.resp_r, 1 << 20)
                if not chunk:
                    raise EOFError(f"the browser closed its pipe (exit status {self.proc.poll()})")
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            r = self._message(deadline)
            if r.get("id") == self.next_id:
                if "error" in r:
                    raise RuntimeError(f"{method}: {r['error']}")
                return r.get("result", {})
            self.events.append(r)

    def wait_event(self, method: str, session: str) -> dict:
        deadline = time.monotonic() + self.timeout
        for i, e in enumerate(self.events):
            if e.get("method") == method and e.get("sessionId") == session:
                return self.events.pop(i)
        while True:
            e = self._message(deadline)
            if e.get("method") == method and e.get("sessionId") == session:
                return e
            self.events.append(e)

    def evaluate(self, expression: str, session: str):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression[:60]}...: {r['exceptionDetails']}")
        return r["result"].get("value")

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.cmd_w)
        os.close(self.resp_r)
        shutil.rmtree(self.profile, ignore_errors=True)


#: What the checks read from the loaded page, in one round trip.
PROBE = """JSON.stringify((() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const imgs = [...document.images];
  const h2 = [...document.querySelectorAll('h2')].find(h => h.textContent.trim().startsWith('Findings'));
  const found = [];
  for (let e = h2 && h2.nextElementSibling; e && !['H2', 'SECTION', 'DETAILS'].includes(e.tagName);
       e = e.nextElementSibling)
    e.querySelectorAll('a[href^="#"]').forEach(a => found.push(a.getAttribute('href').slice(1)));
  return {
    load_ms: nav.loadEventEnd, dom_ms: nav.domContentLoadedEventEnd,
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    claim_sections: [...document.querySelectorAll('section[id]')].map(e => e.id),
    imgs: imgs.length, broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length,
    foreign_imgs: imgs.filter(i => !i.src.startsWith('data:image/png;base64,')).length,
    alts: imgs.map(i => i.alt),
    external: document.querySelectorAll('script[src], link[href], iframe, object, embed').length,
    findings_heading: !!h2, findings: found,
    scroll_width: document.documentElement.scrollWidth, client_width: document.documentElement.clientWidth,
    generator: (document.querySelector('meta[name=generator]') || {}).content || '',
    title: document.title, first_h1: (document.querySelector('h1') || {}).textContent || '',
  };
})())"""


@pytest.fixture(scope="module")
def browser():
    b = Browser(EXE)
    try:
        yield b
    finally:
        b.close()


def _load(browser: Browser, page: Path, shot: Path) -> dict:
    """Open ``page`` in a fresh tab at 1400 x 2000 px; return the probe, console errors and a screenshot."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    try:
        for m in ("Page.enable", "Runtime.enable", "Log.enable"):
            browser.send(m, session=session)
        browser.send("Emulation.setDeviceMetricsOverride", {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1,
                                                             "mobile": False}, session)
        t0 = time.monotonic()
        browser.send("Page.navigate", {"url": page.resolve().as_uri()}, session)
        browser.wait_event("Page.loadEventFired", session)
        wall = time.monotonic() - t0
        info = json.loads(browser.evaluate(PROBE, session))
        png = base64.b64decode(browser.send("Page.captureScreenshot", {"format": "png"}, session)["data"])
        shot.write_bytes(png)
        keep = os.environ.get("LANDSCAPE_REPORT_SCREENSHOT")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, Path(keep) / shot.name)
        browser.evaluate("0", session)  # every console event of the page has arrived before this answer
        errors = []
        for e in [e for e in browser.events if e.get("sessionId") == session]:
            p = e.get("params", {})
            if e.get("method") == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif e.get("method") == "Runtime.exceptionThrown":
                errors.append(str(p.get("exceptionDetails", {}).get("text")))
            elif e.get("method") == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                errors.append(str(p["entry"].get("text")))
        browser.events = [e for e in browser.events if e.get("sessionId") != session]
        return info | {"console_errors": errors, "wall_s": wall, "png": png}
    finally:
        browser.send("Target.closeTarget", {"targetId": target})


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def _findings(doc: dict) -> set[str]:
    return {c["id"] for c in doc["claims"]
            if c.get("surprise") or c["verdict"] != c["paper"] or c["verdict"] != c["expected"]}


def _check(info: dict, doc: dict, n_landscape_figures: int) -> None:
    """What every report page must show, in the rendered DOM."""
    ids = [c["id"] for c in doc["claims"]]
    assert not info["console_errors"], info["console_errors"]
    assert info["load_ms"] < LOAD_LIMIT_MS, f"load took {info['load_ms']:.0f} ms"
    assert set(ids) <= set(info["ids"]), set(ids) - set(info["ids"])
    assert sorted(s for s in info["claim_sections"] if s in ids) == sorted(ids)  # one section per claim
    n_fig = sum(len(c.get("figures") or []) for c in doc["claims"])
    assert info["imgs"] == n_fig + n_landscape_figures and info["broken"] == 0 and info["foreign_imgs"] == 0
    assert info["external"] == 0
    assert info["findings_heading"] and _findings(doc) <= set(info["findings"]), _findings(doc) - set(info["findings"])
    assert info["scroll_width"] <= info["client_width"] == WIDTH  # readable at 1400 px: no sideways scrolling
    assert _png_size(info["png"]) == (WIDTH, HEIGHT)
    assert info["first_h1"] == "landscape report"


def _landscape_figures(doc: dict) -> int:
    return sum(len(e.get("figures") or []) for e in doc.get("landscapes") or [] if isinstance(e, dict))


def test_committed_report(browser, tmp_path):
    """``reports/index.html`` as committed (whichever renderer wrote it), against ``reports/evidence.json``."""
    doc = json.loads((REPO / "reports" / "evidence.json").read_text())
    info = _load(browser, REPO / "reports" / "index.html", tmp_path / "committed-top.png")
    _check(info, doc, _landscape_figures(doc))
    if "findings first" in info["generator"]:  # the current layout: every claim and finding in order
        assert [a for a in info["findings"] if a in _findings(doc)] == sorted(
            _findings(doc), key=info["findings"].index)


def test_committed_evidence_with_the_current_templates(browser, tmp_path):
    """The committed evidence rendered by the current templates (figures from ``reports/figures``)."""
    from landscape._core.report.html import render_html
    from landscape._core.report.markdown import claim_order

    doc = json.loads((REPO / "reports" / "evidence.json").read_text())
    figures = {}
    for c in doc["claims"]:
        for i in range(len(c["figures"])):
            f = REPO / "reports" / "figures" / f"{c['id']}-{i + 1}.png"
            figures.setdefault(c["id"], []).append((f.name, f.read_bytes()))
    page = tmp_path / "index.html"
    page.write_text(render_html(doc, figures, out_dir=REPO / "reports", cwd=REPO))
    info = _load(browser, page, tmp_path / "current-top.png")
    _check(info, doc, 0)
    order = [c["id"] for c in claim_order(doc["claims"])]
    assert [s for s in info["claim_sections"] if s in order] == order  # in paper order
    titles = [f.get("title") for c in order for f in next(x for x in doc["claims"] if x["id"] == c)["figures"]]
    assert info["alts"] == titles


def _fixture_doc(root: Path):
    """A small evidence document with everything a section can show, and its Evidence records."""
    from landscape._core.evidence import Evidence

    cx = root / "counterexamples" / "b.refuted.json"
    cx.parent.mkdir(parents=True)
    cx.write_text(json.dumps({"schema_version": 2, "claim": "b.refuted", "profile": "quick", "seed": 0,
                              "landscape_version": "0", "outcome": {"status": "fails", "margin": 4.0,
                                                                    "stats": {"rank": 3, "target": 4},
                                                                    "note": "rank 3 < 4"},
                              "payload": {"X": [[0.25, 0.5, -0.25, -0.5]], "weights": [[[0.1], [0.2]], [[0.3, 0.4]]],
                                          "long": list(range(200))}, "checksum": "f" * 64}))
    line = {"kind": "line", "title": "loss against steps", "xlabel": "step", "ylabel": "loss",
            "series": {"gd": {"x": [0, 1, 2, 3], "y": [1.0, 0.4, 0.2, 0.1]}}}
    bar = {"kind": "bar", "title": "outcomes by family", "data": {"A1": 3.0, "symmetric": 1.0}}
    lds = "004_c552a5c94484e66a.txt"
    evs = [
        Evidence("a.supported", "holds", f"{lds}, Lemma 3 (appendix D)", "For all W, rank T_H = N.", ["A1 data"],
                 expected="supported", paper="supported", why="", verdict="supported", examples=40, margin=2.5,
                 tried="forty draws", statistics={"counts": {"holds": 40, "fails": 0, "band": 0}}, figures=[bar]),
        Evidence("b.refuted", "fails as the suite expects", f"{lds}, Proposition 1", "Something <false>.", [],
                 expected="refuted", paper="supported", why="The paper overlooks x = -x. More text.",
                 verdict="refuted", examples=3, margin=4.0, tried="three", counterexample=str(cx.relative_to(root)),
                 counterexample_outcome={"status": "fails", "margin": 4.0, "note": "rank 3 < 4"}, figures=[line]),
        Evidence("c.error", "crashed", "002_7f4fd584f3752d2b.txt, Theorem 5.1", "s", [], expected="supported",
                 paper="supported", why="", verdict="error", error="Traceback (most recent call last):\n  boom\n"),
    ]
    doc = {"schema_version": 1, "landscape_version": "0", "profile": "quick", "seed": 0, "started": "now",
           "duration_s": 1.0, "environment": {"python": "3", "torch": "2", "numpy": "2"},
           "tolerance": {"zero": 1e-10, "band": 1e3, "nonzero_from": 1e-7, "hp_ladder_digits": [50, 100]},
           "claims": [e.as_dict() for e in evs], "fixtures": [],
           "landscapes": [{"fixture": "b.refuted[split]", "source": "b.refuted (split construction)", "kind": "path",
                           "figures": [line, bar]},
                          {"fixture": "orphan", "source": "no.such.claim", "kind": "slice", "figures": [line]}]}
    return doc, evs


def test_fresh_small_report(browser, tmp_path, monkeypatch):
    """A report rendered and published by ``stage_report`` from a fixture evidence document."""
    from landscape._core.report import stage_report

    monkeypatch.chdir(tmp_path)
    doc, evs = _fixture_doc(tmp_path)
    stage_report(evs, doc, tmp_path / "reports").publish()
    page = tmp_path / "reports" / "index.html"
    info = _load(browser, page, tmp_path / "fresh-top.png")
    _check(info, doc, 3)
    assert info["findings"][:2] == ["c.error", "b.refuted"]  # the verdict that is not the expected one first
    assert "a.supported" not in info["findings"]
    assert "loss against steps" in info["alts"] and "outcomes by family" in info["alts"]
    html = page.read_text()
    assert html.count('<div class="cxfile">') == 1 and "first 32 of 200 values shown" in html
    assert '<pre class="traceback">Traceback (most recent call last):' in html
    assert "Something &lt;false&gt;." in html and 'id="landscapes"' in html
    assert sorted(p.name for p in (tmp_path / "reports" / "figures").glob("landscape-*.png")) == [
        "landscape-b.refuted_split-1.png", "landscape-b.refuted_split-2.png", "landscape-orphan-1.png"]
