"""Claims of H. Jiang, *Why Learning of Large-Scale Neural Networks Behaves Like Convex
Optimization* (``../shared/papers/000_aea297099283b0eb.txt``; prose cross-checked in
``001_d513da0bff3b4549.txt``).

The canonical space is :mod:`landscape._lib.canonical` (eq. 4-6, with the 2 pi that eq. 6
drops).  Coefficients of real functions are handled in the real (cos/sin) view, which is
exactly the conjugate-symmetric subspace of the paper's complex coefficients.

Section 3 (H(w), eq. 8-9, Lemma 1, Theorem 2, section 3.3) uses :mod:`landscape._lib.disparity`
through :mod:`landscape._lib.networks.cube`: every rank decision on H carries the discretisation
error of its FFT grid, measured on the doubled grid (K = 1 ReLU networks: exact closed-form
coefficients, re-decided in multiple precision where float64 cannot), and is inconclusive when that
error could change it; the truncation criterion of section 3.2 is
:data:`landscape.claims.jiang._common.TRUNCATION_NEGLIGIBLE`.  Stationary points
(:mod:`landscape._lib.stationary`) are never saturated ones (:func:`landscape._lib.certify.saturation`,
the suite's one rule).

Modules, in the order their claims register:

* :mod:`~landscape.claims.jiang.thm1` -- Theorem 1: ``jiang.thm1.convex``, ``.convex.literal``,
  ``jiang.thm1.zero_loss``, ``.open_cube``, ``.open_interval``;
* :mod:`~landscape.claims.jiang.cor1` -- Corollary 1: ``jiang.cor1``;
* :mod:`~landscape.claims.jiang.eq9` -- eq. (9): ``jiang.eq9``, ``jiang.eq9.interior``;
* :mod:`~landscape.claims.jiang.dead` -- section 3.3.1: ``jiang.dead_neurons``;
* :mod:`~landscape.claims.jiang.duplicate` -- section 3.3.2: ``jiang.duplicate_neurons``, ``.overparameterized``;
* :mod:`~landscape.claims.jiang.init_rank` -- section 3.3.3: ``jiang.random_init_full_rank``,
  ``.rows_to_spare``, ``.dead_init``;
* :mod:`~landscape.claims.jiang.points` -- the stationary points examined (fixtures ``jiang.split``);
* :mod:`~landscape.claims.jiang.lemma1` -- Lemma 1: ``jiang.lemma1``, ``jiang.lemma1.coarse_truncation``;
* :mod:`~landscape.claims.jiang.thm2` -- Theorem 2: ``jiang.thm2``, ``jiang.thm2.stationary_start``;
* :mod:`~landscape.claims.jiang._common` -- the paper constant and helpers shared by these.
"""

# in the order the claims register (the order of the former single module)
from landscape.claims.jiang import thm1, cor1, eq9, dead, duplicate, init_rank, points, lemma1, thm2  # noqa: F401

__all__ = ["thm1", "cor1", "eq9", "dead", "duplicate", "init_rank", "points", "lemma1", "thm2"]
from landscape.claims.jiang import eq6_literal  # noqa: F401,E402  (jiang.eq6.literal; last, so earlier claims keep their order)
