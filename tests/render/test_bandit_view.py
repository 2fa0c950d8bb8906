"""The bandit view: learning curves averaged over runs per pull (with a standard-error band),
the agents' beliefs on the arms chart, and the inspector's table of arms."""

from __future__ import annotations

import itertools
import math
import textwrap

import numpy as np
import pygame
import pytest

from gridrl.levels import parse_level
from gridrl.render.charts import (
    BELIEF,
    PREFERENCE,
    bandit_curve_charts,
    draw_bandit_bars,
    draw_line_chart,
    posterior_intervals,
)
from gridrl.render.colors import PALETTE, THEME, mix
from gridrl.session import Session

FOUR_PULLS = parse_level(textwrap.dedent("""
    kind: bandit
    name: four pulls
    testbed: {arms: 3, mean: 0, std: 1, reward_std: 1}
    steps: 4
"""), source="<test>")  # fmt: skip


def count(surface: pygame.Surface, color, rect: pygame.Rect | None = None) -> int:
    """Pixels drawn exactly in ``color`` (inside ``rect``)."""
    p = pygame.surfarray.array3d(surface)  # (w, h, 3)
    mask = np.all(p == np.array(color), axis=2)
    if rect is not None:
        mask = mask[rect.left : rect.right, rect.top : rect.bottom]
    return int(mask.sum())


# ----------------------------------------------------------------------------- curves


def test_curves_are_the_mean_over_runs_per_pull_not_runs_one_after_another():
    session = Session(FOUR_PULLS, "epsilon-greedy", seed=5, runs=5)
    env_step, log = session.agent.env.step, []

    def logged(actions):
        out = env_step(actions)
        log.append((out[1].copy(), np.asarray(out[4]["optimal"], dtype=float)))
        return out

    session.agent.env.step = logged
    session.run("step", 14)  # three whole runs of 4 pulls in each of the 5 rows, then 2 pulls
    per_pull = session.history.per_pull()
    assert len(session.history.mean_reward) == 14  # metrics.json keeps every pull in order
    assert per_pull.mean_reward.shape == (4,)  # ... the curve has one point per pull of a run
    for i in range(4):
        rewards = np.concatenate([r for j, (r, _) in enumerate(log) if j % 4 == i])
        optimal = np.concatenate([o for j, (_, o) in enumerate(log) if j % 4 == i])
        assert per_pull.runs[i] == rewards.size == (20 if i < 2 else 15)
        assert per_pull.mean_reward[i] == pytest.approx(rewards.mean(), abs=1e-12)
        assert per_pull.reward_se[i] == pytest.approx(rewards.std() / math.sqrt(rewards.size), abs=1e-12)
        assert per_pull.optimal_action[i] == pytest.approx(optimal.mean(), abs=1e-12)
        p = optimal.mean()
        assert per_pull.optimal_se[i] == pytest.approx(math.sqrt(p * (1 - p) / optimal.size), abs=1e-12)
    reward_chart, optimal_chart = bandit_curve_charts(per_pull)
    assert reward_chart["title"] == "Average reward (mean of 15\u201320 runs)"
    np.testing.assert_allclose(reward_chart["series"]["reward"], per_pull.mean_reward)
    lower, upper = reward_chart["band"]["reward"]
    np.testing.assert_allclose(upper - lower, 2 * per_pull.reward_se)
    np.testing.assert_allclose(optimal_chart["series"]["% optimal"], 100 * per_pull.optimal_action)


def test_a_whole_episode_unit_folds_the_same_way():
    by_steps = Session(FOUR_PULLS, "ucb", seed=2, runs=3)
    by_steps.run("step", 8)
    by_episodes = Session(FOUR_PULLS, "ucb", seed=2, runs=3)
    by_episodes.run("episode", 2)
    a, b = by_steps.history.per_pull(), by_episodes.history.per_pull()
    np.testing.assert_array_equal(a.mean_reward, b.mean_reward)
    np.testing.assert_array_equal(a.reward_se, b.reward_se)
    np.testing.assert_array_equal(a.runs, [6, 6, 6, 6])


def test_deep_agents_keep_their_learning_curve():
    """A network keeps learning from run to run: its curve is not folded onto the run."""
    session = Session(FOUR_PULLS, "reinforce", {"num_envs": 2, "batch_episodes": 2})
    session.run("step", 6)
    assert session.history.per_pull() is None and len(session.history.mean_reward) == 6


def test_line_chart_shades_the_band_behind_its_series():
    surface = pygame.Surface((400, 260))
    surface.fill(THEME["background"])
    mean = np.linspace(0.0, 1.0, 50)
    draw_line_chart(surface, surface.get_rect(), {"reward": mean}, "band", band={"reward": (mean - 0.2, mean + 0.2)})
    shade = mix(PALETTE[0], THEME["panel"], 0.8)
    assert count(surface, shade) > 2000  # a strip 0.4 high along the whole curve
    plain = pygame.Surface((400, 260))
    draw_line_chart(plain, plain.get_rect(), {"reward": mean}, "band")
    assert count(plain, shade) == 0


# ----------------------------------------------------------------------------- the arms chart


def arm_slots(rect: pygame.Rect, k: int) -> list[pygame.Rect]:
    """Rough vertical strips of the k arms (the plot starts after the axis labels)."""
    left, right = rect.x + 60, rect.right - 10
    width = (right - left) / k
    return [pygame.Rect(round(left + a * width), rect.y, round(width), rect.h) for a in range(k)]


