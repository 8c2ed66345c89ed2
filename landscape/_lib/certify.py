"""Local-minimum certificates for a loss given as a function of a flat parameter vector.

Input everywhere: ``loss(v: Tensor) -> Tensor`` (a scalar, float64, differentiable by
autograd; torch.func-transformable for the fast paths, with an autograd fallback) and a
point ``w`` (flat float64 tensor).  Definitions follow Li, Ding, Sun
(``004_c552a5c94484e66a.txt``): ``w`` is a *local minimum* if ``L(w) <= L(v)`` on a ball
around ``w``, *strict* if ``L(w) < L(v)`` for every ``v != w`` in it, *non-strict*
otherwise (their Definition 1 with the set ``{w}``).  Setwise notions (Definition 1 for
a compact plateau, Definition 2 "weakly global") are *not* decided here: a non-strict
certificate says the plateau exists, not whether it is the bottom of a basin.

Building blocks (each returns numbers *and* :class:`~landscape._lib.tolerance.Decision` s, so a
report can show margins):

* :func:`gradient_norm`, :func:`stationarity` -- stationarity;
* :func:`refine_stationary` -- L-BFGS (strong Wolfe, float64), then Newton steps with the
  exact Hessian (pseudo-inverse on the eigenvalues the policy calls non-zero);
* :func:`hessian_spectrum` -- exact Hessian (``torch.func.hessian``) up to
  ``exact_max_params`` parameters, otherwise Lanczos (ARPACK ``eigsh``) on Hessian-vector
  products (``torch.func.vjp`` of ``torch.func.grad``: the graph is built once and each
  product is one reverse pass);
* :func:`sample_radii`, :func:`ball_attack` -- random spheres and a projected-descent
  attack (unchanged; used by :mod:`landscape.claims.lds`), wrapped with decisions by
  :func:`neighbourhood_attack`;
* :func:`flat_probes` -- the Hessian's null directions (and caller-given directions or
  symmetry curves), verified by *evaluating the loss*: a flat direction is one along
  which a point at distance ``s`` with equal loss exists, for every probe radius ``s``;
* :func:`escape_test` -- perturb by ``delta`` in random directions, descend, record the
  loss along the path, say whether and where it drops below ``L(w)``;
* :func:`certify_minimum` -- all of the above, one :class:`MinimumCertificate`.

Numerical policy
================
Every decision goes through :mod:`landscape._lib.tolerance` (``classify`` / ``equal`` /
``at_most``); the relative quantities are:

* gradient: ``|g| / G`` with ``G = max(|L(w)| / R, Lambda * R, |g|)``, ``R = max(1, |w|)``,
  ``Lambda = max |eigenvalue of the Hessian|`` (the gradient a unit relative move would
  produce), unless the caller passes ``grad_scale``.  Zero means ``w`` is within about
  ``1e-10 R`` of a stationary point when the Hessian is well conditioned;
* eigenvalue: ``lambda / Lambda`` with its *residual* ``|H v - lambda v| / Lambda``: the
  interval ``|lambda| / Lambda +- residual`` must lie on one side of the band, otherwise
  the eigenvalue is ``band``;
* loss comparisons at distance ``d`` from ``w``: ``(L(w) - L(v)) / max(|L(w)|, |L(v)|,
  Lambda d^2 / 2)`` -- the loss change is measured against the change the stiffest
  direction would give at that distance, so a flat direction's rise and a normalised
  eigenvalue are on the same scale (``equal`` for flatness, ``at_most`` for lower
  points).

How ``kind`` is decided (smooth losses: ``smooth=True``, the default)
=====================================================================
1. ``not-stationary``: the gradient decision is ``nonzero``.
2. ``inconclusive``: the gradient decision is in the band.
3. Gradient ``zero``; Hessian smallest eigenvalue decided ``negative`` (``nonzero`` below
   zero, residual included): ``saddle`` (second-order necessary condition fails; a proof
   for a C^2 loss).
4. Hessian positive definite (smallest eigenvalue ``positive`` ``nonzero``): ``strict``
   (second-order sufficient condition; a proof for a C^2 loss).  A lower point found by the
   attack or the escape test within ``local_radius`` does not overturn it: it bounds the
   basin radius and is reported in ``notes``.
5. Hessian PSD with zero (or band) eigenvalues -- the second-order test is silent:

   a. a point with clearly lower loss (``at_most`` ``nonzero``) within ``local_radius``,
      from the sphere samples, the ball attack, a flat probe or an escape path:
      ``saddle`` (evidence: that source; higher-order descent);
   b. else, some flat probe (a Hessian null direction, a caller direction or a symmetry
      curve) has a point of *equal* loss (``equal`` ``zero``), distinct from ``w``, at
      distance ``<= 2 s`` from it for every probe radius ``s`` (and no lower-point
      decision is in the band): ``non-strict``;
   c. otherwise ``inconclusive`` (e.g. ``x^4``: only higher-order terms decide).
6. Hessian unavailable (ARPACK did not converge) or its smallest eigenvalue in the band:
   rules 5a and 5b still apply (lower point -> ``saddle``; flat witness -> ``non-strict``),
   otherwise ``inconclusive``.

Non-smooth losses (``smooth=False``: ReLU, leaky ReLU, hinge, absolute loss, ...)
================================================================================
The Hessian autograd returns is only defined almost everywhere (off the kinks) and the
gradient at a kink is one element of a generalised gradient, so neither proves anything
at a kink.  Both are still computed and reported (the Hessian's null directions seed the
flat probes), but the kind relies on the attack:

* a lower point within ``local_radius`` -> ``not-stationary`` if the gradient decision
  is ``nonzero``, else ``saddle``;
* else a flat witness (5b) -> ``non-strict``;
* else ``inconclusive`` -- strictness is never certified without a Hessian proof (random
  spheres cannot see a measure-zero flat direction).

A caller who has checked that no pre-activation sits on a kink at ``w`` (the loss is
then C^2 near ``w``) may pass ``smooth=True``.

What is and is not proved
-------------------------
``strict`` and ``saddle`` from the Hessian are proofs for C^2 losses up to the float64
decisions (margins recorded).  ``non-strict`` is evidence: equal-loss points exist at
every probe radius *and* the attack found no lower point; a degenerate saddle whose
descent the attack misses would be mislabelled.  ``saddle`` from 5a is a lower point
within ``local_radius``, not a proof that no smaller neighbourhood is a basin.
Lanczos counts only cover the computed extreme eigenvalues (``complete=False``), and
Lanczos from one start vector can misjudge multiplicities.  A flat rise ``c s^4`` with
``c / Lambda < 1e-10 / s^2`` at the largest probe radius is invisible (resolution limit).
Float64 saturation makes plateaus that mathematics does not have: ``tanh(z) == +-1`` and
``sigmoid(-z) == 0`` exactly for large ``|z|``, so a unit with huge weights is exactly flat
in float64 and the flat probe certifies ``non-strict`` (e.g. L-BFGS runs that drift to
infinity in a small tanh MLP); the exact plateau of Li-Ding-Sun Proposition 1 looks the
same.  Callers that care must bound the pre-activations (or weights) at ``w``: the suite's
one rule for that is :func:`saturation` below (used by :mod:`landscape.claims.lds_search`,
:mod:`landscape.claims.jiang` and the ``stationary`` property of :mod:`landscape._lib.fixtures`).

Saturation: the one rule
========================
A hidden unit of a network with a *saturating* activation (:data:`SATURATING_TAILS`: a tail
on which ``sigma`` flattens) is **saturated** when its pre-activation lies beyond the
activation's threshold :func:`saturation_threshold` on a flat tail (either one, for tanh and
sigmoid) at *every* sample.  The
threshold is where the policy loses the unit: the smallest ``Z >= 1`` with
``|sigma'(z)| <= ZERO * D`` for every ``z`` beyond ``Z`` on the tail, ``D = max_{|u| <= 1}
|sigma'(u)|`` the derivative's scale at unit pre-activation (tanh 12.2, sigmoid 24.4,
softplus -23.3, negsq_exp -29.6, cubic_exp -32.1 for ``ZERO = 1e-10``).  The unit's
incoming weights then have gradient *and* Hessian rows below the policy's zero whatever the
residual, and growing them lowers the loss by less than round-off: a zero gradient there
is not evidence of a stationary point, and its Hessian null directions are float64's (the
signature of a drift towards infinity, e.g. towards a step function).  A point with a
saturated unit and a positive loss is therefore *not a finite stationary point the policy
can certify*: callers exclude it (and count it), never call it stationary.  (At zero loss the
residual vanishes and the gradient is exactly zero, saturated or not.)  A unit beyond the
threshold at *some* samples only is not saturated: the others decide its weights, as for a
ReLU unit dead at some samples.
"""

