"""Hyperparameters changed while a :class:`~gridrl.gui.training.Trainer` trains: swapped into
the running agent where it reads them at every use (``AgentInfo.live``), else the agent is
rebuilt with the same seed.

Two live ones shape a whole episode (:data:`EPISODE_PARAMS`): lambda, by which every trace of
the episode so far has decayed, and n, the length of the n-step buffer being filled. Changed
during an episode, they wait for it to end (:meth:`LiveParams.apply_pending`), so no episode
mixes two values.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from gridrl.agents import REGISTRY, make_config
from gridrl.gui import catalog

if TYPE_CHECKING:
    from gridrl.session import Session

#: Live hyperparameters an episode is built on: a change made during an episode waits for it to end.
EPISODE_PARAMS = frozenset({"lam", "n"})


class LiveParams:
    """Mixed into Trainer, whose state these methods use."""

    if TYPE_CHECKING:
        agent: Any
        agent_name: str
        params: dict[str, Any]
        pending_params: dict[str, Any]
        session: Session
        playing: bool
        message: str
        _dirty: bool

        def wait(self) -> None: ...
        def rebuild(self) -> None: ...

    @property
    def in_episode(self) -> bool:
        """An episode is under way: the agent stands in it (not between two)."""
        return getattr(self.agent, "s", None) is not None

    def apply_params(self, values: dict[str, Any]) -> str:
        """Apply validated hyperparameters; returns what happened, for the status line.

        Values the running agent reads at every use are swapped into its config (those of
        :data:`EPISODE_PARAMS` when the episode under way ends); any other change rebuilds the
        session with the same seed ("applied — agent reset")."""
        self.wait()
        cls = catalog.load_class(self.agent_name)
        defaults = {h.name: h.default for h in cls.spec()}
        current = {**defaults, **self.params, **self.pending_params}
        changed = {k: v for k, v in values.items() if current.get(k) != v}
        if not changed:
            return ""
        make_config(cls.Config, {**self.params, **changed})  # validate all together
        if set(changed) <= REGISTRY[self.agent_name].live:
            later = {k: v for k, v in changed.items() if k in EPISODE_PARAMS and self.in_episode}
            now = {k: v for k, v in changed.items() if k not in later}
            for k in now:
                self.pending_params.pop(k, None)
            if now:
                self._apply_live(now, "applied from the next unit")
            if later:
                self.pending_params.update(later)
                self.message = (f"{_names(later)}: applied when this episode ends (traces and n-step buffers "
                                "are per episode)")  # fmt: skip
        else:
            playing = self.playing
            self.params.update(changed)
            self.rebuild()
            self.playing = playing
            self.message = f"{_names(changed)}: applied — agent reset"
        return self.message

    def apply_pending(self) -> None:
        """After each unit: the values waiting for the episode's end, once it has ended."""
        if self.pending_params and not self.in_episode:
            self._apply_live(self.pending_params, "applied as the episode ended")
            self.pending_params = {}

    def _apply_live(self, values: dict[str, Any], when: str) -> None:
        """Swap live ``values`` into the running agent's config, and say so."""
        self.agent.config = replace(self.agent.config, **values)
        self.params.update(values)
        self.session.params.update(values)
        self._dirty = True
        self.message = f"{_names(values)}: {when}"


def _names(values: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in values.items())
