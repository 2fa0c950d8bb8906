"""The resource contract: every agent runs on a 256 x 256 open grid within its stated limit or
is refused up front with a message naming the limit and what to do instead; nothing a bundled
level needs is refused; a long unit reports its progress without changing what is learned."""

from __future__ import annotations

import numpy as np
import pytest
from test_cli_policy_map import open_level

from gridrl.agents import REGISTRY, LevelMismatchError, LevelTooLargeError, agent_class, make_agent, make_config
from gridrl.agents.base import MAX_HELD_STEPS, PROGRESS_EVERY
from gridrl.cli import main
from gridrl.levels import GridLevel, bundled_level_names, load_level, parse_level

GRID_AGENTS = [name for name, info in REGISTRY.items() if "gridworld" in info.kinds]
#: Refused with their defaults, and why: the one-hot first layer (cells x hidden), or the whole
#: episodes held before learning (episodes x the level's max_steps, 100 x cells by default).
#: The preference agents: an exact solve per update, one equation per open cell.
REFUSED_256 = {"reinforce": "16 whole episodes", "grpo": "16 whole episodes", "rloo": "8 whole episodes",
               "dpo": "open cells", "rlhf-ppo": "open cells"}  # fmt: skip
REFUSED_1024 = {"monte-carlo": "each episode", "mc-prediction": "each episode", "lambda-return": "each episode",
                **{n: "one-hot input" for n in ("dqn", "reinforce", "actor-critic", "ppo", "trpo", "grpo", "rloo")},
                "dpo": "open cells", "rlhf-ppo": "open cells"}  # fmt: skip


def limit(name: str, level: GridLevel, **params: object) -> str | None:
    cls = agent_class(name)
    return cls.resource_limit(level, make_config(cls.Config, params))


@pytest.mark.parametrize("size, refused", [(256, REFUSED_256), (1024, REFUSED_1024)])
def test_every_agent_states_whether_it_runs_on_an_open_grid(size, refused) -> None:
    level = parse_level(open_level(size, size))
    said = {name: limit(name, level) for name in GRID_AGENTS}
    assert {name for name, text in said.items() if text is not None} == set(refused)
    for name, why in refused.items():
        assert said[name].startswith(f"{name} ") and why in said[name]


def test_a_refusal_names_the_limit_and_what_to_do() -> None:
    level = parse_level(open_level(256, 256))  # max_steps 6,553,600
    text = limit("reinforce", level)
    assert f"{MAX_HELD_STEPS:,}" in text and "6,553,600" in text and f"{16 * 6_553_600:,}" in text
    assert f"max_steps: {MAX_HELD_STEPS // 16:,} or less" in text and "ppo" in text
    big = parse_level(open_level(1024, 1024))
    assert "up to 65,536 cells at hidden=64" in limit("ppo", big) and "obs=coords" in limit("ppo", big)
    assert "up to 4,096 cells at hidden=1024" in limit("ppo", level, hidden=1024)


def test_what_a_refusal_suggests_is_accepted() -> None:
    level = parse_level(open_level(256, 256))
    assert limit("grpo", level, max_episode_steps=MAX_HELD_STEPS // 16) is None
    assert limit("grpo", level, max_episode_steps=MAX_HELD_STEPS // 16 + 1) is not None
    assert limit("reinforce", level, batch_episodes=1) is None  # 6.5M steps held: within the limit
    assert limit("ppo", parse_level(open_level(1024, 1024)), obs="coords") is None
    shorter = parse_level(open_level(256, 256).replace("layout:", f"dynamics: {{max_steps: {MAX_HELD_STEPS // 16}}}\nlayout:"))
    assert limit("reinforce", shorter) is None


def test_make_agent_refuses_before_building_and_the_gui_catches_it() -> None:
    with pytest.raises(LevelTooLargeError, match="16 whole episodes") as caught:
        make_agent("reinforce", parse_level(open_level(256, 256)))
    assert isinstance(caught.value, (LevelMismatchError, ValueError))  # what the app's scenes catch


def test_train_refuses_with_a_message_and_exit_2(tmp_path, capsys) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(open_level(256, 256))
    code = main(["train", str(path), "--agent", "grpo", "--updates", "1", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("gridrl: grpo holds 16 whole episodes") and "Traceback" not in err
    assert "max_episode_steps=524,288 or less" in err and not (tmp_path / "run").exists()


@pytest.mark.parametrize("name", GRID_AGENTS)
def test_no_bundled_level_is_refused(name) -> None:
    for level_name in bundled_level_names():
        level = load_level(level_name)
        if isinstance(level, GridLevel):
            assert limit(name, level) is None, level_name


def test_a_long_episode_reports_its_steps_and_learns_the_same() -> None:
    level = parse_level(open_level(64, 64))
    heard: list[tuple[int, str]] = []
    watched, plain = make_agent("q-learning", level, seed=3), make_agent("q-learning", level, seed=3)
    watched.on_progress = lambda count, what: heard.append((count, what))
    event = watched.advance("episode")
    assert event.steps > 3 * PROGRESS_EVERY  # an open 64 x 64 grid takes thousands of steps at first
    assert heard == [(k * PROGRESS_EVERY, "steps") for k in range(1, (event.steps - 1) // PROGRESS_EVERY + 1)]
    assert plain.advance("episode").steps == event.steps and np.array_equal(plain.Q, watched.Q)
    assert np.array_equal(event.changed, np.flatnonzero(watched.visits))  # every visited state was updated


def test_a_run_to_convergence_reports_its_sweeps() -> None:
    agent = make_agent("value-iteration", parse_level(open_level(20, 20)))
    heard: list[tuple[int, str]] = []
    agent.on_progress = lambda count, what: heard.append((count, what))
    agent.advance("episode")
    sweeps = agent.insight().extras["sweeps"]
    assert sweeps > 20 and heard == [(k, "sweeps") for k in range(1, sweeps + 1)]
