"""Claims in parallel: worker processes on this machine, or a Dask cluster -- the serial run's results.

A claim's check is a function of (claim, profile, seed) alone: it reads and writes no output
directory (:func:`landscape._core.runner.compute`; a worker runs
:func:`landscape._core.runner.execute_task`, this module knows nothing of claims).  So the checks can run anywhere, in any
order, and everything that touches files -- writing a refutation's counterexample into the
run's stage, replaying a stored one (:func:`landscape._core.runner.settle`) -- stays in the
process that owns the output directories.  What a worker sends back is the evidence as
plain JSON, so the evidence and the counterexample files are byte for byte those of a
serial run with the same seed (``tests/test_parallel.py`` checks it; only ``duration_s``
and the run's timestamps differ).

Two backends, one interface (:func:`run_tasks`):

* :class:`LocalPool` -- ``--jobs N``: N spawned worker processes (one torch thread each),
  fed one task at a time, longest first.  A worker that dies (killed, out of memory, a
  crash in native code, ``os._exit``) turns its task into the verdict ``error`` with the exit
  status; so does a task over the pool's ``timeout`` (its worker is killed, whatever it is
  doing, native code included); a new worker takes its place and the run goes on.  A worker
  whose parent process is gone (SIGKILLed) exits within a second (``PR_SET_PDEATHSIG`` on
  Linux, and a watcher thread polling ``os.getppid()``).  A serial command-line run is a pool
  of one worker, so the same holds there.
* :class:`DaskPool` -- ``--scheduler [ADDRESS]`` (the optional extra ``landscape[cluster]``):
  the same tasks on a Dask ``distributed`` cluster, a ``LocalCluster`` of ``--jobs``
  single-threaded worker processes when no address is given.  Every host must have
  ``landscape`` installed and see ``--claims-from`` files at the same path.  A task whose
  workers keep dying (Dask retries it ``distributed.scheduler.allowed-failures`` times)
  becomes an ``error`` verdict naming the reason.

Scheduling: tasks go out longest first, by the durations of the last run
(:func:`last_durations` reads ``evidence.json`` / ``stability-*.json``); tasks never seen
before go first (they may be long).  Results come back in completion order; callers put
them back in their own order.  Workers inherit the profile and the seed through the task.
"""

from __future__ import annotations

import json
import os
import signal
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Protocol

from landscape._lib.errors import LandscapeError


@dataclass(frozen=True)
class Task:
    """One claim to check: everything a worker needs (it loads ``claims_from`` itself)."""

    claim_id: str
    profile: str
    seed: int
    claims_from: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.claim_id}@{self.seed}"


@dataclass
class Finished:
    """A task's result as a worker sent it: ``computed`` is ``Computed.as_dict()``, or None with ``failure``."""

    task: Task
    worker: str
    computed: dict[str, Any] | None = None
    failure: str | None = None  # why no result came back (the worker died, the cluster gave up, ...)
    seconds: float = 0.0


@dataclass
class Event:
    """Progress of a parallel run: ``kind`` is ``"start"`` (task on worker), ``"done"`` or ``"tick"``
    (about once a second while tasks run, for the elapsed times; ``task`` is then one running task)."""

    kind: str
    task: Task
    worker: str
    finished: Finished | None = None
    running: dict[str, Task] = field(default_factory=dict)  # worker -> its current task, after this event
    elapsed: dict[str, float] = field(default_factory=dict)  # worker -> seconds its current task has run


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity; ``os.cpu_count()`` elsewhere)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def resolve_jobs(value: str | int) -> int:
    """``--jobs``: a positive number, or ``auto`` = the cores this process may use."""
    if isinstance(value, int) or str(value).strip().isdigit():
        n = int(value)
        if n < 1:
            raise LandscapeError(f"--jobs {value}: expected a positive number of worker processes or 'auto'")
        return n
    if str(value).strip().lower() == "auto":
        return usable_cores()
    raise LandscapeError(f"--jobs {value!r}: expected a positive number of worker processes or 'auto'")


