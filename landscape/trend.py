"""Trends over a size parameter: log-log slopes with confidence intervals.

Claims about wide networks (Du et al., the essay's two-layer analysis) hold for widths
far beyond any machine; the suite decides them on the *trend* the claim implies -- e.g.
``||G(0) - K|| ~ m^(-1/2)`` means a log-log slope of -1/2.  This module fits the slope
by least squares over every (size, seed) measurement and gives a t-based 95% interval.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats


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
