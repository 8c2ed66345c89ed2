"""Proposition 1 (section 3.3): the non-strict bad local minimum -- the constructions, and its fixtures."""

from __future__ import annotations

import math

import numpy as np
import sympy as sp
import torch
from hypothesis import strategies as st

from landscape._lib import payload as _p
from landscape._core.context import Context, merge, Outcome, Result
from landscape._core.registry import claim
from landscape._lib import activations, certify, symbolic, tolerance
from landscape._lib import prose
from landscape._lib.networks.mlp import MLP, MLPSpec, squared_loss
from landscape._lib.strategies import seeds
from landscape.claims.lds._common import assumption2, count_by, PAPER

# ---------------------------------------------------------------------------------------
# lds.prop1: the non-strict bad local minimum, and its variants
# ---------------------------------------------------------------------------------------

#: Fractions of the guaranteed radius R (see :func:`prop1_radius`) of the certificate's sphere samples and
#: flat probes; the ball attack runs at R / 2, the escape test from R / 20.
PROP1_SPHERES = (0.5, 5e-2, 5e-3)
#: Fractions of R of the equal-loss points approaching the minimum (non-strictness as a sequence).
PROP1_SEQUENCE = (1e-1, 1e-2, 1e-3, 1e-4)


def sup_derivative(act: str) -> float:
    """max |sigma'| on [-8, 8] (a 16,001-point grid, x 1.05): sets the sampling radii of the 2-layer construction."""
    g = torch.linspace(-8, 8, 16001, dtype=torch.float64, requires_grad=True)
    (d,) = torch.autograd.grad(activations.get(act)(g).sum(), g)
    return 1.05 * float(d.abs().max())


def _fit_witness(spec: MLPSpec, x: np.ndarray, y: np.ndarray, rng: np.random.Generator,
                 tries: int = 4) -> tuple[float, list[np.ndarray]]:
    """The lowest loss of ``tries`` networks with random hidden layers and the least-squares output layer.

    With d_H >= N and T_H of full rank the fit is exact (loss ~ 0: inf E = 0 is attained up to round-off).
    """
    best = (math.inf, None)
    lossf = squared_loss(spec, x, y)
    for _ in range(tries):
        drawn = MLP.random(spec, rng, scale="unit").weights_numpy()
        for sign in (1.0, -1.0):  # both signs of the first layer (a ReLU unit is dead for one of them on 1-d data)
            ws = [sign * drawn[0], *drawn[1:]]
            th = MLP(spec, ws).hidden(x)[-1].numpy()
            if not np.all(np.isfinite(th)):
                continue
            ws[-1] = np.asarray(y) @ np.linalg.pinv(th)
            lv = float(lossf(MLP(spec, ws).flat()))
            if math.isfinite(lv) and lv < best[0]:
                best = (lv, ws)
    return best


