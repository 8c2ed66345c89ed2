"""Exact decisions about activations: Assumption 2 orders, certificates, Prop. 1 shapes."""

import pytest
import sympy as sp

from landscape._lib import activations, symbolic
from landscape._lib.activations import Z


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


def test_trig_sum_certificate_and_zero_families():
    act = activations.get("sin2cos")
    d = symbolic.first_vanishing_order(act)
    assert d.all_orders and "+/+/-/-" in d.certificate
    # a trig sum whose signs disagree for some k mod 4 is rejected (cos z - cos 3z has sigma(0) = 0)
    bad = activations.Activation("b", lambda x: x, (sp.cos(Z) - sp.cos(3 * Z)) / 4, "", analytic=True,
                                 assumption2_certificate=activations.TrigSumCertificate(
                                     ((sp.Rational(1, 4), 1, 0), (-sp.Rational(1, 4), 3, 0))))
    assert symbolic.all_orders_certificate(bad).proved is False
    kinds = {p.kind: p for p in symbolic.zero_family_proofs("sin2cos")}
    assert set(kinds) == {"min", "max"} and all(p.holds for p in kinds.values())
    for name in ("sincos", "negsin2", "negsq_exp", "cubic_exp"):
        assert all(p.holds and p.kind == "max" for p in symbolic.zero_family_proofs(name))
    # a declared local form that is wrong is not proved
    wrong = activations.ZeroFamily(sp.Integer(1), sp.pi, sp.pi, "min", sp.sin(activations.U), sp.Integer(1))
    assert symbolic.zero_family_proof(activations.get("negsin2"), wrong).holds is False


def test_identity_holds_and_assumption2_cache():
    assert symbolic.identity_holds(1 / (1 + sp.exp(-Z)) + 1 / (1 + sp.exp(Z)) - 1)
    assert not symbolic.identity_holds(sp.tanh(Z) - Z)
    assert symbolic.assumption2_for("sigmoid") is symbolic.assumption2_for("sigmoid")
    assert symbolic.assumption2_for("sigmoid").holds_for(3) is False


def test_exact_rank_against_sympy():
    from fractions import Fraction

    import numpy as np

    rng = np.random.default_rng(0)
    for _ in range(200):
        n, m = rng.integers(1, 8, size=2)
        r = int(rng.integers(0, min(n, m) + 1))
        a = (rng.integers(-6, 7, size=(n, r)) @ rng.integers(-6, 7, size=(r, m))) if r else np.zeros((n, m), int)
        rows = [[Fraction(int(v), int(rng.integers(1, 9))) for v in row] for row in a]
        want = sp.Matrix([[sp.Rational(v.numerator, v.denominator) for v in row] for row in rows]).rank()
        assert symbolic.exact_rank(rows) == want
    assert symbolic.exact_rank([]) == 0
