"""Golikov, section 2.1.1, eq. (3)-(4): deep linear nets, Lu & Kawaguchi's "every local minimum is
global", with the value of the rank-constrained problem (``golikov.linear.no_bad_minima``), and the
fixtures of critical points built from singular directions (``golikov.linear.critical``).

Machinery in :mod:`landscape._lib.linear_nets`: :class:`DeepLinear`, the closed-form optimum
(:func:`reduced_rank_optimum`), the exact first-order condition (:func:`linear_first_order`) and
the balanced factorisation of a drifted product (:func:`balanced_factorisation`).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from landscape import Context, LandscapeError, Outcome, Result, claim, merge
from landscape._lib import payload as _p
from landscape._lib import certify, tolerance
from landscape._lib import fixtures as _fixtures
from landscape._lib import prose
from landscape._lib.linear_nets import (DeepLinear, balanced_factorisation, linear_first_order, reduced_rank_optimum,
                                        subset_critical_point)
from landscape._lib.networks.mlp import MLPSpec
from landscape._lib.strategies import seeds
from landscape.claims.golikov._common import PAPER


def linear_data(dims: tuple[int, ...], n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian ``X`` (``d_0 x n``) and ``Y`` (``d_H x n``) from ``default_rng(seed)``, ``X`` first."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(dims[0], n)), rng.normal(size=(dims[-1], n))



def linear_point_outcome(lf, w: torch.Tensor, opt_loss: float, yscale: float, payload: dict, rng: np.random.Generator,
                         label: str, stats: dict, first_order: tuple[tolerance.Decision, dict] | None = None) -> Outcome:
    """Decide a point reached (or built): global (loss = L*), saddle (fine), certified local min above L* (fails).

    ``first_order`` (:func:`linear_first_order`, exact): a point it calls non-stationary is no local minimum
    whatever the float64 certificate says (band: the run did not reach a critical point), and a refutation
    needs it to be a clear zero as well."""
    loss = float(lf(w))
    eq = tolerance.equal(loss, opt_loss, scale=yscale)
    stats = stats | {"loss": loss, "optimum": opt_loss, "relative_excess": (loss - opt_loss) / max(opt_loss, 1e-300)}
    if eq.outcome == "zero":
        return Outcome.holds(eq.margin, reached="global", **stats)
    if loss < opt_loss and eq.outcome == "nonzero":
        return Outcome.fails(payload, eq.margin, note=f"{label}: loss {loss:.6g} below the closed-form optimum "
                                                      f"{opt_loss:.6g}: the closed form is wrong", **stats)
    fo = first_order[0] if first_order is not None else None
    if first_order is not None:
        stats = stats | first_order[1]
        if fo.outcome == "nonzero":
            return Outcome.band(note=(f"{label}: loss {loss:.6g} > optimum {opt_loss:.6g} but not a critical point: "
                                      f"|R^T G|, |G R^T| = {fo.value:.3g} |R| |G| (exact), so no local minimum"),
                                reached="not-stationary", **stats)
    cert = certify.certify_minimum(lf, w, rng=rng, include_point=False)
    stats = stats | {"certificate": cert.kind, "reason": cert.reason,
                     "lambda_min_normalised": cert.lambda_min_normalised, "eigenvalue_counts": cert.eigenvalue_counts}
    if cert.kind == "saddle":
        return Outcome.holds(cert.margin, reached="saddle", **stats)
    if cert.kind in ("strict", "non-strict") and eq.outcome == "nonzero" and (fo is None or fo.outcome == "zero"):
        return Outcome.fails(payload, min(cert.margin, eq.margin, fo.margin if fo is not None else math.inf),
                             note=(f"{label}: a {cert.kind} local minimum with loss {loss:.6g} > optimum "
                                   f"{opt_loss:.6g} ({cert.reason})"), **stats)
    return Outcome.band(note=f"{label}: loss {loss:.6g} vs optimum {opt_loss:.6g}, certificate {cert.kind}"
                             + (f", first-order condition {fo.outcome} (exact)" if fo is not None else ""),
                        reached=cert.kind, **stats)


def linear_run_outcome(dims: tuple[int, ...], n: int, data_seed: int, init_seed: int, scale: float) -> Outcome:
    """L-BFGS (strong Wolfe, float64) + Newton steps from a random start; then :func:`linear_point_outcome`.

    An end point above ``L*`` is re-optimised (up to 3 rounds) from a representative with the same product:
    the rebalanced factors (``W_k -> c_k W_k``, :meth:`DeepLinear.balance`), or -- when the exact first-order
    condition (:func:`linear_first_order`) says it is not a critical point, i.e. the factors drifted along a
    direction that balancing by norms does not undo -- a balanced factorisation of its product
    (:func:`balanced_factorisation`)."""
    x, y = linear_data(dims, n, data_seed)
    net = DeepLinear(dims)
    lf = net.loss_fn(x, y)
    opt = reduced_rank_optimum(x, y, net.bottleneck)
    rng = np.random.default_rng(init_seed)
    run = certify.refine_stationary(lf, net.init(rng, scale), max_iter=3000, newton_steps=10)
    w, rounds, iters, refactored = run.w, 0, run.iterations, 0
    yscale = 0.5 * float(np.sum(y**2))
    while rounds < 3 and tolerance.equal(float(lf(w)), opt.loss, scale=yscale).outcome != "zero":
        # undo drift along the weight-space symmetries (same product, same loss), then optimise again
        drifted = linear_first_order([m.numpy() for m in net.unflatten(w)], x, y)[0].outcome == "nonzero"
        again = certify.refine_stationary(lf, balanced_factorisation(net, w) if drifted else net.balance(w), max_iter=1000,
                                          newton_steps=10)
        w, rounds, iters, refactored = again.w, rounds + 1, iters + again.iterations, refactored + drifted
    w = net.balance(w)
    payload = {"dims": list(dims), "n": n, "data_seed": data_seed, "init_seed": init_seed, "scale": scale,
               "weights": w.tolist()}
    stats = {"dims": list(dims), "H": len(dims) - 1, "bottleneck": net.bottleneck, "n": n, "init_scale": scale,
             "lbfgs_iterations": iters, "rebalancing_rounds": rounds, "refactored_rounds": refactored}
    return linear_point_outcome(lf, w, opt.loss, yscale, payload, rng, "random start", stats,
                                linear_first_order([m.numpy() for m in net.unflatten(w)], x, y))


@st.composite
def _linear_examples(draw):
    d0, dy = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    h = draw(st.integers(2, 4))
    r = draw(st.integers(1, min(d0, dy) - 1))  # a genuine bottleneck: the rank constraint is active
    mids = [draw(st.integers(r, 5)) for _ in range(h - 1)]
    mids[draw(st.integers(0, h - 2))] = r
    n = d0 + draw(st.integers(0, 4))  # X of full row rank (the essay's hypothesis) a.s.
    return (d0, *mids, dy), n, draw(seeds()), draw(seeds()), draw(st.sampled_from([0.05, 0.3, 1.0, 3.0]))


def _linear_fixture_outcome(fx: _fixtures.Fixture, rng: np.random.Generator) -> Outcome | None:
    x, y = fx.x, fx.y
    if np.linalg.matrix_rank(x) < x.shape[0]:
        return None  # the essay assumes X of full rank
    dp = min(fx.spec.d0, *fx.spec.widths, fx.spec.d_out)
    opt = reduced_rank_optimum(x, y, dp)
    lf = fx.loss_fn()  # the fixture's loss: sum of squares = 2 x eq. (3)
    return linear_point_outcome(lf, fx.flat(), 2 * opt.loss, float(np.sum(y**2)), {"fixture": fx.id}, rng,
                                fx.id, {"fixture": fx.id, "source": fx.source, "kind": fx.kind},
                                linear_first_order(fx.weights, x, y))


#: The hypotheses of the deep-linear claim a fixture must meet (cross-examination, :func:`landscape._lib.fixtures.select`).
LINEAR_REQUIRES = {"activation": "linear", "bias": False, "loss": "squared"}


def _linear_fixtures() -> list[_fixtures.Fixture]:
    return _fixtures.select(LINEAR_REQUIRES).matched


def _drift_notes(rebal: int, refac: int) -> list[str]:
    """The notes on runs re-optimised after drifting along a weight-space symmetry (``rebal`` rebalanced,
    ``refac`` of them refactored)."""
    rebalanced = prose.sentence(
        f"{rebal} run(s) drifted along the rescaling symmetry (one W_k -> 0, another -> infinity),",
        "where the curvature scale makes the point look stationary at a loss above L*;",
        "rebalancing the factors (same product, same loss) and re-optimising reached L*.")
    refactored = prose.sentence(
        f"{refac} of them drifted along a symmetry that balancing the norms does not undo",
        "(factors of norm ~ 10^2 with an O(1) product, Hessian eigenvalues ~ 10^15):",
        "the exact first-order condition R^T G = G R^T = 0 (G = dL_shallow/dR) certified the end point non-stationary,",
        "and a balanced factorisation of its product was re-optimised instead.")
    return ([rebalanced] if rebal else []) + ([refactored] if refac else [])


def _linear_tried(runs: int, fixtures: int) -> str:
    """The ``tried`` prose of ``golikov.linear.no_bad_minima``."""
    optimiser = prose.clauses(
        prose.clauses("strong Wolfe", "<= 3000 iterations", "<= 10 Newton steps", sep=", "),
        "if not at the optimum, up to 3 rounds of rebalancing W_k -> c_k W_k, or refactoring the product "
        "when the exact first-order condition fails, and re-optimising")
    certificate = prose.clauses(
        "exact first-order condition R^T G = G R^T = 0", "gradient", "Hessian spectrum", "neighbourhood attack", sep=", ")
    return prose.clauses(
        f"{runs} L-BFGS runs {prose.paren(optimiser)} from random starts "
        "on deep linear nets with H = 2..4 layers and an active bottleneck",
        f"each end point equal to the closed-form optimum by the tolerance policy, or certified {prose.paren(certificate)}",
        f"{fixtures} fixtures with linear activation certified the same way")


#: (dims, n, data seed) of the basin statistics of ``golikov.linear.no_bad_minima`` (the fixtures' shapes).
_BASIN_PROBLEMS = [((3, 2, 3), 6, 11), ((3, 2, 2, 3), 6, 12)]


def linear_basins(ctx: Context) -> list[dict]:
    """Basin statistics, informational (no outcome): :func:`landscape._lib.multistart.multistart` with ``16 x draws``
    starts at once on each of :data:`_BASIN_PROBLEMS` -- the fraction of starts reaching the closed-form optimum
    ``L*`` and the distinct endpoints above it with their certificates.  A failure is recorded, never raised."""
    from landscape._lib.multistart import multistart

    out = []
    for dims, n, data_seed in _BASIN_PROBLEMS:
        x, y = linear_data(dims, n, data_seed)
        net = DeepLinear(dims)
        opt = reduced_rank_optimum(x, y, net.bottleneck).loss
        seed = int(ctx.rng("golikov-linear-basins", dims).integers(2**31))
        row: dict = {"dims": list(dims), "n": n, "data_seed": data_seed, "seed": seed, "optimum": opt}
        try:
            res = multistart(net.loss_fn(x, y), net.init, 16 * ctx.draws, seed=seed, device="cpu", steps=300,
                             distance=None, certify_kwargs={"samples": 8, "attack_starts": 1, "attack_steps": 10})
        except (LandscapeError, ArithmeticError, RuntimeError, np.linalg.LinAlgError) as e:
            out.append(row | {"error": f"{e.__class__.__name__}: {e}"})
            continue
        yscale = 0.5 * float(np.sum(y**2))
        at_opt = [e for e in res.endpoints if tolerance.equal(e.loss, opt, scale=yscale).outcome == "zero"]
        out.append(row | {"starts": res.starts, "fraction_at_optimum": sum(e.count for e in at_opt) / res.starts,
                          "spurious_fraction": res.spurious_fraction, "seconds": sum(res.seconds.values()),
                          "endpoints": res.basins()})
    return out


@claim(
    "golikov.linear.no_bad_minima",
    title="Deep linear nets: every local minimum is global (the rank-constrained optimum)",
    source=f"{PAPER}, section 2.1.1, eq. (3)-(4) (Theorems 2.1-2.3 of Lu & Kawaguchi 2017)",
    statement=("For 1/2 ||Y - W_H ... W_1 X||_F^2 with X of full rank, every local minimum is global, with the value "
               "of the rank-constrained problem min_{rank R <= d_p} 1/2 ||Y - R X||_F^2 (d_p the bottleneck width)."),
    hypotheses=("H = 2..4 layers, a bottleneck d_p < min(d_0, d_H)", "X (d_0 x n, n >= d_0) and Y Gaussian",
                "L-BFGS from Gaussian starts at scales 0.05..3; fixtures with linear activation (cross-examination)"),
)
def check_linear(ctx: Context) -> Result:
    res = ctx.search(_linear_examples(), lambda ex: linear_run_outcome(*ex), label="random starts",
                     max_examples=ctx.max_examples)
    fx_outs = [o for o in (_linear_fixture_outcome(f, ctx.rng("golikov-linear-fx", f.id)) for f in _linear_fixtures())
               if o is not None]
    exc = [math.log10(max(abs(o.stats["relative_excess"]), 1e-17)) for o in res.outcomes if "relative_excess" in o.stats]
    reached = {}
    for o in res.outcomes + fx_outs:
        k = o.stats.get("reached", o.status)
        reached[k] = reached.get(k, 0) + 1
    fig1 = {"kind": "hist", "title": "Random starts: log10 |L - L*| / L* (L* the reduced-rank regression optimum)",
            "xlabel": "log10 relative excess (clipped at 1e-17)", "ylabel": "starts", "data": {"L-BFGS": exc}}
    fig2 = {"kind": "bar", "title": "Fixtures (critical points): loss / L*", "xlabel": "fixture", "ylabel": "L / L*",
            "data": {o.stats["fixture"]: o.stats["loss"] / max(o.stats["optimum"], 1e-300) for o in fx_outs}}
    fails = [o for o in fx_outs if o.status == "fails"]
    rebal = sum(1 for o in res.outcomes if o.stats.get("rebalancing_rounds"))
    refac = sum(1 for o in res.outcomes if o.stats.get("refactored_rounds"))
    basins = linear_basins(ctx)
    fig3 = {"kind": "bar", "title": "Basin statistics (multistart, informational): fraction of starts reaching L*",
            "xlabel": "dims", "ylabel": "fraction of starts",
            "data": {"-".join(map(str, b["dims"])): b["fraction_at_optimum"] for b in basins if "error" not in b}}
    return merge([res], extra=fails + [o for o in fx_outs if o.status != "fails"],
                 notes=_drift_notes(rebal, refac),
                 statistics={"basins": basins,
                             "reached": reached, "runs_rebalanced": rebal, "runs_refactored": refac,
                             "fixture_selection": _fixtures.select(LINEAR_REQUIRES).summary(), "fixtures": [{k: o.stats.get(k) for k in
                                                               ("fixture", "loss", "optimum", "certificate", "reason")}
                                                              for o in fx_outs]},
                 tried=_linear_tried(res.examples, len(fx_outs)),
                 figures=[fig1, fig2, fig3])


@check_linear.replayer
def _replay_linear(p: dict) -> Outcome:
    rng = np.random.default_rng(0)
    if "fixture" in p:
        fx = {f.id: f for f in _fixtures.all_fixtures()}.get(str(p["fixture"]))
        if fx is None:
            raise LandscapeError(f"fixture {p['fixture']!r} is not in the library")
        o = _linear_fixture_outcome(fx, rng)
        return o if o is not None else Outcome.band(note="hypotheses no longer met")
    dims = tuple(_p.require_ints(p, "dims", 1, _p.MAX_WIDTH, min_len=2, max_len=_p.MAX_DEPTH + 1))
    x, y = linear_data(dims, _p.require_int(p, "n", 1, _p.MAX_N), _p.require_seed(p, "data_seed"))
    net = DeepLinear(dims)
    w = torch.as_tensor(_p.require_flat(p, "weights", net.n_params()))
    return linear_point_outcome(net.loss_fn(x, y), w, reduced_rank_optimum(x, y, net.bottleneck).loss,
                                0.5 * float(np.sum(y**2)), p, rng, "replayed point", {"dims": list(dims)},
                                linear_first_order([m.numpy() for m in net.unflatten(w)], x, y))


#: (dims, subset of singular directions, n, data seed) of the linear fixtures.
_LINEAR_CRITICAL = [((3, 2, 3), [0, 1], 6, 11), ((3, 2, 3), [0, 2], 6, 11), ((3, 2, 2, 3), [], 6, 12),
                    ((3, 2, 2, 3), [1], 6, 12)]


@_fixtures.builder("golikov.linear.critical")
def linear_critical_fixtures() -> list[_fixtures.Fixture]:
    """Critical points of deep linear nets built from singular directions (:func:`subset_critical_point`).

    The top-``d_p`` subset is the global minimum; the others are saddles with a higher
    loss -- ``W = 0`` and ``|S| < d_p`` with ``H = 3`` are degenerate saddles (no negative
    Hessian eigenvalue).  Loss in the fixture convention: sum of squares (2 x eq. (3)).
    """
    out = []
    for dims, sub, n, seed in _LINEAR_CRITICAL:
        x, y = linear_data(dims, n, seed)
        ws = subset_critical_point(x, y, dims, sub)
        opt = reduced_rank_optimum(x, y, min(dims))
        loss = float(np.sum((y - _prod(ws) @ x) ** 2))
        top = sub == list(range(min(dims)))
        out.append(_fixtures.Fixture(
            id=f"golikov.linear.critical[{'-'.join(map(str, dims))},S={sub}]", source="golikov.linear.no_bad_minima",
            kind="global_min" if top else "stationary", spec=MLPSpec(dims[0], tuple(dims[1:-1]), dims[-1], "linear", False),
            weights=ws, x=x, y=y,
            facts={"loss": loss, "global_inf": 2 * opt.loss, "stationary": True, "saddle": not top,
                   "lower_loss_witness": 2 * opt.loss, "degenerate_saddle": (not top) and len(dims) >= 4 and
                   len(sub) < min(dims)}))
    return out


def _prod(ws: list[np.ndarray]) -> np.ndarray:
    r = ws[0]
    for w in ws[1:]:
        r = w @ r
    return r
