"""Notes the domain leaves for the faces to say once: the metadata's values of the wrong type,
met while reading (the catalogue reports each table and column once)."""

from __future__ import annotations

from tui.catalogue.typed import drain_notes


def catalogue_notes() -> list[str]:
    """What was found since the last call; every face that reads the catalogue says these."""
    return drain_notes()
