"""The two-layer ReLU net of Golikov's essay, section 2.2 (Du et al. 2019), and its Gram matrices.

E. Golikov, *An Essay on Optimization Mystery of Deep Learning* (``../shared/papers/003_6b1d70a06ebc74fd.txt``):

* eq. (9): ``f(x) = (1/sqrt m) sum_r a_r [w_r.x]_+`` with ``a_r`` uniform in {-1, 1} and fixed
  (:func:`two_layer_arch`, :func:`two_layer_params`, :func:`net_outputs`; initialisation of the
  equation after (10): :func:`init_two_layer`);
* eq. (10): ``L(W) = 1/2 sum_i (f(x_i) - y_i)^2``, as a function of the flat ``W``
  (:func:`loss_in_w`, any activation), and full-batch gradient descent on it, ``W`` only
  (:func:`train_two_layer`);
* eq. (12): ``H(W)_ij = (1/m) x_i.x_j sum_r [w_r.x_i >= 0, w_r.x_j >= 0]`` (:func:`two_layer_gram`,
  and :func:`eq12_printed` as printed); its expectation ``H^inf`` over ``w ~ N(0, I)`` in closed
  form (:func:`h_inf`, and in multiple precision :func:`h_inf_mp`); the Hoeffding comparison of
  ``H(0)`` with ``H^inf`` (:func:`hoeffding_check`, the argument of Du et al.'s Lemma 3.1).

The net of eq. (9) is Du-Lee-Li-Wang-Zhai's FC network with ``H = 1``, relu and layer scale
``sqrt(1/m)`` (``DuArchitecture(..., c_sigma_override=1)``); ``H(W)`` is its ``G^(1)``
(:func:`kernels.empirical_gram`), ``H^inf`` its analytic limit (:func:`kernels.analytic_gram`,
``c_sigma = 1``), and GD on eq. (10) is :func:`kernels.train_gd` with ``train_a=False``.
Weights drawn next to data built from the same seed come from an independent stream
(:func:`independent_rng`).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch

from landscape._lib import kernels, tolerance
from landscape._lib.networks.du import DuArchitecture

#: Confidence of the Hoeffding check of H(0) against H^inf (per example, all entries jointly).
HOEFFDING_DELTA = 1e-6


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
    """``n`` Gaussian rows in ``R^d`` normalised to unit norm (the essay's ``||x_i|| = 1``), from ``rng``."""
    x = rng.normal(size=(n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)



def independent_rng(seed: int, stream: int) -> np.random.Generator:
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




def loss_in_w(act: str, x: np.ndarray, y: np.ndarray, a: np.ndarray, m: int):
    """Eq. (10) as a function of the flat ``W`` (``m x d``, row-major; ``a`` fixed): ``v -> 1/2 sum_i
    ((1/sqrt m) sum_r a_r sigma(w_r.x_i) - y_i)^2`` with ``sigma`` the activation ``act`` (torch)."""
    from landscape._lib import activations

    f = activations.get(act).torch
    xt, yt, at = torch.as_tensor(x), torch.as_tensor(y), torch.as_tensor(a)
    d = x.shape[1]

    def loss(v: torch.Tensor) -> torch.Tensor:
        u = f(xt @ v.reshape(m, d).T) @ at / math.sqrt(m)
        return 0.5 * ((u - yt) ** 2).sum()

    from landscape._lib.certify.mpform import attach, two_layer_form

    return attach(loss, two_layer_form(act, x, y, a, m))



def hoeffding_check(x: np.ndarray, m: int, seed: int) -> tuple[tolerance.Decision, float, float]:
    """``max_ij |H_ij(0) - H^inf_ij| / t_ij <= 1`` with Hoeffding's ``t_ij = |x_i.x_j| sqrt(log(2 P / delta) / (2m))``.

    ``H_ij(0)`` averages ``m`` i.i.d. terms in an interval of length ``|x_i.x_j|`` (the
    argument of Du et al.'s Lemma 3.1); ``P = n(n+1)/2`` entries share ``delta``.
    Returns the decision, the worst ratio and the largest absolute error.
    """
    n, d = x.shape
    w = independent_rng(seed, 12).normal(size=(m, d))  # independent of data built from the same seed
    h0 = two_layer_gram(x, w)
    hi = h_inf(x)
    pairs = n * (n + 1) / 2
    t = np.abs(x @ x.T) * math.sqrt(math.log(2 * pairs / HOEFFDING_DELTA) / (2 * m))
    err = np.abs(h0 - hi)
    ratio = float(np.max(np.where(t > 0, err / np.where(t > 0, t, 1.0), np.where(err > 0, np.inf, 0.0))))
    return tolerance.at_most(ratio, 1.0), ratio, float(np.max(err))

