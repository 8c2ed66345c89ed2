"""The local-minimum certificate: :func:`certify_minimum` runs every test of the package and decides
one :class:`MinimumCertificate`.

The decision rule (smooth and non-smooth losses, what is and is not proved) is the package
docstring of :mod:`landscape._lib.certify`; Li, Ding, Sun (``004_c552a5c94484e66a.txt``),
Definition 1.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from landscape._lib import tolerance
from landscape._lib.certify.base import Kind, LossFn, Symmetry, flat64, scale_radius, value_and_grad
from landscape._lib.certify.critical import CriticalCertificate, certify_critical, weakest
from landscape._lib.certify.decisions import gradient_scale, lower_decision, stationarity
from landscape._lib.certify.escape import EscapeRun, escape_test
from landscape._lib.certify.hessian import HessianSpectrum, hessian_spectrum
from landscape._lib.certify.probes import AttackResult, FlatProbe, ProbeResult, flat_probes, neighbourhood_attack
from landscape._lib.jsonable import jsonable
from landscape._lib.tolerance import Decision


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
    ``proof``: the weakest proof level the kind rests on (``exact``, ``interval``, ``multiprecision``,
    ``float64``); ``critical``: the :class:`~landscape._lib.certify.critical.CriticalCertificate` of the
    point (``None`` when not computed: non-smooth losses, ``certify_point=False``).
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
    proof: str = "float64"
    critical: CriticalCertificate | None = None

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
        return jsonable({
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
        return jsonable({
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


def _lower_candidates(probes, attacks, flat, escapes, local_radius, l0, lam_abs, w=None):
    """Every lower-point decision: (clearly lower points within ``local_radius``, band ones
    within it, distances of all clearly lower points, the worst 'not lower' decision)."""
    found, band, anywhere = [], [], []
    not_lower: list[Decision] = []

    def add(src, d, lv, dec, vec=None):
        item = {"source": src, "distance": d, "loss": lv, "decision": dec.as_dict()}
        if vec is not None:
            item["_vector"] = vec
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
        add(f"samples(r={p.radius:g})", p.radius, l0 + p.min_delta, p.lower,
            None if p.direction is None else p.radius * np.asarray(p.direction))
    for a in attacks:
        add(f"attack(r={a.radius:g})", a.best_distance, l0 + a.min_delta, a.lower,
            None if a.point is None or w is None else (a.point - w).numpy())
    for f in flat:
        pts = list(f.points) + [None] * (len(f.radii) - len(f.points))
        for s, d, lv, dec, pt in zip(f.radii, f.distances, f.losses, f.lower, pts):
            add(f"flat:{f.source}{'+' if f.sign > 0 else '-'}(s={s:g})", d, lv, dec,
                None if pt is None or w is None else (pt - w).numpy())
    for r in escapes:
        # every path point inside the local radius counts; the first clearly lower one outside it bounds the basin
        for j, (lv, d) in enumerate(zip(r.path_loss, r.path_distance)):
            if math.isfinite(lv) and (d <= local_radius or j == r.first_lower_step):
                add(f"escape(delta={r.delta:g},start={r.start},step={j})", d, lv, lower_decision(l0, lv, d, lam_abs))
    found.sort(key=lambda t: -t[0].margin)
    worst_zero = min(not_lower, key=lambda d: d.margin) if not_lower else None
    return [it for _, it in found], band, anywhere, worst_zero


def certify_minimum(loss: LossFn, w: torch.Tensor, *, rng: np.random.Generator,
                    radii: Sequence[float] | None = None, samples: int = 64, attack_starts: int = 4,
                    attack_steps: int = 60, escape_deltas: Sequence[float] = (1e-2,), escape_starts: int = 2,
                    escape_steps: int = 30, escape_method: str = "gd", smooth: bool = True,
                    exact_max_params: int = 600, k: int = 6, k_top: int = 2, grad_scale: float | None = None,
                    directions: Sequence[torch.Tensor] = (), symmetries: Sequence[Symmetry] = (),
                    max_flat_directions: int = 6, local_radius: float | None = None,
                    escape_directions: Sequence[torch.Tensor] = (),
                    attack_radii: Sequence[float] | None = None, include_point: bool = True,
                    full: bool = False, loss_mp=None, certify_point: bool = True) -> MinimumCertificate:
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

    Default ``radii``: ``R x (1e-1, 1e-2, 1e-3, 1e-4)`` with ``R = max(1, |w|)`` -- they scale with the point
    and tend to 0, and a saddle from lower points needs one within *every* radius (a lower point at
    one fixed distance only bounds the basin).

    Criticality first (``certify_point``, smooth losses): :func:`~landscape._lib.certify.critical.certify_critical`
    with ``loss_mp`` (default: the loss's own multiple-precision form, if any) decides whether a true
    critical point lies near ``w`` and refines it; the rest runs at the refined point.  Not critical ->
    ``not-stationary``; undecided -> ``inconclusive``; a critical point whose Hessian inertia is proved
    (interval / exact) -> ``strict`` or ``saddle`` with that proof.  ``proof`` records the weakest level
    the kind rests on (``exact``, ``interval``, ``multiprecision``, ``float64``).
    """
    t0 = time.perf_counter()
    w = flat64(w)
    n = w.numel()
    crit: CriticalCertificate | None = None
    if smooth and certify_point:
        crit = certify_critical(loss, w, loss_mp=loss_mp, grad_scale=grad_scale, exact_max_params=exact_max_params)
        early = _from_critical(crit, n, smooth, t0, include_point, w)
        if early is not None:
            return early
        if crit.status == "critical":
            w = flat64(crit.point)
    if radii is None:
        r_w = scale_radius(w)
        radii = (1e-1 * r_w, 1e-2 * r_w, 1e-3 * r_w, 1e-4 * r_w)
    radii = [float(r) for r in radii]
    if not radii or min(radii) <= 0:
        raise ValueError(f"radii {radii!r} are invalid; expected positive floats")
    local_radius = max(radii) if local_radius is None else float(local_radius)
    notes: list[str] = []
    l0, g = value_and_grad(loss, w)
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
    proved_kind = _proved_kind(crit, n)
    if crit is not None and crit.status == "critical":
        stat = crit.decision
    decisions: dict[str, Decision] = {"stationarity": stat}
    if spectrum is not None and spectrum.min_decision is not None:
        decisions["hessian_min_eigenvalue"] = spectrum.min_decision
    if not smooth:
        notes.append("non-smooth loss: the autograd Hessian is only defined almost everywhere and the gradient at a "
                     "kink is one element of a generalised gradient; the kind relies on the attack")

    probes: list[ProbeResult] = []
    attacks: list[AttackResult] = []
    if proved_kind is None or full:
        probes, attacks = neighbourhood_attack(loss, w, rng=rng, radii=radii, samples=samples,
                                               attack_starts=attack_starts, attack_steps=attack_steps, lam_abs=lam,
                                               attack_radii=attack_radii)
    decided_early = smooth and (stat.outcome == "nonzero" or proved_kind is not None) and not full
    flat: list[FlatProbe] = []
    escapes: list[EscapeRun] = []
    if not decided_early:
        flat = flat_probes(loss, w, radii=radii, lam_abs=lam, spectrum=spectrum, directions=directions,
                           symmetries=symmetries, max_directions=max_flat_directions, rng=rng)
        if escape_deltas and (escape_starts > 0 or len(escape_directions) > 0):
            escapes = escape_test(loss, w, deltas=escape_deltas, rng=rng, starts=escape_starts, steps=escape_steps,
                                  method=escape_method, lam_abs=lam, directions=escape_directions)

    found, band, anywhere, not_lower = _lower_candidates(probes, attacks, flat, escapes, local_radius, l0, lam, w)
    ray = None
    if found and not _lower_at_every_radius(found, radii):
        ray = _ray_to_zero(loss, loss_mp, w, found, radii)
        if ray is not None:
            notes.append(ray["note"])
    for it in found:
        it.pop("_vector", None)
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
    if proved_kind is not None:
        kind, ev, margin = proved_kind, "hessian", worst(stat)
        inv = crit.inertia
        reason = (f"{crit.proof} proof: a true critical point within {crit.radius:.2g} of the refined point "
                  f"({crit.distance:.2g} from w) and its Hessian "
                  + ("has a negative eigenvalue" if proved_kind == "saddle" else "is positive definite")
                  + f" over the whole box (inertia {inv['negative']} negative / {inv['positive']} positive)")
    elif smooth:
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
                                                            flat_band, decisions, stat, mind, worst, found, radii,
                                                            ray)
    else:
        if lower_point is not None and stat.outcome != "nonzero" and not _lower_at_every_radius(found, radii):
            kind, ev, margin = "inconclusive", "none", 0.0
            reason = (f"clearly lower points only at distance >= {min(it['distance'] for it in found):.3g}, none within "
                      f"the smallest probe radius {min(radii):.3g} (non-smooth: attack evidence) -- not decided")
        elif lower_point is not None:
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
    proof = _proof_of(kind, ev, crit, proved_kind)
    return MinimumCertificate(kind, reason, ev, margin, smooth, n, l0, gn, gs, stat, spectrum, local_radius, probes,
                              attacks, flat, escapes, lower_point, witness, basin, decisions, notes,
                              time.perf_counter() - t0, w.tolist() if include_point else None, proof, crit)


