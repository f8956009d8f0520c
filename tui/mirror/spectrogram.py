"""A spectrogram to read at a glance: time across, frequency up (linear, to Nyquist), the
report's cutoff marked, and a loudness strip below (momentary loudness per column)."""

from __future__ import annotations

from typing import Any

import numpy as np

FLOOR_DB = -110.0  # what is drawn black, below the loudest bin
STRIP = 0.12  # the loudness strip's share of the height


def _palette() -> np.ndarray:
    """Black -> violet -> red -> orange -> pale yellow, as Spek and sox draw them (256 x RGB)."""
    stops = np.array([[0, 0, 0], [60, 10, 100], [170, 20, 90], [240, 90, 30], [255, 200, 60], [255, 255, 210]],
                     dtype=np.float64)
    at = np.linspace(0, len(stops) - 1, 256)
    lo = np.floor(at).astype(int).clip(0, len(stops) - 2)
    frac = (at - lo)[:, None]
    return (stops[lo] * (1 - frac) + stops[lo + 1] * frac).astype(np.uint8)


PALETTE = _palette()


def levels(mono: np.ndarray, rate: int, columns: int, bins: int = 512) -> np.ndarray:
    """dB per (frequency row, time column), rows from Nyquist down to 0 Hz."""
    size = 2 * bins
    columns = max(1, min(columns, len(mono) // size or 1))
    starts = np.linspace(0, max(0, len(mono) - size), num=columns).astype(int)
    padded = np.pad(mono, (0, max(0, size - len(mono))))
    frames = padded[starts[:, None] + np.arange(size)] * np.hanning(size)
    power = np.abs(np.fft.rfft(frames, axis=1))[:, :bins] ** 2
    db = 10 * np.log10(np.maximum(power, 1e-30))
    return (db - db.max()).T[::-1]


def image(samples: np.ndarray, rate: int, cutoff_hz: float | None, width: int = 800,
          height: int = 300) -> Any:
    """A PIL image: the spectrogram, the cutoff as a dashed cyan line, the loudness strip."""
    from PIL import Image, ImageDraw

    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    strip_h = max(4, int(height * STRIP))
    spec_h = height - strip_h - 1
    db = levels(mono, rate, width)
    scaled = np.clip((db - FLOOR_DB) / -FLOOR_DB, 0, 1)
    rgb = PALETTE[(scaled * 255).astype(np.uint8)]
    picture = Image.fromarray(rgb, "RGB").resize((width, spec_h), Image.Resampling.BILINEAR)
    canvas = Image.new("RGB", (width, height), (0, 0, 0))
    canvas.paste(picture, (0, 0))
    draw = ImageDraw.Draw(canvas)
    if cutoff_hz:
        y = int(spec_h * (1 - cutoff_hz / (rate / 2)))
        for x in range(0, width, 8):
            draw.line((x, y, min(width, x + 4), y), fill=(80, 220, 255))
    # momentary loudness (RMS of 400 ms around each column), -60..0 dBFS as the strip's height
    step = max(1, len(mono) // width)
    chunks = mono[:step * (len(mono) // step)].reshape(-1, step) if len(mono) >= step else mono[None, :]
    rms = 20 * np.log10(np.maximum(np.sqrt((chunks.astype(np.float64) ** 2).mean(axis=1)), 1e-6))
    for x, value in enumerate(rms[:width]):
        h = int(strip_h * np.clip((value + 60) / 60, 0, 1))
        draw.line((x, height - 1, x, height - 1 - h), fill=(120, 200, 120))
    return canvas
