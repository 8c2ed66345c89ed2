"""The gradient identity eq. (9), ``grad_w Q = H(w) grad_theta Q`` (Jiang, ``000_aea297099283b0eb.txt``
section 3.2): both sides at finite N with the discrepancy and its predicted residual, and the
analytic N -> infinity limit.  The conventions (plain derivative, no conjugate) are in the
package docstring of :mod:`landscape._lib.disparity`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import torch

from landscape._lib import canonical, fourier
from landscape._lib.disparity.matrix import Disparity, disparity
from landscape._lib.disparity.network_jacobian import (
    Method,
    NetworkFn,
    Residual,
    check_params,
    check_points,
    check_targets,
    evaluate,
    jacobian,
    loss_callable,
    squared_loss,
    total_loss,
)
from landscape._lib.errors import LandscapeError


# -- eq. (9) ----------------------------------------------------------------------------------------------------------
def literal_gradient(f: NetworkFn, params: torch.Tensor | np.ndarray, x: torch.Tensor | np.ndarray,
                     y: torch.Tensor | np.ndarray, *, loss: Any = squared_loss) -> np.ndarray:
    """Left side of eq. (9): ``grad_w Q(f_w | D_T)``, ``Q = sum_t l(y_t, f_w(x_t))`` (eq. 3), by autograd."""
    p = check_params(params)
    t = check_points(x, None, "data x")
    yt = check_targets(y, t.shape[0])
    evaluate(f, p, t)
    fn = loss_callable(loss)
    w = p.clone().requires_grad_(True)
    q = total_loss(fn, yt, f(w, t))
    (g,) = torch.autograd.grad(q, w, allow_unused=True)
    if g is None:
        return np.zeros(p.numel())
    return g.detach().numpy().astype(np.float64)


def canonical_gradient(theta: np.ndarray, x: torch.Tensor | np.ndarray, y: torch.Tensor | np.ndarray,
                       n: Sequence[int], *, loss: Any = squared_loss,
                       yhat: np.ndarray | torch.Tensor | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``grad_theta Q`` (complex, ``(N,)``, plain derivative, no conjugate) and ``grad_c Q`` (real view).

    ``Q(theta) = sum_t l(y_t, F^-1(x_t | theta))`` (eq. 7 with the truncated series); the
    residual ``l'`` is taken at ``yhat`` if given (e.g. the network's own outputs) and at
    the series' values ``Re sum_k theta_k eta_k(x_t)`` otherwise.
    """
    n = fourier.check_n(n)
    N = len(canonical.box(n))
    theta = np.asarray(theta, dtype=np.complex128)
    if theta.shape != (N,) or not np.all(np.isfinite(theta)):
        raise LandscapeError(f"theta has shape {theta.shape}; expected finite ({N},) coefficients for box {n}")
    t = check_points(x, len(n), "data x")
    yt = check_targets(y, t.shape[0])
    xs = t.numpy()
    E = canonical.complex_features(xs, n)
    R = canonical.real_features(xs, n)
    if yhat is None:
        yh = torch.from_numpy(np.ascontiguousarray((E @ theta).real))
    else:
        yh = (yhat if torch.is_tensor(yhat) else torch.as_tensor(np.asarray(yhat, dtype=np.float64))).detach()
        yh = yh.to(torch.float64)
        if yh.shape != yt.shape:
            raise LandscapeError(f"yhat has shape {tuple(yh.shape)}; expected {tuple(yt.shape)}")
    yh = yh.clone().requires_grad_(True)
    q = total_loss(loss_callable(loss), yt, yh)
    (r,) = torch.autograd.grad(q, yh, allow_unused=True)
    r = np.zeros(yt.shape[0]) if r is None else r.detach().numpy()
    return E.T @ r, R.T @ r


