"""Stability along gradient descent: section 4 ("Analysis of Perturbation During Training"),
eq. (6), Lemmas B.4 / B.5 of ``002_7f4fd584f3752d2b.txt`` -- ``du.stability.weights`` and
``du.stability.gram``: the weights' scaled distance from initialisation and the Gram matrix's
movement shrink as the width grows (on the FC runs of :mod:`.training`).
"""

from __future__ import annotations

import numpy as np

from landscape._core.context import Context, Outcome, Result, merge
from landscape._core.registry import claim
from landscape._lib import trend
from landscape._lib import prose
from landscape._lib.errors import LandscapeError
from landscape.claims.du._common import PAPER, decided
from landscape.claims.du.training import RATE_ACT, RATE_H, replayed_runs, runs_tried, training_runs

def stability_decision(tr: dict, key: str) -> tuple[trend.TrendDecision, trend.Slope | None, dict]:
    """:func:`trend.shrinks` on ``key`` against m over the *complete* runs (every planned step
    recorded, no blow-up); the others are excluded and counted.  Band if a run at the largest
    width is excluded (the fit would drop the instability it is meant to see) or fewer than
    two widths remain."""
    runs = tr["runs"]
    ms_all = sorted({r["m"] for r in runs})
    used = [r for r in runs if r["complete"]]
    excluded = {str(m): sum(1 for r in runs if r["m"] == m and not r["complete"]) for m in ms_all}
    um = sorted({r["m"] for r in used})
    stats = {"excluded_incomplete_runs": excluded,
             "values": {str(m): [r[key] for r in used if r["m"] == m] for m in um}}
    if excluded[str(ms_all[-1])] or len(um) < 2:
        return (trend.TrendDecision("band", 0.0, f"{sum(excluded.values())} run(s) blew up or stopped early "
                                                 f"({excluded}), at the largest width or leaving < 2 widths"),
                None, stats)
    sl = trend.fit([r["m"] for r in used], [max(r[key], 1e-300) for r in used])
    dec = trend.shrinks(sl)
    return dec, sl, stats | {"slope": sl.as_dict(), "against_paper_rate": trend.against_reference(sl, -0.5)}


def _stability(ctx: Context, key: str, what: str, bound_text: str) -> Result:
    tr = training_runs(ctx, "fc")
    dec, sl, stats = stability_decision(tr, key)
    ms = sorted({r["m"] for r in tr["runs"]})
    conv = {str(m): float(np.max([r["loss_decay"] for r in tr["runs"] if r["m"] == m])) for m in ms}
    stats |= {"rule": dec.note, "worst_final_loss_ratio_by_width": conv, "theorem_widths": tr["theorem_widths"]}
    if dec.status == "holds":
        o = Outcome.holds(dec.margin, **stats)
    elif dec.status == "fails":  # at eta = 0.5/lambda_max(G(0)): confirmed at the theorem's step before refuting
        conf = training_runs(ctx, "fc", eta_rule="theorem")
        dec2, _, stats2 = stability_decision(conf, key)
        stats["confirmation_at_theorem_eta"] = stats2 | {"rule": dec2.note}
        if dec2.status == "fails":
            o = Outcome.fails(conf["payload"] | {"key": key}, dec2.margin,
                              note=f"{what} at the theorem's step: {dec2.note}", **stats)
        else:
            o = Outcome.band(note=(f"{what}: {dec.note} at eta = 0.5/lambda_max(G(0)), not confirmed at the theorem's "
                                   f"step ({dec2.note})"), **stats)
    else:
        o = Outcome.band(note=dec.note, **stats)
    um = sorted(int(m) for m in stats["values"])
    mean = [float(np.mean(stats["values"][str(m)])) for m in um]
    fig = {"kind": "line", "title": f"{what} against width (FC runs of du.thm5_1.linear_rate)", "xlabel": "m",
           "ylabel": what, "logx": True, "logy": True,
           "series": {"mean over seeds": {"x": um, "y": mean},
                      "m^(-1/2) reference (the paper's bound)": {"x": um, "y": [mean[0] * (m / um[0]) ** -0.5 for m in um]}}}
    res = merge([], extra=[o], statistics=stats, tried=stability_tried(ctx, tr, conv, what, bound_text),
                figures=[fig])
    if sl is not None:
        rel = stats["against_paper_rate"]
        res.notes.append(f"Slope {sl.slope:.3f} [{sl.low:.3f}, {sl.high:.3f}] against the paper's -1/2: "
                         + ("contains it" if rel["interval_contains_reference"] else
                            ("below it (shrinks faster)" if rel["interval_below_reference"] else "above it (shrinks slower)"))
                         + ". -1/2 is an upper-bound rate; the verdict only asks that it shrinks.")
    return res


