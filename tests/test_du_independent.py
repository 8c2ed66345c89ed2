"""Independent validation of the Du et al. kernels (``/work/shared/papers/002_7f4fd584f3752d2b.txt``).

1. A Monte Carlo cross-check that runs everywhere: the finite-width Gram ``G^(H)(0)`` of a
   network written here from eq. (2) / eq. (3) alone -- plain torch autograd, no
   ``DuArchitecture``, no ``kernels.empirical_gram``, ``c_sigma`` by ``scipy.integrate.quad`` --
   averaged over independent initialisations at a large width, against the analytic
   ``K^(H)`` of :func:`landscape._lib.kernels.analytic_gram` for softplus (a Mehler-path
   activation, no closed form) in the FC network and in the ResNet.

2. K^(h) (the NNGP layers of Definition 5.1) against neural-tangents, an implementation
   nobody here wrote.  Normalisation mapping (also in ``landscape/kernels.py``):
   neural-tangents' ``Dense(W_std)`` computes ``(W_std / sqrt(fan_in)) W x``, so Du's first
   pre-activation ``W^(1) x`` is ``Dense(W_std=sqrt(d))`` and, for ``h >= 2``, Du's
   ``W^(h) x^(h-1) = sqrt(c_sigma) W^(h) sigma(z^(h-1)) / sqrt(m)`` is ``Dense(W_std=sqrt(c_sigma))``
   applied *after* the activation -- equivalent to scaling sigma's output by
   ``sqrt(c_sigma)`` (a ``W_std`` before sigma would scale its input instead, a different
   network).  Du's ``K^(h)`` (``h < H``) is then neural-tangents' ``nngp`` of
   ``[Dense(sqrt(d)), sigma, Dense(sqrt(c)), ..., sigma, Dense(sqrt(c))]`` with ``h``
   activations (no bias, ``b_std=None``).  neural-tangents installs only with old JAX and
   TensorFlow (~2.7 GB), so it is not a dependency: that test skips where it is absent.
"""

import math

import numpy as np
import pytest
import torch
from scipy import integrate

from landscape._lib import kernels


def _c_sigma_quad(f) -> float:
    """1 / E[f(z)^2], z ~ N(0, 1), by adaptive quadrature (independent of kernels.c_sigma)."""
    val, _ = integrate.quad(lambda z: f(z) ** 2 * math.exp(-z * z / 2) / math.sqrt(2 * math.pi), -40, 40,
                            limit=200, epsabs=1e-14, epsrel=1e-13)
    return 1.0 / val


def _softplus(z: float) -> float:
    return math.log1p(math.exp(-abs(z))) + max(z, 0.0)


def _gram_last_layer(x: torch.Tensor, m: int, H: int, kind: str, c: float, c_res: float, gen: torch.Generator):
    """G^(H)_ij = <du_i/dW^(H), du_j/dW^(H)> of eq. (2) / eq. (3), by autograd, one sample at a time."""
    d = x.shape[1]
    Ws = [torch.randn(m, d, generator=gen, dtype=torch.float64)]
    Ws += [torch.randn(m, m, generator=gen, dtype=torch.float64) for _ in range(H - 1)]
    a = torch.randn(m, generator=gen, dtype=torch.float64)
    WH = Ws[-1].clone().requires_grad_(True)
    grads = []
    for i in range(x.shape[0]):
        h = math.sqrt(c / m) * torch.nn.functional.softplus(Ws[0] @ x[i]) if H > 1 else None
        for l in range(1, H):
            W = WH if l == H - 1 else Ws[l]
            s = torch.nn.functional.softplus(W @ h)
            h = h + c_res / (H * math.sqrt(m)) * s if kind == "resnet" else math.sqrt(c / m) * s
        u = a @ h
        (g,) = torch.autograd.grad(u, WH)
        grads.append(g.reshape(-1))
    G = torch.stack(grads)
    return (G @ G.T).numpy()


@pytest.mark.parametrize("kind", ["fc", "resnet"])
def test_monte_carlo_gram_of_an_independent_network_matches_k_h(kind):
    """mean over S networks of G^(H)(0) -> K^(H) entrywise within 6 standard errors (estimated
    from the S networks themselves: a self-calibrated z-test, no hand-set tolerance; the
    finite-width bias E[G^(H)(0)] - K^(H) = O(1/m) is ~100x below one standard error here).
    Negative control (FC): the last-layer covariance as printed (``literal=True``, rejected by
    the derivation in kernels.py) is farther than 6 standard errors from the same mean."""
    H, m, S, c_res = 3, 1024, 10, 0.9
    rng = np.random.default_rng(3)
    x = rng.normal(size=(5, 3))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    c = _c_sigma_quad(_softplus)
    assert c == pytest.approx(kernels.c_sigma("softplus"), rel=1e-11)
    gen = torch.Generator().manual_seed(11)
    xt = torch.as_tensor(x)
    Gs = np.array([_gram_last_layer(xt, m, H, kind, c, c_res, gen) for _ in range(S)])
    G, se = Gs.mean(axis=0), Gs.std(axis=0, ddof=1) / math.sqrt(S)
    K = kernels.analytic_gram(x, H, "softplus", kind, c_res).K
    z = np.abs(G - K) / se
    assert float(np.max(z)) < 6.0, float(np.max(z))
    if kind == "fc":  # the ResNet's printed form differs by ~10% only: below this test's resolution
        literal = kernels.analytic_gram(x, H, "softplus", kind, c_res, literal=True).K
        assert float(np.max(np.abs(G - literal) / se)) > 6.0


def test_neural_tangents_nngp_layers():
    nt = pytest.importorskip("neural_tangents", reason="neural-tangents is not installed (optional: needs "
                                                       "jax==0.4.30 and TensorFlow, ~2.7 GB); install it to run this "
                                                       "cross-check")
    from neural_tangents import stax

    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 4))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    H = 4
    for act, layer in (("relu", stax.Relu()), ("erf", stax.Erf())):
        c = kernels.c_sigma(act)
        ours = kernels.analytic_gram(x, H, act, "fc")
        blocks = [stax.Dense(1, W_std=float(np.sqrt(x.shape[1])), b_std=None)]
        for h in range(1, H):
            blocks += [layer, stax.Dense(1, W_std=float(np.sqrt(c)), b_std=None)]
            _, _, kernel_fn = stax.serial(*blocks)
            theirs = np.asarray(kernel_fn(x, x, "nngp"))
            np.testing.assert_allclose(ours.layers[h], theirs, rtol=1e-5, atol=1e-6)
    assert nt is not None
