"""An interrupted or concurrent run changes nothing (``landscape._core.publish``).

A tiny claims file: ``it.a_refutes`` refutes with a payload tagged by the run, ``it.b_stale``
holds (a stored file for it no longer refutes, so a run removes it), ``it.c_sleeps`` holds
after waiting for a gate file.  A ``landscape report`` subprocess is stopped (SIGKILL,
SIGINT, SIGTERM) while it waits in ``it.c_sleeps`` -- after it has staged a new
counterexample and recorded a removal --, and the counterexample and report directories
must be byte-identical to what they were before.  Two runs into the same directories: the
second stops (exit 2, naming the holder's pid) or, with ``--wait``, waits for the first.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from landscape._core import registry
from landscape._core.evidence import read_counterexample, write_counterexample
from landscape._core.publish import LOCK_NAME, STAGING_PREFIX

CLAIMS = '''
import os
import time
from pathlib import Path

import landscape._core.evidence
from landscape import Outcome, claim
from landscape._core.context import merge

# the fixture library's summary costs seconds per report and is not what these tests are about
landscape._core.evidence._fixture_summaries = lambda: []

TAG = os.environ.get("LT_TAG", "base")


@claim("it.a_refutes", title="refuted by a payload tagged by the run", source="test", statement="s",
       expected="refuted", paper="refuted")
def a_refutes(ctx):
    return merge([], extra=[Outcome.fails({"tag": TAG}, 1.0)], tried="one planted failure",
                 figures=[{"kind": "bar", "data": {"a": 1.0}, "title": TAG}])


@a_refutes.replayer
def _replay_a(payload):
    return Outcome.fails(payload, 1.0)


@claim("it.b_stale", title="holds; a stored file for it no longer refutes", source="test", statement="s")
def b_stale(ctx):
    return merge([], extra=[Outcome.holds(1.0)], tried="holds")


@b_stale.replayer
def _replay_b(payload):
    return Outcome.holds(1.0)


@claim("it.c_sleeps", title="holds once the gate file exists", source="test", statement="s")
def c_sleeps(ctx):
    mark = os.environ.get("LT_MARK")
    if mark:
        Path(mark).write_text(str(os.getpid()))
    gate = os.environ.get("LT_GATE")
    deadline = time.time() + 60
    while gate and not Path(gate).exists() and time.time() < deadline:
        time.sleep(0.02)
    return merge([], extra=[Outcome.holds(1.0)], tried="waited for the gate", notes=[TAG])
'''


@pytest.fixture
def env(tmp_path):
    """The claims file, the output directories and the environment of a run."""
    import landscape._core.evidence

    (tmp_path / "claims.py").write_text(CLAIMS)
    summaries = getattr(landscape._core.evidence, "_fixture_summaries", None)
    yield {"root": tmp_path, "claims": tmp_path / "claims.py", "cx": tmp_path / "cx", "out": tmp_path / "rep"}
    for cid in ("it.a_refutes", "it.b_stale", "it.c_sleeps"):  # loaded in-process by some tests
        registry._REGISTRY.pop(cid, None)
    if summaries is not None:  # the claims file replaces it when loaded in-process
        landscape._core.evidence._fixture_summaries = summaries


def _args(env, *extra: str) -> list[str]:
    return ["report", "--claims-from", str(env["claims"]), "--only", "it", "--out", str(env["out"]),
            "--counterexamples", str(env["cx"]), *extra]


def _start(env, tag: str, *extra: str, gate: bool = True, stderr=subprocess.PIPE) -> subprocess.Popen:
    e = dict(os.environ, LT_TAG=tag, LT_MARK=str(env["root"] / f"mark-{tag}"), LANDSCAPE_TORCH_THREADS="1")
    if gate:
        e["LT_GATE"] = str(env["root"] / "gate")
    return subprocess.Popen([sys.executable, "-m", "landscape.cli", *_args(env, *extra)], env=e,
                            stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=env["root"])


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    t = time.time() + timeout
    while not path.exists():
        assert proc.poll() is None, f"the run ended early: {proc.communicate()}"
        assert time.time() < t, f"{path} did not appear"
        time.sleep(0.02)


def _snapshot(env) -> dict[str, bytes]:
    """Every file (hidden ones too) under the two output directories, by relative path."""
    snap = {}
    for d in (env["cx"], env["out"]):
        for p in sorted(d.rglob("*")):
            snap[str(p.relative_to(env["root"]))] = p.read_bytes() if p.is_file() else b"<dir>"
    return snap


def _baseline(env) -> dict[str, bytes]:
    """A completed run (in-process: tag 'base', no gate), then a stale stored file for it.b_stale: the state to
    preserve."""
    from landscape.cli import main

    assert "LT_TAG" not in os.environ and "LT_GATE" not in os.environ
    assert main(_args(env)) == 0
    write_counterexample(env["cx"], "it.b_stale", {"stale": True}, {"status": "fails"}, profile="quick", seed=0)
    snap = _snapshot(env)
    assert {"cx/it.a_refutes.json", "cx/it.b_stale.json", "rep/evidence.json", "rep/report.md", "rep/index.html",
            "rep/figures/it.a_refutes-1.png"} <= set(snap)
    assert not any(LOCK_NAME in k or STAGING_PREFIX in k for k in snap)
    return snap


def test_signals_wait_for_publication_and_dead_runs_staging_is_removed(tmp_path):
    from landscape._core.publish import CounterexampleStage, deferred_signals

    st = CounterexampleStage(tmp_path)
    final = st.write("x.y", {"k": 1}, {"status": "fails"}, profile="quick", seed=0)
    assert final == tmp_path / "x.y.json" and not final.exists() and st.locate(final).is_file()
    with pytest.raises(KeyboardInterrupt) as e:
        with deferred_signals():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            st.publish()  # not cut short by the Ctrl-C
    assert e.value.published is True and final.is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["x.y.json"]

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / f"{STAGING_PREFIX}{dead.stdout.strip()}-abc").mkdir()
    (tmp_path / f"{STAGING_PREFIX}{os.getppid()}-abc").mkdir()  # a live process's: left alone
    CounterexampleStage(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["x.y.json", f"{STAGING_PREFIX}{os.getppid()}-abc"])


def test_killed_interrupted_and_terminated_runs_change_nothing(env):
    before = _baseline(env)

    # SIGKILL: no cleanup at all; the published files are untouched, the new counterexample sat in staging
    p = _start(env, "kill")
    _wait_for(env["root"] / "mark-kill", p)
    p.kill()
    p.wait()
    after = _snapshot(env)
    extra = {k for k in after if k not in before}
    assert all(LOCK_NAME in k or STAGING_PREFIX in k for k in extra), extra
    assert {k: v for k, v in after.items() if k in before} == before
    staged = [k for k in extra if k.endswith("it.a_refutes.json")]
    assert len(staged) == 1 and STAGING_PREFIX in staged[0] and b'"kill"' in after[staged[0]]

    # SIGINT: exit 130, SIGTERM: exit 143, nothing published; the dead run's staging directory and lock
    # file are cleaned up too
    for tag, sig, code, msg in (("int", signal.SIGINT, 130, "landscape: interrupted; nothing was published"),
                                ("term", signal.SIGTERM, 143, "landscape: terminated (SIGTERM); nothing was published")):
        p = _start(env, tag)
        _wait_for(env["root"] / f"mark-{tag}", p)
        p.send_signal(sig)
        _, err = p.communicate(timeout=60)
        assert p.returncode == code, err
        assert msg in err
        assert _snapshot(env) == before


def test_a_second_run_stops_or_waits(env, capsys):
    from landscape.cli import main

    a = _start(env, "first")
    _wait_for(env["root"] / "mark-first", a)

    # into the same directories: exit 2 before any claim runs, one line naming the directory and the pid
    assert main(_args(env)) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"landscape: error: counterexamples {str(env['cx'])!r} is in use by another landscape run "
                   f"(pid {a.pid}); wait for it or choose another --counterexamples directory (--wait waits for it)")
    # the report directory is locked too
    assert main(_args(env)[:-1] + [str(env["root"] / "cx2")]) == 2
    err = capsys.readouterr().err
    assert f"report directory {str(env['out'])!r} is in use by another landscape run (pid {a.pid})" in err
    assert "choose another --out directory" in err
    assert not (env["root"] / "cx2" / "it.a_refutes.json").exists()
    assert main(["check", "it.a_refutes", "--claims-from", str(env["claims"]),
                 "--counterexamples", str(env["cx"])]) == 2
    assert "is in use by another landscape run" in capsys.readouterr().err

    # --wait: waits for the first run, then runs; the outputs are the second run's, complete
    errfile = env["root"] / "second.err"
    with errfile.open("w") as ef:
        b = _start(env, "second", "--wait", stderr=ef)
        t = time.time() + 60
        while "waiting for it (--wait)" not in errfile.read_text():
            assert b.poll() is None and time.time() < t, errfile.read_text()
            time.sleep(0.05)
        assert a.poll() is None and not (env["root"] / "mark-second").exists()
        (env["root"] / "gate").write_text("")
        out_a, err_a = a.communicate(timeout=60)
        out_b, _ = b.communicate(timeout=60)
    assert a.returncode == 0, err_a
    assert b.returncode == 0, errfile.read_text()
    assert "wrote" in out_a and "wrote" in out_b
    assert read_counterexample(env["cx"] / "it.a_refutes.json")["payload"] == {"tag": "second"}
    doc = json.loads((env["out"] / "evidence.json").read_text())
    assert [c["notes"] for c in doc["claims"] if c["id"] == "it.c_sleeps"] == [["second"]]
    cxs = {c["counterexample"] for c in doc["claims"] if c["id"] == "it.a_refutes"}
    assert cxs == {str(env["cx"] / "it.a_refutes.json")}
    left = [p.name for d in (env["cx"], env["out"]) for p in d.iterdir() if p.name.startswith(".")]
    assert left == []
