"""The one optimiser module: torch L-BFGS one start at a time (serial), Adam over many starts at once (batched).

Serial mode -- :class:`LBFGSDriver`: the suite's one construction of ``torch.optim.LBFGS``
(strong-Wolfe line search, float64) on a flat parameter vector.  Every L-BFGS loop of the
package goes through it: the screening runs of the landscape search
(:func:`landscape._lib.search.screen`), the chunked refinement to a stationary point
(:func:`landscape._lib.certify.refine.refine_stationary`), the re-minimisation on a
hyperplane of the flat probes (:mod:`landscape._lib.certify.probes`), the trainer's
:func:`landscape._lib.train.lbfgs` and its per-step rule :class:`landscape._lib.train.LBFGS`.
Each caller keeps its own stopping rule (iterations, tolerances, chunks); the driver does the
same torch calls in the same order as the loops it replaced, so their results are unchanged
bit for bit.

Batched mode -- :func:`adam_batched`: Adam (Kingma & Ba 2015, Algorithm 1, with bias
correction) on ``S`` starts at once, the gradients of all starts from one
``torch.func.vmap(torch.func.grad_and_value(loss))`` call per step, the update vectorised over
the batch; :func:`adam_serial` is the same arithmetic one start at a time (plain autograd, no
vmap), the reference the batched mode is measured against (``benchmarks/multistart.py``).  Both
share :class:`AdamSchedule` (steps, step size with a cosine decay, stopping rule): a start is
frozen once its gradient norm is at most ``gtol`` (its iterate no longer changes), and the run
ends when every start is frozen or after ``steps`` steps.  :func:`newton_rows` polishes many
endpoints at once (exact Hessians from one vmap call per step), or one at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

LossFn = Callable[[torch.Tensor], torch.Tensor]


# ------------------------------------------------------------------------------- serial: L-BFGS
class LBFGSDriver:
    """One ``torch.optim.LBFGS`` (strong Wolfe) on the parameter ``p``, minimising ``loss(p)``.

    ``p`` must be a leaf tensor with ``requires_grad`` (see :func:`parameter`); the driver
    updates it in place.  ``on_eval(value)`` sees every loss the closure evaluates (a detached
    0-d tensor).  :meth:`step` is one ``opt.step`` of at most ``max_iter`` iterations (default:
    the constructor's) and returns the iterations it did; :attr:`n_iter` counts them over the
    driver's life (torch's own counter).
    """

    def __init__(self, loss: LossFn, p: torch.Tensor, *, max_iter: int, max_eval: int | None = None,
                 tolerance_grad: float = 0.0, tolerance_change: float = 0.0, history_size: int = 20,
                 lr: float = 1.0, on_eval: Callable[[torch.Tensor], None] | None = None):
        self.loss, self.p, self.on_eval = loss, p, on_eval
        self.opt = torch.optim.LBFGS([p], lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                     tolerance_change=tolerance_change, history_size=history_size,
                                     line_search_fn="strong_wolfe")

    def _closure(self) -> torch.Tensor:
        self.opt.zero_grad()
        val = self.loss(self.p)
        val.backward()
        if self.on_eval is not None:
            self.on_eval(val.detach())
        return val

    @property
    def n_iter(self) -> int:
        """L-BFGS iterations done so far (torch's ``state['n_iter']``)."""
        return int(self.opt.state[self.p].get("n_iter", 0))

    def step(self, max_iter: int | None = None) -> int:
        """One ``opt.step`` (at most ``max_iter`` iterations); the number of iterations it did."""
        if max_iter is not None:
            self.opt.param_groups[0]["max_iter"] = max_iter
        before = self.n_iter
        self.opt.step(self._closure)
        return self.n_iter - before

    @property
    def w(self) -> torch.Tensor:
        """A detached copy of the current iterate."""
        return self.p.detach().clone()


def parameter(w0: torch.Tensor) -> torch.Tensor:
    """A fresh float64 leaf copy of ``w0`` with ``requires_grad`` (``w0`` is not touched)."""
    return w0.detach().clone().to(torch.float64).requires_grad_(True)


def lbfgs_run(loss: LossFn, w0: torch.Tensor, *, max_iter: int, max_eval: int | None = None,
              tolerance_grad: float = 0.0, tolerance_change: float = 0.0, history_size: int = 20,
              lr: float = 1.0) -> tuple[torch.Tensor, int]:
    """One L-BFGS call of at most ``max_iter`` iterations from ``w0``: ``(final point, iterations)``.

    Errors of the line search (torch raises when the loss turns non-finite inside a bracket) are
    the caller's to handle; the final point may be non-finite.
    """
    p = parameter(w0)
    drv = LBFGSDriver(loss, p, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                      tolerance_change=tolerance_change, history_size=history_size, lr=lr)
    drv.step()
    return drv.w, drv.n_iter


# ------------------------------------------------------------------------------- batched: Adam
@dataclass(frozen=True)
class AdamSchedule:
    """Adam's settings and the stopping rule, shared by :func:`adam_batched` and :func:`adam_serial`.

    ``steps`` at most; step size ``lr`` decayed by a cosine to ``lr * final_lr`` at the last step
    (``final_lr = 1``: constant); ``betas`` / ``eps`` Adam's (Kingma & Ba, Algorithm 1); a start
    is frozen once its gradient norm is ``<= gtol`` (``0``: never) and the run ends early when every
    start is frozen.
    """

    steps: int = 2000
    lr: float = 1e-2
    final_lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-12
    gtol: float = 1e-10

    def rate(self, k: int) -> float:
        """The step size of step ``k`` (``0 <= k < steps``)."""
        c = 0.5 * (1.0 + math.cos(math.pi * k / max(self.steps - 1, 1)))
        return self.lr * (self.final_lr + (1.0 - self.final_lr) * c)


@dataclass
class BatchRun:
    """End of a batched (or serial) first-order run: ``w`` (``S x n``), ``loss`` and ``grad_norm`` (``S``),
    ``steps`` (per start: the step at which it froze, or the number of steps run) and ``diverged`` (``S``
    booleans: a non-finite loss or gradient; such a start keeps its last finite iterate)."""

    w: torch.Tensor
    loss: torch.Tensor
    grad_norm: torch.Tensor
    steps: torch.Tensor
    diverged: torch.Tensor


def adam_batched(loss: LossFn, w0: torch.Tensor, schedule: AdamSchedule,
                 chunk: int | None = None) -> BatchRun:
    """Adam on every row of ``w0`` (``S x n``) at once: one ``vmap(grad_and_value(loss))`` per step.

    ``loss`` maps one flat vector to a scalar and must be vmappable (pure torch operations, no
    ``.item()``, no in-place updates of captured tensors).  ``chunk``: at most this many starts per
    vmap call (memory bound; ``None``: all).  A start whose loss or gradient turns non-finite is
    frozen at its last finite iterate and marked ``diverged``.
    """
    from torch.func import grad_and_value, vmap

    gv = vmap(grad_and_value(loss))

    def grads(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if chunk is None or w.shape[0] <= chunk:
            return gv(w)
        parts = [gv(w[i:i + chunk]) for i in range(0, w.shape[0], chunk)]
        return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])

    w = w0.detach().clone()
    s = w.shape[0]
    m, v = torch.zeros_like(w), torch.zeros_like(w)
    b1, b2 = schedule.betas
    active = torch.ones(s, dtype=torch.bool, device=w.device)
    diverged = torch.zeros(s, dtype=torch.bool, device=w.device)
    steps = torch.full((s,), schedule.steps, dtype=torch.long, device=w.device)
    with torch.no_grad():
        g, val = grads(w)
    for k in range(schedule.steps):
        with torch.no_grad():
            gn = g.norm(dim=1)
            bad = ~(torch.isfinite(val) & torch.isfinite(gn))
            newly_bad = bad & active
            diverged |= newly_bad
            done = active & ~bad & (gn <= schedule.gtol)
            stop = newly_bad | done
            steps = torch.where(stop, torch.full_like(steps, k), steps)
            active &= ~stop
            if not bool(active.any()):
                break
            g = torch.where(active[:, None], g, torch.zeros_like(g))
            m = torch.where(active[:, None], b1 * m + (1 - b1) * g, m)
            v = torch.where(active[:, None], b2 * v + (1 - b2) * g * g, v)
            mh = m / (1 - b1 ** (k + 1))
            vh = v / (1 - b2 ** (k + 1))
            upd = schedule.rate(k) * mh / (vh.sqrt() + schedule.eps)
            w_new = torch.where(active[:, None], w - upd, w)
            g_new, val_new = grads(w_new)
            ok = torch.isfinite(val_new) & torch.isfinite(g_new).all(dim=1)
            # a start whose new iterate left float64 keeps its last finite iterate (marked at the next check)
            w = torch.where(ok[:, None], w_new, w)
            g = torch.where(ok[:, None], g_new, torch.full_like(g_new, math.nan))
            val = torch.where(ok, val_new, torch.full_like(val_new, math.nan))
    with torch.no_grad():
        fin = torch.isfinite(val)
        if not bool(fin.all()):  # re-evaluate the kept finite iterates of the starts that diverged
            g2, val2 = grads(w)
            val = torch.where(fin, val, val2)
            g = torch.where(fin[:, None], g, g2)
    return BatchRun(w, val.detach(), g.norm(dim=1).detach(), steps, diverged)


