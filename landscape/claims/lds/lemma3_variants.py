"""Lemma 3 per activation (the variants ``lds.lemma3.<activation>``), on degenerate data, and its fixtures."""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from landscape._core.context import Context, Result
from landscape._core.registry import claim
from landscape._lib import activations, fixtures as _fixtures, symbolic
from landscape._lib.feature_rank import feature_matrix_rank, replay_lemma3, ROBUST_TEXT
from landscape._lib.networks.mlp import MLP, MLPSpec
from landscape._lib.strategies import degenerate_datasets, polynomial_activations
from landscape.claims.lds._common import assumption2_for_n, PAPER
from landscape.claims.lds.lemma3 import lemma3_search


def _identity(text: str, expr: sp.Expr, consequence: str = "") -> dict:
    return {"identity": text, "holds": bool(symbolic.identity_holds(expr)), "consequence": consequence}


def _homogeneity(name: str) -> dict:
    """sigma(c z) = c sigma(z) for c > 0, decided on both half-lines (sympy)."""
    e = activations.get(name).expr
    c = sp.Symbol("c", positive=True)
    zp, zn = sp.Symbol("zp", positive=True), sp.Symbol("zn", negative=True)
    ok = all(sp.simplify(e.subs(activations.Z, c * v) - c * e.subs(activations.Z, v)) == 0 for v in (zp, zn))
    return {"identity": f"{name}(c z) = c {name}(z) for c > 0", "holds": bool(ok),
            "consequence": "without bias the rows of T_1 for 1-d data are combinations of relu-like ramps of "
                           "x and -x: rank(T_1) <= 2 for every weight"}


@functools.lru_cache(maxsize=None)
def _variant_identities(suffix: str) -> tuple[dict, ...]:
    z = activations.Z
    e = activations.get(_VARIANT_ACTS[suffix][0]).expr
    if suffix in ("relu", "leaky_relu"):
        return (_homogeneity(suffix),)
    if suffix == "linear":
        return (_identity("linear(z) = z", e - z, "T_H = W_H ... W_1 X: rank <= d0 (+1 with bias) for every weight"),)
    if suffix == "polynomial":
        c = sp.Symbol("c")
        return tuple(_identity(f"z^{p} is a polynomial of degree {p}: (c z)^{p} = c^{p} z^{p}",
                               c**p * z**p - (c * z) ** p,
                               f"without bias the rows of T_1 lie in the homogeneous polynomials of degree {p} in x, "
                               f"of dimension C(d0 + {p} - 1, {p})") for p in range(2, 7))
    if suffix == "sigmoid":
        return (_identity("sigmoid(z) + sigmoid(-z) = 1", e + e.subs(z, -z) - 1,
                          "without bias and with one hidden layer, data {a, -a, b, -b} give T_1(a) + T_1(-a) = 1 = "
                          "T_1(b) + T_1(-b) for every weight (rank <= 3 < 4); data {x, -x, 0} give T(x) + T(-x) = "
                          "2 T(0)"),)
    if suffix == "softplus":
        return (_identity("softplus(z) - softplus(-z) = z", e - e.subs(z, -z) - z,
                          "without bias and with one hidden layer, T_1(a) - T_1(-a) = W_1 a is linear in a: "
                          "d0 + 1 symmetric pairs give a linear dependence for every weight"),)
    if suffix == "tanh":
        return (_identity("tanh(-z) = -tanh(z)", e + e.subs(z, -z), "without bias, T_1(-x) = -T_1(x), and the "
                          "origin gives a zero column"),)
    return ()


