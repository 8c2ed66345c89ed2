"""Ball arithmetic (python-flint's ``arb``: FLINT/Arb) and second-order jets over it.

The rigorous half of the certificates (:mod:`landscape._lib.certify.critical`): a loss written
once for *any* number type (:class:`~landscape._lib.certify.mpform.LossForm`) is evaluated here

* on :class:`arb` balls at ``prec`` bits: a multiple-precision value whose ball is a *proof*
  that the true value lies inside (every operation rounds outward);
* on :class:`Jet` s over balls: value, gradient and Hessian at once (forward-mode automatic
  differentiation; the Hessian part is a dense ``arb_mat``).  Evaluated at a ball ``X`` of
  inputs, the jet's gradient and Hessian enclose ``grad L(x)`` and ``hess L(x)`` for *every*
  ``x`` in ``X`` -- what the Krawczyk test and the inertia certificate need.

:class:`Ops` is the namespace a loss form calls for its elementary functions (``exp``, ``log``,
``tanh``, ``sigmoid``, ``erf``, ``sin``, ``cos``, ``sqrt``, ``relu``) and for a registered
activation by name (:meth:`Ops.activation`): one function dispatching on the number type, so the
same form runs on floats, ``mpmath`` numbers, balls and jets.  Activations are evaluated from
their record's sympy expression (:attr:`landscape._lib.activations.Activation.expr`), with
``sigma'`` and ``sigma''`` by symbolic differentiation, so a new activation needs nothing here.
Piecewise activations (``relu``, ``leaky_relu``, ``elu``: ``Piecewise((a(z), z > 0), (b(z), True))``)
pick their piece from the ball's sign; a ball that touches the kink gives the union of both pieces'
values and is *counted* (:attr:`Ops.kinks`): derivatives there are not those of a C^2 function, so
no second-order proof is drawn from such an evaluation.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import sympy as sp

try:  # python-flint (FLINT/Arb): a dependency; imported lazily by callers that may lack it
    import flint
    from flint import arb, arb_mat
except ImportError:  # pragma: no cover - the package declares python-flint
    flint = None
    arb = arb_mat = None


def available() -> bool:
    """True if python-flint is importable (ball arithmetic and interval certificates available)."""
    return flint is not None


class precision:
    """Context manager: FLINT's working precision in bits (``ctx.prec``), restored on exit."""

    def __init__(self, bits: int):
        self.bits = int(bits)

    def __enter__(self) -> "precision":
        self.old = flint.ctx.prec
        flint.ctx.prec = self.bits
        return self

    def __exit__(self, *exc: Any) -> None:
        flint.ctx.prec = self.old


def digits_to_bits(digits: int) -> int:
    return int(math.ceil(digits * math.log2(10))) + 8


def to_arb(v: Any) -> "arb":
    """An exact ball for a Python / numpy float or int (binary floats are exact in arb)."""
    if isinstance(v, arb):
        return v
    if isinstance(v, (int, np.integer)):
        return arb(int(v))
    return arb(float(v))


def ball(mid: float, rad: float) -> "arb":
    """The ball ``[mid - rad, mid + rad]`` (``rad`` rounded up by arb)."""
    return arb(float(mid), float(rad))


def upper(b: "arb") -> float:
    """A float64 upper bound of ``|b|`` (every point of the ball)."""
    return float(b.abs_upper())


def lower(b: "arb") -> float:
    """A float64 lower bound of ``|b|`` (0 if the ball contains 0)."""
    return float(b.abs_lower())


def mid(b: "arb") -> float:
    return float(b.mid())


def certainly_positive(b: "arb") -> bool:
    return bool(b > 0)


def certainly_negative(b: "arb") -> bool:
    return bool(b < 0)


def is_exact_zero(b: "arb") -> bool:
    return bool(b.is_zero())


