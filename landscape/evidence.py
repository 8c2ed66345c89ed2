"""Evidence records, counterexample files, atomic writes and replay.

``evidence.json`` schema (version :data:`SCHEMA_VERSION`) -- documented in README.md:
top level ``schema_version, landscape_version, profile, seed, started, duration_s,
environment, tolerance, claims``; each claim object carries at least ``id, title, source,
statement, hypotheses, expected, paper, verdict, passed, examples, statistics, margin,
counterexample, duration_s``.

A counterexample file ``counterexamples/<claim id>.json`` holds ``schema_version``,
``claim``, ``landscape_version``, ``profile``, ``seed``, ``outcome`` (status, margin,
numbers when written), ``payload`` (everything the claim's replay function needs) and
``checksum`` (sha256 of the canonical JSON of every other field of the file): an edited
file -- payload, outcome, seed, profile or claim -- is reported as tampered, not silently
replayed.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import LandscapeError

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

    @property
    def passed(self) -> bool:
        """The claim's test passes when the computed verdict is the expected one."""
        return self.verdict == self.expected

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["passed"] = self.passed
        d["surprise"] = self.expected != self.paper
        return jsonable(d)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Evidence":
        keys = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in keys})


def jsonable(x: Any) -> Any:
    """Convert numpy scalars/arrays and non-finite floats to strict-JSON values."""
    import numpy as np

    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, (np.floating, float)):
        f = float(x)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.bool_,)):
        return bool(x)
    return x


def environment() -> dict[str, str]:
    import numpy
    import torch

    return {"python": sys.version.split()[0], "torch": torch.__version__, "numpy": numpy.__version__,
            "platform": platform.platform(), "machine": platform.machine()}


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
        "payload": jsonable(payload),
    }
    doc["checksum"] = _checksum(doc)
    path = Path(directory) / f"{claim_id}.json"
    atomic_write(path, dumps(doc))
    return path


def read_counterexample(path: str | Path) -> dict[str, Any]:
    """Load and validate a counterexample file; a bad file raises LandscapeError (one line)."""
    p = Path(path)
    if not p.is_file():
        raise LandscapeError(f"counterexample file {str(path)!r} does not exist")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise LandscapeError(f"counterexample file {str(path)!r} is not valid JSON ({e.__class__.__name__}: {e})") from None
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
    return doc


@dataclass
class ReplayReport:
    path: str
    claim: str
    still_refutes: bool
    outcome: dict[str, Any]


def replay(path: str | Path) -> ReplayReport:
    """Re-check a counterexample file with its claim's replay function."""
    from . import registry

    doc = read_counterexample(path)
    c = registry.get(str(doc["claim"]))
    if c.replay is None:
        raise LandscapeError(f"claim {c.id!r} has no replay function; cannot replay {str(path)!r}")
    try:
        o = c.replay(doc["payload"])
    except LandscapeError as e:
        raise LandscapeError(f"counterexample file {str(path)!r} is malformed: {e}") from None
    except (KeyError, TypeError, IndexError) as e:
        raise LandscapeError(f"counterexample file {str(path)!r} is malformed: payload field error "
                             f"{e.__class__.__name__}: {e}") from None
    return ReplayReport(str(path), c.id, o.status == "fails",
                        {"status": o.status, "margin": o.margin, "stats": jsonable(o.stats), "note": o.note})


def outcome_dict(o) -> dict[str, Any]:
    return jsonable({"status": o.status, "margin": o.margin, "stats": o.stats, "note": o.note})


def evidence_document(evs: list[Evidence], *, profile: str, seed: int, started: str, duration_s: float) -> dict:
    from .tolerance import policy_summary

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
    })


def _fixture_summaries() -> list[dict]:
    """The cross-examination library as it stood for this run (see landscape.fixtures)."""
    from . import fixtures

    try:
        return [f.summary() for f in fixtures.all_fixtures()]
    except Exception as e:  # noqa: BLE001 - a broken builder must not lose the report
        return [{"error": f"{e.__class__.__name__}: {e}"}]


