"""Theorem 1 (section 3.1): convexity of Q in the canonical space (``jiang.thm1.convex``), the
literal weight space (``jiang.thm1.convex.literal``) and the zero-loss part (``jiang.thm1.zero_loss``
and its variants on the half-open cube and interval)."""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st
from torch.func import hessian

from landscape import Context, LandscapeError, Outcome, Result, claim, merge
from landscape._lib import payload as _p
from landscape._lib import canonical, losses, tolerance
from landscape._lib import prose
from landscape._lib.canonical import exact_feature_rank
from landscape._lib.networks.mlp import MLP, MLPSpec
from landscape._lib.strategies import cube_datasets, seeds
from landscape.claims.jiang._common import PAPER, random_labels


def _payload_box(p: dict, key: str, k_dim: int) -> tuple[int, ...]:
    """``p[key]`` as a Fourier box ``(n_1, ..., n_K)`` of half-widths >= 0 with at most
    ``payload.MAX_N`` frequencies ``prod(2 n_k + 1)``."""
    n = tuple(_p.require_ints(p, key, 0, _p.MAX_N, min_len=k_dim, max_len=k_dim))
    if math.prod(2 * v + 1 for v in n) > _p.MAX_N:
        raise LandscapeError(f"payload field {key!r} = {list(n)}: expected a box of at most {_p.MAX_N} frequencies "
                             "prod(2 n_k + 1)")
    return n


# ---------------------------------------------------------------------------------------
# jiang.thm1.convex
# ---------------------------------------------------------------------------------------

def convexity_outcome(loss_name: str, x: np.ndarray, n: tuple[int, ...], seed: int) -> Outcome:
    """Jensen's inequality on a random pair / mixing weight, and the Hessian's PSD test."""
    loss = losses.get(loss_name)
    rng = np.random.default_rng(seed)
    phi = torch.as_tensor(canonical.real_features(x, n))
    y = torch.as_tensor(random_labels(loss, rng, x.shape[0]))
    scale = float(rng.choice([0.1, 1.0, 10.0]))
    c1 = torch.as_tensor(rng.normal(size=phi.shape[1]) * scale)
    c2 = torch.as_tensor(rng.normal(size=phi.shape[1]) * scale)
    lam = float(rng.uniform(0.05, 0.95))

    def q(c: torch.Tensor) -> torch.Tensor:
        return loss.total(y, phi @ c)

    lhs = float(q(lam * c1 + (1 - lam) * c2))
    rhs = lam * float(q(c1)) + (1 - lam) * float(q(c2))
    jensen = tolerance.at_most(lhs, rhs)
    stats = {"loss": loss_name, "K": len(n), "N": phi.shape[1], "T": x.shape[0], "jensen_gap": rhs - lhs,
             "jensen": jensen.as_dict()}
    decisions = [jensen]
    if loss.twice_differentiable:
        h = hessian(q)(c1).numpy()
        p = tolerance.psd(h)
        stats["hessian_lambda_min_normalised"] = p.lambda_min_normalised
        decisions.append(p.decision if p.psd is not True or p.decision.outcome == "zero" else
                         tolerance.Decision(p.lambda_min_normalised, "zero", math.inf))
        if p.psd is False:
            return Outcome.fails({"loss": loss_name, "x": x.tolist(), "n": list(n), "seed": seed}, p.decision.margin,
                                 note="Hessian of Q is not PSD", **stats)
        if p.psd is None:
            return Outcome.band(note="Hessian PSD test in the tolerance band", **stats)
    if jensen.outcome == "nonzero":
        return Outcome.fails({"loss": loss_name, "x": x.tolist(), "n": list(n), "seed": seed}, jensen.margin,
                             note="Jensen's inequality violated", **stats)
    if jensen.outcome == "band":
        return Outcome.band(note="Jensen gap in the tolerance band", **stats)
    return Outcome.holds(min(d.margin for d in decisions), **stats)


