"""The gridworld reference policies (shortest path, SFT) and the per-episode quantities the
preference agents measure: visits d_pi and the undiscounted return, against hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from gridrl.envs.model import TabularModel
from gridrl.levels import load_level, parse_level
from gridrl.preferences import reference_policy, soft_optimal_policy
from gridrl.preferences.labeller import (
    SFT_UNIFORM_SHARE,
    goal_cells,
    sample_episodes,
    sample_steps,
    sft_policy,
    shortest_path_policy,
)
from gridrl.preferences.optimum import episode_return, expected_visits, regularised_values


def test_shortest_path_on_the_corridor_is_right_and_sft_mixes_in_uniform():
    model = TabularModel.from_level("corridor")  # S.......G
    live = ~model.terminal
    np.testing.assert_array_equal(shortest_path_policy(model)[live], np.tile([0.0, 1.0, 0.0, 0.0], (8, 1)))
    np.testing.assert_allclose(sft_policy(model)[live], np.tile([0.125, 0.625, 0.125, 0.125], (8, 1)))
    assert SFT_UNIFORM_SHARE == 0.5


def test_a_hazard_is_an_end_not_a_goal():
    """Two cells from the start: a hazard X one step left, the goal G two steps right."""
    model = TabularModel.from_level(parse_level("kind: gridworld\nname: t\nlayout: |\n  XS.G\n"))
    assert goal_cells(model).tolist() == [False, False, False, True]
    np.testing.assert_array_equal(shortest_path_policy(model)[1], [0.0, 1.0, 0.0, 0.0])


def test_garden_reference_is_sft_and_other_levels_uniform():
    garden = load_level("garden")
    np.testing.assert_allclose(reference_policy(garden, "garden"), sft_policy(TabularModel.from_level(garden)))
    np.testing.assert_allclose(reference_policy(load_level("corridor"), "corridor"), 0.25)
    # from the start (top left) both right and down begin a shortest (8-step) way
    np.testing.assert_allclose(reference_policy(garden, "garden")[0], [0.125, 0.375, 0.375, 0.125])


def test_episodes_are_the_rows_of_sample_steps():
    model = TabularModel.from_level("garden")
    pi = sft_policy(model)
    S, A = sample_steps(model, pi, 20, np.random.default_rng(4))
    episodes = sample_episodes(model, pi, 20, np.random.default_rng(4))
    for i, episode in enumerate(episodes):
        T = int((S[i] >= 0).sum())
        assert episode == tuple(zip(S[i, :T].tolist(), A[i, :T].tolist()))
        assert model.terminal[model.next_state[episode[-1][0], episode[-1][1], 0]]  # each ends at the goal


def test_visits_and_return_of_the_random_policy_on_example_4_1():
    """Figure 4.1: v_pi of the random policy; a random start cell of the 14 gives their mean,
    (2 x (-14 - 20 - 22) + 2 x (-14 - 18 - 20 - 20)) / 14 = -256 / 14, and every step costs -1,
    so the expected visits sum to the same number of steps."""
    model = TabularModel.from_level("small_gridworld")
    pi = np.full((16, 4), 0.25)
    assert episode_return(model, pi, model.R) == pytest.approx(-256 / 14, abs=1e-9)
    assert expected_visits(model, pi).sum() == pytest.approx(256 / 14, abs=1e-9)


def test_a_policy_that_never_ends_has_no_finite_visits():
    model = TabularModel.from_level("ab_gridworld")  # no terminal cell at all
    pi = np.full((model.n_states, 4), 0.25)
    assert expected_visits(model, pi) is None and np.isnan(episode_return(model, pi, model.R))


def test_regularised_values_of_pi_star_are_the_soft_values_and_beat_the_reference():
    """V_pi of the penalised reward r - beta log(pi / pi_ref): at pi* it is soft value iteration's V
    (the board's V once a preference agent converges); pi_ref itself pays no KL and earns less."""
    model = TabularModel.from_level("garden")
    ref = sft_policy(model)
    pi, V_soft = soft_optimal_policy(model, model.R, ref, 1.0, 1.0)
    V, Q = regularised_values(model, pi, model.R, ref, 1.0)
    np.testing.assert_allclose(V, V_soft, atol=1e-8)
    np.testing.assert_allclose(Q, model.R * ~model.terminal[:, None] + model.expected_next(V_soft), atol=1e-8)
    V_ref, _ = regularised_values(model, ref, model.R, ref, 1.0)
    assert V_ref[0] == pytest.approx(-8.1873, abs=1e-3) and V_ref[0] < V[0] == pytest.approx(-3.8646, abs=1e-3)
