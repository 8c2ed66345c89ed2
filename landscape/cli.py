"""Command line: ``landscape list | check | report | replay``.

Exit status: 0 success (``check``/``report``: every verdict as expected; ``replay``: the
counterexample still refutes), 1 a verdict differs from its expectation (``replay``: no
longer refutes), 2 bad input (unknown id or profile, malformed file, an output directory
that cannot be written or is in use by another run): one line on stderr, no traceback;
130 interrupted (143 on SIGTERM): nothing was published (see ``landscape._core.publish``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
import time
from typing import NoReturn

from landscape._version import __version__
from landscape._core import profiles, registry
from landscape._core.commands import RUN_COUNTEREXAMPLES, RUN_REPORT
from landscape._lib.errors import LandscapeError

EPILOG = """\
examples:
  landscape list                          the claims: id, paper, expectation
  landscape check lds.lemma3.sigmoid      run one claim (quick profile, seed 0) -> runs/counterexamples/
  landscape check lds.prop1 --profile standard --seed 3
  landscape report                        all claims -> runs/report/ (evidence.json, report.md, index.html)
  landscape replay counterexamples/jiang.thm1.zero_loss.json
  landscape list --claims-from my_claims.py   include your own claims
  landscape report --profile standard --out reports --counterexamples counterexamples --jobs 2
                                          regenerate the committed reports/ and counterexamples/

Everyday runs write into the run directory runs/ (git-ignored in a checkout); the committed
reports/ and counterexamples/ change only when named with --out / --counterexamples.
profiles: quick (default, CI), standard (the committed report), thorough (opt-in).
time limit per claim (--timeout): quick 300 s, standard 900 s, thorough 3600 s by default.
exit status: 0 as expected / still refutes, 1 a verdict differs / no longer refutes, 2 bad input
(or an output directory in use by another run: --wait waits), 130 interrupted (nothing published,
unless the message says the outputs were published completely).
"""

DEFAULT_TIMEOUT_S = profiles.DEFAULT_TIMEOUT_S

_RUN = {"published": False}  # set once a command's outputs are in place (what an interrupt message says)


class _Parser(argparse.ArgumentParser):
    """argparse with the CLI's one-line usage errors: ``landscape: error: ... (see `landscape check --help`)``."""

    def error(self, message: str) -> NoReturn:
        _STATUS.clear()
        self.exit(2, f"landscape: error: {message} (see `{self.prog} --help`)\n")


def _profile(name: str) -> str:
    """``--profile``'s type: a known profile name (else the message of :func:`landscape._core.profiles.get`)."""
    try:
        return profiles.get(name).name
    except LandscapeError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


class _Status:
    """A transient line on a terminal's stderr, shown at once and erased before anything else is
    printed (nothing is shown when stderr is not a terminal, so a log or a failed command's one-line
    message carries no trace of it)."""

    def __init__(self) -> None:
        self.width = 0

    def show(self, msg: str | None) -> None:
        if msg and sys.stderr.isatty():
            import shutil

            self.clear()
            width = shutil.get_terminal_size().columns - 1  # a wrapped line could not be erased
            msg = msg if len(msg) <= width else msg[: max(0, width - 3)] + "..."
            sys.stderr.write(msg + "\r")
            sys.stderr.flush()
            self.width = len(msg)

    def clear(self) -> None:
        if self.width:
            sys.stderr.write(" " * self.width + "\r")
            sys.stderr.flush()
            self.width = 0


