"""Label preferences: two episodes of the level side by side, the student says which is better.

This is where a preference dataset (issue 17, :mod:`gridrl.preferences`) comes from a human:
two episodes are sampled from the training scene's agent (its pi as it is now; the uniform
random policy with ``policy="uniform"``) on the level's exact model
(:func:`~gridrl.preferences.labeller.sample_episodes`) and drawn on two boards, without their
returns. The answer (left, right, tie; skip saves nothing) is written to the preference file
before the next pair is sampled, so closing the window, or a crash, loses no answered pair.

Saving: every answer rewrites the whole file with
:func:`~gridrl.preferences.data.save_preferences`, which writes a temporary file in the same
folder, flushes and fsyncs it, and renames it over the old one. Appending one JSONL line with
flush + fsync would write less, but an append cut off by a crash, a full disk or a killed
process leaves a torn last line, and :func:`~gridrl.preferences.data.load_preferences` then
refuses the whole file; a rename is all or nothing, so the file on disk is always a whole
one, the old or the new. Rewriting costs a few milliseconds for the thousands of pairs a
person can label by hand, and keeps a YAML file (``--out pairs.yaml``) YAML.

The file is ``<level>.jsonl`` in the user's preference folder, the sibling of the editor's
levels folder (``~/.local/share/gridrl/preferences`` on Linux; next to ``GRIDRL_USER_LEVELS``
when that is set), or the ``gridrl label --out`` file, which Ctrl+L then uses again for the
level. Pairs already in it are kept and the new ones appended; a file of another
level, or one that does not load, is never written: the scene says why and how to fix it.

Keys: 1 or Left (the left is better), 2 or Right, T (tie), S (skip), Esc (done); a click on a
board chooses it. R shows what the labels so far teach (a reward model fitted to them, beside
the true reward; R again goes back to labelling), M switches its model (tabular or MLP).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pygame

from gridrl.envs.model import TabularModel
from gridrl.gui.backdrop import Backdrop
from gridrl.gui.commands import Command
from gridrl.gui.editor_model import user_levels_dir
from gridrl.gui.label_view import (REWARD_MODELS, SIDES, LabelLayout, LabelWidgets, end_state, episode_view,
                                   label_layout, reward_view)  # fmt: skip
from gridrl.gui.layout import PRESENTATION_ROOM
from gridrl.gui.scene import Scene
from gridrl.gui.status import STATUS_SECONDS, draw_lines, draw_status_line
from gridrl.levels import GridLevel, Level, compile_grid
from gridrl.preferences import (Pair, PreferenceData, PreferenceError, RewardComparison, Segment, load_preferences,
                                sample_episodes, save_preferences)  # fmt: skip
from gridrl.preferences.data import SUFFIXES
from gridrl.render import text as rtext
from gridrl.render.board import BoardRenderer
from gridrl.render.colors import PALETTE, THEME
from gridrl.render.reward_view import RewardBoards, RewardView

if TYPE_CHECKING:
    from gridrl.gui.levels_menu import LevelMenu
    from gridrl.gui.window import Window

#: Commands the window (or the scenes below) handle while the labelling is open.
PASS_THROUGH = {"quit", "resize", "screenshot", "help", "presentation"}
#: Where the episodes come from: the training scene's agent as it is now, or uniform random.
POLICIES = ("agent", "uniform")
#: Samples drawn before two equal episodes (a deterministic policy) are shown as they are.
DRAWS = 20
#: The arrow keys' actions (gridrl.levels.Action: 1 right, 3 left) as answers.
ARROW_ANSWERS = {3: "left", 1: "right"}


def preferences_dir() -> Path:
    """Where the answers go by default: ``preferences`` beside the user's levels folder."""
    return user_levels_dir().parent / "preferences"


