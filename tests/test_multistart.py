"""``landscape.numerics.multistart`` on problems with known answers (issue 23).

The 1-D double well ``E(w) = (w^2 - 1)^2 + c w`` (c = 1/2) has two minima and one maximum, the roots of
``4 w^3 - 4 w + c``; from ``w ~ U(-2, 2)`` a descent ends in the left (global) minimum exactly when it starts
left of the maximum ``w_m``, so the left basin's fraction is ``(w_m + 2) / 4`` = 0.5318; the right minimum
is strict, with a polynomial loss whose multiple-precision form gives an interval proof.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from landscape import LandscapeError
from landscape._lib import optimise
from landscape.numerics import fraction_interval, module_loss, multistart

C = 0.5


def well(w):
    return (w[0] ** 2 - 1) ** 2 + C * w[0]


def well_mp(w, ops):
    return (w[0] ** 2 - 1) ** 2 + C * w[0]


def uniform(rng):
    return rng.uniform(-2.0, 2.0, size=1)


ROOTS = sorted(np.roots([4.0, 0.0, -4.0, C]).real)  # left minimum, maximum, right minimum


def run(starts=400, **kw):
    return multistart(well, uniform, starts, seed=kw.pop("seed", 0), device="cpu", loss_mp=well_mp, steps=300,
                      **kw)


def test_double_well_endpoints_and_basin_fractions():
    res = run()
    assert len(res.endpoints) == 2 and res.diverged == 0
    low, high = res.endpoints
    assert low.is_global and low.kind == "global" and abs(float(low.w[0]) - ROOTS[0]) < 1e-10
    assert not high.is_global and abs(float(high.w[0]) - ROOTS[2]) < 1e-10
    assert high.kind == "strict" and high.proof == "interval" and high.spurious
    assert low.count + high.count == 400 and math.isclose(low.fraction + high.fraction, 1.0)
    expected = (ROOTS[1] + 2.0) / 4.0  # the left basin's share of U(-2, 2)
    lo, hi = fraction_interval(low.count, 400, z=4.0)
    assert lo <= expected <= hi, (low.fraction, expected)
    # the basins are the two sides of the maximum: every start left of it ended in the left minimum
    starts = [float(uniform(np.random.default_rng([0, i]))[0]) for i in range(400)]
    assert all(starts[i] < ROOTS[1] for i in low.starts) and all(starts[i] > ROOTS[1] for i in high.starts)
    assert res.spurious_fraction == high.fraction and res.global_fraction == low.fraction


def test_deterministic_per_seed_and_seed_matters():
    a, b, c = run(60), run(60), run(60, seed=1)
    assert [(e.loss, e.count, e.starts, e.kind) for e in a.endpoints] == \
        [(e.loss, e.count, e.starts, e.kind) for e in b.endpoints]
    assert all(torch.equal(x.w, y.w) for x, y in zip(a.endpoints, b.endpoints))
    assert [e.starts for e in a.endpoints] != [e.starts for e in c.endpoints]


def test_serial_mode_reaches_the_same_endpoints():
    b, s = run(40), run(40, batched=False)
    assert [(e.count, e.starts, e.kind) for e in b.endpoints] == [(e.count, e.starts, e.kind) for e in s.endpoints]
    for x, y in zip(b.endpoints, s.endpoints):
        assert abs(x.loss - y.loss) <= 1e-12


def test_batched_adam_matches_serial_adam():
    loss = lambda w: ((w[:2] ** 2 - 1) ** 2).sum() + 0.3 * w.sum()  # noqa: E731
    w0 = torch.as_tensor(np.random.default_rng(3).normal(size=(7, 3)))
    sch = optimise.AdamSchedule(steps=200, lr=0.05, final_lr=0.1)
    b, s = optimise.adam_batched(loss, w0, sch), optimise.adam_serial(loss, w0, sch)
    assert torch.allclose(b.w, s.w, atol=1e-12) and torch.equal(b.steps, s.steps)


def test_nn_module_through_functional_call():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1).double()
    rng = np.random.default_rng(0)
    x = torch.as_tensor(rng.normal(size=(10, 3)))
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]], dtype=torch.float64) + 0.1
    loss = module_loss(model, x, y)
    assert loss.n_params == 4 and torch.allclose(loss(loss.flat()), ((model(x) - y) ** 2).sum())
    res = multistart(loss, 1.0, 16, device="cpu", steps=200)  # a scale: N(0, 1) starts of n_params weights
    assert len(res.endpoints) == 1 and res.endpoints[0].is_global and res.endpoints[0].count == 16
    assert res.best < 1e-20


@pytest.mark.parametrize("kwargs, name", [
    ({"starts": 0}, "starts=0"),
    ({"device": None}, "device=None"),
    ({"device": "not-a-device"}, "'not-a-device'"),
    ({"init": "wide"}, "init='wide'"),
    ({"init": 0.5}, "init=0.5"),  # a scale without n_params
    ({"init": lambda rng: [math.nan]}, "non-finite"),
    ({"loss": 3}, "loss=3"),
    ({"loss": torch.nn.Linear(1, 1)}, "module_loss"),
    ({"lr": -1.0}, "lr=-1.0"),
    ({"distance": 0.0}, "distance=0.0"),
    ({"steps": 1.5}, "steps=1.5"),
    ({"dtype": torch.int64}, "dtype=torch.int64"),
])
def test_bad_arguments_name_the_value(kwargs, name):
    args = {"loss": well, "init": uniform, "starts": 4, "device": "cpu"} | kwargs
    with pytest.raises(LandscapeError, match=name.replace("(", r"\(").replace(".", r"\.")):
        multistart(args.pop("loss"), args.pop("init"), args.pop("starts"), **args)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_runs_on_a_gpu():
    res = multistart(well, uniform, 64, device="cuda", loss_mp=well_mp, steps=300)
    assert len(res.endpoints) == 2 and res.device.startswith("cuda")