# -- the work a worker does ----------------------------------------------------------------------------

def prepare_worker() -> None:
    """One torch thread per worker (the claims are many small tensors; N workers share N cores)."""
    import torch

    torch.set_num_threads(1)


#: Set in a worker process: a KeyboardInterrupt there was raised by a claim (the worker ignores SIGINT).
IN_WORKER = False
_CONN: list[Any] = [None]  # a local worker's connection to its pool (for :func:`started`)


def started() -> None:
    """Called by a task once it is ready to run its claim (files loaded): its time limit counts from here,
    not from the worker's start-up.  A no-op outside a local worker."""
    conn, _CONN[0] = _CONN[0], None
    if conn is not None:
        try:
            conn.send(("started", None))
        except (OSError, ValueError):
            pass


def watch_parent(parent_pid: int) -> None:
    """Exit this process as soon as ``parent_pid`` is no longer its parent (it died, even by SIGKILL).

    On Linux the kernel sends SIGKILL at the parent's death (``prctl(PR_SET_PDEATHSIG)``, which also
    stops a worker stuck in native code); everywhere a daemon thread polls ``os.getppid()`` every
    0.5 s as well.
    """
    import threading

    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux: the thread below does it
        pass
    if os.getppid() != parent_pid:  # the parent died before the request above
        os._exit(70)

    def poll() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent_pid:
                os._exit(70)

    threading.Thread(target=poll, name="landscape-parent-watch", daemon=True).start()


def describe_exit(e: BaseException) -> str:
    """One line for an exception that is not an ``Exception`` (SystemExit, KeyboardInterrupt ...)."""
    if isinstance(e, SystemExit):
        return f"the check called sys.exit({e.code!r}) (SystemExit)"
    if isinstance(e, KeyboardInterrupt):
        return "the check raised KeyboardInterrupt (not a Ctrl-C of the user)"
    return f"the check raised {e.__class__.__name__}: {e}"


def _worker_main(conn: Any, fn: Callable[[Task], dict], parent_pid: int | None = None) -> None:  # pragma: no cover
    """A local worker: receive a Task, send back ``("ok", fn(task) as JSON)`` or ``("raised", text)``;
    None (or the parent's death) stops it."""
    global IN_WORKER
    IN_WORKER = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops the workers
    if parent_pid is not None:
        watch_parent(parent_pid)
    prepare_worker()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        _CONN[0] = conn
        try:
            msg = ("ok", json.dumps(fn(task), allow_nan=False))
        except Exception as e:  # noqa: BLE001 - reported as the task's error verdict
            msg = ("raised", f"{e.__class__.__name__}: {e}\n{traceback.format_exc()}")
        except BaseException as e:  # noqa: BLE001 - SystemExit / KeyboardInterrupt raised by a claim
            msg = ("raised", describe_exit(e))
        try:
            conn.send(msg)
        except (OSError, ValueError):
            return


# -- scheduling ----------------------------------------------------------------------------------------

def last_durations(*paths: str | Path, warn: Callable[[str], None] | None = None) -> dict[str, float]:
    """Seconds per claim id from earlier runs: ``evidence.json`` files and ``stability-*.json`` sweeps
    (their ``max_seconds``); missing files are skipped, and so are unreadable ones (not JSON, nested too
    deep, a directory, a FIFO ...: ``warn(one line)``); the first file naming a claim wins."""
    from landscape._core.evidence import read_json_file

    out: dict[str, float] = {}
    for p in paths:
        if not os.path.lexists(p):
            continue
        try:
            doc = read_json_file(p, "the last run's file")
        except LandscapeError as e:
            if warn is not None:
                warn(f"{e}; skipped (it only orders the claims, longest first)")
            continue
        if not isinstance(doc, dict):
            continue
        claims = doc.get("claims")
        items: Iterable[tuple[str, Any]] = ()
        if isinstance(claims, list):  # evidence.json
            items = ((c.get("id"), c.get("duration_s")) for c in claims if isinstance(c, dict))
        elif isinstance(claims, dict):  # a stability sweep
            items = ((cid, c.get("max_seconds")) for cid, c in claims.items() if isinstance(c, dict))
        for cid, s in items:
            if isinstance(cid, str) and isinstance(s, (int, float)) and cid not in out:
                out[cid] = float(s)
    return out


