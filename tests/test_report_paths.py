"""The report's links and replay commands point at the files as they really lie.

With ``--out`` and ``--counterexamples`` anywhere (or the defaults, outside a checkout), every
counterexample link of ``index.html`` and ``report.md`` resolves, relative to the report's
directory, to an existing file; every replay command shown runs as printed from the working
directory of the run; the first progress line says, with absolute paths, where the run writes.
"""

from __future__ import annotations

import re
import shlex
from html import unescape
from urllib.parse import unquote

import pytest

from landscape.cli import main
from landscape._core.report.paths import counterexample_href, destination_line, is_landscape_checkout, replay_command

CLAIM = "lds.assumption2.paper_examples"  # refutes in milliseconds, with a replay function


@pytest.fixture(autouse=True)
def _no_fixture_library(monkeypatch):
    import landscape._core.evidence

    # the cross-examination library's summary costs seconds per report and is not what these tests are about
    monkeypatch.setattr(landscape._core.evidence, "_fixture_summaries", lambda: [], raising=False)


def _hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]*)"', html) if not h.startswith("#")]


def _md_links(md: str) -> list[str]:
    return [h for h in re.findall(r"\]\(([^)#][^)]*)\)", md) if h.endswith(".json")]


@pytest.mark.parametrize("layout", ["defaults", "elsewhere"])
def test_links_and_replay_commands_resolve(tmp_path, monkeypatch, capsys, layout):
    cwd = tmp_path / "work"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    if layout == "defaults":  # ./runs/report and ./runs/counterexamples of a directory that is not a checkout
        args, out, cx = [], cwd / "runs" / "report", cwd / "runs" / "counterexamples"
    else:  # the report and the counterexamples in unrelated directories, neither under the cwd
        out, cx = tmp_path / "a" / "deep" / "rep", tmp_path / "b" / "cx"
        args = ["--out", str(out), "--counterexamples", str(cx)]
    assert main(["report", "--only", CLAIM, *args]) == 0
    err = capsys.readouterr().err
    first = err.splitlines()[0]
    assert first.startswith("landscape: writing the report to ") and f"{out}/" in first and f"{cx}/" in first
    assert ("not a landscape checkout" in first) == (layout == "defaults")

    html = (out / "index.html").read_text()
    md = (out / "report.md").read_text()
    hrefs, links = _hrefs(html), _md_links(md)
    assert hrefs and links
    for h in hrefs + links:
        target = out / unquote(h)
        assert target.is_file(), (h, target)
        assert target.resolve() == (cx / f"{CLAIM}.json").resolve()

    cmds = re.findall(r"replay: `(landscape replay [^`]+)`", md)
    assert cmds and cmds == [unescape(html_cmd) for html_cmd in re.findall(r"replay: <code>([^<]+)</code>", html)]
    for cmd in cmds:
        argv = shlex.split(cmd)
        if layout == "defaults":
            assert argv[2] == f"runs/counterexamples/{CLAIM}.json"  # relative to the cwd, where it lies
        else:
            assert argv[2] == str(cx / f"{CLAIM}.json")  # outside the cwd: absolute
        assert main(argv[1:]) == 0
        assert "still refutes" in capsys.readouterr().out


def test_href_and_command_of_relative_paths(tmp_path):
    cwd = tmp_path / "run"
    assert counterexample_href("counterexamples/x.json", cwd / "reports", cwd) == "../counterexamples/x.json"
    assert counterexample_href("cx/x.json", tmp_path / "elsewhere" / "r", cwd) == "../../run/cx/x.json"
    assert counterexample_href("cx/a b.json", cwd, cwd) == "cx/a%20b.json"
    assert replay_command("cx/a b.json", cwd) == "landscape replay 'cx/a b.json'"
    assert replay_command(str(tmp_path / "o" / "x.json"), cwd) == f"landscape replay {tmp_path / 'o' / 'x.json'}"
    for not_a_file in (None, "", "(not written: no counterexample directory given)"):
        assert counterexample_href(not_a_file, cwd, cwd) is None and replay_command(not_a_file, cwd) is None


def test_destination_line_says_whether_this_is_a_checkout(tmp_path):
    plain, checkout, other = tmp_path / "plain", tmp_path / "checkout", tmp_path / "other"
    for d in (plain, checkout, other):
        d.mkdir()
    (checkout / "pyproject.toml").write_text('[project]\nname = "landscape"\nversion = "0"\n')
    (other / "pyproject.toml").write_text('[project]\nname = "something-else"\n')
    assert is_landscape_checkout(checkout) and not is_landscape_checkout(other) and not is_landscape_checkout(plain)
    line = destination_line("runs/report", "runs/counterexamples", out_default=True, counterexamples_default=True,
                            cwd=checkout)
    assert line == (f"landscape: writing the report to {checkout / 'runs/report'}/ and counterexamples to "
                    f"{checkout / 'runs/counterexamples'}/ (default --out and --counterexamples: the run directory "
                    "runs/, ignored by git; the committed reports/ and counterexamples/ are left alone)")
    line = destination_line("reports", "cx", out_default=True, cwd=other)
    assert f"to {other / 'reports'}/ and counterexamples to {other / 'cx'}/ (default --out, in the current " \
           "directory, which is not a landscape checkout; choose with --out)" in line
    assert destination_line("/r", "/c", cwd=plain) == "landscape: writing the report to /r/ and counterexamples to /c/"


def test_staged_counterexample_is_read_through_locate(tmp_path, monkeypatch):
    """``landscape report`` publishes the counterexamples after the report: the page reads the staged copy."""
    from landscape._core.evidence import Evidence
    from landscape._core.publish import CounterexampleStage
    from landscape._core.report import stage_report

    monkeypatch.chdir(tmp_path)
    stage = CounterexampleStage("counterexamples")
    final = stage.write("t.cx", {"x": [[0.5], [-0.5]], "label": "staged"}, {"status": "fails", "margin": 2.0,
                                                                            "stats": {}, "note": "n"},
                        profile="quick", seed=0)
    assert not final.exists()  # only staged so far
    ev = Evidence("t.cx", "t", "004_c552a5c94484e66a.txt, Lemma 3", "s", [], expected="refuted", paper="refuted",
                  why="", verdict="refuted", counterexample=str(final),
                  counterexample_outcome={"status": "fails", "margin": 2.0, "note": "n"})
    doc = {"profile": "quick", "seed": 0, "started": "now", "duration_s": 0.0, "landscape_version": "0",
           "environment": {"python": "3", "torch": "2", "numpy": "2"},
           "tolerance": {"zero": 1e-10, "nonzero_from": 1e-7, "hp_ladder_digits": [50]},
           "claims": [ev.as_dict()]}
    try:
        for locate, shown in ((stage.locate, True), (None, False)):
            report = stage_report([ev], dict(doc), "reports", locate=locate)
            html = (report.staging / "index.html").read_text()
            report.discard()
            assert ('<div class="k">label</div><div class="v"><code>staged</code></div>' in html) == shown
            assert ("the file could not be found when the report was rendered" in html) == (not shown)
            assert _hrefs(html) and all(h == "../counterexamples/t.cx.json" for h in _hrefs(html))
    finally:
        stage.discard()
