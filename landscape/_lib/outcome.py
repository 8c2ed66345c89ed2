"""One example's decided result: :class:`Outcome` (holds / fails / band, with its margin).

The library's deciders return it and the claim API (``landscape.Outcome``) re-exports it; the
verdict rules that combine outcomes live in the core (``landscape._core.context``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["holds", "fails", "band"]
#: How strongly a point-based decision was shown, strongest first (``landscape._lib.certify.critical``).
PROOF_LEVELS: tuple[str, ...] = ("exact", "interval", "multiprecision", "float64")


@dataclass
class Outcome:
    """One example's result: status, margin (decades from the deciding threshold), numbers.

    ``payload`` (for ``fails``) holds everything needed to replay the counterexample:
    JSON-serialisable values only (lists, numbers, strings).  ``proof`` (for a counterexample that
    rests on a point being critical / a local minimum): how strongly that was shown, one of
    ``exact``, ``interval``, ``multiprecision``, ``float64`` (``landscape.numerics.PROOF_LEVELS``;
    e.g. ``certificate.proof``); ``None`` when the decision rests on no such point.
    """

    status: Status
    margin: float = math.inf
    stats: dict[str, Any] = field(default_factory=dict)
    payload: dict[str, Any] | None = None
    note: str = ""
    proof: str | None = None

    def __post_init__(self) -> None:
        if self.proof is not None and self.proof not in PROOF_LEVELS:
            from landscape._lib.errors import LandscapeError

            raise LandscapeError(f"proof={self.proof!r} is invalid; expected one of {', '.join(PROOF_LEVELS)} or None")

    @classmethod
    def holds(cls, margin: float = math.inf, **stats: Any) -> "Outcome":
        return cls("holds", margin, stats)

    @classmethod
    def fails(cls, payload: dict[str, Any], margin: float = math.inf, note: str = "", *, proof: str | None = None,
              **stats: Any) -> "Outcome":
        return cls("fails", margin, stats, payload, note, proof)

    @classmethod
    def band(cls, note: str = "", **stats: Any) -> "Outcome":
        return cls("band", 0.0, stats, None, note)


__all__ = ["Outcome", "Status"]
