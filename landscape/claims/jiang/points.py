"""The stationary points Lemma 1 is examined at (and Theorem 2 is started from): the split-neuron
fixtures ``jiang.split``, training end points, ReLU networks dead on the data, and
:func:`examine_point`, everything Lemma 1 needs at one point.  The points themselves are built by
:mod:`landscape._lib.stationary`."""

from __future__ import annotations

import numpy as np

from landscape import Context, LandscapeError
from landscape._lib import payload as _p
from landscape._lib import disparity as _disp
from landscape._lib import fixtures as _fixtures
from landscape._lib import tolerance
from landscape._lib.networks.cube import measured_disparity, squared_loss
from landscape._lib.networks.mlp import MLP, MLPSpec
from landscape._lib.stationary import (StationaryPoint, dead_on_data_point, fixture_point, split_stationary_point,
                                       stationarity_decision, trained_point)
from landscape.claims.jiang._common import TRUNCATION_NEGLIGIBLE


@_fixtures.builder("jiang.split")
def split_fixtures() -> list[_fixtures.Fixture]:
    """Two-neuron tanh points built by splitting the best one-neuron fit of non-monotone data.

    Whether the result is a stationary point is decided, not assumed: the gradient by the
    policy and saturation by :func:`landscape._lib.certify.saturation`.  ``jiang.split[0]`` (data
    symmetric about 0.5) is a genuine stationary point: the best fit is the constant 1/3
    (pre-activation -3.74).  ``jiang.split[1]``'s one-neuron "fit" is the end of a drift
    towards a step function (pre-activations 46, 21.5, -19.5 at the three data points: tanh'
    rounds to 0 in float64, so the float64 gradient is 0, but in exact arithmetic it is ~1e-17
    and the loss keeps falling as the weights grow): saturated, so it is kept in the library
    as ``kind = "saturated_drift"`` with ``stationary`` None, and Lemma 1 excludes it.
    """
    from landscape._lib.certify import saturation

    out = []
    for i, (xs, ys) in enumerate([((0.2, 0.5, 0.8), (1.0, -1.0, 1.0)), ((0.1, 0.4, 0.9), (-0.5, 1.0, -1.0))]):
        x, y = np.array(xs)[:, None], np.array(ys)
        weights, loss, lower = split_stationary_point(x, y)
        spec = MLPSpec(1, (2,), 1, "tanh", True)
        flat = MLP(spec, weights).flat()
        sat = saturation(spec, flat, x.T)
        stat = stationarity_decision(squared_loss(spec, x, y), flat, loss)
        stationary = None if sat.saturated else {"zero": True, "nonzero": False, "band": None}[stat.outcome]
        out.append(_fixtures.Fixture(
            id=f"jiang.split[{i}]", source="jiang.lemma1 (split construction)",
            kind="stationary" if stationary else ("saturated_drift" if sat.saturated else "candidate"),
            spec=spec, weights=weights, x=x.T, y=y[None, :],
            facts={"loss": loss, "lower_loss_witness": lower, "stationary": stationary,
                   "stationarity": stat.as_dict(), "saturation": sat.as_dict()}))
    return out


#: The hypotheses of Lemma 1 a fixture must meet to be examined (cross-examination, :func:`landscape._lib.fixtures.select`):
#: a two-layer network on data in U^K (K <= 2, the grids of :mod:`landscape._lib.fourier`), the squared loss, stationary
#: (a saturated point at a positive loss is never 'stationary': landscape._lib.certify.saturation).
LEMMA1_REQUIRES = {"depth": 1, "d_out": 1, "d0": _fixtures.at_most(2), "in_unit_cube": True, "loss": "squared",
                   "stationary": True}


def lemma1_fixtures() -> list[_fixtures.Fixture]:
    """The library fixtures that meet :data:`LEMMA1_REQUIRES` (:func:`landscape._lib.fixtures.select`)."""
    return _fixtures.select(LEMMA1_REQUIRES).matched


#: Networks trained to stationarity for Lemma 1 (activation, width, init scale): M >= N >= T with room for
#: a box whose truncation meets TRUNCATION_NEGLIGIBLE (K = 1; for K = 2 that would need M ~ 10^3).
TRAINED = (("sigmoid", 60, 32.0), ("relu", 80, 16.0), ("tanh", 40, 32.0))


#: Dead-on-the-data constructions examined: (width, half-width of the data cluster, T, seed) per profile size.
CONSTRUCTIONS = ((320, 0.005, 3, 2), (240, 0.005, 4, 1), (160, 0.01, 3, 0))


def point_from_payload(p: dict) -> StationaryPoint:
    """The point a counterexample payload names (``kind``: fixture, trained or construction), rebuilt for a replay."""
    kind = p.get("kind")
    if kind == "fixture":
        fx = {f.id: f for f in _fixtures.all_fixtures()}.get(_p.require_str(p, "fixture"))
        if fx is None:
            raise LandscapeError(f"fixture {p['fixture']!r} is not in the library")
        return fixture_point(fx)
    if kind == "trained":
        return trained_point(_p.require_activation(p), _p.require_int(p, "m", 1, _p.MAX_WIDTH),
                             _p.require_int(p, "T", 1, _p.MAX_N), _p.require_seed(p),
                             _p.require_float(p, "scale", 0.0))
    if kind == "construction":
        return dead_on_data_point(_p.require_int(p, "m", 1, _p.MAX_WIDTH), _p.require_float(p, "half_width", 0.0, 0.5),
                                  _p.require_int(p, "T", 1, _p.MAX_N), _p.require_seed(p))
    raise LandscapeError(f"stationary-point kind {kind!r} is unknown; expected fixture, trained or construction")


