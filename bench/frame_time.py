"""Frame time of the board: drawing a level with every overlay while Q-learning trains.

Run by hand (``python bench/frame_time.py``; not part of the test run). For 8x8, 32x32 and
64x64 levels a Session trains q-learning for ``--budget`` ms per frame (as the app does),
then the frame takes the agent's insight and draws the board (values or Q triangles,
numbers, policy arrows, visit bars, trail, highlights of the cells just updated, the agent)
into a window-sized surface with the dummy video driver. It prints milliseconds per frame
for the draw alone and for the whole frame (train + insight + draw), and the first
(cold-cache) frame. The target: a 64x64 level with all overlays well within a 16 ms frame.

If ``gridrl.gui`` is there, it also times whole app frames (``App.tick``) on the same levels.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np  # noqa: E402
import pygame  # noqa: E402

from gridrl.levels import GridLevel, level_to_yaml  # noqa: E402
from gridrl.render import BoardRenderer, BoardView  # noqa: E402
from gridrl.session import Session  # noqa: E402

ALL = frozenset({"values", "numbers", "q", "policy", "visits"})
OVERLAY_SETS = {
    "values+policy": frozenset({"values", "policy"}),
    "values+numbers+policy+visits": frozenset({"values", "numbers", "policy", "visits"}),
    "all (Q triangles)": ALL,
}


def make_level(n: int, seed: int = 0) -> GridLevel:
    """An n x n level: start top-left, goal bottom-right, 12% walls, a few hazards."""
    rng = np.random.default_rng(seed)
    grid = rng.choice(np.array(list(".#X")), size=(n, n), p=[0.86, 0.12, 0.02])
    grid[0, 0], grid[-1, -1] = "S", "G"
    grid[0, 1:3], grid[1, 0:2] = ".", "."
    return GridLevel(f"bench {n}x{n}", tuple("".join(row) for row in grid))


def percentiles(ms: list[float]) -> str:
    a = np.array(ms)
    return f"mean {a.mean():6.2f}  p50 {np.percentile(a, 50):6.2f}  p95 {np.percentile(a, 95):6.2f}  max {a.max():6.2f}"


def time_board(level: GridLevel, overlays: frozenset[str], frames: int, budget: float,
               screen: pygame.Surface, rect: pygame.Rect) -> dict[str, object]:  # fmt: skip
    session = Session(level, "q-learning", {"epsilon": 0.1}, seed=0)
    renderer = BoardRenderer(level)
    trail: list[int] = []
    draw_ms, frame_ms, insight_ms, steps = [], [], [], []
    first = None
    for i in range(frames + 1):
        start = time.perf_counter()
        changed: set[int] = set()
        n = 0
        while time.perf_counter() - start < budget:
            event = session.advance("step")
            n += 1
            changed.update(int(s) for s in event.changed)
            if event.done:
                trail = []
            elif event.next_state is not None:
                trail.append(int(event.next_state))
                del trail[:-200]
        screen.fill((231, 235, 241))  # the app clears the window itself
        t_insight = time.perf_counter()
        insight = session.agent.insight()
        t_draw = time.perf_counter()
        s = getattr(session.agent, "s", None)
        view = BoardView(
            V=insight.V, Q=insight.Q, pi=insight.pi, visits=insight.visits,
            agent=None if s is None else divmod(int(s), level.shape[1]),
            trail=trail, highlight={c: 1.0 for c in changed}, selected=level.shape[1] + 1,
            overlays=overlays, caption=f"q-learning, {session.history.steps:,} steps",
        )  # fmt: skip
        renderer.draw(screen, rect, view)
        pygame.display.flip()
        end = time.perf_counter()
        if i == 0:
            first = (end - t_draw) * 1000
            continue
        draw_ms.append((end - t_draw) * 1000)
        insight_ms.append((t_draw - t_insight) * 1000)
        frame_ms.append((end - start) * 1000)
        steps.append(n)
    return {
        "cell": renderer.layout(rect).cell, "draw": draw_ms, "frame": frame_ms, "insight": insight_ms,
        "first": first, "steps": statistics.mean(steps),
    }  # fmt: skip


def time_app(level: GridLevel, frames: int, size: tuple[int, int]) -> str:
    """Whole app frames (``App.tick``) with every overlay on (the Q triangles with their numbers,
    the policy, the visits) and q-learning playing at full speed, if the GUI exists."""
    try:
        from gridrl.gui.app import App
    except ImportError as err:
        return f"skipped (no gridrl.gui: {err})"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.yaml"
        path.write_text(level_to_yaml(level))
        try:
            app = App(str(path), size)
            scene = app.scenes[0]
            trainer_cls = type(scene.trainer)
            scene.trainer = trainer_cls(scene.trainer.level, "q-learning")
            scene.trainer.playing = True
            scene.trainer.speed_index = len(getattr(sys.modules[trainer_cls.__module__], "SPEEDS", [0])) - 1
            scene.board.overlays.clear()
            scene.board.overlays.update(ALL)
            app.run_frames(5)
            times = []
            for _ in range(frames):
                start = time.perf_counter()
                app.tick(1 / 60)
                times.append((time.perf_counter() - start) * 1000)
            errors = list(getattr(app, "errors", []))
            app.close()
        except Exception as err:  # noqa: BLE001 - the GUI is someone else's moving target
            return f"skipped ({type(err).__name__}: {err})"
    note = f"  ({len(errors)} errors reported by the app)" if errors else ""
    return percentiles(times) + note


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=120, help="frames per measurement (default 120)")
    parser.add_argument("--budget", type=float, default=4.0, help="ms of training per frame (default 4)")
    parser.add_argument("--size", default="1280x800", help="window size (default 1280x800)")
    parser.add_argument("--sizes", default="8,32,64", help="level sizes (default 8,32,64)")
    parser.add_argument("--no-app", action="store_true", help="skip timing the whole app frame")
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    rect = pygame.Rect(20, 20, int(w * 0.66), h - 40)  # the board's share of the window
    print(f"board frame time, {args.frames} frames each, q-learning trains {args.budget:g} ms per frame, "
          f"board area {rect.w}x{rect.h} in a {w}x{h} window\n")  # fmt: skip
    for n in (int(v) for v in args.sizes.split(",")):
        pygame.display.init()  # again: the app closes the display when it is done
        pygame.font.init()
        screen = pygame.display.set_mode((w, h))
        level = make_level(n)
        for name, overlays in OVERLAY_SETS.items():
            r = time_board(level, overlays, args.frames, args.budget / 1000, screen, rect)
            print(f"{n}x{n} (cell {r['cell']} px), {name}:")
            print(f"    draw          {percentiles(r['draw'])} ms   (first frame {r['first']:.1f} ms)")
            print(f"    insight       {percentiles(r['insight'])} ms")
            print(f"    whole frame   {percentiles(r['frame'])} ms   "
                  f"-> {1000 / statistics.mean(r['frame']):.0f} FPS, {r['steps']:.0f} steps/frame")  # fmt: skip
        if not args.no_app:
            print(f"    app frame     {time_app(level, args.frames, (w, h))} ms")
        print()
    pygame.display.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
