"""Seed stability: run claims over several seeds and check that no verdict depends on the seed.

A verdict a user can cite is the same for every seed.  :func:`run_stability` runs the
selected claims for seeds ``first_seed .. first_seed + n - 1`` of one profile, each seed
with a *fresh* counterexample directory (a stored counterexample would otherwise carry
one seed's refutation into the next and hide a seed-dependent search), and records, per
claim, how many seeds gave each verdict.  A claim is *stable* when every seed gave the
same verdict and that verdict is the expected one.

The sweep document (``stability-<profile>.json``, written atomically into the report
directory with ``--out``) is read by ``landscape report`` to show, for each claim, how many seeds were run and whether the
verdict held on all of them.

Schema (``schema_version`` 1): ``profile``, ``seeds`` (the list), ``landscape_version``,
``started``, ``duration_s``, ``stable`` (bool), ``claims``: ``{id: {"expected",
"verdicts": {seed: verdict}, "counts": {verdict: n}, "stable"}}``.

``jobs`` / ``scheduler`` run the (claim, seed) pairs in parallel (:mod:`landscape._core.parallel`).
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from landscape._version import __version__
from landscape._core.evidence import atomic_write, dumps
from landscape._core.registry import Claim

SCHEMA_VERSION = 1


Row = tuple[str, str, float]  # (verdict, expected, seconds) of one claim on one seed


def run_stability(claims: list[Claim], *, profile: str, seeds: list[int], jobs: int = 1,
                  scheduler: str | None = None, claims_from: list[str] | None = None,
                  durations: dict[str, float] | None = None,
                  progress: Callable[[int, dict[str, Row]], None] | None = None,
                  on_task: Callable[[Any], None] | None = None, timeout: float | None = None,
                  isolate: bool = False) -> dict[str, Any]:
    """Run ``claims`` for every seed in ``seeds``; return the sweep document (see the module docstring).

    ``jobs`` > 1 (or a Dask ``scheduler``, see :mod:`landscape._core.parallel`) runs every
    (claim, seed) pair as its own task in worker processes, longest claim first by
    ``durations``; the verdicts do not depend on it.  Each seed's refutations are written
    into a fresh throwaway counterexample directory, so no seed sees another's files.
    ``progress(seed, {id: (verdict, expected, s)})`` is called as each seed completes,
    ``on_task(runner.Progress)`` before and after each claim of a parallel run.  ``timeout``: seconds
    per (claim, seed) (None: no limit); with it, or ``isolate``, a serial sweep runs in one worker process.
    """
    from landscape._core.publish import CounterexampleStage
    from landscape._core.runner import run_claim

    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    ids = [c.id for c in claims]
    files = list(claims_from or [])
    per_seed: dict[int, dict[str, Row]] = {s: {} for s in seeds}
    with tempfile.TemporaryDirectory(prefix="landscape-stability-") as tmp:
        stages = {s: CounterexampleStage(Path(tmp) / f"seed-{s}") for s in seeds}  # discarded with tmp
        if jobs <= 1 and scheduler is None and not timeout and not isolate:
            for s in seeds:
                for c in claims:
                    ev = run_claim(c, profile=profile, seed=s, counterexample_dir=stages[s])
                    per_seed[s][c.id] = (ev.verdict, ev.expected, ev.duration_s)
                if progress:
                    progress(s, per_seed[s])
        else:
            _run_parallel(claims, profile, seeds, jobs, scheduler, files, durations if jobs > 1 or scheduler else None,
                          stages, per_seed, progress, on_task, timeout)
        for st in stages.values():
            st.discard()
    expected = {c.id: c.expected for c in claims}
    out_claims: dict[str, Any] = {}
    for cid in ids:
        verdicts = {str(s): per_seed[s][cid][0] for s in sorted(per_seed)}
        counts = dict(Counter(verdicts.values()))
        seconds = [per_seed[s][cid][2] for s in sorted(per_seed)]
        out_claims[cid] = {"expected": expected[cid], "verdicts": verdicts, "counts": counts,
                           "stable": set(verdicts.values()) == {expected[cid]},
                           "max_seconds": round(max(seconds), 2)}
    return {"schema_version": SCHEMA_VERSION, "landscape_version": __version__, "profile": profile,
            "seeds": sorted(per_seed), "started": started, "duration_s": round(time.perf_counter() - t0, 1),
            "stable": all(v["stable"] for v in out_claims.values()), "claims": out_claims}


def _run_parallel(claims: list[Claim], profile: str, seeds: list[int], jobs: int, scheduler: str | None,
                  files: list[str], durations: dict[str, float] | None, stages: dict, per_seed: dict[int, dict[str, Row]],
                  progress: Callable[[int, dict[str, Row]], None] | None, on_task: Callable[[Any], None] | None,
                  timeout: float | None = None) -> None:
    import os

    from landscape._core import parallel
    from landscape._core.commands import claims_from
    from landscape._core.runner import run_tasks

    files = list({os.path.realpath(f): f for f in [*claims_from(claims), *files]}.values())  # every claim's file
    # seed-major: with equal durations the first seeds complete first (their progress lines come early)
    tasks = [parallel.Task(c.id, profile, s, tuple(files)) for s in seeds for c in claims]

    def on_event(p: Any, task: "parallel.Task") -> None:
        s = task.seed
        if p.evidence is not None:
            per_seed[s][task.claim_id] = (p.evidence.verdict, p.evidence.expected, p.evidence.duration_s)
        if on_task:
            on_task(p)
        if p.evidence is not None and progress and len(per_seed[s]) == len(claims):
            progress(s, per_seed[s])

    run_tasks(tasks, {c.id: c for c in claims}, lambda t: stages[t.seed], jobs=jobs, scheduler=scheduler,
              durations=durations, progress=on_event, timeout=timeout)


def filename(profile: str) -> str:
    """The sweep document's file name for ``profile`` (one per profile, side by side in a report directory)."""
    return f"stability-{profile}.json"


