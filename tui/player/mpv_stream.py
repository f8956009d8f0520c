"""longtail's stream protocol for libmpv (`longtail://N`): mpv reads a `ByteStream` through it.

python-mpv's own `register_stream_protocol` copies every byte into mpv's buffer in a Python
loop while it holds the GIL (docs/libtorrent.md P16): ~1 µs a byte, so a second of CPU for a
4 MB track, in the thread that also plays it. This registers the same libmpv callbacks
(`mpv_stream_cb_add_ro`, from python-mpv's own ctypes declarations) with one `memmove` per
read. A stream's `read` may block (a piece still on its way); `cancel` unblocks it.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any

from tui.player.source import ByteStream

Opener = Callable[[str], ByteStream | None]  # URL -> the stream, or None ("cannot open")


class StreamProtocol:
    """One registered protocol; keeps every ctypes callback alive while mpv may call it."""

    def __init__(self, mpv_module: Any, handle: Any, scheme: str, opener: Opener) -> None:
        self._mpv = mpv_module
        self._opener = opener
        self._open_streams: dict[int, tuple[ByteStream, list[Any]]] = {}
        self._next_cookie = 1
        self._open_cb = mpv_module.StreamOpenFn(self._open)
        mpv_module._mpv_stream_cb_add_ro(handle, scheme.encode(), ctypes.c_void_p(), self._open_cb)

    def _open(self, _userdata: Any, uri: bytes, info: Any) -> int:
        try:
            stream = self._opener(uri.decode("utf-8"))
        except Exception:  # noqa: BLE001 - mpv reports "loading failed"; the player says why
            stream = None
        if stream is None:
            return int(self._mpv.ErrorCode.LOADING_FAILED)
        cookie = self._next_cookie
        self._next_cookie += 1
        mpv = self._mpv

        def read(_cookie: Any, buf: Any, size: int) -> int:
            try:
                data = stream.read(size)
            except Exception:  # noqa: BLE001 - a read error: mpv gets -1
                return -1
            n = min(len(data), size)
            if n:
                ctypes.memmove(buf, data, n)  # one copy in C, not one Python step per byte
            return n

        def seek(_cookie: Any, offset: int) -> int:
            try:
                return int(stream.seek(offset))
            except Exception:  # noqa: BLE001
                return int(mpv.ErrorCode.GENERIC)

        def size(_cookie: Any) -> int:
            return int(stream.size) if stream.size is not None else int(mpv.ErrorCode.UNSUPPORTED)

        def close(_cookie: Any) -> None:
            try:
                stream.close()
            finally:
                self._open_streams.pop(cookie, None)

        def cancel(_cookie: Any) -> None:
            stream.cancel()

        callbacks = [mpv.StreamReadFn(read), mpv.StreamSeekFn(seek), mpv.StreamSizeFn(size),
                     mpv.StreamCloseFn(close), mpv.StreamCancelFn(cancel)]
        contents = info.contents
        contents.cookie = None
        contents.read, contents.seek, contents.size, contents.close, contents.cancel = callbacks
        self._open_streams[cookie] = (stream, callbacks)
        return 0
