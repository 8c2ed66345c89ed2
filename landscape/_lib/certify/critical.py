"""Certified critical points: is there a true critical point here, how sure are we, and what is its inertia?

:func:`certify_critical` decides, for any loss of a flat parameter vector, whether a *true*
critical point of the loss lies at (or, after refinement, near) a float64 point, and records how
strongly that was shown -- the **proof level**:

``exact``
    the gradient is exactly zero at the point in exact (ball-radius-0) arithmetic: dead ReLU
    units, constructions.
``interval``
    a rigorous enclosure (python-flint / Arb ball arithmetic): the Krawczyk test proves a unique
    critical point in a box of half-width ``radius`` around ``point``, and the Hessian's inertia
    is proved over the whole box (congruence + Gershgorin, :func:`~landscape._lib.certify.balls.inertia`;
    a negative eigenvalue by a Rayleigh quotient); or, for *not critical*, the gradient's
    enclosure over the box ``|v - w|_inf <= radius`` excludes 0 in some coordinate: no critical
    point there at all (saturation plateaus, drifts to infinity).
``multiprecision``
    the ladder, not a proof: the gradient re-evaluated at ``ladder`` digits (30 and 60 by
    default) from the exact float64 point, Newton-refined at each rung; *critical* when the
    gradient falls with the added digits (to the rung's floor ``10^-(D - 15) G``) while the point
    stays put; *not critical* when it stays (a real gradient float64 could not resolve) or the
    Newton iterates run away.
``float64``
    no multiple-precision form of the loss: decided by a stated round-off model -- the gradient
    against the round-off of its own evaluation (its spread over last-bit perturbations of the
    point), the Newton step against the radius, and a descent run to tell a drift from a
    critical point.  Only a nondegenerate point float64 shows clearly (Newton converging to
    round-off in a few steps, Hessian well separated from zero) is called critical at this
    level; degenerate, saturated (:func:`saturated_ops`: an activation rounded onto its asymptote) or
    ill-conditioned points are ``band``.

The multiple-precision form comes from the loss itself (the library's networks attach one,
:mod:`landscape._lib.certify.mpform`) or from ``loss_mp=`` (a function ``fn(w, ops)``).

The gradient scale is ``G = max(|L| / R, Lambda R, |g|)`` (``R = max(1, |w|)``, ``Lambda`` the
largest |Hessian eigenvalue|), :func:`~landscape._lib.certify.decisions.gradient_scale`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

import numpy as np
import torch

from landscape._lib import tolerance
from landscape._lib.certify import balls
from landscape._lib.certify.base import LossFn, flat64, scale_radius, value_and_grad
from landscape._lib.certify.decisions import eig_decision, gradient_scale
from landscape._lib.certify.hessian import exact_hessian, largest_abs_eigenvalue
from landscape._lib.certify.mpform import LossForm, form_of
from landscape._lib.jsonable import jsonable
from landscape._lib.outcome import PROOF_LEVELS  # strongest first
from landscape._lib.tolerance import Decision

Proof = Literal["exact", "interval", "multiprecision", "float64"]
Status = Literal["critical", "not-critical", "band"]
#: Digits of the multiple-precision ladder for criticality (two rungs: the gradient must fall with the added digits).
CRITICAL_LADDER: tuple[int, ...] = (30, 60)
#: Working precision (bits) of the Krawczyk test and the inertia enclosure: the centre comes from the 60-digit
#: rung, so its gradient enclosure at 128 bits (~38 digits) is ~1e-38 and the existence box about as small.
KRAWCZYK_BITS: int = 128


def weakest(*levels: str | None) -> str:
    """The weakest of the given proof levels (``None`` ignored)."""
    ls = [lv for lv in levels if lv is not None]
    return max(ls, key=PROOF_LEVELS.index) if ls else "float64"


@dataclass
class CriticalCertificate:
    """What :func:`certify_critical` decided, and how strongly.

    ``status``: ``critical`` (a true critical point lies within ``radius`` of ``point``),
    ``not-critical`` (none within ``radius`` of the input point: proved at ``interval``, else
    evidence), ``band`` (the precision that decided cannot tell, e.g. a degenerate Hessian in
    float64).  ``proof``: one of :data:`PROOF_LEVELS`.  ``point`` is the refined point (float64
    rounding of the certified centre), ``distance`` its distance from the input point.
    ``inertia``: ``{"negative", "zero", "positive", "proved", "proof"}`` of the Hessian at the
    critical point (``proved``: for every matrix of the enclosure), ``None`` when not critical.
    ``loss_interval``: an enclosure of the loss at the critical point (``interval`` / ``exact``) or
    ``None``.  ``ladder``: one record per rung (digits, gradient ratio before / after the Newton
    steps, steps, displacement).  ``decision``: the deciding relative gradient with its margin.
    """

    status: Status
    proof: Proof
    reason: str
    point: list[float]
    distance: float
    radius: float | None
    loss: float
    loss_interval: tuple[float, float] | None
    grad_norm: float
    grad_scale: float
    lambda_abs_max: float
    inertia: dict | None
    decision: Decision
    ladder: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def critical(self) -> bool | None:
        """True / False / None (band)."""
        return {"critical": True, "not-critical": False}.get(self.status)

    @property
    def minimum(self) -> bool | None:
        """True if the Hessian is positive definite at the critical point (a strict local minimum), False if it
        has a negative eigenvalue (a saddle or maximum), None if not critical or undecided (degenerate)."""
        if self.status != "critical" or self.inertia is None:
            return None
        if self.inertia["negative"] > 0:
            return False
        if self.inertia["zero"] == 0 and self.inertia["positive"] > 0:
            return True
        return None

    def as_dict(self) -> dict:
        return jsonable({"status": self.status, "proof": self.proof, "reason": self.reason, "distance": self.distance,
                         "radius": self.radius, "loss": self.loss, "loss_interval": self.loss_interval,
                         "grad_norm": self.grad_norm, "grad_scale": self.grad_scale,
                         "lambda_abs_max": self.lambda_abs_max, "inertia": self.inertia,
                         "decision": self.decision.as_dict(), "ladder": self.ladder, "notes": self.notes,
                         "seconds": self.seconds, "point": self.point})


# =======================================================================================
# helpers
# =======================================================================================

def _pinv(h: np.ndarray, cut: float = 1e-13) -> tuple[np.ndarray, int, float]:
    """Pseudo-inverse of the symmetric ``h`` on its eigenvalues with ``|lambda| > cut * Lambda`` (the resolution
    of a float64 Hessian: ``cut`` = 1e-13, a thousand round-offs); returns (P, dropped count, Lambda)."""
    h = 0.5 * (h + h.T)
    vals, vecs = np.linalg.eigh(h)
    lam = float(np.max(np.abs(vals))) if vals.size else 0.0
    if lam <= tolerance.ABS_FLOOR:
        return np.zeros_like(h), len(vals), 0.0
    keep = np.abs(vals) > cut * lam
    p = (vecs[:, keep] / vals[keep]) @ vecs[:, keep].T
    return p, int((~keep).sum()), lam


def _norm_upper(g) -> "balls.arb":
    """Upper bound of the Euclidean norm of a ``1 x n`` ball vector, as an exact ball (no float underflow:
    a gradient of e^-1600 stays e^-1600)."""
    s = balls.arb(0)
    for j in range(g.ncols()):
        u = g[0, j].abs_upper()
        s += u * u
    return s.sqrt().upper()


def _ratio(g, scale) -> float:
    """``|g| / G`` (an upper bound) as a float; ``G`` a ball."""
    return float((_norm_upper(g) / scale).upper())


def _norm_mid(g) -> float:
    return math.sqrt(sum(float(g[0, j].mid()) ** 2 for j in range(g.ncols())))


def _exclusion(form: LossForm, w: np.ndarray, radius: float, bits: int) -> tuple[bool, int | None]:
    """Does the gradient's enclosure over the box ``|v - w|_inf <= radius`` exclude 0 in some coordinate?"""
    xs = [balls.ball(v, radius) for v in w]
    _, g, _, _ = form.jet(xs, bits, 1)
    for j in range(g.ncols()):
        if not g[0, j].contains(0):
            return True, j
    return False, None


