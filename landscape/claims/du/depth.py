"""Depth dependence of the initial perturbation: section 4, eq. (4)-(5) of
``002_7f4fd584f3752d2b.txt`` -- ``du.depth``: at fixed width the relative ||G^(H)(0) - K^(H)||_2
may grow like 2^O(H) for the FC network but stays O(1) in H for the ResNet.
"""

from __future__ import annotations

import math

import numpy as np

from landscape._lib import payload as _p
from landscape._core.context import Context, Outcome, Result, merge
from landscape._core.registry import claim
from landscape._lib import kernels, trend
from landscape._lib import prose
from landscape._lib.errors import LandscapeError
from landscape._lib.networks.du import sphere_data
from landscape.claims.du._common import PAPER, decided, gram_error, quick, seed_lists, theorem_widths


#: du.depth: softplus, n = 12 points of R^4 (data seed 11), width 256, depths 2..16.
DEPTH_N, DEPTH_D, DEPTH_DATA_SEED, DEPTH_ACT, DEPTH_M, DEPTHS = 12, 4, 11, "softplus", 256, (2, 4, 8, 16)


def depth_errors(kind: str, seeds: list[tuple[int, list[int]]], *, m: int = DEPTH_M, act: str = DEPTH_ACT,
                 n: int = DEPTH_N, d: int = DEPTH_D, data_seed: int = DEPTH_DATA_SEED) -> tuple[dict, dict]:
    """Relative ||G^(H)(0) - K^(H)||_2 / ||K^(H)||_2 per depth H (``seeds``: per H the network
    seeds) and the theorems' widths for these data."""
    x = sphere_data(n, d, data_seed).numpy()
    rel, widths = {}, {}
    for H, ss in seeds:
        k = kernels.analytic_gram(x, H, act, kind).K
        kn = float(np.linalg.norm(k, 2))
        widths[f"{kind} H={H}"] = theorem_widths(n, float(np.linalg.eigvalsh(k)[0]), H, kind)["max"]
        rel[H] = [gram_error(kind, act, x, H, m, s, k) / kn for s in ss]
    return rel, widths


def depth_decision(rel: dict[int, list[float]]) -> tuple[trend.TrendDecision, trend.Slope]:
    """The ResNet's relative error against H: holds if it can grow at most x3 over the depth
    range (upper end of the 95% interval of the log10 slope) and stays below 1 on average,
    fails if it grows by more than x1.1 per layer (lower end), else band."""
    depths = sorted(rel)
    r = trend.fit([h for h in depths for _ in rel[h]], [v for h in depths for v in rel[h]], loglog=False, logy=True)
    worst = max(float(np.mean(v)) for v in rel.values())
    span = depths[-1] - depths[0]
    ok_slope = math.log10(3.0) / span  # O(1): at most x3 over the whole depth range (upper 95% bound)
    bad_slope = math.log10(1.1)  # exponential: more than x1.1 per layer (lower 95% bound)
    g = 10 ** r.slope
    if r.high <= ok_slope and worst < 1.0:
        return trend.TrendDecision("holds", (ok_slope - r.high) * span, f"ResNet growth per layer x{g:.3f}: O(1)"), r
    if r.low > bad_slope:
        return trend.TrendDecision("fails", (r.low - bad_slope) * span,
                                   f"ResNet relative error grows by x{g:.2f} per layer"), r
    return trend.TrendDecision("band", 0.0, f"ResNet growth per layer x{g:.3f}: neither O(1) nor exponential"), r


def depth_payload(seeds: list[tuple[int, list[int]]], m: int, act: str, n: int, d: int, data_seed: int) -> dict:
    """The replayable payload of the ResNet depth trend (:func:`_replay_depth`)."""
    return {"kind": "resnet", "m": m, "activation": act, "n": n, "d": d, "data_seed": data_seed,
            "seeds": [[h, ss] for h, ss in seeds]}


