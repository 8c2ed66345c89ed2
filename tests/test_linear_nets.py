"""Unit tests of landscape/_lib/linear_nets.py: the closed-form optimum of deep linear nets, critical points
from singular directions, the exact first-order condition and the balanced factorisation (Golikov's essay,
section 2.1.1)."""

import numpy as np
import pytest
from landscape._lib import certify
from landscape._lib.linear_nets import (DeepLinear, balanced_factorisation, exact_chain, linear_first_order,
                                        reduced_rank_optimum, subset_critical_point)


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
    dec, _ = linear_first_order(ws, x, y)
    assert dec.outcome == "zero"  # every critical point has R^T G = G R^T = 0


def test_first_order_condition_is_nonzero_off_critical_points_and_exact_chain_is_the_product():
    rng = np.random.default_rng(3)
    dims = (3, 2, 2, 3)
    x, y = rng.normal(size=(3, 6)), rng.normal(size=(3, 6))
    net = DeepLinear(dims)
    w = net.init(rng, 1.0)
    ws = [m.numpy() for m in net.unflatten(w)]
    assert np.allclose(np.array(exact_chain(ws), dtype=float), net.product(w).numpy(), rtol=0, atol=1e-14)
    assert exact_chain([np.ones((2, 3)), np.ones((2, 3))]) is None  # shapes that do not chain
    dec, st = linear_first_order(ws, x, y)
    assert dec.outcome == "nonzero" and st["first_order"] == "nonzero"


def test_balanced_factorisation_keeps_the_product_and_balances_the_factors():
    rng = np.random.default_rng(4)
    dims = (4, 2, 3, 3)
    net = DeepLinear(dims)
    ws = [m.numpy().copy() for m in net.unflatten(net.init(rng, 1.0))]
    ws[0], ws[1] = ws[0] * 100.0, ws[1] / 100.0  # drift along the rescaling symmetry: same product
    w = net.flatten(ws)
    out = balanced_factorisation(net, w)
    assert np.allclose(net.product(out).numpy(), net.product(w).numpy(), rtol=1e-10, atol=1e-12)
    norms = [float(m.norm()) for m in net.unflatten(out)]
    assert max(norms) / min(norms) < 2.0  # balanced: S^{1/H} in every factor
