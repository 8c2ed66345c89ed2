"""Theorem 2 (section 4): perturb to full rank, then a strictly decreasing path to inf E."""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import reject, strategies as st

from landscape._lib import payload as _p
from landscape._core.context import Context, merge, Outcome, Result
from landscape._core.registry import claim
from landscape._lib import fixtures as _fixtures, losses as _losses, tolerance, train as _train
from landscape._lib.errors import LandscapeError
from landscape._lib.feature_rank import feature_matrix_rank
from landscape._lib.networks.mlp import MLP, MLPSpec
from landscape._lib.strategies import a1_datasets, mlp_specs, seeds
from landscape.claims.lds._common import assumption2_for_n, count_by, PAPER

# ---------------------------------------------------------------------------------------
# lds.thm2.path: perturb to full rank, then a strictly decreasing path to inf E
# ---------------------------------------------------------------------------------------

PATH_POINTS = 200
PATH_LOSSES = ("squared", "absolute", "huber", "logcosh", "pinball", "hinge", "logistic")
#: Fixtures fed to lds.thm2.path: Theorem 2's hypotheses as requirements on fixture properties.
PATH_REQUIRES = {"overparameterized": True, "a1": True, "assumption2_N": True, "analytic": True, "d_out": 1,
                 "loss_convex": True}
#: Fixtures fed to lds.thm2.path.underparameterized: bad minima with d_H < N (squared loss: the last-layer
#: infimum is then exact least squares, so a lower witness certifies that the path stops above inf E).
PATH_UNDER_REQUIRES = {"overparameterized": False, "a1": True, "assumption2_N": True, "d_out": 1,
                       "loss": "squared", "kind": ("bad_local_min",)}
#: L-BFGS iterations of each witness run of the under-parameterised variant (from the perturbed start and
#: from 2 random starts).
WITNESS_ITER = 150


def _labels_for(loss: _losses.Loss, rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice([-1.0, 1.0], size=(1, n)) if loss.labels == "sign" else rng.normal(size=(1, n))


def _lower_witness(spec: MLPSpec, start: MLP, x: np.ndarray, y: np.ndarray, loss: _losses.Loss,
                   rng: np.random.Generator, given: list[np.ndarray] | None) -> tuple[float, list[np.ndarray] | None, str]:
    """A lower attained loss than the path end: ``given`` weights (a replay, a fixture's witness) or the best
    of short L-BFGS runs (all layers) from the perturbed start and from 2 random starts."""
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)
    net0 = MLP(spec, [np.zeros(s) for s in spec.shapes()])

    def e(v):
        return loss.total(yt, net0.forward_flat(v, xt))

    if given is not None:
        v = MLP(spec, given).flat()
        return float(e(v)), given, "given"
    best = (math.inf, None)
    for w0 in [start.flat()] + [MLP.random(spec, rng).flat() for _ in range(2)]:
        run = _train.lbfgs(e, w0, max_iter=WITNESS_ITER)
        if math.isfinite(run.losses[0]) and run.losses[0] < best[0]:
            best = (run.losses[0], [w.numpy().copy() for w in net0.unflatten(run.w)])
    return best[0], best[1], f"L-BFGS ({WITNESS_ITER} iterations) from the perturbed start and 2 random starts"