@st.composite
def _boxes(draw, kd: int) -> tuple[int, ...]:
    return tuple(draw(st.integers(0, 3 if kd == 1 else 2)) for _ in range(kd))


@claim(
    "jiang.thm1.convex",
    title="Theorem 1 (first part): Q is convex in the canonical space",
    source=f"{PAPER}, Theorem 1 and its proof (section 3.1, eq. 7)",
    statement=("With a loss l convex in its second argument, Q(theta) = sum_t l(y_t, sum_k theta_k eta_k(x_t)) is "
               "convex in theta (real functions: conjugate-symmetric theta)."),
    hypotheses=("every loss in the registry (convex in the prediction)", "data in [0,1]^K, K = 1, 2",
                "truncation boxes |k_j| <= N_j"),
)
def check_convex(ctx: Context) -> Result:
    @st.composite
    def examples(draw):
        x = draw(cube_datasets(max_t=8))
        return draw(st.sampled_from(losses.names())), x, draw(_boxes(x.shape[1])), draw(seeds())

    def fn(ex):
        name, x, n, s = ex
        return convexity_outcome(name, x, n, s)

    res = ctx.search(examples(), fn, label="Jensen + Hessian", max_examples=4 * ctx.max_examples)
    by_loss: dict[str, int] = {}
    for o in res.outcomes:
        by_loss[o.stats["loss"]] = by_loss.get(o.stats["loss"], 0) + 1
    missing = [n for n in losses.names() if n not in by_loss]
    extra = []
    for name in missing:  # every loss must be attacked at least once
        x = ctx.rng("convex", name).random((5, 1))
        extra.append(convexity_outcome(name, x, (2,), 0))
        by_loss[name] = 1
    gaps = [o.stats["jensen_gap"] for o in res.outcomes]
    lam = [o.stats["hessian_lambda_min_normalised"] for o in res.outcomes if "hessian_lambda_min_normalised" in o.stats]
    fig = {"kind": "hist", "title": "Normalised smallest Hessian eigenvalue of Q (twice-differentiable losses)",
           "xlabel": "lambda_min / max |lambda|", "ylabel": "examples", "data": {"Hessian": lam}}
    return merge([res], extra=extra,
                 statistics={"examples_per_loss": by_loss, "min_jensen_gap": min(gaps) if gaps else None,
                             "min_hessian_lambda_normalised": min(lam) if lam else None},
                 tried=(f"{res.examples + len(extra)} examples over {len(by_loss)} losses; closed-cube datasets "
                        "(lattice, uniform, boundary, collinear; T <= 8), boxes N_j <= 3 (K = 1) or 2 (K = 2), "
                        "coefficient scales 0.1 / 1 / 10"),
                 figures=[fig])


@check_convex.replayer
def _replay_convex(p: dict) -> Outcome:
    x = _p.require_matrix(p, "x", _p.MAX_N, _p.MAX_DIM)
    return convexity_outcome(_p.require_loss(p), x, _payload_box(p, "n", x.shape[1]), _p.require_seed(p))


# ---------------------------------------------------------------------------------------
# jiang.thm1.convex.literal
# ---------------------------------------------------------------------------------------

