"""Pictures as half-block cells, and the one question asked of the terminal about pictures:
parsed from what real terminals answer, and asked of a real one (tmux)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from rich.color import Color

from tui.ui.terminal_graphics import kind_of
from tui.ui.widgets.half_blocks import UPPER_HALF, draw


def test_each_cell_is_two_pixels_the_upper_as_glyph_the_lower_as_background():
    image = Image.new("RGB", (2, 2))
    image.putdata([(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)])
    (strip,) = draw(image, 2, 1)
    cells = [s for s in strip if s.text]
    assert [c.text for c in cells] == [UPPER_HALF, UPPER_HALF]
    styles = [c.style for c in cells if c.style is not None]
    assert [s.color for s in styles] == [Color.from_rgb(255, 0, 0), Color.from_rgb(0, 255, 0)]
    assert [s.bgcolor for s in styles] == [Color.from_rgb(0, 0, 255), Color.from_rgb(255, 255, 255)]


@pytest.mark.parametrize(("size", "cells", "drawn"), [
    ((100, 50), (20, 20), (20, 5)),  # wide: the width fills, half the pixel rows, centred
    ((50, 100), (40, 10), (10, 10)),  # tall: the height fills (10 rows of two pixels), centred across
    ((640, 640), (24, 12), (24, 12)),  # a square cover in the details box: every cell
    ((3, 1000), (4, 2), (1, 2)),  # a sliver still gets a cell
])
def test_a_picture_keeps_its_aspect_inside_the_cells_given(size, cells, drawn):
    columns, rows = cells
    strips = draw(Image.new("RGB", size, (9, 9, 9)), columns, rows)
    assert len(strips) <= rows and all(strip.cell_length == columns for strip in strips)
    painted = [strip for strip in strips if any(s.text == UPPER_HALF for s in strip)]
    assert len(painted) == drawn[1]
    assert {sum(len(s.text) for s in strip if s.text == UPPER_HALF) for strip in painted} == {drawn[0]}
    top = strips.index(painted[0])
    assert top == (rows - drawn[1]) // 2  # centred, as the box's middle is where the eye looks


@pytest.mark.parametrize(("answer", "kind"), [
    (b"\x1b[?63;1;2;4;6;9;15;16;22;28c", "sixel"),  # xterm -ti vt340, foot, WezTerm, mlterm
    (b"\x1b_Gi=31;OK\x1b\\\x1b[?62;c", "kitty"),  # kitty: its graphics answer, then the attributes
    (b"\x1b[?1;2c", "cells"),  # tmux, screen, VTE terminals (GNOME Terminal), Alacritty
    (b"\x1b_Gi=31;ENOTSUPPORTED:no\x1b\\\x1b[?62;22c", "cells"),  # graphics refused
    (b"x\x1b[?64;1;9;15;21;22c", "cells"),  # a key typed during the question comes first
    (b"", "cells"),
])
def test_the_kind_of_pictures_is_read_from_the_terminals_answer(answer, kind):
    assert kind_of(answer) == kind


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_real_terminal_answers_in_one_round_trip_and_is_left_as_it_was(tmp_path):
    """In tmux: the question is answered (the wait here is 30 s, so returning at all means the
    answer came, not a timeout), the kind is cells, and the terminal's modes are restored."""
    out = tmp_path / "out"
    script = tmp_path / "ask.py"
    script.write_text(
        "import subprocess, sys, time\n"
        f"sys.path.insert(0, {str(Path(__file__).parent.parent)!r})\n"
        "from tui.ui.terminal_graphics import ask_terminal\n"
        "before = subprocess.run(['stty', '-g'], capture_output=True, text=True).stdout\n"
        "kind = ask_terminal(timeout=30)\n"
        "after = subprocess.run(['stty', '-g'], capture_output=True, text=True).stdout\n"
        f"open({str(out)!r}, 'w').write(f'{{kind}} {{before == after}}')\n")
    name = f"ask-{time.monotonic_ns()}"
    tmux = ["tmux", "-L", name, "-f", "/dev/null"]
    subprocess.run([*tmux, "new-session", "-d", "-s", name, "-x", "80", "-y", "24",
                    f"{sys.executable} {script}; sleep 5"], check=True)
    try:
        deadline = time.monotonic() + 15
        while not out.exists() or not out.read_text():
            assert time.monotonic() < deadline, "the terminal's answer never came"
            time.sleep(0.05)
        assert out.read_text() == "cells True"
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
