"""How the CLI prints: JSON documents and lines, progress bars drawn from the core's events,
and plain-text tracks and details."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from tui.core.bus import Subscription
from tui.core.events import CheckProgress, FetchProgress, IndexProgress, Notice, SweepProgress
from tui.core.session import Session
from tui.core.views import TrackItem


def emit_json(doc: object) -> None:
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2))


def emit_line(doc: dict) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    sys.stdout.flush()


class RateBar:
    """A click progress bar whose label shows the rate; click adds the ETA."""

    def __init__(self, label: str, unit: str) -> None:
        self.label, self.unit = label, unit
        self.bar: Any = None  # a click progress bar, made on the first update
        self.started = time.perf_counter()
        self.first = 0

    def update(self, done: int, total: int, item: str | None = None) -> None:
        if not sys.stderr.isatty():
            return  # a pipe or a log: bars are for eyes, and scripts want only real lines
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=f"{self.label:<15}", file=sys.stderr,
                                         show_eta=True, show_percent=True, item_show_func=lambda x: x)
            self.bar.__enter__()
            self.first = done
            self.started = time.perf_counter()
        self.bar.length = max(total, done, 1)
        rate = (done - self.first) / max(1e-6, time.perf_counter() - self.started)
        self.bar.current_item = item or f"{rate:,.0f} {self.unit}/s"
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.render_finish()
            self.bar = None


class ProgressPrinter:
    """Draws the core's progress events as bars on stderr while a command runs."""

    def __init__(self, session: Session, kinds: tuple[type, ...]) -> None:
        self.bars: dict[str, RateBar] = {}
        self.sub: Subscription = session.bus.subscribe(self._on_event, kinds, name="cli-progress")

    def _bar(self, label: str, unit: str) -> RateBar:
        for other in [k for k in self.bars if k != label]:
            self.bars.pop(other).close()
        return self.bars.setdefault(label, RateBar(label, unit))

    def _on_event(self, event: object) -> None:
        if isinstance(event, IndexProgress) and not event.finished:
            unit = "torrents" if event.label == "torrents" else "rows"
            self._bar(event.label, unit).update(event.done, event.total)
        elif isinstance(event, CheckProgress):
            self._bar("checking", "files").update(event.done, event.total, event.track_id)
        elif isinstance(event, SweepProgress):
            rate = event.bytes_read / 1e6 / max(event.seconds, 1e-6)
            self._bar("sweeping", "files").update(event.done, event.total,
                                                  f"{rate:,.0f} MB/s, {event.corrupt:,} corrupt")
        elif isinstance(event, Notice):
            click.echo(event.text, err=True)
        elif isinstance(event, FetchProgress) and event.active:
            self._bar(event.track_id, "bytes").update(
                event.bytes_done, event.bytes_total,
                f"{event.rate / 1e6:5.1f} MB/s {event.peers} peers "
                f"{event.pieces_done}/{event.pieces_total} pieces {event.state}")

    def close(self) -> None:
        self.sub.close()
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()


def track_docs(items: list[TrackItem]) -> list[dict]:
    from tui.cli.jsonout import track_json

    return [track_json(i.track, i.file) for i in items]


def print_tracks(items: list[TrackItem]) -> None:
    for item in items:
        t = item.track
        minutes, seconds = divmod(t.duration_ms // 1000, 60)
        click.echo(f"{t.id}  {t.popularity:>3}  {t.tier:<6} {item.file:<9} {minutes:>2}:{seconds:02d}  "
                   f"{t.name or '(no title)'} — {', '.join(t.artist_names)} — {t.album.name}")


def print_details(doc: dict) -> None:
    def line(label: str, value: object) -> None:
        if value not in (None, "", []):
            click.echo(f"{label:>14}  {value}")

    minutes, seconds = divmod(doc["duration_ms"] // 1000, 60)
    line("track", doc["name"] or "(no title)")
    line("artists", ", ".join(doc["artists"]))
    line("album", f"{doc['album'] or '(no title)'} ({doc['release_date'][:4]}, {doc['album_type']})")
    line("number", f"disc {doc['disc_number']}, track {doc['track_number']}")
    line("duration", f"{minutes}:{seconds:02d}")
    line("popularity", f"{doc['popularity']}  tier {doc['tier']}")
    line("isrc", doc["isrc"])
    line("genres", ", ".join(doc["genres"]))
    f = doc["audio_features"]
    if f:
        line("features", f"{f['tempo']:.0f} BPM, {f['key_name'] or 'no key'}, energy {f['energy']}, "
                         f"danceability {f['danceability']}")
    led = doc["ledger"]
    if led:
        rg = led["replaygain"]
        line("ledger", f"{led['status']}" + (f", {led['codec']}" if led["codec"] else ""))
        if rg:
            line("replaygain", f"track {rg['track_gain_db']:+.2f} dB, album {rg['album_gain_db']:+.2f} dB")
    line("file", doc["file"] + (f": {doc['damage']}" if doc.get("damage") else ""))
    line("integrity", doc.get("verdict") or "not checked (longtail check ID)")
    if doc["file_entry"]:
        line("path", doc["file_entry"]["path"])
    if doc["isrc_siblings"]:
        line("same isrc", f"{len(doc['isrc_siblings'])} other track(s)")
        for s in doc["isrc_siblings"][:5]:
            line("", f"{s['id']}  {s['name']} — {s['album']} ({s['file']})")
    for i, p in enumerate(doc.get("playlists", [])[:5]):
        line("in playlists" if i == 0 else "", f"{p['id']}  {p['name']} ({p['followers']:,} followers)")
    line("id", doc["id"])


def print_report(track_id: str, report: dict | None) -> None:
    """`check --report` in words: the figures, then each suspicion and what it means."""
    if report is None:
        return
    if "error" in report:
        click.echo(f"{track_id}  report: {report['error']}")
        return
    silence = report["silence"]
    click.echo(f"{track_id}  {report['sample_rate']} Hz, {report['channels']} ch, {report['duration_s']:.1f} s · "
               f"cutoff {report['cutoff_hz'] or 0:,.0f} Hz · peak {report['peak_dbfs']} dBFS, true peak "
               f"{report['true_peak_dbtp']} dBTP · {report['clipped_samples']:,} clipped samples · "
               f"{report['loudness_lufs']} LUFS · silence {silence['leading_s']} s in, {silence['trailing_s']} s "
               f"out, longest gap {silence['longest_gap_s']} s")
    for s in report["suspicions"]:
        click.echo(f"    {s['code']}: {s['detail']}")
