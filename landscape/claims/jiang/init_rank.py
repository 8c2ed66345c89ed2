"""Section 3.3.3: full rank of H(w) at a random initialisation (``jiang.random_init_full_rank`` and
its ``.rows_to_spare`` and ``.dead_init`` variants)."""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from landscape import Context, LandscapeError, Outcome, Result, claim
from landscape._lib import payload as _p
from landscape._lib import disparity as _disp
from landscape._lib import tolerance
from landscape._lib import prose
from landscape._lib.networks.cube import JiangNet, fft_grid, measured_disparity
from landscape._lib.strategies import seeds
from landscape.claims.jiang._common import FFT_DIMS, PAPER, spectrum_figure, spectrum_series


def _log(v: float) -> float:
    return math.log10(max(float(v), 1e-300))


# ---------------------------------------------------------------------------------------
# jiang.random_init_full_rank (+ .dead_init, .rows_to_spare)
# ---------------------------------------------------------------------------------------

def _homogeneity_residual(net: JiangNet, w: np.ndarray, h: np.ndarray) -> float:
    """max_j |w_j . H[w_j] + b_j H[b_j] - a_j H[a_j]| / max|H|: zero for ReLU (positive homogeneity)."""
    worst = 0.0
    scale = max(float(np.max(np.abs(h))), 1e-300)
    for j in range(net.m):
        rows = net.neuron_rows(j)
        comb = sum(w[r] * h[r] for r in rows[:-1]) - w[rows[-1]] * h[rows[-1]]
        worst = max(worst, float(np.max(np.abs(comb))) / scale)
    return worst


