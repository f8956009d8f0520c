"""Text folding and tokenising shared by the search index and its queries.

FTS5's `unicode61 remove_diacritics 2` folds case and accents ("Rós" -> "ros"),
but splits decomposed text at its combining marks and keeps a run of CJK characters as
one token. So names and queries are composed (NFC) first, and every normal form finds
the others; and longtail spaces out Han, kana and similar scripts so that a word inside
a Japanese or Chinese title is findable. User input is turned into quoted tokens, so nothing a user types is
ever FTS syntax: quotes, AND, OR, NOT, NEAR, `*`, `-`, `:` and `^` are text.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Scripts written without spaces: Hiragana, Katakana, Han, Thai. Each such character
# becomes a token of its own. str.translate with a table is ~7x faster than a regex here,
# which matters: the index build calls this for every row in these scripts.
_SPACELESS_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
                     (0x0E00, 0x0E7F))


@functools.cache
def _space_table() -> dict[int, str]:
    # ~30,000 entries: made at the first use, not at import (the TUI's first screen needs none)
    return {c: f" {chr(c)} " for lo, hi in _SPACELESS_RANGES for c in range(lo, hi + 1)}


# Cheap GLOB ranges for the index build: only rows that match call back into Python.
SPACELESS_GLOBS = ("*[\u3040-\u9fff]*", "*[\u0e00-\u0e7f]*", "*[\uf900-\ufaff]*")
# Decomposed text (NFD, common in real catalogues): combining marks and conjoining Hangul jamo,
# which unicode61 would take as separators ("Cafe\u0301" -> "cafe", "") unless composed first.
DECOMPOSED_GLOBS = ("*[\u0300-\u036f]*", "*[\u1100-\u11ff]*", "*[\u1ab0-\u1aff]*", "*[\u1dc0-\u1dff]*",
                    "*[\u20d0-\u20ff]*", "*[\ufe20-\ufe2f]*")
MAX_QUERY_TOKENS = 12
MAX_TOKEN_CHARS = 64
# Shorter last words match whole: a one- or two-letter prefix covers too much of the
# vocabulary (names are completed through the artist and album name indexes instead).
PREFIX_MIN_CHARS = 3


def space_out(text: str | None) -> str:
    """Index form: composed (NFC), and characters of spaceless scripts as tokens of their own."""
    if not text or not isinstance(text, str):  # a NULL or a blob where a name belongs
        return ""
    return unicodedata.normalize("NFC", text).translate(_space_table())


_UNICODE61_FOLDS = {"ς": "σ", "µ": "μ"}  # where unicode61 folds but str.lower() does not


@functools.lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """One character as unicode61 remove_diacritics 2 indexes it ('' = a separator).

    Measured against SQLite: only Latin letters lose their diacritics (ó→o, ơ→o);
    Greek, Cyrillic, Arabic keep theirs; combining marks (Hebrew points, Devanagari
    vowel signs) separate tokens; ß, ø, æ, ł, ligatures and full-width forms stay.
    """
    cat = unicodedata.category(ch)
    if not (cat[0] in "LN" or cat == "Co"):
        return ""
    if ch in _UNICODE61_FOLDS:
        return _UNICODE61_FOLDS[ch]
    code = ord(ch)
    if code < 0x250 or 0x1E00 <= code <= 0x1EFF:
        base = unicodedata.normalize("NFD", ch)[0]
        if base != ch and (ord(base) < 0x250):
            return base
    return ch


def fold(text: str | None) -> str:
    """Composed, lower-cased, Latin diacritics removed, separators as spaces (unicode61's view)."""
    if not text:
        return ""
    return "".join(_fold_char(c) or " " for c in unicodedata.normalize("NFC", text).lower())


_ASCII_WORD = re.compile(r"[a-z0-9]+")


@functools.lru_cache(maxsize=65536)
def tokens_tuple(text: str) -> tuple[str, ...]:
    if text.isascii():
        return tuple(_ASCII_WORD.findall(text.lower()))
    return tuple(fold(space_out(text)).split())


def tokens(text: str | None) -> list[str]:
    """Split into exactly the tokens FTS5's unicode61 (remove_diacritics 2) produces."""
    if not text:
        return []
    return list(tokens_tuple(text))


def match_expression(query: str, column: str | None = None, prefix: bool = True) -> str | None:
    """An FTS5 MATCH expression for user text, or None when it has no searchable token.

    Every token is double-quoted, so it is only ever text. With `prefix` the last
    token matches as a prefix (type-ahead); without, as a whole word. Whole-word
    matches stream out of the index in rowid order and stop at the LIMIT, while a
    prefix of four or more letters makes FTS5 merge the doclists of every term it
    covers, so callers try whole words first.
    """
    toks = [t[:MAX_TOKEN_CHARS] for t in tokens(query[:2000])][:MAX_QUERY_TOKENS]
    if not toks:
        return None
    last = f'"{toks[-1]}"*' if prefix and len(toks[-1]) >= PREFIX_MIN_CHARS else f'"{toks[-1]}"'
    expr = " ".join([f'"{t}"' for t in toks[:-1]] + [last])
    return f"{{{column}}} : ({expr})" if column else expr


def match_rank(query: str, name: str) -> int:
    """How well a name answers a query: 0 the whole name, 1 its start, 2 its words (search
    sections and playlists rank by it)."""
    q, n = " ".join(tokens(query)), " ".join(tokens(name))
    return 0 if q and n == q else 1 if q and n.startswith(q) else 2


def last_token(query: str) -> str:
    toks = tokens(query[:2000])
    return toks[-1] if toks else ""