def mat_from(a: np.ndarray) -> "arb_mat":
    """An exact ``arb_mat`` from a float64 2-d array."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    return arb_mat([[float(v) for v in row] for row in a])


def mat_mid(m: "arb_mat") -> np.ndarray:
    """Midpoints as a float64 array."""
    return np.array([[float(v.mid()) for v in row] for row in m.tolist()], dtype=np.float64)


def mat_upper(m: "arb_mat") -> np.ndarray:
    """Upper bounds of ``|entry|`` as a float64 array."""
    return np.array([[float(v.abs_upper()) for v in row] for row in m.tolist()], dtype=np.float64)


def babs(u: "arb") -> "arb":
    """``|u|`` as the tight ball ``[0, max |u|]`` when ``u`` contains 0 (arb's ``abs`` keeps the radius around
    ``|mid|``, so ``|[-r, r]|`` would still contain ``-r``)."""
    if u.contains(0):
        return arb(0).union(u.abs_upper())
    return abs(u)


def ipow(u: "arb", k: int) -> "arb":
    """``u ** k`` for an integer ``k >= 0`` by multiplication (arb's real power of a ball that contains
    negative numbers or 0 is NaN); even powers from ``|u|``, so ``[-r, r] ** 2 = [0, r^2]``."""
    if k == 0:
        return arb(1)
    if k % 2:
        return u * ipow(u, k - 1)
    b, e, result = babs(u), k, arb(1)
    while e:
        if e & 1:
            result = result * b
        e >>= 1
        if e:
            b = b * b
    return result


# =======================================================================================
# Second-order jets
# =======================================================================================

def _add_opt(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _scale_opt(m, s):
    return None if m is None else m * s


class Jet:
    """``(value, gradient, Hessian)`` of an intermediate quantity with respect to the ``n`` inputs.

    ``g`` is a ``1 x n`` ``arb_mat`` (``None``: a constant), ``h`` an ``n x n`` ``arb_mat``
    (``None``: zero, e.g. a linear function of the inputs); ``order`` is 1 (no Hessian is formed)
    or 2.  Arithmetic with numbers (``int``, ``float``, ``arb``) and other jets follows the
    chain and product rules in ball arithmetic.
    """

    __slots__ = ("v", "g", "h", "order")

    def __init__(self, v, g=None, h=None, order: int = 2):
        self.v, self.g, self.h, self.order = v, g, h, order

    @staticmethod
    def variables(x: list, order: int = 2) -> list["Jet"]:
        """One jet per input (``x``: balls or floats): gradient the unit vector, Hessian zero."""
        n = len(x)
        out = []
        for i, xi in enumerate(x):
            e = arb_mat(1, n)
            e[0, i] = 1
            out.append(Jet(to_arb(xi), e, None, order))
        return out

    # -- helpers -------------------------------------------------------------------
    @staticmethod
    def _lift(o) -> "Jet":
        return o if isinstance(o, Jet) else Jet(to_arb(o), None, None, 1)

    def unary(self, f0, f1, f2) -> "Jet":
        """``phi(self)`` given ``phi``, ``phi'``, ``phi''`` at the value (balls)."""
        g = None if self.g is None else self.g * f1
        h = None
        if self.order >= 2 and self.g is not None:
            h = self.g.transpose() * (self.g * f2)
            if self.h is not None:
                h = h + self.h * f1
        return Jet(f0, g, h, self.order)

    # -- arithmetic ------------------------------------------------------------------
    def __add__(self, o):
        if not isinstance(o, Jet):
            return Jet(self.v + to_arb(o), self.g, self.h, self.order)
        return Jet(self.v + o.v, _add_opt(self.g, o.g), _add_opt(self.h, o.h), max(self.order, o.order))

    __radd__ = __add__

    def __neg__(self):
        return Jet(-self.v, _scale_opt(self.g, -1), _scale_opt(self.h, -1), self.order)

    def __sub__(self, o):
        return self + (-o if isinstance(o, Jet) else -to_arb(o))

    def __rsub__(self, o):
        return (-self) + o

    def __mul__(self, o):
        if not isinstance(o, Jet):
            c = to_arb(o)
            return Jet(self.v * c, _scale_opt(self.g, c), _scale_opt(self.h, c), self.order)
        order = max(self.order, o.order)
        v = self.v * o.v
        g = _add_opt(_scale_opt(self.g, o.v), _scale_opt(o.g, self.v))
        h = None
        if order >= 2:
            h = _add_opt(_scale_opt(self.h, o.v), _scale_opt(o.h, self.v))
            if self.g is not None and o.g is not None:
                cross = self.g.transpose() * o.g
                h = _add_opt(h, cross + cross.transpose())
        return Jet(v, g, h, order)

    __rmul__ = __mul__

    def __truediv__(self, o):
        if not isinstance(o, Jet):
            return self * (1 / to_arb(o))
        return self * o.reciprocal()

    def __rtruediv__(self, o):
        return self.reciprocal() * o

    def reciprocal(self) -> "Jet":
        r = 1 / self.v
        return self.unary(r, -r * r, 2 * r * r * r)

    def __pow__(self, k):
        if isinstance(k, (int, np.integer)) and k >= 0:
            k = int(k)
            if k == 0:
                return Jet(arb(1), None, None, self.order)
            if k == 1:
                return self
            u = self.v
            return self.unary(ipow(u, k), k * ipow(u, k - 1), k * (k - 1) * ipow(u, k - 2))
        if isinstance(k, (int, np.integer)):
            return (self ** (-int(k))).reciprocal()
        raise TypeError(f"jet ** {k!r}: only integer powers are supported; use ops.sqrt for square roots")


