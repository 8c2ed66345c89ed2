"""Golikov, section 2.2: ``H^inf`` (closed form) is positive definite for unit-norm data with no two
inputs parallel (``golikov.du2019.h_inf``).

Decided on the rank of the closed-form ``H^inf`` (:func:`landscape._lib.networks.two_layer.h_inf`,
escalated to multiple precision), with the Hoeffding check of ``H(0)`` against it, the Monte Carlo
slope of ``max |H(0) - H^inf|`` against ``m`` and independent checks of the closed form and of the
Gram of eq. (12).  :func:`h_inf_outcome`, :func:`hinf_result` and :func:`replay_hinf` are shared
with the variants of :mod:`landscape.claims.golikov.h_inf_parallel`.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import reject
from hypothesis import strategies as st

from landscape import Context, LandscapeError, Outcome, Result, claim, merge
from landscape._lib import payload as _p
from landscape._lib import kernels, tolerance, trend
from landscape._lib import prose
from landscape._lib.networks.two_layer import (HOEFFDING_DELTA, eq12_printed, h_inf, h_inf_mp, hoeffding_check,
                                               init_two_layer, two_layer_gram, unit_rows)
from landscape._lib.strategies import seeds
from landscape.claims.golikov._common import PAPER


def parallel_pairs(x: np.ndarray) -> list[list[int]]:
    """Index pairs of parallel rows (|cos| = 1 to 12 digits), duplicates included."""
    nrm = np.linalg.norm(x, axis=1)
    out = []
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            if nrm[i] == 0 or nrm[j] == 0 or abs(abs(x[i] @ x[j]) / (nrm[i] * nrm[j]) - 1) < 1e-12:
                out.append([i, j])
    return out



def h_inf_outcome(x: np.ndarray, mc_seed: int, mc_m: int, family: str = "generic") -> Outcome:
    """lambda_0 > 0 decided on H^inf (multiple precision when float64 is not clear) + Hoeffding check of H(0)."""
    hi = h_inf(x)
    ev = np.linalg.eigvalsh(hi)
    rk = tolerance.rank(hi, exact=lambda dps: h_inf_mp(x, dps))
    hoef, ratio, err = hoeffding_check(x, mc_m, mc_seed)
    stats = {"family": family, "n": x.shape[0], "d": x.shape[1], "lambda0": float(ev[0]), "lambda_max": float(ev[-1]),
             "rank": rk.rank, "s_normalised": rk.s_normalised, "precision": rk.decision.precision,
             "parallel_pairs": parallel_pairs(x), "mc_m": mc_m, "hoeffding_ratio": ratio, "mc_max_error": err,
             "unit_norm": bool(np.allclose(np.linalg.norm(x, axis=1), 1.0, rtol=0, atol=1e-12))}
    payload = {"x": x.tolist(), "mc_seed": mc_seed, "mc_m": mc_m, "family": family}
    if hoef.outcome == "nonzero":
        return Outcome.fails(payload, hoef.margin, note=(f"H(0) at m = {mc_m} differs from the closed-form H^inf by "
                                                         f"{ratio:.2f} x the Hoeffding bound (delta = {HOEFFDING_DELTA})"),
                             **stats)
    if rk.full is False:
        return Outcome.fails(payload, rk.decision.margin,
                             note=(f"lambda_0 = 0: rank H^inf = {rk.rank} < n = {x.shape[0]} (s_n/s_1 = "
                                   f"{rk.s_normalised:.1e}, decided at {rk.decision.precision})"), **stats)
    if rk.full is None or hoef.outcome == "band":
        return Outcome.band(note="rank of H^inf or the Hoeffding comparison in the tolerance band", **stats)
    return Outcome.holds(min(rk.decision.margin, math.log10(1.0 / max(ratio, 1e-300))), **stats)


@st.composite
def nonparallel_sphere_data(draw, *, max_n: int = 8) -> np.ndarray:
    """Unit-norm rows, no two parallel: gaussian directions, points on a circle, a tight cluster, one orthant."""
    fam = draw(st.sampled_from(["gaussian", "circle", "cluster", "orthant"]))
    n = draw(st.integers(2, max_n))
    d = 2 if fam == "circle" else draw(st.integers(2, 4))
    rng = np.random.default_rng(draw(seeds()))
    if fam == "circle":
        th = rng.uniform(0, 2 * np.pi, size=n)
        x = np.stack([np.cos(th), np.sin(th)], axis=1)
    elif fam == "cluster":
        x = rng.normal(size=d) + 0.05 * rng.normal(size=(n, d))
    elif fam == "orthant":
        x = np.abs(rng.normal(size=(n, d)))
    else:
        x = rng.normal(size=(n, d))
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    if parallel_pairs(x):
        reject()
    return x



def _ctx_for(seed: int, draws: int = 1) -> Context:
    """A context with run seed ``seed``: its :meth:`Context.rng` streams are those of the claim run
    with that seed (they depend on the seed and the keys only) -- for replays."""
    from landscape._core.profiles import Profile

    return Context(Profile("replay", 0, int(draws), ""), seed=int(seed))


def mc_slope(x: np.ndarray, widths: list[int], reps: int, seed: int, replicate: int = 0) -> dict:
    """max |H(0) - H^inf| against m on the data ``x`` (weights ``rng("golikov-hinf-mc", m, s)`` of the
    run seed ``seed``; ``replicate`` > 0: the independent weights of a confirmation, :func:`trend.confirm`),
    its log-log slope, the fit on the 3 largest widths and the decision of :func:`trend.decay_at_least`;
    ``payload`` replays it."""
    ctx = _ctx_for(seed)
    hi = h_inf(x)
    errs, table = [], {}
    extra = ("replicate", replicate) if replicate else ()
    for m in widths:
        e = []
        for s in range(reps):
            w = ctx.rng("golikov-hinf-mc", m, s, *extra).normal(size=(m, x.shape[1]))
            e.append(float(np.max(np.abs(two_layer_gram(x, w) - hi))))
        table[m] = e
        errs += e
    xs = [m for m in widths for _ in range(reps)]
    sl, tail = trend.fit(xs, errs), trend.fit_tail(xs, errs)
    return {"slope": sl, "tail": tail, "decision": trend.decay_at_least(sl, -0.5, tail=tail), "errors": table,
            "payload": {"kind": "slope", "x": np.asarray(x).tolist(), "widths": [int(m) for m in widths],
                        "reps": int(reps), "seed": int(seed), "replicate": int(replicate)}}


def confirmed_mc_slope(x: np.ndarray, widths: list[int], reps: int, seed: int) -> dict:
    """:func:`mc_slope`, its decision confirmed on independent weights when it may refute
    (:func:`trend.confirm`): ``c["decision"]`` is the confirmed one, ``c["first"]`` the first
    measurement's and ``c["replicate"]`` the replicate (None when none was needed)."""
    c = mc_slope(x, widths, reps, seed)
    box: dict = {}

    def again() -> trend.TrendDecision:
        box["c"] = mc_slope(x, widths, reps, seed, replicate=1)
        return box["c"]["decision"]

    c["first"], c["replicate"] = c["decision"], None
    c["decision"], _ = trend.confirm(c["decision"], again)
    if "c" in box:
        c["replicate"] = box["c"]
        c["payload"]["confirmed"] = True
    return c


