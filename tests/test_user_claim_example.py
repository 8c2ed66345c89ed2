"""The README's worked example: a user-defined claim in a test file.

pytest collects the decorated property as a test (the landscape plugin collects every
Claim object in a test module); ``landscape list --claims-from tests/test_user_claim_example.py``
lists it and ``landscape report --claims-from ...`` reports it.
"""

from hypothesis import strategies as st

from landscape import Context, Result, claim
from landscape.numerics import feature_rank_outcome
from landscape.strategies import a1_datasets, mlp_specs, seeds


@claim(
    "example.lemma3_sigmoid_with_bias",
    title="Lemma 3's conclusion for sigmoid networks with bias",
    source="004_c552a5c94484e66a.txt, Lemma 3 (appendix D), eq. (1)-(3) with bias",
    statement="With bias in every hidden layer, rank(T_H) = min(d_H, N) for almost every weight (sigmoid, A1 data).",
    hypotheses=("A1 data", "sigma = sigmoid", "bias in every hidden layer"),
    expected="supported",
)
def check_sigmoid_with_bias(ctx: Context) -> Result:
    @st.composite
    def examples(draw):
        x = draw(a1_datasets(max_n=5))
        spec = draw(mlp_specs(d0=x.shape[0], activation="sigmoid", bias=True, max_depth=2, min_last=x.shape[1]))
        return x, spec, draw(seeds())

    res = ctx.search(examples(), lambda ex: feature_rank_outcome(*ex, draws=ctx.draws), label="sigmoid with bias",
                     max_examples=4 * ctx.max_examples)
    return res.result(tried=f"{res.examples} A1 datasets x {ctx.draws} Gaussian weight draws, depth <= 2, d_H >= N")
