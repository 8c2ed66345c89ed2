"""The numerical policy: one rule for rank, PSD and equality decisions.

Every decision the suite makes about a floating-point number reduces to a *relative*
quantity ``r >= 0`` (a normalised singular value, a normalised eigenvalue, a relative
difference) and one rule:

* ``r <= ZERO``            -> the quantity is numerically zero;
* ``r >= ZERO * BAND``     -> the quantity is clearly non-zero;
* in between               -> the band: the decision is *inconclusive* in float64.

With ``ZERO = 1e-10`` and ``BAND = 1e3`` the band is ``(1e-10, 1e-7)``.  Float64 has a
unit round-off of ``1.1e-16``; a backward-stable SVD of an ``n x m`` matrix perturbs its
singular values by about ``max(n, m) * 1e-16 * s_max``, so for the matrices the suite
builds (at most a few hundred rows) round-off stays at least four decades below ``ZERO``
and a truly non-zero quantity must be larger than ``1e-7`` to be called non-zero.

The *margin* of a decision is its distance to the threshold it cleared, in decades
(``log10``): ``+3.0`` means three orders of magnitude clear of the band.  Every verdict
in the report shows its worst margin.  A value in the band can be *escalated*: the
quantity is recomputed in multiple precision (mpmath, arbitrary exponent range) from the
exact float64 inputs, climbing :data:`HP_LADDER` (50, 100, 200, 400 digits).  At ``D``
digits the noise floor is ``10^-(D - HP_LOST_DIGITS)``:

* a normalised value above the floor (by at least :data:`HP_CONFIRM_DECADES`, or at the
  last rung) is a true non-zero; one closer to the floor is confirmed at the next rung;
* a value that is *stable* between two rungs (changes by less than one decade) is a true
  non-zero too, however small (ill-conditioning: e.g. a column of size e^-1000 is
  represented exactly in mpmath and does not move with the precision);
* a value that falls with the precision at *every* step of the ladder (by at least half
  the added digits each time), or is 0 at every rung, is round-off of an exact
  dependency: rank deficient -- i.e. zero to about 385 digits;

Before the ladder the matrix is equilibrated (exactly-zero rows and columns removed, rows
then columns scaled to unit max-norm: rank-preserving), so entries spanning hundreds of
decades do not hide a singular value;
* anything else after the last rung stays in the band (inconclusive).

That proves whether a tiny singular value is mathematics or round-off; the evidence records the precision that decided.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Callable, Literal

import numpy as np

#: Relative quantities at or below this are numerically zero (float64).
ZERO: float = 1e-10
#: Width of the inconclusive band in multiples of ZERO: non-zero means >= ZERO * BAND.
BAND: float = 1e3
#: Precisions (decimal digits) tried in turn when a float64 decision is escalated.
HP_LADDER: tuple[int, ...] = (50, 100, 200, 400)
#: Digits allowed to be lost to round-off at each rung: the noise floor is 10^-(D - this).
HP_LOST_DIGITS: int = 15
#: Precisions (digits) of the multiple-precision re-decision of ``lambda_min(K^(H))`` of Du et al.'s
#: kernels from closed-form Gaussian moments (:func:`landscape._lib.kernels.mp_lambda_min`).  A second
#: ladder, kept apart from :data:`HP_LADDER` on purpose: those decisions carry an a-priori error bound
#: ``n 10^-(D - lost digits) max|K|`` which, at HP_LADDER's 400 digits, underflows float64 to 0 (the
#: eigenvalue test then has no bound to decide against); the mp eigen-decomposition of an ``n <= 24``
#: matrix also costs ~n^3 at D digits, so the ladder stops at 100.  Its decisions and their stored
#: evidence (``mp100``, the error bounds) were made on this ladder.
MP_LADDER: tuple[int, ...] = (40, 60, 100)
#: A multiple-precision value less than this many decades above the noise floor is not taken as non-zero at
#: once: it must be confirmed at the next rung (above the floor there by this much, or stable within a decade).
HP_CONFIRM_DECADES: float = 1.0
#: Matrices whose largest singular value is below this are the zero matrix.
ABS_FLOOR: float = 1e-300

Outcome = Literal["zero", "nonzero", "band"]


@dataclass(frozen=True)
class Decision:
    """The outcome of one numerical decision with its margin.

    ``value`` is the relative quantity decided on, ``outcome`` one of ``zero`` /
    ``nonzero`` / ``band``, ``margin`` the distance in decades to the threshold that was
    cleared (``0.0`` inside the band), ``precision`` ``float64`` or ``mp<digits>``.
    """

    value: float
    outcome: Outcome
    margin: float
    precision: str = "float64"

    def as_dict(self) -> dict:
        return asdict(self)


def classify(r: float, *, zero: float = ZERO, band: float = BAND, precision: str = "float64") -> Decision:
    """Decide whether the relative quantity ``r >= 0`` is zero, non-zero or in the band."""
    r = float(abs(r))
    if r <= zero:
        margin = math.inf if r == 0.0 else math.log10(zero / r)
        return Decision(r, "zero", margin, precision)
    if r >= zero * band:
        return Decision(r, "nonzero", math.log10(r / (zero * band)), precision)
    return Decision(r, "band", 0.0, precision)


@dataclass(frozen=True)
class RankDecision:
    """Numerical rank of a matrix, decided on its normalised singular values.

    ``target`` is the rank asked about (``min(shape)`` unless given); ``full`` is True
    (rank >= target), False (rank < target) or None (inconclusive: in the band);
    ``s_normalised`` is ``s_target / s_max`` (the smallest singular value that matters);
    ``decision`` carries the margin.
    """

    rank: int
    target: int
    full: bool | None
    s_normalised: float
    decision: Decision

    def as_dict(self) -> dict:
        d = asdict(self)
        d["decision"] = self.decision.as_dict()
        return d


def singular_values(a: np.ndarray) -> np.ndarray:
    """Singular values of a float64 matrix, largest first (validated: finite entries)."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"expected a 2-d matrix, got an array of shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("matrix has non-finite entries (NaN or inf); expected finite float64 values")
    if a.size == 0:
        return np.zeros(0)
    return np.linalg.svd(a, compute_uv=False)