from __future__ import annotations

import functools
import math
import time
import warnings
from dataclasses import asdict, dataclass, field
from typing import Callable, Literal, Sequence

import numpy as np
import torch

from landscape._lib import tolerance
from landscape._lib.tolerance import Decision

LossFn = Callable[[torch.Tensor], torch.Tensor]
Kind = Literal["strict", "non-strict", "saddle", "not-stationary", "inconclusive"]
#: A symmetry curve: ``(w, s) -> point`` with ``point(0) = w`` and (supposedly) equal loss.
Symmetry = Callable[[torch.Tensor, float], torch.Tensor]

KINDS: tuple[str, ...] = ("strict", "non-strict", "saddle", "not-stationary", "inconclusive")


# =======================================================================================
# The original building blocks (used by landscape.claims.lds): names and behaviour kept.
# =======================================================================================

def gradient_norm(loss: LossFn, w: torch.Tensor) -> float:
    """Euclidean norm of the gradient of ``loss`` at ``w`` (autodiff, float64)."""
    w = w.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(loss(w), w)
    return float(g.norm())


@dataclass
class RadiusProbe:
    radius: float
    samples: int
    min_delta: float  # min over samples of loss(w + r u) - loss(w)


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
            out.append(RadiusProbe(r, samples, min(deltas)))
    return out


@dataclass
class BallAttack:
    radius: float
    starts: int
    steps: int
    min_delta: float  # lowest loss found inside the ball minus loss(w)
    best_distance: float


def ball_attack(loss: LossFn, w: torch.Tensor, radius: float, *, starts: int, steps: int,
                rng: np.random.Generator, lr: float | None = None) -> BallAttack:
    """Minimise ``loss`` over the ball ``|v - w| <= radius`` by projected gradient descent.

    Starts: ``w`` itself and ``starts - 1`` random points in the ball.  Step size
    ``radius / 20`` by default, with normalised gradients (so flat regions are crossed).
    """
    base = float(loss(w))
    lr = radius / 20 if lr is None else lr
    best, best_d = np.inf, 0.0
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
                    best, best_d = float(val), float((v - w).norm())
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
                best, best_d = val, float((v - w).norm())
    return BallAttack(radius, starts, steps, best - base, best_d)


# =======================================================================================
# Saturation (the one rule; see the module docstring)
# =======================================================================================

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


# =======================================================================================
# Helpers
# =======================================================================================

def _flat64(w) -> torch.Tensor:
    t = torch.as_tensor(w, dtype=torch.float64).detach().clone().reshape(-1)
    if not torch.isfinite(t).all():
        raise ValueError("the point w has non-finite entries; expected finite float64 values")
    return t


def _value(loss: LossFn, v: torch.Tensor) -> float:
    with torch.no_grad():
        return float(loss(v))


def _value_and_grad(loss: LossFn, v: torch.Tensor) -> tuple[float, torch.Tensor]:
    v = v.detach().clone().requires_grad_(True)
    val = loss(v)
    (g,) = torch.autograd.grad(val, v)
    return float(val.detach()), g.detach()


def _jsonable(x):
    from landscape._lib.jsonable import jsonable

    return jsonable(x)


def _dec(d: Decision | None) -> dict | None:
    return None if d is None else d.as_dict()


def _scale_R(w: torch.Tensor) -> float:
    return max(1.0, float(w.norm()))


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


def _eig_decision(r: float, rho: float) -> tuple[str, Decision]:
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


# =======================================================================================
# Hessian: exact and Lanczos
# =======================================================================================

def exact_hessian(loss: LossFn, w: torch.Tensor) -> torch.Tensor:
    """The symmetrised ``n x n`` Hessian (``torch.func.hessian``; autograd fallback)."""
    w = _flat64(w)
    try:
        with warnings.catch_warnings():  # torch's forward-AD decompositions, loaded on first use, call torch.jit.script
            warnings.filterwarnings("ignore", message=".*torch.jit.script.*", category=DeprecationWarning)
            h = torch.func.hessian(loss)(w)
    except Exception:  # loss not transformable by torch.func (e.g. data-dependent Python control flow)
        h = torch.autograd.functional.hessian(loss, w)
    h = h.detach().reshape(w.numel(), w.numel())
    return 0.5 * (h + h.T)


