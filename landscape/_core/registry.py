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
import functools
import importlib
import importlib.util
import inspect
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Literal

from landscape._lib import fixtures as _fixtures
from landscape._lib.errors import LandscapeError

if TYPE_CHECKING:
    from landscape._core.context import Context, Outcome, Result

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
#: A claim id: dotted lowercase names (it names files -- counterexamples, figures --, so no path separators).
ID_RE = re.compile(r"[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9][a-z0-9_-]*)*")
_BUILTINS_LOADED = False
#: The claim packages shipped with landscape, one per paper, imported in this order.
BUILTIN_MODULES = ("landscape.claims.lds", "landscape.claims.jiang", "landscape.claims.du", "landscape.claims.golikov")


def is_builtin_module(module: str) -> bool:
    """Is ``module`` one of the built-in claim packages or a module inside one?"""
    return any(module == m or module.startswith(m + ".") for m in BUILTIN_MODULES)


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
    if not isinstance(id, str) or ID_RE.fullmatch(id) is None:
        raise LandscapeError(f"claim id {id!r} is invalid; expected dotted lowercase names such as "
                             "'lds.lemma3.relu' (letters a-z, digits, '_' and '-'; no path separators, no '..')")
    if expected != paper and not why:
        raise LandscapeError(f"claim {id!r} expects {expected!r} but the paper says {paper!r}; explain it in why=")

    def deco(fn: Callable[["Context"], "Result"]) -> Claim:
        __tracebackhide__ = True  # pytest: a collection error points at the user's @claim line, not here
        c = Claim(id=id, title=title, source=source, statement=statement, check=fn, expected=expected,
                  paper=paper, hypotheses=tuple(hypotheses), why=why, module=fn.__module__, tags=tuple(tags))
        c.check = _bound_check(c, fn)
        builtin = is_builtin_module(c.module)
        if not builtin:  # a user claim: the built-in ids must be known before it may take one
            _import_builtin_modules()
        old = _REGISTRY.get(id)
        if old is not None:
            if is_builtin_module(old.module) and not builtin:
                raise LandscapeError(f"claim id {id!r} is already a built-in claim ({old.module}); choose another id")
            if builtin and not is_builtin_module(old.module):
                raise LandscapeError(f"claim id {id!r} of {old.module} ({_where(old)}) shadows the built-in claim "
                                     f"of {c.module}; choose another id")
            if old.module != c.module:
                raise LandscapeError(f"claim id {id!r} is registered twice ({old.module} and {c.module})")
            if _defined_twice(old, c):
                raise LandscapeError(f"claim id {id!r} is defined twice in {_file_of(c)}: {_where(old)} and "
                                     f"{_where(c)}; choose another id for one of them")
        c._import_spec = _spec_of(c)  # type: ignore[attr-defined] - which execution of the module (see _defined_twice)
        c._defined_in = _source_file(c)  # type: ignore[attr-defined] - absolute now: a later chdir cannot move it
        _REGISTRY[id] = c
        return c

    return deco


def _definition(c: Claim) -> Callable:
    return inspect.unwrap(c.check)


def _where(c: Claim) -> str:
    """``check_x (line 12)``: the function defining a claim and its line."""
    fn = _definition(c)
    code = getattr(fn, "__code__", None)
    return f"{getattr(fn, '__qualname__', fn)} (line {code.co_firstlineno})" if code else str(fn)


def _file_of(c: Claim) -> str:
    """The file defining a claim (its module's name when unknown)."""
    code = getattr(_definition(c), "__code__", None)
    return Path(code.co_filename).name if code is not None and code.co_filename else c.module


def _source_file(c: Claim) -> Path | None:
    """The absolute path of the ``.py`` file whose code defines ``c`` (None if there is none: a notebook cell)."""
    fn = _definition(c)
    f = getattr(fn, "__globals__", {}).get("__file__") or getattr(getattr(fn, "__code__", None), "co_filename", None)
    if not isinstance(f, str) or not f.endswith(".py") or not Path(f).is_file():
        return None
    return Path(f).absolute()


@functools.lru_cache(maxsize=1)
def _entry_point_modules() -> tuple[str, ...]:
    """The modules named by the entry points of the group ``landscape.claims`` (loaded automatically)."""
    from importlib.metadata import entry_points

    return tuple(ep.module for ep in entry_points(group="landscape.claims"))


def loaded_automatically(c: Claim) -> bool:
    """True for a claim that every ``landscape`` command finds without ``--claims-from``: a built-in
    claim or one of a module (or its submodules) registered under the entry-point group ``landscape.claims``."""
    return is_builtin_module(c.module) or any(c.module == m or c.module.startswith(m + ".")
                                              for m in _entry_point_modules())


