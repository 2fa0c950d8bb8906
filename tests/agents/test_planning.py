"""Planning agents (Sutton & Barto ch. 8) against the book: Dyna-Q, Dyna-Q+, prioritized sweeping.

Dyna-Q with n = 0 is Q-learning update for update; planning has its own random stream; the
Dyna maze's shortest path is 14 (Example 8.1); Figure 8.2's steps per episode for n = 0, 5,
50; prioritized sweeping's sweep backs a chain up to the exact q*; Dyna-Q+'s bonus and its
footnote's model of untried actions.
"""

from __future__ import annotations

import numpy as np
import pytest

from gridrl.agents import make_agent
from gridrl.envs import TabularModel
from gridrl.envs.evaluation import optimal_value
from gridrl.levels import load_level

from learning_helpers import greedy_path_length

UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3
#: Figure 8.2's settings: alpha 0.1, epsilon 0.1 (gamma 0.95 is the level's).
FIGURE_8_2 = {"alpha": 0.1, "epsilon": 0.1}


def real_steps(agent, steps: int) -> list[tuple]:
    """(S, A, R, S', Q(S,A) after the update) of ``steps`` real steps."""
    out = []
    for _ in range(steps):
        e = agent.step()
        out.append((e.state, e.action, e.reward, e.next_state, e.backup["Q_new"]))
    return out


@pytest.mark.parametrize("level", ["dyna_maze", "frozen_lake_4x4"])
def test_dyna_q_with_no_planning_is_q_learning_update_for_update(level):
    """Same seed, same steps, same updates, same Q table (frozen_lake_4x4 is slippery: the
    environment's draws must line up too)."""
    lv = load_level(level)
    dyna = make_agent("dyna-q", lv, {"planning_steps": 0}, seed=3)
    q = make_agent("q-learning", lv, seed=3)
    assert real_steps(dyna, 5000) == real_steps(q, 5000)
    assert dyna.episodes_done == q.episodes_done >= 5
    np.testing.assert_array_equal(dyna.Q, q.Q)
    assert dyna.planning_updates_done == 0


def test_planning_draws_from_its_own_stream():
    """With epsilon = 1 the behaviour ignores Q, so the real steps are the same whatever n
    is, unless planning took its draws from the exploration stream."""
    lv = load_level("dyna_maze")
    plain = make_agent("dyna-q", lv, {"planning_steps": 0, "epsilon": 1.0}, seed=1)
    planning = make_agent("dyna-q", lv, {"planning_steps": 20, "epsilon": 1.0}, seed=1)
    path = [(e.state, e.action) for e in (plain.step() for _ in range(2000))]
    assert path == [(e.state, e.action) for e in (planning.step() for _ in range(2000))]
    assert plain.episodes_done >= 1 and planning.planning_updates_done == 20 * 2000
    assert not np.array_equal(plain.Q, planning.Q)


def test_planning_is_reported_apart_from_the_real_step():
    agent = make_agent("dyna-q", load_level("dyna_maze"), {"planning_steps": 7}, seed=0)
    episode = agent.episode()
    assert episode.info["planning_updates"] == 7 * episode.steps
    event = agent.step()
    planned = event.info["planning_changed"]
    assert event.info["planning_updates"] == 7 and 1 <= planned.size <= 7
    assert set(event.changed.tolist()) == set(planned.tolist()) | {event.state}
    # the backup is the real step's own update, not a simulated one
    backup = event.backup
    assert (backup["s"], backup["a"], backup["s_next"]) == (event.state, event.action, event.next_state)
    assert "simulated" not in backup
    # the model holds exactly what was experienced: the last (R, S') after each pair
    assert agent.model_next[event.state, event.action] == event.next_state
    assert agent.model_reward[event.state, event.action] == event.reward


def test_dyna_maze_is_example_8_1():
    """6 x 9, gamma 0.95, +1 at the goal: v*(S) = 0.95^13 means the shortest path takes 14 steps."""
    level = load_level("dyna_maze")
    model = TabularModel.from_level(level)
    assert level.shape == (6, 9) and model.gamma == 0.95
    start = int(model.grid.start_cells[0])
    assert divmod(start, 9) == (2, 0) and np.flatnonzero(model.terminal).tolist() == [8]
    assert optimal_value(model)[start] == pytest.approx(0.95**13, rel=1e-12)


def test_figure_8_2_planning_finds_the_short_path_in_a_few_episodes():
    """Figure 8.2: n = 50 is near the 14-step optimum by episode 3, n = 0 far above it.

    Measured over seeds 0-9: episode 3 of n = 50 took 14-20 steps (epsilon 0.1 adds a few
    off-path steps to the 14), of n = 0 56-455 (mean 261). Over seeds 0-4 (16-19 and mean 258)
    the bounds 21 and 60 leave room on either side. The mean lengths of episodes 2-6 must fall
    with n as the figure's curves do: n = 0 ~390, n = 5 ~60, n = 50 ~22 (the second episode,
    ~40, is still learning; the others are 14-20), bounded at 25.
    """
    lv, seeds = load_level("dyna_maze"), range(5)
    lengths = {}
    for n in (0, 5, 50):
        runs = []
        for seed in seeds:
            agent = make_agent("dyna-q", lv, {**FIGURE_8_2, "planning_steps": n}, seed=seed)
            runs.append([agent.episode().episode_length for _ in range(6)])
        lengths[n] = np.array(runs)
    assert (lengths[50][:, 2] <= 21).all() and lengths[0][:, 2].mean() >= 60
    later = {n: runs[:, 1:].mean() for n, runs in lengths.items()}
    assert later[0] > 2 * later[5] > 2 * later[50] and later[50] < 25, later


