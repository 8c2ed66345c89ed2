"""The gradient-descent runs shared by the rate (:mod:`.rate`) and stability (:mod:`.stability`)
claims of ``002_7f4fd584f3752d2b.txt`` (Theorems 5.1 / 6.1): widths, seeds, the theorems' step,
one run decided step by step against L(0)(1 - eta lambda/2)^k, the cached set of runs, their
replay and their evidence text.
"""

from __future__ import annotations

import math

import numpy as np

from landscape._lib import payload as _p
from landscape._core.context import Context
from landscape._lib import kernels, tolerance
from landscape._lib import prose
from landscape._lib.errors import LandscapeError
from landscape._lib.networks.du import DuArchitecture, sphere_data
from landscape.claims.du._common import quick, theorem_widths, thorough, widths_text

#: The rate runs: n points in R^d (nearly orthogonal: well conditioned), tanh, H = 2.
RATE_N, RATE_D, RATE_H, RATE_ACT = 4, 32, 2, "tanh"
#: The data of the rate runs: ``sphere_data(RATE_N, RATE_D, RATE_X_SEED)``.
RATE_X_SEED = 21
#: c_res of the ResNet runs (0 < c_res < 1): larger values make K^(H) (factor (c_res/H)^2) less tiny.
RATE_C_RES = 0.9
#: Each run lasts until the bound L(0) (1 - eta lambda/2)^k has fallen to this fraction of L(0) ...
RATE_TARGET = 1e-3
#: ... or at most this many steps.
RATE_MAX_STEPS = 3000
#: Step-size rules: "default" = 0.5 / lambda_max(G(0)) (the runs that decide support), "theorem" =
#: :func:`theorem_eta` (the confirmation of any refutation, and its replay).
ETA_RULES = ("default", "theorem")

_RUNS: dict = {}


def theorem_eta(kind: str, lam: float, n: int, H: int) -> float:
    """The step of the theorems with constant 1: Theorem 5.1 (FC) ``eta = O(lambda_min(K^(H)) /
    (n^2 2^O(H)))`` -> ``lambda / n^2`` (the 2^O(H) dropped); Theorem 6.1 (ResNet) ``eta =
    O(lambda_min(K^(H)) H^2 / n^2)`` -> ``lambda H^2 / n^2``."""
    return float(lam) / n**2 * (H**2 if kind == "resnet" else 1)


def _gd_widths(ctx: Context, kind: str) -> list[int]:
    """Widths of the GD runs: the FC runs last ~100-250 steps, the ResNet runs ~1000 (its K^(H) carries
    (c_res/H)^2), at ~16 ms per step at m = 2048 -- so the ResNet stops one width earlier."""
    if quick(ctx):
        return [64, 256, 1024]
    ws = [64, 128, 256, 512, 1024] + ([2048] if kind == "fc" or thorough(ctx) else [])
    return ws + ([4096] if kind == "fc" and thorough(ctx) else [])


def gd_seeds(ctx: Context) -> int:
    """Networks per width of the GD runs."""
    return 3 if quick(ctx) else (4 if not thorough(ctx) else ctx.draws)


def rate_steps(eta: float, lam: float) -> int:
    """Steps until (1 - eta lam / 2)^k <= RATE_TARGET, capped at RATE_MAX_STEPS."""
    r = eta * lam / 2
    if not (0 < r < 1):
        return RATE_MAX_STEPS
    return int(min(RATE_MAX_STEPS, math.ceil(math.log(RATE_TARGET) / math.log1p(-r))))