def defining_file(c: Claim) -> Path | None:
    """The Python file another process must load (``--claims-from FILE``) to find the claim ``c``: the
    ``--claims-from`` file, pytest test module or other module that defined it (absolute path); None
    for a claim :func:`loaded_automatically`, and when no file defined it (a notebook cell)."""
    if loaded_automatically(c):
        return None
    return getattr(c, "_defined_in", None) or _source_file(c)


def _spec_of(c: Claim) -> object | None:
    """The ``__spec__`` of the module defining ``c``, now (a reload gives the module a fresh one)."""
    return getattr(_definition(c), "__globals__", {}).get("__spec__")


def _defined_twice(old: Claim, new: Claim) -> bool:
    """True when ``new`` re-defines ``old``'s id in the *same* execution of their module at another
    definition site (another function or line).  False when the module is being imported again (a
    reload, pytest re-importing a test module, ``--claims-from`` loading the file twice: each
    execution has a fresh ``__spec__``, recorded at registration since a reload keeps the module's
    namespace) and when the same site registers again (a claim factory called twice)."""
    fo, fn = _definition(old), _definition(new)
    co, cn = getattr(fo, "__code__", None), getattr(fn, "__code__", None)
    if not (co and cn) or (fo.__qualname__, co.co_firstlineno) == (fn.__qualname__, cn.co_firstlineno):
        return False
    so, sn = getattr(old, "_import_spec", None), _spec_of(new)
    if so is not None and sn is not None:
        return so is sn
    return co.co_filename == cn.co_filename  # no spec (a script, a notebook cell): another file is another run


def _bound_check(c: Claim, fn: Callable[["Context"], "Result"]) -> Callable[["Context"], "Result"]:
    """``fn`` telling its Context which claim it checks (``ctx.claim``: a search of a claim without
    a replay function stores its failing example for the generic replay, :mod:`landscape._core.context`)."""

    @functools.wraps(fn)
    def check(ctx: "Context") -> "Result":
        if hasattr(ctx, "claim"):
            ctx.claim = c
        return fn(ctx)

    return check


_IMPORTING_BUILTINS = False


def _import_builtin_modules() -> None:
    """Import the built-in claim modules (not the entry points), so their ids are registered."""
    global _IMPORTING_BUILTINS
    if _IMPORTING_BUILTINS:
        return
    _IMPORTING_BUILTINS = True
    try:
        for m in BUILTIN_MODULES:
            if m not in sys.modules and importlib.util.find_spec(m) is not None:
                importlib.import_module(m)
    finally:
        _IMPORTING_BUILTINS = False


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


_fixtures.on_first_use(load_builtin)  # listing the fixtures imports every claim module first


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
    try:
        spec.loader.exec_module(mod)
    except (Exception, SystemExit) as e:  # noqa: BLE001 - any failure of the user's file is a bad input
        sys.modules.pop(name, None)
        for k in [k for k, c in _REGISTRY.items()  # claims the half-imported file registered
                  if c.module == name and getattr(c, "_import_spec", None) is spec]:
            del _REGISTRY[k]
        raise LandscapeError(f"claims file {str(path)!r} could not be imported: {_import_failure(e, p)}") from None


def _import_failure(e: BaseException, path: Path) -> str:
    """``SyntaxError at line 3: invalid syntax``: the exception and the line of ``path`` it came from."""
    import traceback

    if isinstance(e, SyntaxError) and e.lineno is not None and Path(e.filename or "").resolve() == path.resolve():
        line: int | None = e.lineno
        msg = e.msg
    else:
        line = None
        for fr in traceback.extract_tb(e.__traceback__):
            if Path(fr.filename).resolve() == path.resolve():
                line = fr.lineno
        msg = str(e) if not isinstance(e, SyntaxError) else f"{e.msg} ({e.filename}, line {e.lineno})"
    if isinstance(e, LandscapeError):  # e.g. an id defined twice: the message says what
        text = f"{msg} (at line {line})" if line is not None else msg
    else:
        text = f"{e.__class__.__name__} {f'at line {line}' if line is not None else 'while importing'}: {msg}"
    return " ".join(text.split())


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


def select_many(patterns: list[str] | tuple[str, ...] | str | None) -> list[Claim]:
    """Claims matching any of ``patterns`` (see :func:`select`), in id order, each once (all if None)."""
    if patterns is None:
        return all_claims()
    if isinstance(patterns, str):
        patterns = [patterns]
    ids = {c.id for p in patterns for c in select(p)}
    return [c for c in all_claims() if c.id in ids]


def select(pattern: str | None) -> list[Claim]:
    """Claims whose id equals ``pattern`` or starts with ``pattern + '.'`` (all if None)."""
    cs = all_claims()
    if pattern is None:
        return cs
    out = [c for c in cs if c.id == pattern or c.id.startswith(pattern + ".")]
    if not out:
        get(pattern)  # raises with suggestions
    return out
