"""Truncated Fourier coefficients on U^K = [0, 1]^K, computed by FFT on a uniform grid.

Source: ``000_aea297099283b0eb.txt`` section 2.2.  The coefficients of eq. (4),

    theta_k = int_{U^K} f(x) exp(-2 pi i k . x) dx,      k in N_eps = box(n),

are approximated by a K-dimensional FFT of samples of ``f`` on the grid
``x_g = g / G`` (``g`` a multi-index, ``G`` intervals per axis).  The box, its ordering
and the real view are those of :mod:`landscape._lib.canonical` (``box(n)``,
``complex_to_real``); nothing about the ordering is duplicated here.  Eq. (6) prints
``exp(i k . x)``; as in :mod:`landscape._lib.canonical` we use ``exp(2 pi i k . x)``.

Quadrature rules (``rule``)
---------------------------
* ``"trapezoid"`` (default): ``(G + 1)^K`` samples including both faces ``x_j = 0`` and
  ``x_j = 1``; the two end samples of every axis are averaged ("folded") onto
  ``x_j = 0`` and the FFT of the resulting ``G^K`` array is the tensor trapezoidal rule
  for eq. (4).  This is the right rule for functions that are *not* periodic on the
  cube (every neural network): the Fourier series of such a function converges to the
  mid-point of the jump of its periodic extension, which is exactly the folded value.
* ``"periodic"``: the ``G^K`` samples ``g / G``, ``0 <= g_j < G`` (the left-endpoint
  rectangle rule).  Identical to ``trapezoid`` for periodic functions; for
  non-periodic ones it carries an extra ``O(1/G)`` error (the jump / 2G).

Discretisation (aliasing) error
-------------------------------
By Poisson summation the DFT coefficient at ``k`` is the alias sum

    theta_k^(G) = sum_{j in Z^K} theta_{k + G j},

exact whenever the Fourier series of ``f`` converges at the grid nodes to the (folded)
samples.  Consequently

* a trigonometric polynomial of degree ``d_j`` per axis is transformed *exactly* (up to
  round-off) on the box ``|k_j| <= n_j`` as long as ``d_j < G - n_j`` (no alias of a
  frequency present in ``f`` lands in the box); the box itself needs ``G >= 2 n_j + 1``
  or two of its frequencies would share one FFT bin, which is refused;
* a smooth *periodic* function has ``|theta_k|`` decaying faster than any power, so the
  error decays spectrally in ``G``;
* a smooth *non-periodic* function has ``theta_k ~ jump / (2 pi i k)``; the alias sum
  of those tails gives an error ``~ pi |k| jump / (6 G^2)`` per coefficient (trapezoid,
  second order; e.g. ``f(x) = x``: ``theta_k^(G) = (i / 2G) cot(pi k / G)`` against
  ``i / (2 pi k)``), and ``O(1/G)`` with the periodic rule;
* a function with *jumps inside* the cube (ReLU networks: ``df/dw`` contains the
  indicators ``1[w . x + b > 0]``) has an error that depends on where the jumps fall
  between nodes: first order, ``O(1/G)``, in K = 1 (measured: 1.02 for a 5-neuron ReLU
  layer), often better on average along the jump lines in K = 2 (measured ~2).

Since none of these rates is assumed, :func:`discretisation_error` *measures* the error
by refining the grid (``G, 2G, 4G, ...``, nested grids, the function sampled once on the
finest) and reports the differences and the observed order.

Truncation error
----------------
"Energy outside the box" is ``outside = total - sum_box |theta_k|^2`` with ``total`` the
quadrature of ``int |f|^2``: the trapezoid rule of the squared *unfolded* samples
(``rule='trapezoid'``, second order for ``f`` smooth on the closed cube) or
``G^-K sum_g |v_g|^2`` (``'periodic'``, which is also the discrete Parseval sum over all
DFT bins).  By Parseval ``outside / total`` estimates
``||f - F^-1(F_eps f)||^2_{L2} / ||f||^2_{L2}``, the eps^2 of section 2.2.  (The discrete
Parseval energy of the *folded* samples would undercount ``int |f|^2`` by
``(f(0) - f(1))^2 / 4G`` per face -- first order, and for the ~1 % truncations of
networks on boxes of ~30 modes an error of the size of the quantity itself at ``G = 128``.)
It is resolved down to round-off, about ``1e-16 total``; for non-periodic ``f`` its
discretisation error is measured like that of the coefficients (refine ``G``).

Batching: every function accepts samples of many functions at once, shape ``(..., P)``
with ``P`` the number of grid points (ordered as :func:`grid`, C order over the axes),
and returns ``(..., N)`` coefficients, ``N = len(box(n))``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Callable, Literal, Sequence

import numpy as np
import torch

from landscape._lib import canonical
from landscape._lib.errors import LandscapeError

Rule = Literal["trapezoid", "periodic"]
RULES: tuple[str, ...] = ("trapezoid", "periodic")

__all__ = [
    "RULES", "Refinement", "Rule", "Truncated", "coefficients", "coefficients_torch", "discretisation_error",
    "grid", "grid_points_per_axis", "refinement_from_values", "sample", "to_complex", "to_real", "transform",
]


# -- validation ---------------------------------------------------------------------------------------------------
def check_n(n: Sequence[int]) -> tuple[int, ...]:
    """Validate the truncation orders ``n = (n_1, .., n_K)`` (integers >= 0); a bad value raises LandscapeError."""
    try:
        t = tuple(int(v) for v in n)
    except TypeError:
        raise LandscapeError(f"frequency box n={n!r} is invalid; "
                             "expected a sequence of non-negative integers") from None
    if len(t) == 0 or any(v < 0 for v in t) or any(int(v) != v for v in n):
        raise LandscapeError(f"frequency box n={tuple(n)!r} is invalid; "
                             "expected one non-negative integer per input dimension")
    return t


def check_rule(rule: str) -> str:
    """Validate a quadrature rule name (one of :data:`RULES`)."""
    if rule not in RULES:
        raise LandscapeError(f"quadrature rule {rule!r} is unknown; expected one of {', '.join(RULES)}")
    return rule


def check_grid(G: int, n: tuple[int, ...]) -> int:
    """Validate the grid resolution ``G`` per axis for orders ``n`` (an integer large enough to resolve them)."""
    if isinstance(G, bool) or not isinstance(G, (int, np.integer)):
        raise LandscapeError(f"grid resolution G={G!r} is invalid; expected an integer")
    G = int(G)
    need = 2 * max(n) + 1
    if G < max(need, 2):
        raise LandscapeError(f"grid resolution G={G} is too coarse for the box n={n}; expected G >= {max(need, 2)} "
                             f"(2 max(n) + 1) so that no two box frequencies share an FFT bin")
    return G


def grid_points_per_axis(G: int, rule: Rule = "trapezoid") -> int:
    """Samples per axis: ``G + 1`` for the trapezoid rule, ``G`` for the periodic rule."""
    return int(G) + 1 if check_rule(rule) == "trapezoid" else int(G)


def grid(k_dim: int, G: int, *, rule: Rule = "trapezoid") -> np.ndarray:
    """The sample points, shape ``(P, K)``, ``x = g / G``, C order over the axes (last axis fastest).

    ``P = (G + 1)^K`` for ``rule='trapezoid'`` (both faces included), ``G^K`` for ``'periodic'``.
    """
    if isinstance(k_dim, bool) or not isinstance(k_dim, (int, np.integer)) or k_dim < 1:
        raise LandscapeError(f"input dimension K={k_dim!r} is invalid; expected an integer >= 1")
    if isinstance(G, bool) or not isinstance(G, (int, np.integer)) or G < 2:
        raise LandscapeError(f"grid resolution G={G!r} is invalid; expected an integer >= 2")
    m = grid_points_per_axis(G, rule)
    axis = np.arange(m, dtype=np.float64) / float(G)
    mesh = np.meshgrid(*([axis] * int(k_dim)), indexing="ij")
    return np.stack([a.reshape(-1) for a in mesh], axis=1)


def _infer_G(P: int, k_dim: int, rule: str) -> int:
    m = int(round(P ** (1.0 / k_dim)))
    for cand in (m - 1, m, m + 1):
        if cand >= 1 and cand**k_dim == P:
            return cand - 1 if rule == "trapezoid" else cand
    raise LandscapeError(f"{P} samples do not form a {k_dim}-d grid; expected P = m^{k_dim} points ordered as grid()")


def finite(t: torch.Tensor) -> bool:
    """All entries finite?  One cheap reduction; the full elementwise test only if the sum is not finite."""
    if t.numel() == 0:
        return True
    if math.isfinite(float(t.sum())):
        return True
    return bool(torch.isfinite(t).all())


_INTS = (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8)


def _as_values(values: np.ndarray | torch.Tensor) -> torch.Tensor:
    t = values if torch.is_tensor(values) else torch.as_tensor(np.asarray(values))
    if t.is_complex():
        raise LandscapeError("samples are complex; expected real function values "
                             "(a real f has conjugate-symmetric theta)")
    if t.dtype == torch.bool or not (t.is_floating_point() or t.dtype in _INTS):
        raise LandscapeError(f"samples have dtype {t.dtype}; expected real numbers")
    t = t.to(torch.float64)
    if t.ndim < 1:
        raise LandscapeError(f"samples have shape {tuple(t.shape)}; expected (..., P) values on the grid")
    if not finite(t):
        raise LandscapeError("samples contain NaN or inf; expected finite function values on the grid")
    return t


# -- the transform --------------------------------------------------------------------------------------------------
# Internally the grid axes come *first*: values (P, *batch) -> (m, ..., m, *batch).  That is the layout a
# Jacobian (P, M) already has, so H(w) needs no transpose; the FFT runs over the leading K axes.
def _fold(v: torch.Tensor, k_dim: int, G: int) -> torch.Tensor:
    """Trapezoid folding on the leading ``k_dim`` axes: average the samples at x_j = 0 and x_j = 1 onto x_j = 0."""
    u = v.narrow(0, 0, G).clone()  # the only copy; the other axes are folded in place, then narrowed (a view)
    u.select(0, 0).add_(v.select(0, G)).mul_(0.5)
    for axis in range(1, k_dim):
        u.select(axis, 0).add_(u.select(axis, G)).mul_(0.5)
        u = u.narrow(axis, 0, G)
    return u


@functools.lru_cache(maxsize=32)
def _trapezoid_weights(k_dim: int, G: int) -> torch.Tensor:
    """Tensor trapezoid weights on grid(K, G) (1/2 on a face per axis), flattened in grid order."""
    w1 = torch.ones(G + 1, dtype=torch.float64)
    w1[0] = w1[G] = 0.5
    w = w1
    for _ in range(k_dim - 1):
        w = torch.outer(w, w1).reshape(-1)
    return w


@functools.lru_cache(maxsize=128)
def _box_gather(n: tuple[int, ...], G: int) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
    """Index arrays into an ``rfftn`` spectrum (leading axes) for every k in box(n), and conjugation flags.

    For ``k_last >= 0`` the bin is ``k mod G``; for ``k_last < 0`` it is the conjugate of
    the bin of ``-k`` (real input: ``theta_{-k} = conj theta_k``).
    """
    ks = canonical.box(n)
    neg = ks[:, -1] < 0
    src = np.where(neg[:, None], -ks, ks)
    idx = tuple(torch.as_tensor(np.mod(src[:, j], G) if j < len(n) - 1 else src[:, j]) for j in range(len(n)))
    return idx, torch.as_tensor(neg)


def _core(v: torch.Tensor, n: tuple[int, ...], rule: str) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Grid-first samples ``(P, *batch)`` -> box coefficients ``(N, *batch)`` complex, total energy ``(*batch)``, G.

    ``total`` estimates ``int |f|^2``: the tensor trapezoid rule of the squared samples
    (``rule='trapezoid'``) or ``G^-K sum_g v_g^2`` (``'periodic'``, where it is also the
    discrete Parseval sum of ``|theta^(G)_k|^2`` over all FFT bins).
    """
    k_dim = len(n)
    P = v.shape[0]
    G = check_grid(_infer_G(P, k_dim, rule), n)
    m = grid_points_per_axis(G, rule)
    u = v.reshape(*([m] * k_dim), *v.shape[1:])
    dims = tuple(range(k_dim))
    if rule == "trapezoid":
        # energy: the trapezoid rule of u^2 on the unfolded samples (second order for f smooth on the
        # closed cube); the folded samples' Parseval energy would miss (f(0) - f(1))^2 / 4G per face
        flat = v.reshape(P, -1)
        total = (_trapezoid_weights(k_dim, G) @ flat.square()).reshape(v.shape[1:]) / float(G) ** k_dim
        u = _fold(u, k_dim, G)
    spec = torch.fft.rfftn(u, dim=dims)
    idx, neg = _box_gather(n, G)
    theta = spec[idx] / float(G) ** k_dim
    neg = neg.reshape(-1, *([1] * (theta.ndim - 1)))
    theta = torch.where(neg, theta.conj(), theta)
    if rule != "trapezoid":
        total = u.square().sum(dim=dims) / float(G) ** k_dim
    return theta, total, G


