"""Lemma 1 (appendix A: Assumption-2 functions are dense), Lemma 4 (the scaled Vandermonde matrix),
Lemma 6 ({w : sigma(a.w) = sigma(b.w)} has measure zero)."""

from __future__ import annotations

import functools
import math

import numpy as np
import sympy as sp
from hypothesis import reject, strategies as st

from landscape._lib import payload as _p
from landscape._core.context import Context, merge, Outcome, Result
from landscape._core.registry import claim
from landscape._lib import activations, symbolic, tolerance
from landscape._lib import prose
from landscape._lib.strategies import seeds
from landscape.claims.lds._common import assumption2, assumption2_for_n, PAPER

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


@functools.lru_cache(maxsize=None)
def _derivatives_at_0(name: str, g: sp.Expr, max_order: int) -> tuple[sp.Expr, ...]:
    """g^(n)(0) for n = 0..max_order, exactly (iterated differentiation, each value simplified)."""
    z = activations.Z
    out, e = [], g
    for _ in range(max_order + 1):
        out.append(sp.simplify(e.subs(z, 0)))
        e = sp.diff(e, z)
    return tuple(out)


#: The orders N of the Lemma 1 check (Assumption 2 for n = N).
LEMMA1_N = (1, 2, 4, 6)
#: The grid of the sup check: 4001 points of [-10, 10] and every point pi/4 + 2 pi m in it (where
#: |sin + cos| = sqrt 2 is attained).
LEMMA1_GRID = np.union1d(np.linspace(-10, 10, 4001), np.pi / 4 + 2 * np.pi * np.arange(-2, 2))


def lemma1_outcome(name: str, g: sp.Expr, big_n: int, ks: list[int]) -> Outcome:
    """f_k = g + (sin + cos)/(s(k+1)) with the proof's s (eq. 16-23), decided exactly for orders 0..N.

    The uniform bound (eq. 23) is checked on the constructed functions themselves: f_k and g are
    built as sympy expressions, evaluated (lambdify, float64) on :data:`LEMMA1_GRID`, and
    ``sup |f_k - g|`` is compared with ``sqrt 2 / (s (k+1))`` (``tolerance.at_most``); whether the
    sup attains the bound (``tolerance.equal``) is reported.
    """
    z = activations.Z
    der = _derivatives_at_0(name, g, max(*LEMMA1_N, big_n) + 4)
    gd = list(der[:big_n + 1])
    nonzero = [abs(v) for v in gd if v != 0]
    s = 2 / sp.Min(*nonzero) if nonzero else sp.Integer(1)  # case 2: s = 2/delta_min; case 1: any s != 0
    pert = sp.sin(z) + sp.cos(z)
    paper = [(-1) ** n for n in range(big_n + 1)]  # eq. (17) as printed
    true_all = _derivatives_at_0("sin + cos", pert, max(*LEMMA1_N, big_n) + 4)
    true = true_all[:big_n + 1]
    zeros, beyond = [], []
    for k in ks:
        for n in range(big_n + 1):
            v = gd[n] + true[n] / (s * (k + 1))
            if symbolic.is_zero_exact(v)[0]:
                zeros.append((k, n))
        # orders past N: the proof's s is tied to N, so f_k may vanish there
        for n in range(big_n + 1, big_n + 5):
            v = der[n] + true_all[n] / (s * (k + 1))
            if symbolic.is_zero_exact(v)[0]:
                beyond.append((k, n))
    g_num = sp.lambdify(z, g, modules="numpy")
    g_vals = np.broadcast_to(np.asarray(g_num(LEMMA1_GRID), dtype=float), LEMMA1_GRID.shape)
    sf = float(sp.N(s))
    gaps, sups, attained = [], [], []
    for k in ks:
        fk = g + pert / (s * (k + 1))
        f_vals = np.broadcast_to(np.asarray(sp.lambdify(z, fk, modules="numpy")(LEMMA1_GRID), dtype=float),
                                 LEMMA1_GRID.shape)
        sup = float(np.max(np.abs(f_vals - g_vals)))
        bound = math.sqrt(2) / (sf * (k + 1))
        sups.append(sup)
        gaps.append(tolerance.at_most(sup, bound))
        attained.append(tolerance.equal(sup, bound).outcome)
    stats = {"g": name, "N": big_n, "s": str(s), "g_derivatives_at_0": [str(v) for v in gd],
             "perturbation_derivatives_true": [int(v) for v in true], "perturbation_derivatives_eq17": paper,
             "vanishing_orders_up_to_N": zeros, "vanishing_orders_beyond_N": beyond,
             "sup_f_minus_g": sups, "bound": [math.sqrt(2) / (sf * (k + 1)) for k in ks], "sup_attains_bound": attained}
    if zeros:
        return Outcome.fails({"g": name, "N": big_n, "ks": ks}, math.inf,
                             note=f"f_k^(n)(0) = 0 for (k, n) in {zeros[:4]}", **stats)
    if any(d.outcome == "nonzero" for d in gaps):
        return Outcome.fails({"g": name, "N": big_n, "ks": ks}, min(d.margin for d in gaps if d.outcome == "nonzero"),
                             note="sup |f_k - g| exceeds sqrt 2/(s(k+1))", **stats)
    if any(d.outcome == "band" for d in gaps):
        return Outcome.band(note="sup |f_k - g| vs the bound is in the tolerance band", **stats)
    return Outcome.holds(min(d.margin for d in gaps), **stats)


def _lemma1(ctx: Context, table: dict[str, sp.Expr]) -> Result:
    ks = list(range(0, 2 + ctx.draws))
    outs = [lemma1_outcome(name, g, n, ks) for name, g in table.items() for n in LEMMA1_N]
    beyond = {o.stats["g"] + f" (N={o.stats['N']})": o.stats["vanishing_orders_beyond_N"]
              for o in outs if o.stats.get("vanishing_orders_beyond_N")}
    r = merge([], extra=outs, statistics={"cases": [o.stats for o in outs], "vanishing_beyond_N": beyond},
              tried=prose.clauses(
                  f"{len(table)} analytic g x N in (1, 2, 4, 6) x k in {ks}: every f_k^(n)(0), n <= N, decided exactly",
                  prose.sentence("sup |f_k - g| of the constructed functions (sympy expressions evaluated in float64)",
                                 f"on {LEMMA1_GRID.size} points of [-10, 10] (incl. every pi/4 + 2 pi m)",
                                 "against sqrt 2/(s(k+1))"),
                  "orders N+1..N+4 inspected"))
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
    g = _p.require_choice(p, "g", table)
    return lemma1_outcome(g, table[g], _p.require_int(p, "N", 0, _p.MAX_ORDER),
                          _p.require_ints(p, "ks", 0, 10**6, max_len=100))


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
    return _lemma4(ctx, assumption2_for_n)


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
    return lemma4_outcome(_p.require_activation(p), _p.require_rationals(p, "x"))


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
    a = _p.require_vector(p, "a", max_len=_p.MAX_DIM).tolist()
    return lemma6_outcome(_p.require_activation(p), a, _p.require_vector(p, "b", length=len(a)).tolist(),
                          _p.require_seed(p), _p.require_int(p, "draws", 1, _p.MAX_COUNT))


check_lemma6.replayer(_replay_lemma6)
check_lemma6_relu.replayer(_replay_lemma6)