# =======================================================================================
# Elementary functions on every number type
# =======================================================================================

def _sigmoid_arb(u):
    # 1 / (1 + e^-u): for u << 0 e^-u is huge but finite in arb (unbounded exponent)
    return 1 / (1 + (-u).exp())


_SQRT_PI = None


def _erf_d1(u):
    return 2 * (-(u * u)).exp() / arb.pi().sqrt()


def _mono(fn: Callable, u):
    """``fn`` (monotone) on the ball ``u`` from its endpoints: tight where arb's midpoint-radius evaluation of a
    wide ball is not (e.g. sigmoid over [-27, -22] would contain 0)."""
    if u.rad() == 0 or not u.is_finite():
        return fn(u)
    return fn(arb(u.lower())).union(fn(arb(u.upper())))


def _sig_pair(u):
    return _mono(_sigmoid_arb, u), _mono(lambda v: _sigmoid_arb(-v), u)


# name -> (on arb: f, f', f'')
_ARB_FUNCS: dict[str, Callable] = {
    "exp": lambda u: (_mono(lambda v: v.exp(), u),) * 3,
    "log": lambda u: (_mono(lambda v: v.log(), u), 1 / u, -1 / (u * u)),
    "tanh": lambda u: (lambda t: (t, 1 - t * t, -2 * t * (1 - t * t)))(_mono(lambda v: v.tanh(), u)),
    "sigmoid": lambda u: (lambda s, c: (s, s * c, s * c * (c - s)))(*_sig_pair(u)),
    "softplus": lambda u: (lambda s, c: (_mono(lambda v: v.exp().log1p(), u), s, s * c))(*_sig_pair(u)),
    "erf": lambda u: (_mono(lambda v: v.erf(), u), _erf_d1(u), -2 * u * _erf_d1(u)),
    "sin": lambda u: (u.sin(), u.cos(), -u.sin()),
    "cos": lambda u: (u.cos(), -u.sin(), -u.cos()),
    "sqrt": lambda u: (lambda r: (r, 1 / (2 * r), -1 / (4 * r * r * r)))(u.sqrt()),
}

_MP_FUNCS = {"exp": "exp", "log": "log", "tanh": "tanh", "erf": "erf", "sin": "sin", "cos": "cos", "sqrt": "sqrt"}


class Ops:
    """Elementary functions for a loss form, on ``float``, ``mpmath`` numbers, ``arb`` balls and :class:`Jet` s.

    ``ops.exp(x)``, ``ops.log``, ``ops.tanh``, ``ops.sigmoid``, ``ops.erf``, ``ops.sin``, ``ops.cos``,
    ``ops.sqrt``, ``ops.softplus``, ``ops.relu``; ``ops.activation(name)`` the registered activation ``name`` (from its
    record's sympy expression).  Arithmetic (``+ - * /``, integer ``**``) is the numbers' own.
    ``kinks`` counts evaluations of a piecewise function whose argument touched a kink
    (non-differentiable there).
    """

    def __init__(self) -> None:
        self.kinks = 0
        self._acts: dict[str, Callable] = {}

    def _apply(self, name: str, x):
        if isinstance(x, Jet):
            f0, f1, f2 = _ARB_FUNCS[name](x.v)
            return x.unary(f0, f1, f2)
        if arb is not None and isinstance(x, arb):
            return _ARB_FUNCS[name](x)[0]
        if isinstance(x, (float, int, np.floating, np.integer)):
            if name == "sigmoid":
                return 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0
            if name == "softplus":
                return math.log1p(math.exp(x)) if x < 700 else float(x)
            return getattr(math, name)(x)
        import mpmath

        if name == "sigmoid":
            return 1 / (1 + mpmath.exp(-x))
        if name == "softplus":
            return mpmath.log(1 + mpmath.exp(x))
        return getattr(mpmath, _MP_FUNCS[name])(x)

    def exp(self, x):
        return self._apply("exp", x)

    def log(self, x):
        return self._apply("log", x)

    def tanh(self, x):
        return self._apply("tanh", x)

    def sigmoid(self, x):
        return self._apply("sigmoid", x)

    def erf(self, x):
        return self._apply("erf", x)

    def sin(self, x):
        return self._apply("sin", x)

    def cos(self, x):
        return self._apply("cos", x)

    def sqrt(self, x):
        return self._apply("sqrt", x)

    def softplus(self, x):
        return self._apply("softplus", x)

    def relu(self, x):
        return self.activation("relu")(x)

    def activation(self, name: str) -> Callable:
        """The registered activation ``name`` as a function on every number type of this namespace."""
        f = self._acts.get(name)
        if f is None:
            f = self._acts[name] = _activation_function(name, self)
        return f


