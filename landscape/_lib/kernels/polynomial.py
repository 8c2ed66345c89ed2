"""Exponent support of ``K^(H)`` for the polynomial activations ``z^p`` (Du et al.,
``/work/shared/papers/002_7f4fd584f3752d2b.txt``, Definitions 5.1 / 6.1 on exactly unit-norm data):
``K^(H)_ij = P(x_i . x_j)``, the rank certificates of ``du.kernel.*.polynomial`` / ``.linear``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from landscape._lib import activations
from landscape._lib.errors import LandscapeError


def polynomial_kernel_degrees(activation: str, H: int, kind: str = "fc", c_res: float = 0.5, *,
                              literal: bool = False) -> list[int]:
    """For ``sigma(z) = z^p`` (``linear``, ``poly2``, ``poly3``) and *exactly* unit-norm data,
    ``K^(H)_ij = P(x_i . x_j)`` for one polynomial ``P`` (every diagonal entry of every layer is
    the same positive number, so the recursion of Definition 5.1 / 6.1 acts on ``t = x_i . x_j``
    alone).  Returns the exponents ``k`` with a non-zero coefficient in ``P``.

    The moments are ``E[uv] = k12``, ``E[u^2 v^2] = k11 k22 + 2 k12^2``, ``E[u^3 v^3] =
    9 k11 k22 k12 + 6 k12^3`` (and ``1``, ``4 k12``, ``9 (k11 k22 + 2 k12^2)`` for the
    derivatives); with positive diagonals, ``c_sigma > 0``, ``c_res / H > 0`` and the ResNet
    means ``E[u^2] = k11 >= 0``, every polynomial met has non-negative coefficients, so no
    coefficient cancels and the support follows exactly from exponent arithmetic (sums,
    products = sumsets): computed on boolean exponent vectors (degree up to ``p^H``).
    ``c_res`` and ``literal`` do not change the support (kept for symmetry with
    :func:`analytic_gram`).

    Consequence (used by ``du.kernel.*.polynomial`` / ``.linear``): the matrix
    ``[(x_i . x_j)^k]`` is the Gram matrix of the symmetric tensors ``x_i^(x)k``, so
    ``rank K^(H) <= sum_{k in P} C(d + k - 1, k)`` -- e.g. ``d`` for the linear activation
    (``P(t) = t``), not ``d + 1``.
    """
    act = activations.get(activation)
    if act.polynomial_degree is None or activation not in ("linear", "poly2", "poly3"):
        raise LandscapeError(f"activation {activation!r} is not one of linear, poly2, poly3")
    if isinstance(H, bool) or not isinstance(H, (int, np.integer)) or H < 1 or kind not in ("fc", "resnet") \
            or (kind == "resnet" and H < 2):
        raise LandscapeError(f"network kind {kind!r} with H={H!r} is invalid; expected fc (H >= 1) or resnet (H >= 2)")
    return list(_poly_support(activation, int(H), kind, bool(literal)))


@lru_cache(maxsize=None)
def _poly_support(activation: str, H: int, kind: str, literal: bool) -> tuple[int, ...]:
    def one() -> np.ndarray:
        return np.array([True])

    def t() -> np.ndarray:
        return np.array([False, True])

    def add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.zeros(max(a.size, b.size), dtype=bool)
        out[: a.size] |= a
        out[: b.size] |= b
        return out

    def mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.convolve(a.astype(np.int64), b.astype(np.int64)) > 0

    def pair(P: np.ndarray) -> np.ndarray:  # E[s(u) s(v)] with k12 = P (constant positive diagonals)
        if activation == "linear":
            return P
        if activation == "poly2":
            return add(one(), mul(P, P))
        return add(P, mul(P, mul(P, P)))

    def dpair(P: np.ndarray) -> np.ndarray:
        if activation == "linear":
            return one()
        if activation == "poly2":
            return P
        return add(one(), mul(P, P))

    layers = [t()]
    if kind == "fc":
        for _ in range(1, H):
            layers.append(pair(layers[-1]))
        cov = layers[-2] if (literal and H >= 2) else layers[-1]
    else:
        layers.append(pair(t()))
        for _ in range(2, H):
            P = layers[-1]
            cross = one() if activation == "poly2" else np.array([False])  # 2 r b mu, mu = E[u^2] > 0 for z^2 only
            layers.append(add(add(P, cross), pair(P)))
        cov = layers[-2] if literal else layers[-1]
    KH = mul(layers[-1], dpair(cov))
    return tuple(int(k) for k in np.nonzero(KH)[0])
