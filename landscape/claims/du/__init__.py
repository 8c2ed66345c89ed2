"""Claims of Du, Lee, Li, Wang, Zhai, *Gradient Descent Finds Global Minima of Deep Neural
Networks* (ICML 2019; ``../shared/papers/002_7f4fd584f3752d2b.txt``).

Networks: eq. (2) (FC) and eq. (3) (ResNet) in :mod:`landscape._lib.networks.du`; kernels
K^(H) of Definitions 5.1 / 6.1, Gram matrices G^(h) and the gradient-descent trainer in
:mod:`landscape._lib.kernels`.

The theorems need widths m ~ n^4 / lambda^4 (times 2^O(H) for FC, Theorem 5.1; over H^6
for the ResNet, Theorem 6.1) and n^2 log(Hn/delta) / lambda^2: every claim below that
depends on the width states those numbers for its own data (constants and 2^O(H)
dropped, delta = 0.1) -- usually far beyond this machine -- and is therefore decided on
the *trend* it implies over the widths we can afford (m = 64 ... 8192), with fitted
slopes and their 95% intervals (:mod:`landscape._lib.trend`).

Modules (imported in this order, so the claims register in the order of the paper):

* :mod:`._common` -- ``PAPER``, the smooth activations, the theorems' width conditions,
  the finite-width Gram error, the Outcome of a trend decision;
* :mod:`.kernel_pd` -- ``du.kernel.fc_pd`` / ``resnet_pd`` (Definitions 5.1 / 6.1,
  Propositions F.1 / F.2), their variants and ``du.kernel.fc_pd.ill_conditioned``;
* :mod:`.concentration` -- ``du.kernel.matches_finite_width`` (+ ``.resnet``), section 4,
  Lemmas B.1-B.3;
* :mod:`.depth` -- ``du.depth``, section 4, eq. (4)-(5);
* :mod:`.normalisation` -- ``du.normalisation``, eq. (2), Lemma B.1;
* :mod:`.training` -- the gradient-descent runs shared by the next two;
* :mod:`.rate` -- ``du.thm5_1.linear_rate`` (+ ``.resnet``), Theorems 5.1 / 6.1;
* :mod:`.stability` -- ``du.stability.weights`` / ``.gram``, eq. (6), Lemmas B.4 / B.5;
* :mod:`.kernel_literal` -- ``du.kernel.def5_1.literal``, ``du.kernel.def6_1.literal``; :mod:`.cross_terms` --
  ``du.kernel.def6_1.cross_terms``: Definitions 5.1 / 6.1 exactly as printed (the library's
  ``literal=True``) against the finite-width Gram matrices (imported last: earlier claims keep their order).
"""

from landscape.claims.du import _common, kernel_pd, concentration, depth, normalisation, training, rate, stability  # noqa: F401
from landscape.claims.du._common import PAPER, SMOOTH  # noqa: F401
from landscape.claims.du import kernel_literal, cross_terms  # noqa: F401
