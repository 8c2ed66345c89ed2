"""Figures read at page width: natural legend order, legends off the data, distinct colours, math titles."""

from __future__ import annotations

import copy
import io
import re

import matplotlib.image
import matplotlib.pyplot as plt
import pytest

from landscape._core.report.figures import DPI, FIGSIZE, draw_figure, mathify, natural_key, render_png, series_style

WIDTHS = [1024, 128, 16, 16384, 256, 4096, 64]


def _line_spec(labels: list[str], **extra) -> dict:
    return {"kind": "line", "title": "lambda_min(H(t)) / lambda_0 along GD", "xlabel": "t = k eta",
            "ylabel": "lambda_min / lambda_0",
            "series": {lab: {"x": [0, 1, 2, 3], "y": [1.0, 0.5 + i / 10, 0.4, 0.3]} for i, lab in enumerate(labels)},
            **extra}


def _legend_texts(fig) -> list[str]:
    (leg,) = fig.legends
    return [t.get_text() for t in leg.get_texts()]


def test_natural_sort_of_series_names():
    labels = [f"m={m}" for m in WIDTHS]
    assert sorted(labels, key=natural_key) == [f"m={m}" for m in sorted(WIDTHS)]
    assert sorted(["#10 a", "#2 b", "#1 c"], key=natural_key) == ["#1 c", "#2 b", "#10 a"]
    assert sorted(["b", "A", "a2", "a10"], key=natural_key) == ["A", "a2", "a10", "b"]


@pytest.mark.parametrize("kind", ["line", "scatter", "hist"])
def test_legend_in_natural_order(kind):
    labels = [f"m={m}" for m in WIDTHS]
    spec = _line_spec(labels, kind=kind) if kind != "hist" else \
        {"kind": "hist", "data": {lab: [1.0, 2.0, float(i)] for i, lab in enumerate(labels)}, "vlines": {"zero": -1.0}}
    fig = draw_figure(spec)
    try:
        texts = _legend_texts(fig)
    finally:
        plt.close(fig)
    assert texts[: len(labels)] == [f"m={m}" for m in sorted(WIDTHS)]
    if kind == "hist":  # the threshold is a legend entry with its value, not text over the bars
        assert texts[-1] == "zero (x = -1)"


def test_twelve_series_render_outside_the_axes_with_distinct_styles():
    labels = [f"cubic_exp N=2 widths=[4, 2] seed #{i} (non-strict)" for i in range(12)]
    spec = _line_spec(labels, hlines={"non-zero from": 1e-7}, logy=True)
    before = copy.deepcopy(spec)
    fig = draw_figure(spec)
    try:
        fig.canvas.draw()
        (ax,) = fig.axes
        (leg,) = fig.legends
        renderer = fig.canvas.get_renderer()
        assert not leg.get_window_extent(renderer).overlaps(ax.get_window_extent(renderer))  # off the data
        lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("non-zero")]
        assert len({(ln.get_color() if isinstance(ln.get_color(), str) else tuple(ln.get_color()))
                    for ln in lines}) == 12
        assert _legend_texts(fig)[:12] == [f"cubic_exp N=2 widths=[4, 2] seed #{i} (non-strict)" for i in range(12)]
        assert _legend_texts(fig)[12] == "non-zero from (y = 1e-07)"
    finally:
        plt.close(fig)
    assert spec == before  # the spec in the evidence is not touched
    img = matplotlib.image.imread(io.BytesIO(render_png(spec)), format="png")
    assert img.shape[1] == round(FIGSIZE[0] * DPI) and img.shape[0] > round(FIGSIZE[1] * DPI)  # the legend adds height


def test_colours_do_not_repeat_for_twenty_series():
    styles = [series_style(i) for i in range(20)]
    assert len({s["color"] for s in styles}) == 20
    assert len({(s["color"], s["ls"]) for s in [series_style(i) for i in range(40)]}) == 40


def test_long_title_is_wrapped_and_math_drawn():
    title = ("lambda_min(K^(H)) of the FC kernel against depth, one fixed dataset (n = 8 separated unit-norm points "
             "in R^4), ||G^(H)(0) - K^(H)||_2 decays like m^(-1/2)")
    fig = draw_figure({"kind": "bar", "title": title, "data": {"a": 1.0, "b": 2.0}})
    try:
        text = fig._suptitle.get_text()
        fig.canvas.draw()
        assert fig._suptitle.get_window_extent().width <= fig.bbox.width  # not cut off
    finally:
        plt.close(fig)
    assert "\n" in text and r"$\lambda_{\min}$" in text and r"$m^{-1/2}$" in text
    assert r"$\|G^{(H)}$(0) - $K^{(H)}\|_{2}$" in text


