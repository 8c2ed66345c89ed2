"""Two-layer networks on the cube [0,1]^K in the setting of H. Jiang, *Why Learning of Large-Scale
Neural Networks Behaves Like Convex Optimization* (``../shared/papers/000_aea297099283b0eb.txt``).

The data lie in U^K = [0,1]^K (section 2), the network is viewed through its Fourier
coefficients on that cube (the canonical space, eq. 4-6: :mod:`landscape._lib.canonical`), and
the disparity matrix H(w) of eq. (8) holds the coefficients of ``df/dw``
(:mod:`landscape._lib.disparity`).  This module holds

* :class:`JiangNet` -- f_w(x) = sum_j a_j sigma(w_j . x + b_j), its flat parameters and inits;
* :func:`network_fn`, :func:`squared_loss` -- any :class:`~landscape._lib.networks.mlp.MLPSpec`
  as the functional form and loss the disparity module and the trainers take;
* :func:`fft_grid`, :func:`has_exact_disparity`, :func:`measured_disparity` -- H(w) with its
  measured discretisation error (exact closed form for K = 1 ReLU networks, else FFT on a grid
  whose error is measured on the doubled grid).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from landscape._lib import disparity as _disp
from landscape._lib.networks.mlp import MLP, MLPSpec


class JiangNet:
    """Jiang's two-layer network f_w(x) = sum_j a_j sigma(w_j . x + b_j) on [0,1]^K.

    Built on :class:`~landscape._lib.networks.mlp.MLP` (with bias, linear output); the flat
    parameter vector is (W_1 with its bias column, row-major; then a), M = m (K + 2).
    """

    def __init__(self, k_dim: int, m: int, act: str):
        self.K, self.m, self.act = k_dim, m, act
        self.spec = MLPSpec(k_dim, (m,), 1, act, True)
        #: The underlying :class:`~landscape._lib.networks.mlp.MLP` (zero weights: only its structure is used).
        self.mlp = MLP(self.spec, [np.zeros((m, k_dim + 1)), np.zeros((1, m))])

    @property
    def M(self) -> int:
        return self.spec.n_params()

    def f(self, v: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """f(params, x: (P, K)) -> (P,), the functional form :mod:`landscape._lib.disparity` wants."""
        return self.mlp.forward_flat(v, x.T)[0]

    def init(self, rng: np.random.Generator, *, scale: float = 4.0, dead: bool = False) -> torch.Tensor:
        """Hyperplanes through the cube (b_j = -w_j . c_j, c_j uniform in the cube) or, with
        ``dead``, biases so negative that every ReLU neuron is off on the whole cube."""
        w = rng.normal(size=(self.m, self.K)) * scale
        if dead:
            b = -(np.abs(w).sum(axis=1) + 0.5 + rng.random(self.m))
        else:
            b = -(w * rng.random((self.m, self.K))).sum(axis=1)
        a = rng.normal(size=self.m)
        return torch.as_tensor(np.concatenate([np.hstack([w, b[:, None]]).reshape(-1), a]))

    def neuron_rows(self, j: int) -> list[int]:
        """Indices of neuron j's parameters (w_j, b_j, a_j) in the flat vector."""
        base = j * (self.K + 1)
        return [*range(base, base + self.K + 1), self.m * (self.K + 1) + j]

    def squared_loss(self, x: np.ndarray, y: np.ndarray) -> Callable[[torch.Tensor], torch.Tensor]:
        """The squared loss of this architecture on ``(x, y)``: :func:`squared_loss` of :attr:`spec`."""
        return squared_loss(self.spec, x, y)

    def as_dict(self) -> dict:
        return {"K": self.K, "m": self.m, "activation": self.act}


def fft_grid(k_dim: int) -> int:
    """FFT grid G per axis (2048 for K = 1, 64 for K = 2); decisions measure the error on 2G."""
    return 2048 if k_dim == 1 else 64


def network_fn(spec: MLPSpec) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The network of ``spec`` as ``f(flat params, x: (P, K)) -> (P,)``, the form :mod:`landscape._lib.disparity` takes."""
    net = MLP(spec, [np.zeros(s) for s in spec.shapes()])
    return lambda v, x: net.forward_flat(v, x.T)[0]


def has_exact_disparity(spec: MLPSpec) -> bool:
    """Two-layer ReLU network with bias on [0, 1]: H has closed-form coefficients (no grid)."""
    return spec.activation == "relu" and spec.d0 == 1 and spec.bias and spec.depth == 1 and spec.d_out == 1


def measured_disparity(spec: MLPSpec, w: torch.Tensor, n: tuple[int, ...],
                       G: int | None = None) -> tuple[_disp.Disparity, _disp.DiscretisationError]:
    """H(w) on box n with its measured discretisation error: exact for K = 1 ReLU, else FFT on G (error from 2G).

    H is Jiang's disparity matrix (``000_aea297099283b0eb.txt``, eq. 8): the Fourier coefficients
    on the box of ``df/dw`` (:func:`landscape._lib.disparity.disparity_with_error`,
    :func:`landscape._lib.disparity.relu_two_layer_exact`).
    """
    if has_exact_disparity(spec):
        return _disp.relu_two_layer_exact(w, n), _disp.EXACT
    return _disp.disparity_with_error(network_fn(spec), w, n, G or fft_grid(spec.d0))


def squared_loss(spec: MLPSpec, x: np.ndarray, y: np.ndarray) -> Callable[[torch.Tensor], torch.Tensor]:
    """Squared loss sum_t (f_w(x_t) - y_t)^2 as a function of the flat weights (x: (T, K)), with its
    multiple-precision form (attribute ``mp``) for the certificates."""
    from landscape._lib.certify.mpform import attach, mlp_squared_form

    f = network_fn(spec)
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)

    def loss(v: torch.Tensor) -> torch.Tensor:
        return ((f(v, xt) - yt) ** 2).sum()

    return attach(loss, mlp_squared_form(spec, np.asarray(x, dtype=np.float64).T,
                                          np.asarray(y, dtype=np.float64).reshape(1, -1)))

