"""The linear rate of gradient descent: Theorem 5.1 (FC) and Theorem 6.1 (ResNet) of
``002_7f4fd584f3752d2b.txt`` -- ``du.thm5_1.linear_rate`` and ``.resnet``: L(k) <= (1 - eta
lambda_min(K^(H))/2)^k L(0) for m large enough, decided on the trend over widths.
"""

from __future__ import annotations

import numpy as np

from landscape._core.context import Context, Outcome, Result, merge
from landscape._core.registry import claim
from landscape._lib import trend
from landscape._lib.errors import LandscapeError
from landscape.claims.du._common import PAPER, decided
from landscape.claims.du.training import (RATE_ACT, RATE_C_RES, RATE_D, RATE_H, RATE_MAX_STEPS, RATE_N, RATE_TARGET,
                                          eta_text, replayed_runs, runs_tried, training_runs)

def rate_decision(tr: dict) -> tuple[trend.TrendDecision, dict]:
    """:func:`trend.width_trend` on the runs: a run is clean if every planned step was recorded
    and decided within the bound (no violation, no band step)."""
    ms = sorted({r["m"] for r in tr["runs"]})
    by_m = {m: [r for r in tr["runs"] if r["m"] == m] for m in ms}
    bad = {m: float(np.mean([r["violations"] > 0 for r in rs])) for m, rs in by_m.items()}
    band = {m: float(np.mean([r["violations"] == 0 and r["band"] > 0 for r in rs])) for m, rs in by_m.items()}
    steps = {m: {"within": sum(r["within"] for r in rs), "violating": sum(r["violations"] for r in rs),
                 "band": sum(r["band"] for r in rs), "diverged_runs": sum(r["diverged"] for r in rs),
                 "incomplete_runs": sum(not r["complete"] for r in rs)} for m, rs in by_m.items()}
    clean = all(r["violations"] == 0 and r["band"] == 0 and r["complete"] for r in by_m[ms[-1]])
    dec = trend.width_trend(bad, top_clean=clean)
    return dec, {"lambda_min_K": tr["lambda_min"], "eta_rule": tr["eta_rule"], "fraction_of_runs_violating": bad,
                 "fraction_of_runs_with_band_steps_only": band, "steps_by_width": steps,
                 "bound_decay_reached": {m: float(np.max([r["bound_decay"] for r in rs])) for m, rs in by_m.items()},
                 "loss_decay_reached": {m: float(np.max([r["loss_decay"] for r in rs])) for m, rs in by_m.items()},
                 "eta_over_theorem": [min(r["eta_over_theorem"] for r in tr["runs"]),
                                      max(r["eta_over_theorem"] for r in tr["runs"])],
                 "theorem_widths": tr["theorem_widths"], "rule": dec.note}


def rate_claim(ctx: Context, kind: str) -> Result:
    """The rate claim for ``kind`` (fc / resnet): runs at the default step, a refutation confirmed
    at the theorem's step."""
    tr = training_runs(ctx, kind)
    dec, stats = rate_decision(tr)
    ms = sorted({r["m"] for r in tr["runs"]})
    top_runs = [r for r in tr["runs"] if r["m"] == ms[-1]]
    outs = []
    if dec.status == "holds":
        for r in top_runs:
            outs.append(Outcome.holds(r["min_log10_bound_over_loss"], m=ms[-1], seed=r["seed"], steps=r["steps"],
                                      bound_decay=r["bound_decay"]))
    elif dec.status == "fails":
        # a violation at eta = 0.5/lambda_max(G(0)) (above the theorem's order) is not a refutation: re-run the
        # smallest and largest widths at the theorem's step and refute only if the trend fails there too
        conf = training_runs(ctx, kind, eta_rule="theorem", widths=[ms[0], ms[-1]])
        dec2, stats2 = rate_decision(conf)
        stats["confirmation_at_theorem_eta"] = stats2
        if dec2.status == "fails":
            outs.append(Outcome.fails(conf["payload"] | {"trend": "width"}, dec2.margin,
                                      note=f"at the theorem's step ({eta_text(conf, kind)}): {dec2.note}", **stats))
        else:
            outs.append(Outcome.band(note=(f"at eta = 0.5/lambda_max(G(0)): {dec.note}; not confirmed at the theorem's "
                                           f"step ({dec2.note}): a violation at a larger step does not contradict the "
                                           "theorem"), **stats))
    else:
        outs.append(Outcome.band(note=dec.note, **stats))
    series = {}
    first_seed = {m: min(r["seed"] for r in tr["runs"] if r["m"] == m) for m in ms}
    for r in tr["runs"]:
        if r["seed"] == first_seed[r["m"]]:  # each run with the theorem's bound from its own L(0) and eta, dashed
            series[f"m={r['m']} loss"] = {"x": list(range(len(r["loss"]))), "y": [max(v, 1e-300) for v in r["loss"]]}
            series[f"m={r['m']} bound L(0)(1 - eta lambda_min/2)^k, eta = {r['eta']:.3g}"] = {
                "x": list(range(len(r["bound"]))), "y": r["bound"], "style": "--", "color_of": f"m={r['m']} loss"}
    thm = "5.1" if kind == "fc" else "6.1"
    fig = {"kind": "line", "title": (f"Theorem {thm}: L(k) (solid) against its bound L(0)(1 - eta lambda_min(K^(H))/2)^k "
                                     f"(dashed, same colour), lambda_min = {tr['lambda_min']:.3g} ({kind.upper()}, first "
                                     "seed per width)"),
           "xlabel": "GD step k", "ylabel": "training loss L(k) = 1/2 ||y - u(k)||^2 (log scale)", "logy": True,
           "series": series}
    return merge([], extra=outs, statistics=stats, tried=rate_tried(ctx, tr, kind),
                 figures=[fig])


