"""What pictures the terminal draws, asked once before Textual owns it.

textual-image asks on import, one question at a time, each waiting up to 0.1 s for an answer
most terminals never send (the Kitty graphics query, the cell size): ~0.3 s before the first
screen in tmux, VTE, Alacritty... Here the questions go out together, followed by a request
for the primary device attributes, which every terminal answers and answers last (terminals
reply in order), so the wait ends at that answer: one round trip. textual-image is imported
only where the answer says it has something to draw with (Sixel or Kitty graphics); elsewhere
pictures are longtail's own half-block cells (`widgets.half_blocks`), which tmux draws too."""

from __future__ import annotations

import os
import re
import select
import sys
import termios
import time
import tty
from typing import Literal

Graphics = Literal["sixel", "kitty", "cells"]

_KITTY_QUERY = b"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
_DEVICE_ATTRIBUTES = b"\x1b[c"
_DA1_ANSWER = re.compile(rb"\x1b\[\?([0-9;]*)c")
_KITTY_OK = re.compile(rb"\x1b_Gi=31;OK\x1b\\")

in_force: Graphics = "cells"  # until asked; headless runs and tests draw cells


def ask_terminal(timeout: float = 0.5) -> Graphics:
    """Sixel or Kitty graphics where this terminal says it has them, else cells. Keys typed in
    the few milliseconds of the question are read with the answer (as with textual-image)."""
    stdin, stdout = sys.__stdin__, sys.__stdout__
    if stdin is None or stdout is None or not (stdin.isatty() and stdout.isatty()):
        return "cells"
    fd = stdin.fileno()
    try:
        saved = termios.tcgetattr(fd)
    except termios.error:
        return "cells"
    answer = b""
    try:
        tty.setcbreak(fd, termios.TCSANOW)  # the answer is read, not echoed nor line-buffered
        os.write(stdout.fileno(), _KITTY_QUERY + _DEVICE_ATTRIBUTES)
        deadline = time.monotonic() + timeout
        while not _DA1_ANSWER.search(answer):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return "cells"  # no answer at all: a terminal that asks nothing of us draws cells
            answer += os.read(fd, 1024)
    except OSError:
        return "cells"
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)
    return kind_of(answer)


def kind_of(answer: bytes) -> Graphics:
    """The kind of pictures a terminal's answer to both questions promises."""
    attributes = _DA1_ANSWER.search(answer)
    if attributes is not None and b"4" in attributes.group(1).split(b";"):
        return "sixel"  # first, as textual-image orders them: Kitty itself has no Sixel
    if _KITTY_OK.search(answer):
        return "kitty"
    return "cells"


def use_terminal_graphics() -> Graphics:
    """Ask, and get textual-image ready where it will draw (it asks its own questions on import,
    quickly in a terminal that answers them). Call before Textual starts."""
    global in_force
    in_force = ask_terminal()
    if in_force != "cells":
        import textual_image.widget  # noqa: F401
    return in_force
