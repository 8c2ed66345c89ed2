"""pytest plugin (entry point ``pytest11: landscape``): every claim is a test.

* Any :class:`~landscape._core.registry.Claim` object found in a test module is collected as
  a test item named after its id; ``tests/test_claims.py`` exposes the built-in claims.
* A claim's test passes when its computed verdict equals the expectation recorded in
  the code; a refutation must also write a counterexample file that replays.
* The Hypothesis profile comes from ``--hypothesis-profile`` (``quick`` if not given); one that
  is not a landscape budget (Hypothesis' own ``ci``) runs the claims with ``quick``, and the
  session header and the terminal summary say so.
* A failing claim prints a ``reproduce:`` command that runs as printed from the directory pytest
  was started in (:func:`reproduce_command`; ``--claims-from`` for a claim of a test file).
* ``--landscape-report DIR`` writes the same report as ``landscape report`` at the end
  of the session; the terminal summary lists every verdict.  Evidence travels in each
  test report's ``user_properties``, so it survives pytest-xdist workers.
* Output directories follow ``landscape report``'s rules (:mod:`landscape._core.publish`): the
  ``--landscape-report`` and ``--landscape-counterexamples`` directories are locked when
  the session starts (held by another run: a usage error naming its pid, or with
  ``--landscape-wait`` the session waits for it); counterexample
  files are staged and published at the end of the session, after the report, which is
  itself published as a set.  An interrupted session (Ctrl-C) publishes nothing.  (Under
  pytest-xdist each worker publishes its own counterexamples when it finishes.)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import datetime, timezone

import pytest
from hypothesis import settings

from landscape._core import profiles
from landscape._lib.errors import LandscapeError
from landscape._core.evidence import Evidence, evidence_document, replay
from landscape._core.publish import CounterexampleStage, deferred_signals, lock_dir
from landscape._core.registry import Claim, all_claims
from landscape._core.runner import run_claim

_KEY = "landscape_evidence"
_COMPLETED = (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("landscape", "landscape: empirical checks of loss-landscape theorems")
    group.addoption("--landscape-report", metavar="DIR", default=None,
                    help="write evidence.json, report.md and index.html for the claims run into DIR")
    group.addoption("--landscape-counterexamples", metavar="DIR", default=None,
                    help="directory for counterexample files written by refutations "
                         "(default: a temporary directory, so the committed counterexamples/ is left alone)")
    group.addoption("--landscape-seed", metavar="S", type=int, default=0,
                    help="seed of every claim search (default 0)")
    group.addoption("--landscape-timeout", metavar="SECONDS", type=_timeout, default=None,
                    help="time limit of each claim, which runs in a worker process (a claim over it -- even in "
                         "native code --, or one that ends its process, is an error verdict); default by profile: "
                         + ", ".join(f"{k} {v:g} s" for k, v in profiles.DEFAULT_TIMEOUT_S.items())
                         + "; 0: no limit, the claims run in the pytest process")
    group.addoption("--landscape-wait", action="store_true", default=False,
                    help="if another landscape run is using the --landscape-report or --landscape-counterexamples "
                         "directory, wait for it (default: a usage error)")


def _timeout(value: str) -> float:
    """``--landscape-timeout``'s type (as ``landscape --timeout``)."""
    import argparse

    from landscape._core.evidence import MAX_TIMEOUT_S

    try:
        x = float(value)
    except ValueError:
        x = float("nan")
    if not 0 <= x <= MAX_TIMEOUT_S:
        raise argparse.ArgumentTypeError(f"{value!r} is not a time limit; expected seconds from 0 (no limit) to "
                                         f"{MAX_TIMEOUT_S:g}")
    return x


