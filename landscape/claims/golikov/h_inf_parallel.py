"""Golikov, section 2.2: ``H^inf`` without the hypothesis "no two inputs parallel" -- antipodal
inputs on the sphere (``golikov.du2019.h_inf.parallel``), parallel inputs off it (``.scaled``) and
duplicated inputs (``.duplicated``), decided like ``golikov.du2019.h_inf``
(:func:`landscape.claims.golikov.h_inf.h_inf_outcome`)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from landscape import Context, LandscapeError, Result, claim
from landscape._lib.networks.two_layer import unit_rows
from landscape._lib.strategies import seeds
from landscape.claims.golikov._common import PAPER
from landscape.claims.golikov.h_inf import h_inf_outcome, hinf_result, replay_hinf


PARALLEL_FAMILIES = ("antipodal_one", "antipodal_many", "scaled", "neg_scaled")


def parallel_example(family: str, n_extra: int, d: int, k: int, c: float, seed: int) -> np.ndarray:
    """Data with parallel rows.

    ``antipodal_one``: ``n_extra`` generic unit rows plus ``x, -x``; ``antipodal_many``:
    ``k`` antipodal pairs ``x_i, -x_i`` plus ``n_extra`` generic rows (all unit-norm);
    ``scaled``: generic rows plus ``c x_0`` (``c > 0, c != 1``: off the sphere);
    ``neg_scaled``: generic rows plus ``-c x_0``.
    """
    rng = np.random.default_rng(seed)
    base = unit_rows(rng, max(n_extra, 1), d)
    if family == "antipodal_one":
        v = unit_rows(rng, 1, d)
        return np.vstack([base[:n_extra], v, -v])
    if family == "antipodal_many":
        v = unit_rows(rng, k, d)
        return np.vstack([v, -v, base[:n_extra]])
    if family == "scaled":
        return np.vstack([base, c * base[:1]])
    if family == "neg_scaled":
        return np.vstack([base, -c * base[:1]])
    raise LandscapeError(f"unknown parallel family {family!r}; expected one of {', '.join(PARALLEL_FAMILIES)}")


def duplicated_example(n_extra: int, d: int, copies: int, seed: int) -> np.ndarray:
    """``n_extra + 1`` generic unit rows plus ``copies`` copies of the first one."""
    rng = np.random.default_rng(seed)
    base = unit_rows(rng, n_extra + 1, d)
    return np.vstack([base, np.repeat(base[:1], copies, axis=0)])



def _parallel_search(ctx: Context, fams: tuple[str, ...], label: str, mc_m: int):
    @st.composite
    def examples(draw):
        fam = draw(st.sampled_from(fams))
        d = draw(st.integers(2, 4))
        k = draw(st.sampled_from([d + 1, 1, 2, d, d + 2]))
        c = draw(st.sampled_from([0.5, 2.0, 4.0, 0.25]))  # powers of 2: c x is exactly parallel to x in float64
        return fam, draw(st.integers(0, 4)), d, k, c, draw(seeds())

    def fn(ex):
        fam, ne, d, k, c, s = ex
        return h_inf_outcome(parallel_example(fam, ne, d, k, c, s), s, mc_m, fam)

    return ctx.search(examples(), fn, label=label, max_examples=ctx.max_examples)


def _counterexample_note(r: Result) -> None:
    """Say (computed, not assumed) whether the recorded counterexample lies on the unit sphere."""
    if r.counterexample is not None and "x" in r.counterexample:
        x = np.asarray(r.counterexample["x"], dtype=float)
        on = bool(np.allclose(np.linalg.norm(x, axis=1), 1.0, rtol=0, atol=1e-12))
        r.statistics["counterexample_unit_norm"] = on
        r.notes.append(f"The recorded counterexample ({x.shape[0]} points in R^{x.shape[1]}, family "
                       f"{r.counterexample.get('family')}) is {'on' if on else 'off'} the unit sphere (computed).")


@claim(
    "golikov.du2019.h_inf.parallel",
    title="H^inf with antipodal inputs (x_j = -x_i) on the unit sphere",
    source=f"{PAPER}, section 2.2 (Theorem 3.1 of Du et al.); the hypothesis 'no two inputs parallel' removed",
    statement=("With unit-norm inputs some of which are parallel (on the sphere: x_j = -x_i), "
               "lambda_0 = lambda_min(H^inf) > 0 still."),
    hypotheses=("||x_i|| = 1 kept", "parallel families: one antipodal pair; k antipodal pairs (k <= d + 2)"),
    paper="inconclusive",
    expected="refuted",
    why=("The essay's condition is sufficient, not necessary, and it asserts nothing for parallel data. The suite "
         "finds: one antipodal pair x, -x keeps lambda_0 > 0 (for that pair x_i.x_j = -1 and P(w.x_i >= 0, "
         "w.x_j >= 0) = 0, so only the entry H^inf_ij is 0; the two rows stay independent); and d antipodal pairs "
         "with independent directions keep it too. But d + 1 antipodal pairs in R^d make H^inf singular: with "
         "sum_k c_k x_k = 0, sum_k c_k (1{w.x_k > 0} x_k - 1{w.x_k < 0} (-x_k)) = sum_k c_k x_k = 0 for every w "
         "(relu(z) - relu(-z) = z), so the features of the 2(d + 1) points are dependent."),
)
def check_h_inf_parallel(ctx: Context) -> Result:
    mc_m = 1000 * ctx.draws
    on = _parallel_search(ctx, ("antipodal_one", "antipodal_many"), "parallel inputs on the unit sphere (x_j = -x_i)",
                          mc_m)
    extra = []
    for d in (2, 3, 4):  # the boundary: d antipodal pairs vs d + 1
        for k in (d, d + 1):
            s = int(ctx.rng("golikov-parallel", d, k).integers(2**31))
            extra.append(h_inf_outcome(parallel_example("antipodal_many", 1, d, k, 1.0, s), s, mc_m, "antipodal_many"))
    s = int(ctx.rng("golikov-parallel", "antipodal_one").integers(2**31))
    extra.append(h_inf_outcome(parallel_example("antipodal_one", 3, 3, 1, 2.0, s), s, mc_m, "antipodal_one"))
    r = hinf_result(ctx, on, extra, [], "antipodal inputs on the unit sphere")
    pairs: dict[str, set] = {}
    for o in on.outcomes + extra:
        if o.stats.get("family") == "antipodal_many":
            key = f"d={o.stats['d']}, antipodal pairs={len(o.stats['parallel_pairs'])}"
            pairs.setdefault(key, set()).add("lambda0=0" if o.status == "fails" else "lambda0>0")
    r.statistics["antipodal_many_by_d_and_pairs"] = {k: sorted(v) for k, v in sorted(pairs.items())}
    r.tried += (" (one antipodal pair plus up to 4 generic rows; k <= d + 2 antipodal pairs plus up to 4 rows; the "
                "fixed cases are d and d + 1 pairs for d = 2, 3, 4; parallel pairs decided exactly: rho = +-1)")
    r.notes.append("lambda_0 = 0 exactly when the antipodal pairs' directions are linearly dependent (e.g. d + 1 pairs "
                   "in R^d); one antipodal pair, or independent pairs, keep lambda_0 > 0: the theorem's condition is "
                   "sufficient, not necessary.")
    _counterexample_note(r)
    return r


@claim(
    "golikov.du2019.h_inf.scaled",
    title="H^inf with parallel inputs off the sphere (x_j = c x_i, c != +-1)",
    source=(f"{PAPER}, section 2.2 (Theorem 3.1 of Du et al.); two hypotheses removed at once: 'no two inputs "
            "parallel' and ||x_i|| = 1"),
    statement="With some x_j = c x_i or x_j = -c x_i (c > 0, c != 1; not unit norm), lambda_0 > 0 still.",
    hypotheses=("families x_j = c x_i and x_j = -c x_i, c in {1/4, 1/2, 2, 4} (exact in float64)",
                "the scaled point is off the unit sphere"),
    paper="inconclusive",
    expected="refuted",
    why=("Outside the essay's hypotheses (unit norm and non-parallel both dropped), so it asserts nothing. x_j = c x_i "
         "with c > 0 makes rows i and j of H^inf proportional (H^inf_jk = c H^inf_ik: the indicator does not see c): "
         "singular. x_j = -c x_i alone keeps lambda_0 > 0, as one antipodal pair does."),
)
def check_h_inf_scaled(ctx: Context) -> Result:
    mc_m = 1000 * ctx.draws
    off = _parallel_search(ctx, ("scaled", "neg_scaled"), "parallel inputs off the sphere (x_j = +-c x_i, c != 1)", mc_m)
    extra = []
    for fam in ("scaled", "neg_scaled"):
        s = int(ctx.rng("golikov-parallel", fam).integers(2**31))
        extra.append(h_inf_outcome(parallel_example(fam, 3, 3, 1, 2.0, s), s, mc_m, fam))
    r = hinf_result(ctx, off, extra, [], "parallel inputs off the sphere")
    _counterexample_note(r)
    return r


@claim(
    "golikov.du2019.h_inf.duplicated",
    title="H^inf with a duplicated input (x_i = x_j)",
    source=f"{PAPER}, section 2.2; the hypothesis 'no two inputs parallel' removed (c = 1)",
    statement="With a duplicated input x_j = x_i, lambda_0 = lambda_min(H^inf) > 0 still.",
    hypotheses=("unit-norm data with one row repeated 1-2 times",),
    paper="refuted",
    expected="refuted",
    why="Equal inputs give equal rows of H^inf: lambda_0 = 0 exactly, for every dataset.",
)
def check_h_inf_duplicated(ctx: Context) -> Result:
    mc_m = 1000 * ctx.draws

    @st.composite
    def examples(draw):
        return draw(st.integers(0, 5)), draw(st.integers(2, 4)), draw(st.integers(1, 2)), draw(seeds())

    def fn(ex):
        ne, d, cp, s = ex
        return h_inf_outcome(duplicated_example(ne, d, cp, s), s, mc_m, "duplicated")

    res = ctx.search(examples(), fn, label="H^inf, duplicated inputs", max_examples=ctx.max_examples)
    return hinf_result(ctx, res, [], [], "duplicated inputs")


check_h_inf_parallel.replayer(replay_hinf)
check_h_inf_scaled.replayer(replay_hinf)
check_h_inf_duplicated.replayer(replay_hinf)
