"""The HTML report: one self-contained page (CSS inline, figures as base64 PNG), from Jinja2 templates.

The page opens with the summary counts (per verdict; as expected / not, red when any claim is
not), one row per paper (title, authors, year, file, the verdict counts) and the *findings*:
every claim whose computed verdict or expectation differs from the paper, or whose verdict is
not the expected one, in one sentence with its decisive number and links to its section and
counterexample file.  Then one collapsible section per paper, its claims in the order the
results appear in the paper (:func:`landscape._core.papers.paper_position`), each claim with
its statement and source, hypotheses, what was tried, the verdict and its margin, the stored
counterexample shown in full (payload tables, outcome) with its replay command, the seed
stability, notes, errors and figures (full content width), and the landscape figures of
``doc["landscapes"]`` that name the claim.

Python builds plain *view* dicts (:func:`render_html`); the markup lives in
``templates/*.j2`` (autoescaped).  Counterexample links are relative to the report's directory
(:mod:`landscape._core.report.paths`).
"""

from __future__ import annotations

import base64
import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import jinja2

from landscape._core.papers import paper_says, paper_verdict, split_source
from landscape._core.report.markdown import (VERDICTS, claims_from_files, finding, findings, format_margin, landscape_entries,
                                             paper_groups, place_landscapes, summary_counts)
from landscape._core.report.paths import counterexample_file, counterexample_href, display_path, replay_command
from landscape._core.stability import describe

TEMPLATES = Path(__file__).with_name("templates")

#: How much of a counterexample is shown as tables: longer vectors, larger matrices and deeper
#: nesting are truncated with a note (the file holds every number).
MAX_VECTOR = 32
VECTOR_ROW = 8  # a vector's values per table row (the row starts with its index)
MAX_ROWS = 16
MAX_COLS = 16
MAX_DEPTH = 6
MAX_CELLS = 3000  # per counterexample file (payload and outcome together)
MAX_TEXT = 2000
MAX_FILE_BYTES = 20_000_000
STATS_CHARS = 8000


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the report templates (autoescape on, undefined names are errors)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["margin"] = format_margin
    return env


# ---------------------------------------------------------------------------------------------
# values of a counterexample file -> a tree of display nodes (rendered by templates/_values.j2)

class _Budget:
    def __init__(self, cells: int):
        self.left = cells

    def take(self, n: int) -> bool:
        self.left -= n
        return self.left >= 0


def _scalar_text(x: Any) -> str:
    if x is None:
        return "null"
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float):
        return repr(x) if math.isfinite(x) else str(x)
    return str(x)


def _is_scalar(x: Any) -> bool:
    return x is None or isinstance(x, (bool, int, float)) or (isinstance(x, str) and len(x) <= 80)


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' * (n != 1)}"


def value_view(x: Any, budget: _Budget | None = None, depth: int = 0) -> dict[str, Any]:
    """A JSON value as a display node: ``scalar``, ``text``, ``vector``, ``matrix``, ``map``, ``list`` or ``omitted``.

    Vectors (lists of scalars) and matrices (rectangular lists of such lists) become tables,
    truncated to :data:`MAX_VECTOR` values / :data:`MAX_ROWS` x :data:`MAX_COLS` with a note;
    objects and other lists nest, to :data:`MAX_DEPTH` levels and :data:`MAX_CELLS` cells in all.
    Any value is accepted (unexpected types are shown by ``str``); this never raises.
    """
    budget = budget if budget is not None else _Budget(MAX_CELLS)
    try:
        return _view(x, budget, depth)
    except Exception as e:  # noqa: BLE001 - a display detail must not lose the report
        return {"t": "omitted", "text": f"(not shown: {e.__class__.__name__})"}


