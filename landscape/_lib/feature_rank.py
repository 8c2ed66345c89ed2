"""Rank of the feature (activation) matrix T_H of an MLP at the data, for random weights.

Li, Ding, Sun, *Over-Parameterized Deep Neural Networks Have No Strict Local Minima For Any
Continuous Activations* (``../shared/papers/004_c552a5c94484e66a.txt``), Lemma 3 (section 4, proof
in appendix D): under Assumption 1 (data distinct in some coordinate) and Assumption 2 with
``n = N`` the set of weights with ``rank(T_H) < min(d_H, N)`` has measure zero.  This module decides
the rank for given weights (:func:`feature_matrix_rank`: exact rational arithmetic where the
activation allows it, otherwise float64 with the multiple-precision ladder of
:mod:`landscape._lib.tolerance` and the dominant-term criterion :func:`dominant_term_rank`), tells a
precision artefact from a genuine deficiency (:func:`saturation_note`), tests a deficiency for
robustness (:data:`ROBUST_TEXT`), and turns Gaussian weight draws into one example outcome
(:func:`lemma3_outcome`, replayed by :func:`replay_lemma3`).  Used by the Li-Ding-Sun claims and by
the Yu-Chen / Nguyen-Hein claims of Golikov's essay.
"""

from __future__ import annotations

import math

import numpy as np

from landscape._lib import payload as _p
from landscape._lib.outcome import Outcome
from landscape._lib import activations, symbolic, tolerance
from landscape._lib.networks.mlp import MLP, MLPSpec

ROBUST_RADIUS = 1e-3  # relative size of the weight perturbations of the robustness test
ROBUST_DRAWS = 8
#: What the robustness test is, in words (evidence texts use it verbatim).
ROBUST_TEXT = (f"{ROBUST_DRAWS} random perturbations of relative size {ROBUST_RADIUS:g} (every weight moved by "
               f"U(-1, 1) x {ROBUST_RADIUS:g} x max(1, max |W_l|) of its layer), all still rank deficient: evidence "
               "of an open set of weights, not a proof")


#: Largest degree p^H (T_H as a polynomial of the data) for which a polynomial network's rank is decided in
#: exact rational arithmetic; above it the integers grow to tens of thousands of bits and the
#: multiple-precision ladder is cheaper.
EXACT_MAX_DEGREE = 32


def feature_matrix_rank(net: MLP, x: np.ndarray) -> tolerance.RankDecision:
    """Rank decision for T_H.

    Activations with an exact rational evaluation (ReLU, leaky ReLU, linear, z^p with
    p^H <= :data:`EXACT_MAX_DEGREE`) get the rank of T_H computed exactly from the float64
    data and weights (rationals, fraction-free elimination: precision ``exact``, margin inf).  Otherwise float64 with multiple-precision
    escalation of every non-'nonzero' case (:func:`landscape._lib.tolerance.rank`).
    """
    th = net.hidden(x)[-1].numpy()
    if not np.all(np.isfinite(th)):
        raise FloatingPointError("T_H overflowed float64")
    act = activations.get(net.spec.activation)
    degree = (act.polynomial_degree or 1) ** net.spec.depth
    if act.rational_exact and degree <= EXACT_MAX_DEGREE:
        target = min(th.shape)
        s = tolerance.singular_values(th)
        s_norm = float(s[target - 1] / s[0]) if s.size and s[0] > 0 else 0.0
        r = symbolic.exact_rank(net.hidden_exact(x))
        full = r >= target
        return tolerance.RankDecision(r, target, full, s_norm,
                                      tolerance.Decision(s_norm, "nonzero" if full else "zero", math.inf, "exact"))
    exact = None
    if act.expr is not None:
        def exact(dps: int):
            return net.hidden_mp(x, dps)
    d = tolerance.rank(th, exact=exact)
    if d.full is None and act.expr is not None:
        dom = dominant_term_rank(net.hidden_mp(x, tolerance.HP_LADDER[0]), d.target)
        if dom is not None:
            return dom
    return d