_STATUS = _Status()


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="landscape", description=(
        "Check published theorems about neural-network loss landscapes empirically: each claim is attacked "
        "with Hypothesis, decided (supported / refuted / inconclusive) under one tolerance policy, and "
        "every refutation is kept as a replayable counterexample."),
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"landscape {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def profile_option(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--profile", default=profiles.DEFAULT_PROFILE, choices=list(profiles.PROFILES), type=_profile,
                        help="Hypothesis budget: quick (default), standard or thorough")

    def parallel_options(sp: argparse.ArgumentParser, what: str) -> None:
        sp.add_argument("--timeout", type=_timeout, default=None, metavar="SECONDS",
                        help="time limit of each claim (and of each replay of a stored counterexample); a claim "
                             "over it -- even one stuck in native code -- is an error verdict, its worker is killed "
                             "and the run goes on (default by profile: " + ", ".join(
                                 f"{k} {v:g} s" for k, v in DEFAULT_TIMEOUT_S.items()) + "; 0: no limit)")
        sp.add_argument("--jobs", type=_jobs, default=1, metavar="N",
                        help=f"run {what} in N worker processes, one torch thread each; 'auto' = the cores "
                             "(default 1: one worker process; more than the usable cores is capped at them). "
                             "Verdicts, evidence and counterexample files are those of a serial run")
        sp.add_argument("--scheduler", nargs="?", const="local", default=None, metavar="ADDRESS", type=_scheduler,
                        help="run on a Dask cluster (pip install -e '.[cluster]'): the scheduler at ADDRESS "
                             "(e.g. tcp://host:8786), or without ADDRESS a local cluster of --jobs workers")

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--claims-from", metavar="FILE", action="append", default=[],
                        help="also load claims defined in this Python file (repeatable)")

    ls = sub.add_parser("list", help="list the claims (id, paper, statement, expectation)",
                        description="List every claim -- the built-in ones, those of packages registered under the "
                                    "entry-point group landscape.claims and those of --claims-from files -- with "
                                    "its id, title, paper section, statement and the verdict the suite expects "
                                    "(and the paper's, where they differ).")
    ls.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    common(ls)

    ck = sub.add_parser("check", help="run one claim (or all claims under an id prefix) and print the evidence",
                        description="Run the claims ID ... (with --prefix: every claim whose id is ID or starts "
                                    "with ID.) with the profile's Hypothesis budget and the seed, print each "
                                    "verdict with its evidence, and write each refutation's counterexample file "
                                    "into --counterexamples (published when the run ends). Exit 0 when every "
                                    "verdict is the expected one, 1 when one differs, 2 on bad input.")
    ck.add_argument("id", nargs="+", metavar="ID",
                    help="claim id, e.g. lds.lemma3.sigmoid (several may be given; a prefix such as lds.lemma3 "
                         "runs its variants too only with --prefix)")
    ck.add_argument("--prefix", action="store_true", help="run every claim whose id is ID or starts with ID.")
    profile_option(ck)
    ck.add_argument("--seed", type=_seed, default=0, help="seed of the search (default 0)")
    ck.add_argument("--counterexamples", metavar="DIR", default=RUN_COUNTEREXAMPLES,
                    help=f"where refutations write their counterexample file (default: {RUN_COUNTEREXAMPLES}/, "
                         "git-ignored; the committed counterexamples/ only when named)")
    ck.add_argument("--json", action="store_true", help="print the evidence as JSON")
    parallel_options(ck, "the claims")
    ck.add_argument("--wait", action="store_true",
                    help="if another landscape run is using the counterexample directory, wait for it "
                         "(default: exit 2)")
    common(ck)

    rp = sub.add_parser("report", help="run every claim and write evidence.json, report.md and index.html",
                        description="Run every claim (or those under --only PREFIX ...) and write OUT/evidence.json, "
                                    "OUT/report.md and OUT/index.html (figures included) and the refutations' "
                                    "counterexample files, all published together when the run ends (an "
                                    "interrupted run publishes nothing). Exit 0 when every verdict is the "
                                    "expected one, 1 when one differs, 2 on bad input.")
    profile_option(rp)
    rp.add_argument("--seed", type=_seed, default=0, help="seed of every search (default 0)")
    rp.add_argument("--out", metavar="DIR", default=RUN_REPORT,
                    help=f"output directory (default: {RUN_REPORT}/, git-ignored; the committed reports/ only "
                         "when named: --out reports)")
    rp.add_argument("--counterexamples", metavar="DIR", default=RUN_COUNTEREXAMPLES,
                    help=f"where refutations write their counterexample files (default: {RUN_COUNTEREXAMPLES}/; "
                         "the committed counterexamples/ only when named)")
    rp.add_argument("--only", metavar="PREFIX", nargs="+", default=None,
                    help="only claims whose id is or starts with one of these prefixes")
    parallel_options(rp, "the claims")
    rp.add_argument("--wait", action="store_true",
                    help="if another landscape run is using --out or --counterexamples, wait for it (default: exit 2)")
    common(rp)

    st = sub.add_parser("stability", help="run claims over several seeds; exit 1 if any verdict varies",
                        description="Run the claims for seeds FIRST..FIRST+N-1 (each with a fresh counterexample "
                                    "directory), print per claim how many seeds gave each verdict, write "
                                    "OUT/stability-PROFILE.json (read by `landscape report --out OUT`), and exit 1 if any claim's "
                                    "verdict varies with the seed or differs from its expectation.")
    st.add_argument("--seeds", type=_count, default=5, metavar="N", help="number of seeds (default 5)")
    st.add_argument("--first-seed", type=_seed, default=0, metavar="S", help="first seed (default 0)")
    profile_option(st)
    st.add_argument("--only", metavar="PREFIX", nargs="+", default=None,
                    help="only claims whose id is or starts with one of these prefixes")
    parallel_options(st, "the (claim, seed) pairs")
    st.add_argument("--out", metavar="DIR", default=None,
                    help="write DIR/stability-PROFILE.json, shown by the report in DIR (default: do not write)")
    st.add_argument("--json", action="store_true", help="print the sweep document as JSON")
    common(st)

    rl = sub.add_parser("replay", help="re-check counterexample files (exit 0 if each still refutes)",
                        description="Re-check stored counterexample files, one line each: exit 0 if every file "
                                    "still refutes its claim, 1 if one no longer does, 2 if one is malformed, "
                                    "unreadable or over --timeout. A file of a claim that is not built in needs "
                                    "the --claims-from FILE that defines the claim.")
    rl.add_argument("files", nargs="+", metavar="FILE")
    from landscape._core.evidence import REPLAY_TIMEOUT_S

    rl.add_argument("--timeout", type=_timeout, default=REPLAY_TIMEOUT_S, metavar="S",
                    help=f"time limit of each file's replay in seconds (default {REPLAY_TIMEOUT_S:g}; 0: no limit)")
    common(rl)
    return p


