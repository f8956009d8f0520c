"""Worker processes for the work that uses every core (the file index, `check --all`).

They are forked from a fresh single-threaded server that has imported only what they need
(forking this process could copy a libtorrent or mpv thread's locks mid-use, and `spawn`
would import the whole CLI or TUI again in each), and they die with the process that asked
for them, so a `kill -9` of longtail leaves none behind. Their parent is the forkserver,
not longtail, and the forkserver outlives longtail for as long as any worker holds the pipe
it watches (each one is handed it): so each worker also watches the asker itself, and goes
when it has gone; then the forkserver and the resource tracker see their pipes close, and
go too. `PR_SET_PDEATHSIG` covers a forkserver killed on its own.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 0.5


def die_with_parent(asker: int) -> None:
    """A worker's initializer: killed when its parent (the forkserver, or the asker under
    `spawn`) goes, and gone at once if the process that asked for it already has."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if not _alive(asker):
        os._exit(0)
    threading.Thread(target=_watch, args=(asker,), name="longtail-watch-asker", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watch(asker: int) -> None:
    while _alive(asker):
        time.sleep(WATCH_SECONDS)
    os._exit(0)  # mid-task or idle: what it did is the asker's, and the asker is gone


def pool(workers: int, preload: Sequence[str]) -> ProcessPoolExecutor:
    """A pool of `workers` processes that die with this one."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=worker_context(preload),
                               initializer=die_with_parent, initargs=(os.getpid(),))


def worker_context(preload: Sequence[str]) -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        context: multiprocessing.context.BaseContext = multiprocessing.get_context("spawn")
    else:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(preload))
    with _real_stderr():
        from multiprocessing import forkserver, resource_tracker

        resource_tracker.ensure_running()
        if context.get_start_method() == "forkserver":
            forkserver.ensure_running()
    return context


@contextmanager
def _real_stderr() -> Iterator[None]:
    """multiprocessing starts its helper processes with `sys.stderr.fileno()` as an fd to
    keep; under the TUI, Textual's stand-in for sys.stderr answers -1 and the start fails.
    The helpers are started here, once, with the real one in place for that moment."""
    try:
        usable = sys.stderr is not None and sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        usable = False
    if usable or sys.__stderr__ is None:
        yield
        return
    saved, sys.stderr = sys.stderr, sys.__stderr__
    try:
        yield
    finally:
        sys.stderr = saved