def _view(x: Any, budget: _Budget, depth: int) -> dict[str, Any]:
    if isinstance(x, str) and len(x) > 80:
        text = x if len(x) <= MAX_TEXT else x[:MAX_TEXT] + f" ... ({len(x)} characters; the rest in the file)"
        return {"t": "text", "text": text}
    if _is_scalar(x):
        return {"t": "scalar", "text": _scalar_text(x), "num": isinstance(x, (int, float)) and not isinstance(x, bool)}
    if not isinstance(x, (list, tuple, dict)):
        return {"t": "scalar", "text": str(x)[:MAX_TEXT], "num": False}
    if not x:
        return {"t": "scalar", "text": "[]" if not isinstance(x, dict) else "{}", "num": False}
    if budget.left <= 0 or depth >= MAX_DEPTH:
        text = json.dumps(x, default=str)
        return {"t": "omitted", "text": (text[:200] + " ...") if len(text) > 200 else text,
                "note": "nested too deep or too much to show as tables; the file holds it all"}
    if isinstance(x, dict):
        items = []
        for k, v in x.items():
            if budget.left <= 0:
                items.append(("...", {"t": "omitted", "text": f"{len(x) - len(items)} more entries in the file"}))
                break
            budget.take(1)
            items.append((str(k), _view(v, budget, depth + 1)))
        return {"t": "map", "entries": items}
    xs = list(x)
    if all(_is_scalar(v) for v in xs):
        shown = [_scalar_text(v) for v in xs[:MAX_VECTOR]]
        budget.take(len(shown))
        rows = [(i, shown[i:i + VECTOR_ROW]) for i in range(0, len(shown), VECTOR_ROW)]
        return {"t": "vector", "rows": rows, "n": len(xs), "indexed": len(shown) > VECTOR_ROW,
                "note": f"first {len(shown)} of {len(xs)} values shown; the file holds them all"
                if len(xs) > len(shown) else ""}
    rows = [list(r) for r in xs if isinstance(r, (list, tuple))]
    if len(rows) == len(xs) and len({len(r) for r in rows}) == 1 and rows[0] and \
            all(_is_scalar(v) for r in rows for v in r):
        nr, nc = len(rows), len(rows[0])
        show = [[_scalar_text(v) for v in r[:MAX_COLS]] for r in rows[:MAX_ROWS]]
        budget.take(sum(len(r) for r in show))
        note = ""
        if nr > MAX_ROWS or nc > MAX_COLS:
            note = (f"first {min(nr, MAX_ROWS)} of {_count(nr, 'row')} and {min(nc, MAX_COLS)} of "
                    f"{_count(nc, 'column')} shown; the file holds them all")
        return {"t": "matrix", "rows": show, "shape": f"{nr} x {nc}", "cut_cols": nc > MAX_COLS, "note": note}
    items = []
    for i, v in enumerate(xs):
        if budget.left <= 0 or i >= MAX_ROWS:
            items.append({"t": "omitted", "text": f"{len(xs) - i} more items in the file"})
            break
        items.append(_view(v, budget, depth + 1))
    return {"t": "list", "entries": items, "n": len(xs)}


# ---------------------------------------------------------------------------------------------
# the counterexample file of a claim

def _locate(cx: str, locate: Callable[[str], Path] | None, cwd: Path) -> Path | None:
    path = locate(cx) if locate is not None else counterexample_file(cx, cwd)
    if path is None:
        return None
    path = Path(path)
    return path if path.is_absolute() else cwd / path


