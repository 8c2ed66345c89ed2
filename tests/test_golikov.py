"""Unit tests of the Golikov claims' deciders (landscape/claims/golikov/); the library they use is tested in
tests/test_two_layer.py and tests/test_linear_nets.py."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings

from landscape._lib import certify, tolerance
from landscape._lib.linear_nets import DeepLinear, balanced_factorisation, linear_first_order, reduced_rank_optimum
from landscape._lib.networks.two_layer import h_inf, h_inf_mp, init_two_layer, unit_rows
from landscape.claims.golikov import du_trends, grad_bound, h_inf_parallel, hessian, linear, yu_chen
from landscape.claims.golikov import h_inf as hinf_claims


# ---------------------------------------------------------------------------------------------
# deep linear nets
# ---------------------------------------------------------------------------------------------

#: The end point of the quick-profile seed-13 run (dims 4-2-3-1-3, data seed 577, init seed 1193536, scale 0.05)
#: before the first-order condition: factors of norm 274 with |W3 W2| = 2.6e-5 and a product of norm 1.83,
#: Hessian eigenvalues up to 6e14, which the float64 certificate called a non-strict local minimum.
_DRIFTED = [-40.522711254908856, 15.279626057159598, 80.84234976126078, -115.67605617099889, -40.415768245335926,
            -13.360787963122311, 153.1563658316486, -167.5683709922336, 17.253892678552493, 115.08601977989385,
            -43.94812683308126, -138.41069133829933, -199.82727374290386, 24.03296681546397, 211.90093442569628,
            172.77101540130792, -19.701247229962068, -146.39514576255752, 228.03243355992993, -41.347786610578986]


def test_drifted_linear_end_point_is_not_a_local_minimum():
    dims = (4, 2, 3, 1, 3)
    x, y = linear.linear_data(dims, 5, 577)
    net = DeepLinear(dims)
    w = torch.tensor(_DRIFTED, dtype=torch.float64)
    ws = [m.numpy() for m in net.unflatten(w)]
    dec, st = linear_first_order(ws, x, y)
    assert dec.outcome == "nonzero" and dec.value > 0.07  # |R^T G| = 0.0752 |R| |G|, exact
    # an exact descent direction: the outer blocks' gradients, W_1^T dL/dW_1 = R^T G != 0
    out = _replays("golikov.linear.no_bad_minima", {"dims": list(dims), "n": 5, "data_seed": 577, "weights": _DRIFTED})
    assert out.status != "fails" and out.stats["reached"] == "not-stationary"
    # the same product, factored in balance, is not stationary either and L-BFGS reaches L* from it
    start = balanced_factorisation(net, w)
    lf = net.loss_fn(x, y)
    assert float(lf(start)) == pytest.approx(float(lf(w)), rel=1e-7)
    run = certify.refine_stationary(lf, start, max_iter=1000, newton_steps=10)
    opt = reduced_rank_optimum(x, y, net.bottleneck)
    assert tolerance.equal(float(lf(run.w)), opt.loss, scale=0.5 * float(np.sum(y**2))).outcome == "zero"


def test_seed13_linear_run_reaches_the_optimum():
    out = linear.linear_run_outcome((4, 2, 3, 1, 3), 5, 577, 1193536, 0.05)
    assert out.status == "holds" and out.stats["reached"] == "global" and out.stats["refactored_rounds"] >= 1


# ---------------------------------------------------------------------------------------------
# H^inf with parallel inputs, the Hessian, the gradient bound
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("d", [2, 3, 4])
def test_parallel_structure(d):
    s = 5
    pd = h_inf_parallel.parallel_example("antipodal_many", 0, d, d, 1.0, s)  # d pairs: independent directions
    sing = h_inf_parallel.parallel_example("antipodal_many", 0, d, d + 1, 1.0, s)  # d + 1 pairs: dependent
    assert tolerance.rank(h_inf(pd), exact=lambda D: h_inf_mp(pd, D)).full is True
    # full is False, or None when the multiple-precision SVD returns an exact 0 at one rung of the ladder
    # (tolerance.rank_multiprecision then reads the next rung's noise-floor value as 'appeared': band)
    assert tolerance.rank(h_inf(sing), exact=lambda D: h_inf_mp(sing, D)).full is not True
    assert np.linalg.eigvalsh(h_inf(sing))[0] < 1e-14
    one = h_inf_parallel.parallel_example("antipodal_one", 2, d, 1, 1.0, s)
    assert tolerance.rank(h_inf(one)).full is True
    for fam, full in (("scaled", False), ("neg_scaled", True)):
        x = h_inf_parallel.parallel_example(fam, 2, d, 1, 2.0, s)
        assert tolerance.rank(h_inf(x), exact=lambda D, x=x: h_inf_mp(x, D)).full is full
    dup = h_inf_parallel.duplicated_example(2, d, 1, s)
    assert tolerance.rank(h_inf(dup), exact=lambda D: h_inf_mp(dup, D)).full is False


def test_hessian_relu_is_gauss_newton_and_smooth_is_not():
    rng = np.random.default_rng(4)
    x = unit_rows(rng, 4, 2)
    y = rng.normal(size=4) * 30
    w, a = init_two_layer(2, 3, 5)
    assert hessian.hessian_outcome("relu", x, y, w, a).status == "holds"
    assert hessian.hessian_outcome("softplus", x, y, w, a).status == "fails"


def test_grad_bound_tight_for_one_repeated_point():
    rng = np.random.default_rng(5)
    x = np.repeat(unit_rows(rng, 1, 3), 4, axis=0)
    w, a = init_two_layer(3, 5, 6)
    w[0] = np.abs(w[0]) * np.sign(x[0])  # unit 0 active on the point
    o = grad_bound.grad_bound_outcome(x, np.full(4, -3.0), w, a)
    assert o.status == "holds"
    assert o.stats["ratio"] == pytest.approx(1.0, rel=1e-12)


# ---------------------------------------------------------------------------------------------
# Yu & Chen / Nguyen & Hein helpers
# ---------------------------------------------------------------------------------------------

def test_yu_chen_fixture_is_a_positive_loss_global_minimum():
    fx = yu_chen.yu_chen_fixtures()[0]
    assert fx.facts["loss"] == pytest.approx(2 / 3, rel=1e-12)
    assert fx.facts["loss"] == pytest.approx(fx.facts["lower_bound"], rel=1e-12)
    assert certify.gradient_norm(fx.loss_fn(), fx.flat()) < 1e-12


@settings(max_examples=40, deadline=None, database=None)
@given(yu_chen.distinct_datasets())
def test_distinct_datasets_have_distinct_columns(x):
    assert x.ndim == 2 and x.shape[1] >= 1
    assert yu_chen.distinct_columns(x)


# ---------------------------------------------------------------------------------------------
# replayable refutations (golikov.du2019.h_inf's slope and independent checks, lambda_min / decay)
# ---------------------------------------------------------------------------------------------

def _replays(claim_id: str, payload: dict):
    from landscape._core import registry

    return registry.get(claim_id).replay(payload)


def _quick_ctx():
    from landscape._core.context import Context
    from landscape._core.profiles import PROFILES

    return Context(PROFILES["quick"], seed=0)


def test_monte_carlo_slope_refutation_replays(monkeypatch):
    real = hinf_claims.two_layer_gram
    monkeypatch.setattr(hinf_claims, "two_layer_gram", lambda x, w, a=None: real(x, w, a) + 0.05)  # a biased H(0)
    o, _ = hinf_claims.slope_check(_quick_ctx())
    assert o.status == "fails" and o.payload["kind"] == "slope"
    r = _replays("golikov.du2019.h_inf", o.payload)
    assert r.status == "fails" and r.payload == o.payload
    monkeypatch.setattr(hinf_claims, "two_layer_gram", real)
    assert _replays("golikov.du2019.h_inf", o.payload).status == "holds"  # the real H(0) concentrates


def test_independent_check_refutation_replays(monkeypatch):
    real = hinf_claims.h_inf
    monkeypatch.setattr(hinf_claims, "h_inf", lambda x: 1.5 * real(x))  # forced: a wrong closed form
    outs = hinf_claims.independent_checks(_quick_ctx())
    assert all(o.status == "fails" for o in outs)
    assert _replays("golikov.du2019.h_inf", outs[1].payload).status == "fails"
    monkeypatch.setattr(hinf_claims, "h_inf", real)
    assert _replays("golikov.du2019.h_inf", outs[1].payload).status == "holds"


@pytest.mark.parametrize("claim_id,key", [("golikov.du2019.lambda_min", "lam"), ("golikov.du2019.decay", "decay")])
def test_width_trend_refutation_replays(claim_id, key, tmp_path):
    """Widths 1 and 2 (H(t) of rank <= d m < n): every run violates -- a genuine refutation of the trend rule."""
    from landscape._core import evidence

    p = du_trends.trend_payload(0, 2, [1, 2], 2, key)
    o = _replays(claim_id, p)
    assert o.status == "fails" and o.payload == p
    assert o.stats["fraction_of_runs_violating"] == {1: 1.0, 2: 1.0}
    f = evidence.write_counterexample(tmp_path, claim_id, p, {"status": "fails"}, profile="quick", seed=0)
    assert evidence.replay(f).still_refutes