def _krawczyk(form: LossForm, centre: list, g0, p: np.ndarray, bits: int, r0: float) -> tuple[float | None, Any, Any, int]:
    """Krawczyk test around ``centre`` (exact balls) with preconditioner ``p`` (~ H^-1): the smallest tried
    half-width ``r`` with ``K(X) in int(X)`` (a unique critical point in ``X``), the Hessian enclosure over
    that ``X``, the loss enclosure, and the kink count (``g0``: the gradient enclosure at the centre)."""
    n = len(centre)
    y = balls.mat_from(p)
    with balls.precision(bits):
        yg = y * g0.transpose()
    for r in (r0, 10 * r0, 1e3 * r0, 1e5 * r0):
        if not (r > 0 and math.isfinite(r)):
            continue
        xs = [balls.arb(c.mid(), r) for c in centre]
        val, _, hx, kinks = form.jet(xs, bits, 2)
        if kinks:
            return None, None, None, kinks
        with balls.precision(bits):
            e = balls.arb_mat([[balls.arb(0, r)] for _ in range(n)])
            ident = balls.arb_mat(n, n)
            for i in range(n):
                ident[i, i] = 1
            k = -yg + (ident - y * hx) * e
        if all(float(k[i, 0].abs_upper()) < r for i in range(n)):
            return r, hx, val, 0
    return None, None, None, 0


