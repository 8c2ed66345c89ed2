"""Where the report's files are: links to counterexamples, replay commands, the destination line.

The evidence names a counterexample by the path the run wrote it at (``counterexample``,
relative to the run's working directory unless the run was given an absolute directory).
A link in ``index.html`` / ``report.md`` is relative to the *report's* directory
(:func:`counterexample_href`); the replay command shown is relative to the working
directory at report time, or absolute when the file lies outside it
(:func:`replay_command`).  :func:`destination_line` is the first line ``landscape report``
prints: where it writes, as absolute paths.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from landscape._core import commands as _commands
from landscape._core.commands import display_path


def counterexample_file(cx: str | None, cwd: str | Path | None = None) -> Path | None:
    """The absolute path of the counterexample file ``cx`` names (None if it names no ``.json`` file).

    A relative ``cx`` is taken relative to ``cwd`` (default: the current directory).  The path is
    made absolute lexically (no symlinks resolved), as the user named it.
    """
    if not cx or not isinstance(cx, str) or not cx.endswith(".json") or cx.startswith("("):
        return None
    return Path(os.path.abspath(os.path.join(cwd if cwd is not None else os.getcwd(), cx)))


def counterexample_href(cx: str | None, out_dir: str | Path, cwd: str | Path | None = None) -> str | None:
    """The URL (relative, percent-encoded) from the report directory ``out_dir`` to the file ``cx`` names."""
    f = counterexample_file(cx, cwd)
    if f is None:
        return None
    base = os.path.abspath(os.path.join(cwd if cwd is not None else os.getcwd(), out_dir))
    try:
        rel = os.path.relpath(f, base)
    except ValueError:  # another drive (Windows): only an absolute URL reaches it
        return f.as_uri()
    return quote(Path(rel).as_posix())


def replay_command(cx: str | None, cwd: str | Path | None = None,
                   claims_from: str | list[str] | tuple[str, ...] | None = ()) -> str | None:
    """``landscape replay counterexamples/X.json [--claims-from F]`` as it runs from ``cwd`` (None if ``cx``
    names no file); ``claims_from``: the evidence record's ``claims_from`` (files a user claim needs)."""
    f = counterexample_file(cx, cwd)
    if f is None:
        return None
    files = [claims_from] if isinstance(claims_from, str) else list(claims_from or ())  # evidence: one file or None
    return _commands.replay_command(f, claims_from_files=files, cwd=cwd)


def is_landscape_checkout(directory: str | Path) -> bool:
    """True when ``directory`` holds a ``pyproject.toml`` whose ``[project]`` is named ``landscape``."""
    f = Path(directory) / "pyproject.toml"
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            text = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return False
        import re

        return re.search(r'(?m)^\s*name\s*=\s*["\']landscape["\']', text) is not None
    try:
        with open(f, "rb") as fh:
            doc = tomllib.load(fh)
    except (OSError, ValueError):
        return False
    project = doc.get("project")
    return isinstance(project, dict) and project.get("name") == "landscape"


from landscape._core.commands import RUN_COUNTEREXAMPLES, RUN_DIR, RUN_REPORT  # noqa: E402 - re-exported


def destination_line(out: str | Path | None, counterexamples: str | Path | None, *, out_default: bool = False,
                     counterexamples_default: bool = False, cwd: str | Path | None = None) -> str:
    """The first line of ``landscape report`` / ``check`` / ``stability``: where the run writes (absolute).

    ``out`` None: no report (``check``); ``counterexamples`` None: no counterexample directory.
    ``out_default`` / ``counterexamples_default``: the directory is the option's default (relative
    to the current directory); the line then says so, and whether that is a landscape checkout.
    """
    here = os.path.abspath(cwd if cwd is not None else os.getcwd())
    parts = []
    if out is not None:
        parts.append(f"the report to {os.path.abspath(os.path.join(here, out))}{os.sep}")
    if counterexamples is not None:
        parts.append(f"counterexamples to {os.path.abspath(os.path.join(here, counterexamples))}{os.sep}")
    line = "landscape: writing " + (" and ".join(parts) if parts else "nothing")
    opts = [opt for opt, d in (("--out", out_default), ("--counterexamples", counterexamples_default)) if d]
    if opts:
        which = " and ".join(opts)
        if is_landscape_checkout(here):
            line += (f" (default {which}: the run directory {RUN_DIR}/, ignored by git; the committed reports/ "
                     "and counterexamples/ are left alone)")
        else:
            line += (f" (default {which}, in the current directory, which is not a landscape checkout; "
                     f"choose with {which})")
    return line


__all__ = ["RUN_COUNTEREXAMPLES", "RUN_DIR", "RUN_REPORT", "counterexample_file", "counterexample_href", "destination_line", "display_path",
           "is_landscape_checkout", "replay_command"]
