"""The one exception type of ``landscape``.

Every bad input (unknown claim id, unknown profile, invalid architecture, NaN in data,
malformed counterexample file) raises :class:`LandscapeError`, a :class:`ValueError`
whose message is a single line naming the bad value and what was expected.  The CLI
prints that line and exits with status 2.
"""

from __future__ import annotations


class LandscapeError(ValueError):
    """A bad argument or file: one line, naming the bad value and what was expected."""


def expect(condition: bool, message: str) -> None:
    """Raise :class:`LandscapeError` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise LandscapeError(message)