def literal_outcome(act: str, loss_name: str, kd: int, t: int, m: int, seed: int) -> Outcome:
    """Teacher = the network itself, so Q(w) = Q(swap(w)) = 0; Jensen at the midpoint."""
    rng = np.random.default_rng(seed)
    loss = losses.get(loss_name)
    x = rng.random((kd, t))
    net = MLP.random(MLPSpec(kd, (m,), 1, act, True), rng, scale="unit")
    w = net.weights_numpy()
    y = net.forward(x)[0].detach()
    perm = np.arange(m)
    perm[[0, 1]] = perm[[1, 0]]
    w_swapped = [w[0][perm], w[1][:, perm]]

    def q(ws) -> float:
        return float(loss.total(y, net.forward(x, [torch.as_tensor(v) for v in ws])[0]))

    lam = 0.5
    mid = [lam * a + (1 - lam) * b for a, b in zip(w, w_swapped)]
    q1, q2, qm = q(w), q(w_swapped), q(mid)
    dec = tolerance.at_most(qm, lam * q1 + (1 - lam) * q2, scale=float(loss.total(y, torch.zeros_like(y))))
    stats = {"activation": act, "loss": loss_name, "Q_w": q1, "Q_swapped": q2, "Q_mid": qm, "m": m, "T": t}
    payload = {"activation": act, "loss": loss_name, "K": kd, "T": t, "m": m, "seed": seed,
               "weights": [v.tolist() for v in w], "weights_swapped": [v.tolist() for v in w_swapped]}
    if dec.outcome == "nonzero":
        return Outcome.fails(payload, dec.margin, note=(f"Q(w) = {q1:.3g}, Q(swap w) = {q2:.3g}, Q(midpoint) = "
                                                        f"{qm:.3g} > their average"), **stats)
    if dec.outcome == "band":
        return Outcome.band(note="Jensen gap in the tolerance band", **stats)
    return Outcome.holds(dec.margin, **stats)


@claim(
    "jiang.thm1.convex.literal",
    title="The same loss in the literal (weight) space is convex",
    source=f"{PAPER}, section 2.1 and Figure 1 (the literal model space)",
    statement=("Q(f_w) = sum_t l(y_t, f_w(x_t)) is convex as a function of the network weights w (the paper says "
               "it is not: the literal space has weight-space symmetries)."),
    hypotheses=("one-hidden-layer networks with bias", "losses with real labels", "data in [0,1]^K"),
    paper="refuted",
    expected="refuted",
)
def check_literal(ctx: Context) -> Result:
    real_losses = [n for n in losses.names() if losses.get(n).labels == "real"]

    @st.composite
    def examples(draw):
        return (draw(st.sampled_from(["tanh", "sigmoid", "relu", "softplus"])), draw(st.sampled_from(real_losses)),
                draw(st.integers(1, 2)), draw(st.integers(1, 6)), draw(st.integers(2, 6)), draw(seeds()))

    res = ctx.search(examples(), lambda ex: literal_outcome(*ex), label="neuron-swap symmetry",
                     max_examples=ctx.max_examples)
    return res.result(statistics={"fraction_violating": res.counts["fails"] / max(res.examples, 1)},
                      tried=(f"{res.examples} examples: random network w (unit Gaussian weights), labels y = f_w(x) so "
                             "Q(w) = 0; w' = w with hidden neurons 0 and 1 swapped (Q(w') = 0); Jensen at the midpoint"))


@check_literal.replayer
def _replay_literal(p: dict) -> Outcome:
    return literal_outcome(_p.require_activation(p), _p.require_loss(p), _p.require_int(p, "K", 1, _p.MAX_DIM),
                           _p.require_int(p, "T", 1, _p.MAX_N), _p.require_int(p, "m", 2, _p.MAX_WIDTH),
                           _p.require_seed(p))


# ---------------------------------------------------------------------------------------
# jiang.thm1.zero_loss and variants
# ---------------------------------------------------------------------------------------


def zero_loss_outcome(x: np.ndarray, n: tuple[int, ...], seed: int, *, exact: bool = False) -> Outcome:
    """Least squares in the canonical space; the minimum loss relative to sum y^2."""
    rng = np.random.default_rng(seed)
    phi = canonical.real_features(x, n)
    t, big_n = phi.shape
    y = rng.normal(size=t)
    c, *_ = np.linalg.lstsq(phi, y, rcond=None)
    resid = float(np.linalg.norm(phi @ c - y) ** 2 / np.linalg.norm(y) ** 2)
    dec = tolerance.classify(resid)
    rk = tolerance.rank(phi, target=min(t, big_n))
    wrap = _congruent_pairs(x)
    stats = {"K": x.shape[1], "T": t, "N": big_n, "relative_min_loss": resid, "rank": rk.rank,
             "s_normalised": rk.s_normalised, "points_identified_mod_1": wrap,
             "mechanism": "boundary identification" if wrap else ("rank deficiency" if rk.full is False else None)}
    if exact or dec.outcome == "nonzero":
        stats["exact_rank"] = exact_feature_rank(x, n)
    payload = {"x": x.tolist(), "n": list(n), "seed": seed}
    if dec.outcome == "nonzero":
        return Outcome.fails(payload, dec.margin, note=(f"T = {t} distinct points, N = {big_n} >= T dimensions, yet "
                                                        f"min Q / sum y^2 = {resid:.3g}; feature rank {rk.rank} < T"),
                             **stats)
    if dec.outcome == "band":
        return Outcome.band(note="minimum loss in the tolerance band", **stats)
    return Outcome.holds(dec.margin, **stats)