def certify_construction(spec: MLPSpec, weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, radius: float,
                         rng: np.random.Generator, samples: int, *, payload: dict, label: str,
                         require_zero_inf: bool) -> Outcome:
    """Certify a Proposition 1 point as a non-strict bad local minimum with :func:`certify.certify_minimum`.

    ``radius`` R: the radius of the ball in which the construction's argument holds (every
    pre-activation of the zero layer stays within delta of its zero, every output weight keeps
    its sign).  Decisions (tolerance policy, margins kept):

    Criticality is the construction's, proved by exact structure (sigma(t) = sigma'(t) = 0 at the zeros,
    :func:`landscape._lib.symbolic.zero_family_proof`), not re-decided on the float64 point
    (``certify_point=False``): data ``x_i = t_i / s`` rounded to float64 put ``s x_i`` within 1e-16 of the
    zeros, which tilts the plateau by ~1e-32 -- at 60 digits the rounded point is not critical (the
    ladder of :func:`landscape._lib.certify.certify_critical` sees the drift), while the exact
    construction is.

    * the certificate (gradient, Hessian spectrum, ``samples`` sphere samples at
      :data:`PROP1_SPHERES` x R, a ball attack at R / 2, flat probes, an escape test from R / 20;
      local radius R / 2; the output-weight direction offered as a flat-direction candidate): its
      kind must be ``non-strict``;
    * the loss equals ``sum y^2`` (all outputs are 0 at the point);
    * non-strict as a sequence: output weights scaled by ``1 + eps`` (same sign) at distances
      :data:`PROP1_SEQUENCE` x R, each with loss equal to the minimum's;
    * bad: a network with random hidden layers and the least-squares output layer -- with
      ``d_H >= N`` its loss is ~0 (inf E = 0 attained, ``require_zero_inf``), otherwise it must
      at least be clearly lower.
    """
    lossf = squared_loss(spec, x, y)
    w = MLP(spec, weights).flat()
    sy2 = float(np.sum(np.asarray(y) ** 2))
    act = activations.get(spec.activation)
    radii = [f * radius for f in PROP1_SPHERES]
    n_out = spec.d_out * spec.d_H
    w_out = w[-n_out:]
    plateau = torch.zeros_like(w)  # the paper's flat direction: output weights scaled, signs kept
    plateau[-n_out:] = w_out / float(w_out.norm())
    cert = certify.certify_minimum(lossf, w, rng=rng, radii=radii, samples=samples, attack_starts=2, attack_steps=30,
                                   attack_radii=[radius / 2], escape_deltas=(radius / 20,), escape_starts=1,
                                   escape_steps=20, smooth=act.smooth, local_radius=radius / 2, include_point=False,
                                   max_flat_directions=2, directions=[plateau], certify_point=False)
    l0 = cert.loss
    checks: dict[str, tolerance.Decision] = {"loss_equals_sum_y2": tolerance.equal(l0, sy2)}
    # the sequence of equal-loss points: w_out -> (1 + eps) w_out at distance f R
    seq = []
    for f in PROP1_SEQUENCE:
        v = w.clone()
        v[-n_out:] = w_out * (1 + f * radius / float(w_out.norm()))
        lv = float(lossf(v))
        d = tolerance.equal(lv, l0)
        seq.append({"distance": float((v - w).norm()), "loss": lv, "relative_change": abs(lv - l0) / max(l0, 1e-300),
                    "decision": d.as_dict()})
    checks["equal_loss_sequence"] = max((tolerance.Decision(**s["decision"]) for s in seq),
                                        key=lambda d: (d.outcome != "zero", -d.margin))
    fit_loss, _ = _fit_witness(spec, x, y, rng)
    zero_inf = tolerance.classify(fit_loss / sy2) if math.isfinite(fit_loss) else tolerance.Decision(1.0, "nonzero", 0.0)
    lower = tolerance.classify(max(sy2 - fit_loss, 0.0) / sy2) if math.isfinite(fit_loss) else \
        tolerance.Decision(0.0, "zero", math.inf)
    checks["lower_loss_exists"] = lower
    if require_zero_inf:
        checks["fit_loss_zero"] = zero_inf
    stats = {"construction": label, "activation": spec.activation, "N": int(x.shape[1]), "d": spec.d_H,
             "widths": list(spec.widths), "loss": l0, "sum_y2": sy2, "radius": radius, "radii": radii,
             "certificate": cert.summary(), "equal_loss_sequence": seq, "fit_loss": fit_loss,
             "inf_E_zero_shown": zero_inf.outcome == "zero", "decisions": {k: v.as_dict() for k, v in checks.items()}}
    # a failed decision about the point refutes; a lower-loss witness or zero-loss fit that is not found only leaves
    # 'bad' (or 'inf E = 0') unshown: band, not a refutation
    witnesses = ("lower_loss_exists", "fit_loss_zero")
    bad = [k for k, c in checks.items() if k not in witnesses and c.outcome == "nonzero"]
    if cert.kind in ("strict", "saddle", "not-stationary"):
        return Outcome.fails(payload, cert.margin, note=f"certificate: {cert.kind} ({cert.reason})", **stats)
    if bad:
        return Outcome.fails(payload, min(checks[k].margin for k in bad),
                             note=f"certificate failed: {', '.join(bad)}", **stats)
    undecided = [k for k, c in checks.items() if c.outcome == "band" or (k == "fit_loss_zero" and c.outcome != "zero")
                 or (k == "lower_loss_exists" and c.outcome != "nonzero")]
    if cert.kind == "inconclusive" or undecided:
        return Outcome.band(note=f"undecided: certificate {cert.kind}; {', '.join(undecided)}", **stats)
    return Outcome.holds(min([cert.margin] + [c.margin for c in checks.values()]), **stats)


def prop1_radius(act: str, xs: list[float]) -> float:
    """The radius of the ball around the one-hidden-layer Prop. 1 point where its argument holds:
    ``min(1, delta / max |x_i|)`` (pre-activations ``w1_j x_i`` stay within delta of their zero; the
    output weights, +-1, keep their sign).  delta: ``prop1_delta`` (or the zero families' smallest),
    1 for ReLU (ReLU <= 0 on (-2, 0) around t = -1) and for activations without one."""
    a = activations.get(act)
    deltas = [float(sp.N(f.delta)) for f in a.zero_families]
    delta = float(sp.N(a.prop1_delta)) if a.prop1_delta is not None else (min(deltas) if deltas else 1.0)
    return min(1.0, delta / max(abs(float(v)) for v in xs))