def test_ucb_bounds_are_whiskers_above_the_estimates_and_untried_arms_point_up():
    surface = pygame.Surface((600, 420))
    rect = surface.get_rect()
    Q, N, t, c = np.array([0.5, -0.2, 0.0]), np.array([4, 9, 0]), 14, 2.0
    bound = np.where(N == 0, np.inf, Q + c * np.sqrt(np.log(t) / np.maximum(N, 1)))
    draw_bandit_bars(surface, rect, np.array([0.4, 0.1, 0.2]), Q, np.array([0, 0, 1.0]), N, beliefs={"ucb_bound": bound})
    slots = arm_slots(rect, 3)
    drawn = [count(surface, BELIEF, s.clip(pygame.Rect(0, 50, 600, 250))) for s in slots]
    assert all(n > 40 for n in drawn)
    # arm 0's whisker is 2 sqrt(ln 14 / 4) = 1.62 long, arm 1's 2 sqrt(ln 14 / 9) = 1.08: longer
    heights = []
    for s in slots[:2]:
        below_legend = pygame.surfarray.array3d(surface)[s.left : s.right, 70:]
        ys = np.argwhere(np.all(below_legend == BELIEF, axis=2))[:, 1]
        heights.append(ys.max() - ys.min())
    assert heights[0] / heights[1] == pytest.approx(1.62 / 1.08, rel=0.12)
    plain = pygame.Surface((600, 420))
    draw_bandit_bars(plain, rect, np.array([0.4, 0.1, 0.2]), Q, np.array([0, 0, 1.0]), N)
    assert count(plain, BELIEF) == 0


def test_thompson_posteriors_are_violins_as_tall_as_their_intervals():
    surface = pygame.Surface((600, 420))
    rect = surface.get_rect()
    beliefs = {"posterior_alpha": np.array([1.0, 30.0]), "posterior_beta": np.array([1.0, 10.0]),
               "posterior_mean": np.array([0.5, 0.75]), "posterior_std": np.array([0.29, 0.067])}  # fmt: skip
    draw_bandit_bars(surface, rect, np.array([0.5, 0.8]), beliefs["posterior_mean"], np.array([0.3, 0.7]),
                     np.array([0, 38]), beliefs=beliefs)  # fmt: skip
    fill = mix(BELIEF, THEME["panel"], 0.72)
    extents = []
    for s in arm_slots(rect, 2):
        ys = np.argwhere(np.all(pygame.surfarray.array3d(surface)[s.left : s.right] == fill, axis=2))[:, 1]
        assert ys.size > 300
        extents.append(ys.max() - ys.min())
    assert extents[0] > 2.5 * extents[1]  # Beta(1, 1) spans [0, 1]; Beta(30, 10) is narrow


def test_posterior_intervals_by_hand():
    beliefs = {"posterior_alpha": np.array([1.0, 2.0, np.nan]), "posterior_beta": np.array([1.0, 1.0, np.nan]),
               "posterior_mean": np.array([0.5, 2 / 3, 3.0]), "posterior_std": np.array([0.3, 0.2, 0.5])}  # fmt: skip
    out = posterior_intervals(beliefs, 3)
    np.testing.assert_allclose(out[0], [0.05, 0.95], atol=1e-3)  # uniform
    np.testing.assert_allclose(out[1], [math.sqrt(0.05), math.sqrt(0.95)], atol=1e-3)  # cdf y^2
    np.testing.assert_allclose(out[2], [3.0 - 1.6449 * 0.5, 3.0 + 1.6449 * 0.5], atol=1e-3)  # Normal


def test_gradient_preferences_are_bars_up_and_down_from_zero():
    surface = pygame.Surface((600, 460))
    rect = surface.get_rect()
    H = np.array([1.5, -1.0, -0.5])
    pi = np.exp(H) / np.exp(H).sum()
    draw_bandit_bars(surface, rect, None, np.array([0.3, 0.1, 0.2]), pi, np.array([9, 3, 4]),
                     beliefs={"preferences": H})  # fmt: skip
    p = pygame.surfarray.array3d(surface)
    spans = []
    for s in arm_slots(rect, 3):
        ys = np.argwhere(np.all(p[s.left : s.right, 70:] == PREFERENCE, axis=2))[:, 1] + 70  # below the legend
        spans.append((ys.min(), ys.max()))
    zero = spans[0][1]  # arm 0's bar rests on the zero line, the others hang from it
    assert spans[1][0] >= zero - 1 and spans[2][0] >= zero - 1
    heights = [b - a for a, b in spans]
    assert heights[0] / heights[1] == pytest.approx(1.5, rel=0.1)
    assert heights[1] / heights[2] == pytest.approx(2.0, rel=0.15)


# ----------------------------------------------------------------------------- the inspector


@pytest.mark.parametrize("agent", ["epsilon-greedy", "ucb", "thompson", "gradient-bandit"])
@pytest.mark.parametrize("size", [(1024, 768), (1280, 800)])
def test_inspector_table_cells_never_overlap(agent, size, tmp_path, monkeypatch):
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("GRIDRL_USER_LEVELS", str(tmp_path / "levels"))
    from gridrl.gui.app import App

    app = App("ten_armed_testbed", size=size)
    try:
        sc = app.scenes[0]
        sc.use_agent(agent, {}, 0)
        app.run_frames(2)
        for _ in range(40):
            sc.trainer.advance("step")
        app.run_frames(2)
        cells = sc.bandit_table_rects
        columns = 6 if agent != "epsilon-greedy" else 5
        assert len(cells) >= columns * 4 and len(cells) % columns == 0
        inspector = sc.layout.inspector
        for cell in cells:
            assert inspector.contains(cell)
        for a, b in itertools.combinations(cells, 2):
            assert not a.colliderect(b), (a, b)
        assert app.errors == []
    finally:
        app.close()