@dataclass(frozen=True)
class Eq9:
    """Both sides of eq. (9) at one ``w`` and their discrepancy, with the truncation measured alongside.

    ``lhs`` = ``grad_w Q(f_w | D_T)`` (autograd); ``rhs`` = ``Re(H(w) grad_theta Q)``;
    ``rhs_real`` = ``H_real(w) grad_c Q`` (identical up to round-off: ``views``);
    ``imag`` = ``||Im(H grad_theta Q)||`` (round-off); ``discrepancy`` =
    ``||lhs - rhs|| / max(||lhs||, ||rhs||)`` (``discrepancy_abs`` unnormalised);
    ``truncation`` / ``truncation_max``: relative energy of ``df/dw`` outside the box (all
    rows / worst row); ``pointwise_truncation``: ``||J_D - S_N J_D||_F / ||J_D||_F`` with
    ``J_D`` the Jacobian at the data; ``value_truncation``: ``max_t |f_w - fhat_w|(x_t) /
    max_t |f_w(x_t)|``; ``loss_literal`` = ``Q(f_w|D_T)``, ``loss_canonical`` =
    ``Q(theta_eps|D_T)``; ``residual``: where ``l'`` is evaluated on the right side
    (``canonical``: at ``fhat_w(x_t)``, the paper; ``literal``: at ``f_w(x_t)``);
    ``residual_predicted``: ``sum_t [l'(y_t, f_t) J_t - l'(y_t, fhat_t) (S_N J)_t]`` from the
    pointwise truncation errors (module docstring); ``agreement``:
    :func:`eq9_agreement` of ``lhs - rhs_real`` and that prediction.
    """

    lhs: np.ndarray
    rhs: np.ndarray
    rhs_real: np.ndarray
    grad_theta: np.ndarray
    grad_c: np.ndarray
    residual: str
    discrepancy_abs: float
    discrepancy: float
    views: float
    imag: float
    truncation: float
    truncation_max: float
    pointwise_truncation: float
    value_truncation: float
    loss_literal: float
    loss_canonical: float
    disparity: Disparity
    residual_predicted: np.ndarray = field(default_factory=lambda: np.zeros(0))
    agreement: float = 0.0

    def summary(self) -> dict[str, Any]:
        """JSON-friendly scalars."""
        return {"residual": self.residual, "M": self.disparity.M, "N": self.disparity.N, "n": list(self.disparity.n),
                "G": self.disparity.G, "rule": self.disparity.rule, "discrepancy": self.discrepancy,
                "discrepancy_abs": self.discrepancy_abs, "views": self.views, "imag": self.imag,
                "truncation": self.truncation, "truncation_max": self.truncation_max,
                "pointwise_truncation": self.pointwise_truncation, "value_truncation": self.value_truncation,
                "loss_literal": self.loss_literal, "loss_canonical": self.loss_canonical,
                "lhs_norm": float(np.linalg.norm(self.lhs)), "rhs_norm": float(np.linalg.norm(self.rhs)),
                "residual_predicted_norm": float(np.linalg.norm(self.residual_predicted)),
                "agreement": self.agreement}


def eq9_agreement(lhs: np.ndarray, rhs: np.ndarray, predicted: np.ndarray) -> float:
    """``||(lhs - rhs) - predicted|| / max(||lhs||, ||rhs||, ||predicted||)``: how far the measured residual of
    eq. (9) is from the one predicted by the pointwise truncation errors (0 when all three vanish).

    Decided by the tolerance policy (``classify``): round-off for a correct implementation of
    eq. (9), whatever N and wherever the data (module docstring)."""
    lhs, rhs, predicted = (np.asarray(v, dtype=np.float64) for v in (lhs, rhs, predicted))
    if not (lhs.shape == rhs.shape == predicted.shape):
        raise LandscapeError(f"shapes {lhs.shape}, {rhs.shape}, {predicted.shape} differ; expected three (M,) vectors")
    den = max(float(np.linalg.norm(lhs)), float(np.linalg.norm(rhs)), float(np.linalg.norm(predicted)))
    return float(np.linalg.norm(lhs - rhs - predicted)) / den if den > 0 else 0.0


