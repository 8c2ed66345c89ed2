"""Benchmark: ``landscape report`` with ``--jobs 1`` and ``--jobs N`` in one run, same profile and seed.

    python benchmarks/jobs.py                       # standard profile, --jobs 1 vs --jobs 2
    python benchmarks/jobs.py --profile quick --jobs 2 4
    python benchmarks/jobs.py --json results.json

Each run writes into its own temporary directories (the committed reports/ and counterexamples/
are not touched; the parallel runs schedule longest first by the serial run's durations, as a
second run of `landscape report --out DIR` would).  Prints the wall time of each run (the whole
command, start-up and report rendering included), the ratio to the serial run, and checks that
the evidence (timings aside) and every counterexample file are byte-identical to the serial
run's.  Not a test: the ratio depends on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _timeless(x):
    if isinstance(x, dict):
        return {k: _timeless(v) for k, v in x.items() if k not in ("duration_s", "seconds", "started", "environment")}
    if isinstance(x, list):
        return [_timeless(v) for v in x]
    return x


def _evidence(run: Path) -> list[dict]:
    doc = json.loads((run / "reports" / "evidence.json").read_text())
    claims = _timeless(doc["claims"])
    for c in claims:
        if c.get("counterexample"):
            c["counterexample"] = Path(c["counterexample"]).name
        c["notes"] = [n.replace(str(run), "RUN") for n in c.get("notes", [])]
    return claims


def _report(run: Path, profile: str, seed: int, jobs: int, durations_from: Path | None,
            only: list[str] | None) -> float:
    (run / "reports").mkdir(parents=True)
    if durations_from is not None:  # the schedule a second run of `landscape report --out DIR` gets
        shutil.copy(durations_from, run / "reports" / "evidence.json")
    cmd = [sys.executable, "-m", "landscape.cli", "report", "--profile", profile, "--seed", str(seed),
           "--jobs", str(jobs), "--out", str(run / "reports"), "--counterexamples", str(run / "cx")] + (["--only", *only] if only else [])
    print("$", " ".join(cmd[2:]), flush=True)
    t0 = time.perf_counter()
    with open(run / "log.txt", "w") as log:
        code = subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT)
    secs = time.perf_counter() - t0
    tail = (run / "log.txt").read_text().strip().splitlines()[-2:]
    print(f"  {secs:.1f} s, exit {code}: {' / '.join(tail)}", flush=True)
    return secs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", default="standard")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, nargs="+", default=[2], help="parallel job counts to compare with --jobs 1")
    ap.add_argument("--only", nargs="+", metavar="PREFIX", help="only these claims (as `landscape report --only`)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    a = ap.parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="landscape-bench-"))
    print(f"machine: {platform.processor() or platform.machine()}, {len(os.sched_getaffinity(0))} usable cores; "
          f"profile {a.profile}, seed {a.seed}; runs in {base}", flush=True)
    serial = _report(base / "jobs1", a.profile, a.seed, 1, None, a.only)
    ref = _evidence(base / "jobs1")
    results = {"profile": a.profile, "seed": a.seed, "cores": len(os.sched_getaffinity(0)), "serial_s": round(serial, 1),
               "parallel": []}
    for n in a.jobs:
        run = base / f"jobs{n}"
        secs = _report(run, a.profile, a.seed, n, base / "jobs1" / "reports" / "evidence.json", a.only)
        same = _evidence(run) == ref
        names = sorted(p.name for p in (base / "jobs1" / "cx").glob("*.json"))
        same_cx = names == sorted(p.name for p in (run / "cx").glob("*.json")) and all(
            (base / "jobs1" / "cx" / x).read_bytes() == (run / "cx" / x).read_bytes() for x in names)
        ratio = secs / serial
        print(f"--jobs {n}: {secs:.1f} s = {ratio:.2f} x serial ({serial:.1f} s); evidence identical: {same}; "
              f"{len(names)} counterexample files byte-identical: {same_cx}", flush=True)
        results["parallel"].append({"jobs": n, "seconds": round(secs, 1), "ratio": round(ratio, 3),
                                    "evidence_identical": same, "counterexamples_identical": same_cx})
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=2) + "\n")
    shutil.rmtree(base, ignore_errors=True)
    return 0 if all(r["evidence_identical"] and r["counterexamples_identical"] for r in results["parallel"]) else 1


if __name__ == "__main__":
    sys.exit(main())
