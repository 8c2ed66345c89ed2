"""Golikov, section 2.1.2, eq. (7): Yu & Chen's wide shallow net, ``rk sigma(W_1 X) = m`` for almost
all ``W_1`` (``golikov.yu_chen.rank``, sigmoid; ``.relu``), eq. (7) without bias; and the fixture
``golikov.yu_chen.symmetric``, a positive-loss global minimum of eq. (7) with ``d_1 = m``.

The rank is decided by Lemma 3's decider (:func:`landscape._lib.feature_rank.lemma3_outcome`);
:func:`distinct_datasets` (data with pairwise distinct columns) is shared with
:mod:`landscape.claims.golikov.nguyen_hein`.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from landscape import Context, Result, claim, merge
from landscape._lib import fixtures as _fixtures
from landscape._lib import tolerance
from landscape._lib import prose
from landscape._lib.feature_rank import lemma3_outcome, replay_lemma3
from landscape._lib.networks.mlp import MLPSpec
from landscape._lib.strategies import a1_datasets, seeds
from landscape.claims.golikov._common import PAPER


DISTINCT_FAMILIES = ("a1", "lattice", "symmetric", "collinear", "gaussian")


@st.composite
def distinct_datasets(draw, *, max_d0: int = 3, max_n: int = 6) -> np.ndarray:
    """Data with pairwise distinct columns (``d0 x n``) -- the essay's hypothesis, weaker than Li-Ding-Sun's A1.

    Families: ``a1`` (:func:`landscape._lib.strategies.a1_datasets`); ``lattice`` (points of
    ``{-1, 0, 1}^d0 / 2``: distinct columns although no coordinate need be distinct, e.g.
    the corners of a square); ``symmetric`` (pairs ``x, -x``, optionally the origin);
    ``collinear`` (``t_i v`` with distinct integers ``t_i``); ``gaussian``.
    """
    fam = draw(st.sampled_from(DISTINCT_FAMILIES))
    if fam == "a1":
        return draw(a1_datasets(max_d0=max_d0, max_n=max_n))
    d0 = draw(st.integers(1 if fam == "collinear" else 2, max_d0))
    rng = np.random.default_rng(draw(seeds()))
    if fam == "lattice":
        pts = draw(st.lists(st.tuples(*[st.integers(-1, 1)] * d0), min_size=2, max_size=max_n, unique=True))
        x = np.array(pts, dtype=float).T / 2
    elif fam == "symmetric":
        k = draw(st.integers(1, max(1, (max_n - 1) // 2)))
        v = rng.normal(size=(d0, k))
        cols = [v, -v] + ([np.zeros((d0, 1))] if draw(st.booleans()) else [])
        x = np.hstack(cols)
    elif fam == "collinear":
        t = draw(st.lists(st.integers(-4, 4), min_size=2, max_size=max_n, unique=True))
        x = rng.normal(size=(d0, 1)) * np.array(t, dtype=float)[None, :] / 2
    else:
        x = rng.normal(size=(d0, draw(st.integers(1, max_n))))
    _, idx = np.unique(np.round(x.T, 14), axis=0, return_index=True)
    return x[:, np.sort(idx)]


def distinct_columns(x: np.ndarray) -> bool:
    """True if the columns of ``x`` are pairwise distinct (the essay's hypothesis on the data)."""
    return len({tuple(c) for c in np.asarray(x).T.tolist()}) == x.shape[1]


def _yu_chen_tried(examples: int, fixed: int, draws: int) -> str:
    """The ``tried`` prose of the Yu & Chen rank claims."""
    families = prose.paren(f"families {prose.seq(DISTINCT_FAMILIES)}", "m <= 6, d_0 <= 3")
    fixed_sets = prose.paren("{x, -x, 0} and {x, x', -x, -x'}", "d_0 = 1..3", sep=", ")
    data = prose.clauses(
        f"{examples} Hypothesis datasets with distinct columns {families}", "d_1 in m..m+3", "no bias (eq. (7))",
        f"plus {fixed} fixed symmetric datasets {fixed_sets}", sep=", ")
    return prose.clauses(
        data, f"{draws} Gaussian W_1 each",
        "a deficiency counts only if it survives 8 perturbations and is certified at 50-400 digits "
        "(lds.lemma3's rank machinery)")


def _bands_note(bands: int) -> str:
    """The note on the ``bands`` examples whose rank stayed undecided."""
    return prose.sentence(
        f"{bands} examples stayed undecided: for exactly dependent columns the multiple-precision SVD sometimes",
        "returns an exact 0 at one rung and a value at the noise floor at the next, which tolerance.rank_multiprecision",
        "reads as 'appeared with more digits' (band) instead of a deficiency.",
        "No refutation rests on such an example.")


def _yu_chen(ctx: Context, act: str) -> Result:
    @st.composite
    def examples(draw):
        x = draw(distinct_datasets())
        return x, draw(st.integers(x.shape[1], x.shape[1] + 3)), draw(seeds())

    def fn(ex):
        x, d1, s = ex
        assert distinct_columns(x)
        o = lemma3_outcome(x, MLPSpec(x.shape[0], (d1,), 1, act, False), s, ctx.draws)
        o.stats["activation"] = act
        return o

    res = ctx.search(examples(), fn, label=f"{act}, no bias, d_1 >= m", max_examples=2 * ctx.max_examples)
    extra = []
    for d0 in (1, 2, 3):  # the structural cases, always tried: {x, -x, 0} and two antipodal pairs
        rng = ctx.rng("golikov-yu-chen", act, d0)
        v = rng.normal(size=(d0, 2))
        for x in (np.hstack([v[:, :1], -v[:, :1], np.zeros((d0, 1))]), np.hstack([v, -v])):
            if not distinct_columns(x):
                continue
            o = lemma3_outcome(x, MLPSpec(d0, (x.shape[1] + int(rng.integers(0, 3)),), 1, act, False),
                               int(rng.integers(2**31)), ctx.draws)
            o.stats["activation"] = act
            extra.append(o)
    extra = [o for o in extra if o.status == "fails"] + [o for o in extra if o.status != "fails"]
    smin = [math.log10(max(v, 1e-300)) for o in res.outcomes + extra for v in o.stats.get("s_min", [])]
    fig = {"kind": "hist", "title": f"log10 s_m / s_1 of sigma(W_1 X) ({act}, no bias, d_1 >= m)",
           "xlabel": "log10 normalised smallest singular value", "ylabel": "weight draws", "data": {act: smin},
           "vlines": {"zero tolerance": math.log10(tolerance.ZERO)}}
    bands = sum(o.status == "band" for o in res.outcomes + extra)
    r = merge([res], extra=extra, statistics={"deficient_examples": res.counts["fails"] + sum(
                  o.status == "fails" for o in extra), "undecided_examples": bands},
              tried=_yu_chen_tried(res.examples, len(extra), ctx.draws),
              figures=[fig])
    if bands:
        r.notes.append(_bands_note(bands))
    if r.counterexample is not None:
        x = np.asarray(r.counterexample["X"], dtype=float)
        with_bias = lemma3_outcome(x, MLPSpec(x.shape[0], (x.shape[1],), 1, act, True), 1, ctx.draws)
        r.statistics["counterexample_with_bias"] = {"status": with_bias.status, "s_min": with_bias.stats.get("s_min")}
    return r


@claim(
    "golikov.yu_chen.rank",
    title="Yu & Chen: rank sigma(W_1 X) = m for almost all W_1 (sigmoid, d_1 >= m, distinct data)",
    source=f"{PAPER}, section 2.1.2, eq. (7) and the paragraph after it (with footnote 3)",
    statement=("For sigma the sigmoid, d_1 >= m and pairwise distinct columns of X, the set of W_1 with "
               "rk sigma(W_1 X) < m has Lebesgue measure zero (eq. (7): no bias)."),
    hypotheses=("distinct columns of X (not A1)", "sigmoid, no bias (eq. (7))", "d_1 >= m", "Gaussian W_1"),
    paper="supported",
    expected="refuted",
    why=("Eq. (7) has no bias, and sigmoid(z) + sigmoid(-z) = 1 = 2 sigmoid(0): for data containing x, -x and 0 "
         "(distinct columns) the columns satisfy F(x) + F(-x) = 2 F(0) for every W_1, and two antipodal pairs give "
         "F(x) + F(-x) = F(x') + F(-x'); rank < m on all of weight space. These data sets are special (a measure-zero "
         "set of X): generic distinct data are full rank in every draw, and with a bias the same symmetric data are "
         "full rank too. Consequence (fixture golikov.yu_chen.symmetric): the essay's 'all local minima of (7) have "
         "value zero' fails as well -- labels with y(x) + y(-x) != 2 y(0) keep every W at loss >= (1/2) "
         "(y.c)^2/||c||^2 (eq. (7)'s 1/2), c = (1, 1, -2): 1/3 for y = (1, 1, 0)."),
)
def check_yu_chen(ctx: Context) -> Result:
    r = _yu_chen(ctx, "sigmoid")
    fx = yu_chen_fixtures()[0]
    r.statistics["positive_loss_global_minimum"] = {"fixture": fx.id, **fx.facts}
    return r


@claim(
    "golikov.yu_chen.rank.relu",
    title="Yu & Chen's rank statement with ReLU",
    source=f"{PAPER}, section 2.1.2 ('the proven statement is false for ReLU')",
    statement="With ReLU in place of the sigmoid, rank relu(W_1 X) = m for almost all W_1 (d_1 >= m, distinct data).",
    hypotheses=("ReLU, no bias", "d_1 >= m", "distinct columns"),
    paper="refuted",
    expected="refuted",
    why=("ReLU is positively homogeneous (relu(W 2x) = 2 relu(W x): proportional columns for every W_1) and dead "
         "units give rank deficiencies on open sets of weights."),
)
def check_yu_chen_relu(ctx: Context) -> Result:
    return _yu_chen(ctx, "relu")


check_yu_chen.replayer(replay_lemma3)
check_yu_chen_relu.replayer(replay_lemma3)


@_fixtures.builder("golikov.yu_chen.symmetric")
def yu_chen_fixtures() -> list[_fixtures.Fixture]:
    """A global minimum with positive loss of eq. (7) (sigmoid, no bias, d_1 = m = 3).

    Data x = (1, -1, 0) (d_0 = 1), labels (1, 1, 0).  Every W gives outputs u with
    u.c = 0, c = (1, 1, -2), so ||y - u||^2 >= (y.c)^2 / ||c||^2 = 2/3, i.e. eq. (7)'s
    L = (1/2)||y - u||^2 >= 1/3.  With rank sigma(W_1 X) = 2, least squares in W_2 attains
    that bound: a global minimum (hence stationary in all weights) with positive loss
    although d_1 >= m.  ``facts`` use the fixture library's convention, the sum of squares
    (``loss`` = 2/3 = 2 x eq. (7)); ``eq7_loss`` is eq. (7)'s value (1/3).
    """
    x = np.array([[1.0, -1.0, 0.0]])
    y = np.array([[1.0, 1.0, 0.0]])
    w1 = np.array([[1.0], [2.0], [-0.5]])
    f = 1 / (1 + np.exp(-(w1 @ x)))
    w2 = np.linalg.lstsq(f.T, y[0], rcond=None)[0][None, :]
    loss = float(np.sum((y - w2 @ f) ** 2))
    c = np.array([1.0, 1.0, -2.0])
    bound = float((y[0] @ c) ** 2 / (c @ c))
    return [_fixtures.Fixture(
        id="golikov.yu_chen.symmetric[x=(1,-1,0),y=(1,1,0)]", source="golikov.yu_chen.rank", kind="stationary",
        spec=MLPSpec(1, (3,), 1, "sigmoid", False), weights=[w1, w2], x=x, y=y,
        facts={"loss": loss, "global_inf": bound, "stationary": True, "global_min": True, "lower_bound": bound,
               "rank_hidden": 2, "eq7_loss": loss / 2, "eq7_lower_bound": bound / 2})]
