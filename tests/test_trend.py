"""``landscape._lib.trend``: the rules that decide trend and rate claims (log-log slopes with their 95%
intervals, tails at the largest sizes, replicated refutations), on exact and synthetic cases with known truth."""

from __future__ import annotations

import math

import numpy as np
import pytest

from landscape._lib import trend


def _S(slope: float, low: float, high: float) -> trend.Slope:
    return trend.Slope(slope, low, high, 0.0, 10)


# ------------------------------------------------------------------------------ trend rules
def test_decay_at_least_refutes_only_slower_decay():
    assert trend.decay_at_least(_S(-0.45, -0.74, -0.16)).status == "holds"  # wide but decays, reaches -1/2
    assert trend.decay_at_least(_S(-0.9, -1.1, -0.7)).status == "holds"  # faster than m^-1/2: never held against it
    assert trend.decay_at_least(_S(-0.3, -0.4, -0.2)).status == "fails"  # significantly slower
    assert trend.decay_at_least(_S(0.1, 0.0, 0.2)).status == "fails"  # no decay at all
    assert trend.decay_at_least(_S(-0.3, -0.8, 0.2)).status == "band"  # too wide to tell
    d = trend.decay_at_least(_S(-0.6, -0.7, -0.5))
    assert d.status == "holds" and d.margin == pytest.approx(0.2)
    # the full range significantly slower, the largest sizes merely overlapping -1/2: inconclusive, never holds
    assert trend.decay_at_least(_S(-0.45, -0.49, -0.41), tail=_S(-0.5, -0.9, -0.1)).status == "band"
    assert trend.decay_at_least(_S(-0.45, -0.49, -0.41), tail=_S(-0.5, -0.9, 0.1)).status == "band"
    assert trend.decay_at_least(_S(-0.3, -0.4, -0.2), tail=_S(-0.2, -0.35, -0.05)).status == "fails"
    # the full range consistent with -1/2 but too wide to show decay: the largest sizes may show it
    assert trend.decay_at_least(_S(-0.3, -0.8, 0.2), tail=_S(-0.5, -0.9, -0.1)).status == "holds"
    assert trend.decay_at_least(_S(-0.3, -0.8, 0.2), tail=_S(-0.3, -0.45, -0.1)).status == "band"
    assert trend.decay_at_least(_S(-0.6, -0.7, -0.5), tail=_S(-0.2, -0.3, -0.1)).status == "holds"  # full range decides


#: The design of du.kernel.matches_finite_width (standard profile): networks per width.
_CONC_DESIGN = {128: 20, 256: 20, 512: 20, 1024: 20, 2048: 10, 4096: 6, 8192: 3}


def _synthetic_decisions(true_slope: float, trials: int, sd: float = 0.087) -> list[str]:
    """decay_at_least (with the 3-width tail) on synthetic errors log10 e = 0.5 + s log10 m + N(0, sd^2)
    at the standard design (sd ~ 0.087 measured there)."""
    out = []
    for t in range(trials):
        rng = np.random.default_rng([2024, t])
        ms = [m for m, k in _CONC_DESIGN.items() for _ in range(k)]
        ys = [10 ** (0.5 + true_slope * math.log10(m) + rng.normal(0.0, sd)) for m in ms]
        out.append(trend.decay_at_least(trend.fit(ms, ys), -0.5, tail=trend.fit_tail(ms, ys)).status)
    return out


@pytest.mark.parametrize("true_slope", [-0.3, -0.25, -0.2])
def test_decay_at_least_never_holds_for_a_slower_true_decay(true_slope):
    """The reviewer's case: a true m^-0.3 whose full-range interval lies above -1/2 must never be
    supported because a noisy 3-width tail overlaps -1/2 (it was, in 43% of the trials)."""
    dec = _synthetic_decisions(true_slope, 300)
    assert dec.count("holds") == 0
    assert dec.count("fails") >= 0.5 * len(dec)  # most are refuted, the rest inconclusive


def test_decay_at_least_rarely_refutes_a_true_half_decay():
    dec = _synthetic_decisions(-0.5, 400)
    assert dec.count("fails") / len(dec) <= 0.02  # both intervals above -1/2: ~1% by chance
    assert dec.count("holds") / len(dec) >= 0.95


