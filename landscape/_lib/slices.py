"""Pictures of the landscape around a point: 1-D and 2-D loss slices and the Hessian spectrum.

For each bad local minimum / stationary point the suite certifies (the fixtures of
:mod:`landscape._lib.fixtures` and the two constructions of :func:`extra_points`), a
*landscape record*: the data and the figure specs (plain JSON, drawn by
``landscape._core.report.figures.render_png``) of

* a **1-D slice** ``alpha -> E(theta + alpha d)`` along two directions: ``d1`` the escape /
  flat direction the point's facts give (see :func:`point_record` for the rule), ``d2`` a
  *filter-normalised* random direction (H. Li, Z. Xu, G. Taylor, C. Studer, T. Goldstein,
  "Visualizing the loss landscape of neural nets", NeurIPS 2018, section 4; the
  ``loss-landscapes`` library's ``filter`` normalisation), with the global minimum's loss
  (or the lowest loss known) drawn as a horizontal line;
* a **2-D slice** ``(alpha, beta) -> E(theta + alpha d1 + beta d2')`` in the plane of the two
  (``d2'``: ``d2`` made orthogonal to ``d1``, rescaled to the norm of ``d2``), as a filled contour;
* the **Hessian spectrum** at the point: the exact eigenvalues of ``torch.func.hessian`` as a
  Gaussian-broadened density (the picture PyHessian's ``density_generate`` / ``get_esd_plot``
  draw from its stochastic Lanczos quadrature; here the eigenvalues are exact, the networks
  are small), on a symmetric log axis when the eigenvalues span decades, with the bands of the
  tolerance policy (:mod:`landscape._lib.tolerance`: ``|lambda| / max|lambda| <= ZERO`` zero,
  ``< ZERO * BAND`` undecided) shaded.

Units and radii.  Every direction ``d`` is scaled to ``||d|| = rho = ||theta||`` (1 when
``theta = 0``), so ``alpha = 1`` moves the point by its own norm -- Li et al.'s convention, in
which a filter-normalised direction moves every unit's weights by their own norm at
``alpha = 1``.  The slices run over ``alpha in [-R, R]`` with ``R = 1`` (Li et al.'s range),
halved (at most 6 times) while the loss somewhere on the slice exceeds
``L(theta) + BASIN_CAP * D``, ``D`` the point's depth above the lowest loss known (``L(theta) -
L_min``; ``|L(theta)|`` when that is unknown or zero by the policy) -- so the picture shows the basin
and its rim at the scale of the gap to the global minimum, not the far walls -- and, along a
direction towards a witness of lower loss, the segment ``[-(WITNESS_REACH - 1) a_w, WITNESS_REACH a_w]``
(``a_w`` the witness's distance), so the lower point is in the picture.

Values are rounded to :data:`DIGITS` significant digits and the grids are small
(:data:`POINTS_1D` points, :data:`POINTS_2D` squared), so ``evidence.json`` stays small.  This
module imports nothing of ``landscape._core`` or ``landscape.claims``.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import torch

from landscape._lib import tolerance

#: Points of a 1-D slice, of each axis of a 2-D slice, of the density grid.
POINTS_1D, POINTS_2D, POINTS_DENSITY = 61, 31, 161
#: Significant digits kept of every number of a record.
DIGITS = 6
#: A slice's radius is halved while its loss exceeds L(theta) + BASIN_CAP * D, D the depth of the point above the
#: lowest loss known (L(theta) - L_min when the policy calls it non-zero, else |L(theta)|; at least 1e-3).
BASIN_CAP = 10.0
#: ... at most this many times (R >= 2^-6).
MAX_HALVINGS = 6
#: Along a direction towards a lower-loss witness the slice reaches this multiple of the witness's distance.
WITNESS_REACH = 1.25
#: Both 1-D lines share one figure unless d1's radius exceeds this multiple of d2's (then one figure each).
SAME_AXIS = 4.0
#: Largest network whose Hessian a record computes exactly (the 960 weights of Jiang's construction included).
MAX_PARAMS = 1500
#: Eigenvalues listed in a spectrum figure (each drawn as a tick) up to this many; above, the density only.
MAX_LISTED_EIGENVALUES = 120
#: Gaussian broadening of the density: in units of the plotted axis (decades on the symmetric log axis) ...
SIGMA_SYMLOG = 0.12
#: ... or this fraction of the eigenvalue range on a linear axis.
SIGMA_LINEAR = 0.015
#: The symmetric log axis is linear within +-SYMLOG_LINEAR * max|lambda| (two decades below the policy's zero).
SYMLOG_LINEAR = tolerance.ZERO * 1e-2

LossFn = Callable[[torch.Tensor], torch.Tensor]


# ---------------------------------------------------------------------------------------
# Directions, slices, spectra
# ---------------------------------------------------------------------------------------

def filter_normalised_direction(weights: Sequence[np.ndarray], seed: int, *, bias: bool = False,
                                bias_rule: str = "zero") -> list[np.ndarray]:
    """A Gaussian direction with each filter rescaled to the norm of the weights' filter (Li et al. 2018, eq. in section 4).

    ``weights`` are the layer matrices (``d_out x d_in``, one row per unit: a *filter* of a
    fully connected layer is a row).  Each row ``d_i`` of a standard normal draw (numpy
    ``default_rng(seed)``) becomes ``d_i / ||d_i|| * ||w_i||``.  Biases: with ``bias=True`` the
    last column of every matrix but the last (the MLP convention ``[W_i b_i]`` of
    :mod:`landscape._lib.networks.mlp`) is a bias; ``bias_rule="zero"`` (Li et al.'s default,
    ``ignore='biasbn'`` in their code) zeroes the direction there and normalises the row over
    the weight columns; ``"row"`` treats the augmented row ``[w_i b_i]`` as the filter.  A
    one-dimensional array is a bias vector: zeroed (``"zero"``) or a copy of itself (``"row"``,
    their ``ignore=''``).  A zero row has no norm to copy (filter normalisation is undefined
    there: a dead filter would get a zero direction and never move): it gets the
    root-mean-square norm of the layer's other rows, or 1 if the whole layer is zero.
    Returns float64 arrays of the weights' shapes.
    """
    if bias_rule not in ("zero", "row"):
        raise ValueError(f"bias_rule={bias_rule!r} is invalid; expected 'zero' or 'row'")
    rng = np.random.default_rng(int(seed))
    out = []
    for li, w in enumerate(weights):
        w = np.asarray(w, dtype=np.float64)
        d = rng.standard_normal(w.shape)
        if w.ndim <= 1:
            out.append(np.zeros_like(w) if bias_rule == "zero" else w.copy())
            continue
        w2, d2 = w.reshape(w.shape[0], -1), d.reshape(w.shape[0], -1).copy()
        cols = w2.shape[1]
        if bias and li < len(weights) - 1 and bias_rule == "zero" and cols > 1:
            d2[:, -1] = 0.0
            cols -= 1
        wn = np.linalg.norm(w2[:, :cols], axis=1)
        live = wn[wn > 0]
        fill = float(np.sqrt(np.mean(live**2))) if live.size else 1.0
        target = np.where(wn > 0, wn, fill)
        dn = np.linalg.norm(d2[:, :cols], axis=1)
        d2[:, :cols] *= (target / np.where(dn > 0, dn, 1.0))[:, None]
        out.append(d2.reshape(w.shape))
    return out


def flatten(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """The arrays as one flat float64 vector, row-major, in order (the order of ``MLP.flat``)."""
    return np.concatenate([np.asarray(a, dtype=np.float64).reshape(-1) for a in arrays]) if arrays else np.zeros(0)


def _losses(loss_fn: LossFn, points: torch.Tensor) -> np.ndarray:
    """``loss_fn`` at each row of ``points`` (``torch.func.vmap`` when the loss allows it, else a loop)."""
    with torch.no_grad():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                vals = torch.func.vmap(loss_fn)(points)
            return vals.detach().numpy().astype(np.float64).reshape(-1)
        except Exception:  # noqa: BLE001 - a loss torch.func cannot batch (data-dependent control flow, .item())
            return np.array([float(loss_fn(p)) for p in points], dtype=np.float64)


def slice_1d(loss_fn: LossFn, theta: torch.Tensor, direction: torch.Tensor | np.ndarray,
             alphas: Sequence[float]) -> np.ndarray:
    """``E(theta + alpha d)`` for each ``alpha`` (float64)."""
    th = torch.as_tensor(theta, dtype=torch.float64).reshape(-1)
    d = torch.as_tensor(np.asarray(direction, dtype=np.float64)).reshape(-1)
    a = torch.as_tensor(np.asarray(alphas, dtype=np.float64))
    return _losses(loss_fn, th[None, :] + a[:, None] * d[None, :])


def slice_2d(loss_fn: LossFn, theta: torch.Tensor, d1: torch.Tensor | np.ndarray, d2: torch.Tensor | np.ndarray,
             alphas: Sequence[float], betas: Sequence[float]) -> np.ndarray:
    """``E(theta + alpha d1 + beta d2)`` on the grid: ``z[j, i]`` at ``(alphas[i], betas[j])`` (float64)."""
    th = torch.as_tensor(theta, dtype=torch.float64).reshape(-1)
    u = torch.as_tensor(np.asarray(d1, dtype=np.float64)).reshape(-1)
    v = torch.as_tensor(np.asarray(d2, dtype=np.float64)).reshape(-1)
    a = torch.as_tensor(np.asarray(alphas, dtype=np.float64))
    b = torch.as_tensor(np.asarray(betas, dtype=np.float64))
    pts = th[None, None, :] + a[None, :, None] * u[None, None, :] + b[:, None, None] * v[None, None, :]
    return _losses(loss_fn, pts.reshape(-1, th.numel())).reshape(len(b), len(a))


def hessian_eigh(loss_fn: LossFn, theta: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and eigenvectors (columns) of the exact, symmetrised Hessian at ``theta``
    (``torch.func.hessian``, autograd fallback: :func:`landscape._lib.certify.exact_hessian`)."""
    from landscape._lib.certify import exact_hessian

    h = exact_hessian(loss_fn, torch.as_tensor(theta, dtype=torch.float64)).numpy()
    if not np.any(h):  # the zero matrix (a dead plateau): its decomposition is exact, and an eigh of 960^2 costs ~0.5 s
        return np.zeros(h.shape[0]), np.eye(h.shape[0])
    ev, vec = np.linalg.eigh(h)
    return ev, vec


