"""Dual activations of Du et al. (``/work/shared/papers/002_7f4fd584f3752d2b.txt``, eq. (7)):
``E_{(u,v)~N(0, A_ij)}[sigma(u) sigma(v)]`` (or ``sigma'``) for one pair
(:func:`pair_expectation`) and for every pair of an ``n x n`` covariance (:func:`dual_matrix`),
by closed form, the Hermite (Mehler) expansion, or quadrature.

Hermite (Mehler) expansion: for ``u = s_1 z_1``, ``v = s_2 (rho z_1 + sqrt(1-rho^2) z_2)``
``E[f(u) g(v)] = sum_k alpha_k(f, s_1) alpha_k(g, s_2) rho^k`` with the orthonormal
Hermite coefficients ``alpha_k(f, s) = E[f(s z) He_k(z)] / sqrt(k!)``.  This makes an
``n x n`` kernel matrix a polynomial in the correlation matrix (Horner, no loop over
pairs), with the a-posteriori truncation bound
``|tail| <= max_i sum_{k > K} alpha_k(f, s_i)^2`` (Cauchy-Schwarz).  The Gauss-Hermite
degree of the coefficients is *chosen* (:data:`HERMITE_DEGREES`, 100 -> 300) until tail +
the difference to the next degree -- a bound on *every* entry, off-diagonal included,
since ``|rho| <= 1`` -- is at most :data:`HERMITE_TARGET` = 1e-14 of ``max E[f^2]``.  The
tensor and polar rules report the difference to a higher-degree rule (no ``nan``).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Literal

import numpy as np

from landscape._lib import activations
from landscape._lib.errors import LandscapeError
from landscape._lib.gaussian import GH_DEGREE_1D, MAX_GH_DEGREE, RHO_SNAP
from landscape._lib.gaussian import check_degree as _check_degree
from landscape._lib.gaussian import cholesky_2x2 as _cholesky_2x2
from landscape._lib.gaussian import gh_rule as _gh
from landscape._lib.kernels.quadrature import (GH_DEGREE_2D, NpFn, bivariate_expectation, bivariate_expectation_polar,
                                               closed_form, gaussian_mean, resolve_fn)

Method = Literal["auto", "closed", "hermite", "quadrature", "polar"]
METHODS: tuple[str, ...] = ("auto", "closed", "hermite", "quadrature", "polar")

#: Highest Hermite order used by the Mehler expansion (must stay well below the 1-d degree).
HERMITE_MAX_ORDER: int = 150
#: Relative truncation target of the Mehler expansion (fraction of max E[f(s_i z)^2]).
HERMITE_TAIL_TARGET: float = 1e-16
#: Stated accuracy of the Mehler path: the degree is raised along :data:`HERMITE_DEGREES`
#: until truncation tail + difference to the next degree <= this x max_i E[f(s_i z)^2]
#: (about 50 ulps; every entry, off-diagonal ones included).
HERMITE_TARGET: float = 1e-14
#: Gauss-Hermite degrees tried in turn by the Mehler path (each checked against the next,
#: the last against :data:`MAX_GH_DEGREE`).
HERMITE_DEGREES: tuple[int, ...] = (100, 150, 200, 300)


@lru_cache(maxsize=None)
def _hermite_functions(q: int) -> np.ndarray:
    """``Phi[k, a] = sqrt(w_a) He_k(z_a) / sqrt(k!)`` for ``k < q`` at the ``q``-point rule
    (orthonormal rows: the discrete Hermite basis is complete, ``Phi Phi^T = I``)."""
    z, w = _gh(q)
    sw = np.sqrt(w)
    phi = np.zeros((q, q))
    phi[0] = sw
    if q > 1:
        phi[1] = z * sw
    for k in range(1, q - 1):
        phi[k + 1] = (z * phi[k] - math.sqrt(k) * phi[k - 1]) / math.sqrt(k + 1)
    phi.setflags(write=False)
    return phi


def hermite_coefficients(f: str | NpFn, scales, *, degree: int = GH_DEGREE_1D,
                         derivative: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Orthonormal Hermite coefficients ``alpha[i, k] = E[f(s_i z) He_k(z)] / sqrt(k!)``,
    ``k < degree``, by the ``degree``-point rule, and the discrete tails
    ``tail[i, k] = sum_{k' > k} alpha[i, k']^2``.

    ``f``: numpy function or activation name (``derivative=True`` takes ``sigma'``).
    Only orders well below ``degree`` are accurate (use ``k <= degree / 2``).
    """
    q = _check_degree(degree)
    fn = resolve_fn(f, derivative)
    s = np.atleast_1d(np.asarray(scales, dtype=np.float64))
    if np.any(~np.isfinite(s)) or np.any(s < 0):
        raise LandscapeError(f"scales {s!r} are invalid; expected finite values >= 0")
    z, w = _gh(q)
    vals = fn(s[:, None] * z) * np.sqrt(w)
    alpha = vals @ _hermite_functions(q).T
    sq = alpha * alpha
    tail = np.cumsum(sq[:, ::-1], axis=1)[:, ::-1]
    tail = np.concatenate([tail[:, 1:], np.zeros((len(s), 1))], axis=1)
    return alpha, tail


