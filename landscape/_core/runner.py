"""Run claims: one claim -> :class:`~landscape._core.evidence.Evidence`, many -> a report.

Exceptions inside a check become the verdict ``error`` with the traceback kept in the
evidence (a bug in a check must never look like a verdict), and so does a check that
returns something other than a :class:`~landscape._core.context.Result` (or a Result the
evidence cannot hold); the other claims of the run are unaffected.  ``KeyboardInterrupt``
is not caught: it stops the run.  A refutation writes its counterexample file into a
:class:`~landscape._core.publish.CounterexampleStage`; nothing reaches the counterexample
directory until the stage is published at the end of the run (see
:mod:`landscape._core.publish`), and the evidence names the published path.

A counterexample directory reflects the code that wrote it.  When a claim runs without
refuting and its directory already holds ``<claim id>.json``, that file is *replayed*:
if it still refutes, the claim is refuted by it (a stored counterexample is evidence,
whatever this run's search found) and the evidence says so; if it no longer refutes, or
this version cannot read it, it is stale and removed (a note records the removal; the
removal, like every change to the directory, happens when the run is published).
"""

from __future__ import annotations

import json
import math
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from landscape._core import profiles
from landscape._core.context import Context, Result
from landscape._lib.errors import LandscapeError
from landscape._core.context import outcome_dict
from landscape._core.evidence import Evidence, replay
from landscape._core.publish import CounterexampleStage
from landscape._core.registry import VERDICTS, Claim


def run_claim(c: Claim, *, profile: str = profiles.DEFAULT_PROFILE, seed: int = 0,
              counterexample_dir: str | Path | CounterexampleStage | None = None,
              progress: Callable[[str], None] | None = None) -> Evidence:
    """Run one claim's check and package its evidence.

    ``counterexample_dir``: a :class:`~landscape._core.publish.CounterexampleStage` -- the
    caller publishes it at the end of its run --, or a directory: the claim's changes to
    it are staged and published when the claim is done (an interrupted claim changes
    nothing), or None (nothing is written or replayed).
    """
    if counterexample_dir is None or isinstance(counterexample_dir, CounterexampleStage):
        return _run_claim(c, profile, seed, counterexample_dir, progress)
    stage = CounterexampleStage(counterexample_dir)
    try:
        ev = _run_claim(c, profile, seed, stage, progress)
    except BaseException:
        stage.discard()
        raise
    stage.publish()
    return ev


def _blank_evidence(c: Claim) -> Evidence:
    from landscape._core.commands import claims_from

    return Evidence(id=c.id, title=c.title, source=c.source, statement=c.statement, hypotheses=list(c.hypotheses),
                    expected=c.expected, paper=c.paper, why=c.why, verdict="error",
                    claims_from=next(iter(claims_from([c])), None))


def _run_claim(c: Claim, profile: str, seed: int, stage: CounterexampleStage | None,
               progress: Callable[[str], None] | None) -> Evidence:
    prof = profiles.get(profile)
    ctx = Context(prof, seed=seed, progress=progress)
    ev = _blank_evidence(c)
    t0 = time.perf_counter()
    try:
        r = c.check(ctx)
    except Exception as e:  # noqa: BLE001 - an error is reported as the verdict 'error'
        ev.error = f"{e.__class__.__name__}: {e}\n{traceback.format_exc()}"
        ev.duration_s = round(time.perf_counter() - t0, 3)
        return ev
    ev.duration_s = round(time.perf_counter() - t0, 3)
    if not isinstance(r, Result):
        ev.error = (f"check of claim {c.id!r} returned {type(r).__name__}; expected a landscape.Result "
                    "(return res.result(...) or merge(...))")
        return ev
    if r.verdict not in VERDICTS:
        ev.error = (f"check of claim {c.id!r} returned a Result with verdict {r.verdict!r}; expected one of "
                    f"{', '.join(VERDICTS)} (computed by res.result(...) or merge(...))")
        return ev
    try:
        ev.verdict = r.verdict
        ev.examples = r.examples
        ev.statistics = r.statistics
        ev.statistics.setdefault("searches", [s.summary() for s in ctx.searches])
        ev.margin = r.margin
        ev.tried = r.tried
        ev.figures = r.figures
        ev.notes = r.notes
        ev.counterexample_outcome = r.counterexample_outcome
        json.dumps(ev.as_dict(), allow_nan=False)  # the report must be able to hold it
        if r.verdict == "refuted" and r.counterexample is not None and stage is not None:
            path = stage.write(c.id, r.counterexample, r.counterexample_outcome or {}, profile=profile, seed=seed)
            ev.counterexample = str(path)
        elif r.verdict == "refuted" and r.counterexample is not None:
            ev.counterexample = "(not written: no counterexample directory given)"
        elif stage is not None:
            _reconcile_stored(ev, stage.directory / f"{c.id}.json", stage)
    except Exception as e:  # noqa: BLE001 - e.g. statistics or a payload that is not JSON: an error, not a lost run
        bad = _blank_evidence(c)
        bad.duration_s = ev.duration_s
        bad.error = (f"check of claim {c.id!r} returned a Result the evidence cannot hold: "
                     f"{e.__class__.__name__}: {e}\n{traceback.format_exc()}")
        return bad
    return ev