def adam_serial(loss: LossFn, w0: torch.Tensor, schedule: AdamSchedule) -> BatchRun:
    """The arithmetic of :func:`adam_batched` one start at a time (plain autograd on each row of ``w0``).

    The serial reference: equal to the batched mode up to round-off (vmap may order a reduction
    differently), one Python step loop per start.
    """
    b1, b2 = schedule.betas
    out_w, out_l, out_g, out_k, out_d = [], [], [], [], []

    def gv(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        p = w.detach().requires_grad_(True)
        val = loss(p)
        (g,) = torch.autograd.grad(val, p)
        return g.detach(), val.detach()

    for row in w0:
        w = row.detach().clone()
        m, v = torch.zeros_like(w), torch.zeros_like(w)
        g, val = gv(w)
        k_end, div = schedule.steps, False
        for k in range(schedule.steps):
            gn = float(g.norm())
            if not (math.isfinite(float(val)) and math.isfinite(gn)):
                k_end, div = k, True
                break
            if gn <= schedule.gtol:
                k_end = k
                break
            with torch.no_grad():
                m = b1 * m + (1 - b1) * g
                v = b2 * v + (1 - b2) * g * g
                mh = m / (1 - b1 ** (k + 1))
                vh = v / (1 - b2 ** (k + 1))
                w_new = w - schedule.rate(k) * mh / (vh.sqrt() + schedule.eps)
            g_new, val_new = gv(w_new)
            if not (math.isfinite(float(val_new)) and bool(torch.isfinite(g_new).all())):
                k_end, div = k + 1, True
                break
            w, g, val = w_new, g_new, val_new
        out_w.append(w)
        out_l.append(val)
        out_g.append(g.norm())
        out_k.append(k_end)
        out_d.append(div)
    dev = w0.device
    return BatchRun(torch.stack(out_w), torch.stack(out_l), torch.stack(out_g),
                    torch.tensor(out_k, dtype=torch.long, device=dev), torch.tensor(out_d, device=dev))


# ------------------------------------------------------------------------------- Newton polish, batched or serial
def newton_rows(loss: LossFn, w0: torch.Tensor, *, steps: int = 30, batched: bool = True, floor: float = 1e-4,
                halvings: int = 30) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Up to ``steps`` descent-Newton steps on every row of ``w0`` (``S x n``), exact Hessian, Armijo backtracking.

    Direction ``d = -V diag(1 / max(|lambda|, floor max|lambda|)) V^T g`` (the Hessian's eigenvalues in
    absolute value, floored: a descent direction at saddles too -- "saddle-free Newton", Dauphin et al. 2014 --
    and Newton's own step near a nondegenerate minimum), then the largest ``t`` in ``1, 1/2, ..., 2^-halvings``
    with ``loss(w + t d) <= loss(w) + 1e-4 t g.d`` (all trial points of all rows from one vmapped call).  A row
    stops when no ``t`` is accepted or its gradient is 0.  So this minimises (the loss never increases);
    near a minimum it converges quadratically.  ``batched``: one ``torch.func.vmap`` call per step for all
    rows; else one row at a time (the serial reference, same arithmetic).  Returns ``(w, loss, grad_norm)``.
    """
    if not batched:
        outs = [newton_rows(loss, w0[i:i + 1], steps=steps, batched=True, floor=floor, halvings=halvings)
                for i in range(w0.shape[0])]
        return tuple(torch.cat([o[j] for o in outs]) for j in range(3))  # type: ignore[return-value]
    from torch.func import grad_and_value, hessian, vmap

    gv, hs, lv = vmap(grad_and_value(loss)), vmap(hessian(loss)), vmap(loss)
    ts = torch.tensor([0.5 ** j for j in range(halvings + 1)], dtype=w0.dtype, device=w0.device)
    with torch.no_grad():
        w = w0.detach().clone()
        g, val = gv(w)
        gn = g.norm(dim=1)
        active = torch.isfinite(val) & torch.isfinite(gn) & (gn > 0)
        for _ in range(steps):
            if not bool(active.any()):
                break
            idx = active.nonzero().reshape(-1)
            wi, gi, vi = w[idx], g[idx], val[idx]
            h = hs(wi)
            h = 0.5 * (h + h.transpose(1, 2))
            ok = torch.isfinite(h).all(dim=2).all(dim=1)
            h = torch.where(ok[:, None, None], h, torch.zeros_like(h))
            lam, vec = torch.linalg.eigh(h)
            lmax = lam.abs().amax(dim=1, keepdim=True)
            den = torch.maximum(lam.abs(), floor * lmax)
            ok &= lmax[:, 0] > 0
            den = torch.where(den > 0, den, torch.ones_like(den))
            d = -(vec @ (((vec.transpose(1, 2) @ gi.unsqueeze(2)).squeeze(2) / den).unsqueeze(2))).squeeze(2)
            slope = (gi * d).sum(dim=1)
            m, k = idx.numel(), ts.numel()
            trial = wi[:, None, :] + ts[None, :, None] * d[:, None, :]
            tv = lv(trial.reshape(m * k, -1)).reshape(m, k)
            good = torch.isfinite(tv) & (tv <= vi[:, None] + 1e-4 * ts[None, :] * slope[:, None])
            good &= (ok & (slope < 0))[:, None]
            anyg = good.any(dim=1)
            first = torch.argmax(good.to(torch.int8), dim=1)  # the largest accepted t
            cand = wi + ts[first][:, None] * d
            g_c, v_c = gv(cand)
            acc = anyg & torch.isfinite(v_c) & torch.isfinite(g_c).all(dim=1)
            w[idx] = torch.where(acc[:, None], cand, wi)
            g[idx] = torch.where(acc[:, None], g_c, gi)
            val[idx] = torch.where(acc, v_c, vi)
            gn[idx] = g[idx].norm(dim=1)
            active[idx] = acc & (gn[idx] > 0)
    return w, val, gn
