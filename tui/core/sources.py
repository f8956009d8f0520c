"""What the player gets for a track id: the local file, or a stream from the swarm.

This is the glue between the mirror (files, torrents) and the player (which knows
neither): local files are sniffed for their codec; a fetchable track becomes a
`ByteStream` over its pieces, never a path to a partial file.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from tui.catalogue.records import Track
from tui.core.items import unplayable_reason
from tui.core.services import Services
from tui.mirror.fetch_status import FetchError
from tui.player.source import Source, SourceError, SourceResolver, audio_format, bitrate, read_header, sniff_codec

if TYPE_CHECKING:  # the swarm's modules load when fetching starts
    from tui.core.swarm import Swarm


class AbsentError(SourceError):
    """Neither a local file nor a torrent: an ISRC sibling may stand in."""


class MirrorSources(SourceResolver):
    def __init__(self, services: Services, swarm: Swarm | None = None) -> None:
        self.services = services
        self.swarm = swarm

    def resolve(self, track_id: str) -> Source:
        catalogue = self.services.catalogue
        track = catalogue.track(track_id)
        if track is None:
            raise SourceError(f"no track {track_id} in the catalogue")
        try:
            return self._resolve(track)
        except AbsentError:
            sibling = self._archived_sibling(track)
            if sibling is None:
                raise
        # The same recording (same ISRC) under another release is archived: play its file.
        source = self._resolve(sibling)
        where = f"{sibling.album.name} ({sibling.album.year})" if sibling.album.name else sibling.id
        return replace(source, track_id=track.id, via=sibling.id,
                       note=f"plays the same recording (ISRC {track.isrc}) from {where}: "
                            "this release is not archived")

    def cannot_play(self, track_ids: list[str]) -> dict[str, str]:
        files = self.services.files.files_of(track_ids)
        out: dict[str, str] = {}
        for track_id, (state, playable) in files.items():
            if playable and (state == "local" or self.swarm is not None):
                continue
            if playable:
                out[track_id] = "not local, and fetching is off"
                continue
            track = self.services.catalogue.track(track_id)
            if track is None:
                out[track_id] = f"no track {track_id} in the catalogue"
            elif self._archived_sibling(track, ("local", "fetchable") if self.swarm else ("local",)) is None:
                out[track_id] = unplayable_reason(state)
        return out

    def _archived_sibling(self, track: Track, usable: tuple[str, ...] = ("local", "fetchable")) -> Track | None:
        """An ISRC sibling whose file is local, else (when `usable` says so) one a torrent holds."""
        if not track.isrc:
            return None
        siblings = self.services.catalogue.isrc_siblings(track)
        states = self.services.files.states([s.id for s in siblings])
        for wanted in usable:
            for s in siblings:
                if states.get(s.id) == wanted:
                    return s
        return None

    def _resolve(self, track: Track) -> Source:
        catalogue, track_id = self.services.catalogue, track.id
        ledger = catalogue.ledger(track_id)
        rg = ledger.replaygain if ledger else None
        reencoded = ledger.reencoded_kbit_vbr if ledger else None
        entry = self.services.files.entry(track_id)
        if entry is not None and entry.local and entry.is_present():
            head = read_header(entry.path)
            codec = sniff_codec(head)
            if codec is None:
                raise SourceError(f"{entry.path.name} is not an Ogg Vorbis/Opus file "
                                  "(run `longtail check` on it)")
            moved = self.swarm.moved_aside(track_id) if self.swarm is not None else None
            kbps, average = bitrate(head, entry.size, track.duration_ms, reencoded)
            return Source(track_id, codec, "local", path=entry.path, replaygain=rg, duration_ms=track.duration_ms,
                          note=f"a damaged copy was moved aside to {moved}" if moved else None,
                          kbps=kbps, kbps_average=average, audio=audio_format(head))
        if entry is not None and entry.info_hash and self.swarm is not None:
            try:
                stream = self.swarm.stream(entry)
            except (FetchError, OSError) as exc:
                raise SourceError(f"cannot fetch it: {exc}") from None
            note = f"a damaged copy was moved aside to {stream.moved_aside}" if stream.moved_aside else None
            kbps, average = bitrate(b"", entry.size, track.duration_ms, reencoded)  # no header here yet
            return Source(track_id, track.tier, "stream", stream=stream, replaygain=rg,
                          duration_ms=track.duration_ms, note=note, kbps=kbps, kbps_average=average)
        if entry is not None and entry.info_hash:
            raise SourceError("not local, and fetching is off")
        raise AbsentError(unplayable_reason(self.services.files.missing_state()))

    def prefetch(self, track_id: str) -> None:
        if self.swarm is None:
            return
        entry = self.services.files.entry(track_id)
        if entry is not None and not entry.local and entry.info_hash:
            self.swarm.prefetch(entry)
