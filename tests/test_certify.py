"""Known-answer tests of the local-minimum certificate (``landscape._lib.certify``).

Every expected kind below is known in closed form; numerical comparisons go through
``landscape._lib.tolerance`` like the library itself.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from landscape._lib import certify, tolerance
from landscape._lib.networks.mlp import MLP, MLPSpec

F64 = torch.float64


def _t(*xs: float) -> torch.Tensor:
    return torch.tensor(xs, dtype=F64)


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _json_roundtrip(c: certify.MinimumCertificate) -> dict:
    d = json.loads(json.dumps(c.as_dict(), allow_nan=False))
    assert d["kind"] == c.kind
    return d


# --------------------------------------------------------------------------------------
# closed-form functions
# --------------------------------------------------------------------------------------

def test_strict_minimum_of_squared_norm():
    c = certify.certify_minimum(lambda v: (v**2).sum(), torch.zeros(5, dtype=F64), rng=_rng())
    assert c.kind == "strict" and c.evidence == "hessian" and c.is_local_minimum is True
    assert c.stationarity.outcome == "zero" and c.grad_norm == 0.0
    assert c.spectrum.method == "exact" and c.eigenvalue_counts["positive"] == 5
    assert c.spectrum.n_negative == c.spectrum.n_zero == c.spectrum.n_band == 0
    assert tolerance.equal(c.lambda_min_normalised, 1.0).outcome == "zero"
    assert tolerance.equal(c.spectrum.lambda_abs_max, 2.0).outcome == "zero"
    assert c.margin >= 6  # |lambda_min| / Lambda = 1 is 7 decades clear of the band
    assert c.lower_point is None and not c.escaped
    d = _json_roundtrip(c)
    assert d["eigenvalue_counts"]["positive"] == 5 and d["stationarity"]["outcome"] == "zero"


def test_uv_minus_one_squared_is_non_strict_along_the_hyperbola():
    """(uv - 1)^2 at (1, 1): Hessian 2 [1 1; 1 1] (eigenvalues 0, 4), flat direction (1, -1).

    The straight line (1 + s, 1 - s) rises like s^4; the level set uv = 1 is curved, and the
    re-minimisation over the hyperplane orthogonal to (1, -1) finds it.
    """
    c = certify.certify_minimum(lambda v: (v[0] * v[1] - 1) ** 2, _t(1.0, 1.0), rng=_rng(),
                                loss_mp=lambda v, ops: (v[0] * v[1] - 1) ** 2)
    assert c.kind == "non-strict" and c.evidence == "flat-direction" and c.is_local_minimum is True
    # the gradient is exactly 0 (exact); the minimality of a degenerate point is numerical evidence (float64)
    assert c.critical.proof == "exact" and c.proof == "float64"
    # without a multiple-precision form float64 cannot tell a degenerate critical point from a drift
    bare = certify.certify_minimum(lambda v: (v[0] * v[1] - 1) ** 2, _t(1.0, 1.0), rng=_rng())
    assert bare.kind == "inconclusive" and bare.proof == "float64" and bare.critical.status == "band"
    ev = c.spectrum.eigenvalues
    assert c.spectrum.outcomes == ["zero", "positive"]
    assert tolerance.equal(ev[1], 4.0).outcome == "zero"
    null = c.spectrum.vectors[:, 0]
    assert tolerance.classify(abs(abs(null @ np.array([1.0, -1.0])) / math.sqrt(2) - 1.0)).outcome == "zero"
    probe = next(f for f in c.flat if f.flat)
    assert probe.source == "hessian-null[0]"
    assert all(e.outcome == "zero" for e in probe.equal)
    for s, d in zip(probe.radii, probe.distances):
        assert s <= d <= 2 * s
    # the straight line is not flat at s = 0.1 (loss s^4 / 4 after normalising the direction): the curve is
    assert certify.equal_decision(0.0, probe.straight_losses[0], probe.radii[0], 4.0).outcome == "nonzero"
    assert c.lower_point is None
    _json_roundtrip(c)


def test_uv_rescaling_symmetry_is_a_witness():
    """Footnote 2 of Li-Ding-Sun: (alpha u, v / alpha) keeps the loss, so no strict minimum."""
    def rescale(w, s):
        return w * torch.tensor([1.0 + s, 1.0 / (1.0 + s)], dtype=F64)

    probes = certify.flat_probes(lambda v: (v[0] * v[1] - 1) ** 2, _t(2.0, 0.5), radii=[1e-1, 1e-2, 1e-3],
                                 lam_abs=8.5, symmetries=[rescale])
    sym = [f for f in probes if f.source == "symmetry[0]"]
    assert len(sym) == 2 and all(f.flat is True for f in sym)


def test_saddle_x2_minus_y2():
    c = certify.certify_minimum(lambda v: v[0] ** 2 - v[1] ** 2, torch.zeros(2, dtype=F64), rng=_rng())
    assert c.kind == "saddle" and c.evidence == "hessian" and c.is_local_minimum is False
    assert c.spectrum.n_negative == 1 and c.spectrum.n_positive == 1
    assert tolerance.equal(c.lambda_min_normalised, -1.0).outcome == "zero"
    # the attack agrees: a clearly lower point inside the ball
    assert any(a.lower.outcome == "nonzero" for a in c.attacks)
    _json_roundtrip(c)  # escape paths of an unbounded loss contain huge values: still strict JSON


def test_not_stationary_point():
    c = certify.certify_minimum(lambda v: (v**2).sum(), _t(1.0, 2.0), rng=_rng())
    assert c.kind == "not-stationary" and c.evidence == "gradient" and c.is_local_minimum is False
    assert c.stationarity.outcome == "nonzero" and c.margin > 0
    assert tolerance.equal(c.grad_norm, 2 * math.sqrt(5)).outcome == "zero"
    assert c.flat == [] and c.escapes == []  # decided: flat probes and escape skipped


def test_degenerate_cases_quartic_and_cubic():
    """Hessian PSD and singular: x^4 + y^2 is strict but only higher-order terms say so
    (inconclusive); x^3 + y^2 descends along -x (saddle, found by the flat probe / attack)."""
    q = certify.certify_minimum(lambda v: v[0] ** 4 + v[1] ** 2, torch.zeros(2, dtype=F64), rng=_rng(),
                                loss_mp=lambda v, ops: v[0] ** 4 + v[1] ** 2)
    assert q.kind == "inconclusive" and q.is_local_minimum is None and q.critical.proof == "exact"
    assert q.spectrum.definiteness == "psd-singular" and q.lower_point is None
    c = certify.certify_minimum(lambda v: v[0] ** 3 + v[1] ** 2, torch.zeros(2, dtype=F64), rng=_rng(),
                                loss_mp=lambda v, ops: v[0] ** 3 + v[1] ** 2)
    assert c.kind == "saddle" and c.evidence != "hessian" and c.lower_point is not None
    assert c.lower_point["distance"] <= c.local_radius


def test_non_smooth_relies_on_the_attack():
    rng = _rng()
    relu_uv = certify.certify_minimum(lambda v: (torch.relu(v[0]) * v[1] - 1) ** 2, _t(1.0, 1.0), rng=rng,
                                      smooth=False)
    assert relu_uv.kind == "non-strict"
    assert any("almost everywhere" in n for n in relu_uv.notes)
    peak = certify.certify_minimum(lambda v: -v.abs().sum(), torch.zeros(2, dtype=F64), rng=rng, smooth=False)
    assert peak.kind == "saddle" and peak.evidence in ("samples", "attack", "flat-direction", "escape")
    cone = certify.certify_minimum(lambda v: v.abs().sum(), torch.zeros(2, dtype=F64), rng=rng, smooth=False)
    assert cone.kind == "inconclusive"  # a strict minimum, but never certified without a Hessian


# --------------------------------------------------------------------------------------
# refinement, Lanczos, escape
# --------------------------------------------------------------------------------------

def test_refine_stationary_reaches_the_hyperbola():
    loss = lambda v: (v[0] * v[1] - 1) ** 2
    sp = certify.refine_stationary(loss, _t(1.3, 0.6))
    assert sp.stationarity.outcome == "zero"
    assert tolerance.equal(float(sp.w[0] * sp.w[1]), 1.0).outcome == "zero"
    assert sp.iterations >= 1 and len(sp.history) >= 1
    json.dumps(sp.as_dict(), allow_nan=False)


def _mlp_problem(spec: MLPSpec, n_samples: int, seed: int):
    rng = _rng(seed)
    net = MLP.random(spec, rng)
    x = torch.as_tensor(rng.normal(size=(spec.d0, n_samples)))
    y = torch.as_tensor(rng.normal(size=n_samples))

    def loss(v):
        return ((net.forward_flat(v, x)[0] - y) ** 2).sum()

    return loss, net.flat()


def test_lanczos_agrees_with_exact_hessian_on_a_290_parameter_mlp():
    spec = MLPSpec(4, (20, 10), 1, "tanh", False)
    assert spec.n_params() == 290
    loss, w = _mlp_problem(spec, 6, 1)
    trained = certify.refine_stationary(loss, w, max_iter=300, newton_steps=0).w
    for point in (w, trained):
        ex = certify.hessian_spectrum(loss, point)
        lz = certify.hessian_spectrum(loss, point, exact_max_params=0, k=6, k_top=2, rng=_rng(2))
        assert ex.method == "exact" and lz.method == "lanczos" and lz.converged and not lz.complete
        assert tolerance.equal(lz.lambda_abs_max, ex.lambda_abs_max).outcome == "zero"
        want = np.concatenate([ex.eigenvalues[:6], ex.eigenvalues[-2:]])
        for got, ref, rho in zip(lz.eigenvalues, want, lz.residuals):
            assert tolerance.classify(abs(got - ref) / ex.lambda_abs_max).outcome == "zero"
            # residual bound: an eigenvalue lies within rho of the Ritz value (plus the exact solver's own residual)
            assert abs(got - ref) / ex.lambda_abs_max <= rho + max(ex.residuals)
        assert lz.outcomes == ex.outcomes[:6] + ex.outcomes[-2:]
        assert lz.definiteness == ex.definiteness
    # the random point is a saddle region, the interpolating point is PSD and singular
    assert certify.hessian_spectrum(loss, w, exact_max_params=0, rng=_rng(2)).definiteness == "indefinite"
    assert certify.hessian_spectrum(loss, trained, exact_max_params=0, rng=_rng(2)).definiteness == "psd-singular"


def _double_well(v):
    return (v[0] ** 2 - 1) ** 2 + 0.3 * v[0] + v[1] ** 2


def test_escape_finds_the_lower_well():
    """(x^2 - 1)^2 + 0.3 x + y^2: minima near x = 0.96 (loss 0.294) and x = -1.04 (loss -0.305).

    From the upper well, a perturbation of 2.5 with direction u escapes (for gradient flow)
    iff 0.96 + 2.5 u_x is left of the barrier at x = 0.075, i.e. u_x < -0.354: about 39% of
    random directions; 8 starts.  A perturbation of 0.05 never escapes.
    """
    upper = certify.refine_stationary(_double_well, _t(1.0, 0.1)).w
    lower_min = float(np.roots([4.0, 0.0, -4.0, 0.3]).real.min())  # 4x^3 - 4x + 0.3 = 0
    runs = certify.escape_test(_double_well, upper, deltas=[0.05, 2.5], rng=_rng(0), starts=8, steps=60,
                               lam_abs=certify.hessian_spectrum(_double_well, upper).lambda_abs_max)
    assert not any(r.escaped for r in runs if r.delta == 0.05)
    big = [r for r in runs if r.delta == 2.5 and r.escaped]
    assert big, "no run from delta = 2.5 reached the lower well"
    l0 = _double_well(upper).item()
    for r in big:
        assert r.final_loss < l0 and r.lower.outcome == "nonzero"
        assert r.first_lower_distance is not None and r.first_lower_step is not None
        assert tolerance.classify(abs(float(r.final_point[0]) - lower_min) / abs(lower_min)).outcome == "zero"
        assert len(r.path_loss) == len(r.path_distance) >= 2
        assert all(b <= a for a, b in zip(r.path_loss, r.path_loss[1:]))  # Armijo steps never go up
    for r in runs:  # the others return to the candidate
        if not r.escaped:
            assert certify.equal_decision(l0, r.final_loss, r.final_distance, 1.0).outcome == "zero"


def test_certificate_of_the_upper_well_reports_the_escape():
    upper = certify.refine_stationary(_double_well, _t(1.0, 0.1)).w
    c = certify.certify_minimum(_double_well, upper, rng=_rng(), escape_deltas=(0.05, 2.5), escape_starts=1,
                                escape_directions=[_t(-1.0, 0.0)], escape_method="lbfgs")
    assert c.kind == "strict"  # the lower well lies outside local_radius: it bounds the basin, nothing more
    assert not any(r.escaped for r in c.escapes if r.delta == 0.05)
    esc = [r for r in c.escapes if r.escaped and r.direction == "given[0]"]
    assert len(esc) == 1 and esc[0].delta == 2.5 and esc[0].method == "lbfgs"
    assert esc[0].first_lower_distance > c.local_radius
    assert c.basin_radius_bound is not None and c.basin_radius_bound > c.local_radius
    assert c.lower_point is None and any("escape" in n for n in c.notes)
    d = _json_roundtrip(c)
    assert any(e["escaped"] for e in d["escapes"]) and d["escapes"][0]["path_loss"]


# --------------------------------------------------------------------------------------
# Li-Ding-Sun Proposition 1
# --------------------------------------------------------------------------------------

def test_prop1_negsq_exp_point_is_non_strict():
    """sigma(z) = -(z - 1)^2 e^z, t = 1, x = y = 1, d = 3, w1 = w2 = (1, 1, 1).

    sigma(1) = sigma'(1) = 0, sigma''(1) = -2e: loss 1, gradient 0, Hessian
    diag(4e, 4e, 4e, 0, 0, 0) (w1 block first); moving w2 keeps sigma(w1) = 0, so the loss.
    """
    spec = MLPSpec(1, (3,), 1, "negsq_exp", False)
    net = MLP(spec, [np.zeros((3, 1)), np.zeros((1, 3))])
    x = np.array([[1.0]])
    y = torch.tensor([1.0], dtype=F64)

    def loss(v):
        return ((y - net.forward_flat(v, x)[0]) ** 2).sum()

    w = torch.ones(6, dtype=F64)
    c = certify.certify_minimum(loss, w, rng=_rng(3))
    assert c.kind == "inconclusive"  # float64 alone cannot tell this degenerate point from a plateau
    # the library's loss carries its multiple-precision form: sigma(1) = sigma'(1) = 0 exactly
    from landscape._lib.networks.mlp import squared_loss

    c = certify.certify_minimum(squared_loss(spec, x, np.array([[1.0]])), w, rng=_rng(3))
    assert c.critical.status == "critical" and c.critical.proof == "exact"
    assert c.kind == "non-strict" and c.evidence == "flat-direction" and c.is_local_minimum is True
    assert c.loss == 1.0 and c.stationarity.outcome == "zero"
    assert c.spectrum.outcomes == ["zero"] * 3 + ["positive"] * 3
    for lam in c.spectrum.eigenvalues[3:]:
        assert tolerance.equal(lam, 4 * math.e).outcome == "zero"
    # the null space is the w2 block
    null = c.spectrum.vectors[:, :3]
    assert tolerance.classify(float(np.abs(null[:3]).max())).outcome == "zero"
    assert c.witness is not None and all(lv == 1.0 for lv in c.witness["losses"])
    assert c.lower_point is None and all(a.lower.outcome == "zero" for a in c.attacks)
    assert all(p.lower.outcome == "zero" for p in c.probes)
    assert not any(r.escaped for r in c.escapes)
    d = _json_roundtrip(c)
    assert d["eigenvalue_counts"] == {"negative": 0, "zero": 3, "positive": 3, "band": 0, "computed": 6, "n": 6}


def test_bad_inputs():
    with pytest.raises(ValueError):
        certify.certify_minimum(lambda v: (v**2).sum(), _t(math.nan, 0.0), rng=_rng())
    with pytest.raises(ValueError):
        certify.certify_minimum(lambda v: (v**2).sum(), _t(0.0), rng=_rng(), radii=())


def test_summary_is_compact_json_with_spectrum_and_escapes():
    c = certify.certify_minimum(lambda v: (v[0] * v[1] - 1) ** 2, _t(1.0, 1.0), rng=_rng(), escape_starts=1,
                                escape_steps=10, full=True, loss_mp=lambda v, ops: (v[0] * v[1] - 1) ** 2)
    s = json.loads(json.dumps(c.summary(path_points=5), allow_nan=False))
    assert s["kind"] == "non-strict" and s["eigenvalue_counts"]["zero"] == 1
    assert s["spectrum"]["method"] == "exact" and len(s["spectrum"]["normalised"]) == 2 and s["spectrum"]["complete"]
    assert s["escapes"] and len(s["escapes"][0]["loss"]) <= 5 and s["escapes"][0]["step"][-1] == 10


def test_blas_threads_is_restored():
    from landscape._lib import train

    with train.blas_threads(1):
        inside = [g() for g, _ in train._openblas_handles()]
    after = [g() for g, _ in train._openblas_handles()]
    assert all(v == 1 for v in inside)
    assert len(after) == len(inside)


# --------------------------------------------------------------------------------------
# saturation: the suite's one rule; refinement that leaves float64; overflowing probes
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("act,side,approx", [("tanh", 1, 12.2), ("tanh", -1, -12.2), ("sigmoid", 1, 24.4),
                                             ("sigmoid", -1, -24.4), ("softplus", -1, -23.3)])
def test_saturation_thresholds_are_where_the_policy_loses_the_derivative(act, side, approx):
    from landscape._lib import activations

    z0 = certify.saturation_threshold(act, side)
    assert z0 == pytest.approx(approx, abs=0.05)
    fn = activations.get(act).torch
    near = torch.linspace(-1, 1, 201, dtype=F64, requires_grad=True)
    (dn,) = torch.autograd.grad(fn(near).sum(), near)
    scale = float(dn.abs().max())

    def deriv(z: float) -> float:
        t = torch.tensor([z], dtype=F64, requires_grad=True)
        (d,) = torch.autograd.grad(fn(t).sum(), t)
        return abs(float(d))

    assert deriv(z0 * 1.01) <= tolerance.ZERO * scale < deriv(z0 * 0.97)
    assert certify.SATURATING_TAILS.get("relu") is None and certify.SATURATING_TAILS["softplus"] == (-1,)


def test_saturation_needs_every_sample_on_a_flat_tail():
    spec = MLPSpec(1, (2,), 1, "tanh", True)
    x = np.array([[0.1, 0.4, 0.9]])
    # unit 0: w x + b = 50 x - 25 -> (-20, -5, 20): beyond 12.2 at two samples only; unit 1: 100 x + 10 -> all > 12.2
    w = torch.tensor([50.0, -25.0, 100.0, 10.0, 1.0, 1.0], dtype=F64)
    s = certify.saturation(spec, w, x)
    assert s.saturated and [u["unit"] for u in s.units] == [1] and s.max_preactivation == pytest.approx(100.0)
    # either tail counts at each sample (tanh is flat at both ends): 60 x - 27 -> (-21, -3, 27) has a -3
    w2 = torch.tensor([50.0, -25.0, 60.0, -27.0, 1.0, 1.0], dtype=F64)
    assert not certify.saturation(spec, w2, x).saturated
    w3 = torch.tensor([50.0, -25.0, 200.0, -60.0, 1.0, 1.0], dtype=F64)  # (-40, 20, 120): each beyond, mixed sides
    assert certify.saturation(spec, w3, x).saturated
    # softplus saturates only for z -> -inf; ReLU never (it is exactly flat off the data, a mathematical fact)
    sp = MLPSpec(1, (1,), 1, "softplus", True)
    assert certify.saturation(sp, torch.tensor([1.0, -40.0, 1.0], dtype=F64), x).saturated
    assert not certify.saturation(sp, torch.tensor([1.0, 40.0, 1.0], dtype=F64), x).saturated
    assert not certify.saturation(MLPSpec(1, (1,), 1, "relu", True), torch.tensor([1.0, -40.0, 1.0], dtype=F64),
                                  x).saturated
    d = json.loads(json.dumps(s.as_dict(), allow_nan=False))
    assert d["saturated"] is True and "saturated at every sample" in s.reason()


def test_refine_stationary_keeps_the_last_finite_point_when_lbfgs_leaves_float64():
    loss = lambda v: -torch.exp(torch.exp(v[0])) + v[1] ** 2  # noqa: E731 - overflows to -inf along the descent
    sp = certify.refine_stationary(loss, _t(1.0, 0.5), max_iter=200)
    assert sp.left_float64 and torch.isfinite(sp.w).all() and math.isfinite(sp.loss)
    assert sp.stationarity.outcome == "nonzero"  # a finite point, certified not stationary


def test_overflowing_probe_is_neither_lower_nor_equal():
    assert certify.lower_decision(1.0, math.inf, 0.1, 1.0).outcome == "zero"
    assert certify.equal_decision(1.0, math.inf, 0.1, 1.0).outcome == "nonzero"
    assert certify.equal_decision(1.0, math.nan, 0.1, 1.0).outcome == "band"