@pytest.mark.parametrize("raw,drawn", [
    ("lambda_min(K^(H))", r"$\lambda_{\min}$($K^{(H)}$)"),
    ("m^(-1/2)", r"$m^{-1/2}$"),
    ("N -> inf", r"N $\rightarrow\infty$"),
    ("d_H >= N", r"$d_{H}$ $\geq$ N"),
    ("(1/sqrt m)||W||_F", r"(1/$\sqrt{m}$)$\|$W$\|_{F}$"),
    ("sigmoid, tanh, softplus, max_k", "sigmoid, tanh, softplus, max_k"),  # words are left alone
    ("costs $5", r"costs \$5"),
])
def test_mathify(raw, drawn):
    assert mathify(raw) == drawn


def test_unknown_kind_raises():
    with pytest.raises(ValueError, match="unknown figure kind 'pie'"):
        render_png({"kind": "pie", "data": {}})


# --- the landscape kinds (slice, contour, spectrum) and the band / bound keys ----------------------------------------

def _slice_spec(**extra) -> dict:
    return {"kind": "slice", "title": "Loss along two lines", "xlabel": "alpha", "ylabel": "loss",
            "x": [-1.0, 0.0, 1.0], "series": {"d1: flat": {"y": [1.0, 1.0, 1.0]},
                                              "d2: random": {"y": [3.0, 1.0, 2.0], "x": [-0.5, 0.0, 0.5]}},
            "hlines": [{"y": 0.0, "label": "global minimum loss"}], "vlines": [{"x": 0.8, "label": "witness"}],
            "points": [{"x": 0.0, "y": 1.0, "label": "the point"}], **extra}


def _contour_spec(**extra) -> dict:
    xs, ys = [-1.0, 0.0, 1.0, 2.0], [-1.0, 0.0, 1.0]
    return {"kind": "contour", "title": "plane", "xlabel": "alpha", "ylabel": "beta", "zlabel": "loss",
            "x": xs, "y": ys, "z": [[1 + x * x + y * y for x in xs] for y in ys],
            "points": [{"x": 0.0, "y": 0.0, "label": "the point"}], **extra}


def _spectrum_spec(**extra) -> dict:
    return {"kind": "spectrum", "title": "Hessian spectrum", "xlabel": "lambda", "ylabel": "density",
            "density": {"x": [-1e-6, 0.0, 1e-3, 1.0], "y": [0.0, 1.0, 0.2, 0.5]}, "eigenvalues": [0.0, 1e-3, 1.0],
            "symlog": 1e-12, "band": [{"lo": 1e-10, "hi": 1e-7, "label": "undecided band", "symmetric": True},
                                      {"lo": -1e-10, "hi": 1e-10, "label": "numerically zero"}], **extra}


@pytest.mark.parametrize("spec", [_slice_spec(), _slice_spec(logy=True), _contour_spec(), _contour_spec(logz=True),
                                  _contour_spec(zmin=1.5, zmax=5.0), _spectrum_spec(), _spectrum_spec(logy=True)],
                         ids=["slice", "slice-logy", "contour", "contour-logz", "contour-range", "spectrum",
                              "spectrum-logy"])
def test_landscape_kinds_render_with_their_legends(spec):
    before = copy.deepcopy(spec)
    fig = draw_figure(spec)
    try:
        texts = _legend_texts(fig)
    finally:
        plt.close(fig)
    assert spec == before
    assert render_png(spec)[:8] == b"\x89PNG\r\n\x1a\n"
    if spec["kind"] == "slice":
        assert texts == ["d1: flat", "d2: random", "global minimum loss (y = 0)", "witness (x = 0.8)", "the point"]
    elif spec["kind"] == "contour":
        assert texts == ["the point"]
    else:
        assert texts[-2:] == ["undecided band (+-1e-10 to +-1e-07)", "numerically zero (-1e-10 to 1e-10)"]


def test_contour_has_a_colour_bar_and_flat_slices_render():
    fig = draw_figure(_contour_spec(logz=True))
    try:
        assert len(fig.axes) == 2  # the plane and its colour bar
    finally:
        plt.close(fig)
    flat = _contour_spec(z=[[2.0] * 4] * 3)
    assert render_png(flat)[:4] == b"\x89PNG"
    missing = _contour_spec()
    missing["z"][1][2] = None  # a missing value is masked, not an error
    assert render_png(missing)[:4] == b"\x89PNG"