def _jobs(value: str) -> int:
    """``--jobs``' type: a positive number or ``auto`` (see :func:`landscape._core.parallel.resolve_jobs`)."""
    from landscape._core.parallel import resolve_jobs

    try:
        return resolve_jobs(value)
    except LandscapeError as e:
        raise argparse.ArgumentTypeError(str(e).removeprefix(f"--jobs {value!r}: ").removeprefix(
            f"--jobs {value}: ")) from None


def _timeout(value: str) -> float:
    """``--timeout``'s type: seconds from 0 (no limit) to :data:`landscape._core.evidence.MAX_TIMEOUT_S`."""
    from landscape._core.evidence import MAX_TIMEOUT_S

    try:
        x = float(value)
    except ValueError:
        x = float("nan")
    if not 0 <= x <= MAX_TIMEOUT_S:  # NaN too
        raise argparse.ArgumentTypeError(f"{value!r} is not a time limit; expected seconds from 0 (no limit) to "
                                         f"{MAX_TIMEOUT_S:g}")
    return x


MAX_SEED = 2**63 - 1


def _seed(value: str) -> int:
    """A seed: an integer from 0 to 2**63 - 1."""
    try:
        x = int(value)
    except ValueError:
        x = -1
    if not 0 <= x <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{value!r} is not a seed; expected an integer from 0 to 2**63 - 1")
    return x


def _count(value: str) -> int:
    """``--seeds``: a number of seeds from 1 to 100000."""
    try:
        x = int(value)
    except ValueError:
        x = 0
    if not 1 <= x <= 100_000:
        raise argparse.ArgumentTypeError(f"{value!r}: expected a number of seeds from 1 to 100000")
    return x


