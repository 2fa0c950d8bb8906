"""Tabular control agents (Monte Carlo, Sarsa, Expected Sarsa, Q-learning) against the book.

Cliff Walking (Example 6.6, Figure 6.4): Q-learning's greedy path runs along the edge, Sarsa's
and Expected Sarsa's keep away from it and earn more while exploring. Windy Gridworld
(Example 6.5, Figure 6.3's ~170 episodes in ~8000 steps). First-visit MC counted on a
scripted episode. Truncation bootstraps, termination does not. Validation, determinism,
insight and save/load.
"""

from __future__ import annotations

import dataclasses
import textwrap
from functools import lru_cache

import numpy as np
import pytest

from gridrl.agents import HyperparameterError, agent_class, make_agent
from gridrl.agents.common.exploration import epsilon_greedy_probs
from gridrl.envs import GridWorldEnv
from gridrl.levels import load_level, parse_level

UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3
TABULAR = ["monte-carlo", "sarsa", "expected-sarsa", "q-learning"]
TD = ["sarsa", "expected-sarsa", "q-learning"]
CLIFF_SEEDS = (0, 1, 2)


def level_from_text(text: str):
    return parse_level(textwrap.dedent(text), source="<test>")


def train(name: str, level, params: dict, seed: int, episodes: int):
    """The agent after ``episodes`` episodes, with each episode's online return and length."""
    agent = make_agent(name, level, params, seed=seed)
    returns, lengths = [], []
    for _ in range(episodes):
        event = agent.episode()
        returns.append(event.episode_return)
        lengths.append(event.episode_length)
    return agent, np.array(returns), np.array(lengths)


def greedy_path(agent, limit: int = 200) -> list[tuple[int, int]] | None:
    """Cells visited following argmax_a Q(s, a) from the start on a deterministic level,
    start and goal included; None if the greedy policy does not reach a terminal cell."""
    env = GridWorldEnv(agent.level)
    s, _ = env.reset(seed=0)
    cols = env.model.shape[1]
    path = [divmod(int(s), cols)]
    for _ in range(limit):
        s, _, terminated, _, info = env.step(int(np.argmax(agent.Q[s])))
        assert info["prob"] == 1.0, "greedy_path needs a deterministic level"
        path.append(divmod(int(s), cols))
        if terminated:
            return path
    return None


def scripted(agent, actions: list[int]) -> None:
    """Make ``agent`` take ``actions`` in order instead of sampling its policy."""
    queue = iter(actions)
    agent.choose = lambda s: next(queue)


# --------------------------------------------------------------------------- Cliff Walking


@lru_cache(maxsize=None)
def cliff_run(name: str, seed: int, alpha: float):
    """One 500-episode run on Cliff Walking with epsilon = 0.1 (shared between tests)."""
    return train(name, load_level("cliff_walking"), {"epsilon": 0.1, "alpha": alpha}, seed, 500)


def online_return(name: str, alpha: float) -> float:
    """Mean return of the last 100 episodes, averaged over CLIFF_SEEDS."""
    return float(np.mean([cliff_run(name, seed, alpha)[1][-100:].mean() for seed in CLIFF_SEEDS]))


def assert_safe_path(path, label: str) -> None:
    assert path is not None, f"{label}: the greedy policy never reaches the goal"
    assert path[0] == (3, 0) and path[-1] == (3, 11), f"{label}: {path}"
    assert len(path) - 1 > 13, f"{label}: {len(path) - 1} steps, the cliff-edge path is 13"
    in_bottom_row = [cell for cell in path[1:-1] if cell[0] == 3]
    assert not in_bottom_row, f"{label}: the greedy path steps into the cliff row at {in_bottom_row}"


@pytest.mark.parametrize("seed", CLIFF_SEEDS)
def test_q_learning_cliff_greedy_path_is_the_cliff_edge(seed):
    agent, _, _ = cliff_run("q-learning", seed, 0.5)
    edge = [(3, 0)] + [(2, c) for c in range(12)] + [(3, 11)]
    path = greedy_path(agent)
    assert path == edge, f"seed {seed}: greedy path {path}"
    assert len(path) - 1 == 13


