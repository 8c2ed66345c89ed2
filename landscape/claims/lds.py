"""Claims of Li, Ding, Sun, *Over-Parameterized Deep Neural Networks Have No Strict Local
Minima For Any Continuous Activations* (``../shared/papers/004_c552a5c94484e66a.txt``).

Network: eq. (1)-(4) (:mod:`landscape.networks.mlp`).  Assumption A1: some coordinate of
the data has pairwise distinct values.  Assumption 2: sigma analytic with
``sigma^(j)(0) != 0`` for ``j < n`` (Lemma 3 uses ``n = N``, the number of samples).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import sympy as sp
import torch
from hypothesis import reject
from hypothesis import strategies as st

from .. import activations, symbolic, tolerance
from ..context import Context, Outcome, Result, merge
from ..errors import LandscapeError
from ..networks.mlp import MLP, MLPSpec
from ..registry import claim
from ..strategies import a1_datasets, mlp_specs, satisfies_a1, seeds

PAPER = "004_c552a5c94484e66a.txt"
MAX_ORDER = 12  # derivative orders decided exactly for activations without a certificate


@functools.lru_cache(maxsize=None)
def assumption2(name: str) -> symbolic.Assumption2Decision:
    """Cached exact Assumption 2 decision for a registered activation."""
    return symbolic.first_vanishing_order(activations.get(name), MAX_ORDER)


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
    return _paper_example_outcome(str(payload["activation"]), int(payload["order"]))


# ---------------------------------------------------------------------------------------
# lds.lemma3 and its activation variants
# ---------------------------------------------------------------------------------------

ROBUST_RADIUS = 1e-3  # relative size of the weight perturbations of the robustness test
ROBUST_DRAWS = 8


def _rank_of(net: MLP, x: np.ndarray) -> tolerance.RankDecision:
    """Rank decision for T_H with multiple-precision escalation of every non-'nonzero' case."""
    th = net.hidden(x)[-1].numpy()
    if not np.all(np.isfinite(th)):
        raise FloatingPointError("T_H overflowed float64")
    exact = None
    if activations.get(net.spec.activation).expr is not None:
        def exact(dps: int):
            return net.hidden_mp(x, dps)
    return tolerance.rank(th, exact=exact)


def _saturation_note(net: MLP, x: np.ndarray) -> str:
    """Why a deficiency of T_H is undecidable at the deepest precision, or ``""`` if it is not.

    An analytic activation that saturates (pre-activations of two data points both within
    e.g. 10^-10^17 of a point where sigma is locally flat at working precision) makes two
    columns of T_H agree beyond the ``HP_LADDER[-1]``-digit floor although the points stay
    distinct: the "deficiency" is then the precision's, not the network's (Lemma 3 is about
    distinct hidden representations).  Non-analytic activations (ReLU) merge points
    exactly, so this never applies to them.
    """
    act = activations.get(net.spec.activation)
    if not act.analytic or act.expr is None:
        return ""
    dps = tolerance.HP_LADDER[-1]
    merges = net.saturation_merges(x, dps)
    if not merges:
        return ""
    m = merges[0]
    return (f"undecidable at {dps} digits: layer {m['layer']} maps data points {m['i']} and {m['j']} (pre-activations "
            f"10^{m['log10_sep_in']:.3g} apart, relative) to outputs equal to within 10^{m['log10_sep_out']:.4g} "
            f"there, although to first order they differ by 10^{m['log10_sep_out_first_order']:.4g} (saturation); "
            f"{len(merges)} such pair(s)")


def _robust_deficiency(net: MLP, x: np.ndarray, rng: np.random.Generator) -> tuple[bool, list[float]]:
    """Is rank(T_H) < target on a neighbourhood?  ``ROBUST_DRAWS`` random relative perturbations."""
    s = []
    for _ in range(ROBUST_DRAWS):
        ws = []
        for w in net.weights:
            wn = w.numpy()
            scale = max(1.0, float(np.max(np.abs(wn))))
            ws.append(wn + ROBUST_RADIUS * scale * rng.uniform(-1, 1, size=wn.shape))
        d = _rank_of(net.with_weights(ws), x)
        s.append(d.s_normalised)
        if d.full is not False:
            return False, s
    return True, s


def lemma3_outcome(x: np.ndarray, spec: MLPSpec, weight_seed: int, draws: int) -> Outcome:
    """Rank of T_H for ``draws`` Gaussian weight draws; ``fails`` only for a robust deficiency."""
    rng = np.random.default_rng(weight_seed)
    smins, margins, accidents = [], [], 0
    n = x.shape[1]
    for j in range(draws):
        net = MLP.random(spec, rng)
        d = _rank_of(net, x)
        smins.append(d.s_normalised)
        if d.full is None:
            return Outcome.band(note="rank undecided even at multiple precision", s_min=smins, N=n)
        if d.full is False:
            merged = _saturation_note(net, x)
            if merged:
                return Outcome.band(note=merged, s_min=smins, N=n, activation=spec.activation, saturated=True)
            robust, s_pert = _robust_deficiency(net, x, np.random.default_rng(weight_seed + 1 + j))
            if robust:
                payload = {"activation": spec.activation, "spec": spec.as_dict(), "X": x.tolist(),
                           "weights": [w.tolist() for w in net.weights_numpy()], "perturb_seed": weight_seed + 1 + j,
                           "robust_radius": ROBUST_RADIUS, "robust_draws": ROBUST_DRAWS}
                return Outcome.fails(payload, d.decision.margin,
                                     note=(f"rank(T_H) = {d.rank} < min(d_H, N) = {d.target}, and stays deficient "
                                           f"under {ROBUST_DRAWS} perturbations of relative size {ROBUST_RADIUS}"),
                                     s_min=smins, s_min_perturbed=s_pert, rank=d.rank, target=d.target,
                                     precision=d.decision.precision, N=n, depth=spec.depth, bias=spec.bias)
            accidents += 1
        margins.append(d.decision.margin)
    return Outcome.holds(min(margins) if margins else math.inf, s_min=smins, N=n, depth=spec.depth, bias=spec.bias,
                         accidents=accidents, activation=spec.activation)


def _replay_lemma3(payload: dict) -> Outcome:
    spec = MLPSpec.from_dict(payload["spec"])
    x = np.asarray(payload["X"], dtype=np.float64)
    net = MLP(spec, [np.asarray(w) for w in payload["weights"]])
    d = _rank_of(net, x)
    if d.full is not False:
        return Outcome("holds" if d.full else "band", d.decision.margin, {"s_min": d.s_normalised})
    merged = _saturation_note(net, x)
    if merged:
        return Outcome.band(note=merged, s_min=d.s_normalised)
    robust, s = _robust_deficiency(net, x, np.random.default_rng(int(payload["perturb_seed"])))
    if not robust:
        return Outcome.holds(d.decision.margin, s_min=d.s_normalised, note="deficiency is not robust")
    return Outcome.fails(payload, d.decision.margin, rank=d.rank, target=d.target, s_min_perturbed=s)


@st.composite
def _lemma3_examples(draw, act_choice):
    x = draw(a1_datasets(max_n=6))
    n = x.shape[1]
    names = act_choice(n)
    if not names:
        reject()
    act = draw(st.sampled_from(names))
    wide = draw(st.booleans())
    spec = draw(mlp_specs(d0=x.shape[0], activation=act, max_depth=3, max_width=8, min_last=n if wide else None))
    return x, spec, draw(seeds())


def _lemma3_search(ctx: Context, act_choice, label: str, budget: int) -> Result:
    def fn(ex):
        x, spec, s = ex
        assert satisfies_a1(x)
        try:
            return lemma3_outcome(x, spec, s, ctx.draws)
        except FloatingPointError:
            reject()

    res = ctx.search(_lemma3_examples(act_choice), fn, label=label, max_examples=budget)
    by_act: dict[str, list[float]] = {}
    for o in res.outcomes:
        a = o.stats.get("activation") or (o.payload or {}).get("activation")
        for v in o.stats.get("s_min", []):
            by_act.setdefault(str(a), []).append(float(v))
    hist = {a: [math.log10(max(v, 1e-300)) for v in vals] for a, vals in by_act.items()}
    quant = {a: {"n": len(v), "min": float(np.min(v)), "p05": float(np.quantile(v, 0.05)),
                 "median": float(np.median(v)), "fraction_below_zero_tol": float(np.mean(np.array(v) <= tolerance.ZERO))}
             for a, v in by_act.items() if v}
    fig = {"kind": "hist", "title": "log10 of the smallest normalised singular value of T_H",
           "xlabel": "log10(s_min / s_max)", "ylabel": "weight draws", "data": hist,
           "vlines": {"zero tolerance": math.log10(tolerance.ZERO), "non-zero from": math.log10(tolerance.ZERO * tolerance.BAND)}}
    return res.result(statistics={"s_min_by_activation": quant, "accidental_deficiencies":
                                  sum(o.stats.get("accidents", 0) for o in res.outcomes)},
                      tried=(f"{res.examples} Hypothesis examples (A1 datasets: lattice, gaussian, symmetric, with the "
                             f"origin, ties, near-duplicates, sparse, scaled; N <= 6, d0 <= 3; depth <= 3, widths <= 8, "
                             f"with and without bias) x {ctx.draws} Gaussian weight draws each; a deficiency counts only "
                             f"if it survives {ROBUST_DRAWS} perturbations of relative size {ROBUST_RADIUS}; "
                             f"float64 decisions outside 'nonzero' re-decided at {'/'.join(map(str, tolerance.HP_LADDER))} digits"),
                      figures=[fig])


def _assumption2_for_n(n: int) -> list[str]:
    return [a for a in activations.names() if assumption2(a).holds_for(n)]


@claim(
    "lds.lemma3",
    title="Lemma 3: T_H has full rank for almost every weight (Assumption 1 + Assumption 2 with n = N)",
    source=f"{PAPER}, Lemma 3 (section 4, proof in appendix D)",
    statement=("Assumption 1 (data distinct in at least one coordinate) and Assumption 2 for n = N imply that "
               "{(W_1..W_H): rank(T_H) < min(d_H, N)} has measure zero; any depth, any widths, with or without bias."),
    hypotheses=("A1 data", "sigma analytic with sigma^(j)(0) != 0 for j < N (decided exactly)", "Gaussian weights"),
)
def check_lemma3(ctx: Context) -> Result:
    return _lemma3_search(ctx, _assumption2_for_n, "Assumption-2 activations", 20 * ctx.max_examples)


@check_lemma3.replayer
def _r0(payload: dict) -> Outcome:
    return _replay_lemma3(payload)


_VARIANT_WHY = {
    "relu": ("ReLU is not analytic (Assumption 2 fails). Dead neurons give zero rows on an open set of weights; "
             "without bias it is positively homogeneous, so 1-d data give rank(T_1) <= 2."),
    "leaky_relu": ("leaky ReLU is positively homogeneous: without bias, 1-d inputs give rank(T_1) <= 2 for every "
                   "weight."),
    "linear": "sigma(0) = 0; T_H = W_H...W_1 X has rank <= d0 (+1 with bias) for every weight.",
    "polynomial": "sigma(0) = 0; sigma(Wx) lies in the space of degree-p polynomials of x, of dimension C(d0+p, p).",
    "sigmoid": ("sigmoid''(0) = 0, so Assumption 2 fails for N >= 3; without bias, data {x, -x, 0} give columns "
                "s, 1 - s, 1/2 with s + (1 - s) = 2 * 1/2 for every weight. The paper's remark says Assumption 2 "
                "covers sigmoid."),
    "softplus": ("softplus'''(0) = 0, so Assumption 2 fails for N >= 4; softplus(z) - softplus(-z) = z, so without "
                 "bias, d0 + 1 symmetric pairs {x_i, -x_i} give a linear dependence for every weight. The paper's "
                 "remark says Assumption 2 covers softplus."),
    "tanh": "tanh(0) = 0 (Assumption 2 fails for n = 1): without bias the origin gives a zero column; tanh is odd, so {x, -x} give opposite columns.",
}
_VARIANT_ACTS = {"relu": ["relu"], "leaky_relu": ["leaky_relu"], "linear": ["linear"], "polynomial": ["poly2", "poly3"],
                 "sigmoid": ["sigmoid"], "softplus": ["softplus"], "tanh": ["tanh"]}
_PAPER_SAYS = {"sigmoid": "supported", "softplus": "supported"}


def _make_variant(suffix: str) -> None:
    acts = _VARIANT_ACTS[suffix]
    paper = _PAPER_SAYS.get(suffix, "refuted")

    @claim(
        f"lds.lemma3.{suffix}",
        title=f"Lemma 3's conclusion with sigma = {' / '.join(acts)}",
        source=f"{PAPER}, Lemma 3 (appendix D){'; remark after Assumption 2' if suffix in _PAPER_SAYS else ''}",
        statement=(f"With sigma = {' or '.join(acts)} (A1 data, any depth, widths, with or without bias), "
                   "rank(T_H) < min(d_H, N) has probability zero over Gaussian weights."),
        hypotheses=("A1 data", f"sigma in {acts}", "Gaussian weights"),
        paper=paper,
        expected="refuted",
        why=_VARIANT_WHY[suffix] + ("" if suffix in _PAPER_SAYS else
                                    " The paper does not claim Lemma 3 here (Assumption 2 fails); the suite shows an "
                                    "open set of weights where the rank drops."),
    )
    def check(ctx: Context) -> Result:
        return _lemma3_search(ctx, lambda n: acts, f"sigma={'/'.join(acts)}", 20 * ctx.max_examples)

    check.replayer(_replay_lemma3)


for _suffix in _VARIANT_ACTS:
    _make_variant(_suffix)


# ---------------------------------------------------------------------------------------
# lds.prop1: the non-strict bad local minimum, and its variants
# ---------------------------------------------------------------------------------------

RADII = (1e-1, 1e-2, 1e-3)
BALL_RADIUS = 5e-2


def _prop1_net(act: str, d: int) -> MLP:
    spec = MLPSpec(1, (d,), 1, act, False)
    return MLP(spec, [np.zeros((d, 1)), np.zeros((1, d))])


def prop1_certificate(act: str, xs: list[float], ys: list[float], d: int, w1: float,
                      rng: np.random.Generator, samples: int) -> Outcome:
    """Certify (w1*, w2*) = (w1, ..., w1; sign y, ..., sign y) as a non-strict bad local minimum.

    Decisions (all in the tolerance policy, margins kept): gradient = 0; loss = sum y^2;
    no lower loss on spheres of radii :data:`RADII` (``samples`` directions each) nor from
    a projected-descent attack inside a ball of radius :data:`BALL_RADIUS`; a point at
    distance ~1e-3 with equal loss (non-strict); a point with clearly lower loss (bad).
    """
    x = np.array([xs], dtype=np.float64)
    y = torch.tensor(ys, dtype=torch.float64)
    sy2 = float((y**2).sum())
    sgn = float(np.sign(ys[0]))
    net = _prop1_net(act, d)

    def loss(v: torch.Tensor) -> torch.Tensor:
        return ((y - net.forward_flat(v, x)[0]) ** 2).sum()

    w = torch.tensor([w1] * d + [sgn] * d, dtype=torch.float64)
    checks: dict[str, tolerance.Decision] = {}
    scale = 2 * float(np.abs(ys).sum()) * (1 + float(np.max(np.abs(xs)))) * d
    checks["gradient_zero"] = tolerance.classify(certify_gradient(loss, w) / scale)
    l0 = float(loss(w))
    checks["loss_equals_sum_y2"] = tolerance.equal(l0, sy2)
    probes = sample_radii(loss, w, list(RADII), samples, rng)
    worst = min(p.min_delta for p in probes)
    checks["no_lower_point_sampled"] = tolerance.classify(max(-worst, 0.0) / sy2)
    att = ball_attack(loss, w, BALL_RADIUS, starts=4, steps=60, rng=rng)
    checks["no_lower_point_attack"] = tolerance.classify(max(-att.min_delta, 0.0) / sy2)
    w_flat = w.clone()
    w_flat[d:] *= 1 + 1e-3
    checks["equal_loss_nearby"] = tolerance.equal(float(loss(w_flat)), l0)
    # bad: the best one-neuron fit from a few simple first-layer weights
    best_red, best_fit = 0.0, None
    for w1c in (0.0, 1.0 / xs[0], -1.0 / xs[0]):
        a = activations.get(act).numpy()(w1c * np.asarray(xs))
        if float(a @ a) > 0:
            red = float((a @ np.asarray(ys)) ** 2 / (a @ a))
            if red > best_red:
                best_red, best_fit = red, (w1c, float(a @ np.asarray(ys) / (a @ a)))
    checks["lower_loss_exists"] = tolerance.classify(best_red / sy2)
    fit_loss = sy2 - best_red
    margins = [c.margin for c in checks.values()]
    stats = {"activation": act, "N": len(xs), "d": d, "loss": l0, "sum_y2": sy2, "fit_loss": fit_loss,
             "fit": best_fit, "sampled_min_delta": {str(p.radius): p.min_delta for p in probes},
             "attack_min_delta": att.min_delta, "decisions": {k: v.as_dict() for k, v in checks.items()}}
    want_zero = [k for k in checks if k != "lower_loss_exists"]
    bad = [k for k in want_zero if checks[k].outcome == "nonzero"]
    if checks["lower_loss_exists"].outcome == "zero":
        bad.append("lower_loss_exists")
    payload = {"activation": act, "x": list(xs), "y": list(ys), "d": d, "w1": w1}
    if bad:
        return Outcome.fails(payload, min(checks[k].margin for k in bad),
                             note=f"certificate failed: {', '.join(bad)}", **stats)
    if any(c.outcome == "band" for c in checks.values()):
        return Outcome.band(note="a certificate decision fell in the tolerance band", **stats)
    return Outcome.holds(min(margins), **stats)


def certify_gradient(loss, w) -> float:
    from ..certify import gradient_norm

    return gradient_norm(loss, w)


from ..certify import ball_attack, sample_radii  # noqa: E402


def _replay_prop1(payload: dict) -> Outcome:
    return prop1_certificate(str(payload["activation"]), [float(v) for v in payload["x"]],
                             [float(v) for v in payload["y"]], int(payload["d"]), float(payload["w1"]),
                             np.random.default_rng(0), 64)


_nonzero_grid = st.integers(-8, 8).filter(lambda k: k != 0).map(lambda k: k / 4)


def _shape_outcomes(names: list[str]) -> list[Outcome]:
    """The symbolic part of Prop. 1's hypotheses, proved for each activation used."""
    out = []
    for a in names:
        p = symbolic.prop1_shape(activations.get(a))
        a2 = assumption2(a)
        stats = {"activation": a, "shape": p.as_dict() if p else None, "assumption2_all_orders": a2.all_orders,
                 "analytic": a2.analytic}
        if p is not None and p.holds and a2.all_orders:
            out.append(Outcome.holds(math.inf, **stats))
        else:
            out.append(Outcome.fails({"activation": a, "kind": "hypotheses"}, math.inf,
                                     note=f"{a}: Prop. 1 hypotheses not proved", **stats))
    return out


