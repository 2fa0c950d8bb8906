"""The lesson's reports: report.md and index.html put the text, the figures, the settings and
the checks together; curves.json and checks.json hold every number behind them.
"""

from __future__ import annotations

import html
import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from gridrl.lessons.model import INF, SPARSE_METRICS
from gridrl.lessons.stats import band
from gridrl.levels import atomic_write_text

#: curves.json keeps each seed's curve of a metric when it has at most this many numbers.
MAX_PER_SEED_NUMBERS = 200_000


def _plain(value: Any) -> Any:
    """numpy -> JSON; NaN and inf -> null."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


# --------------------------------------------------------------------------- data


def curves_document(result: Any) -> dict[str, Any]:
    """Every recorded curve of every label: x, mean, 95% band and each seed's values."""
    doc: dict[str, Any] = {"lesson": result.lesson.name, "quick": result.quick, "curves": {}}
    for label, curve in result.curves.items():
        entry: dict[str, Any] = {
            "agent": curve.spec.agent, "params": curve.spec.params, "seeds": curve.seeds,
            "runs_per_seed": curve.scale.runs, "budget": curve.scale.budget.text(),
            "level": curve.run.level.name, "metrics": {},
        }  # fmt: skip
        names = list(curve.per_seed[0]["curves"]) + (
            ["policy_value", "policy_optimal"] if curve.run.probe_every else []
        )
        for metric in names:
            x, Y = curve.curve(metric)
            if Y.size == 0:
                continue
            b = band(x, Y, skip_nan=metric in SPARSE_METRICS)
            entry["metrics"][metric] = {"x": x, "mean": b.mean, "ci_low": b.low, "ci_high": b.high}
            # every seed's own curve too, unless that is very long (curves per environment step)
            entry["metrics"][metric]["per_seed"] = Y if Y.size <= MAX_PER_SEED_NUMBERS else None
        if curve.run.values_at:
            entry["values"] = {("inf" if k is INF else str(k)): curve.values(k) for k in curve.run.values_at}
        if "greedy_path" in curve.per_seed[0]:
            entry["greedy_path_length"] = curve.path_lengths()
        doc["curves"][label] = entry
    if result.studies:
        doc["studies"] = {label: study_entry(study) for label, study in result.studies.items()}
    return _plain(doc)


def study_entry(study: Any) -> dict[str, Any]:
    """A study curve: its settings, each run's number (seeds x values), their mean and 95% band."""
    x, Y = study.curve(study.study.metric)
    b = band(x, Y)
    return {
        "agent": study.agent.agent, "params": study.agent.params, "parameter": study.agent.parameter,
        "values": x, "seeds": study.seeds, "runs_per_seed": study.scale.runs,
        "budget": study.scale.budget.text(), "level": study.study.level.name, "measure": study.study.where(),
        "mean": b.mean, "ci_low": b.low, "ci_high": b.high, "per_seed": Y,
    }  # fmt: skip


def checks_document(result: Any) -> list[dict[str, Any]]:
    out = []
    for c in result.checks:
        out.append(_plain({
            "claim": c.check.claim, "measure": c.check.measure, "metric": c.check.metric,
            "window": c.check.window, "last": c.check.last, "ok": c.ok, "skipped": c.skipped,
            "error": c.error, "rows": [{k: v for k, v in r.items() if k != "V"} for r in c.rows],
            "order": list(c.check.order), "order_measured": c.order_measured, "order_ok": c.order_ok,
            "source": c.check.source,
        }))  # fmt: skip
    return out


def where_text(check: Any, curves: dict[str, Any]) -> str:
    if check.study:
        if check.measure == "at":
            return f"{check.metric} at the value {fmt(check.at)}"
        what = {"min": "lowest", "max": "highest",
                "argmin": "value with the lowest", "argmax": "value with the highest"}  # fmt: skip
        return f"{what[check.measure]} mean {check.metric} over the values studied"
    if check.measure == "values":
        run = curves[next(iter(check.published))].run
        unit = "episodes" if run.full.budget.unit == "episode" else "sweeps"
        return f"after {'convergence' if check.at is INF else f'{check.at} {unit}'}"
    if check.window:
        return f"{check.metric}, x in [{fmt(check.window[0])}, {fmt(check.window[1])}]"
    if check.last:
        return f"{check.metric}, last {check.last:,} points"
    return check.metric if check.measure != "greedy_path_length" else "greedy path"


