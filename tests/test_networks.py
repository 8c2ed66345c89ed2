"""Li-Ding-Sun networks: shapes, bias handling, multiple precision, bad input."""

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


def test_exact_identity_is_not_saturation():
    """poly2 at X = (0.5, -0.5): the outputs agree exactly (an even sigma), the first-order estimate of
    the separation is 0 -- an identity, not saturation; the rank deficiency is decided, not band."""
    from landscape.claims import lds

    net = MLP(MLPSpec(1, (2,), 1, "poly2", False), [np.array([[1.3], [-0.7]]), np.ones((1, 2))])
    x = np.array([[0.5, -0.5]])
    merges = net.output_merges(x, 100)
    assert merges and all(m["cause"] == "identity" for m in merges)
    assert merges[0]["log10_sep_out_first_order"] == -np.inf
    assert net.saturation_merges(x, 100) == []
    assert lds._saturation_note(net, x) == ""
    d = lds._rank_of(net, x)
    assert d.full is False and d.rank == 1
    # a periodic coincidence (first order says the outputs differ, yet they agree) is an identity too
    per = MLP(MLPSpec(1, (1,), 1, "sincos", False), [np.array([[1.0]]), np.ones((1, 1))])
    m = per.output_merges(np.array([[0.25, 0.25 + 2 * np.pi]]), 50)
    assert [mm["cause"] for mm in m] in ([], ["identity"])


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


def test_dominant_term_decides_extreme_scale_ranks():
    """Entries millions of decades apart: the ladder cannot resolve them, one determinant term dominates."""
    from landscape.claims import lds

    with mpmath.workdps(50):
        e = mpmath.e
        full = mpmath.matrix([[e ** -1e6, e ** -3e6], [e ** -5e6, e ** -2e6]])
        d = lds.dominant_term_rank(full, 2)
        assert d is not None and d.full is True and d.decision.margin > 1e5
        a, b = e ** -1e6, e ** -2e6
        rank1 = mpmath.matrix([[a, b], [2 * a, 2 * b]])  # two terms of equal size cancel: nothing dominates
        assert lds.dominant_term_rank(rank1, 2) is None
        zero_col = mpmath.matrix([[a, 0], [b, 0]])
        assert lds.dominant_term_rank(zero_col, 2) is None
