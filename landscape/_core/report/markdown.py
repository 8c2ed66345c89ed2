"""The Markdown report: the summary counts, the papers, the findings, a table and one section per claim.

The report opens with the counts, one row per paper (:func:`paper_groups`) and the findings
(:func:`findings`: where the computed verdict or the expectation differs from the paper, or the
verdict is not the expected one), one sentence each; then the claims, grouped by paper in the
order the results appear in the paper (:func:`landscape._core.papers.paper_position`).  The HTML
report (:mod:`landscape._core.report.html`) uses the same helpers.

Counterexample links are relative to the report's directory and replay commands to the
working directory (:mod:`landscape._core.report.paths`); papers are named by authors, year and
title (:mod:`landscape._core.papers`).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from landscape._core.papers import PAPERS, Paper, paper_position, paper_says, paper_verdict, split_source
from landscape._core.stability import describe
from landscape._core.report.paths import counterexample_file, counterexample_href, display_path, replay_command

NBSP = "\u00a0"


def format_margin(m: object, *, sep: str = " ") -> str:
    """``+5.88 decades`` (2 decimals), ``exact`` for an infinite margin, ``n/a`` when there is none.

    ``m`` is a float or its JSON form (``"inf"``, ``"nan"``); another string is shown as it is.
    ``sep`` joins number and unit (a no-break space in Markdown tables).
    """
    if m is None:
        return "n/a"
    if isinstance(m, bool):
        return str(m)
    if isinstance(m, str):
        try:
            m = float(m)
        except ValueError:
            return m
    if not isinstance(m, (int, float)):
        return str(m)
    f = float(m)
    if math.isnan(f):
        return "n/a"
    if math.isinf(f):
        return "exact" if f > 0 else f"-inf{sep}decades"
    return f"{f:+.2f}{sep}decades"


def summary_counts(doc: dict) -> dict[str, int]:
    """Counts per verdict, ``passed`` (verdict == expected) and ``claims``, from the claims themselves."""
    cs = doc.get("claims", [])
    n = {v: sum(1 for c in cs if c.get("verdict") == v) for v in ("supported", "refuted", "inconclusive", "error")}
    return n | {"passed": sum(1 for c in cs if c.get("verdict") == c.get("expected")), "claims": len(cs)}


VERDICTS = ("supported", "refuted", "inconclusive", "error")


def claim_order(claims: list[dict]) -> list[dict]:
    """The claims in paper order: by :func:`~landscape._core.papers.paper_position` of the source, ties by id."""
    return sorted(claims, key=lambda c: (paper_position(str(c.get("source") or "")), str(c.get("id"))))


def paper_anchor(paper: Paper | None) -> str:
    """The HTML id of a paper's section: ``paper-004_c552a5c94484e66a`` (``paper-other`` for unknown sources)."""
    return f"paper-{paper.file.removesuffix('.txt')}" if paper is not None else "paper-other"


def is_finding(c: dict) -> bool:
    """A finding: the computed verdict or the expectation differs from the paper, or the verdict is not the expected one."""
    return bool(c.get("surprise")) or c.get("verdict") != c.get("paper") or c.get("verdict") != c.get("expected")


def paper_groups(claims: list[dict]) -> list[dict[str, Any]]:
    """The claims by paper, papers in file order (claims naming no known paper last), each in paper order.

    Each group: ``paper`` (:class:`~landscape._core.papers.Paper` or None), ``anchor``, ``claims``,
    ``counts`` (per verdict), ``passed``, ``not_passed``, ``findings`` (numbers of claims).
    """
    groups: dict[str | None, list[dict]] = {}
    for c in claim_order(claims):
        p, _ = split_source(str(c.get("source") or ""))
        groups.setdefault(p.file if p is not None else None, []).append(c)
    order = [f for f in PAPERS if f in groups] + ([None] if None in groups else [])
    out = []
    for f in order:
        cs = groups[f]
        out.append({"paper": PAPERS[f] if f is not None else None, "anchor": paper_anchor(PAPERS.get(f) if f else None),
                    "claims": cs, "counts": {v: sum(1 for c in cs if c.get("verdict") == v) for v in VERDICTS},
                    "passed": sum(1 for c in cs if c.get("verdict") == c.get("expected")),
                    "not_passed": sum(1 for c in cs if c.get("verdict") != c.get("expected")),
                    "findings": sum(1 for c in cs if is_finding(c))})
    return out


