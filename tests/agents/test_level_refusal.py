"""``level_refusal`` answers from the registry alone whether an agent can run on a level (the app
asks it before importing the agent): it must agree with what every class refuses, and
``gridrl train`` says it in one line."""

from __future__ import annotations

import pytest

from gridrl.agents import REGISTRY, LevelMismatchError, agent_class, level_refusal, make_agent
from gridrl.cli import main
from gridrl.levels import load_level, parse_level

DRIFTING = "kind: bandit\nname: drifting\narms: [{name: a, mean: 0.0}, {name: b, mean: 1.0}]\nnonstationary: {walk_std: 0.1}"
LEVELS = {"corridor": load_level("corridor"), "bernoulli_3": load_level("bernoulli_3"),
          "ten_armed_testbed": load_level("ten_armed_testbed"), "drifting": parse_level(DRIFTING)}  # fmt: skip


@pytest.mark.parametrize("name", list(REGISTRY))
def test_the_registry_refuses_exactly_what_the_class_refuses(name):
    """The class itself, not make_agent (which asks level_refusal first)."""
    cls = agent_class(name)
    for level_name, level in LEVELS.items():
        refusal = level_refusal(name, level)
        if refusal:
            with pytest.raises(LevelMismatchError):
                cls(level, cls.Config(), seed=0)
        else:
            cls(level, cls.Config(), seed=0)  # raises if the registry promised too much
        assert bool(refusal) == (level.kind not in REGISTRY[name].kinds or (
            REGISTRY[name].needs_fixed_reward and level_name in ("ten_armed_testbed", "drifting"))), level_name


def test_the_preference_agents_need_a_fixed_reward_and_no_other_does():
    assert {n for n, info in REGISTRY.items() if info.needs_fixed_reward} == {"dpo", "rlhf-ppo"}


def test_make_agent_refuses_a_wrong_kind_before_the_agent_reads_the_level():
    """Monte Carlo's resource limit reads max_steps, which a bandit does not have."""
    with pytest.raises(LevelMismatchError, match="agent 'monte-carlo' runs on gridworld levels; 'Three Bernoulli"):
        make_agent("monte-carlo", LEVELS["bernoulli_3"])


def test_the_refusal_says_why_and_what_to_pick_instead():
    assert level_refusal("dpo", LEVELS["ten_armed_testbed"]) == (
        "agent 'dpo' labels its preference pairs from the arms' true means, and 'Ten-armed testbed (Sutton & "
        "Barto Figure 2.2)' draws new arms for every run, so it has none to label with; pick a bandit with "
        "fixed arms, e.g. preference_bandit"
    )
    assert "'drifting' lets its arms drift" in level_refusal("rlhf-ppo", LEVELS["drifting"])
    assert level_refusal("ucb", LEVELS["corridor"]) == "agent 'ucb' runs on bandit levels; 'Corridor' is a gridworld"
    assert level_refusal("dpo", LEVELS["bernoulli_3"]) == ""


@pytest.mark.parametrize("agent", ["dpo", "rlhf-ppo"])
def test_train_on_the_testbed_prints_one_line_and_exits_2(agent, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["train", "ten_armed_testbed", "--agent", agent, "--out", "run"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err == f"gridrl: {level_refusal(agent, LEVELS['ten_armed_testbed'])}\n"
    assert not list(tmp_path.iterdir())  # refused before anything is written
