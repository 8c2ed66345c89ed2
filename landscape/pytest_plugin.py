"""pytest plugin (entry point ``pytest11: landscape``): every claim is a test.

* Any :class:`~landscape.registry.Claim` object found in a test module is collected as
  a test item named after its id; ``tests/test_claims.py`` exposes the built-in claims.
* A claim's test passes when its computed verdict equals the expectation recorded in
  the code; a refutation must also write a counterexample file that replays.
* The Hypothesis profile comes from ``--hypothesis-profile`` (``quick`` if not given).
* ``--landscape-report DIR`` writes the same report as ``landscape report`` at the end
  of the session; the terminal summary lists every verdict.  Evidence travels in each
  test report's ``user_properties``, so it survives pytest-xdist workers.
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import datetime, timezone

import pytest
from hypothesis import settings

from . import profiles
from .evidence import Evidence, evidence_document, replay
from .registry import Claim, all_claims
from .runner import run_claim

_KEY = "landscape_evidence"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("landscape", "landscape: empirical checks of loss-landscape theorems")
    group.addoption("--landscape-report", metavar="DIR", default=None,
                    help="write evidence.json, report.md and index.html for the claims run into DIR")
    group.addoption("--landscape-counterexamples", metavar="DIR", default=None,
                    help="directory for counterexample files written by refutations "
                         "(default: a temporary directory, so the committed counterexamples/ is left alone)")
    group.addoption("--landscape-seed", metavar="S", type=int, default=0,
                    help="seed of every claim search (default 0)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "landscape_claim: a landscape claim run as a test")
    if config.getoption("hypothesis_profile", default=None) is None:
        settings.load_profile(profiles.DEFAULT_PROFILE)
    config._landscape = {"evidence": [], "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         "t0": time.perf_counter()}


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
        cx = cfg.getoption("landscape_counterexamples")
        if cx is None:  # a fresh directory per session: nothing from an earlier run is replayed
            cx = cfg._landscape.setdefault("cx", tempfile.mkdtemp(prefix="landscape-counterexamples-"))
        ev = run_claim(self.claim, profile=profiles.current_hypothesis_profile(),
                       seed=cfg.getoption("landscape_seed"), counterexample_dir=cx)
        self.user_properties.append((_KEY, json.dumps(ev.as_dict())))
        if ev.verdict == "error":
            raise ClaimFailure(f"{self.claim.id}: the check raised an error\n{ev.error}")
        if not ev.passed:
            raise ClaimFailure(f"{self.claim.id}: computed verdict {ev.verdict!r}, expected {ev.expected!r} "
                               f"(margin {ev.margin}); {ev.tried}\n"
                               f"reproduce: landscape check {self.claim.id} --profile "
                               f"{profiles.current_hypothesis_profile()} --seed {cfg.getoption('landscape_seed')}")
        if ev.verdict == "refuted" and ev.counterexample and ev.counterexample.endswith(".json"):
            rep = replay(ev.counterexample)
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
        tr.write_line(f"{mark}{e.id:<{w}}  {e.verdict:<12} expected {e.expected:<12} margin {margin:<8} "
                      f"examples {e.examples:<5} {e.duration_s:6.1f}s")
    n_ok = sum(e.passed for e in evs)
    tr.write_line(f"{len(evs)} claims, {n_ok} with the expected verdict; profile "
                  f"{profiles.current_hypothesis_profile()}")
    out = config.getoption("landscape_report")
    if out:
        from .report import write_report

        doc = evidence_document(sorted(evs, key=lambda e: e.id), profile=profiles.current_hypothesis_profile(),
                                seed=config.getoption("landscape_seed"), started=config._landscape["started"],
                                duration_s=time.perf_counter() - config._landscape["t0"])
        paths = write_report(sorted(evs, key=lambda e: e.id), doc, out)
        tr.write_line(f"landscape report written: {paths['html']}, {paths['markdown']}, {paths['json']}")


def registered_claims() -> dict[str, Claim]:
    """The built-in claims as a module namespace for pytest collection (``tests/test_claims.py``)."""
    return {f"claim_{c.id}": c for c in all_claims()}
