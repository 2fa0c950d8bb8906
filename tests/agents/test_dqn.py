"""DQN (Mnih et al. 2015) and Double DQN (van Hasselt et al. 2016).

Learning: the greedy policy walks the shortest path on Corridor (8 steps) and on a
non-slippery FrozenLake 4x4 (6 steps) within a stated step budget; on three Bernoulli arms the
greedy arm is the best one. The TD target on hand-made transitions: Double DQN's target is
the target network's value of the *online* network's choice, never above vanilla's max;
truncation bootstraps, termination does not. Replay buffer, determinism, save/load,
validation.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from gridrl.agents import HyperparameterError, make_agent
from gridrl.agents.common.exploration import epsilon_greedy_probs
from gridrl.agents.common.replay import ReplayBuffer
from gridrl.agents.dqn import dqn_loss, td_target
from gridrl.levels import load_level, parse_level
from gridrl.session import load_agent_state, save_agent_state
from learning_helpers import frozen_lake_no_slip, greedy_path_length

#: The learning runs use DQN's defaults: 4 envs, so one step is 4 transitions.
CHECK_EVERY = 100  # steps between looks at the greedy policy


def steps_to_shortest_path(level, shortest: int, budget: int, seed: int = 0) -> int | None:
    """Train DQN, looking every CHECK_EVERY steps; the steps it took until the greedy path is
    ``shortest`` long, or None if that did not happen within ``budget`` steps."""
    agent = make_agent("dqn", level, {}, seed=seed)
    for steps in range(CHECK_EVERY, budget + 1, CHECK_EVERY):
        for _ in range(CHECK_EVERY):
            agent.step()
        if greedy_path_length(agent) == shortest:
            return steps
    return None


# --------------------------------------------------------------------------- learning


def test_corridor_greedy_policy_walks_the_shortest_path():
    steps = steps_to_shortest_path(load_level("corridor"), shortest=8, budget=1000)
    assert steps is not None, "greedy policy not the 8-step path after 1000 steps (x4 envs)"


def test_frozen_lake_without_slip_greedy_path_is_shortest():
    steps = steps_to_shortest_path(frozen_lake_no_slip(), shortest=6, budget=1000)
    assert steps is not None, "greedy policy not a 6-step path to G after 1000 steps (x4 envs)"


def test_bandit_greedy_arm_is_the_best_arm():
    level = load_level("bernoulli_3")
    agent = make_agent("dqn", level, {}, seed=0)
    for _ in range(300):
        event = agent.step()
    insight = agent.insight()
    assert insight.Q.shape == (1, 3)
    assert int(np.argmax(insight.Q[0])) == 2  # 'high', p = 0.8
    assert level.arms[2].name == "high"
    # On a bandit y = r: Q(a) estimates the arm's mean payout.
    assert abs(insight.Q[0, 2] - 0.8) < 0.15
    assert event.backup["terminated"] and event.backup["target"] == event.backup["r"]
    np.testing.assert_array_equal(insight.extras["true_means"], [0.2, 0.5, 0.8])


# --------------------------------------------------------------------------- the TD target


def linear_net(weight: list[list[float]]) -> nn.Linear:
    """Q(x) = W x, no bias: with one-hot x, column j of W is Q(state j, .)."""
    W = torch.tensor(weight, dtype=torch.float32)
    net = nn.Linear(W.shape[1], W.shape[0], bias=False)
    with torch.no_grad():
        net.weight.copy_(W)
    return net


def onehot(states: list[int], n: int = 3) -> torch.Tensor:
    return torch.eye(n)[states]


# States 0, 1, 2 (one-hot); two actions. Columns of W are states.
#   Q (online):  Q(0, .) = [0.5, 0.5]  Q(1, .) = [1, 2]  Q(2, .) = [4, 1]
#   Q^ (target): Q^(0, .) = [0, 0]     Q^(1, .) = [5, 3]  Q^(2, .) = [6, 2]
ONLINE = [[0.5, 1.0, 4.0], [0.5, 2.0, 1.0]]
TARGET = [[0.0, 5.0, 6.0], [0.0, 3.0, 2.0]]
GAMMA = 0.5


def loss_of(s_next: int, double: bool, terminated: bool = False, huber: bool = True):
    """dqn_loss on the one transition (s=0, a=0, r=1, s_next)."""
    return dqn_loss(
        linear_net(ONLINE), linear_net(TARGET), onehot([0]), torch.tensor([0]),
        torch.tensor([1.0]), onehot([s_next]), torch.tensor([terminated]), GAMMA,
        double=double, huber=huber,
    )  # fmt: skip


def test_double_dqn_target_evaluates_the_online_choice_with_the_target_network():
    # s' = 1: the networks disagree. Vanilla: max_a' Q^(1, a') = 5.
    # Double: argmax_a' Q(1, a') = 1 (Q = 2 > 1), evaluated by Q^: Q^(1, 1) = 3.
    loss, info = loss_of(1, double=False)
    assert info["target_mean"] == pytest.approx(1.0 + GAMMA * 5.0)  # 3.5
    assert info["q_mean"] == pytest.approx(0.5)
    assert info["td_error_abs"] == pytest.approx(3.0)
    assert float(loss.detach()) == pytest.approx(3.0 - 0.5)  # Huber at |delta| = 3 > 1
    loss_d, info_d = loss_of(1, double=True)
    assert info_d["target_mean"] == pytest.approx(1.0 + GAMMA * 3.0)  # 2.5
    assert info_d["td_error_abs"] == pytest.approx(2.0)
    assert float(loss_d.detach()) == pytest.approx(2.0 - 0.5)
    assert info_d["target_mean"] < info["target_mean"]  # decoupling removes the max's upward bias
    # s' = 2: both networks prefer action 0, so the targets agree: 1 + 0.5 * 6 = 4.
    assert loss_of(2, double=True)[1]["target_mean"] == pytest.approx(4.0)
    assert loss_of(2, double=False)[1]["target_mean"] == pytest.approx(4.0)
    # Squared error instead of Huber: 1/2 delta^2.
    assert float(loss_of(1, double=False, huber=False)[0].detach()) == pytest.approx(0.5 * 3.0**2)


def test_double_target_is_never_above_the_vanilla_target():
    g = torch.Generator().manual_seed(0)
    Q_next_online, Q_next_target = torch.randn(256, 4, generator=g), torch.randn(256, 4, generator=g)
    r, terminated = torch.randn(256, generator=g), torch.zeros(256, dtype=torch.bool)
    vanilla = td_target(r, Q_next_target, terminated, 0.9)
    double = td_target(r, Q_next_target, terminated, 0.9, Q_next_online)
    assert (double <= vanilla + 1e-6).all()
    assert (double < vanilla - 1e-3).any()
    agree = Q_next_online.argmax(1) == Q_next_target.argmax(1)
    torch.testing.assert_close(double[agree], vanilla[agree])


def test_termination_stops_the_bootstrap_and_truncation_does_not():
    # A truncated transition is stored with terminated=False: y = r + gamma max_a' Q^(s', a').
    assert loss_of(1, double=False, terminated=False)[1]["target_mean"] == pytest.approx(3.5)
    # A terminal one: y = r.
    assert loss_of(1, double=False, terminated=True)[1]["target_mean"] == pytest.approx(1.0)
    assert loss_of(1, double=True, terminated=True)[1]["target_mean"] == pytest.approx(1.0)
    y = td_target(torch.tensor([1.0, 1.0]), torch.tensor([[5.0, 3.0], [5.0, 3.0]]),
                  torch.tensor([True, False]), GAMMA)  # fmt: skip
    torch.testing.assert_close(y, torch.tensor([1.0, 3.5]))


def test_agent_stores_the_cut_state_on_truncation_and_bootstraps_from_it():
    # A corridor too long to finish in 3 steps: every episode is truncated, never terminated.
    level = parse_level("kind: gridworld\nlayout: S.......G\ndynamics: {max_steps: 3, gamma: 0.9}\n")
    agent = make_agent("dqn", level, {"num_envs": 1, "learning_starts": 1000, "epsilon_start": 0.0,
                                      "epsilon_end": 0.0}, seed=0)  # fmt: skip
    events = [agent.step() for _ in range(3)]
    last = events[-1]
    assert last.done and agent.replay.truncated[2] and not agent.replay.terminated[2]
    # s' is the cell the episode was cut in (as the event says), not the new start cell 0.
    assert agent.replay.s_next[2] == last.next_state == last.backup["s_next"]
    assert int(agent.states[0]) == 0
    b = last.backup
    Q_target = agent.Q_target_table()
    assert b["target"] == pytest.approx(b["r"] + 0.9 * Q_target[b["s_next"]].max())
    assert b["Q_target_next"] != 0.0
    assert b["td_error"] == pytest.approx(b["target"] - agent.Q_table()[b["s"], b["a"]])
    assert last.td_error == b["td_error"]


# --------------------------------------------------------------------------- replay buffer


def test_replay_buffer_overwrites_the_oldest_transitions_in_a_circle():
    buffer = ReplayBuffer(5)
    zeros = np.zeros(3, dtype=bool)
    buffer.add(np.array([0, 1, 2]), np.array([0, 1, 2]), np.array([0.0, 1.0, 2.0]),
               np.array([1, 2, 3]), zeros, zeros)  # fmt: skip
    assert (len(buffer), buffer.pos) == (3, 3)
    four = np.zeros(4, dtype=bool)
    buffer.add(np.array([3, 4, 5, 6]), np.array([3, 0, 1, 2]), np.array([3.0, 4.0, 5.0, 6.0]),
               np.array([4, 5, 6, 7]), np.array([False, False, True, False]), four)  # fmt: skip
    assert (len(buffer), buffer.pos) == (5, 2)
    # Transitions 0 and 1 were the oldest and are gone; 5 and 6 took their slots.
    np.testing.assert_array_equal(buffer.s, [5, 6, 2, 3, 4])
    np.testing.assert_array_equal(buffer.r, [5.0, 6.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(buffer.s_next, [6, 7, 3, 4, 5])
    np.testing.assert_array_equal(buffer.terminated, [True, False, False, False, False])
    # More transitions at once than it holds: only the newest survive.
    buffer.add(np.arange(10, 17), np.zeros(7, int), np.zeros(7), np.arange(11, 18),
               np.zeros(7, bool), np.zeros(7, bool))  # fmt: skip
    assert len(buffer) == 5 and sorted(buffer.s) == [12, 13, 14, 15, 16]


def test_replay_buffer_samples_only_filled_slots_with_the_right_shapes():
    buffer = ReplayBuffer(100)
    with pytest.raises(ValueError):
        buffer.sample(np.random.default_rng(0), 4)
    buffer.add(np.array([7, 8, 9]), np.array([1, 2, 3]), np.array([0.5, 1.5, 2.5]),
               np.array([8, 9, 10]), np.array([False, False, True]), np.array([False, True, False]))
    batch = buffer.sample(np.random.default_rng(0), 600)
    assert len(batch) == 600
    for name in ("s", "a", "r", "s_next", "terminated", "truncated"):
        assert getattr(batch, name).shape == (600,)
    assert batch.s.dtype == np.int64 and batch.r.dtype == np.float64 and batch.terminated.dtype == bool
    assert set(batch.s.tolist()) == {7, 8, 9}  # never an empty slot (s = 0)
    np.testing.assert_array_equal(batch.s_next, batch.s + 1)  # rows stay whole
    np.testing.assert_array_equal(batch.a, batch.s - 6)


# --------------------------------------------------------------------------- interface


def test_update_event_carries_the_loss_diagnostics_and_insight_is_epsilon_greedy():
    params = {"num_envs": 2, "learning_starts": 5, "train_freq": 2, "tau": 1.0, "target_update": 100}
    agent = make_agent("dqn", load_level("corridor"), params, seed=3)
    event = agent.update()
    assert event.unit == "update" and event.steps == 6 * 2  # updates at steps 6, 8, ...; 2 envs
    for key in ("loss", "q_mean", "td_error_abs", "target_mean", "epsilon"):
        assert np.isfinite(event.info[key])
    assert event.info["updated"] is True
    assert event.changed.size == agent.n_states
    insight = agent.insight()
    Q = agent.Q_table().copy()
    Q[8] = 0.0  # the goal is terminal: worth 0 by definition
    np.testing.assert_allclose(insight.Q, Q)
    np.testing.assert_allclose(insight.V, insight.Q.max(axis=1))
    np.testing.assert_allclose(insight.pi, epsilon_greedy_probs(insight.Q, agent.epsilon))
    assert 0.0 < agent.epsilon < 1.0


def train_steps(seed: int, steps: int = 120):
    agent = make_agent("dqn", load_level("four_rooms"), {"learning_starts": 20, "double": True}, seed=seed)
    for _ in range(steps):
        agent.step()
    return agent


def test_same_seed_gives_identical_Q_and_save_load_round_trips(tmp_path):
    a, b = train_steps(seed=5), train_steps(seed=5)
    np.testing.assert_array_equal(a.insight().Q, b.insight().Q)
    assert not np.array_equal(a.insight().Q, train_steps(seed=6).insight().Q)
    path = tmp_path / "dqn.npz"
    save_agent_state(a, path)
    fresh = make_agent("dqn", load_level("four_rooms"), {"double": True}, seed=99)
    assert not np.array_equal(fresh.insight().Q, a.insight().Q)
    load_agent_state(fresh, path)
    np.testing.assert_array_equal(fresh.insight().Q, a.insight().Q)
    np.testing.assert_array_equal(fresh.Q_target_table(), a.Q_target_table())
    np.testing.assert_array_equal(fresh.insight().pi, a.insight().pi)  # same epsilon too
    np.testing.assert_array_equal(fresh.visits, a.visits)


def test_hyperparameters_are_validated():
    level = load_level("corridor")
    for bad in ({"lr": -0.001}, {"lr": 0}, {"tau": 0}, {"gamma": 1.5}, {"batch_size": 0},
                {"obs": "pixels"}, {"buffer_size": 0}, {"epsilon_end": 2}):  # fmt: skip
        with pytest.raises(HyperparameterError):
            make_agent("dqn", level, bad)
    agent = make_agent("dqn", level, {"obs": "coords", "gamma": "none", "double": "true"})
    assert agent.obs_dim == 2 and agent.gamma == 0.9 and agent.config.double is True
