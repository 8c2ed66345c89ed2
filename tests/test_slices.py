"""The landscape pictures' numerics (landscape._lib.slices) on cases with known answers, and their records."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest
import torch

from landscape._lib import slices
from landscape._lib.fixtures import Fixture
from landscape._lib.networks.mlp import MLPSpec


def _prop1_fixture(act: str = "negsin2", t: float = 1.0) -> Fixture:
    """Li-Ding-Sun Prop. 1 at x = 1/2, y = 1: sigma(t) = 0 is a local max of value 0, so the output weight is flat."""
    return Fixture(id=f"test.prop1[{act}]", source="lds.prop1", kind="bad_local_min", spec=MLPSpec(1, (1,), 1, act),
                   weights=[np.array([[t / 0.5]]), np.array([[1.0]])], x=np.array([[0.5]]), y=np.array([[1.0]]),
                   facts={"loss": 1.0, "global_inf": 0.0, "stationary": True, "certificate": "non-strict"})


# --- directions -------------------------------------------------------------------------------------------------

def test_filter_normalised_rows_have_the_weights_row_norms():
    w = [np.array([[3.0, 4.0], [0.0, 1.0], [1.0, 1.0]]), np.array([[2.0, 0.0, 0.0]])]
    d = slices.filter_normalised_direction(w, seed=7)
    assert [x.shape for x in d] == [x.shape for x in w]
    for dw, ww in zip(d, w):
        np.testing.assert_allclose(np.linalg.norm(dw, axis=1), np.linalg.norm(ww, axis=1), rtol=1e-14)
    again = slices.filter_normalised_direction(w, seed=7)
    assert all(np.array_equal(a, b) for a, b in zip(d, again))  # the seed decides the draw
    assert not np.array_equal(d[0], slices.filter_normalised_direction(w, seed=8)[0])


def test_bias_column_zeroed_as_li_et_al_or_part_of_the_row():
    w = [np.array([[3.0, 4.0, 5.0], [1.0, 0.0, 2.0]]), np.array([[1.0, 2.0]])]  # hidden [W b], output W
    d = slices.filter_normalised_direction(w, seed=1, bias=True)
    assert np.all(d[0][:, -1] == 0.0)  # 'zero' (ignore='biasbn'): no move of the biases
    np.testing.assert_allclose(np.linalg.norm(d[0][:, :-1], axis=1), [5.0, 1.0], rtol=1e-14)
    np.testing.assert_allclose(np.linalg.norm(d[1], axis=1), [math.sqrt(5.0)], rtol=1e-14)  # output: no bias column
    row = slices.filter_normalised_direction(w, seed=1, bias=True, bias_rule="row")
    np.testing.assert_allclose(np.linalg.norm(row[0], axis=1), np.linalg.norm(w[0], axis=1), rtol=1e-14)
    assert np.array_equal(slices.filter_normalised_direction([np.array([1.0, 2.0])], 0)[0], [0.0, 0.0])
    with pytest.raises(ValueError, match="bias_rule"):
        slices.filter_normalised_direction(w, 0, bias_rule="ignore")


def test_zero_rows_get_the_layers_rms_norm_or_one():
    w = [np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 5.0]]), np.zeros((1, 3))]
    d = slices.filter_normalised_direction(w, seed=3)
    np.testing.assert_allclose(np.linalg.norm(d[0], axis=1), [5.0, 5.0, 5.0], rtol=1e-14)
    np.testing.assert_allclose(np.linalg.norm(d[1], axis=1), [1.0], rtol=1e-14)


# --- slices, Hessian, density ------------------------------------------------------------------------------------

A = torch.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=torch.float64)


def _quadratic(v: torch.Tensor) -> torch.Tensor:
    return 0.5 * v @ A @ v + v[0]


def test_slices_of_a_quadratic_are_exact():
    th = torch.tensor([1.0, -1.0], dtype=torch.float64)
    d1, d2 = np.array([1.0, 0.0]), np.array([0.0, 2.0])
    alphas, betas = [-1.0, 0.0, 0.5], [0.0, 1.0]
    got = slices.slice_1d(_quadratic, th, d1, alphas)
    want = [float(_quadratic(th + a * torch.as_tensor(d1))) for a in alphas]
    np.testing.assert_allclose(got, want, rtol=1e-15)
    z = slices.slice_2d(_quadratic, th, d1, d2, alphas, betas)
    assert z.shape == (2, 3)  # z[j, i] at (alphas[i], betas[j])
    for j, b in enumerate(betas):
        for i, a in enumerate(alphas):
            assert z[j, i] == pytest.approx(float(_quadratic(th + a * torch.as_tensor(d1) + b * torch.as_tensor(d2))),
                                            rel=1e-15)


def test_slices_fall_back_to_a_loop_when_vmap_cannot_batch():
    def item_loss(v):  # .item() is not vmap-able
        return torch.tensor(float(v.sum().item()) ** 2, dtype=torch.float64)

    np.testing.assert_allclose(slices.slice_1d(item_loss, torch.zeros(2, dtype=torch.float64), [1.0, 1.0],
                                               [0.0, 1.0, 2.0]), [0.0, 4.0, 16.0])


def test_hessian_spectrum_of_a_quadratic():
    ev = slices.hessian_spectrum(_quadratic, torch.zeros(2, dtype=torch.float64))
    np.testing.assert_allclose(ev, np.linalg.eigvalsh(A.numpy()), rtol=1e-14)


def test_spectral_density_integrates_to_one_and_peaks_at_the_eigenvalues():
    eigs = [-1.0, 0.0, 0.0, 2.0]
    grid = np.linspace(-5, 7, 24001)
    dens = slices.spectral_density(eigs, grid, 0.05)
    assert np.trapezoid(dens, grid) == pytest.approx(1.0, rel=1e-9)
    assert grid[np.argmax(dens)] == pytest.approx(0.0, abs=1e-3)  # the double eigenvalue
    per = slices.spectral_density(eigs, grid, [0.05, 0.1, 0.1, 0.2])  # one width per eigenvalue
    assert np.trapezoid(per, grid) == pytest.approx(1.0, rel=1e-9)
    with pytest.raises(ValueError, match="sigma"):
        slices.spectral_density(eigs, grid, 0.0)


def test_symlog_is_matplotlibs_axis_and_inverts():
    from matplotlib.scale import SymmetricalLogTransform

    c = 1e-6
    v = np.array([-3.0, -1e-6, -2e-7, 0.0, 5e-7, 1e-6, 1e-3, 40.0])
    mpl = SymmetricalLogTransform(10, c, 1.0).transform(v) / c
    np.testing.assert_allclose(slices.symlog(v, c), mpl, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(slices.symlog_inverse(slices.symlog(v, c), c), v, rtol=1e-12, atol=1e-20)


# --- records ------------------------------------------------------------------------------------------------------

def _series(fig: dict) -> list[dict]:
    return list(fig["series"].values())


def test_prop1_record_slices_the_plateau_and_marks_the_global_minimum():
    t0 = time.perf_counter()
    rec = slices.landscape_record(_prop1_fixture())
    assert time.perf_counter() - t0 < 2.0
    assert rec["fixture"] == "test.prop1[negsin2]" and rec["source"] == "lds.prop1" and rec["kind"] == "bad_local_min"
    assert rec["loss"] == 1.0 and rec["global_min_loss"] == 0.0
    assert rec["directions"]["d1_rule"] == "flat"  # the Hessian's null vector: the output weight
    kinds = [f["kind"] for f in rec["figures"]]
    assert kinds == ["slice", "contour", "spectrum"]
    sl, co, sp = rec["figures"]
    flat, rand = _series(sl)
    assert len(flat["x"]) == slices.POINTS_1D and max(abs(v - 1.0) for v in flat["y"]) < 1e-12  # flat: loss 1
    assert max(rand["y"]) > 1.0  # the random line climbs out of the basin
    assert {"y": 0.0, "label": "global minimum loss (the infimum)"} in sl["hlines"]
    assert len(co["x"]) == len(co["y"]) == slices.POINTS_2D and all(len(r) == slices.POINTS_2D for r in co["z"])
    assert sp["eigenvalues"][0] == pytest.approx(0.0, abs=1e-12) and sp["eigenvalues"][1] > 0
    assert any("undecided" in b["label"] for b in sp["band"])
    json.dumps(rec, allow_nan=False)  # strict JSON as it stands


def test_record_figures_render():
    from landscape._core.report.figures import render_png

    for fig in slices.landscape_record(_prop1_fixture("sincos", math.pi / 4)).get("figures"):
        assert render_png(fig)[:8] == b"\x89PNG\r\n\x1a\n"


def test_witness_direction_reaches_the_lower_point():
    fx = _prop1_fixture()
    fx.facts = dict(fx.facts, witness_weights=[[[2.0]], [[-1.0]]], global_inf=None, lower_loss_witness=0.5)
    rec = slices.landscape_record(fx)
    assert rec["directions"]["d1_rule"] == "witness" and rec["global_min_loss"] == 0.5
    dist = math.hypot(0.0, 2.0) / math.hypot(2.0, 1.0)  # ||witness - theta|| / ||theta||
    (vline,) = rec["figures"][0]["vlines"]
    assert vline["x"] == pytest.approx(dist, rel=1e-5)
    lo, hi = rec["radius"]["d1"]
    assert lo < 0 < dist < hi


def test_saddle_gets_its_escape_direction():
    spec = MLPSpec(1, (1,), 1, "linear")  # E(w, v) = (v w x - y)^2 at w = v = 0: a saddle, lambda = -+2 x y
    fx = Fixture(id="test.saddle", source="x", kind="stationary", spec=spec, weights=[np.zeros((1, 1)), np.zeros((1, 1))],
                 x=np.array([[1.0]]), y=np.array([[1.0]]), facts={"global_inf": 0.0})
    rec = slices.landscape_record(fx)
    assert rec["directions"]["d1_rule"] == "escape" and rec["hessian"]["counts"]["negative"] == 1
    assert min(_series(rec["figures"][0])[0]["y"]) < 1.0  # the loss falls along it


def test_the_jiang_construction_is_the_claims_one():
    from landscape.claims.jiang.points import CONSTRUCTIONS

    assert slices.JIANG_DEAD_ON_DATA == CONSTRUCTIONS[0]


def test_extra_points_and_their_claims():
    recs = slices.records([], claims={"jiang.lemma1", "jiang.thm2.stationary_start", "golikov.du2019.hessian_psd"})
    assert [r["source"] for r in recs] == ["jiang.lemma1", "jiang.thm2.stationary_start", "golikov.du2019.hessian_psd"]
    assert all("error" not in r for r in recs)
    dead = recs[0]
    assert dead["hessian"]["counts"]["zero"] == dead["n_params"] == 960  # dead on the data: H = 0
    assert dead["global_min_loss"] < 1e-20
    plateau = recs[2]
    ys = _series(plateau["figures"][0])[0]["y"]
    assert plateau["loss"] == 0.5 and min(ys) < 1e-3 and ys[0] == 0.5  # the plateau, then the way down


def test_records_select_one_per_activation_and_keep_errors():
    fxs = [_prop1_fixture(), _prop1_fixture(), _prop1_fixture("sincos", math.pi / 4)]
    fxs[1].id = "test.prop1[negsin2,again]"
    bad = _prop1_fixture("relu", -1.0)
    bad.spec = MLPSpec(1, (2,), 1, "relu")  # weights of the wrong shape: the record fails
    recs = slices.records(fxs + [bad], claims={"lds.prop1"})
    assert [r["fixture"] for r in recs] == ["test.prop1[negsin2]", "test.prop1[sincos]", "test.prop1[relu]"]
    assert "error" in recs[-1] and "error" not in recs[0]
    assert slices.records(fxs, claims={"lds.thm1"}) == []  # not a claim of the run


def test_evidence_hook_builds_nothing_without_built_in_claims():
    from landscape._core.evidence import Evidence, _landscape_records

    assert _landscape_records([]) == []
    user = Evidence(id="lds.prop1", title="", source="", statement="", hypotheses=[], expected="supported",
                    paper="supported", why="", verdict="supported", claims_from="my_claims.py")
    assert _landscape_records([user]) == []
