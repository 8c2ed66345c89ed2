"""Jiang's disparity matrix H(w) and the gradient identity eq. (9).

Source: ``000_aea297099283b0eb.txt`` section 3.2, eq. (8)-(9), and section 3.3.

A network is given *functionally*: ``f(params, x) -> (P,)`` with ``params`` a flat
float64 tensor of ``M`` weights and ``x`` a ``(P, K)`` tensor of points of
``U^K = [0, 1]^K``.  Row ``m`` of the ``M x N`` disparity matrix is the vector of
truncated Fourier coefficients (eq. 4, ``k in box(n)``, ordered as
:func:`landscape._lib.canonical.box`) of the function ``x -> d f_w(x) / d w_m``:

    H_{m,k}(w) = int_{U^K} (d f_w / d w_m)(x) exp(-2 pi i k . x) dx = d theta_k(w) / d w_m.

It is computed by one Jacobian of ``f`` on the grid of :func:`landscape._lib.fourier.grid`
(``torch.func``: ``vmap`` over points of ``grad`` in the weights -- per-point reverse
mode, i.e. ``jacrev`` of a scalar; no Python loop over points or weights) followed by one
batched FFT (:mod:`landscape._lib.fourier`, which documents the discretisation error).

Eq. (9) and its conjugation
---------------------------
With ``Q(theta) = sum_t l(y_t, sum_k theta_k eta_k(x_t))`` (proof of Theorem 1) and
``eta_k(x) = exp(2 pi i k . x)``, the canonical gradient in eq. (8)-(9) is the plain
(holomorphic) partial derivative, each ``theta_k`` treated as an independent variable:

    (grad_theta Q)_k = dQ/dtheta_k = sum_t l'(y_t, yhat_t) eta_k(x_t)      (no conjugate)

and eq. (9) reads ``grad_w Q = H(w) grad_theta Q`` with ``H`` *not* transposed or
conjugated (``H`` is ``M x N``, the gradient ``N x 1``).  The product is real because the
rows of ``H`` are conjugate-symmetric.  (The other common convention, the Wirtinger
gradient ``2 dQ/dconj(theta) = conj(grad_theta Q)``, needs ``conj(H)`` on the left;
``H conj(grad_theta Q)`` is also real but wrong -- the tests check both.  The paper's chain
rule "grad_w Q = grad_theta Q grad_w theta" only reads correctly with the plain
derivative.)  In the real view
(``c = complex_to_real(theta)``, real features ``psi_j``) the same identity is the real
``grad_w Q = H_real(w) grad_c Q`` with ``(grad_c Q)_j = sum_t l'(y_t, yhat_t) psi_j(x_t)``.

Eq. (9) is *exact* for ``Q(F_eps(f_w))`` -- the loss of the truncated series -- as a
function of ``w`` (it is the chain rule through the linear map ``w -> theta``; the tests
check this to round-off).  Against the loss of the network itself, ``Q(f_w | D_T)``
(eq. 3), it holds only up to the truncation: the left side is
``sum_t l'(y_t, f_w(x_t)) df_w(x_t)/dw`` while the right side is
``sum_t l'(y_t, fhat_w(x_t)) S_N[df_w/dw](x_t)`` (``S_N`` = partial sum over the box).
:func:`eq9` measures the discrepancy together with both sources: the energy of
``df/dw`` outside the box and the pointwise truncation at the data.

The residual is therefore *predicted* by the pointwise truncation errors alone:

    grad_w Q - H grad_theta Q = sum_t [ l'(y_t, f_t) J_t - l'(y_t, fhat_t) (S_N J)_t ]

with ``J_t = df_w(x_t)/dw`` (the Jacobian at the data, by autograd), ``f_t = f_w(x_t)``, and
``fhat_t``, ``(S_N J)_t`` the truncated series of ``f`` and ``df/dw`` evaluated at the data
(complex features times ``theta`` / ``H``).  :func:`eq9` computes that prediction
(``residual_predicted``) on a path independent of the product it checks: the measured
residual is ``lhs - rhs_real``, the literal gradient (autograd of ``Q``) minus the *real
view* ``H_real grad_c Q`` (``fourier.to_real`` and ``canonical.real_features``), the
prediction uses the complex series and the per-point Jacobian.  :func:`eq9_agreement` is the
relative difference of the two; it is round-off whatever the truncation (an algebraic
identity), so a clear difference is a failure of eq. (9)'s decomposition as implemented:
a conjugated or transposed ``H``, columns of ``H`` out of step with the features, a wrong
real view, ``l'`` taken at the wrong outputs.  It cannot see an error common to ``H`` and
its own partial sums (a wrong FFT): that is what the exact-coefficient tests and the measured
discretisation error are for.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Sequence

import numpy as np
import torch
from torch.func import grad, jacfwd, jacrev, vmap

from landscape._lib import canonical, fourier, tolerance
from landscape._lib.errors import LandscapeError

NetworkFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Method = Literal["vmap", "jacrev", "jacfwd"]
METHODS: tuple[str, ...] = ("vmap", "jacrev", "jacfwd")
Residual = Literal["canonical", "literal"]

#: Refuse Jacobians larger than this many bytes (float64 M x P); FFT needs about as much again.
MAX_JACOBIAN_BYTES: int = 2 * 1024**3

__all__ = [
    "BATCH_BYTES", "Disparity", "DisparityBatch", "DiscretisationError", "EXACT", "Eq9", "Eq9Limit",
    "MAX_JACOBIAN_BYTES", "METHODS", "RankWithError", "canonical_gradient", "disparity", "disparity_batch",
    "disparity_refinement", "disparity_with_error", "eq9", "eq9_agreement", "eq9_limit", "evaluate", "jacobian", "literal_gradient",
    "normalised_spectrum", "rank_with_error", "relu_two_layer_exact", "relu_two_layer_exact_mp", "squared_loss",
]


# -- validation ---------------------------------------------------------------------------------------------------
def _params(params: torch.Tensor | np.ndarray) -> torch.Tensor:
    p = params if torch.is_tensor(params) else torch.as_tensor(np.asarray(params, dtype=np.float64))
    if p.is_complex() or p.ndim != 1 or p.numel() == 0:
        raise LandscapeError(f"params have shape {tuple(p.shape)} / dtype {p.dtype}; "
                             "expected a non-empty flat real (M,) tensor")
    p = p.detach().to(torch.float64)
    if not bool(torch.isfinite(p).all()):
        raise LandscapeError("params contain NaN or inf; expected finite weights")
    return p


def _points(x: torch.Tensor | np.ndarray, k_dim: int | None, name: str = "x") -> torch.Tensor:
    t = x if torch.is_tensor(x) else torch.as_tensor(np.asarray(x, dtype=np.float64))
    t = t.detach().to(torch.float64)
    if t.ndim != 2 or t.shape[0] == 0 or (k_dim is not None and t.shape[1] != k_dim):
        want = "K" if k_dim is None else str(k_dim)
        raise LandscapeError(f"{name} has shape {tuple(t.shape)}; expected (T, {want}) points of [0, 1]^{want}")
    if not bool(torch.isfinite(t).all()):
        raise LandscapeError(f"{name} contains NaN or inf; expected finite points of [0, 1]^K")
    if bool((t < 0).any()) or bool((t > 1).any()):
        lo, hi = float(t.min()), float(t.max())
        raise LandscapeError(f"{name} has coordinates in [{lo:.3g}, {hi:.3g}]; expected points of the cube [0, 1]^K "
                             "(the Fourier series represents f only there)")
    return t


def _targets(y: torch.Tensor | np.ndarray, T: int) -> torch.Tensor:
    t = y if torch.is_tensor(y) else torch.as_tensor(np.asarray(y, dtype=np.float64))
    t = t.detach().to(torch.float64)
    if t.shape != (T,):
        raise LandscapeError(f"targets have shape {tuple(t.shape)}; expected ({T},), one per data point")
    if not bool(torch.isfinite(t).all()):
        raise LandscapeError("targets contain NaN or inf; expected finite labels")
    return t


def _method(method: str) -> str:
    if method not in METHODS:
        raise LandscapeError(f"Jacobian method {method!r} is unknown; expected one of {', '.join(METHODS)}")
    return method


def _loss_fn(loss: Any) -> LossFn:
    fn = getattr(loss, "fn", loss)  # accept a landscape._lib.losses.Loss or a bare callable
    if not callable(fn):
        raise LandscapeError(f"loss {loss!r} is not callable; expected l(y, yhat) -> tensor (per point or summed)")
    return fn


def squared_loss(y: torch.Tensor, yhat: torch.Tensor) -> torch.Tensor:
    """Per-point squared loss ``(yhat - y)^2`` (summed over the data by the callers, eq. 3)."""
    return (yhat - y) ** 2


def _total(fn: LossFn, y: torch.Tensor, yhat: torch.Tensor) -> torch.Tensor:
    q = fn(y, yhat)
    if not torch.is_tensor(q):
        raise LandscapeError(f"loss returned {type(q).__name__}; expected a torch tensor")
    if q.ndim > 0:
        if q.shape != yhat.shape:
            raise LandscapeError(f"loss returned shape {tuple(q.shape)}; "
                                 f"expected a scalar or one value per point {tuple(yhat.shape)}")
        q = q.sum()
    return q


# -- network evaluation and Jacobian --------------------------------------------------------------------------------
def evaluate(f: NetworkFn, params: torch.Tensor | np.ndarray, x: torch.Tensor | np.ndarray) -> torch.Tensor:
    """``f(params, x)`` validated: a finite float64 ``(P,)`` tensor (``x`` must lie in ``[0, 1]^K``)."""
    p, t = _params(params), _points(x, None)
    with torch.no_grad():
        out = f(p, t)
    if not torch.is_tensor(out) or out.shape != (t.shape[0],) or out.is_complex():
        shape = tuple(out.shape) if torch.is_tensor(out) else type(out).__name__
        raise LandscapeError(f"network returned {shape}; expected a real ({t.shape[0]},) tensor, one value per point")
    out = out.to(torch.float64)
    if not bool(torch.isfinite(out).all()):
        raise LandscapeError("network output contains NaN or inf; expected finite values on [0, 1]^K")
    return out


def _jacobian_pm(f: NetworkFn, p: torch.Tensor, t: torch.Tensor, method: str) -> torch.Tensor:
    """The ``(P, M)`` Jacobian (points first: the layout the FFT of :mod:`fourier` wants)."""
    method = _method(method)
    evaluate(f, p, t[: min(2, t.shape[0])])  # shape / finiteness check on a small batch
    M, P = p.numel(), t.shape[0]
    if M * P * 8 > MAX_JACOBIAN_BYTES:
        raise LandscapeError(f"Jacobian of M={M} weights on P={P} points needs {M * P * 8 / 2**30:.1f} GiB; "
                             f"expected at most {MAX_JACOBIAN_BYTES / 2**30:.1f} GiB "
                             "(use a coarser grid or fewer weights)")
    try:
        if method == "vmap":
            def single(w: torch.Tensor, xi: torch.Tensor) -> torch.Tensor:
                return f(w, xi.unsqueeze(0)).reshape(())

            jac = vmap(grad(single), in_dims=(None, 0))(p, t)
        elif method == "jacrev":
            jac = jacrev(lambda w: f(w, t))(p)
        else:
            with warnings.catch_warnings():  # torch's own jvp decompositions still call torch.jit.script
                warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.*", category=DeprecationWarning)
                jac = jacfwd(lambda w: f(w, t))(p)
    except (RuntimeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LandscapeError(f"torch.func could not differentiate the network with method={method!r} ({first}); "
                             "expected a pointwise torch function f(params, x); try method='jacrev'") from None
    jac = jac.detach().to(torch.float64)
    if tuple(jac.shape) != (P, M):
        raise LandscapeError(f"Jacobian has shape {tuple(jac.shape)}; expected ({P}, {M}) -- f must return (P,)")
    if not fourier._finite(jac):
        raise LandscapeError("Jacobian contains NaN or inf; expected a network differentiable on [0, 1]^K")
    return jac


def jacobian(f: NetworkFn, params: torch.Tensor | np.ndarray, x: torch.Tensor | np.ndarray, *,
             method: Method = "vmap") -> torch.Tensor:
    """The ``(M, P)`` matrix ``d f_w(x_p) / d w_m`` with ``torch.func`` (no Python loop; a transposed view).

    ``method='vmap'`` (default): ``vmap`` over points of ``grad`` in ``w`` (per-point
    reverse mode, ``jacrev`` of a scalar) -- cost about a few batch passes; needs ``f`` to
    act pointwise (``f(w, x)[p]`` depends on ``x[p]`` only, as the paper's ``f_w(x)``
    does) and to be vmappable.  ``'jacrev'`` / ``'jacfwd'``: reverse / forward mode on the
    whole batch (cost ~ ``P`` resp. ``M`` batch passes) for functions that cannot be vmapped.
    """
    return _jacobian_pm(f, _params(params), _points(x, None), method).T


# -- the disparity matrix ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Disparity:
    """The disparity matrix H(w) of eq. (8)-(9) with its truncation data.

    ``H``: ``(M, N)`` complex, row m = coefficients of ``df/dw_m`` on ``box(n)``;
    ``outside`` / ``total``: ``(M,)`` energies of each ``df/dw_m`` outside the box / in all
    (``total``: trapezoid rule of the squares, see :mod:`landscape._lib.fourier`; exact integrals
    for ``rule = "exact"``); ``theta``: ``(N,)`` coefficients of ``f_w`` itself (``theta_eps =
    F_eps(f_w)``, section 2.3) with ``theta_outside`` / ``theta_total``; ``seconds``:
    wall-clock time of the stages (``jacobian``, ``fft``).
    """

    H: np.ndarray
    n: tuple[int, ...]
    G: int
    rule: str
    outside: np.ndarray
    total: np.ndarray
    theta: np.ndarray
    theta_outside: float
    theta_total: float
    seconds: dict[str, float]
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def M(self) -> int:
        """Number of weights (rows)."""
        return int(self.H.shape[0])

    @property
    def N(self) -> int:
        """Number of Fourier coefficients ``|N_eps| = prod(2 n_j + 1)`` (columns)."""
        return int(self.H.shape[1])

    @property
    def real(self) -> np.ndarray:
        """The real view ``(M, N)``: each row through ``canonical.complex_to_real``; same rank as ``H``."""
        if "real" not in self._cache:
            t = time.perf_counter()
            self._cache["real"] = fourier.to_real(self.H, self.n)
            self.seconds["real_view"] = time.perf_counter() - t
        return self._cache["real"]

    @property
    def row_truncation(self) -> np.ndarray:
        """``(M,)`` relative energy of ``df/dw_m`` outside the box (0 for a zero row)."""
        tot = np.where(self.total > 0, self.total, 1.0)
        return np.where(self.total > 0, self.outside / tot, 0.0)

    @property
    def truncation(self) -> float:
        """Relative energy outside the box over all rows: ``sum_m outside_m / sum_m total_m``."""
        s = float(np.sum(self.total))
        return float(np.sum(self.outside)) / s if s > 0 else 0.0

    @property
    def theta_truncation(self) -> float:
        """Relative energy of ``f_w`` itself outside the box (the eps^2 of eq. 6)."""
        return self.theta_outside / self.theta_total if self.theta_total > 0 else 0.0

    @property
    def row_norms(self) -> np.ndarray:
        """``(M,)`` Euclidean norms of the rows of the real view."""
        return np.linalg.norm(self.real, axis=1)

    def rank(self, target: int | None = None) -> tolerance.RankDecision:
        """Rank decision on the real view by the project policy (``tolerance.rank``), default target ``min(M, N)``."""
        return tolerance.rank(self.real, target=target)

    def restrict(self, n: Sequence[int]) -> "Disparity":
        """The same H on a smaller box ``n`` (``n_j <= self.n_j``): a column subset, energies re-split exactly.

        Equal to :func:`disparity` on box ``n`` with the same grid (the FFT bins are the
        same); costs no network evaluation.
        """
        n = fourier._check_n(n)
        if len(n) != len(self.n) or any(a > b for a, b in zip(n, self.n)):
            raise LandscapeError(f"box {n} is not inside the computed box {self.n}")
        index = {tuple(k): j for j, k in enumerate(canonical.box(self.n))}
        cols = np.array([index[tuple(k)] for k in canonical.box(n)])
        drop = np.setdiff1d(np.arange(self.N), cols)
        out = self.outside + np.sum(np.abs(self.H[:, drop]) ** 2, axis=1)
        th_out = self.theta_outside + float(np.sum(np.abs(self.theta[drop]) ** 2))
        return Disparity(self.H[:, cols], n, self.G, self.rule, out, self.total, self.theta[cols], th_out,
                         self.theta_total, {})

    def box_truncations(self) -> tuple[np.ndarray, np.ndarray]:
        """Relative energy outside every square sub-box ``(v,)^K``, ``v = 0..n``: of df/dw (all rows) and of f.

        Requires a square box ``n = (n_1,) * K``.  Entry ``v`` equals ``self.restrict((v,) * K)``'s
        :attr:`truncation` / :attr:`theta_truncation` (one pass over the columns, no restriction).
        """
        if len(set(self.n)) != 1:
            raise LandscapeError(f"box {self.n} is not square; expected (n,) * K")
        nmax = int(self.n[0])
        level = np.max(np.abs(canonical.box(self.n)), axis=1)
        rows = np.bincount(level, weights=np.sum(np.abs(self.H) ** 2, axis=0), minlength=nmax + 1)
        own = np.bincount(level, weights=np.abs(self.theta) ** 2, minlength=nmax + 1)
        tot, ftot = float(np.sum(self.total)), float(self.theta_total)
        out_rows = np.maximum(tot - np.cumsum(rows), 0.0)
        out_f = np.maximum(ftot - np.cumsum(own), 0.0)
        return (out_rows / tot if tot > 0 else np.zeros(nmax + 1), out_f / ftot if ftot > 0 else np.zeros(nmax + 1))

    def summary(self) -> dict[str, Any]:
        """JSON-friendly scalars (no matrices)."""
        return {"M": self.M, "N": self.N, "n": list(self.n), "G": self.G, "rule": self.rule,
                "truncation": self.truncation, "row_truncation_max": float(np.max(self.row_truncation)),
                "theta_truncation": self.theta_truncation, "seconds": dict(self.seconds)}


def disparity(f: NetworkFn, params: torch.Tensor | np.ndarray, n: Sequence[int], G: int, *,
              rule: fourier.Rule = "trapezoid", method: Method = "vmap") -> Disparity:
    """H(w) of eq. (8)-(9) for the network ``f`` at ``params`` on the ``box(n)``, FFT grid ``G``.

    The grid has ``(G + 1)^K`` (trapezoid) or ``G^K`` (periodic) points, ``K = len(n)``;
    ``G >= 2 max(n) + 1``.  See :mod:`landscape._lib.fourier` for the discretisation error and
    :func:`disparity_refinement` to measure it.
    """
    n = fourier._check_n(n)
    fourier._check_rule(rule)
    fourier._check_grid(G, n)
    p = _params(params)
    x = torch.from_numpy(fourier.grid(len(n), G, rule=rule))
    t0 = time.perf_counter()
    jac = _jacobian_pm(f, p, x, method)
    values = evaluate(f, p, x)
    t1 = time.perf_counter()
    rows = fourier.transform(jac, n, rule=rule, axis=0)
    own = fourier.transform(values, n, rule=rule)
    t2 = time.perf_counter()
    return Disparity(rows.theta, n, rows.G, rule, rows.outside, rows.total, own.theta, float(own.outside),
                     float(own.total), {"jacobian": t1 - t0, "fft": t2 - t1})


def disparity_refinement(f: NetworkFn, params: torch.Tensor | np.ndarray, n: Sequence[int], G: int, *,
                         levels: int = 2, rule: fourier.Rule = "trapezoid",
                         method: Method = "vmap") -> fourier.Refinement:
    """Measured discretisation error of H(w) on grid ``G``: the Jacobian on ``2^(levels-1) G``, sub-grids compared.

    Costs one Jacobian on the finest grid (``M (2^(levels-1) G + 1)^K`` floats).
    """
    n = fourier._check_n(n)
    fourier._check_rule(rule)
    fourier._check_grid(G, n)
    if isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or levels < 2:
        raise LandscapeError(f"levels={levels!r} is invalid; expected an integer >= 2 (at least G and 2G)")
    x = torch.from_numpy(fourier.grid(len(n), int(G) * 2 ** (levels - 1), rule=rule))
    jac = jacobian(f, _params(params), x, method=method)
    return fourier.refinement_from_values(jac, n, levels=levels, rule=rule)


# -- the discretisation error of H(w), measured, and rank decisions that respect it --------------------------------
@dataclass(frozen=True)
class DiscretisationError:
    """Measured FFT error of H(w) on grid ``G`` (the Jacobian on ``2G``, the ``G`` nodes a sub-grid of it).

    ``difference`` = ``||H_G - H_2G||_2`` (spectral norm of the real views), ``max_entry`` =
    ``max |H_G - H_2G|`` (complex entries); ``spectral`` = ``2 * difference`` estimates
    ``||H_G - H_exact||_2``: if the error behaves like ``C G^-p`` then ``err(G) = d / (1 -
    2^-p) <= 2 d`` for every order ``p >= 1`` (observed: ``p = 1`` for ReLU networks, whose
    ``df/dw`` jump inside the cube, ``p = 2`` for smooth networks, see
    :mod:`landscape._lib.fourier`), so the factor 2 is the conservative choice.  ``scale`` =
    ``||H_2G||_2``.  Exact paths (:func:`relu_two_layer_exact`) report ``G = 0`` and 0.
    """

    G: int
    difference: float
    max_entry: float
    scale: float

    @property
    def spectral(self) -> float:
        """Estimated spectral-norm error of the real view of H on grid ``G`` (absolute)."""
        return 2.0 * self.difference

    @property
    def relative(self) -> float:
        """``spectral / scale`` (0 for the zero matrix)."""
        return self.spectral / self.scale if self.scale > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"G": self.G, "fine_G": 2 * self.G, "difference": self.difference, "max_entry": self.max_entry,
                "spectral_error": self.spectral, "relative_spectral_error": self.relative, "scale": self.scale}


EXACT = DiscretisationError(0, 0.0, 0.0, 0.0)


def disparity_with_error(f: NetworkFn, params: torch.Tensor | np.ndarray, n: Sequence[int], G: int, *,
                         rule: fourier.Rule = "trapezoid",
                         method: Method = "vmap") -> tuple[Disparity, DiscretisationError]:
    """H(w) on grid ``G`` (exactly what :func:`disparity` returns) and its measured discretisation error.

    One Jacobian on the grid ``2G``; the ``G`` grid is its every-second node, so the
    ``G`` result costs no extra network evaluation (``2^K`` times the points of
    :func:`disparity`).
    """
    n = fourier._check_n(n)
    fourier._check_rule(rule)
    fourier._check_grid(G, n)
    p = _params(params)
    k_dim = len(n)
    x = torch.from_numpy(fourier.grid(k_dim, 2 * int(G), rule=rule))
    t0 = time.perf_counter()
    jac = _jacobian_pm(f, p, x, method)  # (P_fine, M)
    values = evaluate(f, p, x)
    t1 = time.perf_counter()
    jac_c = fourier._subsample(jac.T, k_dim, 2).T.contiguous()
    val_c = fourier._subsample(values, k_dim, 2)
    rows = fourier.transform(jac_c, n, rule=rule, axis=0)
    own = fourier.transform(val_c, n, rule=rule)
    fine = fourier.transform(jac, n, rule=rule, axis=0)
    t2 = time.perf_counter()
    D = Disparity(rows.theta, n, rows.G, rule, rows.outside, rows.total, own.theta, float(own.outside),
                  float(own.total), {"jacobian": t1 - t0, "fft": t2 - t1})
    real_c, real_f = D.real, fourier.to_real(fine.theta, n)
    diff = float(np.linalg.norm(real_c - real_f, 2)) if real_c.size else 0.0
    err = DiscretisationError(int(G), diff, float(np.max(np.abs(rows.theta - fine.theta))) if real_c.size else 0.0,
                              float(np.linalg.norm(real_f, 2)) if real_f.size else 0.0)
    return D, err


@dataclass(frozen=True)
class RankWithError:
    """A rank decision on a matrix known only up to an error ``error`` in spectral norm (Weyl).

    ``rank`` is the float64 decision (:func:`landscape._lib.tolerance.rank`) on the computed matrix;
    by Weyl's inequality every singular value of the exact matrix lies within ``error`` of
    the computed one, so the exact normalised ``s_target / s_1`` lies in ``[lo, hi]`` with
    ``lo = (s_t - e) / (s_1 + e)`` and ``hi = (s_t + e) / (s_1 - e)``.  ``lower`` /
    ``upper`` are the policy's decisions on ``lo`` / ``hi``.  ``full`` is True only when the
    float64 decision is "full" *and* ``lo`` is clearly non-zero; False only when the float64
    decision is "deficient" *and* ``hi`` is still zero; otherwise None: the error could
    change the decision (inconclusive).
    """

    rank: tolerance.RankDecision
    error: float
    lower: tolerance.Decision
    upper: tolerance.Decision

    @property
    def full(self) -> bool | None:
        if self.rank.full is True and self.lower.outcome == "nonzero":
            return True
        if self.rank.full is False and self.upper.outcome == "zero":
            return False
        return None

    @property
    def margin(self) -> float:
        """Decades to the threshold that decided (0 when undecided)."""
        if self.full is True:
            return min(self.rank.decision.margin, self.lower.margin)
        if self.full is False:
            return min(self.rank.decision.margin, self.upper.margin)
        return 0.0

    @property
    def error_could_change(self) -> bool:
        """True when float64 alone decides but the error interval does not."""
        return self.rank.full is not None and self.full is None

    def as_dict(self) -> dict[str, Any]:
        return {"rank": self.rank.rank, "target": self.rank.target, "full": self.full,
                "s_normalised": self.rank.s_normalised, "float64_margin": self.rank.decision.margin,
                "error": self.error, "s_lower": self.lower.value, "s_upper": self.upper.value,
                "margin": self.margin, "error_could_change": self.error_could_change}


def rank_with_error(a: np.ndarray, error: float, *, target: int | None = None,
                    singular_values: np.ndarray | None = None) -> RankWithError:
    """Decide rank ``>= target`` of ``a`` whose entries carry an error of spectral norm ``<= error``.

    ``singular_values`` (largest first) may be passed to avoid a second SVD.
    """
    a = np.asarray(a, dtype=np.float64)
    if not (np.isfinite(error) and error >= 0):
        raise LandscapeError(f"error={error!r} is invalid; expected a finite bound >= 0")
    t = min(a.shape) if target is None else int(target)
    dec = tolerance.rank(a, target=t)
    s = tolerance.singular_values(a) if singular_values is None else np.asarray(singular_values, dtype=np.float64)
    if t == 0:
        one = tolerance.classify(1.0)
        return RankWithError(dec, float(error), one, one)
    s1 = float(s[0]) if s.size else 0.0
    st_ = float(s[t - 1]) if t - 1 < s.size else 0.0
    if error == 0.0:  # exact entries: the float64 decision stands
        return RankWithError(dec, 0.0, dec.decision, dec.decision)
    if s1 + error <= tolerance.ABS_FLOOR:  # the zero matrix, up to an error below the absolute floor
        zero = tolerance.Decision(0.0, "zero", math.inf)
        return RankWithError(dec, float(error), zero, zero)
    lo = max(st_ - error, 0.0) / (s1 + error)
    hi = (st_ + error) / (s1 - error) if s1 > error else 1.0
    return RankWithError(dec, float(error), tolerance.classify(lo), tolerance.classify(min(hi, 1.0)))


def normalised_spectrum(a: np.ndarray) -> list[float]:
    """All singular values of ``a`` divided by the largest (largest first; zeros for the zero matrix)."""
    s = tolerance.singular_values(np.asarray(a, dtype=np.float64))
    if s.size == 0 or s[0] <= tolerance.ABS_FLOOR:
        return [0.0] * int(s.size)
    return [float(v) for v in s / s[0]]


# -- many weight vectors at once (training trajectories) ------------------------------------------------------------
@dataclass(frozen=True)
class DisparityBatch:
    """H(w_s) for a sequence of weights ``w_1..w_S`` (e.g. every iterate of a GD run).

    ``H``: ``(S, M, N)`` complex; ``outside`` / ``total``: ``(S, M)`` energies per row (as
    :class:`Disparity`); ``seconds``: wall-clock of the stages.
    """

    H: np.ndarray
    n: tuple[int, ...]
    G: int
    rule: str
    outside: np.ndarray
    total: np.ndarray
    seconds: dict[str, float]

    @property
    def S(self) -> int:
        return int(self.H.shape[0])

    @property
    def real(self) -> np.ndarray:
        """Real views ``(S, M, N)``."""
        return fourier.to_real(self.H, self.n, check=False)

    @property
    def truncation(self) -> np.ndarray:
        """``(S,)`` relative energy of ``df/dw`` outside the box (all rows), as :attr:`Disparity.truncation`."""
        tot = self.total.sum(axis=1)
        return np.where(tot > 0, self.outside.sum(axis=1) / np.where(tot > 0, tot, 1.0), 0.0)

    def restrict(self, n: Sequence[int]) -> "DisparityBatch":
        """The same batch on a smaller box (column subset; energies re-split exactly), as :meth:`Disparity.restrict`."""
        n = fourier._check_n(n)
        if len(n) != len(self.n) or any(a > b for a, b in zip(n, self.n)):
            raise LandscapeError(f"box {n} is not inside the computed box {self.n}")
        index = {tuple(k): j for j, k in enumerate(canonical.box(self.n))}
        cols = np.array([index[tuple(k)] for k in canonical.box(n)])
        drop = np.setdiff1d(np.arange(self.H.shape[2]), cols)
        out = self.outside + np.sum(np.abs(self.H[:, :, drop]) ** 2, axis=2)
        return DisparityBatch(self.H[:, :, cols], n, self.G, self.rule, out, self.total, dict(self.seconds))

    def __getitem__(self, s: int) -> Disparity:
        """The :class:`Disparity` of weight vector ``s`` (``theta`` of f not computed: zeros)."""
        N = self.H.shape[2]
        return Disparity(self.H[s], self.n, self.G, self.rule, self.outside[s], self.total[s],
                         np.zeros(N, dtype=np.complex128), 0.0, 0.0, {})


#: Largest Jacobian block (bytes) evaluated at once by :func:`disparity_batch`.
BATCH_BYTES: int = 256 * 1024**2


def disparity_batch(f: NetworkFn, params: torch.Tensor | np.ndarray, n: Sequence[int], G: int, *,
                    rule: fourier.Rule = "trapezoid") -> DisparityBatch:
    """H(w) for every row of ``params`` ``(S, M)``: ``vmap`` over weights of ``vmap`` over points of ``grad``.

    Same numbers as :func:`disparity` row by row (the tests check it); blocks of weight
    vectors are evaluated together so a whole training trajectory costs a few batched
    passes instead of ``S`` separate ones.
    """
    n = fourier._check_n(n)
    fourier._check_rule(rule)
    fourier._check_grid(G, n)
    p = params if torch.is_tensor(params) else torch.as_tensor(np.asarray(params, dtype=np.float64))
    p = p.detach().to(torch.float64)
    if p.ndim != 2 or p.shape[0] == 0 or p.shape[1] == 0:
        raise LandscapeError(f"params have shape {tuple(p.shape)}; expected (S, M) weight vectors, one per row")
    if not bool(torch.isfinite(p).all()):
        raise LandscapeError("params contain NaN or inf; expected finite weights")
    x = torch.from_numpy(fourier.grid(len(n), G, rule=rule))
    S, M = p.shape
    P = x.shape[0]
    evaluate(f, p[0], x[: min(2, P)])

    def single(w: torch.Tensor, xi: torch.Tensor) -> torch.Tensor:
        return f(w, xi.unsqueeze(0)).reshape(())

    per_point = vmap(grad(single), in_dims=(None, 0))
    both = vmap(per_point, in_dims=(0, None))
    block = max(1, int(BATCH_BYTES // max(1, P * M * 8)))
    Hs, outs, tots = [], [], []
    tj = tf = 0.0
    for s0 in range(0, S, block):
        t0 = time.perf_counter()
        try:
            jac = both(p[s0:s0 + block], x).detach().to(torch.float64)  # (B, P, M)
        except (RuntimeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise LandscapeError(f"torch.func could not vmap the network over weights ({first}); "
                                 "expected a pointwise torch function f(params, x)") from None
        if not fourier._finite(jac):
            raise LandscapeError("Jacobian contains NaN or inf; expected a network differentiable on [0, 1]^K")
        t1 = time.perf_counter()
        tr = fourier.transform(jac.permute(1, 0, 2), n, rule=rule, axis=0)  # (B, M, N)
        t2 = time.perf_counter()
        Hs.append(tr.theta)
        outs.append(tr.outside)
        tots.append(tr.total)
        tj += t1 - t0
        tf += t2 - t1
    return DisparityBatch(np.concatenate(Hs), n, G, rule, np.concatenate(outs), np.concatenate(tots),
                          {"jacobian": tj, "fft": tf})


# -- exact H(w) for two-layer ReLU networks on [0, 1] ---------------------------------------------------------------
def _interval_moments(lo: np.ndarray, hi: np.ndarray, ks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``I0[j, k] = int_lo^hi e^{-2 pi i k x} dx`` and ``I1[j, k] = int_lo^hi x e^{-2 pi i k x} dx`` (exact)."""
    lo, hi = lo[:, None], hi[:, None]
    k = ks[None, :].astype(np.float64)
    nz = k != 0
    alpha = np.where(nz, -2j * np.pi * k, 1.0)
    eu, el = np.exp(alpha * hi), np.exp(alpha * lo)
    i0 = np.where(nz, (eu - el) / alpha, (hi - lo) + 0j)
    i1 = np.where(nz, eu * (hi / alpha - 1 / alpha**2) - el * (lo / alpha - 1 / alpha**2), (hi**2 - lo**2) / 2 + 0j)
    empty = (hi <= lo)
    return np.where(empty, 0, i0), np.where(empty, 0, i1)