# =======================================================================================
# the certificate
# =======================================================================================

def certify_critical(loss: LossFn, w: Any, *, loss_mp: Any = None, grad_scale: float | None = None,
                     ladder: Sequence[int] = CRITICAL_LADDER, max_distance: float | None = None,
                     newton_steps: int = 40, exact_max_params: int = 600, interval_max_params: int = 200,
                     mp_max_params: int = 2000, descent_steps: int = 200) -> CriticalCertificate:
    """Decide whether a *true* critical point of ``loss`` lies at (or near) ``w``, and how strongly that is shown.

    Returns a :class:`CriticalCertificate`: ``status`` ``critical`` / ``not-critical`` / ``band``, ``proof`` one of
    ``exact`` (the gradient is exactly 0 at ``w``), ``interval`` (ball arithmetic: a unique critical point
    proved in a box of half-width ``radius`` around the refined ``point``, with the Hessian's inertia proved
    over the box -- or, for ``not-critical``, a box around ``w`` on which the gradient cannot vanish),
    ``multiprecision`` (the ladder: Newton at 30 and 60 digits; the gradient falls with the digits, or the
    iterates drift), ``float64`` (no multiple-precision form: Newton against the gradient's own round-off,
    a descent run and a saturation watch; degenerate or saturated points are ``band``).  Also the refined
    ``point``, its ``distance`` from ``w``, the ``inertia`` and a ``loss_interval`` (interval / exact).

    ``loss``: a scalar float64 torch function of a flat vector; ``w``: the point (anything
    ``torch.as_tensor`` takes).  ``loss_mp``: the same loss for any number type, ``fn(w, ops)`` with ``w`` a
    numpy object array and ``ops`` the elementary functions (``ops.exp``, ``ops.sigmoid``,
    ``ops.activation("tanh")``, ...), or a :class:`LossForm`; default: the loss's own ``mp`` attribute (the
    library's losses carry one), else float64 only.  ``grad_scale``: the gradient normaliser ``G`` (default
    ``max(|L| / R, Lambda R, |g|)``, :func:`gradient_scale`; ``R = max(1, |w|)``, ``Lambda`` the largest
    |Hessian eigenvalue|).  ``ladder``: digits of the rungs.  ``max_distance``: Newton iterates farther than
    this from ``w`` have run away (default ``0.1 R``).  ``interval_max_params`` / ``mp_max_params``: the
    largest parameter counts for the interval stage (dense ``n x n`` Hessian enclosures) and for the ladder.

    Example -- a sigmoid neuron on a saturation plateau (float64 rounds sigmoid(37) to 1, so its gradient and
    Hessian are exactly 0 there)::

        loss = lambda w: ((torch.sigmoid(w[0] * x) - y) ** 2).sum()
        loss_mp = lambda w, ops: sum((ops.sigmoid(w[0] * xi) - yi) ** 2 for xi, yi in zip(x, y))
        certify_critical(loss, [37.0], loss_mp=loss_mp).status   # 'not-critical' (proof 'interval')
    """
    t0 = time.perf_counter()
    w = flat64(w)
    n = w.numel()
    ladder = tuple(int(d) for d in ladder)
    if not ladder or min(ladder) < 20 or list(ladder) != sorted(set(ladder)):
        raise ValueError(f"ladder={ladder!r} is invalid; expected increasing digit counts >= 20")
    form = form_of(loss, loss_mp)
    if form is not None:
        form.check_n(n)
    r_scale = scale_radius(w)
    max_distance = 0.1 * r_scale if max_distance is None else float(max_distance)
    l0, g64 = value_and_grad(loss, w)
    if not math.isfinite(l0) or not bool(torch.isfinite(g64).all()):
        raise FloatingPointError(f"loss or gradient at w is not finite (loss {l0}); expected finite values")
    gn = float(g64.norm())
    h64 = exact_hessian(loss, w).numpy() if n <= exact_max_params else None
    if h64 is not None and not np.all(np.isfinite(h64)):
        h64 = None
    lam = float(np.max(np.abs(np.linalg.eigvalsh(h64)))) if h64 is not None and n else (
        largest_abs_eigenvalue(loss, w, exact_max_params) if n else 0.0)
    gs = float(grad_scale) if grad_scale is not None else gradient_scale(l0, w, lam, gn)
    notes: list[str] = []
    common = dict(grad_norm=gn, grad_scale=gs, lambda_abs_max=lam)
    if form is not None and balls.available() and n <= mp_max_params:
        cert = _certify_mp(loss, form, w, l0, gs, lam, h64, ladder, max_distance, newton_steps, interval_max_params,
                           exact_max_params, notes, common)
    else:
        if form is not None and not balls.available():
            notes.append("python-flint is not installed: no ball arithmetic; decided in float64")
        elif form is not None:
            notes.append(f"{n} parameters > mp_max_params = {mp_max_params}: decided in float64")
        cert = _certify_float64(loss, w, l0, g64, gs, lam, h64, max_distance, descent_steps, notes, common)
    cert.seconds = time.perf_counter() - t0
    return cert