def claims_from_files(c: dict) -> list[str]:
    """The files a claim's replay needs (``--claims-from``): its ``claims_from``, a path or a list of them."""
    cf = c.get("claims_from")
    if isinstance(cf, str):
        return [cf] if cf else []
    return [str(f) for f in cf] if isinstance(cf, (list, tuple)) else []


def landscape_entries(doc: dict) -> list[dict]:
    """The entries of ``doc["landscapes"]`` that are objects (the key may be absent: old evidence)."""
    entries = doc.get("landscapes")
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def landscape_claim(entry: dict) -> str:
    """The claim id a landscape entry's ``source`` names: its first token (``"jiang.lemma1 (split)"`` -> ``jiang.lemma1``)."""
    words = str(entry.get("source") or "").split()
    return words[0] if words else ""


def place_landscapes(entries: list[tuple[dict, Any]], claim_ids: list[str]
                     ) -> tuple[dict[str, list[tuple[dict, Any]]], list[tuple[dict, Any]]]:
    """Split ``(entry, figures)`` pairs into those whose source names a claim (by exact id) and the rest."""
    ids = set(claim_ids)
    placed: dict[str, list[tuple[dict, Any]]] = {}
    rest = []
    for entry, figs in entries:
        cid = landscape_claim(entry)
        if cid in ids:
            placed.setdefault(cid, []).append((entry, figs))
        else:
            rest.append((entry, figs))
    return placed, rest


