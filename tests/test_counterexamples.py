"""Every committed counterexample file replays: it still refutes its claim."""

from pathlib import Path

import pytest

from landscape._core.evidence import replay

FILES = sorted((Path(__file__).resolve().parent.parent / "counterexamples").glob("*.json"))


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_counterexample_still_refutes(path):
    r = replay(path)
    assert r.still_refutes, f"{path.name} no longer refutes {r.claim}: {r.outcome}"


def test_there_are_counterexamples():
    assert FILES, "counterexamples/ is empty: run `landscape report --profile standard`"
