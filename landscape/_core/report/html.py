"""The HTML report: self-contained (figures embedded as base64 PNG).

The page opens with the summary counts (per verdict; as expected / not, red when any claim
is not), then one row per claim (an *as expected* column marks every verdict that differs
from its expectation), the findings, and one section per claim with its figures at the
full content width.  Counterexample links are relative to the report's directory
(:mod:`landscape._core.report.paths`), papers are named by authors, year and title
(:mod:`landscape._core.papers`).
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from landscape._core.papers import cite_source, paper_says, paper_verdict, split_source
from landscape._core.stability import describe
from landscape._core.report.markdown import format_margin, summary_counts
from landscape._core.report.paths import counterexample_file, counterexample_href, display_path, replay_command

_CSS = """
body{font-family:system-ui,sans-serif;max-width:1280px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;width:100%;font-size:14px}td,th{border:1px solid #ccc;padding:4px 6px;text-align:left}
.supported{color:#1a7f37;font-weight:bold}.refuted{color:#b42318;font-weight:bold}
.inconclusive{color:#9a6700;font-weight:bold}.error{color:#fff;background:#b42318;font-weight:bold}
section{border-top:2px solid #eee;margin-top:2em}pre{background:#f6f8fa;padding:8px;overflow:auto;font-size:12px}
.surprise{background:#fff4e5}img.figure{display:block;width:100%;height:auto;margin:1em 0}
td.margin{white-space:nowrap;text-align:right;font-variant-numeric:tabular-nums}td.num{text-align:right}
td.ok{color:#1a7f37;text-align:center}td.unexpected{color:#fff;background:#b42318;font-weight:bold;white-space:nowrap}
tr.unexpected{background:#fdecea}tr.unexpected td{border-top:2px solid #b42318;border-bottom:2px solid #b42318}
.summary{font-size:18px;padding:10px 14px;border:1px solid #ccc;border-radius:6px;background:#f6f8fa}
.summary.failing{border:2px solid #b42318;background:#fdecea}.bad{color:#b42318;font-weight:bold}
.good{color:#1a7f37;font-weight:bold}.file{color:#666;font-size:90%}.silent{font-style:italic}
.none{color:#666}td.cite{white-space:nowrap}td.cx{word-break:break-all}
"""


def _e(x) -> str:
    return html.escape(str(x))


def _margin(m) -> str:
    return _e(format_margin(m))


def _paper(paper: str) -> str:
    """The paper's verdict for a table cell (``the paper is silent`` for inconclusive)."""
    text = _e(paper_verdict(paper))
    return f"<span class='silent'>{text}</span>" if paper == "inconclusive" else text


def _source(c: dict) -> str:
    """``Li, Ding & Sun (2018), <i>title</i>, Lemma 3 (file 004_...txt)``."""
    p, rest = split_source(c["source"])
    if p is None:
        return _e(c["source"])
    return (f"{_e(p.cite)}, <i>{_e(p.title)}</i>" + (f", {_e(rest)}" if rest else "")
            + f" <span class='file'>(file {_e(p.file)})</span>")


def _cite(c: dict) -> str:
    """The short citation of a table row, the full source as its tooltip."""
    p, _ = split_source(c["source"])
    return f"<span title='{_e(cite_source(c['source']))}'>{_e(p.cite if p else c['source'])}</span>"


def _summary(doc: dict) -> str:
    """The counts at the top: per verdict, then N as expected / M not (red when M > 0, with the claims named)."""
    n = summary_counts(doc)
    verdicts = " &middot; ".join(
        f"<span class='{v if n[v] else 'none'}'>{n[v]} {v if v != 'error' else 'errors'}</span>"
        for v in ("supported", "refuted", "inconclusive", "error"))
    bad = [c for c in doc["claims"] if c["verdict"] != c["expected"]]
    cls = "bad" if bad else "good"
    text = (f"<p class='summary{' failing' if bad else ''}'>{n['claims']} claims: {verdicts}<br>"
            f"<span class='good'>{n['passed']} as expected</span> / <span class='{cls}'>{len(bad)} not</span>")
    if bad:
        text += ("<br>Not as expected: " + ", ".join(
            f"<a href='#{_e(c['id'])}'>{_e(c['id'])}</a> ({_e(c['verdict'])}, expected {_e(c['expected'])})"
            for c in bad))
    return text + "</p>"


def _cx_cell(c: dict, out_dir: Path, cwd: Path) -> str:
    """The counterexample cell: a link (relative to the report's directory) named by the file."""
    cx = c.get("counterexample")
    href = counterexample_href(cx, out_dir, cwd)
    if href is None:
        return _e(cx or "")
    name = _e(counterexample_file(cx, cwd).name).replace(".", ".<wbr>")  # long names break at the dots
    return f"<a href='{_e(href)}'>{name}</a>"


def render_html(doc: dict, figures: dict[str, list[tuple[str, bytes]]], *, out_dir: str | Path | None = None,
                cwd: str | Path | None = None) -> str:
    """Render the evidence document as one HTML page.

    ``out_dir``: the directory the page is published in (links to counterexample files are
    relative to it; default: ``cwd``); ``cwd``: the directory relative counterexample paths of
    the evidence, and the replay commands shown, are relative to (default: the current one).
    """
    cwd = Path(cwd) if cwd is not None else Path.cwd()
    out_dir = Path(out_dir) if out_dir is not None else cwd
    tol = doc["tolerance"]
    rows = []
    stab = doc.get("stability") or {}
    for c in doc["claims"]:
        ok = c["verdict"] == c["expected"]
        cls = " ".join(k for k, on in (("surprise", c.get("surprise")), ("unexpected", not ok)) if on)
        rows.append(f"<tr{f' class={cls!r}' if cls else ''}><td><a href='#{_e(c['id'])}'>{_e(c['id'])}</a></td>"
                    f"<td class='cite'>{_cite(c)}</td><td class='{_e(c['verdict'])}'>{_e(c['verdict'])}</td>"
                    f"<td>{_e(c['expected'])}</td>"
                    + ("<td class='ok'>&#10003;</td>" if ok else "<td class='unexpected'>&#10007; unexpected</td>")
                    + f"<td>{_paper(c['paper'])}</td><td class='margin'>{_margin(c['margin'])}</td>"
                    f"<td class='num'>{c['examples']}</td><td class='cx'>{_cx_cell(c, out_dir, cwd)}</td>"
                    + (f"<td>{_e(describe(c.get('stability')))}</td>" if stab else "") + "</tr>")
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>landscape report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>landscape report</h1>",
        _summary(doc),
        f"<p>Profile <code>{_e(doc['profile'])}</code>, seed {doc['seed']}, started {_e(doc['started'])}, "
        f"{doc['duration_s']:.1f} s. landscape {_e(doc['landscape_version'])}; Python {_e(doc['environment']['python'])}, "
        f"torch {_e(doc['environment']['torch'])}, numpy {_e(doc['environment']['numpy'])}.</p>",
        f"<p>Tolerance policy: relative quantities &le; {tol['zero']:g} are zero, &ge; {tol['nonzero_from']:g} are "
        f"non-zero, in between inconclusive; undecided float64 cases are re-decided at "
        f"{'/'.join(str(d) for d in tol['hp_ladder_digits'])} digits. Margins: distance to the deciding threshold in "
        "decades (<i>exact</i>: decided exactly). Rows shaded orange: the suite expects a different verdict than "
        "the paper asserts; <i>&#10007; unexpected</i>: the computed verdict is not the expected one.</p>",
        *([("<p>Seed stability (<code>landscape stability</code>): "
             + "; ".join(f"{_e(p)} profile, seeds {v['seeds'][0]}..{v['seeds'][-1]} ({len(v['seeds'])} seeds, every "
                         f"claim {'stable' if v['stable'] else 'NOT stable'})" for p, v in stab.items())
             + ". The column <i>seeds</i> counts the seeds that gave the expected verdict.</p>")] if stab else []),
        "<table><tr><th>claim</th><th>paper</th><th>verdict</th><th>expected</th><th>as expected</th>"
        "<th>the paper says</th><th>margin</th><th>examples</th><th>counterexample</th>"
        + ("<th>seeds</th>" if stab else "") + "</tr>", *rows, "</table>",
    ]
    found = [c for c in doc["claims"] if c.get("surprise") or c["verdict"] != c["paper"]]
    if found:
        parts += ["<h2>Findings: where the suite and the paper disagree</h2>",
                  "<p>Claims whose computed verdict differs from what the paper asserts (or where the paper is "
                  "silent), with the reason recorded in the code.</p>",
                  "<table><tr><th>claim</th><th>verdict</th><th>the paper says</th><th>why</th></tr>"]
        parts += [f"<tr><td><a href='#{_e(c['id'])}'>{_e(c['id'])}</a></td><td class='{_e(c['verdict'])}'>"
                  f"{_e(c['verdict'])}</td><td>{_paper(c['paper'])}</td><td>{_e(c.get('why', ''))}</td></tr>"
                  for c in found]
        parts.append("</table>")
    for c in doc["claims"]:
        ok = c["verdict"] == c["expected"]
        parts += [f"<section id='{_e(c['id'])}'><h2>{_e(c['id'])}</h2><p><b>{_e(c['title'])}</b></p><ul>",
                  f"<li>Source: {_source(c)}</li><li>Statement: {_e(c['statement'])}</li>",
                  f"<li>Hypotheses: {_e('; '.join(c['hypotheses']) or 'none stated')}</li>",
                  f"<li>Verdict: <span class='{_e(c['verdict'])}'>{_e(c['verdict'])}</span> (expected "
                  f"{_e(c['expected'])}: " + ("<span class='good'>as expected</span>" if ok else
                                               "<span class='bad'>&#10007; unexpected</span>")
                  + f"; {_e(paper_says(c['paper']))}); margin {_margin(c['margin'])}; "
                  f"{c['examples']} examples; {c['duration_s']:.2f} s"
                  + (f"; seed stability {_e(describe(c['stability']))}" if c.get("stability") else "") + "</li>",
                  f"<li>What was tried: {_e(c['tried'])}</li>"]
        if c.get("why"):
            parts.append(f"<li>Why the expectation: {_e(c['why'])}</li>")
        if c.get("counterexample"):
            cx = c["counterexample"]
            note = (c.get("counterexample_outcome") or {}).get("note", "")
            href, cmd = counterexample_href(cx, out_dir, cwd), replay_command(cx, cwd, c.get("claims_from") or ())
            if href is None or cmd is None:  # not a file (e.g. "not written: no counterexample directory given")
                parts.append(f"<li>Counterexample: {_e(cx)}" + (f" &mdash; {_e(note)}" if note else "") + "</li>")
            else:
                shown = display_path(counterexample_file(cx, cwd), cwd)
                parts.append(f"<li>Counterexample: <a href='{_e(href)}'>{_e(shown)}</a>"
                             + (f" &mdash; {_e(note)}" if note else "")
                             + f" (replay: <code>{_e(cmd)}</code>)</li>")
        for n in c.get("notes", []):
            parts.append(f"<li>Note: {_e(n)}</li>")
        parts.append("</ul>")
        if c.get("error"):
            parts.append(f"<pre>{_e(c['error'][-3000:])}</pre>")
        for name, data in figures.get(c["id"], []):
            b64 = base64.b64encode(data).decode()
            parts.append(f"<img class='figure' alt='{_e(name)}' src='data:image/png;base64,{b64}'>")
        s = json.dumps(c["statistics"], indent=1, default=str)
        if len(s) > 8000:
            s = s[:8000] + "\n... (truncated; full numbers in evidence.json)"
        parts.append(f"<details><summary>Statistics</summary><pre>{_e(s)}</pre></details></section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
