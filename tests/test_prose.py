"""landscape._lib.prose: the joins the evidence texts are built with (and its docstring examples)."""

from __future__ import annotations

import doctest

import pytest

from landscape._lib import prose


def test_doctests():
    failed, attempted = doctest.testmod(prose)
    assert attempted >= 10 and failed == 0


def test_clauses_drops_empty_parts_only():
    assert prose.clauses("a", "", "b", "") == "a; b"
    assert prose.clauses(" ", "b") == " ; b"  # a blank but non-empty part is kept
    assert prose.clauses() == ""
    assert prose.clauses("a", "b", sep="") == "ab"


def test_sentence_and_paren():
    assert prose.sentence("a,", "", "b") == "a, b"
    assert prose.sentence("a", end=".") == "a."
    assert prose.sentence() == ""
    assert prose.paren("x") == "(x)"
    assert prose.paren("x", "", "y", sep=", ") == "(x, y)"
    assert prose.paren() == "()"


def test_seq_formats_like_an_f_string():
    xs = [1.0, 0.5, 12345678.0, 1e-7]
    assert prose.seq(xs, "{:.3g}") == ", ".join(f"{x:.3g}" for x in xs)
    assert prose.seq([(1, 2)], "({}, {})") == "(1, 2)"
    assert prose.seq([[1, 2], (3, 4)][:1]) == "[1, 2]"  # a list is formatted whole, only a tuple is unpacked
    assert prose.seq([]) == ""
    assert prose.seq(iter("ab"), sep="/") == "a/b"


def test_tally():
    counts = {"saturated": 2, "blew up": 0, "stopped": 1}
    assert prose.tally(counts) == "2 saturated, 0 blew up, 1 stopped"
    assert prose.tally(counts, skip_zero=True) == "2 saturated, 1 stopped"
    assert prose.tally({"x": 0}, skip_zero=True) == "none"
    assert prose.tally({}, empty="nothing") == "nothing"


def test_ranged_and_span():
    assert prose.ranged(4, 64) == "4..64"
    assert prose.ranged(1.5e-3, 0.25, "{:.2g}", sep="-") == "0.0015-0.25"
    vals = [0.0123, 3.5, 0.5]
    assert prose.span(vals, "{:.3g}") == f"{min(vals):.3g}..{max(vals):.3g}"
    assert prose.span(v for v in vals) == "0.0123..3.5"
    with pytest.raises(ValueError):
        prose.span([])
