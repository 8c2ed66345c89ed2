"""Gaussian expectations of registered activations (Du et al., ``/work/shared/papers/002_7f4fd584f3752d2b.txt``):
``c_sigma`` below eq. (2), the 1-d means of Def. 6.1's ``b^(h)``, and the bivariate expectations
``E[f(u) g(v)]`` of Definitions 5.1 / 6.1 by tensor Gauss-Hermite or a polar rule.

The bivariate rule maps standard normals through the guarded Cholesky factor of the 2x2
covariance (:func:`landscape._lib.gaussian.cholesky_2x2`).  The polar variant (radial Gauss
rule + Gauss-Legendre on angular sectors cut at ``u = 0``, ``v = 0``) integrates activations
with a kink at 0 (relu, its step derivative) to rounding; 1-d means of such activations split
the line at 0 (:func:`gaussian_mean`).  Every activation fact (its numpy form, closed form,
second moment) is read from the activation record (:mod:`landscape._lib.activations`).
"""

from __future__ import annotations

from typing import Callable, Literal

import numpy as np

from landscape._lib import activations
from landscape._lib.errors import LandscapeError
from landscape._lib.gaussian import HALF_DEGREE, ClosedForm, QuadEstimate, gauss_hermite
from landscape._lib.gaussian import cholesky_2x2 as _cholesky_2x2
from landscape._lib.gaussian import gaussian_mean as _gaussian_mean_np
from landscape._lib.gaussian import half_rule as _half_rule

NpFn = Callable[[np.ndarray], np.ndarray]

#: Default degree per axis of the bivariate rule (``degree**2`` nodes).
GH_DEGREE_2D: int = 64


def resolve_fn(f: str | NpFn, derivative: bool = False) -> NpFn:
    """``f`` itself if it is a numpy function, else the float64 numpy form of the activation
    named ``f`` (``sigma'`` with ``derivative=True``; :meth:`~landscape._lib.activations.Activation.as_numpy`)."""
    return activations.get(f).as_numpy(derivative) if isinstance(f, str) else f


def gaussian_mean(f: str | NpFn, var: float | np.ndarray = 1.0, *, degree: int | None = None,
                  split: bool = False) -> np.ndarray:
    """``E_{u~N(0, var)}[f(u)]``, vectorised over ``var`` (``f``: a numpy function or an
    activation name): :func:`landscape._lib.gaussian.gaussian_mean` (Gauss-Hermite, or the two
    half-lines with ``split=True``) after resolving an activation name.  Def. 6.1 uses it for ``b^(h)``.
    """
    return _gaussian_mean_np(resolve_fn(f), var, degree=degree, split=split)


def activation_mean(activation: str, var: np.ndarray, method: str = "auto") -> np.ndarray:
    """``E_{N(0, var)}[sigma]`` (the means of Def. 6.1): closed form (``auto``/``closed``), else quadrature
    (split at 0 for non-smooth activations)."""
    cf = closed_form(activation)
    if method in ("auto", "closed") and cf is not None:
        return np.asarray(cf.mean(var), dtype=np.float64)
    if activations.get(activation).smooth:
        return gaussian_mean(activation, var)
    return gaussian_mean(activation, var, degree=HALF_DEGREE, split=True)


def second_moment(name: str, *, degree: int | None = None, check_degree: int | None = None) -> QuadEstimate:
    """``E_{z~N(0,1)}[sigma(z)^2]`` by quadrature at ``degree``, checked at ``check_degree``
    (:func:`landscape._lib.gaussian.second_moment_of`; the activation record's
    :meth:`~landscape._lib.activations.Activation.second_moment`).

    Smooth activations: Gauss-Hermite (defaults 300 / 360).  Others (a kink at 0):
    the split half-line rule of :func:`gaussian_mean` (defaults 80 / 120).
    """
    return activations.get(name).second_moment(degree=degree, check_degree=check_degree)


def c_sigma(name: str, *, method: Literal["auto", "quadrature"] = "auto") -> float:
    """``c_sigma = (E_{z~N(0,1)}[sigma(z)^2])^{-1}`` (paper below eq. (2)).

    ``method="auto"`` uses the exact second moment where :func:`closed_form` has one
    (``relu``: exactly ``2.0``), otherwise Gauss-Hermite (:func:`second_moment`).
    """
    if method not in ("auto", "quadrature"):
        raise LandscapeError(f"method {method!r} is unknown; expected auto or quadrature")
    return activations.get(name).c_sigma(closed=method == "auto")


