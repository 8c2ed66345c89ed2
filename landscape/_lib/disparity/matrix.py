"""Jiang's disparity matrix H(w) (``000_aea297099283b0eb.txt`` section 3.2, eq. (8)-(9)) by one Jacobian
on a grid and one batched FFT: :class:`Disparity` at one weight vector, its grid refinement, and
:class:`DisparityBatch` for many weight vectors at once (training trajectories).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import torch
from torch.func import grad, vmap

from landscape._lib import canonical, fourier, tolerance
from landscape._lib.disparity.network_jacobian import (
    Method,
    NetworkFn,
    check_params,
    evaluate,
    jacobian,
    jacobian_points_first,
)
from landscape._lib.errors import LandscapeError


# -- the disparity matrix ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Disparity:
    """The disparity matrix H(w) of eq. (8)-(9) with its truncation data.

    ``H``: ``(M, N)`` complex, row m = coefficients of ``df/dw_m`` on ``box(n)``;
    ``outside`` / ``total``: ``(M,)`` energies of each ``df/dw_m`` outside the box / in all
    (``total``: trapezoid rule of the squares, see :mod:`landscape._lib.fourier`; exact integrals
    for ``rule = "exact"``); ``theta``: ``(N,)`` coefficients of ``f_w`` itself (``theta_eps =
    F_eps(f_w)``, section 2.3) with ``theta_outside`` / ``theta_total``; ``seconds``:
    wall-clock time of the stages (``jacobian``, ``fft``).
    """

    H: np.ndarray
    n: tuple[int, ...]
    G: int
    rule: str
    outside: np.ndarray
    total: np.ndarray
    theta: np.ndarray
    theta_outside: float
    theta_total: float
    seconds: dict[str, float]
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def M(self) -> int:
        """Number of weights (rows)."""
        return int(self.H.shape[0])

    @property
    def N(self) -> int:
        """Number of Fourier coefficients ``|N_eps| = prod(2 n_j + 1)`` (columns)."""
        return int(self.H.shape[1])

    @property
    def real(self) -> np.ndarray:
        """The real view ``(M, N)``: each row through ``canonical.complex_to_real``; same rank as ``H``."""
        if "real" not in self._cache:
            t = time.perf_counter()
            self._cache["real"] = fourier.to_real(self.H, self.n)
            self.seconds["real_view"] = time.perf_counter() - t
        return self._cache["real"]

    @property
    def row_truncation(self) -> np.ndarray:
        """``(M,)`` relative energy of ``df/dw_m`` outside the box (0 for a zero row)."""
        tot = np.where(self.total > 0, self.total, 1.0)
        return np.where(self.total > 0, self.outside / tot, 0.0)

    @property
    def truncation(self) -> float:
        """Relative energy outside the box over all rows: ``sum_m outside_m / sum_m total_m``."""
        s = float(np.sum(self.total))
        return float(np.sum(self.outside)) / s if s > 0 else 0.0

    @property
    def theta_truncation(self) -> float:
        """Relative energy of ``f_w`` itself outside the box (the eps^2 of eq. 6)."""
        return self.theta_outside / self.theta_total if self.theta_total > 0 else 0.0

    @property
    def row_norms(self) -> np.ndarray:
        """``(M,)`` Euclidean norms of the rows of the real view."""
        return np.linalg.norm(self.real, axis=1)

    def rank(self, target: int | None = None) -> tolerance.RankDecision:
        """Rank decision on the real view by the project policy (``tolerance.rank``), default target ``min(M, N)``."""
        return tolerance.rank(self.real, target=target)

    def restrict(self, n: Sequence[int]) -> "Disparity":
        """The same H on a smaller box ``n`` (``n_j <= self.n_j``): a column subset, energies re-split exactly.

        Equal to :func:`disparity` on box ``n`` with the same grid (the FFT bins are the
        same); costs no network evaluation.
        """
        n = fourier.check_n(n)
        if len(n) != len(self.n) or any(a > b for a, b in zip(n, self.n)):
            raise LandscapeError(f"box {n} is not inside the computed box {self.n}")
        index = {tuple(k): j for j, k in enumerate(canonical.box(self.n))}
        cols = np.array([index[tuple(k)] for k in canonical.box(n)])
        drop = np.setdiff1d(np.arange(self.N), cols)
        out = self.outside + np.sum(np.abs(self.H[:, drop]) ** 2, axis=1)
        th_out = self.theta_outside + float(np.sum(np.abs(self.theta[drop]) ** 2))
        return Disparity(self.H[:, cols], n, self.G, self.rule, out, self.total, self.theta[cols], th_out,
                         self.theta_total, {})

    def box_truncations(self) -> tuple[np.ndarray, np.ndarray]:
        """Relative energy outside every square sub-box ``(v,)^K``, ``v = 0..n``: of df/dw (all rows) and of f.

        Requires a square box ``n = (n_1,) * K``.  Entry ``v`` equals ``self.restrict((v,) * K)``'s
        :attr:`truncation` / :attr:`theta_truncation` (one pass over the columns, no restriction).
        """
        if len(set(self.n)) != 1:
            raise LandscapeError(f"box {self.n} is not square; expected (n,) * K")
        nmax = int(self.n[0])
        level = np.max(np.abs(canonical.box(self.n)), axis=1)
        rows = np.bincount(level, weights=np.sum(np.abs(self.H) ** 2, axis=0), minlength=nmax + 1)
        own = np.bincount(level, weights=np.abs(self.theta) ** 2, minlength=nmax + 1)
        tot, ftot = float(np.sum(self.total)), float(self.theta_total)
        out_rows = np.maximum(tot - np.cumsum(rows), 0.0)
        out_f = np.maximum(ftot - np.cumsum(own), 0.0)
        return (out_rows / tot if tot > 0 else np.zeros(nmax + 1), out_f / ftot if ftot > 0 else np.zeros(nmax + 1))

    def summary(self) -> dict[str, Any]:
        """JSON-friendly scalars (no matrices)."""
        return {"M": self.M, "N": self.N, "n": list(self.n), "G": self.G, "rule": self.rule,
                "truncation": self.truncation, "row_truncation_max": float(np.max(self.row_truncation)),
                "theta_truncation": self.theta_truncation, "seconds": dict(self.seconds)}


def disparity(f: NetworkFn, params: torch.Tensor | np.ndarray, n: Sequence[int], G: int, *,
              rule: fourier.Rule = "trapezoid", method: Method = "vmap") -> Disparity:
    """H(w) of eq. (8)-(9) for the network ``f`` at ``params`` on the ``box(n)``, FFT grid ``G``.

    The grid has ``(G + 1)^K`` (trapezoid) or ``G^K`` (periodic) points, ``K = len(n)``;
    ``G >= 2 max(n) + 1``.  See :mod:`landscape._lib.fourier` for the discretisation error and
    :func:`disparity_refinement` to measure it.
    """
    n = fourier.check_n(n)
    fourier.check_rule(rule)
    fourier.check_grid(G, n)
    p = check_params(params)
    x = torch.from_numpy(fourier.grid(len(n), G, rule=rule))
    t0 = time.perf_counter()
    jac = jacobian_points_first(f, p, x, method)
    values = evaluate(f, p, x)
    t1 = time.perf_counter()
    rows = fourier.transform(jac, n, rule=rule, axis=0)
    own = fourier.transform(values, n, rule=rule)
    t2 = time.perf_counter()
    return Disparity(rows.theta, n, rows.G, rule, rows.outside, rows.total, own.theta, float(own.outside),
                     float(own.total), {"jacobian": t1 - t0, "fft": t2 - t1})


def disparity_refinement(f: NetworkFn, params: torch.Tensor | np.ndarray, n: Sequence[int], G: int, *,
                         levels: int = 2, rule: fourier.Rule = "trapezoid",
                         method: Method = "vmap") -> fourier.Refinement:
    """Measured discretisation error of H(w) on grid ``G``: the Jacobian on ``2^(levels-1) G``, sub-grids compared.

    Costs one Jacobian on the finest grid (``M (2^(levels-1) G + 1)^K`` floats).
    """
    n = fourier.check_n(n)
    fourier.check_rule(rule)
    fourier.check_grid(G, n)
    if isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or levels < 2:
        raise LandscapeError(f"levels={levels!r} is invalid; expected an integer >= 2 (at least G and 2G)")
    x = torch.from_numpy(fourier.grid(len(n), int(G) * 2 ** (levels - 1), rule=rule))
    jac = jacobian(f, check_params(params), x, method=method)
    return fourier.refinement_from_values(jac, n, levels=levels, rule=rule)


# -- many weight vectors at once (training trajectories) ------------------------------------------------------------
@dataclass(frozen=True)
class DisparityBatch:
    """H(w_s) for a sequence of weights ``w_1..w_S`` (e.g. every iterate of a GD run).

    ``H``: ``(S, M, N)`` complex; ``outside`` / ``total``: ``(S, M)`` energies per row (as
    :class:`Disparity`); ``seconds``: wall-clock of the stages.
    """

    H: np.ndarray
    n: tuple[int, ...]
    G: int
    rule: str
    outside: np.ndarray
    total: np.ndarray
    seconds: dict[str, float]

    @property
    def S(self) -> int:
        return int(self.H.shape[0])

    @property
    def real(self) -> np.ndarray:
        """Real views ``(S, M, N)``."""
        return fourier.to_real(self.H, self.n, check=False)

    @property
    def truncation(self) -> np.ndarray:
        """``(S,)`` relative energy of ``df/dw`` outside the box (all rows), as :attr:`Disparity.truncation`."""
        tot = self.total.sum(axis=1)
        return np.where(tot > 0, self.outside.sum(axis=1) / np.where(tot > 0, tot, 1.0), 0.0)

    def restrict(self, n: Sequence[int]) -> "DisparityBatch":
        """The same batch on a smaller box (column subset; energies re-split exactly), as :meth:`Disparity.restrict`."""
        n = fourier.check_n(n)
        if len(n) != len(self.n) or any(a > b for a, b in zip(n, self.n)):
            raise LandscapeError(f"box {n} is not inside the computed box {self.n}")
        index = {tuple(k): j for j, k in enumerate(canonical.box(self.n))}
        cols = np.array([index[tuple(k)] for k in canonical.box(n)])
        drop = np.setdiff1d(np.arange(self.H.shape[2]), cols)
        out = self.outside + np.sum(np.abs(self.H[:, :, drop]) ** 2, axis=2)
        return DisparityBatch(self.H[:, :, cols], n, self.G, self.rule, out, self.total, dict(self.seconds))

    def __getitem__(self, s: int) -> Disparity:
        """The :class:`Disparity` of weight vector ``s`` (``theta`` of f not computed: zeros)."""
        N = self.H.shape[2]
        return Disparity(self.H[s], self.n, self.G, self.rule, self.outside[s], self.total[s],
                         np.zeros(N, dtype=np.complex128), 0.0, 0.0, {})


#: Largest Jacobian block (bytes) evaluated at once by :func:`disparity_batch`.
BATCH_BYTES: int = 256 * 1024**2


def disparity_batch(f: NetworkFn, params: torch.Tensor | np.ndarray, n: Sequence[int], G: int, *,
                    rule: fourier.Rule = "trapezoid") -> DisparityBatch:
    """H(w) for every row of ``params`` ``(S, M)``: ``vmap`` over weights of ``vmap`` over points of ``grad``.

    Same numbers as :func:`disparity` row by row (the tests check it); blocks of weight
    vectors are evaluated together so a whole training trajectory costs a few batched
    passes instead of ``S`` separate ones.
    """
    n = fourier.check_n(n)
    fourier.check_rule(rule)
    fourier.check_grid(G, n)
    p = params if torch.is_tensor(params) else torch.as_tensor(np.asarray(params, dtype=np.float64))
    p = p.detach().to(torch.float64)
    if p.ndim != 2 or p.shape[0] == 0 or p.shape[1] == 0:
        raise LandscapeError(f"params have shape {tuple(p.shape)}; expected (S, M) weight vectors, one per row")
    if not bool(torch.isfinite(p).all()):
        raise LandscapeError("params contain NaN or inf; expected finite weights")
    x = torch.from_numpy(fourier.grid(len(n), G, rule=rule))
    S, M = p.shape
    P = x.shape[0]
    evaluate(f, p[0], x[: min(2, P)])

    def single(w: torch.Tensor, xi: torch.Tensor) -> torch.Tensor:
        return f(w, xi.unsqueeze(0)).reshape(())

    per_point = vmap(grad(single), in_dims=(None, 0))
    both = vmap(per_point, in_dims=(0, None))
    block = max(1, int(BATCH_BYTES // max(1, P * M * 8)))
    Hs, outs, tots = [], [], []
    tj = tf = 0.0
    for s0 in range(0, S, block):
        t0 = time.perf_counter()
        try:
            jac = both(p[s0:s0 + block], x).detach().to(torch.float64)  # (B, P, M)
        except (RuntimeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise LandscapeError(f"torch.func could not vmap the network over weights ({first}); "
                                 "expected a pointwise torch function f(params, x)") from None
        if not fourier.finite(jac):
            raise LandscapeError("Jacobian contains NaN or inf; expected a network differentiable on [0, 1]^K")
        t1 = time.perf_counter()
        tr = fourier.transform(jac.permute(1, 0, 2), n, rule=rule, axis=0)  # (B, M, N)
        t2 = time.perf_counter()
        Hs.append(tr.theta)
        outs.append(tr.outside)
        tots.append(tr.total)
        tj += t1 - t0
        tf += t2 - t1
    return DisparityBatch(np.concatenate(Hs), n, G, rule, np.concatenate(outs), np.concatenate(tots),
                          {"jacobian": tj, "fft": tf})