def _linear_energy(p: np.ndarray, q: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``int_lo^hi (p x + q)^2 dx`` (0 on empty intervals)."""
    e = p**2 * (hi**3 - lo**3) / 3 + p * q * (hi**2 - lo**2) + q**2 * (hi - lo)
    return np.where(hi > lo, e, 0.0)


def _relu_two_layer_params(params: torch.Tensor | np.ndarray, n: Sequence[int]) -> tuple[tuple[int, ...], np.ndarray, int]:
    """Validate the box (K = 1) and the flat weights ``(w_1, b_1, ..., w_m, b_m, a_1..a_m)``; returns ``(n, v, m)``."""
    n = fourier._check_n(n)
    if len(n) != 1:
        raise LandscapeError(f"box {n} has K = {len(n)}; the exact ReLU path is for K = 1")
    v = _params(params).numpy()
    if v.size % 3:
        raise LandscapeError(f"{v.size} parameters do not form a K = 1 two-layer network; expected M = 3 m")
    return n, v, v.size // 3


def relu_two_layer_exact(params: torch.Tensor | np.ndarray, n: Sequence[int]) -> Disparity:
    """Exact H(w) (closed-form eq. 4 integrals, no grid) for ``f(x) = sum_j a_j relu(w_j x + b_j)`` on [0, 1].

    K = 1 only.  Flat layout (that of :class:`~landscape._lib.networks.mlp.MLP` with bias, one
    hidden layer, no output bias): ``(w_1, b_1, ..., w_m, b_m, a_1, ..., a_m)``, M = 3 m.
    With ``A_j = {x in [0,1] : w_j x + b_j > 0}`` (an interval) the rows are the
    coefficients of ``a_j x 1_{A_j}``, ``a_j 1_{A_j}`` and ``(w_j x + b_j) 1_{A_j}``; the
    energies are exact integrals of the squares (f itself: piecewise linear between the
    breakpoints ``-b_j / w_j``).  The result has ``G = 0`` and ``rule = "exact"``; its only
    error is round-off.  Used to decide ranks of ReLU networks, whose FFT error is first
    order, and to measure that error.
    """
    n, v, m = _relu_two_layer_params(params, n)
    wb = v[: 2 * m].reshape(m, 2)
    w, b, a = wb[:, 0], wb[:, 1], v[2 * m:]
    t0 = time.perf_counter()
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(w != 0, -b / np.where(w != 0, w, 1.0), 0.0)
    lo = np.where(w > 0, np.clip(c, 0, 1), 0.0)
    hi = np.where(w < 0, np.clip(c, 0, 1), 1.0)
    flat = w == 0
    lo = np.where(flat, 0.0, lo)
    hi = np.where(flat, np.where(b > 0, 1.0, 0.0), hi)
    ks = canonical.box(n)[:, 0]
    i0, i1 = _interval_moments(lo, hi, ks)
    H = np.empty((3 * m, ks.size), dtype=np.complex128)
    tot = np.empty(3 * m)
    H[0: 2 * m: 2] = a[:, None] * i1
    H[1: 2 * m: 2] = a[:, None] * i0
    H[2 * m:] = w[:, None] * i1 + b[:, None] * i0
    zeros = np.zeros(m)
    tot[0: 2 * m: 2] = _linear_energy(a, zeros, lo, hi)
    tot[1: 2 * m: 2] = _linear_energy(zeros, a, lo, hi)
    tot[2 * m:] = _linear_energy(w, b, lo, hi)
    inside = np.sum(np.abs(H) ** 2, axis=1)
    out = np.maximum(tot - inside, 0.0)
    theta = (a[:, None] * H[2 * m:]).sum(axis=0)
    brk = np.unique(np.concatenate([[0.0, 1.0], lo, hi]))
    f_tot = 0.0
    for l_, u_ in zip(brk[:-1], brk[1:]):
        if u_ <= l_:
            continue
        mid = 0.5 * (l_ + u_)
        act = (w * mid + b) > 0
        f_tot += float(_linear_energy(np.array([np.sum(a[act] * w[act])]), np.array([np.sum(a[act] * b[act])]),
                                      np.array([l_]), np.array([u_]))[0])
    f_out = max(f_tot - float(np.sum(np.abs(theta) ** 2)), 0.0)
    return Disparity(H, n, 0, "exact", out, tot, theta, f_out, f_tot, {"exact": time.perf_counter() - t0})


def relu_two_layer_exact_mp(params: torch.Tensor | np.ndarray, n: Sequence[int], dps: int):
    """The real view of :func:`relu_two_layer_exact`'s H, up to column scaling, as an ``mpmath.matrix`` at ``dps`` digits.

    Same closed-form integrals, evaluated in multiple precision from the exact float64
    weights; columns ``Re H_0`` and ``Re H_k, Im H_k`` (``k = 1..n``), which span the same
    column space as :attr:`Disparity.real` (a column scaling of it: same rank).  For
    ``tolerance.rank(..., exact=lambda d: relu_two_layer_exact_mp(w, n, d))``.
    """
    import mpmath

    n, v, m = _relu_two_layer_params(params, n)
    with mpmath.workdps(dps):
        rows = []
        cols: list[list] = [[] for _ in range(3 * m)]
        for j in range(m):
            w, b, a = (mpmath.mpf(float(t)) for t in (v[2 * j], v[2 * j + 1], v[2 * m + j]))
            if w == 0:
                lo, hi = mpmath.mpf(0), (mpmath.mpf(1) if b > 0 else mpmath.mpf(0))
            else:
                c = -b / w
                c = min(max(c, mpmath.mpf(0)), mpmath.mpf(1))
                lo, hi = (c, mpmath.mpf(1)) if w > 0 else (mpmath.mpf(0), c)
            for k in range(int(n[0]) + 1):
                if hi <= lo:
                    i0 = i1 = mpmath.mpc(0)
                elif k == 0:
                    i0, i1 = mpmath.mpc(hi - lo), mpmath.mpc((hi**2 - lo**2) / 2)
                else:
                    al = mpmath.mpc(0, -2 * mpmath.pi * k)
                    eu, el = mpmath.exp(al * hi), mpmath.exp(al * lo)
                    i0 = (eu - el) / al
                    i1 = eu * (hi / al - 1 / al**2) - el * (lo / al - 1 / al**2)
                for r, val in ((2 * j, a * i1), (2 * j + 1, a * i0), (2 * m + j, w * i1 + b * i0)):
                    cols[r].extend([val.real] if k == 0 else [val.real, val.imag])
        rows = cols
        return mpmath.matrix(rows)


# -- eq. (9) ----------------------------------------------------------------------------------------------------------
def literal_gradient(f: NetworkFn, params: torch.Tensor | np.ndarray, x: torch.Tensor | np.ndarray,
                     y: torch.Tensor | np.ndarray, *, loss: Any = squared_loss) -> np.ndarray:
    """Left side of eq. (9): ``grad_w Q(f_w | D_T)``, ``Q = sum_t l(y_t, f_w(x_t))`` (eq. 3), by autograd."""
    p = _params(params)
    t = _points(x, None, "data x")
    yt = _targets(y, t.shape[0])
    evaluate(f, p, t)
    fn = _loss_fn(loss)
    w = p.clone().requires_grad_(True)
    q = _total(fn, yt, f(w, t))
    (g,) = torch.autograd.grad(q, w, allow_unused=True)
    if g is None:
        return np.zeros(p.numel())
    return g.detach().numpy().astype(np.float64)


def canonical_gradient(theta: np.ndarray, x: torch.Tensor | np.ndarray, y: torch.Tensor | np.ndarray,
                       n: Sequence[int], *, loss: Any = squared_loss,
                       yhat: np.ndarray | torch.Tensor | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``grad_theta Q`` (complex, ``(N,)``, plain derivative, no conjugate) and ``grad_c Q`` (real view).

    ``Q(theta) = sum_t l(y_t, F^-1(x_t | theta))`` (eq. 7 with the truncated series); the
    residual ``l'`` is taken at ``yhat`` if given (e.g. the network's own outputs) and at
    the series' values ``Re sum_k theta_k eta_k(x_t)`` otherwise.
    """
    n = fourier._check_n(n)
    N = len(canonical.box(n))
    theta = np.asarray(theta, dtype=np.complex128)
    if theta.shape != (N,) or not np.all(np.isfinite(theta)):
        raise LandscapeError(f"theta has shape {theta.shape}; expected finite ({N},) coefficients for box {n}")
    t = _points(x, len(n), "data x")
    yt = _targets(y, t.shape[0])
    xs = t.numpy()
    E = canonical.complex_features(xs, n)
    R = canonical.real_features(xs, n)
    if yhat is None:
        yh = torch.from_numpy(np.ascontiguousarray((E @ theta).real))
    else:
        yh = (yhat if torch.is_tensor(yhat) else torch.as_tensor(np.asarray(yhat, dtype=np.float64))).detach()
        yh = yh.to(torch.float64)
        if yh.shape != yt.shape:
            raise LandscapeError(f"yhat has shape {tuple(yh.shape)}; expected {tuple(yt.shape)}")
    yh = yh.clone().requires_grad_(True)
    q = _total(_loss_fn(loss), yt, yh)
    (r,) = torch.autograd.grad(q, yh, allow_unused=True)
    r = np.zeros(yt.shape[0]) if r is None else r.detach().numpy()
    return E.T @ r, R.T @ r


@dataclass(frozen=True)
class Eq9:
    """Both sides of eq. (9) at one ``w`` and their discrepancy, with the truncation measured alongside.

    ``lhs`` = ``grad_w Q(f_w | D_T)`` (autograd); ``rhs`` = ``Re(H(w) grad_theta Q)``;
    ``rhs_real`` = ``H_real(w) grad_c Q`` (identical up to round-off: ``views``);
    ``imag`` = ``||Im(H grad_theta Q)||`` (round-off); ``discrepancy`` =
    ``||lhs - rhs|| / max(||lhs||, ||rhs||)`` (``discrepancy_abs`` unnormalised);
    ``truncation`` / ``truncation_max``: relative energy of ``df/dw`` outside the box (all
    rows / worst row); ``pointwise_truncation``: ``||J_D - S_N J_D||_F / ||J_D||_F`` with
    ``J_D`` the Jacobian at the data; ``value_truncation``: ``max_t |f_w - fhat_w|(x_t) /
    max_t |f_w(x_t)|``; ``loss_literal`` = ``Q(f_w|D_T)``, ``loss_canonical`` =
    ``Q(theta_eps|D_T)``; ``residual``: where ``l'`` is evaluated on the right side
    (``canonical``: at ``fhat_w(x_t)``, the paper; ``literal``: at ``f_w(x_t)``);
    ``residual_predicted``: ``sum_t [l'(y_t, f_t) J_t - l'(y_t, fhat_t) (S_N J)_t]`` from the
    pointwise truncation errors (module docstring); ``agreement``:
    :func:`eq9_agreement` of ``lhs - rhs_real`` and that prediction.
    """

    lhs: np.ndarray
    rhs: np.ndarray
    rhs_real: np.ndarray
    grad_theta: np.ndarray
    grad_c: np.ndarray
    residual: str
    discrepancy_abs: float
    discrepancy: float
    views: float
    imag: float
    truncation: float
    truncation_max: float
    pointwise_truncation: float
    value_truncation: float
    loss_literal: float
    loss_canonical: float
    disparity: Disparity
    residual_predicted: np.ndarray = field(default_factory=lambda: np.zeros(0))
    agreement: float = 0.0

    def summary(self) -> dict[str, Any]:
        """JSON-friendly scalars."""
        return {"residual": self.residual, "M": self.disparity.M, "N": self.disparity.N, "n": list(self.disparity.n),
                "G": self.disparity.G, "rule": self.disparity.rule, "discrepancy": self.discrepancy,
                "discrepancy_abs": self.discrepancy_abs, "views": self.views, "imag": self.imag,
                "truncation": self.truncation, "truncation_max": self.truncation_max,
                "pointwise_truncation": self.pointwise_truncation, "value_truncation": self.value_truncation,
                "loss_literal": self.loss_literal, "loss_canonical": self.loss_canonical,
                "lhs_norm": float(np.linalg.norm(self.lhs)), "rhs_norm": float(np.linalg.norm(self.rhs)),
                "residual_predicted_norm": float(np.linalg.norm(self.residual_predicted)),
                "agreement": self.agreement}


def eq9_agreement(lhs: np.ndarray, rhs: np.ndarray, predicted: np.ndarray) -> float:
    """``||(lhs - rhs) - predicted|| / max(||lhs||, ||rhs||, ||predicted||)``: how far the measured residual of
    eq. (9) is from the one predicted by the pointwise truncation errors (0 when all three vanish).

    Decided by the tolerance policy (``classify``): round-off for a correct implementation of
    eq. (9), whatever N and wherever the data (module docstring)."""
    lhs, rhs, predicted = (np.asarray(v, dtype=np.float64) for v in (lhs, rhs, predicted))
    if not (lhs.shape == rhs.shape == predicted.shape):
        raise LandscapeError(f"shapes {lhs.shape}, {rhs.shape}, {predicted.shape} differ; expected three (M,) vectors")
    den = max(float(np.linalg.norm(lhs)), float(np.linalg.norm(rhs)), float(np.linalg.norm(predicted)))
    return float(np.linalg.norm(lhs - rhs - predicted)) / den if den > 0 else 0.0


def eq9(f: NetworkFn, params: torch.Tensor | np.ndarray, x: torch.Tensor | np.ndarray,
        y: torch.Tensor | np.ndarray, n: Sequence[int], G: int, *, loss: Any = squared_loss,
        residual: Residual = "canonical", rule: fourier.Rule = "trapezoid", method: Method = "vmap",
        precomputed: Disparity | None = None) -> Eq9:
    """Evaluate both sides of eq. (9), ``grad_w Q = H(w) grad_theta Q``, on data ``D_T = (x, y)``.

    ``x``: ``(T, K)`` points of ``[0, 1]^K``; ``y``: ``(T,)``; ``loss``: ``l(y, yhat)``
    (per point, summed; a ``landscape._lib.losses.Loss`` is accepted).  ``precomputed`` reuses a
    :class:`Disparity` for the same ``f``, ``params``, ``n``, ``G``, ``rule``.
    """
    n = fourier._check_n(n)
    if residual not in ("canonical", "literal"):
        raise LandscapeError(f"residual={residual!r} is unknown; expected 'canonical' (the paper) or 'literal'")
    p = _params(params)
    t = _points(x, len(n), "data x")
    yt = _targets(y, t.shape[0])
    if precomputed is None:
        D = disparity(f, p, n, G, rule=rule, method=method)
    else:
        D = precomputed
        if D.n != n or D.G != int(G) or D.rule != rule or D.M != p.numel():
            raise LandscapeError(f"precomputed disparity has n={D.n}, G={D.G}, rule={D.rule}, M={D.M}; "
                                 f"expected n={n}, G={G}, rule={rule}, M={p.numel()}")
    lhs = literal_gradient(f, p, t, yt, loss=loss)
    f_data = evaluate(f, p, t).numpy()
    xs = t.numpy()
    E = canonical.complex_features(xs, n)
    fhat = (E @ D.theta).real
    g, gc = canonical_gradient(D.theta, t, yt, n, loss=loss, yhat=f_data if residual == "literal" else None)
    hg = D.H @ g
    rhs = hg.real
    rhs_real = D.real @ gc
    diff = float(np.linalg.norm(lhs - rhs))
    den = max(float(np.linalg.norm(lhs)), float(np.linalg.norm(rhs)))
    jd = jacobian(f, p, t, method=method).numpy()
    partial = (D.H @ E.T).real
    jn = float(np.linalg.norm(jd))
    fn = _loss_fn(loss)
    with torch.no_grad():
        q_lit = float(_total(fn, yt, torch.from_numpy(f_data)))
        q_can = float(_total(fn, yt, torch.from_numpy(np.ascontiguousarray(fhat))))
    fmax = float(np.max(np.abs(f_data)))
    # the residual predicted by the pointwise truncation errors (module docstring): l' at f_t and at fhat_t (or f_t)
    def lprime(at: np.ndarray) -> np.ndarray:
        yh = torch.from_numpy(np.ascontiguousarray(at)).clone().requires_grad_(True)
        (r_,) = torch.autograd.grad(_total(fn, yt, yh), yh, allow_unused=True)
        return np.zeros(yt.shape[0]) if r_ is None else r_.detach().numpy()

    r_lit = lprime(f_data)
    r_hat = r_lit if residual == "literal" else lprime(fhat)
    predicted = jd @ r_lit - partial @ r_hat
    return Eq9(
        lhs=lhs, rhs=rhs, rhs_real=rhs_real, grad_theta=g, grad_c=gc, residual=residual,
        discrepancy_abs=diff, discrepancy=diff / den if den > 0 else 0.0,
        views=float(np.linalg.norm(rhs - rhs_real)), imag=float(np.linalg.norm(hg.imag)),
        truncation=D.truncation, truncation_max=float(np.max(D.row_truncation)),
        pointwise_truncation=float(np.linalg.norm(jd - partial)) / jn if jn > 0 else 0.0,
        value_truncation=float(np.max(np.abs(f_data - fhat))) / fmax if fmax > 0 else 0.0,
        loss_literal=q_lit, loss_canonical=q_can, disparity=D,
        residual_predicted=predicted, agreement=eq9_agreement(lhs, rhs_real, predicted),
    )


# -- the N -> infinity limit of the right side of eq. (9) -----------------------------------------------------------
@dataclass(frozen=True)
class Eq9Limit:
    """Both sides of eq. (9) in the limit N -> infinity (square boxes), computed analytically.

    For a network continuous on the closed cube with piecewise smooth derivatives (every
    smooth activation), the square partial sums of the Fourier series of ``g`` (``f`` or
    ``df/dw_m``) converge at an interior point to ``g(x)`` and at a point with ``j``
    coordinates on a face (``x_i in {0, 1}``) to the average of ``g`` over the ``2^j``
    points obtained by setting each of those coordinates to 0 and to 1 (the periodic
    extension jumps across the face; each side contributes half per axis).  Hence

        lim_N H_N(w) grad_theta Q_N = sum_t l'(y_t, fbar(x_t)) gbar(x_t)        (canonical residual)

    with ``fbar``, ``gbar`` those averages (``l'`` at ``f(x_t)`` for the literal residual).
    ``lhs`` = ``grad_w Q(f_w | D_T)``; ``discrepancy`` = ``||lhs - rhs|| / max(||lhs||,
    ||rhs||)`` -- 0 up to round-off when no data point is on a face; ``on_faces``: ``(T,)``;
    ``f_values`` / ``f_limits``: ``f(x_t)`` and ``fbar(x_t)``.
    """

    lhs: np.ndarray
    rhs: np.ndarray
    discrepancy: float
    on_faces: np.ndarray
    f_values: np.ndarray
    f_limits: np.ndarray

    def summary(self) -> dict[str, Any]:
        return {"limit_discrepancy": self.discrepancy, "points_on_faces": int(np.sum(self.on_faces)),
                "max_face_jump": float(np.max(np.abs(self.f_values - self.f_limits))) if self.f_values.size else 0.0}


def _reflections(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All points obtained from the rows of ``x`` by setting each face coordinate to 0 and 1; owner index."""
    pts, owner = [], []
    for t, p in enumerate(x):
        face = [j for j, v in enumerate(p) if v == 0.0 or v == 1.0]
        for bits in range(2 ** len(face)):
            q = p.copy()
            for i, j in enumerate(face):
                q[j] = float((bits >> i) & 1)
            pts.append(q)
            owner.append(t)
    return np.array(pts), np.array(owner)


def eq9_limit(f: NetworkFn, params: torch.Tensor | np.ndarray, x: torch.Tensor | np.ndarray,
              y: torch.Tensor | np.ndarray, *, loss: Any = squared_loss,
              residual: Residual = "canonical", method: Method = "vmap") -> Eq9Limit:
    """The analytic N -> infinity limit of eq. (9) at data ``(x, y)`` (see :class:`Eq9Limit`)."""
    if residual not in ("canonical", "literal"):
        raise LandscapeError(f"residual={residual!r} is unknown; expected 'canonical' (the paper) or 'literal'")
    p = _params(params)
    t = _points(x, None, "data x")
    yt = _targets(y, t.shape[0])
    xs = t.numpy()
    pts, owner = _reflections(xs)
    T = xs.shape[0]
    counts = np.bincount(owner, minlength=T).astype(np.float64)
    vals = evaluate(f, p, torch.from_numpy(pts)).numpy()
    jac = jacobian(f, p, torch.from_numpy(pts), method=method).numpy()  # (M, P)
    fbar = np.bincount(owner, weights=vals, minlength=T) / counts
    gbar = np.stack([np.bincount(owner, weights=row, minlength=T) for row in jac]) / counts  # (M, T)
    f_data = evaluate(f, p, t).numpy()
    lhs = literal_gradient(f, p, t, yt, loss=loss)
    at = f_data if residual == "literal" else fbar
    yh = torch.from_numpy(np.ascontiguousarray(at)).clone().requires_grad_(True)
    q = _total(_loss_fn(loss), yt, yh)
    (r,) = torch.autograd.grad(q, yh, allow_unused=True)
    r = np.zeros(T) if r is None else r.detach().numpy()
    rhs = gbar @ r
    den = max(float(np.linalg.norm(lhs)), float(np.linalg.norm(rhs)))
    disc = float(np.linalg.norm(lhs - rhs)) / den if den > 0 else 0.0
    return Eq9Limit(lhs, rhs, disc, counts > 1, f_data, fbar)
