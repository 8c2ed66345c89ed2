"""Cross-examination: a library of stationary points, bad minima and counterexamples.

Every point the suite builds or finds that another claim could be tested on becomes a
:class:`Fixture`: a Li-Ding-Sun style network (:class:`~landscape.networks.mlp.MLPSpec`,
which also covers Jiang's two-layer networks), its flat weights, the data, the loss, and
what is known about the point (``kind``: ``bad_local_min``, ``stationary``, ...).

Claims declare the hypotheses they need as a predicate and receive every fixture that
meets it (:func:`matching`): a fixture that refutes a claim from another paper is a
finding.  Fixture builders are registered with :func:`builder`; they must be
deterministic and cheap (they run inside claim checks).  Users add their own builders
in their claim files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

from .networks.mlp import MLP, MLPSpec


@dataclass
class Fixture:
    """A point of some loss landscape, with its provenance."""

    id: str
    source: str  # the claim (or construction) that built it
    kind: str  # "bad_local_min" | "stationary" | "counterexample" | ...
    spec: MLPSpec
    weights: list[np.ndarray]
    x: np.ndarray  # d0 x N, columns are samples
    y: np.ndarray  # d_out x N
    loss: str = "squared"
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def net(self) -> MLP:
        return MLP(self.spec, self.weights)

    @property
    def n_samples(self) -> int:
        return int(self.x.shape[1])

    def flat(self) -> torch.Tensor:
        return self.net.flat()

    def loss_fn(self) -> Callable[[torch.Tensor], torch.Tensor]:
        """The empirical loss E(W) = l(Y, W_{H+1} T_H) as a function of the flat weights."""
        from . import losses

        net, x, y = self.net, torch.as_tensor(self.x), torch.as_tensor(self.y)
        lf = losses.get(self.loss)
        return lambda v: lf.total(y, net.forward_flat(v, x))

    def in_unit_cube(self) -> bool:
        return bool(np.all(self.x >= 0) and np.all(self.x <= 1))

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "kind": self.kind, "spec": self.spec.as_dict(),
                "N": self.n_samples, "loss": self.loss, "facts": self.facts}


_BUILDERS: dict[str, Callable[[], list[Fixture]]] = {}
_CACHE: dict[str, list[Fixture]] = {}


def builder(name: str) -> Callable[[Callable[[], list[Fixture]]], Callable[[], list[Fixture]]]:
    """Register a deterministic function returning fixtures (cached per process)."""

    def deco(fn: Callable[[], list[Fixture]]) -> Callable[[], list[Fixture]]:
        _BUILDERS[name] = fn
        return fn

    return deco


def all_fixtures() -> list[Fixture]:
    """Every fixture of every registered builder (built claim modules are imported first)."""
    from . import registry

    registry.load_builtin()
    out = []
    for name, fn in sorted(_BUILDERS.items()):
        if name not in _CACHE:
            _CACHE[name] = fn()
        out.extend(_CACHE[name])
    return out


def matching(predicate: Callable[[Fixture], bool]) -> list[Fixture]:
    """The fixtures meeting a claim's hypotheses."""
    return [f for f in all_fixtures() if predicate(f)]
