"""Counterexample files: round trip, replay, tamper and malformed-file errors; atomic writes."""

import json
import os

import pytest

from landscape import LandscapeError
from landscape.evidence import atomic_write, read_counterexample, replay, write_counterexample

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


def test_tampered_file_is_rejected(tmp_path):
    p = write_counterexample(tmp_path, "lds.assumption2.paper_examples", PAYLOAD, {}, profile="quick", seed=0)
    doc = json.loads(p.read_text())
    doc["payload"]["order"] = 1
    p.write_text(json.dumps(doc))
    with pytest.raises(LandscapeError, match="fails its checksum"):
        read_counterexample(p)


@pytest.mark.parametrize("content,match", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"schema_version": 1, "claim": "x"}', "lacks the field 'payload'"),
    ('{"schema_version": 9, "claim": "x", "payload": {}, "checksum": ""}', "schema_version 9"),
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
