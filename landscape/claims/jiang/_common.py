"""What several of Jiang's claim modules share: the paper, the replayable cube dimensions, the
truncation criterion of section 3.2, random labels and the spectrum figures of H(w)."""

from __future__ import annotations

import numpy as np

from landscape._lib import losses, tolerance

PAPER = "000_aea297099283b0eb.txt"

#: Cube dimensions K a replay accepts where H(w) is computed by FFT on a grid G^K (K = 1, 2: see
#: :func:`landscape._lib.networks.cube.fft_grid`).
FFT_DIMS = (1, 2)


def random_labels(loss: losses.Loss, rng: np.random.Generator, t: int) -> np.ndarray:
    """``t`` labels for ``loss``: random signs for a classification loss, else standard normal."""
    if loss.labels == "sign":
        return rng.choice([-1.0, 1.0], size=t)
    return rng.normal(size=t)


TRUNCATION_NEGLIGIBLE: float = 1e-2
"""Largest relative energy of ``df/dw`` outside the box for which the truncation counts as negligible.

The quantity is ``sum_m ||df/dw_m - S_N df/dw_m||^2 / sum_m ||df/dw_m||^2`` over the cube
(:attr:`landscape._lib.disparity.Disparity.truncation`; by Parseval the squared relative L2
error of the truncated series of ``df/dw``, i.e. of the rows of H): it is the residual
that the proof of Lemma 1 drops from eq. (9), and section 3.2 condition ii) asks for "N
large enough to make the truncation error epsilon sufficiently small".  The paper gives no
number.  It is an *aggregate* over all rows: a single row can keep much more outside (at the
main counterexample of jiang.lemma1, 0.98 % in aggregate, 90 % for the worst row, 2e-5 for
``f`` itself; every examined box reports all three).  ``1e-2`` (the box carries 99 % of the
energy of ``df/dw``, summed over the rows) because:

* networks are not periodic on the cube, so the energy outside a box of N modes decays only
  like ``c / N`` with ``c ~ 0.2-0.35`` (measured for tanh, sigmoid and ReLU networks: the
  truncation curves in the statistics of jiang.eq9 and jiang.lemma1): ``1e-2`` needs
  ``N ~ 20-90``, hence (``M >= N``) networks of 100-1000 weights -- the largest whose H
  the suite can decide, and track along gradient descent, within its budget -- while H of
  smooth networks is still clearly of full rank there (their ``s_N / s_1`` reaches the
  tolerance band around ``N ~ 40-70``): a stricter value would leave no smooth network
  meeting all of Lemma 1's hypotheses;
* it excludes the coarse boxes on which the small-N findings rest (in the standard run N = 1,
  3 or 5, with 17-75 % of the energy of ``df/dw`` outside in aggregate); those are examined
  separately by the labelled variants (``jiang.lemma1.coarse_truncation``,
  ``jiang.thm2.stationary_start``), whose evidence lists N and both truncations of each find.

The main refutation of Lemma 1 does not hinge on the number: its counterexample keeps
full rank on boxes with 2x and 3x the modes (0.5 % and 0.33 % outside; statistics
``larger_boxes``).  The energy of ``f_w`` itself outside the box (the eps of eq. 6) and
that of the worst single row are reported next to it.
"""


#: Normalised singular values below this are drawn at it (exact zeros included) in the spectrum figures.
SPECTRUM_FLOOR: float = 1e-20


def spectrum_series(label: str, spectrum: list[float]) -> dict[str, dict]:
    """A figure series: the normalised singular values s_i / s_1 of H against i (floored at SPECTRUM_FLOOR)."""
    return {label: {"x": list(range(1, len(spectrum) + 1)), "y": [max(v, SPECTRUM_FLOOR) for v in spectrum]}}


def spectrum_figure(title: str, series: dict[str, dict]) -> dict:
    """Normalised spectra of H, with the tolerance policy's thresholds drawn as flat series."""
    top = max((len(s["x"]) for s in series.values()), default=1)
    flat = {"[non-zero from 1e-7]": {"x": [1, top], "y": [tolerance.ZERO * tolerance.BAND] * 2},
            "[zero below 1e-10]": {"x": [1, top], "y": [tolerance.ZERO] * 2}}
    return {"kind": "line", "title": title, "xlabel": "i (singular values of H(w), largest first)",
            "ylabel": f"s_i / s_1 (values < {SPECTRUM_FLOOR:g} drawn at it)", "logy": True,
            "series": {**series, **flat}}
