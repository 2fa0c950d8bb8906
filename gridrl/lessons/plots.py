"""The lesson's figures: learning curves with a 95% band, and value grids (Figure 4.1).

matplotlib figures made without pyplot (no window, no backend chosen for the whole process,
so a notebook that runs a lesson keeps its inline plots). Every figure is written as PNG
beside a CSV with exactly the numbers drawn.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from gridrl.lessons.model import INF, PlotStep, metric_x
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
        bands[label] = band(x, smooth(Y, step.smooth) * scale)
    return bands


def plot_step(step: PlotStep, curves: dict[str, Any], out: Path) -> str:
    """Draw ``step`` into ``out/step.file`` (+ CSV); return the figure's caption."""
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


def plot_values(step: PlotStep, curves: dict[str, Any], out: Path) -> str:
    """One panel per recorded update count k: V_k on the grid with its numbers (Figure 4.1)."""
    labels = list(step.curves)
    ks = curves[labels[0]].run.values_at
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
    return f"{step.title}: V_k after k sweeps (k = ∞: converged)."