_VARIANT_WHY = {
    "relu": ("ReLU is not analytic (Assumption 2 fails). Dead neurons give zero rows on an open set of weights; "
             "without bias it is positively homogeneous (checked by sympy), so 1-d data give rank(T_1) <= 2."),
    "leaky_relu": ("leaky ReLU is positively homogeneous (checked by sympy): without bias, 1-d inputs give "
                   "rank(T_1) <= 2 for every weight."),
    "linear": "sigma(0) = 0; T_H = W_H...W_1 X has rank <= d0 (+1 with bias) for every weight.",
    "polynomial": ("sigma(0) = 0 for sigma(z) = z^p, p = 2..6; sigma(Wx) lies in the space of polynomials of x of "
                   "degree p, of dimension C(d0+p, p) (homogeneous of degree p without bias)."),
    "sigmoid": ("sigmoid''(0) = 0, so Assumption 2 fails for N >= 3. sigmoid(z) + sigmoid(-z) = 1 (checked by sympy): "
                "without bias and with one hidden layer, data with two symmetric pairs {a, -a, b, -b} (the stored "
                "counterexample: x = (0.25, 0.5, -0.25, -0.5), d_1 = 4) give T_1(a) + T_1(-a) = T_1(b) + T_1(-b) for "
                "every weight, so rank(T_1) <= 3 < 4 (data {x, -x, 0} likewise: T(x) + T(-x) = 2 T(0)). The paper's "
                "remark says Assumption 2 covers sigmoid."),
    "softplus": ("softplus'''(0) = 0, so Assumption 2 fails for N >= 4; softplus(z) - softplus(-z) = z (checked by "
                 "sympy), so without bias and with one hidden layer, d0 + 1 symmetric pairs {x_i, -x_i} give a linear "
                 "dependence for every weight (stored counterexample: x = (0.25, 0.5, -0.25, -0.5), d_1 = 4). The "
                 "paper's remark says Assumption 2 covers softplus."),
    "tanh": ("tanh(0) = 0 (Assumption 2 fails for n = 1): without bias the origin gives a zero column; tanh is odd "
             "(checked by sympy), so {x, -x} give opposite columns."),
}
_VARIANT_ACTS = {"relu": ["relu"], "leaky_relu": ["leaky_relu"], "linear": ["linear"],
                 "polynomial": [f"poly{p}" for p in range(2, 7)],
                 "sigmoid": ["sigmoid"], "softplus": ["softplus"], "tanh": ["tanh"]}
_PAPER_SAYS = {"sigmoid": "supported", "softplus": "supported"}

#: The structured case each variant's identity decides (one hidden layer, no bias, 1-d data), tried on every
#: run: sigmoid / softplus on two symmetric pairs (width 4), tanh on a symmetric pair (width 2), the
#: homogeneous activations on three positive points (width 3), linear and z^2 on two points (width 2).
_VARIANT_DATA = {"sigmoid": ([0.25, 0.5, -0.25, -0.5], "sigmoid"), "softplus": ([0.25, 0.5, -0.25, -0.5], "softplus"),
                 "tanh": ([0.25, -0.25], "tanh"), "relu": ([0.25, 0.5, 0.75], "relu"),
                 "leaky_relu": ([0.25, 0.5, 0.75], "leaky_relu"), "linear": ([0.25, 0.5], "linear"),
                 "polynomial": ([0.25, 0.5], "poly2")}


def _variant_examples(suffix: str) -> tuple:
    """Explicit examples (x, spec, weight seed) of :data:`_VARIANT_DATA` for ``lds.lemma3.<suffix>``."""
    xs, act = _VARIANT_DATA[suffix]
    x = np.array([xs], dtype=np.float64)
    return ((x, MLPSpec(1, (x.shape[1],), 1, act, False), 0),)