def _choose_order(tail: np.ndarray, alpha: np.ndarray, max_order: int) -> tuple[int, float]:
    """Smallest order K <= max_order with max_i tail[i, K] <= target * max_i E[f^2]."""
    e2 = float(np.max(tail[:, 0] + alpha[:, 0] ** 2)) if alpha.size else 0.0
    worst = np.max(tail[:, : max_order + 1], axis=0)
    ok = np.nonzero(worst <= HERMITE_TAIL_TARGET * max(e2, 1e-300))[0]
    k = int(ok[0]) if ok.size else max_order
    return k, float(worst[k])


def _mehler_matrix(a1: np.ndarray, a2: np.ndarray, R: np.ndarray) -> np.ndarray:
    """``M_ij = sum_k a1[i,k] a2[j,k] R_ij^k`` (Horner in k; no loop over pairs)."""
    K = a1.shape[1] - 1
    if np.all(a1 == a1[0]) and np.all(a2 == a2[0]):
        c = a1[0] * a2[0]
        S = np.full(R.shape, c[K])
        for k in range(K - 1, -1, -1):
            S *= R
            S += c[k]
        return S
    S = np.outer(a1[:, K], a2[:, K])
    for k in range(K - 1, -1, -1):
        S *= R
        S += np.outer(a1[:, k], a2[:, k])
    return S


