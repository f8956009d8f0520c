"""Short, pleasant, procedurally composed pieces, encoded as the archive encodes.

Each piece: a chord progression on soft pads, a plucked bass, a pentatonic
melody that leans on chord tones, and light drums; a fade in and out. Vorbis
(44.1 kHz) for tracks with popularity > 0, Opus (48 kHz) for the long tail, both
through libsndfile (the `soundfile` wheel bundles libvorbis and libopus, so no
system encoder is needed). Tags are written with mutagen the way the archive
tags its files, including its known bug: REPLAYGAIN_ALBUM_PEAK holds a copy of
the album gain.
"""

from __future__ import annotations

import hashlib
import os
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

PROGRESSIONS = ([0, 4, 5, 3], [5, 3, 0, 4], [0, 5, 3, 4], [1, 4, 0, 5], [0, 3, 4, 3],
                [3, 4, 2, 5])
MAJOR = [0, 2, 4, 5, 7, 9, 11]
PENTATONIC = [0, 2, 4, 7, 9]


@dataclass(frozen=True)
class PieceSpec:
    seed: int
    seconds: float
    codec: str  # "vorbis" | "opus"
    key_root: int  # MIDI note of the tonic, around 57..64
    tempo: float
    brightness: float  # 0..1: how many harmonics the lead has
    level: float  # overall loudness scale, so ReplayGain differs between tracks


@dataclass(frozen=True)
class EncodedPiece:
    path: Path
    size: int
    sha256: str
    duration_ms: int
    track_gain_db: float
    track_peak: float


def _midi_hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def _envelope(n: int, sr: int, attack: float, release: float) -> np.ndarray:
    env = np.ones(n, dtype=np.float32)
    a = max(1, min(n, int(attack * sr)))
    env[:a] = np.linspace(0, 1, a, dtype=np.float32)
    r = max(1, min(n - a, int(release * sr))) if n > a else 0
    if r:
        env[-r:] *= np.linspace(1, 0, r, dtype=np.float32)
    return env