def coefficients_torch(values: torch.Tensor, n: Sequence[int], *, rule: Rule = "trapezoid") -> torch.Tensor:
    """Differentiable torch version of :func:`coefficients`: ``(..., P)`` real -> ``(..., N)`` complex128.

    Gradients flow through the FFT, so ``Q(theta(w))`` can be differentiated in ``w``
    (this is the exact chain rule behind eq. (8)-(9) in the discretised setting).
    """
    n = check_n(n)
    rule = check_rule(rule)
    if not torch.is_tensor(values) or values.is_complex() or values.ndim < 1:
        raise LandscapeError("values must be a real torch tensor of shape (..., P)")
    theta, _, _ = _core(values.to(torch.float64).movedim(-1, 0), n, rule)
    return theta.movedim(0, -1)


@dataclass(frozen=True)
class Truncated:
    """Truncated Fourier coefficients of a batch of functions (section 2.2, eq. 4 and 6).

    ``theta``: ``(..., N)`` complex, ordered as ``canonical.box(n)``;
    ``outside`` / ``total``: ``(...,)`` energies outside the box / in all of ``f`` (see the
    module docstring), ``outside = max(total - sum_box |theta_k|^2, 0)`` (resolved down to round-off,
    about ``1e-16 total``); ``G`` the grid resolution, ``rule`` the quadrature rule.
    """

    theta: np.ndarray
    outside: np.ndarray
    total: np.ndarray
    n: tuple[int, ...]
    G: int
    rule: str
    _real: list = field(default_factory=list, repr=False, compare=False)

    @property
    def N(self) -> int:
        """Number of coefficients ``|N_eps| = prod(2 n_j + 1)``."""
        return int(self.theta.shape[-1])

    @property
    def relative_outside(self) -> np.ndarray:
        """``outside / total`` per function (0 for the zero function): the estimated eps^2 of eq. (6)."""
        safe = np.where(self.total > 0, self.total, 1.0)
        return np.where(self.total > 0, self.outside / safe, 0.0)

    @property
    def real(self) -> np.ndarray:
        """The real view ``(..., N)`` (``canonical.complex_to_real`` applied to every function)."""
        if not self._real:
            self._real.append(to_real(self.theta, self.n))
        return self._real[0]


