"""``landscape._lib.fixtures``: the library of bad minima and counterexamples fed to every claim whose
hypotheses they meet -- properties, requirements, selection, and the registry's hook."""

import numpy as np
import torch

from landscape._lib import fixtures
from landscape._lib.networks.mlp import MLPSpec


def _fixture(**facts):
    spec = MLPSpec(1, (2,), 1, "tanh", False)
    return fixtures.Fixture("test.point", "test", "stationary", spec, [np.ones((2, 1)), np.ones((1, 2))],
                            np.array([[0.0, 0.5, 1.0]]), np.array([[0.0, 1.0, 0.0]]), facts=facts)


def test_loss_is_the_registered_loss_of_the_network():
    f = _fixture()
    w = f.flat()
    expect = float(((f.net.forward_flat(w, torch.as_tensor(f.x)) - torch.as_tensor(f.y)) ** 2).sum())
    assert float(f.loss_fn()(w)) == expect
    assert f.n_samples == 3 and f.in_unit_cube()


def test_requirements_say_what_is_unmet_and_why():
    f = _fixture()
    assert f.properties["N"] == 3
    assert fixtures.unmet(f, {"N": fixtures.at_least(3)}) == []
    (why,) = fixtures.unmet(f, {"N": fixtures.at_least(4)})
    assert "(has 3)" in why


def test_select_partitions_the_library_and_loads_every_claim_package_first():
    """The registry hooks itself in (fixtures.on_first_use): listing fixtures sees every paper's builders."""
    sel = fixtures.select({"N": fixtures.at_least(1)})
    assert sel.matched and not sel.excluded
    sources = {f.id.split(".")[0] for f in sel.matched}
    assert {"lds", "jiang", "golikov"} <= sources
    none = fixtures.select({"N": fixtures.at_least(10**6)})
    assert not none.matched and set(none.excluded) == {f.id for f in sel.matched}


def test_loaders_run_once_per_listing_and_are_registered_once():
    calls = []

    def load():
        calls.append(1)

    fixtures.on_first_use(load)
    fixtures.on_first_use(load)
    try:
        fixtures.all_fixtures()
        assert calls == [1]
    finally:
        fixtures._LOADERS.remove(load)
