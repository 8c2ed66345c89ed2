"""Claims of H. Jiang, *Why Learning of Large-Scale Neural Networks Behaves Like Convex
Optimization* (``../shared/papers/000_aea297099283b0eb.txt``; prose cross-checked in
``001_d513da0bff3b4549.txt``).

The canonical space is :mod:`landscape.canonical` (eq. 4-6, with the 2 pi that eq. 6
drops).  Coefficients of real functions are handled in the real (cos/sin) view, which is
exactly the conjugate-symmetric subspace of the paper's complex coefficients.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp
import torch
from hypothesis import reject
from hypothesis import strategies as st
from torch.func import hessian

from .. import canonical, losses, tolerance
from ..errors import LandscapeError
from ..context import Context, Outcome, Result, merge
from ..networks.mlp import MLP, MLPSpec
from ..registry import claim
from ..strategies import cube_datasets, seeds

PAPER = "000_aea297099283b0eb.txt"


def _labels(loss: losses.Loss, rng: np.random.Generator, t: int) -> np.ndarray:
    if loss.labels == "sign":
        return rng.choice([-1.0, 1.0], size=t)
    return rng.normal(size=t)


# ---------------------------------------------------------------------------------------
# jiang.thm1.convex
# ---------------------------------------------------------------------------------------

def convexity_outcome(loss_name: str, x: np.ndarray, n: tuple[int, ...], seed: int) -> Outcome:
    """Jensen's inequality on a random pair / mixing weight, and the Hessian's PSD test."""
    loss = losses.get(loss_name)
    rng = np.random.default_rng(seed)
    phi = torch.as_tensor(canonical.real_features(x, n))
    y = torch.as_tensor(_labels(loss, rng, x.shape[0]))
    scale = float(rng.choice([0.1, 1.0, 10.0]))
    c1 = torch.as_tensor(rng.normal(size=phi.shape[1]) * scale)
    c2 = torch.as_tensor(rng.normal(size=phi.shape[1]) * scale)
    lam = float(rng.uniform(0.05, 0.95))

    def q(c: torch.Tensor) -> torch.Tensor:
        return loss.total(y, phi @ c)

    lhs = float(q(lam * c1 + (1 - lam) * c2))
    rhs = lam * float(q(c1)) + (1 - lam) * float(q(c2))
    jensen = tolerance.at_most(lhs, rhs)
    stats = {"loss": loss_name, "K": len(n), "N": phi.shape[1], "T": x.shape[0], "jensen_gap": rhs - lhs,
             "jensen": jensen.as_dict()}
    decisions = [jensen]
    if loss.twice_differentiable:
        h = hessian(q)(c1).numpy()
        p = tolerance.psd(h)
        stats["hessian_lambda_min_normalised"] = p.lambda_min_normalised
        decisions.append(p.decision if p.psd is not True or p.decision.outcome == "zero" else
                         tolerance.Decision(p.lambda_min_normalised, "zero", math.inf))
        if p.psd is False:
            return Outcome.fails({"loss": loss_name, "x": x.tolist(), "n": list(n), "seed": seed}, p.decision.margin,
                                 note="Hessian of Q is not PSD", **stats)
        if p.psd is None:
            return Outcome.band(note="Hessian PSD test in the tolerance band", **stats)
    if jensen.outcome == "nonzero":
        return Outcome.fails({"loss": loss_name, "x": x.tolist(), "n": list(n), "seed": seed}, jensen.margin,
                             note="Jensen's inequality violated", **stats)
    if jensen.outcome == "band":
        return Outcome.band(note="Jensen gap in the tolerance band", **stats)
    return Outcome.holds(min(d.margin for d in decisions), **stats)


@st.composite
def _boxes(draw, kd: int) -> tuple[int, ...]:
    return tuple(draw(st.integers(0, 3 if kd == 1 else 2)) for _ in range(kd))


@claim(
    "jiang.thm1.convex",
    title="Theorem 1 (first part): Q is convex in the canonical space",
    source=f"{PAPER}, Theorem 1 and its proof (section 3.1, eq. 7)",
    statement=("With a loss l convex in its second argument, Q(theta) = sum_t l(y_t, sum_k theta_k eta_k(x_t)) is "
               "convex in theta (real functions: conjugate-symmetric theta)."),
    hypotheses=("every loss in the registry (convex in the prediction)", "data in [0,1]^K, K = 1, 2",
                "truncation boxes |k_j| <= N_j"),
)
def check_convex(ctx: Context) -> Result:
    @st.composite
    def examples(draw):
        x = draw(cube_datasets(max_t=8))
        return draw(st.sampled_from(losses.names())), x, draw(_boxes(x.shape[1])), draw(seeds())

    def fn(ex):
        name, x, n, s = ex
        return convexity_outcome(name, x, n, s)

    res = ctx.search(examples(), fn, label="Jensen + Hessian", max_examples=4 * ctx.max_examples)
    by_loss: dict[str, int] = {}
    for o in res.outcomes:
        by_loss[o.stats["loss"]] = by_loss.get(o.stats["loss"], 0) + 1
    missing = [n for n in losses.names() if n not in by_loss]
    extra = []
    for name in missing:  # every loss must be attacked at least once
        x = ctx.rng("convex", name).random((5, 1))
        extra.append(convexity_outcome(name, x, (2,), 0))
        by_loss[name] = 1
    gaps = [o.stats["jensen_gap"] for o in res.outcomes]
    lam = [o.stats["hessian_lambda_min_normalised"] for o in res.outcomes if "hessian_lambda_min_normalised" in o.stats]
    fig = {"kind": "hist", "title": "Normalised smallest Hessian eigenvalue of Q (twice-differentiable losses)",
           "xlabel": "lambda_min / max |lambda|", "ylabel": "examples", "data": {"Hessian": lam}}
    return merge([res], extra=extra,
                 statistics={"examples_per_loss": by_loss, "min_jensen_gap": min(gaps) if gaps else None,
                             "min_hessian_lambda_normalised": min(lam) if lam else None},
                 tried=(f"{res.examples + len(extra)} examples over {len(by_loss)} losses; closed-cube datasets "
                        "(lattice, uniform, boundary, collinear; T <= 8), boxes N_j <= 3 (K = 1) or 2 (K = 2), "
                        "coefficient scales 0.1 / 1 / 10"),
                 figures=[fig])


@check_convex.replayer
def _replay_convex(p: dict) -> Outcome:
    return convexity_outcome(str(p["loss"]), np.asarray(p["x"], dtype=float), tuple(p["n"]), int(p["seed"]))


# ---------------------------------------------------------------------------------------
# jiang.thm1.convex.literal
# ---------------------------------------------------------------------------------------

def literal_outcome(act: str, loss_name: str, kd: int, t: int, m: int, seed: int) -> Outcome:
    """Teacher = the network itself, so Q(w) = Q(swap(w)) = 0; Jensen at the midpoint."""
    rng = np.random.default_rng(seed)
    loss = losses.get(loss_name)
    x = rng.random((kd, t))
    net = MLP.random(MLPSpec(kd, (m,), 1, act, True), rng, scale="unit")
    w = net.weights_numpy()
    y = net.forward(x)[0].detach()
    perm = np.arange(m)
    perm[[0, 1]] = perm[[1, 0]]
    w_swapped = [w[0][perm], w[1][:, perm]]

    def q(ws) -> float:
        return float(loss.total(y, net.forward(x, [torch.as_tensor(v) for v in ws])[0]))

    lam = 0.5
    mid = [lam * a + (1 - lam) * b for a, b in zip(w, w_swapped)]
    q1, q2, qm = q(w), q(w_swapped), q(mid)
    dec = tolerance.at_most(qm, lam * q1 + (1 - lam) * q2, scale=float(loss.total(y, torch.zeros_like(y))))
    stats = {"activation": act, "loss": loss_name, "Q_w": q1, "Q_swapped": q2, "Q_mid": qm, "m": m, "T": t}
    payload = {"activation": act, "loss": loss_name, "K": kd, "T": t, "m": m, "seed": seed,
               "weights": [v.tolist() for v in w], "weights_swapped": [v.tolist() for v in w_swapped]}
    if dec.outcome == "nonzero":
        return Outcome.fails(payload, dec.margin, note=(f"Q(w) = {q1:.3g}, Q(swap w) = {q2:.3g}, Q(midpoint) = "
                                                        f"{qm:.3g} > their average"), **stats)
    if dec.outcome == "band":
        return Outcome.band(note="Jensen gap in the tolerance band", **stats)
    return Outcome.holds(dec.margin, **stats)


@claim(
    "jiang.thm1.convex.literal",
    title="The same loss in the literal (weight) space is convex",
    source=f"{PAPER}, section 2.1 and Figure 1 (the literal model space)",
    statement=("Q(f_w) = sum_t l(y_t, f_w(x_t)) is convex as a function of the network weights w (the paper says "
               "it is not: the literal space has weight-space symmetries)."),
    hypotheses=("one-hidden-layer networks with bias", "losses with real labels", "data in [0,1]^K"),
    paper="refuted",
    expected="refuted",
)
def check_literal(ctx: Context) -> Result:
    real_losses = [n for n in losses.names() if losses.get(n).labels == "real"]

    @st.composite
    def examples(draw):
        return (draw(st.sampled_from(["tanh", "sigmoid", "relu", "softplus"])), draw(st.sampled_from(real_losses)),
                draw(st.integers(1, 2)), draw(st.integers(1, 6)), draw(st.integers(2, 6)), draw(seeds()))

    res = ctx.search(examples(), lambda ex: literal_outcome(*ex), label="neuron-swap symmetry",
                     max_examples=ctx.max_examples)
    return res.result(statistics={"fraction_violating": res.counts["fails"] / max(res.examples, 1)},
                      tried=(f"{res.examples} examples: random network w (unit Gaussian weights), labels y = f_w(x) so "
                             "Q(w) = 0; w' = w with hidden neurons 0 and 1 swapped (Q(w') = 0); Jensen at the midpoint"))


@check_literal.replayer
def _replay_literal(p: dict) -> Outcome:
    return literal_outcome(str(p["activation"]), str(p["loss"]), int(p["K"]), int(p["T"]), int(p["m"]), int(p["seed"]))


# ---------------------------------------------------------------------------------------
# jiang.thm1.zero_loss and variants
# ---------------------------------------------------------------------------------------

def exact_feature_rank(x: np.ndarray, n: tuple[int, ...]) -> int | None:
    """Rank of the real feature matrix in exact arithmetic (sympy), for dyadic/rational data."""
    try:
        xr = [[sp.nsimplify(float(v), rational=True) for v in row] for row in x]
    except (ValueError, TypeError):
        return None
    if any(r.q > 64 for row in xr for r in row):
        return None
    ks = canonical.box(n)
    rows = []
    for p in xr:
        row = []
        for k in ks:
            ph = 2 * sp.pi * sum(int(ki) * pi for ki, pi in zip(k, p))
            if not any(k):
                row.append(sp.Integer(1))
            elif canonical._positive(k):
                row.append(sp.cos(ph))
            else:
                row.append(sp.sin(-ph))
        rows.append(row)
    return int(sp.Matrix(rows).rank(simplify=True))


def zero_loss_outcome(x: np.ndarray, n: tuple[int, ...], seed: int, *, exact: bool = False) -> Outcome:
    """Least squares in the canonical space; the minimum loss relative to sum y^2."""
    rng = np.random.default_rng(seed)
    phi = canonical.real_features(x, n)
    t, big_n = phi.shape
    y = rng.normal(size=t)
    c, *_ = np.linalg.lstsq(phi, y, rcond=None)
    resid = float(np.linalg.norm(phi @ c - y) ** 2 / np.linalg.norm(y) ** 2)
    dec = tolerance.classify(resid)
    rk = tolerance.rank(phi, target=min(t, big_n))
    wrap = _congruent_pairs(x)
    stats = {"K": x.shape[1], "T": t, "N": big_n, "relative_min_loss": resid, "rank": rk.rank,
             "s_normalised": rk.s_normalised, "points_identified_mod_1": wrap,
             "mechanism": "boundary identification" if wrap else ("rank deficiency" if rk.full is False else None)}
    if exact or dec.outcome == "nonzero":
        stats["exact_rank"] = exact_feature_rank(x, n)
    payload = {"x": x.tolist(), "n": list(n), "seed": seed}
    if dec.outcome == "nonzero":
        return Outcome.fails(payload, dec.margin, note=(f"T = {t} distinct points, N = {big_n} >= T dimensions, yet "
                                                        f"min Q / sum y^2 = {resid:.3g}; feature rank {rk.rank} < T"),
                             **stats)
    if dec.outcome == "band":
        return Outcome.band(note="minimum loss in the tolerance band", **stats)
    return Outcome.holds(dec.margin, **stats)


def _congruent_pairs(x: np.ndarray) -> list[list[int]]:
    """Pairs of distinct points equal modulo 1 (the Fourier basis cannot tell them apart)."""
    r = np.mod(x, 1.0)
    out = []
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            if np.all(np.abs(r[i] - r[j]) < 1e-15):
                out.append([i, j])
    return out


def _zero_loss_claim(ctx: Context, *, closed: bool, k_dims: tuple[int, ...]) -> Result:
    @st.composite
    def examples(draw):
        x = draw(cube_datasets(k_dims=k_dims, max_t=9, closed=closed))
        kd = x.shape[1]
        n = draw(_boxes(kd))
        size = int(np.prod([2 * v + 1 for v in n]))
        if size < x.shape[0]:  # the theorem's hypothesis N >= T: enlarge the box
            n = tuple(max(v, math.ceil((x.shape[0] ** (1 / kd) - 1) / 2)) for v in n)
            while int(np.prod([2 * v + 1 for v in n])) < x.shape[0]:
                n = tuple(v + 1 for v in n)
        return x, n, draw(seeds())

    def fn(ex):
        x, n, s = ex
        assert int(np.prod([2 * v + 1 for v in n])) >= x.shape[0]
        return zero_loss_outcome(x, n, s)

    res = ctx.search(examples(), fn, label="least squares in the canonical space", max_examples=4 * ctx.max_examples)
    mech: dict[str, int] = {}
    for o in res.outcomes:
        if o.status == "fails":
            mech[str(o.stats["mechanism"])] = mech.get(str(o.stats["mechanism"]), 0) + 1
    vals = [math.log10(max(o.stats["relative_min_loss"], 1e-300)) for o in res.outcomes]
    fig = {"kind": "hist", "title": "log10 of the minimum loss / sum y^2 over the canonical space",
           "xlabel": "log10(min Q / sum y^2)", "ylabel": "datasets", "data": {"examples": vals},
           "vlines": {"zero tolerance": math.log10(tolerance.ZERO)}}
    return res.result(statistics={"failures_by_mechanism": mech},
                      tried=(f"{res.examples} datasets of T <= 9 distinct points in "
                             f"{'the closed cube [0,1]^K' if closed else '[0,1)^K'}, K in {list(k_dims)} (lattice, "
                             "uniform, boundary, collinear), the smallest box with N >= T or larger, Gaussian labels; "
                             "exact sympy rank of the feature matrix for each failure"),
                      figures=[fig])


def _replay_zero_loss(p: dict) -> Outcome:
    return zero_loss_outcome(np.asarray(p["x"], dtype=float), tuple(int(v) for v in p["n"]), int(p["seed"]), exact=True)


@claim(
    "jiang.thm1.zero_loss",
    title="Theorem 1 (second part): N >= T distinct points in U^K => the global minimum is zero loss",
    source=f"{PAPER}, Theorem 1 and its proof (section 3.1); U^K = [0,1]^K from section 2",
    statement=("If the canonical space has at least as many dimensions N as there are point-wise distinct training "
               "samples T in U^K = [0,1]^K, the global minimum of Q is zero loss."),
    hypotheses=("T distinct points in the closed cube [0,1]^K, K = 1, 2", "N = prod(2 N_j + 1) >= T",
                "squared loss, arbitrary labels"),
    paper="supported",
    expected="refuted",
    why=("The proof counts unknowns and equations but never checks that the T x N system sum_k theta_k eta_k(x_t) = "
         "y_t has full row rank. It does not: on the closed cube eta_k(0) = eta_k(1) for every integer k, so two "
         "distinct points on opposite faces give identical equations; and for K >= 2 points on an axis-parallel line "
         "only see 2 N_1 + 1 of the N dimensions."),
)
def check_zero_loss(ctx: Context) -> Result:
    return _zero_loss_claim(ctx, closed=True, k_dims=(1, 2))


check_zero_loss.replayer(_replay_zero_loss)


@claim(
    "jiang.thm1.zero_loss.open_cube",
    title="Theorem 1 (second part) on the half-open cube [0,1)^K",
    source=f"{PAPER}, Theorem 1 (section 3.1), with the boundary identification removed",
    statement="As jiang.thm1.zero_loss, with the T distinct points in [0,1)^K (K = 1, 2).",
    hypotheses=("T distinct points in [0,1)^K, K = 1, 2", "N >= T", "squared loss"),
    paper="supported",
    expected="refuted",
    why=("Removing the boundary does not save K = 2: T > 2 N_1 + 1 distinct points on a line x_2 = c give a feature "
         "matrix of rank <= 2 N_1 + 1 < T although N = (2 N_1 + 1)(2 N_2 + 1) >= T."),
)
def check_zero_loss_open(ctx: Context) -> Result:
    return _zero_loss_claim(ctx, closed=False, k_dims=(1, 2))


check_zero_loss_open.replayer(_replay_zero_loss)


@claim(
    "jiang.thm1.zero_loss.open_interval",
    title="Theorem 1 (second part) for K = 1 on [0,1)",
    source=f"{PAPER}, Theorem 1 (section 3.1), K = 1 without the boundary",
    statement=("For K = 1 and T <= 2 N_1 + 1 distinct points in [0,1), the global minimum of Q is zero loss "
               "(the feature matrix is a Vandermonde matrix in the distinct unit-circle points exp(2 pi i x_t))."),
    hypotheses=("T distinct points in [0,1)", "N = 2 N_1 + 1 >= T", "squared loss"),
)
def check_zero_loss_interval(ctx: Context) -> Result:
    return _zero_loss_claim(ctx, closed=False, k_dims=(1,))


check_zero_loss_interval.replayer(_replay_zero_loss)


# =======================================================================================
# Section 3: the disparity matrix H(w) (issue: Jiang's canonical space in full)
# =======================================================================================

from .. import disparity as _disp  # noqa: E402
from .. import train as _train  # noqa: E402
from ..strategies import cube_datasets as _cube  # noqa: E402,F811


class JiangNet:
    """Jiang's two-layer network f_w(x) = sum_j a_j sigma(w_j . x + b_j) on [0,1]^K.

    Built on :class:`~landscape.networks.mlp.MLP` (with bias, linear output); the flat
    parameter vector is (W_1 with its bias column, row-major; then a), M = m (K + 2).
    """

    def __init__(self, k_dim: int, m: int, act: str):
        self.K, self.m, self.act = k_dim, m, act
        self.spec = MLPSpec(k_dim, (m,), 1, act, True)
        self._net = MLP(self.spec, [np.zeros((m, k_dim + 1)), np.zeros((1, m))])

    @property
    def M(self) -> int:
        return self.spec.n_params()

    def f(self, v: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """f(params, x: (P, K)) -> (P,), the functional form :mod:`landscape.disparity` wants."""
        return self._net.forward_flat(v, x.T)[0]

    def init(self, rng: np.random.Generator, *, scale: float = 4.0, dead: bool = False) -> torch.Tensor:
        """Hyperplanes through the cube (b_j = -w_j . c_j, c_j uniform in the cube) or, with
        ``dead``, biases so negative that every ReLU neuron is off on the whole cube."""
        w = rng.normal(size=(self.m, self.K)) * scale
        if dead:
            b = -(np.abs(w).sum(axis=1) + 0.5 + rng.random(self.m))
        else:
            b = -(w * rng.random((self.m, self.K))).sum(axis=1)
        a = rng.normal(size=self.m)
        return torch.as_tensor(np.concatenate([np.hstack([w, b[:, None]]).reshape(-1), a]))

    def neuron_rows(self, j: int) -> list[int]:
        """Indices of neuron j's parameters (w_j, b_j, a_j) in the flat vector."""
        base = j * (self.K + 1)
        return [*range(base, base + self.K + 1), self.m * (self.K + 1) + j]

    def as_dict(self) -> dict:
        return {"K": self.K, "m": self.m, "activation": self.act}


