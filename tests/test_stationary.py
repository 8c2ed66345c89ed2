"""Stationary points and witnesses of landscape._lib.stationary (Jiang, 000_aea297099283b0eb.txt, Lemma 1).

Run alone: ``/work/venv/bin/pytest -q tests/test_stationary.py -p no:cacheprovider``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from landscape._lib import disparity as dsp
from landscape._lib import tolerance
from landscape._lib.networks.cube import JiangNet, network_fn, squared_loss
from landscape._lib.stationary import dead_on_data_point, interpolant_witness, stationarity_decision, trained_point


def test_relu_network_dead_on_the_data_is_stationary_with_full_rank_H():
    """The jiang.lemma1 construction: every relu and relu' vanishes at the data, H (exact) has full rank N."""
    from landscape.claims.jiang._common import TRUNCATION_NEGLIGIBLE

    pt = dead_on_data_point(160, 0.01, 3, 0)
    v = pt.w.clone().requires_grad_(True)
    loss = squared_loss(pt.spec, pt.x, pt.y)(v)
    (g,) = torch.autograd.grad(loss, v)
    assert float(g.abs().max()) == 0.0
    assert float(loss.detach()) == pytest.approx(float(np.sum(pt.y**2)), rel=1e-15)
    assert pt.lower < 1e-20  # the explicit interpolant in the same architecture
    D = dsp.relu_two_layer_exact(pt.w, (120,))
    tr, _ = D.box_truncations()
    v0 = int(np.argmax(tr <= TRUNCATION_NEGLIGIBLE))
    sub = D.restrict((v0,))
    assert sub.N <= pt.spec.n_params() and tolerance.rank(sub.real, target=sub.N).full is True
    f0, f1 = dsp.evaluate(lambda w, x: network_fn(pt.spec)(w, x), pt.w, np.array([[0.0], [1.0]]))
    assert abs(float(f0)) < 1e-12 and abs(float(f1)) < 1e-12  # f(0) = f(1) = 0: f continuous on the circle


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid"])
def test_interpolant_witness_attains_zero_loss(act):
    rng = np.random.default_rng(1)
    net = JiangNet(1, 12, act)
    x = np.sort(0.1 + 0.8 * rng.random(7))[:, None]
    y = rng.normal(size=7)
    w, loss = interpolant_witness(net, x, y, net.init(rng))
    assert loss < 1e-20 * float(np.sum(y**2))
    assert float(net.squared_loss(x, y)(w)) == loss


def test_stationarity_decision_is_zero_at_the_dead_on_data_construction_and_not_at_a_random_point():
    pt = dead_on_data_point(160, 0.01, 3, 0)
    lossf = squared_loss(pt.spec, pt.x, pt.y)
    assert stationarity_decision(lossf, pt.w, float(lossf(pt.w))).outcome == "zero"
    net = JiangNet(1, 4, "tanh")
    w = net.init(np.random.default_rng(0))
    other = net.squared_loss(pt.x, pt.y)
    assert stationarity_decision(other, w, float(other(w))).outcome == "nonzero"


def test_trained_point_has_a_zero_loss_witness():
    """m >= T: the interpolant is a witness of zero loss, whatever L-BFGS reached."""
    pt = trained_point("tanh", 8, 3, 0, 4.0)
    assert pt.kind == "trained" and pt.payload["m"] == 8 and pt.x.shape == (3, 1)
    assert pt.lower <= pt.facts["witness_loss"] and pt.facts["witness_loss"] < 1e-20 * float(np.sum(pt.y**2))
