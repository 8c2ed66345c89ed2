"""The README's second worked example: a local-minimum claim written with the public API only.

Train a deep linear network to stationarity, certify the point it reaches, and compare its loss
with the closed-form global minimum.  Golikov's essay, section 2.1.1 (after Lu & Kawaguchi 2017):
every local minimum of ``1/2 ||Y - W_H ... W_1 X||_F^2`` is global.
"""

import numpy as np
from hypothesis import reject
from hypothesis import strategies as st

from landscape import Context, Outcome, Result, claim
from landscape.numerics import DeepLinear, certify_minimum, equal, minimise, reduced_rank_optimum
from landscape.strategies import seeds


@claim(
    "example.linear.local_minima_are_global",
    title="Deep linear networks: every local minimum reached by training is global",
    source="003_6b1d70a06ebc74fd.txt, section 2.1.1, eq. (3)-(4)",
    statement="A certified local minimum of 1/2 ||Y - W_H..W_1 X||_F^2 has the loss of the rank-d_p optimum "
              "(d_p = min_k d_k).",
    hypotheses=("H >= 2 linear layers", "Gaussian X, Y with N >= 2 samples"),
    expected="supported",
)
def check_linear_minima(ctx: Context) -> Result:
    problems = st.tuples(st.lists(st.integers(1, 3), min_size=3, max_size=4), st.integers(2, 6), seeds())

    def decide(problem) -> Outcome:
        dims, n, seed = problem
        rng = np.random.default_rng(seed)
        x, y = rng.normal(size=(dims[0], n)), rng.normal(size=(dims[-1], n))
        net = DeepLinear(tuple(dims))
        loss = net.loss_fn(x, y)
        w = net.balance(minimise(loss, net.init(rng)).w)  # balanced: the same product, well scaled
        cert = certify_minimum(loss, w, rng=rng, samples=16, attack_starts=2, attack_steps=20)
        if cert.kind not in ("strict", "non-strict"):
            reject()  # the claim says nothing about saddles or points training left short
        best = reduced_rank_optimum(x, y, net.bottleneck).loss
        d = equal(cert.loss, best, scale=float(np.sum(y**2)))  # relative to the loss at W = 0
        stats = {"loss": cert.loss, "global": best, "kind": cert.kind, "relative_gap": d.value}
        if d.outcome == "nonzero" and cert.loss > best:
            return Outcome.fails({"dims": list(dims), "n": n, "seed": seed}, d.margin,
                                 note=f"a {cert.kind} local minimum at loss {cert.loss:.6g} > {best:.6g}", **stats)
        return Outcome.band(**stats) if d.outcome == "band" else Outcome.holds(d.margin, **stats)

    res = ctx.search(problems, decide, label="trained linear networks")
    return res.result(tried=f"{res.examples} deep linear networks (depth 2-3, widths 1-3, N = 2-6) trained by "
                            "L-BFGS, certified, compared with the reduced-rank optimum")
