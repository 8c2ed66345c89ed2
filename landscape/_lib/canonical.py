"""Jiang's canonical model space: truncated Fourier series on U^K = [0, 1]^K.

Source: ``000_aea297099283b0eb.txt`` section 2.2, eq. (4)-(6).  Basis
``eta_k(x) = exp(2 pi i k . x)`` for ``k`` in the centred box
``N_eps = {k : |k_j| <= N_j}`` (eq. 6 prints ``exp(i k . x)``: the ``2 pi`` is dropped
there, a typo -- eq. 4, eq. 5 and the proof of Theorem 1 all carry it; we use ``2 pi``).

Two equivalent views of the coefficients of a *real* function:

* complex (the paper's): ``theta in C^N`` with ``theta_{-k} = conj(theta_k)``;
* real: ``c in R^N``, one coordinate per ``k`` in the box, ordered as :func:`box`, with
  ``c_0 = theta_0`` and for each pair ``{k, -k}`` (``k`` the lexicographically positive
  member) ``c_k = 2 Re theta_k`` on ``cos(2 pi k.x)`` and ``c_{-k} = -2 Im theta_k`` on
  ``sin(2 pi k.x)``.

Both span the same N-dimensional real space of real trigonometric polynomials;
:func:`real_to_complex` / :func:`complex_to_real` map between them and the tests check
``real_features(x) @ c == (complex_features(x) @ theta).real`` with zero imaginary part.
"""

from __future__ import annotations

import itertools

import numpy as np

from landscape._lib.errors import LandscapeError


def box(n: tuple[int, ...] | list[int]) -> np.ndarray:
    """All integer frequency vectors ``k`` with ``|k_j| <= n_j``, shape ``(N, K)``, N = prod(2 n_j + 1)."""
    n = tuple(int(v) for v in n)
    if len(n) == 0 or any(v < 0 for v in n):
        raise LandscapeError(f"frequency box {n!r} is invalid; expected one non-negative integer per input dimension")
    return np.array(list(itertools.product(*[range(-v, v + 1) for v in n])), dtype=np.int64)


def _positive(k: np.ndarray) -> bool:
    """True if k is lexicographically positive (first non-zero entry > 0)."""
    for v in k:
        if v != 0:
            return v > 0
    return False


def _check_points(x: np.ndarray, k_dim: int) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != k_dim:
        raise LandscapeError(f"points have shape {x.shape}; expected (T, {k_dim}) for a {k_dim}-d frequency box")
    if not np.all(np.isfinite(x)):
        raise LandscapeError("points contain NaN or inf; expected finite coordinates in [0, 1]")
    return x


def complex_features(x: np.ndarray, n: tuple[int, ...]) -> np.ndarray:
    """The T x N matrix ``eta_k(x_t) = exp(2 pi i k . x_t)`` (paper eq. 5)."""
    ks = box(n)
    x = _check_points(x, ks.shape[1])
    return np.exp(2j * np.pi * (x @ ks.T))


def real_features(x: np.ndarray, n: tuple[int, ...]) -> np.ndarray:
    """The T x N real matrix: 1 for k = 0, cos(2 pi k.x) for positive k, sin(2 pi k.x) for negative k."""
    ks = box(n)
    x = _check_points(x, ks.shape[1])
    phase = 2 * np.pi * (x @ ks.T)
    out = np.empty_like(phase)
    for j, k in enumerate(ks):
        if not np.any(k):
            out[:, j] = 1.0
        elif _positive(k):
            out[:, j] = np.cos(phase[:, j])
        else:
            out[:, j] = np.sin(-phase[:, j])  # sin(2 pi |k|.x) with |k| = -k positive
    return out


def _pairs(ks: np.ndarray) -> list[tuple[int, int]]:
    index = {tuple(k): j for j, k in enumerate(ks)}
    return [(j, index[tuple(-k)]) for j, k in enumerate(ks) if _positive(k)]


def real_to_complex(c: np.ndarray, n: tuple[int, ...]) -> np.ndarray:
    """Map real coefficients (see module docstring) to conjugate-symmetric complex theta."""
    ks = box(n)
    c = np.asarray(c, dtype=np.float64)
    if c.shape != (len(ks),):
        raise LandscapeError(f"real coefficients have shape {c.shape}; expected ({len(ks)},) for box {tuple(n)}")
    theta = np.zeros(len(ks), dtype=np.complex128)
    zero = [j for j, k in enumerate(ks) if not np.any(k)][0]
    theta[zero] = c[zero]
    for jp, jm in _pairs(ks):
        theta[jp] = (c[jp] - 1j * c[jm]) / 2
        theta[jm] = np.conj(theta[jp])
    return theta


def complex_to_real(theta: np.ndarray, n: tuple[int, ...], *, check: bool = True) -> np.ndarray:
    """Inverse of :func:`real_to_complex`; with ``check`` the input must be conjugate-symmetric."""
    ks = box(n)
    theta = np.asarray(theta, dtype=np.complex128)
    if theta.shape != (len(ks),):
        raise LandscapeError(f"coefficients have shape {theta.shape}; expected ({len(ks)},) for box {tuple(n)}")
    c = np.zeros(len(ks))
    zero = [j for j, k in enumerate(ks) if not np.any(k)][0]
    scale = max(1.0, float(np.max(np.abs(theta))))
    if check and abs(theta[zero].imag) > 1e-12 * scale:
        raise LandscapeError(f"theta_0 = {theta[zero]} is not real; a real function needs conjugate-symmetric theta")
    c[zero] = theta[zero].real
    for jp, jm in _pairs(ks):
        if check and abs(theta[jm] - np.conj(theta[jp])) > 1e-12 * scale:
            raise LandscapeError(
                f"theta_{tuple(ks[jm])} != conj(theta_{tuple(ks[jp])}); expected conjugate-symmetric coefficients")
        c[jp] = 2 * theta[jp].real
        c[jm] = -2 * theta[jp].imag
    return c


def exact_feature_rank(x: np.ndarray, n: tuple[int, ...]) -> int | None:
    """Rank of the real feature matrix in exact arithmetic (sympy), for dyadic/rational data.

    The matrix is :func:`real_features` (rows: the points ``x`` of shape ``(T, K)``; columns: the
    box ``n``, eq. 6 with the ``2 pi``) with every entry exact; None when a coordinate is not a
    rational with denominator <= 64 (``jiang.thm1.zero_loss`` reports it for every failure).
    """
    import sympy as sp  # only here: the float64 views above do not need sympy

    try:
        xr = [[sp.nsimplify(float(v), rational=True) for v in row] for row in x]
    except (ValueError, TypeError):
        return None
    if any(r.q > 64 for row in xr for r in row):
        return None
    ks = box(n)
    rows = []
    for p in xr:
        row = []
        for k in ks:
            ph = 2 * sp.pi * sum(int(ki) * pi for ki, pi in zip(k, p))
            if not any(k):
                row.append(sp.Integer(1))
            elif _positive(k):
                row.append(sp.cos(ph))
            else:
                row.append(sp.sin(-ph))
        rows.append(row)
    return int(sp.Matrix(rows).rank(simplify=True))

