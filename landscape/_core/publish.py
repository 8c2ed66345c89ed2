"""Output directories: exclusive locks, staged writes, publication at the end of a run.

An interrupted or concurrent run changes nothing:

* **Lock.**  A run takes an exclusive, non-blocking ``fcntl.flock`` on
  ``<dir>/.landscape.lock`` for each output directory (counterexamples, report) before
  any claim runs (:func:`lock_dir`); a second run into the same directory stops with a
  one-line error naming the holder's pid, or waits (``--wait``).  The lock file holds
  the holder's pid and is removed when the lock is released (a SIGKILLed run leaves it
  behind; the next run reuses it -- the kernel dropped the lock with the process).
* **Stage.**  During a run, counterexample files are written into a hidden staging
  directory ``<dir>/.landscape-staging-<pid>-<random>/`` on the same filesystem and
  stale-file removals are only recorded (:class:`CounterexampleStage`); the report is
  rendered into its own staging directory (``landscape._core.report.stage_report``).
* **Publish.**  Only at the end, after the report has been published, the staged
  counterexample files are moved into place (``os.replace``: atomic per file) and the
  recorded removals are done.  SIGINT / SIGTERM arriving while files are being moved are
  deferred until the move is complete (:func:`deferred_signals`), so an interrupt leaves
  either the old state or the complete new one.  A run that is interrupted or fails
  before that point discards its staging directories; a SIGKILLed run leaves at most its
  lock file and a hidden staging directory, which the next run removes once its owner pid
  is dead.  (The pytest plugin does not catch SIGTERM: there it acts like SIGKILL.)

Readers (``runner._reconcile_stored``, ``landscape replay``) read the published
directory, never a staging directory.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from landscape._lib.errors import LandscapeError

LOCK_NAME = ".landscape.lock"
STAGING_PREFIX = ".landscape-staging-"
_STAGING_RE = re.compile(re.escape(STAGING_PREFIX) + r"(\d+)-")


class Terminated(KeyboardInterrupt):
    """SIGTERM turned into an exception (see :func:`raise_on_sigterm`): it unwinds like Ctrl-C."""


def _raise_terminated(signum: int, frame: Any) -> None:  # noqa: ARG001 - signal handler signature
    raise Terminated()


@contextlib.contextmanager
def raise_on_sigterm() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` (so ``finally`` clauses run).

    A no-op outside the main thread (signal handlers can only be set there).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


_DEFER = {"depth": 0, "pending": [], "old": {}}


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block is done, then deliver them.

    For the few ``os.replace`` calls that publish a run: an interrupt leaves either the
    previous outputs or the complete new ones.  A signal deferred this way is delivered
    after the block by the handler that was in place; the resulting exception (e.g.
    ``KeyboardInterrupt``) carries ``published = True``.  Nestable; a no-op outside the
    main thread.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if _DEFER["depth"] == 0:
        _DEFER["pending"] = []
        _DEFER["old"] = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            _DEFER["old"][sig] = signal.signal(sig, lambda s, f: _DEFER["pending"].append(s))
    _DEFER["depth"] += 1
    ok = False
    try:
        yield
        ok = True
    finally:
        _DEFER["depth"] -= 1
        if _DEFER["depth"] == 0:
            old, pending = _DEFER["old"], _DEFER["pending"]
            for sig, h in old.items():
                signal.signal(sig, h)
            if pending and ok:
                _redeliver(pending[0], old[pending[0]])


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    """Block SIGINT and SIGTERM for a short bookkeeping step; they are delivered as usual when it ends (unlike
    :func:`deferred_signals`, nothing is marked published)."""
    sigs = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _redeliver(sig: int, handler: Any) -> None:
    """Deliver a deferred signal ``sig`` with the handler that was in place when it was deferred."""
    if handler == signal.SIG_IGN:
        return
    if handler in (signal.SIG_DFL, None):
        os.kill(os.getpid(), sig)  # the default action (SIGTERM: terminate), now that the files are in place
        return
    try:
        handler(sig, None)
    except BaseException as e:
        e.published = True  # type: ignore[attr-defined]
        raise


# -- locks -----------------------------------------------------------------------------------------


class DirLock:
    """An exclusive lock on an output directory (see the module docstring); release it once."""

    def __init__(self, directory: Path, path: Path, fd: int):
        self.directory = directory
        self.path = path
        self._fd: int | None = fd

    def release(self) -> None:
        """Remove the lock file (if it is still ours) and drop the lock; idempotent."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            st, mine = os.stat(self.path), os.fstat(fd)
            if (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino):
                os.unlink(self.path)  # unlinked while locked: a waiter re-checks the inode and retries
        except OSError:
            pass
        finally:
            os.close(fd)

    def __enter__(self) -> "DirLock":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


