"""Full-batch gradient descent on the loss of eq. (1) of Du et al.
(``/work/shared/papers/002_7f4fd584f3752d2b.txt``; all layers and ``a`` trained, section 3.3;
``train_a=False`` freezes ``a``, as in the two-layer analysis of Golikov's essay, eq. (10)):
in-place rank-``n`` updates, recording ``L(k)``, the distances of eq. (6) and ``G^(H)(k)``
(:func:`train_gd`, :class:`TrainHistory`), and the envelope of Theorems 5.1 / 6.1
(:func:`rate_bound`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from landscape._lib.errors import LandscapeError
from landscape._lib import train
from landscape._lib.networks.du import DuArchitecture, DuParams, as_data, as_labels

#: :func:`train_gd` stops and flags divergence once ``L(k) > DIVERGENCE_FACTOR * L(0)``.
DIVERGENCE_FACTOR: float = 1e12


@dataclass
class TrainHistory:
    """Record of :func:`train_gd`.

    ``loss[k] = L(theta(k))`` (eq. (1)) for ``k = 0..steps_done``; ``residual[k] = y - u(k)``;
    ``dist[j, h-1] = ||W^(h)(k) - W^(h)(0)||_F / sqrt(m)`` (eq. (6)) at ``k = dist_steps[j]``;
    ``dist_a[j] = ||a(k) - a(0)||_2`` at the same steps; ``gram_steps`` the iterations at
    which ``grams`` (``G^(H)(k)``, section 4) were recorded; ``params`` the last finite
    iterate; ``diverged`` True if the loss became non-finite or exceeded
    ``DIVERGENCE_FACTOR * L(0)`` (the run stops there and the arrays end at the last finite
    iterate, whose parameters are restored from the in-place update up to rounding).
    The step that blew up is recorded apart: ``blowup_step`` (``= steps_done + 1``),
    ``blowup_loss`` (its loss: ``nan``/``inf`` or > ``DIVERGENCE_FACTOR * L(0)``) and
    ``blowup_gram`` (``G^(H)`` there, ``None`` if the forward pass was not finite).
    ``steps_planned`` is the ``steps`` asked for; :attr:`complete` says whether every one
    of them was recorded.  A judge of a run must treat ``blowup_*`` as a step of the run
    (a violation of any loss bound), never as a clean end.
    """

    eta: float
    loss: np.ndarray
    residual: np.ndarray
    dist: np.ndarray
    dist_a: np.ndarray
    gram_steps: list[int]
    grams: list[np.ndarray]
    params: DuParams
    diverged: bool = False
    steps_done: int = 0
    dist_steps: list[int] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    steps_planned: int = 0
    blowup_step: int | None = None
    blowup_loss: float | None = None
    blowup_gram: np.ndarray | None = None

    @property
    def complete(self) -> bool:
        """Every planned step recorded (no divergence, no truncation)."""
        return not self.diverged and self.steps_done == self.steps_planned

    def rates(self) -> np.ndarray:
        """Per-step loss ratios ``L(k+1) / L(k)``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.loss[1:] / self.loss[:-1]


def _check_stride(name: str, v) -> None:
    if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1):
        raise LandscapeError(f"{name}={v!r} is invalid; expected an integer >= 1 or None")


