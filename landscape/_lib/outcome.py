"""One example's decided result: :class:`Outcome` (holds / fails / band, with its margin).

The library's deciders return it and the claim API (``landscape.Outcome``) re-exports it; the
verdict rules that combine outcomes live in the core (``landscape._core.context``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["holds", "fails", "band"]


@dataclass
class Outcome:
    """One example's result: status, margin (decades from the deciding threshold), numbers.

    ``payload`` (for ``fails``) holds everything needed to replay the counterexample:
    JSON-serialisable values only (lists, numbers, strings).
    """

    status: Status
    margin: float = math.inf
    stats: dict[str, Any] = field(default_factory=dict)
    payload: dict[str, Any] | None = None
    note: str = ""

    @classmethod
    def holds(cls, margin: float = math.inf, **stats: Any) -> "Outcome":
        return cls("holds", margin, stats)

    @classmethod
    def fails(cls, payload: dict[str, Any], margin: float = math.inf, note: str = "", **stats: Any) -> "Outcome":
        return cls("fails", margin, stats, payload, note)

    @classmethod
    def band(cls, note: str = "", **stats: Any) -> "Outcome":
        return cls("band", 0.0, stats, None, note)


__all__ = ["Outcome", "Status"]
