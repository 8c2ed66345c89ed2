"""Proposition 1 with N samples (``lds.prop1.n_samples``): sigma with zeros at local extrema."""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from landscape._core.context import Context, Result
from landscape._core.registry import claim
from landscape._lib import activations
from landscape._lib import prose
from landscape._lib.strategies import seeds
from landscape.claims.lds._common import PAPER
from landscape.claims.lds.prop1 import family_outcomes, prop1_certificate, prop1_result, replay_prop1

ZERO_EXTREMA = ("negsin2", "sin2cos", "sincos")


@st.composite
def zero_data(draw, a: str, *, min_n: int = 2, max_n: int = 5, min_d: int = 1, max_d: int = 6,
               wide: bool = False):
    """N samples x_i = t_i / s on zeros t_i of ``a`` whose kind matches the label sign (output weights s_out):
    a local maximum where s_out y_i > 0, a local minimum where s_out y_i < 0."""
    act = activations.get(a)
    fams = {f.kind: f for f in act.zero_families if f.period is not None}
    n = draw(st.integers(min_n, max_n))
    s_out = draw(st.sampled_from([1.0, -1.0]))
    kinds = [draw(st.sampled_from(sorted(fams))) for _ in range(n)]
    ks = draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n, unique=True))
    s = draw(st.integers(2, 8)) / 4
    mags = draw(st.lists(st.integers(1, 8), min_size=n, max_size=n))
    ts = [fams[k].t0 + fams[k].period * kk for k, kk in zip(kinds, ks)]
    xs = [float(sp.N(t / s, 30)) for t in ts]
    ys = [(s_out if k == "max" else -s_out) * m / 4 for k, m in zip(kinds, mags)]
    d = draw(st.integers(max(min_d, n) if wide else min_d, (max_d + n) if wide else max_d))
    return a, xs, ys, s, s_out, d, kinds, draw(seeds())


def _n_samples_search(ctx: Context, *, wide: bool, label: str) -> tuple:
    names = list(ZERO_EXTREMA)

    @st.composite
    def examples(draw):
        a = draw(st.sampled_from(names))
        return draw(zero_data(a, max_d=3 if wide else 6, wide=wide))

    def fn(ex):
        a, xs, ys, s, s_out, d, kinds, sd = ex
        o = prop1_certificate(a, xs, ys, d, s, np.random.default_rng(sd), 8 * ctx.draws, out_sign=s_out)
        o.stats |= {"zero_kinds": kinds, "label_signs": [int(np.sign(v)) for v in ys]}
        return o

    res = ctx.search(examples(), fn, label=label, max_examples=ctx.max_examples)
    return res, family_outcomes(names)


@claim(
    "lds.prop1.n_samples",
    title="Proposition 1 generalised to N samples (sigma with >= N zeros that are local maxima or minima)",
    source=f"{PAPER}, remark after Proposition 1",
    statement=("With sigma having zeros t_1..t_N that are local maxima or minima, N samples whose inputs a common "
               "first-layer weight s maps onto those zeros (x_i = t_i / s), output weights s_out and labels with "
               "s_out y_i > 0 at a local maximum, s_out y_i < 0 at a local minimum, the Prop. 1 point is a non-strict "
               "bad local minimum with loss sum y_i^2, for any width."),
    hypotheses=(("sigma in {negsin2, sincos} (zeros local maxima) and sin2cos (local minima and maxima): periodic "
                 "zero families and Assumption 2 for all orders proved symbolically"),
                "x_i = t_i / s for distinct zeros t_i", "labels of both signs where the zeros allow it"),
)
def check_prop1_n(ctx: Context) -> Result:
    res, proofs = _n_samples_search(ctx, wide=False, label="Prop. 1 with N samples")
    mixed = sum(1 for o in res.outcomes if len(set(o.stats.get("label_signs", []))) > 1)
    return prop1_result(res, proofs, ctx, notes=[prose.sentence(
        "The remark says the construction extends to 'arbitrary N pairs of given data'.",
        "With one input and no bias it needs a common weight s with s x_i a zero of sigma for every i,",
        "so here the inputs are (zeros)/s;",
        f"labels may have both signs when sigma has zeros of both kinds (sin2cos; {mixed} such examples).",
        "Arbitrary data: lds.prop1.n_samples.general.")])


check_prop1_n.replayer(replay_prop1)