def init_rank_outcome(act: str, k_dim: int, m: int, nn: int, seed: int, draws: int, dead: bool = False,
                      refine_grid: bool = True) -> Outcome:
    """rank H(w) = N for random inits?  A deficiency is certified only structurally.

    Per draw: a structural bound (exactly zero rows; for ReLU the exact relations
    ``w_j . dH/dw_j + b_j dH/db_j - a_j dH/da_j = 0`` of its live neurons) below N is a
    certified failure; otherwise the rank decision on s_N / s_1 must be robust to the
    measured discretisation error (K = 1 ReLU: exact coefficients) to hold, else band.
    With exact coefficients a float64 decision that is not "non-zero" is re-decided from
    the closed form in multiple precision (:func:`landscape._lib.disparity.relu_two_layer_exact_mp`,
    the ladder of :func:`landscape._lib.tolerance.rank`): non-zero -> holds, an exact dependency ->
    fails, undecided -> band.  With FFT coefficients, a draw that float64 calls full but whose
    measured discretisation error could change that is recomputed once on a grid
    :data:`GRID_ESCALATION` times finer (error measured again on its doubled grid) when
    ``refine_grid`` (jiang.random_init_full_rank.rows_to_spare; the parent claim is refuted by
    structural certificates and does not spend that budget on its undecided draws).
    """
    from landscape._lib import activations as _acts

    rng = np.random.default_rng(seed)
    net = JiangNet(k_dim, m, act)
    n = (nn,) * k_dim
    smins, margins, spectra, errs, escalated = [], [], [], [], []
    # An analytic sigma makes every N x N minor of H(w) a real-analytic function of the weights, and the
    # initialisation has a density: one draw certified full rank proves rank N with probability one for
    # this architecture.  A draw left in the band is therefore re-decided by up to INIT_REDECIDE_DRAWS more.
    analytic = bool(_acts.get(act).analytic)
    undecided: list[str] = []
    j = 0
    while j < draws + (INIT_REDECIDE_DRAWS if undecided else 0):
        j += 1
        w = _dead_prone(net, rng) if dead else net.init(rng, scale=4.0)
        h, err = measured_disparity(net.spec, w, n)
        hr = h.real
        d = _disp.rank_with_error(hr, err.spectral, target=h.N)
        smins.append(d.rank.s_normalised)
        errs.append(err.relative)
        if len(spectra) < 2:
            spectra.append(_disp.normalised_spectrum(hr))
        wn = w.numpy()
        zero_rows = int(np.sum(h.row_norms == 0.0))
        bound, why, cert = h.M - zero_rows, f"{zero_rows} exactly zero rows", math.inf
        if act == "relu":
            res = _homogeneity_residual(net, wn, hr)
            live = [j for j in range(m) if any(h.row_norms[r] > 0 for r in net.neuron_rows(j))]
            hom = tolerance.classify(res)
            if hom.outcome == "zero":
                bound = h.M - zero_rows - len(live)
                cert = hom.margin
                why = (f"{zero_rows} zero rows and {len(live)} exact relations w.dH/dw + b dH/db - a dH/da = 0 "
                       f"(ReLU is positively homogeneous; residual {res:.1e})")
        stats = {"activation": act, "K": k_dim, "m": m, "M": h.M, "N": h.N, "s_min": smins, "rank": d.as_dict(),
                 "rank_bound": bound, "why": why, "spectra": spectra, "relative_discretisation_error": errs,
                 "H": "exact (closed form)" if h.rule == "exact" else f"FFT G = {h.G}", "escalated": escalated}
        if bound < h.N:
            return Outcome.fails({"activation": act, "K": k_dim, "m": m, "n": nn, "seed": seed, "draws": draws,
                                  "dead": dead, "refine_grid": refine_grid}, cert,
                                 note=f"M = {h.M} >= N = {h.N} but rank H <= {bound} < N: {why}", **stats)
        if refine_grid and d.full is None and d.error_could_change and h.rule != "exact":  # the FFT error may not
            fine_g = GRID_ESCALATION[k_dim] * h.G
            h2, err2 = measured_disparity(net.spec, w, n, fine_g)
            d2 = _disp.rank_with_error(h2.real, err2.spectral, target=h2.N)
            escalated.append({"grid": fine_g, "s_normalised_float64": d.rank.s_normalised,
                              "relative_discretisation_error": [err.relative, err2.relative], "full": d2.full,
                              "margin": d2.margin})
            stats["finer_grid"] = {"G": fine_g, "rank": d2.as_dict(), "discretisation": err2.as_dict()}
            d = d2
        if d.full is True:
            margins.append(d.margin)
            continue
        if h.rule == "exact":  # exact closed-form coefficients: re-decide s_N in multiple precision (the ladder)
            mp = tolerance.rank(hr, target=h.N, exact=lambda dps, w=w: _disp.relu_two_layer_exact_mp(w, n, dps))
            stats["multiple_precision"] = mp.as_dict()
            escalated.append({"s_normalised_float64": d.rank.s_normalised, "decision": mp.decision.as_dict()})
            if mp.full is True:
                margins.append(mp.decision.margin)
                continue
            if mp.full is False:
                return Outcome.fails({"activation": act, "K": k_dim, "m": m, "n": nn, "seed": seed, "draws": draws,
                                      "dead": dead, "refine_grid": refine_grid}, mp.decision.margin,
                                     note=prose.sentence(
                                         f"M = {h.M} >= N = {h.N} but rank H < N:",
                                         f"s_N / s_1 = {d.rank.s_normalised:.2e} in float64 is an exact dependency",
                                         "of the closed-form coefficients",
                                         prose.paren(f"{mp.decision.precision}", "multiple-precision ladder", sep=", ")),
                                     **stats)
            return Outcome.band(note=(f"exact coefficients, s_N / s_1 = {d.rank.s_normalised:.2e}: undecided also in "
                                      f"multiple precision ({mp.decision.precision})"), **stats)
        note = ("the discretisation error of H could change the rank decision" if d.error_could_change else
                f"rank H below N numerically ({act}, {h.rule} H, s_N / s_1 = {d.rank.s_normalised:.2e}), without a "
                "structural certificate (ill-conditioning cannot be excluded)")
        if not analytic:
            return Outcome.band(note=note, **stats)
        undecided.append(note)
        if len(undecided) == 1:
            band_stats = stats
    if undecided and not margins:
        return Outcome.band(note=undecided[0], undecided_draws=len(undecided), **band_stats)
    return Outcome.holds(min(margins), activation=act, K=k_dim, m=m, M=net.M, N=(2 * nn + 1) ** k_dim, s_min=smins,
                         spectra=spectra, relative_discretisation_error=errs, escalated=escalated,
                         undecided_draws=len(undecided),
                         redecided=(f"{len(undecided)} draw(s) in the band; {len(margins)} certified full rank "
                                    "(analytic sigma: rank N with probability one)") if undecided else "")


#: Extra initialisations drawn when a draw of an analytic network is left in the band (init_rank_outcome).
INIT_REDECIDE_DRAWS = 4
#: Grid refinement factor (per axis, K = 1 / K = 2) when the measured FFT error could change a rank decision of
#: jiang.random_init_full_rank: H is recomputed once on the finer grid, its error measured on the doubled one.
GRID_ESCALATION = {1: 8, 2: 4}


def _dead_prone(net: JiangNet, rng: np.random.Generator) -> torch.Tensor:
    """Biases N(-2, 1) with small weights: many ReLU neurons off on the whole cube."""
    w = rng.normal(size=(net.m, net.K)) * 0.5
    b = rng.normal(-2.0, 1.0, size=net.m)
    a = rng.normal(size=net.m)
    return torch.as_tensor(np.concatenate([np.hstack([w, b[:, None]]).reshape(-1), a]))


