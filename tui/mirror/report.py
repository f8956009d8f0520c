"""An audio report for spot-checks by ear's proxy: what the decoded sound is like.

Hashes say whether bytes changed; this says whether the audio is good. From decoded PCM
(libsndfile through soundfile reads Ogg Vorbis and Opus) and scipy's signal tools:

* the spectrum's cutoff (Welch's average spectrum): a file whose spectrum stops far below
  what its codec keeps at its bitrate was lossy or low-passed before it was encoded;
* sample peak and true peak (4x oversampled, as ITU-R BS.1770 asks);
* clipped samples (runs of three or more at the peak);
* integrated loudness (BS.1770-4: K-weighting, 400 ms blocks, -70 LUFS and -10 LU gates),
  compared with the ledger's ReplayGain 2.0 gain (reference -18 LUFS);
* silence: leading, trailing and the longest gap (10 ms frames under -60 dBFS).

Suspicions are not corruption: a check's verdict stays `ok`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

SILENCE_DBFS = -60.0
LONG_SILENCE_S = 3.0
FULL_SCALE = 10 ** (-0.2 / 20)
CUTOFF_DROP_DB = 60.0  # the spectrum has stopped where it is this far below its loud part
EXPECTED_CUTOFF_HZ = {"vorbis": 16_000.0, "opus": 16_000.0}  # what 160 kbit/s Vorbis and ~75 kbit/s Opus keep
LOUDNESS_TOLERANCE_DB = 2.0
RG2_REFERENCE_LUFS = -18.0

MEANINGS = {
    "band-limited": "the spectrum stops well below what the codec keeps at this bitrate: the source was "
                    "probably lossy (or low-passed) before this file was encoded",
    "clipping": "runs of samples at the peak: the signal was clipped (too loud for full scale) at some stage",
    "long-silence": "a stretch of silence inside the track (a gap, a hidden track, or missing audio)",
    "silent": "the whole file is silence",
    "loudness-mismatch": "the measured loudness disagrees with the ledger's ReplayGain: the audio may not be "
                         "the recording the ledger describes",
}


@dataclass(frozen=True)
class Suspicion:
    code: str
    detail: str


@dataclass(frozen=True)
class Silence:
    leading_s: float
    trailing_s: float
    longest_gap_s: float


@dataclass(frozen=True)
class AudioReport:
    sample_rate: int
    channels: int
    duration_s: float
    cutoff_hz: float | None
    peak_dbfs: float | None
    true_peak_dbtp: float | None
    clipped_samples: int
    loudness_lufs: float | None
    silence: Silence
    suspicions: list[Suspicion] = field(default_factory=list)

    def as_json(self) -> dict:
        return asdict(self)


def _db(x: float) -> float | None:
    return None if x <= 0 else round(20 * float(np.log10(x)), 2)


def k_weighting(rate: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """BS.1770's two biquads (high shelf, then the RLB high-pass), designed for `rate` as
    pyloudnorm does, so that 44.1 kHz files are weighted like 48 kHz ones."""
    out = []
    for kind, gain_db, fc, q in (("shelf", 3.99984385397, 1681.9744509555319, 0.7071752369554193),
                                 ("highpass", 0.0, 38.13547087613982, 0.5003270373253953)):
        a = 10 ** (gain_db / 40)
        w0 = 2 * np.pi * fc / rate
        alpha = np.sin(w0) / (2 * q)
        cos = np.cos(w0)
        if kind == "shelf":
            b = [a * ((a + 1) + (a - 1) * cos + 2 * np.sqrt(a) * alpha), -2 * a * ((a - 1) + (a + 1) * cos),
                 a * ((a + 1) + (a - 1) * cos - 2 * np.sqrt(a) * alpha)]
            den = [(a + 1) - (a - 1) * cos + 2 * np.sqrt(a) * alpha, 2 * ((a - 1) - (a + 1) * cos),
                   (a + 1) - (a - 1) * cos - 2 * np.sqrt(a) * alpha]
        else:
            b = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2]
            den = [1 + alpha, -2 * cos, 1 - alpha]
        out.append((np.array(b) / den[0], np.array(den) / den[0]))
    return out


def integrated_loudness(samples: np.ndarray, rate: int) -> float | None:
    from scipy.signal import sosfilt

    sos = np.array([np.concatenate((b, a)) for b, a in k_weighting(rate)])
    weighted = sosfilt(sos, samples, axis=0)  # both biquads in one pass
    block, step = int(0.4 * rate), int(0.1 * rate)
    if len(weighted) < block:
        return None
    # mean square per 100 ms step, summed over channels (weights 1.0 for L and R), then 400 ms blocks
    steps = len(weighted) // step
    power = (weighted[:steps * step] ** 2).reshape(steps, step, -1).mean(axis=1).sum(axis=1)
    blocks = np.convolve(power, np.ones(4) / 4, mode="valid")
    loud = -0.691 + 10 * np.log10(np.maximum(blocks, 1e-20))
    gated = blocks[loud > -70.0]
    if not len(gated):
        return None
    relative = -0.691 + 10 * np.log10(gated.mean()) - 10.0
    gated = blocks[(loud > -70.0) & (loud > relative)]
    return round(float(-0.691 + 10 * np.log10(gated.mean())), 2) if len(gated) else None


SPECTRUM_FRAMES = 256  # Hann frames of 4096 spread over the track: its average spectrum, at a tenth of the cost


def spectrum(mono: np.ndarray, rate: int, size: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """The average power spectrum in dB (frequencies, levels) of frames taken evenly across the track."""
    starts = np.linspace(0, len(mono) - size, num=min(SPECTRUM_FRAMES, max(1, len(mono) // size))).astype(int)
    frames = mono[starts[:, None] + np.arange(size)] * np.hanning(size)
    power = (np.abs(np.fft.rfft(frames, axis=1)) ** 2).mean(axis=0)
    return np.fft.rfftfreq(size, 1 / rate), 10 * np.log10(np.maximum(power, 1e-30))


def true_peak(samples: np.ndarray, peak: float) -> float:
    """4x oversampled peak, looked for only around samples within 3 dB of the sample peak
    (between samples a band-limited signal rises less than that above its neighbours)."""
    from scipy.signal import resample_poly

    best, margin = peak, 64
    for c in range(samples.shape[1]):
        x = samples[:, c]
        hot = np.nonzero(np.abs(x) >= peak * 10 ** (-3 / 20))[0]
        if not len(hot):
            continue
        # runs of hot samples, each widened by the filter's reach, oversampled on their own
        breaks = np.nonzero(np.diff(hot) > 2 * margin)[0]
        for lo, hi in zip(np.concatenate(([hot[0]], hot[breaks + 1])), np.concatenate((hot[breaks], [hot[-1]])),
                          strict=True):
            a, b = max(0, lo - margin), min(len(x), hi + margin + 1)
            best = max(best, float(np.abs(resample_poly(x[a:b], 4, 1)).max()))
    return best


def cutoff(freqs: np.ndarray, levels: np.ndarray) -> tuple[float | None, bool]:
    """Where the spectrum leaves its own trend for good, and whether it falls off a cliff there.

    The trend is a line in log-frequency fitted over 1-6 kHz (music falls a few dB an
    octave); the cutoff is the highest frequency still within 10 dB of it. A cliff (25 dB
    under the trend 4 kHz further up) is what a low-pass or a lossy encoder leaves; a
    recording that is merely dark slopes away instead."""
    step = freqs[1] - freqs[0] if len(freqs) > 1 else 0
    band = (freqs >= 1000) & (freqs <= 6000)
    if not step or band.sum() < 10:
        return None, False
    width = max(1, int(200 / step))
    smooth = np.convolve(levels, np.ones(width) / width, mode="same")
    log_f = np.log2(np.maximum(freqs, 1.0))
    slope, intercept = np.polyfit(log_f[band], smooth[band], 1)
    trend = slope * log_f + intercept
    inside = np.nonzero((smooth >= trend - 10) & (freqs >= 1000) & (freqs <= freqs[-1] - width * step))[0]
    if not len(inside):
        return None, False
    at = inside[-1]
    further = min(len(freqs) - 1, at + int(4000 / step))
    cliff = bool(further > at and smooth[further] < trend[further] - 25)
    return round(float(freqs[at]), 1), cliff


def silences(mono: np.ndarray, rate: int) -> Silence:
    frame = max(1, rate // 100)
    n = len(mono) // frame
    if n == 0:
        return Silence(0.0, 0.0, 0.0)
    rms = np.sqrt((mono[:n * frame].reshape(n, frame) ** 2).mean(axis=1))
    quiet = rms < 10 ** (SILENCE_DBFS / 20)
    if quiet.all():
        return Silence(n / 100, n / 100, n / 100)
    loud = np.nonzero(~quiet)[0]
    leading, trailing = loud[0], n - 1 - loud[-1]
    inner = quiet[loud[0]:loud[-1] + 1]
    longest, run = 0, 0
    for q in inner:  # 100 frames a second: a 4-minute track is 24,000 of them
        run = run + 1 if q else 0
        longest = max(longest, run)
    return Silence(round(float(leading) / 100, 2), round(float(trailing) / 100, 2), round(longest / 100, 2))


def clipped(samples: np.ndarray) -> int:
    """Samples at full scale (within 0.2 dB of it) in runs of two or more, per channel: a
    clean signal touches full scale at lone samples, a clipped one stays there (a lossy
    encoder's ripple on a flattened top still leaves such runs)."""
    count = 0
    for c in range(samples.shape[1]):
        at_full = (np.abs(samples[:, c]) >= FULL_SCALE).astype(np.int8)
        edges = np.diff(np.concatenate(([0], at_full, [0])))
        lengths = np.nonzero(edges == -1)[0] - np.nonzero(edges == 1)[0]
        count += int(lengths[lengths >= 2].sum())
    return count


class UndecodableAudio(Exception):
    """The file cannot be decoded; the message says why, in one line."""


def decode(path: Path) -> tuple[np.ndarray, int]:
    """The whole file as float32 frames x channels."""
    import soundfile

    try:
        samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, ValueError, OSError) as exc:  # libsndfile's errors are RuntimeErrors
        raise UndecodableAudio(f"the audio cannot be decoded ({exc})") from None
    return samples, int(rate)


