"""Dynamic programming agents (policy evaluation, value iteration, policy iteration) against
Sutton & Barto's published numbers, the Bellman optimality equation, shortest paths found by
breadth-first search, and each other; plus their units, events, policy files and state."""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path

import numpy as np
import pytest

from gridrl.agents import HyperparameterError, agent_class, make_agent
from gridrl.agents.base import Agent
from gridrl.agents.policy_iteration import improved_actions
from gridrl.envs import TabularModel
from gridrl.levels import GridLevel, bundled_level_names, load_level

GRID_LEVELS = [n for n in bundled_level_names() if isinstance(load_level(n), GridLevel)]
DP_AGENTS = ["policy-evaluation", "value-iteration", "policy-iteration"]
UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3


def solved(name: str, level: str, **params) -> Agent:
    """An agent run to convergence (episode) on a bundled level."""
    agent = make_agent(name, load_level(level), params)
    agent.episode()
    return agent


def grid(agent: Agent) -> np.ndarray:
    """V as rows x cols."""
    return agent.insight().V.reshape(agent.model.shape)


def active(model: TabularModel) -> np.ndarray:
    return ~(model.terminal | model.wall)


def write_snapshot(path: Path, agent: Agent) -> Path:
    """A snapshot.json as ``gridrl train`` writes it (docs/ARCHITECTURE.md, "Commands and outputs"), from an agent's insight."""
    ins, model = agent.insight(), agent.model
    rows, cols = model.shape
    wall = model.wall.reshape(rows, cols)
    V = [[None if wall[r, c] else float(v) for c, v in enumerate(row)] for r, row in enumerate(ins.V.reshape(rows, cols))]
    Q = ins.Q.reshape(rows, cols, 4).tolist()
    for r, c in zip(*np.nonzero(wall)):
        Q[r][c] = [None] * 4
    data = {"level": model.level.name, "agent": agent.name, "shape": [rows, cols], "V": V, "Q": Q,
            "pi": ins.pi.reshape(rows, cols, 4).tolist()}  # fmt: skip
    path.write_text(json.dumps(data))
    return path


def bfs_steps(model: TabularModel, start: int, goals: np.ndarray) -> int | None:
    """Fewest actions from ``start`` to a goal cell over transitions with p > 0 (terminals end paths)."""
    dist = {start: 0}
    queue = deque([start])
    while queue:
        s = queue.popleft()
        if s in goals:
            return dist[s]
        if model.terminal[s]:
            continue
        for s2 in np.unique(model.next_state[s][model.prob[s] > 0]):
            if int(s2) not in dist:
                dist[int(s2)] = dist[s] + 1
                queue.append(int(s2))
    return None


def greedy_path_length(agent: Agent, start: int, limit: int = 10_000) -> tuple[int, int]:
    """(steps, final state) following the first action of highest pi on a deterministic level."""
    model, pi = agent.model, agent.insight().pi
    s, steps = start, 0
    while not model.terminal[s] and steps < limit:
        s = int(model.next_state[s, int(np.argmax(pi[s])), 0])
        steps += 1
    return steps, s


# --------------------------------------------------------------------------- textbook numbers

FIGURE_4_1 = {
    1: [[0, -1, -1, -1], [-1, -1, -1, -1], [-1, -1, -1, -1], [-1, -1, -1, 0]],
    2: [[0, -1.75, -2, -2], [-1.75, -2, -2, -2], [-2, -2, -2, -1.75], [-2, -2, -1.75, 0]],
    3: [[0, -2.4375, -2.9375, -3], [-2.4375, -2.875, -3, -2.9375],
        [-2.9375, -3, -2.875, -2.4375], [-3, -2.9375, -2.4375, 0]],
}  # fmt: skip
FIGURE_4_1_LIMIT = [[0, -14, -20, -22], [-14, -18, -20, -20], [-20, -20, -18, -14], [-22, -20, -14, 0]]

FIGURE_3_5 = [
    [22.0, 24.4, 22.0, 19.4, 17.5],
    [19.8, 22.0, 19.8, 17.8, 16.0],
    [17.8, 19.8, 17.8, 16.0, 14.4],
    [16.0, 17.8, 16.0, 14.4, 13.0],
    [14.4, 16.0, 14.4, 13.0, 11.7],
]