def longest_first(tasks: list[Task], durations: dict[str, float]) -> list[Task]:
    """``tasks`` by decreasing expected duration; unknown claims first; ties keep the given order."""
    idx = {t: i for i, t in enumerate(tasks)}
    return sorted(tasks, key=lambda t: (-durations.get(t.claim_id, float("inf")), idx[t]))


# -- backends ------------------------------------------------------------------------------------------

class Pool(Protocol):
    """A backend: run tasks (already in the order to start them), yield progress events."""

    def run(self, tasks: list[Task], fn: Callable[[Task], dict]) -> Iterator[Event]: ...


def _signal_name(code: int | None) -> str:
    if code is None:
        return "no exit status"
    if code < 0:
        try:
            return f"killed by signal {-code} ({signal.Signals(-code).name})"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


#: Seconds a worker may take to start a task (spawn, import torch and the claims) on top of its time limit.
STARTUP_S = 120.0


def timeout_failure(seconds: float) -> str:
    """The error of a task over its time limit."""
    return f"the claim exceeded the time limit of {seconds:g} s (--timeout); its worker process was killed"


class LocalPool:
    """``jobs`` spawned worker processes on this machine, one task each at a time (see the module docstring);
    ``timeout``: seconds per task (None: no limit)."""

    TICK_S = 1.0

    def __init__(self, jobs: int, timeout: float | None = None):
        if jobs < 1:
            raise LandscapeError(f"--jobs {jobs}: expected a positive number of worker processes")
        self.jobs = jobs
        self.timeout = timeout or None

    def run(self, tasks: list[Task], fn: Callable[[Task], dict]) -> Iterator[Event]:
        import multiprocessing as mp
        from multiprocessing.connection import wait

        ctx = mp.get_context("spawn")  # no fork of a process holding torch's thread pools
        queue = list(tasks)
        workers: dict[str, tuple[Any, Any]] = {}  # name -> (process, connection)
        running: dict[str, tuple[Task, float]] = {}
        waiting_start: set[str] = set()  # workers sent a task that has not said "started" yet
        serial = 0

        def spawn() -> str:
            nonlocal serial
            serial += 1
            name = f"w{serial}"
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker_main, args=(child, fn, os.getpid()), name=f"landscape-{name}",
                               daemon=True)
            proc.start()
            child.close()
            workers[name] = (proc, parent)
            return name

        def feed(name: str) -> Event | None:
            if not queue:
                return None
            task = queue.pop(0)
            workers[name][1].send(task)
            running[name] = (task, time.perf_counter())
            waiting_start.add(name)
            return event("start", task, name)

        def deadline(n: str) -> float:  # a worker still starting up (imports) gets STARTUP_S more
            return running[n][1] + (self.timeout or 0) + (STARTUP_S if n in waiting_start else 0)

        def event(kind: str, task: Task, name: str, fin: Finished | None = None) -> Event:
            now = time.perf_counter()
            return Event(kind, task, name, fin, running={w: t for w, (t, _) in running.items()},
                         elapsed={w: now - t0 for w, (_, t0) in running.items()})

        def retire(n: str) -> None:
            proc, conn = workers.pop(n)
            if proc.is_alive():
                proc.kill()
            proc.join(5)
            conn.close()

        try:
            for _ in range(min(self.jobs, len(queue))):
                ev = feed(spawn())
                if ev:
                    yield ev
            last_tick = time.perf_counter()
            while running:
                conns = {workers[n][1]: n for n in running}
                sentinels = {workers[n][0].sentinel: n for n in running}
                now = time.perf_counter()
                wake = last_tick + self.TICK_S
                if self.timeout:
                    wake = min(wake, min(deadline(n) for n in running))
                ready = wait(list(conns) + list(sentinels), timeout=max(0.0, wake - now))
                names = []
                for r in ready:
                    n = conns.get(r) or sentinels.get(r)
                    if n is not None and n not in names:
                        names.append(n)
                now = time.perf_counter()
                if self.timeout:  # over the time limit (and no answer yet): kill the worker, whatever it does
                    for n, (task, t0) in list(running.items()):
                        if n not in names and now >= deadline(n):
                            del running[n]
                            retire(n)
                            fin = Finished(task, n, failure=timeout_failure(self.timeout),
                                           seconds=round(now - t0, 3))
                            yield event("done", task, n, fin)
                            if queue:
                                ev = feed(spawn())
                                if ev:
                                    yield ev
                if not names:
                    if running and now - last_tick >= self.TICK_S:
                        last_tick = now
                        n0 = next(iter(running))
                        yield event("tick", running[n0][0], n0)
                    continue
                for n in names:
                    proc, conn = workers[n]
                    msg = None
                    try:
                        if conn.poll():
                            msg = conn.recv()
                    except (EOFError, OSError):
                        msg = None
                    if msg is not None and msg[0] == "started":
                        running[n] = (running[n][0], time.perf_counter())
                        waiting_start.discard(n)
                        continue
                    waiting_start.discard(n)
                    task, t0 = running.pop(n)
                    secs = round(time.perf_counter() - t0, 3)
                    if msg is None:  # the process died before it could answer
                        proc.join(5)
                        why = (f"worker process {n} (pid {proc.pid}) died while running this claim "
                               f"({_signal_name(proc.exitcode)}); no verdict could be computed")
                        conn.close()
                        del workers[n]
                        fin = Finished(task, n, failure=why, seconds=secs)
                        yield event("done", task, n, fin)
                        if queue:
                            ev = feed(spawn())
                            if ev:
                                yield ev
                        continue
                    status, body = msg
                    fin = (Finished(task, n, computed=json.loads(body), seconds=secs) if status == "ok"
                           else Finished(task, n, failure=f"the worker raised while running this claim: {body}",
                                         seconds=secs))
                    ev = feed(n)  # the worker's next task first: the caller's handling of this result overlaps it
                    yield event("done", task, n, fin)
                    if ev:
                        yield ev
        finally:
            for proc, conn in workers.values():
                try:
                    conn.send(None)
                except (OSError, ValueError):
                    pass
            deadline = time.monotonic() + 2
            for name, (proc, conn) in workers.items():
                if name in running:  # interrupted mid-task: no point waiting for it
                    proc.kill()
                proc.join(max(0.0, deadline - time.monotonic()))
                if proc.is_alive():
                    proc.kill()
                    proc.join(2)
                conn.close()