def first_sentence(text: str, limit: int = 320) -> str:
    """The first sentence of ``text`` (at most about ``limit`` characters, cut at a word with an ellipsis)."""
    text = " ".join(str(text or "").split())
    m = re.search(r"(?<=[.!?])\s+(?=[A-Z])", text)
    s = text[: m.start()] if m else text
    if len(s) > limit:
        s = s[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " ..."
    return s


def finding(c: dict) -> dict[str, Any]:
    """One finding as plain-text parts: id, cite, where, says, verdict, expected, passed, margin, status, detail.

    ``detail`` is the decisive number: the stored counterexample's note when there is one, else
    the first sentence of the reason recorded with the expectation (``why``), else the title.
    """
    p, rest = split_source(str(c.get("source") or ""))
    outcome = c.get("counterexample_outcome") if isinstance(c.get("counterexample_outcome"), dict) else {}
    note = " ".join(str(outcome.get("note") or "").split())
    return {"id": c.get("id"), "title": c.get("title") or "", "cite": p.cite if p else (c.get("source") or ""),
            "where": rest if p else "", "says": paper_says(str(c.get("paper"))), "paper": c.get("paper"),
            "verdict": c.get("verdict"), "expected": c.get("expected"),
            "passed": c.get("verdict") == c.get("expected"), "margin": format_margin(c.get("margin")),
            "status": outcome.get("status") or "", "detail": note or first_sentence(c.get("why") or "") or c.get("title", ""),
            "why": c.get("why") or ""}


def findings(doc: dict) -> list[dict]:
    """The findings (:func:`is_finding`), as the claim objects of the evidence: first the verdicts that are
    not the expected ones, then the others, each in paper order."""
    found = [c for c in claim_order(doc.get("claims", [])) if is_finding(c)]
    return sorted(found, key=lambda c: c.get("verdict") == c.get("expected"))


def finding_sentence(f: dict) -> str:
    """``<cite>, <where>: the paper says supported; the suite computes refuted (exact): <detail>.`` (plain text)."""
    where = f"{f['cite']}, {f['where']}" if f["where"] else f["cite"]
    text = f"{where}: {f['says']}; the suite computes {f['verdict']} ({f['margin']})"
    if not f["passed"]:
        text += f", NOT the expected {f['expected']}"
    detail = f["detail"].rstrip(". ")
    return text + (f": {detail}." if detail else ".")


def _fmt_margin(m) -> str:
    return format_margin(m)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _cite(source: str) -> str:
    p, _ = split_source(source)
    return p.cite if p else source


def _source(source: str) -> str:
    """``Li, Ding & Sun (2018), *title*, Lemma 3 (file `004_...txt`)``."""
    p, rest = split_source(source)
    if p is None:
        return source
    return f"{p.cite}, *{p.title}*" + (f", {rest}" if rest else "") + f" (file `{p.file}`)"


def _md_link(text: str, href: str) -> str:
    """``[text](href)``; ``href`` is percent-encoded (:func:`~landscape._core.report.paths.counterexample_href`)."""
    return f"[{text.replace('[', '(').replace(']', ')')}]({href})"


def _stats_block(stats: dict) -> str:
    s = json.dumps(stats, indent=1, default=str)
    if len(s) > 6000:
        s = s[:6000] + "\n... (truncated; full numbers in evidence.json)"
    return s


def _summary(doc: dict) -> list[str]:
    """The counts at the top: per verdict, then N as expected / M not (the claims named when M > 0)."""
    n = summary_counts(doc)
    bad = [c for c in doc["claims"] if c["verdict"] != c["expected"]]
    lines = [f"**{n['claims']} claims: {n['supported']} supported, {n['refuted']} refuted, {n['inconclusive']} "
             f"inconclusive, {n['error']} errors; {n['passed']} as expected, {len(bad)} not"
             + (" ✗" if bad else "") + ".**", ""]
    if bad:
        lines += ["**Not as expected:** " + ", ".join(
            f"[`{c['id']}`](#{c['id'].replace('.', '')}) ({c['verdict']}, expected {c['expected']})" for c in bad), ""]
    return lines


def _papers_table(groups: list[dict]) -> list[str]:
    """One row per paper: citation, title, authors, year, file, the verdict counts and the findings."""
    lines = ["## Papers", "",
             "| paper | title | authors | year | file | claims | supported | refuted | inconclusive | errors "
             "| findings | as expected |", "|---|---|---|--:|---|--:|--:|--:|--:|--:|--:|--:|"]
    for g in groups:
        p, n = g["paper"], g["counts"]
        head = (f"| [{p.cite}](#{g['anchor']}) | *{_cell(p.title)}* | {_cell(p.full_authors)} | {p.year} | `{p.file}` |"
                if p is not None else f"| [other claims](#{g['anchor']}) | | | | |")
        ok = f"{g['passed']}/{len(g['claims'])}" + (" **✗**" if g["not_passed"] else "")
        lines.append(f"{head} {len(g['claims'])} | {n['supported']} | {n['refuted']} | {n['inconclusive']} | "
                     f"{n['error']} | {g['findings']} | {ok} |")
    return lines + [""]


def _findings_list(doc: dict, out_dir: Path, cwd: Path) -> list[str]:
    """The findings, one sentence each, with a link to the claim's section and to its counterexample file."""
    found = findings(doc)
    if not found:
        return []
    lines = ["## Findings: where the suite and the paper disagree", "",
             "Claims whose computed verdict or expectation differs from what the paper asserts (or where the "
             "paper is silent), and any verdict that is not the expected one (those first), in paper order. The reason "
             "recorded "
             "in the code is in each claim's section.", ""]
    for c in found:
        f = finding(c)
        mark = "**✗ not as expected** " if not f["passed"] else ""
        line = f"- {mark}[`{c['id']}`](#{c['id'].replace('.', '')}) — {finding_sentence(f)}"
        cx = c.get("counterexample")
        href = counterexample_href(cx, out_dir, cwd)
        if href is not None:
            line += f" Counterexample: {_md_link(f'`{counterexample_file(cx, cwd).name}`', href)}."
        lines.append(line.replace("\n", " "))
    return lines + [""]


def render_markdown(doc: dict, figures: dict[str, list[str]], *, out_dir: str | Path | None = None,
                    cwd: str | Path | None = None, landscapes: list[tuple[dict, list[str]]] | None = None) -> str:
    """Render the evidence document as Markdown; figures are linked from ``figures/``.

    Opens with the summary counts, the papers (:func:`paper_groups`) and the findings
    (:func:`findings`), then the table of claims and one section per claim, grouped by paper in
    the paper's order (:func:`claim_order`).  ``figures``: claim id -> figure file names;
    ``landscapes``: the entries of ``doc["landscapes"]`` with their figure file names (default: the
    entries without figures), shown in the section of the claim they name (:func:`place_landscapes`),
    the others in a section of their own at the end.  ``out_dir``: the directory the file is published in
    (counterexample links are relative to it; default: ``cwd``); ``cwd``: the directory
    relative counterexample paths of the evidence, and the replay commands shown, are relative
    to (default: the current one).
    """
    cwd = Path(cwd) if cwd is not None else Path.cwd()
    out_dir = Path(out_dir) if out_dir is not None else cwd
    tol = doc["tolerance"]
    groups = paper_groups(doc.get("claims", []))
    if landscapes is None:
        landscapes = [(e, []) for e in landscape_entries(doc)]
    placed, unplaced = place_landscapes(landscapes, [c.get("id") for c in doc.get("claims", [])])
    lines = [
        "# landscape report",
        "",
        *_summary(doc),
        *_papers_table(groups),
        *_findings_list(doc, out_dir, cwd),
        "## About this run",
        "",
        f"Profile `{doc['profile']}`, seed {doc['seed']}, started {doc['started']}, {doc['duration_s']:.1f} s; "
        f"landscape {doc['landscape_version']}, Python {doc['environment']['python']}, torch "
        f"{doc['environment']['torch']}, numpy {doc['environment']['numpy']}.",
        "",
        f"Tolerance policy: a relative quantity <= {tol['zero']:g} is zero, >= {tol['nonzero_from']:g} is non-zero, "
        f"in between is the inconclusive band; undecided float64 cases are re-decided at "
        f"{'/'.join(str(d) for d in tol['hp_ladder_digits'])} digits. Margins are distances to the deciding "
        "threshold in decades (*exact*: decided exactly).",
        "",
        "Generated by `landscape report`; do not edit by hand. `evidence.json` holds every number.",
        "",
    ]
    stab = doc.get("stability") or {}
    if stab:
        lines += ["Seed stability (`landscape stability`): "
                  + "; ".join(f"{p} profile, seeds {v['seeds'][0]}..{v['seeds'][-1]} ({len(v['seeds'])} seeds, every "
                              f"claim {'stable' if v['stable'] else 'NOT stable'})" for p, v in stab.items())
                  + ". The column *seeds* counts the seeds that gave the expected verdict.", ""]
    lines += [
        "## All claims (in paper order)", "",
        "| claim | paper | verdict | expected | as expected | the paper says | margin | examples | counterexample |"
        + (" seeds |" if stab else ""),
        "|---|---|---|---|:-:|---|--:|--:|---|" + ("---|" if stab else ""),
    ]
    ordered = [c for g in groups for c in g["claims"]]
    for c in ordered:
        cx, href = c.get("counterexample"), counterexample_href(c.get("counterexample"), out_dir, cwd)
        cx_cell = _md_link(counterexample_file(cx, cwd).name, href) if href is not None else _cell(cx or "")
        flag = " (surprise)" if c.get("surprise") else ""
        ok = "✓" if c["verdict"] == c["expected"] else "**✗ unexpected**"
        lines.append(f"| [`{c['id']}`](#{c['id'].replace('.', '')}) | {_cell(_cite(c['source']))} | "
                     f"**{c['verdict']}** | {c['expected']} | {ok} | {paper_verdict(c['paper'])}{flag} | "
                     f"{format_margin(c['margin'], sep=NBSP)} | {c['examples']} | {cx_cell} |"
                     + (f" {describe(c.get('stability'))} |" if stab else ""))
    lines.append("")
    fx = doc.get("fixtures") or []
    if fx:
        lines += ["## Cross-examination fixtures", "",
                  "Points built by one claim and fed to every other claim whose hypotheses they meet "
                  "(`landscape/fixtures.py`).", "", "| fixture | built by | kind | network | N | facts |",
                  "|---|---|---|---|---|---|"]
        for f in fx:
            if "error" in f:
                lines.append(f"| error | {f['error']} | | | | |")
                continue
            sp_ = f["spec"]
            net = f"{sp_['activation']}, widths {sp_['widths']}, {'bias' if sp_['bias'] else 'no bias'}"
            facts = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in f["facts"].items())
            lines.append(f"| `{f['id']}` | {f['source']} | {f['kind']} | {net} | {f['N']} | {facts} |")
        lines.append("")
    for g in groups:
        p = g["paper"]
        lines += [f'<a id="{g["anchor"]}"></a>', "",
                  f"## {p.cite}: *{p.title}* (file `{p.file}`)" if p is not None else "## Other claims", ""]
        for c in g["claims"]:
            lines += _claim_section(c, figures, out_dir, cwd)
            for entry, names in placed.get(c["id"], []):
                lines += _landscape_lines(entry, names)
    if unplaced:
        lines += ["## Landscapes", "", "Landscape entries whose source names no claim of this report.", ""]
        for entry, names in unplaced:
            lines += _landscape_lines(entry, names)
    return "\n".join(lines) + "\n"