@pytest.mark.parametrize("seed", [0, 1, 3])
def test_sarsa_cliff_greedy_path_is_longer_and_safe(seed):
    """Not seed 2: there, after 500 episodes at constant alpha 0.5, two neighbouring cells'
    greedy actions point at each other and the greedy policy loops (the looping Sarsa of the
    defaults matrix's cliff lesson); seeds 0, 1 and 3-7 walk a 17-step safe path."""
    agent, _, _ = cliff_run("sarsa", seed, 0.5)
    assert_safe_path(greedy_path(agent), f"sarsa seed {seed}")


def test_sarsa_earns_more_online_than_q_learning_on_cliff():
    """Figure 6.4: Sarsa about -25 per episode while exploring, Q-learning about -50."""
    sarsa, q_learning = online_return("sarsa", 0.5), online_return("q-learning", 0.5)
    assert -35 <= sarsa <= -15, f"Sarsa's online return {sarsa:.1f}, the book's is about -25"
    assert -75 <= q_learning <= -35, f"Q-learning's online return {q_learning:.1f}, the book's ~-50"
    assert sarsa > q_learning + 10


@pytest.mark.parametrize("seed", CLIFF_SEEDS)
def test_expected_sarsa_alpha_1_learns_the_safe_path(seed):
    agent, _, _ = cliff_run("expected-sarsa", seed, 1.0)
    assert_safe_path(greedy_path(agent), f"expected-sarsa seed {seed}")


def test_expected_sarsa_alpha_1_earns_more_online_than_q_learning():
    """Figure 6.3: with alpha = 1 Expected Sarsa is stable and beats Q-learning online."""
    expected, q_learning = online_return("expected-sarsa", 1.0), online_return("q-learning", 0.5)
    assert -30 <= expected <= -13, f"Expected Sarsa's online return {expected:.1f}"
    assert expected > q_learning + 10


# --------------------------------------------------------------------------- Windy Gridworld


def windless(level):
    """The same level with every tile's wind set to zero."""
    legend = tuple(dataclasses.replace(kind, wind=(0, 0)) for kind in level.legend)
    return dataclasses.replace(level, legend=legend)


def test_windy_gridworld_sarsa_takes_the_books_number_of_steps():
    """Figure 6.3 (Example 6.5): Sarsa, epsilon 0.1, alpha 0.5 finishes ~170 episodes in ~8000
    steps. The same run with the wind switched off takes fewer than 5000: the band sees the wind."""
    level, params = load_level("windy_gridworld"), {"epsilon": 0.1, "alpha": 0.5}
    _, _, lengths = train("sarsa", level, params, 0, 170)
    assert 7000 <= lengths.sum() <= 10000, f"170 episodes took {lengths.sum()} steps, the book ~8000"
    assert lengths[-20:].mean() < lengths[:20].mean() / 4, "episodes did not get shorter"
    _, _, calm = train("sarsa", windless(level), params, 0, 170)
    assert calm.sum() < 5000, f"without wind: {calm.sum()} steps"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_windy_gridworld_sarsa_greedy_path_is_near_optimal(seed):
    """After training the greedy path takes 15-17 steps (15 is optimal; 7 if the wind were
    ignored). epsilon decays to ~0 so Q settles: with epsilon fixed at 0.1 and alpha 0.5 the
    greedy policy of any one moment often loops."""
    params = {"epsilon": 0.1, "alpha": 0.5, "epsilon_decay": 0.98}
    agent, _, _ = train("sarsa", load_level("windy_gridworld"), params, seed, 300)
    path = greedy_path(agent)
    assert path is not None and 15 <= len(path) - 1 <= 17, f"greedy path {path}"
    assert path[-1] == (3, 7)


# --------------------------------------------------------------------------- Monte Carlo

GRID_3X4 = """
    kind: gridworld
    name: three by four
    layout: |
      S...
      .#..
      ...G
    dynamics:
      gamma: 0.9
"""


@pytest.mark.parametrize("alpha", [None, 0.1])
def test_monte_carlo_corridor_greedy_policy_walks_right(alpha):
    agent, _, _ = train("monte-carlo", load_level("corridor"), {"alpha": alpha}, 0, 100)
    model = agent.env.model
    for s in range(model.n_states):
        if not model.terminal[s]:
            assert int(np.argmax(agent.Q[s])) == RIGHT, f"state {s}: Q {agent.Q[s]}"
    assert len(greedy_path(agent)) - 1 == 8


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_monte_carlo_3x4_greedy_path_is_shortest(seed):
    agent, _, _ = train("monte-carlo", level_from_text(GRID_3X4), {}, seed, 100)
    path = greedy_path(agent)
    assert path is not None and len(path) - 1 == 5, f"greedy path {path}, shortest is 5 steps"


