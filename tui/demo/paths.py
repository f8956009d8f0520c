"""Where the demo lives; kept apart from the builder so that opening it is cheap."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec

DEMO_VERSION = 7  # 3: playlists of every entry kind; 4: ReplayGain 2.0 gains (BS.1770); 5: covers;
# 6: the cover-art tar; 7: an LRCLIB dump


class DemoPaths(msgspec.Struct, frozen=True):
    home: Path

    @property
    def mirror(self) -> Path:
        return self.home / "mirror"

    @property
    def swarm(self) -> Path:
        return self.home / "swarm"

    @property
    def state(self) -> Path:
        return self.home / "state"

    @property
    def marker(self) -> Path:
        return self.home / "demo.json"

    def is_built(self) -> bool:
        try:
            info = json.loads(self.marker.read_text())
        except (OSError, ValueError):
            return False
        return info.get("version") == DEMO_VERSION

    def torrents_and_swarm(self) -> list[tuple[Path, Path]]:
        """(.torrent in the mirror, save path of the full copy) for the seeder."""
        return [(t, self.swarm) for t in sorted(self.mirror.glob("*.torrent"))]