def eq9(f: NetworkFn, params: torch.Tensor | np.ndarray, x: torch.Tensor | np.ndarray,
        y: torch.Tensor | np.ndarray, n: Sequence[int], G: int, *, loss: Any = squared_loss,
        residual: Residual = "canonical", rule: fourier.Rule = "trapezoid", method: Method = "vmap",
        precomputed: Disparity | None = None) -> Eq9:
    """Evaluate both sides of eq. (9), ``grad_w Q = H(w) grad_theta Q``, on data ``D_T = (x, y)``.

    ``x``: ``(T, K)`` points of ``[0, 1]^K``; ``y``: ``(T,)``; ``loss``: ``l(y, yhat)``
    (per point, summed; a ``landscape._lib.losses.Loss`` is accepted).  ``precomputed`` reuses a
    :class:`Disparity` for the same ``f``, ``params``, ``n``, ``G``, ``rule``.
    """
    n = fourier.check_n(n)
    if residual not in ("canonical", "literal"):
        raise LandscapeError(f"residual={residual!r} is unknown; expected 'canonical' (the paper) or 'literal'")
    p = check_params(params)
    t = check_points(x, len(n), "data x")
    yt = check_targets(y, t.shape[0])
    if precomputed is None:
        D = disparity(f, p, n, G, rule=rule, method=method)
    else:
        D = precomputed
        if D.n != n or D.G != int(G) or D.rule != rule or D.M != p.numel():
            raise LandscapeError(f"precomputed disparity has n={D.n}, G={D.G}, rule={D.rule}, M={D.M}; "
                                 f"expected n={n}, G={G}, rule={rule}, M={p.numel()}")
    lhs = literal_gradient(f, p, t, yt, loss=loss)
    f_data = evaluate(f, p, t).numpy()
    xs = t.numpy()
    E = canonical.complex_features(xs, n)
    fhat = (E @ D.theta).real
    g, gc = canonical_gradient(D.theta, t, yt, n, loss=loss, yhat=f_data if residual == "literal" else None)
    hg = D.H @ g
    rhs = hg.real
    rhs_real = D.real @ gc
    diff = float(np.linalg.norm(lhs - rhs))
    den = max(float(np.linalg.norm(lhs)), float(np.linalg.norm(rhs)))
    jd = jacobian(f, p, t, method=method).numpy()
    partial = (D.H @ E.T).real
    jn = float(np.linalg.norm(jd))
    fn = loss_callable(loss)
    with torch.no_grad():
        q_lit = float(total_loss(fn, yt, torch.from_numpy(f_data)))
        q_can = float(total_loss(fn, yt, torch.from_numpy(np.ascontiguousarray(fhat))))
    fmax = float(np.max(np.abs(f_data)))
    # the residual predicted by the pointwise truncation errors (module docstring): l' at f_t and at fhat_t (or f_t)
    def lprime(at: np.ndarray) -> np.ndarray:
        yh = torch.from_numpy(np.ascontiguousarray(at)).clone().requires_grad_(True)
        (r_,) = torch.autograd.grad(total_loss(fn, yt, yh), yh, allow_unused=True)
        return np.zeros(yt.shape[0]) if r_ is None else r_.detach().numpy()

    r_lit = lprime(f_data)
    r_hat = r_lit if residual == "literal" else lprime(fhat)
    predicted = jd @ r_lit - partial @ r_hat
    return Eq9(
        lhs=lhs, rhs=rhs, rhs_real=rhs_real, grad_theta=g, grad_c=gc, residual=residual,
        discrepancy_abs=diff, discrepancy=diff / den if den > 0 else 0.0,
        views=float(np.linalg.norm(rhs - rhs_real)), imag=float(np.linalg.norm(hg.imag)),
        truncation=D.truncation, truncation_max=float(np.max(D.row_truncation)),
        pointwise_truncation=float(np.linalg.norm(jd - partial)) / jn if jn > 0 else 0.0,
        value_truncation=float(np.max(np.abs(f_data - fhat))) / fmax if fmax > 0 else 0.0,
        loss_literal=q_lit, loss_canonical=q_can, disparity=D,
        residual_predicted=predicted, agreement=eq9_agreement(lhs, rhs_real, predicted),
    )


