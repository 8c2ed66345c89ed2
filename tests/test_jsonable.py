"""``landscape._lib.jsonable``: strict JSON from numpy / torch results (non-finite floats as strings)."""

import json
import math

import numpy as np

from landscape._lib.jsonable import jsonable


def test_numpy_values_and_non_finite_floats():
    out = jsonable({"a": np.float64(1.5), "b": np.arange(3), "c": (math.inf, -math.inf, math.nan), 4: [np.int64(2)]})
    assert out == {"a": 1.5, "b": [0, 1, 2], "c": ["inf", "-inf", "nan"], "4": [2]}
    json.dumps(out, allow_nan=False)
