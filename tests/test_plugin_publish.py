"""The pytest plugin follows ``landscape report``'s output rules (``landscape._core.publish``):
``--landscape-counterexamples DIR`` is staged and published at the end of the session,
``--landscape-report DIR`` is published as a set, both are locked for the session, and an
interrupted session publishes nothing."""

from __future__ import annotations

import json

from landscape._core.evidence import write_counterexample
from landscape._core.publish import lock_dir

pytest_plugins = ["pytester"]

TOY = '''
import os

import landscape._core.evidence
from landscape import Outcome, claim
from landscape._core.context import merge

# the fixture library's summary costs seconds per report and is not what this test is about
landscape._core.evidence._fixture_summaries = lambda: []


@claim("pp.a_refutes", title="refutes", source="test", statement="s", expected="refuted", paper="refuted")
def a_refutes(ctx):
    return merge([], extra=[Outcome.fails({"tag": "new"}, 1.0)], tried="one")


@a_refutes.replayer
def _replay(payload):
    return Outcome.fails(payload, 1.0)


@claim("pp.b_stops", title="Ctrl-C when asked", source="test", statement="s")
def b_stops(ctx):
    if os.environ.get("PP_INTERRUPT"):  # the user's Ctrl-C reaches pytest (the claim runs in its worker process)
        import signal
        import time

        os.kill(os.getppid(), signal.SIGINT)
        time.sleep(30)
    return merge([], extra=[Outcome.holds(1.0)], tried="one")
'''


def _state(*dirs):
    return {str(p): p.read_bytes() for d in dirs if d.exists() for p in sorted(d.rglob("*")) if p.is_file()}


def test_plugin_stages_locks_and_publishes_at_session_end(pytester, tmp_path, monkeypatch):
    pytester.makepyfile(test_toy=TOY)
    cx, out = tmp_path / "cx", tmp_path / "rep"
    old = write_counterexample(cx, "pp.a_refutes", {"tag": "old"}, {"status": "fails"}, profile="quick", seed=0)
    before = _state(cx, out)
    args = ("--landscape-counterexamples", str(cx), "--landscape-report", str(out), "-p", "no:cacheprovider")

    # held by another run: a usage error naming the directory and the pid, before any test runs
    with lock_dir(cx, what="counterexamples", option="--counterexamples"):
        r = pytester.runpytest_subprocess(*args)
    assert r.ret == 4
    r.stderr.fnmatch_lines(["*counterexamples '*cx' is in use by another landscape run (pid *)*"
                            "choose another --landscape-counterexamples directory (--landscape-wait waits for it)"])
    assert _state(cx, out) == before

    # interrupted (Ctrl-C in the second claim): the first claim's counterexample stays staged, then dropped
    monkeypatch.setenv("PP_INTERRUPT", "1")
    r = pytester.runpytest_subprocess(*args)
    assert r.ret == 2  # pytest's "interrupted"
    assert _state(cx, out) == before
    assert [p.name for p in cx.iterdir()] == [old.name]

    # a complete session: the report, then the counterexample, published at the end
    monkeypatch.delenv("PP_INTERRUPT")
    r = pytester.runpytest_subprocess(*args)
    r.assert_outcomes(passed=2)
    assert json.loads(old.read_text())["payload"] == {"tag": "new"}
    doc = json.loads((out / "evidence.json").read_text())
    assert [c["counterexample"] for c in doc["claims"] if c["id"] == "pp.a_refutes"] == [str(old)]
    assert sorted(p.name for p in cx.iterdir()) == [old.name]  # no lock file, no staging directory left
    assert sorted(p.name for p in out.iterdir()) == ["evidence.json", "figures", "index.html", "report.md"]
