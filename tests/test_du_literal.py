"""Definitions 5.1 / 6.1 as printed (landscape/claims/du/kernel_literal.py, cross_terms.py): the decision rule on exact
slopes, the measurement on a small case, the replay of a refutation, the registration."""

import math

import numpy as np
import pytest

from landscape._core import registry
from landscape._core.evidence import replay
from landscape._core.runner import run_claim
from landscape._lib import kernels, tolerance, trend
from landscape._lib.errors import LandscapeError
from landscape.claims.du import cross_terms as ct
from landscape.claims.du import kernel_literal as kl

NEW = ("du.kernel.def5_1.literal", "du.kernel.def6_1.literal", "du.kernel.def6_1.cross_terms")


def _slope(s, lo, hi):
    return trend.Slope(s, lo, hi, 0.0, 30)


GAP = tolerance.classify(1.0)  # a certified non-zero gap


# ------------------------------------------------------------------- the decision rule (exact cases)
def test_combine_refutes_only_a_slowdown_with_a_decreasing_control():
    flat, fast = _slope(0.0, -0.1, 0.1), _slope(-0.5, -0.6, -0.4)
    lit = trend.decay_at_least(flat, -0.5, tail=flat)
    assert lit.status == "fails"
    d = kl.combine(lit, fast, GAP)
    assert d.status == "fails" and d.replicate and d.margin == pytest.approx(min(lit.margin, 0.4))
    # the control does not decrease: nothing shows what G converges to
    d = kl.combine(lit, _slope(-0.2, -0.6, 0.2), GAP)
    assert d.status == "band" and d.replicate
    # the distance to the printed kernel decays like m^(-1/2): consistent with it being the limit
    d = kl.combine(trend.decay_at_least(fast, -0.5, tail=fast), fast, GAP)
    assert d.status == "holds" and d.margin == pytest.approx(0.1)
    # two kernels that cannot be told apart decide nothing
    assert kl.combine(lit, fast, tolerance.classify(1e-12)).status == "band"


def test_a_refutation_must_replicate():
    flat, fast = _slope(0.0, -0.1, 0.1), _slope(-0.5, -0.6, -0.4)
    first = kl.combine(trend.decay_at_least(flat, -0.5, tail=flat), fast, GAP)
    again_holds = kl.combine(trend.decay_at_least(fast, -0.5, tail=fast), fast, GAP)
    assert trend.confirm(first, lambda: again_holds)[0].status == "holds"
    assert trend.confirm(first, lambda: first)[0].status == "fails"


# ------------------------------------------------------------------- the measurement on a small case
SMALL = kl.Design("fc", "negsin2", 6, 8, 2, 0.5, 7, (1.0, 1.0))
SMALL_SEEDS = [(128, [1, 2, 3]), (256, [4, 5, 6]), (512, [7, 8, 9])]


def test_literal_trend_small_case_is_consistent_and_replays_bit_for_bit():
    t = kl.literal_trend(SMALL, SMALL_SEEDS)
    x = SMALL.data()
    kd = kernels.analytic_gram(x, 2, "negsin2", "fc").K
    kp = kernels.analytic_gram(x, 2, "negsin2", "fc", literal=True).K
    assert t["gap"] == pytest.approx(float(np.linalg.norm(kp - kd, 2)), rel=1e-14)
    assert t["gap_decision"].outcome == "nonzero" and t["gap"] > 0.3 * t["K_norm"]
    # triangle inequality, network by network: |e_printed - e_derived| <= ||printed - derived||
    for m, _ in SMALL_SEEDS:
        for a, b in zip(t["printed"]["errors"][m], t["derived"]["errors"][m]):
            assert abs(a - b) <= t["gap"] * (1 + 1e-12)
    # the payload re-measures the same networks
    again = kl._measure(t["payload"])
    assert again["printed"]["errors"] == t["printed"]["errors"]
    assert again["derived"]["errors"] == t["derived"]["errors"]
    assert again["decision"] == t["decision"]


def test_payload_validation_names_the_field():
    good = SMALL.as_payload() | {"seeds": [[128, [1, 2]], [256, [3, 4]]]}
    for bad, field in ((good | {"norms": [1.0]}, "norms"), (good | {"kind": "cnn"}, "kind"),
                       (good | {"seeds": [[128, [1]]]}, "seeds"), (good | {"seeds": [[16384, [1]], [8, [2]]]}, "seeds"),
                       (good | {"method": "magic"}, "method")):
        with pytest.raises(LandscapeError, match=field):
            kl._measure(bad)


# ------------------------------------------------------------------- du.kernel.def6_1.cross_terms
def test_printed_pairing_is_indefinite_off_the_sphere_and_agrees_on_it():
    o = ct.cross_terms_outcome("gelu", np.asarray(ct.CROSS_EXAMPLE_X), 0.5)
    assert o.status == "fails" and o.stats["lambda_min_printed"] < 0 and o.stats["cauchy_schwarz_ratio"] > 1
    assert o.stats["lambda_min_derived"] > 0
    assert ct._replay_cross(o.payload).status == "fails"
    unit = ct.cross_terms_outcome("gelu", ct.sphere_data(5, 3, 1).numpy(), 0.5)
    assert unit.status == "holds"  # equal K_ii^(1): the two pairings coincide
    odd = ct.cross_terms_outcome("tanh", np.asarray(ct.CROSS_EXAMPLE_X), 0.9)
    assert odd.status == "holds"  # E[tanh] = 0: no cross term at all


# ------------------------------------------------------------------- registration and replay
def test_claims_registered_with_the_papers_verdict():
    ids = {c.id for c in registry.all_claims()}
    for cid in NEW:
        c = registry.get(cid)
        assert cid in ids and c.module in ("landscape.claims.du.kernel_literal", "landscape.claims.du.cross_terms")
        assert c.paper == "supported" and c.expected == "refuted" and c.why and c.replay is not None
    assert "A^(H-1)" in registry.get(NEW[0]).why and "A^(H-1)" in registry.get(NEW[1]).statement


def test_def5_1_literal_refutes_and_its_counterexample_replays(tmp_path):
    ev = run_claim(registry.get("du.kernel.def5_1.literal"), profile="quick", seed=0, counterexample_dir=tmp_path)
    assert ev.verdict == "refuted" and ev.margin > 0.1
    st = ev.statistics
    assert st["replicated"] and st["slope_to_printed"]["low"] > -0.5 and st["slope_to_derived"]["high"] < 0
    r = replay(tmp_path / "du.kernel.def5_1.literal.json")
    assert r.still_refutes and math.isclose(r.outcome["margin"], ev.margin)
