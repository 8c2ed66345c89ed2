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

from landscape._lib import activations as _acts
from landscape._lib import losses as _losses
from landscape._lib.networks.mlp import MLPSpec

#: Dataset families reached by :func:`a1_datasets` by default.
A1_FAMILIES = ("lattice", "gaussian", "symmetric", "with_origin", "ties", "near_duplicate", "sparse", "scaled")
#: Families :func:`a1_datasets` also knows when asked for them (``families=``): points on the unit sphere.
EXTRA_A1_FAMILIES = ("sphere",)
#: Families of :func:`degenerate_datasets` (data violating Assumption A1).
DEGENERATE_FAMILIES = ("duplicate", "crossed", "constant_row")


def _int_arg(fn: str, name: str, value: object, lo: int | None = None, lo_text: str | None = None) -> int:
    """Validate one integer argument of strategy ``fn`` (at construction time, not at draw time)."""
    from landscape._lib.errors import LandscapeError

    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise LandscapeError(f"{fn}({name}={value!r}): expected an integer")
    if lo is not None and value < lo:
        raise LandscapeError(f"{fn}({name}={value!r}): expected {name} >= {lo_text or lo}")
    return int(value)


def _range_args(fn: str, lo_name: str, lo: object, hi_name: str, hi: object, minimum: int) -> None:
    """``minimum <= lo <= hi`` for the bounds ``lo_name`` / ``hi_name`` of strategy ``fn``."""
    from landscape._lib.errors import LandscapeError

    lo_v, hi_v = _int_arg(fn, lo_name, lo), _int_arg(fn, hi_name, hi)
    if not minimum <= lo_v <= hi_v:
        raise LandscapeError(f"{fn}({lo_name}={lo_v}, {hi_name}={hi_v}): expected {minimum} <= {lo_name} <= {hi_name}")


def _families_arg(fn: str, families: object, known: tuple[str, ...]) -> tuple[str, ...]:
    """A non-empty tuple of known family names."""
    from landscape._lib.errors import LandscapeError

    if isinstance(families, str) or not isinstance(families, (tuple, list)) or not families:
        raise LandscapeError(f"{fn}(families={families!r}): expected a non-empty tuple of some of {', '.join(known)}")
    unknown = [f for f in families if f not in known]
    if unknown:
        raise LandscapeError(f"{fn}(families={tuple(families)!r}): unknown dataset families {unknown}; "
                             f"expected some of {', '.join(known)}")
    return tuple(families)


def _bool_arg(fn: str, name: str, value: object) -> bool:
    from landscape._lib.errors import LandscapeError

    if not isinstance(value, bool):
        raise LandscapeError(f"{fn}({name}={value!r}): expected True or False")
    return value


def _has_origin(x: np.ndarray, axis: int) -> bool:
    """Is some point (a column for ``axis=1``, a row for ``axis=0``) exactly zero?"""
    return bool(np.any(np.all(np.asarray(x) == 0.0, axis=1 - axis)))


def _points_distinct(x: np.ndarray, axis: int) -> bool:
    """Are the points (columns for ``axis=1``, rows for ``axis=0``) pairwise distinct (exactly)?"""
    pts = np.asarray(x) if axis == 0 else np.asarray(x).T
    return len({tuple(p.tolist()) for p in pts}) == pts.shape[0]


def _stated(strategy: st.SearchStrategy, *, exclude_origin: bool = False, distinct_points: bool = False,
            axis: int) -> st.SearchStrategy:
    """``strategy`` restricted to datasets meeting the stated hypotheses.

    Restrictions are Hypothesis filters, so every example -- the shrunk counterexample included
    -- satisfies them (Hypothesis shrinks only through examples that pass the filter).  With no
    restriction the strategy is returned unchanged (its draws are exactly the unrestricted ones).
    """
    if distinct_points:
        strategy = strategy.filter(lambda x: _points_distinct(x, axis))
    if exclude_origin:
        strategy = strategy.filter(lambda x: not _has_origin(x, axis))
    return strategy