SHORT = """
    kind: gridworld
    name: short corridor
    layout: |
      S.G
    dynamics:
      gamma: 0.9
"""


def test_monte_carlo_first_visit_counts_a_repeated_pair_once():
    """Episode LEFT (bump), LEFT (bump), RIGHT, RIGHT from S: (S, LEFT) is visited at t = 0 and
    t = 1. First-visit MC appends only G_0 = 0.9^3: N = 1 and Q = 0.729 (every-visit would
    give N = 2, Q = (0.729 + 0.81) / 2)."""
    agent = make_agent("monte-carlo", level_from_text(SHORT), seed=0)
    scripted(agent, [LEFT, LEFT, RIGHT, RIGHT])
    events = [agent.step() for _ in range(4)]
    for event in events[:-1]:  # nothing is learned before the episode ends
        assert len(event.changed) == 0 and event.td_error is None and not event.done
    assert events[-1].done
    assert agent.N[0, LEFT] == 1
    assert agent.Q[0, LEFT] == pytest.approx(0.9**3)
    assert agent.N[0, RIGHT] == 1 and agent.Q[0, RIGHT] == pytest.approx(0.9)
    assert agent.N[1, RIGHT] == 1 and agent.Q[1, RIGHT] == pytest.approx(1.0)
    assert agent.N.sum() == 3 and agent.visits[0] == 3
    assert events[-1].changed.tolist() == [0, 1]
    assert [(u["s"], u["a"], u["t"]) for u in events[-1].backup["updates"]] == [
        (1, RIGHT, 3), (0, RIGHT, 2), (0, LEFT, 0)
    ]  # fmt: skip
    # td_error and backup describe the last update, the pair S_0, A_0 (its Q was 0)
    assert events[-1].td_error == pytest.approx(0.9**3)
    assert events[-1].backup["G"] == pytest.approx(0.9**3)


@pytest.mark.parametrize(
    ("alpha", "expected"), [(None, (0.9**3 + 0.9**2) / 2), (0.5, 0.5 * (0.5 * 0.9**3) + 0.5 * 0.9**2)]
)
def test_monte_carlo_sample_average_or_constant_alpha(alpha, expected):
    """Two episodes from (S, LEFT): returns 0.729 then 0.81. Sample averages give their mean;
    alpha = 0.5 gives 0.5 * 0.3645 + 0.5 * 0.81 (recent returns weigh more)."""
    agent = make_agent("monte-carlo", level_from_text(SHORT), {"alpha": alpha}, seed=0)
    scripted(agent, [LEFT, LEFT, RIGHT, RIGHT, LEFT, RIGHT, RIGHT])
    agent.episode()
    agent.episode()
    assert agent.N[0, LEFT] == 2
    assert agent.Q[0, LEFT] == pytest.approx(expected)


def test_monte_carlo_update_is_one_episode():
    agent = make_agent("monte-carlo", load_level("corridor"), seed=0)
    event = agent.update()
    assert event.unit == "update" and event.done
    assert event.steps == event.episode_length > 0
    assert agent.episodes_done == 1 and agent.trajectory == []
    assert len(event.changed) > 0 and event.backup["T"] == event.steps


def test_monte_carlo_truncated_return_is_only_the_rewards_seen():
    """A time limit cuts the episode: G is the discounted sum observed, no bootstrap."""
    level = level_from_text("""
        kind: gridworld
        name: cut short
        layout: |
          S....G
        dynamics:
          gamma: 0.9
          step_reward: -1
          max_steps: 2
    """)
    agent = make_agent("monte-carlo", level, seed=0)
    agent.Q[2] = 100.0  # where the episode is cut: must not leak into G
    scripted(agent, [RIGHT, RIGHT])
    event = agent.episode()
    assert event.done and event.episode_length == 2 and not agent.env.model.terminal[event.next_state]
    assert agent.Q[0, RIGHT] == pytest.approx(-1 - 0.9)
    assert agent.Q[1, RIGHT] == pytest.approx(-1)


# --------------------------------------------------------------------------- TD targets


CUT = """
    kind: gridworld
    name: cut short
    layout: |
      S....G
    dynamics:
      gamma: 0.9
      step_reward: -1
      max_steps: 2
"""

REACHED = """
    kind: gridworld
    name: reached
    layout: |
      S.G
    dynamics:
      gamma: 0.9
"""


