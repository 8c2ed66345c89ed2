"""Known-answer tests for landscape._lib.fourier and landscape._lib.disparity (Jiang, 000_aea297099283b0eb.txt, eq. 4-9).

Run alone: ``/work/venv/bin/pytest -q tests/test_disparity.py -p no:cacheprovider``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from landscape._lib import activations, canonical, fourier, losses, tolerance
from landscape._lib import disparity as dsp
from landscape._lib.errors import LandscapeError

RULES = fourier.RULES


# -- test-only networks ---------------------------------------------------------------------------------------------
def two_layer(width: int, k_dim: int, act: str = "tanh"):
    """f(x) = sum_j a_j sigma(w_j . x + b_j) + c; params = [W (width x K, row-major), b, a, c]."""
    sigma = activations.get(act).torch

    def f(params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        W = params[: width * k_dim].reshape(width, k_dim)
        b = params[width * k_dim: width * (k_dim + 1)]
        a = params[width * (k_dim + 1): width * (k_dim + 2)]
        return sigma(x @ W.T + b) @ a + params[-1]

    return f, width * (k_dim + 2) + 1


def pack(W: np.ndarray, b: np.ndarray, a: np.ndarray, c: float) -> torch.Tensor:
    return torch.from_numpy(np.concatenate([np.asarray(W, float).reshape(-1), b, a, [c]]).astype(np.float64))


def centred(rng: np.random.Generator, width: int, k_dim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random neurons whose hyperplanes w . x + b = 0 cross the cube through an interior point (section 3.3.3)."""
    W = rng.standard_normal((width, k_dim))
    b = -np.sum(W * rng.uniform(0.2, 0.8, size=(width, k_dim)), axis=1)
    a = rng.choice([-1.0, 1.0], width) * rng.uniform(0.5, 1.5, width)
    return W, b, a


def neuron_rows(j: int, width: int, k_dim: int) -> list[int]:
    """Indices of all weights of hidden neuron j (incoming W_j., bias b_j, outgoing a_j)."""
    return [j * k_dim + i for i in range(k_dim)] + [width * k_dim + j, width * (k_dim + 1) + j]


def trig_features_torch(x: torch.Tensor, n: tuple[int, ...]) -> torch.Tensor:
    """Real trig features (canonical's real view: 1, cos, sin) in torch, ordered as canonical.box(n)."""
    ks = canonical.box(n)
    phase = 2 * math.pi * (x @ torch.from_numpy(ks.T.astype(np.float64)))
    cols = []
    for j, k in enumerate(ks):
        nz = np.flatnonzero(k)
        if nz.size == 0:
            cols.append(torch.ones(x.shape[0], dtype=torch.float64))
        elif k[nz[0]] > 0:
            cols.append(torch.cos(phase[:, j]))
        else:
            cols.append(torch.sin(-phase[:, j]))
    return torch.stack(cols, dim=1)


