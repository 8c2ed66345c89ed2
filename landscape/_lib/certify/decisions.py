"""The certificate's decisions with margins (:mod:`landscape._lib.tolerance` policy): stationarity,
lower / equal loss at a distance, and the sign of a normalised Hessian eigenvalue.

The scales are those of the package docstring (:mod:`landscape._lib.certify`, "Numerical
policy"): the gradient against ``G = max(|L(w)| / R, Lambda R, |g|)``, loss changes at distance
``d`` against ``Lambda d^2 / 2``, eigenvalues ``lambda / Lambda`` with their residual.
"""

from __future__ import annotations

import math

import torch

from landscape._lib import tolerance
from landscape._lib.certify.base import LossFn, scale_radius
from landscape._lib.tolerance import Decision


def gradient_norm(loss: LossFn, w: torch.Tensor) -> float:
    """Euclidean norm of the gradient of ``loss`` at ``w`` (autodiff, float64)."""
    w = w.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(loss(w), w)
    return float(g.norm())


def loss_scale(l0: float, lam_abs: float, distance: float) -> float:
    """The denominator floor of loss comparisons at ``distance``: ``Lambda d^2 / 2``."""
    return 0.5 * float(lam_abs) * float(distance) ** 2


def lower_decision(l0: float, lv: float, distance: float, lam_abs: float) -> Decision:
    """Is ``L(v) = lv`` below ``L(w) = l0``?  ``nonzero``: clearly lower; ``zero``: not lower.

    ``tolerance.at_most(l0, lv, scale=Lambda d^2 / 2)`` -- decides ``l0 <= lv``.  A probe loss
    of ``+inf`` (overflow) is not lower; NaN is undecided.
    """
    if math.isfinite(l0) and not math.isfinite(lv):
        return Decision(0.0, "zero", math.inf) if lv > 0 else Decision(0.0, "band", 0.0)
    return tolerance.at_most(l0, lv, scale=loss_scale(l0, lam_abs, distance))


def equal_decision(l0: float, lv: float, distance: float, lam_abs: float) -> Decision:
    """Is ``L(v) = L(w)``?  ``tolerance.equal(lv, l0, scale=Lambda d^2 / 2)``; ``zero`` = equal.

    A probe whose loss overflowed to ``+inf`` (finite ``L(w)``) is clearly not equal; a NaN
    loss is undecided (band)."""
    if math.isfinite(l0) and not math.isfinite(lv):
        return Decision(math.inf, "nonzero", math.inf) if lv > 0 else Decision(0.0, "band", 0.0)
    return tolerance.equal(lv, l0, scale=loss_scale(l0, lam_abs, distance))


def eig_decision(r: float, rho: float) -> tuple[str, Decision]:
    """Sign/zero decision for a normalised eigenvalue ``r`` known to within ``rho``.

    Returns (``negative`` | ``zero`` | ``positive`` | ``band``, Decision).  The whole
    interval ``|r| +- rho`` must fall on one side of the band.
    """
    rho = abs(float(rho))
    lo = tolerance.classify(max(abs(r) - rho, 0.0))
    hi = tolerance.classify(abs(r) + rho)
    if lo.outcome == "zero" and hi.outcome == "zero":
        return "zero", Decision(abs(r), "zero", hi.margin)
    if lo.outcome == "nonzero" and hi.outcome == "nonzero":
        return ("negative" if r < 0 else "positive"), Decision(abs(r), "nonzero", lo.margin)
    return "band", Decision(abs(r), "band", 0.0)


def gradient_scale(l0: float, w: torch.Tensor, lam_abs: float, gnorm: float) -> float:
    """``G = max(|L| / R, Lambda R, |g|)`` with ``R = max(1, |w|)``: the gradient normaliser."""
    r = scale_radius(w)
    return max(abs(float(l0)) / r, float(lam_abs) * r, float(gnorm))


def stationarity(gnorm: float, g_scale: float) -> Decision:
    """``classify(|g| / G)``: ``zero`` = stationary, ``nonzero`` = not, ``band`` = undecided."""
    if gnorm == 0.0:
        return tolerance.classify(0.0)
    return tolerance.classify(gnorm / g_scale)