@claim(
    "lds.prop1",
    title="Proposition 1: a non-strict bad local minimum for analytic sigma, any width",
    source=f"{PAPER}, Proposition 1 (section 3.3)",
    statement=("sigma analytic under Assumption 2 with t != 0, sigma(t) = 0 and sigma <= 0 near t: the 1-input, "
               "d-hidden, 1-output network at w1 = (t/x, ..., t/x), w2 = (sign y, ..., sign y) is a local minimum "
               "with loss y^2, non-strict, and bad (global inf 0), for every width d and any x != 0, y != 0."),
    hypotheses=("sigma in the registry's Prop. 1 activations (shape and Assumption 2 proved symbolically)",
                "x != 0, y != 0", "squared loss"),
)
def check_prop1(ctx: Context) -> Result:
    names = activations.names(tag="prop1")
    shape = _shape_outcomes(names)

    @st.composite
    def examples(draw):
        a = draw(st.sampled_from(names))
        x = draw(st.one_of(_nonzero_grid, st.floats(-3, 3).filter(lambda v: abs(v) > 1e-2)))
        y = draw(st.one_of(_nonzero_grid, st.floats(-3, 3).filter(lambda v: abs(v) > 1e-2)))
        return a, x, y, draw(st.integers(1, 8)), draw(seeds())

    def fn(ex):
        a, x, y, d, s = ex
        t = float(sp.N(activations.get(a).prop1_zero))
        return prop1_certificate(a, [x], [y], d, t / x, np.random.default_rng(s), 8 * ctx.draws)

    res = ctx.search(examples(), fn, label="Prop. 1 construction", max_examples=2 * ctx.max_examples)
    return _prop1_result(res, shape, ctx)