def test_dyna_q_learns_the_14_step_path():
    agent = make_agent("dyna-q", load_level("dyna_maze"), {"planning_steps": 50}, seed=0)
    for _ in range(5):
        agent.episode()
    assert greedy_path_length(agent) == 14


# --------------------------------------------------------------------------- prioritized sweeping


def feed_every_pair(agent, model: TabularModel) -> None:
    """One real transition of every (S, A) of a deterministic level, in state order."""
    for s in np.flatnonzero(~model.terminal & ~model.wall):
        for a in range(model.n_actions):
            s_next = int(model.next_state[s, a, 0])
            agent.learn(int(s), a, float(model.reward[s, a, 0]), s_next, bool(model.terminal[s_next]), False)


def test_prioritized_sweeping_backs_a_chain_up_to_the_exact_q_star():
    """theta = 0, alpha = 1 and room to empty the queue: every pair is backed up until its
    TD error is 0, so one visit of each pair gives Q = q* exactly, gamma^k along the corridor
    (Dyna-Q's random pairs would still be converging)."""
    level = load_level("corridor")
    model = TabularModel.from_level(level)
    agent = make_agent("prioritized-sweeping", level, {"alpha": 1.0, "theta": 0.0, "planning_steps": 10_000})
    feed_every_pair(agent, model)
    assert not agent.priority
    q_star = model.q_from_v(optimal_value(model))
    live = ~model.terminal
    np.testing.assert_allclose(agent.Q[live], q_star[live], rtol=0, atol=1e-12)
    np.testing.assert_allclose(agent.Q[:8, RIGHT], 0.9 ** np.arange(7, -1, -1), rtol=1e-12)


def test_prioritized_sweeping_queues_nothing_below_theta():
    """Every TD error on the corridor is at most 1 (the goal's reward): theta = 1 queues none."""
    level = load_level("corridor")
    agent = make_agent("prioritized-sweeping", level, {"theta": 1.0})
    feed_every_pair(agent, TabularModel.from_level(level))
    assert not agent.Q.any() and agent.planning_updates_done == 0


@pytest.mark.parametrize("seed", [0, 2])
def test_prioritized_sweeping_needs_a_fraction_of_dyna_qs_updates(seed):
    """Example 8.4's point on the Dyna maze (alpha 1, n 50): until the goal is found every
    TD error is 0, so both walk the same first episode; then both walk the 14-step path
    after one more, but Dyna-Q spent n updates on every step (~45,000, most backing up zeros)
    where the queue ran dry after under 200 (measured with seeds 0, 1, 2; on seeds 3-9 the
    second episode's exploration can leave a 16-step greedy path, or Dyna-Q's greedy policy
    looping among actions still tied at 0)."""
    lv, params = load_level("dyna_maze"), {"alpha": 1.0, "planning_steps": 50}
    sweeping, dyna = (make_agent(name, lv, params, seed=seed) for name in ("prioritized-sweeping", "dyna-q"))
    first = sweeping.episode().steps
    assert dyna.episode().steps == first > 14
    sweeping.episode(), dyna.episode()
    assert greedy_path_length(sweeping) == greedy_path_length(dyna) == 14
    assert dyna.planning_updates_done >= 50 * first
    assert 14 <= sweeping.planning_updates_done < dyna.planning_updates_done / 100


# --------------------------------------------------------------------------- Dyna-Q+


def test_dyna_q_plus_plans_untried_actions_as_staying_put_with_a_bonus():
    """The footnote's model: a new state's untried actions lead back to it with reward 0, and
    a planning update adds kappa sqrt(tau), tau the real steps since the pair was tried."""
    level = load_level("corridor")
    agent = make_agent("dyna-q-plus", level, {"planning_steps": 0, "kappa": 0.5})
    agent.learn(0, RIGHT, 0.0, 1, False, False)
    assert agent.model_next[0].tolist() == [0, 1, 0, 0] and not agent.model_reward[0].any()
    for _ in range(8):
        agent.learn(1, LEFT, 0.0, 0, False, False)
    plan = agent.simulated_update(0, UP).backup
    assert plan["r"] == pytest.approx(0.5 * np.sqrt(9)) and plan["s_next"] == 0  # never tried: tau = 9
    assert agent.simulated_update(0, RIGHT).backup["r"] == pytest.approx(0.5 * np.sqrt(8))
    assert agent.simulated_update(1, LEFT).backup["r"] == 0.0  # tried at the last step
    # Dyna-Q plans only with what was tried
    dyna = make_agent("dyna-q", level, {"planning_steps": 0})
    dyna.learn(0, RIGHT, 0.0, 1, False, False)
    assert dyna.model_next[0].tolist() == [-1, 1, -1, -1]