def bivariate_expectation(f: str | NpFn, g: str | NpFn, k11, k12, k22, *, degree: int = GH_DEGREE_2D,
                          chunk: int = 4_000_000) -> np.ndarray:
    """``E_{(u,v)~N(0, [[k11, k12], [k12, k22]])}[f(u) g(v)]`` by tensor Gauss-Hermite.

    ``u = l11 z1``, ``v = l21 z1 + l22 z2`` with the guarded Cholesky factor; vectorised
    over broadcast arrays of covariances (evaluated in chunks of ``chunk`` nodes).
    ``f``, ``g``: numpy functions or activation names.  Spectral accuracy for analytic
    ``f, g``; only algebraic convergence across kinks (relu) -- use :func:`closed_form`.
    """
    z, w = gauss_hermite(degree)
    fn, gn = resolve_fn(f), resolve_fn(g)
    l11, l21, l22, *_ = _cholesky_2x2(k11, k12, k22)
    shape = l11.shape
    l11, l21, l22 = l11.reshape(-1), l21.reshape(-1), l22.reshape(-1)
    out = np.empty(l11.size)
    step = max(1, chunk // (degree * degree))
    for s in range(0, l11.size, step):
        a, b, c = l11[s:s + step, None], l21[s:s + step, None, None], l22[s:s + step, None, None]
        fu = fn(a * z)  # (P, q)
        gv = gn(b * z[:, None] + c * z[None, :])  # (P, q, q): [p, i(z1), j(z2)]
        out[s:s + step] = np.einsum("pi,i,pij,j->p", fu, w, gv, w, optimize=True)
    return out.reshape(shape)


def _radial_rule(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss rule for ``int_0^inf h(r) r e^{-r^2/2} dr`` (polar radius of N(0, I_2))."""
    return _half_rule(n, 1)


def bivariate_expectation_polar(f: str | NpFn, g: str | NpFn, k11, k12, k22, *, radial: int = 48,
                                angular: int = 48, chunk: int = 4_000_000) -> np.ndarray:
    """``E[f(u) g(v)]`` like :func:`bivariate_expectation`, in polar coordinates of
    ``(z1, z2)``: a Gauss rule in ``r`` (weight ``r e^{-r^2/2}``, :func:`_radial_rule`) and
    Gauss-Legendre in the angle on the (up to 5) sectors cut by the rays ``u = 0`` and
    ``v = 0``.  Activations smooth away from 0 with a kink or jump *at* 0 (relu, relu',
    leaky relu, elu) are smooth on every sector, so the rule converges spectrally where
    the tensor Gauss-Hermite rule converges only algebraically.
    """
    if isinstance(radial, bool) or not isinstance(radial, (int, np.integer)) or not (1 <= radial <= 120):
        raise LandscapeError(f"radial degree {radial!r} is invalid; expected an integer in [1, 120]")
    if isinstance(angular, bool) or not isinstance(angular, (int, np.integer)) or not (1 <= angular <= 200):
        raise LandscapeError(f"angular degree {angular!r} is invalid; expected an integer in [1, 200]")
    rr, wr = _radial_rule(int(radial))
    xa, wa = np.polynomial.legendre.leggauss(int(angular))
    fn, gn = resolve_fn(f), resolve_fn(g)
    l11, l21, l22, *_ = _cholesky_2x2(k11, k12, k22)
    shape = l11.shape
    l11, l21, l22 = l11.reshape(-1), l21.reshape(-1), l22.reshape(-1)
    out = np.empty(l11.size)
    per = 5 * angular * radial
    step = max(1, chunk // per)
    tau = 2 * np.pi
    for s in range(0, l11.size, step):
        a, b, c = l11[s:s + step], l21[s:s + step], l22[s:s + step]
        phi0 = np.mod(np.arctan2(-b, c), np.pi)  # v = 0 on the rays phi0, phi0 + pi
        cuts = np.sort(np.stack([np.zeros_like(a), np.full_like(a, np.pi / 2), np.full_like(a, 1.5 * np.pi),
                                 phi0, phi0 + np.pi, np.full_like(a, tau)], axis=1), axis=1)
        lo, hi = cuts[:, :-1], cuts[:, 1:]  # (P, 5)
        phi = (lo + hi)[..., None] / 2 + (hi - lo)[..., None] / 2 * xa  # (P, 5, A)
        wphi = (hi - lo)[..., None] / 2 * wa / tau  # (P, 5, A)
        cz, sz = np.cos(phi)[..., None] * rr, np.sin(phi)[..., None] * rr  # (P, 5, A, R)
        u = a[:, None, None, None] * cz
        v = b[:, None, None, None] * cz + c[:, None, None, None] * sz
        out[s:s + step] = np.einsum("psar,psa,r->p", fn(u) * gn(v), wphi, wr, optimize=True)
    return out.reshape(shape)

def closed_form(name: str) -> ClosedForm | None:
    """The exact Gaussian moments of activation ``name`` if known (relu, leaky_relu, linear,
    erf, exp, poly2, poly3), else ``None``.  Unknown names raise :class:`LandscapeError`."""
    return activations.get(name).closed_form
