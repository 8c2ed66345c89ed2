"""Optimisers on a flat float64 parameter vector: full-batch gradient descent and L-BFGS.

Used by claims that train networks (Jiang's Theorem 2 and Lemma 1 stationary points).
Every run records its loss history (and optional probes at a stride) so the report can
plot it; nothing here decides a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

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


def minimise(loss: LossFn, w0: torch.Tensor, *, gtol: float = 1e-12, max_iter: int = 2000) -> Run:
    """Reach stationarity with scipy's L-BFGS-B (float64, torch gradients)."""

    def fg(x: np.ndarray):
        val, g = value_and_grad(loss, torch.as_tensor(x))
        return val, g.numpy().astype(np.float64)

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
