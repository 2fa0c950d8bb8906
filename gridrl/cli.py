"""Headless commands: ``gridrl levels``, ``validate``, ``agents``, ``train``, ``render``,
``lesson``, ``compare``, ``app``, ``edit`` (docs/ARCHITECTURE.md, "Commands and outputs").

Every command reports bad input as a message and an exit code, never a traceback
(``--debug`` shows one for unexpected errors). Heavy modules are imported by the command
that needs them, so ``gridrl --help`` is instant.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from gridrl import __version__
from gridrl.agents import (
    HyperparameterError,
    LevelMismatchError,
    agent_class,
    agent_names,
    level_refusal,
)
from gridrl.levels import (
    BanditLevel,
    GridLevel,
    Level,
    LevelError,
    Recommended,
    bundled_level_names,
    check_replaceable,
    level_path,
    level_warnings,
    load_level,
    recommended_for,
)
from gridrl.progress import QUIET_HELP, progress_bar

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _summary(level: Level) -> str:
    """Size and first sentence of the description, for one-line listings."""
    if isinstance(level, BanditLevel):
        size = f"bandit, {level.n_arms} arms"
    else:
        rows, cols = level.shape
        size = f"gridworld {rows}x{cols}"
    first = " ".join(level.description.split()).split(". ")[0].rstrip(".")
    return f"{size:<17} {textwrap.shorten(first or level.name, 80)}"


def cmd_levels(args: argparse.Namespace) -> int:
    """List the bundled levels with one line each."""
    names = bundled_level_names()
    width = max(map(len, names), default=0)
    for name in names:
        print(f"{name:<{width}}  {_summary(load_level(name))}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    """Check level files: OK (with any warnings), or every error found, the recommended
    hyperparameters checked against the agents' own ranges as ``gridrl train`` uses them;
    exit 1 on any error."""
    from gridrl.session import recommended_errors  # the session layer: imported by the commands that use it

    failed = False
    for given in args.files:
        try:
            level = load_level(level_path(given))
            errors = recommended_errors(level) if level.recommended else []
        except LevelError as err:
            errors = [err]
        if errors:
            failed = True
            for err in errors:  # a LevelError already names the file; prefix only when it does not
                print(str(err) if err.source else f"{given}: {err}", file=sys.stdout)
            continue
        warnings = level_warnings(level)
        note = f" ({len(warnings)} warning{'s' * (len(warnings) != 1)})" if warnings else ""
        print(f"{given}: OK{note}")
        for warning in warnings:
            print(f"  warning: {warning}")
    return EXIT_INVALID if failed else EXIT_OK


class UsageError(Exception):
    """Bad command-line input: printed as a message, exit status 2."""


AGENTS_WIDTH = 100  # ``gridrl agents`` wraps its text to this many columns


def cmd_agents(args: argparse.Namespace) -> int:
    """Every registered agent, the levels it fits, and its hyperparameters: ``name = default``,
    range and help in columns as wide as the agent's longest entry, the help wrapped under itself."""
    for name in agent_names():
        cls = agent_class(name)
        print(_hanging(f"{name}  ({' and '.join(cls.level_kinds)})  ", cls.summary))
        rows = [(f"{h.name} = {_setting_text(h.default)}", h.range_text(), h.help) for h in cls.spec()]
        setting_width = max((len(r[0]) for r in rows), default=0)
        range_width = max((len(r[1]) for r in rows), default=0)
        for setting, range_text, help_text in rows:
            print(_hanging(f"    {setting:<{setting_width}}  {range_text:<{range_width}}  ", help_text))
        print()
    return EXIT_OK


def _setting_text(value: Any) -> str:
    """A default as ``--set`` takes it: ``none``, ``true``/``false``, else the value."""
    if value is None or isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _hanging(prefix: str, text: str) -> str:
    """``prefix`` then ``text`` wrapped to AGENTS_WIDTH, continuation lines indented under ``text``."""
    width = max(AGENTS_WIDTH, len(prefix) + 30)
    return textwrap.fill(text, width, initial_indent=prefix, subsequent_indent=" " * len(prefix),
                         break_long_words=False, break_on_hyphens=False) or prefix.rstrip()  # fmt: skip


def parse_sets(pairs: Sequence[str]) -> dict[str, str]:
    """``["alpha=0.5", "epsilon=0.1"]`` -> ``{"alpha": "0.5", "epsilon": "0.1"}``."""
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set takes NAME=VALUE (e.g. --set epsilon=0.1), got '{pair}'")
        values[key.strip()] = value.strip()
    return values