def _make_variant(suffix: str) -> None:
    acts = _VARIANT_ACTS[suffix]
    paper = _PAPER_SAYS.get(suffix, "refuted")
    choice = (lambda n: polynomial_activations(min_p=2, max_p=6)) if suffix == "polynomial" else (lambda n: acts)

    @claim(
        f"lds.lemma3.{suffix}",
        title=f"Lemma 3's conclusion with sigma = {'z^p, p = 2..6' if suffix == 'polynomial' else ' / '.join(acts)}",
        source=f"{PAPER}, Lemma 3 (appendix D){'; remark after Assumption 2' if suffix in _PAPER_SAYS else ''}",
        statement=(f"With sigma = {'z^p (p = 2..6)' if suffix == 'polynomial' else ' or '.join(acts)} (A1 data, any "
                   "depth, widths, with or without bias), rank(T_H) < min(d_H, N) has probability zero over Gaussian "
                   "weights."),
        hypotheses=("A1 data", f"sigma in {acts}", "Gaussian weights"),
        paper=paper,
        expected="refuted",
        why=_VARIANT_WHY[suffix] + ("" if suffix in _PAPER_SAYS else
                                    " The paper does not claim Lemma 3 here (Assumption 2 fails); the suite shows a "
                                    "deficiency that survives " + ROBUST_TEXT + "."),
    )
    def check(ctx: Context) -> Result:
        return lemma3_search(ctx, choice, f"sigma={'/'.join(acts)}", 20 * ctx.max_examples,
                              identities=list(_variant_identities(suffix)), examples=_variant_examples(suffix))

    check.replayer(replay_lemma3)


for _suffix in _VARIANT_ACTS:
    _make_variant(_suffix)


@claim(
    "lds.lemma3.degenerate_data",
    title="Lemma 3 without Assumption A1 (every coordinate of the data repeats a value)",
    source=f"{PAPER}, Lemma 3 (appendix D), Assumption A1 removed",
    statement=("With data violating A1 (duplicated points, or distinct points repeating a value in every coordinate) "
               "and sigma meeting Assumption 2 for n = N, rank(T_H) < min(d_H, N) still has probability zero."),
    hypotheses=("data violating A1 (families: duplicate, crossed, constant row)",
                "sigma meeting Assumption 2 for n = N (decided exactly)", "Gaussian weights"),
    paper="inconclusive",
    expected="refuted",
    why=("The paper assumes A1 and says nothing without it. Duplicated data points give equal columns of T_H for "
         "every weight, so the rank drops on all of weight space. A1 is stronger than Lemma 3 needs, though: the "
         "statistics show whether distinct points that repeat a value in every coordinate (family 'crossed') keep "
         "full rank."),
)
def check_lemma3_degenerate(ctx: Context) -> Result:
    r = lemma3_search(ctx, assumption2_for_n, "data violating A1", 2 * ctx.max_examples,
                       data=degenerate_datasets(max_n=5, max_d0=2),
                       tried_data=("data violating A1 (duplicate points, crossed distinct points, a constant row); "
                                   "N <= 5, d0 <= 2"))
    return r


check_lemma3_degenerate.replayer(replay_lemma3)


@_fixtures.builder("lds.lemma3")
def lemma3_fixtures() -> list[_fixtures.Fixture]:
    """Rank-deficient points of Lemma 3's variants where other claims apply (networks with d_H >= N on
    distinct A1 data): sigmoid and softplus, one hidden layer of width 4 without bias, x = (0.25, 0.5,
    -0.25, -0.5) -- rank(T_1) = 3 < 4 for every weight (the identities above).  Weights from seed 0,
    labels (1, -1, 0.5, 2): not stationary (kind ``rank_deficient``)."""
    out = []
    x = np.array([[0.25, 0.5, -0.25, -0.5]])
    y = np.array([[1.0, -1.0, 0.5, 2.0]])
    for act in ("sigmoid", "softplus"):
        spec = MLPSpec(1, (4,), 1, act, False)
        net = MLP.random(spec, np.random.default_rng(0))
        d = feature_matrix_rank(net, x)
        out.append(_fixtures.Fixture(
            id=f"lds.lemma3[{act},x=(+-1/4,+-1/2)]", source=f"lds.lemma3.{act}", kind="rank_deficient", spec=spec,
            weights=net.weights_numpy(), x=x, y=y,
            facts={"rank": d.rank, "target": d.target, "rank_precision": d.decision.precision,
                   "for_every_weight": _variant_identities(act)[0]["identity"], "stationary": False}))
    return out