def _slope_outcome(c: dict) -> Outcome:
    dec = c["decision"]
    stats = {"slope": c["slope"].as_dict(), "largest_widths": c["tail"].as_dict(),
             "errors": {str(m): v for m, v in c["errors"].items()}, "rule": dec.note}
    if dec.status == "holds":
        return Outcome.holds(dec.margin, **stats)
    if dec.status == "fails":
        return Outcome.fails(c["payload"], dec.margin, note=f"Monte Carlo error: {dec.note}", **stats)
    return Outcome.band(note=dec.note, **stats)


def slope_check(ctx: Context) -> tuple[Outcome, dict]:
    """max |H(0) - H^inf| against m on one dataset (Lemma 3.1's concentration, Hoeffding: an
    upper bound ~ m^(-1/2)): :func:`trend.decay_at_least` -- refuted only if the slope's 95%
    interval lies entirely above -1/2 on all widths and on the 3 largest, inconclusive if only
    the 3 largest reach -1/2, supported if the all-widths interval reaches -1/2 and lies below 0."""
    x = unit_rows(ctx.rng("golikov-hinf-slope"), 6, 3)
    ms = [100, 400, 1600, 6400] + ([25600] if ctx.max_examples > 12 else [])
    c = confirmed_mc_slope(x, ms, max(4, ctx.draws), ctx.seed)
    o = _slope_outcome(c)
    table = c["errors"]
    mean = [float(np.mean(table[m])) for m in ms]
    fig = {"kind": "line", "title": "Monte Carlo H(0) (eq. 12) against the closed-form H^inf", "xlabel": "m",
           "ylabel": "max_ij |H_ij(0) - H^inf_ij|", "logx": True, "logy": True,
           "series": {"measured (mean over seeds)": {"x": ms, "y": mean},
                      "m^(-1/2) reference": {"x": ms, "y": [mean[0] * (m / ms[0]) ** -0.5 for m in ms]}}}
    return o, fig