def _grid_for(k_dim: int) -> int:
    return 512 if k_dim == 1 else 64


# ---------------------------------------------------------------------------------------
# jiang.cor1
# ---------------------------------------------------------------------------------------

def cor1_outcome(loss_name: str, k_dim: int, t: int, seed: int) -> Outcome:
    """Jensen for Q on pairs of functions: two random networks (different activations) at the data."""
    rng = np.random.default_rng(seed)
    loss = losses.get(loss_name)
    x = torch.as_tensor(rng.random((t, k_dim)))
    y = torch.as_tensor(_labels(loss, rng, t))
    acts = rng.choice(["tanh", "relu", "sigmoid", "softplus"], size=2)
    nets = [JiangNet(k_dim, int(rng.integers(1, 6)), str(a)) for a in acts]
    f1, f2 = (n.f(n.init(rng), x).detach() * float(rng.choice([0.1, 1, 10])) for n in nets)
    lam = float(rng.uniform(0.05, 0.95))
    lhs = float(loss.total(y, lam * f1 + (1 - lam) * f2))
    rhs = lam * float(loss.total(y, f1)) + (1 - lam) * float(loss.total(y, f2))
    d = tolerance.at_most(lhs, rhs)
    stats = {"loss": loss_name, "gap": rhs - lhs, "activations": [str(a) for a in acts]}
    if d.outcome == "nonzero":
        return Outcome.fails({"loss": loss_name, "K": k_dim, "T": t, "seed": seed}, d.margin, note="Jensen violated", **stats)
    if d.outcome == "band":
        return Outcome.band(**stats)
    return Outcome.holds(d.margin, **stats)


