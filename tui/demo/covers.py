"""The demo's album covers: a picture per album, drawn from its seed, embedded in each file
as the archive's files carry theirs (METADATA_BLOCK_PICTURE)."""

from __future__ import annotations

import functools
import io
import random

import numpy as np

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
