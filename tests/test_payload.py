"""Counterexample payloads (``landscape._lib.payload``): validators name the bad field; stored examples round-trip."""

import numpy as np
import pytest

from landscape import LandscapeError
from landscape._lib import payload
from landscape._lib.networks.mlp import MLPSpec


def test_example_round_trips_through_tagged_json():
    ex = (np.arange(6.0).reshape(2, 3), MLPSpec(2, (3,), 1, "tanh", True), 7)
    back = payload.decode_example(payload.encode_example(ex))
    assert np.array_equal(back[0], ex[0]) and back[1] == ex[1] and back[2] == 7


def test_example_stored_under_the_old_module_name_still_decodes():
    """Files written before the library moved to ``landscape._lib`` name ``landscape.networks.mlp:MLPSpec``."""
    enc = payload.encode_example(MLPSpec(1, (2,), 1, "relu", False))
    assert enc["__dataclass__"] == "landscape._lib.networks.mlp:MLPSpec"
    enc["__dataclass__"] = "landscape.networks.mlp:MLPSpec"
    assert payload.decode_example(enc) == MLPSpec(1, (2,), 1, "relu", False)


def test_unknown_dataclass_is_named():
    with pytest.raises(LandscapeError, match="nowhere:Thing"):
        payload.decode_example({"__dataclass__": "nowhere:Thing", "fields": {}})


def test_validators_name_the_field_and_the_expectation():
    with pytest.raises(LandscapeError, match=r"payload field 'order' = 1000000000: expected an integer in \[0, 64\]"):
        payload.require_int({"order": 10**9}, "order", 0, 64)
    with pytest.raises(LandscapeError, match="payload lacks the field 'weights'"):
        payload.require_matrix({}, "weights")
