"""The bitrate a face shows is the file's: a Vorbis file's nominal rate from its own header
(mutagen reads it as the oracle), the ledger's re-encode rate for the Opus tier, else the size
over the length, marked as an average; never a number made up from the codec's name."""

from __future__ import annotations

import mutagen
from expect import present
from mutagen.oggvorbis import OggVorbis
from test_no_sound import local_ids

from tui.config import Settings, StatePaths
from tui.core.events import NowPlaying
from tui.core.services import Location, open_services
from tui.player.source import bitrate, read_header


def test_each_local_files_bitrate_is_its_own(small_demo):
    services = open_services(Location(small_demo.mirror, StatePaths(small_demo.state), small_demo), Settings())
    try:
        seen = set()
        for track_id in local_ids(small_demo.home, 40):
            entry = present(services.files.entry(track_id))
            track = present(services.catalogue.track(track_id))
            ledger = services.catalogue.ledger(track_id)
            kbps, average = bitrate(read_header(entry.path), entry.size, track.duration_ms,
                                    ledger.reencoded_kbit_vbr if ledger else None)
            audio = mutagen.File(entry.path)
            nominal = getattr(audio.info, "bitrate", 0) if isinstance(audio, OggVorbis) else 0
            if nominal > 0:
                assert (kbps, average) == (round(nominal / 1000), False)  # the header's nominal
                seen.add("vorbis")
            elif ledger is not None and ledger.reencoded_kbit_vbr:
                assert (kbps, average) == (ledger.reencoded_kbit_vbr, True)
                seen.add("ledger")
            else:
                assert (kbps, average) == (round(entry.size * 8 / track.duration_ms), True)
                seen.add("average")
        assert "vorbis" in seen and len(seen) >= 2  # the demo has both tiers on disk
    finally:
        services.close()


def test_the_sample_rate_and_channels_are_the_headers(small_demo):
    from mutagen.oggopus import OggOpus

    from tui.player.source import audio_format

    services = open_services(Location(small_demo.mirror, StatePaths(small_demo.state), small_demo), Settings())
    try:
        kinds = set()
        for track_id in local_ids(small_demo.home, 40):
            path = present(services.files.entry(track_id)).path
            audio = mutagen.File(path)
            info = present(audio).info
            expected = 48000 if isinstance(audio, OggOpus) else getattr(info, "sample_rate", None)
            assert audio_format(read_header(path)) == (expected, getattr(info, "channels", None))
            kinds.add(type(audio).__name__)
        assert kinds == {"OggOpus", "OggVorbis"}
        assert audio_format(b"") is None
    finally:
        services.close()


def test_a_stream_has_no_header_yet_and_says_its_average():
    assert bitrate(b"", 1_000_000, 100_000, None) == (80, True)
    assert bitrate(b"", 1_000_000, 100_000, 75) == (75, True)
    assert bitrate(b"", None, None, None) == (None, False)


def test_the_bar_says_what_is_known_and_nothing_more():
    def now(codec, kbps, average):
        return NowPlaying(None, "playing", 0.0, None, codec, "local", 0, 1, 100.0, False, "off", "track",
                          kbps=kbps, kbps_average=average)

    assert now("vorbis", 160, False).quality == "vorbis 160k"
    assert now("opus", 75, True).quality == "opus ~75k"
    assert now("opus", None, False).quality == "opus"
    assert now(None, 75, True).quality is None
