"""The claim registry and the ``@claim`` decorator.

A claim is a function ``check(ctx: Context) -> Result`` plus its metadata: stable id
(``../shared/CLAIMS.md``), title, source (paper file + section), statement, hypotheses,
the verdict the paper asserts (``paper``) and the verdict the suite *expects* to compute
(``expected``).  When the two differ, ``why`` must say why: that is a recorded finding.

A claim's pytest test passes when the computed verdict equals ``expected``.  Optional
``replay(payload) -> Outcome`` re-checks a stored counterexample (``landscape replay``).
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Literal

from .errors import LandscapeError

if TYPE_CHECKING:
    from .context import Context, Outcome, Result

Verdict = Literal["supported", "refuted", "inconclusive", "error"]
VERDICTS: tuple[str, ...] = ("supported", "refuted", "inconclusive", "error")


@dataclass
class Claim:
    """A registered claim; see the module docstring."""

    id: str
    title: str
    source: str
    statement: str
    check: Callable[["Context"], "Result"]
    expected: Verdict = "supported"
    paper: Verdict = "supported"
    hypotheses: tuple[str, ...] = ()
    why: str = ""
    replay: Callable[[dict], "Outcome"] | None = None
    module: str = ""
    tags: tuple[str, ...] = field(default=())

    def replayer(self, fn: Callable[[dict], "Outcome"]) -> Callable[[dict], "Outcome"]:
        """Decorator: register ``fn(payload) -> Outcome`` as this claim's replay function."""
        self.replay = fn
        return fn

    @property
    def surprise(self) -> bool:
        """True when the suite expects a different verdict than the paper asserts."""
        return self.expected != self.paper

    def as_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "source": self.source, "statement": self.statement,
                "hypotheses": list(self.hypotheses), "expected": self.expected, "paper": self.paper,
                "why": self.why, "module": self.module, "replayable": self.replay is not None}

    def __repr__(self) -> str:
        return f"Claim({self.id!r}, expected={self.expected!r})"


_REGISTRY: dict[str, Claim] = {}
_BUILTINS_LOADED = False
BUILTIN_MODULES = ("landscape.claims.lds", "landscape.claims.lds_search", "landscape.claims.jiang", "landscape.claims.du",
                   "landscape.claims.golikov")


def claim(
    id: str,
    *,
    title: str,
    source: str,
    statement: str,
    expected: Verdict = "supported",
    paper: Verdict = "supported",
    hypotheses: tuple[str, ...] | list[str] = (),
    why: str = "",
    tags: tuple[str, ...] = (),
) -> Callable[[Callable[["Context"], "Result"]], Claim]:
    """Register ``check(ctx) -> Result`` as the claim ``id``.

    ``expected`` is the verdict the suite expects to compute; ``paper`` the verdict the
    paper asserts.  If they differ, ``why`` must explain the finding.
    """
    for name, v in (("expected", expected), ("paper", paper)):
        if v not in VERDICTS[:3]:
            raise LandscapeError(f"{name}={v!r} for claim {id!r}; expected one of supported, refuted, inconclusive")
    if not id or any(c.isspace() for c in id):
        raise LandscapeError(f"claim id {id!r} is invalid; expected a dotted name without spaces")
    if expected != paper and not why:
        raise LandscapeError(f"claim {id!r} expects {expected!r} but the paper says {paper!r}; explain it in why=")

    def deco(fn: Callable[["Context"], "Result"]) -> Claim:
        c = Claim(id=id, title=title, source=source, statement=statement, check=fn, expected=expected,
                  paper=paper, hypotheses=tuple(hypotheses), why=why, module=fn.__module__, tags=tuple(tags))
        old = _REGISTRY.get(id)
        if old is not None and old.module != c.module:
            raise LandscapeError(f"claim id {id!r} is registered twice ({old.module} and {c.module})")
        _REGISTRY[id] = c
        return c

    return deco


def load_builtin() -> None:
    """Import the claim modules shipped with the package (idempotent)."""
    global _BUILTINS_LOADED
    if not _BUILTINS_LOADED:
        for m in BUILTIN_MODULES:
            if importlib.util.find_spec(m) is not None:
                importlib.import_module(m)
        from importlib.metadata import entry_points

        for ep in entry_points(group="landscape.claims"):
            ep.load()
        _BUILTINS_LOADED = True


def load_file(path: str | Path) -> None:
    """Import a user's Python file that defines claims (``landscape --claims-from FILE``)."""
    p = Path(path)
    if not p.is_file() or p.suffix != ".py":
        raise LandscapeError(f"claims file {str(path)!r} does not exist or is not a .py file")
    name = f"landscape_user_claims_{abs(hash(p.resolve()))}"
    spec = importlib.util.spec_from_file_location(name, p)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)


def all_claims() -> list[Claim]:
    """Every registered claim, in id order (built-ins loaded first)."""
    load_builtin()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def get(id: str) -> Claim:
    """The claim ``id``; an unknown id raises naming the closest ids."""
    load_builtin()
    try:
        return _REGISTRY[id]
    except KeyError:
        close = difflib.get_close_matches(id, list(_REGISTRY), n=3, cutoff=0.5)
        if not close:
            close = [k for k in sorted(_REGISTRY) if k.startswith(id.split(".")[0])][:3]
        hint = f"; closest: {', '.join(close)}" if close else ""
        raise LandscapeError(f"unknown claim id {id!r}{hint} (see `landscape list`)") from None


def select(pattern: str | None) -> list[Claim]:
    """Claims whose id equals ``pattern`` or starts with ``pattern + '.'`` (all if None)."""
    cs = all_claims()
    if pattern is None:
        return cs
    out = [c for c in cs if c.id == pattern or c.id.startswith(pattern + ".")]
    if not out:
        get(pattern)  # raises with suggestions
    return out