def rate_run(kind: str, x: np.ndarray, y: np.ndarray, m: int, seed: int, lam: float, *, H: int = RATE_H,
             act: str = RATE_ACT, c_res: float = RATE_C_RES, eta_rule: str = "default",
             stop_at: int | None = None) -> dict:
    """One GD run of the rate claim; every step decided against L(0)(1 - eta lam/2)^k.

    ``eta_rule``: ``default`` (``0.5 / lambda_max(G(0))``) or ``theorem`` (:func:`theorem_eta`);
    the steps follow from the bound (:func:`rate_steps`).  A run that blows up
    (:func:`kernels.train_gd`: non-finite or > 1e12 L(0)) violates the bound at the step it
    blew up.  ``stop_at`` (replays) ends the run early at that step: such a run is not
    ``complete`` and can only show a violation, never a clean run.
    """
    if eta_rule not in ETA_RULES:
        raise LandscapeError(f"eta_rule={eta_rule!r} is invalid; expected one of {ETA_RULES}")
    n, d = x.shape
    arch = DuArchitecture(d, m, H, act, kind, c_res)
    p0 = arch.init(seed)
    g0 = kernels.empirical_gram(arch, p0, x).total
    eta_default = 0.5 / float(np.linalg.eigvalsh(g0)[-1])
    eta_thm = theorem_eta(kind, lam, n, H)
    eta = eta_default if eta_rule == "default" else eta_thm
    steps = rate_steps(eta, lam)
    run_steps = steps if stop_at is None else max(0, min(steps, int(stop_at)))
    stride = max(1, run_steps // 25)
    hist = kernels.train_gd(arch, p0, x, y, eta=eta, steps=run_steps, gram_every=stride, dist_every=stride)
    rec = len(hist.loss)
    bound = kernels.rate_bound(hist.loss[0], eta, lam, rec - 1 + int(hist.diverged))
    dec = [tolerance.at_most(float(l_), float(b)) for l_, b in zip(hist.loss, bound)]
    viol = sum(v.outcome == "nonzero" for v in dec)
    band = sum(v.outcome == "band" for v in dec)
    first = next((k for k, v in enumerate(dec) if v.outcome == "nonzero"), None)
    if hist.diverged:  # the step that blew up is a step of the run, and it exceeds the bound (<= L(0)) by 1e12 or more
        viol += 1
        first = hist.blowup_step if first is None else first
    ratio = [float(b / max(l_, 1e-300)) for l_, b in zip(hist.loss[1:], bound[1:])]
    min_ratio = -math.inf if hist.diverged else (math.log10(min(ratio)) if ratio else math.inf)
    return {"m": m, "seed": seed, "eta": eta, "eta_rule": eta_rule, "eta_default": eta_default, "eta_theorem": eta_thm,
            "eta_over_theorem": eta / eta_thm, "steps": steps, "run_steps": run_steps, "recorded": rec,
            "complete": not hist.diverged and rec == steps + 1,
            "loss": hist.loss.tolist(), "bound": [float(b) for b in bound[:rec]], "violations": viol, "band": band,
            "within": len(dec) - viol - band + int(hist.diverged), "first_violation": first, "diverged": hist.diverged,
            "blowup_step": hist.blowup_step, "blowup_loss": hist.blowup_loss,
            "min_log10_bound_over_loss": min_ratio,
            "bound_decay": float(bound[rec - 1] / bound[0]),
            "loss_decay": float(hist.loss[-1] / max(hist.loss[0], 1e-300)) if not hist.diverged else math.inf,
            "max_dist": float(np.max(hist.dist)) if hist.dist.size else 0.0,
            "gram_dev": max(float(np.linalg.norm(g - hist.grams[0], 2)) for g in hist.grams)}


def _training_runs(kind: str, y: list[float], runs: list[tuple[int, int, int | None]], eta_rule: str, *,
                   n: int = RATE_N, d: int = RATE_D, H: int = RATE_H, act: str = RATE_ACT,
                   c_res: float = RATE_C_RES, x_seed: int = RATE_X_SEED) -> dict:
    """GD runs ``(m, seed, stop_at)`` on ``sphere_data(n, d, x_seed)`` with labels ``y`` (cached)."""
    key = (kind, tuple(y), tuple(runs), eta_rule, n, d, H, act, c_res, x_seed)
    if key in _RUNS:
        return _RUNS[key]
    if len(y) != n:
        raise LandscapeError(f"got {len(y)} labels for n = {n} points")
    x = sphere_data(n, d, x_seed).numpy()
    kan = kernels.analytic_gram(x, H, act, kind, c_res)
    lam = kan.lambda_min()
    res = [rate_run(kind, x, np.asarray(y, dtype=float), m, s, lam, H=H, act=act, c_res=c_res, eta_rule=eta_rule,
                    stop_at=stop) for m, s, stop in runs]
    out = {"runs": res, "lambda_min": lam, "K_norm": float(np.linalg.norm(kan.K, 2)), "n": n, "d": d,
           "H": H, "activation": act, "c_res": c_res if kind == "resnet" else None, "kind": kind, "eta_rule": eta_rule,
           "theorem_widths": theorem_widths(n, lam, H, kind), "max_cos": float(np.max(np.abs(x @ x.T - np.eye(n)))),
           "payload": {"kind": kind, "eta_rule": eta_rule, "y": list(y), "n": n, "d": d, "H": H, "activation": act,
                       "c_res": c_res, "x_seed": x_seed, "runs": [[r["m"], r["seed"], r["first_violation"]] for r in res]}}
    _RUNS[key] = out
    return out


def training_runs(ctx: Context, kind: str, eta_rule: str = "default", widths: list[int] | None = None) -> dict:
    """GD runs over widths and seeds (shared by the rate and stability claims; cached per profile and seed)."""
    y = [float(v) for v in ctx.rng("du-labels", kind).uniform(-1.0, 1.0, size=RATE_N)]
    runs = [(m, 9000 + 31 * m + s + 10**6 * ctx.seed, None)
            for m in (widths or _gd_widths(ctx, kind)) for s in range(gd_seeds(ctx))]
    return _training_runs(kind, y, runs, eta_rule)


def replayed_runs(p: dict, *, truncate: bool) -> dict:
    """The GD runs of a payload (``truncate``: a run recorded as violating at step k is re-run
    only up to k -- the decisive part; the others in full)."""
    kind, rule = str(p["kind"]), str(p["eta_rule"])
    if kind not in ("fc", "resnet"):
        raise LandscapeError(f"payload kind={kind!r} is invalid; expected 'fc' or 'resnet'")
    try:
        runs = [(int(m), int(s), (int(k) if (k is not None and truncate) else None)) for m, s, k in p["runs"]]
    except (TypeError, ValueError) as e:
        raise LandscapeError(f"payload field 'runs' is invalid ({e}); expected [[m, seed, first_violation], ...]") from None
    if len({m for m, _, _ in runs}) < 2 or any(m < 1 for m, _, _ in runs):
        raise LandscapeError("payload field 'runs' needs runs at >= 2 widths >= 1")
    for m, s, k in runs:
        _p.check_int("runs m", m, 1, _p.MAX_WIDTH), _p.check_int("runs seed", s, 0, _p.MAX_SEED)
        if k is not None:
            _p.check_int("runs first_violation", k, 0, _p.MAX_STEPS)
    n = _p.require_int(p, "n", 1, _p.MAX_N)
    return _training_runs(kind, _p.require_vector(p, "y", length=n).tolist(), runs,
                          _p.require_choice(p, "eta_rule", ETA_RULES), n=n, d=_p.require_int(p, "d", 1, _p.MAX_DIM),
                          H=_p.require_int(p, "H", 1, _p.MAX_DEPTH), act=_p.require_activation(p),
                          c_res=_p.require_float(p, "c_res"), x_seed=_p.require_seed(p, "x_seed"))


def eta_text(tr: dict, kind: str) -> str:
    """The step-size clause of the evidence text of a set of runs ``tr``."""
    ratio = [r["eta_over_theorem"] for r in tr["runs"]]
    etas = [r["eta"] for r in tr["runs"]]
    thm = tr["runs"][0]["eta_theorem"]
    order = "lambda_min(K^(H)) / n^2 (Theorem 5.1 with constant 1, 2^O(H) dropped)" if kind == "fc" else \
        "lambda_min(K^(H)) H^2 / n^2 (Theorem 6.1 with constant 1)"
    if tr["eta_rule"] == "theorem":
        return f"eta = {order} = {thm:.3g}"
    step = prose.clauses(f"eta = 0.5 / lambda_max(G(0)) = {prose.span(etas, '{:.3g}')}",
                         f"i.e. {prose.span(ratio, '{:.2g}')} x the theorem's order {order} = {thm:.3g}", sep=", ")
    return prose.sentence(
        f"{step}: a larger step than the theorem's at constant 1,",
        "so the checked envelope (1 - eta lambda/2)^k falls faster -- a stricter check.",
        "Acceptable for support (the theorem fixes no constant, and the runs meet the stricter envelope);",
        "a violation at this step would not refute the theorem,",
        "so a failure is re-run at the theorem's step (constant 1) and refutes only if it fails there too")


def runs_tried(ctx: Context, tr: dict, kind: str) -> str:
    """The description of a set of GD runs ``tr`` for the ``tried`` texts."""
    steps = sorted({r["steps"] for r in tr["runs"]})
    data = prose.clauses(
        f"GD runs: widths {sorted({r['m'] for r in tr['runs']})} x {gd_seeds(ctx)} seeds",
        f"n = {tr['n']} unit-norm points in R^{tr['d']} (max |x_i.x_j| = {tr['max_cos']:.2f})",
        "labels U(-1, 1)", f"H = {tr['H']}", f"{tr['activation']}", f"c_res = {tr['c_res']}" if tr["c_res"] else "",
        sep=", ")
    return prose.clauses(
        data, f"lambda_min(K^(H)) = {tr['lambda_min']:.3g}", eta_text(tr, kind),
        f"each run lasts until the bound has fallen to {RATE_TARGET:g} L(0) "
        + prose.paren(f"k = {prose.ranged(steps[0], steps[-1])} steps", f"at most {RATE_MAX_STEPS}", sep=", "),
        "a run that blows up (loss non-finite or > 1e12 L(0)) violates the bound at that step",
        widths_text(tr["theorem_widths"], kind))
