"""The board redraws a cell's number exactly when its printed text changes."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from gridrl.render import text as txt
from gridrl.render.board import _number_keys

values = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)


def printed(v: float, compact: bool) -> str:
    return txt.format_number(v, txt.decimals(v, compact))


@given(a=values, b=values, compact=st.booleans())
def test_different_text_means_different_key(a, b, compact):
    keys = _number_keys(np.array([a, b]), compact)
    if printed(a, compact) != printed(b, compact):
        assert keys[0] != keys[1], (printed(a, compact), printed(b, compact))


def test_thousands_with_one_decimal_redraw():
    """12.5k -> 12.6k and 123k -> 124k: the printed digits changed."""
    keys = _number_keys(np.array([12_540.0, 12_560.0, 123_400.0, 123_600.0]), False)
    assert [printed(v, False) for v in (12_540.0, 12_560.0)] == ["12.5k", "12.6k"]
    assert keys[0] != keys[1] and keys[2] != keys[3]


def test_same_text_keeps_the_key_and_nan_is_zero():
    keys = _number_keys(np.array([1.234, 1.2341, np.nan, 250_100.0, 250_200.0]), False)
    assert keys[0] == keys[1] and keys[2] == 0 and keys[3] == keys[4]