def _band_note(band_draws: list[dict]) -> str:
    """The note listing the draws left in the band (activation, K, M, N, s_N / s_1, how H was computed)."""
    return (("Draws left in the band: " + "; ".join(
        f"{b['activation']} K={b['K']} M={b['M']} N={b['N']}, s_N/s_1 = 10^{_log(b['s_normalised']):.2f}, "
        f"{b['H']}" + ("" if b["H"].startswith("exact") else
                       f" (relative discretisation error {b['relative_discretisation_error']:.1e})")
        for b in band_draws)) if band_draws else "No draw left in the band.")


def _init_rank_tried(examples: int, acts: list[str], k_dims: dict[str, tuple[int, ...]], draws: int, dead: bool,
                     spare: bool, escalated: int) -> str:
    """What a random-init claim tried: ``examples`` architectures x ``draws`` initialisations, ``escalated``
    re-decided draws."""
    archs = prose.paren(
        prose.seq(((a, list(k_dims[a])) for a in acts), "{}: K in {}"), "width <= 8",
        f"a box n in [min(1, n_max), n_max] drawn by Hypothesis, n_max the largest with N = (2n + 1)^K <= "
        f"{'M - m' if spare else 'M'}")
    inits = "with dead-prone biases N(-2, 1)" if dead else "with hyperplanes through the cube"
    exact = ("H exact for K = 1 ReLU "
             "(s_N re-decided in multiple precision from the closed form when float64 does not call it non-zero)")
    fft = prose.sentence(f"else FFT ({fft_grid(1)} / {fft_grid(2)}^2) with its error measured on the doubled grid",
                         "and applied to the rank decision (Weyl)")
    finer = (f"recomputed once on a grid {GRID_ESCALATION[1]}x (K = 1) / {GRID_ESCALATION[2]}x (K = 2) finer "
             "when that error could change a full-rank decision" if spare else "")
    return prose.clauses(
        f"{examples} architectures {archs} x {draws} initialisations {inits}",
        prose.clauses(exact, fft, finer, sep=", "),
        f"{escalated} draws re-decided (multiple precision or finer grid)")


