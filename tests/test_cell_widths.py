"""Spacing marks take one cell (as terminals draw them): their ranges are cut out of Rich's
width table. The cut is checked code point by code point against the table it came from."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from tui.ui.cells import SPACING_MARKS, _without


def width_of(table: list[tuple[int, int, int]], point: int) -> int | None:
    return next((w for a, b, w in table if a <= point <= b), None)


def ranges(points: list[int]) -> list[tuple[int, int]]:
    points = sorted(set(points))
    return [(points[i], points[i + 1]) for i in range(0, len(points) - 1, 2)]


@given(st.lists(st.integers(0, 300), min_size=2, max_size=40), st.lists(st.integers(0, 320), max_size=30),
       st.randoms())
def test_every_point_of_a_mark_is_cut_and_every_other_keeps_its_width(width_points, mark_points, rng: random.Random):
    widths = [(a, b, rng.choice([0, 2])) for a, b in ranges(width_points)]
    marks = ranges(mark_points)
    cut = _without(widths, marks)
    for point in range(0, 330):
        in_mark = any(a <= point <= b for a, b in marks)
        assert width_of(cut, point) == (None if in_mark else width_of(widths, point)), point
    assert cut == sorted(cut)  # still sorted: Rich bisects the table


def in_marks_of(widths: list[tuple[int, int, int]]) -> int:
    return sum(max(0, min(b, n) - max(a, m) + 1) for a, b, _w in widths for m, n in SPACING_MARKS)


def test_the_real_table_loses_exactly_the_marks():
    from importlib import import_module

    from rich._unicode_data._versions import VERSIONS

    # Rich's own table, as shipped (its loader is the patched one by now)
    widths = import_module(f"rich._unicode_data.unicode{VERSIONS[-1].replace('.', '-')}").cell_table.widths
    cut = _without(widths, SPACING_MARKS)
    for a, b in SPACING_MARKS:
        for point in (a, b, (a + b) // 2):
            assert width_of(cut, point) is None
    assert in_marks_of(widths) > 0  # the shipped table does give marks a width: the cut is needed
    kept = sum(b - a + 1 for a, b, _w in cut)
    in_marks = in_marks_of(widths)
    assert kept == sum(b - a + 1 for a, b, _w in widths) - in_marks
