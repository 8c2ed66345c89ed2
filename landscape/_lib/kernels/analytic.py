"""The analytic Gram limit ``K^(H)`` of Du, Lee, Li, Wang, Zhai (ICML 2019): Definition 5.1
(FC, eq. (2)) and Definition 6.1 (ResNet, eq. (3)), ``/work/shared/papers/002_7f4fd584f3752d2b.txt``,
by closed form / Mehler series / quadrature (:mod:`landscape._lib.kernels.dual`), with an
entry error bound propagated through the recursion (Lipschitz constants of the dual maps by
Price's theorem, :func:`_dual_lipschitz`), the single layer steps (Monte Carlo checks of one
step) and the ``literal=True`` variant of the printed formulas.

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
from dataclasses import dataclass

import numpy as np

from landscape._lib import activations
from landscape._lib.errors import LandscapeError
from landscape._lib.gaussian import GH_DEGREE_1D, HALF_MAX_DEGREE, MAX_GH_DEGREE, gauss_hermite
from landscape._lib.kernels.dual import Method, auto_method, check_kernel_matrix, check_method, dual_matrix
from landscape._lib.kernels.quadrature import activation_mean, c_sigma, closed_form, gaussian_mean
from landscape._lib.networks.du import DuArchitecture, as_data


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
    act = activations.get(activation)
    g0, g1, g2 = (act.numpy_derivative(base + k)(s[:, None] * z) for k in range(3))
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
    method = check_method(method)
    if method == "auto":
        method = auto_method(activation)
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
        mu = activation_mean(activation, v, method)
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
        g2 = activations.get(activation).numpy_derivative(2)(np.sqrt(np.unique(np.round(v, 12)))[:, None] * z)
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
    K = check_kernel_matrix(K)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    if b.shape[0] != K.shape[0]:
        raise LandscapeError(f"b has {b.shape[0]} entries; expected {K.shape[0]} (one per point)")
    method = auto_method(activation) if check_method(method) == "auto" else method
    mu = activation_mean(activation, np.maximum(np.diag(K), 0.0), method)
    r = float(c_res) / int(H)
    M, _ = dual_matrix(activation, K, method=method)
    return K + r * _resnet_cross(b, mu, literal) + r * r * M, b + r * mu


def fc_layer_step(K: np.ndarray, activation: str, *, method: Method = "auto") -> np.ndarray:
    """One step ``K^(h-1) -> K^(h) = c_sigma E_{A^(h)}[sigma(u) sigma(v)]`` of Definition 5.1."""
    M, _ = dual_matrix(activation, K, method=method)
    return c_sigma(activation) * M


def analytic_gram_for(arch: DuArchitecture, X, **kw) -> AnalyticGram:
    """:func:`analytic_gram` for the depth, activation, kind, ``c_res`` and
    ``c_sigma_override`` of ``arch``."""
    return analytic_gram(X, arch.H, arch.activation, arch.kind, arch.c_res, c_sigma_value=arch.c_sigma_override,
                         **kw)
