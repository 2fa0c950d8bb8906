"""The compare view: two agents in lockstep on one level and seed, boards side by side, their
curves on one chart (Sutton & Barto Figure 6.4, Sarsa vs Q-learning on the cliff, live)."""

from __future__ import annotations

import time

import numpy as np
import pygame
import pytest
from gui_helpers import choose, key, press, scene, type_into

from gridrl.cli import main
from gridrl.envs import TabularModel
from gridrl.envs.evaluation import OptimalityCheck
from gridrl.gui.scene_compare import CompareScene, committed
from gridrl.gui.training import SPEEDS, Trainer
from gridrl.levels import load_level
from gridrl.render.charts import draw_line_chart
from gridrl.render.colors import PALETTE, THEME

FASTEST = len(SPEEDS) - 1


@pytest.fixture(autouse=True)
def _user_folders(tmp_path, monkeypatch):
    """The log and user levels of windows opened by ``main`` go to a temporary folder."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def _open(app) -> CompareScene:
    key(app, pygame.K_F6)
    assert app.top.name == "compare"
    return app.top


def _play(app, cmp: CompareScene, frames: int) -> None:
    """Play at the fastest speed, then pause and let the side behind catch up."""
    cmp.cmd_set_speed(FASTEST)
    key(app, pygame.K_SPACE, frames=frames)
    key(app, pygame.K_SPACE, frames=0)
    for _ in range(200):
        if len({committed(s.trainer) for s in cmp.sides}) == 1 and not any(s.trainer.busy for s in cmp.sides):
            break
        app.run_frames(1)
    app.run_frames(2)


def test_f6_opens_q_learning_beside_sarsa_in_lockstep_and_esc_returns(app):
    train = scene(app)
    cmp = _open(app)
    assert [s.trainer.agent_name for s in cmp.sides] == ["q-learning", "sarsa"]
    assert [s.trainer.seed for s in cmp.sides] == [train.trainer.seed] * 2
    assert cmp.unit == "episode" and all(s.trainer.unit == "episode" for s in cmp.sides)
    assert train.panels.elements == []  # the training scene's widgets are hidden meanwhile
    _play(app, cmp, 40)
    episodes = [len(s.trainer.session.history.episode_returns) for s in cmp.sides]
    assert episodes[0] == episodes[1] > 0
    assert cmp.sides[0].trainer.units_run == cmp.sides[1].trainer.units_run == episodes[0]
    # lockstep leaves each run as it would be alone: the same seed gives the same returns
    for side in cmp.sides:
        alone = Trainer(train.level, side.trainer.agent_name, seed=train.trainer.seed)
        for _ in range(episodes[0]):
            alone.advance("episode")
        assert alone.session.history.episode_returns == side.trainer.session.history.episode_returns
    # both curves on one chart each: the returns and the steps per episode
    (title, series, window, _, _), (steps_title, steps, _, _, _) = cmp.charts.charts
    assert title == "Return of each episode" and steps_title == "Steps per episode"
    assert list(series) == ["q-learning", "sarsa"] and window is not None
    for side in cmp.sides:
        h = side.trainer.session.history
        assert list(series[side.trainer.agent_name]) == h.episode_returns
        assert list(steps[side.trainer.agent_name]) == [float(n) for n in h.episode_lengths]
    assert train.trainer.units_run == 0  # the agent below did not train meanwhile
    key(app, pygame.K_ESCAPE)
    assert app.top is train and app.find("compare") is None
    assert train.panels.play_button.alive()
    assert app.errors == []


def test_compare_button_and_f6_again_close_it(app):
    press(app, scene(app).panels.compare_button)
    assert app.top.name == "compare"
    key(app, pygame.K_F6)
    assert app.top is scene(app)
    assert app.errors == []


def test_lockstep_waits_for_the_slower_side(app, monkeypatch):
    """The right side's units take 40 ms (so they run in the worker thread, one per frame):
    after every frame both have done, or started, the same number of episodes."""
    cmp = _open(app)
    slow = cmp.sides[1].trainer
    advance = slow.session.advance

    def slow_advance(unit):
        time.sleep(0.04)
        return advance(unit)

    monkeypatch.setattr(slow.session, "advance", slow_advance)
    slow.slow = True
    cmp.cmd_set_speed(FASTEST)
    key(app, pygame.K_SPACE, frames=0)
    counts = []
    for _ in range(30):
        app.run_frames(1)
        counts.append(tuple(committed(s.trainer) for s in cmp.sides))
    assert all(a == b for a, b in counts), counts
    assert counts[-1][0] >= 2  # the slower one set the pace, but both went on
    assert app.errors == []


def test_trainer_target_stops_units_at_that_count():
    trainer = Trainer(load_level("cliff_walking"), "q-learning")
    trainer.unit, trainer.speed_index, trainer.playing, trainer.budget = "episode", FASTEST, True, 1.0
    trainer.target = 3
    trainer.update(1 / 60)
    trainer.update(1 / 60)
    assert trainer.units_run == 3
    trainer.target = None
    trainer.update(1 / 60)
    assert trainer.units_run > 3


def test_cli_opens_the_compare_view(capsys, tmp_path):
    shot = tmp_path / "compare.png"
    code = main(["app", "cliff_walking", "--compare", "sarsa", "q-learning,epsilon=0.05", "--seed", "4",
                 "--headless", "--frames", "3", "--size", "1024x768", "--screenshot", str(shot)])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out.strip()
    assert out == "gridrl: 3 frames comparing sarsa and q-learning on Cliff Walking (Sutton & Barto Example 6.6)"
    assert shot.stat().st_size > 0


def test_cli_compare_settings_reach_both_agents(monkeypatch):
    seen = {}
    exit_ = CompareScene.exit

    def spy(self):
        seen.update({s.trainer.agent_name: (s.trainer.agent.config.epsilon, s.trainer.agent.config.alpha,
                                            s.trainer.seed) for s in self.sides})  # fmt: skip
        exit_(self)

    monkeypatch.setattr(CompareScene, "exit", spy)
    assert main(["app", "cliff_walking", "--compare", "sarsa,epsilon=0.01", "q-learning", "--set", "alpha=0.25",
                 "--seed", "7", "--headless", "--frames", "1"]) == 0  # fmt: skip
    assert seen == {"sarsa": (0.01, 0.25, 7), "q-learning": (0.1, 0.25, 7)}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--compare", "sarsa", "q-lerning"], "did you mean 'q-learning'"),
        (["--compare", "sarsa,epsilon=7", "q-learning"], "epsilon must be a number in [0, 1]"),
        (["--compare", "sarsa,epsilon", "q-learning"], "--set takes NAME=VALUE"),
        (["--compare", "sarsa", "ucb"], "runs on bandit levels"),
        (["--compare", "sarsa", "q-learning", "--agent", "sarsa"], "not both"),
        (["--compare", "sarsa", "q-learning", "--run-for", "1"], "leave out --compare"),
    ],
)
def test_cli_compare_bad_input_is_a_message(argv, message, capsys):
    assert main(["app", "cliff_walking", *argv, "--headless", "--frames", "1"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_on_the_cliff_q_learning_walks_the_edge_and_sarsa_the_safe_path(make_app):
    """Figure 6.4 / Example 6.6: with epsilon = 0.1 and alpha = 0.5, after 500 episodes,
    Q-learning's greedy path is the optimal one along the cliff (13 steps, value -13) and
    Sarsa's the safer one further up (15 or 17 steps)."""
    app = make_app("cliff_walking")
    cmp = _open(app)
    for _ in range(500):  # the trainers directly, for speed; the view draws what they did
        for side in cmp.sides:
            side.trainer.advance("episode")
    app.run_frames(2)
    check = OptimalityCheck(TabularModel.from_level(cmp.level))
    value = {s.trainer.agent_name: check(s.trainer.insight().pi).value for s in cmp.sides}
    assert value["q-learning"] == pytest.approx(-13.0)
    assert value["sarsa"] in (pytest.approx(-15.0), pytest.approx(-17.0))
    returns = cmp.charts.charts[0][1]
    assert [len(v) for v in returns.values()] == [500, 500]
    # and online, while exploring, Sarsa earns more (Figure 6.4's curves)
    assert np.mean(returns["sarsa"][-100:]) > np.mean(returns["q-learning"][-100:])
    assert app.errors == []