def _congruent_pairs(x: np.ndarray) -> list[list[int]]:
    """Pairs of distinct points equal modulo 1 (the Fourier basis cannot tell them apart)."""
    r = np.mod(x, 1.0)
    out = []
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            if np.all(np.abs(r[i] - r[j]) < 1e-15):
                out.append([i, j])
    return out


#: The two mechanisms that break Theorem 1's zero-loss part, tried on every seed (x, box (N_1, ..), label seed):
#: opposite faces of [0,1] (eta_k(0) = eta_k(1): identical equations, T = 2 <= N = 3) and, for K = 2, four
#: points on the axis-parallel line x_2 = 0 (they see 2 N_1 + 1 = 3 of the N = 9 dimensions).
ZERO_LOSS_FACES = (np.array([[0.0], [1.0]]), (1,), 0)
ZERO_LOSS_COLLINEAR = (np.array([[0.0, 0.0], [0.25, 0.0], [0.5, 0.0], [0.75, 0.0]]), (1, 1), 0)


def _zero_loss_tried(examples: int, closed: bool, k_dims: tuple[int, ...], explicit: tuple) -> str:
    """What a zero-loss claim tried: ``examples`` datasets, the cube, the dimensions, the ``explicit``
    (x, box, seed) examples."""
    cube = "the closed cube [0,1]^K" if closed else "[0,1)^K"
    data = prose.clauses(
        f"{examples} datasets of T <= 9 distinct points in {cube}",
        f"K in {list(k_dims)} (lattice, uniform, boundary, collinear)",
        "the smallest box with N >= T or larger", "Gaussian labels", sep=", ")
    return prose.clauses(data, "exact sympy rank of the feature matrix for each failure",
                         *(f"explicit on every seed: x = {x.tolist()}, box N_j = {list(n)}" for x, n, _ in explicit))


def _zero_loss_claim(ctx: Context, *, closed: bool, k_dims: tuple[int, ...], examples: tuple = ()) -> Result:
    @st.composite
    def datasets(draw):
        x = draw(cube_datasets(k_dims=k_dims, max_t=9, closed=closed))
        kd = x.shape[1]
        n = draw(_boxes(kd))
        size = int(np.prod([2 * v + 1 for v in n]))
        if size < x.shape[0]:  # the theorem's hypothesis N >= T: enlarge the box
            n = tuple(max(v, math.ceil((x.shape[0] ** (1 / kd) - 1) / 2)) for v in n)
            while int(np.prod([2 * v + 1 for v in n])) < x.shape[0]:
                n = tuple(v + 1 for v in n)
        return x, n, draw(seeds())

    def fn(ex):
        x, n, s = ex
        assert int(np.prod([2 * v + 1 for v in n])) >= x.shape[0]
        return zero_loss_outcome(x, n, s)

    res = ctx.search(datasets(), fn, label="least squares in the canonical space", max_examples=4 * ctx.max_examples,
                     examples=examples)
    mech: dict[str, int] = {}
    for o in res.outcomes:
        if o.status == "fails":
            mech[str(o.stats["mechanism"])] = mech.get(str(o.stats["mechanism"]), 0) + 1
    vals = [math.log10(max(o.stats["relative_min_loss"], 1e-300)) for o in res.outcomes]
    fig = {"kind": "hist", "title": "log10 of the minimum loss / sum y^2 over the canonical space",
           "xlabel": "log10(min Q / sum y^2)", "ylabel": "datasets", "data": {"examples": vals},
           "vlines": {"zero tolerance": math.log10(tolerance.ZERO)}}
    return res.result(statistics={"failures_by_mechanism": mech},
                      tried=_zero_loss_tried(res.examples, closed, k_dims, examples),
                      figures=[fig])


