"""Report writers: ``evidence.json``, ``report.md`` and ``index.html`` (figures embedded).

Figures are *specs* stored in the evidence (``kind`` = ``hist`` | ``bar`` | ``line``, the
data, labels), rendered here with matplotlib, so ``evidence.json`` alone is enough to
redraw every plot: each claim's figures (``figures/<id>-<i>.png``) and those of the landscape
entries (``doc["landscapes"]``, ``figures/landscape-<fixture>-<i>.png``, see
:func:`render_landscape_figures`).

The files are published as a set: :func:`stage_report` renders everything into a hidden
staging directory inside the output directory, :meth:`ReportStage.publish` moves the
files into place (each ``os.replace`` atomic; figures first, then ``evidence.json``,
``report.md`` and ``index.html`` last, then stale figures are removed), with SIGINT /
SIGTERM deferred during the moves.  A run killed while rendering leaves the previous
report untouched (at most a hidden staging directory, see :mod:`landscape._core.publish`).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Callable

from landscape._core.evidence import Evidence, atomic_write, dumps
from landscape._core.publish import clean_stale_staging, deferred_signals, fsync_dir, make_staging_dir
from landscape._core.report.figures import render_png
from landscape._core.report.html import render_html
from landscape._core.report.markdown import landscape_entries, render_markdown

FILES = ("evidence.json", "report.md", "index.html")  # the publication order: index.html last


class ReportStage:
    """A rendered report waiting in its staging directory; :meth:`publish` or :meth:`discard` it once."""

    def __init__(self, out_dir: Path, staging: Path, figures: list[str]):
        self.out = out_dir
        self.staging = staging
        self.figures = figures
        self.paths = {"json": out_dir / "evidence.json", "markdown": out_dir / "report.md",
                      "html": out_dir / "index.html"}

    def publish(self) -> dict[str, Path]:
        """Move the staged files into the output directory; returns the final paths (json, markdown, html)."""
        figdir = self.out / "figures"
        with deferred_signals():
            figdir.mkdir(exist_ok=True)
            for name in self.figures:
                os.replace(self.staging / "figures" / name, figdir / name)
            for name in FILES:
                os.replace(self.staging / name, self.out / name)
            keep = set(self.figures)
            for stale in figdir.glob("*.png"):
                if stale.name not in keep:
                    stale.unlink()
            fsync_dir(figdir)
            fsync_dir(self.out)
            self.discard()
        return self.paths

    def discard(self) -> None:
        """Remove the staging directory (what was not published is dropped)."""
        shutil.rmtree(self.staging, ignore_errors=True)


def _safe(name: object) -> str:
    """A fixture id as part of a file name: runs of other characters than ``[A-Za-z0-9._-]`` become ``_``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("_.") or "fixture"


def render_landscape_figures(doc: dict) -> list[tuple[dict, list[tuple[str, bytes]]]]:
    """Draw the figure specs of every entry of ``doc["landscapes"]`` (absent in old evidence: none).

    Returns ``(entry, [(file name, PNG bytes), ...])`` per entry, the files named
    ``landscape-<safe fixture id>-<i>.png`` (``i`` from 1; a second entry whose fixture id maps
    to the same name gets its entry number added).  A spec that cannot be drawn is skipped with
    a note appended to the entry's ``notes`` (so ``evidence.json`` records it too).
    """
    out: list[tuple[dict, list[tuple[str, bytes]]]] = []
    used: set[str] = set()
    for k, entry in enumerate(landscape_entries(doc)):
        specs = entry.get("figures") if isinstance(entry.get("figures"), list) else []
        stem = f"landscape-{_safe(entry.get('fixture'))}"
        if any(f"{stem}-{i + 1}.png" in used for i in range(len(specs))):  # two fixture ids, one file name
            stem = f"{stem}-{k + 1}"
        while any(f"{stem}-{i + 1}.png" in used for i in range(len(specs))):
            stem += "_"
        drawn: list[tuple[str, bytes]] = []
        for i, spec in enumerate(specs):
            try:
                data = render_png(spec)
            except Exception as e:  # noqa: BLE001 - a bad figure spec of one entry must not lose the report
                notes = entry.setdefault("notes", [])
                if isinstance(notes, list):
                    notes.append(f"figure {i + 1} could not be drawn: {e.__class__.__name__}: {e}")
                continue
            name = f"{stem}-{i + 1}.png"
            used.add(name)
            drawn.append((name, data))
        out.append((entry, drawn))
    return out


def stage_report(evs: list[Evidence], doc: dict, out_dir: str | Path, *,
                 locate: Callable[[str], Path] | None = None) -> ReportStage:
    """Render ``evidence.json``, ``report.md``, ``figures/*.png`` and ``index.html`` into a staging directory.

    ``locate(path)``: where the counterexample file the evidence names as ``path`` can be read
    now (e.g. :meth:`landscape._core.publish.CounterexampleStage.locate`, whose files are
    published after the report); default: the path itself.  ``index.html`` shows each file in full.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    clean_stale_staging(out)
    staging = make_staging_dir(out)
    try:
        figdir = staging / "figures"
        figdir.mkdir()
        pngs: dict[str, list[tuple[str, bytes]]] = {}
        notes = {c.get("id"): c.setdefault("notes", []) for c in doc.get("claims", []) if isinstance(c, dict)}
        for ev in evs:
            for i, spec in enumerate(ev.figures):
                try:
                    data = render_png(spec)
                except Exception as e:  # noqa: BLE001 - a bad figure spec of one claim must not lose the report
                    notes.get(ev.id, []).append(f"figure {i + 1} could not be drawn: {e.__class__.__name__}: {e}")
                    continue
                name = f"{ev.id}-{i + 1}.png"
                atomic_write(figdir / name, data)
                pngs.setdefault(ev.id, []).append((name, data))
        landscapes = render_landscape_figures(doc)
        for _, drawn in landscapes:
            for name, data in drawn:
                atomic_write(figdir / name, data)
        atomic_write(staging / "evidence.json", dumps(doc))
        # links point from the published directory (not the staging one); replay commands run from here
        where = {"out_dir": out.absolute(), "cwd": Path.cwd()}
        atomic_write(staging / "report.md", render_markdown(
            doc, {k: [n for n, _ in v] for k, v in pngs.items()},
            landscapes=[(e, [n for n, _ in d]) for e, d in landscapes], **where))
        atomic_write(staging / "index.html", render_html(doc, pngs, locate=locate, landscapes=landscapes, **where))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ReportStage(out, staging, [n for v in pngs.values() for n, _ in v]
                       + [n for _, d in landscapes for n, _ in d])


def write_report(evs: list[Evidence], doc: dict, out_dir: str | Path, *,
                 locate: Callable[[str], Path] | None = None) -> dict[str, Path]:
    """Write ``evidence.json``, ``report.md``, ``figures/*.png`` and ``index.html`` into ``out_dir`` (as a set).

    ``locate``: as for :func:`stage_report`.
    """
    return stage_report(evs, doc, out_dir, locate=locate).publish()


__all__ = ["ReportStage", "render_landscape_figures", "stage_report", "write_report"]
