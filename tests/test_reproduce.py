"""Every command the suite prints runs as printed: pytest's ``reproduce:`` line for a claim of a user
test file, and the ``replay:`` line of ``landscape check --claims-from FILE`` (run in a shell, from
the directory they were printed in, in fresh processes that know only the built-in claims)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from landscape._core import registry
from landscape._core.commands import check_command, claims_from, display_path, replay_command
from landscape._core.runner import run_claim

CLAIMS = '''
from hypothesis import strategies as st

from landscape import Context, Outcome, Result, claim


@claim("repro.refutes", title="x < 3 on 0..10", source="test", statement="every x in 0..10 is < 3",
       expected="supported")
def refutes(ctx: Context) -> Result:
    return ctx.search(st.integers(0, 10), lambda x: Outcome.fails({"x": x}) if x >= 3 else Outcome.holds(1.0),
                      label="x").result(tried="integers 0..10")


@refutes.replayer
def _replay(payload: dict) -> Outcome:
    return Outcome.fails(payload) if int(payload["x"]) >= 3 else Outcome.holds(1.0)
'''


def _env() -> dict[str, str]:
    """This interpreter's ``landscape`` first on PATH; one torch thread."""
    return os.environ | {"PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
                         "LANDSCAPE_TORCH_THREADS": "1"}


def _sh(cmd: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, shell=True, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


def _printed(prefix: str, text: str) -> list[str]:
    """The distinct commands printed after ``prefix`` (e.g. ``reproduce: ``) in ``text``, in order (pytest
    repeats a failure's message in its short summary when CI is set)."""
    found = [m.group(1).strip() for m in re.finditer(rf"^\s*{re.escape(prefix)}(landscape .*)$", text, re.M)]
    return list(dict.fromkeys(found))


def test_reproduce_and_replay_lines_run_as_printed(tmp_path):
    """pytest (with Hypothesis' ``ci`` profile, which is not a landscape budget) fails the user's claim
    and prints a reproduce line; run in a shell it gives the same verdict (exit 1) and prints a replay
    line; that one replays the counterexample (exit 0).  The file lies in a directory with a space."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "my tests").mkdir()
    (tmp_path / "my tests" / "test_repro.py").write_text(CLAIMS)
    r = _sh(f"{shlex.quote(sys.executable)} -m pytest 'my tests/test_repro.py' -p no:cacheprovider "
            f"--hypothesis-profile ci --landscape-counterexamples cx", tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "landscape: profile quick, seed 0 (Hypothesis profile 'ci' is not a landscape budget" in r.stdout
    assert ("landscape: Hypothesis profile 'ci' is not a landscape budget; the claims ran with 'quick'"
            in r.stdout), r.stdout
    [repro] = _printed("reproduce: ", r.stdout)
    assert repro == ("landscape check repro.refutes --profile quick --seed 0 --claims-from 'my tests/test_repro.py' "
                     "--counterexamples cx")

    c = _sh(repro, tmp_path)
    assert c.returncode == 1, c.stdout + c.stderr  # the verdict differs from the expectation, as under pytest
    assert "repro.refutes: refuted (expected supported" in c.stdout
    first, second = c.stderr.splitlines()[:2]  # where it writes, then what it does
    assert first.startswith("landscape: writing counterexamples to ") and first.endswith("/cx/"), c.stderr
    assert second == "checking repro.refutes (quick profile, seed 0) ...", c.stderr
    [rep] = _printed("replay: ", c.stdout)
    assert rep == "landscape replay cx/repro.refutes.json --claims-from 'my tests/test_repro.py'"

    p = _sh(rep, tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "cx/repro.refutes.json: repro.refutes: still refutes" in p.stdout


@pytest.fixture
def user_file(tmp_path, monkeypatch):
    """The claims file loaded with ``--claims-from`` semantics, from its own directory."""
    (tmp_path / "sub").mkdir()
    f = tmp_path / "sub" / "claims.py"
    f.write_text(CLAIMS)
    monkeypatch.chdir(tmp_path)
    registry.load_file("sub/claims.py")
    yield f
    registry._REGISTRY.pop("repro.refutes", None)


def test_commands_name_the_file_of_a_user_claim(user_file, tmp_path):
    c = registry.get("repro.refutes")
    assert registry.defining_file(c) == user_file
    assert claims_from([c]) == ["sub/claims.py"]
    assert claims_from([c], cwd=tmp_path / "sub") == ["claims.py"]
    assert claims_from([c], cwd=tmp_path / "elsewhere") == [str(user_file)]  # not under the cwd: absolute
    assert check_command(c, profile="standard", seed=3) == (
        "landscape check repro.refutes --profile standard --seed 3 --claims-from sub/claims.py")
    assert replay_command(tmp_path / "cx" / "a b.json", claims_from_files=claims_from([c])) == (
        "landscape replay 'cx/a b.json' --claims-from sub/claims.py")


def test_built_in_claims_need_no_claims_from(user_file):
    b = registry.get("lds.assumption2")
    assert registry.defining_file(b) is None and claims_from([b]) == []
    both = [b, registry.get("repro.refutes")]
    assert check_command(both, counterexamples="cx") == (
        "landscape check lds.assumption2 repro.refutes --profile quick --seed 0 --claims-from sub/claims.py "
        "--counterexamples cx")
    assert display_path("/") == "/"


def test_evidence_records_the_claims_file(user_file, tmp_path):
    """``landscape report --claims-from FILE``'s evidence says which file defines the claim (null when built in),
    so a report's commands can name it."""
    ev = run_claim(registry.get("repro.refutes"), counterexample_dir=tmp_path / "cx")
    assert ev.verdict == "refuted" and ev.claims_from == "sub/claims.py"
    assert ev.as_dict()["claims_from"] == "sub/claims.py"
    assert run_claim(registry.get("lds.assumption2")).claims_from is None