def hessian_spectrum(loss_fn: LossFn, theta: torch.Tensor) -> np.ndarray:
    """The eigenvalues (ascending, float64) of the exact Hessian of ``loss_fn`` at ``theta``."""
    return hessian_eigh(loss_fn, theta)[0]


def spectral_density(eigs: Sequence[float], grid: Sequence[float], sigma: float | Sequence[float]) -> np.ndarray:
    """The Gaussian-broadened eigenvalue density on ``grid``: ``(1/n) sum_i N(g; lambda_i, sigma_i^2)``.

    As PyHessian's ``density_generate`` (each eigenvalue a Gaussian of width ``sigma``; its
    weights are the SLQ weights, here ``1/n`` each).  ``sigma``: one width or one per
    eigenvalue (> 0).  The density integrates to 1 over the real line.
    """
    lam = np.asarray(eigs, dtype=np.float64).reshape(-1)
    g = np.asarray(grid, dtype=np.float64).reshape(-1)
    s = np.broadcast_to(np.asarray(sigma, dtype=np.float64), lam.shape)
    if lam.size == 0:
        return np.zeros_like(g)
    if np.any(~(s > 0)):
        raise ValueError("sigma must be > 0")
    z = (g[:, None] - lam[None, :]) / s[None, :]
    return np.sum(np.exp(-0.5 * z**2) / (s[None, :] * math.sqrt(2 * math.pi)), axis=1) / lam.size


