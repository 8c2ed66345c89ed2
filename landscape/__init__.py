"""landscape: empirical checks of published theorems about neural-network loss landscapes.

The claim API in one import::

    from landscape import claim, Context, Outcome, Result

Strategies (datasets, architectures, activations, losses) are in
:mod:`landscape.strategies`.  See README.md for a worked example.
"""

__version__ = "0.1.0"

from .context import Context, Outcome, Result, SearchResult, combine, verdict_of  # noqa: E402
from .errors import LandscapeError  # noqa: E402
from .registry import Claim, all_claims, claim, get  # noqa: E402

__all__ = ["Claim", "Context", "LandscapeError", "Outcome", "Result", "SearchResult", "all_claims", "claim",
           "combine", "get", "verdict_of", "__version__"]
