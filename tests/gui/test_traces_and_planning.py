"""The app shows eligibility traces, Dyna's planning and a lambda / n slider (issue 16, "In
the app"): the trace layer draws the agent's z and decays by gamma lambda a step, planning's
pairs are outlined apart from the real step's glow, the model's transitions are drawn on
request, and lambda or n chosen during an episode takes effect when it ends."""

from __future__ import annotations

import numpy as np
import pygame
import pygame_gui
import pytest

from gridrl.gui.episode_slider import CHOICES, position
from gridrl.render.colors import TRACES

from gui_helpers import press, scene, ui_event
from test_layout import _check


def _overlay_names(sc) -> list[str]:
    return [name for name, *_ in sc.panels.overlay_choices()]


def _fill_pixel(sc, s: int) -> tuple[int, int, int]:
    """The board's fill (its composed layers, under the glow and the trail) near the top-left
    corner of cell ``s``, clear of the arrows and grid lines."""
    renderer = sc.board.renderer
    (cell, composite), = renderer._composites.items()
    row, col = divmod(s, renderer.cols)
    inset = max(3, cell // 5)
    return tuple(composite.surface.get_at((col * cell + inset, row * cell + inset)))[:3]


def test_the_trace_layer_draws_td_lambdas_z_decaying_by_gamma_lambda_and_zero_between_episodes(make_app):
    """random_walk_19 (gamma 1), td-lambda (lambda 0.8, accumulating): after each step the
    board's traces are the agent's z; those of every cell but the one just left shrank by
    0.8; the cell with the largest trace has the scale's darkest green; once the episode
    ended, all are 0 (line 5 zeroes them before the next step)."""
    app = make_app("random_walk_19")
    sc = scene(app)
    assert "traces" not in _overlay_names(sc)  # q-learning has no traces
    sc.use_agent("td-lambda", {}, 0)
    app.run_frames(1)
    assert "traces" in _overlay_names(sc) and "model" not in _overlay_names(sc)
    press(app, sc.panels.overlay_buttons["traces"])
    assert "traces" in sc.overlays
    agent, before = sc.trainer.agent, None
    for _ in range(6):  # the walk starts 10 cells from either end: no episode ends in 6 steps
        event = sc.trainer.advance("step")
        assert not event.done
        app.run_frames(1)
        drawn = sc.board.view.traces
        np.testing.assert_array_equal(drawn, agent.z)
        if before is not None:
            others = np.arange(agent.n_states) != event.state
            np.testing.assert_allclose(drawn[others], 0.8 * before[others], rtol=1e-12, atol=0)
        before = drawn.copy()
    top = int(np.argmax(before))
    assert sc.board.renderer.trace_limit(sc.board.view) == before[top] > 1  # accumulating: a revisit passes 1
    assert np.abs(np.subtract(_fill_pixel(sc, top), TRACES[-1], dtype=float)).max() <= 2
    while not sc.trainer.advance("step").done:
        pass
    app.run_frames(1)
    assert sc.board.view.traces.shape == (agent.n_states,) and not sc.board.view.traces.any()
    assert agent.z.any()  # the agent zeroes them only when the next episode begins


def test_sarsa_lambdas_traces_are_per_action_and_the_inspector_shows_the_cells(make_app):
    app = make_app("cliff_walking")
    sc = scene(app)
    sc.use_agent("sarsa-lambda", {}, 0)
    sc.cmd_overlay("traces")
    for _ in range(3):
        event = sc.trainer.advance("step")
    sc.select(event.state)
    app.run_frames(1)
    z = sc.trainer.agent.z
    np.testing.assert_array_equal(sc.board.view.traces, z)
    assert sc.board.view.traces.shape == (sc.trainer.agent.n_states, 4)
    line = sc.inspector.report.trace_line()
    assert line == "eligibility trace z(s,a): " + "  ".join(f"{arrow} {v:.4g}" if v else f"{arrow} 0"
                                                           for arrow, v in zip("↑→↓←", z[event.state]))  # fmt: skip
    assert line in sc.inspector.report.lines() and z[event.state].max() == pytest.approx(0.9)  # lambda 0.9, gamma 1


@pytest.mark.parametrize("agent", ["dyna-q", "prioritized-sweeping"])
def test_the_planned_pairs_are_exactly_those_the_planning_loop_backed_up(make_app, monkeypatch, agent):
    """After the first episode (the goal found), one step: the pairs outlined are the pairs
    the agent's simulated updates took, every pair whose Q moved is one of them or the real
    step's own, and only the real step's cell glows (prioritized sweeping's real step updates
    no value: nothing glows)."""
    app = make_app("dyna_maze")
    sc = scene(app)
    sc.use_agent(agent, {}, 0)
    sc.trainer.advance("episode")
    assert {"traces"} & set(_overlay_names(sc)) == set() and "model" in _overlay_names(sc)
    a = sc.trainer.agent
    taken: list[int] = []
    simulated = a.simulated_update
    monkeypatch.setattr(a, "simulated_update", lambda s, act: (taken.append(s * 4 + act), simulated(s, act))[1])
    Q = a.Q.copy()
    sc.trainer.highlight_glow.clear()
    event = sc.trainer.advance("step")
    app.run_frames(1)
    planned = sc.board.view.planned
    assert len(taken) == event.info["planning_updates"] > 0
    assert planned.tolist() == sorted(set(taken))
    moved = set(np.flatnonzero(a.Q != Q).tolist())
    real = event.state * 4 + event.action
    assert moved - {real} and moved <= set(taken) | {real}
    assert set(sc.trainer.highlight_glow) == (set() if agent == "prioritized-sweeping" else {event.state})


def test_the_model_is_drawn_on_request_from_the_agents_model(make_app):
    app = make_app("dyna_maze")
    sc = scene(app)
    sc.use_agent("dyna-q", {}, 0)
    for _ in range(40):
        sc.trainer.advance("step")
    app.run_frames(1)
    assert "model" not in sc.overlays and sc.board.renderer._model.model is None  # not drawn unless asked
    press(app, sc.panels.overlay_buttons["model"])
    app.run_frames(1)
    layer = sc.board.renderer._model
    np.testing.assert_array_equal(sc.board.view.model_next, sc.trainer.agent.model_next)
    np.testing.assert_array_equal(layer.model, sc.trainer.agent.model_next)  # what the layer painted
    known = int((sc.trainer.agent.model_next >= 0).sum())
    assert 0 < known < sc.trainer.agent.model_next.size


@pytest.mark.parametrize(("agent", "name", "old", "new"), [("td-lambda", "lam", 0.8, 0.4), ("n-step-td", "n", 4, 8)])
def test_the_slider_changes_lambda_or_n_when_the_episode_ends(make_app, agent, name, old, new):
    app = make_app("random_walk_19")
    sc = scene(app)
    sc.use_agent(agent, {}, 0)
    app.run_frames(1)
    slider = sc.panels.episode_slider
    assert slider is not None and slider.name == name and name not in sc.panels.hp_sliders
    for _ in range(3):
        sc.trainer.advance("step")
    ui_event(app, pygame_gui.UI_HORIZONTAL_SLIDER_MOVED, slider.slider, value=float(position(name, new)))
    a = sc.trainer.agent
    assert getattr(a.config, name) == old and sc.trainer.pending_params == {name: new}
    assert slider.label.text.endswith(f"{old:g} → {new:g}") and "when this episode ends" in sc.status_text
    while True:
        event = sc.trainer.advance("step")
        assert sc.trainer.agent is a  # no reset
        if event.done:
            break
        assert getattr(a.config, name) == old
    assert getattr(a.config, name) == new and sc.trainer.params[name] == new and not sc.trainer.pending_params
    app.run_frames(1)
    assert slider.label.text.endswith(f"= {new:g}")
    # between episodes a change needs no wait
    ui_event(app, pygame_gui.UI_HORIZONTAL_SLIDER_MOVED, slider.slider, value=float(position(name, old)))
    assert getattr(a.config, name) == old


def test_agents_without_lambda_or_n_have_no_slider_and_positions_round_trip(make_app):
    sc = scene(make_app("cliff_walking"))
    assert sc.panels.episode_slider is None  # q-learning
    assert [position("n", v) for v in CHOICES["n"]] == list(range(len(CHOICES["n"])))
    assert CHOICES["n"][position("n", 7)] == 8 and CHOICES["lam"][position("lam", 0.93)] == 0.95


@pytest.mark.parametrize("zoom", [1.0, 1.5], ids=["1024x768", "1024x768-x1.5"])
@pytest.mark.parametrize(("level", "agent", "overlay"), [("cliff_walking", "sarsa-lambda", "traces"),
                                                         ("dyna_maze", "dyna-q", "model")], ids=["traces", "planning"])
def test_the_slider_overlays_and_legend_fit_at_1024x768_and_in_presentation_mode(make_app, zoom, level, agent, overlay):
    """The checks of test_layout (widgets inside the window, none over another, texts whole,
    drawn labels clear), with the slider and the new overlay toggles and legends shown."""
    app = make_app(level, size=(1024, 768))
    if zoom != 1.0:
        app.set_zoom(zoom)
    sc = scene(app)
    sc.use_agent(agent, {}, 0)
    for _ in range(2):
        sc.trainer.advance("episode")
    sc.trainer.advance("step")
    sc.cmd_overlay(overlay)
    sc.cmd_overlay("visits")  # the legend row split three ways
    sc.cmd_arrow(0)
    sc.curves.invalidate()
    app.run_frames(3)
    if agent == "sarsa-lambda":
        assert sc.panels.episode_slider is not None and sc.panels.episode_slider.slider.visible
    assert overlay in sc.panels.overlay_buttons
    _check(app)
