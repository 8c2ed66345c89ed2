"""README, "Adding a claim": a claim written with ``multistart`` -- many starts at once, basin statistics.

Deep linear networks (Golikov's essay, section 2.1.1; Lu & Kawaguchi 2017): every local minimum is global, with
the value of the rank-constrained regression.  Each example runs 32 starts at once and certifies only the
endpoints that are not at the lowest loss found.
"""

import numpy as np
from hypothesis import strategies as st

from landscape import Context, Outcome, Result, claim
from landscape.numerics import DeepLinear, equal, multistart, reduced_rank_optimum
from landscape.strategies import seeds


@claim(
    "example.linear.multistart_basins",
    title="Deep linear networks: 32 starts at once, every endpoint at the global value or no minimum",
    source="003_6b1d70a06ebc74fd.txt, section 2.1.1, eq. (3)-(4)",
    statement="Every local minimum of 1/2 ||Y - W_H..W_1 X||_F^2 reached from random starts has the loss of the "
              "rank-d_p optimum; the fraction of starts reaching it is recorded.",
    hypotheses=("H >= 2 linear layers", "Gaussian X, Y with N >= 2 samples"),
    expected="supported",
)
def check_linear_basins(ctx: Context) -> Result:
    problems = st.tuples(st.lists(st.integers(1, 3), min_size=3, max_size=4), st.integers(2, 6), seeds())

    def decide(problem) -> Outcome:
        dims, n, seed = problem
        rng = np.random.default_rng(seed)
        x, y = rng.normal(size=(dims[0], n)), rng.normal(size=(dims[-1], n))
        net = DeepLinear(tuple(dims))
        res = multistart(net.loss_fn(x, y), net.init, 32, seed=seed, device="cpu", steps=300,
                         distance=None,  # the global minima form a manifold: cluster by loss only
                         certify_kwargs={"samples": 8, "attack_starts": 1, "attack_steps": 10})
        best = reduced_rank_optimum(x, y, net.bottleneck).loss
        scale = 0.5 * float(np.sum(y**2))  # the loss at W = 0
        stats = {"global_fraction": res.global_fraction, "distinct": len(res.endpoints), "optimum": best,
                 "basins": res.basins()}
        for e in res.spurious:  # certified local minima above the lowest loss found
            d = equal(e.loss, best, scale=scale)
            if d.outcome == "nonzero":
                return Outcome.fails({"dims": list(dims), "n": n, "seed": seed}, d.margin, proof=e.proof,
                                     note=f"a {e.kind} minimum at loss {e.loss:.6g} > {best:.6g}, reached from "
                                          f"{e.count} of 32 starts", **stats)
        d = equal(res.best, best, scale=scale)
        undecided = [e for e in res.endpoints if not e.is_global and e.kind in (None, "inconclusive")]
        if d.outcome != "zero" or undecided:
            return Outcome.band(**stats)
        return Outcome.holds(d.margin, **stats)

    res = ctx.search(problems, decide, label="deep linear networks, 32 starts each")
    return res.result(tried=f"{res.examples} deep linear networks (depth 2-3, widths 1-3, N = 2-6), 32 starts each "
                            "(batched Adam + Newton), endpoints above the lowest loss certified")
