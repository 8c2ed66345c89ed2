"""The neighbourhood of a point, probed by evaluating the loss: random spheres, a projected-descent
ball attack (the original building blocks used by :mod:`landscape.claims.lds`, names and
behaviour kept), both with lower-point decisions, and flat probes (Hessian null directions,
caller directions, symmetry curves) that witness non-strictness (rule 5b of the package
docstring of :mod:`landscape._lib.certify`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch

from landscape._lib import optimise, tolerance
from landscape._lib.certify.base import LossFn, Symmetry, flat64, scale_radius, value
from landscape._lib.certify.decisions import equal_decision, lower_decision
from landscape._lib.certify.hessian import HessianSpectrum
from landscape._lib.jsonable import jsonable
from landscape._lib.tolerance import Decision


@dataclass
class RadiusProbe:
    radius: float
    samples: int
    min_delta: float  # min over samples of loss(w + r u) - loss(w)
    best_direction: np.ndarray | None = field(default=None, repr=False)  # the unit u of that sample


def sample_radii(loss: LossFn, w: torch.Tensor, radii: list[float], samples: int,
                 rng: np.random.Generator) -> list[RadiusProbe]:
    """Loss changes at ``samples`` uniformly random directions on each sphere of radius r."""
    base = float(loss(w))
    out = []
    with torch.no_grad():
        for r in radii:
            u = rng.normal(size=(samples, w.numel()))
            u /= np.linalg.norm(u, axis=1, keepdims=True)
            deltas = [float(loss(w + r * torch.as_tensor(ui))) - base for ui in u]
            k = int(np.argmin(deltas))
            out.append(RadiusProbe(r, samples, deltas[k], u[k].copy()))
    return out


@dataclass
class BallAttack:
    radius: float
    starts: int
    steps: int
    min_delta: float  # lowest loss found inside the ball minus loss(w)
    best_distance: float
    best_point: torch.Tensor | None = field(default=None, repr=False)


def ball_attack(loss: LossFn, w: torch.Tensor, radius: float, *, starts: int, steps: int,
                rng: np.random.Generator, lr: float | None = None) -> BallAttack:
    """Minimise ``loss`` over the ball ``|v - w| <= radius`` by projected gradient descent.

    Starts: ``w`` itself and ``starts - 1`` random points in the ball.  Step size
    ``radius / 20`` by default, with normalised gradients (so flat regions are crossed).
    """
    base = float(loss(w))
    lr = radius / 20 if lr is None else lr
    best, best_d, best_v = np.inf, 0.0, None
    for s in range(starts):
        if s == 0:
            v = w.detach().clone()
        else:
            u = rng.normal(size=w.numel())
            u *= radius * rng.random() ** (1 / w.numel()) / np.linalg.norm(u)
            v = w.detach().clone() + torch.as_tensor(u)
        for _ in range(steps):
            v.requires_grad_(True)
            val = loss(v)
            (g,) = torch.autograd.grad(val, v)
            with torch.no_grad():
                if float(val) < best:
                    best, best_d, best_v = float(val), float((v - w).norm()), v.detach().clone()
                gn = g.norm()
                step = g / gn if gn > 0 else torch.as_tensor(rng.normal(size=w.numel()))
                v = v - lr * step
                d = v - w
                dn = d.norm()
                if dn > radius:
                    v = w + d * (radius / dn)
            v = v.detach()
        with torch.no_grad():
            val = float(loss(v))
            if val < best:
                best, best_d, best_v = val, float((v - w).norm()), v.detach().clone()
    return BallAttack(radius, starts, steps, best - base, best_d, best_v)


# =======================================================================================
# Neighbourhood attack
# =======================================================================================

@dataclass
class ProbeResult:
    """One sphere of :func:`sample_radii` with decisions: ``lower`` (a sample clearly below
    ``L(w)``) and ``rise`` (every sample clearly above)."""

    radius: float
    samples: int
    min_delta: float
    lower: Decision
    rise: Decision
    direction: np.ndarray | None = field(default=None, repr=False)  # the unit direction of the lowest sample

    def as_dict(self) -> dict:
        return jsonable({"radius": self.radius, "samples": self.samples, "min_delta": self.min_delta,
                          "lower": self.lower.as_dict(), "rise": self.rise.as_dict()})


@dataclass
class AttackResult:
    """One :func:`ball_attack` with the decision ``lower`` on its best point."""

    radius: float
    starts: int
    steps: int
    min_delta: float
    best_distance: float
    lower: Decision
    point: torch.Tensor | None = field(default=None, repr=False)  # the lowest point found

    def as_dict(self) -> dict:
        return jsonable({"radius": self.radius, "starts": self.starts, "steps": self.steps,
                          "min_delta": self.min_delta, "best_distance": self.best_distance,
                          "lower": self.lower.as_dict()})


def neighbourhood_attack(loss: LossFn, w: torch.Tensor, *, rng: np.random.Generator, radii: Sequence[float],
                         samples: int, attack_starts: int, attack_steps: int, lam_abs: float,
                         attack_radii: Sequence[float] | None = None) -> tuple[list[ProbeResult], list[AttackResult]]:
    """:func:`sample_radii` on every radius and :func:`ball_attack` on every attack radius
    (default: ``radii``), each with ``lower`` decisions (:func:`lower_decision`)."""
    w = flat64(w)
    l0 = value(loss, w)
    probes = []
    if samples > 0:
        for p in sample_radii(loss, w, list(radii), samples, rng):
            lv = l0 + p.min_delta
            probes.append(ProbeResult(p.radius, p.samples, p.min_delta, lower_decision(l0, lv, p.radius, lam_abs),
                                      lower_decision(lv, l0, p.radius, lam_abs), p.best_direction))
    attacks = []
    if attack_starts > 0 and attack_steps > 0:
        for r in (list(radii) if attack_radii is None else list(attack_radii)):
            a = ball_attack(loss, w, r, starts=attack_starts, steps=attack_steps, rng=rng)
            attacks.append(AttackResult(a.radius, a.starts, a.steps, a.min_delta, a.best_distance,
                                        lower_decision(l0, l0 + a.min_delta, a.best_distance, lam_abs), a.best_point))
    return probes, attacks


# =======================================================================================
# Flat directions and non-strictness
# =======================================================================================

@dataclass
class FlatProbe:
    """Loss along one candidate flat direction (or symmetry curve), at every probe radius.

    For a direction ``u`` (unit) and radius ``s``: the straight point ``w + s u``; if its
    loss is not equal to ``L(w)``, the loss is re-minimised over the hyperplane
    ``w + s u + u^perp`` (L-BFGS from the straight point), which follows a curved level set
    such as ``uv = 1``.  For a symmetry curve: the point ``sym(w, s)``.  Per radius:
    ``distances``, ``losses``, ``equal`` (``tolerance.equal`` at scale ``Lambda d^2/2``) and
    ``lower`` decisions.  ``flat`` is True when every radius has an equal-loss point at
    distance ``d <= 2 s`` (``d >= s`` by construction; for a symmetry ``d <= 2 s R`` with
    ``R = max(1, |w|)``, as symmetry parameters are relative, e.g. a rescaling), distinct
    from ``w`` by policy (``d / R`` non-zero); False when some radius fails; None when an
    equality decision is in the band.
    """

    source: str
    sign: int
    eigenvalue_normalised: float | None
    radii: list[float]
    straight_losses: list[float]
    losses: list[float]
    distances: list[float]
    equal: list[Decision]
    lower: list[Decision]
    flat: bool | None
    points: list[torch.Tensor] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict:
        return jsonable({"source": self.source, "sign": self.sign, "eigenvalue_normalised": self.eigenvalue_normalised,
                          "radii": self.radii, "straight_losses": self.straight_losses, "losses": self.losses,
                          "distances": self.distances, "equal": [d.as_dict() for d in self.equal],
                          "lower": [d.as_dict() for d in self.lower], "flat": self.flat})


def _reminimise_on_hyperplane(loss: LossFn, base: torch.Tensor, u: torch.Tensor, max_iter: int) -> torch.Tensor:
    """L-BFGS over ``z`` in ``u^perp`` (:func:`landscape._lib.optimise.lbfgs_run`): minimise ``loss(base + P z)``;
    returns the point."""
    def point(zz):
        return base + zz - (zz @ u) * u

    z, _ = optimise.lbfgs_run(lambda zz: loss(point(zz)), torch.zeros_like(base), max_iter=max_iter,
                              max_eval=2 * max_iter + 25)
    with torch.no_grad():
        return point(z)


def _flat_one(loss, w, l0, lam_abs, source, sign, ev, radii, make_point, reminimise, max_iter,
              is_symmetry) -> FlatProbe:
    R = scale_radius(w)
    straight, losses, dists, eqs, lows, pts = [], [], [], [], [], []
    for s in radii:
        p = make_point(s)
        lv = value(loss, p)
        straight.append(lv)
        d = float((p - w).norm())
        if reminimise is not None and equal_decision(l0, lv, d, lam_abs).outcome != "zero":
            p2 = reminimise(p, max_iter)
            lv2 = value(loss, p2)
            if math.isfinite(lv2) and lv2 <= lv:
                p, lv, d = p2, lv2, float((p2 - w).norm())
        losses.append(lv)
        dists.append(d)
        pts.append(p)
        eqs.append(equal_decision(l0, lv, d, lam_abs))
        lows.append(lower_decision(l0, lv, d, lam_abs))
    ok = []
    for s, d, e in zip(radii, dists, eqs):
        distinct = tolerance.classify(d / R).outcome == "nonzero"
        near = d <= 2 * s * (R if is_symmetry else 1.0)
        if e.outcome == "zero" and distinct and near:
            ok.append(True)
        elif e.outcome == "nonzero" or not distinct or not near:
            ok.append(False)
        else:
            ok.append(None)
    flat = True if all(o is True for o in ok) else (False if any(o is False for o in ok) else None)
    return FlatProbe(source, sign, ev, list(map(float, radii)), straight, losses, dists, eqs, lows, flat, pts)


def flat_probes(loss: LossFn, w: torch.Tensor, *, radii: Sequence[float], lam_abs: float,
                spectrum: HessianSpectrum | None = None, directions: Sequence[torch.Tensor] = (),
                symmetries: Sequence[Symmetry] = (), max_directions: int = 6, rng: np.random.Generator | None = None,
                reminimise_iter: int = 50) -> list[FlatProbe]:
    """Verify candidate flat directions by evaluating the loss (see :class:`FlatProbe`).

    Candidates: the Hessian eigenvectors whose eigenvalue is ``zero`` or ``band`` (at most
    ``max_directions``, smallest |eigenvalue| first) plus one random combination of all of
    them when there are several, the caller's ``directions``, both signs each; and the
    caller's ``symmetries`` (curves ``s -> sym(w, s)``; ``s`` and ``-s``).
    """
    w = flat64(w)
    l0 = value(loss, w)
    radii = sorted((float(r) for r in radii), reverse=True)
    rng = np.random.default_rng(0) if rng is None else rng
    cands: list[tuple[str, torch.Tensor, float | None]] = []
    if spectrum is not None and spectrum.vectors is not None:
        idx = spectrum.null_indices()
        idx = sorted(idx, key=lambda i: abs(spectrum.normalised[i]))
        for i in idx[:max_directions]:
            cands.append((f"hessian-null[{i}]", torch.from_numpy(np.ascontiguousarray(spectrum.vectors[:, i])),
                          spectrum.normalised[i]))
        if len(idx) > 1:
            c = spectrum.vectors[:, idx] @ rng.normal(size=len(idx))
            cands.append(("hessian-null-combination", torch.from_numpy(np.ascontiguousarray(c)), None))
    for j, u in enumerate(directions):
        cands.append((f"direction[{j}]", flat64(u), None))
    out = []
    for name, u, ev in cands:
        nu = float(u.norm())
        if nu == 0.0:
            continue
        u = u / nu
        for sign in (1, -1):
            out.append(_flat_one(loss, w, l0, lam_abs, name, sign, ev, radii,
                                 lambda s, u=u, sign=sign: w + sign * s * u,
                                 lambda p, it, u=u: _reminimise_on_hyperplane(loss, p, u, it),
                                 reminimise_iter, False))
    for j, sym in enumerate(symmetries):
        for sign in (1, -1):
            out.append(_flat_one(loss, w, l0, lam_abs, f"symmetry[{j}]", sign, None, radii,
                                 lambda s, sym=sym, sign=sign: flat64(sym(w, sign * s)), None, 0, True))
    return out