def test_policy_evaluation_sweeps_give_figure_4_1():
    agent = make_agent("policy-evaluation", load_level("small_gridworld"))
    for k in (1, 2, 3):
        event = agent.update()
        np.testing.assert_allclose(grid(agent), FIGURE_4_1[k], atol=0.01, err_msg=f"k = {k}")
        assert event.info["sweeps"] == k and not event.info["converged"]


@pytest.mark.parametrize("in_place", [False, True])
def test_policy_evaluation_converges_to_figure_4_1(in_place):
    agent = make_agent("policy-evaluation", load_level("small_gridworld"), {"in_place": in_place})
    event = agent.episode()
    np.testing.assert_allclose(grid(agent), FIGURE_4_1_LIMIT, atol=0.1)
    assert event.info["converged"] and event.max_delta < 1e-6
    assert event.info["sweeps"] == agent.sweeps > 3


@pytest.mark.parametrize("in_place", [False, True])
def test_value_iteration_gives_figure_3_5(in_place):
    agent = solved("value-iteration", "ab_gridworld", in_place=in_place)
    V = grid(agent)
    assert abs(V[0, 1] - 24.4) < 0.05  # v*(A)
    np.testing.assert_allclose(V, FIGURE_3_5, atol=0.05)


def test_gamma_can_override_the_level():
    """Corridor: +1 for entering G, nothing else, so v*(S) = gamma^7 (8 steps away)."""
    agent = solved("value-iteration", "corridor", gamma=0.5)
    assert agent.insight().V[0] == pytest.approx(0.5**7, abs=1e-6)
    assert solved("value-iteration", "corridor").insight().V[0] == pytest.approx(0.9**7, abs=1e-6)


# --------------------------------------------------------------------------- every level


@pytest.mark.parametrize("level", GRID_LEVELS)
def test_value_and_policy_iteration_agree_and_satisfy_bellman_optimality(level):
    # theta small enough that the error bound theta * gamma / (1 - gamma) is far below 1e-4
    vi = solved("value-iteration", level, theta=1e-9)
    pi = solved("policy-iteration", level, theta=1e-9)
    assert vi.converged and pi.converged
    model = vi.model
    V = vi.insight().V
    np.testing.assert_allclose(V, pi.insight().V, rtol=0, atol=1e-4)
    residual = np.abs(V - model.q_from_v(V).max(axis=1))[active(model)]
    assert residual.max() < 1e-5
    assert np.all(V[model.terminal | model.wall] == 0)
    # PI's policy is greedy in its own value (it is stable) and deterministic
    q = model.q_from_v(pi.insight().V)
    chosen = np.take_along_axis(q, pi.insight().pi.argmax(axis=1)[:, None], axis=1)[:, 0]
    assert np.all((q.max(axis=1) - chosen)[active(model)] <= 1e-8)
    assert np.all(pi.insight().pi[active(model)].max(axis=1) == 1.0)


@pytest.mark.parametrize("level", GRID_LEVELS)
def test_in_place_and_synchronous_value_iteration_agree(level):
    sync = solved("value-iteration", level, theta=1e-9)
    ordered = solved("value-iteration", level, theta=1e-9, in_place=True)
    np.testing.assert_allclose(sync.insight().V, ordered.insight().V, rtol=0, atol=1e-4)
    assert ordered.sweeps <= sync.sweeps


#: Deterministic levels with a goal where delay costs (gamma < 1 or a step cost): on the random
#: walks (gamma = 1, no step cost) bumping into the edge is as good as walking, so v* has no
#: shortest path to prefer.
DETERMINISTIC = [
    n for n in GRID_LEVELS
    if (m := TabularModel.from_level(n)).next_state.shape[2] == 1 and (m.grid.chars == "G").any()
    and (m.gamma < 1 or m.level.dynamics.step_reward < 0)
]  # fmt: skip


def goal_cells(model: TabularModel) -> np.ndarray:
    return np.flatnonzero(model.terminal & (model.grid.chars == "G"))