@st.composite
def _distinct_grid(draw, n: int, *, lo: int = -8, hi: int = 8, scale: float = 0.25) -> list[float]:
    vals = draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n, unique=True))
    return [v * scale for v in vals]


def a1_datasets(*, min_d0: int = 1, max_d0: int = 3, min_n: int = 1, max_n: int = 6,
                families: tuple[str, ...] = A1_FAMILIES,
                exclude_origin: bool = False) -> st.SearchStrategy[np.ndarray]:
    """Datasets meeting Li-Ding-Sun Assumption A1 only: some coordinate k has distinct values.

    All other coordinates may repeat (points may coincide in all but one coordinate); the
    points (columns) are pairwise distinct, as A1 implies.  State a claim's hypotheses with
    ``min_n`` (at least that many points) and ``exclude_origin=True`` (no point is 0; the
    ``with_origin`` family is then left out), so that shrinking keeps them: "N >= 2 distinct
    nonzero points" is ``a1_datasets(min_n=2, exclude_origin=True)``.  Needs
    ``1 <= min_d0 <= max_d0``, ``1 <= min_n <= max_n`` and a non-empty ``families`` (else
    LandscapeError, when the strategy is built).
    """
    _range_args("a1_datasets", "min_d0", min_d0, "max_d0", max_d0, 1)
    _range_args("a1_datasets", "min_n", min_n, "max_n", max_n, 1)
    fams = _families_arg("a1_datasets", families, A1_FAMILIES + EXTRA_A1_FAMILIES)
    if _bool_arg("a1_datasets", "exclude_origin", exclude_origin):
        fams = tuple(f for f in fams if f != "with_origin")
        if not fams:
            from landscape._lib.errors import LandscapeError

            raise LandscapeError("a1_datasets(families=('with_origin',), exclude_origin=True): the only family puts "
                                 "a point at the origin; expected another family too")
    return _stated(_a1_datasets(min_d0=min_d0, max_d0=max_d0, min_n=min_n, max_n=max_n, families=fams),
                   exclude_origin=exclude_origin, axis=1)


@st.composite
def _a1_datasets(draw, *, min_d0: int, max_d0: int, min_n: int, max_n: int, families: tuple[str, ...]) -> np.ndarray:
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


def degenerate_datasets(*, min_d0: int = 1, max_d0: int = 3, min_n: int = 2, max_n: int = 6,
                        families: tuple[str, ...] = DEGENERATE_FAMILIES, distinct_points: bool = False,
                        exclude_origin: bool = False) -> st.SearchStrategy[np.ndarray]:
    """Datasets *violating* Li-Ding-Sun Assumption A1: every coordinate has a repeated value.

    Families: ``duplicate`` (two identical columns, the rest lattice points), ``crossed``
    (pairwise distinct points, yet every coordinate repeats: e.g. (0,0), (0,1), (1,0); needs
    d0 >= 2), ``constant_row`` (one coordinate constant, the others with repeats; for d0 = 1:
    all points equal).  Shape ``(d0, N)``; ``not satisfies_a1(x)`` always holds.  Needs
    ``1 <= min_d0 <= max_d0``, ``1 <= min_n <= max_n`` (N is at least 2 whatever ``min_n``) and a
    non-empty ``families``.  ``distinct_points=True``: the points are pairwise distinct (the
    ``duplicate`` family is left out; A1 fails through repeated coordinates only);
    ``exclude_origin=True``: no point is 0.  Both hold for every example, shrunk ones included.
    """
    _range_args("degenerate_datasets", "min_d0", min_d0, "max_d0", max_d0, 1)
    _range_args("degenerate_datasets", "min_n", min_n, "max_n", max_n, 1)
    fams = _families_arg("degenerate_datasets", families, DEGENERATE_FAMILIES)
    if _bool_arg("degenerate_datasets", "distinct_points", distinct_points):
        fams = tuple(f for f in fams if f != "duplicate")
        if not fams:
            from landscape._lib.errors import LandscapeError

            raise LandscapeError("degenerate_datasets(families=('duplicate',), distinct_points=True): that family "
                                 "repeats a point; expected 'crossed' or 'constant_row' too")
    _bool_arg("degenerate_datasets", "exclude_origin", exclude_origin)
    return _stated(_degenerate_datasets(min_d0=min_d0, max_d0=max_d0, min_n=min_n, max_n=max_n, families=fams),
                   distinct_points=distinct_points, exclude_origin=exclude_origin, axis=1)