def _prop1_result(res, shape: list[Outcome], ctx: Context) -> Result:
    worst_sampled = min((min(o.stats["sampled_min_delta"].values()) / o.stats["sum_y2"]
                         for o in res.outcomes if "sampled_min_delta" in o.stats), default=None)
    lines = {}
    for o in res.outcomes[:6]:
        if "sampled_min_delta" in o.stats:
            key = f"{o.stats['activation']} d={o.stats['d']} N={o.stats['N']}"
            lines[key] = {"x": [float(r) for r in o.stats["sampled_min_delta"]],
                          "y": [v / o.stats["sum_y2"] for v in o.stats["sampled_min_delta"].values()]}
    fig = {"kind": "line", "title": "Lowest relative loss change found on spheres around the candidate",
           "xlabel": "radius", "ylabel": "min (L(w) - L(w*)) / L(w*)", "logx": True, "series": lines}
    return merge([res], extra=shape,
                 statistics={"shape_proofs": [o.stats for o in shape],
                             "worst_relative_change_sampled": worst_sampled,
                             "per_activation": _count_by(res.outcomes, "activation")},
                 tried=(f"{res.examples} constructions (activation, x, y, width 1..8); each: gradient, loss, "
                        f"{8 * ctx.draws} random directions on spheres of radii {list(RADII)}, a 4-start x 60-step "
                        f"projected descent inside a ball of radius {BALL_RADIUS}, an equal-loss neighbour at distance "
                        "~1e-3, a lower-loss witness"),
                 figures=[fig])