def dominant_term_rank(t, target: int) -> tolerance.RankDecision | None:
    """A sufficient exact criterion for rank(T) >= target (``t``: an mpmath matrix at 50 digits),
    used for T_H when the multiple-precision ladder is undecided.

    Entries of T_H can span millions of decades (e^z activations on large pre-activations:
    e^-2.7e6 next to e^-3.7e7), beyond what equilibration and 400 digits resolve.  Then one
    term of a minor's determinant can dominate all the others: with ``L = ln |T_H|`` (from
    T_H at 50 digits; mpmath has an unbounded exponent), take the ``target`` x ``target``
    minor of the best assignment (``scipy.optimize.linear_sum_assignment`` on L) and the
    second-best permutation of that minor; if ``L_best - L_second > ln(target!)`` the best
    term exceeds the sum of the ``target! - 1`` others, so the minor -- hence the rank -- is
    non-zero.  Required with a margin of one decade (float64 logs of ~1e8 are exact to
    ~1e-8).  Returns ``None`` when no term dominates.
    """
    import mpmath
    from scipy.optimize import linear_sum_assignment

    with mpmath.workdps(tolerance.HP_LADDER[0]):
        logs = np.array([[float(mpmath.log(abs(t[i, j]))) if t[i, j] != 0 else -np.inf for j in range(t.cols)]
                         for i in range(t.rows)])
    if not np.isfinite(logs).any():
        return None
    floor = float(np.min(logs[np.isfinite(logs)])) - 1e6 * (1 + abs(float(np.min(logs[np.isfinite(logs)]))))
    work = np.where(np.isfinite(logs), logs, floor)
    r, c = linear_sum_assignment(-work)
    if len(r) < target or not np.all(np.isfinite(logs[r, c])):
        return None
    sub = logs[np.ix_(r, c)]
    best = float(np.sum(np.diag(sub)))
    second = -np.inf
    for k in range(len(r)):  # the best permutation other than the diagonal avoids some diagonal entry
        s2 = np.where(np.isfinite(sub), sub, floor)
        s2[k, k] = floor
        rr, cc = linear_sum_assignment(-s2)
        vals = sub[rr, cc]
        if np.all(np.isfinite(vals)):
            second = max(second, float(np.sum(vals)))
    gap = best - second  # natural log; +inf if every other permutation has a zero factor
    margin = (gap - math.lgamma(len(r) + 1)) / math.log(10) - 1.0
    if not margin > 0:
        return None
    return tolerance.RankDecision(target, target, True, 0.0,
                                  tolerance.Decision(math.exp(-min(gap, 700.0)), "nonzero",
                                                     margin if math.isfinite(margin) else math.inf,
                                                     "mp50 dominant term"))


def saturation_note(net: MLP, x: np.ndarray) -> str:
    """Why a deficiency of T_H is undecidable at the deepest precision, or ``""`` if it is not.

    An analytic activation that saturates (pre-activations of two data points both within
    e.g. 10^-10^17 of a point where sigma is locally flat at working precision) makes two
    columns of T_H agree beyond the ``HP_LADDER[-1]``-digit floor although the points stay
    distinct: the "deficiency" is then the precision's, not the network's.  Only merges whose
    first-order separation is positive but below the floor count
    (:meth:`MLP.saturation_merges`); exact identities (an even sigma at opposite points, a
    periodic one at points a period apart) are genuine and are decided as such.
    Non-analytic activations (ReLU) merge points exactly, so this never applies to them.
    """
    act = activations.get(net.spec.activation)
    if not act.analytic or act.expr is None or act.rational_exact:
        return ""
    dps = tolerance.HP_LADDER[-1]
    merges = net.saturation_merges(x, dps)
    if not merges:
        return ""
    m = merges[0]
    return (f"undecidable at {dps} digits: layer {m['layer']} maps data points {m['i']} and {m['j']} (pre-activations "
            f"10^{m['log10_sep_in']:.3g} apart, relative) to outputs equal to within 10^{m['log10_sep_out']:.4g} "
            f"there, although to first order they differ by 10^{m['log10_sep_out_first_order']:.4g} (saturation); "
            f"{len(merges)} such pair(s)")


def _robust_deficiency(net: MLP, x: np.ndarray, rng: np.random.Generator) -> tuple[bool, list[float]]:
    """Is rank(T_H) < target on a neighbourhood?  See :data:`ROBUST_TEXT`."""
    s = []
    for _ in range(ROBUST_DRAWS):
        ws = []
        for w in net.weights:
            wn = w.numpy()
            scale = max(1.0, float(np.max(np.abs(wn))))
            ws.append(wn + ROBUST_RADIUS * scale * rng.uniform(-1, 1, size=wn.shape))
        d = feature_matrix_rank(net.with_weights(ws), x)
        s.append(d.s_normalised)
        if d.full is not False:
            return False, s
    return True, s