def counterexample_view(c: dict, *, out_dir: Path, cwd: Path,
                        locate: Callable[[str], Path] | None = None) -> dict[str, Any] | None:
    """The counterexample block of a claim's section (None when the claim names none).

    ``name`` / ``href`` / ``shown`` / ``replay`` (None when the evidence names no file, e.g.
    ``"(not written: ...)"``), ``note`` (the evidence's ``counterexample_outcome`` note),
    ``file``: the file as read through ``locate`` (``header``, ``outcome``, ``payload`` as
    display nodes), or ``missing``: a one-line reason it could not be read.
    """
    cx = c.get("counterexample")
    if not cx:
        return None
    outcome = c.get("counterexample_outcome") if isinstance(c.get("counterexample_outcome"), dict) else {}
    view: dict[str, Any] = {"text": str(cx), "href": None, "shown": None, "name": None, "replay": None,
                            "note": str(outcome.get("note") or ""), "status": str(outcome.get("status") or ""),
                            "file": None, "missing": None}
    href = counterexample_href(cx, out_dir, cwd)
    cmd = replay_command(cx, cwd, claims_from_files(c))
    if href is None or cmd is None:  # not a file (e.g. "not written: no counterexample directory given")
        return view
    final = counterexample_file(cx, cwd)
    view.update(href=href, shown=display_path(final, cwd), name=final.name, replay=cmd)
    try:
        path = _locate(cx, locate, cwd)
        if path is None:
            raise FileNotFoundError(cx)
        if path.stat().st_size > MAX_FILE_BYTES:
            view["missing"] = f"the file is {path.stat().st_size} bytes: too large to show here"
            return view
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        view["missing"] = "the file could not be found when the report was rendered"
        return view
    except (OSError, UnicodeDecodeError, ValueError) as e:
        view["missing"] = f"the file could not be read: {e.__class__.__name__}: {str(e)[:200]}"
        return view
    except Exception as e:  # noqa: BLE001 - a caller's locate() that fails must not lose the report
        view["missing"] = f"the file could not be located: {e.__class__.__name__}: {str(e)[:200]}"
        return view
    if not isinstance(doc, dict):
        view["missing"] = f"the file holds a JSON {type(doc).__name__}, not an object"
        return view
    budget = _Budget(MAX_CELLS)
    payload = value_view(doc["payload"], budget) if "payload" in doc else None  # first: it has the budget first
    outcome = doc.get("outcome")
    fo = outcome if isinstance(outcome, dict) else {}
    other = {k: v for k, v in fo.items() if k not in ("status", "margin", "note", "stats")}
    header = [(k, _scalar_text(doc[k])) for k in ("claim", "profile", "seed", "landscape_version", "schema_version")
              if k in doc and _is_scalar(doc[k])]
    if isinstance(doc.get("checksum"), str):
        header.append(("checksum", doc["checksum"][:16] + ("..." if len(doc["checksum"]) > 16 else "")))
    view["file"] = {
        "header": header, "payload": payload,
        "status": _scalar_text(fo["status"]) if "status" in fo else "",
        "margin": format_margin(fo["margin"]) if "margin" in fo else "",
        "note": str(fo.get("note") or ""),
        "stats": value_view(fo["stats"], budget) if fo.get("stats") else None,
        "outcome_other": value_view(other, budget) if other else
        (value_view(outcome, budget) if outcome is not None and not isinstance(outcome, dict) else None),
    }
    return view


# ---------------------------------------------------------------------------------------------
# one claim's section

def _g(x: object) -> str:
    """A number of the tolerance policy as ``1e-10`` (anything else as it is)."""
    return f"{x:g}" if isinstance(x, (int, float)) and not isinstance(x, bool) else str(x)


def _margin_sentence(m: object, tol: dict) -> str:
    """What the margin says, against the tolerance band of ``doc["tolerance"]``."""
    text = format_margin(m)
    band = f"the band ({_g(tol.get('zero', '?'))}, {_g(tol.get('nonzero_from', '?'))})"
    if text == "exact":
        return "decided exactly (no tolerance involved)"
    if text == "n/a":
        return "no margin recorded"
    try:
        f = float(m)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return text
    if f > 0:
        return f"the deciding quantity lies {f:.2f} decades outside {band} of undecided relative values"
    if f == 0:
        return f"the deciding quantity lies inside {band}: undecided"
    return f"{f:.2f} decades: inside {band}"