def _make(status, proof, reason, point, w, radius, loss_v, loss_iv, inertia, decision, ladder_, notes, common):
    pt = np.asarray(point, dtype=np.float64)
    dist = float(np.linalg.norm(pt - w.numpy()))
    return CriticalCertificate(status, proof, reason, pt.tolist(), dist, radius, float(loss_v), loss_iv,
                               common["grad_norm"], common["grad_scale"], common["lambda_abs_max"], inertia, decision,
                               ladder_, notes)


def _certify_mp(loss, form: LossForm, w, l0, gs, lam, h64, ladder, max_distance, newton_steps, interval_max_params,
                exact_max_params, notes, common) -> CriticalCertificate:
    n = w.numel()
    w_np = w.numpy().astype(np.float64)
    top_bits = balls.digits_to_bits(max(ladder))
    # -- exact zero gradient at w ---------------------------------------------------------
    val, g, _, kinks = form.jet(w_np.tolist(), top_bits + 64, 1)
    h_pt = None
    if kinks == 0 and n <= interval_max_params and all(g[0, j].is_zero() for j in range(n)):
        val, g, h_pt, kinks = form.jet(w_np.tolist(), top_bits + 64, 2)  # the Hessian, for the inertia
    # the gradient scale as a ball: the float64 G, or the ball values where float64 underflowed them
    scale = balls.arb(gs)
    for alt in (val.abs_upper() / scale_radius(w), _norm_upper(g)):
        if bool(alt > scale):
            scale = alt
    if scale.is_zero():
        scale = balls.arb(1)
    if all(g[0, j].is_zero() for j in range(n)) and kinks == 0:
        inertia = None
        if h_pt is not None:
            inertia = _inertia_record(h_pt, "exact" if all(h_pt[i, j].is_exact() for i in range(n) for j in range(n))
                                      else "interval")
        iv = (float(val.lower()), float(val.upper()))
        return _make("critical", "exact", "the gradient is exactly zero at w (ball arithmetic with radius 0)", w_np, w,
                     0.0, l0, iv, inertia, Decision(0.0, "zero", math.inf, "exact"), [], notes, common)
    # -- Newton on the ladder (float64 Hessian at each iterate, pseudo-inverted) ------------
    def hess(pt: list[float], precise: bool = False) -> np.ndarray | None:
        """float64 Hessian at ``pt``; the midpoint of the 128-bit ball Hessian when ``precise`` or when float64
        loses it (saturated units: exactly flat in float64, curved in fact)."""
        h = None
        if n <= exact_max_params and not precise:
            h = exact_hessian(loss, torch.as_tensor(pt, dtype=torch.float64)).numpy()
            h = h if np.all(np.isfinite(h)) and np.any(h != 0) else None
        if h is None and n <= interval_max_params:
            h = balls.mat_mid(form.jet(pt, 128, 2)[2])
        return h

    if n > exact_max_params:
        notes.append(f"{n} parameters > exact_max_params = {exact_max_params}: no Hessian for Newton steps; "
                     "the gradient ladder alone")
    x = [balls.arb(float(v)) for v in w_np]
    records: list[dict] = []
    first_step = None
    for digits in ladder:
        rec = _newton_rung(form, x, hess, digits, scale, w_np, max_distance, newton_steps)
        x = rec.pop("x")
        if first_step is None and rec["steps"]:
            first_step = rec["steps"][0]
        records.append(rec)
        if rec["end"] in ("runaway", "drift"):
            break
    point = [float(c.mid()) for c in x]
    last = records[-1]
    # not critical: the gradient is real -- its distance above the deciding rung's noise floor, in decades
    r_dec = last["ratio_start"] if last["end"] == "runaway" else max(last["ratio_end"], last["ratio_start"])
    d0 = Decision(r_dec, "nonzero", max(0.0, math.log10(max(r_dec, 1e-300) / last["floor"])), f"mp{last['digits']}")
    if last["end"] in ("runaway", "drift"):
        if last["end"] == "runaway":
            why = (f"Newton iterates on the gradient left the ball of radius {max_distance:.3g} around w (first step "
                   f"{first_step or 0:.3g}; |g|/G = {records[0]['ratio_start']:.3g} at w, resolved at "
                   f"{records[0]['digits']} digits): no critical point near w -- a drift (saturation plateau, valley or "
                   "descent to infinity)")
        else:
            why = (f"Newton steps do not shrink (step ratio {last['step_ratio']:.3g} over the last steps, "
                   f"|g|/G = {last['ratio_end']:.3g} after {last['newton_steps']} steps at {last['digits']} digits): "
                   "the iterates drift instead of converging -- no critical point near w")
        excl = _exclude(form, w_np, max_distance, notes)
        if excl is not None:
            return _make("not-critical", "interval", why + f"; proved: the gradient's enclosure excludes 0 on the box "
                         f"|v - w|_inf <= {excl:.3g}", w_np, w, excl, l0, None, None, d0, records, notes, common)
        return _make("not-critical", "multiprecision", why, w_np, w, None, l0, None, None, d0, records, notes, common)
    if last["end"] == "linear":
        loss_pt = float(form.value_ball(point, 128).mid())
        h_end = hess(point)
        inertia = _float_inertia(h_end, "multiprecision") if h_end is not None else None
        extra = last["steps"][-1] * last["step_ratio"] / max(1e-300, 1.0 - last["step_ratio"])
        notes.append("degenerate critical point: Newton converges linearly, so the floor is not reached; the "
                     "geometric decrease of the steps is the evidence (no interval proof for degenerate points)")
        return _make("critical", "multiprecision", f"Newton converges linearly (step ratio {last['step_ratio']:.3g}, "
                     f"|g|/G from {records[0]['ratio_start']:.3g} at w to {last['ratio_end']:.3g} at {last['digits']} "
                     f"digits; remaining distance ~{extra:.2g}): a degenerate critical point "
                     f"{last['displacement']:.3g} from w", point, w, extra, loss_pt, None, inertia,
                     Decision(last["ratio_end"], "zero",
                              max(0.0, math.log10(records[0]["ratio_start"] / max(last["ratio_end"], 1e-300))),
                              f"mp{last['digits']}"), records, notes, common)
    if last["end"] != "floor" or not all(r["end"] == "floor" for r in records):
        if last["ratio_end"] > 1e3 * last["floor"]:
            # Newton is stuck far above the floor (e.g. the gradient lies along directions float64 calls flat):
            # a box around w on which the gradient's enclosure excludes 0 proves there is no critical point there
            excl = _exclude(form, w_np, max_distance, notes)
            if excl is not None:
                return _make("not-critical", "interval", f"Newton is stuck at |g|/G = {last['ratio_end']:.3g} after "
                             f"{last['newton_steps']} steps at {last['digits']} digits (floor {last['floor']:.1g}); "
                             f"proved: the gradient's enclosure excludes 0 on the box |v - w|_inf <= {excl:.3g}",
                             w_np, w, excl, l0, None, None, d0, records, notes, common)
        return _make("band", "multiprecision", f"Newton neither converges nor runs away (|g|/G = "
                     f"{last['ratio_end']:.3g} after {last['newton_steps']} steps at {last['digits']} digits, floor "
                     f"{last['floor']:.1g}; step ratio {last['step_ratio']:.3g}): undecided", point, w, None, l0, None,
                     None, Decision(last["ratio_end"], "band", 0.0, f"mp{last['digits']}"), records, notes, common)
    # -- converged on every rung: a critical point near `point` ----------------------------
    loss_pt = float(form.value_ball(point, 128).mid())
    dec = Decision(last["ratio_end"], "zero", math.log10(last["floor"] / last["ratio_end"]) if last["ratio_end"] > 0
                   else math.inf, f"mp{last['digits']}")
    reason = (f"the gradient falls with the digits: |g|/G = {records[0]['ratio_start']:.3g} at w, "
              + ", ".join(f"{r['ratio_end']:.2g} after {r['newton_steps']} Newton steps at {r['digits']} digits"
                          for r in records)
              + f"; the refined point is {last['displacement']:.3g} from w")
    h_mid = hess(point)
    n_null = _pinv(h_mid)[1] if h_mid is not None else n
    if n <= interval_max_params and n_null == 0 and h_mid is not None:
        bits = KRAWCZYK_BITS
        with balls.precision(bits):
            centre = [balls.arb(c.mid()) for c in x]
        _, g_c, _, k_c = form.jet(centre, bits, 1)
        p_c, null_c, _ = _pinv(h_mid)  # the float64 Hessian at the centre: a preconditioner, nothing more
        r0 = max(4.0 * float(np.max(np.abs(p_c @ balls.mat_mid(g_c).ravel()))), 1e-300)
        r0 = max(r0, 2.0 ** -(bits - 30) * max(1.0, float(np.max(np.abs(point)))))
        radius, hx, val_x, kinks = (_krawczyk(form, centre, g_c, p_c, bits, r0) if null_c == 0 and k_c == 0
                                    else (None, None, None, k_c))
        if radius is not None:
            inertia = _inertia_record(hx, "interval")
            iv = (float(val_x.lower()), float(val_x.upper()))
            if not inertia["proved"]:
                notes.append("the Hessian's inertia could not be proved over the Krawczyk box (an eigenvalue "
                             "enclosure touches 0); counts are the midpoint's")
            return _make("critical", "interval", reason + f"; Krawczyk: a unique critical point within {radius:.2g} "
                         "(max-norm) of the refined point", point, w, radius, loss_pt, iv, inertia, dec, records,
                         notes, common)
        notes.append("the Krawczyk test did not close" + (" (a kink of a piecewise activation is in the box)"
                                                          if kinks else "") + ": multiprecision evidence only")
    elif n_null:
        notes.append(f"degenerate Hessian ({n_null} eigenvalue(s) below 1e-13 Lambda): no interval proof of "
                     "existence; the ladder is evidence")
    inertia = None
    if h_mid is not None:
        inertia = _float_inertia(h_mid, "multiprecision")
    return _make("critical", "multiprecision", reason, point, w, None, loss_pt, None, inertia, dec, records, notes,
                 common)