def _replay_zero_loss(p: dict) -> Outcome:
    x = _p.require_matrix(p, "x", _p.MAX_N, _p.MAX_DIM)
    return zero_loss_outcome(x, _payload_box(p, "n", x.shape[1]), _p.require_seed(p), exact=True)


@claim(
    "jiang.thm1.zero_loss",
    title="Theorem 1 (second part): N >= T distinct points in U^K => the global minimum is zero loss",
    source=f"{PAPER}, Theorem 1 and its proof (section 3.1); U^K = [0,1]^K from section 2",
    statement=("If the canonical space has at least as many dimensions N as there are point-wise distinct training "
               "samples T in U^K = [0,1]^K, the global minimum of Q is zero loss."),
    hypotheses=("T distinct points in the closed cube [0,1]^K, K = 1, 2", "N = prod(2 N_j + 1) >= T",
                "squared loss, arbitrary labels"),
    paper="supported",
    expected="refuted",
    why=("The proof counts unknowns and equations but never checks that the T x N system sum_k theta_k eta_k(x_t) = "
         "y_t has full row rank. It does not: on the closed cube eta_k(0) = eta_k(1) for every integer k, so two "
         "distinct points on opposite faces give identical equations; and for K >= 2 points on an axis-parallel line "
         "only see 2 N_1 + 1 of the N dimensions."),
)
def check_zero_loss(ctx: Context) -> Result:
    return _zero_loss_claim(ctx, closed=True, k_dims=(1, 2), examples=(ZERO_LOSS_FACES, ZERO_LOSS_COLLINEAR))


check_zero_loss.replayer(_replay_zero_loss)


@claim(
    "jiang.thm1.zero_loss.open_cube",
    title="Theorem 1 (second part) on the half-open cube [0,1)^K",
    source=f"{PAPER}, Theorem 1 (section 3.1), with the boundary identification removed",
    statement="As jiang.thm1.zero_loss, with the T distinct points in [0,1)^K (K = 1, 2).",
    hypotheses=("T distinct points in [0,1)^K, K = 1, 2", "N >= T", "squared loss"),
    paper="supported",
    expected="refuted",
    why=("Removing the boundary does not save K = 2: T > 2 N_1 + 1 distinct points on a line x_2 = c give a feature "
         "matrix of rank <= 2 N_1 + 1 < T although N = (2 N_1 + 1)(2 N_2 + 1) >= T."),
)
def check_zero_loss_open(ctx: Context) -> Result:
    return _zero_loss_claim(ctx, closed=False, k_dims=(1, 2), examples=(ZERO_LOSS_COLLINEAR,))


check_zero_loss_open.replayer(_replay_zero_loss)


@claim(
    "jiang.thm1.zero_loss.open_interval",
    title="Theorem 1 (second part) for K = 1 on [0,1)",
    source=f"{PAPER}, Theorem 1 (section 3.1), K = 1 without the boundary",
    statement=("For K = 1 and T <= 2 N_1 + 1 distinct points in [0,1), the global minimum of Q is zero loss "
               "(the feature matrix is a Vandermonde matrix in the distinct unit-circle points exp(2 pi i x_t))."),
    hypotheses=("T distinct points in [0,1)", "N = 2 N_1 + 1 >= T", "squared loss"),
)
def check_zero_loss_interval(ctx: Context) -> Result:
    return _zero_loss_claim(ctx, closed=False, k_dims=(1,))


check_zero_loss_interval.replayer(_replay_zero_loss)
