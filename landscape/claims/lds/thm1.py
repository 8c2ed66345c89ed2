"""Theorem 1 / Corollary 1 (section 3.2): no strict bad local minimum when d_H >= N."""

from __future__ import annotations

import math

from landscape._core.context import Context, merge, Outcome, Result
from landscape._core.registry import claim
from landscape._lib import activations, fixtures as _fx
from landscape._lib import prose
from landscape._lib.search import Budget, category, certify_candidate, compact_certificate, hit_margin, replay_candidate
from landscape.claims.lds._common import PAPER
from landscape.claims.lds.thm1_search import kinds_figure, landscape_figures, SEARCH_ACTS, search_landscape

# ---------------------------------------------------------------------------------------
# lds.thm1.no_strict_bad_min
# ---------------------------------------------------------------------------------------

#: Theorem 1's hypotheses on a fixture (requirements on :attr:`landscape._lib.fixtures.Fixture.properties`).
THM1_REQUIRES = {"kind": ("bad_local_min",), "loss": "squared", "overparameterized": True, "d_out": 1, "a1": True,
                 "continuous": True, "saturated": False}


def fixture_outcomes(budget: Budget, requires: dict | None = None) -> tuple[list[Outcome], list[dict], _fx.Selection]:
    """Every bad-minimum fixture meeting Theorem 1's hypotheses must not certify as strict.

    Returns the decisive outcomes, the informational rows of positively homogeneous fixtures
    (ReLU: a strict find is impossible there, so they are reported but not counted), and the
    selection (matched and excluded fixtures, with reasons).  A fixture whose certificate is
    excluded (:data:`EXCLUDED`) gives no outcome; it is listed with its reason.
    """
    sel = _fx.select(THM1_REQUIRES if requires is None else requires)
    outs, info = [], []
    for fx in sel.matched:
        best = float(fx.facts.get("global_inf", fx.facts.get("lower_loss_witness", 0.0)) or 0.0)
        c = certify_candidate(fx.spec, fx.flat(), fx.x, fx.y, best, 0, budget)
        st_ = {"fixture": fx.id, "kind": c.get("kind"), "loss": c["loss"], "certificate_margin": c.get("margin"),
               "reason": c.get("reason"), "candidate": compact_certificate(c) | {"problem": fx.id}}
        cat = category(c)
        if activations.get(fx.spec.activation).positively_homogeneous and cat != "hit":
            info.append(st_ | {"counted": False, "why": "positively homogeneous: no strict minimum possible"})
        elif cat == "hit":
            outs.append(Outcome.fails({"fixture": fx.id, "seed": 0, "budget": budget.as_dict()},
                                      hit_margin(c), note=f"{fx.id} certifies as a strict bad minimum", **st_))
        elif cat == "band":
            outs.append(Outcome.band(note=f"{fx.id}: certificate inconclusive ({c.get('reason')})", **st_))
        elif cat == "ruled out":
            outs.append(Outcome.holds(float(c.get("margin", math.inf)), **st_))
        else:  # excluded, or not bad at all: no conclusion, listed
            info.append(st_ | {"counted": False, "why": cat})
    return outs, info, sel


HOMOGENEOUS_NOTE = ("ReLU and leaky ReLU are positively homogeneous: at every point where a hidden unit has non-zero "
                    "incoming and outgoing weights, scaling them by c and 1/c keeps the loss (a curve of equal loss, "
                    "evaluated as a symmetry probe at every candidate), so no point is a strict local minimum and "
                    "strictness is never certified for them; with smooth=False (a pre-activation at the kink) the "
                    "certificate has no Hessian proof at all, and off the kinks it uses smooth=True (the loss is a "
                    "polynomial there). Their search cannot refute Theorem 1, so its problems and fixtures are "
                    "reported (kinds, spectra, fractions of bad endpoints) but not counted as support.")


