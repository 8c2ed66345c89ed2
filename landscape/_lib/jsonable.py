"""Strict-JSON values from numpy / torch results (one conversion for evidence and certificates)."""

from __future__ import annotations

import math
from typing import Any


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


__all__ = ["jsonable"]
