"""Provenance: evidence.json's ``environment`` names every library a verdict depends on and the git
commit of the checkout (with whether its work tree is dirty); null where git cannot say.  The
counterexample files keep their schema (they are checksummed and committed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest

import landscape
from landscape._core import evidence
from landscape._core.evidence import environment, evidence_document, git_provenance, write_counterexample

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=os.environ | {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                                            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
                          ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with one commit: a tracked ``pkg/__init__.py`` and an ignored ``venv/``."""
    r = tmp_path / "repo"
    (r / "pkg").mkdir(parents=True)
    (r / "pkg" / "__init__.py").write_text("")
    (r / ".gitignore").write_text("venv/\n")
    _git(r, "init", "-q")
    _git(r, "add", ".")
    _git(r, "commit", "-q", "-m", "one")
    return r


def test_environment_names_every_library_and_the_checkout():
    env = environment()
    assert list(env) == ["python", "torch", "numpy", "hypothesis", "sympy", "mpmath", "scipy", "matplotlib",
                         "platform", "machine", "git_commit", "git_dirty"]
    for lib in ("hypothesis", "sympy", "mpmath", "scipy", "matplotlib"):
        assert env[lib] == version(lib), lib
    assert env["numpy"] == version("numpy") and env["torch"].split("+")[0] == version("torch").split("+")[0]
    json.dumps(env, allow_nan=False)  # strict JSON as it is


def test_evidence_document_carries_the_environment(monkeypatch):
    monkeypatch.setattr(evidence, "_fixture_summaries", list)  # building the fixture library takes seconds
    doc = evidence_document([], profile="quick", seed=0, started="2026-01-01T00:00:00+00:00", duration_s=0.0)
    assert {"hypothesis", "sympy", "mpmath", "scipy", "matplotlib", "git_commit", "git_dirty"} <= set(doc["environment"])


@needs_git
def test_the_package_checkout_is_recorded_as_git_says():
    pkg = Path(landscape.__file__).resolve().parent
    head = subprocess.run(["git", "-C", str(pkg), "rev-parse", "HEAD"], capture_output=True, text=True)
    tracked = subprocess.run(["git", "-C", str(pkg), "ls-files", "--error-unmatch", "__init__.py"],
                             capture_output=True, text=True)
    got = git_provenance()
    if head.returncode or tracked.returncode:  # installed from a wheel or an sdist: no checkout to name
        assert got == {"git_commit": None, "git_dirty": None}
    else:
        status = subprocess.run(["git", "-C", str(pkg), "status", "--porcelain"], capture_output=True, text=True)
        assert got == {"git_commit": head.stdout.strip(), "git_dirty": bool(status.stdout.strip())}


@needs_git
def test_commit_and_dirty_work_tree(repo):
    head = _git(repo, "rev-parse", "HEAD")
    assert len(head) == 40
    assert git_provenance(repo / "pkg") == {"git_commit": head, "git_dirty": False}
    (repo / "new.txt").write_text("untracked")
    assert git_provenance(repo / "pkg") == {"git_commit": head, "git_dirty": True}
    (repo / "new.txt").unlink()
    (repo / "pkg" / "__init__.py").write_text("x = 1\n")  # a tracked file edited
    assert git_provenance(repo / "pkg") == {"git_commit": head, "git_dirty": True}
    assert not (repo / ".git" / "index.lock").exists()


@needs_git
def test_no_checkout_no_commit_and_an_ignored_install_is_not_the_repository(repo, tmp_path):
    none = {"git_commit": None, "git_dirty": None}
    plain = tmp_path / "plain"
    plain.mkdir()
    assert git_provenance(plain) == none
    # the package installed in an ignored virtual environment inside someone's repository
    site = repo / "venv" / "lib" / "landscape"
    site.mkdir(parents=True)
    (site / "__init__.py").write_text("")
    assert git_provenance(site) == none
    # a repository without a commit yet
    empty = tmp_path / "empty"
    empty.mkdir()
    _git(empty, "init", "-q")
    assert git_provenance(empty, tracked=None) == none


@needs_git  # for the repository the fake gits look at
def test_git_missing_or_too_slow_gives_null(tmp_path, monkeypatch, repo):
    none = {"git_commit": None, "git_dirty": None}
    bare = tmp_path / "no-git"
    bare.mkdir()
    monkeypatch.setenv("PATH", str(bare))
    assert git_provenance(repo / "pkg") == none
    slow = tmp_path / "slow-git"
    slow.mkdir()
    (slow / "git").write_text("#!/bin/sh\nexec sleep 10\n")
    (slow / "git").chmod(0o755)
    monkeypatch.setenv("PATH", str(slow))
    monkeypatch.setattr(evidence, "GIT_TIMEOUT_S", 0.2)
    import time

    t0 = time.monotonic()
    assert git_provenance(repo / "pkg") == none
    assert time.monotonic() - t0 < 5


def test_counterexample_files_keep_their_schema(tmp_path):
    p = write_counterexample(tmp_path, "lds.assumption2.paper_examples", {"activation": "sigmoid", "order": 2},
                             {"status": "fails"}, profile="quick", seed=0)
    doc = json.loads(p.read_text())
    assert set(doc) == {"schema_version", "claim", "landscape_version", "profile", "seed", "outcome", "payload",
                        "checksum"}
    assert doc["schema_version"] == evidence.COUNTEREXAMPLE_SCHEMA_VERSION == 2
