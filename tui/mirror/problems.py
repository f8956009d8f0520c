"""What an integrity check can find, as typed values: every problem code and verdict is one of
these (JSON, the TUI and the sweep's database carry the same words)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

CheckCode = Literal["size-mismatch", "sha256-mismatch", "piece-hash-mismatch", "ogg-structure", "ogg-crc",
                    "codec-mismatch", "duration-mismatch", "decode-error", "not-a-regular-file",
                    "torrent-mismatch", "not-in-torrent", "malformed-name"]
CODES: tuple[CheckCode, ...] = get_args(CheckCode)
Verdict = Literal["ok", "missing", "corrupt", "stray"]  # stray: a sweep's file no torrent lists


@dataclass
class Problem:
    code: CheckCode
    detail: str

    def as_json(self) -> dict:
        return {"code": self.code, "detail": self.detail}
