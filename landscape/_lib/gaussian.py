"""Gaussian expectations that need no activation registry: 1-d Gauss-Hermite and half-line
Gauss rules, the guarded 2x2 Cholesky factor, and the closed-form dual kernels
``E[s(u) s(v)]`` / ``E[s'(u) s'(v)]`` of ReLU / leaky ReLU (Cho-Saul arc-cosine kernels) and
erf (Williams 1997), in float64 numpy (:class:`ClosedForm`) and, for the ReLU pair, in
multiple precision (:class:`MpClosedForm`, :func:`mp_relu_kernel`).

Used by Du et al.'s kernels (``/work/shared/papers/002_7f4fd584f3752d2b.txt``, Definitions
5.1 / 6.1 and ``c_sigma`` below eq. (2)) through :mod:`landscape._lib.kernels`, and by the
activation records of :mod:`landscape._lib.activations`, which carry each activation's dual
kernel.  Moved verbatim from :mod:`landscape._lib.kernels` (which re-exports every name).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
from numpy.polynomial.hermite_e import hermegauss

import mpmath as mp

from landscape._lib.errors import LandscapeError

NpFn = Callable[[np.ndarray], np.ndarray]

#: Largest Gauss-Hermite degree: numpy's ``hermegauss`` overflows from about 380 nodes.
MAX_GH_DEGREE: int = 360
#: Default degree of 1-d rules (``c_sigma``, means, Hermite coefficients).
GH_DEGREE_1D: int = 300
#: Default degree of the check rule for 1-d quantities.
GH_CHECK_DEGREE_1D: int = 360


#: Default / largest degree of the half-line Gauss rules (Lanczos-built, see half_rule).
HALF_DEGREE: int = 80
HALF_MAX_DEGREE: int = 120


def check_degree(q: int) -> int:
    """``q`` if it is a valid Gauss-Hermite degree (1..MAX_GH_DEGREE), else LandscapeError."""
    if isinstance(q, bool) or not isinstance(q, (int, np.integer)) or not (1 <= q <= MAX_GH_DEGREE):
        raise LandscapeError(f"Gauss-Hermite degree {q!r} is invalid; expected an integer in [1, {MAX_GH_DEGREE}]")
    return int(q)


@lru_cache(maxsize=None)
def gh_rule(q: int) -> tuple[np.ndarray, np.ndarray]:
    """Cached read-only probabilists' Gauss-Hermite rule (weights summing to 1), unchecked degree."""
    z, w = hermegauss(q)
    w = w / w.sum()
    z.setflags(write=False)
    w.setflags(write=False)
    return z, w