def level_identity(levels: LevelMenu) -> str:
    """The level as a preference file names it (what ``load_level`` takes where it can): a
    bundled name, a file's path, or the picker's label of a level held in memory."""
    source = levels.level_labels.get(levels.current_label)
    if isinstance(source, str):
        return source
    if isinstance(source, Path):
        return str(source)
    return re.sub(r" \((file|mine|edited)\)$", "", levels.current_label)


def file_stem(level_name: str) -> str:
    """A file name for ``level_name``: its stem, with anything but letters, digits, - and _ as _."""
    return re.sub(r"[^\w-]+", "_", Path(level_name).stem).strip("_") or "level"


def train_command(level_name: str, path: Path) -> str:
    """The command that trains DPO on the pairs in ``path`` (its hyperparameter ``pairs_file``)."""
    return f"gridrl train {shlex.quote(level_name)} --agent dpo --set {shlex.quote(f'pairs_file={path}')}"


def level_problem(level: Level) -> str | None:
    """Why no episode can be sampled on ``level`` (and what to do), or None."""
    if not isinstance(level, GridLevel):
        return (f"{level.name} is a bandit: labelling compares two episodes walked on a gridworld. "
                "Pick a gridworld level in the training view, then press Ctrl+L.")  # fmt: skip
    if not compile_grid(level).start.any():
        return (f"{level.name} has no start cell, so no episode can begin. Put an 'S' where the agent "
                "begins (level editor: Ctrl+E), then press Ctrl+L again.")  # fmt: skip
    return None


class LabelFile:
    """The preference file being labelled into: the pairs it held, then each answer, written
    whole at once (:func:`save_preferences`, atomic). ``problem``: why it must not be written
    (it does not load, or it holds another level's pairs); it is then left untouched."""

    def __init__(self, path: Path, level: GridLevel, level_name: str) -> None:
        self.path, self.level_name = path, level_name
        self.pairs: list[Pair] = []
        self.problem: str | None = None
        fix = ("It is left as it is: fix it or move it away, or label into another file "
               f"(gridrl label {level_name} --out FILE.jsonl).")  # fmt: skip
        if path.suffix.lower() not in SUFFIXES:
            self.problem = f"{path}: a preference file is .jsonl, .yaml or .yml, not '{path.suffix}'."
            return
        if not path.exists():
            return
        try:
            data = load_preferences(path, level)
        except (PreferenceError, OSError) as exc:
            self.problem = f"The preference file does not load: {exc}. {fix}"
            return
        if Path(data.level_name).stem != Path(level_name).stem:
            self.problem = f"{path} holds pairs of the level '{data.level_name}', not of '{level_name}'. {fix}"
            return
        self.level_name, self.pairs = data.level_name, list(data.pairs)

    def add(self, pair: Pair) -> None:
        """Append ``pair`` and write the file; on an error the pair is not kept (and it raises)."""
        self.pairs.append(pair)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            save_preferences(PreferenceData(self.level_name, tuple(self.pairs)), self.path)
        except BaseException:
            self.pairs.pop()
            raise