def _scheduler(value: str) -> str:
    """``--scheduler``'s type: ``local`` or an address such as ``tcp://host:8786`` / ``host:8786``."""
    if value == "local" or ":" in value:
        return value
    raise argparse.ArgumentTypeError(f"{value!r} is not a Dask scheduler address; expected e.g. tcp://host:8786, "
                                     "or no value for a local cluster (put --scheduler after the claim ids)")


def _reference_counterexamples(target: str) -> str | None:
    """The committed ``counterexamples/`` of the current directory, replayed read-only by an everyday run that
    writes elsewhere (``runs/counterexamples``): a stored refutation stays evidence whatever the seed."""
    ref = "counterexamples"
    if os.path.isdir(ref) and os.path.abspath(ref) != os.path.abspath(target):
        return ref
    return None


def _durations(*dirs: str | None, profile: str) -> dict[str, float]:
    """Seconds per claim of the last runs kept in ``dirs`` (evidence.json, stability sweeps): the schedule.
    A file that cannot be read is skipped with a one-line warning."""
    from pathlib import Path

    from landscape._core.parallel import last_durations
    from landscape._core.stability import filename

    paths = []
    for d in dirs:
        if d is not None:
            paths += [Path(d) / "evidence.json", Path(d) / filename(profile)]
    return last_durations(*paths, warn=_warn)


def _warn(msg: str) -> None:
    _STATUS.clear()
    print(f"landscape: warning: {msg}", file=sys.stderr, flush=True)


def _limits(a: argparse.Namespace) -> None:
    """The time limit of the profile unless given; ``--jobs`` capped at the usable cores (a one-line note)."""
    from landscape._core.parallel import usable_cores

    if getattr(a, "timeout", None) is None:
        a.timeout = DEFAULT_TIMEOUT_S.get(a.profile, 900.0)
    cores = usable_cores()
    if a.jobs > cores and a.scheduler in (None, "local"):
        _say(f"--jobs {a.jobs} capped at the {cores} usable core{'s' * (cores != 1)}")
        a.jobs = cores


def _elapsed(p) -> str:
    """``w1 lds.prop1 12s, w2 jiang.lemma1 3s``: each running claim with its elapsed time."""
    el = p.elapsed or {}
    return ", ".join(f"{w} {c} {el.get(w, 0):.0f}s" for w, c in sorted((p.running or {}).items()))


class _LongRunning:
    """Without a terminal: a line when a running claim passes each minute (with one, the status line shows it)."""

    def __init__(self) -> None:
        self.said: dict[str, int] = {}

    def __call__(self, p) -> None:
        for w, c in (p.running or {}).items():
            minutes = int((p.elapsed or {}).get(w, 0) // 60)
            if minutes >= 1 and self.said.get(f"{w} {c}", 0) < minutes:
                self.said[f"{w} {c}"] = minutes
                print(f"  ... {c} still running ({minutes * 60} s)", file=sys.stderr, flush=True)


class _Workers:
    """Progress of a parallel run: a line per finished claim (with its worker) and, on a terminal, a
    transient line naming every worker's current claim; without a terminal, a line per start."""

    def __init__(self, tty: bool):
        self.tty = tty
        self.long = _LongRunning()

    def __call__(self, p, line: str | None) -> None:
        if getattr(p, "tick", False):
            if self.tty and p.running:
                _STATUS.show(f"[{p.done}/{p.total}] running: {_elapsed(p)}")
            elif not self.tty:
                self.long(p)
            return
        if p.evidence is None and not self.tty:
            print(f"[{p.done:>2}/{p.total}] {p.worker}: {p.claim.id} ...", file=sys.stderr, flush=True)
        if line is not None:
            _STATUS.clear()
            print(line, file=sys.stderr, flush=True)
        if self.tty and p.running:
            _STATUS.show(f"[{p.done}/{p.total}] running: {_elapsed(p)}")
        elif self.tty:
            _STATUS.clear()


def _check_writable_dir(path: str, option: str) -> None:
    """Fail early (LandscapeError, exit 2) unless ``path`` is, or can be made, a writable directory."""
    import os
    import tempfile
    from pathlib import Path

    p = Path(path)
    if p.exists() and not p.is_dir():
        raise LandscapeError(check_dir_message(path, option))
    for parent in p.parents:
        if parent.exists() and not parent.is_dir():
            raise LandscapeError(f"{option} {path!r} lies under the file {str(parent)!r}; expected a directory path")
    try:
        p.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=p, prefix=".landscape-write-test-")
        os.close(fd)
        os.unlink(tmp)
    except OSError as e:
        raise LandscapeError(f"{option} {path!r} is not a writable directory ({e.strerror or e})") from None


