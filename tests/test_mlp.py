"""``landscape._lib.networks.mlp``: Li-Ding-Sun networks -- shapes, bias handling, multiple precision, exact
rational forward, output merges, bad input."""

import mpmath
import numpy as np
import pytest

from landscape import LandscapeError
from landscape._lib.networks.mlp import MLP, MLPSpec


def test_forward_matches_equations_without_and_with_bias():
    x = np.array([[0.5, -1.0, 2.0]])
    spec = MLPSpec(1, (2,), 1, "tanh", False)
    w1, w2 = np.array([[1.0], [-2.0]]), np.array([[3.0, 0.5]])
    net = MLP(spec, [w1, w2])
    assert np.allclose(net.forward(x).numpy(), w2 @ np.tanh(w1 @ x))
    spec_b = MLPSpec(1, (2,), 1, "tanh", True)
    w1b = np.array([[1.0, 0.1], [-2.0, -0.3]])
    net_b = MLP(spec_b, [w1b, w2])
    assert np.allclose(net_b.forward(x).numpy(), w2 @ np.tanh(w1b @ np.vstack([x, np.ones((1, 3))])))
    assert spec_b.n_params() == 4 + 2


def test_multiprecision_forward_matches_float64():
    rng = np.random.default_rng(0)
    spec = MLPSpec(2, (3, 4), 1, "sigmoid", True)
    net = MLP.random(spec, rng)
    x = rng.normal(size=(2, 5))
    hp = net.hidden_mp(x, 50)
    lo = net.hidden(x)[-1].numpy()
    assert np.allclose(np.array(hp.tolist(), dtype=float), lo, atol=1e-14)
    assert isinstance(hp, mpmath.matrix)


@pytest.mark.parametrize("kwargs,match", [
    (dict(d0=1, widths=(0,)), "width d_1=0"),
    (dict(d0=1, widths=()), "depth H=0"),
    (dict(d0=0, widths=(2,)), "input dimension d0=0"),
    (dict(d0=1, widths=(2,), activation="rleu"), "unknown activation 'rleu'; did you mean relu"),
])
def test_invalid_architectures_raise(kwargs, match):
    with pytest.raises(LandscapeError, match=match):
        MLPSpec(**kwargs)


def test_bad_data_and_weights_raise():
    spec = MLPSpec(1, (2,), 1, "tanh", False)
    net = MLP(spec, [np.ones((2, 1)), np.ones((1, 2))])
    with pytest.raises(LandscapeError, match=r"X\[0, 1\] = nan"):
        net.hidden(np.array([[1.0, np.nan]]))
    with pytest.raises(LandscapeError, match="expected d0=1"):
        net.hidden(np.ones((2, 3)))
    with pytest.raises(LandscapeError, match=r"W_1 has shape \(1, 2\); expected \(2, 1\)"):
        MLP(spec, [np.ones((1, 2)), np.ones((1, 2))])
    with pytest.raises(LandscapeError, match="non-finite"):
        MLP(spec, [np.full((2, 1), np.inf), np.ones((1, 2))])


def test_saturation_merges_ignore_genuine_separation():
    spec = MLPSpec(d0=1, widths=(3,), activation="tanh")
    net = MLP.random(spec, np.random.default_rng(0))
    assert net.saturation_merges(np.array([[-0.5, 0.25, 1.0]]), 100) == []


def test_hidden_exact_matches_float64_and_decides_rank():
    from fractions import Fraction

    from landscape._lib import symbolic

    rng = np.random.default_rng(3)
    for act in ("relu", "leaky_relu", "linear", "poly3"):
        spec = MLPSpec(2, (3, 4), 1, act, True)
        net = MLP.random(spec, rng)
        x = rng.normal(size=(2, 5))
        ex = net.hidden_exact(x)
        assert all(isinstance(v, Fraction) for row in ex for v in row)
        assert np.allclose(np.array(ex, dtype=float), net.hidden(x)[-1].numpy(), rtol=1e-12, atol=1e-300)
    # leaky ReLU without bias on 1-d data: rank <= 2 exactly (positive homogeneity), whatever the weights
    spec = MLPSpec(1, (5,), 1, "leaky_relu", False)
    net = MLP.random(spec, rng)
    x = np.array([[-2.0, -1.0, 0.5, 1.0, 3.0]])
    assert symbolic.exact_rank(net.hidden_exact(x)) == 2
    with pytest.raises(LandscapeError, match="no exact rational evaluation"):
        MLP.random(MLPSpec(1, (2,), 1, "tanh", False), rng).hidden_exact(x)
