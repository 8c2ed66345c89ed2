"""Gram matrices of Du, Lee, Li, Wang, Zhai (ICML 2019): analytic limits, finite-width
Gram matrices, and gradient descent.

Paper: ``/work/shared/papers/002_7f4fd584f3752d2b.txt``.  Networks: eq. (2) (FC) and
eq. (3) (ResNet), implemented in :mod:`landscape._lib.networks.du` (data are rows, ``n x d``).

Contents
========

* Gaussian quadrature.  ``c_sigma = 1 / E_{z~N(0,1)}[sigma(z)^2]`` (below eq. (2)) and the
  one- and two-dimensional Gaussian expectations of Definitions 5.1 / 6.1, by
  Gauss-Hermite quadrature (probabilists' rule of :mod:`numpy.polynomial.hermite_e`;
  :func:`second_moment` reports the difference to a higher degree); the
  bivariate rule maps standard normals through the Cholesky factor of the 2x2 covariance,
  with the factor guarded at correlation ``+-1`` and at zero variance.  A polar variant
  (radial Gauss rule + Gauss-Legendre on angular sectors cut at ``u = 0``, ``v = 0``)
  integrates activations with a kink at 0 (relu, its step derivative) to rounding, and
  1-d means of such activations split the line at 0 (:func:`gaussian_mean`).
* Closed forms (:func:`closed_form`): ReLU / leaky ReLU arc-cosine kernels, the erf
  arcsine kernel and its derivative kernel, and the trivial ``exp``, ``linear``,
  ``z^2``, ``z^3`` moments.  Used by ``method="auto"`` and as cross-checks.
* Hermite (Mehler) expansion: for ``u = s_1 z_1``, ``v = s_2 (rho z_1 + sqrt(1-rho^2) z_2)``
  ``E[f(u) g(v)] = sum_k alpha_k(f, s_1) alpha_k(g, s_2) rho^k`` with the orthonormal
  Hermite coefficients ``alpha_k(f, s) = E[f(s z) He_k(z)] / sqrt(k!)``.  This makes an
  ``n x n`` kernel matrix a polynomial in the correlation matrix (Horner, no loop over
  pairs), with the a-posteriori truncation bound
  ``|tail| <= max_i sum_{k > K} alpha_k(f, s_i)^2`` (Cauchy-Schwarz).  The Gauss-Hermite
  degree of the coefficients is *chosen* (:data:`HERMITE_DEGREES`, 100 -> 300) until tail +
  the difference to the next degree -- a bound on *every* entry, off-diagonal included,
  since ``|rho| <= 1`` -- is at most :data:`HERMITE_TARGET` = 1e-14 of ``max E[f^2]``.  The
  tensor and polar rules report the difference to a higher-degree rule (no ``nan``).
* :func:`analytic_gram`: ``K^(H)`` of Definition 5.1 (FC) and Definition 6.1 (ResNet), with
  an entry error bound propagated through the recursion (Lipschitz constants of the dual
  maps by Price's theorem, :func:`_dual_lipschitz`).
* :func:`analytic_gram_mp`: the same recursion in multiple precision for the activations
  with closed-form moments (erf, relu, leaky relu, linear, z^2, z^3, exp), to decide
  eigenvalues below float64's reach; :func:`polynomial_kernel_degrees`: the exponents of
  ``K^(H)_ij = P(x_i . x_j)`` for ``z^p`` activations (rank certificates).
* :func:`empirical_gram`: ``G^(h)`` of section 4 for a finite network, by the per-layer
  identity ``G^(h) = (Delta^(h) Delta^(h)T) o (X^(h-1) X^(h-1)T)``;
  :func:`empirical_gram_jacrev` computes the same from ``torch.func.vmap(jacrev)``.
* :func:`train_gd`: full-batch fixed-step gradient descent on the loss of eq. (1) (all
  layers and ``a`` trained, section 3.3; ``train_a=False`` freezes ``a``, as in the
  two-layer analysis of Golikov's essay, eq. (10)), in-place rank-``n`` updates, recording
  ``L(k)``, the distances of eq. (6) and ``G^(H)(k)``.

Mapping to neural-tangents (``tests/test_du_independent.py``)
==============================================================

neural-tangents' ``stax.Dense(out, W_std, b_std=None)`` (NTK parameterisation) computes
``(W_std / sqrt(fan_in)) W x`` with ``W ~ N(0, 1)``.  Du et al.'s first pre-activation
``W^(1) x`` (no ``1/sqrt(d)``) is therefore ``Dense(W_std=sqrt(d))``; for ``h >= 2`` their
pre-activation ``W^(h) x^(h-1) = W^(h) sqrt(c_sigma/m) sigma(z^(h-1)) = sqrt(c_sigma)
(W^(h) sigma(z^(h-1)) / sqrt(m))`` is ``Dense(W_std=sqrt(c_sigma))`` applied to
``sigma(z^(h-1))``.  So ``sqrt(c_sigma)`` sits in the ``W_std`` of the Dense layer *after*
each activation -- the same as scaling sigma's output; a ``W_std`` on the layer *before*
sigma would scale its input, a different network.  With ``b_std=None``:
``K^(h) = nngp`` of ``[Dense(sqrt(d)), sigma, Dense(sqrt(c)), sigma, ..., Dense(sqrt(c))]``
with ``h`` activations (the pre-activation covariance of layer ``h + 1``), ``h <= H - 1``.
``K^(H) = c K^(H-1) o E[sigma' sigma']`` is the contribution of ``W^(H)`` alone to the NTK,
not an output of neural-tangents.

Normalisation conventions (derived from the network, checked by Monte Carlo)
=========================================================================

``G^(h)_ij = <d u_i / d W^(h), d u_j / d W^(h)>`` exactly as in section 4 -- the plain
Frobenius inner product of the gradients, *not* divided by ``m`` or ``n``;
``G^(H+1)`` is the ``a``-block and ``G = sum_{h=1}^{H+1} G^(h)``.  The wide-network
limit of ``G^(H)(0)`` is ``K^(H)`` (for any data; the theorems assume unit norms), with
``O(m^-1/2)`` fluctuations (tests/test_kernels.py).  For the ResNet ``K^(H)`` carries
the factor ``(c_res / H)^2`` of the last layer's scaling, so ``lambda_min(K^(H))``
shrinks like ``H^-2`` -- matching the step size ``eta = O(lambda H^2 / n^2)`` of
Theorem 6.1.  Two points of Definitions 5.1 / 6.1 as printed cannot be what the
derivation gives; the default follows the derivation and ``literal=True`` reproduces the
printed formula (Monte Carlo rejects the printed forms, tests/test_kernels.py):

1. **Last layer covariance (Def. 5.1 and 6.1).**  The printed
   ``K^(H) = c K^(H-1) E_{N(0, A^(H-1))}[sigma' sigma']`` takes the expectation under
   ``A^(H-1)``, which is built from ``K^(H-2)``.  The pre-activations of layer ``H``
   are ``W^(H) x^(H-1)`` with covariance ``K^(H-1)``, i.e. ``A^(H)``; with ``H = 1`` the
   printed index would be ``A^(0)``, undefined, while the text's remark that ``H = 1``
   recovers Du et al. 2018b's ``H^infty`` (section 4) needs ``A^(1)``; for the ResNet
   with ``H = 2`` the printed ``A^(1)`` is not even defined by Def. 6.1 (``A^(h)``,
   ``h >= 2``).  Default: ``A^(H)`` (built from ``K^(H-1)``); ``literal=True`` uses
   the covariance ``K^(H-2)`` (``K^(0)`` when ``H = 2``; ``H = 1`` is unaffected).
2. **ResNet cross terms (Def. 6.1, eq. (8)).**  The printed expectation pairs
   ``b_i^(h-1)`` with ``sigma(u)`` (``u`` = point ``i``'s pre-activation).  Expanding
   ``<x_i^(h), x_j^(h)>`` with eq. (3) gives
   ``(c_res / (H sqrt m)) <x_i^(h-1), sigma(W^(h) x_j^(h-1))> -> (c_res / H) b_i^(h-1) E[sigma(v)]``
   with ``b_i^(h) = lim 1^T x_i^(h) / sqrt m``: ``b_i`` pairs with ``sigma(v)``.  The two
   agree whenever ``K_ii^(h-1) = K_jj^(h-1)`` -- in particular for the unit-norm data of
   Theorem 6.1 -- and differ otherwise.  Default: the derived pairing.

Other conventions: ``c_sigma`` exactly as below eq. (2); ``b^(1)`` and the ``b^(h)``
recursion exactly as printed in Def. 6.1; Definition 6.1 needs ``H >= 2`` (for
``H = 1`` eq. (3) is the FC network: use ``kind="fc"``).  Paper typos met on the way:
Condition 3.1 prints ``|sigma'(z) - sigma'(z)|`` for ``|sigma'(z) - sigma'(z')|``;
eq. (1) writes ``f(theta, x)`` and eq. (2) ``f(x, theta)``; Theorem 5.1 cites
"Equation (7)" (which labels ``A^(h)``) for ``K^(H)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Literal

import numpy as np
import torch
from numpy.polynomial.hermite_e import hermegauss

from landscape._lib import activations
from landscape._lib.errors import LandscapeError
from landscape._lib.networks.du import DuArchitecture, DuParams, activation_derivative, as_data, as_labels

NpFn = Callable[[np.ndarray], np.ndarray]
Method = Literal["auto", "closed", "hermite", "quadrature", "polar"]
METHODS: tuple[str, ...] = ("auto", "closed", "hermite", "quadrature", "polar")

#: Largest Gauss-Hermite degree: numpy's ``hermegauss`` overflows from about 380 nodes.
MAX_GH_DEGREE: int = 360
#: Default degree of 1-d rules (``c_sigma``, means, Hermite coefficients).
GH_DEGREE_1D: int = 300
#: Default degree of the check rule for 1-d quantities.
GH_CHECK_DEGREE_1D: int = 360
#: Default degree per axis of the bivariate rule (``degree**2`` nodes).
GH_DEGREE_2D: int = 64
#: Default / largest degree of the half-line Gauss rules (Lanczos-built, see _half_rule).
HALF_DEGREE: int = 80
HALF_MAX_DEGREE: int = 120
#: Highest Hermite order used by the Mehler expansion (must stay well below the 1-d degree).
HERMITE_MAX_ORDER: int = 150
#: :func:`train_gd` stops and flags divergence once ``L(k) > DIVERGENCE_FACTOR * L(0)``.
DIVERGENCE_FACTOR: float = 1e12
#: Relative truncation target of the Mehler expansion (fraction of max E[f(s_i z)^2]).
HERMITE_TAIL_TARGET: float = 1e-16
#: Stated accuracy of the Mehler path: the degree is raised along :data:`HERMITE_DEGREES`
#: until truncation tail + difference to the next degree <= this x max_i E[f(s_i z)^2]
#: (about 50 ulps; every entry, off-diagonal ones included).
HERMITE_TARGET: float = 1e-14
#: Gauss-Hermite degrees tried in turn by the Mehler path (each checked against the next,
#: the last against :data:`MAX_GH_DEGREE`).
HERMITE_DEGREES: tuple[int, ...] = (100, 150, 200, 300)

__all__ = [
    "AnalyticGram", "ClosedForm", "EmpiricalGram", "QuadEstimate", "TrainHistory", "METHODS",
    "analytic_gram", "analytic_gram_for", "analytic_gram_mp", "mp_eigenvalues", "MP_ACTIVATIONS", "polynomial_kernel_degrees", "bivariate_expectation", "bivariate_expectation_polar",
    "c_sigma", "closed_form", "dual_matrix", "empirical_b", "empirical_gram", "empirical_gram_jacrev",
    "empirical_layer_kernels", "erf_derivative_kernel", "erf_kernel", "fc_layer_step", "gauss_hermite",
    "gaussian_mean", "hermite_coefficients", "leaky_relu_derivative_kernel", "leaky_relu_kernel",
    "pair_expectation", "rate_bound", "relu_derivative_kernel", "relu_kernel", "resnet_layer_step",
    "second_moment", "train_gd",
]


# ======================================================================================
# quadrature
# ======================================================================================
def _check_degree(q: int) -> int:
    if isinstance(q, bool) or not isinstance(q, (int, np.integer)) or not (1 <= q <= MAX_GH_DEGREE):
        raise LandscapeError(f"Gauss-Hermite degree {q!r} is invalid; expected an integer in [1, {MAX_GH_DEGREE}]")
    return int(q)


@lru_cache(maxsize=None)
def _gh(q: int) -> tuple[np.ndarray, np.ndarray]:
    z, w = hermegauss(q)
    w = w / w.sum()
    z.setflags(write=False)
    w.setflags(write=False)
    return z, w


def gauss_hermite(degree: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and *probability* weights (summing to 1) of the ``degree``-point rule for
    ``E_{z~N(0,1)}[f(z)] ~ sum_a w_a f(z_a)``; exact for polynomials of degree ``< 2 degree``."""
    return _gh(_check_degree(degree))