def _proved_kind(crit: CriticalCertificate | None, n: int) -> str | None:
    """``strict`` / ``saddle`` when the critical certificate proves the Hessian's inertia (interval / exact)."""
    if crit is None or crit.status != "critical" or crit.inertia is None or crit.proof not in ("exact", "interval"):
        return None
    inv = crit.inertia
    if inv.get("proved") and inv["negative"] > 0 or inv.get("negative_proved"):
        return "saddle"
    if inv.get("proved") and inv["negative"] == 0 and inv["zero"] == 0 and inv["positive"] == n:
        return "strict"
    return None


def _proof_of(kind: str, evidence: str, crit: CriticalCertificate | None, proved_kind: str | None) -> str:
    """The weakest proof level the kind rests on."""
    if proved_kind is not None:
        return crit.proof
    if evidence == "ray":  # the lower points are proved by enclosures at every radius
        return weakest(crit.proof if crit is not None else "float64", "interval")
    if kind in ("strict", "non-strict", "saddle"):
        # criticality from the certificate (or float64), the kind from float64 eigenvalues or loss probes
        return weakest(crit.proof if crit is not None else "float64", "float64")
    return crit.proof if crit is not None else "float64"


def _from_critical(crit: CriticalCertificate, n: int, smooth: bool, t0: float, include_point: bool,
                   w: torch.Tensor) -> MinimumCertificate | None:
    """The certificate when criticality alone decides: not critical -> ``not-stationary``, band -> ``inconclusive``."""
    if crit.status == "critical":
        return None
    kind: Kind = "not-stationary" if crit.status == "not-critical" else "inconclusive"
    d = crit.decision
    margin = d.margin if crit.status == "not-critical" else 0.0
    return MinimumCertificate(kind, f"{crit.proof}: {crit.reason}", "gradient", margin, smooth, n, crit.loss,
                              crit.grad_norm, crit.grad_scale, d, None, 0.0, [], [], [], [], None, None, None,
                              {"stationarity": d}, list(crit.notes), time.perf_counter() - t0,
                              w.tolist() if include_point else None, crit.proof, crit)


