"""Theorem 1 without A3 (d_H < N): strict bad local minima exist (constructions + a search)."""

from __future__ import annotations

import math

import numpy as np
import torch

from landscape._core.context import Context, merge, Outcome, Result
from landscape._core.registry import claim
from landscape._lib import activations, certify, fixtures as _fx, tolerance
from landscape._lib import prose
from landscape._lib.networks.mlp import MLPSpec, squared_loss
from landscape._lib.search import (Budget, certify_candidate, compact_certificate, hit_margin, NUMERICAL,
    replay_candidate)
from landscape.claims.lds._common import PAPER
from landscape.claims.lds.thm1_search import kinds_figure, landscape_figures, SEARCH_ACTS, search_landscape

# ---------------------------------------------------------------------------------------
# lds.thm1.no_strict_bad_min.underparameterized
# ---------------------------------------------------------------------------------------

#: The constructions: one neuron without bias on four points, periodic activations.
UNDER_X = (-1.0, -0.25, 0.5, 1.0)
UNDER_ACTS = ("negsin2", "sincos")
#: Range of the input weight scanned by the constructions (|w x| <= 8: no saturation issue for periodic sigma).
UNDER_W_MAX = 8.0


def profile_minima(act: str, x: np.ndarray, y: np.ndarray, w_max: float, points: int) -> tuple[list, float]:
    """One neuron without bias, f(x) = a sigma(w x): E(w, a*(w)) on a grid of w, and its interior local minima.

    For fixed ``w`` the best output weight is ``a*(w) = <y, s> / |s|^2`` with ``s = sigma(w x)``
    and ``E = |y|^2 - <y, s>^2 / |s|^2`` exactly, so the two-parameter landscape reduces to a
    profile in ``w``.  Returns the grid local minima ``[(w, a*(w), E)]`` and the grid minimum of E.
    """
    ws = np.linspace(-w_max, w_max, points)
    s = activations.get(act).numpy()(np.outer(ws, x[0]))
    num, den = s @ y[0], np.sum(s * s, axis=1)
    yy = float(y[0] @ y[0])
    safe = np.where(den > 0, den, 1.0)
    e = np.where(den > 0, yy - num**2 / safe, yy)
    a = np.where(den > 0, num / safe, 0.0)
    mins = [(float(ws[i]), float(a[i]), float(e[i])) for i in range(1, points - 1)
            if e[i] < e[i - 1] and e[i] <= e[i + 1]]
    return mins, float(np.min(e))


def _profile_stationary_points(act: str, x: np.ndarray, y: np.ndarray, points: int):
    spec = MLPSpec(1, (1,), 1, act, False)
    lossf = squared_loss(spec, x, y)
    mins, grid_best = profile_minima(act, x, y, UNDER_W_MAX, points)
    refined, undecided = [], 0
    for w0, a0, _ in mins:
        try:
            sp_ = certify.refine_stationary(lossf, torch.tensor([w0, a0], dtype=torch.float64), max_iter=50)
        except NUMERICAL:
            undecided += 1
            continue
        if (sp_.stationarity.outcome == "zero" and math.isfinite(sp_.loss)
                and not any(float((sp_.w - q.w).norm()) <= 1e-6 * max(1.0, float(q.w.norm())) for q in refined)):
            refined.append(sp_)
    return spec, lossf, mins, grid_best, refined, undecided


