"""The headless commands ``gridrl lesson list``, ``gridrl lesson run`` and ``gridrl compare``.

:func:`add_commands` registers them on the ``gridrl`` command's subparsers. Like the other
commands, each reports bad input as a message on stderr and an exit status (0 done, 1 a
check of the published result failed, 2 bad input or a lesson that cannot run), never as a
traceback.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from gridrl.progress import QUIET_HELP

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _fail(message: str) -> int:
    print(f"gridrl: {message}", file=sys.stderr)
    return EXIT_USAGE


def _guarded(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Run a command; known kinds of bad input become a message and exit status 2."""

    def run(args: argparse.Namespace) -> int:
        from gridrl.agents import HyperparameterError, LevelMismatchError
        from gridrl.lessons.backends import BackendUnavailable
        from gridrl.lessons.loader import LessonError
        from gridrl.lessons.runner import LessonUnavailable, StudyError
        from gridrl.levels import LevelError

        try:
            return func(args)
        except (LessonError, LevelError, HyperparameterError, LevelMismatchError, LessonUnavailable,
                UsageProblem, BackendUnavailable, StudyError) as err:  # fmt: skip
            return _fail(str(err))

    run.__doc__ = func.__doc__
    return run


class UsageProblem(ValueError):
    """Bad command-line input for a lesson command."""


# --------------------------------------------------------------------------- lesson list


def cmd_lesson_list(args: argparse.Namespace) -> int:
    """The bundled lessons: name, the figure it reproduces, and its title."""
    from gridrl.lessons.loader import LESSONS_DIR, lesson_names, read_header

    names = lesson_names()
    width = max(map(len, names), default=0)
    headers = {name: read_header(LESSONS_DIR / f"{name}.yaml") for name in names}
    fig_width = max((len(h.get("figure", "")) for h in headers.values()), default=0)
    fig_width = min(fig_width, 48)
    for name in names:
        h = headers[name]
        figure = textwrap.shorten(h.get("figure", ""), 48)
        print(f"{name:<{width}}  {figure:<{fig_width}}  {h.get('title', '')}")
    return EXIT_OK


# --------------------------------------------------------------------------- lesson run


def cmd_lesson_run(args: argparse.Namespace) -> int:
    """Run a lesson: train, plot, check; with --out write the figures and the reports."""
    from gridrl.lessons.loader import load_lesson

    lesson = load_lesson(args.name)
    if args.gui:
        return _hand_to_gui(lesson)
    if args.out is None:
        raise UsageProblem("lesson run needs --out DIR (where the figures and report go), or --gui")
    if args.workers is not None and args.workers < 1:
        raise UsageProblem(f"--workers must be at least 1, got {args.workers}")
    if args.ray_address is not None and args.backend != "ray":
        raise UsageProblem("--ray-address goes with --backend ray")
    from gridrl.lessons.runner import run_lesson

    print(f"{lesson.title}  ({lesson.figure})")
    result = run_lesson(lesson, args.out, quick=args.quick, workers=args.workers, progress=not args.quiet,
                        log=lambda text: print(f"  {text}"), backend=args.backend,
                        ray_address=args.ray_address)  # fmt: skip
    _print_checks(result)
    out = Path(args.out)
    print(f"wrote {out / 'index.html'}, {out / 'report.md'} and {len(result.images) + len(result.animations)} "
          f"figure{'s' * (len(result.images) + len(result.animations) != 1)} in {result.elapsed:.1f} s")  # fmt: skip
    for note in result.notes:
        print(f"  note: {note}")
    return EXIT_OK if result.ok else EXIT_FAILED


def _print_checks(result: Any) -> None:
    from gridrl.lessons.report import check_rows

    for row in check_rows(result):
        curve = f"{row['curve']}: " if row["curve"] else ""
        numbers = (
            f"measured {row['measured']}, published {row['published']} {row['tolerance']}"
            if row["measured"]
            else ""
        )
        print(f"  [{row['ok']}] {row['claim']}  {curve}{numbers}".rstrip())


