"""Evidence prose from structured fields: the small joins the ``tried`` texts and notes are made of.

A claim's ``tried`` text (and many of its notes) is a list of clauses, each stating one field
of what was run (how many examples, which activations, which budget, how it was decided).
These helpers join such clauses, so a claim builds its text one short clause a line instead
of one long f-string.  They only join and format: the text they produce is exactly the
concatenation of the pieces they are given (``tried`` texts are compared byte for byte across
runs, and notes of refutations are stored in checksummed counterexample files).

    >>> clauses("4 runs", "", paren("H = 2", "m = 8"), sep=", ")
    '4 runs, (H = 2; m = 8)'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["clauses", "sentence", "paren", "seq", "tally", "ranged", "span"]


def clauses(*parts: str, sep: str = "; ") -> str:
    """The non-empty ``parts`` joined by ``sep`` (an empty part -- an absent optional clause -- is dropped).

    >>> clauses("3 runs", "", "eta = 0.1")
    '3 runs; eta = 0.1'
    >>> clauses("a", "b", sep=", ")
    'a, b'
    >>> clauses("", "")
    ''
    """
    return sep.join(p for p in parts if p)


def sentence(*parts: str, end: str = "") -> str:
    """The non-empty ``parts`` joined by single spaces, then ``end`` (e.g. ``"."``).

    For prose whose clauses are words of one sentence rather than a list:

    >>> sentence("supported if it lies below 0,", "refuted if at or above 0", end=".")
    'supported if it lies below 0, refuted if at or above 0.'
    """
    return clauses(*parts, sep=" ") + end


def paren(*parts: str, sep: str = "; ") -> str:
    """The non-empty ``parts`` joined by ``sep`` in parentheses.

    >>> paren("lattice", "uniform", sep=", ")
    '(lattice, uniform)'
    >>> paren("seed 3", "2 excluded")
    '(seed 3; 2 excluded)'
    """
    return "(" + clauses(*parts, sep=sep) + ")"


def seq(values: Iterable[Any], fmt: str = "{}", sep: str = ", ") -> str:
    """Each of ``values`` formatted by ``fmt`` (``str.format``; a tuple is unpacked into it), joined by ``sep``.

    >>> seq(["tanh", "relu"])
    'tanh, relu'
    >>> seq([50, 100, 200], sep="/")
    '50/100/200'
    >>> seq([("tanh", 4), ("relu", 8)], "{} m={}")
    'tanh m=4, relu m=8'
    >>> seq([0.25, 1.0], "{:g}")
    '0.25, 1'
    """
    return sep.join(fmt.format(*v) if isinstance(v, tuple) else fmt.format(v) for v in values)


def tally(counts: Mapping[str, int], empty: str = "none", skip_zero: bool = False) -> str:
    """Counts by reason as ``"<count> <reason>"``, comma-separated in the mapping's order; ``empty`` if none.

    ``skip_zero`` leaves out the reasons counted 0.

    >>> tally({"saturated": 2, "blew up": 1})
    '2 saturated, 1 blew up'
    >>> tally({})
    'none'
    >>> tally({"strict": 0, "saddle": 3}, skip_zero=True)
    '3 saddle'
    """
    return seq(((v, k) for k, v in counts.items() if v or not skip_zero), "{} {}") or empty


def ranged(lo: Any, hi: Any, fmt: str = "{}", sep: str = "..") -> str:
    """The range ``lo`` to ``hi``, each formatted by ``fmt``, joined by ``sep``.

    >>> ranged(4, 64)
    '4..64'
    >>> ranged(0.00123, 0.5, "{:.2g}", sep="-")
    '0.0012-0.5'
    """
    return fmt.format(lo) + sep + fmt.format(hi)


def span(values: Iterable[Any], fmt: str = "{}", sep: str = "..") -> str:
    """:func:`ranged` from the smallest to the largest of ``values``.

    >>> span([3.0, 0.5, 12.0], "{:g}")
    '0.5..12'
    >>> span([2e3, 5e7], "{:.1e}", sep=" .. ")
    '2.0e+03 .. 5.0e+07'
    """
    values = list(values)
    return ranged(min(values), max(values), fmt, sep)
