"""Evidence records, counterexample files, atomic writes and replay.

``evidence.json`` schema (version :data:`SCHEMA_VERSION`) -- documented in README.md:
top level ``schema_version, landscape_version, profile, seed, started, duration_s,
environment, tolerance, claims`` (and ``fixtures``: the cross-examination library, ``landscapes``: the
pictures of its certified points, :mod:`landscape._lib.slices`); each claim object carries at least ``id, title, source,
paper_ref (see landscape._core.papers), statement, hypotheses, expected, paper, verdict, passed, examples, statistics, margin,
counterexample, duration_s``.

A counterexample file ``counterexamples/<claim id>.json`` holds ``schema_version``,
``claim``, ``landscape_version``, ``profile``, ``seed``, ``outcome`` (status, margin,
numbers when written), ``payload`` (everything the claim's replay function needs) and
``checksum`` (sha256 of the canonical JSON of every other field of the file): an edited
file -- payload, outcome, seed, profile or claim -- is reported as tampered, not silently
replayed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

from landscape._version import __version__
from landscape._lib.errors import LandscapeError
from landscape._lib.jsonable import jsonable

SCHEMA_VERSION = 1
COUNTEREXAMPLE_SCHEMA_VERSION = 2  # 2: the checksum covers every field, not only claim + payload


@dataclass
class Evidence:
    """Everything the report says about one claim."""

    id: str
    title: str
    source: str
    statement: str
    hypotheses: list[str]
    expected: str
    paper: str
    why: str
    verdict: str
    examples: int = 0
    statistics: dict[str, Any] = field(default_factory=dict)
    margin: float | None = None
    tried: str = ""
    counterexample: str | None = None
    counterexample_outcome: dict[str, Any] | None = None
    figures: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    error: str | None = None
    #: the file ``--claims-from`` must load to find a claim that is not built in (relative to the run's
    #: directory when under it: what the report's replay commands need); None for the built-in claims
    claims_from: str | None = None

    @property
    def passed(self) -> bool:
        """The claim's test passes when the computed verdict is the expected one."""
        return self.verdict == self.expected

    @property
    def proof(self) -> str | None:
        """How strongly the refuting point was shown (``exact`` / ``interval`` / ``multiprecision`` / ``float64``),
        when the refutation rests on a certified critical point or minimum; None otherwise."""
        o = self.counterexample_outcome
        return o.get("proof") if self.verdict == "refuted" and isinstance(o, dict) else None

    def as_dict(self) -> dict[str, Any]:
        from landscape._core.papers import paper_ref

        d: dict[str, Any] = {}
        for k, v in asdict(self).items():
            d[k] = v
            if k == "source":  # derived (authors, title, year of the source's paper), not a field
                d["paper_ref"] = paper_ref(self.source)
        d["passed"] = self.passed
        d["proof"] = self.proof
        d["surprise"] = self.expected != self.paper
        return jsonable(d)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Evidence":
        keys = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in keys})


#: The libraries whose versions ``environment()`` records (module name -> distribution name): a
#: search's examples depend on Hypothesis' version, the exact decisions on sympy's and mpmath's.
RECORDED_LIBRARIES: dict[str, str] = {"hypothesis": "hypothesis", "sympy": "sympy", "mpmath": "mpmath",
                                      "scipy": "scipy", "matplotlib": "matplotlib"}

#: Time limit of each ``git`` call of :func:`git_provenance` (seconds).
GIT_TIMEOUT_S = 3.0


def environment() -> dict[str, Any]:
    """What a run's numbers depend on, for ``evidence.json``: the versions of Python, torch, numpy and
    :data:`RECORDED_LIBRARIES` (null when one is not installed), the platform, and the git commit of
    the landscape checkout with whether its work tree is dirty (:func:`git_provenance`)."""
    import numpy
    import torch

    env: dict[str, Any] = {"python": sys.version.split()[0], "torch": torch.__version__, "numpy": numpy.__version__}
    env |= {name: library_version(name, dist) for name, dist in RECORDED_LIBRARIES.items()}
    env |= {"platform": platform.platform(), "machine": platform.machine()}
    return env | git_provenance()


