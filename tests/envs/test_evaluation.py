"""Exact policy evaluation against the book's and gymnasium's published values."""

from __future__ import annotations

import numpy as np
import pytest

from gridrl.envs.evaluation import OptimalityCheck, greedy_actions, optimal_value, policy_value
from gridrl.envs.model import TabularModel
from gridrl.levels.model import Action

UP, RIGHT, DOWN = Action.UP, Action.RIGHT, Action.DOWN



def one_hot(actions: np.ndarray, n: int = 4) -> np.ndarray:
    return np.eye(n)[actions]


def test_figure_3_5_optimal_values():
    v = optimal_value(TabularModel.from_level("ab_gridworld"), horizon=10_000).reshape(5, 5)
    assert v[0, 1] == pytest.approx(24.4, abs=0.05)  # v*(A)
    assert v[0, 3] == pytest.approx(19.4, abs=0.05)  # v*(B)
    assert v[4, 4] == pytest.approx(11.7, abs=0.05)


def test_frozen_lake_value_iteration_matches_the_known_0_542():
    v = optimal_value(TabularModel.from_level("frozen_lake_4x4"), horizon=100_000)
    assert v[0] == pytest.approx(0.5420, abs=1e-4)


@pytest.mark.parametrize(("level", "v_star"), [("cliff_walking", -13.0), ("windy_gridworld", -15.0)])
def test_shortest_paths_of_the_book(level, v_star):
    check = OptimalityCheck(TabularModel.from_level(level))
    assert check.optimal == v_star


def test_greedy_policy_of_v_star_is_solved_and_a_loop_costs_the_cap():
    model = TabularModel.from_level("cliff_walking")
    check = OptimalityCheck(model)
    q = model.q_from_v(optimal_value(model))
    best = check(one_hot(greedy_actions(q)))
    assert best.value == -13.0 and best.solved and best.gap == 0.0
    # pushing into the wall at the start forever: -1 per step until the cap
    stuck = check(one_hot(np.full(model.n_states, DOWN)))
    assert stuck.value == -model.level.max_steps and not stuck.solved


def test_safe_path_of_figure_6_4_is_not_optimal():
    """Sarsa's safe path on the cliff: up to the top row, along it, down; 17 steps, not 13."""
    model = TabularModel.from_level("cliff_walking")
    rows, cols = model.shape
    actions = np.full((rows, cols), RIGHT)
    actions[:, -1] = DOWN
    actions[1:, 0] = UP
    value = OptimalityCheck(model)(one_hot(actions.ravel()))
    assert value.value == -17.0
    assert value.gap == pytest.approx(4 / 13) and not value.solved


def test_policy_value_of_a_stochastic_level_is_an_expectation():
    """On slippery ice the greedy policy of v* earns v*'s value, which is below 1."""
    model = TabularModel.from_level("frozen_lake_4x4")
    v_star = optimal_value(model, horizon=100_000)
    actions = greedy_actions(model.q_from_v(v_star))
    assert policy_value(model, actions, horizon=100_000)[0] == pytest.approx(v_star[0], abs=1e-6)
    check = OptimalityCheck(model)
    assert check.tolerance == 0.05 and check(one_hot(actions)).solved


@pytest.mark.parametrize("level", ["frozen_lake_8x8", "cliff_walking", "four_rooms"])
@pytest.mark.parametrize("horizon", [1, 2, 37, 200])
def test_doubling_equals_the_backups_one_by_one(monkeypatch, level, horizon):
    """v_H by doubling a dense P_pi is the same number as H backups of eq. 4.5 in a row."""
    import gridrl.envs.evaluation as evaluation

    model = TabularModel.from_level(level)
    actions = np.random.default_rng(1).integers(0, 4, model.n_states)
    dense = policy_value(model, actions, horizon)
    monkeypatch.setattr(evaluation, "DENSE_STATES", 0)
    one_by_one = policy_value(model, actions, horizon)
    np.testing.assert_allclose(dense, one_by_one, rtol=1e-10, atol=1e-10)
    if horizon == 1:
        np.testing.assert_allclose(dense, model.R[np.arange(model.n_states), actions])