def symlog(v: np.ndarray | float, c: float) -> np.ndarray:
    """The coordinate of matplotlib's symmetric log axis (base 10, ``linthresh`` ``c``, ``linscale`` 1), in
    units of ``c``: ``v / c * s`` for ``|v| <= c``, ``sign(v) (s + log10(|v| / c))`` beyond, ``s = 1 / (1 - 1/10)``
    -- the axis the spectrum is drawn on, so a density broadened in it has the same width everywhere."""
    v = np.asarray(v, dtype=np.float64)
    s = 1.0 / (1.0 - 0.1)
    a = np.abs(v)
    with np.errstate(divide="ignore"):
        out = np.sign(v) * (s + np.log10(np.where(a > c, a, c) / c))
    return np.where(a <= c, v / c * s, out)


def symlog_inverse(u: np.ndarray | float, c: float) -> np.ndarray:
    """The inverse of :func:`symlog`."""
    u = np.asarray(u, dtype=np.float64)
    s = 1.0 / (1.0 - 0.1)
    a = np.abs(u)
    return np.where(a <= s, u / s * c, np.sign(u) * c * 10.0 ** (a - s))


def _sig(x: float, digits: int = DIGITS) -> float | None:
    """``x`` rounded to ``digits`` significant digits; None when not finite (null in the JSON)."""
    x = float(x)
    if not math.isfinite(x):
        return None
    return float(f"{x:.{digits}g}")


def _sigs(v) -> list:
    return [_sig(x) for x in np.asarray(v, dtype=np.float64).reshape(-1)]


# ---------------------------------------------------------------------------------------
# Points and records
# ---------------------------------------------------------------------------------------

@dataclass
class Point:
    """A point of a loss landscape to draw: the loss, the point, the layer shapes (for filter
    normalisation), what is known (the lowest loss, a witness of it, a known flat direction)."""

    id: str
    source: str
    kind: str
    loss_fn: LossFn
    theta: torch.Tensor
    shapes: list[tuple[int, ...]]
    bias: bool = False
    what: str = ""
    loss_text: str = "loss (sum of squared errors)"
    global_min_loss: float | None = None
    global_min_label: str = "global minimum loss"
    witness: torch.Tensor | None = None
    witness_label: str = "the lower-loss witness"
    direction: torch.Tensor | None = None
    direction_label: str = ""
    certificate: str | None = None
    notes: list[str] = field(default_factory=list)

    def weights(self) -> list[np.ndarray]:
        out, i = [], 0
        v = self.theta.detach().numpy()
        for s in self.shapes:
            n = int(np.prod(s))
            out.append(v[i:i + n].reshape(s))
            i += n
        return out


