"""Dynamic programming's own controls of a :class:`~gridrl.gui.training.Trainer`: back up
one cell, run one sweep, improve the policy, and the board's caption of the sweeps so far.

A DP agent does not walk, so these replace stepping: each is one Bellman operation on the
exact model, recorded like any unit (the glow, the inspector's last update, the curves).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from gridrl.agents import Event
from gridrl.agents.common.dp import DynamicProgramming
from gridrl.gui.inspector import cell_name

if TYPE_CHECKING:
    from gridrl.levels import Level
    from gridrl.session import Session


class DPSteps:
    """Mixed into Trainer, whose state these methods use."""

    if TYPE_CHECKING:
        agent: Any
        agent_name: str
        level: Level
        session: Session
        playing: bool
        message: str
        units_run: int
        is_dp: bool
        last_update: dict[int, tuple[str, dict[str, Any], int]]

        def wait(self) -> None: ...
        def advance(self, unit: str) -> Event: ...
        def _absorb(self, event: Event) -> None: ...

    def caption(self) -> str | None:
        """DP: "values after k sweeps" and the last sweep's max |ΔV|."""
        if not self.is_dp:
            return None
        agent = self.agent
        text = f"values after {agent.sweeps} sweep{'s' if agent.sweeps != 1 else ''}"
        if not math.isnan(agent.max_delta):
            text += f" · max |ΔV| = {agent.max_delta:.4g}"
        if getattr(agent, "cursor", 0):
            text += f" · {agent.cursor} cells of sweep {agent.sweeps + 1} done"
        if self.agent_name == "policy-iteration":
            text += f" · {agent.improvements} improvement{'s' if agent.improvements != 1 else ''}"
        if agent.converged:
            text += " · converged"
        return text

    def _converged_text(self) -> str:
        sweeps = getattr(self.agent, "sweeps", 0)
        if self.agent_name == "policy-iteration":
            return f"converged: policy stable after {sweeps} sweeps (π is optimal) — paused"
        return f"converged after {sweeps} sweeps (no value moved by θ or more) — paused"

    def backup_cell(self, s: int) -> Event:
        """One Bellman backup of cell ``s`` (DP agents only)."""
        self.playing = False
        self.wait()
        event = self.agent.backup(int(s))
        self.session.history.record(event)
        self._absorb(event)
        where = cell_name(s, self.level.shape[1])
        self.message = f"backed up cell {where} (s = {s}): V = {self.agent.V[int(s)]:.4g}"
        return event

    def sweep(self) -> Event:
        """One full sweep of backups (for policy iteration: one evaluation sweep)."""
        self.playing = False
        self.wait()
        if self.agent_name == "policy-iteration":
            event = DynamicProgramming.update(self.agent)
            self.session.history.record(event)
            self._absorb(event)
        else:
            event = self.advance("update")
        self.message = f"sweep {self.agent.sweeps}: max |ΔV| = {self.agent.max_delta:.4g}"
        return event

    def improve(self) -> Event:
        """Policy iteration's improvement step: pi(s) <- argmax_a q(s, a) in every state."""
        self.playing = False
        self.wait()
        agent = self.agent
        if not hasattr(agent, "improve"):
            raise TypeError(f"{self.agent_name} has no policy-improvement step")
        old = agent.actions()
        changed, stable = agent.improve()
        Q = agent.model.q_from_v(agent.V)
        new = agent.actions()
        event = Event(unit="update", changed=np.asarray(changed, dtype=np.int64),
                      equation=getattr(agent, "improvement_equation", "π(s) ← argmax_a q(s,a)"),
                      info={"improved": True, "policy_stable": stable})  # fmt: skip
        self.session.history.record(event)
        self._absorb(event)
        for s in np.asarray(changed).tolist():
            self.last_update[s] = (event.equation, {"phase": "improvement", "s": s, "q": Q[s].tolist(),
                                   "old_action": int(old[s]), "a": int(new[s])}, self.units_run)  # fmt: skip
        self.message = (
            "policy stable: no action changed" if stable
            else f"policy improvement: {len(changed)} cell{'s' if len(changed) != 1 else ''} changed action"
        )
        return event