def compose(spec: PieceSpec) -> tuple[np.ndarray, int]:
    """Render a stereo float32 piece; returns (samples[n, 2], sample_rate)."""
    rng = random.Random(spec.seed)
    noise_rng = np.random.default_rng(spec.seed)
    sr = 44100 if spec.codec == "vorbis" else 48000
    n_total = int(spec.seconds * sr)
    out = np.zeros((n_total, 2), dtype=np.float32)
    beat = 60.0 / spec.tempo
    bar = 4 * beat
    prog = rng.choice(PROGRESSIONS)
    t_cache: dict[int, np.ndarray] = {}

    def tvec(n: int) -> np.ndarray:
        if n not in t_cache:
            t_cache[n] = np.arange(n, dtype=np.float32) / sr
        return t_cache[n]

    def add(start: float, dur: float, freq: float, amp: float, harmonics: int,
            decay: float, pan: float, attack: float = 0.005) -> None:
        i0 = int(start * sr)
        if i0 >= n_total:
            return
        n = min(int(dur * sr), n_total - i0)
        if n <= 0:
            return
        t = tvec(n)
        wave = np.zeros(n, dtype=np.float32)
        for h in range(1, harmonics + 1):
            wave += np.sin(2 * np.pi * freq * h * t).astype(np.float32) / (h ** 1.6)
        env = _envelope(n, sr, attack, min(0.08, dur / 3))
        if decay > 0:
            env *= np.exp(-t * decay).astype(np.float32)
        sig = wave * env * amp
        out[i0:i0 + n, 0] += sig * (1 - pan)
        out[i0:i0 + n, 1] += sig * pan

    bars = int(spec.seconds / bar) + 1
    melody_degree = 7
    lead_harmonics = 2 + int(spec.brightness * 4)
    for b in range(bars):
        chord_degree = prog[b % len(prog)]
        root = spec.key_root + MAJOR[chord_degree % 7] - 12
        third = spec.key_root + MAJOR[(chord_degree + 2) % 7] - 12 + (12 if (chord_degree + 2) >= 7 else 0)
        fifth = spec.key_root + MAJOR[(chord_degree + 4) % 7] - 12 + (12 if (chord_degree + 4) >= 7 else 0)
        t0 = b * bar
        for k, note in enumerate((root + 12, third + 12, fifth + 12)):
            add(t0, bar * 1.02, _midi_hz(note) * (1 + 0.002 * (k - 1)), 0.055, 2, 0.3,
                0.3 + 0.2 * k, attack=0.25)
        for beat_i in (0, 2):
            add(t0 + beat_i * beat, beat * 1.8, _midi_hz(root - 12), 0.22, 3, 2.5, 0.5)
        # kick on 1 and 3, hat on the off-beats
        for beat_i in (0, 2):
            i0 = int((t0 + beat_i * beat) * sr)
            n = min(int(0.25 * sr), n_total - i0)
            if n > 0:
                t = tvec(n)
                sweep = np.sin(2 * np.pi * (50 * t + 60 * (1 - np.exp(-t * 30)) / 30))
                out[i0:i0 + n] += (0.35 * sweep * np.exp(-t * 14)).astype(np.float32)[:, None]
        for e in range(8):
            if e % 2 == 1 or rng.random() < 0.3:
                i0 = int((t0 + e * beat / 2) * sr)
                n = min(int(0.05 * sr), n_total - i0)
                if n > 0:
                    noise = np.diff(noise_rng.uniform(-1, 1, n + 1).astype(np.float32))
                    hat = noise * np.exp(-tvec(n) * 90) * 0.05
                    out[i0:i0 + n, 0] += hat * 0.4
                    out[i0:i0 + n, 1] += hat * 0.6
        # melody: eighths and quarters on the pentatonic, drawn to chord tones
        at = t0
        while at < t0 + bar - 1e-6:
            step = rng.choice((beat / 2, beat / 2, beat, beat * 1.5))
            if rng.random() < 0.82:
                melody_degree = max(0, min(11, melody_degree + rng.choice((-2, -1, -1, 0, 1, 1, 2))))
                octave, idx = divmod(melody_degree, len(PENTATONIC))
                note = spec.key_root + PENTATONIC[idx] + 12 * octave
                add(at, step * 1.1, _midi_hz(note), 0.16, lead_harmonics, 3.0,
                    0.4 + 0.2 * rng.random())
            at += step
    fade_in = _envelope(n_total, sr, 0.4, 1.5)
    out *= fade_in[:, None]
    peak = float(np.max(np.abs(out))) or 1.0
    out *= (0.89 / peak) * spec.level
    return out, sr


def replaygain(samples: np.ndarray, rate: int) -> tuple[float, float]:
    """(gain dB, peak) as ReplayGain 2.0 has it: BS.1770 loudness against -18 LUFS."""
    from tui.mirror.report import integrated_loudness

    loudness = integrated_loudness(samples.astype(np.float32), rate)
    gain = -18.0 - (loudness if loudness is not None else -70.0)
    return round(float(gain), 2), round(float(np.max(np.abs(samples))), 6)


def encode(spec: PieceSpec, path: Path, tags: dict[str, list[str]]) -> EncodedPiece:
    """Render, encode and tag one piece at `path` (written via a temporary name)."""
    samples, sr = compose(spec)
    gain, peak = replaygain(samples, sr)
    tmp = path.with_name(path.name + ".tmp")
    if spec.codec == "vorbis":
        soundfile.write(tmp, samples, sr, format="OGG", subtype="VORBIS", compression_level=0.15)
    else:
        soundfile.write(tmp, samples, sr, format="OGG", subtype="OPUS", compression_level=0.88)
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis

    audio = OggVorbis(tmp) if spec.codec == "vorbis" else OggOpus(tmp)
    tags = dict(tags)
    tags["REPLAYGAIN_TRACK_GAIN"] = [f"{gain:.2f} dB"]
    tags["REPLAYGAIN_TRACK_PEAK"] = [f"{peak:.6f}"]
    for key, values in tags.items():
        audio[key] = values
    audio.save()
    data = tmp.read_bytes()
    os.replace(tmp, path)
    duration_ms = round(len(samples) / sr * 1000)
    return EncodedPiece(path, len(data), hashlib.sha256(data).hexdigest(), duration_ms, gain, peak)