def _kind_text(p: Point) -> str:
    kind = {"bad_local_min": "bad local minimum", "stationary": "stationary point",
            "saturated_drift": "saturated drift (not a finite stationary point)",
            "counterexample": "counterexample"}.get(p.kind, p.kind)
    return f"{kind}, {p.certificate}" if p.certificate else kind


def point_of_fixture(fx) -> Point:
    """A library fixture (:class:`landscape._lib.fixtures.Fixture`) as a :class:`Point`.

    Lowest loss: the fact ``global_inf`` (the global minimum / infimum), else
    ``lower_loss_witness`` (the lowest loss known); a witness from ``witness_weights``; a
    saturated drift's direction from the saturated units of its ``saturation`` fact.
    """
    facts = fx.facts or {}
    theta = fx.flat().detach().clone()
    spec = fx.spec
    g, g_label = None, "global minimum loss"
    if facts.get("global_inf") is not None:
        g, g_label = float(facts["global_inf"]), "global minimum loss (the infimum)"
    elif facts.get("lower_loss_witness") is not None:
        g, g_label = float(facts["lower_loss_witness"]), "lowest loss known (a witness)"
    witness = None
    if facts.get("witness_weights") is not None:
        witness = torch.as_tensor(flatten([np.asarray(w, dtype=np.float64) for w in facts["witness_weights"]]))
        if witness.numel() != theta.numel():
            witness = None
    direction, dlabel = None, ""
    sat = facts.get("saturation") or {}
    if fx.kind == "saturated_drift" and sat.get("units"):
        ws = [np.zeros(s) for s in spec.shapes()]
        for u in sat["units"]:
            ws[int(u["layer"])][int(u["unit"]), :] = fx.weights[int(u["layer"])][int(u["unit"]), :]
        direction = torch.as_tensor(flatten(ws))
        dlabel = "the saturated units' incoming weights scaled (alpha > 0: the drift)"
    cert = facts.get("certificate") or ("saddle" if facts.get("saddle") else None)
    arch = "-".join(str(v) for v in (spec.d0, *spec.widths, spec.d_out))
    what = f"{spec.activation} {arch} net{' with bias' if spec.bias else ''}, N = {fx.n_samples}"
    return Point(fx.id, fx.source, fx.kind, fx.loss_fn(), theta, [tuple(s) for s in spec.shapes()], spec.bias,
                 what, "loss (sum of squared errors)" if fx.loss == "squared" else f"loss ({fx.loss})", g, g_label,
                 witness, "the lower-loss witness", direction, dlabel, cert)


def _unit(v: np.ndarray) -> np.ndarray | None:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 and math.isfinite(n) else None


def _radius(loss_fn: LossFn, theta: torch.Tensor, dirs: list[np.ndarray], cap: float) -> float:
    """The largest ``R = 2^-k`` (k <= MAX_HALVINGS) with the loss on every ``[-R, R]`` slice at most ``cap``."""
    r = 1.0
    alphas = np.linspace(-1.0, 1.0, POINTS_1D)
    for _ in range(MAX_HALVINGS):
        worst = max(float(np.nanmax(np.where(np.isfinite(v := slice_1d(loss_fn, theta, d, r * alphas)), v, np.inf)))
                    for d in dirs)
        if worst <= cap:
            break
        r /= 2
    return r


