"""The source papers by name: seed file (``../shared/papers/``) -> authors, title, year.

A claim's ``source`` starts with the file of the paper it comes from
(``"004_c552a5c94484e66a.txt, Lemma 3 (appendix D)"``); people know the paper as
"Li, Ding & Sun (2018)".  :func:`paper_ref` turns a source into the object stored next to
``source`` in ``evidence.json``, :func:`cite_source` into the line the report and
``landscape list`` show, the file kept as a detail.  The table follows
``../shared/papers/README.md`` and the first lines of each file.

:func:`paper_position` sorts sources by where the result they name is stated in the paper
(:data:`RESULT_LINES`), so that the report lists a paper's claims in the paper's order.
"""

from __future__ import annotations

import math
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
    names: str = ""  # the full author list, as the paper gives it

    @property
    def full_authors(self) -> str:
        """The full author list (the short form when none is recorded)."""
        return self.names or self.authors

    @property
    def cite(self) -> str:
        """``Li, Ding & Sun (2018)``."""
        return f"{self.authors} ({self.year})"


_JIANG_TITLE = "Why Learning of Large-Scale Neural Networks Behaves Like Convex Optimization"

PAPERS: dict[str, Paper] = {p.file: p for p in (
    Paper("000_aea297099283b0eb.txt", "Jiang", _JIANG_TITLE, 2019, "ICLR 2020 submission",
          "PDF extraction with formulas", "H. Jiang"),
    Paper("001_d513da0bff3b4549.txt", "Jiang", _JIANG_TITLE, 2019, "arXiv",
          "arXiv HTML extraction (formulas mostly lost)", "H. Jiang"),
    Paper("002_7f4fd584f3752d2b.txt", "Du et al.", "Gradient Descent Finds Global Minima of Deep Neural Networks", 2019,
          "ICML 2019", names="S. Du, J. Lee, H. Li, L. Wang, X. Zhai"),
    Paper("003_6b1d70a06ebc74fd.txt", "Golikov", "An Essay on Optimization Mystery of Deep Learning", 2019,
          names="E. Golikov"),
    Paper("004_c552a5c94484e66a.txt", "Li, Ding & Sun",
          "Over-Parameterized Deep Neural Networks Have No Strict Local Minima For Any Continuous Activations", 2018,
          names="D. Li, T. Ding, R. Sun"),
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


#: Where each result is stated in each paper: label -> line of ``../shared/papers/<file>``.
#:
#: Derived by hand from the paper texts (the package cannot read ``../shared`` at run time): the
#: lines of the section headings (``grep -nE '^ ?[0-9](\.[0-9])* [A-Z]'``), of the numbered
#: statements (``grep -nE '^(Theorem|Lemma|Corollary|Proposition|Definition|Assumption|Condition)'``,
#: ``Algorithm 1``, ``Figure 1:``), of the equation tags (``(n)`` at the end of a line, ``\tag{n}``,
#: ``\quad (n)``) and of the passages the claims' sources name or quote ("remark on convergence
#: rate", 'Analysis of Random Initialization', ...), each read in context.  Only the order of the
#: lines matters.  Results a text does not contain (Du et al.'s appendices: Lemma B.*,
#: Proposition F.*) are absent: they sort after the known ones.  Labels: ``section 3.3.1``,
#: ``appendix D``, ``Theorem 1``, ``Assumption A3`` (an item of Assumption 1), ``eq. 9``,
#: ``Footnote 1``; a lower-case label is a passage, found as a substring of the source.
RESULT_LINES: dict[str, dict[str, int]] = {
    "000_aea297099283b0eb.txt": {
        "section 1": 18, "section 2": 60, "eq. 1": 81, "eq. 2": 96, "section 2.1": 101, "eq. 3": 126,
        "section 2.2": 134, "eq. 4": 153, "eq. 5": 180, "eq. 6": 203, "Figure 1": 224, "section 2.3": 227,
        "section 3": 237, "section 3.1": 239, "eq. 7": 262, "Theorem 1": 266, "Corollary 1": 334,
        "section 3.2": 342, "the residual error term": 359, "eq. 8": 434, "eq. 9": 470, "Lemma 1": 478,
        "eq. 10": 503, "Lemma 2": 512, "Algorithm 1": 543, "randomly initialize w(0)": 545, "Theorem 2": 561,
        "section 3.3": 599, "section 3.3.1": 611, "section 3.3.2": 628, "the rows of h(w) corresponding": 636,
        "section 3.3.3": 644, "section 4": 659,
    },
    "001_d513da0bff3b4549.txt": {  # the same paper, fewer lines (formulas lost): headings and statements
        "section 1": 4, "section 2": 7, "section 2.1": 13, "section 2.2": 17, "section 2.3": 30, "section 3": 32,
        "section 3.1": 33, "Theorem 1": 37, "Corollary 1": 43, "section 3.2": 46, "Lemma 1": 55, "Lemma 2": 60,
        "Theorem 2": 65, "section 3.3": 69, "section 3.3.1": 71, "section 3.3.2": 73, "section 3.3.3": 75,
        "section 4": 77,
    },
    "002_7f4fd584f3752d2b.txt": {
        "section 1": 9, "section 2": 37, "section 3": 63, "Condition 3.1": 73, "Condition 3.2": 81, "eq. 1": 90,
        "eq. 2": 103, "eq. 3": 114, "section 4": 152, "analysis of random initialization": 186, "eq. 4": 194,
        "eq. 5": 201, "analysis of perturbation": 205, "eq. 6": 209, "section 5": 215, "Definition 5.1": 219,
        "eq. 7": 223, "Theorem 5.1": 233, "section 6": 255, "Definition 6.1": 259, "eq. 8": 273,
        "Theorem 6.1": 281, "eq. 9": 284, "section 7": 295, "Definition 7.1": 299, "Theorem 7.1": 309,
        "eq. 11": 311, "section 8": 319,
    },
    "003_6b1d70a06ebc74fd.txt": {
        "section 1": 7, "section 2": 26, "section 2.1": 28, "eq. 1": 32, "eq. 2": 37, "section 2.1.1": 44,
        "eq. 3": 51, "eq. 4": 56, "section 2.1.2": 95, "eq. 5": 102, "eq. 6": 109, "eq. 7": 116, "eq. 8": 141,
        "unfortunately, as we see": 174,
        "false for relu": 176,  # "Remark on non-smooth non-linearities" (ReLU; "the same ... for Yu and Chen")
        "section 2.2": 180, "eq. 9": 187, "eq. 10": 195, "eq. 11": 237, "eq. 12": 264, "eq. 13": 278,
        "definition of h^inf": 296,  # "Let H^inf be the expectation of Gram matrix at initialization"
        "theorem 3.1 of du et al": 300, "no two inputs parallel": 300,  # "positive as long as ... not parallel"
        "remark on convergence rate": 308, "section 3": 349, "section 4": 353,
    },
    "004_c552a5c94484e66a.txt": {
        "section 1": 13, "section 1.1": 19, "section 1.2": 37, "Footnote 1": 41, "section 1.3": 56,
        "section 2": 60, "eq. 1": 66, "eq. 2": 70, "eq. 3": 76, "eq. 4": 86, "eq. 5": 90, "section 3": 94,
        "section 3.1": 96, "Assumption 1": 100, "Assumption A1": 102, "Assumption A2": 104, "Assumption A3": 106,
        "Assumption A4": 108, "section 3.2": 112, "Definition 1": 116, "Definition 2": 120, "Theorem 1": 126,
        "Corollary 1": 130, "section 3.3": 134, "Proposition 1": 138, "Footnote 2": 144, "section 4": 146,
        "Assumption 2": 152, "Theorem 2": 156, "Lemma 1": 160, "Proposition 2": 166, "eq. 6": 168, "eq. 7": 178,
        "Lemma 2": 184, "eq. 8": 190, "eq. 9": 192, "eq. 10": 198, "eq. 11": 200, "eq. 12": 206, "eq. 13": 208,
        "section 4.1": 212, "Lemma 3": 218, "eq. 14": 228, "eq. 15": 232, "section 5": 240, "appendix A": 294,
        "eq. 16": 302, "eq. 17": 306, "eq. 18": 312, "eq. 19": 318, "eq. 20": 322, "eq. 21": 326, "eq. 23": 344,
        "eq. 24": 354, "eq. 25": 358, "appendix B": 362, "eq. 26": 366, "eq. 27": 368, "eq. 28": 374,
        "eq. 29": 376, "appendix C": 380, "eq. 30": 384, "eq. 31": 390, "eq. 32": 394, "appendix D": 412,
        "Lemma 4": 416, "Lemma 5": 424, "Lemma 6": 428, "Proposition 3": 450, "Proposition 4": 470,
        "eq. 34": 482, "eq. 35": 484, "eq. 36": 496,
    },
}

_KINDS = "Theorem|Lemma|Corollary|Proposition|Definition|Assumption|Condition|Algorithm|Figure|Remark|Footnote"
_MENTIONS = re.compile(
    r"\b(?:(?P<sec>sections?|appendix|appendices)\s+(?P<secnum>\d+(?:\.\d+)*|[A-Z]\b)"
    rf"|(?P<kind>{_KINDS})s?\s+(?P<num>(?:[A-Z]\.?)?\d+(?:\.\d+)*)(?!\S*\s+of\s+[A-Z])"  # not "Lemma 4.4 of Nguyen"
    r"|(?P<eq>eq(?:uation)?s?\.?)\s*\(?(?P<eqnum>\d+)\)?)",
    re.IGNORECASE)
_AFTER = re.compile(r"\bafter\s+(?:the\s+)?$", re.IGNORECASE)


def _mentions(rest: str, table: dict[str, int]) -> list[tuple[int, str, bool]]:
    """The labels a source names, in order: (offset, label, is a section)."""
    found: list[tuple[int, str, bool]] = []
    for m in _MENTIONS.finditer(rest):
        if m.group("sec"):
            num = m.group("secnum")
            found.append((m.start(), f"{'appendix' if num.isalpha() else 'section'} {num.upper()}", True))
        elif m.group("kind"):
            found.append((m.start(), f"{m.group('kind').capitalize()} {m.group('num').upper()}", False))
        else:
            found.append((m.start(), f"eq. {int(m.group('eqnum'))}", False))
    low = rest.lower()
    for label in table:
        if label.islower() and not label.startswith(("section ", "appendix ", "eq. ")):
            i = low.find(label)
            if i >= 0:
                found.append((i, label, False))
    return sorted(found)


def paper_position(source: str) -> tuple[int, float]:
    """Where the result a claim's ``source`` names is stated: (paper rank, line in the paper's text).

    The paper rank is the file's place in :data:`PAPERS` (a source naming no known paper ranks
    after all papers).  The line comes from :data:`RESULT_LINES`: of the first result, equation or
    passage the source names that the paper's table knows (``"Lemma 3 (appendix D)"`` -> Lemma 3;
    ``"section 2.2, eq. (11) (Theorem 3.2 of Du et al. 2019)"`` -> eq. 11: a result "of" another
    paper is not this paper's), else of the first known section; half a line later when the source
    says "after" it (``"remark after Proposition 1"``).  A source with no known label gets ``inf``:
    it sorts after the known ones.  Sort claims by ``(paper_position(source), id)`` so that ties go
    by claim id.
    """
    p, rest = split_source(source)
    rank = list(PAPERS).index(p.file) if p is not None else len(PAPERS)
    table = RESULT_LINES.get(p.file, {}) if p is not None else {}
    known = [(i, label, sec) for i, label, sec in _mentions(rest, table) if label in table]
    pick = next((k for k in known if not k[2]), None) or next(iter(known), None)
    if pick is None:
        return rank, math.inf
    after = bool(_AFTER.search(rest[: pick[0]]))
    return rank, table[pick[1]] + (0.5 if after else 0.0)


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


__all__ = ["PAPERS", "Paper", "RESULT_LINES", "SILENT", "cite_source", "paper_position", "paper_ref", "paper_says",
           "paper_verdict", "split_source"]
