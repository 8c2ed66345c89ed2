"""Search a loss landscape for bad local minima and certify each candidate.

Li, Ding, Sun, *Over-Parameterized Deep Neural Networks Have No Strict Local Minima For Any
Continuous Activations* (``../shared/papers/004_c552a5c94484e66a.txt``): the empirical loss E(W) of
eq. (5) (squared loss, :func:`landscape._lib.networks.mlp.squared_loss`) of an MLP (eq. (1)-(4)).
A :class:`Budget` fixes the work: random starts are screened (:func:`screen`, cheap L-BFGS),
their distinct bad end values refined and certified (:func:`certify_candidate`, built on
:func:`landscape._lib.certify.certify_minimum`), and one problem becomes a :class:`Problem`
(:func:`search_problem`, :func:`search_outcome`; replayed by :func:`replay_candidate`).

Every counted outcome comes from decided candidates (:func:`category`): a candidate is ruled
out (non-strict, saddle, certified not stationary, not a minimum, not bad: :data:`RULED_OUT`),
excluded when it is not a finite candidate (a unit saturated at every sample,
:func:`landscape._lib.certify.saturation`: :data:`EXCLUDED`), or undecided for numerical reasons
(:data:`UNDECIDED`), which makes its problem ``band``.

Every optimisation runs on flat float64 weights; every decision goes through
:mod:`landscape._lib.tolerance`.  A numerical failure on a candidate (:data:`NUMERICAL`) makes that
candidate *undecided*, never an error: an L-BFGS refinement that overflows keeps its last finite
iterate (:func:`landscape._lib.certify.refine_stationary`), an overflowing probe is "not lower, not
equal", and a gradient that is small only relative to a huge curvature scale is decided by
multiple-precision descent (:func:`landscape._lib.search_mp.mp_not_stationary`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from landscape._lib import payload as _p
from landscape._lib.outcome import Outcome
from landscape._lib import activations, certify, fixtures as _fx, optimise, tolerance
from landscape._lib.errors import LandscapeError
from landscape._lib.networks.mlp import MLP, MLPSpec, squared_loss
from landscape._lib.search_mp import mp_not_stationary

#: Saturation (a unit flat in float64 at every sample: the end of a drift towards infinity) is decided by the
#: suite's one rule, :func:`landscape._lib.certify.saturation` (thresholds per activation from the tolerance policy);
#: such a candidate is not a finite stationary point and is excluded, never certified.
#: Numerical failures that make a candidate undecided: overflow, non-finite weights (LandscapeError is a
#: ValueError), eigensolvers (LinAlgError, ARPACK's RuntimeError), and torch's strong-Wolfe line search, which
#: raises IndexError when the loss turns non-finite inside a bracket (torch/optim/lbfgs.py, ``bracket[low_pos]``).
NUMERICAL = (ArithmeticError, ValueError, RuntimeError, np.linalg.LinAlgError, IndexError)


# ---------------------------------------------------------------------------------------
# Budget and the squared loss
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Budget:
    """What one landscape search spends, scaled by the profile (``ctx.draws``: 4 / 8 / 16).

    ``starts`` L-BFGS starts of ``screen_iter`` iterations screen each problem; at most
    ``refine`` distinct bad loss values per problem are refined to stationarity and
    certified with ``samples`` sphere samples per radius, ``attack_starts`` x
    ``attack_steps`` ball attacks and ``escape_starts`` x ``escape_steps`` escape runs.
    """

    starts: int
    screen_iter: int
    refine: int
    samples: int
    attack_starts: int
    attack_steps: int
    escape_starts: int
    escape_steps: int

    @classmethod
    def of(cls, ctx: Any) -> "Budget":
        """The budget for a claim context (anything with the profile's ``draws``, e.g. a ``landscape.Context``)."""
        d = ctx.draws
        return cls(starts=2 * d, screen_iter=40 * d, refine=2 if d <= 4 else 3, samples=8 * d,
                   attack_starts=2 if d <= 4 else 4, attack_steps=30 if d <= 4 else 60,
                   escape_starts=2, escape_steps=30)

    def certify_kwargs(self) -> dict:
        return {"samples": self.samples, "attack_starts": self.attack_starts, "attack_steps": self.attack_steps,
                "escape_starts": self.escape_starts, "escape_steps": self.escape_steps}

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Budget":
        return cls(**{k: int(d[k]) for k in cls.__dataclass_fields__})


#: Budget of a replay when the payload does not carry one.
REPLAY_BUDGET = Budget(starts=0, screen_iter=0, refine=1, samples=64, attack_starts=4, attack_steps=60,
                       escape_starts=2, escape_steps=30)




def loss_value(lossf, w: torch.Tensor) -> float:
    """``float(lossf(w))`` without building an autograd graph."""
    with torch.no_grad():
        return float(lossf(w))




def rescaling_symmetries(spec: MLPSpec, limit: int = 4) -> list:
    """Curves ``(w, s) -> point`` of equal loss for positively homogeneous activations.

    Unit ``j`` of hidden layer ``l``: its incoming weights (bias included) times ``e^s``, its
    outgoing weights times ``e^-s`` (``sigma(c z) = c sigma(z)`` for ``c > 0``).  At most
    ``limit`` units (the last hidden layer first).
    """
    if not activations.get(spec.activation).positively_homogeneous:
        return []
    shapes = spec.shapes()
    offsets = np.cumsum([0] + [a * b for a, b in shapes]).tolist()
    units = [(layer, j) for layer in reversed(range(spec.depth)) for j in range(spec.widths[layer])][:limit]
    out = []
    for layer, j in units:
        a_in, b_in = shapes[layer]
        a_out, b_out = shapes[layer + 1]
        rows_in = [offsets[layer] + j * b_in + k for k in range(b_in)]
        cols_out = [offsets[layer + 1] + r * b_out + j for r in range(a_out)]

        def sym(w: torch.Tensor, s: float, rows_in=rows_in, cols_out=cols_out) -> torch.Tensor:
            v = torch.as_tensor(w, dtype=torch.float64).clone()
            v[rows_in] = v[rows_in] * math.exp(s)
            v[cols_out] = v[cols_out] * math.exp(-s)
            return v

        out.append(sym)
    return out


# ---------------------------------------------------------------------------------------
# Certificate of one candidate
# ---------------------------------------------------------------------------------------

def min_relative_preactivation(spec: MLPSpec, w: torch.Tensor, x: np.ndarray) -> float:
    """min over hidden units j and samples i of |w_j . t_i| / (|w_j| |t_i|): how close a pre-activation is to 0
    (the kink of ReLU / leaky ReLU) relative to its natural size (0 when a unit or an input vanishes)."""
    net = MLP(spec, [np.zeros(s) for s in spec.shapes()])
    ws = net.unflatten(torch.as_tensor(w, dtype=torch.float64))
    t = torch.as_tensor(x, dtype=torch.float64)
    act = activations.get(spec.activation)
    low = math.inf
    with torch.no_grad():
        for wl in ws[:-1]:
            if spec.bias:
                t = torch.cat([t, torch.ones(1, t.shape[1], dtype=torch.float64)])
            pre = wl @ t
            den = wl.norm(dim=1, keepdim=True) * t.norm(dim=0, keepdim=True)
            rel = torch.where(den > 0, pre.abs() / torch.where(den > 0, den, torch.ones_like(den)),
                              torch.zeros_like(pre))
            low = min(low, float(rel.min()))
            t = act(pre)
    return low


def certify_candidate(spec: MLPSpec, w: torch.Tensor, x: np.ndarray, y: np.ndarray, best: float, seed: int,
                      budget: Budget, best_w: torch.Tensor | None = None) -> dict:
    """Certificate of one point; 'bad' is decided against ``best``, a loss value known to be attained.

    Returns ``{"loss", "best", "bad", "kind", ...}``; ``kind`` is ``None`` when the point is
    not clearly bad (then nothing is certified), ``"not a minimum (last layer)"`` when the
    loss is clearly above ``sum y^2``, its value with W_{H+1} = 0 (E is convex in W_{H+1}, so
    that is a proof), ``"saturated (not certified)"`` when a unit is saturated at every sample
    (:func:`landscape._lib.certify.saturation`), ``"undecided (numerical error)"`` when the certificate could not be
    computed, otherwise the :func:`landscape._lib.certify.certify_minimum` kind (``strict``,
    ``non-strict``, ``saddle``, ``not-stationary``, ``inconclusive``) with the certificate's
    compact summary (``certificate``: gradient norm, Hessian spectrum and eigenvalue counts,
    the loss along every escape path).  An ``inconclusive`` certificate (analytic activation) is
    re-decided by :func:`mp_not_stationary` before it is returned: ``not-stationary`` when the descent
    along -grad, or along the gradient off the stiff Hessian directions, is first order and visible at 50
    digits (e.g. a point on a narrow valley that falls too slowly for
    float64: softplus units all in their e^z tail at one sample), and ``re_decided`` records the float64
    kind and reason, the distances, relative decreases and measured slope either way.

    ReLU / leaky ReLU: positively homogeneous, so every point lies on rescaling curves of
    equal loss (given to the certificate as symmetry probes) and no point can be a strict
    minimum.  Where no pre-activation is near the kink (:func:`min_relative_preactivation`
    clearly non-zero by the policy) the loss is a polynomial near ``w`` and the certificate
    runs with ``smooth=True`` (Hessian proofs valid); otherwise ``smooth=False`` (samples and
    attack only: strictness can never be certified there).
    """
    lossf = squared_loss(spec, x, y)
    w = torch.as_tensor(w, dtype=torch.float64)
    l0 = loss_value(lossf, w)
    scale = float(np.sum(np.asarray(y) ** 2))  # the loss of the zero function: the problem's natural scale
    out: dict = {"loss": l0, "best": best, "kind": None}
    if not math.isfinite(l0):
        return out | {"kind": "undecided (numerical error)", "reason": f"loss {l0}"}
    bad = tolerance.classify(max(l0 - best, 0.0) / max(scale, tolerance.ABS_FLOOR))
    out["bad"] = bad.as_dict()
    if bad.outcome != "nonzero":
        return out
    # necessary condition, exact: E is convex in W_{H+1} (A2), so at a local minimum W_{H+1} minimises E over
    # W_{H+1} and E(W) <= E(W_1..W_H, 0) = sum y^2.  A point clearly above proves it is not a minimum -- e.g. the
    # e^z blow-ups where the relative gradient test reads a steep point as stationary.  (The least-squares
    # W_{H+1} would be a sharper test but is not robust: a T_H that is 0 up to round-off, as at the Prop. 1
    # points, gives a huge fit with loss ~0.)
    above = tolerance.classify(max(l0 - scale, 0.0) / max(l0, tolerance.ABS_FLOOR))
    if above.outcome == "nonzero":
        return out | {"kind": "not a minimum (last layer)", "margin": above.margin,
                      "reason": f"loss {l0:.6g} > {scale:.6g}, the loss with W_(H+1) = 0 on the same T_H (E is "
                                "convex in W_(H+1))"}
    sat = certify.saturation(spec, w, x)
    out["max_preactivation"] = sat.max_preactivation
    if sat.saturated:
        return out | {"kind": "saturated (not certified)", "saturation": sat.as_dict(), "reason": sat.reason()}
    act = activations.get(spec.activation)
    smooth = act.smooth
    if act.positively_homogeneous and not act.smooth:
        kink = min_relative_preactivation(spec, w, x)
        smooth = tolerance.classify(kink).outcome == "nonzero"
        out["min_relative_preactivation"] = kink
    out["smooth_used"] = smooth
    try:
        cert = certify.certify_minimum(lossf, w, rng=np.random.default_rng(seed), smooth=smooth,
                                       symmetries=rescaling_symmetries(spec), include_point=False,
                                       **budget.certify_kwargs())
    except NUMERICAL as e:
        return out | {"kind": "undecided (numerical error)", "reason": f"{e.__class__.__name__}: {e}"}
    summ = cert.summary()
    if cert.kind == "inconclusive" and act.analytic and act.expr is not None:
        # the float64 band re-decided (mp_not_stationary): descent at 50 digits along -grad at MP_DESCENT_DISTANCES,
        # then along the gradient off the stiff Hessian directions (a visible first-order decrease)
        lam = cert.spectrum.lambda_abs_max if cert.spectrum is not None else 0.0
        try:
            mp = mp_not_stationary(spec, w, x, y, cert.grad_norm, lam)
        except NUMERICAL as e:
            mp = {"lower_at_every_distance": False, "error": f"{e.__class__.__name__}: {e}"}
        summ["multiple_precision_descent"] = mp
        rung = mp.get("deciding_rung")
        out["re_decided"] = {"float64_kind": cert.kind, "float64_reason": cert.reason,
                             "by": "multiple-precision descent (mp_not_stationary)", "rung": rung,
                             "rungs_tried": [r["rung"] for r in mp.get("rungs", [])],
                             "distances": mp.get("distances"), "relative_decrease": mp.get("relative_decrease"),
                             "slope": mp.get("slope"),
                             "directional_derivative": mp.get("directional_derivative", cert.grad_norm),
                             "grad_norm": cert.grad_norm,
                             "outcome": "not-stationary" if mp["lower_at_every_distance"] else "inconclusive"}
        if mp["lower_at_every_distance"]:
            slope_ref = mp.get("directional_derivative", cert.grad_norm)
            return out | {"kind": "not-stationary", "evidence": "multiple-precision descent",
                          "reason": (f"certificate inconclusive in float64 ({cert.reason}); along "
                                     + ("-grad" if rung == "fixed distances" else
                                        "-(grad off the stiff Hessian directions)")
                                     + f" the loss computed at {mp['dps']} digits from the exact float64 weights "
                                     f"is lower at distances {[float(f'{d:.3g}') for d in mp['distances'][-3:]]}, "
                                     "linearly in the distance (relative decrease "
                                     f"{[float(f'{r:.3g}') for r in mp['relative_decrease']]}; slope {mp['slope']:.6g} "
                                     f"per unit distance, directional derivative {slope_ref:.6g}): the gradient is "
                                     "not zero, not a local minimum"),
                          "margin": mp["margin"], "eigenvalue_counts": cert.eigenvalue_counts,
                          "lambda_min_normalised": cert.lambda_min_normalised, "grad_norm": cert.grad_norm,
                          "bad_margin": bad.margin, "certificate": summ}
    return out | {"kind": cert.kind, "reason": cert.reason, "margin": cert.margin, "evidence": cert.evidence,
                  "eigenvalue_counts": cert.eigenvalue_counts, "lambda_min_normalised": cert.lambda_min_normalised,
                  "grad_norm": cert.grad_norm, "bad_margin": bad.margin, "certificate": summ,
                  **_proof_of_bad(cert, lossf, best_w)}


def _proof_of_bad(cert, lossf, best_w: torch.Tensor | None) -> dict:
    """The proof level of a certified point being a *bad* minimum: the certificate's level, and 'bad' proved by
    enclosures (the attained witness ``best_w``'s loss interval lies below the point's) or decided in float64."""
    crit = cert.critical
    proof = cert.proof
    bad_by = "float64"
    if best_w is not None and crit is not None and crit.loss_interval is not None and hasattr(lossf, "mp"):
        try:
            wit = lossf.mp.value_ball([float(v) for v in torch.as_tensor(best_w).reshape(-1)], 128)
            if float(wit.upper()) < crit.loss_interval[0]:
                bad_by = "interval"
        except (ArithmeticError, ValueError, TypeError):
            pass
    if cert.kind not in ("strict", "non-strict"):  # ruled out: 'bad' plays no part in the decision
        return {"proof": proof, "critical_proof": None if crit is None else crit.proof}
    return {"proof": certify.weakest(proof, bad_by), "bad_proved_by": bad_by,
            "critical_proof": None if crit is None else crit.proof}


#: Distances along -grad of the multiple-precision descent check.

def _stats(c: dict) -> dict:
    """A certificate dict as outcome statistics (its margin renamed: ``margin`` is the outcome's own)."""
    ren = {"margin": "certificate_margin", "proof": "certificate_proof"}
    return {ren.get(k, k): v for k, v in c.items()}


#: Candidate kinds that rule a candidate out as a strict minimum, each with a margin: a certificate (non-strict,
#: saddle, not stationary), the last-layer bound, or a refinement that ends at a finite, unsaturated point whose
#: gradient the policy calls clearly non-zero (certified not stationary).
RULED_OUT = ("non-strict", "saddle", "not-stationary", "not a minimum (last layer)", "not stationary after refinement")
#: Candidate kinds that are not finite candidates: a unit saturated at every sample (landscape._lib.certify.saturation,
#: a drift towards infinity).  Excluded and counted, never 'holds'.
EXCLUDED = ("saturated (not certified)",)
#: Candidate kinds left undecided for numerical reasons: an inconclusive certificate, a computation that failed
#: (overflow, eigensolver), a gradient or a 'bad' decision in the band.  Each makes its problem 'band'.
UNDECIDED = ("inconclusive", "undecided (numerical error)", "stationarity undecided after refinement")


def category(kind: str | None | dict) -> str:
    """``hit`` (certified strict), ``ruled out``, ``band`` (undecided), ``excluded`` (not a finite candidate),
    ``not bad``.

    ``kind`` may be a certificate dict of :func:`certify_candidate`: a point whose 'bad' decision is
    in the band is then ``band`` (whether it is bad at all is undecided)."""
    if isinstance(kind, dict):
        if kind.get("kind") is None and (kind.get("bad") or {}).get("outcome") == "band":
            return "band"
        kind = kind.get("kind")
    if kind is None or kind == "not bad after refinement":
        return "not bad"
    if kind == "strict":
        return "hit"
    if kind in RULED_OUT:
        return "ruled out"
    if kind in EXCLUDED:
        return "excluded"
    return "band"


def _is_hit(kind: str | None) -> bool:
    return kind == "strict"


def hit_margin(c: dict) -> float:
    """A find is decided by the certificate and by 'bad': the worse of the two margins."""
    return min(float(c.get("margin", 0.0)), float(c.get("bad_margin", math.inf)))


def compact_certificate(c: dict, runs_at_value: int = 1) -> dict:
    """What the statistics keep of one candidate (issue 3: spectrum, gradient, escape paths)."""
    cert = c.get("certificate") or {}
    return {"loss": c.get("loss"), "kind": c.get("kind") or "not bad after refinement",
            "category": category(c), "margin": c.get("margin"), "runs_at_value": runs_at_value,
            "grad_norm": cert.get("grad_norm"), "eigenvalue_counts": cert.get("eigenvalue_counts"),
            "lambda_min_normalised": cert.get("lambda_min_normalised"),
            "spectrum": (cert.get("spectrum") or {}).get("normalised"), "smooth_used": c.get("smooth_used"),
            "escapes": [{"delta": e["delta"], "escaped": e["escaped"], "step": e["step"], "loss": e["loss"]}
                        for e in cert.get("escapes", [])], "reason": c.get("reason"),
            "re_decided": c.get("re_decided")}


# ---------------------------------------------------------------------------------------
# Random-start search on one problem
# ---------------------------------------------------------------------------------------

def last_layer_fit(spec: MLPSpec, w: torch.Tensor, x: np.ndarray, y: np.ndarray) -> torch.Tensor | None:
    """``w`` with W_{H+1} replaced by the least-squares fit Y T_H^+ (None if T_H is not finite)."""
    net = MLP(spec, [np.zeros(s) for s in spec.shapes()])
    ws = net.unflatten(w)
    with torch.no_grad():
        th = net.hidden(x, ws)[-1].numpy()
    if not np.all(np.isfinite(th)):
        return None
    w_out = np.asarray(y) @ np.linalg.pinv(th)
    return torch.cat([*(t.reshape(-1) for t in ws[:-1]), torch.as_tensor(w_out).reshape(-1)])


@dataclass
class Screened:
    """End of one screening run: flat weights, loss, iterations."""

    w: torch.Tensor
    loss: float
    iterations: int


def screen(lossf, w0: torch.Tensor, max_iter: int) -> Screened | None:
    """One cheap screening run: torch L-BFGS (strong Wolfe, float64) for at most ``max_iter`` iterations
    (:func:`landscape._lib.optimise.lbfgs_run`, ``tolerance_grad = 1e-10``).

    torch rather than scipy's L-BFGS-B: scipy's calls OpenBLAS, whose thread pool makes each
    iteration 20-100x slower on a loaded machine (measured: 1-5 ms instead of 0.05 ms per
    evaluation for 10-40 parameters on 2 busy cores).  Returns None if the run leaves float64
    (a non-finite loss inside the line search raises, see :data:`NUMERICAL`: the caller counts it).
    """
    w, iterations = optimise.lbfgs_run(lossf, w0, max_iter=max_iter, max_eval=2 * max_iter, tolerance_grad=1e-10)
    if not torch.isfinite(w).all():
        return None
    loss = loss_value(lossf, w)
    if not math.isfinite(loss):
        return None
    return Screened(w, loss, iterations)


@dataclass
class Problem:
    """What :func:`search_problem` found on one problem: the outcome (``None`` when the problem is
    excluded: bad endpoints exist but none was decided, or every start left float64) and the numbers."""

    outcome: Outcome | None
    stats: dict
    excluded_reason: str | None = None


def search_problem(x: np.ndarray, spec: MLPSpec, seed: int, budget: Budget) -> Problem:
    """Random starts -> stationary points -> certificates of the bad ones, on one problem.

    Labels ``Y ~ N(0, 1)`` from ``seed``.  ``best`` (an attained loss, so an upper bound of
    inf E) is the lowest of: every screening run, the last-layer least-squares fit at every
    screening run and at 4 random hidden layers.  Endpoints clearly above ``best`` are *bad*;
    their distinct loss values (4 significant digits of log10) are refined
    (:func:`landscape._lib.certify.refine_stationary`) and certified, lowest first, at most
    ``budget.refine`` of them (the others are counted as ``uncertified_bad_values``).

    Each candidate falls in one :func:`category`: *ruled out* (non-strict, saddle, certified not
    stationary -- by the certificate, or a refinement ending at a finite unsaturated point with a
    clearly non-zero gradient --, not a minimum by the last-layer bound, or refined to a value that
    is not bad), *excluded* (not a finite candidate: saturated, :func:`landscape._lib.certify.saturation`),
    *band* (undecided for numerical reasons: an inconclusive certificate after the
    multiple-precision descent check :func:`mp_not_stationary`, a failed computation, a gradient or
    'bad' decision in the band) or *hit* (a certified strict bad local minimum).  The problem:
    ``fails`` if any candidate is a hit; else ``band`` if any is undecided; else ``holds`` when at
    least one bad candidate was ruled out (the excluded ones are counted, ``category_counts``),
    with the worst of their margins, or when no start ended at a bad value (``evidence`` says which);
    otherwise (every bad candidate excluded, or every start left float64) the problem is
    *excluded* and nothing is concluded from it.  Distinct bad values beyond ``budget.refine``
    are not certified; their number is ``uncertified_bad_values``.
    """
    rng = np.random.default_rng(seed)
    n = x.shape[1]
    y = rng.normal(size=(1, n))
    lossf = squared_loss(spec, x, y)
    scale = float(np.sum(y**2))
    runs, diverged = [], 0
    for _ in range(budget.starts):
        w0 = MLP.random(spec, rng).flat()
        try:
            run = screen(lossf, w0, budget.screen_iter)
        except NUMERICAL:  # e.g. e^z activations leaving float64
            run = None
        if run is None:
            diverged += 1
            continue
        runs.append(run)
    witnesses = [(r.loss, r.w) for r in runs]
    for base in [r.w for r in runs] + [MLP.random(spec, rng).flat() for _ in range(4)]:
        try:
            fit = last_layer_fit(spec, base, x, y)
        except NUMERICAL:
            fit = None
        if fit is not None:
            lv = loss_value(lossf, fit)
            if math.isfinite(lv):
                witnesses.append((lv, fit))
    stats = {"activation": spec.activation, "N": n, "d0": spec.d0, "widths": list(spec.widths), "d_H": spec.d_H,
             "bias": spec.bias, "seed": seed, "starts": budget.starts, "diverged": diverged,
             "positively_homogeneous": activations.get(spec.activation).positively_homogeneous}
    if not witnesses:
        return Problem(None, stats | {"kinds": [], "candidates": []}, "every start left float64")
    best, best_w = min(witnesses, key=lambda t: t[0])
    groups: dict[float, list[Screened]] = {}
    not_bad_margins = []
    for r in sorted(runs, key=lambda r: r.loss):
        d = tolerance.classify(max(r.loss - best, 0.0) / scale)
        if d.outcome != "nonzero":
            not_bad_margins.append(d.margin)
            continue
        groups.setdefault(round(math.log10(r.loss), 4), []).append(r)
    values = list(groups.values())
    certs, points, sizes = [], [], []
    for j, grp in enumerate(values[:budget.refine]):
        r = grp[0]
        sizes.append(len(grp))
        try:
            sp_ = certify.refine_stationary(lossf, r.w, max_iter=100)
        except NUMERICAL as e:
            certs.append({"loss": r.loss, "kind": "undecided (numerical error)",
                          "reason": f"refinement: {e.__class__.__name__}: {e}"})
            points.append(None)
            continue
        points.append(sp_.w)
        if not math.isfinite(sp_.loss) or sp_.stationarity.outcome != "zero":
            sat = certify.saturation(spec, sp_.w, x)
            left = " (an L-BFGS chunk left float64; refinement kept its finite start)" if sp_.left_float64 else ""
            if sat.saturated:
                certs.append({"loss": sp_.loss, "kind": "saturated (not certified)", "saturation": sat.as_dict(),
                              "reason": "after refinement: " + sat.reason() + left})
            elif sp_.stationarity.outcome == "nonzero" and math.isfinite(sp_.loss):
                certs.append({"loss": sp_.loss, "kind": "not stationary after refinement",
                              "margin": sp_.stationarity.margin, "stationarity": sp_.stationarity.as_dict(),
                              "reason": ("gradient clearly non-zero after L-BFGS + Newton, at a finite point with no "
                                         "saturated unit: certified not stationary" + left)})
            else:
                act = activations.get(spec.activation)
                mp = None
                if math.isfinite(sp_.loss) and act.analytic and act.expr is not None:
                    try:
                        mp = mp_not_stationary(spec, sp_.w, x, y, sp_.grad_norm, sp_.lambda_abs_max)
                    except NUMERICAL:
                        mp = None
                if mp is not None and mp["lower_at_every_distance"]:
                    certs.append({"loss": sp_.loss, "kind": "not stationary after refinement",
                                  "evidence": "multiple-precision descent", "margin": mp["margin"],
                                  "stationarity": sp_.stationarity.as_dict(), "multiple_precision_descent": mp,
                                  "re_decided": {"float64_kind": "stationarity undecided after refinement",
                                                 "by": "multiple-precision descent (mp_not_stationary)",
                                                 "rung": mp.get("deciding_rung", "fixed distances"),
                                                 "rungs_tried": [r["rung"] for r in mp.get("rungs", [])],
                                                 "distances": mp["distances"],
                                                 "relative_decrease": mp["relative_decrease"],
                                                 "slope": mp.get("slope"),
                                                 "directional_derivative": mp.get("directional_derivative",
                                                                                  sp_.grad_norm),
                                                 "grad_norm": sp_.grad_norm, "outcome": "not stationary"},
                                  "reason": (f"gradient decision band after L-BFGS + Newton; at {mp['dps']} digits "
                                             f"the loss is lower ({mp.get('deciding_rung', 'fixed distances')}) at "
                                             f"distances {[float(f'{d:.3g}') for d in mp['distances'][-3:]]}, "
                                             "linearly in the distance: certified not stationary" + left)})
                else:
                    certs.append({"loss": sp_.loss, "kind": "stationarity undecided after refinement",
                                  "stationarity": sp_.stationarity.as_dict(), "multiple_precision_descent": mp,
                                  "re_decided": None if mp is None else {
                                      "float64_kind": "stationarity undecided after refinement",
                                      "by": "multiple-precision descent (mp_not_stationary)",
                                      "rungs_tried": [r["rung"] for r in mp.get("rungs", [])],
                                      "grad_norm": sp_.grad_norm, "outcome": "undecided"},
                                  "reason": (f"gradient decision {sp_.stationarity.outcome} after L-BFGS + Newton; "
                                             "multiple-precision descent " + ("not applicable" if mp is None else
                                                                              "not first order") + left)})
            continue
        certs.append(certify_candidate(spec, sp_.w, x, y, best, seed + 1 + j, budget, best_w))
    cats = [category(c) for c in certs]
    bad_runs = sum(len(g) for g in values)
    certified_min_runs = sum(sz for sz, c in zip(sizes, certs) if c.get("kind") in ("strict", "non-strict"))
    stats |= {"best": best, "distinct_bad_values": len(values), "certified_values": len(certs),
              "uncertified_bad_values": max(0, len(values) - budget.refine),
              "category_counts": {k: cats.count(k) for k in ("hit", "ruled out", "band", "excluded", "not bad")},
              "endpoints": {"not_bad": len(runs) - bad_runs, "bad": bad_runs, "diverged": diverged,
                            "bad_at_certified_minimum": certified_min_runs},
              "kinds": [c.get("kind") or "not bad after refinement" for c in certs], "categories": cats,
              "losses": [c["loss"] for c in certs],
              "candidates": [compact_certificate(c, sz) for c, sz in zip(certs, sizes)]}
    hit = next((j for j, c in enumerate(certs) if _is_hit(c.get("kind"))), None)
    if hit is not None:
        c = certs[hit]
        payload = {"spec": spec.as_dict(), "X": x.tolist(), "Y": y.tolist(), "w": points[hit].tolist(),
                   "best": best, "best_w": best_w.tolist(), "seed": seed + 1 + hit, "budget": budget.as_dict()}
        return Problem(Outcome.fails(payload, hit_margin(c),
                                     note=(f"{c['kind']} bad local minimum ({c.get('evidence')}): loss {c['loss']:.6g} "
                                           f"> attained {best:.6g}; {c.get('reason', '')}"), proof=c.get("proof"),
                                     **stats), stats)
    if "band" in cats:  # a bad candidate the policy cannot decide (numerically): the problem is undecided
        c = certs[cats.index("band")]
        return Problem(Outcome.band(note=(f"{cats.count('band')} of {len(certs)} bad candidates undecided, e.g. loss "
                                          f"{c['loss']:.6g}: {c.get('reason') or c.get('kind') or 'bad in the band'}"),
                                    **stats), stats)
    ruled_out = [float(c.get("margin", math.inf)) for c, k in zip(certs, cats) if k == "ruled out"]
    # a bad endpoint whose refinement reached a value that is not clearly bad is decided too: it was no bad minimum
    ruled_out += [float(c["bad"]["margin"]) if "bad" in c else math.inf for c, k in zip(certs, cats) if k == "not bad"]
    if ruled_out:
        n_ex = cats.count("excluded")
        return Problem(Outcome.holds(min(ruled_out), evidence=(
            "every bad candidate ruled out" if not n_ex else
            f"every finite bad candidate ruled out ({n_ex} saturated, excluded)"), **stats), stats)
    if bad_runs == 0 and runs:
        return Problem(Outcome.holds(min(not_bad_margins) if not_bad_margins else math.inf,
                                     evidence=f"no bad endpoint among {len(runs)} finished starts", **stats), stats)
    why = "every bad candidate excluded (" + ", ".join(sorted({c.get("kind") for c, k in zip(certs, cats)
                                                                if k == "excluded"})) + ")" if certs else \
        "bad endpoints, none refined to a bad stationary point"
    return Problem(None, stats, why)


def search_outcome(x: np.ndarray, spec: MLPSpec, seed: int, budget: Budget) -> Outcome:
    """:func:`search_problem` as one Outcome; an excluded problem becomes ``band`` with ``excluded=True``
    (for direct callers; the claims count excluded problems apart and never as holds)."""
    p = search_problem(x, spec, seed, budget)
    if p.outcome is not None:
        return p.outcome
    return Outcome.band(note=f"excluded: {p.excluded_reason}", excluded=True, **p.stats)


def replay_candidate(p: dict) -> Outcome:
    """Re-certify a stored find: a search point (``spec``/``X``/``Y``/``w``) or a fixture (``fixture``)."""
    if "budget" in p:
        bd = _p.require_dict(p, "budget")
        budget = Budget(**{k: _p.check_int(f"budget.{k}", _p.require_key(bd, k), 0, _p.MAX_COUNT)
                           for k in Budget.__dataclass_fields__})
    else:
        budget = REPLAY_BUDGET
    seed = _p.require_seed(p, default=0)
    best_w = None
    if "fixture" in p:
        fx = {f.id: f for f in _fx.all_fixtures()}.get(_p.require_str(p, "fixture"))
        if fx is None:
            raise LandscapeError(f"fixture {p['fixture']!r} is not in the library; expected one of "
                                 f"{', '.join(f.id for f in _fx.all_fixtures())}")
        spec, x, y, w = fx.spec, fx.x, fx.y, fx.flat()
        best = float(fx.facts.get("global_inf", fx.facts.get("lower_loss_witness", 0.0)) or 0.0)
    else:
        spec = _p.require_spec(p)
        x = _p.require_matrix(p, "X", rows=spec.d0)
        y = _p.require_matrix(p, "Y", rows=spec.d_out, cols=x.shape[1])
        w = torch.as_tensor(_p.require_flat(p, "w", spec.n_params()))
        best = _p.require_float(p, "best")
        if "best_w" in p:  # re-witness the attained loss rather than trusting the stored number
            best_w = torch.as_tensor(_p.require_flat(p, "best_w", spec.n_params()))
            best = loss_value(squared_loss(spec, x, y), best_w)
    c = certify_candidate(spec, w, x, y, best, seed, budget, best_w)
    if _is_hit(c.get("kind")):
        return Outcome.fails(p, hit_margin(c),
                             note=f"{c['kind']} bad local minimum: loss {c['loss']:.6g} > {best:.6g}",
                             proof=c.get("proof"), **_stats(c))
    if category(c) in ("band", "excluded"):
        return Outcome.band(note=f"certificate: {c.get('kind')}", **_stats(c))
    return Outcome.holds(float(c.get("margin", math.inf)), **_stats(c))


@dataclass
class SearchReport:
    """The outcomes of a landscape search and everything the evidence reports about it."""

    res: Any  # the search's landscape.SearchResult
    excluded: list[dict]
    problems: list[dict]

    @property
    def outcomes(self) -> list[Outcome]:
        return self.res.outcomes

    def kinds(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for p in self.problems:
            for k in p.get("kinds", []):
                d = out.setdefault(p["activation"], {})
                d[str(k)] = d.get(str(k), 0) + 1
        return out

    def endpoint_fractions(self) -> dict[str, dict]:
        """Per activation and width d_H: starts, and the fractions ending at a clearly bad value and at a bad
        value whose representative certified as a local minimum (strict or non-strict)."""
        acc: dict[str, dict[str, int]] = {}
        for p in self.problems:
            e = p.get("endpoints")
            if not e:
                continue
            a = acc.setdefault(f"{p['activation']} d_H={p['d_H']}", {"starts": 0, "bad": 0, "bad_min": 0,
                                                                     "diverged": 0, "problems": 0})
            a["starts"] += p["starts"]
            a["bad"] += e["bad"]
            a["bad_min"] += e["bad_at_certified_minimum"]
            a["diverged"] += e["diverged"]
            a["problems"] += 1
        return {k: v | {"fraction_bad": v["bad"] / v["starts"], "fraction_bad_minimum": v["bad_min"] / v["starts"]}
                for k, v in sorted(acc.items())}

    def candidates(self) -> list[dict]:
        return [c | {"problem": f"{p['activation']} N={p['N']} widths={p['widths']} seed={p['seed']}"}
                for p in self.problems for c in p.get("candidates", [])]
