"""K^(h) (the NNGP layers of Definition 5.1) against an implementation nobody here wrote.

neural-tangents is the reference (``stax.serial(Dense, Relu/Erf, ...)``, NTK parameterisation).
Normalisation mapping: Du et al.'s x^(h) = sqrt(c_sigma/m) sigma(W^(h) x^(h-1)) with W ~ N(0, 1)
is neural-tangents' ``Dense(m, W_std=1)`` followed by the activation scaled by sqrt(c_sigma),
i.e. the NNGP kernel of ``Dense(W_std=sqrt(c_sigma)) -> sigma`` layers read off after the
activation; Du's K^(h) (h < H) equals neural-tangents' ``nngp`` of that stack (no bias,
``b_std=None``).  neural-tangents installs only with old JAX and TensorFlow (~2.7 GB), so it is
not a dependency: this test skips with that reason where the package is absent.
"""

import numpy as np
import pytest

from landscape import kernels

nt = pytest.importorskip("neural_tangents", reason="neural-tangents is not installed (optional: needs jax==0.4.30 "
                                                   "and TensorFlow, ~2.7 GB); install it to run this cross-check")


@pytest.mark.parametrize("act", ["relu", "erf"])
def test_nngp_layers_match_neural_tangents(act):
    from neural_tangents import stax

    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 4))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    H = 3
    c = kernels.c_sigma(act)
    layer = stax.Relu() if act == "relu" else stax.Erf()
    blocks = []
    for _ in range(H - 1):
        blocks += [stax.Dense(1, W_std=1.0, b_std=None), layer, stax.Dense(1, W_std=float(np.sqrt(c)), b_std=None)]
    _, _, kernel_fn = stax.serial(*blocks[:-1])
    ours = kernels.analytic_gram(x, H, act, "fc").layers[H - 1]
    theirs = np.asarray(kernel_fn(x, x, "nngp")) * c
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
