"""Counterexample files: round trip, replay, tamper and malformed-file errors; atomic writes."""

import json
import os

import pytest

from landscape import LandscapeError
from landscape._core.evidence import atomic_write, read_counterexample, replay, write_counterexample

PAYLOAD = {"activation": "sigmoid", "order": 2}


def test_round_trip_and_replay(tmp_path):
    p = write_counterexample(tmp_path, "lds.assumption2.paper_examples", PAYLOAD, {"status": "fails"},
                             profile="quick", seed=0)
    assert p.name == "lds.assumption2.paper_examples.json"
    assert read_counterexample(p)["payload"] == PAYLOAD
    assert replay(p).still_refutes is True


def test_replay_of_a_non_refuting_payload(tmp_path):
    p = write_counterexample(tmp_path, "lds.assumption2.paper_examples", {"activation": "sigmoid", "order": 1},
                             {}, profile="quick", seed=0)
    assert replay(p).still_refutes is False  # sigmoid'(0) = 1/4 != 0


@pytest.mark.parametrize("edit", [
    lambda d: d["payload"].update(order=1),
    lambda d: d.update(seed=1),
    lambda d: d.update(profile="thorough"),
    lambda d: d["outcome"].update(status="holds"),
    lambda d: d.update(claim="lds.lemma3.relu"),
], ids=["payload", "seed", "profile", "outcome", "claim"])
def test_tampered_file_is_rejected(tmp_path, edit):
    p = write_counterexample(tmp_path, "lds.assumption2.paper_examples", PAYLOAD, {"status": "fails"},
                             profile="quick", seed=0)
    doc = json.loads(p.read_text())
    edit(doc)
    p.write_text(json.dumps(doc))
    with pytest.raises(LandscapeError, match="fails its checksum"):
        read_counterexample(p)


@pytest.mark.parametrize("content,match", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"schema_version": 1, "claim": "x"}', "lacks the field 'payload'"),
    ('{"schema_version": 9, "claim": "x", "payload": {}, "checksum": ""}', "schema_version 9"),
    ('{"schema_version": 1, "claim": "x", "payload": {}, "checksum": ""}', "schema_version 1"),
])
def test_malformed_files(tmp_path, content, match):
    p = tmp_path / "bad.json"
    p.write_text(content)
    with pytest.raises(LandscapeError, match=match):
        read_counterexample(p)


def test_unknown_claim_in_file(tmp_path):
    p = write_counterexample(tmp_path, "no.such.claim", PAYLOAD, {}, profile="quick", seed=0)
    with pytest.raises(LandscapeError, match="unknown claim id 'no.such.claim'"):
        replay(p)


def test_payload_missing_fields_is_malformed(tmp_path):
    p = write_counterexample(tmp_path, "lds.lemma3.relu", {"spec": {}}, {}, profile="quick", seed=0)
    with pytest.raises(LandscapeError, match="malformed"):
        replay(p)


def test_atomic_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "out.json"
    atomic_write(target, "old")

    class Boom:
        def __str__(self):
            raise RuntimeError

    with pytest.raises(TypeError):
        atomic_write(target, Boom())  # not str/bytes: fails before the rename
    assert target.read_text() == "old"
    assert [f for f in os.listdir(tmp_path) if f != "out.json"] == []


# --- a stored counterexample is replayed when a run does not refute (landscape._core.runner) ----------

def _toy_claim():
    from landscape import Outcome, claim
    from landscape._core.context import merge

    @claim("test.toy_reconcile", title="toy", source="test", statement="a claim whose search never refutes",
           expected="supported")
    def toy(ctx):
        return merge([], extra=[Outcome.holds(3.0)], tried="one trivial example")

    @toy.replayer
    def _replay(payload):
        if payload.get("crash"):
            raise RuntimeError("replayer bug")
        return Outcome.fails(payload, 2.0) if payload["bad"] else Outcome.holds(1.0)

    return toy


@pytest.fixture(autouse=True)
def _unregister_toy():
    yield
    from landscape._core import registry

    registry._REGISTRY.pop("test.toy_reconcile", None)


def test_stale_counterexample_is_removed(tmp_path):
    from landscape._core.runner import run_claim

    c = _toy_claim()
    p = write_counterexample(tmp_path, c.id, {"bad": False}, {"status": "fails"}, profile="quick", seed=0)
    ev = run_claim(c, counterexample_dir=tmp_path)
    assert ev.verdict == "supported" and not p.exists()
    assert any("removed the stale counterexample" in n for n in ev.notes)


def test_unreadable_counterexample_is_removed(tmp_path):
    from landscape._core.runner import run_claim

    c = _toy_claim()
    p = tmp_path / f"{c.id}.json"
    p.write_text('{"schema_version": 1, "claim": "test.toy_reconcile", "payload": {}, "checksum": "x"}')
    ev = run_claim(c, counterexample_dir=tmp_path)
    assert ev.verdict == "supported" and not p.exists()
    assert any("cannot be replayed" in n for n in ev.notes)


def test_stored_counterexample_that_still_refutes_refutes(tmp_path):
    from landscape._core.runner import run_claim

    c = _toy_claim()
    p = write_counterexample(tmp_path, c.id, {"bad": True}, {"status": "fails"}, profile="quick", seed=0)
    ev = run_claim(c, counterexample_dir=tmp_path)
    assert ev.verdict == "refuted" and p.exists() and ev.counterexample == str(p)
    assert ev.margin == 2.0
    assert any("still refutes" in n for n in ev.notes)


def test_committed_counterexamples_are_replayed_read_only_by_an_everyday_run(tmp_path):
    """An everyday run writes into runs/ but still replays the committed counterexamples/ (issue 20): a stored
    refutation refutes; a stale committed file is reported, never removed."""
    from landscape._core.publish import CounterexampleStage
    from landscape._core.runner import run_claim

    c = _toy_claim()
    ref, run = tmp_path / "counterexamples", tmp_path / "runs"
    p = write_counterexample(ref, c.id, {"bad": True}, {"status": "fails"}, profile="quick", seed=0)
    stage = CounterexampleStage(run, reference=ref)
    ev = run_claim(c, counterexample_dir=stage)
    stage.publish()
    assert ev.verdict == "refuted" and p.exists() and ev.counterexample == str(p)
    p = write_counterexample(ref, c.id, {"bad": False}, {"status": "fails"}, profile="quick", seed=0)
    stage = CounterexampleStage(run, reference=ref)
    ev = run_claim(c, counterexample_dir=stage)
    stage.publish()
    assert ev.verdict == "supported" and p.exists()
    assert any("left as it is" in n for n in ev.notes)


def test_atomic_write_gives_the_usual_permissions(tmp_path):
    mask = os.umask(0o022)
    try:
        atomic_write(tmp_path / "f.txt", "x")
    finally:
        os.umask(mask)
    assert (os.stat(tmp_path / "f.txt").st_mode & 0o777) == 0o644


def test_a_crashing_replayer_keeps_the_file_and_the_verdict(tmp_path):
    from landscape._core.runner import run_claim

    c = _toy_claim()
    p = write_counterexample(tmp_path, c.id, {"bad": True, "crash": True}, {"status": "fails"}, profile="quick", seed=0)
    ev = run_claim(c, counterexample_dir=tmp_path)
    assert ev.verdict == "supported" and p.exists()
    assert any("kept but not replayed" in n and "RuntimeError" in n for n in ev.notes)