def train_gd(arch: DuArchitecture, params: DuParams, X, y, *, eta: float, steps: int,
             gram_every: int | None = 1, dist_every: int | None = 1, train_a: bool = True) -> TrainHistory:
    """Full-batch gradient descent with fixed step ``eta`` on eq. (1), all of
    ``W^(1..H)`` (and ``a`` unless ``train_a=False``) updated simultaneously (section 3.3).

    Gradients by back-propagation (:meth:`DuArchitecture.backward`):
    ``dL/dW^(h) = sum_i (u_i - y_i) delta_i^(h) (x_i^(h-1))^T``, ``dL/da = sum_i (u_i - y_i) x_i^(H)``;
    each ``W^(h)`` is updated in place by one rank-``n`` BLAS update (``addmm_``: one pass
    over the ``m x m`` matrix).  ``G^(H)(k)`` is recorded every ``gram_every`` iterations,
    the distances of eq. (6) every ``dist_every`` (both also at ``k = 0`` and the last
    iterate; ``None``: only there).  ``train_a=False`` freezes the output layer (Golikov's
    two-layer analysis: ``a_r in {-1, 1}`` fixed, eq. (10)).  ``params`` is not modified.
    """
    try:
        eta = float(eta)
    except (TypeError, ValueError):
        raise LandscapeError(f"step size eta={eta!r} is invalid; expected a finite number > 0") from None
    if not (math.isfinite(eta) and eta > 0):
        raise LandscapeError(f"step size eta={eta!r} is invalid; expected a finite number > 0")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise LandscapeError(f"steps={steps!r} is invalid; expected an integer >= 0")
    _check_stride("gram_every", gram_every)
    _check_stride("dist_every", dist_every)
    # the one trainer's loop (landscape._lib.train.iterate) drives the analytic back-propagation and the
    # in-place rank-n updates; a step whose loss is not finite or exceeds DIVERGENCE_FACTOR L(0) ends the run
    x = as_data(X, d=arch.d)
    yt = as_labels(y, x.shape[0])
    p0 = arch.check_params(params).clone()
    W = [w.clone() for w in p0.W]
    a = p0.a.clone()
    sqm = math.sqrt(arch.m)
    residuals, dists, dist_a, dsteps, gsteps, grams = [], [], [], [], [], []
    last_update: list = []  # (rank-n factors per layer, a-gradient) of the last step, to undo it

    def evaluate(k: int) -> train.Step:
        cur = DuParams(tuple(W), a)
        fwd = arch.forward_unchecked(cur, x)
        r = fwd.u - yt
        return train.Step(k, cur, 0.5 * float(r @ r), aux={"fwd": fwd, "r": r})

    def blew_up(s: train.Step) -> bool:
        return not math.isfinite(s.loss) or (s.k > 0 and s.loss > DIVERGENCE_FACTOR * max(s.loss0, 1e-300))

    def record(s: train.Step) -> None:
        fwd, final = s.aux["fwd"], s.k == steps
        residuals.append((-s.aux["r"]).numpy().copy())
        if (dist_every is not None and s.k % dist_every == 0) or s.k == 0 or final:
            dsteps.append(s.k)
            dists.append([float((w - w0).norm()) / sqm for w, w0 in zip(W, p0.W)])
            dist_a.append(float((a - p0.a).norm()))
        deltas = s.aux["deltas"] = arch.backward(s.w, fwd)
        if (gram_every is not None and s.k % gram_every == 0) or s.k == 0 or final:
            D, A = deltas[-1], fwd.layers[-2]
            gsteps.append(s.k)
            grams.append(((D @ D.T) * (A @ A.T)).numpy())

    def advance(s: train.Step) -> train.Step:
        fwd, r = s.aux["fwd"], s.aux["r"]
        factors = [(D * r[:, None], A) for D, A in zip(s.aux["deltas"], fwd.layers[:-1])]
        ga = fwd.layers[-1].T @ r if train_a else None
        for w, (Dr, A) in zip(W, factors):
            w.addmm_(Dr.T, A, alpha=-eta)
        if ga is not None:
            a.add_(ga, alpha=-eta)
        last_update[:] = [factors, ga]
        return evaluate(s.k + 1)

    run = train.iterate(evaluate(0), advance, steps=steps, callback=record, diverged=blew_up)
    blowup_gram = None
    if run.diverged:
        fwd = run.blowup.aux["fwd"]
        if all(bool(torch.isfinite(t).all()) for t in fwd.layers):
            D, A = arch.backward(run.blowup.w, fwd)[-1], fwd.layers[-2]
            blowup_gram = ((D @ D.T) * (A @ A.T)).numpy()
        if last_update:  # restore the last finite iterate
            for w, (Dr, A) in zip(W, last_update[0]):
                w.addmm_(Dr.T, A, alpha=eta)
            if last_update[1] is not None:
                a.add_(last_update[1], alpha=eta)
    losses = run.losses
    if run.diverged and dsteps and dsteps[-1] != len(losses) - 1:  # distances at the last finite iterate
        dsteps.append(len(losses) - 1)
        dists.append([float((w - w0).norm()) / sqm for w, w0 in zip(W, p0.W)])
        dist_a.append(float((a - p0.a).norm()))
    done = len(losses) - 1
    b = run.blowup
    return TrainHistory(eta, np.array(losses), np.array(residuals), np.array(dists).reshape(-1, arch.H),
                        np.array(dist_a), gsteps, grams, DuParams(tuple(W), a).clone(), run.diverged, max(done, 0),
                        dsteps, steps_planned=int(steps), blowup_step=None if b is None else b.k,
                        blowup_loss=None if b is None else b.loss, blowup_gram=blowup_gram)


def rate_bound(loss0: float, eta: float, lambda_min: float, steps: int) -> np.ndarray:
    """The envelope of Theorems 5.1 / 6.1: ``L(0) (1 - eta lambda_min / 2)^k``, ``k = 0..steps``."""
    return float(loss0) * (1.0 - float(eta) * float(lambda_min) / 2.0) ** np.arange(int(steps) + 1)
