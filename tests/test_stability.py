"""Seed stability: explicit examples are tried on every seed, and `landscape stability` finds a verdict
that depends on the seed (exit 1) and passes stable claims (exit 0)."""

from __future__ import annotations

import json
import textwrap

import pytest
from hypothesis import strategies as st

from landscape import Context, Outcome
from landscape._core import registry
from landscape.cli import main
from landscape._core.profiles import get as get_profile
from landscape._core.stability import annotate, describe, read_stability, run_stability


@pytest.mark.parametrize("seed", range(6))
def test_explicit_examples_are_tried_on_every_seed(seed):
    """The failing case (x = -5) cannot be generated (integers 0..10): only the explicit example finds it."""
    ctx = Context(get_profile("quick"), seed=seed)
    res = ctx.search(st.integers(0, 10), lambda x: Outcome.fails({"x": x}) if x < 0 else Outcome.holds(),
                     examples=[-5])
    assert res.verdict == "refuted" and res.shrunk.payload == {"x": -5}
    assert res.counts["holds"] >= 1  # the generated examples ran too


def test_explicit_examples_respect_reject():
    from hypothesis import reject

    ctx = Context(get_profile("quick"), seed=0)
    res = ctx.search(st.integers(0, 10), lambda x: reject() if x < 0 else Outcome.holds(), examples=[-1])
    assert res.verdict == "supported" and res.counts["fails"] == 0


_CLAIMS = '''
from hypothesis import strategies as st
from landscape import Context, Outcome, Result, claim


@claim("user.stable", title="t", source="s", statement="x >= 0", expected="supported")
def stable(ctx: Context) -> Result:
    return ctx.search(st.integers(0, 100), lambda x: Outcome.holds(1.0), label="all").result(tried="t")


@claim("user.seed_dependent", title="t", source="s", statement="refuted on even seeds only", expected="supported")
def seed_dependent(ctx: Context) -> Result:
    bad = ctx.seed % 2 == 0
    return ctx.search(st.integers(0, 3), lambda x: Outcome.fails({"x": x}) if bad else Outcome.holds(1.0),
                      label="all").result(tried="t")


@seed_dependent.replayer
def _replay(payload):
    return Outcome.fails(payload)
'''


@pytest.fixture(scope="module")
def claims_file(tmp_path_factory):
    # one file for the module: the registry is global, and one id from two files is an error
    f = tmp_path_factory.mktemp("claims") / "stability_claims.py"
    f.write_text(textwrap.dedent(_CLAIMS))
    return f


def test_stability_cli_flags_a_seed_dependent_verdict(claims_file, tmp_path, capsys):
    out = tmp_path / "rep"
    code = main(["stability", "--seeds", "3", "--only", "user", "--claims-from", str(claims_file), "--out", str(out)])
    assert code == 1
    table = capsys.readouterr().out
    assert "ok user.stable" in table and "!! user.seed_dependent" in table
    assert "seeds: 0=refuted, 2=refuted" in table
    doc = json.loads((out / "stability-quick.json").read_text())
    assert doc["seeds"] == [0, 1, 2] and doc["stable"] is False
    assert doc["claims"]["user.seed_dependent"]["counts"] == {"refuted": 2, "supported": 1}
    assert doc["claims"]["user.stable"]["stable"] is True
    sweeps = read_stability(out)
    assert set(sweeps) == {"quick"}
    ann = annotate({"claims": [{"id": "user.stable"}, {"id": "user.seed_dependent"}]}, sweeps)
    assert describe(ann["claims"][0]["stability"]) == "quick 3/3"
    assert describe(ann["claims"][1]["stability"]) == "quick 1/3 (varies)"


def test_stability_cli_passes_stable_claims(claims_file, capsys):
    assert main(["stability", "--seeds", "2", "--first-seed", "5", "--only", "user.stable",
                 "--claims-from", str(claims_file)]) == 0
    assert "1 claims x 2 seeds (quick profile, seeds 5..6): 1 stable, 0 not" in capsys.readouterr().out


def test_stability_bad_arguments_exit_2(capsys):
    assert main(["stability", "--seeds", "0"]) == 2
    assert "--seeds: '0': expected a number of seeds from 1 to 100000" in capsys.readouterr().err
    assert main(["stability", "--only", "no.such.claim"]) == 2
    assert "unknown claim id 'no.such.claim'" in capsys.readouterr().err


@pytest.mark.parametrize("cid", ["lds.lemma3.softplus", "lds.lemma3.sigmoid"])
def test_identity_refutations_do_not_depend_on_the_seed(cid):
    """The symmetric-data case the sympy identity proves is an explicit example: refuted on every seed,
    with the same (explicit) counterexample."""
    doc = run_stability([registry.get(cid)], profile="quick", seeds=[11, 12, 13])
    assert doc["claims"][cid]["counts"] == {"refuted": 3}
