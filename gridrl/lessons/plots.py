"""The lesson's figures: learning curves with a 95% band, value grids (Figure 4.1), and
parameter studies (Figures 2.6, 6.3, 7.2): one number per run against a hyperparameter.

matplotlib figures made without pyplot (no window, no backend chosen for the whole process,
so a notebook that runs a lesson keeps its inline plots). Every figure is written as PNG
beside a CSV with exactly the numbers drawn.
"""

from __future__ import annotations

import csv
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from gridrl.lessons.model import INF, SPARSE_METRICS, PlotStep, metric_x
from gridrl.lessons.stats import Band, band, smooth

#: One colour per curve, in order (colour-blind-safe Okabe-Ito palette).
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
DPI = 110
#: A band from two seeds (t = 12.7) says only "we do not know"; draw bands from three seeds on.
MIN_BAND_SEEDS = 3


def curve_bands(step: PlotStep, curves: dict[str, Any]) -> dict[str, Band]:
    """Per label: each seed's curve smoothed, then mean and 95% band over seeds."""
    bands = {}
    for label in step.curves:
        x, Y = curves[label].curve(step.metric)
        if Y.size == 0:
            continue
        scale = 100.0 if step.percent else 1.0
        sparse = step.metric in SPARSE_METRICS
        Y = smooth(Y, step.smooth, skip_nan=sparse) * scale
        b = band(x, Y, skip_nan=sparse)
        if sparse:  # where fewer seeds have a number, the band says only "we do not know": not drawn there
            few = np.isfinite(Y).sum(axis=0) < MIN_BAND_SEEDS
            b = replace(b, low=np.where(few, np.nan, b.low), high=np.where(few, np.nan, b.high))
        bands[label] = b
    return bands


def plot_step(step: PlotStep, curves: dict[str, Any], out: Path) -> str:
    """Draw ``step`` into ``out/step.file`` (+ CSV); return the figure's caption."""
    if step.study:
        return plot_study(step, curves, out)
    if step.metric == "values":
        return plot_values(step, curves, out)
    bands = curve_bands(step, curves)
    fig = Figure(figsize=(7.5, 4.5), dpi=DPI)
    ax = fig.subplots()
    for i, (label, b) in enumerate(bands.items()):
        colour = COLOURS[i % len(COLOURS)]
        ax.plot(b.x, b.mean, color=colour, lw=1.4, label=label)
        if step.band and b.n >= MIN_BAND_SEEDS:
            ax.fill_between(b.x, b.low, b.high, color=colour, alpha=0.2, lw=0)
    missing = [label for label in step.curves if label not in bands]
    ax.set_title(step.title)
    ax.set_xlabel(step.xlabel)
    ax.set_ylabel(step.ylabel)
    if step.ylim:
        ax.set_ylim(*step.ylim)
    elif step.percent:
        ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    if bands:
        ax.legend(frameon=False)
    if missing:
        ax.text(
            0.01, 0.01, f"no data: {', '.join(missing)}", transform=ax.transAxes, fontsize=8, color="grey"
        )
    fig.tight_layout()
    fig.savefig(out / step.file)
    write_band_csv(out / Path(step.file).with_suffix(".csv").name, metric_x(step.metric), bands)
    n = {b.n for b in bands.values()}
    seeds = f"{n.pop()} seeds" if len(n) == 1 else "several seeds"
    smoothed = f", smoothed over {step.smooth} points" if step.smooth > 1 else ""
    shading = (
        "; shading: 95% confidence interval of the mean"
        if step.band and max((b.n for b in bands.values()), default=0) >= MIN_BAND_SEEDS
        else ""
    )
    return f"{step.title}: mean over {seeds}{smoothed}{shading}."


def write_band_csv(path: Path, x_name: str, bands: dict[str, Band]) -> None:
    """x, then mean / ci_low / ci_high of every curve; blank where a curve is shorter."""
    labels = list(bands)
    length = max((len(b.x) for b in bands.values()), default=0)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            [x_name] + [f"{label} {part}" for label in labels for part in ("mean", "ci_low", "ci_high")]
        )
        for i in range(length):
            x = next((b.x[i] for b in bands.values() if i < len(b.x)), "")
            row: list[Any] = [_num(x)]
            for label in labels:
                b = bands[label]
                row += [_num(b.mean[i]), _num(b.low[i]), _num(b.high[i])] if i < len(b.x) else ["", "", ""]
            writer.writerow(row)


def _num(value: Any) -> Any:
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if not math.isfinite(value):
            return ""
        return int(value) if value.is_integer() and abs(value) < 1e15 else round(value, 6)
    return value