def hvp_function(loss: LossFn, w: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """``v -> H(w) v``: ``torch.func.vjp`` of ``torch.func.grad`` (one reverse pass per product).

    Falls back to autograd double-backward (``create_graph``) if ``loss`` is not
    transformable by torch.func.  Both reuse the graph of the gradient across products.
    """
    w = _flat64(w)
    probe = torch.zeros_like(w)
    try:
        _, vjp_fn = torch.func.vjp(torch.func.grad(loss), w)
        vjp_fn(probe)

        def hvp(v: torch.Tensor) -> torch.Tensor:
            return vjp_fn(v)[0].detach()

        return hvp
    except Exception:
        wr = w.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(loss(wr), wr, create_graph=True)

        def hvp_ag(v: torch.Tensor) -> torch.Tensor:
            if not g.requires_grad:  # gradient does not depend on w: Hessian is zero
                return torch.zeros_like(v)
            (hv,) = torch.autograd.grad(g, wr, grad_outputs=v, retain_graph=True, allow_unused=True)
            return torch.zeros_like(v) if hv is None else hv.detach()

        return hvp_ag


@dataclass
class HessianSpectrum:
    """Eigenvalues of the Hessian at ``w`` with sign / zero decisions.

    ``method``: ``exact`` (all ``n`` eigenvalues) or ``lanczos`` (the ``k`` smallest and
    ``k_top`` largest; ``complete=False``: counts cover only those).  ``lambda_abs_max`` is
    ``Lambda = max |lambda|`` (the normaliser); ``normalised[i] = eigenvalues[i] / Lambda``
    and ``residuals[i] = |H v_i - lambda_i v_i| / Lambda``.  ``outcomes[i]`` is
    ``negative`` / ``zero`` / ``positive`` / ``band`` (see :func:`_eig_decision`) with
    ``margins[i]`` in decades.  ``definiteness``: ``pd`` (smallest eigenvalue positive),
    ``indefinite`` (smallest negative), ``psd-singular`` (smallest zero, none negative),
    ``band`` or ``unavailable``.
    """

    method: str
    n: int
    eigenvalues: list[float]
    normalised: list[float]
    residuals: list[float]
    outcomes: list[str]
    margins: list[float]
    lambda_abs_max: float
    n_negative: int
    n_zero: int
    n_positive: int
    n_band: int
    complete: bool
    converged: bool
    definiteness: str
    min_decision: Decision | None
    seconds: float
    matvecs: int = 0
    notes: list[str] = field(default_factory=list)
    vectors: np.ndarray | None = field(default=None, repr=False)  # columns match eigenvalues

    @property
    def lambda_min(self) -> float | None:
        return self.eigenvalues[0] if self.eigenvalues else None

    @property
    def lambda_min_normalised(self) -> float | None:
        return self.normalised[0] if self.normalised else None

    def null_indices(self, *, include_band: bool = True) -> list[int]:
        """Indices of eigenvalues decided ``zero`` (and ``band`` unless told otherwise)."""
        ok = ("zero", "band") if include_band else ("zero",)
        return [i for i, o in enumerate(self.outcomes) if o in ok]

    def as_dict(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if k not in ("vectors", "min_decision")}
        d["min_decision"] = _dec(self.min_decision)
        d["lambda_min"] = self.lambda_min
        d["lambda_min_normalised"] = self.lambda_min_normalised
        return _jsonable(d)


def _spectrum_from(method: str, n: int, vals: np.ndarray, vecs: np.ndarray | None, res_abs: np.ndarray,
                   complete: bool, converged: bool, seconds: float, matvecs: int,
                   notes: list[str]) -> HessianSpectrum:
    order = np.argsort(vals)
    vals = np.asarray(vals, dtype=np.float64)[order]
    res_abs = np.asarray(res_abs, dtype=np.float64)[order]
    vecs = None if vecs is None else vecs[:, order]
    lam = float(np.max(np.abs(vals))) if vals.size else 0.0
    if vals.size and lam <= tolerance.ABS_FLOOR:
        normalised = np.zeros_like(vals)
        rho = np.zeros_like(vals)
        lam = 0.0
        notes = notes + ["Hessian is the zero matrix (max |lambda| <= ABS_FLOOR): every eigenvalue is zero"]
    elif not vals.size:
        normalised, rho = vals, vals
    else:
        normalised = vals / lam
        rho = res_abs / lam
    outcomes, margins, decs = [], [], []
    for r, p in zip(normalised, rho):
        o, d = _eig_decision(float(r), float(p))
        outcomes.append(o)
        margins.append(d.margin)
        decs.append(d)
    if not outcomes:
        definiteness, mind = "unavailable", None
    else:
        definiteness = {"positive": "pd", "negative": "indefinite", "zero": "psd-singular",
                        "band": "band"}[outcomes[0]]
        mind = decs[0]
    return HessianSpectrum(method, n, vals.tolist(), normalised.tolist(), rho.tolist(), outcomes, margins, lam,
                           outcomes.count("negative"), outcomes.count("zero"), outcomes.count("positive"),
                           outcomes.count("band"), complete, converged, definiteness, mind, seconds, matvecs,
                           notes, vecs)


def _eigsh_extreme(matvec, n: int, k: int, v0: np.ndarray, maxiter: int | None) -> tuple[np.ndarray, np.ndarray, bool]:
    """Largest-algebraic ``k`` eigenpairs of the operator (ARPACK, machine-precision tol)."""
    from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

    op = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
    try:
        vals, vecs = eigsh(op, k=k, which="LA", tol=0.0, v0=v0, maxiter=maxiter)
        return vals, vecs, True
    except ArpackNoConvergence as e:
        return np.asarray(e.eigenvalues), np.asarray(e.eigenvectors), False


def hessian_spectrum(loss: LossFn, w: torch.Tensor, *, exact_max_params: int = 600, k: int = 6, k_top: int = 2,
                     rng: np.random.Generator | None = None, maxiter: int | None = 2000) -> HessianSpectrum:
    """Hessian eigenvalues at ``w`` with decisions: exact up to ``exact_max_params``, else Lanczos.

    Exact: ``torch.func.hessian`` and ``numpy.linalg.eigh``; residuals computed explicitly.

    Lanczos (``n > exact_max_params``): Hessian-vector products from :func:`hvp_function`
    in a ``scipy.sparse.linalg.LinearOperator``; ARPACK ``eigsh``:

    1. ``Lambda0`` = largest |eigenvalue| (``which='LM'``, ``k=1``) -- the scale;
    2. the ``k`` smallest: largest-algebraic of ``I - H / Lambda0``;
    3. the ``k_top`` largest: largest-algebraic of ``I + H / Lambda0``.

    The shifts put the (often huge) cluster of near-zero eigenvalues at 1, where ARPACK's
    convergence test ``|r| <= tol * max(eps^(2/3), |theta|)`` is relative; on ``H`` itself
    a zero cluster never converges at machine precision.  Residuals ``|H v - lambda v|``
    are recomputed explicitly and enter every decision.
    """
    w = _flat64(w)
    n = w.numel()
    t0 = time.perf_counter()
    notes: list[str] = []
    if n <= exact_max_params or n <= 2 * (k + k_top) + 2:
        h = exact_hessian(loss, w).numpy()
        if not np.all(np.isfinite(h)):
            raise FloatingPointError("the Hessian has non-finite entries")
        vals, vecs = np.linalg.eigh(h)
        res = np.linalg.norm(h @ vecs - vecs * vals, axis=0)
        return _spectrum_from("exact", n, vals, vecs, res, True, True, time.perf_counter() - t0, 0, notes)

    from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

    rng = np.random.default_rng(0) if rng is None else rng
    hvp = hvp_function(loss, w)
    count = [0]

    def hv(x: np.ndarray) -> np.ndarray:
        count[0] += 1
        out = hvp(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64).reshape(-1))).numpy()
        if not np.all(np.isfinite(out)):
            raise FloatingPointError("a Hessian-vector product has non-finite entries")
        return out

    v0 = rng.normal(size=n)
    try:
        lm = eigsh(LinearOperator((n, n), matvec=hv, dtype=np.float64), k=1, which="LM", tol=1e-6, v0=v0,
                   maxiter=maxiter, return_eigenvectors=False)
        lam0 = float(abs(lm[0]))
    except ArpackNoConvergence as e:
        lam0 = float(np.max(np.abs(e.eigenvalues))) if len(e.eigenvalues) else 0.0
        notes.append("ARPACK 'LM' (scale estimate) did not converge; used the partial estimate")
    if lam0 <= tolerance.ABS_FLOOR:
        # H v = 0 for the probe vectors: treat the Hessian as zero, null directions = random probes
        q, _ = np.linalg.qr(rng.normal(size=(n, k)))
        res = np.array([np.linalg.norm(hv(q[:, i])) for i in range(k)])
        return _spectrum_from("lanczos", n, np.zeros(k), q, res, False, True, time.perf_counter() - t0,
                              count[0], notes + ["largest |eigenvalue| is 0: the Hessian is numerically zero"])

    def bottom(x):
        return x - hv(x) / lam0

    def top(x):
        return x + hv(x) / lam0

    bv, bw, ok1 = _eigsh_extreme(bottom, n, k, v0, maxiter)
    tv, tw, ok2 = _eigsh_extreme(top, n, k_top, v0, maxiter)
    converged = ok1 and ok2
    if not converged:
        notes.append("ARPACK did not converge for some requested eigenpairs; only converged ones are used")
    vals = np.concatenate([lam0 * (1.0 - bv), lam0 * (tv - 1.0)])
    vecs = np.concatenate([bw.reshape(n, -1), tw.reshape(n, -1)], axis=1)
    res = np.array([np.linalg.norm(hv(vecs[:, i]) - vals[i] * vecs[:, i]) for i in range(vals.size)])
    spec = _spectrum_from("lanczos", n, vals, vecs, res, False, converged, time.perf_counter() - t0, count[0], notes)
    if not ok1 and spec.definiteness != "indefinite":
        # a converged negative Ritz pair still proves a negative eigenvalue (residual bound); nothing else does
        spec.definiteness = "unavailable"
    return spec