def stability_tried(ctx: Context, tr: dict, conv: dict, what: str, bound_text: str) -> str:
    """The ``tried`` text of the stability claims (``conv``: worst final loss ratio per width)."""
    runs = prose.sentence(
        "the complete runs of du.thm5_1.linear_rate",
        prose.paren("FC", "a run that blew up or stopped early is excluded and counted",
                    f"worst L(k_end)/L(0) per width {conv}") + ":",
        runs_tried(ctx, tr, "fc"))
    rule = prose.clauses(
        prose.clauses("supported if it lies below 0 (shrinks)",
                      "refuted if at or above 0 (confirmed at the theorem's step)",
                      "else inconclusive (also if a run at the largest width is excluded)", sep=", "),
        f"reported against the -1/2 of the paper's bound {bound_text}")
    return prose.sentence(runs + ".", f"Log-log slope of {what} against m with a 95% interval: {rule}")


def _replay_stability(p: dict) -> Outcome:
    """Re-run every stored FC run in full at the stored step rule (the theorem's for a
    refutation; ~15-25 s at the standard profile's widths) and re-decide :func:`trend.shrinks`."""
    key = str(p.get("key"))
    if key not in ("max_dist", "gram_dev"):
        raise LandscapeError(f"payload key={key!r} is invalid; expected 'max_dist' or 'gram_dev'")
    tr = replayed_runs(p, truncate=False)
    dec, _, stats = stability_decision(tr, key)
    return decided(dec, p, **stats)


@claim(
    "du.stability.weights",
    title="(1/sqrt m) ||W^(h)(k) - W^(h)(0)||_F stays small and shrinks as m grows",
    source=f"{PAPER}, section 4 ('Analysis of Perturbation During Training'), eq. (6), Lemma B.4",
    statement="Along gradient descent the scaled distance of every layer from its initialisation shrinks with the width.",
    hypotheses=(f"FC, {RATE_ACT}, H = {RATE_H}", "the complete runs of du.thm5_1.linear_rate"),
)
def check_stab_w(ctx: Context) -> Result:
    return _stability(ctx, "max_dist", "max_k,h (1/sqrt m)||W^(h)(k) - W^(h)(0)||_F",
                      "R' = O(n / (lambda sqrt m)) (Lemma B.4)")


@claim(
    "du.stability.gram",
    title="||G^(H)(k) - G^(H)(0)||_2 stays small and shrinks as m grows",
    source=f"{PAPER}, section 4, Lemma B.5",
    statement="Along gradient descent the Gram matrix moves less and less from its initial value as the width grows.",
    hypotheses=(f"FC, {RATE_ACT}, H = {RATE_H}", "the complete runs of du.thm5_1.linear_rate"),
)
def check_stab_g(ctx: Context) -> Result:
    return _stability(ctx, "gram_dev", "max_k ||G^(H)(k) - G^(H)(0)||_2",
                      "||G(k) - G(0)|| <~ n R' (Lipschitz in the weights, R' = O(n / (lambda sqrt m)))")


for _c in (check_stab_w, check_stab_g):
    _c.replayer(_replay_stability)
