"""``landscape._lib.feature_rank``: Li-Ding-Sun Lemma 3's decider -- rank of T_H at the data, saturation
versus exact identities, dominant determinant terms at extreme scales."""

import mpmath
import numpy as np

from landscape._lib.networks.mlp import MLP, MLPSpec


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
    from landscape._lib import feature_rank

    net = MLP(MLPSpec.from_dict(SATURATED["spec"]), [np.asarray(w) for w in SATURATED["weights"]])
    x = np.asarray(SATURATED["X"])
    merges = net.saturation_merges(x, 400)
    assert [(m["layer"], m["i"], m["j"]) for m in merges] == [(3, 1, 4)]
    assert merges[0]["log10_sep_out_first_order"] < -1e16  # truly distinct, beyond any ladder
    out = feature_rank.replay_lemma3({**SATURATED, "perturb_seed": 2})
    assert out.status == "band" and "saturation" in out.note


def test_exact_identity_is_not_saturation():
    """poly2 at X = (0.5, -0.5): the outputs agree exactly (an even sigma), the first-order estimate of
    the separation is 0 -- an identity, not saturation; the rank deficiency is decided, not band."""
    from landscape._lib import feature_rank

    net = MLP(MLPSpec(1, (2,), 1, "poly2", False), [np.array([[1.3], [-0.7]]), np.ones((1, 2))])
    x = np.array([[0.5, -0.5]])
    merges = net.output_merges(x, 100)
    assert merges and all(m["cause"] == "identity" for m in merges)
    assert merges[0]["log10_sep_out_first_order"] == -np.inf
    assert net.saturation_merges(x, 100) == []
    assert feature_rank.saturation_note(net, x) == ""
    d = feature_rank.feature_matrix_rank(net, x)
    assert d.full is False and d.rank == 1
    # a periodic coincidence (first order says the outputs differ, yet they agree) is an identity too
    per = MLP(MLPSpec(1, (1,), 1, "sincos", False), [np.array([[1.0]]), np.ones((1, 1))])
    m = per.output_merges(np.array([[0.25, 0.25 + 2 * np.pi]]), 50)
    assert [mm["cause"] for mm in m] in ([], ["identity"])


def test_dominant_term_decides_extreme_scale_ranks():
    """Entries millions of decades apart: the ladder cannot resolve them, one determinant term dominates."""
    from landscape._lib import feature_rank

    with mpmath.workdps(50):
        e = mpmath.e
        full = mpmath.matrix([[e ** -1e6, e ** -3e6], [e ** -5e6, e ** -2e6]])
        d = feature_rank.dominant_term_rank(full, 2)
        assert d is not None and d.full is True and d.decision.margin > 1e5
        a, b = e ** -1e6, e ** -2e6
        rank1 = mpmath.matrix([[a, b], [2 * a, 2 * b]])  # two terms of equal size cancel: nothing dominates
        assert feature_rank.dominant_term_rank(rank1, 2) is None
        zero_col = mpmath.matrix([[a, 0], [b, 0]])
        assert feature_rank.dominant_term_rank(zero_col, 2) is None