def rate_tried(ctx: Context, tr: dict, kind: str) -> str:
    """The ``tried`` text of the rate claims."""
    return (runs_tried(ctx, tr, kind) + ". Every step decided by tolerance.at_most (band steps counted "
            "apart, never as within); supported if every run at the largest width recorded every planned "
            "step within the bound, refuted if at least half the runs there violate it and no fewer than at "
            "the smallest width (tendency against 'for m large enough') -- confirmed at the theorem's step "
            "-- else inconclusive")


def _replay_rate(p: dict) -> Outcome:
    """Re-run the stored runs (at the stored step rule: the theorem's for a refutation), each
    violating run only up to its recorded first violation, the others in full, and re-decide
    :func:`trend.width_trend` (standard widths at the theorem's step: FC ~15 s, ResNet ~20 s)."""
    if p.get("trend") != "width":
        raise LandscapeError(f"payload trend={p.get('trend')!r} is invalid; expected 'width'")
    tr = replayed_runs(p, truncate=True)
    dec, stats = rate_decision(tr)
    return decided(dec, p | {"runs": tr["payload"]["runs"]}, **stats)


@claim(
    "du.thm5_1.linear_rate",
    title="Theorem 5.1: L(k) <= (1 - eta lambda_min(K^(H))/2)^k L(0) for a wide FC network",
    source=f"{PAPER}, Theorem 5.1",
    statement="For m large enough and a small step eta, gradient descent on eq. (1) satisfies the linear-rate bound at every k.",
    hypotheses=(f"FC, {RATE_ACT}, H = {RATE_H}", f"n = {RATE_N} unit-norm points in R^{RATE_D}, |y| <= 1",
                "eta = 0.5 / lambda_max(G(0)) (a refutation is confirmed at the theorem's eta = lambda_min(K)/n^2)",
                f"run until the bound reaches {RATE_TARGET:g} L(0)"),
)
def check_rate(ctx: Context) -> Result:
    return rate_claim(ctx, "fc")


@claim(
    "du.thm5_1.linear_rate.resnet",
    title="Theorem 6.1: the linear-rate bound for a wide ResNet",
    source=f"{PAPER}, Theorem 6.1",
    statement="As du.thm5_1.linear_rate for the ResNet of eq. (3) with K^(H) of Definition 6.1.",
    hypotheses=(f"ResNet, {RATE_ACT}, H = {RATE_H}, c_res = {RATE_C_RES}", f"n = {RATE_N} unit-norm points in R^{RATE_D}",
                "eta = 0.5 / lambda_max(G(0)) (a refutation is confirmed at the theorem's eta = lambda_min(K) H^2/n^2)",
                f"run until the bound reaches {RATE_TARGET:g} L(0) (at most {RATE_MAX_STEPS} steps)"),
)
def check_rate_resnet(ctx: Context) -> Result:
    return rate_claim(ctx, "resnet")


for _c in (check_rate, check_rate_resnet):
    _c.replayer(_replay_rate)
