"""A failing run stands out: summary counts, findings first, papers by name, claims in the paper's order.

The HTML report opens with the counts, one row per paper and the findings; then one section per
paper, its claims in the order the results appear in the paper, each claim with its counterexample
file shown in full.  The templates autoescape; an unexpected payload shape never crashes the report.
"""

from __future__ import annotations

import html as htmllib
import json
import math
import re
from pathlib import Path

import pytest

from landscape._core import registry
from landscape._core.evidence import Evidence
from landscape._core.papers import PAPERS, RESULT_LINES, cite_source, paper_position, paper_ref
from landscape._core.report import render_landscape_figures, stage_report
from landscape._core.report.html import environment, render_html, value_view
from landscape._core.report.markdown import claim_order, findings, format_margin, is_finding
from landscape.cli import main

REPO = Path(__file__).resolve().parents[1]

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


@claim("rh.early", title="an earlier result of the same paper", source="004_c552a5c94484e66a.txt, Proposition 1",
       statement="<b>not bold</b> & escaped")
def early(ctx):
    return merge([], extra=[Outcome.holds(2.0)], tried="one")
'''

IDS = ("rh.holds", "rh.wrong", "rh.silent", "rh.early")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """One report of the claims above: (index.html, report.md, evidence.json as a dict, claims file)."""
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
    """A claim's row in its paper's table (ids break at their dots)."""
    m = re.search(rf'<tr[^>]*><td><a href="#{re.escape(cid)}">.*?</tr>', html)
    assert m, cid
    return m.group(0)


def _section(html: str, cid: str) -> str:
    m = re.search(rf'<section class="claim[^"]*" id="{re.escape(cid)}">.*?</section>', html, re.S)
    assert m, cid
    return m.group(0)


def _findings(html: str) -> str:
    return html[html.index('<h2 id="findings">'): html.index('<h2 id="about">')]


def test_summary_counts_at_the_top(report):
    html, md, _, _ = report
    top = html[: html.index('<h2 id="papers">')]
    assert "4 claims" in top
    for n, v in ((3, "supported"), (1, "refuted"), (0, "inconclusive"), (0, "errors")):
        assert f"{n} {v}</span>" in top
    assert '<span class="good">3 as expected</span> / <span class="bad">1 not</span>' in top
    assert 'class="summary failing"' in top and '<a href="#rh.wrong">rh.wrong</a> (supported, expected refuted)' in top
    head = md[: md.index("| claim |")]
    assert "4 claims: 3 supported, 1 refuted, 0 inconclusive, 0 errors; 3 as expected, 1 not" in head
    assert "**Not as expected:** [`rh.wrong`]" in head


def test_papers_then_findings_then_papers_sections(report):
    html, md, _, _ = report
    order = [html.index(s) for s in ('id="summary"', '<h2 id="papers">', '<h2 id="findings">',
                                      'id="paper-002_7f4fd584f3752d2b"', 'id="paper-004_c552a5c94484e66a"')]
    assert order == sorted(order)
    papers = html[html.index('<h2 id="papers">'): html.index('<h2 id="findings">')]
    lds, du = PAPERS["004_c552a5c94484e66a.txt"], PAPERS["002_7f4fd584f3752d2b.txt"]
    for p in (lds, du):
        assert f'<a href="#paper-{p.file[:-4]}">{htmllib.escape(p.cite)}</a>' in papers
        assert f"<i>{p.title}</i>" in papers and htmllib.escape(p.full_authors) in papers and p.file in papers
    lds_row = re.search(r"<tr[^>]*>\s*<td class=\"cite\"><a href=\"#paper-004.*?</tr>", papers, re.S).group(0)
    # 3 claims: 2 supported, 1 refuted, 0 inconclusive, 0 errors, 1 finding, 3/3 as expected
    assert re.findall(r'<td class="n[^"]*">([^<]*)<', lds_row)[:7] == ["2018", "3", "2", "1", "0", "0", "1"]
    du_row = re.search(r"<tr class=\"unexpected\">\s*<td class=\"cite\"><a href=\"#paper-002.*?</tr>", papers, re.S)
    assert du_row and "0/1 &#10007;" in du_row.group(0)  # Du et al.'s only claim is not as expected
    head = md[: md.index("## Findings")]
    assert "## Papers" in head and f"| [{lds.cite}](#paper-004_c552a5c94484e66a) | *{lds.title}* |" in head
    assert md.index("## Findings") < md.index("| claim |")


def test_findings_one_sentence_each_with_links(report):
    html, md, doc, _ = report
    found = _findings(html)
    items = re.findall(r'<li class="finding[^"]*">.*?</li>', found, re.S)
    # the verdict that is not the expected one first, then the others in paper order
    assert [re.search(r'href="#([^"]+)"', i).group(1) for i in items] == ["rh.wrong", "rh.silent"]
    wrong, silent = items
    assert "the paper is silent; the suite computes <span class=\"refuted\">refuted</span> (exact): a hypothesis " \
           "removed." in silent and '<a href="../cx/rh.silent.json">rh.silent.json</a> (fails)' in silent
    assert 'class="finding unexpected"' in wrong and "not as expected: computed supported, expected refuted" in wrong
    assert "(+1.00 decades)" in wrong and "Du et al. (2019), Theorem 5.1: the paper says refuted" in wrong
    assert "rh.holds" not in found and "rh.early" not in found
    md_found = md[md.index("## Findings"): md.index("## About this run")]
    lines = [ln for ln in md_found.splitlines() if ln.startswith("- ")]
    assert len(lines) == 2 and "[`rh.silent`](#rhsilent)" in lines[1] and "(../cx/rh.silent.json)" in lines[1]
    assert lines[0].startswith("- **✗ not as expected** [`rh.wrong`]") and "NOT the expected refuted" in lines[0]
    assert [c["id"] for c in findings(doc)] == ["rh.wrong", "rh.silent"]


def test_claims_in_paper_order(report):
    html, md, _, _ = report
    # Proposition 1 (line 138 of the paper) comes before Lemma 3 (line 218); ties by claim id
    pos = [html.index(f'<section class="claim" id="{c}">') for c in ("rh.early", "rh.holds", "rh.silent")]
    assert pos == sorted(pos)
    assert html.index('id="paper-002_7f4fd584f3752d2b"') < html.index('id="rh.wrong"') < pos[0]
    md_pos = [md.index(f"### {c}\n") for c in ("rh.wrong", "rh.early", "rh.holds", "rh.silent")]
    assert md_pos == sorted(md_pos)
    assert "<details class=\"paper\" open" in html


def test_unexpected_verdicts_are_marked(report):
    html, md, _, _ = report
    assert "<th>as expected</th>" in html
    wrong = _row(html, "rh.wrong")
    assert 'class="unexpected"' in wrong and '<td class="unexpected">&#10007; unexpected</td>' in wrong
    for cid in ("rh.holds", "rh.silent"):
        assert '<td class="ok">&#10003;</td>' in _row(html, cid) and "unexpected" not in _row(html, cid)
    assert "td.unexpected{color:#fff;background:#b42318" in html
    assert '<section class="claim unexpected" id="rh.wrong">' in html
    md_rows: dict[str, str] = {}
    for line in md.splitlines():  # the table of claims (the findings are a list)
        if line.startswith("| [`rh."):
            md_rows.setdefault(line.split("`")[1], line)
    assert "| **✗ unexpected** |" in md_rows["rh.wrong"] and "| ✓ |" in md_rows["rh.holds"]


def test_margins_two_decimals_nowrap_and_exact(report):
    html, md, doc, _ = report
    assert "td.margin{white-space:nowrap" in html
    assert '<td class="margin">+5.88 decades</td>' in _row(html, "rh.holds")
    assert '<td class="margin">exact</td>' in _row(html, "rh.silent")
    assert "margin +5.88 decades: the deciding quantity lies 5.88 decades outside the band (1e-10, 1e-07)" \
           in _section(html, "rh.holds")
    assert "margin exact: decided exactly" in _section(html, "rh.silent")
    assert "+5.88\u00a0decades" in md and "| exact |" in md
    assert {c["id"]: c["margin"] for c in doc["claims"]}["rh.silent"] == "inf"  # the stored value is unchanged


def test_counterexample_cell_is_a_link(report):
    html, _, _, _ = report
    assert '<td class="cx"><a href="../cx/rh.silent.json">rh.<wbr>silent.<wbr>json</a></td>' in _row(html, "rh.silent")


def test_claim_section_says_everything(report):
    html, _, _, f = report
    s = _section(html, "rh.silent")
    for dt in ("Statement", "Source", "Hypotheses", "Verdict", "Why the expectation", "What was tried",
               "Counterexample"):
        assert f"<dt>{dt}</dt>" in s
    assert "<blockquote>s</blockquote>" in s and "none stated" in s and "outcomes: holds 0, fails 1, band 0" in s
    # the claims file is named once (not letter by letter); both paths lie outside the cwd: absolute
    assert f"(replay: <code>landscape replay {Path(f).parent / 'cx' / 'rh.silent.json'} --claims-from {f}</code>)" in s
    assert "<details><summary>Statistics</summary>" in s


def test_statement_is_escaped(report):
    html, _, _, _ = report
    s = _section(html, "rh.early")
    assert "<blockquote>&lt;b&gt;not bold&lt;/b&gt; &amp; escaped</blockquote>" in s and "<b>not bold</b>" not in s


def test_papers_by_name(report, capsys):
    html, md, doc, f = report
    lds = PAPERS["004_c552a5c94484e66a.txt"]
    assert (f"<dt>Source</dt><dd>Li, Ding &amp; Sun (2018), <i>{lds.title}</i>, Lemma 3 (appendix D) "
            '<span class="file">(file 004_c552a5c94484e66a.txt)</span>') in _section(html, "rh.holds")
    assert "Du et al. (2019): <i>Gradient Descent Finds Global Minima" in html
    assert (f"- Source: Li, Ding & Sun (2018), *{lds.title}*, Lemma 3 (appendix D) "
            "(file `004_c552a5c94484e66a.txt`)") in md
    by = {c["id"]: c for c in doc["claims"]}
    assert list(by["rh.holds"])[2:4] == ["source", "paper_ref"]
    assert by["rh.holds"]["paper_ref"] == {"file": "004_c552a5c94484e66a.txt", "authors": "Li, Ding & Sun",
                                           "title": lds.title, "year": 2018, "venue": "",
                                           "cite": "Li, Ding & Sun (2018)", "where": "Lemma 3 (appendix D)"}
    # paper: inconclusive is shown as "the paper is silent"; the stored value stays
    assert by["rh.silent"]["paper"] == "inconclusive"
    assert '<span class="silent">the paper is silent</span>' in _row(html, "rh.silent")
    assert "the paper is silent" in md and "paper: inconclusive" not in md + html
    assert main(["list", "--claims-from", str(f)]) == 0
    out = capsys.readouterr().out
    block = out[out.index("rh.silent"):]
    assert "(the paper is silent)" in block.splitlines()[0]
    assert "Li, Ding & Sun (2018), Over-Parameterized Deep Neural Networks" in out


def test_self_contained(report):
    html, _, _, _ = report
    assert html.startswith("<!doctype html>") and "<style>" in html
    for bad in ("http://", "https://", "<script src", "<link "):
        assert bad not in html


def test_paper_table():
    assert set(PAPERS) == {"000_aea297099283b0eb.txt", "001_d513da0bff3b4549.txt", "002_7f4fd584f3752d2b.txt",
                           "003_6b1d70a06ebc74fd.txt", "004_c552a5c94484e66a.txt"}
    assert cite_source("003_6b1d70a06ebc74fd.txt, section 3") == (
        "Golikov (2019), An Essay on Optimization Mystery of Deep Learning, section 3 [file 003_6b1d70a06ebc74fd.txt]")
    assert paper_ref("test") is None and cite_source("test") == "test"
    assert set(RESULT_LINES) == set(PAPERS)
    for table in RESULT_LINES.values():  # lines of one text: distinct labels may share a line, never go back
        assert all(isinstance(v, int) and v > 0 for v in table.values())
        assert list(table.values()) == sorted(table.values())


@pytest.mark.parametrize("source,where", [
    ("004_c552a5c94484e66a.txt, Lemma 3 (appendix D)", 218),
    ("004_c552a5c94484e66a.txt, Lemma 3 (section 4, proof in appendix D)", 218),
    ("004_c552a5c94484e66a.txt, section 3.3, remark after Assumption 2", 152.5),
    ("004_c552a5c94484e66a.txt, Theorem 1 with Assumption A3 (d_H >= N) removed", 126),
    ("004_c552a5c94484e66a.txt, footnote 1 (section 2) and the remark after Proposition 1", 41),
    ("002_7f4fd584f3752d2b.txt, Theorem 5.1, eq. (12)", 233),
    ("002_7f4fd584f3752d2b.txt, section 4, Lemma B.5", 152),  # appendix lemma unknown: its section
    ("002_7f4fd584f3752d2b.txt, section 4 ('Analysis of Random Initialization'), Lemma B.1-B.3; Theorem 5.1's", 186),
    ("003_6b1d70a06ebc74fd.txt, section 2.2, eq. (11) (Theorem 3.2 of Du et al. 2019)", 237),
    ("003_6b1d70a06ebc74fd.txt, section 2.1.2, the paragraph after eq. (8) (Lemma 4.4 of Nguyen & Hein 2017)", 141.5),
    ("000_aea297099283b0eb.txt, sections 3.3.1 and 3.3.3", 611),
    ("000_aea297099283b0eb.txt, eq.(9)", 470),
])
def test_paper_position(source, where):
    p, line = paper_position(source)
    assert list(PAPERS)[p] == source.split(",")[0] and line == where


def test_paper_position_unknown_labels_and_papers_sort_last():
    lds = "004_c552a5c94484e66a.txt"
    assert paper_position(f"{lds}, Theorem 9") == (4, math.inf) > paper_position(f"{lds}, Lemma 6")
    assert paper_position(f"{lds}") == (4, math.inf)
    assert paper_position("test") == (len(PAPERS), math.inf) > paper_position(f"{lds}, Theorem 9")
    claims = [{"id": "b", "source": f"{lds}, Lemma 3"}, {"id": "a", "source": f"{lds}, Lemma 3"},
              {"id": "c", "source": f"{lds}, Proposition 1"}, {"id": "0", "source": "elsewhere"},
              {"id": "z", "source": "000_aea297099283b0eb.txt, Theorem 2"}]
    assert [c["id"] for c in claim_order(claims)] == ["z", "c", "a", "b", "0"]


def test_every_committed_source_has_a_known_position():
    doc = json.loads((REPO / "reports" / "evidence.json").read_text())
    for c in doc["claims"]:
        assert paper_position(c["source"])[1] < math.inf, c["source"]


@pytest.mark.parametrize("value,expect", [
    ({"X": [[0.25, 0.5, -0.25, -0.5]], "weights": [[[0.1], [0.2]], [[0.3, 0.4]]]}, ['class="mat"', "1 x 4", "0.25"]),
    (list(range(100)), ["first 32 of 100 values shown", "[24]"]),
    ([[float(i)] * 40 for i in range(40)], ["first 16 of 40 rows and 16 of 40 columns shown", "40 x 40"]),
    ([[1, 2], [3]], ["list of 2"]),  # ragged: a list of vectors
    ({"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}}}, ["nested too deep"]),
    ({"nan": float("nan"), "inf": float("inf"), "none": None, "flag": True, "s": "x" * 3000}, ["nan", "inf", "null",
                                                                                               "true", "3000 characters"]),
    ({"obj": object(), "t": (1, 2), "empty": [], "e2": {}}, ["object at", "[]", "{}"]),
    ("<script>", ["&lt;script&gt;"]),
])
def test_payloads_render_robustly(value, expect):
    node = value_view(value)
    out = environment().from_string('{% import "_values.j2" as v %}{{ v.value(node) }}').render(node=node)
    for e in expect:
        assert e in out, (e, out[:500])
    assert "<script>" not in out


def _doc(tmp_path: Path, **extra) -> tuple[dict, list[Evidence]]:
    """A small evidence document (two claims, one counterexample file) as ``landscape report`` writes it."""
    cx = tmp_path / "cx" / "t.bad.json"
    cx.parent.mkdir(parents=True, exist_ok=True)
    cx.write_text(json.dumps({"schema_version": 2, "claim": "t.bad", "profile": "quick", "seed": 0,
                              "outcome": {"status": "fails", "margin": 3.0, "stats": {"rank": 1}, "note": "rank 1 < 2"},
                              "payload": {"x": [[0.0], [1.0]], "y": [1.0, -1.0]}, "checksum": "0" * 64}))
    evs = [Evidence("t.good", "a good one", "004_c552a5c94484e66a.txt, Lemma 3", "s", [], expected="supported",
                    paper="supported", why="", verdict="supported", examples=3, margin=2.0, tried="three",
                    figures=[{"kind": "bar", "title": "good bars", "data": {"a": 1.0, "b": 2.0}}]),
            Evidence("t.bad", "a bad one", "004_c552a5c94484e66a.txt, Proposition 1", "s", ["h1"], expected="refuted",
                     paper="supported", why="the paper's example", verdict="refuted", examples=2, margin=3.0,
                     tried="two", counterexample=str(cx),
                     counterexample_outcome={"status": "fails", "margin": 3.0, "note": "rank 1 < 2"})]
    doc = {"schema_version": 1, "landscape_version": "0", "profile": "quick", "seed": 0, "started": "now",
           "duration_s": 1.0, "environment": {"python": "3", "torch": "2", "numpy": "2"},
           "tolerance": {"zero": 1e-10, "band": 1e3, "nonzero_from": 1e-7, "hp_ladder_digits": [50]},
           "claims": [e.as_dict() for e in evs], "fixtures": [], **extra}
    return doc, evs


def test_counterexample_file_shown_in_full_through_locate(tmp_path):
    doc, evs = _doc(tmp_path)
    cx = Path(doc["claims"][1]["counterexample"])
    staged = tmp_path / "staged.json"
    staged.write_text(cx.read_text())
    cx.unlink()  # not published yet: only the staged copy exists
    asked = []

    def locate(p: str) -> Path:
        asked.append(p)
        return staged if Path(p) == cx else Path(p)

    html = render_html(doc, {}, out_dir=tmp_path / "rep", cwd=tmp_path, locate=locate)
    s = _section(html, "t.bad")
    assert asked == [str(cx)]
    assert '<div class="k">x</div>' in s and "2 x 1" in s and '<div class="k">y</div>' in s and "<td>-1.0</td>" in s
    assert "Outcome: <span class=\"badge\">fails</span> margin +3.00 decades" in s
    assert "replay: <code>landscape replay cx/t.bad.json</code>" in s  # relative to cwd
    # without locate the file is missing: one line, no crash
    s = _section(render_html(doc, {}, out_dir=tmp_path / "rep", cwd=tmp_path), "t.bad")
    assert "Stored counterexample not shown: the file could not be found when the report was rendered." in s
    staged.write_text("{not json")
    s = _section(render_html(doc, {}, out_dir=tmp_path / "rep", cwd=tmp_path, locate=locate), "t.bad")
    assert "Stored counterexample not shown: the file could not be read: JSONDecodeError" in s
    staged.write_text("[1, 2]")
    s = _section(render_html(doc, {}, out_dir=tmp_path / "rep", cwd=tmp_path, locate=locate), "t.bad")
    assert "the file holds a JSON list, not an object" in s


def test_landscapes_in_the_claims_sections(tmp_path):
    good = {"kind": "line", "title": "loss along a path", "series": {"loss": {"x": [0, 1, 2], "y": [1.0, 0.5, 0.7]}}}
    doc, evs = _doc(tmp_path, landscapes=[
        {"fixture": "lds.prop1[w=(1, 2)]", "source": "t.bad (split construction)", "kind": "path",
         "figures": [good, {"kind": "nonsense"}], "N": 4},
        {"fixture": "elsewhere", "source": "no.such.claim", "kind": "slice", "figures": [good]},
        "not an entry",
    ])
    drawn = render_landscape_figures(json.loads(json.dumps(doc)))
    assert [[n for n, _ in d] for _, d in drawn] == [["landscape-lds.prop1_w_1_2-1.png"], ["landscape-elsewhere-1.png"]]
    stage = stage_report(evs, doc, tmp_path / "rep", locate=lambda p: Path(p))
    try:
        html = (stage.staging / "index.html").read_text()
        md = (stage.staging / "report.md").read_text()
        assert sorted(stage.figures) == ["landscape-elsewhere-1.png", "landscape-lds.prop1_w_1_2-1.png", "t.good-1.png"]
    finally:
        stage.discard()
    s = htmllib.unescape(_section(html, "t.bad"))
    assert '<code>lds.prop1[w=(1, 2)]</code> (path)' in s and 'alt="loss along a path"' in s
    assert "figure 2 could not be drawn: ValueError: unknown figure kind 'nonsense'" in s
    assert 'alt="good bars"' in _section(html, "t.good")
    rest = html[html.index('<section id="landscapes">'):]
    assert "<code>elsewhere</code>" in rest and rest.count("<img ") == 1
    assert html.count("<img ") == 3
    assert "![lds.prop1[w=(1, 2)]](figures/landscape-lds.prop1_w_1_2-1.png)" in md and "## Landscapes" in md


def test_old_evidence_without_landscapes(tmp_path):
    doc, evs = _doc(tmp_path)
    assert "landscapes" not in doc and render_landscape_figures(doc) == []
    html = render_html(doc, {}, cwd=tmp_path)
    assert 'id="landscapes"' not in html and html.count('<section class="claim') == 2


def test_committed_evidence_renders(tmp_path):
    """The committed 81-claim evidence renders with the committed counterexamples read in full."""
    doc = json.loads((REPO / "reports" / "evidence.json").read_text())
    html = render_html(doc, {}, out_dir=REPO / "reports", cwd=REPO)
    ids = re.findall(r'<section class="claim[^"]*" id="([^"]+)">', html)
    assert sorted(ids) == sorted(c["id"] for c in doc["claims"])
    assert ids == [c["id"] for c in claim_order(doc["claims"])]
    assert len(re.findall(r'<li class="finding', _findings(html))) == sum(map(is_finding, doc["claims"]))
    n_cx = sum(1 for c in doc["claims"] if c.get("counterexample"))
    assert html.count('<div class="cxfile">') == n_cx and "Stored counterexample not shown" not in html


@pytest.mark.parametrize("m,text", [(5.8765, "+5.88 decades"), (-0.004, "-0.00 decades"), ("inf", "exact"),
                                    (float("inf"), "exact"), (None, "n/a"), ("nan", "n/a"), (3, "+3.00 decades"),
                                    ("see notes", "see notes")])
def test_format_margin(m, text):
    assert format_margin(m) == text


def test_malformed_evidence_does_not_crash(tmp_path):
    """Missing keys and values of the wrong type give a thinner page, never an exception."""
    docs = [{"claims": [{"id": "x"}]},
            {"claims": [{"id": "y", "source": None, "hypotheses": "h", "stability": {"q": 3}, "statistics": [1],
                         "counterexample": "z.json", "notes": None, "figures": "bad", "margin": "inf"}],
             "stability": {"quick": {"seeds": []}}, "landscapes": {"not": "a list"}},
            {"claims": [], "tolerance": {"zero": "a"}, "landscapes": [{"fixture": None, "source": 5, "figures": None}]}]
    for doc in docs:
        html = render_html(doc, {"y": [("y-1.png", b"\x89PNG")]}, cwd=tmp_path)
        assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")
    assert "the file could not be found when the report was rendered" in render_html(docs[1], {}, cwd=tmp_path)
