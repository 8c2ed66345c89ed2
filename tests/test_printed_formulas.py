"""Printed formulas the library documents as slips, decided as claims: lds.lemma1.eq17
(landscape/claims/lds/lemma1_eq17.py) and jiang.eq6.literal (landscape/claims/jiang/eq6_literal.py)."""

import math

import numpy as np
import pytest

from landscape._core import registry
from landscape._core.evidence import replay
from landscape._core.runner import run_claim
from landscape._lib import canonical
from landscape._lib.errors import LandscapeError
from landscape.claims.jiang import eq6_literal as eq6
from landscape.claims.lds import lemma1_eq17 as eq17


def test_eq17_exact_derivatives_of_sin_plus_cos():
    assert [eq17.eq17_outcome(n).stats["derivative_at_0"] for n in range(8)] == [1, 1, -1, -1, 1, 1, -1, -1]
    assert [eq17.eq17_outcome(n).status for n in range(4)] == ["holds", "fails", "fails", "holds"]
    assert eq17.eq17_outcome(1).payload == {"n": 1}
    with pytest.raises(LandscapeError, match="n"):
        eq17._replay_eq17({"n": -1})


def test_eq6_printed_partial_sum_misses_cos_2pi_x_by_the_closed_form():
    o = eq6.eq6_outcome(*eq6.COS_2PI)
    assert o.status == "fails" and o.stats["relative_error_2pi"] < 1e-13
    assert o.stats["relative_error_printed"] == pytest.approx(eq6._cos_closed_form()["relative_L2_error"], rel=1e-12)
    assert eq6.eq6_outcome(*eq6.CONSTANT).status == "holds"  # constants are the only survivors
    two = eq6.eq6_outcome(*eq6._mixed_2d())
    assert two.status == "fails" and two.stats["K"] == 2
    # a random real trigonometric polynomial: the 2 pi sum reproduces it, the printed one does not
    n = (2,)
    c = np.random.default_rng(3).normal(size=len(canonical.box(n)))
    r = eq6.eq6_outcome(n, c)
    assert r.status == "fails" and r.stats["relative_error_2pi"] < 1e-13
    assert eq6._replay_eq6(r.payload).status == "fails"
    with pytest.raises(LandscapeError, match="c"):
        eq6._replay_eq6({"n": [1], "c": [0.0, 0.0, 0.0]})


@pytest.mark.parametrize("cid", ["lds.lemma1.eq17", "jiang.eq6.literal"])
def test_registered_refuted_and_the_counterexample_replays(cid, tmp_path):
    c = registry.get(cid)
    assert c.paper == "supported" and c.expected == "refuted" and c.why and c.replay is not None
    ev = run_claim(c, profile="quick", seed=0, counterexample_dir=tmp_path)
    assert ev.verdict == "refuted" and ev.margin > 1
    r = replay(tmp_path / f"{cid}.json")
    assert r.still_refutes and (math.isinf(ev.margin) or math.isclose(r.outcome["margin"], ev.margin))
