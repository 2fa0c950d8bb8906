"""Every bundled lesson at full size, against the published figure: the README's table.

    python bench/lessons_full.py [LESSON ...] [--out DIR] [--workers N] [--max-minutes M]

Runs each lesson as ``gridrl lesson run NAME --out DIR/NAME`` would (all seeds, in parallel
over the cores) and prints one Markdown table: for every check, the published number, the
measured one, the tolerance and the verdict. The table is also written to DIR/table.md.
Lessons whose agents are not installed yet are listed as skipped. Exit status 1 if any
check fails.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gridrl.lessons import lesson_names, load_lesson
from gridrl.lessons.report import check_rows
from gridrl.lessons.runner import default_workers, run_lesson


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", help="lesson names (default: all bundled lessons)")
    parser.add_argument("--out", help="folder for each lesson's output (default: a temporary folder)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    parser.add_argument("--max-minutes", type=float, default=None,
                        help="start no new lesson after this many minutes")  # fmt: skip
    args = parser.parse_args(argv)
    names = args.lessons or lesson_names()
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="gridrl-lessons-"))
    workers = args.workers or default_workers()
    header = ["| lesson | figure | claim | curve | published | measured | tolerance | verdict |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    lines: list[str] = []
    timings: list[str] = []
    failed = False
    start = time.perf_counter()
    for name in names:
        lesson = load_lesson(name)
        if args.max_minutes is not None and time.perf_counter() - start > 60 * args.max_minutes:
            lines.append(f"| {name} | {lesson.figure} | not run: time cap reached |  |  |  |  |  |")
            continue
        if lesson.missing_agents:
            missing = ", ".join(lesson.missing_agents)
            lines.append(
                f"| {name} | {lesson.figure} | skipped: agent not installed yet ({missing}) |  |  |  |  |  |"
            )
            continue
        print(f"{name}: running full size with {workers} workers ...", file=sys.stderr, flush=True)
        result = run_lesson(lesson, out / name, quick=False, workers=workers, progress=True)
        failed |= not result.ok
        timings.append(f"{name} {result.elapsed:.0f} s")
        for row in check_rows(result):
            lines.append(f"| {name} | {lesson.figure} | {row['claim']} | {row['curve']} | {row['published']} | "
                         f"{row['measured']} | {row['tolerance']} | {row['ok']} |")  # fmt: skip
    table = "\n".join(header + lines)
    footer = f"\nTime per lesson ({workers} workers): {', '.join(timings)}.\n"
    print(table + footer)
    (out / "table.md").parent.mkdir(parents=True, exist_ok=True)
    (out / "table.md").write_text(table + footer, encoding="utf-8")
    print(f"outputs in {out}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
