"""No bad input loses a run or prints a traceback: each gives one line naming the bad value and
what was expected (LandscapeError; the CLI prints ``landscape: error: ...`` and exits 2).

Claims files that do not import, claim ids defined twice or shadowing a built-in, malformed or
absurd counterexample payloads, replays over their time limit, several files in one replay,
claims without a replay function (generic replay), strategies given impossible bounds.
"""

import importlib
import json
import sys
import textwrap
from pathlib import Path

import pytest

from landscape import LandscapeError
from landscape._core import registry
from landscape.cli import main
from landscape._core.evidence import _checksum, write_counterexample

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
PAPER_EXAMPLES = ROOT / "counterexamples" / "lds.assumption2.paper_examples.json"
LEMMA3_RELU = ROOT / "counterexamples" / "lds.lemma3.relu.json"
FC_PD = ROOT / "counterexamples" / "du.kernel.fc_pd.antipodal.json"

TOYS = '''
import time

from hypothesis import strategies as st

from landscape import Outcome, claim
from landscape._core.context import merge
from landscape._lib.strategies import a1_datasets, mlp_specs


@claim("badinput.crash", title="t", source="test", statement="s", expected="refuted", paper="refuted")
def check_crash(ctx):
    return merge([], extra=[Outcome.fails({"k": 1})])


@check_crash.replayer
def _replay_crash(p):
    raise RuntimeError("mat1 and mat2 shapes cannot be multiplied (1x2 and 3x1)")


@claim("badinput.slow", title="t", source="test", statement="s", expected="refuted", paper="refuted")
def check_slow(ctx):
    return merge([], extra=[Outcome.fails({"k": 1})])


@check_slow.replayer
def _replay_slow(p):
    time.sleep(30)
    return Outcome.fails(p)


@claim("badinput.generic", title="no replay function", source="test", statement="every dataset has <= 2 samples",
       expected="refuted", paper="refuted")
def check_generic(ctx):
    warm = ctx.search(st.integers(0, 3), lambda k: Outcome.holds(1.0), label="warm-up")

    @st.composite
    def examples(draw):
        x = draw(a1_datasets(max_n=5))
        return x, draw(mlp_specs(d0=x.shape[0], activation="relu")), (1, 2.5)

    def fn(ex):
        x, spec, _ = ex
        assert spec.d0 == x.shape[0]
        return Outcome.fails({"n": int(x.shape[1])}, 1.0) if x.shape[1] > 2 else Outcome.holds(1.0)

    res = ctx.search(examples(), fn, label="datasets")
    return res.result(tried=f"{warm.examples} + {res.examples}")


@claim("badinput.with_replayer", title="t", source="test", statement="s", expected="refuted", paper="refuted")
def check_with_replayer(ctx):
    res = ctx.search(st.integers(0, 10), lambda k: Outcome.fails({"k": k}) if k > 3 else Outcome.holds(), label="k")
    return res.result()


@check_with_replayer.replayer
def _replay_with_replayer(p):
    return Outcome.fails(p) if p["k"] > 3 else Outcome.holds()


@claim("badinput.no_search", title="t", source="test", statement="s", expected="refuted", paper="refuted")
def check_no_search(ctx):
    return merge([], extra=[Outcome.fails({"k": 1})])
'''


@pytest.fixture(scope="module")
def toys(tmp_path_factory):
    f = tmp_path_factory.mktemp("toys") / "toy_claims.py"
    f.write_text(TOYS)
    yield str(f)
    for k in [k for k in registry._REGISTRY if k.startswith("badinput.")]:
        del registry._REGISTRY[k]