def path_outcome(spec: MLPSpec, weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, loss_name: str,
                 delta: float, seed: int, *, source: str, inf_mode: str = "per_sample",
                 witness: list[np.ndarray] | None = None) -> Outcome:
    """Theorem 2's path: a perturbation within ``delta`` giving full-rank T_H, then the segment in W_{H+1}.

    The target of the segment is W* = P* T_H^+ with P* = Y (the loss's minimiser per sample) for losses
    whose infimum is attained; for logistic-type losses (infimum 0 not attained) the path is the ray
    W(s) = W' + s P* T_H^+ with P* = Y, followed from s = 0 to the first s_end in 40 * 2^k (k <= 30) at
    which the loss is numerically zero relative to its start (tolerance.ZERO): how far one has to go
    depends on the starting margins (a start with loss 600 needs s of order 600).

    ``inf_mode``: ``"per_sample"`` -- inf E is the per-sample infimum of the loss (eq. 15: with
    d_H >= N and T_H of full rank, W_{H+1} T_H reaches every prediction); ``"witness"`` (d_H < N,
    where inf E is unknown) -- a path that stops above the per-sample infimum refutes "reaches
    inf E" only if a lower attained loss is shown: for the squared loss the path ends at the exact
    least-squares W_{H+1} (the minimum over W_{H+1}), and a witness W'' (``witness`` or
    :func:`_lower_witness`) with loss clearly below it certifies inf E < path end; otherwise (no
    witness, or another loss, where the suite's segment end is not certified to be the minimum
    over W_{H+1}) the example is ``band``.
    """
    rng = np.random.default_rng(seed)
    loss = _losses.get(loss_name)
    net = MLP(spec, weights)
    n = x.shape[1]
    target = min(spec.d_H, n)
    rk0 = feature_matrix_rank(net, x)
    # 1) perturb the hidden layers within delta (Frobenius) until T_H has rank min(d_H, N)
    pert = None
    for _ in range(20):
        ws = [w.copy() for w in net.weights_numpy()]
        dirs = [rng.normal(size=w.shape) for w in ws[:-1]]
        norm = math.sqrt(sum(float(np.sum(d * d)) for d in dirs))
        for i, dd in enumerate(dirs):
            ws[i] = ws[i] + delta * rng.uniform(0.2, 1.0) * dd / norm
        cand = MLP(spec, ws)
        if feature_matrix_rank(cand, x).full is True:
            pert = cand
            break
    stats = {"source": source, "loss": loss_name, "N": n, "d_H": spec.d_H, "activation": spec.activation,
             "delta": delta, "rank_before": rk0.rank, "target_rank": target, "inf_mode": inf_mode}
    payload = {"spec": spec.as_dict(), "weights": [w.tolist() for w in weights], "X": x.tolist(), "Y": y.tolist(),
               "loss": loss_name, "delta": delta, "seed": seed, "source": source, "inf_mode": inf_mode}
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
    stats |= {"rank_after": target, "loss_start": start, "loss_end": end, "inf_E": inf_e if inf_mode == "per_sample"
              else None, "per_sample_inf": inf_e, "s_end": s_end, "strict_steps": steps_ok, "steps": PATH_POINTS,
              "precision": precision, "path": path[:: max(1, PATH_POINTS // 50)]}
    if steps_ok == PATH_POINTS and reach.outcome == "zero":
        return Outcome.holds(min(worst, reach.margin), **stats)
    if inf_mode == "per_sample":
        if reach.outcome == "nonzero" or steps_ok < PATH_POINTS:
            return Outcome.fails(payload, reach.margin,
                                 note=(f"path from {source}: {steps_ok}/{PATH_POINTS} strict steps, final loss "
                                       f"{end:.3g} vs inf E = {inf_e:.3g} ({precision})"), **stats)
        return Outcome.band(**stats)
    # d_H < N: inf E unknown -- certify inf E < path end with a lower attained loss
    if loss_name != "squared":
        return Outcome.band(note=(f"path stops at {end:.3g} > per-sample infimum {inf_e:.3g}; for the {loss_name} loss "
                                  "the segment end is not certified to be the minimum over W_(H+1), so this is not "
                                  "decided"), **stats)
    ls_end = e_of(y @ pinv)  # the exact least-squares last layer: min over W_(H+1) with the hidden layers of W'
    wl, ww, how = _lower_witness(spec, pert, x, y, loss, rng, witness)
    below = tolerance.classify(max(ls_end - wl, 0.0) / max(ls_end, tolerance.ABS_FLOOR)) if math.isfinite(wl) else \
        tolerance.Decision(0.0, "zero", math.inf)
    stats |= {"least_squares_end": ls_end, "witness_loss": wl, "witness": how, "witness_below": below.as_dict()}
    if below.outcome == "nonzero":
        return Outcome.fails(payload | {"witness": [w.tolist() for w in ww]}, below.margin,
                             note=(f"path from {source} (moving W_(H+1) only) stops at the least-squares loss "
                                   f"{ls_end:.6g}, but E = {wl:.6g} is attained elsewhere ({how}): inf E < path end"),
                             **stats)
    return Outcome.band(note=f"path stops at {ls_end:.6g}; no clearly lower attained loss found ({how})", **stats)


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
    spec = _p.require_spec(p)
    x = _p.require_matrix(p, "X", rows=spec.d0)
    wit = _p.require_weights(p, "witness", spec) if p.get("witness") is not None else None
    return path_outcome(spec, _p.require_weights(p, "weights", spec), x,
                        _p.require_matrix(p, "Y", rows=spec.d_out, cols=x.shape[1]), _p.require_loss(p),
                        _p.require_float(p, "delta", 0.0), _p.require_seed(p), source=_p.require_str(p, "source"),
                        inf_mode=_p.require_choice(p, "inf_mode", ("per_sample", "witness"), default="per_sample"),
                        witness=wit)


def _path_claim(ctx: Context, *, over: bool) -> Result:
    mode = "per_sample" if over else "witness"

    @st.composite
    def examples(draw):
        x = draw(a1_datasets(max_n=5))
        n = x.shape[1]
        names = assumption2_for_n(n)
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
            return path_outcome(spec, net.weights_numpy(), x, y, loss_name, delta, s, source="random weights",
                                inf_mode=mode)
        except FloatingPointError:
            reject()

    res = ctx.search(examples(), fn, label="random starts", max_examples=2 * ctx.max_examples)
    extra = []
    requires = PATH_REQUIRES if over else PATH_UNDER_REQUIRES
    sel = _fixtures.select(requires)  # cross-examination: every fixture meeting the hypotheses
    for fx in sel.matched:
        if over:
            for i, ln in enumerate(("squared", "absolute", "logistic")):
                yy = np.sign(fx.y) if _losses.get(ln).labels == "sign" else fx.y
                extra.append(path_outcome(fx.spec, fx.weights, fx.x, yy, ln, 1e-3, i, source=fx.id))
        else:
            wit = fx.facts.get("witness_weights")
            extra.append(path_outcome(fx.spec, fx.weights, fx.x, fx.y, "squared", 1e-3, 0, source=fx.id,
                                      inf_mode="witness",
                                      witness=None if wit is None else [np.asarray(w) for w in wit]))
    if not over:  # a certified refutation first: the cleanest counterexample
        extra = [o for o in extra if o.status == "fails"] + [o for o in extra if o.status != "fails"]
    series = {}
    for o in (extra + res.outcomes)[:8]:
        if "path" in o.stats:
            pth = o.stats["path"]
            series[f"{o.stats['source'][:28]} / {o.stats['loss']}"] = {
                "x": list(range(len(pth))), "y": [v / max(pth[0], 1e-300) for v in pth]}
    fig = {"kind": "line", "title": "Loss along the Theorem 2 path (relative to its start)", "xlabel": "path point (x4)",
           "ylabel": "E / E(start)", "series": series}
    every = res.outcomes + extra
    stats = {"fixtures": sel.summary(), "fixtures_examined": [o.stats.get("source") for o in extra],
             "per_loss": count_by(every, "loss")}
    if not over:
        stats["witnessed_refutations"] = sum(1 for o in every if o.status == "fails")
        stats["undecided_without_witness_or_not_squared"] = sum(1 for o in every if o.status == "band")
    return merge([res], extra=extra, statistics=stats,
                 tried=(f"{res.examples} random starts (A1 data, N <= 5, Assumption-2 activations, depth <= 2, "
                        f"{'d_H >= N' if over else 'd_H < N'}, losses {list(PATH_LOSSES)}, delta in 1e-1 / 1e-3)"
                        + f" and {len(extra)} fixture starts (fixtures meeting: {'; '.join(sel.requires)}; "
                        f"{len(sel.excluded)} others excluded)"
                        + f"; {PATH_POINTS}-point discretisation of each path (for logistic, the ray is followed to the first s = 40 * 2^k where the loss is numerically 0)"
                        + ("" if over else f"; a path that stops above the per-sample infimum counts as a refutation only "
                           f"for the squared loss and with a lower attained loss (the fixture's witness or the best of "
                           f"3 L-BFGS runs of {WITNESS_ITER} iterations)")),
                 figures=[fig])


@claim(
    "lds.thm2.path",
    title="Theorem 2's path: from any W, a delta-perturbation and a strictly decreasing path to inf E",
    source=f"{PAPER}, Theorem 2, proof in section 4 (eq. 14-15)",
    statement=("d_H >= N, convex loss, A1 data, Assumption 2: from any weights W and delta > 0 there is W' within delta "
               "with T_H of full rank, and from W' a strictly decreasing path (moving W_{H+1} only) reaching inf E."),
    hypotheses=("A1 data", "Assumption 2 for n = N", "d_H >= N", "convex losses " + ", ".join(PATH_LOSSES),
                "random starts and every fixture meeting: " + "; ".join(_fixtures.describe(PATH_REQUIRES))),
)
def check_path(ctx: Context) -> Result:
    return _path_claim(ctx, over=True)


@claim(
    "lds.thm2.path.underparameterized",
    title="Theorem 2's path without over-parameterisation (d_H < N)",
    source=f"{PAPER}, Theorem 2, Assumption A3 removed",
    statement="With d_H < N the same construction (perturb, then move W_{H+1} only) still reaches inf E.",
    hypotheses=("A1 data", "Assumption 2", "d_H < N",
                "random starts and every fixture meeting: " + "; ".join(_fixtures.describe(PATH_UNDER_REQUIRES))),
    paper="refuted",
    expected="refuted",
)
def check_path_under(ctx: Context) -> Result:
    r = _path_claim(ctx, over=False)
    r.notes.append("inf E is not known when d_H < N. A path that stops above the per-sample infimum refutes 'reaches "
                   "inf E' only when inf E < path end is shown: for the squared loss the path ends at the exact "
                   "least-squares output layer (the minimum over W_(H+1)), and a network with clearly lower loss "
                   "(a training run, or the lower attained loss of a fixture) certifies it; all other cases are "
                   "band.")
    return r


check_path.replayer(_replay_path)
check_path_under.replayer(_replay_path)