class OneWorker:
    """One spawned worker process kept for many tasks, one at a time (the pytest plugin's claims):
    :meth:`run` returns the task's :class:`Finished`; a task over ``timeout`` or a worker that dies
    gives a failure and the next task gets a fresh worker.  :meth:`close` stops it."""

    def __init__(self) -> None:
        self._proc: Any = None
        self._conn: Any = None
        self.serial = 0

    def _start(self, fn: Callable[[Task], dict]) -> None:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        self.serial += 1
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_worker_main, args=(child, fn, os.getpid()),
                                 name=f"landscape-w{self.serial}", daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent

    def run(self, task: Task, fn: Callable[[Task], dict], timeout: float | None = None) -> Finished:
        from multiprocessing.connection import wait

        if self._proc is None or not self._proc.is_alive():
            self._start(fn)
        name = f"w{self.serial}"
        t0 = time.perf_counter()
        try:
            self._conn.send(task)
        except (OSError, ValueError):
            self.close()
            self._start(fn)
            self._conn.send(task)
        grace = STARTUP_S  # until the task says it started (the worker's imports)
        try:
            while True:
                left = None if not timeout else timeout + grace - (time.perf_counter() - t0)
                if left is not None and left <= 0:
                    self.close()
                    return Finished(task, name, failure=timeout_failure(timeout), seconds=round(timeout, 3))
                ready = wait([self._conn, self._proc.sentinel], timeout=left)
                if not ready:
                    continue
                msg = None
                try:
                    if self._conn.poll():
                        msg = self._conn.recv()
                except (EOFError, OSError):
                    msg = None
                secs = round(time.perf_counter() - t0, 3)
                if msg is None:
                    self._proc.join(5)
                    why = (f"worker process {name} (pid {self._proc.pid}) died while running this claim "
                           f"({_signal_name(self._proc.exitcode)}); no verdict could be computed")
                    self.close()
                    return Finished(task, name, failure=why, seconds=secs)
                status, body = msg
                if status == "started":
                    t0, grace = time.perf_counter(), 0.0
                    continue
                if status == "ok":
                    return Finished(task, name, computed=json.loads(body), seconds=secs)
                return Finished(task, name, failure=f"the worker raised while running this claim: {body}",
                                seconds=secs)
        except BaseException:
            self.close()  # interrupted: the worker may be mid-task
            raise

    def close(self) -> None:
        """Stop the worker (idempotent)."""
        proc, conn, self._proc, self._conn = self._proc, self._conn, None, None
        if proc is not None:
            if proc.is_alive():
                proc.kill()
            proc.join(5)
        if conn is not None:
            conn.close()