def _newton_rung(form: LossForm, x: list, hess, digits: int, gs: float, w_np: np.ndarray,
                 max_distance: float, newton_steps: int) -> dict:
    """Newton steps ``x <- x - P grad(x)`` at ``digits`` digits from ``x``.  ``end``: ``floor`` (|g|/G at the
    rung's floor), ``runaway`` (left the ball of radius ``max_distance`` around ``w``), ``drift`` (steps not
    shrinking: ratio >= 0.9), ``linear`` (steps shrinking geometrically, floor not reached: a degenerate point),
    ``stuck`` (no progress)."""
    n = len(x)
    bits = balls.digits_to_bits(digits)
    floor = 10.0 ** -(digits - tolerance.HP_LOST_DIGITS)
    with balls.precision(bits):
        x = [balls.arb(c.mid()) for c in x]
    _, g, _, _ = form.jet(x, bits, 1)
    ratio = start = _ratio(g, gs)
    steps: list[float] = []
    best, stall, end, precise = ratio, 0, "stuck", False
    pm_precise = None
    while True:
        if ratio <= floor:
            end = "floor"
            break
        if len(steps) >= newton_steps:
            break
        if not precise or pm_precise is None:
            h = hess([float(c.mid()) for c in x], precise)
            if h is None:
                break
            pm = balls.mat_from(_pinv(h)[0])
            if precise:  # the ball Hessian costs n^2 per operation: computed once per rung, then reused (chord steps)
                pm_precise = pm
        else:
            pm = pm_precise
        with balls.precision(bits):
            step = pm * g.transpose()
            if not precise and all(step[i, 0].is_zero() for i in range(n)):
                precise = True  # the float64 Hessian sees none of the gradient: use the ball Hessian
                continue
            x = [balls.arb((x[i] - step[i, 0]).mid()) for i in range(n)]
        steps.append(math.sqrt(sum(float(step[i, 0].mid()) ** 2 for i in range(n))))
        _, g, _, _ = form.jet(x, bits, 1)
        ratio = _ratio(g, gs)
        if math.sqrt(sum((float(x[i].mid()) - w_np[i]) ** 2 for i in range(n))) > max_distance:
            end = "runaway"
            break
        if steps[-1] == 0.0:
            break
        if ratio < best:
            best, stall = ratio, 0
        else:
            stall += 1
            if not precise:
                precise, stall = True, 0  # float64 curvature misleads (saturation): the ball Hessian from here on
            elif stall >= 4:
                break
    q = _step_ratio(steps)
    if end == "stuck" and len(steps) >= 6 and ratio > floor:
        end = "drift" if q >= 0.9 else "linear" if ratio < 1e-3 * start else "stuck"
    disp = math.sqrt(sum((float(x[i].mid()) - w_np[i]) ** 2 for i in range(n)))
    return {"digits": digits, "ratio_start": start, "ratio_end": ratio, "newton_steps": len(steps),
            "displacement": disp, "floor": floor, "end": end, "step_ratio": q, "steps": steps[:3] + steps[-3:], "x": x}


