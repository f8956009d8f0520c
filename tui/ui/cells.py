"""Cell widths as terminals draw them.

Rich (and so Textual) counts the spacing combining marks of Unicode (category Mc: the
vowel signs of Devanagari, Bengali, Tamil, Sinhala, Myanmar...) as 0 cells, where
terminals (glibc's wcwidth, so tmux, VTE, xterm) draw them in 1: a row with "बारिश"
came out wider than measured and pushed the right border out of the box. Rich's cell
table is given those code points as 1 cell, once, before anything is drawn.

Rich has no public way to change its cell table, so this patches a private one
(`rich._unicode_data.load`): pyproject pins the Rich range it is tested against
(`TESTED_RICH`), and outside it longtail refuses to start with one line rather than draw
rows of the wrong width.

The ranges are Python 14.0.0's category Mc, less the four that glibc draws otherwise
(U+302E-302F, U+16FF0-16FF1); `python -m tui.ui.cells` prints them again.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tui.errors import LongtailError

TESTED_RICH = (15, 16)  # major versions: from (inclusive) to (exclusive); pyproject says the same

SPACING_MARKS = (
    (0x0903, 0x0903), (0x093B, 0x093B), (0x093E, 0x0940), (0x0949, 0x094C), (0x094E, 0x094F),
    (0x0982, 0x0983), (0x09BE, 0x09C0), (0x09C7, 0x09C8), (0x09CB, 0x09CC), (0x09D7, 0x09D7),
    (0x0A03, 0x0A03), (0x0A3E, 0x0A40), (0x0A83, 0x0A83), (0x0ABE, 0x0AC0), (0x0AC9, 0x0AC9),
    (0x0ACB, 0x0ACC), (0x0B02, 0x0B03), (0x0B3E, 0x0B3E), (0x0B40, 0x0B40), (0x0B47, 0x0B48),
    (0x0B4B, 0x0B4C), (0x0B57, 0x0B57), (0x0BBE, 0x0BBF), (0x0BC1, 0x0BC2), (0x0BC6, 0x0BC8),
    (0x0BCA, 0x0BCC), (0x0BD7, 0x0BD7), (0x0C01, 0x0C03), (0x0C41, 0x0C44), (0x0C82, 0x0C83),
    (0x0CBE, 0x0CBE), (0x0CC0, 0x0CC4), (0x0CC7, 0x0CC8), (0x0CCA, 0x0CCB), (0x0CD5, 0x0CD6),
    (0x0D02, 0x0D03), (0x0D3E, 0x0D40), (0x0D46, 0x0D48), (0x0D4A, 0x0D4C), (0x0D57, 0x0D57),
    (0x0D82, 0x0D83), (0x0DCF, 0x0DD1), (0x0DD8, 0x0DDF), (0x0DF2, 0x0DF3), (0x0F3E, 0x0F3F),
    (0x0F7F, 0x0F7F), (0x102B, 0x102C), (0x1031, 0x1031), (0x1038, 0x1038), (0x103B, 0x103C),
    (0x1056, 0x1057), (0x1062, 0x1064), (0x1067, 0x106D), (0x1083, 0x1084), (0x1087, 0x108C),
    (0x108F, 0x108F), (0x109A, 0x109C), (0x1715, 0x1715), (0x1734, 0x1734), (0x17B6, 0x17B6),
    (0x17BE, 0x17C5), (0x17C7, 0x17C8), (0x1923, 0x1926), (0x1929, 0x192B), (0x1930, 0x1931),
    (0x1933, 0x1938), (0x1A19, 0x1A1A), (0x1A55, 0x1A55), (0x1A57, 0x1A57), (0x1A61, 0x1A61),
    (0x1A63, 0x1A64), (0x1A6D, 0x1A72), (0x1B04, 0x1B04), (0x1B35, 0x1B35), (0x1B3B, 0x1B3B),
    (0x1B3D, 0x1B41), (0x1B43, 0x1B44), (0x1B82, 0x1B82), (0x1BA1, 0x1BA1), (0x1BA6, 0x1BA7),
    (0x1BAA, 0x1BAA), (0x1BE7, 0x1BE7), (0x1BEA, 0x1BEC), (0x1BEE, 0x1BEE), (0x1BF2, 0x1BF3),
    (0x1C24, 0x1C2B), (0x1C34, 0x1C35), (0x1CE1, 0x1CE1), (0x1CF7, 0x1CF7), (0xA823, 0xA824),
    (0xA827, 0xA827), (0xA880, 0xA881), (0xA8B4, 0xA8C3), (0xA952, 0xA953), (0xA983, 0xA983),
    (0xA9B4, 0xA9B5), (0xA9BA, 0xA9BB), (0xA9BE, 0xA9C0), (0xAA2F, 0xAA30), (0xAA33, 0xAA34),
    (0xAA4D, 0xAA4D), (0xAA7B, 0xAA7B), (0xAA7D, 0xAA7D), (0xAAEB, 0xAAEB), (0xAAEE, 0xAAEF),
    (0xAAF5, 0xAAF5), (0xABE3, 0xABE4), (0xABE6, 0xABE7), (0xABE9, 0xABEA), (0xABEC, 0xABEC),
    (0x11000, 0x11000), (0x11002, 0x11002), (0x11082, 0x11082), (0x110B0, 0x110B2), (0x110B7, 0x110B8),
    (0x1112C, 0x1112C), (0x11145, 0x11146), (0x11182, 0x11182), (0x111B3, 0x111B5), (0x111BF, 0x111C0),
    (0x111CE, 0x111CE), (0x1122C, 0x1122E), (0x11232, 0x11233), (0x11235, 0x11235), (0x112E0, 0x112E2),
    (0x11302, 0x11303), (0x1133E, 0x1133F), (0x11341, 0x11344), (0x11347, 0x11348), (0x1134B, 0x1134D),
    (0x11357, 0x11357), (0x11362, 0x11363), (0x11435, 0x11437), (0x11440, 0x11441), (0x11445, 0x11445),
    (0x114B0, 0x114B2), (0x114B9, 0x114B9), (0x114BB, 0x114BE), (0x114C1, 0x114C1), (0x115AF, 0x115B1),
    (0x115B8, 0x115BB), (0x115BE, 0x115BE), (0x11630, 0x11632), (0x1163B, 0x1163C), (0x1163E, 0x1163E),
    (0x116AC, 0x116AC), (0x116AE, 0x116AF), (0x116B6, 0x116B6), (0x11720, 0x11721), (0x11726, 0x11726),
    (0x1182C, 0x1182E), (0x11838, 0x11838), (0x11930, 0x11935), (0x11937, 0x11938), (0x1193D, 0x1193D),
    (0x11940, 0x11940), (0x11942, 0x11942), (0x119D1, 0x119D3), (0x119DC, 0x119DF), (0x119E4, 0x119E4),
    (0x11A39, 0x11A39), (0x11A57, 0x11A58), (0x11A97, 0x11A97), (0x11C2F, 0x11C2F), (0x11C3E, 0x11C3E),
    (0x11CA9, 0x11CA9), (0x11CB1, 0x11CB1), (0x11CB4, 0x11CB4), (0x11D8A, 0x11D8E), (0x11D93, 0x11D94),
    (0x11D96, 0x11D96), (0x11EF5, 0x11EF6), (0x16F51, 0x16F87), (0x1D165, 0x1D166), (0x1D16D, 0x1D172),
)


def rich_version() -> str:
    """Rich's version from its dist-info folder's name beside it (importlib.metadata costs the
    TUI's start ~10 ms), else from the metadata."""
    import rich

    site = Path(rich.__file__).resolve().parent.parent
    for info in site.glob("rich-*.dist-info"):
        return info.name[len("rich-"):-len(".dist-info")]
    from importlib.metadata import version

    return version("rich")


def check_rich(found: str | None = None) -> None:
    """One line, before anything is drawn, when Rich is a version the patch was not tested on."""
    found = found or rich_version()
    try:
        major = int(found.split(".")[0])
    except ValueError:
        major = -1
    if not TESTED_RICH[0] <= major < TESTED_RICH[1]:
        raise LongtailError(f"longtail's TUI is tested with Rich {TESTED_RICH[0]}.x, and Rich {found} is installed",
                            f"install rich>={TESTED_RICH[0]},<{TESTED_RICH[1]} (`./dev` does)")


def use_terminal_widths() -> None:
    """Patch rich's cell table (idempotent): spacing marks are 1 cell wide."""
    check_rich()
    import rich._unicode_data as data
    import rich.cells as cells

    if getattr(data.load, "longtail_patched", False):
        return
    original = data.load

    @functools.cache
    def load(unicode_version: str = "auto") -> Any:
        table = original(unicode_version)
        return table._replace(widths=_without(table.widths, SPACING_MARKS))

    load.longtail_patched = True  # type: ignore[attr-defined]
    data.load = load
    cells.load_cell_table = load
    cells.get_character_cell_size.cache_clear()
    cells.cached_cell_len.cache_clear()


def _without(widths: Sequence[tuple[int, int, int]], marks: Sequence[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """Rich's (start, end, width) entries with the marks cut out of them (they fall back to 1).
    Both are sorted ranges, so one pass over each (every pair cost 2.4 ms of the first frame,
    on the first width asked; this 1.0 ms)."""
    out: list[tuple[int, int, int]] = []
    marks = sorted(marks)
    first = 0  # the first mark that may reach this entry or a later one
    for start, end, width in widths:
        while first < len(marks) and marks[first][1] < start:
            first += 1
        at = start
        k = first
        while k < len(marks) and marks[k][0] <= end:
            m_start, m_end = marks[k]
            if at < m_start:
                out.append((at, m_start - 1, width))
            at = max(at, m_end + 1)
            k += 1
        if at <= end:
            out.append((at, end, width))
    return out


if __name__ == "__main__":
    import unicodedata

    found, begin = [], None
    for cp in range(0x110001):
        mark = (cp < 0x110000 and unicodedata.category(chr(cp)) == "Mc"
                and cp not in (0x302E, 0x302F, 0x16FF0, 0x16FF1))
        if mark and begin is None:
            begin = cp
        if not mark and begin is not None:
            found.append((begin, cp - 1))
            begin = None
    print(found)
