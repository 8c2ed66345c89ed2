"""Known-answer tests of the Du et al. machinery (``/work/shared/papers/002_7f4fd584f3752d2b.txt``):
networks of eq. (2)/(3), c_sigma, Gaussian expectations, K^(H) of Def. 5.1 / 6.1,
empirical Gram matrices of section 4 and the gradient-descent trainer."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from landscape._lib import kernels as kz
from landscape._lib import tolerance
from landscape._lib.activations import names
from landscape._lib.errors import LandscapeError
from landscape._lib.networks.du import DuArchitecture, DuParams, sphere_data

SMOOTH_NO_CF = ["softplus", "sigmoid", "tanh", "gelu", "silu"]


def _rel(a, b) -> float:
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def _covariances(seed: int = 0, n: int = 24):
    """Random 2x2 covariances plus the edge cases rho = +1, rho = -1 and a zero variance."""
    rng = np.random.default_rng(seed)
    k11, k22 = rng.uniform(0.2, 2.0, n), rng.uniform(0.2, 2.0, n)
    k12 = rng.uniform(-1, 1, n) * np.sqrt(k11 * k22)
    k12[0] = np.sqrt(k11[0] * k22[0])
    k12[1] = -np.sqrt(k11[1] * k22[1])
    k11[2], k12[2] = 0.0, 0.0
    return k11, k12, k22


# --------------------------------------------------------------------------- c_sigma
def test_c_sigma_relu_is_exactly_two():
    assert kz.c_sigma("relu") == 2.0
    assert kz.c_sigma("relu", method="quadrature") == pytest.approx(2.0, rel=1e-14)
    assert kz.c_sigma("linear") == 1.0
    assert kz.c_sigma("poly2") == pytest.approx(1 / 3, rel=1e-15)  # E[z^4] = 3
    assert kz.c_sigma("erf") == pytest.approx(math.pi / (2 * math.asin(2 / 3)), rel=1e-14)


@pytest.mark.parametrize("name", names())
def test_c_sigma_quadrature_converged(name):
    est = kz.second_moment(name)
    assert est.error <= 1e-13 * est.value
    assert kz.c_sigma(name, method="quadrature") == pytest.approx(kz.c_sigma(name), rel=1e-13)


# --------------------------------------------------------------- closed forms vs quadrature
@pytest.mark.parametrize("name", ["relu", "leaky_relu", "erf", "exp", "poly2", "poly3", "linear"])
@pytest.mark.parametrize("derivative", [False, True])
def test_closed_forms_match_polar_quadrature(name, derivative):
    k11, k12, k22 = _covariances()
    exact = kz.pair_expectation(name, k11, k12, k22, derivative=derivative, method="closed")
    polar = kz.pair_expectation(name, k11, k12, k22, derivative=derivative, method="polar")
    assert _rel(polar, exact) < 1e-11


@pytest.mark.parametrize("name", ["erf", "exp", "poly3"])
@pytest.mark.parametrize("derivative", [False, True])
def test_closed_forms_match_gauss_hermite_and_mehler(name, derivative):
    k11, k12, k22 = _covariances(1)
    exact = kz.pair_expectation(name, k11, k12, k22, derivative=derivative, method="closed")
    gh = kz.pair_expectation(name, k11, k12, k22, derivative=derivative, method="quadrature", degree=150)
    mehler = kz.pair_expectation(name, k11, k12, k22, derivative=derivative, method="hermite")
    assert _rel(gh, exact) < 1e-11  # erf' = e^{-z^2}: tensor GH converges slowest
    assert _rel(mehler, exact) < 1e-12


def test_closed_form_known_values():
    # arc-cosine kernels: rho = 1, 0, -1
    assert kz.relu_kernel(2.0, 2.0, 2.0) == pytest.approx(1.0, rel=1e-15)  # E[relu(u)^2] = k/2
    assert kz.relu_kernel(1.0, 0.0, 4.0) == pytest.approx(2 / (2 * math.pi), rel=1e-15)
    assert kz.relu_kernel(1.0, -1.0, 1.0) == pytest.approx(0.0, abs=1e-16)
    assert kz.relu_derivative_kernel(1.0, 0.0, 1.0) == pytest.approx(0.25, rel=1e-15)
    assert kz.relu_derivative_kernel(1.0, 1.0, 1.0) == pytest.approx(0.5, rel=1e-15)
    assert kz.relu_derivative_kernel(1.0, -1.0, 1.0) == pytest.approx(0.0, abs=1e-16)
    assert kz.erf_kernel(1.0, 0.0, 1.0) == 0.0
    assert kz.erf_kernel(1.0, 1.0, 1.0) == pytest.approx(2 / math.pi * math.asin(2 / 3), rel=1e-15)


def test_activation_record_carries_both_closed_forms():
    """One activation, one record: the float64 dual kernel and its mpmath twin live together
    (``Activation.closed_form`` / ``mp_closed_form``) and agree; the mp path reads the record."""
    import mpmath as mp

    from landscape._lib import activations

    with_mp = {a.name for a in activations.all_activations() if a.mp_closed_form is not None}
    assert with_mp == set(kz.MP_ACTIVATIONS)
    assert {a.name for a in activations.all_activations() if a.closed_form is not None} == with_mp
    k11, k12, k22 = 0.8, -0.3, 1.3
    for name in kz.MP_ACTIVATIONS:
        cf, mcf = activations.get(name).closed_form, activations.get(name).mp_closed_form
        with mp.workdps(40):
            pair, dpair, mean, c = kz.mp_closed_form(name)
            assert pair is mcf.pair and dpair is mcf.deriv_pair and mean is mcf.mean
            args = (mp.mpf(k11), mp.mpf(k12), mp.mpf(k22))
            assert float(mcf.pair(*args)) == pytest.approx(float(cf.pair(k11, k12, k22)), rel=1e-13, abs=1e-15)
            assert float(mcf.deriv_pair(*args)) == pytest.approx(float(cf.deriv_pair(k11, k12, k22)), rel=1e-13,
                                                                 abs=1e-15)
            assert float(mcf.mean(mp.mpf(k22))) == pytest.approx(float(cf.mean(k22)), rel=1e-13, abs=1e-15)
            assert float(c) == pytest.approx(kz.c_sigma(name), rel=1e-14)


def test_mehler_matches_gauss_hermite_for_smooth_activations():
    k11, k12, k22 = _covariances(2)
    for name in SMOOTH_NO_CF:
        for der in (False, True):
            h = kz.pair_expectation(name, k11, k12, k22, derivative=der, method="hermite")
            p = kz.pair_expectation(name, k11, k12, k22, derivative=der, method="polar")
            assert _rel(h, p) < 1e-9, (name, der)


def test_dual_matrix_error_bound_is_honest():
    x = sphere_data(12, 4, 0).numpy()
    x[:4] *= 1.7
    K0 = x @ x.T
    for name in SMOOTH_NO_CF:
        for der in (False, True):
            M, bound = kz.dual_matrix(name, K0, derivative=der, method="hermite")
            P, _ = kz.dual_matrix(name, K0, derivative=der, method="polar")
            assert np.max(np.abs(M - P)) <= 10 * bound + 1e-13 * np.max(np.abs(P)), (name, der)


def test_bivariate_guards_at_correlation_one_and_zero_variance():
    """At rho = +-1 the Cholesky factor has l22 = 0 and the tensor rule collapses to the
    1-d rule of the same degree: E[f(s1 z) g(+-s2 z)]."""
    f = kz.resolve_fn("softplus")
    z, w = kz.gauss_hermite(64)
    s1, s2 = 0.7, 1.9
    for sign in (1.0, -1.0):
        expect = float((f(s1 * z) * f(sign * s2 * z)) @ w)
        got = kz.bivariate_expectation("softplus", "softplus", s1 * s1, sign * s1 * s2, s2 * s2, degree=64)
        assert float(got) == pytest.approx(expect, rel=1e-14)
    got = kz.bivariate_expectation("softplus", "tanh", 0.0, 0.0, 2.0)
    assert float(got) == pytest.approx(math.log(2.0) * float(kz.gaussian_mean("tanh", 2.0)), abs=1e-15)
    # slightly beyond |rho| = 1 by rounding is clipped, not rejected
    v = kz.bivariate_expectation("softplus", "softplus", 1.0, 1.0 + 1e-13, 1.0)
    assert np.isfinite(v)


# ------------------------------------------------------------------------- networks
def _numpy_forward(arch: DuArchitecture, p: DuParams, X: np.ndarray) -> list[np.ndarray]:
    """Eq. (2) / eq. (3) written out column-wise (x as column vectors), independently."""
    f = kz.resolve_fn(arch.activation)
    c, m, H = kz.c_sigma(arch.activation), arch.m, arch.H
    outs = []
    for x in X:
        xs = [x]
        for h in range(1, H + 1):
            W = p.W[h - 1].numpy()
            if arch.kind == "resnet" and h >= 2:
                xs.append(xs[-1] + arch.c_res / (H * math.sqrt(m)) * f(W @ xs[-1]))
            else:
                xs.append(math.sqrt(c / m) * f(W @ xs[-1]))
        outs.append(xs)
    return outs


@pytest.mark.parametrize("kind", ["fc", "resnet"])
def test_forward_is_eq_2_and_3(kind):
    arch = DuArchitecture(d=3, m=6, H=3, activation="softplus", kind=kind, c_res=0.3)
    p = arch.init(4)
    X = sphere_data(4, 3, 1)
    fwd = arch.forward(p, X)
    ref = _numpy_forward(arch, p, X.numpy())
    assert len(fwd.layers) == arch.H + 1 and len(fwd.pre) == arch.H
    for h in range(arch.H + 1):
        assert _rel(fwd.layers[h].numpy(), np.array([r[h] for r in ref])) < 1e-14
    assert _rel(fwd.u.numpy(), np.array([r[-1] @ p.a.numpy() for r in ref])) < 1e-14


def test_resnet_with_one_layer_is_the_fc_network():
    a = DuArchitecture(d=3, m=5, H=1, kind="fc")
    b = DuArchitecture(d=3, m=5, H=1, kind="resnet")
    X = sphere_data(3, 3, 0)
    assert torch.equal(a.output(a.init(1), X), b.output(b.init(1), X))


def test_architecture_round_trip():
    arch = DuArchitecture(d=3, m=8, H=4, activation="tanh", kind="resnet", c_res=0.25)
    assert DuArchitecture.from_dict(arch.as_dict()) == arch
    assert arch.in_paper_regime and not DuArchitecture(2, 2, 2, kind="resnet", c_res=1.5).in_paper_regime
    assert arch.layer_scale(1) == pytest.approx(math.sqrt(kz.c_sigma("tanh") / 8), rel=1e-15)
    assert arch.layer_scale(2) == pytest.approx(0.25 / (4 * math.sqrt(8)), rel=1e-15)


def test_init_is_seeded_standard_normal():
    arch = DuArchitecture(d=4, m=300, H=3)
    p, q, r = arch.init(11), arch.init(11), arch.init(12)
    assert all(torch.equal(s, t) for s, t in zip(p.tensors(), q.tensors()))
    assert not torch.equal(p.W[1], r.W[1])
    assert [tuple(t.shape) for t in p.tensors()] == arch.shapes()
    assert all(t.dtype == torch.float64 for t in p.tensors())
    w = p.flat()
    assert abs(float(w.mean())) < 5 / math.sqrt(w.numel())
    assert float(w.var()) == pytest.approx(1.0, abs=5 * math.sqrt(2 / w.numel()))


def test_c_sigma_normalises_fc_layers():
    """Below eq. (2): with unit-norm inputs K^(h)_ii = 1 in every layer (Def. 5.1)."""
    X = sphere_data(5, 4, 2)
    for name in ("softplus", "relu", "tanh"):
        R = kz.analytic_gram(X, 4, name)
        for K in R.layers:
            assert np.allclose(np.diag(K), 1.0, rtol=0, atol=1e-13)


# ------------------------------------------------------------------ empirical Gram
@pytest.mark.parametrize("kind", ["fc", "resnet"])
@pytest.mark.parametrize("act", ["softplus", "relu"])
def test_gram_identity_matches_jacrev(kind, act):
    arch = DuArchitecture(d=3, m=7, H=3, activation=act, kind=kind, c_res=0.7)
    p = arch.init(1)
    X = sphere_data(5, 3, 2)
    g1, g2 = kz.empirical_gram(arch, p, X), kz.empirical_gram_jacrev(arch, p, X)
    for a, b in zip(g1.layers + [g1.output], g2.layers + [g2.output]):
        assert _rel(a, b) < 1e-12
    assert _rel(g1.total, g2.total) < 1e-12
    assert tolerance.psd(g1.last).psd


def test_backprop_gradient_matches_autograd():
    arch = DuArchitecture(d=3, m=6, H=3, activation="tanh", kind="resnet", c_res=0.5)
    p, X = arch.init(0), sphere_data(4, 3, 0)
    y = torch.linspace(-1, 1, 4, dtype=torch.float64)
    ts = [t.clone().requires_grad_(True) for t in p.tensors()]
    u = arch.forward(DuParams(tuple(ts[:-1]), ts[-1]), X).u
    grads = torch.autograd.grad(0.5 * ((u - y) ** 2).sum(), ts)
    fwd = arch.forward(p, X)
    r = fwd.u - y
    deltas = arch.backward(p, fwd)
    manual = [(d * r[:, None]).T @ A for d, A in zip(deltas, fwd.layers[:-1])] + [fwd.layers[-1].T @ r]
    for a, b in zip(manual, grads):
        assert _rel(a.numpy(), b.numpy()) < 1e-13


# ------------------------------------------------------- Monte Carlo vs analytic K^(H)
# G^(H)_ij(0) = (s^2/m) sum_r a_r^2 sigma'(z_ir) sigma'(z_jr) <x_i^(H-1), x_j^(H-1)> is an
# average of m i.i.d. terms (plus O(m^-1/2) fluctuations of the lower layers), so
# |G^(H)(0) - K^(H)| / max|K^(H)| = O(m^-1/2).  Measured constant for these data: about
# 3-4 for one network (max over entries); the mean of S independent networks then has
# error about 3.5 / sqrt(S m).  Tolerance: 6 / sqrt(S m) (S = 8, m = 2048: 0.047;
# observed 0.013-0.017).  The printed last-layer covariance A^(H-1) is farther away.
MC_WIDTH, MC_SEEDS, MC_CONST = 2048, 8, 6.0


@pytest.mark.parametrize("kind,H", [("fc", 2), ("resnet", 3)])
def test_monte_carlo_matches_analytic_gram(kind, H):
    X = sphere_data(5, 3, 7)
    arch = DuArchitecture(d=3, m=MC_WIDTH, H=H, activation="softplus", kind=kind, c_res=0.9)
    R = kz.analytic_gram_for(arch, X)
    G = np.mean([kz.empirical_gram(arch, arch.init(s), X).last for s in range(MC_SEEDS)], axis=0)
    tol = MC_CONST / math.sqrt(MC_SEEDS * MC_WIDTH)
    err = _rel(G, R.K)
    assert err < tol
    if kind == "fc":  # the printed A^(H-1) (= K^(0) here) is rejected at this width
        literal = kz.analytic_gram_for(arch, X, literal=True)
        assert _rel(G, literal.K) > 2 * err


def test_resnet_step_pairing_matches_network():
    """Def. 6.1 cross term: b_i pairs with E[sigma(v)] (point j), as eq. (3) implies.

    One step (empirical K^(1), b^(1)) -> K^(2) is the exact conditional mean over W^(2);
    the residual error is O(m^-1/2) noise, averaged over seeds.  Non-unit norms make the
    printed pairing b_i E[sigma(u)] differ by about 0.08 here.
    """
    X = sphere_data(4, 3, 7) * torch.tensor([0.3, 3.0, 1.0, 1.5])[:, None]
    arch = DuArchitecture(d=3, m=1024, H=3, activation="softplus", kind="resnet", c_res=0.9)
    ed, el, gap = [], [], 0.0
    for s in range(6):
        p = arch.init(s)
        L, B = kz.empirical_layer_kernels(arch, p, X), kz.empirical_b(arch, p, X)
        Kd, bd = kz.resnet_layer_step(L[1], B[0], "softplus", 3, 0.9)
        Kl, _ = kz.resnet_layer_step(L[1], B[0], "softplus", 3, 0.9, literal=True)
        ed.append(L[2] - Kd)
        el.append(L[2] - Kl)
        gap = max(gap, float(np.max(np.abs(Kd - Kl))))
        assert np.max(np.abs(bd - B[1])) < 0.05  # b^(2) recursion
    err_d, err_l = np.max(np.abs(np.mean(ed, 0))), np.max(np.abs(np.mean(el, 0)))
    assert err_d < 0.4 * gap < err_l


# ---------------------------------------------------------------- lambda_min(K^(H))
@pytest.mark.parametrize("kind", ["fc", "resnet"])
def test_lambda_min_positive_for_softplus_and_zero_for_duplicates(kind):
    X = sphere_data(10, 4, 1)
    R = kz.analytic_gram(X, 3, "softplus", kind)
    assert R.lambda_min() > 0
    dec = tolerance.rank(R.K)
    assert dec.full is True and dec.decision.outcome == "nonzero"
    Xd = torch.cat([X, X[:2]])
    Rd = kz.analytic_gram(Xd, 3, "softplus", kind)
    dd = tolerance.rank(Rd.K)
    assert dd.full is False and dd.rank == 10
    assert tolerance.psd(Rd.K).psd


def test_analytic_methods_agree():
    X = sphere_data(6, 3, 3).numpy() * np.array([1.0, 0.5, 2.0, 1.0, 1.2, 0.8])[:, None]
    for kind in ("fc", "resnet"):
        base = kz.analytic_gram(X, 3, "softplus", kind, method="hermite").K
        assert _rel(kz.analytic_gram(X, 3, "softplus", kind, method="polar").K, base) < 1e-12
        # tensor Gauss-Hermite of degree 64 per axis: spectral but slower (~1e-11 here)
        assert _rel(kz.analytic_gram(X, 3, "softplus", kind, method="quadrature").K, base) < 1e-9
        relu = kz.analytic_gram(X, 3, "relu", kind, method="closed").K
        assert _rel(kz.analytic_gram(X, 3, "relu", kind, method="polar").K, relu) < 1e-11
    # H = 1 (FC): K^(1) = c K^(0) o E[sigma' sigma'] -- the H^infty of section 4 times c_sigma
    R = kz.analytic_gram(X, 1, "relu")
    K0 = X @ X.T
    d = np.diag(K0)
    assert _rel(R.K, 2.0 * K0 * kz.relu_derivative_kernel(d[:, None], K0, d[None, :])) < 1e-14
    assert np.array_equal(R.K, kz.analytic_gram(X, 1, "relu", literal=True).K)


def test_analytic_gram_fast_path_n200():
    X = sphere_data(200, 8, 0)
    R = kz.analytic_gram(X, 6, "softplus")
    assert R.K.shape == (200, 200) and R.error_bound < 1e-14
    assert np.allclose(R.K, R.K.T, rtol=0, atol=0)


# ---------------------------------------------------------------------- training
def test_train_gd_records_and_is_consistent():
    X = sphere_data(8, 4, 1)
    y = torch.linspace(-1, 1, 8, dtype=torch.float64)
    arch = DuArchitecture(d=4, m=128, H=2, activation="softplus")
    p = arch.init(0)
    G = kz.empirical_gram(arch, p, X)
    eta = 1.0 / float(np.linalg.eigvalsh(G.total)[-1])
    hist = kz.train_gd(arch, p, X, y, eta=eta, steps=40, gram_every=20)
    assert hist.loss.shape == (41,) and hist.dist.shape == (41, 2) and hist.residual.shape == (41, 8)
    assert hist.gram_steps == [0, 20, 40] and not hist.diverged and hist.steps_done == 40
    assert np.array_equal(hist.grams[0], G.last)
    assert np.all(np.diff(hist.loss) < 0)
    assert np.all(hist.dist[0] == 0) and np.all(hist.dist[-1] > 0) and hist.dist_a[0] == 0
    assert hist.loss[0] == pytest.approx(arch.loss(p, X, y), rel=1e-14)
    assert torch.equal(p.W[0], arch.init(0).W[0])  # input not modified
    # one tiny step: y - u(1) = (I - eta G(0)) (y - u(0)) + O(eta^2)  (section 4)
    h1 = kz.train_gd(arch, p, X, y, eta=1e-6, steps=1, gram_every=None)
    pred = h1.residual[0] - 1e-6 * G.total @ h1.residual[0]
    assert _rel(h1.residual[1] - h1.residual[0], pred - h1.residual[0]) < 1e-5
    # a huge step diverges and is flagged
    bad = kz.train_gd(arch, p, X, y, eta=1e3, steps=200, gram_every=None)
    assert bad.diverged and bad.steps_done < 200 and np.all(np.isfinite(bad.loss))


def test_train_gd_records_the_step_that_blew_up():
    """A one-step blow-up (eta = 1e7) keeps the finite iterate in ``loss`` and records the step
    that blew up apart: never a complete (clean) run."""
    arch = DuArchitecture(d=4, m=64, H=2, activation="tanh")
    X, y = sphere_data(4, 4, 1), np.linspace(-1, 1, 4)
    h = kz.train_gd(arch, arch.init(0), X, y, eta=1e7, steps=50, gram_every=None)
    assert h.diverged and not h.complete and h.steps_planned == 50
    assert h.steps_done == 0 and len(h.loss) == 1 and h.blowup_step == 1
    assert not (h.blowup_loss <= kz.DIVERGENCE_FACTOR * h.loss[0])  # non-finite or beyond the factor
    assert h.blowup_gram is None or h.blowup_gram.shape == (4, 4)
    ok = kz.train_gd(arch, arch.init(0), X, y, eta=1e-3, steps=5, gram_every=None)
    assert ok.complete and ok.blowup_step is None and ok.blowup_loss is None


def test_rate_bound():
    b = kz.rate_bound(2.0, 0.1, 0.4, 3)
    assert np.allclose(b, 2.0 * 0.98 ** np.arange(4), rtol=1e-15)


# --------------------------------------------------------------------- bad input
BAD = {
    "zero width": lambda: DuArchitecture(d=3, m=0, H=2),
    "negative depth": lambda: DuArchitecture(d=3, m=4, H=-1),
    "zero depth": lambda: DuArchitecture(d=3, m=4, H=0),
    "float width": lambda: DuArchitecture(d=3, m=4.5, H=2),
    "unknown kind": lambda: DuArchitecture(d=3, m=4, H=2, kind="cnn"),
    "unknown activation": lambda: DuArchitecture(d=3, m=4, H=2, activation="softpuls"),
    "negative c_res": lambda: DuArchitecture(d=3, m=4, H=2, kind="resnet", c_res=-0.1),
    "nan c_res": lambda: DuArchitecture(d=3, m=4, H=2, kind="resnet", c_res=float("nan")),
    "nan data": lambda: DuArchitecture(d=2, m=4, H=1).forward(
        DuArchitecture(d=2, m=4, H=1).init(0), np.array([[0.0, np.nan]])),
    "wrong columns": lambda: DuArchitecture(d=3, m=4, H=1).forward(
        DuArchitecture(d=3, m=4, H=1).init(0), np.ones((2, 4))),
    "wrong params": lambda: DuArchitecture(d=3, m=4, H=2).forward(
        DuArchitecture(d=3, m=5, H=2).init(0), np.ones((2, 3))),
    "resnet H=1 kernel": lambda: kz.analytic_gram(np.eye(2), 1, "softplus", "resnet"),
    "kernel bad kind": lambda: kz.analytic_gram(np.eye(2), 2, "softplus", "rnn"),
    "kernel bad depth": lambda: kz.analytic_gram(np.eye(2), 0, "softplus"),
    "kernel bad method": lambda: kz.analytic_gram(np.eye(2), 2, "softplus", method="mc"),
    "no closed form": lambda: kz.pair_expectation("softplus", 1.0, 0.0, 1.0, method="closed"),
    "non-PSD covariance": lambda: kz.bivariate_expectation("tanh", "tanh", 1.0, 2.0, 1.0),
    "non-PSD kernel": lambda: kz.dual_matrix("tanh", np.array([[1.0, 2.0], [2.0, 1.0]])),
    "negative variance": lambda: kz.gaussian_mean("tanh", -1.0),
    "degree 0": lambda: kz.gauss_hermite(0),
    "degree too high": lambda: kz.gauss_hermite(1000),
    "bad eta": lambda: kz.train_gd(DuArchitecture(d=2, m=3, H=1), DuArchitecture(d=2, m=3, H=1).init(0),
                                   np.eye(2), [0.0, 1.0], eta=-1.0, steps=1),
    "bad labels": lambda: kz.train_gd(DuArchitecture(d=2, m=3, H=1), DuArchitecture(d=2, m=3, H=1).init(0),
                                      np.eye(2), [0.0, 1.0, 2.0], eta=0.1, steps=1),
    "bad seed": lambda: DuArchitecture(d=2, m=3, H=1).init(1.5),
    "missing field": lambda: DuArchitecture.from_dict({"d": 2, "m": 3}),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_raises_landscape_error(case):
    with pytest.raises(LandscapeError) as info:
        BAD[case]()
    assert "\n" not in str(info.value)
