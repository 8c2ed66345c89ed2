"""Claims of Li, Ding, Sun, *Over-Parameterized Deep Neural Networks Have No Strict Local
Minima For Any Continuous Activations* (``../shared/papers/004_c552a5c94484e66a.txt``).

Network: eq. (1)-(4) (:mod:`landscape._lib.networks.mlp`).  Assumption A1: some coordinate of
the data has pairwise distinct values.  Assumption 2: sigma analytic with
``sigma^(j)(0) != 0`` for ``j < n`` (Lemma 3 uses ``n = N``, the number of samples).

Modules, in registration order:

* :mod:`._common` -- ``PAPER``, Assumption 2 per activation, shared counting helpers;
* :mod:`.assumption2` -- ``lds.assumption2`` (+ ``.paper_examples``);
* :mod:`.lemma3` -- ``lds.lemma3`` (the decider is :mod:`landscape._lib.feature_rank`);
* :mod:`.lemma3_variants` -- ``lds.lemma3.<activation>``, ``lds.lemma3.degenerate_data``, Lemma 3 fixtures;
* :mod:`.prop1` -- ``lds.prop1`` (Proposition 1: the non-strict bad local minimum) and its constructions;
* :mod:`.prop1_n` -- ``lds.prop1.n_samples``;
* :mod:`.prop1_general` -- ``lds.prop1.n_samples.general``, ``lds.prop1.relu``, ``lds.prop1.negative_controls``,
  Prop. 1 fixtures;
* :mod:`.lemmas` -- ``lds.lemma1`` (+ ``.relu_smoothed``), ``lds.lemma4`` (+ ``.vanishing``), ``lds.lemma6`` (+ ``.relu``);
* :mod:`.thm2_path` -- ``lds.thm2.path`` (+ ``.underparameterized``);
* :mod:`.thm1_search` -- the Hypothesis landscape search of Theorem 1 (the machinery is
  :mod:`landscape._lib.search`) and its figures;
* :mod:`.thm1` -- ``lds.thm1.no_strict_bad_min`` (Theorem 1 / Corollary 1);
* :mod:`.thm1_under` -- ``lds.thm1.no_strict_bad_min.underparameterized``;
* :mod:`.yu_chen` -- ``lds.yu_chen`` (+ ``.sigmoid``).
"""

from landscape._lib.feature_rank import lemma3_outcome  # noqa: F401  (public: the Lemma 3 decider, for claim authors)
from landscape.claims.lds import assumption2, lemma3, lemma3_variants, prop1, prop1_n, prop1_general  # noqa: F401
from landscape.claims.lds import lemmas, thm2_path  # noqa: F401
from landscape.claims.lds import thm1, thm1_under, yu_chen  # noqa: F401
from landscape.claims.lds._common import PAPER  # noqa: F401
from landscape.claims.lds import lemma1_eq17  # noqa: F401  (lds.lemma1.eq17; last, so earlier claims keep their order)