def independent_outcome(x: np.ndarray, init_seed: int, index: int, m: int = 64) -> Outcome:
    """Closed-form H^inf vs polar quadrature, and the shared Gram (:func:`two_layer_gram`) vs the
    printed eq. (12) and vs the autodiff Gram of an independently written eq. (9) at width ``m``
    (weights :func:`init_two_layer` ``(d, m, init_seed)``)."""
    k = x @ x.T
    dg = np.diag(k)
    quad = k * kernels.pair_expectation("relu", np.broadcast_to(dg[:, None], k.shape), k,
                                        np.broadcast_to(dg[None, :], k.shape), derivative=True, method="polar")
    hi = h_inf(x)
    dq = tolerance.classify(float(np.max(np.abs(quad - hi))) / float(np.max(np.abs(hi))))
    w, a = init_two_layer(x.shape[1], m, init_seed)
    wt = torch.as_tensor(w)

    def u_of(wv: torch.Tensor) -> torch.Tensor:
        return torch.relu(torch.as_tensor(x) @ wv.T) @ torch.as_tensor(a) / math.sqrt(m)

    jac = torch.func.jacrev(u_of)(wt).reshape(x.shape[0], -1).numpy()
    gj = jac @ jac.T
    shared = two_layer_gram(x, w, a)
    dj = tolerance.classify(float(np.max(np.abs(gj - shared))) / float(np.max(np.abs(gj))))
    dp = tolerance.classify(float(np.max(np.abs(eq12_printed(x, w) - shared))) / float(np.max(np.abs(gj))))
    antipodal = bool(np.allclose(x[1], -x[0], rtol=0, atol=1e-15)) if len(x) > 1 else False
    stats = {"check": "closed form vs quadrature; shared Gram vs autodiff Gram and printed eq. (12)",
             "quadrature_gap": dq.value, "shared_vs_jacobian_gap": dj.value, "shared_vs_eq12_gap": dp.value,
             "antipodal_pair": antipodal}
    decs = (dq, dj, dp)
    bad = [d for d in decs if d.outcome == "nonzero"]
    if bad:
        return Outcome.fails({"kind": "independent", "index": int(index), "x": np.asarray(x).tolist(),
                              "init_seed": int(init_seed), "m": int(m)}, min(d.margin for d in bad),
                             note="closed-form H^inf or the Gram of eq. (12) disagrees with an independent computation",
                             **stats)
    if any(d.outcome == "band" for d in decs):
        return Outcome.band(**stats)
    return Outcome.holds(min(d.margin for d in decs), **stats)