@st.composite
def _degenerate_datasets(draw, *, min_d0: int, max_d0: int, min_n: int, max_n: int,
                         families: tuple[str, ...]) -> np.ndarray:
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


def polynomial_activations(*, min_p: int = 2, max_p: int = 6) -> st.SearchStrategy[str]:
    """Names of the registered polynomial activations z^p (``poly2`` .. ``poly6``), p in
    ``[max(min_p, 2), min(max_p, 6)]``, which must not be empty."""
    from landscape._lib.errors import LandscapeError

    _int_arg("polynomial_activations", "min_p", min_p)
    _int_arg("polynomial_activations", "max_p", max_p)
    lo, hi = max(min_p, 2), min(max_p, 6)
    if lo > hi:
        raise LandscapeError(f"polynomial_activations(min_p={min_p!r}, max_p={max_p!r}): expected min_p <= max_p, "
                             "overlapping the registered degrees 2..6")
    return _polynomial_activations(lo, hi)


@st.composite
def _polynomial_activations(draw, lo: int, hi: int) -> str:
    return f"poly{draw(st.integers(lo, hi))}"


def satisfies_a1(x: np.ndarray) -> bool:
    """Li-Ding-Sun Assumption A1: some row of X has pairwise distinct entries."""
    x = np.asarray(x)
    return any(len(set(row.tolist())) == x.shape[1] for row in x)


def cube_datasets(*, k_dims: tuple[int, ...] = (1, 2), min_t: int = 1, max_t: int = 8,
                  closed: bool = True, exclude_origin: bool = False) -> st.SearchStrategy[np.ndarray]:
    """Distinct points in the closed cube [0,1]^K (``closed=False``: in [0,1)^K), shape (T, K).

    Families: uniform, lattice (multiples of 1/8, including 0 and 1), boundary (faces
    of the cube), collinear (a line parallel to an axis).  ``exclude_origin=True``: no point
    is the corner 0 (every example, shrunk ones included).  Needs a non-empty ``k_dims`` of
    integers >= 1 and ``1 <= min_t <= max_t``.  Duplicates a family produces are dropped, so
    an example can have fewer than ``min_t`` points only if the family cannot place more.
    """
    from landscape._lib.errors import LandscapeError

    if isinstance(k_dims, (str, bytes)) or not isinstance(k_dims, (tuple, list)) or not k_dims \
            or any(isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1 for k in k_dims):
        raise LandscapeError(f"cube_datasets(k_dims={k_dims!r}): expected a non-empty tuple of integer dimensions >= 1")
    _range_args("cube_datasets", "min_t", min_t, "max_t", max_t, 1)
    _bool_arg("cube_datasets", "exclude_origin", exclude_origin)
    return _stated(_cube_datasets(k_dims=tuple(k_dims), min_t=min_t, max_t=max_t, closed=bool(closed)),
                   exclude_origin=exclude_origin, axis=0)


@st.composite
def _cube_datasets(draw, *, k_dims: tuple[int, ...], min_t: int, max_t: int, closed: bool) -> np.ndarray:
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