def _right_preferring(name: str, text: str):
    """An agent with epsilon 0 and Q(., RIGHT) = 5 everywhere (terminal states included, so a
    wrong bootstrap from a terminal state would show)."""
    agent = make_agent(name, level_from_text(text), {"epsilon": 0.0}, seed=0)
    agent.Q[:, RIGHT] = 5.0
    return agent


@pytest.mark.parametrize("name", TD)
def test_truncation_bootstraps(name):
    agent = _right_preferring(name, CUT)
    agent.step()
    event = agent.step()  # the time limit: 2 steps, S' = cell 2 is not terminal
    assert event.done and event.episode_length == 2
    assert not agent.env.model.terminal[event.next_state]
    assert event.backup["target"] == pytest.approx(-1 + 0.9 * 5.0)
    assert event.td_error == pytest.approx(-1 + 0.9 * 5.0 - 5.0)
    assert event.backup["Q_new"] == pytest.approx(5.0 + 0.5 * event.td_error)
    if name == "sarsa":
        assert event.backup["a_next"] == RIGHT


@pytest.mark.parametrize("name", TD)
def test_termination_does_not_bootstrap(name):
    agent = _right_preferring(name, REACHED)
    agent.step()
    event = agent.step()  # enters G: reward +1, terminal
    assert event.done and agent.env.model.terminal[event.next_state]
    assert event.reward == 1.0
    assert event.backup["target"] == pytest.approx(1.0)
    assert agent.Q[1, RIGHT] == pytest.approx(5.0 + 0.5 * (1.0 - 5.0))
    if name == "sarsa":
        assert event.backup["a_next"] is None


def test_sarsa_target_uses_the_action_taken_next():
    """Line 7-9: A' in the target is exactly the next step's action, chosen before the update."""
    agent = make_agent("sarsa", load_level("cliff_walking"), {"epsilon": 0.5}, seed=3)
    previous = None
    checked = 0
    for _ in range(3000):
        Q_before = agent.Q.copy()
        event = agent.step()
        b = event.backup
        if previous is not None:
            assert event.action == previous.backup["a_next"], "Sarsa acted with a fresh action"
            checked += 1
        if event.done:
            previous = None
            continue
        assert b["Q_next"] == Q_before[b["s_next"], b["a_next"]]
        assert b["target"] == pytest.approx(b["r"] + agent.gamma * b["Q_next"])
        previous = event
    assert checked > 2500


def test_expected_sarsa_target_is_the_expectation_under_epsilon_greedy():
    agent = make_agent("expected-sarsa", load_level("cliff_walking"), {"epsilon": 0.2}, seed=1)
    for _ in range(2000):
        Q_before = agent.Q.copy()
        event = agent.step()
        if event.done:
            continue
        b = event.backup
        pi = epsilon_greedy_probs(Q_before[b["s_next"]], 0.2)
        assert b["pi_next"] == pytest.approx(pi.tolist())
        assert b["expected_Q_next"] == pytest.approx(float(pi @ Q_before[b["s_next"]]))
        assert b["target"] == pytest.approx(b["r"] + b["expected_Q_next"])  # gamma = 1


@pytest.mark.parametrize("name", TABULAR)
def test_event_carries_equation_and_backup(name):
    agent = make_agent(name, load_level("corridor"), seed=0)
    event = agent.episode()  # for MC the last step carries the episode's update
    assert event.equation.startswith("Q(s,a) <- Q(s,a) +")
    for key in ("s", "a", "alpha", "gamma", "Q_old", "target", "td_error", "Q_new"):
        assert key in event.backup, f"{name}: backup lacks {key}"
    assert event.td_error == pytest.approx(event.backup["td_error"])
    assert agent.Q[event.backup["s"], event.backup["a"]] == pytest.approx(event.backup["Q_new"])


# --------------------------------------------------------------------------- hyperparameters


@pytest.mark.parametrize("name", ["monte-carlo", "sarsa", "expected-sarsa"])
def test_hyperparameters_match_q_learning(name):
    """Same names and ranges as q-learning (MC's alpha may also be none: sample averages)."""
    ours = {h.name: h for h in agent_class(name).spec()}
    reference = {h.name: h for h in agent_class("q-learning").spec()}
    assert list(ours) == list(reference)
    for key, h in reference.items():
        mine = ours[key]
        assert (mine.low, mine.high, mine.low_open, mine.type) == (h.low, h.high, h.low_open, h.type)
        if not (name == "monte-carlo" and key == "alpha"):
            assert (mine.default, mine.optional) == (h.default, h.optional), key
    if name == "monte-carlo":
        assert ours["alpha"].default is None and ours["alpha"].optional