def transform(values: np.ndarray | torch.Tensor, n: Sequence[int], *, rule: Rule = "trapezoid",
              axis: int = -1) -> Truncated:
    """FFT coefficients on ``box(n)`` and the energy split of samples taken on ``grid(K, G, rule)``.

    ``values`` has the ``P`` grid samples on ``axis`` (``-1``: shape ``(..., P)``, the
    default; ``0``: shape ``(P, ...)``, e.g. a Jacobian, transformed without a transpose).
    ``K = len(n)`` and ``G`` are inferred from ``P``; results are ``(..., N)`` / ``(...,)``
    with the batch axes in their original order.  See the module docstring for the error
    of this approximation of eq. (4).
    """
    n = check_n(n)
    rule = check_rule(rule)
    if axis not in (0, -1):
        raise LandscapeError(f"axis={axis!r} is invalid; expected 0 (samples first) or -1 (samples last)")
    v = _as_values(values)
    with torch.no_grad():
        theta, total, G = _core(v if axis == 0 else v.movedim(-1, 0), n, rule)
        inside = (theta.real.square() + theta.imag.square()).sum(dim=0)
        outside = torch.clamp(total - inside, min=0.0)
    th = np.ascontiguousarray(theta.movedim(0, -1).numpy())
    return Truncated(th, outside.numpy(), total.numpy(), n, G, rule)


