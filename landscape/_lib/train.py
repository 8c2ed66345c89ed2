"""The one training module: gradient descent, L-BFGS and Newton on a parameter vector, one loop.

Every optimiser of the package is one loop (:func:`iterate`) driving a *step producer*:

* :func:`iterate` -- the generic loop on any state (a flat vector, or a network's own
  parameters updated in place, as Du et al.'s analytic back-propagation in
  :func:`landscape._lib.kernels.train_gd`): ``start`` is the first :class:`Step`,
  ``advance(step)`` produces the next; a step flagged ``diverged`` ends the run without
  being accepted, ``callback(step)`` sees every accepted step, ``stop(step)`` ends the run
  after accepting it, and the run ends at ``k == steps``.
* :func:`descend` -- the loop on a flat float64 vector ``w`` and a loss ``loss(w)`` with a
  step *rule*: :class:`Fixed` (``w <- w - lr g``; Jiang et al.'s Algorithm 1 with one batch),
  :class:`Armijo` (backtracking with a step cap, a discretised gradient flow),
  :class:`LBFGS` (one strong-Wolfe torch L-BFGS iteration per step), :class:`Newton`
  (exact-Hessian least-squares steps while the gradient norm falls).
* :func:`gradient_descent`, :func:`newton_polish` -- the historical front-ends, on the loop.
* :func:`lbfgs` (one multi-iteration torch L-BFGS call), :func:`minimise` (scipy L-BFGS-B to
  stationarity) -- whole-run optimisers with no per-step hook.

Every torch L-BFGS here (:class:`LBFGS`, :func:`lbfgs`) runs on
:class:`landscape._lib.optimise.LBFGSDriver`, the suite's one L-BFGS; the batched mode over many
starts (vmap Adam) is :func:`landscape._lib.optimise.adam_batched`.

Every run records its loss history (and optional probes at a stride) so the report can
plot it; nothing here decides a verdict.  The arithmetic of each rule is fixed (order of
operations included): the claims' counterexample files depend on it bit for bit.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np
import scipy.optimize
import torch

from landscape._lib import optimise

LossFn = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class Step:
    """One iterate of a run, as the loop, its callback and its stop predicate see it.

    ``k`` is the iterate's index (``0`` for the start); ``w`` the iterate (a flat tensor, or
    the caller's own state for :func:`iterate`: never modify it in a callback); ``loss`` its
    loss; ``grad`` its gradient (``None`` where the producer does not compute one, e.g.
    :class:`LBFGS`); ``lr`` the step size that produced it (for :class:`Armijo`: the step
    accepted, or the last one tried when the line search failed; ``None`` at ``k = 0``);
    ``loss0`` the loss of the start (filled in by the loop: relative criteria use it);
    ``moved`` False when the step left the point where it was (a zero gradient, a failed
    line search); ``diverged`` True when the producer rejects the iterate (non-finite values
    or a rule's own test): the run then ends without accepting it; ``aux`` the producer's
    scratch data (e.g. a forward pass the update reuses).
    """

    k: int
    w: Any
    loss: float
    grad: Any = None
    lr: float | None = None
    loss0: float = math.nan
    moved: bool = True
    diverged: bool = False
    aux: Any = None

    @property
    def grad_norm(self) -> float:
        """``float(grad.norm())`` (``nan`` without a gradient)."""
        return math.nan if self.grad is None else float(self.grad.norm())


@dataclass
class Run:
    """A training run: final point, losses, gradient norms, probes recorded at a stride.

    ``w`` is the last accepted iterate; ``losses`` / ``grad_norms`` / ``steps`` / ``probes``
    are recorded every ``stride`` iterations and at the last accepted iterate;
    ``iterates`` every accepted iterate when asked for (``keep_iterates=True``);
    ``diverged`` says whether the run ended on a rejected iterate, kept apart in ``blowup``
    (a judge of the run must treat it as a step of the run, never as a clean end);
    ``final`` is the last accepted :class:`Step`.
    """

    w: Any
    losses: list[float]
    grad_norms: list[float]
    steps: list[int]
    probes: list[Any] = field(default_factory=list)
    iterates: list[Any] = field(default_factory=list)
    diverged: bool = False
    blowup: Step | None = None
    final: Step | None = None

    def path(self) -> list[Any]:
        """The accepted iterates followed by the rejected one, if any (the points the run visited)."""
        return self.iterates + ([self.blowup.w] if self.blowup is not None else [])


def value(loss: LossFn, w: torch.Tensor) -> float:
    """``float(loss(w))`` without building a graph (``torch.no_grad``)."""
    with torch.no_grad():
        return float(loss(w))


def value_and_grad(loss: LossFn, w: torch.Tensor) -> tuple[float, torch.Tensor]:
    """``(loss(w), grad loss(w))`` by autograd on a detached copy of ``w`` (``w`` is not touched)."""
    v = w.detach().clone().requires_grad_(True)
    val = loss(v)
    (g,) = torch.autograd.grad(val, v)
    return float(val.detach()), g.detach()


def _finite(val: float, g: torch.Tensor | None) -> bool:
    return math.isfinite(val) and (g is None or bool(torch.isfinite(g).all()))


# --------------------------------------------------------------------------------- the loop
def iterate(start: Step, advance: Callable[[Step], Step], *, steps: int,
            callback: Callable[[Step], None] | None = None, stop: Callable[[Step], bool] | None = None,
            diverged: Callable[[Step], bool] | None = None, stride: int | None = 1,
            probe: Callable[[Any], Any] | None = None, keep_iterates: bool = False) -> Run:
    """The one training loop: accept ``start``, then ``advance`` until ``k == steps``.

    For each step (``start`` first): if it is rejected (``step.diverged``, or the extra
    predicate ``diverged(step)``) the run ends with ``Run.diverged`` and the step in
    ``Run.blowup``; otherwise it is accepted -- recorded (every ``stride`` iterations and at
    the last accepted one; ``stride=None``: only at the last), kept when ``keep_iterates``,
    passed to ``callback`` -- and the run ends if ``step.k >= steps`` or ``stop(step)``;
    else ``advance(step)`` produces the next step.  ``advance`` is called only after the
    callback of the step it advances from, so a callback may leave data in ``step.aux`` for
    it (how :func:`landscape._lib.kernels.train_gd` reuses its back-propagation).  A
    producer that updates its state in place returns the same object each step: then
    ``keep_iterates``, ``probe`` and ``Run.w`` see the current state, not a copy.  The loop
    does no arithmetic on the iterates: the results are the producer's, bit for bit.
    """
    run = Run(start.w, [], [], [])
    step, last = start, None

    def record(s: Step) -> None:
        run.losses.append(s.loss)
        run.grad_norms.append(s.grad_norm)
        run.steps.append(s.k)
        if probe is not None:
            run.probes.append(probe(s.w))

    while True:
        step.loss0 = start.loss
        if step.diverged or (diverged is not None and diverged(step)):
            run.diverged, run.blowup = True, step
            break
        last = step
        if keep_iterates:
            run.iterates.append(step.w)
        final = step.k >= steps
        if stride is not None and (step.k % stride == 0 or final):
            record(step)
        if callback is not None:
            callback(step)
        if final or (stop is not None and stop(step)):
            break
        step = advance(step)
    if last is not None:
        run.w, run.final = last.w, last
        if not run.steps or run.steps[-1] != last.k:
            record(last)
    return run


# --------------------------------------------------------------------------------- rules
class Rule:
    """A step rule for :func:`descend`: ``start(loss, w0)`` is the first step, ``advance(loss, step)`` the next.

    A rule may keep per-run state (a step size, an optimiser); ``start`` resets it, so one
    rule object can serve several runs one after the other (not interleaved).
    """

    def start(self, loss: LossFn, w0: torch.Tensor) -> Step:
        raise NotImplementedError

    def advance(self, loss: LossFn, step: Step) -> Step:
        raise NotImplementedError


@dataclass
class Fixed(Rule):
    """Fixed step ``w <- w - lr g`` (full-batch GD; Jiang et al.'s Algorithm 1 with one batch).

    Every iterate is evaluated with :func:`value_and_grad`.  ``stop_nonfinite`` (default):
    an iterate whose loss or gradient is not finite is rejected (the run diverged) -- the
    start included; ``False`` runs through non-finite values (what :func:`gradient_descent`
    has always done).
    """

    lr: float
    stop_nonfinite: bool = True

    def _step(self, loss: LossFn, k: int, w: torch.Tensor, lr: float | None) -> Step:
        val, g = value_and_grad(loss, w)
        return Step(k, w, val, g, lr, diverged=self.stop_nonfinite and not _finite(val, g))

    def start(self, loss: LossFn, w0: torch.Tensor) -> Step:
        return self._step(loss, 0, w0.detach().clone(), None)

    def advance(self, loss: LossFn, step: Step) -> Step:
        return self._step(loss, step.k + 1, step.w - self.lr * step.grad, self.lr)


@dataclass
class Armijo(Rule):
    """Steps ``-lr g`` with Armijo backtracking: a discretised gradient flow, faithful to basins.

    From ``lr`` (initially ``lr_max``) halve up to ``halvings`` times until the trial point
    has a finite loss ``<= loss - lr |g|^2 / 2`` (values by :func:`value`); accept it, then
    ``lr <- min(grow lr, lr_max)``.  ``g = 0`` leaves the point (and ``lr``) as it is; a
    failed search leaves the point and keeps the halved ``lr`` for the next step; neither
    re-evaluates the loss (``moved=False``).  An accepted point whose loss is not finite is
    rejected (the run diverged); the start is never rejected.  The loss never increases.
    """

    lr_max: float
    halvings: int = 60
    grow: float = 2.0
    lr: float = field(default=math.nan, init=False)

    @classmethod
    def for_curvature(cls, lam_abs: float, **kw: Any) -> "Armijo":
        """``lr_max = 1 / lam_abs`` (``1`` if ``lam_abs <= 0``): the step cap at curvature ``Lambda``."""
        return cls(1.0 / lam_abs if lam_abs > 0 else 1.0, **kw)

    def start(self, loss: LossFn, w0: torch.Tensor) -> Step:
        self.lr = self.lr_max
        v = w0.detach().clone()
        val, g = value_and_grad(loss, v)
        return Step(0, v, val, g, None)

    def advance(self, loss: LossFn, step: Step) -> Step:
        v, val, g = step.w, step.loss, step.grad
        gg = float(g @ g)
        if gg == 0.0:
            return Step(step.k + 1, v.clone(), val, g, self.lr, moved=False)
        lr = self.lr
        for _ in range(self.halvings):
            cand = v - lr * g
            cval = value(loss, cand)
            if math.isfinite(cval) and cval <= val - 0.5 * lr * gg:
                break
            lr *= 0.5
        else:
            self.lr = lr
            return Step(step.k + 1, v.clone(), val, g, lr, moved=False)
        val, g = value_and_grad(loss, cand)
        self.lr = min(self.grow * lr, self.lr_max)
        return Step(step.k + 1, cand, val, g, lr, diverged=not math.isfinite(val))


@dataclass
class LBFGS(Rule):
    """One torch L-BFGS iteration (strong-Wolfe line search) per step, on one optimiser for the run.

    ``torch.optim.LBFGS(lr=1, max_iter=1, max_eval, tolerance_grad=0, tolerance_change=0,
    history_size, line_search_fn="strong_wolfe")``, one ``opt.step`` per step.  Steps carry
    the loss (:func:`value`) but no gradient; an iterate that is not finite, or whose loss is
    not, is rejected (the run diverged); the start is not checked.  Faster than
    :class:`Armijo`, but the line search can jump across a barrier into another basin.
    """

    max_eval: int = 26
    history_size: int = 20

    def start(self, loss: LossFn, w0: torch.Tensor) -> Step:
        w = w0.detach().clone()
        self._p = w0.detach().clone().requires_grad_(True)
        self._drv = optimise.LBFGSDriver(loss, self._p, max_iter=1, max_eval=self.max_eval,
                                         history_size=self.history_size)
        return Step(0, w, value(loss, w), None, None)

    def advance(self, loss: LossFn, step: Step) -> Step:
        p = self._p
        self._drv.step()
        w = p.detach().clone()
        val = value(loss, w) if bool(torch.isfinite(p).all()) else math.nan
        return Step(step.k + 1, w, val, None, 1.0, diverged=not math.isfinite(val))


@dataclass
class Newton(Rule):
    """Newton steps ``w <- w - H^+ g`` with the exact Hessian (``torch.func.hessian``; small models).

    Least-squares solve (LAPACK ``gelsd`` through ``numpy.linalg.lstsq``, ``rcond``), so singular
    directions are left alone.  Not ``torch.linalg.lstsq``: on this machine (MKL) it returns
    different last bits from call to call on the same input (16 distinct results in 40 calls on a
    9 x 9 system), which made Jiang's split fixtures -- and the statistics built on them -- differ
    from run to run; ``gelsd`` gives one result.  A step
    whose gradient is not finite or whose gradient norm is not below the current one is
    rejected (the run ends at the previous point, ``Run.diverged`` set).
    """

    rcond: float = 1e-12

    def start(self, loss: LossFn, w0: torch.Tensor) -> Step:
        w = w0.detach().clone()
        val, g = value_and_grad(loss, w)
        return Step(0, w, val, g, None)

    def advance(self, loss: LossFn, step: Step) -> Step:
        from torch.func import hessian

        w, g = step.w, step.grad
        h = hessian(loss)(w).detach()
        delta = torch.from_numpy(np.linalg.lstsq(h.numpy(), g.unsqueeze(1).numpy(), rcond=self.rcond)[0][:, 0])
        w_new = w - delta
        val, g_new = value_and_grad(loss, w_new)
        bad = not torch.isfinite(g_new).all() or g_new.norm() >= g.norm()
        return Step(step.k + 1, w_new, val, g_new, 1.0, diverged=bool(bad))


def descend(loss: LossFn, w0: torch.Tensor, *, rule: Rule, steps: int,
            callback: Callable[[Step], None] | None = None, stop: Callable[[Step], bool] | None = None,
            diverged: Callable[[Step], bool] | None = None, stride: int | None = 1,
            probe: Callable[[torch.Tensor], Any] | None = None, keep_iterates: bool = False) -> Run:
    """Up to ``steps`` steps of ``rule`` (:class:`Fixed`, :class:`Armijo`, :class:`LBFGS`, :class:`Newton`)
    on ``loss`` from ``w0`` (not modified); the loop and its arguments are :func:`iterate`'s."""
    return iterate(rule.start(loss, w0), lambda s: rule.advance(loss, s), steps=steps, callback=callback,
                   stop=stop, diverged=diverged, stride=stride, probe=probe, keep_iterates=keep_iterates)


def loss_below(factor: float) -> Callable[[Step], bool]:
    """Stop predicate ``step.loss <= factor * step.loss0`` (the loss fell by ``factor`` from the start)."""
    return lambda s: s.loss <= factor * s.loss0


def gradient_descent(loss: LossFn, w0: torch.Tensor, *, lr: float, steps: int, stride: int = 10,
                     probe: Callable[[torch.Tensor], Any] | None = None) -> Run:
    """Full-batch GD ``w <- w - lr grad`` (Jiang's Algorithm 1 with one mini-batch, fixed step).

    :func:`descend` with ``Fixed(lr, stop_nonfinite=False)``: always ``steps`` steps, records
    (and ``probe(w)``) every ``stride`` iterations and at the last.
    """
    return descend(loss, w0, rule=Fixed(lr, stop_nonfinite=False), steps=steps, stride=stride, probe=probe)


def _openblas_handles() -> list[tuple[Callable, Callable]]:
    """(get, set) thread-count functions of every OpenBLAS loaded in this process (numpy's and scipy's).

    Found through ``/proc/self/maps`` and ctypes, as threadpoolctl does (not a dependency);
    empty where that is unavailable (non-Linux), and then nothing is changed.
    """
    handles = []
    try:
        with open("/proc/self/maps") as fh:
            paths = sorted({line.split()[-1] for line in fh if line.strip()})
    except OSError:
        return handles
    for p in paths:
        name = p.split("/")[-1].lower()
        if "openblas" not in name or ".so" not in name:
            continue
        try:
            lib = ctypes.CDLL(p)
        except OSError:
            continue
        for get, set_ in (("openblas_get_num_threads", "openblas_set_num_threads"),
                          ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
                          ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads")):
            g, s_ = getattr(lib, get, None), getattr(lib, set_, None)
            if g is not None and s_ is not None:
                handles.append((g, s_))
                break
    return handles


@contextlib.contextmanager
def blas_threads(n: int = 1) -> Iterator[None]:
    """Run the block with OpenBLAS limited to ``n`` threads (restored afterwards).

    scipy's L-BFGS-B calls OpenBLAS on tiny vectors; with OpenBLAS' thread pool on a loaded
    2-core machine each call costs ~1.6 ms instead of microseconds (measured: Jiang's split
    fixtures took 22.7 s with the default 2 threads and 1.4 s with one).  The arithmetic of
    these small problems is not threaded, so the results do not depend on it beyond round-off.
    """
    import scipy.optimize  # noqa: F401 - make sure scipy's OpenBLAS is loaded before looking for it

    handles = _openblas_handles()
    old = []
    for g, s_ in handles:
        try:
            old.append((s_, int(g())))
            s_(int(n))
        except Exception:  # noqa: BLE001 - a foreign symbol with another signature: leave it alone
            continue
    try:
        yield
    finally:
        for s_, v in old:
            s_(v)


def lbfgs(loss: LossFn, w0: torch.Tensor, *, max_iter: int, history_size: int = 20) -> Run:
    """torch L-BFGS (strong Wolfe, float64) for at most ``max_iter`` iterations from ``w0``.

    Used for cheap witnesses (e.g. a lower attained loss).  Returns the final point with its
    loss and gradient norm; a run that leaves float64 returns the start.
    """
    p = optimise.parameter(w0)
    drv = optimise.LBFGSDriver(loss, p, max_iter=max_iter, max_eval=2 * max_iter, tolerance_grad=1e-12,
                               history_size=history_size)
    try:
        drv.step()
        w = p.detach().clone()
    except (RuntimeError, IndexError, ValueError, ArithmeticError):
        w = w0.detach().clone()
    if not torch.isfinite(w).all():
        w = w0.detach().clone()
    val, g = value_and_grad(loss, w)
    if not math.isfinite(val):
        w = w0.detach().clone()
        val, g = value_and_grad(loss, w)
    return Run(w, [val], [float(g.norm())], [drv.n_iter])


def minimise(loss: LossFn, w0: torch.Tensor, *, gtol: float = 1e-12, max_iter: int = 2000) -> Run:
    """Reach stationarity with scipy's L-BFGS-B (float64, torch gradients; OpenBLAS on one thread)."""

    def fg(x: np.ndarray):
        val, g = value_and_grad(loss, torch.as_tensor(x))
        return val, g.numpy().astype(np.float64)

    with blas_threads(1):
        res = scipy.optimize.minimize(fg, w0.detach().numpy().astype(np.float64), jac=True, method="L-BFGS-B",
                                      options={"gtol": gtol, "ftol": 0.0, "maxiter": max_iter, "maxcor": 30})
    w = torch.as_tensor(res.x)
    val, g = value_and_grad(loss, w)
    return Run(w, [val], [float(g.norm())], [int(res.nit)])


def newton_polish(loss: LossFn, w: torch.Tensor, *, steps: int = 20) -> torch.Tensor:
    """Newton steps with the exact Hessian (small models): drives the gradient to round-off.

    Uses a least-squares solve (pseudo-inverse), so singular directions are left alone;
    stops as soon as a step does not reduce the gradient norm (:func:`descend` with
    :class:`Newton`; returns the last accepted point).
    """
    return descend(loss, w, rule=Newton(), steps=steps, stride=None).w
