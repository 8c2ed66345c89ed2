"""Golikov, section 2.2, the remark on convergence rate: the Hessian of eq. (10) in ``W`` is PSD almost
everywhere for the ReLU net of eq. (9) (``golikov.du2019.hessian_psd``), and not for smooth
activations (``.smooth``).  Exact Hessians by ``torch.func`` (:func:`hessian_outcome`), checked for
ReLU against finite differences; Jensen violations show that PSD a.e. does not make ``L`` convex
(:func:`_jensen_witnesses`)."""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from landscape import Context, Outcome, Result, claim
from landscape._lib import payload as _p
from landscape._lib import tolerance
from landscape._lib import prose
from landscape._lib.networks.two_layer import init_two_layer, loss_in_w, unit_rows
from landscape._lib.strategies import seeds
from landscape.claims.golikov._common import PAPER, two_layer_payload


def hessian_outcome(act: str, x: np.ndarray, y: np.ndarray, w: np.ndarray, a: np.ndarray) -> Outcome:
    """PSD test of the exact Hessian of eq. (10) in W (torch.func) and, for ReLU, of a finite-difference Hessian.

    For ReLU the gradient is piecewise linear in W, so central differences with a step
    below the distance to the nearest kink are exact up to round-off: they check that
    autodiff's ``relu'' = 0`` is the true Hessian off the kinks, not an artefact.
    """
    m, d = w.shape
    loss = loss_in_w(act, x, y, a, m)
    wf = torch.as_tensor(w.reshape(-1))
    h = torch.func.hessian(loss)(wf).numpy()
    p = tolerance.psd((h + h.T) / 2)
    z = x @ w.T
    kink = float(np.min(np.abs(z))) if z.size else math.inf
    stats = {"activation": act, "n": x.shape[0], "d": d, "m": m, "lambda_min_normalised": p.lambda_min_normalised,
             "n_params": m * d, "min_abs_preactivation": kink, "label_scale": float(np.max(np.abs(y)))}
    fd_dec = None
    if act == "relu":
        if kink == 0.0:
            return Outcome.band(note="a pre-activation is exactly 0: a kink (measure zero, outside 'a.e.')", **stats)
        step = min(1e-3, 0.25 * kink / max(float(np.max(np.abs(x))), 1e-300))
        if step >= 1e-7:
            gfun = torch.func.grad(loss)
            cols = []
            for k in range(m * d):
                e = torch.zeros(m * d, dtype=torch.float64)
                e[k] = step
                cols.append(((gfun(wf + e) - gfun(wf - e)) / (2 * step)).numpy())
            hfd = np.array(cols).T
            # the quotients difference gradients of size |g|: their round-off scales like eps |g| / step
            gmax = float(torch.func.grad(loss)(wf).abs().max())
            scale = max(float(np.max(np.abs(h))), gmax / step, 1e-300)
            fd_dec = tolerance.classify(float(np.max(np.abs(hfd - h))) / scale)
            pfd = tolerance.psd((hfd + hfd.T) / 2)
            stats |= {"fd_step": step, "fd_vs_autodiff_gap": fd_dec.value,
                      "fd_lambda_min_normalised": pfd.lambda_min_normalised}
            if pfd.psd is False and fd_dec.outcome == "zero":
                p = pfd
        else:
            stats["fd_step"] = None
    payload = {"activation": act, "x": x.tolist(), "y": y.tolist(), "w": w.tolist(), "a": a.tolist()}
    if p.psd is False:
        return Outcome.fails(payload, p.decision.margin,
                             note=f"Hessian in W has lambda_min / max|lambda| = {p.lambda_min_normalised:.3g} < 0",
                             **stats)
    if p.psd is None or (fd_dec is not None and fd_dec.outcome != "zero"):
        return Outcome.band(note="PSD decision, or autodiff vs finite differences, in the band", **stats)
    return Outcome.holds(p.decision.margin if p.decision.outcome == "zero" else math.inf, **stats)


def _jensen_witnesses(ctx: Context) -> dict:
    """L is not convex in W although its Hessian is PSD a.e.: random segments, and a 1-neuron witness."""
    found, tried = 0, 0
    for i in range(10 * ctx.draws):
        rng = ctx.rng("golikov-jensen", i)
        x = unit_rows(rng, 3, 2)
        y = rng.normal(size=3) * 2
        w0, a = init_two_layer(2, 2, int(rng.integers(2**31)))
        w1 = rng.normal(size=w0.shape)
        lf = loss_in_w("relu", x, y, a, 2)
        l0, l1 = float(lf(torch.as_tensor(w0.ravel()))), float(lf(torch.as_tensor(w1.ravel())))
        lm = float(lf(torch.as_tensor(((w0 + w1) / 2).ravel())))
        tried += 1
        found += tolerance.at_most(lm, (l0 + l1) / 2).outcome == "nonzero"
    # one neuron, x = 1, a = 1, y = 1: L(-1) = 1/2, L(1) = 0, L(0) = 1/2 > 1/4
    lf = loss_in_w("relu", np.array([[1.0]]), np.array([1.0]), np.array([1.0]), 1)
    wit = [float(lf(torch.tensor([v], dtype=torch.float64))) for v in (-1.0, 0.0, 1.0)]
    return {"random_segments": tried, "jensen_violations": found,
            "witness": {"x": 1, "a": 1, "y": 1, "L(-1), L(0), L(1)": wit,
                        "violates_jensen": tolerance.at_most(wit[1], (wit[0] + wit[2]) / 2).outcome == "nonzero"}}