def check_rows(result: Any) -> list[dict[str, str]]:
    """One row per (check, curve) for the tables: claim, curve, published, measured, tolerance, verdict."""
    rows = []
    for c in result.checks:
        base = {"claim": c.check.claim, "where": where_text(c.check, result.curves)}
        if c.skipped:
            rows.append(
                base
                | {
                    "curve": "",
                    "published": "",
                    "measured": "",
                    "tolerance": "",
                    "ok": f"skipped ({c.skipped})",
                }
            )
            continue
        if c.error:
            rows.append(
                base
                | {"curve": "", "published": "", "measured": "", "tolerance": "", "ok": f"FAIL: {c.error}"}
            )
            continue
        for r in c.rows:
            if r["what"] == "max |V - published|":
                published, measured = "book's grid", f"max error {fmt(r['measured'])}"
            else:
                published, measured = fmt(r["published"]), fmt(r["measured"])
            rows.append(base | {"curve": r["label"], "published": published, "measured": measured,
                                "tolerance": f"±{fmt(r['tolerance'])}", "ok": "ok" if r["ok"] else "FAIL"})  # fmt: skip
        if c.order_ok is not None:
            ranking = " > ".join(f"{label} ({fmt(v)})" for label, v in c.order_measured.items())
            rows.append(base | {"curve": "order", "published": " > ".join(c.check.order), "measured": ranking,
                                "tolerance": "", "ok": "ok" if c.order_ok else "FAIL"})  # fmt: skip
    return rows


def settings_rows(result: Any) -> list[dict[str, str]]:
    rows = []
    for label, curve in result.curves.items():
        params = ", ".join(f"{k}={v}" for k, v in curve.spec.params.items()) or "defaults"
        seeds = len(curve.seeds)
        runs = f" x {curve.scale.runs:,} runs" if curve.scale.runs > 1 else ""
        rows.append({"curve": label, "agent": curve.spec.agent, "params": params,
                     "level": curve.run.level.name, "seeds": f"{seeds}{runs}",
                     "budget": curve.scale.budget.text() + " per seed"})  # fmt: skip
    for label, study in result.studies.items():
        agent = study.agent
        fixed = "".join(f"{k}={v}, " for k, v in agent.params.items())
        values = ", ".join(fmt(float(v)) for v in agent.values)
        runs = f" x {study.scale.runs:,} runs" if study.scale.runs > 1 else ""
        rows.append({"curve": label, "agent": agent.agent, "params": f"{fixed}{agent.parameter} in {{{values}}}",
                     "level": study.study.level.name, "seeds": f"{len(study.seeds)}{runs} per value",
                     "budget": f"{study.scale.budget.text()} per seed; one number: {study.study.where()}"})  # fmt: skip
    return rows


# --------------------------------------------------------------------------- markdown, html