def coefficients(values: np.ndarray | torch.Tensor, n: Sequence[int], *, rule: Rule = "trapezoid") -> np.ndarray:
    """Complex truncated coefficients ``theta_k``, ``k in box(n)``, of samples ``(..., P)``: ``(..., N)``."""
    return transform(values, n, rule=rule).theta


def sample(fn: Callable[[np.ndarray], np.ndarray], n: Sequence[int], G: int, *,
           rule: Rule = "trapezoid") -> Truncated:
    """Sample ``fn`` (numpy ``(P, K) -> (..., P)``, real) on ``grid(len(n), G, rule)`` and :func:`transform` it."""
    n = check_n(n)
    check_grid(G, n)
    x = grid(len(n), G, rule=rule)
    v = np.asarray(fn(x))
    if v.ndim < 1 or v.shape[-1] != x.shape[0]:
        raise LandscapeError(f"function returned shape {v.shape}; expected (..., {x.shape[0]}) values on the grid")
    return transform(v, n, rule=rule)


# -- real <-> complex views (batched; the convention is canonical's) ---------------------------------------------
@functools.lru_cache(maxsize=64)
def _real_map(n: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The sparse R-linear map ``canonical.complex_to_real`` for box(n), read off by probing it.

    Every real coordinate ``c_j`` is ``scale_j * Re theta_{src_j}`` or
    ``scale_j * Im theta_{src_j}``; four probes recover ``src``, ``imag`` and ``scale``,
    and a random round trip through ``canonical.real_to_complex`` validates the map.
    Returns ``(src, imag, scale, partner)`` where ``partner[j]`` is the index of ``-k_j``.
    """
    ks = canonical.box(n)
    N = len(ks)
    ones = np.ones(N)
    ramp = np.arange(1, N + 1, dtype=np.float64)
    re1 = canonical.complex_to_real(ones.astype(np.complex128), n, check=False)
    im1 = canonical.complex_to_real(1j * ones, n, check=False)
    re2 = canonical.complex_to_real(ramp.astype(np.complex128), n, check=False)
    im2 = canonical.complex_to_real(1j * ramp, n, check=False)
    imag = im1 != 0
    scale = np.where(imag, im1, re1)
    if np.any((re1 != 0) & imag) or np.any(scale == 0):
        raise RuntimeError("canonical.complex_to_real is not a coordinate map; fourier._real_map needs updating")
    src = np.rint(np.where(imag, im2, re2) / scale).astype(np.int64) - 1
    index = {tuple(k): j for j, k in enumerate(ks)}
    partner = np.array([index[tuple(-k)] for k in ks], dtype=np.int64)
    rng = np.random.default_rng(0)
    c = rng.standard_normal(N)
    theta = canonical.real_to_complex(c, n)
    mine = np.where(imag, theta[src].imag, theta[src].real) * scale
    if not np.allclose(mine, canonical.complex_to_real(theta, n), rtol=0, atol=1e-12):
        raise RuntimeError("probed real map disagrees with canonical.complex_to_real")
    return src, imag, scale, partner


def to_real(theta: np.ndarray, n: Sequence[int], *, check: bool = True) -> np.ndarray:
    """Batched ``canonical.complex_to_real``: ``(..., N)`` conjugate-symmetric complex -> ``(..., N)`` real.

    With ``check`` the input must be conjugate-symmetric to relative ``1e-12`` (as in
    :mod:`landscape._lib.canonical`); FFT coefficients of real samples are so by construction.
    """
    n = check_n(n)
    theta = np.asarray(theta, dtype=np.complex128)
    src, imag, scale, partner = _real_map(n)
    if theta.ndim < 1 or theta.shape[-1] != len(src):
        raise LandscapeError(f"coefficients have shape {theta.shape}; expected (..., {len(src)}) for box {n}")
    if not np.all(np.isfinite(theta)):
        raise LandscapeError("coefficients contain NaN or inf; expected finite values")
    if check and theta.size:
        asym = np.max(np.abs(theta - np.conj(theta[..., partner])), axis=-1)
        scl = np.maximum(1.0, np.max(np.abs(theta), axis=-1))
        bad = asym > 1e-12 * scl
        if np.any(bad):
            raise LandscapeError(f"coefficients are not conjugate-symmetric (max asymmetry {float(np.max(asym)):.3g}); "
                                 "expected theta_-k = conj(theta_k) for a real function")
    picked = theta[..., src]
    return np.where(imag, picked.imag, picked.real) * scale


def to_complex(c: np.ndarray, n: Sequence[int]) -> np.ndarray:
    """Batched ``canonical.real_to_complex``: ``(..., N)`` real -> ``(..., N)`` conjugate-symmetric complex."""
    n = check_n(n)
    c = np.asarray(c)
    src, imag, scale, partner = _real_map(n)
    if np.iscomplexobj(c) or c.ndim < 1 or c.shape[-1] != len(src):
        raise LandscapeError(f"real coefficients have shape {c.shape} / dtype {c.dtype}; "
                             f"expected real (..., {len(src)}) for box {n}")
    c = c.astype(np.float64)
    if not np.all(np.isfinite(c)):
        raise LandscapeError("real coefficients contain NaN or inf; expected finite values")
    theta = np.zeros(c.shape, dtype=np.complex128)
    vals = c / scale
    re_j, im_j = np.flatnonzero(~imag), np.flatnonzero(imag)
    theta[..., src[re_j]] += vals[..., re_j]
    theta[..., src[im_j]] += 1j * vals[..., im_j]
    covered = np.zeros(len(src), dtype=bool)
    covered[src] = True
    rest = np.flatnonzero(~covered)
    theta[..., rest] = np.conj(theta[..., partner[rest]])
    return theta


# -- measured discretisation error ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Refinement:
    """Grid-refinement study of the FFT coefficients (measured, not assumed).

    ``grids``: the resolutions ``G, 2G, ...``; ``differences[i]``: ``max |theta^(G_i) -
    theta^(G_{i+1})|`` over the box and the batch; ``scale``: ``max |theta|`` on the finest
    grid; ``per_function``: the *first* difference ``max_k |theta^(G) - theta^(2G)|`` per
    function ``(...,)`` (the one behind :attr:`error`, on the coarsest grid); ``order``: the
    observed order ``log2(d_{i-1} / d_i)`` of the last two differences (None with two grids
    or when a difference is at round-off).

    If the error behaves like ``C G^-p`` then ``d_0 = err(G) (1 - 2^-p)``, so
    ``error = d_0 / (1 - 2^-p)`` estimates the error on the coarsest grid ``G`` and
    ``finest_error = d_last / (2^p - 1)`` the one on the finest grid, with ``p`` the
    observed order clipped to ``>= 1`` (``p = 1``, the conservative choice, when no order
    could be observed).
    """

    n: tuple[int, ...]
    rule: str
    grids: tuple[int, ...]
    differences: tuple[float, ...]
    scale: float
    per_function: np.ndarray
    order: float | None

    @property
    def _p(self) -> float:
        return 1.0 if self.order is None else max(1.0, self.order)

    @property
    def error(self) -> float:
        """Estimated max error of the coefficients on the coarsest grid ``G``."""
        return self.differences[0] / (1.0 - 2.0 ** -self._p)

    @property
    def finest_error(self) -> float:
        """Estimated max error of the coefficients on the finest grid."""
        return self.differences[-1] / (2.0 ** self._p - 1.0)

    @property
    def relative_error(self) -> float:
        """``error / scale`` (0 when all coefficients vanish)."""
        return self.error / self.scale if self.scale > 0 else 0.0

    def as_dict(self) -> dict:
        return {"n": list(self.n), "rule": self.rule, "grids": list(self.grids), "differences": list(self.differences),
                "scale": self.scale, "order": self.order, "error": self.error, "finest_error": self.finest_error,
                "relative_error": self.relative_error}


def subsample(v: torch.Tensor, k_dim: int, step: int) -> torch.Tensor:
    """Every ``step``-th grid point per axis of a flattened ``K``-dimensional grid of values ``v``."""
    m = int(round(v.shape[-1] ** (1.0 / k_dim)))
    while m**k_dim < v.shape[-1]:
        m += 1
    cube = v.reshape(*v.shape[:-1], *([m] * k_dim))
    sl = (Ellipsis, *([slice(None, None, step)] * k_dim))
    sub = cube[sl]
    return sub.reshape(*v.shape[:-1], -1)


def refinement_from_values(values: np.ndarray | torch.Tensor, n: Sequence[int], *, levels: int = 3,
                           rule: Rule = "trapezoid") -> Refinement:
    """Refinement study from samples ``(..., P)`` on the *finest* grid ``2^(levels-1) G``.

    The coarser grids are sub-grids (every 2nd, 4th, ... node), so no re-sampling is
    needed; ``G`` (the coarsest) must still satisfy ``G >= 2 max(n) + 1``.
    """
    n = check_n(n)
    rule = check_rule(rule)
    if isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or levels < 2:
        raise LandscapeError(f"levels={levels!r} is invalid; expected an integer >= 2 (at least G and 2G)")
    v = _as_values(values)
    G_fine = _infer_G(v.shape[-1], len(n), rule)
    step = 2 ** (levels - 1)
    if G_fine % step:
        raise LandscapeError(f"finest grid G={G_fine} is not divisible by 2^(levels-1)={step}; "
                             "expected samples on grid(K, 2^(levels-1) G)")
    thetas = []
    for lev in range(levels):
        s = 2 ** (levels - 1 - lev)
        thetas.append(transform(subsample(v, len(n), s), n, rule=rule))
    grids = tuple(t.G for t in thetas)
    diffs = tuple(float(np.max(np.abs(a.theta - b.theta))) if a.theta.size else 0.0
                  for a, b in zip(thetas[:-1], thetas[1:]))
    per = np.max(np.abs(thetas[0].theta - thetas[1].theta), axis=-1)
    scale = float(np.max(np.abs(thetas[-1].theta))) if thetas[-1].theta.size else 0.0
    order = None
    if len(diffs) >= 2 and diffs[-1] > 1e-14 * max(scale, 1e-300) and diffs[-2] > 0:
        order = float(np.log2(diffs[-2] / diffs[-1]))
    return Refinement(n, rule, grids, diffs, scale, per, order)


def discretisation_error(fn: Callable[[np.ndarray], np.ndarray], n: Sequence[int], G: int, *, levels: int = 3,
                         rule: Rule = "trapezoid") -> Refinement:
    """Measure the FFT error of the coefficients of ``fn`` on grid ``G`` by refining to ``2G, 4G, ...``.

    ``fn`` is sampled once on the finest grid ``2^(levels-1) G``; see :class:`Refinement`.
    """
    n = check_n(n)
    check_grid(G, n)
    if isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or levels < 2:
        raise LandscapeError(f"levels={levels!r} is invalid; expected an integer >= 2 (at least G and 2G)")
    x = grid(len(n), int(G) * 2 ** (levels - 1), rule=rule)
    v = np.asarray(fn(x))
    if v.ndim < 1 or v.shape[-1] != x.shape[0]:
        raise LandscapeError(f"function returned shape {v.shape}; expected (..., {x.shape[0]}) values on the grid")
    return refinement_from_values(v, n, levels=levels, rule=rule)
