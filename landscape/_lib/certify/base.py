"""Shared vocabulary of the local-minimum certificate (:mod:`landscape._lib.certify`).

The loss type (a scalar function of a flat float64 parameter vector), the kinds a certificate
decides, symmetry curves, and the small helpers every part of the certificate uses: the
validated flat point, the loss value / gradient (the trainer's one definition) and the
length scale ``R = max(1, |w|)`` of the numerical policy (package docstring, "Numerical
policy"; Li, Ding, Sun, ``004_c552a5c94484e66a.txt``, Definition 1).
"""

from __future__ import annotations

from typing import Callable, Literal

import torch

from landscape._lib import train

LossFn = Callable[[torch.Tensor], torch.Tensor]
Kind = Literal["strict", "non-strict", "saddle", "not-stationary", "inconclusive"]
#: A symmetry curve: ``(w, s) -> point`` with ``point(0) = w`` and (supposedly) equal loss.
Symmetry = Callable[[torch.Tensor, float], torch.Tensor]

KINDS: tuple[str, ...] = ("strict", "non-strict", "saddle", "not-stationary", "inconclusive")


def flat64(w) -> torch.Tensor:
    """``w`` as a detached flat float64 copy; ``ValueError`` if some entry is not finite."""
    t = torch.as_tensor(w, dtype=torch.float64).detach().clone().reshape(-1)
    if not torch.isfinite(t).all():
        raise ValueError("the point w has non-finite entries; expected finite float64 values")
    return t


#: The trainer's: one definition of a loss value and its gradient.
value = train.value
value_and_grad = train.value_and_grad


def scale_radius(w: torch.Tensor) -> float:
    """``R = max(1, |w|)``: the length scale of the gradient normaliser and of flat-probe distances."""
    return max(1.0, float(w.norm()))