# =======================================================================================
# Stationarity and refinement
# =======================================================================================

def gradient_scale(l0: float, w: torch.Tensor, lam_abs: float, gnorm: float) -> float:
    """``G = max(|L| / R, Lambda R, |g|)`` with ``R = max(1, |w|)``: the gradient normaliser."""
    r = _scale_R(w)
    return max(abs(float(l0)) / r, float(lam_abs) * r, float(gnorm))


def stationarity(gnorm: float, g_scale: float) -> Decision:
    """``classify(|g| / G)``: ``zero`` = stationary, ``nonzero`` = not, ``band`` = undecided."""
    if gnorm == 0.0:
        return tolerance.classify(0.0)
    return tolerance.classify(gnorm / g_scale)


def _lambda_abs_max(loss: LossFn, w: torch.Tensor, exact_max_params: int) -> float:
    if w.numel() <= exact_max_params:
        return float(np.max(np.abs(np.linalg.eigvalsh(exact_hessian(loss, w).numpy()))))
    from scipy.sparse.linalg import LinearOperator, eigsh

    hvp = hvp_function(loss, w)
    n = w.numel()
    op = LinearOperator((n, n), matvec=lambda x: hvp(torch.from_numpy(np.ascontiguousarray(x).reshape(-1))).numpy(),
                        dtype=np.float64)
    return float(abs(eigsh(op, k=1, which="LM", tol=1e-6, v0=np.random.default_rng(0).normal(size=n),
                           return_eigenvectors=False)[0]))


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
        return _jsonable(d)