def power_of_2_text(value: float) -> str:
    """2^k as the book's axis writes it: 1/128, ..., 1/2, 1, 2, 4."""
    return f"1/{round(1 / value)}" if value < 1 else f"{value:g}"


def plot_study(step: PlotStep, curves: dict[str, Any], out: Path) -> str:
    """Each study curve: the mean over seeds of one run's number at each value of the parameter,
    with its 95% band (Figures 2.6, 6.3, 7.2); the CSV holds every point drawn."""
    many = len(step.curves) > 6
    fig = Figure(figsize=(8.5 if many else 7.5, 4.8), dpi=DPI)
    ax = fig.subplots()
    scale = 100.0 if step.percent else 1.0
    # One colour per agent (with its fixed hyperparameters), one line style per study: Figure 6.3's
    # asymptotic and interim curves of Sarsa share a colour, solid and dashed.
    agents: list[tuple[str, str]] = []
    studies: list[Any] = []
    for label in step.curves:
        agent = curves[label].agent
        key = (agent.agent, repr(sorted(agent.params.items())))
        agents += [key] if key not in agents else []
        studies += [curves[label].study] if all(s is not curves[label].study for s in studies) else []
    # Past the palette's eight colours (Figure 7.2's ten n), matplotlib's ten distinct ones.
    colours = COLOURS if len(agents) <= len(COLOURS) else [matplotlib.colormaps["tab10"](i % 10)
                                                           for i in range(len(agents))]  # fmt: skip
    bands = {}
    for label in step.curves:
        x, Y = curves[label].curve(step.metric)
        b = bands[label] = band(x, Y * scale)
        agent = curves[label].agent
        colour = colours[agents.index((agent.agent, repr(sorted(agent.params.items())))) % len(colours)]
        style = ("-", "--", ":", "-.")[next(i for i, s in enumerate(studies) if s is curves[label].study) % 4]
        ax.plot(b.x, b.mean, style, color=colour, lw=1.4, marker="o", ms=3, label=label)
        if step.band and b.n >= MIN_BAND_SEEDS:
            ax.fill_between(b.x, b.low, b.high, color=colour, alpha=0.1 if many else 0.2, lw=0)
    if step.xscale == "log2":
        ax.set_xscale("log", base=2)
        values = np.concatenate([b.x for b in bands.values()])
        ticks = 2.0 ** np.arange(math.floor(np.log2(values.min())), math.ceil(np.log2(values.max())) + 1)
        ax.set_xticks(ticks, [power_of_2_text(v) for v in ticks])
        ax.minorticks_off()
    ax.set_title(step.title)
    ax.set_xlabel(step.xlabel)
    ax.set_ylabel(step.ylabel)
    if step.ylim:
        ax.set_ylim(*step.ylim)
    ax.grid(alpha=0.3)
    # outside the axes, where it hides no curve: beside them for many short labels, below otherwise
    if many:
        ax.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        ax.legend(frameon=False, fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)
    fig.savefig(out / step.file, bbox_inches="tight")
    write_study_csv(out / Path(step.file).with_suffix(".csv").name, step, curves, bands)
    n = {b.n for b in bands.values()}
    seeds = f"{n.pop()} seeds" if len(n) == 1 else "several seeds"
    wheres = sorted({curves[label].study.where() for label in step.curves})
    shading = "; shading: 95% confidence interval of the mean" if step.band and min(
        b.n for b in bands.values()) >= MIN_BAND_SEEDS else ""  # fmt: skip
    return f"{step.title}: each point is the mean over {seeds} of one run's {'; '.join(wheres)}{shading}."


