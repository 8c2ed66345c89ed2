"""Deep fully connected networks and ResNets of Du, Lee, Li, Wang, Zhai (ICML 2019).

Paper: ``/work/shared/papers/002_7f4fd584f3752d2b.txt`` ("Gradient Descent Finds Global
Minima of Deep Neural Networks"), section 3.3.

Data are **rows**: ``X in R^{n x d}``, row ``i`` is the input ``x_i`` (the paper's
column vector); every layer output is stored the same way, ``x^(h)`` as an ``n x m``
matrix whose row ``i`` is ``x_i^(h)``.  (This is the transpose of the
features-x-samples convention of :mod:`landscape._lib.networks.mlp`; shapes are validated,
so a transposed matrix is rejected unless ``n == d``.)

Fully connected network, eq. (2)::

    x^(0) = x,   x^(h) = sqrt(c_sigma / m) * sigma(W^(h) x^(h-1)),  1 <= h <= H,
    f(x, theta) = a^T x^(H)

ResNet, eq. (3) -- only layers ``2..H`` are residual, the first layer is the FC layer::

    x^(1) = sqrt(c_sigma / m) * sigma(W^(1) x)
    x^(h) = x^(h-1) + c_res / (H sqrt m) * sigma(W^(h) x^(h-1)),   2 <= h <= H
    f_res(x, theta) = a^T x^(H)

``W^(1)`` is ``m x d``, ``W^(h)`` (``h >= 2``) is ``m x m``, ``a`` is ``m``; no biases.
``c_sigma = 1 / E_{z ~ N(0,1)}[sigma(z)^2]`` (below eq. (2)); ``0 < c_res < 1`` is "a small
constant" (below eq. (3)).  Initialisation (section 3.3, paragraph after the
convolutional ResNet): every entry of every ``W^(h)`` and of ``a`` is i.i.d. ``N(0, 1)``.
All layers, including ``a``, are trained by gradient descent (same paragraph).

Gradients are computed by explicit back-propagation: with the pre-activations
``z_i^(h) = W^(h) x_i^(h-1)`` and the *backpropagated signals*
``delta_i^(h) = d u_i / d z_i^(h)`` (``u_i = f(x_i, theta)``),

    d u_i / d W^(h) = delta_i^(h) (x_i^(h-1))^T,

so the per-layer Gram matrix of section 4,
``G^(h)_ij = <d u_i / d W^(h), d u_j / d W^(h)>``, is
``(Delta^(h) Delta^(h)^T) o (X^(h-1) X^(h-1)^T)`` (``o`` = entrywise product).  This
module provides the forward and backward passes; :mod:`landscape._lib.kernels` builds the
Gram matrices, their ``torch.func`` cross-check and the gradient-descent trainer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch

from landscape._lib import activations
from landscape._lib.errors import LandscapeError

Kind = Literal["fc", "resnet"]
KINDS: tuple[str, ...] = ("fc", "resnet")

__all__ = [
    "DuArchitecture",
    "DuParams",
    "Forward",
    "KINDS",
    "activation_derivative",
    "as_data",
    "as_labels",
    "separated_sphere_data",
    "sphere_data",
]


def _is_int(v: object) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def activation_derivative(name: str):
    """``sigma'`` of a registered activation as a float64 torch function (autograd).

    At a kink the value is torch's one-sided choice (``relu'(0) = 0``), exactly the
    derivative torch back-propagates, so manual and autograd gradients agree.
    (:meth:`landscape._lib.activations.Activation.derivative`.)
    """
    return activations.get(name).derivative()


def as_data(x: np.ndarray | torch.Tensor, *, name: str = "X", d: int | None = None) -> torch.Tensor:
    """Validate a data matrix (``n x d`` rows = samples, finite) and return it as float64 torch."""
    t = torch.as_tensor(x.detach() if torch.is_tensor(x) else np.asarray(x, dtype=np.float64),
                        dtype=torch.float64)
    if t.ndim != 2:
        raise LandscapeError(f"{name} has shape {tuple(t.shape)}; expected a 2-d array (samples x features)")
    if t.shape[0] < 1:
        raise LandscapeError(f"{name} has {t.shape[0]} rows; expected at least one sample")
    bad = ~torch.isfinite(t)
    if bad.any():
        i, j = (int(v) for v in torch.nonzero(bad)[0])
        raise LandscapeError(f"{name}[{i}, {j}] = {float(t[i, j])!r}; expected finite values (no NaN or inf)")
    if d is not None and t.shape[1] != d:
        raise LandscapeError(f"{name} has {t.shape[1]} columns; expected d={d} features (rows are samples)")
    return t


def sphere_data(n: int, d: int, seed: int) -> torch.Tensor:
    """``n`` i.i.d. uniform points on the unit sphere of ``R^d`` (rows), as in Thm 5.1/6.1
    (``||x_i||_2 = 1``); for ``d >= 2`` no two are parallel with probability one."""
    if not _is_int(n) or n < 1:
        raise LandscapeError(f"number of points n={n!r} is invalid; expected an integer >= 1")
    if not _is_int(d) or d < 1:
        raise LandscapeError(f"dimension d={d!r} is invalid; expected an integer >= 1")
    g = torch.Generator().manual_seed(int(seed))
    x = torch.randn(int(n), int(d), generator=g, dtype=torch.float64)
    return x / x.norm(dim=1, keepdim=True)


def separated_sphere_data(n: int, d: int, seed: int, *, max_cos: float = 0.9, tries: int = 2000) -> torch.Tensor:
    """``n`` unit-norm rows with ``|x_i . x_j| <= max_cos`` for ``i != j`` (well separated: no
    two points nearly parallel), by sequential rejection from uniform draws on the sphere
    (seeded).  Raises :class:`LandscapeError` if ``tries`` candidates per point do not
    suffice (e.g. 12 points in R^2 with ``max_cos = 0.9``)."""
    if not _is_int(n) or n < 1:
        raise LandscapeError(f"number of points n={n!r} is invalid; expected an integer >= 1")
    if not _is_int(d) or d < 1:
        raise LandscapeError(f"dimension d={d!r} is invalid; expected an integer >= 1")
    if not (0.0 <= float(max_cos) < 1.0):
        raise LandscapeError(f"max_cos={max_cos!r} is invalid; expected 0 <= max_cos < 1")
    g = torch.Generator().manual_seed(int(seed))
    rows: list[torch.Tensor] = []
    for _ in range(int(n)):
        for _t in range(int(tries)):
            v = torch.randn(int(d), generator=g, dtype=torch.float64)
            v = v / v.norm()
            if all(abs(float(v @ r)) <= max_cos for r in rows):
                rows.append(v)
                break
        else:
            raise LandscapeError(f"could not place {n} points in R^{d} with |cos| <= {max_cos} "
                                 f"({tries} candidates per point); expected fewer points or a looser max_cos")
    return torch.stack(rows)


@dataclass(frozen=True)
class DuParams:
    """Parameters ``theta = (W^(1), ..., W^(H), a)`` of eq. (2)/(3), float64 tensors."""

    W: tuple[torch.Tensor, ...]
    a: torch.Tensor

    def clone(self) -> "DuParams":
        """A deep copy (detached)."""
        return DuParams(tuple(w.detach().clone() for w in self.W), self.a.detach().clone())

    def tensors(self) -> tuple[torch.Tensor, ...]:
        """``(W^(1), ..., W^(H), a)``."""
        return (*self.W, self.a)

    def flat(self) -> torch.Tensor:
        """All parameters as one vector (``W^(1)`` row-major, ..., ``W^(H)``, then ``a``)."""
        return torch.cat([t.reshape(-1) for t in self.tensors()])


@dataclass(frozen=True)
class Forward:
    """Result of a forward pass on ``n`` inputs.

    ``layers[h]`` is ``x^(h)`` (``n x d`` for ``h = 0``, ``n x m`` otherwise, ``h = 0..H``),
    ``pre[h - 1]`` the pre-activation ``z^(h) = x^(h-1) W^(h)T`` (``h = 1..H``), ``u`` the
    outputs ``u_i = a^T x_i^(H)`` (length ``n``).
    """

    layers: list[torch.Tensor]
    pre: list[torch.Tensor]
    u: torch.Tensor


@dataclass(frozen=True)
class DuArchitecture:
    """One network of Du et al. section 3.3: input dim ``d``, width ``m``, depth ``H``,
    activation name, ``kind`` ``"fc"`` (eq. 2) or ``"resnet"`` (eq. 3), ``c_res``.

    ``c_res`` is used only by the ResNet; the paper requires ``0 < c_res < 1``
    (:attr:`in_paper_regime`), any finite ``c_res > 0`` is accepted so that claims can
    probe outside that range.

    ``c_sigma_override`` replaces ``c_sigma = 1 / E[sigma(z)^2]`` in the layer scale
    ``sqrt(c_sigma / m)`` (default ``None``: the paper's value).  With ``H = 1``,
    ``activation="relu"`` and ``c_sigma_override=1.0`` the network is the two-layer net
    ``f = (1/sqrt m) sum_r a_r relu(w_r.x)`` of Du, Zhai, Poczos, Singh (2018b) -- eq. (9)
    of Golikov's essay (``../shared/papers/003_6b1d70a06ebc74fd.txt``) -- whose
    ``G^(1)`` is the ``H(t)`` of the essay's eq. (12) (with ``relu'(0) = 0``).
    """

    d: int
    m: int
    H: int
    activation: str = "softplus"
    kind: str = "fc"
    c_res: float = 0.5
    c_sigma_override: float | None = None
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not _is_int(self.d) or self.d < 1:
            raise LandscapeError(f"input dimension d={self.d!r} is invalid; expected an integer >= 1")
        if not _is_int(self.m) or self.m < 1:
            raise LandscapeError(f"width m={self.m!r} is invalid; expected an integer >= 1")
        if not _is_int(self.H) or self.H < 1:
            raise LandscapeError(f"depth H={self.H!r} is invalid; expected an integer >= 1")
        if self.kind not in KINDS:
            raise LandscapeError(f"network kind {self.kind!r} is unknown; expected one of {', '.join(KINDS)}")
        activations.get(self.activation)  # raises LandscapeError on an unknown name
        try:
            c = float(self.c_res)
        except (TypeError, ValueError):
            raise LandscapeError(f"c_res={self.c_res!r} is invalid; expected a finite number > 0") from None
        if not (math.isfinite(c) and c > 0):
            raise LandscapeError(f"c_res={self.c_res!r} is invalid; expected a finite number > 0")
        object.__setattr__(self, "d", int(self.d))
        object.__setattr__(self, "m", int(self.m))
        object.__setattr__(self, "H", int(self.H))
        object.__setattr__(self, "c_res", c)
        if self.c_sigma_override is not None:
            try:
                co = float(self.c_sigma_override)
            except (TypeError, ValueError):
                raise LandscapeError(f"c_sigma_override={self.c_sigma_override!r} is invalid; expected a finite "
                                     "number > 0 or None") from None
            if not (math.isfinite(co) and co > 0):
                raise LandscapeError(f"c_sigma_override={self.c_sigma_override!r} is invalid; expected a finite "
                                     "number > 0 or None")
            object.__setattr__(self, "c_sigma_override", co)

    def as_dict(self) -> dict:
        """The architecture as plain JSON-able fields (no cache; ``c_sigma_override`` only if set)."""
        out = {"d": self.d, "m": self.m, "H": self.H, "activation": self.activation, "kind": self.kind,
               "c_res": self.c_res}
        if self.c_sigma_override is not None:
            out["c_sigma_override"] = self.c_sigma_override
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "DuArchitecture":
        """Inverse of :meth:`as_dict` (missing ``activation`` / ``kind`` / ``c_res`` /
        ``c_sigma_override`` take defaults)."""
        try:
            return cls(d["d"], d["m"], d["H"], d.get("activation", "softplus"), d.get("kind", "fc"),
                       d.get("c_res", 0.5), d.get("c_sigma_override"))
        except KeyError as e:
            raise LandscapeError(f"architecture is missing the field {e.args[0]!r}") from None

    # -- scalars -----------------------------------------------------------------------
    @property
    def in_paper_regime(self) -> bool:
        """True unless this is a ResNet with ``c_res`` outside ``(0, 1)`` (eq. (3))."""
        return self.kind == "fc" or 0.0 < self.c_res < 1.0

    @property
    def c_sigma(self) -> float:
        """``c_sigma = 1 / E[sigma(z)^2]`` (below eq. (2)), from the activation record
        (:meth:`landscape._lib.activations.Activation.c_sigma`, the value of
        :func:`landscape._lib.kernels.c_sigma`), or ``c_sigma_override`` when set."""
        if self.c_sigma_override is not None:
            return self.c_sigma_override
        if "c_sigma" not in self._cache:
            self._cache["c_sigma"] = activations.get(self.activation).c_sigma()
        return self._cache["c_sigma"]

    def layer_scale(self, h: int) -> float:
        """The factor in front of ``sigma(W^(h) x^(h-1))`` in layer ``h`` (1-based).

        ``sqrt(c_sigma / m)`` for every FC layer and the first ResNet layer;
        ``c_res / (H sqrt m)`` for ResNet layers ``2..H`` (eq. (3)).
        """
        if not (1 <= h <= self.H):
            raise LandscapeError(f"layer h={h!r} is invalid; expected 1 <= h <= H={self.H}")
        if self.kind == "resnet" and h >= 2:
            return self.c_res / (self.H * math.sqrt(self.m))
        return math.sqrt(self.c_sigma / self.m)

    def residual(self, h: int) -> bool:
        """Whether layer ``h`` adds its input (ResNet layers ``2..H``, eq. (3))."""
        return self.kind == "resnet" and h >= 2

    def shapes(self) -> list[tuple[int, ...]]:
        """Shapes of ``W^(1), ..., W^(H), a``."""
        return [(self.m, self.d)] + [(self.m, self.m)] * (self.H - 1) + [(self.m,)]

    def n_params(self) -> int:
        """Total number of trained parameters."""
        return sum(math.prod(s) for s in self.shapes())

    # -- parameters --------------------------------------------------------------------
    def init(self, seed: int) -> DuParams:
        """Initialisation of section 3.3: all entries of ``W^(h)`` and ``a`` i.i.d. N(0, 1).

        Drawn from ``torch.Generator().manual_seed(seed)`` in the order
        ``W^(1), ..., W^(H), a`` (float64), so a seed fixes the network exactly.
        """
        if not _is_int(seed):
            raise LandscapeError(f"seed={seed!r} is invalid; expected an integer")
        g = torch.Generator().manual_seed(int(seed))
        ts = [torch.randn(*s, generator=g, dtype=torch.float64) for s in self.shapes()]
        return DuParams(tuple(ts[:-1]), ts[-1])

    def params_from(self, W: list | tuple, a) -> DuParams:
        """Parameters from given arrays (``W^(1..H)`` and ``a``; numpy or torch), as float64
        tensors, validated -- e.g. Golikov's fixed ``a_r in {-1, 1}``."""
        ts = [torch.as_tensor(np.asarray(t, dtype=np.float64) if not torch.is_tensor(t) else t,
                              dtype=torch.float64).clone() for t in (*W, a)]
        return self.check_params(DuParams(tuple(ts[:-1]), ts[-1]))

    def check_params(self, params: DuParams) -> DuParams:
        """Validate shapes and finiteness of ``params``; returns them."""
        ts = params.tensors()
        if len(ts) != self.H + 1:
            raise LandscapeError(f"got {len(ts) - 1} weight matrices; expected H={self.H}")
        for i, (t, s) in enumerate(zip(ts, self.shapes()), start=1):
            label = f"W^({i})" if i <= self.H else "a"
            if tuple(t.shape) != s:
                raise LandscapeError(f"{label} has shape {tuple(t.shape)}; expected {s}")
            if t.dtype != torch.float64:
                raise LandscapeError(f"{label} has dtype {t.dtype}; expected torch.float64")
        return params

    # -- passes ------------------------------------------------------------------------
    def forward(self, params: DuParams, X: np.ndarray | torch.Tensor) -> Forward:
        """Forward pass of eq. (2) (``fc``) or eq. (3) (``resnet``) for the rows of ``X``;
        returns every layer's output ``x^(0..H)``, the pre-activations and ``u``."""
        self.check_params(params)
        return self.forward_unchecked(params, as_data(X, d=self.d))

    def forward_unchecked(self, params: DuParams, x: torch.Tensor) -> Forward:
        """:meth:`forward` without validation (differentiable, usable under ``torch.func``)."""
        act = activations.get(self.activation)
        layers, pre = [x], []
        for h, W in enumerate(params.W, start=1):
            z = x @ W.T
            s = self.layer_scale(h) * act.torch(z)
            x = x + s if self.residual(h) else s
            pre.append(z)
            layers.append(x)
        return Forward(layers, pre, x @ params.a)

    def output(self, params: DuParams, X: np.ndarray | torch.Tensor) -> torch.Tensor:
        """``u = (f(x_1, theta), ..., f(x_n, theta))``."""
        return self.forward(params, X).u

    def backward(self, params: DuParams, fwd: Forward) -> list[torch.Tensor]:
        """Backpropagated signals ``Delta^(h)`` (``n x m``, row ``i`` = ``d u_i / d z_i^(h)``),
        ``h = 1..H``, so that ``d u_i / d W^(h) = Delta^(h)_i (x_i^(h-1))^T``."""
        dsig = activation_derivative(self.activation)
        g = params.a.expand(fwd.u.shape[0], self.m)  # d u_i / d x_i^(H)
        deltas: list[torch.Tensor] = [None] * self.H  # type: ignore[list-item]
        for h in range(self.H, 0, -1):
            delta = self.layer_scale(h) * dsig(fwd.pre[h - 1]) * g
            deltas[h - 1] = delta
            if h > 1:
                back = delta @ params.W[h - 1]
                g = g + back if self.residual(h) else back
        return deltas

    def loss(self, params: DuParams, X, y) -> float:
        """Squared loss of eq. (1): ``L = 1/2 sum_i (f(theta, x_i) - y_i)^2``."""
        yt = as_labels(y, self.output(params, X).shape[0])
        r = self.output(params, X) - yt
        return float(0.5 * (r * r).sum())


def as_labels(y, n: int) -> torch.Tensor:
    """Validate labels: ``n`` finite numbers; returned as a float64 vector."""
    t = torch.as_tensor(y.detach() if torch.is_tensor(y) else np.asarray(y, dtype=np.float64),
                        dtype=torch.float64).reshape(-1)
    if t.shape[0] != n:
        raise LandscapeError(f"got {t.shape[0]} labels; expected n={n} (one per sample)")
    if not torch.isfinite(t).all():
        raise LandscapeError("labels contain NaN or inf; expected finite values")
    return t