def _init_rank(ctx: Context, acts: list[str], dead: bool, *, spare: bool = False,
               k_dims: dict[str, tuple[int, ...]] | None = None) -> Result:
    """``spare``: only boxes with N <= M - m (room beyond ReLU's one homogeneity relation per neuron)."""
    k_dims = k_dims or {a: (1, 2) for a in acts}

    @st.composite
    def examples(draw):
        act = draw(st.sampled_from(acts))
        k_dim = draw(st.sampled_from(k_dims[act]))
        m = draw(st.integers(1, 8))
        big_m = m * (k_dim + 2) - (m if spare else 0)
        max_n = max(0, int(((big_m ** (1 / k_dim)) - 1) // 2))
        while (2 * max_n + 3) ** k_dim <= big_m:  # guard the float root
            max_n += 1
        nn = draw(st.integers(min(1, max_n), max_n))
        return act, k_dim, m, nn, draw(seeds())

    res = ctx.search(examples(), lambda ex: init_rank_outcome(*ex, draws=ctx.draws, dead=dead, refine_grid=spare),
                     label="H at init", max_examples=2 * ctx.max_examples)
    by = {}
    for o in res.outcomes:
        by.setdefault(o.stats.get("activation", "?"), []).extend(_log(v) for v in o.stats.get("s_min", []))
    fig = {"kind": "hist", "title": "log10 smallest normalised singular value of H(w) at initialisation",
           "xlabel": "log10(s_N / s_1)", "ylabel": "initialisations", "data": by,
           "vlines": {"zero tolerance": math.log10(tolerance.ZERO)}}
    spec_series = {}
    for i, o in enumerate(res.outcomes[:6]):
        if o.stats.get("spectra"):
            spec_series.update(spectrum_series(f"#{i} {o.stats['activation']} K={o.stats['K']} M={o.stats['M']} "
                                                f"N={o.stats['N']} ({o.status})", o.stats["spectra"][0]))
    fig2 = spectrum_figure("Singular-value spectra of H(w) at initialisation (normalised)", spec_series)
    errs = [v for o in res.outcomes for v in o.stats.get("relative_discretisation_error", [])]
    band_draws = [{"activation": o.stats["activation"], "K": o.stats["K"], "M": o.stats["M"], "N": o.stats["N"],
                   "s_normalised": o.stats["rank"]["s_normalised"], "H": o.stats["H"],
                   "relative_discretisation_error": o.stats["relative_discretisation_error"][-1], "why": o.note}
                  for o in res.outcomes if o.status == "band"]
    escalated = [e | {"activation": o.stats.get("activation")} for o in res.outcomes for e in o.stats.get("escalated", [])]
    return res.result(statistics={"s_min_quantiles": {a: {"min": min(v), "median": float(np.median(v))}
                                                      for a, v in by.items() if v},
                                  "max_relative_discretisation_error_of_H": max(errs) if errs else None,
                                  "band_draws": band_draws, "escalated_to_multiple_precision": escalated,
                                  "margins_of_holding": [o.margin for o in res.outcomes if o.status == "holds"]},
                      tried=_init_rank_tried(res.examples, acts, k_dims, ctx.draws, dead, spare, len(escalated)),
                      figures=[fig, fig2],
                      notes=[_band_note(band_draws)])


@claim(
    "jiang.random_init_full_rank",
    title="Random initialisation with hyperplanes through the cube gives a full-rank H(w) (M >= N)",
    source=f"{PAPER}, section 3.3.3",
    statement=("If M >= N and the initial model is random with every neuron's hyperplane intersecting the input "
               "cube, the disparity matrix H(w(0)) is non-singular (rank N) with probability one."),
    hypotheses=("two-layer ReLU and tanh networks, K = 1, 2", "M >= N", "b_j = -w_j . c_j, c_j uniform in the cube"),
    paper="supported",
    expected="refuted",
    why=("This refutes 'M >= N suffices', not the M >> N regime: ReLU is positively homogeneous, so for every live "
         "neuron w_j.dH/dw_j + b_j dH/db_j - a_j dH/da_j = 0 exactly and rank H <= M - m for every weight; H is "
         "singular whenever M - m < N <= M. With room beyond those relations (M - m >= N) see "
         "jiang.random_init_full_rank.rows_to_spare."),
)
def check_init_rank(ctx: Context) -> Result:
    r = _init_rank(ctx, ["relu", "tanh"], False)
    r.notes.append("For tanh, H is often numerically singular (s_N/s_1 below 1e-10) when N is large: the Fourier "
                   "coefficients of smooth functions decay exponentially. Such cases count as inconclusive, "
                   "never as refutations: only structural deficiencies are certified.")
    return r


@claim(
    "jiang.random_init_full_rank.rows_to_spare",
    title="Full rank of H(w) at random initialisation when M - m >= N",
    source=f"{PAPER}, section 3.3.3 (M >> N), with N <= M - m",
    statement=("With N <= M - m (more rows than N beyond ReLU's one homogeneity relation per neuron) and a random "
               "initialisation with hyperplanes through the cube, H(w(0)) has rank N."),
    hypotheses=("two-layer ReLU (K = 1, exact coefficients) and tanh (K = 1, 2) networks", "N <= M - m",
                "b_j = -w_j . c_j, c_j uniform in the cube"),
)
def check_init_rank_spare(ctx: Context) -> Result:
    return _init_rank(ctx, ["relu", "tanh"], False, spare=True, k_dims={"relu": (1,), "tanh": (1, 2)})


@claim(
    "jiang.random_init_full_rank.dead_init",
    title="Full rank of H(w) with an initialisation that makes dead ReLU neurons likely",
    source=f"{PAPER}, sections 3.3.1 and 3.3.3",
    statement="With biases N(-2, 1) and small weights (many ReLU neurons off on the cube), H(w(0)) still has rank N.",
    hypotheses=("two-layer ReLU networks", "M >= N", "dead-prone initialisation"),
    paper="refuted",
    expected="refuted",
)
def check_init_rank_dead(ctx: Context) -> Result:
    return _init_rank(ctx, ["relu"], True)


def _replay_init(p: dict) -> Outcome:
    k_dim = _p.require_choice(p, "K", FFT_DIMS)
    nn = _p.require_int(p, "n", 0, _p.MAX_N)
    if (2 * nn + 1) ** k_dim > _p.MAX_N:
        raise LandscapeError(f"payload field 'n' = {nn}: expected a box (n,)^K of at most {_p.MAX_N} frequencies "
                             f"(2 n + 1)^K, K = {k_dim}")
    return init_rank_outcome(_p.require_activation(p), k_dim, _p.require_int(p, "m", 1, _p.MAX_WIDTH), nn,
                             _p.require_seed(p), _p.require_int(p, "draws", 1, _p.MAX_COUNT),
                             _p.require_bool(p, "dead"), _p.require_bool(p, "refine_grid", default=False))


check_init_rank.replayer(_replay_init)
check_init_rank_spare.replayer(_replay_init)
check_init_rank_dead.replayer(_replay_init)
