"""The HTML report: self-contained (figures embedded as base64 PNG)."""

from __future__ import annotations

import base64
import html
import json

_CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;width:100%;font-size:14px}td,th{border:1px solid #ccc;padding:4px 6px;text-align:left}
.supported{color:#1a7f37;font-weight:bold}.refuted{color:#b42318;font-weight:bold}
.inconclusive{color:#9a6700;font-weight:bold}.error{color:#fff;background:#b42318;font-weight:bold}
section{border-top:2px solid #eee;margin-top:2em}pre{background:#f6f8fa;padding:8px;overflow:auto;font-size:12px}
.surprise{background:#fff4e5}img{max-width:100%}
"""


def _e(x) -> str:
    return html.escape(str(x))


def _margin(m) -> str:
    if m is None:
        return "n/a"
    if isinstance(m, str):
        return _e(m)
    return f"{m:+.2f} decades"


def render_html(doc: dict, figures: dict[str, list[tuple[str, bytes]]]) -> str:
    """Render the evidence document as one HTML page."""
    tol = doc["tolerance"]
    rows = []
    for c in doc["claims"]:
        cls = " class='surprise'" if c.get("surprise") else ""
        cx = _e(c["counterexample"].split("/")[-1]) if c.get("counterexample") else ""
        rows.append(f"<tr{cls}><td><a href='#{_e(c['id'])}'>{_e(c['id'])}</a></td>"
                    f"<td class='{_e(c['verdict'])}'>{_e(c['verdict'])}</td><td>{_e(c['expected'])}</td>"
                    f"<td>{_e(c['paper'])}</td><td>{_margin(c['margin'])}</td><td>{c['examples']}</td><td>{cx}</td></tr>")
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>landscape report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>landscape report</h1>",
        f"<p>Profile <code>{_e(doc['profile'])}</code>, seed {doc['seed']}, started {_e(doc['started'])}, "
        f"{doc['duration_s']:.1f} s. landscape {_e(doc['landscape_version'])}; Python {_e(doc['environment']['python'])}, "
        f"torch {_e(doc['environment']['torch'])}, numpy {_e(doc['environment']['numpy'])}.</p>",
        f"<p>Tolerance policy: relative quantities &le; {tol['zero']:g} are zero, &ge; {tol['nonzero_from']:g} are "
        f"non-zero, in between inconclusive; undecided float64 cases are re-decided at "
        f"{'/'.join(str(d) for d in tol['hp_ladder_digits'])} digits. Margins: distance to the deciding threshold in "
        "decades. Rows shaded orange: the suite expects a different verdict than the paper asserts.</p>",
        "<table><tr><th>claim</th><th>verdict</th><th>expected</th><th>paper</th><th>margin</th><th>examples</th>"
        "<th>counterexample</th></tr>", *rows, "</table>",
    ]
    found = [c for c in doc["claims"] if c.get("surprise") or c["verdict"] != c["paper"]]
    if found:
        parts += ["<h2>Findings: where the suite and the paper disagree</h2>",
                  "<p>Claims whose computed verdict differs from what the paper asserts (or where the paper asserts "
                  "nothing, <i>paper: inconclusive</i>), with the reason recorded in the code.</p>",
                  "<table><tr><th>claim</th><th>verdict</th><th>paper</th><th>why</th></tr>"]
        parts += [f"<tr><td><a href='#{_e(c['id'])}'>{_e(c['id'])}</a></td><td class='{_e(c['verdict'])}'>"
                  f"{_e(c['verdict'])}</td><td>{_e(c['paper'])}</td><td>{_e(c.get('why', ''))}</td></tr>" for c in found]
        parts.append("</table>")
    for c in doc["claims"]:
        parts += [f"<section id='{_e(c['id'])}'><h2>{_e(c['id'])}</h2><p><b>{_e(c['title'])}</b></p><ul>",
                  f"<li>Source: {_e(c['source'])}</li><li>Statement: {_e(c['statement'])}</li>",
                  f"<li>Hypotheses: {_e('; '.join(c['hypotheses']) or 'none stated')}</li>",
                  f"<li>Verdict: <span class='{_e(c['verdict'])}'>{_e(c['verdict'])}</span> (expected "
                  f"{_e(c['expected'])}; the paper says {_e(c['paper'])}); margin {_margin(c['margin'])}; "
                  f"{c['examples']} examples; {c['duration_s']:.2f} s</li>",
                  f"<li>What was tried: {_e(c['tried'])}</li>"]
        if c.get("why"):
            parts.append(f"<li>Why the expectation: {_e(c['why'])}</li>")
        if c.get("counterexample"):
            name = c["counterexample"].split("/")[-1]
            note = (c.get("counterexample_outcome") or {}).get("note", "")
            parts.append(f"<li>Counterexample: <a href='../counterexamples/{_e(name)}'>counterexamples/{_e(name)}</a> "
                         f"&mdash; {_e(note)} (replay: <code>landscape replay counterexamples/{_e(name)}</code>)</li>")
        for n in c.get("notes", []):
            parts.append(f"<li>Note: {_e(n)}</li>")
        parts.append("</ul>")
        if c.get("error"):
            parts.append(f"<pre>{_e(c['error'][-3000:])}</pre>")
        for name, data in figures.get(c["id"], []):
            b64 = base64.b64encode(data).decode()
            parts.append(f"<img alt='{_e(name)}' src='data:image/png;base64,{b64}'>")
        s = json.dumps(c["statistics"], indent=1, default=str)
        if len(s) > 8000:
            s = s[:8000] + "\n... (truncated; full numbers in evidence.json)"
        parts.append(f"<details><summary>Statistics</summary><pre>{_e(s)}</pre></details></section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