def _statistics_view(stats: Any) -> dict[str, Any]:
    """The statistics summary: outcome counts, the searches (label, examples, verdict, margin), top-level scalars."""
    if not isinstance(stats, dict):
        return {"counts": "", "searches": [], "scalars": [], "nested": [], "json": _stats_json(stats)}
    counts = stats.get("counts")
    counts_text = ", ".join(f"{k} {v}" for k, v in counts.items()) if isinstance(counts, dict) else ""
    searches = []
    for s in stats.get("searches") or []:
        if not isinstance(s, dict):
            continue
        sc = s.get("counts") if isinstance(s.get("counts"), dict) else {}
        searches.append({"label": str(s.get("label", "")), "examples": _scalar_text(s.get("examples", "")),
                         "budget": _scalar_text(s.get("budget", "")), "holds": sc.get("holds", ""),
                         "fails": sc.get("fails", ""), "band": sc.get("band", ""),
                         "verdict": str(s.get("verdict", "")), "margin": format_margin(s.get("margin")),
                         "seconds": _scalar_text(s.get("seconds", ""))})
    scalars, nested = [], []
    for k, v in stats.items():
        if k in ("counts", "searches"):
            continue
        if _is_scalar(v) or (isinstance(v, str) and len(v) <= 400):
            scalars.append((k, _scalar_text(v)))
        else:
            nested.append(k)
    return {"counts": counts_text, "searches": searches if isinstance(stats.get("searches"), list) else [],
            "scalars": scalars, "nested": nested, "json": _stats_json(stats)}


def _stats_json(stats: Any) -> str:
    s = json.dumps(stats, indent=1, default=str)
    if len(s) > STATS_CHARS:
        s = s[:STATS_CHARS] + "\n... (truncated; full numbers in evidence.json)"
    return s


def _stability_view(st: Any) -> list[dict[str, Any]]:
    if not isinstance(st, dict):
        return []
    rows = []
    for profile, r in st.items():
        if not isinstance(r, dict):
            continue
        counts = r.get("counts") if isinstance(r.get("counts"), dict) else {}
        rows.append({"profile": str(profile), "seeds": r.get("seeds", "?"), "as_expected": r.get("as_expected", "?"),
                     "held": bool(r.get("held")), "counts": ", ".join(f"{v} {k}" for k, v in counts.items())})
    return rows


def _describe(st: Any) -> str:
    try:
        return describe(st) or ""
    except (TypeError, KeyError, AttributeError):  # a malformed stability record: no cell rather than no report
        return ""


