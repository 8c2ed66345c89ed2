"""Refinement to a nearby stationary point: L-BFGS (strong Wolfe, float64), then Newton steps with
the exact Hessian pseudo-inverted on the eigenvalues the policy calls non-zero
(:mod:`landscape._lib.certify`, package docstring).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from landscape._lib import optimise, tolerance
from landscape._lib.certify.base import LossFn, flat64, value_and_grad
from landscape._lib.certify.decisions import eig_decision, gradient_scale, stationarity
from landscape._lib.certify.hessian import exact_hessian, largest_abs_eigenvalue
from landscape._lib.jsonable import jsonable
from landscape._lib.tolerance import Decision


@dataclass
class StationaryPoint:
    """Result of :func:`refine_stationary`."""

    w: torch.Tensor
    loss: float
    grad_norm: float
    iterations: int            # L-BFGS iterations
    function_evals: int        # L-BFGS closure evaluations
    newton_steps: int          # accepted Newton steps
    lambda_abs_max: float
    grad_scale: float
    stationarity: Decision
    history: list[float] = field(default_factory=list)  # loss at each L-BFGS evaluation, then per Newton step
    left_float64: bool = False  # an L-BFGS chunk left float64; refinement continued from that chunk's finite start

    def as_dict(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if k not in ("w", "stationarity")}
        d["stationarity"] = self.stationarity.as_dict()
        return jsonable(d)


def _newton_step(h: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``-H^+ g`` on the eigenvalues the policy calls non-zero (zero and band ones dropped)."""
    vals, vecs = np.linalg.eigh(h)
    lam = float(np.max(np.abs(vals))) if vals.size else 0.0
    if vals.size and lam <= tolerance.ABS_FLOOR:
        return np.zeros_like(g)
    keep = np.array([eig_decision(float(v / lam), 0.0)[0] in ("positive", "negative") for v in vals])
    coef = (vecs.T @ g)[keep] / vals[keep]
    return -(vecs[:, keep] @ coef)


def refine_stationary(loss: LossFn, w: torch.Tensor, *, max_iter: int = 200, history_size: int = 50,
                      newton_steps: int = 5, exact_max_params: int = 600, lr: float = 1.0) -> StationaryPoint:
    """Move ``w`` to a nearby stationary point: L-BFGS (strong Wolfe, float64), then Newton.

    The L-BFGS chunks run on one :class:`landscape._lib.optimise.LBFGSDriver` (the suite's one L-BFGS).

    L-BFGS runs in chunks of 25 iterations with ``tolerance_grad = tolerance_change = 0``
    (float64 round-off is the only floor) until ``max_iter`` iterations, a zero gradient, a
    stall (L-BFGS stops inside a chunk: zero step or no descent direction), or a chunk that
    lowers neither the loss nor the gradient norm.  Then, for ``n <= exact_max_params``, up to ``newton_steps``
    Newton steps with the exact Hessian, pseudo-inverted on the eigenvalues the policy
    calls non-zero (so singular Hessians at non-strict minima are handled); a step is
    accepted only if it reduces the gradient norm.  Newton converges to saddles as well:
    this refines *stationarity*, it does not minimise.  A chunk whose iterate, loss or gradient
    leaves float64 (overflow of e^z activations on a drift) is undone: L-BFGS stops at that
    chunk's finite start (``left_float64``) and the Newton steps and decisions run there.
    """
    p = flat64(w).requires_grad_(True)
    history: list[float] = []
    chunk = 25
    drv = optimise.LBFGSDriver(loss, p, max_iter=chunk, max_eval=2 * chunk + 25, history_size=history_size, lr=lr,
                               on_eval=lambda val: history.append(float(val)))
    iters = 0
    best_loss, best_g = math.inf, math.inf
    # chunks of L-BFGS: stop at g = 0, when a chunk improves neither loss nor |g|, or on a stall
    left = False
    while iters < max_iter:
        budget = min(chunk, max_iter - iters)
        keep = p.detach().clone()
        done = 0
        try:
            done = drv.step(budget)
            ok = bool(torch.isfinite(p.detach()).all())
            if ok:
                val_c, g_c = value_and_grad(loss, p.detach())
                ok = math.isfinite(val_c) and bool(torch.isfinite(g_c).all())
        except (ArithmeticError, RuntimeError, IndexError, ValueError):  # a line search that left float64
            ok = False
        if not ok:  # the chunk left float64 (e.g. e^z overflow): keep its finite start and stop L-BFGS
            with torch.no_grad():
                p.copy_(keep)
            left = True
            break
        iters += done
        gn_c = float(g_c.norm())
        improved = val_c < best_loss or gn_c < best_g
        best_loss, best_g = min(best_loss, val_c), min(best_g, gn_c)
        if gn_c == 0.0 or not improved or done < budget:
            break
    v = p.detach().clone()
    val, g = value_and_grad(loss, v)
    accepted = 0
    if v.numel() <= exact_max_params:
        for _ in range(newton_steps):
            if float(g.norm()) == 0.0:
                break
            h = exact_hessian(loss, v).numpy()
            step = _newton_step(h, g.numpy())
            cand = v + torch.from_numpy(step)
            cval, cg = value_and_grad(loss, cand)
            if not (math.isfinite(cval) and float(cg.norm()) < float(g.norm())):
                break
            v, val, g = cand, cval, cg
            accepted += 1
            history.append(val)
    lam = largest_abs_eigenvalue(loss, v, exact_max_params)
    gn = float(g.norm())
    gs = gradient_scale(val, v, lam, gn)
    return StationaryPoint(v, val, gn, iters, len(history) - accepted, accepted, lam, gs, stationarity(gn, gs),
                           history, left)
