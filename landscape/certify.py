"""Local-minimum certificates for small models given as a loss of a flat parameter vector.

Used by constructions such as Li-Ding-Sun Proposition 1.  Each check returns a
:class:`~landscape.tolerance.Decision` (or a number) so the report can show margins:

* :func:`gradient_norm` -- stationarity;
* :func:`sample_radii` -- random points on spheres of several radii: the lowest relative
  loss change found;
* :func:`ball_attack` -- projected gradient descent that minimises the loss inside a
  ball (the adversarial search for a lower point);
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

LossFn = Callable[[torch.Tensor], torch.Tensor]


def gradient_norm(loss: LossFn, w: torch.Tensor) -> float:
    """Euclidean norm of the gradient of ``loss`` at ``w`` (autodiff, float64)."""
    w = w.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(loss(w), w)
    return float(g.norm())


@dataclass
class RadiusProbe:
    radius: float
    samples: int
    min_delta: float  # min over samples of loss(w + r u) - loss(w)


def sample_radii(loss: LossFn, w: torch.Tensor, radii: list[float], samples: int,
                 rng: np.random.Generator) -> list[RadiusProbe]:
    """Loss changes at ``samples`` uniformly random directions on each sphere of radius r."""
    base = float(loss(w))
    out = []
    with torch.no_grad():
        for r in radii:
            u = rng.normal(size=(samples, w.numel()))
            u /= np.linalg.norm(u, axis=1, keepdims=True)
            deltas = [float(loss(w + r * torch.as_tensor(ui))) - base for ui in u]
            out.append(RadiusProbe(r, samples, min(deltas)))
    return out


@dataclass
class BallAttack:
    radius: float
    starts: int
    steps: int
    min_delta: float  # lowest loss found inside the ball minus loss(w)
    best_distance: float


def ball_attack(loss: LossFn, w: torch.Tensor, radius: float, *, starts: int, steps: int,
                rng: np.random.Generator, lr: float | None = None) -> BallAttack:
    """Minimise ``loss`` over the ball ``|v - w| <= radius`` by projected gradient descent.

    Starts: ``w`` itself and ``starts - 1`` random points in the ball.  Step size
    ``radius / 20`` by default, with normalised gradients (so flat regions are crossed).
    """
    base = float(loss(w))
    lr = radius / 20 if lr is None else lr
    best, best_d = np.inf, 0.0
    for s in range(starts):
        if s == 0:
            v = w.detach().clone()
        else:
            u = rng.normal(size=w.numel())
            u *= radius * rng.random() ** (1 / w.numel()) / np.linalg.norm(u)
            v = w.detach().clone() + torch.as_tensor(u)
        for _ in range(steps):
            v.requires_grad_(True)
            val = loss(v)
            (g,) = torch.autograd.grad(val, v)
            with torch.no_grad():
                if float(val) < best:
                    best, best_d = float(val), float((v - w).norm())
                gn = g.norm()
                step = g / gn if gn > 0 else torch.as_tensor(rng.normal(size=w.numel()))
                v = v - lr * step
                d = v - w
                dn = d.norm()
                if dn > radius:
                    v = w + d * (radius / dn)
            v = v.detach()
        with torch.no_grad():
            val = float(loss(v))
            if val < best:
                best, best_d = val, float((v - w).norm())
    return BallAttack(radius, starts, steps, best - base, best_d)
