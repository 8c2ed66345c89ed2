"""README example: a claim from outside the five papers that rests on certified local minima.

"A single sigmoid neuron with squared loss has no bad local minimum" is false (Auer, Herbster and
Warmuth, NeurIPS 1995, construct exponentially many local minima).  The claim must be refuted --
by a *genuine* minimum, proved in ball arithmetic, never by a saturation plateau where float64
rounds the sigmoid to 0 or 1.  Public API only (``tests/test_public_api.py`` checks it).
"""

from hypothesis import strategies as st

from landscape import Context, Outcome, Result, claim
from landscape.numerics import certify_minimum, minimise


def neuron(data):
    """``w -> sum_i (sigmoid(w x_i) - y_i)^2`` in torch, and the same loss for every number type (``loss_mp``)."""
    import torch

    xs = torch.tensor([x for x, _ in data], dtype=torch.float64)
    ys = torch.tensor([y for _, y in data], dtype=torch.float64)

    def loss(w):
        return ((torch.sigmoid(w[0] * xs) - ys) ** 2).sum()

    def loss_mp(w, ops):
        return sum((ops.sigmoid(w[0] * x) - y) ** 2 for x, y in data)

    return loss, loss_mp


@claim(
    "example.sigmoid_neuron.no_bad_minimum",
    title="A single sigmoid neuron with squared loss has no bad local minimum",
    source="outside the papers: Auer, Herbster, Warmuth (1995), 'Exponentially many local minima for single neurons'",
    statement="For data (x_i, y_i), every local minimum of E(w) = sum_i (sigmoid(w x_i) - y_i)^2 is global.",
    hypotheses=("one weight, no bias", "squared loss"),
    expected="refuted",
    paper="refuted",
)
def check_sigmoid_neuron(ctx: Context) -> Result:
    import numpy as np
    import torch

    points = st.tuples(st.integers(-8, 8).map(lambda k: k / 2), st.integers(0, 8).map(lambda k: k / 8))
    datasets = st.lists(points, min_size=2, max_size=3, unique_by=lambda p: p[0])

    def decide(data) -> Outcome:
        loss, loss_mp = neuron(data)
        minima = []
        for start in (-6.0, -3.0, -1.0, 0.0, 1.0, 3.0, 6.0):
            w = minimise(loss, torch.tensor([start], dtype=torch.float64)).w
            cert = certify_minimum(loss, w, rng=np.random.default_rng(0), loss_mp=loss_mp, samples=8,
                                   attack_starts=1, attack_steps=10)
            if cert.kind == "strict" and cert.proof in ("exact", "interval"):
                minima.append(cert.critical)
        minima.sort(key=lambda c: c.loss)
        for c in minima[1:]:
            if c.loss_interval[0] > minima[0].loss_interval[1]:  # proved: a lower minimum exists
                gap = c.loss_interval[0] - minima[0].loss_interval[1]
                return Outcome.fails({"data": [list(p) for p in data]}, margin=float(np.log10(1 + gap / 1e-10)),
                                     note=f"strict local minimum at w = {c.point[0]:.6g}, E = {c.loss:.6g} > "
                                          f"{minima[0].loss:.6g}", proof=c.proof, bad_w=c.point[0], bad_loss=c.loss,
                                     good_loss=minima[0].loss)
        return Outcome.holds(minima=len(minima))

    # Auer et al.'s phenomenon on three points: minima near w = 0.107 (E = 0.192) and w = 1.977 (E = 0.287)
    res = ctx.search(datasets, decide, label="single sigmoid neuron",
                     examples=[[(-4.0, 0.5), (-0.5, 0.125), (-1.0, 0.25)]])
    return res.result(tried=f"{res.examples} datasets of 2-3 points (x in [-4, 4] by halves, y in [0, 1] by eighths), "
                            "7 starts each, minima certified in ball arithmetic")