def _spectrum_spec(p: Point, ev: np.ndarray) -> tuple[dict, dict]:
    """The ``spectrum`` figure of the Hessian eigenvalues ``ev`` and their summary."""
    n = ev.size
    top = float(np.max(np.abs(ev))) if n else 0.0
    nz, band_hi = tolerance.ZERO * top, tolerance.ZERO * tolerance.BAND * top
    counts = {"negative": int(np.sum(ev < -band_hi)), "undecided": int(np.sum((np.abs(ev) > nz) & (np.abs(ev) < band_hi))),
              "zero": int(np.sum(np.abs(ev) <= nz)), "positive": int(np.sum(ev >= band_hi))}
    summary = {"n": n, "lambda_min": _sig(ev[0]) if n else None, "lambda_max": _sig(ev[-1]) if n else None,
               "lambda_abs_max": _sig(top), "counts": counts, "exact": True}
    title = f"Hessian spectrum at {p.id} ({n} eigenvalues"
    spec: dict[str, Any] = {"kind": "spectrum", "ylabel": "density of eigenvalues (integrates to 1 on the axis drawn)"}
    if top <= tolerance.ABS_FLOOR:
        grid = np.linspace(-1.0, 1.0, POINTS_DENSITY)
        dens = spectral_density(ev, grid, 0.03)
        spec |= {"title": title + "): the zero matrix -- every eigenvalue is exactly 0, the loss is flat to second order",
                 "xlabel": "eigenvalue lambda of the Hessian (Gaussian broadening 0.03)",
                 "density": {"x": _sigs(grid), "y": _sigs(dens)}}
    elif np.min(np.abs(ev)) < 1e-3 * top:  # eigenvalues spanning decades: symmetric log axis, bands of the policy
        c = SYMLOG_LINEAR * top
        u = symlog(ev, c)
        u_band = float(symlog(band_hi, c))
        lo, hi = min(float(u.min()), -u_band) - 0.8, max(float(u.max()), u_band) + 0.8
        ug = np.linspace(lo, hi, POINTS_DENSITY)
        dens = spectral_density(u, ug, SIGMA_SYMLOG)
        spec |= {"title": (title + f", lambda_min = {ev[0]:.3g}, max |lambda| = {top:.3g}; {counts['negative']} negative, "
                           f"{counts['zero']} zero, {counts['undecided']} undecided, {counts['positive']} positive "
                           "by the tolerance policy)"),
                 "xlabel": (f"eigenvalue lambda of the Hessian (symmetric log scale, linear within +-{c:.1g}; "
                            f"Gaussian broadening {SIGMA_SYMLOG:g} decade)"),
                 "symlog": _sig(c), "density": {"x": _sigs(symlog_inverse(ug, c)), "y": _sigs(dens)},
                 "band": [{"lo": _sig(nz), "hi": _sig(band_hi), "symmetric": True,
                           "label": "undecided band: 1e-10 < |lambda| / max|lambda| < 1e-7"},
                          {"lo": _sig(-nz), "hi": _sig(nz), "label": "numerically zero: |lambda| <= 1e-10 max|lambda|"}]}
    else:
        span = max(float(ev[-1] - ev[0]), 1e-3 * top)
        grid = np.linspace(float(ev[0]) - 0.1 * span, float(ev[-1]) + 0.1 * span, POINTS_DENSITY)
        dens = spectral_density(ev, grid, SIGMA_LINEAR * span)
        spec |= {"title": (title + f", all clearly non-zero: lambda_min = {ev[0]:.3g}, max |lambda| = {top:.3g}; "
                           f"{counts['negative']} negative, {counts['positive']} positive)"),
                 "xlabel": f"eigenvalue lambda of the Hessian (linear scale; broadened by {SIGMA_LINEAR:g} of the range)",
                 "density": {"x": _sigs(grid), "y": _sigs(dens)}}
    if n <= MAX_LISTED_EIGENVALUES:
        spec["eigenvalues"] = _sigs(ev)
    return spec, summary


