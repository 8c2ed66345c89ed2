"""Shared pieces of the Du et al. claims: the paper file, the smooth activations, the profile
tests, the theorems' width conditions, the finite-width Gram error and the trend Outcome."""

from __future__ import annotations

import math

import numpy as np

from landscape._lib import payload as _p
from landscape._core.context import Context, Outcome
from landscape._lib import kernels, trend
from landscape._lib.errors import LandscapeError
from landscape._lib.networks.du import DuArchitecture

PAPER = "002_7f4fd584f3752d2b.txt"
#: Activations meeting Conditions 3.1-3.2 (analytic, Lipschitz and smooth, not polynomial).
SMOOTH = ["softplus", "tanh", "sigmoid", "gelu", "silu", "erf"]
DELTA = 0.1  # failure probability used when the theorems' width conditions are quoted


def quick(ctx: Context) -> bool:
    """True at the quick profile (at most 12 examples per search)."""
    return ctx.max_examples <= 12


def thorough(ctx: Context) -> bool:
    """True at the thorough profile (more than 60 examples per search)."""
    return ctx.max_examples > 60


def theorem_widths(n: int, lam: float, H: int, kind: str) -> dict:
    """The width conditions of Theorem 5.1 (FC) / 6.1 (ResNet) for these data, constants and
    the FC factor 2^O(H) dropped (delta = 0.1): the stability term n^4/lambda^4 (ResNet:
    n^4/(lambda^4 H^6) and n^2/(lambda^2 H^2)), the normalisation term n/delta and the
    initial-perturbation term n^2 log(Hn/delta)/lambda^2."""
    lam = max(float(lam), 1e-300)
    out = {"n^4/lambda^4" if kind == "fc" else "n^4/(lambda^4 H^6)": n**4 / lam**4 / (1 if kind == "fc" else H**6),
           "n/delta": n / DELTA, "n^2 log(Hn/delta)/lambda^2": n**2 * math.log(H * n / DELTA) / lam**2}
    if kind == "resnet":
        out["n^2/(lambda^2 H^2)"] = n**2 / lam**2 / H**2
    out["max"] = max(out.values())
    return out


def widths_text(tw: dict, kind: str) -> str:
    """One clause quoting :func:`theorem_widths` (``tw``) for the evidence text."""
    return (f"the theorem needs m ~ {tw['max']:.1e} for these data ({'Theorem 5.1, times 2^O(H)' if kind == 'fc' else 'Theorem 6.1'}; "
            "constants dropped, delta = 0.1)")



def gram_error(kind: str, act: str, x: np.ndarray, H: int, m: int, seed: int, k: np.ndarray) -> float:
    """``||G^(H)(0) - k||_2`` for the width-``m`` network initialised from ``seed`` (section 4)."""
    arch = DuArchitecture(x.shape[1], m, H, act, kind)
    g = kernels.empirical_gram(arch, arch.init(seed), x).last
    return float(np.linalg.norm(g - k, 2))


def decided(dec: trend.TrendDecision, payload: dict, note: str = "", **stats) -> Outcome:
    """The Outcome of a trend decision (``fails`` carries the replayable ``payload``)."""
    if dec.status == "holds":
        return Outcome.holds(dec.margin, **stats)
    if dec.status == "fails":
        return Outcome.fails(payload, dec.margin, note=note or dec.note, **stats)
    return Outcome.band(note=note or dec.note, **stats)


def seed_lists(p: dict, key: str = "seeds") -> list[tuple[int, list[int]]]:
    """``[[size, [seed, ...]], ...]`` of a payload, validated."""
    try:
        out = [(int(m), [int(s) for s in ss]) for m, ss in p[key]]
    except (TypeError, ValueError) as e:
        raise LandscapeError(f"payload field {key!r} is invalid ({e}); expected [[size, [seeds]], ...]") from None
    if len(out) < 2 or any(m < 1 or not ss for m, ss in out):
        raise LandscapeError(f"payload field {key!r} needs at least 2 sizes >= 1, each with seeds")
    for m, ss in out:
        _p.check_int(f"{key} size", m, 1, _p.MAX_WIDTH)
        _p.check_ints(f"{key} seeds of size {m}", ss, 0, _p.MAX_SEED, max_len=_p.MAX_COUNT)
    return out
