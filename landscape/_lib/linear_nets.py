"""Deep linear networks and their closed-form optimum (reduced-rank regression).

Setting of Golikov's essay (``../shared/papers/003_6b1d70a06ebc74fd.txt``, section 2.1.1,
eq. (3)-(4)), after Lu & Kawaguchi (2017), on a finite dataset: columns of ``X``
(``d_0 x n``) are inputs, columns of ``Y`` (``d_H x n``) targets, ``W_k`` is
``d_k x d_{k-1}`` and::

    L_deep(W_1..W_H) = 1/2 ||Y - W_H ... W_1 X||_F^2
    L_shallow(R)     = 1/2 ||Y - R X||_F^2   s.t.  rank R <= d_p = min_k d_k

Closed form of the rank-constrained problem (:func:`reduced_rank_optimum`): with the
least-squares fit ``Yhat = Y X^+ X`` (the projection of the rows of ``Y`` onto the row
space of ``X``), ``||Y - R X||^2 = ||Y - Yhat||^2 + ||Yhat - R X||^2`` for every ``R``, and
``R X`` ranges over all matrices of rank ``<= r`` with rows in that row space, so by
Eckart-Young the minimum is ``1/2 (||Y||^2 - sum_{i <= r} s_i(Yhat)^2)``, attained at
``R* = [Yhat]_r X^+`` (``[.]_r`` the truncated SVD).

Critical points (:func:`subset_critical_point`): for any set ``S`` of at most ``d_p``
left singular vectors ``U_S`` of ``M = Y X^T (X X^T)^{-1/2}`` (``X`` of full row rank),
the factorisation of ``R_S = U_S U_S^T Y X^T (X X^T)^{-1}`` through coordinate embeddings
is a critical point of ``L_deep``: every gradient ``(W_H..W_{k+1})^T (R X - Y) X^T
(W_{k-1}..W_1)^T`` contains ``U_S^T (I - U_S U_S^T) M = 0`` or
``(I - U_S U_S^T) M M^T U_S = 0``.  ``S`` = the top ``d_p`` directions is the global
minimum; any other ``S`` (including ``S = {}``, all weights 0 when ``H >= 2``) is a saddle
with a higher loss -- Kawaguchi's "bad saddles" when ``H >= 3`` and ``|S| < d_p`` (the
Hessian has no negative eigenvalue there).

First-order condition (:func:`linear_first_order`): with ``R = W_H ... W_1`` (computed exactly,
:func:`exact_chain`) and ``G = (R X - Y) X^T``, every critical point of ``L_deep`` has
``R^T G = 0`` and ``G R^T = 0`` -- decided in exact rational arithmetic, invariant under the
weight-space symmetries.  :func:`balanced_factorisation` re-factors a product in balance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from landscape._lib import tolerance
from landscape._lib.errors import LandscapeError


@dataclass(frozen=True)
class RRROptimum:
    """The rank-constrained optimum: ``R``, ``loss = 1/2 ||Y - R X||^2``, the singular values of ``Yhat``."""

    R: np.ndarray
    loss: float
    rank: int
    singular_values: np.ndarray
    ols_loss: float  # unconstrained least-squares loss (rank unconstrained)


def _check_xy(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise LandscapeError(f"X {x.shape} and Y {y.shape} must be 2-d with the same number of columns (samples)")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise LandscapeError("X and Y must have finite entries")
    return x, y


def reduced_rank_optimum(x: np.ndarray, y: np.ndarray, r: int) -> RRROptimum:
    """``min_{rank R <= r} 1/2 ||Y - R X||_F^2`` in closed form (module docstring)."""
    x, y = _check_xy(x, y)
    if r < 0:
        raise LandscapeError(f"rank bound r={r} must be >= 0")
    xp = np.linalg.pinv(x)
    yhat = y @ xp @ x
    u, s, vt = np.linalg.svd(yhat, full_matrices=False)
    k = min(r, len(s))
    yr = (u[:, :k] * s[:k]) @ vt[:k]
    rr = yr @ xp
    resid = y - rr @ x
    ols = 0.5 * float(np.sum((y - yhat) ** 2))
    # 1/2 (||Y||^2 - sum_{i<=r} s_i^2) and the direct residual agree; the direct one is the more accurate
    return RRROptimum(rr, 0.5 * float(np.sum(resid**2)), k, s, ols)


class DeepLinear:
    """``x -> W_H ... W_1 x`` with dims ``(d_0, d_1, ..., d_H)``; flat parameter vector, W_1 first, row-major."""

    def __init__(self, dims: tuple[int, ...]):
        dims = tuple(int(d) for d in dims)
        if len(dims) < 2 or min(dims) < 1:
            raise LandscapeError(f"dims {dims!r} invalid; expected (d_0, ..., d_H), H >= 1, all >= 1")
        self.dims = dims

    @property
    def depth(self) -> int:
        return len(self.dims) - 1

    @property
    def bottleneck(self) -> int:
        return min(self.dims)

    def shapes(self) -> list[tuple[int, int]]:
        return [(self.dims[k + 1], self.dims[k]) for k in range(self.depth)]

    def n_params(self) -> int:
        return sum(a * b for a, b in self.shapes())

    def unflatten(self, v: torch.Tensor) -> list[torch.Tensor]:
        out, i = [], 0
        for a, b in self.shapes():
            out.append(v[i:i + a * b].reshape(a, b))
            i += a * b
        return out

    @staticmethod
    def flatten(ws: list) -> torch.Tensor:
        return torch.cat([torch.as_tensor(np.asarray(w, dtype=np.float64)).reshape(-1) for w in ws])

    def product(self, v: torch.Tensor) -> torch.Tensor:
        ws = self.unflatten(v)
        r = ws[0]
        for w in ws[1:]:
            r = w @ r
        return r

    def loss_fn(self, x: np.ndarray, y: np.ndarray):
        """``v -> 1/2 ||Y - W_H..W_1 X||_F^2`` (eq. (3) on the finite dataset), with its multiple-precision form
        (attribute ``mp``) for the certificates."""
        x, y = _check_xy(x, y)
        xt, yt = torch.as_tensor(x), torch.as_tensor(y)

        def loss(v: torch.Tensor) -> torch.Tensor:
            return 0.5 * ((yt - self.product(v) @ xt) ** 2).sum()

        from landscape._lib.certify.mpform import attach, deep_linear_form

        return attach(loss, deep_linear_form(self.dims, x, y))

    def balance(self, v: torch.Tensor) -> torch.Tensor:
        """Rescale ``W_k -> c_k W_k`` with ``prod c_k = 1`` so all ``||W_k||_F`` are equal.

        The product ``W_H ... W_1`` -- hence the loss -- is unchanged (the essay's weight-space
        symmetry, section 2.1.1), and the map is a diffeomorphism of weight space, so local
        minima, saddles and the Hessian's inertia correspond.  Optimisers drift along this
        symmetry into badly scaled regions (one factor -> 0, another -> infinity) where the
        curvature scale makes any point look stationary; balancing undoes the drift.
        """
        ws = self.unflatten(v.detach())
        norms = [float(w.norm()) for w in ws]
        if min(norms) == 0.0:
            return v.detach().clone()
        target = math.exp(sum(math.log(nv) for nv in norms) / len(norms))
        return torch.cat([(w * (target / nv)).reshape(-1) for w, nv in zip(ws, norms)])

    def init(self, rng: np.random.Generator, scale: float = 1.0) -> torch.Tensor:
        """Gaussian ``N(0, scale^2 / d_{k-1})`` entries for every ``W_k``."""
        return self.flatten([rng.normal(0.0, scale / np.sqrt(b), size=(a, b)) for a, b in self.shapes()])


def subset_critical_point(x: np.ndarray, y: np.ndarray, dims: tuple[int, ...], subset: list[int]) -> list[np.ndarray]:
    """Weights ``[W_1..W_H]`` of the critical point built from the singular directions ``subset`` (docstring)."""
    x, y = _check_xy(x, y)
    net = DeepLinear(dims)
    if x.shape[0] != dims[0] or y.shape[0] != dims[-1]:
        raise LandscapeError(f"dims {dims} do not match X {x.shape} / Y {y.shape}")
    if len(subset) > net.bottleneck:
        raise LandscapeError(f"|S| = {len(subset)} exceeds the bottleneck d_p = {net.bottleneck}")
    sxx = x @ x.T
    ev, evec = np.linalg.eigh(sxx)
    if ev[0] <= 1e-12 * ev[-1]:
        raise LandscapeError("X X^T is singular: the essay assumes X of full (row) rank")
    s_half_inv = (evec / np.sqrt(ev)) @ evec.T
    m = y @ x.T @ s_half_inv
    u, _, _ = np.linalg.svd(m, full_matrices=True)
    us = u[:, list(subset)]  # d_H x k
    k = len(subset)
    first = us.T @ y @ x.T @ np.linalg.inv(sxx)  # k x d_0, so R = U_S first
    ws = []
    for j, (a, b) in enumerate(net.shapes()):
        w = np.zeros((a, b))
        if j == 0 and j == net.depth - 1:
            w = us @ first
        elif j == 0:
            w[:k, :] = first
        elif j == net.depth - 1:
            w[:, :k] = us
        else:
            w[:k, :k] = np.eye(k)
        ws.append(w)
    return ws


def exact_chain(ws: list[np.ndarray]) -> list[list] | None:
    """``W_H ... W_1`` (eq. (3)) in exact rational arithmetic from the float64 entries (None if the shapes do not chain)."""
    from fractions import Fraction

    mats = [[[Fraction(float(v)) for v in row] for row in np.asarray(m, dtype=np.float64)] for m in ws]
    r = mats[0]
    for m in mats[1:]:
        if len(m[0]) != len(r):
            return None
        r = [[sum(m[i][k] * r[k][j] for k in range(len(r))) for j in range(len(r[0]))] for i in range(len(m))]
    return r


def linear_first_order(ws: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> tuple[tolerance.Decision, dict] | None:
    """The first-order condition of a critical point of eq. (3), from the product alone, in exact arithmetic.

    With ``R = W_H ... W_1`` and ``G = (R X - Y) X^T`` (the gradient of eq. (4)'s loss at ``R``):
    ``W_1^T dL/dW_1 = R^T G`` and ``dL/dW_H W_H^T = G R^T``, so every critical point of ``L_deep`` has
    ``R^T G = 0`` and ``G R^T = 0`` -- the first-order condition of Theorem 2.1's ``R`` on the rank-constrained
    problem (section 2.1.1).  Both depend on ``R`` only, so they are invariant under every weight-space symmetry
    (``W_k -> A_k W_k A_{k-1}^{-1}``, components of ``W_{k+1}`` on the left null space of ``W_k`` ...), and they are
    computed exactly (rationals from the float64 weights): neither a drift of the factors (norms ~ 10^2 whose
    product is O(1), Hessian eigenvalues ~ 10^15 that make the certificate's gradient scale ``Lambda |w|``
    swallow any gradient) nor its cancellation in float64 can fake them.  Decided on
    ``r = max(|R^T G|, |G R^T|) / (|R| |G|)`` (0 when ``R = 0`` or ``G = 0``).  None if ``ws`` do not chain.
    """
    from fractions import Fraction

    r = exact_chain(ws)
    if r is None:
        return None
    xs = [[Fraction(float(v)) for v in row] for row in np.asarray(x, dtype=np.float64)]
    ys = [[Fraction(float(v)) for v in row] for row in np.asarray(y, dtype=np.float64)]
    if len(r[0]) != len(xs) or len(r) != len(ys):
        return None
    n, d0, dy = len(xs[0]), len(xs), len(ys)
    e = [[sum(r[i][k] * xs[k][j] for k in range(d0)) - ys[i][j] for j in range(n)] for i in range(dy)]
    g = [[sum(e[i][j] * xs[k][j] for j in range(n)) for k in range(d0)] for i in range(dy)]
    rtg = [[sum(r[i][a] * g[i][b] for i in range(dy)) for b in range(d0)] for a in range(d0)]  # R^T G
    grt = [[sum(g[a][k] * r[b][k] for k in range(d0)) for b in range(dy)] for a in range(dy)]  # G R^T

    def sq(m):
        return sum(v * v for row in m for v in row)

    nr, ng, n1, n2 = sq(r), sq(g), sq(rtg), sq(grt)
    ratio = 0.0 if nr == 0 or ng == 0 else math.sqrt(float(max(n1, n2) / (nr * ng)))
    dec = tolerance.classify(ratio, precision="exact")
    return dec, {"first_order_ratio": ratio, "product_norm": math.sqrt(float(nr)),
                 "shallow_grad_norm": math.sqrt(float(ng)), "first_order": dec.outcome}


def balanced_factorisation(net: DeepLinear, w: torch.Tensor) -> torch.Tensor:
    """A balanced factorisation of the exact product ``R`` (same ``R``, same loss up to rounding):
    ``W_1 = E_1 S^{1/H} V^T``, ``W_k = E_k S^{1/H} E_{k-1}^T``, ``W_H = U S^{1/H} E_{H-1}^T`` on the top ``d_p``
    singular triplets of ``R`` (``E_k`` the coordinate embeddings).  A fresh start for a run whose end point the
    first-order condition (:func:`linear_first_order`) certifies non-stationary although the certificate's
    float64 scale called it stationary: the factors drifted off any balanced representative."""
    ws = [m.detach().numpy() for m in net.unflatten(w)]
    rr = np.array([[float(v) for v in row] for row in exact_chain(ws)])
    if net.depth == 1:
        return net.flatten([rr])
    u, s, vt = np.linalg.svd(rr, full_matrices=False)
    k = min(net.bottleneck, len(s))
    c = s[:k] ** (1.0 / net.depth)
    out = []
    for j, (a, b) in enumerate(net.shapes()):
        m = np.zeros((a, b))
        if j == 0:
            m[:k, :] = c[:, None] * vt[:k]
        elif j == net.depth - 1:
            m[:, :k] = u[:, :k] * c[None, :]
        else:
            m[:k, :k] = np.diag(c)
        out.append(m)
    return net.flatten(out)