@claim(
    "jiang.cor1",
    title="Corollary 1: Q(f) is a convex functional on L1(U^K)",
    source=f"{PAPER}, Corollary 1 (section 3.1)",
    statement="For a convex loss, Q(lambda f1 + (1 - lambda) f2) <= lambda Q(f1) + (1 - lambda) Q(f2) for f1, f2 in L1(U^K).",
    hypotheses=("every loss in the registry", "f1, f2 network functions (random two-layer networks)"),
)
def check_cor1(ctx: Context) -> Result:
    @st.composite
    def examples(draw):
        return draw(st.sampled_from(losses.names())), draw(st.integers(1, 2)), draw(st.integers(1, 8)), draw(seeds())

    res = ctx.search(examples(), lambda ex: cor1_outcome(*ex), label="Jensen on network functions",
                     max_examples=4 * ctx.max_examples)
    return res.result(tried=f"{res.examples} pairs of random two-layer networks (tanh/relu/sigmoid/softplus, output "
                            "scales 0.1/1/10) on T <= 8 points, every loss in the registry")


check_cor1.replayer(lambda p: cor1_outcome(str(p["loss"]), int(p["K"]), int(p["T"]), int(p["seed"])))


# ---------------------------------------------------------------------------------------
# jiang.eq9
# ---------------------------------------------------------------------------------------

