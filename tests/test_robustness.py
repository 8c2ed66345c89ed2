"""A run that nothing can break (issue 20): time limits, claims that end their process, hostile files,
options validated up front, and commands that leave the committed reports/ and counterexamples/ alone.
One test (or one parametrized case) per row of the issue; the claims are the toys below."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from landscape import LandscapeError
from landscape._core import registry
from landscape._core.evidence import read_counterexample, write_counterexample
from landscape._core.publish import LOCK_NAME, STAGING_PREFIX
from landscape._core.runner import run_many
from landscape.cli import main

pytest_plugins = ["pytester"]

HOSTILE = '''
import ctypes
import os
import sys
import time

import landscape._core.evidence
from landscape import Outcome, claim
from landscape._core.context import merge

landscape._core.evidence._fixture_summaries = lambda: []  # seconds per report, not what this is about


def _kw(name):
    return dict(title=name, source="test", statement="s")


@claim("rb.ok", **_kw("holds"))
def ok(ctx):
    return merge([], extra=[Outcome.holds(1.0)], tried="one")


@ok.replayer
def _replay_ok(p):
    time.sleep(float(p.get("sleep", 0)))
    return Outcome.fails(p, 1.0)


@claim("rb.loop", **_kw("loops forever"))
def loop(ctx):
    while True:
        time.sleep(0.05)


@claim("rb.native", **_kw("stuck in native code"))
def native(ctx):
    import numpy as np

    a = np.random.default_rng(0).standard_normal((2000, 2000))
    while True:
        a @ a


@claim("rb.exit", **_kw("calls sys.exit(3)"))
def sysexit(ctx):
    sys.exit(3)


@claim("rb.osexit", **_kw("calls os._exit(4)"))
def osexit(ctx):
    os._exit(4)


@claim("rb.kbint", **_kw("raises KeyboardInterrupt"))
def kbint(ctx):
    raise KeyboardInterrupt


@claim("rb.segv", **_kw("crashes in native code"))
def segv(ctx):
    ctypes.string_at(0)


@claim("rb.nan_margin", **_kw("margin NaN"))
def nan_margin(ctx):
    return merge([], extra=[Outcome.holds(float("nan"))], tried="one")


@claim("rb.neg_margin", **_kw("margin -5 decades"))
def neg_margin(ctx):
    return merge([], extra=[Outcome.holds(-5.0)], tried="one")


@claim("rb.chdir", **_kw("changes directory, refutes with NaN in its payload"), expected="refuted", paper="refuted")
def chdir(ctx):
    os.chdir("/")
    return merge([], extra=[Outcome.fails({"x": float("nan"), "y": [float("inf"), -float("inf"), 1.5]}, 1.0)],
                 tried="one")


@chdir.replayer
def _replay_chdir(p):
    import math

    assert math.isnan(p["x"]) and p["y"][:2] == [math.inf, -math.inf]
    return Outcome.fails(p, 1.0)
'''

IDS = ("rb.ok", "rb.loop", "rb.native", "rb.exit", "rb.osexit", "rb.kbint", "rb.segv", "rb.nan_margin",
       "rb.neg_margin", "rb.chdir")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    f = tmp_path_factory.mktemp("hostile") / "hostile_claims.py"
    f.write_text(HOSTILE)
    registry.load_file(f)
    yield f
    for cid in IDS:
        registry._REGISTRY.pop(cid, None)


def _claims(*ids):
    return [registry.get(i) for i in ids]


def _one_line_error(err: str) -> str:
    assert "Traceback" not in err, err
    lines = [ln for ln in err.strip().splitlines() if ln.startswith("landscape: error: ")]
    assert len(lines) == 1, err
    return lines[0]


# -- runs that never end or lose everything ------------------------------------------------------------

@pytest.mark.parametrize("jobs", [1, 2])
def test_time_limit_stops_loops_and_native_code_and_the_run_goes_on(hostile, tmp_path, jobs):
    events = []
    evs, _, _ = run_many(_claims("rb.loop", "rb.native", "rb.ok"), profile="quick", seed=0,
                         counterexample_dir=tmp_path / "cx", jobs=jobs, timeout=4, claims_from=[str(hostile)],
                         progress=events.append)
    by = {e.id: e for e in evs}
    for cid in ("rb.loop", "rb.native"):
        assert by[cid].verdict == "error" and "exceeded the time limit of 4 s" in by[cid].error, by[cid].error
    assert by["rb.ok"].verdict == "supported"
    ticks = [e for e in events if e.tick]
    assert ticks and all(e.elapsed and e.running for e in ticks)  # each running claim's elapsed time


@pytest.mark.parametrize("command", ["check", "report", "stability"])
def test_timeout_option_with_its_default_in_help(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--timeout SECONDS" in out and "quick 300 s, standard 900 s, thorough 3600 s" in out


def test_replays_a_run_makes_have_the_time_limit(hostile, tmp_path):
    cx = tmp_path / "cx"
    write_counterexample(cx, "rb.ok", {"sleep": 60}, {"status": "fails"}, profile="quick", seed=0)
    t0 = time.perf_counter()
    [ev], _, _ = run_many(_claims("rb.ok"), profile="quick", seed=0, counterexample_dir=cx, timeout=2,
                          claims_from=[str(hostile)])
    assert time.perf_counter() - t0 < 30
    assert ev.verdict == "error" and "exceeded the time limit of 2 s" in ev.error
    assert (cx / "rb.ok.json").is_file()  # kept


CRASHES = {"rb.exit": "sys.exit(3)", "rb.osexit": "exit status 4", "rb.kbint": "KeyboardInterrupt",
           "rb.segv": "SIGSEGV", "rb.nan_margin": "margin nan", "rb.neg_margin": "margin -5.0"}


@pytest.mark.parametrize("jobs", [1, 2])
def test_claims_that_end_their_process_are_error_verdicts(hostile, tmp_path, jobs):
    evs, _, _ = run_many(_claims(*CRASHES, "rb.ok"), profile="quick", seed=0, counterexample_dir=tmp_path,
                         jobs=jobs, timeout=60, claims_from=[str(hostile)])
    by = {e.id: e for e in evs}
    for cid, what in CRASHES.items():
        assert by[cid].verdict == "error" and what in by[cid].error, (cid, by[cid].error)
    assert by["rb.ok"].verdict == "supported"


def test_sys_exit_in_process_is_an_error_too(hostile):
    [ev], _, _ = run_many(_claims("rb.exit"), profile="quick", seed=0, counterexample_dir=None)
    assert ev.verdict == "error" and "sys.exit(3)" in ev.error


def test_serial_report_keeps_every_other_claims_evidence_and_prints_no_traceback(hostile, tmp_path):
    out = tmp_path / "rep"
    r = subprocess.run([sys.executable, "-m", "landscape.cli", "report", "--claims-from", str(hostile), "--only",
                        "rb.exit", "rb.kbint", "rb.ok", "--out", str(out), "--counterexamples", str(tmp_path / "cx"),
                        "--jobs", "2"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    doc = json.loads((out / "evidence.json").read_text())
    assert {c["id"]: c["verdict"] for c in doc["claims"]} == {"rb.exit": "error", "rb.kbint": "error",
                                                              "rb.ok": "supported"}


def test_dask_agrees(hostile, tmp_path):
    pytest.importorskip("distributed", reason="the optional extra landscape[cluster] is not installed")
    evs, _, _ = run_many(_claims("rb.exit", "rb.kbint", "rb.ok"), profile="quick", seed=0, counterexample_dir=None,
                         jobs=1, scheduler="local", claims_from=[str(hostile)], timeout=60)
    by = {e.id: e for e in evs}
    assert "sys.exit(3)" in by["rb.exit"].error and "KeyboardInterrupt" in by["rb.kbint"].error
    assert by["rb.ok"].verdict == "supported"


def test_pytest_agrees_and_has_a_time_limit(pytester, hostile):
    pytester.makepyfile(test_hostile=HOSTILE.replace('"rb.', '"pyrb.'))
    r = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--landscape-timeout", "3", "-k",
                                      "exit or kbint or segv or loop or ok")
    out = r.stdout.str()
    assert "exceeded the time limit of 3 s" in out
    for cid in ("pyrb.exit", "pyrb.osexit", "pyrb.kbint", "pyrb.segv", "pyrb.loop"):
        assert any(ln.startswith(f"!! {cid} ") and " error " in ln for ln in out.splitlines()), (cid, out)
    assert any(ln.startswith("ok pyrb.ok ") for ln in out.splitlines())


def _children(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                stat = (p / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(p.name))
    return out


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_workers_exit_when_the_parent_is_sigkilled(hostile, tmp_path):
    import threading

    p = subprocess.Popen([sys.executable, "-m", "landscape.cli", "check", "rb.loop", "rb.native", "--claims-from",
                          str(hostile), "--jobs", "2", "--timeout", "0", "--counterexamples", str(tmp_path / "cx")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    threading.Thread(target=lambda: seen.extend(p.stderr), daemon=True).start()
    try:
        # wait until both claims have *started* in their workers (the progress names them), however slow the
        # machine is at spawning workers and importing torch: then the parent dies
        deadline = time.time() + 180
        while time.time() < deadline and not all(any(c in line for line in list(seen)) for c in ("rb.loop", "rb.native")):
            time.sleep(0.5)
        kids = _children(p.pid)
        assert len(kids) >= 2, seen
        time.sleep(1)
    finally:
        p.kill()
        p.wait()
    def running(k: int) -> bool:
        """Alive and not a zombie (an orphan's zombie stays in /proc until init reaps it, which a container's
        PID 1 may never do: it has exited all the same)."""
        try:
            return "Z" not in Path(f"/proc/{k}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return False

    t0 = time.time()
    while time.time() - t0 < 10 and any(running(k) for k in kids):
        time.sleep(0.2)
    alive = [k for k in kids if running(k)]
    for k in alive:  # do not leave them behind if the test fails
        try:
            os.kill(k, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert not alive, f"workers {alive} outlived their SIGKILLed parent by 10 s"


def test_jobs_beyond_the_cores_are_capped_with_a_note(hostile, tmp_path, capsys):
    from landscape._core.parallel import usable_cores

    assert main(["check", "rb.ok", "--claims-from", str(hostile), "--jobs", "1000",
                 "--counterexamples", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    n = usable_cores()
    assert f"landscape: --jobs 1000 capped at the {n} usable core" in err


# -- files the run reads are input too -----------------------------------------------------------------

def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("kind", ["nested", "not-json", "directory", "fifo"])
def test_unreadable_files_in_out_are_skipped_with_a_warning(hostile, tmp_path, capsys, kind):
    out = tmp_path / "rep"
    out.mkdir()
    for name in ("evidence.json", "stability-quick.json"):
        f = out / name
        if kind == "nested":
            f.write_text(_nested(200_000))
        elif kind == "not-json":
            f.write_text("not json {")
        elif kind == "directory":
            f.mkdir()
        else:
            os.mkfifo(f)
    if kind in ("directory", "fifo"):  # evidence.json must be replaced by the report: only the sweep stays odd
        (out / "evidence.json").rmdir() if kind == "directory" else (out / "evidence.json").unlink()
        (out / "evidence.json").write_text(_nested(5000))
    t0 = time.perf_counter()
    assert main(["report", "--claims-from", str(hostile), "--only", "rb.ok", "--out", str(out),
                 "--counterexamples", str(tmp_path / "cx")]) == 0
    assert time.perf_counter() - t0 < 60  # a FIFO is never opened
    err = capsys.readouterr().err
    assert "Traceback" not in err
    warnings = [ln for ln in err.splitlines() if ln.startswith("landscape: warning: ")]
    assert len(warnings) >= 2 and all("skipped" in w for w in warnings), err
    if kind in ("directory", "fifo"):
        assert any(("is a directory" if kind == "directory" else "is a FIFO") in w for w in warnings), warnings


def test_replay_of_nested_json_and_huge_integers_is_malformed_and_the_rest_still_replays(hostile, tmp_path, capsys):
    good = write_counterexample(tmp_path / "good", "rb.ok", {"sleep": 0}, {"status": "fails"}, profile="quick", seed=0)
    bad = []
    for name, text in (("deep900", _nested(900)), ("deep200k", _nested(200_000)),
                       ("bigint", '{"schema_version": ' + "7" * 5000 + "}")):
        (tmp_path / f"{name}.json").write_text(text)
        bad.append(str(tmp_path / f"{name}.json"))
    assert main(["replay", *bad, str(good), "--claims-from", str(hostile)]) == 2
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err and len(cap.err.strip().splitlines()) == 3, cap.err
    assert all(ln.startswith("landscape: error: ") for ln in cap.err.strip().splitlines())
    assert "still refutes" in cap.out


def test_a_stored_file_of_another_claim_is_not_replayed_for_this_one(hostile, tmp_path):
    cx = tmp_path / "cx"
    src = write_counterexample(cx, "rb.chdir", {"x": 1.0, "y": [1.0, 1.0]}, {"status": "fails"}, profile="quick",
                               seed=0)
    os.replace(src, cx / "rb.ok.json")
    [ev], _, _ = run_many(_claims("rb.ok"), profile="quick", seed=0, counterexample_dir=cx)
    assert ev.verdict == "supported"
    assert any("records the claim 'rb.chdir', not 'rb.ok'" in n for n in ev.notes)
    assert (cx / "rb.ok.json").is_file()


def test_payload_floats_round_trip(hostile, tmp_path, capsys):
    [ev], _, _ = run_many(_claims("rb.chdir"), profile="quick", seed=0, counterexample_dir=tmp_path)
    assert ev.verdict == "refuted"
    doc = read_counterexample(tmp_path / "rb.chdir.json")
    import math

    assert math.isnan(doc["payload"]["x"]) and doc["payload"]["y"] == [math.inf, -math.inf, 1.5]
    assert main(["replay", str(tmp_path / "rb.chdir.json"), "--claims-from", str(hostile)]) == 0


@pytest.mark.parametrize("argv", [["replay", "x.json", "--timeout", "1e300"], ["replay", "x.json", "--timeout", "nan"],
                                  ["check", "rb.ok", "--timeout", "-1"], ["check", "rb.ok", "--seed", "-3"],
                                  ["stability", "--seeds", "0"], ["report", "--seed", "1e9"]])
def test_option_values_are_validated_up_front(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and err.startswith("landscape: error: ")


@pytest.mark.parametrize("kind,says", [("fifo", "is a FIFO"), ("dir", "is a directory"),
                                       ("zero", "is a character device")])
def test_a_counterexample_file_that_is_not_a_file_says_what_it_is(tmp_path, capsys, kind, says):
    if kind == "fifo":
        path = tmp_path / "f.json"
        os.mkfifo(path)
    elif kind == "dir":
        path = tmp_path / "d.json"
        path.mkdir()
    else:
        path = Path("/dev/zero")
    assert main(["replay", str(path)]) == 2
    assert says in _one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("bad", ["../../escaped", "sub/dir.claim", "a..b", "Upper.case", ".hidden", "a.b/", ""])
def test_claim_ids_are_validated_at_registration(bad, tmp_path, capsys):
    from landscape import claim

    with pytest.raises(LandscapeError, match="claim id .* is invalid"):
        claim(bad, title="t", source="s", statement="s")
    f = tmp_path / "bad_id.py"
    f.write_text(f"from landscape import claim\n@claim({bad!r}, title='t', source='s', statement='s')\n"
                 "def c(ctx):\n    pass\n")
    assert main(["list", "--claims-from", str(f)]) == 2
    assert "is invalid" in _one_line_error(capsys.readouterr().err)


def test_a_claim_that_changes_directory_does_not_move_the_outputs(hostile, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    [ev], _, _ = run_many(_claims("rb.chdir"), profile="quick", seed=0, counterexample_dir="cx")  # in this process
    assert Path.cwd() == tmp_path and (tmp_path / "cx" / "rb.chdir.json").is_file()
    assert main(["report", "--claims-from", str(hostile), "--only", "rb.chdir", "--out", "rep",
                 "--counterexamples", "cx2"]) == 0
    assert (tmp_path / "rep" / "evidence.json").is_file() and (tmp_path / "cx2" / "rb.chdir.json").is_file()
    assert not list(tmp_path.rglob(LOCK_NAME)) and not list(tmp_path.rglob(STAGING_PREFIX + "*"))


@pytest.mark.parametrize("where", ["counterexample", "report"])
def test_disk_full_is_one_line_and_leaves_nothing(hostile, tmp_path, monkeypatch, capsys, where):
    import errno

    import landscape._core.evidence
    import landscape._core.report

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    target = landscape._core.evidence if where == "counterexample" else landscape._core.report
    monkeypatch.setattr(target, "atomic_write", full)
    out, cx = tmp_path / "rep", tmp_path / "cx"
    assert main(["report", "--claims-from", str(hostile), "--only", "rb.chdir", "rb.ok", "--out", str(out),
                 "--counterexamples", str(cx)]) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert "No space left on device" in line and str(cx if where == "counterexample" else out) in line
    left = [p for p in tmp_path.rglob("*")]
    assert not left, left  # no lock, no staging directory, no half-written file


def test_sigint_while_publishing_says_what_was_published(hostile, tmp_path, monkeypatch, capsys):
    from landscape._core.report import ReportStage

    real = ReportStage.publish

    def interrupted(self):
        os.kill(os.getpid(), signal.SIGINT)  # arrives in the middle of publishing: held until it is done
        return real(self)

    monkeypatch.setattr(ReportStage, "publish", interrupted)
    out = tmp_path / "rep"
    assert main(["report", "--claims-from", str(hostile), "--only", "rb.chdir", "--out", str(out),
                 "--counterexamples", str(tmp_path / "cx")]) == 130
    err = capsys.readouterr().err
    assert "interrupted after the outputs were published completely" in err
    assert (out / "index.html").is_file() and (tmp_path / "cx" / "rb.chdir.json").is_file()


def test_pytest_report_dir_that_is_a_file(pytester):
    pytester.makepyfile(test_nothing="def test_x():\n    pass\n")
    (pytester.path / "afile").write_text("x")
    r = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--landscape-report", "afile")
    assert "--landscape-report 'afile' is a file; expected a directory" in r.stderr.str()
    assert "File exists" not in r.stderr.str()


# -- the README's commands leave the repository alone --------------------------------------------------

def test_everyday_runs_write_into_the_run_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "counterexamples").mkdir()
    (tmp_path / "reports").mkdir()
    assert main(["check", "lds.assumption2.paper_examples"]) == 0
    err = capsys.readouterr().err
    assert err.splitlines()[0].startswith(f"landscape: writing counterexamples to {tmp_path}/runs/counterexamples/")
    assert (tmp_path / "runs" / "counterexamples" / "lds.assumption2.paper_examples.json").is_file()
    assert not any((tmp_path / "counterexamples").iterdir()) and not any((tmp_path / "reports").iterdir())
    from landscape.cli import _parser

    a = _parser().parse_args(["report"])
    assert (a.out, a.counterexamples) == ("runs/report", "runs/counterexamples")
    root = Path(__file__).resolve().parent.parent
    assert "/runs/" in (root / ".gitignore").read_text().split()
