"""What a claim's check receives and returns.

* :class:`Context`: the profile budget, the seed, seeded RNGs, and :meth:`Context.search`
  -- the Hypothesis attack on a property.
* :class:`Outcome`: what one example showed: ``holds``, ``fails`` (a certified
  counterexample, clear of the tolerance band) or ``band`` (undecidable in the tolerance
  policy), with the margin of the decision in decades and the numbers behind it.
* :class:`Result`: the claim's verdict with its evidence.  Verdicts are only ever
  computed from outcomes (:func:`verdict_of`): a ``fails`` anywhere -> ``refuted``;
  otherwise a ``band`` anywhere or an unspent budget -> ``inconclusive``; otherwise
  ``supported``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np
from hypothesis import Phase, given, seed, settings
from hypothesis import example as hyp_example
from hypothesis import strategies as st

from landscape._lib.errors import LandscapeError
from landscape._lib.jsonable import jsonable
from landscape._lib.outcome import Outcome, Status
from landscape._core.profiles import Profile

def verdict_of(outcomes: list[Outcome], *, budget_spent: bool = True) -> str:
    """The verdict rule (see the module docstring)."""
    if any(o.status == "fails" for o in outcomes):
        return "refuted"
    if not outcomes or any(o.status == "band" for o in outcomes) or not budget_spent:
        return "inconclusive"
    return "supported"


def combine(verdicts: list[str]) -> str:
    """Combine sub-verdicts of one claim: refuted > inconclusive > supported."""
    if "error" in verdicts:
        return "error"
    if "refuted" in verdicts:
        return "refuted"
    if "inconclusive" in verdicts or not verdicts:
        return "inconclusive"
    return "supported"


def worst_margin(outcomes: list[Outcome], status: Status | None = None) -> float | None:
    """Smallest margin among outcomes (of a given status); None if there are none."""
    ms = [o.margin for o in outcomes if status is None or o.status == status]
    return min(ms) if ms else None


@dataclass
class Result:
    """A claim's verdict and evidence, as returned by its check function."""

    verdict: str
    examples: int
    statistics: dict[str, Any]
    margin: float | None
    tried: str
    counterexample: dict[str, Any] | None = None
    counterexample_outcome: dict[str, Any] | None = None
    figures: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class SearchResult:
    """All outcomes of a search (generation phase) plus the shrunk counterexample, if any."""

    label: str
    outcomes: list[Outcome]
    shrunk: Outcome | None
    budget: int
    seconds: float

    @property
    def examples(self) -> int:
        return len(self.outcomes)

    @property
    def verdict(self) -> str:
        return verdict_of(self.outcomes)

    @property
    def counts(self) -> dict[str, int]:
        c = {"holds": 0, "fails": 0, "band": 0}
        for o in self.outcomes:
            c[o.status] += 1
        return c

    @property
    def margin(self) -> float | None:
        """The margin behind the verdict: of the shrunk failure if refuted, else the worst holding one."""
        if self.shrunk is not None:
            return self.shrunk.margin
        return worst_margin(self.outcomes)

    def stat(self, key: str) -> list[Any]:
        return [o.stats[key] for o in self.outcomes if key in o.stats]

    def result(self, *, statistics: dict[str, Any] | None = None, tried: str = "",
               figures: list[dict[str, Any]] | None = None, notes: list[str] | None = None) -> "Result":
        """Package this search as a claim :class:`Result` (verdict computed by :func:`verdict_of`)."""
        return merge([self], statistics=statistics, tried=tried, figures=figures, notes=notes)

    def summary(self) -> dict[str, Any]:
        return {"label": self.label, "examples": self.examples, "budget": self.budget, "counts": self.counts,
                "verdict": self.verdict, "margin": self.margin, "seconds": round(self.seconds, 3)}


def outcome_dict(o: Outcome) -> dict[str, Any]:
    """An outcome as strict JSON (status, margin, stats, note; ``proof`` when the outcome rests on a certified point),
    as evidence and counterexample files store it."""
    d = {"status": o.status, "margin": o.margin, "stats": o.stats, "note": o.note}
    if o.proof is not None:
        d["proof"] = o.proof
    return jsonable(d)


