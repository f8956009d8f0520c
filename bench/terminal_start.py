"""A program's first screen as a user sees it: the real command in a pseudo-terminal, its output
fed to a terminal emulator (pyte), timed from the fork to the moment the awaited text is on the
screen. The emulator answers the terminal queries a real one answers (device attributes, cursor
position), so a program that asks the terminal something is not left waiting."""

from __future__ import annotations

import os
import pty
import select
import signal
import struct
import termios
import time
from collections.abc import Callable
from fcntl import ioctl

import pyte

Ready = Callable[[list[str]], bool]  # the screen's lines -> is the first screen there


class AnsweringScreen(pyte.Screen):
    """A screen whose replies to the program's queries go back to it, as a terminal's do."""

    def __init__(self, columns: int, lines: int, fd: int) -> None:
        super().__init__(columns, lines)
        self._fd = fd

    def write_process_input(self, data: str) -> None:
        try:
            os.write(self._fd, data.encode())
        except OSError:
            pass


def time_to_screen(argv: list[str], ready: Ready, env: dict[str, str] | None = None,
                   columns: int = 120, lines: int = 40, timeout: float = 30.0) -> float:
    """Milliseconds from starting `argv` in a terminal of this size until `ready` holds; the
    program is then ended with SIGTERM (as a terminal closing would), and reaped."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal's size first, as a terminal sets it before the shell runs
        ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        os.execvpe(argv[0], argv, {**os.environ, **(env or {}), "TERM": "xterm-256color"})
    screen = AnsweringScreen(columns, lines, fd)
    stream = pyte.ByteStream(screen)
    elapsed: float | None = None
    try:
        while time.perf_counter() - start < timeout:
            readable, _, _ = select.select([fd], [], [], 0.05)
            if not readable:
                continue
            try:
                data = os.read(fd, 1 << 16)
            except OSError:  # the program ended
                break
            if not data:
                break
            stream.feed(data)
            if ready(screen.display):
                elapsed = (time.perf_counter() - start) * 1000
                break
    finally:
        _end(pid, fd)
    if elapsed is None:
        raise RuntimeError(f"{argv[0]}: the awaited screen never came; last screen:\n" + "\n".join(screen.display))
    return elapsed


def _end(pid: int, fd: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:  # keep reading, or a program writing its last frame blocks on a full pty
            if select.select([fd], [], [], 0.05)[0]:
                os.read(fd, 1 << 16)
        except OSError:
            pass
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(fd)
