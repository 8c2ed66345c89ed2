"""``landscape._lib.losses``: the registry of per-sample losses convex in the prediction."""

import pytest
import torch

from landscape import LandscapeError
from landscape._lib import losses


def test_squared_total_is_the_sum_over_samples():
    y, f = torch.tensor([0.0, 1.0, -2.0], dtype=torch.float64), torch.tensor([1.0, 1.0, 0.0], dtype=torch.float64)
    assert float(losses.get("squared").total(y, f)) == 1.0 + 0.0 + 4.0


@pytest.mark.parametrize("name", losses.names())
def test_every_registered_loss_is_convex_along_a_segment(name):
    """Jensen on a grid of predictions (the claim jiang.thm1.convex attacks this with Hypothesis)."""
    lo = losses.get(name)
    y = torch.tensor([1.0 if lo.labels == "sign" else 0.3], dtype=torch.float64)
    a, b = torch.tensor([-2.0], dtype=torch.float64), torch.tensor([3.0], dtype=torch.float64)
    for t in torch.linspace(0, 1, 11, dtype=torch.float64):
        mid = lo.fn(y, t * a + (1 - t) * b)
        assert float(mid) <= float(t * lo.fn(y, a) + (1 - t) * lo.fn(y, b)) + 1e-12


def test_unknown_loss_names_the_closest():
    with pytest.raises(LandscapeError, match="unknown loss 'sqared'.*closest: squared"):
        losses.get("sqared")
