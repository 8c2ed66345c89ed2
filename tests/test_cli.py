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
    assert "unknown profile 'fast'; expected one of quick, standard, thorough" in capsys.readouterr().err


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
    assert "## lds.assumption2" in (out / "report.md").read_text()


def test_help_mentions_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for word in ("list", "check", "report", "replay", "profiles"):
        assert word in out