def _png(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _figure_index(name: str) -> int | None:
    m = re.search(r"-(\d+)\.png$", name)
    return int(m.group(1)) - 1 if m else None


def _spec_title(specs: Any, i: int | None, default: str) -> str:
    if isinstance(specs, list) and i is not None and 0 <= i < len(specs) and isinstance(specs[i], dict):
        return str(specs[i].get("title") or default)
    return default


def _landscape_view(entry: dict, drawn: list[tuple[str, bytes]]) -> dict[str, Any]:
    """A landscape entry of ``doc["landscapes"]``: what it pictures, its numbers, notes (and error), figures."""
    specs = entry.get("figures")
    skip = ("fixture", "source", "kind", "what", "figures", "notes", "error")
    other = {k: v for k, v in entry.items() if k not in skip}
    facts = [(str(k), _scalar_text(v)) for k, v in other.items() if _is_scalar(v)]
    nested = {k: v for k, v in other.items() if not _is_scalar(v)}
    notes = [str(n) for n in entry.get("notes") or []] if isinstance(entry.get("notes"), list) else []
    if entry.get("error"):
        notes.insert(0, f"this landscape could not be computed: {entry['error']}")
    n_specs = len(specs) if isinstance(specs, list) else 0
    if n_specs and not drawn and not notes:
        notes.append(f"{_count(n_specs, 'figure')} not drawn in this rendering")
    return {"fixture": str(entry.get("fixture", "")), "source": str(entry.get("source", "")),
            "kind": str(entry.get("kind", "")), "what": str(entry.get("what") or ""), "notes": notes,
            "facts": facts, "details": value_view(nested) if nested else None,
            "figures": [{"alt": _spec_title(specs, _figure_index(name), name), "src": _png(data), "name": name}
                        for name, data in drawn]}


def claim_view(c: dict, *, tol: dict, figures: list[tuple[str, bytes]], landscapes: list[tuple[dict, list]],
               out_dir: Path, cwd: Path, locate: Callable[[str], Path] | None) -> dict[str, Any]:
    """Everything a claim's section shows, as plain values for ``templates/_claim.html.j2``."""
    p, rest = split_source(str(c.get("source") or ""))
    ok = c.get("verdict") == c.get("expected")
    hyps = c.get("hypotheses") if isinstance(c.get("hypotheses"), list) else []
    err = c.get("error")
    return {
        "id": str(c.get("id")), "title": str(c.get("title") or ""),
        "paper": {"cite": p.cite, "title": p.title, "file": p.file} if p is not None else None,
        "where": rest if p is not None else str(c.get("source") or ""),
        "statement": str(c.get("statement") or ""), "hypotheses": [str(h) for h in hyps],
        "verdict": str(c.get("verdict")), "expected": str(c.get("expected")), "ok": ok,
        "paper_verdict": paper_verdict(str(c.get("paper"))), "paper_silent": c.get("paper") == "inconclusive",
        "says": paper_says(str(c.get("paper"))), "surprise": bool(c.get("surprise")),
        "margin": format_margin(c.get("margin")), "margin_sentence": _margin_sentence(c.get("margin"), tol),
        "proof": c.get("proof"),
        "examples": c.get("examples", 0), "duration": f"{float(c.get('duration_s') or 0):.2f}",
        "tried": str(c.get("tried") or ""), "why": str(c.get("why") or ""),
        "stats": _statistics_view(c.get("statistics")),
        "counterexample": counterexample_view(c, out_dir=out_dir, cwd=cwd, locate=locate),
        "stability": _stability_view(c.get("stability")), "stability_text": _describe(c.get("stability")),
        "notes": [str(n) for n in c.get("notes") or []],
        "error": str(err)[-3000:] if err else "",
        "figures": [{"alt": _spec_title(c.get("figures"), _figure_index(name), name), "src": _png(data), "name": name}
                    for name, data in figures],
        "landscapes": [_landscape_view(e, d) for e, d in landscapes],
    }


def _row_view(c: dict, stab: bool, out_dir: Path, cwd: Path) -> dict[str, Any]:
    """One row of a paper's table of claims."""
    p, rest = split_source(str(c.get("source") or ""))
    cx = c.get("counterexample")
    href = counterexample_href(cx, out_dir, cwd)
    return {"id": str(c.get("id")), "where": rest if p is not None else str(c.get("source") or ""),
            "verdict": str(c.get("verdict")), "expected": str(c.get("expected")),
            "ok": c.get("verdict") == c.get("expected"), "surprise": bool(c.get("surprise")),
            "paper_verdict": paper_verdict(str(c.get("paper"))), "paper_silent": c.get("paper") == "inconclusive",
            "margin": format_margin(c.get("margin")), "examples": c.get("examples", 0),
            "cx_href": href, "cx_parts": counterexample_file(cx, cwd).name.split(".") if href else [],
            "cx_text": "" if href else str(cx or ""),
            "seeds": [s for s in _describe(c.get("stability")).split(", ") if s] if stab else []}


def render_html(doc: dict, figures: dict[str, list[tuple[str, bytes]]], *, out_dir: str | Path | None = None,
                cwd: str | Path | None = None, locate: Callable[[str], Path] | None = None,
                landscapes: list[tuple[dict, list[tuple[str, bytes]]]] | None = None) -> str:
    """Render the evidence document as one self-contained HTML page (templates ``templates/*.j2``).

    ``figures``: claim id -> ``[(file name, PNG bytes), ...]`` (the alt text is the spec's title);
    ``landscapes``: the entries of ``doc["landscapes"]`` with their drawn figures (default: the
    entries of ``doc`` without figures; see :func:`landscape._core.report.render_landscape_figures`).
    ``out_dir``: the directory the page is published in (links to counterexample files are
    relative to it; default: ``cwd``); ``cwd``: the directory relative counterexample paths of
    the evidence, and the replay commands shown, are relative to (default: the current one).
    ``locate(path)``: where the counterexample file the evidence names as ``path`` can be read
    now (default: the path itself); a file that cannot be read gets a one-line note.
    """
    cwd = Path(cwd) if cwd is not None else Path.cwd()
    out_dir = Path(out_dir) if out_dir is not None else cwd
    tol = doc.get("tolerance") or {}
    claims = [c for c in doc.get("claims", []) if isinstance(c, dict)]
    stab = doc.get("stability") or {}
    if landscapes is None:
        landscapes = [(e, []) for e in landscape_entries(doc)]
    placed, unplaced = place_landscapes(landscapes, [str(c.get("id")) for c in claims])
    n = summary_counts({"claims": claims})
    bad = [{"id": str(c.get("id")), "verdict": str(c.get("verdict")), "expected": str(c.get("expected"))}
           for c in claims if c.get("verdict") != c.get("expected")]
    groups = []
    for g in paper_groups(claims):
        p = g["paper"]
        groups.append({
            "anchor": g["anchor"], "counts": g["counts"], "n": len(g["claims"]), "passed": g["passed"],
            "not_passed": g["not_passed"], "findings": g["findings"],
            "paper": {"cite": p.cite, "title": p.title, "authors": p.full_authors, "year": p.year,
                      "venue": p.venue, "file": p.file, "version": p.version} if p is not None else None,
            "rows": [_row_view(c, bool(stab), out_dir, cwd) for c in g["claims"]],
            "claims": [claim_view(c, tol=tol, figures=figures.get(str(c.get("id")), []),
                                  landscapes=placed.get(str(c.get("id")), []), out_dir=out_dir, cwd=cwd,
                                  locate=locate) for c in g["claims"]],
        })
    found = []
    for c in findings({"claims": claims}):
        f = finding(c)
        cx = c.get("counterexample")
        href = counterexample_href(cx, out_dir, cwd)
        f.update(cx_href=href, cx_name=counterexample_file(cx, cwd).name if href else "",
                 where=f["where"], detail=f["detail"].rstrip(". "))
        found.append(f)
    env_ = doc.get("environment") or {}
    page = {
        "n": n, "verdicts": VERDICTS, "bad": bad, "groups": groups, "findings": found,
        "run": {"profile": doc.get("profile", "?"), "seed": doc.get("seed", "?"), "started": doc.get("started", "?"),
                "duration": f"{float(doc.get('duration_s') or 0):.1f}", "version": doc.get("landscape_version", "?"),
                "python": env_.get("python", "?"), "torch": env_.get("torch", "?"), "numpy": env_.get("numpy", "?"),
                "commit": str(env_.get("git_commit") or "")[:12], "dirty": bool(env_.get("git_dirty"))},
        "tol": {"zero": _g(tol.get("zero")), "nonzero_from": _g(tol.get("nonzero_from")),
                "ladder": "/".join(str(d) for d in tol.get("hp_ladder_digits") or [])},
        "stability": [{"profile": p, "first": v["seeds"][0], "last": v["seeds"][-1], "n": len(v["seeds"]),
                       "stable": bool(v.get("stable"))} for p, v in stab.items()
                      if isinstance(v, dict) and v.get("seeds")],
        "unplaced": [_landscape_view(e, d) for e, d in unplaced],
    }
    return environment().get_template("report.html.j2").render(**page)


__all__ = ["claim_view", "counterexample_view", "environment", "render_html", "value_view"]