def _newton_step(h: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``-H^+ g`` on the eigenvalues the policy calls non-zero (zero and band ones dropped)."""
    vals, vecs = np.linalg.eigh(h)
    lam = float(np.max(np.abs(vals))) if vals.size else 0.0
    if vals.size and lam <= tolerance.ABS_FLOOR:
        return np.zeros_like(g)
    keep = np.array([_eig_decision(float(v / lam), 0.0)[0] in ("positive", "negative") for v in vals])
    coef = (vecs.T @ g)[keep] / vals[keep]
    return -(vecs[:, keep] @ coef)


def refine_stationary(loss: LossFn, w: torch.Tensor, *, max_iter: int = 200, history_size: int = 50,
                      newton_steps: int = 5, exact_max_params: int = 600, lr: float = 1.0) -> StationaryPoint:
    """Move ``w`` to a nearby stationary point: L-BFGS (strong Wolfe, float64), then Newton.

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
    p = _flat64(w).requires_grad_(True)
    history: list[float] = []
    chunk = 25
    opt = torch.optim.LBFGS([p], lr=lr, max_iter=chunk, max_eval=2 * chunk + 25, tolerance_grad=0.0,
                            tolerance_change=0.0, history_size=history_size, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        val = loss(p)
        val.backward()
        history.append(float(val.detach()))
        return val

    iters = 0
    best_loss, best_g = math.inf, math.inf
    # chunks of L-BFGS: stop at g = 0, when a chunk improves neither loss nor |g|, or on a stall
    left = False
    while iters < max_iter:
        budget = min(chunk, max_iter - iters)
        opt.param_groups[0]["max_iter"] = budget
        before = int(opt.state[p].get("n_iter", 0))
        keep = p.detach().clone()
        try:
            opt.step(closure)
            ok = bool(torch.isfinite(p.detach()).all())
            if ok:
                val_c, g_c = _value_and_grad(loss, p.detach())
                ok = math.isfinite(val_c) and bool(torch.isfinite(g_c).all())
        except (ArithmeticError, RuntimeError, IndexError, ValueError):  # a line search that left float64
            ok = False
        if not ok:  # the chunk left float64 (e.g. e^z overflow): keep its finite start and stop L-BFGS
            with torch.no_grad():
                p.copy_(keep)
            left = True
            break
        done = int(opt.state[p].get("n_iter", 0)) - before
        iters += done
        gn_c = float(g_c.norm())
        improved = val_c < best_loss or gn_c < best_g
        best_loss, best_g = min(best_loss, val_c), min(best_g, gn_c)
        if gn_c == 0.0 or not improved or done < budget:
            break
    v = p.detach().clone()
    val, g = _value_and_grad(loss, v)
    accepted = 0
    if v.numel() <= exact_max_params:
        for _ in range(newton_steps):
            if float(g.norm()) == 0.0:
                break
            h = exact_hessian(loss, v).numpy()
            step = _newton_step(h, g.numpy())
            cand = v + torch.from_numpy(step)
            cval, cg = _value_and_grad(loss, cand)
            if not (math.isfinite(cval) and float(cg.norm()) < float(g.norm())):
                break
            v, val, g = cand, cval, cg
            accepted += 1
            history.append(val)
    lam = _lambda_abs_max(loss, v, exact_max_params)
    gn = float(g.norm())
    gs = gradient_scale(val, v, lam, gn)
    return StationaryPoint(v, val, gn, iters, len(history) - accepted, accepted, lam, gs, stationarity(gn, gs),
                           history, left)


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

    def as_dict(self) -> dict:
        return _jsonable({"radius": self.radius, "samples": self.samples, "min_delta": self.min_delta,
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

    def as_dict(self) -> dict:
        return _jsonable({"radius": self.radius, "starts": self.starts, "steps": self.steps,
                          "min_delta": self.min_delta, "best_distance": self.best_distance,
                          "lower": self.lower.as_dict()})


def neighbourhood_attack(loss: LossFn, w: torch.Tensor, *, rng: np.random.Generator, radii: Sequence[float],
                         samples: int, attack_starts: int, attack_steps: int, lam_abs: float,
                         attack_radii: Sequence[float] | None = None) -> tuple[list[ProbeResult], list[AttackResult]]:
    """:func:`sample_radii` on every radius and :func:`ball_attack` on every attack radius
    (default: ``radii``), each with ``lower`` decisions (:func:`lower_decision`)."""
    w = _flat64(w)
    l0 = _value(loss, w)
    probes = []
    if samples > 0:
        for p in sample_radii(loss, w, list(radii), samples, rng):
            lv = l0 + p.min_delta
            probes.append(ProbeResult(p.radius, p.samples, p.min_delta, lower_decision(l0, lv, p.radius, lam_abs),
                                      lower_decision(lv, l0, p.radius, lam_abs)))
    attacks = []
    if attack_starts > 0 and attack_steps > 0:
        for r in (list(radii) if attack_radii is None else list(attack_radii)):
            a = ball_attack(loss, w, r, starts=attack_starts, steps=attack_steps, rng=rng)
            attacks.append(AttackResult(a.radius, a.starts, a.steps, a.min_delta, a.best_distance,
                                        lower_decision(l0, l0 + a.min_delta, a.best_distance, lam_abs)))
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
        return _jsonable({"source": self.source, "sign": self.sign, "eigenvalue_normalised": self.eigenvalue_normalised,
                          "radii": self.radii, "straight_losses": self.straight_losses, "losses": self.losses,
                          "distances": self.distances, "equal": [d.as_dict() for d in self.equal],
                          "lower": [d.as_dict() for d in self.lower], "flat": self.flat})


def _reminimise_on_hyperplane(loss: LossFn, base: torch.Tensor, u: torch.Tensor, max_iter: int) -> torch.Tensor:
    """L-BFGS over ``z`` in ``u^perp``: minimise ``loss(base + P z)``; returns the point."""
    z = torch.zeros_like(base, requires_grad=True)
    opt = torch.optim.LBFGS([z], lr=1.0, max_iter=max_iter, max_eval=2 * max_iter + 25, tolerance_grad=0.0,
                            tolerance_change=0.0,
                            history_size=20, line_search_fn="strong_wolfe")

    def point(zz):
        return base + zz - (zz @ u) * u

    def closure():
        opt.zero_grad()
        val = loss(point(z))
        val.backward()
        return val

    opt.step(closure)
    with torch.no_grad():
        return point(z.detach())


def _flat_one(loss, w, l0, lam_abs, source, sign, ev, radii, make_point, reminimise, max_iter,
              is_symmetry) -> FlatProbe:
    R = _scale_R(w)
    straight, losses, dists, eqs, lows, pts = [], [], [], [], [], []
    for s in radii:
        p = make_point(s)
        lv = _value(loss, p)
        straight.append(lv)
        d = float((p - w).norm())
        if reminimise is not None and equal_decision(l0, lv, d, lam_abs).outcome != "zero":
            p2 = reminimise(p, max_iter)
            lv2 = _value(loss, p2)
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
    w = _flat64(w)
    l0 = _value(loss, w)
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
        cands.append((f"direction[{j}]", _flat64(u), None))
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
                                 lambda s, sym=sym, sign=sign: _flat64(sym(w, sign * s)), None, 0, True))
    return out


# =======================================================================================
# Escape test
# =======================================================================================

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
        return _jsonable(d)


def _descend(loss: LossFn, v0: torch.Tensor, steps: int, method: str, lam_abs: float) -> list[torch.Tensor]:
    """Points visited by ``steps`` iterations of gradient descent or L-BFGS.

    ``gd``: steps ``-lr g`` with Armijo backtracking (sufficient decrease ``lr |g|^2 / 2``),
    ``lr`` at most ``1 / Lambda`` (the curvature at the candidate): a discretised gradient
    flow, faithful to basins of attraction.  ``lbfgs``: one strong-Wolfe L-BFGS iteration
    per step -- faster, but its line search can jump across a barrier into another basin
    (or back), so "no escape" from L-BFGS is weaker evidence.
    """
    pts = [v0.detach().clone()]
    if method == "lbfgs":
        p = v0.detach().clone().requires_grad_(True)
        opt = torch.optim.LBFGS([p], lr=1.0, max_iter=1, max_eval=26, tolerance_grad=0.0, tolerance_change=0.0,
                                history_size=20, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            val = loss(p)
            val.backward()
            return val

        for _ in range(steps):
            opt.step(closure)
            pts.append(p.detach().clone())
            if not torch.isfinite(p).all() or not math.isfinite(_value(loss, pts[-1])):
                break  # diverged (unbounded loss): the path ends here
        return pts
    if method != "gd":
        raise ValueError(f"escape method {method!r} is unknown; expected 'lbfgs' or 'gd'")
    v = v0.detach().clone()
    lr_max = 1.0 / lam_abs if lam_abs > 0 else 1.0
    lr = lr_max
    val, g = _value_and_grad(loss, v)
    for _ in range(steps):
        gg = float(g @ g)
        if gg == 0.0:
            pts.append(v.clone())
            continue
        for _ in range(60):  # Armijo backtracking
            cand = v - lr * g
            cval = _value(loss, cand)
            if math.isfinite(cval) and cval <= val - 0.5 * lr * gg:
                break
            lr *= 0.5
        else:
            pts.append(v.clone())
            continue
        v = cand
        val, g = _value_and_grad(loss, v)
        lr = min(2.0 * lr, lr_max)
        pts.append(v.clone())
        if not math.isfinite(val):
            break
    return pts


def escape_test(loss: LossFn, w: torch.Tensor, *, deltas: Sequence[float], rng: np.random.Generator,
                starts: int = 4, steps: int = 50, method: str = "gd", lam_abs: float = 0.0,
                directions: Sequence[torch.Tensor] = ()) -> list[EscapeRun]:
    """Perturb ``w`` by ``delta`` along each of ``directions`` (normalised) and ``starts``
    uniformly random directions, descend ``steps`` iterations (:func:`_descend`), and record
    the loss and the distance to ``w`` along the path."""
    w = _flat64(w)
    l0 = _value(loss, w)
    given = [(f"given[{j}]", _flat64(u).numpy()) for j, u in enumerate(directions)]
    runs = []
    for delta in deltas:
        dirs = given + [("random", rng.normal(size=w.numel())) for _ in range(starts)]
        for j, (label, u) in enumerate(dirs):
            nu = float(np.linalg.norm(u))
            if nu == 0.0:
                continue
            pts = _descend(loss, w + float(delta) * torch.from_numpy(u / nu), steps, method, lam_abs)
            losses = [_value(loss, p) for p in pts]
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


# =======================================================================================
# The certificate
# =======================================================================================

@dataclass
class MinimumCertificate:
    """Everything :func:`certify_minimum` measured, and the ``kind`` it decided.

    ``kind`` / ``reason`` / ``evidence`` (which numbers decided: ``gradient``, ``hessian``,
    ``attack``, ``samples``, ``flat-direction``, ``symmetry``, ``escape``, ``none``) /
    ``margin`` (worst margin, in decades, of the decisions that decided the kind).  See the
    module docstring for the rule.  ``lower_point`` is the best clearly-lower point found
    within ``local_radius`` (source, distance, loss, decision) and ``witness`` the flat
    probe that proved non-strictness; ``basin_radius_bound`` is the distance of the
    nearest clearly-lower point found anywhere (attack, probes, escape paths), if any.
    """

    kind: Kind
    reason: str
    evidence: str
    margin: float
    smooth: bool
    n_params: int
    loss: float
    grad_norm: float
    grad_scale: float
    stationarity: Decision
    spectrum: HessianSpectrum | None
    local_radius: float
    probes: list[ProbeResult]
    attacks: list[AttackResult]
    flat: list[FlatProbe]
    escapes: list[EscapeRun]
    lower_point: dict | None
    witness: dict | None
    basin_radius_bound: float | None
    decisions: dict[str, Decision]
    notes: list[str]
    seconds: float
    point: list[float] | None = None

    # -- convenience views ----------------------------------------------------------
    @property
    def is_local_minimum(self) -> bool | None:
        """True for strict / non-strict, False for saddle / not-stationary, None otherwise."""
        return {"strict": True, "non-strict": True, "saddle": False, "not-stationary": False}.get(self.kind)

    @property
    def lambda_min_normalised(self) -> float | None:
        return None if self.spectrum is None else self.spectrum.lambda_min_normalised

    @property
    def eigenvalue_counts(self) -> dict[str, int]:
        s = self.spectrum
        if s is None:
            return {"negative": 0, "zero": 0, "positive": 0, "band": 0, "computed": 0, "n": self.n_params}
        return {"negative": s.n_negative, "zero": s.n_zero, "positive": s.n_positive, "band": s.n_band,
                "computed": len(s.eigenvalues), "n": s.n}

    @property
    def escaped(self) -> bool:
        return any(r.escaped for r in self.escapes)

    def summary(self, *, max_eigenvalues: int = 24, path_points: int = 16) -> dict:
        """A compact, strict-JSON view for evidence statistics and figures.

        Kind, reason, margin; gradient norm and its scale; the Hessian spectrum (method,
        ``Lambda``, the smallest normalised eigenvalue, counts of negative / zero / positive /
        band eigenvalues, and at most ``max_eigenvalues`` normalised eigenvalues, smallest
        first -- all of them for an exact spectrum of that size); the lowest sampled and
        attacked loss change per radius; and each escape run with its loss along the path
        (subsampled to ``path_points`` points, end kept).
        """
        s = self.spectrum
        spec = None
        if s is not None:
            vals = list(s.normalised)
            if len(vals) > max_eigenvalues:  # the smallest and the largest ones
                vals = vals[: max_eigenvalues - 2] + vals[-2:]
            spec = {"method": s.method, "lambda_abs_max": s.lambda_abs_max, "definiteness": s.definiteness,
                    "normalised": vals, "complete": s.complete and len(vals) == len(s.normalised)}
        esc = []
        for r in self.escapes:
            idx = sorted(set(np.linspace(0, len(r.path_loss) - 1, min(path_points, len(r.path_loss))).round()
                             .astype(int).tolist())) if r.path_loss else []
            esc.append({"delta": r.delta, "escaped": r.escaped, "method": r.method, "final_loss": r.final_loss,
                        "lowest_loss": r.lowest_loss, "step": idx, "loss": [r.path_loss[i] for i in idx],
                        "distance": [r.path_distance[i] for i in idx]})
        return _jsonable({
            "kind": self.kind, "reason": self.reason, "evidence": self.evidence, "margin": self.margin,
            "smooth": self.smooth, "n_params": self.n_params, "loss": self.loss, "grad_norm": self.grad_norm,
            "grad_scale": self.grad_scale, "stationarity": self.stationarity.outcome,
            "lambda_min_normalised": self.lambda_min_normalised, "eigenvalue_counts": self.eigenvalue_counts,
            "spectrum": spec,
            "samples_min_delta": {f"{p.radius:.3g}": p.min_delta for p in self.probes},
            "attack_min_delta": {f"{a.radius:.3g}": a.min_delta for a in self.attacks},
            "witness": None if self.witness is None else {"source": self.witness["source"],
                                                          "distances": self.witness["distances"]},
            "basin_radius_bound": self.basin_radius_bound, "escapes": esc, "seconds": round(self.seconds, 4),
            "notes": self.notes,
        })

    def as_dict(self, *, include_paths: bool = True) -> dict:
        """Strict-JSON-serialisable dict (non-finite floats as strings, as in :mod:`landscape._core.evidence`)."""
        esc = []
        for r in self.escapes:
            d = r.as_dict(include_point=self.point is not None)
            if not include_paths:
                d.pop("path_loss")
                d.pop("path_distance")
            esc.append(d)
        return _jsonable({
            "kind": self.kind, "reason": self.reason, "evidence": self.evidence, "margin": self.margin,
            "is_local_minimum": self.is_local_minimum, "smooth": self.smooth, "n_params": self.n_params,
            "loss": self.loss, "grad_norm": self.grad_norm, "grad_scale": self.grad_scale,
            "stationarity": self.stationarity.as_dict(),
            "lambda_min_normalised": self.lambda_min_normalised, "eigenvalue_counts": self.eigenvalue_counts,
            "spectrum": None if self.spectrum is None else self.spectrum.as_dict(),
            "local_radius": self.local_radius,
            "probes": [p.as_dict() for p in self.probes], "attacks": [a.as_dict() for a in self.attacks],
            "flat": [f.as_dict() for f in self.flat], "escapes": esc,
            "lower_point": self.lower_point, "witness": self.witness, "basin_radius_bound": self.basin_radius_bound,
            "decisions": {k: v.as_dict() for k, v in self.decisions.items()}, "notes": self.notes,
            "seconds": self.seconds, "point": self.point, "policy": tolerance.policy_summary(),
        })


def _lower_candidates(probes, attacks, flat, escapes, local_radius, l0, lam_abs):
    """Every lower-point decision: (clearly lower points within ``local_radius``, band ones
    within it, distances of all clearly lower points, the worst 'not lower' decision)."""
    found, band, anywhere = [], [], []
    not_lower: list[Decision] = []

    def add(src, d, lv, dec):
        item = {"source": src, "distance": d, "loss": lv, "decision": dec.as_dict()}
        if dec.outcome == "nonzero":
            anywhere.append(d)
        if d > local_radius:
            return
        if dec.outcome == "nonzero":
            found.append((dec, item))
        elif dec.outcome == "band":
            band.append(item)
        else:
            not_lower.append(dec)

    for p in probes:
        add(f"samples(r={p.radius:g})", p.radius, l0 + p.min_delta, p.lower)
    for a in attacks:
        add(f"attack(r={a.radius:g})", a.best_distance, l0 + a.min_delta, a.lower)
    for f in flat:
        for s, d, lv, dec in zip(f.radii, f.distances, f.losses, f.lower):
            add(f"flat:{f.source}{'+' if f.sign > 0 else '-'}(s={s:g})", d, lv, dec)
    for r in escapes:
        # every path point inside the local radius counts; the first clearly lower one outside it bounds the basin
        for j, (lv, d) in enumerate(zip(r.path_loss, r.path_distance)):
            if math.isfinite(lv) and (d <= local_radius or j == r.first_lower_step):
                add(f"escape(delta={r.delta:g},start={r.start},step={j})", d, lv, lower_decision(l0, lv, d, lam_abs))
    found.sort(key=lambda t: -t[0].margin)
    worst_zero = min(not_lower, key=lambda d: d.margin) if not_lower else None
    return [it for _, it in found], band, anywhere, worst_zero


def certify_minimum(loss: LossFn, w: torch.Tensor, *, rng: np.random.Generator,
                    radii: Sequence[float] = (1e-1, 1e-2, 1e-3), samples: int = 64, attack_starts: int = 4,
                    attack_steps: int = 60, escape_deltas: Sequence[float] = (1e-2,), escape_starts: int = 2,
                    escape_steps: int = 30, escape_method: str = "gd", smooth: bool = True,
                    exact_max_params: int = 600, k: int = 6, k_top: int = 2, grad_scale: float | None = None,
                    directions: Sequence[torch.Tensor] = (), symmetries: Sequence[Symmetry] = (),
                    max_flat_directions: int = 6, local_radius: float | None = None,
                    escape_directions: Sequence[torch.Tensor] = (),
                    attack_radii: Sequence[float] | None = None, include_point: bool = True,
                    full: bool = False) -> MinimumCertificate:
    """Decide whether ``w`` is a strict / non-strict local minimum, a saddle, not stationary.

    ``radii``: sphere samples (``samples`` per sphere), ball attacks (``attack_starts`` x
    ``attack_steps``, on ``attack_radii``, default ``radii``) and flat-probe radii;
    ``local_radius`` (default ``max(radii)``): lower points farther than this do not count
    against minimality.  Escape test: for each of ``escape_deltas``, the
    ``escape_directions`` and ``escape_starts`` random directions, ``escape_steps`` descent
    iterations (``escape_method``: ``gd``, basin-faithful, or ``lbfgs``).  ``smooth=False``
    for non-smooth losses (see the module docstring).  ``directions`` / ``symmetries``: extra
    flat-direction candidates (e.g. a known rescaling symmetry).  ``grad_scale`` overrides
    the gradient normaliser ``G``.  Unless ``full``, a smooth loss with a clearly non-zero
    gradient skips the flat probes and the escape test (the kind is already decided).
    """
    t0 = time.perf_counter()
    w = _flat64(w)
    n = w.numel()
    radii = [float(r) for r in radii]
    if not radii or min(radii) <= 0:
        raise ValueError(f"radii {radii!r} are invalid; expected positive floats")
    local_radius = max(radii) if local_radius is None else float(local_radius)
    notes: list[str] = []
    l0, g = _value_and_grad(loss, w)
    if not math.isfinite(l0):
        raise FloatingPointError(f"loss at w is {l0}; expected a finite value")
    gn = float(g.norm())
    spectrum: HessianSpectrum | None
    try:
        spectrum = hessian_spectrum(loss, w, exact_max_params=exact_max_params, k=k, k_top=k_top, rng=rng)
    except FloatingPointError as e:
        spectrum = None
        notes.append(f"Hessian unavailable: {e}")
    lam = spectrum.lambda_abs_max if spectrum is not None else 0.0
    if spectrum is not None and not spectrum.converged:
        notes.extend(spectrum.notes)
    gs = float(grad_scale) if grad_scale is not None else gradient_scale(l0, w, lam, gn)
    stat = stationarity(gn, gs)
    decisions: dict[str, Decision] = {"stationarity": stat}
    if spectrum is not None and spectrum.min_decision is not None:
        decisions["hessian_min_eigenvalue"] = spectrum.min_decision
    if not smooth:
        notes.append("non-smooth loss: the autograd Hessian is only defined almost everywhere and the gradient at a "
                     "kink is one element of a generalised gradient; the kind relies on the attack")

    probes, attacks = neighbourhood_attack(loss, w, rng=rng, radii=radii, samples=samples,
                                           attack_starts=attack_starts, attack_steps=attack_steps, lam_abs=lam,
                                           attack_radii=attack_radii)
    decided_early = smooth and stat.outcome == "nonzero" and not full
    flat: list[FlatProbe] = []
    escapes: list[EscapeRun] = []
    if not decided_early:
        flat = flat_probes(loss, w, radii=radii, lam_abs=lam, spectrum=spectrum, directions=directions,
                           symmetries=symmetries, max_directions=max_flat_directions, rng=rng)
        if escape_deltas and (escape_starts > 0 or len(escape_directions) > 0):
            escapes = escape_test(loss, w, deltas=escape_deltas, rng=rng, starts=escape_starts, steps=escape_steps,
                                  method=escape_method, lam_abs=lam, directions=escape_directions)

    found, band, anywhere, not_lower = _lower_candidates(probes, attacks, flat, escapes, local_radius, l0, lam)
    basin = min(anywhere) if anywhere else None
    lower_point = found[0] if found else None
    witness_probe = next((f for f in flat if f.flat is True), None)
    witness = None
    if witness_probe is not None:
        witness = {"source": witness_probe.source, "sign": witness_probe.sign, "radii": witness_probe.radii,
                   "distances": witness_probe.distances, "losses": witness_probe.losses,
                   "equal": [d.as_dict() for d in witness_probe.equal]}
        decisions["flat_witness_equal"] = min(witness_probe.equal, key=lambda d: d.margin)
    if lower_point is not None:
        decisions["lower_point"] = Decision(**lower_point["decision"])
    elif not_lower is not None:
        decisions["no_lower_point"] = not_lower
    flat_band = any(f.flat is None for f in flat)

    definiteness = spectrum.definiteness if spectrum is not None else "unavailable"
    mind = spectrum.min_decision if spectrum is not None else None

    def worst(*ds: Decision | None) -> float:
        ms = [d.margin for d in ds if d is not None and not math.isnan(d.margin)]
        return min(ms) if ms else math.inf

    kind: Kind
    if smooth:
        if stat.outcome == "nonzero":
            kind, ev, reason, margin = ("not-stationary", "gradient",
                                        f"gradient norm {gn:.3g} is non-zero relative to G = {gs:.3g}", stat.margin)
        elif stat.outcome == "band":
            kind, ev, reason, margin = ("inconclusive", "gradient",
                                        f"gradient norm {gn:.3g} / G = {gs:.3g} is in the tolerance band", 0.0)
        elif definiteness == "indefinite":
            kind, ev, margin = "saddle", "hessian", worst(stat, mind)
            reason = f"smallest Hessian eigenvalue {spectrum.lambda_min_normalised:.3g} (normalised) is negative"
        elif definiteness == "pd":
            kind, ev, margin = "strict", "hessian", worst(stat, mind)
            reason = f"Hessian positive definite: smallest normalised eigenvalue {spectrum.lambda_min_normalised:.3g}"
            if lower_point is not None:
                notes.append(f"a lower point was found at distance {lower_point['distance']:.3g} "
                             f"({lower_point['source']}): the strict basin is smaller than that")
        else:
            kind, ev, reason, margin = _second_order_silent(definiteness, lower_point, band, witness_probe,
                                                            flat_band, decisions, stat, mind, worst)
    else:
        if lower_point is not None:
            dl = decisions["lower_point"]
            if stat.outcome == "nonzero":
                kind, ev, margin = "not-stationary", _source_kind(lower_point["source"]), worst(stat, dl)
                reason = f"non-zero gradient and a lower point at distance {lower_point['distance']:.3g}"
            else:
                kind, ev, margin = "saddle", _source_kind(lower_point["source"]), worst(dl)
                reason = (f"lower point at distance {lower_point['distance']:.3g} ({lower_point['source']}) "
                          "(non-smooth: attack evidence)")
        elif witness_probe is not None and not band:
            kind, ev, margin = ("non-strict", _witness_kind(witness_probe),
                                worst(decisions["flat_witness_equal"], decisions.get("no_lower_point")))
            reason = (f"equal loss at distances {', '.join(f'{d:.3g}' for d in witness_probe.distances)} along "
                      f"{witness_probe.source}; no lower point found (non-smooth: attack evidence)")
        else:
            kind, ev, margin = "inconclusive", "none", 0.0
            why = ("a lower-point decision is in the band" if band else
                   "no lower point and no equal-loss neighbour found")
            reason = f"non-smooth loss: {why}; strictness cannot be certified without a Hessian"
    if basin is not None and kind in ("strict", "non-strict", "inconclusive") and lower_point is None:
        notes.append(f"a clearly lower point exists at distance {basin:.3g} (outside local radius {local_radius:g})")
    if escapes and any(r.escaped for r in escapes):
        best = min((r for r in escapes if r.escaped), key=lambda r: r.lowest_loss)
        notes.append(f"escape: from delta = {best.delta:g} descent reached loss {best.lowest_loss:.6g} "
                     f"< {l0:.6g} at distance {best.lowest_distance:.3g}")
    return MinimumCertificate(kind, reason, ev, margin, smooth, n, l0, gn, gs, stat, spectrum, local_radius, probes,
                              attacks, flat, escapes, lower_point, witness, basin, decisions, notes,
                              time.perf_counter() - t0, w.tolist() if include_point else None)


def _source_kind(src: str) -> str:
    for prefix, name in (("samples", "samples"), ("attack", "attack"), ("flat", "flat-direction"),
                         ("escape", "escape")):
        if src.startswith(prefix):
            return name
    return src


def _witness_kind(f: FlatProbe) -> str:
    return "symmetry" if f.source.startswith("symmetry") else "flat-direction"


def _second_order_silent(definiteness, lower_point, band, witness_probe, flat_band, decisions, stat, mind, worst):
    """Rules 5 and 6 of the module docstring (gradient zero, Hessian not decisive)."""
    what = {"psd-singular": "Hessian PSD and singular", "band": "smallest Hessian eigenvalue in the band",
            "unavailable": "Hessian unavailable"}[definiteness]
    if lower_point is not None:
        return ("saddle", _source_kind(lower_point["source"]),
                f"{what}; a clearly lower point at distance {lower_point['distance']:.3g} ({lower_point['source']})",
                worst(stat, decisions["lower_point"]))
    if witness_probe is not None and not band:
        return ("non-strict", _witness_kind(witness_probe),
                f"{what}; equal loss at distances {', '.join(f'{d:.3g}' for d in witness_probe.distances)} along "
                f"{witness_probe.source}; no lower point found",
                worst(stat, mind, decisions["flat_witness_equal"], decisions.get("no_lower_point")))
    why = "a lower-point decision is in the band" if band else (
        "a flat probe is in the band" if flat_band else "no equal-loss neighbour found (higher-order terms decide)")
    return "inconclusive", "none", f"{what}; {why}", 0.0
