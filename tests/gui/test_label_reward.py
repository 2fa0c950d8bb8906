"""What the labels teach (issue 17, item 2, in the app): after some labelled pairs, R in the
labelling scene fits the reward model to them and shows it beside the true reward with its
correlation; M switches to the MLP; R goes back to labelling. Driven with posted keys on the
real app at 1024 x 768, the numbers checked against a fit of the file on disk."""

from __future__ import annotations

import numpy as np
import pygame
import pytest
from threadpoolctl import threadpool_limits

from gridrl.envs.model import TabularModel
from gridrl.gui.scene_label import LabelScene
from gridrl.levels import load_level
from gridrl.preferences import (actable_states, compare_rewards, fit_mlp_rewards, fit_segment_rewards,
                                load_preferences, pair_counts)  # fmt: skip

from gui_helpers import key, press

SIZE = (1024, 768)


@pytest.fixture(autouse=True)
def one_blas_thread():
    """As the app runs (gridrl.gui.launch): OpenBLAS's threads spin on small matrices, and on a
    busy machine made each Newton step of the tabular fit ten times slower."""
    with threadpool_limits(1, user_api="blas"):
        yield


def _label(app, n: int) -> LabelScene:
    """Open the labelling and answer ``n`` pairs as the labeller who knows the reward would:
    the episode with the larger return is better (1 or 2), equal returns a tie (T)."""
    key(app, pygame.K_l, mod=pygame.KMOD_CTRL)
    sc = app.top
    R = sc.model.R
    for _ in range(n):
        left, right = (sum(R[s, a] for s, a in episode) for episode in sc.episodes)
        key(app, pygame.K_1 if left > right else pygame.K_2 if right > left else pygame.K_t, frames=1)
    return sc


def test_r_shows_what_the_labels_teach_with_the_correlation_of_a_fit_of_the_file(make_app):
    app = make_app("cliff_walking", size=SIZE)
    sc = _label(app, 8)
    assert sc.labelled == 8 and sc.reward is None
    key(app, pygame.K_r)
    assert sc.reward is not None and app.errors == []
    comparison, view = sc.reward
    level = load_level("cliff_walking")
    R = TabularModel.from_level(level).R
    data = load_preferences(sc.path, "cliff_walking")
    counts = pair_counts(data, 48, 4)
    expected = compare_rewards(R, fit_segment_rewards(data, 48, 4), counts, actable_states(level))
    assert comparison == expected
    # the 36 open cells and the start (not the 10 cliff teleports, not the goal) x 4 actions
    assert comparison.n_actable == 148 and view.header == f"tabular model: {expected.summary()}"
    assert expected.summary() in sc.status_text and sc.widgets.teach_button.is_selected
    assert np.isnan(view.learned[counts == 0]).all() and np.isfinite(view.learned[counts > 0]).all()
    # answers wait while the view is shown, and say why
    shown = sc.episodes
    key(app, pygame.K_1)
    assert sc.labelled == 8 and sc.episodes == shown
    assert all("press R to go back" in b.tool_tip_text for b in sc.widgets.answer_buttons.values())

    key(app, pygame.K_m)  # the MLP over cell features, refitted at once
    mlp, view = sc.reward
    assert sc.reward_model == "MLP" and sc.widgets.model_button.text == "Model: MLP (M)"
    assert mlp == compare_rewards(R, fit_mlp_rewards(data, level), counts, actable_states(level))
    assert np.isfinite(mlp.correlation) and mlp.n_seen == comparison.n_seen
    assert np.isfinite(view.learned[actable_states(level)]).all()  # the MLP guesses everywhere

    press(app, sc.widgets.teach_button)  # the button does what R does: back to labelling
    assert sc.reward is None and not sc.widgets.teach_button.is_selected
    key(app, pygame.K_2)
    assert sc.labelled == 9 and app.errors == []


