"""The escape test: perturb a point by ``delta``, descend (basin-faithful gradient descent or L-BFGS),
record the loss along the path and whether it drops clearly below ``L(w)`` (rule 5a of the
package docstring of :mod:`landscape._lib.certify`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Sequence

import numpy as np
import torch

from landscape._lib import train
from landscape._lib.certify.base import LossFn, flat64, value
from landscape._lib.certify.decisions import lower_decision
from landscape._lib.jsonable import jsonable
from landscape._lib.tolerance import Decision


@dataclass
class EscapeRun:
    """One perturb-and-descend run of :func:`escape_test`.

    ``path_loss[j]`` / ``path_distance[j]``: loss and distance from ``w`` after ``j``
    descent iterations (``j = 0`` is the perturbed start).  ``escaped``: some path point
    is clearly below ``L(w)`` (``lower_decision`` ``nonzero``); ``first_lower_*`` locate
    the first such point.  ``final_*`` are the end of the path.  ``lower`` is the decision
    at the lowest path point.
    """

    delta: float
    start: int
    direction: str  # "random" or "given[j]"
    method: str
    escaped: bool
    first_lower_step: int | None
    first_lower_distance: float | None
    first_lower_loss: float | None
    final_loss: float
    final_distance: float
    lowest_loss: float
    lowest_distance: float
    lower: Decision
    path_loss: list[float]
    path_distance: list[float]
    final_point: torch.Tensor | None = field(default=None, repr=False)

    def as_dict(self, *, include_point: bool = False) -> dict:
        d = {k: v for k, v in asdict(self).items() if k not in ("final_point", "lower")}
        d["lower"] = self.lower.as_dict()
        if include_point and self.final_point is not None:
            d["final_point"] = self.final_point.tolist()
        return jsonable(d)


def _descend(loss: LossFn, v0: torch.Tensor, steps: int, method: str, lam_abs: float) -> list[torch.Tensor]:
    """Points visited by ``steps`` iterations of gradient descent or L-BFGS.

    ``gd``: steps ``-lr g`` with Armijo backtracking (sufficient decrease ``lr |g|^2 / 2``),
    ``lr`` at most ``1 / Lambda`` (the curvature at the candidate): a discretised gradient
    flow, faithful to basins of attraction.  ``lbfgs``: one strong-Wolfe L-BFGS iteration
    per step -- faster, but its line search can jump across a barrier into another basin
    (or back), so "no escape" from L-BFGS is weaker evidence.
    """
    if method == "lbfgs":
        rule: train.Rule = train.LBFGS()
    elif method == "gd":
        rule = train.Armijo.for_curvature(lam_abs)
    else:
        raise ValueError(f"escape method {method!r} is unknown; expected 'lbfgs' or 'gd'")
    return train.descend(loss, v0, rule=rule, steps=steps, stride=None, keep_iterates=True).path()


def escape_test(loss: LossFn, w: torch.Tensor, *, deltas: Sequence[float], rng: np.random.Generator,
                starts: int = 4, steps: int = 50, method: str = "gd", lam_abs: float = 0.0,
                directions: Sequence[torch.Tensor] = ()) -> list[EscapeRun]:
    """Perturb ``w`` by ``delta`` along each of ``directions`` (normalised) and ``starts``
    uniformly random directions, descend ``steps`` iterations (:func:`_descend`), and record
    the loss and the distance to ``w`` along the path."""
    w = flat64(w)
    l0 = value(loss, w)
    given = [(f"given[{j}]", flat64(u).numpy()) for j, u in enumerate(directions)]
    runs = []
    for delta in deltas:
        dirs = given + [("random", rng.normal(size=w.numel())) for _ in range(starts)]
        for j, (label, u) in enumerate(dirs):
            nu = float(np.linalg.norm(u))
            if nu == 0.0:
                continue
            pts = _descend(loss, w + float(delta) * torch.from_numpy(u / nu), steps, method, lam_abs)
            losses = [value(loss, p) for p in pts]
            dists = [float((p - w).norm()) for p in pts]
            decs = [lower_decision(l0, lv, d, lam_abs) if math.isfinite(lv) else Decision(0.0, "band", 0.0)
                    for lv, d in zip(losses, dists)]
            first = next((i for i, d in enumerate(decs) if d.outcome == "nonzero"), None)
            finite = [i for i, lv in enumerate(losses) if math.isfinite(lv)] or [0]
            lo = min(finite, key=lambda i: losses[i])
            runs.append(EscapeRun(float(delta), j, label, method, first is not None, first,
                                  None if first is None else dists[first], None if first is None else losses[first],
                                  losses[-1], dists[-1], losses[lo], dists[lo], decs[lo], losses, dists, pts[-1]))
    return runs
