"""A button that, disabled, still says why in its tooltip.

pygame_gui shows no tooltip on a disabled button (``UIButton.can_hover`` is False), so a
greyed-out control could not explain itself: the Q overlay's button is disabled for agents
that learn no action values (REINFORCE, GRPO), and a teacher pointing at it must read why.
"""

from __future__ import annotations

from pygame_gui.core import UIElement
from pygame_gui.elements import UIButton


class ReasonButton(UIButton):
    """A UIButton with :meth:`set_reason`: a reason disables it and becomes its tooltip;
    no reason enables it with its own tooltip again."""

    reason = ""

    def set_reason(self, reason: str) -> None:
        """Disable the button because of ``reason`` (shown as its tooltip), or enable it
        with its own tooltip when ``reason`` is empty. Nothing happens if it is unchanged."""
        if reason == self.reason:
            return
        if not self.reason:
            self._own_tip = self.tool_tip_text
        self.reason = reason
        self.set_tooltip(reason or self._own_tip)
        self.disable() if reason else self.enable()

    def can_hover(self) -> bool:
        return bool(self.reason) and not self.is_enabled or super().can_hover()

    def on_hovered(self) -> None:
        """Disabled: only start the tooltip's clock (no hover colours, no hover event)."""
        UIElement.on_hovered(self) if not self.is_enabled else super().on_hovered()
