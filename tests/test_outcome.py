"""``landscape._lib.outcome``: one example's decided result, and the verdict rule over outcomes."""

import math

from landscape import Outcome, verdict_of


def test_constructors():
    assert Outcome.holds(2.0, n=3) == Outcome("holds", 2.0, {"n": 3})
    f = Outcome.fails({"x": [1]}, 1.5, note="why", n=3)
    assert (f.status, f.margin, f.payload, f.note, f.stats) == ("fails", 1.5, {"x": [1]}, "why", {"n": 3})
    b = Outcome.band("undecided")
    assert (b.status, b.margin, b.payload) == ("band", 0.0, None)
    assert Outcome.holds().margin == math.inf


def test_verdict_rule():
    h, f, b = Outcome.holds(), Outcome.fails({}), Outcome.band()
    assert verdict_of([h, h]) == "supported"
    assert verdict_of([h, b]) == "inconclusive"
    assert verdict_of([h, b, f]) == "refuted"
    assert verdict_of([]) == "inconclusive"
    assert verdict_of([h], budget_spent=False) == "inconclusive"
