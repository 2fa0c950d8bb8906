"""The ``pairs_file`` hyperparameter of dpo and rlhf-ppo: a preference file is the same data as
the synthetic pairs it was saved from (training from it gives the very same policy, on a bandit
and on a gridworld), and a wrong file is a message saying what to fix, never a traceback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gridrl.agents import HyperparameterError, make_agent
from gridrl.cli import main
from gridrl.levels import load_level
from gridrl.preferences import Pair, PreferenceData, PreferenceWarning, save_preferences

GARDEN = load_level("garden")
BANDIT = load_level("preference_bandit")


def trained(agent, updates: int):
    for _ in range(updates):
        agent.update()
    return agent


@pytest.mark.parametrize("name, suffix", [("dpo", ".jsonl"), ("dpo", ".yaml"), ("rlhf-ppo", ".jsonl")])
def test_gridworld_pairs_saved_and_loaded_train_the_same_policy(tmp_path: Path, name: str, suffix: str) -> None:
    params = {"reference": "sft", "pairs": 60, "batch_size": 32}
    synthetic = make_agent(name, GARDEN, params, seed=2)
    path = tmp_path / f"pairs{suffix}"
    save_preferences(PreferenceData("garden", synthetic.data.pairs), path)
    from_file = make_agent(name, GARDEN, {**params, "pairs_file": str(path)}, seed=2)
    assert from_file.data.pairs == synthetic.data.pairs
    np.testing.assert_array_equal(trained(from_file, 5).theta, trained(synthetic, 5).theta)


@pytest.mark.parametrize("name", ["dpo", "rlhf-ppo"])
def test_bandit_pairs_saved_and_loaded_train_the_same_policy(tmp_path: Path, name: str) -> None:
    params = {"pairs": 300, "batch_size": 64}
    synthetic = make_agent(name, BANDIT, params, seed=5)
    w, l, _ = synthetic.preference_pairs()
    path = tmp_path / "pairs.jsonl"
    save_preferences(PreferenceData("preference_bandit", tuple(Pair(((0, int(a)),), ((0, int(b)),))
                                                               for a, b in zip(w, l))), path)  # fmt: skip
    from_file = make_agent(name, BANDIT, {**params, "pairs_file": str(path)}, seed=5)
    np.testing.assert_array_equal(trained(from_file, 5).theta, trained(synthetic, 5).theta)


def test_a_tie_is_half_a_win_each_way(tmp_path: Path) -> None:
    """DPO reads a tie as the pair once in each order; RLHF's Bradley-Terry fit as y = 1/2."""
    path = tmp_path / "ties.yaml"
    pairs = (Pair(((0, 4),), ((0, 0),)), Pair(((0, 1),), ((0, 2),), tie=True))
    save_preferences(PreferenceData("preference_bandit", pairs), path)
    with pytest.warns(PreferenceWarning, match="groups never compared"):
        agent = make_agent("dpo", BANDIT, {"pairs_file": str(path)})
    assert agent.chosen.tolist() == [4, 1, 2] and agent.rejected.tolist() == [0, 2, 1]
    assert any("groups never compared" in w for w in agent.data_warnings)


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


@pytest.mark.filterwarnings("ignore::gridrl.preferences.PreferenceWarning")  # a single pair, warned before refused
@pytest.mark.parametrize("level, text, message", [
    (GARDEN, None, "no such file|does not exist|not found|cannot"),
    (GARDEN, '{"level": "small_gridworld"}\n{"chosen": [[0, 1]], "rejected": [[0, 2]]}\n',
     "labelled on 'small_gridworld'"),
    (GARDEN, '{"level": "garden"}\n{"chosen": [[99, 1]], "rejected": [[0, 2]]}\n',
     "state 99, which the level does not have"),
    (GARDEN, '{"level": "no_such_level"}\n{"chosen": [[0, 1]], "rejected": [[0, 2]]}\n',
     "neither a bundled level nor a level file"),
    (BANDIT, '{"level": "preference_bandit"}\n{"chosen": [[0, 1], [0, 2]], "rejected": [[0, 2]]}\n',
     "compares segments of several steps"),
    (BANDIT, '{"level": "preference_bandit"}\n{"chosen": [[0, 1]], "rejected": [[0, 7]]}\n',
     "action 7, which the level does not have"),
])  # fmt: skip
def test_a_wrong_pairs_file_says_what_to_fix(tmp_path: Path, level, text, message) -> None:
    path = str(tmp_path / "missing.jsonl") if text is None else write(tmp_path / "pairs.jsonl", text)
    with pytest.raises(HyperparameterError, match=f"pairs_file: .*({message})"):
        make_agent("dpo", level, {"pairs_file": path})


def test_train_from_a_labelled_file_on_the_command_line(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "pairs.jsonl", '{"level": "garden"}\n'
                 '{"chosen": [[0, 1], [1, 1], [2, 1], [3, 1], [4, 2], [9, 2], [14, 2], [19, 2]], '
                 '"rejected": [[0, 1], [1, 2], [6, 2], [11, 1], [12, 1], [13, 1], [14, 2], [19, 2]]}\n')  # fmt: skip
    with pytest.warns(PreferenceWarning, match="there is a single pair"):  # printed on stderr outside pytest
        code = main(["train", "garden", "--agent", "dpo", "--set", f"pairs_file={path}", "--updates", "3", "--quiet"])
    assert code == 0
    code = main(["train", "garden", "--agent", "dpo", "--set", f"pairs_file={tmp_path / 'none.jsonl'}",
                 "--updates", "3"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "pairs_file:" in err and "Traceback" not in err
