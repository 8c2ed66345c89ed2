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
* :func:`zero_family_proof`: the remark after Proposition 1 -- zeros ``t0 + P k`` that are
  all local maxima (or minima) of value 0 (periodicity + the sign on ``(t0 - delta, t0 + delta)``).
* :func:`identity_holds`: an identity in ``z`` decided exactly (e.g. ``sigmoid(z) + sigmoid(-z) = 1``).
* :func:`assumption2_for`: the cached Assumption 2 decision of a registered activation.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import sympy as sp

from landscape._lib.activations import Activation, ExpPolyCertificate, PeriodicCertificate, TrigSumCertificate, U, Z, ZeroFamily


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


def derivative_at_zero(expr: sp.Expr, order: int, *, derivative: sp.Expr | None = None) -> ExactValue:
    """sigma^(order)(0) exactly (``derivative``: sigma^(order) already computed, e.g. by iteration)."""
    d = sp.diff(expr, Z, order) if derivative is None else derivative
    v_s = sp.simplify(d.subs(Z, 0))
    dec, how = is_zero_exact(v_s)
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
    d = act.expr
    for k in range(max_order):
        if k:
            d = sp.diff(d, Z)
        ev = derivative_at_zero(act.expr, k, derivative=d)
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
    if isinstance(c, TrigSumCertificate):
        terms = [tuple(sp.sympify(v) for v in t) for t in c.terms]
        form = sum(a * sp.cos(w * Z + ph) for a, w, ph in terms)
        identity = identity_holds(s - form)
        signs, ok = [], identity and all(w.is_positive for _, w, _ in terms)
        for r in range(4):
            vals = [a * sp.cos(ph + r * sp.pi / 2) for a, _, ph in terms]
            pos = [v.is_positive for v in vals]
            neg = [v.is_negative for v in vals]
            zero = [v.is_zero for v in vals]
            same = (all(p or zz for p, zz in zip(pos, zero)) and any(pos)) or \
                   (all(n or zz for n, zz in zip(neg, zero)) and any(neg))
            signs.append("+" if any(pos) and same else ("-" if same else "?"))
            ok = ok and same
        return Certificate(ok, (f"sigma = {form} ({'verified' if identity else 'NOT verified'}); sigma^(k)(0) = "
                                "sum a_m omega_m^k cos(phi_m + k pi/2), every term of sign "
                                f"{'/'.join(signs)} for k = 0/1/2/3 mod 4: never zero"))
    raise TypeError(f"unknown certificate type {type(c).__name__}")


def identity_holds(expr: sp.Expr) -> bool:
    """``expr == 0`` identically in ``z`` (sympy simplify, with trigonometric expansion as a second try)."""
    e = sp.simplify(expr)
    if e == 0:
        return True
    return sp.simplify(sp.expand_trig(sp.expand(expr))) == 0


@functools.lru_cache(maxsize=None)
def assumption2_for(name: str, max_order: int = 12) -> Assumption2Decision:
    """Cached :func:`first_vanishing_order` of the registered activation ``name``."""
    from landscape._lib import activations

    return first_vanishing_order(activations.get(name), max_order)


@dataclass(frozen=True)
class ZeroFamilyProof:
    """What :func:`zero_family_proof` established for one :class:`ZeroFamily`."""

    activation: str
    t0: str
    period: str | None
    delta: str
    kind: str
    zero_at_t0: bool
    periodic: bool | None  # None for a single zero
    sign_near: bool
    how: str

    @property
    def holds(self) -> bool:
        return self.zero_at_t0 and self.sign_near and self.periodic is not False

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["holds"] = self.holds
        return d