def _step_ratio(steps: list[float]) -> float:
    """Geometric mean of the last three step-length ratios (nan with fewer than four steps)."""
    s = [v for v in steps if v > 0]
    if len(s) < 4:
        return math.nan
    rs = [s[-k] / s[-k - 1] for k in (1, 2, 3)]
    return float(np.exp(np.mean(np.log(rs))))


def _exclude(form: LossForm, w_np: np.ndarray, max_distance: float, notes: list[str]) -> float | None:
    """The largest tried radius (``max_distance`` down by decades, 12 of them) on which the gradient enclosure
    excludes 0."""
    r = max_distance
    for _ in range(12):
        try:
            ok, _ = _exclusion(form, w_np, r, 128)
        except (ZeroDivisionError, ValueError):
            ok = False
        if ok:
            return r
        r /= 10.0
    notes.append("the gradient enclosure contains 0 on every tried box down to "
                 f"{r * 10:.2g}: non-criticality is multiprecision evidence, not a proof")
    return None


def _inertia_record(h, proof: str) -> dict:
    rec = balls.inertia(h)
    rec["proof"] = proof if rec["proved"] else "float64"
    if not rec["proved"]:  # a negative eigenvalue can still be proved by a Rayleigh quotient
        hm = balls.mat_mid(h)
        vals, vecs = np.linalg.eigh(0.5 * (hm + hm.T))
        if vals[0] < 0:
            q = balls.negative_curvature(h, vecs[:, 0])
            if bool(q < 0):
                rec["negative_proved"] = True
                rec["proof"] = proof
    return rec