def _count_by(outcomes: list[Outcome], key: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for o in outcomes:
        k = str(o.stats.get(key, (o.payload or {}).get(key)))
        out.setdefault(k, {"holds": 0, "fails": 0, "band": 0})[o.status] += 1
    return out


check_prop1.replayer(_replay_prop1)

#: Zeros t_k of the Prop. 1 activations that have infinitely many (all local maxima).
ZERO_FAMILIES = {"sincos": (sp.pi / 4, 2 * sp.pi), "negsin2": (sp.Integer(1), sp.pi)}


@claim(
    "lds.prop1.n_samples",
    title="Proposition 1 generalised to N samples (sigma with >= N zeros that are local extrema)",
    source=f"{PAPER}, remark after Proposition 1",
    statement=("With sigma having zeros t_1..t_N that are local maxima, N samples whose inputs a common first-layer "
               "weight maps onto those zeros (x_i = t_i / s), and labels of one sign, the Prop. 1 point is a "
               "non-strict bad local minimum with loss sum y_i^2, for any width."),
    hypotheses=("sigma in {sincos, negsin2} (zeros t_0 + P k, all local maxima, proved symbolically)",
                "x_i = t_{k_i} / s for distinct k_i", "labels of one sign"),
)
def check_prop1_n(ctx: Context) -> Result:
    names = list(ZERO_FAMILIES)
    shape = _shape_outcomes(names)
    for a in names:  # every t_0 + P k is a zero (sigma periodic with period P)
        t0, per = ZERO_FAMILIES[a]
        e = activations.get(a).expr
        k = sp.Symbol("k", integer=True)
        ok = sp.simplify(e.subs(activations.Z, activations.Z + per) - e) == 0 and \
            symbolic.is_zero_exact(e.subs(activations.Z, t0))[0]
        shape.append(Outcome.holds(math.inf, activation=a, periodic_zero_family=f"{t0} + {per} k", proved=bool(ok))
                     if ok else Outcome.fails({"activation": a}, math.inf, note="zero family not proved"))
        del k

    @st.composite
    def examples(draw):
        a = draw(st.sampled_from(names))
        n = draw(st.integers(2, 5))
        ks = draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n, unique=True))
        s = draw(st.integers(2, 8)) / 4
        sign = draw(st.sampled_from([1.0, -1.0]))
        ys = [sign * v for v in draw(st.lists(st.integers(1, 8), min_size=n, max_size=n))]
        return a, ks, s, [y / 4 for y in ys], draw(st.integers(1, 8)), draw(seeds())

    def fn(ex):
        a, ks, s, ys, d, sd = ex
        t0, per = ZERO_FAMILIES[a]
        xs = [float(sp.N((t0 + per * k) / s, 30)) for k in ks]
        return prop1_certificate(a, xs, ys, d, s, np.random.default_rng(sd), 8 * ctx.draws)

    res = ctx.search(examples(), fn, label="Prop. 1 with N samples", max_examples=2 * ctx.max_examples)
    r = _prop1_result(res, shape, ctx)
    r.notes.append("The paper says the construction extends to 'arbitrary N pairs of given data'. With one input "
                   "and no bias it needs a common weight s with s x_i a zero of sigma for every i, so the inputs "
                   "must be (zeros)/s: e.g. for sincos (zeros pi/4 + 2 pi k) x = (1, 2) admits no such s. This "
                   "claim checks the construction on data it applies to; whether other bad minima exist for "
                   "arbitrary data is left to the landscape search.")
    return r


check_prop1_n.replayer(_replay_prop1)


@claim(
    "lds.prop1.relu",
    title="Proposition 1's shape with ReLU (non-analytic)",
    source=f"{PAPER}, Proposition 1 (section 3.3), with sigma = ReLU",
    statement=("With ReLU and t = -1 (ReLU(t) = 0, ReLU <= 0 near t), the Prop. 1 point is a non-strict bad local "
               "minimum with loss y^2 for every width."),
    hypotheses=("sigma = ReLU", "t = -1", "x != 0, y != 0", "squared loss"),
)
def check_prop1_relu(ctx: Context) -> Result:
    @st.composite
    def examples(draw):
        x = draw(st.one_of(_nonzero_grid, st.floats(-3, 3).filter(lambda v: abs(v) > 1e-2)))
        y = draw(st.one_of(_nonzero_grid, st.floats(-3, 3).filter(lambda v: abs(v) > 1e-2)))
        return x, y, draw(st.integers(1, 8)), draw(seeds())

    def fn(ex):
        x, y, d, s = ex
        return prop1_certificate("relu", [x], [y], d, -1.0 / x, np.random.default_rng(s), 8 * ctx.draws)

    res = ctx.search(examples(), fn, label="Prop. 1 with ReLU", max_examples=2 * ctx.max_examples)
    return _prop1_result(res, [], ctx)


check_prop1_relu.replayer(_replay_prop1)


@claim(
    "lds.prop1.negative_controls",
    title="Proposition 1 negative controls: no construction for sigma without a zero",
    source=f"{PAPER}, Proposition 1 (section 3.3): the hypothesis sigma(t) = 0",
    statement=("For sigmoid, softplus and exp (no real zero) the Prop. 1 construction does not exist: there is no "
               "t with sigma(t) = 0, and the closest attempt (t minimising |sigma| on [-10, 10]) is not certified "
               "as a local minimum with loss y^2."),
    hypotheses=("sigma in {sigmoid, softplus, exp}",),
)
def check_prop1_negative(ctx: Context) -> Result:
    outs = []
    for a in ("sigmoid", "softplus", "exp"):
        act = activations.get(a)
        proof = symbolic.no_real_zero(act)
        grid = np.linspace(-10, 10, 2001)
        t = float(grid[np.argmin(np.abs(act.numpy()(grid)))])
        attempt = prop1_certificate(a, [1.0], [1.0], 2, t, ctx.rng("negative", a), 8 * ctx.draws)
        stats = {"activation": a, "no_real_zero_proved": proof, "attempt_t": t, "attempt_status": attempt.status,
                 "attempt_note": attempt.note}
        if proof and attempt.status == "fails":
            outs.append(Outcome.holds(math.inf, **stats))
        elif proof is None:
            outs.append(Outcome.band(note=f"{a}: sympy could not decide whether sigma has a real zero", **stats))
        else:
            outs.append(Outcome.fails({"activation": a}, math.inf, note=f"{a}: the construction did not fail", **stats))
    return merge([], extra=outs, statistics={"controls": [o.stats for o in outs]},
                 tried="sympy solveset over the reals for sigma = 0; the construction attempted at argmin |sigma| on a 2001-point grid of [-10, 10]")


# ---------------------------------------------------------------------------------------
# lds.lemma1: Assumption-2 functions are dense (the f_k construction of appendix A)
# ---------------------------------------------------------------------------------------

#: Analytic g of the Lemma 1 check, several with vanishing derivatives at 0.
LEMMA1_G = {
    "zero": sp.Integer(0),
    "z^3": activations.Z**3,
    "sin": sp.sin(activations.Z),
    "1 - cos": 1 - sp.cos(activations.Z),
    "tanh": sp.tanh(activations.Z),
    "sigmoid": 1 / (1 + sp.exp(-activations.Z)),
    "softplus": sp.log(1 + sp.exp(activations.Z)),
    "exp(z/2)": sp.exp(activations.Z / 2),
}
#: ReLU's analytic smoothings softplus(beta z)/beta (the variant).
LEMMA1_RELU = {f"softplus({b}z)/{b}": sp.log(1 + sp.exp(b * activations.Z)) / b for b in (1, 4, 16)}


