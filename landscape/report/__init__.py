"""Report writers: ``evidence.json``, ``report.md`` and ``index.html`` (figures embedded).

Figures are *specs* stored in the evidence (``kind`` = ``hist`` | ``bar`` | ``line``, the
data, labels), rendered here with matplotlib, so ``evidence.json`` alone is enough to
redraw every plot.  Every file is written atomically.
"""

from __future__ import annotations

from pathlib import Path

from ..evidence import Evidence, atomic_write, dumps
from .figures import render_png
from .html import render_html
from .markdown import render_markdown


def write_report(evs: list[Evidence], doc: dict, out_dir: str | Path) -> dict[str, Path]:
    """Write ``evidence.json``, ``report.md``, ``figures/*.png`` and ``index.html`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figdir = out / "figures"
    figdir.mkdir(exist_ok=True)
    pngs: dict[str, list[tuple[str, bytes]]] = {}
    for ev in evs:
        for i, spec in enumerate(ev.figures):
            data = render_png(spec)
            name = f"{ev.id}-{i + 1}.png"
            atomic_write(figdir / name, data)
            pngs.setdefault(ev.id, []).append((name, data))
    for stale in figdir.glob("*.png"):
        if not any(stale.name == n for v in pngs.values() for n, _ in v):
            stale.unlink()
    paths = {"json": out / "evidence.json", "markdown": out / "report.md", "html": out / "index.html"}
    atomic_write(paths["json"], dumps(doc))
    atomic_write(paths["markdown"], render_markdown(doc, {k: [n for n, _ in v] for k, v in pngs.items()}))
    atomic_write(paths["html"], render_html(doc, pngs))
    return paths


__all__ = ["write_report"]
