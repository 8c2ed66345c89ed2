"""What several Golikov claim modules share: the paper file, the training runs' data shape and the
validation of a stored two-layer point (:func:`two_layer_payload`)."""

from __future__ import annotations

import numpy as np

from landscape._lib import payload as _p

PAPER = "003_6b1d70a06ebc74fd.txt"

N_DU, D_DU = 6, 4  # n data points in R^d for the training runs


def two_layer_payload(p: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``x`` (n, d), ``y`` (n,), ``w`` (m, d), ``a`` (m,) of a two-layer point, validated (landscape._lib.payload)."""
    x = _p.require_matrix(p, "x", _p.MAX_N, _p.MAX_DIM)
    w = _p.require_matrix(p, "w", _p.MAX_WIDTH, cols=x.shape[1])
    return x, _p.require_vector(p, "y", length=x.shape[0]), w, _p.require_vector(p, "a", length=w.shape[0])
