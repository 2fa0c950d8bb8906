"""Start gridrl's desktop app: ``python main.py [LEVEL]`` (a bundled level's name or a YAML path).

``--frames N`` runs N frames and exits (``--headless`` needs no display), ``--screenshot FILE``
saves the last frame; ``--levels`` lists the bundled levels instead of opening the window.
"""

from __future__ import annotations

import argparse
import os
import sys


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="gridrl: build a gridworld or bandit level, pick an agent, watch it learn.",
    )
    parser.add_argument("level", nargs="?", default="cliff_walking",
                        help="a bundled level's name or a level YAML file (default: cliff_walking)")
    parser.add_argument("--levels", action="store_true", help="list the bundled levels and exit")
    parser.add_argument("--headless", action="store_true",
                        help="no window (SDL's dummy video driver); use with --frames / --screenshot")
    parser.add_argument("--frames", type=int, default=None, metavar="N", help="run N frames, then exit")
    parser.add_argument("--screenshot", metavar="FILE.png", help="save the last frame as a PNG")
    parser.add_argument("--size", default="1280x800", help="window size WxH (default 1280x800)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.levels:
        from gridrl.cli import main as cli

        return cli(["levels"])
    if args.headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ["SDL_AUDIODRIVER"] = "dummy"
    try:
        w, h = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        print(f"main.py: --size must look like 1280x800, got {args.size!r}", file=sys.stderr)
        return 2
    from gridrl.gui.app import App

    app = App(args.level, size=(w, h))
    if args.frames is None and not args.screenshot:
        return app.run()
    app.run_frames(args.frames if args.frames is not None else 30)
    if args.screenshot:
        app.save_screenshot(args.screenshot)
    scene = app.scenes[0]
    print(f"gridrl: {app.frames} frames on {scene.current_label} ({scene.level.name}) "
          f"with {scene.trainer.agent_name}")
    app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