def _hand_to_gui(lesson: Any) -> int:
    """Play the lesson in the desktop app: the level it loaded, its first run's agent (or
    the two it compares) with the lesson's settings and seed, and its explanation first."""
    from gridrl.gui.app import open_lesson  # imports pygame: only when --gui is asked for

    # a study plays its agents with their fixed hyperparameters (the varied one at its default)
    run = (lesson.runs or lesson.studies)[0]
    agents = [(spec.agent, dict(spec.params)) for spec in run.agents]
    named = None if run.level_source == "inline" else run.level_source
    app = open_lesson(run.level, agents, lesson.seed, lesson.title, lesson.explanation, named=named)
    return app.run()


# --------------------------------------------------------------------------- compare


def cmd_compare(args: argparse.Namespace) -> int:
    """Learning curves of several agents on one level: mean and 95% band over seeds."""
    from gridrl.lessons.compare import compare_lesson
    from gridrl.lessons.runner import run_lesson

    if args.workers is not None and args.workers < 1:
        raise UsageProblem(f"--workers must be at least 1, got {args.workers}")
    lesson = compare_lesson(
        level=args.level, agents=args.agents, sets=args.set or [], seeds=args.seeds,
        episodes=args.episodes, steps=args.steps, updates=args.updates, runs=args.runs,
        smooth=args.smooth, seed=args.seed,
    )  # fmt: skip
    print(lesson.title)
    result = run_lesson(lesson, args.out, workers=args.workers, progress=not args.quiet,
                        log=lambda text: print(f"  {text}"), command=_compare_command(args))  # fmt: skip
    _print_compare_summary(result)
    files = ", ".join(f for f, _ in result.images)
    print(
        f"wrote {files}, their CSV, curves.json, report.md and index.html to {args.out} in {result.elapsed:.1f} s"
    )
    return EXIT_OK


def _compare_command(args: argparse.Namespace) -> str:
    parts = ["gridrl compare", args.level, "--agents", args.agents]
    parts += [f"--set {s}" for s in args.set or []]
    parts += [f"--seeds {args.seeds}"]
    for unit in ("episodes", "steps", "updates"):
        if getattr(args, unit) is not None:
            parts.append(f"--{unit} {getattr(args, unit)}")
    parts.append(f"--out {args.out}")
    return " ".join(parts)