def _np_fn(name: str, derivative: bool = False) -> NpFn:
    """sigma (or sigma') of a registered activation as a float64 numpy function."""
    act = activations.get(name)
    tf = activation_derivative(name) if derivative else act.torch

    def f(x: np.ndarray) -> np.ndarray:
        return tf(torch.as_tensor(np.asarray(x, dtype=np.float64))).numpy()

    return f


def _resolve(f: str | NpFn, derivative: bool = False) -> NpFn:
    return _np_fn(f, derivative) if isinstance(f, str) else f


def gaussian_mean(f: str | NpFn, var: float | np.ndarray = 1.0, *, degree: int | None = None,
                  split: bool = False) -> np.ndarray:
    """``E_{u~N(0, var)}[f(u)]``, vectorised over ``var`` (``f``: a numpy function or an
    activation name).  Def. 6.1 uses it for ``b^(h)``.

    ``split=False``: ``degree``-point Gauss-Hermite (default 300).  ``split=True``: the two
    half-lines separately, ``E = (1/2) sum_k w_k (f(s r_k) + f(-s r_k))`` with the
    ``degree``-point Gauss rule for ``e^{-r^2/2}`` on ``[0, inf)`` (default 80, at most
    120) -- spectrally
    accurate for functions smooth except at 0 (relu, elu).
    """
    v = np.asarray(var, dtype=np.float64)
    if np.any(~np.isfinite(v)) or np.any(v < 0):
        raise LandscapeError(f"variance {v!r} is invalid; expected finite values >= 0")
    fn = _resolve(f)
    sv = np.sqrt(v)[..., None]
    if split:
        r, w = _half_rule(_check_half_degree(HALF_DEGREE if degree is None else degree), 0)
        return (fn(sv * r) + fn(-sv * r)) @ w / 2
    z, w = gauss_hermite(GH_DEGREE_1D if degree is None else degree)
    return fn(sv * z) @ w


def _check_half_degree(q: int) -> int:
    if isinstance(q, bool) or not isinstance(q, (int, np.integer)) or not (1 <= q <= HALF_MAX_DEGREE):
        raise LandscapeError(f"half-line Gauss degree {q!r} is invalid; expected an integer in [1, {HALF_MAX_DEGREE}]")
    return int(q)


@lru_cache(maxsize=None)
def _half_rule(n: int, power: int) -> tuple[np.ndarray, np.ndarray]:
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


def _act_mean(activation: str, var: np.ndarray, method: str = "auto") -> np.ndarray:
    """``E_{N(0, var)}[sigma]``: closed form (``auto``/``closed``), else quadrature
    (split at 0 for non-smooth activations)."""
    cf = closed_form(activation)
    if method in ("auto", "closed") and cf is not None:
        return np.asarray(cf.mean(var), dtype=np.float64)
    if activations.get(activation).smooth:
        return gaussian_mean(activation, var)
    return gaussian_mean(activation, var, degree=HALF_DEGREE, split=True)


@dataclass(frozen=True)
class QuadEstimate:
    """A quadrature value with its check: ``error = |value(degree) - value(check_degree)|``."""

    value: float
    error: float
    degree: int
    check_degree: int


def second_moment(name: str, *, degree: int | None = None, check_degree: int | None = None) -> QuadEstimate:
    """``E_{z~N(0,1)}[sigma(z)^2]`` by quadrature at ``degree``, checked at ``check_degree``.

    Smooth activations: Gauss-Hermite (defaults 300 / 360).  Others (a kink at 0):
    the split half-line rule of :func:`gaussian_mean` (defaults 80 / 120).
    """
    smooth = activations.get(name).smooth
    q = degree if degree is not None else (GH_DEGREE_1D if smooth else HALF_DEGREE)
    qc = check_degree if check_degree is not None else (GH_CHECK_DEGREE_1D if smooth else HALF_MAX_DEGREE)
    chk = _check_degree if smooth else _check_half_degree
    if chk(qc) <= chk(q):
        raise LandscapeError(f"check degree {qc} must exceed the degree {q}")
    f = _np_fn(name)
    vals = [float(gaussian_mean(lambda x: f(x) ** 2, 1.0, degree=d, split=not smooth)) for d in (q, qc)]
    return QuadEstimate(vals[0], abs(vals[0] - vals[1]), q, qc)