def independent_checks(ctx: Context) -> list[Outcome]:
    """:func:`independent_outcome` on ``ctx.draws`` datasets (every other one with an antipodal pair:
    the rho = -1 corner of the formula)."""
    out = []
    for i in range(ctx.draws):
        rng = ctx.rng("golikov-hinf-indep", i)
        x = unit_rows(rng, 5, 3)
        if i % 2 == 1:
            x[1] = -x[0]
        out.append(independent_outcome(x, int(rng.integers(2**31)), i))
    return out



def _hinf_tried(examples: int, what: str, size: str, fixed: int, mc_m: int) -> str:
    """The ``tried`` prose of an ``H^inf`` claim."""
    return (f"{examples} Hypothesis datasets ({what}; {size}) + {fixed} fixed checks; "
            "rank of the closed-form H^inf decided in float64, escalated to 50-400 digits; H(0) of eq. (12) "
            f"at m = {mc_m} against H^inf with Hoeffding's bound (delta = {HOEFFDING_DELTA})")


def _checks_tried(draws: int) -> str:
    """What ``golikov.du2019.h_inf`` adds to :func:`_hinf_tried`: the independent checks and the slope rule
    (a clause appended to that text, so it starts with its separator)."""
    checks = (f"{draws} independent checks "
              "(closed form vs polar quadrature, shared Gram vs autodiff Gram and printed eq. (12))")
    rule = prose.clauses(
        "refuted if the 95% interval lies entirely above -1/2, also on the 3 largest widths",
        "inconclusive if only the 3 largest reach -1/2",
        "supported if the all-widths interval reaches -1/2 and lies below 0")
    slope = ("max |H(0) - H^inf| against m = 100..6400 (25600 beyond quick): slope decided by trend.decay_at_least "
             + prose.paren(rule))
    return "; " + prose.clauses(checks, slope)


def hinf_result(ctx: Context, res, extra: list[Outcome], figures: list[dict], what: str) -> Result:
    """The Result of an ``H^inf`` claim: ``res`` (the search) merged with the ``extra`` fixed checks, the
    counts of lambda_0 > 0 / = 0 / band by data family, a histogram of lambda_0 and the evidence prose."""
    lam = [o.stats["lambda0"] for o in res.outcomes + extra if "lambda0" in o.stats]
    by_fam: dict[str, dict[str, int]] = {}
    for o in res.outcomes + extra:
        f = o.stats.get("family")
        if f is None:
            continue
        by_fam.setdefault(f, {"lambda0>0": 0, "lambda0=0": 0, "band": 0})
        key = "lambda0=0" if o.status == "fails" and o.stats.get("rank", 0) < o.stats.get("n", 0) else (
            "band" if o.status == "band" else "lambda0>0")
        by_fam[f][key] += 1
    fig = {"kind": "hist", "title": f"lambda_0 = lambda_min(H^inf) ({what})", "xlabel": "log10 lambda_0",
           "ylabel": "datasets", "data": {"lambda_0": [math.log10(max(v, 1e-20)) for v in lam]}}
    s_n: dict[str, list[float]] = {}  # the rank decision's own quantity, as the searches computed it
    for o in res.outcomes + extra:
        if "s_normalised" in o.stats and "family" in o.stats:
            s_n.setdefault(str(o.stats["family"]), []).append(math.log10(max(float(o.stats["s_normalised"]), 1e-20)))
    fig_rank = {"kind": "hist", "title": (f"s_n / s_1 of H^inf, the quantity that decides lambda_0 > 0 ({what}; at the "
                                          "precision that decided), per data family, against the tolerance band"),
                "xlabel": "log10(s_n / s_1) of H^inf  (values < 1e-20 drawn at -20)", "ylabel": "datasets",
                "data": s_n, "band": {"lo": math.log10(tolerance.ZERO), "hi": math.log10(tolerance.ZERO * tolerance.BAND),
                                      "label": "undecided band in float64 (re-decided in multiple precision)"}}
    ns = [o.stats["n"] for o in res.outcomes + extra if "n" in o.stats and "lambda0" in o.stats]
    ds = [o.stats["d"] for o in res.outcomes + extra if "d" in o.stats and "lambda0" in o.stats]
    size = f"n <= {max(ns)}, d <= {max(ds)}" if ns else "no dataset"
    return merge([res], extra=extra, statistics={"by_family": by_fam, "min_lambda0": min(lam) if lam else None,
                                                 "max_n": max(ns) if ns else None},
                 tried=_hinf_tried(res.examples, what, size, len(extra), 1000 * ctx.draws),
                 figures=[fig, fig_rank] + figures)