def point_record(p: Point, seed: int = 0) -> dict:
    """The landscape record of ``p``: slices, spectrum, figure specs (see the module docstring).

    Direction ``d1`` (the first that applies): towards the witness of lower loss (``p.witness``,
    e.g. the witness weights of a strict bad minimum); the direction the point carries
    (``p.direction``, e.g. a saturated drift's growth); the Hessian's eigenvector of its smallest
    eigenvalue -- an *escape* direction when that eigenvalue is clearly negative (a saddle), a
    *flat* direction when it is zero by the tolerance policy (the plateau of a non-strict minimum),
    the *flattest* direction of a strict one otherwise; and, when the Hessian is the zero matrix
    (no second-order information), a second filter-normalised random direction.  ``d2``: the
    filter-normalised random direction of ``seed`` (:func:`filter_normalised_direction`, biases
    zeroed as in Li et al.).  The label of each series says which rule applied.
    """
    t0 = time.perf_counter()
    theta = torch.as_tensor(p.theta, dtype=torch.float64).detach().reshape(-1)
    n = theta.numel()
    if n > MAX_PARAMS:
        raise ValueError(f"{p.id}: {n} weights; the exact Hessian is computed up to {MAX_PARAMS}")
    with torch.no_grad():
        l0 = float(p.loss_fn(theta))
    rho = float(theta.norm()) or 1.0
    ev, vec = hessian_eigh(p.loss_fn, theta)
    top = float(np.max(np.abs(ev))) if ev.size else 0.0
    d2 = flatten(filter_normalised_direction(p.weights(), seed, bias=p.bias))
    if not np.any(d2):  # every layer zero and biases only: fall back to a plain Gaussian
        d2 = np.random.default_rng(seed).standard_normal(n)
    d2 = d2 / np.linalg.norm(d2) * rho
    alpha_w = None
    if p.witness is not None and (u := _unit((p.witness.detach().numpy() - theta.numpy()))) is not None:
        d1 = u * rho
        alpha_w = float(np.linalg.norm(p.witness.detach().numpy() - theta.numpy())) / rho
        lab1 = f"d1: towards {p.witness_label} (at alpha = {alpha_w:.3g})"
        how = "witness"
    elif p.direction is not None and (u := _unit(np.asarray(p.direction, dtype=np.float64))) is not None:
        d1, lab1, how = u * rho, f"d1: {p.direction_label}", "given"
    elif top > tolerance.ABS_FLOOR:
        lam = float(ev[0]) / top
        d1 = vec[:, 0] * rho
        dec = tolerance.classify(abs(lam))
        if lam < 0 and dec.outcome == "nonzero":
            lab1, how = f"d1: escape direction, Hessian eigenvector of lambda_min = {ev[0]:.3g} < 0", "escape"
        elif dec.outcome == "zero":
            lab1, how = f"d1: flat direction, Hessian null vector (lambda_min = {ev[0]:.2g})", "flat"
        elif lam > 0 and dec.outcome == "nonzero":
            lab1, how = f"d1: flattest direction, Hessian eigenvector of lambda_min = {ev[0]:.3g} > 0", "flattest"
        else:
            lab1, how = f"d1: Hessian eigenvector of lambda_min = {ev[0]:.2g} (undecided by the policy)", "undecided"
    else:
        d1 = flatten(filter_normalised_direction(p.weights(), seed + 1, bias=p.bias))
        d1 = d1 / (np.linalg.norm(d1) or 1.0) * rho
        lab1, how = f"d1: filter-normalised random direction (seed {seed + 1}; the Hessian is 0)", "random"
    lab2 = f"d2: filter-normalised random direction (seed {seed})"
    g = p.global_min_loss
    gap = l0 - g if g is not None else 0.0
    depth = gap if tolerance.classify(gap / max(abs(l0), tolerance.ABS_FLOOR)).outcome == "nonzero" else abs(l0)
    cap = l0 + BASIN_CAP * max(depth, 1e-3)
    r2 = _radius(p.loss_fn, theta, [d2] if how == "witness" else [d1, d2], cap)
    if alpha_w is not None:  # the segment to the witness, with a margin on both sides
        a1 = np.linspace(-max(r2, (WITNESS_REACH - 1) * alpha_w), max(r2, WITNESS_REACH * alpha_w), POINTS_1D)
    else:
        a1 = np.linspace(-r2, r2, POINTS_1D)
    r1 = float(np.max(np.abs(a1)))
    a2 = np.linspace(-r2, r2, POINTS_1D)
    s1 = slice_1d(p.loss_fn, theta, d1, a1)
    s2 = slice_1d(p.loss_fn, theta, d2, a2)
    # the plane: d2 made orthogonal to d1 (rescaled to rho); degenerate for one weight
    d2o = d2 - (d2 @ d1) / (d1 @ d1) * d1
    plane = _unit(d2o)
    hl = [{"y": _sig(l0), "label": "loss at the point"}]
    if g is not None:
        hl.insert(0, {"y": _sig(g), "label": p.global_min_label})
    scale = (f"||d|| = ||theta|| = {rho:.3g} (alpha = 1 moves the point by its own norm)" if float(theta.norm()) > 0
             else "||d|| = 1 (theta = 0)")
    vl = [{"x": _sig(alpha_w), "label": p.witness_label}] if alpha_w is not None else []
    xlab = f"alpha: the point theta + alpha d, {scale}"
    mark = [{"x": 0.0, "y": _sig(l0), "label": "the point theta"}]
    if r1 <= SAME_AXIS * r2:  # both lines on one axis
        figs = [{"kind": "slice", "title": f"Loss along two lines through {p.id} ({_kind_text(p)}; {p.what})",
                 "xlabel": xlab, "ylabel": p.loss_text,
                 "series": {lab1: {"x": _sigs(a1), "y": _sigs(s1)}, lab2: {"x": _sigs(a2), "y": _sigs(s2)}},
                 "hlines": hl, "vlines": vl, "points": mark}]
    else:  # the witness lies far beyond the random line's radius: one figure each, so neither is squeezed
        figs = [{"kind": "slice", "title": f"Loss along d1 through {p.id} ({_kind_text(p)}; {p.what})",
                 "xlabel": xlab, "ylabel": p.loss_text, "series": {lab1: {"x": _sigs(a1), "y": _sigs(s1)}},
                 "hlines": hl, "vlines": vl, "points": mark},
                {"kind": "slice", "title": f"Loss along a filter-normalised random line through {p.id} ({p.what})",
                 "xlabel": xlab, "ylabel": p.loss_text, "series": {lab2: {"x": _sigs(a2), "y": _sigs(s2)}},
                 "hlines": hl, "points": mark}]
    rec: dict[str, Any] = {}
    if plane is not None:
        d2p = plane * rho
        b = np.linspace(-r2, r2, POINTS_2D)
        a = np.linspace(float(a1[0]), float(a1[-1]), POINTS_2D)
        z = slice_2d(p.loss_fn, theta, d1, d2p, a, b)
        fin = z[np.isfinite(z)]
        pos = fin[fin > 0]
        logz = bool(fin.size and pos.size == fin.size and float(pos.max()) > 100 * float(pos.min()))
        pts = [{"x": 0.0, "y": 0.0, "label": f"the point theta (loss {l0:.4g})"}]
        if alpha_w is not None:
            with torch.no_grad():
                lw = float(p.loss_fn(p.witness.to(torch.float64)))
            pts.append({"x": _sig(alpha_w), "y": 0.0, "label": f"{p.witness_label} (loss {lw:.3g})"})
        fig2 = {"kind": "contour", "title": f"Loss on the plane of d1 and d2 through {p.id} ({p.what})",
                "xlabel": f"alpha along d1 ({lab1[4:]})", "ylabel": "beta along d2 (made orthogonal to d1)",
                "zlabel": p.loss_text + (" (log colour scale)" if logz else ""), "logz": logz,
                "x": _sigs(a), "y": _sigs(b), "z": [_sigs(row) for row in z], "points": pts}
        if logz and g is not None and g >= 0:  # colours from just below the lowest loss known: not from round-off
            zmin = max(float(pos.min()), 1e-6 * float(pos.max()), g * 0.5 if g > 0 else 0.0)
            fig2["zmin"] = _sig(zmin)
        figs.append(fig2)
    else:
        rec["plane"] = "one weight: no second direction orthogonal to d1"
    fig3, hess = _spectrum_spec(p, ev)
    figs.append(fig3)
    return {"fixture": p.id, "source": p.source, "kind": p.kind, "what": p.what, "certificate": p.certificate,
            "loss": _sig(l0), "global_min_loss": None if g is None else _sig(g), "global_min_label": p.global_min_label,
            "seed": int(seed), "n_params": int(n), "norm_theta": _sig(float(theta.norm())),
            "directions": {"d1": lab1[4:], "d1_rule": how, "d2": lab2[4:]},
            "radius": {"d1": [_sig(a1[0]), _sig(a1[-1])], "d2": _sig(r2),
                       "rule": (f"R = 1 (Li et al.), halved while the slice's loss exceeds {cap:.4g}" + (
                           f"; d1 over [-{WITNESS_REACH - 1:g}, {WITNESS_REACH:g}] x the witness's distance"
                           if alpha_w is not None else ""))},
            "hessian": hess, **rec, "notes": list(p.notes), "seconds": round(time.perf_counter() - t0, 3),
            "figures": figs}


