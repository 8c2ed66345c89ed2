"""Command line: ``landscape list | check | report | replay``.

Exit status: 0 success (``check``/``report``: every verdict as expected; ``replay``: the
counterexample still refutes), 1 a verdict differs from its expectation (``replay``: no
longer refutes), 2 bad input (unknown id or profile, malformed file): one line on stderr,
no traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import time

from . import __version__, profiles, registry
from .errors import LandscapeError

EPILOG = """\
examples:
  landscape list                          the claims: id, paper, expectation
  landscape check lds.lemma3.sigmoid      run one claim (quick profile, seed 0)
  landscape check lds.prop1 --profile standard --seed 3
  landscape report --profile standard     all claims -> reports/ (evidence.json, report.md, index.html)
  landscape replay counterexamples/jiang.thm1.zero_loss.json
  landscape list --claims-from my_claims.py   include your own claims

profiles: quick (default, CI), standard (the committed report), thorough (opt-in).
exit status: 0 as expected / still refutes, 1 a verdict differs / no longer refutes, 2 bad input.
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="landscape", description=(
        "Check published theorems about neural-network loss landscapes empirically: each claim is attacked "
        "with Hypothesis, decided (supported / refuted / inconclusive) under one tolerance policy, and "
        "every refutation is kept as a replayable counterexample."),
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"landscape {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--claims-from", metavar="FILE", action="append", default=[],
                        help="also load claims defined in this Python file (repeatable)")

    ls = sub.add_parser("list", help="list the claims (id, paper, statement, expectation)")
    ls.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    common(ls)

    ck = sub.add_parser("check", help="run one claim (or all claims under an id prefix) and print the evidence")
    ck.add_argument("id", help="claim id, e.g. lds.lemma3 (a prefix such as lds.lemma3 also runs its variants "
                               "only when given with --prefix)")
    ck.add_argument("--prefix", action="store_true", help="run every claim whose id starts with ID.")
    ck.add_argument("--profile", default=profiles.DEFAULT_PROFILE, help="quick (default), standard or thorough")
    ck.add_argument("--seed", type=int, default=0, help="seed of the search (default 0)")
    ck.add_argument("--counterexamples", metavar="DIR", default="counterexamples",
                    help="where refutations write their counterexample file (default: counterexamples/)")
    ck.add_argument("--json", action="store_true", help="print the evidence as JSON")
    common(ck)

    rp = sub.add_parser("report", help="run every claim and write evidence.json, report.md and index.html")
    rp.add_argument("--profile", default=profiles.DEFAULT_PROFILE, help="quick (default), standard or thorough")
    rp.add_argument("--seed", type=int, default=0, help="seed of every search (default 0)")
    rp.add_argument("--out", metavar="DIR", default="reports", help="output directory (default: reports/)")
    rp.add_argument("--counterexamples", metavar="DIR", default="counterexamples",
                    help="where refutations write their counterexample files (default: counterexamples/)")
    rp.add_argument("--only", metavar="PREFIX", default=None, help="only claims whose id is or starts with PREFIX.")
    common(rp)

    rl = sub.add_parser("replay", help="re-check counterexample files (exit 0 if each still refutes)")
    rl.add_argument("files", nargs="+", metavar="FILE")
    common(rl)
    return p


def _load_user(files: list[str]) -> None:
    for f in files:
        registry.load_file(f)


def cmd_list(a: argparse.Namespace) -> int:
    cs = registry.all_claims()
    if a.json:
        print(json.dumps([c.as_dict() for c in cs], indent=2))
        return 0
    w = max(len(c.id) for c in cs)
    for c in cs:
        flag = " (paper: " + c.paper + ")" if c.surprise else ""
        print(f"{c.id:<{w}}  expected {c.expected:<12}{flag}")
        print(textwrap.indent(textwrap.fill(f"{c.title} -- {c.source}", 100), " " * 4))
        print(textwrap.indent(textwrap.fill(f"statement: {c.statement}", 100), " " * 6))
    print(f"\n{len(cs)} claims")
    return 0