def _activation_function(name: str, ops: Ops) -> Callable:
    from landscape._lib import activations

    act = activations.get(name)
    if act.expr is None:
        from landscape._lib.errors import LandscapeError

        raise LandscapeError(f"activation {name!r} has no sympy expression: no ball / multiple-precision form")
    if name in _ARB_FUNCS:  # a tight direct form (monotone pieces from endpoints)
        direct = _ARB_FUNCS[name]
        torch_fn = act.torch

        def f_direct(x):
            if isinstance(x, Jet):
                return x.unary(*direct(x.v))
            if arb is not None and isinstance(x, arb):
                return direct(x)[0]
            if isinstance(x, (float, int, np.floating, np.integer)):
                import torch

                return float(torch_fn(torch.tensor(float(x), dtype=torch.float64)))
            return act.mpmath()(x)

        return f_direct
    z = activations.Z
    pieces = _pieces(act.expr, z)
    derivs = [(cond, [sp.simplify(e), sp.simplify(sp.diff(e, z)), sp.simplify(sp.diff(e, z, 2))])
              for cond, e in pieces]
    torch_fn = act.torch

    def on_arb(u, need: int):
        """(sigma, sigma', sigma'') at the ball ``u`` (first ``need`` + 1 of them computed)."""
        if len(derivs) == 1:
            return [_eval_arb(e, z, u) for e in derivs[0][1][:need + 1]]
        # Piecewise((a, z > t), (b, True)): choose by the ball's position against t
        (cond, a), (_, b) = derivs
        t = _eval_arb(cond, z, u)  # the threshold, as a ball
        if bool(u > t):
            return [_eval_arb(e, z, u) for e in a[:need + 1]]
        if bool(u < t):
            return [_eval_arb(e, z, u) for e in b[:need + 1]]
        ops.kinks += 1
        va = [_eval_arb(e, z, u) for e in a[:need + 1]]
        vb = [_eval_arb(e, z, u) for e in b[:need + 1]]
        return [p.union(q) for p, q in zip(va, vb)]

    def f(x):
        if isinstance(x, Jet):
            vals = on_arb(x.v, 2 if x.order >= 2 else 1)
            if len(vals) < 3:
                vals = vals + [arb(0)]
            return x.unary(*vals)
        if arb is not None and isinstance(x, arb):
            return on_arb(x, 0)[0]
        if isinstance(x, (float, int, np.floating, np.integer)):
            import torch

            return float(torch_fn(torch.tensor(float(x), dtype=torch.float64)))
        import mpmath

        return act.mpmath()(x)

    return f


def _pieces(expr: sp.Expr, z: sp.Symbol) -> list[tuple[Any, sp.Expr]]:
    """``[(None, expr)]`` for a smooth expression; ``[(threshold, a), (None, b)]`` for
    ``Piecewise((a, z > threshold), (b, True))``."""
    if isinstance(expr, sp.Piecewise):
        args = expr.args
        if (len(args) == 2 and args[1][1] == sp.true and isinstance(args[0][1], sp.StrictGreaterThan)
                and args[0][1].lhs == z and not args[0][1].rhs.has(z)):
            return [(args[0][1].rhs, args[0][0]), (None, args[1][0])]
        from landscape._lib.errors import LandscapeError

        raise LandscapeError(f"piecewise activation {expr} is not of the form Piecewise((a, z > t), (b, True)); "
                             "no ball form")
    return [(None, expr)]


