"""A failing run stands out: summary counts, an *as expected* column, margins, papers by name."""

from __future__ import annotations

import json
import re

import pytest

from landscape._core import registry
from landscape.cli import main
from landscape._core.papers import PAPERS, cite_source, paper_ref
from landscape._core.report.markdown import format_margin

CLAIMS = '''
from landscape import Outcome, claim
from landscape._core.context import merge

LDS = "004_c552a5c94484e66a.txt, Lemma 3 (appendix D)"


@claim("rh.holds", title="holds by 5.8765 decades", source=LDS, statement="s")
def holds(ctx):
    return merge([], extra=[Outcome.holds(5.8765)], tried="one")


@claim("rh.wrong", title="holds, but the file expects a refutation", source="002_7f4fd584f3752d2b.txt, Theorem 5.1",
       statement="s", expected="refuted", paper="refuted")
def wrong(ctx):
    return merge([], extra=[Outcome.holds(1.0)], tried="one")


@claim("rh.silent", title="refuted exactly where the paper says nothing", source=LDS, statement="s",
       expected="refuted", paper="inconclusive", why="a hypothesis removed")
def silent(ctx):
    return merge([], extra=[Outcome.fails({"k": 1})], tried="one")
'''

IDS = ("rh.holds", "rh.wrong", "rh.silent")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """One report of the three claims above: (index.html, report.md, evidence.json as a dict, stdout)."""
    import landscape._core.evidence

    mp = pytest.MonkeyPatch()
    mp.setattr(landscape._core.evidence, "_fixture_summaries", lambda: [], raising=False)
    root = tmp_path_factory.mktemp("rh")
    f = root / "claims.py"
    f.write_text(CLAIMS)
    try:
        assert main(["report", "--claims-from", str(f), "--only", "rh", "--out", str(root / "rep"),
                     "--counterexamples", str(root / "cx")]) == 1  # rh.wrong is not as expected
        yield ((root / "rep" / "index.html").read_text(), (root / "rep" / "report.md").read_text(),
               json.loads((root / "rep" / "evidence.json").read_text()), f)
    finally:
        mp.undo()
        for cid in IDS:
            registry._REGISTRY.pop(cid, None)


def _row(html: str, cid: str) -> str:
    m = re.search(rf"<tr[^>]*><td><a href='#{re.escape(cid)}'>.*?</tr>", html)
    assert m, cid
    return m.group(0)


def test_summary_counts_at_the_top(report):
    html, md, _, _ = report
    top = html[: html.index("<table>")]
    assert "3 claims" in top
    for n, v in ((2, "supported"), (1, "refuted"), (0, "inconclusive"), (0, "errors")):
        assert f"{n} {v}</span>" in top
    assert "<span class='good'>2 as expected</span> / <span class='bad'>1 not</span>" in top
    assert "class='summary failing'" in top and "<a href='#rh.wrong'>rh.wrong</a> (supported, expected refuted)" in top
    head = md[: md.index("| claim |")]
    assert "3 claims: 2 supported, 1 refuted, 0 inconclusive, 0 errors; 2 as expected, 1 not" in head
    assert "**Not as expected:** [`rh.wrong`]" in head


def test_unexpected_verdicts_are_marked(report):
    html, md, _, _ = report
    assert "<th>as expected</th>" in html
    wrong = _row(html, "rh.wrong")
    assert "class='unexpected'" in wrong and "<td class='unexpected'>&#10007; unexpected</td>" in wrong
    for cid in ("rh.holds", "rh.silent"):
        assert "<td class='ok'>&#10003;</td>" in _row(html, cid) and "unexpected" not in _row(html, cid)
    assert "td.unexpected{color:#fff;background:#b42318" in html
    md_rows: dict[str, str] = {}
    for line in md.splitlines():  # the first table (the findings table comes later)
        if line.startswith("| [`rh."):
            md_rows.setdefault(line.split("`")[1], line)
    assert "| **✗ unexpected** |" in md_rows["rh.wrong"] and "| ✓ |" in md_rows["rh.holds"]


def test_margins_two_decimals_nowrap_and_exact(report):
    html, md, doc, _ = report
    assert "td.margin{white-space:nowrap" in html
    assert "<td class='margin'>+5.88 decades</td>" in _row(html, "rh.holds")
    assert "<td class='margin'>exact</td>" in _row(html, "rh.silent")
    assert "+5.88\u00a0decades" in md and "| exact |" in md
    assert {c["id"]: c["margin"] for c in doc["claims"]}["rh.silent"] == "inf"  # the stored value is unchanged


def test_counterexample_cell_is_a_link(report):
    html, _, _, _ = report
    assert "<td class='cx'><a href='../cx/rh.silent.json'>rh.<wbr>silent.<wbr>json</a></td>" in _row(html, "rh.silent")


def test_papers_by_name(report, capsys):
    html, md, doc, f = report
    lds = PAPERS["004_c552a5c94484e66a.txt"]
    assert "Li, Ding &amp; Sun (2018)" in _row(html, "rh.holds") and "Du et al. (2019)" in _row(html, "rh.wrong")
    assert (f"Source: Li, Ding &amp; Sun (2018), <i>{lds.title}</i>, Lemma 3 (appendix D) "
            "<span class='file'>(file 004_c552a5c94484e66a.txt)</span>") in html
    assert (f"- Source: Li, Ding & Sun (2018), *{lds.title}*, Lemma 3 (appendix D) "
            "(file `004_c552a5c94484e66a.txt`)") in md
    by = {c["id"]: c for c in doc["claims"]}
    assert list(by["rh.holds"])[2:4] == ["source", "paper_ref"]
    assert by["rh.holds"]["paper_ref"] == {"file": "004_c552a5c94484e66a.txt", "authors": "Li, Ding & Sun",
                                           "title": lds.title, "year": 2018, "venue": "",
                                           "cite": "Li, Ding & Sun (2018)", "where": "Lemma 3 (appendix D)"}
    # paper: inconclusive is shown as "the paper is silent"; the stored value stays
    assert by["rh.silent"]["paper"] == "inconclusive"
    assert "<span class='silent'>the paper is silent</span>" in _row(html, "rh.silent")
    assert "the paper is silent" in md and "paper: inconclusive" not in md + html
    assert main(["list", "--claims-from", str(f)]) == 0
    out = capsys.readouterr().out
    block = out[out.index("rh.silent"):]
    assert "(the paper is silent)" in block.splitlines()[0]
    assert "Li, Ding & Sun (2018), Over-Parameterized Deep Neural Networks" in out


def test_paper_table():
    assert set(PAPERS) == {"000_aea297099283b0eb.txt", "001_d513da0bff3b4549.txt", "002_7f4fd584f3752d2b.txt",
                           "003_6b1d70a06ebc74fd.txt", "004_c552a5c94484e66a.txt"}
    assert cite_source("003_6b1d70a06ebc74fd.txt, section 3") == (
        "Golikov (2019), An Essay on Optimization Mystery of Deep Learning, section 3 [file 003_6b1d70a06ebc74fd.txt]")
    assert paper_ref("test") is None and cite_source("test") == "test"


@pytest.mark.parametrize("m,text", [(5.8765, "+5.88 decades"), (-0.004, "-0.00 decades"), ("inf", "exact"),
                                    (float("inf"), "exact"), (None, "n/a"), ("nan", "n/a"), (3, "+3.00 decades"),
                                    ("see notes", "see notes")])
def test_format_margin(m, text):
    assert format_margin(m) == text