def _synthetic_confirmed(true_slope: float, trials: int, sd: float = 0.087) -> list[str]:
    """:func:`trend.confirm` on two independent synthetic measurements per trial (the replicate only
    drawn when the first may refute), at the standard design."""
    def measure(rng):
        ms = [m for m, k in _CONC_DESIGN.items() for _ in range(k)]
        ys = [10 ** (0.5 + true_slope * math.log10(m) + rng.normal(0.0, sd)) for m in ms]
        return trend.decay_at_least(trend.fit(ms, ys), -0.5, tail=trend.fit_tail(ms, ys))

    out = []
    for t in range(trials):
        first = measure(np.random.default_rng([2024, t]))
        out.append(trend.confirm(first, lambda: measure(np.random.default_rng([2025, t])))[0].status)
    return out


@pytest.mark.parametrize("true_slope", [-0.3, -0.25])
def test_confirm_never_supports_a_slower_true_decay(true_slope):
    """Never supported; a confirmed refutation costs power (measured: 33% refuted at -0.3 and 57% at -0.25,
    against 57% / 78% for one measurement), the rest is inconclusive."""
    dec = _synthetic_confirmed(true_slope, 300)
    assert dec.count("holds") == 0
    assert dec.count("fails") >= 0.25 * len(dec)


def test_confirm_makes_a_false_refutation_of_a_true_half_decay_rare():
    """A single 95% decision refutes a true m^-1/2 in ~1% of the seeds (several trends per claim make
    that a seed-dependent verdict); confirmed on independent seeds it must stay below 0.5%, and the
    verdict is 'supported' in >= 98% of the seeds."""
    dec = _synthetic_confirmed(-0.5, 400)
    assert dec.count("fails") / len(dec) <= 0.005
    assert dec.count("holds") / len(dec) >= 0.98


def test_confirm_rules():
    S = trend.TrendDecision
    holds, fails, band = S("holds", 0.1, "h"), S("fails", 0.2, "f", replicate=True), S("band", 0.0, "b")
    assert trend.confirm(holds, lambda: 1 / 0) == (holds, None)  # no replicate needed
    assert trend.confirm(band, lambda: 1 / 0) == (band, None)  # too wide: not a slowdown
    assert trend.confirm(fails, lambda: S("fails", 0.05, "f2", replicate=True))[0].status == "fails"
    assert trend.confirm(fails, lambda: S("fails", 0.05, "f2", replicate=True))[0].margin == 0.05
    assert trend.confirm(fails, lambda: holds)[0].status == "holds"
    assert trend.confirm(fails, lambda: band)[0].status == "band"
    slow = S("band", 0.0, "slow", replicate=True)
    assert trend.confirm(slow, lambda: fails)[0].status == "band"
    assert trend.confirm(slow, lambda: holds)[0].status == "holds"


def test_fit_tail_uses_the_largest_sizes():
    xs = [10, 10, 100, 100, 1000, 1000, 10000, 10000]
    ys = [1.0, 1.1, 1.0, 1.1, 0.1, 0.11, 0.01, 0.011]
    t = trend.fit_tail(xs, ys, sizes=2)
    assert t.points == 4 and t.slope == pytest.approx(-1.0, abs=1e-9)
    assert trend.fit_tail([1, 1, 1], [1, 2, 3]) is None


def test_grows_at_most_and_shrinks():
    assert trend.grows_at_most(_S(0.8, 0.5, 1.1), 1.08).status == "holds"
    assert trend.grows_at_most(_S(1.6, 1.3, 1.9), 1.08).status == "fails"
    assert trend.grows_at_most(_S(0.8, -0.5, 2.1), 1.08).status == "band"
    assert trend.shrinks(_S(-0.2, -0.3, -0.1)).status == "holds"
    assert trend.shrinks(_S(0.2, 0.0, 0.3)).status == "fails"
    assert trend.shrinks(_S(-0.1, -0.3, 0.1)).status == "band"
    r = trend.against_reference(_S(-1.0, -1.2, -0.8), -0.5)
    assert r["interval_below_reference"] and not r["interval_contains_reference"]


def test_width_trend_decides_both_ways():
    assert trend.width_trend({16: 0.5, 256: 0.2, 4096: 0.0}, top_clean=True).status == "holds"
    assert trend.width_trend({16: 0.5, 256: 0.6, 4096: 0.75}, top_clean=False).status == "fails"
    assert trend.width_trend({16: 0.9, 256: 0.6, 4096: 0.5}, top_clean=False).status == "band"  # receding
    assert trend.width_trend({16: 0.0, 4096: 0.0}, top_clean=False).status == "band"  # band steps only


def test_loglog_reference_slope():
    assert trend.loglog_reference_slope([4, 8, 16], lambda n: n**2) == pytest.approx(2.0)
