"""The optional ``recommended:`` block: per-agent hyperparameters and a training budget."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from gridrl.levels import (
    Budget,
    LevelError,
    Recommended,
    level_to_yaml,
    parse_level,
    read_level_file,
    recommended_for,
    save_level,
)

EXAMPLE = Path(__file__).parent / "data" / "recommended_corridor.yaml"
HEAD = "kind: gridworld\nlayout: |\n  S.G\nrecommended:\n"


def test_the_example_file_parses_into_typed_settings() -> None:
    level = read_level_file(EXAMPLE)
    q = recommended_for(level, "q-learning")
    assert q == Recommended("q-learning", (("alpha", 0.3), ("epsilon", 0.2)), Budget("episode", 30))
    assert q.params == {"alpha": 0.3, "epsilon": 0.2}
    assert recommended_for(level, "value-iteration") == Recommended("value-iteration", (), Budget("update", 3))
    assert recommended_for(level, "sarsa") is None
    # each hyperparameter keeps its place in the file for errors the agent's Config finds later
    err = q.error("epsilon must be ...", "epsilon")
    assert (err.source, err.line, err.column) == (str(EXAMPLE), 10, 35)
    assert q.error("whole entry").line == 9


def test_the_block_round_trips_through_the_saver() -> None:
    level = read_level_file(EXAMPLE)
    text = level_to_yaml(level)
    assert "recommended:\n  q-learning:\n    hyperparameters: {alpha: 0.3, epsilon: 0.2}\n" in text
    assert "    budget: {episodes: 30}\n  value-iteration:\n    budget: {updates: 3}\n" in text
    assert parse_level(text) == level


def test_values_as_people_write_them() -> None:
    level = parse_level(HEAD + "  q-learning:\n    hyperparameters: {alpha: 1e-1, gamma: ~}\n"
                        "    budget: {episodes: 1e3}\n")  # fmt: skip
    r = level.recommended[0]
    assert r.hyperparameters == (("alpha", 0.1), ("gamma", None)) and r.budget == Budget("episode", 1000)
    bandit = parse_level("kind: bandit\ntestbed: true\nrecommended:\n  ppo: {hyperparameters: {objective: clip}}\n")
    assert bandit.recommended == (Recommended("ppo", (("objective", "clip"),)),)


@pytest.mark.parametrize(
    "block, message, line, column",
    [
        ("  q-lerning: {budget: {episodes: 5}}\n", "unknown agent 'q-lerning' in 'recommended'. Did you mean "
         "'q-learning'?", 5, 3),
        ("  ucb: {budget: {steps: 5}}\n", "agent 'ucb' runs on bandit levels; this is a gridworld", 5, 3),
        ("  sarsa: {hyperparameters: {alpha: [1, 2]}}\n", "hyperparameter 'alpha' must be one value (a number, "
         "true/false or text), got a list", 5, 36),
        ("  sarsa: {hyperparameters: {alpha: .nan}}\n", "hyperparameter 'alpha' must be a finite number", 5, 36),
        ("  sarsa: {budget: {episodes: 0}}\n", "'episodes' must be between 1 and 1,000,000,000, got 0", 5, 30),
        ("  sarsa: {budget: {episodes: 2.5}}\n", "'episodes' must be a whole number, got float 2.5", 5, 30),
        ("  sarsa: {budget: {episodes: 5, steps: 9}}\n", "'budget' takes one budget, got episodes and steps", 5, 33),
        ("  sarsa: {budget: {seconds: 5}}\n", "unknown key 'seconds' in 'budget'.", 5, 20),
        ("  sarsa: {budget: {}}\n", "'budget' needs a budget: 'episodes: N', 'steps: N' or 'updates: N'", 5, 19),
        ("  sarsa: {budget: {episodes: ~}}\n", "'episodes' needs a number, e.g. 'episodes: 500'", 5, 30),
        ("  sarsa: {hyperparams: {alpha: 1}}\n", "Did you mean 'hyperparameters'?", 5, 11),
        ("  sarsa: {}\n", "the recommended settings of 'sarsa' are empty", 5, 10),
        ("  sarsa: 5\n", "the recommended settings of 'sarsa' must be a mapping of keys to values, got int 5", 5, 10),
        ("  - sarsa\n", "'recommended' must be a mapping of keys to values, got a list", 5, 3),
    ],
)
def test_bad_blocks_name_their_place(block: str, message: str, line: int, column: int) -> None:
    with pytest.raises(LevelError) as info:
        parse_level(HEAD + block, source="r.yaml")
    err = info.value
    assert message in err.problem
    assert (err.source, err.line, err.column) == ("r.yaml", line, column)


def test_an_empty_block_is_no_settings() -> None:
    assert parse_level(HEAD).recommended == ()


def test_an_edited_and_saved_level_keeps_the_block(tmp_path: Path) -> None:
    # The editor changes levels with dataclasses.replace and saves them with save_level.
    level = replace(read_level_file(EXAMPLE), layout=("S.#.....G",))
    save_level(level, tmp_path / "edited.yaml")
    again = read_level_file(tmp_path / "edited.yaml")
    assert again.layout == ("S.#.....G",) and again.recommended == level.recommended != ()