def cmd_train(args: argparse.Namespace) -> int:
    """Train an agent headless; print a summary; write snapshot.json and metrics.json."""
    from gridrl.session import RUN_FILES, OptimalityWatch, Session  # imports the agent modules only when training

    level = load_level(args.level)
    params = parse_sets(args.set or [])
    try:
        cls = agent_class(args.agent)
    except KeyError as err:
        raise UsageError(err.args[0]) from None
    refusal = level_refusal(args.agent, level)
    if refusal:  # before --out is checked or a recommended budget printed: the run cannot start
        raise UsageError(refusal)
    if args.runs < 1:
        raise UsageError(f"--runs must be at least 1, got {args.runs}")
    if args.out:
        try:  # before training, not after it
            check_replaceable(args.out, RUN_FILES)
        except ValueError as err:
            raise UsageError(f"--out: {err}") from None
    recommended = _recommended(args, level)
    if recommended is not None:
        print(_recommended_line(args, recommended, params))
        params = {**recommended.params, **params}
    vectorized = cls.vectorized_runs and args.runs > 1
    seeds = [args.seed] if vectorized else [args.seed + i for i in range(args.runs)]
    sessions = [
        Session(level, args.agent, params, seed=seed, runs=args.runs if vectorized else 1)
        for seed in seeds
    ]
    budget = None if recommended is None else recommended.budget
    unit, count = (budget.unit, budget.count) if budget else _budget(args, sessions[0])
    watches = [OptimalityWatch(session) for session in sessions]
    start = time.perf_counter()
    with progress_bar(count * len(sessions), unit, args.quiet) as progress:
        for session in sessions:  # a long unit (an episode on a big level) shows its steps
            session.agent.on_progress = progress.within
        ran = max(_train_watched(session, watch, unit, count, args.until_optimal,
                                 lambda done, base=i * count: progress(base + done))
                  for i, (session, watch) in enumerate(zip(sessions, watches)))  # fmt: skip
    elapsed = time.perf_counter() - start
    print(_train_summary(sessions, unit, ran, elapsed, args))
    for seed, watch in zip(seeds, watches):
        line = watch.summary()
        if line is not None:
            print(f"  {line}" + (f" [seed {seed}]" if len(sessions) > 1 else ""))
    if args.out:
        sessions[0].save(args.out, _multi_run_metrics(sessions) if len(sessions) > 1 else None)
        print(f"wrote {args.out}/snapshot.json, metrics.json, agent.npz")
    return EXIT_OK


def _train_watched(session: Any, watch: Any, unit: str, count: int, until_optimal: bool,
                   progress: Callable[[int], None]) -> int:  # fmt: skip
    """``count`` units, the greedy policy checked against v* along the way (and at the end);
    with ``until_optimal`` it stops at the first optimal check. Returns the units run."""
    trained = 0.0
    for done in range(1, count + 1):
        start = time.perf_counter()
        session.advance(unit)
        trained += time.perf_counter() - start
        progress(done)
        if watch(done, trained, force=done == count) and until_optimal:
            return done
    return count


def _recommended(args: argparse.Namespace, level: Level) -> Recommended | None:
    """The level's recommended settings for the agent when no budget is given (and no
    --defaults); a bad one stops with its line in the file (as ``gridrl validate`` says)."""
    from gridrl.session import recommended_errors

    if args.defaults or any(getattr(args, unit) is not None for unit in ("steps", "episodes", "updates")):
        return None
    for error in recommended_errors(level, args.agent)[:1]:
        raise error
    return recommended_for(level, args.agent)


def _recommended_line(args: argparse.Namespace, recommended: Recommended, sets: dict[str, str]) -> str:
    """One line saying which of the level's recommended settings apply (--set ones do not)."""
    used = [f"{k}={_setting_text(v)}" for k, v in recommended.hyperparameters if k not in sets]
    used += [recommended.budget.text()] if recommended.budget else []
    return (f"using {Path(args.level).stem}'s recommended settings for {args.agent}: "
            f"{', '.join(used) or 'none left after --set'} (--defaults ignores them)")  # fmt: skip


def _budget(args: argparse.Namespace, session: Any) -> tuple[str, int]:
    for unit in ("steps", "episodes", "updates"):
        count = getattr(args, unit)
        if count is not None:
            if count < 1:
                raise UsageError(f"--{unit} must be at least 1, got {count}")
            return unit[:-1], count
    return session.agent.default_budget()


def _multi_run_metrics(sessions: list[Any]) -> dict[str, Any]:
    """Several seeds: the mean curve over runs (up to the shortest run) and every run's curve."""
    per_run = [s.metrics() for s in sessions]
    merged: dict[str, Any] = {}
    for key in per_run[0]:
        n = min(len(m[key]) for m in per_run)
        merged[key] = [sum(m[key][i] for m in per_run) / len(per_run) for i in range(n)]
    merged["runs"] = per_run
    return merged


ARROWS = "\u2191\u2192\u2193\u2190"  # up right down left, in action order


