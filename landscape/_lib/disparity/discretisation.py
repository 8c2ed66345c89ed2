"""The discretisation error of H(w), measured (grid ``G`` against ``2G``), and rank decisions that respect
it (Weyl's inequality) -- Jiang, ``000_aea297099283b0eb.txt`` section 3.2-3.3; the FFT error itself
is documented in :mod:`landscape._lib.fourier`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch

from landscape._lib import fourier, tolerance
from landscape._lib.disparity.matrix import Disparity
from landscape._lib.disparity.network_jacobian import (
    Method,
    NetworkFn,
    check_params,
    evaluate,
    jacobian_points_first,
)
from landscape._lib.errors import LandscapeError


# -- the discretisation error of H(w), measured, and rank decisions that respect it --------------------------------
@dataclass(frozen=True)
class DiscretisationError:
    """Measured FFT error of H(w) on grid ``G`` (the Jacobian on ``2G``, the ``G`` nodes a sub-grid of it).

    ``difference`` = ``||H_G - H_2G||_2`` (spectral norm of the real views), ``max_entry`` =
    ``max |H_G - H_2G|`` (complex entries); ``spectral`` = ``2 * difference`` estimates
    ``||H_G - H_exact||_2``: if the error behaves like ``C G^-p`` then ``err(G) = d / (1 -
    2^-p) <= 2 d`` for every order ``p >= 1`` (observed: ``p = 1`` for ReLU networks, whose
    ``df/dw`` jump inside the cube, ``p = 2`` for smooth networks, see
    :mod:`landscape._lib.fourier`), so the factor 2 is the conservative choice.  ``scale`` =
    ``||H_2G||_2``.  Exact paths (:func:`relu_two_layer_exact`) report ``G = 0`` and 0.
    """

    G: int
    difference: float
    max_entry: float
    scale: float

    @property
    def spectral(self) -> float:
        """Estimated spectral-norm error of the real view of H on grid ``G`` (absolute)."""
        return 2.0 * self.difference

    @property
    def relative(self) -> float:
        """``spectral / scale`` (0 for the zero matrix)."""
        return self.spectral / self.scale if self.scale > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"G": self.G, "fine_G": 2 * self.G, "difference": self.difference, "max_entry": self.max_entry,
                "spectral_error": self.spectral, "relative_spectral_error": self.relative, "scale": self.scale}


EXACT = DiscretisationError(0, 0.0, 0.0, 0.0)


def disparity_with_error(f: NetworkFn, params: torch.Tensor | np.ndarray, n: Sequence[int], G: int, *,
                         rule: fourier.Rule = "trapezoid",
                         method: Method = "vmap") -> tuple[Disparity, DiscretisationError]:
    """H(w) on grid ``G`` (exactly what :func:`disparity` returns) and its measured discretisation error.

    One Jacobian on the grid ``2G``; the ``G`` grid is its every-second node, so the
    ``G`` result costs no extra network evaluation (``2^K`` times the points of
    :func:`disparity`).
    """
    n = fourier.check_n(n)
    fourier.check_rule(rule)
    fourier.check_grid(G, n)
    p = check_params(params)
    k_dim = len(n)
    x = torch.from_numpy(fourier.grid(k_dim, 2 * int(G), rule=rule))
    t0 = time.perf_counter()
    jac = jacobian_points_first(f, p, x, method)  # (P_fine, M)
    values = evaluate(f, p, x)
    t1 = time.perf_counter()
    jac_c = fourier.subsample(jac.T, k_dim, 2).T.contiguous()
    val_c = fourier.subsample(values, k_dim, 2)
    rows = fourier.transform(jac_c, n, rule=rule, axis=0)
    own = fourier.transform(val_c, n, rule=rule)
    fine = fourier.transform(jac, n, rule=rule, axis=0)
    t2 = time.perf_counter()
    D = Disparity(rows.theta, n, rows.G, rule, rows.outside, rows.total, own.theta, float(own.outside),
                  float(own.total), {"jacobian": t1 - t0, "fft": t2 - t1})
    real_c, real_f = D.real, fourier.to_real(fine.theta, n)
    diff = float(np.linalg.norm(real_c - real_f, 2)) if real_c.size else 0.0
    err = DiscretisationError(int(G), diff, float(np.max(np.abs(rows.theta - fine.theta))) if real_c.size else 0.0,
                              float(np.linalg.norm(real_f, 2)) if real_f.size else 0.0)
    return D, err


@dataclass(frozen=True)
class RankWithError:
    """A rank decision on a matrix known only up to an error ``error`` in spectral norm (Weyl).

    ``rank`` is the float64 decision (:func:`landscape._lib.tolerance.rank`) on the computed matrix;
    by Weyl's inequality every singular value of the exact matrix lies within ``error`` of
    the computed one, so the exact normalised ``s_target / s_1`` lies in ``[lo, hi]`` with
    ``lo = (s_t - e) / (s_1 + e)`` and ``hi = (s_t + e) / (s_1 - e)``.  ``lower`` /
    ``upper`` are the policy's decisions on ``lo`` / ``hi``.  ``full`` is True only when the
    float64 decision is "full" *and* ``lo`` is clearly non-zero; False only when the float64
    decision is "deficient" *and* ``hi`` is still zero; otherwise None: the error could
    change the decision (inconclusive).
    """

    rank: tolerance.RankDecision
    error: float
    lower: tolerance.Decision
    upper: tolerance.Decision

    @property
    def full(self) -> bool | None:
        if self.rank.full is True and self.lower.outcome == "nonzero":
            return True
        if self.rank.full is False and self.upper.outcome == "zero":
            return False
        return None

    @property
    def margin(self) -> float:
        """Decades to the threshold that decided (0 when undecided)."""
        if self.full is True:
            return min(self.rank.decision.margin, self.lower.margin)
        if self.full is False:
            return min(self.rank.decision.margin, self.upper.margin)
        return 0.0

    @property
    def error_could_change(self) -> bool:
        """True when float64 alone decides but the error interval does not."""
        return self.rank.full is not None and self.full is None

    def as_dict(self) -> dict[str, Any]:
        return {"rank": self.rank.rank, "target": self.rank.target, "full": self.full,
                "s_normalised": self.rank.s_normalised, "float64_margin": self.rank.decision.margin,
                "error": self.error, "s_lower": self.lower.value, "s_upper": self.upper.value,
                "margin": self.margin, "error_could_change": self.error_could_change}


def rank_with_error(a: np.ndarray, error: float, *, target: int | None = None,
                    singular_values: np.ndarray | None = None) -> RankWithError:
    """Decide rank ``>= target`` of ``a`` whose entries carry an error of spectral norm ``<= error``.

    ``singular_values`` (largest first) may be passed to avoid a second SVD.
    """
    a = np.asarray(a, dtype=np.float64)
    if not (np.isfinite(error) and error >= 0):
        raise LandscapeError(f"error={error!r} is invalid; expected a finite bound >= 0")
    t = min(a.shape) if target is None else int(target)
    dec = tolerance.rank(a, target=t)
    s = tolerance.singular_values(a) if singular_values is None else np.asarray(singular_values, dtype=np.float64)
    if t == 0:
        one = tolerance.classify(1.0)
        return RankWithError(dec, float(error), one, one)
    s1 = float(s[0]) if s.size else 0.0
    st_ = float(s[t - 1]) if t - 1 < s.size else 0.0
    if error == 0.0:  # exact entries: the float64 decision stands
        return RankWithError(dec, 0.0, dec.decision, dec.decision)
    if s1 + error <= tolerance.ABS_FLOOR:  # the zero matrix, up to an error below the absolute floor
        zero = tolerance.Decision(0.0, "zero", math.inf)
        return RankWithError(dec, float(error), zero, zero)
    lo = max(st_ - error, 0.0) / (s1 + error)
    hi = (st_ + error) / (s1 - error) if s1 > error else 1.0
    return RankWithError(dec, float(error), tolerance.classify(lo), tolerance.classify(min(hi, 1.0)))


def normalised_spectrum(a: np.ndarray) -> list[float]:
    """All singular values of ``a`` divided by the largest (largest first; zeros for the zero matrix)."""
    s = tolerance.singular_values(np.asarray(a, dtype=np.float64))
    if s.size == 0 or s[0] <= tolerance.ABS_FLOOR:
        return [0.0] * int(s.size)
    return [float(v) for v in s / s[0]]