def landscape_record(fixture, seed: int = 0) -> dict:
    """The landscape record of one library fixture (:func:`point_of_fixture`, :func:`point_record`)."""
    return point_record(point_of_fixture(fixture), seed)


# ---------------------------------------------------------------------------------------
# Which points
# ---------------------------------------------------------------------------------------

#: The fixture kinds drawn.
KINDS = ("bad_local_min", "stationary", "saturated_drift", "counterexample")


def source_claim(source: str) -> str:
    """The claim id a fixture's ``source`` names (its first word: ``"jiang.lemma1 (split construction)"``)."""
    return str(source).split(" ")[0]


def select_fixtures(fixtures: Sequence) -> list:
    """One fixture per (source, activation, kind, depth), the first in library order, of the kinds :data:`KINDS`:
    the 12 Prop. 1 points become one per activation, Theorem 1's under-parameterised minima one per activation."""
    seen, out = set(), []
    for fx in fixtures:
        if fx.kind not in KINDS:
            continue
        key = (fx.source, fx.spec.activation, fx.kind, fx.spec.depth)
        if key in seen:
            continue
        seen.add(key)
        out.append(fx)
    return out


#: Jiang's dead-on-data construction (m, half-width, T, seed): ``landscape.claims.jiang.points.CONSTRUCTIONS[0]``,
#: the point the stored counterexamples of jiang.lemma1 and jiang.thm2.stationary_start name (a test keeps them equal).
JIANG_DEAD_ON_DATA = (320, 0.005, 3, 2)
#: The claims whose counterexample that construction is.
JIANG_DEAD_ON_DATA_CLAIMS = ("jiang.lemma1", "jiang.thm2.stationary_start")
#: The claim whose statistics carry the essay's one-neuron ReLU witness (x = 1, a = 1, y = 1).
ESSAY_PLATEAU_CLAIM = "golikov.du2019.hessian_psd"