def construction_outcome(act: str, seed: int, budget: Budget, *, points: int) -> Outcome:
    """Certified strict bad local minimum of one ``act`` neuron (no bias) on x = UNDER_X, labels N(0, 1) from ``seed``.

    The profile's interior grid minima are refined to stationary points of the two-parameter
    loss; ``best`` is the lowest loss attained among them (an upper bound of inf E); the refined
    points clearly above it are certified, lowest first, until one is strict (at most
    ``budget.refine + 2``; the number of bad stationary points left uncertified is reported).
    """
    x = np.array([UNDER_X])
    y = np.random.default_rng(seed).normal(size=(1, x.shape[1]))
    spec, _, mins, grid_best, refined, undecided = _profile_stationary_points(act, x, y, points)
    stats = {"activation": act, "x": list(UNDER_X), "y": y[0].tolist(), "seed": seed, "grid_points": points,
             "w_range": [-UNDER_W_MAX, UNDER_W_MAX], "grid_minima": len(mins), "stationary_points": len(refined),
             "undecided": undecided}
    if not refined:
        return Outcome.band(note=f"{act}: no stationary point reached from the profile minima", **stats)
    best_pt = min(refined, key=lambda q: q.loss)
    best = best_pt.loss
    certs = []
    for q in sorted(refined, key=lambda q: q.loss):
        if q is best_pt:
            continue
        c = certify_candidate(spec, q.w, x, y, best, seed + 1 + len(certs), budget, best_pt.w)
        if c.get("kind") is None:  # not clearly bad: another copy of the best value
            continue
        certs.append((q, c))
        if c.get("kind") == "strict" or len(certs) >= budget.refine + 2:
            break
    stats |= {"best": best, "grid_best": grid_best, "kinds": [c.get("kind") for _, c in certs],
              "losses": [c["loss"] for _, c in certs], "bad_stationary_points": len(refined) - 1,
              "uncertified": len(refined) - 1 - len(certs),
              "candidates": [compact_certificate(c) | {"problem": f"{act} one neuron seed={seed}",
                                            "w": [float(v) for v in q.w]} for q, c in certs]}
    hit = next(((q, c, j) for j, (q, c) in enumerate(certs) if c.get("kind") == "strict"), None)
    if hit is not None:
        q, c, j = hit
        payload = {"spec": spec.as_dict(), "X": x.tolist(), "Y": y.tolist(), "w": q.w.tolist(), "best": best,
                   "best_w": best_pt.w.tolist(), "seed": seed + 1 + j, "budget": budget.as_dict(),
                   "construction": act}
        return Outcome.fails(payload, hit_margin(c),
                             note=prose.sentence(
                                 f"{act}, one neuron, no bias: (w, a) = ({float(q.w[0]):.6g}, {float(q.w[1]):.6g})",
                                 f"is a strict local minimum ({c.get('reason')}) with loss {c['loss']:.6g} > {best:.6g}",
                                 f"attained at (w, a) = ({float(best_pt.w[0]):.6g}, {float(best_pt.w[1]):.6g})"),
                             proof=c.get("proof"), **stats)
    return Outcome.band(note=f"{act}: no bad stationary point certified strict ({stats['kinds']})", **stats)


#: Seeds of the constructions of the claim at run seed 0, reused by the fixture builder.
def _under_seed(run_seed: int, i: int) -> int:
    return 7919 * (run_seed + 1) + i


@_fx.builder("lds.thm1.under")
def under_fixtures() -> list[_fx.Fixture]:
    """Strict bad local minima of lds.thm1.no_strict_bad_min.underparameterized (d_H = 1 < N = 4): the
    constructions of run seed 0 on an 801-point profile; every refined bad stationary point whose
    gradient is zero and whose exact Hessian is positive definite (the decisive part of the
    certificate: a second-order proof) becomes a fixture, with the best attained point as witness."""
    out = []
    for i, act in enumerate(UNDER_ACTS):
        seed = _under_seed(0, i)
        x = np.array([UNDER_X])
        y = np.random.default_rng(seed).normal(size=(1, x.shape[1]))
        spec, lossf, _, _, refined, _ = _profile_stationary_points(act, x, y, 801)
        if len(refined) < 2:
            continue
        best_pt = min(refined, key=lambda q: q.loss)
        scale = float(np.sum(y**2))
        for q in sorted(refined, key=lambda q: q.loss):
            if q is best_pt or tolerance.classify((q.loss - best_pt.loss) / scale).outcome != "nonzero":
                continue
            spec_h = certify.hessian_spectrum(lossf, q.w)
            if spec_h.definiteness != "pd" or q.stationarity.outcome != "zero":
                continue
            w, a = (float(v) for v in q.w)
            out.append(_fx.Fixture(
                id=f"lds.thm1.under[{act},w={w:.4f}]", source="lds.thm1.no_strict_bad_min.underparameterized",
                kind="bad_local_min", spec=spec, weights=[np.array([[w]]), np.array([[a]])], x=x, y=y,
                facts={"loss": q.loss, "lower_loss_witness": best_pt.loss, "stationary": True,
                       "certificate": "strict", "certificate_how": "gradient zero and exact Hessian positive definite",
                       "lambda_min_normalised": spec_h.lambda_min_normalised,
                       "witness_weights": [[[float(best_pt.w[0])]], [[float(best_pt.w[1])]]]}))
            if sum(1 for f in out if f.spec.activation == act) >= 2:
                break
    return out