def _rank_from_sv(s: list[float] | np.ndarray, target: int, zero: float, precision: str) -> RankDecision:
    s = [float(v) for v in s]
    if target == 0:
        return RankDecision(0, 0, True, 1.0, Decision(1.0, "nonzero", math.inf, precision))
    smax = s[0] if s else 0.0
    if smax <= ABS_FLOOR:
        d = Decision(0.0, "zero", math.inf, precision)
        return RankDecision(0, target, False, 0.0, d)
    normalised = [v / smax for v in s]
    rank = sum(1 for v in normalised if v >= zero * BAND)
    r = normalised[target - 1] if target - 1 < len(normalised) else 0.0
    d = classify(r, zero=zero, precision=precision)
    full = {"zero": False, "nonzero": True, "band": None}[d.outcome]
    return RankDecision(rank, target, full, r, d)


def rank(
    a: np.ndarray,
    *,
    target: int | None = None,
    exact: Callable[[int], "object"] | None = None,
) -> RankDecision:
    """Decide whether ``a`` has rank ``>= target`` (default ``min(a.shape)``).

    ``exact``, if given, maps a number of digits ``D`` to the same matrix as an
    ``mpmath.matrix`` computed at ``D`` digits from the exact inputs.  It is used when the
    float64 decision is not a clear ``nonzero`` (zero *or* band): the decision then
    climbs :data:`HP_LADDER` and says ``mp<D>``.  Without ``exact``, a float64 ``zero``
    stands (it may be ill-conditioning rather than mathematics: the caller must say so).
    """
    a = np.asarray(a, dtype=np.float64)
    t = min(a.shape) if target is None else int(target)
    if t < 0 or t > min(a.shape):
        raise ValueError(f"rank target {t} is outside [0, {min(a.shape)}] for a matrix of shape {a.shape}")
    dec = _rank_from_sv(singular_values(a), t, ZERO, "float64")
    if dec.full is not True and exact is not None:
        dec = rank_multiprecision(exact, t)
    return dec