@claim(
    "golikov.du2019.h_inf",
    title="H^inf (closed form) is positive definite for unit-norm data with no two inputs parallel",
    source=f"{PAPER}, section 2.2, definition of H^inf and lambda_0 (after eq. (13)); Theorem 3.1 of Du et al. 2019",
    statement=("For f = (1/sqrt m) sum_r a_r relu(w_r.x), H^inf_ij = E_w[x_i.x_j 1{w.x_i >= 0, w.x_j >= 0}] = "
               "x_i.x_j (pi - arccos(x_i.x_j)) / (2 pi) for unit-norm data, and lambda_0 = lambda_min(H^inf) > 0 "
               "when no two inputs are parallel."),
    hypotheses=("||x_i|| = 1", "no two inputs parallel", "w ~ N(0, I)"),
)
def check_h_inf(ctx: Context) -> Result:
    mc_m = 1000 * ctx.draws

    @st.composite
    def examples(draw):
        return draw(nonparallel_sphere_data()), draw(seeds())

    res = ctx.search(examples(), lambda ex: h_inf_outcome(ex[0], ex[1], mc_m, "non-parallel"),
                     label="H^inf, non-parallel unit-norm data", max_examples=2 * ctx.max_examples)
    slope, fig = slope_check(ctx)
    r = hinf_result(ctx, res, independent_checks(ctx) + [slope], [fig], "non-parallel unit-norm data")
    r.statistics["monte_carlo_slope"] = {"slope": slope.stats["slope"], "rule": slope.stats["rule"]}
    r.tried += _checks_tried(ctx.draws)
    return r


def replay_hinf(p: dict) -> Outcome:
    """Replay of the ``H^inf`` claims: a dataset (rank of H^inf + Hoeffding check); the Monte Carlo slope (``kind = slope``:
    every stored width and seed re-measured, < 1 s, and re-decided); an independent check
    (``kind = independent``: the three comparisons recomputed)."""
    x = _p.require_matrix(p, "x", _p.MAX_N, _p.MAX_DIM)
    if p.get("kind") == "slope":
        widths = _p.require_ints(p, "widths", 1, _p.MAX_WIDTH, min_len=2, max_len=100)
        reps = _p.require_int(p, "reps", 1, _p.MAX_COUNT)
        if len(set(widths)) < 2:
            raise LandscapeError(f"payload field 'widths' = {widths}: expected at least 2 distinct widths")
        fn = confirmed_mc_slope if p.get("confirmed") else mc_slope
        return _slope_outcome(fn(x, widths, reps, _p.require_seed(p)))
    if p.get("kind") == "independent":
        return independent_outcome(x, _p.require_seed(p, "init_seed"), _p.require_int(p, "index", 0, _p.MAX_COUNT),
                                   _p.require_int(p, "m", 1, _p.MAX_WIDTH))
    return h_inf_outcome(x, _p.require_seed(p, "mc_seed"), _p.require_int(p, "mc_m", 1, _p.MAX_COUNT),
                         _p.require_str(p, "family", default=""))


check_h_inf.replayer(replay_hinf)