def _claim_timeout(config: pytest.Config) -> float:
    t = config.getoption("landscape_timeout")
    return profiles.DEFAULT_TIMEOUT_S.get(profiles.current_hypothesis_profile(), 900.0) if t is None else t


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "landscape_claim: a landscape claim run as a test")
    if config.getoption("hypothesis_profile", default=None) is None:
        settings.load_profile(profiles.DEFAULT_PROFILE)
    config._landscape = {"evidence": [], "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         "t0": time.perf_counter(), "locks": []}
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the controller holds the locks
        return
    for option, what in (("landscape_counterexamples", "counterexamples"), ("landscape_report", "report directory")):
        d = config.getoption(option)
        if d is None or any(os.path.realpath(d) == os.path.realpath(lk.directory) for lk in config._landscape["locks"]):
            continue
        if os.path.exists(d) and not os.path.isdir(d):
            _release_locks(config)
            raise pytest.UsageError(f"landscape: --{option.replace('_', '-')} {d!r} is a file; expected a directory "
                                    "(or a path where one can be made)")
        try:
            config._landscape["locks"].append(lock_dir(
                d, what=what, option="--" + option.replace("_", "-"), wait=config.getoption("landscape_wait"),
                wait_option="--landscape-wait", on_wait=_say))
        except LandscapeError as e:
            _release_locks(config)
            raise pytest.UsageError(f"landscape: {e}") from None


def _say(msg: str) -> None:
    print(f"landscape: {msg}", file=sys.stderr, flush=True)


def _worker(config: pytest.Config):
    """The session's worker process for the claims (made on first use, stopped at the end)."""
    from landscape._core.parallel import OneWorker

    w = config._landscape.get("worker")
    if w is None:
        w = config._landscape["worker"] = OneWorker()
    return w


def _release_locks(config: pytest.Config) -> None:
    for lk in config._landscape.get("locks", []):
        lk.release()
    config._landscape["locks"] = []


def _stage(config: pytest.Config) -> CounterexampleStage:
    """The session's counterexample stage (made on first use)."""
    st = config._landscape.get("stage")
    if st is None:
        cx = config.getoption("landscape_counterexamples")
        if cx is None:  # a fresh directory per session: nothing from an earlier run is replayed
            cx = tempfile.mkdtemp(prefix="landscape-counterexamples-")
        st = config._landscape["stage"] = CounterexampleStage(cx)
    return st


def _completed(config: pytest.Config) -> bool:
    """Did the session run to its end (passed or failed), rather than being interrupted?"""
    return config._landscape.get("exitstatus") in _COMPLETED


def _finish_stage(config: pytest.Config) -> None:
    """Publish the staged counterexamples of a completed session, discard them otherwise (idempotent)."""
    st = config._landscape.get("stage")
    if st is not None:
        try:
            if _completed(config):
                st.publish()
        finally:
            st.discard()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    cfg = session.config
    if hasattr(cfg, "_landscape"):
        cfg._landscape["exitstatus"] = exitstatus
        if hasattr(cfg, "workerinput"):  # an xdist worker: now, before it reports back and may be ended
            _finish_stage(cfg)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Publish or discard what is still staged (see :func:`_finish_stage`); release the locks."""
    if getattr(config, "_landscape", None) is None:
        return
    try:
        w = config._landscape.pop("worker", None)
        if w is not None:
            w.close()
        _finish_stage(config)
    finally:
        _release_locks(config)


def reproduce_command(claim: Claim, config: pytest.Config) -> str:
    """The ``landscape check`` command that re-runs ``claim`` as this session did, from the directory
    pytest was started in: same profile and seed, the file defining a claim that is not built in
    (``--claims-from``), and the session's counterexample directory (the stored files it saw)."""
    from landscape._core.commands import check_command

    st = config._landscape.get("stage")
    return check_command(claim, profile=profiles.current_hypothesis_profile(), seed=config.getoption("landscape_seed"),
                         counterexamples=st.directory if st is not None else config.getoption("landscape_counterexamples"),
                         cwd=config.invocation_params.dir)


def _budget_note(config: pytest.Config) -> str | None:
    """What to say when ``--hypothesis-profile`` names a profile that is not a landscape budget."""
    asked = config.getoption("hypothesis_profile", default=None)
    if asked is None or asked in profiles.PROFILES:
        return None
    return (f"Hypothesis profile {asked!r} is not a landscape budget; the claims ran with "
            f"{profiles.current_hypothesis_profile()!r} (choose one of {', '.join(profiles.PROFILES)} "
            f"with --hypothesis-profile)")


def pytest_report_header(config: pytest.Config) -> list[str]:
    """The session header's line: the budget and seed the claims run with."""
    note = _budget_note(config)
    return [f"landscape: profile {profiles.current_hypothesis_profile()}, seed {config.getoption('landscape_seed')}"
            + (f" ({note})" if note else "")]


class ClaimFailure(Exception):
    """The computed verdict differs from the recorded expectation (or the check errored)."""


class ClaimItem(pytest.Item):
    """One claim run as a test."""

    def __init__(self, *, claim: Claim, **kw):
        super().__init__(**kw)
        self.claim = claim
        self.add_marker("landscape_claim")

    def runtest(self) -> None:
        cfg = self.config
        stage = _stage(cfg)
        timeout = _claim_timeout(cfg)
        if timeout:  # in the session's worker process (see the option's help)
            from landscape._core.runner import run_isolated

            ev = run_isolated(self.claim, _worker(cfg), profile=profiles.current_hypothesis_profile(),
                              seed=cfg.getoption("landscape_seed"), stage=stage, timeout=timeout)
        else:
            ev = run_claim(self.claim, profile=profiles.current_hypothesis_profile(),
                           seed=cfg.getoption("landscape_seed"), counterexample_dir=stage)
        self.user_properties.append((_KEY, json.dumps(ev.as_dict())))
        if ev.verdict == "error":
            raise ClaimFailure(f"{self.claim.id}: the check raised an error\n{ev.error}")
        if not ev.passed:
            raise ClaimFailure(f"{self.claim.id}: computed verdict {ev.verdict!r}, expected {ev.expected!r} "
                               f"(margin {ev.margin}); {ev.tried}\n"
                               f"reproduce: {reproduce_command(self.claim, cfg)}")
        if ev.verdict == "refuted" and ev.counterexample and ev.counterexample.endswith(".json"):
            rep = replay(stage.locate(ev.counterexample))  # staged until the session ends
            if not rep.still_refutes:
                raise ClaimFailure(f"{self.claim.id}: the counterexample {ev.counterexample} does not replay "
                                   f"({rep.outcome})")

    def repr_failure(self, excinfo, style=None):  # noqa: ANN001 - pytest's signature
        if isinstance(excinfo.value, ClaimFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"claim {self.claim.id}"


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector, name, obj):  # noqa: ANN001 - pytest's signature
    if isinstance(obj, Claim):
        return ClaimItem.from_parent(collector, name=obj.id, claim=obj)
    return None


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    for k, v in report.user_properties:
        if k == _KEY:
            cfg = _CONFIG.get("config")
            if cfg is not None:
                cfg._landscape["evidence"].append(Evidence.from_dict(json.loads(v)))


_CONFIG: dict = {}


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    _CONFIG["config"] = session.config


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:  # noqa: ANN001
    evs: list[Evidence] = getattr(config, "_landscape", {}).get("evidence", [])
    if not evs:
        return
    tr = terminalreporter
    tr.section("landscape verdicts")
    w = max(len(e.id) for e in evs)
    for e in sorted(evs, key=lambda e: e.id):
        mark = "ok " if e.passed else "!! "
        margin = "n/a" if e.margin is None else (e.margin if isinstance(e.margin, str) else f"{e.margin:+.2f}")
        proof = f"  proof {e.proof}" if e.proof else ""
        tr.write_line(f"{mark}{e.id:<{w}}  {e.verdict:<12} expected {e.expected:<12} margin {margin:<8} "
                      f"examples {e.examples:<5} {e.duration_s:6.1f}s{proof}")
    n_ok = sum(e.passed for e in evs)
    tr.write_line(f"{len(evs)} claims, {n_ok} with the expected verdict; profile "
                  f"{profiles.current_hypothesis_profile()}")
    note = _budget_note(config)
    if note:
        tr.write_line(f"landscape: {note}")
    out = config.getoption("landscape_report")
    if out and not _completed(config):
        tr.write_line("landscape: the session was interrupted; the report and counterexamples were not published")
    elif out:
        from landscape._core.report import stage_report

        n_fig = sum(len(e.figures) for e in evs)  # the evidence's fixture summaries take seconds too
        tr.write_line(f"landscape: rendering the report (evidence, {n_fig} figure{'s' * (n_fig != 1)}) into {out} ...")
        tr.flush()
        doc = evidence_document(sorted(evs, key=lambda e: e.id), profile=profiles.current_hypothesis_profile(),
                                seed=config.getoption("landscape_seed"), started=config._landscape["started"],
                                duration_s=time.perf_counter() - config._landscape["t0"])
        stage = config._landscape.get("stage")  # this session's counterexample files are still staged
        report = stage_report(sorted(evs, key=lambda e: e.id), doc, out,
                              locate=stage.locate if stage is not None else None)
        try:
            with deferred_signals():  # the report, then the counterexamples (pytest_unconfigure is the fallback)
                paths = report.publish()
                if config._landscape.get("stage") is not None:
                    config._landscape["stage"].publish()
        finally:
            report.discard()
        tr.write_line(f"landscape report written: {paths['html']}, {paths['markdown']}, {paths['json']}")


def registered_claims() -> dict[str, Claim]:
    """The built-in claims as a module namespace for pytest collection (``tests/test_claims.py``)."""
    return {f"claim_{c.id}": c for c in all_claims()}
