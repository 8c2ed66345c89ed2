"""Many random starts at once: batched first-order descent, polish and certificate of the suspicious endpoints.

:func:`multistart` is what a landscape claim does by hand -- train from many initialisations,
keep the endpoints, certify the suspicious ones -- with the expensive part batched:

1. ``starts`` initial points, start ``i`` drawn by ``init(numpy.random.default_rng([seed, i]))``
   (so start ``i`` does not depend on how many starts there are), float64 on ``device``;
2. a first-order phase over all starts at once: Adam with a cosine-decayed step and a stopping
   rule (:class:`landscape._lib.optimise.AdamSchedule`), the gradients of every start from one
   ``torch.func.vmap`` call per step (:func:`landscape._lib.optimise.adam_batched`;
   ``batched=False`` runs the same arithmetic one start at a time, the serial reference);
3. descent-Newton steps with the exact Hessian on every endpoint, batched the same way
   (:func:`landscape._lib.optimise.newton_rows`, small models); ``best``: the lowest loss reached; an
   endpoint is *global* when ``at_most(loss, best, scale=scale)`` is ``zero`` (the tolerance policy,
   :mod:`landscape._lib.tolerance`); only the others are polished one by one (:func:`landscape._lib.certify.refine_stationary`: L-BFGS chunks, then Newton
   with the exact Hessian) and re-decided against the new best;
4. the endpoints are clustered -- equal loss by the policy and, unless ``distance=None``, within
   ``distance x max(1, |w|)`` of the cluster's lowest point -- and the representative of every
   cluster that is not global is certified (:func:`landscape._lib.certify.certify_minimum`, which
   first certifies criticality with its proof level, :func:`landscape._lib.certify.certify_critical`;
   ``loss_mp`` is passed through);
5. the result lists the distinct endpoints with their loss, the certificate's kind and proof level,
   and the number and fraction of starts that reached each (basin statistics).

The first-order phase runs on ``device``; polish and certificate run on CPU float64 copies of the
endpoints (the certificate's linear algebra and ball arithmetic are CPU code), evaluating ``loss``
on ``device`` through autograd.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

from landscape._lib import optimise, tolerance
from landscape._lib.errors import LandscapeError

LossFn = Callable[[torch.Tensor], torch.Tensor]
Init = Callable[[np.random.Generator], Any]

#: Certificate kinds that say "local minimum".
MINIMUM_KINDS = ("strict", "non-strict")


@dataclass
class Endpoint:
    """One distinct endpoint of :func:`multistart` (a cluster of starts' endpoints).

    ``w`` the cluster's lowest point (CPU float64), ``loss`` its loss; ``count`` / ``fraction`` the
    starts that reached it (the fraction of *all* starts, diverged ones included); ``starts`` their
    indices; ``is_global`` whether its loss is the lowest found by the policy; ``kind`` ``"global"``
    (at the lowest loss found: not certified), a :func:`certify_minimum` kind (``strict``,
    ``non-strict``, ``saddle``, ``not-stationary``, ``inconclusive``) or ``None`` (not certified:
    ``certify=False`` or beyond ``max_certified``); ``proof`` the certificate's proof level
    (``exact``, ``interval``, ``multiprecision``, ``float64``; ``None`` without a certificate);
    ``polished`` whether the point was polished; ``certificate`` the whole certificate.
    """

    w: torch.Tensor
    loss: float
    count: int
    fraction: float
    starts: list[int]
    is_global: bool
    kind: str | None = None
    proof: str | None = None
    polished: bool = False
    certificate: Any = field(default=None, repr=False)

    @property
    def spurious(self) -> bool:
        """A certified local minimum (strict or non-strict) above the lowest loss found."""
        return not self.is_global and self.kind in MINIMUM_KINDS

    def as_dict(self) -> dict:
        return {"loss": self.loss, "count": self.count, "fraction": self.fraction, "is_global": self.is_global,
                "kind": self.kind, "proof": self.proof, "polished": self.polished, "norm": float(self.w.norm())}


@dataclass
class MultistartResult:
    """What :func:`multistart` found: the distinct endpoints (lowest loss first) and the run's numbers.

    ``best`` the lowest loss reached; ``scale`` the loss scale of the 'global' decisions; ``starts``
    the number of starts, ``diverged`` how many left float64 (their iterates are not endpoints);
    ``steps`` the first-order steps each start took; ``seconds`` the wall time of each phase
    (``first_order``, ``polish``, ``certify``); ``seed``, ``batched`` and ``device`` as given.
    """

    endpoints: list[Endpoint]
    best: float
    scale: float
    starts: int
    diverged: int
    steps: list[int]
    seconds: dict[str, float]
    seed: int
    batched: bool
    device: str

    @property
    def spurious(self) -> list[Endpoint]:
        """The endpoints certified as local minima (strict or non-strict) above the lowest loss found."""
        return [e for e in self.endpoints if e.spurious]

    @property
    def spurious_fraction(self) -> float:
        """The fraction of starts that reached a certified spurious local minimum."""
        return sum(e.count for e in self.spurious) / self.starts

    @property
    def global_fraction(self) -> float:
        """The fraction of starts that reached the lowest loss found."""
        return sum(e.count for e in self.endpoints if e.is_global) / self.starts

    def basins(self) -> list[dict]:
        """Basin statistics: one dict per distinct endpoint (loss, count, fraction, kind, proof, ...)."""
        return [e.as_dict() for e in self.endpoints]

    def summary(self) -> dict:
        return {"starts": self.starts, "diverged": self.diverged, "best": self.best, "scale": self.scale,
                "distinct": len(self.endpoints), "global_fraction": self.global_fraction,
                "spurious_fraction": self.spurious_fraction, "seconds": dict(self.seconds), "seed": self.seed,
                "batched": self.batched, "device": self.device, "basins": self.basins()}


# --------------------------------------------------------------------------------- nn.Module
def module_loss(module: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *,
                criterion: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None) -> LossFn:
    """The loss of ``module`` on ``(x, y)`` as a function of its flat parameters (``torch.func.functional_call``).

    ``w -> criterion(module(x; W(w)), y)`` with ``criterion`` the summed squared error by default;
    ``W(w)`` cuts the flat vector into the module's parameters in ``named_parameters()`` order.  The
    returned function carries ``n_params`` and ``flat()`` (the module's current parameters as one
    vector).  The module's dtype must match the weights' (``module.double()`` for float64).
    """
    from torch.func import functional_call

    if not isinstance(module, torch.nn.Module):
        raise LandscapeError(f"module {module!r} is not a torch.nn.Module")
    named = [(n, p.shape, p.numel()) for n, p in module.named_parameters()]
    if not named:
        raise LandscapeError(f"module {module.__class__.__name__} has no parameters")
    crit = criterion if criterion is not None else (lambda out, t: ((out - t) ** 2).sum())

    def loss(w: torch.Tensor) -> torch.Tensor:
        params, off = {}, 0
        for name, shape, k in named:
            params[name] = w[off:off + k].reshape(shape)
            off += k
        return crit(functional_call(module, params, (x,)), y)

    loss.n_params = sum(k for _, _, k in named)  # type: ignore[attr-defined]
    loss.flat = lambda: torch.cat([p.detach().reshape(-1) for p in module.parameters()])  # type: ignore[attr-defined]
    return loss


# --------------------------------------------------------------------------------- validation
def _device(device: Any) -> torch.device:
    if device is None:
        raise LandscapeError("device=None: pass the device explicitly (e.g. device='cpu' or device='cuda'); "
                             "multistart has no hidden default")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as e:
        raise LandscapeError(f"device {device!r} is not a torch device ({e})") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise LandscapeError(f"device {device!r}: CUDA is not available on this machine")
    return dev


def _count(name: str, v: Any, low: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or int(v) < low:
        raise LandscapeError(f"{name}={v!r} invalid; expected an integer >= {low}")
    return int(v)


def _positive(name: str, v: Any, *, allow_zero: bool = False, allow_none: bool = False) -> float | None:
    if v is None and allow_none:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)):
        raise LandscapeError(f"{name}={v!r} invalid; expected a finite number > 0" + (" or 0" if allow_zero else ""))
    f = float(v)
    if not math.isfinite(f) or f < 0 or (f == 0 and not allow_zero):
        raise LandscapeError(f"{name}={v!r} invalid; expected a finite number > 0" + (" or 0" if allow_zero else ""))
    return f


def _starts(init: Any, starts: int, seed: int, n_params: int | None, dtype: torch.dtype,
            dev: torch.device) -> torch.Tensor:
    if isinstance(init, (int, float, np.floating, np.integer)) and not isinstance(init, bool):
        sc = _positive("init", init)
        if n_params is None:
            raise LandscapeError(f"init={init!r} (a scale) needs the number of weights: pass n_params=, or a loss "
                                 "that carries n_params (module_loss), or an initialiser rng -> flat tensor")
        n = _count("n_params", n_params, 1)
        make = lambda rng: rng.normal(0.0, sc, size=n)  # noqa: E731
    elif callable(init):
        make = init
    else:
        raise LandscapeError(f"init={init!r} invalid; expected a callable numpy Generator -> flat weights, or a "
                             "positive scale (Gaussian N(0, scale^2) weights)")
    rows = []
    for i in range(starts):
        try:
            w = make(np.random.default_rng([seed, i]))
            t = torch.as_tensor(np.asarray(w.detach().cpu()) if isinstance(w, torch.Tensor) else np.asarray(w),
                                dtype=torch.float64).reshape(-1)
        except LandscapeError:
            raise
        except Exception as e:  # noqa: BLE001 - the user's initialiser: name it in the error
            raise LandscapeError(f"init={init!r} failed on start {i}: {e.__class__.__name__}: {e}") from e
        if rows and t.numel() != rows[0].numel():
            raise LandscapeError(f"init={init!r} returned {t.numel()} weights on start {i}, {rows[0].numel()} before")
        if t.numel() == 0 or not bool(torch.isfinite(t).all()):
            raise LandscapeError(f"init={init!r} returned an empty or non-finite start ({i})")
        rows.append(t)
    if n_params is not None and rows[0].numel() != int(n_params):
        raise LandscapeError(f"init={init!r} returned {rows[0].numel()} weights; n_params={n_params}")
    return torch.stack(rows).to(device=dev, dtype=dtype)


# --------------------------------------------------------------------------------- multistart
def multistart(loss: LossFn, init: Init | float, starts: int, *, seed: int = 0, device: Any,
               dtype: torch.dtype = torch.float64, n_params: int | None = None, steps: int = 1000,
               lr: float = 1e-2, final_lr: float = 1e-2, gtol: float = 1e-10, batched: bool = True,
               chunk: int | None = None, scale: float | None = None, distance: float | None = 1e-3,
               polish: bool = True, newton_steps: int = 30, newton_max_params: int = 200, polish_iter: int = 200,
               certify: bool = True, max_certified: int | None = None, threads: int | None = 1,
               loss_mp: Any = None, certify_kwargs: dict | None = None) -> MultistartResult:
    """Descend from ``starts`` random points at once, polish and certify the endpoints that are not global.

    ``loss``: a scalar function of a flat weight vector, vmappable in the batched mode (pure torch:
    no ``.item()``, no data-dependent Python control flow) -- any torch function, an ``nn.Module``
    through :func:`module_loss`, the library's losses (``mlp_squared_loss``, ``DeepLinear.loss_fn``).
    ``init``: a callable ``numpy Generator -> flat weights`` (start ``i`` gets
    ``default_rng([seed, i])``), or a positive scale (Gaussian ``N(0, scale^2)`` weights; needs
    ``n_params`` or a loss carrying it).  ``device`` (required: no hidden default) and ``dtype``
    (float64 by default) of the first-order phase.

    First-order phase (module docstring): Adam for at most ``steps`` steps, step ``lr`` decayed by a
    cosine to ``lr * final_lr``, a start frozen once its gradient norm is ``<= gtol``; ``chunk``
    starts per vmap call at most (memory).  ``batched=False``: the same arithmetic one start at a
    time (the serial reference).  ``scale``: the loss scale of the 'global' decision
    ``at_most(loss, best, scale=scale)`` (default: the median loss of the starts, the problem's
    natural size).  ``polish``: first up to ``newton_steps`` descent-Newton steps (|Hessian|, backtracking) on every
    endpoint (batched like the first-order phase; only with at most ``newton_max_params`` weights), then
    the non-global endpoints are refined with
    :func:`refine_stationary` (``polish_iter`` L-BFGS iterations, then Newton).  ``distance``:
    clustering radius relative to ``max(1, |w|)`` (``None``: cluster by loss only, for continuous
    families of equal-loss minima).  ``certify``: the representative of each non-global cluster is
    certified by :func:`certify_minimum` (``loss_mp``: the loss's multiple-precision form,
    ``certify_kwargs``: its other options; at most ``max_certified`` clusters, lowest loss first).

    ``threads``: torch's intra-op threads for the whole call (restored afterwards; ``None``: leave torch's
    setting).  One by default: on these small batched problems a thread pool on a busy machine costs far more
    than it gains (measured: 19 s with 2 threads against 0.9 s with one, 64 starts of a deep linear net, on 2
    cores shared with a test suite).

    Deterministic for a given ``seed`` (and device).  Raises :class:`LandscapeError` on bad arguments.
    """

    if not callable(loss):
        raise LandscapeError(f"loss={loss!r} is not callable; expected a function of a flat weight vector "
                             "(an nn.Module: wrap it with module_loss)")
    if isinstance(loss, torch.nn.Module):
        raise LandscapeError(f"loss={loss.__class__.__name__}(...) is an nn.Module; wrap it with "
                             "module_loss(module, x, y) to get a loss of its flat weights")
    starts = _count("starts", starts, 1)
    seed = _count("seed", seed, 0)
    dev = _device(device)
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise LandscapeError(f"dtype={dtype!r} invalid; expected a torch floating dtype (torch.float64)")
    steps = _count("steps", steps, 0)
    lr = _positive("lr", lr)
    final_lr = _positive("final_lr", final_lr, allow_zero=True)
    if final_lr > 1:
        raise LandscapeError(f"final_lr={final_lr!r} invalid; expected a fraction of lr in [0, 1]")
    gtol = _positive("gtol", gtol, allow_zero=True)
    scale = _positive("scale", scale, allow_zero=True, allow_none=True)
    distance = _positive("distance", distance, allow_none=True)
    polish_iter = _count("polish_iter", polish_iter, 0)
    newton_steps = _count("newton_steps", newton_steps, 0)
    newton_max_params = _count("newton_max_params", newton_max_params, 0)
    if max_certified is not None:
        max_certified = _count("max_certified", max_certified, 0)
    if chunk is not None:
        chunk = _count("chunk", chunk, 1)
    if threads is not None:
        threads = _count("threads", threads, 1)
    if certify_kwargs is not None and not isinstance(certify_kwargs, dict):
        raise LandscapeError(f"certify_kwargs={certify_kwargs!r} invalid; expected a dict of certify_minimum options")
    if n_params is None:
        n_params = getattr(loss, "n_params", None)

    w0 = _starts(init, starts, seed, n_params, dtype, dev)
    try:
        with torch.no_grad():
            probe = loss(w0[0])
    except Exception as e:  # noqa: BLE001 - the user's loss: name it in the error
        raise LandscapeError(f"loss failed on a start of {w0.shape[1]} weights: {e.__class__.__name__}: {e}") from e
    if not isinstance(probe, torch.Tensor) or probe.numel() != 1:
        raise LandscapeError(f"loss returned {type(probe).__name__} {getattr(probe, 'shape', '')}; expected a scalar "
                             "torch tensor")
    sched = optimise.AdamSchedule(steps=steps, lr=lr, final_lr=final_lr, gtol=gtol)

    old_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        return _run(loss, w0, sched, batched, chunk, polish, newton_steps, newton_max_params, polish_iter, certify,
                    max_certified, loss_mp, certify_kwargs, scale, distance, starts, seed, dev, dtype)
    finally:
        torch.set_num_threads(old_threads)


def _run(loss, w0, sched, batched, chunk, polish, newton_steps, newton_max_params, polish_iter, certify,
         max_certified, loss_mp, certify_kwargs, scale, distance, starts, seed, dev, dtype) -> MultistartResult:
    from landscape._lib import certify as _certify

    t0 = time.perf_counter()
    run = optimise.adam_batched(loss, w0, sched, chunk=chunk) if batched else optimise.adam_serial(loss, w0, sched)
    if polish and newton_steps > 0 and w0.shape[1] <= newton_max_params:
        # Newton on every endpoint at once (batched mode) or one at a time (serial): most reach round-off here
        fin = ~run.diverged & torch.isfinite(run.loss)
        if bool(fin.any()):
            idx = fin.nonzero().reshape(-1)
            wn, ln, gn = optimise.newton_rows(loss, run.w[idx], steps=newton_steps, batched=batched)
            run.w[idx], run.loss[idx], run.grad_norm[idx] = wn, ln, gn
    t1 = time.perf_counter()

    cpu = torch.device("cpu")

    def loss_cpu(w: torch.Tensor) -> torch.Tensor:
        return loss(w.to(device=dev, dtype=dtype)).to(device=cpu, dtype=torch.float64)

    if hasattr(loss, "mp") and loss_mp is None:
        loss_cpu.mp = loss.mp  # type: ignore[attr-defined]
    ws = run.w.detach().to(device=cpu, dtype=torch.float64)
    losses = [float(v) for v in run.loss.detach().to(cpu)]
    diverged = [bool(d) or not math.isfinite(v) for d, v in zip(run.diverged.to(cpu), losses)]
    alive = [i for i in range(starts) if not diverged[i]]
    with torch.no_grad():  # the starts' losses, for the default scale (one vmapped call in the batched mode)
        l0 = torch.func.vmap(loss)(w0) if batched else torch.stack([loss(w) for w in w0])
    start_losses = [v for v in map(float, l0.to(cpu)) if math.isfinite(v)]
    sc = scale if scale is not None else (float(np.median(np.abs(start_losses))) if start_losses else 0.0)
    points = {i: ws[i] for i in alive}
    vals = {i: losses[i] for i in alive}
    polished: set[int] = set()

    def is_global(v: float, best: float) -> bool:
        return tolerance.at_most(v, best, scale=sc).outcome == "zero"

    def clusters_of(idx: list[int]) -> list[list[int]]:
        """Lowest loss first; a point joins the first cluster of equal loss (and near its representative)."""
        out: list[list[int]] = []
        for i in sorted(idx, key=lambda j: (vals[j], j)):
            for c in out:
                r = c[0]
                if tolerance.equal(vals[i], vals[r], scale=sc).outcome != "zero":
                    continue
                if distance is not None and float((points[i] - points[r]).norm()) > \
                        distance * max(1.0, float(points[r].norm())):
                    continue
                c.append(i)
                break
            else:
                out.append([i])
        return out

    best = min(vals.values()) if vals else math.inf
    if polish and vals:
        for _ in range(2):  # polish the non-global ones; once more if a polished point lowered the best
            todo = [i for i in alive if i not in polished and not is_global(vals[i], best)]
            if not todo:
                break
            # one polish per cluster of the first-order endpoints: its members share the polished point
            for c in clusters_of(todo):
                r = c[0]
                polished.update(c)
                try:
                    sp = _certify.refine_stationary(loss_cpu, points[r], max_iter=polish_iter)
                except (ArithmeticError, ValueError, RuntimeError, IndexError, np.linalg.LinAlgError):
                    continue
                if math.isfinite(sp.loss):
                    for i in c:
                        points[i], vals[i] = sp.w.detach().to(torch.float64), float(sp.loss)
            new_best = min(vals.values())
            if new_best >= best:
                break
            best = new_best
    t2 = time.perf_counter()

    clusters = clusters_of(alive)
    endpoints = []
    certified = 0
    kw = dict(samples=16, attack_starts=2, attack_steps=30) | (certify_kwargs or {})
    for ci, c in enumerate(clusters):
        r = c[0]
        glob = is_global(vals[r], best)
        ep = Endpoint(points[r], vals[r], len(c), len(c) / starts, sorted(c), glob,
                      kind="global" if glob else None, polished=r in polished)
        if not glob and certify and (max_certified is None or certified < max_certified):
            try:
                cert = _certify.certify_minimum(loss_cpu, points[r], rng=np.random.default_rng([seed, starts, ci]),
                                                loss_mp=loss_mp, include_point=False, **kw)
                ep.kind, ep.proof, ep.certificate = cert.kind, cert.proof, cert
            except (ArithmeticError, ValueError, RuntimeError, IndexError, np.linalg.LinAlgError) as e:
                ep.kind, ep.certificate = "inconclusive", f"{e.__class__.__name__}: {e}"
            certified += 1
        endpoints.append(ep)
    t3 = time.perf_counter()
    return MultistartResult(endpoints, best, sc, starts, starts - len(alive), [int(k) for k in run.steps.to(cpu)],
                            {"first_order": t1 - t0, "polish": t2 - t1, "certify": t3 - t2}, seed, bool(batched),
                            str(dev))


def fraction_interval(count: int, n: int, z: float = 2.0) -> tuple[float, float]:
    """Wilson score interval of a fraction ``count / n`` at ``z`` standard errors (sampling error of basin fractions)."""
    if n <= 0:
        return (0.0, 1.0)
    p = count / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, mid - half), min(1.0, mid + half))