def check_dir_message(path: str, option: str) -> str:
    """The one line for an output directory option naming an existing file."""
    return f"{option} {path!r} is a file; expected a directory (or a path where one can be made)"


def _load_user(files: list[str]) -> None:
    for f in files:
        registry.load_file(f)


def cmd_list(a: argparse.Namespace) -> int:
    cs = registry.all_claims()
    from landscape._core.papers import SILENT, cite_source, paper_ref

    if a.json:
        print(json.dumps([c.as_dict() | {"paper_ref": paper_ref(c.source)} for c in cs], indent=2))
        return 0
    w = max(len(c.id) for c in cs)
    for c in cs:
        flag = (f" ({SILENT})" if c.paper == "inconclusive" else f" (paper: {c.paper})") if c.surprise else ""
        print(f"{c.id:<{w}}  expected {c.expected:<12}{flag}")
        print(textwrap.indent(textwrap.fill(f"{c.title} -- {cite_source(c.source)}", 100), " " * 4))
        print(textwrap.indent(textwrap.fill(f"statement: {c.statement}", 100), " " * 6))
    print(f"\n{len(cs)} claims")
    return 0


def _print_evidence(ev) -> None:
    print(f"{ev.id}: {ev.verdict} (expected {ev.expected}; paper {ev.paper})")
    proof = f"; the refuting point is certified at proof level {ev.proof}" if ev.proof else ""
    print(f"  margin: {ev.margin if ev.margin is not None else 'n/a'} decades{proof}; examples: {ev.examples}; "
          f"{ev.duration_s:.2f} s")
    print(textwrap.indent(textwrap.fill(f"tried: {ev.tried}", 100), "  "))
    if ev.counterexample:
        print(f"  counterexample: {ev.counterexample}")
        if ev.counterexample.endswith(".json"):
            from landscape._core.commands import replay_command

            files = [ev.claims_from] if ev.claims_from else []
            print(f"  replay: {replay_command(ev.counterexample, claims_from_files=files)}")
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
    from landscape._core.publish import CounterexampleStage, deferred_signals, locked_dirs
    from landscape._core.report.paths import destination_line
    from landscape._core.runner import run_many

    profiles.get(a.profile)
    claims = registry.select_many(a.id) if a.prefix else list({c.id: c for c in map(registry.get, a.id)}.values())
    _limits(a)
    fresh = _missing(a.counterexamples)
    _check_writable_dir(a.counterexamples, "--counterexamples")
    _STATUS.clear()
    print(destination_line(None, a.counterexamples, counterexamples_default=a.counterexamples == RUN_COUNTEREXAMPLES),
          file=sys.stderr, flush=True)
    parallel_run = a.jobs > 1 or a.scheduler
    workers = _Workers(sys.stderr.isatty())
    long = _LongRunning()
    if parallel_run:
        where = f"Dask scheduler {a.scheduler}" if a.scheduler else f"{a.jobs} workers"
        print(f"checking {len(claims)} claims ({a.profile} profile, seed {a.seed}, {where}) ...", file=sys.stderr,
              flush=True)

    def progress(p):
        if parallel_run:
            workers(p, None)
        elif p.tick:
            if sys.stderr.isatty():
                _STATUS.show(f"  {p.claim.id}: {max((p.elapsed or {}).values(), default=0):.0f} s")
            else:
                long(p)
            return
        elif p.evidence is None:
            _STATUS.clear()
            print(f"checking {p.claim.id} ({a.profile} profile, seed {a.seed}) ...", file=sys.stderr, flush=True)
        if p.evidence is not None:
            _STATUS.clear()
            _show_evidence(p.evidence, a.json)

    with locked_dirs([(a.counterexamples, "counterexamples", "--counterexamples")], wait=a.wait, on_wait=_say,
                     prune=fresh):
        stage = CounterexampleStage(a.counterexamples, reference=_reference_counterexamples(a.counterexamples))
        try:
            evs, _, _ = run_many(claims, profile=a.profile, seed=a.seed, counterexample_dir=stage, progress=progress,
                                 jobs=a.jobs, scheduler=a.scheduler, claims_from=a.claims_from, timeout=a.timeout,
                                 isolate=True, durations=_durations(RUN_REPORT, "reports", profile=a.profile))
        except BaseException:
            stage.discard()
            raise
        with deferred_signals():
            _publish(stage.publish, a.counterexamples, "--counterexamples")  # at the end: an interrupted check changes nothing
            _RUN["published"] = True
    return 0 if all(ev.passed for ev in evs) else 1


