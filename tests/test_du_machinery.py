"""Exact tests of the machinery behind the Du et al. and Golikov claims
(``landscape/_lib/kernels/``, ``landscape/_lib/networks/du.py``,
``landscape/claims/du/``; papers ``002_7f4fd584f3752d2b.txt`` and ``003_6b1d70a06ebc74fd.txt``):
quadrature degree selection and error bounds, the multiple-precision kernel, polynomial rank
certificates, the trainer and the shared two-layer net (the trend rules: ``tests/test_trend.py``)."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch

from landscape._lib import kernels as kz
from landscape.claims.du import concentration as du_conc
from landscape.claims.du import depth as du_depth
from landscape.claims.du import kernel_pd as du_pd
from landscape.claims.du import normalisation as du_norm
from landscape.claims.du import rate as du_rate
from landscape.claims.du import stability as du_stab
from landscape.claims.du import training as du_train
from landscape._lib.networks import two_layer as g
from landscape.claims.golikov.du_trends import trend_decision
from landscape._lib.errors import LandscapeError
from landscape._lib.networks.du import DuArchitecture, DuParams, separated_sphere_data, sphere_data


def _rel(a, b) -> float:
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


# --------------------------------------------------------------- quadrature degree and errors
@pytest.mark.parametrize("name", ["softplus", "tanh", "gelu"])
@pytest.mark.parametrize("derivative", [False, True])
def test_hermite_bound_covers_off_diagonal_entries(name, derivative):
    """The Mehler bound (chosen degree) covers |M - M_360| on every entry, off-diagonal ones included."""
    x = sphere_data(9, 4, 0).numpy() * np.linspace(0.6, 1.4, 9)[:, None]
    K = x @ x.T
    M, bound = kz.dual_matrix(name, K, derivative=derivative, method="hermite")
    M360, _ = kz.dual_matrix(name, K, derivative=derivative, method="hermite", degree=kz.MAX_GH_DEGREE)
    off = ~np.eye(9, dtype=bool)
    assert np.max(np.abs(M - M360)[off]) <= bound + 1e-15
    assert bound <= 1e-9 * float(np.max(np.abs(np.diag(M))))  # tanh, tanh' at scale 1.4 (poles at +-i pi/2): 5e-12, 2e-10
    P, _ = kz.dual_matrix(name, K, derivative=derivative, method="polar")
    assert np.max(np.abs(M - P)) <= 10 * bound + 1e-13 * np.max(np.abs(P))


def test_hermite_degree_climbs_for_tanh():
    """tanh (poles at +-i pi/2) needs a higher degree than softplus at the same scale."""
    s = np.array([1.0])
    _, _, q_tanh, _ = kz.hermite_alpha("tanh", s, False, None)
    _, _, q_soft, _ = kz.hermite_alpha("softplus", s, False, None)
    assert q_tanh > q_soft
    assert q_soft == kz.HERMITE_DEGREES[0]


@pytest.mark.parametrize("name,method", [("erf", "quadrature"), ("poly3", "quadrature"), ("relu", "polar"),
                                         ("erf", "polar")])
def test_tensor_and_polar_rules_report_their_error(name, method):
    x = sphere_data(6, 3, 1).numpy() * np.linspace(0.5, 1.5, 6)[:, None]
    K = x @ x.T
    for der in (False, True):
        M, err = kz.dual_matrix(name, K, derivative=der, method=method)
        C, cerr = kz.dual_matrix(name, K, derivative=der, method="closed")
        assert math.isfinite(err) and cerr == 0.0
        assert np.max(np.abs(M - C)) <= 10 * err + 1e-13 * np.max(np.abs(C))


@pytest.mark.parametrize("kind", ["fc", "resnet"])
@pytest.mark.parametrize("name", ["softplus", "tanh"])
def test_propagated_bound_covers_an_independent_method(kind, name):
    x = sphere_data(7, 3, 2).numpy() * np.linspace(0.7, 1.3, 7)[:, None]
    R = kz.analytic_gram(x, 4, name, kind)
    P = kz.analytic_gram(x, 4, name, kind, method="polar")
    assert len(R.step_bounds) == 4 and math.isfinite(R.error_bound)
    assert np.max(np.abs(R.K - P.K)) <= R.error_bound + P.error_bound + 1e-14 * np.max(np.abs(P.K))
    assert R.error_bound < 1e-10 * max(1.0, float(np.max(np.abs(R.K))))  # tanh at scales up to 1.3: ~7e-12


def test_bound_is_nan_only_for_nonsmooth_without_closed_form():
    x = sphere_data(4, 3, 3).numpy()
    assert kz.analytic_gram(x, 3, "relu").error_bound == 0.0
    assert kz.analytic_gram(x, 3, "erf", "resnet").error_bound == 0.0
    assert math.isnan(kz.analytic_gram(x, 3, "elu").error_bound)


# ------------------------------------------------------------------ multiple precision
@pytest.mark.parametrize("name", ["erf", "relu", "leaky_relu", "poly2", "poly3", "linear", "exp"])
@pytest.mark.parametrize("kind", ["fc", "resnet"])
def test_mp_kernel_matches_float64(name, kind):
    x = sphere_data(5, 3, 4).numpy() * (1.0 if name == "exp" else np.linspace(0.8, 1.2, 5)[:, None])
    K = np.array(kz.analytic_gram_mp(x, 3, name, kind, dps=30).tolist(), dtype=float)
    assert _rel(K, kz.analytic_gram(x, 3, name, kind).K) < 1e-13


def test_mp_eigenvalue_certifies_a_tiny_positive_lambda():
    """erf on 20 points of a circle: lambda_min ~ 1e-12 .. 1e-13, stable from 40 to 60 digits."""
    x = sphere_data(20, 2, 5).numpy()
    e40 = kz.mp_eigenvalues(kz.analytic_gram_mp(x, 1, "erf", dps=40, unit_norm=True), 40)[0]
    e60 = kz.mp_eigenvalues(kz.analytic_gram_mp(x, 1, "erf", dps=60, unit_norm=True), 60)[0]
    assert 0 < float(e60) < 1e-8
    assert abs(float(e40 - e60)) < 1e-25
    o = du_pd.kernel_pd_outcome("erf", "fc", 20, 2, 1, 5, "circle")
    assert o.status == "holds"


def test_mp_rejects_activations_without_closed_form():
    with pytest.raises(LandscapeError):
        kz.analytic_gram_mp(np.eye(2), 2, "softplus")


# ---------------------------------------------------------- polynomial rank certificates
def _sympy_support(act: str, H: int, kind: str) -> list[int]:
    """The same recursion in exact sympy arithmetic (slow; small H only)."""
    t = sp.Symbol("t")
    pair = {"linear": lambda a, b, c: b, "poly2": lambda a, b, c: a * c + 2 * b**2,
            "poly3": lambda a, b, c: 9 * a * c * b + 6 * b**3}[act]
    dpair = {"linear": lambda a, b, c: 1, "poly2": lambda a, b, c: 4 * b,
             "poly3": lambda a, b, c: 9 * (a * c + 2 * b**2)}[act]
    mean = {"linear": lambda k: 0, "poly2": lambda k: k, "poly3": lambda k: 0}[act]
    c = {"linear": sp.Integer(1), "poly2": sp.Rational(1, 3), "poly3": sp.Rational(1, 15)}[act]
    L = [t]
    if kind == "fc":
        for _ in range(1, H):
            dg = L[-1].subs(t, 1)
            L.append(sp.expand(c * pair(dg, L[-1], dg)))
    else:
        r = sp.Rational(1, 2) / H
        L.append(sp.expand(c * pair(1, t, 1)))
        b = sp.sqrt(c) * mean(1)
        for _ in range(2, H):
            dg = L[-1].subs(t, 1)
            mu = mean(dg)
            L.append(sp.expand(L[-1] + 2 * r * b * mu + r**2 * pair(dg, L[-1], dg)))
            b = b + r * mu
    dg = L[-1].subs(t, 1)
    KH = sp.Poly(sp.expand(L[-1] * dpair(dg, L[-1], dg)), t)
    return sorted(int(mo[0]) for mo, cf in zip(KH.monoms(), KH.coeffs()) if cf != 0)


@pytest.mark.parametrize("act", ["linear", "poly2", "poly3"])
@pytest.mark.parametrize("kind,H", [("fc", 1), ("fc", 2), ("fc", 3), ("resnet", 2), ("resnet", 3)])
def test_polynomial_support_matches_exact_expansion(act, kind, H):
    assert kz.polynomial_kernel_degrees(act, H, kind) == _sympy_support(act, H, kind)


@pytest.mark.parametrize("act,kind,H,d", [("linear", "fc", 3, 3), ("poly2", "fc", 1, 2), ("poly3", "fc", 2, 2),
                                          ("poly2", "resnet", 2, 3), ("linear", "resnet", 3, 4)])
def test_rank_bound_is_the_exact_rank_on_generic_unit_data(act, kind, H, d):
    """At 60 digits on exactly unit-norm data: exactly min(n, bound) eigenvalues are not zero."""
    bound = du_pd.poly_rank_bound(act, d, H, kind)
    n = bound + 3
    x = sphere_data(n, d, 6).numpy()
    ev = kz.mp_eigenvalues(kz.analytic_gram_mp(x, H, act, kind, dps=60, unit_norm=True), 60)
    top = max(abs(e) for e in ev)
    assert sum(1 for e in ev if abs(e) > mpmath.mpf(10) ** -40 * top) == bound


def test_linear_rank_bound_is_d_not_d_plus_1():
    assert du_pd.poly_rank_bound("linear", 4, 3, "fc") == 4
    o = du_pd.kernel_pd_outcome("linear", "fc", 5, 4, 2, 0, "sphere")  # n = d + 1: a certified failure
    assert o.status == "fails"


def test_harmonics_dimension():
    assert [du_pd.harmonics_dimension(3, j) for j in range(4)] == [1, 3, 5, 7]
    assert [du_pd.harmonics_dimension(2, j) for j in range(4)] == [1, 2, 2, 2]


def test_parity_and_antipodal_certificate_texts():
    assert du_pd.parity("tanh") == "odd" and du_pd.parity("erf") == "odd"
    assert du_pd.parity("sigmoid") == "odd+const"
    assert du_pd.parity("softplus") is None
    o = du_pd.kernel_pd_outcome("sigmoid", "fc", 5, 4, 1, 3, "antipodal")
    assert o.status == "fails" and "odd + constant" in o.note
    assert du_pd.kernel_pd_outcome("sigmoid", "fc", 5, 4, 3, 3, "antipodal").status == "holds"
    o = du_pd.kernel_pd_outcome("tanh", "resnet", 5, 4, 3, 3, "antipodal")
    assert o.status == "fails" and "sigma is odd" in o.note


def test_separated_sphere_data():
    x = separated_sphere_data(9, 3, 1, max_cos=0.9).numpy()
    c = np.abs(x @ x.T - np.eye(9))
    assert np.allclose(np.linalg.norm(x, axis=1), 1.0) and c.max() <= 0.9
    with pytest.raises(LandscapeError):
        separated_sphere_data(12, 2, 0, max_cos=0.9, tries=50)


# ----------------------------------------------------------------------------- trainer
def test_train_gd_matches_autograd_gd_and_freezes_a():
    arch = DuArchitecture(d=3, m=16, H=2, activation="tanh", kind="resnet", c_res=0.7)
    p0 = arch.init(2)
    X = sphere_data(4, 3, 0)
    y = torch.tensor([0.5, -0.2, 0.1, 0.9], dtype=torch.float64)
    eta = 0.05
    for train_a in (True, False):
        ts = [t.clone() for t in p0.tensors()]
        for _ in range(3):  # reference: plain autograd GD
            ws = [t.clone().requires_grad_(True) for t in ts]
            u = arch.forward_unchecked(DuParams(tuple(ws[:-1]), ws[-1]), X).u
            grads = torch.autograd.grad(0.5 * ((u - y) ** 2).sum(), ws)
            ts = [t - eta * gr if (i < len(ts) - 1 or train_a) else t for i, (t, gr) in enumerate(zip(ts, grads))]
        h = kz.train_gd(arch, p0, X, y, eta=eta, steps=3, gram_every=None, dist_every=2, train_a=train_a)
        for a, b in zip(h.params.tensors(), ts):
            assert _rel(a.numpy(), b.numpy()) < 1e-13
        assert h.dist_steps == [0, 2, 3] and h.dist.shape == (3, 2)
        assert bool(h.dist_a[-1] == 0.0) == (not train_a)
    assert torch.equal(p0.W[1], arch.init(2).W[1])  # the input is not modified by the in-place updates


def test_train_gd_divergence_restores_the_last_finite_iterate():
    arch = DuArchitecture(d=3, m=32, H=2, activation="softplus")
    p, X = arch.init(0), sphere_data(5, 3, 1)
    y = np.linspace(-1, 1, 5)
    h = kz.train_gd(arch, p, X, y, eta=1e3, steps=100, gram_every=None, dist_every=None)
    assert h.diverged and h.steps_done < 100
    assert arch.loss(h.params, X, y) == pytest.approx(h.loss[-1], rel=1e-6)


# ------------------------------------------------------------ the shared two-layer net of Golikov
def test_c_sigma_override_gives_golikov_net_and_h_inf():
    rng = np.random.default_rng(0)
    x = g.unit_rows(rng, 5, 3)
    w, a = g.init_two_layer(3, 40, 1)
    expect = np.maximum(x @ w.T, 0.0) @ a / math.sqrt(40)  # eq. (9) written out
    assert np.allclose(g.net_outputs(x, w, a), expect, atol=1e-14)
    arch = g.two_layer_arch(3, 40)
    assert arch.c_sigma == 1.0 and DuArchitecture.from_dict(arch.as_dict()) == arch
    c = np.clip(x @ x.T, -1, 1)
    assert np.allclose(g.h_inf(x), c * (np.pi - np.arccos(c)) / (2 * np.pi), atol=1e-14)
    assert np.allclose(kz.analytic_gram_for(arch, x).K, g.h_inf(x), atol=0)
    with pytest.raises(LandscapeError):
        DuArchitecture(3, 4, 1, "relu", c_sigma_override=-1.0)


def test_two_layer_training_uses_the_shared_trainer():
    rng = np.random.default_rng(3)
    x, y = g.unit_rows(rng, 4, 3), rng.uniform(-1, 1, size=4)
    r = g.train_two_layer(x, y, 256, 5, steps=20)
    w0, a = g.init_two_layer(3, 256, 5)
    hist = kz.train_gd(g.two_layer_arch(3, 256), g.two_layer_params(w0, a), x, y, eta=r["eta"], steps=20,
                       gram_every=1, train_a=False)
    assert np.allclose(r["r2"], 2 * hist.loss, rtol=1e-14)
    assert np.allclose(r["lam_min"], [np.linalg.eigvalsh(G)[0] for G in hist.grams], rtol=1e-12)
    assert np.allclose(hist.grams[0], g.eq12_printed(x, w0), atol=1e-14)


# ------------------------------------------------- diverged runs are violations (never clean)
def test_rate_run_counts_a_blowup_as_a_violation(monkeypatch):
    x, y = sphere_data(4, 32, 21).numpy(), np.array([0.5, -0.3, 0.8, -0.9])
    lam = kz.analytic_gram(x, 2, "tanh").lambda_min()
    monkeypatch.setattr(du_train, "theorem_eta", lambda *a: 1e7)  # a huge step
    r = du_train.rate_run("fc", x, y, 64, 0, lam, eta_rule="theorem")
    assert r["diverged"] and not r["complete"] and r["recorded"] == 1
    assert r["violations"] == 1 and r["first_violation"] == r["blowup_step"] == 1
    assert r["min_log10_bound_over_loss"] == -math.inf
    dec, _ = du_rate.rate_decision({"runs": [r, r | {"m": 128}], "lambda_min": lam, "eta_rule": "theorem",
                                       "theorem_widths": {}})
    assert dec.status == "fails"


def test_stability_excludes_incomplete_runs_and_is_band_if_the_largest_width_has_one():
    def run(m, dist, complete=True):
        return {"m": m, "max_dist": dist, "complete": complete}
    ok = [run(m, 1.0 / m**0.5 * (1 + 0.01 * s)) for m in (64, 256, 1024) for s in range(3)]
    dec, sl, st = du_stab.stability_decision({"runs": ok + [run(64, 1e9, False)]}, "max_dist")
    assert dec.status == "holds" and st["excluded_incomplete_runs"] == {"64": 1, "256": 0, "1024": 0}
    dec, sl, st = du_stab.stability_decision({"runs": ok + [run(1024, 1e9, False)]}, "max_dist")
    assert dec.status == "band" and sl is None


def test_two_layer_run_counts_a_blowup_as_a_decay_violation():
    rng = np.random.default_rng(3)
    x, y = g.unit_rows(rng, 4, 3), rng.uniform(-1, 1, size=4)
    r = g.train_two_layer(x, y, 64, 0, eta=1e7, steps=30)
    assert r["diverged"] and not r["complete"] and r["planned_steps"] == 30
    assert r["decay_violations"] >= 1 and r["first_decay_violation"] == r["blowup_step"]
    tr = {"runs": [dict(r, dataset=0, init=0), dict(r, m=128, dataset=0, init=0)], "widths": [64, 128]}
    assert trend_decision(tr, "decay")[0].status == "fails"
    assert trend_decision(tr, "lam")[0].status != "holds"  # never a clean run


# ----------------------------------------------------------- du.kernel.* decisions and notes
def test_non_finite_quadrature_bound_cannot_certify():
    """elu has no closed form and no propagated bound (nan): a duplicated row is not certified."""
    o = du_pd.kernel_pd_outcome("elu", "fc", 4, 3, 2, 5, "duplicated")
    assert o.status == "band" and not math.isfinite(o.stats["error_bound"])
    assert du_pd.kernel_pd_outcome("softplus", "fc", 4, 3, 2, 5, "duplicated").status == "fails"


def test_fails_note_prints_the_numbers_that_decided():
    o = du_pd.kernel_pd_outcome("erf", "fc", 4, 3, 2, 1, "antipodal")
    assert o.status == "fails" and o.stats["precision"].startswith("mp")
    assert f"{o.stats['lambda_min_mp']:.2e}" in o.note and f"{o.stats['error_bound_mp']:.1e}" in o.note
    assert o.stats["precision"] in o.note


# --------------------------------------------------------------------- replayable refutations
def _replays(claim_id: str, payload: dict):
    from landscape._core import registry

    return registry.get(claim_id).replay(payload)


def test_concentration_refutations_replay(monkeypatch):
    # trend in m: tiny widths, where the error saturates near ||K|| (a genuine slowdown)
    c = du_conc.concentration("fc", [(m, [10 * m + s for s in range(4)]) for m in (1, 2, 4, 8)])
    assert c["decision"].status == "fails"
    o = _replays("du.kernel.matches_finite_width", c["payload"])
    assert o.status == "fails" and o.payload == c["payload"]
    # trend in n: forced (errors growing like n^2, beyond n sqrt(log n))
    monkeypatch.setattr(du_conc, "gram_error", lambda kind, act, x, H, m, s, k: 1e-3 * x.shape[0] ** 2 * (1 + s % 3 / 50))
    cn = du_conc.concentration_in_n("resnet", [(n, [(100 * n + s, s) for s in range(3)]) for n in (4, 8, 16)], m=8)
    assert cn["decision"].status == "fails"
    assert _replays("du.kernel.matches_finite_width.resnet", cn["payload"]).status == "fails"


def test_depth_and_normalisation_refutations_replay(monkeypatch, tmp_path):
    from landscape._core import evidence

    t = du_norm.normalisation_trend("tanh", [(m, [10 * m + s for s in range(4)]) for m in (1, 2, 4)])
    assert t["decision"].status == "fails"  # widths 1..4: | ||x^(h)||^2 - 1 | does not decay like m^-1/2
    assert _replays("du.normalisation", t["payload"]).status == "fails"
    f = evidence.write_counterexample(tmp_path, "du.normalisation", t["payload"], {"status": "fails"},
                                      profile="quick", seed=0)
    assert evidence.replay(f).still_refutes  # the file round trip `landscape replay FILE` uses
    real = du_depth.gram_error
    monkeypatch.setattr(du_depth, "gram_error",  # forced: the error doubles per layer
                        lambda kind, act, x, H, m, s, k: 2.0**H * 1e-4 * (1 + s % 3 / 50) * float(np.linalg.norm(k, 2)))
    seeds = [(H, [H + s for s in range(3)]) for H in (2, 4, 8)]
    rel, _ = du_depth.depth_errors("resnet", seeds, m=4)
    dec, _ = du_depth.depth_decision(rel)
    assert dec.status == "fails"
    p = du_depth.depth_payload(seeds, 4, "softplus", du_depth.DEPTH_N, du_depth.DEPTH_D, du_depth.DEPTH_DATA_SEED)
    assert _replays("du.depth", p).status == "fails"
    monkeypatch.setattr(du_depth, "gram_error", real)
    assert _replays("du.depth", p).status != "fails"  # the real errors do not grow like that


def _quick_ctx():
    from landscape._core.context import Context
    from landscape._core.profiles import PROFILES

    return Context(PROFILES["quick"], seed=0)


def test_rate_refutation_is_confirmed_at_the_theorem_step_and_replays(monkeypatch):
    real = kz.rate_bound
    monkeypatch.setattr(du_train, "_RUNS", {})
    # forced: the envelope 100x stricter only for steps above the theorem's -> not confirmed, inconclusive
    monkeypatch.setattr(kz, "rate_bound", lambda l0, eta, lam, k: real(l0, eta, lam, k) * (1e-2 if eta > 0.07 else 1.0))
    r = du_rate.rate_claim(_quick_ctx(), "fc")
    assert r.verdict == "inconclusive" and "confirmation_at_theorem_eta" in r.statistics
    # forced at every step: confirmed at the theorem's step -> refuted, and the payload replays
    monkeypatch.setattr(du_train, "_RUNS", {})
    monkeypatch.setattr(kz, "rate_bound", lambda l0, eta, lam, k: real(l0, eta, lam, k) * 1e-2)
    r = du_rate.rate_claim(_quick_ctx(), "fc")
    assert r.verdict == "refuted" and r.counterexample["eta_rule"] == "theorem"
    assert {m for m, _, _ in r.counterexample["runs"]} == {64, 1024}
    assert _replays("du.thm5_1.linear_rate", r.counterexample).status == "fails"
    p = r.counterexample | {"kind": "resnet", "runs": [[2, 1, 0], [4, 2, 0]]}  # the ResNet replayer too
    assert _replays("du.thm5_1.linear_rate.resnet", p).status == "fails"
    monkeypatch.setattr(kz, "rate_bound", real)
    monkeypatch.setattr(du_train, "_RUNS", {})
    assert _replays("du.thm5_1.linear_rate", r.counterexample).status != "fails"  # truncated runs: never clean


def test_stability_refutation_replays(monkeypatch):
    real = du_train.rate_run
    monkeypatch.setattr(du_train, "_RUNS", {})

    def growing(*a, **k):  # forced: the distance grows with m
        r = real(*a, **k)
        return r | {"max_dist": float(r["m"]) * (1 + r["seed"] % 3 / 50)}

    monkeypatch.setattr(du_train, "rate_run", growing)
    y = [0.5, -0.3, 0.8, -0.9]
    p = {"kind": "fc", "eta_rule": "theorem", "y": y, "n": 4, "d": 32, "H": 2, "activation": "tanh", "c_res": 0.9,
         "x_seed": 21, "key": "max_dist", "runs": [[m, s, None] for m in (1, 2, 4) for s in range(3)]}
    assert _replays("du.stability.weights", p).status == "fails"
    with pytest.raises(LandscapeError):
        _replays("du.stability.weights", p | {"key": "bogus"})
