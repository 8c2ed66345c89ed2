"""The Hypothesis landscape search of Theorem 1 and its figures."""

from __future__ import annotations

import math

from hypothesis import reject, strategies as st

from landscape._core.context import Context
from landscape._lib.networks.mlp import MLPSpec
from landscape._lib.search import Budget, NUMERICAL, search_problem, SearchReport
from landscape._lib.strategies import a1_datasets, mlp_specs, seeds

#: Continuous activations of the Theorem 1 search (the Prop. 1 ones included).
SEARCH_ACTS = ("relu", "leaky_relu", "sigmoid", "tanh", "softplus", "sincos", "negsq_exp", "cubic_exp", "negsin2")

def search_landscape(ctx: Context, budget: Budget, *, over: bool, acts: tuple[str, ...], depth: int, max_examples: int,
            label: str = "landscape search") -> SearchReport:
    """Theorem 1's Hypothesis search: A1 data, an MLP with ``d_H >= N`` (``over``) or ``< N``, one :func:`landscape._lib.search.search_problem` each."""
    excluded: list[dict] = []
    problems: list[dict] = []

    @st.composite
    def examples(draw):
        x = draw(a1_datasets(min_n=1 if over else 3, max_n=4, max_d0=2))
        n = x.shape[1]
        act = draw(st.sampled_from(acts))
        if over:
            spec = draw(mlp_specs(d0=x.shape[0], activation=act, max_depth=depth, max_width=5, min_last=n))
        else:
            spec = draw(mlp_specs(d0=x.shape[0], activation=act, max_depth=depth, max_width=n - 1))
            spec = MLPSpec(spec.d0, (*spec.widths[:-1], min(spec.d_H, n - 1)), 1, act, spec.bias)
        return x, spec, draw(seeds())

    def fn(ex):
        x, spec, s = ex
        try:
            p = search_problem(x, spec, s, budget)
        except NUMERICAL:  # the problem itself left float64 (e.g. T_H overflowed): not an example
            reject()
        problems.append(p.stats)
        if p.outcome is None:  # excluded: counted, never an outcome (Hypothesis draws another problem)
            excluded.append({"activation": spec.activation, "N": x.shape[1], "widths": list(spec.widths),
                             "seed": s, "reason": p.excluded_reason})
            reject()
        return p.outcome

    res = ctx.search(examples(), fn, label=label, max_examples=max_examples, shrink=False)
    return SearchReport(res, excluded, problems)


def kinds_figure(kinds: dict, title: str) -> dict:
    """Bar figure of the certificate kinds of the bad stationary points, per activation."""
    flat = {f"{act}: {k}": v for act, d in sorted(kinds.items()) for k, v in sorted(d.items())}
    return {"kind": "bar", "title": title, "xlabel": "activation: certificate of the bad stationary point",
            "ylabel": "count", "data": flat}


def landscape_figures(reports: list[SearchReport], extra_candidates: list[dict], tag: str) -> list[dict]:
    """Issue 3's figures: fraction of starts ending at a bad value / a bad local minimum per activation and
    width; the Hessian spectrum of each certified local minimum; the loss along each escape path."""
    fr: dict[str, dict] = {}
    for r in reports:
        fr |= r.endpoint_fractions()
    cands = [c for r in reports for c in r.candidates()] + extra_candidates
    mins = [c for c in cands if c["kind"] in ("strict", "non-strict") and c.get("spectrum")]
    spectra = {f"{c['problem'][:34]} ({c['kind']}, L={c['loss']:.3g})": {
        "x": list(range(len(c["spectrum"]))), "y": c["spectrum"]} for c in mins[:10]}
    escapes = {}
    for c in cands[:40]:
        for j, e in enumerate(c.get("escapes", [])):
            if len(escapes) >= 12:
                break
            lv = c["loss"] if c.get("loss") else 1.0
            pts = [(s_, v / lv) for s_, v in zip(e["step"], e["loss"]) if isinstance(v, float) and math.isfinite(v)]
            escapes[f"{c['problem'][:30]} #{j} ({c['kind']})"] = {"x": [p[0] for p in pts], "y": [p[1] for p in pts]}
    return [
        {"kind": "bar", "title": f"Fraction of random starts ending at a bad value ({tag})",
         "xlabel": "activation, width d_H", "ylabel": "fraction of starts", "data": {
             k: v["fraction_bad"] for k, v in fr.items()}},
        {"kind": "bar", "title": f"Fraction of random starts ending at a certified bad local minimum, strict or not ({tag})",
         "xlabel": "activation, width d_H", "ylabel": "fraction of starts", "data": {
             k: v["fraction_bad_minimum"] for k, v in fr.items()}},
        {"kind": "line", "title": f"Hessian spectrum (normalised, smallest first) of each certified minimum ({tag})",
         "xlabel": "eigenvalue index (exact spectra; Lanczos: extreme ones)", "ylabel": "lambda / max |lambda|",
         "series": spectra},
        {"kind": "line", "title": f"Loss along each escape path (perturb, then descend) ({tag})",
         "xlabel": "descent step", "ylabel": "L / L(candidate)", "series": escapes},
    ]