@pytest.mark.parametrize("name", TABULAR)
def test_bad_hyperparameters_are_refused(name):
    level = load_level("corridor")
    spec = {h.name: h for h in agent_class(name).spec()}
    with pytest.raises(HyperparameterError) as info:
        make_agent(name, level, {"epsilon": 3})
    assert "epsilon" in str(info.value) and spec["epsilon"].range_text() in str(info.value)
    for alpha in (-0.5, 0.0, 1.5):
        with pytest.raises(HyperparameterError, match="alpha"):
            make_agent(name, level, {"alpha": alpha})
    with pytest.raises(HyperparameterError, match="did you mean 'alpha'"):
        make_agent(name, level, {"alpah": 0.1})
    agent = make_agent(name, level, {"alpha": "0.25", "gamma": "none", "epsilon": 0.2})
    assert agent.config.alpha == 0.25 and agent.config.gamma is None
    assert agent.gamma == level.dynamics.gamma


def test_monte_carlo_alpha_none_means_sample_averages():
    agent = make_agent("monte-carlo", load_level("corridor"), {"alpha": "none"})
    assert agent.config.alpha is None
    assert "1/N" in agent.episode().equation


# --------------------------------------------------------------------------- determinism, insight, state

SLIPPERY = """
    kind: gridworld
    name: slippery three by four
    layout: |
      S...
      .#.X
      ...G
    dynamics:
      gamma: 0.9
      step_reward: -0.1
      slip: 0.2
"""


@pytest.mark.parametrize("name", TABULAR)
def test_same_seed_same_Q(name):
    level = level_from_text(SLIPPERY)
    first, _, _ = train(name, level, {}, 7, 50)
    second, _, _ = train(name, level, {}, 7, 50)
    other, _, _ = train(name, level, {}, 8, 50)
    assert np.array_equal(first.Q, second.Q) and np.array_equal(first.visits, second.visits)
    assert np.any(first.Q != 0)
    assert not np.array_equal(first.Q, other.Q), "the seed changes nothing"


@pytest.mark.parametrize("name", TABULAR)
def test_insight_is_epsilon_greedy_of_Q(name):
    level = load_level("cliff_walking")
    agent, _, _ = train(name, level, {"epsilon": 0.3, "epsilon_decay": 0.9}, 0, 5)
    insight = agent.insight()
    S = agent.n_states
    assert agent.epsilon == pytest.approx(0.3 * 0.9**5)
    assert insight.Q.shape == insight.pi.shape == (S, 4)
    assert insight.V.shape == insight.visits.shape == (S,)
    assert np.allclose(insight.pi.sum(axis=1), 1.0)
    assert np.allclose(insight.pi, epsilon_greedy_probs(agent.Q, agent.epsilon))
    assert np.allclose(insight.Q, agent.Q) and insight.Q is not agent.Q
    terminal = agent.env.model.terminal
    expected_V = (insight.pi * agent.Q).sum(axis=1)
    if name == "q-learning":
        expected_V = agent.Q.max(axis=1)
    assert np.allclose(insight.V[~terminal], expected_V[~terminal])
    assert np.all(insight.V[terminal] == 0)
    assert np.array_equal(insight.visits, agent.visits) and insight.visits.sum() > 0


@pytest.mark.parametrize("name", TABULAR)
def test_state_dict_round_trip(name):
    level = level_from_text(SLIPPERY)
    agent, _, _ = train(name, level, {}, 3, 30)
    state = agent.state_dict()
    agent.Q[:] = 0.0  # the saved state is a copy
    assert np.any(state["Q"] != 0)
    fresh = make_agent(name, level, seed=99)
    fresh.load_state_dict(state)
    assert np.array_equal(fresh.Q, state["Q"]) and np.array_equal(fresh.visits, state["visits"])
    assert fresh.episodes_done == 30 and fresh.epsilon == agent.epsilon
    if name == "monte-carlo":
        assert np.array_equal(fresh.N, state["N"]) and fresh.N.sum() > 0
    assert np.allclose(fresh.insight().pi, epsilon_greedy_probs(state["Q"], fresh.epsilon))
    with pytest.raises(KeyError):
        fresh.load_state_dict({"not_learned": 1})
