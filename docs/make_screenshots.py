"""Draw the README's screenshots of the app: ``python docs/make_screenshots.py``, with
SDL's dummy video driver, after real training.

Each view (a tabular, a neural and a bandit agent) at 1024 x 768, 1280 x 800 and
1920 x 1080; presentation mode (F5, ``--scale``) at 1024 x 768 x 1.5, 1280 x 800 x 1.5 and
1920 x 1080 x 2; the compare view (``gridrl app cliff_walking --compare sarsa q-learning``)
after 500 episodes, also in presentation mode at 1024 x 768 x 1.5, as is the editor. The 1280 x 800 shots keep the names the README has always used. Every
PNG is stored with a 256-colour palette when that keeps it under ``MAX_BYTES``.
``make screenshots`` runs it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from PIL import Image  # noqa: E402

from gridrl.gui.app import App  # noqa: E402

DOCS = Path(__file__).resolve().parent
MAX_BYTES = 300_000
SIZES = ((1024, 768), (1280, 800), (1920, 1080))
#: name -> (level, agent, unit trained, how many); the name at 1280 x 800, others get _WxH
VIEWS = {
    "app_cliff_qlearning": ("cliff_walking", "q-learning", "episode", 60),
    "app_ppo_four_rooms": ("four_rooms", "ppo", "update", 40),
    "app_bandit": ("ten_armed_testbed", "ucb", "step", 300),
}
#: name -> (view, window size, presentation factor)
PRESENTATION = {
    "app_presentation_1024x768": ("app_ppo_four_rooms", (1024, 768), 1.5),
    "app_presentation_1280x800": ("app_cliff_qlearning", (1280, 800), 1.5),
    "app_presentation_1920x1080": ("app_ppo_four_rooms", (1920, 1080), 2.0),
}


def shoot(path: Path, view: str, size: tuple[int, int], zoom: float = 1.0) -> Path:
    """The app at ``size`` (and ``zoom``) on ``view``'s level with its agent trained, the
    start cell selected on a gridworld (the inspector shows its numbers), saved to ``path``."""
    level, agent, unit, n = VIEWS[view]
    app = App(level, size=size)
    try:
        app.set_zoom(zoom)
        scene = app.scenes[0]
        scene.use_agent(agent, {}, 0)
        for _ in range(n):
            scene.trainer.advance(unit)
        if scene.trainer.is_grid:
            scene.cmd_arrow(0)
        note = " Presentation mode (F5 or --scale)." if zoom != 1 else ""
        scene.status(f"{agent} on {scene.level.name}: trained for {n} {unit}s.{note}")
        app.run_frames(20)
        app.save_screenshot(path)
    finally:
        app.close()
    return _small(path)


def shoot_compare(path: Path, episodes: int = 500, size: tuple[int, int] = (1280, 800), zoom: float = 1.0) -> Path:
    """Sarsa beside Q-learning on the cliff, each trained for ``episodes`` episodes in lockstep
    (Figure 6.4: Sarsa's safer path earns more per episode while both explore)."""
    app = App("cliff_walking", size=size)
    try:
        app.set_zoom(zoom)
        compare = app.open_scene("compare", [("sarsa", {}), ("q-learning", {})], 0)
        for side in compare.sides:
            for _ in range(episodes):
                side.trainer.advance("episode")
        compare.status(f"Sarsa and Q-learning on the cliff, same seed: {episodes} episodes each.")
        app.run_frames(90)  # the boards' optimality checks come back from their thread
        app.save_screenshot(path)
    finally:
        app.close()
    return _small(path)


def shoot_editor(path: Path, level: str, size: tuple[int, int], zoom: float) -> Path:
    """The level editor on ``level`` at ``size`` and presentation factor ``zoom``."""
    app = App(level, size=size)
    try:
        app.set_zoom(zoom)
        app.scenes[0].cmd_edit_mode()
        app.run_frames(20)
        app.save_screenshot(path)
    finally:
        app.close()
    return _small(path)


def _small(path: Path) -> Path:
    if path.stat().st_size > MAX_BYTES:
        Image.open(path).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return path


def main() -> int:
    shots = []
    for view in VIEWS:
        for w, h in SIZES:
            name = view if (w, h) == (1280, 800) else f"{view}_{w}x{h}"
            shots.append(shoot(DOCS / f"{name}.png", view, (w, h)))
    for name, (view, size, zoom) in PRESENTATION.items():
        shots.append(shoot(DOCS / f"{name}.png", view, size, zoom))
    shots.append(shoot_compare(DOCS / "app_compare.png"))
    shots.append(shoot_compare(DOCS / "app_compare_presentation_1024x768.png", size=(1024, 768), zoom=1.5))
    shots.append(shoot_editor(DOCS / "app_editor_presentation_1024x768.png", "four_rooms", (1024, 768), 1.5))
    for path in shots:
        print(f"{path.relative_to(DOCS.parent)}: {path.stat().st_size // 1000} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
