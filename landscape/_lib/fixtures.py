"""Cross-examination: a library of stationary points, bad minima and counterexamples.

Every point the suite builds or finds that another claim could be tested on becomes a
:class:`Fixture`: a Li-Ding-Sun style network (:class:`~landscape._lib.networks.mlp.MLPSpec`,
which also covers Jiang's two-layer networks), its flat weights, the data, the loss, and
what is known about the point (``kind``: ``bad_local_min``, ``stationary``,
``rank_deficient``, ...; ``facts``: numbers and the certificate).

Each fixture carries machine-checkable :attr:`Fixture.properties` (architecture, data,
activation metadata, loss, what the point is).  A claim *declares* the hypotheses it needs
as requirements on those properties and receives every fixture that meets them
(:func:`select`); the others are excluded with the unmet requirement named, so the
evidence can count them::

    REQUIRES = {"kind": ("bad_local_min",), "overparameterized": True, "a1": True,
                "loss": "squared", "continuous": True}
    sel = fixtures.select(REQUIRES)     # sel.matched, sel.excluded {id: [unmet, ...]}
    fixtures.describe(REQUIRES)         # ["kind in {bad_local_min}", "overparameterized = True", ...]

A requirement value is an exact value (equality), a tuple / list / set (membership), or a
predicate; :func:`at_least` / :func:`at_most` / :func:`is_not` make readable predicates.
A fixture that refutes a claim from another paper is a finding.

Fixture builders are registered with :func:`builder`; they must be deterministic and cheap
(they run inside claim checks, once per process).  Users add their own builders in their
claim files.  The old call ``matching(predicate)`` still works.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import torch

from landscape._lib.networks.mlp import MLP, MLPSpec

#: The properties every fixture exposes (see :attr:`Fixture.properties`), with their meaning.
PROPERTIES: dict[str, str] = {
    "id": "fixture id", "source": "the claim or construction that built it",
    "kind": "bad_local_min | stationary | global_min | rank_deficient | counterexample | ...",
    "certificate": "strict | non-strict | saddle | None: what a local-minimum certificate established",
    "stationary": ("gradient zero (True / False / None unknown); None for a saturated point with a positive loss "
                   "(landscape._lib.certify.saturation: float64 cannot certify it, whatever the facts say)"),
    "saturated": "some hidden unit saturated at every sample (landscape._lib.certify.saturation, the suite's one rule)",
    "bad": "loss clearly above a known lower attained loss or the global infimum (True / False / None)",
    "d0": "input dimension", "widths": "hidden widths (d_1..d_H)", "depth": "H", "d_H": "last hidden width",
    "d_out": "output dimension", "N": "number of samples", "n_params": "number of weights",
    "bias": "bias in the hidden layers",
    "activation": "activation name", "continuous": "sigma continuous", "analytic": "sigma analytic",
    "smooth": "sigma C^2", "positively_homogeneous": "sigma(c z) = c sigma(z), c > 0",
    "polynomial": "sigma a polynomial", "odd": "sigma odd",
    "assumption2_N": "Li-Ding-Sun Assumption 2 for n = N (True / False / None undecided), decided exactly",
    "loss": "loss name", "loss_convex": "loss convex in the prediction (registry)",
    "loss_smooth": "loss twice differentiable",
    "a1": "Li-Ding-Sun Assumption A1: some coordinate has pairwise distinct values",
    "distinct": "the data points (columns) are pairwise distinct", "in_unit_cube": "data in [0, 1]^d0",
    "overparameterized": "d_H >= N (Li-Ding-Sun A3)", "wide_layer": "some hidden width >= N",
}


@dataclass
class Fixture:
    """A point of some loss landscape, with its provenance."""

    id: str
    source: str  # the claim (or construction) that built it
    kind: str  # "bad_local_min" | "stationary" | "counterexample" | "rank_deficient" | ...
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
        """The empirical loss E(W) = l(Y, W_{H+1} T_H) as a function of the flat weights (the squared loss with
        its multiple-precision form, :func:`landscape._lib.networks.mlp.squared_loss`, for the certificates)."""
        from landscape._lib import losses

        if self.loss == "squared":
            from landscape._lib.networks.mlp import squared_loss

            return squared_loss(self.spec, self.x, self.y)
        net, x, y = self.net, torch.as_tensor(self.x), torch.as_tensor(self.y)
        lf = losses.get(self.loss)
        return lambda v: lf.total(y, net.forward_flat(v, x))

    def in_unit_cube(self) -> bool:
        return bool(np.all(self.x >= 0) and np.all(self.x <= 1))

    @functools.cached_property
    def properties(self) -> dict[str, Any]:
        """Machine-checkable properties (keys and meaning: :data:`PROPERTIES`)."""
        return _properties(self)

    def summary(self) -> dict[str, Any]:
        props = {k: v for k, v in self.properties.items() if k not in ("id", "source", "kind", "N")}
        return {"id": self.id, "source": self.source, "kind": self.kind, "spec": self.spec.as_dict(),
                "N": self.n_samples, "loss": self.loss, "facts": self.facts, "properties": props}


def _properties(f: Fixture) -> dict[str, Any]:
    from landscape._lib import activations, losses, symbolic, tolerance
    from landscape._lib.strategies import satisfies_a1

    act = activations.get(f.spec.activation)
    n = f.n_samples
    try:
        a2 = symbolic.assumption2_for(act.name).holds_for(n)
    except Exception:  # noqa: BLE001 - an undecidable symbolic question is 'unknown', not an error
        a2 = None
    try:
        lo = losses.get(f.loss)
        convex, smooth_loss = True, bool(getattr(lo, "twice_differentiable", True))
    except Exception:  # noqa: BLE001 - a user loss outside the registry
        convex, smooth_loss = None, None
    facts = f.facts
    cert = facts.get("certificate") or ("non-strict" if facts.get("non_strict") else None)
    lower = [float(facts[k]) for k in ("lower_loss_witness", "global_inf") if facts.get(k) is not None]
    bad = None
    if "loss" in facts and lower:
        l0 = float(facts["loss"])
        d = tolerance.classify(max(l0 - min(lower), 0.0) / max(abs(l0), tolerance.ABS_FLOOR))
        bad = {"nonzero": True, "zero": False, "band": None}[d.outcome]
    cols = [tuple(c) for c in np.asarray(f.x).T.tolist()]
    from landscape._lib.certify import saturation

    sat = saturation(f.spec, f.flat(), f.x).saturated
    stationary = facts.get("stationary")
    if sat and stationary:  # the one saturation rule: a saturated point at a positive loss is not certified
        with torch.no_grad():
            l_now = float(f.loss_fn()(f.flat()))
        scale = float(np.sum(np.asarray(f.y, dtype=float) ** 2))
        if tolerance.classify(l_now / scale if scale > 0 else l_now).outcome != "zero":
            stationary = None
    return {
        "id": f.id, "source": f.source, "kind": f.kind, "certificate": cert,
        "stationary": stationary, "saturated": sat, "bad": bad,
        "d0": f.spec.d0, "widths": list(f.spec.widths), "depth": f.spec.depth, "d_H": f.spec.d_H,
        "d_out": f.spec.d_out, "N": n, "n_params": f.spec.n_params(), "bias": f.spec.bias,
        "activation": act.name, "continuous": act.continuous, "analytic": act.analytic, "smooth": act.smooth,
        "positively_homogeneous": act.positively_homogeneous, "polynomial": act.polynomial_degree is not None,
        "odd": act.odd, "assumption2_N": a2,
        "loss": f.loss, "loss_convex": convex, "loss_smooth": smooth_loss,
        "a1": satisfies_a1(f.x), "distinct": len(set(cols)) == len(cols), "in_unit_cube": f.in_unit_cube(),
        "overparameterized": f.spec.d_H >= n, "wide_layer": max(f.spec.widths) >= n,
    }


# ---------------------------------------------------------------------------------------
# Requirements
# ---------------------------------------------------------------------------------------

class _Pred:
    """A named predicate on one property value (readable in :func:`describe`)."""

    def __init__(self, fn: Callable[[Any], bool], text: str):
        self.fn, self.text = fn, text

    def __call__(self, v: Any) -> bool:
        return bool(self.fn(v))


def at_least(v: Any) -> _Pred:
    return _Pred(lambda x: x is not None and x >= v, f">= {v}")


def at_most(v: Any) -> _Pred:
    return _Pred(lambda x: x is not None and x <= v, f"<= {v}")


def is_not(v: Any) -> _Pred:
    return _Pred(lambda x: x != v, f"!= {v}")


def _text(key: str, want: Any) -> str:
    if isinstance(want, _Pred):
        return f"{key} {want.text}"
    if callable(want):
        return f"{key} satisfies {getattr(want, '__name__', 'a predicate')}"
    if isinstance(want, (tuple, list, set, frozenset)):
        return f"{key} in {{{', '.join(map(str, want))}}}"
    return f"{key} = {want}"


def _ok(value: Any, want: Any) -> bool:
    if callable(want):
        return bool(want(value))
    if isinstance(want, (tuple, list, set, frozenset)):
        return value in want
    return value == want


def describe(requires: Mapping[str, Any]) -> list[str]:
    """The requirements in words (for a claim's hypotheses and evidence)."""
    return [_text(k, v) for k, v in requires.items()]


def unmet(f: Fixture, requires: Mapping[str, Any]) -> list[str]:
    """The requirements ``f`` does not meet, each as ``"<requirement> (has <value>)"``."""
    props = f.properties
    out = []
    for k, want in requires.items():
        if k not in props:
            raise KeyError(f"unknown fixture property {k!r}; expected one of {', '.join(PROPERTIES)}")
        if not _ok(props[k], want):
            out.append(f"{_text(k, want)} (has {props[k]!r})")
    return out


@dataclass
class Selection:
    """The fixtures meeting a claim's requirements, and the excluded ones with their reasons."""

    requires: list[str]
    matched: list[Fixture]
    excluded: dict[str, list[str]]

    def summary(self) -> dict[str, Any]:
        return {"requires": self.requires, "matched": [f.id for f in self.matched],
                "excluded": len(self.excluded), "excluded_by_requirement": _by_first_reason(self.excluded)}


def _by_first_reason(excluded: dict[str, list[str]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for reasons in excluded.values():
        k = reasons[0].split(" (has")[0]
        out[k] = out.get(k, 0) + 1
    return out


def select(requires: Mapping[str, Any]) -> Selection:
    """Every fixture of the library, split by whether it meets ``requires`` (the single matching rule)."""
    matched, excluded = [], {}
    for f in all_fixtures():
        why = unmet(f, requires)
        if why:
            excluded[f.id] = why
        else:
            matched.append(f)
    return Selection(describe(requires), matched, excluded)


# ---------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------

_BUILDERS: dict[str, Callable[[], list[Fixture]]] = {}
_CACHE: dict[str, list[Fixture]] = {}


def builder(name: str) -> Callable[[Callable[[], list[Fixture]]], Callable[[], list[Fixture]]]:
    """Register a deterministic function returning fixtures (cached per process)."""

    def deco(fn: Callable[[], list[Fixture]]) -> Callable[[], list[Fixture]]:
        _BUILDERS[name] = fn
        return fn

    return deco


_LOADERS: list[Callable[[], Any]] = []


def on_first_use(load: Callable[[], Any]) -> None:
    """Register a function run before the fixtures are listed (the registry's import of the
    built-in claim modules, whose builders then register).  The library never imports the
    core or the claims; the core hooks itself in here."""
    if load not in _LOADERS:
        _LOADERS.append(load)


def all_fixtures() -> list[Fixture]:
    """Every fixture of every registered builder (the loaders of :func:`on_first_use` run first,
    so every built-in claim module has registered its builders)."""
    for load in list(_LOADERS):
        load()
    out = []
    for name, fn in sorted(_BUILDERS.items()):
        if name not in _CACHE:
            _CACHE[name] = fn()
        out.extend(_CACHE[name])
    return out


def matching(predicate: Callable[[Fixture], bool] | None = None, /, **requires: Any) -> list[Fixture]:
    """The fixtures meeting a claim's hypotheses: a predicate (the old form) and/or requirements
    on :attr:`Fixture.properties` (see :func:`select`)."""
    out = select(requires).matched if requires else all_fixtures()
    return [f for f in out if predicate is None or predicate(f)]