def c_sigma(name: str, *, method: Literal["auto", "quadrature"] = "auto") -> float:
    """``c_sigma = (E_{z~N(0,1)}[sigma(z)^2])^{-1}`` (paper below eq. (2)).

    ``method="auto"`` uses the exact second moment where :func:`closed_form` has one
    (``relu``: exactly ``2.0``), otherwise Gauss-Hermite (:func:`second_moment`).
    """
    if method not in ("auto", "quadrature"):
        raise LandscapeError(f"method {method!r} is unknown; expected auto or quadrature")
    cf = closed_form(name)
    if method == "auto" and cf is not None:
        e2 = float(cf.pair(1.0, 1.0, 1.0))
    else:
        e2 = second_moment(name).value
    if not (e2 > 0 and math.isfinite(e2)):
        raise LandscapeError(f"activation {name!r} has E[sigma(z)^2] = {e2!r}; expected a finite positive value")
    return 1.0 / e2


def _cholesky_2x2(k11, k12, k22):
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
    rho = _snap_rho(rho)
    l11 = s1
    l21 = rho * s2
    l22 = s2 * _sqrt_one_minus_sq(rho)
    return l11, l21, l22, rho, s1, s2


#: Correlations within this distance of +-1 are rounding of +-1 (a few ulps; e.g. K_ii / sqrt(K_ii)^2).
RHO_SNAP: float = 4 * np.finfo(np.float64).eps


def _snap_rho(rho: np.ndarray) -> np.ndarray:
    """Set correlations within :data:`RHO_SNAP` of +-1 to exactly +-1 (the arc-cosine
    kernels have infinite slope there, so an ulp of rounding would cost 1e-8)."""
    return np.where(np.abs(rho) >= 1.0 - RHO_SNAP, np.sign(rho), rho)


def _sqrt_one_minus_sq(rho: np.ndarray) -> np.ndarray:
    """``sqrt(1 - rho^2)`` computed as ``sqrt((1 - rho)(1 + rho))`` (accurate near +-1)."""
    return np.sqrt(np.maximum((1.0 - rho) * (1.0 + rho), 0.0))


def bivariate_expectation(f: str | NpFn, g: str | NpFn, k11, k12, k22, *, degree: int = GH_DEGREE_2D,
                          chunk: int = 4_000_000) -> np.ndarray:
    """``E_{(u,v)~N(0, [[k11, k12], [k12, k22]])}[f(u) g(v)]`` by tensor Gauss-Hermite.

    ``u = l11 z1``, ``v = l21 z1 + l22 z2`` with the guarded Cholesky factor; vectorised
    over broadcast arrays of covariances (evaluated in chunks of ``chunk`` nodes).
    ``f``, ``g``: numpy functions or activation names.  Spectral accuracy for analytic
    ``f, g``; only algebraic convergence across kinks (relu) -- use :func:`closed_form`.
    """
    z, w = gauss_hermite(degree)
    fn, gn = _resolve(f), _resolve(g)
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
    fn, gn = _resolve(f), _resolve(g)
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


# ======================================================================================
# closed forms
# ======================================================================================
def _rho_theta(k11, k12, k22):
    _, _, _, rho, s1, s2 = _cholesky_2x2(k11, k12, k22)
    return rho, s1, s2, np.arccos(rho)


def leaky_relu_kernel(k11, k12, k22, slope: float = 0.0) -> np.ndarray:
    """``E[s(u) s(v)]`` for ``s(z) = max(z, slope z)`` (Cho-Saul arc-cosine kernel of degree 1):
    ``slope^2 k12 + slope (1 - slope) k12 + (1 - slope)^2 s1 s2 (sin t + (pi - t) cos t) / (2 pi)``,
    ``cos t = rho``; uses ``E[u relu(v)] = k12 / 2``."""
    rho, s1, s2, t = _rho_theta(k11, k12, k22)
    k12 = np.asarray(k12, dtype=np.float64)
    sin_t = _sqrt_one_minus_sq(rho)
    rr = s1 * s2 * (sin_t + (np.pi - t) * rho) / (2 * np.pi)
    return slope * slope * k12 + slope * (1 - slope) * k12 + (1 - slope) ** 2 * rr


def relu_kernel(k11, k12, k22) -> np.ndarray:
    """``E[relu(u) relu(v)] = s1 s2 (sin t + (pi - t) cos t) / (2 pi)``, ``cos t = k12/(s1 s2)``."""
    return leaky_relu_kernel(k11, k12, k22, 0.0)


def leaky_relu_derivative_kernel(k11, k12, k22, slope: float = 0.0) -> np.ndarray:
    """``E[s'(u) s'(v)]`` for ``s(z) = max(z, slope z)`` with torch's ``s'(0) = slope``:
    ``slope^2 + slope (1 - slope) (P(u>0) + P(v>0)) + (1 - slope)^2 P(u>0, v>0)``,
    ``P(u>0, v>0) = (pi - t) / (2 pi)`` (arc-cosine kernel of degree 0)."""
    rho, s1, s2, t = _rho_theta(k11, k12, k22)
    pu = np.where(s1 > 0, 0.5, 0.0)
    pv = np.where(s2 > 0, 0.5, 0.0)
    puv = np.where((s1 > 0) & (s2 > 0), (np.pi - t) / (2 * np.pi), 0.0)
    return slope * slope + slope * (1 - slope) * (pu + pv) + (1 - slope) ** 2 * puv


def relu_derivative_kernel(k11, k12, k22) -> np.ndarray:
    """``E[relu'(u) relu'(v)] = (pi - arccos rho) / (2 pi)`` (0 if a variance is 0)."""
    return leaky_relu_derivative_kernel(k11, k12, k22, 0.0)


def erf_kernel(k11, k12, k22) -> np.ndarray:
    """``E[erf(u) erf(v)] = (2/pi) arcsin(2 k12 / sqrt((1 + 2 k11)(1 + 2 k22)))`` (Williams 1997)."""
    _cholesky_2x2(k11, k12, k22)
    k11, k12, k22 = (np.asarray(k, dtype=np.float64) for k in (k11, k12, k22))
    x = 2 * k12 / np.sqrt((1 + 2 * k11) * (1 + 2 * k22))
    return (2 / np.pi) * np.arcsin(np.clip(x, -1.0, 1.0))


def erf_derivative_kernel(k11, k12, k22) -> np.ndarray:
    """``E[erf'(u) erf'(v)] = (4/pi) det(I + 2 Sigma)^{-1/2}``, ``erf'(z) = 2 e^{-z^2} / sqrt(pi)``."""
    _cholesky_2x2(k11, k12, k22)
    k11, k12, k22 = (np.asarray(k, dtype=np.float64) for k in (k11, k12, k22))
    return (4 / np.pi) / np.sqrt((1 + 2 * k11) * (1 + 2 * k22) - 4 * k12 * k12)


@dataclass(frozen=True)
class ClosedForm:
    """Exact Gaussian moments of one activation, vectorised numpy functions:
    ``pair(k11, k12, k22) = E[s(u)s(v)]``, ``deriv_pair = E[s'(u)s'(v)]``, ``mean(k) = E_{N(0,k)}[s]``."""

    pair: Callable[..., np.ndarray]
    deriv_pair: Callable[..., np.ndarray]
    mean: Callable[[np.ndarray], np.ndarray]


def _leaky_slope() -> float:
    return -float(activations.get("leaky_relu").torch(torch.tensor(-1.0, dtype=torch.float64)))


