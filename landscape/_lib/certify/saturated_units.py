"""Saturated hidden units: the suite's one saturation rule (package docstring of
:mod:`landscape._lib.certify`, "Saturation: the one rule").

A unit of a network with a saturating activation is saturated when its pre-activation lies
beyond :func:`saturation_threshold` on a flat tail at every sample; such a point is not a finite
stationary point float64 can certify.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch

from landscape._lib import tolerance

#: Activations of the registry with a flat tail, and its side(s): -1 for z -> -inf, +1 for z -> +inf.
SATURATING_TAILS: dict[str, tuple[int, ...]] = {"sigmoid": (-1, 1), "tanh": (-1, 1), "softplus": (-1,),
                                                "negsq_exp": (-1,), "cubic_exp": (-1,)}


@functools.cache
def saturation_threshold(activation: str, side: int) -> float:
    """``Z`` (signed: ``side * Z``) beyond which ``|sigma'| <= ZERO * max_{|u|<=1} |sigma'(u)|`` on that tail.

    Computed once per activation from its torch function (float64 autograd) on a fine
    logarithmic grid of ``|z|`` in ``[1, 10^4]``: the smallest grid value from which every
    farther one is below the threshold.  ``inf`` if the tail never gets that flat.
    """
    from landscape._lib import activations

    fn = activations.get(activation).torch
    near = torch.linspace(-1.0, 1.0, 2001, dtype=torch.float64, requires_grad=True)
    (d_near,) = torch.autograd.grad(fn(near).sum(), near)
    scale = float(d_near.abs().max())
    mags = torch.logspace(0.0, 4.0, 40001, dtype=torch.float64)
    z = (side * mags).clone().requires_grad_(True)
    (d,) = torch.autograd.grad(fn(z).sum(), z)
    flat = (d.abs() <= tolerance.ZERO * scale).numpy()
    if not flat[-1]:
        return math.inf
    bad = np.nonzero(~flat)[0]
    first = int(bad[-1]) + 1 if bad.size else 0
    return float(side * mags[first])


@dataclass(frozen=True)
class Saturation:
    """Which hidden units are saturated (beyond the threshold at every sample) at one point.

    ``units``: ``[{"layer", "unit", "min_abs_preactivation", "threshold"}]`` of the saturated
    units; ``max_preactivation``: the largest ``|pre-activation|`` over all units and samples;
    ``thresholds``: the activation's signed thresholds (empty for non-saturating activations).
    """

    activation: str
    thresholds: tuple[float, ...]
    units: tuple[dict, ...]
    max_preactivation: float

    @property
    def saturated(self) -> bool:
        return bool(self.units)

    def reason(self) -> str:
        if not self.units:
            return "no saturated unit"
        u = self.units[0]
        return (f"{len(self.units)} {self.activation} unit(s) saturated at every sample (e.g. layer {u['layer']} unit "
                f"{u['unit']}: |pre-activation| >= {u['min_abs_preactivation']:.3g} beyond the threshold "
                f"{u['threshold']:g}, where sigma' is below the policy's zero): flat in float64, the end of a drift "
                "towards infinity, not a finite stationary point")

    def as_dict(self) -> dict:
        return {"activation": self.activation, "saturated": self.saturated, "thresholds": list(self.thresholds),
                "units": [dict(u) for u in self.units], "max_preactivation": self.max_preactivation}


def saturation(spec, w, x: np.ndarray) -> Saturation:
    """:class:`Saturation` of the MLP ``spec`` (:class:`~landscape._lib.networks.mlp.MLPSpec`) at flat weights ``w``
    on samples ``x`` of shape ``(d0, N)`` (columns are samples) -- the suite's one saturation rule."""
    from landscape._lib import activations
    from landscape._lib.networks.mlp import MLP

    net = MLP(spec, [np.zeros(s) for s in spec.shapes()])
    ws = net.unflatten(torch.as_tensor(w, dtype=torch.float64))
    t = torch.as_tensor(np.asarray(x, dtype=np.float64))
    act = activations.get(spec.activation)
    sides = SATURATING_TAILS.get(act.name, ())
    thr = {s_: saturation_threshold(act.name, s_) for s_ in sides}
    units, top = [], 0.0
    with torch.no_grad():
        for layer, wl in enumerate(ws[:-1]):
            if spec.bias:
                t = torch.cat([t, torch.ones(1, t.shape[1], dtype=torch.float64)])
            pre = wl @ t
            if pre.numel():
                top = max(top, float(pre.abs().max()))
            beyond = torch.zeros_like(pre, dtype=torch.bool)
            for s_, z0 in thr.items():  # on *some* flat tail at each sample (tanh: either side)
                if math.isfinite(z0):
                    beyond |= pre * s_ >= abs(z0)
            for j in torch.nonzero(beyond.all(dim=1)).reshape(-1).tolist() if thr else []:
                units.append({"layer": layer, "unit": int(j), "threshold": min(abs(v) for v in thr.values()),
                              "min_abs_preactivation": float(pre[j].abs().min())})
            t = act(pre)
    return Saturation(act.name, tuple(thr[s_] for s_ in sides), tuple(units), top)


def max_preactivation(spec, w, x: np.ndarray) -> float:
    """Largest |pre-activation| over all hidden units and samples (``x``: ``(d0, N)``)."""
    return saturation(spec, w, x).max_preactivation