def _landscape_lines(entry: dict, names: list[str]) -> list[str]:
    lines = [f"- Landscape `{entry.get('fixture')}` ({entry.get('kind', 'landscape')}; source {entry.get('source')})"]
    lines += [f"  - Note: {n}" for n in entry.get("notes") or [] if isinstance(entry.get("notes"), list)]
    for f in names:
        lines += ["", f"![{entry.get('fixture')}](figures/{f})"]
    return lines + [""]


def _claim_section(c: dict, figures: dict[str, list[str]], out_dir: Path, cwd: Path) -> list[str]:
    lines = [f"### {c['id']}", "", f"**{c['title']}**", "",
             f"- Source: {_source(c['source'])}",
             f"- Statement: {c['statement']}",
             f"- Hypotheses: {'; '.join(c['hypotheses']) or 'none stated'}",
             f"- Verdict: **{c['verdict']}** (expected {c['expected']}: "
             + ("as expected" if c["verdict"] == c["expected"] else "**✗ unexpected**")
             + f"; {paper_says(c['paper'])})",
             f"- Margin: {_fmt_margin(c['margin'])}"
             + (f"; the refuting point is certified at proof level **{c['proof']}**" if c.get("proof") else ""),
             *([f"- Seed stability: {describe(c['stability'])} seeds with the expected verdict"]
               if c.get("stability") else []),
             f"- What was tried: {c['tried']}",
             f"- Duration: {c['duration_s']:.2f} s"]
    if c.get("why"):
        lines.append(f"- Why the expectation: {c['why']}")
    if c.get("counterexample"):
        cx = c["counterexample"]
        href, cmd = counterexample_href(cx, out_dir, cwd), replay_command(cx, cwd, claims_from_files(c))
        if href is None or cmd is None:  # not a file (e.g. "not written: no counterexample directory given")
            lines.append(f"- Counterexample: {cx}")
        else:
            shown = display_path(counterexample_file(cx, cwd), cwd)
            lines.append(f"- Counterexample: {_md_link(f'`{shown}`', href)} (replay: `{cmd}`)")
        note = (c.get("counterexample_outcome") or {}).get("note")
        if note:
            lines.append(f"  - {note}")
    for n in c.get("notes", []):
        lines.append(f"- Note: {n}")
    if c.get("error"):
        lines += ["", "```", c["error"][-3000:], "```"]
    for f in figures.get(c["id"], []):
        lines += ["", f"![{c['id']}](figures/{f})"]
    lines += ["", "<details><summary>Statistics</summary>", "", "```json", _stats_block(c["statistics"]), "```",
              "", "</details>", ""]
    return lines