def _float_inertia(h: np.ndarray, proof: str) -> dict:
    h = 0.5 * (h + h.T)
    vals = np.linalg.eigvalsh(h)
    lam = float(np.max(np.abs(vals))) if vals.size else 0.0
    outs = [eig_decision(float(v / lam), 0.0)[0] if lam > tolerance.ABS_FLOOR else "zero" for v in vals]
    return {"negative": outs.count("negative"), "zero": outs.count("zero") + outs.count("band"),
            "positive": outs.count("positive"), "proved": False, "proof": proof, "min_gap": 0.0}


# =======================================================================================
# float64: the round-off model
# =======================================================================================

def _certify_float64(loss, w, l0, g64, gs, lam, h64, max_distance, descent_steps, notes, common) -> CriticalCertificate:
    n = w.numel()
    w_np = w.numpy().astype(np.float64)
    gn = float(g64.norm())
    # round-off of the gradient's own evaluation: its spread over last-bit perturbations of w
    rng = np.random.default_rng(12345)
    spread = 0.0
    for _ in range(4):
        d = rng.choice([-1.0, 1.0], size=n) * np.spacing(np.abs(w_np) + 1e-300) * 4
        _, g2 = value_and_grad(loss, torch.as_tensor(w_np + d))
        spread = max(spread, float((g2 - g64).norm()))
    noise = max(spread, 64 * np.finfo(float).eps * gs)
    gs = gs if gs > 0 else 1.0  # loss, gradient and Hessian all exactly 0: any scale
    stat = tolerance.classify(gn / gs)
    if h64 is None:
        return _make("band", "float64", "no Hessian (too many parameters for the exact one) and no multiple-precision "
                     "form: float64 cannot tell a critical point from a drift", w_np, w, None, l0, None, None, stat, [],
                     notes, common)
    p, n_null, lam_h = _pinv(h64)
    inertia = _float_inertia(h64, "float64")
    if lam_h <= tolerance.ABS_FLOOR or (n_null and stat.outcome != "nonzero"):
        why = ("the Hessian is zero" if lam_h <= tolerance.ABS_FLOOR else
               f"the Hessian has {n_null} eigenvalue(s) the policy calls zero or undecided")
        return _make("band", "float64", f"{why} and there is no multiple-precision form of the loss: float64 cannot "
                     "tell a degenerate critical point from a saturation plateau or a drift (pass loss_mp=)", w_np, w,
                     None, l0, None, inertia, Decision(gn / gs, "band", 0.0), [], notes, common)
    # Newton in float64: a nondegenerate critical point shows as quadratic convergence to round-off
    v = w_np.copy()
    g = g64.numpy().astype(np.float64)
    steps = []
    for k in range(8):
        if k:
            p = _pinv(exact_hessian(loss, torch.as_tensor(v)).numpy())[0]
        s = -p @ g
        steps.append(float(np.linalg.norm(s)))
        if np.linalg.norm(v + s - w_np) > max_distance:
            return _make("not-critical", "float64", f"Newton steps leave the ball of radius {max_distance:.3g} "
                         f"(steps {', '.join(f'{x:.2g}' for x in steps)}): no critical point near w", w_np, w, None, l0,
                         None, None, stat, [], notes, common)
        v = v + s
        _, gt = value_and_grad(loss, torch.as_tensor(v))
        g = gt.numpy()
        if float(np.linalg.norm(g)) <= noise:
            break
    g_end = float(np.linalg.norm(g))
    r = scale_radius(w)
    inertia = _float_inertia(exact_hessian(loss, torch.as_tensor(v)).numpy(), "float64")
    # a long descent: a drift keeps lowering the loss beyond round-off
    drop = _descent_drop(loss, v, descent_steps)
    loss_v, _ = value_and_grad(loss, torch.as_tensor(v))
    tol_l = 1e3 * np.finfo(float).eps * max(abs(loss_v), lam * r * r)
    led = {"newton_steps": len(steps), "steps": steps, "grad_end": g_end, "noise": noise, "descent_drop": drop}
    sat = saturated_ops(loss, torch.as_tensor(v))
    if sat:
        what = ", ".join(f"{k} x {name}" for name, k in sorted(sat.items()))
        return _make("band", "float64", f"float64 rounds activations onto their asymptotes at this point ({what}): a "
                     "saturation, where float64's gradient and curvature vanish and the true ones need not -- float64 "
                     "cannot tell a critical point from a plateau (pass loss_mp=)", v, w, None, loss_v, None, inertia,
                     Decision(g_end / gs, "band", 0.0), [led], notes, common)
    if g_end <= 10 * noise and steps[-1] <= 1e-8 * r and drop <= tol_l and inertia["zero"] == 0:
        margin = min(math.log10(max(10 * noise, 1e-300) / max(g_end, 1e-300)), 8.0)
        return _make("critical", "float64", f"Newton converges to round-off in {len(steps)} step(s) (last step "
                     f"{steps[-1]:.2g}, |g| {g_end:.2g} <= 10 x the evaluation round-off {noise:.2g}), Hessian "
                     f"nondegenerate, a {descent_steps}-step descent lowers the loss by {drop:.2g} (round-off "
                     f"{tol_l:.2g})", v, w, None, loss_v, None, inertia, Decision(g_end / gs, "zero", margin), [led],
                     notes, common)
    if drop > 1e3 * tol_l:
        return _make("not-critical", "float64", f"a {descent_steps}-step descent from the Newton point keeps lowering "
                     f"the loss by {drop:.3g} (round-off {tol_l:.2g}): a drift, not a critical point", w_np, w, None, l0,
                     None, None, stat, [led], notes, common)
    return _make("band", "float64", f"Newton does not reach round-off (|g| {g_end:.2g} vs {noise:.2g}, last step "
                 f"{steps[-1]:.2g}): float64 cannot decide (pass loss_mp=)", v, w, None, l0, None, inertia,
                 Decision(g_end / gs, "band", 0.0), [led], notes, common)


