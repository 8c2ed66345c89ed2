"""Render a figure spec (from the evidence) to PNG bytes with matplotlib (Agg backend).

Figure specs are plain JSON (stored in ``evidence.json``), one of these kinds:

* ``hist``: ``data`` {label: [values]}, optional ``vlines`` {label: x}; ``logx`` histograms
  log10 of the values is the caller's business (pass log10 values and say so in ``xlabel``).
* ``bar``: ``data`` {label: value}; optional ``logy``.
* ``line`` and ``scatter``: ``series`` {label: {"x": [...], "y": [...], "style": "--" (optional)}},
  optional ``logx`` / ``logy``, ``hlines`` {label: y} (reference levels), and a second y-axis:
  ``series_right`` (same form), ``ylabel_right``, ``logy_right`` -- e.g. a loss curve with the
  rank of a matrix overlaid.

Common keys: ``title``, ``xlabel``, ``ylabel``.  An unknown kind raises ``ValueError``.
"""

from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def _finite(vals):
    out = []
    for v in vals:
        try:
            f = float(v)
        except (TypeError, ValueError):
            continue
        if math.isfinite(f):
            out.append(f)
    return out


def _plot_series(ax, series: dict, kind: str) -> None:
    for label, s in sorted(series.items()):
        pts = [(float(x), float(y)) for x, y in zip(s["x"], s["y"])
               if _finite([x]) and _finite([y])]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        if kind == "scatter":
            ax.scatter(xs, ys, s=10, label=label)
        else:
            ax.plot(xs, ys, s.get("style", "-"), marker="o" if len(xs) <= 60 else None, ms=3, label=label)


def render_png(spec: dict) -> bytes:
    """One PNG for one spec; unknown kinds raise ValueError naming the kind."""
    kind = spec.get("kind")
    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=100)
    try:
        if kind == "hist":
            data = {k: _finite(v) for k, v in spec.get("data", {}).items()}
            data = {k: v for k, v in data.items() if v}
            if data:
                allv = [x for v in data.values() for x in v]
                lo, hi = min(allv), max(allv)
                bins = 30 if hi > lo else 1
                for label, vals in sorted(data.items()):
                    ax.hist(vals, bins=bins, range=(lo, hi) if hi > lo else None, alpha=0.55, label=label)
            for label, x in (spec.get("vlines") or {}).items():
                ax.axvline(float(x), color="k", ls="--", lw=1)
                ax.annotate(label, (float(x), 0.95), xycoords=("data", "axes fraction"), fontsize=7, rotation=90,
                            va="top", ha="right")
        elif kind == "bar":
            items = list(spec.get("data", {}).items())
            ax.bar([k for k, _ in items], [float(v) for _, v in items], color="tab:blue")
            ax.tick_params(axis="x", rotation=60, labelsize=7)
            if spec.get("logy"):
                ax.set_yscale("log")
        elif kind in ("line", "scatter"):
            _plot_series(ax, spec.get("series", {}), kind)
            for label, y in (spec.get("hlines") or {}).items():
                ax.axhline(float(y), color="k", ls=":", lw=1, label=label)
            if spec.get("logx"):
                ax.set_xscale("log")
            if spec.get("logy"):
                ax.set_yscale("log")
            if spec.get("series_right"):
                ax2 = ax.twinx()
                ax2._get_lines = ax._get_lines  # continue the colour cycle
                _plot_series(ax2, spec["series_right"], kind)
                ax2.set_ylabel(spec.get("ylabel_right", ""), fontsize=8)
                if spec.get("logy_right"):
                    ax2.set_yscale("log")
                h1, l1 = ax.get_legend_handles_labels()
                h2, l2 = ax2.get_legend_handles_labels()
                if h1 or h2:
                    ax.legend(h1 + h2, l1 + l2, fontsize=7)
        else:
            raise ValueError(f"unknown figure kind {kind!r}; expected hist, bar, line or scatter")
        ax.set_title(spec.get("title", ""), fontsize=9)
        ax.set_xlabel(spec.get("xlabel", ""), fontsize=8)
        ax.set_ylabel(spec.get("ylabel", ""), fontsize=8)
        handles, _ = ax.get_legend_handles_labels()
        if handles and len(handles) <= 20 and not spec.get("series_right"):
            ax.legend(fontsize=7)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()
    finally:
        plt.close(fig)
