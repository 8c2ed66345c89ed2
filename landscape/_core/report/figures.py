"""Render a figure spec (from the evidence) to PNG bytes with matplotlib (Agg backend).

Figure specs are plain JSON (stored in ``evidence.json``), one of these kinds:

* ``hist``: ``data`` {label: [values]}, optional ``vlines`` {label: x}; ``logx`` histograms
  log10 of the values is the caller's business (pass log10 values and say so in ``xlabel``).
  Optional ``band``: a shaded vertical span ``{"lo": x0, "hi": x1, "label": "undecided band"}``
  (or a list of them; ``"symmetric": true`` also shades ``[-hi, -lo]``) -- e.g. the tolerance band
  of the quantity that decides a verdict; drawn behind the bars, in the legend with its interval.
* ``bar``: ``data`` {label: value}; optional ``logy``.
* ``line`` and ``scatter``: ``series`` {label: {"x": [...], "y": [...], "style": "--" (optional),
  "color_of": "<another series' label>" (optional: draw it in that series' colour, e.g. a
  theorem's bound next to the run it bounds; it takes no colour of its own)}},
  optional ``logx`` / ``logy``, ``hlines`` {label: y} or [{"y": y, "label": ...}] (reference
  levels), and a second y-axis: ``series_right`` (same form), ``ylabel_right``, ``logy_right`` --
  e.g. a loss curve with the rank of a matrix overlaid.
* ``slice`` (1-D slices of a loss, as in Li et al. 2018): ``series`` {label: {"y": [...], "x":
  [...] (optional when the spec has a shared ``x``), "style": (optional)}}, optional ``x`` (the
  abscissae shared by every series), ``hlines`` [{"y": y, "label": ...}] (or {label: y}: e.g. the
  global minimum's loss), ``vlines`` [{"x": x, "label": ...}] (or {label: x}: e.g. where a
  witness lies), ``points`` [{"x": x, "y": y, "label": ...}] (marked points, e.g. the certified
  point itself), ``logy`` (log loss axis; values <= 0 are left out).
* ``contour`` (a 2-D slice): ``x`` (nx abscissae), ``y`` (ny ordinates), ``z`` (ny rows of nx
  values, ``z[j][i]`` at ``(x[i], y[j])``; null for a missing value), optional ``zlabel``
  (colour bar label), ``logz`` (log colour scale: values <= 0 are masked), ``zmin`` / ``zmax``
  (the colour range: values beyond it take its end colours), ``levels`` (number of filled
  levels, default 20), ``points`` [{"x", "y", "label"}] (marked, e.g. the point and a
  witness), ``hlines`` / ``vlines`` are not used.  Drawn as filled contours with a colour bar and
  black iso-lines.
* ``spectrum`` (an eigenvalue density, as PyHessian draws it): ``density`` {"x": [...], "y":
  [...]} (the broadened density on a grid, computed by the caller), optional ``eigenvalues``
  [...] (each drawn as a tick at the bottom of the axes), ``symlog`` (a positive number: symmetric
  log x axis, linear within +- that value), ``logy`` (log density axis; values <= 0 left out),
  ``band`` {"lo", "hi", "label", "symmetric" (optional: also shade [-hi, -lo])} or a list of them
  (shaded spans, e.g. where the tolerance policy calls an eigenvalue zero or undecided), ``vlines``
  as for ``hist``.  The symmetric log axis is matplotlib's (base 10, ``linscale`` 1): the caller
  broadens the density in its coordinate (``landscape._lib.slices.symlog``).

Common keys: ``title``, ``xlabel``, ``ylabel``.  An unknown kind raises ``ValueError``; so does a
``slice`` / ``contour`` / ``spectrum`` spec (or a ``band``) missing a required key or with a key
of the wrong shape, the message naming the key.

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
#: The figure kinds :func:`draw_figure` knows (see the module docstring for their keys).
KINDS = ("hist", "bar", "line", "scatter", "slice", "contour", "spectrum")

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


def _plot_series(ax, series: dict, kind: str, start: int = 0, shared_x: list | None = None,
                 positive: bool = False) -> int:
    """Draw ``series`` in natural order with styles ``start``, ``start + 1``, ...; returns the next index.

    A series with ``color_of`` (the label of another series) is drawn in that series' colour and
    takes no style index of its own; ``shared_x`` is used for series without their own ``x``;
    ``positive`` leaves out values <= 0 (a log axis)."""
    i = start
    colours: dict[str, Any] = {}
    items = sorted(series.items(), key=lambda kv: natural_key(kv[0]))
    own = [(lab, s) for lab, s in items if not s.get("color_of")]
    borrowed = [(lab, s) for lab, s in items if s.get("color_of")]
    for label, s in own + borrowed:
        xsrc = s.get("x", shared_x if shared_x is not None else [])
        pts = [(float(x), float(y)) for x, y in zip(xsrc, s.get("y", []))
               if _finite([x]) and _finite([y]) and (not positive or float(y) > 0)]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        if s.get("color_of"):
            st = dict(series_style(i), color=colours.get(str(s["color_of"]), "0.35"))
        else:
            st = series_style(i)
            colours[str(label)] = st["color"]
            i += 1
        if kind == "scatter":
            ax.scatter(xs, ys, s=14, color=st["color"], marker=st["marker"], label=_label(label))
        else:
            ax.plot(xs, ys, ls=s.get("style") or st["ls"], color=st["color"], lw=1.4,
                    marker=st["marker"] if len(xs) <= 60 else None, ms=3.5, label=_label(label))
    return i


def _value(x: float) -> str:
    return f"{x:g}"


def _legend(fig, handles: list, labels: list[str], *, below: bool = False) -> None:
    """The legend outside the axes: right of them for <= 12 short labels, else (or ``below``) below them in columns."""
    if not handles:
        return
    n, longest = len(handles), max(len(l) for l in labels)
    fontsize = 8 if n <= 20 else 7
    if n <= 12 and longest <= 30 and not below:
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
    _vlines(ax, spec)
    _bands(ax, spec)


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
    _hlines(ax, spec)
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


# --- reference lines, bands, marked points ------------------------------------------------------

def _bad(kind: str, key: str, what: str) -> ValueError:
    return ValueError(f"{kind} figure: key {key!r} {what}")


def _refs(spec: dict, key: str, coord: str) -> list[tuple[str, float]]:
    """``hlines`` / ``vlines`` as (label, value): {label: value} or [{coord: value, "label": ...}]."""
    raw = spec.get(key)
    if not raw:
        return []
    kind = str(spec.get("kind"))
    if isinstance(raw, dict):
        items = list(raw.items())
    elif isinstance(raw, list):
        items = []
        for r in raw:
            if not isinstance(r, dict) or coord not in r:
                raise _bad(kind, key, f"has an entry {r!r}; expected {{{coord!r}: value, 'label': text}}")
            items.append((r.get("label", ""), r[coord]))
    else:
        raise _bad(kind, key, f"is a {type(raw).__name__}; expected {{label: {coord}}} or a list of entries")
    out = []
    for label, v in items:
        try:
            out.append((str(label), float(v)))
        except (TypeError, ValueError):
            raise _bad(kind, key, f"has the value {v!r} for {label!r}; expected a number") from None
    return out


def _hlines(ax, spec: dict, **kw: Any) -> None:
    for j, (label, y) in enumerate(_refs(spec, "hlines", "y")):  # reference levels: in the legend with their value
        if math.isfinite(y):
            ax.axhline(y, color="k", ls=_REF_STYLES[j % len(_REF_STYLES)], lw=1.1,
                       label=_label(f"{label} (y = {_value(y)})"), **kw)


def _vlines(ax, spec: dict) -> None:
    for j, (label, x) in enumerate(_refs(spec, "vlines", "x")):  # thresholds: in the legend, not over the data
        if math.isfinite(x):
            ax.axvline(x, color="k", ls=_REF_STYLES[j % len(_REF_STYLES)], lw=1.1,
                       label=_label(f"{label} (x = {_value(x)})"))


_BAND_SHADES = ((0.55, 0.55, 0.55, 0.22), (0.85, 0.45, 0.1, 0.16), (0.2, 0.45, 0.8, 0.14))


def _bands(ax, spec: dict) -> None:
    """``band``: shaded vertical spans {"lo", "hi", "label"} (one or a list), behind the data, in the legend."""
    raw = spec.get("band")
    if raw is None:
        return
    kind = str(spec.get("kind"))
    bands = raw if isinstance(raw, list) else [raw]
    for j, b in enumerate(bands):
        if not isinstance(b, dict):
            raise _bad(kind, "band", f"has an entry {b!r}; expected {{'lo': x0, 'hi': x1, 'label': text}}")
        for k in ("lo", "hi"):
            if k not in b or not _finite([b[k]]):
                raise _bad(kind, "band", f"entry {j} lacks a finite {k!r}; expected {{'lo': x0, 'hi': x1, 'label': text}}")
        lo, hi = sorted((float(b["lo"]), float(b["hi"])))
        sym = bool(b.get("symmetric"))
        pm = "+-" if sym else ""
        text = f"{b.get('label', 'band')} ({pm}{lo:.3g} to {pm}{hi:.3g})"
        shade = _BAND_SHADES[j % len(_BAND_SHADES)]
        ax.axvspan(lo, hi, facecolor=shade, edgecolor="none", zorder=0, label=_label(text))
        if sym:
            ax.axvspan(-hi, -lo, facecolor=shade, edgecolor="none", zorder=0)


def _points(ax, spec: dict) -> None:
    """``points``: marked points [{"x", "y", "label"}] (black-edged markers, in the legend)."""
    raw = spec.get("points") or []
    kind = str(spec.get("kind"))
    if not isinstance(raw, list):
        raise _bad(kind, "points", f"is a {type(raw).__name__}; expected a list of {{'x', 'y', 'label'}}")
    marks = ("*", "X", "P", "D")
    for j, p in enumerate(raw):
        if not isinstance(p, dict) or not _finite([p.get("x")]) or not _finite([p.get("y")]):
            raise _bad(kind, "points", f"has an entry {p!r}; expected {{'x': number, 'y': number, 'label': text}}")
        ax.plot([float(p["x"])], [float(p["y"])], ls="none", marker=marks[j % len(marks)], ms=11 if j == 0 else 9,
                mfc=("w" if j == 0 else PALETTE[(3 + j) % len(PALETTE)]), mec="k", mew=1.3, zorder=5,
                label=_label(p.get("label", "")))


def _numbers(kind: str, key: str, v: Any, n: int | None = None) -> list[float]:
    """A list of numbers (null / non-numbers -> nan); ``n``: the required length."""
    if not isinstance(v, (list, tuple)):
        raise _bad(kind, key, f"is a {type(v).__name__}; expected a list of numbers")
    if n is not None and len(v) != n:
        raise _bad(kind, key, f"has {len(v)} values; expected {n}")
    out = []
    for x in v:
        try:
            out.append(float(x))
        except (TypeError, ValueError):
            out.append(math.nan)
    return out


def _slice(ax, spec: dict) -> None:
    kind = "slice"
    series = spec.get("series")
    if not isinstance(series, dict) or not series:
        raise _bad(kind, "series", "is missing or empty; expected {label: {'y': [...]}}")
    shared = _numbers(kind, "x", spec["x"]) if "x" in spec else None
    for label, s in series.items():
        if not isinstance(s, dict) or "y" not in s:
            raise _bad(kind, "series", f"entry {label!r} has no 'y'; expected {{'y': [...], 'x': [...] (optional)}}")
        xs = s.get("x", shared)
        if xs is None:
            raise _bad(kind, "x", f"is missing and series {label!r} has no 'x' of its own")
        _numbers(kind, f"series[{label}].y", s["y"], len(_numbers(kind, f"series[{label}].x", xs)))
    _plot_series(ax, series, "line", shared_x=shared, positive=bool(spec.get("logy")))
    _hlines(ax, spec, zorder=1.5)  # behind the curves: a flat line along a plateau stays visible
    _vlines(ax, spec)
    _points(ax, spec)
    if spec.get("logy"):
        ax.set_yscale("log")


def _contour(fig, ax, spec: dict) -> None:
    import numpy as np
    from matplotlib.colors import LogNorm

    kind = "contour"
    for k in ("x", "y", "z"):
        if k not in spec:
            raise _bad(kind, k, "is missing; expected x (nx values), y (ny values), z (ny rows of nx values)")
    xs, ys = _numbers(kind, "x", spec["x"]), _numbers(kind, "y", spec["y"])
    if len(xs) < 2 or len(ys) < 2:
        raise _bad(kind, "x" if len(xs) < 2 else "y", "needs at least 2 values")
    z = spec["z"]
    if not isinstance(z, list) or len(z) != len(ys):
        raise _bad(kind, "z", f"has {len(z) if isinstance(z, list) else type(z).__name__} rows; expected len(y) = {len(ys)}")
    zz = np.array([_numbers(kind, f"z[{j}]", row, len(xs)) for j, row in enumerate(z)], dtype=float)
    logz = bool(spec.get("logz"))
    bad = ~np.isfinite(zz) | ((zz <= 0) if logz else False)
    zm = np.ma.masked_array(zz, mask=bad)
    if zm.count() == 0:
        raise _bad(kind, "z", "has no finite value" + (" > 0 (logz)" if logz else ""))
    levels = int(spec.get("levels", 20))
    lo, hi = float(zm.min()), float(zm.max())
    for k in ("zmin", "zmax"):
        if spec.get(k) is not None and not _finite([spec[k]]):
            raise _bad(kind, k, f"is {spec[k]!r}; expected a number")
    if spec.get("zmin") is not None and (not logz or float(spec["zmin"]) > 0):
        lo = max(lo, float(spec["zmin"])) if float(spec["zmin"]) < hi else lo
    if spec.get("zmax") is not None and float(spec["zmax"]) > lo:
        hi = min(hi, float(spec["zmax"]))
    zm = np.ma.masked_array(np.clip(zm, lo, hi), mask=np.ma.getmaskarray(zm))
    if logz and hi > lo:
        lv = np.geomspace(lo, hi, levels + 1)
        cs = ax.contourf(xs, ys, zm, levels=lv, norm=LogNorm(vmin=lo, vmax=hi), cmap="viridis")
    elif hi > lo:
        lv = np.linspace(lo, hi, levels + 1)
        cs = ax.contourf(xs, ys, zm, levels=lv, cmap="viridis")
    else:  # a flat slice: one colour
        lv = [lo - 0.5 * max(abs(lo), 1e-12), lo + 0.5 * max(abs(lo), 1e-12)]
        cs = ax.contourf(xs, ys, zm, levels=lv, cmap="viridis")
    if hi > lo:
        ax.contour(xs, ys, zm, levels=lv[:: max(1, len(lv) // 10)], colors="k", linewidths=0.5, alpha=0.45,
                   **({"norm": LogNorm(vmin=lo, vmax=hi)} if logz else {}))
    if logz and hi > lo:
        from matplotlib.ticker import LogFormatterSciNotation, LogLocator

        cb = fig.colorbar(cs, ax=ax, pad=0.01, ticks=LogLocator(numticks=8), format=LogFormatterSciNotation())
    else:
        from matplotlib.ticker import MaxNLocator

        cb = fig.colorbar(cs, ax=ax, pad=0.01, ticks=MaxNLocator(8))  # round values, not the level boundaries
    cb.set_label(mathify(str(spec.get("zlabel", ""))), fontsize=9)
    cb.ax.tick_params(labelsize=8)
    _points(ax, spec)


def _symlog_ticks(ax, c: float, xs: list[float]) -> None:
    """At most ~6 decade ticks a side of a symmetric log axis (and 0): the default crowds them near 0."""
    from matplotlib.ticker import NullLocator

    top = max((abs(x) for x in xs), default=c)
    k0, k1 = math.ceil(math.log10(c)), math.floor(math.log10(max(top, c)))
    step = max(1, math.ceil((k1 - k0 + 1) / 6))
    pos = [10.0**k for k in range(k1, k0, -step)][::-1]  # from the top down, so the largest decade is labelled
    neg = [-v for v in pos if -v >= min(xs, default=0.0)]
    ax.set_xticks(neg[::-1] + [0.0] + pos)
    ax.xaxis.set_minor_locator(NullLocator())


def _spectrum(ax, spec: dict) -> None:
    kind = "spectrum"
    dens = spec.get("density")
    if not isinstance(dens, dict) or "x" not in dens or "y" not in dens:
        raise _bad(kind, "density", "is missing; expected {'x': [...], 'y': [...]}")
    xs = _numbers(kind, "density.x", dens["x"])
    ys = _numbers(kind, "density.y", dens["y"], len(xs))
    logy = bool(spec.get("logy"))
    pts = [(x, y) for x, y in zip(xs, ys) if math.isfinite(x) and math.isfinite(y) and (not logy or y > 0)]
    ax.plot([p[0] for p in pts], [p[1] for p in pts], color=PALETTE[0], lw=1.5,
            label=_label(dens.get("label", "eigenvalue density")))
    if "symlog" in spec:
        try:
            c = float(spec["symlog"])
        except (TypeError, ValueError):
            raise _bad(kind, "symlog", f"is {spec['symlog']!r}; expected a positive number (the linear range)") from None
        if not (c > 0 and math.isfinite(c)):
            raise _bad(kind, "symlog", f"is {spec['symlog']!r}; expected a positive number (the linear range)")
        ax.set_xscale("symlog", linthresh=c)
        _symlog_ticks(ax, c, [p[0] for p in pts])
    if logy:
        ax.set_yscale("log")
    if spec.get("eigenvalues") is not None:
        ev = [v for v in _numbers(kind, "eigenvalues", spec["eigenvalues"]) if math.isfinite(v)]
        from matplotlib.transforms import blended_transform_factory

        tr = blended_transform_factory(ax.transData, ax.transAxes)
        ax.plot(ev, [0.02] * len(ev), ls="none", marker="|", ms=14, mew=1.6, color=PALETTE[1], transform=tr,
                label=_label(f"eigenvalues ({len(ev)})"), clip_on=False)
    _vlines(ax, spec)
    _bands(ax, spec)


_RENDERED: dict[str, bytes] = {}  # spec (canonical JSON) -> PNG, filled by prerender()


def _spec_key(spec: dict) -> str | None:
    import json

    try:
        return json.dumps(spec, sort_keys=True, allow_nan=True, default=str)
    except (TypeError, ValueError):
        return None


def render_png(spec: dict) -> bytes:
    """One PNG for one spec; unknown kinds raise ValueError naming the kind.

    A spec :func:`prerender` drew already is not drawn again (the same spec gives the same bytes).
    """
    key = _spec_key(spec)
    if key is not None and key in _RENDERED:
        return _RENDERED.pop(key)
    fig = draw_figure(spec)
    try:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()
    finally:
        plt.close(fig)


def prerender(specs: list[dict]) -> None:
    """Draw ``specs`` now, for a later :func:`render_png` of the same specs (each kept until used once).

    ``landscape report --jobs N`` calls it as each claim's evidence arrives, so the figures are
    drawn while the workers still run instead of after them.  A spec that cannot be drawn is
    skipped here: :func:`render_png` raises for it when the report is rendered.
    """
    for spec in specs:
        key = _spec_key(spec)
        if key is None or key in _RENDERED:
            continue
        try:
            _RENDERED[key] = render_png(spec)
        except Exception:  # noqa: BLE001 - reported by the real render
            continue


def draw_figure(spec: dict) -> "matplotlib.figure.Figure":
    """The matplotlib figure of one spec (the caller closes it: ``plt.close(fig)``); ``spec`` is not changed."""
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError(f"unknown figure kind {kind!r}; expected {', '.join(KINDS[:-1])} or {KINDS[-1]}")
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    try:
        axes = [ax]
        if kind == "hist":
            _hist(ax, spec)
        elif kind == "bar":
            _bar(ax, spec)
        elif kind == "slice":
            _slice(ax, spec)
        elif kind == "contour":
            _contour(fig, ax, spec)
        elif kind == "spectrum":
            _spectrum(ax, spec)
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
        # below the axes for the landscape kinds: right of a contour is its colour bar, and their titles run two lines
        _legend(fig, handles, labels, below=kind in ("slice", "contour", "spectrum"))
    except BaseException:
        plt.close(fig)
        raise
    return fig
