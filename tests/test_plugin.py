"""The pytest plugin end to end (in a subprocess): claims in a test module are collected,
a verdict that differs from its expectation fails with a reproduce line, the terminal
summary lists the verdicts, and ``--landscape-report DIR`` writes the three report files."""

import json

pytest_plugins = ["pytester"]

TOY = '''
from landscape import Outcome, claim
from landscape._core.context import merge


@claim("toy.holds", title="a claim that holds", source="test", statement="always holds", expected="supported")
def holds(ctx):
    return merge([], extra=[Outcome.holds(2.0)], tried="one trivial example")


@claim("toy.mismatch", title="a claim whose expectation is wrong", source="test", statement="holds",
       expected="refuted", paper="refuted")
def mismatch(ctx):
    return merge([], extra=[Outcome.holds(1.0)], tried="one trivial example")
'''


def test_claims_as_tests_summary_and_report(pytester, tmp_path):
    pytester.makepyfile(test_toy=TOY)
    out = tmp_path / "rep"
    r = pytester.runpytest_subprocess("--landscape-report", str(out), "-p", "no:cacheprovider")
    r.assert_outcomes(passed=1, failed=1)
    r.stdout.fnmatch_lines([
        "*computed verdict 'supported', expected 'refuted'*",
        "*reproduce: landscape check toy.mismatch --profile quick --seed 0*",
        "*landscape verdicts*",
        "ok toy.holds*supported*expected supported*",
        "!! toy.mismatch*supported*expected refuted*",
        "*landscape report written*",
    ])
    doc = json.loads((out / "evidence.json").read_text())
    assert [c["id"] for c in doc["claims"]] == ["toy.holds", "toy.mismatch"]
    assert doc["summary"]["passed"] == 1 and doc["profile"] == "quick"
    assert (out / "report.md").is_file() and (out / "index.html").is_file()


def test_hypothesis_profile_option_selects_the_budget(pytester):
    pytester.makepyfile(test_toy='''
from landscape import Outcome, claim
from landscape._core.context import merge


@claim("toy.profile", title="records its budget", source="test", statement="s", expected="supported")
def prof(ctx):
    assert ctx.profile.name == "standard" and ctx.max_examples == 60
    return merge([], extra=[Outcome.holds(2.0)], tried="one")
''')
    r = pytester.runpytest_subprocess("--hypothesis-profile", "standard", "-p", "no:cacheprovider")
    r.assert_outcomes(passed=1)
