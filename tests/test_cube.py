"""Jiang's two-layer networks on the cube (landscape._lib.networks.cube; 000_aea297099283b0eb.txt, eq. 8).

Run alone: ``/work/venv/bin/pytest -q tests/test_cube.py -p no:cacheprovider``.
"""

from __future__ import annotations

import numpy as np
import torch

from landscape._lib import disparity as dsp
from landscape._lib.networks.cube import (JiangNet, fft_grid, has_exact_disparity, measured_disparity, network_fn,
                                          squared_loss)


def test_flat_layout_neuron_rows_and_forward():
    """Flat parameters (W_1 with its bias column, row-major; then a): f = sum_j a_j sigma(w_j . x + b_j)."""
    net = JiangNet(2, 3, "tanh")
    assert net.M == 3 * (2 + 2) and net.neuron_rows(1) == [3, 4, 5, 10]
    w = net.init(np.random.default_rng(0))
    x = torch.as_tensor(np.random.default_rng(1).random((5, 2)))
    W = w[:9].reshape(3, 3)
    expected = torch.tanh(x @ W[:, :2].T + W[:, 2]) @ w[9:]
    assert torch.allclose(net.f(w, x), expected, atol=1e-14, rtol=0)
    assert torch.equal(network_fn(net.spec)(w, x), net.f(w, x))


def test_dead_init_is_off_on_the_whole_cube():
    net = JiangNet(2, 4, "relu")
    w = net.init(np.random.default_rng(3), dead=True)
    corners = torch.as_tensor(np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float))
    pre = net.mlp.unflatten(w)[0] @ torch.cat([corners.T, torch.ones(1, 4, dtype=torch.float64)])
    assert bool(torch.all(pre < 0))


def test_squared_loss_and_the_exact_path():
    net = JiangNet(1, 2, "relu")
    w = net.init(np.random.default_rng(2))
    x, y = np.array([[0.2], [0.7]]), np.array([1.0, -1.0])
    expected = ((net.f(w, torch.as_tensor(x)) - torch.as_tensor(y)) ** 2).sum()
    assert float(squared_loss(net.spec, x, y)(w)) == float(expected) == float(net.squared_loss(x, y)(w))
    assert has_exact_disparity(net.spec) and not has_exact_disparity(JiangNet(2, 2, "relu").spec)
    h, err = measured_disparity(net.spec, w, (3,))
    assert h.rule == "exact" and err is dsp.EXACT
    assert fft_grid(1) == 2048 and fft_grid(2) == 64
