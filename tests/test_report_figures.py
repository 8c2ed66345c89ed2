"""Figures read at page width: natural legend order, legends off the data, distinct colours, math titles."""

from __future__ import annotations

import copy
import io

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
