"""Optimisers on a flat float64 parameter vector: full-batch gradient descent and L-BFGS.

Used by claims that train networks (Jiang's Theorem 2 and Lemma 1 stationary points).
Every run records its loss history (and optional probes at a stride) so the report can
plot it; nothing here decides a verdict.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np
import scipy.optimize
import torch

LossFn = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class Run:
    """A training run: final point, losses, gradient norms, probes recorded at a stride."""

    w: torch.Tensor
    losses: list[float]
    grad_norms: list[float]
    steps: list[int]
    probes: list[Any] = field(default_factory=list)


def value_and_grad(loss: LossFn, w: torch.Tensor) -> tuple[float, torch.Tensor]:
    v = w.detach().clone().requires_grad_(True)
    val = loss(v)
    (g,) = torch.autograd.grad(val, v)
    return float(val.detach()), g.detach()


def gradient_descent(loss: LossFn, w0: torch.Tensor, *, lr: float, steps: int, stride: int = 10,
                     probe: Callable[[torch.Tensor], Any] | None = None) -> Run:
    """Full-batch GD ``w <- w - lr grad`` (Jiang's Algorithm 1 with one mini-batch, fixed step)."""
    w = w0.detach().clone()
    run = Run(w, [], [], [])
    for k in range(steps + 1):
        val, g = value_and_grad(loss, w)
        if k % stride == 0 or k == steps:
            run.losses.append(val)
            run.grad_norms.append(float(g.norm()))
            run.steps.append(k)
            if probe is not None:
                run.probes.append(probe(w))
        if k < steps:
            w = w - lr * g
    run.w = w
    return run


def _openblas_handles() -> list[tuple[Callable, Callable]]:
    """(get, set) thread-count functions of every OpenBLAS loaded in this process (numpy's and scipy's).

    Found through ``/proc/self/maps`` and ctypes, as threadpoolctl does (not a dependency);
    empty where that is unavailable (non-Linux), and then nothing is changed.
    """
    handles = []
    try:
        with open("/proc/self/maps") as fh:
            paths = sorted({line.split()[-1] for line in fh if line.strip()})
    except OSError:
        return handles
    for p in paths:
        name = p.split("/")[-1].lower()
        if "openblas" not in name or ".so" not in name:
            continue
        try:
            lib = ctypes.CDLL(p)
        except OSError:
            continue
        for get, set_ in (("openblas_get_num_threads", "openblas_set_num_threads"),
                          ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
                          ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads")):
            g, s_ = getattr(lib, get, None), getattr(lib, set_, None)
            if g is not None and s_ is not None:
                handles.append((g, s_))
                break
    return handles


@contextlib.contextmanager
def blas_threads(n: int = 1) -> Iterator[None]:
    """Run the block with OpenBLAS limited to ``n`` threads (restored afterwards).

    scipy's L-BFGS-B calls OpenBLAS on tiny vectors; with OpenBLAS' thread pool on a loaded
    2-core machine each call costs ~1.6 ms instead of microseconds (measured: Jiang's split
    fixtures took 22.7 s with the default 2 threads and 1.4 s with one).  The arithmetic of
    these small problems is not threaded, so the results do not depend on it beyond round-off.
    """
    import scipy.optimize  # noqa: F401 - make sure scipy's OpenBLAS is loaded before looking for it

    handles = _openblas_handles()
    old = []
    for g, s_ in handles:
        try:
            old.append((s_, int(g())))
            s_(int(n))
        except Exception:  # noqa: BLE001 - a foreign symbol with another signature: leave it alone
            continue
    try:
        yield
    finally:
        for s_, v in old:
            s_(v)


def lbfgs(loss: LossFn, w0: torch.Tensor, *, max_iter: int, history_size: int = 20) -> Run:
    """torch L-BFGS (strong Wolfe, float64) for at most ``max_iter`` iterations from ``w0``.

    Used for cheap witnesses (e.g. a lower attained loss).  Returns the final point with its
    loss and gradient norm; a run that leaves float64 returns the start.
    """
    p = w0.detach().clone().to(torch.float64).requires_grad_(True)
    opt = torch.optim.LBFGS([p], lr=1.0, max_iter=max_iter, max_eval=2 * max_iter, tolerance_grad=1e-12,
                            tolerance_change=0.0, history_size=history_size, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        val = loss(p)
        val.backward()
        return val

    try:
        opt.step(closure)
        w = p.detach().clone()
    except (RuntimeError, IndexError, ValueError, ArithmeticError):
        w = w0.detach().clone()
    if not torch.isfinite(w).all():
        w = w0.detach().clone()
    val, g = value_and_grad(loss, w)
    if not math.isfinite(val):
        w = w0.detach().clone()
        val, g = value_and_grad(loss, w)
    return Run(w, [val], [float(g.norm())], [int(opt.state[p].get("n_iter", 0))])


def minimise(loss: LossFn, w0: torch.Tensor, *, gtol: float = 1e-12, max_iter: int = 2000) -> Run:
    """Reach stationarity with scipy's L-BFGS-B (float64, torch gradients; OpenBLAS on one thread)."""

    def fg(x: np.ndarray):
        val, g = value_and_grad(loss, torch.as_tensor(x))
        return val, g.numpy().astype(np.float64)

    with blas_threads(1):
        res = scipy.optimize.minimize(fg, w0.detach().numpy().astype(np.float64), jac=True, method="L-BFGS-B",
                                      options={"gtol": gtol, "ftol": 0.0, "maxiter": max_iter, "maxcor": 30})
    w = torch.as_tensor(res.x)
    val, g = value_and_grad(loss, w)
    return Run(w, [val], [float(g.norm())], [int(res.nit)])


def newton_polish(loss: LossFn, w: torch.Tensor, *, steps: int = 20) -> torch.Tensor:
    """Newton steps with the exact Hessian (small models): drives the gradient to round-off.

    Uses a least-squares solve (pseudo-inverse), so singular directions are left alone;
    stops as soon as a step does not reduce the gradient norm.
    """
    from torch.func import hessian

    w = w.detach().clone()
    _, g = value_and_grad(loss, w)
    for _ in range(steps):
        h = hessian(loss)(w).detach()
        step = torch.linalg.lstsq(h, g.unsqueeze(1), rcond=1e-12).solution[:, 0]
        w_new = w - step
        _, g_new = value_and_grad(loss, w_new)
        if not torch.isfinite(g_new).all() or g_new.norm() >= g.norm():
            break
        w, g = w_new, g_new
    return w
