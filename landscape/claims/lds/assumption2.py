"""Assumption 2 (section 2.2): sigma^(j)(0) != 0 for j < n, decided exactly, and the paper's examples."""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from landscape._lib import payload as _p
from landscape._core.context import Context, merge, Outcome, Result
from landscape._core.registry import claim
from landscape._lib import activations, symbolic, tolerance
from landscape.claims.lds._common import assumption2, MAX_ORDER, PAPER

# ---------------------------------------------------------------------------------------
# lds.assumption2 and .paper_examples
# ---------------------------------------------------------------------------------------

def _torch_matches_sympy(act: activations.Activation) -> tolerance.Decision:
    """Largest relative gap between the torch function and the sympy expression on a grid."""
    grid = np.linspace(-3, 3, 61)
    f = sp.lambdify(activations.Z, act.expr, modules="mpmath")
    ref = np.array([float(f(float(g))) for g in grid])
    got = act.numpy()(grid)
    gap = float(np.max(np.abs(got - ref)) / max(1.0, float(np.max(np.abs(ref)))))
    return tolerance.classify(gap)


@claim(
    "lds.assumption2",
    title="Assumption 2 decided exactly for every registered activation",
    source=f"{PAPER}, section 3.3, Assumption 2",
    statement=("For every activation in the registry and every order n, decide whether sigma(0), sigma'(0), ..., "
               "sigma^(n-1)(0) are all non-zero (sigma analytic); report the first vanishing order."),
    hypotheses=("sympy expression of sigma", "exact zero tests"),
    tags=("symbolic",),
)
def check_assumption2(ctx: Context) -> Result:
    outcomes, table = [], []
    for act in activations.all_activations():
        d = assumption2(act.name)
        match = _torch_matches_sympy(act)
        order = ("none (all orders, proved)" if d.all_orders else
                 (d.first_vanishing_order if d.first_vanishing_order is not None else
                  ("n/a (not analytic)" if not d.analytic else f"none below {d.checked_orders}")))
        table.append({"activation": act.name, "analytic": d.analytic, "first_vanishing_order": order,
                      "values_at_0": [v.value for v in d.values], "certificate": d.certificate,
                      "torch_vs_sympy_gap": match.value})
        if d.undecided:
            outcomes.append(Outcome.band(note=f"{act.name}: a derivative at 0 could not be decided exactly"))
        elif match.outcome != "zero":
            outcomes.append(Outcome.fails({"activation": act.name, "kind": "torch_mismatch"}, margin=match.margin,
                                          note=f"{act.name}: torch implementation differs from its sympy form"))
        else:
            outcomes.append(Outcome.holds(match.margin, activation=act.name))
    n_inf = [r for r in table if r["first_vanishing_order"] == "none (all orders, proved)"]
    bars = {r["activation"]: (MAX_ORDER + 2 if r in n_inf else
                              (r["first_vanishing_order"] if isinstance(r["first_vanishing_order"], int) else -1))
            for r in table}
    fig = {"kind": "bar", "title": "First order n with sigma^(n)(0) = 0 (14 = never, proved; -1 = not analytic)",
           "xlabel": "activation", "ylabel": "first vanishing order", "data": bars}
    return merge([], extra=outcomes, statistics={"table": table},
                 tried=(f"{len(table)} activations; exact derivatives at 0 up to order {MAX_ORDER - 1}; all-orders "
                        "certificates checked symbolically; torch vs sympy on 61 points of [-3, 3]"),
                 figures=[fig])


@claim(
    "lds.assumption2.paper_examples",
    title="'Assumption 2 covers sigmoid and softplus' for the n Lemma 3 needs",
    source=f"{PAPER}, section 3.3, remark after Assumption 2",
    statement=("Assumption 2 covers sigmoid and softplus, i.e. their first n derivatives at 0 are non-zero for "
               "n = N, the number of samples Lemma 3 applies it with (any N)."),
    hypotheses=("sigma in {sigmoid, softplus}", "n = N for every N >= 1"),
    paper="supported",
    expected="refuted",
    why=("sigmoid - 1/2 is odd, so sigmoid''(0) = 0: Assumption 2 fails for N >= 3. softplus(z) - z/2 is even, so "
         "softplus'''(0) = 0: it fails for N >= 4. The remark holds only for N <= 2 and N <= 3 respectively."),
    tags=("symbolic",),
)
def check_paper_examples(ctx: Context) -> Result:
    outcomes = []
    for name in ("sigmoid", "softplus"):
        outcomes.append(_paper_example_outcome(name, None))
    fails = [o for o in outcomes if o.status == "fails"]
    return merge([], extra=fails[:1] + [o for o in outcomes if o not in fails[:1]],
                 statistics={"decisions": [o.stats for o in outcomes]},
                 tried=f"exact sympy derivatives at 0 up to order {MAX_ORDER - 1} for sigmoid and softplus")


def _paper_example_outcome(name: str, order: int | None) -> Outcome:
    d = assumption2(name)
    k = d.first_vanishing_order if order is None else order
    if k is None:
        return Outcome.holds(math.inf, activation=name, first_vanishing_order=None)
    v = symbolic.derivative_at_zero(activations.get(name).expr, k)
    if v.is_zero:
        return Outcome.fails({"activation": name, "order": k}, math.inf,
                             note=f"{name}^({k})(0) = {v.value} exactly: Assumption 2 fails for n >= {k + 1}",
                             activation=name, first_vanishing_order=k, fails_from_n=k + 1, value=v.value, how=v.how)
    return Outcome.holds(math.inf, activation=name, order=k, value=v.value)


@check_paper_examples.replayer
def _replay_paper_examples(payload: dict) -> Outcome:
    return _paper_example_outcome(_p.require_activation(payload), _p.require_int(payload, "order", 0, _p.MAX_ORDER))
