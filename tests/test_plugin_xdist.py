"""``pytest -n 2`` (pytest-xdist): the claims run in two workers, the verdicts are the serial ones, and
``--landscape-report`` collects every worker's evidence into one report."""

import json

import pytest

pytest_plugins = ["pytester"]

TOY = '''
from hypothesis import strategies as st

from landscape import Outcome, claim
from landscape._core.context import merge


@claim("xd.a", title="holds", source="test", statement="s")
def a(ctx):
    return ctx.search(st.integers(0, 100), lambda k: Outcome.holds(1.0 + k % 3), label="ints",
                      max_examples=20).result(tried="integers")


@claim("xd.b", title="refutes", source="test", statement="s", expected="refuted", paper="refuted")
def b(ctx):
    return ctx.search(st.integers(0, 100), lambda k: Outcome.fails({"k": k}, 2.0) if k > 50 else Outcome.holds(1.0),
                      label="ints", max_examples=30).result(tried="integers")


@claim("xd.c", title="holds too", source="test", statement="s")
def c(ctx):
    return merge([], extra=[Outcome.holds(3.0)], tried="one")


@claim("xd.d", title="refutes too", source="test", statement="s", expected="refuted", paper="refuted")
def d(ctx):
    return ctx.search(st.integers(0, 9), lambda k: Outcome.fails({"k": k}, 1.5), label="ints",
                      max_examples=5).result(tried="integers")
'''


def _run(pytester, out, *extra):
    r = pytester.runpytest_subprocess("--landscape-report", str(out), "-p", "no:cacheprovider", *extra)
    r.assert_outcomes(passed=4)
    return {c["id"]: c for c in json.loads((out / "evidence.json").read_text())["claims"]}


def test_xdist_workers_report_into_one_document(pytester, tmp_path):
    pytest.importorskip("xdist", reason="pytest-xdist is not installed (pip install -e '.[dev]')")
    pytester.makepyfile(test_toy=TOY)
    serial = _run(pytester, tmp_path / "serial")
    par = _run(pytester, tmp_path / "xdist", "-n", "2")
    assert sorted(par) == sorted(serial) == ["xd.a", "xd.b", "xd.c", "xd.d"]
    for cid in serial:
        for k in ("verdict", "margin", "examples", "statistics"):
            a, b = serial[cid][k], par[cid][k]
            if k == "statistics":
                a, b = ({**x, "searches": [{**s, "seconds": 0} for s in x.get("searches", [])]} for x in (a, b))
            assert a == b, (cid, k)