def _eval_arb(e: sp.Expr, z: sp.Symbol, u: "arb") -> "arb":
    """Evaluate the sympy expression ``e`` at ``z = u`` in ball arithmetic (exact constants)."""
    if e.is_Symbol:
        return u if e == z else _fail(e)
    if e.is_Integer:
        return arb(int(e))
    if e.is_Rational:
        return arb(int(e.p)) / arb(int(e.q))
    if e.is_Float:
        return arb(str(e))
    if e == sp.pi:
        return arb.pi()
    if e == sp.E:
        return arb(1).exp()
    if e.is_Add:
        out = arb(0)
        for a in e.args:
            out = out + _eval_arb(a, z, u)
        return out
    if e.is_Mul:
        out = arb(1)
        for a in e.args:
            out = out * _eval_arb(a, z, u)
        return out
    if e.is_Pow:
        base = _eval_arb(e.args[0], z, u)
        ex = e.args[1]
        if ex.is_Integer:
            k = int(ex)
            return base ** k if k >= 0 else 1 / base ** (-k)
        if ex == sp.Rational(1, 2):
            return base.sqrt()
        if ex == sp.Rational(-1, 2):
            return 1 / base.sqrt()
        return (_eval_arb(ex, z, u) * base.log()).exp()
    fn = type(e).__name__.lower()
    if fn in ("exp", "log", "tanh", "erf", "sin", "cos", "sinh", "cosh", "erfc", "atan"):
        return getattr(_eval_arb(e.args[0], z, u), fn)()
    if fn == "heaviside":
        a = _eval_arb(e.args[0], z, u)
        return arb(1) if bool(a > 0) else arb(0) if bool(a < 0) else arb("0.5", "0.5")
    return _fail(e)


def _fail(e):
    from landscape._lib.errors import LandscapeError

    raise LandscapeError(f"cannot evaluate {e} in ball arithmetic")


# =======================================================================================
# Certificates on interval matrices
# =======================================================================================

def inertia(h: "arb_mat", approx: np.ndarray | None = None) -> dict:
    """Inertia of *every* symmetric matrix in the interval matrix ``h``, or ``None`` counts.

    Congruence ``M = V^T h V`` with ``V`` the float64 eigenvectors of the midpoint (exact in
    arb; ``V`` is proved nonsingular by ``||V^T V - I||_inf < 1``), then Gershgorin discs of
    ``M``: when every disc excludes 0, the discs on each side of 0 count the eigenvalues there
    (the two unions are disjoint), and Sylvester's law of inertia carries the counts back to
    ``h``.  Returns ``{"negative", "positive", "zero", "proved", "min_gap"}``: ``proved`` is
    False when some disc contains 0 (then the counts are the midpoint's float64 ones);
    ``min_gap`` the smallest distance of a disc from 0 (a lower bound on ``min |lambda|``
    relative to nothing -- in the matrix's units).
    """
    mid_ = mat_mid(h) if approx is None else approx
    mid_ = 0.5 * (mid_ + mid_.T)
    vals, vecs = np.linalg.eigh(mid_)
    n = len(vals)
    v = mat_from(vecs)
    vtv = v.transpose() * v
    off = 0.0
    for i in range(n):
        row = 0.0
        for j in range(n):
            e = vtv[i, j] - (1 if i == j else 0)
            row += float(e.abs_upper())
        off = max(off, row)
    m = v.transpose() * h * v
    neg = pos = 0
    gap = math.inf
    proved = off < 1.0
    for i in range(n):
        r = arb(0)
        for j in range(n):
            if j != i:
                r = r + m[i, j].abs_upper()
        centre = m[i, i]
        lo = centre - r
        hi = centre + r
        if bool(lo > 0):
            pos += 1
            gap = min(gap, float(lo.lower()))
        elif bool(hi < 0):
            neg += 1
            gap = min(gap, float(-hi.upper()))
        else:
            proved = False
    if not proved:
        tol = 1e-12 * max(1.0, float(np.max(np.abs(vals)))) if n else 0.0
        return {"negative": int(np.sum(vals < -tol)), "positive": int(np.sum(vals > tol)),
                "zero": int(np.sum(np.abs(vals) <= tol)), "proved": False, "min_gap": 0.0}
    return {"negative": neg, "positive": pos, "zero": 0, "proved": True, "min_gap": gap}


def negative_curvature(h: "arb_mat", v: np.ndarray) -> "arb":
    """The Rayleigh quotient ``v^T h v / v^T v`` as a ball: an upper bound below 0 proves a negative
    eigenvalue for every symmetric matrix in ``h``."""
    vm = mat_from(np.asarray(v, dtype=np.float64).reshape(-1, 1))
    return (vm.transpose() * h * vm)[0, 0] / (vm.transpose() * vm)[0, 0]


__all__ = ["Jet", "Ops", "available", "ball", "certainly_negative", "certainly_positive", "digits_to_bits",
           "inertia", "is_exact_zero", "lower", "mat_from", "mat_mid", "mat_upper", "mid", "negative_curvature",
           "precision", "to_arb", "upper"]
