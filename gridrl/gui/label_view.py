"""Where the labelling scene puts things, its widgets (pygame_gui), and what its boards show.

Under the top bar (title, how many pairs the file holds and where it is, the reward model's
two buttons, Done) and its status line, two columns: a header ("Left · 14 steps") over each
episode's board, and one row of answers across the bottom: "← Left is better (1)", "Tie (T)",
"Skip (S)", "Right is better (2) →". Input is handled by
:class:`~gridrl.gui.scene_label.LabelScene`.

"What your labels teach (R)" swaps the two episodes for the reward model fitted to the pairs
so far (:func:`reward_view`, drawn by :class:`~gridrl.render.reward_view.RewardBoards`): the
true reward beside the learned one, where the labels never went hatched. "Model (M)" switches
between the tabular model and the MLP over cell features.

An episode is drawn with the board's own layers, so it looks like the training scene's: its
cells as the trail (a line fading into the past), the action taken in each visited cell as a
policy arrow (every action taken there, full length), the start cell outlined as a selection,
the agent's token where the episode ended. Never its return: the human judges.

Presentation mode (F5) needs :data:`~gridrl.gui.layout.PRESENTATION_ROOM` at scale 1, as the
other scenes, and drops the title.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pygame
from pygame_gui.elements import UIButton, UILabel

from gridrl.envs.model import TabularModel
from gridrl.gui.layout import PAD, PRESENTATION_ROOM, ROW, STATUS_H, TOP_H, button_width, fit_widths, scale_for
from gridrl.gui.reason_button import ReasonButton
from gridrl.levels import GridLevel
from gridrl.preferences import (PreferenceData, RewardComparison, Segment, fit_mlp_rewards, fit_segment_rewards,
                                pair_counts)  # fmt: skip
from gridrl.render import text as rtext
from gridrl.render.board import BoardView
from gridrl.render.reward_view import RewardBoards, RewardView

if TYPE_CHECKING:
    from gridrl.gui.scene_label import LabelScene

#: The answers: (text, tooltip, the choice it makes), left to right along the bottom row.
ANSWERS = (
    ("← Left is better (1)", "The left episode is better (1 or the Left arrow; or click its board).", "left"),
    ("Tie (T)", "Both are as good: saved as a tie (T).", "tie"),
    ("Skip (S)", "Can't tell: nothing is saved, the next pair comes (S).", "skip"),
    ("Right is better (2) →", "The right episode is better (2 or the Right arrow; or click its board).", "right"),
)
DONE = "Done (Esc)"
SIDES = ("Left", "Right")
#: The reward view's buttons: (text, tooltip); the model's text names the model shown.
TEACH = ("What your labels teach (R)",
         "Fit a reward model to the pairs labelled so far and show it beside the true reward, on one "
         "colour scale (R; again: back to labelling). Hatched: actions no pair took, where the data "
         "says nothing.")  # fmt: skip
MODEL_TIP = ("The reward model fitted (M): tabular, one number per (s, a), nothing where the pairs never "
             "went; or a small MLP over what each action leads into (the tile kind) and where, which "
             "guesses there.")  # fmt: skip
#: The reward models the view fits, by the names its button shows.
REWARD_MODELS = ("tabular", "MLP")


@dataclass(frozen=True)
class LabelLayout:
    scale: float
    font_size: int
    #: The top bar's widgets; ``status`` is the line under it; ``top`` holds both.
    bar: pygame.Rect
    status: pygame.Rect
    top: pygame.Rect
    #: Per side (left, right): its header line and its board (with the caption under it).
    headers: tuple[pygame.Rect, pygame.Rect]
    boards: tuple[pygame.Rect, pygame.Rect]
    #: Both columns: where a message goes when there is nothing to label.
    body: pygame.Rect
    #: The answers' row across the bottom.
    answers: pygame.Rect
    presentation: bool = False


def label_layout(size: tuple[int, int], zoom: float) -> LabelLayout:
    """Two columns of header and board between the top bar and the answers' row."""
    w, h = size
    k = scale_for(size, zoom, PRESENTATION_ROOM)
    pad, row = round(PAD * k), round(ROW * k)
    bar = pygame.Rect(0, 0, w, round(TOP_H * k))
    status = pygame.Rect(pad, bar.bottom, w - 2 * pad, round(STATUS_H * k))
    top = pygame.Rect(0, 0, w, status.bottom)
    answers = pygame.Rect(pad, h - pad - row, w - 2 * pad, row)
    body_y = top.bottom + pad
    body = pygame.Rect(pad, body_y, w - 2 * pad, answers.y - pad - body_y)
    col_w = (w - 3 * pad) // 2
    headers = tuple(pygame.Rect(pad + i * (col_w + pad), body_y, col_w, row) for i in range(2))
    boards = tuple(pygame.Rect(r.x, r.bottom + round(4 * k), col_w, body.bottom - r.bottom - round(4 * k))
                   for r in headers)  # fmt: skip
    return LabelLayout(k, round(14 * k), bar, status, top, headers, boards, body, answers, zoom > 1.0)  # type: ignore[arg-type]