EQ9_MODES = {1: (2, 4, 8, 16, 32), 2: (1, 2, 4, 8)}


def eq9_outcome(act: str, k_dim: int, m: int, x: np.ndarray, seed: int) -> Outcome:
    """Eq. (9) discrepancy as the box grows; it must shrink (last <= first / 2)."""
    rng = np.random.default_rng(seed)
    net = JiangNet(k_dim, m, act)
    w = net.init(rng, scale=2.0)
    y = rng.normal(size=x.shape[0])
    curve, trunc = [], []
    for nn in EQ9_MODES[k_dim]:
        e = _disp.eq9(net.f, w, x, y, (nn,) * k_dim, _grid_for(k_dim))
        curve.append(float(e.discrepancy))
        trunc.append(float(e.truncation))
    big_n = [(2 * nn + 1) ** k_dim for nn in EQ9_MODES[k_dim]]
    first, last = curve[0], curve[-1]
    stats = {"activation": act, "K": k_dim, "m": m, "T": x.shape[0], "N": big_n, "discrepancy": curve,
             "truncation": trunc, "on_faces": bool(np.any((x == 0) | (x == 1)))}
    payload = {"activation": act, "K": k_dim, "m": m, "x": x.tolist(), "seed": seed}
    # trend criterion (not a tolerance decision): over a 13x (K = 1) / 32x (K = 2) range of N the
    # discrepancy must at least halve; it 'does not shrink' if it keeps >= 90% of its value.
    if last <= max(first / 2, tolerance.ZERO * tolerance.BAND):
        return Outcome.holds(math.log10(max(first / 2, 1e-300) / max(last, 1e-300)) if last > 0 else math.inf, **stats)
    if last >= 0.9 * first and last >= 1e-3:
        return Outcome.fails(payload, math.log10(last / 1e-3),
                             note=(f"discrepancy {first:.3g} at N = {big_n[0]} and still {last:.3g} at N = {big_n[-1]}"
                                   + (" (a data point lies on a face of the cube)" if stats["on_faces"] else "")),
                             **stats)
    return Outcome.band(note="the discrepancy decreases, but by less than a factor 2", **stats)


