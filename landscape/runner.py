"""Run claims: one claim -> :class:`~landscape.evidence.Evidence`, many -> a report.

Exceptions inside a check become the verdict ``error`` with the traceback kept in the
evidence (a bug in a check must never look like a verdict).  A refutation writes its
counterexample file (atomically) to the counterexample directory.

A counterexample directory reflects the code that wrote it.  When a claim runs without
refuting and its directory already holds ``<claim id>.json``, that file is *replayed*:
if it still refutes, the claim is refuted by it (a stored counterexample is evidence,
whatever this run's search found) and the evidence says so; if it no longer refutes, or
this version cannot read it, it is stale and removed (a note records the removal).
"""

from __future__ import annotations

import math
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from . import profiles
from .context import Context
from .errors import LandscapeError
from .evidence import Evidence, outcome_dict, replay, write_counterexample
from .registry import Claim


def run_claim(c: Claim, *, profile: str = profiles.DEFAULT_PROFILE, seed: int = 0,
              counterexample_dir: str | Path | None = None,
              progress: Callable[[str], None] | None = None) -> Evidence:
    """Run one claim's check and package its evidence."""
    prof = profiles.get(profile)
    ctx = Context(prof, seed=seed, progress=progress)
    ev = Evidence(id=c.id, title=c.title, source=c.source, statement=c.statement, hypotheses=list(c.hypotheses),
                  expected=c.expected, paper=c.paper, why=c.why, verdict="error")
    t0 = time.perf_counter()
    try:
        r = c.check(ctx)
    except Exception as e:  # noqa: BLE001 - an error is reported as the verdict 'error'
        ev.error = f"{e.__class__.__name__}: {e}\n{traceback.format_exc()}"
        ev.duration_s = round(time.perf_counter() - t0, 3)
        return ev
    ev.duration_s = round(time.perf_counter() - t0, 3)
    ev.verdict = r.verdict
    ev.examples = r.examples
    ev.statistics = r.statistics
    ev.statistics.setdefault("searches", [s.summary() for s in ctx.searches])
    ev.margin = r.margin
    ev.tried = r.tried
    ev.figures = r.figures
    ev.notes = r.notes
    ev.counterexample_outcome = r.counterexample_outcome
    if r.verdict == "refuted" and r.counterexample is not None and counterexample_dir is not None:
        path = write_counterexample(counterexample_dir, c.id, r.counterexample, r.counterexample_outcome or {},
                                    profile=profile, seed=seed)
        ev.counterexample = str(path)
    elif r.verdict == "refuted" and r.counterexample is not None:
        ev.counterexample = "(not written: no counterexample directory given)"
    elif counterexample_dir is not None:
        _reconcile_stored(ev, Path(counterexample_dir) / f"{c.id}.json")
    return ev


def _reconcile_stored(ev: Evidence, path: Path) -> None:
    """Replay a stored counterexample of a claim this run did not refute (see the module docstring)."""
    if not path.is_file():
        return
    try:
        rep = replay(path)
    except LandscapeError as e:  # unreadable, tampered, another schema, or a payload this version cannot replay
        path.unlink()
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
        path.unlink()
        ev.notes.append(f"removed the stale counterexample file {path}: replayed, it no longer refutes "
                        f"(status {rep.outcome.get('status')!r})")


def run_many(claims: list[Claim], *, profile: str, seed: int, counterexample_dir: str | Path | None,
             progress: Callable[[int, int, Claim, Evidence | None], None] | None = None) -> tuple[list[Evidence], str, float]:
    """Run claims in order; ``progress(i, n, claim, evidence_or_None)`` before and after each."""
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    out = []
    for i, c in enumerate(claims, start=1):
        if progress:
            progress(i, len(claims), c, None)
        ev = run_claim(c, profile=profile, seed=seed, counterexample_dir=counterexample_dir)
        out.append(ev)
        if progress:
            progress(i, len(claims), c, ev)
    return out, started, time.perf_counter() - t0


__all__ = ["run_claim", "run_many", "outcome_dict"]
