"""MPD's wire format: requests are lines of a command and arguments (quoted with "..." and
backslash escapes), replies are `key: value` lines ending in `OK`, errors are
`ACK [code@index] {command} message`. Filter expressions (`(artist == 'x')`) are parsed
into (tag, operator, value) triples; only what MPD's documentation describes."""

from __future__ import annotations

from dataclasses import dataclass

VERSION = "0.23.5"  # the lowest rmpc accepts; what we implement of later versions is said per command

# ACK codes (MPD's src/protocol/Ack.hxx)
ACK_ARG = 2
ACK_PASSWORD = 3
ACK_PERMISSION = 4
ACK_UNKNOWN = 5
ACK_NO_EXIST = 50
ACK_SYSTEM = 52


class MpdError(Exception):
    """A command failed: answered `ACK [code@index] {command} message`, the connection stays."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def ack(error: MpdError, index: int, command: str) -> str:
    return f"ACK [{error.code}@{index}] {{{command}}} {error.message}\n"


def split_args(line: str) -> list[str]:
    """`add "a b" c` -> ['add', 'a b', 'c'], as MPD's tokenizer reads it."""
    out: list[str] = []
    i, n = 0, len(line)
    while i < n:
        if line[i] in " \t":
            i += 1
            continue
        if line[i] == '"':
            i += 1
            buf = []
            while i < n and line[i] != '"':
                if line[i] == "\\" and i + 1 < n:
                    i += 1
                buf.append(line[i])
                i += 1
            if i >= n:
                raise MpdError(ACK_ARG, "Missing closing '\"'")
            i += 1
            out.append("".join(buf))
        else:
            start = i
            while i < n and line[i] not in " \t":
                i += 1
            out.append(line[start:i])
    return out


@dataclass(frozen=True)
class Condition:
    tag: str  # lower case: artist, album, title, any, file, albumartist...
    op: str  # "==", "!=", "contains", "=~" (read as contains), "starts_with"
    value: str

    def matches(self, values: list[str]) -> bool:
        v = self.value.casefold()
        have = [x.casefold() for x in values]
        if self.op == "==":
            return v in have
        if self.op == "!=":
            return v not in have
        if self.op == "starts_with":
            return any(x.startswith(v) for x in have)
        return any(v in x for x in have)


def parse_filter(args: list[str], exact: bool) -> list[Condition]:
    """`find artist X album Y` (pairs) or `find "((artist == 'X') AND (album == 'Y'))"`."""
    if not args:
        raise MpdError(ACK_ARG, "too few arguments")
    if args[0].startswith("("):
        return _expression(args[0])
    if len(args) % 2:
        raise MpdError(ACK_ARG, "Not enough arguments")
    op = "==" if exact else "contains"
    return [Condition(args[i].lower(), op, args[i + 1]) for i in range(0, len(args), 2)]


def _expression(text: str) -> list[Condition]:
    """The conjunctions of `(tag op 'value')`; NOT and OR are refused with MPD's error."""
    body = text.strip()
    while body.startswith("((") and body.endswith("))"):
        body = body[1:-1].strip()
    parts = [p.strip() for p in _split_and(body)]
    out = []
    for part in parts:
        if not (part.startswith("(") and part.endswith(")")):
            raise MpdError(ACK_ARG, f"Word expected: {part}")
        inner = part[1:-1].strip()
        if inner.startswith("!") or inner.upper().startswith("NOT"):
            raise MpdError(ACK_ARG, "NOT is not supported by longtail")
        words = inner.split(None, 2)
        if len(words) < 3:
            raise MpdError(ACK_ARG, f"Bad filter: {part}")
        tag, op, raw = words
        if op not in ("==", "!=", "contains", "=~", "starts_with", "eq"):
            raise MpdError(ACK_ARG, f"Unknown filter operator: {op}")
        out.append(Condition(tag.lower(), "==" if op == "eq" else op, _unquote(raw)))
    return out


def _split_and(body: str) -> list[str]:
    parts, depth, start, i = [], 0, 0, 0
    quote_char = ""
    while i < len(body):
        c = body[i]
        if quote_char:
            if c == "\\":
                i += 1
            elif c == quote_char:
                quote_char = ""
        elif c in "'\"":
            quote_char = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and body[i:i + 5].upper() == " AND ":
            parts.append(body[start:i])
            start = i + 5
            i += 4
        elif depth == 0 and body[i:i + 4].upper() == " OR ":
            raise MpdError(ACK_ARG, "OR is not supported by longtail")
        i += 1
    parts.append(body[start:])
    return parts


def _unquote(raw: str) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] in "'\"" and raw[-1] == raw[0]:
        raw = raw[1:-1]
    out, i = [], 0
    while i < len(raw):
        if raw[i] == "\\" and i + 1 < len(raw):
            i += 1
        out.append(raw[i])
        i += 1
    return "".join(out)


def parse_window(value: str) -> tuple[int, int | None]:
    """`START:END` (END may be empty: to the end)."""
    try:
        start_s, _, end_s = value.partition(":")
        start = int(start_s)
        end = int(end_s) if end_s else None
    except ValueError:
        raise MpdError(ACK_ARG, f"Integer or range expected: {value}") from None
    if start < 0 or (end is not None and end < start):
        raise MpdError(ACK_ARG, f"Bad range: {value}")
    return start, end


def parse_range(value: str) -> tuple[int, int | None]:
    """A song position `N` (as the range N:N+1) or a range `START:END`."""
    if ":" in value:
        return parse_window(value)
    pos = parse_int(value)
    return pos, pos + 1


def parse_int(value: str, what: str = "Integer") -> int:
    try:
        return int(value)
    except ValueError:
        raise MpdError(ACK_ARG, f"{what} expected: {value}") from None


def parse_float(value: str) -> float:
    try:
        f = float(value)
    except ValueError:
        raise MpdError(ACK_ARG, f"Number expected: {value}") from None
    if f != f or f in (float("inf"), float("-inf")):
        raise MpdError(ACK_ARG, f"Number expected: {value}")
    return f