def _equilibrate(m, dps: int):
    """Drop exactly-zero rows/columns and scale rows, then columns, to unit max-norm (rank-preserving).

    Entries of networks span hundreds of decades (e.g. e^z activations); scaling by non-zero
    factors leaves the rank unchanged and lets the SVD resolve what the range would hide.
    Returns the scaled matrix and the numbers of rows and columns left.
    """
    import mpmath

    with mpmath.workdps(dps):
        rows = [[m[i, j] for j in range(m.cols)] for i in range(m.rows)]
        rows = [r for r in rows if any(v != 0 for v in r)]
        if not rows:
            return None, 0, 0
        cols = [j for j in range(len(rows[0])) if any(r[j] != 0 for r in rows)]
        rows = [[r[j] for j in cols] for r in rows]
        rows = [[v / max(abs(u) for u in r) for v in r] for r in rows]
        cmax = [max(abs(r[j]) for r in rows) for j in range(len(cols))]
        rows = [[v / c for v, c in zip(r, cmax)] for r in rows]
        return mpmath.matrix(rows), len(rows), len(cols)


def rank_multiprecision(exact: Callable[[int], "object"], target: int) -> RankDecision:
    """Climb :data:`HP_LADDER` and decide rank >= target by the rule in the module docstring.

    The matrix is first equilibrated (:func:`_equilibrate`): exactly-zero rows or columns
    that leave fewer than ``target`` of either decide 'deficient' at once (exact zeros in
    mpmath are structural: a tiny value is never rounded to 0 there).
    """
    import mpmath

    prev = None
    prev_dps = 0
    fell_every_time = True
    dec = None
    for dps in HP_LADDER:
        floor = mpmath.mpf(10) ** -(dps - HP_LOST_DIGITS)
        prec = f"mp{dps}"
        meq, nr, nc = _equilibrate(exact(dps), dps)
        if min(nr, nc) < target:
            return RankDecision(min(nr, nc), target, False, 0.0, Decision(0.0, "zero", math.inf, prec + " exact zeros"))
        sv = mp_singular_values(meq, dps)
        rank_ = sum(1 for v in sv if v > floor)
        s = sv[target - 1] if target - 1 < len(sv) else mpmath.mpf(0)
        if s > floor:
            margin = float(mpmath.log10(s / floor))
            if margin >= HP_CONFIRM_DECADES or dps == HP_LADDER[-1]:
                d = Decision(float(s), "nonzero", margin, prec)
                return RankDecision(max(rank_, target), target, True, float(s), d)
            # within a decade of the floor: confirm at the next rung (stable there -> non-zero; falling -> noise)
        if prev is not None:
            if prev == 0 and s == 0:
                drop = math.inf
            elif prev == 0:
                drop = -math.inf  # appeared with more digits: resolved, not noise
            else:
                drop = math.inf if s == 0 else float(mpmath.log10(prev / s))
            if prev > 0 and s > 0 and abs(drop) < 1.0:  # stable under added precision: a true (tiny) non-zero
                d = Decision(float(s), "nonzero", 1.0 - abs(drop), prec)
                return RankDecision(target, target, True, float(s), d)
            fell_every_time = fell_every_time and drop >= (dps - prev_dps) / 2
        prev, prev_dps = s, dps
        dec = RankDecision(rank_, target, None, float(s), Decision(float(s), "band", 0.0, prec))
    assert dec is not None
    if fell_every_time:  # at the noise floor of every precision up to the last: an exact dependency
        return RankDecision(dec.rank, target, False, dec.s_normalised,
                            Decision(dec.s_normalised, "zero", float(HP_LADDER[-1] - HP_LADDER[0]) / 2 if prev else math.inf,
                                     dec.decision.precision))
    return dec


def mp_singular_values(m, dps: int = HP_LADDER[0]) -> list:
    """Normalised singular values (mpf, largest first, the largest is 1) of an mpmath matrix at ``dps`` digits."""
    import mpmath

    with mpmath.workdps(dps):
        s = mpmath.svd_r(m, compute_uv=False)
        vals = sorted((abs(s[i]) for i in range(len(s))), reverse=True)
        top = vals[0] if vals else mpmath.mpf(0)
        if top == 0:
            return [mpmath.mpf(0)] * len(vals)
        return [v / top for v in vals]


@dataclass(frozen=True)
class PSDDecision:
    """Whether a symmetric matrix is positive semi-definite.

    ``psd`` is True / False / None (band); ``lambda_min_normalised`` is
    ``lambda_min / max|lambda|``; negative values below ``-ZERO`` are decided against.
    """

    psd: bool | None
    lambda_min_normalised: float
    eigenvalues: list[float]
    decision: Decision

    def as_dict(self) -> dict:
        d = asdict(self)
        d["decision"] = self.decision.as_dict()
        return d


