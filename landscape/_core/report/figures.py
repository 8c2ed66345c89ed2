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

How a spec is drawn (the spec itself is never changed, so ``evidence.json`` redraws it):
:data:`FIGSIZE` inches at :data:`DPI` (reads at full content width of a 1400 px page),
constrained layout; series in natural order (:func:`natural_key`: ``m=64 < m=128 < m=1024``);
a colour cycle that does not repeat for 20 series (:func:`series_style`: tab20, dark shades
first, then the light ones dashed with other markers); the legend outside the axes (right of
them for a few short labels, below them in columns otherwise); threshold lines (``vlines``,
``hlines``) as legend entries with their value, not as text over the data; titles wrapped to
the figure width, and simple ASCII math in titles and axis labels (``^(-1/2)``, ``lambda_min``,
``||...||_2``, ``->``, ``>=``, ``sqrt(...)``) drawn as mathtext (:func:`mathify`; a label that
mathtext cannot parse is drawn as written).
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from typing import Any, Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.mathtext import MathTextParser  # noqa: E402

#: Figure size (inches) and resolution: 990 x 495 px before a legend below the axes adds height.
FIGSIZE = (9.0, 4.5)
DPI = 110
TITLE_CHARS = 100  # a wrapped title line at 11 pt fills about the figure width

_TAB20 = plt.get_cmap("tab20").colors
PALETTE = tuple(_TAB20[0::2]) + tuple(_TAB20[1::2])  # the 10 dark shades, then the 10 light ones
_LINESTYLES = ("-", "--", "-.", ":")
_MARKERS = ("o", "s", "^", "D")
_REF_STYLES = ("--", ":", "-.", (0, (5, 1, 1, 1)))  # threshold / reference lines (black)


def natural_key(label: object) -> tuple:
    """Sort key comparing the numbers inside labels as numbers: ``m=64 < m=128 < m=1024 < m=16384``."""
    out = []
    for part in re.split(r"(\d+(?:\.\d+)?)", str(label)):
        if not part:
            continue
        if part[0].isdigit():
            out.append((0, float(part), part))
        else:
            out.append((1, part.casefold(), part))
    return tuple(out)


