"""Registry of per-sample losses ``l(y, yhat)`` that are convex in ``yhat``.

Li-Ding-Sun Assumption A2 and Jiang's Theorem 1 both ask for a loss convex in the
prediction.  Convexity is *declared* here and *checked* by the claims that rely on it
(``jiang.thm1.convex`` attacks Jensen's inequality for every loss in this registry).

Each :class:`Loss` has a float64 torch function applied elementwise, the label domain
(``real`` targets or ``sign`` targets in {-1, +1}), whether it is twice differentiable
(so a Hessian PSD check applies), and its per-sample infimum over ``yhat``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Callable, Literal

import torch

from landscape._lib.errors import LandscapeError


@dataclass(frozen=True)
class Loss:
    """One per-sample loss; ``fn(y, yhat)`` works elementwise on float64 tensors."""

    name: str
    fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    description: str
    labels: Literal["real", "sign"] = "real"
    twice_differentiable: bool = True
    infimum: float = 0.0
    attained: bool = True

    def total(self, y: torch.Tensor, yhat: torch.Tensor) -> torch.Tensor:
        """Empirical loss: the sum over samples (Jiang eq. 2, Li-Ding-Sun eq. 5)."""
        return self.fn(y, yhat).sum()


_REGISTRY: dict[str, Loss] = {}


def register(loss: Loss) -> Loss:
    if loss.name in _REGISTRY:
        raise LandscapeError(f"loss {loss.name!r} is already registered")
    _REGISTRY[loss.name] = loss
    return loss


def get(name: str) -> Loss:
    """The registered convex loss ``name`` (``squared``, ``absolute``, ``huber``, ...); an unknown name
    raises :class:`LandscapeError` listing the registered ones and the closest matches."""
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=3)
        raise LandscapeError(f"unknown loss {name!r}; expected one of {', '.join(sorted(_REGISTRY))}"
                             + (f" (closest: {', '.join(close)})" if close else "")) from None


def names() -> list[str]:
    return sorted(_REGISTRY)


def all_losses() -> list[Loss]:
    return [_REGISTRY[n] for n in names()]


def _huber(y, f, delta=1.0):
    r = (f - y).abs()
    return torch.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta))


register(Loss("squared", lambda y, f: (f - y) ** 2, "(yhat - y)^2"))
register(Loss("absolute", lambda y, f: (f - y).abs(), "|yhat - y|", twice_differentiable=False))
register(Loss("huber", _huber, "Huber, delta = 1", twice_differentiable=False))
def _logcosh(y, f):
    r = (f - y).abs()  # log cosh r = r + log(1 + e^{-2r}) - log 2, stable for large r
    return r + torch.nn.functional.softplus(-2 * r) - torch.log(torch.tensor(2.0, dtype=r.dtype))


register(Loss("logcosh", _logcosh, "log cosh(yhat - y)"))
register(Loss("pinball", lambda y, f: torch.maximum(0.3 * (y - f), -0.7 * (y - f)),
              "quantile loss, tau = 0.3", twice_differentiable=False))
register(Loss("logistic", lambda y, f: torch.nn.functional.softplus(-y * f), "log(1 + exp(-y yhat)), y in {-1, 1}",
              labels="sign", attained=False))
register(Loss("hinge", lambda y, f: torch.relu(1 - y * f), "max(0, 1 - y yhat), y in {-1, 1}",
              labels="sign", twice_differentiable=False))
register(Loss("exponential", lambda y, f: torch.exp(-y * f), "exp(-y yhat), y in {-1, 1}", labels="sign",
              attained=False))