def _source_kind(src: str) -> str:
    for prefix, name in (("samples", "samples"), ("attack", "attack"), ("flat", "flat-direction"),
                         ("escape", "escape")):
        if src.startswith(prefix):
            return name
    return src


def _witness_kind(f: FlatProbe) -> str:
    return "symmetry" if f.source.startswith("symmetry") else "flat-direction"


#: Radii (relative to ``R = max(1, |w|)``) at which a lower point's ray is re-checked in ball arithmetic.
RAY_RADII: tuple[float, ...] = tuple(10.0 ** -k for k in range(1, 9))


def _ray_to_zero(loss, loss_mp, w: torch.Tensor, found: list[dict], radii) -> dict | None:
    """Radii tending to 0 along the direction of a clearly lower point, decided in ball arithmetic.

    Float64 cannot see a third- or fourth-order descent at small radii (a decrease of r^3 next to a loss of
    order 1); the loss's multiple-precision form can.  For the nearest clearly lower point with a known
    displacement ``d``, ``L(w + r d / |d|) < L(w)`` is decided with enclosures at ``r = R x 1e-1 .. 1e-8`` (those
    below ``|d|``).  ``lower_everywhere``: certainly lower at each of them (a descent direction at every scale:
    evidence of a saddle, the lower points proved).  ``None`` without a form or a displacement.
    """
    from landscape._lib.certify import balls
    from landscape._lib.certify.mpform import form_of

    form = form_of(loss, loss_mp)
    if form is None or not balls.available():
        return None
    cands = sorted((it for it in found if it.get("_vector") is not None), key=lambda it: it["distance"])
    if not cands:
        return None
    it = cands[0]
    d = np.asarray(it["_vector"], dtype=np.float64)
    nd = float(np.linalg.norm(d))
    if nd == 0.0:
        return None
    u = d / nd
    w_np = w.numpy().astype(np.float64)
    r_w = max(1.0, float(np.linalg.norm(w_np)))
    l0 = form.value_ball(w_np.tolist(), 256)
    rs = [f * r_w for f in RAY_RADII if f * r_w < nd]
    if not rs:
        return None
    lower = []
    for r in rs:
        lv = form.value_ball((w_np + r * u).tolist(), 256)
        lower.append(bool(lv < l0))
    ok = all(lower)
    where = f"along the direction of the lower point at distance {nd:.3g} ({it['source']})"
    if ok:
        note = (f"{where} the loss is certainly lower (ball arithmetic, 256 bits) at every radius "
                f"{rs[0]:.2g} .. {rs[-1]:.2g}: descent at every scale")
    else:
        note = (f"{where} the loss is certainly lower at {sum(lower)} of the radii {rs[0]:.2g} .. {rs[-1]:.2g}, not "
                "at all: no descent at every scale shown")
    return {"lower_everywhere": ok, "radii": rs, "lower": lower, "source": it["source"], "note": note}