def merge(searches: list[SearchResult], *, statistics: dict[str, Any] | None = None, tried: str = "",
          figures: list[dict[str, Any]] | None = None, notes: list[str] | None = None,
          extra: list[Outcome] | None = None) -> Result:
    """One :class:`Result` from several searches (and optional extra outcomes).

    Verdict: :func:`combine` of the parts.  Counterexample: the shrunk one of the first
    refuting search.  Margin: that counterexample's margin if refuted, else the worst
    margin over all outcomes.
    """
    extra = list(extra or [])
    verdicts = [s.verdict for s in searches] + ([verdict_of(extra)] if extra else [])
    verdict = combine(verdicts)
    shrunk = next((s.shrunk for s in searches if s.shrunk is not None), None)
    if shrunk is None:
        shrunk = next((o for o in extra if o.status == "fails"), None)
    every = [o for s in searches for o in s.outcomes] + extra
    margin = shrunk.margin if shrunk is not None else worst_margin(every)
    stats = dict(statistics or {})
    stats.setdefault("counts", {k: sum(s.counts[k] for s in searches) + sum(1 for o in extra if o.status == k)
                                for k in ("holds", "fails", "band")})
    return Result(verdict, len(every), stats, margin, tried,
                  counterexample=shrunk.payload if shrunk is not None else None,
                  counterexample_outcome=outcome_dict(shrunk) if shrunk is not None else None,
                  figures=list(figures or []), notes=list(notes or []))


@contextlib.contextmanager
def _source_independent_generation() -> Iterator[None]:
    """Make Hypothesis' generation independent of which local modules are imported.

    Hypothesis (>= 6.131) mixes literals mined from the source of every *local* module
    in ``sys.modules`` into generated values.  Which modules are loaded depends on the
    entry point (``landscape check`` imports the CLI, ``pytest`` the plugin, a user
    script neither), so the same claim, profile and seed drew different examples --
    and, for ``lds.lemma3``, a different verdict -- depending on how it was run.  Inside
    our searches the local pool is empty (Hypothesis' built-in constants are kept), so
    ``landscape check ID --seed S`` reproduces what ``pytest`` computed.  This touches a
    private Hypothesis hook; if it is missing (older or newer Hypothesis) nothing is
    patched, and ``tests/test_strategies.py`` detects any dependence on imports.
    """
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:  # pragma: no cover - Hypothesis without local constants
        yield
        return
    original = getattr(providers, "_get_local_constants", None)
    cache = getattr(providers, "CONSTANTS_CACHE", None)
    if original is None or cache is None:  # pragma: no cover
        yield
        return
    empty = Constants()
    providers._get_local_constants = lambda: empty
    cache.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.cache.clear()


class _Found(Exception):
    """Raised inside a search to let Hypothesis shrink a failing example."""


class NotReplayable(LandscapeError):
    """A stored counterexample the generic replay cannot re-run: the claim needs a replay function."""


class _Replayed(BaseException):
    """Ends a check re-run in replay mode at the stored search, carrying the stored example's Outcome
    (or the exception it raised).  A BaseException, so a check's own ``except Exception`` cannot swallow it."""

    def __init__(self, outcome: Outcome | None = None, error: BaseException | None = None):
        super().__init__()
        self.outcome, self.error = outcome, error


