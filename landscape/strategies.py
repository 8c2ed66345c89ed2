"""Hypothesis strategies: datasets, architectures, activations, losses, seeds.

Datasets are numpy arrays of shape ``(d0, N)`` (columns are samples, as in Li-Ding-Sun
eq. 4) unless the docstring says otherwise.  The strategies reach structured cases on
purpose -- lattice, symmetric (``x`` and ``-x``), with the origin, collinear, sparse,
repeated coordinates, near-duplicates, extreme scales -- because a "for all data" claim
is only attacked if such cases can be expressed, and Hypothesis can shrink them to small
readable counterexamples (grid values shrink towards small integers).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from . import activations as _acts
from . import losses as _losses
from .networks.mlp import MLPSpec

#: Dataset families reached by :func:`a1_datasets` by default.
A1_FAMILIES = ("lattice", "gaussian", "symmetric", "with_origin", "ties", "near_duplicate", "sparse", "scaled")
#: Families :func:`a1_datasets` also knows when asked for them (``families=``): points on the unit sphere.
EXTRA_A1_FAMILIES = ("sphere",)
#: Families of :func:`degenerate_datasets` (data violating Assumption A1).
DEGENERATE_FAMILIES = ("duplicate", "crossed", "constant_row")


@st.composite
def _distinct_grid(draw, n: int, *, lo: int = -8, hi: int = 8, scale: float = 0.25) -> list[float]:
    vals = draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n, unique=True))
    return [v * scale for v in vals]


@st.composite
def a1_datasets(draw, *, min_d0: int = 1, max_d0: int = 3, min_n: int = 1, max_n: int = 6,
                families: tuple[str, ...] = A1_FAMILIES) -> np.ndarray:
    """Datasets meeting Li-Ding-Sun Assumption A1 only: some coordinate k has distinct values.

    All other coordinates may repeat (points may coincide in all but one coordinate).
    """
    unknown = [f for f in families if f not in A1_FAMILIES + EXTRA_A1_FAMILIES]
    if unknown:
        from .errors import LandscapeError

        raise LandscapeError(f"unknown dataset families {unknown}; expected some of {A1_FAMILIES + EXTRA_A1_FAMILIES}")
    fam = draw(st.sampled_from(families))
    n = draw(st.integers(min_n, max_n))
    if fam == "symmetric":
        n = max(n, 2)
    if fam == "sphere":  # unit-sphere points need d0 >= 2 (a 1-d "sphere" has two points)
        d0 = draw(st.integers(max(min_d0, 2), max(max_d0, 2)))
        x = draw(unit_sphere_datasets(min_d=d0, max_d=d0, min_n=n, max_n=n)).T.copy()
        k = int(np.argmax([len(set(np.round(r, 15))) for r in x]))
        if len(set(np.round(x[k], 15))) != x.shape[1]:
            x[k] = np.arange(x.shape[1]) * 0.25 + 0.125
        return x
    d0 = draw(st.integers(min_d0, max_d0))
    k = draw(st.integers(0, d0 - 1))
    x = np.zeros((d0, n))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if fam == "lattice":
        x[k] = draw(_distinct_grid(n))
        for r in range(d0):
            if r != k:
                x[r] = [v * 0.25 for v in draw(st.lists(st.integers(-4, 4), min_size=n, max_size=n))]
    elif fam == "gaussian":
        x = rng.normal(size=(d0, n))
    elif fam in ("symmetric", "with_origin"):
        half = (n + 1) // 2 if fam == "symmetric" else n - 1
        pos = draw(st.lists(st.integers(1, 8), min_size=max(half, 0), max_size=max(half, 0), unique=True))
        cols = []
        other = rng.normal(size=(d0, len(pos)))
        for i, v in enumerate(pos):
            c = other[:, i].copy()
            c[k] = v * 0.25
            cols.append(c)
        if fam == "symmetric":
            cols = cols + [-c for c in cols]
            if draw(st.booleans()):
                cols.append(np.zeros(d0))
        else:
            cols.append(np.zeros(d0))
        x = np.array(cols).T.reshape(d0, -1)
    elif fam == "ties":
        x[k] = draw(_distinct_grid(n))
        for r in range(d0):
            if r != k:
                x[r] = float(draw(st.integers(-2, 2)))
    elif fam == "near_duplicate":
        base = rng.normal(size=(d0, 1))
        x = np.repeat(base, n, axis=1)
        gaps = draw(st.sampled_from([1e-2, 1e-3, 1e-4]))
        x[k] = base[k, 0] + gaps * np.arange(n)
    elif fam == "sparse":
        x[k] = draw(_distinct_grid(n))
        mask = rng.random((d0, n)) < 0.3
        x = np.where(mask, rng.normal(size=(d0, n)), x)
        x[k] = draw(_distinct_grid(n))
    elif fam == "scaled":
        sc = draw(st.sampled_from([1e-2, 1e2]))
        x = sc * rng.normal(size=(d0, n))
    # enforce A1 on coordinate k (gaussian families are distinct with probability one)
    if len(set(np.round(x[k], 15))) != x.shape[1]:
        x[k] = np.arange(x.shape[1]) * 0.25 + 0.125
    return x


@st.composite
def degenerate_datasets(draw, *, min_d0: int = 1, max_d0: int = 3, min_n: int = 2, max_n: int = 6,
                        families: tuple[str, ...] = DEGENERATE_FAMILIES) -> np.ndarray:
    """Datasets *violating* Li-Ding-Sun Assumption A1: every coordinate has a repeated value.

    Families: ``duplicate`` (two identical columns, the rest lattice points), ``crossed``
    (pairwise distinct points, yet every coordinate repeats: e.g. (0,0), (0,1), (1,0); needs
    d0 >= 2), ``constant_row`` (one coordinate constant, the others with repeats; for d0 = 1:
    all points equal).  Shape ``(d0, N)``; ``not satisfies_a1(x)`` always holds.
    """
    fam = draw(st.sampled_from(families))
    n = draw(st.integers(max(min_n, 2), max(max_n, 2)))
    d0 = draw(st.integers(min_d0, max_d0))
    if fam == "crossed":  # distinct points need n >= 3 and d0 >= 2 to repeat in every coordinate
        d0, n = max(d0, 2), max(n, 3)
        # coordinates from an alphabet of n - 1 values: every row repeats (pigeonhole), columns distinct
        pts = draw(st.lists(st.tuples(*[st.integers(0, n - 2)] * d0), min_size=n, max_size=n, unique=True))
        return np.array(pts, dtype=float).T * 0.25 + 0.25
    if fam == "duplicate":
        x = np.array([[v * 0.25 for v in draw(st.lists(st.integers(-8, 8), min_size=n, max_size=n))]
                      for _ in range(d0)])
        i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if i == j:
            j = (i + 1) % n
        x[:, j] = x[:, i]
        return x
    x = np.array([[v * 0.25 for v in draw(st.lists(st.integers(-2, 2), min_size=n, max_size=n))]
                  for _ in range(d0)])
    x[draw(st.integers(0, d0 - 1))] = draw(st.integers(-4, 4)) * 0.25
    for r in range(d0):  # make sure every row repeats (A1 violated)
        if len(set(x[r].tolist())) == n:
            x[r, 1] = x[r, 0]
    return x


@st.composite
def polynomial_activations(draw, *, min_p: int = 2, max_p: int = 6) -> str:
    """Names of the registered polynomial activations z^p (``poly2`` .. ``poly6``)."""
    return f"poly{draw(st.integers(max(min_p, 2), min(max_p, 6)))}"


def satisfies_a1(x: np.ndarray) -> bool:
    """Li-Ding-Sun Assumption A1: some row of X has pairwise distinct entries."""
    x = np.asarray(x)
    return any(len(set(row.tolist())) == x.shape[1] for row in x)


@st.composite
def cube_datasets(draw, *, k_dims: tuple[int, ...] = (1, 2), min_t: int = 1, max_t: int = 8,
                  closed: bool = True) -> np.ndarray:
    """Distinct points in the closed cube [0,1]^K (``closed=False``: in [0,1)^K), shape (T, K).

    Families: uniform, lattice (multiples of 1/8, including 0 and 1), boundary (faces
    of the cube), collinear (a line parallel to an axis).
    """
    kd = draw(st.sampled_from(k_dims))
    t = draw(st.integers(min_t, max_t))
    fam = draw(st.sampled_from(["lattice", "uniform", "boundary", "collinear"]))
    top = 8 if closed else 7
    t = min(t, (top + 1) ** kd if fam != "collinear" else top + 1)
    if fam == "lattice" or fam == "boundary":
        pts = draw(st.lists(st.tuples(*[st.integers(0, top)] * kd), min_size=t, max_size=t, unique=True))
        x = np.array(pts, dtype=float) / 8
        if fam == "boundary" and closed:
            x[0, 0] = 1.0 if x[0, 0] < 0.5 else 0.0
    elif fam == "collinear":
        vals = draw(st.lists(st.integers(0, top), min_size=t, max_size=t, unique=True))
        x = np.full((t, kd), draw(st.integers(0, top)) / 8)
        x[:, draw(st.integers(0, kd - 1))] = np.array(vals) / 8
        t = len(vals)
    else:
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        x = rng.random((t, kd))
    # drop duplicates the families may have produced (points must be distinct)
    _, idx = np.unique(np.round(x, 14), axis=0, return_index=True)
    return x[np.sort(idx)]


@st.composite
def unit_sphere_datasets(draw, *, min_d: int = 2, max_d: int = 4, min_n: int = 2, max_n: int = 8) -> np.ndarray:
    """``n`` points on the unit sphere of R^d, shape (n, d), from a drawn seed."""
    d = draw(st.integers(min_d, max_d))
    n = draw(st.integers(min_n, max_n))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=(n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@st.composite
def mlp_specs(draw, *, d0: int, activation: str | st.SearchStrategy[str], min_depth: int = 1, max_depth: int = 3,
              min_width: int = 1, max_width: int = 8, min_last: int | None = None,
              bias: bool | None = None) -> MLPSpec:
    """Li-Ding-Sun architectures for input dimension ``d0`` (``min_last`` bounds d_H below)."""
    act = draw(activation) if isinstance(activation, st.SearchStrategy) else activation
    depth = draw(st.integers(min_depth, max_depth))
    widths = [draw(st.integers(min_width, max_width)) for _ in range(depth)]
    if min_last is not None:
        widths[-1] = max(widths[-1], min_last)
    b = draw(st.booleans()) if bias is None else bias
    return MLPSpec(d0, tuple(widths), 1, act, b)


def activation_names(*, tag: str | None = None) -> st.SearchStrategy[str]:
    """Registered activation names (optionally with a tag)."""
    return st.sampled_from(_acts.names(tag=tag))


def loss_names() -> st.SearchStrategy[str]:
    """Registered convex losses."""
    return st.sampled_from(_losses.names())


def seeds() -> st.SearchStrategy[int]:
    """Seeds for numpy Generators (recorded in every counterexample)."""
    return st.integers(0, 2**32 - 1)
