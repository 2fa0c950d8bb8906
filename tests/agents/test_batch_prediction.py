"""Batch updating (Sutton & Barto §6.3): batch TD(0) converges to the certainty-equivalence
estimate and batch constant-alpha MC to the sample averages of the returns, checked against
both computed here from the same recorded steps; Example 6.4's eight episodes give V(A) = 3/4
and 0."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gridrl.agents import make_agent
from gridrl.levels import load_level
from gridrl.session import load_agent_state, save_agent_state

A, B, EXIT = 1, 2, 6  # two states of the 5-state walk, and its right exit (a terminal state)
#: Example 6.4: "A,0,B,0", then "B,1" six times, then "B,0".
EXAMPLE_6_4 = [[(A, 0.0, B), (B, 0.0, EXIT)]] + [[(B, 1.0, EXIT)]] * 6 + [[(B, 0.0, EXIT)]]


def feed(agent, episodes) -> None:
    """Recorded episodes of (s, r, s'), each ending in a terminal state, one step at a time."""
    for episode in episodes:
        agent.begin_episode(episode[0][0])
        for s, r, s_next in episode:
            agent.learn(s, 1, r, s_next, terminated=s_next == EXIT, truncated=False)


def walk(max_steps: int | None = None, **dynamics):
    level = load_level("random_walk_5")
    changes = {"max_steps": max_steps} if max_steps else {}
    return dataclasses.replace(level, dynamics=dataclasses.replace(level.dynamics, **changes, **dynamics))


def play(agent, episodes: int) -> list[list[tuple[int, float, int, bool]]]:
    """``episodes`` whole episodes by ``agent``: per step (S_t, R_t+1, S_t+1, terminated)."""
    terminal = agent.env.model.terminal
    played = []
    for _ in range(episodes):
        steps = []
        while True:
            event = agent.step()
            steps.append((event.state, event.reward, event.next_state, bool(terminal[event.next_state])))
            if event.done:
                break
        played.append(steps)
    return played


def certainty_equivalence(played, n_states: int, gamma: float, v0: float) -> np.ndarray:
    """The v of the maximum-likelihood model of the steps (§6.3): r(s) the mean reward after s,
    p(s'|s) the fraction of the steps from s that went to s' (a terminal s' is worth 0), v
    solving v = r + gamma P v over the states left; a state never left keeps v0."""
    n, R, C = np.zeros(n_states), np.zeros(n_states), np.zeros((n_states, n_states))
    for s, r, s_next, terminated in (step for episode in played for step in episode):
        n[s] += 1
        R[s] += r
        C[s, s_next] += not terminated
    left = n > 0
    V = np.full(n_states, v0)
    r_hat, P_hat = R[left] / n[left], C[left] / n[left, None]
    V[left] = np.linalg.solve(np.eye(left.sum()) - gamma * P_hat[:, left], r_hat + gamma * P_hat[:, ~left] @ V[~left])
    return V


def sample_averages(played, n_states: int, gamma: float, v0: float, first_only: bool) -> np.ndarray:
    """Per state, the mean of the returns G_t that followed it (each episode's first visit only,
    or every visit); a state never visited keeps v0."""
    returns: list[list[float]] = [[] for _ in range(n_states)]
    for episode in played:
        G, followed = 0.0, []
        for s, r, _, _ in reversed(episode):
            G = r + gamma * G
            followed.append((s, G))
        seen = set()
        for s, G in reversed(followed):  # forwards in time
            if not (first_only and s in seen):
                returns[s].append(G)
            seen.add(s)
    return np.array([np.mean(g) if g else v0 for g in returns])


# --------------------------------------------------------------------------- Example 6.4


@pytest.mark.parametrize(("name", "params", "V_A"), [
    ("td-prediction", {}, 0.75),
    ("mc-prediction", {}, 0.0),
    ("mc-prediction", {"alpha": 0.1, "visits": "every"}, 0.0),
])  # fmt: skip
def test_example_6_4(name, params, V_A):
    """V(B) = 3/4 (six returns of 1 in eight) for both; V(A) = 3/4 for batch TD (A always went
    to B, worth 3/4: the Markov model's answer), 0 for batch MC (A's one return was 0)."""
    agent = make_agent(name, walk(), {"batch": True, "v0": 0.5, **params})
    feed(agent, EXAMPLE_6_4)
    np.testing.assert_allclose(agent.V[[A, B]], [V_A, 0.75], rtol=0, atol=1e-6)
    assert agent.V[3] == 0.5  # never visited: no increments, V stays at v0


# --------------------------------------------------------------------------- the fixed points


@pytest.mark.parametrize("alpha", [0.05, 0.5])
@pytest.mark.parametrize(("level", "gamma", "terminated"), [(walk(max_steps=8), 0.9, {True, False}),
                                                        (walk(), 1.0, {True})])  # fmt: skip
def test_batch_td_is_the_certainty_equivalence_estimate(level, gamma, terminated, alpha):
    """After every episode of 30, through exits and time limits (a truncated step bootstraps
    from V(S'), a terminating one does not; gamma < 1 there, as walks that were all cut short
    have no certainty-equivalence value at gamma = 1). alpha 0.5 is past 1/n(s) after a few
    episodes and is lowered; the fixed point is the same."""
    agent = make_agent("td-prediction", level, {"policy": "moves", "v0": 0.5, "alpha": alpha, "gamma": gamma,
                                                "batch": True}, seed=2)  # fmt: skip
    played, ends = [], set()
    for _ in range(30):
        played += play(agent, 1)
        ends.add(played[-1][-1][3])
        expected = certainty_equivalence(played, agent.n_states, gamma, v0=0.5)
        np.testing.assert_allclose(agent.V[1:6], expected[1:6], rtol=0, atol=1e-6)
    assert ends == terminated  # the time limit cut some walks: both kinds of end were replayed


@pytest.mark.parametrize(("visits", "alpha"), [("every", 0.02), ("first", 0.02), ("first", None), ("every", 0.9)])
def test_batch_mc_is_the_sample_average_of_the_returns(visits, alpha):
    """After every episode of 30 on the walk cut at 8 steps (a truncated return is the sum of
    the rewards seen), with gamma 0.9 so that a state's returns differ within an episode."""
    agent = make_agent("mc-prediction", walk(max_steps=8), {"policy": "moves", "v0": 0.5, "alpha": alpha,
                                                           "visits": visits, "gamma": 0.9, "batch": True}, seed=5)  # fmt: skip
    played = []
    for _ in range(30):
        played += play(agent, 1)
        expected = sample_averages(played, agent.n_states, 0.9, v0=0.5, first_only=visits == "first")
        np.testing.assert_allclose(agent.V, np.where(agent.inactive, 0.0, expected), rtol=0, atol=1e-6)


def test_every_visit_and_first_visit_differ():
    """The walk revisits states, so the two averages are different numbers (the test above
    would not tell them apart otherwise)."""
    level = walk(max_steps=8)
    first, every = (make_agent("mc-prediction", level, {"policy": "moves", "visits": v, "gamma": 0.9, "batch": True},
                               seed=5) for v in ("first", "every"))  # fmt: skip
    for _ in range(30):
        first.episode(), every.episode()
    assert np.abs(first.V - every.V).max() > 0.01


# --------------------------------------------------------------------------- how it runs


def test_nothing_changes_before_the_episode_ends_and_an_update_is_an_episode():
    agent = make_agent("td-prediction", walk(), {"policy": "moves", "v0": 0.5, "batch": True}, seed=1)
    event = agent.step()
    assert not event.done and event.changed.size == 0 and (agent.V[1:6] == 0.5).all()
    event = agent.update()
    assert event.done and event.changed.size > 0 and event.backup["converged"]
    assert event.info["batch_passes"] == event.backup["passes"] > 1


def test_max_passes_stops_the_replay_and_says_so():
    agent = make_agent("td-prediction", walk(), {"policy": "moves", "v0": 0.5, "batch": True, "max_passes": 3}, seed=1)
    event = agent.episode()
    assert event.backup["passes"] == 3 and not event.backup["converged"]


@pytest.mark.parametrize("name", ["td-prediction", "mc-prediction"])
def test_a_saved_batch_resumes_where_it_was(name, tmp_path):
    """The batch's sums are saved with V: a reloaded agent replays the old episodes too."""
    params = {"policy": "moves", "v0": 0.5, "batch": True, "alpha": 0.05}
    agent = make_agent(name, walk(), params, seed=3)
    for _ in range(5):
        agent.episode()
    save_agent_state(agent, tmp_path / "agent.npz")
    reloaded = make_agent(name, walk(), params, seed=99)
    load_agent_state(reloaded, tmp_path / "agent.npz")
    feed(agent, EXAMPLE_6_4)
    feed(reloaded, EXAMPLE_6_4)
    np.testing.assert_allclose(reloaded.V, agent.V, rtol=0, atol=1e-9)