def _publish(fn, directory: str, option: str):
    """``fn()`` (moving staged files into place); an OSError (disk full ...) is one line naming the directory."""
    try:
        return fn()
    except OSError as e:
        raise LandscapeError(f"cannot publish into {option} {directory!r} ({e.strerror or e}); the files already "
                             "there were left as they were or replaced whole, never half-written") from None


def _show_evidence(ev, as_json: bool) -> None:
    if as_json:
        print(json.dumps(ev.as_dict(), indent=2), flush=True)
    else:
        _print_evidence(ev)
        sys.stdout.flush()


def _say(msg: str) -> None:
    _STATUS.clear()
    print(f"landscape: {msg}", file=sys.stderr, flush=True)


def _missing(*dirs: str) -> list[str]:
    """Those of ``dirs`` that do not exist yet (removed at the end of the run if it left them empty)."""
    import os

    return [d for d in dirs if not os.path.lexists(d)]


def cmd_report(a: argparse.Namespace) -> int:
    from landscape._core.evidence import evidence_document
    from landscape._core.publish import CounterexampleStage, deferred_signals, locked_dirs
    from landscape._core.report import stage_report
    from landscape._core.runner import run_many

    from landscape._core.stability import annotate, read_stability

    profiles.get(a.profile)
    claims = registry.select_many(a.only)
    _limits(a)
    fresh = _missing(a.out, a.counterexamples)
    _check_writable_dir(a.out, "--out")
    _check_writable_dir(a.counterexamples, "--counterexamples")
    tty = sys.stderr.isatty()
    _STATUS.clear()

    workers = _Workers(tty)
    long = _LongRunning()
    parallel_run = bool(a.jobs > 1 or a.scheduler)

    def progress(p):
        ev = p.evidence
        line = None
        if p.tick and not parallel_run:
            if tty:
                _STATUS.show(f"[{p.done + 1:>2}/{p.total}] {p.claim.id} ... "
                             f"{max((p.elapsed or {}).values(), default=0):.0f} s")
            else:
                long(p)
            return
        if ev is not None:
            mark = "" if ev.passed else "  <-- unexpected"
            on = f" [{p.worker}]" if p.worker and parallel_run else ""
            line = (f"[{p.done:>2}/{p.total}] {p.claim.id}: {ev.verdict} (expected {ev.expected}) "
                    f"{ev.duration_s:.1f}s{on}{mark}")
        if parallel_run:
            workers(p, line)
            if ev is not None and ev.figures:  # the parent is idle while the workers run: draw them now
                from landscape._core.report.figures import prerender

                prerender(ev.figures)
        elif ev is None:
            if tty:
                _STATUS.show(f"[{p.done + 1:>2}/{p.total}] {p.claim.id} ...")
            else:
                print(f"[{p.done + 1:>2}/{p.total}] {p.claim.id} ...", file=sys.stderr, flush=True)
        else:
            _STATUS.clear()
            print(line, file=sys.stderr, flush=True)
            if ev.figures:
                from landscape._core.report.figures import prerender

                prerender(ev.figures)

    # lock both output directories before any claim runs; publish the report, then the
    # counterexamples, only once everything is computed and rendered (see landscape._core.publish)
    with locked_dirs([(a.counterexamples, "counterexamples", "--counterexamples"),
                      (a.out, "report directory", "--out")], wait=a.wait, on_wait=_say, prune=fresh):
        from landscape._core.report.paths import destination_line  # the first progress line: where this run writes

        print(destination_line(a.out, a.counterexamples, out_default=a.out == RUN_REPORT,
                               counterexamples_default=a.counterexamples == RUN_COUNTEREXAMPLES),
              file=sys.stderr, flush=True)
        stage = CounterexampleStage(a.counterexamples, reference=_reference_counterexamples(a.counterexamples))
        try:
            evs, started, dur = run_many(claims, profile=a.profile, seed=a.seed, counterexample_dir=stage,
                                         progress=progress, jobs=a.jobs, scheduler=a.scheduler,
                                         claims_from=a.claims_from, timeout=a.timeout, isolate=True,
                                         durations=_durations(a.out, *(["reports"] if a.out == RUN_REPORT else []),
                                                              profile=a.profile))
            n_fig = sum(len(ev.figures) for ev in evs)  # the evidence's fixture summaries take seconds too
            print(f"rendering the report (evidence, {n_fig} figure{'s' * (n_fig != 1)}) ...", file=sys.stderr,
                  flush=True)
            doc = evidence_document(evs, profile=a.profile, seed=a.seed, started=started, duration_s=dur)
            annotate(doc, read_stability(a.out, warn=_warn))  # the seed sweeps kept beside the report, if any
            report = _publish(lambda: stage_report(evs, doc, a.out, locate=stage.locate),  # this run's files are
                              a.out, "--out")                                              # still staged
        except BaseException:
            stage.discard()
            raise
        try:
            print(f"publishing the report into {a.out} and the counterexamples into {a.counterexamples} ...",
                  file=sys.stderr, flush=True)
            with deferred_signals():
                paths = _publish(report.publish, a.out, "--out")
                _publish(stage.publish, a.counterexamples, "--counterexamples")
                _RUN["published"] = True
        finally:
            report.discard()
            stage.discard()
    s = doc["summary"]
    print(f"{s['claims']} claims: {s['supported']} supported, {s['refuted']} refuted, {s['inconclusive']} "
          f"inconclusive, {s['error']} errors; {s['passed']} as expected ({dur:.1f} s)")
    print(f"wrote {paths['html']}, {paths['markdown']}, {paths['json']}")
    return 0 if s["passed"] == s["claims"] else 1