# -- the N -> infinity limit of the right side of eq. (9) -----------------------------------------------------------
@dataclass(frozen=True)
class Eq9Limit:
    """Both sides of eq. (9) in the limit N -> infinity (square boxes), computed analytically.

    For a network continuous on the closed cube with piecewise smooth derivatives (every
    smooth activation), the square partial sums of the Fourier series of ``g`` (``f`` or
    ``df/dw_m``) converge at an interior point to ``g(x)`` and at a point with ``j``
    coordinates on a face (``x_i in {0, 1}``) to the average of ``g`` over the ``2^j``
    points obtained by setting each of those coordinates to 0 and to 1 (the periodic
    extension jumps across the face; each side contributes half per axis).  Hence

        lim_N H_N(w) grad_theta Q_N = sum_t l'(y_t, fbar(x_t)) gbar(x_t)        (canonical residual)

    with ``fbar``, ``gbar`` those averages (``l'`` at ``f(x_t)`` for the literal residual).
    ``lhs`` = ``grad_w Q(f_w | D_T)``; ``discrepancy`` = ``||lhs - rhs|| / max(||lhs||,
    ||rhs||)`` -- 0 up to round-off when no data point is on a face; ``on_faces``: ``(T,)``;
    ``f_values`` / ``f_limits``: ``f(x_t)`` and ``fbar(x_t)``.
    """

    lhs: np.ndarray
    rhs: np.ndarray
    discrepancy: float
    on_faces: np.ndarray
    f_values: np.ndarray
    f_limits: np.ndarray

    def summary(self) -> dict[str, Any]:
        return {"limit_discrepancy": self.discrepancy, "points_on_faces": int(np.sum(self.on_faces)),
                "max_face_jump": float(np.max(np.abs(self.f_values - self.f_limits))) if self.f_values.size else 0.0}


def _reflections(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All points obtained from the rows of ``x`` by setting each face coordinate to 0 and 1; owner index."""
    pts, owner = [], []
    for t, p in enumerate(x):
        face = [j for j, v in enumerate(p) if v == 0.0 or v == 1.0]
        for bits in range(2 ** len(face)):
            q = p.copy()
            for i, j in enumerate(face):
                q[j] = float((bits >> i) & 1)
            pts.append(q)
            owner.append(t)
    return np.array(pts), np.array(owner)


def eq9_limit(f: NetworkFn, params: torch.Tensor | np.ndarray, x: torch.Tensor | np.ndarray,
              y: torch.Tensor | np.ndarray, *, loss: Any = squared_loss,
              residual: Residual = "canonical", method: Method = "vmap") -> Eq9Limit:
    """The analytic N -> infinity limit of eq. (9) at data ``(x, y)`` (see :class:`Eq9Limit`)."""
    if residual not in ("canonical", "literal"):
        raise LandscapeError(f"residual={residual!r} is unknown; expected 'canonical' (the paper) or 'literal'")
    p = check_params(params)
    t = check_points(x, None, "data x")
    yt = check_targets(y, t.shape[0])
    xs = t.numpy()
    pts, owner = _reflections(xs)
    T = xs.shape[0]
    counts = np.bincount(owner, minlength=T).astype(np.float64)
    vals = evaluate(f, p, torch.from_numpy(pts)).numpy()
    jac = jacobian(f, p, torch.from_numpy(pts), method=method).numpy()  # (M, P)
    fbar = np.bincount(owner, weights=vals, minlength=T) / counts
    gbar = np.stack([np.bincount(owner, weights=row, minlength=T) for row in jac]) / counts  # (M, T)
    f_data = evaluate(f, p, t).numpy()
    lhs = literal_gradient(f, p, t, yt, loss=loss)
    at = f_data if residual == "literal" else fbar
    yh = torch.from_numpy(np.ascontiguousarray(at)).clone().requires_grad_(True)
    q = total_loss(loss_callable(loss), yt, yh)
    (r,) = torch.autograd.grad(q, yh, allow_unused=True)
    r = np.zeros(T) if r is None else r.detach().numpy()
    rhs = gbar @ r
    den = max(float(np.linalg.norm(lhs)), float(np.linalg.norm(rhs)))
    disc = float(np.linalg.norm(lhs - rhs)) / den if den > 0 else 0.0
    return Eq9Limit(lhs, rhs, disc, counts > 1, f_data, fbar)