def _cf_table() -> dict[str, ClosedForm]:
    f64 = lambda k: np.asarray(k, dtype=np.float64)  # noqa: E731
    al = _leaky_slope()
    r2pi = math.sqrt(2 * math.pi)
    return {
        "relu": ClosedForm(relu_kernel, relu_derivative_kernel, lambda k: np.sqrt(f64(k)) / r2pi),
        "leaky_relu": ClosedForm(lambda a, b, c: leaky_relu_kernel(a, b, c, al),
                                 lambda a, b, c: leaky_relu_derivative_kernel(a, b, c, al),
                                 lambda k: (1 - al) * np.sqrt(f64(k)) / r2pi),
        "linear": ClosedForm(lambda a, b, c: f64(b) + 0 * f64(a) * f64(c),
                             lambda a, b, c: np.ones(np.broadcast(f64(a), f64(b), f64(c)).shape),
                             lambda k: 0 * f64(k)),
        "erf": ClosedForm(erf_kernel, erf_derivative_kernel, lambda k: 0 * f64(k)),
        "exp": ClosedForm(lambda a, b, c: np.exp((f64(a) + f64(c)) / 2 + f64(b)),
                          lambda a, b, c: np.exp((f64(a) + f64(c)) / 2 + f64(b)),
                          lambda k: np.exp(f64(k) / 2)),
        "poly2": ClosedForm(lambda a, b, c: f64(a) * f64(c) + 2 * f64(b) ** 2,
                            lambda a, b, c: 4 * f64(b) + 0 * f64(a) * f64(c),
                            lambda k: f64(k)),
        "poly3": ClosedForm(lambda a, b, c: 9 * f64(a) * f64(c) * f64(b) + 6 * f64(b) ** 3,
                            lambda a, b, c: 9 * (f64(a) * f64(c) + 2 * f64(b) ** 2),
                            lambda k: 0 * f64(k)),
    }


_CF: dict[str, ClosedForm] = {}


def closed_form(name: str) -> ClosedForm | None:
    """The exact Gaussian moments of activation ``name`` if known (relu, leaky_relu, linear,
    erf, exp, poly2, poly3), else ``None``.  Unknown names raise :class:`LandscapeError`."""
    activations.get(name)
    if not _CF:
        _CF.update(_cf_table())
    return _CF.get(name)


# ======================================================================================
# Hermite (Mehler) expansion
# ======================================================================================
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
    fn = _resolve(f, derivative)
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


# ======================================================================================
# dual activations: E[f(u) f(v)] for pairs and for whole kernel matrices
# ======================================================================================
def _check_method(method: str) -> str:
    if method not in METHODS:
        raise LandscapeError(f"method {method!r} is unknown; expected one of {', '.join(METHODS)}")
    return method


