"""Trends over a size parameter: log-log slopes with confidence intervals.

Claims about wide networks (Du et al., the essay's two-layer analysis) hold for widths
far beyond any machine; the suite decides them on the *trend* the claim implies -- e.g.
``||G(0) - K|| ~ m^(-1/2)`` means a log-log slope of -1/2.  This module fits the slope
by least squares over every (size, seed) measurement and gives a t-based 95% interval.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np
from scipy import stats

from landscape._lib.errors import LandscapeError


@dataclass(frozen=True)
class Slope:
    """Least-squares slope of log10(y) against log10(x) (or y against x) with its 95% interval."""

    slope: float
    low: float
    high: float
    intercept: float
    points: int

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def as_dict(self) -> dict:
        return asdict(self)


def fit(xs: list[float], ys: list[float], *, loglog: bool = True, logy: bool = False) -> Slope:
    """Fit ``log10 y = a + s log10 x`` (``loglog``) or ``log10 y = a + s x`` (``logy``) or ``y = a + s x``."""
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    if loglog:
        x = np.log10(x)
    if loglog or logy:
        y = np.log10(np.maximum(y, 1e-300))
    if len(x) < 3 or np.ptp(x) == 0:
        raise ValueError(f"need at least 3 points over at least 2 sizes to fit a slope, got {len(x)}")
    r = stats.linregress(x, y)
    t = stats.t.ppf(0.975, len(x) - 2)
    half = t * r.stderr if math.isfinite(r.stderr) else math.inf
    return Slope(float(r.slope), float(r.slope - half), float(r.slope + half), float(r.intercept), len(x))


@dataclass(frozen=True)
class TrendDecision:
    """A decision read off a fitted slope: ``status`` holds / fails / band, ``margin`` (in
    slope units: how far the deciding end of the 95% interval is from the threshold it
    cleared; 0 in the band) and a one-line ``note`` saying which rule decided."""

    status: str
    margin: float
    note: str
    #: True when a replicate on independent seeds may change the decision (:func:`confirm`): a
    #: refutation, or a band that comes from a significant slowdown on the full range.
    replicate: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def confirm(first: TrendDecision, remeasure: Callable[[], TrendDecision]) -> tuple[TrendDecision, TrendDecision | None]:
    """A trend refutation must not depend on the seed: confirm it on independent seeds.

    A 95% interval excludes the truth in 1 run of 20, and a claim decides several trends
    (one per activation) on every seed, so a single significant slowdown is weak evidence.
    When ``first`` may change with a replicate (``first.replicate``: it fails, or it is in the
    band because the full range is significantly slower), ``remeasure()`` measures the same
    trend again on independent seeds (same sizes, new networks) and:

    * both fail -> ``fails`` (margin: the smaller of the two): the slowdown replicates;
    * the replicate holds -> ``holds`` (its margin), noting the unreplicated first measurement:
      a trend consistent with the bound on independent seeds is not refuted by one that is
      not (a trend that is really slower fails both: a true slope of -0.3 is never supported,
      ``tests/test_du_machinery.py``);
    * otherwise -> ``band`` (inconclusive, with both notes).

    Returns the decision and the replicate's (None when no replicate was needed).
    """
    if not first.replicate:
        return first, None
    second = remeasure()
    if first.status == "fails" and second.status == "fails":
        return TrendDecision("fails", min(first.margin, second.margin),
                             f"{first.note}; replicated on independent seeds: {second.note}"), second
    if second.status == "holds":
        return TrendDecision("holds", second.margin,
                             f"{second.note} (on independent seeds; the first measurement, {first.note}, did not "
                             "replicate)"), second
    return TrendDecision("band", 0.0, f"{first.note}; on independent seeds: {second.note} -- the slowdown does not "
                                      "replicate decisively: inconclusive"), second


#: Offset of the seeds of a confirmation replicate (:func:`confirm`): beyond every run seed's range.
REPLICATE_OFFSET = 10**12


def confirm_measured(t: dict, again: Callable[[], dict]) -> TrendDecision:
    """:func:`confirm` on a measured trend ``t`` (a dict with ``decision`` and ``payload``);
    ``again()`` measures it on independent seeds.  When a replicate was needed, ``t["replicate"]``
    holds it and ``t["payload"]["replicate"]`` its payload, so the replay re-measures both."""
    box: dict = {}

    def remeasure() -> TrendDecision:
        box["t"] = again()
        return box["t"]["decision"]

    dec, _ = confirm(t["decision"], remeasure)
    t["replicate"] = box.get("t")
    if "t" in box:
        t["payload"]["replicate"] = box["t"]["payload"]
    return dec


def replay_confirmed(p: dict, measure: Callable[[dict], dict]) -> tuple[TrendDecision, dict]:
    """Re-measure a stored trend (``measure(payload) -> trend dict``) and, when the payload holds a
    replicate, re-measure that too and re-decide with :func:`confirm` (via :func:`confirm_measured`)."""
    t = measure(p)
    rep = p.get("replicate")
    if rep is None:
        return t["decision"], t
    if not isinstance(rep, dict):
        raise LandscapeError(f"payload field 'replicate' is {type(rep).__name__}; expected an object")
    dec = confirm_measured(t, lambda: measure(rep))
    return dec, t


def decay_at_least(sl: Slope, rate: float = -0.5, *, tail: Slope | None = None) -> TrendDecision:
    """The error should decay at least like ``size^rate`` (an *asymptotic upper* bound, as in
    Du et al.'s concentration lemmas: constants unknown).  ``sl`` is the fit on every size,
    ``tail`` (optional) the fit on the largest sizes alone (closest to the asymptotic regime).

    * ``fails`` if the full-range 95% interval lies entirely above ``rate`` (significantly
      slower, including 'no decay at all') *and*, when ``tail`` is given, so does the
      tail's;
    * ``band`` if the full range is significantly slower but the tail's interval merely
      reaches ``rate`` (the larger sizes do not confirm the slowdown, but nothing shows
      that it is pre-asymptotic either: inconclusive, never ``holds``);
    * ``holds`` if the full-range interval reaches ``rate`` or below (consistent with the
      bound; a faster decay is never held against it) and lies below 0 (it decays) -- or,
      when the full range is consistent with ``rate`` but too wide to show decay, if the
      tail's interval lies below 0 and reaches ``rate``;
    * otherwise ``band`` (too wide to tell).
    """
    tail_ok = tail is not None and tail.high < 0 and tail.low <= rate
    tail_txt = "" if tail is None else f", on the largest sizes {tail.slope:.3f} [{tail.low:.3f}, {tail.high:.3f}]"
    if sl.low > rate:
        if tail is None or tail.low > rate:
            return TrendDecision("fails", sl.low - rate if tail is None else min(sl.low, tail.low) - rate,
                                 f"slope {sl.slope:.3f} [{sl.low:.3f}, {sl.high:.3f}] is entirely above {rate}"
                                 + ("" if tail is None else f", on the largest sizes too ([{tail.low:.3f}, {tail.high:.3f}])")
                                 + f": decays significantly slower than size^{rate}", replicate=True)
        return TrendDecision("band", 0.0,
                             f"slope {sl.slope:.3f} [{sl.low:.3f}, {sl.high:.3f}] is entirely above {rate} (decays "
                             f"significantly slower on the full range){tail_txt} reaches {rate}: the largest sizes do "
                             "not confirm the slowdown, nor does anything show it is pre-asymptotic -- inconclusive",
                             replicate=True)
    if sl.high < 0:
        return TrendDecision("holds", min(-sl.high, rate - sl.low),
                             f"slope {sl.slope:.3f} [{sl.low:.3f}, {sl.high:.3f}]: decays, consistent with "
                             f"size^{rate} or faster")
    if tail_ok:
        return TrendDecision("holds", min(rate - sl.low, -tail.high, rate - tail.low),
                             f"slope {sl.slope:.3f} [{sl.low:.3f}, {sl.high:.3f}] reaches {rate} but is too wide to "
                             f"show decay{tail_txt}: decays, consistent with size^{rate} or faster")
    return TrendDecision("band", 0.0, f"slope {sl.slope:.3f} [{sl.low:.3f}, {sl.high:.3f}]" + tail_txt
                         + ": too wide to tell")


def fit_tail(xs: list[float], ys: list[float], *, sizes: int = 3) -> Slope | None:
    """:func:`fit` on the ``sizes`` largest distinct sizes only (None if there are fewer than 2)."""
    top = sorted(set(xs))[-sizes:]
    if len(top) < 2:
        return None
    pts = [(x, y) for x, y in zip(xs, ys) if x in top]
    return fit([p[0] for p in pts], [p[1] for p in pts])


def grows_at_most(sl: Slope, rate: float, *, max_width: float = 1.0) -> TrendDecision:
    """The quantity should grow no faster than ``size^rate`` (an *upper* bound): refuted if
    the 95% interval lies entirely above ``rate``; supported if the interval reaches
    ``rate`` or below (a slower growth is never held against the bound) and is at most
    ``max_width`` wide (precise enough to tell ``n`` from ``n^2``); otherwise too wide to tell."""
    if sl.low > rate:
        return TrendDecision("fails", sl.low - rate, f"slope {sl.slope:.3f} [{sl.low:.3f}, {sl.high:.3f}] is "
                                                     f"entirely above {rate:.3f}: grows faster than the bound",
                             replicate=True)
    if sl.high - sl.low <= max_width:
        return TrendDecision("holds", rate - sl.low, f"slope {sl.slope:.3f} [{sl.low:.3f}, {sl.high:.3f}] reaches "
                                                     f"{rate:.3f} or below: consistent with the bound")
    return TrendDecision("band", 0.0, f"slope {sl.slope:.3f} [{sl.low:.3f}, {sl.high:.3f}] wider than {max_width}: "
                                      "too wide to tell")


def shrinks(sl: Slope) -> TrendDecision:
    """'Shrinks as the size grows': supported if the 95% interval is below 0, refuted if it
    is at or above 0 (no decrease), otherwise undecided."""
    if sl.high < 0:
        return TrendDecision("holds", -sl.high, f"slope {sl.slope:.3f} [{sl.low:.3f}, {sl.high:.3f}] < 0: shrinks")
    if sl.low >= 0:
        return TrendDecision("fails", sl.low, f"slope {sl.slope:.3f} [{sl.low:.3f}, {sl.high:.3f}] >= 0: does not "
                                              "shrink")
    return TrendDecision("band", 0.0, f"slope {sl.slope:.3f} [{sl.low:.3f}, {sl.high:.3f}] contains 0")


def against_reference(sl: Slope, reference: float) -> dict:
    """Where the slope's 95% interval lies relative to a reference slope (reported, not decided)."""
    return {"reference": reference, "interval_contains_reference": sl.contains(reference),
            "interval_below_reference": sl.high < reference, "interval_above_reference": sl.low > reference}


def loglog_reference_slope(xs: list[float], fn) -> float:
    """Least-squares log-log slope of ``fn(x)`` over the sizes ``xs`` (e.g. ``n sqrt(log n)``)."""
    x = np.log10(np.asarray(sorted(set(xs)), dtype=float))
    y = np.log10([float(fn(v)) for v in sorted(set(xs))])
    return float(np.polyfit(x, y, 1)[0])


def width_trend(bad_fraction: dict[int, float], *, top_clean: bool) -> TrendDecision:
    """Decide a 'for m large enough' bound from runs over widths ``m`` far below the theorem's.

    ``bad_fraction[m]``: fraction of runs at width ``m`` that violated the bound at some
    step (clear of the tolerance band); ``top_clean``: every run at the largest width
    stayed within the bound at every step with no step in the band.  Supported if
    ``top_clean``; refuted if at the largest width at least half the runs violate it *and*
    no smaller fraction than at the smallest width does (the violations do not recede as
    m grows: the trend contradicts 'for m large enough'); otherwise undecided.
    """
    ms = sorted(bad_fraction)
    top, low = bad_fraction[ms[-1]], bad_fraction[ms[0]]
    if top_clean:
        return TrendDecision("holds", math.inf, f"every run at m = {ms[-1]} within the bound at every step")
    if top >= 0.5 and top >= low:
        return TrendDecision("fails", top - 0.5,
                             f"{top:.0%} of the runs at m = {ms[-1]} violate the bound (vs {low:.0%} at m = {ms[0]}): "
                             "the violations do not recede as m grows")
    return TrendDecision("band", 0.0, f"{top:.0%} of the runs at m = {ms[-1]} violate the bound or have a step in the "
                                      f"tolerance band ({low:.0%} at m = {ms[0]})")