def test_the_deterministic_levels_are_the_expected_ones():
    assert set(DETERMINISTIC) >= {"cliff_walking", "windy_gridworld", "corridor", "four_rooms", "trap_maze"}


@pytest.mark.parametrize("level", DETERMINISTIC)
def test_value_iteration_greedy_policy_takes_a_shortest_path(level):
    agent = solved("value-iteration", level)
    model = agent.model
    goals = goal_cells(model)
    for start in model.grid.start_cells:
        shortest = bfs_steps(model, int(start), goals)
        assert shortest is not None
        steps, end = greedy_path_length(agent, int(start))
        assert end in goals, f"from {start} the greedy policy ends in {end}, not a goal"
        assert steps == shortest, f"from {start}: {steps} steps, shortest is {shortest}"
        # and v* says the same: gamma = 1 and -1 per step, or reward only at the goal
        V = agent.insight().V[start]
        if level in ("cliff_walking", "windy_gridworld", "small_gridworld"):
            assert V == pytest.approx(-shortest, abs=1e-6)
        elif level in ("corridor", "four_rooms"):
            assert V == pytest.approx(model.gamma ** (shortest - 1), abs=1e-6)


@pytest.mark.parametrize("level, steps", [("cliff_walking", 13), ("windy_gridworld", 15), ("corridor", 8)])
def test_value_iteration_walks_the_books_shortest_paths(level, steps):
    agent = solved("value-iteration", level)
    start = int(agent.model.grid.start_cells[0])
    assert bfs_steps(agent.model, start, goal_cells(agent.model)) == steps
    assert greedy_path_length(agent, start)[0] == steps


# --------------------------------------------------------------------------- ordered sweeps


def test_in_place_sweeps_carry_values_along_the_sweep_direction():
    """Corridor S.......G: a two-array sweep moves the value one cell; a right-to-left in-place
    sweep (the 4th of the cycle) carries it all the way back in one sweep."""
    sync = make_agent("value-iteration", load_level("corridor"))
    for _ in range(3):
        sync.update()
    np.testing.assert_allclose(sync.V, [0, 0, 0, 0, 0, 0.81, 0.9, 1, 0], atol=1e-12)

    ordered = make_agent("value-iteration", load_level("corridor"), {"in_place": True})
    expected = [
        [0, 0, 0, 0, 0, 0, 0, 1, 0],  # rows, top to bottom: the one row is backed up at once
        [0, 0, 0, 0, 0, 0, 0.9, 1, 0],  # columns left to right: each cell before its right neighbour
        [0, 0, 0, 0, 0, 0.81, 0.9, 1, 0],  # rows again
        [0.9**7, 0.9**6, 0.9**5, 0.9**4, 0.9**3, 0.81, 0.9, 1, 0],  # columns right to left
    ]
    for k, V in enumerate(expected):
        ordered.update()
        np.testing.assert_allclose(ordered.V, V, atol=1e-12, err_msg=f"sweep {k + 1}")
    assert ordered.update().info["converged"] and ordered.sweeps == 5
    assert sync.episode().info["sweeps"] == 9


# --------------------------------------------------------------------------- units and events


def test_update_event_reports_the_sweep_with_its_numbers():
    agent = make_agent("value-iteration", load_level("small_gridworld"))
    agent.update()
    event = agent.update()
    V, V_old = agent.V, agent.insight().extras["V_old"]
    assert event.unit == "update" and "max_a" in event.equation
    np.testing.assert_array_equal(event.changed, np.flatnonzero(V != V_old))
    assert event.max_delta == pytest.approx(np.abs(V - V_old).max())
    assert event.info["sweeps"] == 2 and event.info["converged"] is False
    # the backup of the state that moved most, with the numbers that produced it (from V_old)
    b = event.backup
    s = b["s"]
    q_expected = agent.model.R[s] + 1.0 * agent.model.expected_next(V_old)[s]
    np.testing.assert_allclose(b["q"], q_expected)
    np.testing.assert_allclose(b["expected_next"], agent.model.expected_next(V_old)[s])
    assert b["V_new"] == max(b["q"]) == V[s] and b["V_old"] == V_old[s]
    assert b["q"][b["a"]] == max(b["q"])
    assert abs(b["delta"]) == pytest.approx(event.max_delta)


