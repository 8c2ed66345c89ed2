"""A broken check is an ``error`` verdict, never a lost report; bad output directories stop a run
before any claim runs; Ctrl-C stops the run and publishes nothing."""

from __future__ import annotations

import json

import pytest

from landscape._core import registry
from landscape.cli import main

CLAIMS = '''
from pathlib import Path

from hypothesis import strategies as st

from landscape import Outcome, Result, claim
from landscape._core.context import merge
from landscape._lib.errors import LandscapeError

MARKER = Path(MARKER_PATH)


def _kw(name):
    return dict(title=name, source="test", statement="s")


@claim("re.a_none", **_kw("returns None"))
def a_none(ctx):
    MARKER.write_text("ran")
    merge([], extra=[Outcome.holds(1.0)])  # forgot the return


@claim("re.b_dict", **_kw("returns a dict"))
def b_dict(ctx):
    return {"verdict": "supported"}


@claim("re.c_str", **_kw("returns a string"))
def c_str(ctx):
    return "supported"


@claim("re.d_search_list", **_kw("a search function returning a list"))
def d_search_list(ctx):
    return ctx.search(st.integers(), lambda x: [x], label="lists", max_examples=3).result(tried="ints")


@claim("re.e_landscape_error", **_kw("raises LandscapeError"))
def e_landscape_error(ctx):
    raise LandscapeError("activation 'nope' is unknown")


@claim("re.f_raises", **_kw("raises ValueError"))
def f_raises(ctx):
    raise ValueError("boom")


@claim("re.g_holds", **_kw("holds"))
def g_holds(ctx):
    return merge([], extra=[Outcome.holds(1.0)], tried="one")


@claim("re.h_bad_statistics", **_kw("a Result whose statistics are not JSON"))
def h_bad_statistics(ctx):
    return Result("supported", 1, {"counts": object()}, 1.0, "one")


@claim("re.i_bad_verdict", **_kw("a Result with a made-up verdict"))
def i_bad_verdict(ctx):
    return Result("probably", 1, {}, 1.0, "one")


@claim("re.j_refutes", **_kw("refutes"), expected="refuted", paper="refuted")
def j_refutes(ctx):
    return merge([], extra=[Outcome.fails({"k": 1}, 1.0)], tried="one")


@claim("re.k_bad_figure", **_kw("holds, with a figure spec no renderer knows"))
def k_bad_figure(ctx):
    return merge([], extra=[Outcome.holds(1.0)], tried="one", figures=[{"kind": "pie", "data": {}}])


@claim("rk.a_refutes", **_kw("refutes"), expected="refuted", paper="refuted")
def rk_a(ctx):
    return merge([], extra=[Outcome.fails({"k": 1}, 1.0)], tried="one")


@claim("rk.b_interrupt", **_kw("Ctrl-C while it runs"))
def rk_b(ctx):  # the user's Ctrl-C reaches the landscape process (the claim runs in its worker process)
    import os
    import signal
    import time

    os.kill(os.getppid(), signal.SIGINT)
    time.sleep(30)
'''

IDS = ("re.a_none", "re.b_dict", "re.c_str", "re.d_search_list", "re.e_landscape_error", "re.f_raises", "re.g_holds",
       "re.h_bad_statistics", "re.i_bad_verdict", "re.j_refutes", "re.k_bad_figure", "rk.a_refutes", "rk.b_interrupt")


@pytest.fixture
def claims_file(tmp_path, monkeypatch):
    import landscape._core.evidence

    # the fixture library's summary costs seconds per report and is not what these tests are about
    monkeypatch.setattr(landscape._core.evidence, "_fixture_summaries", lambda: [], raising=False)
    f = tmp_path / "claims.py"
    f.write_text(CLAIMS.replace("MARKER_PATH", repr(str(tmp_path / "marker"))))
    yield f
    for cid in IDS:
        registry._REGISTRY.pop(cid, None)


