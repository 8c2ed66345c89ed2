"""Definitions 5.1 / 6.1 of ``002_7f4fd584f3752d2b.txt`` exactly as printed -- the deviations that
:mod:`landscape._lib.kernels.analytic` documents (its ``literal=True``) made claims:

* ``du.kernel.def5_1.literal`` -- Def. 5.1 prints the last step as
  ``K^(H)_ij = c_sigma K^(H-1)_ij E_{(u,v) ~ N(0, A^(H-1)_ij)}[sigma'(u) sigma'(v)]``, an expectation
  under ``A^(H-1)`` (built from ``K^(H-2)``); the pre-activations of layer ``H`` have covariance
  ``K^(H-1)``, i.e. ``A^(H)``.  Is the printed matrix the limit of ``G^(H)(0)``?
* ``du.kernel.def6_1.literal`` -- the same question for Def. 6.1 as printed (the same ``A^(H-1)`` in
  its last line, and eq. (8)'s pairing of ``b_i^(h-1)`` with ``sigma(u)``);
* ``du.kernel.def6_1.cross_terms`` -- eq. (8)'s pairing alone: is the printed ``K^(h)`` the limit of
  ``<x_i^(h), x_j^(h)>``?

The first two are decided by the Monte Carlo evidence of ``du.kernel.matches_finite_width``: the
spectral distance of every network's ``G^(H)(0)`` (:func:`kernels.empirical_gram`) to the printed
kernel and to the derived one (:func:`kernels.analytic_gram`, ``literal=True`` / ``False``) over
widths, log-log slopes with 95% intervals (:mod:`landscape._lib.trend`).  A limit is approached at the
rate of the paper's Lemmas B.1-B.3 (``m^(-1/2)``): the printed kernel is refuted when the distance to
it decays significantly slower than that on all widths and on the largest ones
(:func:`trend.decay_at_least` fails) while the distance to the derived kernel decreases
significantly (the concentration claims' decision on it is reported beside), the two kernels being
certified different (their gap against the propagated quadrature bounds), and the slowdown replicates
on independent networks (:func:`trend.confirm_measured`).  The third (:mod:`.cross_terms`) is exact:
the printed ``K^(2)`` has a negative eigenvalue clear of its error bound, and a limit of Gram matrices
is positive semi-definite.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass

import numpy as np

from landscape._core.context import Context, Outcome, Result, merge
from landscape._core.registry import claim
from landscape._lib import kernels, prose, tolerance, trend
from landscape._lib import payload as _p
from landscape._lib.errors import LandscapeError
from landscape._lib.networks.du import DuArchitecture, sphere_data
from landscape.claims.du._common import PAPER, SMOOTH, decided, quick, seed_lists, thorough
from landscape.claims.du.kernel_pd import ROUNDOFF_ULPS

#: The paper's rate for the distance of G^(H)(0) to its limit (Lemmas B.1-B.3).
RATE = -0.5


@dataclass(frozen=True)
class Design:
    """The data and network of a literal-kernel trend: ``n`` directions ``sphere_data(n, d, data_seed)``
    scaled to the norms ``geomspace(norms[0], norms[1], n)`` (``(1, 1)``: unit norm)."""

    kind: str
    activation: str
    n: int
    d: int
    H: int
    c_res: float
    data_seed: int
    norms: tuple[float, float]
    #: quadrature of the analytic kernels (:func:`kernels.analytic_gram`): ``polar`` where the Mehler
    #: series' propagated bound is too loose for points of norm 6.
    method: str = "auto"

    def data(self) -> np.ndarray:
        return sphere_data(self.n, self.d, self.data_seed).numpy() * np.geomspace(*self.norms, self.n)[:, None]

    def as_payload(self) -> dict:
        return asdict(self) | {"norms": list(self.norms)}

    def text(self) -> str:
        lo, hi = self.norms
        data = (f"{self.n} unit-norm points in R^{self.d}" if lo == hi == 1.0 else
                f"{self.n} points in R^{self.d} with norms geometrically spaced from {lo:g} to {hi:g}")
        net = "FC network" if self.kind == "fc" else f"ResNet, c_res = {self.c_res:g}"
        return prose.clauses(net, self.activation, f"H = {self.H}", data, sep=", ")


#: FC: H = 2 (the printed A^(1) is built from K^(0) = X X^T), unit-norm data as in Theorem 5.1;
#: negsin2 = -sin^2(z - 1) is analytic, Lipschitz, smooth and not a polynomial (Conditions 3.1-3.2):
#: there the printed kernel is 58% (in ||.||_2) from the derived one, so the gap dominates the
#: finite-width error from m ~ 128 on.  (On the same data tanh / erf: 0.2-0.3%, softplus 10%.)
FC_DESIGN = Design("fc", "negsin2", 12, 16, 2, 0.5, 7, (1.0, 1.0))
#: ResNet: H = 3 (every printed index defined: A^(2) from K^(1)), c_res = 0.9, gelu, points off the
#: sphere (norms 0.05 .. 6): the printed kernel is 12% from the derived one and, unlike on unit-norm
#: data, not nearly a multiple of it (which the scale fluctuation of a_r^2 ~ sqrt(2/m) would mask).
RES_DESIGN = Design("resnet", "gelu", 24, 8, 3, 0.9, 7, (0.05, 6.0), "polar")


def _widths(ctx: Context, kind: str) -> dict[int, int]:
    """Widths and networks per width.  FC (H = 2, one m x m matrix per network): the concentration
    claims' widths.  ResNet (two m x m matrices): from 512 on, where the finite-width error is below
    the gap, the cheap widths carrying more networks (the errors are heavy-tailed); no 8192 (1 GB of
    weights per network)."""
    if kind == "fc":
        ws = ({128: 8, 256: 8, 512: 8, 1024: 8, 2048: 6} if quick(ctx) else
              {128: 20, 256: 20, 512: 20, 1024: 20, 2048: 10, 4096: 6, 8192: 3})
    else:
        ws = {512: 16, 1024: 12, 2048: 6, 4096: 4} if quick(ctx) else {512: 24, 1024: 16, 2048: 12, 4096: 8}
    return {m: 2 * k for m, k in ws.items()} if thorough(ctx) else ws


def _seeds(ctx: Context, kind: str, replicate: int = 0) -> list[tuple[int, list[int]]]:
    """Initialisation seeds ``1000 m + s + 10^6 seed`` (as the concentration claims'); a confirmation
    replicate adds ``replicate`` x :data:`trend.REPLICATE_OFFSET`."""
    off = replicate * trend.REPLICATE_OFFSET
    return [(m, [1000 * m + s + 10**6 * ctx.seed + off for s in range(k)]) for m, k in _widths(ctx, kind).items()]


@functools.lru_cache(maxsize=8)
def _kernels(design: Design) -> tuple[np.ndarray, kernels.AnalyticGram, kernels.AnalyticGram, float]:
    """The data, the derived and the printed ``K^(H)`` and a bound on ``||printed - derived||_2``'s error
    (Weyl: n x (both propagated quadrature bounds + round-off)).  Cached: the replicate reuses them
    (callers do not modify the arrays)."""
    x = design.data()
    kd = kernels.analytic_gram(x, design.H, design.activation, design.kind, design.c_res, method=design.method)
    kl = kernels.analytic_gram(x, design.H, design.activation, design.kind, design.c_res, literal=True,
                               method=design.method)
    scale = max(float(np.max(np.abs(kd.K))), float(np.max(np.abs(kl.K))))
    err = design.n * (kd.error_bound + kl.error_bound + 2 * ROUNDOFF_ULPS * 2.2e-16 * scale)
    return x, kd, kl, err


def combine(lit: trend.TrendDecision, der_slope: trend.Slope, gap: tolerance.Decision) -> trend.TrendDecision:
    """The decision on "the printed kernel is the limit" from the two trends.

    * the gap ``||printed - derived||_2`` not certified non-zero: ``band`` (nothing to tell apart);
    * the distance to the printed kernel decays significantly slower than ``m^(-1/2)`` (``lit``, the
      decision of :func:`trend.decay_at_least`, fails: on all widths and on the largest ones) *and*
      the distance to the derived kernel, on the same networks, decreases significantly
      (``der_slope.high < 0``): ``fails``, margin the smaller of the two; replicated by
      :func:`trend.confirm`;
    * ``lit`` fails but the distance to the derived kernel does not decrease significantly: ``band``
      (the widths do not show that G^(H)(0) converges at all);
    * ``lit`` holds (consistent with the rate): ``holds``; otherwise ``band``.
    """
    if gap.outcome != "nonzero":
        return trend.TrendDecision("band", 0.0, f"||printed - derived||_2 = {gap.value:.3g} x its error bound is not "
                                                "certified non-zero: the two kernels cannot be told apart")
    der = f"slope {der_slope.slope:.3f} [{der_slope.low:.3f}, {der_slope.high:.3f}]"
    if lit.status == "fails":
        if der_slope.high < 0:
            return trend.TrendDecision("fails", min(lit.margin, -der_slope.high),
                                       f"distance to the printed kernel: {lit.note}; distance to the derived kernel: "
                                       f"{der}, decreasing", replicate=True)
        return trend.TrendDecision("band", 0.0, f"distance to the printed kernel: {lit.note}; but the distance to the "
                                                f"derived kernel ({der}) does not decrease significantly",
                                   replicate=True)
    if lit.status == "holds":
        return trend.TrendDecision("holds", lit.margin, f"distance to the printed kernel: {lit.note}")
    return trend.TrendDecision("band", 0.0, f"distance to the printed kernel: {lit.note}", replicate=lit.replicate)


def literal_trend(design: Design, seeds: list[tuple[int, list[int]]]) -> dict:
    """Per network (one per seed, widths ``m``): ``||G^(H)(0) - K||_2`` for the derived and the printed
    ``K^(H)``; the fitted slopes (all widths and the 3 largest), their decisions and :func:`combine`;
    ``payload`` replays it (:func:`_replay_literal`)."""
    x, kd, kl, err = _kernels(design)
    ms, ed, el = [], [], []
    table_d: dict[int, list[float]] = {}
    table_l: dict[int, list[float]] = {}
    for m, ss in seeds:
        arch = DuArchitecture(design.d, m, design.H, design.activation, design.kind, c_res=design.c_res)
        for s in ss:
            g = kernels.empirical_gram(arch, arch.init(s), x).last
            e1, e2 = float(np.linalg.norm(g - kd.K, 2)), float(np.linalg.norm(g - kl.K, 2))
            table_d.setdefault(m, []).append(e1)
            table_l.setdefault(m, []).append(e2)
            ms.append(m)
            ed.append(e1)
            el.append(e2)
    sd, td = trend.fit(ms, ed), trend.fit_tail(ms, ed)
    sl, tl = trend.fit(ms, el), trend.fit_tail(ms, el)
    dd, dl = trend.decay_at_least(sd, RATE, tail=td), trend.decay_at_least(sl, RATE, tail=tl)
    gap = float(np.linalg.norm(kl.K - kd.K, 2))
    gap_dec = tolerance.eigenvalue_with_bound(gap, err)
    return {"decision": combine(dl, sd, gap_dec), "design": design, "gap": gap, "gap_error_bound": err,
            "gap_decision": gap_dec, "K_norm": float(np.linalg.norm(kd.K, 2)),
            "lambda_min_printed": float(np.linalg.eigvalsh(kl.K)[0]),
            "derived": {"slope": sd, "tail": td, "decision": dd, "errors": table_d},
            "printed": {"slope": sl, "tail": tl, "decision": dl, "errors": table_l},
            "payload": design.as_payload() | {"seeds": [[m, ss] for m, ss in seeds]}}


def _unit_norm_gaps(design: Design) -> dict[str, float]:
    """||printed - derived||_2 / ||derived||_2 per smooth activation on unit-norm data of the design's
    shape (the theorems' data): how far the printed formula is off depends on sigma."""
    x = sphere_data(design.n, design.d, design.data_seed).numpy()
    out = {}
    for a in dict.fromkeys(SMOOTH + [design.activation]):
        kd = kernels.analytic_gram(x, design.H, a, design.kind, design.c_res).K
        kl = kernels.analytic_gram(x, design.H, a, design.kind, design.c_res, literal=True).K
        out[a] = float(np.linalg.norm(kl - kd, 2) / np.linalg.norm(kd, 2))
    return out


def _literal_claim(ctx: Context, design: Design) -> Result:
    t = literal_trend(design, _seeds(ctx, design.kind))
    dec = trend.confirm_measured(t, lambda: literal_trend(design, _seeds(ctx, design.kind, 1)))
    stats = {"gap_printed_vs_derived": t["gap"], "gap_error_bound": t["gap_error_bound"],
             "relative_gap": t["gap"] / t["K_norm"], "K_norm": t["K_norm"],
             "lambda_min_printed": t["lambda_min_printed"], "rule": dec.note,
             "replicated": t["replicate"] is not None}
    for key in ("printed", "derived"):
        part = t[key]
        stats[f"slope_to_{key}"] = part["slope"].as_dict()
        stats[f"slope_to_{key}_largest_3_widths"] = part["tail"].as_dict()
        stats[f"rule_{key}"] = part["decision"].note
        stats[f"errors_to_{key}_by_m"] = {str(m): v for m, v in part["errors"].items()}
    if t["replicate"] is not None:
        stats["replicate_slopes"] = {k: t["replicate"][k]["slope"].as_dict() for k in ("printed", "derived")}
    stats["unit_norm_relative_gap_by_activation"] = _unit_norm_gaps(design)
    if design.kind == "resnet":
        stats |= _resnet_parts(design)
    out = decided(dec, t["payload"], **{k: stats[k] for k in ("relative_gap", "rule")})
    ms = sorted(t["derived"]["errors"])
    series = {f"to the {k} K^(H) (mean over networks)": {"x": ms, "y": [float(np.mean(t[k]["errors"][m])) for m in ms]}
              for k in ("printed", "derived")}
    series["||printed - derived||_2"] = {"x": ms, "y": [t["gap"]] * len(ms)}
    fig = {"kind": "line", "title": (f"||G^(H)(0) - K^(H)||_2 against width: the printed and the derived K^(H) "
                                     f"({design.kind.upper()}, {design.activation}, H = {design.H}, n = {design.n})"),
           "xlabel": "m", "ylabel": "spectral distance", "logx": True, "logy": True, "series": series}
    return merge([], extra=[out], statistics=stats, tried=_tried(ctx, design, t), figures=[fig])


def _resnet_parts(design: Design) -> dict:
    """Which printed point makes the ResNet difference: the printed eq. (8) pairing changes K^(H-1)
    (reported: its distance to the derived K^(H-1) and its lambda_min), the printed A^(H-1) the last
    expectation (reported: K^(H) with only that change, built from the derived layers)."""
    _, kd, kl, _ = _kernels(design)
    r = design.c_res / design.H
    dprev, _ = kernels.dual_matrix(design.activation, kd.layers[-2], derivative=True, method=design.method)
    last_only = r * r * kd.layers[-1] * dprev
    nk = float(np.linalg.norm(kd.K, 2))
    return {"relative_gap_last_step_only": float(np.linalg.norm(last_only - kd.K, 2)) / nk,
            "relative_gap_K_H_minus_1_pairing": float(np.linalg.norm(kl.layers[-1] - kd.layers[-1], 2)
                                                      / np.linalg.norm(kd.layers[-1], 2)),
            "lambda_min_printed_K_H_minus_1": float(np.linalg.eigvalsh(kl.layers[-1])[0])}


def _tried(ctx: Context, design: Design, t: dict) -> str:
    ws = _widths(ctx, design.kind)
    return prose.clauses(
        prose.clauses(design.text(), f"widths {list(ws)} with {list(ws.values())} networks each "
                      + prose.paren("seed 1000 m + s"), sep=", "),
        "||G^(H)(0) - K^(H)||_2 of every network to the printed K^(H) (kernels.analytic_gram literal=True) and to "
        f"the derived one (||printed - derived||_2 = {t['gap']:.3g}, {t['gap'] / t['K_norm']:.1%} of ||K^(H)||_2, "
        f"certified against its quadrature bound {t['gap_error_bound']:.1e})",
        "log-log slopes with t 95% intervals: refuted if the distance to the printed kernel decays significantly "
        f"slower than m^({RATE}) on all widths and on the 3 largest (trend.decay_at_least) while the distance to the "
        "derived kernel decreases significantly (its interval below 0), replicated on independent networks; "
        "supported if the distance to the printed kernel is consistent with m^(-1/2)")


LIT_WHY_FC = (
    "Definition 5.1 prints the last step as K^(H)_ij = c_sigma K^(H-1)_ij E_{(u,v) ~ N(0, A^(H-1)_ij)}"
    "[sigma'(u) sigma'(v)], and A^(H-1) is built from K^(H-2) (eq. (7)). The derivation (section E; the network "
    "of eq. (2)) gives A^(H): the pre-activations W^(H) x^(H-1) of layer H have covariance K^(H-1); the printed "
    "index would make H = 1 need the undefined A^(0), while the text's remark that H = 1 recovers Du et al. "
    "2018b's H^infty needs A^(1). The finite-width Gram G^(H)(0) converges to the A^(H) kernel "
    "(du.kernel.matches_finite_width); here, on the theorem's unit-norm data, the distance to the printed kernel "
    "levels off at their gap (slope ~ 0) while the distance to the derived one falls like m^(-1/2). How far the "
    "printed formula is off depends on sigma (statistics.unit_norm_relative_gap_by_activation: 0.2-0.3% for tanh "
    "and erf, whose dual maps barely move correlations, 10% for softplus, 58% for the negsin2 used here); the "
    "suite's K^(H) (kernels.analytic_gram) follows the derivation, literal=True reproduces the printed formula.")

LIT_WHY_RES = (
    "Definition 6.1 prints K^(H)_ij = (c_res^2 / H^2) K^(H-1)_ij E_{(u,v) ~ N(0, A^(H-1)_ij)}[sigma'(u) "
    "sigma'(v)] -- A^(H-1), built from K^(H-2), where the pre-activations of layer H have covariance K^(H-1) "
    "(A^(H)) -- and eq. (8) pairs b_i^(h-1) with sigma(u), point i's pre-activation, where expanding eq. (3) "
    "gives b_i^(h-1) E[sigma(v)] (du.kernel.def6_1.cross_terms). On these data (norms 0.05 .. 6, H = 3) the "
    "printed K^(H) is 12% (in ||.||_2) from the derived one, most of it from the pairing "
    "(statistics.relative_gap_last_step_only: the printed A^(H-1) alone, 1.7%), and it is not even positive "
    "semi-definite (statistics.lambda_min_printed = -0.065), as no limit of Gram matrices can be; the distance of "
    "G^(H)(0) to it levels off while the distance to the derived kernel falls like m^(-1/2). On unit-norm data the pairing "
    "agrees and only A^(H-1) differs (up to 7% for sigmoid, statistics.unit_norm_relative_gap_by_activation), but "
    "almost as a multiple of K^(H): the a_r^2 scale fluctuation of G^(H)(0), ~ sqrt(2/m), masks it below m ~ 10^4, "
    "so that case is not decided here (the FC claim du.kernel.def5_1.literal decides the same index on unit-norm "
    "data).")


@claim(
    "du.kernel.def5_1.literal",
    title="Definition 5.1 as printed (last expectation under A^(H-1)) is the limit of G^(H)(0)",
    source=f"{PAPER}, Definition 5.1 (eq. (7) and the last line), section 4; the library's literal=True",
    statement=("K^(H)_ij = c_sigma K^(H-1)_ij E_{(u,v) ~ N(0, A^(H-1)_ij)}[sigma'(u) sigma'(v)] exactly as printed "
               "(A^(H-1) built from K^(H-2)) is the matrix G^(H)(0) of a width-m FC network converges to: "
               "||G^(H)(0) - K^(H)||_2 -> 0 like m^(-1/2)."),
    hypotheses=(f"FC network, sigma = {FC_DESIGN.activation} = -sin^2(z - 1) (analytic, Lipschitz, smooth, not a "
                f"polynomial: Conditions 3.1-3.2), H = {FC_DESIGN.H}",
                f"unit-norm data (Theorem 5.1), n = {FC_DESIGN.n} in R^{FC_DESIGN.d}", "W, a ~ N(0, 1)"),
    paper="supported",
    expected="refuted",
    why=LIT_WHY_FC,
)
def check_def5_1_literal(ctx: Context) -> Result:
    return _literal_claim(ctx, FC_DESIGN)


@claim(
    "du.kernel.def6_1.literal",
    title="Definition 6.1 as printed (A^(H-1) in the last step, eq. (8)'s pairing) is the limit of G^(H)(0)",
    source=f"{PAPER}, Definition 6.1 (eq. (8) and the last line), section 4; the library's literal=True",
    statement=("K^(H) of Definition 6.1 exactly as printed -- (c_res^2/H^2) K^(H-1)_ij E_{N(0, A^(H-1)_ij)}[sigma' "
               "sigma'] with eq. (8)'s E[c_res b_i^(h-1) sigma(u)/H + c_res b_j^(h-1) sigma(v)/H + ...] -- is the "
               "matrix G^(H)(0) of a width-m ResNet converges to: ||G^(H)(0) - K^(H)||_2 -> 0 like m^(-1/2)."),
    hypotheses=(f"ResNet, sigma = {RES_DESIGN.activation}, H = {RES_DESIGN.H}, c_res = {RES_DESIGN.c_res}",
                f"n = {RES_DESIGN.n} points in R^{RES_DESIGN.d}, norms {RES_DESIGN.norms[0]:g} .. {RES_DESIGN.norms[1]:g} "
                "(Definition 6.1 is stated for any inputs; Theorem 6.1 adds unit norms)", "W, a ~ N(0, 1)"),
    paper="supported",
    expected="refuted",
    why=LIT_WHY_RES,
)
def check_def6_1_literal(ctx: Context) -> Result:
    return _literal_claim(ctx, RES_DESIGN)


def _design_of(p: dict) -> Design:
    kind = _p.require_choice(p, "kind", ("fc", "resnet"))
    norms = p.get("norms")
    if not (isinstance(norms, list) and len(norms) == 2):
        raise LandscapeError(f"payload field 'norms' is {norms!r}; expected [low, high]")
    lo, hi = (_p.check_float("norms", v, 1e-3, 1e3) for v in norms)
    return Design(kind, _p.require_activation(p), _p.require_int(p, "n", 2, 256), _p.require_int(p, "d", 1, _p.MAX_DIM),
                  _p.require_int(p, "H", 2 if kind == "resnet" else 1, 16), _p.require_float(p, "c_res", 1e-6, 10.0),
                  _p.require_seed(p, "data_seed"), (lo, hi),
                  _p.require_choice(p, "method", tuple(kernels.METHODS), default="auto"))


def _measure(p: dict) -> dict:
    seeds = seed_lists(p)
    if sum(len(ss) for _, ss in seeds) > 400 or max(m for m, _ in seeds) > 8192:
        raise LandscapeError("payload field 'seeds' asks for more than 400 networks or a width above 8192")
    return literal_trend(_design_of(p), seeds)


def _replay_literal(p: dict) -> Outcome:
    """Re-measure every stored network (and the replicate's) and re-decide."""
    dec, t = trend.replay_confirmed(p, _measure)
    return decided(dec, t["payload"], relative_gap=t["gap"] / t["K_norm"],
                   slope_to_printed=t["printed"]["slope"].as_dict(), slope_to_derived=t["derived"]["slope"].as_dict())


for _c in (check_def5_1_literal, check_def6_1_literal):
    _c.replayer(_replay_literal)
