"""The canonical space: complex and real views agree; box sizes; bad input."""

import numpy as np
import pytest

from landscape import LandscapeError
from landscape._lib import canonical


@pytest.mark.parametrize("n", [(0,), (3,), (1, 2), (2, 2)])
def test_real_and_complex_views_agree(n):
    rng = np.random.default_rng(0)
    x = rng.random((7, len(n)))
    c = rng.normal(size=len(canonical.box(n)))
    theta = canonical.real_to_complex(c, n)
    f_complex = canonical.complex_features(x, n) @ theta
    assert np.max(np.abs(f_complex.imag)) < 1e-12
    assert np.allclose(f_complex.real, canonical.real_features(x, n) @ c, atol=1e-12)
    assert np.allclose(canonical.complex_to_real(theta, n), c)


def test_box_size_and_faces_identified():
    assert len(canonical.box((2, 1))) == 15
    phi = canonical.real_features(np.array([[0.0], [1.0]]), (3,))
    assert np.allclose(phi[0], phi[1])  # eta_k(0) = eta_k(1): the closed cube's faces coincide


def test_bad_input():
    with pytest.raises(LandscapeError, match="frequency box"):
        canonical.box((-1,))
    with pytest.raises(LandscapeError, match="NaN or inf"):
        canonical.real_features(np.array([[np.nan]]), (1,))
    with pytest.raises(LandscapeError, match="conjugate-symmetric"):
        canonical.complex_to_real(np.array([1j, 1, 1]), (1,))


def test_exact_feature_rank_sees_the_identified_faces_and_the_axis_parallel_line():
    """jiang.thm1.zero_loss's two mechanisms, in exact arithmetic: eta_k(0) = eta_k(1), and four points on
    x_2 = 0 see only 2 N_1 + 1 = 3 of the 9 dimensions; non-rational data get None."""
    assert canonical.exact_feature_rank(np.array([[0.0], [1.0]]), (1,)) == 1
    assert canonical.exact_feature_rank(np.array([[0.0], [0.5]]), (1,)) == 2
    line = np.array([[0.0, 0.0], [0.25, 0.0], [0.5, 0.0], [0.75, 0.0]])
    assert canonical.exact_feature_rank(line, (1, 1)) == 3
    assert canonical.exact_feature_rank(np.array([[0.1234567]]), (1,)) is None
