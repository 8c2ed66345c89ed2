"""Network builders, one module per family of parameterisations.

* :mod:`landscape._lib.networks.mlp`: Li-Ding-Sun eq. (1)-(4), fully connected, with or
  without bias, last layer linear.
* :mod:`landscape._lib.networks.du`: Du et al. eq. (2)-(3), FC and ResNet (when present).
"""

from landscape._lib.networks.mlp import MLP, MLPSpec

__all__ = ["MLP", "MLPSpec"]
