"""Render a figure spec (from the evidence) to PNG bytes with matplotlib (Agg backend)."""

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
        elif kind == "line":
            for label, s in sorted(spec.get("series", {}).items()):
                ax.plot(s["x"], s["y"], marker="o", ms=3, label=label)
            if spec.get("logx"):
                ax.set_xscale("log")
            if spec.get("logy"):
                ax.set_yscale("log")
        else:
            raise ValueError(f"unknown figure kind {kind!r}; expected hist, bar or line")
        ax.set_title(spec.get("title", ""), fontsize=9)
        ax.set_xlabel(spec.get("xlabel", ""), fontsize=8)
        ax.set_ylabel(spec.get("ylabel", ""), fontsize=8)
        handles, _ = ax.get_legend_handles_labels()
        if handles and len(handles) <= 20:
            ax.legend(fontsize=7)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()
    finally:
        plt.close(fig)
