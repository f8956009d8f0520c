"""What tests expect to be there: a value the code under test may give as None (mypy sees a
None where the test has made sure of a value, and the test fails on the spot if it is one)."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def present(value: T | None) -> T:
    assert value is not None, "expected a value, got None"
    return value