def _reconcile_stored(ev: Evidence, path: Path, stage: CounterexampleStage) -> None:
    """Replay a stored counterexample of a claim this run did not refute (see the module docstring).

    ``path`` is read from the published directory; a removal is recorded in ``stage``.
    """
    if not path.is_file():
        return
    try:
        rep = replay(path)
    except LandscapeError as e:  # unreadable, tampered, another schema, or a payload this version cannot replay
        stage.remove(path)
        ev.notes.append(f"removed the stale counterexample file {path}: it cannot be replayed by this version ({e})")
        return
    except Exception as e:  # noqa: BLE001 - a bug in a replay function must not lose the run, nor the file
        ev.notes.append(f"the stored counterexample file {path} was kept but not replayed: its replay raised "
                        f"{e.__class__.__name__}: {e}")
        return
    if rep.still_refutes:
        ev.notes.append(f"this run's search found no counterexample, but the stored file {path} still refutes the "
                        f"claim when replayed: verdict {ev.verdict!r} -> 'refuted'")
        ev.statistics["stored_counterexample_replay"] = rep.outcome
        ev.verdict = "refuted"
        ev.counterexample = str(path)
        ev.counterexample_outcome = rep.outcome
        m = rep.outcome.get("margin")
        ev.margin = {"inf": math.inf, "-inf": -math.inf}.get(m, m) if isinstance(m, (int, float, str)) else ev.margin
    else:
        stage.remove(path)
        ev.notes.append(f"removed the stale counterexample file {path}: replayed, it no longer refutes "
                        f"(status {rep.outcome.get('status')!r})")


def run_many(claims: list[Claim], *, profile: str, seed: int,
             counterexample_dir: str | Path | CounterexampleStage | None,
             progress: Callable[[int, int, Claim, Evidence | None], None] | None = None) -> tuple[list[Evidence], str, float]:
    """Run claims in order; ``progress(i, n, claim, evidence_or_None)`` before and after each.

    ``counterexample_dir``: a :class:`~landscape._core.publish.CounterexampleStage` (the caller
    publishes it, e.g. after writing the report), or a directory (staged for the whole
    run, published when every claim is done), or None.
    """
    own = counterexample_dir is not None and not isinstance(counterexample_dir, CounterexampleStage)
    stage = CounterexampleStage(counterexample_dir) if own else counterexample_dir
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    out = []
    try:
        for i, c in enumerate(claims, start=1):
            if progress:
                progress(i, len(claims), c, None)
            ev = run_claim(c, profile=profile, seed=seed, counterexample_dir=stage)
            out.append(ev)
            if progress:
                progress(i, len(claims), c, ev)
    except BaseException:
        if own:
            stage.discard()
        raise
    if own:
        stage.publish()
    return out, started, time.perf_counter() - t0


__all__ = ["run_claim", "run_many", "outcome_dict"]
