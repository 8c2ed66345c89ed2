"""Exact (sympy) decisions about activations.

* :func:`derivative_at_zero` / :func:`first_vanishing_order`: Li-Ding-Sun Assumption 2
  (``004_c552a5c94484e66a.txt`` section 3.3): ``sigma(0), sigma'(0), ...,
  sigma^(n-1)(0)`` all non-zero.  Zero tests are exact (sympy simplification); where sympy
  cannot decide, the value is evaluated with sympy's arbitrary-precision ``evalf`` (which
  tracks its own accuracy) and called non-zero only if it is certifiably away from 0.
* :func:`all_orders_certificate`: carries out the proof recipe an activation declares
  (periodic derivatives or ``e^z P(z)``) that *every* derivative at 0 is non-zero.
* :func:`prop1_shape`: proves Proposition 1's shape condition -- ``sigma(t) = 0`` for a
  ``t != 0`` and ``sigma <= 0`` on ``(t - delta, t + delta)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .activations import Activation, ExpPolyCertificate, PeriodicCertificate, Z


@dataclass(frozen=True)
class ExactValue:
    """A derivative value at 0: its sympy form, whether it is zero, and how that was decided."""

    order: int
    value: str
    is_zero: bool | None
    how: str  # "exact" | "evalf" | "undecided"
    numeric: float

    def as_dict(self) -> dict:
        return {"order": self.order, "value": self.value, "is_zero": self.is_zero, "how": self.how,
                "numeric": self.numeric}


def is_zero_exact(v: sp.Expr) -> tuple[bool | None, str]:
    """Decide ``v == 0`` exactly if possible: returns (decision, how)."""
    v = sp.simplify(v)
    if v == 0:
        return True, "exact"
    z = v.is_zero
    if z is not None:
        return bool(z), "exact"
    # sympy's evalf gives a result with a guaranteed number of correct digits
    num = sp.N(v, 50)
    if num != 0 and abs(num) > sp.Float("1e-40"):
        return False, "evalf"
    return None, "undecided"


def derivative_at_zero(expr: sp.Expr, order: int) -> ExactValue:
    """sigma^(order)(0) exactly."""
    v = sp.diff(expr, Z, order).subs(Z, 0)
    dec, how = is_zero_exact(v)
    v_s = sp.simplify(v)
    return ExactValue(order, str(v_s), dec, how, float(sp.N(v_s, 20)))


@dataclass(frozen=True)
class Assumption2Decision:
    """First order n at which sigma^(n)(0) = 0 (``None``: none up to ``checked`` / all orders)."""

    activation: str
    analytic: bool
    first_vanishing_order: int | None
    checked_orders: int
    all_orders: bool  # True if a certificate proves non-vanishing at every order
    values: list[ExactValue] = field(default_factory=list)
    certificate: str | None = None
    undecided: bool = False

    def holds_for(self, n: int) -> bool | None:
        """Assumption 2 for this n: True / False / None (not decided that far)."""
        if not self.analytic:
            return False
        if self.first_vanishing_order is not None:
            return self.first_vanishing_order >= n
        if self.all_orders or n <= self.checked_orders:
            return True
        return None

    def as_dict(self) -> dict:
        return {"activation": self.activation, "analytic": self.analytic,
                "first_vanishing_order": self.first_vanishing_order, "checked_orders": self.checked_orders,
                "all_orders": self.all_orders, "certificate": self.certificate, "undecided": self.undecided,
                "values": [v.as_dict() for v in self.values]}


def first_vanishing_order(act: Activation, max_order: int = 12) -> Assumption2Decision:
    """Decide Assumption 2 for ``act``: exact derivatives at 0 up to ``max_order - 1``.

    Non-analytic activations fail Assumption 2 outright (it requires analyticity); their
    derivative list is left empty.  If the activation declares an all-orders certificate
    and it verifies, ``all_orders`` is True.
    """
    if not act.analytic or act.expr is None:
        return Assumption2Decision(act.name, False, None, 0, False)
    values = []
    first = None
    undecided = False
    for k in range(max_order):
        ev = derivative_at_zero(act.expr, k)
        values.append(ev)
        if ev.is_zero is None:
            undecided = True
            break
        if ev.is_zero:
            first = k
            break
    cert = all_orders_certificate(act) if first is None and not undecided else None
    return Assumption2Decision(act.name, True, first, len(values), bool(cert and cert.proved), values,
                               cert.description if cert else None, undecided)


@dataclass(frozen=True)
class Certificate:
    proved: bool
    description: str


def all_orders_certificate(act: Activation) -> Certificate | None:
    """Carry out ``act.assumption2_certificate``; ``None`` if the activation declares none."""
    c = act.assumption2_certificate
    if c is None or act.expr is None:
        return None
    s = act.expr
    if isinstance(c, PeriodicCertificate):
        lhs = sp.diff(s, Z, c.k0 + c.p) - c.c * sp.diff(s, Z, c.k0)
        identity = sp.simplify(sp.expand_trig(lhs)) == 0 or sp.simplify(lhs) == 0
        base = [derivative_at_zero(s, k) for k in range(c.k0 + c.p)]
        ok = identity and c.c != 0 and all(v.is_zero is False for v in base)
        return Certificate(ok, (f"sigma^(k+{c.p}) = {c.c} * sigma^(k) for k >= {c.k0} "
                                f"({'verified' if identity else 'NOT verified'} symbolically) and "
                                f"sigma^(k)(0) != 0 for k < {c.k0 + c.p}: "
                                + ", ".join(v.value for v in base)))
    if isinstance(c, ExpPolyCertificate):
        identity = sp.simplify(s - sp.exp(Z) * c.poly) == 0
        k = sp.Symbol("k", integer=True, nonnegative=True)
        P = sp.Poly(sp.expand(c.poly), Z)
        deg = P.degree()
        q = sp.expand(sum(sp.binomial(k, j) * sp.diff(c.poly, Z, j).subs(Z, 0) for j in range(deg + 1)))
        qpoly = sp.Poly(sp.expand_func(q), k)
        roots = [r for r in sp.roots(qpoly, filter=None).keys() if r.is_integer and r >= 0]
        ok = identity and not roots and not qpoly.is_zero
        return Certificate(ok, (f"sigma = e^z ({c.poly}) "
                                f"({'verified' if identity else 'NOT verified'}), so sigma^(k)(0) = "
                                f"{qpoly.as_expr()}, which has "
                                f"{'no non-negative integer root' if not roots else 'roots ' + str(roots)}"))
    raise TypeError(f"unknown certificate type {type(c).__name__}")


@dataclass(frozen=True)
class ShapeProof:
    """Proposition 1's shape condition for one activation, decided exactly."""

    activation: str
    t: str
    t_numeric: float
    delta: str
    sigma_t_zero: bool
    derivative_t_zero: bool
    second_derivative_t: float
    nonpositive_near_t: bool
    how: str

    @property
    def holds(self) -> bool:
        return self.sigma_t_zero and self.nonpositive_near_t and self.t_numeric != 0

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["holds"] = self.holds
        return d


