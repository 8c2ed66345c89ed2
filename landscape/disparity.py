"""Jiang's disparity matrix H(w) and the gradient identity eq. (9).

Source: ``000_aea297099283b0eb.txt`` section 3.2, eq. (8)-(9), and section 3.3.

A network is given *functionally*: ``f(params, x) -> (P,)`` with ``params`` a flat
float64 tensor of ``M`` weights and ``x`` a ``(P, K)`` tensor of points of
``U^K = [0, 1]^K``.  Row ``m`` of the ``M x N`` disparity matrix is the vector of
truncated Fourier coefficients (eq. 4, ``k in box(n)``, ordered as
:func:`landscape.canonical.box`) of the function ``x -> d f_w(x) / d w_m``:

    H_{m,k}(w) = int_{U^K} (d f_w / d w_m)(x) exp(-2 pi i k . x) dx = d theta_k(w) / d w_m.

It is computed by one Jacobian of ``f`` on the grid of :func:`landscape.fourier.grid`
(``torch.func``: ``vmap`` over points of ``grad`` in the weights -- per-point reverse
mode, i.e. ``jacrev`` of a scalar; no Python loop over points or weights) followed by one
batched FFT (:mod:`landscape.fourier`, which documents the discretisation error).

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
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Sequence

import numpy as np
import torch
from torch.func import grad, jacfwd, jacrev, vmap

from . import canonical, fourier, tolerance
from .errors import LandscapeError

NetworkFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Method = Literal["vmap", "jacrev", "jacfwd"]
METHODS: tuple[str, ...] = ("vmap", "jacrev", "jacfwd")
Residual = Literal["canonical", "literal"]

#: Refuse Jacobians larger than this many bytes (float64 M x P); FFT needs about as much again.
MAX_JACOBIAN_BYTES: int = 2 * 1024**3

__all__ = [
    "Disparity", "Eq9", "MAX_JACOBIAN_BYTES", "METHODS", "canonical_gradient", "disparity", "disparity_refinement",
    "eq9", "evaluate", "jacobian", "literal_gradient", "squared_loss",
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
    fn = getattr(loss, "fn", loss)  # accept a landscape.losses.Loss or a bare callable
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
    ``outside`` / ``total``: ``(M,)`` discrete energies of each ``df/dw_m`` outside the box /
    in all FFT bins; ``theta``: ``(N,)`` coefficients of ``f_w`` itself (``theta_eps =
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

    def summary(self) -> dict[str, Any]:
        """JSON-friendly scalars (no matrices)."""
        return {"M": self.M, "N": self.N, "n": list(self.n), "G": self.G, "rule": self.rule,
                "truncation": self.truncation, "row_truncation_max": float(np.max(self.row_truncation)),
                "theta_truncation": self.theta_truncation, "seconds": dict(self.seconds)}


def disparity(f: NetworkFn, params: torch.Tensor | np.ndarray, n: Sequence[int], G: int, *,
              rule: fourier.Rule = "trapezoid", method: Method = "vmap") -> Disparity:
    """H(w) of eq. (8)-(9) for the network ``f`` at ``params`` on the ``box(n)``, FFT grid ``G``.

    The grid has ``(G + 1)^K`` (trapezoid) or ``G^K`` (periodic) points, ``K = len(n)``;
    ``G >= 2 max(n) + 1``.  See :mod:`landscape.fourier` for the discretisation error and
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
    (``canonical``: at ``fhat_w(x_t)``, the paper; ``literal``: at ``f_w(x_t)``).
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

    def summary(self) -> dict[str, Any]:
        """JSON-friendly scalars."""
        return {"residual": self.residual, "M": self.disparity.M, "N": self.disparity.N, "n": list(self.disparity.n),
                "G": self.disparity.G, "rule": self.disparity.rule, "discrepancy": self.discrepancy,
                "discrepancy_abs": self.discrepancy_abs, "views": self.views, "imag": self.imag,
                "truncation": self.truncation, "truncation_max": self.truncation_max,
                "pointwise_truncation": self.pointwise_truncation, "value_truncation": self.value_truncation,
                "loss_literal": self.loss_literal, "loss_canonical": self.loss_canonical,
                "lhs_norm": float(np.linalg.norm(self.lhs)), "rhs_norm": float(np.linalg.norm(self.rhs))}


def eq9(f: NetworkFn, params: torch.Tensor | np.ndarray, x: torch.Tensor | np.ndarray,
        y: torch.Tensor | np.ndarray, n: Sequence[int], G: int, *, loss: Any = squared_loss,
        residual: Residual = "canonical", rule: fourier.Rule = "trapezoid", method: Method = "vmap",
        precomputed: Disparity | None = None) -> Eq9:
    """Evaluate both sides of eq. (9), ``grad_w Q = H(w) grad_theta Q``, on data ``D_T = (x, y)``.

    ``x``: ``(T, K)`` points of ``[0, 1]^K``; ``y``: ``(T,)``; ``loss``: ``l(y, yhat)``
    (per point, summed; a ``landscape.losses.Loss`` is accepted).  ``precomputed`` reuses a
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
    return Eq9(
        lhs=lhs, rhs=rhs, rhs_real=rhs_real, grad_theta=g, grad_c=gc, residual=residual,
        discrepancy_abs=diff, discrepancy=diff / den if den > 0 else 0.0,
        views=float(np.linalg.norm(rhs - rhs_real)), imag=float(np.linalg.norm(hg.imag)),
        truncation=D.truncation, truncation_max=float(np.max(D.row_truncation)),
        pointwise_truncation=float(np.linalg.norm(jd - partial)) / jn if jn > 0 else 0.0,
        value_truncation=float(np.max(np.abs(f_data - fhat))) / fmax if fmax > 0 else 0.0,
        loss_literal=q_lit, loss_canonical=q_can, disparity=D,
    )
