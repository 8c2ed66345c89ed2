"""Finite-width Gram matrices ``G^(h)(0)`` of section 4 of Du et al.
(``/work/shared/papers/002_7f4fd584f3752d2b.txt``) for a network of eq. (2) / (3)
(:mod:`landscape._lib.networks.du`): by the per-layer identity
``G^(h) = (Delta^(h) Delta^(h)T) o (X^(h-1) X^(h-1)T)`` (:func:`empirical_gram`) or from
per-sample Jacobians ``torch.func.vmap(jacrev)`` (:func:`empirical_gram_jacrev`), and the
finite-width counterparts of ``K^(h)`` and ``b^(h)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from landscape._lib.networks.du import DuArchitecture, DuParams, as_data


@dataclass(frozen=True)
class EmpiricalGram:
    """Gram matrices of section 4 for a finite network (numpy ``n x n``):
    ``layers[h - 1] = G^(h)`` (``h = 1..H``, the ``W^(h)``-block), ``output = G^(H+1)``
    (the ``a``-block), ``total = G = sum_{h=1}^{H+1} G^(h)``."""

    layers: list[np.ndarray]
    output: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return sum(self.layers, self.output.copy())

    @property
    def last(self) -> np.ndarray:
        """``G^(H)``, the matrix the theorems compare with ``K^(H)``."""
        return self.layers[-1]


def empirical_gram(arch: DuArchitecture, params: DuParams, X) -> EmpiricalGram:
    """``G^(h)_ij = <d u_i/d W^(h), d u_j/d W^(h)>`` (section 4) by the per-layer identity
    ``G^(h) = (Delta^(h) Delta^(h)T) o (X^(h-1) X^(h-1)T)`` with the backpropagated signals
    ``Delta^(h)`` of :meth:`DuArchitecture.backward`; ``G^(H+1) = X^(H) X^(H)T``."""
    fwd = arch.forward(params, X)
    deltas = arch.backward(params, fwd)
    layers = [((D @ D.T) * (A @ A.T)).numpy() for D, A in zip(deltas, fwd.layers[:-1])]
    out = fwd.layers[-1]
    return EmpiricalGram(layers, (out @ out.T).numpy())


def empirical_gram_jacrev(arch: DuArchitecture, params: DuParams, X) -> EmpiricalGram:
    """The same Gram matrices from per-sample Jacobians ``torch.func.vmap(jacrev(u))``
    (independent of :meth:`DuArchitecture.backward`; memory ``n * #params``)."""
    from torch.func import jacrev, vmap

    x = as_data(X, d=arch.d)
    arch.check_params(params)

    def u_single(ts: tuple[torch.Tensor, ...], xi: torch.Tensor) -> torch.Tensor:
        fwd = arch.forward_unchecked(DuParams(tuple(ts[:-1]), ts[-1]), xi[None, :])
        return fwd.u[0]

    jac = vmap(jacrev(u_single), in_dims=(None, 0))(params.tensors(), x)
    grams = []
    for J in jac:
        F = J.reshape(J.shape[0], -1)
        grams.append((F @ F.T).numpy())
    return EmpiricalGram(grams[:-1], grams[-1])


def empirical_layer_kernels(arch: DuArchitecture, params: DuParams, X) -> list[np.ndarray]:
    """``<x_i^(h), x_j^(h)>`` for ``h = 0..H`` (finite-width counterparts of ``K^(h)``)."""
    fwd = arch.forward(params, X)
    return [(t @ t.T).numpy() for t in fwd.layers]


def empirical_b(arch: DuArchitecture, params: DuParams, X) -> list[np.ndarray]:
    """``1^T x_i^(h) / sqrt m`` for ``h = 1..H`` (finite-width counterparts of Def. 6.1's ``b^(h)``)."""
    fwd = arch.forward(params, X)
    return [(t.sum(dim=1) / math.sqrt(arch.m)).numpy() for t in fwd.layers[1:]]
