"""Footnote 1 (section 2): Yu & Chen's setting has bad local minima (Prop. 1 constructions, split points)."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import strategies as st

from landscape._lib import payload as _p
from landscape._core.context import Context, merge, Outcome, Result
from landscape._core.registry import claim
from landscape._lib import activations, certify, fixtures as _fx, symbolic, tolerance, train as _train
from landscape._lib import prose
from landscape._lib.networks.mlp import MLPSpec, squared_loss
from landscape._lib.search import (Budget, certify_candidate, compact_certificate, last_layer_fit, loss_value,
    REPLAY_BUDGET)
from landscape.claims.lds._common import PAPER
from landscape.claims.lds.prop1 import family_outcomes, prop1_certificate, prop1_result, replay_prop1
from landscape.claims.lds.prop1_n import zero_data, ZERO_EXTREMA
from landscape.claims.lds.thm1_search import landscape_figures
from landscape.claims.lds.thm1_under import profile_minima

# ---------------------------------------------------------------------------------------
# lds.yu_chen: the Prop. 1 construction in Yu & Chen's setting; .sigmoid: Fukumizu & Amari's split points
# ---------------------------------------------------------------------------------------

@claim(
    "lds.yu_chen",
    title="Footnote 1: suboptimal local minima in Yu & Chen's setting (one hidden layer, d_1 >= N)",
    source=f"{PAPER}, footnote 1 (section 2) and the remark after Proposition 1",
    statement=("In Yu & Chen's setting -- one hidden layer of width d_1 >= N, distinct data, squared loss -- "
               "suboptimal (bad) local minima exist, so their 'no suboptimal local minimum' theorem is not rigorous; "
               "the paper's counterexamples are the Prop. 1 constructions."),
    hypotheses=("one hidden layer, no bias, d_1 in N..N+3 (d_1 >= N)", "N = 2..5 distinct inputs x_i = t_i / s",
                "sigma in negsin2, sincos, sin2cos (zeros that are local extrema; Assumption 2 proved)",
                "squared loss"),
)
def check_yu_chen(ctx: Context) -> Result:
    names = list(ZERO_EXTREMA)

    @st.composite
    def examples(draw):
        return draw(zero_data(draw(st.sampled_from(names)), max_d=3, wide=True))

    def fn(ex):
        a, xs, ys, s, s_out, d, kinds, sd = ex
        o = prop1_certificate(a, xs, ys, d, s, np.random.default_rng(sd), 8 * ctx.draws, out_sign=s_out,
                              require_zero_inf=True)
        o.stats |= {"zero_kinds": kinds, "label_signs": [int(np.sign(v)) for v in ys]}
        return o

    res = ctx.search(examples(), fn, label="Prop. 1 with d_1 >= N", max_examples=ctx.max_examples)
    return prop1_result(res, family_outcomes(names), ctx, notes=[(
        "Footnote 1 says the counterexamples live 'under their setting': one hidden layer with d_1 >= N. They need "
        "sigma(t) = 0 at local extrema, which sigmoid (Yu & Chen's activation in Golikov's summary) lacks; the "
        "sigmoid case is lds.yu_chen.sigmoid. With d_1 >= N the bad value is measured against inf E = 0, shown by a "
        "network with least-squares output weights and loss ~0.")])


@check_yu_chen.replayer
def _replay_yu_prop1(p: dict) -> Outcome:
    return replay_prop1(p)


#: Yu & Chen-setting problems for the split construction: N = 2 inputs of one sign, labels of opposite signs.
YU_CHEN_DATA = (((-1.25, -1.0), (-1.659, 0.309)), ((-2.0, -1.0), (2.0, -1.0)), ((0.5, 2.0), (-1.0, 2.0)))
#: Grid of the one-neuron profile (sigmoid, |w| <= 12).
YU_CHEN_W_MAX, YU_CHEN_POINTS = 12.0, 4801


@dataclass(frozen=True)
class SplitPoint:
    """A one-neuron sigmoid minimum (no bias) split into two neurons, with what decides it.

    ``w1, a1``: the one-neuron minimum; ``one_neuron_pd``: its 2x2 Hessian is positive
    definite (a strict minimum of the one-neuron loss, not a drift to infinity);
    ``fa_curvature``: Fukumizu & Amari's ``a sum_i r_i sigma''(w x_i) x_i^2`` (``r = f - y``),
    relative to the one-neuron Hessian's largest eigenvalue -- positive means the split points
    with output weights ``lam a, (1 - lam) a``, ``0 < lam < 1``, are local minima (along the
    line of them the loss is constant: non-strict); ``w``: the split point at ``lam = 1/2``;
    ``witness``: two distinct neurons with the exact last-layer fit (an attained loss ~0);
    ``saturated``: a unit saturated at every sample (the suite's one rule) -- then not valid.
    """

    index: int
    x: tuple[float, ...]
    y: tuple[float, ...]
    w1: float
    a1: float
    loss: float
    one_neuron_pd: tolerance.Decision
    fa_curvature: tolerance.Decision
    fa_sign: int
    max_preactivation: float
    saturated: bool
    interior: bool
    w: tuple[float, ...]
    witness: tuple[float, ...]
    witness_loss: float

    @property
    def spec(self) -> MLPSpec:
        return MLPSpec(1, (2,), 1, "sigmoid", False)

    @property
    def valid(self) -> bool:
        """The sufficient conditions hold (clearly): interior strict one-neuron minimum, FA curvature > 0."""
        return (self.interior and self.one_neuron_pd.outcome == "nonzero" and self.fa_curvature.outcome == "nonzero"
                and self.fa_sign > 0 and not self.saturated)

    def summary(self) -> dict:
        return {"data": self.index, "x": list(self.x), "y": list(self.y), "one_neuron": [self.w1, self.a1],
                "one_neuron_loss": self.loss, "one_neuron_hessian": self.one_neuron_pd.as_dict(),
                "fa_curvature": self.fa_curvature.as_dict(), "fa_sign": self.fa_sign,
                "max_preactivation": self.max_preactivation, "saturated": self.saturated, "interior": self.interior,
                "valid": self.valid,
                "witness_loss": self.witness_loss}


@functools.lru_cache(maxsize=None)
def split_point(i: int) -> SplitPoint:
    """Build (once per process) the split point of ``YU_CHEN_DATA[i]``; deterministic, no random starts."""
    xs, ys = YU_CHEN_DATA[i]
    x, y = np.array([xs], dtype=float), np.array([ys], dtype=float)
    one = MLPSpec(1, (1,), 1, "sigmoid", False)
    lf1 = squared_loss(one, x, y)
    mins, _ = profile_minima("sigmoid", x, y, YU_CHEN_W_MAX, YU_CHEN_POINTS)
    w0, a0, _ = min(mins, key=lambda m: m[2]) if mins else (YU_CHEN_W_MAX, 0.0, 0.0)
    interior = bool(mins)
    v = _train.newton_polish(lf1, torch.tensor([w0, a0], dtype=torch.float64), steps=30)
    w1, a1 = (float(t) for t in v)
    h = certify.exact_hessian(lf1, v).numpy()
    ev = np.linalg.eigvalsh(h)
    lam_max = float(np.max(np.abs(ev)))
    pd = tolerance.classify(max(float(ev[0]), 0.0) / lam_max)  # 'nonzero': positive definite, clear of the band
    s = 1.0 / (1.0 + np.exp(-w1 * x[0]))
    s2 = s * (1 - s) * (1 - 2 * s)  # sigmoid''
    r = a1 * s - y[0]
    fa = float(a1 * np.sum(r * s2 * x[0] ** 2))
    fa_dec = tolerance.classify(abs(fa) / lam_max)
    w = (w1, w1, 0.5 * a1, 0.5 * a1)
    # a lower attained loss: two distinct neurons and the exact last-layer fit (T_H is 2 x 2 and invertible)
    spec2 = MLPSpec(1, (2,), 1, "sigmoid", False)
    lf2 = squared_loss(spec2, x, y)
    best_fit = None
    for w2 in (w1 + 1.0, w1 - 1.0, -w1, 2.0 * w1 + 1.0):
        cand = last_layer_fit(spec2, torch.tensor([w1, w2, 0.0, 0.0], dtype=torch.float64), x, y)
        if cand is not None:
            lv = loss_value(lf2, cand)
            if best_fit is None or lv < best_fit[0]:
                best_fit = (lv, cand)
    assert best_fit is not None  # sigmoid is bounded: T_H is always finite
    sat = certify.saturation(spec2, torch.tensor(w, dtype=torch.float64), x)
    return SplitPoint(i, tuple(xs), tuple(ys), w1, a1, loss_value(lf1, v), pd, fa_dec, int(np.sign(fa)),
                      sat.max_preactivation, sat.saturated, interior, w, tuple(best_fit[1].tolist()), best_fit[0])


@_fx.builder("lds.yu_chen")
def yu_chen_fixtures() -> list[_fx.Fixture]:
    """The split sigmoid points (non-strict bad local minima, d_1 = N = 2) whose sufficient conditions hold
    (no saturated unit: :func:`landscape._lib.certify.saturation`)."""
    out = []
    for i in range(len(YU_CHEN_DATA)):
        p = split_point(i)
        if not p.valid:
            continue
        out.append(_fx.Fixture(
            id=f"lds.yu_chen[{i}]", source="lds.yu_chen.sigmoid (Fukumizu-Amari split construction)",
            kind="bad_local_min", spec=p.spec, weights=[np.array([[p.w[0]], [p.w[1]]]), np.array([[p.w[2], p.w[3]]])],
            x=np.array([p.x]), y=np.array([p.y]),
            facts={"stationary": True, "global_inf": 0.0, "lower_loss_witness": p.witness_loss,
                   "non_strict": True, "certificate": "non-strict", "analytic": True, "loss": p.loss}))
    return out


def yu_chen_outcome(i: int, seed: int, budget: Budget) -> tuple[dict, dict]:
    """The split point of data ``i``: its sufficient conditions and its certificate."""
    p = split_point(i)
    c = certify_candidate(p.spec, torch.tensor(p.w, dtype=torch.float64), np.array([p.x]), np.array([p.y]),
                          p.witness_loss, seed, budget)
    return p.summary(), c


@claim(
    "lds.yu_chen.sigmoid",
    title="Suboptimal local minima with Yu & Chen's own activation (sigmoid, one hidden layer, d_1 = N)",
    source=(f"{PAPER}, footnote 1 (section 2); Yu & Chen (1995) Theorem 3 as summarised in 003_6b1d70a06ebc74fd.txt "
            "(sigmoid, d_1 >= m)"),
    statement=("With sigmoid, one hidden layer, d_1 = N = 2, distinct data and the squared loss, suboptimal local "
               "minima exist."),
    hypotheses=("sigma = sigmoid, no bias", "one hidden layer, d_1 = N = 2", "distinct data"),
    paper="inconclusive",
    expected="supported",
    why=("The footnote's counterexamples are the Prop. 1 constructions, which need sigma(t) = 0 at a local extremum: "
         "sigmoid has no real zero (proved by sympy), so the paper asserts nothing about sigmoid itself. The suite "
         "finds bad local minima there too: Fukumizu & Amari's reducible points (a strict one-neuron minimum split "
         "into two neurons with output weights a/2, a/2), certified non-strict with a lower-loss witness."),
)
def check_yu_chen_sigmoid(ctx: Context) -> Result:
    budget = Budget.of(ctx)
    proof = symbolic.no_real_zero(activations.get("sigmoid"))
    rows, witnesses = [], []
    for i in range(len(YU_CHEN_DATA)):
        summary, c = yu_chen_outcome(i, ctx.seed + i, budget)
        row = summary | {"kind": c.get("kind"), "loss": c["loss"], "best": c["best"], "reason": c.get("reason"),
                         "certificate_margin": c.get("margin"), "bad": c.get("bad"),
                         "candidate": compact_certificate(c) | {"problem": f"split point {i}"}}
        rows.append(row)
        if c.get("kind") in ("strict", "non-strict"):
            witnesses.append(Outcome.holds(min(float(c["margin"]), float(c.get("bad_margin", math.inf))), **row))
    # the statement is existential: every certified bad local minimum supports it; none leaves it open
    outs = witnesses or [Outcome.band(note="no split point certified as a bad local minimum", constructions=rows)]
    cands = [r["candidate"] for r in rows]
    r = merge([], extra=outs, statistics={"sigmoid_has_no_real_zero": proof, "budget": budget.as_dict(),
                                          "constructions": rows},
              tried=prose.clauses(
                  f"sympy: sigmoid has no real zero ({proof}), so Prop. 1 does not apply",
                  f"instead {len(rows)} split constructions " + prose.paren(
                      prose.clauses(f"one-neuron minimum from the exact profile on {YU_CHEN_POINTS} points of "
                                    f"|w| <= {YU_CHEN_W_MAX:g} + Newton", "output weight split a/2 + a/2",
                                    "d_1 = N = 2", sep=", "),
                      "lower loss witnessed by two distinct neurons with the exact last-layer fit")
                  + ", each certified " + prose.paren(
                      f"{budget.samples} samples on 3 spheres",
                      f"{budget.attack_starts}x{budget.attack_steps} ball attacks",
                      "flat probes", "escape runs", sep=", ")),
              figures=landscape_figures([], cands, "split points")[2:])
    r.notes.append("The paper's own counterexample (Prop. 1) needs sigma(t) = 0 at some t != 0, which sigmoid lacks: "
                   "it does not live in Yu & Chen's setting with their activation. The witnesses here are Fukumizu & "
                   "Amari's reducible points: a strict minimum (w, a) of the one-neuron loss, duplicated with output "
                   "weights lam a, (1 - lam) a, is a local minimum for lam in (0, 1) when a sum_i r_i sigma''(w x_i) "
                   "x_i^2 > 0 (a saddle for lam outside), with loss above the two-neuron optimum and a line of "
                   "equal-loss neighbours (non-strict).")
    return r


@check_yu_chen_sigmoid.replayer
def _replay_yu(p: dict) -> Outcome:
    summary, c = yu_chen_outcome(_p.require_int(p, "data", 0, len(YU_CHEN_DATA) - 1), _p.require_seed(p, default=0),
                                 REPLAY_BUDGET)
    if c.get("kind") in ("strict", "non-strict"):
        return Outcome.holds(float(c["margin"]), **summary)
    return Outcome.band(note=f"split point certified {c.get('kind')}", **summary)
