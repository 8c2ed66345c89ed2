"""Lemma 3 (section 4, proof in appendix D): T_H has full rank for almost every weight."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import reject, strategies as st

from landscape._core.context import Context, Outcome, Result
from landscape._core.registry import claim
from landscape._lib import tolerance
from landscape._lib import prose
from landscape._lib.feature_rank import lemma3_outcome, replay_lemma3, ROBUST_TEXT
from landscape._lib.strategies import a1_datasets, A1_FAMILIES, mlp_specs, satisfies_a1, seeds
from landscape.claims.lds._common import assumption2_for_n, count_by, PAPER

# ---------------------------------------------------------------------------------------
# lds.lemma3 and its activation variants
# ---------------------------------------------------------------------------------------



#: The data of the Lemma 3 searches unless a claim names its own (``tried_data``).
A1_DATA_TEXT = ("A1 datasets: lattice, gaussian, symmetric, with the origin, ties, near-duplicates, sparse, scaled; "
                "N <= 6, d0 <= 3")


@st.composite
def _lemma3_examples(draw, act_choice, data=None):
    x = draw(a1_datasets(max_n=6) if data is None else data)
    n = x.shape[1]
    names = act_choice(n)
    if not isinstance(names, st.SearchStrategy):
        if not names:
            reject()
        names = st.sampled_from(names)
    act = draw(names)
    wide = draw(st.booleans())
    spec = draw(mlp_specs(d0=x.shape[0], activation=act, max_depth=3, max_width=8, min_last=n if wide else None))
    return x, spec, draw(seeds())


def _memoised(fn):
    """``fn(example)`` cached on the example's value: the shrinking pass of :meth:`Context.search`
    replays the generation pass from the same seed, so the examples before the first failure
    are recomputed unchanged; the outcome is a pure function of the example."""
    cache: dict = {}

    def run(ex):
        x, spec, s = ex
        key = (np.asarray(x).tobytes(), np.asarray(x).shape, spec, s)
        if key not in cache:
            cache[key] = fn(ex)
        return cache[key]

    return run


def _family_of(x: np.ndarray) -> str:
    if satisfies_a1(x):
        return "A1"
    cols = [tuple(c) for c in x.T.tolist()]
    return "repeated points" if len(set(cols)) < len(cols) else "distinct points, A1 violated"


def lemma3_search(ctx: Context, act_choice, label: str, budget: int, *, data=None, tried_data: str | None = None,
                   identities: list[dict] | None = None, examples: tuple = ()) -> Result:
    """The Hypothesis search of a Lemma 3 claim: :func:`landscape._lib.feature_rank.lemma3_outcome` per example, with its statistics, figure and evidence text."""
    def fn(ex):
        x, spec, s = ex
        if data is None:
            assert satisfies_a1(x)
        try:
            o = lemma3_outcome(x, spec, s, ctx.draws)
        except FloatingPointError:
            reject()
        o.stats["data_family"] = _family_of(x)
        return o

    res = ctx.search(_lemma3_examples(act_choice, data), _memoised(fn), label=label, max_examples=budget,
                     examples=examples)
    by_act: dict[str, list[float]] = {}
    for o in res.outcomes:
        a = o.stats.get("activation") or (o.payload or {}).get("activation")
        for v in o.stats.get("s_min", []):
            by_act.setdefault(str(a), []).append(float(v))
    hist = {a: [math.log10(max(v, 1e-300)) for v in vals] for a, vals in by_act.items()}
    quant = {a: {"n": len(v), "min": float(np.min(v)), "p05": float(np.quantile(v, 0.05)),
                 "median": float(np.median(v)), "fraction_below_zero_tol": float(np.mean(np.array(v) <= tolerance.ZERO))}
             for a, v in by_act.items() if v}
    fam: dict[str, dict[str, int]] = {}
    for o in res.outcomes:
        fam.setdefault(o.stats.get("data_family", "?"), {"holds": 0, "fails": 0, "band": 0})[o.status] += 1
    fig = {"kind": "hist", "title": ("log10 of the smallest normalised singular value of T_H, the quantity that decides "
                                     "the rank (per weight draw, at the precision that decided), against the tolerance band"),
           "xlabel": "log10(s_min / s_max) of T_H", "ylabel": "weight draws", "data": hist,
           "band": {"lo": math.log10(tolerance.ZERO), "hi": math.log10(tolerance.ZERO * tolerance.BAND),
                    "label": "undecided band in float64 (re-decided in multiple precision)"}}
    prec: dict[str, int] = {}
    for o in res.outcomes:
        for p in o.stats.get("decided_by", []):
            prec[p] = prec.get(p, 0) + 1
    stats = {"s_min_by_activation": quant, "outcomes_by_data_family": fam, "rank_decided_by": prec,
             "accidental_deficiencies": sum(o.stats.get("accidents", 0) for o in res.outcomes),
             "robustness_test": ROBUST_TEXT,
             "precision_of_deficiencies": count_by([o for o in res.outcomes if o.status == "fails"], "precision")}
    notes = []
    if identities:
        stats["identities"] = identities
        notes += [f"{d['identity']}: {'holds for every z (sympy)' if d['holds'] else 'NOT an identity (sympy)'}"
                  + (f" -- {d['consequence']}" if d.get("consequence") else "") for d in identities]
    if res.shrunk is not None and res.shrunk.payload:
        p = res.shrunk.payload
        notes.append(f"counterexample: X = {np.round(np.asarray(p['X']), 6).tolist()}, widths {p['spec']['widths']}, "
                     f"{'bias' if p['spec'].get('bias') else 'no bias'}, sigma = {p['activation']}; {res.shrunk.note}")
    return res.result(statistics=stats,
                      tried=lemma3_tried(res.examples, ctx.draws, tried_data, examples),
                      figures=[fig], notes=notes)


def lemma3_tried(examples: int, draws: int, tried_data: str | None, explicit: tuple) -> str:
    """The ``tried`` prose of a Lemma 3 search: ``examples`` Hypothesis examples x ``draws`` weight draws on the data
    ``tried_data`` (default: the A1 families), and the ``explicit`` (X, spec, seed) cases tried on every seed."""
    data = prose.paren(tried_data or A1_DATA_TEXT, "depth <= 3, widths <= 8, with and without bias")
    ranks = prose.sentence(
        "ranks of ReLU / leaky ReLU / linear / polynomial networks decided exactly in rational arithmetic,",
        "the others in float64 with every decision outside 'nonzero' re-decided at",
        f"{prose.seq(tolerance.HP_LADDER, sep='/')} digits")
    return prose.clauses(
        f"{examples} Hypothesis examples {data} x {draws} Gaussian weight draws each",
        f"a deficiency counts only if it survives {ROBUST_TEXT}", ranks,
        *(_explicit_text(x, spec) for x, spec, _ in explicit))


def _explicit_text(x, spec) -> str:
    """An explicit Lemma 3 case (data ``x``, network ``spec``), a clause of :func:`lemma3_tried`."""
    return prose.clauses(f"explicit case tried on every seed: X = {np.asarray(x).tolist()}", f"widths {spec.widths}",
                         f"sigma = {spec.activation}", "bias" if spec.bias else "no bias", sep=", ")


@claim(
    "lds.lemma3",
    title="Lemma 3: T_H has full rank for almost every weight (Assumption 1 + Assumption 2 with n = N)",
    source=f"{PAPER}, Lemma 3 (section 4, proof in appendix D)",
    statement=("Assumption 1 (data distinct in at least one coordinate) and Assumption 2 for n = N imply that "
               "{(W_1..W_H): rank(T_H) < min(d_H, N)} has measure zero; any depth, any widths, with or without bias."),
    hypotheses=("A1 data (incl. points on the unit sphere)", "sigma analytic with sigma^(j)(0) != 0 for j < N (decided exactly)",
                "Gaussian weights"),
)
def check_lemma3(ctx: Context) -> Result:
    data = a1_datasets(max_n=6, families=A1_FAMILIES + ("sphere",))
    return lemma3_search(ctx, assumption2_for_n, "Assumption-2 activations", 20 * ctx.max_examples, data=data,
                          tried_data=("A1 datasets: lattice, gaussian, symmetric, with the origin, ties, near-duplicates, "
                                      "sparse, scaled, unit sphere; N <= 6, d0 <= 3"))


@check_lemma3.replayer
def _r0(payload: dict) -> Outcome:
    return replay_lemma3(payload)
