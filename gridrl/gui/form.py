"""The agent's settings form: the hyperparameters, the seed and the number of runs as the
user types them, checked as they are typed and applied on Enter (or when the field loses
focus), live where the agent allows, else with a reset. The widgets are in
:mod:`gridrl.gui.panels`; this holds their texts, errors and pending values.

Picking a level or an agent starts the agent with the level's recommended settings for it
(the ``recommended:`` block of the level file), if it has any: the fields show them, a line
says whose they are, and "Plain defaults" starts the agent afresh with its own defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gridrl.agents import HyperparameterError
from gridrl.gui import catalog
from gridrl.gui.episode_slider import CHOICES
from gridrl.levels import Level, Recommended, recommended_for
from gridrl.session import recommended_errors

if TYPE_CHECKING:
    from gridrl.gui.scene_train import TrainScene


def recommended_params(level: Level, agent: str) -> dict[str, Any]:
    """The level's recommended hyperparameters for ``agent`` (none: {}); {} too if the agent
    rejects one of them (a typo in a level file must not stop the agent from starting; the
    form's note says what is wrong)."""
    entry = recommended_for(level, agent)
    return {} if entry is None or recommended_problem(level, agent) else entry.params


def recommended_problem(level: Level, agent: str) -> str:
    """What the agent rejects in the level's recommended settings ("file:line:col: ..."), or "".
    A deep agent's are checked where it is built, in the worker thread: checking imports torch."""
    errors = [] if catalog.find(agent).deep else recommended_errors(level, agent)
    return str(errors[0]) if errors else ""


class SettingsForm:
    def __init__(self, scene: TrainScene) -> None:
        self.scene = scene
        self.text: dict[str, str] = {}
        self.errors: dict[str, str] = {}
        self.pending: dict[str, Any] = {}
        self.note = self.recommended_line()
        self.seed_text = str(scene.trainer.seed)
        self.runs_text = str(scene.trainer.runs)
        self.spec = scene.trainer.spec()

    def params_for(self, level: Level, agent: str) -> dict[str, Any]:
        """The settings ``agent`` starts with on ``level``: its recommended hyperparameters there,
        overridden by the values the user set for the agent now running, if it stays (those
        that only were the current level's recommendation do not carry over)."""
        trainer, current = self.scene.trainer, self.recommended
        kept = trainer.params if agent == trainer.agent_name else {}
        stale = {} if current is None else current.params
        own = {k: v for k, v in kept.items() if k not in stale or stale[k] != v}
        return {**recommended_params(level, agent), **own}

    @property
    def recommended(self) -> Recommended | None:
        """The level's recommended settings for the agent, if they are all in effect."""
        trainer = self.scene.trainer
        entry = recommended_for(trainer.level, trainer.agent_name)
        in_effect = entry is not None and all(k in trainer.params and trainer.params[k] == v
                                              for k, v in entry.hyperparameters)  # fmt: skip
        return entry if in_effect else None

    def recommended_line(self) -> str:
        """Whose settings the form shows: "four_rooms's recommended settings for ppo: ...", what
        is wrong with them, or ""."""
        entry, trainer = self.recommended, self.scene.trainer
        if entry is None:
            return recommended_problem(trainer.level, trainer.agent_name)
        values = [f"{k}={v}" for k, v in entry.hyperparameters]
        values += [f"train {entry.budget.text()}"] if entry.budget else []
        return f"{self.scene.levels.current_label}'s recommended settings for {entry.agent}: {', '.join(values)}"

    def show_recommended(self) -> None:
        """A new agent or level: the note says whether the level's recommendation is in use."""
        self.note = self.recommended_line()

    def cmd_plain_defaults(self, _: Any = None) -> None:
        """Start the agent afresh with its own defaults, not the level's recommended settings."""
        trainer = self.scene.trainer
        self.scene.use_agent(trainer.agent_name, {}, trainer.seed)
        self.note = f"plain defaults of {trainer.agent_name}"
        self.scene.status(f"{trainer.agent_name} restarted with its plain defaults.")

    def clear(self) -> None:
        """A new agent: its own values, nothing typed yet."""
        self.text, self.errors, self.pending = {}, {}, {}

    def param_value(self, name: str) -> Any:
        if name in self.scene.trainer.params:
            return self.scene.trainer.params[name]
        for h in self.spec:
            if h.name == name:
                return h.default
        return None

    def param_text(self, h: Any) -> str:
        value = self.param_value(h.name)
        if value is None:
            return "none"
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    def _spec_of(self, name: str) -> Any:
        for h in self.spec:
            if h.name == name:
                return h
        raise KeyError(name)

    def cmd_hp_entry(self, arg: tuple[str, tuple[str, str]]) -> None:
        name, (kind, text) = arg
        h = self._spec_of(name)
        self.text[name] = text
        try:
            value = h.parse(text)
        except HyperparameterError as exc:
            self.errors[name] = str(exc)
            self.pending.pop(name, None)
            self.scene.panels.set_entry_valid(name, False)
            return
        self.errors.pop(name, None)
        self.scene.panels.set_entry_valid(name, True)
        if kind == "finished":
            self.pending.pop(name, None)
            self.apply_params({name: value})
        else:
            self.pending[name] = value

    def cmd_hp_slider(self, arg: tuple[str, float]) -> None:
        name, value = arg
        h = self._spec_of(name)
        value = int(round(value)) if h.type is int else float(f"{value:.3g}")
        text = f"{value:g}" if isinstance(value, float) else str(value)
        self.text[name] = text
        self.errors.pop(name, None)
        entry = self.scene.panels.hp_entries.get(name)
        if entry is not None:
            entry.set_text(text)
            self.scene.panels.set_entry_valid(name, True)
        self.apply_params({name: h.parse(value)})

    def cmd_episode_param(self, arg: tuple[str, float]) -> None:
        """The lambda / n slider moved to a position: its value, applied as the trainer allows
        (during an episode: when it ends)."""
        name, at = arg
        value = self._spec_of(name).parse(CHOICES[name][int(round(at))])
        self.text[name] = f"{value:g}"
        self.errors.pop(name, None)
        entry = self.scene.panels.hp_entries.get(name)
        if entry is not None:
            entry.set_text(self.text[name])
            self.scene.panels.set_entry_valid(name, True)
        self.apply_params({name: value})

    def cmd_hp_choice(self, arg: tuple[str, str]) -> None:
        name, text = arg
        h = self._spec_of(name)
        self.text[name] = text
        self.apply_params({name: h.parse(text)})

    def apply_params(self, values: dict[str, Any]) -> None:
        """Apply valid values: live if the agent reads them at every use, else a reset."""
        before = self.scene.trainer.session
        try:
            message = self.scene.trainer.apply_params(values)
        except HyperparameterError as exc:
            for name in values:
                self.errors[name] = str(exc)
                self.scene.panels.set_entry_valid(name, False)
            return
        if message:
            self.note = message
            self.scene.status(message)
        if self.scene.trainer.session is not before:
            self.scene.after_new_trainer()

    def cmd_runs_entry(self, arg: tuple[str, str]) -> None:
        kind, text = arg
        self.runs_text = text
        runs = self._whole(text, "runs", 1, 10_000, "a whole number in [1, 10000]", self.scene.panels.runs_entry)
        if runs is not None and kind == "finished" and runs != self.scene.trainer.runs:
            self.scene.trainer.set_runs(runs)
            self._after_reset()

    def cmd_seed_entry(self, arg: tuple[str, str]) -> None:
        kind, text = arg
        self.seed_text = text
        seed = self._whole(text, "seed", 0, None, "a whole number >= 0", self.scene.panels.seed_entry)
        if seed is not None and kind == "finished" and seed != self.scene.trainer.seed:
            self.scene.trainer.set_seed(seed)
            self._after_reset()

    def _whole(self, text: str, name: str, low: int, high: int | None, rule: str, entry: Any) -> int | None:
        """``text`` as a whole number in [low, high], or None with the error shown on ``entry``."""
        try:
            value = int(text)
            if value < low or (high is not None and value > high):
                raise ValueError
        except ValueError:
            self.errors[name] = f"{name} must be {rule}, got {text!r}"
            self.scene.panels._mark(entry, False)
            return None
        self.errors.pop(name, None)
        self.scene.panels._mark(entry, True)
        return value

    def _after_reset(self) -> None:
        self.scene.after_new_trainer()
        self.note = self.scene.trainer.message

    def apply_unfocused_entries(self) -> None:
        """A valid value typed without Enter is applied when its field loses focus."""
        for name in list(self.pending):
            entry = self.scene.panels.hp_entries.get(name)
            if entry is None or not entry.alive() or not entry.is_focused:
                value = self.pending.pop(name)
                self.apply_params({name: value})
