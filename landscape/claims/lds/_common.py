"""Shared pieces of the Li-Ding-Sun claims: the paper file, the exact-order limit, Assumption 2."""

from __future__ import annotations

from landscape._core.context import Outcome
from landscape._lib import activations, symbolic

PAPER = "004_c552a5c94484e66a.txt"
MAX_ORDER = 12  # derivative orders decided exactly for activations without a certificate


def assumption2(name: str) -> symbolic.Assumption2Decision:
    """Cached exact Assumption 2 decision for a registered activation (:func:`symbolic.assumption2_for`)."""
    return symbolic.assumption2_for(name, MAX_ORDER)


def assumption2_for_n(n: int) -> list[str]:
    """The registered activations that satisfy Assumption 2 for ``n`` (decided exactly)."""
    return [a for a in activations.names() if assumption2(a).holds_for(n)]


def count_by(outcomes: list[Outcome], key: str) -> dict[str, dict[str, int]]:
    """Outcome counts (holds / fails / band) per value of the statistic or payload entry ``key``."""
    out: dict[str, dict[str, int]] = {}
    for o in outcomes:
        k = str(o.stats.get(key, (o.payload or {}).get(key)))
        out.setdefault(k, {"holds": 0, "fails": 0, "band": 0})[o.status] += 1
    return out