def prop1_certificate(act: str, xs: list[float], ys: list[float], d: int, w1: float,
                      rng: np.random.Generator, samples: int, *, out_sign: float | None = None,
                      require_zero_inf: bool | None = None) -> Outcome:
    """Certify (w1*, w2*) = (w1, ..., w1; s, ..., s), s = ``out_sign`` (default sign y_1), on data ``xs``
    (one input, no bias, ``d`` hidden units) as a non-strict bad local minimum
    (:func:`certify_construction`, radius :func:`prop1_radius`)."""
    x = np.array([xs], dtype=np.float64)
    y = np.array([ys], dtype=np.float64)
    s = float(np.sign(ys[0])) if out_sign is None else float(out_sign)
    spec = MLPSpec(1, (d,), 1, act, False)
    payload = {"activation": act, "x": list(xs), "y": list(ys), "d": d, "w1": w1, "out_sign": s}
    zero_inf = (d >= len(xs)) if require_zero_inf is None else require_zero_inf
    return certify_construction(spec, [np.full((d, 1), w1), np.full((1, d), s)], x, y, prop1_radius(act, xs), rng,
                                samples, payload=payload, label="one hidden layer", require_zero_inf=zero_inf)


def general_certificate(act: str, x: np.ndarray, ys: list[float], weights: list[np.ndarray],
                         rng: np.random.Generator, samples: int) -> Outcome:
    """The two-hidden-layer construction (see :func:`check_prop1_general`) certified on arbitrary data."""
    spec = MLPSpec(x.shape[0], (weights[0].shape[0], weights[1].shape[0]), 1, act, False)
    y = np.array([ys])
    net = MLP(spec, weights)
    t1 = net.hidden(x)[0].numpy()
    lip = sup_derivative(act)
    deltas = [float(sp.N(f.delta)) for f in activations.get(act).zero_families]
    w2n = float(np.max(np.linalg.norm(weights[1], axis=1)))
    bound = max(float(np.linalg.norm(t1[:, i])) + lip * float(np.linalg.norm(x[:, i])) * (1 + w2n)
                for i in range(x.shape[1]))
    radius = min(1.0, min(deltas) / bound)
    payload = {"construction": "two hidden layers", "activation": act, "X": x.tolist(), "y": list(ys),
               "weights": [w.tolist() for w in weights]}
    o = certify_construction(spec, weights, x, y, radius, rng, samples, payload=payload, label="two hidden layers",
                             require_zero_inf=spec.d_H >= x.shape[1])
    o.stats |= {"sup_sigma_prime": lip, "cond_T1": float(np.linalg.cond(t1))}
    return o


def replay_prop1(payload: dict) -> Outcome:
    """Replay a Prop. 1 counterexample payload (the construction's certificate)."""
    act = _p.require_activation(payload)
    if payload.get("construction") == "two hidden layers":
        x = _p.require_matrix(payload, "X", _p.MAX_DIM)
        ys = _p.require_vector(payload, "y", length=x.shape[1]).tolist()
        w = _p.require_matrices(payload, "weights", max_count=3)
        d1, d2 = (w[0].shape[0], w[1].shape[0]) if len(w) == 3 else (1, 1)
        _p.require_weights(payload, "weights", MLPSpec(x.shape[0], (d1, d2), 1, act, False))
        return general_certificate(act, x, ys, w, np.random.default_rng(0), 64)
    xs = _p.require_vector(payload, "x").tolist()
    out_sign = payload.get("out_sign")
    return prop1_certificate(act, xs, _p.require_vector(payload, "y", length=len(xs)).tolist(),
                             _p.require_int(payload, "d", 1, _p.MAX_WIDTH), _p.require_float(payload, "w1"),
                             np.random.default_rng(0), 64,
                             out_sign=None if out_sign is None else _p.require_float(payload, "out_sign"))


nonzero_grid = st.integers(-8, 8).filter(lambda k: k != 0).map(lambda k: k / 4)


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