def _auto_method(activation: str) -> str:
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
    method = _check_method(method)
    cf = closed_form(activation)
    if method == "auto":
        method = _auto_method(activation)
    if method == "closed":
        if cf is None:
            raise LandscapeError(f"activation {activation!r} has no closed form; expected one of relu, leaky_relu, "
                                 "linear, erf, exp, poly2, poly3 (or use method='hermite')")
        return (cf.deriv_pair if derivative else cf.pair)(k11, k12, k22)
    if method == "quadrature":
        f = _np_fn(activation, derivative)
        return bivariate_expectation(f, f, k11, k12, k22, degree=degree or GH_DEGREE_2D)
    if method == "polar":
        f = _np_fn(activation, derivative)
        return bivariate_expectation_polar(f, f, k11, k12, k22, radial=degree or 48)
    _, _, _, rho, s1, s2 = _cholesky_2x2(k11, k12, k22)
    shape = rho.shape
    q = degree or GH_DEGREE_1D
    a1, t1 = hermite_coefficients(activation, s1.reshape(-1), degree=q, derivative=derivative)
    a2, t2 = hermite_coefficients(activation, s2.reshape(-1), degree=q, derivative=derivative)
    K, _ = _choose_order(np.concatenate([t1, t2]), np.concatenate([a1, a2]), min(HERMITE_MAX_ORDER, q // 2))
    return _mehler_pairs(a1[:, : K + 1], a2[:, : K + 1], rho.reshape(-1)).reshape(shape)


def _check_kernel_matrix(K: np.ndarray, name: str = "K") -> np.ndarray:
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


def _hermite_alpha(activation: str, s: np.ndarray, derivative: bool,
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
      degree, the degree chosen to meet :data:`HERMITE_TARGET` (:func:`_hermite_alpha`),
      and the 1-d check of the diagonal against a :data:`MAX_GH_DEGREE` rule;
    * ``quadrature`` / ``polar``: ``max_ij`` of the difference to the same rule at a higher
      degree (:func:`_check_degree_for`: tensor 64 -> 96 per axis, polar 48 -> 72 radial and
      angular), evaluated on the upper triangle in vectorised chunks (small ``n`` only).
    """
    method = _check_method(method)
    K = _check_kernel_matrix(K)
    n = K.shape[0]
    if method == "auto":
        method = _auto_method(activation)
    d = np.diag(K)
    if method in ("closed", "quadrature", "polar"):
        iu = np.triu_indices(n)

        def evaluate(deg: int | None, check: bool = False) -> np.ndarray:
            if method == "polar":
                rad = deg or 48
                f = _np_fn(activation, derivative)
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
    alpha, bound, q, _ = _hermite_alpha(activation, s, derivative, degree)
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
        fn = _np_fn(activation, derivative)
        hi = gaussian_mean(lambda x: fn(x) ** 2, np.maximum(d, 0.0), degree=MAX_GH_DEGREE)
        bound = max(bound, float(np.max(np.abs(hi - np.diag(M)))) if n else 0.0)
    return (M + M.T) / 2, bound


# ======================================================================================
# analytic K^(H): Definitions 5.1 and 6.1
# ======================================================================================
@dataclass(frozen=True)
class AnalyticGram:
    """``K^(H)`` of Def. 5.1 (``fc``) / Def. 6.1 (``resnet``) with its ingredients.

    ``K``: ``K^(H)`` (the limit of ``G^(H)(0)``); ``layers[h]``: ``K^(h)`` for
    ``h = 0..H-1`` (the limits of ``<x_i^(h), x_j^(h)>``); ``b[h - 1]``: ``b^(h)`` for
    ``h = 1..H-1`` (ResNet only, the limits of ``1^T x_i^(h) / sqrt m``).

    ``error_bound``: a bound on ``max_ij |K_ij - K^(H)_ij|`` from the quadrature /
    truncation errors of every step (:func:`dual_matrix`, the 1-d means) *propagated through
    the recursion* with the Lipschitz constants of the dual maps (:func:`_dual_lipschitz`);
    0 for closed forms, ``nan`` when a non-smooth activation without closed form would have
    to carry an error (its dual map's Lipschitz constant is not computed).  Float64
    round-off of the arithmetic is *not* included (callers add an allowance).
    ``step_bounds``: the bound after each layer (``K^(1)``, ..., ``K^(H)``).
    """

    K: np.ndarray
    layers: list[np.ndarray]
    b: list[np.ndarray]
    kind: str
    activation: str
    H: int
    c_res: float
    c_sigma: float
    method: str
    literal: bool
    error_bound: float
    step_bounds: tuple[float, ...] = ()

    def lambda_min(self) -> float:
        """Smallest eigenvalue of ``K^(H)``."""
        return float(np.linalg.eigvalsh(self.K)[0])


def _derivative_np(name: str, order: int) -> NpFn:
    """``sigma^(order)`` of a registered activation as a float64 numpy function (nested autograd)."""
    act = activations.get(name)

    def f(x: np.ndarray) -> np.ndarray:
        t = torch.as_tensor(np.asarray(x, dtype=np.float64)).detach().clone().requires_grad_(True)
        with torch.enable_grad():
            y = act.torch(t)
            for _ in range(order):
                (y,) = torch.autograd.grad(y.sum(), t, create_graph=True)
        return y.detach().numpy()

    return f


def _dual_lipschitz(activation: str, derivative: bool, scales: np.ndarray) -> tuple[float, float, float]:
    """Sensitivities of ``M_ij = E_{N(0, A_ij)}[g(u) g(v)]`` (``g = sigma`` or ``sigma'``) to
    its covariance: ``(L12, Lii, Ldd)`` with

    ``|dM_ij| <= L12 |dK_ij| + Lii (|dK_ii| + |dK_jj|)``  (off-diagonal entries),
    ``|dM_ii| <= Ldd |dK_ii|``  (diagonal entries, ``M_ii = E[g(s_i z)^2]``),
    ``L12 = max_i E[g'(s_i z)^2]``, ``Lii = sqrt(max_i E[g''(s_i z)^2] max_i E[g(s_i z)^2]) / 2``,
    ``Ldd = max_i |E[g'(s_i z)^2 + g(s_i z) g''(s_i z)]|``

    (Price's theorem: ``dM/dK_ij = E[g'(u) g'(v)]``, ``dM/dK_ii = E[g''(u) g(v)] / 2``, then
    Cauchy-Schwarz; ``d/dk E[g(sqrt(k) z)^2] = E[(g^2)''] / 2``).  Gaussian means by the
    300-point rule at the computed scales ``s_i``.  Smooth activations only.
    """
    base = 1 if derivative else 0
    s = np.asarray(scales, dtype=np.float64).reshape(-1)
    if s.size == 0:
        return 0.0, 0.0
    s = np.unique(np.round(s, 12))
    z, w = gauss_hermite(GH_DEGREE_1D)
    g0, g1, g2 = (_derivative_np(activation, base + k)(s[:, None] * z) for k in range(3))
    e = lambda a: float(np.max((a * a) @ w))
    return e(g1), 0.5 * math.sqrt(e(g2) * e(g0)), float(np.max(np.abs((g1 * g1 + g0 * g2) @ w)))


def analytic_gram(X, H: int, activation: str, kind: str = "fc", c_res: float = 0.5, *,
                  method: Method = "auto", literal: bool = False, degree: int | None = None,
                  c_sigma_value: float | None = None) -> AnalyticGram:
    """``K^(H)`` for the rows of ``X`` (``n x d``): Definition 5.1 (``kind="fc"``) or
    Definition 6.1 (``kind="resnet"``, ``H >= 2``), any registered activation.

    FC:      ``K^(0) = X X^T``; ``K^(h) = c E_{A^(h)}[s(u)s(v)]``, ``h = 1..H-1``;
             ``K^(H) = c K^(H-1) o E_{A^(H)}[s'(u)s'(v)]``.
    ResNet:  ``K^(1) = c E_{A^(1)}[s s]``, ``b^(1)_i = sqrt(c) E_{N(0,K^(0)_ii)}[s]``; for
             ``h = 2..H-1`` with ``mu_i = E_{N(0, K^(h-1)_ii)}[s]``:
             ``K^(h) = K^(h-1) + (c_res/H)(b_i mu_j + mu_i b_j) + (c_res/H)^2 E_{A^(h)}[s s]``,
             ``b^(h) = b^(h-1) + (c_res/H) mu``;
             ``K^(H) = (c_res/H)^2 K^(H-1) o E_{A^(H)}[s' s']``.
    (``A^(h)_ij`` is built from ``K^(h-1)``, eq. (7); ``c = c_sigma``.)  ``literal=True``
    uses the formulas as printed -- ``A^(H-1)`` in the last step and the pairing
    ``b_i mu_i + b_j mu_j`` -- see the module docstring.  All pairs at once.

    ``method`` (per expectation, see :func:`dual_matrix`): ``auto`` = closed form if
    known, else the Mehler series for smooth activations (n = 1000, H = 10 in a few
    seconds), else ``polar`` (about 10^4 evaluations per pair: small ``n`` only, e.g.
    elu); ``closed`` / ``hermite`` / ``quadrature`` / ``polar`` force one.
    ``c_sigma_value`` replaces ``c_sigma`` (the limit of a network with
    ``DuArchitecture.c_sigma_override``; e.g. ``H = 1``, relu, ``1.0``: the ``H^inf`` of
    Du et al. 2018b / Golikov's essay).

    Error propagation (``error_bound``): with ``e`` the entry bound of the layer below and
    ``q`` a step's own quadrature bound, an FC layer gives ``c (L e + q)``, the last layer
    ``c (max|D| e + max|K^(H-1)| (L' e + q'))``; the ResNet adds ``r (2 max|b| e_mu +
    2 max|mu| e_b) + r^2 (L e + q)`` to ``e`` (``r = c_res / H``; the means ``mu`` carry
    ``e_mu = sqrt(max E[sigma''^2]) e / 2 + q_mu``, ``e_b`` accumulates ``r e_mu``).
    """
    x = as_data(X).numpy()
    if isinstance(H, bool) or not isinstance(H, (int, np.integer)) or H < 1:
        raise LandscapeError(f"depth H={H!r} is invalid; expected an integer >= 1")
    if kind not in ("fc", "resnet"):
        raise LandscapeError(f"network kind {kind!r} is unknown; expected one of fc, resnet")
    if kind == "resnet" and H < 2:
        raise LandscapeError(f"depth H={H} is invalid for Definition 6.1; expected H >= 2 "
                             "(with H = 1, eq. (3) is the FC network: use kind='fc')")
    cr = float(c_res)
    if kind == "resnet" and not (math.isfinite(cr) and cr > 0):
        raise LandscapeError(f"c_res={c_res!r} is invalid; expected a finite number > 0")
    method = _check_method(method)
    if method == "auto":
        method = _auto_method(activation)
    c = c_sigma(activation) if c_sigma_value is None else float(c_sigma_value)
    if not (math.isfinite(c) and c > 0):
        raise LandscapeError(f"c_sigma_value={c_sigma_value!r} is invalid; expected a finite number > 0 or None")
    smooth = activations.get(activation).smooth

    def dual(Kprev: np.ndarray, deriv: bool, e_in: tuple[float, float]) -> tuple[np.ndarray, tuple[float, float]]:
        """``M`` and its (off-diagonal, diagonal) error bounds given those of ``Kprev``."""
        M, q = dual_matrix(activation, Kprev, derivative=deriv, method=method, degree=degree)
        eo, ed = e_in
        if eo == 0.0 and ed == 0.0:
            return M, (q, q)
        if not smooth or not (math.isfinite(eo) and math.isfinite(ed)):
            return M, (math.nan, math.nan)
        l12, lii, ldd = _dual_lipschitz(activation, deriv, np.sqrt(np.maximum(np.diag(Kprev), 0.0)))
        return M, (l12 * eo + 2 * lii * ed + q, ldd * ed + q)

    def mean(Kprev: np.ndarray, e_diag: float) -> tuple[np.ndarray, float]:
        v = np.maximum(np.diag(Kprev), 0.0)
        mu = _act_mean(activation, v, method)
        if closed_form(activation) is not None and method in ("auto", "closed"):
            q = 0.0
        elif smooth:
            q = float(np.max(np.abs(gaussian_mean(activation, v, degree=MAX_GH_DEGREE) - mu))) if v.size else 0.0
        else:
            q = float(np.max(np.abs(gaussian_mean(activation, v, degree=HALF_MAX_DEGREE, split=True) - mu))) \
                if v.size else 0.0
        if e_diag == 0.0:
            return mu, q
        if not smooth or not math.isfinite(e_diag):
            return mu, math.nan
        z, w = gauss_hermite(GH_DEGREE_1D)
        g2 = _derivative_np(activation, 2)(np.sqrt(np.unique(np.round(v, 12)))[:, None] * z)
        return mu, 0.5 * math.sqrt(float(np.max((g2 * g2) @ w))) * e_diag + q

    def top(e: tuple[float, float]) -> float:
        return math.nan if any(math.isnan(v) for v in e) else max(e)

    layers = [x @ x.T]
    bs: list[np.ndarray] = []
    steps: list[float] = []
    errs: list[tuple[float, float]] = [(0.0, 0.0)]
    if kind == "fc":
        for _ in range(1, H):
            M, (eo, ed) = dual(layers[-1], False, errs[-1])
            layers.append(c * M)
            errs.append((c * eo, c * ed))
            steps.append(top(errs[-1]))
        use = -2 if (literal and H >= 2) else -1
        D, eD = dual(layers[use], True, errs[use])
        KH = c * layers[-1] * D
        e_H = c * (float(np.max(np.abs(D))) * top(errs[-1]) + float(np.max(np.abs(layers[-1]))) * top(eD))
    else:
        r = cr / H
        M, (eo, ed) = dual(layers[0], False, errs[0])
        layers.append(c * M)
        errs.append((c * eo, c * ed))
        mu0, emu0 = mean(layers[0], 0.0)
        bs.append(math.sqrt(c) * mu0)
        eb = math.sqrt(c) * emu0
        steps.append(top(errs[-1]))
        for _ in range(2, H):
            Kp, b, (po, pd) = layers[-1], bs[-1], errs[-1]
            mu, emu = mean(Kp, pd)
            M, (mo, md) = dual(Kp, False, errs[-1])
            layers.append(Kp + r * _resnet_cross(b, mu, literal) + r * r * M)
            cross = r * (2 * float(np.max(np.abs(b))) * emu + 2 * float(np.max(np.abs(mu))) * eb)
            errs.append((po + cross + r * r * mo, pd + cross + r * r * md))
            bs.append(b + r * mu)
            eb = eb + r * emu
            steps.append(top(errs[-1]))
        use = -2 if literal else -1
        D, eD = dual(layers[use], True, errs[use])
        KH = r * r * layers[-1] * D
        e_H = r * r * (float(np.max(np.abs(D))) * top(errs[-1]) + float(np.max(np.abs(layers[-1]))) * top(eD))
    steps.append(e_H)
    return AnalyticGram((KH + KH.T) / 2, layers, bs, kind, activation, int(H), cr, c, method, literal, e_H,
                        tuple(steps))


def _resnet_cross(b: np.ndarray, mu: np.ndarray, literal: bool) -> np.ndarray:
    """Cross term of eq. (8): ``b_i mu_j + mu_i b_j`` (derived) or ``b_i mu_i + b_j mu_j`` (printed)."""
    return np.add.outer(b * mu, b * mu) if literal else np.outer(b, mu) + np.outer(mu, b)


def resnet_layer_step(K: np.ndarray, b: np.ndarray, activation: str, H: int, c_res: float, *,
                      literal: bool = False, method: Method = "auto") -> tuple[np.ndarray, np.ndarray]:
    """One step ``(K^(h-1), b^(h-1)) -> (K^(h), b^(h))`` of Definition 6.1 (``2 <= h <= H-1``).

    Applied to the *empirical* ``<x_i^(h-1), x_j^(h-1)>`` and ``1^T x_i^(h-1) / sqrt m`` of
    a finite network it gives the exact conditional expectation of the next layer's
    empirical quantities over ``W^(h)`` -- a Monte Carlo check of one step in isolation.
    """
    K = _check_kernel_matrix(K)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    if b.shape[0] != K.shape[0]:
        raise LandscapeError(f"b has {b.shape[0]} entries; expected {K.shape[0]} (one per point)")
    method = _auto_method(activation) if _check_method(method) == "auto" else method
    mu = _act_mean(activation, np.maximum(np.diag(K), 0.0), method)
    r = float(c_res) / int(H)
    M, _ = dual_matrix(activation, K, method=method)
    return K + r * _resnet_cross(b, mu, literal) + r * r * M, b + r * mu


def fc_layer_step(K: np.ndarray, activation: str, *, method: Method = "auto") -> np.ndarray:
    """One step ``K^(h-1) -> K^(h) = c_sigma E_{A^(h)}[sigma(u) sigma(v)]`` of Definition 5.1."""
    M, _ = dual_matrix(activation, K, method=method)
    return c_sigma(activation) * M


#: Activations whose Gaussian moments :func:`analytic_gram_mp` evaluates in multiple precision.
MP_ACTIVATIONS: tuple[str, ...] = ("erf", "relu", "leaky_relu", "linear", "poly2", "poly3", "exp")


def _mp_closed_form(name: str):
    """``(pair, deriv_pair, mean, c_sigma)`` of activation ``name`` as mpmath functions at the
    current precision -- the closed forms of :func:`closed_form`, written for mpmath."""
    import mpmath as mp

    if name not in MP_ACTIVATIONS:
        raise LandscapeError(f"activation {name!r} has no multiple-precision closed form; expected one of "
                             f"{', '.join(MP_ACTIVATIONS)}")

    def rho_theta(k11, k12, k22):
        s1, s2 = mp.sqrt(k11), mp.sqrt(k22)
        if s1 == 0 or s2 == 0:
            return mp.mpf(0), s1, s2, mp.pi / 2
        rho = max(min(k12 / (s1 * s2), mp.mpf(1)), mp.mpf(-1))
        return rho, s1, s2, mp.acos(rho)

    def relu_pair(k11, k12, k22):
        rho, s1, s2, t = rho_theta(k11, k12, k22)
        return s1 * s2 * (mp.sqrt(max(1 - rho * rho, 0)) + (mp.pi - t) * rho) / (2 * mp.pi)

    def relu_dpair(k11, k12, k22):
        _, s1, s2, t = rho_theta(k11, k12, k22)
        return (mp.pi - t) / (2 * mp.pi) if (s1 > 0 and s2 > 0) else mp.mpf(0)

    if name == "erf":
        pair = lambda a, b, c: 2 / mp.pi * mp.asin(2 * b / mp.sqrt((1 + 2 * a) * (1 + 2 * c)))
        dpair = lambda a, b, c: 4 / mp.pi / mp.sqrt((1 + 2 * a) * (1 + 2 * c) - 4 * b * b)
        mean = lambda k: mp.mpf(0)
    elif name == "relu":
        pair, dpair, mean = relu_pair, relu_dpair, (lambda k: mp.sqrt(k / (2 * mp.pi)))
    elif name == "leaky_relu":
        al = mp.mpf(_leaky_slope())
        pair = lambda a, b, c: al * al * b + al * (1 - al) * b + (1 - al) ** 2 * relu_pair(a, b, c)

        def dpair(a, b, c):
            pu = mp.mpf(1) / 2 if a > 0 else mp.mpf(0)
            pv = mp.mpf(1) / 2 if c > 0 else mp.mpf(0)
            return al * al + al * (1 - al) * (pu + pv) + (1 - al) ** 2 * relu_dpair(a, b, c)

        mean = lambda k: (1 - al) * mp.sqrt(k / (2 * mp.pi))
    elif name == "linear":
        pair, dpair, mean = (lambda a, b, c: b), (lambda a, b, c: mp.mpf(1)), (lambda k: mp.mpf(0))
    elif name == "poly2":
        pair, dpair, mean = (lambda a, b, c: a * c + 2 * b * b), (lambda a, b, c: 4 * b), (lambda k: k)
    elif name == "poly3":
        pair = lambda a, b, c: 9 * a * c * b + 6 * b ** 3
        dpair = lambda a, b, c: 9 * (a * c + 2 * b * b)
        mean = lambda k: mp.mpf(0)
    else:  # exp
        pair = dpair = lambda a, b, c: mp.exp((a + c) / 2 + b)
        mean = lambda k: mp.exp(k / 2)
    return pair, dpair, mean, 1 / pair(mp.mpf(1), mp.mpf(1), mp.mpf(1))


def analytic_gram_mp(X, H: int, activation: str, kind: str = "fc", c_res: float = 0.5, *, dps: int = 50,
                     literal: bool = False, unit_norm: bool = False):
    """``K^(H)`` of Definition 5.1 / 6.1 in multiple precision (``mpmath`` at ``dps`` digits)
    from the exact float64 inputs ``X``, for the activations with closed-form Gaussian
    moments (:data:`MP_ACTIVATIONS`: erf, relu, leaky relu, linear, z^2, z^3, exp) --
    the same recursion as :func:`analytic_gram` with every expectation exact, so the only
    error is the working precision (no quadrature).  ``unit_norm=True`` normalises every row
    to length 1 at the working precision first (float64 unit vectors are unit only to
    ~1e-16).  Returns an ``mpmath.matrix``.
    Used to decide eigenvalues that float64 cannot (e.g. ``lambda_min ~ 1e-19``).
    """
    import mpmath as mp

    x = as_data(X).numpy()
    if isinstance(H, bool) or not isinstance(H, (int, np.integer)) or H < 1:
        raise LandscapeError(f"depth H={H!r} is invalid; expected an integer >= 1")
    if kind not in ("fc", "resnet") or (kind == "resnet" and H < 2):
        raise LandscapeError(f"network kind {kind!r} with H={H} is invalid; expected fc (H >= 1) or resnet (H >= 2)")
    n = x.shape[0]
    with mp.workdps(int(dps)):
        pair, dpair, mean, c = _mp_closed_form(activation)
        rows = [[mp.mpf(float(v)) for v in r] for r in x]
        if unit_norm:
            rows = [[v / mp.sqrt(mp.fsum(u * u for u in r)) for v in r] if any(r) else r for r in rows]
        K0 = [[mp.fsum(a * b for a, b in zip(rows[i], rows[j])) for j in range(n)] for i in range(n)]

        def dual(K, f):
            return [[f(K[i][i], K[i][j], K[j][j]) for j in range(n)] for i in range(n)]

        layers = [K0]
        if kind == "fc":
            for _ in range(1, H):
                M = dual(layers[-1], pair)
                layers.append([[c * v for v in r] for r in M])
            cov = layers[-2] if (literal and H >= 2) else layers[-1]
            D = dual(cov, dpair)
            KH = [[c * layers[-1][i][j] * D[i][j] for j in range(n)] for i in range(n)]
        else:
            r = mp.mpf(float(c_res)) / H
            layers.append([[c * v for v in row] for row in dual(K0, pair)])
            b = [mp.sqrt(c) * mean(K0[i][i]) for i in range(n)]
            for _ in range(2, H):
                Kp = layers[-1]
                mu = [mean(Kp[i][i]) for i in range(n)]
                M = dual(Kp, pair)
                cross = [[(b[i] * mu[i] + b[j] * mu[j]) if literal else (b[i] * mu[j] + mu[i] * b[j]) for j in range(n)]
                         for i in range(n)]
                layers.append([[Kp[i][j] + r * cross[i][j] + r * r * M[i][j] for j in range(n)] for i in range(n)])
                b = [b[i] + r * mu[i] for i in range(n)]
            cov = layers[-2] if literal else layers[-1]
            D = dual(cov, dpair)
            KH = [[r * r * layers[-1][i][j] * D[i][j] for j in range(n)] for i in range(n)]
        return mp.matrix([[(KH[i][j] + KH[j][i]) / 2 for j in range(n)] for i in range(n)])


def mp_eigenvalues(K, dps: int) -> list:
    """Eigenvalues (ascending, mpf) of a symmetric ``mpmath.matrix`` at ``dps`` digits."""
    import mpmath as mp

    with mp.workdps(int(dps)):
        ev = mp.eigsy(K, eigvals_only=True)
        return sorted(ev[i] for i in range(len(ev)))


def polynomial_kernel_degrees(activation: str, H: int, kind: str = "fc", c_res: float = 0.5, *,
                              literal: bool = False) -> list[int]:
    """For ``sigma(z) = z^p`` (``linear``, ``poly2``, ``poly3``) and *exactly* unit-norm data,
    ``K^(H)_ij = P(x_i . x_j)`` for one polynomial ``P`` (every diagonal entry of every layer is
    the same positive number, so the recursion of Definition 5.1 / 6.1 acts on ``t = x_i . x_j``
    alone).  Returns the exponents ``k`` with a non-zero coefficient in ``P``.

    The moments are ``E[uv] = k12``, ``E[u^2 v^2] = k11 k22 + 2 k12^2``, ``E[u^3 v^3] =
    9 k11 k22 k12 + 6 k12^3`` (and ``1``, ``4 k12``, ``9 (k11 k22 + 2 k12^2)`` for the
    derivatives); with positive diagonals, ``c_sigma > 0``, ``c_res / H > 0`` and the ResNet
    means ``E[u^2] = k11 >= 0``, every polynomial met has non-negative coefficients, so no
    coefficient cancels and the support follows exactly from exponent arithmetic (sums,
    products = sumsets): computed on boolean exponent vectors (degree up to ``p^H``).
    ``c_res`` and ``literal`` do not change the support (kept for symmetry with
    :func:`analytic_gram`).

    Consequence (used by ``du.kernel.*.polynomial`` / ``.linear``): the matrix
    ``[(x_i . x_j)^k]`` is the Gram matrix of the symmetric tensors ``x_i^(x)k``, so
    ``rank K^(H) <= sum_{k in P} C(d + k - 1, k)`` -- e.g. ``d`` for the linear activation
    (``P(t) = t``), not ``d + 1``.
    """
    act = activations.get(activation)
    if act.polynomial_degree is None or activation not in ("linear", "poly2", "poly3"):
        raise LandscapeError(f"activation {activation!r} is not one of linear, poly2, poly3")
    if isinstance(H, bool) or not isinstance(H, (int, np.integer)) or H < 1 or kind not in ("fc", "resnet") \
            or (kind == "resnet" and H < 2):
        raise LandscapeError(f"network kind {kind!r} with H={H!r} is invalid; expected fc (H >= 1) or resnet (H >= 2)")
    return list(_poly_support(activation, int(H), kind, bool(literal)))


@lru_cache(maxsize=None)
def _poly_support(activation: str, H: int, kind: str, literal: bool) -> tuple[int, ...]:
    def one() -> np.ndarray:
        return np.array([True])

    def t() -> np.ndarray:
        return np.array([False, True])

    def add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.zeros(max(a.size, b.size), dtype=bool)
        out[: a.size] |= a
        out[: b.size] |= b
        return out

    def mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.convolve(a.astype(np.int64), b.astype(np.int64)) > 0

    def pair(P: np.ndarray) -> np.ndarray:  # E[s(u) s(v)] with k12 = P (constant positive diagonals)
        if activation == "linear":
            return P
        if activation == "poly2":
            return add(one(), mul(P, P))
        return add(P, mul(P, mul(P, P)))

    def dpair(P: np.ndarray) -> np.ndarray:
        if activation == "linear":
            return one()
        if activation == "poly2":
            return P
        return add(one(), mul(P, P))

    layers = [t()]
    if kind == "fc":
        for _ in range(1, H):
            layers.append(pair(layers[-1]))
        cov = layers[-2] if (literal and H >= 2) else layers[-1]
    else:
        layers.append(pair(t()))
        for _ in range(2, H):
            P = layers[-1]
            cross = one() if activation == "poly2" else np.array([False])  # 2 r b mu, mu = E[u^2] > 0 for z^2 only
            layers.append(add(add(P, cross), pair(P)))
        cov = layers[-2] if literal else layers[-1]
    KH = mul(layers[-1], dpair(cov))
    return tuple(int(k) for k in np.nonzero(KH)[0])


def analytic_gram_for(arch: DuArchitecture, X, **kw) -> AnalyticGram:
    """:func:`analytic_gram` for the depth, activation, kind, ``c_res`` and
    ``c_sigma_override`` of ``arch``."""
    return analytic_gram(X, arch.H, arch.activation, arch.kind, arch.c_res, c_sigma_value=arch.c_sigma_override,
                         **kw)


# ======================================================================================
# empirical Gram matrices of a finite network
# ======================================================================================
@dataclass(frozen=True)
class EmpiricalGram:
    """Gram matrices of section 4 for a finite network (numpy ``n x n``):
    ``layers[h - 1] = G^(h)`` (``h = 1..H``, the ``W^(h)``-block), ``output = G^(H+1)``
    (the ``a``-block), ``total = G = sum_{h=1}^{H+1} G^(h)``."""

    layers: list[np.ndarray]
    output: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return sum(self.layers, self.output.copy())

    @property
    def last(self) -> np.ndarray:
        """``G^(H)``, the matrix the theorems compare with ``K^(H)``."""
        return self.layers[-1]


def empirical_gram(arch: DuArchitecture, params: DuParams, X) -> EmpiricalGram:
    """``G^(h)_ij = <d u_i/d W^(h), d u_j/d W^(h)>`` (section 4) by the per-layer identity
    ``G^(h) = (Delta^(h) Delta^(h)T) o (X^(h-1) X^(h-1)T)`` with the backpropagated signals
    ``Delta^(h)`` of :meth:`DuArchitecture.backward`; ``G^(H+1) = X^(H) X^(H)T``."""
    fwd = arch.forward(params, X)
    deltas = arch.backward(params, fwd)
    layers = [((D @ D.T) * (A @ A.T)).numpy() for D, A in zip(deltas, fwd.layers[:-1])]
    out = fwd.layers[-1]
    return EmpiricalGram(layers, (out @ out.T).numpy())


def empirical_gram_jacrev(arch: DuArchitecture, params: DuParams, X) -> EmpiricalGram:
    """The same Gram matrices from per-sample Jacobians ``torch.func.vmap(jacrev(u))``
    (independent of :meth:`DuArchitecture.backward`; memory ``n * #params``)."""
    from torch.func import jacrev, vmap

    x = as_data(X, d=arch.d)
    arch.check_params(params)

    def u_single(ts: tuple[torch.Tensor, ...], xi: torch.Tensor) -> torch.Tensor:
        fwd = arch.forward_unchecked(DuParams(tuple(ts[:-1]), ts[-1]), xi[None, :])
        return fwd.u[0]

    jac = vmap(jacrev(u_single), in_dims=(None, 0))(params.tensors(), x)
    grams = []
    for J in jac:
        F = J.reshape(J.shape[0], -1)
        grams.append((F @ F.T).numpy())
    return EmpiricalGram(grams[:-1], grams[-1])


def empirical_layer_kernels(arch: DuArchitecture, params: DuParams, X) -> list[np.ndarray]:
    """``<x_i^(h), x_j^(h)>`` for ``h = 0..H`` (finite-width counterparts of ``K^(h)``)."""
    fwd = arch.forward(params, X)
    return [(t @ t.T).numpy() for t in fwd.layers]


def empirical_b(arch: DuArchitecture, params: DuParams, X) -> list[np.ndarray]:
    """``1^T x_i^(h) / sqrt m`` for ``h = 1..H`` (finite-width counterparts of Def. 6.1's ``b^(h)``)."""
    fwd = arch.forward(params, X)
    return [(t.sum(dim=1) / math.sqrt(arch.m)).numpy() for t in fwd.layers[1:]]


# ======================================================================================
# gradient descent
# ======================================================================================
@dataclass
class TrainHistory:
    """Record of :func:`train_gd`.

    ``loss[k] = L(theta(k))`` (eq. (1)) for ``k = 0..steps_done``; ``residual[k] = y - u(k)``;
    ``dist[j, h-1] = ||W^(h)(k) - W^(h)(0)||_F / sqrt(m)`` (eq. (6)) at ``k = dist_steps[j]``;
    ``dist_a[j] = ||a(k) - a(0)||_2`` at the same steps; ``gram_steps`` the iterations at
    which ``grams`` (``G^(H)(k)``, section 4) were recorded; ``params`` the last finite
    iterate; ``diverged`` True if the loss became non-finite or exceeded
    ``DIVERGENCE_FACTOR * L(0)`` (the run stops there and the arrays end at the last finite
    iterate, whose parameters are restored from the in-place update up to rounding).
    The step that blew up is recorded apart: ``blowup_step`` (``= steps_done + 1``),
    ``blowup_loss`` (its loss: ``nan``/``inf`` or > ``DIVERGENCE_FACTOR * L(0)``) and
    ``blowup_gram`` (``G^(H)`` there, ``None`` if the forward pass was not finite).
    ``steps_planned`` is the ``steps`` asked for; :attr:`complete` says whether every one
    of them was recorded.  A judge of a run must treat ``blowup_*`` as a step of the run
    (a violation of any loss bound), never as a clean end.
    """

    eta: float
    loss: np.ndarray
    residual: np.ndarray
    dist: np.ndarray
    dist_a: np.ndarray
    gram_steps: list[int]
    grams: list[np.ndarray]
    params: DuParams
    diverged: bool = False
    steps_done: int = 0
    dist_steps: list[int] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    steps_planned: int = 0
    blowup_step: int | None = None
    blowup_loss: float | None = None
    blowup_gram: np.ndarray | None = None

    @property
    def complete(self) -> bool:
        """Every planned step recorded (no divergence, no truncation)."""
        return not self.diverged and self.steps_done == self.steps_planned

    def rates(self) -> np.ndarray:
        """Per-step loss ratios ``L(k+1) / L(k)``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.loss[1:] / self.loss[:-1]


def _check_stride(name: str, v) -> None:
    if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1):
        raise LandscapeError(f"{name}={v!r} is invalid; expected an integer >= 1 or None")


def train_gd(arch: DuArchitecture, params: DuParams, X, y, *, eta: float, steps: int,
             gram_every: int | None = 1, dist_every: int | None = 1, train_a: bool = True) -> TrainHistory:
    """Full-batch gradient descent with fixed step ``eta`` on eq. (1), all of
    ``W^(1..H)`` (and ``a`` unless ``train_a=False``) updated simultaneously (section 3.3).

    Gradients by back-propagation (:meth:`DuArchitecture.backward`):
    ``dL/dW^(h) = sum_i (u_i - y_i) delta_i^(h) (x_i^(h-1))^T``, ``dL/da = sum_i (u_i - y_i) x_i^(H)``;
    each ``W^(h)`` is updated in place by one rank-``n`` BLAS update (``addmm_``: one pass
    over the ``m x m`` matrix).  ``G^(H)(k)`` is recorded every ``gram_every`` iterations,
    the distances of eq. (6) every ``dist_every`` (both also at ``k = 0`` and the last
    iterate; ``None``: only there).  ``train_a=False`` freezes the output layer (Golikov's
    two-layer analysis: ``a_r in {-1, 1}`` fixed, eq. (10)).  ``params`` is not modified.
    """
    try:
        eta = float(eta)
    except (TypeError, ValueError):
        raise LandscapeError(f"step size eta={eta!r} is invalid; expected a finite number > 0") from None
    if not (math.isfinite(eta) and eta > 0):
        raise LandscapeError(f"step size eta={eta!r} is invalid; expected a finite number > 0")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise LandscapeError(f"steps={steps!r} is invalid; expected an integer >= 0")
    _check_stride("gram_every", gram_every)
    _check_stride("dist_every", dist_every)
    x = as_data(X, d=arch.d)
    yt = as_labels(y, x.shape[0])
    p0 = arch.check_params(params).clone()
    W = [w.clone() for w in p0.W]
    a = p0.a.clone()
    sqm = math.sqrt(arch.m)
    losses, residuals, dists, dist_a, dsteps, gsteps, grams = [], [], [], [], [], [], []
    diverged = False
    blowup: tuple[int, float] | None = None
    blowup_gram: np.ndarray | None = None
    last_update: list | None = None  # (rank-n factors per layer, a-gradient) of the last step, to undo it
    k = 0
    while True:
        cur = DuParams(tuple(W), a)
        fwd = arch.forward_unchecked(cur, x)
        r = fwd.u - yt
        L = 0.5 * float(r @ r)
        if not math.isfinite(L) or (losses and L > DIVERGENCE_FACTOR * max(losses[0], 1e-300)):
            diverged = True
            blowup = (k, L)
            if all(bool(torch.isfinite(t).all()) for t in fwd.layers):
                D, A = arch.backward(cur, fwd)[-1], fwd.layers[-2]
                blowup_gram = ((D @ D.T) * (A @ A.T)).numpy()
            if last_update is not None:  # restore the last finite iterate
                for w, (Dr, A) in zip(W, last_update[0]):
                    w.addmm_(Dr.T, A, alpha=eta)
                if last_update[1] is not None:
                    a.add_(last_update[1], alpha=eta)
            break
        losses.append(L)
        residuals.append((-r).numpy().copy())
        final = k == steps
        if (dist_every is not None and k % dist_every == 0) or k == 0 or final:
            dsteps.append(k)
            dists.append([float((w - w0).norm()) / sqm for w, w0 in zip(W, p0.W)])
            dist_a.append(float((a - p0.a).norm()))
        deltas = arch.backward(cur, fwd)
        if (gram_every is not None and k % gram_every == 0) or k == 0 or final:
            D, A = deltas[-1], fwd.layers[-2]
            gsteps.append(k)
            grams.append(((D @ D.T) * (A @ A.T)).numpy())
        if final:
            break
        factors = [(D * r[:, None], A) for D, A in zip(deltas, fwd.layers[:-1])]
        ga = fwd.layers[-1].T @ r if train_a else None
        for w, (Dr, A) in zip(W, factors):
            w.addmm_(Dr.T, A, alpha=-eta)
        if ga is not None:
            a.add_(ga, alpha=-eta)
        last_update = [factors, ga]
        k += 1
    if diverged and dsteps and dsteps[-1] != len(losses) - 1:  # distances at the last finite iterate
        dsteps.append(len(losses) - 1)
        dists.append([float((w - w0).norm()) / sqm for w, w0 in zip(W, p0.W)])
        dist_a.append(float((a - p0.a).norm()))
    done = len(losses) - 1
    return TrainHistory(eta, np.array(losses), np.array(residuals), np.array(dists).reshape(-1, arch.H),
                        np.array(dist_a), gsteps, grams, DuParams(tuple(W), a).clone(), diverged, max(done, 0),
                        dsteps, steps_planned=int(steps), blowup_step=None if blowup is None else blowup[0],
                        blowup_loss=None if blowup is None else blowup[1], blowup_gram=blowup_gram)


def rate_bound(loss0: float, eta: float, lambda_min: float, steps: int) -> np.ndarray:
    """The envelope of Theorems 5.1 / 6.1: ``L(0) (1 - eta lambda_min / 2)^k``, ``k = 0..steps``."""
    return float(loss0) * (1.0 - float(eta) * float(lambda_min) / 2.0) ** np.arange(int(steps) + 1)