def linear_in_weights(C: np.ndarray, n0: tuple[int, ...]):
    """f(w, x) = sum_m w_m phi_m(x), phi_m = real trig polynomial with real coefficients C[m] on box(n0)."""
    Ct = torch.from_numpy(C)

    def f(params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return trig_features_torch(x, n0) @ (Ct.T @ params)

    return f


def periodic_smooth(width: int):
    """A smooth network of the *periodic* features (cos 2 pi x, sin 2 pi x) of x in [0, 1]."""
    def f(params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        U = params[: 2 * width].reshape(width, 2)
        b = params[2 * width: 3 * width]
        a = params[3 * width: 4 * width]
        z = torch.cat([torch.cos(2 * math.pi * x), torch.sin(2 * math.pi * x)], dim=1)
        return torch.tanh(z @ U.T + b) @ a + params[-1]

    return f, 4 * width + 1


def embed(n0: tuple[int, ...], n: tuple[int, ...]) -> np.ndarray:
    """Column index in box(n) of every frequency of box(n0)."""
    index = {tuple(k): j for j, k in enumerate(canonical.box(n))}
    return np.array([index[tuple(k)] for k in canonical.box(n0)])


# -- fourier: exact answers ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("n0,n,G", [((3,), (5,), 16), ((2, 3), (3, 4), 12), ((0, 2), (1, 2), 8)])
def test_trig_polynomial_coefficients_exact(rule, n0, n, G):
    rng = np.random.default_rng(1)
    c0 = rng.standard_normal((3, len(canonical.box(n0))))
    theta0 = fourier.to_complex(c0, n0)
    x = fourier.grid(len(n), G, rule=rule)
    values = (canonical.complex_features(x, n0) @ theta0.T).real.T  # 3 functions at once
    np.testing.assert_allclose(values, (canonical.real_features(x, n0) @ c0.T).T, atol=1e-13)
    T = fourier.transform(values, n, rule=rule)
    expect = np.zeros((3, len(canonical.box(n))), dtype=complex)
    expect[:, embed(n0, n)] = theta0
    np.testing.assert_allclose(T.theta, expect, rtol=0, atol=1e-14)
    # real view = canonical.complex_to_real row by row, and = the real coefficients we started from
    for i in range(3):
        np.testing.assert_allclose(T.real[i], canonical.complex_to_real(T.theta[i], n), atol=1e-15)
    expect_c = np.zeros((3, len(canonical.box(n))))
    expect_c[:, embed(n0, n)] = c0
    np.testing.assert_allclose(T.real, expect_c, atol=1e-14)
    np.testing.assert_allclose(fourier.to_complex(T.real, n), T.theta, atol=1e-14)
    assert np.all(T.relative_outside < 1e-14)
    np.testing.assert_allclose(T.total, np.sum(np.abs(theta0) ** 2, axis=1), rtol=1e-12)
    # the grid-first layout gives the same answer
    T0 = fourier.transform(values.T.copy(), n, rule=rule, axis=0)
    np.testing.assert_allclose(T0.theta, T.theta, atol=1e-15)


def test_views_match_canonical_on_random_batches():
    rng = np.random.default_rng(2)
    for n in [(0,), (4,), (2, 3), (1, 1, 1)]:
        N = len(canonical.box(n))
        c = rng.standard_normal((5, N))
        theta = fourier.to_complex(c, n)
        for i in range(5):
            np.testing.assert_array_equal(theta[i], canonical.real_to_complex(c[i], n))
            np.testing.assert_allclose(fourier.to_real(theta, n)[i], canonical.complex_to_real(theta[i], n),
                                       rtol=0, atol=1e-15)


def test_fft_matches_direct_quadrature_of_eq4():
    """The FFT equals the trapezoid rule for eq. (4) written out as a sum (a non-polynomial function)."""
    G, n = 12, (2, 3)
    fn = lambda x: np.exp(np.sin(3 * x[:, 0]) + x[:, 1] ** 2)  # noqa: E731
    x = fourier.grid(2, G)
    w1 = np.full(G + 1, 1.0 / G)
    w1[[0, -1]] /= 2
    weights = np.outer(w1, w1).reshape(-1)
    direct = (weights * fn(x)) @ np.exp(-2j * np.pi * x @ canonical.box(n).T)
    np.testing.assert_allclose(fourier.sample(fn, n, G).theta, direct, rtol=0, atol=1e-14)


@pytest.mark.parametrize("rule", RULES)
def test_aliasing_threshold(rule):
    """Degree d < G - n is exact; degree d = G - k aliases exactly onto k (Poisson summation)."""
    G, n = 16, (3,)
    ks = canonical.box(n)[:, 0]
    exact = fourier.sample(lambda x: np.cos(2 * np.pi * (G - n[0] - 1) * x[:, 0]), n, G, rule=rule)
    assert np.max(np.abs(exact.theta)) < 1e-14
    alias = fourier.sample(lambda x: np.cos(2 * np.pi * (G - 2) * x[:, 0]), n, G, rule=rule)
    expect = np.where(np.abs(ks) == 2, 0.5, 0.0)
    np.testing.assert_allclose(alias.theta, expect, atol=1e-14)


@pytest.mark.parametrize("K", [1, 2])
def test_periodic_function_spectral_convergence(K):
    """Poisson kernel P_r(x) = sum_k r^|k| e^{2 pi i k x}: error = sum of aliases ~ r^(G - n), spectral in G."""
    r, n = 0.5, (4,) * K

    def fn(x):
        out = np.ones(x.shape[0])
        for j in range(K):
            out *= (1 - r**2) / (1 - 2 * r * np.cos(2 * np.pi * x[:, j]) + r**2)
        return out

    ks = canonical.box(n)
    exact = r ** np.abs(ks).sum(axis=1)
    errs = [np.max(np.abs(fourier.sample(fn, n, G).theta - exact)) for G in (12, 24, 48)]
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 1e-12
    assert errs[1] < 1e-3 * errs[0]
    if K == 1:
        # Poisson summation, exactly: the worst bin k = 4 collects sum_{j >= 1} r^(jG - 4) + r^(jG + 4)
        for G, err in zip((12, 24), errs):
            assert err == pytest.approx((r**-4 + r**4) * r**G / (1 - r**G), rel=1e-9)
        # partial-sum energy outside the box: sum_{|k| > 4} r^{2|k|}, measured by the FFT's Parseval split
        T = fourier.sample(fn, n, 64)
        assert float(T.outside) == pytest.approx(2 * r**10 / (1 - r**2), rel=1e-9)


@pytest.mark.parametrize("rule,order", [("trapezoid", 2.0), ("periodic", 1.0)])
def test_nonperiodic_known_series_and_measured_error(rule, order):
    """f(x) = x: theta_0 = 1/2, theta_k = i / (2 pi k); trapezoid error pi k / (6 G^2), periodic 1 / (2G)."""
    n = (4,)
    k = canonical.box(n)[:, 0]
    exact = np.where(k == 0, 0.5, 1j / (2 * np.pi * np.where(k == 0, 1, k)))
    fn = lambda x: x[:, 0]  # noqa: E731
    errs = [np.max(np.abs(fourier.sample(fn, n, G, rule=rule).theta - exact)) for G in (16, 32, 64, 128)]
    assert all(a > b for a, b in zip(errs, errs[1:]))
    rates = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    np.testing.assert_allclose(rates, order, atol=0.1)
    if rule == "trapezoid":  # the closed form of the alias sum: (i / 2G) cot(pi k / G)
        G = 16
        alias = np.where(k == 0, 0.5, 1j / (2 * G) / np.tan(np.pi * np.where(k == 0, 1, k) / G))
        np.testing.assert_allclose(fourier.sample(fn, n, G, rule=rule).theta, alias, atol=1e-14)
    # the measured estimate (refinement, nothing assumed) tracks the true error
    ref = fourier.discretisation_error(fn, n, 16, levels=3, rule=rule)
    assert ref.grids == (16, 32, 64)
    assert ref.order == pytest.approx(order, abs=0.1)
    assert ref.error == pytest.approx(errs[0], rel=0.15)
    assert ref.finest_error == pytest.approx(errs[2], rel=0.15)


def test_nonperiodic_2d_product_and_batch_refinement():
    """f(x, y) = x * y has theta_k = theta_k1 theta_k2 (products of the 1-d series of x)."""
    n = (3, 3)
    k = canonical.box(n)

    def one(kk):
        return np.where(kk == 0, 0.5, 1j / (2 * np.pi * np.where(kk == 0, 1, kk)))

    exact = one(k[:, 0]) * one(k[:, 1])
    fn = lambda x: np.stack([x[:, 0] * x[:, 1], 2 * x[:, 0] * x[:, 1]])  # noqa: E731  (a batch of two)
    errs = [np.max(np.abs(fourier.sample(fn, n, G).theta[0] - exact)) for G in (16, 32, 64)]
    assert errs[0] > errs[1] > errs[2] and errs[2] < 2e-3
    ref = fourier.discretisation_error(fn, n, 16, levels=3)
    assert ref.per_function.shape == (2,)
    assert ref.per_function[1] == pytest.approx(2 * ref.per_function[0], rel=1e-10)
    assert ref.error == pytest.approx(2 * errs[0], rel=0.2)  # the batch maximum is the second function


# -- the disparity matrix ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("n0,n,G", [((3,), (4,), 16), ((2, 1), (2, 2), 10)])
def test_H_of_network_linear_in_weights_is_exact(rule, n0, n, G):
    """f = sum_m w_m phi_m: d f / d w_m = phi_m, so H's rows are the coefficients of phi_m (any w)."""
    rng = np.random.default_rng(3)
    M = 7
    C = rng.standard_normal((M, len(canonical.box(n0))))
    f = linear_in_weights(C, n0)
    x = torch.from_numpy(fourier.grid(len(n), G, rule=rule))
    np.testing.assert_allclose(trig_features_torch(x, n0).numpy(), canonical.real_features(x.numpy(), n0), atol=1e-13)
    D = dsp.disparity(f, rng.standard_normal(M), n, G, rule=rule)
    expect_c = np.zeros((M, len(canonical.box(n))))
    expect_c[:, embed(n0, n)] = C
    np.testing.assert_allclose(D.real, expect_c, atol=1e-13)
    np.testing.assert_allclose(D.H, fourier.to_complex(expect_c, n), atol=1e-13)
    for m in range(M):
        np.testing.assert_allclose(D.H[m], canonical.real_to_complex(expect_c[m], n), atol=1e-13)
    assert D.truncation < 1e-14 and D.theta_truncation < 1e-14
    assert D.rank().rank == M and D.rank().full is True


def test_jacobian_methods_agree_with_the_analytic_jacobian():
    rng = np.random.default_rng(4)
    width, K = 4, 2
    f, M = two_layer(width, K, "tanh")
    W, b, a = rng.standard_normal((width, K)), rng.standard_normal(width), rng.standard_normal(width)
    p = pack(W, b, a, 0.3)
    x = rng.uniform(size=(9, K))
    z = x @ W.T + b
    s, ds = np.tanh(z), (1 - np.tanh(z) ** 2) * a
    manual = np.concatenate([(ds[:, :, None] * x[:, None, :]).reshape(9, -1), ds, s, np.ones((9, 1))], axis=1).T
    for method in dsp.METHODS:
        J = dsp.jacobian(f, p, x, method=method)
        assert tuple(J.shape) == (M, 9)
        np.testing.assert_allclose(J.numpy(), manual, atol=1e-14)


def test_relu_rows_obey_euler_identity():
    """Positive homogeneity: w_j . d f/d w_j + b_j d f/d b_j - a_j d f/d a_j = 0 for every ReLU neuron.

    So a ReLU network's H(w) has rank <= M - width at *every* w -- row dependencies that are
    neither dead nor duplicated neurons (contrary to section 3.3.2's "very small chance");
    harmless for Lemma 1 only while M - width >= N.
    """
    rng = np.random.default_rng(13)
    width, K = 4, 2
    f, M = two_layer(width, K, "relu")
    W, b, a = centred(rng, width, K)
    D = dsp.disparity(f, pack(W, b, a, 0.1), (4, 4), 24)
    scale = np.max(np.abs(D.real))
    for j in range(width):
        rows = neuron_rows(j, width, K)
        combo = W[j] @ D.real[rows[:K]] + b[j] * D.real[rows[K]] - a[j] * D.real[rows[K + 1]]
        assert np.max(np.abs(combo)) < 1e-13 * scale
    dec = D.rank(target=M - width)
    assert dec.full is True and dec.rank == M - width
    assert D.rank(target=M - width + 1).full is False


@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_dead_relu_neuron_gives_zero_rows(act):
    """Section 3.3.1: a neuron whose pre-activation is negative on all of U^K has all-zero rows (ReLU)."""
    rng = np.random.default_rng(5)
    width, K = 4, 2
    f, M = two_layer(width, K, act)
    W, b, a = centred(rng, width, K)
    healthy = dsp.disparity(f, pack(W, b, a, 0.1), (3, 3), 16)
    W[1], b[1] = [0.3, -0.2], -1.0  # pre-activation <= 0.3 - 1 < 0 on the cube
    D = dsp.disparity(f, pack(W, b, a, 0.1), (3, 3), 16)
    dead = neuron_rows(1, width, K)
    alive = [m for m in range(M) if m not in dead]
    norms = D.row_norms
    if act == "relu":
        assert np.all(D.H[dead] == 0) and np.all(D.real[dead] == 0)
        assert np.all(norms[alive] > 1e-3 * norms.max())
        # rank: M - width without the dead neuron (Euler identity, one per ReLU neuron); the dead neuron
        # costs its K + 1 independent rows
        assert healthy.rank(target=M - width).full is True
        r_dead = D.rank(target=M - width)
        assert r_dead.full is False and r_dead.rank == M - width - (K + 1)
        assert r_dead.rank == tolerance.rank(D.real[alive]).rank
    else:  # a tanh neuron is never dead: the same weights give non-zero rows
        assert np.all(norms[dead] > 1e-3 * norms.max())


def test_duplicated_neurons_give_equal_rows_and_drop_rank():
    """Section 3.3.2: two neurons with identical in- and out-weights have identical rows; the rank drops."""
    rng = np.random.default_rng(6)
    width, K = 4, 2
    f, M = two_layer(width, K, "relu")
    W, b, a = centred(rng, width, K)
    generic = dsp.disparity(f, pack(W, b, a, 0.1), (4, 4), 24)
    W[3], b[3], a[3] = W[0], b[0], a[0]
    D = dsp.disparity(f, pack(W, b, a, 0.1), (4, 4), 24)
    r0, r3 = neuron_rows(0, width, K), neuron_rows(3, width, K)
    np.testing.assert_array_equal(D.H[r0], D.H[r3])
    np.testing.assert_array_equal(D.real[r0], D.real[r3])
    keep = [m for m in range(M) if m not in r3]
    # generic: rank M - width (Euler); duplicate: the copy adds nothing, rank M - width - (K + 1)
    assert generic.rank(target=M - width).full is True
    dec = D.rank(target=M - width)
    assert dec.full is False and dec.rank == M - width - (K + 1) == tolerance.rank(D.real[keep]).rank
    # smooth activation: no Euler identity, the duplicate alone drops the rank by K + 2
    ft, _ = two_layer(width, K, "tanh")
    Dt = dsp.disparity(ft, pack(W, b, a, 0.1), (4, 4), 24)
    np.testing.assert_array_equal(Dt.H[r0], Dt.H[r3])
    assert Dt.rank(target=M).full is False and Dt.rank(target=M).rank <= M - (K + 2)


def test_polynomial_activation_rank_is_bounded_whatever_M():
    """With sigma(z) = z^2 every d f / d w_m is a polynomial of degree <= 2 in x: rank H <= C(K + 2, 2) = 6."""
    rng = np.random.default_rng(7)
    f, M = two_layer(30, 2, "poly2")
    D = dsp.disparity(f, rng.standard_normal(M), (2, 2), 16)
    assert M > D.N
    dec = D.rank(target=7)
    assert dec.rank == 6 and dec.full is False


# -- eq. (9) ----------------------------------------------------------------------------------------------------------
def test_eq9_is_exact_chain_rule_for_truncated_loss_without_conjugation():
    """d/dw Q(F_eps(f_w)) (autograd through the FFT) == H(w) grad_theta Q; conj(grad) would be wrong."""
    rng = np.random.default_rng(8)
    f, M = two_layer(3, 2, "tanh")
    p = torch.from_numpy(rng.standard_normal(M))
    n, G = (2, 3), 16
    x, y = rng.uniform(size=(6, 2)), rng.standard_normal(6)
    grid = torch.from_numpy(fourier.grid(2, G))
    E = torch.from_numpy(canonical.complex_features(x, n))

    def q_canonical(w):
        theta = fourier.coefficients_torch(f(w, grid), n)
        return dsp.squared_loss(torch.from_numpy(y), (E @ theta).real).sum()

    auto = torch.func.grad(q_canonical)(p).numpy()
    D = dsp.disparity(f, p, n, G)
    g, gc = dsp.canonical_gradient(D.theta, x, y, n)
    np.testing.assert_allclose((D.H @ g).real, auto, rtol=1e-12, atol=1e-13)
    assert np.linalg.norm((D.H @ g).imag) < 1e-13 * np.linalg.norm(auto)
    np.testing.assert_allclose(D.real @ gc, auto, rtol=1e-11, atol=1e-13)
    assert np.linalg.norm((D.H @ np.conj(g)).real - auto) > 1e-2 * np.linalg.norm(auto)
    # Wirtinger convention: grad = 2 dQ/dconj(theta) = conj(g) pairs with conj(H)
    np.testing.assert_allclose((np.conj(D.H) @ np.conj(g)).real, auto, rtol=1e-12, atol=1e-13)
    # and the coefficients of f_w itself match the differentiable transform
    np.testing.assert_allclose(D.theta, fourier.coefficients_torch(f(p, grid), n).numpy(), atol=1e-15)


@pytest.mark.parametrize("loss", [dsp.squared_loss, losses.get("logcosh"), losses.get("huber").fn])
@pytest.mark.parametrize("residual", ["canonical", "literal"])
def test_eq9_exact_for_network_inside_the_box(loss, residual):
    """For f = sum_m w_m phi_m with phi_m in the box, F_eps(f) = f and eq. (9) holds to round-off."""
    rng = np.random.default_rng(9)
    n0, n = (2, 1), (2, 2)
    C = rng.standard_normal((5, len(canonical.box(n0))))
    f = linear_in_weights(C, n0)
    x, y = rng.uniform(size=(7, 2)), rng.standard_normal(7)
    r = dsp.eq9(f, rng.standard_normal(5), x, y, n, 10, loss=loss, residual=residual)
    assert r.discrepancy < 1e-12 and r.views < 1e-12 and r.imag < 1e-12
    assert r.truncation < 1e-14 and r.pointwise_truncation < 1e-13 and r.value_truncation < 1e-13
    assert r.loss_canonical == pytest.approx(r.loss_literal, rel=1e-12)
    assert np.linalg.norm(r.lhs) > 1e-3


def test_eq9_smooth_periodic_network_converges_spectrally():
    """A smooth network of periodic features: every df/dw is smooth and periodic, eq. (9) converges fast."""
    rng = np.random.default_rng(10)
    f, M = periodic_smooth(4)
    p = torch.from_numpy(0.5 * rng.standard_normal(M))
    x, y = rng.uniform(size=(8, 1)), rng.standard_normal(8)
    res = [dsp.eq9(f, p, x, y, (m,), 128) for m in (1, 2, 4, 8, 16)]
    disc = np.array([r.discrepancy for r in res])
    trunc = np.array([r.truncation for r in res])
    point = np.array([r.pointwise_truncation for r in res])
    assert np.all(np.diff(disc) < 0) and np.all(np.diff(trunc) < 0) and np.all(np.diff(point) < 0)
    assert disc[-1] < 1e-10 and trunc[-1] < 1e-14 and disc[0] > 1e-3
    assert all(r.views < 1e-12 and r.imag < 1e-12 for r in res)


def test_eq9_discrepancy_decreases_with_N_for_a_smooth_nonperiodic_network():
    """tanh network on [0, 1]^K: not periodic, so truncation decays only like 1/N_j; the trend is down."""
    rng = np.random.default_rng(0)
    for K, G, ns in [(1, 1024, (1, 4, 16, 64)), (2, 128, (1, 4, 16, 32))]:
        f, M = two_layer(6, K, "tanh")
        p = torch.from_numpy(rng.standard_normal(M))
        x, y = rng.uniform(0.15, 0.85, size=(10, K)), rng.standard_normal(10)
        res = [dsp.eq9(f, p, x, y, (m,) * K, G, residual="literal") for m in ns]
        trunc = np.array([r.truncation for r in res])
        point = np.array([r.pointwise_truncation for r in res])
        disc = np.array([r.discrepancy for r in res])
        assert np.all(np.diff(trunc) < 0) and np.all(np.diff(point) < 0)
        assert disc[-1] < disc[0] / 4 and disc[-1] < 5e-3
        assert all(r.views < 1e-11 and r.imag < 1e-11 for r in res)
        canon = dsp.eq9(f, p, x, y, (ns[-1],) * K, G, precomputed=res[-1].disparity)
        assert canon.discrepancy < 5e-3


def test_eq9_does_not_converge_at_data_on_the_faces_of_the_cube():
    """At x = 0 or 1 the series converges to (f(0) + f(1)) / 2 (Gibbs), not f: the discrepancy stays O(1)."""
    rng = np.random.default_rng(11)
    f, M = two_layer(3, 1, "tanh")
    p = torch.from_numpy(rng.standard_normal(M))
    x, y = np.array([[0.0], [0.5], [1.0]]), np.array([0.3, -0.2, 0.5])
    discs = [dsp.eq9(f, p, x, y, (m,), 512, residual="literal").discrepancy for m in (4, 16, 64)]
    assert min(discs) > 0.02 and discs[-1] > 0.5 * discs[0]
    interior = [dsp.eq9(f, p, x[1:2], y[1:2], (m,), 512, residual="literal").discrepancy for m in (4, 16, 64)]
    assert interior[-1] < discs[-1] / 10


def test_disparity_refinement_measures_second_order():
    rng = np.random.default_rng(12)
    f, M = two_layer(3, 1, "tanh")
    ref = dsp.disparity_refinement(f, rng.standard_normal(M), (3,), 32, levels=3)
    assert ref.grids == (32, 64, 128) and ref.order == pytest.approx(2.0, abs=0.2)
    assert ref.relative_error < 1e-2


# -- energies, exact ReLU coefficients, measured errors, batches (machinery behind the jiang.* decisions) ----------
def test_energy_is_the_trapezoid_of_the_squares_not_the_folded_parseval():
    """f(x) = x: int f^2 = 1/3; the folded samples' Parseval sum would be 1/3 - 1/(4G) + O(G^-2) (first order)."""
    for G in (16, 64, 256):
        T = fourier.sample(lambda x: x[:, 0], (3,), G)
        assert abs(float(T.total) - 1 / 3) < 1 / G**2  # trapezoid of x^2: exactly 1/3 + 1/(6 G^2)
        assert float(T.total) == pytest.approx(1 / 3 + 1 / (6 * G**2), rel=1e-12)
    # energy outside |k| <= 3 of f(x) = x: 1/3 - 1/4 - 2 sum_{k<=3} 1/(4 pi^2 k^2)
    exact = 1 / 3 - 1 / 4 - 2 * sum(1 / (4 * math.pi**2 * k**2) for k in range(1, 4))
    assert float(fourier.sample(lambda x: x[:, 0], (3,), 4096).outside) == pytest.approx(exact, rel=1e-4)


def test_refinement_per_function_is_the_first_difference():
    rng = np.random.default_rng(3)
    f, M = two_layer(2, 1, "tanh")
    x = torch.from_numpy(fourier.grid(1, 64))
    jac = dsp.jacobian(f, torch.from_numpy(rng.standard_normal(M)), x)
    ref = fourier.refinement_from_values(jac, (2,), levels=3)
    a = fourier.transform(fourier.subsample(jac, 1, 4), (2,)).theta
    b = fourier.transform(fourier.subsample(jac, 1, 2), (2,)).theta
    np.testing.assert_allclose(ref.per_function, np.max(np.abs(a - b), axis=-1), rtol=0, atol=1e-15)
    assert float(np.max(ref.per_function)) == pytest.approx(ref.differences[0], rel=1e-12)


def relu_flat(w, b, a) -> torch.Tensor:
    """Flat (w_1, b_1, ..., w_m, b_m, a_1..a_m): the layout of MLP / JiangNet for K = 1."""
    return torch.from_numpy(np.concatenate([np.stack([w, b], 1).reshape(-1), a]).astype(np.float64))


def relu_net(m: int):
    def f(params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        wb = params[: 2 * m].reshape(m, 2)
        return torch.relu(x @ wb[:, :1].T + wb[:, 1]) @ params[2 * m:]
    return f


def test_exact_relu_coefficients_known_answers():
    """One neuron relu(x - 1/2), a = 1: rows a x 1[x > 1/2], a 1[x > 1/2], (x - 1/2)_+ (closed forms)."""
    D = dsp.relu_two_layer_exact(relu_flat([1.0], [-0.5], [1.0]), (3,))
    ks = canonical.box((3,))[:, 0]
    ind = np.array([0.5 if k == 0 else (1 - (-1.0) ** k) / (-2j * math.pi * k) for k in ks])  # int_{1/2}^1 e^{-2pi ikx}
    np.testing.assert_allclose(D.H[1], ind, atol=1e-15)
    assert D.H[2][ks == 0][0] == pytest.approx(1 / 8)  # int (x - 1/2)_+ = 1/8
    assert D.H[0][ks == 0][0] == pytest.approx(3 / 8)  # int_{1/2}^1 x = 3/8
    np.testing.assert_allclose(D.total, [7 / 24, 1 / 2, 1 / 24], rtol=1e-14)  # int x^2, int 1, int (x - 1/2)^2
    np.testing.assert_allclose(D.theta, D.H[2], atol=1e-16)  # f = a relu(.) with a = 1
    assert D.theta_total == pytest.approx(1 / 24)
    # a dead neuron (w < 0, kink < 0) and a neuron active everywhere (w > 0, kink < 0)
    D2 = dsp.relu_two_layer_exact(relu_flat([-1.0, 2.0], [-0.3, 0.5], [1.5, -1.0]), (2,))
    assert np.all(D2.H[[0, 1, 4]] == 0) and np.all(D2.total[[0, 1, 4]] == 0)
    assert D2.H[3][canonical.box((2,))[:, 0] == 0][0] == pytest.approx(-1.0)  # a_2 * int 1


def test_fft_of_relu_network_converges_to_the_exact_coefficients_at_first_order():
    rng = np.random.default_rng(4)
    m = 5
    w = rng.normal(size=m) * 4
    b = -w * rng.uniform(0.1, 0.9, m)
    p = relu_flat(w, b, rng.normal(size=m))
    E = dsp.relu_two_layer_exact(p, (6,))
    errs = [float(np.max(np.abs(dsp.disparity(relu_net(m), p, (6,), G).H - E.H))) for G in (512, 2048, 8192)]
    assert errs[0] > errs[1] > errs[2]
    assert 1.2 < math.log(errs[0] / errs[2], 16) < 1.8 or errs[2] < 1e-4  # O(1/G) with jitter: jumps between nodes
    D, err = dsp.disparity_with_error(relu_net(m), p, (6,), 1024)
    true = float(np.linalg.norm(D.real - E.real, 2))
    assert 0.3 * true < err.spectral < 5 * true  # the measured estimate is of the right size
    assert E.truncation == pytest.approx(D.truncation, abs=5e-3)


def test_disparity_with_error_returns_exactly_the_grid_G_disparity():
    rng = np.random.default_rng(5)
    for K, G, n in ((1, 64, (5,)), (2, 32, (2, 3))):
        f, M = two_layer(3, K, "tanh")
        p = torch.from_numpy(rng.standard_normal(M))
        D, err = dsp.disparity_with_error(f, p, n, G)
        ref = dsp.disparity(f, p, n, G)
        np.testing.assert_array_equal(D.H, ref.H)
        np.testing.assert_allclose(D.total, ref.total, rtol=1e-14)
        assert err.G == G and 0 < err.relative < 1e-2


def test_restrict_and_box_truncations_equal_a_fresh_transform():
    rng = np.random.default_rng(6)
    f, M = two_layer(4, 2, "tanh")
    p = torch.from_numpy(rng.standard_normal(M))
    big = dsp.disparity(f, p, (4, 4), 32)
    tr, ftr = big.box_truncations()
    for v in range(5):
        small = dsp.disparity(f, p, (v, v), 32)
        r = big.restrict((v, v))
        np.testing.assert_allclose(r.H, small.H, atol=1e-15)
        assert r.truncation == pytest.approx(small.truncation, rel=1e-10, abs=1e-15)
        assert tr[v] == pytest.approx(small.truncation, rel=1e-10, abs=1e-15)
        assert ftr[v] == pytest.approx(small.theta_truncation, rel=1e-10, abs=1e-15)
    with pytest.raises(LandscapeError):
        big.restrict((5, 4))


def test_disparity_batch_equals_disparity_per_weight_vector():
    rng = np.random.default_rng(7)
    f, M = two_layer(3, 1, "sigmoid")
    ps = torch.from_numpy(rng.standard_normal((6, M)))
    B = dsp.disparity_batch(f, ps, (4,), 64)
    for s in range(6):
        D = dsp.disparity(f, ps[s], (4,), 64)
        np.testing.assert_allclose(B.H[s], D.H, atol=1e-15)
        assert B.truncation[s] == pytest.approx(D.truncation, rel=1e-12)
        np.testing.assert_allclose(B[s].real, D.real, atol=1e-15)
    np.testing.assert_allclose(B.restrict((2,)).H[3], dsp.disparity(f, ps[3], (2,), 64).H, atol=1e-15)


def test_rank_with_error_known_cases():
    a = np.diag([1.0, 1e-5])
    assert dsp.rank_with_error(a, 0.0).full is True
    assert dsp.rank_with_error(a, 1e-8).full is True
    r = dsp.rank_with_error(a, 1e-5 * 0.99999)  # lower bound below the non-zero threshold
    assert r.full is None and r.error_could_change
    assert dsp.rank_with_error(a, 1e-4).full is None
    z = np.diag([1.0, 0.0])
    assert dsp.rank_with_error(z, 0.0).full is False
    assert dsp.rank_with_error(z, 1e-12).full is False  # hi = 1e-12: still zero
    assert dsp.rank_with_error(z, 1e-9).full is None  # the error could hide a singular value of 1e-9
    assert dsp.rank_with_error(np.zeros((3, 2)), 0.0).full is False
    assert dsp.rank_with_error(a, 1e-8).margin == pytest.approx(math.log10((1e-5 - 1e-8) / (1 + 1e-8) / 1e-7))
    with pytest.raises(LandscapeError):
        dsp.rank_with_error(a, float("nan"))


def test_eq9_limit_known_answers_on_faces_and_inside():
    """f(w, x) = w_0 x_1 + w_1 (K = 1): at x = 0 the series of f and df/dw converge to (g(0) + g(1)) / 2."""
    f = lambda w, x: w[0] * x[:, 0] + w[1]  # noqa: E731
    w = torch.tensor([2.0, -0.5], dtype=torch.float64)
    x, y = np.array([[0.0], [0.25]]), np.array([1.0, 0.3])
    L = dsp.eq9_limit(f, w, x, y)
    fbar = np.array([2.0 / 2 - 0.5, 2.0 * 0.25 - 0.5])
    gbar = np.array([[0.5, 0.25], [1.0, 1.0]])
    np.testing.assert_allclose(L.f_limits, fbar, atol=1e-15)
    np.testing.assert_allclose(L.rhs, gbar @ (2 * (fbar - y)), atol=1e-14)
    assert list(L.on_faces) == [True, False] and L.discrepancy > 0.1
    inside = dsp.eq9_limit(f, w, x[1:], y[1:])
    assert inside.discrepancy < 1e-15
    # K = 2 corner: the average over the four corners
    g2 = lambda w, x: w[0] * x[:, 0] * x[:, 1] + w[1] * x[:, 0]  # noqa: E731
    L2 = dsp.eq9_limit(g2, w, np.array([[1.0, 0.0]]), np.array([0.0]))
    assert L2.f_limits[0] == pytest.approx((0 + 0 + 2.0 * 1 - 0.5 * 1 + (-0.5)) / 4)


def test_eq9_partial_sums_approach_the_analytic_limit():
    rng = np.random.default_rng(13)
    f, M = two_layer(3, 1, "tanh")
    p = torch.from_numpy(rng.standard_normal(M))
    x, y = np.array([[0.0], [0.4], [1.0]]), np.array([0.3, -0.2, 0.5])
    L = dsp.eq9_limit(f, p, x, y)
    dev = [float(np.linalg.norm(dsp.eq9(f, p, x, y, (n,), 2048).rhs - L.rhs)) for n in (4, 32, 256)]
    assert dev[0] > dev[1] > dev[2] and dev[2] < 1e-2 * np.linalg.norm(L.rhs)
    assert L.discrepancy > 0.05  # the face points keep eq. (9) away from the literal gradient


# -- eq. (9): the residual is the truncation residual (jiang.eq9 / .interior) ----------------------------------------
@pytest.mark.parametrize("k_dim,x", [(1, [[0.3], [0.55], [0.9]]), (1, [[0.0], [0.4], [1.0]]),
                                     (2, [[0.2, 0.7], [0.5, 0.5], [0.9, 0.1]])])
def test_eq9_residual_is_predicted_by_the_pointwise_truncation_errors(k_dim, x):
    """grad_w Q - H grad_theta Q = sum_t [l'(f_t) J_t - l'(fhat_t) (S_N J)_t] at every N (interior and face data),
    while the Wirtinger product H conj(grad_theta Q) -- real too, but not eq. (9) -- disagrees clearly."""
    rng = np.random.default_rng(5)
    f, M = two_layer(3, k_dim, "tanh")
    p = torch.from_numpy(rng.standard_normal(M))
    x = np.array(x)
    y = rng.standard_normal(x.shape[0])
    G = 256 if k_dim == 1 else 32
    wrong = []
    for n in ((1,), (4,), (16,)) if k_dim == 1 else ((1, 1), (4, 4)):
        e = dsp.eq9(f, p, x, y, n, G)
        assert tolerance.classify(e.agreement).outcome == "zero" and e.agreement < 1e-13
        assert e.agreement == dsp.eq9_agreement(e.lhs, e.rhs_real, e.residual_predicted)
        assert np.linalg.norm(e.residual_predicted) > 1e-6 * np.linalg.norm(e.lhs)  # the residual is not trivial
        wirtinger = (e.disparity.H @ np.conj(e.grad_theta)).real
        wrong.append(dsp.eq9_agreement(e.lhs, wirtinger, e.residual_predicted))
    assert max(wrong) > 1e-3 and tolerance.classify(max(wrong)).outcome == "nonzero"
    with pytest.raises(LandscapeError):
        dsp.eq9_agreement(e.lhs, e.rhs_real[:-1], e.residual_predicted)


def test_eq9_outcome_fails_when_the_computed_product_is_not_the_chain_rule(monkeypatch):
    """jiang.eq9.interior can fail: a planted error in H grad_theta Q (5 % on one row) is caught at interior data,
    whatever the convergence; without it the same example holds."""
    import dataclasses

    from landscape.claims.jiang import eq9 as jiang_eq9

    x = np.array([[0.3], [0.6], [0.8]])
    ok = jiang_eq9.eq9_outcome("tanh", 1, 2, x, 3)
    assert ok.status == "holds" and max(ok.stats["residual_agreement"]) < 1e-13
    real = dsp.eq9

    def planted(*a, **k):
        e = real(*a, **k)
        bad = e.rhs_real.copy()
        bad[0] += 0.05 * np.linalg.norm(e.lhs)
        return dataclasses.replace(e, rhs_real=bad)

    monkeypatch.setattr(dsp, "eq9", planted)
    o = jiang_eq9.eq9_outcome("tanh", 1, 2, x, 3)
    assert o.status == "fails" and o.stats["mechanism"] == "residual" and o.margin > 3


def test_eq9_outcome_redecides_on_larger_boxes_and_a_residual_that_does_not_vanish_stays_band(monkeypatch):
    """jiang.eq9.interior, quick seed 13: two points at distance >= 0.147 from the faces whose residual contributions
    cancel at the smallest box (5.7 % each, 0.099 % together at N = 5), so N <= 129 (0.079 %) is not half of it: the
    same rule at N = 8193, clear of halving the grid, decides it (the residual identity holds there too).  A planted
    residual that does not vanish (1 % of |grad_w Q|, consistent with the prediction) is not decided by them."""
    import dataclasses

    from landscape.claims.jiang import eq9 as jiang_eq9

    x = np.array([[0.8528206853462994], [0.48003602849814875]])
    o = jiang_eq9.eq9_outcome("tanh", 1, 2, x, 523297)
    d, lb = o.stats["distance_to_limit"], o.stats["larger_boxes"]
    assert d[-1] > d[0] / 2 and o.stats["distance_to_faces"] > 0.14  # undecided on EQ9_MODES, far from the faces
    assert o.status == "holds" and lb["decided"] and lb["N"][-1] == 8193
    assert lb["upper"] < d[0] / 10 and lb["grid_change_at_largest"] < 0.2 * lb["distance_to_limit"][-1]
    assert max(lb["residual_agreement"]) < 1e-13
    real = dsp.eq9

    def offset(*a, **k):
        e = real(*a, **k)
        delta = np.zeros_like(e.rhs)
        delta[0] = 0.01 * np.linalg.norm(e.lhs)
        return dataclasses.replace(e, rhs=e.rhs + delta, rhs_real=e.rhs_real + delta,
                                   residual_predicted=e.residual_predicted - delta)

    monkeypatch.setattr(dsp, "eq9", offset)
    bad = jiang_eq9.eq9_outcome("tanh", 1, 2, x, 523297)
    assert bad.status == "band" and not bad.stats["larger_boxes"]["decided"]


def test_relu_exact_multiple_precision_h_has_the_real_views_columns_and_decides_ill_conditioned_ranks():
    rng = np.random.default_rng(2)
    m = 6
    w = rng.normal(size=m) * 4
    b = -w * rng.random(m)
    a = rng.normal(size=m)
    w[1], b[1] = w[0], b[0] * (1 + 1e-9)  # two kinks 1e-9 apart: s_N / s_1 tiny, yet full rank
    v = np.concatenate([np.stack([w, b], 1).reshape(-1), a])
    D = dsp.relu_two_layer_exact(v, (12,))  # M = 18 rows, N = 25 columns: the rows decide
    A = np.array(dsp.relu_two_layer_exact_mp(v, (12,), 30).tolist(), dtype=float)
    R = D.real
    for j in range(R.shape[1]):  # every real-view column is a multiple of one mp column: same column space
        res = [np.linalg.norm(R[:, j] - A[:, i] * (R[:, j] @ A[:, i]) / (A[:, i] @ A[:, i])) for i in range(A.shape[1])]
        assert min(res) < 1e-12 * np.linalg.norm(R[:, j])
    target = D.M - m  # ReLU homogeneity: one exact relation per neuron (jiang.random_init_full_rank)
    assert tolerance.rank(R, target=target).full is not True  # float64 cannot tell
    rk = tolerance.rank(R, target=target, exact=lambda dps: dsp.relu_two_layer_exact_mp(v, (12,), dps))
    assert rk.full is True and rk.decision.precision.startswith("mp")
    dup = v.copy()
    dup[2], dup[3], dup[2 * m + 1] = dup[0], dup[1], dup[2 * m]  # an exact duplicate of neuron 0
    Dd = dsp.relu_two_layer_exact(dup, (12,))
    rk2 = tolerance.rank(Dd.real, target=target, exact=lambda dps: dsp.relu_two_layer_exact_mp(dup, (12,), dps))
    assert rk2.full is False


# -- jiang: the split fixtures and Lemma 1's decision (the points: tests/test_stationary.py) -------------------------
def test_split_fixtures_are_labelled_by_the_shared_saturation_rule():
    from landscape._lib import fixtures
    from landscape.claims.jiang import points

    fx = {f.id: f for f in points.split_fixtures()}
    ok, drift = fx["jiang.split[0]"], fx["jiang.split[1]"]
    assert ok.kind == "stationary" and ok.facts["stationary"] is True and not ok.properties["saturated"]
    assert drift.kind == "saturated_drift" and drift.facts["stationary"] is None
    assert drift.properties["saturated"] is True and drift.properties["stationary"] is None
    sel = fixtures.select(points.LEMMA1_REQUIRES)
    assert "jiang.split[0]" in {f.id for f in sel.matched} and "jiang.split[1]" in sel.excluded


def test_lemma1_never_calls_a_positive_loss_a_global_minimum_without_a_bound():
    """A stationary point with full-rank H and a positive loss: band without a lower witness clearly below it
    (even when nothing lower was found, lower = loss), fails with one, holds only at zero loss."""
    from landscape._lib.stationary import dead_on_data_point
    from landscape.claims.jiang.lemma1 import lemma1_decide
    from landscape.claims.jiang.points import examine_point

    pt = dead_on_data_point(160, 0.01, 3, 0)
    ex = examine_point(pt)
    assert ex["stationary"]["outcome"] == "zero" and ex["main"]["full"] is True
    o, why = lemma1_decide(pt, ex, "main")
    assert o.status == "fails" and why == "counterexample"
    for lower in (None, ex["loss"]):  # no witness / "the best restart found nothing lower"
        e2 = dict(ex, lower_loss=lower, gap=None if lower is None else tolerance.classify(0.0).as_dict())
        o2, why2 = lemma1_decide(pt, e2, "main")
        assert o2.status == "band" and why2 == "band"
    e3 = dict(ex, zero_loss=tolerance.classify(0.0).as_dict())
    assert lemma1_decide(pt, e3, "main")[0].status == "holds"
    e4 = dict(ex, saturation=dict(ex["saturation"], saturated=True))
    assert lemma1_decide(pt, e4, "main") == (
        None, "saturated (a drift towards infinity, not a finite stationary point)")


# -- bad input -------------------------------------------------------------------------------------------------------
def _bad_cases():
    f, M = two_layer(2, 2, "tanh")
    p = torch.zeros(M, dtype=torch.float64)
    x, y = np.full((3, 2), 0.5), np.zeros(3)
    good = np.ones(17 * 17)
    return [
        ("G too coarse", lambda: fourier.sample(lambda x: x[:, 0], (4,), 8)),
        ("not a grid", lambda: fourier.transform(np.ones(50), (2, 2))),
        ("nan samples", lambda: fourier.transform(np.full(17 * 17, np.nan), (2, 2))),
        ("complex samples", lambda: fourier.transform(good + 0j, (2, 2))),
        ("negative n", lambda: fourier.transform(good, (2, -1))),
        ("empty n", lambda: fourier.transform(good, ())),
        ("unknown rule", lambda: fourier.transform(good, (2, 2), rule="simpson")),
        ("bad axis", lambda: fourier.transform(good, (2, 2), axis=1)),
        ("levels 1", lambda: fourier.discretisation_error(lambda x: x[:, 0], (2,), 8, levels=1)),
        ("asymmetric theta", lambda: fourier.to_real(np.arange(5) * 1j, (2,))),
        ("wrong length", lambda: fourier.to_complex(np.ones(4), (2,))),
        ("grid K", lambda: fourier.grid(0, 8)),
        ("params 2-d", lambda: dsp.disparity(f, p.reshape(1, -1), (2, 2), 8)),
        ("params nan", lambda: dsp.disparity(f, torch.full((M,), float("nan")), (2, 2), 8)),
        ("wrong output shape", lambda: dsp.disparity(lambda w, x: w[: x.shape[0] + 1], p, (2,), 8)),
        ("network nan", lambda: dsp.disparity(lambda w, x: (x[:, 0] - 0.5).log(), p, (2,), 8)),
        ("unknown method", lambda: dsp.disparity(f, p, (2, 2), 8, method="adjoint")),
        ("data outside cube", lambda: dsp.eq9(f, p, x + 1, y, (2, 2), 8)),
        ("data wrong K", lambda: dsp.eq9(f, p, x[:, :1], y, (2, 2), 8)),
        ("targets length", lambda: dsp.eq9(f, p, x, y[:2], (2, 2), 8)),
        ("residual", lambda: dsp.eq9(f, p, x, y, (2, 2), 8, residual="both")),
        ("loss not callable", lambda: dsp.eq9(f, p, x, y, (2, 2), 8, loss=3)),
        ("precomputed mismatch", lambda: dsp.eq9(f, p, x, y, (2, 2), 8,
                                                  precomputed=dsp.disparity(f, p, (1, 1), 8))),
        ("too big", lambda: dsp.jacobian(f, torch.zeros(10**6, dtype=torch.float64), np.full((600, 2), 0.5))),
    ]


@pytest.mark.parametrize("name,call", _bad_cases(), ids=[c[0] for c in _bad_cases()])
def test_bad_input_raises_landscape_error(name, call):
    with pytest.raises(LandscapeError) as info:
        call()
    assert "\n" not in str(info.value)
