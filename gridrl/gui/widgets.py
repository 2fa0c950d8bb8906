"""Small widget helpers of the training scene's controls: what the step units mean, a
hyperparameter's tooltip, a text elided to fit its widget, and a drop-down whose open list
stays on top."""

from __future__ import annotations

from typing import Any

from pygame_gui.elements import UIButton, UIDropDownMenu, UIWindow

from gridrl.render import text as rtext

UNIT_HELP = {
    "step": "one environment step (DP: one backup of the next cell in sweep order)",
    "episode": "play until the episode ends (DP: sweep until converged)",
    "update": "one learning update (TD: one step; Monte Carlo: one episode; DP: one sweep; deep: one gradient update)",
}


def unit_labels(t: Any) -> dict[str, str]:
    """What each unit means for this agent, as the Step-unit menu shows it."""
    if t.is_dp:
        return {"step": "step · one cell", "episode": "episode · to convergence", "update": "update · one sweep"}
    if t.is_bandit and not t.is_deep:
        return {"step": "step · one pull", "episode": "episode · a whole run", "update": "update · one pull"}
    if t.is_deep:
        return {"step": "step · env step", "episode": "episode", "update": "update · learning"}
    if t.agent_name == "monte-carlo":
        return {"step": "step · one move", "episode": "episode", "update": "update · one episode"}
    return {"step": "step · one move", "episode": "episode", "update": "update · one TD update"}


def range_tooltip(h: Any) -> str:
    text = h.help[:1].upper() + h.help[1:] if h.help else h.name
    return f"{text}.<br><b>{h.name}</b>: {h.range_text()}. Default: {h.default}."


def fit_text(element: Any, text: str, tip: str | None) -> None:
    """A fixed text wider than ``element`` (a button or label in a narrow window) shows
    elided with "…"; the whole text then leads the tooltip (``tip``, the widget's own), so
    nothing is lost."""
    room = element.rect.w - (12 if isinstance(element, UIButton) else 4)
    if not text or element.font.size(text)[0] <= room:
        return
    size = element.font.point_size
    bold = element.font.size(text)[0] > rtext.font(size).size(text)[0]  # a bold theme font
    element.set_text(rtext.elide(text, size, room, bold=bold))
    element.set_tooltip(f"<b>{text}</b>" + (f"<br>{tip}" if tip else ""))


class PopupDropDown(UIDropDownMenu):
    """A drop-down menu whose open list is drawn above every other widget (dialogs apart).

    pygame_gui puts the list three layers above the menu's container; widgets nested deeper
    (the hyperparameter panel's sliders sit at layer 5) were drawn over it and took its clicks
    (the level list opens over that panel once a few levels of your own are listed)."""

    def update(self, time_delta: float) -> None:
        was_open = self.current_state is self.menu_states["expanded"]
        super().update(time_delta)
        state = self.current_state
        if was_open or state is not self.menu_states["expanded"] or state.options_selection_list is None:
            return
        listing = state.options_selection_list
        others = [e for e in self.ui_container.elements if e is not listing and not isinstance(e, UIWindow)]
        top = max((e.get_top_layer() for e in others), default=0)
        listing.change_layer(top + 1)
        listing.list_and_scroll_bar_container.change_layer(top + 1)  # its rows and scroll bar
        self.ui_container.recalculate_container_layer_thickness()