def _asymptote_rules() -> dict:
    """aten op name -> ``(input, output) -> bool mask`` of entries float64 rounded onto the function's asymptote
    (where its derivative is not 0 in fact but is in float64)."""
    return {
        "sigmoid": lambda i, o: (o == 0) | (o == 1),
        "tanh": lambda i, o: o.abs() == 1,
        "erf": lambda i, o: o.abs() == 1,
        "erfc": lambda i, o: (o == 0) | (o == 2),
        "exp": lambda i, o: o == 0,
        "expm1": lambda i, o: o == -1,
        "softplus": lambda i, o: o == 0,
        "log_sigmoid_forward": lambda i, o: o == 0,
    }


def saturated_ops(loss: LossFn, w: torch.Tensor) -> dict[str, int]:
    """Evaluate ``loss(w)`` and count, per elementwise op (sigmoid, tanh, erf, erfc, exp, expm1, softplus), the
    entries that float64 rounded onto the function's asymptote from a finite input: the signature of a
    saturation, where float64's gradient and Hessian are 0 and the true ones are not.  Works on any torch loss
    (a ``TorchDispatchMode`` sees every aten call)."""
    from torch.utils._python_dispatch import TorchDispatchMode

    rules = _asymptote_rules()
    hits: dict[str, int] = {}

    class _Watch(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            name = func.overloadpacket.__name__
            rule = rules.get(name)
            if rule is not None and args and isinstance(args[0], torch.Tensor):
                o = out[0] if isinstance(out, tuple) else out
                if isinstance(o, torch.Tensor) and o.is_floating_point():
                    mask = rule(args[0], o) & torch.isfinite(args[0])
                    k = int(mask.sum())
                    if k:
                        hits[name] = hits.get(name, 0) + k
            return out

    with torch.no_grad(), _Watch():
        loss(w.detach().clone())
    return hits


def _descent_drop(loss, v: np.ndarray, steps: int) -> float:
    """How much ``steps`` L-BFGS iterations lower the loss from ``v`` (0 if they do not)."""
    if steps <= 0:
        return 0.0
    from landscape._lib import train

    p = torch.as_tensor(v).clone()
    l0 = float(loss(p))
    try:
        run = train.lbfgs(loss, p, max_iter=steps)
        lv = float(loss(run.w.detach()))
        lv = lv if math.isfinite(lv) else l0
    except (ArithmeticError, RuntimeError, ValueError):
        return 0.0
    return max(0.0, l0 - lv)


__all__ = ["CRITICAL_LADDER", "PROOF_LEVELS", "CriticalCertificate", "Proof", "Status", "certify_critical",
           "saturated_ops", "weakest"]