def gauss_hermite(degree: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and *probability* weights (summing to 1) of the ``degree``-point rule for
    ``E_{z~N(0,1)}[f(z)] ~ sum_a w_a f(z_a)``; exact for polynomials of degree ``< 2 degree``."""
    return gh_rule(check_degree(degree))


def gaussian_mean(f: NpFn, var: float | np.ndarray = 1.0, *, degree: int | None = None,
                  split: bool = False) -> np.ndarray:
    """``E_{u~N(0, var)}[f(u)]``, vectorised over ``var`` (``f``: a numpy function; the
    activation-name form is :func:`landscape._lib.kernels.gaussian_mean`).  Def. 6.1 uses it for ``b^(h)``.

    ``split=False``: ``degree``-point Gauss-Hermite (default 300).  ``split=True``: the two
    half-lines separately, ``E = (1/2) sum_k w_k (f(s r_k) + f(-s r_k))`` with the
    ``degree``-point Gauss rule for ``e^{-r^2/2}`` on ``[0, inf)`` (default 80, at most
    120) -- spectrally
    accurate for functions smooth except at 0 (relu, elu).
    """
    v = np.asarray(var, dtype=np.float64)
    if np.any(~np.isfinite(v)) or np.any(v < 0):
        raise LandscapeError(f"variance {v!r} is invalid; expected finite values >= 0")
    fn = f
    sv = np.sqrt(v)[..., None]
    if split:
        r, w = half_rule(check_half_degree(HALF_DEGREE if degree is None else degree), 0)
        return (fn(sv * r) + fn(-sv * r)) @ w / 2
    z, w = gauss_hermite(GH_DEGREE_1D if degree is None else degree)
    return fn(sv * z) @ w


def check_half_degree(q: int) -> int:
    """``q`` if it is a valid half-line Gauss degree (1..HALF_MAX_DEGREE), else LandscapeError."""
    if isinstance(q, bool) or not isinstance(q, (int, np.integer)) or not (1 <= q <= HALF_MAX_DEGREE):
        raise LandscapeError(f"half-line Gauss degree {q!r} is invalid; expected an integer in [1, {HALF_MAX_DEGREE}]")
    return int(q)


@lru_cache(maxsize=None)
def half_rule(n: int, power: int) -> tuple[np.ndarray, np.ndarray]:
    """``n``-point Gauss rule for ``int_0^inf h(r) r^power e^{-r^2/2} dr`` (weights sum to 1).

    ``power = 1`` is the radial part of a standard 2-d Gaussian in polar coordinates,
    ``power = 0`` a half-line of a 1-d Gaussian.  The weight has no classical rule, so its
    Jacobi matrix is built by Lanczos (full re-orthogonalisation) on a fine discretisation
    (30 Gauss-Legendre panels of 40 points on ``[0, 30]``, exact to rounding for the
    integrands met here), then Golub-Welsch.
    """
    x, w = np.polynomial.legendre.leggauss(40)
    edges = np.linspace(0.0, 30.0, 31)
    half = (edges[1:] - edges[:-1]) / 2
    r = ((edges[:-1] + edges[1:])[:, None] / 2 + half[:, None] * x).ravel()
    wr = (half[:, None] * w).ravel() * r**power * np.exp(-r * r / 2)
    wr /= wr.sum()
    Q = np.zeros((n + 1, r.size))
    Q[0] = np.sqrt(wr)
    al, be = np.zeros(n), np.zeros(n)
    for k in range(n):
        v = r * Q[k]
        al[k] = Q[k] @ v
        for _ in range(2):
            v -= Q[: k + 1].T @ (Q[: k + 1] @ v)
        be[k] = np.linalg.norm(v)
        Q[k + 1] = v / be[k]
    ev, vec = np.linalg.eigh(np.diag(al) + np.diag(be[:-1], 1) + np.diag(be[:-1], -1))
    nodes, weights = ev, vec[0] ** 2
    nodes.setflags(write=False)
    weights.setflags(write=False)
    return nodes, weights


@dataclass(frozen=True)
class QuadEstimate:
    """A quadrature value with its check: ``error = |value(degree) - value(check_degree)|``."""

    value: float
    error: float
    degree: int
    check_degree: int


def cholesky_2x2(k11, k12, k22):
    """Guarded Cholesky factor of [[k11, k12], [k12, k22]] (arrays): ``(l11, l21, l22)``.

    Rejects non-PSD input (beyond relative 1e-9); correlation +-1 gives ``l22 = 0``
    exactly and a zero variance ``k11 = 0`` gives ``l21 = 0``.
    """
    k11, k12, k22 = np.broadcast_arrays(*(np.asarray(k, dtype=np.float64) for k in (k11, k12, k22)))
    if not (np.all(np.isfinite(k11)) and np.all(np.isfinite(k12)) and np.all(np.isfinite(k22))):
        raise LandscapeError("covariance has non-finite entries; expected finite values")
    scale = np.maximum(np.maximum(np.abs(k11), np.abs(k22)), 1e-300)
    if np.any(k11 < -1e-12 * scale) or np.any(k22 < -1e-12 * scale):
        raise LandscapeError(f"covariance has a negative variance (min {min(k11.min(), k22.min())!r}); expected >= 0")
    k11 = np.maximum(k11, 0.0)
    k22 = np.maximum(k22, 0.0)
    s1, s2 = np.sqrt(k11), np.sqrt(k22)
    lim = s1 * s2
    if np.any(np.abs(k12) > lim * (1 + 1e-9) + 1e-12 * scale):
        i = int(np.argmax(np.abs(k12) - lim))
        raise LandscapeError(
            f"covariance [[{k11.flat[i]!r}, {k12.flat[i]!r}], [., {k22.flat[i]!r}]] is not PSD; "
            "expected |k12| <= sqrt(k11 k22)")
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(lim > 0, np.clip(k12 / np.where(lim > 0, lim, 1.0), -1.0, 1.0), 0.0)
    rho = snap_rho(rho)
    l11 = s1
    l21 = rho * s2
    l22 = s2 * sqrt_one_minus_sq(rho)
    return l11, l21, l22, rho, s1, s2


#: Correlations within this distance of +-1 are rounding of +-1 (a few ulps; e.g. K_ii / sqrt(K_ii)^2).
RHO_SNAP: float = 4 * np.finfo(np.float64).eps


def snap_rho(rho: np.ndarray) -> np.ndarray:
    """Set correlations within :data:`RHO_SNAP` of +-1 to exactly +-1 (the arc-cosine
    kernels have infinite slope there, so an ulp of rounding would cost 1e-8)."""
    return np.where(np.abs(rho) >= 1.0 - RHO_SNAP, np.sign(rho), rho)


def sqrt_one_minus_sq(rho: np.ndarray) -> np.ndarray:
    """``sqrt(1 - rho^2)`` computed as ``sqrt((1 - rho)(1 + rho))`` (accurate near +-1)."""
    return np.sqrt(np.maximum((1.0 - rho) * (1.0 + rho), 0.0))


def rho_theta(k11, k12, k22):
    """``(rho, s1, s2, arccos rho)`` of a 2x2 covariance (guarded, :func:`cholesky_2x2`)."""
    _, _, _, rho, s1, s2 = cholesky_2x2(k11, k12, k22)
    return rho, s1, s2, np.arccos(rho)


def leaky_relu_kernel(k11, k12, k22, slope: float = 0.0) -> np.ndarray:
    """``E[s(u) s(v)]`` for ``s(z) = max(z, slope z)`` (Cho-Saul arc-cosine kernel of degree 1):
    ``slope^2 k12 + slope (1 - slope) k12 + (1 - slope)^2 s1 s2 (sin t + (pi - t) cos t) / (2 pi)``,
    ``cos t = rho``; uses ``E[u relu(v)] = k12 / 2``."""
    rho, s1, s2, t = rho_theta(k11, k12, k22)
    k12 = np.asarray(k12, dtype=np.float64)
    sin_t = sqrt_one_minus_sq(rho)
    rr = s1 * s2 * (sin_t + (np.pi - t) * rho) / (2 * np.pi)
    return slope * slope * k12 + slope * (1 - slope) * k12 + (1 - slope) ** 2 * rr


def relu_kernel(k11, k12, k22) -> np.ndarray:
    """``E[relu(u) relu(v)] = s1 s2 (sin t + (pi - t) cos t) / (2 pi)``, ``cos t = k12/(s1 s2)``."""
    return leaky_relu_kernel(k11, k12, k22, 0.0)


def leaky_relu_derivative_kernel(k11, k12, k22, slope: float = 0.0) -> np.ndarray:
    """``E[s'(u) s'(v)]`` for ``s(z) = max(z, slope z)`` with torch's ``s'(0) = slope``:
    ``slope^2 + slope (1 - slope) (P(u>0) + P(v>0)) + (1 - slope)^2 P(u>0, v>0)``,
    ``P(u>0, v>0) = (pi - t) / (2 pi)`` (arc-cosine kernel of degree 0)."""
    rho, s1, s2, t = rho_theta(k11, k12, k22)
    pu = np.where(s1 > 0, 0.5, 0.0)
    pv = np.where(s2 > 0, 0.5, 0.0)
    puv = np.where((s1 > 0) & (s2 > 0), (np.pi - t) / (2 * np.pi), 0.0)
    return slope * slope + slope * (1 - slope) * (pu + pv) + (1 - slope) ** 2 * puv


def relu_derivative_kernel(k11, k12, k22) -> np.ndarray:
    """``E[relu'(u) relu'(v)] = (pi - arccos rho) / (2 pi)`` (0 if a variance is 0)."""
    return leaky_relu_derivative_kernel(k11, k12, k22, 0.0)


def erf_kernel(k11, k12, k22) -> np.ndarray:
    """``E[erf(u) erf(v)] = (2/pi) arcsin(2 k12 / sqrt((1 + 2 k11)(1 + 2 k22)))`` (Williams 1997)."""
    cholesky_2x2(k11, k12, k22)
    k11, k12, k22 = (np.asarray(k, dtype=np.float64) for k in (k11, k12, k22))
    x = 2 * k12 / np.sqrt((1 + 2 * k11) * (1 + 2 * k22))
    return (2 / np.pi) * np.arcsin(np.clip(x, -1.0, 1.0))


def erf_derivative_kernel(k11, k12, k22) -> np.ndarray:
    """``E[erf'(u) erf'(v)] = (4/pi) det(I + 2 Sigma)^{-1/2}``, ``erf'(z) = 2 e^{-z^2} / sqrt(pi)``."""
    cholesky_2x2(k11, k12, k22)
    k11, k12, k22 = (np.asarray(k, dtype=np.float64) for k in (k11, k12, k22))
    return (4 / np.pi) / np.sqrt((1 + 2 * k11) * (1 + 2 * k22) - 4 * k12 * k12)


@dataclass(frozen=True)
class ClosedForm:
    """Exact Gaussian moments of one activation, vectorised numpy functions:
    ``pair(k11, k12, k22) = E[s(u)s(v)]``, ``deriv_pair = E[s'(u)s'(v)]``, ``mean(k) = E_{N(0,k)}[s]``."""

    pair: Callable[..., np.ndarray]
    deriv_pair: Callable[..., np.ndarray]
    mean: Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class MpClosedForm:
    """The exact Gaussian moments of one activation as mpmath functions, evaluated at the
    precision in effect when called: ``pair(k11, k12, k22) = E[s(u)s(v)]``,
    ``deriv_pair = E[s'(u)s'(v)]``, ``mean(k) = E_{N(0,k)}[s]`` (the same formulas as the
    activation's :class:`ClosedForm`; used by the multiple-precision ``K^(H)`` of Du et al.,
    ``002_7f4fd584f3752d2b.txt`` Definitions 5.1 / 6.1)."""

    pair: Callable
    deriv_pair: Callable
    mean: Callable

    def c_sigma(self):
        """``c_sigma = 1 / E[s(z)^2]`` (below eq. (2)) at the current mpmath precision."""
        return 1 / self.pair(mp.mpf(1), mp.mpf(1), mp.mpf(1))


def mp_rho_theta(k11, k12, k22):
    """``(rho, s1, s2, arccos rho)`` of a 2x2 covariance in mpmath (``rho = 0``, angle
    ``pi / 2`` if a variance is 0; ``rho`` clipped to ``[-1, 1]``)."""
    s1, s2 = mp.sqrt(k11), mp.sqrt(k22)
    if s1 == 0 or s2 == 0:
        return mp.mpf(0), s1, s2, mp.pi / 2
    rho = max(min(k12 / (s1 * s2), mp.mpf(1)), mp.mpf(-1))
    return rho, s1, s2, mp.acos(rho)


def mp_relu_kernel(k11, k12, k22):
    """:func:`relu_kernel` in mpmath: ``s1 s2 (sqrt(1 - rho^2) + (pi - t) rho) / (2 pi)``."""
    rho, s1, s2, t = mp_rho_theta(k11, k12, k22)
    return s1 * s2 * (mp.sqrt(max(1 - rho * rho, 0)) + (mp.pi - t) * rho) / (2 * mp.pi)


def mp_relu_derivative_kernel(k11, k12, k22):
    """:func:`relu_derivative_kernel` in mpmath: ``(pi - t) / (2 pi)`` (0 if a variance is 0)."""
    _, s1, s2, t = mp_rho_theta(k11, k12, k22)
    return (mp.pi - t) / (2 * mp.pi) if (s1 > 0 and s2 > 0) else mp.mpf(0)


_check_gh_degree = check_degree  # second_moment_of's keyword ``check_degree`` shadows the function


def second_moment_of(f: NpFn, smooth: bool, *, degree: int | None = None,
                     check_degree: int | None = None) -> QuadEstimate:
    """``E_{z~N(0,1)}[f(z)^2]`` by quadrature at ``degree``, checked at ``check_degree``
    (``c_sigma`` below eq. (2)).

    ``smooth``: Gauss-Hermite (defaults 300 / 360).  Otherwise (a kink at 0): the split
    half-line rule of :func:`gaussian_mean` (defaults 80 / 120).
    """
    q = degree if degree is not None else (GH_DEGREE_1D if smooth else HALF_DEGREE)
    qc = check_degree if check_degree is not None else (GH_CHECK_DEGREE_1D if smooth else HALF_MAX_DEGREE)
    chk = _check_gh_degree if smooth else check_half_degree
    if chk(qc) <= chk(q):
        raise LandscapeError(f"check degree {qc} must exceed the degree {q}")
    vals = [float(gaussian_mean(lambda x: f(x) ** 2, 1.0, degree=d, split=not smooth)) for d in (q, qc)]
    return QuadEstimate(vals[0], abs(vals[0] - vals[1]), q, qc)
