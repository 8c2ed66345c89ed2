"""Multiple-precision checks of a landscape-search candidate (mpmath).

For the squared empirical loss E(W) of Li, Ding, Sun (``../shared/papers/004_c552a5c94484e66a.txt``,
eq. (5)) of an MLP: :func:`mp_descent_check` evaluates E at ``dps`` digits along the negative
gradient at the distances :data:`MP_DESCENT_DISTANCES`, and :func:`mp_not_stationary` uses it to
certify that a point whose float64 gradient is small only relative to a huge curvature scale is
not stationary (used by :func:`landscape._lib.search.certify_candidate`).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from landscape._lib import activations, certify, tolerance
from landscape._lib.networks.mlp import MLPSpec, squared_loss

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
