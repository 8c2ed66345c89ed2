"""Registry of activation functions: torch function, sympy expression, honest metadata.

Each :class:`Activation` carries

* ``torch``: the float64 torch implementation used by the networks; :meth:`Activation.derivative`
  its derivative (autograd), :meth:`Activation.numpy` / :meth:`Activation.mpmath` the numpy and
  mpmath forms;
* ``closed_form``: the dual kernel -- exact Gaussian moments ``E[s(u)s(v)]``, ``E[s'(u)s'(v)]``,
  ``E[s]`` (:class:`landscape._lib.gaussian.ClosedForm`) -- where known (relu, leaky_relu, linear,
  erf, exp, poly2, poly3), else ``None``; ``mp_closed_form`` the same moments as mpmath
  functions (:class:`landscape._lib.gaussian.MpClosedForm`, for the multiple-precision ``K^(H)``);
  :meth:`Activation.as_numpy` / :meth:`Activation.numpy_derivative` the float64 numpy forms of
  ``sigma``, ``sigma'`` and higher derivatives the quadratures integrate;
  :meth:`Activation.c_sigma` / :meth:`Activation.second_moment`
  (Du et al. ``002_7f4fd584f3752d2b.txt``, below eq. (2)) use it or Gaussian quadrature, the way
  neural-tangents keeps an activation and its kernel together;
* ``expr``: the same function as a sympy expression in the real symbol :data:`Z`
  (``None`` only where no closed form exists); the suite checks that both agree;
* metadata: ``continuous``, ``analytic``, ``polynomial_degree`` (``None`` if not a
  polynomial), ``lipschitz``, ``smooth``, ``odd``, ``positively_homogeneous``;
* ``assumption2_certificate``: an optional *proof recipe* that sigma^(k)(0) != 0 for every
  order k (Li-Ding-Sun Assumption 2 for every n).  The recipe is only a claim: the proof
  is carried out by :mod:`landscape._lib.symbolic`, never assumed;
* ``prop1_zero`` / ``prop1_delta``: for activations meeting the shape condition of
  Li-Ding-Sun Proposition 1 (``004_c552a5c94484e66a.txt`` section 3.3) -- a zero
  ``t != 0`` with ``sigma <= 0`` on ``(t - delta, t + delta)``; again verified
  symbolically, not trusted;
* ``zero_families``: zeros that are local extrema (:class:`ZeroFamily`: ``t0 + period * k``,
  a local maximum or minimum of value 0 on ``(t - delta, t + delta)``), the raw material of
  the remark after Proposition 1 ("at least N points t_1..t_N such that sigma(t_i) = 0 is a
  local maximum or minimum"); verified by :func:`landscape._lib.symbolic.zero_family_proof`.

Prop. 1 activations found for this suite (all analytic, all meeting Assumption 2 for
every n, each with a zero ``t != 0`` that is a local maximum of value 0):

=============  ===================================  ======  ========================
name           sigma(z)                             t       certificate
=============  ===================================  ======  ========================
sincos         sin z + cos z - sqrt 2               pi/4    derivatives period 4
negsin2        -sin^2(z - 1)                        1       sigma^(k+4) = 16 sigma^(k), k>=1
negsq_exp      -(z - 1)^2 e^z                       1       sigma^(k)(0) = -(k^2 - 3k + 1)
cubic_exp      (z - 1)^2 (z - 3) e^z                1       sigma^(k)(0) = k^3 - 8k^2 + 14k - 3
=============  ===================================  ======  ========================

``cubic_exp`` is the one where the shape condition is only local (sigma > 0 for z > 3).

``sin2cos`` = sin^2(z - 6/5) cos(z - 6/5) = (cos(z - 6/5) - cos(3z - 18/5)) / 4 has zeros of
*both* kinds: local minima at 6/5 + 2 pi k (sigma >= 0 near) and local maxima at
6/5 + pi + 2 pi k (sigma <= 0 near), which the remark after Proposition 1 needs for labels
of both signs.  Assumption 2 for every order: a trigonometric-sum certificate (for each
k mod 4 every term of sigma^(k)(0) has the same strict sign; c = 6/5 is chosen so that
cos c, -cos 3c, sin c, -sin 3c are all positive).  It is not tagged ``prop1`` (the Prop. 1
claims and fixtures keep their four activations).

The polynomials z^p are registered for p = 2..6 (``poly2`` .. ``poly6``).
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field, replace
from typing import Callable

import mpmath as mp
import numpy as np
import sympy as sp
import torch
import torch.nn.functional as F

from landscape._lib import gaussian
from landscape._lib.errors import LandscapeError

#: The real symbol every activation expression is written in.
Z = sp.Symbol("z", real=True)

TorchFn = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class PeriodicCertificate:
    """sigma^(k0 + p) = c * sigma^(k0) identically (hence for all higher orders), c != 0."""

    k0: int
    p: int
    c: sp.Expr


@dataclass(frozen=True)
class ExpPolyCertificate:
    """sigma(z) = e^z * P(z) for the polynomial P; sigma^(k)(0) = sum_j C(k, j) P^(j)(0)."""

    poly: sp.Expr


@dataclass(frozen=True)
class TrigSumCertificate:
    """sigma(z) = sum_m a_m cos(omega_m z + phi_m); ``terms`` = ((a_m, omega_m, phi_m), ...), omega_m > 0.

    Then sigma^(k)(0) = sum_m a_m omega_m^k cos(phi_m + k pi / 2): if for each residue
    k mod 4 every non-zero term has the same strict sign (and one is non-zero), no
    derivative at 0 vanishes.
    """

    terms: tuple[tuple[sp.Expr, sp.Expr, sp.Expr], ...]


@dataclass(frozen=True)
class ZeroFamily:
    """Zeros ``t0 + period * k`` (``period=None``: the single zero ``t0``), each a local
    ``kind`` ("max": sigma <= 0 near it; "min": sigma >= 0) on ``(t - delta, t + delta)``.

    ``square`` / ``factor`` (optional, expressions in :data:`U`) give a fast exact proof:
    ``sigma(t0 + u) == sign * square(u)^2 * factor(u)`` with ``factor > 0`` on the open
    interval ``|u| < delta`` (``sign`` = -1 for "max", +1 for "min").
    """

    t0: sp.Expr
    period: sp.Expr | None
    delta: sp.Expr
    kind: str
    square: sp.Expr | None = None
    factor: sp.Expr | None = None


@dataclass(frozen=True)
class Activation:
    """One registered activation function; see the module docstring for the fields."""

    name: str
    torch: TorchFn
    expr: sp.Expr | None
    description: str
    continuous: bool = True
    analytic: bool = False
    polynomial_degree: int | None = None
    lipschitz: bool = True
    smooth: bool = False
    odd: bool = False
    positively_homogeneous: bool = False
    assumption2_certificate: PeriodicCertificate | ExpPolyCertificate | TrigSumCertificate | None = None
    prop1_zero: sp.Expr | None = None
    prop1_delta: sp.Expr | None = None
    zero_families: tuple[ZeroFamily, ...] = ()
    tags: tuple[str, ...] = field(default=())
    closed_form: gaussian.ClosedForm | None = None
    mp_closed_form: gaussian.MpClosedForm | None = None

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.torch(x)

    def derivative(self) -> TorchFn:
        """``sigma'`` as a float64 torch function (autograd).

        At a kink the value is torch's one-sided choice (``relu'(0) = 0``), exactly the
        derivative torch back-propagates, so manual and autograd gradients agree.
        """
        act = self

        def d(x: torch.Tensor) -> torch.Tensor:
            with torch.enable_grad():
                t = x.detach().clone().requires_grad_(True)
                (g,) = torch.autograd.grad(act.torch(t).sum(), t)
            return g

        return d

    def as_numpy(self, derivative: bool = False) -> Callable[[np.ndarray], np.ndarray]:
        """``sigma`` (or ``sigma'``, :meth:`derivative`) as a float64 numpy function: the input
        goes through ``np.asarray(x, dtype=float64)``, then the torch form (moved from
        ``kernels._np_fn``; the integrand of every quadrature of the Du et al. kernels)."""
        tf = self.derivative() if derivative else self.torch

        def f(x: np.ndarray) -> np.ndarray:
            return tf(torch.as_tensor(np.asarray(x, dtype=np.float64))).numpy()

        return f

    def numpy_derivative(self, order: int) -> Callable[[np.ndarray], np.ndarray]:
        """``sigma^(order)`` as a float64 numpy function by nested autograd (``order = 0``: sigma
        itself; moved from ``kernels._derivative_np``; used by the error propagation of the
        analytic ``K^(H)``, Price's theorem)."""
        act = self

        def f(x: np.ndarray) -> np.ndarray:
            t = torch.as_tensor(np.asarray(x, dtype=np.float64)).detach().clone().requires_grad_(True)
            with torch.enable_grad():
                y = act.torch(t)
                for _ in range(order):
                    (y,) = torch.autograd.grad(y.sum(), t, create_graph=True)
            return y.detach().numpy()

        return f

    def second_moment(self, *, degree: int | None = None, check_degree: int | None = None) -> gaussian.QuadEstimate:
        """``E_{z~N(0,1)}[sigma(z)^2]`` by quadrature (:func:`landscape._lib.gaussian.second_moment_of`:
        Gauss-Hermite if smooth, else the split half-line rule), with its check."""
        return gaussian.second_moment_of(self.as_numpy(), self.smooth, degree=degree, check_degree=check_degree)

    def c_sigma(self, *, closed: bool = True) -> float:
        """``c_sigma = (E_{z~N(0,1)}[sigma(z)^2])^{-1}`` (Du et al., below eq. (2)): the exact second
        moment of :attr:`closed_form` where known (``relu``: exactly ``2.0``) unless ``closed=False``,
        otherwise :meth:`second_moment`."""
        cf = self.closed_form
        if closed and cf is not None:
            e2 = float(cf.pair(1.0, 1.0, 1.0))
        else:
            e2 = self.second_moment().value
        if not (e2 > 0 and math.isfinite(e2)):
            raise LandscapeError(f"activation {self.name!r} has E[sigma(z)^2] = {e2!r}; expected a finite positive value")
        return 1.0 / e2

    def mpmath(self) -> Callable:
        """The sympy expression as an mpmath function (for multiple-precision checks); built once."""
        if self.expr is None:
            raise LandscapeError(f"activation {self.name!r} has no sympy expression; no mpmath form")
        key = (self.name, self.expr)
        f = _MPMATH_CACHE.get(key)
        if f is None:
            f = _MPMATH_CACHE[key] = sp.lambdify(Z, self.expr, modules="mpmath")
        return f

    @property
    def rational_exact(self) -> bool:
        """True if sigma maps rationals to rationals by a finite formula (piecewise linear with
        rational slopes, or a polynomial with rational coefficients): hidden outputs of float64
        data and weights are then computable exactly (:meth:`landscape._lib.networks.mlp.MLP.hidden_exact`)."""
        return self.name in _RATIONAL_EXACT

    def rational(self) -> Callable:
        """sigma on :class:`fractions.Fraction` values (exact), for a :attr:`rational_exact` activation."""
        return _RATIONAL_EXACT[self.name]

    def numpy(self) -> Callable:
        """The torch implementation as a float64 numpy function."""

        def f(x):
            return self.torch(torch.as_tensor(x, dtype=torch.float64)).numpy()

        return f


def _leaky(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, negative_slope=0.01)


def _gelu(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1.0 + torch.erf(x / 2.0**0.5))


_SQ2 = 2.0**0.5

_REGISTRY: dict[str, Activation] = {}
_MPMATH_CACHE: dict = {}
#: name -> exact rational evaluator (Fraction -> Fraction) for the activations with ``rational_exact``.
_RATIONAL_EXACT: dict[str, Callable] = {}
#: The symbol of the local forms of :class:`ZeroFamily` (``u = z - t0``).
U = sp.Symbol("u", real=True)


def register(act: Activation) -> Activation:
    """Add an activation to the registry (a new name; re-registering a name is an error)."""
    if act.name in _REGISTRY:
        raise LandscapeError(f"activation {act.name!r} is already registered")
    _REGISTRY[act.name] = act
    return act


def get(name: str) -> Activation:
    """Look up an activation by name; an unknown name raises with the closest names."""
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(sorted(_REGISTRY))}"
        raise LandscapeError(f"unknown activation {name!r}{hint}") from None


def names(*, tag: str | None = None) -> list[str]:
    """Registered activation names (optionally only those carrying ``tag``), sorted."""
    return sorted(n for n, a in _REGISTRY.items() if tag is None or tag in a.tags)


def all_activations() -> list[Activation]:
    """Every registered activation, in name order."""
    return [_REGISTRY[n] for n in names()]


z = Z
register(Activation("relu", torch.relu, sp.Piecewise((z, z > 0), (0, True)), "max(z, 0)",
                    positively_homogeneous=True, tags=("common", "piecewise_linear")))
register(Activation("leaky_relu", _leaky, sp.Piecewise((z, z > 0), (sp.Rational(1, 100) * z, True)),
                    "max(z, z/100)", positively_homogeneous=True, tags=("common", "piecewise_linear")))
register(Activation("linear", lambda x: x, z, "z", analytic=True, polynomial_degree=1, smooth=True,
                    odd=True, positively_homogeneous=True, tags=("polynomial",)))
def _power(p: int) -> TorchFn:
    def f(x: torch.Tensor) -> torch.Tensor:
        return x**p

    return f


def _power_q(p: int) -> Callable:
    def f(v):
        return v**p

    return f


for _p in range(2, 7):
    register(Activation(f"poly{_p}", _power(_p), z**_p, f"z^{_p} (the polynomial z^p, p = {_p})",
                        analytic=True, polynomial_degree=_p, lipschitz=False, smooth=True, odd=_p % 2 == 1,
                        tags=("polynomial",)))
register(Activation("sigmoid", torch.sigmoid, 1 / (1 + sp.exp(-z)), "1 / (1 + e^-z)", analytic=True,
                    smooth=True, tags=("common",)))
register(Activation("tanh", torch.tanh, sp.tanh(z), "tanh z", analytic=True, smooth=True, odd=True,
                    tags=("common",)))
register(Activation("softplus", F.softplus, sp.log(1 + sp.exp(z)), "log(1 + e^z)", analytic=True,
                    smooth=True, tags=("common",)))
register(Activation("silu", F.silu, z / (1 + sp.exp(-z)), "z * sigmoid(z) (swish)", analytic=True,
                    smooth=True, tags=("common",)))
register(Activation("gelu", _gelu, z / 2 * (1 + sp.erf(z / sp.sqrt(2))), "z * Phi(z) (exact erf form)",
                    analytic=True, smooth=True, tags=("common",)))
register(Activation("elu", F.elu, sp.Piecewise((z, z > 0), (sp.exp(z) - 1, True)),
                    "z if z > 0 else e^z - 1", tags=("common",)))
register(Activation("erf", torch.erf, sp.erf(z), "erf z", analytic=True, smooth=True, odd=True,
                    tags=("common",)))
register(Activation("exp", torch.exp, sp.exp(z), "e^z", analytic=True, lipschitz=False, smooth=True,
                    assumption2_certificate=PeriodicCertificate(0, 1, sp.Integer(1)), tags=("assumption2",)))
register(Activation(
    "sincos", lambda x: torch.sin(x) + torch.cos(x) - _SQ2, sp.sin(z) + sp.cos(z) - sp.sqrt(2),
    "sin z + cos z - sqrt 2 (zeros pi/4 + 2 pi k, all local maxima)", analytic=True, smooth=True,
    assumption2_certificate=PeriodicCertificate(1, 4, sp.Integer(1)),
    prop1_zero=sp.pi / 4, prop1_delta=sp.pi,
    zero_families=(ZeroFamily(sp.pi / 4, 2 * sp.pi, sp.pi, "max", sp.sin(U / 2), 2 * sp.sqrt(2)),),
    tags=("assumption2", "prop1", "zero_extrema")))
register(Activation(
    "negsin2", lambda x: -torch.sin(x - 1.0) ** 2, -sp.sin(z - 1) ** 2,
    "-sin^2(z - 1) (zeros 1 + pi k, all local maxima)", analytic=True, smooth=True,
    assumption2_certificate=PeriodicCertificate(1, 4, sp.Integer(16)),
    prop1_zero=sp.Integer(1), prop1_delta=sp.pi,
    zero_families=(ZeroFamily(sp.Integer(1), sp.pi, sp.pi, "max", sp.sin(U), sp.Integer(1)),),
    tags=("assumption2", "prop1", "zero_extrema")))
register(Activation(
    "negsq_exp", lambda x: -((x - 1.0) ** 2) * torch.exp(x), -(z - 1) ** 2 * sp.exp(z),
    "-(z - 1)^2 e^z (single zero z = 1, a local maximum)", analytic=True, lipschitz=False, smooth=True,
    assumption2_certificate=ExpPolyCertificate(-(z - 1) ** 2),
    prop1_zero=sp.Integer(1), prop1_delta=sp.Integer(1),
    zero_families=(ZeroFamily(sp.Integer(1), None, sp.Integer(1), "max"),), tags=("assumption2", "prop1")))
register(Activation(
    "cubic_exp", lambda x: (x - 1.0) ** 2 * (x - 3.0) * torch.exp(x), (z - 1) ** 2 * (z - 3) * sp.exp(z),
    "(z - 1)^2 (z - 3) e^z (sigma <= 0 only near z = 1: positive for z > 3)", analytic=True,
    lipschitz=False, smooth=True, assumption2_certificate=ExpPolyCertificate((z - 1) ** 2 * (z - 3)),
    prop1_zero=sp.Integer(1), prop1_delta=sp.Integer(2),
    zero_families=(ZeroFamily(sp.Integer(1), None, sp.Integer(2), "max"),), tags=("assumption2", "prop1")))
_C = sp.Rational(6, 5)
register(Activation(
    "sin2cos", lambda x: torch.sin(x - 1.2) ** 2 * torch.cos(x - 1.2), sp.sin(z - _C) ** 2 * sp.cos(z - _C),
    "sin^2(z - 6/5) cos(z - 6/5) (zeros 6/5 + 2 pi k: local minima; 6/5 + pi + 2 pi k: local maxima)",
    analytic=True, smooth=True,
    assumption2_certificate=TrigSumCertificate(((sp.Rational(1, 4), sp.Integer(1), -_C),
                                                (-sp.Rational(1, 4), sp.Integer(3), -3 * _C))),
    zero_families=(ZeroFamily(_C, 2 * sp.pi, sp.pi / 2, "min", sp.sin(U), sp.cos(U)),
                   ZeroFamily(_C + sp.pi, 2 * sp.pi, sp.pi / 2, "max", sp.sin(U), sp.cos(U))),
    tags=("assumption2", "zero_extrema")))
del z, _C


def _relu_q(v):
    return v if v > 0 else 0 * v


def _leaky_q(v):
    from fractions import Fraction

    return v if v > 0 else v * Fraction(1, 100)


_RATIONAL_EXACT.update({"relu": _relu_q, "leaky_relu": _leaky_q, "linear": lambda v: v,
                        **{f"poly{p}": _power_q(p) for p in range(2, 7)}})


def _closed_forms() -> dict[str, gaussian.ClosedForm]:
    """The dual kernels of the activations that have one (moved from ``kernels._cf_table``)."""
    f64 = lambda k: np.asarray(k, dtype=np.float64)  # noqa: E731
    al = -float(get("leaky_relu").torch(torch.tensor(-1.0, dtype=torch.float64)))
    r2pi = math.sqrt(2 * math.pi)
    return {
        "relu": gaussian.ClosedForm(gaussian.relu_kernel, gaussian.relu_derivative_kernel,
                                    lambda k: np.sqrt(f64(k)) / r2pi),
        "leaky_relu": gaussian.ClosedForm(lambda a, b, c: gaussian.leaky_relu_kernel(a, b, c, al),
                                          lambda a, b, c: gaussian.leaky_relu_derivative_kernel(a, b, c, al),
                                          lambda k: (1 - al) * np.sqrt(f64(k)) / r2pi),
        "linear": gaussian.ClosedForm(lambda a, b, c: f64(b) + 0 * f64(a) * f64(c),
                                      lambda a, b, c: np.ones(np.broadcast(f64(a), f64(b), f64(c)).shape),
                                      lambda k: 0 * f64(k)),
        "erf": gaussian.ClosedForm(gaussian.erf_kernel, gaussian.erf_derivative_kernel, lambda k: 0 * f64(k)),
        "exp": gaussian.ClosedForm(lambda a, b, c: np.exp((f64(a) + f64(c)) / 2 + f64(b)),
                                   lambda a, b, c: np.exp((f64(a) + f64(c)) / 2 + f64(b)),
                                   lambda k: np.exp(f64(k) / 2)),
        "poly2": gaussian.ClosedForm(lambda a, b, c: f64(a) * f64(c) + 2 * f64(b) ** 2,
                                     lambda a, b, c: 4 * f64(b) + 0 * f64(a) * f64(c),
                                     lambda k: f64(k)),
        "poly3": gaussian.ClosedForm(lambda a, b, c: 9 * f64(a) * f64(c) * f64(b) + 6 * f64(b) ** 3,
                                     lambda a, b, c: 9 * (f64(a) * f64(c) + 2 * f64(b) ** 2),
                                     lambda k: 0 * f64(k)),
    }


def _mp_closed_forms() -> dict[str, gaussian.MpClosedForm]:
    """The same dual kernels as mpmath functions (moved from ``kernels._mp_closed_form``); each
    is evaluated at the mpmath precision in effect when it is called."""
    with mp.workprec(53):  # the float64 slope, exactly
        al = mp.mpf(-float(get("leaky_relu").torch(torch.tensor(-1.0, dtype=torch.float64))))
    relu_pair, relu_dpair = gaussian.mp_relu_kernel, gaussian.mp_relu_derivative_kernel

    def leaky_dpair(a, b, c):
        pu = mp.mpf(1) / 2 if a > 0 else mp.mpf(0)
        pv = mp.mpf(1) / 2 if c > 0 else mp.mpf(0)
        return al * al + al * (1 - al) * (pu + pv) + (1 - al) ** 2 * relu_dpair(a, b, c)

    exp_pair = lambda a, b, c: mp.exp((a + c) / 2 + b)  # noqa: E731
    return {
        "erf": gaussian.MpClosedForm(lambda a, b, c: 2 / mp.pi * mp.asin(2 * b / mp.sqrt((1 + 2 * a) * (1 + 2 * c))),
                                     lambda a, b, c: 4 / mp.pi / mp.sqrt((1 + 2 * a) * (1 + 2 * c) - 4 * b * b),
                                     lambda k: mp.mpf(0)),
        "relu": gaussian.MpClosedForm(relu_pair, relu_dpair, lambda k: mp.sqrt(k / (2 * mp.pi))),
        "leaky_relu": gaussian.MpClosedForm(
            lambda a, b, c: al * al * b + al * (1 - al) * b + (1 - al) ** 2 * relu_pair(a, b, c), leaky_dpair,
            lambda k: (1 - al) * mp.sqrt(k / (2 * mp.pi))),
        "linear": gaussian.MpClosedForm(lambda a, b, c: b, lambda a, b, c: mp.mpf(1), lambda k: mp.mpf(0)),
        "poly2": gaussian.MpClosedForm(lambda a, b, c: a * c + 2 * b * b, lambda a, b, c: 4 * b, lambda k: k),
        "poly3": gaussian.MpClosedForm(lambda a, b, c: 9 * a * c * b + 6 * b ** 3,
                                       lambda a, b, c: 9 * (a * c + 2 * b * b), lambda k: mp.mpf(0)),
        "exp": gaussian.MpClosedForm(exp_pair, exp_pair, lambda k: mp.exp(k / 2)),
    }


_MP_CF = _mp_closed_forms()
for _n, _cf in _closed_forms().items():
    _REGISTRY[_n] = replace(_REGISTRY[_n], closed_form=_cf, mp_closed_form=_MP_CF.get(_n))
del _n, _cf, _MP_CF