def episode_view(segment: Segment, end: int | None, shape: tuple[int, int]) -> BoardView:
    """What the board (``shape``: rows, cols) shows of one episode: its cells as the trail,
    drawn on to the token in the cell it ended in (``end``; None: its last cell), each action
    taken as an arrow, the start outlined."""
    rows, cols = shape
    states = [s for s, _ in segment]
    pi = np.zeros((rows * cols, 4))
    for s, a in segment:
        pi[s, a] = 1.0
    last = end if end is not None else states[-1]
    return BoardView(pi=pi, trail=states, agent=(float(last // cols), float(last % cols)), selected=states[0],
                     overlays=frozenset({"policy"}), caption="outlined: where it started · token: where it ended")  # fmt: skip


def end_state(model: TabularModel, segment: Segment) -> int | None:
    """The cell the episode's last action led to, when only one can follow it (a
    deterministic step); None if it could be several (the episode's data does not say)."""
    s, a = segment[-1]
    outcomes = np.unique(model.next_state[s, a][model.prob[s, a] > 0])
    return int(outcomes[0]) if outcomes.size == 1 else None


def reward_view(boards: RewardBoards, level: GridLevel, R: np.ndarray, data: PreferenceData,
                model: str) -> tuple[RewardComparison, RewardView]:  # fmt: skip
    """The ``model`` (one of :data:`REWARD_MODELS`) fitted to ``data`` on ``level`` (true reward
    ``R``, (S, 4)), compared with the truth, and what ``boards`` draw: the learned reward aligned
    to the truth; the tabular model's (s, a) that no pair visited grey (it knows nothing there),
    the MLP's with its guess."""
    S, A = R.shape
    learned = fit_segment_rewards(data, S, A) if model == "tabular" else fit_mlp_rewards(data, level)
    comparison, view = boards.compare(R, learned, pair_counts(data, S, A), grey_unseen=model == "tabular",
                                      title=f"learned ({model}), aligned")  # fmt: skip
    assert comparison is not None
    return comparison, replace(view, header=f"{model} model: {view.header}")


class LabelWidgets:
    """The labelling scene's widgets, rebuilt whole on a new size; :meth:`sync` keeps the
    file's line and the answers' enabled state up to date."""

    def __init__(self, scene: LabelScene) -> None:
        self.scene = scene
        self.elements: list[Any] = []
        self.answer_buttons: dict[str, ReasonButton] = {}
        self.teach_button: UIButton | None = None
        self.model_button: UIButton | None = None
        self._shown: tuple[str, str] | None = None
        self._toggles: tuple[bool, str] | None = None

    def _add(self, element: Any, command: str | None = None, key: Any = None) -> Any:
        self.elements.append(element)
        if command is not None:
            self.scene.app.bind(element, command, key)
        return element

    def kill(self) -> None:
        self.scene.app.unbind(self.elements)
        for element in self.elements:
            element.kill()
        self.elements, self.answer_buttons, self._shown, self._toggles = [], {}, None, None
        self.teach_button = self.model_button = None

    def build(self, lay: LabelLayout) -> None:
        self.kill()
        ui, fs, k = self.scene.app.ui, lay.font_size, lay.scale
        row, gap = round(ROW * k), round(6 * k)
        y = lay.bar.y + (lay.bar.h - row) // 2
        x = round(PAD * k) + 4
        if not lay.presentation:
            title = "Label preferences"
            title_w = rtext.font(fs + 4, bold=True).size(title)[0] + gap
            self._add(UILabel(pygame.Rect(x, y, title_w, row), title, ui, object_id="@title"))
            x += title_w + 2 * gap
        done_w = button_width(DONE, fs)
        done_x = lay.bar.right - round(PAD * k) - done_w
        self._add(UIButton(pygame.Rect(done_x, y, done_w, row), DONE, ui,
                           tool_tip_text="Back to training (Esc). Every answer is already saved."), "label_done")  # fmt: skip
        model_w = max(button_width(f"Model: {m} (M)", fs) for m in REWARD_MODELS)
        teach_w = button_width(TEACH[0], fs)
        teach_x = done_x - gap - teach_w
        model_x = teach_x - gap - model_w
        self.teach_button = self._add(UIButton(pygame.Rect(teach_x, y, teach_w, row), TEACH[0], ui,
                                               tool_tip_text=TEACH[1]), "label_teach")  # fmt: skip
        self.model_button = self._add(UIButton(pygame.Rect(model_x, y, model_w, row), "", ui,
                                               tool_tip_text=MODEL_TIP), "label_model")  # fmt: skip
        self.file_label = self._add(UILabel(pygame.Rect(x, y, max(0, model_x - gap - x), row), "", ui,
                                            object_id="@muted"))  # fmt: skip
        wants = [button_width(text, fs) for text, _, _ in ANSWERS]
        middle = wants[1] + wants[2] + 2 * gap
        side = max(wants[0], wants[3], (lay.answers.w - middle - 2 * gap) // 2)
        widths = fit_widths([side, wants[1], wants[2], side], [wants[0], wants[1], wants[2], wants[3]],
                            lay.answers.w - 3 * gap)  # fmt: skip
        xs = [lay.answers.x, 0, 0, lay.answers.right - widths[3]]
        xs[1] = lay.answers.centerx - middle // 2
        xs[2] = xs[1] + widths[1] + 2 * gap
        for (text, tip, choice), bx, bw in zip(ANSWERS, xs, widths):
            button = ReasonButton(pygame.Rect(bx, lay.answers.y, bw, row), text, ui, tool_tip_text=tip,
                                  object_id="#primary" if choice in ("left", "right") else None)  # fmt: skip
            self.answer_buttons[choice] = self._add(button, "answer", choice)
        self.sync()

    def sync(self) -> None:
        """The file's line (elided to its label, the whole path in the tooltip) and the
        answers, disabled with the reason while there is nothing to label."""
        if not self.elements:
            return
        s = self.scene
        text, tip = s.file_line()
        if self._shown != (text, tip):
            self._shown = (text, tip)
            room = self.file_label.rect.w - 4
            shown = rtext.elide(text, self.file_label.font.point_size, room)
            self.file_label.set_text(shown)
            self.file_label.set_tooltip(tip)
        reason = s.blocked_reason()
        for button in self.answer_buttons.values():
            button.set_reason(reason)
        toggles = (s.reward is not None, s.reward_model)
        if self._toggles != toggles and self.teach_button is not None and self.model_button is not None:
            self._toggles = toggles
            self.teach_button.select() if toggles[0] else self.teach_button.unselect()
            self.model_button.set_text(f"Model: {s.reward_model} (M)")
