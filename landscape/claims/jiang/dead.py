"""Section 3.3.1: dead ReLU neurons give zero rows of H(w) and stay dead under gradient descent
(``jiang.dead_neurons``)."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from landscape import Context, Outcome, Result, claim
from landscape._lib import payload as _p
from landscape._lib import disparity as _disp
from landscape._lib import tolerance
from landscape._lib import train as _train
from landscape._lib import prose
from landscape._lib.networks.cube import JiangNet, fft_grid, measured_disparity
from landscape._lib.strategies import seeds
from landscape.claims.jiang._common import FFT_DIMS, PAPER


def dead_outcome(k_dim: int, m: int, n_dead: int, seed: int, steps: int) -> Outcome:
    """Dead ReLU neurons: zero rows of H(w), zero gradients, unchanged by GD (all decided by the policy)."""
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
    h, err = measured_disparity(net.spec, w, n)
    dead_rows = [r for j in dead for r in net.neuron_rows(j)]
    scale = max(float(np.max(h.row_norms)), 1e-300)
    rows_dec = tolerance.classify(float(np.max(h.row_norms[dead_rows])) / scale)
    rk = _disp.rank_with_error(h.real, err.spectral, target=min(h.M, h.N))
    x = rng.random((6, k_dim))
    y = rng.normal(size=6)
    lossf = net.squared_loss(x, y)
    run = _train.gradient_descent(lossf, w, lr=1e-2, steps=steps, stride=max(1, steps // 10))
    moved = float(torch.max(torch.abs(run.w[dead_rows] - w[dead_rows])))
    moved_dec = tolerance.classify(moved / max(1.0, float(torch.max(torch.abs(w)))))
    grid = torch.as_tensor(np.random.default_rng(0).random((2000, k_dim)))
    pre = net.mlp.unflatten(run.w)[0] @ torch.cat([grid.T, torch.ones(1, grid.shape[0], dtype=torch.float64)])
    still_dead = bool(torch.all(pre[dead] < 0))
    stats = {"K": k_dim, "m": m, "dead": n_dead, "M": h.M, "N": h.N, "dead_rows_norm_relative": rows_dec.value,
             "dead_rows_decision": rows_dec.as_dict(), "max_param_change": moved, "moved_decision": moved_dec.as_dict(),
             "still_dead_after_gd": still_dead, "loss_start": run.losses[0], "loss_end": run.losses[-1],
             "rank": rk.as_dict(), "rank_bound_zero_rows": h.M - len(dead_rows),
             "H": "exact (closed form)" if h.rule == "exact" else f"FFT G = {h.G}", "discretisation": err.as_dict()}
    payload = {"K": k_dim, "m": m, "dead": n_dead, "seed": seed, "steps": steps}
    if rows_dec.outcome == "zero" and moved_dec.outcome == "zero" and still_dead:
        return Outcome.holds(min(rows_dec.margin, moved_dec.margin), **stats)
    if "band" in (rows_dec.outcome, moved_dec.outcome):
        return Outcome.band(note="a dead row or the GD change is in the tolerance band", **stats)
    return Outcome.fails(payload, max(rows_dec.margin if rows_dec.outcome == "nonzero" else 0.0,
                                      moved_dec.margin if moved_dec.outcome == "nonzero" else 0.0),
                         note="a dead neuron has a non-zero row, moved under GD or came alive", **stats)


def _dead_tried(examples: int, steps: int) -> str:
    """What jiang.dead_neurons tried: ``examples`` networks, ``steps`` GD steps each."""
    box = prose.paren("K = 1: exact coefficients", f"K = 2: FFT {fft_grid(2)}^2, error measured on the doubled grid")
    return prose.clauses(
        f"{examples} ReLU networks (K <= 2, width <= 6) with 1..m dead neurons",
        f"H(w) on a box of 9^K modes {box}", "rank of H with its margin",
        f"{steps} GD steps (lr 1e-2) on 6 random points", "deadness re-checked on 2000 points of the cube")


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
    drops = [{"M": o.stats["M"], "N": o.stats["N"], "dead": o.stats["dead"], "rank": o.stats["rank"]["rank"],
              "bound": o.stats["rank_bound_zero_rows"], "s_normalised": o.stats["rank"]["s_normalised"],
              "rank_margin": o.stats["rank"]["margin"], "full": o.stats["rank"]["full"]} for o in res.outcomes]
    errs = [o.stats["discretisation"]["relative_spectral_error"] for o in res.outcomes]
    return res.result(statistics={"ranks": drops, "max_relative_discretisation_error_of_H": max(errs) if errs else None,
                                  "H": "K = 1: exact closed-form coefficients; K = 2: FFT, error from the doubled grid"},
                      tried=_dead_tried(res.examples, steps))


def _replay_dead(p: dict) -> Outcome:
    m = _p.require_int(p, "m", 1, _p.MAX_WIDTH)
    return dead_outcome(_p.require_choice(p, "K", FFT_DIMS), m, _p.require_int(p, "dead", 0, m), _p.require_seed(p),
                        _p.require_int(p, "steps", 0, _p.MAX_STEPS))


check_dead.replayer(_replay_dead)
