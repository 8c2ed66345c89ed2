"""The finite-width Gram matrix at initialisation converges to K^(H): section 4 ("Analysis of
Random Initialization"), Lemmas B.1-B.3 of ``002_7f4fd584f3752d2b.txt`` --
``du.kernel.matches_finite_width`` (FC) and ``.resnet``: ||G^(H)(0) - K^(H)||_2 ~ m^(-1/2) in the
width, at most ~ n sqrt(log n) in the number of points, decided on the trends.
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
from landscape.claims.du._common import (DELTA, PAPER, decided, gram_error, quick, seed_lists, theorem_widths,
                                         thorough, widths_text)

def _conc_widths(ctx: Context) -> dict[int, int]:
    """Widths of the concentration trend and the networks drawn at each (H = 3: two m x m
    matrices per network; one network costs ~1 s at m = 4096, ~4.5 s at 8192).  m = 64 is
    left out: there the error saturates near ||K|| (pre-asymptotic), flattening the slope.
    The per-network error is heavy-tailed (90th percentile 2-3x the median up to m ~ 512), so
    the cheap widths carry more networks."""
    if quick(ctx):
        return {128: 8, 256: 8, 512: 8, 1024: 8, 2048: 6}
    ws = {128: 20, 256: 20, 512: 20, 1024: 20, 2048: 10, 4096: 6, 8192: 3}
    return ws if not thorough(ctx) else {m: 2 * k for m, k in ws.items()}


#: Data and network of the concentration claims.  tanh on 12 points in R^16: its finite-width error is
#: nearly Gaussian from m = 128 on; softplus (non-zero mean: K^(H) close to rank one, lambda_min ~ 6e-4 on
#: 12 points of R^4) has heavy-tailed errors and a flattened (pre-asymptotic) slope below m ~ 2048.
CONC_N, CONC_D, CONC_H, CONC_ACT = 12, 16, 3, "tanh"
#: The data of the trend in m: ``sphere_data(CONC_N, CONC_D, CONC_DATA_SEED)``.
CONC_DATA_SEED = 7
#: Sizes of the trend in n (fresh data per n) and its width.
CONC_NS, CONC_N_WIDTH = (4, 8, 16, 32, 64), 1024


def _conc_seeds(ctx: Context, replicate: int = 0) -> list[tuple[int, list[int]]]:
    """Initialisation seeds of the trend in m: ``1000 m + s + 10^6 seed`` (distinct for every (m, s));
    a confirmation replicate adds ``replicate`` x :data:`trend.REPLICATE_OFFSET`."""
    off = replicate * trend.REPLICATE_OFFSET
    return [(m, [1000 * m + s + 10**6 * ctx.seed + off for s in range(reps)]) for m, reps in _conc_widths(ctx).items()]


def _conc_n_runs(ctx: Context, replicate: int = 0) -> list[tuple[int, list[tuple[int, int]]]]:
    """(data seed, initialisation seed) of the trend in n: data ``100 n + s``, networks
    ``7 000 000 + 97 n + s + 10^6 seed``; a confirmation replicate draws fresh data and networks
    (both seeds + ``replicate`` x :data:`trend.REPLICATE_OFFSET`)."""
    reps = 6 if quick(ctx) else 10
    off = replicate * trend.REPLICATE_OFFSET
    return [(n, [(100 * n + s + off, 7_000_000 + 97 * n + s + 10**6 * ctx.seed + off) for s in range(reps)])
            for n in CONC_NS]


def concentration(kind: str, seeds: list[tuple[int, list[int]]], *, n: int = CONC_N, d: int = CONC_D,
                  H: int = CONC_H, act: str = CONC_ACT, data_seed: int = CONC_DATA_SEED) -> dict:
    """||G^(H)(0) - K^(H)||_2 over widths (one network per seed, fixed data), the fitted log-log
    slope, the fit on the 3 largest widths and the decision of :func:`trend.decay_at_least`;
    ``payload`` replays it (:func:`_replay_concentration`)."""
    x = sphere_data(n, d, data_seed).numpy()
    k = kernels.analytic_gram(x, H, act, kind).K
    ms, errs, table = [], [], {}
    for m, ss in seeds:
        e = [gram_error(kind, act, x, H, m, s, k) for s in ss]
        table[m] = e
        ms += [m] * len(e)
        errs += e
    sl, tail = trend.fit(ms, errs), trend.fit_tail(ms, errs)
    return {"slope": sl, "tail": tail, "decision": trend.decay_at_least(sl, -0.5, tail=tail), "errors": table,
            "n": n, "d": d, "H": H, "activation": act, "kind": kind,
            "K_norm": float(np.linalg.norm(k, 2)), "lambda_min": float(np.linalg.eigvalsh(k)[0]),
            "payload": {"kind": kind, "trend": "m", "activation": act, "n": n, "d": d, "H": H, "data_seed": data_seed,
                        "seeds": [[m, ss] for m, ss in seeds]}}


def concentration_in_n(kind: str, runs: list[tuple[int, list[tuple[int, int]]]], *, m: int = CONC_N_WIDTH,
                       d: int = CONC_D, H: int = CONC_H, act: str = CONC_ACT) -> dict:
    """||G^(H)(0) - K^(H)||_2 at fixed width against n (``runs``: per n the (data seed,
    network seed) pairs), the fitted slope and the decision of :func:`trend.grows_at_most`
    against the slope of ``n sqrt(log(Hn/delta))``; ``payload`` replays it."""
    xs, errs, table = [], [], {}
    for n, pairs in runs:
        e = []
        for ds, ws in pairs:
            x = sphere_data(n, d, ds).numpy()
            k = kernels.analytic_gram(x, H, act, kind).K
            e.append(gram_error(kind, act, x, H, m, ws, k))
        table[n] = e
        xs += [n] * len(e)
        errs += e
    ns = [n for n, _ in runs]
    ref = trend.loglog_reference_slope(ns, lambda v: v * math.sqrt(math.log(H * v / DELTA)))
    sl = trend.fit(xs, errs)
    return {"slope": sl, "errors": table, "m": m, "ns": ns, "reference": ref, "decision": trend.grows_at_most(sl, ref),
            "payload": {"kind": kind, "trend": "n", "activation": act, "m": m, "d": d, "H": H,
                        "runs": [[n, [list(p) for p in pairs]] for n, pairs in runs]}}


def _concentration_claim(ctx: Context, kind: str) -> Result:
    c = concentration(kind, _conc_seeds(ctx))
    sl: trend.Slope = c["slope"]
    dm = trend.confirm_measured(c, lambda: concentration(kind, _conc_seeds(ctx, 1)))
    cn = concentration_in_n(kind, _conc_n_runs(ctx))
    dn = trend.confirm_measured(cn, lambda: concentration_in_n(kind, _conc_n_runs(ctx, 1)))
    tw = theorem_widths(c["n"], c["lambda_min"], c["H"], kind)
    base = {"K_norm": c["K_norm"], "lambda_min_K": c["lambda_min"], "theorem_widths": tw}
    outs = []
    for dec, key, src, stats in ((dm, "m", c, {"slope_in_m": sl.as_dict(),
                                               "errors_by_m": {str(m): v for m, v in c["errors"].items()}}),
                                 (dn, "n", cn, {"slope_in_n": cn["slope"].as_dict(), "reference_slope_in_n": cn["reference"],
                                                "errors_by_n": {str(n): v for n, v in cn["errors"].items()}})):
        outs.append(decided(dec, src["payload"], **(base | stats | {"trend": key, "rule": dec.note})))
    ms = sorted(c["errors"])
    mean = [float(np.mean(c["errors"][m])) for m in ms]
    ref = [mean[0] * (m / ms[0]) ** -0.5 for m in ms]
    fig = {"kind": "line", "title": f"||G^(H)(0) - K^(H)||_2 against width ({kind.upper()}, H = {c['H']}, n = {c['n']})",
           "xlabel": "m", "ylabel": "spectral error", "logx": True, "logy": True,
           "series": {"measured (mean over seeds)": {"x": ms, "y": mean}, "m^(-1/2) reference": {"x": ms, "y": ref}}}
    ns = cn["ns"]
    nmean = [float(np.mean(cn["errors"][n])) for n in ns]
    fig_n = {"kind": "line", "title": f"||G^(H)(0) - K^(H)||_2 against n at m = {cn['m']} ({kind.upper()}, H = {c['H']})",
             "xlabel": "n", "ylabel": "spectral error", "logx": True, "logy": True,
             "series": {"measured (mean over seeds)": {"x": ns, "y": nmean},
                        "n sqrt(log(Hn/delta)) reference": {"x": ns, "y": [nmean[0] * (v * math.sqrt(math.log(c["H"] * v / DELTA)))
                                                                           / (ns[0] * math.sqrt(math.log(c["H"] * ns[0] / DELTA)))
                                                                           for v in ns]}}}
    stats = base | {"slope_in_m": sl.as_dict(), "slope_in_m_largest_3_widths": c["tail"].as_dict(), "rule_m": dm.note,
                    "replicated": {"m": c["replicate"] is not None, "n": cn["replicate"] is not None},
                    "slope_in_n": cn["slope"].as_dict(),
                    "reference_slope_in_n": cn["reference"], "rule_n": dn.note,
                    "errors_by_m": {str(m): v for m, v in c["errors"].items()},
                    "errors_by_n": {str(n): v for n, v in cn["errors"].items()}}
    return merge([], extra=outs, statistics=stats, tried=concentration_tried(ctx, c, cn, ms, ns, tw, kind),
                 figures=[fig, fig_n])


def concentration_tried(ctx: Context, c: dict, cn: dict, ms: list[int], ns: list[int], tw: dict, kind: str) -> str:
    """The ``tried`` text of the concentration claims (``c``: the trend in m, ``cn``: in n)."""
    data = prose.clauses(
        f"widths {ms} with {list(_conc_widths(ctx).values())} networks each "
        + prose.paren("seed 1000 m + s: independent per width and network"),
        f"{c['activation']}", f"H = {c['H']}", f"n = {c['n']} unit-norm points in R^{c['d']}", sep=", ")
    in_m = prose.sentence(
        "slope of log10 ||G^(H)(0) - K^(H)||_2 vs log10 m (least squares, t 95% interval):",
        prose.clauses(
            "refuted if the interval lies entirely above -1/2 (decays slower than the lemmas' m^(-1/2), or not at all) "
            "and so does the fit on the 3 largest widths alone",
            "inconclusive if only the 3 largest widths' interval reaches -1/2 "
            "(the slowdown unconfirmed, not shown pre-asymptotic)",
            prose.clauses(
                "supported if the full-range interval reaches -1/2 and lies below 0 "
                "(or reaches -1/2 and the 3 largest widths' interval lies below 0 and reaches -1/2)",
                "else too wide to tell", sep=", ")))
    in_n = prose.sentence(
        f"and against n = {ns} at m = {cn['m']}",
        prose.paren(f"fresh data, {len(cn['errors'][ns[0]])} per n") + ":",
        prose.clauses(
            "refuted if its interval lies entirely above the slope of the bound's n sqrt(log(Hn/delta)) "
            + prose.paren(f"{cn['reference']:.2f}"),
            "supported if it reaches that slope or below and is at most 1 wide",
            "else too wide", sep=", "), end=".")
    return prose.sentence(prose.clauses(data, in_m, in_n), widths_text(tw, kind) + ": decided on the trend")


@claim(
    "du.kernel.matches_finite_width",
    title="G^(H)(0) of a width-m FC network converges to K^(H), error ~ m^(-1/2)",
    source=f"{PAPER}, section 4 ('Analysis of Random Initialization'), Lemma B.1-B.3; Theorem 5.1's n^2 log(Hn/delta)/lambda^2 term",
    statement=("||G^(H)(0) - K^(H)||_2 decreases like m^(-1/2) as the width m grows (random N(0,1) initialisation), "
               "and grows at most like n sqrt(log n) with the number of points."),
    hypotheses=(f"FC network, {CONC_ACT}, H = {CONC_H}", f"unit-norm data in R^{CONC_D}, n = {CONC_N} (n = 4..64 for the n trend)"),
)
def check_concentration(ctx: Context) -> Result:
    return _concentration_claim(ctx, "fc")


@claim(
    "du.kernel.matches_finite_width.resnet",
    title="G^(H)(0) of a width-m ResNet converges to K^(H), error ~ m^(-1/2)",
    source=f"{PAPER}, section 4 and Definition 6.1; Theorem 6.1's n^2 log(Hn/delta)/lambda^2 term",
    statement="As du.kernel.matches_finite_width for the ResNet of eq. (3) (c_res = 1/2).",
    hypotheses=(f"ResNet, {CONC_ACT}, H = {CONC_H}, c_res = 1/2",
                f"unit-norm data in R^{CONC_D}, n = {CONC_N} (n = 4..64 for the n trend)"),
)
def check_concentration_resnet(ctx: Context) -> Result:
    return _concentration_claim(ctx, "resnet")


def _replay_concentration(p: dict) -> Outcome:
    """Re-measure the refuting trend (every stored network: the trend in m costs ~20 s at the
    standard profile's widths) and re-decide it."""
    if p.get("trend") == "m":
        dec, c = trend.replay_confirmed(p, _measure_concentration)
        return decided(dec, c["payload"], slope=c["slope"].as_dict(), tail=c["tail"].as_dict(),
                        errors={str(m): v for m, v in c["errors"].items()})
    if p.get("trend") == "n":
        dec, cn = trend.replay_confirmed(p, _measure_concentration)
        return decided(dec, cn["payload"], slope=cn["slope"].as_dict(), reference=cn["reference"],
                        errors={str(n): v for n, v in cn["errors"].items()})
    raise LandscapeError(f"payload trend={p.get('trend')!r} is invalid; expected 'm' or 'n'")


def _measure_concentration(p: dict) -> dict:
    """The concentration trend (in m or in n) a payload describes, measured again."""
    kind, act = _p.require_choice(p, "kind", ("fc", "resnet")), _p.require_activation(p)
    H, d = _p.require_int(p, "H", 1, _p.MAX_DEPTH), _p.require_int(p, "d", 1, _p.MAX_DIM)
    if p.get("trend") == "m":
        return concentration(kind, seed_lists(p), n=_p.require_int(p, "n", 1, _p.MAX_N), d=d, H=H, act=act,
                             data_seed=_p.require_seed(p, "data_seed"))
    if p.get("trend") != "n":
        raise LandscapeError(f"payload trend={p.get('trend')!r} is invalid; expected 'm' or 'n'")
    try:
        runs = [(int(n), [(int(a), int(b)) for a, b in pairs]) for n, pairs in p["runs"]]
    except (TypeError, ValueError) as e:
        raise LandscapeError(f"payload field 'runs' is invalid ({e})") from None
    for n, pairs in runs:
        _p.check_int("runs n", n, 1, _p.MAX_N)
        _p.check_ints(f"runs seeds of n = {n}", [s for ab in pairs for s in ab], 0, _p.MAX_SEED, max_len=_p.MAX_COUNT)
    return concentration_in_n(kind, runs, m=_p.require_int(p, "m", 1, _p.MAX_WIDTH), d=d, H=H, act=act)


for _c in (check_concentration, check_concentration_resnet):
    _c.replayer(_replay_concentration)