def test_backup_of_a_selected_state():
    agent = make_agent("value-iteration", load_level("small_gridworld"))
    agent.update()  # V = -1 everywhere but the terminal corners
    event = agent.backup(1)  # row 0, col 1: up bumps, left enters the terminal corner
    assert event.backup["q"] == [-2.0, -2.0, -2.0, -1.0]
    assert event.backup["a"] == LEFT and event.backup["V_new"] == -1.0 == agent.V[1]
    assert event.state == 1 and event.changed.size == 0  # -1 -> -1: nothing changed
    event = agent.backup(5)  # row 1, col 1: every neighbour is at -1
    assert event.backup["V_old"] == -1.0 and agent.V[5] == -2.0
    np.testing.assert_array_equal(event.changed, [5])
    terminal = agent.backup(0)
    assert terminal.backup["skipped"] == "terminal" and agent.V[0] == 0.0 and terminal.changed.size == 0
    assert agent.sweeps == 1  # backups of chosen states are not sweeps


def test_steps_are_in_place_backups_in_sweep_order():
    """A sweep of steps is the book's in-place sweep: each state sees the values before it."""
    agent = make_agent("policy-evaluation", load_level("small_gridworld"))
    model = agent.model
    V = np.zeros(16)
    order = [s for s in range(16) if active(model)[s]]
    for s in order:  # the pseudocode's line 8, one state at a time, row by row
        V[s] = sum(0.25 * (model.R[s, a] + V[model.next_state[s, a, 0]]) for a in range(4))
    events = [agent.step() for _ in order]
    assert [e.state for e in events] == order
    np.testing.assert_allclose(agent.V, V, atol=1e-12)
    assert V[1] == -1.0 and V[2] == pytest.approx(-1.25)  # saw the new V(1) = -1
    assert agent.sweeps == 1 and events[-1].info["sweep_done"] and not events[0].info["sweep_done"]
    assert agent.max_delta == pytest.approx(np.abs(V).max())
    assert agent.step().state == order[0]  # the next sweep starts over


def test_episode_caps_sweeps_when_the_policy_never_terminates(tmp_path):
    """gamma = 1, always 'up' on Cliff Walking: no terminal is ever reached, V falls by 1 per
    sweep; the run stops at max_sweeps and says it did not converge."""
    model = TabularModel.from_level("cliff_walking")
    Q = np.zeros((*model.shape, 4))
    Q[..., UP] = 1.0
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps({"Q": Q.tolist()}))
    agent = make_agent("policy-evaluation", load_level("cliff_walking"),
                       {"policy": str(path), "max_sweeps": 300})  # fmt: skip
    event = agent.episode()
    assert event.info["converged"] is False and event.info["sweeps"] == 300 and event.done
    assert agent.V[0] == -300.0 and event.max_delta == 1.0
    assert agent.insight().extras["converged"] is False


def test_policy_iteration_alternates_evaluation_and_improvement():
    agent = make_agent("policy-iteration", load_level("small_gridworld"))
    assert np.all(agent.insight().pi == 0.25)  # starts from the equiprobable policy
    first = agent.update()
    assert first.backup["phase"] == "evaluation" and first.info["improved"] is False
    np.testing.assert_allclose(grid(agent), FIGURE_4_1[1])  # evaluating the random policy
    events = [first]
    while not events[-1].info["improved"]:
        events.append(agent.update())
    improvement = events[-1]
    assert "argmax" in improvement.equation and improvement.backup["phase"] == "improvement"
    assert events[-2].info["evaluation_converged"]
    np.testing.assert_allclose(grid(agent), FIGURE_4_1_LIMIT, atol=0.1)  # V was v_random
    # Figure 4.1, right column: greedy in v_random is already optimal
    pi = agent.insight().pi
    assert pi[1].tolist() == [0, 0, 0, 1] and pi[4].tolist() == [1, 0, 0, 0]  # next to (0,0): go there
    assert pi[11].tolist() == [0, 0, 1, 0] and pi[14].tolist() == [0, 1, 0, 0]  # next to (3,3)
    assert improvement.changed.size == 14 and not improvement.info["policy_stable"]
    event = agent.episode()
    assert event.info["policy_stable"] and event.info["converged"]
    assert agent.improvements == 2  # the second improvement changes nothing
    np.testing.assert_allclose(grid(agent), -np.array([[0, 1, 2, 3], [1, 2, 3, 2], [2, 3, 2, 1], [3, 2, 1, 0]]), atol=1e-6)