def analyse(path: Path, codec: str | None = None, track_gain_db: float | None = None) -> AudioReport:
    """Decode the whole file and measure it (UndecodableAudio when it cannot be decoded)."""
    samples, rate = decode(path)
    return measure(samples, rate, codec, track_gain_db)


def measure(samples: np.ndarray, rate: int, codec: str | None = None,
            track_gain_db: float | None = None) -> AudioReport:
    channels = samples.shape[1]
    duration = len(samples) / rate if rate else 0.0
    mono = samples[:, 0] if channels == 1 else samples.sum(axis=1, dtype=np.float32) / channels
    peak = float(np.abs(samples).max()) if len(samples) else 0.0
    top = true_peak(samples, peak) if len(samples) else 0.0
    freqs, levels = spectrum(mono, rate) if len(mono) >= 4096 else (np.zeros(0), np.zeros(0))
    cut, cliff = cutoff(freqs, levels) if len(freqs) else (None, False)
    loudness = integrated_loudness(samples, rate)
    silence = silences(mono, rate)
    report = AudioReport(rate, channels, round(duration, 3), cut, _db(peak), _db(top), clipped(samples),
                         loudness, silence)
    return replace(report, suspicions=suspicions(report, codec, track_gain_db, cliff))


def suspicions(r: AudioReport, codec: str | None, track_gain_db: float | None,
               cliff: bool = True) -> list[Suspicion]:
    found: list[Suspicion] = []
    if r.peak_dbfs is None or r.loudness_lufs is None or r.silence.leading_s >= r.duration_s - 0.05:
        return [Suspicion("silent", MEANINGS["silent"])]
    expected = EXPECTED_CUTOFF_HZ.get(codec or "", 16_000.0)
    nyquist = r.sample_rate / 2
    if cliff and r.cutoff_hz is not None and r.cutoff_hz < min(expected, 0.8 * nyquist):
        found.append(Suspicion("band-limited", f"the spectrum stops at {r.cutoff_hz / 1000:.1f} kHz where "
                                               f"{codec or 'this codec'} keeps up to ~{expected / 1000:.0f} kHz: "
                                               + MEANINGS["band-limited"].split(": ", 1)[1]))
    total = int(r.duration_s * r.sample_rate)
    if r.clipped_samples >= max(20, total // 50_000):
        found.append(Suspicion("clipping", f"{r.clipped_samples:,} samples in runs at the peak "
                                           f"({r.peak_dbfs} dBFS): " + MEANINGS["clipping"].split(": ", 1)[1]))
    if r.silence.longest_gap_s >= LONG_SILENCE_S:
        found.append(Suspicion("long-silence", f"{r.silence.longest_gap_s:.1f} s of silence inside the track: "
                                               "a gap, a hidden track, or missing audio"))
    if track_gain_db is not None:
        expected_lufs = RG2_REFERENCE_LUFS - track_gain_db
        if abs(r.loudness_lufs - expected_lufs) > LOUDNESS_TOLERANCE_DB:
            found.append(Suspicion("loudness-mismatch", f"measured {r.loudness_lufs:.1f} LUFS, the ledger's gain "
                                                        f"{track_gain_db:+.2f} dB implies {expected_lufs:.1f} LUFS: "
                                                        + MEANINGS["loudness-mismatch"].split(": ", 1)[1]))
    return found
