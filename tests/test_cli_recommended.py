"""``gridrl train`` with a level's ``recommended:`` settings: used when no budget is given,
``--set`` wins over them, ``--defaults`` and an explicit budget ignore them."""

from __future__ import annotations

import json
from pathlib import Path

from gridrl.cli import main

EXAMPLE = Path(__file__).parent / "levels" / "data" / "recommended_corridor.yaml"


def test_recommended_hyperparameters_and_budget_are_used_and_said(tmp_path, capsys) -> None:
    assert main(["train", str(EXAMPLE), "--agent", "q-learning", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == ("using recommended_corridor's recommended settings for q-learning: "
                                   "alpha=0.3, epsilon=0.2, 30 episodes (--defaults ignores them)")  # fmt: skip
    assert "hyperparameters: alpha=0.3, epsilon=0.2," in out
    assert len(json.loads((tmp_path / "metrics.json").read_text())["episode_returns"]) == 30


def test_set_wins_over_the_recommended_value(tmp_path, capsys) -> None:
    assert main(["train", str(EXAMPLE), "--agent", "q-learning", "--set", "epsilon=0.05", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "recommended settings for q-learning: alpha=0.3, 30 episodes (" in out
    assert "hyperparameters: alpha=0.3, epsilon=0.05," in out


def test_defaults_flag_ignores_them(tmp_path, capsys) -> None:
    assert main(["train", str(EXAMPLE), "--agent", "q-learning", "--defaults", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "recommended settings" not in out
    assert "hyperparameters: alpha=0.5, epsilon=0.1," in out  # q-learning's own defaults
    assert len(json.loads((tmp_path / "metrics.json").read_text())["episode_returns"]) == 500


def test_an_explicit_budget_means_plain_defaults(tmp_path, capsys) -> None:
    assert main(["train", str(EXAMPLE), "--agent", "q-learning", "--episodes", "7", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "recommended settings" not in out and "alpha=0.5, epsilon=0.1," in out
    assert len(json.loads((tmp_path / "metrics.json").read_text())["episode_returns"]) == 7


def test_budget_only_entry_and_an_agent_without_one(tmp_path, capsys) -> None:
    assert main(["train", str(EXAMPLE), "--agent", "value-iteration"]) == 0
    out = capsys.readouterr().out
    assert "recommended settings for value-iteration: 3 updates (" in out and "ran 3 updates" in out
    assert main(["train", str(EXAMPLE), "--agent", "sarsa", "--episodes", "2"]) == 0
    assert "recommended settings" not in capsys.readouterr().out


def test_a_bad_recommended_hyperparameter_names_its_line(tmp_path, capsys) -> None:
    level = tmp_path / "bad.yaml"
    level.write_text(EXAMPLE.read_text().replace("epsilon: 0.2", "epsilon: 3").replace("alpha:", "alpah:"))
    assert main(["train", str(level), "--agent", "q-learning"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"gridrl: {level}:10:23: recommended settings for 'q-learning': unknown hyperparameter "
                          "'alpah'; did you mean 'alpha'?")  # fmt: skip
    level.write_text(EXAMPLE.read_text().replace("epsilon: 0.2", "epsilon: 3"))
    assert main(["train", str(level), "--agent", "q-learning"]) == 2
    err = capsys.readouterr().err
    assert f"{level}:10:35: recommended settings for 'q-learning': epsilon must be a number in [0, 1]" in err
    assert "Traceback" not in err


def test_validate_checks_the_recommended_hyperparameters_as_train_does(tmp_path, capsys) -> None:
    """One check (gridrl.session.recommended_errors) for both commands: validate lists every
    bad setting with its place in the file and exits 1; train stops at the first."""
    level = tmp_path / "bad.yaml"
    level.write_text(EXAMPLE.read_text().replace("epsilon: 0.2", "epsilon: 3").replace("alpha:", "alpah:"))
    assert main(["validate", str(level)]) == 1
    out = capsys.readouterr().out
    first, second = out.splitlines()
    assert first.startswith(f"{level}:10:23: recommended settings for 'q-learning': unknown hyperparameter "
                            "'alpah'; did you mean 'alpha'? Valid: alpha, epsilon,")  # fmt: skip
    assert second == f"{level}:10:35: recommended settings for 'q-learning': epsilon must be a number in [0, 1], got 3"
    assert main(["train", str(level), "--agent", "q-learning"]) == 2
    assert capsys.readouterr().err == f"gridrl: {first}\n"


def test_validate_passes_good_recommended_settings(capsys) -> None:
    assert main(["validate", str(EXAMPLE)]) == 0
    assert capsys.readouterr().out == f"{EXAMPLE}: OK\n"


def test_recommended_errors_reads_one_agent_or_all(tmp_path) -> None:
    from gridrl.levels import load_level
    from gridrl.session import recommended_errors

    level = tmp_path / "two.yaml"
    level.write_text(EXAMPLE.read_text().replace("budget: {updates: 3}", "hyperparameters: {theta: -1}"))
    loaded = load_level(level)
    assert [e.line for e in recommended_errors(loaded)] == [13]
    assert recommended_errors(loaded, "q-learning") == []
    assert "theta" in str(recommended_errors(loaded, "value-iteration")[0])
