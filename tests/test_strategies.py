"""The strategies generate what they promise, and reach the structured cases (quality tests)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape import Outcome
from landscape._core import profiles
from landscape._core.context import Context
from landscape._lib.strategies import a1_datasets, cube_datasets, degenerate_datasets, mlp_specs, polynomial_activations, satisfies_a1


@settings(max_examples=60, deadline=None)
@given(a1_datasets(max_n=6))
def test_a1_datasets_satisfy_assumption_a1(x):
    assert x.ndim == 2 and np.all(np.isfinite(x)) and satisfies_a1(x)


@settings(max_examples=60, deadline=None)
@given(st.booleans().flatmap(lambda closed: st.tuples(st.just(closed), cube_datasets(closed=closed))))
def test_cube_datasets_are_distinct_points_in_the_cube(args):
    closed, x = args
    assert np.all(x >= 0) and (np.all(x <= 1) if closed else np.all(x < 1))
    assert len(np.unique(x, axis=0)) == len(x)


@settings(max_examples=30, deadline=None)
@given(mlp_specs(d0=2, activation="tanh", min_last=5))
def test_mlp_specs_respect_bounds(spec):
    assert spec.d_H >= 5 and 1 <= spec.depth <= 3


def _ctx():
    return Context(profiles.get("quick"), seed=0)


def test_search_reaches_and_shrinks_symmetric_datasets():
    """A planted property: 'no two samples are opposite'. The search must find and shrink it."""

    def fn(x):
        cols = [tuple(c) for c in x.T]
        opposite = any(tuple(-v for v in c) in cols and any(c) for c in cols)
        return Outcome.fails({"X": x.tolist()}) if opposite else Outcome.holds()

    res = _ctx().search(a1_datasets(max_n=6), fn, label="planted", max_examples=100)
    assert res.verdict == "refuted"
    x = np.array(res.shrunk.payload["X"])
    assert x.shape[1] <= 4  # shrunk: one or two opposite pairs (plus perhaps the origin)
    assert fn(x).status == "fails"


def test_search_reaches_the_origin_and_boundary():
    found = {"origin": False, "face": False}

    def fn(x):
        found["origin"] |= bool(np.any(np.all(x == 0, axis=1)))
        found["face"] |= bool(np.any(x == 1.0))
        return Outcome.holds()

    _ctx().search(cube_datasets(), fn, max_examples=60)
    assert found == {"origin": True, "face": True}


def test_search_is_deterministic_for_a_seed():
    seen = []

    def fn(x):
        seen.append(x.tobytes())
        return Outcome.holds()

    _ctx().search(a1_datasets(), fn, max_examples=10)
    first, seen[:] = list(seen), []
    _ctx().search(a1_datasets(), fn, max_examples=10)
    assert seen == first


def test_search_does_not_depend_on_which_local_modules_are_imported(tmp_path, monkeypatch):
    """Hypothesis mines literals from imported local modules; our searches must not see them.

    Regression: ``landscape check lds.lemma3`` (imports the CLI) and ``pytest`` drew
    different examples for the same seed, and reached different verdicts.
    """
    def draw_all() -> list[float]:
        seen: list[float] = []
        ctx = Context(profiles.get("quick"), seed=7)
        ctx.search(st.floats(-1e6, 1e6), lambda v: (seen.append(v), Outcome.holds())[1], max_examples=200)
        return seen

    before = draw_all()
    probe = tmp_path / "landscape_probe_constants.py"
    probe.write_text("VALUES = [" + ", ".join(f"{123456.0 + k / 7:.6f}" for k in range(50)) + "]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__("landscape_probe_constants")
    assert draw_all() == before



@settings(max_examples=80, deadline=None)
@given(degenerate_datasets())
def test_degenerate_datasets_violate_a1(x):
    assert x.ndim == 2 and x.shape[1] >= 2 and not satisfies_a1(x)


def test_degenerate_datasets_reach_each_family():
    seen = set()

    @settings(max_examples=80, deadline=None)
    @given(degenerate_datasets(max_d0=2))
    def run(x):
        cols = [tuple(c) for c in x.T]
        seen.add("repeated" if len(set(cols)) < len(cols) else "distinct")

    run()
    assert seen == {"repeated", "distinct"}  # duplicates and distinct points that still violate A1


@settings(max_examples=40, deadline=None)
@given(a1_datasets(families=("sphere",), max_d0=3))
def test_sphere_family(x):
    assert x.shape[0] >= 2 and satisfies_a1(x)
    assert np.allclose(np.linalg.norm(x, axis=0), 1.0)


@settings(max_examples=30, deadline=None)
@given(polynomial_activations())
def test_polynomial_activations_are_registered(name):
    from landscape._lib import activations

    act = activations.get(name)
    assert act.polynomial_degree in range(2, 7) and act.rational_exact


def test_unknown_family_is_an_error():
    import warnings

    import pytest

    from landscape import LandscapeError

    with pytest.raises(LandscapeError, match="unknown dataset families"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a1_datasets(families=("spiral",)).example()


# --- hypotheses stated through strategy options survive shrinking -------------------------------------------

import pytest  # noqa: E402
from hypothesis import find  # noqa: E402

from landscape import LandscapeError as _LandscapeError  # noqa: E402
from landscape.strategies import a1_datasets as _a1, cube_datasets as _cube, degenerate_datasets as _deg  # noqa: E402


def _columns(x):
    return [tuple(c) for c in np.asarray(x).T.tolist()]


def test_unstated_hypotheses_shrink_to_a_single_point():
    """Why the options exist: the minimal A1 dataset is one point (a claim about N >= 2 points must say so)."""
    x = find(_a1(), lambda x: True, settings=settings(database=None, max_examples=50))
    assert x.shape[1] == 1


def test_min_n_and_exclude_origin_hold_for_the_shrunk_example():
    """'N >= 2 distinct nonzero points': the minimal example of a property that fails everywhere keeps them."""
    x = find(_a1(min_n=2, exclude_origin=True), lambda x: True, settings=settings(database=None, max_examples=50))
    cols = _columns(x)
    assert len(cols) >= 2 and len(set(cols)) == len(cols) and all(any(v != 0 for v in c) for c in cols)


@settings(max_examples=60, deadline=None, database=None)
@given(_a1(min_n=2, exclude_origin=True, families=("with_origin", "symmetric", "lattice")))
def test_exclude_origin_holds_on_every_example(x):
    cols = _columns(x)
    assert len(cols) >= 2 and all(any(v != 0 for v in c) for c in cols)


@settings(max_examples=60, deadline=None, database=None)
@given(_deg(distinct_points=True, exclude_origin=True))
def test_degenerate_distinct_points(x):
    cols = _columns(x)
    assert len(set(cols)) == len(cols) and all(any(v != 0 for v in c) for c in cols) and not satisfies_a1(x)


def test_cube_exclude_origin_shrinks_away_from_the_corner():
    x = find(_cube(exclude_origin=True), lambda x: True, settings=settings(database=None, max_examples=50))
    assert not np.any(np.all(x == 0.0, axis=1))


def test_stated_hypotheses_are_validated():
    with pytest.raises(_LandscapeError, match=r"a1_datasets\(exclude_origin='yes'\): expected True or False"):
        _a1(exclude_origin="yes")
    with pytest.raises(_LandscapeError, match="the only family puts a point at the origin"):
        _a1(families=("with_origin",), exclude_origin=True)
    with pytest.raises(_LandscapeError, match="that family repeats a point"):
        _deg(families=("duplicate",), distinct_points=True)


def test_default_strategies_draw_as_before():
    """No option given: the strategy is the unrestricted one (stored counterexamples depend on its draws)."""
    from landscape._lib import strategies as S

    assert type(S.a1_datasets()).__name__ == type(S._a1_datasets(min_d0=1, max_d0=3, min_n=1, max_n=6,
                                                                 families=S.A1_FAMILIES)).__name__
    assert "filter" not in repr(S.a1_datasets()) and "filter" in repr(S.a1_datasets(exclude_origin=True))
