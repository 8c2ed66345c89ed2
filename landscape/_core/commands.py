"""The ``landscape`` command lines the suite prints (pytest's ``reproduce:`` line, ``landscape check``'s
``replay:`` line): each runs as printed, from the directory it was printed in.

A claim that is not built in (from a ``--claims-from`` file or a pytest test module) is only found
by a new process that loads its file, so its commands carry ``--claims-from FILE``
(:func:`landscape._core.registry.defining_file`); paths are relative to the current directory when they
lie under it, absolute otherwise, and quoted for a POSIX shell where needed.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable, Sequence
from pathlib import Path

from landscape._core import profiles
from landscape._core.registry import Claim, defining_file

#: Where everyday runs write by default (relative to the current directory; git-ignored in a checkout):
#: the committed ``reports/`` and ``counterexamples/`` are only written when named (``--out reports ...``).
RUN_DIR = "runs"
RUN_REPORT = f"{RUN_DIR}/report"
RUN_COUNTEREXAMPLES = f"{RUN_DIR}/counterexamples"
#: The one command that regenerates the committed report and counterexamples (README, .ci/run).
REGENERATE_COMMITTED = ("landscape report --profile standard --out reports --counterexamples counterexamples "
                        "--jobs 2")


def display_path(path: str | Path, cwd: str | Path | None = None) -> str:
    """``path`` (a relative one is taken relative to ``cwd``, default the current directory) relative
    to ``cwd`` if it lies under it, else absolute."""
    base = Path(os.path.abspath(cwd if cwd is not None else os.getcwd()))
    p = Path(os.path.abspath(os.path.join(base, path)))
    try:
        return p.relative_to(base).as_posix()
    except ValueError:
        return str(p)


def claims_from(claims: Iterable[Claim], cwd: str | Path | None = None) -> list[str]:
    """The files (see :func:`display_path`) that ``--claims-from`` must load to find ``claims``, each once."""
    out: list[str] = []
    for c in claims:
        f = defining_file(c)
        if f is not None and (s := display_path(f, cwd)) not in out:
            out.append(s)
    return out


def _claims_from_args(files: Iterable[str]) -> list[str]:
    return [a for f in files for a in ("--claims-from", f)]


def check_command(claims: Claim | Sequence[Claim], *, profile: str = profiles.DEFAULT_PROFILE, seed: int = 0,
                  counterexamples: str | Path | None = None, cwd: str | Path | None = None) -> str:
    """``landscape check ID ... --profile P --seed S [--claims-from FILE ...] [--counterexamples DIR]``:
    runs ``claims`` as the caller did (``counterexamples``: the directory whose stored files it saw)."""
    cs = [claims] if isinstance(claims, Claim) else list(claims)
    args = ["landscape", "check", *(c.id for c in cs), "--profile", profile, "--seed", str(seed)]
    args += _claims_from_args(claims_from(cs, cwd))
    if counterexamples is not None:
        args += ["--counterexamples", display_path(counterexamples, cwd)]
    return shlex.join(args)


def replay_command(files: str | Path | Sequence[str | Path], *, claims_from_files: Sequence[str] = (),
                   cwd: str | Path | None = None) -> str:
    """``landscape replay FILE ... [--claims-from F ...]``; ``claims_from_files`` as given by
    :func:`claims_from` (or an evidence record's ``claims_from``)."""
    fs = [files] if isinstance(files, (str, Path)) else list(files)
    return shlex.join(["landscape", "replay", *(display_path(f, cwd) for f in fs),
                       *_claims_from_args(claims_from_files)])
