"""landscape: empirical checks of published theorems about neural-network loss landscapes.

The public API is three modules:

* :mod:`landscape` (this one) -- the claim API: :func:`claim`, :class:`Context`,
  :class:`Outcome`, :class:`Result`, :func:`merge`, :class:`LandscapeError`, the registry
  (:func:`all_claims`, :func:`get`) and the verdict rules (:func:`verdict_of`, :func:`combine`);
* :mod:`landscape.strategies` -- Hypothesis strategies for datasets, architectures,
  activations, losses and seeds, with options that state a claim's hypotheses;
* :mod:`landscape.numerics` -- the numerics a claim author uses: decisions with margins
  (the one tolerance policy), networks with their losses, training to stationarity,
  certificates of local minima, linear-network critical points.

Everything under ``landscape._core`` (context, registry, evidence, runner, report) and
``landscape._lib`` (the numerics library) is private and may change without notice, as
Hypothesis keeps its ``internal`` package.  The built-in claims live in
:mod:`landscape.claims`, a package per paper.  See README.md for worked examples.
"""

from landscape._version import __version__
from landscape._core.context import Context, Outcome, Result, SearchResult, combine, merge, verdict_of
from landscape._core.registry import Claim, all_claims, claim, get
from landscape._lib.errors import LandscapeError

__all__ = ["Claim", "Context", "LandscapeError", "Outcome", "Result", "SearchResult", "all_claims", "claim",
           "combine", "get", "merge", "verdict_of", "__version__"]