def prop1_shape(act: Activation) -> ShapeProof | None:
    """Prove ``sigma(t) = 0`` and ``sigma <= 0`` on ``(t - delta, t + delta)`` for the declared t.

    The sign condition is decided by sympy's ``maximum`` of sigma on the closed interval
    ``[t - delta, t + delta]`` (exact calculus: critical points and end points); the
    maximum must be exactly 0.  Returns ``None`` if the activation declares no zero.
    """
    if act.prop1_zero is None or act.expr is None:
        return None
    t, delta = act.prop1_zero, act.prop1_delta
    s = act.expr
    st, _ = is_zero_exact(s.subs(Z, t))
    dt, _ = is_zero_exact(sp.diff(s, Z).subs(Z, t))
    d2 = float(sp.N(sp.diff(s, Z, 2).subs(Z, t)))
    how = "sympy maximum on the closed interval"
    try:
        mx = sp.maximum(s, Z, sp.Interval(t - delta, t + delta))
        z_, _ = is_zero_exact(mx)
        nonpos = bool(z_)
    except (NotImplementedError, ValueError):
        # fall back: sigma = -(nonneg square) * positive factor, proven by sympy's assumptions
        nonpos = bool(sp.ask(sp.Q.nonpositive(s), sp.Q.real(Z)))
        how = "sympy assumptions (sign of factors)"
    return ShapeProof(act.name, str(t), float(sp.N(t)), str(delta), bool(st), bool(dt), d2, nonpos, how)


def no_real_zero(act: Activation) -> bool | None:
    """Prove sigma has no real zero (negative controls of Prop. 1): True / False / None."""
    if act.expr is None:
        return None
    s = act.expr
    if s.is_positive or s.is_negative:
        return True
    try:
        sol = sp.solveset(sp.Eq(s, 0), Z, domain=sp.S.Reals)
    except Exception:  # noqa: BLE001 - sympy raises several types for unsolvable equations
        return None
    if sol == sp.S.EmptySet:
        return True
    if isinstance(sol, sp.FiniteSet):
        return len(sol) == 0
    return None
