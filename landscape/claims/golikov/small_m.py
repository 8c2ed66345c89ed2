"""Golikov, section 2.2, eq. (11) and (13) with the width hypothesis ``m = Omega(n^6/lambda_0^4)``
removed: the bounds of ``golikov.du2019.lambda_min`` / ``.decay`` at widths ``m <= 8``
(``golikov.du2019.lambda_min.small_m``, ``golikov.du2019.decay.small_m``), one GD run per example
(:func:`small_m_outcome`)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from landscape import Context, Outcome, Result, claim
from landscape._lib import payload as _p
from landscape._lib import tolerance
from landscape._lib.networks.two_layer import independent_rng, train_two_layer, unit_rows
from landscape._lib.strategies import seeds
from landscape.claims.golikov._common import D_DU, N_DU, PAPER


def small_m_outcome(kind: str, x: np.ndarray, y: np.ndarray, m: int, seed: int) -> Outcome:
    """One GD run at a small width: ``fails`` if the bound of ``kind`` (lam / decay) is clearly violated.
    The initialisation comes from an independent stream of ``seed`` (:func:`independent_rng`)."""
    r = train_two_layer(x, y, m, int(independent_rng(seed, 10).integers(2**31)))
    viol = r[f"{kind}_violations"]
    first = r["first_lam_violation" if kind == "lam" else "first_decay_violation"]
    stats = {"m": m, "n": x.shape[0], "d": x.shape[1], "lambda0": r["lambda0"], "steps": r["steps"], "eta": r["eta"],
             "violations": viol, "first_violation_step": first, "min_lambda_ratio": r["lam_worst_ratio"],
             "max_decay_ratio": r["decay_worst_ratio"], "final_relative_residual": r["r2"][-1] / max(r["r2"][0], 1e-300),
             "rank_bound_dm": x.shape[1] * m}
    payload = {"kind": kind, "x": x.tolist(), "y": y.tolist(), "m": m, "seed": seed}
    stats |= {"complete": r["complete"], "diverged": r["diverged"], "planned_steps": r["planned_steps"]}
    total = r["steps"] + 1 + int(r["diverged"])
    if viol > 0:
        k = first
        blow = r["diverged"] and k == r["blowup_step"]  # the step that blew up (recorded apart)
        if kind == "lam":
            lm = r["blowup_lam_min"] if blow else r["lam_min"][k]
            dec = (tolerance.at_most(r["lambda0"] / 2, lm) if math.isfinite(lm)
                   else tolerance.Decision(math.inf, "nonzero", math.inf))
            note = (f"m = {m}: lambda_min(H(k)) = {lm:.3g} < lambda_0/2 = {r['lambda0'] / 2:.3g} at step "
                    f"{k} (t = {k * r['eta']:.3g}{', where GD blew up' if blow else ''}); {viol} of {total} steps "
                    "violate it")
        else:
            rr = r["blowup_r2"] if blow else r["r2"][k]
            bound = math.exp(-r["lambda0"] * k * r["eta"]) * r["r2"][0]
            dec = (tolerance.at_most(rr, bound) if math.isfinite(rr)
                   else tolerance.Decision(math.inf, "nonzero", math.inf))
            note = (f"m = {m}: ||u - y||^2 = {rr:.3g} > exp(-lambda_0 t)||u(0) - y||^2 = {bound:.3g} at "
                    f"t = {k * r['eta']:.3g}{' (GD blew up there)' if blow else ''}; {viol} of {total} steps violate it")
        return Outcome.fails(payload, dec.margin, note=note, **stats)
    if r[f"{kind}_band"] > 0:
        return Outcome.band(note="a step in the tolerance band", **stats)
    if not r["complete"]:
        return Outcome.band(note=f"GD blew up at step {r['blowup_step']} with the bound still met: the run is "
                                 "incomplete, not a clean run", **stats)
    worst = r["lam_worst_ratio"] if kind == "lam" else 1.0 / max(r["decay_worst_ratio"], 1e-300)
    return Outcome.holds(math.log10(max(worst, 1e-300)), **stats)


def _small_m(ctx: Context, kind: str) -> Result:
    @st.composite
    def examples(draw):
        rng = np.random.default_rng(draw(seeds()))
        return unit_rows(rng, N_DU, D_DU), rng.uniform(-1, 1, size=N_DU), draw(st.integers(1, 8)), draw(seeds())

    res = ctx.search(examples(), lambda ex: small_m_outcome(kind, *ex), label=f"small widths ({kind})",
                     max_examples=ctx.max_examples)
    by_m: dict[int, list[int]] = {}
    for o in res.outcomes:
        by_m.setdefault(o.stats["m"], []).append(int(o.status == "fails"))
    return res.result(statistics={"violating_runs_by_m": {str(m): f"{sum(v)}/{len(v)}" for m, v in sorted(by_m.items())}},
                      tried=(f"{res.examples} GD runs at widths m = 1..8 (n = {N_DU}, d = {D_DU}, fresh data, labels "
                             "and initialisation per run); every step decided"))


@claim(
    "golikov.du2019.lambda_min.small_m",
    title="lambda_min(H(t)) >= lambda_0/2 at small widths",
    source=f"{PAPER}, section 2.2, eq. (13); the width hypothesis m = Omega(n^6/lambda_0^4) removed",
    statement="With m <= 8 hidden units, lambda_min(H(t)) >= lambda_0/2 still holds throughout training.",
    hypotheses=("m in 1..8", "otherwise as golikov.du2019.lambda_min"),
    paper="refuted",
    expected="refuted",
    why=("H(t) = (X X^T) o (A A^T)/m has rank <= d m: with d m < n it is singular; and at small m the activation "
         "patterns at initialisation are far from their expectation."),
)
def check_lambda_min_small(ctx: Context) -> Result:
    return _small_m(ctx, "lam")


@claim(
    "golikov.du2019.decay.small_m",
    title="||u(t) - y||^2 <= exp(-lambda_0 t) ||u(0) - y||^2 at small widths",
    source=f"{PAPER}, section 2.2, eq. (11); the width hypothesis removed",
    statement="With m <= 8 hidden units, the residual still decays at least like exp(-lambda_0 t).",
    hypotheses=("m in 1..8", "otherwise as golikov.du2019.decay"),
    paper="refuted",
    expected="refuted",
    why="A narrow net cannot fit n generic labels (or does so more slowly): the residual stalls above the envelope.",
)
def check_decay_small(ctx: Context) -> Result:
    return _small_m(ctx, "decay")


def _replay_small(p: dict) -> Outcome:
    x = _p.require_matrix(p, "x", _p.MAX_N, _p.MAX_DIM)
    return small_m_outcome(_p.require_choice(p, "kind", ("lam", "decay")), x,
                           _p.require_vector(p, "y", length=x.shape[0]), _p.require_int(p, "m", 1, _p.MAX_WIDTH),
                           _p.require_seed(p))



check_lambda_min_small.replayer(_replay_small)
check_decay_small.replayer(_replay_small)