def _holder_pid(path: Path) -> str:
    for _ in range(20):  # the holder writes its pid right after locking
        try:
            text = path.read_text(encoding="ascii", errors="replace").strip()
        except OSError:
            text = ""
        if text.isdigit():
            return text
        time.sleep(0.01)
    return "unknown"


def lock_dir(directory: str | Path, *, what: str, option: str, wait: bool = False,
             on_wait: Callable[[str], None] | None = None, wait_option: str = "--wait") -> DirLock:
    """Lock ``directory`` (made if missing) for this run; see the module docstring.

    If another run holds it: raise :class:`LandscapeError` ("``what`` 'dir' is in use by
    another landscape run (pid N); wait for it or choose another ``option`` directory
    (``wait_option`` waits for it)") or, with ``wait``, call ``on_wait(message)`` once and
    block until the lock is free.
    """
    import fcntl

    d = Path(directory)
    path = d / LOCK_NAME
    told = False
    while True:
        try:
            d.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise LandscapeError(f"{what} {str(directory)!r} cannot be locked: {str(path)!r} cannot be opened "
                                 f"({e.strerror or e})") from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise LandscapeError(f"{what} {str(directory)!r} cannot be locked ({e.strerror or e})") from None
                busy = f"{what} {str(directory)!r} is in use by another landscape run (pid {_holder_pid(path)})"
                if not wait:
                    raise LandscapeError(f"{busy}; wait for it or choose another {option} directory "
                                         f"({wait_option} waits for it)") from None
                if on_wait is not None and not told:
                    on_wait(f"{busy}; waiting for it ({wait_option})")
                    told = True
                fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                st, mine = os.stat(path), os.fstat(fd)
                current = (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)
            except FileNotFoundError:
                current = False
            if not current:  # the previous holder removed the file while we waited: lock the new one
                os.close(fd)
                continue
            try:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode("ascii"))
            except OSError as e:  # a full disk: no lock file is left behind
                with contextlib.suppress(OSError):
                    os.unlink(path)
                raise LandscapeError(f"{what} {str(directory)!r} cannot be locked: {str(path)!r} cannot be written "
                                     f"({e.strerror or e})") from None
            return DirLock(d, path, fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(fd)
            raise


@contextlib.contextmanager
def locked_dirs(specs: list[tuple[str | Path, str, str]], *, wait: bool = False,
                on_wait: Callable[[str], None] | None = None,
                prune: list[str | Path] = ()) -> Iterator[list[DirLock]]:
    """Lock every ``(directory, what, option)`` (each distinct directory once) for the block.

    ``prune``: directories this run made (they did not exist before it); those still
    empty when the locks are released are removed, so a run that wrote nothing there
    leaves no trace.
    """
    seen: set[str] = set()
    try:
        with contextlib.ExitStack() as stack:
            locks = []
            for directory, what, option in specs:
                key = os.path.realpath(directory)
                if key in seen:
                    continue
                seen.add(key)
                locks.append(stack.enter_context(lock_dir(directory, what=what, option=option, wait=wait,
                                                          on_wait=on_wait)))
            yield locks
    finally:
        for d in prune:
            with contextlib.suppress(OSError):
                os.rmdir(d)  # only if empty


# -- staging ---------------------------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_staging(directory: str | Path) -> list[Path]:
    """Remove staging directories in ``directory`` whose owner process is dead; returns them."""
    removed = []
    d = Path(directory)
    if not d.is_dir():
        return removed
    for p in d.iterdir():
        m = _STAGING_RE.match(p.name)
        if m and p.is_dir() and int(m.group(1)) != os.getpid() and not _pid_alive(int(m.group(1))):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def make_staging_dir(directory: str | Path) -> Path:
    """A fresh hidden staging directory inside ``directory`` (same filesystem: ``os.replace`` is atomic)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=d))


def fsync_dir(directory: str | Path) -> None:
    """Flush a directory's entries to disk (best effort)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class CounterexampleStage:
    """A run's pending changes to a counterexample directory: staged files and recorded removals.

    :meth:`write` stages ``<id>.json`` and returns its *final* path (what the evidence
    names); :meth:`remove` records a removal; :meth:`publish` applies both (in the order
    they were recorded, the last action per file wins); :meth:`discard` drops them.
    The staging directory is made on the first write; stale staging directories of dead
    runs are removed when the stage is created.
    """

    def __init__(self, directory: str | Path, *, reference: str | Path | None = None):
        self.directory = Path(directory)
        #: A read-only directory of stored counterexamples replayed when ``directory`` has none for a claim
        #: (the committed ``counterexamples/`` for an everyday run into ``runs/``); never written or pruned.
        self.reference = None if reference is None else Path(reference)
        self.directory.mkdir(parents=True, exist_ok=True)
        clean_stale_staging(self.directory)
        self._staging: Path | None = None
        self._actions: dict[str, Path | None] = {}  # file name -> staged file, or None for a removal
        self._lock = threading.RLock()
        self._closed = False
        self.published = False

    def write(self, claim_id: str, payload: dict[str, Any], outcome: dict[str, Any], *, profile: str,
              seed: int) -> Path:
        """Stage the counterexample file of ``claim_id``; returns the path it will be published at."""
        from landscape._core.evidence import write_counterexample

        with _signals_blocked(), self._lock:  # no Ctrl-C, and no discard() from another thread, half-way through
            if self._closed:
                raise KeyboardInterrupt("the run was stopped; nothing more is staged")
            if self._staging is None:
                self._staging = make_staging_dir(self.directory)
            staged = write_counterexample(self._staging, claim_id, payload, outcome, profile=profile, seed=seed)
            self._actions.pop(staged.name, None)
            self._actions[staged.name] = staged
        return self.directory / staged.name

    def remove(self, path: str | Path) -> None:
        """Record that the published file ``path`` (in this directory) is to be removed."""
        name = Path(path).name
        self._actions.pop(name, None)
        self._actions[name] = None

    def locate(self, path: str | Path) -> Path:
        """Where the file that will be published at ``path`` can be read now (its staged copy, if any)."""
        staged = self._actions.get(Path(path).name) if Path(path).parent == self.directory else None
        return staged if staged is not None else Path(path)

    @property
    def pending(self) -> dict[str, str]:
        """File name -> ``"write"`` or ``"remove"``, for the changes not yet published."""
        return {n: ("remove" if s is None else "write") for n, s in self._actions.items()}

    def publish(self) -> None:
        """Move the staged files into place and do the recorded removals (idempotent)."""
        if self.published:
            return
        with deferred_signals():
            for name, staged in self._actions.items():
                final = self.directory / name
                if staged is None:
                    final.unlink(missing_ok=True)
                else:
                    os.replace(staged, final)
            fsync_dir(self.directory)
            self.published = True
            self.discard()

    def discard(self) -> None:
        """Drop what is staged (the published directory is left as it is); a :meth:`write` still running in
        another thread finishes first, and later ones stage nothing."""
        with self._lock:
            self._closed = True
            if not self.published:
                self._actions = {}
            if self._staging is not None:
                shutil.rmtree(self._staging, ignore_errors=True)
                self._staging = None
            # a Ctrl-C already pending when write() began can surface inside mkdtemp, after the directory exists
            # and before it is recorded: this process's other staging directories here are that one
            if not self.published:
                for d in self.directory.glob(f"{STAGING_PREFIX}{os.getpid()}-*"):
                    shutil.rmtree(d, ignore_errors=True)


__all__ = ["CounterexampleStage", "DirLock", "LOCK_NAME", "STAGING_PREFIX", "Terminated", "clean_stale_staging",
           "deferred_signals", "fsync_dir", "lock_dir", "locked_dirs", "make_staging_dir", "raise_on_sigterm"]
