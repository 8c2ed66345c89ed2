"""The command line: list, check, replay, report and their error paths (exit codes, messages)."""

import json

import pytest

from landscape.cli import main


def test_list_json(capsys):
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    ids = {r["id"] for r in rows}
    assert {"lds.lemma3", "lds.prop1", "jiang.thm1.convex", "jiang.thm1.zero_loss"} <= ids
    assert all({"id", "title", "source", "expected"} <= set(r) for r in rows)


def test_unknown_id_exits_2_with_suggestions(capsys):
    assert main(["check", "lds.lemma33"]) == 2
    err = capsys.readouterr().err
    assert "unknown claim id 'lds.lemma33'" in err and "lds.lemma3" in err and "Traceback" not in err


def test_unknown_profile_exits_2(capsys):
    assert main(["check", "lds.assumption2.paper_examples", "--profile", "fast"]) == 2
    err = capsys.readouterr().err
    assert err == ("landscape: error: argument --profile: unknown profile 'fast'; expected one of quick, standard, "
                   "thorough (see `landscape check --help`)\n")


@pytest.mark.parametrize("command", ["list", "check", "report", "replay", "stability"])
def test_every_subcommand_has_a_description(command, capsys):
    from landscape.cli import _parser

    sub = _parser()._subparsers._group_actions[0].choices[command]
    assert sub.description and len(sub.description) > 80
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0 and sub.description.split()[0] in capsys.readouterr().out


@pytest.mark.parametrize("command", ["check", "report", "stability"])
def test_profile_has_choices(command):
    from landscape._core import profiles
    from landscape.cli import _parser

    sub = _parser()._subparsers._group_actions[0].choices[command]
    [opt] = [a for a in sub._actions if "--profile" in a.option_strings]
    assert opt.choices == list(profiles.PROFILES) == ["quick", "standard", "thorough"]
    assert "{quick,standard,thorough}" in sub.format_usage()


def test_check_takes_several_ids_and_prefixes(tmp_path, capsys):
    cx = str(tmp_path / "cx")
    assert main(["check", "lds.assumption2", "lds.assumption2.paper_examples", "lds.assumption2",
                 "--counterexamples", cx]) == 0
    cap = capsys.readouterr()
    assert [ln.split(":")[0] for ln in cap.out.splitlines() if not ln.startswith(" ")] == [
        "lds.assumption2", "lds.assumption2.paper_examples"]  # each once, in the order given
    assert cap.err.splitlines()[0] == f"landscape: writing counterexamples to {cx}/"
    assert cap.err.splitlines()[1] == "checking lds.assumption2 (quick profile, seed 0) ..."
    assert "checking lds.assumption2.paper_examples (quick profile, seed 0) ..." in cap.err
    assert "  replay: landscape replay " in cap.out  # the refutation's file, replayable as printed (test_reproduce)
    assert main(["check", "--prefix", "lds.assumption2", "lds.assumption2.paper_examples", "--counterexamples", cx]) == 0
    assert capsys.readouterr().out.count("(expected ") == 2
    assert main(["check", "--prefix", "lds.assumption2", "nope", "--counterexamples", cx]) == 2
    assert "unknown claim id 'nope'" in capsys.readouterr().err


def test_first_line_on_a_terminal_at_once_and_erased(monkeypatch):
    """On a terminal, check shows its first line before torch and the claims load, and erases it
    before a failure's one-line message (nothing of it reaches a log)."""
    import io

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Tty()
    monkeypatch.setattr("sys.stderr", err)
    assert main(["check", "lds.lemma33", "--seed", "2"]) == 2
    shown = "checking lds.lemma33 (quick profile, seed 2) ..."
    assert err.getvalue().startswith(shown + "\r" + " " * len(shown) + "\r" + "landscape: error: unknown claim id")


def test_check_writes_a_counterexample_that_replays(tmp_path, capsys):
    assert main(["check", "lds.assumption2.paper_examples", "--counterexamples", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "refuted (expected refuted" in out
    f = tmp_path / "lds.assumption2.paper_examples.json"
    assert f.exists()
    assert main(["replay", str(f)]) == 0


def test_replay_malformed_exits_2(tmp_path, capsys):
    bad = tmp_path / "x.json"
    bad.write_text("{")
    assert main(["replay", str(bad)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["replay", str(tmp_path / "missing.json")]) == 2


def test_report_writes_all_three_files(tmp_path, capsys):
    out = tmp_path / "rep"
    code = main(["report", "--only", "lds.assumption2", "--out", str(out), "--counterexamples", str(tmp_path / "cx")])
    assert code == 0
    doc = json.loads((out / "evidence.json").read_text())
    assert doc["schema_version"] == 1 and {c["id"] for c in doc["claims"]} == {"lds.assumption2",
                                                                              "lds.assumption2.paper_examples"}
    for key in ("landscape_version", "profile", "seed", "started", "duration_s", "environment"):
        assert key in doc
    html = (out / "index.html").read_text()
    assert "data:image/png;base64," in html and "lds.assumption2.paper_examples" in html
    err = capsys.readouterr().err  # the slow steps at the end say what they do
    assert "rendering the report (" in err and f"publishing the report into {out} and the counterexamples" in err
    assert "## lds.assumption2" in (out / "report.md").read_text()


def test_help_mentions_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for word in ("list", "check", "report", "replay", "profiles"):
        assert word in out
