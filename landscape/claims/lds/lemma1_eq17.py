"""Eq. (17)-(18) of ``004_c552a5c94484e66a.txt`` (appendix A, proof of Lemma 1) as printed:
``lds.lemma1.eq17``.

The proof perturbs g by (sin x + cos x)/(s(k+1)) (eq. (16)) and prints the n-th derivative of the
perturbation at 0 as (-1)^n (eq. (17), and again in eq. (18)).  :mod:`.lemmas` noted the slip
(``lds.lemma1``'s notes and its statistic ``perturbation_derivatives_eq17``); this claim decides it,
exactly, with sympy.
"""

from __future__ import annotations

import functools
import math

import sympy as sp

from landscape._core.context import Context, Outcome, Result, merge
from landscape._core.registry import claim
from landscape._lib import activations
from landscape._lib import payload as _p
from landscape.claims.lds._common import PAPER

#: Orders n checked: 0..EQ17_MAX_ORDER (two full periods of the derivatives of sin + cos and more).
EQ17_MAX_ORDER = 11


@functools.lru_cache(maxsize=None)
def _derivative_at_0(n: int) -> sp.Integer:
    """(sin x + cos x)^(n) at x = 0, exactly (sympy differentiation, then substitution)."""
    z = activations.Z
    return sp.nsimplify(sp.diff(sp.sin(z) + sp.cos(z), z, n).subs(z, 0))


def eq17_outcome(n: int) -> Outcome:
    """Eq. (17)'s ``(-1)^n`` against the exact ``(sin + cos)^(n)(0)`` (``sqrt 2 sin(pi/4 + n pi/2)``)."""
    true, printed = _derivative_at_0(n), sp.Integer(-1) ** n
    stats = {"n": n, "derivative_at_0": int(true), "eq17": int(printed)}
    if sp.simplify(true - printed) == 0:
        return Outcome.holds(math.inf, **stats)
    return Outcome.fails({"n": n}, math.inf, note=f"(sin x + cos x)^({n}) at 0 is {int(true)}, eq. (17) prints "
                                                  f"(-1)^{n} = {int(printed)}", **stats)


@claim(
    "lds.lemma1.eq17",
    title="Eq. (17): the n-th derivative of sin x + cos x at 0 is (-1)^n",
    source=f"{PAPER}, appendix A (proof of Lemma 1), eq. (16)-(18)",
    statement=("For f_k = g + (sin x + cos x)/(s(k+1)) (eq. (16)), f_k^(n)(0) = g^(n)(0) + (-1)^n / (s(k+1)) for "
               "every n (eq. (17); eq. (18) for g^(n)(0) = 0)."),
    hypotheses=(f"n = 0..{EQ17_MAX_ORDER}", "exact derivatives (sympy)"),
    paper="supported",
    expected="refuted",
    why=("d^n/dx^n (sin x + cos x) = sqrt 2 sin(x + pi/4 + n pi/2): at 0 it is 1, 1, -1, -1, 1, ... (period 4), not "
         "(-1)^n = 1, -1, 1, -1, ...: eq. (17) is wrong for n = 1, 2 (mod 4), first at n = 1 (1, printed -1). Lemma 1 "
         "is unaffected: its proof only uses |(sin + cos)^(n)(0)| = 1 (non-zero in case 1, at most 1 against "
         "delta_min / 2 in case 2), and lds.lemma1 checks the lemma itself (supported)."),
)
def check_eq17(ctx: Context) -> Result:
    outs = [eq17_outcome(n) for n in range(EQ17_MAX_ORDER + 1)]
    wrong = [o.stats["n"] for o in outs if o.status == "fails"]
    return merge([], extra=outs,
                 statistics={"derivatives_at_0": [o.stats["derivative_at_0"] for o in outs],
                             "eq17": [o.stats["eq17"] for o in outs], "orders_where_eq17_is_wrong": wrong},
                 tried=(f"(sin x + cos x)^(n)(0) for n = 0..{EQ17_MAX_ORDER} by sympy (exact) against eq. (17)'s "
                        "(-1)^n"))


@check_eq17.replayer
def _replay_eq17(p: dict) -> Outcome:
    return eq17_outcome(_p.require_int(p, "n", 0, _p.MAX_ORDER))