def _print_evidence(ev) -> None:
    print(f"{ev.id}: {ev.verdict} (expected {ev.expected}; paper {ev.paper})")
    print(f"  margin: {ev.margin if ev.margin is not None else 'n/a'} decades; examples: {ev.examples}; "
          f"{ev.duration_s:.2f} s")
    print(textwrap.indent(textwrap.fill(f"tried: {ev.tried}", 100), "  "))
    if ev.counterexample:
        print(f"  counterexample: {ev.counterexample}")
        note = (ev.counterexample_outcome or {}).get("note")
        if note:
            print(textwrap.indent(textwrap.fill(note, 100), "    "))
    for n in ev.notes:
        print(textwrap.indent(textwrap.fill("note: " + n, 100), "  "))
    if ev.error:
        print(ev.error)
    counts = ev.statistics.get("counts")
    if counts:
        print(f"  outcomes: {counts}")


def cmd_check(a: argparse.Namespace) -> int:
    from .runner import run_claim

    profiles.get(a.profile)
    claims = registry.select(a.id) if a.prefix else [registry.get(a.id)]
    ok = True
    for c in claims:
        ev = run_claim(c, profile=a.profile, seed=a.seed, counterexample_dir=a.counterexamples,
                       progress=lambda m: print(f"  .. {m}", file=sys.stderr))
        if a.json:
            print(json.dumps(ev.as_dict(), indent=2))
        else:
            _print_evidence(ev)
        ok = ok and ev.passed
    return 0 if ok else 1


def cmd_report(a: argparse.Namespace) -> int:
    from .evidence import evidence_document
    from .report import write_report
    from .runner import run_many

    profiles.get(a.profile)
    claims = registry.select(a.only)
    tty = sys.stderr.isatty()

    def progress(i, n, c, ev):
        if ev is None:
            msg = f"[{i:>2}/{n}] {c.id} ..."
            print(msg, end="\r" if tty else "\n", file=sys.stderr, flush=True)
        else:
            mark = "" if ev.passed else "  <-- unexpected"
            print(f"[{i:>2}/{n}] {c.id}: {ev.verdict} (expected {ev.expected}) {ev.duration_s:.1f}s{mark}"
                  + " " * 10, file=sys.stderr, flush=True)

    evs, started, dur = run_many(claims, profile=a.profile, seed=a.seed, counterexample_dir=a.counterexamples,
                                 progress=progress)
    doc = evidence_document(evs, profile=a.profile, seed=a.seed, started=started, duration_s=dur)
    paths = write_report(evs, doc, a.out)
    s = doc["summary"]
    print(f"{s['claims']} claims: {s['supported']} supported, {s['refuted']} refuted, {s['inconclusive']} "
          f"inconclusive, {s['error']} errors; {s['passed']} as expected ({dur:.1f} s)")
    print(f"wrote {paths['html']}, {paths['markdown']}, {paths['json']}")
    return 0 if s["passed"] == s["claims"] else 1


def cmd_replay(a: argparse.Namespace) -> int:
    from .evidence import replay

    worst = 0
    for f in a.files:
        t0 = time.perf_counter()
        r = replay(f)
        state = "still refutes" if r.still_refutes else "NO LONGER refutes"
        print(f"{f}: {r.claim}: {state} (status {r.outcome['status']}, margin {r.outcome['margin']}) "
              f"{time.perf_counter() - t0:.2f}s")
        if r.outcome.get("note"):
            print(f"  {r.outcome['note']}")
        if not r.still_refutes:
            worst = 1
    return worst


def main(argv: list[str] | None = None) -> int:
    p = _parser()
    a = p.parse_args(argv)
    if a.command is None:
        p.print_help()
        return 2
    import os

    import torch

    # the claims use many small tensors: one intra-op thread is faster, and keeps two processes from fighting
    torch.set_num_threads(int(os.environ.get("LANDSCAPE_TORCH_THREADS", "1")))
    try:
        _load_user(a.claims_from)
        return {"list": cmd_list, "check": cmd_check, "report": cmd_report, "replay": cmd_replay}[a.command](a)
    except LandscapeError as e:
        print(f"landscape: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `landscape list | head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("landscape: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