def library_version(module: str, dist: str | None = None) -> str | None:
    """The version of ``module`` as imported (its ``__version__``), else of the installed distribution
    ``dist`` (default: ``module``); None when it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    v = getattr(sys.modules.get(module), "__version__", None)
    if isinstance(v, str):
        return v
    try:
        return version(dist or module)
    except PackageNotFoundError:
        return None


def _git(directory: Path, *args: str) -> str | None:
    """``git -C directory ARGS``'s output, or None (git missing, not a checkout, an error, over time)."""
    import subprocess

    env = os.environ | {"GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}  # `git status` must not take the index lock
    try:
        r = subprocess.run(["git", "-C", str(directory), *args], capture_output=True, text=True, env=env,
                           stdin=subprocess.DEVNULL, timeout=GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout if r.returncode == 0 else None


def git_provenance(directory: str | Path | None = None, *, tracked: str | None = "__init__.py") -> dict[str, Any]:
    """``{"git_commit": HEAD's sha, "git_dirty": bool}`` of the checkout holding ``directory`` (default:
    the landscape package's directory): ``git rev-parse HEAD`` and ``git status --porcelain`` (untracked
    files count as dirty) run there, each under :data:`GIT_TIMEOUT_S`.  Both are None when git is
    missing or too slow and when ``directory`` is not in a checkout -- also when the file ``tracked`` of
    ``directory`` is not tracked by it (the package installed in a directory the repository ignores,
    such as a virtual environment inside a project, is not that project's code)."""
    d = Path(directory) if directory is not None else Path(__file__).resolve().parent
    head = _git(d, "rev-parse", "--verify", "HEAD")
    known = head is not None and (tracked is None or _git(d, "ls-files", "--error-unmatch", "--", tracked) is not None)
    status = _git(d, "status", "--porcelain") if known else None
    if not head or status is None:
        return {"git_commit": None, "git_dirty": None}
    return {"git_commit": head.strip(), "git_dirty": bool(status.strip())}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same directory and a rename."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; the result gets the usual permissions
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def dumps(obj: Any) -> str:
    return json.dumps(jsonable(obj), indent=2, sort_keys=False, allow_nan=False) + "\n"


def _checksum(doc: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of ``doc`` without its ``checksum`` field."""
    body = {k: v for k, v in doc.items() if k != "checksum"}
    canon = json.dumps(jsonable(body), sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canon.encode()).hexdigest()


def write_counterexample(directory: str | Path, claim_id: str, payload: dict[str, Any], outcome: dict[str, Any],
                         *, profile: str, seed: int) -> Path:
    """Write ``<directory>/<claim_id>.json`` atomically; returns its path."""
    doc = {
        "schema_version": COUNTEREXAMPLE_SCHEMA_VERSION,
        "claim": claim_id,
        "landscape_version": __version__,
        "profile": profile,
        "seed": seed,
        "outcome": jsonable(outcome),
        "payload": encode_payload(payload),
    }
    doc["checksum"] = _checksum(doc)
    path = Path(directory) / f"{claim_id}.json"
    atomic_write(path, dumps(doc))
    return path


#: Limits of the JSON files a run reads (counterexamples, evidence.json, stability sweeps): bytes, nesting.
MAX_JSON_BYTES = 256 * 2**20
MAX_JSON_DEPTH = 200

#: How a counterexample payload stores a float that JSON cannot hold: ``{"$float": "nan" | "inf" | "-inf"}``.
FLOAT_TAG = "$float"


def _kind(mode: int) -> str | None:
    """What a file that is not a regular file is (None for a regular file)."""
    import stat

    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) else "not a regular file"


def json_depth_exceeds(x: Any, limit: int) -> bool:
    """Is ``x`` nested deeper than ``limit`` lists / objects (checked without recursion)?"""
    stack = [(x, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, (dict, list)):
            if d > limit:
                return True
            stack.extend((w, d + 1) for w in (v.values() if isinstance(v, dict) else v))
    return False


def read_json_file(path: str | Path, what: str, *, max_bytes: int = MAX_JSON_BYTES,
                   max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The JSON value of the file ``path``, or LandscapeError (one line: "WHAT 'path' is a FIFO ...").

    Only a regular file is opened (a directory, FIFO or device is named, never read: a FIFO would
    block); it must hold at most ``max_bytes`` of UTF-8 JSON nested at most ``max_depth`` deep,
    without integers too long for Python (``sys.get_int_max_str_digits``).
    """
    where = f"{what} {str(path)!r}"
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise LandscapeError(f"{where} does not exist") from None
    except OSError as e:
        raise LandscapeError(f"{where} cannot be read ({e.strerror or e})") from None
    kind = _kind(st.st_mode)
    if kind is not None:
        raise LandscapeError(f"{where} is {kind}; expected a JSON file")
    if st.st_size > max_bytes:
        raise LandscapeError(f"{where} is too large ({st.st_size} bytes; at most {max_bytes})")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # never blocks (a file swapped for a FIFO)
        with os.fdopen(fd, "rb") as f:
            if _kind(os.fstat(f.fileno()).st_mode) is not None:
                raise LandscapeError(f"{where} is not a regular file; expected a JSON file")
            data = f.read(max_bytes + 1)
    except OSError as e:
        raise LandscapeError(f"{where} cannot be read ({e.strerror or e})") from None
    if len(data) > max_bytes:
        raise LandscapeError(f"{where} is too large (more than {max_bytes} bytes)")
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise LandscapeError(f"{where} is not valid JSON (not UTF-8 text)") from None
    except RecursionError:
        raise LandscapeError(f"{where} is not a usable JSON file: nested deeper than {max_depth} levels") from None
    except ValueError as e:  # JSONDecodeError, or an integer with more digits than Python converts
        msg = " ".join(str(e).split())
        msg = msg if len(msg) <= 200 else msg[:196] + " ..."
        raise LandscapeError(f"{where} is not valid JSON ({msg})") from None
    if json_depth_exceeds(doc, max_depth):
        raise LandscapeError(f"{where} is not a usable JSON file: nested deeper than {max_depth} levels")
    return doc


def encode_payload(x: Any) -> Any:
    """A payload as strict JSON that keeps every float: :func:`jsonable`, except that NaN and +-inf are
    stored as ``{"$float": "nan"}`` etc. (:func:`decode_payload` gives them back)."""
    import math

    import numpy as np

    if isinstance(x, dict):
        return {str(k): encode_payload(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [encode_payload(v) for v in x]
    if isinstance(x, np.ndarray):
        return encode_payload(x.tolist())
    if isinstance(x, (np.floating, float)) and not isinstance(x, bool) and not math.isfinite(float(x)):
        f = float(x)
        return {FLOAT_TAG: "nan" if math.isnan(f) else ("inf" if f > 0 else "-inf")}
    return jsonable(x)


def decode_payload(x: Any) -> Any:
    """Undo :func:`encode_payload` (iteratively: the depth was checked by :func:`read_json_file`)."""
    if isinstance(x, dict) and len(x) == 1 and x.get(FLOAT_TAG) in ("nan", "inf", "-inf"):
        return float(x[FLOAT_TAG])
    if isinstance(x, dict):
        return {k: decode_payload(v) for k, v in x.items()}
    if isinstance(x, list):
        return [decode_payload(v) for v in x]
    return x


class ForeignCounterexample(LandscapeError):
    """A stored counterexample file that records another claim than the one it is replayed for."""


def read_counterexample(path: str | Path) -> dict[str, Any]:
    """Load and validate a counterexample file; a bad file raises LandscapeError (one line).

    The payload comes back with its non-finite floats restored (:func:`decode_payload`).
    """
    doc = read_json_file(path, "counterexample file")
    if not isinstance(doc, dict):
        raise LandscapeError(f"counterexample file {str(path)!r} holds a {type(doc).__name__}; expected a JSON object")
    for key in ("schema_version", "claim", "payload", "checksum"):
        if key not in doc:
            raise LandscapeError(f"counterexample file {str(path)!r} lacks the field {key!r}")
    if doc["schema_version"] != COUNTEREXAMPLE_SCHEMA_VERSION:
        raise LandscapeError(f"counterexample file {str(path)!r} has schema_version {doc['schema_version']!r}; "
                             f"expected {COUNTEREXAMPLE_SCHEMA_VERSION}")
    if not isinstance(doc["payload"], dict):
        raise LandscapeError(f"counterexample file {str(path)!r}: payload is not a JSON object")
    if _checksum(doc) != doc["checksum"]:
        raise LandscapeError(f"counterexample file {str(path)!r} fails its checksum: it was edited after it was "
                             "written (tampered or corrupted)")
    if not isinstance(doc["claim"], str):
        raise LandscapeError(f"counterexample file {str(path)!r}: claim is not a string")
    doc["payload"] = decode_payload(doc["payload"])
    return doc


@dataclass
class ReplayReport:
    path: str
    claim: str
    still_refutes: bool
    outcome: dict[str, Any]


#: Default time limit of ``landscape replay`` (seconds per file).
REPLAY_TIMEOUT_S = 300.0
#: The longest time limit a run accepts (``--timeout``): about 11.6 days (a timer takes no more).
MAX_TIMEOUT_S = 1e6


def check_timeout(value: float | None, option: str = "--timeout") -> float | None:
    """``value`` if it is a time limit in seconds (0 or None: no limit), else LandscapeError (one line)."""
    import math

    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or not (
            0 <= value <= MAX_TIMEOUT_S):
        raise LandscapeError(f"{option} {value!r}: expected a number of seconds from 0 (no limit) to "
                             f"{MAX_TIMEOUT_S:g}")
    return float(value) or None


class TimeLimitExceeded(LandscapeError):
    """A replay ran past its time limit (:func:`time_limit`)."""


class _Alarm(BaseException):
    """Raised by the SIGALRM handler of :func:`time_limit` (a BaseException: no ``except Exception`` eats it)."""


@contextlib.contextmanager
def time_limit(seconds: float | None, what: str) -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` ("WHAT exceeded the time limit of S s") once ``seconds`` have passed.

    Uses ``signal.setitimer`` / SIGALRM, so it only acts in the main thread of a platform that
    has them; elsewhere (and for ``seconds`` None or 0) the body runs without a limit.  Long
    calls into C (one huge SVD) are interrupted when they return to Python.
    """
    import signal
    import threading
    import time

    if not seconds or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):  # noqa: ANN001 - signal handler signature
        raise _Alarm()

    old_handler = signal.signal(signal.SIGALRM, on_alarm)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, float(seconds))
    t0 = time.monotonic()
    try:
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Alarm:
        raise TimeLimitExceeded(f"{what} exceeded the time limit of {seconds:g} s") from None
    finally:
        signal.signal(signal.SIGALRM, old_handler)
        if outer:  # an enclosing timer was running: give it back what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - t0), 1e-3))


def _one_line(e: BaseException, limit: int = 400) -> str:
    s = " ".join(str(e).split())
    return s if len(s) <= limit else s[: limit - 4] + " ..."


def replay(path: str | Path, *, timeout: float | None = None, any_error_malformed: bool = False,
           claim_id: str | None = None) -> ReplayReport:
    """Re-check a counterexample file with its claim's replay function.

    A claim without one is replayed generically from the search example stored in the file
    (:func:`landscape._core.context.replay_stored_example`).  A LandscapeError of the replay (the
    payload helpers of :mod:`landscape._lib.payload` name the bad field) and a KeyError, TypeError
    or IndexError are reported as a malformed file (LandscapeError); with
    ``any_error_malformed`` (``landscape replay``) so is *every* exception (a ValueError, a
    torch shape mismatch ...).  Without it other exceptions propagate: the runner keeps a
    stored file whose replay crashes (a bug in a replay function must not delete it).
    ``timeout`` (seconds, None: no limit) bounds the replay (:func:`time_limit`).
    """
    from landscape._core import registry
    from landscape._core.context import NotReplayable, Outcome, replay_stored_example

    timeout = check_timeout(timeout)
    doc = read_counterexample(path)
    if claim_id is not None and doc["claim"] != claim_id:
        raise ForeignCounterexample(f"counterexample file {str(path)!r} records the claim {doc['claim']!r}, not "
                                    f"{claim_id!r}: not replayed for {claim_id!r}")
    c = registry.get(str(doc["claim"]))
    where = f"counterexample file {str(path)!r}"
    try:
        with time_limit(timeout, f"replay of {str(path)!r}"):
            if c.replay is not None:
                o = c.replay(doc["payload"])
            else:
                o = replay_stored_example(c, doc["payload"], profile=str(doc.get("profile", "quick")),
                                          seed=int(doc.get("seed", 0)))
    except (TimeLimitExceeded, NotReplayable) as e:
        raise type(e)(f"{_one_line(e)} ({where})" if isinstance(e, NotReplayable) else _one_line(e)) from None
    except _Alarm:  # the alarm fired just as the replay finished
        raise TimeLimitExceeded(f"replay of {str(path)!r} exceeded the time limit of {timeout:g} s") from None
    except LandscapeError as e:
        raise LandscapeError(f"{where} is malformed: {_one_line(e)}") from None
    except Exception as e:  # noqa: BLE001 - whatever a payload makes a replay function raise, it is malformed
        if not (any_error_malformed or isinstance(e, (KeyError, TypeError, IndexError, RecursionError))):
            raise
        raise LandscapeError(f"{where} is malformed: its replay raised {e.__class__.__name__}: {_one_line(e)}") from None
    if not isinstance(o, Outcome):
        raise LandscapeError(f"the replay function of claim {c.id!r} returned {type(o).__name__}; expected an Outcome")
    return ReplayReport(str(path), c.id, o.status == "fails",
                        {"status": o.status, "margin": o.margin, "stats": jsonable(o.stats), "note": o.note})


def evidence_document(evs: list[Evidence], *, profile: str, seed: int, started: str, duration_s: float) -> dict:
    from landscape._lib.tolerance import policy_summary

    return jsonable({
        "schema_version": SCHEMA_VERSION,
        "landscape_version": __version__,
        "profile": profile,
        "seed": seed,
        "started": started,
        "duration_s": round(duration_s, 3),
        "environment": environment(),
        "tolerance": policy_summary(),
        "summary": {v: sum(1 for e in evs if e.verdict == v) for v in ("supported", "refuted", "inconclusive", "error")}
        | {"passed": sum(1 for e in evs if e.passed), "claims": len(evs)},
        "claims": [e.as_dict() for e in evs],
        "fixtures": _fixture_summaries(),
        "landscapes": _landscape_records(evs),
    })


def _fixture_summaries() -> list[dict]:
    """The cross-examination library as it stood for this run (see landscape._lib.fixtures)."""
    from landscape._lib import fixtures

    try:
        return [f.summary() for f in fixtures.all_fixtures()]
    except Exception as e:  # noqa: BLE001 - a broken builder must not lose the report
        return [{"error": f"{e.__class__.__name__}: {e}"}]


def _landscape_records(evs: list[Evidence]) -> list[dict]:
    """Pictures of the certified points (:mod:`landscape._lib.slices`): for the library's bad minima, stationary
    points and counterexamples -- and Jiang's dead-on-data construction and the essay's dead-ReLU plateau, which are
    not fixtures -- 1-D / 2-D loss slices and the Hessian spectrum, each record ``{"fixture", "source" (the claim
    that built it), "kind", "loss", "global_min_loss", "figures": [spec, ...], ...}``.  Only points whose source
    claim is among the built-in claims of this run (a run of user claims only builds nothing); a broken record
    becomes an entry with an ``error`` key, never a lost report."""
    try:
        from landscape._lib import fixtures, slices

        claims = {e.id for e in evs if e.claims_from is None}
        if not claims:
            return []
        return slices.records(fixtures.all_fixtures(), claims)
    except Exception as e:  # noqa: BLE001 - a broken builder or record must not lose the report
        return [{"error": f"{e.__class__.__name__}: {e}"}]