def test_settings_live_or_both_reset(app):
    cmp = _open(app)
    _play(app, cmp, 10)
    units = cmp.sides[0].trainer.units_run
    right = cmp.widgets.settings_entries[1]
    type_into(app, right, "epsilon=0.01, alpha=0.5")
    assert cmp.sides[1].trainer.agent.config.epsilon == 0.01  # live: nothing reset
    assert [s.trainer.units_run for s in cmp.sides] == [units, units]
    assert "epsilon=0.01" in right.get_text()
    type_into(app, right, "gamma=0.9")
    assert cmp.sides[1].trainer.agent.config.gamma == 0.9
    assert [s.trainer.units_run for s in cmp.sides] == [0, 0]  # not live: both start again
    for text, message in (("epsilon=7", "epsilon must be"), ("epsilon", "name=value"), ("espilon=0.2", "epsilon")):
        type_into(app, right, text)
        assert cmp.status_error and message in cmp.status_text
    assert cmp.sides[1].trainer.agent.config.epsilon == 0.01
    assert app.errors == []


def test_picking_an_agent_restarts_both(app):
    cmp = _open(app)
    _play(app, cmp, 10)
    choose(app, cmp.widgets.agent_dropdowns[1], "expected-sarsa")
    for _ in range(300):
        if cmp.sides[1].driver.pending_agent is None:
            break
        app.run_frames(1)
    assert [s.trainer.agent_name for s in cmp.sides] == ["q-learning", "expected-sarsa"]
    assert [s.trainer.units_run for s in cmp.sides] == [0, 0]
    _play(app, cmp, 10)
    assert list(cmp.charts.charts[0][1]) == ["q-learning", "expected-sarsa"]
    assert app.errors == []