def markdown(result: Any, command: str) -> str:
    lesson = result.lesson
    lines = [f"# {lesson.title}", "", f"*Reproduces: {lesson.figure}*", "", lesson.explanation.strip(), ""]
    for file, caption in result.images:
        lines += [f"![{caption}]({file})", "", f"*{caption}*", ""]
    for file, caption in result.animations:
        if file.endswith(".gif"):
            lines += [f"![{caption}]({file})", "", f"*{caption}*", ""]
    lines += ["## Settings", "", "| curve | agent | hyperparameters | level | seeds | budget |",
              "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for r in settings_rows(result):
        lines.append(
            f"| {r['curve']} | {r['agent']} | {r['params']} | {r['level']} | {r['seeds']} | {r['budget']} |"
        )
    lines += ["", "## Checks against the published result", ""]
    if result.quick:
        lines += ["Quick run (`--quick`): fewer seeds and steps, wider tolerances.", ""]
    lines += ["| claim | measured on | curve | published | measured | tolerance | verdict |",
              "| --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for r in check_rows(result):
        cells = (r[k] for k in ("claim", "where", "curve", "published", "measured", "tolerance", "ok"))
        lines.append("| " + " | ".join(cells) + " |")
    verdict = "All checks pass." if result.ok else "**Some checks fail.**"
    lines += ["", verdict, ""]
    if result.notes:
        lines += ["## Notes", ""] + [f"- {note}" for note in result.notes] + [""]
    files = [f for f, _ in result.images] + [f for f, _ in result.animations] + result.data_files
    files += ["curves.json", "checks.json"] + (["lesson.yaml"] if lesson.path.is_file() else [])
    lines += ["## Files", ""] + [f"- [{f}]({f})" for f in files]
    processes = f"{result.workers} worker process{'es' * (result.workers != 1)}"
    if result.backend != "local":
        processes = f"the {result.backend} backend"
    lines += [
        "",
        f"Made by `{command}` in {result.elapsed:.1f} s with {processes}. Same seed, same numbers.",
        "",
    ]
    return "\n".join(lines)


STYLE = (
    "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5;color:#222}img{max-width:100%}table{border-collapse:collapse;margin:1rem 0}"
    "td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}"
    ".ok{color:#1a7f37}.fail{color:#c00;font-weight:bold}figure{margin:1.5rem 0}"
    "figcaption{color:#555;font-style:italic}</style></head><body>"
)
SETTINGS_HEADER = (
    "<table><tr><th>curve</th><th>agent</th><th>hyperparameters</th><th>level</th>"
    "<th>seeds</th><th>budget</th></tr>"
)
CHECKS_HEADER = (
    "<table><tr><th>claim</th><th>measured on</th><th>curve</th><th>published</th>"
    "<th>measured</th><th>tolerance</th><th>verdict</th></tr>"
)


def page(result: Any, command: str) -> str:
    lesson = result.lesson
    e = html.escape
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(lesson.title)}</title>",
        STYLE,
        f"<h1>{e(lesson.title)}</h1>", f"<p><em>Reproduces: {e(lesson.figure)}</em></p>",
    ]  # fmt: skip
    parts += [f"<p>{e(p.strip())}</p>" for p in lesson.explanation.split("\n\n") if p.strip()]
    media = result.images + [(f, c) for f, c in result.animations if f.endswith(".gif")]
    for file, caption in media:
        parts.append(
            f'<figure><img src="{e(file)}" alt="{e(caption)}"><figcaption>{e(caption)}</figcaption></figure>'
        )
    parts += ["<h2>Settings</h2>", SETTINGS_HEADER]
    for r in settings_rows(result):
        parts.append(
            "<tr>"
            + "".join(f"<td>{e(r[k])}</td>" for k in ("curve", "agent", "params", "level", "seeds", "budget"))
            + "</tr>"
        )
    parts += ["</table>", "<h2>Checks against the published result</h2>"]
    if result.quick:
        parts.append("<p>Quick run (<code>--quick</code>): fewer seeds and steps, wider tolerances.</p>")
    parts.append(CHECKS_HEADER)
    for r in check_rows(result):
        cls = "ok" if r["ok"] == "ok" or r["ok"].startswith("skipped") else "fail"
        cells = "".join(
            f"<td>{e(r[k])}</td>" for k in ("claim", "where", "curve", "published", "measured", "tolerance")
        )
        parts.append(f'<tr>{cells}<td class="{cls}">{e(r["ok"])}</td></tr>')
    parts.append("</table>")
    parts.append(f"<p>{'All checks pass.' if result.ok else '<strong>Some checks fail.</strong>'}</p>")
    if result.notes:
        parts += ["<h2>Notes</h2>", "<ul>"] + [f"<li>{e(n)}</li>" for n in result.notes] + ["</ul>"]
    files = [f for f, _ in result.images] + [f for f, _ in result.animations] + result.data_files
    files += ["curves.json", "checks.json", "report.md"] + (["lesson.yaml"] if lesson.path.is_file() else [])
    parts += ["<h2>Files</h2>", "<ul>"] + [f'<li><a href="{e(f)}">{e(f)}</a></li>' for f in files] + ["</ul>"]
    parts.append(f"<p>Made by <code>{e(command)}</code> in {result.elapsed:.1f} s.</p></body></html>")
    return "\n".join(parts)


def write_all(result: Any, out: Path, command: str | None = None) -> list[Path]:
    """curves.json, checks.json, lesson.yaml (a copy), report.md and index.html in ``out``."""
    lesson = result.lesson
    if command is None:
        command = f"gridrl lesson run {lesson.name}{' --quick' if result.quick else ''} --out {out}"
    written = [out / n for n in ("curves.json", "checks.json", "lesson.yaml", "report.md", "index.html")]
    atomic_write_text(written[0], json.dumps(curves_document(result)))
    atomic_write_text(written[1], json.dumps(checks_document(result), indent=1))
    if lesson.path.is_file():
        shutil.copyfile(lesson.path, written[2])
    else:
        written.pop(2)
    atomic_write_text(out / "report.md", markdown(result, command))
    atomic_write_text(out / "index.html", page(result, command))
    return written
