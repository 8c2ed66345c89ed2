"""The source papers by name: seed file (``../shared/papers/``) -> authors, title, year.

A claim's ``source`` starts with the file of the paper it comes from
(``"004_c552a5c94484e66a.txt, Lemma 3 (appendix D)"``); people know the paper as
"Li, Ding & Sun (2018)".  :func:`paper_ref` turns a source into the object stored next to
``source`` in ``evidence.json``, :func:`cite_source` into the line the report and
``landscape list`` show, the file kept as a detail.  The table follows
``../shared/papers/README.md`` and the first lines of each file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Paper:
    """One source paper: the file it is stored in and what people call it."""

    file: str
    authors: str  # short form for a citation: "Li, Ding & Sun", "Du et al."
    title: str
    year: int
    venue: str = ""
    version: str = ""  # which extraction of the paper the file is, when there are several

    @property
    def cite(self) -> str:
        """``Li, Ding & Sun (2018)``."""
        return f"{self.authors} ({self.year})"


_JIANG_TITLE = "Why Learning of Large-Scale Neural Networks Behaves Like Convex Optimization"

PAPERS: dict[str, Paper] = {p.file: p for p in (
    Paper("000_aea297099283b0eb.txt", "Jiang", _JIANG_TITLE, 2019, "ICLR 2020 submission",
          "PDF extraction with formulas"),
    Paper("001_d513da0bff3b4549.txt", "Jiang", _JIANG_TITLE, 2019, "arXiv",
          "arXiv HTML extraction (formulas mostly lost)"),
    Paper("002_7f4fd584f3752d2b.txt", "Du et al.", "Gradient Descent Finds Global Minima of Deep Neural Networks", 2019,
          "ICML 2019"),
    Paper("003_6b1d70a06ebc74fd.txt", "Golikov", "An Essay on Optimization Mystery of Deep Learning", 2019),
    Paper("004_c552a5c94484e66a.txt", "Li, Ding & Sun",
          "Over-Parameterized Deep Neural Networks Have No Strict Local Minima For Any Continuous Activations", 2018),
)}

_FILE = re.compile(r"\b\d{3}_[0-9a-f]{16}\.txt\b")

#: How a ``paper`` verdict of ``inconclusive`` is shown (the stored value stays ``inconclusive``).
SILENT = "the paper is silent"


def split_source(source: str) -> tuple[Paper | None, str]:
    """The paper a source names (None if no known file) and the rest of the source (section, equations)."""
    m = _FILE.search(source or "")
    if m is None or m.group(0) not in PAPERS:
        return None, source or ""
    rest = (source[: m.start()] + source[m.end():]).strip(" ,;:")
    return PAPERS[m.group(0)], rest


def paper_ref(source: str) -> dict[str, Any] | None:
    """The ``paper_ref`` object of ``evidence.json``: file, authors, title, year, venue, cite, where (or None)."""
    p, rest = split_source(source)
    if p is None:
        return None
    return {"file": p.file, "authors": p.authors, "title": p.title, "year": p.year, "venue": p.venue,
            "cite": p.cite, "where": rest}


def cite_source(source: str, *, file: bool = True) -> str:
    """``Li, Ding & Sun (2018), Over-Parameterized ..., Lemma 3 (appendix D) [file 004_c552a5c94484e66a.txt]``.

    A source naming no known paper is returned as it is.  ``file=False`` drops the file detail.
    """
    p, rest = split_source(source)
    if p is None:
        return source
    text = f"{p.cite}, {p.title}" + (f", {rest}" if rest else "")
    return text + (f" [file {p.file}]" if file else "")


def paper_says(paper: str) -> str:
    """``the paper says supported`` / ``the paper is silent`` (for ``paper == "inconclusive"``)."""
    return SILENT if paper == "inconclusive" else f"the paper says {paper}"


def paper_verdict(paper: str) -> str:
    """The ``paper`` column of a table: the verdict, or ``the paper is silent``."""
    return SILENT if paper == "inconclusive" else paper


__all__ = ["PAPERS", "Paper", "SILENT", "cite_source", "paper_ref", "paper_says", "paper_verdict", "split_source"]