def lemma1_outcome(name: str, g: sp.Expr, big_n: int, ks: list[int]) -> Outcome:
    """f_k = g + (sin + cos)/(s(k+1)) with the proof's s (eq. 16-23), decided exactly for orders 0..N."""
    z = activations.Z
    gd = [sp.simplify(sp.diff(g, z, n).subs(z, 0)) for n in range(big_n + 1)]
    nonzero = [abs(v) for v in gd if v != 0]
    s = 2 / sp.Min(*nonzero) if nonzero else sp.Integer(1)  # case 2: s = 2/delta_min; case 1: any s != 0
    pert = sp.sin(z) + sp.cos(z)
    paper = [(-1) ** n for n in range(big_n + 1)]  # eq. (17) as printed
    true = [sp.diff(pert, z, n).subs(z, 0) for n in range(big_n + 1)]
    zeros, beyond = [], []
    for k in ks:
        for n in range(big_n + 1):
            v = gd[n] + true[n] / (s * (k + 1))
            if symbolic.is_zero_exact(v)[0]:
                zeros.append((k, n))
        # orders past N: the proof's s is tied to N, so f_k may vanish there
        for n in range(big_n + 1, big_n + 5):
            v = sp.diff(g, z, n).subs(z, 0) + sp.diff(pert, z, n).subs(z, 0) / (s * (k + 1))
            if symbolic.is_zero_exact(v)[0]:
                beyond.append((k, n))
    # the uniform bound: sup |f_k - g| = sqrt 2 / (s (k+1)), attained at z = pi/4
    grid = np.linspace(-10, 10, 4001)
    sf = float(sp.N(s))
    gaps = []
    for k in ks:
        sup = float(np.max(np.abs(np.sin(grid) + np.cos(grid)))) / (sf * (k + 1))
        bound = math.sqrt(2) / (sf * (k + 1))
        gaps.append(tolerance.at_most(sup, bound))
    stats = {"g": name, "N": big_n, "s": str(s), "g_derivatives_at_0": [str(v) for v in gd],
             "perturbation_derivatives_true": [int(v) for v in true], "perturbation_derivatives_eq17": paper,
             "vanishing_orders_up_to_N": zeros, "vanishing_orders_beyond_N": beyond}
    if zeros:
        return Outcome.fails({"g": name, "N": big_n, "ks": ks}, math.inf,
                             note=f"f_k^(n)(0) = 0 for (k, n) in {zeros[:4]}", **stats)
    if any(d.outcome == "nonzero" for d in gaps):
        return Outcome.fails({"g": name, "N": big_n, "ks": ks}, min(d.margin for d in gaps),
                             note="sup |f_k - g| exceeds sqrt 2/(s(k+1))", **stats)
    return Outcome.holds(min(d.margin for d in gaps), **stats)


def _lemma1(ctx: Context, table: dict[str, sp.Expr]) -> Result:
    ks = list(range(0, 2 + ctx.draws))
    outs = [lemma1_outcome(name, g, n, ks) for name, g in table.items() for n in (1, 2, 4, 6)]
    beyond = {o.stats["g"] + f" (N={o.stats['N']})": o.stats["vanishing_orders_beyond_N"]
              for o in outs if o.stats.get("vanishing_orders_beyond_N")}
    r = merge([], extra=outs, statistics={"cases": [o.stats for o in outs], "vanishing_beyond_N": beyond},
              tried=(f"{len(table)} analytic g x N in (1, 2, 4, 6) x k in {ks}: every f_k^(n)(0), n <= N, decided "
                     "exactly; the sup bound on 4001 points of [-10, 10]; orders N+1..N+4 inspected"))
    r.notes.append("Eq. (17) prints the n-th derivative of sin + cos at 0 as (-1)^n; it is 1, 1, -1, -1, ... "
                   "(period 4). The proof only uses its absolute value 1, so the lemma is unaffected.")
    if beyond:
        r.notes.append("The proof's s = 2/delta_min depends on N: beyond order N, f_k^(n)(0) can vanish "
                       f"(found: {beyond}). Lemma 3 fixes n = N, so this does not break the argument, but "
                       "'all f_k satisfy Assumption 2' holds only for that N.")
    return r


@claim(
    "lds.lemma1",
    title="Lemma 1: f_k = g + (sin x + cos x)/(s(k+1)) satisfies Assumption 2 and converges uniformly",
    source=f"{PAPER}, Lemma 1 (section 4) and its proof (appendix A, eq. 16-23)",
    statement=("For analytic g and the s of the proof, every f_k has f_k^(n)(0) != 0 for n <= N, and "
               "sup_x |f_k - g| <= sqrt 2/(s(k+1))."),
    hypotheses=("g analytic (several, incl. vanishing derivatives at 0)", "s = 2/delta_min (or any s if g^(n)(0) = 0)"),
)
def check_lemma1(ctx: Context) -> Result:
    return _lemma1(ctx, LEMMA1_G)


@claim(
    "lds.lemma1.relu_smoothed",
    title="Lemma 1 for analytic smoothings of ReLU",
    source=f"{PAPER}, Lemma 1 (appendix A) applied to g = softplus(beta z)/beta",
    statement="As lds.lemma1 with g = softplus(beta z)/beta, beta in {1, 4, 16} (uniformly within log 2/beta of ReLU).",
    hypotheses=("g = softplus(beta z)/beta",),
)
def check_lemma1_relu(ctx: Context) -> Result:
    r = _lemma1(ctx, LEMMA1_RELU)
    grid = np.linspace(-10, 10, 4001)
    r.statistics["sup_distance_to_relu"] = {b: float(np.max(np.abs(np.logaddexp(0, b * grid) / b - np.maximum(grid, 0))))
                                            for b in (1, 4, 16)}
    return r


def _replay_lemma1(p: dict) -> Outcome:
    table = {**LEMMA1_G, **LEMMA1_RELU}
    return lemma1_outcome(str(p["g"]), table[str(p["g"])], int(p["N"]), [int(k) for k in p["ks"]])


check_lemma1.replayer(_replay_lemma1)
check_lemma1_relu.replayer(_replay_lemma1)


# ---------------------------------------------------------------------------------------
# lds.lemma4: the scaled Vandermonde matrix
# ---------------------------------------------------------------------------------------

def lemma4_outcome(act: str, xs: list[sp.Rational]) -> Outcome:
    """det of A_{j,i} = x_i^j sigma^(j)(0) (j = 0..n-1) in exact arithmetic; float condition number alongside."""
    n = len(xs)
    e = activations.get(act).expr
    derivs = [sp.simplify(sp.diff(e, activations.Z, j).subs(activations.Z, 0)) for j in range(n)]
    a = sp.Matrix(n, n, lambda j, i: xs[i] ** j * derivs[j])
    det = sp.simplify(a.det())
    dz, how = symbolic.is_zero_exact(det)
    af = np.array(a.evalf(30).tolist(), dtype=float)
    cond = float(np.linalg.cond(af)) if np.all(np.isfinite(af)) else math.inf
    stats = {"activation": act, "n": n, "x": [str(v) for v in xs], "det": str(det), "decided": how, "cond": cond,
             "derivatives_at_0": [str(d) for d in derivs]}
    payload = {"activation": act, "x": [str(v) for v in xs]}
    if dz:
        return Outcome.fails(payload, math.inf, note=f"det A = 0 exactly ({how})", **stats)
    if dz is None:
        return Outcome.band(note="det undecided", **stats)
    return Outcome.holds(math.inf, **stats)


