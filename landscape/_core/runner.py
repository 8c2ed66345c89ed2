"""Run claims: one claim -> :class:`~landscape._core.evidence.Evidence`, many -> a report.

Exceptions inside a check become the verdict ``error`` with the traceback kept in the
evidence (a bug in a check must never look like a verdict), and so does a check that
returns something other than a :class:`~landscape._core.context.Result` (or a Result the
evidence cannot hold, or a margin that is not a number >= 0), and a check that calls
``sys.exit``; the other claims of the run are unaffected.  A ``KeyboardInterrupt`` stops the
run, except in a worker process (which ignores SIGINT: there the claim raised it, an
``error``).  A check that changes the working directory gets it back when it ends.

With a ``timeout`` (or ``isolate``), :func:`run_many` runs even a serial run's claims in a
worker process (:class:`landscape._core.parallel.LocalPool` of one), so a claim over its time
limit -- also one stuck in native code -- or one that kills its process (``os._exit``, a
segfault) is an ``error`` verdict and the run goes on; the command line always does.  A refutation writes its counterexample file into a
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
import os
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from landscape._core import profiles
from landscape._core.context import Context, Result
from landscape._lib.errors import LandscapeError
from landscape._core.context import outcome_dict
from landscape._core.evidence import Evidence, ForeignCounterexample, TimeLimitExceeded, encode_payload, replay
from landscape._core.publish import CounterexampleStage
from landscape._lib.jsonable import jsonable
from landscape._core.registry import VERDICTS, Claim

from landscape._core import parallel


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


@dataclass
class Computed:
    """A claim's check, done: its evidence and, for a refutation, the counterexample still to be written.

    What :func:`compute` returns and a worker process sends back (``as_dict`` / ``from_dict``:
    plain JSON, the same bytes whichever process computed it); :func:`settle` then writes the
    counterexample or replays a stored one in the process that owns the output directory.
    """

    evidence: Evidence
    #: ``(payload, outcome)`` of a refutation (strict-JSON values), None otherwise
    counterexample: tuple[dict, dict] | None = None

    def as_dict(self) -> dict:
        return {"evidence": self.evidence.as_dict(),
                "counterexample": None if self.counterexample is None else list(self.counterexample)}

    @classmethod
    def from_dict(cls, d: dict) -> "Computed":
        cx = d.get("counterexample")
        return cls(Evidence.from_dict(d["evidence"]), None if cx is None else (cx[0], cx[1]))


def _valid_margin(m: object) -> bool:
    """A margin is None (n/a) or a number >= 0 in decades (inf allowed), never NaN or negative."""
    return m is None or (isinstance(m, (int, float)) and not isinstance(m, bool) and not math.isnan(m) and m >= 0)


def compute(c: Claim, *, profile: str, seed: int, progress: Callable[[str], None] | None = None) -> Computed:
    """Run ``c``'s check and package its evidence; touches no file (see :func:`settle`).

    Exceptions and ``sys.exit`` become the verdict ``error`` (see the module docstring);
    ``KeyboardInterrupt`` propagates, except in a worker process.
    """
    import os

    prof = profiles.get(profile)
    ctx = Context(prof, seed=seed, progress=progress)
    ev = _blank_evidence(c)
    t0 = time.perf_counter()
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = None
    try:
        r = c.check(ctx)
    except Exception as e:  # noqa: BLE001 - an error is reported as the verdict 'error'
        ev.error = f"{e.__class__.__name__}: {e}\n{traceback.format_exc()}"
        ev.duration_s = round(time.perf_counter() - t0, 3)
        return Computed(ev)
    except (SystemExit, KeyboardInterrupt) as e:
        if isinstance(e, KeyboardInterrupt) and not parallel.IN_WORKER:
            raise  # the user's Ctrl-C
        ev.error = f"check of claim {c.id!r}: {parallel.describe_exit(e)}; a check must return a landscape.Result"
        ev.duration_s = round(time.perf_counter() - t0, 3)
        return Computed(ev)
    finally:
        if cwd is not None:
            try:
                if os.getcwd() != cwd:
                    os.chdir(cwd)  # a check that changed directory: outputs still go where the run said
            except OSError:
                os.chdir(cwd)
    ev.duration_s = round(time.perf_counter() - t0, 3)
    if not isinstance(r, Result):
        ev.error = (f"check of claim {c.id!r} returned {type(r).__name__}; expected a landscape.Result "
                    "(return res.result(...) or merge(...))")
        return Computed(ev)
    if r.verdict not in VERDICTS:
        ev.error = (f"check of claim {c.id!r} returned a Result with verdict {r.verdict!r}; expected one of "
                    f"{', '.join(VERDICTS)} (computed by res.result(...) or merge(...))")
        return Computed(ev)
    if not _valid_margin(r.margin):
        ev.error = (f"check of claim {c.id!r} returned a Result with margin {r.margin!r}; expected a number of "
                    "decades >= 0 (inf allowed) or None")
        return Computed(ev)
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
        cx = None
        if r.verdict == "refuted" and r.counterexample is not None:
            cx = (encode_payload(r.counterexample), jsonable(r.counterexample_outcome or {}))
            json.dumps(cx, allow_nan=False)  # the counterexample file must be able to hold it
    except Exception as e:  # noqa: BLE001 - e.g. statistics or a payload that is not JSON: an error, not a lost run
        return Computed(_cannot_hold(c, ev.duration_s, e))
    return Computed(ev, cx)


def _cannot_hold(c: Claim, duration_s: float, e: Exception) -> Evidence:
    bad = _blank_evidence(c)
    bad.duration_s = duration_s
    bad.error = (f"check of claim {c.id!r} returned a Result the evidence cannot hold: "
                 f"{e.__class__.__name__}: {e}\n{traceback.format_exc()}")
    return bad


class OutputError(LandscapeError):
    """An output directory cannot be written (disk full, read-only ...): the run stops, nothing is published."""


def settle(done: Computed, c: Claim, *, profile: str, seed: int, stage: CounterexampleStage | None,
           replay_timeout: float | None = None) -> Evidence:
    """Write a refutation's counterexample into ``stage``, or replay a stored one (module docstring);
    ``replay_timeout``: the time limit of that replay (seconds, None: none).  A file that cannot be
    written raises :class:`OutputError` (a full disk is not a claim's error)."""
    ev = done.evidence
    if ev.verdict == "error":
        return ev
    try:
        if done.counterexample is not None and stage is not None:
            payload, outcome = done.counterexample
            try:
                ev.counterexample = str(stage.write(c.id, payload, outcome, profile=profile, seed=seed))
            except OSError as e:
                raise OutputError(f"cannot write into the counterexample directory {str(stage.directory)!r} "
                                  f"({e.strerror or e}); nothing was published") from None
        elif done.counterexample is not None:
            ev.counterexample = "(not written: no counterexample directory given)"
        elif stage is not None:
            own = stage.directory / f"{c.id}.json"
            ref = None if stage.reference is None else stage.reference / f"{c.id}.json"
            if os.path.lexists(own) or ref is None:
                _reconcile_stored(ev, own, stage, replay_timeout, c.id)
            else:  # the committed file, read only: replayed as evidence, never removed from there
                _reconcile_stored(ev, ref, stage, replay_timeout, c.id, read_only=True)
    except LandscapeError:
        raise
    except Exception as e:  # noqa: BLE001 - a payload the file cannot hold: an error, not a lost run
        return _cannot_hold(c, ev.duration_s, e)
    return ev


def _run_claim(c: Claim, profile: str, seed: int, stage: CounterexampleStage | None,
               progress: Callable[[str], None] | None) -> Evidence:
    return settle(compute(c, profile=profile, seed=seed, progress=progress), c, profile=profile, seed=seed,
                  stage=stage)


def _reconcile_stored(ev: Evidence, path: Path, stage: CounterexampleStage, timeout: float | None = None,
                      claim_id: str | None = None, *, read_only: bool = False) -> None:
    """Replay a stored counterexample of a claim this run did not refute (see the module docstring).

    ``path`` is read from the published directory; a removal is recorded in ``stage``.  A file that
    records another claim is neither replayed nor removed (a note says so); a replay over ``timeout``
    seconds makes the claim an ``error`` (the file is kept).
    """
    if not os.path.lexists(path):
        return
    try:
        rep = replay(path, timeout=timeout, claim_id=claim_id)
    except ForeignCounterexample as e:
        ev.notes.append(f"warning: {e}; the file was kept")
        return
    except TimeLimitExceeded as e:
        ev.verdict = "error"
        ev.error = f"the stored counterexample file {path} was kept but not replayed: {e}"
        return
    except LandscapeError as e:  # unreadable, tampered, another schema, or a payload this version cannot replay
        if read_only:
            ev.notes.append(f"the stored counterexample file {path} cannot be replayed by this version ({e}); it was "
                            "left as it is")
            return
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
    elif read_only:
        ev.notes.append(f"the stored counterexample file {path}, replayed, no longer refutes (status "
                        f"{rep.outcome.get('status')!r}); it was left as it is (regenerate the committed files)")
    else:
        stage.remove(path)
        ev.notes.append(f"removed the stale counterexample file {path}: replayed, it no longer refutes "
                        f"(status {rep.outcome.get('status')!r})")


@dataclass
class Progress:
    """What a run reports to its ``progress`` callback, before (``evidence`` None) and after each claim.

    ``done`` claims of ``total`` are finished; ``worker`` names the worker process running
    ``claim`` (None in a serial run) and ``running`` maps every busy worker to its claim id.
    """

    done: int
    total: int
    claim: Claim
    evidence: Evidence | None
    worker: str | None = None
    running: dict[str, str] | None = None
    elapsed: dict[str, float] | None = None
    tick: bool = False


def run_many(claims: list[Claim], *, profile: str, seed: int,
             counterexample_dir: str | Path | CounterexampleStage | None,
             progress: Callable[[Progress], None] | None = None, jobs: int = 1, scheduler: str | None = None,
             claims_from: list[str] | tuple[str, ...] = (), durations: dict[str, float] | None = None,
             timeout: float | None = None, isolate: bool = False) -> tuple[list[Evidence], str, float]:
    """Run claims; returns their evidence in the order of ``claims``, the start time and the seconds taken.

    ``jobs`` > 1 or a ``scheduler`` (``"local"`` or a Dask address) runs the checks in worker
    processes (:mod:`landscape._core.parallel`), longest first by ``durations`` (seconds per
    claim id of an earlier run), each worker loading ``claims_from``; the evidence and the
    counterexample files are those of a serial run.  ``counterexample_dir``: a
    :class:`~landscape._core.publish.CounterexampleStage` (the caller publishes it, e.g.
    after writing the report), or a directory (staged for the whole run, published when
    every claim is done), or None.  ``timeout``: seconds per claim and per replay of a stored
    counterexample (None: no limit); with it, or ``isolate``, a serial run's claims run in one
    worker process (see the module docstring).
    """
    own = counterexample_dir is not None and not isinstance(counterexample_dir, CounterexampleStage)
    stage = CounterexampleStage(counterexample_dir) if own else counterexample_dir
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    try:
        if jobs <= 1 and scheduler is None and not timeout and not isolate:
            out = []
            for i, c in enumerate(claims, start=1):
                if progress:
                    progress(Progress(i - 1, len(claims), c, None))
                ev = run_claim(c, profile=profile, seed=seed, counterexample_dir=stage)
                out.append(ev)
                if progress:
                    progress(Progress(i, len(claims), c, ev))
        else:
            if jobs <= 1 and scheduler is None:  # one worker: the given order (the durations only matter to N > 1)
                durations = None
            out = _run_parallel(claims, profile=profile, seed=seed, stage=stage, progress=progress, jobs=jobs,
                                scheduler=scheduler, claims_from=claims_from, durations=durations, timeout=timeout)
    except BaseException:
        if own:
            stage.discard()
        raise
    if own:
        stage.publish()
    return out, started, time.perf_counter() - t0


def evidence_of(done: parallel.Finished, c: Claim, *, profile: str, seed: int,
                stage: CounterexampleStage | None, replay_timeout: float | None = None) -> Evidence:
    """The evidence of a task a worker finished: settled into ``stage``, or ``error`` with the failure."""
    if done.computed is None:
        ev = _blank_evidence(c)
        ev.error = done.failure
        ev.duration_s = done.seconds
        return ev
    return settle(Computed.from_dict(done.computed), c, profile=profile, seed=seed, stage=stage,
                  replay_timeout=replay_timeout)


def run_isolated(c: Claim, worker: parallel.OneWorker, *, profile: str, seed: int,
                 stage: CounterexampleStage | None, timeout: float | None,
                 claims_from: list[str] | tuple[str, ...] = ()) -> Evidence:
    """One claim in ``worker``'s process (the pytest plugin): a claim over ``timeout``, or one that ends its
    process, is an ``error`` verdict; settled here like a parallel run's (same evidence as :func:`run_claim`)."""
    from landscape._core.commands import claims_from as files_of

    files = tuple({os.path.realpath(f): f for f in [*files_of([c]), *claims_from]}.values())
    done = worker.run(parallel.Task(c.id, profile, seed, files), execute_task, timeout)
    return evidence_of(done, c, profile=profile, seed=seed, stage=stage, replay_timeout=timeout)


_LOADED: set[str] = set()


def execute_task(task: parallel.Task) -> dict:
    """What a worker process runs: the task's claim, ``Computed.as_dict()`` (plain JSON, the same anywhere).

    Loads the task's ``--claims-from`` files once per process; the profile and seed come with the task.
    """
    from landscape._core import registry

    for f in task.claims_from:
        if f not in _LOADED:
            registry.load_file(f)
            _LOADED.add(f)
    c = registry.get(task.claim_id)  # the built-in claims are imported on the first task
    parallel.started()  # the time limit counts from here
    return compute(c, profile=task.profile, seed=task.seed).as_dict()


def run_tasks(tasks: list[parallel.Task], claims: dict[str, Claim], stage_of: Callable[[parallel.Task], CounterexampleStage | None],
              *, jobs: int, scheduler: str | None, durations: dict[str, float] | None,
              progress: Callable[[Progress, parallel.Task], None] | None = None,
              timeout: float | None = None) -> dict[parallel.Task, Evidence]:
    """Run ``tasks`` in workers (:mod:`landscape._core.parallel`) and settle each result here, into
    ``stage_of(task)``; ``progress(Progress, task)`` before and after each.  Used by :func:`run_many`
    and the stability sweep."""
    out: dict[parallel.Task, Evidence] = {}
    one_seed = len({t.seed for t in tasks}) <= 1

    def name(t: parallel.Task) -> str:
        return t.claim_id if one_seed else f"{t.claim_id} (seed {t.seed})"

    def on_event(e: parallel.Event) -> None:
        c = claims[e.task.claim_id]
        ev = None
        if e.kind == "done" and e.finished is not None:
            ev = out[e.task] = evidence_of(e.finished, c, profile=e.task.profile, seed=e.task.seed,
                                           stage=stage_of(e.task), replay_timeout=timeout)
        if progress:
            progress(Progress(len(out), len(tasks), c, ev, e.worker, {w: name(t) for w, t in e.running.items()},
                              dict(e.elapsed), e.kind == "tick"), e.task)

    parallel.run_tasks(tasks, parallel.make_pool(jobs, scheduler, timeout), execute_task, durations=durations,
                       progress=on_event)
    return out


def _run_parallel(claims: list[Claim], *, profile: str, seed: int, stage: CounterexampleStage | None,
                  progress: Callable[[Progress], None] | None, jobs: int, scheduler: str | None,
                  claims_from: list[str] | tuple[str, ...], durations: dict[str, float] | None,
                  timeout: float | None = None) -> list[Evidence]:
    from landscape._core.commands import claims_from as files_of

    files = tuple({os.path.realpath(f): f for f in [*files_of(claims), *claims_from]}.values())  # every claim's file
    tasks = [parallel.Task(c.id, profile, seed, files) for c in claims]
    evs = run_tasks(tasks, {c.id: c for c in claims}, lambda t: stage, jobs=jobs, scheduler=scheduler,
                    durations=durations, progress=(lambda p, t: progress(p)) if progress else None, timeout=timeout)
    return [evs[t] for t in tasks]


__all__ = ["Computed", "OutputError", "Progress", "compute", "run_isolated", "evidence_of", "execute_task", "outcome_dict", "run_claim", "run_many",
           "run_tasks", "settle"]
