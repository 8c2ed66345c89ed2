"""``landscape._lib.activations``: one record per activation carrying every form a claim needs
(torch, numpy, sympy, mpmath, exact rational, derivative, dual kernel), and the forms agree."""

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch

from landscape import LandscapeError
from landscape._lib import activations

Z = np.array([-2.5, -1.0, -0.25, 0.0, 0.3, 1.0, 2.0])


@pytest.mark.parametrize("name", activations.names())
def test_numpy_and_mpmath_forms_match_torch(name):
    act = activations.get(name)
    t = act.torch(torch.as_tensor(Z)).numpy()
    assert np.array_equal(act.numpy()(Z), t, equal_nan=True)
    with mpmath.workdps(30):
        m = np.array([float(act.mpmath()(mpmath.mpf(float(z)))) for z in Z])
    assert np.allclose(m, t, rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("name", [a.name for a in activations.all_activations() if a.expr is not None and a.smooth])
def test_derivative_matches_the_sympy_expression(name):
    act = activations.get(name)
    (z,) = act.expr.free_symbols or {sp.Symbol("z")}
    expect = sp.lambdify(z, sp.diff(act.expr, z), "mpmath")
    got = act.derivative()(torch.as_tensor(Z)).numpy()
    assert np.allclose(got, [float(expect(mpmath.mpf(float(v)))) for v in Z], rtol=1e-10, atol=1e-12)


def test_rational_form_is_exact_where_declared():
    for act in activations.all_activations():
        if act.rational_exact:
            q = act.rational()(Fraction(-3, 4))
            assert isinstance(q, Fraction) and float(q) == float(act.torch(torch.tensor(-0.75, dtype=torch.float64)))


def test_dual_kernels_live_in_the_record():
    relu = activations.get("relu")
    assert relu.closed_form is not None and relu.mp_closed_form is not None
    assert relu.c_sigma() == pytest.approx(2.0)  # 1 / E[relu(z)^2] = 2 (Du et al. c_sigma)


def test_unknown_activation_names_the_closest():
    with pytest.raises(LandscapeError, match="relu"):
        activations.get("rleu")