@claim(
    "lds.thm1.no_strict_bad_min.underparameterized",
    title="Strict bad local minima when d_H < N",
    source=f"{PAPER}, Theorem 1 with Assumption A3 (d_H >= N) removed",
    statement="With d_H < N the loss still has no strict bad local minimum.",
    hypotheses=("A1 data, 3 <= N <= 4", "one hidden layer, d_H < N", "squared loss",
                "sigma in " + ", ".join(a for a in SEARCH_ACTS if not activations.get(a).positively_homogeneous)),
    paper="inconclusive",
    expected="refuted",
    why=("The paper needs d_H >= N and says nothing without it. One neuron with a periodic activation on four points "
         "already has many local minima in its input weight: the lowest is (an upper bound of) the global one, the "
         "others are bad, and their Hessian is positive definite -- certified strict bad local minima."),
)
def check_thm1_under(ctx: Context) -> Result:
    budget = Budget.of(ctx)
    # ReLU / leaky ReLU are positively homogeneous (w -> c w, a -> a / c keeps the loss): never strict, so the
    # search spends its budget on the other activations, one hidden layer
    acts = tuple(a for a in SEARCH_ACTS if not activations.get(a).positively_homogeneous)
    rep = search_landscape(ctx, budget, over=False, acts=acts, depth=1, max_examples=max(4, ctx.max_examples // 2))
    points = 200 * ctx.draws + 1
    built = [construction_outcome(act, _under_seed(ctx.seed, i), budget, points=points)
             for i, act in enumerate(UNDER_ACTS)]
    # a construction that certifies is the cleanest counterexample: it goes first
    first = [o for o in built if o.status == "fails"]
    built_cands = [c for o in built for c in o.stats.get("candidates", [])]
    r = merge([], extra=first + rep.outcomes + [o for o in built if o.status != "fails"],
              statistics={"budget": budget.as_dict(), "certificates_by_activation": rep.kinds(),
                          "constructions": [o.stats for o in built], "search": rep.res.summary(),
                          "excluded_problems": rep.excluded, "endpoint_fractions": rep.endpoint_fractions(),
                          "candidates": rep.candidates()},
              tried=_under_tried(points, budget, rep),
              figures=[kinds_figure(rep.kinds(), "Certificates of the bad stationary points found (d_H < N, search)"),
                       *landscape_figures([rep], built_cands, "d_H < N")])
    return r


def _under_tried(points: int, budget: Budget, rep) -> str:
    """The ``tried`` prose of ``lds.thm1.under``: the constructions on ``points`` grid points, the search ``rep``."""
    constructions = "2 constructions " + prose.paren(
        prose.seq(UNDER_ACTS), f"one neuron, no bias, x = {UNDER_X}, labels N(0, 1) from seeds 7919 (seed + 1) + i")
    profile = prose.clauses(
        f"the exact profile E(w, a*(w)) on {points} points of |w| <= {UNDER_W_MAX:g}",
        "its interior minima refined to stationarity", "the lowest attained loss as 'best'",
        f"the others certified lowest first (at most {budget.refine + 2}; the rest counted as 'uncertified')", sep=", ")
    search = prose.clauses(
        f"and {rep.res.examples} Hypothesis problems (d_H < N; {len(rep.excluded)} more excluded) x {budget.starts} "
        "random L-BFGS starts",
        "certificates as in lds.thm1.no_strict_bad_min", sep=", ")
    return prose.clauses(f"{constructions}: {profile}", search)



check_thm1_under.replayer(replay_candidate)
