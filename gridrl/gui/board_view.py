"""The board of one trainer: the gridworld with its overlays and colour legend, or a
bandit's arms; with the "reward" or "distance" overlay, the preference agents' reward model
beside the true reward, and their distance to pi* (:mod:`gridrl.render.reward_view`). It owns
what it draws (renderer, overlays, colour-scale lock, the agent's eased position) and nothing
else, so two can stand side by side, each fed by its own
:class:`~gridrl.gui.driver.TrainingDriver`.

:meth:`BoardPanel.compute` builds the frame's :class:`BoardView` (in ``update``);
:meth:`BoardPanel.draw` only draws it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pygame

from gridrl.gui.backdrop import CachedDrawing
from gridrl.gui.status import draw_lines
from gridrl.levels import GridLevel, Level
from gridrl.render import text as rtext
from gridrl.render.board import BoardRenderer, BoardView, draw_legend, draw_sequential_legend
from gridrl.render.charts import draw_bandit_bars
from gridrl.render.colors import THEME
from gridrl.render.layers import draw_key, draw_trace_legend
from gridrl.render.reward_view import RewardBoards, RewardView

#: The legend's words for the planning marks and the model's arrows.
PLANNING_KEY = (("real", "real step's update"), ("planned", "last step's planning"))
MODEL_KEY = ("model", "model: s → s'")

#: The overlays a new board shows.
DEFAULT_OVERLAYS = frozenset({"values", "policy"})


class BoardPanel:
    """One board: ``renderer`` is None on a bandit (its arms are drawn as bars)."""

    def __init__(self, level: Level) -> None:
        self.renderer = BoardRenderer(level) if isinstance(level, GridLevel) else None
        self.reward_boards = RewardBoards(level) if isinstance(level, GridLevel) else None
        #: The reward model's boards, drawn instead of the board while set (see :meth:`_reward_view`).
        self.reward_view: RewardView | None = None
        self.overlays: set[str] = set(DEFAULT_OVERLAYS)
        #: The colour scale's limit while locked (key K), None while it follows the values.
        self.scale_lock: float | None = None
        self.agent_pos: tuple[float, float] | None = None
        # what the frame shows, computed in compute()
        self.view: BoardView | None = None
        self.bandit: tuple[Any, ...] | None = None
        self.bandit_beliefs: dict[str, Any] = {}  # the agent's insight extras: UCB bounds, posteriors, H
        self.bandit_t = 0
        self.legend_rect: pygame.Rect | None = None
        self._value_legend = CachedDrawing()  # the colour scale changes far less often than the frame
        #: The Q overlay's legend label, and why there is nothing to draw (see driver.action_values).
        self.q_label, self.q_missing = "Q(s,a)", ""
        #: The agent's kind of eligibility trace ("accumulating", "replacing", "dutch"), or "".
        self.trace_kind = ""

    def new_level(self, level: Level) -> None:
        """Another level: a new board."""
        self.renderer = BoardRenderer(level) if isinstance(level, GridLevel) else None
        self.reward_boards = RewardBoards(level) if isinstance(level, GridLevel) else None

    def edit_level(self, level: GridLevel) -> None:
        """The same level edited live: same board, new cells."""
        assert self.renderer is not None
        self.renderer.set_level(level)
        self.reward_boards = RewardBoards(level)

    # ------------------------------------------------------------------ commands

    def toggle(self, name: str) -> None:
        self.overlays ^= {name}

    def lock_scale(self) -> float | None:
        """Lock the colour scale where it is now (colours then compare across moments of
        training), or unlock it; the locked limit, or None (unlocked, or nothing drawn)."""
        if self.scale_lock is not None:
            self.scale_lock = None
        elif self.view is not None and self.renderer is not None:
            self.scale_lock = self.renderer.color_limit(self.view)
        return self.scale_lock

    def q_status(self) -> str:
        """What the Q overlay shows, for the status line: the triangles, or why there are none."""
        if self.q_missing:
            return f"{self.q_missing} No action values and no critic of actions: the colours stay V(s)."
        v = self.q_label[0]  # Q, or A for the advantages
        return f"{self.q_label}: each cell's four triangles are {v}(s,↑), {v}(s,→), {v}(s,↓), {v}(s,←)."

    # ------------------------------------------------------------------ frame

    def compute(self, level: Level, source: dict[str, Any], *, target: int | None, trail: Any, highlight: Any,
                glide: float | None, selected: int | None, caption: str | None, board: pygame.Rect,
                legend: pygame.Rect, dt: float, badge: str | None = None) -> None:  # fmt: skip
        """The frame's view from ``source`` (V, Q, pi, visits, extras, and ``live``: False for a
        past snapshot). ``target``: the agent's cell; ``glide``: how fast the drawn agent eases
        there (rate k of 1 - exp(-k dt) per frame), None: it jumps there. ``badge``: the green
        pill before the caption."""
        V, Q, pi, visits, extras = (source[k] for k in ("V", "Q", "pi", "visits", "extras"))
        if not isinstance(level, GridLevel):
            names = [a.name for a in level.arms] if level.arms else None
            self.bandit = (extras.get("true_means"), Q[0], pi[0], extras.get("pulls"), names)
            self.bandit_beliefs = extras
            self.bandit_t = int(extras.get("t", 0)) if source["live"] else int(np.sum(extras.get("pulls", 0)))
            self.view = None
            return
        self.bandit = None
        self._glide(target, level.shape[1], glide, dt)
        Q, self.q_label, self.q_missing = source.get("action_values", (Q, "Q(s,a)", ""))
        self.trace_kind = extras.get("trace_kind", "")
        self.view = BoardView(
            V=V, Q=Q, pi=pi, visits=visits, agent=self.agent_pos, trail=list(trail), highlight=highlight,
            selected=selected, overlays=frozenset(self.overlays), caption=caption, badge=badge,
            value_limit=self.scale_lock, traces=extras.get("traces"), planned=extras.get("planned"),
            model_next=extras.get("model_next"),
        )  # fmt: skip
        self.reward_view = self._reward_view(extras)
        if self.renderer is not None:
            caption_rect = self.renderer.layout(board).caption
            legend = pygame.Rect(legend.x, min(legend.y, caption_rect.bottom + 6), legend.w, legend.h)
        self.legend_rect = legend

    def _reward_view(self, extras: dict[str, Any]) -> RewardView | None:
        """The reward model's boards while "reward" (the learned reward beside the true one) or
        "distance" (KL to pi* per cell) is on and the insight carries their arrays, else None."""
        reward = "reward" in self.overlays and extras.get("reward_learned") is not None
        distance = "distance" in self.overlays and extras.get("kl_per_cell") is not None
        if not (reward or distance) or extras.get("reward_true") is None or self.reward_boards is None:
            return None
        _, view = self.reward_boards.compare(extras["reward_true"], extras["reward_learned"] if reward else None,
                                             extras.get("reward_counts"),
                                             kl=extras["kl_per_cell"] if distance else None)  # fmt: skip
        return view

    def _glide(self, target: int | None, cols: int, k: float | None, dt: float) -> None:
        """Move the drawn agent towards ``target``: eased, or at once when ``k`` is None or the
        target is far (a teleport, a new episode)."""
        if target is None:
            self.agent_pos = None
            return
        goal = (float(target // cols), float(target % cols))
        if self.agent_pos is None or k is None or _dist(goal, self.agent_pos) > 1.5:
            self.agent_pos = goal
            return
        f = 1.0 - math.exp(-k * dt) if dt > 0 else 0.0
        r0, c0 = self.agent_pos
        self.agent_pos = (r0 + (goal[0] - r0) * f, c0 + (goal[1] - c0) * f)
        if _dist(goal, self.agent_pos) < 0.01:
            self.agent_pos = goal

    def draw(self, surface: pygame.Surface, board: pygame.Rect, bandit_area: pygame.Rect, *, visits_drawn: bool,
             font_size: int) -> None:  # fmt: skip
        """The board and its legend in ``board``, or the bandit's bars in ``bandit_area``.
        ``visits_drawn`` False: the agent visits no cells (DP), the legend says so. The caption
        and legend grow with ``font_size`` (13 px at the default window)."""
        if self.reward_view is not None and self.reward_boards is not None:
            self.reward_boards.draw(surface, board.union(self.legend_rect or board), self.reward_view, font_size / 13)
        elif self.view is not None and self.renderer is not None:
            self.renderer.text_scale = font_size / 13
            self.renderer.draw(surface, board, self.view)
            self._draw_legend(surface, visits_drawn, font_size)
        elif self.bandit is not None:
            true_means, Q, pi, pulls, names = self.bandit
            draw_bandit_bars(surface, bandit_area, true_means, Q, pi, pulls, names, beliefs=self.bandit_beliefs)

    def _draw_legend(self, surface: pygame.Surface, visits_drawn: bool, font_size: int) -> None:
        """The legend row, split evenly between what is shown: the colour scale (traces, Q or
        V), why there is no Q, the visits' scale, and the planning marks' key."""
        assert self.view is not None and self.renderer is not None and self.legend_rect is not None
        r, view, scale = self.legend_rect, self.view, self.renderer.text_scale
        note = self.q_missing if "q" in self.overlays else ""  # said where the visits' legend goes
        traces = "traces" in self.overlays and view.traces is not None
        q = "q" in self.overlays and view.Q is not None
        value_fill = not traces and (q or "values" in self.overlays)
        visits = "visits" in self.overlays and not note
        key = list(PLANNING_KEY) if view.planned is not None else []
        key += [MODEL_KEY] if "model" in self.overlays and view.model_next is not None else []
        parts = [p for p, on in (("scale", traces or value_fill), ("note", bool(note)), ("visits", visits),
                                 ("key", bool(key))) if on]  # fmt: skip
        if "key" in parts and len(parts) > 2 and (r.w - 40) // len(parts) < 160 * scale:
            parts.remove("key")  # too narrow for three: the scales are needed to read the colours
        if not parts:
            rtext.blit(surface, "Colours off: press V (values), Q (Q-values) or C (visits).", font_size,
                       THEME["text_muted"], r.center)  # fmt: skip
            return
        alone = len(parts) == 1
        width = min(r.w, 520) if alone else (r.w - 20 * (len(parts) - 1)) // len(parts)
        x = r.centerx - width // 2 if alone else r.x
        for part in parts:
            place = pygame.Rect(x, r.y + 2, width, r.h - 2)
            if part == "scale" and traces:
                draw_trace_legend(surface, place, self.renderer.trace_limit(view), self._trace_label(), self._trace_note(),
                                  scale=scale)  # fmt: skip
            elif part == "scale":
                label = self.q_label if q else "V(s)"
                limit, locked = self.renderer.color_limit(view), self.scale_lock is not None
                self._value_legend.draw(surface, place, (limit, label, locked, scale), lambda target: draw_legend(
                    target, place, limit, label, locked=locked, scale=scale))  # fmt: skip
            elif part == "note":
                draw_lines(surface, [note], x, r.y + 2, width, r.bottom, size=font_size, color=THEME["text_muted"])
            elif part == "visits" and not visits_drawn:
                rtext.blit(surface, "DP agents do not visit cells: no visit counts.", font_size, THEME["text_muted"],
                           (x, r.centery), anchor="midleft", max_width=width)  # fmt: skip
            elif part == "visits":
                counts = np.asarray(view.visits if view.visits is not None else [0], dtype=float)
                vmax = float(np.nanmax(counts)) if counts.size else 1.0
                draw_sequential_legend(surface, place, vmax, "visits", scale=scale)
            else:
                draw_key(surface, place, key, scale=scale * 0.85)
            x += width + 20

    def _trace_label(self) -> str:
        assert self.view is not None and self.view.traces is not None
        return "z(s,a)" if np.ndim(self.view.traces) == 2 else "z(s)"

    def _trace_note(self) -> str:
        """Why the scale's top is not 1: only accumulating traces grow past it."""
        if self.trace_kind == "replacing":
            return "replacing traces: at most 1"
        return f"{self.trace_kind} traces can exceed 1" if self.trace_kind else ""


def _dist(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])