class LabelScene(Scene):
    """Two sampled episodes over the training scene (whose widgets it hides while open);
    ``out``: the preference file (default: :func:`preferences_dir` / ``<level>.jsonl``);
    ``policy``: one of :data:`POLICIES`."""

    name = "label"
    #: What its presentation layout needs at scale 1 (the window sizes its fonts by it).
    room = PRESENTATION_ROOM

    def __init__(self, app: Window, out: str | Path | None = None, policy: str = "agent") -> None:
        super().__init__(app)
        if policy not in POLICIES:
            raise ValueError(f"unknown policy '{policy}': use one of {', '.join(POLICIES)}")
        self.train = app.find("train")
        self.level, self.policy = self.train.level, policy
        self.level_name = level_identity(self.train.levels)
        given = getattr(app, "label_files", {})  # an --out file of this level is used again
        default = given.get(self.level_name, preferences_dir() / f"{file_stem(self.level_name)}.jsonl")
        self.path = Path(out) if out is not None else default
        if out is not None:
            given[self.level_name] = self.path
        self.problem = level_problem(self.level)
        self.model: TabularModel | None = None
        self.file: LabelFile | None = None
        if self.problem is None:
            self.model = TabularModel.from_level(self.level)
            self.file = LabelFile(self.path, self.level, self.level_name)
            self.problem = self.file.problem
        held = len(self.file.pairs) if self.file is not None else 0
        # a reopened file gets other pairs than the ones its first session was shown
        self.rng = np.random.default_rng([self.train.trainer.seed, held])
        #: The pair shown (left, right), and the cell each ended in (None: not one for sure).
        self.episodes: tuple[Segment, Segment] | None = None
        self.ends: tuple[int | None, int | None] = (None, None)
        self.policy_text, self.same = "", False
        self.skipped = 0
        self.saved = 0  # pairs this labelling wrote (the file may hold more from before)
        self.renderers = [BoardRenderer(self.level) for _ in SIDES] if isinstance(self.level, GridLevel) else []
        #: The reward view while shown (R): the model fitted to the pairs, against the truth.
        self.reward: tuple[RewardComparison, RewardView] | None = None
        self.reward_model = REWARD_MODELS[0]
        self.reward_boards = RewardBoards(self.level) if isinstance(self.level, GridLevel) else None
        self.status_text, self.status_error, self.status_age = "", False, 0.0
        self.widgets = LabelWidgets(self)
        self.backdrop = Backdrop()
        self.layout: LabelLayout = label_layout(app.size, app.zoom)
        if self.problem is None:
            self.sample()

    # ------------------------------------------------------------------ scene

    def enter(self) -> None:
        self.train.trainer.playing = False
        self.train.panels.kill()
        self.widgets.build(self.layout)
        if self.problem is not None:
            return
        keys = "Click the better board, or press 1 / ← or 2 / →; T: a tie, S: skip, Esc: done."
        self.status(self._next_prompt() if self.same else f"Which is better? Both come from {self.policy_text}. {keys}")

    def exit(self) -> None:
        self.widgets.kill()
        self.train.rebuild_panels()
        if self.problem is None:
            self.train.status(self.saved_line())

    def resize(self, size: tuple[int, int]) -> None:
        self.train.panels.kill()  # the training scene (resized first) rebuilt its widgets
        self.layout = label_layout(self.app.size, self.app.zoom)
        self.widgets.build(self.layout)

    # ------------------------------------------------------------------ state

    def status(self, text: str, error: bool = False) -> None:
        self.status_text, self.status_error, self.status_age = text, error, 0.0

    @property
    def labelled(self) -> int:
        """Pairs in the file (those it held and those answered here)."""
        return len(self.file.pairs) if self.file is not None else 0

    def blocked_reason(self) -> str:
        """Why no answer can be given now ("" when one can)."""
        if self.reward is not None:
            return "Showing what your labels teach: press R to go back to labelling."
        return self.problem or ("" if self.episodes is not None else "No pair to label.")

    def saved_line(self) -> str:
        """What this labelling saved and where, and the command that trains on the file."""
        if self.problem is not None:
            return f"Nothing saved: {self.problem}"
        if not self.labelled:
            return f"Nothing labelled: {self.path} was not written."
        saved = f"Saved {self.saved} pair{'s' if self.saved != 1 else ''} to {self.path} ({self.labelled} in the file)"
        return f"{saved}. Train on them: {train_command(self.level_name, self.path)}"

    def file_line(self) -> tuple[str, str]:
        """The top bar's line about the file, and its tooltip (the whole path)."""
        home = str(Path.home())
        shown = str(self.path)
        shown = "~" + shown[len(home):] if shown.startswith(home + "/") else shown
        n = self.labelled
        tip = f"{self.path}<br>Every answer is written to it at once; pairs it held are kept."
        if self.problem is not None and self.file is not None:
            return f"not writing to {shown}", tip
        return f"{n} pair{'s' if n != 1 else ''} in {shown}", tip

    def _policy(self) -> tuple[np.ndarray, str]:
        """pi (S, A) to sample from and its name: the agent's (rows that are no distribution,
        e.g. of walls, made uniform), or uniform random."""
        assert self.model is not None
        S, A = self.model.n_states, self.model.n_actions
        uniform = np.full((S, A), 1.0 / A)
        trainer = self.train.trainer
        if self.policy == "uniform":
            return uniform, "the uniform random policy"
        pi = np.asarray(trainer.insight().pi, dtype=np.float64)
        if pi.shape != (S, A):
            return uniform, "the uniform random policy"
        total = pi.sum(axis=1, keepdims=True)
        fine = np.isfinite(total) & (total > 0) & np.all(pi >= 0, axis=1, keepdims=True)
        return np.where(fine, pi / np.where(fine, total, 1.0), uniform), f"{trainer.agent_name}'s current policy"

    def sample(self) -> None:
        """A new pair from the policy (drawn again, up to :data:`DRAWS` times, while the two
        are the same walk: comparing a walk with itself teaches nothing)."""
        assert self.model is not None
        pi, self.policy_text = self._policy()
        for _ in range(DRAWS):
            left, right = sample_episodes(self.model, pi, 2, self.rng)
            if left != right:
                break
        self.episodes = (left, right)
        self.ends = (end_state(self.model, left), end_state(self.model, right))
        self.same = left == right

    def _next_prompt(self) -> str:
        """What to do with the pair now shown."""
        if self.same:
            return (f"{self.policy_text[:1].upper()}{self.policy_text[1:]} walked the same way {DRAWS} times, so "
                    "both show one walk: T for a tie or S to skip.")  # fmt: skip
        return "Which of these is better?"

    def answer(self, choice: str) -> None:
        """Save the pair shown as ``choice`` ("left", "right", "tie"; "skip" saves nothing),
        then show the next."""
        reason = self.blocked_reason()
        if reason:
            self.status(reason, error=True)
            return
        assert self.episodes is not None and self.file is not None
        left, right = self.episodes
        if choice == "skip":
            self.skipped += 1
            self.sample()
            self.status(f"Skipped: nothing saved ({self.labelled} pairs in the file). {self._next_prompt()}")
            return
        pair = Pair(right, left) if choice == "right" else Pair(left, right, tie=choice == "tie")
        try:
            self.file.add(pair)
        except (OSError, PreferenceError) as exc:
            self.status(f"Not saved: {exc}. The pair stays; answer again once {self.path.parent} can be written.",
                        error=True)  # fmt: skip
            return
        self.saved += 1
        said = "a tie" if choice == "tie" else f"{choice} is better"
        self.sample()
        self.status(f"Saved ({said}): {self.labelled} pairs in the file. {self._next_prompt()}")

    def toggle_reward(self) -> None:
        """Show the reward model fitted to the pairs labelled so far, or go back to labelling."""
        if self.reward is not None:
            self.reward = None
            self.status(f"Back to labelling. {self._next_prompt()}")
            return
        self.fit_reward()

    def fit_reward(self) -> None:
        """Fit :attr:`reward_model` to the file's pairs and show it (or say why it cannot)."""
        if self.problem is not None or self.model is None or self.file is None:
            self.status(self.problem or "No pair to learn from.", error=True)
            return
        if all(pair.tie for pair in self.file.pairs):  # also no pairs at all
            self.status("Label a few pairs first (a tie says nothing about which is better): the reward model "
                        "learns from your answers.", error=True)  # fmt: skip
            return
        data = PreferenceData(self.level_name, tuple(self.file.pairs))
        assert self.reward_boards is not None and isinstance(self.level, GridLevel)
        self.reward = reward_view(self.reward_boards, self.level, self.model.R, data, self.reward_model)
        comparison = self.reward[0]
        self.status(f"The {self.reward_model} model learned from {self.labelled} pairs: {comparison.summary()}. "
                    "M: the other model; R: back to labelling.")  # fmt: skip

    def switch_model(self) -> None:
        """The other reward model (refitted at once while the view is shown)."""
        self.reward_model = REWARD_MODELS[(REWARD_MODELS.index(self.reward_model) + 1) % len(REWARD_MODELS)]
        if self.reward is not None:
            self.fit_reward()
        else:
            self.status(f"Reward model: {self.reward_model}. R shows what your labels teach it.")

    # ------------------------------------------------------------------ commands

    def handle(self, command: Command) -> Command | None:
        if command.name in PASS_THROUGH:
            return command
        name, arg = command.name, command.arg
        if name == "prefer":
            self.answer(arg)
        elif name == "answer":
            self.answer(arg[0])
        elif name == "arrow" and arg in ARROW_ANSWERS:
            self.answer(ARROW_ANSWERS[arg])
        elif name == "step":  # S
            self.answer("skip")
        elif name in ("reset", "label_teach"):  # R
            self.toggle_reward()
        elif name in ("manual", "label_model"):  # M
            self.switch_model()
        elif name == "click":
            side = next((i for i, r in enumerate(self.layout.boards) if r.collidepoint(arg)), None)
            if side is not None and self.episodes is not None:
                self.answer(("left", "right")[side])
        elif name in ("escape", "label_done", "label"):
            self.app.pop(self)
        return None  # the training scene below gets nothing while the labelling is open

    # ------------------------------------------------------------------ update and draw

    def update(self, dt: float) -> None:
        self.status_age += dt
        if self.status_age >= STATUS_SECONDS:
            self.status_text = ""
        self.widgets.sync()

    def draw(self, surface: pygame.Surface) -> None:
        lay = self.layout
        self.backdrop.draw(surface, (lay.top,), ((lay.top.bottomleft, lay.top.bottomright),))
        readout = [f"{self.labelled} labelled", f"{self.skipped} skipped"]
        draw_status_line(surface, lay.status, readout, self.status_text, self.status_error, lay.scale)
        if self.reward is not None and self.reward_boards is not None:
            self.reward_boards.draw(surface, lay.body, self.reward[1], lay.scale)
            return
        if self.problem is not None or self.episodes is None:
            size = lay.font_size + 2
            draw_lines(surface, [self.problem or "No pair to label.", "Esc goes back to training."],
                       lay.body.x, lay.body.y, lay.body.w, lay.body.bottom, size, THEME["text"])  # fmt: skip
            return
        size = lay.font_size
        for i, (header, board, episode) in enumerate(zip(lay.headers, lay.boards, self.episodes)):
            renderer = self.renderers[i]
            renderer.text_scale = size / 13
            cells = renderer.layout(board).board
            # the header sits right above the cells (a wide, flat level leaves room above them)
            header = header.move(0, max(0, cells.y - round(8 * lay.scale) - header.bottom))
            swatch = pygame.Rect(header.x, header.y + header.h // 4, header.h // 2, header.h // 2)
            pygame.draw.rect(surface, PALETTE[i], swatch, border_radius=3)
            x = swatch.right + round(6 * lay.scale)
            steps = len(episode)
            rtext.blit(surface, f"{SIDES[i]} · {steps} step{'s' if steps != 1 else ''}", size + 1, THEME["text"],
                       (x, header.centery), "midleft", bold=True, max_width=header.right - x)  # fmt: skip
            renderer.draw(surface, board, episode_view(episode, self.ends[i], (renderer.rows, renderer.cols)))
            frame = cells.inflate(2 * round(3 * lay.scale), 2 * round(3 * lay.scale))
            pygame.draw.rect(surface, PALETTE[i], frame, round(3 * lay.scale), border_radius=round(4 * lay.scale))
