"""The demo's album covers: a picture per album, drawn from its seed, embedded in each file
as the archive's files carry theirs (METADATA_BLOCK_PICTURE)."""

from __future__ import annotations

import functools
import io
import random
import sqlite3
import tarfile
import zlib
from pathlib import Path

import numpy as np

from tui.db import read_only_uri

SIZE = 240


@functools.lru_cache(maxsize=256)
def cover_jpeg(album_seed: int) -> bytes:
    """A gradient with a few discs, in colours of the album's own (JPEG, SIZE x SIZE)."""
    from PIL import Image, ImageDraw

    rng = random.Random(album_seed)
    a, b = (np.array([rng.randint(20, 235) for _ in range(3)], dtype=np.float64) for _ in range(2))
    t = np.linspace(0, 1, SIZE)[:, None, None]
    gradient = (a * (1 - t) + b * t).repeat(SIZE, axis=1).astype(np.uint8)
    image = Image.fromarray(gradient, "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(2, 5)):
        r = rng.randint(SIZE // 10, SIZE // 3)
        x, y = rng.randint(0, SIZE), rng.randint(0, SIZE)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randint(0, 255) for _ in range(3)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


COVERART_TAR = "annas_archive_spotify_2025_07_coverart.tar"
OTHER_ALBUMS_WITH_COVERS = 400  # beside every album with audio: enough to meet while browsing


def write_coverart_tar(main_db: Path, out: Path, album_seeds: dict[str, int]) -> int:
    """The cover-art torrent's tar: a file per album named after its widest `album_images`
    URL's last segment, in directories of prefixes of the image hash (the blog's description;
    longtail reads any layout). Albums with audio get the cover their files carry."""
    conn = sqlite3.connect(read_only_uri(main_db), uri=True)
    try:
        rows = conn.execute("SELECT a.id, i.url FROM album_images i JOIN albums a ON a.rowid = i.album_rowid "
                            "WHERE i.width = (SELECT max(width) FROM album_images WHERE album_rowid = a.rowid) "
                            "ORDER BY a.rowid").fetchall()
    finally:
        conn.close()
    others = [(album_id, url) for album_id, url in rows if album_id not in album_seeds]
    step = max(1, len(others) // OTHER_ALBUMS_WITH_COVERS)
    chosen = [(a, u) for a, u in rows if a in album_seeds] + others[::step][:OTHER_ALBUMS_WITH_COVERS]
    with tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as tar:
        for album_id, url in chosen:
            segment = url.rsplit("/", 1)[-1]
            image_hash = segment[16:]
            seed = album_seeds.get(album_id, zlib.crc32(album_id.encode()))
            data = cover_jpeg(seed)
            info = tarfile.TarInfo(f"{image_hash[:2]}/{image_hash[2:4]}/{segment}")
            info.size, info.mtime = len(data), 1751328000  # 2025-07-01: the same bytes every build
            tar.addfile(info, io.BytesIO(data))
    return len(chosen)