@st.composite
def _rationals(draw, n: int) -> list[sp.Rational]:
    nums = draw(st.lists(st.integers(-12, 12), min_size=n, max_size=n, unique=True))
    den = draw(st.integers(1, 4))
    return [sp.Rational(v, den) for v in nums]


def _lemma4(ctx: Context, names_for_n) -> Result:
    @st.composite
    def examples(draw):
        n = draw(st.integers(1, 6))
        names = names_for_n(n)
        if not names:
            reject()
        return draw(st.sampled_from(names)), draw(_rationals(n))

    res = ctx.search(examples(), lambda ex: lemma4_outcome(*ex), label="scaled Vandermonde",
                     max_examples=2 * ctx.max_examples)
    conds = [math.log10(o.stats["cond"]) for o in res.outcomes if math.isfinite(o.stats.get("cond", math.inf))]
    fig = {"kind": "hist", "title": "log10 condition number of A (float64)", "xlabel": "log10 cond(A)",
           "ylabel": "examples", "data": {"A": conds}}
    return res.result(statistics={"max_log10_cond": max(conds) if conds else None},
                      tried=(f"{res.examples} examples: n <= 6 distinct rationals p/q (|p| <= 12, q <= 4); "
                             "det decided in exact arithmetic (sympy), condition number in float64"),
                      figures=[fig])


@claim(
    "lds.lemma4",
    title="Lemma 4: the Vandermonde matrix scaled by sigma^(j)(0) is non-singular",
    source=f"{PAPER}, Lemma 4 (appendix D)",
    statement="Under Assumption 2 (n), A = (x_i^j sigma^(j)(0))_{j < n, i <= n} is non-singular for distinct x_i.",
    hypotheses=("sigma meets Assumption 2 for n (decided exactly)", "distinct rational x_i"),
)
def check_lemma4(ctx: Context) -> Result:
    return _lemma4(ctx, _assumption2_for_n)


@claim(
    "lds.lemma4.vanishing",
    title="Lemma 4 without Assumption 2 (sigma with a vanishing derivative at 0)",
    source=f"{PAPER}, Lemma 4 (appendix D), hypothesis removed",
    statement="With sigma^(j)(0) = 0 for some j < n, A is still non-singular for distinct x_i.",
    hypotheses=("sigma in {sigmoid, softplus, tanh, gelu}, n large enough to reach the vanishing order",),
    paper="refuted",
    expected="refuted",
)
def check_lemma4_vanishing(ctx: Context) -> Result:
    return _lemma4(ctx, lambda n: [a for a in ("sigmoid", "softplus", "tanh", "gelu") if assumption2(a).holds_for(n) is False])


def _replay_lemma4(p: dict) -> Outcome:
    return lemma4_outcome(str(p["activation"]), [sp.Rational(v) for v in p["x"]])


check_lemma4.replayer(_replay_lemma4)
check_lemma4_vanishing.replayer(_replay_lemma4)


# ---------------------------------------------------------------------------------------
# lds.lemma6: {w : sigma(a.w) = sigma(b.w)} has measure zero
# ---------------------------------------------------------------------------------------

def lemma6_outcome(act: str, a: list[float], b: list[float], seed: int, draws: int) -> Outcome:
    """Monte Carlo estimate of P_w[sigma(a.w) = sigma(b.w)] (w ~ N(0, I)); equality by the policy."""
    f = activations.get(act).numpy()
    rng = np.random.default_rng(seed)
    av, bv = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    w = rng.normal(size=(draws, len(a)))
    fa, fb = f(w @ av), f(w @ bv)
    rel = np.abs(fa - fb) / np.maximum(np.maximum(np.abs(fa), np.abs(fb)), 1e-300)
    rel = np.where((fa == 0) & (fb == 0), 0.0, rel)
    equal = int(np.sum(rel <= tolerance.ZERO))
    exact_equal = int(np.sum(fa == fb))
    p = equal / draws
    lo = _wilson_lower(equal, draws)
    stats = {"activation": act, "a": a, "b": b, "draws": draws, "equal": equal, "exactly_equal": exact_equal,
             "fraction": p, "wilson_lower_95": lo}
    payload = {"activation": act, "a": a, "b": b, "seed": seed, "draws": draws}
    if equal and lo > 0.01:
        return Outcome.fails(payload, math.log10(lo / 0.01), note=(f"sigma(a.w) = sigma(b.w) for {equal}/{draws} "
                                                                   f"random w (95% lower bound {lo:.3f})"), **stats)
    if equal:
        return Outcome.band(note=f"{equal}/{draws} equalities: too few to call positive measure", **stats)
    return Outcome.holds(math.inf, **stats)


def _wilson_lower(k: int, n: int, z: float = 1.96) -> float:
    if n == 0:
        return 0.0
    p = k / n
    den = 1 + z * z / n
    c = p + z * z / (2 * n)
    r = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (c - r) / den)


@st.composite
def _ab_pairs(draw):
    d = draw(st.integers(1, 3))
    a = [draw(st.integers(-4, 4)) / 2 for _ in range(d)]
    kind = draw(st.sampled_from(["free", "negated", "scaled", "zero", "permuted"]))
    if kind == "negated":
        b = [-v for v in a]
    elif kind == "scaled":
        b = [2 * v for v in a]
    elif kind == "zero":
        b = [0.0] * d
    elif kind == "permuted":
        b = a[::-1]
    else:
        b = [draw(st.integers(-4, 4)) / 2 for _ in range(d)]
    if a == b:
        reject()
    return a, b


def _lemma6(ctx: Context, names: list[str], label: str) -> Result:
    @st.composite
    def examples(draw):
        a, b = draw(_ab_pairs())
        return draw(st.sampled_from(names)), a, b, draw(seeds())

    draws = 250 * ctx.draws
    res = ctx.search(examples(), lambda ex: lemma6_outcome(*ex, draws=draws), label=label,
                     max_examples=2 * ctx.max_examples)
    fr = {}
    for o in res.outcomes:
        fr.setdefault(o.stats["activation"], []).append(o.stats["fraction"])
    return res.result(statistics={"max_fraction_equal": {k: max(v) for k, v in fr.items()}},
                      tried=(f"{res.examples} pairs a != b in R^d, d <= 3 (free, b = -a, b = 2a, b = 0, permuted), "
                             f"{draws} Gaussian w each; equality by the tolerance policy; positive measure claimed "
                             "only if the Wilson 95% lower bound of the fraction exceeds 0.01"))


@claim(
    "lds.lemma6",
    title="Lemma 6: sigma(a.w) = sigma(b.w) only on a measure-zero set of w",
    source=f"{PAPER}, Lemma 6 (appendix D)",
    statement="For analytic sigma under Assumption 2 and a != b, {w : sigma(a.w) = sigma(b.w)} has measure zero.",
    hypotheses=("sigma meeting Assumption 2 for every order (certified)", "a != b"),
)
def check_lemma6(ctx: Context) -> Result:
    return _lemma6(ctx, activations.names(tag="assumption2"), "analytic sigma")


@claim(
    "lds.lemma6.relu",
    title="Lemma 6 with ReLU",
    source=f"{PAPER}, Lemma 6 (appendix D), sigma = ReLU (not analytic)",
    statement="With sigma = ReLU and a != b, {w : relu(a.w) = relu(b.w)} has measure zero.",
    hypotheses=("sigma = ReLU", "a != b"),
    paper="refuted",
    expected="refuted",
)
def check_lemma6_relu(ctx: Context) -> Result:
    r = _lemma6(ctx, ["relu"], "ReLU")
    r.notes.append("ReLU is not analytic: both sides vanish on the cone {a.w <= 0, b.w <= 0}, of positive measure.")
    return r