@pytest.mark.parametrize("spec,key", [
    ({"kind": "slice", "x": [0, 1]}, "series"),
    ({"kind": "slice", "series": {"a": {"y": [1, 2]}}}, "x"),
    ({"kind": "slice", "x": [0, 1], "series": {"a": {"y": [1, 2, 3]}}}, "series[a].y"),
    ({"kind": "slice", "x": [0, 1], "series": {"a": {"y": [1, 2]}}, "hlines": [{"label": "no y"}]}, "hlines"),
    ({"kind": "slice", "x": [0, 1], "series": {"a": {"y": [1, 2]}}, "points": [{"x": 0}]}, "points"),
    ({"kind": "contour", "x": [0, 1], "y": [0, 1]}, "z"),
    ({"kind": "contour", "x": [0, 1], "y": [0, 1], "z": [[1, 2]]}, "z"),
    ({"kind": "contour", "x": [0, 1], "y": [0, 1], "z": [[1, 2], [3]]}, "z[1]"),
    ({"kind": "contour", "x": [0], "y": [0, 1], "z": [[1], [2]]}, "x"),
    ({"kind": "contour", "x": [0, 1], "y": [0, 1], "z": [[-1, 0], [0, -2]], "logz": True}, "z"),
    ({"kind": "spectrum", "eigenvalues": [1.0]}, "density"),
    ({"kind": "spectrum", "density": {"x": [0, 1], "y": [1]}}, "density.y"),
    ({"kind": "spectrum", "density": {"x": [0, 1], "y": [1, 0]}, "symlog": -1}, "symlog"),
    ({"kind": "spectrum", "density": {"x": [0, 1], "y": [1, 0]}, "band": {"lo": 0}}, "band"),
    ({"kind": "hist", "data": {"a": [1.0, 2.0]}, "band": [{"hi": 1.0}]}, "band"),
])
def test_bad_landscape_specs_name_the_key(spec, key):
    with pytest.raises(ValueError, match=rf"{spec['kind']} figure: key '{re.escape(key)}'"):
        render_png(spec)


def test_hist_band_is_shaded_behind_the_bars_and_in_the_legend():
    spec = {"kind": "hist", "data": {"relu": [-12.0, -3.0, -2.5]}, "vlines": {"zero tolerance": -10.0},
            "band": {"lo": -10.0, "hi": -7.0, "label": "undecided band"}}
    fig = draw_figure(spec)
    try:
        (ax,) = fig.axes
        assert _legend_texts(fig) == ["relu", "zero tolerance (x = -10)", "undecided band (-10 to -7)"]
        (span,) = [p for p in ax.patches if p.get_zorder() == 0]  # behind the bars
        assert span.get_x() == pytest.approx(-10.0) and span.get_width() == pytest.approx(3.0)
    finally:
        plt.close(fig)


def test_line_bound_takes_the_colour_of_its_run_and_hlines_accept_a_list():
    spec = _line_spec(["m=64 loss", "m=128 loss"], hlines=[{"y": 0.1, "label": "target"}])
    spec["series"]["m=64 bound L(0)(1 - eta lambda_0/2)^k"] = {"x": [0, 1, 2, 3], "y": [1.0, 0.9, 0.8, 0.7],
                                                                "style": "--", "color_of": "m=64 loss"}
    fig = draw_figure(spec)
    try:
        (ax,) = fig.axes
        lines = {ln.get_label(): ln for ln in ax.get_lines()}
        bound = next(v for k, v in lines.items() if "bound" in k)
        assert bound.get_color() == lines["m=64 loss"].get_color() and bound.get_linestyle() == "--"
        assert lines["m=128 loss"].get_color() == series_style(1)["color"]  # the bound took no colour of its own
        assert _legend_texts(fig)[-1] == "target (y = 0.1)"
    finally:
        plt.close(fig)


def test_prerendered_figure_is_the_figure_render_would_draw():
    from landscape._core.report import figures

    spec = {"kind": "bar", "title": "prerendered", "data": {"a": 1.0, "b": 2.5}}
    fresh = figures.render_png(spec)
    figures.prerender([spec, {"kind": "pie"}])  # a spec that cannot be drawn is left for the real render
    assert figures.render_png(spec) == fresh
    with pytest.raises(ValueError, match="pie"):
        figures.render_png({"kind": "pie"})
