"""Exact cases for the tolerance policy: known ranks, known PSD matrices, known equalities."""

import math

import mpmath
import numpy as np
import pytest

from landscape._lib import tolerance as tol


def test_classify_thresholds():
    assert tol.classify(0.0).outcome == "zero"
    assert tol.classify(tol.ZERO).outcome == "zero"
    assert tol.classify(tol.ZERO * 10).outcome == "band"
    assert tol.classify(tol.ZERO * tol.BAND).outcome == "nonzero"
    assert tol.classify(1e-3).margin == pytest.approx(4.0)
    assert tol.classify(1e-13).margin == pytest.approx(3.0)


@pytest.mark.parametrize("r", [1, 2, 3])
def test_rank_of_exact_low_rank_products(r):
    rng = np.random.default_rng(r)
    a = rng.normal(size=(6, r)) @ rng.normal(size=(r, 5))
    assert tol.rank(a).rank == r
    assert tol.rank(a).full is False
    assert tol.rank(a, target=r).full is True


def test_rank_zero_matrix_and_empty_target():
    d = tol.rank(np.zeros((3, 4)))
    assert d.rank == 0 and d.full is False and d.decision.margin == math.inf
    assert tol.rank(np.ones((2, 2)), target=0).full is True


def test_rank_band_is_inconclusive_without_exact_and_decided_with_it():
    a = np.diag([1.0, 1e-9])  # s_min/s_max = 1e-9: inside the band
    assert tol.rank(a).full is None

    def exact(dps):
        with mpmath.workdps(dps):
            return mpmath.matrix([[1, 0], [0, mpmath.mpf("1e-9")]])

    d = tol.rank(a, exact=exact)
    assert d.full is True and d.decision.precision.startswith("mp")


def test_multiprecision_ladder_separates_ill_conditioning_from_dependence():
    # ill-conditioned but full rank: s_min/s_max = 1e-60, far below float64 resolution
    def ill(dps):
        with mpmath.workdps(dps):
            return mpmath.matrix([[1, 1], [1, 1 + mpmath.mpf(10) ** -60]])

    assert tol.rank_multiprecision(ill, 2).full is True

    def dependent(dps):
        with mpmath.workdps(dps):
            x = mpmath.mpf(1) / 3
            return mpmath.matrix([[x, 2 * x], [3 * x, 6 * x]])

    assert tol.rank_multiprecision(dependent, 2).full is False


def test_psd_known_cases():
    assert tol.psd(np.diag([1.0, 0.0, 2.0])).psd is True
    assert tol.psd(np.diag([1.0, -0.5])).psd is False
    assert tol.psd(np.diag([1.0, -1e-13])).psd is True  # round-off sized negative eigenvalue
    assert tol.psd(np.diag([1.0, -1e-9])).psd is None  # in the band
    with pytest.raises(ValueError, match="not symmetric"):
        tol.psd(np.array([[1.0, 2.0], [0.0, 1.0]]))


def test_equal_and_at_most():
    assert tol.equal(1.0, 1.0 + 1e-14).outcome == "zero"
    assert tol.equal(1.0, 1.1).outcome == "nonzero"
    assert tol.at_most(1.0, 2.0).outcome == "zero"
    assert tol.at_most(2.0, 1.0).outcome == "nonzero"
    with pytest.raises(ValueError, match="non-finite"):
        tol.equal(float("nan"), 1.0)


def test_non_finite_matrix_is_rejected():
    with pytest.raises(ValueError, match="NaN or inf"):
        tol.rank(np.array([[1.0, np.nan]]))


def test_equilibration_resolves_huge_dynamic_range_and_exact_zeros():
    def wide(dps):
        with mpmath.workdps(dps):
            e = mpmath.mpf(10)
            return mpmath.matrix([[e**300, e**-300], [1, 1]])  # full rank, entries over 600 decades

    assert tol.rank_multiprecision(wide, 2).full is True

    def zero_column(dps):
        with mpmath.workdps(dps):
            return mpmath.matrix([[1, 0, 2], [3, 0, 4]])

    d = tol.rank_multiprecision(zero_column, 3)
    assert d.full is False and "exact zeros" in d.decision.precision


def test_a_value_just_above_the_noise_floor_is_confirmed_at_the_next_rung():
    """s_min / s_max ~ 5e-35 sits within a decade of the 50-digit floor (1e-35): not decided there,
    but at 100 digits, where it is unchanged and 50 decades clear."""
    import mpmath

    from landscape._lib import tolerance

    def exact(dps):
        with mpmath.workdps(dps):
            return mpmath.matrix([[1, 1], [1, 1 + mpmath.mpf("2e-34")]])

    d = tolerance.rank_multiprecision(exact, 2)
    assert d.full is True and d.decision.precision == "mp100"
    assert 4e-35 < d.s_normalised < 6e-35