def psd(h: np.ndarray) -> PSDDecision:
    """Decide whether the symmetric matrix ``h`` is PSD by its normalised smallest eigenvalue."""
    h = np.asarray(h, dtype=np.float64)
    if h.ndim != 2 or h.shape[0] != h.shape[1]:
        raise ValueError(f"expected a square matrix, got shape {h.shape}")
    if not np.all(np.isfinite(h)):
        raise ValueError("matrix has non-finite entries (NaN or inf); expected finite float64 values")
    asym = np.max(np.abs(h - h.T)) if h.size else 0.0
    scale = np.max(np.abs(h)) if h.size else 0.0
    if scale > 0 and asym / scale > ZERO:
        raise ValueError(f"matrix is not symmetric (relative asymmetry {asym / scale:.3g} > {ZERO})")
    ev = np.linalg.eigvalsh((h + h.T) / 2) if h.size else np.zeros(0)
    top = float(np.max(np.abs(ev))) if ev.size else 0.0
    if top <= ABS_FLOOR:
        return PSDDecision(True, 0.0, ev.tolist(), Decision(0.0, "zero", math.inf))
    lam = float(ev[0]) / top
    if lam >= 0:
        return PSDDecision(True, lam, ev.tolist(), Decision(lam, "nonzero", math.inf))
    d = classify(-lam)
    psd_ = {"zero": True, "nonzero": False, "band": None}[d.outcome]
    return PSDDecision(psd_, lam, ev.tolist(), d)


def equal(a: float, b: float, *, scale: float = 0.0) -> Decision:
    """Decide ``a == b`` on ``|a - b| / max(|a|, |b|, scale)``; outcome ``zero`` means equal."""
    a, b = float(a), float(b)
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ValueError(f"cannot compare non-finite values {a!r} and {b!r}")
    den = max(abs(a), abs(b), float(scale))
    if den == 0.0:
        return Decision(0.0, "zero", math.inf)
    return classify(abs(a - b) / den)


def at_most(a: float, b: float, *, scale: float = 0.0) -> Decision:
    """Decide ``a <= b``: outcome ``zero`` when a exceeds b by no more than the tolerance.

    Returns ``classify(max(a - b, 0) / max(|a|, |b|, scale))``: ``zero`` means the
    inequality holds up to round-off, ``nonzero`` means it is violated, ``band`` undecided.
    """
    a, b = float(a), float(b)
    den = max(abs(a), abs(b), float(scale))
    if den == 0.0:
        return Decision(0.0, "zero", math.inf)
    return classify(max(a - b, 0.0) / den)


def policy_summary() -> dict:
    """The policy constants, as recorded in every evidence file."""
    return {"zero": ZERO, "band": BAND, "nonzero_from": ZERO * BAND, "hp_ladder_digits": list(HP_LADDER),
            "hp_rule": "equilibrate; non-zero a decade above 10^-(D-15) (closer: confirmed at the next rung) or stable within 1 decade between rungs; zero if "
                       "exact zero rows/columns, or 0 / falling by >= half the added digits at every rung",
            "hp_noise_floor": {str(d): 10.0 ** -(d - HP_LOST_DIGITS) for d in HP_LADDER}}


def eigenvalue_with_bound(lam: float, abs_error: float) -> Decision:
    """Decide an eigenvalue known up to ``abs_error`` (a Weyl bound ``||E||_2``).

    Same rule, scaled to the bound: ``|lam| <= abs_error`` is zero (indistinguishable from 0),
    ``|lam| >= abs_error * BAND`` non-zero, in between the band.  Used for kernel matrices
    whose entries carry a quadrature / round-off error bound, where a relative test would
    call a tiny but certified eigenvalue (e.g. 2e-10 with entries exact to 1e-16) zero.
    """
    if not (math.isfinite(lam) and math.isfinite(abs_error)) or abs_error <= 0:
        raise ValueError(f"eigenvalue {lam!r} / error bound {abs_error!r}: expected finite values, bound > 0")
    return classify(abs(lam) * ZERO / abs_error)