def test_improvement_keeps_the_old_action_unless_beaten_by_more_than_theta():
    """Exercise 4.4's fix: rounding noise between equally good actions must not flip pi."""
    Q = np.array([[1.0, 1.0 + 1e-12, 0, 0], [1.0, 1.5, 0, 0], [0, 2.0, 2.0, 0], [0, 0, 3.0, 3.0]])
    old = np.array([0, 0, -1, 3])
    assert improved_actions(Q, old, tol=1e-9).tolist() == [0, 1, 1, 3]


def test_policy_iteration_steps_then_improves():
    agent = make_agent("policy-iteration", load_level("corridor"))
    agent.episode()
    event = agent.step()  # evaluation is done and the policy stable: a step re-checks it
    assert event.backup["phase"] == "improvement" and event.info["policy_stable"]
    assert agent.insight().pi[:8].argmax(axis=1).tolist() == [RIGHT] * 8


# --------------------------------------------------------------------------- policy files


@pytest.mark.parametrize("level", ["cliff_walking", "frozen_lake_4x4", "four_rooms", "trap_maze"])
@pytest.mark.parametrize("in_place", [False, True])
def test_evaluating_value_iterations_greedy_policy_gives_v_star(tmp_path, level, in_place):
    vi = solved("value-iteration", level, theta=1e-9)
    path = write_snapshot(tmp_path / "snapshot.json", vi)
    pe = solved("policy-evaluation", level, policy=str(path), theta=1e-9, in_place=in_place)
    assert pe.converged
    np.testing.assert_allclose(pe.insight().V, vi.insight().V, rtol=0, atol=1e-4)
    # the evaluated policy is the snapshot's greedy one, ties split evenly
    np.testing.assert_allclose(pe.insight().pi[active(vi.model)], vi.insight().pi[active(vi.model)])


def _q_text(rows: int, cols: int, value: object = 0.0) -> str:
    return json.dumps({"Q": [[[value] * 4 for _ in range(cols)] for _ in range(rows)]})


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no file"),
        ("{not json", "cannot be read as JSON"),
        (json.dumps([1, 2]), 'no "Q"'),
        (json.dumps({"V": [[0]]}), 'no "Q"'),
        (_q_text(3, 4), "is 3 x 4 x 4, but level"),
        (json.dumps({"Q": 5}), "is a single value"),
        (json.dumps({"Q": [[[0, 0, 0, 0], [0, 0]]]}), "not a table of numbers"),
        (_q_text(4, 4, "up"), "not a table of numbers"),
        (_q_text(4, 4, None), "missing or non-finite value at row 0 col 1"),
    ],
)
def test_a_bad_policy_file_is_a_hyperparameter_error(tmp_path, content, message):
    path = tmp_path / "snapshot.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(HyperparameterError, match=message) as info:
        make_agent("policy-evaluation", load_level("small_gridworld"), {"policy": str(path)})
    assert str(path) in str(info.value)


def test_null_q_is_allowed_on_walls_and_terminals(tmp_path):
    model = TabularModel.from_level("small_gridworld")
    Q = np.zeros((16, 4), dtype=object)
    Q[model.terminal] = None
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps({"Q": Q.reshape(4, 4, 4).tolist()}))
    agent = solved("policy-evaluation", "small_gridworld", policy=str(path))
    np.testing.assert_allclose(grid(agent), FIGURE_4_1_LIMIT, atol=0.1)  # all tied: uniform


# --------------------------------------------------------------------------- config, state