def _eq9(ctx: Context, *, closed: bool) -> Result:
    @st.composite
    def examples(draw):
        x = draw(_cube(max_t=6, closed=closed))
        if not closed:
            x = 0.05 + 0.9 * x  # strictly inside the cube
        return draw(st.sampled_from(["tanh", "softplus", "sigmoid"])), x.shape[1], draw(st.integers(1, 4)), x, draw(seeds())

    res = ctx.search(examples(), lambda ex: eq9_outcome(*ex), label="eq. 9 vs N",
                     max_examples=max(6, ctx.max_examples // 2))
    series = {}
    for i, o in enumerate(res.outcomes[:8]):
        series[f"#{i} K={o.stats['K']} {o.stats['activation']}{' face' if o.stats['on_faces'] else ''}"] = {
            "x": o.stats["N"], "y": o.stats["discrepancy"]}
    fig = {"kind": "line", "title": "eq. (9): |grad_w Q - H grad_theta Q| / max(|.|) against N", "xlabel": "N",
           "ylabel": "relative discrepancy", "logx": True, "logy": True, "series": series}
    return res.result(statistics={"curves": [{k: o.stats[k] for k in ("N", "discrepancy", "truncation", "on_faces")}
                                             for o in res.outcomes]},
                      tried=(f"{res.examples} (network, data) pairs: smooth two-layer networks (tanh, softplus, "
                             f"sigmoid; width <= 4; hyperplanes through the cube), T <= 6 points "
                             f"{'in the closed cube' if closed else 'in [0.05, 0.95]^K'}, boxes "
                             f"{EQ9_MODES[1]} (K = 1) / {EQ9_MODES[2]} (K = 2), trapezoid FFT grids 512 / 64^2"),
                      figures=[fig])


@claim(
    "jiang.eq9",
    title="Eq. (9): grad_w Q = H(w) grad_theta Q up to a truncation error that vanishes as N grows",
    source=f"{PAPER}, eq. (8)-(9) and section 3.2 ('the residual error term may be ignored ... large enough N')",
    statement=("For a network on U^K = [0,1]^K and data D_T in U^K, the discrepancy between grad_w Q(f_w) and "
               "H(w) grad_theta Q shrinks as the number N of Fourier modes grows."),
    hypotheses=("smooth two-layer networks", "data in the closed cube [0,1]^K", "squared loss"),
    paper="supported",
    expected="refuted",
    why=("Networks are not periodic: at a data point on a face of the cube the truncated Fourier series converges "
         "to the average (f(0) + f(1))/2, not to f, so the discrepancy stays O(1) for every N."),
)
def check_eq9(ctx: Context) -> Result:
    return _eq9(ctx, closed=True)


@claim(
    "jiang.eq9.interior",
    title="Eq. (9) with data strictly inside the cube",
    source=f"{PAPER}, eq. (8)-(9), data in [0.05, 0.95]^K",
    statement="As jiang.eq9 with every data point at distance >= 0.05 from the faces of the cube.",
    hypotheses=("smooth two-layer networks", "data in [0.05, 0.95]^K", "squared loss"),
)
def check_eq9_interior(ctx: Context) -> Result:
    r = _eq9(ctx, closed=False)
    r.notes.append("Convergence is slow (the derivatives of a non-periodic network have Fourier coefficients "
                   "decaying like 1/k): the truncation energy is reported next to each curve.")
    return r


def _replay_eq9(p: dict) -> Outcome:
    return eq9_outcome(str(p["activation"]), int(p["K"]), int(p["m"]), np.asarray(p["x"], dtype=float), int(p["seed"]))


check_eq9.replayer(_replay_eq9)
check_eq9_interior.replayer(_replay_eq9)


# ---------------------------------------------------------------------------------------
# jiang.dead_neurons and jiang.duplicate_neurons
# ---------------------------------------------------------------------------------------

def _squared_loss_fn(net: JiangNet, x: np.ndarray, y: np.ndarray):
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)
    return lambda v: ((net.f(v, xt) - yt) ** 2).sum()


def dead_outcome(k_dim: int, m: int, n_dead: int, seed: int, steps: int) -> Outcome:
    """Dead ReLU neurons: zero rows of H(w) (exactly), zero gradients, unchanged by GD."""
    rng = np.random.default_rng(seed)
    net = JiangNet(k_dim, m, "relu")
    w = net.init(rng, scale=2.0).numpy()
    dead_w = net.init(rng, scale=2.0, dead=True).numpy()
    dead = list(range(n_dead))
    for j in dead:
        rows = net.neuron_rows(j)
        w[rows[:-1]] = dead_w[rows[:-1]]
    w = torch.as_tensor(w)
    n = (4,) * k_dim
    h = _disp.disparity(net.f, w, n, _grid_for(k_dim))
    dead_rows = [r for j in dead for r in net.neuron_rows(j)]
    zero_rows = float(np.max(h.row_norms[dead_rows])) if dead_rows else 0.0
    x = rng.random((6, k_dim))
    y = rng.normal(size=6)
    lossf = _squared_loss_fn(net, x, y)
    run = _train.gradient_descent(lossf, w, lr=1e-2, steps=steps, stride=max(1, steps // 10))
    moved = float(torch.max(torch.abs(run.w[dead_rows] - w[dead_rows]))) if dead_rows else 0.0
    grid = torch.as_tensor(np.random.default_rng(0).random((2000, k_dim)))
    pre = net._net.unflatten(run.w)[0] @ torch.cat([grid.T, torch.ones(1, grid.shape[0], dtype=torch.float64)])
    still_dead = bool(torch.all(pre[dead] < 0)) if dead else True
    stats = {"K": k_dim, "m": m, "dead": n_dead, "max_dead_row_norm": zero_rows, "max_param_change": moved,
             "still_dead_after_gd": still_dead, "loss_start": run.losses[0], "loss_end": run.losses[-1],
             "rank": h.rank().rank, "N": h.N, "M": h.M}
    if zero_rows == 0.0 and moved == 0.0 and still_dead:
        return Outcome.holds(math.inf, **stats)
    return Outcome.fails({"K": k_dim, "m": m, "dead": n_dead, "seed": seed, "steps": steps}, math.inf,
                         note="a dead neuron has a non-zero row or moved under GD", **stats)


@claim(
    "jiang.dead_neurons",
    title="Dead neurons give zero rows of H(w) and stay dead under gradient descent",
    source=f"{PAPER}, section 3.3.1",
    statement=("A ReLU neuron that is off on the whole cube gives zero rows of H(w) for all its weights, "
               "zero gradients, and stays dead under gradient descent."),
    hypotheses=("ReLU two-layer networks", "neurons with pre-activation < 0 on [0,1]^K"),
)
def check_dead(ctx: Context) -> Result:
    @st.composite
    def examples(draw):
        m = draw(st.integers(2, 6))
        return draw(st.integers(1, 2)), m, draw(st.integers(1, m)), draw(seeds())

    steps = 50 * ctx.draws
    res = ctx.search(examples(), lambda ex: dead_outcome(*ex, steps=steps), label="dead neurons",
                     max_examples=max(4, ctx.max_examples // 2))
    return res.result(tried=(f"{res.examples} ReLU networks (K <= 2, width <= 6) with 1..m dead neurons; H(w) on a "
                             f"box of 9^K modes; {steps} GD steps (lr 1e-2) on 6 random points; deadness re-checked on "
                             "2000 points of the cube"))


check_dead.replayer(lambda p: dead_outcome(int(p["K"]), int(p["m"]), int(p["dead"]), int(p["seed"]), int(p["steps"])))


def duplicate_outcome(m: int, nn: int, seed: int, steps: int) -> Outcome | None:
    """Duplicated tanh neurons (K = 1): equal rows, rank drop vs a generic network, duplicates persist under GD.

    Returns None when the hypothesis 'the generic network's H has full rank min(M, N)' is not
    met clearly by the tolerance policy (the example is then not counted).
    """
    k_dim = 1
    rng = np.random.default_rng(seed)
    net = JiangNet(k_dim, m, "tanh")
    generic = net.init(rng, scale=16.0).numpy()  # steep neurons: H is far better conditioned
    dup = generic.copy()
    r0, r1 = net.neuron_rows(0), net.neuron_rows(1)
    dup[r1] = dup[r0]
    n = (nn,)
    hg = _disp.disparity(net.f, torch.as_tensor(generic), n, _grid_for(k_dim))
    hd = _disp.disparity(net.f, torch.as_tensor(dup), n, _grid_for(k_dim))
    rows_equal = float(np.max(np.abs(hd.real[r0] - hd.real[r1])) / max(float(np.max(np.abs(hd.real))), 1e-300))
    rg, rd = hg.rank(target=min(hg.M, hg.N)), hd.rank(target=min(hd.M, hd.N))
    lost = k_dim + 2
    x = rng.random((5, k_dim))
    y = rng.normal(size=5)
    run = _train.gradient_descent(_squared_loss_fn(net, x, y), torch.as_tensor(dup), lr=1e-2, steps=steps,
                                  stride=max(1, steps // 10))
    drift = float(torch.max(torch.abs(run.w[r0] - run.w[r1])))
    stats = {"m": m, "M": hg.M, "N": hg.N, "rank_generic": rg.rank, "rank_duplicated": rd.rank,
             "s_generic": rg.s_normalised, "s_duplicated_target": rd.s_normalised, "rows_equal_rel": rows_equal,
             "drift_after_gd": drift, "lost_dof": lost, "regime": "M <= N" if hg.M <= hg.N else "M > N"}
    payload = {"m": m, "n": nn, "seed": seed, "steps": steps}
    expected_rank = min(rg.rank, hg.M - lost) if rg.full else None
    if rg.full is not True:
        return None  # hypothesis not met: the generic rows are not clearly independent
    if rd.decision.outcome == "band":
        return Outcome.band(note="rank of the duplicated network in the tolerance band", **stats)
    if rows_equal > tolerance.ZERO or drift > 0.0 or rd.rank != expected_rank:
        return Outcome.fails(payload, math.inf, note=(f"rank {rg.rank} -> {rd.rank} (expected {expected_rank}); rows "
                                                      f"equal to {rows_equal:.2g}; drift {drift:.2g}"), **stats)
    if rg.rank - rd.rank != lost:
        return Outcome.fails(payload, rd.decision.margin,
                             note=(f"duplicating a neuron loses {lost} degrees of freedom but the rank drops by "
                                   f"{rg.rank - rd.rank} (M = {hg.M}, N = {hg.N})"), **stats)
    return Outcome.holds(min(rg.decision.margin, rd.decision.margin), **stats)


def _dup(ctx: Context, regime: str) -> Result:
    @st.composite
    def examples(draw):
        m = draw(st.integers(2, 4))
        big_m = 3 * m
        if regime == "under":  # M <= N: the rows of a generic network are independent
            nn = draw(st.integers((big_m - 1) // 2 + 1, 12))
        else:  # M >= N + lost dof: the paper's over-parameterised regime
            nn = draw(st.integers(1, max(1, (big_m - 3 - 1) // 2)))
        return m, nn, draw(seeds())

    steps = 50 * ctx.draws
    skipped = []

    def fn(ex):
        o = duplicate_outcome(*ex, steps=steps)
        if o is None:
            skipped.append(ex)
            reject()
        return o

    res = ctx.search(examples(), fn, label=f"duplicates ({regime})", max_examples=max(4, ctx.max_examples // 2))
    return res.result(statistics={"skipped_generic_not_full_rank": len(skipped)},
                      tried=(f"{res.examples} tanh networks (K = 1, width 2..4, hyperplanes through the cube, weight "
                             f"scale 16) with neuron 1 a copy of neuron 0 (w, b, a); rank of H against the generic "
                             f"network ({len(skipped)} draws skipped: generic H not clearly of full rank); {steps} GD "
                             "steps"))


@claim(
    "jiang.duplicate_neurons",
    title="Duplicated neurons give equal rows, lower the rank by the lost degrees of freedom, and stay duplicated",
    source=f"{PAPER}, section 3.3.2",
    statement=("Two neurons with identical input and output weights give equal rows of H(w); the rank drops by the "
               "degrees of freedom lost (K + 2); gradient descent keeps them duplicated."),
    hypotheses=("tanh two-layer networks, K = 1", "M <= N (the rows of a generic network are independent)"),
)
def check_dup(ctx: Context) -> Result:
    return _dup(ctx, "under")


@claim(
    "jiang.duplicate_neurons.overparameterized",
    title="Duplicated neurons lower the rank of H(w) also when M >= N",
    source=f"{PAPER}, section 3.3.2 ('The rows of H(w) corresponding to duplicated neurons are the same so that its rank is reduced')",
    statement="In the paper's regime M >= N (here M >= N + K + 2), duplicating a neuron reduces the rank of H(w).",
    hypotheses=("tanh two-layer networks, K = 1", "M >= N + K + 2"),
    paper="supported",
    expected="refuted",
    why=("Equal rows remove K + 2 rows from the row space, but when M - (K + 2) >= N the remaining rows can still span "
         "all N columns: the rank stays N. Duplicates only cost rank when the rows were needed."),
)
def check_dup_over(ctx: Context) -> Result:
    return _dup(ctx, "over")


def _replay_dup(p: dict) -> Outcome:
    o = duplicate_outcome(int(p["m"]), int(p["n"]), int(p["seed"]), int(p["steps"]))
    return o if o is not None else Outcome.band(note="generic H no longer clearly of full rank")


check_dup.replayer(_replay_dup)
check_dup_over.replayer(_replay_dup)


# ---------------------------------------------------------------------------------------
# jiang.random_init_full_rank (+ .dead_init)
# ---------------------------------------------------------------------------------------

def _homogeneity_residual(net: JiangNet, w: np.ndarray, h: np.ndarray) -> float:
    """max_j |w_j . H[w_j] + b_j H[b_j] - a_j H[a_j]| / max|H|: zero for ReLU (positive homogeneity)."""
    worst = 0.0
    scale = max(float(np.max(np.abs(h))), 1e-300)
    for j in range(net.m):
        rows = net.neuron_rows(j)
        comb = sum(w[r] * h[r] for r in rows[:-1]) - w[rows[-1]] * h[rows[-1]]
        worst = max(worst, float(np.max(np.abs(comb))) / scale)
    return worst


def init_rank_outcome(act: str, k_dim: int, m: int, nn: int, seed: int, draws: int, dead: bool = False) -> Outcome:
    """rank H(w) = N for random inits (M >= N)?  A deficiency is certified only structurally."""
    rng = np.random.default_rng(seed)
    net = JiangNet(k_dim, m, act)
    n = (nn,) * k_dim
    smins, margins = [], []
    for _ in range(draws):
        w = net.init(rng, scale=4.0, dead=dead and bool(rng.random() < 0.5)) if not dead else \
            _dead_prone(net, rng)
        h = _disp.disparity(net.f, w, n, _grid_for(k_dim))
        hr = h.real
        d = tolerance.rank(hr, target=h.N)
        smins.append(d.s_normalised)
        if d.full is True:
            margins.append(d.decision.margin)
            continue
        wn = w.numpy()
        zero_rows = int(np.sum(h.row_norms == 0.0))
        bound, why = h.M - zero_rows, f"{zero_rows} exactly zero rows"
        if act == "relu":
            res = _homogeneity_residual(net, wn, hr)
            live = [j for j in range(m) if any(h.row_norms[r] > 0 for r in net.neuron_rows(j))]
            if res <= tolerance.ZERO:
                bound = h.M - zero_rows - len(live)
                why = (f"{zero_rows} zero rows and {len(live)} exact relations w.dH/dw + b dH/db - a dH/da = 0 "
                       f"(ReLU is positively homogeneous; residual {res:.1e})")
        stats = {"activation": act, "K": k_dim, "m": m, "M": h.M, "N": h.N, "s_min": smins, "rank": d.rank,
                 "rank_bound": bound, "why": why}
        if d.full is False and bound < h.N:
            return Outcome.fails({"activation": act, "K": k_dim, "m": m, "n": nn, "seed": seed, "draws": draws,
                                  "dead": dead}, d.decision.margin,
                                 note=f"M = {h.M} >= N = {h.N} but rank H <= {bound} < N: {why}", **stats)
        return Outcome.band(note="rank H below N numerically, without a structural certificate "
                                 "(H comes from a float64 FFT: ill-conditioning cannot be excluded)", **stats)
    return Outcome.holds(min(margins), activation=act, K=k_dim, m=m, M=net.M, N=(2 * nn + 1) ** k_dim, s_min=smins)


def _dead_prone(net: JiangNet, rng: np.random.Generator) -> torch.Tensor:
    """Biases N(-2, 1) with small weights: many ReLU neurons off on the whole cube."""
    w = rng.normal(size=(net.m, net.K)) * 0.5
    b = rng.normal(-2.0, 1.0, size=net.m)
    a = rng.normal(size=net.m)
    return torch.as_tensor(np.concatenate([np.hstack([w, b[:, None]]).reshape(-1), a]))


def _init_rank(ctx: Context, acts: list[str], dead: bool) -> Result:
    @st.composite
    def examples(draw):
        k_dim = draw(st.integers(1, 2))
        m = draw(st.integers(1, 8))
        big_m = m * (k_dim + 2)
        max_n = max(0, int(((big_m ** (1 / k_dim)) - 1) // 2))
        nn = draw(st.integers(min(1, max_n), max_n))
        return draw(st.sampled_from(acts)), k_dim, m, nn, draw(seeds())

    res = ctx.search(examples(), lambda ex: init_rank_outcome(*ex, draws=ctx.draws, dead=dead), label="H at init",
                     max_examples=2 * ctx.max_examples)
    by = {}
    for o in res.outcomes:
        by.setdefault(o.stats.get("activation", "?"), []).extend(
            math.log10(max(v, 1e-300)) for v in o.stats.get("s_min", []))
    fig = {"kind": "hist", "title": "log10 smallest normalised singular value of H(w) at initialisation",
           "xlabel": "log10(s_N / s_1)", "ylabel": "initialisations", "data": by,
           "vlines": {"zero tolerance": math.log10(tolerance.ZERO)}}
    return res.result(statistics={"s_min_quantiles": {a: {"min": min(v), "median": float(np.median(v))}
                                                      for a, v in by.items() if v}},
                      tried=(f"{res.examples} architectures (K <= 2, width <= 8, the largest box with N <= M) x "
                             f"{ctx.draws} initialisations "
                             f"{'with dead-prone biases N(-2, 1)' if dead else 'with hyperplanes through the cube'}"),
                      figures=[fig])


@claim(
    "jiang.random_init_full_rank",
    title="Random initialisation with hyperplanes through the cube gives a full-rank H(w) (M >= N)",
    source=f"{PAPER}, section 3.3.3",
    statement=("If M >= N and the initial model is random with every neuron's hyperplane intersecting the input "
               "cube, the disparity matrix H(w(0)) is non-singular (rank N) with probability one."),
    hypotheses=("two-layer ReLU and tanh networks, K = 1, 2", "M >= N", "b_j = -w_j . c_j, c_j uniform in the cube"),
    paper="supported",
    expected="refuted",
    why=("ReLU is positively homogeneous: for every neuron, w_j.dH/dw_j + b_j dH/db_j - a_j dH/da_j = 0 exactly, so "
         "rank H <= M - m for every weight: N <= M is not enough, H is singular whenever N > M - m."),
)
def check_init_rank(ctx: Context) -> Result:
    r = _init_rank(ctx, ["relu", "tanh"], False)
    r.notes.append("For tanh, H is often numerically singular (s_N/s_1 below 1e-10) when N is large: the Fourier "
                   "coefficients of smooth functions decay exponentially. Such cases count as inconclusive, "
                   "never as refutations: only structural deficiencies are certified.")
    return r


@claim(
    "jiang.random_init_full_rank.dead_init",
    title="Full rank of H(w) with an initialisation that makes dead ReLU neurons likely",
    source=f"{PAPER}, sections 3.3.1 and 3.3.3",
    statement="With biases N(-2, 1) and small weights (many ReLU neurons off on the cube), H(w(0)) still has rank N.",
    hypotheses=("two-layer ReLU networks", "M >= N", "dead-prone initialisation"),
    paper="refuted",
    expected="refuted",
)
def check_init_rank_dead(ctx: Context) -> Result:
    return _init_rank(ctx, ["relu"], True)


def _replay_init(p: dict) -> Outcome:
    return init_rank_outcome(str(p["activation"]), int(p["K"]), int(p["m"]), int(p["n"]), int(p["seed"]),
                             int(p["draws"]), bool(p["dead"]))


check_init_rank.replayer(_replay_init)
check_init_rank_dead.replayer(_replay_init)


# ---------------------------------------------------------------------------------------
# Fixtures: Jiang stationary points (a split neuron), and jiang.lemma1 / jiang.thm2
# ---------------------------------------------------------------------------------------

from .. import fixtures as _fixtures  # noqa: E402


def split_stationary_point(x: np.ndarray, y: np.ndarray, act: str = "tanh", starts: int = 8):
    """Best one-neuron fit (L-BFGS from several starts), split into two half-neurons.

    Splitting (w, b, a) into (w, b, a/2) twice is a stationary point of the two-neuron
    loss whenever the one-neuron point is stationary (the gradients scale by 1/2).
    Returns (weights of the 2-neuron net as MLP weights, its loss, the best 2-neuron loss found).
    """
    one = JiangNet(1, 1, act)
    lf1 = _squared_loss_fn(one, x, y)
    rng = np.random.default_rng(1234)
    best = None
    for _ in range(starts):
        run = _train.minimise(lf1, one.init(rng, scale=4.0))
        if best is None or run.losses[0] < best.losses[0]:
            best = run
    w1 = _train.newton_polish(lf1, best.w).numpy()
    wb, a = w1[:2], w1[2]
    two = JiangNet(1, 2, act)
    w2 = np.concatenate([wb, wb, [a / 2, a / 2]])
    lf2 = _squared_loss_fn(two, x, y)
    lower = min(_train.minimise(lf2, two.init(rng, scale=4.0)).losses[0] for _ in range(starts))
    weights = [w2[:4].reshape(2, 2), w2[4:].reshape(1, 2)]
    return weights, float(lf2(torch.as_tensor(w2))), float(lower)


@_fixtures.builder("jiang.split")
def split_fixtures() -> list[_fixtures.Fixture]:
    """Two-neuron tanh stationary points built by splitting the best one-neuron fit of non-monotone data."""
    out = []
    for i, (xs, ys) in enumerate([((0.2, 0.5, 0.8), (1.0, -1.0, 1.0)), ((0.1, 0.4, 0.9), (-0.5, 1.0, -1.0))]):
        x, y = np.array(xs)[:, None], np.array(ys)
        weights, loss, lower = split_stationary_point(x, y)
        out.append(_fixtures.Fixture(
            id=f"jiang.split[{i}]", source="jiang.lemma1 (split construction)", kind="stationary",
            spec=MLPSpec(1, (2,), 1, "tanh", True), weights=weights, x=x.T, y=y[None, :],
            facts={"loss": loss, "lower_loss_witness": lower, "stationary": True}))
    return out


def _net_fn(spec: MLPSpec):
    net = MLP(spec, [np.zeros(s) for s in spec.shapes()])
    return lambda v, x: net.forward_flat(v, x.T)[0]


def lemma1_fixture_outcome(fx: _fixtures.Fixture) -> Outcome | None:
    """Jiang Lemma 1 on a fixture: stationary + full-rank H(w*) (M >= N >= T) must mean global minimum."""
    k_dim = fx.spec.d0
    big_m = fx.spec.n_params()
    t = fx.n_samples
    boxes = [v for v in range(0, 40) if t <= (2 * v + 1) ** k_dim <= big_m]
    if not boxes:
        return None  # no box with T <= N <= M: hypotheses not met
    f = _net_fn(fx.spec)
    w = fx.flat()
    # the lemma holds for every admissible canonical space: use the first box where H has full rank
    for nn in boxes:
        h = _disp.disparity(f, w, (nn,) * k_dim, _grid_for(k_dim))
        rk = tolerance.rank(h.real, target=h.N)
        if rk.full is not False:
            break
    lossf = fx.loss_fn()
    from ..certify import gradient_norm

    l0 = float(lossf(w))
    g = gradient_norm(lossf, w)
    stat = tolerance.classify(g / max(1.0, math.sqrt(l0)) / max(1.0, float(w.abs().max())))
    lower = fx.facts.get("lower_loss_witness", fx.facts.get("global_inf"))
    gap = tolerance.classify((l0 - lower) / l0) if lower is not None and l0 > 0 else tolerance.classify(0.0)
    stats = {"fixture": fx.id, "source": fx.source, "M": big_m, "N": h.N, "T": t, "rank": rk.rank,
             "s_N": rk.s_normalised, "gradient_norm": g, "loss": l0, "lower_loss": lower,
             "truncation": h.truncation}
    payload = {"fixture": fx.id}
    if stat.outcome == "zero" and rk.full is True and gap.outcome == "nonzero":
        return Outcome.fails(payload, min(stat.margin, rk.decision.margin, gap.margin),
                             note=(f"{fx.id}: stationary (|grad| = {g:.1e}), M = {big_m} >= N = {h.N} >= T = {t}, "
                                   f"rank H = N (s_N/s_1 = {rk.s_normalised:.2e}), yet loss {l0:.4g} > {lower:.4g} "
                                   f"(a lower point exists); truncation energy of df/dw outside the box "
                                   f"{h.truncation:.2g}"), **stats)
    if stat.outcome == "band" or rk.full is None or gap.outcome == "band":
        return Outcome.band(**stats)
    return Outcome.holds(min(stat.margin, rk.decision.margin, gap.margin), **stats)


def _lemma1_fixtures() -> list[_fixtures.Fixture]:
    return _fixtures.matching(lambda f: f.spec.depth == 1 and f.spec.d_out == 1 and f.spec.d0 <= 2
                              and f.in_unit_cube() and f.loss == "squared" and f.facts.get("stationary"))


@claim(
    "jiang.lemma1",
    title="Lemma 1: a stationary point with full-rank H(w*) (M >= N) is a global minimum",
    source=f"{PAPER}, Lemma 1 (section 3.2)",
    statement=("If M >= N, w* is a stationary point of Q(f_w | D_T) and H(w*) has full rank, then w* is a global "
               "minimum of Q(f_w | D_T)."),
    hypotheses=("every stationary point in the fixture library with data in [0,1]^K (cross-examination)",
                "M >= N >= T", "squared loss"),
    paper="supported",
    expected="refuted",
    why=("The proof needs eq. (9) exactly and then concludes grad_theta Q = 0; but eq. (9) holds only up to the "
         "truncation of df/dw, and nothing bounds that error at small N. Two fixtures violate the lemma: Li-Ding-Sun's "
         "Prop. 1 bad minimum (N = 1, rank 1) and a split-neuron stationary point of a tanh network (N = 3)."),
)
def check_jiang_lemma1(ctx: Context) -> Result:
    outs, skipped = [], []
    for fx in _lemma1_fixtures():
        o = lemma1_fixture_outcome(fx)
        (skipped.append(fx.id) if o is None else outs.append(o))
    fails = [o for o in outs if o.status == "fails"]
    ordered = fails + [o for o in outs if o.status != "fails"]
    return merge([], extra=ordered,
                 statistics={"fixtures": [o.stats for o in outs], "skipped_hypotheses_unmet": skipped},
                 tried=(f"{len(outs)} fixtures (stationary points and bad minima built by this and other claims) with "
                        "data in the cube; for each the largest box with T <= N <= M, H(w*) by FFT, the gradient, and "
                        "the best lower loss known"))


@check_jiang_lemma1.replayer
def _replay_jiang_lemma1(p: dict) -> Outcome:
    fx = {f.id: f for f in _fixtures.all_fixtures()}.get(str(p["fixture"]))
    if fx is None:
        raise LandscapeError(f"fixture {p['fixture']!r} is not in the library")
    o = lemma1_fixture_outcome(fx)
    return o if o is not None else Outcome.band(note="hypotheses no longer met")


# ---------------------------------------------------------------------------------------
# jiang.thm2: gradient descent with H(w_k) of full rank reaches zero loss
# ---------------------------------------------------------------------------------------

def thm2_run(spec: MLPSpec, w0: torch.Tensor, x: np.ndarray, y: np.ndarray, nn: int, *, steps: int, lr: float,
             label: str, payload: dict) -> Outcome | None:
    """GD from w0 recording the loss and s_N(H(w_k)); None if H loses full rank (hypothesis unmet)."""
    f = _net_fn(spec)
    k_dim = spec.d0
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)

    def lossf(v):
        return ((f(v, xt) - yt) ** 2).sum()

    def probe(v):
        h = _disp.disparity(f, v, (nn,) * k_dim, _grid_for(k_dim))
        return tolerance.rank(h.real, target=h.N)

    run = _train.gradient_descent(lossf, w0, lr=lr, steps=steps, stride=max(1, steps // 20), probe=probe)
    s = [p.s_normalised for p in run.probes]
    full = all(p.full is True for p in run.probes)
    l0, l1 = run.losses[0], run.losses[-1]
    gfin = run.grad_norms[-1] / max(1.0, math.sqrt(l1))
    stats = {"run": label, "steps": run.steps, "losses": run.losses, "s_N": s, "N": (2 * nn + 1) ** k_dim,
             "M": spec.n_params(), "T": x.shape[0], "final_grad_norm": run.grad_norms[-1]}
    if not full:
        return None
    margin = min(p.decision.margin for p in run.probes)
    if l1 <= 1e-8 * max(l0, 1e-300) or l1 <= 1e-12:
        return Outcome.holds(margin, **stats)
    stuck = tolerance.classify(gfin)
    if stuck.outcome == "zero" and l1 > 1e-6 * l0:
        return Outcome.fails(payload, min(margin, stuck.margin),
                             note=(f"{label}: H(w_k) has full rank N = {stats['N']} at every recorded step (min s_N/s_1 "
                                   f"{min(s):.2e}), yet GD is stationary at loss {l1:.4g} (|grad| {run.grad_norms[-1]:.1e})"),
                             **stats)
    return Outcome.band(note=f"{label}: loss {l0:.3g} -> {l1:.3g} in {steps} steps, not yet at zero", **stats)


def thm2_random_outcome(act: str, m: int, t: int, seed: int, steps: int) -> Outcome | None:
    rng = np.random.default_rng(seed)
    net = JiangNet(1, m, act)
    x = (0.1 + 0.8 * rng.random(t))[:, None]
    y = rng.normal(size=t)
    boxes = [v for v in range(0, 40) if t <= 2 * v + 1 <= net.M]
    if not boxes:
        return None
    return thm2_run(net.spec, net.init(rng, scale=4.0), x, y, boxes[0], steps=steps, lr=0.02,
                    label=f"random {act} m={m} T={t}",
                    payload={"kind": "random", "activation": act, "m": m, "T": t, "seed": seed, "steps": steps})


def thm2_fixture_outcome(fx: _fixtures.Fixture, steps: int) -> Outcome | None:
    t = fx.n_samples
    boxes = [v for v in range(0, 40) if t <= (2 * v + 1) ** fx.spec.d0 <= fx.spec.n_params()]
    for nn in boxes:
        o = thm2_run(fx.spec, fx.flat(), fx.x.T, fx.y[0], nn, steps=steps, lr=0.02, label=f"GD from {fx.id}",
                     payload={"kind": "fixture", "fixture": fx.id, "steps": steps})
        if o is not None:
            return o
    return None


@claim(
    "jiang.thm2",
    title="Theorem 2: if H(w_k) keeps full rank along gradient descent, GD reaches zero loss",
    source=f"{PAPER}, Theorem 2 and Algorithm 1 (section 3.2)",
    statement=("With M >= N, if the initial model and step sizes keep H(w_k) of full rank at every GD iterate, GD "
               "converges to a global minimum of zero loss, like convex optimisation."),
    hypotheses=("two-layer tanh / sigmoid networks, K = 1", "M >= N >= T", "full rank of H checked at every 5% of the run",
                "random starts and every fixture with data in the cube (cross-examination)"),
    paper="supported",
    expected="refuted",
    why=("A stationary point with full-rank H (the split-neuron fixture of jiang.lemma1) is a fixed point of GD: H keeps "
         "full rank at every iterate and the loss never moves from its positive value."),
)
def check_thm2(ctx: Context) -> Result:
    steps = 250 * ctx.draws
    rejected = []

    @st.composite
    def examples(draw):
        return draw(st.sampled_from(["tanh", "sigmoid"])), draw(st.integers(1, 6)), draw(st.integers(1, 4)), draw(seeds())

    def fn(ex):
        o = thm2_random_outcome(*ex, steps=steps)
        if o is None:
            rejected.append(ex)
            reject()
        return o

    res = ctx.search(examples(), fn, label="GD from random starts", max_examples=max(4, ctx.max_examples // 2),
                     shrink=False)
    fx_outs = [o for o in (thm2_fixture_outcome(fx, steps) for fx in _lemma1_fixtures()) if o is not None]
    series = {}
    for o in (res.outcomes + fx_outs)[:10]:
        series[o.stats["run"] + " loss"] = {"x": o.stats["steps"], "y": [max(v, 1e-300) for v in o.stats["losses"]]}
    fig1 = {"kind": "line", "title": "Loss along gradient descent", "xlabel": "step", "ylabel": "loss", "logy": True,
            "series": series}
    fig2 = {"kind": "line", "title": "s_N / s_1 of H(w_k) along gradient descent (full rank above 1e-7)",
            "xlabel": "step", "ylabel": "s_N / s_1", "logy": True,
            "series": {o.stats["run"]: {"x": o.stats["steps"], "y": [max(v, 1e-300) for v in o.stats["s_N"]]}
                       for o in (res.outcomes + fx_outs)[:10]}}
    fails = [o for o in fx_outs if o.status == "fails"]
    return merge([res], extra=fails + [o for o in fx_outs if o.status != "fails"],
                 statistics={"random_runs_rejected_rank_lost": len(rejected),
                             "fixture_runs": [{k: o.stats[k] for k in ("run", "N", "M", "T")} | {"status": o.status}
                                              for o in fx_outs]},
                 tried=(f"{res.examples} GD runs from random starts (hyperplanes through the cube; lr 0.02, {steps} "
                        f"steps; {len(rejected)} runs discarded because H lost full rank) and {len(fx_outs)} runs from "
                        "fixtures"), figures=[fig1, fig2])


@check_thm2.replayer
def _replay_thm2(p: dict) -> Outcome:
    if p.get("kind") == "fixture":
        fx = {f.id: f for f in _fixtures.all_fixtures()}.get(str(p["fixture"]))
        if fx is None:
            raise LandscapeError(f"fixture {p['fixture']!r} is not in the library")
        o = thm2_fixture_outcome(fx, int(p["steps"]))
    else:
        o = thm2_random_outcome(str(p["activation"]), int(p["m"]), int(p["T"]), int(p["seed"]), int(p["steps"]))
    return o if o is not None else Outcome.band(note="H no longer keeps full rank")
