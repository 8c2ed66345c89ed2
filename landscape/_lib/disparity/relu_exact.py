"""Exact H(w) for two-layer ReLU networks on ``[0, 1]`` (closed-form eq. (4) integrals, no grid; Jiang,
``000_aea297099283b0eb.txt`` eq. (4), (8)), in float64 and in multiple precision.
"""

from __future__ import annotations

import time
from typing import Sequence

import numpy as np
import torch

from landscape._lib import canonical, fourier
from landscape._lib.disparity.matrix import Disparity
from landscape._lib.disparity.network_jacobian import check_params
from landscape._lib.errors import LandscapeError


# -- exact H(w) for two-layer ReLU networks on [0, 1] ---------------------------------------------------------------
def _interval_moments(lo: np.ndarray, hi: np.ndarray, ks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``I0[j, k] = int_lo^hi e^{-2 pi i k x} dx`` and ``I1[j, k] = int_lo^hi x e^{-2 pi i k x} dx`` (exact)."""
    lo, hi = lo[:, None], hi[:, None]
    k = ks[None, :].astype(np.float64)
    nz = k != 0
    alpha = np.where(nz, -2j * np.pi * k, 1.0)
    eu, el = np.exp(alpha * hi), np.exp(alpha * lo)
    i0 = np.where(nz, (eu - el) / alpha, (hi - lo) + 0j)
    i1 = np.where(nz, eu * (hi / alpha - 1 / alpha**2) - el * (lo / alpha - 1 / alpha**2), (hi**2 - lo**2) / 2 + 0j)
    empty = (hi <= lo)
    return np.where(empty, 0, i0), np.where(empty, 0, i1)


def _linear_energy(p: np.ndarray, q: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``int_lo^hi (p x + q)^2 dx`` (0 on empty intervals)."""
    e = p**2 * (hi**3 - lo**3) / 3 + p * q * (hi**2 - lo**2) + q**2 * (hi - lo)
    return np.where(hi > lo, e, 0.0)


def _relu_two_layer_params(params: torch.Tensor | np.ndarray, n: Sequence[int]) -> tuple[tuple[int, ...], np.ndarray, int]:
    """Validate the box (K = 1) and the flat weights ``(w_1, b_1, ..., w_m, b_m, a_1..a_m)``; returns ``(n, v, m)``."""
    n = fourier.check_n(n)
    if len(n) != 1:
        raise LandscapeError(f"box {n} has K = {len(n)}; the exact ReLU path is for K = 1")
    v = check_params(params).numpy()
    if v.size % 3:
        raise LandscapeError(f"{v.size} parameters do not form a K = 1 two-layer network; expected M = 3 m")
    return n, v, v.size // 3


def relu_two_layer_exact(params: torch.Tensor | np.ndarray, n: Sequence[int]) -> Disparity:
    """Exact H(w) (closed-form eq. 4 integrals, no grid) for ``f(x) = sum_j a_j relu(w_j x + b_j)`` on [0, 1].

    K = 1 only.  Flat layout (that of :class:`~landscape._lib.networks.mlp.MLP` with bias, one
    hidden layer, no output bias): ``(w_1, b_1, ..., w_m, b_m, a_1, ..., a_m)``, M = 3 m.
    With ``A_j = {x in [0,1] : w_j x + b_j > 0}`` (an interval) the rows are the
    coefficients of ``a_j x 1_{A_j}``, ``a_j 1_{A_j}`` and ``(w_j x + b_j) 1_{A_j}``; the
    energies are exact integrals of the squares (f itself: piecewise linear between the
    breakpoints ``-b_j / w_j``).  The result has ``G = 0`` and ``rule = "exact"``; its only
    error is round-off.  Used to decide ranks of ReLU networks, whose FFT error is first
    order, and to measure that error.
    """
    n, v, m = _relu_two_layer_params(params, n)
    wb = v[: 2 * m].reshape(m, 2)
    w, b, a = wb[:, 0], wb[:, 1], v[2 * m:]
    t0 = time.perf_counter()
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(w != 0, -b / np.where(w != 0, w, 1.0), 0.0)
    lo = np.where(w > 0, np.clip(c, 0, 1), 0.0)
    hi = np.where(w < 0, np.clip(c, 0, 1), 1.0)
    flat = w == 0
    lo = np.where(flat, 0.0, lo)
    hi = np.where(flat, np.where(b > 0, 1.0, 0.0), hi)
    ks = canonical.box(n)[:, 0]
    i0, i1 = _interval_moments(lo, hi, ks)
    H = np.empty((3 * m, ks.size), dtype=np.complex128)
    tot = np.empty(3 * m)
    H[0: 2 * m: 2] = a[:, None] * i1
    H[1: 2 * m: 2] = a[:, None] * i0
    H[2 * m:] = w[:, None] * i1 + b[:, None] * i0
    zeros = np.zeros(m)
    tot[0: 2 * m: 2] = _linear_energy(a, zeros, lo, hi)
    tot[1: 2 * m: 2] = _linear_energy(zeros, a, lo, hi)
    tot[2 * m:] = _linear_energy(w, b, lo, hi)
    inside = np.sum(np.abs(H) ** 2, axis=1)
    out = np.maximum(tot - inside, 0.0)
    theta = (a[:, None] * H[2 * m:]).sum(axis=0)
    brk = np.unique(np.concatenate([[0.0, 1.0], lo, hi]))
    f_tot = 0.0
    for l_, u_ in zip(brk[:-1], brk[1:]):
        if u_ <= l_:
            continue
        mid = 0.5 * (l_ + u_)
        act = (w * mid + b) > 0
        f_tot += float(_linear_energy(np.array([np.sum(a[act] * w[act])]), np.array([np.sum(a[act] * b[act])]),
                                      np.array([l_]), np.array([u_]))[0])
    f_out = max(f_tot - float(np.sum(np.abs(theta) ** 2)), 0.0)
    return Disparity(H, n, 0, "exact", out, tot, theta, f_out, f_tot, {"exact": time.perf_counter() - t0})


def relu_two_layer_exact_mp(params: torch.Tensor | np.ndarray, n: Sequence[int], dps: int):
    """The real view of :func:`relu_two_layer_exact`'s H, up to column scaling, as an ``mpmath.matrix`` at ``dps`` digits.

    Same closed-form integrals, evaluated in multiple precision from the exact float64
    weights; columns ``Re H_0`` and ``Re H_k, Im H_k`` (``k = 1..n``), which span the same
    column space as :attr:`Disparity.real` (a column scaling of it: same rank).  For
    ``tolerance.rank(..., exact=lambda d: relu_two_layer_exact_mp(w, n, d))``.
    """
    import mpmath

    n, v, m = _relu_two_layer_params(params, n)
    with mpmath.workdps(dps):
        rows = []
        cols: list[list] = [[] for _ in range(3 * m)]
        for j in range(m):
            w, b, a = (mpmath.mpf(float(t)) for t in (v[2 * j], v[2 * j + 1], v[2 * m + j]))
            if w == 0:
                lo, hi = mpmath.mpf(0), (mpmath.mpf(1) if b > 0 else mpmath.mpf(0))
            else:
                c = -b / w
                c = min(max(c, mpmath.mpf(0)), mpmath.mpf(1))
                lo, hi = (c, mpmath.mpf(1)) if w > 0 else (mpmath.mpf(0), c)
            for k in range(int(n[0]) + 1):
                if hi <= lo:
                    i0 = i1 = mpmath.mpc(0)
                elif k == 0:
                    i0, i1 = mpmath.mpc(hi - lo), mpmath.mpc((hi**2 - lo**2) / 2)
                else:
                    al = mpmath.mpc(0, -2 * mpmath.pi * k)
                    eu, el = mpmath.exp(al * hi), mpmath.exp(al * lo)
                    i0 = (eu - el) / al
                    i1 = eu * (hi / al - 1 / al**2) - el * (lo / al - 1 / al**2)
                for r, val in ((2 * j, a * i1), (2 * j + 1, a * i0), (2 * m + j, w * i1 + b * i0)):
                    cols[r].extend([val.real] if k == 0 else [val.real, val.imag])
        rows = cols
        return mpmath.matrix(rows)