def test_r_before_any_label_says_to_label_first(make_app):
    app = make_app("cliff_walking", size=SIZE)
    key(app, pygame.K_l, mod=pygame.KMOD_CTRL)
    sc = app.top
    key(app, pygame.K_r)
    assert sc.reward is None and sc.status_error and "Label a few pairs first" in sc.status_text
    key(app, pygame.K_t)  # a tie teaches nothing either
    key(app, pygame.K_r)
    assert sc.reward is None and "Label a few pairs first" in sc.status_text and app.errors == []


def test_the_training_view_offers_the_reward_overlays_when_the_insight_carries_their_arrays():
    """rlhf-ppo's insight carries reward_true, reward_learned, reward_counts and kl_per_cell
    (dpo's all but reward_learned): the overlay menu then offers "reward" and "distance", and
    the board shows the reward model beside the truth, then the KL board too."""
    from gridrl.gui.board_view import BoardPanel
    from gridrl.gui.panels import overlay_buttons
    from gridrl.render.colors import DIVERGING

    level = load_level("cliff_walking")
    R = TabularModel.from_level(level).R
    counts = np.ones((48, 4))
    counts[13] = 0  # the cell above the first cliff tile: never in the pairs
    kl = np.where(actable_states(level), 0.1, np.nan)
    extras = {"reward_true": R, "reward_learned": 2 * R + 0.5, "reward_counts": counts, "kl_per_cell": kl}
    assert [b[0] for b in overlay_buttons({"traces": 0})][5:] == ["traces"]
    assert [b[0] for b in overlay_buttons(extras)][5:] == ["reward", "distance"]
    assert [b[0] for b in overlay_buttons({k: v for k, v in extras.items() if k != "reward_learned"})][5:] == ["distance"]

    panel = BoardPanel(level)
    source = {"V": np.zeros(48), "Q": np.zeros((48, 4)), "pi": np.full((48, 4), 0.25), "visits": np.zeros(48),
              "extras": extras, "live": True}  # fmt: skip
    board, legend = pygame.Rect(300, 120, 420, 330), pygame.Rect(300, 460, 420, 60)

    def frame() -> pygame.Surface:
        panel.compute(level, source, target=None, trail=[], highlight={}, glide=None, selected=None, caption=None,
                      board=board, legend=legend, dt=0.0)  # fmt: skip
        surface = pygame.Surface((1024, 768))
        panel.draw(surface, board, board, visits_drawn=True, font_size=13)
        return surface

    frame()
    assert panel.reward_view is None  # the overlay is off
    panel.toggle("reward")
    surface = frame()
    view = panel.reward_view
    assert view.n_boards == 2 and view.header == "correlation 1.00 over 144 of 148 (s, a) seen"
    _, learned = panel.reward_boards.board_rects(board.union(panel.legend_rect), view)
    cell = learned.w // 12
    # (s = 25, down) steps into the cliff: -100, beyond the scale's -5, its darkest blue
    x, y = learned.x + cell + cell // 2, learned.y + 2 * cell + int(0.8 * cell)
    assert tuple(surface.get_at((x, y)))[:3] == tuple(int(c) for c in DIVERGING[0])
    panel.toggle("distance")
    frame()
    assert panel.reward_view.n_boards == 3 and np.array_equal(panel.reward_view.kl, kl, equal_nan=True)


@pytest.mark.parametrize("zoom", [1.0, 1.5], ids=["1024x768", "1024x768-x1.5"])
def test_the_reward_view_has_room_for_everything(make_app, monkeypatch, zoom):
    """The layout test's checks (tests/gui/test_layout.py) with the reward view shown: widgets
    inside the window and apart, their texts whole, the drawn texts apart and in their panels."""
    import test_layout as layout_check

    app = make_app("cliff_walking", size=SIZE)
    app.set_zoom(zoom)
    sc = _label(app, 3)
    key(app, pygame.K_m)
    key(app, pygame.K_r)
    assert sc.reward is not None
    lay = sc.layout
    monkeypatch.setattr(layout_check, "_panels", lambda app: [lay.top, lay.body])
    layout_check._check(app, widgets=6, labels=5)
