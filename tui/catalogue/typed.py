"""Values of the user's metadata as the types the records promise.

The archive's databases declare their columns NOT NULL and typed, but SQLite keeps whatever
was written: a NULL name or a text popularity ended `search` and `shuffle` in tracebacks.
Each read here either has its type, or is replaced by a neutral value (an empty name, 0) and
reported once per table and column with the row it was met in, so the user learns of the
damage without losing the rest of the catalogue. A row whose id is wrong is left out.
"""

from __future__ import annotations

import logging
import threading

_log = logging.getLogger("longtail.catalogue")
_log.addHandler(logging.NullHandler())  # before the log file is set up, the faces say the notes, not Python
_guard = threading.Lock()  # many threads read the catalogue; the report is shared
_reported: set[str] = set()
_notes: list[str] = []


def report(table: str, column: str, row: object, value: object, taken_as: str) -> None:
    """Once per table and column: what was found where, and what longtail did with it."""
    found = "NULL" if value is None else f"{type(value).__name__} {str(value)[:20]!r}"
    notice(f"{table}.{column}", f"the catalogue's {table}.{column} holds {found} at row {str(row)[:30]}, where "
           f"the schema promises otherwise; {taken_as} (and so for every such row)")


def notice(key: str, note: str) -> None:
    """Say `note` once per process for `key` (to the faces through `drain_notes`, and the log)."""
    with _guard:
        if key in _reported:
            return
        _reported.add(key)
        _notes.append(note)
    _log.warning(note)


def drain_notes() -> list[str]:
    """What was reported since the last call, for a face to say once."""
    with _guard:
        notes = list(_notes)
        _notes.clear()
    return notes


def text(value: object, table: str, column: str, row: object) -> str:
    if isinstance(value, str):
        return value
    report(table, column, row, value, "read as empty" if value is None else "read as text")
    return "" if value is None else _as_text(value)


def optional_text(value: object, table: str, column: str, row: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    report(table, column, row, value, "read as text")
    return _as_text(value)


def _as_text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def integer(value: object, table: str, column: str, row: object) -> int:
    if type(value) is int:
        return value
    try:
        whole = int(float(value))  # type: ignore[arg-type]  # a REAL or numeric text keeps its number
    except (TypeError, ValueError, OverflowError):
        report(table, column, row, value, "taken as 0")
        return 0
    if not isinstance(value, float):
        report(table, column, row, value, "read as the number it spells")
    return whole


def integer_sql(column: str) -> str:
    """The SQL twin of `integer` for bulk builds (the search index), where rows never reach
    Python: anything but an integer counts as 0."""
    return f"coalesce(CAST({column} AS INTEGER), 0)"


def text_only_sql(column: str) -> str:
    """The SQL twin of `text` for bulk builds: a blob or a number where a name belongs is no name."""
    return f"(CASE WHEN typeof({column}) = 'text' THEN {column} END)"
