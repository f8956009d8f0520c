"""What the TUI knows about tracks beyond their rows: fetches in flight, fresh verdicts,
files that changed state. Owned by the UI thread; the app applies core events to it
in one place and hands it to the renderers explicitly."""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.core.events import CheckProgress, FetchProgress, FileStateChanged


@dataclass
class LiveState:
    fetch: dict[str, FetchProgress] = field(default_factory=dict)
    verdicts: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    playing: str | None = None  # the track id the now-playing bar shows

    def apply(self, event: object) -> bool:
        """Take in a core event; True when rows on screen may look different now."""
        if isinstance(event, FetchProgress):
            if event.state == "done" and event.verified:
                self.fetch.pop(event.track_id, None)
                self.files[event.track_id] = "local"
            else:
                self.fetch[event.track_id] = event
            return True
        if isinstance(event, CheckProgress):
            if not event.track_id or event.verdict == "stray":  # a file no track owns
                return False
            self.verdicts[event.track_id] = event.verdict
            if event.verdict == "corrupt":
                self.files[event.track_id] = "damaged"
            return True
        if isinstance(event, FileStateChanged):
            self.files[event.track_id] = event.state
            return True
        return False

    def fetch_text(self, track_id: str) -> str | None:
        """A short fetch state for track lists: percent and rate, stalled, failed."""
        progress = self.fetch.get(track_id)
        if progress is None:
            return None
        if progress.active and progress.state != "stalled":
            return f"{progress.percent:3.0f}% {progress.rate / 1e6:.1f}MB/s {progress.peers}p"
        return progress.state  # stalled, failed, cancelled