#: Extra weight draws made when a draw is undecided (band) before the example counts as band.
REDECIDE_DRAWS = 8


def lemma3_outcome(x: np.ndarray, spec: MLPSpec, weight_seed: int, draws: int) -> Outcome:
    """Rank of T_H for ``draws`` Gaussian weight draws; ``fails`` only for a robust deficiency.

    A draw whose rank is undecided even at multiple precision (ill-conditioning, or saturation
    below the deepest precision) does not make the example ``band`` by itself.  For an analytic
    sigma every minor of T_H is a real-analytic function of the weights, so one draw certified
    full rank proves that the deficient weights of this (data, architecture) have measure zero:
    the example holds.  Undecided draws are therefore re-decided with up to
    :data:`REDECIDE_DRAWS` further draws; only an example with no certified full-rank draw and
    some undecided one is ``band``.
    """
    rng = np.random.default_rng(weight_seed)
    smins, margins, accidents, decided_by = [], [], 0, []
    undecided: list[str] = []
    certified_full = 0
    n = x.shape[1]
    analytic = bool(activations.get(spec.activation).analytic)
    j = 0
    while j < draws + (REDECIDE_DRAWS if undecided and analytic else 0):
        net = MLP.random(spec, rng)
        d = feature_matrix_rank(net, x)
        smins.append(d.s_normalised)
        j += 1
        if d.full is None:
            undecided.append("rank undecided even at multiple precision")
            if not analytic:
                break
            continue
        if d.full is False:
            merged = saturation_note(net, x)
            if merged:
                undecided.append(merged)
                if not analytic:
                    break
                continue
            robust, s_pert = _robust_deficiency(net, x, np.random.default_rng(weight_seed + 1 + j))
            if robust:
                payload = {"activation": spec.activation, "spec": spec.as_dict(), "X": x.tolist(),
                           "weights": [w.tolist() for w in net.weights_numpy()], "perturb_seed": weight_seed + 1 + j,
                           "robust_radius": ROBUST_RADIUS, "robust_draws": ROBUST_DRAWS}
                return Outcome.fails(payload, d.decision.margin,
                                     note=(f"rank(T_H) = {d.rank} < min(d_H, N) = {d.target} ({d.decision.precision}), "
                                           f"and after {ROBUST_TEXT}"),
                                     s_min=smins, s_min_perturbed=s_pert, rank=d.rank, target=d.target,
                                     precision=d.decision.precision, N=n, depth=spec.depth, bias=spec.bias,
                                     activation=spec.activation)
            accidents += 1
        else:
            certified_full += 1
        margins.append(d.decision.margin)
        decided_by.append(d.decision.precision)
    if undecided and not (analytic and certified_full):
        return Outcome.band(note=undecided[0], s_min=smins, N=n, activation=spec.activation,
                            saturated=any("saturation" in u for u in undecided), undecided_draws=len(undecided))
    return Outcome.holds(min(margins) if margins else math.inf, s_min=smins, N=n, depth=spec.depth, bias=spec.bias,
                         accidents=accidents, activation=spec.activation, decided_by=decided_by,
                         undecided_draws=len(undecided), redecided=bool(undecided))


def replay_lemma3(payload: dict) -> Outcome:
    """Replay a ``lemma3_outcome`` counterexample: rank of T_H at the stored data and weights, then the
    saturation and robustness tests (seeded by ``perturb_seed``)."""
    spec = _p.require_spec(payload)
    x = _p.require_matrix(payload, "X", rows=spec.d0)
    net = MLP(spec, _p.require_weights(payload, "weights", spec))
    _p.require_seed(payload, "perturb_seed")
    d = feature_matrix_rank(net, x)
    if d.full is not False:
        return Outcome("holds" if d.full else "band", d.decision.margin, {"s_min": d.s_normalised})
    merged = saturation_note(net, x)
    if merged:
        return Outcome.band(note=merged, s_min=d.s_normalised)
    robust, s = _robust_deficiency(net, x, np.random.default_rng(int(payload["perturb_seed"])))
    if not robust:
        return Outcome.holds(d.decision.margin, s_min=d.s_normalised, note="deficiency is not robust")
    return Outcome.fails(payload, d.decision.margin, rank=d.rank, target=d.target, s_min_perturbed=s)

