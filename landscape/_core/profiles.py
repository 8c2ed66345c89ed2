"""Hypothesis settings profiles: ``quick`` (default, CI), ``standard``, ``thorough``.

The profiles are registered with Hypothesis under these names, so pytest's own
``--hypothesis-profile`` chooses them; ``landscape check/report --profile`` does the same.
Every profile is deterministic: no example database, no deadline, and every search is
seeded explicitly (``--seed``, default 0), so a verdict never depends on the run.

``max_examples`` is the number of Hypothesis examples per search; ``draws`` is the number
of random weight draws a probabilistic check makes per example.  Claims read both from
the :class:`Profile`; a claim's evidence records the budget it actually used.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from hypothesis import HealthCheck, settings

from landscape._lib.errors import LandscapeError


@dataclass(frozen=True)
class Profile:
    """Search budget of one profile."""

    name: str
    max_examples: int
    draws: int
    description: str

    def as_dict(self) -> dict:
        return asdict(self)


PROFILES: dict[str, Profile] = {
    "quick": Profile("quick", 12, 4, "default and CI: every claim runs, small budgets (a few minutes in all)"),
    "standard": Profile("standard", 60, 8, "the committed report: ~5x the quick budget"),
    "thorough": Profile("thorough", 300, 16, "opt-in: ~25x the quick budget, for a final word"),
}

DEFAULT_PROFILE = "quick"

#: Default time limit (seconds) of one claim, and of each replay a run makes, per profile: every
#: built-in claim takes at most 13 s (quick), 60 s (standard) and 10 min (thorough) on 2 cores
#: (``reports/stability-*.json``, README), so these leave room for a loaded machine.
DEFAULT_TIMEOUT_S: dict[str, float] = {"quick": 300.0, "standard": 900.0, "thorough": 3600.0}


def _register() -> None:
    for p in PROFILES.values():
        settings.register_profile(
            p.name,
            max_examples=p.max_examples,
            deadline=None,
            database=None,
            derandomize=False,  # searches are seeded explicitly with hypothesis.seed
            print_blob=True,
            report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck),
        )


_register()


def get(name: str) -> Profile:
    """The profile called ``name``; an unknown name raises with the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise LandscapeError(f"unknown profile {name!r}; expected one of {', '.join(PROFILES)}") from None


def current_hypothesis_profile() -> str:
    """The Hypothesis profile loaded now, if it is one of ours, else the default."""
    name = settings.get_current_profile_name()
    return name if name in PROFILES else DEFAULT_PROFILE