def _dask_execute(fn: Callable[[Task], dict], task: Task) -> tuple[str, str]:  # pragma: no cover - a Dask worker
    """The Dask task: ``(worker address, fn(task) as JSON)``; SystemExit / KeyboardInterrupt raised by the
    claim come back as an exception naming them (a Dask worker must not exit on them)."""
    from distributed import get_worker

    global IN_WORKER
    IN_WORKER = True
    prepare_worker()
    try:
        return get_worker().address, json.dumps(fn(task), allow_nan=False)
    except (SystemExit, KeyboardInterrupt) as e:
        raise RuntimeError(describe_exit(e)) from None


class DaskPool:
    """The tasks on a Dask ``distributed`` cluster (see the module docstring).

    ``address`` None: a ``LocalCluster`` of ``jobs`` worker processes, one thread each, started
    and stopped here; otherwise ``tcp://host:8786`` (or any address ``distributed.Client`` takes).
    """

    POLL_S = 1.0

    def __init__(self, address: str | None, jobs: int, timeout: float | None = None):
        self.timeout = timeout or None
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise LandscapeError("--scheduler needs Dask distributed: pip install -e '.[cluster]' "
                                 "(or pip install 'landscape[cluster]')") from None
        self.address = address
        self.jobs = jobs

    def _client(self) -> tuple[Any, Any]:
        import dask
        from distributed import Client, LocalCluster

        if self.address is None:
            with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):  # one queued task per thread
                cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
            return cluster, Client(cluster)
        try:
            return None, Client(self.address, timeout="20s")
        except (OSError, TimeoutError) as e:
            raise LandscapeError(f"--scheduler {self.address!r}: cannot reach a Dask scheduler there ({e})") from None

    def run(self, tasks: list[Task], fn: Callable[[Task], dict]) -> Iterator[Event]:
        from distributed import wait

        cluster, client = self._client()
        try:
            n = len(tasks)
            futs = {client.submit(_dask_execute, fn, t, key=f"landscape-{t.key}", pure=False, priority=n - i): t
                    for i, t in enumerate(tasks)}
            by_key = {f.key: t for f, t in futs.items()}
            pending = set(futs)
            shown: dict[str, Task] = {}
            since: dict[Task, float] = {}  # when each task was first seen processing
            timed_out: list[Finished] = []
            while pending:
                try:
                    done, pending = wait(pending, timeout=self.POLL_S, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    done = set()
                try:  # which worker is processing what (a worker may hold a queued task besides its current one)
                    now = {w: by_key[ks[0]] for w, ks in client.processing().items() if ks and ks[0] in by_key}
                except Exception:  # noqa: BLE001 - progress only
                    now = shown
                for w, t in now.items():
                    if shown.get(w) != t:
                        since.setdefault(t, time.perf_counter())
                        yield Event("start", t, w, running=dict(now))
                shown = now
                if self.timeout:  # over the limit: give up on the task and restart its worker (stops the claim)
                    t_now = time.perf_counter()
                    for f in list(pending):
                        t = futs[f]
                        if t in since and t_now - since[t] >= self.timeout:
                            pending.discard(f)
                            w = next((w for w, x in now.items() if x == t), None)
                            try:
                                f.cancel()
                                if w is not None:
                                    client.restart_workers([w])
                            except Exception:  # noqa: BLE001 - best effort: the verdict is an error anyway
                                pass
                            fin = Finished(t, w or "?", failure=timeout_failure(self.timeout).replace(
                                "its worker process was killed", "its Dask worker was restarted"),
                                seconds=round(t_now - since[t], 3))
                            yield Event("done", t, fin.worker, fin, running=dict(shown))
                if shown:
                    t_now = time.perf_counter()
                    w0, t0 = next(iter(shown.items()))
                    yield Event("tick", t0, w0, running=dict(shown),
                                elapsed={w: t_now - since.get(t, t_now) for w, t in shown.items()})
                for f in done:
                    t = futs[f]
                    try:
                        worker, body = f.result()
                        fin = Finished(t, worker, computed=json.loads(body))
                    except Exception as e:  # noqa: BLE001 - KilledWorker, a worker's exception, a lost connection
                        fin = Finished(t, "?", failure=f"the Dask cluster returned no result for this claim: "
                                                       f"{e.__class__.__name__}: {e}")
                    yield Event("done", t, fin.worker, fin, running=dict(shown))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def make_pool(jobs: int, scheduler: str | None, timeout: float | None = None) -> Pool:
    """``--scheduler`` given (``"local"`` for a LocalCluster): a :class:`DaskPool`, else a :class:`LocalPool`;
    ``timeout``: seconds per task (None: no limit)."""
    if scheduler is not None:
        return DaskPool(None if scheduler == "local" else scheduler, jobs, timeout)
    return LocalPool(jobs, timeout)


def run_tasks(tasks: list[Task], pool: Pool, fn: Callable[[Task], dict], *, durations: dict[str, float] | None = None,
              progress: Callable[[Event], None] | None = None) -> dict[Task, Finished]:
    """Run ``fn(task)`` for every task on ``pool``, longest first; returns every task's :class:`Finished`.

    ``fn`` must be a module-level function (workers import it by name) returning plain JSON.
    """
    out: dict[Task, Finished] = {}
    for ev in pool.run(longest_first(tasks, durations or {}), fn):
        if ev.kind == "done" and ev.task in out:  # a Dask task given up on (time limit) that finished anyway
            continue
        if ev.kind == "done" and ev.finished is not None:
            out[ev.task] = ev.finished
        if progress:
            progress(ev)
    missing = [t.key for t in tasks if t not in out]
    if missing:  # a backend bug, never a silent hole in a report
        raise RuntimeError(f"parallel run returned no result for {', '.join(missing)}")
    return out


__all__ = ["DaskPool", "Event", "Finished", "LocalPool", "OneWorker", "Pool", "Task", "describe_exit", "last_durations",
           "longest_first", "make_pool", "prepare_worker", "resolve_jobs", "run_tasks", "timeout_failure",
           "usable_cores", "watch_parent"]
