"""Stationary points of two-layer networks on the cube [0,1]^K and witnesses of lower loss.

The points that H. Jiang's Lemma 1 and Theorem 2 are examined at
(``../shared/papers/000_aea297099283b0eb.txt``, section 3.2): networks are
:class:`~landscape._lib.networks.cube.JiangNet` (or any two-layer
:class:`~landscape._lib.networks.mlp.MLPSpec`), the loss is the squared loss.

* :class:`StationaryPoint` -- network, weights, data, the lowest loss known (a witness);
* :func:`fixture_point` -- a library fixture (:mod:`landscape._lib.fixtures`) as such a point;
* :func:`trained_point` -- the end point of L-BFGS training from a random init;
* :func:`dead_on_data_point` -- a ReLU network dead at every data point but alive elsewhere
  in the cube (gradient exactly 0);
* :func:`split_stationary_point` -- the best one-neuron fit split into two half-neurons;
* :func:`interpolant_witness` -- an explicit zero-loss point of the same architecture;
* :func:`stationarity_decision` -- the tolerance decision on the relative gradient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from landscape._lib import fixtures as _fixtures
from landscape._lib import tolerance
from landscape._lib import train as _train
from landscape._lib.certify import gradient_norm
from landscape._lib.networks.cube import JiangNet
from landscape._lib.networks.mlp import MLPSpec


@dataclass
class StationaryPoint:
    """A candidate stationary point of Q(f_w | D_T) for Lemma 1: network, weights, data, what is known.

    (Not :class:`landscape._lib.certify.StationaryPoint`, the result of a refinement: this one is a
    point to examine, with the lowest loss known for its architecture and data as a witness.)
    """

    id: str
    kind: str  # "fixture" | "trained" | "construction"
    spec: MLPSpec
    w: torch.Tensor
    x: np.ndarray  # (T, K)
    y: np.ndarray  # (T,)
    lower: float | None  # the lowest loss known for this architecture and data (a witness), if any
    payload: dict
    facts: dict = field(default_factory=dict)


def fixture_point(fx: _fixtures.Fixture) -> StationaryPoint:
    """A library fixture as a point to examine; ``lower`` from its ``lower_loss_witness`` or ``global_inf`` fact."""
    lower = fx.facts.get("lower_loss_witness", fx.facts.get("global_inf"))
    return StationaryPoint(fx.id, "fixture", fx.spec, fx.flat(), fx.x.T.copy(), fx.y[0].copy(),
                           None if lower is None else float(lower), {"kind": "fixture", "fixture": fx.id},
                           {"source": fx.source})



def split_stationary_point(x: np.ndarray, y: np.ndarray, act: str = "tanh",
                           starts: int = 8) -> tuple[list[np.ndarray], float, float]:
    """Best one-neuron fit (L-BFGS from several starts), split into two half-neurons.

    Splitting (w, b, a) into (w, b, a/2) twice is a stationary point of the two-neuron
    loss whenever the one-neuron point is stationary (the gradients scale by 1/2).
    Returns (weights of the 2-neuron net as MLP weights, its loss, a lower 2-neuron loss:
    the first of up to ``starts`` L-BFGS runs that reaches 1e-20 of the split loss, else the best).
    """
    one = JiangNet(1, 1, act)
    lf1 = one.squared_loss(x, y)
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
    lf2 = two.squared_loss(x, y)
    loss = float(lf2(torch.as_tensor(w2)))
    lower = math.inf
    for _ in range(starts):
        lower = min(lower, _train.minimise(lf2, two.init(rng, scale=4.0)).losses[0])
        if lower <= 1e-20 * loss:
            break
    weights = [w2[:4].reshape(2, 2), w2[4:].reshape(1, 2)]
    return weights, loss, float(lower)


def stationarity_decision(lossf, w: torch.Tensor, loss: float) -> tolerance.Decision:
    """The stationarity decision of Lemma 1's points: ``|grad| / max(1, sqrt(Q)) / max(1, max|w|)``.

    ``loss`` is ``Q(w)``; the relative gradient is decided by the tolerance policy (zero = stationary).
    When the loss carries its multiple-precision form (the library's losses do), criticality is certified
    (:func:`landscape._lib.certify.certify_critical`): a point float64 calls stationary that is not critical
    (a saturation plateau, a drift) is ``nonzero``, an undecided one ``band``; the decision's ``precision``
    is then the proof level (``exact`` / ``interval`` / ``multiprecision``) and its value the float64 ratio.
    """
    g = gradient_norm(lossf, w)
    d = tolerance.classify(g / max(1.0, math.sqrt(max(loss, 0.0))) / max(1.0, float(w.abs().max())))
    if getattr(lossf, "mp", None) is None:
        return d
    from landscape._lib.certify import certify_critical

    crit = certify_critical(lossf, w)
    if crit.status == "critical":
        if d.outcome == "nonzero":  # the certified critical point is a refinement away: not this point
            return d
        return tolerance.Decision(d.value, "zero", crit.decision.margin if d.outcome == "band" else
                                  max(d.margin, crit.decision.margin), crit.proof)
    if crit.status == "not-critical":
        return tolerance.Decision(d.value, "nonzero", crit.decision.margin, crit.proof)
    return tolerance.Decision(d.value, "band", 0.0, crit.proof)


def interpolant_witness(net: JiangNet, x: np.ndarray, y: np.ndarray, base: torch.Tensor) -> tuple[torch.Tensor, float]:
    """An explicit (near) zero-loss point of the same architecture (K = 1, T <= m distinct points): a witness.

    Neurons ``0..T-1`` become ramps (ReLU) or steps (tanh, sigmoid, softplus: slope ``8 /
    min gap``) with kinks ``c_1 < x_1`` and ``c_j`` half-way between ``x_{j-1}`` and ``x_j``;
    their output weights solve the ``T x T`` system at the data (ReLU: lower triangular;
    steps: columns ``~ 1[x > c_j]`` or ``sign(x - c_j)``, invertible); the other neurons
    keep ``base``'s hidden weights with output weight 0.  Returns the weights and their loss
    (``inf`` if the system is not solvable in float64).
    """
    xs = x[:, 0]
    t = xs.size
    if net.K != 1 or t > net.m:
        return base, math.inf
    gaps = np.diff(xs)
    gap = float(np.min(gaps)) if gaps.size else 0.5
    if gap <= 0:
        return base, math.inf
    kinks = np.concatenate([[xs[0] - gap / 2], (xs[:-1] + xs[1:]) / 2])
    slope = 1.0 if net.act == "relu" else 8.0 / gap
    v = base.detach().clone().numpy()
    m = net.m
    for j in range(t):
        v[2 * j], v[2 * j + 1] = slope, -slope * kinks[j]
    v[2 * m:] = 0.0
    vt = torch.as_tensor(v)
    hidden = net.mlp.hidden(x.T, net.mlp.unflatten(vt))[-1].numpy()[:t]  # (t neurons, T points)
    try:
        a = np.linalg.solve(hidden.T, y)
    except np.linalg.LinAlgError:
        return vt, math.inf
    v[2 * m: 2 * m + t] = a
    vt = torch.as_tensor(v)
    return vt, float(net.squared_loss(x, y)(vt))


def trained_point(act: str, m: int, t: int, seed: int, scale: float) -> StationaryPoint:
    """End point of L-BFGS (float64, gtol 1e-12; Newton-polished unless the loss is ~0) from a random init.

    Data: ``t`` points uniform in [0.1, 0.9], Gaussian labels.  ``lower``: the lowest of the
    loss itself, two more L-BFGS runs (when the loss is not ~0) and the explicit interpolant
    :func:`interpolant_witness` (``m >= T``: zero loss is attained, up to round-off).  A
    positive loss at a point is only ever called a global minimum by a lower bound -- zero
    loss -- never because nothing lower was found (``lemma1_decide`` of :mod:`landscape.claims.jiang.lemma1`).
    """
    rng = np.random.default_rng(seed)
    net = JiangNet(1, m, act)
    w0 = net.init(rng, scale=scale)
    x = np.sort(0.1 + 0.8 * rng.random(t))[:, None]
    y = rng.normal(size=t)
    lossf = net.squared_loss(x, y)
    w = _train.minimise(lossf, w0, max_iter=1000).w
    loss = float(lossf(w))
    scale_y = float(np.sum(y**2))
    lower = loss
    if tolerance.classify(loss / scale_y).outcome != "zero":
        if act != "relu" and net.M <= 200:
            w = _train.newton_polish(lossf, w, steps=5)
            loss = lower = float(lossf(w))
        for _ in range(2):
            lower = min(lower, _train.minimise(lossf, net.init(rng, scale=scale), max_iter=1000).losses[0])
    _, witness = interpolant_witness(net, x, y, w)
    lower = min(lower, witness)
    return StationaryPoint(f"trained[{act},m={m},T={t},seed={seed}]", "trained", net.spec, w, x, y, lower,
                           {"kind": "trained", "activation": act, "m": m, "T": t, "seed": seed, "scale": scale},
                           {"witness_loss": witness})


def dead_on_data_point(m: int, half_width: float, t: int, seed: int) -> StationaryPoint:
    """A ReLU network (K = 1) all of whose neurons are off at every data point but on elsewhere in the cube.

    Data: ``t`` points in ``[0.5 - half_width, 0.5 + half_width]``, Gaussian labels.
    Neurons: half with kinks ``c_j`` evenly spread in ``(0, 0.5 - half_width)``, active on
    ``[0, c_j)``, half in ``(0.5 + half_width, 1)``, active on ``(c_j, 1]``; slopes
    uniform in [1, 4]; output weights +-[0.5, 1.5], projected (least change) so that
    ``f(0) = f(1) = 0`` (f is then continuous on the circle, its series converges fast).
    At the data every ``relu`` and ``relu'`` vanishes, so ``grad_w Q = 0`` *exactly* and
    ``Q = sum y_t^2``, while ``H(w)`` (which does not depend on the data) sees the neurons
    on the rest of the cube.  ``lower``: the loss of an explicit interpolant in the same
    architecture (``t`` neurons with kinks between the data points, output weights solved
    from a triangular system; the other neurons' output weights 0).
    """
    rng = np.random.default_rng(seed)
    net = JiangNet(1, m, "relu")
    lo_, hi_ = 0.5 - half_width, 0.5 + half_width
    x = (0.5 + half_width * np.linspace(-0.8, 0.8, t))[:, None]
    y = rng.normal(size=t)
    left = m // 2
    c = np.concatenate([(np.arange(left) + 0.5) / left * lo_, hi_ + (np.arange(m - left) + 0.5) / (m - left) * (1 - hi_)])
    s = rng.uniform(1.0, 4.0, size=m)
    w = np.where(np.arange(m) < left, -s, s)
    b = -w * c
    a = rng.choice([-1.0, 1.0], size=m) * rng.uniform(0.5, 1.5, size=m)
    at0 = np.where(np.arange(m) < left, s * c, 0.0)  # relu(b_j) for the left neurons (value at x = 0)
    at1 = np.where(np.arange(m) >= left, s * (1 - c), 0.0)  # value at x = 1 of the right neurons
    for v_ in (at0, at1):  # project a onto {f(0) = 0} and {f(1) = 0} (disjoint supports): the smallest change
        a = a - (a @ v_) / (v_ @ v_) * v_
    wv = torch.as_tensor(np.concatenate([np.stack([w, b], 1).reshape(-1), a]))
    # witness: neurons 0..t-1 re-centred (active to the right of a kink just below / between the data)
    xs = x[:, 0]
    kinks = np.concatenate([[xs[0] - half_width * 0.1], (xs[:-1] + xs[1:]) / 2])
    phi = np.maximum(xs[:, None] - kinks[None, :], 0.0)  # lower triangular, positive diagonal
    aw = np.zeros(m)
    aw[:t] = np.linalg.solve(phi, y)
    ww, bw = w.copy(), b.copy()
    ww[:t], bw[:t] = 1.0, -kinks
    witness = torch.as_tensor(np.concatenate([np.stack([ww, bw], 1).reshape(-1), aw]))
    lower = float(net.squared_loss(x, y)(witness))
    return StationaryPoint(f"dead_on_data[m={m},h={half_width:g},T={t},seed={seed}]", "construction", net.spec, wv,
                           x, y, lower, {"kind": "construction", "m": m, "half_width": half_width, "T": t,
                                         "seed": seed}, {"witness_loss": lower})

