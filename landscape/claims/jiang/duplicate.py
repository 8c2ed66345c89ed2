"""Section 3.3.2: duplicated neurons give equal rows of H(w) and lower its rank
(``jiang.duplicate_neurons``, ``jiang.duplicate_neurons.overparameterized``)."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import reject
from hypothesis import strategies as st

from landscape import Context, Outcome, Result, claim
from landscape._lib import payload as _p
from landscape._lib import disparity as _disp
from landscape._lib import tolerance
from landscape._lib import train as _train
from landscape._lib import prose
from landscape._lib.networks.cube import JiangNet, fft_grid, measured_disparity
from landscape._lib.strategies import seeds
from landscape.claims.jiang._common import PAPER


def duplicate_outcome(m: int, nn: int, seed: int, steps: int) -> Outcome | None:
    """Duplicated tanh neurons (K = 1): equal rows, the rank against a generic network, persistence under GD.

    Regime M <= N (the rows of a generic network are independent): the rank must drop by
    exactly K + 2, i.e. s_{M-K-2} clearly non-zero -- robust to the measured discretisation
    error -- while the K + 2 equal rows make s_{M-K-1} ... structurally zero.  Regime
    M >= N + K + 2: the statement "the duplicate reduces the rank" is tested on s_N.
    Returns None when the generic network's H is not clearly of full rank min(M, N)
    (hypothesis unmet; counted by the caller).
    """
    k_dim = 1
    rng = np.random.default_rng(seed)
    net = JiangNet(k_dim, m, "tanh")
    generic = net.init(rng, scale=16.0).numpy()  # steep neurons: H is far better conditioned
    dup = generic.copy()
    r0, r1 = net.neuron_rows(0), net.neuron_rows(1)
    dup[r1] = dup[r0]
    n = (nn,)
    hg, eg = measured_disparity(net.spec, torch.as_tensor(generic), n)
    hd, ed = measured_disparity(net.spec, torch.as_tensor(dup), n)
    big_m, big_n = hg.M, hg.N
    lost = k_dim + 2
    rg = _disp.rank_with_error(hg.real, eg.spectral, target=min(big_m, big_n))
    rows_dec = tolerance.classify(float(np.max(np.abs(hd.real[r0] - hd.real[r1])))
                                  / max(float(np.max(np.abs(hd.real))), 1e-300))
    x = rng.random((5, k_dim))
    y = rng.normal(size=5)
    run = _train.gradient_descent(net.squared_loss(x, y), torch.as_tensor(dup), lr=1e-2, steps=steps,
                                  stride=max(1, steps // 10))
    drift = float(torch.max(torch.abs(run.w[r0] - run.w[r1])))
    drift_dec = tolerance.classify(drift / max(1.0, float(torch.max(torch.abs(run.w)))))
    regime = "M <= N" if big_m <= big_n else ("M >= N + K + 2" if big_m >= big_n + lost else "between")
    stats = {"m": m, "M": big_m, "N": big_n, "regime": regime, "generic_rank": rg.as_dict(),
             "rows_equal_rel": rows_dec.value, "rows_equal_decision": rows_dec.as_dict(), "drift_after_gd": drift,
             "drift_decision": drift_dec.as_dict(), "lost_dof": lost, "discretisation_generic": eg.as_dict(),
             "discretisation_duplicated": ed.as_dict()}
    payload = {"m": m, "n": nn, "seed": seed, "steps": steps}
    if rg.full is not True:
        return None  # hypothesis not met: the generic rows are not clearly independent
    if "band" in (rows_dec.outcome, drift_dec.outcome):
        return Outcome.band(note="equality of the duplicated rows or the GD drift in the tolerance band", **stats)
    if rows_dec.outcome == "nonzero" or drift_dec.outcome == "nonzero":
        return Outcome.fails(payload, max(rows_dec.margin, drift_dec.margin) if rows_dec.outcome == "nonzero" or
                             drift_dec.outcome == "nonzero" else 0.0,
                             note=(f"duplicated rows differ by {rows_dec.value:.2g} or the duplicates drifted apart by "
                                   f"{drift:.2g} under GD"), **stats)
    if regime == "M <= N":
        keep = _disp.rank_with_error(hd.real, ed.spectral, target=big_m - lost)  # s_{M-K-2}: must be non-zero
        gone = tolerance.rank(hd.real, target=big_m - lost + 1)  # s_{M-K-1}: structurally zero
        stats.update(duplicated_kept=keep.as_dict(), duplicated_dropped=gone.as_dict())
        if keep.full is True and gone.full is False:
            return Outcome.holds(min(rg.margin, keep.margin, rows_dec.margin, drift_dec.margin), **stats)
        if keep.full is False:
            return Outcome.fails(payload, keep.margin, note=(f"duplicating a neuron loses {lost} degrees of freedom but "
                                                             f"the rank drops by more (s_{big_m - lost} / s_1 = "
                                                             f"{keep.rank.s_normalised:.2e})"), **stats)
        return Outcome.band(note="the singular value that decides the rank of the duplicated H is undecided", **stats)
    keep = _disp.rank_with_error(hd.real, ed.spectral, target=big_n)  # the statement: s_N of the duplicate is 0
    stats.update(duplicated_kept=keep.as_dict())
    if keep.full is True:
        return Outcome.fails(payload, keep.margin,
                             note=(f"duplicating a neuron removes {lost} rows but the rank stays N = {big_n} "
                                   f"(M = {big_m}; s_N / s_1 = {keep.rank.s_normalised:.2e})"), **stats)
    if keep.full is False:
        return Outcome.holds(keep.margin, **stats)
    return Outcome.band(note="s_N of the duplicated H undecided (discretisation error)", **stats)


def _dup_tried(examples: int, skipped: int, steps: int) -> str:
    """What the duplicate-neuron claims tried: ``examples`` networks, ``skipped`` draws without a full-rank generic H."""
    nets = prose.paren("K = 1", "width 2..4", "hyperplanes through the cube", "weight scale 16", sep=", ")
    return prose.clauses(
        f"{examples} tanh networks {nets} with neuron 1 a copy of neuron 0 (w, b, a)",
        f"H on FFT grid {fft_grid(1)} with the error measured on the doubled grid",
        f"rank against the generic network ({skipped} draws skipped: generic H not clearly of full rank)",
        f"{steps} GD steps")


def _dup(ctx: Context, regime: str) -> Result:
    @st.composite
    def examples(draw):
        m = draw(st.integers(2, 4))
        big_m = 3 * m
        if regime == "under":  # M <= N: the rows of a generic network are independent
            nn = draw(st.integers((big_m - 1) // 2 + 1, 12))
        else:  # M >= N + lost dof: the paper's over-parameterised regime
            nn = draw(st.integers(1, max(1, (big_m - 3 - 1) // 2)))
        return m, nn, draw(seeds())

    steps = 50 * ctx.draws
    skipped = []

    def fn(ex):
        o = duplicate_outcome(*ex, steps=steps)
        if o is None:
            skipped.append(ex)
            reject()
        return o

    res = ctx.search(examples(), fn, label=f"duplicates ({regime})", max_examples=max(4, ctx.max_examples // 2))
    ranks = [{"M": o.stats["M"], "N": o.stats["N"], "generic_s": o.stats["generic_rank"]["s_normalised"],
              "duplicated_s": o.stats["duplicated_kept"]["s_normalised"],
              "duplicated_margin": o.stats["duplicated_kept"]["margin"], "status": o.status} for o in res.outcomes]
    errs = [max(o.stats["discretisation_generic"]["relative_spectral_error"],
                o.stats["discretisation_duplicated"]["relative_spectral_error"]) for o in res.outcomes]
    return res.result(statistics={"skipped_generic_not_full_rank": len(skipped), "ranks": ranks,
                                  "max_relative_discretisation_error_of_H": max(errs) if errs else None},
                      tried=_dup_tried(res.examples, len(skipped), steps))


@claim(
    "jiang.duplicate_neurons",
    title="Duplicated neurons give equal rows, lower the rank by the lost degrees of freedom, and stay duplicated",
    source=f"{PAPER}, section 3.3.2",
    statement=("Two neurons with identical input and output weights give equal rows of H(w); the rank drops by the "
               "degrees of freedom lost (K + 2); gradient descent keeps them duplicated."),
    hypotheses=("tanh two-layer networks, K = 1", "M <= N (the rows of a generic network are independent)"),
)
def check_dup(ctx: Context) -> Result:
    return _dup(ctx, "under")


@claim(
    "jiang.duplicate_neurons.overparameterized",
    title="Duplicated neurons lower the rank of H(w) also when M >= N",
    source=(f"{PAPER}, section 3.3.2 ('The rows of H(w) corresponding to duplicated neurons are the same so that its "
            "rank is reduced') and section 3.3.3"),
    statement="In the regime M >= N + K + 2, duplicating one neuron reduces the rank of H(w) below N.",
    hypotheses=("tanh two-layer networks, K = 1", "M >= N + K + 2"),
    paper="refuted",
    expected="refuted",
    why=("The paper does not claim this: section 3.3.3 says H 'becomes singular only after at least M - N neurons "
         "become dead or duplicated or coordinated'. One duplicate makes K + 2 rows equal; the other M - K - 2 >= N "
         "rows still span all N columns, and the suite measures rank N (s_N clearly non-zero, robust to the "
         "discretisation error). 'Its rank is reduced' (section 3.3.2) holds where the rows were needed, M <= N "
         "(jiang.duplicate_neurons)."),
)
def check_dup_over(ctx: Context) -> Result:
    return _dup(ctx, "over")


def _replay_dup(p: dict) -> Outcome:
    o = duplicate_outcome(_p.require_int(p, "m", 1, _p.MAX_WIDTH), _p.require_int(p, "n", 0, (_p.MAX_N - 1) // 2),
                          _p.require_seed(p), _p.require_int(p, "steps", 0, _p.MAX_STEPS))
    return o if o is not None else Outcome.band(note="generic H no longer clearly of full rank")


check_dup.replayer(_replay_dup)
check_dup_over.replayer(_replay_dup)
