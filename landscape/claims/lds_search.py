"""Landscape-search claims of Li, Ding, Sun (``../shared/papers/004_c552a5c94484e66a.txt``).

The exact and rank-based Li-Ding-Sun claims live in :mod:`landscape.claims.lds`; this
module holds the ones that *search a loss landscape* for local minima and certify them
(:mod:`landscape._lib.certify`):

* ``lds.thm1.no_strict_bad_min`` -- Theorem 1 / Corollary 1 (section 3.2): with A1 data, a
  convex loss, a continuous activation and ``d_H >= N`` (Assumption 1, A1-A4) the empirical
  loss has no strict bad local minimum.  Random L-BFGS starts -> stationary points ->
  certificates of the bad ones, plus every bad-minimum fixture with ``d_H >= N``.
* ``lds.thm1.no_strict_bad_min.underparameterized`` -- the same without A3 (``d_H < N``):
  strict bad local minima exist.  Deterministic constructions (one periodic neuron, the
  exact one-dimensional profile in the input weight) and a Hypothesis search.
* ``lds.yu_chen`` -- footnote 1 (section 2): Yu & Chen's setting (one hidden layer,
  ``d_1 >= N``) has suboptimal local minima: the Prop. 1 constructions with ``d_1 >= N``.
  ``lds.yu_chen.sigmoid``: with their sigmoid, Fukumizu & Amari's reducible points (a
  one-neuron minimum split into two neurons), also offered to every other claim as fixtures.

Every counted outcome comes from decided candidates (:func:`category`): a candidate is ruled
out (non-strict, saddle, certified not stationary, not a minimum, not bad), excluded when it is
not a finite candidate (a unit saturated at every sample, :func:`landscape._lib.certify.saturation`:
counted, :data:`EXCLUDED`), or undecided for numerical reasons (:data:`UNDECIDED`), which makes
its problem ``band``.  ReLU / leaky ReLU problems are reported but not counted
(:data:`HOMOGENEOUS_NOTE`).

Every optimisation runs on flat float64 weights; every decision goes through
:mod:`landscape._lib.tolerance`.  A numerical failure on a candidate (overflow, a non-finite
loss, an eigensolver that does not converge) makes that candidate *undecided*, never an
error of the claim: it is counted and reported (and the problem is undecided).  The causes met
so far are handled where they arise: an L-BFGS refinement that overflows keeps its last finite
iterate (:func:`landscape._lib.certify.refine_stationary`), an overflowing probe is "not lower, not
equal", and a gradient that is small only relative to a huge curvature scale (after refinement,
or in an inconclusive certificate: a narrow valley falling too slowly for float64) is decided by
multiple-precision descent along the gradient off the stiff Hessian directions (:func:`mp_not_stationary`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass

import numpy as np
import torch
from hypothesis import reject
from hypothesis import strategies as st

from landscape._lib import activations, certify, losses, symbolic, tolerance
from landscape._lib import fixtures as _fx
from landscape._core import payload as _p
from landscape._lib import train as _train
from landscape._core.context import Context, Outcome, Result, merge
from landscape._lib.errors import LandscapeError
from landscape._lib.networks.mlp import MLP, MLPSpec
from landscape._core.registry import claim
from landscape._lib.strategies import a1_datasets, mlp_specs, seeds
from landscape.claims.lds import PAPER

#: Continuous activations of the Theorem 1 search (the Prop. 1 ones included).
SEARCH_ACTS = ("relu", "leaky_relu", "sigmoid", "tanh", "softplus", "sincos", "negsq_exp", "cubic_exp", "negsin2")
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
    def of(cls, ctx: Context) -> "Budget":
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


def squared_loss(spec: MLPSpec, x: np.ndarray, y: np.ndarray):
    """E(W) = sum_i (W_{H+1} T_H - Y)_i^2 (eq. 5 with the squared loss) on flat weights."""
    net = MLP(spec, [np.zeros(s) for s in spec.shapes()])
    xt, yt = torch.as_tensor(x, dtype=torch.float64), torch.as_tensor(y, dtype=torch.float64)
    sq = losses.get("squared")
    return lambda v: sq.total(yt, net.forward_flat(v, xt))


def _value(lossf, w: torch.Tensor) -> float:
    with torch.no_grad():
        return float(lossf(w))


def max_preactivation(spec: MLPSpec, w: torch.Tensor, x: np.ndarray) -> float:
    """Largest |pre-activation| over all hidden units and samples at the flat weights ``w`` (``x``: ``(d0, N)``)."""
    return certify.max_preactivation(spec, w, x)


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
                      budget: Budget) -> dict:
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
    l0 = _value(lossf, w)
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
                  "grad_norm": cert.grad_norm, "bad_margin": bad.margin, "certificate": summ}


#: Distances along -grad of the multiple-precision descent check.
MP_DESCENT_DISTANCES = (1e-1, 1e-2, 1e-3, 1e-4)


def _mp_squared_loss(spec: MLPSpec, v: torch.Tensor, x: np.ndarray, y: np.ndarray, dps: int,
                     direction: torch.Tensor | None = None, distance: float = 0.0):
    """E at ``v + distance * direction`` computed at ``dps`` digits from the exact float64 ``v``, ``direction``,
    data and labels: the displaced point is formed in multiple precision, never rounded to float64 (a step
    below the float64 spacing of ``v`` -- 1.4e-14 at |v_i| ~ 100 -- would otherwise not move the point)."""
    import mpmath

    f = activations.get(spec.activation).mpmath()
    with mpmath.workdps(dps):
        vals = [mpmath.mpf(float(a)) for a in torch.as_tensor(v, dtype=torch.float64).reshape(-1).tolist()]
        if direction is not None and distance != 0.0:
            dd = mpmath.mpf(float(distance))
            vals = [a + dd * mpmath.mpf(float(b)) for a, b in
                    zip(vals, torch.as_tensor(direction, dtype=torch.float64).reshape(-1).tolist())]
        mats, i = [], 0
        for a, b in spec.shapes():  # row-major, as MLP.unflatten
            mats.append(mpmath.matrix([[vals[i + r * b + k] for k in range(b)] for r in range(a)]))
            i += a * b
        t = mpmath.matrix(np.asarray(x, dtype=np.float64).tolist())
        for wm in mats[:-1]:
            if spec.bias:
                t = mpmath.matrix([[t[r, j] for j in range(t.cols)] for r in range(t.rows)] + [[1] * t.cols])
            t = (wm * t).apply(f)
        out = mats[-1] * t
        return mpmath.fsum((out[i, j] - mpmath.mpf(float(y[i, j]))) ** 2 for i in range(out.rows)
                           for j in range(out.cols))


def mp_descent_check(spec: MLPSpec, w: torch.Tensor, x: np.ndarray, y: np.ndarray, dps: int = 50,
                     distances: tuple[float, ...] = MP_DESCENT_DISTANCES, visible: bool = False,
                     direction: torch.Tensor | None = None) -> dict:
    """Is the loss lower at every distance of :data:`MP_DESCENT_DISTANCES` along ``-grad``, decided in
    multiple precision?

    For a candidate whose float64 certificate is inconclusive because a lower-point decision is
    in the band (typically a slow drift along a valley: the gradient is tiny relative to the
    policy's scale ``Lambda |w|`` but not zero), the losses at ``w`` and at ``w - d g / |g|`` are
    recomputed at ``dps`` digits from the exact float64 weights and data (the displaced point is formed
    at ``dps`` digits too, so distances below the float64 spacing of ``w`` move it), and the relative
    decrease is decided with the ladder's noise floor ``10^-(dps - 15)`` as zero threshold
    (``tolerance.classify``).  Lower at the three smallest distances (1e-2, 1e-3, 1e-4) with a
    decrease that shrinks linearly with the distance (ratios 5..20 per decade: first order): the
    gradient is not zero, lower points exist arbitrarily close, so ``w`` is not a local minimum
    (the loss is smooth).  ``slope``: the measured decrease per unit distance at the smallest distance,
    ``(L(w) - L(w - d g/|g|)) / d``, to compare with ``grad_norm`` (first order: they agree).

    ``visible``: also require the relative decrease at the largest of the three distances not to be zero
    by the float64 policy (``tolerance.classify``: above ``ZERO``; decision ``visible``).  Used at distances
    below :data:`MP_DESCENT_DISTANCES`: there a first-order decrease also appears at a point that is only a
    float64 rounding of a stationary point, or that a float64 refinement left short of a degenerate (e.g.
    quartic) minimum by a loss difference at round-off level; a decrease the float64 policy does not call
    zero is neither.

    ``direction``: a unit descent direction other than ``-g / |g|`` (``g . direction < 0``); ``slope``
    then compares with ``-g . direction`` (``directional_derivative``).
    """
    import mpmath

    lossf = squared_loss(spec, x, y)
    wv = w.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(lossf(wv), wv)
    gn = float(g.norm())
    res = {"dps": dps, "grad_norm": gn, "distances": [float(d) for d in distances], "relative_decrease": [],
           "decisions": [], "lower_at_every_distance": False, "margin": 0.0, "slope": None,
           "displacement": f"formed at {dps} digits"}
    if direction is not None:
        direction = torch.as_tensor(direction, dtype=torch.float64).detach()
        res["directional_derivative"] = float(-(g @ direction))
        if not res["directional_derivative"] > 0:
            return res
    if gn == 0.0 or not math.isfinite(gn):
        return res
    floor = 10.0 ** -(dps - tolerance.HP_LOST_DIGITS)
    with mpmath.workdps(dps):
        l0 = _mp_squared_loss(spec, w, x, y, dps)
        u = (-g / gn).detach() if direction is None else direction
        decs = []
        for d in distances:
            lv = _mp_squared_loss(spec, w, x, y, dps, direction=u, distance=d)
            rel = (l0 - lv) / l0 if l0 != 0 else mpmath.mpf(0)
            res["relative_decrease"].append(float(rel))
            res["slope"] = float((l0 - lv) / mpmath.mpf(float(d)))
            dec = tolerance.classify(max(float(rel), 0.0), zero=floor, precision=f"mp{dps}")
            res["decisions"].append(dec.outcome)
            decs.append((float(rel) > 0, dec))
    # first order: lower at the three smallest distances, the decrease shrinking ~ linearly with the distance
    tail = decs[-3:]
    rels = res["relative_decrease"][-3:]
    linear = all(5.0 <= a / b <= 20.0 for a, b in zip(rels, rels[1:]) if b > 0) and all(r > 0 for r in rels)
    # visible: not zero by the float64 policy; its margin is the distance in decades above ZERO
    seen = None
    if visible and rels:
        d64 = tolerance.classify(max(rels[0], 0.0))
        seen = math.log10(rels[0] / tolerance.ZERO) if d64.outcome != "zero" else None
        res["visible"] = {"relative_decrease": rels[0], "float64": d64.as_dict(), "margin_above_zero": seen}
    if linear and all(pos and dec.outcome == "nonzero" for pos, dec in tail) and (not visible or seen is not None):
        res["lower_at_every_distance"] = True
        res["margin"] = min([dec.margin for _, dec in tail] + ([seen] if seen is not None else []))
    return res


def mp_not_stationary(spec: MLPSpec, w: torch.Tensor, x: np.ndarray, y: np.ndarray, grad_norm: float,
                      lambda_abs: float) -> dict:
    """Is ``w`` not stationary, decided in multiple precision (:func:`mp_descent_check`, 50 digits)?  Two rungs:

    1. along ``-g`` at :data:`MP_DESCENT_DISTANCES` (decided on 1e-2, 1e-3, 1e-4);
    2. along ``u = -P g / |P g|``, the gradient *off the stiff directions*: ``P`` projects onto the eigenvectors
       of the exact Hessian that the policy does not call clearly positive (zero, band or negative normalised
       eigenvalues).  The loss is compared on windows of three consecutive decades ``d = 10^-k, 10^-(k+1),
       10^-(k+2)``, ``k = 1, 2, ...`` (largest first), while a first-order decrease ``|P g| d`` at the window's
       top could still be visible (``|P g| d / L > ZERO``); the first window where the loss is lower at all
       three, linearly in the distance (ratios 5..20 per decade), and visibly (``visible=True``: not zero by
       the float64 policy at the window's top) decides.

    Why off the stiff directions: a float64 refinement left short of a stationary point across steep walls
    (Lambda) keeps a gradient *along* them; along ``-g`` that is a rise at every fixed distance, and at
    distances below ``|g| / Lambda`` it is a first-order decrease that only says ``w`` itself is off the
    stationary point.  The part of ``g`` along the flat directions is what any stationary point nearby would
    also have to cancel, so a visible first-order decrease along it rules out the neighbourhood across the
    walls, not just ``w`` (e.g. a narrow valley along which every unit drifts into its e^z tail at one sample).
    Why visible: see :func:`mp_descent_check` (a rounding of a stationary point, or a degenerate minimum a
    refinement stopped short of by round-off, also decreases at first order below the float64 resolution).
    ``lambda_abs`` (the refinement's largest |eigenvalue|) is recorded.  The displaced points are formed at 50
    digits, so ``d`` may lie below the float64 spacing of ``w``.  Returns the deciding result (else the last
    one tried) with ``rungs`` (every rung and window tried) and ``deciding_rung``."""
    def summary(name: str, r: dict, **info) -> dict:
        return {"rung": name, **info, **{k: r.get(k) for k in ("distances", "relative_decrease", "decisions",
                                                                "visible", "slope", "lower_at_every_distance")}}

    mp = mp_descent_check(spec, w, x, y)
    rungs = [summary("fixed distances", mp)]
    mp["rungs"] = rungs
    if mp["lower_at_every_distance"]:
        mp["deciding_rung"] = "fixed distances"
    if mp["lower_at_every_distance"] or not (grad_norm > 0 and math.isfinite(grad_norm)) or w.numel() > 600:
        return mp
    lossf = squared_loss(spec, x, y)
    wv = w.detach().clone().requires_grad_(True)
    val = lossf(wv)
    (g,) = torch.autograd.grad(val, wv)
    l0 = float(val.detach())
    ev, vec = np.linalg.eigh(certify.exact_hessian(lossf, w).numpy())
    lam = float(np.max(np.abs(ev))) if ev.size else 0.0
    stiff = np.array([v > 0 and lam > 0 and tolerance.classify(v / lam).outcome == "nonzero" for v in ev])
    if not stiff.any() or stiff.all() or not (l0 > 0 and math.isfinite(l0)):
        return mp
    pg = vec[:, ~stiff] @ (vec[:, ~stiff].T @ g.numpy())
    pn = float(np.linalg.norm(pg))
    if not (pn > 0 and math.isfinite(pn)):
        return mp
    uf = torch.from_numpy(-pg / pn)
    info = {"stiff_directions": int(stiff.sum()), "projected_grad_norm": pn, "lambda_abs_max": float(lambda_abs),
            "windows": []}
    rungs.append({"rung": "gradient off the stiff directions", **info})
    last = mp
    for k in range(1, 30):
        top = 10.0 ** -k
        if pn * top / l0 <= tolerance.ZERO:  # no first-order decrease could be visible from here down
            break
        r = mp_descent_check(spec, w, x, y, distances=(top, top / 10, top / 100), visible=True, direction=uf)
        info["windows"].append({"distances": r["distances"], "relative_decrease": r["relative_decrease"],
                                "lower_at_every_distance": r["lower_at_every_distance"]})
        rungs[-1] = {"rung": "gradient off the stiff directions", **info, **{
            kk: r.get(kk) for kk in ("distances", "relative_decrease", "decisions", "visible", "slope",
                                     "lower_at_every_distance")}}
        r["rungs"] = rungs
        last = r
        if r["lower_at_every_distance"]:
            r["deciding_rung"] = "gradient off the stiff directions"
            break
    return last


def _stats(c: dict) -> dict:
    """A certificate dict as outcome statistics (its margin renamed: ``margin`` is the outcome's own)."""
    return {("certificate_margin" if k == "margin" else k): v for k, v in c.items()}


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


def _hit_margin(c: dict) -> float:
    """A find is decided by the certificate and by 'bad': the worse of the two margins."""
    return min(float(c.get("margin", 0.0)), float(c.get("bad_margin", math.inf)))


def _compact(c: dict, runs_at_value: int = 1) -> dict:
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

def _last_layer_fit(spec: MLPSpec, w: torch.Tensor, x: np.ndarray, y: np.ndarray) -> torch.Tensor | None:
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
    """One cheap screening run: torch L-BFGS (strong Wolfe, float64) for at most ``max_iter`` iterations.

    torch rather than scipy's L-BFGS-B: scipy's calls OpenBLAS, whose thread pool makes each
    iteration 20-100x slower on a loaded machine (measured: 1-5 ms instead of 0.05 ms per
    evaluation for 10-40 parameters on 2 busy cores).  Returns None if the run leaves float64
    (a non-finite loss inside the line search raises, see :data:`NUMERICAL`: the caller counts it).
    """
    p = w0.detach().clone().to(torch.float64).requires_grad_(True)
    opt = torch.optim.LBFGS([p], lr=1.0, max_iter=max_iter, max_eval=2 * max_iter, tolerance_grad=1e-10,
                            tolerance_change=0.0, history_size=20, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        val = lossf(p)
        val.backward()
        return val

    opt.step(closure)
    w = p.detach().clone()
    if not torch.isfinite(w).all():
        return None
    loss = _value(lossf, w)
    if not math.isfinite(loss):
        return None
    return Screened(w, loss, int(opt.state[p].get("n_iter", 0)))


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
            fit = _last_layer_fit(spec, base, x, y)
        except NUMERICAL:
            fit = None
        if fit is not None:
            lv = _value(lossf, fit)
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
        certs.append(certify_candidate(spec, sp_.w, x, y, best, seed + 1 + j, budget))
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
              "candidates": [_compact(c, sz) for c, sz in zip(certs, sizes)]}
    hit = next((j for j, c in enumerate(certs) if _is_hit(c.get("kind"))), None)
    if hit is not None:
        c = certs[hit]
        payload = {"spec": spec.as_dict(), "X": x.tolist(), "Y": y.tolist(), "w": points[hit].tolist(),
                   "best": best, "best_w": best_w.tolist(), "seed": seed + 1 + hit, "budget": budget.as_dict()}
        return Problem(Outcome.fails(payload, _hit_margin(c),
                                     note=(f"{c['kind']} bad local minimum ({c.get('evidence')}): loss {c['loss']:.6g} "
                                           f"> attained {best:.6g}; {c.get('reason', '')}"), **stats), stats)
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
            best = _value(squared_loss(spec, x, y), torch.as_tensor(_p.require_flat(p, "best_w", spec.n_params())))
    c = certify_candidate(spec, w, x, y, best, seed, budget)
    if _is_hit(c.get("kind")):
        return Outcome.fails(p, _hit_margin(c),
                             note=f"{c['kind']} bad local minimum: loss {c['loss']:.6g} > {best:.6g}",
                             **_stats(c))
    if category(c) in ("band", "excluded"):
        return Outcome.band(note=f"certificate: {c.get('kind')}", **_stats(c))
    return Outcome.holds(float(c.get("margin", math.inf)), **_stats(c))


@dataclass
class SearchReport:
    """The outcomes of a landscape search and everything the evidence reports about it."""

    res: object  # landscape._core.context.SearchResult
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


def _search(ctx: Context, budget: Budget, *, over: bool, acts: tuple[str, ...], depth: int, max_examples: int,
            label: str = "landscape search") -> SearchReport:
    excluded: list[dict] = []
    problems: list[dict] = []

    @st.composite
    def examples(draw):
        x = draw(a1_datasets(min_n=1 if over else 3, max_n=4, max_d0=2))
        n = x.shape[1]
        act = draw(st.sampled_from(acts))
        if over:
            spec = draw(mlp_specs(d0=x.shape[0], activation=act, max_depth=depth, max_width=5, min_last=n))
        else:
            spec = draw(mlp_specs(d0=x.shape[0], activation=act, max_depth=depth, max_width=n - 1))
            spec = MLPSpec(spec.d0, (*spec.widths[:-1], min(spec.d_H, n - 1)), 1, act, spec.bias)
        return x, spec, draw(seeds())

    def fn(ex):
        x, spec, s = ex
        try:
            p = search_problem(x, spec, s, budget)
        except NUMERICAL:  # the problem itself left float64 (e.g. T_H overflowed): not an example
            reject()
        problems.append(p.stats)
        if p.outcome is None:  # excluded: counted, never an outcome (Hypothesis draws another problem)
            excluded.append({"activation": spec.activation, "N": x.shape[1], "widths": list(spec.widths),
                             "seed": s, "reason": p.excluded_reason})
            reject()
        return p.outcome

    res = ctx.search(examples(), fn, label=label, max_examples=max_examples, shrink=False)
    return SearchReport(res, excluded, problems)


def _fig_kinds(kinds: dict, title: str) -> dict:
    flat = {f"{act}: {k}": v for act, d in sorted(kinds.items()) for k, v in sorted(d.items())}
    return {"kind": "bar", "title": title, "xlabel": "activation: certificate of the bad stationary point",
            "ylabel": "count", "data": flat}


def _landscape_figures(reports: list[SearchReport], extra_candidates: list[dict], tag: str) -> list[dict]:
    """Issue 3's figures: fraction of starts ending at a bad value / a bad local minimum per activation and
    width; the Hessian spectrum of each certified local minimum; the loss along each escape path."""
    fr: dict[str, dict] = {}
    for r in reports:
        fr |= r.endpoint_fractions()
    cands = [c for r in reports for c in r.candidates()] + extra_candidates
    mins = [c for c in cands if c["kind"] in ("strict", "non-strict") and c.get("spectrum")]
    spectra = {f"{c['problem'][:34]} ({c['kind']}, L={c['loss']:.3g})": {
        "x": list(range(len(c["spectrum"]))), "y": c["spectrum"]} for c in mins[:10]}
    escapes = {}
    for c in cands[:40]:
        for j, e in enumerate(c.get("escapes", [])):
            if len(escapes) >= 12:
                break
            lv = c["loss"] if c.get("loss") else 1.0
            pts = [(s_, v / lv) for s_, v in zip(e["step"], e["loss"]) if isinstance(v, float) and math.isfinite(v)]
            escapes[f"{c['problem'][:30]} #{j} ({c['kind']})"] = {"x": [p[0] for p in pts], "y": [p[1] for p in pts]}
    return [
        {"kind": "bar", "title": f"Fraction of random starts ending at a bad value ({tag})",
         "xlabel": "activation, width d_H", "ylabel": "fraction of starts", "data": {
             k: v["fraction_bad"] for k, v in fr.items()}},
        {"kind": "bar", "title": f"Fraction of random starts ending at a certified bad local minimum, strict or not ({tag})",
         "xlabel": "activation, width d_H", "ylabel": "fraction of starts", "data": {
             k: v["fraction_bad_minimum"] for k, v in fr.items()}},
        {"kind": "line", "title": f"Hessian spectrum (normalised, smallest first) of each certified minimum ({tag})",
         "xlabel": "eigenvalue index (exact spectra; Lanczos: extreme ones)", "ylabel": "lambda / max |lambda|",
         "series": spectra},
        {"kind": "line", "title": f"Loss along each escape path (perturb, then descend) ({tag})",
         "xlabel": "descent step", "ylabel": "L / L(candidate)", "series": escapes},
    ]


# ---------------------------------------------------------------------------------------
# lds.thm1.no_strict_bad_min
# ---------------------------------------------------------------------------------------

#: Theorem 1's hypotheses on a fixture (requirements on :attr:`landscape._lib.fixtures.Fixture.properties`).
THM1_REQUIRES = {"kind": ("bad_local_min",), "loss": "squared", "overparameterized": True, "d_out": 1, "a1": True,
                 "continuous": True, "saturated": False}


def fixture_outcomes(budget: Budget, requires: dict | None = None) -> tuple[list[Outcome], list[dict], _fx.Selection]:
    """Every bad-minimum fixture meeting Theorem 1's hypotheses must not certify as strict.

    Returns the decisive outcomes, the informational rows of positively homogeneous fixtures
    (ReLU: a strict find is impossible there, so they are reported but not counted), and the
    selection (matched and excluded fixtures, with reasons).  A fixture whose certificate is
    excluded (:data:`EXCLUDED`) gives no outcome; it is listed with its reason.
    """
    sel = _fx.select(THM1_REQUIRES if requires is None else requires)
    outs, info = [], []
    for fx in sel.matched:
        best = float(fx.facts.get("global_inf", fx.facts.get("lower_loss_witness", 0.0)) or 0.0)
        c = certify_candidate(fx.spec, fx.flat(), fx.x, fx.y, best, 0, budget)
        st_ = {"fixture": fx.id, "kind": c.get("kind"), "loss": c["loss"], "certificate_margin": c.get("margin"),
               "reason": c.get("reason"), "candidate": _compact(c) | {"problem": fx.id}}
        cat = category(c)
        if activations.get(fx.spec.activation).positively_homogeneous and cat != "hit":
            info.append(st_ | {"counted": False, "why": "positively homogeneous: no strict minimum possible"})
        elif cat == "hit":
            outs.append(Outcome.fails({"fixture": fx.id, "seed": 0, "budget": budget.as_dict()},
                                      _hit_margin(c), note=f"{fx.id} certifies as a strict bad minimum", **st_))
        elif cat == "band":
            outs.append(Outcome.band(note=f"{fx.id}: certificate inconclusive ({c.get('reason')})", **st_))
        elif cat == "ruled out":
            outs.append(Outcome.holds(float(c.get("margin", math.inf)), **st_))
        else:  # excluded, or not bad at all: no conclusion, listed
            info.append(st_ | {"counted": False, "why": cat})
    return outs, info, sel


HOMOGENEOUS_NOTE = ("ReLU and leaky ReLU are positively homogeneous: at every point where a hidden unit has non-zero "
                    "incoming and outgoing weights, scaling them by c and 1/c keeps the loss (a curve of equal loss, "
                    "evaluated as a symmetry probe at every candidate), so no point is a strict local minimum and "
                    "strictness is never certified for them; with smooth=False (a pre-activation at the kink) the "
                    "certificate has no Hessian proof at all, and off the kinks it uses smooth=True (the loss is a "
                    "polynomial there). Their search cannot refute Theorem 1, so its problems and fixtures are "
                    "reported (kinds, spectra, fractions of bad endpoints) but not counted as support.")


@claim(
    "lds.thm1.no_strict_bad_min",
    title="Theorem 1 / Corollary 1: no strict bad local minimum when d_H >= N, any continuous sigma",
    source=f"{PAPER}, Theorem 1 and Corollary 1 (section 3.2), Assumption 1 (A1-A4)",
    statement=("With d_H >= N, A1 data, a convex loss and any continuous activation (ReLU included), the empirical "
               "loss has no strict bad local minimum (it is weakly global)."),
    hypotheses=("A1 data, N <= 4, d0 <= 2", "d_H >= N, depth <= 2, width <= 5, bias or not", "squared loss",
                "sigma in " + ", ".join(SEARCH_ACTS) + " (ReLU / leaky ReLU reported, not counted: see notes)",
                "fixtures meeting: " + "; ".join(_fx.describe(THM1_REQUIRES))),
)
def check_thm1(ctx: Context) -> Result:
    budget = Budget.of(ctx)
    decisive = tuple(a for a in SEARCH_ACTS if not activations.get(a).positively_homogeneous)
    homog = tuple(a for a in SEARCH_ACTS if activations.get(a).positively_homogeneous)
    rep = _search(ctx, budget, over=True, acts=decisive, depth=2, max_examples=max(4, ctx.max_examples // 2))
    info = _search(ctx, budget, over=True, acts=homog, depth=2, max_examples=max(2, ctx.max_examples // 6),
                   label="ReLU / leaky ReLU (informational)")
    fx, fx_info, sel = fixture_outcomes(budget)
    decided = sum(1 for o in rep.outcomes + fx if o.status == "holds")
    extra = list(fx)
    if decided == 0 and not any(o.status == "fails" for o in rep.outcomes + fx):
        extra.append(Outcome.band(note="nothing decided: no problem or fixture ruled a bad candidate out or "
                                       "showed no bad endpoint"))
    evid: dict[str, int] = {}
    for o in rep.outcomes:
        k = o.stats.get("evidence", o.status).split(" among")[0].split(" (")[0]
        evid[k] = evid.get(k, 0) + 1
    fx_cands = [s["candidate"] for s in [o.stats for o in fx] + fx_info]
    cat_totals: dict[str, int] = {}
    per_problem = []
    for p in rep.problems:
        for k, v in (p.get("category_counts") or {}).items():
            cat_totals[k] = cat_totals.get(k, 0) + v
        if p.get("distinct_bad_values"):
            per_problem.append({"problem": f"{p['activation']} N={p['N']} widths={p['widths']} seed={p['seed']}",
                                "distinct_bad_values": p["distinct_bad_values"],
                                "certified": p["certified_values"], "uncertified": p["uncertified_bad_values"],
                                "categories": p.get("category_counts")})
    stats = {"budget": budget.as_dict(), "certificates_by_activation": rep.kinds(),
             "problems_by_evidence": evid, "excluded_problems": rep.excluded,
             "endpoint_fractions": rep.endpoint_fractions(),
             "candidates": rep.candidates(),
             "relu_informational": {"outcomes": [o.status for o in info.outcomes], "kinds": info.kinds(),
                                    "endpoint_fractions": info.endpoint_fractions(), "excluded": info.excluded,
                                    "candidates": info.candidates()},
             "fixtures": [o.stats for o in fx], "fixtures_not_counted": fx_info, "fixture_selection": sel.summary(),
             "decided": decided, "candidate_categories": cat_totals,
             "uncertified_bad_values": sum(p.get("uncertified_bad_values", 0) for p in rep.problems),
             "bad_values_per_problem": per_problem}
    return merge([rep.res], extra=extra, statistics=stats,
                 tried=(f"{rep.res.examples} counted problems (Hypothesis seed {ctx.seed}; sigma in {', '.join(decisive)}; "
                        f"{len(rep.excluded)} more problems excluded: every bad candidate saturated) x {budget.starts} "
                        f"random L-BFGS starts ({budget.screen_iter} iterations); per problem the distinct bad loss "
                        "values (clearly above the lowest attained loss: starts, last-layer least squares) are refined "
                        f"to stationarity (L-BFGS + Newton) and certified lowest first, at most {budget.refine} per "
                        f"problem: {sum(p['certified'] for p in per_problem)} certified, "
                        f"{stats['uncertified_bad_values']} left uncertified over the {len(per_problem)} problems with "
                        "a bad value (bad_values_per_problem lists each; uncertified values are not decided, they "
                        "neither support nor refute); candidates "
                        f"{', '.join(f'{v} {k}' for k, v in cat_totals.items() if v) or 'none'}; certificates: Hessian "
                        f"(exact), {budget.samples} samples on 3 spheres, {budget.attack_starts}x{budget.attack_steps} "
                        f"ball attacks, flat probes and rescaling curves, {budget.escape_starts} escape runs; "
                        f"{len(fx)} fixtures counted (+{len(fx_info)} reported only) of {len(sel.matched)} meeting "
                        f"the requirements ({len(sel.excluded)} excluded); plus {info.res.examples} ReLU / leaky ReLU "
                        "problems reported, not counted"),
                 figures=[_fig_kinds(rep.kinds(), "Certificates of the bad stationary points found (d_H >= N)"),
                          *_landscape_figures([rep, info], fx_cands, "d_H >= N")],
                 notes=[HOMOGENEOUS_NOTE,
                        ("Per candidate: ruled out (non-strict, saddle, certified not stationary, not a minimum by "
                         "the last layer, or not bad after refinement) -> supports; saturated (not a finite "
                         "candidate, landscape._lib.certify.saturation) -> excluded and counted; undecided for numerical "
                         "reasons -> band. Per problem: refuted by any certified strict bad minimum, else band if any "
                         "candidate is undecided, else support when at least one was ruled out or no start ended at a "
                         f"bad value ('no bad endpoint': {evid.get('no bad endpoint', 0)} problems; ruled out: "
                         f"{evid.get('every bad candidate ruled out', 0) + evid.get('every finite bad candidate ruled out', 0)};"
                         f" band: {evid.get('band', 0)}). Problems whose every bad candidate is excluded never count. "
                         f"{stats['uncertified_bad_values']} distinct bad values beyond the {budget.refine} certified "
                         "per problem were not examined.")])


# ---------------------------------------------------------------------------------------
# lds.thm1.no_strict_bad_min.underparameterized
# ---------------------------------------------------------------------------------------

#: The constructions: one neuron without bias on four points, periodic activations.
UNDER_X = (-1.0, -0.25, 0.5, 1.0)
UNDER_ACTS = ("negsin2", "sincos")
#: Range of the input weight scanned by the constructions (|w x| <= 8: no saturation issue for periodic sigma).
UNDER_W_MAX = 8.0


def profile_minima(act: str, x: np.ndarray, y: np.ndarray, w_max: float, points: int) -> tuple[list, float]:
    """One neuron without bias, f(x) = a sigma(w x): E(w, a*(w)) on a grid of w, and its interior local minima.

    For fixed ``w`` the best output weight is ``a*(w) = <y, s> / |s|^2`` with ``s = sigma(w x)``
    and ``E = |y|^2 - <y, s>^2 / |s|^2`` exactly, so the two-parameter landscape reduces to a
    profile in ``w``.  Returns the grid local minima ``[(w, a*(w), E)]`` and the grid minimum of E.
    """
    ws = np.linspace(-w_max, w_max, points)
    s = activations.get(act).numpy()(np.outer(ws, x[0]))
    num, den = s @ y[0], np.sum(s * s, axis=1)
    yy = float(y[0] @ y[0])
    safe = np.where(den > 0, den, 1.0)
    e = np.where(den > 0, yy - num**2 / safe, yy)
    a = np.where(den > 0, num / safe, 0.0)
    mins = [(float(ws[i]), float(a[i]), float(e[i])) for i in range(1, points - 1)
            if e[i] < e[i - 1] and e[i] <= e[i + 1]]
    return mins, float(np.min(e))


def _profile_stationary_points(act: str, x: np.ndarray, y: np.ndarray, points: int):
    spec = MLPSpec(1, (1,), 1, act, False)
    lossf = squared_loss(spec, x, y)
    mins, grid_best = profile_minima(act, x, y, UNDER_W_MAX, points)
    refined, undecided = [], 0
    for w0, a0, _ in mins:
        try:
            sp_ = certify.refine_stationary(lossf, torch.tensor([w0, a0], dtype=torch.float64), max_iter=50)
        except NUMERICAL:
            undecided += 1
            continue
        if (sp_.stationarity.outcome == "zero" and math.isfinite(sp_.loss)
                and not any(float((sp_.w - q.w).norm()) <= 1e-6 * max(1.0, float(q.w.norm())) for q in refined)):
            refined.append(sp_)
    return spec, lossf, mins, grid_best, refined, undecided


def construction_outcome(act: str, seed: int, budget: Budget, *, points: int) -> Outcome:
    """Certified strict bad local minimum of one ``act`` neuron (no bias) on x = UNDER_X, labels N(0, 1) from ``seed``.

    The profile's interior grid minima are refined to stationary points of the two-parameter
    loss; ``best`` is the lowest loss attained among them (an upper bound of inf E); the refined
    points clearly above it are certified, lowest first, until one is strict (at most
    ``budget.refine + 2``; the number of bad stationary points left uncertified is reported).
    """
    x = np.array([UNDER_X])
    y = np.random.default_rng(seed).normal(size=(1, x.shape[1]))
    spec, _, mins, grid_best, refined, undecided = _profile_stationary_points(act, x, y, points)
    stats = {"activation": act, "x": list(UNDER_X), "y": y[0].tolist(), "seed": seed, "grid_points": points,
             "w_range": [-UNDER_W_MAX, UNDER_W_MAX], "grid_minima": len(mins), "stationary_points": len(refined),
             "undecided": undecided}
    if not refined:
        return Outcome.band(note=f"{act}: no stationary point reached from the profile minima", **stats)
    best_pt = min(refined, key=lambda q: q.loss)
    best = best_pt.loss
    certs = []
    for q in sorted(refined, key=lambda q: q.loss):
        if q is best_pt:
            continue
        c = certify_candidate(spec, q.w, x, y, best, seed + 1 + len(certs), budget)
        if c.get("kind") is None:  # not clearly bad: another copy of the best value
            continue
        certs.append((q, c))
        if c.get("kind") == "strict" or len(certs) >= budget.refine + 2:
            break
    stats |= {"best": best, "grid_best": grid_best, "kinds": [c.get("kind") for _, c in certs],
              "losses": [c["loss"] for _, c in certs], "bad_stationary_points": len(refined) - 1,
              "uncertified": len(refined) - 1 - len(certs),
              "candidates": [_compact(c) | {"problem": f"{act} one neuron seed={seed}",
                                            "w": [float(v) for v in q.w]} for q, c in certs]}
    hit = next(((q, c, j) for j, (q, c) in enumerate(certs) if c.get("kind") == "strict"), None)
    if hit is not None:
        q, c, j = hit
        payload = {"spec": spec.as_dict(), "X": x.tolist(), "Y": y.tolist(), "w": q.w.tolist(), "best": best,
                   "best_w": best_pt.w.tolist(), "seed": seed + 1 + j, "budget": budget.as_dict(),
                   "construction": act}
        return Outcome.fails(payload, _hit_margin(c),
                             note=(f"{act}, one neuron, no bias: (w, a) = ({float(q.w[0]):.6g}, {float(q.w[1]):.6g}) "
                                   f"is a strict local minimum ({c.get('reason')}) with loss {c['loss']:.6g} > "
                                   f"{best:.6g} attained at (w, a) = ({float(best_pt.w[0]):.6g}, "
                                   f"{float(best_pt.w[1]):.6g})"), **stats)
    return Outcome.band(note=f"{act}: no bad stationary point certified strict ({stats['kinds']})", **stats)


#: Seeds of the constructions of the claim at run seed 0, reused by the fixture builder.
def _under_seed(run_seed: int, i: int) -> int:
    return 7919 * (run_seed + 1) + i


@_fx.builder("lds.thm1.under")
def under_fixtures() -> list[_fx.Fixture]:
    """Strict bad local minima of lds.thm1.no_strict_bad_min.underparameterized (d_H = 1 < N = 4): the
    constructions of run seed 0 on an 801-point profile; every refined bad stationary point whose
    gradient is zero and whose exact Hessian is positive definite (the decisive part of the
    certificate: a second-order proof) becomes a fixture, with the best attained point as witness."""
    out = []
    for i, act in enumerate(UNDER_ACTS):
        seed = _under_seed(0, i)
        x = np.array([UNDER_X])
        y = np.random.default_rng(seed).normal(size=(1, x.shape[1]))
        spec, lossf, _, _, refined, _ = _profile_stationary_points(act, x, y, 801)
        if len(refined) < 2:
            continue
        best_pt = min(refined, key=lambda q: q.loss)
        scale = float(np.sum(y**2))
        for q in sorted(refined, key=lambda q: q.loss):
            if q is best_pt or tolerance.classify((q.loss - best_pt.loss) / scale).outcome != "nonzero":
                continue
            spec_h = certify.hessian_spectrum(lossf, q.w)
            if spec_h.definiteness != "pd" or q.stationarity.outcome != "zero":
                continue
            w, a = (float(v) for v in q.w)
            out.append(_fx.Fixture(
                id=f"lds.thm1.under[{act},w={w:.4f}]", source="lds.thm1.no_strict_bad_min.underparameterized",
                kind="bad_local_min", spec=spec, weights=[np.array([[w]]), np.array([[a]])], x=x, y=y,
                facts={"loss": q.loss, "lower_loss_witness": best_pt.loss, "stationary": True,
                       "certificate": "strict", "certificate_how": "gradient zero and exact Hessian positive definite",
                       "lambda_min_normalised": spec_h.lambda_min_normalised,
                       "witness_weights": [[[float(best_pt.w[0])]], [[float(best_pt.w[1])]]]}))
            if sum(1 for f in out if f.spec.activation == act) >= 2:
                break
    return out


@claim(
    "lds.thm1.no_strict_bad_min.underparameterized",
    title="Strict bad local minima when d_H < N",
    source=f"{PAPER}, Theorem 1 with Assumption A3 (d_H >= N) removed",
    statement="With d_H < N the loss still has no strict bad local minimum.",
    hypotheses=("A1 data, 3 <= N <= 4", "one hidden layer, d_H < N", "squared loss",
                "sigma in " + ", ".join(a for a in SEARCH_ACTS if not activations.get(a).positively_homogeneous)),
    paper="inconclusive",
    expected="refuted",
    why=("The paper needs d_H >= N and says nothing without it. One neuron with a periodic activation on four points "
         "already has many local minima in its input weight: the lowest is (an upper bound of) the global one, the "
         "others are bad, and their Hessian is positive definite -- certified strict bad local minima."),
)
def check_thm1_under(ctx: Context) -> Result:
    budget = Budget.of(ctx)
    # ReLU / leaky ReLU are positively homogeneous (w -> c w, a -> a / c keeps the loss): never strict, so the
    # search spends its budget on the other activations, one hidden layer
    acts = tuple(a for a in SEARCH_ACTS if not activations.get(a).positively_homogeneous)
    rep = _search(ctx, budget, over=False, acts=acts, depth=1, max_examples=max(4, ctx.max_examples // 2))
    points = 200 * ctx.draws + 1
    built = [construction_outcome(act, _under_seed(ctx.seed, i), budget, points=points)
             for i, act in enumerate(UNDER_ACTS)]
    # a construction that certifies is the cleanest counterexample: it goes first
    first = [o for o in built if o.status == "fails"]
    built_cands = [c for o in built for c in o.stats.get("candidates", [])]
    r = merge([], extra=first + rep.outcomes + [o for o in built if o.status != "fails"],
              statistics={"budget": budget.as_dict(), "certificates_by_activation": rep.kinds(),
                          "constructions": [o.stats for o in built], "search": rep.res.summary(),
                          "excluded_problems": rep.excluded, "endpoint_fractions": rep.endpoint_fractions(),
                          "candidates": rep.candidates()},
              tried=(f"2 constructions ({', '.join(UNDER_ACTS)}; one neuron, no bias, x = {UNDER_X}, labels N(0, 1) "
                     f"from seeds 7919 (seed + 1) + i): the exact profile E(w, a*(w)) on {points} points of "
                     f"|w| <= {UNDER_W_MAX:g}, its interior minima refined to stationarity, the lowest attained loss "
                     f"as 'best', the others certified lowest first (at most {budget.refine + 2}; the rest counted as "
                     f"'uncertified'); and {rep.res.examples} Hypothesis problems (d_H < N; {len(rep.excluded)} more "
                     f"excluded) x {budget.starts} random L-BFGS starts, certificates as in lds.thm1.no_strict_bad_min"),
              figures=[_fig_kinds(rep.kinds(), "Certificates of the bad stationary points found (d_H < N, search)"),
                       *_landscape_figures([rep], built_cands, "d_H < N")])
    return r


# ---------------------------------------------------------------------------------------
# lds.yu_chen: the Prop. 1 construction in Yu & Chen's setting; .sigmoid: Fukumizu & Amari's split points
# ---------------------------------------------------------------------------------------

@claim(
    "lds.yu_chen",
    title="Footnote 1: suboptimal local minima in Yu & Chen's setting (one hidden layer, d_1 >= N)",
    source=f"{PAPER}, footnote 1 (section 2) and the remark after Proposition 1",
    statement=("In Yu & Chen's setting -- one hidden layer of width d_1 >= N, distinct data, squared loss -- "
               "suboptimal (bad) local minima exist, so their 'no suboptimal local minimum' theorem is not rigorous; "
               "the paper's counterexamples are the Prop. 1 constructions."),
    hypotheses=("one hidden layer, no bias, d_1 in N..N+3 (d_1 >= N)", "N = 2..5 distinct inputs x_i = t_i / s",
                "sigma in negsin2, sincos, sin2cos (zeros that are local extrema; Assumption 2 proved)",
                "squared loss"),
)
def check_yu_chen(ctx: Context) -> Result:
    from landscape.claims.lds import ZERO_EXTREMA, _family_outcomes, _prop1_result, _zero_data, prop1_certificate

    names = list(ZERO_EXTREMA)

    @st.composite
    def examples(draw):
        return draw(_zero_data(draw(st.sampled_from(names)), max_d=3, wide=True))

    def fn(ex):
        a, xs, ys, s, s_out, d, kinds, sd = ex
        o = prop1_certificate(a, xs, ys, d, s, np.random.default_rng(sd), 8 * ctx.draws, out_sign=s_out,
                              require_zero_inf=True)
        o.stats |= {"zero_kinds": kinds, "label_signs": [int(np.sign(v)) for v in ys]}
        return o

    res = ctx.search(examples(), fn, label="Prop. 1 with d_1 >= N", max_examples=ctx.max_examples)
    return _prop1_result(res, _family_outcomes(names), ctx, notes=[(
        "Footnote 1 says the counterexamples live 'under their setting': one hidden layer with d_1 >= N. They need "
        "sigma(t) = 0 at local extrema, which sigmoid (Yu & Chen's activation in Golikov's summary) lacks; the "
        "sigmoid case is lds.yu_chen.sigmoid. With d_1 >= N the bad value is measured against inf E = 0, shown by a "
        "network with least-squares output weights and loss ~0.")])


@check_yu_chen.replayer
def _replay_yu_prop1(p: dict) -> Outcome:
    from landscape.claims.lds import _replay_prop1

    return _replay_prop1(p)


#: Yu & Chen-setting problems for the split construction: N = 2 inputs of one sign, labels of opposite signs.
YU_CHEN_DATA = (((-1.25, -1.0), (-1.659, 0.309)), ((-2.0, -1.0), (2.0, -1.0)), ((0.5, 2.0), (-1.0, 2.0)))
#: Grid of the one-neuron profile (sigmoid, |w| <= 12).
YU_CHEN_W_MAX, YU_CHEN_POINTS = 12.0, 4801


@dataclass(frozen=True)
class SplitPoint:
    """A one-neuron sigmoid minimum (no bias) split into two neurons, with what decides it.

    ``w1, a1``: the one-neuron minimum; ``one_neuron_pd``: its 2x2 Hessian is positive
    definite (a strict minimum of the one-neuron loss, not a drift to infinity);
    ``fa_curvature``: Fukumizu & Amari's ``a sum_i r_i sigma''(w x_i) x_i^2`` (``r = f - y``),
    relative to the one-neuron Hessian's largest eigenvalue -- positive means the split points
    with output weights ``lam a, (1 - lam) a``, ``0 < lam < 1``, are local minima (along the
    line of them the loss is constant: non-strict); ``w``: the split point at ``lam = 1/2``;
    ``witness``: two distinct neurons with the exact last-layer fit (an attained loss ~0);
    ``saturated``: a unit saturated at every sample (the suite's one rule) -- then not valid.
    """

    index: int
    x: tuple[float, ...]
    y: tuple[float, ...]
    w1: float
    a1: float
    loss: float
    one_neuron_pd: tolerance.Decision
    fa_curvature: tolerance.Decision
    fa_sign: int
    max_preactivation: float
    saturated: bool
    interior: bool
    w: tuple[float, ...]
    witness: tuple[float, ...]
    witness_loss: float

    @property
    def spec(self) -> MLPSpec:
        return MLPSpec(1, (2,), 1, "sigmoid", False)

    @property
    def valid(self) -> bool:
        """The sufficient conditions hold (clearly): interior strict one-neuron minimum, FA curvature > 0."""
        return (self.interior and self.one_neuron_pd.outcome == "nonzero" and self.fa_curvature.outcome == "nonzero"
                and self.fa_sign > 0 and not self.saturated)

    def summary(self) -> dict:
        return {"data": self.index, "x": list(self.x), "y": list(self.y), "one_neuron": [self.w1, self.a1],
                "one_neuron_loss": self.loss, "one_neuron_hessian": self.one_neuron_pd.as_dict(),
                "fa_curvature": self.fa_curvature.as_dict(), "fa_sign": self.fa_sign,
                "max_preactivation": self.max_preactivation, "saturated": self.saturated, "interior": self.interior,
                "valid": self.valid,
                "witness_loss": self.witness_loss}


@functools.lru_cache(maxsize=None)
def split_point(i: int) -> SplitPoint:
    """Build (once per process) the split point of ``YU_CHEN_DATA[i]``; deterministic, no random starts."""
    xs, ys = YU_CHEN_DATA[i]
    x, y = np.array([xs], dtype=float), np.array([ys], dtype=float)
    one = MLPSpec(1, (1,), 1, "sigmoid", False)
    lf1 = squared_loss(one, x, y)
    mins, _ = profile_minima("sigmoid", x, y, YU_CHEN_W_MAX, YU_CHEN_POINTS)
    w0, a0, _ = min(mins, key=lambda m: m[2]) if mins else (YU_CHEN_W_MAX, 0.0, 0.0)
    interior = bool(mins)
    v = _train.newton_polish(lf1, torch.tensor([w0, a0], dtype=torch.float64), steps=30)
    w1, a1 = (float(t) for t in v)
    h = certify.exact_hessian(lf1, v).numpy()
    ev = np.linalg.eigvalsh(h)
    lam_max = float(np.max(np.abs(ev)))
    pd = tolerance.classify(max(float(ev[0]), 0.0) / lam_max)  # 'nonzero': positive definite, clear of the band
    s = 1.0 / (1.0 + np.exp(-w1 * x[0]))
    s2 = s * (1 - s) * (1 - 2 * s)  # sigmoid''
    r = a1 * s - y[0]
    fa = float(a1 * np.sum(r * s2 * x[0] ** 2))
    fa_dec = tolerance.classify(abs(fa) / lam_max)
    w = (w1, w1, 0.5 * a1, 0.5 * a1)
    # a lower attained loss: two distinct neurons and the exact last-layer fit (T_H is 2 x 2 and invertible)
    spec2 = MLPSpec(1, (2,), 1, "sigmoid", False)
    lf2 = squared_loss(spec2, x, y)
    best_fit = None
    for w2 in (w1 + 1.0, w1 - 1.0, -w1, 2.0 * w1 + 1.0):
        cand = _last_layer_fit(spec2, torch.tensor([w1, w2, 0.0, 0.0], dtype=torch.float64), x, y)
        if cand is not None:
            lv = _value(lf2, cand)
            if best_fit is None or lv < best_fit[0]:
                best_fit = (lv, cand)
    assert best_fit is not None  # sigmoid is bounded: T_H is always finite
    sat = certify.saturation(spec2, torch.tensor(w, dtype=torch.float64), x)
    return SplitPoint(i, tuple(xs), tuple(ys), w1, a1, _value(lf1, v), pd, fa_dec, int(np.sign(fa)),
                      sat.max_preactivation, sat.saturated, interior, w, tuple(best_fit[1].tolist()), best_fit[0])


@_fx.builder("lds.yu_chen")
def yu_chen_fixtures() -> list[_fx.Fixture]:
    """The split sigmoid points (non-strict bad local minima, d_1 = N = 2) whose sufficient conditions hold
    (no saturated unit: :func:`landscape._lib.certify.saturation`)."""
    out = []
    for i in range(len(YU_CHEN_DATA)):
        p = split_point(i)
        if not p.valid:
            continue
        out.append(_fx.Fixture(
            id=f"lds.yu_chen[{i}]", source="lds.yu_chen.sigmoid (Fukumizu-Amari split construction)",
            kind="bad_local_min", spec=p.spec, weights=[np.array([[p.w[0]], [p.w[1]]]), np.array([[p.w[2], p.w[3]]])],
            x=np.array([p.x]), y=np.array([p.y]),
            facts={"stationary": True, "global_inf": 0.0, "lower_loss_witness": p.witness_loss,
                   "non_strict": True, "certificate": "non-strict", "analytic": True, "loss": p.loss}))
    return out


def yu_chen_outcome(i: int, seed: int, budget: Budget) -> tuple[dict, dict]:
    """The split point of data ``i``: its sufficient conditions and its certificate."""
    p = split_point(i)
    c = certify_candidate(p.spec, torch.tensor(p.w, dtype=torch.float64), np.array([p.x]), np.array([p.y]),
                          p.witness_loss, seed, budget)
    return p.summary(), c


@claim(
    "lds.yu_chen.sigmoid",
    title="Suboptimal local minima with Yu & Chen's own activation (sigmoid, one hidden layer, d_1 = N)",
    source=(f"{PAPER}, footnote 1 (section 2); Yu & Chen (1995) Theorem 3 as summarised in 003_6b1d70a06ebc74fd.txt "
            "(sigmoid, d_1 >= m)"),
    statement=("With sigmoid, one hidden layer, d_1 = N = 2, distinct data and the squared loss, suboptimal local "
               "minima exist."),
    hypotheses=("sigma = sigmoid, no bias", "one hidden layer, d_1 = N = 2", "distinct data"),
    paper="inconclusive",
    expected="supported",
    why=("The footnote's counterexamples are the Prop. 1 constructions, which need sigma(t) = 0 at a local extremum: "
         "sigmoid has no real zero (proved by sympy), so the paper asserts nothing about sigmoid itself. The suite "
         "finds bad local minima there too: Fukumizu & Amari's reducible points (a strict one-neuron minimum split "
         "into two neurons with output weights a/2, a/2), certified non-strict with a lower-loss witness."),
)
def check_yu_chen_sigmoid(ctx: Context) -> Result:
    budget = Budget.of(ctx)
    proof = symbolic.no_real_zero(activations.get("sigmoid"))
    rows, witnesses = [], []
    for i in range(len(YU_CHEN_DATA)):
        summary, c = yu_chen_outcome(i, ctx.seed + i, budget)
        row = summary | {"kind": c.get("kind"), "loss": c["loss"], "best": c["best"], "reason": c.get("reason"),
                         "certificate_margin": c.get("margin"), "bad": c.get("bad"),
                         "candidate": _compact(c) | {"problem": f"split point {i}"}}
        rows.append(row)
        if c.get("kind") in ("strict", "non-strict"):
            witnesses.append(Outcome.holds(min(float(c["margin"]), float(c.get("bad_margin", math.inf))), **row))
    # the statement is existential: every certified bad local minimum supports it; none leaves it open
    outs = witnesses or [Outcome.band(note="no split point certified as a bad local minimum", constructions=rows)]
    cands = [r["candidate"] for r in rows]
    r = merge([], extra=outs, statistics={"sigmoid_has_no_real_zero": proof, "budget": budget.as_dict(),
                                          "constructions": rows},
              tried=(f"sympy: sigmoid has no real zero ({proof}), so Prop. 1 does not apply; instead {len(rows)} "
                     "split constructions (one-neuron minimum from the exact profile on "
                     f"{YU_CHEN_POINTS} points of |w| <= {YU_CHEN_W_MAX:g} + Newton, output weight split a/2 + a/2, "
                     "d_1 = N = 2; lower loss witnessed by two distinct neurons with the exact last-layer fit), each "
                     f"certified ({budget.samples} samples on 3 spheres, {budget.attack_starts}x{budget.attack_steps} "
                     "ball attacks, flat probes, escape runs)"),
              figures=_landscape_figures([], cands, "split points")[2:])
    r.notes.append("The paper's own counterexample (Prop. 1) needs sigma(t) = 0 at some t != 0, which sigmoid lacks: "
                   "it does not live in Yu & Chen's setting with their activation. The witnesses here are Fukumizu & "
                   "Amari's reducible points: a strict minimum (w, a) of the one-neuron loss, duplicated with output "
                   "weights lam a, (1 - lam) a, is a local minimum for lam in (0, 1) when a sum_i r_i sigma''(w x_i) "
                   "x_i^2 > 0 (a saddle for lam outside), with loss above the two-neuron optimum and a line of "
                   "equal-loss neighbours (non-strict).")
    return r


@check_yu_chen_sigmoid.replayer
def _replay_yu(p: dict) -> Outcome:
    summary, c = yu_chen_outcome(_p.require_int(p, "data", 0, len(YU_CHEN_DATA) - 1), _p.require_seed(p, default=0),
                                 REPLAY_BUDGET)
    if c.get("kind") in ("strict", "non-strict"):
        return Outcome.holds(float(c["margin"]), **summary)
    return Outcome.band(note=f"split point certified {c.get('kind')}", **summary)


check_thm1.replayer(replay_candidate)
check_thm1_under.replayer(replay_candidate)