def cmd_stability(a: argparse.Namespace) -> int:
    from landscape._core.stability import format_table, run_stability, write_stability

    from landscape._core.report.paths import destination_line

    claims = registry.select_many(a.only)
    _limits(a)
    seeds = list(range(a.first_seed, a.first_seed + a.seeds))
    if a.out is not None:
        _check_writable_dir(a.out, "--out")
        print(destination_line(a.out, None).replace("the report to", "the seed sweep to"), file=sys.stderr,
              flush=True)
    else:
        print("landscape: writing nothing (each seed's counterexamples go to a temporary directory; --out DIR "
              "keeps the sweep)", file=sys.stderr, flush=True)
    where = f"Dask scheduler {a.scheduler}" if a.scheduler else f"{a.jobs} job(s)"
    print(f"stability: {len(claims)} claims x {len(seeds)} seeds ({a.profile} profile, {where})",
          file=sys.stderr, flush=True)
    done = []

    def progress(s, res):
        _STATUS.clear()
        done.append(s)
        bad = [cid for cid, (v, e, _) in res.items() if v != e]
        print(f"[{len(done):>2}/{len(seeds)}] seed {s}: {len(res) - len(bad)}/{len(res)} as expected"
              + (f"; differ: {', '.join(f'{c}={res[c][0]}' for c in bad)}" if bad else ""),
              file=sys.stderr, flush=True)

    workers = _Workers(sys.stderr.isatty())

    def on_task(p):
        if p.tick or p.evidence is None or sys.stderr.isatty():  # start lines / elapsed times / the status line
            workers(p, None)

    doc = run_stability(claims, profile=a.profile, seeds=seeds, jobs=a.jobs, scheduler=a.scheduler,
                        claims_from=a.claims_from, progress=progress, on_task=on_task, timeout=a.timeout,
                        isolate=True, durations=_durations(a.out, "reports", profile=a.profile))
    if a.out is not None:
        print(f"wrote {_publish(lambda: write_stability(doc, a.out), a.out, '--out')}", file=sys.stderr)
    print(json.dumps(doc, indent=2) if a.json else format_table(doc))
    return 0 if doc["stable"] else 1