def zero_family_proof(act: Activation, fam: ZeroFamily) -> ZeroFamilyProof:
    """Prove that every ``t0 + period k`` is a zero and a local ``fam.kind`` of ``sigma`` (exactly).

    sigma(t0) = 0 exactly; sigma(z + period) = sigma(z) identically; and the sign on
    ``(t0 - delta, t0 + delta)``: by the declared local form ``sigma(t0 + u) = sign square(u)^2
    factor(u)`` (identity checked, ``factor <= 0`` has no solution on the open interval:
    ``solveset``), otherwise by sympy's maximum (minimum) on the closed interval being 0.
    """
    s = act.expr
    zero, _ = is_zero_exact(s.subs(Z, fam.t0))
    periodic = None if fam.period is None else identity_holds(s.subs(Z, Z + fam.period) - s)
    sign = -1 if fam.kind == "max" else 1
    if fam.square is not None and fam.factor is not None:
        how = "local form sign * square^2 * factor, factor > 0 on the open interval (solveset)"
        form = identity_holds(s.subs(Z, fam.t0 + U).subs(U, Z) - (sign * fam.square**2 * fam.factor).subs(U, Z))
        bad = sp.solveset(fam.factor <= 0, U, sp.Interval.open(-fam.delta, fam.delta))
        sign_ok = bool(form and bad == sp.S.EmptySet)
    else:
        how = f"sympy {'maximum' if sign < 0 else 'minimum'} on the closed interval"
        iv = sp.Interval(fam.t0 - fam.delta, fam.t0 + fam.delta)
        ext = sp.maximum(s, Z, iv) if sign < 0 else sp.minimum(s, Z, iv)
        sign_ok = bool(is_zero_exact(ext)[0])
    return ZeroFamilyProof(act.name, str(fam.t0), None if fam.period is None else str(fam.period), str(fam.delta),
                           fam.kind, bool(zero), periodic, sign_ok, how)


@functools.lru_cache(maxsize=None)
def zero_family_proofs(name: str) -> tuple[ZeroFamilyProof, ...]:
    """:func:`zero_family_proof` of every declared family of the activation ``name`` (cached)."""
    from landscape._lib import activations

    act = activations.get(name)
    return tuple(zero_family_proof(act, f) for f in act.zero_families)


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
    fam = next((f for f in act.zero_families if f.kind == "max" and f.square is not None
                and sp.simplify(f.t0 - t) == 0 and sp.simplify(f.delta - delta) == 0), None)
    if fam is not None:  # the fast exact proof of the declared local form
        p = zero_family_proof(act, fam)
        dt, _ = is_zero_exact(sp.diff(s, Z).subs(Z, t))
        d2 = float(sp.N(sp.diff(s, Z, 2).subs(Z, t)))
        return ShapeProof(act.name, str(t), float(sp.N(t)), str(delta), p.zero_at_t0, bool(dt), d2, p.sign_near, p.how)
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
    except Exception:
        return None
    if sol == sp.S.EmptySet:
        return True
    if isinstance(sol, sp.FiniteSet):
        return len(sol) == 0
    return None


def exact_rank(rows: list[list]) -> int:
    """Rank of a matrix of exact rationals (``fractions.Fraction`` or ints), without rounding.

    Each row is scaled to integers (by the lcm of its denominators: rank-preserving), then
    fraction-free Gaussian elimination (Bareiss: every division is exact) on Python integers.
    Used where the entries are exactly computable (e.g.
    :meth:`landscape._lib.networks.mlp.MLP.hidden_exact`), so the rank is decided, not estimated.
    """
    import math as _math
    from fractions import Fraction

    m = []
    for r in rows:
        fr = [Fraction(v) for v in r]
        den = 1
        for v in fr:
            den = den * v.denominator // _math.gcd(den, v.denominator)
        m.append([int(v * den) for v in fr])
    if not m:
        return 0
    n_rows, n_cols = len(m), len(m[0])
    rank, prev = 0, 1
    for c in range(n_cols):
        piv = next((r for r in range(rank, n_rows) if m[r][c] != 0), None)
        if piv is None:
            continue
        m[rank], m[piv] = m[piv], m[rank]
        p = m[rank][c]
        for r in range(rank + 1, n_rows):
            a = m[r][c]
            m[r] = [(p * m[r][j] - a * m[rank][j]) // prev if j > c else 0 for j in range(n_cols)]
        prev = p
        rank += 1
        if rank == n_rows:
            break
    return rank
