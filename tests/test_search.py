"""The landscape search (landscape._lib.search, search_mp) and the Li-Ding-Sun search claims
(landscape.claims.lds.thm1, thm1_under, yu_chen) on cases with known answers.

The claims themselves run in tests/test_claims.py; here: the split construction and why
it is a local minimum, the deterministic under-parameterised constructions (several
seeds), robustness of the search to numerical failures, replay of a find, determinism,
and the multiple-precision escalation of lds.thm2.path on the split fixtures.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from landscape._lib import certify, fixtures, search, search_mp, tolerance
from landscape._lib.networks.mlp import squared_loss
from landscape.claims.lds import lemma3_variants, prop1, thm1, thm1_under, thm2_path, yu_chen
from landscape._lib.networks.mlp import MLP, MLPSpec

SMALL = search.Budget(starts=4, screen_iter=60, refine=2, samples=16, attack_starts=2, attack_steps=20, escape_starts=1,
                 escape_steps=20)


@pytest.mark.parametrize("i", range(len(yu_chen.YU_CHEN_DATA)))
def test_split_point_meets_fukumizu_amari_and_certifies_non_strict(i):
    p = yu_chen.split_point(i)
    assert p.valid and p.interior and p.fa_sign > 0
    assert p.max_preactivation < 5  # a finite, interior one-neuron minimum (not a drift to infinity)
    spec, x, y = p.spec, np.array([p.x]), np.array([p.y])
    lossf = squared_loss(spec, x, y)
    w = torch.tensor(p.w, dtype=torch.float64)
    # stationary, and the split line lam a, (1 - lam) a has constant loss (non-strict)
    assert certify.gradient_norm(lossf, w) < 1e-12
    for lam in (0.2, 0.8):
        v = torch.tensor([p.w1, p.w1, lam * p.a1, (1 - lam) * p.a1], dtype=torch.float64)
        assert float(lossf(v)) == pytest.approx(p.loss, rel=1e-14)
    # a lower loss exists: two distinct neurons interpolate N = 2 points
    assert p.witness_loss < 1e-25 < p.loss
    summary, c = yu_chen.yu_chen_outcome(i, 0, SMALL)
    assert c["kind"] == "non-strict" and c["bad"]["outcome"] == "nonzero"


def test_split_point_first_order_rank_gain_vanishes():
    """Why lds.thm2.path needs multiple precision on the split fixtures: at a stationary point with a
    non-zero residual r, sigma(w x) and x * sigma'(w x) are both orthogonal to r (N = 2), so they are
    parallel and det T_H of the perturbed split neurons is O(delta^2), not O(delta)."""
    for i in range(len(yu_chen.YU_CHEN_DATA)):
        p = yu_chen.split_point(i)
        x = np.array(p.x)
        s = 1 / (1 + np.exp(-p.w1 * x))
        ds = x * s * (1 - s)
        d = ds[0] * s[1] - ds[1] * s[0]
        assert abs(d) < 1e-14 * np.abs(ds).max()


def test_thm2_path_on_split_fixtures_holds_after_escalation():
    fxs = yu_chen.yu_chen_fixtures()
    assert [f.id for f in fxs] == [f"lds.yu_chen[{i}]" for i in range(len(yu_chen.YU_CHEN_DATA))]
    for fx in fxs:
        o = thm2_path.path_outcome(fx.spec, fx.weights, fx.x, fx.y, "absolute", 1e-3, 1, source=fx.id)
        assert o.status == "holds", o.note
        assert o.stats["precision"].startswith("mp")  # float64 alone leaves |W* T_H - Y| ~ 1e-7


@pytest.mark.parametrize("act", thm1_under.UNDER_ACTS)
@pytest.mark.parametrize("seed", [7919, 15838, 23757, 3])
def test_constructions_give_certified_strict_bad_minima(act, seed):
    o = thm1_under.construction_outcome(act, seed, SMALL, points=801)
    assert o.status == "fails", (o.note, o.stats)
    assert o.margin > 1
    # the find replays from its payload alone (best re-witnessed from best_w)
    r = search.replay_candidate(o.payload)
    assert r.status == "fails" and r.margin == pytest.approx(o.margin)


def test_search_survives_numerical_failures(monkeypatch):
    # e^z activation on widely spread data: starts overflow, refinements may fail -- never an exception
    x = np.array([[-40.0, -1.0, 2.0, 30.0]])
    spec = MLPSpec(1, (2,), 1, "cubic_exp", True)
    o = search.search_outcome(x, spec, 5, SMALL)
    assert o.status in ("holds", "band", "fails")

    def boom(*a, **k):
        raise FloatingPointError("forced")

    monkeypatch.setattr(certify, "certify_minimum", boom)
    x1, y1 = np.array([thm1_under.UNDER_X]), np.ones((1, 4))
    s = -np.sin(-3.0 * x1[0] - 1.0) ** 2  # negsin2 at w = -3, with the least-squares output weight
    w = torch.tensor([-3.0, float(s @ y1[0] / (s @ s))], dtype=torch.float64)
    c = search.certify_candidate(MLPSpec(1, (1,), 1, "negsin2", False), w, x1, y1, 0.0, 0, SMALL)
    assert c["kind"] == "undecided (numerical error)" and "forced" in c["reason"]


def test_screen_returns_none_or_result_on_overflow():
    spec = MLPSpec(1, (3,), 1, "cubic_exp", False)
    x, y = np.array([[50.0, 60.0, 70.0]]), np.ones((1, 3))
    lossf = squared_loss(spec, x, y)
    try:
        r = search.screen(lossf, torch.full((6,), 3.0, dtype=torch.float64), 50)
    except search.NUMERICAL:
        return  # counted as diverged by search_outcome
    assert r is None or math.isfinite(r.loss)


def test_search_outcome_is_deterministic():
    x = np.array([[-1.0, 0.5, 1.5]])
    spec = MLPSpec(1, (3,), 1, "tanh", True)
    a = search.search_outcome(x, spec, 11, SMALL)
    b = search.search_outcome(x, spec, 11, SMALL)
    assert (a.status, a.margin, a.stats) == (b.status, b.margin, b.stats)


def test_last_layer_check_rejects_points_above_the_zero_output_layer():
    spec = MLPSpec(1, (2,), 1, "tanh", False)
    x, y = np.array([[-1.0, 0.5, 2.0]]), np.array([[1.0, -1.0, 0.5]])
    w = torch.tensor([0.7, -1.3, 50.0, 50.0], dtype=torch.float64)  # loss far above sum y^2
    c = search.certify_candidate(spec, w, x, y, 0.0, 0, SMALL)
    assert c["kind"] == "not a minimum (last layer)" and c["margin"] > 1


def test_prop1_fixtures_are_not_rejected_by_round_off():
    # sigma(t) = 0 only up to round-off at the Prop. 1 points: the check must not read a huge
    # least-squares output weight as a lower point
    from landscape._lib import fixtures

    for fx in fixtures.matching(lambda f: f.source == "lds.prop1"):
        c = search.certify_candidate(fx.spec, fx.flat(), fx.x, fx.y, 0.0, 0, SMALL)
        assert c["kind"] == "non-strict", (fx.id, c.get("reason"))


def test_rescaling_symmetries_keep_the_loss():
    spec = MLPSpec(2, (3, 2), 1, "relu", True)
    net = MLP.random(spec, np.random.default_rng(0))
    x, y = np.random.default_rng(1).normal(size=(2, 4)), np.random.default_rng(2).normal(size=(1, 4))
    lossf = squared_loss(spec, x, y)
    w = net.flat()
    syms = search.rescaling_symmetries(spec)
    assert len(syms) == 4 and search.rescaling_symmetries(MLPSpec(1, (2,), 1, "tanh", False)) == []
    for sym in syms:
        v = sym(w, 0.3)
        assert float((v - w).norm()) > 0
        assert float(lossf(v)) == pytest.approx(float(lossf(w)), rel=1e-13)


# --------------------------------------------------------------------------------------
# exclusion, vacuity, ReLU, reports
# --------------------------------------------------------------------------------------

def test_excluded_candidates_never_hold(monkeypatch):
    """A problem whose bad candidates are all excluded (here: forced 'saturated') gives no outcome."""
    x = np.array([[-1.0, -0.25, 0.5, 1.0]])
    spec = MLPSpec(1, (1,), 1, "negsin2", False)  # d_H < N: bad endpoints are common

    def saturated(*a, **k):
        return {"loss": 1.0, "best": 0.0, "kind": "saturated (not certified)", "reason": "forced"}

    monkeypatch.setattr(search, "certify_candidate", saturated)
    for seed in range(6):
        p = search.search_problem(x, spec, seed, SMALL)
        if p.stats.get("distinct_bad_values"):
            assert p.outcome is None and "excluded" in p.excluded_reason
            o = search.search_outcome(x, spec, seed, SMALL)
            assert o.status == "band" and o.stats["excluded"] is True
            return
    pytest.fail("no problem with a bad endpoint among 6 seeds")


def test_problem_without_bad_endpoint_says_so():
    x = np.array([[-1.0, 0.5]])
    spec = MLPSpec(1, (4,), 1, "tanh", True)
    p = search.search_problem(x, spec, 3, SMALL)
    assert p.outcome is not None and p.outcome.status == "holds"
    if p.stats["endpoints"]["bad"] == 0:
        assert p.outcome.stats["evidence"].startswith("no bad endpoint")


def test_thm1_is_not_supported_by_vacuity(monkeypatch):
    from landscape._core import profiles
    from landscape._core.context import Context, SearchResult

    empty = search.SearchReport(SearchResult("empty", [], None, 0, 0.0), [], [])
    monkeypatch.setattr(thm1, "search_landscape", lambda *a, **k: empty)
    monkeypatch.setattr(thm1, "fixture_outcomes", lambda budget: ([], [], fixtures.Selection([], [], {})))
    r = thm1.check_thm1.check(Context(profiles.get("quick")))
    assert r.verdict == "inconclusive"


def test_relu_candidates_use_the_smooth_certificate_off_the_kinks():
    spec = MLPSpec(1, (2,), 1, "relu", False)
    x, y = np.array([[0.5, 1.0]]), np.array([[1.0, 2.0]])
    w = torch.tensor([1.0, -1.0, 0.3, 0.7], dtype=torch.float64)  # unit 2 dead, unit 1 active: no kink
    c = search.certify_candidate(spec, w, x, y, 0.0, 0, SMALL)
    assert c["smooth_used"] is True and c["min_relative_preactivation"] > 0.1
    assert c["kind"] != "strict"  # the rescaling curve: never strict
    w_kink = torch.tensor([0.0, -1.0, 0.3, 0.7], dtype=torch.float64)  # unit 1 at its kink for every sample
    c2 = search.certify_candidate(spec, w_kink, x, y, 0.0, 0, SMALL)
    assert c2.get("smooth_used") in (False, None)


def test_certificate_summary_keeps_spectrum_gradient_and_escape_paths():
    import json

    spec = MLPSpec(1, (1,), 1, "negsin2", False)
    fx = next(f for f in thm1_under.under_fixtures() if f.spec.activation == "negsin2")
    c = search.certify_candidate(spec, fx.flat(), fx.x, fx.y, fx.facts["lower_loss_witness"], 0, SMALL)
    # Krawczyk box + inertia over it; 'bad' against a number (no witness point to enclose) is float64
    assert c["kind"] == "strict" and c["critical_proof"] == "interval" and c["proof"] == "float64"
    comp = search.compact_certificate(c)
    json.dumps(comp, allow_nan=False)
    assert comp["eigenvalue_counts"]["positive"] == 2 and comp["spectrum"] and comp["grad_norm"] < 1e-8
    # a proved kind skips the probes and escapes (nothing they could add); escapes that ran keep their paths
    assert all(len(e["loss"]) == len(e["step"]) for e in comp["escapes"])


def test_under_fixtures_are_certified_strict_and_feed_the_underparameterised_path():
    fxs = thm1_under.under_fixtures()
    assert {f.spec.activation for f in fxs} == set(thm1_under.UNDER_ACTS)
    for fx in fxs:
        assert fx.properties["certificate"] == "strict" and fx.properties["overparameterized"] is False
        assert fx.properties["bad"] is True
        o = thm2_path.path_outcome(fx.spec, fx.weights, fx.x, fx.y, "squared", 1e-3, 0, source=fx.id, inf_mode="witness",
                             witness=[np.asarray(w) for w in fx.facts["witness_weights"]])
        assert o.status == "fails", o.note
        assert thm2_path._replay_path(o.payload).status == "fails"


def test_fixture_requirements_select_and_explain():
    from landscape._lib import fixtures

    sel = fixtures.select(thm1.THM1_REQUIRES)
    ids = {f.id for f in sel.matched}
    assert "lds.yu_chen[0]" in ids and "lds.prop1[sincos,d=1]" in ids
    assert not any(i.startswith("lds.thm1.under") for i in ids)
    under = [k for k in sel.excluded if k.startswith("lds.thm1.under")]
    assert under and all(any(r.startswith("overparameterized = True") for r in sel.excluded[k]) for k in under)
    # the old predicate form still works, and requirements combine with it
    assert fixtures.matching(lambda f: f.id in ids) == sel.matched
    assert {f.id for f in fixtures.matching(activation="sigmoid", kind="bad_local_min")} == {
        f"lds.yu_chen[{i}]" for i in range(len(yu_chen.YU_CHEN_DATA))}
    assert fixtures.describe({"d_H": fixtures.at_least(2), "kind": ("a", "b")}) == ["d_H >= 2", "kind in {a, b}"]
    with pytest.raises(KeyError, match="unknown fixture property"):
        fixtures.select({"colour": "red"})


def test_lemma3_fixtures_are_rank_deficient_for_every_weight():
    for fx in lemma3_variants.lemma3_fixtures():
        assert fx.kind == "rank_deficient" and fx.facts["rank"] == 3 and fx.facts["target"] == 4
        assert fx.properties["a1"] and fx.properties["overparameterized"] and fx.properties["assumption2_N"] is False


def test_prop1_certificate_fails_off_the_construction_and_replays():
    from landscape.claims.lds.prop1 import prop1_certificate

    ok = prop1_certificate("negsin2", [0.5], [1.0], 2, 2.0, np.random.default_rng(0), 16)
    assert ok.status == "holds", ok.note
    seq = ok.stats["equal_loss_sequence"]
    assert [s["decision"]["outcome"] for s in seq] == ["zero"] * 4
    assert seq[-1]["distance"] < 1e-3 * seq[0]["distance"] * 10
    assert ok.stats["inf_E_zero_shown"] and ok.stats["certificate"]["kind"] == "non-strict"
    off = prop1_certificate("negsin2", [0.5], [1.0], 2, 2.3, np.random.default_rng(0), 16)  # not on the zero
    assert off.status == "fails"
    assert prop1.replay_prop1(off.payload).status == "fails"


def test_inconclusive_drift_is_decided_in_multiple_precision():
    """Found by lds.thm1.no_strict_bad_min (standard profile): a tanh point with tiny first-layer weights
    and large output weights sits on a valley whose loss decreases by ~1e-9 relative per unit step, so the
    float64 lower-point decisions fall in the band.  At 50 digits the decrease along -grad is decided, and
    it is first order: not a local minimum."""
    spec = MLPSpec(1, (3,), 1, "tanh", False)
    w = torch.tensor([0.018789880585820127, 0.01878988329275573, -0.01878987857318757, 21.937922309336404,
                      12.479374052902767, -50.26091481276919], dtype=torch.float64)
    x, y = np.array([[0.25, 0.5, 0.0]]), np.array([[0.345584192064786, 0.8216181435011584, 0.33043707618338714]])
    mp = search_mp.mp_descent_check(spec, w, x, y)
    assert mp["lower_at_every_distance"] and mp["margin"] > 10
    assert all(5 <= a / b <= 20 for a, b in zip(mp["relative_decrease"], mp["relative_decrease"][1:]))
    budget = search.Budget(starts=16, screen_iter=320, refine=3, samples=64, attack_starts=4, attack_steps=60,
                      escape_starts=2, escape_steps=30)
    c = search.certify_candidate(spec, w, x, y, 0.1091886613166256, 2, budget)
    # the certificate's own ladder now decides it first (the gradient is real at 30 / 60 digits)
    assert c["kind"] == "not-stationary" and c["evidence"] in ("gradient", "multiple-precision descent")
    assert c["proof"] in ("interval", "multiprecision")
    # a strict minimum is never relabelled: the check is only for inconclusive certificates
    fx = next(f for f in thm1_under.under_fixtures() if f.spec.activation == "sincos")
    assert search_mp.mp_descent_check(fx.spec, fx.flat(), fx.x, fx.y)["lower_at_every_distance"] is False


def test_narrow_softplus_valley_is_decided_along_its_own_curvature():
    """Found by lds.thm1.no_strict_bad_min (quick profile, seed 16, problem 'softplus N=3 widths=[4]
    seed=62861071'): every unit is in its e^z tail at x = 1.5 (pre-activations <= -16.4), so f(1.5) = 2.3e-6
    while y = -0.01427 and the loss 2.0378e-4 sits on a valley falling towards (-0.01427)^2 = 2.0371e-4 as the
    tails vanish.  |g| = 3.6e-8 is 'zero' relative to G = Lambda |w| = 7.6e5 (Lambda = 5626), 10 of 12 Hessian
    eigenvalues are ~1e-13 normalised and every lower-point decision is in the band: the certificate is
    inconclusive.  At 50 digits the loss along -grad rises at 1e-1 and 1e-2 (the walls: curvature 1.7e-5 along
    -grad from its 2e-12 part along the two stiff eigenvectors), but along the gradient off the stiff
    directions it falls linearly at 1e-2 .. 1e-4 (relative 1.6e-6 .. 1.8e-8), with slope |g|: not stationary,
    not a local minimum."""
    spec = MLPSpec(1, (4,), 1, "softplus", True)
    w = torch.tensor([-59.27040595008799, 3.5025111377750267, -16.92041171952678, 8.974535879447915,
                      -12.395892324272193, -1.5127097319398874, -107.18741937337201, 37.710248226364435,
                      -18.994518371647654, 30.447392413438454, 3.8803874170754846, -5.510005997782349],
                     dtype=torch.float64)
    x, y = np.array([[0.75, 1.5, 0.0]]), np.array([[0.7321923112580899, -0.014272730797019928, -0.8482234926543213]])
    lossf = squared_loss(spec, x, y)
    lam = float(np.max(np.abs(np.linalg.eigvalsh(certify.exact_hessian(lossf, w).numpy()))))
    gn = certify.gradient_norm(lossf, w)
    fixed = search_mp.mp_descent_check(spec, w, x, y)
    assert fixed["relative_decrease"][0] < 0  # 1e-1: the wall rises
    # The part of the float64 gradient along the two stiff eigenvectors (~2e-12 of |g|) is round-off, so
    # whether the wall also rises at 1e-2 depends on the CPU's float64 kernels (it rose on the Intel machine
    # the case was found on, not on an AMD EPYC): the first rung may decide or defer to the second; the
    # decision must be the same either way.
    mp = search_mp.mp_not_stationary(spec, w, x, y, gn, lam)
    rungs = [r["rung"] for r in mp["rungs"]]
    assert mp["lower_at_every_distance"]
    if fixed["lower_at_every_distance"]:
        assert rungs == ["fixed distances"] and mp["deciding_rung"] == "fixed distances"
    else:
        assert rungs == ["fixed distances", "gradient off the stiff directions"]
        assert mp["deciding_rung"] == "gradient off the stiff directions"
        assert mp["visible"]["float64"]["outcome"] == "nonzero"
    assert abs(mp["slope"] / gn - 1) < 1e-2 and mp["margin"] > 3
    # along -grad itself, below |g| / kappa (kappa = 1.7e-5 along -grad): first order too, visible above ZERO
    wv = w.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(lossf(wv), wv)
    u = -g / g.norm()
    top = gn / float(u @ certify.hvp_function(lossf, w)(u))
    along = search_mp.mp_descent_check(spec, w, x, y, distances=tuple(top * 10.0 ** -k for k in range(4)), visible=True)
    # (whether that decrease is float64-visible depends on the same round-off part of g: not asserted)
    assert along["lower_at_every_distance"] and along["visible"]["float64"]["outcome"] in ("band", "nonzero")
    c = search.certify_candidate(spec, w, x, y, 5.278251753836268e-32, 62861072,
                            search.Budget(starts=8, screen_iter=160, refine=2, samples=32, attack_starts=2,
                                     attack_steps=30, escape_starts=2, escape_steps=30))
    assert c["kind"] == "not-stationary" and search.category(c) == "ruled out"
    # decided by the certificate's ladder (not critical: the gradient is real at 30 / 60 digits); the older
    # float64 re-decision by multiple-precision descent is only reached when the certificate is inconclusive
    assert c["proof"] in ("interval", "multiprecision")
    if "re_decided" in c:
        assert c["re_decided"]["outcome"] == "not-stationary"
        assert search.compact_certificate(c)["re_decided"] == c["re_decided"]


def test_refinement_left_short_across_steep_walls_is_decided_off_them():
    """Found by lds.thm1.no_strict_bad_min (quick profile, seed 12, problem 'softplus N=2 widths=[2, 3]
    seed=1360'): every second-layer unit is in its tail at x = 73 (loss 0.744 = y_1^2), the refinement ends
    with |g| = 2.9e-6 / G in the band, 94% of it along the stiffest eigenvector (Lambda = 313: a stationary
    point across the wall 8.6e-9 away).  Along -grad the wall rises at every fixed distance, and at the
    distances below |g| / Lambda the decrease (3.5e-16 relative) is round-off, not visible: neither decides.
    The gradient off the stiff directions (|P g| = 8.4e-7, curvature -6e-5 along it) falls linearly and
    visibly (1.7e-9 .. 1.6e-11 relative at 1.4e-3 .. 1.4e-5): not stationary, nor is any point across the wall."""
    spec = MLPSpec(1, (2, 3), 1, "softplus", False)
    w = torch.tensor([-0.47279801371455477, 0.83579329459356, -0.5365847732887613, -0.2707337047055742,
                      0.3340511203039328, -0.24320297886791517, 0.37876343031850407, -0.35104431591739094,
                      -0.06886791070500199, 0.018395606974512393, -0.12489237102909664], dtype=torch.float64)
    x, y = np.array([[72.99870316845181, -50.15364193675401]]), np.array([[0.8626326997805429, -0.9760076503068889]])
    mp = search_mp.mp_not_stationary(spec, w, x, y, 2.877492870359393e-06, 313.2776739814257)
    assert mp["lower_at_every_distance"] and mp["deciding_rung"] == "gradient off the stiff directions"
    assert abs(mp["slope"] / mp["directional_derivative"] - 1) < 1e-2 and mp["margin"] > 1
    top = 2.877492870359393e-06 / 313.2776739814257
    blind = search_mp.mp_descent_check(spec, w, x, y, distances=tuple(top * 10.0 ** -k for k in range(4)), visible=True)
    assert blind["lower_at_every_distance"] is False and blind["visible"]["float64"]["outcome"] == "zero"
    p = search.search_problem(x, spec, 1360, search.Budget(starts=8, screen_iter=160, refine=2, samples=32, attack_starts=2,
                                                  attack_steps=30, escape_starts=2, escape_steps=30))
    assert p.outcome.status == "holds" and p.stats["category_counts"]["band"] == 0


def test_small_distance_descent_must_be_visible_in_float64():
    """At a certified strict minimum rounded to float64 the exact gradient is round-off (2.8e-15) but not
    zero, so at distances below |g| / Lambda the loss at 100 digits falls linearly (relative 1e-31 .. 1e-34):
    without the visibility rule that would 'prove' a strict minimum not stationary."""
    fx = next(f for f in thm1_under.under_fixtures() if f.spec.activation == "negsin2")
    lossf = squared_loss(fx.spec, fx.x, fx.y)
    sp = certify.refine_stationary(lossf, fx.flat(), max_iter=50)
    top = 0.1 * sp.grad_norm / sp.lambda_abs_max
    dist = tuple(top * 10.0 ** -k for k in range(4))
    blind = search_mp.mp_descent_check(fx.spec, sp.w, fx.x, fx.y, dps=100, distances=dist)
    seen = search_mp.mp_descent_check(fx.spec, sp.w, fx.x, fx.y, dps=100, distances=dist, visible=True)
    assert blind["lower_at_every_distance"] is True and seen["lower_at_every_distance"] is False
    assert seen["visible"]["float64"]["outcome"] == "zero"
    assert search_mp.mp_not_stationary(fx.spec, sp.w, fx.x, fx.y, sp.grad_norm, sp.lambda_abs_max)[
        "lower_at_every_distance"] is False
    assert search.certify_candidate(fx.spec, sp.w, fx.x, fx.y, 0.0, 0, search.REPLAY_BUDGET)["kind"] == "strict"


# --------------------------------------------------------------------------------------
# the per-candidate / per-problem rule (found by a review of lds.thm1.no_strict_bad_min)
# --------------------------------------------------------------------------------------

def _forced(kinds):
    """A certify_candidate stand-in returning the given kinds in turn (with a margin for the ruled-out ones)."""
    it = iter(kinds)

    def fake(*a, **k):
        kind = next(it, "non-strict")
        return {"loss": 1.0, "best": 0.0, "kind": kind, "margin": 2.0, "reason": "forced"}

    return fake


@pytest.mark.parametrize("kinds,status", [
    (["non-strict", "undecided (numerical error)"], "band"),  # one ruled out, one undecided: not support
    (["inconclusive", "saddle"], "band"),
    (["non-strict", "saturated (not certified)"], "holds"),  # the saturated one is excluded and counted
    (["strict", "undecided (numerical error)"], "fails"),
])
def test_problem_rule_every_candidate_decided_or_band(monkeypatch, kinds, status):
    x = np.array([[-1.0, -0.25, 0.5, 1.0]])
    spec = MLPSpec(1, (1,), 1, "negsin2", False)
    monkeypatch.setattr(certify, "refine_stationary", lambda lossf, w, **k: certify.StationaryPoint(
        w, 1.0, 0.0, 0, 0, 0, 1.0, 1.0, tolerance.classify(0.0)))
    for seed in range(8):
        monkeypatch.setattr(search, "certify_candidate", _forced(kinds))
        p = search.search_problem(x, spec, seed, SMALL)
        if p.stats.get("certified_values", 0) >= 2:
            assert p.outcome is not None and p.outcome.status == status, (kinds, p.stats["kinds"])
            if status == "holds":
                assert p.stats["category_counts"]["excluded"] == 1
                assert "1 saturated, excluded" in p.outcome.stats["evidence"]
            return
    pytest.fail("no problem with two distinct bad values among 8 seeds")


def test_category_of_every_kind():
    assert search.category("strict") == "hit"
    for k in ("non-strict", "saddle", "not-stationary", "not a minimum (last layer)", "not stationary after refinement"):
        assert search.category(k) == "ruled out"
    assert search.category("saturated (not certified)") == "excluded"
    for k in ("inconclusive", "undecided (numerical error)", "stationarity undecided after refinement", "new kind"):
        assert search.category(k) == "band"
    assert search.category({"kind": None, "bad": {"outcome": "band"}}) == "band"
    assert search.category({"kind": None, "bad": {"outcome": "zero"}}) == "not bad"


STANDARD = search.Budget(starts=16, screen_iter=320, refine=3, samples=64, attack_starts=4, attack_steps=60,
                    escape_starts=2, escape_steps=30)


@pytest.mark.parametrize("x,spec,seed", [
    # e^z activation on widely spread data: the refinement left float64 (overflow) and a probe loss overflowed
    ([[-178.73796549086993, 123.32962364057853, 63.553992199518895]], MLPSpec(1, (1, 4), 1, "cubic_exp", True), 3196),
    # a gradient small only relative to a huge curvature scale: decided by curvature-scaled mp descent
    ([[2.0, 1.75, -2.0, -1.75]], MLPSpec(1, (2, 4), 1, "negsq_exp", True), 3237),
])
def test_numerically_hard_candidates_of_the_standard_run_are_decided(x, spec, seed):
    """Found by lds.thm1.no_strict_bad_min (standard profile, seed 0): these problems were 'band'
    (refinement ValueError on non-finite weights, tolerance.equal on an infinite probe loss, gradient in
    the band).  Now every candidate is decided (ruled out), so the problem holds."""
    p = search.search_problem(np.array(x), spec, seed, STANDARD)
    assert p.outcome is not None and p.outcome.status == "holds", p.stats["kinds"]
    assert p.stats["category_counts"]["band"] == 0


def test_split_point_saturation_uses_the_shared_rule():
    for i in range(len(yu_chen.YU_CHEN_DATA)):
        p = yu_chen.split_point(i)
        assert p.saturated is certify.saturation(p.spec, torch.tensor(p.w, dtype=torch.float64), np.array([p.x])).saturated
        assert not p.saturated and p.summary()["saturated"] is False