def _hessian_tried(examples: int) -> str:
    """The ``tried`` prose of the Hessian searches (``examples`` random points)."""
    points = prose.clauses("n <= 6 unit-norm inputs in R^d (d <= 4)", "m <= 10", "labels x 0.1..100", "weights x 0.1..10",
                           "a in {-1, 1}", sep=", ")
    return prose.clauses(f"{examples} random points: {points}", "exact Hessian by torch.func, PSD by the tolerance policy",
                         "for ReLU also central differences of the gradient (exact off kinks)")


def _hessian_search(ctx: Context, acts: list[str], label: str) -> Result:
    @st.composite
    def examples(draw):
        n, d, m = draw(st.integers(1, 6)), draw(st.integers(1, 4)), draw(st.integers(1, 10))
        rng = np.random.default_rng(draw(seeds()))
        x = unit_rows(rng, n, d)
        y = rng.normal(size=n) * draw(st.sampled_from([0.1, 1.0, 10.0, 100.0]))
        w, a = init_two_layer(d, m, int(rng.integers(2**31)))
        return draw(st.sampled_from(acts)), x, y, w * draw(st.sampled_from([0.1, 1.0, 10.0])), a

    res = ctx.search(examples(), lambda ex: hessian_outcome(*ex), label=label, max_examples=2 * ctx.max_examples)
    lam = {}
    for o in res.outcomes:
        lam.setdefault(o.stats["activation"], []).append(o.stats["lambda_min_normalised"])
    fig = {"kind": "hist", "title": f"Normalised smallest eigenvalue of the Hessian of L in W ({label})",
           "xlabel": "lambda_min / max |lambda|", "ylabel": "examples", "data": lam}
    return res.result(statistics={"min_lambda_normalised": {k: min(v) for k, v in lam.items()}},
                      tried=_hessian_tried(res.examples),
                      figures=[fig])


@claim(
    "golikov.du2019.hessian_psd",
    title="The Hessian of L in W is PSD almost everywhere (two-layer ReLU net)",
    source=f"{PAPER}, section 2.2, remark on convergence rate (Hessian formula before section 3)",
    statement=("For the two-layer ReLU net of eq. (9) and the loss of eq. (10), the Hessian of L in W is positive "
               "semi-definite wherever it exists (off the kinks of ReLU)."),
    hypotheses=("W at random (no pre-activation exactly 0)", "a in {-1, 1} fixed", "unit-norm inputs, any labels"),
)
def check_hessian_psd(ctx: Context) -> Result:
    r = _hessian_search(ctx, ["relu"], "ReLU")
    r.statistics["convexity"] = _jensen_witnesses(ctx)
    r.notes.append("Off the kinks relu'' = 0, so the Hessian is the Gauss-Newton term J^T J (PSD); the essay's "
                   "formula prints x_j^2 for the outer product x_j x_j^T. PSD almost everywhere does not make L "
                   "convex: the kinks carry the curvature (u_j - y_j) a_r delta(w_r.x_j) x_j x_j^T / sqrt m, negative "
                   "where (u_j - y_j) a_r < 0 -- see statistics.convexity for Jensen violations.")
    return r


@claim(
    "golikov.du2019.hessian_psd.smooth",
    title="The Hessian of L in W is PSD for smooth activations (softplus, tanh)",
    source=f"{PAPER}, section 2.2, remark on convergence rate; ReLU replaced by a smooth activation",
    statement="With softplus or tanh in place of ReLU, the Hessian of L in W is PSD everywhere.",
    hypotheses=("sigma in softplus, tanh", "otherwise as golikov.du2019.hessian_psd"),
    paper="refuted",
    expected="refuted",
    why=("The essay's argument needs relu'' = 0: for smooth sigma the Hessian adds the block-diagonal term "
         "sum_j (u_j - y_j) a_r sigma''(w_r.x_j) x_j x_j^T / sqrt m, indefinite once the residuals are large."),
)
def check_hessian_psd_smooth(ctx: Context) -> Result:
    return _hessian_search(ctx, ["softplus", "tanh"], "softplus, tanh")


def _replay_hessian(p: dict) -> Outcome:
    return hessian_outcome(_p.require_activation(p), *two_layer_payload(p))


check_hessian_psd.replayer(_replay_hessian)
check_hessian_psd_smooth.replayer(_replay_hessian)