def write_stability(doc: dict[str, Any], out_dir: str | Path) -> Path:
    """Write ``stability-<profile>.json`` atomically into ``out_dir``; returns its path."""
    path = Path(out_dir) / filename(doc["profile"])
    atomic_write(path, dumps(doc))
    return path


def read_stability(out_dir: str | Path, warn: Callable[[str], None] | None = None) -> dict[str, dict[str, Any]]:
    """Every readable sweep document in ``out_dir``, by profile; unreadable files (not JSON, nested too
    deep, a directory, a FIFO ...) are skipped with ``warn(one line)``, foreign ones silently."""
    from landscape._core.evidence import read_json_file
    from landscape._lib.errors import LandscapeError

    out: dict[str, dict[str, Any]] = {}
    try:
        paths = sorted(Path(out_dir).glob("stability-*.json"))
    except OSError:
        paths = []
    for path in paths:
        try:
            doc = read_json_file(path, "seed-stability file")
        except LandscapeError as e:
            if warn is not None:
                warn(f"{e}; skipped (the report shows no seed sweep from it)")
            continue
        if isinstance(doc, dict) and doc.get("schema_version") == SCHEMA_VERSION and isinstance(doc.get("claims"), dict):
            if not isinstance(doc.get("seeds"), list) or not all(
                    isinstance(r, dict) and isinstance(r.get("verdicts"), dict) and isinstance(r.get("counts"), dict)
                    and isinstance(r.get("expected"), str) for r in doc["claims"].values()):
                if warn is not None:
                    warn(f"seed-stability file {str(path)!r} does not have the shape of a sweep; skipped")
                continue
            out[str(doc.get("profile"))] = doc
    return out


def annotate(doc: dict[str, Any], sweeps: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Add the sweeps to an evidence document: top-level ``stability`` (per profile: seeds, started,
    stable) and, per claim, ``stability`` = {profile: {"seeds": n, "held": bool, "counts": {...}}}.
    A sweep of an older version of a claim still counts: ``landscape_version`` is recorded."""
    doc["stability"] = {p: {"seeds": d["seeds"], "started": d.get("started"), "stable": d.get("stable"),
                            "landscape_version": d.get("landscape_version")} for p, d in sweeps.items()}
    for c in doc.get("claims", []):
        st = {}
        for p, d in sweeps.items():
            r = d["claims"].get(c["id"])
            if r is not None:
                st[p] = {"seeds": len(r["verdicts"]), "held": bool(r["stable"]), "counts": r["counts"],
                         "as_expected": int(r["counts"].get(r["expected"], 0))}
        c["stability"] = st
    return doc


def describe(stab: dict[str, Any] | None) -> str:
    """One cell: ``quick 20/20, standard 3/3`` (seeds with the expected verdict / seeds run)."""
    if not stab:
        return ""
    return ", ".join(f"{p} {r['as_expected']}/{r['seeds']}" + ("" if r["held"] else " (varies)")
                     for p, r in stab.items())


def format_table(doc: dict[str, Any]) -> str:
    """The per-claim verdict counts as a plain-text table (unstable claims marked ``!!``)."""
    claims = doc["claims"]
    w = max((len(k) for k in claims), default=5)
    n = len(doc["seeds"])
    lines = [f"   {'claim':<{w}}  {'expected':<12} {'supported':>9} {'refuted':>7} {'inconcl.':>8} {'error':>5}"]
    for cid, c in claims.items():
        k = c["counts"]
        mark = "ok " if c["stable"] else "!! "
        odd = "" if c["stable"] else "  seeds: " + ", ".join(
            f"{s}={v}" for s, v in c["verdicts"].items() if v != c["expected"])
        lines.append(f"{mark}{cid:<{w}}  {c['expected']:<12} {k.get('supported', 0):>9} {k.get('refuted', 0):>7} "
                     f"{k.get('inconclusive', 0):>8} {k.get('error', 0):>5}{odd}")
    bad = sum(1 for c in claims.values() if not c["stable"])
    lines.append(f"{len(claims)} claims x {n} seeds ({doc['profile']} profile, seeds {doc['seeds'][0]}.."
                 f"{doc['seeds'][-1]}): {len(claims) - bad} stable, {bad} not ({doc['duration_s']:.0f} s)")
    return "\n".join(lines)
