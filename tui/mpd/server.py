"""The MPD face: a socket server (TCP or a Unix socket), one thread per client.

Each client's commands are answered in the order it sent them, each once the core has
applied it; `idle` waits on the face's view of the core's events and ends at the first
change (or at `noidle`); command lists stop at the first error, as MPD's do."""

from __future__ import annotations

import contextlib
import os
import select
import socket
import socketserver
import threading
from pathlib import Path

from tui.core.session import Session
from tui.errors import LongtailError
from tui.mpd.handlers import COMMANDS, Connection, Handlers, unknown
from tui.mpd.protocol import (
    ACK_ARG,
    ACK_PASSWORD,
    ACK_PERMISSION,
    ACK_SYSTEM,
    ACK_UNKNOWN,
    VERSION,
    MpdError,
    ack,
    split_args,
)
from tui.mpd.state import SUBSYSTEMS, PlayerView

MAX_LINE = 64 * 1024  # a longer request line is refused (and the connection closed)
OPEN_COMMANDS = {"password", "close", "ping", "commands", "notcommands", "tagtypes"}


class ServeError(LongtailError):
    """The MPD face cannot listen where it was asked to."""


class _Closed(Exception):
    pass


class _Client(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        face = self.server.face
        self.sock: socket.socket = self.request
        self.buffer = bytearray()
        self.conn = Connection(idle_since=face.view.versions())
        self.authorised = face.password is None
        while not face.ready.wait(0.2):
            if face.stopping.is_set():
                return
        try:
            self._write(f"OK MPD {VERSION}\n")
            while not face.stopping.is_set():
                line = self._read_line()
                if line is None:
                    return
                self._request(line)
        except (_Closed, OSError):
            return

    # -- requests ---------------------------------------------------------------------------------

    def _request(self, line: str) -> None:
        words = _words(line)
        name = words[0].lower() if words else ""
        if name in ("command_list_begin", "command_list_ok_begin"):
            self._command_list(ok_each=name == "command_list_ok_begin")
        elif name == "idle":
            self._idle(tuple(w.lower() for w in words[1:]) or SUBSYSTEMS)
        elif name == "noidle":
            pass  # not idle: MPD answers nothing (the idle's answer crossed it; an OK here would shift every reply)
        elif name == "close":
            raise _Closed
        else:
            out, failed = self._run(name, words[1:], 0)
            self._send([failed] if failed else [*out, "OK"])

    def _run(self, name: str, args: list[str], index: int) -> tuple[list[str | bytes], str | None]:
        """One command's reply lines (and a binary chunk after them), or its ACK line."""
        face = self.server.face
        try:
            if not name:
                raise MpdError(ACK_UNKNOWN, "No command given")
            if name == UNPARSABLE:
                name = args[0]
                raise MpdError(ACK_ARG, args[1])
            if name == "password":
                if face.password is not None and (not args or args[0] != face.password):
                    raise MpdError(ACK_PASSWORD, "incorrect password")
                self.authorised = True
                return [], None
            if not self.authorised and name not in OPEN_COMMANDS:
                raise MpdError(ACK_PERMISSION, f'you don\'t have permission for "{name}"')
            handler = COMMANDS.get(name)
            if handler is None:
                raise unknown(name)
            self.conn.binary = None
            lines: list[str | bytes] = list(handler(face.handlers, self.conn, args))
            if self.conn.binary is not None:
                lines.append(self.conn.binary)
            return lines, None
        except MpdError as exc:
            return [], ack(exc, index, name)
        except LongtailError as exc:
            return [], ack(MpdError(ACK_SYSTEM, str(exc)), index, name)

    def _command_list(self, ok_each: bool) -> None:
        lines: list[str] = []
        while True:
            line = self._read_line()
            if line is None:
                raise _Closed
            if line.strip().lower() == "command_list_end":
                break
            lines.append(line)
        reply: list[str | bytes] = []
        for index, line in enumerate(lines):
            words = _words(line)
            out, failed = self._run(words[0].lower() if words else "", words[1:], index)
            reply += out
            if failed:  # what ran before is answered, then the ACK; the rest of the list is not run
                self._send([*reply, failed])
                return
            if ok_each:
                reply.append("list_OK")
        self._send([*reply, "OK"])

    def _idle(self, wanted: tuple[str, ...]) -> None:
        face = self.server.face
        # poll, not select: select cannot watch a descriptor numbered 1024 or more, which a
        # daemon with many clients and files open reaches ("filedescriptor out of range")
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        while not face.stopping.is_set():
            changed = face.view.wait_changes(self.conn.idle_since, wanted, 0.1)
            if changed:
                self.conn.idle_since = face.view.versions()
                self._write("".join(f"changed: {s}\n" for s in changed) + "OK\n")
                return
            if self.buffer or poller.poll(0):  # a line already read, or the client sent (or hung up)
                line = self._read_line()
                if line is None:
                    raise _Closed
                if line.strip().lower() != "noidle":
                    raise _Closed  # MPD: only noidle may be sent while idle
                changed = face.view.wait_changes(self.conn.idle_since, wanted, 0)  # what came since the last look
                self.conn.idle_since = face.view.versions()
                self._write("".join(f"changed: {s}\n" for s in changed) + "OK\n")
                return

    # -- the socket ---------------------------------------------------------------------------------

    def _read_line(self) -> str | None:
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_LINE:
                raise _Closed
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk
        raw, _, rest = bytes(self.buffer).partition(b"\n")
        self.buffer = bytearray(rest)
        return raw.decode("utf-8", "replace").rstrip("\r")

    def _write(self, text: str) -> None:
        self.sock.sendall(text.encode("utf-8"))

    def _send(self, reply: list[str | bytes]) -> None:
        """Each line, and a binary chunk as its bytes, each ended by a newline (MPD's framing)."""
        self.sock.sendall(b"".join((x if isinstance(x, bytes) else x.rstrip("\n").encode("utf-8")) + b"\n"
                                   for x in reply))


def _words(line: str) -> list[str]:
    """The request's words; a line MPD's tokenizer refuses (an unterminated quote) becomes a
    command that answers MPD's own error, naming the command, and runs nothing."""
    try:
        return split_args(line)
    except MpdError as exc:
        return [UNPARSABLE, line.split(" ", 1)[0].lower(), exc.message]


UNPARSABLE = "\0unparsable"


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    face: MpdFace


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    face: MpdFace


class MpdFace:
    """Serves MPD clients from a session until `stop`."""

    def __init__(self, session: Session, listen: str, password: str | None = None, ready: bool = True) -> None:
        self.session = session
        self.password = password or None
        self.stopping = threading.Event()
        self.ready = threading.Event()  # until set, a client is greeted only once it is
        if ready:
            self.ready.set()
        self.view = PlayerView(session.bus.queue())
        self.handlers = Handlers(session, self.view)
        self.server = self._bind(listen)
        self.server.face = self
        if isinstance(self.server, _UnixServer):
            self.address = listen
        else:
            host, port = self.server.server_address[:2]
            self.address = f"{host!s}:{port}"
        self._threads = [threading.Thread(target=self.view.pump, daemon=True, name="longtail-mpd-view"),
                         threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2},
                                          daemon=True, name="longtail-mpd")]
        for t in self._threads:
            t.start()

    @staticmethod
    def _bind(listen: str) -> _Server | _UnixServer:
        try:
            if "/" in listen:
                path = Path(listen)
                if path.is_socket():
                    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as probe:
                        probe.connect(str(path))
                        raise ServeError(f"{listen} is in use by another server: stop it, or give --mpd another path")
                    path.unlink()  # a socket left by a server that died
                return _UnixServer(str(path), _Client)
            return _Server(tcp_address(listen), _Client)
        except OSError as exc:
            raise ServeError(f"cannot listen on {listen}: {exc.strerror or exc} "
                             "(another MPD server there? stop it, or give --mpd another address)") from None

    def set_ready(self) -> None:
        self.ready.set()

    def stop(self) -> None:
        self.stopping.set()
        self.ready.set()
        self.server.shutdown()
        self.server.server_close()
        self.view.close()
        if isinstance(self.server, _UnixServer):
            with contextlib.suppress(OSError):
                os.unlink(self.address)


def tcp_address(listen: str) -> tuple[str, int]:
    """HOST:PORT (an empty host is this machine's loopback)."""
    host, _, port = listen.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise ServeError(f"--mpd {listen}: expected HOST:PORT or a socket path")
    return host.strip("[]") or "127.0.0.1", number


def loopback(listen: str) -> bool:
    """Whether only this machine can reach the address (a Unix socket, or a loopback host)."""
    if "/" in listen:
        return True
    host = tcp_address(listen)[0]
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")