def policy_map(level: GridLevel, pi: Any, terminal: tuple[int, int] | None = None) -> str:
    """The greedy action of every cell as an arrow; walls, terminal and teleport tiles their letter.

    A level larger than the terminal (``terminal`` = (columns, lines), by default
    :func:`shutil.get_terminal_size`; at least 20 lines) shows its top-left corner and a line
    saying what was cropped: a 1024 x 1024 level would otherwise print two million characters.
    """
    from gridrl.levels import compile_grid

    grid = compile_grid(level)
    rows, cols = level.shape
    width, height = terminal or shutil.get_terminal_size()
    shown_cols = max(1, min(cols, (width - 2 + 1) // 2))  # "  " then one character and a space per cell
    shown_rows = max(1, min(rows, max(height, 20) - 2))
    lines = []
    for r in range(shown_rows):
        cells = []
        for c in range(shown_cols):
            s = r * cols + c
            if grid.wall[s] or grid.terminal[s] or grid.teleport[s] >= 0:
                cells.append(str(grid.chars[s]))
            elif pi[s].max() - pi[s].min() < 1e-9:
                cells.append("\u00b7")  # no preference yet
            else:
                cells.append(ARROWS[int(pi[s].argmax())])
        lines.append("  " + " ".join(cells))
    if (shown_rows, shown_cols) != (rows, cols):
        lines.append(f"  (rows 1-{shown_rows}, columns 1-{shown_cols} of {rows} x {cols}: cropped to the terminal)")
    return "\n".join(lines)


def _train_summary(
    sessions: list[Any], unit: str, count: int, elapsed: float, args: argparse.Namespace
) -> str:
    first = sessions[0]
    level, agent = first.level, first.agent
    config = ", ".join(
        f"{h.name}={'none' if getattr(agent.config, h.name) is None else getattr(agent.config, h.name)}"
        for h in agent.spec()
    )
    runs = f", {len(sessions)} runs" if len(sessions) > 1 else ""
    insight = agent.insight()
    if "sweeps" in insight.extras:  # dynamic programming: no environment, sweeps of the model
        work = f"{insight.extras['sweeps']:,} sweeps" + (
            "" if insight.extras.get("converged", True) else " (not converged: max_sweeps reached)"
        )
    elif first.runs > 1:
        work = f"{first.history.steps:,} pulls in each of {first.runs:,} runs"
    else:
        work = f"{sum(s.history.steps for s in sessions):,} environment steps"
    lines = [
        f"{args.agent} on {level.name} (seed {args.seed}{runs})",
        f"  hyperparameters: {config or 'none'}",
        f"  ran {count} {unit}{'s' * (count != 1)}"
        + (f" x {len(sessions)} runs" if len(sessions) > 1 else "")
        + f": {work}, in {elapsed:.2f} s",
    ]
    h = first.history
    if isinstance(level, BanditLevel):
        lines += _bandit_summary(first)
    else:
        if h.episode_returns:
            returns = h.episode_returns
            tail = returns[-100:]
            lines.append(
                f"  episodes: {len(returns)}; return of the last {len(tail)}: "
                f"mean {sum(tail) / len(tail):.2f}, best {max(tail):.2f}; "
                f"last episode {returns[-1]:.2f} in {h.episode_lengths[-1]} steps"
            )
        if h.updates and "max_delta" in h.updates[-1]:
            lines.append(f"  last sweep: max |delta V| = {h.updates[-1]['max_delta']:.3g}")
        row, col = divmod(agent_start_state(level), level.shape[1])
        lines.append(f"  V at the start cell (row {row + 1}, col {col + 1}) = {insight.V[row * level.shape[1] + col]:.3f}")
        rms = first.agent.rms_error() if hasattr(first.agent, "rms_error") else None
        if rms is not None:  # a prediction agent: how close its V is to the exact v_pi
            lines.append(f"  RMS error of V against the exact v_pi of the model: {rms:.4f}")
        made = first.agent.changes_made()
        where = f" (the layout after its {made} scheduled change{'s' * (made != 1)})" if made else ""
        lines.append(f"  most likely action in every cell{where}:")
        lines.append(policy_map(level.after_changes(made), insight.pi))
    return "\n".join(lines)


def agent_start_state(level: GridLevel) -> int:
    """The first start cell in reading order."""
    from gridrl.levels import compile_grid

    return int(compile_grid(level).start_cells[0])


def _bandit_summary(session: Any) -> list[str]:
    h, insight = session.history, session.agent.insight()
    lines = []
    if h.mean_reward:
        tail = max(len(h.mean_reward) // 10, 1)
        reward = sum(h.mean_reward[-tail:]) / tail
        optimal = sum(h.optimal_action[-tail:]) / tail
        lines.append(
            f"  last {tail} pulls: average reward {reward:.3f}, optimal action {optimal:.1%}"
            + (f" (averaged over {session.runs} runs)" if session.runs > 1 else "")
        )
    true_means = insight.extras.get("true_means")
    pulls = insight.extras.get("pulls")
    lines.append("  arm   true mean   estimate Q     pi    pulls   (run 1)")
    for a in range(insight.Q.shape[1]):
        mean = "" if true_means is None else f"{true_means[a]:9.3f}"
        n = "" if pulls is None else f"{int(pulls[a]):7d}"
        lines.append(f"  {a:>3}   {mean:>9}   {insight.Q[0, a]:10.3f}  {insight.pi[0, a]:5.2f}  {n}")
    return lines


RENDER_OVERLAYS = ("values", "numbers", "q", "policy", "visits")  # gridrl.render.OVERLAYS
DEFAULT_RENDER_OVERLAYS = "values,numbers,policy"
GIF_FRAMES = 100


def parse_overlays(text: str) -> frozenset[str]:
    """``"values,policy"`` -> the overlay set; ``all`` and ``none`` also work."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if names == ["all"]:
        return frozenset(RENDER_OVERLAYS)
    if names in ([], ["none"]):
        return frozenset()
    unknown = [n for n in names if n not in RENDER_OVERLAYS]
    if unknown:
        raise UsageError(
            f"--overlays: unknown overlay '{unknown[0]}'; choose from {', '.join(RENDER_OVERLAYS)} "
            "(comma-separated, e.g. --overlays values,policy), or all, or none"
        )
    return frozenset(names)


def parse_size(text: str) -> tuple[int, int]:
    """``"960x720"`` -> (960, 720), each 160..8192."""
    w, sep, h = text.lower().partition("x")
    if not sep or not w.strip().isdigit() or not h.strip().isdigit():
        raise UsageError(f"--size takes WIDTHxHEIGHT in pixels (e.g. --size 960x720), got '{text}'")
    size = int(w), int(h)
    if not (160 <= size[0] <= 8192 and 120 <= size[1] <= 8192):
        raise UsageError(f"--size must be between 160x120 and 8192x8192, got '{text}'")
    return size


def cmd_render(args: argparse.Namespace) -> int:
    """Train headless (optionally) and draw what the window's board shows into a PNG, GIF or MP4."""
    out = Path(args.out)
    kind = out.suffix.lower()
    if kind not in (".png", ".gif", ".mp4"):
        raise UsageError(f"--out must name a .png, .gif or .mp4 file, got '{args.out}'")
    overlays = parse_overlays(args.overlays)
    size = parse_size(args.size)
    budget_given = any(getattr(args, u) is not None for u in ("steps", "episodes", "updates"))
    if args.agent is None and (args.set or budget_given):
        raise UsageError("--set, --steps, --episodes and --updates need --agent (what should learn?)")
    if args.fps < 1 or args.frames < 2:
        raise UsageError("--fps must be at least 1 and --frames at least 2")
    try:
        level = load_level(args.level)
    except LevelError as err:
        raise UsageError(str(err)) from None
    from gridrl.render.offscreen import AnimationWriter, record_gif, render_board_image, require_mp4, save_png

    if kind == ".mp4":
        try:
            require_mp4()
        except ImportError as err:
            raise UsageError(str(err)) from None

    def draw(insight: Any = None, caption: str | None = None, history: Any = None,
             agent_state: int | None = None, trail: Sequence[int] = (),
             highlight: dict[int, float] | None = None) -> Any:  # fmt: skip
        title = level.name if args.agent is None else f"{level.name} \u00b7 {args.agent}"
        return render_board_image(level, insight, size, overlays, agent_state=agent_state, caption=caption,
                                  panels=args.panels, history=history, title=title, trail=trail,
                                  highlight=highlight)  # fmt: skip

    if args.agent is None:
        surface = draw()
        if kind != ".png":
            record_gif([surface], out, args.fps)
        else:
            save_png(surface, out)
        print(f"wrote {out} ({size[0]}x{size[1]}, the bare level)")
        return EXIT_OK

    from gridrl.session import Session  # imports the agent modules only when training

    try:
        cls = agent_class(args.agent)
    except KeyError as err:
        raise UsageError(err.args[0]) from None
    params = parse_sets(args.set or [])
    runs = args.runs if cls.vectorized_runs else 1
    if args.runs < 1:
        raise UsageError(f"--runs must be at least 1, got {args.runs}")
    session = Session(level, args.agent, params, seed=args.seed, runs=runs)
    unit, count = _budget(args, session)
    start = time.perf_counter()
    if kind == ".png":
        with progress_bar(count, unit, args.quiet) as progress:
            session.agent.on_progress = progress.within
            session.run(unit, count, progress=progress)
        surface = draw(session.agent.insight(), _render_caption(session), session.history)
        save_png(surface, out)
        note = ""
    else:
        # Each frame is written as it is drawn: memory does not grow with --frames.
        with progress_bar(count, unit, args.quiet) as progress, AnimationWriter(out, args.fps) as writer:
            session.agent.on_progress = progress.within
            _render_frames(session, unit, count, args.frames, draw, progress, writer.add)
        note = f", {writer.frames} frames at {args.fps} fps"
    elapsed = time.perf_counter() - start
    print(f"wrote {out} ({size[0]}x{size[1]}{note}) after {count} {unit}{'s' * (count != 1)} "
          f"of {args.agent}, in {elapsed:.1f} s")  # fmt: skip
    return EXIT_OK


def _render_caption(session: Any) -> str:
    """One line under the board: the agent and how far it got (sweeps, episodes, pulls)."""
    h, insight = session.history, session.agent.insight()
    extras = insight.extras
    parts = [session.agent_name]
    if "sweeps" in extras:  # dynamic programming
        parts.append(f"{extras['sweeps']} sweep{'s' * (extras['sweeps'] != 1)}")
        if extras.get("max_delta") is not None:
            parts.append(f"max |\u0394V| = {extras['max_delta']:.3g}")
        if extras.get("converged"):
            parts.append("converged")
    elif isinstance(session.level, BanditLevel):
        parts.append(f"{h.steps:,} pulls")
        if h.mean_reward:
            tail = h.mean_reward[-max(len(h.mean_reward) // 10, 1):]
            parts.append(f"recent average reward {sum(tail) / len(tail):.2f}")
        if session.runs > 1:
            parts.append(f"curves: mean of {session.runs} runs, bars: run 1")
    else:
        n = len(h.episode_returns)
        parts.append(f"{n:,} episode{'s' * (n != 1)}, {h.steps:,} steps")
        if n:
            parts.append(f"last return {h.episode_returns[-1]:.4g}")
        if "epsilon" in extras:
            parts.append(f"\u03b5 = {extras['epsilon']:.3g}")
    return " \u00b7 ".join(parts)


def _render_frames(session: Any, unit: str, count: int, max_frames: int, draw: Any,
                   progress: Callable[[int], None], add: Callable[[Any], None]) -> None:  # fmt: skip
    """Train ``count`` units, drawing a frame every ``ceil(count / max_frames)`` units (and the
    first and last), each handed to ``add`` as soon as it is drawn. Steps show the agent and
    its trail; dynamic programming run to convergence (``episode``) shows every sweep, up to
    ``max_frames``. ``progress(i)`` after each unit."""
    agent = session.agent
    add(draw(agent.insight(), _render_caption(session), session.history))
    dp_sweeps = unit == "episode" and "sweeps" in agent.insight().extras
    if dp_sweeps:  # one frame per sweep: watch the values spread back from the goal
        for i in range(count):
            for _ in range(max_frames):
                session.advance("update")
                add(draw(agent.insight(), _render_caption(session), session.history))
                if agent.insight().extras.get("converged"):
                    break
            if not agent.insight().extras.get("converged"):
                session.advance("episode")  # finish the run (past the frame cap)
                add(draw(agent.insight(), _render_caption(session), session.history))
            progress(i + 1)
        return
    from gridrl.render.trail import Trail

    every = max(1, -(-count // (max_frames - 1)))
    # The agent and its trail: only steps on a gridworld walk.
    trail = Trail(session.level) if unit == "step" and isinstance(session.level, GridLevel) else None
    for i in range(count):
        event = session.advance(unit)
        progress(i + 1)
        highlight = None
        if trail is not None:
            trail.follow(event)
            if event.state is not None:
                highlight = {int(s): 1.0 for s in event.changed}
        if (i + 1) % every == 0 or i + 1 == count:
            walker = {"agent_state": trail.agent, "trail": trail.cells} if trail is not None else {}
            add(draw(agent.insight(), _render_caption(session), session.history, highlight=highlight, **walker))


def add_training_arguments(parser: argparse.ArgumentParser, agent_help: str, agent_required: bool,
                           runs_help: str) -> None:  # fmt: skip
    """The level, agent, hyperparameters, budget, runs, seed and --quiet that ``train`` and ``render`` share."""
    parser.add_argument("level", metavar="LEVEL", help="level file or bundled name")
    parser.add_argument("--agent", required=agent_required, help=agent_help)
    parser.add_argument("--set", action="append", metavar="NAME=VALUE", help="a hyperparameter; repeat for more")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--steps", type=int, help="number of environment steps (bandits: pulls)")
    budget.add_argument("--episodes", type=int, help="number of episodes (DP: run to convergence)")
    budget.add_argument("--updates", type=int, help="number of updates (DP: sweeps)")
    parser.add_argument("--runs", type=int, default=1, help=runs_help)
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--quiet", action="store_true", help=QUIET_HELP)


def cmd_app(args: argparse.Namespace) -> int:
    """Open the training window; with ``--agent`` that agent is already chosen."""
    params = parse_sets(args.set or [])
    if args.agent is not None and args.compare is not None:
        raise UsageError("use --agent or --compare, not both (--compare names both agents)")
    if args.agent is None and args.compare is None and (params or args.seed != 0):
        raise UsageError("--set and --seed need --agent or --compare (which agent are they for?)")
    compare = [_compare_agent(text, params) for text in args.compare or ()]
    if args.agent is not None:
        try:
            agent_class(args.agent)
        except KeyError as err:
            raise UsageError(err.args[0]) from None
    if compare and args.run_for is not None:
        raise UsageError("--run-for measures the single-agent view: leave out --compare")
    if args.frame_report is not None and args.run_for is None:
        raise UsageError("--frame-report needs --run-for SECONDS (how long to play before reporting)")
    if args.run_for is not None:
        if not (math.isfinite(args.run_for) and args.run_for > 0):
            raise UsageError(f"--run-for takes a positive number of seconds, got {args.run_for:g}")
        if args.frames is not None:
            raise UsageError("use --run-for or --frames, not both")
    if args.frame_report is not None and not Path(args.frame_report).resolve().parent.is_dir():
        raise UsageError(f"--frame-report: no folder {Path(args.frame_report).parent} to write {args.frame_report} in")

    def prepare(scene: Any) -> None:
        if compare:  # the training scene below gets the first agent: Esc there shows it
            scene.use_agent(*compare[0], args.seed)
            scene.app.open_scene("compare", compare, args.seed)
        elif args.agent:
            scene.use_agent(args.agent, params, args.seed)

    return _open_window(args, prepare, run_for=args.run_for, frame_report=args.frame_report)


def _compare_agent(text: str, common: dict[str, str]) -> tuple[str, dict[str, str]]:
    """``--compare``'s ``AGENT[,NAME=VALUE...]``: the agent and its settings (``common``, from
    ``--set``, for both agents, then its own)."""
    name, *pairs = text.split(",")
    try:
        agent_class(name.strip())
    except KeyError as err:
        raise UsageError(err.args[0]) from None
    return name.strip(), {**common, **parse_sets(pairs)}


def cmd_edit(args: argparse.Namespace) -> int:
    """Open the level editor on LEVEL, or on a new 5x5 grid: also when LEVEL names a .yaml
    file that does not exist yet, which Save then writes."""
    if args.level is None:
        return _open_window(args, lambda scene: scene.cmd_new_level("5x5"))
    new_file = Path(args.level)
    if new_file.suffix.lower() in (".yaml", ".yml") and not new_file.exists():
        return _open_window(argparse.Namespace(**{**vars(args), "level": None}), lambda scene: _new_level_in(scene, new_file))
    return _open_window(args, lambda scene: scene.cmd_edit_mode())


def cmd_label(args: argparse.Namespace) -> int:
    """Open the app's labelling of preferences on LEVEL (a gridworld): two episodes side by
    side, each answer saved at once to ``--out`` (default: the user's preference folder)."""
    level = load_level(args.level)
    if not isinstance(level, GridLevel):
        raise UsageError(f"{args.level} is a bandit level: labelling compares two episodes walked on a gridworld "
                         "(see 'gridrl levels')")  # fmt: skip
    if args.out is not None:
        out = Path(args.out)
        if out.suffix.lower() not in (".jsonl", ".yaml", ".yml"):
            raise UsageError(f"--out: a preference file is .jsonl, .yaml or .yml, got '{out.name}'")
        if not out.resolve().parent.is_dir():
            raise UsageError(f"--out: no folder {out.parent} to write {out.name} in")
    opened: list[Any] = []  # the labelling, asked after the window closes what it saved
    code = _open_window(args, lambda scene: opened.append(scene.app.open_scene("label", args.out, args.policy)))
    if opened:
        print(f"gridrl label: {opened[0].saved_line()}")
    return code


def _new_level_in(scene: Any, path: Path) -> None:
    """The editor on a new 5x5 grid named after ``path``, where Save will write it."""
    from gridrl.gui.editor_model import new_grid  # noqa: PLC0415 - pygame comes with the window

    editor = scene.cmd_edit_mode()
    editor.start_new(new_grid(5, 5, name=path.stem.replace("_", " ").capitalize()))
    editor.model.path = path
    editor.say(f"A new level: paint a start (S) and a goal (G); Save (Ctrl+S) writes {path}.")


def _open_window(args: argparse.Namespace, prepare: Any, **play: Any) -> int:
    """``play``: ``run_for`` and ``frame_report`` (``app`` only; see :func:`open_window`)."""
    size = None if args.size is None else parse_size(args.size)  # None: fitted to the desktop
    if args.frames is not None and args.frames < 1:
        raise UsageError(f"--frames must be at least 1, got {args.frames}")
    low, high = 0.75, 3.0  # smaller is unreadable; larger leaves no room for the board
    if args.scale is not None and not low <= args.scale <= high:
        raise UsageError(f"--scale takes a factor from {low:g} to {high:g}, got {args.scale:g}")
    from gridrl.gui.launch import open_window  # pygame comes with the window, not with the CLI

    return open_window(args.level, size, prepare, headless=args.headless, frames=args.frames,
                       screenshot=args.screenshot, scale=args.scale, **play)  # fmt: skip


def add_window_commands(commands: Any) -> None:
    """``app``, ``edit`` and ``label``: the desktop window (``main.py`` runs ``app``)."""
    app = commands.add_parser(
        "app",
        help="open the training window (pick a level and an agent, watch it learn)",
        description="Open gridrl's desktop app on a level, optionally with an agent and its "
        "hyperparameters already chosen. F1 in the window lists every shortcut.",
        epilog="examples: gridrl app;  gridrl app four_rooms --agent ppo --set lr=0.003;  "
        "gridrl app --headless --frames 60 --screenshot app.png;  "
        "gridrl app four_rooms --agent ppo --run-for 20 --frame-report frames.json;  "
        "gridrl app cliff_walking --compare sarsa q-learning",
    )
    app.add_argument("level", nargs="?", metavar="LEVEL",
                     help="a bundled level's name or a level YAML file (default: Cliff Walking)")
    app.add_argument("--agent", help="start with this agent (see 'gridrl agents')")
    app.add_argument("--set", action="append", metavar="NAME=VALUE",
                     help="a hyperparameter of --agent; repeat for more")
    app.add_argument("--seed", type=int, default=0, help="random seed of --agent or --compare (default 0)")
    app.add_argument("--compare", nargs=2, metavar="AGENT",
                     help="open the compare view: two agents trained in lockstep on LEVEL, e.g. "
                     "--compare sarsa q-learning; AGENT,NAME=VALUE,... gives one its own settings, "
                     "--set gives both theirs")
    _add_window_arguments(app)
    app.add_argument("--run-for", type=float, metavar="SECONDS",
                     help="play at the fastest speed for SECONDS, print the frame times, then exit")
    app.add_argument("--frame-report", metavar="FILE.json",
                     help="with --run-for: also write the frame times (p50/p95/max ms) and "
                     "updates per second as JSON, to check that a computer keeps up")
    app.set_defaults(func=cmd_app)

    edit = commands.add_parser(
        "edit",
        help="open the level editor (on a level, or on a new 5x5 grid)",
        description="Open gridrl's level editor: paint tiles, set rewards and dynamics, undo, "
        "save. A bundled level is saved as a copy in your own levels folder.",
        epilog="examples: gridrl edit;  gridrl edit my_maze.yaml;  gridrl edit four_rooms",
    )
    edit.add_argument("level", nargs="?", metavar="LEVEL",
                      help="a bundled level's name or a level YAML file (default: a new 5x5 grid)")
    _add_window_arguments(edit)
    edit.set_defaults(func=cmd_edit)

    label = commands.add_parser(
        "label",
        help="label preferences in the window: click the better of two episodes",
        description="Open gridrl's app on a gridworld LEVEL showing two sampled episodes side by side; "
        "click the better one (or press 1 / 2, T for a tie, S to skip). Each answer is saved at once "
        "(the file is rewritten atomically), so closing the window loses no pair; pairs already in "
        "the file are kept.",
        epilog="examples: gridrl label small_gridworld;  gridrl label four_rooms --out pairs.jsonl",
    )
    label.add_argument("level", metavar="LEVEL", help="a bundled gridworld's name or a level YAML file")
    label.add_argument("--out", metavar="FILE",
                       help="the preference file (.jsonl, .yaml or .yml); default LEVEL.jsonl in the "
                       "user's preference folder (on Linux ~/.local/share/gridrl/preferences)")
    label.add_argument("--policy", choices=("uniform", "agent"), default="uniform",
                       help="where the episodes come from: the uniform random policy (default) or the "
                       "training view's agent as it is (Esc, train it, Ctrl+L to label again)")
    _add_window_arguments(label)
    label.set_defaults(func=cmd_label)


def _add_window_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", metavar="WxH",
                        help="window size in pixels (default 1280x800, or less on a smaller screen)")
    parser.add_argument("--headless", action="store_true",
                        help="no window (SDL's dummy video driver); use with --frames / --screenshot")
    parser.add_argument("--frames", type=int, metavar="N", help="run N frames, then exit")
    parser.add_argument("--screenshot", metavar="FILE.png", help="save the last frame as a PNG")
    parser.add_argument("--scale", type=float, metavar="FACTOR",
                        help="presentation mode from the start: every font, line and chart FACTOR "
                        "times larger, 0.75 to 3 (as far as the window holds; F5 toggles it)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gridrl",
        description="gridrl: build gridworld and bandit levels and watch agents learn them.",
        epilog="LEVEL is a path to a .yaml file or the name of a bundled level (see 'gridrl levels').",
    )
    parser.add_argument("--version", action="version", version=f"gridrl {__version__}")
    parser.add_argument("--debug", action="store_true", help="show a traceback on unexpected errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    levels = commands.add_parser("levels", help="list the bundled levels")
    levels.set_defaults(func=cmd_levels)

    validate = commands.add_parser(
        "validate",
        help="check level files and print OK or what is wrong",
        description="Check level files. Prints OK (and any warnings) per file, or the errors "
        "with file, line and column. Exit status 0 if all are valid, 1 otherwise.",
    )
    validate.add_argument("files", nargs="+", metavar="LEVEL", help="level file or bundled name")
    validate.set_defaults(func=cmd_validate)

    agents = commands.add_parser("agents", help="list the agents and their hyperparameters")
    agents.set_defaults(func=cmd_agents)

    train = commands.add_parser(
        "train",
        help="train an agent headless and write its values and learning curves",
        description="Train an agent on a level without a window. Prints a summary (with the "
        "greedy policy as arrows on gridworlds) and, with --out, writes snapshot.json "
        "(V, Q, pi), metrics.json (learning curves) and agent.npz (the learned state).",
        epilog="example: gridrl train cliff_walking --agent q-learning --set epsilon=0.1 "
        "--set alpha=0.5 --episodes 500 --out out/cliff",
    )
    add_training_arguments(train, agent_help="agent name (see 'gridrl agents')", agent_required=True,
                           runs_help="independent runs (bandits: vectorised)")  # fmt: skip
    train.add_argument("--out", metavar="DIR", help="folder for snapshot.json and metrics.json")
    train.add_argument("--until-optimal", action="store_true",
                       help="stop as soon as the greedy policy is optimal on the level's exact model "
                            "(gridworlds; the budget is then a cap)")
    train.add_argument("--defaults", action="store_true",
                       help="ignore the level's recommended settings for the agent (used when no budget is given)")
    train.set_defaults(func=cmd_train)

    render = commands.add_parser(
        "render",
        help="draw a level (and what an agent learned on it) into a PNG, an animated GIF or an MP4",
        description="Draw what the app's board shows, without a window: the level, and with "
        "--agent what the agent learned after training headless (values, policy arrows, ...). "
        "A .gif or .mp4 records frames while it trains (one per sweep for dynamic programming run to "
        "convergence, else one every N units, at most --frames), writing each as it is drawn. "
        "MP4 needs imageio-ffmpeg.",
        epilog="examples: gridrl render cliff_walking --agent q-learning --episodes 300 "
        "--overlays values,policy,visits --out cliff.png;  gridrl render corridor --agent "
        "value-iteration --out sweeps.gif",
    )
    add_training_arguments(
        render, agent_help="agent name (see 'gridrl agents'); without it: the bare level",
        agent_required=False, runs_help="bandits: independent runs averaged in the curves",
    )  # fmt: skip
    render.add_argument(
        "--overlays", default=DEFAULT_RENDER_OVERLAYS, metavar="LIST",
        help=f"comma-separated, from {', '.join(RENDER_OVERLAYS)}; or all, none "
        f"(default {DEFAULT_RENDER_OVERLAYS})",
    )  # fmt: skip
    render.add_argument("--size", default="960x720", metavar="WxH", help="image size in pixels (default 960x720)")
    render.add_argument("--panels", action="store_true", help="also draw the learning curves (bandits: the curves)")
    render.add_argument("--fps", type=int, default=8, help="GIF/MP4 frames per second (default 8)")
    render.add_argument("--frames", type=int, default=GIF_FRAMES, help=f"most GIF/MP4 frames (default {GIF_FRAMES})")
    render.add_argument("--out", required=True, metavar="FILE", help="a .png, .gif or .mp4 file")
    render.set_defaults(func=cmd_render)

    from gridrl.lessons.commands import add_commands as add_lesson_commands

    add_lesson_commands(commands)
    add_window_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except LevelError as err:
        print(f"gridrl: {err}", file=sys.stderr)
        return EXIT_USAGE if args.command == "train" else EXIT_INVALID
    except (UsageError, HyperparameterError, LevelMismatchError) as err:
        print(f"gridrl: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("gridrl: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `gridrl agents | head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as err:  # noqa: BLE001 - the last line of defence: a message, not a traceback
        if args.debug:
            raise
        message = textwrap.shorten(f"{type(err).__name__}: {err}", 300)
        print(f"gridrl: unexpected error: {message}\n(run with --debug for details)", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
