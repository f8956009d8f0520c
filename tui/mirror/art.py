"""Album art: the picture embedded in a local file (METADATA_BLOCK_PICTURE, as every
archived file carries), cached in the state directory by album id.

Albums with no local file take their cover from the archive's cover-art tar when the
mirror has it (tui.mirror.coverart).
"""

from __future__ import annotations

import base64
import binascii
import io
import struct
from pathlib import Path

import msgspec

from tui.files import write_atomically

FRONT_COVER = 3  # the picture type of a front cover (FLAC/Vorbis picture block)
MAX_PICTURE_BYTES = 16 * 1024 * 1024


class Cover(msgspec.Struct, frozen=True):
    data: bytes
    mime: str

    @property
    def suffix(self) -> str:
        return {"image/png": ".png", "image/jpeg": ".jpg", "image/jpg": ".jpg"}.get(self.mime, ".img")


def embedded_cover(path: Path) -> Cover | None:
    """The front cover (else the first picture) of an Ogg Vorbis/Opus file; None when it has none."""
    from mutagen import MutagenError
    from mutagen.flac import Picture
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis

    audio = None
    for kind in (OggVorbis, OggOpus):
        try:
            audio = kind(path)
            break
        except (MutagenError, OSError, ValueError, IndexError, KeyError, EOFError, struct.error):
            continue  # mutagen meets damaged headers with more than its own errors
    if audio is None or audio.tags is None:
        return None
    pictures = []
    for value in audio.tags.get("metadata_block_picture", []):
        try:
            raw = base64.b64decode(value, validate=False)
            if len(raw) > MAX_PICTURE_BYTES * 2:
                continue
            pictures.append(Picture(raw))
        except (binascii.Error, MutagenError, ValueError, TypeError, IndexError, struct.error):
            continue  # a damaged picture block: the next one, or none
    pictures = [p for p in pictures if p.data and len(p.data) <= MAX_PICTURE_BYTES]
    if not pictures:
        return None
    best = next((p for p in pictures if p.type == FRONT_COVER), pictures[0])
    return Cover(best.data, best.mime or "image/jpeg")


def picture_tag(image_bytes: bytes, mime: str, width: int, height: int) -> str:
    """A METADATA_BLOCK_PICTURE value (the demo writes its covers with it)."""
    from mutagen.flac import Picture

    picture = Picture()
    picture.type, picture.mime, picture.desc = FRONT_COVER, mime, "Cover"
    picture.width, picture.height, picture.depth = width, height, 24
    picture.data = image_bytes
    return base64.b64encode(picture.write()).decode("ascii")


class ArtCache:
    """Covers by album id in the state directory, so that a cover is read from its file once."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get(self, album_id: str) -> Path | None:
        for suffix in (".jpg", ".png", ".img"):  # never a copy another thread is still writing
            found = self.directory / f"{album_id}{suffix}"
            if found.is_file():
                return found
        return None

    def put(self, album_id: str, cover: Cover) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{album_id}{cover.suffix}"
        write_atomically(path, cover.data)
        return path


def image_mime(data: bytes) -> str | None:
    """The picture's type when Pillow can read it whole (zeros of a tar not yet downloaded,
    or a damaged cover, are no cover)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return Image.MIME.get(image.format or "", None)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height, when Pillow can read the image at all (a damaged cover is no cover)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError, ValueError):
        return None
