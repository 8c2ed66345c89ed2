"""Layer outputs are normalised at initialisation: eq. (2) and the paragraph after it,
Lemma B.1 of ``002_7f4fd584f3752d2b.txt`` -- ``du.normalisation``: with c_sigma,
| ||x^(h)||^2 - 1 | shrinks at least like m^(-1/2).
"""

from __future__ import annotations

import numpy as np

from landscape._lib import payload as _p
from landscape._core.context import Context, Outcome, Result, merge
from landscape._core.registry import claim
from landscape._lib import kernels, trend
from landscape._lib import prose
from landscape._lib.networks.du import DuArchitecture, sphere_data
from landscape.claims.du._common import DELTA, PAPER, SMOOTH, decided, quick, seed_lists, thorough

def _norm_widths(ctx: Context) -> list[int]:
    """Widths of the normalisation trend (H = 4: three m x m matrices per network)."""
    if quick(ctx):
        return [64, 256, 1024]
    return [64, 128, 256, 512, 1024, 2048] + ([4096] if thorough(ctx) else [])


#: du.normalisation: 8 unit-norm points of R^4 (data seed 3), H = 4, 4 networks per width.
NORM_N, NORM_D, NORM_DATA_SEED, NORM_H, NORM_REPS = 8, 4, 3, 4, 4


def _norm_seeds(ctx: Context, act: str, replicate: int = 0) -> list[tuple[int, list[int]]]:
    """One independent initialisation seed per (activation, width, network): widths never share
    rows of W^(1) (``init`` draws W^(1) first, so a shared seed would repeat them).  ``replicate``
    > 0: the independent seeds of a confirmation (:func:`trend.confirm`)."""
    extra = ("replicate", replicate) if replicate else ()
    return [(m, [int(ctx.rng("du-normalisation", act, m, s, *extra).integers(2**31)) for s in range(NORM_REPS)])
            for m in _norm_widths(ctx)]


def normalisation_trend(act: str, seeds: list[tuple[int, list[int]]], *, n: int = NORM_N, d: int = NORM_D,
                        H: int = NORM_H, data_seed: int = NORM_DATA_SEED) -> dict:
    """max over layers h >= 1 and points of | ||x^(h)||^2 - 1 | per network, its log-log slope
    against m (all widths and the 3 largest) and the decision of :func:`trend.decay_at_least`."""
    x = sphere_data(n, d, data_seed).numpy()
    ms, devs = [], []
    for m, ss in seeds:
        for s in ss:
            arch = DuArchitecture(d, m, H, act, "fc")
            layers = kernels.empirical_layer_kernels(arch, arch.init(s), x)
            devs.append(max(float(np.max(np.abs(np.diag(kk) - 1.0))) for kk in layers[1:]))
            ms.append(m)
    sl, tail = trend.fit(ms, devs), trend.fit_tail(ms, devs)
    top = max(ms)
    return {"slope": sl, "tail": tail, "decision": trend.decay_at_least(sl, -0.5, tail=tail), "ms": ms, "devs": devs,
            "largest_width_mean_deviation": float(np.mean([v for m, v in zip(ms, devs) if m == top])),
            "payload": {"activation": act, "n": n, "d": d, "H": H, "data_seed": data_seed,
                        "seeds": [[m, ss] for m, ss in seeds]}}


@claim(
    "du.normalisation",
    title="With c_sigma each layer's output is approximately normalised at initialisation",
    source=f"{PAPER}, eq. (2) and the paragraph after it; Theorem 5.1's n/delta term (Lemma B.1)",
    statement=("For unit-norm inputs, ||x^(h)||_2 is close to 1 at every layer h, the deviation shrinking at least "
               "like m^(-1/2) (the Chebyshev rate behind the m = Omega(n/delta) condition)."),
    hypotheses=("FC network", "activations " + ", ".join(SMOOTH + ["relu"]), "H = 4", "8 unit-norm points in R^4"),
)
def check_normalisation(ctx: Context) -> Result:
    outs, fits = [], {}
    for act in SMOOTH + ["relu"]:
        t = normalisation_trend(act, _norm_seeds(ctx, act))
        dec = trend.confirm_measured(t, lambda: normalisation_trend(act, _norm_seeds(ctx, act, 1)))
        sl = t["slope"]
        fits[act] = sl.as_dict() | {"largest_widths": t["tail"].as_dict(),
                                    "largest_width_mean_deviation": t["largest_width_mean_deviation"], "rule": dec.note,
                                    "replicated": t["replicate"] is not None}
        if t["replicate"] is not None:
            fits[act]["replicate"] = t["replicate"]["slope"].as_dict() | {
                "largest_widths": t["replicate"]["tail"].as_dict()}
        outs.append(decided(dec, t["payload"], note=f"{act}: {dec.note}", activation=act, slope=sl.as_dict()))
    return merge([], extra=outs, statistics={"fits": fits, "theorem_width_n_over_delta": NORM_N / DELTA},
                 tried=normalisation_tried(ctx))


def normalisation_tried(ctx: Context) -> str:
    """The ``tried`` text of ``du.normalisation``."""
    setup = prose.clauses(
        f"widths {_norm_widths(ctx)} x {NORM_REPS} networks (an independent seed per activation, width and network)",
        f"H = {NORM_H}", f"{NORM_N} unit-norm points", sep=", ")
    rule = prose.clauses(
        "refuted if it lies entirely above -1/2 (slower than m^(-1/2) or no decay) on all widths and "
        "on the 3 largest alone, and again on independent seeds "
        "(a slowdown that does not replicate is decided by the replicate)",
        "inconclusive if only the 3 largest reach -1/2",
        "supported if the all-widths interval reaches -1/2 and lies below 0 "
        "(or reaches -1/2 and the 3 largest lie below 0 and reach -1/2)",
        "else too wide", sep=", ")
    return prose.sentence(
        prose.clauses(setup, "max over layers and points of | ||x^(h)||^2 - 1 |",
                      f"per activation the log-log slope against m with a 95% interval: {rule}") + ".",
        f"The n/delta term asks for m >~ {NORM_N / DELTA:.0f}: reached")


@check_normalisation.replayer
def _replay_normalisation(p: dict) -> Outcome:
    """Re-measure the refuting activation's trend at the stored widths and seeds (~1-2 s) and re-decide."""
    def measure(q: dict) -> dict:
        return normalisation_trend(_p.require_activation(q), seed_lists(q), n=_p.require_int(q, "n", 1, _p.MAX_N),
                                   d=_p.require_int(q, "d", 1, _p.MAX_DIM), H=_p.require_int(q, "H", 1, _p.MAX_DEPTH),
                                   data_seed=_p.require_seed(q, "data_seed"))

    dec, t = trend.replay_confirmed(p, measure)
    return decided(dec, t["payload"], slope=t["slope"].as_dict(), tail=t["tail"].as_dict())

