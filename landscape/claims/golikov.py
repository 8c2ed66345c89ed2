"""Claims of E. Golikov, *An Essay on Optimization Mystery of Deep Learning* (2019;
``../shared/papers/003_6b1d70a06ebc74fd.txt``).

Sections and equations (the essay's numbering):

* 2.1.1, eq. (3)-(4): deep linear nets, Lu & Kawaguchi's "every local minimum is global"
  (``golikov.linear.no_bad_minima``; machinery in :mod:`landscape._lib.linear_nets`).
* 2.1.2, eq. (7): Yu & Chen's wide shallow sigmoid net, the rank statement
  ``rk sigma(W_1 X) = m`` for almost all ``W_1`` (``golikov.yu_chen.rank`` and ``.relu``).
  Eq. (7) has no bias.
* 2.1.2, eq. (8) and the four conditions of Nguyen & Hein's Corollary 3.9
  (``golikov.nguyen_hein``).  Eq. (8) has no bias and no factor 1/2.
* 2.2, eq. (9)-(13): Du et al. (2019)'s two-layer ReLU net ``f = (1/sqrt m) sum_r a_r
  [w_r.x]_+`` with ``a_r`` uniform in {-1, 1} and fixed, ``W`` trained on
  ``L(W) = 1/2 sum_i (f(x_i) - y_i)^2`` (eq. (10)); ``H(t)`` of eq. (12), ``H^inf`` its
  expectation, ``lambda_0 = lambda_min(H^inf)`` (``golikov.du2019.*``); the gradient bound
  and the Hessian formula of the section's remark on convergence rate.

Shared machinery: the net of eq. (9) is Du-Lee-Li-Wang-Zhai's FC network with ``H = 1``,
relu and layer scale ``sqrt(1/m)`` (:func:`two_layer_arch`: ``DuArchitecture(...,
c_sigma_override=1)``) with ``a_r in {-1, 1}`` fixed; ``H(W)`` of eq. (12) is its
``G^(1)`` (:func:`kernels.empirical_gram`), ``H^inf`` its analytic limit
(:func:`kernels.analytic_gram`, ``c_sigma = 1``), and GD on eq. (10) is
:func:`kernels.train_gd` with ``train_a=False``.  Weights drawn next to data built from the
same seed come from an independent stream (:func:`_independent`).

Normalisation of ``H^inf`` (checked, not assumed): ``du_i/dw_r = a_r x_i [w_r.x_i >= 0] /
sqrt m``, so ``sum_r <du_i/dw_r, du_j/dw_r> = (1/m) x_i.x_j sum_r [..][..]`` is exactly
eq. (12) (``a_r^2 = 1``); ``H^inf_ij = x_i.x_j P(w.x_i >= 0, w.x_j >= 0) = x_i.x_j (pi -
arccos rho_ij) / (2 pi)``, ``rho_ij = x_i.x_j / (|x_i| |x_j|)`` -- for unit-norm data the
formula of the brief, with no extra factor.  It is ``landscape._lib.kernels``'
``K^(0) o E[relu'(u) relu'(v)]`` (Du-Lee-Li-Wang-Zhai's ``K^(1)`` divided by
``c_sigma = 2``).

Widths: the theorems need ``m = Omega(n^6 / (lambda_0^4 delta^3))`` -- 10^10 to 10^13 for
the data used here.  The ``lambda_min`` and ``decay`` claims are decided both ways on the
trend over the widths this machine affords (16 ... 16384), with the rule of
``du.thm5_1.linear_rate`` (:func:`trend.width_trend`): supported if every run at the
largest width stays within the bound at every step, refuted if at least half of them
violate it and no fewer than at the smallest width.

Findings recorded in the expectations (``why=``): ``golikov.yu_chen.rank`` is refuted in the
essay's bias-free setting (data ``{x, -x, 0}``: ``sigmoid(z) + sigmoid(-z) = 1``), and the
fixture ``golikov.yu_chen.symmetric`` is a positive-loss global minimum of eq. (7) with
``d_1 = m``; the same data refute Lemma 4.4 as the essay states it
(``golikov.nguyen_hein.lemma4_4``, k = 1), and ``golikov.nguyen_hein`` attacks the
corollary on them; antipodal inputs on the sphere make ``lambda_0 = 0`` only in specific
configurations (``golikov.du2019.h_inf.parallel``), scaled inputs off the sphere whenever
``x_j = c x_i``, ``c > 0`` (``.scaled``).  Remarks (notes, not verdicts): the essay's Hessian
formula prints ``x_j^2`` for ``x_j x_j^T``; PSD almost everywhere does not make ``L``
convex (Jensen violations are counted).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch
from hypothesis import reject
from hypothesis import strategies as st

from landscape._lib import certify, kernels, tolerance, trend
from landscape._lib import fixtures as _fixtures
from landscape._core import payload as _p
from landscape._core.context import Context, Outcome, Result, merge
from landscape._lib.errors import LandscapeError
from landscape._lib.linear_nets import DeepLinear, reduced_rank_optimum, subset_critical_point
from landscape._lib.networks.du import DuArchitecture
from landscape._lib.networks.mlp import MLP, MLPSpec
from landscape._core.registry import claim
from landscape._lib.strategies import a1_datasets, seeds
from landscape.claims.lds import _replay_lemma3, lemma3_outcome

PAPER = "003_6b1d70a06ebc74fd.txt"


# =======================================================================================
# The two-layer ReLU net of eq. (9): H(t), H^inf, training
# =======================================================================================

def two_layer_arch(d: int, m: int) -> DuArchitecture:
    """The net of eq. (9), ``f = (1/sqrt m) sum_r a_r [w_r.x]_+``: Du et al.'s FC network with
    ``H = 1``, relu and the layer scale ``sqrt(1/m)`` (``c_sigma_override = 1``)."""
    return DuArchitecture(d, m, 1, "relu", "fc", c_sigma_override=1.0)


def two_layer_params(w: np.ndarray, a: np.ndarray | None = None):
    """``DuParams`` of eq. (9) from ``W`` (``m x d``) and ``a`` (default all ones: ``a_r^2 = 1``
    is all eq. (12) sees)."""
    w = np.asarray(w, dtype=np.float64)
    return two_layer_arch(w.shape[1], w.shape[0]).params_from([w], np.ones(w.shape[0]) if a is None else a)


def h_inf(x: np.ndarray) -> np.ndarray:
    """``H^inf`` for the rows of ``x`` (``n x d``): :func:`kernels.analytic_gram` with ``H = 1``,
    relu, ``c_sigma = 1`` -- ``K^(0) o E[relu'(u) relu'(v)]`` (closed form)."""
    return kernels.analytic_gram(np.asarray(x, dtype=np.float64), 1, "relu", "fc", c_sigma_value=1.0).K


def h_inf_mp(x: np.ndarray, dps: int):
    """``H^inf`` in mpmath at ``dps`` digits from the exact float64 rows of ``x``."""
    import mpmath
    from fractions import Fraction

    fr = [[Fraction(float(v)) for v in r] for r in np.asarray(x, dtype=np.float64)]
    n = len(fr)
    dot = [[sum(a * b for a, b in zip(fr[i], fr[j])) for j in range(n)] for i in range(n)]  # exact rationals
    with mpmath.workdps(dps):
        h = mpmath.matrix(n, n)
        for i in range(n):
            for j in range(n):
                if dot[i][i] == 0 or dot[j][j] == 0:
                    h[i, j] = 0
                    continue
                d_ij = mpmath.mpf(dot[i][j].numerator) / dot[i][j].denominator
                if dot[i][j] ** 2 == dot[i][i] * dot[j][j]:  # parallel, decided exactly: rho = +-1
                    h[i, j] = d_ij / 2 if dot[i][j] > 0 else 0  # (pi - arccos(+-1)) / (2 pi) = 1/2, 0
                    continue
                den = mpmath.sqrt(mpmath.mpf(dot[i][i].numerator) / dot[i][i].denominator
                                  * mpmath.mpf(dot[j][j].numerator) / dot[j][j].denominator)
                rho = max(min(d_ij / den, mpmath.mpf(1)), mpmath.mpf(-1))
                h[i, j] = d_ij * (mpmath.pi - mpmath.acos(rho)) / (2 * mpmath.pi)
        return h


def two_layer_gram(x: np.ndarray, w: np.ndarray, a: np.ndarray | None = None) -> np.ndarray:
    """``H(W)`` of eq. (12): the ``W``-block Gram ``G^(1)`` of :func:`kernels.empirical_gram` for
    the net of eq. (9) (``(1/m) x_i.x_j sum_r a_r^2 [w_r.x_i > 0][w_r.x_j > 0]``; eq. (12)
    prints ``>= 0``, which differs only where some ``w_r.x_i = 0``: measure zero)."""
    p = two_layer_params(w, a)
    return kernels.empirical_gram(two_layer_arch(p.W[0].shape[1], p.W[0].shape[0]), p, x).layers[0]


def eq12_printed(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Eq. (12) exactly as printed, ``(1/m) x_i.x_j sum_r [w_r.x_i >= 0, w_r.x_j >= 0]`` -- used
    only to cross-check :func:`two_layer_gram` (and the Jacobian Gram of eq. (9))."""
    act = (x @ w.T >= 0).astype(np.float64)
    return (x @ x.T) * (act @ act.T) / w.shape[0]