def series_style(i: int) -> dict[str, Any]:
    """Colour, line style and marker of the ``i``-th series: distinct for the first 20 (and beyond, by style)."""
    return {"color": PALETTE[i % len(PALETTE)], "ls": _LINESTYLES[(i // 10) % len(_LINESTYLES)],
            "marker": _MARKERS[(i // 10) % len(_MARKERS)]}


# --- ASCII math -> mathtext -------------------------------------------------------------------

_GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu", "sigma", "tau", "phi",
          "psi", "omega")
_G = "|".join(sorted(_GREEK, key=len, reverse=True))
_SUB = r"_(min|max|[A-Za-z0-9])(?![A-Za-z0-9])"


def _sub(s: str | None) -> str:
    if not s:
        return ""
    return "_{\\" + s + "}" if s in ("min", "max") else "_{" + s + "}"


def _sup(content: str) -> str:
    """``^{(H)}`` for an index in parentheses (``K^(H)``), ``^{-1/2}`` for an exponent, ``^{\\infty}``."""
    if content == "inf":
        return "^{\\infty}"
    if re.fullmatch(r"[A-Za-z]{1,2}", content):
        return "^{(" + content + ")}"
    return "^{" + content + "}"


_SUP = r"\^(?:([A-Za-z])\(([^()]{1,8})\)|\(([^()]{1,12})\)|(inf|-?\d+(?:/\d+)?|[A-Za-z0-9])(?![A-Za-z0-9]))"


def _sup_of(m: re.Match, base: int) -> str:
    """The superscript of a match of :data:`_SUP` whose groups start at ``base``."""
    fn, fa, par, plain = (m.group(base + k) for k in range(4))
    if fn is not None:
        return "^{" + fn + "(" + fa + ")}"
    if par is not None:
        return _sup(par)
    return "^{\\infty}" if plain == "inf" else "^{" + plain + "}"  # x^2, (..)^k: a plain exponent


_RULES: tuple[tuple[re.Pattern, Callable[[re.Match], str]], ...] = (
    (re.compile(r"\|\|_([A-Za-z0-9])"), lambda m: "\\|_{" + m.group(1) + "}"),
    (re.compile(r"\|\|"), lambda m: "\\|"),
    (re.compile(r"->\s*inf\b"), lambda m: "\\rightarrow\\infty"),
    (re.compile(r"->"), lambda m: "\\rightarrow"),
    (re.compile(r"<="), lambda m: "\\leq"),
    (re.compile(r">="), lambda m: "\\geq"),
    (re.compile(r"!="), lambda m: "\\neq"),
    (re.compile(r"(?<![A-Za-z])sqrt\(([^()]{1,20})\)"), lambda m: "\\sqrt{" + m.group(1) + "}"),
    (re.compile(r"(?<![A-Za-z])sqrt ([A-Za-z0-9])(?![A-Za-z0-9])"), lambda m: "\\sqrt{" + m.group(1) + "}"),
    (re.compile(rf"(?<![A-Za-z])grad_({_G}|[A-Za-z])(?![A-Za-z0-9])"),
     lambda m: "\\nabla_{" + ("\\" + m.group(1) if len(m.group(1)) > 1 else m.group(1)) + "}"),
    (re.compile(rf"(?<![A-Za-z\\])({_G})(?:{_SUB})?(?![A-Za-z])"), lambda m: "\\" + m.group(1) + _sub(m.group(2))),
    (re.compile(rf"(?<![A-Za-z0-9_\\])([A-Za-z]){_SUB}"), lambda m: m.group(1) + _sub(m.group(2))),
    (re.compile(rf"(?<![A-Za-z0-9_\\])([A-Za-z]){_SUP}"), lambda m: m.group(1) + _sup_of(m, 2)),
    (re.compile(_SUP), lambda m: _sup_of(m, 1)),
)

_PARSER = MathTextParser("path")


def _parses(math_text: str) -> bool:
    try:
        _PARSER.parse(f"${math_text}$", dpi=72)
    except (ValueError, RuntimeError):
        return False
    return True


def mathify(text: str) -> str:
    """``lambda_min(K^(H))`` -> ``$\\lambda_{\\min}$($K^{(H)}$)``: simple ASCII math as mathtext.

    Only obvious patterns are converted (Greek names, one-letter subscripts and superscripts,
    ``||..||_2``, ``->``, ``<=``, ``>=``, ``sqrt``, ``grad_theta``); everything else stays text
    (a ``$`` in it escaped).  A fragment mathtext cannot parse is left as written.
    """
    segs: list[tuple[bool, str]] = []  # (is math, text)
    pos = 0
    while pos < len(text):
        for rx, fn in _RULES:
            m = rx.match(text, pos)
            if m is not None and m.end() > pos:
                frag = fn(m)
                if _parses(frag):
                    segs.append((True, frag))
                    pos = m.end()
                    break
        else:
            segs.append((False, text[pos]))
            pos += 1
    merged: list[list] = []  # adjacent fragments of one kind joined: one math segment, one text run
    for is_math, frag in segs:
        if merged and merged[-1][0] == is_math:
            merged[-1][1] += frag
        else:
            merged.append([is_math, frag])
    if not all(_parses(frag) for is_math, frag in merged if is_math):
        return text.replace("$", "\\$")
    return "".join(f"${frag}$" if is_math else frag.replace("$", "\\$") for is_math, frag in merged)


def wrap_title(title: str, width: int = TITLE_CHARS) -> str:
    """The title wrapped to ``width`` characters a line (wrapped as written, then each line as mathtext)."""
    lines = textwrap.wrap(str(title), width=width, break_on_hyphens=False) or [""]
    return "\n".join(mathify(line) for line in lines)


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


def _label(label: object) -> str:
    """A legend label (simple math as mathtext; a leading ``_`` would hide it)."""
    s = mathify(str(label))
    return " " + s if s.startswith("_") else s


def _plot_series(ax, series: dict, kind: str, start: int = 0) -> int:
    """Draw ``series`` in natural order with styles ``start``, ``start + 1``, ...; returns the next index."""
    i = start
    for label, s in sorted(series.items(), key=lambda kv: natural_key(kv[0])):
        pts = [(float(x), float(y)) for x, y in zip(s.get("x", []), s.get("y", []))
               if _finite([x]) and _finite([y])]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        st = series_style(i)
        if kind == "scatter":
            ax.scatter(xs, ys, s=14, color=st["color"], marker=st["marker"], label=_label(label))
        else:
            ax.plot(xs, ys, ls=s.get("style") or st["ls"], color=st["color"], lw=1.4,
                    marker=st["marker"] if len(xs) <= 60 else None, ms=3.5, label=_label(label))
        i += 1
    return i


def _value(x: float) -> str:
    return f"{x:g}"


def _legend(fig, handles: list, labels: list[str]) -> None:
    """The legend outside the axes: right of them for <= 12 short labels, else below them in columns."""
    if not handles:
        return
    n, longest = len(handles), max(len(l) for l in labels)
    fontsize = 8 if n <= 20 else 7
    if n <= 12 and longest <= 30:
        fig.legend(handles, labels, loc="outside right upper", fontsize=fontsize, frameon=False)
        return
    ncol = max(1, min(n, int(125 // (longest + 6))))
    rows = math.ceil(n / ncol)
    w, h = fig.get_size_inches()
    fig.set_size_inches(w, h + 0.19 * rows + 0.15)  # the axes keep their height
    fig.legend(handles, labels, loc="outside lower center", ncol=ncol, fontsize=fontsize, frameon=False)


def _hist(ax, spec: dict) -> None:
    data = {k: _finite(v) for k, v in spec.get("data", {}).items()}
    data = {k: v for k, v in data.items() if v}
    if data:
        allv = [x for v in data.values() for x in v]
        lo, hi = min(allv), max(allv)
        bins = 30 if hi > lo else 1
        for i, (label, vals) in enumerate(sorted(data.items(), key=lambda kv: natural_key(kv[0]))):
            c = series_style(i)["color"]
            ax.hist(vals, bins=bins, range=(lo, hi) if hi > lo else None, histtype="stepfilled",
                    facecolor=to_rgba(c, 0.22), edgecolor=c, linewidth=1.3, ls=series_style(i)["ls"],
                    label=_label(label))
    for j, (label, x) in enumerate((spec.get("vlines") or {}).items()):  # thresholds: in the legend, not over the data
        ax.axvline(float(x), color="k", ls=_REF_STYLES[j % len(_REF_STYLES)], lw=1.1,
                   label=_label(f"{label} (x = {_value(float(x))})"))


def _bar(ax, spec: dict) -> None:
    items = list(spec.get("data", {}).items())  # in the spec's order: the caller groups the bars
    ax.bar([str(k) for k, _ in items], [float(v) for _, v in items], color=PALETTE[0])
    many = len(items) > 6 or max((len(str(k)) for k, _ in items), default=0) > 10
    if many:
        ax.tick_params(axis="x", labelsize=8)
        for t in ax.get_xticklabels():
            t.set_rotation(40)
            t.set_ha("right")
            t.set_rotation_mode("anchor")
    if spec.get("logy"):
        ax.set_yscale("log")


def _lines(ax, spec: dict, kind: str) -> list:
    """Line / scatter series (and a right axis); returns the axes whose entries go in the legend."""
    nxt = _plot_series(ax, spec.get("series", {}), kind)
    for j, (label, y) in enumerate((spec.get("hlines") or {}).items()):
        ax.axhline(float(y), color="k", ls=_REF_STYLES[j % len(_REF_STYLES)], lw=1.1,
                   label=_label(f"{label} (y = {_value(float(y))})"))
    if spec.get("logx"):
        ax.set_xscale("log")
    if spec.get("logy"):
        ax.set_yscale("log")
    axes = [ax]
    if spec.get("series_right"):
        ax2 = ax.twinx()
        _plot_series(ax2, spec["series_right"], kind, start=nxt)  # the styles go on where the left axis stopped
        ax2.set_ylabel(mathify(spec.get("ylabel_right", "")), fontsize=9)
        if spec.get("logy_right"):
            ax2.set_yscale("log")
        axes.append(ax2)
    return axes


def render_png(spec: dict) -> bytes:
    """One PNG for one spec; unknown kinds raise ValueError naming the kind."""
    fig = draw_figure(spec)
    try:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()
    finally:
        plt.close(fig)


def draw_figure(spec: dict) -> "matplotlib.figure.Figure":
    """The matplotlib figure of one spec (the caller closes it: ``plt.close(fig)``); ``spec`` is not changed."""
    kind = spec.get("kind")
    if kind not in ("hist", "bar", "line", "scatter"):
        raise ValueError(f"unknown figure kind {kind!r}; expected hist, bar, line or scatter")
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    try:
        axes = [ax]
        if kind == "hist":
            _hist(ax, spec)
        elif kind == "bar":
            _bar(ax, spec)
        else:
            axes = _lines(ax, spec, kind)
        title = spec.get("title", "")
        if title:
            fig.suptitle(wrap_title(title), fontsize=11)
        ax.set_xlabel(mathify(spec.get("xlabel", "")), fontsize=9)
        ax.set_ylabel(mathify(spec.get("ylabel", "")), fontsize=9)
        ax.grid(True, alpha=0.25, lw=0.6)
        handles, labels = [], []
        for a in axes:
            h, lab = a.get_legend_handles_labels()
            handles += h
            labels += lab
        _legend(fig, handles, labels)
    except BaseException:
        plt.close(fig)
        raise
    return fig