@claim(
    "lds.thm1.no_strict_bad_min",
    title="Theorem 1 / Corollary 1: no strict bad local minimum when d_H >= N, any continuous sigma",
    source=f"{PAPER}, Theorem 1 and Corollary 1 (section 3.2), Assumption 1 (A1-A4)",
    statement=("With d_H >= N, A1 data, a convex loss and any continuous activation (ReLU included), the empirical "
               "loss has no strict bad local minimum (it is weakly global)."),
    hypotheses=("A1 data, N <= 4, d0 <= 2", "d_H >= N, depth <= 2, width <= 5, bias or not", "squared loss",
                "sigma in " + ", ".join(SEARCH_ACTS) + " (ReLU / leaky ReLU reported, not counted: see notes)",
                "fixtures meeting: " + "; ".join(_fx.describe(THM1_REQUIRES))),
)
def check_thm1(ctx: Context) -> Result:
    budget = Budget.of(ctx)
    decisive = tuple(a for a in SEARCH_ACTS if not activations.get(a).positively_homogeneous)
    homog = tuple(a for a in SEARCH_ACTS if activations.get(a).positively_homogeneous)
    rep = search_landscape(ctx, budget, over=True, acts=decisive, depth=2, max_examples=max(4, ctx.max_examples // 2))
    info = search_landscape(ctx, budget, over=True, acts=homog, depth=2, max_examples=max(2, ctx.max_examples // 6),
                   label="ReLU / leaky ReLU (informational)")
    fx, fx_info, sel = fixture_outcomes(budget)
    decided = sum(1 for o in rep.outcomes + fx if o.status == "holds")
    extra = list(fx)
    if decided == 0 and not any(o.status == "fails" for o in rep.outcomes + fx):
        extra.append(Outcome.band(note="nothing decided: no problem or fixture ruled a bad candidate out or "
                                       "showed no bad endpoint"))
    evid: dict[str, int] = {}
    for o in rep.outcomes:
        k = o.stats.get("evidence", o.status).split(" among")[0].split(" (")[0]
        evid[k] = evid.get(k, 0) + 1
    fx_cands = [s["candidate"] for s in [o.stats for o in fx] + fx_info]
    cat_totals: dict[str, int] = {}
    per_problem = []
    for p in rep.problems:
        for k, v in (p.get("category_counts") or {}).items():
            cat_totals[k] = cat_totals.get(k, 0) + v
        if p.get("distinct_bad_values"):
            per_problem.append({"problem": f"{p['activation']} N={p['N']} widths={p['widths']} seed={p['seed']}",
                                "distinct_bad_values": p["distinct_bad_values"],
                                "certified": p["certified_values"], "uncertified": p["uncertified_bad_values"],
                                "categories": p.get("category_counts")})
    stats = {"budget": budget.as_dict(), "certificates_by_activation": rep.kinds(),
             "problems_by_evidence": evid, "excluded_problems": rep.excluded,
             "endpoint_fractions": rep.endpoint_fractions(),
             "candidates": rep.candidates(),
             "relu_informational": {"outcomes": [o.status for o in info.outcomes], "kinds": info.kinds(),
                                    "endpoint_fractions": info.endpoint_fractions(), "excluded": info.excluded,
                                    "candidates": info.candidates()},
             "fixtures": [o.stats for o in fx], "fixtures_not_counted": fx_info, "fixture_selection": sel.summary(),
             "decided": decided, "candidate_categories": cat_totals,
             "uncertified_bad_values": sum(p.get("uncertified_bad_values", 0) for p in rep.problems),
             "bad_values_per_problem": per_problem}
    return merge([rep.res], extra=extra, statistics=stats,
                 tried=_thm1_tried(ctx.seed, decisive, rep, info, budget, per_problem, stats["uncertified_bad_values"],
                                   cat_totals, fx, fx_info, sel),
                 figures=[kinds_figure(rep.kinds(), "Certificates of the bad stationary points found (d_H >= N)"),
                          *landscape_figures([rep, info], fx_cands, "d_H >= N")],
                 notes=[HOMOGENEOUS_NOTE,
                        _thm1_rule_note(evid, stats["uncertified_bad_values"], budget.refine)])


def _thm1_tried(seed: int, decisive: tuple[str, ...], rep, info, budget: Budget, per_problem: list[dict], uncertified: int,
                categories: dict[str, int], fx: list, fx_info: list, sel) -> str:
    """The ``tried`` prose of ``lds.thm1``: the counted search ``rep`` (``decisive`` activations), the informational
    ReLU search ``info``, the bad values ``per_problem``, the candidate ``categories`` and the fixtures."""
    problems = prose.paren(f"Hypothesis seed {seed}", f"sigma in {prose.seq(decisive)}",
                           f"{len(rep.excluded)} more problems excluded: every bad candidate saturated")
    refined = prose.sentence(
        "per problem the distinct bad loss values",
        "(clearly above the lowest attained loss: starts, last-layer least squares)",
        f"are refined to stationarity (L-BFGS + Newton) and certified lowest first, at most {budget.refine} per problem:",
        prose.clauses(f"{sum(p['certified'] for p in per_problem)} certified",
                      f"{uncertified} left uncertified over the {len(per_problem)} problems with a bad value", sep=", "),
        "(bad_values_per_problem lists each; uncertified values are not decided, they neither support nor refute)")
    certificates = prose.clauses("Hessian (exact)", f"{budget.samples} samples on 3 spheres",
                                 f"{budget.attack_starts}x{budget.attack_steps} ball attacks",
                                 "flat probes and rescaling curves", f"{budget.escape_starts} escape runs", sep=", ")
    fixtures = prose.sentence(f"{len(fx)} fixtures counted (+{len(fx_info)} reported only)",
                              f"of {len(sel.matched)} meeting the requirements ({len(sel.excluded)} excluded)")
    return prose.clauses(
        f"{rep.res.examples} counted problems {problems} x {budget.starts} random L-BFGS starts "
        f"({budget.screen_iter} iterations)",
        refined, f"candidates {prose.tally(categories, skip_zero=True)}", f"certificates: {certificates}", fixtures,
        f"plus {info.res.examples} ReLU / leaky ReLU problems reported, not counted")


def _thm1_rule_note(evid: dict[str, int], uncertified: int, refine: int) -> str:
    """The note stating lds.thm1's per-candidate and per-problem rules, with the problems counted by evidence ``evid``."""
    ruled_out = evid.get("every bad candidate ruled out", 0) + evid.get("every finite bad candidate ruled out", 0)
    counts = prose.paren(f"'no bad endpoint': {evid.get('no bad endpoint', 0)} problems", f"ruled out: {ruled_out}",
                         f"band: {evid.get('band', 0)}")
    per_candidate = prose.clauses(
        "ruled out (non-strict, saddle, certified not stationary, not a minimum by the last layer, "
        "or not bad after refinement) -> supports",
        "saturated (not a finite candidate, landscape._lib.certify.saturation) -> excluded and counted",
        "undecided for numerical reasons -> band")
    per_problem = prose.clauses(
        "refuted by any certified strict bad minimum", "else band if any candidate is undecided",
        f"else support when at least one was ruled out or no start ended at a bad value {counts}", sep=", ")
    return prose.sentence(
        f"Per candidate: {per_candidate}.", f"Per problem: {per_problem}.",
        "Problems whose every bad candidate is excluded never count.",
        f"{uncertified} distinct bad values beyond the {refine} certified per problem were not examined.")



check_thm1.replayer(replay_candidate)
