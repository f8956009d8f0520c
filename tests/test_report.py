"""The audio report on real encoded files (made with ffmpeg), measured against ffmpeg's own
ebur128 and astats filters as independent oracles."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from expect import present

from tui.mirror.report import analyse

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is the oracle")
EXE = Path(sys.executable).with_name("longtail")
NOISE = "anoisesrc=color=pink:amplitude=0.25:duration={d}:sample_rate={r}:seed={s}"


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=120)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("report")
    out = {name: d / f"{name}.ogg" for name in ("clean", "lowpassed", "clipped", "gap", "quiet_opus")}
    noise = NOISE.format(d=20, r=44100, s=3)
    ffmpeg("-f", "lavfi", "-i", noise, "-ac", "2", "-c:a", "libvorbis", "-b:a", "160k", str(out["clean"]))
    ffmpeg("-f", "lavfi", "-i", noise, "-af", ",".join(["lowpass=f=11000"] * 4), "-ac", "2", "-c:a", "libvorbis",
           "-b:a", "160k", str(out["lowpassed"]))
    ffmpeg("-f", "lavfi", "-i", noise, "-af", "volume=26dB", "-ac", "2", "-c:a", "pcm_s16le", str(d / "clipped.wav"))
    ffmpeg("-i", str(d / "clipped.wav"), "-c:a", "libvorbis", "-b:a", "160k", str(out["clipped"]))
    ffmpeg("-f", "lavfi", "-i", NOISE.format(d=8, r=48000, s=4), "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono",
           "-f", "lavfi", "-i", NOISE.format(d=8, r=48000, s=5), "-filter_complex",
           "[1]atrim=duration=5[s];[0][s][2]concat=n=3:v=0:a=1", "-ac", "2", "-c:a", "libopus", "-b:a", "75k",
           str(out["gap"]))
    ffmpeg("-f", "lavfi", "-i", NOISE.format(d=15, r=48000, s=6), "-af", "volume=-9dB", "-ac", "2",
           "-c:a", "libopus", "-b:a", "75k", str(out["quiet_opus"]))
    return out


def oracle(path: Path) -> dict[str, float]:
    err = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af",
                          "ebur128=peak=true,astats=measure_perchannel=none:measure_overall=Peak_level",
                          "-f", "null", "-"], capture_output=True, text=True, timeout=120).stderr
    summary = err[err.rindex("Summary:"):]
    return {"lufs": float(present(re.search(r"I:\s+(-?[\d.]+) LUFS", summary)).group(1)),
            "true_peak": float(present(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary)).group(1)),
            "peak": float(present(re.search(r"Peak level dB: (-?[\d.]+)", err)).group(1))}


@pytest.mark.parametrize("name", ["clean", "lowpassed", "clipped", "gap", "quiet_opus"])
def test_loudness_and_peaks_agree_with_ffmpeg(files, name):
    report, expected = analyse(files[name]), oracle(files[name])
    assert abs(present(report.loudness_lufs) - expected["lufs"]) <= 0.5
    assert abs(present(report.peak_dbfs) - expected["peak"]) <= 0.2
    assert abs(present(report.true_peak_dbtp) - expected["true_peak"]) <= 0.3


def test_each_file_is_suspected_of_what_was_done_to_it_and_only_that(files):
    codes = {name: [s.code for s in analyse(path, "opus" if "opus" in name or name == "gap" else "vorbis").suspicions]
             for name, path in files.items()}
    assert codes == {"clean": [], "lowpassed": ["band-limited"], "clipped": ["clipping"], "gap": ["long-silence"],
                     "quiet_opus": []}
    assert abs(present(analyse(files["lowpassed"]).cutoff_hz) - 11_000) <= 1_000
    assert present(analyse(files["clean"]).cutoff_hz) > 18_000  # what 160 kbit/s Vorbis keeps
    assert abs(analyse(files["gap"]).silence.longest_gap_s - 5.0) <= 0.2


def test_loudness_against_the_ledgers_replaygain(files):
    measured = present(analyse(files["clean"]).loudness_lufs)
    fitting = -18.0 - measured  # ReplayGain 2.0: gain = reference - loudness
    assert [s.code for s in analyse(files["clean"], "vorbis", fitting + 1.5).suspicions] == []
    off = analyse(files["clean"], "vorbis", fitting - 4.0).suspicions
    assert [s.code for s in off] == ["loudness-mismatch"] and "LUFS" in off[0].detail


def test_check_report_json_on_the_demo(small_demo, tmp_path):
    state = tmp_path / "state"
    shutil.copytree(small_demo.state, state)
    args = ["--mirror", str(small_demo.mirror), "--state", str(state)]
    shuffled = json.loads(subprocess.run([EXE, "shuffle", "--playable", "-n", "200", "--json", *args],
                                         capture_output=True, text=True, timeout=120).stdout)
    local = [t["id"] for t in shuffled["tracks"] if t["file"] == "local"][:2]
    out = subprocess.run([EXE, "check", *local, "--report", "--json", *args], capture_output=True, text=True,
                         timeout=120)
    doc = json.loads(out.stdout)
    for result in doc["results"]:
        report = result["report"]
        assert set(report) == {"sample_rate", "channels", "duration_s", "cutoff_hz", "peak_dbfs", "true_peak_dbtp",
                               "clipped_samples", "loudness_lufs", "silence", "suspicions"}
        assert set(report["silence"]) == {"leading_s", "trailing_s", "longest_gap_s"}
        assert result["verdict"] == "ok"  # a suspicion is never a verdict
        # the demo's ledger gains were measured from these very files: no loudness mismatch
        assert "loudness-mismatch" not in [s["code"] for s in report["suspicions"]]
