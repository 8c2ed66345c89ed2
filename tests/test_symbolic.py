"""Exact decisions about activations: Assumption 2 orders, certificates, Prop. 1 shapes."""

import pytest
import sympy as sp

from landscape import activations, symbolic
from landscape.activations import Z


@pytest.mark.parametrize("name,order", [("sigmoid", 2), ("softplus", 3), ("tanh", 0), ("linear", 0),
                                        ("poly2", 0), ("silu", 0), ("gelu", 0), ("erf", 0)])
def test_first_vanishing_order(name, order):
    assert symbolic.first_vanishing_order(activations.get(name)).first_vanishing_order == order


@pytest.mark.parametrize("name", activations.names(tag="assumption2"))
def test_all_orders_certificates_verify(name):
    d = symbolic.first_vanishing_order(activations.get(name))
    assert d.all_orders and d.first_vanishing_order is None
    assert d.holds_for(10**6) is True


def test_non_analytic_fails_assumption2():
    for name in ("relu", "leaky_relu", "elu"):
        assert symbolic.first_vanishing_order(activations.get(name)).holds_for(1) is False


def test_a_false_certificate_is_rejected():
    bogus = activations.Activation("bogus", lambda x: x, sp.exp(Z) + Z, "e^z + z", analytic=True,
                                   assumption2_certificate=activations.PeriodicCertificate(0, 1, sp.Integer(1)))
    assert symbolic.all_orders_certificate(bogus).proved is False
    # e^z (z - 1): sigma^(k)(0) = k - 1 vanishes at k = 1
    vanishing = activations.Activation("v", lambda x: x, sp.exp(Z) * (Z - 1), "", analytic=True,
                                       assumption2_certificate=activations.ExpPolyCertificate(Z - 1))
    assert symbolic.all_orders_certificate(vanishing).proved is False


def test_exp_poly_closed_form_matches_derivatives():
    act = activations.get("cubic_exp")
    for k in range(8):
        direct = sp.diff(act.expr, Z, k).subs(Z, 0)
        assert sp.simplify(direct - (k**3 - 8 * k**2 + 14 * k - 3)) == 0


@pytest.mark.parametrize("name", activations.names(tag="prop1"))
def test_prop1_shapes(name):
    p = symbolic.prop1_shape(activations.get(name))
    assert p.holds and p.derivative_t_zero and p.second_derivative_t < 0


def test_no_real_zero():
    assert symbolic.no_real_zero(activations.get("sigmoid")) is True
    assert symbolic.no_real_zero(activations.get("exp")) is True
    assert symbolic.no_real_zero(activations.get("tanh")) is False
