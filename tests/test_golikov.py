"""Unit tests of the helper math behind the Golikov claims (landscape/claims/golikov.py, landscape/linear_nets.py)."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings

from landscape._lib import certify, tolerance
from landscape.claims import golikov as g
from landscape._lib.linear_nets import DeepLinear, reduced_rank_optimum, subset_critical_point


# ---------------------------------------------------------------------------------------------
# deep linear nets
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
def test_reduced_rank_optimum_matches_eckart_young(seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(4, 9)), rng.normal(size=(3, 9))
    for r in range(0, 4):
        opt = reduced_rank_optimum(x, y, r)
        assert np.linalg.matrix_rank(opt.R, tol=1e-10) <= r
        yhat = y @ np.linalg.pinv(x) @ x
        s = np.linalg.svd(yhat, compute_uv=False)
        assert opt.loss == pytest.approx(0.5 * (np.sum(y**2) - np.sum(s[:r] ** 2)), rel=1e-12, abs=1e-12)
        # no random rank-r matrix does better
        for _ in range(20):
            rr = rng.normal(size=(3, r)) @ rng.normal(size=(r, 4)) if r else np.zeros((3, 4))
            assert 0.5 * np.sum((y - rr @ x) ** 2) >= opt.loss - 1e-12
    assert reduced_rank_optimum(x, y, 3).loss == pytest.approx(reduced_rank_optimum(x, y, 3).ols_loss)


@pytest.mark.parametrize("dims,subset", [((3, 2, 3), [0, 1]), ((3, 2, 3), [0, 2]), ((3, 2, 3), []),
                                         ((3, 2, 2, 3), [1]), ((4, 3, 2, 5, 3), [0, 2]), ((2, 1, 2), [1])])
def test_subset_critical_points_are_stationary(dims, subset):
    rng = np.random.default_rng(7)
    n = dims[0] + 3
    x, y = rng.normal(size=(dims[0], n)), rng.normal(size=(dims[-1], n))
    net = DeepLinear(dims)
    ws = subset_critical_point(x, y, dims, subset)
    w = net.flatten(ws)
    lf = net.loss_fn(x, y)
    assert certify.gradient_norm(lf, w) < 1e-10 * max(1.0, float(lf(w)))
    opt = reduced_rank_optimum(x, y, net.bottleneck)
    if subset == list(range(net.bottleneck)):
        assert float(lf(w)) == pytest.approx(opt.loss, rel=1e-12)
    else:
        assert float(lf(w)) > opt.loss * (1 + 1e-6)
    dec, _ = g.linear_first_order(ws, x, y)
    assert dec.outcome == "zero"  # every critical point has R^T G = G R^T = 0


#: The end point of the quick-profile seed-13 run (dims 4-2-3-1-3, data seed 577, init seed 1193536, scale 0.05)
#: before the first-order condition: factors of norm 274 with |W3 W2| = 2.6e-5 and a product of norm 1.83,
#: Hessian eigenvalues up to 6e14, which the float64 certificate called a non-strict local minimum.
_DRIFTED = [-40.522711254908856, 15.279626057159598, 80.84234976126078, -115.67605617099889, -40.415768245335926,
            -13.360787963122311, 153.1563658316486, -167.5683709922336, 17.253892678552493, 115.08601977989385,
            -43.94812683308126, -138.41069133829933, -199.82727374290386, 24.03296681546397, 211.90093442569628,
            172.77101540130792, -19.701247229962068, -146.39514576255752, 228.03243355992993, -41.347786610578986]


def test_drifted_linear_end_point_is_not_a_local_minimum():
    dims = (4, 2, 3, 1, 3)
    x, y = g._linear_data(dims, 5, 577)
    net = DeepLinear(dims)
    w = torch.tensor(_DRIFTED, dtype=torch.float64)
    ws = [m.numpy() for m in net.unflatten(w)]
    dec, st = g.linear_first_order(ws, x, y)
    assert dec.outcome == "nonzero" and dec.value > 0.07  # |R^T G| = 0.0752 |R| |G|, exact
    # an exact descent direction: the outer blocks' gradients, W_1^T dL/dW_1 = R^T G != 0
    out = g._replay_linear({"dims": list(dims), "n": 5, "data_seed": 577, "weights": _DRIFTED})
    assert out.status != "fails" and out.stats["reached"] == "not-stationary"
    # the same product, factored in balance, is not stationary either and L-BFGS reaches L* from it
    start = g._refactored(net, w)
    lf = net.loss_fn(x, y)
    assert float(lf(start)) == pytest.approx(float(lf(w)), rel=1e-7)
    run = certify.refine_stationary(lf, start, max_iter=1000, newton_steps=10)
    opt = reduced_rank_optimum(x, y, net.bottleneck)
    assert tolerance.equal(float(lf(run.w)), opt.loss, scale=0.5 * float(np.sum(y**2))).outcome == "zero"


def test_seed13_linear_run_reaches_the_optimum():
    out = g.linear_run_outcome((4, 2, 3, 1, 3), 5, 577, 1193536, 0.05)
    assert out.status == "holds" and out.stats["reached"] == "global" and out.stats["refactored_rounds"] >= 1


# ---------------------------------------------------------------------------------------------
# H^inf and the two-layer ReLU net
# ---------------------------------------------------------------------------------------------

def test_h_inf_closed_form_unit_norm_formula_and_mp():
    rng = np.random.default_rng(0)
    x = g.unit_rows(rng, 5, 3)
    c = np.clip(x @ x.T, -1, 1)
    expected = c * (np.pi - np.arccos(c)) / (2 * np.pi)
    assert np.allclose(g.h_inf(x), expected, atol=1e-14)
    hm = np.array(g.h_inf_mp(x, 30).tolist(), dtype=float)
    assert np.allclose(hm, g.h_inf(x), atol=1e-14)


def test_h_inf_monte_carlo_and_jacobian_gram():
    rng = np.random.default_rng(1)
    x = g.unit_rows(rng, 4, 3)
    w = rng.normal(size=(200_000, 3))
    assert np.max(np.abs(g.two_layer_gram(x, w) - g.h_inf(x))) < 5e-3
    m = 32
    w, a = g.init_two_layer(3, m, 3)
    jac = torch.func.jacrev(lambda v: torch.relu(torch.as_tensor(x) @ v.T) @ torch.as_tensor(a) / math.sqrt(m))(
        torch.as_tensor(w)).reshape(4, -1).numpy()
    assert np.allclose(jac @ jac.T, g.two_layer_gram(x, w, a), atol=1e-13)
    assert np.allclose(g.eq12_printed(x, w), g.two_layer_gram(x, w), atol=1e-13)


@pytest.mark.parametrize("d", [2, 3, 4])
def test_parallel_structure(d):
    s = 5
    pd = g.parallel_example("antipodal_many", 0, d, d, 1.0, s)  # d pairs: independent directions
    sing = g.parallel_example("antipodal_many", 0, d, d + 1, 1.0, s)  # d + 1 pairs: dependent
    assert tolerance.rank(g.h_inf(pd), exact=lambda D: g.h_inf_mp(pd, D)).full is True
    # full is False, or None when the multiple-precision SVD returns an exact 0 at one rung of the ladder
    # (tolerance.rank_multiprecision then reads the next rung's noise-floor value as 'appeared': band)
    assert tolerance.rank(g.h_inf(sing), exact=lambda D: g.h_inf_mp(sing, D)).full is not True
    assert np.linalg.eigvalsh(g.h_inf(sing))[0] < 1e-14
    one = g.parallel_example("antipodal_one", 2, d, 1, 1.0, s)
    assert tolerance.rank(g.h_inf(one)).full is True
    for fam, full in (("scaled", False), ("neg_scaled", True)):
        x = g.parallel_example(fam, 2, d, 1, 2.0, s)
        assert tolerance.rank(g.h_inf(x), exact=lambda D, x=x: g.h_inf_mp(x, D)).full is full
    dup = g.duplicated_example(2, d, 1, s)
    assert tolerance.rank(g.h_inf(dup), exact=lambda D: g.h_inf_mp(dup, D)).full is False


def test_gd_gradient_matches_autograd():
    rng = np.random.default_rng(2)
    x, y = g.unit_rows(rng, 5, 3), rng.normal(size=5)
    w, a = g.init_two_layer(3, 7, 4)
    lf = g._loss_in_w("relu", x, y, a, 7)
    wt = torch.as_tensor(w.ravel()).requires_grad_(True)
    (gr,) = torch.autograd.grad(lf(wt), wt)
    z = x @ w.T
    r = g.net_outputs(x, w, a) - y
    manual = ((r[:, None] * (z > 0)) * a[None, :]).T @ x / math.sqrt(7)
    assert np.allclose(gr.numpy().reshape(7, 3), manual, atol=1e-13)


def test_training_run_records_and_decides():
    rng = np.random.default_rng(3)
    x, y = g.unit_rows(rng, 4, 3), rng.uniform(-1, 1, size=4)
    r = g.train_two_layer(x, y, 2048, 0)
    assert r["steps"] + 1 == len(r["lam_min"]) == len(r["r2"])
    assert r["r2"][-1] < r["r2"][0]
    assert r["lambda0"] == pytest.approx(float(np.linalg.eigvalsh(g.h_inf(x))[0]))
    narrow = g.train_two_layer(x, y, 1, 0)  # H(t) has rank <= d m = 3 < n = 4
    assert narrow["lam_violations"] == narrow["steps"] + 1


def test_hessian_relu_is_gauss_newton_and_smooth_is_not():
    rng = np.random.default_rng(4)
    x = g.unit_rows(rng, 4, 2)
    y = rng.normal(size=4) * 30
    w, a = g.init_two_layer(2, 3, 5)
    assert g.hessian_outcome("relu", x, y, w, a).status == "holds"
    assert g.hessian_outcome("softplus", x, y, w, a).status == "fails"


def test_grad_bound_tight_for_one_repeated_point():
    rng = np.random.default_rng(5)
    x = np.repeat(g.unit_rows(rng, 1, 3), 4, axis=0)
    w, a = g.init_two_layer(3, 5, 6)
    w[0] = np.abs(w[0]) * np.sign(x[0])  # unit 0 active on the point
    o = g.grad_bound_outcome(x, np.full(4, -3.0), w, a)
    assert o.status == "holds"
    assert o.stats["ratio"] == pytest.approx(1.0, rel=1e-12)


# ---------------------------------------------------------------------------------------------
# Yu & Chen / Nguyen & Hein helpers
# ---------------------------------------------------------------------------------------------

def test_yu_chen_fixture_is_a_positive_loss_global_minimum():
    fx = g.yu_chen_fixtures()[0]
    assert fx.facts["loss"] == pytest.approx(2 / 3, rel=1e-12)
    assert fx.facts["loss"] == pytest.approx(fx.facts["lower_bound"], rel=1e-12)
    assert certify.gradient_norm(fx.loss_fn(), fx.flat()) < 1e-12


@settings(max_examples=40, deadline=None, database=None)
@given(g.distinct_datasets())
def test_distinct_datasets_have_distinct_columns(x):
    assert x.ndim == 2 and x.shape[1] >= 1
    assert g._distinct(x)


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
    real = g.two_layer_gram
    monkeypatch.setattr(g, "two_layer_gram", lambda x, w, a=None: real(x, w, a) + 0.05)  # forced: a biased H(0)
    o, _ = g._mc_slope(_quick_ctx())
    assert o.status == "fails" and o.payload["kind"] == "slope"
    r = _replays("golikov.du2019.h_inf", o.payload)
    assert r.status == "fails" and r.payload == o.payload
    monkeypatch.setattr(g, "two_layer_gram", real)
    assert _replays("golikov.du2019.h_inf", o.payload).status == "holds"  # the real H(0) concentrates


def test_independent_check_refutation_replays(monkeypatch):
    real = g.h_inf
    monkeypatch.setattr(g, "h_inf", lambda x: 1.5 * real(x))  # forced: a wrong closed form
    outs = g._independent_checks(_quick_ctx())
    assert all(o.status == "fails" for o in outs)
    assert _replays("golikov.du2019.h_inf", outs[1].payload).status == "fails"
    monkeypatch.setattr(g, "h_inf", real)
    assert _replays("golikov.du2019.h_inf", outs[1].payload).status == "holds"


@pytest.mark.parametrize("claim_id,key", [("golikov.du2019.lambda_min", "lam"), ("golikov.du2019.decay", "decay")])
def test_width_trend_refutation_replays(claim_id, key, tmp_path):
    """Widths 1 and 2 (H(t) of rank <= d m < n): every run violates -- a genuine refutation of the trend rule."""
    from landscape._core import evidence

    p = g._trend_payload(0, 2, [1, 2], 2, key)
    o = _replays(claim_id, p)
    assert o.status == "fails" and o.payload == p
    assert o.stats["fraction_of_runs_violating"] == {1: 1.0, 2: 1.0}
    f = evidence.write_counterexample(tmp_path, claim_id, p, {"status": "fails"}, profile="quick", seed=0)
    assert evidence.replay(f).still_refutes