class Context:
    """Budget, seed and search tools handed to every claim check."""

    def __init__(self, profile: Profile, seed: int = 0, progress: Callable[[str], None] | None = None):
        self.profile = profile
        self.seed = int(seed)
        self._progress = progress
        self.searches: list[SearchResult] = []
        #: The claim being checked (set by the registry's wrapper of the check function), or None.
        self.claim: Any = None
        #: Replay mode (:func:`replay_stored_example`): the stored search's label, index and decoded example.
        self._replay: dict[str, Any] | None = None

    # -- randomness ---------------------------------------------------------------------
    def rng(self, *keys: Any) -> np.random.Generator:
        """A numpy Generator seeded from the run seed and ``keys`` (stable across runs)."""
        h = hashlib.sha256(repr((self.seed, keys)).encode()).digest()
        return np.random.default_rng(int.from_bytes(h[:8], "little"))

    @property
    def max_examples(self) -> int:
        return self.profile.max_examples

    @property
    def draws(self) -> int:
        return self.profile.draws

    def say(self, msg: str) -> None:
        if self._progress is not None:
            self._progress(msg)

    # -- the Hypothesis attack ------------------------------------------------------------
    def search(
        self,
        strategy: st.SearchStrategy,
        fn: Callable[[Any], Outcome],
        *,
        label: str = "",
        max_examples: int | None = None,
        shrink: bool = True,
        examples: list[Any] | tuple[Any, ...] = (),
    ) -> SearchResult:
        """Run ``fn`` on examples of ``strategy``; shrink the first failure, if any.

        ``examples`` are explicit examples (values of the strategy's type) tried first on
        *every* run, whatever the seed, as Hypothesis' ``@example`` does: the structured
        cases that decide a claim (symmetric data, the paper's own construction, the case an
        identity proves) belong there, so a verdict never hangs on whether the random
        generation happened to draw them.  They are never shrunk, and count on top of
        ``max_examples``.

        Pass 1 runs the whole budget (generation phase only) and keeps every outcome, so
        the statistics describe everything that was tried.  If an example failed, pass 2
        replays the same seeded search with shrinking enabled and keeps the minimal
        failing example Hypothesis converges to.
        """
        n = int(max_examples or self.profile.max_examples)
        if self._replay is not None:
            return self._replay_search(label, fn, n)
        outcomes: list[Outcome] = []
        failing: list[Any] = []  # the example of the first failure, then of the shrunk one
        t0 = time.perf_counter()
        base = settings(settings.get_profile(self.profile.name), max_examples=n, database=None,
                        phases=[Phase.explicit, Phase.generate])

        explicit = list(examples)

        def with_examples(test: Callable[..., None]) -> Callable[..., None]:
            for e in reversed(explicit):
                test = hyp_example(e)(test)
            return test

        @seed(self.seed)
        @settings(base)
        @with_examples
        @given(strategy)
        def run(example: Any) -> None:
            o = _checked_outcome(fn(example), label)
            outcomes.append(o)
            if o.status == "fails" and not failing:
                failing.append(example)

        with _source_independent_generation():
            run()
        shrunk = None
        fails = [o for o in outcomes if o.status == "fails"]
        if fails:
            shrunk = fails[0]
            if shrink:
                found: list[Outcome] = []

                @seed(self.seed)
                @settings(base, phases=[Phase.explicit, Phase.generate, Phase.shrink])
                @with_examples
                @given(strategy)
                def hunt(example: Any) -> None:
                    o = _checked_outcome(fn(example), label)
                    if o.status == "fails":
                        found.append(o)
                        failing.append(example)
                        raise _Found()

                try:
                    with _source_independent_generation():
                        hunt()
                except _Found:
                    pass
                except BaseException as e:  # noqa: BLE001 - an ExceptionGroup of _Found
                    if not _only_found(e):
                        raise
                if found:
                    shrunk = found[-1]
        if shrunk is not None and failing:
            shrunk = self._store_example(shrunk, failing[-1], label)
        res = SearchResult(label, outcomes, shrunk, n, time.perf_counter() - t0)
        self.searches.append(res)
        self.say(f"{label or 'search'}: {res.examples} examples, {res.counts}")
        return res

    # -- generic replay (claims without a replay function) -----------------------------------
    def _store_example(self, shrunk: Outcome, example: Any, label: str) -> Outcome:
        """``shrunk`` with its example stored in the payload (``_search``: label, index, tagged JSON),
        when the claim has no replay function and the example can be encoded; else ``shrunk`` as is."""
        from landscape._lib.payload import encode_example

        if self.claim is None or getattr(self.claim, "replay", None) is not None or not isinstance(shrunk.payload, dict):
            return shrunk
        enc = encode_example(example)
        if enc is None:
            return shrunk
        stored = {"label": label, "index": len(self.searches), "example": enc}
        return dataclasses.replace(shrunk, payload={**shrunk.payload, "_search": stored})

    def _replay_search(self, label: str, fn: Callable[[Any], Outcome], n: int) -> SearchResult:
        """Replay mode: the stored search runs ``fn`` on the stored example and ends the check
        (:class:`_Replayed`); every other search returns an empty result."""
        want = self._replay or {}
        index = len(self.searches)
        if index == want["index"]:
            if label != want["label"]:
                raise _Replayed(error=NotReplayable(f"search #{index} of the check is labelled {label!r}, the stored "
                                                    f"example comes from {want['label']!r}: the check changed"))
            try:
                o = fn(want["example"])
            except Exception as e:  # noqa: BLE001 - reported by replay_stored_example
                raise _Replayed(error=e) from None
            raise _Replayed(outcome=o)
        res = SearchResult(label, [], None, n, 0.0)
        self.searches.append(res)
        return res