def _mehler_pairs(a1: np.ndarray, a2: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """``sum_k a1[p,k] a2[p,k] rho_p^k`` for paired rows (Horner)."""
    c = a1 * a2
    out = c[:, -1].copy()
    for k in range(c.shape[1] - 2, -1, -1):
        out = out * rho + c[:, k]
    return out

def check_method(method: str) -> str:
    """``method`` if it is one of :data:`METHODS`, else :class:`LandscapeError`."""
    if method not in METHODS:
        raise LandscapeError(f"method {method!r} is unknown; expected one of {', '.join(METHODS)}")
    return method


def auto_method(activation: str) -> str:
    """``closed`` if :func:`closed_form` knows the activation, else ``hermite`` for smooth
    activations, else ``polar`` (kinks: the Mehler series converges only algebraically)."""
    if closed_form(activation) is not None:
        return "closed"
    return "hermite" if activations.get(activation).smooth else "polar"


def pair_expectation(activation: str, k11, k12, k22, *, derivative: bool = False, method: Method = "auto",
                     degree: int | None = None) -> np.ndarray:
    """``E[sigma(u) sigma(v)]`` (or ``E[sigma'(u) sigma'(v)]`` with ``derivative=True``) for
    ``(u, v) ~ N(0, [[k11, k12], [k12, k22]])``, vectorised over broadcast arrays.

    ``method``: ``closed`` (:func:`closed_form`, error if none), ``hermite`` (Mehler series
    with per-pair coefficients), ``quadrature`` (tensor Gauss-Hermite,
    :func:`bivariate_expectation`), ``polar`` (:func:`bivariate_expectation_polar`, for
    kinks at 0), ``auto`` (closed form if any, else hermite for smooth activations, else
    polar).  ``degree`` overrides the Gauss-Hermite degree (radial degree for ``polar``).
    """
    method = check_method(method)
    cf = closed_form(activation)
    if method == "auto":
        method = auto_method(activation)
    if method == "closed":
        if cf is None:
            raise LandscapeError(f"activation {activation!r} has no closed form; expected one of relu, leaky_relu, "
                                 "linear, erf, exp, poly2, poly3 (or use method='hermite')")
        return (cf.deriv_pair if derivative else cf.pair)(k11, k12, k22)
    if method == "quadrature":
        f = activations.get(activation).as_numpy(derivative)
        return bivariate_expectation(f, f, k11, k12, k22, degree=degree or GH_DEGREE_2D)
    if method == "polar":
        f = activations.get(activation).as_numpy(derivative)
        return bivariate_expectation_polar(f, f, k11, k12, k22, radial=degree or 48)
    _, _, _, rho, s1, s2 = _cholesky_2x2(k11, k12, k22)
    shape = rho.shape
    q = degree or GH_DEGREE_1D
    a1, t1 = hermite_coefficients(activation, s1.reshape(-1), degree=q, derivative=derivative)
    a2, t2 = hermite_coefficients(activation, s2.reshape(-1), degree=q, derivative=derivative)
    K, _ = _choose_order(np.concatenate([t1, t2]), np.concatenate([a1, a2]), min(HERMITE_MAX_ORDER, q // 2))
    return _mehler_pairs(a1[:, : K + 1], a2[:, : K + 1], rho.reshape(-1)).reshape(shape)


def check_kernel_matrix(K: np.ndarray, name: str = "K") -> np.ndarray:
    """``K`` as a finite square float64 matrix, symmetrised ``(K + K^T) / 2``; else :class:`LandscapeError`."""
    K = np.asarray(K, dtype=np.float64)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise LandscapeError(f"{name} has shape {K.shape}; expected a square matrix")
    if not np.all(np.isfinite(K)):
        raise LandscapeError(f"{name} has non-finite entries; expected finite values")
    return (K + K.T) / 2


def _check_degree_for(q: int, hi: int) -> int:
    """The degree of the a-posteriori check of a rule of degree ``q`` (at most ``hi``):
    ``q + max(8, q // 2)``, or a lower degree when ``q`` is already the highest."""
    up = min(hi, q + max(8, q // 2))
    return up if up > q else max(1, (2 * q) // 3)


def hermite_alpha(activation: str, s: np.ndarray, derivative: bool,
                   degree: int | None) -> tuple[np.ndarray, float, int, int]:
    """Hermite coefficients at a degree chosen to meet :data:`HERMITE_TARGET`.

    Climbs :data:`HERMITE_DEGREES` (or uses ``degree`` if given): at degree ``q`` the
    coefficients ``alpha`` (truncated at the order of :func:`_choose_order`) are compared
    with those of the next degree ``q'`` (:data:`MAX_GH_DEGREE` after the last rung).
    Since ``|R_ij| <= 1``, every entry -- diagonal *and* off-diagonal -- of the two Mehler
    matrices differs by at most ``sum_k max_i |alpha_ik - alpha'_ik| (max_j |alpha_jk| +
    max_j |alpha'_jk|)``; that and the truncation tail form the bound.  Stops at the
    first degree whose bound is ``<= HERMITE_TARGET * max_i E[f(s_i z)^2]``; otherwise
    returns the highest rung with its (larger) bound.  Returns ``(alpha, bound, q, q')``.
    """
    ladder = (int(degree),) if degree is not None else HERMITE_DEGREES
    cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def coef(q: int) -> tuple[np.ndarray, np.ndarray]:
        if q not in cache:
            cache[q] = hermite_coefficients(activation, s, degree=q, derivative=derivative)
        return cache[q]

    out = None
    for i, q in enumerate(ladder):
        qc = ladder[i + 1] if i + 1 < len(ladder) else _check_degree_for(q, MAX_GH_DEGREE)
        alpha, tail = coef(q)
        order, tb = _choose_order(tail, alpha, min(HERMITE_MAX_ORDER, q // 2))
        ac, _ = coef(qc)
        k1 = min(order + 1, ac.shape[1])
        a, b = alpha[:, :k1], ac[:, :k1]
        if a.shape[0]:
            diff = np.max(np.abs(a - b), axis=0)
            cb = float(np.sum(diff * (np.max(np.abs(a), axis=0) + np.max(np.abs(b), axis=0))))
            e2 = float(np.max(np.sum(alpha * alpha, axis=1)))
        else:
            cb, e2 = 0.0, 0.0
        out = (alpha[:, : order + 1], tb + cb, q, qc)
        if tb + cb <= HERMITE_TARGET * max(e2, 1e-300):
            break
    assert out is not None
    return out


def dual_matrix(activation: str, K: np.ndarray, *, derivative: bool = False, method: Method = "auto",
                degree: int | None = None) -> tuple[np.ndarray, float]:
    """``M_ij = E_{(u,v)~N(0, A_ij)}[sigma(u) sigma(v)]`` (``sigma'`` with ``derivative``)
    for every pair of an ``n x n`` covariance ``K``, ``A_ij = [[K_ii, K_ij], [K_ji, K_jj]]``
    (eq. (7)).  Returns ``(M, error)``, ``error`` a bound (estimate) of ``max_ij |M_ij -
    exact|`` over *all* entries:

    * ``closed``: 0 (round-off only);
    * ``hermite``: the Mehler truncation tail plus the difference to the next Gauss-Hermite
      degree, the degree chosen to meet :data:`HERMITE_TARGET` (:func:`hermite_alpha`),
      and the 1-d check of the diagonal against a :data:`MAX_GH_DEGREE` rule;
    * ``quadrature`` / ``polar``: ``max_ij`` of the difference to the same rule at a higher
      degree (:func:`_check_degree_for`: tensor 64 -> 96 per axis, polar 48 -> 72 radial and
      angular), evaluated on the upper triangle in vectorised chunks (small ``n`` only).
    """
    method = check_method(method)
    K = check_kernel_matrix(K)
    n = K.shape[0]
    if method == "auto":
        method = auto_method(activation)
    d = np.diag(K)
    if method in ("closed", "quadrature", "polar"):
        iu = np.triu_indices(n)

        def evaluate(deg: int | None, check: bool = False) -> np.ndarray:
            if method == "polar":
                rad = deg or 48
                f = activations.get(activation).as_numpy(derivative)
                return bivariate_expectation_polar(f, f, d[iu[0]], K[iu], d[iu[1]], radial=rad,
                                                   angular=min(200, rad) if check else 48)
            return pair_expectation(activation, d[iu[0]], K[iu], d[iu[1]], derivative=derivative, method=method,
                                    degree=deg)

        vals = evaluate(degree)
        err = 0.0
        if method == "quadrature":
            q = degree or GH_DEGREE_2D
            err = float(np.max(np.abs(evaluate(_check_degree_for(q, MAX_GH_DEGREE), True) - vals))) if n else 0.0
        elif method == "polar":
            q = degree or 48
            err = float(np.max(np.abs(evaluate(_check_degree_for(q, 120), True) - vals))) if n else 0.0
        M = np.empty((n, n))
        M[iu] = vals
        M[(iu[1], iu[0])] = vals
        return M, err
    # hermite: validate every 2x2 block [[K_ii, K_ij], [K_ij, K_jj]] as PSD (cheaply)
    scale = max(float(np.max(np.abs(d))) if n else 0.0, 1e-300)
    if n and float(np.min(d)) < -1e-12 * scale:
        raise LandscapeError(f"covariance has a negative variance (min {float(np.min(d))!r}); expected >= 0")
    s = np.sqrt(np.maximum(d, 0.0))
    alpha, bound, q, _ = hermite_alpha(activation, s, derivative, degree)
    lim = np.outer(s, s)
    if n and np.any(np.abs(K) > lim * (1 + 1e-9) + 1e-12 * scale):
        i, j = np.unravel_index(int(np.argmax(np.abs(K) - lim)), K.shape)
        raise LandscapeError(f"covariance entry K[{i}, {j}] = {K[i, j]!r} exceeds sqrt(K_ii K_jj) = {lim[i, j]!r}; "
                             "expected a PSD matrix")
    if np.all(s > 0):
        R = K / lim
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            R = np.where(lim > 0, K / np.where(lim > 0, lim, 1.0), 0.0)
    np.clip(R, -1.0, 1.0, out=R)
    near = np.abs(R) >= 1.0 - RHO_SNAP
    R[near] = np.sign(R[near])
    np.fill_diagonal(R, np.where(s > 0, 1.0, 0.0))
    M = _mehler_matrix(alpha, alpha, R)
    # 1-d check of the diagonal against a higher-degree rule
    if q < MAX_GH_DEGREE:
        fn = activations.get(activation).as_numpy(derivative)
        hi = gaussian_mean(lambda x: fn(x) ** 2, np.maximum(d, 0.0), degree=MAX_GH_DEGREE)
        bound = max(bound, float(np.max(np.abs(hi - np.diag(M)))) if n else 0.0)
    return (M + M.T) / 2, bound