def _print_compare_summary(result: Any) -> None:
    """Per curve: the mean over seeds of the last tenth of the first plot's metric, and its 95% CI."""
    import numpy as np

    from gridrl.lessons.model import PlotStep
    from gridrl.lessons.report import fmt
    from gridrl.lessons.stats import band

    plots = [s for s in result.lesson.steps if isinstance(s, PlotStep)]
    if not plots:
        return
    step = plots[0]
    print(f"  {step.ylabel}, mean of the last 10% (95% CI over seeds):")
    for label in step.curves:
        _, Y = result.curves[label].curve(step.metric)
        if Y.size == 0:
            print(f"    {label}: no data")
            continue
        tail = Y[:, -max(1, Y.shape[1] // 10) :].mean(axis=1, keepdims=True)
        b = band(np.zeros(1), tail)
        print(f"    {label:<24} {fmt(float(b.mean[0]))}  [{fmt(float(b.low[0]))}, {fmt(float(b.high[0]))}]")


# --------------------------------------------------------------------------- registration


def add_commands(subparsers: Any) -> None:
    """Register ``lesson`` (with ``list`` and ``run``) and ``compare`` on ``gridrl``'s subparsers."""
    lesson = subparsers.add_parser(
        "lesson",
        help="run a lesson that reproduces a textbook figure",
        description="Lessons reproduce published figures (Sutton & Barto, the course notes) with "
        "gridrl's own agents and levels, and write the plots, the data and a report.",
    )
    lesson_commands = lesson.add_subparsers(dest="lesson_command", metavar="ACTION")
    lesson.set_defaults(func=lambda args: (lesson.print_help(), EXIT_USAGE)[1])

    listing = lesson_commands.add_parser("list", help="list the bundled lessons")
    listing.set_defaults(func=_guarded(cmd_lesson_list))

    run = lesson_commands.add_parser(
        "run",
        help="run a lesson and write its figures and report",
        description="Run a lesson: train its agents over its seeds (in parallel, one process per "
        "core), plot the curves with 95% bands, check them against the published figure, and "
        "write PNG, CSV/JSON, report.md and index.html into DIR. Exit status 0 if every check "
        "passes, 1 if one fails, 2 on bad input.",
        epilog="example: gridrl lesson run cliff_walking --out out/",
    )
    run.add_argument("name", metavar="NAME", help="a bundled lesson (see 'gridrl lesson list'), "
                     "a figure number such as 6.4, or a lesson .yaml file")  # fmt: skip
    run.add_argument("--out", metavar="DIR", help="folder for the figures, data and report")
    run.add_argument(
        "--quick", action="store_true", help="a reduced run: fewer seeds and steps, wider tolerances"
    )
    run.add_argument("--gui", action="store_true", help="play the lesson in the desktop app instead")
    run.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    run.add_argument("--backend", choices=("local", "ray"), default="local",
                     help="where the runs go: this machine's cores (default) or a Ray cluster "
                     "(needs the optional extra: pip install \"gridrl[ray]\"); same numbers either way")  # fmt: skip
    run.add_argument("--ray-address", metavar="ADDR", default=None,
                     help="with --backend ray: the cluster's address (e.g. 10.0.0.5:6379); "
                     "default: start a Ray cluster on this machine for the lesson")  # fmt: skip
    run.add_argument("--quiet", action="store_true", help=QUIET_HELP)
    run.set_defaults(func=_guarded(cmd_lesson_run))

    compare = subparsers.add_parser(
        "compare",
        help="learning curves of several agents on one level, over seeds",
        description="Train several agents on one level for several seeds each (in parallel) and "
        "plot their learning curves: the mean over seeds and its 95% confidence band. Writes "
        "PNG, CSV, curves.json, report.md and index.html into DIR.",
        epilog="example: gridrl compare cliff_walking --agents sarsa,q-learning --set epsilon=0.1 "
        "--set q-learning.alpha=0.5 --seeds 10 --episodes 500 --out out/compare",
    )
    compare.add_argument("level", metavar="LEVEL", help="level file or bundled name")
    compare.add_argument("--agents", required=True, help="comma-separated agent names, e.g. sarsa,q-learning")
    compare.add_argument("--set", action="append", metavar="[AGENT.]NAME=VALUE",
                         help="a hyperparameter for one agent (sarsa.alpha=0.5) or every agent that has it "
                         "(alpha=0.5); repeat for more")  # fmt: skip
    compare.add_argument("--seeds", type=int, default=10, help="seeds per agent (default 10)")
    budget = compare.add_mutually_exclusive_group()
    budget.add_argument("--episodes", type=int, help="episodes per seed")
    budget.add_argument("--steps", type=int, help="environment steps per seed (bandits: pulls)")
    budget.add_argument("--updates", type=int, help="updates per seed")
    compare.add_argument("--runs", type=int, default=None,
                         help="bandit agents: independent runs inside each seed (default 100)")  # fmt: skip
    compare.add_argument("--smooth", type=int, default=None, help="moving-average window of the plot")
    compare.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    compare.add_argument("--out", required=True, metavar="DIR", help="folder for the plots and data")
    compare.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    compare.add_argument("--quiet", action="store_true", help=QUIET_HELP)
    compare.set_defaults(func=_guarded(cmd_compare))


def build_parser() -> argparse.ArgumentParser:
    """A stand-alone parser with just these commands (tests, and ``python -m gridrl.lessons.commands``)."""
    parser = argparse.ArgumentParser(prog="gridrl")
    add_commands(parser.add_subparsers(dest="command", metavar="COMMAND"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return EXIT_USAGE
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
