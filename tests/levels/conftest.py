"""Shared helpers for the gridrl.levels tests."""

from __future__ import annotations

import textwrap
from typing import Callable

import pytest

from gridrl.levels import LevelError, parse_level


def _dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


@pytest.fixture
def level_error() -> Callable[[str], LevelError]:
    """``level_error(text)``: the LevelError that parsing the (dedented) YAML raises.

    Fails the test if parsing succeeds; any other exception type propagates, so a test
    using it also fails when the parser crashes with something that is not a LevelError.
    """

    def run(text: str) -> LevelError:
        with pytest.raises(LevelError) as info:
            parse_level(_dedent(text))
        return info.value

    return run


@pytest.fixture
def parse() -> Callable[[str], object]:
    """``parse(text)``: parse_level of the dedented YAML text."""

    def run(text: str) -> object:
        return parse_level(_dedent(text))

    return run
