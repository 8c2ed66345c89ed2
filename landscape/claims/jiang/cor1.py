"""Corollary 1 (section 3.1): Q(f) is a convex functional of the network function (``jiang.cor1``)."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from landscape import Context, Outcome, Result, claim
from landscape._lib import payload as _p
from landscape._lib import losses, tolerance
from landscape._lib.networks.cube import JiangNet
from landscape._lib.strategies import seeds
from landscape.claims.jiang._common import PAPER, random_labels


# ---------------------------------------------------------------------------------------
# jiang.cor1
# ---------------------------------------------------------------------------------------

def cor1_outcome(loss_name: str, k_dim: int, t: int, seed: int) -> Outcome:
    """Jensen for Q on pairs of functions: two random networks (different activations) at the data."""
    rng = np.random.default_rng(seed)
    loss = losses.get(loss_name)
    x = torch.as_tensor(rng.random((t, k_dim)))
    y = torch.as_tensor(random_labels(loss, rng, t))
    acts = rng.choice(["tanh", "relu", "sigmoid", "softplus"], size=2)
    nets = [JiangNet(k_dim, int(rng.integers(1, 6)), str(a)) for a in acts]
    f1, f2 = (n.f(n.init(rng), x).detach() * float(rng.choice([0.1, 1, 10])) for n in nets)
    lam = float(rng.uniform(0.05, 0.95))
    lhs = float(loss.total(y, lam * f1 + (1 - lam) * f2))
    rhs = lam * float(loss.total(y, f1)) + (1 - lam) * float(loss.total(y, f2))
    d = tolerance.at_most(lhs, rhs)
    stats = {"loss": loss_name, "gap": rhs - lhs, "activations": [str(a) for a in acts]}
    if d.outcome == "nonzero":
        return Outcome.fails({"loss": loss_name, "K": k_dim, "T": t, "seed": seed}, d.margin, note="Jensen violated", **stats)
    if d.outcome == "band":
        return Outcome.band(**stats)
    return Outcome.holds(d.margin, **stats)


@claim(
    "jiang.cor1",
    title="Corollary 1: Q(f) is a convex functional on L1(U^K)",
    source=f"{PAPER}, Corollary 1 (section 3.1)",
    statement="For a convex loss, Q(lambda f1 + (1 - lambda) f2) <= lambda Q(f1) + (1 - lambda) Q(f2) for f1, f2 in L1(U^K).",
    hypotheses=("every loss in the registry", "f1, f2 network functions (random two-layer networks)"),
)
def check_cor1(ctx: Context) -> Result:
    @st.composite
    def examples(draw):
        return draw(st.sampled_from(losses.names())), draw(st.integers(1, 2)), draw(st.integers(1, 8)), draw(seeds())

    res = ctx.search(examples(), lambda ex: cor1_outcome(*ex), label="Jensen on network functions",
                     max_examples=4 * ctx.max_examples)
    return res.result(tried=f"{res.examples} pairs of random two-layer networks (tanh/relu/sigmoid/softplus, output "
                            "scales 0.1/1/10) on T <= 8 points, every loss in the registry")


check_cor1.replayer(lambda p: cor1_outcome(_p.require_loss(p), _p.require_int(p, "K", 1, _p.MAX_DIM),
                                           _p.require_int(p, "T", 1, _p.MAX_N), _p.require_seed(p)))
