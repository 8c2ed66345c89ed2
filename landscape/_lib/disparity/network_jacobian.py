"""A network given functionally, ``f(params, x) -> (P,)`` on points of ``[0, 1]^K``: input validation,
evaluation and the Jacobian ``d f_w(x_p) / d w_m`` by ``torch.func`` -- the inputs of Jiang's
disparity matrix (``000_aea297099283b0eb.txt`` section 3.2; :mod:`landscape._lib.disparity`).
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Literal

import numpy as np
import torch
from torch.func import grad, jacfwd, jacrev, vmap

from landscape._lib import fourier
from landscape._lib.errors import LandscapeError

NetworkFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Method = Literal["vmap", "jacrev", "jacfwd"]
METHODS: tuple[str, ...] = ("vmap", "jacrev", "jacfwd")
Residual = Literal["canonical", "literal"]

#: Refuse Jacobians larger than this many bytes (float64 M x P); FFT needs about as much again.
MAX_JACOBIAN_BYTES: int = 2 * 1024**3


# -- validation ---------------------------------------------------------------------------------------------------
def check_params(params: torch.Tensor | np.ndarray) -> torch.Tensor:
    """The weights as a finite flat float64 ``(M,)`` tensor (detached); :class:`LandscapeError` otherwise."""
    p = params if torch.is_tensor(params) else torch.as_tensor(np.asarray(params, dtype=np.float64))
    if p.is_complex() or p.ndim != 1 or p.numel() == 0:
        raise LandscapeError(f"params have shape {tuple(p.shape)} / dtype {p.dtype}; "
                             "expected a non-empty flat real (M,) tensor")
    p = p.detach().to(torch.float64)
    if not bool(torch.isfinite(p).all()):
        raise LandscapeError("params contain NaN or inf; expected finite weights")
    return p


def check_points(x: torch.Tensor | np.ndarray, k_dim: int | None, name: str = "x") -> torch.Tensor:
    """``x`` as a finite float64 ``(T, K)`` tensor of points of ``[0, 1]^K`` (``K = k_dim`` if given);
    :class:`LandscapeError` (naming ``name``) otherwise."""
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


def check_targets(y: torch.Tensor | np.ndarray, T: int) -> torch.Tensor:
    """The labels as a finite float64 ``(T,)`` tensor, one per data point; :class:`LandscapeError` otherwise."""
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


def loss_callable(loss: Any) -> LossFn:
    """The callable ``l(y, yhat)`` of ``loss`` (a :class:`landscape._lib.losses.Loss` or a bare callable)."""
    fn = getattr(loss, "fn", loss)  # accept a landscape._lib.losses.Loss or a bare callable
    if not callable(fn):
        raise LandscapeError(f"loss {loss!r} is not callable; expected l(y, yhat) -> tensor (per point or summed)")
    return fn


def squared_loss(y: torch.Tensor, yhat: torch.Tensor) -> torch.Tensor:
    """Per-point squared loss ``(yhat - y)^2`` (summed over the data by the callers, eq. 3)."""
    return (yhat - y) ** 2


def total_loss(fn: LossFn, y: torch.Tensor, yhat: torch.Tensor) -> torch.Tensor:
    """``Q = sum_t l(y_t, yhat_t)`` (eq. 3): ``fn``'s value, summed when it returns one value per point."""
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
    p, t = check_params(params), check_points(x, None)
    with torch.no_grad():
        out = f(p, t)
    if not torch.is_tensor(out) or out.shape != (t.shape[0],) or out.is_complex():
        shape = tuple(out.shape) if torch.is_tensor(out) else type(out).__name__
        raise LandscapeError(f"network returned {shape}; expected a real ({t.shape[0]},) tensor, one value per point")
    out = out.to(torch.float64)
    if not bool(torch.isfinite(out).all()):
        raise LandscapeError("network output contains NaN or inf; expected finite values on [0, 1]^K")
    return out


def jacobian_points_first(f: NetworkFn, p: torch.Tensor, t: torch.Tensor, method: str) -> torch.Tensor:
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
    if not fourier.finite(jac):
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
    return jacobian_points_first(f, check_params(params), check_points(x, None), method).T
