"""Network builders, one module per family of parameterisations.

* :mod:`landscape._lib.networks.mlp`: Li-Ding-Sun eq. (1)-(4), fully connected, with or
  without bias, last layer linear.
* :mod:`landscape._lib.networks.du`: Du et al. eq. (2)-(3), FC and ResNet (when present).
* :mod:`landscape._lib.networks.two_layer`: the two-layer net of Golikov's essay (eq. (9)-(12)),
  its Gram matrices H(0) / H^inf and their training runs.
* :mod:`landscape._lib.networks.cube`: Jiang's setting -- an MLP on data in the cube [0,1]^K with
  its Fourier / disparity view (``JiangNet``).

Each module carries the network's loss next to its forward pass (one loss per family).
"""

from landscape._lib.networks.mlp import MLP, MLPSpec

__all__ = ["MLP", "MLPSpec"]