def _lower_at_every_radius(found: list[dict], radii: Sequence[float]) -> bool:
    """A clearly lower point within each probe radius (radii tending to 0), not at one fixed distance only."""
    return bool(found) and all(any(it["distance"] <= r * (1 + 1e-9) for it in found) for r in radii)


def _second_order_silent(definiteness, lower_point, band, witness_probe, flat_band, decisions, stat, mind, worst,
                         found=(), radii=(), ray=None):
    """Rules 5 and 6 of the module docstring (gradient zero, Hessian not decisive)."""
    what = {"psd-singular": "Hessian PSD and singular", "band": "smallest Hessian eigenvalue in the band",
            "unavailable": "Hessian unavailable"}[definiteness]
    if lower_point is not None:
        if ray is not None and ray["lower_everywhere"]:
            return ("saddle", "ray", f"{what}; {ray['note']}", worst(stat, decisions["lower_point"]))
        if not _lower_at_every_radius(list(found), radii):
            near = min(it["distance"] for it in found)
            return ("inconclusive", "none",
                    f"{what}; clearly lower points only at distance >= {near:.3g}, none within the smallest probe "
                    f"radius {min(radii):.3g}: a basin narrower than that, or descent of higher order -- not decided",
                    0.0)
        return ("saddle", _source_kind(lower_point["source"]),
                f"{what}; clearly lower points within every probe radius down to {min(radii):.3g} (nearest "
                f"{lower_point['distance']:.3g}, {lower_point['source']})",
                worst(stat, decisions["lower_point"]))
    if witness_probe is not None and not band:
        return ("non-strict", _witness_kind(witness_probe),
                f"{what}; equal loss at distances {', '.join(f'{d:.3g}' for d in witness_probe.distances)} along "
                f"{witness_probe.source}; no lower point found",
                worst(stat, mind, decisions["flat_witness_equal"], decisions.get("no_lower_point")))
    why = "a lower-point decision is in the band" if band else (
        "a flat probe is in the band" if flat_band else "no equal-loss neighbour found (higher-order terms decide)")
    return "inconclusive", "none", f"{what}; {why}", 0.0