def test_broken_checks_are_error_verdicts_and_the_report_is_written(tmp_path, claims_file, capsys):
    out, cx = tmp_path / "rep", tmp_path / "cx"
    code = main(["report", "--claims-from", str(claims_file), "--only", "re", "--out", str(out),
                 "--counterexamples", str(cx)])
    assert code == 1  # the errors are not the expected verdicts
    doc = json.loads((out / "evidence.json").read_text())
    by = {c["id"]: c for c in doc["claims"]}
    assert set(by) == {i for i in IDS if i.startswith("re.")}
    assert by["re.g_holds"]["verdict"] == "supported" and by["re.j_refutes"]["verdict"] == "refuted"
    assert by["re.j_refutes"]["counterexample"] == str(cx / "re.j_refutes.json")
    assert (cx / "re.j_refutes.json").is_file()
    for cid, returned in (("re.a_none", "NoneType"), ("re.b_dict", "dict"), ("re.c_str", "str")):
        assert by[cid]["verdict"] == "error"
        assert by[cid]["error"] == (f"check of claim {cid!r} returned {returned}; expected a landscape.Result "
                                    "(return res.result(...) or merge(...))")
    assert by["re.d_search_list"]["verdict"] == "error"
    assert by["re.d_search_list"]["error"].startswith(
        "TypeError: search function of 'lists' returned list; expected an Outcome (Outcome.holds / .fails / .band)")
    assert by["re.e_landscape_error"]["error"].startswith("LandscapeError: activation 'nope' is unknown")
    assert by["re.f_raises"]["error"].startswith("ValueError: boom")
    assert by["re.h_bad_statistics"]["verdict"] == "error"
    assert "returned a Result the evidence cannot hold: TypeError" in by["re.h_bad_statistics"]["error"]
    assert "verdict 'probably'" in by["re.i_bad_verdict"]["error"]
    assert by["re.k_bad_figure"]["verdict"] == "supported"
    assert any(n.startswith("figure 1 could not be drawn: ValueError") for n in by["re.k_bad_figure"]["notes"])
    assert doc["summary"]["error"] == 8 and doc["summary"]["passed"] == 3
    assert "re.a_none" in (out / "report.md").read_text() and "re.a_none" in (out / "index.html").read_text()
    assert "wrote" in capsys.readouterr().out


def test_keyboard_interrupt_in_a_check_stops_the_run_and_publishes_nothing(tmp_path, claims_file, capsys):
    out, cx = tmp_path / "rep", tmp_path / "cx"
    code = main(["report", "--claims-from", str(claims_file), "--only", "rk", "--out", str(out),
                 "--counterexamples", str(cx)])
    assert code == 130
    assert capsys.readouterr().err.strip().endswith("landscape: interrupted; nothing was published")
    # no report, no counterexample, no lock, no staging: not even the directories, which the run made
    assert not out.exists() and not cx.exists()
    cx.mkdir()
    assert main(["check", "rk", "--prefix", "--claims-from", str(claims_file), "--counterexamples", str(cx)]) == 130
    assert "landscape: interrupted; nothing was published" in capsys.readouterr().err
    assert list(cx.iterdir()) == []  # rk.a_refutes was staged, then dropped
    assert main(["check", "rk.a_refutes", "--claims-from", str(claims_file), "--counterexamples", str(cx)]) == 0
    assert [p.name for p in cx.iterdir()] == ["rk.a_refutes.json"]


@pytest.mark.parametrize("option", ["--out", "--counterexamples"])
@pytest.mark.parametrize("case", ["file", "under_file", "not_writable"])
def test_bad_output_directory_exits_2_before_any_claim_runs(tmp_path, claims_file, capsys, option, case):
    afile = tmp_path / "afile"
    afile.write_text("x")
    bad = {"file": afile, "under_file": afile / "sub" / "dir", "not_writable": "/proc/landscape-test"}[case]
    args = {"--out": str(tmp_path / "rep"), "--counterexamples": str(tmp_path / "cx")} | {option: str(bad)}
    code = main(["report", "--claims-from", str(claims_file), "--only", "re.a_none",
                 *[x for kv in args.items() for x in kv]])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"landscape: error: {option} {str(bad)!r} ")
    assert {"file": "is a file", "under_file": f"lies under the file {str(afile)!r}",
            "not_writable": "is not a writable directory"}[case] in err
    assert not (tmp_path / "marker").exists(), "a claim ran before the output directory was checked"
    if option == "--counterexamples":
        assert main(["check", "re.a_none", "--claims-from", str(claims_file), option, str(bad)]) == 2
        assert capsys.readouterr().err.startswith(f"landscape: error: {option} {str(bad)!r} ")
        assert not (tmp_path / "marker").exists()