def _replay_lemma6(p: dict) -> Outcome:
    return lemma6_outcome(str(p["activation"]), list(p["a"]), list(p["b"]), int(p["seed"]), int(p["draws"]))


check_lemma6.replayer(_replay_lemma6)
check_lemma6_relu.replayer(_replay_lemma6)


# ---------------------------------------------------------------------------------------
# Fixtures: the Prop. 1 bad local minima, offered to every other claim (cross-examination)
# ---------------------------------------------------------------------------------------

from .. import fixtures as _fixtures  # noqa: E402


@_fixtures.builder("lds.prop1")
def prop1_fixtures() -> list[_fixtures.Fixture]:
    """Prop. 1 points for every Prop. 1 activation (and ReLU): x = 0.5, y = 1, widths 1 and 3."""
    out = []
    for act in [*activations.names(tag="prop1"), "relu"]:
        t = -1.0 if act == "relu" else float(sp.N(activations.get(act).prop1_zero))
        for d in (1, 3):
            x, y = 0.5, 1.0
            spec = MLPSpec(1, (d,), 1, act, False)
            out.append(_fixtures.Fixture(
                id=f"lds.prop1[{act},d={d}]", source="lds.prop1", kind="bad_local_min", spec=spec,
                weights=[np.full((d, 1), t / x), np.full((1, d), 1.0)], x=np.array([[x]]), y=np.array([[y]]),
                facts={"loss": y * y, "global_inf": 0.0, "stationary": True, "non_strict": True,
                       "lower_loss_witness": 0.0, "analytic": act != "relu"}))
    return out


# ---------------------------------------------------------------------------------------
# lds.thm2.path: perturb to full rank, then a strictly decreasing path to inf E
# ---------------------------------------------------------------------------------------

from .. import losses as _losses  # noqa: E402

PATH_POINTS = 200
PATH_LOSSES = ("squared", "absolute", "huber", "logcosh", "pinball", "hinge", "logistic")


