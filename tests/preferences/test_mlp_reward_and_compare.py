"""The MLP reward model over cell features and the comparison of a learned reward with the
truth (issue 17, item 2): features by hand, the gradient against finite differences, the MLP
generalising to (s, a) the pairs never visited where the tabular model knows nothing, and
the correlation, alignment and seen fraction computed by hand."""

from __future__ import annotations

import time

import numpy as np
import pytest

from gridrl.envs.model import TabularModel
from gridrl.levels import GridLevel
from gridrl.levels.model import Dynamics, TileKind
from gridrl.preferences import (
    MLPRewardConfig,
    Pair,
    PreferenceData,
    actable_states,
    cell_features,
    compare_rewards,
    fit_mlp_rewards,
    fit_segment_rewards,
    pair_counts,
    trajectory_pairs,
)
from gridrl.preferences.reward_model import MLPParams, mlp_init, mlp_loss

#: Every reward is a function of the kind of the cell entered: -0.1 a step, -1 more into a
#: trap X, +1 into a goal G, -0.5 more for a bump. Episodes of 10 steps from the top-left
#: corner never reach much of the right half.
KINDS = GridLevel(
    name="kinds",
    layout=(
        "S..X.....X",
        ".X....X...",
        "...G.X..X.",
        "X.....X..G",
        "..X.X.....",
    ),
    legend=(TileKind("X", reward=-1.0),),
    dynamics=Dynamics(step_reward=-0.1, bump_reward=-0.5, max_steps=10),
)


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.corrcoef(x, y)[0, 1])


def test_cell_features_are_the_intended_cells_kind_and_the_position() -> None:
    phi, names = cell_features(KINDS)
    assert names == (".", "G", "X", "bump", "row", "col")  # 'S' is floor: where episodes begin pays nothing
    assert phi.shape == (50, 4, 6)
    # cell (0, 2): up bumps the border, right leads into the trap X at (0, 3), down and left to floor
    np.testing.assert_array_equal(phi[2, :, :4], [[0, 0, 0, 1], [0, 0, 1, 0], [1, 0, 0, 0], [1, 0, 0, 0]])
    np.testing.assert_allclose(phi[2, :, 4:], [[0.0, 2 / 9]] * 4)
    # cell (2, 2): right is the goal at (2, 3); the position of (4, 9) is (1, 1)
    assert phi[22, 1, 1] == 1 and phi[49, 0, 4:].tolist() == [1.0, 1.0]


def test_the_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(3)
    phi, D = rng.normal(size=(7, 5)), rng.integers(-2, 3, size=(9, 7)).astype(float)
    y = np.array([1.0] * 6 + [0.5] * 3)
    params = mlp_init(5, MLPRewardConfig(hidden=4, seed=1))
    params = MLPParams(params.W1, rng.normal(size=4), params.w2)  # b1 != 0: its gradient is checked too
    _, grads = mlp_loss(params, phi, D, y, l2=0.3)
    h = 1e-6
    for name in ("W1", "b1", "w2"):
        value, grad = getattr(params, name), getattr(grads, name)
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            up, down = value.copy(), value.copy()
            up[index] += h
            down[index] -= h
            loss_up, _ = mlp_loss(MLPParams(**{**params.__dict__, name: up}), phi, D, y, 0.3)
            loss_down, _ = mlp_loss(MLPParams(**{**params.__dict__, name: down}), phi, D, y, 0.3)
            numeric[index] = (loss_up - loss_down) / (2 * h)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_the_mlp_generalises_to_unvisited_pairs_where_the_tabular_model_knows_nothing() -> None:
    """2000 pairs of uniform-random 10-step episodes (labeller temperature 0.1) visit 122 of the
    192 actable (s, a). The MLP's rewards correlate >= 0.99 with the truth on the 70 others;
    the tabular model's stay at 0 there. Where the data is rich (>= 100 visits: 0.9947 for the
    table, whose rarely visited (s, a) are noisy) both match."""
    model = TabularModel.from_level(KINDS)
    S = model.n_states
    data = trajectory_pairs(KINDS, 2000, np.random.default_rng(0), policy=np.full((S, 4), 0.25), temperature=0.1)
    counts = pair_counts(data, S, 4)
    actable = actable_states(KINDS)[:, None]
    seen, unseen, rich = actable & (counts > 0), actable & (counts == 0), actable & (counts >= 100)
    assert (seen.sum(), unseen.sum(), rich.sum()) == (122, 70, 52)
    start = time.perf_counter()
    r_mlp = fit_mlp_rewards(data, KINDS)
    assert time.perf_counter() - start < 1.0
    r_tab = fit_segment_rewards(data, S, 4)
    R = model.R
    assert _pearson(R[unseen], r_mlp[unseen]) >= 0.99
    assert np.all(r_tab[unseen] == 0.0)
    assert _pearson(R[seen], r_mlp[seen]) >= 0.99
    assert _pearson(R[rich], r_tab[rich]) >= 0.99 and _pearson(R[rich], r_mlp[rich]) >= 0.99
    np.testing.assert_array_equal(fit_mlp_rewards(data, KINDS), r_mlp)  # a fixed seed: the same rewards


def test_the_comparison_by_hand() -> None:
    """Seen: the three (s, a) with counts > 0 in actable states, r_hat = (0, 1, 2) against
    r = (1, 3, 4): correlation 3 / sqrt(2 * 14/3) = 0.98198, a = 1.5, b = 8/3 - 1.5 = 7/6."""
    true = np.array([[1.0, 3.0], [4.0, 9.0], [7.0, 7.0]])
    learned = np.array([[0.0, 1.0], [2.0, 5.0], [-3.0, 3.0]])
    counts = np.array([[2, 1], [5, 0], [1, 1]])
    c = compare_rewards(true, learned, counts, actable=np.array([True, True, False]))
    assert c.correlation == pytest.approx(3 / np.sqrt(2 * 14 / 3), abs=1e-12)
    assert (c.scale, c.shift) == (pytest.approx(1.5), pytest.approx(7 / 6))
    assert (c.n_seen, c.n_actable, c.seen_fraction) == (3, 4, 0.75)
    np.testing.assert_allclose(c.aligned(learned)[0], [7 / 6, 8 / 3])
    assert c.summary() == "correlation 0.98 over 3 of 4 (s, a) seen"


def test_a_backwards_model_is_aligned_flat_and_no_data_says_so() -> None:
    true = np.array([[1.0, 2.0, 3.0]])
    c = compare_rewards(true, -true, np.ones((1, 3)))
    assert c.correlation == pytest.approx(-1.0) and c.scale == 0.0 and c.shift == pytest.approx(2.0)
    nothing = compare_rewards(true, true, np.zeros((1, 3)))
    assert nothing.n_seen == 0 and nothing.summary() == "correlation — over 0 of 3 (s, a) seen"
    with pytest.raises(ValueError, match="one shape"):
        compare_rewards(true, true[:, :2], np.ones((1, 3)))


def test_pair_counts_count_both_sides() -> None:
    data = PreferenceData("x", (Pair(((0, 1), (1, 2), (0, 1)), ((1, 0),)), Pair(((0, 1),), ((1, 2),), tie=True)))
    np.testing.assert_array_equal(pair_counts(data, 2, 3), [[0, 3, 0], [1, 0, 2]])
