"""Hypothesis strategies for claims: datasets, architectures, activations, losses, seeds.

Each strategy validates its arguments when it is built (a :class:`landscape.LandscapeError`
names the bad value) and shrinks towards small, simple examples.  Use the options a
strategy offers to state a claim's hypotheses (a minimum number of points, distinct
points, no point at the origin), so that the examples Hypothesis shrinks to still satisfy
them.  Every strategy here is public API; the implementation lives in
``landscape._lib.strategies``.
"""

from landscape._lib.strategies import (
    a1_datasets,
    activation_names,
    cube_datasets,
    degenerate_datasets,
    loss_names,
    mlp_specs,
    polynomial_activations,
    satisfies_a1,
    seeds,
    unit_sphere_datasets,
)

__all__ = ["a1_datasets", "activation_names", "cube_datasets", "degenerate_datasets", "loss_names", "mlp_specs",
           "polynomial_activations", "satisfies_a1", "seeds", "unit_sphere_datasets"]