def _err_line(capsys) -> str:
    """The one stderr line of a failed command (asserting it is one line, without a traceback)."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("landscape: error: ")
    return lines[0]


def _edited(tmp_path: Path, src: Path, edit, name: str | None = None) -> Path:
    """A copy of a committed counterexample file with ``edit(doc)`` applied and a valid checksum."""
    doc = json.loads(src.read_text())
    edit(doc)
    doc["checksum"] = _checksum(doc)
    out = tmp_path / (name or src.name)
    out.write_text(json.dumps(doc))
    return out


# --- 1. claims files that do not import -------------------------------------------------------

@pytest.mark.parametrize("source,expected", [
    ("x = 1\n\ndef f(:\n    pass\n", "SyntaxError at line 3: "),
    ("import math\n\nx = 1 / 0\n", "ZeroDivisionError at line 3: division by zero"),
    ("import no_such_module_for_landscape\n", "ModuleNotFoundError at line 1: No module named"),
], ids=["syntax", "raises", "import"])
def test_claims_file_that_does_not_import(tmp_path, capsys, source, expected):
    f = tmp_path / "broken_claims.py"
    f.write_text(source)
    before = set(sys.modules)
    assert main(["list", "--claims-from", str(f)]) == 2
    line = _err_line(capsys)
    assert f"claims file {str(f)!r} could not be imported: {expected}" in line
    assert not [m for m in set(sys.modules) - before if m.startswith("landscape_user_claims_")]


def test_half_imported_claims_are_unregistered(tmp_path, capsys):
    f = tmp_path / "half.py"
    f.write_text(textwrap.dedent('''
        from landscape import Outcome, claim
        from landscape._core.context import merge

        @claim("badinput.half", title="t", source="s", statement="s")
        def check_half(ctx):
            return merge([], extra=[Outcome.holds(1.0)])

        raise RuntimeError("broken after the first claim")
    '''))
    assert main(["list", "--claims-from", str(f)]) == 2
    assert "RuntimeError at line 9: broken after the first claim" in _err_line(capsys)
    assert "badinput.half" not in registry._REGISTRY


def test_missing_claims_file(tmp_path, capsys):
    assert main(["list", "--claims-from", str(tmp_path / "nope.py")]) == 2
    assert "does not exist or is not a .py file" in _err_line(capsys)


# --- 2. a claim id defined twice ------------------------------------------------------------

DUP = '''
from landscape import Outcome, claim
from landscape._core.context import merge


@claim("badinput.twice", title="t", source="s", statement="s")
def first(ctx):
    return merge([], extra=[Outcome.holds(1.0)])


@claim("badinput.twice", title="t", source="s", statement="s")
def second(ctx):
    return merge([], extra=[Outcome.holds(1.0)])
'''


def test_id_defined_twice_in_one_file(tmp_path, capsys):
    f = tmp_path / "dup_claims.py"
    f.write_text(DUP)
    assert main(["list", "--claims-from", str(f)]) == 2
    line = _err_line(capsys)
    assert "claim id 'badinput.twice' is defined twice in dup_claims.py: first (line 6) and second (line 11)" in line
    assert "badinput.twice" not in registry._REGISTRY


def test_reimporting_a_module_is_not_a_duplicate(tmp_path, monkeypatch, capsys):
    mod = tmp_path / "badinput_reloaded.py"
    mod.write_text(DUP[:DUP.index("\n\n\n@claim", DUP.index("def first"))] + "\n")  # the first claim only
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        m = importlib.import_module("badinput_reloaded")
        importlib.reload(m)
        importlib.reload(m)
        assert registry.get("badinput.twice").check.__module__ == "badinput_reloaded"
    finally:
        sys.modules.pop("badinput_reloaded", None)
        registry._REGISTRY.pop("badinput.twice", None)
    f = tmp_path / "once.py"
    f.write_text(mod.read_text().replace("badinput.twice", "badinput.once"))
    try:
        assert main(["list", "--claims-from", str(f), "--claims-from", str(f)]) == 0  # the same file twice
    finally:
        registry._REGISTRY.pop("badinput.once", None)


# --- 3. a user claim reusing a built-in id ------------------------------------------------------

SHADOW = '''
from landscape import Outcome, claim
from landscape._core.context import merge


@claim("lds.lemma3", title="mine", source="s", statement="s")
def check_mine(ctx):
    return merge([], extra=[Outcome.holds(1.0)])
'''


def test_builtin_id_reused_with_builtins_loaded(tmp_path, capsys):
    registry.load_builtin()
    f = tmp_path / "shadow_claims.py"
    f.write_text(SHADOW)
    assert main(["list", "--claims-from", str(f)]) == 2
    assert ("claim id 'lds.lemma3' is already a built-in claim (landscape.claims.lds.lemma3); choose another id"
            in _err_line(capsys))
    assert registry.get("lds.lemma3").module == "landscape.claims.lds.lemma3"


def test_builtin_id_reused_in_a_test_module(pytester):
    """In a fresh process the built-ins are not loaded yet when pytest imports the test module."""
    pytester.makepyfile(test_shadow=SHADOW)
    r = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    assert r.ret != 0
    r.stdout.fnmatch_lines(["*claim id 'lds.lemma3' is already a built-in claim (landscape.claims.lds.lemma3); "
                            "choose another id*"])
    r.assert_outcomes(errors=1)


# --- 4. replay: malformed and absurd payloads, time limit, several files ---------------------------

@pytest.mark.parametrize("src,edit,expected", [
    (PAPER_EXAMPLES, lambda d: d["payload"].update(order=10**9), "'order' = 1000000000: expected an integer in [0, 64]"),
    (PAPER_EXAMPLES, lambda d: d["payload"].update(order="2"), "'order' = '2': expected an integer in [0, 64]"),
    (PAPER_EXAMPLES, lambda d: d["payload"].pop("order"), "payload lacks the field 'order'"),
    (PAPER_EXAMPLES, lambda d: d["payload"].update(activation="sigmoidd"), "'activation' = 'sigmoidd': expected one of"),
    (LEMMA3_RELU, lambda d: d["payload"].update(X="0.25, 0.5"), "'X' = '0.25, 0.5': expected a rectangular 2-d array"),
    (LEMMA3_RELU, lambda d: d["payload"].update(X=[[0.25, 0.5], [1.0]]), "(got a ragged list"),
    (LEMMA3_RELU, lambda d: d["payload"]["spec"].update(widths=[-2]), "'spec.widths[0]' = -2: expected an integer in"),
    (LEMMA3_RELU, lambda d: (d["payload"]["spec"].update(d0=1, widths=[1]),  # not the stored file's shapes
                             d["payload"].update(weights=[[[1.0, 2.0]], [[1.0]]])),
     "'weights[0]' = [[1.0, 2.0]]: expected a matrix of shape 1x1 (got 1x2)"),
    (FC_PD, lambda d: d["payload"].update(n=-3), "'n' = -3: expected an integer in [2, 10000]"),
    (FC_PD, lambda d: d["payload"].update(H=10**6), "'H' = 1000000: expected an integer in [1, 64]"),
], ids=["huge-order", "str-order", "missing-key", "bad-activation", "str-matrix", "ragged", "negative-width",
        "weight-shape", "negative-n", "huge-depth"])
def test_malformed_payload_exits_2(tmp_path, capsys, src, edit, expected):
    f = _edited(tmp_path, src, edit)
    assert main(["replay", str(f)]) == 2
    line = _err_line(capsys)
    assert f"counterexample file {str(f)!r} is malformed: " in line and expected in line, line


def test_any_exception_of_a_replay_is_malformed(tmp_path, capsys, toys):
    f = write_counterexample(tmp_path, "badinput.crash", {"k": 1}, {"status": "fails"}, profile="quick", seed=0)
    assert main(["replay", str(f), "--claims-from", toys]) == 2
    line = _err_line(capsys)
    assert (f"counterexample file {str(f)!r} is malformed: its replay raised RuntimeError: mat1 and mat2 shapes "
            "cannot be multiplied") in line


def test_replay_time_limit(tmp_path, capsys, toys):
    f = write_counterexample(tmp_path, "badinput.slow", {"k": 1}, {"status": "fails"}, profile="quick", seed=0)
    assert main(["replay", str(f), "--timeout", "0.3", "--claims-from", toys]) == 2
    assert f"replay of {str(f)!r} exceeded the time limit of 0.3 s" in _err_line(capsys)


@pytest.mark.parametrize("value", ["-1", "nan", "inf"])
def test_bad_timeout(tmp_path, capsys, value):
    assert main(["replay", str(PAPER_EXAMPLES), "--timeout", value]) == 2
    assert f"--timeout: {value!r} is not a time limit; expected seconds from 0 (no limit) to 1e+06" in _err_line(capsys)


def test_replay_checks_every_file(tmp_path, capsys):
    good = _edited(tmp_path, PAPER_EXAMPLES, lambda d: None, "good.json")
    stale = _edited(tmp_path, PAPER_EXAMPLES, lambda d: d["payload"].update(order=1), "stale.json")  # sigmoid'(0) != 0
    bad = _edited(tmp_path, PAPER_EXAMPLES, lambda d: d["payload"].update(order=-1), "bad.json")
    missing = tmp_path / "missing.json"
    assert main(["replay", str(bad), str(good), str(missing), str(stale)]) == 2  # 2 wins over 1
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err
    err = cap.err.strip().splitlines()
    assert len(err) == 2 and "bad.json" in err[0] and "'order' = -1" in err[0] and "missing.json" in err[1]
    out = cap.out
    assert f"{good}: lds.assumption2.paper_examples: still refutes" in out
    assert f"{stale}: lds.assumption2.paper_examples: NO LONGER refutes" in out
    assert main(["replay", str(good), str(stale)]) == 1
    assert main(["replay", str(good), str(good)]) == 0


# --- 5. replay without a hand-written replay function ----------------------------------------------

def test_generic_replay_of_a_claim_without_replay_function(tmp_path, capsys, toys):
    cx = tmp_path / "cx"
    assert main(["check", "badinput.generic", "--claims-from", toys, "--counterexamples", str(cx)]) == 0
    f = cx / "badinput.generic.json"
    stored = json.loads(f.read_text())["payload"]["_search"]
    assert stored["label"] == "datasets" and stored["index"] == 1
    assert stored["example"]["__tuple__"][1]["__dataclass__"] == "landscape._lib.networks.mlp:MLPSpec"
    capsys.readouterr()
    assert main(["replay", str(f), "--claims-from", toys]) == 0
    assert "badinput.generic: still refutes" in capsys.readouterr().out
    # a corrupted stored example is malformed, not "no longer refutes"
    bad = _edited(tmp_path, f, lambda d: d["payload"]["_search"]["example"].update(__tuple__="x"), "bad.json")
    assert main(["replay", str(bad), "--claims-from", toys]) == 2
    assert "is malformed: payload field '_search.example' cannot be decoded" in _err_line(capsys)


def test_hand_written_replay_functions_keep_their_payload(tmp_path, capsys, toys):
    cx = tmp_path / "cx"
    assert main(["check", "badinput.with_replayer", "--claims-from", toys, "--counterexamples", str(cx)]) == 0
    assert json.loads((cx / "badinput.with_replayer.json").read_text())["payload"] == {"k": 4}
    assert main(["replay", str(cx / "badinput.with_replayer.json"), "--claims-from", toys]) == 0


def test_claim_without_search_needs_a_replay_function(tmp_path, capsys, toys):
    f = write_counterexample(tmp_path, "badinput.no_search", {"k": 1}, {"status": "fails"}, profile="quick", seed=0)
    assert main(["replay", str(f), "--claims-from", toys]) == 2
    line = _err_line(capsys)
    assert "claim 'badinput.no_search' has no replay function" in line and "@check_no_search.replayer" in line


# --- 6. strategies given impossible bounds -----------------------------------------------------------

def _strategies():
    from landscape._lib import strategies as S

    return S


@pytest.mark.parametrize("build,expected", [
    (lambda S: S.a1_datasets(max_n=0), "a1_datasets(min_n=1, max_n=0): expected 1 <= min_n <= max_n"),
    (lambda S: S.a1_datasets(min_n=5, max_n=2), "a1_datasets(min_n=5, max_n=2): expected 1 <= min_n <= max_n"),
    (lambda S: S.a1_datasets(min_d0=4, max_d0=3), "a1_datasets(min_d0=4, max_d0=3): expected 1 <= min_d0 <= max_d0"),
    (lambda S: S.a1_datasets(min_d0=0), "a1_datasets(min_d0=0, max_d0=3): expected 1 <= min_d0 <= max_d0"),
    (lambda S: S.a1_datasets(max_n=2.5), "a1_datasets(max_n=2.5): expected an integer"),
    (lambda S: S.a1_datasets(families=()), "a1_datasets(families=()): expected a non-empty tuple"),
    (lambda S: S.a1_datasets(families=("latice",)), "unknown dataset families ['latice']"),
    (lambda S: S.degenerate_datasets(families=()), "degenerate_datasets(families=()): expected a non-empty tuple"),
    (lambda S: S.degenerate_datasets(min_n=4, max_n=3), "degenerate_datasets(min_n=4, max_n=3): expected"),
    (lambda S: S.cube_datasets(k_dims=()), "cube_datasets(k_dims=()): expected a non-empty tuple"),
    (lambda S: S.cube_datasets(k_dims=(0, 1)), "cube_datasets(k_dims=(0, 1)): expected a non-empty tuple"),
    (lambda S: S.cube_datasets(min_t=9, max_t=8), "cube_datasets(min_t=9, max_t=8): expected 1 <= min_t <= max_t"),
    (lambda S: S.unit_sphere_datasets(min_n=5, max_n=2), "unit_sphere_datasets(min_n=5, max_n=2): expected"),
    (lambda S: S.unit_sphere_datasets(min_d=0), "unit_sphere_datasets(min_d=0, max_d=4): expected"),
    (lambda S: S.mlp_specs(d0=1, activation="relu", min_depth=0), "mlp_specs(min_depth=0, max_depth=3): expected"),
    (lambda S: S.mlp_specs(d0=1, activation="relu", min_width=5, max_width=2), "mlp_specs(min_width=5, max_width=2)"),
    (lambda S: S.mlp_specs(d0=0, activation="relu"), "mlp_specs(d0=0): expected d0 >= 1"),
    (lambda S: S.mlp_specs(d0=1, activation="relu", min_last=0), "mlp_specs(min_last=0): expected min_last >= 1"),
    (lambda S: S.mlp_specs(d0=1, activation="rellu"), "unknown activation 'rellu'"),
    (lambda S: S.polynomial_activations(min_p=7), "polynomial_activations(min_p=7, max_p=6): expected"),
    (lambda S: S.activation_names(tag="nope"), "activation_names(tag='nope'): no registered activation"),
])
def test_impossible_strategy_bounds(build, expected):
    with pytest.raises(LandscapeError) as e:
        build(_strategies())  # at construction, before anything is drawn
    assert expected in str(e.value) and "\n" not in str(e.value)