def family_outcomes(names: list[str]) -> list[Outcome]:
    """Assumption 2 (all orders) and every declared zero family (periodic zeros, local max / min), proved."""
    out = []
    for a in names:
        a2 = assumption2(a)
        proofs = symbolic.zero_family_proofs(a)
        stats = {"activation": a, "assumption2_all_orders": a2.all_orders,
                 "zero_families": [p.as_dict() for p in proofs]}
        if a2.all_orders and proofs and all(p.holds for p in proofs):
            out.append(Outcome.holds(math.inf, **stats))
        else:
            out.append(Outcome.fails({"activation": a, "kind": "hypotheses"}, math.inf,
                                     note=f"{a}: zero families or Assumption 2 not proved", **stats))
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
        x = draw(st.one_of(nonzero_grid, st.floats(-3, 3).filter(lambda v: abs(v) > 1e-2)))
        y = draw(st.one_of(nonzero_grid, st.floats(-3, 3).filter(lambda v: abs(v) > 1e-2)))
        return a, x, y, draw(st.integers(1, 8)), draw(seeds())

    def fn(ex):
        a, x, y, d, s = ex
        t = float(sp.N(activations.get(a).prop1_zero))
        return prop1_certificate(a, [x], [y], d, t / x, np.random.default_rng(s), 8 * ctx.draws)

    res = ctx.search(examples(), fn, label="Prop. 1 construction", max_examples=ctx.max_examples)
    return prop1_result(res, shape, ctx)


def prop1_result(res, shape: list[Outcome], ctx: Context, notes: list[str] | None = None) -> Result:
    """A Prop. 1 search result merged with the shape / family outcomes, its statistics and notes."""
    done = [o for o in res.outcomes if "certificate" in o.stats]
    worst_sampled = min((min(o.stats["certificate"]["samples_min_delta"].values()) / o.stats["sum_y2"]
                         for o in done if o.stats["certificate"]["samples_min_delta"]), default=None)
    spheres, sequence = {}, {}
    for o in done[:6]:
        key = f"{o.stats['activation']} d={o.stats['d']} N={o.stats['N']}"
        smd = o.stats["certificate"]["samples_min_delta"]
        spheres[key] = {"x": [float(r) / o.stats["radius"] for r in smd],
                        "y": [float(v) / o.stats["sum_y2"] for v in smd.values()]}
        sequence[key] = {"x": [s["distance"] for s in o.stats["equal_loss_sequence"]],
                         "y": [max(s["relative_change"], 1e-18) for s in o.stats["equal_loss_sequence"]]}
    figs = [{"kind": "line", "title": "Lowest relative loss change sampled on spheres around the point",
             "xlabel": "radius / R (R: radius where the construction's argument holds)",
             "ylabel": "min (L(w) - L(w*)) / L(w*)", "logx": True, "series": spheres},
            {"kind": "line", "title": "Equal-loss points approaching the minimum (non-strict)",
             "xlabel": "distance to w*", "ylabel": "|L - L(w*)| / L(w*) (floored at 1e-18)", "logx": True,
             "logy": True, "series": sequence}]
    kinds: dict[str, int] = {}
    for o in done:
        kinds[o.stats["certificate"]["kind"]] = kinds.get(o.stats["certificate"]["kind"], 0) + 1
    return merge([res], extra=shape,
                 statistics={"hypothesis_proofs": [o.stats for o in shape],
                             "worst_relative_change_sampled": worst_sampled, "certificate_kinds": kinds,
                             "inf_E_zero_shown": sum(1 for o in done if o.stats.get("inf_E_zero_shown")),
                             "per_activation": count_by(res.outcomes, "activation"),
                             "examples_detail": [{k: o.stats[k] for k in ("activation", "N", "d", "loss", "radius",
                                                                          "fit_loss")} | {
                                 "kind": o.stats["certificate"]["kind"],
                                 "eigenvalue_counts": o.stats["certificate"]["eigenvalue_counts"],
                                 "grad_norm": o.stats["certificate"]["grad_norm"]} for o in done]},
                 tried=prose.clauses(
                     f"{res.examples} constructions",
                     "each certified by landscape._lib.certify.certify_minimum " + prose.paren(
                         "gradient", "Hessian spectrum",
                         f"{8 * ctx.draws} random directions on spheres of radii {list(PROP1_SPHERES)} x R",
                         "a 2-start x 30-step projected descent in the ball of radius R/2", "flat probes",
                         "an escape run from R/20", sep=", ")
                     + ", with R the radius in which the construction's argument holds (from prop1_delta)",
                     f"equal-loss points at distances {list(PROP1_SEQUENCE)} x R",
                     "a network with random hidden layers and least-squares output weights as the lower-loss witness "
                     "(loss ~0 when d_H >= N: inf E = 0)"),
                 figures=figs, notes=notes or [])




check_prop1.replayer(replay_prop1)

#: The activations whose zeros are local extrema in periodic families (remark after Prop. 1).
