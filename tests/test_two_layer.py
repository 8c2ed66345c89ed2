"""Unit tests of landscape/_lib/networks/two_layer.py: the two-layer ReLU net of Golikov's essay (eq. (9)),
H^inf and the Gram of eq. (12), the loss of eq. (10) in W and GD on it."""

import math

import numpy as np
import pytest
import torch

from landscape._lib.networks import two_layer as tl


def test_h_inf_closed_form_unit_norm_formula_and_mp():
    rng = np.random.default_rng(0)
    x = tl.unit_rows(rng, 5, 3)
    c = np.clip(x @ x.T, -1, 1)
    expected = c * (np.pi - np.arccos(c)) / (2 * np.pi)
    assert np.allclose(tl.h_inf(x), expected, atol=1e-14)
    hm = np.array(tl.h_inf_mp(x, 30).tolist(), dtype=float)
    assert np.allclose(hm, tl.h_inf(x), atol=1e-14)


def test_h_inf_monte_carlo_and_jacobian_gram():
    rng = np.random.default_rng(1)
    x = tl.unit_rows(rng, 4, 3)
    w = rng.normal(size=(200_000, 3))
    assert np.max(np.abs(tl.two_layer_gram(x, w) - tl.h_inf(x))) < 5e-3
    m = 32
    w, a = tl.init_two_layer(3, m, 3)
    jac = torch.func.jacrev(lambda v: torch.relu(torch.as_tensor(x) @ v.T) @ torch.as_tensor(a) / math.sqrt(m))(
        torch.as_tensor(w)).reshape(4, -1).numpy()
    assert np.allclose(jac @ jac.T, tl.two_layer_gram(x, w, a), atol=1e-13)
    assert np.allclose(tl.eq12_printed(x, w), tl.two_layer_gram(x, w), atol=1e-13)


def test_gd_gradient_matches_autograd():
    rng = np.random.default_rng(2)
    x, y = tl.unit_rows(rng, 5, 3), rng.normal(size=5)
    w, a = tl.init_two_layer(3, 7, 4)
    lf = tl.loss_in_w("relu", x, y, a, 7)
    wt = torch.as_tensor(w.ravel()).requires_grad_(True)
    (gr,) = torch.autograd.grad(lf(wt), wt)
    z = x @ w.T
    r = tl.net_outputs(x, w, a) - y
    manual = ((r[:, None] * (z > 0)) * a[None, :]).T @ x / math.sqrt(7)
    assert np.allclose(gr.numpy().reshape(7, 3), manual, atol=1e-13)


def test_training_run_records_and_decides():
    rng = np.random.default_rng(3)
    x, y = tl.unit_rows(rng, 4, 3), rng.uniform(-1, 1, size=4)
    r = tl.train_two_layer(x, y, 2048, 0)
    assert r["steps"] + 1 == len(r["lam_min"]) == len(r["r2"])
    assert r["r2"][-1] < r["r2"][0]
    assert r["lambda0"] == pytest.approx(float(np.linalg.eigvalsh(tl.h_inf(x))[0]))
    narrow = tl.train_two_layer(x, y, 1, 0)  # H(t) has rank <= d m = 3 < n = 4
    assert narrow["lam_violations"] == narrow["steps"] + 1


def test_hoeffding_weights_are_independent_of_the_data_seed():
    """The Monte Carlo weights are not np.random.default_rng(seed) -- the stream that built the data."""
    seed = 123
    x = tl.unit_rows(np.random.default_rng(seed), 4, 3)
    w_same = np.random.default_rng(seed).normal(size=(50, 3))
    w_used = tl.independent_rng(seed, 12).normal(size=(50, 3))
    assert not np.allclose(w_same[:4], w_used[:4])
    dec, ratio, err = tl.hoeffding_check(x, 50, seed)
    assert err == pytest.approx(float(np.max(np.abs(tl.two_layer_gram(x, w_used) - tl.h_inf(x)))))