#: Largest half-width n of the boxes examined at a stationary point (K = 1; K = 2: 7).
LEMMA1_NMAX = {1: 240, 2: 7}


def examine_point(pt: StationaryPoint) -> dict:
    """Everything Lemma 1 needs at one point: stationarity, loss vs the lowest known, H on every admissible box.

    Admissible boxes: ``(n,)^K`` with ``T <= N <= M``.  H is computed once on the largest
    (exact for K = 1 ReLU, else FFT with its error measured on the doubled grid) and
    restricted to the others.  ``main``: the smallest admissible box whose energy of
    ``df/dw`` outside is ``<= TRUNCATION_NEGLIGIBLE`` (the next two are tried if H is not
    of full rank there); ``coarse``: the smallest admissible box on which H has full rank,
    truncation ignored.
    """
    from landscape._lib.certify import gradient_norm, saturation

    lossf = squared_loss(pt.spec, pt.x, pt.y)
    k_dim, t, big_m = pt.spec.d0, pt.x.shape[0], pt.spec.n_params()
    loss = float(lossf(pt.w))
    g = gradient_norm(lossf, pt.w)
    stat = stationarity_decision(lossf, pt.w, loss)
    ysq = float(np.sum(pt.y**2))
    zero_loss = tolerance.classify(loss / ysq if ysq > 0 else 0.0)
    gap = tolerance.classify(max(loss - pt.lower, 0.0) / loss) if pt.lower is not None and loss > 0 else None
    sat = saturation(pt.spec, pt.w, pt.x.T)
    ex = {"id": pt.id, "kind": pt.kind, "activation": pt.spec.activation, "K": k_dim, "M": big_m, "T": t,
          "loss": loss, "lower_loss": pt.lower, "gradient_norm": g, "stationary": stat.as_dict(),
          "zero_loss": zero_loss.as_dict(), "gap": gap.as_dict() if gap else None, "saturation": sat.as_dict(),
          "boxes": [], "main": None, "coarse": None}
    boxes = [v for v in range(0, LEMMA1_NMAX[k_dim] + 1) if t <= (2 * v + 1) ** k_dim <= big_m]
    if not boxes:
        return ex
    D, err = measured_disparity(pt.spec, pt.w, (boxes[-1],) * k_dim)
    tr, ftr = D.box_truncations()
    ex["H"] = "exact (closed form)" if D.rule == "exact" else f"FFT G = {D.G}"
    ex["discretisation"] = err.as_dict()
    ex["boxes"] = [{"N": (2 * v + 1) ** k_dim, "truncation": float(tr[v]), "f_truncation": float(ftr[v])}
                   for v in boxes]

    def decide(v: int) -> dict:
        d = D if v == boxes[-1] else D.restrict((v,) * k_dim)
        sv = tolerance.singular_values(d.real)
        rk = _disp.rank_with_error(d.real, err.spectral, target=d.N, singular_values=sv)
        spec_ = [float(u) for u in sv / sv[0]] if sv.size and sv[0] > 0 else []
        return {"N": d.N, "truncation": float(tr[v]), "f_truncation": float(ftr[v]),
                "worst_row_truncation": float(np.max(d.row_truncation)), "rank": rk.as_dict(), "full": rk.full,
                "margin": rk.margin, "spectrum": spec_}

    first_band = last = None
    for v in boxes:  # coarse: the first box with full rank (truncation ignored, as the proof does)
        last = decide(v)
        if last["full"] is True:
            break
        if last["full"] is None and first_band is None:
            first_band = last
    ex["coarse"] = last if last["full"] is True else (first_band or last)
    compliant = [v for v in boxes if tr[v] <= TRUNCATION_NEGLIGIBLE]
    tried = []
    for v in compliant[:3]:
        dv = decide(v)
        tried.append(dv)
        if dv["full"] is True:
            break
    if tried:
        ex["main"] = next((d for d in tried if d["full"] is True), None) or \
            next((d for d in tried if d["full"] is None), tried[0])
        ex["main_tried"] = [{k: d[k] for k in ("N", "truncation", "full", "margin")} for d in tried]
        v0 = compliant[0]  # the same decision on boxes with 2x and 3x the modes: how much the threshold matters
        ex["larger_boxes"] = [{k: d[k] for k in ("N", "truncation", "full", "margin")} | {"s_normalised":
                                                                                          d["rank"]["s_normalised"]}
                              for d in (decide(u) for u in (2 * v0, 3 * v0) if u in boxes and u > 0)]
    return ex


_POINTS: dict[tuple, list[tuple[StationaryPoint, dict]]] = {}


def lemma1_points(ctx: Context) -> list[tuple[StationaryPoint, dict]]:
    """Every examined stationary point (fixtures, training end points, constructions), cached per (seed, profile)."""
    key = (ctx.seed, ctx.profile.name)
    if key in _POINTS:
        return _POINTS[key]
    pts = [fixture_point(fx) for fx in lemma1_fixtures()]
    n_train = max(3, ctx.draws - 1) if ctx.max_examples <= 12 else 3 * ctx.draws // 2
    for i in range(n_train):
        act, m, scale = TRAINED[i % len(TRAINED)]
        r = ctx.rng("lemma1.trained", i)
        pts.append(trained_point(act, m, int(r.integers(3, 9)), int(r.integers(0, 2**31)), scale))
    n_con = 1 if ctx.max_examples <= 12 else len(CONSTRUCTIONS)
    pts.extend(dead_on_data_point(*c) for c in CONSTRUCTIONS[:n_con])
    _POINTS[key] = [(p, examine_point(p)) for p in pts]
    return _POINTS[key]