def _labels_for(loss: _losses.Loss, rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice([-1.0, 1.0], size=(1, n)) if loss.labels == "sign" else rng.normal(size=(1, n))


def path_outcome(spec: MLPSpec, weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, loss_name: str,
                 delta: float, seed: int, *, source: str) -> Outcome:
    """Theorem 2's path: a perturbation within ``delta`` giving full-rank T_H, then the segment in W_{H+1}.

    The target of the segment is W* = P* T_H^+ with P* = Y (the loss's minimiser per sample) for losses
    whose infimum is attained; for logistic-type losses (infimum 0 not attained) the path is the ray
    W(s) = W' + s P* T_H^+ with P* = Y, followed from s = 0 to the first s_end in 40 * 2^k (k <= 30) at
    which the loss is numerically zero relative to its start (tolerance.ZERO): how far one has to go
    depends on the starting margins (a start with loss 600 needs s of order 600).
    """
    rng = np.random.default_rng(seed)
    loss = _losses.get(loss_name)
    net = MLP(spec, weights)
    n = x.shape[1]
    target = min(spec.d_H, n)
    rk0 = _rank_of(net, x)
    # 1) perturb the hidden layers within delta (Frobenius) until T_H has rank min(d_H, N)
    pert = None
    for _ in range(20):
        ws = [w.copy() for w in net.weights_numpy()]
        dirs = [rng.normal(size=w.shape) for w in ws[:-1]]
        norm = math.sqrt(sum(float(np.sum(d * d)) for d in dirs))
        for i, dd in enumerate(dirs):
            ws[i] = ws[i] + delta * rng.uniform(0.2, 1.0) * dd / norm
        cand = MLP(spec, ws)
        if _rank_of(cand, x).full is True:
            pert = cand
            break
    stats = {"source": source, "loss": loss_name, "N": n, "d_H": spec.d_H, "activation": spec.activation,
             "delta": delta, "rank_before": rk0.rank, "target_rank": target}
    payload = {"spec": spec.as_dict(), "weights": [w.tolist() for w in weights], "X": x.tolist(), "Y": y.tolist(),
               "loss": loss_name, "delta": delta, "seed": seed, "source": source}
    if pert is None:
        return Outcome.band(note=f"no full-rank T_H found within delta = {delta} in 20 tries", **stats)
    th = pert.hidden(x)[-1].numpy()
    w_out = pert.weights_numpy()[-1]
    yt = torch.as_tensor(y)
    pinv = np.linalg.pinv(th)
    attained = loss.attained
    w_star = y @ pinv

    def e_of(w2: np.ndarray) -> float:
        return float(loss.total(yt, torch.as_tensor(w2 @ th)))

    inf_e = float(loss.total(yt, yt)) if attained else 0.0  # per-sample infimum: 0 for every registered loss
    scale = max(abs(e_of(w_out)), 1e-300)
    s_end = 1.0
    if not attained:  # follow the ray until the loss is numerically at its infimum (or give up at 40 * 2^30)
        s_end = 40.0
        while e_of(w_out + s_end * w_star) - inf_e > tolerance.ZERO * scale and s_end < 40.0 * 2**30:
            s_end *= 2
    s_grid = np.linspace(0.0, s_end, PATH_POINTS + 1)
    path = [e_of(w_out + s * (w_star - w_out)) if attained else e_of(w_out + s * w_star) for s in s_grid]
    steps_ok, worst, reach = _path_decisions(path, inf_e, scale)
    precision = "float64"
    if not (steps_ok == PATH_POINTS and reach.outcome == "zero"):
        # The float64 path is only as accurate as W* = Y T_H^+ (error ~ cond(T_H) * eps): a perturbation that
        # reaches full rank only barely (rank decided in multiple precision, e.g. the two copies of a split
        # neuron, where s_min / s_max ~ delta^2) leaves W* T_H - Y at ~1e-7 in float64.  As the tolerance policy
        # does for rank, re-evaluate the same path from the exact float64 inputs with T_H and W* in mpmath,
        # climbing HP_LADDER until it holds or two rungs agree (then the failure is not the precision's).
        previous = None
        for dps in tolerance.HP_LADDER:
            try:
                path_mp = _path_losses_mp(pert, x, y, w_out, s_grid, attained, loss, dps)
            except (LandscapeError, ZeroDivisionError) as e:  # no mpmath form, or T_H singular at dps digits
                stats["escalation"] = f"mp{dps}: {e.__class__.__name__}: {e}"
                break
            path = path_mp
            steps_ok, worst, reach = _path_decisions(path, inf_e, scale)
            precision = f"mp{dps}"
            if steps_ok == PATH_POINTS and reach.outcome == "zero":
                break
            if previous == (steps_ok, reach.outcome):
                break
            previous = (steps_ok, reach.outcome)
    start, end = path[0], path[-1]
    stats |= {"rank_after": target, "loss_start": start, "loss_end": end, "inf_E": inf_e, "s_end": s_end,
              "strict_steps": steps_ok, "steps": PATH_POINTS, "precision": precision,
              "path": path[:: max(1, PATH_POINTS // 50)]}
    if steps_ok == PATH_POINTS and reach.outcome == "zero":
        return Outcome.holds(min(worst, reach.margin), **stats)
    if reach.outcome == "nonzero" or steps_ok < PATH_POINTS:
        return Outcome.fails(payload, reach.margin, note=(f"path from {source}: {steps_ok}/{PATH_POINTS} strict steps, "
                                                          f"final loss {end:.3g} vs inf E = {inf_e:.3g} ({precision})"),
                             **stats)
    return Outcome.band(**stats)


def _path_decisions(path: list[float], inf_e: float, scale: float) -> tuple[int, float, tolerance.Decision]:
    """Strict decrease between consecutive path points (or already at the infimum), and the end at inf E."""
    steps_ok, worst = 0, math.inf
    for a, b in zip(path, path[1:]):
        if a - inf_e <= tolerance.ZERO * scale:  # reached the infimum: nothing left to decrease
            steps_ok += 1
            continue
        d = tolerance.classify((a - b) / (a - inf_e))  # decrease relative to the distance left to inf E
        if a > b and d.outcome == "nonzero":
            steps_ok += 1
            worst = min(worst, d.margin)
    return steps_ok, worst, tolerance.classify(max(path[-1] - inf_e, 0.0) / scale)


def _path_losses_mp(net: MLP, x: np.ndarray, y: np.ndarray, w_out: np.ndarray, s_grid: np.ndarray, attained: bool,
                    loss: _losses.Loss, dps: int) -> list[float]:
    """The losses along Theorem 2's path with T_H and W* = Y T_H^+ computed in mpmath at ``dps`` digits.

    From the exact float64 weights and data (:meth:`MLP.hidden_mp`); T_H has full rank min(d_H, N), so
    T_H^+ = (T_H^T T_H)^-1 T_H^T (d_H >= N) or T_H^T (T_H T_H^T)^-1 (d_H < N).  The predictions
    W(s) T_H -- (1 - s) W' T_H + s W* T_H on the segment, W' T_H + s W* T_H on the ray -- are formed in
    mpmath and rounded once to float64, where the loss is evaluated as for the float64 path.
    """
    import mpmath

    yt = torch.as_tensor(y)
    with mpmath.workdps(dps):
        t = net.hidden_mp(x, dps)
        tt = t.T
        pinv = mpmath.inverse(tt * t) * tt if t.rows >= t.cols else tt * mpmath.inverse(t * tt)
        p0 = mpmath.matrix(np.asarray(w_out).tolist()) * t
        q = mpmath.matrix(np.asarray(y).tolist()) * pinv * t
        out = []
        for s in s_grid:
            sm = mpmath.mpf(float(s))
            pred = [[float(p0[i, j] + sm * (q[i, j] - p0[i, j])) if attained else float(p0[i, j] + sm * q[i, j])
                     for j in range(q.cols)] for i in range(q.rows)]
            out.append(float(loss.total(yt, torch.as_tensor(pred, dtype=torch.float64))))
    return out


def _replay_path(p: dict) -> Outcome:
    return path_outcome(MLPSpec.from_dict(p["spec"]), [np.asarray(w) for w in p["weights"]],
                        np.asarray(p["X"], dtype=float), np.asarray(p["Y"], dtype=float), str(p["loss"]),
                        float(p["delta"]), int(p["seed"]), source=str(p["source"]))


def _path_claim(ctx: Context, *, over: bool) -> Result:
    @st.composite
    def examples(draw):
        x = draw(a1_datasets(max_n=5))
        n = x.shape[1]
        names = _assumption2_for_n(n)
        act = draw(st.sampled_from(names))
        if over:
            spec = draw(mlp_specs(d0=x.shape[0], activation=act, max_depth=2, max_width=6, min_last=n))
        else:
            if n < 2:
                reject()
            spec = draw(mlp_specs(d0=x.shape[0], activation=act, max_depth=2, max_width=n - 1))
            spec = MLPSpec(spec.d0, (*spec.widths[:-1], min(spec.d_H, n - 1)), 1, act, spec.bias)
        return x, spec, draw(st.sampled_from(PATH_LOSSES)), draw(st.sampled_from([1e-1, 1e-3])), draw(seeds())

    def fn(ex):
        x, spec, loss_name, delta, s = ex
        rng = np.random.default_rng(s)
        net = MLP.random(spec, rng)
        y = _labels_for(_losses.get(loss_name), rng, x.shape[1])
        try:
            return path_outcome(spec, net.weights_numpy(), x, y, loss_name, delta, s, source="random weights")
        except FloatingPointError:
            reject()

    res = ctx.search(examples(), fn, label="random starts", max_examples=2 * ctx.max_examples)
    extra = []
    if over:  # cross-examination: every fixture meeting the hypotheses (d_H >= N, A1, Assumption 2 for N)
        for fx in _fixtures.matching(lambda f: f.spec.d_H >= f.n_samples and satisfies_a1(f.x)
                                     and assumption2(f.spec.activation).holds_for(f.n_samples) is True):
            for i, ln in enumerate(("squared", "absolute", "logistic")):
                yy = np.sign(fx.y) if _losses.get(ln).labels == "sign" else fx.y
                extra.append(path_outcome(fx.spec, fx.weights, fx.x, yy, ln, 1e-3, i, source=fx.id))
    series = {}
    for o in (extra + res.outcomes)[:8]:
        if "path" in o.stats:
            pth = o.stats["path"]
            series[f"{o.stats['source'][:28]} / {o.stats['loss']}"] = {
                "x": list(range(len(pth))), "y": [v / max(pth[0], 1e-300) for v in pth]}
    fig = {"kind": "line", "title": "Loss along the Theorem 2 path (relative to its start)", "xlabel": "path point (x4)",
           "ylabel": "E / E(start)", "series": series}
    return merge([res], extra=extra,
                 statistics={"fixtures_examined": [o.stats.get("source") for o in extra],
                             "per_loss": _count_by(res.outcomes + extra, "loss")},
                 tried=(f"{res.examples} random starts (A1 data, N <= 5, Assumption-2 activations, depth <= 2, "
                        f"{'d_H >= N' if over else 'd_H < N'}, losses {list(PATH_LOSSES)}, delta in 1e-1 / 1e-3)"
                        + (f" and {len(extra)} fixture starts (bad minima of other claims)" if over else "")
                        + f"; {PATH_POINTS}-point discretisation of each path (for logistic, the ray is followed to the first s = 40 * 2^k where the loss is numerically 0)"),
                 figures=[fig])


@claim(
    "lds.thm2.path",
    title="Theorem 2's path: from any W, a delta-perturbation and a strictly decreasing path to inf E",
    source=f"{PAPER}, Theorem 2, proof in section 4 (eq. 14-15)",
    statement=("d_H >= N, convex loss, A1 data, Assumption 2: from any weights W and delta > 0 there is W' within delta "
               "with T_H of full rank, and from W' a strictly decreasing path (moving W_{H+1} only) reaching inf E."),
    hypotheses=("A1 data", "Assumption 2 for n = N", "d_H >= N", "convex losses " + ", ".join(PATH_LOSSES),
                "random starts and every fixture meeting the hypotheses (e.g. Prop. 1 bad minima)"),
)
def check_path(ctx: Context) -> Result:
    return _path_claim(ctx, over=True)


@claim(
    "lds.thm2.path.underparameterized",
    title="Theorem 2's path without over-parameterisation (d_H < N)",
    source=f"{PAPER}, Theorem 2, Assumption A3 removed",
    statement="With d_H < N the same construction (perturb, then move W_{H+1} only) still reaches inf E.",
    hypotheses=("A1 data", "Assumption 2", "d_H < N"),
    paper="refuted",
    expected="refuted",
)
def check_path_under(ctx: Context) -> Result:
    r = _path_claim(ctx, over=False)
    r.notes.append("inf E is taken as the per-sample infimum of the loss (0): with d_H < N, W_{H+1} T_H spans at most "
                   "d_H of the N prediction directions, so the last-layer path stops above it for generic labels.")
    return r


check_path.replayer(_replay_path)
check_path_under.replayer(_replay_path)