def net_outputs(x: np.ndarray, w: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``u_i = (1/sqrt m) sum_r a_r [w_r.x_i]_+`` (eq. (9)), by the shared forward pass."""
    p = two_layer_params(w, a)
    return two_layer_arch(x.shape[1], w.shape[0]).output(p, x).numpy()


def init_two_layer(d: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Eq. after (10): ``w_r ~ N(0, I)``, ``a_r ~ U{-1, 1}`` (a numpy Generator seeded by ``seed``)."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, d)), rng.choice([-1.0, 1.0], size=m)


def unit_rows(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    x = rng.normal(size=(n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _independent(seed: int, stream: int) -> np.random.Generator:
    """A generator independent of ``default_rng(seed)`` (SeedSequence entropy ``[seed, stream]``):
    for weights drawn alongside data built from the same seed."""
    return np.random.default_rng([int(seed) % 2**63, int(stream)])


@functools.lru_cache(maxsize=None)
def _train_cached(key: tuple) -> dict:
    x = np.array(key[0])
    y = np.array(key[1])
    return _train_two_layer(x, y, *key[2:])


def train_two_layer(x: np.ndarray, y: np.ndarray, m: int, seed: int, eta: float | None = None,
                    steps: int | None = None, max_steps: int = 4000) -> dict:
    """Full-batch GD on eq. (10), ``W`` only (``a`` fixed): ``W <- W - eta dL/dW``, ``t = k eta``.

    The shared trainer :func:`kernels.train_gd` on :func:`two_layer_arch` with
    ``train_a=False``, ``H(k)`` (eq. (12)) recorded at every step.  ``eta`` (default
    ``0.25 / max(lambda_max(H^inf), lambda_max(H(0)))``, so GD follows the gradient flow:
    ``eta lambda_max <= 1/4``); ``steps`` (default: the time ``T`` with
    ``exp(-lambda_0 T) = 10^-3``, at most ``max_steps``).  Decides, per step,
    ``lambda_0/2 <= lambda_min(H(k))`` and ``||u(k) - y||^2 <= exp(-lambda_0 k eta) ||u(0) - y||^2``
    with :func:`tolerance.at_most`.  A run that blows up (:func:`kernels.train_gd`: loss
    non-finite or > 1e12 L(0)) violates the decay bound at the step it blew up, and the
    lambda bound there is decided on ``H`` at that iterate (a violation if it is not finite);
    such a run is never ``complete``.  Cached (deterministic in its arguments).
    """
    key = (tuple(map(tuple, np.asarray(x, dtype=float).tolist())), tuple(np.asarray(y, dtype=float).tolist()),
           int(m), int(seed), eta, steps, int(max_steps))
    return _train_cached(key)


def _train_two_layer(x, y, m, seed, eta, steps, max_steps) -> dict:
    n, d = x.shape
    w0, a = init_two_layer(d, m, seed)
    arch = two_layer_arch(d, m)
    p0 = arch.params_from([w0], a)
    hinf = h_inf(x)
    ev = np.linalg.eigvalsh(hinf)
    lam0 = float(ev[0])
    h = two_layer_gram(x, w0)
    if eta is None:
        eta = 0.25 / max(float(ev[-1]), float(np.linalg.eigvalsh(h)[-1]))
    if steps is None:
        steps = int(min(max_steps, math.ceil(math.log(1e3) / max(lam0, 1e-12) / eta)))
    hist = kernels.train_gd(arch, p0, x, y, eta=eta, steps=steps, gram_every=1, dist_every=None, train_a=False)
    lam_min = np.linalg.eigvalsh(np.stack(hist.grams))[:, 0].tolist()
    r2 = (2.0 * hist.loss).tolist()  # ||u - y||^2 = 2 L (eq. (10))
    lam_viol = lam_band = dec_viol = dec_band = 0
    first_lam_viol = first_dec_viol = None
    dec_worst_ratio = 0.0
    for k, (lm, rr) in enumerate(zip(lam_min, r2)):
        dl = tolerance.at_most(lam0 / 2, lm)
        if dl.outcome == "nonzero":
            lam_viol += 1
            first_lam_viol = k if first_lam_viol is None else first_lam_viol
        elif dl.outcome == "band":
            lam_band += 1
        bound = math.exp(-lam0 * k * eta) * r2[0]
        dd = tolerance.at_most(rr, bound)
        if dd.outcome == "nonzero":
            dec_viol += 1
            first_dec_viol = k if first_dec_viol is None else first_dec_viol
        elif dd.outcome == "band":
            dec_band += 1
        if bound > 0 and k > 0:  # at k = 0 both sides are equal: the margin is measured from k = 1 on
            dec_worst_ratio = max(dec_worst_ratio, rr / bound)
    blow_r2 = blow_lam = None
    if hist.diverged:  # the step that blew up is a step of the run: decided like the others
        kb = hist.blowup_step
        blow_r2 = 2.0 * float(hist.blowup_loss)  # non-finite or > 1e12 ||u(0) - y||^2 >= the envelope: a violation
        dec_viol += 1
        first_dec_viol = kb if first_dec_viol is None else first_dec_viol
        dec_worst_ratio = math.inf
        g = hist.blowup_gram  # H(k) at the iterate that blew up (None if its forward pass was not finite)
        blow_lam = float(np.linalg.eigvalsh(g)[0]) if g is not None and np.all(np.isfinite(g)) else math.nan
        dl = tolerance.at_most(lam0 / 2, blow_lam) if math.isfinite(blow_lam) else None
        if dl is None or dl.outcome == "nonzero":
            lam_viol += 1
            first_lam_viol = kb if first_lam_viol is None else first_lam_viol
        elif dl.outcome == "band":
            lam_band += 1
    return {"n": n, "d": d, "m": m, "seed": seed, "eta": eta, "steps": len(r2) - 1, "planned_steps": int(steps),
            "complete": hist.complete, "diverged": hist.diverged, "blowup_step": hist.blowup_step,
            "blowup_r2": blow_r2, "blowup_lam_min": blow_lam, "lambda0": lam0,
            "lambda_max_inf": float(ev[-1]), "lam_min": lam_min, "r2": r2, "lam_violations": lam_viol,
            "lam_band": lam_band, "first_lam_violation": first_lam_viol,
            "lam_worst_ratio": (min(lam_min) if blow_lam is None else
                                (min(min(lam_min), blow_lam) if math.isfinite(blow_lam) else -math.inf)) / (lam0 / 2),
            "decay_violations": dec_viol, "decay_band": dec_band,
            "first_decay_violation": first_dec_viol, "decay_worst_ratio": dec_worst_ratio,
            "dist_w": float(hist.dist[-1, 0]) * math.sqrt(m)}


# =======================================================================================
# golikov.du2019.h_inf and its variants
# =======================================================================================

#: Confidence of the Hoeffding check of H(0) against H^inf (per example, all entries jointly).
HOEFFDING_DELTA = 1e-6


def _parallel_pairs(x: np.ndarray) -> list[list[int]]:
    """Index pairs of parallel rows (|cos| = 1 to 12 digits), duplicates included."""
    nrm = np.linalg.norm(x, axis=1)
    out = []
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            if nrm[i] == 0 or nrm[j] == 0 or abs(abs(x[i] @ x[j]) / (nrm[i] * nrm[j]) - 1) < 1e-12:
                out.append([i, j])
    return out


def hoeffding_check(x: np.ndarray, m: int, seed: int) -> tuple[tolerance.Decision, float, float]:
    """``max_ij |H_ij(0) - H^inf_ij| / t_ij <= 1`` with Hoeffding's ``t_ij = |x_i.x_j| sqrt(log(2 P / delta) / (2m))``.

    ``H_ij(0)`` averages ``m`` i.i.d. terms in an interval of length ``|x_i.x_j|`` (the
    argument of Du et al.'s Lemma 3.1); ``P = n(n+1)/2`` entries share ``delta``.
    Returns the decision, the worst ratio and the largest absolute error.
    """
    n, d = x.shape
    w = _independent(seed, 12).normal(size=(m, d))  # independent of data built from the same seed
    h0 = two_layer_gram(x, w)
    hi = h_inf(x)
    pairs = n * (n + 1) / 2
    t = np.abs(x @ x.T) * math.sqrt(math.log(2 * pairs / HOEFFDING_DELTA) / (2 * m))
    err = np.abs(h0 - hi)
    ratio = float(np.max(np.where(t > 0, err / np.where(t > 0, t, 1.0), np.where(err > 0, np.inf, 0.0))))
    return tolerance.at_most(ratio, 1.0), ratio, float(np.max(err))


def h_inf_outcome(x: np.ndarray, mc_seed: int, mc_m: int, family: str = "generic") -> Outcome:
    """lambda_0 > 0 decided on H^inf (multiple precision when float64 is not clear) + Hoeffding check of H(0)."""
    hi = h_inf(x)
    ev = np.linalg.eigvalsh(hi)
    rk = tolerance.rank(hi, exact=lambda dps: h_inf_mp(x, dps))
    hoef, ratio, err = hoeffding_check(x, mc_m, mc_seed)
    stats = {"family": family, "n": x.shape[0], "d": x.shape[1], "lambda0": float(ev[0]), "lambda_max": float(ev[-1]),
             "rank": rk.rank, "s_normalised": rk.s_normalised, "precision": rk.decision.precision,
             "parallel_pairs": _parallel_pairs(x), "mc_m": mc_m, "hoeffding_ratio": ratio, "mc_max_error": err,
             "unit_norm": bool(np.allclose(np.linalg.norm(x, axis=1), 1.0, rtol=0, atol=1e-12))}
    payload = {"x": x.tolist(), "mc_seed": mc_seed, "mc_m": mc_m, "family": family}
    if hoef.outcome == "nonzero":
        return Outcome.fails(payload, hoef.margin, note=(f"H(0) at m = {mc_m} differs from the closed-form H^inf by "
                                                         f"{ratio:.2f} x the Hoeffding bound (delta = {HOEFFDING_DELTA})"),
                             **stats)
    if rk.full is False:
        return Outcome.fails(payload, rk.decision.margin,
                             note=(f"lambda_0 = 0: rank H^inf = {rk.rank} < n = {x.shape[0]} (s_n/s_1 = "
                                   f"{rk.s_normalised:.1e}, decided at {rk.decision.precision})"), **stats)
    if rk.full is None or hoef.outcome == "band":
        return Outcome.band(note="rank of H^inf or the Hoeffding comparison in the tolerance band", **stats)
    return Outcome.holds(min(rk.decision.margin, math.log10(1.0 / max(ratio, 1e-300))), **stats)


@st.composite
def nonparallel_sphere_data(draw, *, max_n: int = 8) -> np.ndarray:
    """Unit-norm rows, no two parallel: gaussian directions, points on a circle, a tight cluster, one orthant."""
    fam = draw(st.sampled_from(["gaussian", "circle", "cluster", "orthant"]))
    n = draw(st.integers(2, max_n))
    d = 2 if fam == "circle" else draw(st.integers(2, 4))
    rng = np.random.default_rng(draw(seeds()))
    if fam == "circle":
        th = rng.uniform(0, 2 * np.pi, size=n)
        x = np.stack([np.cos(th), np.sin(th)], axis=1)
    elif fam == "cluster":
        x = rng.normal(size=d) + 0.05 * rng.normal(size=(n, d))
    elif fam == "orthant":
        x = np.abs(rng.normal(size=(n, d)))
    else:
        x = rng.normal(size=(n, d))
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    if _parallel_pairs(x):
        reject()
    return x


PARALLEL_FAMILIES = ("antipodal_one", "antipodal_many", "scaled", "neg_scaled")


def parallel_example(family: str, n_extra: int, d: int, k: int, c: float, seed: int) -> np.ndarray:
    """Data with parallel rows.

    ``antipodal_one``: ``n_extra`` generic unit rows plus ``x, -x``; ``antipodal_many``:
    ``k`` antipodal pairs ``x_i, -x_i`` plus ``n_extra`` generic rows (all unit-norm);
    ``scaled``: generic rows plus ``c x_0`` (``c > 0, c != 1``: off the sphere);
    ``neg_scaled``: generic rows plus ``-c x_0``.
    """
    rng = np.random.default_rng(seed)
    base = unit_rows(rng, max(n_extra, 1), d)
    if family == "antipodal_one":
        v = unit_rows(rng, 1, d)
        return np.vstack([base[:n_extra], v, -v])
    if family == "antipodal_many":
        v = unit_rows(rng, k, d)
        return np.vstack([v, -v, base[:n_extra]])
    if family == "scaled":
        return np.vstack([base, c * base[:1]])
    if family == "neg_scaled":
        return np.vstack([base, -c * base[:1]])
    raise LandscapeError(f"unknown parallel family {family!r}; expected one of {', '.join(PARALLEL_FAMILIES)}")


def duplicated_example(n_extra: int, d: int, copies: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = unit_rows(rng, n_extra + 1, d)
    return np.vstack([base, np.repeat(base[:1], copies, axis=0)])


def _ctx_for(seed: int, draws: int = 1) -> Context:
    """A context with run seed ``seed``: its :meth:`Context.rng` streams are those of the claim run
    with that seed (they depend on the seed and the keys only) -- for replays."""
    from landscape._core.profiles import Profile

    return Context(Profile("replay", 0, int(draws), ""), seed=int(seed))


def mc_slope(x: np.ndarray, widths: list[int], reps: int, seed: int, replicate: int = 0) -> dict:
    """max |H(0) - H^inf| against m on the data ``x`` (weights ``rng("golikov-hinf-mc", m, s)`` of the
    run seed ``seed``; ``replicate`` > 0: the independent weights of a confirmation, :func:`trend.confirm`),
    its log-log slope, the fit on the 3 largest widths and the decision of :func:`trend.decay_at_least`;
    ``payload`` replays it."""
    ctx = _ctx_for(seed)
    hi = h_inf(x)
    errs, table = [], {}
    extra = ("replicate", replicate) if replicate else ()
    for m in widths:
        e = []
        for s in range(reps):
            w = ctx.rng("golikov-hinf-mc", m, s, *extra).normal(size=(m, x.shape[1]))
            e.append(float(np.max(np.abs(two_layer_gram(x, w) - hi))))
        table[m] = e
        errs += e
    xs = [m for m in widths for _ in range(reps)]
    sl, tail = trend.fit(xs, errs), trend.fit_tail(xs, errs)
    return {"slope": sl, "tail": tail, "decision": trend.decay_at_least(sl, -0.5, tail=tail), "errors": table,
            "payload": {"kind": "slope", "x": np.asarray(x).tolist(), "widths": [int(m) for m in widths],
                        "reps": int(reps), "seed": int(seed), "replicate": int(replicate)}}


def confirmed_mc_slope(x: np.ndarray, widths: list[int], reps: int, seed: int) -> dict:
    """:func:`mc_slope`, its decision confirmed on independent weights when it may refute
    (:func:`trend.confirm`): ``c["decision"]`` is the confirmed one, ``c["first"]`` the first
    measurement's and ``c["replicate"]`` the replicate (None when none was needed)."""
    c = mc_slope(x, widths, reps, seed)
    box: dict = {}

    def again() -> trend.TrendDecision:
        box["c"] = mc_slope(x, widths, reps, seed, replicate=1)
        return box["c"]["decision"]

    c["first"], c["replicate"] = c["decision"], None
    c["decision"], _ = trend.confirm(c["decision"], again)
    if "c" in box:
        c["replicate"] = box["c"]
        c["payload"]["confirmed"] = True
    return c


def _slope_outcome(c: dict) -> Outcome:
    dec = c["decision"]
    stats = {"slope": c["slope"].as_dict(), "largest_widths": c["tail"].as_dict(),
             "errors": {str(m): v for m, v in c["errors"].items()}, "rule": dec.note}
    if dec.status == "holds":
        return Outcome.holds(dec.margin, **stats)
    if dec.status == "fails":
        return Outcome.fails(c["payload"], dec.margin, note=f"Monte Carlo error: {dec.note}", **stats)
    return Outcome.band(note=dec.note, **stats)


def _mc_slope(ctx: Context) -> tuple[Outcome, dict]:
    """max |H(0) - H^inf| against m on one dataset (Lemma 3.1's concentration, Hoeffding: an
    upper bound ~ m^(-1/2)): :func:`trend.decay_at_least` -- refuted only if the slope's 95%
    interval lies entirely above -1/2 on all widths and on the 3 largest, inconclusive if only
    the 3 largest reach -1/2, supported if the all-widths interval reaches -1/2 and lies below 0."""
    x = unit_rows(ctx.rng("golikov-hinf-slope"), 6, 3)
    ms = [100, 400, 1600, 6400] + ([25600] if ctx.max_examples > 12 else [])
    c = confirmed_mc_slope(x, ms, max(4, ctx.draws), ctx.seed)
    o = _slope_outcome(c)
    table = c["errors"]
    mean = [float(np.mean(table[m])) for m in ms]
    fig = {"kind": "line", "title": "Monte Carlo H(0) (eq. 12) against the closed-form H^inf", "xlabel": "m",
           "ylabel": "max_ij |H_ij(0) - H^inf_ij|", "logx": True, "logy": True,
           "series": {"measured (mean over seeds)": {"x": ms, "y": mean},
                      "m^(-1/2) reference": {"x": ms, "y": [mean[0] * (m / ms[0]) ** -0.5 for m in ms]}}}
    return o, fig


def independent_outcome(x: np.ndarray, init_seed: int, index: int, m: int = 64) -> Outcome:
    """Closed-form H^inf vs polar quadrature, and the shared Gram (:func:`two_layer_gram`) vs the
    printed eq. (12) and vs the autodiff Gram of an independently written eq. (9) at width ``m``
    (weights :func:`init_two_layer` ``(d, m, init_seed)``)."""
    k = x @ x.T
    dg = np.diag(k)
    quad = k * kernels.pair_expectation("relu", np.broadcast_to(dg[:, None], k.shape), k,
                                        np.broadcast_to(dg[None, :], k.shape), derivative=True, method="polar")
    hi = h_inf(x)
    dq = tolerance.classify(float(np.max(np.abs(quad - hi))) / float(np.max(np.abs(hi))))
    w, a = init_two_layer(x.shape[1], m, init_seed)
    wt = torch.as_tensor(w)

    def u_of(wv: torch.Tensor) -> torch.Tensor:
        return torch.relu(torch.as_tensor(x) @ wv.T) @ torch.as_tensor(a) / math.sqrt(m)

    jac = torch.func.jacrev(u_of)(wt).reshape(x.shape[0], -1).numpy()
    gj = jac @ jac.T
    shared = two_layer_gram(x, w, a)
    dj = tolerance.classify(float(np.max(np.abs(gj - shared))) / float(np.max(np.abs(gj))))
    dp = tolerance.classify(float(np.max(np.abs(eq12_printed(x, w) - shared))) / float(np.max(np.abs(gj))))
    antipodal = bool(np.allclose(x[1], -x[0], rtol=0, atol=1e-15)) if len(x) > 1 else False
    stats = {"check": "closed form vs quadrature; shared Gram vs autodiff Gram and printed eq. (12)",
             "quadrature_gap": dq.value, "shared_vs_jacobian_gap": dj.value, "shared_vs_eq12_gap": dp.value,
             "antipodal_pair": antipodal}
    decs = (dq, dj, dp)
    bad = [d for d in decs if d.outcome == "nonzero"]
    if bad:
        return Outcome.fails({"kind": "independent", "index": int(index), "x": np.asarray(x).tolist(),
                              "init_seed": int(init_seed), "m": int(m)}, min(d.margin for d in bad),
                             note="closed-form H^inf or the Gram of eq. (12) disagrees with an independent computation",
                             **stats)
    if any(d.outcome == "band" for d in decs):
        return Outcome.band(**stats)
    return Outcome.holds(min(d.margin for d in decs), **stats)


def _independent_checks(ctx: Context) -> list[Outcome]:
    """:func:`independent_outcome` on ``ctx.draws`` datasets (every other one with an antipodal pair:
    the rho = -1 corner of the formula)."""
    out = []
    for i in range(ctx.draws):
        rng = ctx.rng("golikov-hinf-indep", i)
        x = unit_rows(rng, 5, 3)
        if i % 2 == 1:
            x[1] = -x[0]
        out.append(independent_outcome(x, int(rng.integers(2**31)), i))
    return out


def _hinf_result(ctx: Context, res, extra: list[Outcome], figures: list[dict], what: str) -> Result:
    lam = [o.stats["lambda0"] for o in res.outcomes + extra if "lambda0" in o.stats]
    by_fam: dict[str, dict[str, int]] = {}
    for o in res.outcomes + extra:
        f = o.stats.get("family")
        if f is None:
            continue
        by_fam.setdefault(f, {"lambda0>0": 0, "lambda0=0": 0, "band": 0})
        key = "lambda0=0" if o.status == "fails" and o.stats.get("rank", 0) < o.stats.get("n", 0) else (
            "band" if o.status == "band" else "lambda0>0")
        by_fam[f][key] += 1
    fig = {"kind": "hist", "title": f"lambda_0 = lambda_min(H^inf) ({what})", "xlabel": "log10 lambda_0",
           "ylabel": "datasets", "data": {"lambda_0": [math.log10(max(v, 1e-20)) for v in lam]}}
    ns = [o.stats["n"] for o in res.outcomes + extra if "n" in o.stats and "lambda0" in o.stats]
    ds = [o.stats["d"] for o in res.outcomes + extra if "d" in o.stats and "lambda0" in o.stats]
    size = f"n <= {max(ns)}, d <= {max(ds)}" if ns else "no dataset"
    return merge([res], extra=extra, statistics={"by_family": by_fam, "min_lambda0": min(lam) if lam else None,
                                                 "max_n": max(ns) if ns else None},
                 tried=(f"{res.examples} Hypothesis datasets ({what}; {size}) + {len(extra)} fixed checks; "
                        "rank of the closed-form H^inf decided in float64, escalated to 50-400 digits; H(0) of eq. (12) "
                        f"at m = {1000 * ctx.draws} against H^inf with Hoeffding's bound (delta = {HOEFFDING_DELTA})"),
                 figures=[fig] + figures)


@claim(
    "golikov.du2019.h_inf",
    title="H^inf (closed form) is positive definite for unit-norm data with no two inputs parallel",
    source=f"{PAPER}, section 2.2, definition of H^inf and lambda_0 (after eq. (13)); Theorem 3.1 of Du et al. 2019",
    statement=("For f = (1/sqrt m) sum_r a_r relu(w_r.x), H^inf_ij = E_w[x_i.x_j 1{w.x_i >= 0, w.x_j >= 0}] = "
               "x_i.x_j (pi - arccos(x_i.x_j)) / (2 pi) for unit-norm data, and lambda_0 = lambda_min(H^inf) > 0 "
               "when no two inputs are parallel."),
    hypotheses=("||x_i|| = 1", "no two inputs parallel", "w ~ N(0, I)"),
)
def check_h_inf(ctx: Context) -> Result:
    mc_m = 1000 * ctx.draws

    @st.composite
    def examples(draw):
        return draw(nonparallel_sphere_data()), draw(seeds())

    res = ctx.search(examples(), lambda ex: h_inf_outcome(ex[0], ex[1], mc_m, "non-parallel"),
                     label="H^inf, non-parallel unit-norm data", max_examples=2 * ctx.max_examples)
    slope, fig = _mc_slope(ctx)
    r = _hinf_result(ctx, res, _independent_checks(ctx) + [slope], [fig], "non-parallel unit-norm data")
    r.statistics["monte_carlo_slope"] = {"slope": slope.stats["slope"], "rule": slope.stats["rule"]}
    r.tried += (f"; {ctx.draws} independent checks (closed form vs polar quadrature, shared Gram vs autodiff Gram and "
                "printed eq. (12)); max |H(0) - H^inf| against m = 100..6400 (25600 beyond quick): slope decided by "
                "trend.decay_at_least (refuted if the 95% interval lies entirely above -1/2, also on the 3 largest widths; "
                "inconclusive if only the 3 largest reach -1/2; supported if the all-widths interval reaches -1/2 "
                "and lies below 0)")
    return r


def _replay_hinf(p: dict) -> Outcome:
    """A dataset (rank of H^inf + Hoeffding check); the Monte Carlo slope (``kind = slope``:
    every stored width and seed re-measured, < 1 s, and re-decided); an independent check
    (``kind = independent``: the three comparisons recomputed)."""
    x = _p.require_matrix(p, "x", _p.MAX_N, _p.MAX_DIM)
    if p.get("kind") == "slope":
        widths = _p.require_ints(p, "widths", 1, _p.MAX_WIDTH, min_len=2, max_len=100)
        reps = _p.require_int(p, "reps", 1, _p.MAX_COUNT)
        if len(set(widths)) < 2:
            raise LandscapeError(f"payload field 'widths' = {widths}: expected at least 2 distinct widths")
        fn = confirmed_mc_slope if p.get("confirmed") else mc_slope
        return _slope_outcome(fn(x, widths, reps, _p.require_seed(p)))
    if p.get("kind") == "independent":
        return independent_outcome(x, _p.require_seed(p, "init_seed"), _p.require_int(p, "index", 0, _p.MAX_COUNT),
                                   _p.require_int(p, "m", 1, _p.MAX_WIDTH))
    return h_inf_outcome(x, _p.require_seed(p, "mc_seed"), _p.require_int(p, "mc_m", 1, _p.MAX_COUNT),
                         _p.require_str(p, "family", default=""))


check_h_inf.replayer(_replay_hinf)


def _parallel_search(ctx: Context, fams: tuple[str, ...], label: str, mc_m: int):
    @st.composite
    def examples(draw):
        fam = draw(st.sampled_from(fams))
        d = draw(st.integers(2, 4))
        k = draw(st.sampled_from([d + 1, 1, 2, d, d + 2]))
        c = draw(st.sampled_from([0.5, 2.0, 4.0, 0.25]))  # powers of 2: c x is exactly parallel to x in float64
        return fam, draw(st.integers(0, 4)), d, k, c, draw(seeds())

    def fn(ex):
        fam, ne, d, k, c, s = ex
        return h_inf_outcome(parallel_example(fam, ne, d, k, c, s), s, mc_m, fam)

    return ctx.search(examples(), fn, label=label, max_examples=ctx.max_examples)


def _counterexample_note(r: Result) -> None:
    """Say (computed, not assumed) whether the recorded counterexample lies on the unit sphere."""
    if r.counterexample is not None and "x" in r.counterexample:
        x = np.asarray(r.counterexample["x"], dtype=float)
        on = bool(np.allclose(np.linalg.norm(x, axis=1), 1.0, rtol=0, atol=1e-12))
        r.statistics["counterexample_unit_norm"] = on
        r.notes.append(f"The recorded counterexample ({x.shape[0]} points in R^{x.shape[1]}, family "
                       f"{r.counterexample.get('family')}) is {'on' if on else 'off'} the unit sphere (computed).")


@claim(
    "golikov.du2019.h_inf.parallel",
    title="H^inf with antipodal inputs (x_j = -x_i) on the unit sphere",
    source=f"{PAPER}, section 2.2 (Theorem 3.1 of Du et al.); the hypothesis 'no two inputs parallel' removed",
    statement=("With unit-norm inputs some of which are parallel (on the sphere: x_j = -x_i), "
               "lambda_0 = lambda_min(H^inf) > 0 still."),
    hypotheses=("||x_i|| = 1 kept", "parallel families: one antipodal pair; k antipodal pairs (k <= d + 2)"),
    paper="inconclusive",
    expected="refuted",
    why=("The essay's condition is sufficient, not necessary, and it asserts nothing for parallel data. The suite "
         "finds: one antipodal pair x, -x keeps lambda_0 > 0 (for that pair x_i.x_j = -1 and P(w.x_i >= 0, "
         "w.x_j >= 0) = 0, so only the entry H^inf_ij is 0; the two rows stay independent); and d antipodal pairs "
         "with independent directions keep it too. But d + 1 antipodal pairs in R^d make H^inf singular: with "
         "sum_k c_k x_k = 0, sum_k c_k (1{w.x_k > 0} x_k - 1{w.x_k < 0} (-x_k)) = sum_k c_k x_k = 0 for every w "
         "(relu(z) - relu(-z) = z), so the features of the 2(d + 1) points are dependent."),
)
def check_h_inf_parallel(ctx: Context) -> Result:
    mc_m = 1000 * ctx.draws
    on = _parallel_search(ctx, ("antipodal_one", "antipodal_many"), "parallel inputs on the unit sphere (x_j = -x_i)",
                          mc_m)
    extra = []
    for d in (2, 3, 4):  # the boundary: d antipodal pairs vs d + 1
        for k in (d, d + 1):
            s = int(ctx.rng("golikov-parallel", d, k).integers(2**31))
            extra.append(h_inf_outcome(parallel_example("antipodal_many", 1, d, k, 1.0, s), s, mc_m, "antipodal_many"))
    s = int(ctx.rng("golikov-parallel", "antipodal_one").integers(2**31))
    extra.append(h_inf_outcome(parallel_example("antipodal_one", 3, 3, 1, 2.0, s), s, mc_m, "antipodal_one"))
    r = _hinf_result(ctx, on, extra, [], "antipodal inputs on the unit sphere")
    pairs: dict[str, set] = {}
    for o in on.outcomes + extra:
        if o.stats.get("family") == "antipodal_many":
            key = f"d={o.stats['d']}, antipodal pairs={len(o.stats['parallel_pairs'])}"
            pairs.setdefault(key, set()).add("lambda0=0" if o.status == "fails" else "lambda0>0")
    r.statistics["antipodal_many_by_d_and_pairs"] = {k: sorted(v) for k, v in sorted(pairs.items())}
    r.tried += (" (one antipodal pair plus up to 4 generic rows; k <= d + 2 antipodal pairs plus up to 4 rows; the "
                "fixed cases are d and d + 1 pairs for d = 2, 3, 4; parallel pairs decided exactly: rho = +-1)")
    r.notes.append("lambda_0 = 0 exactly when the antipodal pairs' directions are linearly dependent (e.g. d + 1 pairs "
                   "in R^d); one antipodal pair, or independent pairs, keep lambda_0 > 0: the theorem's condition is "
                   "sufficient, not necessary.")
    _counterexample_note(r)
    return r


@claim(
    "golikov.du2019.h_inf.scaled",
    title="H^inf with parallel inputs off the sphere (x_j = c x_i, c != +-1)",
    source=(f"{PAPER}, section 2.2 (Theorem 3.1 of Du et al.); two hypotheses removed at once: 'no two inputs "
            "parallel' and ||x_i|| = 1"),
    statement="With some x_j = c x_i or x_j = -c x_i (c > 0, c != 1; not unit norm), lambda_0 > 0 still.",
    hypotheses=("families x_j = c x_i and x_j = -c x_i, c in {1/4, 1/2, 2, 4} (exact in float64)",
                "the scaled point is off the unit sphere"),
    paper="inconclusive",
    expected="refuted",
    why=("Outside the essay's hypotheses (unit norm and non-parallel both dropped), so it asserts nothing. x_j = c x_i "
         "with c > 0 makes rows i and j of H^inf proportional (H^inf_jk = c H^inf_ik: the indicator does not see c): "
         "singular. x_j = -c x_i alone keeps lambda_0 > 0, as one antipodal pair does."),
)
def check_h_inf_scaled(ctx: Context) -> Result:
    mc_m = 1000 * ctx.draws
    off = _parallel_search(ctx, ("scaled", "neg_scaled"), "parallel inputs off the sphere (x_j = +-c x_i, c != 1)", mc_m)
    extra = []
    for fam in ("scaled", "neg_scaled"):
        s = int(ctx.rng("golikov-parallel", fam).integers(2**31))
        extra.append(h_inf_outcome(parallel_example(fam, 3, 3, 1, 2.0, s), s, mc_m, fam))
    r = _hinf_result(ctx, off, extra, [], "parallel inputs off the sphere")
    _counterexample_note(r)
    return r


@claim(
    "golikov.du2019.h_inf.duplicated",
    title="H^inf with a duplicated input (x_i = x_j)",
    source=f"{PAPER}, section 2.2; the hypothesis 'no two inputs parallel' removed (c = 1)",
    statement="With a duplicated input x_j = x_i, lambda_0 = lambda_min(H^inf) > 0 still.",
    hypotheses=("unit-norm data with one row repeated 1-2 times",),
    paper="refuted",
    expected="refuted",
    why="Equal inputs give equal rows of H^inf: lambda_0 = 0 exactly, for every dataset.",
)
def check_h_inf_duplicated(ctx: Context) -> Result:
    mc_m = 1000 * ctx.draws

    @st.composite
    def examples(draw):
        return draw(st.integers(0, 5)), draw(st.integers(2, 4)), draw(st.integers(1, 2)), draw(seeds())

    def fn(ex):
        ne, d, cp, s = ex
        return h_inf_outcome(duplicated_example(ne, d, cp, s), s, mc_m, "duplicated")

    res = ctx.search(examples(), fn, label="H^inf, duplicated inputs", max_examples=ctx.max_examples)
    return _hinf_result(ctx, res, [], [], "duplicated inputs")


check_h_inf_parallel.replayer(_replay_hinf)
check_h_inf_scaled.replayer(_replay_hinf)
check_h_inf_duplicated.replayer(_replay_hinf)


# =======================================================================================
# golikov.du2019.lambda_min / .decay (+ .small_m): training runs over widths
# =======================================================================================

N_DU, D_DU = 6, 4  # n data points in R^d for the training runs


def _du_widths(ctx: Context) -> list[int]:
    return [16, 64, 256, 1024, 4096, 16384]  # 32768 costs ~5 s per run here: beyond the budget


def _du_data(ctx: Context, i: int) -> tuple[np.ndarray, np.ndarray]:
    rng = ctx.rng("golikov-du-data", i)
    return unit_rows(rng, N_DU, D_DU), rng.uniform(-1.0, 1.0, size=N_DU)


@functools.lru_cache(maxsize=8)
def _du_runs_cached(seed: int, draws: int, widths: tuple[int, ...], inits: int) -> dict:
    from landscape._core.profiles import Profile

    ctx = Context(Profile("cache", 0, draws, ""), seed=seed)
    runs = []
    for i in range(draws):
        x, y = _du_data(ctx, i)
        for m in widths:
            for s in range(inits):
                init_seed = int(ctx.rng("golikov-du-init", i, m, s).integers(2**31))
                r = train_two_layer(x, y, m, init_seed)
                runs.append({"dataset": i, "init": s, **r})
    return {"runs": runs, "widths": list(widths)}


#: Initialisations per (dataset, width) of the training runs.
DU_INITS = 2


def du_runs(ctx: Context) -> dict:
    """Every GD run (datasets x widths x inits), shared by the lambda_min and decay claims (cached)."""
    return _du_runs_cached(ctx.seed, ctx.draws, tuple(_du_widths(ctx)), DU_INITS)


def _trend_decision(tr: dict, key: str) -> tuple[trend.TrendDecision, dict, list[dict]]:
    """:func:`trend.width_trend` on the runs: a run is clean if every planned step was recorded
    (no blow-up) and decided within the bound (no violation, no band step)."""
    runs, ws = tr["runs"], sorted(tr["widths"])
    viol, band = f"{key}_violations", f"{key}_band"
    bad = {m: float(np.mean([r[viol] > 0 for r in runs if r["m"] == m])) for m in ws}
    band_runs = {m: float(np.mean([r[viol] == 0 and r[band] > 0 for r in runs if r["m"] == m])) for m in ws}
    frac_iter = {m: float(np.mean([1 - (r[viol] + r[band]) / (r["steps"] + 1 + int(r["diverged"]))
                                   for r in runs if r["m"] == m])) for m in ws}
    top_runs = [r for r in runs if r["m"] == ws[-1]]
    clean = all(r[viol] == 0 and r[band] == 0 and r["complete"] for r in top_runs)
    dec = trend.width_trend(bad, top_clean=clean)
    lam0 = [r["lambda0"] for r in runs]
    need = max(N_DU**6 / (l**4 * 0.1**3) for l in lam0)
    return dec, {"fraction_of_runs_violating": bad, "fraction_of_runs_with_band_steps_only": band_runs,
                 "fraction_of_steps_within_bound": frac_iter, "rule": dec.note,
                 "diverged_runs_by_width": {m: sum(r["diverged"] for r in runs if r["m"] == m) for m in ws},
                 "lambda0_range": [min(lam0), max(lam0)], "theorem_width_n6_over_lambda4_delta3": need}, top_runs


#: Widths (multiples of the largest planned width) at which a dataset whose runs at the largest width
#: are not clean is re-run before the trend counts as undecided.
DU_REDECIDE_FACTORS = (4, 16)


def _clean(r: dict, key: str) -> bool:
    return r[f"{key}_violations"] == 0 and r[f"{key}_band"] == 0 and r["complete"]


def _redecide_wider(ctx: Context, tr: dict, key: str, dec: trend.TrendDecision) -> tuple[trend.TrendDecision, dict]:
    """Re-decide an undecided width trend on larger widths, dataset by dataset.

    The theorem's width grows like lambda_0^-4: a dataset with a small lambda_0 (0.026 among the
    standard profile's seed-1 datasets) still violates the bound at the largest planned width
    although the violations recede with m.  Such datasets -- and only they -- are re-run with
    the same initialisation streams at :data:`DU_REDECIDE_FACTORS` x the largest width; the
    trend holds if every one of them is clean at some larger width (every run at that width
    within the bound at every step, no band step, no blow-up), else it stays undecided.
    """
    from landscape._core.profiles import Profile

    top = max(tr["widths"])
    bad_sets = sorted({r["dataset"] for r in tr["runs"] if r["m"] == top and not _clean(r, key)})
    c0 = Context(Profile("cache", 0, ctx.draws, ""), seed=ctx.seed)
    detail = {}
    for i in bad_sets:
        x, y = _du_data(c0, i)
        detail[str(i)] = {"clean_at": None, "runs": []}
        for f in DU_REDECIDE_FACTORS:
            m = top * f
            rs = [train_two_layer(x, y, m, int(c0.rng("golikov-du-init", i, m, s).integers(2**31)))
                  for s in range(DU_INITS)]
            detail[str(i)]["runs"].append({"m": m, "clean": [bool(_clean(r, key)) for r in rs],
                                           "lambda0": float(rs[0]["lambda0"])})
            if all(_clean(r, key) for r in rs):
                detail[str(i)]["clean_at"] = m
                break
    if bad_sets and all(d["clean_at"] is not None for d in detail.values()):
        return trend.TrendDecision("holds", 0.0, f"{dec.note}; re-run at larger widths, dataset(s) "
                                   + ", ".join(f"{i} clean at m = {d['clean_at']}" for i, d in detail.items())
                                   + ": every run within the bound"), detail
    return dec, detail


def _trend_payload(ctx_seed: int, draws: int, widths: list[int], inits: int, key: str) -> dict:
    return {"kind": "trend", "claim": key, "seed": int(ctx_seed), "draws": int(draws),
            "widths": [int(m) for m in widths], "inits": int(inits)}


def _trend_result(ctx: Context, key: str, label: str, figs: list[dict]) -> Result:
    """The 'for m large enough' bound decided both ways on the runs over widths (the rule of
    du.thm5_1.linear_rate, :func:`trend.width_trend`): supported if every run at the largest
    width recorded every planned step within the bound (no step in the band, no blow-up);
    refuted if at least half the runs there violate it and no fewer than at the smallest
    width; else inconclusive."""
    tr = du_runs(ctx)
    ws = sorted(tr["widths"])
    dec, tstats, top_runs = _trend_decision(tr, key)
    if dec.status == "band":
        dec, tstats["redecided_at_larger_widths"] = _redecide_wider(ctx, tr, key, dec)
        tstats["rule"] = dec.note
        top_runs = [r for r in top_runs if _clean(r, key)]  # the others were re-decided at larger widths
    need = tstats["theorem_width_n6_over_lambda4_delta3"]
    frac_iter, bad = tstats["fraction_of_steps_within_bound"], tstats["fraction_of_runs_violating"]
    outs = []
    if dec.status == "holds":
        for r in top_runs:
            worst = r["lam_worst_ratio"] if key == "lam" else 1.0 / max(r["decay_worst_ratio"], 1e-300)
            outs.append(Outcome.holds(math.log10(max(worst, 1e-300)), m=ws[-1], dataset=r["dataset"], init=r["init"],
                                      lambda0=r["lambda0"], steps=r["steps"], eta=r["eta"]))
    elif dec.status == "fails":
        outs.append(Outcome.fails(_trend_payload(ctx.seed, ctx.draws, ws, DU_INITS, key), dec.margin, note=dec.note,
                                  **tstats))
    else:
        outs.append(Outcome.band(note=dec.note, **tstats))
    fig_frac = {"kind": "line", "title": f"{label}: runs and GD steps within the bound, against m",
                "xlabel": "m", "ylabel": "fraction", "logx": True,
                "series": {"steps within the bound": {"x": ws, "y": [frac_iter[m] for m in ws]},
                           "runs violating the bound": {"x": ws, "y": [bad[m] for m in ws]}}}
    return merge([], extra=outs, statistics=tstats,
                 tried=(f"GD on eq. (10) (W trained, a fixed; kernels.train_gd with train_a=False): {ctx.draws} datasets "
                        f"of n = {N_DU} unit-norm points in R^{D_DU}, labels U(-1, 1), widths {ws} x {DU_INITS} inits; eta = "
                        "0.25/lambda_max, t = k eta up to exp(-lambda_0 t) = 1e-3 (<= 4000 steps), every step decided by "
                        "tolerance.at_most (band steps counted apart; a run that blows up -- loss non-finite or > 1e12 "
                        "L(0) -- violates the decay bound at that step, its lambda bound is decided on H there, and it "
                        "is never clean). The theorem's width n^6/(lambda_0^4 delta^3) "
                        f"(delta = 0.1, constants dropped) is up to {need:.1e}: decided on the trend -- supported if "
                        "every run at the largest width is within the bound at every step, refuted if at least half "
                        "the runs there violate it and no fewer than at the smallest width, else inconclusive"),
                 figures=[fig_frac] + figs)


def _replay_du_trend(p: dict) -> Outcome:
    """Re-run every stored GD run (datasets x widths x inits of the stored seed; ~6 s at the
    standard profile) and re-decide the width trend of the stored claim (lam / decay)."""
    key = str(p.get("claim"))
    if p.get("kind") != "trend" or key not in ("lam", "decay"):
        raise LandscapeError(f"payload kind={p.get('kind')!r}, claim={key!r} is invalid; expected 'trend', 'lam'/'decay'")
    widths = _p.require_ints(p, "widths", 1, _p.MAX_WIDTH, min_len=2, max_len=100)
    if len(set(widths)) < 2:
        raise LandscapeError(f"payload field 'widths' = {widths}: expected at least 2 distinct widths")
    tr = _du_runs_cached(_p.require_seed(p), _p.require_int(p, "draws", 1, _p.MAX_COUNT), tuple(widths),
                         _p.require_int(p, "inits", 1, _p.MAX_COUNT))
    dec, tstats, _ = _trend_decision(tr, key)
    if dec.status == "holds":
        return Outcome.holds(dec.margin, **tstats)
    if dec.status == "fails":
        return Outcome.fails(_trend_payload(int(p["seed"]), int(p["draws"]), widths, int(p["inits"]), key),
                             dec.margin, note=dec.note, **tstats)
    return Outcome.band(note=dec.note, **tstats)


def _hardest(tr: dict) -> int:
    """The dataset with the smallest lambda_0 (the slowest to concentrate): the one the figures show."""
    return min(tr["runs"], key=lambda r: r["lambda0"])["dataset"]


def _thin(xs: list, k: int = 150) -> list[int]:
    n = len(xs)
    return sorted(set(np.linspace(0, n - 1, min(n, k)).astype(int).tolist()))


@claim(
    "golikov.du2019.lambda_min",
    title="lambda_min(H(t)) >= lambda_0/2 throughout training for m large",
    source=f"{PAPER}, section 2.2, eq. (12)-(13) (Lemmas 3.1-3.4 of Du et al. 2019)",
    statement=("For m large enough, with W trained by gradient flow and a fixed, lambda_min(H(t)) >= lambda_0/2 for "
               "all t >= 0 (with high probability over the initialisation)."),
    hypotheses=("||x_i|| = 1, |y_i| < 1", "w_r(0) ~ N(0, I), a_r ~ U{-1, 1} fixed",
                "GD with eta lambda_max <= 1/4 as the gradient flow, t = k eta"),
)
def check_lambda_min(ctx: Context) -> Result:
    tr = du_runs(ctx)
    series = {}
    hard = _hardest(tr)
    for r in tr["runs"]:
        if r["dataset"] == hard and r["init"] == 0:
            idx = _thin(r["lam_min"])
            series[f"m={r['m']}"] = {"x": [i * r["eta"] for i in idx], "y": [r["lam_min"][i] / r["lambda0"] for i in idx]}
            half = {"x": [0.0, r["steps"] * r["eta"]], "y": [0.5, 0.5]}
    series["lambda_0/2"] = half
    fig = {"kind": "line",
           "title": f"lambda_min(H(t)) / lambda_0 along GD (dataset {hard}: smallest lambda_0), several widths",
           "xlabel": "t = k eta", "ylabel": "lambda_min(H(t)) / lambda_0", "series": series}
    return _trend_result(ctx, "lam", "lambda_min(H(t)) >= lambda_0/2", [fig])


@claim(
    "golikov.du2019.decay",
    title="||u(t) - y||^2 <= exp(-lambda_0 t) ||u(0) - y||^2 for m large",
    source=f"{PAPER}, section 2.2, eq. (11) (Theorem 3.2 of Du et al. 2019)",
    statement=("For m = Omega(n^6 / (lambda_0^4 delta^3)), with probability >= 1 - delta over the initialisation, "
               "||u(t) - y||^2 <= exp(-lambda_0 t) ||u(0) - y||^2 for all t >= 0 (gradient flow on W, a fixed)."),
    hypotheses=("the runs of golikov.du2019.lambda_min", "t = k eta for GD with eta lambda_max <= 1/4"),
)
def check_decay(ctx: Context) -> Result:
    tr = du_runs(ctx)
    series = {}
    hard = _hardest(tr)
    for r in tr["runs"]:
        if r["dataset"] == hard and r["init"] == 0:
            idx = _thin(r["r2"])
            series[f"m={r['m']}"] = {"x": [i * r["eta"] for i in idx],
                                     "y": [max(r["r2"][i] / r["r2"][0], 1e-300) for i in idx]}
            ts = [i * r["eta"] for i in idx]
            env = {"x": ts, "y": [math.exp(-r["lambda0"] * t) for t in ts]}
    series["exp(-lambda_0 t)"] = env
    fig = {"kind": "line",
           "title": f"||u(t) - y||^2 / ||u(0) - y||^2 along GD (dataset {hard}) against exp(-lambda_0 t)",
           "xlabel": "t = k eta", "ylabel": "relative squared residual", "logy": True, "series": series}
    r = _trend_result(ctx, "decay", "||u(t) - y||^2 <= exp(-lambda_0 t)||u(0) - y||^2", [fig])
    r.notes.append("GD with step eta follows the flow: if lambda_min(H) >= lambda_0/2 and eta lambda_max <= 1, the "
                   "linearised step gives ||r(k+1)||^2 <= (1 - eta lambda_0/2)^2 ||r(k)||^2 <= exp(-eta lambda_0) "
                   "||r(k)||^2, so the continuous bound applies to t = k eta up to O(eta^2) activation changes.")
    return r


def small_m_outcome(kind: str, x: np.ndarray, y: np.ndarray, m: int, seed: int) -> Outcome:
    """One GD run at a small width: ``fails`` if the bound of ``kind`` (lam / decay) is clearly violated.
    The initialisation comes from an independent stream of ``seed`` (:func:`_independent`)."""
    r = train_two_layer(x, y, m, int(_independent(seed, 10).integers(2**31)))
    viol = r[f"{kind}_violations"]
    first = r["first_lam_violation" if kind == "lam" else "first_decay_violation"]
    stats = {"m": m, "n": x.shape[0], "d": x.shape[1], "lambda0": r["lambda0"], "steps": r["steps"], "eta": r["eta"],
             "violations": viol, "first_violation_step": first, "min_lambda_ratio": r["lam_worst_ratio"],
             "max_decay_ratio": r["decay_worst_ratio"], "final_relative_residual": r["r2"][-1] / max(r["r2"][0], 1e-300),
             "rank_bound_dm": x.shape[1] * m}
    payload = {"kind": kind, "x": x.tolist(), "y": y.tolist(), "m": m, "seed": seed}
    stats |= {"complete": r["complete"], "diverged": r["diverged"], "planned_steps": r["planned_steps"]}
    total = r["steps"] + 1 + int(r["diverged"])
    if viol > 0:
        k = first
        blow = r["diverged"] and k == r["blowup_step"]  # the step that blew up (recorded apart)
        if kind == "lam":
            lm = r["blowup_lam_min"] if blow else r["lam_min"][k]
            dec = (tolerance.at_most(r["lambda0"] / 2, lm) if math.isfinite(lm)
                   else tolerance.Decision(math.inf, "nonzero", math.inf))
            note = (f"m = {m}: lambda_min(H(k)) = {lm:.3g} < lambda_0/2 = {r['lambda0'] / 2:.3g} at step "
                    f"{k} (t = {k * r['eta']:.3g}{', where GD blew up' if blow else ''}); {viol} of {total} steps "
                    "violate it")
        else:
            rr = r["blowup_r2"] if blow else r["r2"][k]
            bound = math.exp(-r["lambda0"] * k * r["eta"]) * r["r2"][0]
            dec = (tolerance.at_most(rr, bound) if math.isfinite(rr)
                   else tolerance.Decision(math.inf, "nonzero", math.inf))
            note = (f"m = {m}: ||u - y||^2 = {rr:.3g} > exp(-lambda_0 t)||u(0) - y||^2 = {bound:.3g} at "
                    f"t = {k * r['eta']:.3g}{' (GD blew up there)' if blow else ''}; {viol} of {total} steps violate it")
        return Outcome.fails(payload, dec.margin, note=note, **stats)
    if r[f"{kind}_band"] > 0:
        return Outcome.band(note="a step in the tolerance band", **stats)
    if not r["complete"]:
        return Outcome.band(note=f"GD blew up at step {r['blowup_step']} with the bound still met: the run is "
                                 "incomplete, not a clean run", **stats)
    worst = r["lam_worst_ratio"] if kind == "lam" else 1.0 / max(r["decay_worst_ratio"], 1e-300)
    return Outcome.holds(math.log10(max(worst, 1e-300)), **stats)


def _small_m(ctx: Context, kind: str) -> Result:
    @st.composite
    def examples(draw):
        rng = np.random.default_rng(draw(seeds()))
        return unit_rows(rng, N_DU, D_DU), rng.uniform(-1, 1, size=N_DU), draw(st.integers(1, 8)), draw(seeds())

    res = ctx.search(examples(), lambda ex: small_m_outcome(kind, *ex), label=f"small widths ({kind})",
                     max_examples=ctx.max_examples)
    by_m: dict[int, list[int]] = {}
    for o in res.outcomes:
        by_m.setdefault(o.stats["m"], []).append(int(o.status == "fails"))
    return res.result(statistics={"violating_runs_by_m": {str(m): f"{sum(v)}/{len(v)}" for m, v in sorted(by_m.items())}},
                      tried=(f"{res.examples} GD runs at widths m = 1..8 (n = {N_DU}, d = {D_DU}, fresh data, labels "
                             "and initialisation per run); every step decided"))


@claim(
    "golikov.du2019.lambda_min.small_m",
    title="lambda_min(H(t)) >= lambda_0/2 at small widths",
    source=f"{PAPER}, section 2.2, eq. (13); the width hypothesis m = Omega(n^6/lambda_0^4) removed",
    statement="With m <= 8 hidden units, lambda_min(H(t)) >= lambda_0/2 still holds throughout training.",
    hypotheses=("m in 1..8", "otherwise as golikov.du2019.lambda_min"),
    paper="refuted",
    expected="refuted",
    why=("H(t) = (X X^T) o (A A^T)/m has rank <= d m: with d m < n it is singular; and at small m the activation "
         "patterns at initialisation are far from their expectation."),
)
def check_lambda_min_small(ctx: Context) -> Result:
    return _small_m(ctx, "lam")


@claim(
    "golikov.du2019.decay.small_m",
    title="||u(t) - y||^2 <= exp(-lambda_0 t) ||u(0) - y||^2 at small widths",
    source=f"{PAPER}, section 2.2, eq. (11); the width hypothesis removed",
    statement="With m <= 8 hidden units, the residual still decays at least like exp(-lambda_0 t).",
    hypotheses=("m in 1..8", "otherwise as golikov.du2019.decay"),
    paper="refuted",
    expected="refuted",
    why="A narrow net cannot fit n generic labels (or does so more slowly): the residual stalls above the envelope.",
)
def check_decay_small(ctx: Context) -> Result:
    return _small_m(ctx, "decay")


def _replay_small(p: dict) -> Outcome:
    x = _p.require_matrix(p, "x", _p.MAX_N, _p.MAX_DIM)
    return small_m_outcome(_p.require_choice(p, "kind", ("lam", "decay")), x,
                           _p.require_vector(p, "y", length=x.shape[0]), _p.require_int(p, "m", 1, _p.MAX_WIDTH),
                           _p.require_seed(p))


check_lambda_min.replayer(_replay_du_trend)
check_decay.replayer(_replay_du_trend)
check_lambda_min_small.replayer(_replay_small)
check_decay_small.replayer(_replay_small)


# =======================================================================================
# golikov.du2019.hessian_psd (+ .smooth)
# =======================================================================================

def _loss_in_w(act: str, x: np.ndarray, y: np.ndarray, a: np.ndarray, m: int):
    from landscape._lib import activations

    f = activations.get(act).torch
    xt, yt, at = torch.as_tensor(x), torch.as_tensor(y), torch.as_tensor(a)
    d = x.shape[1]

    def loss(v: torch.Tensor) -> torch.Tensor:
        u = f(xt @ v.reshape(m, d).T) @ at / math.sqrt(m)
        return 0.5 * ((u - yt) ** 2).sum()

    return loss


def hessian_outcome(act: str, x: np.ndarray, y: np.ndarray, w: np.ndarray, a: np.ndarray) -> Outcome:
    """PSD test of the exact Hessian of eq. (10) in W (torch.func) and, for ReLU, of a finite-difference Hessian.

    For ReLU the gradient is piecewise linear in W, so central differences with a step
    below the distance to the nearest kink are exact up to round-off: they check that
    autodiff's ``relu'' = 0`` is the true Hessian off the kinks, not an artefact.
    """
    m, d = w.shape
    loss = _loss_in_w(act, x, y, a, m)
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
        lf = _loss_in_w("relu", x, y, a, 2)
        l0, l1 = float(lf(torch.as_tensor(w0.ravel()))), float(lf(torch.as_tensor(w1.ravel())))
        lm = float(lf(torch.as_tensor(((w0 + w1) / 2).ravel())))
        tried += 1
        found += tolerance.at_most(lm, (l0 + l1) / 2).outcome == "nonzero"
    # one neuron, x = 1, a = 1, y = 1: L(-1) = 1/2, L(1) = 0, L(0) = 1/2 > 1/4
    lf = _loss_in_w("relu", np.array([[1.0]]), np.array([1.0]), np.array([1.0]), 1)
    wit = [float(lf(torch.tensor([v], dtype=torch.float64))) for v in (-1.0, 0.0, 1.0)]
    return {"random_segments": tried, "jensen_violations": found,
            "witness": {"x": 1, "a": 1, "y": 1, "L(-1), L(0), L(1)": wit,
                        "violates_jensen": tolerance.at_most(wit[1], (wit[0] + wit[2]) / 2).outcome == "nonzero"}}


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
                      tried=(f"{res.examples} random points: n <= 6 unit-norm inputs in R^d (d <= 4), m <= 10, "
                             "labels x 0.1..100, weights x 0.1..10, a in {-1, 1}; exact Hessian by torch.func, PSD by "
                             "the tolerance policy; for ReLU also central differences of the gradient (exact off kinks)"),
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
    return hessian_outcome(_p.require_activation(p), *_two_layer_payload(p))


def _two_layer_payload(p: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``x`` (n, d), ``y`` (n,), ``w`` (m, d), ``a`` (m,) of a two-layer point, validated (landscape._core.payload)."""
    x = _p.require_matrix(p, "x", _p.MAX_N, _p.MAX_DIM)
    w = _p.require_matrix(p, "w", _p.MAX_WIDTH, cols=x.shape[1])
    return x, _p.require_vector(p, "y", length=x.shape[0]), w, _p.require_vector(p, "a", length=w.shape[0])


check_hessian_psd.replayer(_replay_hessian)
check_hessian_psd_smooth.replayer(_replay_hessian)


# =======================================================================================
# golikov.du2019.grad_bound
# =======================================================================================

def grad_bound_outcome(x: np.ndarray, y: np.ndarray, w: np.ndarray, a: np.ndarray, family: str = "") -> Outcome:
    """``max_r ||dL/dw_r|| <= sqrt(n/m) ||u - y||`` with dL/dW by autograd; decided by :func:`tolerance.at_most`."""
    m, d = w.shape
    n = x.shape[0]
    loss = _loss_in_w("relu", x, y, a, m)
    wt = torch.as_tensor(w.reshape(-1)).requires_grad_(True)
    (g,) = torch.autograd.grad(loss(wt), wt)
    gr = g.reshape(m, d).norm(dim=1).numpy()
    res = float(np.linalg.norm(net_outputs(x, w, a) - y))
    lhs, rhs = float(np.max(gr)), math.sqrt(n / m) * res
    dec = tolerance.at_most(lhs, rhs)
    ratio = lhs / rhs if rhs > 0 else (0.0 if lhs == 0 else math.inf)
    stats = {"family": family, "n": n, "d": d, "m": m, "ratio": ratio, "max_grad_row_norm": lhs, "bound": rhs,
             "unit_norm": bool(np.allclose(np.linalg.norm(x, axis=1), 1, atol=1e-12)),
             "a_in_pm1": bool(np.all(np.abs(a) == 1))}
    payload = {"x": x.tolist(), "y": y.tolist(), "w": w.tolist(), "a": a.tolist(), "family": family}
    if dec.outcome == "nonzero":
        return Outcome.fails(payload, dec.margin, note=f"max_r ||dL/dw_r|| = {lhs:.6g} > sqrt(n/m)||u - y|| = {rhs:.6g}",
                             **stats)
    if dec.outcome == "band":
        return Outcome.band(note="ratio in the tolerance band above 1", **stats)
    return Outcome.holds(dec.margin, **stats)


GRAD_FAMILIES = ("gaussian", "duplicated", "cluster", "antipodal", "one_point")


@st.composite
def _grad_examples(draw):
    fam = draw(st.sampled_from(GRAD_FAMILIES))
    n, d, m = draw(st.integers(1, 6)), draw(st.integers(1, 4)), draw(st.integers(1, 12))
    rng = np.random.default_rng(draw(seeds()))
    x = unit_rows(rng, n, d)
    if fam == "duplicated":
        x[:] = x[0]
    elif fam == "cluster":
        x = x[0] + 1e-3 * rng.normal(size=(n, d))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
    elif fam == "antipodal" and n >= 2:
        x[1::2] = -x[0::2][: len(x[1::2])]
    elif fam == "one_point":
        n = 1
        x = x[:1]
    ys = draw(st.sampled_from(["gaussian", "equal", "huge"]))
    y = rng.normal(size=n) if ys == "gaussian" else (np.full(n, -3.0) if ys == "equal" else rng.normal(size=n) * 1e3)
    w, a = init_two_layer(d, m, int(rng.integers(2**31)))
    return x, y, w * draw(st.sampled_from([0.01, 1.0, 10.0])), a, fam


def grad_attack(n: int, d: int, m: int, seed: int, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Adam on (raw inputs, labels, W) maximising ``log max_r ||dL/dw_r|| - log(sqrt(n/m)||u - y||)``.

    Inputs are ``v / ||v||`` (on the sphere, as the claim assumes); ``a`` fixed in {-1, 1};
    dL/dw_r by the explicit formula (the final point is re-checked with autograd).
    """
    rng = np.random.default_rng(seed)
    v = torch.tensor(rng.normal(size=(n, d)), requires_grad=True)
    y = torch.tensor(rng.normal(size=n), requires_grad=True)
    w0, a0 = init_two_layer(d, m, int(rng.integers(2**31)))
    w = torch.tensor(w0, requires_grad=True)
    a = torch.as_tensor(a0)
    opt = torch.optim.Adam([v, y, w], lr=0.05)
    for _ in range(steps):
        opt.zero_grad()
        x = v / v.norm(dim=1, keepdim=True)
        z = x @ w.T
        r = torch.relu(z) @ a / math.sqrt(m) - y
        g = ((r[:, None] * (z > 0)) * a[None, :]).T @ x / math.sqrt(m)
        obj = -(torch.log(g.norm(dim=1).max() + 1e-300) - torch.log(math.sqrt(n / m) * r.norm() + 1e-300))
        obj.backward()
        opt.step()
    x = (v / v.norm(dim=1, keepdim=True)).detach().numpy()
    return x, y.detach().numpy(), w.detach().numpy(), a0


@claim(
    "golikov.du2019.grad_bound",
    title="||dL/dw_r|| <= sqrt(n/m) ||u - y|| for every W",
    source=f"{PAPER}, section 2.2, remark on convergence rate (the gradient-norm chain after eq. (13))",
    statement=("For the net of eq. (9) with |a_r| = 1, unit-norm inputs and L = 1/2 sum (u_i - y_i)^2 (eq. (10)): "
               "||dL/dw_r||_2 <= ||u - y||_1 / sqrt m <= sqrt(n/m) ||u - y||_2 for every W, every r."),
    hypotheses=("||x_i|| = 1", "a_r in {-1, 1}", "any W, any labels"),
)
def check_grad_bound(ctx: Context) -> Result:
    res = ctx.search(_grad_examples(), lambda ex: grad_bound_outcome(*ex), label="random and structured points",
                     max_examples=2 * ctx.max_examples)
    steps = 50 * ctx.draws
    extra = []
    for i in range(ctx.draws):
        rng = ctx.rng("golikov-grad-attack", i)
        n, d, m = int(rng.integers(2, 7)), int(rng.integers(2, 4)), int(rng.integers(1, 9))
        x, y, w, a = grad_attack(n, d, m, int(rng.integers(2**31)), steps)
        extra.append(grad_bound_outcome(x, y, w, a, "attack"))
    by_fam: dict[str, float] = {}
    for o in res.outcomes + extra:
        f = o.stats["family"]
        by_fam[f] = max(by_fam.get(f, 0.0), o.stats["ratio"])
    fig = {"kind": "bar", "title": "Largest ratio max_r ||dL/dw_r|| / (sqrt(n/m) ||u - y||) found, by data family",
           "xlabel": "family", "ylabel": "ratio (bound: 1)", "data": by_fam}
    r = merge([res], extra=extra, statistics={"max_ratio_by_family": by_fam},
              tried=(f"{res.examples} Hypothesis points (families {', '.join(GRAD_FAMILIES)}; n <= 6, d <= 4, m <= 12; "
                     f"labels gaussian / equal / x1e3; W x 0.01..10) + {len(extra)} Adam attacks of {steps} steps "
                     "maximising the ratio over inputs on the sphere, labels and W"),
              figures=[fig])
    r.notes.append("The bound is tight: equal inputs with equal residuals (family 'duplicated' with equal labels, or "
                   "one point) give ratio 1 up to round-off. Its two steps need |a_r| = 1 and ||x_j|| = 1 exactly: "
                   "with a trained (the essay says the result holds 'with or without' training a) |a_r| drifts from 1 "
                   "and the constant changes.")
    return r


@check_grad_bound.replayer
def _replay_grad(p: dict) -> Outcome:
    return grad_bound_outcome(*_two_layer_payload(p), _p.require_str(p, "family", default=""))


# =======================================================================================
# golikov.linear.no_bad_minima
# =======================================================================================

def _linear_data(dims: tuple[int, ...], n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(dims[0], n)), rng.normal(size=(dims[-1], n))


def _exact_chain(ws: list[np.ndarray]) -> list[list] | None:
    """``W_H ... W_1`` in exact rational arithmetic from the float64 entries (None if the shapes do not chain)."""
    from fractions import Fraction

    mats = [[[Fraction(float(v)) for v in row] for row in np.asarray(m, dtype=np.float64)] for m in ws]
    r = mats[0]
    for m in mats[1:]:
        if len(m[0]) != len(r):
            return None
        r = [[sum(m[i][k] * r[k][j] for k in range(len(r))) for j in range(len(r[0]))] for i in range(len(m))]
    return r


def linear_first_order(ws: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> tuple[tolerance.Decision, dict] | None:
    """The first-order condition of a critical point of eq. (3), from the product alone, in exact arithmetic.

    With ``R = W_H ... W_1`` and ``G = (R X - Y) X^T`` (the gradient of eq. (4)'s loss at ``R``):
    ``W_1^T dL/dW_1 = R^T G`` and ``dL/dW_H W_H^T = G R^T``, so every critical point of ``L_deep`` has
    ``R^T G = 0`` and ``G R^T = 0`` -- the first-order condition of Theorem 2.1's ``R`` on the rank-constrained
    problem (section 2.1.1).  Both depend on ``R`` only, so they are invariant under every weight-space symmetry
    (``W_k -> A_k W_k A_{k-1}^{-1}``, components of ``W_{k+1}`` on the left null space of ``W_k`` ...), and they are
    computed exactly (rationals from the float64 weights): neither a drift of the factors (norms ~ 10^2 whose
    product is O(1), Hessian eigenvalues ~ 10^15 that make the certificate's gradient scale ``Lambda |w|``
    swallow any gradient) nor its cancellation in float64 can fake them.  Decided on
    ``r = max(|R^T G|, |G R^T|) / (|R| |G|)`` (0 when ``R = 0`` or ``G = 0``).  None if ``ws`` do not chain.
    """
    from fractions import Fraction

    r = _exact_chain(ws)
    if r is None:
        return None
    xs = [[Fraction(float(v)) for v in row] for row in np.asarray(x, dtype=np.float64)]
    ys = [[Fraction(float(v)) for v in row] for row in np.asarray(y, dtype=np.float64)]
    if len(r[0]) != len(xs) or len(r) != len(ys):
        return None
    n, d0, dy = len(xs[0]), len(xs), len(ys)
    e = [[sum(r[i][k] * xs[k][j] for k in range(d0)) - ys[i][j] for j in range(n)] for i in range(dy)]
    g = [[sum(e[i][j] * xs[k][j] for j in range(n)) for k in range(d0)] for i in range(dy)]
    rtg = [[sum(r[i][a] * g[i][b] for i in range(dy)) for b in range(d0)] for a in range(d0)]  # R^T G
    grt = [[sum(g[a][k] * r[b][k] for k in range(d0)) for b in range(dy)] for a in range(dy)]  # G R^T

    def sq(m):
        return sum(v * v for row in m for v in row)

    nr, ng, n1, n2 = sq(r), sq(g), sq(rtg), sq(grt)
    ratio = 0.0 if nr == 0 or ng == 0 else math.sqrt(float(max(n1, n2) / (nr * ng)))
    dec = tolerance.classify(ratio, precision="exact")
    return dec, {"first_order_ratio": ratio, "product_norm": math.sqrt(float(nr)),
                 "shallow_grad_norm": math.sqrt(float(ng)), "first_order": dec.outcome}


def _refactored(net: DeepLinear, w: torch.Tensor) -> torch.Tensor:
    """A balanced factorisation of the exact product ``R`` (same ``R``, same loss up to rounding):
    ``W_1 = E_1 S^{1/H} V^T``, ``W_k = E_k S^{1/H} E_{k-1}^T``, ``W_H = U S^{1/H} E_{H-1}^T`` on the top ``d_p``
    singular triplets of ``R`` (``E_k`` the coordinate embeddings).  A fresh start for a run whose end point the
    first-order condition (:func:`linear_first_order`) certifies non-stationary although the certificate's
    float64 scale called it stationary: the factors drifted off any balanced representative."""
    ws = [m.detach().numpy() for m in net.unflatten(w)]
    rr = np.array([[float(v) for v in row] for row in _exact_chain(ws)])
    if net.depth == 1:
        return net.flatten([rr])
    u, s, vt = np.linalg.svd(rr, full_matrices=False)
    k = min(net.bottleneck, len(s))
    c = s[:k] ** (1.0 / net.depth)
    out = []
    for j, (a, b) in enumerate(net.shapes()):
        m = np.zeros((a, b))
        if j == 0:
            m[:k, :] = c[:, None] * vt[:k]
        elif j == net.depth - 1:
            m[:, :k] = u[:, :k] * c[None, :]
        else:
            m[:k, :k] = np.diag(c)
        out.append(m)
    return net.flatten(out)


def linear_point_outcome(lf, w: torch.Tensor, opt_loss: float, yscale: float, payload: dict, rng: np.random.Generator,
                         label: str, stats: dict, first_order: tuple[tolerance.Decision, dict] | None = None) -> Outcome:
    """Decide a point reached (or built): global (loss = L*), saddle (fine), certified local min above L* (fails).

    ``first_order`` (:func:`linear_first_order`, exact): a point it calls non-stationary is no local minimum
    whatever the float64 certificate says (band: the run did not reach a critical point), and a refutation
    needs it to be a clear zero as well."""
    loss = float(lf(w))
    eq = tolerance.equal(loss, opt_loss, scale=yscale)
    stats = stats | {"loss": loss, "optimum": opt_loss, "relative_excess": (loss - opt_loss) / max(opt_loss, 1e-300)}
    if eq.outcome == "zero":
        return Outcome.holds(eq.margin, reached="global", **stats)
    if loss < opt_loss and eq.outcome == "nonzero":
        return Outcome.fails(payload, eq.margin, note=f"{label}: loss {loss:.6g} below the closed-form optimum "
                                                      f"{opt_loss:.6g}: the closed form is wrong", **stats)
    fo = first_order[0] if first_order is not None else None
    if first_order is not None:
        stats = stats | first_order[1]
        if fo.outcome == "nonzero":
            return Outcome.band(note=(f"{label}: loss {loss:.6g} > optimum {opt_loss:.6g} but not a critical point: "
                                      f"|R^T G|, |G R^T| = {fo.value:.3g} |R| |G| (exact), so no local minimum"),
                                reached="not-stationary", **stats)
    cert = certify.certify_minimum(lf, w, rng=rng, include_point=False)
    stats = stats | {"certificate": cert.kind, "reason": cert.reason,
                     "lambda_min_normalised": cert.lambda_min_normalised, "eigenvalue_counts": cert.eigenvalue_counts}
    if cert.kind == "saddle":
        return Outcome.holds(cert.margin, reached="saddle", **stats)
    if cert.kind in ("strict", "non-strict") and eq.outcome == "nonzero" and (fo is None or fo.outcome == "zero"):
        return Outcome.fails(payload, min(cert.margin, eq.margin, fo.margin if fo is not None else math.inf),
                             note=(f"{label}: a {cert.kind} local minimum with loss {loss:.6g} > optimum "
                                   f"{opt_loss:.6g} ({cert.reason})"), **stats)
    return Outcome.band(note=f"{label}: loss {loss:.6g} vs optimum {opt_loss:.6g}, certificate {cert.kind}"
                             + (f", first-order condition {fo.outcome} (exact)" if fo is not None else ""),
                        reached=cert.kind, **stats)


def linear_run_outcome(dims: tuple[int, ...], n: int, data_seed: int, init_seed: int, scale: float) -> Outcome:
    """L-BFGS (strong Wolfe, float64) + Newton steps from a random start; then :func:`linear_point_outcome`.

    An end point above ``L*`` is re-optimised (up to 3 rounds) from a representative with the same product:
    the rebalanced factors (``W_k -> c_k W_k``, :meth:`DeepLinear.balance`), or -- when the exact first-order
    condition (:func:`linear_first_order`) says it is not a critical point, i.e. the factors drifted along a
    direction that balancing by norms does not undo -- a balanced factorisation of its product
    (:func:`_refactored`)."""
    x, y = _linear_data(dims, n, data_seed)
    net = DeepLinear(dims)
    lf = net.loss_fn(x, y)
    opt = reduced_rank_optimum(x, y, net.bottleneck)
    rng = np.random.default_rng(init_seed)
    run = certify.refine_stationary(lf, net.init(rng, scale), max_iter=3000, newton_steps=10)
    w, rounds, iters, refactored = run.w, 0, run.iterations, 0
    yscale = 0.5 * float(np.sum(y**2))
    while rounds < 3 and tolerance.equal(float(lf(w)), opt.loss, scale=yscale).outcome != "zero":
        # undo drift along the weight-space symmetries (same product, same loss), then optimise again
        drifted = linear_first_order([m.numpy() for m in net.unflatten(w)], x, y)[0].outcome == "nonzero"
        again = certify.refine_stationary(lf, _refactored(net, w) if drifted else net.balance(w), max_iter=1000,
                                          newton_steps=10)
        w, rounds, iters, refactored = again.w, rounds + 1, iters + again.iterations, refactored + drifted
    w = net.balance(w)
    payload = {"dims": list(dims), "n": n, "data_seed": data_seed, "init_seed": init_seed, "scale": scale,
               "weights": w.tolist()}
    stats = {"dims": list(dims), "H": len(dims) - 1, "bottleneck": net.bottleneck, "n": n, "init_scale": scale,
             "lbfgs_iterations": iters, "rebalancing_rounds": rounds, "refactored_rounds": refactored}
    return linear_point_outcome(lf, w, opt.loss, yscale, payload, rng, "random start", stats,
                                linear_first_order([m.numpy() for m in net.unflatten(w)], x, y))


@st.composite
def _linear_examples(draw):
    d0, dy = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    h = draw(st.integers(2, 4))
    r = draw(st.integers(1, min(d0, dy) - 1))  # a genuine bottleneck: the rank constraint is active
    mids = [draw(st.integers(r, 5)) for _ in range(h - 1)]
    mids[draw(st.integers(0, h - 2))] = r
    n = d0 + draw(st.integers(0, 4))  # X of full row rank (the essay's hypothesis) a.s.
    return (d0, *mids, dy), n, draw(seeds()), draw(seeds()), draw(st.sampled_from([0.05, 0.3, 1.0, 3.0]))


def _linear_fixture_outcome(fx: _fixtures.Fixture, rng: np.random.Generator) -> Outcome | None:
    x, y = fx.x, fx.y
    if np.linalg.matrix_rank(x) < x.shape[0]:
        return None  # the essay assumes X of full rank
    dp = min(fx.spec.d0, *fx.spec.widths, fx.spec.d_out)
    opt = reduced_rank_optimum(x, y, dp)
    lf = fx.loss_fn()  # the fixture's loss: sum of squares = 2 x eq. (3)
    return linear_point_outcome(lf, fx.flat(), 2 * opt.loss, float(np.sum(y**2)), {"fixture": fx.id}, rng,
                                fx.id, {"fixture": fx.id, "source": fx.source, "kind": fx.kind},
                                linear_first_order(fx.weights, x, y))


#: The hypotheses of the deep-linear claim a fixture must meet (cross-examination, :func:`landscape._lib.fixtures.select`).
LINEAR_REQUIRES = {"activation": "linear", "bias": False, "loss": "squared"}


def _linear_fixtures() -> list[_fixtures.Fixture]:
    return _fixtures.select(LINEAR_REQUIRES).matched


@claim(
    "golikov.linear.no_bad_minima",
    title="Deep linear nets: every local minimum is global (the rank-constrained optimum)",
    source=f"{PAPER}, section 2.1.1, eq. (3)-(4) (Theorems 2.1-2.3 of Lu & Kawaguchi 2017)",
    statement=("For 1/2 ||Y - W_H ... W_1 X||_F^2 with X of full rank, every local minimum is global, with the value "
               "of the rank-constrained problem min_{rank R <= d_p} 1/2 ||Y - R X||_F^2 (d_p the bottleneck width)."),
    hypotheses=("H = 2..4 layers, a bottleneck d_p < min(d_0, d_H)", "X (d_0 x n, n >= d_0) and Y Gaussian",
                "L-BFGS from Gaussian starts at scales 0.05..3; fixtures with linear activation (cross-examination)"),
)
def check_linear(ctx: Context) -> Result:
    res = ctx.search(_linear_examples(), lambda ex: linear_run_outcome(*ex), label="random starts",
                     max_examples=ctx.max_examples)
    fx_outs = [o for o in (_linear_fixture_outcome(f, ctx.rng("golikov-linear-fx", f.id)) for f in _linear_fixtures())
               if o is not None]
    exc = [math.log10(max(abs(o.stats["relative_excess"]), 1e-17)) for o in res.outcomes if "relative_excess" in o.stats]
    reached = {}
    for o in res.outcomes + fx_outs:
        k = o.stats.get("reached", o.status)
        reached[k] = reached.get(k, 0) + 1
    fig1 = {"kind": "hist", "title": "Random starts: log10 |L - L*| / L* (L* the reduced-rank regression optimum)",
            "xlabel": "log10 relative excess (clipped at 1e-17)", "ylabel": "starts", "data": {"L-BFGS": exc}}
    fig2 = {"kind": "bar", "title": "Fixtures (critical points): loss / L*", "xlabel": "fixture", "ylabel": "L / L*",
            "data": {o.stats["fixture"]: o.stats["loss"] / max(o.stats["optimum"], 1e-300) for o in fx_outs}}
    fails = [o for o in fx_outs if o.status == "fails"]
    rebal = sum(1 for o in res.outcomes if o.stats.get("rebalancing_rounds"))
    refac = sum(1 for o in res.outcomes if o.stats.get("refactored_rounds"))
    return merge([res], extra=fails + [o for o in fx_outs if o.status != "fails"],
                 notes=([f"{rebal} run(s) drifted along the rescaling symmetry (one W_k -> 0, another -> infinity), where "
                         "the curvature scale makes the point look stationary at a loss above L*; rebalancing the "
                         "factors (same product, same loss) and re-optimising reached L*."] if rebal else [])
                 + ([f"{refac} of them drifted along a symmetry that balancing the norms does not undo (factors of norm "
                     "~ 10^2 with an O(1) product, Hessian eigenvalues ~ 10^15): the exact first-order condition "
                     "R^T G = G R^T = 0 (G = dL_shallow/dR) certified the end point non-stationary, and a balanced "
                     "factorisation of its product was re-optimised instead."] if refac else []),
                 statistics={"reached": reached, "runs_rebalanced": rebal, "runs_refactored": refac,
                             "fixture_selection": _fixtures.select(LINEAR_REQUIRES).summary(), "fixtures": [{k: o.stats.get(k) for k in
                                                               ("fixture", "loss", "optimum", "certificate", "reason")}
                                                              for o in fx_outs]},
                 tried=(f"{res.examples} L-BFGS runs (strong Wolfe, <= 3000 iterations, <= 10 Newton steps; if not at the optimum, "
                        "up to 3 rounds of rebalancing W_k -> c_k W_k, or refactoring the product when the exact "
                        "first-order condition fails, and re-optimising) from random starts "
                        "on deep linear nets with H = 2..4 layers and an active bottleneck; each end point equal to the "
                        "closed-form optimum by the tolerance policy, or certified (exact first-order condition "
                        "R^T G = G R^T = 0, gradient, Hessian spectrum, "
                        f"neighbourhood attack); {len(fx_outs)} fixtures with linear activation certified the same way"),
                 figures=[fig1, fig2])


@check_linear.replayer
def _replay_linear(p: dict) -> Outcome:
    rng = np.random.default_rng(0)
    if "fixture" in p:
        fx = {f.id: f for f in _fixtures.all_fixtures()}.get(str(p["fixture"]))
        if fx is None:
            raise LandscapeError(f"fixture {p['fixture']!r} is not in the library")
        o = _linear_fixture_outcome(fx, rng)
        return o if o is not None else Outcome.band(note="hypotheses no longer met")
    dims = tuple(_p.require_ints(p, "dims", 1, _p.MAX_WIDTH, min_len=2, max_len=_p.MAX_DEPTH + 1))
    x, y = _linear_data(dims, _p.require_int(p, "n", 1, _p.MAX_N), _p.require_seed(p, "data_seed"))
    net = DeepLinear(dims)
    w = torch.as_tensor(_p.require_flat(p, "weights", net.n_params()))
    return linear_point_outcome(net.loss_fn(x, y), w, reduced_rank_optimum(x, y, net.bottleneck).loss,
                                0.5 * float(np.sum(y**2)), p, rng, "replayed point", {"dims": list(dims)},
                                linear_first_order([m.numpy() for m in net.unflatten(w)], x, y))


#: (dims, subset of singular directions, n, data seed) of the linear fixtures.
_LINEAR_CRITICAL = [((3, 2, 3), [0, 1], 6, 11), ((3, 2, 3), [0, 2], 6, 11), ((3, 2, 2, 3), [], 6, 12),
                    ((3, 2, 2, 3), [1], 6, 12)]


@_fixtures.builder("golikov.linear.critical")
def linear_critical_fixtures() -> list[_fixtures.Fixture]:
    """Critical points of deep linear nets built from singular directions (:func:`subset_critical_point`).

    The top-``d_p`` subset is the global minimum; the others are saddles with a higher
    loss -- ``W = 0`` and ``|S| < d_p`` with ``H = 3`` are degenerate saddles (no negative
    Hessian eigenvalue).  Loss in the fixture convention: sum of squares (2 x eq. (3)).
    """
    out = []
    for dims, sub, n, seed in _LINEAR_CRITICAL:
        x, y = _linear_data(dims, n, seed)
        ws = subset_critical_point(x, y, dims, sub)
        opt = reduced_rank_optimum(x, y, min(dims))
        loss = float(np.sum((y - _prod(ws) @ x) ** 2))
        top = sub == list(range(min(dims)))
        out.append(_fixtures.Fixture(
            id=f"golikov.linear.critical[{'-'.join(map(str, dims))},S={sub}]", source="golikov.linear.no_bad_minima",
            kind="global_min" if top else "stationary", spec=MLPSpec(dims[0], tuple(dims[1:-1]), dims[-1], "linear", False),
            weights=ws, x=x, y=y,
            facts={"loss": loss, "global_inf": 2 * opt.loss, "stationary": True, "saddle": not top,
                   "lower_loss_witness": 2 * opt.loss, "degenerate_saddle": (not top) and len(dims) >= 4 and
                   len(sub) < min(dims)}))
    return out


def _prod(ws: list[np.ndarray]) -> np.ndarray:
    r = ws[0]
    for w in ws[1:]:
        r = w @ r
    return r


# =======================================================================================
# golikov.yu_chen.rank (+ .relu)
# =======================================================================================

DISTINCT_FAMILIES = ("a1", "lattice", "symmetric", "collinear", "gaussian")


@st.composite
def distinct_datasets(draw, *, max_d0: int = 3, max_n: int = 6) -> np.ndarray:
    """Data with pairwise distinct columns (``d0 x n``) -- the essay's hypothesis, weaker than Li-Ding-Sun's A1.

    Families: ``a1`` (:func:`landscape._lib.strategies.a1_datasets`); ``lattice`` (points of
    ``{-1, 0, 1}^d0 / 2``: distinct columns although no coordinate need be distinct, e.g.
    the corners of a square); ``symmetric`` (pairs ``x, -x``, optionally the origin);
    ``collinear`` (``t_i v`` with distinct integers ``t_i``); ``gaussian``.
    """
    fam = draw(st.sampled_from(DISTINCT_FAMILIES))
    if fam == "a1":
        return draw(a1_datasets(max_d0=max_d0, max_n=max_n))
    d0 = draw(st.integers(1 if fam == "collinear" else 2, max_d0))
    rng = np.random.default_rng(draw(seeds()))
    if fam == "lattice":
        pts = draw(st.lists(st.tuples(*[st.integers(-1, 1)] * d0), min_size=2, max_size=max_n, unique=True))
        x = np.array(pts, dtype=float).T / 2
    elif fam == "symmetric":
        k = draw(st.integers(1, max(1, (max_n - 1) // 2)))
        v = rng.normal(size=(d0, k))
        cols = [v, -v] + ([np.zeros((d0, 1))] if draw(st.booleans()) else [])
        x = np.hstack(cols)
    elif fam == "collinear":
        t = draw(st.lists(st.integers(-4, 4), min_size=2, max_size=max_n, unique=True))
        x = rng.normal(size=(d0, 1)) * np.array(t, dtype=float)[None, :] / 2
    else:
        x = rng.normal(size=(d0, draw(st.integers(1, max_n))))
    _, idx = np.unique(np.round(x.T, 14), axis=0, return_index=True)
    return x[:, np.sort(idx)]


def _distinct(x: np.ndarray) -> bool:
    return len({tuple(c) for c in np.asarray(x).T.tolist()}) == x.shape[1]


def _yu_chen(ctx: Context, act: str) -> Result:
    @st.composite
    def examples(draw):
        x = draw(distinct_datasets())
        return x, draw(st.integers(x.shape[1], x.shape[1] + 3)), draw(seeds())

    def fn(ex):
        x, d1, s = ex
        assert _distinct(x)
        o = lemma3_outcome(x, MLPSpec(x.shape[0], (d1,), 1, act, False), s, ctx.draws)
        o.stats["activation"] = act
        return o

    res = ctx.search(examples(), fn, label=f"{act}, no bias, d_1 >= m", max_examples=2 * ctx.max_examples)
    extra = []
    for d0 in (1, 2, 3):  # the structural cases, always tried: {x, -x, 0} and two antipodal pairs
        rng = ctx.rng("golikov-yu-chen", act, d0)
        v = rng.normal(size=(d0, 2))
        for x in (np.hstack([v[:, :1], -v[:, :1], np.zeros((d0, 1))]), np.hstack([v, -v])):
            if not _distinct(x):
                continue
            o = lemma3_outcome(x, MLPSpec(d0, (x.shape[1] + int(rng.integers(0, 3)),), 1, act, False),
                               int(rng.integers(2**31)), ctx.draws)
            o.stats["activation"] = act
            extra.append(o)
    extra = [o for o in extra if o.status == "fails"] + [o for o in extra if o.status != "fails"]
    smin = [math.log10(max(v, 1e-300)) for o in res.outcomes + extra for v in o.stats.get("s_min", [])]
    fig = {"kind": "hist", "title": f"log10 s_m / s_1 of sigma(W_1 X) ({act}, no bias, d_1 >= m)",
           "xlabel": "log10 normalised smallest singular value", "ylabel": "weight draws", "data": {act: smin},
           "vlines": {"zero tolerance": math.log10(tolerance.ZERO)}}
    bands = sum(o.status == "band" for o in res.outcomes + extra)
    r = merge([res], extra=extra, statistics={"deficient_examples": res.counts["fails"] + sum(
                  o.status == "fails" for o in extra), "undecided_examples": bands},
              tried=(f"{res.examples} Hypothesis datasets with distinct columns (families "
                     f"{', '.join(DISTINCT_FAMILIES)}; m <= 6, d_0 <= 3), d_1 in m..m+3, no bias (eq. (7)), plus "
                     f"{len(extra)} fixed symmetric datasets ({{x, -x, 0}} and {{x, x', -x, -x'}}, d_0 = 1..3); "
                     f"{ctx.draws} Gaussian W_1 each; a deficiency counts only if it survives 8 perturbations and "
                     "is certified at 50-400 digits (lds.lemma3's rank machinery)"),
              figures=[fig])
    if bands:
        r.notes.append(f"{bands} examples stayed undecided: for exactly dependent columns the multiple-precision SVD "
                       "sometimes returns an exact 0 at one rung and a value at the noise floor at the next, which "
                       "tolerance.rank_multiprecision reads as 'appeared with more digits' (band) instead of a "
                       "deficiency. No refutation rests on such an example.")
    if r.counterexample is not None:
        x = np.asarray(r.counterexample["X"], dtype=float)
        with_bias = lemma3_outcome(x, MLPSpec(x.shape[0], (x.shape[1],), 1, act, True), 1, ctx.draws)
        r.statistics["counterexample_with_bias"] = {"status": with_bias.status, "s_min": with_bias.stats.get("s_min")}
    return r


@claim(
    "golikov.yu_chen.rank",
    title="Yu & Chen: rank sigma(W_1 X) = m for almost all W_1 (sigmoid, d_1 >= m, distinct data)",
    source=f"{PAPER}, section 2.1.2, eq. (7) and the paragraph after it (with footnote 3)",
    statement=("For sigma the sigmoid, d_1 >= m and pairwise distinct columns of X, the set of W_1 with "
               "rk sigma(W_1 X) < m has Lebesgue measure zero (eq. (7): no bias)."),
    hypotheses=("distinct columns of X (not A1)", "sigmoid, no bias (eq. (7))", "d_1 >= m", "Gaussian W_1"),
    paper="supported",
    expected="refuted",
    why=("Eq. (7) has no bias, and sigmoid(z) + sigmoid(-z) = 1 = 2 sigmoid(0): for data containing x, -x and 0 "
         "(distinct columns) the columns satisfy F(x) + F(-x) = 2 F(0) for every W_1, and two antipodal pairs give "
         "F(x) + F(-x) = F(x') + F(-x'); rank < m on all of weight space. These data sets are special (a measure-zero "
         "set of X): generic distinct data are full rank in every draw, and with a bias the same symmetric data are "
         "full rank too. Consequence (fixture golikov.yu_chen.symmetric): the essay's 'all local minima of (7) have "
         "value zero' fails as well -- labels with y(x) + y(-x) != 2 y(0) keep every W at loss >= (1/2) "
         "(y.c)^2/||c||^2 (eq. (7)'s 1/2), c = (1, 1, -2): 1/3 for y = (1, 1, 0)."),
)
def check_yu_chen(ctx: Context) -> Result:
    r = _yu_chen(ctx, "sigmoid")
    fx = yu_chen_fixtures()[0]
    r.statistics["positive_loss_global_minimum"] = {"fixture": fx.id, **fx.facts}
    return r


@claim(
    "golikov.yu_chen.rank.relu",
    title="Yu & Chen's rank statement with ReLU",
    source=f"{PAPER}, section 2.1.2 ('the proven statement is false for ReLU')",
    statement="With ReLU in place of the sigmoid, rank relu(W_1 X) = m for almost all W_1 (d_1 >= m, distinct data).",
    hypotheses=("ReLU, no bias", "d_1 >= m", "distinct columns"),
    paper="refuted",
    expected="refuted",
    why=("ReLU is positively homogeneous (relu(W 2x) = 2 relu(W x): proportional columns for every W_1) and dead "
         "units give rank deficiencies on open sets of weights."),
)
def check_yu_chen_relu(ctx: Context) -> Result:
    return _yu_chen(ctx, "relu")


check_yu_chen.replayer(_replay_lemma3)
check_yu_chen_relu.replayer(_replay_lemma3)


@_fixtures.builder("golikov.yu_chen.symmetric")
def yu_chen_fixtures() -> list[_fixtures.Fixture]:
    """A global minimum with positive loss of eq. (7) (sigmoid, no bias, d_1 = m = 3).

    Data x = (1, -1, 0) (d_0 = 1), labels (1, 1, 0).  Every W gives outputs u with
    u.c = 0, c = (1, 1, -2), so ||y - u||^2 >= (y.c)^2 / ||c||^2 = 2/3, i.e. eq. (7)'s
    L = (1/2)||y - u||^2 >= 1/3.  With rank sigma(W_1 X) = 2, least squares in W_2 attains
    that bound: a global minimum (hence stationary in all weights) with positive loss
    although d_1 >= m.  ``facts`` use the fixture library's convention, the sum of squares
    (``loss`` = 2/3 = 2 x eq. (7)); ``eq7_loss`` is eq. (7)'s value (1/3).
    """
    x = np.array([[1.0, -1.0, 0.0]])
    y = np.array([[1.0, 1.0, 0.0]])
    w1 = np.array([[1.0], [2.0], [-0.5]])
    f = 1 / (1 + np.exp(-(w1 @ x)))
    w2 = np.linalg.lstsq(f.T, y[0], rcond=None)[0][None, :]
    loss = float(np.sum((y - w2 @ f) ** 2))
    c = np.array([1.0, 1.0, -2.0])
    bound = float((y[0] @ c) ** 2 / (c @ c))
    return [_fixtures.Fixture(
        id="golikov.yu_chen.symmetric[x=(1,-1,0),y=(1,1,0)]", source="golikov.yu_chen.rank", kind="stationary",
        spec=MLPSpec(1, (3,), 1, "sigmoid", False), weights=[w1, w2], x=x, y=y,
        facts={"loss": loss, "global_inf": bound, "stationary": True, "global_min": True, "lower_bound": bound,
               "rank_hidden": 2, "eq7_loss": loss / 2, "eq7_lower_bound": bound / 2})]


# =======================================================================================
# golikov.nguyen_hein: Corollary 3.9's four conditions at stationary points reached
# =======================================================================================

def _offsets(spec: MLPSpec) -> list[int]:
    return np.cumsum([0] + [a * b for a, b in spec.shapes()]).tolist()


def nh_point_outcome(spec: MLPSpec, w: torch.Tensor, x: np.ndarray, y: np.ndarray, payload: dict,
                     rng: np.random.Generator, label: str) -> Outcome:
    """Corollary 3.9 at one point: stationary? local minimum? conditions 1-4 for each wide k? loss zero?

    Essay indexing: the net of eq. (8) has layers W_1..W_H with W_H the linear output
    (the MLP's last matrix), F_k the k-th hidden layer (k <= H-1).  Condition 3 concerns
    W_l, l = k+2..H; condition 4 the Hessian in W_{k+1..H}.  Loss: eq. (8), no 1/2.
    """
    net = MLP(spec, [np.zeros(s) for s in spec.shapes()])
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)

    def lf(v):
        return ((yt - net.forward_flat(v, xt)) ** 2).sum()

    w = w.detach().clone()
    loss = float(lf(w))
    hess = certify.exact_hessian(lf, w).numpy()
    ev = np.linalg.eigvalsh(hess)
    lam_abs = float(np.max(np.abs(ev)))
    gn = certify.gradient_norm(lf, w)
    stat = certify.stationarity(gn, certify.gradient_scale(loss, w, lam_abs, gn))
    yy = float(np.sum(y**2))
    zero_loss = tolerance.classify(loss / yy)
    m = x.shape[1]
    dims = [spec.d0, *spec.widths, spec.d_out]
    hid = net.hidden(x, net.unflatten(w))
    ws = net.unflatten(w)
    offs = _offsets(spec)
    conds = []
    for k in range(1, spec.depth + 1):
        if dims[k] < m:
            continue
        c3 = []
        for l in range(k + 2, spec.depth + 2):  # essay's W_l = ws[l - 1], d_l = dims[l]
            wl = ws[l - 1].detach().numpy()
            if dims[l] > min(wl.shape):
                c3.append(tolerance.Decision(0.0, "zero", math.inf))  # rank <= d_{l-1} < d_l: structurally false
            else:
                c3.append(tolerance.rank(wl, target=dims[l]).decision)
        sub = hess[offs[k]:, offs[k]:]
        sev = np.abs(np.linalg.eigvalsh(sub))
        c4 = tolerance.classify(float(sev.min()) / max(float(sev.max()), 1e-300))
        fk = tolerance.rank(hid[k - 1].detach().numpy(), target=m)
        conds.append({"k": k, "d_k": dims[k], "cond3": [d.outcome == "nonzero" for d in c3],
                      "cond3_band": any(d.outcome == "band" for d in c3), "cond4": c4.outcome,
                      "hessian_sub_min_normalised": c4.value, "rank_F_k": fk.rank,
                      "all_four": all(d.outcome == "nonzero" for d in c3) and c4.outcome == "nonzero",
                      "margin": min([d.margin for d in c3] + [c4.margin])})
    lam_abs = max(lam_abs, 1e-300)
    definiteness = "pd" if ev[0] / lam_abs > tolerance.ZERO * tolerance.BAND else (
        "indefinite" if -ev[0] / lam_abs > tolerance.ZERO * tolerance.BAND else "psd-singular/band")
    stats = {"point": label, "spec": spec.as_dict(), "m": m, "loss": loss, "relative_loss": loss / yy,
             "stationary": stat.outcome, "hessian": definiteness, "conditions": conds,
             "meets_all_four": any(c["all_four"] for c in conds)}
    if not _distinct(x) or not conds:
        return Outcome.holds(math.inf, in_scope=False, why_out="hypotheses 1-2 unmet", **stats)
    if stat.outcome != "zero":
        return Outcome.holds(math.inf, in_scope=False, why_out=f"not stationary ({stat.outcome})", **stats)
    if zero_loss.outcome == "zero":
        return Outcome.holds(min([zero_loss.margin] + [c["margin"] for c in conds if c["all_four"]]), in_scope=True,
                             **stats)
    meets = [c for c in conds if c["all_four"]]
    if not meets:
        undecided = any(c["cond4"] == "band" or c["cond3_band"] for c in conds)
        if undecided and zero_loss.outcome == "nonzero":
            return Outcome.band(note=f"{label}: positive loss and a condition in the tolerance band", **stats)
        return Outcome.holds(math.inf, in_scope=False, why_out="a condition fails (corollary silent)", **stats)
    if zero_loss.outcome == "band":
        return Outcome.band(note=f"{label}: conditions 1-4 hold, loss in the band", **stats)
    if definiteness == "indefinite":
        return Outcome.holds(math.inf, in_scope=False, why_out="saddle (conditions 1-4 hold, not a minimum)", **stats)
    kind = "strict" if definiteness == "pd" else certify.certify_minimum(lf, w, rng=rng, include_point=False).kind
    stats["minimum"] = kind
    if kind in ("strict", "non-strict"):
        return Outcome.fails(payload, min(zero_loss.margin, meets[0]["margin"]),
                             note=(f"{label}: {kind} local minimum meeting conditions 1-4 (k = {meets[0]['k']}) with "
                                   f"loss {loss:.4g} > 0"), **stats)
    if kind == "saddle":
        return Outcome.holds(math.inf, in_scope=False, why_out="saddle (attack)", **stats)
    return Outcome.band(note=f"{label}: conditions 1-4 hold, loss > 0, minimality undecided ({kind})", **stats)


def nh_run_outcome(spec_d: dict, x: np.ndarray, y: np.ndarray, init_seed: int, scale: str) -> Outcome:
    spec = MLPSpec.from_dict(spec_d)
    rng = np.random.default_rng(init_seed)
    net = MLP.random(spec, rng, scale=scale)
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)

    def lf(v):
        return ((yt - net.forward_flat(v, xt)) ** 2).sum()

    w = certify.refine_stationary(lf, net.flat(), max_iter=1500, newton_steps=10).w
    payload = {"spec": spec.as_dict(), "x": x.tolist(), "y": y.tolist(), "weights": w.tolist()}
    return nh_point_outcome(spec, w, x, y, payload, rng, "trained")


@st.composite
def _nh_examples(draw):
    x = draw(distinct_datasets(max_d0=3, max_n=5))
    m = x.shape[1]
    if m < 2:
        reject()
    depth = draw(st.integers(1, 3))
    last = draw(st.booleans())  # the wide layer last with d_k = m: where condition 4 can hold at zero loss
    k = depth if last else draw(st.integers(1, depth))
    widths = [draw(st.integers(1, 4)) for _ in range(depth)]
    widths[k - 1] = m if last else m + draw(st.sampled_from([0, 1, 2]))
    for j in range(k, depth):  # after the wide layer: non-increasing (condition 3 can hold)
        widths[j] = min(widths[j], widths[j - 1])
    d_out = draw(st.integers(1, 2))
    spec = MLPSpec(x.shape[0], tuple(widths), d_out, "sigmoid", False)
    rng = np.random.default_rng(draw(seeds()))
    y = rng.normal(size=(d_out, m))
    return spec.as_dict(), x, y, draw(seeds()), draw(st.sampled_from(["fan_in", "unit"]))


#: The hypotheses of Corollary 3.9 a fixture must meet (cross-examination, :func:`landscape._lib.fixtures.select`): eq. (8)'s
#: sigmoid net without bias, the squared loss, a hidden layer at least as wide as the data, and a stationary point.
NH_REQUIRES = {"activation": "sigmoid", "bias": False, "loss": "squared", "wide_layer": True, "stationary": True}


def _nh_fixtures() -> list[_fixtures.Fixture]:
    return _fixtures.select(NH_REQUIRES).matched


@claim(
    "golikov.nguyen_hein",
    title="Nguyen & Hein Corollary 3.9: a local minimum meeting the four conditions has zero loss",
    source=f"{PAPER}, section 2.1.2, eq. (8) and the four conditions before 'Unfortunately, as we see'",
    statement=("For the deep sigmoid net of eq. (8): if W_{1:H} is a local minimum, the columns of X are distinct, "
               "some d_k >= m, rk W_l = d_l for l = k+2..H and det Hess_{W_{k+1:H}} L != 0, then L(W_{1:H}) = 0."),
    hypotheses=("sigmoid, no bias (eq. (8)), squared loss without 1/2", "distinct columns, m <= 5",
                "one hidden layer of width m..m+2, later widths non-increasing",
                "symmetric data {x, -x, 0} / {x, x', -x, -x'} with the wide layer at k = 1 (rank F_1 < m for every W_1)",
                "stationary points reached by L-BFGS + Newton; sigmoid fixtures (cross-examination)"),
)
def check_nguyen_hein(ctx: Context) -> Result:
    res = ctx.search(_nh_examples(), lambda ex: nh_run_outcome(*ex), label="trained deep sigmoid nets",
                     max_examples=ctx.max_examples, shrink=False)
    fx_outs = []
    for fx in _nh_fixtures():
        o = nh_point_outcome(fx.spec, fx.flat(), fx.x, fx.y, {"fixture": fx.id}, ctx.rng("golikov-nh-fx", fx.id), fx.id)
        o.stats["fixture"] = fx.id
        fx_outs.append(o)
    sym_outs = _nh_symmetric_runs(ctx)
    every = res.outcomes + fx_outs + sym_outs
    met = [o for o in every if o.stats.get("meets_all_four") and o.stats.get("stationary") == "zero"]
    extra = [o for o in fx_outs + sym_outs if o.status == "fails"] + [o for o in fx_outs + sym_outs
                                                                      if o.status != "fails"]
    if not met:
        extra.append(Outcome.band(note="vacuous: no stationary point reached met all four conditions"))
    pos_fail: dict[str, int] = {}
    for o in every:
        if o.stats.get("stationary") == "zero" and o.stats["relative_loss"] > tolerance.ZERO * tolerance.BAND:
            for c in o.stats["conditions"]:
                key = (f"k={c['k']}: " + ("condition 3 fails" if not all(c["cond3"]) else "") +
                       ("; " if not all(c["cond3"]) and c["cond4"] != "nonzero" else "") +
                       {"zero": "Hessian in W_k+1..H degenerate", "band": "condition 4 in the band",
                        "nonzero": ""}[c["cond4"]]).rstrip(": ")
                pos_fail[key] = pos_fail.get(key, 0) + 1
    why_out: dict[str, int] = {}
    for o in every:
        k = o.stats.get("why_out", "in scope" if o.stats.get("in_scope") else o.status)
        why_out[k] = why_out.get(k, 0) + 1
    losses = {"all four conditions": [], "some condition fails": []}
    for o in every:
        if o.stats.get("stationary") == "zero":
            key = "all four conditions" if o.stats.get("meets_all_four") else "some condition fails"
            losses[key].append(math.log10(max(o.stats["relative_loss"], 1e-32)))
    fig = {"kind": "hist", "title": "Loss at each stationary point reached (relative to ||Y||^2)",
           "xlabel": "log10 L / ||Y||^2 (clipped at 1e-32)", "ylabel": "stationary points", "data": losses,
           "vlines": {"zero tolerance": math.log10(tolerance.ZERO)}}
    r = merge([res], extra=extra,
              statistics={"points": len(every), "meeting_all_four": len(met), "by_status": why_out,
                          "symmetric_runs": {"runs": len(sym_outs),
                                             "by_status": {k: sum(1 for o in sym_outs if o.status == k)
                                                           for k in ("holds", "fails", "band")},
                                             "stationary": sum(1 for o in sym_outs if o.stats.get("stationary") == "zero"),
                                             "meeting_all_four": sum(1 for o in sym_outs if o.stats.get("meets_all_four")
                                                                     and o.stats.get("stationary") == "zero"),
                                             "rank_F_1": sorted({c["rank_F_k"] for o in sym_outs
                                                                 for c in o.stats.get("conditions", []) if c["k"] == 1})},
                          "positive_loss_points_by_failed_condition": pos_fail,
                          "fixture_selection": _fixtures.select(NH_REQUIRES).summary(),
                          "fixtures": [{"fixture": o.stats["fixture"], "status": o.status, "loss": o.stats["loss"],
                                        "why_out": o.stats.get("why_out"), "conditions": o.stats["conditions"]}
                                       for o in fx_outs],
                          "positive_loss_stationary_points": sum(1 for o in every if o.stats.get("stationary") == "zero"
                                                                 and o.stats["relative_loss"] > 1e-7)},
              tried=(f"{res.examples} L-BFGS (<= 1500 iterations) + <= 10 Newton steps on deep sigmoid nets without bias "
                     "(depth 1-3 hidden layers, a layer of width m..m+2, m <= 5 distinct points incl. symmetric and "
                     f"lattice data) and {len(fx_outs)} sigmoid fixtures; at each stationary point: conditions 3-4 "
                     "for every wide layer k (rank and Hessian decisions by the tolerance policy), full Hessian, loss"),
              figures=[fig])
    r.notes.append("Condition 4 at a zero-loss point needs #params(W_{k+1..H}) <= m d_H (the Hessian there is 2 J^T J, "
                   "of rank <= m d_H): it holds in practice only when the wide layer is the last hidden one with "
                   "d_k = m. At the positive-loss stationary points reached, the Hessian in W_{k+1..H} was degenerate "
                   "(saturated sigmoids), so the corollary says nothing about them.")
    return r


def _nh_symmetric_runs(ctx: Context) -> list[Outcome]:
    """Corollary 3.9 attacked where its proof breaks: without bias, data {x, -x, 0} (and two
    antipodal pairs) make rank F_1 < m for *every* W_1 (sigmoid(z) + sigmoid(-z) = 1), so
    Lemma 4.4's perturbation to rank m does not exist at k = 1.  Deep nets (two hidden
    layers, the first of width m or m + 1, then 1 or 2) are trained to stationarity on
    generic labels (y(x) + y(-x) != 2 y(0) a.s.) and checked like every other point."""
    outs = []
    inits = 1 if ctx.max_examples <= 12 else 2
    for d0 in (1, 2, 3):
        rng = ctx.rng("golikov-nh-sym", d0)
        v = rng.normal(size=(d0, 2))
        sets = [np.hstack([v[:, :1], -v[:, :1], np.zeros((d0, 1))])]
        if d0 >= 2:
            sets.append(np.hstack([v, -v]))
        for x in sets:
            m = x.shape[1]
            widths = [(m, 1), (m, 2)] + ([(m + 1, 1)] if ctx.max_examples > 12 else [])
            for w in widths:
                spec = MLPSpec(d0, w, 1, "sigmoid", False)
                y = rng.normal(size=(1, m))
                for i in range(inits):
                    o = nh_run_outcome(spec.as_dict(), x, y, int(rng.integers(2**31)), ("unit", "fan_in")[i % 2])
                    o.stats["family"] = "symmetric (k = 1)"
                    outs.append(o)
    return outs


@check_nguyen_hein.replayer
def _replay_nh(p: dict) -> Outcome:
    rng = np.random.default_rng(0)
    if "fixture" in p:
        fx = {f.id: f for f in _fixtures.all_fixtures()}.get(str(p["fixture"]))
        if fx is None:
            raise LandscapeError(f"fixture {p['fixture']!r} is not in the library")
        return nh_point_outcome(fx.spec, fx.flat(), fx.x, fx.y, p, rng, fx.id)
    spec = _p.require_spec(p)
    x = _p.require_matrix(p, "x", rows=spec.d0)
    return nh_point_outcome(spec, torch.as_tensor(_p.require_flat(p, "weights", spec.n_params())), x,
                            _p.require_matrix(p, "y", rows=spec.d_out, cols=x.shape[1]), p, rng, "replayed")


# =======================================================================================
# golikov.nguyen_hein.lemma4_4: the rank statement the corollary's proof relies on
# =======================================================================================

@claim(
    "golikov.nguyen_hein.lemma4_4",
    title="Lemma 4.4 as the essay states it: rank F_k = m for almost all W_{1:k} (eq. (8), no bias)",
    source=f"{PAPER}, section 2.1.2, the paragraph after eq. (8) (Lemma 4.4 of Nguyen & Hein 2017)",
    statement=("For the sigmoid net of eq. (8) (no bias), some d_k >= m and distinct columns of X: the set of W_{1:k} "
               "with rank F_k = rank sigma(W_k ... sigma(W_1 X)) < m has Lebesgue measure zero."),
    hypotheses=("sigmoid, no bias (eq. (8))", "distinct columns (families of golikov.yu_chen.rank), m <= 5",
                "k = 1..3 hidden layers, the k-th of width m..m+2", "Gaussian weights"),
    paper="supported",
    expected="refuted",
    why=("Nguyen & Hein's networks carry biases; the essay's eq. (8) has none. Without bias the case k = 1 is Yu & "
         "Chen's rank statement, and data {x, -x, 0} give F_1(x) + F_1(-x) = 2 F_1(0) for every W_1 "
         "(sigmoid(z) + sigmoid(-z) = 1): rank F_1 < m on all of weight space (a measure-zero set of data X; generic "
         "data are full rank). For k >= 2 the relation is not inherited (W_2 F_1 keeps it, the second sigmoid "
         "breaks it unless W_2 1 = 0), so deeper layers are full rank in every draw (statistics.by_depth)."),
)
def check_nh_lemma44(ctx: Context) -> Result:
    @st.composite
    def examples(draw):
        x = draw(distinct_datasets(max_n=5))
        m = x.shape[1]
        k = draw(st.integers(1, 3))
        widths = [draw(st.integers(1, 4)) for _ in range(k - 1)] + [m + draw(st.integers(0, 2))]
        return x, MLPSpec(x.shape[0], tuple(widths), 1, "sigmoid", False), draw(seeds())

    def fn(ex):
        x, spec, s = ex
        o = lemma3_outcome(x, spec, s, ctx.draws)
        o.stats["k"] = spec.depth
        return o

    res = ctx.search(examples(), fn, label="sigmoid, no bias, d_k >= m", max_examples=2 * ctx.max_examples)
    # the identity's own case, the same on every seed: x = {1/2, -1/2, 0}, one hidden layer of width 3
    fixed = lemma3_outcome(np.array([[0.5, -0.5, 0.0]]), MLPSpec(1, (3,), 1, "sigmoid", False), 0, ctx.draws)
    fixed.stats["k"] = 1
    extra = [fixed]
    for k in (1, 2, 3):  # the symmetric data {x, -x, 0}, always tried at every depth
        for d0 in (1, 2):
            rng = ctx.rng("golikov-nh-l44", k, d0)
            v = rng.normal(size=(d0, 1))
            x = np.hstack([v, -v, np.zeros((d0, 1))])
            spec = MLPSpec(d0, tuple([int(rng.integers(1, 4)) for _ in range(k - 1)] + [3]), 1, "sigmoid", False)
            o = lemma3_outcome(x, spec, int(rng.integers(2**31)), ctx.draws)
            o.stats["k"] = k
            extra.append(o)
    extra = [o for o in extra if o.status == "fails"] + [o for o in extra if o.status != "fails"]
    by_depth: dict[str, dict[str, int]] = {}
    for o in res.outcomes + extra:
        by_depth.setdefault(str(o.stats.get("k")), {"holds": 0, "fails": 0, "band": 0})[o.status] += 1
    r = merge([res], extra=extra, statistics={"by_depth": by_depth},
              tried=(f"{res.examples} Hypothesis datasets with distinct columns (families {', '.join(DISTINCT_FAMILIES)}; "
                     f"m <= 5, d_0 <= 3), k = 1..3 hidden layers with d_k in m..m+2, no bias, plus {len(extra)} fixed "
                     "symmetric datasets {x, -x, 0} at k = 1, 2, 3; "
                     f"{ctx.draws} Gaussian weight draws each; a deficiency counts only if it survives 8 perturbations "
                     "and is certified at 50-400 digits (lds.lemma3's rank machinery)"))
    if r.counterexample is not None:
        x = np.asarray(r.counterexample["X"], dtype=float)
        sp = MLPSpec.from_dict(r.counterexample["spec"])
        with_bias = lemma3_outcome(x, MLPSpec(sp.d0, sp.widths, 1, "sigmoid", True), 1, ctx.draws)
        r.statistics["counterexample_with_bias"] = {"status": with_bias.status, "s_min": with_bias.stats.get("s_min")}
    return r


check_nh_lemma44.replayer(_replay_lemma3)