def replay_stored_example(claim: Any, payload: dict[str, Any], *, profile: str, seed: int) -> Outcome:
    """Generic replay of a counterexample of a claim without a replay function.

    The payload's ``_search`` (written by :meth:`Context.search` when such a claim is refuted)
    names the search (label, index within the check) and holds its failing example.  The
    claim's check is re-run with a Context in replay mode: that search calls its ``fn`` on the
    decoded example and ends the check with the resulting Outcome; the searches before it
    return empty results.  A check that cannot be re-entered this way (it raises or returns
    before reaching the search) needs a hand-written replay function (``@check.replayer``).
    """
    from landscape._core import profiles
    from landscape._lib.payload import decode_example, require_dict, require_int, require_str

    fn_name = getattr(claim.check, "__name__", "check")
    needs = f"give the claim a hand-written replay function (@{fn_name}.replayer)"
    if "_search" not in payload:
        raise NotReplayable(f"claim {claim.id!r} has no replay function and the file stores no search example to "
                            f"re-run; {needs}")
    s = require_dict(payload, "_search")
    label, index = require_str(s, "label"), require_int(s, "index", 0, 10_000)
    example = decode_example(s.get("example"), key="_search.example")
    ctx = Context(profiles.get(profile), seed=seed)
    ctx._replay = {"label": label, "index": index, "example": example}
    try:
        claim.check(ctx)
    except _Replayed as r:
        if isinstance(r.error, NotReplayable):
            raise NotReplayable(f"claim {claim.id!r} cannot be replayed generically ({r.error}); {needs}") from None
        if r.error is not None:  # the stored example made the search's fn raise: the caller decides
            raise r.error
        if not isinstance(r.outcome, Outcome):
            raise LandscapeError(f"search {label!r} returned {type(r.outcome).__name__}; expected an Outcome") from None
        return r.outcome
    except Exception as e:  # noqa: BLE001 - a check that cannot run without its earlier searches
        raise NotReplayable(f"claim {claim.id!r} cannot be re-entered for a replay: its check raised "
                            f"{e.__class__.__name__}: {e} before reaching search #{index} {label!r}; {needs}") from None
    raise NotReplayable(f"claim {claim.id!r} cannot be re-entered for a replay: its check returned without reaching "
                        f"search #{index} {label!r}; {needs}")


def _only_found(e: BaseException) -> bool:
    if isinstance(e, _Found):
        return True
    subs = getattr(e, "exceptions", None)
    return bool(subs) and all(_only_found(s) for s in subs)


def _checked_outcome(o: Any, label: str) -> Outcome:
    """``o`` if it is an :class:`Outcome`; else a TypeError naming the search and what it returned."""
    if not isinstance(o, Outcome):
        raise TypeError(f"search function of {label or 'search'!r} returned {type(o).__name__}; expected an "
                        "Outcome (Outcome.holds / .fails / .band)")
    return o