def cmd_replay(a: argparse.Namespace) -> int:
    """Replay every file, one line each (a bad file does not stop the others); exit 2 if any file is
    malformed, unreadable or over the time limit, else 1 if any no longer refutes, else 0."""
    from landscape._core.evidence import replay

    worst = 0
    for f in a.files:
        t0 = time.perf_counter()
        try:
            r = replay(f, timeout=a.timeout or None, any_error_malformed=True)
        except LandscapeError as e:
            print(f"landscape: error: {e}", file=sys.stderr, flush=True)
            worst = 2
            continue
        state = "still refutes" if r.still_refutes else "NO LONGER refutes"
        print(f"{f}: {r.claim}: {state} (status {r.outcome['status']}, margin {r.outcome['margin']}) "
              f"{time.perf_counter() - t0:.2f}s", flush=True)
        if r.outcome.get("note"):
            print(f"  {' '.join(str(r.outcome['note']).split())}", flush=True)
        if not r.still_refutes:
            worst = max(worst, 1)
    return worst


def main(argv: list[str] | None = None) -> int:
    p = _parser()
    try:
        a = p.parse_args(argv)
    except SystemExit as e:  # a usage error (one line, see _Parser) is exit 2 like every bad input; --help exits 0
        if e.code in (0, None):
            raise
        return e.code if isinstance(e.code, int) else 2
    if a.command is None:
        p.print_help()
        return 2
    _STATUS.show(_announce(a))  # on a terminal, at once: importing torch and the claims takes seconds
    import os

    import torch

    # the claims use many small tensors: one intra-op thread is faster, and keeps two processes from fighting
    torch.set_num_threads(int(os.environ.get("LANDSCAPE_TORCH_THREADS", "1")))
    from landscape._core.publish import Terminated, raise_on_sigterm

    _RUN["published"] = False  # per command: main() may be called again in the same process (tests, notebooks)
    try:
        with raise_on_sigterm():  # SIGTERM unwinds like Ctrl-C: staged outputs are discarded, locks released
            return _dispatch(a)
    except KeyboardInterrupt as e:
        _STATUS.clear()
        what, code = ("terminated (SIGTERM)", 143) if isinstance(e, Terminated) else ("interrupted", 130)
        if getattr(e, "published", False) or _RUN["published"]:  # the outputs were in place when it arrived
            print(f"landscape: {what} after the outputs were published completely", file=sys.stderr)
        else:
            print(f"landscape: {what}; nothing was published", file=sys.stderr)
        return code


def _announce(a: argparse.Namespace) -> str | None:
    """The first line of ``check`` and ``report``, shown on a terminal while torch and the claims load
    (:class:`_Status`; the command erases it before it prints anything)."""
    if a.command == "check":
        what = ("the claims under " if a.prefix else "") + ", ".join(a.id)
        return f"checking {what} ({a.profile} profile, seed {a.seed}) ..."
    if a.command == "report":
        return f"report ({a.profile} profile, seed {a.seed}): loading the claims ..."
    return None


def _dispatch(a: argparse.Namespace) -> int:
    """Run the command ``a.command``; bad input (LandscapeError) -> exit 2 with one line."""
    try:
        _load_user(a.claims_from)
        return {"list": cmd_list, "check": cmd_check, "report": cmd_report, "stability": cmd_stability,
                "replay": cmd_replay}[a.command](a)
    except LandscapeError as e:
        _STATUS.clear()
        print(f"landscape: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `landscape list | head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