def unit_sphere_datasets(*, min_d: int = 2, max_d: int = 4, min_n: int = 2,
                         max_n: int = 8) -> st.SearchStrategy[np.ndarray]:
    """``n`` points on the unit sphere of R^d, shape (n, d), from a drawn seed; needs
    ``1 <= min_d <= max_d`` and ``1 <= min_n <= max_n``."""
    _range_args("unit_sphere_datasets", "min_d", min_d, "max_d", max_d, 1)
    _range_args("unit_sphere_datasets", "min_n", min_n, "max_n", max_n, 1)
    return _unit_sphere_datasets(min_d=min_d, max_d=max_d, min_n=min_n, max_n=max_n)


@st.composite
def _unit_sphere_datasets(draw, *, min_d: int, max_d: int, min_n: int, max_n: int) -> np.ndarray:
    d = draw(st.integers(min_d, max_d))
    n = draw(st.integers(min_n, max_n))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=(n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def mlp_specs(*, d0: int, activation: str | st.SearchStrategy[str], min_depth: int = 1, max_depth: int = 3,
              min_width: int = 1, max_width: int = 8, min_last: int | None = None,
              bias: bool | None = None) -> st.SearchStrategy[MLPSpec]:
    """Li-Ding-Sun architectures for input dimension ``d0`` (``min_last`` bounds d_H below).

    Needs ``d0 >= 1``, ``1 <= min_depth <= max_depth``, ``1 <= min_width <= max_width``,
    ``min_last`` None or >= 1 and a registered activation name (or a strategy of names).
    """
    from landscape._lib.errors import LandscapeError

    _int_arg("mlp_specs", "d0", d0, 1)
    _range_args("mlp_specs", "min_depth", min_depth, "max_depth", max_depth, 1)
    _range_args("mlp_specs", "min_width", min_width, "max_width", max_width, 1)
    if min_last is not None:
        _int_arg("mlp_specs", "min_last", min_last, 1)
    if not isinstance(activation, st.SearchStrategy):
        if not isinstance(activation, str):
            raise LandscapeError(f"mlp_specs(activation={activation!r}): expected an activation name or a strategy "
                                 "of names")
        _acts.get(activation)  # an unknown name raises, naming the closest ones
    if bias is not None and not isinstance(bias, bool):
        raise LandscapeError(f"mlp_specs(bias={bias!r}): expected True, False or None (both)")
    return _mlp_specs(d0=int(d0), activation=activation, min_depth=min_depth, max_depth=max_depth,
                      min_width=min_width, max_width=max_width, min_last=min_last, bias=bias)


@st.composite
def _mlp_specs(draw, *, d0: int, activation: str | st.SearchStrategy[str], min_depth: int, max_depth: int,
               min_width: int, max_width: int, min_last: int | None, bias: bool | None) -> MLPSpec:
    act = draw(activation) if isinstance(activation, st.SearchStrategy) else activation
    depth = draw(st.integers(min_depth, max_depth))
    widths = [draw(st.integers(min_width, max_width)) for _ in range(depth)]
    if min_last is not None:
        widths[-1] = max(widths[-1], min_last)
    b = draw(st.booleans()) if bias is None else bias
    return MLPSpec(d0, tuple(widths), 1, act, b)


def activation_names(*, tag: str | None = None) -> st.SearchStrategy[str]:
    """Registered activation names (optionally with a tag, which some activation must carry)."""
    names = _acts.names(tag=tag)
    if not names:
        from landscape._lib.errors import LandscapeError

        tags = sorted({t for a in _acts.all_activations() for t in a.tags})
        raise LandscapeError(f"activation_names(tag={tag!r}): no registered activation has this tag; expected one "
                             f"of {', '.join(tags)}")
    return st.sampled_from(names)


def loss_names() -> st.SearchStrategy[str]:
    """Registered convex losses."""
    return st.sampled_from(_losses.names())


def seeds() -> st.SearchStrategy[int]:
    """Seeds for numpy Generators (recorded in every counterexample)."""
    return st.integers(0, 2**32 - 1)