def test_bandits_compare_per_pull_averages_on_one_chart(make_app):
    app = make_app("ten_armed_testbed")
    cmp = _open(app)
    assert [s.trainer.agent_name for s in cmp.sides] == ["epsilon-greedy", "ucb"]
    assert cmp.unit == "step"
    _play(app, cmp, 20)
    pulls = {s.trainer.session.history.steps for s in cmp.sides}
    assert len(pulls) == 1 and pulls.pop() > 0
    (reward_title, reward, window, _, bands), (optimal_title, optimal, _, _, _) = cmp.charts.charts
    assert reward_title == "Average reward (mean of 200 runs)" and optimal_title.startswith("% optimal action")
    assert list(reward) == list(bands) == ["epsilon-greedy", "ucb"] and window is None
    for side in cmp.sides:
        per_pull = side.trainer.session.history.per_pull()
        assert np.array_equal(reward[side.trainer.agent_name], per_pull.mean_reward)
        assert np.array_equal(optimal[side.trainer.agent_name], per_pull.optimal_action * 100)
    assert app.errors == []


def test_chart_draws_each_series_in_its_palette_colour():
    surface = pygame.Surface((600, 300))
    rng = np.random.default_rng(0)
    plot = draw_line_chart(surface, pygame.Rect(0, 0, 600, 300),
                           {"sarsa " * 12: rng.normal(-25, 5, 300), "q-learning": rng.normal(-50, 5, 300)},
                           "Return of each episode", moving_average=20, y_label="return")  # fmt: skip
    pixels = pygame.surfarray.array3d(surface.subsurface(plot)).reshape(-1, 3)
    for colour in PALETTE[:2]:
        assert (pixels == colour).all(axis=1).sum() > 50
    legend = pygame.surfarray.array3d(surface.subsurface(pygame.Rect(0, 0, 600, plot.y))).reshape(-1, 3)
    assert (legend == PALETTE[0]).all(axis=1).any() and (legend == PALETTE[1]).all(axis=1).any()
    # the long name is elided: the legend's row stays clear of the y label on its left
    row = pygame.surfarray.array3d(surface.subsurface(pygame.Rect(0, plot.y - 20, 70, 20)))
    assert not (row == THEME["text"]).all(axis=2).any()


def test_compare_screenshots_at_1280x800_and_1024x768(make_app, tmp_path):
    for size in ((1280, 800), (1024, 768)):
        app = make_app("cliff_walking", size=size)
        cmp = _open(app)
        _play(app, cmp, 30)
        for i, side in enumerate(cmp.sides):
            assert cmp.layout.boards[i].contains(side.board.renderer.layout(cmp.layout.boards[i]).board)
        left, right = cmp.layout.boards
        assert left.right < right.x and max(left.bottom, right.bottom) < cmp.layout.charts.y
        rects = [e.rect for e in cmp.widgets.elements]
        assert all(r.right <= size[0] and r.bottom <= size[1] for r in rects)
        assert not any(a.colliderect(b) for i, a in enumerate(rects) for b in rects[i + 1:])
        app.save_screenshot(tmp_path / f"compare_{size[0]}.png")
        assert app.errors == []
