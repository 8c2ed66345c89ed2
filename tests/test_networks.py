"""Li-Ding-Sun networks: shapes, bias handling, multiple precision, bad input."""

import mpmath
import numpy as np
import pytest

from landscape import LandscapeError
from landscape.networks.mlp import MLP, MLPSpec


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


# Found by lds.lemma3 in CI (quick profile, seed 0): cubic_exp saturates, so two distinct
# data points reach layer 3 with pre-activations ~ -2e59 and ~ -1e17 apart... both map to
# sigma(0) = -3 to far more than 400 digits (true separation ~ 10^-5e16).  The 400-digit
# ladder reads the resulting T_H as rank deficient; the deficiency is the precision's.
SATURATED = {
    "spec": {"d0": 1, "widths": [1, 1, 5], "d_out": 1, "activation": "cubic_exp", "bias": False},
    "X": [[12.57302210933933, -13.21048632913019, 64.0422650443282, 10.490011715303972, -53.566937316111094]],
    "weights": [[[-2.3250307746388343]], [[-0.21879166393254573]],
                [[-1.2459109472530652], [-0.7322673547034516], [-0.5442589828573099], [-0.31630015636915454],
                 [0.4116305363741328]],
                [[0.4662261523052358, -0.05748244876157677, 0.6111010417838759, -0.297484101637369,
                  0.1572000823007416]]],
}


def test_saturation_merge_is_detected_and_makes_lemma3_undecided():
    from landscape.claims import lds

    net = MLP(MLPSpec.from_dict(SATURATED["spec"]), [np.asarray(w) for w in SATURATED["weights"]])
    x = np.asarray(SATURATED["X"])
    merges = net.saturation_merges(x, 400)
    assert [(m["layer"], m["i"], m["j"]) for m in merges] == [(3, 1, 4)]
    assert merges[0]["log10_sep_out_first_order"] < -1e16  # truly distinct, beyond any ladder
    out = lds._replay_lemma3({**SATURATED, "perturb_seed": 2})
    assert out.status == "band" and "saturation" in out.note


def test_saturation_merges_ignore_genuine_separation():
    spec = MLPSpec(d0=1, widths=(3,), activation="tanh")
    net = MLP.random(spec, np.random.default_rng(0))
    assert net.saturation_merges(np.array([[-0.5, 0.25, 1.0]]), 100) == []