@claim(
    "du.depth",
    title="The initial perturbation grows with depth for FC nets but stays O(1) for the ResNet",
    source=f"{PAPER}, section 4, eq. (4)-(5)",
    statement=("At fixed width, ||G^(H)(0) - K^(H)||_2 (relative to ||K^(H)||_2) may grow like 2^O(H) for the FC "
               "network but stays O(1) in H for the ResNet."),
    hypotheses=("softplus", "m = 256", "H = 2, 4, 8, 16", "unit-norm data, n = 12"),
)
def check_depth(ctx: Context) -> Result:
    depths = list(DEPTHS)
    m = DEPTH_M
    reps = 4 if quick(ctx) else 6
    seeds = [(H, [77 * H + s + 10**6 * ctx.seed for s in range(reps)]) for H in depths]
    rel, widths = {}, {}
    for kind in ("fc", "resnet"):
        rel[kind], w = depth_errors(kind, seeds)
        widths |= w
    # the ResNet part is the falsifiable one: relative error bounded in H (no exponential growth)
    dec, _ = depth_decision(rel["resnet"])
    pooled = False
    if dec.status == "band":
        # the errors are heavy-tailed (one network at H = 16 can double a mean of 4): a band is re-decided on
        # twice the networks (the first ones plus as many on independent seeds), never on a replacement
        more = [(H, [77 * H + s + 10**6 * ctx.seed + trend.REPLICATE_OFFSET for s in range(reps)]) for H in depths]
        rel2, _ = depth_errors("resnet", more)
        seeds = [(H, ss + dict(more)[H]) for H, ss in seeds]
        rel["resnet"] = {h: rel["resnet"][h] + rel2[h] for h in depths}
        dec, _ = depth_decision(rel["resnet"])
        pooled = True
    fits = {kind: trend.fit([h for h in depths for _ in rel[kind][h]], [v for h in depths for v in rel[kind][h]],
                            loglog=False, logy=True) for kind in rel}
    stats = {"relative_error": {k: {str(h): v for h, v in d.items()} for k, d in rel.items()},
             "log10_growth_per_layer": {k: f.as_dict() for k, f in fits.items()}, "theorem_widths": widths,
             "rule": dec.note, "resnet_networks_per_depth": len(seeds[0][1]), "redecided_on_more_networks": pooled}
    o = decided(dec, depth_payload(seeds, m, DEPTH_ACT, DEPTH_N, DEPTH_D, DEPTH_DATA_SEED), **stats)
    fig = {"kind": "line", "title": f"Relative ||G^(H)(0) - K^(H)||_2 against depth (m = {m})", "xlabel": "H",
           "ylabel": "relative error", "logy": True,
           "series": {k.upper(): {"x": depths, "y": [float(np.mean(rel[k][h])) for h in depths]} for k in rel}}
    res = merge([], extra=[o], statistics=stats, tried=depth_tried(depths, m, reps, len(seeds[0][1]), pooled, widths),
                figures=[fig])
    res.notes.append(f"FC growth per layer: x{10 ** fits['fc'].slope:.3f} (the paper's 2^O(H) is an upper bound; with "
                     "c_sigma normalisation the FC perturbation need not explode at these depths).")
    return res


def depth_tried(depths: list[int], m: int, reps: int, resnet_networks: int, pooled: bool, widths: dict) -> str:
    """The ``tried`` text of ``du.depth``."""
    runs = prose.clauses(
        f"depths {depths}", f"width {m}",
        f"{reps} seeds " + prose.paren(f"{resnet_networks} for the ResNet"
                                       + (": a band re-decided on twice the networks" if pooled else "")),
        "softplus", "n = 12", sep=", ")
    rule = prose.clauses(
        "slope of log10(relative error) against H with a 95% interval",
        prose.clauses(
            "supported if the ResNet's error can grow at most x3 from H = 2 to H = 16 (upper bound of the interval)",
            "refuted if it grows by more than x1.1 per layer", sep=", ") + ".")
    widths_clause = prose.sentence(
        f"The theorems' widths for these data: {prose.span(widths.values(), '{:.1e}', sep=' .. ')}",
        "(constants dropped, delta = 0.1): the claim is about the trend in H at one affordable width")
    return prose.sentence(prose.clauses(runs, rule), widths_clause)


@check_depth.replayer
def _replay_depth(p: dict) -> Outcome:
    """Re-measure the ResNet's relative errors at the stored depths and seeds (~1 s) and re-decide."""
    if p.get("kind") != "resnet":
        raise LandscapeError(f"payload kind={p.get('kind')!r} is invalid; expected 'resnet'")
    seeds = seed_lists(p)
    m, act = _p.require_int(p, "m", 1, _p.MAX_WIDTH), _p.require_activation(p)
    n, d, ds = _p.require_int(p, "n", 1, _p.MAX_N), _p.require_int(p, "d", 1, _p.MAX_DIM), _p.require_seed(p, "data_seed")
    rel, _ = depth_errors("resnet", seeds, m=m, act=act, n=n, d=d, data_seed=ds)
    dec, fit = depth_decision(rel)
    return decided(dec, depth_payload(seeds, m, act, n, d, ds), fit=fit.as_dict(),
                    relative_error={str(h): v for h, v in rel.items()})