@pytest.mark.parametrize("name", DP_AGENTS)
def test_hyperparameters_have_ranges_and_help(name):
    spec = {h.name: h for h in agent_class(name).spec()}
    assert {"theta", "gamma", "in_place", "max_sweeps"} <= set(spec)
    assert all(h.help for h in spec.values())
    assert spec["theta"].default == 1e-6 and spec["gamma"].optional and spec["in_place"].type is bool
    for bad in ({"theta": 0}, {"gamma": 1.5}, {"max_sweeps": 0}, {"in_place": "maybe"}):
        with pytest.raises(HyperparameterError):
            make_agent(name, load_level("corridor"), bad)


@pytest.mark.parametrize("name", DP_AGENTS)
def test_dp_agents_refuse_bandits(name):
    with pytest.raises(ValueError, match="gridworld"):
        make_agent(name, load_level("bernoulli_3"))


@pytest.mark.parametrize("name", DP_AGENTS)
@pytest.mark.parametrize("level", ["frozen_lake_4x4", "trap_maze"])
def test_same_seed_same_numbers(name, level):
    runs = []
    for _ in range(2):
        agent = make_agent(name, load_level(level), {"in_place": True}, seed=7)
        events = [agent.update() for _ in range(5)] + [agent.step() for _ in range(3)] + [agent.episode()]
        runs.append((agent.insight(), events))
    (a, ea), (b, eb) = runs
    for key in ("V", "Q", "pi"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    assert [e.max_delta for e in ea] == [e.max_delta for e in eb]
    assert [e.backup for e in ea] == [e.backup for e in eb]


def _through_json(state: dict) -> dict:
    return json.loads(json.dumps({k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in state.items()}))


def _through_npz(state: dict, path: Path) -> dict:
    """As the session saves agents: every value an array in an .npz, no pickles."""
    np.savez(path, **{k: np.asarray(v) for k, v in state.items()})
    with np.load(path, allow_pickle=False) as data:
        return {k: (data[k].item() if data[k].ndim == 0 else data[k]) for k in data.files}


@pytest.mark.parametrize("name", DP_AGENTS)
@pytest.mark.parametrize("store", ["json", "npz"])
def test_state_dict_round_trip(name, store, tmp_path):
    level = load_level("trap_maze")
    fresh = make_agent(name, level).state_dict()  # before any sweep, too
    assert _through_npz(fresh, tmp_path / "fresh.npz").keys() == fresh.keys()
    agent = make_agent(name, level)
    for _ in range(30):
        agent.update()
    for _ in range(5):
        agent.step()
    state = agent.state_dict()
    saved = _through_json(state) if store == "json" else _through_npz(state, tmp_path / "agent.npz")
    restored = make_agent(name, level)
    restored.load_state_dict(saved)
    for key, value in state.items():
        np.testing.assert_array_equal(getattr(restored, key), value, err_msg=key)
    np.testing.assert_array_equal(restored.insight().pi, agent.insight().pi)
    # both continue identically
    for _ in range(3):
        assert restored.step().backup == agent.step().backup
    restored.episode(), agent.episode()
    np.testing.assert_array_equal(restored.insight().V, agent.insight().V)
    assert restored.sweeps == agent.sweeps


@pytest.mark.parametrize("name", DP_AGENTS)
def test_insight_shapes_and_walls(name):
    agent = solved(name, "four_rooms")
    ins = agent.insight()
    model = agent.model
    S = model.n_states
    assert ins.V.shape == (S,) and ins.Q.shape == ins.pi.shape == (S, 4)
    np.testing.assert_allclose(ins.pi.sum(axis=1), 1.0)
    np.testing.assert_array_equal(ins.visits, np.zeros(S))
    np.testing.assert_allclose(ins.Q, model.q_from_v(ins.V))
    assert np.all(ins.V[model.wall | model.terminal] == 0.0)
    assert ins.extras["converged"] and ins.extras["sweeps"] == agent.sweeps
    assert ins.extras["max_delta"] < 1e-6
    assert not np.isin(np.flatnonzero(model.wall), agent.step_order()).any()