def write_study_csv(path: Path, step: PlotStep, curves: dict[str, Any], bands: dict[str, Band]) -> None:
    """One row per (curve, value): the parameter, its value, and the mean and 95% band drawn."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["curve", "parameter", "value", "mean", "ci_low", "ci_high", "seeds"])
        for label, b in bands.items():
            parameter = curves[label].agent.parameter
            for i, value in enumerate(b.x):
                writer.writerow([label, parameter, _num(value), _num(b.mean[i]), _num(b.low[i]), _num(b.high[i]), b.n])


def plot_values(step: PlotStep, curves: dict[str, Any], out: Path) -> str:
    """One panel per recorded update count k: V_k on the grid with its numbers (Figure 4.1);
    on a one-row level (a random walk), V_k as lines against the states (Example 6.2, left)."""
    labels = list(step.curves)
    ks = curves[labels[0]].run.values_at
    if curves[labels[0]].run.level.shape[0] == 1:
        return plot_values_along_row(step, curves, out)
    fig = Figure(figsize=(2.3 * len(ks), 2.6 * len(labels)), dpi=DPI)
    axes = fig.subplots(len(labels), len(ks), squeeze=False)
    rows_csv = []
    for r, label in enumerate(labels):
        curve = curves[label]
        grids = [curve.values(k) for k in ks]
        finite = np.concatenate([g[np.isfinite(g)] for g in grids])
        vmin = min(float(finite.min()), -1.0) if finite.size else -1.0
        vmax = max(float(finite.max()), 0.0) if finite.size else 0.0
        for c, (k, V) in enumerate(zip(ks, grids)):
            ax = axes[r][c]
            ax.imshow(
                np.ma.masked_invalid(V), cmap="RdYlGn", vmin=vmin, vmax=vmax if vmax > vmin else vmin + 1
            )
            for (i, j), v in np.ndenumerate(V):
                if np.isfinite(v):
                    text = f"{v:.2f}".rstrip("0").rstrip(".") if abs(v) < 100 else f"{v:.0f}"
                    ax.text(j, i, "0" if text == "-0" else text, ha="center", va="center",
                            fontsize=8 if V.shape[1] <= 6 else 6)  # fmt: skip
                rows_csv.append([label, "inf" if k is INF else k, i, j, _num(float(v))])
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"k = {'∞' if k is INF else k}", fontsize=10)
        if len(labels) > 1:
            axes[r][0].set_ylabel(label)
    fig.suptitle(step.title)
    fig.tight_layout()
    fig.savefig(out / step.file)
    with (out / Path(step.file).with_suffix(".csv").name).open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["curve", "k", "row", "col", "V"])
        writer.writerows(rows_csv)
    return f"{step.title}: V_k after k {_unit(curves[labels[0]])} (k = ∞: converged)."


def _unit(curve: Any) -> str:
    """What ``values_at`` counts for this curve's run: sweeps (DP's updates) or episodes."""
    return "episodes" if curve.run.full.budget.unit == "episode" else "sweeps"


def exact_v_pi(curve: Any) -> np.ndarray | None:
    """v_pi of the policy a prediction agent evaluates, from the exact model (eq. 4.4), or None
    for an agent that evaluates no fixed policy (its params name none)."""
    policy = curve.spec.params.get("policy")
    if policy is None:
        return None
    from gridrl.agents.common.prediction import evaluated_policy, true_values
    from gridrl.envs.model import TabularModel

    level = curve.run.level
    model = TabularModel.from_level(level)
    gamma = curve.spec.params.get("gamma") or level.dynamics.gamma
    return true_values(model, evaluated_policy(policy, model), gamma)


def plot_values_along_row(step: PlotStep, curves: dict[str, Any], out: Path) -> str:
    """V_k of each curve against the non-terminal states of a one-row level, labelled A, B, ...
    from the left, one line per k, and the exact v_pi as a dashed line where it is known."""
    from gridrl.levels import compile_grid

    fig = Figure(figsize=(6.4, 4.2), dpi=DPI)
    ax = fig.subplots()
    rows_csv = []
    for label in step.curves:
        curve = curves[label]
        grid = compile_grid(curve.run.level)
        inside = np.flatnonzero(~(grid.terminal | grid.wall))
        x = np.arange(len(inside))
        for i, k in enumerate(curve.run.values_at):
            V = curve.values(k).ravel()[inside]
            name = "∞" if k is INF else str(k)
            unit = _unit(curve)[:-1] if name == "1" else _unit(curve)
            ax.plot(x, V, marker="o", color=COLOURS[i % len(COLOURS)], label=f"after {name} {unit}")
            rows_csv += [[label, name, int(s), _num(float(v))] for s, v in zip(inside, V)]
        v_pi = exact_v_pi(curve)
        if v_pi is not None:
            ax.plot(x, v_pi[inside], "--", color="#555555", label="true values v_pi")
            rows_csv += [[label, "true", int(s), _num(float(v))] for s, v in zip(inside, v_pi[inside])]
        ax.set_xticks(x, [chr(ord("A") + j) for j in x] if len(x) <= 26 else [str(j) for j in x])
    ax.set_xlabel("State")
    ax.set_ylabel("Estimated value V(s)")
    ax.set_title(step.title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=9)
    fig.tight_layout()
    fig.savefig(out / step.file)
    with (out / Path(step.file).with_suffix(".csv").name).open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["curve", "k", "state", "V"])
        writer.writerows(rows_csv)
    return f"{step.title}: V_k after k {_unit(curves[step.curves[0]])}, and the true values."
