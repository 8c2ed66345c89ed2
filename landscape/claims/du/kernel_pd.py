"""Positive definiteness of K^(H): Definition 5.1 (FC), Definition 6.1 (ResNet), Propositions
F.1 / F.2 of ``002_7f4fd584f3752d2b.txt`` -- ``du.kernel.fc_pd``, ``du.kernel.resnet_pd``, their
variants (polynomial / linear activation, duplicated / antipodal data) and the ill-conditioned
circle (``du.kernel.fc_pd.ill_conditioned``).

lambda_min(K^(H)) is decided against n x (propagated quadrature bound + round-off) (Weyl);
undecided cases of closed-form activations are re-decided in multiple precision
(:func:`landscape._lib.kernels.mp_lambda_min`).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import reject
from hypothesis import strategies as st

from landscape._lib import payload as _p
from landscape._core.context import Context, Outcome, Result
from landscape._core.registry import claim
from landscape._lib import activations, kernels, tolerance
from landscape._lib import prose
from landscape._lib.errors import LandscapeError
from landscape._lib.networks.du import separated_sphere_data, sphere_data
from landscape._lib.strategies import seeds
from landscape.claims.du._common import PAPER, SMOOTH

#: Round-off allowance added to the quadrature bound of every kernel entry (in ulps of max|K|).
ROUNDOFF_ULPS = 64
#: Generic data of the positive-definiteness claims: unit norm, pairwise |x_i . x_j| <= this.
SEPARATION = 0.9
#: Largest n re-decided in multiple precision (an mp eigen-decomposition costs ~n^3 at 100 digits).
MP_MAX_N = 24


SEPARATED = ("generic", "duplicated", "antipodal")


def _data(kind: str, n: int, d: int, seed: int) -> np.ndarray:
    """Unit-norm rows; ``kind``: generic (pairwise |cos| <= SEPARATION), sphere / circle
    (uniform draws, no separation: non-parallel a.s.), duplicated (x_1 = x_0), antipodal
    (x_1 = -x_0) -- the last two with the other points separated."""
    if kind not in SEPARATED:
        return sphere_data(n, d, seed).numpy()
    x = separated_sphere_data(n, d, seed, max_cos=SEPARATION).numpy()
    if kind == "duplicated":
        x[1] = x[0]
    elif kind == "antipodal":
        x[1] = -x[0]
    return x


def parity(act: str) -> str | None:
    """``"odd"`` if sigma(-z) = -sigma(z), ``"odd+const"`` if sigma(-z) - sigma(0) = -(sigma(z) - sigma(0))
    (so sigma' is even: sigmoid = 1/2 + tanh(z/2)/2), else None -- decided on a grid of
    z in [-8, 8] by the tolerance policy (relative to max |sigma|)."""
    z = torch.linspace(-8.0, 8.0, 161, dtype=torch.float64)
    f = activations.get(act).torch
    v, w, c = f(z), f(-z), float(f(torch.zeros(1, dtype=torch.float64))[0])
    scale = float(v.abs().max())
    if tolerance.classify(float((v + w).abs().max()) / scale).outcome == "zero":
        return "odd"
    if tolerance.classify(float((v + w - 2 * c).abs().max()) / scale).outcome == "zero":
        return "odd+const"
    return None


def harmonics_dimension(d: int, j: int) -> int:
    """Dimension of the spherical harmonics of degree ``j`` on the unit sphere of ``R^d``:
    ``C(j + d - 1, j) - C(j + d - 3, j - 2)``."""
    return math.comb(j + d - 1, j) - (math.comb(j + d - 3, j - 2) if j >= 2 else 0)


def poly_rank_bound(act: str, d: int, H: int, kind: str) -> int | None:
    """Rank bound of K^(H) for sigma(z) = z^p on exactly unit-norm data.

    The entries are P(x_i . x_j) with the exponents k of
    :func:`kernels.polynomial_kernel_degrees`.  On the unit sphere (x.y)^k is a combination
    of the Gegenbauer polynomials of degrees k, k - 2, ... (addition theorem), and the
    matrix [C_j(x_i . x_j)] is a Gram matrix of degree-j spherical harmonics, of rank <=
    :func:`harmonics_dimension` (d, j); so rank K^(H) <= the sum over the degrees j <= k
    with j = k mod 2 -- e.g. d for the linear activation (P(t) = t), 2 per odd degree on
    the circle for z^3.
    """
    if act not in ("linear", "poly2", "poly3"):
        return None
    js = sorted({j for k in kernels.polynomial_kernel_degrees(act, H, kind) for j in range(k % 2, k + 1, 2)})
    return sum(harmonics_dimension(d, j) for j in js)



def kernel_pd_outcome(act: str, kind: str, n: int, d: int, H: int, seed: int, data_kind: str = "generic") -> Outcome:
    """lambda_min(K^(H)) decided against its error bound (Weyl: n x entry bound).

    Entry bound: the propagated quadrature bound of :func:`kernels.analytic_gram` plus a
    round-off allowance of :data:`ROUNDOFF_ULPS` ulps of max|K|.  Undecided (band) cases of
    closed-form activations are re-decided in multiple precision (:func:`kernels.mp_lambda_min`).
    A zero eigenvalue is a certified failure only with a structural certificate (equal or
    opposite rows measured, or the polynomial rank bound below n).
    """
    x = _data(data_kind, n, d, seed)
    g = kernels.analytic_gram(x, H, act, kind)
    ev = np.linalg.eigvalsh(g.K)
    lam = float(ev[0])
    err = n * (g.error_bound + ROUNDOFF_ULPS * 2.2e-16 * float(np.max(np.abs(g.K))))
    if math.isfinite(err):
        dec = tolerance.eigenvalue_with_bound(lam, err)
    else:  # no propagated bound: float64 cannot certify anything (the mp re-decision below still may)
        dec = tolerance.Decision(lam, "band", 0.0)
    stats = {"activation": act, "kind": kind, "n": n, "d": d, "H": H, "lambda_min": lam, "lambda_max": float(ev[-1]),
             "error_bound": err, "quadrature_bound": g.error_bound, "data": data_kind, "precision": "float64"}
    rb = poly_rank_bound(act, d, H, kind)
    certified_structure = data_kind == "duplicated" or (rb is not None and n > rb)
    if dec.outcome != "nonzero" and act in kernels.MP_ACTIVATIONS and n <= MP_MAX_N and not certified_structure:
        mp = kernels.mp_lambda_min(x, act, kind, H)
        dec = mp["decision"]
        stats |= {"precision": dec.precision, "lambda_min_mp": mp["lambda_min"], "error_bound_mp": mp["error_bound"],
                  "mp_rungs": mp["rungs"], "mp_stable": mp["stable"]}
    payload = {"activation": act, "kind": kind, "n": n, "d": d, "H": H, "seed": seed, "data": data_kind}
    if dec.outcome == "nonzero" and (stats.get("lambda_min_mp", lam) > 0):
        return Outcome.holds(dec.margin, **stats)
    structural = None
    if data_kind == "duplicated":
        structural = "two equal rows (x_1 = x_0)"
    if data_kind == "antipodal":
        opp = float(np.max(np.abs(g.K[0] + g.K[1]))) / float(np.max(np.abs(g.K)))
        stats["rows_0_plus_1"] = opp
        if tolerance.classify(opp).outcome == "zero":
            par = parity(act)
            if par == "odd":
                why = "sigma is odd, so every layer is odd in x and K^(H) is odd in each argument"
            elif par == "odd+const" and H == 1 and kind == "fc":
                why = ("sigma is odd + constant, so sigma' is even and K^(1) = c K^(0) o E[sigma' sigma'] is odd in "
                       "each argument (H = 1)")
            else:
                why = "no parity of sigma identified"
            stats["parity"] = par
            structural = f"rows of x and -x are opposite (max |K_0 + K_1| / max |K| = {opp:.1e}): {why}"
    if rb is not None:
        stats["rank_bound"] = rb
        if n > rb:
            ks = kernels.polynomial_kernel_degrees(act, H, kind)
            structural = (f"sigma polynomial: K^(H)_ij = P(x_i.x_j), exponents {ks if len(ks) <= 6 else str(ks[:3])[:-1] + ', ..., ' + str(ks[-1]) + ']'}: on the "
                          f"sphere rank K <= sum of the harmonics dimensions = {rb} < n = {n}")
    if stats["precision"] != "float64":  # decided in multiple precision: report the numbers that decided
        lam, err = stats["lambda_min_mp"], stats["error_bound_mp"]
    if dec.outcome == "zero" and structural:
        return Outcome.fails(payload, dec.margin, note=f"lambda_min = {lam:.2e} (|.| <= error bound {err:.1e}, "
                                                       f"{dec.precision}): {structural}", **stats)
    return Outcome.band(note=(f"lambda_min = {lam:.2e} against error bound {err:.1e} ({dec.precision}: "
                              f"{dec.outcome}), no structural certificate" if not structural else
                              f"lambda_min = {lam:.2e} in the band of the error bound {err:.1e}: {structural}"), **stats)


def _depth_figure(kind: str, acts: list[str]) -> tuple[dict, dict]:
    """lambda_min(K^(H)) against H on ONE fixed dataset (8 separated unit-norm points in R^4)."""
    x = separated_sphere_data(8, 4, 2024, max_cos=SEPARATION).numpy()
    hs = list(range(1 if kind == "fc" else 2, 9))
    series, table = {}, {}
    for a in acts:
        vals = [kernels.analytic_gram(x, h, a, kind).lambda_min() for h in hs]
        series[a] = {"x": hs, "y": [max(v, 1e-300) for v in vals]}
        table[a] = dict(zip(map(str, hs), vals))
    fig = {"kind": "line", "title": (f"lambda_min(K^(H)) of the {kind.upper()} kernel against depth, one fixed dataset "
                                     "(n = 8 separated unit-norm points in R^4)"),
           "xlabel": "H", "ylabel": "lambda_min", "logy": True, "series": series}
    return fig, table


#: log10(|lambda_min| / error bound) below this is drawn at it in the decision histogram.
RATIO_FLOOR = -20.0


def _decision_figure(outcomes: list[Outcome], label: str) -> dict:
    """The quantity that decides each kernel -- ``|lambda_min| / error bound`` at the precision that decided
    (:func:`tolerance.eigenvalue_with_bound`: zero at <= 1, non-zero from BAND) -- per activation, against the band.
    Drawn from the outcomes' statistics; nothing is recomputed."""
    data: dict[str, list[float]] = {}
    for o in outcomes:
        st_ = o.stats
        mp = st_.get("precision", "float64") != "float64" and "lambda_min_mp" in st_
        lam, err = (st_["lambda_min_mp"], st_["error_bound_mp"]) if mp else (st_["lambda_min"], st_["error_bound"])
        if not (math.isfinite(lam) and math.isfinite(err) and err > 0):
            continue  # no bound: float64 decided nothing (counted in the statistics)
        key = str(st_["activation"]) if lam >= 0 else "lambda_min < 0"
        data.setdefault(key, []).append(max(math.log10(max(abs(lam), 1e-300) / err), RATIO_FLOOR))
    return {"kind": "hist", "title": (f"The deciding quantity |lambda_min(K^(H))| / error bound, per kernel ({label}; "
                                      "at the precision that decided: float64 or multiple precision)"),
            "xlabel": f"log10(|lambda_min| / error bound)  (values < {RATIO_FLOOR:g} drawn at {RATIO_FLOOR:g})",
            "ylabel": "kernels", "data": data,
            "band": {"lo": 0.0, "hi": math.log10(tolerance.BAND),
                     "label": "undecided band (<= 0: indistinguishable from 0; >= 3: positive)"}}


def _pd(ctx: Context, kind: str, acts: list[str], data_kind: str, label: str, n_max: int = 12,
        d_range: tuple[int, int] = (3, 6), n_min: int = 2, figure: bool = False) -> Result:
    @st.composite
    def examples(draw):
        h_min = 2 if kind == "resnet" else 1
        n, d, s = draw(st.integers(n_min, n_max)), draw(st.integers(*d_range)), draw(seeds())
        if data_kind in SEPARATED:
            if n > {2: 3, 3: 9}.get(d, n_max):
                reject()  # that many points in R^d with |cos| <= 0.9 are hard or impossible to place
            try:
                _data(data_kind, n, d, s)
            except LandscapeError:
                reject()
        return draw(st.sampled_from(acts)), kind, n, d, draw(st.integers(h_min, 8)), s, data_kind

    res = ctx.search(examples(), lambda ex: kernel_pd_outcome(*ex), label=label, max_examples=2 * ctx.max_examples)
    by_act: dict[str, dict[str, int]] = {}
    prec: dict[str, int] = {}
    for o in res.outcomes:
        a = o.stats["activation"]
        by_act.setdefault(a, {"holds": 0, "fails": 0, "band": 0})[o.status] += 1
        prec[o.stats["precision"]] = prec.get(o.stats["precision"], 0) + 1
    figs, stats = [], {"by_activation": by_act, "decided_at": prec}
    if figure:
        fig, table = _depth_figure(kind, acts)
        figs.append(fig)
        stats["lambda_min_by_depth_fixed_data"] = table
    figs.append(_decision_figure(res.outcomes, label))
    return res.result(statistics=stats, figures=figs,
                      tried=pd_tried(res.examples, acts, kind, data_kind, n_min, n_max, d_range))


def pd_tried(examples: int, acts: list[str], kind: str, data_kind: str, n_min: int, n_max: int,
             d_range: tuple[int, int]) -> str:
    """The ``tried`` text of the positive-definiteness searches."""
    sep = f", pairwise |x_i.x_j| <= {SEPARATION}" if data_kind in SEPARATED else ", uniform"
    data = prose.sentence(
        f"{n_min} <= n <= {n_max} unit-norm points in R^d",
        prose.paren(f"{d_range[0]} <= d <= {d_range[1]}", f"{data_kind}{sep}", sep=", "))
    head = prose.clauses(f"{examples} kernels: activations {acts}", data, "H <= 8",
                             "c_res = 0.5" if kind == "resnet" else "", sep=", ")
    return prose.clauses(
        head,
        f"lambda_min decided against n x (propagated quadrature bound + {ROUNDOFF_ULPS} ulps) (Weyl)",
        f"undecided cases of closed-form activations (n <= {MP_MAX_N}, no structural certificate) re-decided at "
        f"{prose.seq(tolerance.MP_LADDER, sep='/')} digits")


SMOOTH_HYP = "sigma in " + ", ".join(SMOOTH)
GENERIC_HYP = f"unit-norm data, pairwise |x_i.x_j| <= {SEPARATION} (well separated; crowded data: .ill_conditioned)"


@claim(
    "du.kernel.fc_pd",
    title="K^(H) of Definition 5.1 (FC) is strictly positive definite",
    source=f"{PAPER}, Definition 5.1, Proposition F.1 (section 5)",
    statement=("For unit-norm, pairwise non-parallel data and sigma analytic, Lipschitz, smooth and not a polynomial, "
               "lambda_min(K^(H)) > 0."),
    hypotheses=(SMOOTH_HYP, GENERIC_HYP, "H <= 8"),
)
def check_fc_pd(ctx: Context) -> Result:
    return _pd(ctx, "fc", SMOOTH, "generic", "FC kernel", figure=True)


@claim(
    "du.kernel.resnet_pd",
    title="K^(H) of Definition 6.1 (ResNet) is strictly positive definite",
    source=f"{PAPER}, Definition 6.1, Proposition F.2 (section 6)",
    statement="As du.kernel.fc_pd for the ResNet kernel (H >= 2, c_res = 1/2).",
    hypotheses=(SMOOTH_HYP, GENERIC_HYP, "2 <= H <= 8", "c_res = 0.5"),
)
def check_resnet_pd(ctx: Context) -> Result:
    return _pd(ctx, "resnet", SMOOTH, "generic", "ResNet kernel", figure=True)


def _variants(kind: str) -> list:
    K = kind.upper() if kind == "fc" else "ResNet"
    base = f"du.kernel.{kind}_pd"
    src = f"{PAPER}, Definition {'5.1' if kind == 'fc' else '6.1'}"
    out = []

    @claim(f"{base}.polynomial", title=f"{K} K^(H) with a polynomial activation (Condition 3.2 removed)",
           source=f"{src} with sigma(z) = z^p (Condition 3.2 excludes it)",
           statement="With sigma(z) = z^2 or z^3, K^(H) is still strictly positive definite on unit-norm non-parallel data.",
           hypotheses=("sigma in poly2, poly3", "unit-norm uniform data (non-parallel a.s.), d <= 4, n <= 40"),
           paper="refuted", expected="refuted",
           why=("K^(H)_ij is a polynomial P(x_i.x_j) (kernels.polynomial_kernel_degrees), so on the unit sphere rank "
                "K^(H) is at most the dimension of the spherical harmonics of the degrees P reaches (du.poly_rank_bound): "
                "more points than that make it singular for every dataset."))
    def poly(ctx: Context) -> Result:
        return _pd(ctx, kind, ["poly2", "poly3"], "sphere", f"{K} kernel, polynomial sigma", n_max=40, d_range=(2, 4))

    @claim(f"{base}.linear", title=f"{K} K^(H) with the linear activation", source=f"{src} with sigma(z) = z",
           statement="With sigma(z) = z, K^(H) is strictly positive definite on unit-norm non-parallel data.",
           hypotheses=("sigma = linear", "unit-norm uniform data (non-parallel a.s.)"), paper="refuted",
           expected="refuted",
           why=("K^(H) is a positive multiple of X X^T (its only exponent is 1, kernels.polynomial_kernel_degrees), "
                "of rank <= d: n > d points make it singular."))
    def lin(ctx: Context) -> Result:
        return _pd(ctx, kind, ["linear"], "sphere", f"{K} kernel, linear sigma", d_range=(2, 6))

    @claim(f"{base}.duplicated", title=f"{K} K^(H) with a duplicated data point",
           source=f"{src}; the hypothesis 'no two parallel points' removed",
           statement="With x_1 = x_0 (duplicated data), K^(H) is still strictly positive definite.",
           hypotheses=(SMOOTH_HYP, "x_1 = x_0, the other points as du.kernel.fc_pd"), paper="refuted",
           expected="refuted", why="Equal inputs give equal rows of K^(H): singular for every dataset and activation.")
    def dup(ctx: Context) -> Result:
        return _pd(ctx, kind, SMOOTH, "duplicated", f"{K} kernel, duplicated data")

    why_anti = ("The paper's condition excludes parallel pairs, so it asserts nothing here. The suite computes: for odd "
                "sigma (tanh, erf) every layer is odd in x, the rows of x and -x are exactly opposite and K^(H) is "
                "singular at every depth. ")
    if kind == "fc":
        why_anti += ("sigmoid = 1/2 + tanh(z/2)/2 is odd + constant, so sigma' is even: at H = 1, K^(1) = c K^(0) o "
                     "E[sigma' sigma'] is odd in each argument and singular too (lambda_min ~ 1e-17); for H >= 2 the "
                     "constant enters the layers and lambda_min is positive but small (~1e-4 at H = 2 down to ~1e-9 "
                     "at H = 8 for n = 6). softplus, gelu and silu keep lambda_min positive (certified; softplus down to "
                     "~1e-6 at H = 8, gelu and silu ~0.1).")
    else:
        why_anti += ("In the ResNet (H >= 2) sigmoid's constant enters x^(1), so its lambda_min stays positive, as for "
                     "softplus, gelu and silu.")

    @claim(f"{base}.antipodal", title=f"{K} K^(H) with an antipodal (parallel) pair x_1 = -x_0",
           source=f"{src}, Proposition {'F.1' if kind == 'fc' else 'F.2'}; parallel data allowed",
           statement="With x_1 = -x_0 (parallel, not equal), K^(H) is still strictly positive definite for smooth sigma.",
           hypotheses=(SMOOTH_HYP, "x_1 = -x_0, the other points as du.kernel.fc_pd"), paper="inconclusive",
           expected="refuted", why=why_anti)
    def anti(ctx: Context) -> Result:
        return _pd(ctx, kind, SMOOTH, "antipodal", f"{K} kernel, antipodal pair")

    out += [poly, lin, dup, anti]
    return out


_FC_VARIANTS = _variants("fc")
_RES_VARIANTS = _variants("resnet")


@claim(
    "du.kernel.fc_pd.ill_conditioned",
    title="K^(H) on many points of a circle: positive definiteness beyond float64",
    source=f"{PAPER}, Definition 5.1, Proposition F.1",
    statement="As du.kernel.fc_pd with 13 to 24 unit-norm points in R^2 (a circle).",
    hypotheses=(SMOOTH_HYP, "13 <= n <= 24 uniform points on the unit circle (non-parallel a.s., no separation)"),
    paper="supported",
    expected="inconclusive",
    why=("The kernel is an analytic function of the angle, so its eigenvalues decay exponentially with n: on 13 to 24 "
         "points of a circle lambda_min ranges from ~1e-6 (tanh, gelu, silu, erf at H = 8) down to the float64 round-off "
         "floor ~1e-16 (softplus, sigmoid for n >= 16). Cases above 1000 x the error bound n x (propagated quadrature "
         "bound + 64 ulps of max|K|) are certified positive; the others fall in the band of "
         "tolerance.eigenvalue_with_bound. erf has closed-form Gaussian moments: its band cases are recomputed at "
         "40/60/100 digits (rows normalised at that precision) and decided there (positive). softplus, sigmoid, gelu, "
         "silu and tanh have no closed form: their band cases stay undecided. Nothing contradicts the claim; float64 "
         "cannot certify it; no counterexample is claimed."),
)
def check_fc_pd_circle(ctx: Context) -> Result:
    return _pd(ctx, "fc", SMOOTH, "circle", "FC kernel, points on a circle", n_min=13, n_max=24, d_range=(2, 2))


def _replay_pd(p: dict) -> Outcome:
    data = _p.require_choice(p, "data", SEPARATED + ("sphere", "circle"), default="generic")
    return kernel_pd_outcome(_p.require_activation(p), _p.require_choice(p, "kind", ("fc", "resnet")),
                             _p.require_int(p, "n", 2 if data in ("duplicated", "antipodal") else 1, _p.MAX_N),
                             _p.require_int(p, "d", 1, _p.MAX_DIM), _p.require_int(p, "H", 1, _p.MAX_DEPTH),
                             _p.require_seed(p), data)


for _c in (check_fc_pd, check_resnet_pd, check_fc_pd_circle, *_FC_VARIANTS, *_RES_VARIANTS):
    _c.replayer(_replay_pd)


# ---------------------------------------------------------------------------------------
# du.kernel.matches_finite_width (+ .resnet), du.depth, du.normalisation
# ---------------------------------------------------------------------------------------
