"""Golikov, section 2.1.2, eq. (8): Nguyen & Hein's Corollary 3.9 -- a local minimum meeting the four
conditions has zero loss (``golikov.nguyen_hein``), checked at the stationary points reached by
L-BFGS + Newton (:func:`nh_point_outcome`); and Lemma 4.4 as the essay states it, the rank statement
the corollary's proof relies on (``golikov.nguyen_hein.lemma4_4``), decided by Lemma 3's decider
(:func:`landscape._lib.feature_rank.lemma3_outcome`).  Eq. (8) has no bias and no factor 1/2.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import reject
from hypothesis import strategies as st

from landscape import Context, LandscapeError, Outcome, Result, claim, merge
from landscape._lib import payload as _p
from landscape._lib import certify, tolerance
from landscape._lib import fixtures as _fixtures
from landscape._lib import prose
from landscape._lib.feature_rank import lemma3_outcome, replay_lemma3
from landscape._lib.networks.mlp import MLP, MLPSpec, squared_loss
from landscape._lib.strategies import seeds
from landscape.claims.golikov._common import PAPER
from landscape.claims.golikov.yu_chen import DISTINCT_FAMILIES, distinct_columns, distinct_datasets


def _offsets(spec: MLPSpec) -> list[int]:
    return np.cumsum([0] + [a * b for a, b in spec.shapes()]).tolist()


def nh_point_outcome(spec: MLPSpec, w: torch.Tensor, x: np.ndarray, y: np.ndarray, payload: dict,
                     rng: np.random.Generator, label: str) -> Outcome:
    """Corollary 3.9 at one point: stationary? local minimum? conditions 1-4 for each wide k? loss zero?

    Essay indexing: the net of eq. (8) has layers W_1..W_H with W_H the linear output
    (the MLP's last matrix), F_k the k-th hidden layer (k <= H-1).  Condition 3 concerns
    W_l, l = k+2..H; condition 4 the Hessian in W_{k+1..H}.  Loss: eq. (8), no 1/2.
    """
    net = MLP(spec, [np.zeros(s) for s in spec.shapes()])
    lf = squared_loss(spec, x, y)  # sum (f - y)^2, with its multiple-precision form for the certificate

    w = w.detach().clone()
    loss = float(lf(w))
    hess = certify.exact_hessian(lf, w).numpy()
    ev = np.linalg.eigvalsh(hess)
    lam_abs = float(np.max(np.abs(ev)))
    gn = certify.gradient_norm(lf, w)
    stat = certify.stationarity(gn, certify.gradient_scale(loss, w, lam_abs, gn))
    yy = float(np.sum(y**2))
    zero_loss = tolerance.classify(loss / yy)
    m = x.shape[1]
    dims = [spec.d0, *spec.widths, spec.d_out]
    hid = net.hidden(x, net.unflatten(w))
    ws = net.unflatten(w)
    offs = _offsets(spec)
    conds = []
    for k in range(1, spec.depth + 1):
        if dims[k] < m:
            continue
        c3 = []
        for l in range(k + 2, spec.depth + 2):  # essay's W_l = ws[l - 1], d_l = dims[l]
            wl = ws[l - 1].detach().numpy()
            if dims[l] > min(wl.shape):
                c3.append(tolerance.Decision(0.0, "zero", math.inf))  # rank <= d_{l-1} < d_l: structurally false
            else:
                c3.append(tolerance.rank(wl, target=dims[l]).decision)
        sub = hess[offs[k]:, offs[k]:]
        sev = np.abs(np.linalg.eigvalsh(sub))
        c4 = tolerance.classify(float(sev.min()) / max(float(sev.max()), 1e-300))
        fk = tolerance.rank(hid[k - 1].detach().numpy(), target=m)
        conds.append({"k": k, "d_k": dims[k], "cond3": [d.outcome == "nonzero" for d in c3],
                      "cond3_band": any(d.outcome == "band" for d in c3), "cond4": c4.outcome,
                      "hessian_sub_min_normalised": c4.value, "rank_F_k": fk.rank,
                      "all_four": all(d.outcome == "nonzero" for d in c3) and c4.outcome == "nonzero",
                      "margin": min([d.margin for d in c3] + [c4.margin])})
    lam_abs = max(lam_abs, 1e-300)
    definiteness = "pd" if ev[0] / lam_abs > tolerance.ZERO * tolerance.BAND else (
        "indefinite" if -ev[0] / lam_abs > tolerance.ZERO * tolerance.BAND else "psd-singular/band")
    stats = {"point": label, "spec": spec.as_dict(), "m": m, "loss": loss, "relative_loss": loss / yy,
             "stationary": stat.outcome, "hessian": definiteness, "conditions": conds,
             "meets_all_four": any(c["all_four"] for c in conds)}
    if not distinct_columns(x) or not conds:
        return Outcome.holds(math.inf, in_scope=False, why_out="hypotheses 1-2 unmet", **stats)
    if stat.outcome != "zero":
        return Outcome.holds(math.inf, in_scope=False, why_out=f"not stationary ({stat.outcome})", **stats)
    if zero_loss.outcome == "zero":
        return Outcome.holds(min([zero_loss.margin] + [c["margin"] for c in conds if c["all_four"]]), in_scope=True,
                             **stats)
    meets = [c for c in conds if c["all_four"]]
    if not meets:
        undecided = any(c["cond4"] == "band" or c["cond3_band"] for c in conds)
        if undecided and zero_loss.outcome == "nonzero":
            return Outcome.band(note=f"{label}: positive loss and a condition in the tolerance band", **stats)
        return Outcome.holds(math.inf, in_scope=False, why_out="a condition fails (corollary silent)", **stats)
    if zero_loss.outcome == "band":
        return Outcome.band(note=f"{label}: conditions 1-4 hold, loss in the band", **stats)
    if definiteness == "indefinite":
        return Outcome.holds(math.inf, in_scope=False, why_out="saddle (conditions 1-4 hold, not a minimum)", **stats)
    cert = certify.certify_minimum(lf, w, rng=rng, include_point=False)
    kind = cert.kind
    stats["minimum"] = kind
    stats["minimum_proof"] = cert.proof
    if kind in ("strict", "non-strict"):
        return Outcome.fails(payload, min(zero_loss.margin, meets[0]["margin"]), proof=cert.proof,
                             note=(f"{label}: {kind} local minimum meeting conditions 1-4 (k = {meets[0]['k']}) with "
                                   f"loss {loss:.4g} > 0"), **stats)
    if kind == "saddle":
        return Outcome.holds(math.inf, in_scope=False, why_out="saddle (attack)", **stats)
    return Outcome.band(note=f"{label}: conditions 1-4 hold, loss > 0, minimality undecided ({kind})", **stats)


def nh_run_outcome(spec_d: dict, x: np.ndarray, y: np.ndarray, init_seed: int, scale: str) -> Outcome:
    spec = MLPSpec.from_dict(spec_d)
    rng = np.random.default_rng(init_seed)
    net = MLP.random(spec, rng, scale=scale)
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)

    def lf(v):
        return ((yt - net.forward_flat(v, xt)) ** 2).sum()

    w = certify.refine_stationary(lf, net.flat(), max_iter=1500, newton_steps=10).w
    payload = {"spec": spec.as_dict(), "x": x.tolist(), "y": y.tolist(), "weights": w.tolist()}
    return nh_point_outcome(spec, w, x, y, payload, rng, "trained")


@st.composite
def _nh_examples(draw):
    x = draw(distinct_datasets(max_d0=3, max_n=5))
    m = x.shape[1]
    if m < 2:
        reject()
    depth = draw(st.integers(1, 3))
    last = draw(st.booleans())  # the wide layer last with d_k = m: where condition 4 can hold at zero loss
    k = depth if last else draw(st.integers(1, depth))
    widths = [draw(st.integers(1, 4)) for _ in range(depth)]
    widths[k - 1] = m if last else m + draw(st.sampled_from([0, 1, 2]))
    for j in range(k, depth):  # after the wide layer: non-increasing (condition 3 can hold)
        widths[j] = min(widths[j], widths[j - 1])
    d_out = draw(st.integers(1, 2))
    spec = MLPSpec(x.shape[0], tuple(widths), d_out, "sigmoid", False)
    rng = np.random.default_rng(draw(seeds()))
    y = rng.normal(size=(d_out, m))
    return spec.as_dict(), x, y, draw(seeds()), draw(st.sampled_from(["fan_in", "unit"]))


#: The hypotheses of Corollary 3.9 a fixture must meet (cross-examination, :func:`landscape._lib.fixtures.select`): eq. (8)'s
#: sigmoid net without bias, the squared loss, a hidden layer at least as wide as the data, and a stationary point.
NH_REQUIRES = {"activation": "sigmoid", "bias": False, "loss": "squared", "wide_layer": True, "stationary": True}


def _nh_fixtures() -> list[_fixtures.Fixture]:
    return _fixtures.select(NH_REQUIRES).matched


def _symmetric_summary(sym_outs: list[Outcome]) -> dict:
    """Counts over the runs on symmetric data (:func:`_nh_symmetric_runs`) and the ranks of ``F_1`` seen."""
    return {"runs": len(sym_outs),
            "by_status": {k: sum(1 for o in sym_outs if o.status == k)
                          for k in ("holds", "fails", "band")},
            "stationary": sum(1 for o in sym_outs if o.stats.get("stationary") == "zero"),
            "meeting_all_four": sum(1 for o in sym_outs if o.stats.get("meets_all_four")
                                    and o.stats.get("stationary") == "zero"),
            "rank_F_1": sorted({c["rank_F_k"] for o in sym_outs
                                for c in o.stats.get("conditions", []) if c["k"] == 1})}


def _nh_tried(examples: int, fixtures: int) -> str:
    """The ``tried`` prose of ``golikov.nguyen_hein``."""
    nets = prose.paren("depth 1-3 hidden layers", "a layer of width m..m+2",
                       "m <= 5 distinct points incl. symmetric and lattice data", sep=", ")
    checks = prose.clauses(
        "conditions 3-4 for every wide layer k (rank and Hessian decisions by the tolerance policy)",
        "full Hessian", "loss", sep=", ")
    return prose.clauses(
        f"{examples} L-BFGS (<= 1500 iterations) + <= 10 Newton steps on deep sigmoid nets without bias {nets} "
        f"and {fixtures} sigmoid fixtures",
        f"at each stationary point: {checks}")


def _lemma44_tried(examples: int, fixed: int, draws: int) -> str:
    """The ``tried`` prose of ``golikov.nguyen_hein.lemma4_4``."""
    families = prose.paren(f"families {prose.seq(DISTINCT_FAMILIES)}", "m <= 5, d_0 <= 3")
    data = prose.clauses(
        f"{examples} Hypothesis datasets with distinct columns {families}",
        "k = 1..3 hidden layers with d_k in m..m+2", "no bias",
        f"plus {fixed} fixed symmetric datasets {{x, -x, 0}} at k = 1, 2, 3", sep=", ")
    return prose.clauses(
        data, f"{draws} Gaussian weight draws each",
        "a deficiency counts only if it survives 8 perturbations and is certified at 50-400 digits "
        "(lds.lemma3's rank machinery)")


@claim(
    "golikov.nguyen_hein",
    title="Nguyen & Hein Corollary 3.9: a local minimum meeting the four conditions has zero loss",
    source=f"{PAPER}, section 2.1.2, eq. (8) and the four conditions before 'Unfortunately, as we see'",
    statement=("For the deep sigmoid net of eq. (8): if W_{1:H} is a local minimum, the columns of X are distinct, "
               "some d_k >= m, rk W_l = d_l for l = k+2..H and det Hess_{W_{k+1:H}} L != 0, then L(W_{1:H}) = 0."),
    hypotheses=("sigmoid, no bias (eq. (8)), squared loss without 1/2", "distinct columns, m <= 5",
                "one hidden layer of width m..m+2, later widths non-increasing",
                "symmetric data {x, -x, 0} / {x, x', -x, -x'} with the wide layer at k = 1 (rank F_1 < m for every W_1)",
                "stationary points reached by L-BFGS + Newton; sigmoid fixtures (cross-examination)"),
)
def check_nguyen_hein(ctx: Context) -> Result:
    res = ctx.search(_nh_examples(), lambda ex: nh_run_outcome(*ex), label="trained deep sigmoid nets",
                     max_examples=ctx.max_examples, shrink=False)
    fx_outs = []
    for fx in _nh_fixtures():
        o = nh_point_outcome(fx.spec, fx.flat(), fx.x, fx.y, {"fixture": fx.id}, ctx.rng("golikov-nh-fx", fx.id), fx.id)
        o.stats["fixture"] = fx.id
        fx_outs.append(o)
    sym_outs = _nh_symmetric_runs(ctx)
    every = res.outcomes + fx_outs + sym_outs
    met = [o for o in every if o.stats.get("meets_all_four") and o.stats.get("stationary") == "zero"]
    extra = [o for o in fx_outs + sym_outs if o.status == "fails"] + [o for o in fx_outs + sym_outs
                                                                      if o.status != "fails"]
    if not met:
        extra.append(Outcome.band(note="vacuous: no stationary point reached met all four conditions"))
    pos_fail: dict[str, int] = {}
    for o in every:
        if o.stats.get("stationary") == "zero" and o.stats["relative_loss"] > tolerance.ZERO * tolerance.BAND:
            for c in o.stats["conditions"]:
                key = (f"k={c['k']}: " + ("condition 3 fails" if not all(c["cond3"]) else "") +
                       ("; " if not all(c["cond3"]) and c["cond4"] != "nonzero" else "") +
                       {"zero": "Hessian in W_k+1..H degenerate", "band": "condition 4 in the band",
                        "nonzero": ""}[c["cond4"]]).rstrip(": ")
                pos_fail[key] = pos_fail.get(key, 0) + 1
    why_out: dict[str, int] = {}
    for o in every:
        k = o.stats.get("why_out", "in scope" if o.stats.get("in_scope") else o.status)
        why_out[k] = why_out.get(k, 0) + 1
    losses = {"all four conditions": [], "some condition fails": []}
    for o in every:
        if o.stats.get("stationary") == "zero":
            key = "all four conditions" if o.stats.get("meets_all_four") else "some condition fails"
            losses[key].append(math.log10(max(o.stats["relative_loss"], 1e-32)))
    fig = {"kind": "hist", "title": "Loss at each stationary point reached (relative to ||Y||^2)",
           "xlabel": "log10 L / ||Y||^2 (clipped at 1e-32)", "ylabel": "stationary points", "data": losses,
           "vlines": {"zero tolerance": math.log10(tolerance.ZERO)}}
    r = merge([res], extra=extra,
              statistics={"points": len(every), "meeting_all_four": len(met), "by_status": why_out,
                          "symmetric_runs": _symmetric_summary(sym_outs),
                          "positive_loss_points_by_failed_condition": pos_fail,
                          "fixture_selection": _fixtures.select(NH_REQUIRES).summary(),
                          "fixtures": [{"fixture": o.stats["fixture"], "status": o.status, "loss": o.stats["loss"],
                                        "why_out": o.stats.get("why_out"), "conditions": o.stats["conditions"]}
                                       for o in fx_outs],
                          "positive_loss_stationary_points": sum(1 for o in every if o.stats.get("stationary") == "zero"
                                                                 and o.stats["relative_loss"] > 1e-7)},
              tried=_nh_tried(res.examples, len(fx_outs)),
              figures=[fig])
    r.notes.append("Condition 4 at a zero-loss point needs #params(W_{k+1..H}) <= m d_H (the Hessian there is 2 J^T J, "
                   "of rank <= m d_H): it holds in practice only when the wide layer is the last hidden one with "
                   "d_k = m. At the positive-loss stationary points reached, the Hessian in W_{k+1..H} was degenerate "
                   "(saturated sigmoids), so the corollary says nothing about them.")
    return r


def _nh_symmetric_runs(ctx: Context) -> list[Outcome]:
    """Corollary 3.9 attacked where its proof breaks: without bias, data {x, -x, 0} (and two
    antipodal pairs) make rank F_1 < m for *every* W_1 (sigmoid(z) + sigmoid(-z) = 1), so
    Lemma 4.4's perturbation to rank m does not exist at k = 1.  Deep nets (two hidden
    layers, the first of width m or m + 1, then 1 or 2) are trained to stationarity on
    generic labels (y(x) + y(-x) != 2 y(0) a.s.) and checked like every other point."""
    outs = []
    inits = 1 if ctx.max_examples <= 12 else 2
    for d0 in (1, 2, 3):
        rng = ctx.rng("golikov-nh-sym", d0)
        v = rng.normal(size=(d0, 2))
        sets = [np.hstack([v[:, :1], -v[:, :1], np.zeros((d0, 1))])]
        if d0 >= 2:
            sets.append(np.hstack([v, -v]))
        for x in sets:
            m = x.shape[1]
            widths = [(m, 1), (m, 2)] + ([(m + 1, 1)] if ctx.max_examples > 12 else [])
            for w in widths:
                spec = MLPSpec(d0, w, 1, "sigmoid", False)
                y = rng.normal(size=(1, m))
                for i in range(inits):
                    o = nh_run_outcome(spec.as_dict(), x, y, int(rng.integers(2**31)), ("unit", "fan_in")[i % 2])
                    o.stats["family"] = "symmetric (k = 1)"
                    outs.append(o)
    return outs


@check_nguyen_hein.replayer
def _replay_nh(p: dict) -> Outcome:
    rng = np.random.default_rng(0)
    if "fixture" in p:
        fx = {f.id: f for f in _fixtures.all_fixtures()}.get(str(p["fixture"]))
        if fx is None:
            raise LandscapeError(f"fixture {p['fixture']!r} is not in the library")
        return nh_point_outcome(fx.spec, fx.flat(), fx.x, fx.y, p, rng, fx.id)
    spec = _p.require_spec(p)
    x = _p.require_matrix(p, "x", rows=spec.d0)
    return nh_point_outcome(spec, torch.as_tensor(_p.require_flat(p, "weights", spec.n_params())), x,
                            _p.require_matrix(p, "y", rows=spec.d_out, cols=x.shape[1]), p, rng, "replayed")


@claim(
    "golikov.nguyen_hein.lemma4_4",
    title="Lemma 4.4 as the essay states it: rank F_k = m for almost all W_{1:k} (eq. (8), no bias)",
    source=f"{PAPER}, section 2.1.2, the paragraph after eq. (8) (Lemma 4.4 of Nguyen & Hein 2017)",
    statement=("For the sigmoid net of eq. (8) (no bias), some d_k >= m and distinct columns of X: the set of W_{1:k} "
               "with rank F_k = rank sigma(W_k ... sigma(W_1 X)) < m has Lebesgue measure zero."),
    hypotheses=("sigmoid, no bias (eq. (8))", "distinct columns (families of golikov.yu_chen.rank), m <= 5",
                "k = 1..3 hidden layers, the k-th of width m..m+2", "Gaussian weights"),
    paper="supported",
    expected="refuted",
    why=("Nguyen & Hein's networks carry biases; the essay's eq. (8) has none. Without bias the case k = 1 is Yu & "
         "Chen's rank statement, and data {x, -x, 0} give F_1(x) + F_1(-x) = 2 F_1(0) for every W_1 "
         "(sigmoid(z) + sigmoid(-z) = 1): rank F_1 < m on all of weight space (a measure-zero set of data X; generic "
         "data are full rank). For k >= 2 the relation is not inherited (W_2 F_1 keeps it, the second sigmoid "
         "breaks it unless W_2 1 = 0), so deeper layers are full rank in every draw (statistics.by_depth)."),
)
def check_nh_lemma44(ctx: Context) -> Result:
    @st.composite
    def examples(draw):
        x = draw(distinct_datasets(max_n=5))
        m = x.shape[1]
        k = draw(st.integers(1, 3))
        widths = [draw(st.integers(1, 4)) for _ in range(k - 1)] + [m + draw(st.integers(0, 2))]
        return x, MLPSpec(x.shape[0], tuple(widths), 1, "sigmoid", False), draw(seeds())

    def fn(ex):
        x, spec, s = ex
        o = lemma3_outcome(x, spec, s, ctx.draws)
        o.stats["k"] = spec.depth
        return o

    res = ctx.search(examples(), fn, label="sigmoid, no bias, d_k >= m", max_examples=2 * ctx.max_examples)
    # the identity's own case, the same on every seed: x = {1/2, -1/2, 0}, one hidden layer of width 3
    fixed = lemma3_outcome(np.array([[0.5, -0.5, 0.0]]), MLPSpec(1, (3,), 1, "sigmoid", False), 0, ctx.draws)
    fixed.stats["k"] = 1
    extra = [fixed]
    for k in (1, 2, 3):  # the symmetric data {x, -x, 0}, always tried at every depth
        for d0 in (1, 2):
            rng = ctx.rng("golikov-nh-l44", k, d0)
            v = rng.normal(size=(d0, 1))
            x = np.hstack([v, -v, np.zeros((d0, 1))])
            spec = MLPSpec(d0, tuple([int(rng.integers(1, 4)) for _ in range(k - 1)] + [3]), 1, "sigmoid", False)
            o = lemma3_outcome(x, spec, int(rng.integers(2**31)), ctx.draws)
            o.stats["k"] = k
            extra.append(o)
    extra = [o for o in extra if o.status == "fails"] + [o for o in extra if o.status != "fails"]
    by_depth: dict[str, dict[str, int]] = {}
    for o in res.outcomes + extra:
        by_depth.setdefault(str(o.stats.get("k")), {"holds": 0, "fails": 0, "band": 0})[o.status] += 1
    r = merge([res], extra=extra, statistics={"by_depth": by_depth},
              tried=_lemma44_tried(res.examples, len(extra), ctx.draws))
    if r.counterexample is not None:
        x = np.asarray(r.counterexample["X"], dtype=float)
        sp = MLPSpec.from_dict(r.counterexample["spec"])
        with_bias = lemma3_outcome(x, MLPSpec(sp.d0, sp.widths, 1, "sigmoid", True), 1, ctx.draws)
        r.statistics["counterexample_with_bias"] = {"status": with_bias.status, "s_min": with_bias.stats.get("s_min")}
    return r


check_nh_lemma44.replayer(replay_lemma3)
