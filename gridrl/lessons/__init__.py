"""Lessons: one command, one published figure, made by gridrl's own agents on its own levels.

A lesson is a YAML file in the repository's ``lessons/`` folder (title, the figure it
reproduces, an explanation, and steps: level, run, plot, animate, check). ``gridrl lesson
run NAME --out DIR`` trains the agents over seeds in parallel and writes PNG plots, CSV/JSON
of every curve, a GIF of learned paths where asked, and report.md / index.html.
``gridrl compare`` does the same for agents picked on the command line.

>>> from gridrl.lessons import load_lesson
>>> load_lesson("cliff_walking").figure
'Sutton & Barto (2018), Figure 6.4'
"""

from __future__ import annotations

from gridrl.lessons.loader import (
    LESSONS_DIR,
    LessonError,
    lesson_names,
    lesson_path,
    load_lesson,
    parse_lesson,
    read_header,
)
from gridrl.lessons.model import Lesson

__all__ = [
    "LESSONS_DIR", "Lesson", "LessonError", "lesson_names", "lesson_path", "load_lesson",
    "parse_lesson", "read_header", "run_lesson",
]  # fmt: skip


def run_lesson(*args, **kwargs):
    """Run a lesson (imported lazily: the runner pulls in the agents and matplotlib)."""
    from gridrl.lessons.runner import run_lesson as run

    return run(*args, **kwargs)