def jiang_dead_on_data_point() -> Point:
    """Jiang's Lemma 1 / Theorem 2 counterexample: a ReLU network dead at the data, alive elsewhere
    (:func:`landscape._lib.stationary.dead_on_data_point`), with an explicit interpolant
    (:func:`landscape._lib.stationary.interpolant_witness`) giving the lowest loss known (its weights lie too far
    away for a slice towards them to show the plateau)."""
    from landscape._lib.networks.cube import JiangNet
    from landscape._lib.stationary import dead_on_data_point, interpolant_witness

    m, h, t, s = JIANG_DEAD_ON_DATA
    pt = dead_on_data_point(m, h, t, s)
    net = JiangNet(1, m, "relu")
    _, lw = interpolant_witness(net, pt.x, pt.y, pt.w)
    lossf = net.squared_loss(pt.x, pt.y)
    return Point(pt.id, JIANG_DEAD_ON_DATA_CLAIMS[0], "stationary", lossf, pt.w.detach().clone(),
                 [tuple(x) for x in pt.spec.shapes()], True, f"relu 1-{m}-1 net with bias, T = {t} points in [0,1]",
                 "loss Q (sum of squared errors)", float(min(lw, pt.lower if pt.lower is not None else lw)),
                 "lowest loss known (an interpolant)", None, certificate="dead on the data",
                 notes=["every unit is off at the data (gradient exactly 0), on elsewhere in the cube: the loss is "
                        "constant on a neighbourhood, a plateau; the Hessian is the zero matrix, so both lines are "
                        "filter-normalised random directions. The interpolant of zero loss lies ~1100 away (its "
                        f"output weights solve a triangular system on data {2 * h:g} apart): not drawn"])


def essay_plateau_point() -> Point:
    """The essay's one-neuron ReLU net (Golikov, eq. (9)-(10) with m = 1): ``L(w, a) = 1/2 (a relu(w x) - y)^2``
    at x = 1, y = 1, from w = -1, a = 1 -- a dead unit, the plateau ``w <= 0`` of loss 1/2 -- with the
    global minimum w = 1 (loss 0) as the witness.  The essay fixes a = 1; here a is a weight too, so the
    2-D slice shows the plateau is flat in a as well."""
    from landscape._lib import activations

    relu = activations.get("relu").torch

    def loss(v: torch.Tensor) -> torch.Tensor:
        return 0.5 * (v[1] * relu(v[0] * 1.0) - 1.0) ** 2

    return Point("golikov.essay.dead_relu[x=1,y=1,w=-1,a=1]", ESSAY_PLATEAU_CLAIM, "bad_local_min", loss,
                 torch.tensor([-1.0, 1.0], dtype=torch.float64), [(1, 1), (1, 1)], False,
                 "one ReLU unit, eq. (10) with m = 1, x = 1, y = 1", "loss 1/2 (a relu(w x) - y)^2 (eq. 10)",
                 0.0, "global minimum loss (w = 1, a = 1)", torch.tensor([1.0, 1.0], dtype=torch.float64),
                 "the global minimum w = 1, a = 1", certificate="non-strict (dead unit)",
                 notes=["w <= 0: the unit is dead at x = 1, the loss is 1/2 whatever w and a: a plateau of non-strict "
                        "bad local minima (the essay's Jensen witness L(-1) = L(0) = 1/2 > L(1) = 0)"])


def extra_points(claims: set[str] | None = None) -> list[tuple[Point, tuple[str, ...]]]:
    """The points drawn that are not library fixtures (registering them would feed other claims), each with
    the claims it belongs to; only those of ``claims`` (None: all)."""
    out: list[tuple[Point, tuple[str, ...]]] = []
    want = (lambda c: True) if claims is None else (lambda c: c in claims)
    dead = tuple(c for c in JIANG_DEAD_ON_DATA_CLAIMS if want(c))
    if dead:
        out.append((jiang_dead_on_data_point(), dead))
    if want(ESSAY_PLATEAU_CLAIM):
        out.append((essay_plateau_point(), (ESSAY_PLATEAU_CLAIM,)))
    return out


def records(fixtures: Sequence, claims: set[str] | None = None, seed: int = 0) -> list[dict]:
    """The landscape records of the selected ``fixtures`` (:func:`select_fixtures`) and of :func:`extra_points`,
    restricted to points whose source claim is in ``claims`` (None: all).  A point whose record fails
    becomes ``{"fixture", "source", "kind", "error"}`` -- never a lost report."""
    out = []

    def one(build: Callable[[], dict], ident: str, source: str, kind: str) -> list[dict]:
        try:
            return [build()]
        except Exception as e:  # noqa: BLE001 - a broken record must not lose the others
            return [{"fixture": ident, "source": source, "kind": kind, "error": f"{e.__class__.__name__}: {e}"}]

    for fx in select_fixtures(fixtures):
        if claims is None or source_claim(fx.source) in claims:
            out += one(lambda fx=fx: landscape_record(fx, seed), fx.id, fx.source, fx.kind)
    try:
        extras = extra_points(claims)
    except Exception as e:  # noqa: BLE001
        return out + [{"fixture": "extra points", "source": "", "kind": "", "error": f"{e.__class__.__name__}: {e}"}]
    for p, sources in extras:
        recs = one(lambda p=p: point_record(p, seed), p.id, sources[0], p.kind)
        for s in sources:
            out += [r | {"source": s} for r in recs]
    return out
